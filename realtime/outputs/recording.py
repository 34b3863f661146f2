"""Crash-safe recording of a live run: raw samples, markers and estimates.

The folder's layout is described (and read back) in
:mod:`eeg_emotion.recording_files`. Every write goes straight to the operating
system (unbuffered), so a crash or ``kill -9`` of the process loses nothing
already written; a background thread ``fsync``-s the files at least once a
second, so even a power cut loses at most the last second.
:func:`~eeg_emotion.recording_files.read_recording` tolerates a torn last record
(a sample block or a JSON line cut by the kill).
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from pathlib import Path

import numpy as np

from eeg_emotion.atomic import atomic_write_text
from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.engine.state import Estimate
from eeg_emotion.realtime.sources.source import Chunk, SourceInfo
from eeg_emotion.recording_files import (
    ESTIMATES,
    FORMAT,
    MARKERS,
    META,
    SAMPLES,
    TIMESTAMPS,
    VERSION,
)

log = logging.getLogger(__name__)



def _lsl_clock() -> float | None:
    """``pylsl.local_clock()`` now, to map recorded timestamps to wall time (None if no LSL)."""
    try:
        return float(import_pylsl().local_clock())
    except StreamError:
        return None


class Recorder:
    """Write a live stream to a recording folder while it runs.

    Thread-safe: the acquisition thread writes samples and markers while the
    inference thread writes estimates.

    Parameters
    ----------
    path : str | pathlib.Path
        Folder to create (it must not exist, or be empty).
    info : SourceInfo
        The stream being recorded (channels, rate, units).
    sync_interval : float
        Seconds between ``fsync`` calls (at most 1).

    Raises
    ------
    ConfigError
        If ``path`` is a file or a folder that is not empty.
    """

    def __init__(self, path: str | Path, info: SourceInfo, sync_interval: float = 0.5) -> None:
        self.path = Path(path).expanduser()
        if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise ConfigError(f"cannot record to {self.path}: it already exists",
                              "choose a new folder name, e.g. --record session2.rec")
        if not info.channels or info.sfreq <= 0:
            raise ConfigError(f"cannot record stream {info.name!r}: it has "
                              f"{len(info.channels)} channels at {info.sfreq} Hz",
                              "open the source before starting the recording")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create recording folder {self.path}: {exc}",
                              "check the path and that you may write there") from exc
        self.info = info
        self.n_channels = len(info.channels)
        self.n_samples = 0
        meta = {"format": FORMAT, "version": VERSION, "name": info.name, "kind": info.kind,
                "channels": list(info.channels), "sfreq": info.sfreq,
                "source_id": info.source_id, "units": info.units,
                "synthetic": info.synthetic,
                "sample_dtype": "<f4", "timestamp_dtype": "<f8", "layout": "sample-major",
                "created_unix": time.time(), "created_lsl_clock": _lsl_clock(),
                # every channel is recorded; these say which are EEG and in what unit
                "eeg": list(info.eeg_rows), "channel_types": list(info.types),
                "channel_scales": [None if math.isnan(f) else f for f in info.scales],
                # timestamps are on the LSL clock; a stream stamped with another clock
                # (muselsl's UNIX time) was mapped by this offset
                "clock": {"lsl_clock": True, "offset_s": info.clock_offset}}
        atomic_write_text(self.path / META, json.dumps(meta, indent=1))
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        self._fds = {name: os.open(self.path / name, flags, 0o644)
                     for name in (SAMPLES, TIMESTAMPS, MARKERS, ESTIMATES)}
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._dirty = False
        self._closed = threading.Event()
        self._sync_interval = min(1.0, max(0.05, float(sync_interval)))
        self._syncer = threading.Thread(target=self._sync_loop, name="recorder-fsync",
                                        daemon=True)
        self._syncer.start()
        log.info("recording %s to %s", info.name, self.path)

    # -- writing ----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed.is_set():
            raise StreamError(f"recording {self.path} is closed",
                              "start a new recording to write more")

    def _append(self, name: str, payload: bytes) -> None:
        """Write all of ``payload`` to one file (caller holds the lock)."""
        view = memoryview(payload)
        while view:
            view = view[os.write(self._fds[name], view):]

    def _write(self, name: str, payload: bytes) -> None:
        with self._lock:
            self._check_open()
            self._append(name, payload)
            self._dirty = True

    def write_samples(self, chunk: Chunk) -> None:
        """Append a chunk of raw samples and their timestamps.

        Parameters
        ----------
        chunk : Chunk
            ``data`` (n_channels, n) and ``timestamps`` (n,).

        Raises
        ------
        StreamError
            If the chunk's channel count differs from the recording's.
        """
        data = np.asarray(chunk.data)
        if data.ndim != 2 or data.shape[0] != self.n_channels:
            raise StreamError(f"chunk of shape {data.shape} does not fit recording "
                              f"{self.path} ({self.n_channels} channels)",
                              "record the stream the recording was started for")
        n = data.shape[1]
        if n == 0:
            return
        samples = np.ascontiguousarray(data.T, dtype="<f4").tobytes()
        stamps = np.ascontiguousarray(chunk.timestamps, dtype="<f8").tobytes()
        with self._lock:  # both files of one chunk under one lock: readers see them paired
            self._check_open()
            self._append(TIMESTAMPS, stamps)
            self._append(SAMPLES, samples)
            self.n_samples += n
            self._dirty = True

    def write_marker(self, timestamp: float, text: str) -> None:
        """Append a marker (e.g. a replay's JSON trial marker) at an LSL-clock time."""
        line = json.dumps({"time": float(timestamp), "text": str(text)}) + "\n"
        self._write(MARKERS, line.encode())

    def write_estimate(self, estimate: Estimate) -> None:
        """Append one model estimate (its ``to_json_dict()`` form)."""
        self._write(ESTIMATES, (json.dumps(estimate.to_json_dict()) + "\n").encode())

    # -- durability -------------------------------------------------------------------------

    def sync(self) -> None:
        """Force everything written so far onto the disk (``fsync``).

        Runs under its own lock, so writers never wait for the disk.
        """
        with self._sync_lock:
            if self._closed.is_set() or not self._dirty:
                return
            self._dirty = False
            for fd in self._fds.values():
                try:
                    os.fsync(fd)
                except OSError as exc:  # a filesystem without fsync
                    log.debug("fsync failed: %s", exc)

    def _sync_loop(self) -> None:
        while not self._closed.wait(self._sync_interval):
            self.sync()

    def close(self) -> None:
        """Sync and close the files. Safe to call twice."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
        with self._sync_lock:
            for fd in self._fds.values():
                try:
                    os.fsync(fd)
                except OSError as exc:
                    log.debug("fsync failed: %s", exc)
                os.close(fd)
        self._syncer.join(2.0)
        log.info("recording %s closed: %d samples", self.path, self.n_samples)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed.is_set()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RecordingSwitch:
    """A :class:`Recorder` that can be started and stopped while other threads write.

    The acquisition thread writes samples and markers, the inference thread
    estimates, the dashboard starts and stops recording: this class owns the one
    lock that makes those safe together. Writes while not recording are no-ops.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recorder: Recorder | None = None

    @property
    def path(self) -> str | None:
        """Folder being recorded to, or None."""
        rec = self._recorder
        return str(rec.path) if rec is not None else None

    def start(self, path: str | Path, info: SourceInfo) -> None:
        """Close any current recording and start one at ``path`` (see :class:`Recorder`)."""
        new = Recorder(path, info)
        with self._lock:
            old, self._recorder = self._recorder, new
        if old is not None:
            old.close()

    def stop(self) -> None:
        """Close the current recording (no-op if none)."""
        with self._lock:
            rec, self._recorder = self._recorder, None
        if rec is not None:
            rec.close()

    def write_samples(self, chunk: Chunk) -> None:
        """Append raw samples if recording."""
        if self._recorder is None:
            return
        with self._lock:
            if self._recorder is not None:
                self._recorder.write_samples(chunk)

    def write_marker(self, timestamp: float, text: str) -> None:
        """Append a marker if recording."""
        if self._recorder is None:
            return
        with self._lock:
            if self._recorder is not None:
                self._recorder.write_marker(timestamp, text)

    def write_estimate(self, estimate: Estimate) -> None:
        """Append an estimate if recording."""
        if self._recorder is None:
            return
        with self._lock:
            if self._recorder is not None:
                self._recorder.write_estimate(estimate)
