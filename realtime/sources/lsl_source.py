"""Live EEG from a Lab Streaming Layer stream.

:class:`LSLSource` finds a stream by name, then by type, then by source id
(``"OpenBCI"`` is an alias for what the OpenBCI GUI and the older OpenBCI_LSL
app publish), reads whole chunks into a preallocated buffer with a blocking
timeout (no busy polling), puts timestamps on the local LSL clock
(``proc_clocksync``), names the channels
(:func:`~eeg_emotion.realtime.sources.channels.label_channels`: ``--montage``, the
description, or OpenBCI's default placement for an unlabelled OpenBCI stream,
with a note saying which was assumed), and raises
:class:`~eeg_emotion.realtime.sources.source.SourceLost` when the outlet disappears or
stays silent. :meth:`LSLSource.reopen` re-resolves the same stream (name and
source id), and refuses one that came back with another channel count or rate.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from eeg_emotion.errors import StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.sources.channels import label_channels
from eeg_emotion.realtime.sources.source import Chunk, Source, SourceInfo, SourceLost

log = logging.getLogger(__name__)

#: Names OpenBCI software gives its EEG streams, most preferred first.
OPENBCI_NAMES = ("obci_eeg1", "OpenBCI_EEG", "obci_eeg2", "obci_eeg3")
OPENBCI_SOURCE_ID = "openbcigui"

_DTYPES = {1: np.float32, 2: np.float64, 4: np.int32, 5: np.int16, 6: np.int8, 7: np.int64}


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


class LSLSource(Source):
    """Read an LSL EEG stream.

    Parameters
    ----------
    stream : str
        Stream name, type or source id; ``"OpenBCI"`` for OpenBCI GUI streams.
    montage : str | None
        Channel labels when the stream does not describe them (``cyton``,
        ``cyton-daisy`` or a comma-separated list); overrides the description.
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
        self.found: list[str] = []  # descriptions of the candidate streams of the last resolve
        self.info = SourceInfo(name=self.stream, kind="lsl", channels=(), sfreq=0.0)

    # -- resolution -------------------------------------------------------------------
    def _predicate(self) -> str:
        if self.stream.lower() == "openbci":
            names = " or ".join(f"name={_quote(n)}" for n in OPENBCI_NAMES)
            return f"{names} or source_id={_quote(OPENBCI_SOURCE_ID)}"
        q = _quote(self.stream)
        return f"name={q} or type={q} or source_id={q}"

    def _rank(self, info) -> tuple[int, str]:
        """Lower is better: name match, then type, then source id."""
        if self.stream.lower() == "openbci":
            order = {n.lower(): i for i, n in enumerate(OPENBCI_NAMES)}
            eeg_first = 0 if info.type().upper() == "EEG" else 1
            return (eeg_first * 10 + order.get(info.name().lower(), len(order)), info.name())
        if info.name() == self.stream:
            return (0, info.name())
        if info.type() == self.stream:
            return (1, info.name())
        return (2, info.name())

    def _resolve(self, timeout: float, predicate: str) -> list:
        # give other matching streams a moment to answer too (OpenBCI GUI has several)
        settle = 1.5 if self.stream.lower() == "openbci" else 0.25
        found = resolve_bounded(self._pylsl, predicate, max(timeout, 0.05), settle)
        return sorted(found, key=self._rank)

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
        chosen = cands[0]
        if len(cands) > 1:
            log.warning("%d streams match %r: %s; using %s", len(cands), self.stream,
                        "; ".join(self.found), self.found[0])
        else:
            log.info("found stream %s", self.found[0])
        self._connect(chosen, timeout)
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
        described = self._labels(full)
        try:
            labels = label_channels(
                described, n_ch, self.montage, full.name(),
                openbci=is_openbci_stream(full.name(), full.type(), full.source_id()),
                sfreq=rate)
        except Exception:
            inlet.close_stream()
            raise
        unit = self._unit(full)
        inlet.open_stream(timeout=max(timeout, 1.0))
        self._inlet = inlet
        self._stream_info = full
        max_samples = max(1, int(np.ceil(self.max_chunk_s * rate)))
        self._buf = np.empty((max_samples, n_ch), dtype=_DTYPES[fmt])
        self._last_data = time.monotonic()
        self.info = SourceInfo(name=full.name(), kind="lsl", channels=labels.names,
                               sfreq=float(rate), source_id=full.source_id(), units=unit,
                               montage=labels.montage, montage_note=labels.note,
                               synthetic=self._synthetic(full))

    @staticmethod
    def _labels(full) -> list[str]:
        labels = []
        ch = full.desc().child("channels").child("channel")
        while not ch.empty():
            labels.append(ch.child_value("label"))
            ch = ch.next_sibling("channel")
        return labels

    @staticmethod
    def _synthetic(full) -> bool:
        """``<acquisition><synthetic>true`` (``eeg-emotion replay`` of synthetic files)."""
        return full.desc().child("acquisition").child_value("synthetic").lower() == "true"

    @staticmethod
    def _unit(full) -> str:
        ch = full.desc().child("channels").child("channel")
        unit = "" if ch.empty() else ch.child_value("unit")
        return unit or "microvolts"

    # -- reading ------------------------------------------------------------------------
    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Pull whatever arrived, waiting up to ``timeout`` s for the first sample.

        Returns
        -------
        Chunk | None
            ``(n_channels, n)`` float data and LSL-clock timestamps, or None.

        Raises
        ------
        SourceLost
            When the outlet is gone or silent for more than ``lost_after`` s.
        """
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
        return Chunk(np.array(data.T, dtype=np.float64 if data.dtype == np.float64
                              else np.float32),
                     np.asarray(stamps, dtype=np.float64))

    def reopen(self, timeout: float = 1.0) -> bool:
        """Try once to find the same stream again (by name and source id).

        Both must match: OpenBCI GUI gives all its streams (EEG, FFT, aux...) the
        same source id, so the source id alone could find another of them.

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
        self._drop_inlet()
        q = f"name={_quote(old.name)}"
        if old.source_id:
            q += f" and source_id={_quote(old.source_id)}"
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
        except StreamError as exc:
            log.warning("reconnect to %r failed: %s", old.name, exc)
            self._drop_inlet()
            return False
        log.info("reconnected to %s", _describe(info))
        return True

    def _drop_inlet(self) -> None:
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
