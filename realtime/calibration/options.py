"""``eeg-emotion calibrate``'s options, typed (the command builds them from its line).

A calibration folder remembers how it was recorded: :meth:`CalibrateOptions.settings`
is what its plan stores, and ``--resume`` / ``--add`` take every option the user did
not give again from there (:meth:`CalibrateOptions.continuing`), so the command
printed after an interrupted session (``calibrate --resume --out DIR --stream S``)
runs as printed: headless again when the session was, with the same ratings file,
models folder, device and threads.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eeg_emotion.calibration_files import calibrate_command
from eeg_emotion.checks import check_count, check_seconds
from eeg_emotion.errors import ConfigError
from eeg_emotion.realtime.calibration.protocol import (
    DEFAULT_BLOCKS,
    DEFAULT_REST_S,
    DEFAULT_STIMULUS_S,
)
from eeg_emotion.realtime.options import SourceOptions
from eeg_emotion.threads import check_threads

#: options a calibration folder's plan keeps for ``--resume`` / ``--add``
#: (``ratings`` only for ``--resume``: a new session is rated anew)
REMEMBERED = ("headless", "ratings", "models_dir", "device", "threads", "no_train")


def _absolute(path: Path | None) -> str:
    return str(Path(path).expanduser().resolve()) if path is not None else ""


@dataclass(frozen=True)
class CalibrateOptions:
    """What ``eeg-emotion calibrate`` was asked to do.

    Options a user can leave out on ``--resume`` / ``--add`` are ``None`` when not
    given (:data:`REMEMBERED`); :meth:`continuing` fills them from the folder's plan,
    and :meth:`resolved` with the defaults.

    Attributes
    ----------
    source : SourceOptions
        The headset's stream or board.
    out : pathlib.Path | None
        The calibration folder (None: ``calibration-<date-time>`` here).
    resume, add : bool
        Continue the last session of ``out``; record another session into it.
    train : pathlib.Path | None
        Only train the personal model from this calibration folder.
    headless : bool | None
        Prompts on the terminal instead of the window.
    ratings : pathlib.Path | None
        Headless: a CSV of ratings per block.
    stimuli : pathlib.Path | None
        A folder of the user's own stimuli (None: the built-in prompts).
    blocks : int | None
        Blocks per session (None: the default, or one per stimulus).
    stimulus_s, rest_s : float
        Seconds of each stimulus and of the rest before it.
    seed : int | None
        Seed of the block order (None: from the time).
    no_train : bool | None
        Record only.
    models_dir : pathlib.Path | None
        Where the personal model goes (None: the cache's ``models/``).
    device : str | None
        Where the personal model trains (None: ``auto``).
    threads : int | None
        Torch CPU threads for training (None: the training policy of
        :mod:`eeg_emotion.threads`).
    overwrite : bool
        Start over in an ``out`` folder that holds a plan but no recording.
    """

    source: SourceOptions = field(default_factory=SourceOptions)
    out: Path | None = None
    resume: bool = False
    add: bool = False
    train: Path | None = None
    headless: bool | None = None
    ratings: Path | None = None
    stimuli: Path | None = None
    blocks: int | None = None
    stimulus_s: float = DEFAULT_STIMULUS_S
    rest_s: float = DEFAULT_REST_S
    seed: int | None = None
    no_train: bool | None = None
    models_dir: Path | None = None
    device: str | None = None
    threads: int | None = None
    overwrite: bool = False

    def check(self) -> None:
        """Check every option before anything is recorded or waited for.

        Raises
        ------
        ConfigError
            A bad number (``--blocks`` below 2, seconds that are not positive and
            finite, ``--threads`` below 1), ``--ratings`` without ``--headless`` in a
            session that is not resumed (a resumed one may be headless by its plan),
            ``--resume`` / ``--add`` without ``--out``.
        """
        check_count("--blocks", self.blocks, DEFAULT_BLOCKS, minimum=2,
                    why="a model needs blocks of different states")
        check_seconds("--stimulus-seconds", self.stimulus_s, f"{DEFAULT_STIMULUS_S:g}")
        check_seconds("--rest-seconds", self.rest_s, f"{DEFAULT_REST_S:g}")
        check_threads(self.threads)
        if self.ratings is not None and not self.headless and not self.resume:
            raise ConfigError("--ratings is for --headless sessions",
                              "add --headless, or drop --ratings and rate in the window")
        if (self.resume or self.add) and self.out is None:
            mode = "--resume" if self.resume else "--add"
            example = calibrate_command("FOLDER", mode, source=self.source.flags())
            raise ConfigError(f"{mode} needs --out, the calibration folder to continue",
                              f"pass --out FOLDER, e.g. `{example}` "
                              "(FOLDER: the calibration-YYYYMMDD-HHMMSS folder an earlier "
                              "calibrate wrote)")

    def continuing(self, settings: dict[str, Any]) -> CalibrateOptions:
        """These options with those not given taken from a folder's stored settings.

        Parameters
        ----------
        settings : dict
            The plan's settings (:meth:`settings` of the run that started the folder,
            or of the last ``--resume`` / ``--add``).

        Returns
        -------
        CalibrateOptions
        """
        stored: dict[str, Any] = {}
        for name in REMEMBERED:
            if getattr(self, name) is not None or name not in settings:
                continue
            if name == "ratings" and not self.resume:
                continue  # another session is rated anew
            value = settings[name]
            if name in ("ratings", "models_dir"):
                value = Path(value) if value else None
            stored[name] = value
        return dataclasses.replace(self, **stored)

    def resolved(self) -> CalibrateOptions:
        """The options with the defaults of what is still not given."""
        return dataclasses.replace(self, headless=bool(self.headless),
                                   no_train=bool(self.no_train), device=self.device or "auto")

    def settings(self) -> dict[str, Any]:
        """What the plan remembers of these options (:data:`REMEMBERED`), as JSON."""
        return {"headless": bool(self.headless), "ratings": _absolute(self.ratings),
                "models_dir": _absolute(self.models_dir), "device": self.device or "auto",
                "threads": self.threads, "no_train": bool(self.no_train)}
