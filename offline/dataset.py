"""A dataset as a lazy index of trials, and the entry points that open one.

:func:`open_dataset` looks at a folder as it was downloaded and returns a
:class:`DatasetIndex`: the sampling rate, the EEG channel names and one
:class:`TrialRef` per trial with its raw labels. Nothing but labels and shapes is
read up front; :meth:`DatasetIndex.load` reads one trial when it is needed, so a
full SEED-IV (~13 GB as float32) trains in bounded memory.

Supported layouts (``kind`` in brackets, auto-detected):

* ``deap``: a folder with ``s01.dat`` ... (DEAP's preprocessed Python pickles) or
  ``s01.mat`` ... (the MATLAB variant), or one containing
  ``data_preprocessed_python/`` or ``data_preprocessed_matlab/``; or a single
  subject file; or DEAP's original ``data_original/sNN.bdf`` recordings with
  ``participant_ratings.csv`` (see :mod:`eeg_emotion.offline.deap_bdf`).
* ``seed-iv``: a folder containing ``eeg_raw_data/1|2|3/<subject>_<date>.mat``
  (the SEED-IV download root), or the ``eeg_raw_data`` folder itself.
* ``mne``: a folder with recordings MNE reads (FIF, EDF, BDF, BrainVision) and a
  ``labels.csv`` describing the trials (see :mod:`eeg_emotion.offline.mne_files`).

:func:`load_trial_file` reads ONE file (for replaying it as a live stream).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eeg_emotion.errors import DataFormatError

log = logging.getLogger(__name__)

KINDS = ("deap", "seed-iv", "mne")


@dataclass(frozen=True)
class TrialRef:
    """Where one trial lives and what its raw labels are.

    Attributes
    ----------
    subject : str
        Subject id (``"s01"`` for DEAP, ``"1"`` for SEED-IV).
    session : int
        Session number (1 for DEAP; 1-3 for SEED-IV).
    trial : int
        Trial number within the session, 1-based as in the dataset's docs.
    labels : dict of str to float
        Raw labels (DEAP: valence, arousal, dominance, liking; SEED-IV: emotion).
    file : pathlib.Path
        The file holding the trial.
    key : str
        Locates the trial in the file (DEAP: row index; SEED-IV: variable name;
        MNE: ``"start:stop"`` in samples).
    n_times : int | None
        Length in samples, including any pre-trial baseline, when known.
    """

    subject: str
    session: int
    trial: int
    labels: dict[str, float] = field(hash=False)
    file: Path
    key: str
    n_times: int | None = None


@dataclass
class DatasetIndex:
    """A dataset as a list of trials that are read one at a time.

    Attributes
    ----------
    kind : str
        ``"deap"``, ``"seed-iv"`` or ``"mne"``.
    sfreq : float
        Sampling rate in Hz.
    channels : list of str
        EEG channel names in the order :meth:`load` returns them.
    trials : list of TrialRef
        Every trial, in a stable order (subject, session, trial).
    root : pathlib.Path
        The folder the index was built from.
    baseline_s : float
        Seconds of pre-trial baseline at the start of every trial (DEAP: 3.0).
    """

    kind: str
    sfreq: float
    channels: list[str]
    trials: list[TrialRef]
    root: Path
    baseline_s: float = 0.0

    def load(self, ref: TrialRef) -> np.ndarray:
        """Read one trial.

        Parameters
        ----------
        ref : TrialRef
            A trial of this index.

        Returns
        -------
        numpy.ndarray, shape (n_channels, n_times), float32
            EEG only, in microvolts, channels in :attr:`channels` order.

        Raises
        ------
        DataFormatError
            If the file changed since indexing or cannot be read.
        """
        if self.kind == "deap":
            from eeg_emotion.offline.deap import load_deap_trial
            data = load_deap_trial(ref)
        elif self.kind == "seed-iv":
            from eeg_emotion.offline.seed_iv import load_seed_iv_trial
            data = load_seed_iv_trial(ref)
        elif self.kind == "mne":
            from eeg_emotion.offline.mne_files import load_mne_trial
            data = load_mne_trial(ref, self.channels)
        else:
            raise DataFormatError(f"dataset kind {self.kind!r} is unknown",
                                  f"use one of {', '.join(KINDS)}")
        if data.shape[0] != len(self.channels) or (
                ref.n_times is not None and data.shape[1] != ref.n_times):
            raise DataFormatError(
                f"{ref.file} trial {ref.key}: shape {data.shape} differs from the index "
                f"({len(self.channels)}, {ref.n_times}); the file changed after indexing",
                "open the dataset again")
        return data

    def subjects(self) -> list[str]:
        """Subject ids in order of first appearance."""
        return list(dict.fromkeys(t.subject for t in self.trials))

    def sessions(self) -> list[int]:
        """Session numbers, sorted."""
        return sorted({t.session for t in self.trials})

    def label_keys(self) -> list[str]:
        """Raw label keys present in every trial."""
        if not self.trials:
            return []
        keys = set(self.trials[0].labels)
        for t in self.trials[1:]:
            keys &= set(t.labels)
        return [k for k in self.trials[0].labels if k in keys]

    def describe(self) -> str:
        """One line for logs: kind, subjects, sessions, trials, channels, rate."""
        return (f"{self.kind} at {self.root}: {len(self.subjects())} subjects, "
                f"{len(self.sessions())} sessions, {len(self.trials)} trials, "
                f"{len(self.channels)} channels at {self.sfreq:g} Hz")


@dataclass
class TrialFile:
    """Every trial of ONE file, loaded (for replay).

    Attributes
    ----------
    kind : str
        ``"deap"``, ``"seed-iv"`` or ``"mne"``.
    sfreq : float
        Sampling rate in Hz.
    channels : list of str
        EEG channel names.
    trials : list of numpy.ndarray
        Each ``(n_channels, n_times)`` float32 in :attr:`units`.
    labels : list of dict
        Raw labels of each trial (empty dicts when the file carries none).
    units : str
        ``"microvolts"``.
    baseline_s : float
        Seconds of pre-trial baseline at the start of each trial (DEAP: 3.0).
    """

    kind: str
    sfreq: float
    channels: list[str]
    trials: list[np.ndarray]
    labels: list[dict[str, float]]
    units: str = "microvolts"
    baseline_s: float = 0.0


def unreadable_mat(path: Path, exc: Exception) -> DataFormatError:
    """The error for a ``.mat`` file scipy cannot read (v7.3 files get their own fix)."""
    if isinstance(exc, NotImplementedError):  # scipy's answer to HDF5-based v7.3 files
        return DataFormatError(f"{path} is a MATLAB v7.3 (HDF5) file, which is not supported",
                               "re-save it in MATLAB with save(..., '-v7'), or for DEAP use "
                               "the Python files (data_preprocessed_python/sNN.dat)")
    return DataFormatError(f"{path} is not a readable MATLAB file: {exc}",
                           "re-download the file")


def detect_kind(path: str | Path) -> str:
    """Guess which dataset a folder holds.

    Parameters
    ----------
    path : str | pathlib.Path
        A dataset folder as downloaded.

    Returns
    -------
    str
        ``"deap"``, ``"seed-iv"`` or ``"mne"``.

    Raises
    ------
    DataFormatError
        If the folder is missing or matches no known layout.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise DataFormatError(f"dataset folder {root} does not exist",
                              "pass --data the folder you downloaded (e.g. the one "
                              "with s01.dat for DEAP, or with eeg_raw_data/ for SEED-IV)")
    if not root.is_dir():
        from eeg_emotion.offline.deap import looks_like_deap_mat
        if root.suffix.lower() == ".dat" or (root.suffix.lower() == ".mat"
                                             and looks_like_deap_mat(root)):
            return "deap"  # one DEAP subject file is a one-subject dataset
        raise DataFormatError(f"{root} is a file, not a dataset folder",
                              "pass the folder that holds it; to replay one file use "
                              "`eeg-emotion replay FILE`")
    from eeg_emotion.offline.deap import find_deap_files
    from eeg_emotion.offline.deap_bdf import find_bdf_files
    from eeg_emotion.offline.seed_iv import find_raw_root

    if find_deap_files(root, strict=False) or find_bdf_files(root, strict=False):
        return "deap"
    if find_raw_root(root, strict=False) is not None or (root / "eeg_feature_smooth").is_dir():
        return "seed-iv"
    if (root / "labels.csv").is_file():
        return "mne"
    names = sorted(p.name for p in root.iterdir())[:10]
    raise DataFormatError(
        f"{root} does not look like DEAP, SEED-IV or a labelled recording folder "
        f"(it holds: {', '.join(names) if names else 'nothing'})",
        "point --data at DEAP's folder with s01.dat ... (or data_preprocessed_python/), "
        "SEED-IV's folder with eeg_raw_data/, or a folder of recordings with a labels.csv; "
        "or pass the kind explicitly")


