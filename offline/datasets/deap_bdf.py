"""DEAP's original recordings: ``data_original/sNN.bdf`` + ``participant_ratings.csv``.

The BioSemi files hold the raw, unreferenced signals at 512 Hz (32 EEG channels
named by the 10-20 system, peripheral channels, and a ``Status`` trigger channel).
Trials are found from the Status channel (its low 8 bits): code 3 starts the 5-s
fixation screen before a trial, code 4 starts the 60-s music video. Each trial is
cut as DEAP's preprocessed data are: 3 s of baseline before the video onset and
60 s of video, so ``baseline_s=3.0``. Ratings come from DEAP's
``participant_ratings.csv`` (columns ``Participant_id, Trial, ..., Valence,
Arousal, Dominance, Liking``), matched by participant and presentation order
(``Trial``); the file is looked for in the data folder, its parent, and their
``metadata_csv`` subfolders.

Unlike the preprocessed files, nothing is re-referenced, filtered or reordered
here: the EEG channels are picked by name in :data:`eeg_emotion.montages.DEAP`
order and converted to microvolts; preprocessing (band-pass) does the rest.

The module registers the reader ``"deap-bdf"`` (kind ``"deap"``, asked after the
preprocessed files' reader ``"deap"``) when imported. The BDF files are read with
:mod:`eeg_emotion.offline.datasets.mne_files`' public
:func:`~eeg_emotion.offline.datasets.mne_files.open_recording`
and :func:`~eeg_emotion.offline.datasets.mne_files.read_samples`.
"""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

import numpy as np

from eeg_emotion.errors import DataFormatError
from eeg_emotion.montages import DEAP, match_channels
from eeg_emotion.offline.datasets.mne_files import open_recording, read_samples
from eeg_emotion.offline.datasets.registry import (
    DatasetIndex,
    DatasetReader,
    TrialFile,
    TrialRef,
    register_reader,
)

log = logging.getLogger(__name__)

BASELINE_S = 3.0
TRIAL_S = 60.0
VIDEO_CODE = 4
RATINGS_CSV = "participant_ratings.csv"
_NAME = re.compile(r"^s(\d{2})\.bdf$", re.IGNORECASE)
_LABELS = ("valence", "arousal", "dominance", "liking")
READER_NAME = "deap-bdf"


def find_bdf_files(root: Path, *, strict: bool = True) -> list[Path]:
    """List ``sNN.bdf`` files in ``root`` or ``root/data_original``.

    Parameters
    ----------
    root : pathlib.Path
        DEAP's ``data_original`` folder or its parent.
    strict : bool
        Raise on misnamed ``.bdf`` files or when none are found.

    Returns
    -------
    list of pathlib.Path
    """
    for folder in (root, root / "data_original"):
        if not folder.is_dir():
            continue
        bdfs = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".bdf")
        if not bdfs:
            continue
        bad = [p.name for p in bdfs if not _NAME.match(p.name)]
        if strict and bad:
            raise DataFormatError(f"DEAP folder {folder} holds .bdf files not named like "
                                  f"s01.bdf: {', '.join(bad)}", "rename or move them")
        return bdfs
    if strict:
        raise DataFormatError(f"no DEAP recordings (s01.bdf ...) in {root}",
                              "point --data at DEAP's data_original folder")
    return []


def detect_deap_bdf(path: Path) -> bool:
    """True for a folder holding DEAP's ``sNN.bdf`` recordings (or their ``data_original``)."""
    return Path(path).is_dir() and bool(find_bdf_files(Path(path), strict=False))


def claims_deap_bdf_file(path: Path) -> bool:
    """True for a file named like a DEAP recording, ``sNN.bdf`` (for replay)."""
    return bool(_NAME.match(Path(path).name))


def find_ratings(root: Path) -> Path:
    """Locate ``participant_ratings.csv`` near a DEAP data folder.

    Raises
    ------
    DataFormatError
        If it is nowhere to be found (the message lists where it was looked for).
    """
    root = Path(root)
    base = root.parent if root.name == "data_original" else root
    places = [root, base, base.parent, base / "metadata_csv", base.parent / "metadata_csv"]
    for folder in dict.fromkeys(places):
        if (folder / RATINGS_CSV).is_file():
            return folder / RATINGS_CSV
    raise DataFormatError(
        f"no {RATINGS_CSV} for the DEAP recordings in {root} (looked in "
        f"{', '.join(str(p) for p in dict.fromkeys(places))})",
        f"put DEAP's metadata_csv/{RATINGS_CSV} next to data_original/")


