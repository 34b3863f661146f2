"""Where eeg-emotion keeps what it can rebuild: window caches, the demo, personal models."""

from __future__ import annotations

import os
from pathlib import Path

from eeg_emotion.checks import check_writable


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


def check_cache_writable(folder: str | Path, option: str | None = None) -> Path:
    """Refuse a cache folder (or one in it) this process cannot write into, naming how
    it was chosen and how to choose another.

    Parameters
    ----------
    folder : str | pathlib.Path
        The folder about to be written (the cache, or a folder in it).
    option : str | None
        The option that named it (``"--cache-dir"``, ``"--cache"``); None when it is
        the default cache (``$EEG_EMOTION_CACHE`` or ``~/.cache/eeg-emotion``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ConfigError
        See :func:`eeg_emotion.checks.check_writable`.
    """
    if option is not None:
        what, fix = f"the {option} folder", f"pass {option} a folder you may write to"
    elif os.environ.get("EEG_EMOTION_CACHE"):
        what = "the cache folder ($EEG_EMOTION_CACHE)"
        fix = ("point EEG_EMOTION_CACHE at a folder you may write to, or unset it for "
               "~/.cache/eeg-emotion")
    else:
        what = "the cache folder"
        fix = "set EEG_EMOTION_CACHE to a folder you may write to"
    return check_writable(folder, what, fix)
