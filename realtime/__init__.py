"""The live application: a headset's stream -> a trained model -> estimates, shown.

Sub-packages by role:

- :mod:`.sources`: acquisition (LSL inlet, BrainFlow board), channel labels, markers;
- :mod:`.engine`: the two loops (acquisition -> filter -> ring buffer; windows ->
  model -> estimates) and what viewers read;
- :mod:`.outputs`: JSON lines, the LSL outlet, OSC, crash-safe recording;
- :mod:`.replay`: dataset files played back as LSL streams;
- :mod:`.calibration`: the personal calibration session;
- :mod:`.dashboard`: the Qt windows (live dashboard, calibration window).

Modules: :mod:`.options` (the typed options of the live commands),
:mod:`.model_choice` (which model runs when none is given) beside :mod:`.band_index`
(training-free indices when none fits), :mod:`.live_run` (a run of the engine until
told to stop), :mod:`.demo` (the built-in demo) and :mod:`.testing` (a synthetic
engine for tests and benchmarks).
"""
