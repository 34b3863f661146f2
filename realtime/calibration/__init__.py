"""The personal calibration session: blocks of rest, stimulus and self-rating.

- :mod:`.protocol`: what a session shows (built-in prompts or the user's stimuli);
- :mod:`.session`: running one session's blocks, timed and recorded crash-safely;
- :mod:`.headless`: the terminal front-end and its rating sources;
- :mod:`.options` and :mod:`.run`: what ``eeg-emotion calibrate`` was asked, done
  step by step (check, open the source, record, train the personal model).

The window front-end is :mod:`eeg_emotion.realtime.dashboard.calibration_window`;
the folder layout is :mod:`eeg_emotion.calibration_files`.
"""
