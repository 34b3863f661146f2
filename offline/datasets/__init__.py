"""Datasets on disk: one reader per layout, and the registry that picks one.

- :mod:`.registry`: :class:`~.registry.DatasetIndex` (a lazy index of trials), the
  reader registry and the dataset kinds;
- one module per reader, each registering itself: :mod:`.deap` (preprocessed
  pickles / .mat), :mod:`.deap_bdf` (the original BioSemi recordings),
  :mod:`.seed_iv` (raw EEG and feature files), :mod:`.mne_files` (any file MNE reads
  plus a labels CSV), :mod:`.calibration_folders` (``eeg-emotion calibrate``'s
  folders and rated ``live --record`` recordings);
- :mod:`.readers`: open a folder or file with whichever reader fits;
- :mod:`.file_cache`: the parsed files a reader keeps, keyed by size and mtime.

Readers import only the registry and the core, never each other (but
:mod:`.deap_bdf`, which reads BDF files with :mod:`.mne_files`' public functions).
"""
