"""Replay recorded EEG as a real-time LSL stream, with ground-truth markers.

:class:`ReplayPlayer` publishes trials (channels x samples) as an LSL stream of
type ``EEG`` (float32) and a companion marker stream ``<name>-markers`` (type
``Markers``, one string channel, irregular rate). Pacing follows a drift-free
schedule: sample ``k`` (counted from the start of the replay) is due at

    t0 + k / (sfreq * speed)

on the LSL clock, computed from the start time and never by accumulating
sleeps. Each chunk carries the explicit timestamp of its schedule, so the
receiver sees samples spaced exactly ``1 / (sfreq * speed)`` apart however late
the sender wakes up. When the sender falls behind it pushes the overdue chunks at
once (with their schedule timestamps) and logs it, so it catches up without
drift.

Markers are JSON strings stamped with the time of the sample they mark:
``trial_start`` (first sample of a trial), ``baseline_end`` (first sample after
the pre-trial baseline, DEAP's first 3 s), ``in_trial`` (every 5 s of a labelled
trial, for programs that subscribe mid-trial) and ``trial_end`` (last sample), e.g.
``{"event": "trial_start", "trial": 3, "labels": {"valence": 7.1}, "dataset": "deap"}``.
Trial numbers are 0-based positions in the file, as ``load_trial_file`` lists them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from eeg_emotion.checks import check_count, check_positive, check_seconds
from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.lsl import import_pylsl

log = logging.getLogger(__name__)

#: Seconds between "fell behind" warnings, so a slow machine does not flood the log.
_BEHIND_LOG_INTERVAL = 5.0
#: Lateness (seconds) past which a chunk counts as "behind schedule".
_BEHIND_THRESHOLD = 0.25


@dataclass(frozen=True)
class ReplayStats:
    """What one :meth:`ReplayPlayer.run` did.

    Attributes
    ----------
    samples : int
        Samples pushed.
    chunks : int
        Chunks pushed.
    markers : int
        Markers pushed.
    trials_started : int
        Trials begun (counting repeats when looping).
    behind_events : int
        Chunks pushed more than a quarter second after they were due.
    max_lateness_s : float
        Largest lateness of a chunk behind its schedule.
    t0 : float
        LSL-clock time of sample 0.
    """

    samples: int
    chunks: int
    markers: int
    trials_started: int
    behind_events: int
    max_lateness_s: float
    t0: float


def replay_source_id(name: str, file: str = "") -> str:
    """Derive a stable LSL source id from the stream name and the replayed file.

    Parameters
    ----------
    name : str
        The stream name.
    file : str
        Path of the replayed file ("" for in-memory data).

    Returns
    -------
    str
        ``"eeg-emotion-replay-<name>-<hash>"``; the same inputs give the same id,
        so inlets recover when the replay is restarted.
    """
    digest = hashlib.sha1(f"{name}\0{file}".encode()).hexdigest()[:12]
    return f"eeg-emotion-replay-{name}-{digest}"


def _check_trials(data: np.ndarray | Sequence[np.ndarray], n_channels: int) -> list[np.ndarray]:
    arrays = [data] if isinstance(data, np.ndarray) and data.ndim == 2 else list(data)
    if not arrays:
        raise ConfigError("nothing to replay: no trials were given",
                          "pass an array (channels, samples) or a list of such arrays")
    out = []
    for i, trial in enumerate(arrays):
        arr = np.asarray(trial)
        if arr.ndim != 2 or arr.shape[0] != n_channels or arr.shape[1] == 0:
            raise ConfigError(
                f"trial {i} has shape {arr.shape}, expected ({n_channels}, n_samples > 0)",
                "give each trial as (channels, samples) with one row per channel name",
            )
        out.append(np.ascontiguousarray(arr, dtype=np.float32))
    return out


def _plain_labels(labels: Mapping[str, object], trial: int) -> dict[str, object]:
    """Labels as plain JSON values (numpy scalars become Python numbers)."""
    out: dict[str, object] = {}
    for key, value in labels.items():
        if isinstance(value, np.generic):
            value = value.item()
        if not isinstance(value, (int, float, str, bool)) or value is None:
            raise ConfigError(f"label {key!r} of trial {trial} is {value!r}, not a number "
                              "or string", "give each trial's labels as {name: number}")
        out[str(key)] = value
    return out


class ReplayPlayer:
    """Publish trials as a paced LSL stream plus a marker stream.

    Parameters
    ----------
    data : numpy.ndarray | sequence of numpy.ndarray
        One array ``(n_channels, n_samples)`` or a list of trials of that shape
        (trial lengths may differ).
    sfreq : float
        Sampling rate of the data in Hz; the stream's nominal rate.
    channels : sequence of str
        Channel labels, one per row.
    name : str
        LSL stream name; the markers go to ``<name>-markers``.
    labels : sequence of mapping | None
        Per-trial ground truth (``{"valence": 7.1, ...}``) carried by the markers.
    trial_numbers : sequence of int | None
        Number of each trial in its file (for the markers); default 0, 1, 2, ...
    chunk_size : int | None
        Samples per pushed chunk; default about 1/32 s (at least 1).
    speed : float
        Replay speed; 2.0 plays twice as fast as recorded.
    loop : bool
        Start again at the first trial after the last one, until stopped.
    baseline_s : float
        Pre-trial baseline at the start of each trial (DEAP: 3 s); a
        ``baseline_end`` marker is sent where it ends. 0 sends none.
    units : str
        Unit of the data written in the channel description.
    dataset : str
        Dataset name written in the description and the markers ("deap", ...).
    source_file : str
        File the data came from, for the description and the source id.
    source_id : str | None
        LSL source id; default derived from ``name`` and ``source_file``.
    channel_types : sequence of str | None
        LSL channel type of each row (``EEG``, ``MISC``, ...); default all ``EEG``.
    label_every_s : float
        Inside a trial, repeat its labels in an ``in_trial`` marker every this many
        seconds of recording, so a program that subscribes mid-trial learns the
        ground truth soon (LSL does not resend earlier markers). 0 sends none.
    synthetic : bool
        The data are synthetic (``eeg-emotion synth`` files): the description says so
        (``<acquisition><synthetic>true``), and whatever is trained on a recording of
        the stream is marked synthetic.

    Raises
    ------
    ConfigError
        For a non-positive rate, speed or chunk size, or data that do not match
        the channels or labels.
    """

    def __init__(self, data: np.ndarray | Sequence[np.ndarray], sfreq: float,
                 channels: Sequence[str], name: str, *,
                 labels: Sequence[Mapping[str, float]] | None = None,
                 trial_numbers: Sequence[int] | None = None,
                 chunk_size: int | None = None, speed: float = 1.0, loop: bool = False,
                 baseline_s: float = 0.0, units: str = "microvolts", dataset: str = "",
                 source_file: str = "", source_id: str | None = None,
                 channel_types: Sequence[str] | None = None,
                 label_every_s: float = 5.0, synthetic: bool = False) -> None:
        if not np.isfinite(sfreq) or sfreq <= 0:
            raise ConfigError(f"sampling rate {sfreq!r} Hz is not positive",
                              "give the data's sampling rate in Hz, e.g. 128")
        check_positive("--speed", speed, "1 (real time) or 2 (twice as fast)")
        check_count("--chunk-size", chunk_size, 8)
        if not name:
            raise ConfigError("the replay stream needs a name", "pass --name, e.g. --name replay")
        self.channels = tuple(str(c) for c in channels)
        self.trials = _check_trials(data, len(self.channels))
        self.channel_types = (tuple(channel_types) if channel_types is not None
                              else ("EEG",) * len(self.channels))
        if len(self.channel_types) != len(self.channels):
            raise ConfigError(f"{len(self.channel_types)} channel types given for "
                              f"{len(self.channels)} channels", "give one type per channel")
        if labels is not None and len(labels) != len(self.trials):
            raise ConfigError(f"{len(labels)} label sets given for {len(self.trials)} trials",
                              "give one label mapping per trial")
        if trial_numbers is not None and len(trial_numbers) != len(self.trials):
            raise ConfigError(f"{len(trial_numbers)} trial numbers given for "
                              f"{len(self.trials)} trials", "give one number per trial")
        self.labels = [_plain_labels(lab, i) for i, lab in enumerate(labels)] \
            if labels is not None else [{} for _ in self.trials]
        self.trial_numbers = ([int(t) for t in trial_numbers] if trial_numbers is not None
                              else list(range(len(self.trials))))
        self.sfreq = float(sfreq)
        self.name = name
        self.speed = float(speed)
        self.loop = bool(loop)
        self.chunk_size = int(chunk_size) if chunk_size else max(1, round(self.sfreq / 32))
        self.baseline_samples = max(0, round(baseline_s * self.sfreq))
        if not np.isfinite(label_every_s) or label_every_s < 0:
            raise ConfigError(f"label interval {label_every_s!r} s must be >= 0",
                              "use e.g. 5 (seconds), or 0 for no in-trial label markers")
        self.label_every = round(label_every_s * self.sfreq)
        self.units = units
        self.dataset = dataset
        self.source_file = source_file
        self.synthetic = bool(synthetic)
        self.source_id = source_id or replay_source_id(name, source_file)
        self._pylsl: ModuleType | None = None
        self._outlet = None
        self._marker_outlet = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.stats: ReplayStats | None = None

    # -- outlets ---------------------------------------------------------------------------

    def _stream_info(self, pylsl: ModuleType):
        info = pylsl.StreamInfo(self.name, "EEG", len(self.channels), self.sfreq,
                                pylsl.cf_float32, self.source_id)
        chans = info.desc().append_child("channels")
        for label, kind in zip(self.channels, self.channel_types, strict=True):
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", self.units)
            ch.append_child_value("type", kind)
        acq = info.desc().append_child("acquisition")
        acq.append_child_value("manufacturer", "eeg-emotion replay")
        acq.append_child_value("dataset", self.dataset)
        acq.append_child_value("file", self.source_file)
        acq.append_child_value("speed", repr(self.speed))
        if self.synthetic:
            acq.append_child_value("synthetic", "true")
        return info

    def open(self) -> None:
        """Create the data and marker outlets (makes both streams discoverable).

        Called by :meth:`run`/:meth:`start` if needed; call it first to connect
        inlets before any sample is sent.

        Raises
        ------
        StreamError
            If liblsl cannot create an outlet.
        """
        if self._outlet is not None:
            return
        pylsl = import_pylsl()
        self._pylsl = pylsl
        try:
            self._outlet = pylsl.StreamOutlet(self._stream_info(pylsl),
                                              max_buffered=max(10, int(60 / self.speed)))
            minfo = pylsl.StreamInfo(f"{self.name}-markers", "Markers", 1,
                                     pylsl.IRREGULAR_RATE, pylsl.cf_string,
                                     f"{self.source_id}-markers")
            minfo.desc().append_child("acquisition").append_child_value("data_stream", self.name)
            self._marker_outlet = pylsl.StreamOutlet(minfo)
        except RuntimeError as exc:
            self._outlet = self._marker_outlet = None
            raise StreamError(f"could not create the LSL outlet {self.name!r}: {exc}",
                              "check that liblsl works: run `eeg-emotion doctor`") from exc
        log.info("replay %r: %d channels at %g Hz (x%g), source id %s", self.name,
                 len(self.channels), self.sfreq, self.speed, self.source_id)

    def wait_for_consumers(self, timeout: float, markers: bool = True) -> bool:
        """Wait until an inlet subscribes to the data (and marker) stream.

        Parameters
        ----------
        timeout : float
            Seconds to wait in all.
        markers : bool
            Also wait for a subscriber of the marker stream.

        Returns
        -------
        bool
            True if the consumers came within ``timeout``.
        """
        self.open()
        pylsl = self._pylsl
        deadline = pylsl.local_clock() + timeout
        # in slices, so that a stop request (Ctrl-C, SIGTERM) ends the wait at once
        while not self._outlet.wait_for_consumers(
                min(0.1, max(0.0, deadline - pylsl.local_clock()))):
            if self._stop.is_set() or pylsl.local_clock() >= deadline:
                return False
        if markers:
            return self.wait_for_marker_consumer(deadline - pylsl.local_clock())
        return True

    def wait_for_marker_consumer(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for an inlet on the marker stream.

        Returns
        -------
        bool
            True if the marker stream has a subscriber.
        """
        self.open()
        return bool(self._marker_outlet.wait_for_consumers(max(0.0, timeout)))

    def close(self, linger: float = 0.0) -> None:
        """Destroy both outlets (inlets see the streams end). Safe to call twice.

        Parameters
        ----------
        linger : float
            Seconds to keep the outlets after the last push when someone is
            subscribed, so the last chunk and marker reach them before the
            connection closes.
        """
        if linger > 0 and self._outlet is not None and self._outlet.have_consumers():
            threading.Event().wait(linger)
        # Dropping the last reference destroys the liblsl outlet.
        self._outlet = None
        self._marker_outlet = None

    # -- schedule ---------------------------------------------------------------------------

    def _playlist(self) -> Iterator[int]:
        while True:
            yield from range(len(self.trials))
            if not self.loop:
                return

    def _segments(self, n: int) -> np.ndarray:
        """Chunk boundaries inside one trial: the regular grid plus the baseline end."""
        bounds = set(range(0, n, self.chunk_size))
        if 0 < self.baseline_samples < n:
            bounds.add(self.baseline_samples)
        if self.label_every > 0:
            bounds.update(range(self.label_every, n, self.label_every))
        bounds.add(n)
        return np.array(sorted(bounds), dtype=np.int64)

    def _marker(self, event: str, trial: int, stamp: float) -> None:
        text = json.dumps({"event": event, "trial": self.trial_numbers[trial],
                           "labels": self.labels[trial], "dataset": self.dataset})
        self._marker_outlet.push_sample([text], stamp)

    def run(self, duration: float | None = None) -> ReplayStats:
        """Replay in the calling thread until done, stopped or ``duration`` is up.

        Parameters
        ----------
        duration : float | None
            Stop after the samples due in the first ``duration`` seconds (wall
            time) are sent; None plays all trials (forever with ``loop``).

        Returns
        -------
        ReplayStats
        """
        check_seconds("--duration", duration, 10, leave_out="to play everything")
        self.open()
        pylsl = self._pylsl
        rate = self.sfreq * self.speed
        max_samples = None if duration is None else max(1, int(np.floor(duration * rate)))
        explicit_each = self.speed != 1.0
        k = 0  # samples sent so far = schedule index of the next sample
        chunks = markers = started = behind = 0
        max_late = 0.0
        last_behind_log = -np.inf
        t0 = pylsl.local_clock() + 0.05  # a little lead so sample 0 is not already late
        try:
            for ti in self._playlist():
                trial = self.trials[ti]
                bounds = self._segments(trial.shape[1])
                if max_samples is not None and k >= max_samples:
                    break
                started += 1
                for a, b in itertools.pairwise(bounds.tolist()):
                    if max_samples is not None:
                        b = min(b, a + max_samples - k)
                        if b <= a:
                            break
                    first, last = k, k + (b - a) - 1
                    due = t0 + last / rate
                    wait = due - pylsl.local_clock()
                    if wait > 0 and self._stop.wait(wait):
                        break
                    if self._stop.is_set():
                        break
                    late = pylsl.local_clock() - due
                    max_late = max(max_late, late)
                    if late > _BEHIND_THRESHOLD:
                        behind += 1
                        now = pylsl.local_clock()
                        if now - last_behind_log > _BEHIND_LOG_INTERVAL:
                            log.warning("replay %r is %.2f s behind schedule; catching up",
                                        self.name, late)
                            last_behind_log = now
                    if a == 0:
                        self._marker("trial_start", ti, t0 + first / rate)
                        markers += 1
                    if a == self.baseline_samples and a > 0:
                        self._marker("baseline_end", ti, t0 + first / rate)
                        markers += 1
                    elif a > 0 and self.label_every > 0 and a % self.label_every == 0 \
                            and self.labels[ti]:
                        self._marker("in_trial", ti, t0 + first / rate)
                        markers += 1
                    block = trial[:, a:b].T
                    if explicit_each:
                        self._outlet.push_chunk(block, list(t0 + np.arange(first, last + 1) / rate))
                    else:
                        self._outlet.push_chunk(block, t0 + last / rate)
                    chunks += 1
                    k = last + 1
                    if b == trial.shape[1]:
                        self._marker("trial_end", ti, t0 + last / rate)
                        markers += 1
                if self._stop.is_set():
                    break
        finally:
            self.stats = ReplayStats(samples=k, chunks=chunks, markers=markers,
                                     trials_started=started, behind_events=behind,
                                     max_lateness_s=max(0.0, max_late), t0=t0)
        if behind:
            log.warning("replay %r fell behind %d times (at most %.2f s)", self.name, behind,
                        max_late)
        log.info("replay %r sent %d samples in %d chunks, %d markers", self.name, k, chunks,
                 markers)
        return self.stats

    # -- thread -----------------------------------------------------------------------------

    def start(self, duration: float | None = None) -> None:
        """Run the replay in a background thread (see :meth:`run`)."""
        if self._thread is not None and self._thread.is_alive():
            raise StreamError(f"replay {self.name!r} is already running",
                              "call stop() before starting it again")
        self.open()
        self._stop.clear()
        self._error = None

        def target() -> None:
            try:
                self.run(duration)
            except BaseException as exc:  # reported by stop()/join()
                log.exception("replay %r failed", self.name)
                self._error = exc

        self._thread = threading.Thread(target=target, name=f"replay-{self.name}", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the background replay to finish; True if it has.

        Raises
        ------
        Exception
            Whatever made the replay thread fail.
        """
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return False
        if self._error is not None:
            raise self._error
        return True

    @property
    def running(self) -> bool:
        """True while the background thread is replaying."""
        return self._thread is not None and self._thread.is_alive()

    def request_stop(self) -> None:
        """Ask a running replay to stop after the current chunk (safe from a signal handler)."""
        self._stop.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the replay, wait for its thread and destroy the outlets."""
        self._stop.set()
        try:
            if self._thread is not None:
                self._thread.join(timeout)
        finally:
            self.close()

    def __enter__(self) -> ReplayPlayer:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
