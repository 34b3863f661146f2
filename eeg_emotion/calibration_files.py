"""The files of a calibration folder: the one description of their layout.

``eeg-emotion calibrate`` writes, and the ``calibration`` dataset reader
(:mod:`eeg_emotion.offline.datasets.calibration_folders`) reads::

    calibration.json          the plan of every session, the headset, the settings
    session-1/part-1/         one crash-safe recording (eeg_emotion.recording_files)
    session-1/part-2/         ... after --resume (a new part; old files are never touched)
    session-2/part-1/         ... after --add (another day, another session)

A *session* is one sitting (a day) of blocks, as a dataset's recording session is;
every part records the raw stream and JSON markers (``rest_start``,
``stimulus_start``, ``stimulus_end``, ``rating``, ``block_end``...). A block counts
as finished once its ``rating`` marker is recorded.

:class:`CalibrationFolder` reads and writes the plan and finds the parts;
:func:`calibrate_command` prints the command that continues a folder, with the source
options it was recorded with.
"""

from __future__ import annotations

import json
import logging
import shlex
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import eeg_emotion
from eeg_emotion.atomic import atomic_write_text
from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.recording_files import META, is_recording, marker_event, read_recording

log = logging.getLogger(__name__)

FORMAT = "eeg-emotion-calibration"
PLAN_FILE = "calibration.json"


class StreamFacts(Protocol):
    """What the plan records of the headset's stream (a live ``SourceInfo`` has it)."""

    name: str
    kind: str
    channels: Sequence[str]
    sfreq: float
    units: str
    montage: str | None
    synthetic: bool


