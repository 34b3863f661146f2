"""BrainFlowSource on the synthetic and playback boards (no hardware), and its errors."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion.errors import StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.sources.brainflow_source import BrainFlowSource, import_brainflow
from eeg_emotion.realtime.sources.source import Chunk, SourceLost

bf = import_brainflow()
pylsl = import_pylsl()
SYNTH = bf.BoardIds.SYNTHETIC_BOARD.value


def _read_for(source: BrainFlowSource, seconds: float) -> list[Chunk]:
    chunks, counters = [], []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        chunk = source.read(timeout=0.1)
        if chunk is not None:
            chunks.append(chunk)
            counters.append(source.last_package_numbers.copy())
    return chunks, counters


def test_synthetic_board_reads_each_sample_once_on_the_lsl_clock() -> None:
    source = BrainFlowSource("synthetic")
    try:
        info = source.open()
        chunks, counters = _read_for(source, 1.2)
        after = pylsl.local_clock()
    finally:
        source.close()
    assert info.kind == "brainflow" and info.sfreq == 250.0
    assert info.channels == tuple(bf.BoardShim.get_eeg_names(SYNTH))
    assert len(info.channels) == len(bf.BoardShim.get_eeg_channels(SYNTH))
    assert chunks
    data = np.concatenate([c.data for c in chunks], axis=1)
    stamps = np.concatenate([c.timestamps for c in chunks])
    assert data.shape[0] == len(info.channels)
    assert np.all(np.isfinite(data))
    # Every sample exactly once: the board's package counter has no gap and no repeat.
    pkg = np.concatenate(counters)
    assert pkg.size == stamps.size
    assert np.all(np.diff(pkg) % 256 == 1)
    assert source.samples_lost == 0
    # LSL clock, increasing, about 250 Hz.
    assert np.all(np.diff(stamps) > 0)
    assert 0 <= after - stamps[-1] < 1.0
    rate = (stamps.size - 1) / (stamps[-1] - stamps[0])
    assert 200 < rate < 300
    assert 200 < stamps.size < 400


def test_montage_overrides_board_names_and_must_fit() -> None:
    names = [f"X{i}" for i in range(16)]
    source = BrainFlowSource("synthetic", montage=",".join(names))
    try:
        assert source.open().channels == tuple(names)
    finally:
        source.close()
    with pytest.raises(StreamError, match="8 channels"):
        BrainFlowSource("synthetic", montage="cyton").open()


def _write_playback_file(path: Path, n: int) -> np.ndarray:
    from brainflow.data_filter import DataFilter

    rows = bf.BoardShim.get_num_rows(SYNTH)
    eeg_rows = bf.BoardShim.get_eeg_channels(SYNTH)
    data = np.zeros((rows, n))
    data[bf.BoardShim.get_package_num_channel(SYNTH)] = np.arange(n) % 256
    data[eeg_rows] = np.arange(n)[None, :] + 1000.0 * np.arange(len(eeg_rows))[:, None]
    data[bf.BoardShim.get_timestamp_channel(SYNTH)] = time.time() - 60 + np.arange(n) / 250
    DataFilter.write_file(data, str(path), "w")
    return data[eeg_rows]


def _read_until_lost(source: BrainFlowSource) -> np.ndarray:
    chunks = []
    with pytest.raises(SourceLost, match="sent nothing"):
        for _ in range(1000):
            chunk = source.read(timeout=0.1)
            if chunk is not None:
                chunks.append(chunk.data)
    return np.concatenate(chunks, axis=1)


def test_playback_board_replays_a_brainflow_file_then_reports_lost(tmp_path: Path) -> None:
    path = tmp_path / "session.csv"
    expected = _write_playback_file(path, 150)
    source = BrainFlowSource("playback", file=path, master_board="synthetic", stall_timeout=0.8)
    try:
        info = source.open()
        assert info.sfreq == 250.0 and len(info.channels) == expected.shape[0]
        got = _read_until_lost(source)
        np.testing.assert_array_equal(got, expected)
        assert source.samples_lost == 0
        # reopen prepares the session again: the file plays from the start.
        assert source.reopen()
        np.testing.assert_array_equal(_read_until_lost(source), expected)
    finally:
        source.close()
        source.close()  # twice is safe
    with pytest.raises(SourceLost, match="not open"):
        source.read()


def test_bad_serial_port_fails_fast_with_a_fix() -> None:
    source = BrainFlowSource("cyton", serial_port="/dev/ttyNO_SUCH_PORT", timeout=1)
    with pytest.raises(StreamError, match="serial port") as err:
        source.open()
    assert "/dev/ttyUSB0" in err.value.fix


@pytest.mark.parametrize("kwargs, match", [
    ({"board": "cyton"}, "needs a serial port"),
    ({"board": "muse-9000"}, "unknown board"),
    ({"board": "playback"}, "needs a file"),
    ({"board": "playback", "file": "x.csv", "master_board": "nope"}, "master board"),
])
def test_bad_arguments_raise_stream_error(kwargs: dict, match: str) -> None:
    with pytest.raises(StreamError, match=match):
        BrainFlowSource(**kwargs)


def test_missing_playback_file_raises_stream_error(tmp_path: Path) -> None:
    source = BrainFlowSource("playback", file=tmp_path / "missing.csv")
    with pytest.raises(StreamError, match="does not exist"):
        source.open()
