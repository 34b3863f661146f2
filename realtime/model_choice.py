"""Which checkpoint ``live`` runs when ``--model`` is not given.

Every ``*.pt`` under the models folder (``<cache>/models`` or ``--models-dir``)
is read (metadata only) and ranked:

1. **personal models for this headset**: ``tags.personal`` and a
   ``tags.montage`` naming the stream's electrodes (``eeg-emotion calibrate``
   writes them); one that beat the majority rate on held-out blocks before one
   that did not;
2. **models whose channels the stream has in full** (real-data models before
   synthetic ones);
3. **models that accept missing channels** (``supports_missing_channels``, e.g.
   an MSMAE-CNN on SEED-IV's 62 channels), by the share of their channels the
   stream has, if at least :data:`MIN_COVERAGE`; the others are masked.

Within a rank the newest file wins. A model whose filter needs frequencies
above the stream's Nyquist frequency is never chosen. The choice comes with
the reason, shown on the terminal, in the ``info`` line and on the dashboard.

:func:`default_model` is what ``live`` runs without ``--model``: the best checkpoint
for the opened source or, when none fits, the training-free band-power indices
(:mod:`eeg_emotion.realtime.band_index`), pointing to ``eeg-emotion calibrate`` with
the user's own source options. :func:`load_model` loads a ``--model`` file.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eeg_emotion.cache_folder import models_dir as default_models_dir
from eeg_emotion.calibration_files import calibrate_command
from eeg_emotion.errors import CheckpointError, EEGEmotionError
from eeg_emotion.models.checkpoint import CheckpointMeta, LoadedModel, load_checkpoint, read_meta
from eeg_emotion.models.registry import MODELS
from eeg_emotion.montages import normalize_name, resolve_montage, same_channels
from eeg_emotion.realtime.band_index import index_model, index_notes
from eeg_emotion.realtime.sources.source import SourceInfo

log = logging.getLogger(__name__)

#: Least share of a missing-channel model's channels the stream must have.
MIN_COVERAGE = 0.10

PERSONAL, FULL, MASKED = 0, 1, 2


@dataclass(frozen=True)
class ModelChoice:
    """One usable checkpoint and why.

    Attributes
    ----------
    path : pathlib.Path
        The checkpoint.
    meta : CheckpointMeta
        Its metadata.
    rank : int
        :data:`PERSONAL`, :data:`FULL` or :data:`MASKED`.
    coverage : float
        Share of the model's channels the stream has (1.0 unless masked).
    masked : tuple of str
        The model's channels the stream lacks (masked live).
    notes : tuple of str
        Why it was chosen (first), then warnings (e.g. a personal model that did
        not beat the majority rate).
    """

    path: Path
    meta: CheckpointMeta
    rank: int
    coverage: float
    masked: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def beats_majority(self) -> bool:
        """False only for a model tagged as not beating the majority rate."""
        return self.meta.tags.get("beats_majority") is not False


def personal_for(meta: CheckpointMeta, channels: Sequence[str]) -> bool:
    """Whether ``meta`` is a personal model recorded with this headset's montage.

    Parameters
    ----------
    meta : CheckpointMeta
        A checkpoint's metadata.
    channels : sequence of str
        The stream's channel names.

    Returns
    -------
    bool
        ``tags.personal`` is true and ``tags.montage`` (a montage name or comma
        list) names the same electrodes as the stream.
    """
    if meta.tags.get("personal") is not True:
        return False
    montage = meta.tags.get("montage")
    if not isinstance(montage, str) or not montage:
        return False
    try:
        return same_channels(resolve_montage(montage), channels)
    except EEGEmotionError:
        return False


def held_out_text(meta: CheckpointMeta) -> str:
    """``"valence 0.64 vs majority 0.55, ..."`` from a personal model's ``tags.held_out``."""
    held = meta.tags.get("held_out")
    if not isinstance(held, dict):
        return ""
    parts = []
    for target, values in held.items():
        if isinstance(values, dict) and isinstance(values.get("accuracy"), int | float):
            text = f"{target} {values['accuracy']:.2f}"
            if isinstance(values.get("std"), int | float):
                text += f" ± {values['std']:.2f}"
            if isinstance(values.get("majority"), int | float):
                text += f" vs majority {values['majority']:.2f}"
            parts.append(text)
    return ", ".join(parts)


