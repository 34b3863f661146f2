"""Your own recordings: any file MNE reads (FIF, EDF, BDF, BrainVision, ...) + labels CSV.

A dataset folder holds the recordings and one ``labels.csv``, one row per trial::

    file,onset,duration,subject,session,valence,arousal
    alice_day1.edf,12.0,60.0,alice,1,7.5,3.0
    alice_day1.edf,90.0,60.0,alice,1,2.0,6.5
    bob.fif,5.0,60.0,bob,1,6.0,4.0

Columns:

``file``
    Recording path relative to the folder; may be left out when the folder holds
    exactly one recording.
``onset``, ``duration``
    Trial start and length in seconds from the start of the recording (required).
``subject`` (optional)
    Subject id; default: the recording's file name without extension.
``session`` (optional)
    Session number (integer); default 1.
``trial`` (optional)
    Trial number (integer); default: the row's rank within its recording.
every other column
    A numeric raw label, e.g. ``valence``/``arousal`` ratings (use
    ``deap_targets``) or ``emotion`` class indices. Every row needs a value.

All recordings must have the same EEG channels (names) and sampling rate. Only
EEG-typed channels are used, converted to microvolts. A single recording can
carry its trials in a sidecar ``<name>.labels.csv`` (same format, no ``file``
column) for :func:`eeg_emotion.offline.datasets.readers.load_trial_file`; without one, the whole
recording is one unlabelled trial.

The module registers the reader ``"mne"`` (kind ``"mne"``) when imported.
:func:`read_samples` is public for other readers of MNE-readable files
(:mod:`eeg_emotion.offline.datasets.deap_bdf`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from eeg_emotion.errors import DataFormatError
from eeg_emotion.montages import match_channels
from eeg_emotion.offline.datasets.file_cache import cached_by_stat
from eeg_emotion.offline.datasets.labels_csv import LABELS_CSV, read_labels_csv
from eeg_emotion.offline.datasets.registry import (
    DatasetIndex,
    DatasetReader,
    TrialFile,
    TrialRef,
    register_reader,
)

log = logging.getLogger(__name__)

MNE_SUFFIXES = (".fif", ".edf", ".bdf", ".vhdr", ".gdf", ".set")
READER_NAME = "mne"


def _is_recording(p: Path) -> bool:
    return p.is_file() and claims_mne_file(p)


def claims_mne_file(path: Path) -> bool:
    """True for a file MNE reads by its name (``.fif``, ``.fif.gz``, ``.edf``, ``.bdf``, ...)."""
    p = Path(path)
    return p.suffix.lower() in MNE_SUFFIXES or p.name.lower().endswith(".fif.gz")


def detect_mne_folder(path: Path) -> bool:
    """True for a folder with a ``labels.csv`` describing its recordings' trials."""
    return (Path(path) / LABELS_CSV).is_file()


def _stem(p: Path) -> str:
    name = p.name
    for suffix in (".fif.gz", *MNE_SUFFIXES):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return p.stem


def _is_trigger_name(name: str) -> bool:
    key = name.strip().upper()
    return key.startswith("STI") or key in ("STATUS", "TRIGGER", "TRIG", "EVENT", "MARKER")


@cached_by_stat(maxsize=4, hint="check the path in labels.csv")
def _open_raw(path: str):
    """Open a recording without loading its data (a few are kept open)."""
    import mne

    try:
        raw = mne.io.read_raw(path, preload=False, verbose="error")
    except Exception as exc:  # MNE raises many types for unreadable files
        raise DataFormatError(f"MNE cannot read {path}: {exc}",
                              "check that the file is a complete FIF, EDF, BDF or "
                              "BrainVision recording") from exc
    picks = mne.pick_types(raw.info, eeg=True, exclude=[])
    # EDF has no channel types: a trigger channel comes back typed as EEG.
    trigger = [i for i in picks if _is_trigger_name(raw.ch_names[i])]
    if trigger:
        log.info("%s: not using trigger channel(s) %s", path,
                 ", ".join(raw.ch_names[i] for i in trigger))
        picks = np.array([i for i in picks if i not in trigger], dtype=int)
    if len(picks) == 0:
        raise DataFormatError(f"{path} has no EEG channels (channels: "
                              f"{', '.join(raw.ch_names[:10])})",
                              "set the channel types to 'eeg' (e.g. raw.set_channel_types) "
                              "and save again")
    return raw, picks


