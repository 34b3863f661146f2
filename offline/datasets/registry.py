"""A dataset as a lazy index of trials, and the registry of the readers that make one.

A reader (:class:`DatasetReader`) knows one layout on disk: it recognises a
folder (``detect``), indexes it into a :class:`DatasetIndex` (the sampling rate,
the EEG channel names and one :class:`TrialRef` per trial with its raw labels),
reads one trial when it is needed (``load``), and for replay claims and reads
single files (``claims_file``, ``read_file``). Nothing but labels and shapes is
read up front; :meth:`DatasetIndex.load` reads one trial through the reader that
made the index, so a full SEED-IV (~13 GB as float32) trains in bounded memory.

Each reader module registers itself with :func:`register_reader` when it is
imported and imports only this module (and the core), so readers never import
each other back. :mod:`eeg_emotion.offline.datasets.readers` imports every reader and
holds the entry points :func:`~eeg_emotion.offline.datasets.readers.open_dataset`,
:func:`~eeg_emotion.offline.datasets.readers.detect_kind` and
:func:`~eeg_emotion.offline.datasets.readers.load_trial_file`.

Built-in readers (``kind`` in brackets):

* ``deap`` (``deap``): DEAP's preprocessed ``s01.dat`` ... (Python pickles) or
  ``s01.mat`` ... (MATLAB), or a folder containing ``data_preprocessed_python/``
  or ``data_preprocessed_matlab/``; or a single subject file
  (:mod:`eeg_emotion.offline.datasets.deap`).
* ``deap-bdf`` (``deap``): DEAP's original ``data_original/sNN.bdf`` recordings
  with ``participant_ratings.csv`` (:mod:`eeg_emotion.offline.datasets.deap_bdf`).
* ``seed-iv`` (``seed-iv``): a folder containing ``eeg_raw_data/1|2|3/<subject>_<date>.mat``
  (the SEED-IV download root), or the ``eeg_raw_data`` folder itself
  (:mod:`eeg_emotion.offline.datasets.seed_iv`).
* ``mne`` (``mne``): a folder with recordings MNE reads (FIF, EDF, BDF, BrainVision)
  and a ``labels.csv`` describing the trials (:mod:`eeg_emotion.offline.datasets.mne_files`).
* ``xdf`` (``xdf``): a folder of LabRecorder ``.xdf`` files, labelled by a ``labels.csv``
  or by their marker streams (:mod:`eeg_emotion.offline.datasets.xdf_recordings`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eeg_emotion.errors import DataFormatError

log = logging.getLogger(__name__)

#: The dataset kinds of the built-in readers (``--kind`` offers these).
KINDS = ("deap", "seed-iv", "calibration", "xdf", "mne")
_KIND_ALIASES = {"seed": "seed-iv", "seediv": "seed-iv", "seed4": "seed-iv"}


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
    reader : str
        Name of the registered :class:`DatasetReader` that made the index and
        reads its trials (``"deap"``, ``"deap-bdf"``, ``"seed-iv"``, ``"mne"``).
    """

    kind: str
    sfreq: float
    channels: list[str]
    trials: list[TrialRef]
    root: Path
    baseline_s: float = 0.0
    reader: str = ""

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
            If the index names no registered reader, or the file changed since
            indexing or cannot be read.
        """
        data = get_reader(self.reader).load(ref, self)
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


def normalise_kind(kind: str) -> str:
    """A dataset kind as the readers name it: ``"seed_iv"``/``"SEED"`` -> ``"seed-iv"``.

    Parameters
    ----------
    kind : str
        As typed on the command line or in a config (``data.kind = "seed_iv"``).

    Returns
    -------
    str
        Lower case, ``-`` for ``_``; ``"seed"``, ``"seediv"``, ``"seed4"`` become
        ``"seed-iv"``. Unknown kinds are returned as they are (the caller refuses them).
    """
    kind = kind.strip().lower().replace("_", "-")
    return _KIND_ALIASES.get(kind, kind)


# ------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class DatasetReader:
    """One dataset layout on disk, as the registry knows it.

    Attributes
    ----------
    name : str
        Unique name in the registry, stored in :attr:`DatasetIndex.reader`.
    kind : str
        The dataset the reader reads (:attr:`DatasetIndex.kind`); several readers
        may read one kind (DEAP's preprocessed files and its original recordings).
    detect : callable
        ``detect(path) -> bool``: does this folder (or file) hold the reader's layout.
        Must not raise for layouts it does not know.
    index : callable
        ``index(path) -> DatasetIndex``, with ``reader`` set to :attr:`name`.
        Raises :class:`~eeg_emotion.errors.DataFormatError` naming what is missing.
    load : callable
        ``load(ref, index) -> numpy.ndarray``: one trial of an index it made,
        ``(n_channels, n_times)`` float32 in microvolts.
    claims_file : callable
        ``claims_file(path) -> bool``: is this single file (for replay) one of the
        reader's. Must not raise.
    read_file : callable
        ``read_file(path) -> TrialFile``: every trial of a claimed file.
    priority : int
        Readers are asked in increasing priority (ties: in registration order). A
        layout that is a special case of another goes first: DEAP's ``.mat``
        files before SEED-IV's, DEAP's ``sNN.bdf`` before any MNE recording.
    """

    name: str
    kind: str
    detect: Callable[[Path], bool]
    index: Callable[[Path], DatasetIndex]
    load: Callable[[TrialRef, DatasetIndex], np.ndarray]
    claims_file: Callable[[Path], bool]
    read_file: Callable[[Path], TrialFile]
    priority: int = 100


_READERS: dict[str, DatasetReader] = {}


def register_reader(reader: DatasetReader) -> DatasetReader:
    """Add a reader to the registry (a reader module calls this when imported).

    Parameters
    ----------
    reader : DatasetReader
        Registering a name again from the same module (a reload) replaces it.

    Returns
    -------
    DatasetReader
        ``reader``, so a module can keep it: ``READER = register_reader(...)``.

    Raises
    ------
    DataFormatError
        If another module already registered a reader under that name.
    """
    old = _READERS.get(reader.name)
    if old is not None and old.index.__module__ != reader.index.__module__:
        raise DataFormatError(
            f"two dataset readers are named {reader.name!r} ({old.index.__module__} and "
            f"{reader.index.__module__})", "give one of them another name")
    _READERS[reader.name] = reader
    log.debug("registered dataset reader %s (kind %s)", reader.name, reader.kind)
    return reader


def get_reader(name: str) -> DatasetReader:
    """The registered reader called ``name``.

    Raises
    ------
    DataFormatError
        If no reader of that name is registered.
    """
    try:
        return _READERS[name]
    except KeyError:
        raise DataFormatError(
            f"dataset reader {name!r} is unknown (registered: "
            f"{', '.join(_READERS) or 'none'})",
            "open the dataset with eeg_emotion.offline.datasets.readers.open_dataset, which "
            "registers every reader and sets DatasetIndex.reader") from None


def registered_readers(kind: str | None = None) -> list[DatasetReader]:
    """Registered readers in the order they are asked (:attr:`DatasetReader.priority`).

    Parameters
    ----------
    kind : str | None
        Only the readers of this dataset kind (None: all).

    Returns
    -------
    list of DatasetReader
    """
    readers = sorted(_READERS.values(), key=lambda r: r.priority)  # stable: ties keep order
    return [r for r in readers if kind is None or r.kind == kind]
