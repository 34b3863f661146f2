"""Preallocated, thread-safe ring buffer of multichannel samples and their timestamps.

The acquisition thread writes whole chunks; readers take the last ``n`` samples
up to a given end (the inference window, the dashboard trace). Every sample gets
an absolute index, counted from the first sample ever written, so a reader knows
exactly which samples it has, and how many it asked for that were already
overwritten (``lost``).

Beside the data the ring keeps, per sample, how many of the samples before it were
*repaired* (NaN/Inf in the stream, held at the last good value): a cumulative count,
so the share of repaired samples in any window is two look-ups and a subtraction
(``ReadResult.repaired``), whatever its length, with no scan of the window.

All copies are vectorised: a write or read that crosses the end of the
storage is two slice assignments, never a per-sample loop.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from eeg_emotion.errors import ConfigError


@dataclass(frozen=True)
class ReadResult:
    """Samples handed to a reader.

    Attributes
    ----------
    data : numpy.ndarray, shape (n_channels, n), float32
        The samples (a copy).
    timestamps : numpy.ndarray, shape (n,), float64
        Timestamp of each sample.
    start : int
        Absolute index of the first sample returned.
    cursor : int
        Absolute index after the last sample returned (pass it to the next call).
    lost : int
        Samples the reader missed because they were overwritten before it read them.
    repaired : float
        Share of the returned samples that were repaired (0 to 1).
    """

    data: np.ndarray
    timestamps: np.ndarray
    start: int
    cursor: int
    lost: int
    repaired: float = 0.0


class RingBuffer:
    """Fixed-size circular store of ``(n_channels, capacity)`` float32 samples.

    Parameters
    ----------
    n_channels : int
        Channels of every chunk.
    capacity : int
        Samples kept; older ones are overwritten.

    Notes
    -----
    One lock guards the storage and the counters; writes and reads hold it only
    for the numpy copies.
    """

    def __init__(self, n_channels: int, capacity: int) -> None:
        if n_channels < 1 or capacity < 1:
            raise ConfigError(
                f"ring buffer needs >= 1 channel and >= 1 sample, got {n_channels} x {capacity}",
                "check the stream's channel count and the history length")
        self.n_channels = int(n_channels)
        self.capacity = int(capacity)
        self._data = np.zeros((self.n_channels, self.capacity), dtype=np.float32)
        self._times = np.zeros(self.capacity, dtype=np.float64)
        # repaired samples before each held sample (cumulative), and in all
        self._repaired_before = np.zeros(self.capacity, dtype=np.int64)
        self._repaired = 0
        self._written = 0  # absolute index of the next sample
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)

    @property
    def samples_received(self) -> int:
        """Samples written since creation (the absolute index of the next one)."""
        with self._lock:
            return self._written


    def write(self, data: np.ndarray, timestamps: np.ndarray,
              repaired: np.ndarray | None = None) -> int:
        """Append a chunk.

        Parameters
        ----------
        data : numpy.ndarray, shape (n_channels, n)
            New samples (cast to float32).
        timestamps : numpy.ndarray, shape (n,)
            Their timestamps.
        repaired : numpy.ndarray of bool, shape (n,) | None
            Which samples were repaired (NaN/Inf held at the last good value); None:
            none was.

        Returns
        -------
        int
            The absolute index after the chunk (``samples_received``).
        """
        data = np.asarray(data)
        times = np.asarray(timestamps, dtype=np.float64)
        if data.ndim != 2 or data.shape[0] != self.n_channels or times.shape != data.shape[1:]:
            raise ValueError(f"expected data ({self.n_channels}, n) and timestamps (n,), "
                             f"got {data.shape} and {times.shape}")
        n = data.shape[1]
        with self._cond:
            if n == 0:
                return self._written
            if n > self.capacity:  # only the newest `capacity` samples can be kept
                skip = n - self.capacity
                data, times = data[:, skip:], times[skip:]
                if repaired is not None:
                    self._repaired += int(np.count_nonzero(repaired[:skip]))
                    repaired = repaired[skip:]
                self._written += skip
                n = self.capacity
            pos = self._written % self.capacity
            first = min(n, self.capacity - pos)
            self._data[:, pos:pos + first] = data[:, :first]
            self._times[pos:pos + first] = times[:first]
            if first < n:
                self._data[:, :n - first] = data[:, first:]
                self._times[:n - first] = times[first:]
            if repaired is None:  # the usual case: one fill of a constant
                self._repaired_before[pos:pos + first] = self._repaired
                if first < n:
                    self._repaired_before[:n - first] = self._repaired
            else:  # repaired samples before each sample of the chunk
                counts = np.cumsum(repaired, dtype=np.int64)
                before = self._repaired + counts - repaired
                self._repaired += int(counts[-1])
                self._repaired_before[pos:pos + first] = before[:first]
                if first < n:
                    self._repaired_before[:n - first] = before[first:]
            self._written += n
            self._cond.notify_all()
            return self._written

    def _repaired_before_index(self, index: int) -> int:
        """Repaired samples before absolute ``index`` (held, or the next to write)."""
        if index >= self._written:
            return self._repaired
        return int(self._repaired_before[index % self.capacity])

    def _copy(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Copy absolute samples ``[start, stop)`` (caller holds the lock, range is kept)."""
        n = stop - start
        pos = start % self.capacity
        first = min(n, self.capacity - pos)
        data = np.empty((self.n_channels, n), dtype=np.float32)
        times = np.empty(n, dtype=np.float64)
        data[:, :first] = self._data[:, pos:pos + first]
        times[:first] = self._times[pos:pos + first]
        if first < n:
            data[:, first:] = self._data[:, :n - first]
            times[first:] = self._times[:n - first]
        return data, times

    def read_last(self, n: int, end: int | None = None) -> ReadResult:
        """Return the ``n`` samples ending at absolute index ``end`` (default: newest).

        Parameters
        ----------
        n : int
            Number of samples wanted; fewer come back when fewer are held.
        end : int | None
            Absolute index after the last sample wanted (e.g. a window boundary).

        Returns
        -------
        ReadResult
            ``lost`` counts wanted samples already overwritten; ``repaired`` is the
            share of the returned samples that were repaired.
        """
        with self._lock:
            stop = self._written if end is None else min(int(end), self._written)
            oldest = max(0, self._written - self.capacity)
            start = max(stop - int(n), 0)
            lost = max(0, oldest - start)
            start = max(start, oldest)
            stop = max(stop, start)
            data, times = self._copy(start, stop)
            repaired = (self._repaired_before_index(stop) - self._repaired_before_index(start)
                        ) / (stop - start) if stop > start else 0.0
        return ReadResult(data, times, start, stop, lost, repaired)


    def wait_for(self, index: int, timeout: float) -> bool:
        """Block until at least ``index`` samples were written, or ``timeout`` s passed.

        Returns
        -------
        bool
            True when the samples are there.
        """
        with self._cond:
            return self._cond.wait_for(lambda: self._written >= index, timeout=timeout)

    def notify(self) -> None:
        """Wake every thread blocked in :meth:`wait_for` (e.g. to stop it)."""
        with self._cond:
            self._cond.notify_all()