def open_dataset(path: str | Path, kind: str | None = None) -> DatasetIndex:
    """Index a dataset folder without loading its signals.

    Parameters
    ----------
    path : str | pathlib.Path
        The folder as downloaded (see the module docstring for layouts).
    kind : {"deap", "seed-iv", "mne"} | None
        The dataset kind; None detects it from the folder's contents.

    Returns
    -------
    DatasetIndex

    Raises
    ------
    DataFormatError
        Naming the file and what was expected when anything is missing or wrong.
    """
    root = Path(path).expanduser()
    if kind is None:
        kind = detect_kind(root)
    kind = kind.lower().replace("_", "-")
    if kind in ("seed", "seediv", "seed4"):
        kind = "seed-iv"
    if kind == "deap":
        from eeg_emotion.offline.deap import index_deap
        index = index_deap(root)
    elif kind == "seed-iv":
        from eeg_emotion.offline.seed_iv import index_seed_iv
        index = index_seed_iv(root)
    elif kind == "mne":
        from eeg_emotion.offline.mne_files import index_mne_folder
        index = index_mne_folder(root)
    else:
        raise DataFormatError(f"dataset kind {kind!r} is unknown",
                              f"use one of {', '.join(KINDS)}, or leave it out to auto-detect")
    log.info("opened %s", index.describe())
    return index