def rank_models(channels: Sequence[str], sfreq: float, models_dir: Path, *,
                min_coverage: float = MIN_COVERAGE, source_flags: Sequence[str] = ()
                ) -> tuple[list[ModelChoice], list[str]]:
    """Rank the checkpoints of ``models_dir`` for a stream, best first.

    Parameters
    ----------
    channels : sequence of str
        The stream's channel names.
    sfreq : float
        The stream's rate in Hz.
    models_dir : pathlib.Path
        Searched recursively for ``*.pt``.
    min_coverage : float
        Least share of a missing-channel model's channels the stream must have.
    source_flags : sequence of str
        The source's command-line options, for the ``calibrate`` command in advice.

    Returns
    -------
    choices : list of ModelChoice
        Usable models, best first.
    rejected : list of str
        ``"<file>: <why not>"`` for every other checkpoint.
    """
    folder = Path(models_dir).expanduser()
    paths = sorted(folder.glob("**/*.pt")) if folder.is_dir() else []
    stream = {normalize_name(c) for c in channels}
    scored: list[tuple[tuple, ModelChoice]] = []
    rejected: list[str] = []
    for path in paths:
        try:
            meta = read_meta(path)
            mtime = path.stat().st_mtime
        except (EEGEmotionError, OSError) as exc:
            rejected.append(f"{path.name}: unreadable ({getattr(exc, 'problem', exc)})")
            continue
        choice, why = _assess(path, meta, channels, stream, sfreq, min_coverage, source_flags)
        if choice is None:
            rejected.append(f"{path.name}: {why}")
            log.debug("model %s does not fit: %s", path, why)
            continue
        key = (choice.rank, -choice.coverage, not choice.beats_majority, meta.synthetic,
               -mtime, str(path))
        scored.append((key, choice))
    scored.sort(key=lambda kc: kc[0])
    return [c for _, c in scored], rejected


def _assess(path: Path, meta: CheckpointMeta, channels: Sequence[str], stream: set[str],
            sfreq: float, min_coverage: float, source_flags: Sequence[str]
            ) -> tuple[ModelChoice | None, str]:
    model_channels = meta.channels
    h_freq = meta.signal.filter.h_freq
    if sfreq / 2.0 < h_freq:
        return None, (f"uses signal up to {h_freq:g} Hz, above the stream's Nyquist "
                      f"frequency ({sfreq / 2:g} Hz)")
    masked = tuple(c for c in model_channels if normalize_name(c) not in stream)
    coverage = 1.0 - len(masked) / len(model_channels)
    name = f"{path.name} ({meta.model}, {len(model_channels)} ch)"
    # a personal model (of another montage, here) that did not beat the majority rate
    # says so whatever rank it takes
    warning = majority_warning(path, meta, source_flags)
    if not masked:
        if personal_for(meta, channels):
            return _personal(path, meta, name, source_flags), ""
        extra = "; trained on synthetic data only" if meta.synthetic else ""
        if meta.tags.get("personal") is True:
            extra += f"; a personal model of montage {meta.tags.get('montage') or '?'}"
        return ModelChoice(path, meta, FULL, 1.0, (), (
            f"model {name} chosen: the stream has all its channels, none masked{extra}",
            *warning)), ""
    cls = MODELS.get(meta.model)
    if cls is None or not cls.supports_missing_channels:
        return None, f"lacks {len(masked)} of its {len(model_channels)} channels"
    if coverage < min_coverage or len(masked) == len(model_channels):
        return None, (f"the stream has {coverage:.0%} of its channels, below the minimum "
                      f"{min_coverage:.0%}")
    have = len(model_channels) - len(masked)
    notes = [f"model {name} chosen: it accepts missing channels and the stream has {have} "
             f"of its {len(model_channels)} ({coverage:.0%}, minimum {min_coverage:.0%}); "
             f"{len(masked)} are masked"]
    if coverage < 0.5:
        notes.append(f"most of {path.name}'s channels are missing: it was trained with "
                     "all of them, so treat its estimates with caution")
    return ModelChoice(path, meta, MASKED, coverage, masked, (*notes, *warning)), ""


def _personal(path: Path, meta: CheckpointMeta, name: str, source_flags: Sequence[str]
              ) -> ModelChoice:
    held = held_out_text(meta)
    notes = [f"model {name} chosen: your personal model for this headset (montage "
             f"{meta.tags['montage']}), none of its channels masked"
             + (f"; held-out blocks: {held}" if held else ""), *majority_warning(
                 path, meta, source_flags)]
    return ModelChoice(path, meta, PERSONAL, 1.0, (), tuple(notes))


def majority_warning(path: Path, meta: CheckpointMeta, source_flags: Sequence[str] = ()
                     ) -> tuple[str, ...]:
    """A note when a personal model did not beat the majority rate on held-out blocks.

    Shown every time the model runs, whichever way it was chosen (``--model``, or
    ranked for this headset or for another stream that has its channels).

    Parameters
    ----------
    path : pathlib.Path
        The checkpoint (for its name).
    meta : CheckpointMeta
        Its metadata (``tags.beats_majority``, ``tags.held_out``, and
        ``training.calibration``: the calibration folder it was trained on).
    source_flags : sequence of str
        The source's command-line options, for the ``calibrate --add`` command.

    Returns
    -------
    tuple of str
        One note, or none when the model beat it (or is not tagged).
    """
    if meta.tags.get("beats_majority") is not False:
        return ()
    held = held_out_text(meta)
    folder = meta.training.get("calibration") if isinstance(meta.training, dict) else None
    command = calibrate_command(folder if isinstance(folder, str) and folder else "FOLDER",
                                "--add", source=list(source_flags) or None)
    where = "" if isinstance(folder, str) and folder else (
        " (FOLDER: the calibration folder the model was trained on)")
    return (f"{Path(path).name} did not beat the majority rate on held-out blocks"
            + (f" ({held})" if held else "")
            + ": its estimates are no better than always answering the most common "
              f"rating; record another session into its calibration folder: "
              f"`{command}`{where}",)


