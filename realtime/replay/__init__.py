"""Recorded EEG played back as a real-time LSL stream, with ground-truth markers.

- :mod:`.player`: :class:`~.player.ReplayPlayer`, drift-free pacing of trials into an
  LSL outlet plus ``<name>-markers``;
- :mod:`.from_file`: a dataset file's trials (read by the dataset readers) as a
  player, and ``eeg-emotion replay``'s options;
- :mod:`.process`: ``eeg-emotion replay`` in a background process (the demo).

Replay imports only the core, as mne-lsl's player imports nothing of its stream
acquisition.
"""
