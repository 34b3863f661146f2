"""LabRecorder XDF recordings as a dataset: ``train --data FOLDER`` with ``.xdf`` files.

A folder of ``.xdf`` files (LabRecorder's format; :mod:`eeg_emotion.xdf_files` reads
them) is a dataset. Each file's EEG time series (the best one:
:meth:`eeg_emotion.xdf_files.XdfFile.eeg`) gives the channels (EEG only, in
microvolts) and rate; the trials come from

* a ``labels.csv`` in the folder (:mod:`eeg_emotion.offline.datasets.labels_csv`:
  ``file,onset,duration,<labels>...``, onsets in seconds from the file's first EEG
  sample), or else
* the file's marker streams, when they carry JSON trial markers as ``eeg-emotion
  replay`` and ``calibrate`` write them (``trial_start`` ... ``trial_end`` with the
  trial's labels, or rated calibration blocks;
  :func:`eeg_emotion.recording_files.labelled_segments`).

Subjects are the file names; sessions 1 unless ``labels.csv`` says otherwise. The
module registers the reader ``"xdf"`` (kind ``"xdf"``) when imported.
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
from eeg_emotion.recording_files import labelled_segments
from eeg_emotion.xdf_files import XDF_SUFFIXES, XdfStream, read_xdf

log = logging.getLogger(__name__)

READER_NAME = "xdf"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()
                  and p.suffix.lower() in XDF_SUFFIXES)


def detect_xdf_folder(path: Path) -> bool:
    """A folder holding ``.xdf`` files."""
    p = Path(path)
    return p.is_dir() and bool(_files(p))


def claims_xdf_file(path: Path) -> bool:
    """One ``.xdf`` / ``.xdfz`` file."""
    return Path(path).suffix.lower() in XDF_SUFFIXES


@cached_by_stat(maxsize=4, hint="check the path of the .xdf file")
def _eeg(path: str) -> tuple[XdfStream, list[tuple[float, str]]]:
    """A file's EEG stream and the (time, text) of all its markers."""
    xdf = read_xdf(path)
    eeg = xdf.eeg()
    if not eeg:
        found = ", ".join(f"{s.name} ({s.type})" for s in xdf.streams) or "none"
        raise DataFormatError(f"{path} holds no EEG time series (streams: {found})",
                              "record the EEG stream with LabRecorder")
    markers = sorted((float(t), str(sample[0]))
                     for m in xdf.markers() for t, sample in zip(m.timestamps, m.data,
                                                                 strict=True) if sample)
    return eeg[0], markers


def _eeg_names(s: XdfStream) -> list[str]:
    return [s.labels[i] for i in s.eeg_rows]


def _microvolts(s: XdfStream, a: int, b: int) -> np.ndarray:
    rows = s.eeg_rows
    scales = s.microvolt_scales()[rows]
    if np.isnan(scales).any():
        bad = sorted({s.units[i] for i, f in zip(rows, scales, strict=True) if np.isnan(f)})
        raise DataFormatError(f"{s.name}: EEG unit(s) {', '.join(bad)} are not voltage units "
                              "eeg-emotion knows", "record the EEG in microvolts or volts")
    return (np.asarray(s.data[rows, a:b], dtype=np.float64) * scales[:, None]).astype(
        np.float32)