def open_recording(path: Path):
    """Open a recording lazily.

    Parameters
    ----------
    path : pathlib.Path
        A file MNE reads.

    Returns
    -------
    raw : mne.io.BaseRaw
        Not preloaded.
    picks : numpy.ndarray of int
        Indices of its EEG channels.
    """
    return _open_raw(path)


def _eeg_names(raw, picks) -> list[str]:
    return [raw.ch_names[i] for i in picks]


def _segments(rows: list[dict], raw, path: Path) -> list[tuple[int, int]]:
    sfreq = raw.info["sfreq"]
    out = []
    for r in rows:
        start = round(r["onset"] * sfreq)
        stop = start + round(r["duration"] * sfreq)
        if stop > raw.n_times:
            raise DataFormatError(
                f"labels for {path}: trial at {r['onset']} s lasting {r['duration']} s ends "
                f"after the recording ({raw.n_times / sfreq:.2f} s)",
                "fix the onset/duration in the labels CSV")
        out.append((start, stop))
    return out


def index_mne_folder(root: Path) -> DatasetIndex:
    """Index a folder of recordings described by ``labels.csv``.

    Parameters
    ----------
    root : pathlib.Path
        The folder (format in the module docstring).

    Returns
    -------
    DatasetIndex
        ``kind="mne"``, ``reader="mne"``; channels are the first recording's EEG channels.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataFormatError(f"dataset folder {root} does not exist",
                              "pass the folder with your recordings and labels.csv")
    csv_path = root / LABELS_CSV
    if not csv_path.is_file():
        raise DataFormatError(f"{root} has no {LABELS_CSV} describing the trials",
                              "write labels.csv with columns file,onset,duration,<labels> "
                              "(see offline/datasets/mne_files.py)")
    recordings = sorted(p for p in root.rglob("*") if _is_recording(p))
    rows = read_labels_csv(csv_path,
                           default_file=recordings[0] if len(recordings) == 1 else None)
    by_file: dict[Path, list[dict]] = {}
    for r in rows:
        by_file.setdefault(Path(r["file"]), []).append(r)
    unused = sorted({p.resolve() for p in recordings} - {f.resolve() for f in by_file})
    if unused:
        log.warning("%d recording(s) in %s have no rows in %s and are not used: %s",
                    len(unused), root, LABELS_CSV, ", ".join(p.name for p in unused))
    channels: list[str] | None = None
    sfreq: float | None = None
    first: Path | None = None
    trials = []
    for path, file_rows in by_file.items():
        if not path.is_file():
            raise DataFormatError(f"{csv_path} names {path.name}, which is not in {root}",
                                  "fix the 'file' column or add the recording")
        raw, picks = open_recording(path)
        names = _eeg_names(raw, picks)
        if channels is None:
            channels, sfreq, first = names, float(raw.info["sfreq"]), path
        elif float(raw.info["sfreq"]) != sfreq:
            raise DataFormatError(
                f"{path.name} is sampled at {raw.info['sfreq']} Hz but {first.name} at "
                f"{sfreq} Hz", "resample the recordings to one rate (e.g. raw.resample)")
        else:
            match_channels(names, channels, source=f"recording {path.name}")
        for rank, (r, (start, stop)) in enumerate(
                zip(file_rows, _segments(file_rows, raw, path), strict=True), start=1):
            trials.append(TrialRef(subject=r["subject"] or _stem(path), session=r["session"],
                                   trial=r["trial"] or rank, labels=r["labels"], file=path,
                                   key=f"{start}:{stop}", n_times=stop - start))
    return DatasetIndex(kind="mne", sfreq=sfreq, channels=channels, trials=trials, root=root,
                        baseline_s=0.0, reader=READER_NAME)


def read_samples(path: Path, channels: list[str] | None, start: int, stop: int | None
                 ) -> tuple[np.ndarray, list[str]]:
    """Read EEG samples ``start:stop`` of a recording, in microvolts.

    Parameters
    ----------
    path : pathlib.Path
        A file MNE reads (opened lazily, a few stay open: :func:`open_recording`).
    channels : list of str | None
        EEG channels to return, in this order (matched by name, case-insensitively);
        None returns every EEG channel in the file's order.
    start, stop : int, int | None
        Sample range; ``stop=None`` reads to the end.

    Returns
    -------
    data : numpy.ndarray, shape (n_channels, stop - start), float32
        Microvolts (MNE gives volts).
    names : list of str
        The channel names of the rows.

    Raises
    ------
    DataFormatError
        If a channel is missing, the samples cannot be read (a truncated file),
        or they hold NaN or infinite values.
    """
    raw, picks = open_recording(path)
    names = _eeg_names(raw, picks)
    if channels is not None:
        picks = picks[match_channels(names, channels, source=f"recording {path.name}")]
        names = list(channels)
    try:
        data = raw.get_data(picks=picks, start=start, stop=stop)
    except Exception as exc:  # truncated files fail here
        raise DataFormatError(f"cannot read samples {start}-{stop} of {path}: {exc}",
                              "check that the recording is complete") from exc
    data = (data * 1e6).astype(np.float32)  # MNE gives volts
    if not np.isfinite(data).all():
        raise DataFormatError(f"{path} samples {start}-{stop} contain NaN or infinite values",
                              "clean or crop the recording")
    return data, names


def load_mne_trial(ref: TrialRef, channels: list[str]) -> np.ndarray:
    """Read one trial of a recording.

    Parameters
    ----------
    ref : TrialRef
        A trial from :func:`index_mne_folder` (``key`` = ``"start:stop"``).
    channels : list of str
        The index's channels, in order.

    Returns
    -------
    numpy.ndarray, shape (n_channels, n_times), float32, microvolts
    """
    start, stop = (int(v) for v in ref.key.split(":"))
    return read_samples(Path(ref.file), channels, start, stop)[0]


def read_mne_file(path: Path) -> TrialFile:
    """Load one recording (for replay), split by a sidecar ``<name>.labels.csv`` if any.

    Parameters
    ----------
    path : pathlib.Path
        A file MNE reads.

    Returns
    -------
    TrialFile
        ``kind="mne"``; one unlabelled trial when there is no sidecar.
    """
    path = Path(path)
    raw, _ = open_recording(path)
    sidecar = path.with_name(_stem(path) + ".labels.csv")
    if not sidecar.is_file():
        data, names = read_samples(path, None, 0, None)
        return TrialFile(kind="mne", sfreq=float(raw.info["sfreq"]), channels=names,
                         trials=[data], labels=[{}])
    rows = read_labels_csv(sidecar, default_file=path)
    trials, labels, names = [], [], []
    for r, (start, stop) in zip(rows, _segments(rows, raw, path), strict=True):
        data, names = read_samples(path, None, start, stop)
        trials.append(data)
        labels.append(r["labels"])
    return TrialFile(kind="mne", sfreq=float(raw.info["sfreq"]), channels=names,
                     trials=trials, labels=labels)


def _load(ref: TrialRef, index: DatasetIndex) -> np.ndarray:
    return load_mne_trial(ref, index.channels)


READER = register_reader(DatasetReader(
    name=READER_NAME, kind="mne", detect=detect_mne_folder, index=index_mne_folder,
    load=_load, claims_file=claims_mne_file, read_file=read_mne_file, priority=90))