class PlannedBlock(Protocol):
    """A block of the plan (the calibration protocol's ``Block``)."""

    def to_dict(self) -> dict[str, Any]:
        """The block as JSON-able data."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def calibrate_command(root: str | Path | None, *flags: str,
                      source: Sequence[str] | None = None) -> str:
    """The ``eeg-emotion calibrate`` command for a calibration folder.

    Parameters
    ----------
    root : str | Path | None
        The calibration folder (``--out``); None for a new one in the default place.
    *flags : str
        The mode, e.g. ``"--add"`` or ``"--resume"``.
    source : sequence of str | None
        The source options (``--stream NAME`` ...). None: those the folder was
        recorded with (from its plan; ``--stream`` and the stream's name when the
        plan predates them, ``--stream OpenBCI`` when there is no plan).

    Returns
    -------
    str
        A command line, quoted for a POSIX shell.
    """
    if source is None:
        plan = _read_plan_quietly(Path(root)) if root is not None else {}
        source = list((plan.get("settings") or {}).get("source") or [])
        if not source:
            kind, name = plan.get("stream_kind"), plan.get("stream") or "OpenBCI"
            source = ["--board", name] if kind == "brainflow" else ["--stream", name]
    out = ["--out", str(root)] if root is not None else []
    return shlex.join(["eeg-emotion", "calibrate", *flags, *out, *source])


def more_data_command(root: str | Path) -> str:
    """The command that records more rated blocks for the data in ``root``.

    ``calibrate --add`` on a calibration folder; a new calibration folder beside a
    rated ``live --record`` recording, which ``--add`` cannot extend.
    """
    root = Path(root)
    if (root / PLAN_FILE).is_file():
        return calibrate_command(root, "--add")
    return calibrate_command(root.with_name(root.name + "-calibration"))


def _read_plan_quietly(root: Path) -> dict[str, Any]:
    try:
        plan = json.loads((root / PLAN_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return plan if isinstance(plan, dict) else {}


def recorded_synthetic(root: str | Path) -> bool:
    """Whether a calibration folder (or one rated recording) holds synthetic data.

    The plan says so for a calibration folder; a recording's ``meta.json`` for a
    rated ``live --record`` of a synthetic replay.
    """
    root = Path(root)
    plan = _read_plan_quietly(root)
    if plan:
        return plan.get("synthetic") is True
    for _, part in recording_parts(root):
        try:
            meta = json.loads((part / META).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and meta.get("synthetic") is True:
            return True
    return False


def recording_parts(root: str | Path) -> list[tuple[int, Path]]:
    """(session, recording folder) of every part of a calibration folder, in order.

    A folder that is itself one recording (a rated ``live --record``) is session 1.
    Parts killed before their ``meta.json`` was written are left out.
    """
    root = Path(root)
    if is_recording(root):
        return [(1, root)]
    out = []
    for folder in root.glob("session-*"):
        try:
            session = int(folder.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        out += [(session, part) for part in _parts_of(folder) if is_recording(part)]
    return sorted(out, key=lambda sp: (sp[0], _part_number(sp[1])))


def _part_number(path: Path) -> int:
    try:
        return int(path.name.split("-")[1])
    except (IndexError, ValueError):
        return 0


def _parts_of(session_folder: Path) -> list[Path]:
    if not session_folder.is_dir():
        return []
    return sorted((p for p in session_folder.glob("part-*") if p.is_dir()), key=_part_number)


class CalibrationFolder:
    """One person's calibration folder: the plan, the sessions, their recordings.

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
    def create(cls, root: str | Path, stream: StreamFacts, blocks: Sequence[PlannedBlock],
               settings: Mapping[str, Any], overwrite: bool = False) -> CalibrationFolder:
        """Start a new calibration folder with session 1's plan.

        Parameters
        ----------
        root : str | pathlib.Path
            The folder; created.
        stream : StreamFacts
            The headset's stream (name, kind, channels, rate, units, montage, whether
            it carries synthetic data).
        blocks : sequence of PlannedBlock
            Session 1's blocks.
        settings : mapping
            The session settings (blocks, seconds, stimuli, seed, source options...).
        overwrite : bool
            Replace an existing plan in a folder that holds no recording.

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
                "stream": stream.name, "stream_kind": stream.kind,
                "channels": list(stream.channels), "sfreq": stream.sfreq,
                "units": stream.units, "montage": stream.montage or "",
                "synthetic": bool(stream.synthetic), "settings": dict(settings),
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
        if not isinstance(plan, dict) or plan.get("format") != FORMAT \
                or not plan.get("sessions"):
            raise DataFormatError(f"{path} is not an eeg-emotion calibration plan",
                                  "pass the folder written by `eeg-emotion calibrate`")
        return cls(root, plan)

    def save(self) -> None:
        """Write ``calibration.json`` atomically."""
        atomic_write_text(self.root / PLAN_FILE, json.dumps(self.plan, indent=1))

    @property
    def settings(self) -> dict[str, Any]:
        """The settings the folder was started with."""
        return self.plan.get("settings") or {}

    def update_settings(self, values: Mapping[str, Any]) -> None:
        """Replace some settings and save the plan (``--resume`` / ``--add`` keep what
        they were given, so the next printed command repeats it)."""
        self.plan["settings"] = {**self.settings, **dict(values)}
        self.save()

    @property
    def synthetic(self) -> bool:
        """Whether the stream was synthetic data (a replay of ``eeg-emotion synth``
        files, BrainFlow's synthetic board), as recorded in the plan."""
        return self.plan.get("synthetic") is True

    @property
    def sessions(self) -> list[int]:
        """Session numbers, in order."""
        return [int(s["session"]) for s in self.plan["sessions"]]

    def session_plan(self, session: int) -> list[dict[str, Any]]:
        """The planned blocks of one session, as stored."""
        entry = next(s for s in self.plan["sessions"] if int(s["session"]) == session)
        return list(entry["blocks"])

    def add_session(self, blocks: Sequence[PlannedBlock]) -> int:
        """Append a new session's plan; returns its number."""
        number = max(self.sessions) + 1
        self.plan["sessions"].append({"session": number, "created": _now(),
                                      "blocks": [b.to_dict() for b in blocks]})
        self.save()
        return number

    def parts(self, session: int) -> list[Path]:
        """The recording folders of one session, in order."""
        return _parts_of(self.root / f"session-{session}")

    def new_part(self, session: int) -> Path:
        """The folder of the next recording of a session (not created)."""
        parts = self.parts(session)
        n = _part_number(parts[-1]) + 1 if parts else 1
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
