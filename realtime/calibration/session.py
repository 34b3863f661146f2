"""Running a calibration session: the blocks, timed, recorded crash-safely, resumable.

The folder's layout is :mod:`eeg_emotion.calibration_files`. Every part records the
raw stream and JSON markers on the stream's clock:
``calibration_start``, ``rest_start``, ``stimulus_start`` (with the stimulus and
its category), ``stimulus_end``, ``rating`` (valence, arousal, dominance on 1-9)
and ``block_end``. A block counts as finished once its rating is recorded; a
killed session keeps its finished blocks and ``--resume`` runs the rest. A block
is run again when the stream dropped out of it: a gap in the timestamps, the stream
lost (the block is cut short and the session waits up to :data:`STREAM_WAIT_S` for
it to come back, then stops with the rated blocks kept), or fewer than
:data:`MIN_SAMPLE_SHARE` of the stimulus period's samples arrived. No block is rated
over a stretch the recording does not hold.
:mod:`eeg_emotion.offline.datasets.calibration_folders` reads the folder as a dataset.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from eeg_emotion.calibration_files import CalibrationFolder
from eeg_emotion.errors import EEGEmotionError, StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.calibration.protocol import Block, check_rating
from eeg_emotion.realtime.engine.acquisition import AcquisitionLoop
from eeg_emotion.realtime.engine.ring_buffer import RingBuffer
from eeg_emotion.realtime.engine.state import GapEvent
from eeg_emotion.realtime.outputs.recording import Recorder
from eeg_emotion.realtime.sources.source import Source

log = logging.getLogger(__name__)

#: raw seconds kept for the signal-quality view
QUALITY_S = 2.0


#: how long a session waits for a lost stream to come back before it stops
STREAM_WAIT_S = 60.0
#: a block is run again when fewer than this share of its stimulus samples arrived
MIN_SAMPLE_SHARE = 0.5


class CalibrationStopped(EEGEmotionError):
    """The user ended the session (Ctrl-C, the window closed, end of the ratings)."""


@dataclass(frozen=True)
class ChannelQuality:
    """How one channel looks over the last seconds (raw signal).

    Attributes
    ----------
    channel : str
    rms_uv : float
        Standard deviation around the channel's mean (its DC offset removed).
    offset_uv : float
        The channel's mean (raw OpenBCI data sit tens of thousands of µV off zero).
    status : {"ok", "flat", "noisy", "railed", "no data"}
    """

    channel: str
    rms_uv: float
    offset_uv: float
    status: str


#: below: a disconnected or shorted electrode; above: movement, a loose electrode
FLAT_UV, NOISY_UV = 0.5, 150.0
#: the Cyton's input range is +-187,500 µV; a channel pinned near it is railed
RAILED_UV = 180_000.0


def channel_quality(channels: tuple[str, ...], data: np.ndarray) -> list[ChannelQuality]:
    """Rate each channel of a raw stretch (channels, n) as ok, flat, noisy or railed."""
    out = []
    for name, x in zip(channels, np.asarray(data, dtype=np.float64), strict=True):
        if x.size < 2:
            out.append(ChannelQuality(name, 0.0, 0.0, "no data"))
            continue
        offset, rms = float(x.mean()), float(x.std())
        status = ("railed" if np.abs(x).max() >= RAILED_UV else "flat" if rms < FLAT_UV
                  else "noisy" if rms > NOISY_UV else "ok")
        out.append(ChannelQuality(name, rms, offset, status))
    return out


class FrontEnd(Protocol):
    """What shows the session to the user (a window, or the terminal)."""

    def show(self, block: Block, phase: str, seconds: float, done: int, total: int) -> None:
        """A phase begins: ``"rest"`` or ``"stimulus"``, lasting ``seconds``."""

    def tick(self, seconds_left: float, quality: list[ChannelQuality]) -> None:
        """Called a few times a second during a phase (countdown, signal quality)."""

    def rate(self, block: Block) -> dict[str, float]:
        """Ask for the block's self-ratings; raise :class:`CalibrationStopped` to end."""

    def message(self, text: str) -> None:
        """Tell the user something (a block repeated, the session done)."""


