"""DEAP's preprocessed files: ``sNN.dat`` (Python pickle) and ``sNN.mat`` (MATLAB).

Each file holds one subject: ``data`` (trials, 40 channels, samples) at 128 Hz and
``labels`` (trials, 4) = valence, arousal, dominance, liking rated 1-9. Rows 0-31
are EEG in :data:`eeg_emotion.montages.DEAP` order and are kept; rows 32-39 are
peripheral signals and are dropped. The first 3 s (384 samples) of every trial are
the pre-trial baseline. The published files have 40 trials of 8064 samples; fewer
or shorter trials (e.g. synthetic test files) are accepted, but the channel count,
the four label columns and matching trial counts are always checked.

The pickles were written by Python 2 and are read with ``encoding="latin1"``.

The module registers the reader ``"deap"`` (kind ``"deap"``) when imported; DEAP's
original BDF recordings have their own reader in :mod:`eeg_emotion.offline.datasets.deap_bdf`.
"""

from __future__ import annotations

import logging
import pickle
import re
from pathlib import Path

import numpy as np
import scipy.io

from eeg_emotion.errors import DataFormatError
from eeg_emotion.montages import DEAP
from eeg_emotion.offline.datasets.file_cache import cached_by_stat
from eeg_emotion.offline.datasets.registry import (
    DatasetIndex,
    DatasetReader,
    TrialFile,
    TrialRef,
    register_reader,
    unreadable_mat,
)

log = logging.getLogger(__name__)

SFREQ = 128.0
BASELINE_S = 3.0
N_ROWS = 40  # 32 EEG + 8 peripheral
N_EEG = len(DEAP)
LABEL_KEYS = ("valence", "arousal", "dominance", "liking")
SUBFOLDERS = ("data_preprocessed_python", "data_preprocessed_matlab")
_NAME = re.compile(r"^s\d{2}\.(dat|mat)$", re.IGNORECASE)
READER_NAME = "deap"


def find_deap_files(root: Path, *, strict: bool = True) -> list[Path]:
    """List the subject files of a DEAP folder.

    Parameters
    ----------
    root : pathlib.Path
        The folder with ``s01.dat`` ..., or one containing
        ``data_preprocessed_python/`` (or ``data_preprocessed_matlab/``), or one
        subject file.
    strict : bool
        Raise on misnamed files or an empty folder (False: just report what looks
        like DEAP, for auto-detection).

    Returns
    -------
    list of pathlib.Path
        Sorted; ``.dat`` files when present, else ``.mat`` files.

    Raises
    ------
    DataFormatError
        (strict only) If no subject file is found, or a ``.dat`` / ``.mat`` file
        is not named ``sNN``.
    """
    if root.is_file():
        if strict and not _NAME.match(root.name):
            raise DataFormatError(f"{root} is not named like a DEAP subject file (s01.dat)",
                                  "rename it sNN.dat (two digits, e.g. s01.dat)")
        return [root]
    folders = [root] + [root / s for s in SUBFOLDERS if (root / s).is_dir()]
    for folder in folders:
        files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
        dats = [p for p in files if p.suffix.lower() == ".dat"]
        mats = [p for p in files if p.suffix.lower() == ".mat"
                and re.match(r"^s\d+", p.name, re.IGNORECASE)]
        chosen = dats or mats
        if not chosen:
            continue
        if strict:
            bad = sorted(p.name for p in chosen if not _NAME.match(p.name))
            if bad:
                raise DataFormatError(
                    f"DEAP folder {folder} holds files not named like s01.dat: "
                    f"{', '.join(bad)}",
                    "rename them sNN.dat (two digits, e.g. s01.dat) or move them out "
                    "of the folder")
        return sorted(chosen)
    if strict:
        raise DataFormatError(
            f"no DEAP subject files (s01.dat ... or s01.mat ...) in {root}",
            "point --data at DEAP's data_preprocessed_python folder (or its parent)")
    return []


