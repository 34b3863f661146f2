"""Errors that reach the user: each names the problem and the fix.

Every public entry point raises a subclass of :class:`EEGEmotionError` for bad
input. The CLI prints ``error: <problem>`` and ``fix: <fix>`` and exits with
status 2, never a traceback from deep inside a library.
"""

from __future__ import annotations


class EEGEmotionError(Exception):
    """Base class of the errors a user can act on.

    Parameters
    ----------
    problem : str
        What was wrong, naming the file, channel or value concerned.
    fix : str | None
        What the user can do about it.
    """

    def __init__(self, problem: str, fix: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        if self.fix:
            return f"{self.problem}\n  fix: {self.fix}"
        return self.problem


class ConfigError(EEGEmotionError):
    """A configuration file or command-line value is invalid."""


class DataFormatError(EEGEmotionError):
    """A data file is missing, corrupt, or not in the expected format."""


class MontageError(EEGEmotionError):
    """Channels of a stream or file do not fit what a model needs."""


class CheckpointError(EEGEmotionError):
    """A model checkpoint is invalid or does not fit the data or stream."""


class StreamError(EEGEmotionError):
    """A live stream (LSL or BrainFlow) could not be found, opened or read."""


class DistributedError(EEGEmotionError):
    """A run over several processes (``torchrun``) could not start, or one of its ranks failed."""