def read_ratings(path: Path) -> dict[int, dict[int, dict[str, float]]]:
    """Participant -> presentation-order trial -> ratings, from DEAP's CSV."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"cannot read {path}: {exc}", "re-download it") from exc
    out: dict[int, dict[int, dict[str, float]]] = {}
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        try:
            pid, trial = int(row["participant_id"]), int(row["trial"])
            out.setdefault(pid, {})[trial] = {k: float(row[k]) for k in _LABELS}
        except (KeyError, ValueError) as exc:
            raise DataFormatError(
                f"{path} line {line}: needs whole-number Participant_id and Trial and "
                f"numeric Valence, Arousal, Dominance, Liking ({exc})",
                "use DEAP's participant_ratings.csv unchanged") from None
    return out


def video_onsets(path: Path) -> np.ndarray:
    """Sample indices where the Status channel switches to the video code (4)."""
    raw, _ = open_recording(path)
    names = [n for n in raw.ch_names if n.lower() == "status"]
    if not names:
        raise DataFormatError(f"{path} has no Status channel to find the trials in",
                              "use DEAP's original .bdf files")
    codes = raw.get_data(picks=names).ravel().astype(np.int64) & 0xFF
    hits = np.flatnonzero(codes == VIDEO_CODE)
    return hits[np.r_[True, np.diff(hits) > 1]] if hits.size else hits


def _trial_segments(path: Path) -> tuple[float, list[tuple[int, int]]]:
    raw, picks = open_recording(path)
    sfreq = float(raw.info["sfreq"])
    match_channels([raw.ch_names[i] for i in picks], DEAP, source=f"DEAP recording {path}")
    n_base, n_trial = round(BASELINE_S * sfreq), round(TRIAL_S * sfreq)
    segments = []
    for i, onset in enumerate(video_onsets(path), start=1):
        start, stop = onset - n_base, onset + n_trial
        if start < 0 or stop > raw.n_times:
            raise DataFormatError(
                f"{path}: trial {i} (video onset at {onset / sfreq:.1f} s) does not have "
                f"{BASELINE_S:g} s before and {TRIAL_S:g} s after it in the recording",
                "use the complete DEAP recording")
        segments.append((int(start), int(stop)))
    return sfreq, segments


def index_deap_bdf(root: Path) -> DatasetIndex:
    """Index DEAP's original recordings.

    Parameters
    ----------
    root : pathlib.Path
        ``data_original`` or its parent.

    Returns
    -------
    DatasetIndex
        ``kind="deap"``, ``reader="deap-bdf"``, at the files' rate (512 Hz),
        ``baseline_s=3.0``.
    """
    files = find_bdf_files(Path(root))
    ratings = read_ratings(find_ratings(Path(root)))
    trials: list[TrialRef] = []
    sfreq = None
    for path in files:
        pid = int(_NAME.match(path.name).group(1))
        rate, segments = _trial_segments(path)
        if sfreq is None:
            sfreq = rate
        elif rate != sfreq:
            raise DataFormatError(f"{path} is sampled at {rate} Hz, the others at {sfreq} Hz",
                                  "use DEAP's original files unchanged")
        own = ratings.get(pid, {})
        if len(segments) != len(own) or set(own) != set(range(1, len(segments) + 1)):
            raise DataFormatError(
                f"{path}: {len(segments)} video onsets (Status code {VIDEO_CODE}) but "
                f"{len(own)} ratings for participant {pid} in {RATINGS_CSV}",
                "use the complete recording and DEAP's participant_ratings.csv")
        for n, (start, stop) in enumerate(segments, start=1):
            trials.append(TrialRef(subject=path.stem.lower(), session=1, trial=n,
                                   labels=dict(own[n]), file=path, key=f"{start}:{stop}",
                                   n_times=stop - start))
    return DatasetIndex(kind="deap", sfreq=sfreq, channels=list(DEAP), trials=trials,
                        root=Path(root), baseline_s=BASELINE_S, reader=READER_NAME)


def load_bdf_trial(ref: TrialRef) -> np.ndarray:
    """Read one trial (baseline included) of a DEAP recording, µV, DEAP order."""
    start, stop = (int(v) for v in ref.key.split(":"))
    return read_samples(Path(ref.file), list(DEAP), start, stop)[0]


def read_deap_bdf_file(path: Path) -> TrialFile:
    """All trials of one DEAP recording, labelled when the ratings CSV is found."""
    path = Path(path)
    sfreq, segments = _trial_segments(path)
    try:
        own = read_ratings(find_ratings(path.parent)).get(
            int(_NAME.match(path.name).group(1)), {})
    except DataFormatError as exc:
        log.warning("%s: trials carry no labels (%s)", path, exc.problem)
        own = {}
    trials = [read_samples(path, list(DEAP), a, b)[0] for a, b in segments]
    labels = [dict(own.get(n, {})) for n in range(1, len(segments) + 1)]
    return TrialFile(kind="deap", sfreq=sfreq, channels=list(DEAP), trials=trials,
                     labels=labels, baseline_s=BASELINE_S)


def _load(ref: TrialRef, index: DatasetIndex) -> np.ndarray:
    return load_bdf_trial(ref)


READER = register_reader(DatasetReader(
    name=READER_NAME, kind="deap", detect=detect_deap_bdf, index=index_deap_bdf, load=_load,
    claims_file=claims_deap_bdf_file, read_file=read_deap_bdf_file, priority=20))
