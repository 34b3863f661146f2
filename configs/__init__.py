"""Training configs shipped with eeg-emotion.

The ``*.toml`` files beside this module install with the package, so
``eeg-emotion train --config deap_scalingnet`` finds them by name from any folder
(see :func:`eeg_emotion.config.resolve_config`).
"""
