"""The acquisition interface every live source implements (LSL inlet, BrainFlow board).

The engine's acquisition thread calls :meth:`Source.read` in a loop. A source
returns whole chunks, channels first, timestamps on the LSL clock
(``pylsl.local_clock()``). When the device or stream goes away, ``read`` raises
:class:`SourceLost`; the engine then calls :meth:`Source.reopen` until it
succeeds, counting the gap, and never exits because of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from eeg_emotion.errors import StreamError


class SourceLost(StreamError):
    """The stream or board stopped delivering (unplugged, replay killed)."""


@dataclass(frozen=True)
class SourceInfo:
    """What a source delivers.

    ``channels`` are every channel of the stream, as recorded; only the EEG ones
    (:attr:`eeg_rows`) reach models, indices, quality checks and the dashboard.

    Attributes
    ----------
    channels : tuple of str
        One name per stream channel, in stream order.
    units : str
        The unit of the EEG channels as declared (for recordings and messages).
    montage : str
        The headset's montage: a known name (``"cyton"``, ``"muse"``) or the comma
        list of its EEG channels (:func:`eeg_emotion.montages.montage_label`).
    montage_note : str
        Where the channel names came from when that is worth telling the user
        (e.g. a montage assumed for an unlabelled OpenBCI stream); empty otherwise.
    synthetic : bool
        The data are synthetic: a replay of ``eeg-emotion synth`` files (its stream
        description says so) or BrainFlow's synthetic board.
    types : tuple of str
        Each channel's type as declared or inferred (empty: undeclared).
    eeg : tuple of int | None
        Rows of the EEG channels; None: every channel is EEG.
    scales : tuple of float
        Per channel, the factor that turns its values into microvolts (NaN where
        unknown, on a non-EEG channel); empty: every channel is in :attr:`units`.
    notes : tuple of str
        Other facts to show the user (which stream was taken and why, channels left
        out, timestamps mapped onto the LSL clock).
    clock_offset : float
        Seconds added to the stream's own timestamps to put them on the LSL clock
        (0 when they already are).
    """

    name: str
    kind: str  # "lsl" | "brainflow"
    channels: tuple[str, ...]
    sfreq: float
    source_id: str = ""
    units: str = "microvolts"
    montage: str = ""
    montage_note: str = ""
    synthetic: bool = False
    types: tuple[str, ...] = ()
    eeg: tuple[int, ...] | None = None
    scales: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()
    clock_offset: float = 0.0

    @property
    def eeg_rows(self) -> tuple[int, ...]:
        """Rows of the EEG channels (all rows unless :attr:`eeg` says otherwise)."""
        return tuple(range(len(self.channels))) if self.eeg is None else self.eeg

    @property
    def eeg_channels(self) -> tuple[str, ...]:
        """Names of the EEG channels, in stream order."""
        return tuple(self.channels[i] for i in self.eeg_rows)

    def eeg_scales(self) -> tuple[float, ...] | None:
        """Per EEG channel, the factor to microvolts; None: all in :attr:`units`."""
        if not self.scales:
            return None
        return tuple(float(self.scales[i]) for i in self.eeg_rows)

    def all_notes(self) -> tuple[str, ...]:
        """The montage note and the other notes, without empty ones."""
        return tuple(n for n in (self.montage_note, *self.notes) if n)


@dataclass(frozen=True)
class Chunk:
    """Samples from one read.

    Attributes
    ----------
    data : numpy.ndarray, shape (n_channels, n_samples)
        float32 or float64; may contain NaN/Inf from a faulty device (the engine
        checks and repairs them).
    timestamps : numpy.ndarray, shape (n_samples,)
        LSL clock seconds of each sample.
    """

    data: np.ndarray
    timestamps: np.ndarray

    @property
    def n_samples(self) -> int:
        """Number of samples in the chunk."""
        return int(self.data.shape[1])


class Source(ABC):
    """A live EEG source, opened once and read from one acquisition thread."""

    info: SourceInfo

    @abstractmethod
    def open(self, timeout: float = 10.0) -> SourceInfo:
        """Find and open the stream/board; raise :class:`StreamError` with a fix if not found."""

    @abstractmethod
    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Return the samples that arrived since the last call (None if none within
        ``timeout``); raise :class:`SourceLost` when the stream is gone."""

    @abstractmethod
    def reopen(self, timeout: float = 1.0) -> bool:
        """Try once to reconnect after :class:`SourceLost`; True when reading may resume.
        Must raise :class:`StreamError` if the stream came back with another channel
        count or rate."""

    @abstractmethod
    def close(self) -> None:
        """Release the stream/board. Safe to call twice."""

    def __enter__(self) -> Source:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
