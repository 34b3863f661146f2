"""Ring buffer: wraparound, last-N reads, cursor reads built on them, concurrency."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from eeg_emotion.errors import ConfigError
from eeg_emotion.realtime.engine.ring_buffer import RingBuffer


def _counter(start: int, n: int, n_ch: int = 3) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(start, start + n)
    return np.vstack([k + 1000 * c for c in range(n_ch)]).astype(np.float32), k * 0.01


def test_wraparound_read_last_matches_stream(rng):
    rb = RingBuffer(3, 50)
    pos = 0
    for _ in range(40):
        n = int(rng.integers(0, 23))
        rb.write(*_counter(pos, n))
        pos += n
        got = rb.read_last(37)
        want = np.arange(max(0, pos - 37), pos)
        np.testing.assert_array_equal(got.data[0], want)
        np.testing.assert_array_equal(got.data[2], want + 2000)
        np.testing.assert_allclose(got.timestamps, want * 0.01)
        assert got.cursor == pos and got.lost == 0
    assert rb.samples_received == pos


def test_read_last_with_end_and_lost():
    rb = RingBuffer(3, 10)
    rb.write(*_counter(0, 25))
    got = rb.read_last(4, end=20)
    np.testing.assert_array_equal(got.data[0], [16, 17, 18, 19])
    old = rb.read_last(8, end=18)  # samples 10..14 overwritten
    assert old.lost == 5
    np.testing.assert_array_equal(old.data[0], [15, 16, 17])


def test_chunk_larger_than_capacity_keeps_newest():
    rb = RingBuffer(3, 8)
    rb.write(*_counter(0, 30))
    assert rb.samples_received == 30
    np.testing.assert_array_equal(rb.read_last(8).data[0], np.arange(22, 30))


def read_since(rb: RingBuffer, cursor: int):
    """Every sample written since absolute index ``cursor`` (a cursor reader)."""
    stop = rb.samples_received
    return rb.read_last(stop - cursor, end=stop)


def test_a_cursor_reader_that_falls_behind_learns_how_much_it_lost():
    rb = RingBuffer(3, 16)
    rb.write(*_counter(0, 10))
    first = read_since(rb, 0)
    np.testing.assert_array_equal(first.data[0], np.arange(10))
    rb.write(*_counter(10, 30))  # reader falls 14 samples behind capacity
    second = read_since(rb, first.cursor)
    assert second.lost == 14
    np.testing.assert_array_equal(second.data[0], np.arange(24, 40))
    assert read_since(rb, second.cursor).data.shape == (3, 0)


def test_concurrent_writer_and_readers_see_every_sample_in_order(rng):
    rb = RingBuffer(3, 64)
    total = 20000
    sizes = rng.integers(1, 40, size=2000)
    seen: list[np.ndarray] = []
    errors: list[str] = []
    lost: list[int] = []
    done = threading.Event()

    def writer() -> None:
        pos = 0
        for n in sizes:
            n = int(min(n, total - pos))
            if n <= 0:
                break
            rb.write(*_counter(pos, n))
            pos += n
            if pos % 7 == 0:
                threading.Event().wait(0.0001)
        done.set()

    def reader() -> None:
        cursor = 0
        while not (done.is_set() and cursor == rb.samples_received):
            rb.wait_for(cursor + 1, timeout=0.05)
            got = read_since(rb, cursor)
            lost.append(got.lost)
            seen.append(got.data[0].copy())
            cursor = got.cursor
            last = rb.read_last(16)
            if last.data.shape[1] and not np.all(np.diff(last.data[0]) == 1):
                errors.append("torn read")

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    written = rb.samples_received
    got = np.concatenate(seen) if seen else np.zeros(0)
    n_lost = sum(lost)
    # every sample either seen once in order or counted as overrun
    assert not [e for e in errors if e == "torn read"]
    assert len(got) + n_lost == written
    assert np.all(np.diff(got) > 0)


def test_bad_shapes_rejected():
    with pytest.raises(ConfigError):
        RingBuffer(0, 10)
    rb = RingBuffer(2, 10)
    with pytest.raises(ValueError, match="expected data"):
        rb.write(np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(ValueError):
        rb.write(np.zeros((2, 4)), np.zeros(3))
