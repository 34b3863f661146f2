"""Evaluation protocols: the outer splits of a config, run one after another, summarised.

:func:`run_protocol` runs one protocol into an output folder: it checks the folder
(:mod:`.run_folder`: ``run.json``, resume), loads the data, makes the splits
(:func:`make_splits`: over whole trials, :mod:`eeg_emotion.offline.training.splits`),
runs each (:func:`eeg_emotion.offline.training.split_run.run_split`), trains the final
``model.pt`` and writes ``metrics.json``, ``folds.csv``, PNG plots and ``report.md``
(:mod:`eeg_emotion.offline.training.report`). Sweeps over a config value are
:mod:`.sweep`. Under torchrun the ranks share the splits or train each together
(:mod:`.split_ranks`), and rank 0 writes the outputs.
"""

from __future__ import annotations

import logging
import shlex
from pathlib import Path

import numpy as np
import torch

from eeg_emotion.errors import ConfigError, EEGEmotionError
from eeg_emotion.offline.train_config import TrainingConfig
from eeg_emotion.offline.training import distributed
from eeg_emotion.offline.training import splits as sp
from eeg_emotion.offline.training.baselines import band_features
from eeg_emotion.offline.training.metrics import summarize_folds
from eeg_emotion.offline.training.report import PAPER_FIGURES, fold_baselines, write_run_outputs
from eeg_emotion.offline.training.run_data import RunData, load_run_data
from eeg_emotion.offline.training.run_folder import RunOptions, check_resume
from eeg_emotion.offline.training.split_ranks import naming_failures, plan_ranks
from eeg_emotion.offline.training.split_run import (
    SPLIT_KIND,
    pretrain_shared,
    run_split,
    session_ordering,
    train_final,
)
from eeg_emotion.progress import progress_over

log = logging.getLogger(__name__)




#: the shipped config that splits within a subject, by dataset kind
WITHIN_SUBJECT_CONFIG = {"deap": "deap_scalingnet_subject_dependent",
                         "calibration": "calibration_scalingnet"}


def make_splits(cfg: TrainingConfig, data: RunData) -> list[sp.Split]:
    """The outer splits of the config's protocol (each checked for leakage).

    Raises
    ------
    ConfigError
        If the data cannot be split so; data of one subject for a protocol across
        subjects get the command that trains within that subject.
    """
    try:
        return _splits(cfg, data)
    except sp.TooFewGroups as exc:
        config = WITHIN_SUBJECT_CONFIG.get(data.kind)
        if exc.group != "subject" or config is None:
            raise
        command = shlex.join(["eeg-emotion", "train", "--config", config, "--data",
                              str(data.path)])
        raise ConfigError(exc.problem, f"to split the trials of this one subject instead, "
                                       f"train with `{command}`") from exc


def _splits(cfg: TrainingConfig, data: RunData) -> list[sp.Split]:
    p, seed = cfg.protocol, cfg.train.seed
    if p.name == "cross_subject":
        splits = sp.cross_subject_kfold(data.subject, data.trial_id, p.folds, seed)
    elif p.name == "loso":
        splits = sp.leave_one_subject_out(data.subject, data.trial_id)
    elif p.name == "subject_dependent":
        splits = sp.subject_dependent_kfold(data.subject, data.trial_id, p.folds, seed,
                                            p.per_subject)
    elif p.name == "trialwise":
        splits = sp.trialwise_kfold(data.trial_id, p.folds, seed)
    else:
        orders = (sp.session_orderings(np.unique(data.session).tolist()) if p.all_orderings
                  else [(tuple(p.train_sessions), p.test_session)])
        splits = [s for tr, te in orders
                  for s in sp.cross_session(data.session, data.subject, data.trial_id, tr, te,
                                            p.per_subject)]
    if p.max_splits is not None:
        splits = splits[:p.max_splits]
    return splits


