"""The steps a raw chunk goes through before the ring buffer, one object each.

The acquisition loop (:mod:`eeg_emotion.realtime.engine.acquisition`) runs a list of
stages in order, as mne-lsl's ``_acquire`` runs its filters; adding a step is
adding an object. Every stage takes and returns ``(data (channels, n),
timestamps (n,))``, keeps whatever state it needs across chunks, and forgets it
on :meth:`Stage.reset` (after a reconnect or a gap). :func:`build_stages` makes
the standard chain from a stream's description and a model's contract::

    repair NaN/Inf -> pick the model's channels -> units to the model's
    -> resample to the model's rate -> the model's causal band-pass

All stages are vectorised: no per-sample Python loops on the hot path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from eeg_emotion.contract import SignalContract
from eeg_emotion.errors import StreamError
from eeg_emotion.filters import FilterDesign, StreamingFilter
from eeg_emotion.resampler import StreamResampler

log = logging.getLogger(__name__)


class Stage(Protocol):
    """One step of the acquisition chain."""

    name: str

    def process(self, data: np.ndarray, timestamps: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Transform one chunk; may return fewer (or more) samples than it got."""

    def reset(self) -> None:
        """Forget carried state: the next chunk starts a new continuous segment."""


def repair_non_finite(data: np.ndarray, last_good: np.ndarray) -> tuple[np.ndarray, int]:
    """Replace NaN/Inf by the channel's previous finite value (vectorised).

    Parameters
    ----------
    data : numpy.ndarray, shape (n_channels, n)
        A chunk; not modified.
    last_good : numpy.ndarray, shape (n_channels,)
        Last finite value of each channel before this chunk; updated in place.

    Returns
    -------
    repaired : numpy.ndarray
        The chunk with every non-finite value held from the last finite one.
    bad_samples : int
        Samples (time points) with at least one non-finite value.
    """
    finite = np.isfinite(data)
    if finite.all():
        if data.shape[1]:
            last_good[:] = data[:, -1]
        return data, 0
    n_ch, n = data.shape
    ext = np.concatenate([last_good[:, None], np.where(finite, data, 0.0)], axis=1)
    ok = np.concatenate([np.ones((n_ch, 1), dtype=bool), finite], axis=1)
    idx = np.where(ok, np.arange(n + 1)[None, :], 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    filled = np.take_along_axis(ext, idx, axis=1)[:, 1:].astype(data.dtype, copy=False)
    last_good[:] = filled[:, -1]
    return filled, int((~finite).any(axis=0).sum())


class RepairNonFinite:
    """Hold each channel's last finite value over NaN/Inf, so the filter is never poisoned.

    Parameters
    ----------
    n_channels : int
        Channels of the raw stream.
    on_bad : callable
        Called with the number of repaired samples of a chunk (when > 0).
    rows : numpy.ndarray of int | None
        The stream rows the model uses; only their repairs mark a sample as repaired
        in :attr:`repaired` (a broken channel the model does not use costs nothing).
        None: every row.

    Attributes
    ----------
    repaired : numpy.ndarray of bool | None
        Which samples of the last chunk were repaired in a used row; None when none
        was (the usual case costs no array).
    """

    name = "repair"

    def __init__(self, n_channels: int, on_bad: Callable[[int], None],
                 rows: np.ndarray | None = None) -> None:
        self.last_good = np.zeros(int(n_channels))
        self.on_bad = on_bad
        self.rows = None if rows is None else np.asarray(rows, dtype=np.intp)
        self.repaired: np.ndarray | None = None

    def process(self, data: np.ndarray, timestamps: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Repair one chunk (see :func:`repair_non_finite`)."""
        out, bad = repair_non_finite(data, self.last_good)
        self.repaired = None
        if bad:
            self.on_bad(bad)
            used = data if self.rows is None else data[self.rows]
            flags = ~np.isfinite(used).all(axis=0)
            self.repaired = flags if flags.any() else None
        return out, timestamps

    def reset(self) -> None:
        """Nothing to forget: the last good value stays the best guess after a gap."""


class PickChannels:
    """Put the stream's rows into the model's channel order; absent channels are zeros.

    Parameters
    ----------
    index : numpy.ndarray of int
        Stream row of each model channel, -1 where the stream lacks it.
    """

    name = "pick"

    def __init__(self, index: np.ndarray) -> None:
        self.index = np.asarray(index, dtype=np.intp)
        self.present = self.index >= 0
        self._all = bool(self.present.all())
        self._rows = np.maximum(self.index, 0)

    def process(self, data: np.ndarray, timestamps: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Select (and zero-fill) rows."""
        if self._all:
            return data[self.index], timestamps
        out = data[self._rows]
        out[~self.present] = 0.0
        return out, timestamps

    def reset(self) -> None:
        """Stateless."""


class ScaleUnits:
    """Multiply by a constant, or one per channel: a stream in volts (or mV, or raw
    counts with a scaling factor) to the model's microvolts.

    Parameters
    ----------
    factor : float | numpy.ndarray
        One factor, or one per (picked) channel.
    """

    name = "units"

    def __init__(self, factor: float | np.ndarray) -> None:
        arr = np.asarray(factor, dtype=np.float64)
        self.factor: float | np.ndarray = float(arr) if arr.ndim == 0 else arr[:, None]

    def process(self, data: np.ndarray, timestamps: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Scale one chunk."""
        return data * self.factor, timestamps

    def reset(self) -> None:
        """Stateless."""


class Resample:
    """Stateful polyphase resampling to the model's rate (:class:`StreamResampler`)."""

    name = "resample"

    def __init__(self, resampler: StreamResampler) -> None:
        self.resampler = resampler

    def process(self, data: np.ndarray, timestamps: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Resample one chunk; output timestamps are interpolated."""
        return self.resampler.process(data, timestamps)

    def reset(self) -> None:
        """Restart from the next chunk's first sample."""
        self.resampler.reset()


class Filter:
    """The model's causal band-pass, the very filter offline preprocessing ran."""

    name = "filter"

    def __init__(self, design: FilterDesign, n_channels: int) -> None:
        self.filter = StreamingFilter(design, n_channels)

    def process(self, data: np.ndarray, timestamps: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Filter one chunk, continuing the carried state."""
        if data.shape[1] == 0:
            return data, timestamps
        return self.filter.process(data), timestamps

    def reset(self) -> None:
        """Restart at the steady state of the next chunk's first sample."""
        self.filter.reset()


def repaired_at(raw_times: np.ndarray, repaired: np.ndarray | None, times: np.ndarray
                ) -> np.ndarray | None:
    """The repaired flags of a raw chunk carried to the samples the stages made of it.

    Parameters
    ----------
    raw_times : numpy.ndarray, shape (n_raw,)
        Timestamps of the raw chunk.
    repaired : numpy.ndarray of bool, shape (n_raw,) | None
        Its repaired samples (:attr:`RepairNonFinite.repaired`); None when none was.
    times : numpy.ndarray, shape (n,)
        Timestamps of the processed samples (resampled: another count).

    Returns
    -------
    numpy.ndarray of bool, shape (n,) | None
        Each processed sample takes the flag of the raw sample nearest in time
        (vectorised); None when nothing was repaired.
    """
    if repaired is None or not len(times):
        return None
    if len(times) == len(raw_times):
        return repaired
    return np.interp(times, raw_times, repaired.astype(np.float64)) >= 0.5


@dataclass(frozen=True)
class Chain:
    """The standard stages for one stream and model, and what they found out.

    Attributes
    ----------
    stages : list of Stage
        In processing order.
    repair : RepairNonFinite
        The first stage; it says which samples of each chunk were repaired.
    channel_mask : numpy.ndarray of bool | None
        Present model channels, None when the stream has all of them.
    resample_delay_s : float
        Group delay of the resampler's anti-alias filter.
    notes : tuple of str
        Facts worth showing the user (units rescaled, channels masked).
    """

    stages: list[Stage]
    repair: RepairNonFinite
    channel_mask: np.ndarray | None
    resample_delay_s: float
    notes: tuple[str, ...]


def build_stages(stream_channels: Sequence[str], stream_rate: float, stream_units: str,
                 index: np.ndarray, mask: np.ndarray | None, contract: SignalContract,
                 design: FilterDesign, on_bad: Callable[[int], None],
                 scales: Sequence[float] | None = None) -> Chain:
    """The standard chain: repair -> pick -> units -> resample -> filter.

    Parameters
    ----------
    stream_channels : sequence of str
        Labels of the raw stream, in its order.
    stream_rate : float
        Its nominal rate in Hz.
    stream_units : str
        The unit its description declares (OpenBCI GUI declares none: microvolts).
    scales : sequence of float | None
        Per stream channel, the factor to microvolts when the channels differ (or a
        scaling factor applies); None: every channel is in ``stream_units``.
    index, mask : numpy.ndarray
        From :func:`eeg_emotion.realtime.sources.channels.map_to_model`.
    contract : SignalContract
        The model's.
    design : FilterDesign
        ``contract.filter`` (plus an optional notch) designed at ``contract.sfreq``.
    on_bad : callable
        Told how many samples of a chunk had NaN/Inf.

    Returns
    -------
    Chain

    Raises
    ------
    StreamError
        If the stream's units are unknown.
    """
    notes: list[str] = []
    index = np.asarray(index)
    repair = RepairNonFinite(len(stream_channels), on_bad, rows=index[index >= 0])
    stages: list[Stage] = [repair, PickChannels(index)]
    if scales is not None:
        per = np.asarray(scales, dtype=np.float64)[np.maximum(index, 0)]
        per = np.where(index >= 0, per, 1.0) * contract.unit_factor("microvolts")
        factors = np.unique(per)
        if len(factors) == 1:
            factor: float | None = float(factors[0])
        else:
            stages.append(ScaleUnits(per))
            note = (f"the stream's channels are in different units: each rescaled to the "
                    f"model's {contract.units}")
            notes.append(note)
            log.warning("%s", note)
            factor = 1.0
    else:
        factor = contract.unit_factor(stream_units or "microvolts")
    if factor is None:
        raise StreamError(f"the stream declares its unit as {stream_units!r}, which is not a "
                          "voltage unit eeg-emotion knows",
                          "publish the EEG in microvolts (or volts/millivolts) and say so in "
                          "the stream's channel description")
    if factor != 1.0:
        stages.append(ScaleUnits(factor))
        unit = (f"mne-lsl's unit {stream_units!r} (10^{int(stream_units)} V)"
                if stream_units.strip().lstrip("+-").isdigit() else stream_units)
        note = (f"the stream is in {unit}: rescaled by {factor:g} to the model's "
                f"{contract.units}")
        notes.append(note)
        log.warning("%s", note)
    resampler = StreamResampler(stream_rate, contract.sfreq, len(contract.channels))
    if not resampler.identity:
        stages.append(Resample(resampler))
    stages.append(Filter(design, len(contract.channels)))
    if mask is not None:
        absent = [c for c, m in zip(contract.channels, mask, strict=True) if not m]
        notes.append(f"{len(absent)} of the model's {len(contract.channels)} channels are "
                     f"missing from the stream and masked ({', '.join(absent[:8])}"
                     f"{', …' if len(absent) > 8 else ''})")
    return Chain(stages=stages, repair=repair, channel_mask=mask,
                 resample_delay_s=resampler.delay_s, notes=tuple(notes))