def index_xdf_folder(root: Path) -> DatasetIndex:
    """Index a folder of XDF recordings (format in the module docstring).

    Raises
    ------
    DataFormatError
        No ``.xdf`` file, files with different EEG channels or rates, or no trial
        (no ``labels.csv`` and no labelled markers).
    """
    root = Path(root)
    files = _files(root)
    if not files:
        raise DataFormatError(f"{root} holds no .xdf files",
                              "pass the folder LabRecorder wrote its .xdf files to")
    rows_by_file: dict[Path, list[dict]] = {}
    csv_path = root / LABELS_CSV
    if csv_path.is_file():
        for r in read_labels_csv(csv_path, default_file=files[0] if len(files) == 1 else None):
            rows_by_file.setdefault(Path(r["file"]).resolve(), []).append(r)
    channels: list[str] | None = None
    sfreq = 0.0
    trials: list[TrialRef] = []
    for path in files:
        s, markers = _eeg(str(path))
        names = _eeg_names(s)
        if channels is None:
            channels, sfreq = names, s.sfreq
        elif s.sfreq != sfreq:
            raise DataFormatError(f"{path.name} is sampled at {s.sfreq:g} Hz, the other files "
                                  f"at {sfreq:g} Hz", "record every file at one rate")
        else:
            match_channels(names, channels, source=f"recording {path.name}")
        rows = rows_by_file.get(path.resolve())
        if rows is not None:
            for rank, r in enumerate(rows, start=1):
                a = round(r["onset"] * s.sfreq)
                b = a + round(r["duration"] * s.sfreq)
                if b > s.n_samples:
                    raise DataFormatError(
                        f"labels for {path.name}: trial at {r['onset']} s lasting "
                        f"{r['duration']} s ends after the recording "
                        f"({s.n_samples / s.sfreq:.2f} s)", "fix the onset/duration")
                trials.append(TrialRef(subject=r["subject"] or path.stem,
                                       session=r["session"], trial=r["trial"] or rank,
                                       labels=r["labels"], file=path, key=f"{a}:{b}",
                                       n_times=b - a))
            continue
        for trial, start, end, labels in labelled_segments(markers):
            a, b = (int(v) for v in np.searchsorted(s.timestamps, [start, end]))
            if b - a < 2:
                log.warning("%s: trial %d has no EEG samples; skipped", path.name, trial)
                continue
            trials.append(TrialRef(subject=path.stem, session=1, trial=trial,
                                   labels={k: float(v) for k, v in labels.items()},
                                   file=path, key=f"{a}:{b}", n_times=b - a))
    if not trials:
        raise DataFormatError(
            f"{root} has .xdf files but no labelled trials: no {LABELS_CSV}, and no marker "
            "stream with JSON trial markers",
            f"write {csv_path} with columns file,onset,duration,valence,arousal (onsets "
            "in seconds from each file's first EEG sample)")
    return DatasetIndex(kind="xdf", sfreq=sfreq, channels=channels or [], trials=trials,
                        root=root, baseline_s=0.0, reader=READER_NAME)


def load_xdf_trial(ref: TrialRef, index: DatasetIndex) -> np.ndarray:
    """One trial, EEG channels in the index's order, (channels, n) float32 µV."""
    s, _ = _eeg(str(ref.file))
    a, b = (int(v) for v in ref.key.split(":"))
    data = _microvolts(s, a, b)
    order = match_channels(_eeg_names(s), index.channels, source=f"recording {ref.file}")
    return data[order]


def read_xdf_file(path: Path) -> TrialFile:
    """Every labelled trial of one file (or the whole EEG stream as one unlabelled trial)."""
    s, markers = _eeg(str(path))
    segments = labelled_segments(markers)
    trials, labels = [], []
    for _, start, end, lab in segments:
        a, b = (int(v) for v in np.searchsorted(s.timestamps, [start, end]))
        if b - a >= 2:
            trials.append(_microvolts(s, a, b))
            labels.append({k: float(v) for k, v in lab.items()})
    if not trials:
        trials, labels = [_microvolts(s, 0, s.n_samples)], [{}]
    return TrialFile(kind="xdf", sfreq=s.sfreq, channels=_eeg_names(s), trials=trials,
                     labels=labels)


READER = register_reader(DatasetReader(
    name=READER_NAME, kind="xdf", detect=detect_xdf_folder, index=index_xdf_folder,
    load=load_xdf_trial, claims_file=claims_xdf_file, read_file=read_xdf_file, priority=85))
