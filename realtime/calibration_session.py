"""Running a calibration session: the blocks, timed, recorded crash-safely, resumable.

A calibration folder::

    calibration.json          the plan of every session, the headset, the settings
    session-1/part-1/         one crash-safe recording (realtime.recording.Recorder)
    session-1/part-2/         ... after --resume (a new part; old files are never touched)
    session-2/part-1/         ... after --add (another day, another session)

Every part records the raw stream and JSON markers on the stream's clock:
``calibration_start``, ``rest_start``, ``stimulus_start`` (with the stimulus and
its category), ``stimulus_end``, ``rating`` (valence, arousal, dominance on 1-9)
and ``block_end``. A block counts as finished once its rating is recorded; a
killed session keeps its finished blocks and ``--resume`` runs the rest. A block
whose stimulus period the stream dropped out of is run again.
:mod:`eeg_emotion.offline.datasets.calibration_folders` reads the folder as a dataset.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

import eeg_emotion
from eeg_emotion.atomic import atomic_write_text
from eeg_emotion.errors import ConfigError, DataFormatError, EEGEmotionError, StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.offline.datasets.calibration_folders import PLAN_FILE, calibrate_command
from eeg_emotion.realtime.acquisition import AcquisitionLoop
from eeg_emotion.realtime.calibration_protocol import Block, check_rating
from eeg_emotion.realtime.recording import Recorder
from eeg_emotion.realtime.ring_buffer import RingBuffer
from eeg_emotion.realtime.source import Source, SourceInfo
from eeg_emotion.realtime.state import GapEvent
from eeg_emotion.recording_files import marker_event, read_recording

log = logging.getLogger(__name__)

FORMAT = "eeg-emotion-calibration"
#: raw seconds kept for the signal-quality view
QUALITY_S = 2.0


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


# -- the folder -------------------------------------------------------------------------
def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CalibrationFolder:
    """The files of one person's calibration (see the module docstring).

    Parameters
    ----------
    root : pathlib.Path
        The folder.
    plan : dict
        The content of ``calibration.json``.
    """

    def __init__(self, root: Path, plan: dict[str, Any]) -> None:
        self.root = Path(root)
        self.plan = plan

    @classmethod
    def create(cls, root: str | Path, info: SourceInfo, blocks: list[Block],
               settings: dict[str, Any], overwrite: bool = False) -> CalibrationFolder:
        """Start a new calibration folder with session 1's plan.

        Raises
        ------
        ConfigError
            If ``root`` already holds anything (nothing is overwritten unless
            ``overwrite``, which only replaces an existing plan file, never recordings).
        """
        root = Path(root).expanduser()
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            if not overwrite or not root.is_dir():
                if (root / PLAN_FILE).is_file():
                    raise ConfigError(
                        f"{root} already exists and holds a calibration",
                        f"continue it with `{calibrate_command(root, '--resume')}` (or "
                        f"--add instead of --resume for another session), or choose a new "
                        f"--out folder")
                raise ConfigError(f"{root} already exists",
                                  "choose a new --out folder (or add --overwrite to write "
                                  "the calibration into it)" if root.is_dir() else
                                  "choose a new --out folder: this one is a file")
            if any(p.name.startswith("session-") for p in root.iterdir()):
                raise ConfigError(f"{root} holds recorded sessions; --overwrite never "
                                  "deletes recordings",
                                  "move the folder away, or choose a new --out folder")
        root.mkdir(parents=True, exist_ok=True)
        plan = {"format": FORMAT, "version": eeg_emotion.__version__, "created": _now(),
                "stream": info.name, "stream_kind": info.kind, "channels": list(info.channels),
                "sfreq": info.sfreq, "units": info.units, "montage": info.montage or "",
                "settings": settings,
                "sessions": [{"session": 1, "created": _now(),
                              "blocks": [b.to_dict() for b in blocks]}]}
        folder = cls(root, plan)
        folder.save()
        return folder

    @classmethod
    def open(cls, root: str | Path) -> CalibrationFolder:
        """Open an existing calibration folder.

        Raises
        ------
        DataFormatError
            If ``root`` has no (readable) ``calibration.json``.
        """
        root = Path(root).expanduser()
        path = root / PLAN_FILE
        if not path.is_file():
            raise DataFormatError(f"{root} is not a calibration folder (no {PLAN_FILE})",
                                  "pass --out the folder an earlier `eeg-emotion calibrate` "
                                  "wrote, or start a new one without --resume/--add")
        try:
            plan = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise DataFormatError(f"{path} is damaged ({exc})",
                                  "restore it from a backup; the recordings are intact") from exc
        if plan.get("format") != FORMAT or not plan.get("sessions"):
            raise DataFormatError(f"{path} is not an eeg-emotion calibration plan",
                                  "pass the folder written by `eeg-emotion calibrate`")
        return cls(root, plan)

    def save(self) -> None:
        """Write ``calibration.json`` atomically."""
        atomic_write_text(self.root / PLAN_FILE, json.dumps(self.plan, indent=1))

    @property
    def sessions(self) -> list[int]:
        """Session numbers, in order."""
        return [int(s["session"]) for s in self.plan["sessions"]]

    def blocks(self, session: int) -> list[Block]:
        """The plan of one session."""
        entry = next(s for s in self.plan["sessions"] if int(s["session"]) == session)
        return [Block.from_dict(b) for b in entry["blocks"]]

    def add_session(self, blocks: list[Block]) -> int:
        """Append a new session's plan; returns its number."""
        number = max(self.sessions) + 1
        self.plan["sessions"].append({"session": number, "created": _now(),
                                      "blocks": [b.to_dict() for b in blocks]})
        self.save()
        return number

    def parts(self, session: int) -> list[Path]:
        """The recordings of one session, in order."""
        folder = self.root / f"session-{session}"
        return sorted((p for p in folder.glob("part-*") if p.is_dir()),
                      key=lambda p: int(p.name.split("-")[1])) if folder.is_dir() else []

    def new_part(self, session: int) -> Path:
        """The folder of the next recording of a session (not created)."""
        parts = self.parts(session)
        n = int(parts[-1].name.split("-")[1]) + 1 if parts else 1
        return self.root / f"session-{session}" / f"part-{n}"

    def finished(self, session: int) -> dict[int, dict[str, float]]:
        """Block index -> ratings of every block of ``session`` that was rated."""
        done: dict[int, dict[str, float]] = {}
        for part in self.parts(session):
            try:
                rec = read_recording(part)
            except DataFormatError as exc:  # a part killed before its meta.json
                log.warning("skipping %s: %s", part, exc.problem)
                continue
            for _, text in rec.markers:
                event = marker_event(text)
                if event.get("event") == "rating" and "block" in event:
                    done[int(event["block"])] = dict(event.get("labels", {}))
        return done


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
        return channel_quality(self.info.channels, self.ring.read_last(self.ring.capacity).data)