def choose_model(channels: Sequence[str], sfreq: float, models_dir: Path, *,
                 min_coverage: float = MIN_COVERAGE, source_flags: Sequence[str] = ()
                 ) -> tuple[ModelChoice | None, list[str]]:
    """The best checkpoint for a stream (:func:`rank_models`, same parameters), or None.

    Returns
    -------
    choice : ModelChoice | None
    rejected : list of str
        Why the other checkpoints do not fit.
    """
    choices, rejected = rank_models(channels, sfreq, models_dir, min_coverage=min_coverage,
                                    source_flags=source_flags)
    if choices:
        log.info("%s", choices[0].notes[0])
    return (choices[0] if choices else None), rejected


def load_model(path: Path) -> LoadedModel:
    """Load a checkpoint on the CPU (the engine moves the model to the chosen device).

    Parameters
    ----------
    path : pathlib.Path
        A checkpoint written by ``eeg-emotion train`` or ``calibrate``.

    Returns
    -------
    LoadedModel

    Raises
    ------
    CheckpointError
        If the file does not exist or is not a readable checkpoint.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        inside = sorted(path.glob("*.pt"))
        raise CheckpointError(f"model {path} is a folder, expected a file",
                              f"pass the .pt file, e.g. --model {inside[0]}" if inside else
                              "pass the .pt file that `eeg-emotion train` wrote (its --out "
                              "folder holds model.pt)")
    if not path.is_file():
        raise CheckpointError(f"model file {path} does not exist",
                              "train one with `eeg-emotion train --config demo_synthetic "
                              "--data FOLDER` (FOLDER: a DEAP-format folder; `eeg-emotion "
                              "synth deap --out FOLDER` writes a synthetic one), or run "
                              "`eeg-emotion demo` for a built-in one")
    return load_checkpoint(path, "cpu")


def default_model(info: SourceInfo, *, models_dir: Path | None = None,
                  min_coverage: float | None = None, source_flags: Sequence[str] = ()
                  ) -> tuple[LoadedModel, tuple[str, ...]]:
    """The model for an opened source, and the notes saying why.

    Parameters
    ----------
    info : SourceInfo
        The opened source (channels, rate).
    models_dir : pathlib.Path | None
        ``--models-dir`` (None: the cache's ``models/``).
    min_coverage : float | None
        ``--min-coverage`` (None: :data:`MIN_COVERAGE`).
    source_flags : sequence of str
        The source's command-line options, for the ``calibrate`` command in advice.

    Returns
    -------
    loaded : LoadedModel
        The best checkpoint (:func:`choose_model`), or the band-power indices when
        none fits.
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
    folder = default_models_dir(models_dir)
    calibrate = calibrate_command(None, source=list(source_flags))
    coverage = MIN_COVERAGE if min_coverage is None else min_coverage
    # only the EEG channels count (a Muse's Right AUX, a counter or a marker channel do not)
    choice, rejected = choose_model(info.eeg_channels, info.sfreq, folder,
                                    min_coverage=coverage, source_flags=source_flags)
    if choice is not None:
        return load_model(choice.path), choice.notes
    loaded = index_model(info.eeg_channels, info.sfreq, f"stream {info.name!r}")
    why = (f"{len(rejected)} checkpoint(s) in {folder}, none fits: "
           + "; ".join(rejected[:3]) + ("; …" if len(rejected) > 3 else "")
           if rejected else f"no checkpoints in {folder}")
    notes = (*index_notes(loaded, calibrate), why)
    for note in notes:
        log.info("%s", note)
    return loaded, notes


def given_model_notes(path: Path, loaded: LoadedModel, source_flags: Sequence[str] = ()
                      ) -> tuple[str, ...]:
    """Notes on a model given with ``--model`` (a personal one that did not beat the
    majority rate says so).

    Parameters
    ----------
    path : pathlib.Path
        The ``--model`` file.
    loaded : LoadedModel
        The model loaded from it.
    source_flags : sequence of str
        The source's command-line options, for the ``calibrate`` command in advice.

    Returns
    -------
    tuple of str
    """
    return majority_warning(Path(path), loaded.meta, source_flags)