def load_trial_file(path: str | Path) -> TrialFile:
    """Load every trial of one file, for replay.

    Parameters
    ----------
    path : str | pathlib.Path
        A DEAP ``sNN.dat`` / ``sNN.mat`` / ``sNN.bdf``, a SEED-IV raw ``.mat``, or any file MNE
        reads (``.fif``, ``.edf``, ``.bdf``, ``.vhdr``; a ``<name>.labels.csv``
        beside it splits it into labelled trials).

    Returns
    -------
    TrialFile

    Raises
    ------
    DataFormatError
        If the file is missing, of an unknown type or not in the expected format.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataFormatError(f"file {p} does not exist",
                              "pass the path of one dataset file, e.g. "
                              "data_preprocessed_python/s01.dat")
    suffix = p.suffix.lower()
    if suffix == ".dat":
        from eeg_emotion.offline.deap import read_deap_file
        return read_deap_file(p)
    if suffix == ".mat":
        from eeg_emotion.offline.deap import looks_like_deap_mat, read_deap_file
        if looks_like_deap_mat(p):
            return read_deap_file(p)
        from eeg_emotion.offline.seed_iv import read_seed_iv_file
        return read_seed_iv_file(p)
    if suffix == ".bdf" and re.match(r"^s\d{2}\.bdf$", p.name, re.IGNORECASE):
        from eeg_emotion.offline.deap_bdf import read_deap_bdf_file
        return read_deap_bdf_file(p)
    from eeg_emotion.offline.mne_files import MNE_SUFFIXES, read_mne_file
    if suffix in MNE_SUFFIXES or p.name.lower().endswith(".fif.gz"):
        return read_mne_file(p)
    raise DataFormatError(
        f"{p}: files ending in {suffix or '(nothing)'} are not supported",
        "use a DEAP .dat/.mat, a SEED-IV .mat, or a .fif/.edf/.bdf/.vhdr recording")