def _check(path: Path, data: object, labels: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``data``/``labels`` of one subject file; return EEG rows and labels."""
    if not isinstance(data, np.ndarray) or data.ndim != 3:
        shape = getattr(data, "shape", type(data).__name__)
        raise DataFormatError(
            f"{path}: 'data' has shape {shape}; expected (trials, 40, samples)",
            "use DEAP's preprocessed files (data_preprocessed_python/sNN.dat)")
    if data.shape[1] != N_ROWS:
        raise DataFormatError(
            f"{path}: 'data' has {data.shape[1]} channels; expected 40 "
            f"(32 EEG + 8 peripheral), shape (trials, 40, samples), got {data.shape}",
            "use DEAP's preprocessed files unchanged (all 40 rows)")
    if data.shape[0] == 0 or data.shape[2] == 0:
        raise DataFormatError(f"{path}: 'data' is empty (shape {data.shape})",
                              "re-download the file")
    if not isinstance(labels, np.ndarray) or labels.ndim != 2 or labels.shape[1] != 4:
        shape = getattr(labels, "shape", type(labels).__name__)
        raise DataFormatError(
            f"{path}: 'labels' has shape {shape}; expected (trials, 4) = "
            "valence, arousal, dominance, liking",
            "use DEAP's preprocessed files unchanged")
    if labels.shape[0] != data.shape[0]:
        raise DataFormatError(
            f"{path}: {data.shape[0]} trials in 'data' but {labels.shape[0]} rows in 'labels'",
            "the file is damaged or edited; re-download it")
    eeg = np.asarray(data[:, :N_EEG, :], dtype=np.float32)
    bad = ~np.isfinite(eeg).all(axis=(1, 2))
    if bad.any():
        raise DataFormatError(
            f"{path}: trial(s) {', '.join(str(i + 1) for i in np.flatnonzero(bad))} "
            "contain NaN or infinite values", "re-download the file")
    return eeg, np.asarray(labels, dtype=np.float64)


@cached_by_stat(maxsize=1)
def _read_cached(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and validate one subject file (the last one is kept in memory)."""
    p = Path(path)
    if p.suffix.lower() == ".mat":
        try:
            mat = scipy.io.loadmat(p, variable_names=["data", "labels"])
        except Exception as exc:  # scipy raises many types for corrupt files
            raise unreadable_mat(p, exc) from exc
        if "data" not in mat or "labels" not in mat:
            raise DataFormatError(
                f"{p} has no 'data' and 'labels' variables "
                f"(found: {', '.join(k for k in mat if not k.startswith('__')) or 'none'})",
                "use DEAP's data_preprocessed_matlab/sNN.mat files")
        return _check(p, mat["data"], mat["labels"])
    try:
        with p.open("rb") as f:
            obj = pickle.load(f, encoding="latin1")
    except Exception as exc:  # corrupt pickles raise many types
        raise DataFormatError(f"{p} is not a readable DEAP pickle: {exc!r}",
                              "re-download the file (DEAP's data_preprocessed_python)") from exc
    if not isinstance(obj, dict) or "data" not in obj or "labels" not in obj:
        found = ", ".join(map(str, obj)) if isinstance(obj, dict) else type(obj).__name__
        raise DataFormatError(
            f"{p} is not a DEAP subject file: expected a dict with 'data' and 'labels', "
            f"found {found}", "use DEAP's data_preprocessed_python/sNN.dat files")
    return _check(p, obj["data"], obj["labels"])


def read_deap_arrays(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one subject file.

    Parameters
    ----------
    path : str | pathlib.Path
        ``sNN.dat`` or ``sNN.mat``.

    Returns
    -------
    eeg : numpy.ndarray, shape (n_trials, 32, n_times), float32
        EEG rows in microvolts (peripheral rows dropped).
    labels : numpy.ndarray, shape (n_trials, 4)
        Valence, arousal, dominance, liking.

    Raises
    ------
    DataFormatError
        If the file is missing, corrupt or has the wrong shape.
    """
    return _read_cached(path)


def looks_like_deap_mat(path: Path) -> bool:
    """True when a ``.mat`` file has DEAP's ``data`` and ``labels`` variables."""
    try:
        names = {name for name, _, _ in scipy.io.whosmat(path)}
    except Exception:
        return False
    return {"data", "labels"} <= names


def _labels_dict(row: np.ndarray) -> dict[str, float]:
    return {k: float(v) for k, v in zip(LABEL_KEYS, row, strict=True)}


def claims_deap_file(path: Path) -> bool:
    """True for a ``.dat`` file or a ``.mat`` file with DEAP's variables (for replay)."""
    suffix = Path(path).suffix.lower()
    return suffix == ".dat" or (suffix == ".mat" and looks_like_deap_mat(Path(path)))


def detect_deap(path: Path) -> bool:
    """True for a folder with DEAP subject files, or for one subject file.

    One ``.dat`` or DEAP ``.mat`` file is a one-subject dataset.
    """
    path = Path(path)
    if path.is_file():
        return claims_deap_file(path)
    return path.is_dir() and bool(find_deap_files(path, strict=False))


def index_deap(root: Path) -> DatasetIndex:
    """Index a DEAP folder (each file is read once to validate it and get labels).

    Parameters
    ----------
    root : pathlib.Path
        See :func:`find_deap_files`. (A folder with only DEAP's original
        ``sNN.bdf`` recordings is the ``deap-bdf`` reader's:
        :func:`eeg_emotion.offline.datasets.deap_bdf.index_deap_bdf`.)

    Returns
    -------
    DatasetIndex
        ``kind="deap"``, ``reader="deap"``, 128 Hz, 32 channels, ``baseline_s=3.0``;
        one :class:`TrialRef` per trial with subject ``"sNN"``, session 1, trial 1..n.
    """
    trials: list[TrialRef] = []
    for path in find_deap_files(Path(root)):
        eeg, labels = read_deap_arrays(path)
        for i in range(eeg.shape[0]):
            trials.append(TrialRef(subject=path.stem.lower(), session=1, trial=i + 1,
                                   labels=_labels_dict(labels[i]), file=path, key=str(i),
                                   n_times=int(eeg.shape[2])))
    return DatasetIndex(kind="deap", sfreq=SFREQ, channels=list(DEAP), trials=trials,
                        root=Path(root), baseline_s=BASELINE_S, reader=READER_NAME)


def load_deap_trial(ref: TrialRef) -> np.ndarray:
    """Read one trial (the file's other trials stay cached for the next call).

    Parameters
    ----------
    ref : TrialRef
        A trial from :func:`index_deap`.

    Returns
    -------
    numpy.ndarray, shape (32, n_times), float32, microvolts
    """
    eeg, _ = read_deap_arrays(ref.file)
    i = int(ref.key)
    if not 0 <= i < eeg.shape[0]:
        raise DataFormatError(f"{ref.file} has no trial {i + 1} (it has {eeg.shape[0]})",
                              "the file changed after indexing; open the dataset again")
    return eeg[i].copy()


def read_deap_file(path: Path) -> TrialFile:
    """Load every trial of one DEAP subject file (for replay).

    Parameters
    ----------
    path : pathlib.Path
        ``sNN.dat`` or ``sNN.mat``.

    Returns
    -------
    TrialFile
        ``kind="deap"``, trials include their 3-s baseline (``baseline_s=3.0``).
    """
    eeg, labels = read_deap_arrays(path)
    return TrialFile(kind="deap", sfreq=SFREQ, channels=list(DEAP),
                     trials=[t.copy() for t in eeg],
                     labels=[_labels_dict(r) for r in labels], baseline_s=BASELINE_S)


def _load(ref: TrialRef, index: DatasetIndex) -> np.ndarray:
    return load_deap_trial(ref)


READER = register_reader(DatasetReader(
    name=READER_NAME, kind="deap", detect=detect_deap, index=index_deap, load=_load,
    claims_file=claims_deap_file, read_file=read_deap_file, priority=10))