def _wait(seconds: float, rec: SessionRecorder, frontend: FrontEnd,
          stop: threading.Event, tick_s: float = 0.25) -> None:
    end = time.monotonic() + seconds
    while True:
        rec.check()
        if stop.is_set():
            raise CalibrationStopped("the calibration was stopped",
                                     "continue it later with --resume")
        left = end - time.monotonic()
        frontend.tick(max(left, 0.0), rec.quality())
        if left <= 0:
            return
        time.sleep(min(tick_s, left))


def run_session(folder: CalibrationFolder, session: int, source: Source, frontend: FrontEnd,
                stop: threading.Event | None = None,
                on_block: Callable[[int], None] | None = None) -> dict[int, dict[str, float]]:
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
    blocks = folder.blocks(session)
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
            _wait(block.rest_s, rec, frontend, stop)
            s = block.stimulus
            rec.marker("stimulus_start", block=block.index, category=s.category,
                       kind=s.kind, stimulus=s.text if s.kind == "prompt" else s.path,
                       seconds=s.seconds)
            frontend.show(block, "stimulus", s.seconds, len(done), len(blocks))
            _wait(s.seconds, rec, frontend, stop)
            rec.marker("stimulus_end", block=block.index)
            if len(rec.gaps) > n_gaps:  # the stream dropped during the block: run it again
                rec.marker("block_repeat", block=block.index, reason="gap in the stream")
                frontend.message(f"the stream dropped during block {block.index + 1}; it "
                                 "will be run again")
                queue.append(block)
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