def run_protocol(cfg: TrainingConfig, data_path: str | Path, opts: RunOptions,
                 data: RunData | None = None) -> dict | None:
    """Run one protocol end to end into ``opts.out``; return the run summary.

    Parameters
    ----------
    cfg : TrainingConfig
        Validated config (no sweep).
    data_path : str | Path
        Dataset folder.
    opts : RunOptions
        Output folder, device, channel restriction, progress.
    data : RunData | None
        Already prepared data (sweeps reuse it).

    Returns
    -------
    dict | None
        What :func:`~eeg_emotion.offline.training.report.write_run_outputs` wrote to
        ``metrics.json``; None on a torchrun rank other than 0 (rank 0 writes).
    """
    device = distributed.rank_device(cfg.train.device if opts.device == "auto"
                                     else opts.device) \
        if cfg.model.name != "random_forest" else torch.device("cpu")
    config = cfg.to_dict()
    config["train"]["device"] = "(any: a run may resume on another device)"
    # nor do the ranks, pinned memory or (left at fp32) the precision change a result: a
    # run resumes with other ranks, and folders of runs before these keys still resume
    config.pop("distributed")
    config["train"].pop("pin_memory")
    if config["train"]["precision"] == "fp32":
        config["train"].pop("precision")
    record = {"config": config, "data": str(Path(data_path).expanduser().resolve()),
              "channels": opts.channels}
    check_resume(opts.out, record, write=False)
    if data is None:
        data = distributed.staged(lambda: load_run_data(
            cfg, data_path, channels=opts.channels, cache_dir=opts.cache_dir,
            progress=opts.progress))
    features = None
    if cfg.model.name == "random_forest" or cfg.baseline.compare:
        features = data.X if data.features_only else band_features(
            data.X, data.sfreq, cfg.baseline.features)
    splits = make_splits(cfg, data)
    if distributed.is_main():
        check_resume(opts.out, record, write=True)
    plan = plan_ranks(cfg, splits, opts)
    folds = []
    shared: dict[tuple, tuple[dict, dict]] = {}
    if cfg.pretrain.enabled and cfg.pretrain.scope == "all_subjects":
        shared = plan.shared_pretraining(cfg, data, device, opts.progress)
    with plan.trainings():
        for split in progress_over(plan.mine, "splits", unit="split", enabled=opts.progress):
            with naming_failures(plan, split):
                try:
                    pretrained = None
                    if cfg.pretrain.enabled and cfg.pretrain.scope == "all_subjects" \
                            and split.name in plan.pending:
                        key = session_ordering(split)
                        if key not in shared:
                            shared[key] = pretrain_shared(cfg, data, split, device,
                                                          opts.progress)
                        pretrained = shared[key]
                    folds.append(run_split(cfg, data, split, plan.opts, device, features,
                                           pretrained))
                except EEGEmotionError:
                    raise
                except torch.cuda.OutOfMemoryError as exc:
                    raise ConfigError(f"the GPU ran out of memory in {split.name}: {exc}",
                                      "lower train.batch_size or use --device cpu") from exc
    folds = plan.gather(folds)
    final = cfg.train.final_model and cfg.model.name != "random_forest"

    def train_final_model(summary: dict) -> list[Path]:
        return train_final(cfg, data, plan.opts, device, summary)

    if folds is None:  # a rank other than 0: rank 0 writes the outputs
        if final:
            plan.final_model(train_final_model, None)
        plan.close()
        return None
    summary = {t.name: summarize_folds([f["metrics"][t.name] for f in folds])
               for t in data.targets}
    n_test = sum(f["n_test"] for f in folds)
    notes = list(data.notes)
    if cfg.pretrain.enabled:
        scope = ("once per session ordering on the windows of ALL subjects' training "
                 "sessions (Pang et al.'s setting), each subject then fine-tuned from it"
                 if cfg.pretrain.scope == "all_subjects" else "on each split's training "
                 "windows")
        notes.append(f"MSMAE pre-training {scope}"
                     + (", AND the test session's windows without labels (unlabelled target "
                        "data allowed)" if cfg.pretrain.use_unlabelled_target else
                        "; no test-session data, labelled or not"))
    if cfg.adapt.adversarial:
        notes.append("adversarial session alignment (gradient reversal + session "
                     "discriminator)" + (" with unlabelled test-session windows"
                                         if cfg.pretrain.use_unlabelled_target else ""))
    if cfg.adapt.fewshot_trials:
        how = ("joined to the fine-tuning data" if cfg.adapt.fewshot_mode == "train" else
               "adapting the trained network")
        notes.append(f"few-shot adaptation on {cfg.adapt.fewshot_trials} labelled "
                     f"test-session trial(s) per subject, removed from the test set ({how})")
    if not cfg.train.joint_targets and len(data.targets) > 1:
        notes.append("one model per target (cross-entropy of that target only); the final "
                     "model.pt for live use is one joint model with a head per target")
    elif len(data.targets) > 1:
        notes.append("one joint model, cross-entropy summed over targets")
    if data.synthetic:
        notes.append("the data are SYNTHETIC (written by `eeg-emotion synth`): figures say "
                     "nothing about real EEG")
    run = {
        "description": cfg.description, "protocol": cfg.protocol.name,
        "split_kind": SPLIT_KIND[cfg.protocol.name], "model": cfg.model.name,
        "hparams": dict(cfg.model.hparams), "n_folds": len(folds),
        "data": {"path": str(data.path), "kind": data.kind, "n_trials": data.n_trials,
                 "n_windows": len(data.trial_id), "window_s": data.window_s,
                 "n_channels": len(data.channels), "channels": list(data.channels),
                 "sfreq": data.sfreq, "synthetic": data.synthetic,
                 "subjects": len(np.unique(data.subject)),
                 "sessions": np.unique(data.session).tolist()},
        "targets": [t.to_dict() for t in data.targets],
        "class_names": {t.name: list(t.classes) for t in data.targets},
        "class_balance": data.class_balance(), "notes": notes, "folds": folds,
        "summary": summary,
        "timing": {"device": str(device),
                   "train_seconds_total": sum(f["train_seconds"] for f in folds),
                   "train_seconds_mean": float(np.mean([f["train_seconds"] for f in folds])),
                   "inference_ms_per_window": 1000.0 * sum(f["inference_seconds"]
                                                            for f in folds) / max(n_test, 1)},
        "paper": _paper(cfg), "config": cfg.to_dict(),
    }
    if plan.describe() is not None:
        run["timing"]["ranks"] = plan.describe()
    if cfg.baseline.compare:
        names = [n for n in fold_baselines(folds[0]) if all(n in fold_baselines(f)
                                                             for f in folds)]
        run["baseline_summaries"] = {
            name: {t.name: summarize_folds([fold_baselines(f)[name]["metrics"][t.name]
                                            for f in folds]) for t in data.targets}
            for name in names}
    if shared:
        run["shared_pretraining"] = {v[1]["ordering"]: {
            k: v[1][k] for k in ("best_epoch", "seconds", "n_windows")}
            for v in shared.values()}
    if final:
        run["final_models"] = [p.name for p in plan.final_model(train_final_model, summary)]
    write_run_outputs(opts.out, run)
    plan.close()
    return run


def _paper(cfg: TrainingConfig) -> dict | None:
    return PAPER_FIGURES.get(cfg.protocol.paper)

