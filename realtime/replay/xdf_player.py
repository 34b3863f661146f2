"""Republish a LabRecorder XDF file's streams as they were recorded, at real-time pace.

``eeg-emotion replay FILE.xdf`` reads the file (:func:`eeg_emotion.xdf_files.read_xdf`)
and hands its EEG time series and marker streams here. Each becomes an LSL outlet
with its recorded name, type, source id, channel format, rate, channel labels, types
and units (``--name`` renames the EEG stream, and its markers become
``<name>-markers``, the name ``live`` looks for). Samples keep their recorded
spacing: a sample recorded at ``t`` is due at ``t0 + (t - first) / speed`` on the LSL
clock and is stamped with that time, computed from the start and never by
accumulating sleeps, so streams stay aligned with each other and nothing drifts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eeg_emotion.errors import ConfigError, DataFormatError, StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.xdf_files import XdfStream

log = logging.getLogger(__name__)

_FORMATS = {"float32": "cf_float32", "double64": "cf_double64", "int32": "cf_int32",
            "int16": "cf_int16", "int8": "cf_int8", "int64": "cf_int64", "string": "cf_string"}


@dataclass(frozen=True)
class XdfReplayStats:
    """What one :meth:`XdfPlayer.run` sent: samples per stream name, and the start time."""

    samples: dict[str, int]
    t0: float


class XdfPlayer:
    """Publish recorded streams on one drift-free schedule.

    Parameters
    ----------
    streams : sequence of XdfStream
        The EEG stream(s) first, then marker streams.
    name : str | None
        New name of the first (EEG) stream; its marker streams become
        ``<name>-markers``. None keeps the recorded names.
    speed : float
        2 plays twice as fast as recorded.
    loop : bool
        Start again after the end, until stopped.
    chunk_s : float
        Seconds of a numeric stream pushed at once.
    """

    def __init__(self, streams: Sequence[XdfStream], *, name: str | None = None,
                 speed: float = 1.0, loop: bool = False, chunk_s: float = 1 / 32) -> None:
        if not streams:
            raise DataFormatError("the XDF file holds no stream to replay",
                                  "replay a file LabRecorder wrote with an EEG stream")
        if not speed > 0:
            raise ConfigError(f"replay speed {speed!r} must be > 0",
                              "use --speed 1 for real time, 2 for twice as fast")
        self.streams = list(streams)
        self.speed = float(speed)
        self.loop = bool(loop)
        self.chunk_s = float(chunk_s)
        eeg = [s for s in self.streams if not s.is_markers]
        self.names = []
        for s in self.streams:
            if name and eeg and s is eeg[0]:
                self.names.append(name)
            elif name and s.is_markers:
                self.names.append(f"{name}-markers")
            else:
                self.names.append(s.name)
        stamps = [s.timestamps[0] for s in self.streams if len(s.timestamps)]
        if not stamps:
            raise DataFormatError("the XDF file's streams hold no samples",
                                  "replay a recording with data in it")
        self.first = float(min(stamps))
        self.length = float(max(s.timestamps[-1] for s in self.streams if len(s.timestamps))
                            - self.first + 1.0 / max((s.sfreq for s in eeg), default=1.0))
        self._outlets: list = []
        self._stop = threading.Event()
        self.stats: XdfReplayStats | None = None

    @property
    def name(self) -> str:
        """The EEG stream's name as published."""
        return self.names[0]

    def _info(self, pylsl, s: XdfStream, name: str):
        fmt = getattr(pylsl, _FORMATS.get(s.channel_format, "cf_float32"))
        info = pylsl.StreamInfo(name, s.type, len(s.labels), s.sfreq, fmt,
                                s.source_id or f"xdf-replay-{name}")
        if s.manufacturer:
            info.desc().append_child_value("manufacturer", s.manufacturer)
        chans = info.desc().append_child("channels")
        for label, kind, unit in zip(s.labels, s.types, s.units, strict=True):
            ch = chans.append_child("channel")
            for key, value in (("label", label), ("unit", unit), ("type", kind)):
                if value:
                    ch.append_child_value(key, value)
        return info

    def open(self) -> None:
        """Create the outlets (the streams become visible).

        Raises
        ------
        StreamError
            If liblsl cannot create an outlet.
        """
        if self._outlets:
            return
        pylsl = import_pylsl()
        try:
            self._outlets = [pylsl.StreamOutlet(self._info(pylsl, s, n))
                             for s, n in zip(self.streams, self.names, strict=True)]
        except RuntimeError as exc:
            self._outlets = []
            raise StreamError(f"could not create the LSL outlets: {exc}",
                              "check that liblsl works: run `eeg-emotion doctor`") from exc

    def wait_for_consumers(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for an inlet on the EEG stream."""
        self.open()
        return bool(self._outlets[0].wait_for_consumers(max(0.0, timeout)))

    def wait_for_marker_consumers(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s in all for an inlet on each marker stream."""
        self.open()
        pylsl = import_pylsl()
        deadline = pylsl.local_clock() + timeout
        return all(outlet.wait_for_consumers(max(0.0, deadline - pylsl.local_clock()))
                   for s, outlet in zip(self.streams, self._outlets, strict=True)
                   if s.is_markers)

    def _schedule(self) -> list[tuple[float, int, int, int]]:
        """(due, stream, start, stop) of every push, in order of due time (recorded)."""
        items: list[tuple[float, int, int, int]] = []
        for i, s in enumerate(self.streams):
            t = s.timestamps - self.first
            if s.is_markers or s.sfreq <= 0:
                items += [(float(t[k]), i, k, k + 1) for k in range(len(t))]
                continue
            step = max(1, round(self.chunk_s * s.sfreq))
            for a in range(0, len(t), step):
                b = min(len(t), a + step)
                items.append((float(t[b - 1]), i, a, b))
        return sorted(items)

    def run(self, duration: float | None = None) -> XdfReplayStats:
        """Replay in the calling thread until done, stopped or ``duration`` is up."""
        self.open()
        pylsl = import_pylsl()
        schedule = self._schedule()
        sent = dict.fromkeys(self.names, 0)
        t0 = pylsl.local_clock() + 0.05
        lap = 0
        try:
            while not self._stop.is_set():
                shift = lap * self.length
                for due, i, a, b in schedule:
                    when = t0 + (due + shift) / self.speed
                    if duration is not None and (due + shift) / self.speed > duration:
                        return self._done(sent, t0)
                    wait = when - pylsl.local_clock()
                    if wait > 0 and self._stop.wait(wait):
                        return self._done(sent, t0)
                    s = self.streams[i]
                    stamps = t0 + (s.timestamps[a:b] - self.first + shift) / self.speed
                    if s.is_markers:
                        self._outlets[i].push_sample(list(s.data[a]), float(stamps[0]))
                    else:
                        self._outlets[i].push_chunk(np.ascontiguousarray(s.data[:, a:b].T),
                                                    stamps.tolist())
                    sent[self.names[i]] += b - a
                if not self.loop:
                    break
                lap += 1
        finally:
            self.stats = XdfReplayStats(dict(sent), t0)
        return self._done(sent, t0)

    def _done(self, sent: dict[str, int], t0: float) -> XdfReplayStats:
        self.stats = XdfReplayStats(dict(sent), t0)
        log.info("XDF replay sent %s", ", ".join(f"{k}: {v}" for k, v in sent.items()))
        return self.stats

    def request_stop(self) -> None:
        """Ask a running replay to stop (safe from a signal handler)."""
        self._stop.set()

    def close(self, linger: float = 0.0) -> None:
        """Destroy the outlets, after ``linger`` s when someone is subscribed."""
        if linger > 0 and self._outlets and self._outlets[0].have_consumers():
            threading.Event().wait(linger)
        self._outlets = []
