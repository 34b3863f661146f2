"""Open a dataset folder or one dataset file with whichever registered reader fits.

Importing this module imports every built-in reader, so each has registered
itself (:func:`eeg_emotion.offline.datasets.registry.register_reader`):

* :mod:`eeg_emotion.offline.datasets.deap`: DEAP's preprocessed ``sNN.dat`` / ``sNN.mat``;
* :mod:`eeg_emotion.offline.datasets.deap_bdf`: DEAP's original ``sNN.bdf`` recordings;
* :mod:`eeg_emotion.offline.datasets.seed_iv`: SEED-IV's ``eeg_raw_data`` (or features);
* :mod:`eeg_emotion.offline.datasets.mne_files`: recordings MNE reads, with a ``labels.csv``;
* :mod:`eeg_emotion.offline.datasets.calibration_folders`: ``eeg-emotion calibrate`` folders and
  rated ``live --record`` recordings;
* :mod:`eeg_emotion.offline.datasets.xdf_recordings`: LabRecorder ``.xdf`` files, labelled by
  a ``labels.csv`` or by their marker streams.

:func:`open_dataset` indexes a folder (auto-detected, or of a given kind),
:func:`detect_kind` says which dataset a folder holds, and :func:`load_trial_file`
reads ONE file for replay. Readers are asked in their priority order: DEAP
files, DEAP BDF recordings, SEED-IV raw or feature folders, a calibration folder
or rated recording, a folder of XDF files, an MNE folder with ``labels.csv``.
"""

from __future__ import annotations

import logging
import shlex
from pathlib import Path

from eeg_emotion.errors import DataFormatError
from eeg_emotion.offline.datasets import (
    calibration_folders,
    deap,
    deap_bdf,
    mne_files,
    seed_iv,
    xdf_recordings,
)
from eeg_emotion.offline.datasets.registry import (
    KINDS,
    DatasetIndex,
    DatasetReader,
    TrialFile,
    normalise_kind,
    registered_readers,
)

log = logging.getLogger(__name__)

#: The reader modules this module registers by importing them.
BUILT_IN = (deap, deap_bdf, seed_iv, calibration_folders, xdf_recordings, mne_files)


def detect_reader(path: str | Path) -> DatasetReader:
    """The first registered reader whose layout the folder (or file) holds.

    Parameters
    ----------
    path : str | pathlib.Path
        A dataset folder as downloaded, or one DEAP subject file.

    Returns
    -------
    DatasetReader

    Raises
    ------
    DataFormatError
        If the path is missing or matches no reader's layout.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise DataFormatError(f"dataset folder {root} does not exist",
                              "pass --data the folder you downloaded (e.g. the one "
                              "with s01.dat for DEAP, or with eeg_raw_data/ for SEED-IV)")
    for reader in registered_readers():
        if reader.detect(root):
            return reader
    if not root.is_dir():
        raise DataFormatError(f"{root} is a file, not a dataset folder",
                              "pass the folder that holds it; to replay one file use "
                              "`eeg-emotion replay FILE`")
    names = sorted(p.name for p in root.iterdir())[:10]
    raise DataFormatError(
        f"{root} does not look like DEAP, SEED-IV, a calibration or a labelled recording "
        f"folder (it holds: {', '.join(names) if names else 'nothing'})",
        "point --data at DEAP's folder with s01.dat ... (or data_preprocessed_python/), "
        "SEED-IV's folder with eeg_raw_data/, a folder `eeg-emotion calibrate` wrote, a "
        "folder of LabRecorder .xdf files, or a folder of recordings with a labels.csv; or "
        "name the dataset with --kind (one of "
        f"{', '.join(KINDS)}) to see what it lacks")


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
    return detect_reader(path).kind


def reader_for_kind(path: str | Path, kind: str) -> DatasetReader:
    """The reader of dataset ``kind`` for a folder.

    Among several readers of one kind (DEAP's preprocessed files and its original
    recordings) the first that detects the folder is chosen; when none does, the
    first of them, whose index then says what is missing.

    Parameters
    ----------
    path : str | pathlib.Path
        The dataset folder.
    kind : str
        ``"deap"``, ``"seed-iv"`` (or ``"seed_iv"``) or ``"mne"``.

    Returns
    -------
    DatasetReader

    Raises
    ------
    DataFormatError
        If no registered reader reads ``kind``.
    """
    name = normalise_kind(kind)
    candidates = registered_readers(name)
    if not candidates:
        known = list(dict.fromkeys(r.kind for r in registered_readers()))
        raise DataFormatError(f"dataset kind {kind!r} is unknown",
                              f"use one of {', '.join(known)}, or leave it out to auto-detect")
    root = Path(path).expanduser()
    return next((r for r in candidates if r.detect(root)), candidates[0])



def open_dataset(path: str | Path, kind: str | None = None) -> DatasetIndex:
    """Index a dataset folder without loading its signals.

    Parameters
    ----------
    path : str | pathlib.Path
        The folder as downloaded (see :mod:`eeg_emotion.offline.datasets.registry` for layouts).
    kind : {"deap", "seed-iv", "mne"} | None
        The dataset kind (``"seed_iv"`` works too); None detects it from the
        folder's contents.

    Returns
    -------
    DatasetIndex

    Raises
    ------
    DataFormatError
        Naming the file and what was expected when anything is missing or wrong.
    """
    root = Path(path).expanduser()
    reader = detect_reader(root) if kind is None else reader_for_kind(root, kind)
    try:
        index = reader.index(root)
    except DataFormatError as exc:
        other = None if kind is None else next(
            (r for r in registered_readers() if r.kind != reader.kind and r.detect(root)), None)
        if other is None:
            raise
        raise DataFormatError(f"{exc.problem}: {root} holds a {other.kind} dataset, not "
                              f"{reader.kind}", kind_fix(root, other.kind)) from exc
    log.info("opened %s", index.describe())
    return index


def kind_fix(root: Path, kind: str) -> str:
    """How to train on a folder of dataset ``kind`` that was read as another kind.

    Parameters
    ----------
    root : pathlib.Path
        The folder.
    kind : str
        The kind it holds.

    Returns
    -------
    str
        For a calibration folder, the ``train`` command with the shipped calibration
        config; else the ``--kind`` to pass.
    """
    if kind == "calibration":
        command = shlex.join(["eeg-emotion", "train", "--config", "calibration_scalingnet",
                              "--data", str(root)])
        return (f"train on it with `{command}` (a config of your own needs data.kind = "
                "\"calibration\" and preprocess.baseline = \"none\")")
    return f"pass --kind {kind}, or set data.kind = \"auto\" in the config"


def load_trial_file(path: str | Path) -> TrialFile:
    """Load every trial of one file, for replay.

    Parameters
    ----------
    path : str | pathlib.Path
        A DEAP ``sNN.dat`` / ``sNN.mat`` / ``sNN.bdf``, a SEED-IV raw ``.mat``, or any
        file MNE reads (``.fif``, ``.edf``, ``.bdf``, ``.vhdr``; a ``<name>.labels.csv``
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
    for reader in registered_readers():
        if reader.claims_file(p):
            return reader.read_file(p)
    suffix = p.suffix.lower()
    raise DataFormatError(
        f"{p}: files ending in {suffix or '(nothing)'} are not supported",
        "use a DEAP .dat/.mat, a SEED-IV .mat, or a .fif/.edf/.bdf/.vhdr recording")
