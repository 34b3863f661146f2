"""SEED-IV: raw EEG (``eeg_raw_data``) and smoothed features (``eeg_feature_smooth``).

Raw: ``eeg_raw_data/<session 1|2|3>/<subject>_<date>.mat``, one variable per trial
named ``<initials>_eeg<n>`` (n = 1..24), each (62 channels, samples) at 200 Hz in
:data:`eeg_emotion.montages.SEED_IV` order. Labels come from the session's
published list (0 neutral, 1 sad, 2 fear, 3 happy). Indexing reads only the
MATLAB headers (:func:`scipy.io.whosmat`); a trial is read on demand, one
variable at a time.

Features: ``eeg_feature_smooth/<session>/<subject>_<date>.mat`` with ``de_LDS<n>``,
``de_movingAve<n>``, ``psd_LDS<n>``, ``psd_movingAve<n>``, each (62, windows, 5)
on 4-s windows. :func:`load_seed_iv_features` reads one feature kind into a table
of windows.

The module registers the reader ``"seed-iv"`` (kind ``"seed-iv"``) when imported.
It recognises a folder with raw EEG or with only the features (indexing the latter
says that the raw EEG is needed).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io

from eeg_emotion.contract import FeatureSpec, SignalContract
from eeg_emotion.errors import DataFormatError
from eeg_emotion.filters import FilterSpec
from eeg_emotion.montages import SEED_IV
from eeg_emotion.offline.datasets.registry import (
    DatasetIndex,
    DatasetReader,
    TrialFile,
    TrialRef,
    register_reader,
    unreadable_mat,
)
from eeg_emotion.smoothing import smoother_of_feature

log = logging.getLogger(__name__)

SFREQ = 200.0
N_CHANNELS = len(SEED_IV)
#: Trial labels per session (0 neutral, 1 sad, 2 fear, 3 happy).
SEED_IV_LABELS: dict[int, tuple[int, ...]] = {
    1: (1, 2, 3, 0, 2, 0, 0, 1, 0, 1, 2, 1, 1, 1, 2, 3, 2, 2, 3, 3, 0, 3, 0, 3),
    2: (2, 1, 3, 0, 0, 2, 0, 2, 3, 3, 2, 3, 2, 0, 1, 1, 2, 1, 0, 3, 0, 1, 3, 1),
    3: (1, 2, 2, 1, 3, 3, 3, 1, 1, 2, 1, 0, 2, 3, 3, 0, 2, 3, 0, 0, 2, 0, 1, 0),
}
FEATURE_KINDS = ("de_LDS", "de_movingAve", "psd_LDS", "psd_movingAve")
_TRIAL_KEY = re.compile(r"^.*_eeg(\d+)$")
_FILE_NAME = re.compile(r"^(\d+)_(\d+)\.mat$")
_FEATURE_KEY = re.compile(r"^(de_LDS|de_movingAve|psd_LDS|psd_movingAve)(\d+)$")
READER_NAME = "seed-iv"


def find_raw_root(root: Path, *, strict: bool = True) -> Path | None:
    """Locate ``eeg_raw_data`` under (or at) ``root``.

    Parameters
    ----------
    root : pathlib.Path
        SEED-IV's download root, or its ``eeg_raw_data`` folder.
    strict : bool
        Raise when not found (else return None).

    Returns
    -------
    pathlib.Path | None
    """
    root = Path(root)
    if (root / "eeg_raw_data").is_dir():
        return root / "eeg_raw_data"
    if root.is_dir() and root.name != "eeg_feature_smooth" and any(
            (root / s).is_dir() and any((root / s).glob("*.mat")) for s in ("1", "2", "3")):
        return root
    if strict:
        if (root / "eeg_feature_smooth").is_dir():
            raise DataFormatError(
                f"{root} has SEED-IV features (eeg_feature_smooth/) but no raw EEG "
                "(eeg_raw_data/), which models trained on raw windows need",
                "download eeg_raw_data too, or train the feature baseline, which reads "
                "eeg_feature_smooth (data.input = \"features\")")
        raise DataFormatError(f"no SEED-IV eeg_raw_data folder in {root}",
                              "point --data at the SEED-IV folder that contains eeg_raw_data/")
    return None


def detect_seed_iv(path: Path) -> bool:
    """True for a folder with SEED-IV's ``eeg_raw_data`` or ``eeg_feature_smooth``."""
    path = Path(path)
    return find_raw_root(path, strict=False) is not None or (path / "eeg_feature_smooth").is_dir()


def claims_seed_iv_file(path: Path) -> bool:
    """True for any ``.mat`` file (asked after DEAP's reader, which claims DEAP's)."""
    return Path(path).suffix.lower() == ".mat"