# -- running ---------------------------------------------------------------------------
class SessionRecorder:
    """The source read into a crash-safe recording (and a small raw buffer for quality).

    Parameters
    ----------
    source : Source
        Opened.
    path : pathlib.Path
        The part's recording folder (created).
    """

    def __init__(self, source: Source, path: Path) -> None:
        self.source = source
        self.info = source.info
        self.recorder = Recorder(path, self.info)
        self.ring = RingBuffer(len(self.info.channels),
                               max(2, int(QUALITY_S * self.info.sfreq)))
        #: the rows the quality view rates: EEG only (a counter or marker channel is no
        #: electrode), picked once
        self._eeg_rows = np.asarray(self.info.eeg_rows, dtype=np.intp)
        self.gaps: list[GapEvent] = []
        self.failure: Exception | None = None
        self._running = threading.Event()
        self._pylsl = import_pylsl()
        self._loop = AcquisitionLoop(
            source, [], self.ring, on_raw=self.recorder.write_samples,
            on_message=lambda text, level: log.log(level, "%s", text),
            on_gap=self.gaps.append, alive=self._alive, on_failure=self._fail)
        self._thread = threading.Thread(target=self._loop.run, name="calibration-recorder",
                                        daemon=True)

    @property
    def connected(self) -> bool:
        """False while the stream is lost (the loop is reconnecting)."""
        return self._loop.connected

    @property
    def samples(self) -> int:
        """Raw samples recorded so far."""
        return self._loop.raw_samples

    def _alive(self) -> bool:
        return self._running.is_set() and self.failure is None

    def _fail(self, exc: Exception) -> None:
        self.failure = exc
        log.error("calibration recording stopped: %s", exc)

    def start(self) -> SessionRecorder:
        """Start reading."""
        self._running.set()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading and close the recording (safe to call twice)."""
        self._running.clear()
        self.ring.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
        self.recorder.close()

    def check(self) -> None:
        """Raise the acquisition's error if it failed."""
        if self.failure is not None:
            exc = self.failure
            raise exc if isinstance(exc, EEGEmotionError) else StreamError(
                f"the stream failed during calibration: {exc}",
                "check the headset, then continue with --resume")

    def marker(self, event: str, **fields: Any) -> float:
        """Write a JSON marker at the stream's clock now; returns its time."""
        t = float(self._pylsl.local_clock())
        self.recorder.write_marker(t, json.dumps({"event": event, **fields}))
        return t

    def quality(self) -> list[ChannelQuality]:
        """Channel quality of the last seconds of raw signal."""
        raw = self.ring.read_last(self.ring.capacity).data
        return channel_quality(self.info.eeg_channels, raw[self._eeg_rows])


def _stopped(rec: SessionRecorder, stop: threading.Event) -> None:
    """Raise the recording's failure, or :class:`CalibrationStopped` when asked to stop."""
    rec.check()
    if stop.is_set():
        raise CalibrationStopped("the calibration was stopped",
                                 "continue it later with --resume")


def _wait(seconds: float, rec: SessionRecorder, frontend: FrontEnd,
          stop: threading.Event, tick_s: float = 0.25) -> bool:
    """Let a phase run for ``seconds``; False as soon as the stream is lost (cut short)."""
    end = time.monotonic() + seconds
    while True:
        _stopped(rec, stop)
        if not rec.connected:
            return False
        left = end - time.monotonic()
        frontend.tick(max(left, 0.0), rec.quality())
        if left <= 0:
            return True
        time.sleep(min(tick_s, left))


def _dropout(rec: SessionRecorder, n_gaps: int, stayed_up: bool, got: int,
             seconds: float) -> str:
    """Why a block's recording cannot be used ("" when it can)."""
    if not stayed_up:
        return "the stream was lost"
    if len(rec.gaps) > n_gaps:
        return "the stream dropped out"
    expected = seconds * rec.info.sfreq
    if got < MIN_SAMPLE_SHARE * expected:
        return f"only {got} of ~{expected:.0f} samples arrived"
    return ""


def _await_stream(rec: SessionRecorder, frontend: FrontEnd, stop: threading.Event,
                  wait_s: float, tick_s: float = 0.25) -> None:
    """Wait until the lost stream is back; raise :class:`StreamError` after ``wait_s``."""
    if rec.connected:
        return
    frontend.message(f"waiting up to {wait_s:.0f} s for stream {rec.info.name!r} to come "
                     "back (check the headset and its streaming program)")
    end = time.monotonic() + wait_s
    while not rec.connected:
        _stopped(rec, stop)
        if time.monotonic() >= end:
            raise StreamError(
                f"stream {rec.info.name!r} was lost during calibration and did not come "
                f"back within {wait_s:.0f} s",
                "check the headset and its streaming program; the rated blocks are kept "
                "and the printed --resume command runs the rest")
        time.sleep(tick_s)
    frontend.message(f"stream {rec.info.name!r} is back")


