"""``eeg-emotion calibrate``'s options, typed (the command builds them from its line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from eeg_emotion.realtime.calibration.protocol import DEFAULT_REST_S, DEFAULT_STIMULUS_S
from eeg_emotion.realtime.options import SourceOptions


@dataclass(frozen=True)
class CalibrateOptions:
    """What ``eeg-emotion calibrate`` was asked to do.

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
    headless : bool
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
    no_train : bool
        Record only.
    models_dir : pathlib.Path | None
        Where the personal model goes (None: the cache's ``models/``).
    device : str
        Where the personal model trains.
    overwrite : bool
        Start over in an ``out`` folder that holds a plan but no recording.
    """

    source: SourceOptions = field(default_factory=SourceOptions)
    out: Path | None = None
    resume: bool = False
    add: bool = False
    train: Path | None = None
    headless: bool = False
    ratings: Path | None = None
    stimuli: Path | None = None
    blocks: int | None = None
    stimulus_s: float = DEFAULT_STIMULUS_S
    rest_s: float = DEFAULT_REST_S
    seed: int | None = None
    no_train: bool = False
    models_dir: Path | None = None
    device: str = "auto"
    overwrite: bool = False