def _session_dirs(root: Path, what: str) -> list[tuple[int, Path]]:
    """The ``1``/``2``/``3`` folders of ``root``; anything else with data is an error."""
    sessions = []
    for p in sorted(root.iterdir()):
        if p.name.startswith("."):  # hidden (.DS_Store, .ipynb_checkpoints)
            continue
        if p.is_dir() and p.name in ("1", "2", "3"):
            sessions.append((int(p.name), p))
        elif p.is_dir() or p.suffix.lower() == ".mat":
            raise DataFormatError(
                f"{p} is not a SEED-IV session folder: {what} should hold only folders "
                "1, 2 and 3", "move it out of the dataset folder")
    if not sessions:
        raise DataFormatError(f"{root} has no session folders 1, 2 or 3",
                              f"point --data at the SEED-IV folder with {what}/1, 2, 3")
    return sessions


def _session_files(folder: Path) -> list[tuple[str, Path]]:
    """(subject, file) of each ``<subject>_<date>.mat`` in a session folder."""
    mats = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".mat")
    if not mats:
        raise DataFormatError(f"SEED-IV session folder {folder} has no .mat files",
                              "restore the folder from the download")
    bad = [p.name for p in mats if not _FILE_NAME.match(p.name)]
    if bad:
        raise DataFormatError(
            f"{folder} holds .mat files not named <subject>_<date>.mat: {', '.join(bad)}",
            "rename them as in the download (e.g. 1_20160518.mat) or move them out")
    out = [(_FILE_NAME.match(p.name).group(1), p) for p in mats]
    subjects = [s for s, _ in out]
    dup = sorted({s for s in subjects if subjects.count(s) > 1})
    if dup:
        raise DataFormatError(
            f"{folder} has several files for subject(s) {', '.join(dup)}",
            "keep one file per subject and session")
    return sorted(out, key=lambda sp: int(sp[0]))


def _whosmat(path: Path) -> list[tuple[str, tuple[int, ...], str]]:
    try:
        return scipy.io.whosmat(path)
    except Exception as exc:  # corrupt files raise many types
        raise unreadable_mat(path, exc) from exc


def _trial_vars(path: Path, session: int) -> list[tuple[int, str, int]]:
    """(trial number, variable, n_times) of each trial variable, validated."""
    found = []
    names = []
    for name, shape, _ in _whosmat(path):
        names.append(name)
        m = _TRIAL_KEY.match(name)
        if not m:
            continue
        n = int(m.group(1))
        if len(shape) != 2 or shape[0] != N_CHANNELS:
            raise DataFormatError(
                f"{path}: variable {name} has shape {shape}; expected "
                f"({N_CHANNELS} channels, samples)",
                "use SEED-IV's eeg_raw_data files unchanged")
        if not 1 <= n <= len(SEED_IV_LABELS[session]):
            raise DataFormatError(f"{path}: variable {name} names trial {n}; SEED-IV has "
                                  "trials 1-24", "use SEED-IV's eeg_raw_data files unchanged")
        found.append((n, name, int(shape[1])))
    if not found:
        raise DataFormatError(
            f"{path} has no trial variables named <initials>_eeg<n> "
            f"(found: {', '.join(names) or 'none'})",
            "use SEED-IV's eeg_raw_data files (e.g. cz_eeg1 ... cz_eeg24)")
    numbers = [n for n, _, _ in found]
    dup = sorted({n for n in numbers if numbers.count(n) > 1})
    if dup:
        raise DataFormatError(f"{path}: trial(s) {dup} appear in several variables",
                              "keep one variable per trial")
    return sorted(found)


def index_seed_iv(root: Path) -> DatasetIndex:
    """Index SEED-IV's raw EEG without reading any signal.

    Parameters
    ----------
    root : pathlib.Path
        The download root (with ``eeg_raw_data/``) or ``eeg_raw_data`` itself.

    Returns
    -------
    DatasetIndex
        ``kind="seed-iv"``, ``reader="seed-iv"``, 200 Hz, 62 channels, label
        ``emotion`` per trial.
    """
    raw = find_raw_root(Path(root))
    trials = []
    for session, folder in _session_dirs(raw, "eeg_raw_data"):
        for subject, path in _session_files(folder):
            for n, name, n_times in _trial_vars(path, session):
                trials.append(TrialRef(
                    subject=subject, session=session, trial=n,
                    labels={"emotion": float(SEED_IV_LABELS[session][n - 1])},
                    file=path, key=name, n_times=n_times))
    trials.sort(key=lambda t: (int(t.subject), t.session, t.trial))
    return DatasetIndex(kind="seed-iv", sfreq=SFREQ, channels=list(SEED_IV), trials=trials,
                        root=Path(root), baseline_s=0.0, reader=READER_NAME)