def run_session(folder: CalibrationFolder, session: int, source: Source, frontend: FrontEnd,
                stop: threading.Event | None = None,
                on_block: Callable[[int], None] | None = None,
                stream_wait_s: float = STREAM_WAIT_S) -> dict[int, dict[str, float]]:
    """Run the unfinished blocks of one session into a new recording part.

    Parameters
    ----------
    folder : CalibrationFolder
    session : int
        The session to run (its finished blocks are skipped).
    source : Source
        Opened; its channels and rate must be the folder's.
    frontend : FrontEnd
        Shows phases and asks for ratings.
    stop : threading.Event | None
        Set it (a signal handler, a closed window) to end after recording what is done.
    on_block : callable | None
        Called with each block's index once it is rated (tests use it).
    stream_wait_s : float
        How long to wait for a lost stream before stopping (the rated blocks kept).

    Returns
    -------
    dict
        Block index -> ratings of every finished block of the session.

    Raises
    ------
    CalibrationStopped
        When the user ended the session (what was rated is kept).
    StreamError
        When the stream does not match the folder, or failed for good.
    """
    stop = stop or threading.Event()
    info = source.info
    plan = folder.plan
    if list(info.channels) != list(plan["channels"]) or abs(info.sfreq - plan["sfreq"]) > 1e-6:
        raise StreamError(
            f"the stream ({len(info.channels)} ch @ {info.sfreq:g} Hz: "
            f"{', '.join(info.channels[:8])}) is not the one this calibration was recorded "
            f"with ({len(plan['channels'])} ch @ {plan['sfreq']:g} Hz: "
            f"{', '.join(plan['channels'][:8])})",
            "connect the same headset with the same --montage, or start a new calibration "
            "with another --out folder")
    blocks = planned_blocks(folder, session)
    done = folder.finished(session)
    todo = [b for b in blocks if b.index not in done]
    if not todo:
        frontend.message(f"session {session} is complete ({len(blocks)} blocks rated)")
        return done
    rec = SessionRecorder(source, folder.new_part(session)).start()
    try:
        rec.marker("calibration_start", session=session, blocks=len(blocks),
                   todo=[b.index for b in todo])
        queue = list(todo)
        while queue:
            block = queue.pop(0)
            n_gaps = len(rec.gaps)
            rec.marker("rest_start", block=block.index, seconds=block.rest_s)
            frontend.show(block, "rest", block.rest_s, len(done), len(blocks))
            up, got, s = _wait(block.rest_s, rec, frontend, stop), 0, block.stimulus
            if up:
                rec.marker("stimulus_start", block=block.index, category=s.category,
                           kind=s.kind, stimulus=s.text if s.kind == "prompt" else s.path,
                           seconds=s.seconds)
                frontend.show(block, "stimulus", s.seconds, len(done), len(blocks))
                first = rec.samples
                up = _wait(s.seconds, rec, frontend, stop)
                got = rec.samples - first
                rec.marker("stimulus_end", block=block.index)
            problem = _dropout(rec, n_gaps, up, got, s.seconds)
            if problem:  # nothing is rated over a stretch the recording lacks
                rec.marker("block_repeat", block=block.index, reason=problem)
                frontend.message(f"{problem} during block {block.index + 1}; it will be "
                                 "run again")
                queue.append(block)
                _await_stream(rec, frontend, stop, stream_wait_s)
                continue
            ratings = check_rating(block.index, frontend.rate(block))
            rec.marker("rating", block=block.index, labels=ratings)
            rec.marker("block_end", block=block.index)
            done[block.index] = ratings
            if on_block is not None:
                on_block(block.index)
        frontend.message(f"session {session} complete: {len(done)} blocks rated")
        return done
    finally:
        rec.stop()


def planned_blocks(folder: CalibrationFolder, session: int) -> list[Block]:
    """The blocks planned for one session of a calibration folder."""
    return [Block.from_dict(b) for b in folder.session_plan(session)]
