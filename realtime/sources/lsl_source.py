"""Live EEG from a Lab Streaming Layer stream.

:class:`LSLSource` finds a stream by name, type or source id (``"OpenBCI"`` is an
alias for what the OpenBCI GUI and the older OpenBCI_LSL app publish). When
several match (muselsl's EEG, PPG, ACC and GYRO outlets share name and source id;
the OpenBCI GUI types every slot ``EEG``) it takes the EEG time series: numeric
samples, a regular rate, type EEG in any case, then the best match of the name,
then channels that look like EEG, and says which it took and why. It reads whole
chunks into a preallocated buffer with a blocking timeout (no busy polling), puts
timestamps on the local LSL clock (``proc_clocksync``; a publisher that stamps
with UNIX time, as muselsl does by default, is mapped by
:class:`~eeg_emotion.realtime.sources.clock.StreamClock`), reads each channel's
label (``<label>``, else ``<name>`` as explorepy writes it), type, unit (names or
mne-lsl's powers of ten) and BrainAmp's scaling factor, names the channels
(:func:`~eeg_emotion.realtime.sources.channels.label_channels`: ``--montage``, the
description, OpenBCI's default placement or a known headset's layout, with a note
saying which was assumed) and picks the EEG ones. It raises
:class:`~eeg_emotion.realtime.sources.source.SourceLost` when the outlet disappears
or stays silent. :meth:`LSLSource.reopen` re-resolves the same stream (name, source
id and type), and refuses one that came back with another channel count or rate.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import time
from dataclasses import dataclass

import numpy as np

from eeg_emotion.contract import unit_scale
from eeg_emotion.errors import StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.montages import normalize_name
from eeg_emotion.realtime.sources.channels import ChannelLabels, label_channels
from eeg_emotion.realtime.sources.clock import StreamClock
from eeg_emotion.realtime.sources.source import Chunk, Source, SourceInfo, SourceLost

log = logging.getLogger(__name__)

#: Names OpenBCI software gives its EEG streams, most preferred first.
OPENBCI_NAMES = ("obci_eeg1", "OpenBCI_EEG", "obci_eeg2", "obci_eeg3")
OPENBCI_SOURCE_ID = "openbcigui"

_DTYPES = {1: np.float32, 2: np.float64, 4: np.int32, 5: np.int16, 6: np.int8, 7: np.int64}
#: Seconds to keep listening for an EEG stream when the first matches are not EEG.
SETTLE_FOR_EEG_S = 1.5
#: Seconds ``open`` waits for the first chunk, to tell the stream's clock before it returns.
FIRST_CHUNK_S = 1.0
_TEN_TWENTY = re.compile(r"^(FP|AF|F|FC|FT|C|CP|TP|T|P|PO|O|I|CB|N|A|M)(Z|\d{1,2})$")


def _quote(value: str) -> str:
    if "'" in value:
        raise StreamError(f"stream name {value!r} contains a quote",
                          "name the stream without quotes")
    return f"'{value}'"


def resolve_bounded(pylsl, predicate: str, timeout: float, settle: float = 0.0) -> list:
    """Streams matching an XPath ``predicate``, waiting at most ``timeout`` seconds.

    A background :class:`pylsl.ContinuousResolver` is polled every 50 ms, so the
    wait is bounded (``resolve_bypred`` can block for seconds past its timeout when
    nothing matches). After the first match it keeps listening ``settle`` seconds
    for other matching streams.

    Parameters
    ----------
    pylsl : module
        From :func:`eeg_emotion.lsl.import_pylsl`.
    predicate : str
        e.g. ``"name='obci_eeg1'"``.
    timeout : float
        Seconds to wait for a first match.
    settle : float
        Extra seconds to collect more matches once one is found.

    Returns
    -------
    list of pylsl.StreamInfo
    """
    resolver = pylsl.ContinuousResolver(pred=predicate, forget_after=5.0)
    try:
        start = time.monotonic()
        first = None
        found: list = []
        while True:
            found = resolver.results()
            now = time.monotonic()
            if found and first is None:
                first = now
            if first is not None and now - first >= settle:
                break
            if first is None and now - start >= timeout:
                break
            time.sleep(0.05)
        return list(found)
    finally:
        del resolver


def is_openbci_stream(name: str, stream_type: str, source_id: str) -> bool:
    """Whether a stream is the EEG time series OpenBCI GUI or OpenBCI_LSL publishes.

    Parameters
    ----------
    name, stream_type, source_id : str
        From the stream's description. OpenBCI GUI names its streams
        ``obci_eeg1``..``3`` (the name can be edited in its Networking widget) with
        source id ``openbcigui``; OpenBCI_LSL calls its stream ``OpenBCI_EEG``.
        Only type ``EEG`` counts (the GUI also sends FFT, band power, aux...).

    Returns
    -------
    bool
    """
    known = name.lower() in {n.lower() for n in OPENBCI_NAMES}
    return stream_type.strip().upper() == "EEG" and (
        known or source_id.strip().lower() == OPENBCI_SOURCE_ID.lower())


def _describe(info) -> str:
    return (f"{info.name()!r} (type {info.type()!r}, source id {info.source_id()!r}, "
            f"{info.channel_count()} ch @ {info.nominal_srate():g} Hz)")


@dataclass(frozen=True)
class ChannelDesc:
    """What a stream's ``<channels>`` description says of each channel.

    Attributes
    ----------
    labels, types, units : tuple of str
        Per channel (empty strings where nothing is said). A label is the
        ``<label>`` element, else ``<name>`` (explorepy writes ``<name>``).
    scalings : tuple of str
        BrainAmp's ``<scalingfactor>`` (or ``<scaling_factor>``): microvolts per
        count when the samples are raw counts.
    """

    labels: tuple[str, ...]
    types: tuple[str, ...]
    units: tuple[str, ...]
    scalings: tuple[str, ...]


def read_channel_desc(full) -> ChannelDesc:
    """The ``<channels>`` description of a stream (from ``inlet.info()``).

    Parameters
    ----------
    full : pylsl.StreamInfo
        With its description (a resolver's result has none).

    Returns
    -------
    ChannelDesc
    """
    labels, types, units, scalings = [], [], [], []
    ch = full.desc().child("channels").child("channel")
    while not ch.empty():
        labels.append((ch.child_value("label") or ch.child_value("name")).strip())
        types.append(ch.child_value("type").strip())
        units.append(ch.child_value("unit").strip())
        scalings.append((ch.child_value("scalingfactor")
                         or ch.child_value("scaling_factor")).strip())
        ch = ch.next_sibling("channel")
    return ChannelDesc(tuple(labels), tuple(types), tuple(units), tuple(scalings))


def eeg_likeness(desc: ChannelDesc) -> float:
    """Share of a stream's channels named like 10-20 electrodes or typed EEG (0 to 1)."""
    n = max(len(desc.labels), 1)
    hits = sum(1 for lab, kind in zip(desc.labels, desc.types, strict=True)
               if kind.lower() == "eeg" or _TEN_TWENTY.match(normalize_name(lab)))
    return hits / n


def channel_scales(desc: ChannelDesc, labels: ChannelLabels, stream: str
                   ) -> tuple[tuple[float, ...], str, str]:
    """Per channel, the factor to microvolts; the EEG unit's name; a note on it.

    An EEG channel without a unit is taken as microvolts (OpenBCI GUI declares
    none). A unit eeg-emotion does not know is accepted only with a scaling
    factor (BrainAmp's raw counts, ``INT_16``), which then gives microvolts per
    count. Non-EEG channels get NaN where their unit is not a voltage.

    Raises
    ------
    StreamError
        An EEG channel declares a unit that is not a voltage, without a scaling factor.
    """
    n = len(labels.names)
    units = list(desc.units) + [""] * (n - len(desc.units))
    scalings = list(desc.scalings) + [""] * (n - len(desc.scalings))
    eeg = set(labels.eeg)
    scales: list[float] = []
    notes: list[str] = []
    for i in range(n):
        unit = units[i]
        factor = unit_scale(unit) if unit else 1.0
        if factor is None and scalings[i]:
            try:
                factor = float(scalings[i])
            except ValueError:
                factor = None
            if factor is not None and i in eeg and not notes:
                notes.append(f"stream {stream!r} sends raw counts ({unit}): scaled by its "
                             f"scaling factor ({factor:g} µV per count)")
        if factor is None and i in eeg:
            raise StreamError(
                f"channel {labels.names[i]!r} of stream {stream!r} declares its unit as "
                f"{unit!r}, which is not a voltage unit eeg-emotion knows",
                "publish the EEG in microvolts (or volts, millivolts, nanovolts, or "
                "mne-lsl's powers of ten such as '-6') and say so in the stream's "
                "channel description")
        scales.append(math.nan if factor is None else float(factor))
    eeg_units = sorted({units[i] or "microvolts" for i in labels.eeg})
    return tuple(scales), (eeg_units[0] if len(eeg_units) == 1 else ", ".join(eeg_units)), \
        (notes[0] if notes else "")


class LSLSource(Source):
    """Read an LSL EEG stream.

    Parameters
    ----------
    stream : str
        Stream name, type or source id; ``"OpenBCI"`` for OpenBCI GUI streams.
    montage : str | None
        Channel labels when the stream does not describe them (a known montage
        such as ``cyton`` or ``muse``, or a comma-separated list); overrides the
        description.
    lost_after : float
        Seconds without data after which the stream counts as lost.
    max_chunk_s : float
        Largest chunk pulled at once, in seconds of signal.
    buffer_s : int
        Seconds liblsl buffers on the inlet side while we are busy.
    """

    def __init__(self, stream: str, montage: str | None = None, *, lost_after: float = 2.0,
                 max_chunk_s: float = 1.0, buffer_s: int = 30) -> None:
        if not stream or not stream.strip():
            raise StreamError("no stream name given", "pass --stream NAME (or OpenBCI)")
        self.stream = stream.strip()
        self.montage = montage
        self.lost_after = float(lost_after)
        self.max_chunk_s = float(max_chunk_s)
        self.buffer_s = int(buffer_s)
        self._pylsl = import_pylsl()
        self._lost_error = (getattr(self._pylsl, "LostError", None)
                            or self._pylsl.util.LostError)
        self._inlet = None
        self._buf: np.ndarray | None = None
        self._last_data = 0.0
        self._stream_info = None
        self._clock = StreamClock(self.stream)
        self._pending: Chunk | None = None
        self._choice_note = ""
        self.found: list[str] = []  # descriptions of the candidate streams of the last resolve
        self.info = SourceInfo(name=self.stream, kind="lsl", channels=(), sfreq=0.0)

    # -- resolution -------------------------------------------------------------------
    def _predicate(self) -> str:
        if self.stream.lower() == "openbci":
            names = " or ".join(f"name={_quote(n)}" for n in OPENBCI_NAMES)
            return f"{names} or source_id={_quote(OPENBCI_SOURCE_ID)}"
        q = _quote(self.stream)
        return f"name={q} or type={q} or source_id={q}"

    def _rank(self, info) -> tuple:
        """Lower is better: numeric, regular rate, type EEG, then how the name matches."""
        stype = info.type().strip().lower()
        kind = 0 if stype == "eeg" else (1 if stype in ("exg", "data", "") else 2)
        rate = 0 if info.nominal_srate() > 0 else 1
        numeric = 0 if info.channel_format() in _DTYPES else 1
        if self.stream.lower() == "openbci":
            order = {n.lower(): i for i, n in enumerate(OPENBCI_NAMES)}
            match = order.get(info.name().lower(), len(order))
        elif info.name() == self.stream:
            match = 0
        elif info.type() == self.stream:
            match = 1
        else:
            match = 2
        return (numeric, rate, kind, match)

    def _resolve(self, timeout: float, predicate: str) -> list:
        # give other matching streams a moment to answer too (OpenBCI GUI has several)
        settle = 1.5 if self.stream.lower() == "openbci" else 0.25
        found = resolve_bounded(self._pylsl, predicate, max(timeout, 0.05), settle)
        if found and min(self._rank(i)[:3] for i in found) != (0, 0, 0):
            # no EEG time series among the first answers (muselsl's PPG, ACC and GYRO
            # outlets share its name): listen longer before settling for one of them
            more = resolve_bounded(self._pylsl, predicate, SETTLE_FOR_EEG_S, SETTLE_FOR_EEG_S)
            seen = {i.uid() for i in found}
            found = found + [i for i in more if i.uid() not in seen]
        return sorted(found, key=lambda i: (self._rank(i), i.name()))

    def _likeness(self, info) -> float:
        """How EEG-like a candidate's channels are (opens a short-lived inlet)."""
        inlet = self._pylsl.StreamInlet(info, max_buflen=1, recover=False)
        try:
            return eeg_likeness(read_channel_desc(inlet.info(timeout=1.0)))
        except Exception:  # a candidate that does not answer is simply not preferred
            log.debug("no description from %s", _describe(info), exc_info=True)
            return 0.0
        finally:
            inlet.close_stream()

    def _choose(self, cands: list) -> tuple[object, str]:
        """The EEG time series among the candidates, and why it was taken."""
        best = cands[0]
        if len(cands) == 1:
            return best, ""
        tied = [c for c in cands if self._rank(c) == self._rank(best)]
        why = ""
        if len(tied) > 1:
            scores = {id(c): self._likeness(c) for c in tied}
            scored = sorted(tied, key=lambda c: (-scores[id(c)], c.name()))
            best, first_other = scored[0], scored[1]
            why = ("its channels look most like EEG"
                   if scores[id(best)] > scores[id(first_other)] else "it comes first by name")
        else:
            other = cands[1]
            mine, theirs = self._rank(best), self._rank(other)
            reasons = ("its samples are numeric", "it has a regular rate",
                       f"its type is {best.type()!r}",
                       "its name matches" if self.stream.lower() != "openbci" else
                       "it is OpenBCI's time-series stream")
            why = next(r for r, a, b in zip(reasons, mine, theirs, strict=True) if a != b)
        others = "; ".join(_describe(c) for c in cands if c is not best)
        note = (f"{len(cands)} streams match {self.stream!r}; took {_describe(best)}: {why} "
                f"(also found: {others})")
        return best, note

    def open(self, timeout: float = 10.0) -> SourceInfo:
        """Find the stream and open an inlet.

        Parameters
        ----------
        timeout : float
            Seconds to wait for the stream to appear.

        Returns
        -------
        SourceInfo

        Raises
        ------
        StreamError
            If no stream matches within ``timeout``, its channels cannot be named,
            or its format is not numeric.
        """
        cands = self._resolve(timeout, self._predicate())
        if not cands:
            alias = " (OpenBCI GUI: start the LSL widget with 'Time Series')" \
                if self.stream.lower() == "openbci" else ""
            raise StreamError(
                f"no LSL stream named, typed or with source id {self.stream!r} found within "
                f"{timeout:g} s{alias}",
                "start the stream (e.g. `eeg-emotion replay FILE --name NAME`), list the "
                "streams visible now with `eeg-emotion streams`, or raise --timeout")
        self.found = [_describe(c) for c in cands]
        chosen, self._choice_note = self._choose(cands)
        if self._choice_note:
            log.warning("%s", self._choice_note)
        else:
            log.info("found stream %s", self.found[0])
        self._connect(chosen, timeout)
        self._prefetch(min(float(timeout), FIRST_CHUNK_S))
        return self.info

    def _connect(self, stream_info, timeout: float) -> None:
        pylsl = self._pylsl
        fmt = stream_info.channel_format()
        if fmt not in _DTYPES:
            raise StreamError(f"stream {_describe(stream_info)} carries non-numeric samples",
                              "pick the stream with the EEG time series")
        rate = stream_info.nominal_srate()
        if rate <= 0:
            raise StreamError(f"stream {_describe(stream_info)} has an irregular rate",
                              "use a stream with a nominal sampling rate")
        inlet = pylsl.StreamInlet(stream_info, max_buflen=self.buffer_s, recover=False,
                                  processing_flags=pylsl.proc_clocksync)
        try:
            full = inlet.info(timeout=max(timeout, 1.0))
        except Exception as exc:
            inlet.close_stream()
            raise StreamError(f"stream {_describe(stream_info)} did not answer: {exc}",
                              "check that the publishing program is still running") from exc
        n_ch = full.channel_count()
        desc = read_channel_desc(full)
        try:
            labels = label_channels(
                desc.labels, n_ch, self.montage, full.name(),
                openbci=is_openbci_stream(full.name(), full.type(), full.source_id()),
                sfreq=rate, types=desc.types, stype=full.type(), source_id=full.source_id(),
                manufacturer=full.desc().child_value("manufacturer"))
            scales, unit, unit_note = channel_scales(desc, labels, full.name())
        except Exception:
            inlet.close_stream()
            raise
        inlet.open_stream(timeout=max(timeout, 1.0))
        self._inlet = inlet
        self._stream_info = full
        self._clock = StreamClock(full.name())
        self._pending = None
        max_samples = max(1, int(np.ceil(self.max_chunk_s * rate)))
        self._buf = np.empty((max_samples, n_ch), dtype=_DTYPES[fmt])
        self._last_data = time.monotonic()
        notes = tuple(n for n in (self._choice_note, labels.dropped_note, unit_note) if n)
        self.info = SourceInfo(name=full.name(), kind="lsl", channels=labels.names,
                               sfreq=float(rate), source_id=full.source_id(), units=unit,
                               montage=labels.montage, montage_note=labels.note,
                               types=labels.types,
                               eeg=None if len(labels.eeg) == n_ch else labels.eeg,
                               scales=scales if any(f != 1.0 for f in scales) else (),
                               notes=notes, synthetic=self._synthetic(full))

    @staticmethod
    def _synthetic(full) -> bool:
        """``<acquisition><synthetic>true`` (``eeg-emotion replay`` of synthetic files)."""
        return full.desc().child("acquisition").child_value("synthetic").lower() == "true"

    def _prefetch(self, wait: float) -> None:
        """Read the first chunk now, to know the stream's clock before the info is used."""
        deadline = time.monotonic() + max(wait, 0.0)
        chunk = None
        while chunk is None and time.monotonic() < deadline:
            try:
                chunk = self._pull(min(0.1, max(deadline - time.monotonic(), 0.0)))
            except SourceLost:
                return
        if chunk is None:
            return
        self._pending = chunk
        if self._clock.foreign:
            self.info = dataclasses.replace(
                self.info, notes=(*self.info.notes, self._clock.note),
                clock_offset=self._clock.offset)

    # -- reading ------------------------------------------------------------------------
    def _pull(self, timeout: float) -> Chunk | None:
        if self._inlet is None or self._buf is None:
            raise SourceLost(f"stream {self.stream!r} is not open", "call open() first")
        try:
            data, stamps = self._inlet.pull_chunk(timeout=timeout, max_samples=len(self._buf),
                                                  dest_obj=self._buf, min_samples=1,
                                                  as_numpy=True)
        except self._lost_error as exc:
            raise SourceLost(f"stream {self.info.name!r} was lost: {exc}",
                             "restart the publishing program; the app reconnects") from exc
        now = time.monotonic()
        if len(stamps) == 0:
            if now - self._last_data > self.lost_after:
                raise SourceLost(
                    f"stream {self.info.name!r} sent nothing for {now - self._last_data:.1f} s",
                    "check the headset or the publishing program; the app reconnects")
            return None
        self._last_data = now
        arrival = self._pylsl.local_clock()
        stamps = self._clock.map(np.asarray(stamps, dtype=np.float64), arrival)
        return Chunk(np.array(data.T, dtype=np.float64 if data.dtype == np.float64
                              else np.float32), stamps)

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Pull whatever arrived, waiting up to ``timeout`` s for the first sample.

        Returns
        -------
        Chunk | None
            ``(n_channels, n)`` float data (every channel, as sent) and LSL-clock
            timestamps, or None.

        Raises
        ------
        SourceLost
            When the outlet is gone or silent for more than ``lost_after`` s.
        """
        if self._pending is not None:
            chunk, self._pending = self._pending, None
            return chunk
        return self._pull(timeout)

    @property
    def clock(self) -> StreamClock:
        """The clock mapping of the current connection."""
        return self._clock

    def reopen(self, timeout: float = 1.0) -> bool:
        """Try once to find the same stream again (by name, source id and type).

        All must match: OpenBCI GUI gives all its streams (EEG, FFT, aux...) the
        same source id, and muselsl its EEG, PPG, ACC and GYRO outlets the same
        name and source id.

        Returns
        -------
        bool
            True when reading may resume.

        Raises
        ------
        StreamError
            If the stream came back with another channel count or rate.
        """
        old = self.info
        stype = self._stream_info.type() if self._stream_info is not None else ""
        self._drop_inlet()
        q = f"name={_quote(old.name)}"
        if old.source_id:
            q += f" and source_id={_quote(old.source_id)}"
        if stype:
            q += f" and type={_quote(stype)}"
        found = resolve_bounded(self._pylsl, q, max(timeout, 0.05))
        if not found:
            return False
        info = found[0]
        if info.channel_count() != len(old.channels) or info.nominal_srate() != old.sfreq:
            raise StreamError(
                f"stream {old.name!r} came back with {info.channel_count()} channels @ "
                f"{info.nominal_srate():g} Hz instead of {len(old.channels)} @ {old.sfreq:g} Hz",
                "restart eeg-emotion live for the new stream layout")
        try:
            self._connect(info, timeout)
            self._prefetch(min(timeout, 0.5))
        except StreamError as exc:
            log.warning("reconnect to %r failed: %s", old.name, exc)
            self._drop_inlet()
            return False
        log.info("reconnected to %s", _describe(info))
        return True

    def _drop_inlet(self) -> None:
        self._pending = None
        if self._inlet is not None:
            try:
                self._inlet.close_stream()
            except Exception:
                log.debug("closing a lost inlet failed", exc_info=True)
            self._inlet = None

    def close(self) -> None:
        """Close the inlet (safe to call twice)."""
        self._drop_inlet()
        self._buf = None