def _load_vars(path: Path, names: list[str]) -> list[np.ndarray]:
    """Read and check trial variables of one file in a single pass."""
    try:
        mat = scipy.io.loadmat(path, variable_names=list(names))
    except Exception as exc:  # corrupt files raise many types
        raise unreadable_mat(path, exc) from exc
    return [_check_var(path, name, mat) for name in names]


def _load_var(path: Path, name: str) -> np.ndarray:
    return _load_vars(path, [name])[0]


def _check_var(path: Path, name: str, mat: dict) -> np.ndarray:
    if name not in mat:
        raise DataFormatError(f"{path} has no variable {name}",
                              "the file changed after indexing; open the dataset again")
    x = np.asarray(mat[name], dtype=np.float32)
    if x.ndim != 2 or x.shape[0] != N_CHANNELS:
        raise DataFormatError(f"{path}: variable {name} has shape {x.shape}; expected "
                              f"({N_CHANNELS}, samples)", "use SEED-IV's files unchanged")
    if not np.isfinite(x).all():
        raise DataFormatError(f"{path}: variable {name} contains NaN or infinite values",
                              "re-download the file")
    return x


def load_seed_iv_trial(ref: TrialRef) -> np.ndarray:
    """Read one trial variable.

    Parameters
    ----------
    ref : TrialRef
        A trial from :func:`index_seed_iv`.

    Returns
    -------
    numpy.ndarray, shape (62, n_times), float32
    """
    return _load_var(ref.file, ref.key)


def read_seed_iv_file(path: Path) -> TrialFile:
    """Load every trial of one raw SEED-IV file (for replay).

    The session, and so the labels, come from the parent folder's name
    (``1``, ``2`` or ``3``); elsewhere the trials carry no labels (logged).

    Parameters
    ----------
    path : pathlib.Path
        ``eeg_raw_data/<session>/<subject>_<date>.mat``.

    Returns
    -------
    TrialFile
    """
    path = Path(path)
    session = int(path.parent.name) if path.parent.name in ("1", "2", "3") else None
    if session is None:
        log.warning("%s is not inside a session folder 1/2/3: its trials carry no labels",
                    path)
    vars_ = _trial_vars(path, session or 1)
    trials = _load_vars(path, [name for _, name, _ in vars_])
    labels = [{"emotion": float(SEED_IV_LABELS[session][n - 1])} if session else {}
              for n, _, _ in vars_]
    return TrialFile(kind="seed-iv", sfreq=SFREQ, channels=list(SEED_IV), trials=trials,
                     labels=labels)


def _load(ref: TrialRef, index: DatasetIndex) -> np.ndarray:
    return load_seed_iv_trial(ref)


READER = register_reader(DatasetReader(
    name=READER_NAME, kind="seed-iv", detect=detect_seed_iv, index=index_seed_iv, load=_load,
    claims_file=claims_seed_iv_file, read_file=read_seed_iv_file, priority=30))


# ------------------------------------------------------------------------- features

@dataclass
class FeatureTable:
    """SEED-IV precomputed features, one row per 4-s window.

    Attributes
    ----------
    X : numpy.ndarray, shape (n_windows, 62, 5), float32
        Feature per channel and band (delta, theta, alpha, beta, gamma).
    subject : numpy.ndarray of str, shape (n_windows,)
    session : numpy.ndarray of int, shape (n_windows,)
    trial : numpy.ndarray of int, shape (n_windows,)
        Trial number 1-24 within the session.
    trial_id : numpy.ndarray of int, shape (n_windows,)
        Unique per (subject, session, trial).
    labels : dict of str to numpy.ndarray
        ``"emotion"``: class index per window.
    feature : str
        Which feature was read (``"de_LDS"`` ...).
    available : list of str
        Feature kinds found in the files.
    channels : list of str
    """

    X: np.ndarray
    subject: np.ndarray
    session: np.ndarray
    trial: np.ndarray
    trial_id: np.ndarray
    labels: dict[str, np.ndarray]
    feature: str
    available: list[str]
    channels: list[str]


def _feature_root(root: Path) -> Path:
    root = Path(root).expanduser()
    if (root / "eeg_feature_smooth").is_dir():
        return root / "eeg_feature_smooth"
    if root.name == "eeg_feature_smooth" and root.is_dir():
        return root
    raise DataFormatError(f"no SEED-IV eeg_feature_smooth folder in {root}",
                          "point --data at the SEED-IV folder that contains eeg_feature_smooth/")


