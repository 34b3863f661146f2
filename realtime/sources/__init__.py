"""Acquisition: where live EEG comes from, and what its channels are.

- :mod:`.source`: the interface every source implements (``open``, ``read`` chunks,
  ``close``), :class:`~.source.SourceInfo` and :class:`~.source.Chunk`;
- :mod:`.lsl_source` (an LSL inlet: stream discovery, metadata, clock correction,
  reconnection) and :mod:`.brainflow_source` (a BrainFlow board);
- :mod:`.channels`: channel labels of a stream (``--montage``, the stream's
  description, montage inference) and their mapping onto a model's channels;
- :mod:`.markers`: ground truth from a replay's marker stream;
- :mod:`.factory`: the source that :class:`~eeg_emotion.realtime.options.SourceOptions`
  names, made and opened.

Nothing here imports the engine's processing, the outputs, calibration or commands.
"""
