"""What ``live`` runs when no ``--model`` is given: the best checkpoint, or index mode.

:func:`default_model` ranks the models folder for the opened source
(:mod:`eeg_emotion.realtime.model_choice`); when none fits, ``live`` still runs,
on the training-free band-power indices (:mod:`eeg_emotion.realtime.band_index`),
and points to ``eeg-emotion calibrate`` with the user's own source options.
Either way it returns the notes that say what was chosen and why.
"""

from __future__ import annotations

import argparse
import logging
import shlex
from pathlib import Path

from eeg_emotion.cache_folder import cache_dir
from eeg_emotion.models.checkpoint import LoadedModel
from eeg_emotion.realtime.band_index import index_model, index_notes
from eeg_emotion.realtime.model_choice import MIN_COVERAGE, choose_model, majority_warning
from eeg_emotion.realtime.session import load_model
from eeg_emotion.realtime.source import SourceInfo

log = logging.getLogger(__name__)


def calibrate_command(args: argparse.Namespace) -> str:
    """``eeg-emotion calibrate`` with the source options ``live`` was given.

    Parameters
    ----------
    args : argparse.Namespace
        ``live``'s options (``--stream`` or ``--board``, ``--serial-port``,
        ``--montage``).

    Returns
    -------
    str
        A command line, quoted for a POSIX shell.
    """
    parts = ["eeg-emotion", "calibrate"]
    for flag, value in (("--stream", args.stream), ("--board", args.board),
                        ("--serial-port", args.serial_port), ("--montage", args.montage)):
        if value:
            parts += [flag, str(value)]
    return shlex.join(parts)


def models_folder(args: argparse.Namespace) -> Path:
    """``--models-dir``, else ``<cache>/models``."""
    return Path(args.models_dir) if args.models_dir else cache_dir() / "models"


def default_model(info: SourceInfo, args: argparse.Namespace
                  ) -> tuple[LoadedModel, tuple[str, ...]]:
    """The model for an opened source, and the notes saying why.

    Parameters
    ----------
    info : SourceInfo
        The opened source (channels, rate).
    args : argparse.Namespace
        ``live``'s options (``--models-dir``, ``--min-coverage`` and the source's).

    Returns
    -------
    loaded : LoadedModel
        The best checkpoint (:func:`~eeg_emotion.realtime.model_choice.choose_model`),
        or the band-power indices when none fits.
    notes : tuple of str
        Which model and why (how many channels masked), or that index mode runs
        and how to get a personal model.

    Raises
    ------
    MontageError
        No model fits and the stream has no frontal pair for the indices.
    CheckpointError
        The chosen checkpoint cannot be loaded.
    """
    folder = models_folder(args)
    calibrate = calibrate_command(args)
    coverage = MIN_COVERAGE if args.min_coverage is None else args.min_coverage
    choice, rejected = choose_model(info.channels, info.sfreq, folder, min_coverage=coverage,
                                    calibrate=calibrate)
    if choice is not None:
        return load_model(choice.path), choice.notes
    loaded = index_model(info.channels, info.sfreq, f"stream {info.name!r}")
    why = (f"{len(rejected)} checkpoint(s) in {folder}, none fits: "
           + "; ".join(rejected[:3]) + ("; …" if len(rejected) > 3 else "")
           if rejected else f"no checkpoints in {folder}")
    notes = (*index_notes(loaded, calibrate), why)
    for note in notes:
        log.info("%s", note)
    return loaded, notes


def given_model_notes(args: argparse.Namespace, loaded: LoadedModel) -> tuple[str, ...]:
    """Notes on a model given with ``--model`` (a personal one that did not beat the
    majority rate says so).

    Parameters
    ----------
    args : argparse.Namespace
        ``live``'s options (``--model`` and the source's).
    loaded : LoadedModel
        The model loaded from ``--model``.

    Returns
    -------
    tuple of str
    """
    return majority_warning(Path(args.model), loaded.meta, calibrate_command(args))