def load_seed_iv_features(root: str | Path, feature: str = "de_LDS") -> FeatureTable:
    """Read one kind of SEED-IV's precomputed features for every trial.

    Parameters
    ----------
    root : str | pathlib.Path
        The download root (with ``eeg_feature_smooth/``) or that folder itself.
    feature : {"de_LDS", "de_movingAve", "psd_LDS", "psd_movingAve"}
        Which feature to read; files may hold only some kinds.

    Returns
    -------
    FeatureTable

    Raises
    ------
    DataFormatError
        If the folder or files are missing or malformed, or no file has the
        requested feature (the message lists the kinds found).
    """
    if feature not in FEATURE_KINDS:
        raise DataFormatError(f"SEED-IV feature {feature!r} is unknown",
                              f"use one of {', '.join(FEATURE_KINDS)}")
    froot = _feature_root(Path(root))
    rows: list[tuple[str, int, int, np.ndarray]] = []
    found_kinds: set[str] = set()
    for session, folder in _session_dirs(froot, "eeg_feature_smooth"):
        for subject, path in _session_files(folder):
            names = [name for name, _, _ in _whosmat(path)]
            kinds = {m.group(1) for m in map(_FEATURE_KEY.match, names) if m}
            found_kinds |= kinds
            if feature not in kinds:
                raise DataFormatError(
                    f"{path} has no {feature}<n> variables (feature kinds found: "
                    f"{', '.join(sorted(kinds)) or 'none'})",
                    f"choose one of the kinds found, e.g. feature={sorted(kinds)[0]!r}"
                    if kinds else "use SEED-IV's eeg_feature_smooth files")
            wanted = sorted((int(m.group(2)), name) for name in names
                            if (m := _FEATURE_KEY.match(name)) and m.group(1) == feature)
            try:
                mat = scipy.io.loadmat(path, variable_names=[n for _, n in wanted])
            except Exception as exc:
                raise unreadable_mat(path, exc) from exc
            for n, name in wanted:
                x = np.asarray(mat[name], dtype=np.float32)
                if x.ndim != 3 or x.shape[0] != N_CHANNELS or x.shape[2] != 5:
                    raise DataFormatError(
                        f"{path}: {name} has shape {x.shape}; expected "
                        f"({N_CHANNELS}, windows, 5 bands)", "use SEED-IV's files unchanged")
                if not 1 <= n <= 24:
                    raise DataFormatError(f"{path}: {name} names trial {n}; SEED-IV has "
                                          "trials 1-24", "use SEED-IV's files unchanged")
                rows.append((subject, session, n, np.moveaxis(x, 1, 0)))
    log.info("SEED-IV features in %s: %s (reading %s)", froot,
             ", ".join(sorted(found_kinds)), feature)
    rows.sort(key=lambda r: (int(r[0]), r[1], r[2]))
    counts = [r[3].shape[0] for r in rows]
    rep = np.repeat
    trial_ids = rep(np.arange(len(rows)), counts)
    return FeatureTable(
        X=np.concatenate([r[3] for r in rows]).astype(np.float32, copy=False),
        subject=rep(np.array([r[0] for r in rows]), counts),
        session=rep(np.array([r[1] for r in rows], dtype=np.int64), counts),
        trial=rep(np.array([r[2] for r in rows], dtype=np.int64), counts),
        trial_id=trial_ids,
        labels={"emotion": rep(np.array([SEED_IV_LABELS[r[1]][r[2] - 1] for r in rows],
                                        dtype=np.int64), counts)},
        feature=feature, available=sorted(found_kinds), channels=list(SEED_IV))


#: SEED-IV's feature files: non-overlapping 4-s windows of the 200-Hz EEG.
FEATURE_WINDOW_S = 4.0
#: The band-pass run before computing features from a signal (live, and when the
#: synthetic writer makes its feature files): 1-75 Hz, as SEED-IV's preprocessing.
FEATURE_FILTER = FilterSpec(1.0, 75.0)


def feature_contract(feature: str = "de_LDS", session_norm: bool = False,
                     session_norm_warmup: int = 30) -> SignalContract:
    """The signal contract of a model trained on SEED-IV's feature files.

    Parameters
    ----------
    feature : str
        The files' feature (``de_LDS``, ``de_movingAve``, ``psd_LDS``, ``psd_movingAve``).
    session_norm : bool
        Whether features are standardised per recording session.
    session_norm_warmup : int
        Live windows before a session's statistics count as settled.

    Returns
    -------
    SignalContract
        62 channels at 200 Hz, the 1-75 Hz band-pass, 4-s windows every 4 s,
        ``input="features"`` with the feature's kind and smoother.
    """
    if feature not in FEATURE_KINDS:
        raise DataFormatError(f"SEED-IV feature {feature!r} is unknown",
                              f"use one of {', '.join(FEATURE_KINDS)}")
    spec = FeatureSpec(kind=feature.split("_")[0], smoothing=smoother_of_feature(feature),
                       session_norm=session_norm, session_norm_warmup=session_norm_warmup)
    return SignalContract(channels=tuple(SEED_IV), sfreq=SFREQ, units="microvolts",
                          filter=FEATURE_FILTER, window_s=FEATURE_WINDOW_S,
                          hop_s=FEATURE_WINDOW_S, baseline="none", standardize="none",
                          input="features", features=spec)
