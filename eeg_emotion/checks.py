"""Checks of numbers a user gives: the one place every option and config value is judged.

Command-line options (``--hop``, ``--timeout``, ``--blocks`` ...) are checked by
the typed options' ``check()`` methods, and config values (``preprocess.hop_s``
...) by :func:`eeg_emotion.config.from_dict` and the configs' validation; all of
them call these functions, so a value is refused the same way wherever it comes
from. Python's ``float()`` and TOML both accept ``nan`` and ``inf``, and a NaN
passes every ``value <= 0`` test, so each check refuses non-finite numbers first.

Each error names the value as the user wrote it (``--hop inf``, or
``train.toml: preprocess.hop_s = nan``) and a fix with a value that works.
Writable places (``--out``, a cache folder) are checked by :func:`check_writable`,
so a read-only folder is an error naming it, not an ``OSError`` traceback.
"""

from __future__ import annotations

import errno
import math
import os
import tempfile
from pathlib import Path

from eeg_emotion.errors import ConfigError


def _shown(name: str, value: object) -> str:
    """``--hop inf`` for an option, ``preprocess.hop_s = nan`` for a config key."""
    text = format(value, "g") if isinstance(value, float) else repr(value) \
        if isinstance(value, str) else str(value)
    return f"{name} {text}" if name.startswith("-") else f"{name} = {text}"


def _use(name: str, example: object) -> str:
    """``use e.g. --hop 0.5`` / ``in FILE, set preprocess.hop_s = 2.0``."""
    where, _, key = name.rpartition(": ")
    if name.startswith("-"):
        return f"use e.g. {name} {example}"
    return (f"in {where}, set " if where else "set ") + f"{key} = {example}"


def check_finite(name: str, value: float, example: object) -> float:
    """Refuse NaN and infinity.

    Parameters
    ----------
    name : str
        How the user gave the value: ``"--hop"``, or ``"FILE: preprocess.hop_s"``.
    value : float
        The value.
    example : object
        A value that works, for the fix.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    ConfigError
        If ``value`` is not a finite number.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{_shown(name, value)} is not a number", _use(name, example)) \
            from None
    if not math.isfinite(number):
        raise ConfigError(f"{_shown(name, value)} is not a finite number",
                          _use(name, example))
    return number


def check_positive(name: str, value: float | None, example: object) -> float | None:
    """A finite number above 0 (a speed, a learning rate); None passes (not given).

    Parameters
    ----------
    name, example
        As :func:`check_finite`.
    value : float | None
        The number.

    Returns
    -------
    float | None

    Raises
    ------
    ConfigError
        If the value is not finite, or 0 or less.
    """
    if value is None:
        return None
    number = check_finite(name, value, example)
    if number <= 0:
        raise ConfigError(f"{_shown(name, value)} must be more than 0", _use(name, example))
    return number


def check_seconds(name: str, value: float | None, example: object, *,
                  allow_zero: bool = False, leave_out: str = "") -> float | None:
    """A duration: finite and above 0 (or at least 0); None passes (not given).

    Parameters
    ----------
    name, example
        As :func:`check_finite`.
    value : float | None
        Seconds.
    allow_zero : bool
        Accept 0 (e.g. ``--wait 0``: do not wait).
    leave_out : str
        What leaving the option out does, added to the fix (e.g. ``"for the default"``).

    Returns
    -------
    float | None

    Raises
    ------
    ConfigError
        If the value is NaN, infinite, negative, or 0 without ``allow_zero``.
    """
    if value is None:
        return None
    fix = _use(name, example) + (f", or leave it out {leave_out}" if leave_out else "")
    try:
        seconds = check_finite(name, value, example)
    except ConfigError as exc:
        raise ConfigError(exc.problem.replace("number", "number of seconds"), fix) from None
    if seconds < 0 or (seconds == 0 and not allow_zero):
        bound = "0 or more" if allow_zero else "more than 0"
        raise ConfigError(f"{_shown(name, value)} must be {bound} seconds", fix)
    return seconds


def check_count(name: str, value: int | None, example: object, *, minimum: int = 1,
                maximum: int | None = None, why: str = "") -> int | None:
    """A whole number within ``[minimum, maximum]``; None passes (not given).

    Parameters
    ----------
    name, example
        As :func:`check_finite`.
    value : int | None
        The count.
    minimum, maximum : int
        Bounds (inclusive; no upper bound when ``maximum`` is None).
    why : str
        Why the bounds are what they are, added to the problem.

    Returns
    -------
    int | None

    Raises
    ------
    ConfigError
        If the value is not a whole number or out of bounds.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{_shown(name, value)} is not a whole number", _use(name, example))
    if value < minimum or (maximum is not None and value > maximum):
        bound = (f"from {minimum} to {maximum}" if maximum is not None else
                 f"at least {minimum}")
        raise ConfigError(f"{_shown(name, value)} must be {bound}"
                          + (f" ({why})" if why else ""), _use(name, example))
    return value


def check_range(name: str, value: float | None, example: object, *, low: float,
                high: float, low_open: bool = False, high_open: bool = False
                ) -> float | None:
    """A finite number within ``low`` .. ``high`` (either end open or closed).

    Parameters
    ----------
    name, example
        As :func:`check_finite`.
    value : float | None
        The number; None passes.
    low, high : float
        The bounds.
    low_open, high_open : bool
        Exclude the bound itself.

    Returns
    -------
    float | None

    Raises
    ------
    ConfigError
        If the value is not finite or out of range.
    """
    if value is None:
        return None
    number = check_finite(name, value, example)
    if (number < low or (low_open and number == low) or number > high
            or (high_open and number == high)):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ConfigError(f"{_shown(name, value)} is outside {interval}", _use(name, example))
    return number


def check_writable(path: str | Path, what: str, fix: str) -> Path:
    """Refuse a folder this process cannot write into, before any work starts.

    Nothing is created or changed: a test file is written (and removed) in the folder,
    or, when it does not exist yet, in the nearest folder above it that does (where
    the command would create it).

    Parameters
    ----------
    path : str | pathlib.Path
        The folder.
    what : str
        What it is, naming the option: ``"the --out folder"``, ``"the cache folder"``.
    fix : str
        What to do instead, e.g. ``"pass --out a folder you may write to"``.

    Returns
    -------
    pathlib.Path
        The folder, user-expanded.

    Raises
    ------
    ConfigError
        Naming the folder, why it cannot be written, and ``fix``.
    """
    folder = Path(path).expanduser()
    base = folder.absolute()
    while not base.exists() and base != base.parent:
        base = base.parent
    try:
        if not base.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(base))
        fd, probe = tempfile.mkstemp(prefix=".eeg-emotion-write-test-", dir=base)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        where = f" ({base} is the nearest existing folder)" if base != folder.absolute() \
            else ""
        raise ConfigError(f"cannot write to {what} {folder}{where}: "
                          f"{describe_os_error(exc, with_file=False)}", fix) from exc
    return folder


def describe_os_error(exc: OSError, with_file: bool = True) -> str:
    """A short reason for an ``OSError``: ``"permission denied"``, ``"read-only file
    system"``, ``"no space left on device"``..., with the file it concerns.

    Parameters
    ----------
    exc : OSError
        The error.
    with_file : bool
        Add the file the error names, in brackets.

    Returns
    -------
    str
    """
    reasons = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
               errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on device",
               errno.ENOTDIR: "a part of the path is a file, not a folder",
               errno.EEXIST: "a file of that name is in the way"}
    reason = reasons.get(exc.errno or -1, (exc.strerror or str(exc)).lower())
    return f"{reason} ({exc.filename})" if with_file and exc.filename else reason
