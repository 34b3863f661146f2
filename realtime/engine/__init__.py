"""The live engine: from raw chunks to estimates, in two threads.

- :mod:`.engine`: the façade that wires a source and a model into the loops;
- :mod:`.acquisition` (source -> stages -> ring buffer) and :mod:`.stages` (repair,
  channel pick, resampling, the causal FIR filter: one object each);
- :mod:`.ring_buffer`: preallocated, thread-safe samples and timestamps;
- :mod:`.inference_loop` (at each window boundary: latest window -> model ->
  estimate) and :mod:`.inference` (running a loaded model as it was trained);
- :mod:`.estimate_log`: the waitable log of estimates and the running accuracy;
- :mod:`.state`: what viewers read (estimates, status; the ``EngineView`` protocol);
- :mod:`.gc_freeze`: the garbage collector kept out of the latency tail.

The engine never imports a viewer, an output, calibration or a command.
"""
