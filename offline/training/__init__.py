"""Training and evaluation protocols: from prepared data to a report and ``model.pt``.

- :mod:`.run_data`: a dataset made ready for a protocol (windows or features, groups,
  class labels);
- :mod:`.splits`: splits over whole trials, and the leakage guard;
- :mod:`.epochs` (the shared epoch loop), :mod:`.trainer` (supervised fine-tuning),
  :mod:`.pretrain` (MSMAE's masked pre-training), :mod:`.baselines` (the Random
  Forest);
- :mod:`.split_run` (one split: train, adapt, score, save), :mod:`.protocols` (all
  splits of a config, summarised), :mod:`.sweep` (one protocol per swept value),
  :mod:`.run_folder` (``run.json`` and resuming);
- :mod:`.metrics` and :mod:`.report`: figures per fold, mean ± std, ``report.md``;
- :mod:`.hparams_check`: a config's networks checked before any data loads;
- :mod:`.quick_model` (the demo's small model) and :mod:`.personal` (a personal model
  from calibration folders).
"""
