"""Where eeg-emotion keeps what it can rebuild: window caches, the demo, personal models."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The eeg-emotion cache folder.

    Returns
    -------
    Path
        ``$EEG_EMOTION_CACHE`` if set, else ``$XDG_CACHE_HOME/eeg-emotion``, else
        ``~/.cache/eeg-emotion``. The folder is not created here.
    """
    env = os.environ.get("EEG_EMOTION_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "eeg-emotion"


def models_dir(override: str | Path | None = None) -> Path:
    """Where ``live`` looks for models and ``calibrate`` saves personal ones.

    Parameters
    ----------
    override : str | pathlib.Path | None
        ``--models-dir``; None: ``<cache>/models``.

    Returns
    -------
    pathlib.Path
    """
    return Path(override).expanduser() if override else cache_dir() / "models"
