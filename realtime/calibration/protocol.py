"""What a calibration session shows: blocks of rest, stimulus and self-rating.

Each block is a short rest baseline, a stimulus period and a self-assessment of
valence, arousal and dominance on DEAP's 1-9 scales (SAM). The block plan is
balanced and shuffled: it runs in rounds, each round holding every stimulus
category once, in a shuffled order (seeded, so a resumed session continues the
same plan).

Built-in stimuli need no licensed material (:data:`BUILT_IN`):

* guided autobiographical recall for ``positive``, ``negative`` and ``neutral``
  states (valence);
* relaxed eyes-closed rest (``relaxed``, low arousal) and timed mental arithmetic
  (``arithmetic``, high arousal).

Or a folder of the user's own images, audio or video with a ``stimuli.csv``
(``file,seconds[,category]``), checked file by file before anything starts
(:func:`read_stimulus_folder`).

The defaults (10 blocks of 15 s rest, 60 s stimulus and about 15 s of rating)
take about 15 minutes.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eeg_emotion.checks import check_count, check_seconds
from eeg_emotion.errors import ConfigError, DataFormatError

DEFAULT_BLOCKS = 10
DEFAULT_REST_S = 15.0
DEFAULT_STIMULUS_S = 60.0
#: DEAP's self-assessment scales, 1-9, with the SAM anchors shown to the user
SCALES: dict[str, tuple[str, str]] = {
    "valence": ("unhappy, sad", "happy, pleased"),
    "arousal": ("calm, sleepy", "excited, alert"),
    "dominance": ("controlled, small", "in control, big"),
}

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac", ".m4a")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")

#: category -> instructions shown during the stimulus period (one is drawn per block)
BUILT_IN: dict[str, tuple[str, ...]] = {
    "positive": (
        "Remember a day you were really happy: where you were, who was with you, what "
        "you heard and felt. Stay in that memory and let the feeling grow.",
        "Think of a moment you were proud of yourself. Relive it in detail: the place, "
        "the people, the warmth of it.",
    ),
    "negative": (
        "Remember a time you felt sad or disappointed. Go back to it in detail: where "
        "you were and how it felt. (Stop if it becomes too much.)",
        "Recall a moment of frustration or loss. Picture the scene and let yourself "
        "feel it again, gently. (Stop if it becomes too much.)",
    ),
    "neutral": (
        "Walk through an ordinary morning routine in your mind, step by step: waking "
        "up, washing, dressing, breakfast. Just the facts.",
        "Picture the route from your home to the nearest shop, turn by turn, as "
        "plainly as a map would.",
    ),
    "relaxed": (
        "Close your eyes and relax. Breathe slowly through your nose; let your "
        "shoulders drop. Open your eyes when you hear the signal.",
    ),
    "arithmetic": (
        "Count backwards from 1000 in steps of 7, as fast as you can, silently. If you "
        "lose track, start again from 1000.",
        "Multiply 17 by 13, then 23 by 19, then 37 by 24, in your head, as fast as you "
        "can. Keep going with numbers of your own.",
    ),
}
CATEGORIES = tuple(BUILT_IN)


@dataclass(frozen=True)
class Stimulus:
    """What the user sees or hears during one stimulus period.

    Attributes
    ----------
    kind : {"prompt", "image", "audio", "video"}
    text : str
        The prompt (for ``prompt``), else the file's name.
    path : str
        The file (``image``/``audio``/``video``), else ``""``.
    seconds : float
        How long the stimulus period lasts.
    category : str
        ``positive`` ... (built-in) or the CSV's category (may be ``""``).
    """

    kind: str
    text: str
    path: str
    seconds: float
    category: str = ""


@dataclass(frozen=True)
class Block:
    """One block: rest, stimulus, rating.

    Attributes
    ----------
    index : int
        0-based position in the session's plan.
    rest_s : float
        Rest baseline before the stimulus.
    stimulus : Stimulus
    """

    index: int
    rest_s: float
    stimulus: Stimulus

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"index": self.index, "rest_s": self.rest_s,
                "stimulus": asdict(self.stimulus)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        """Inverse of :meth:`to_dict`."""
        return cls(int(data["index"]), float(data["rest_s"]), Stimulus(**data["stimulus"]))


def _rounds(items: list, n_blocks: int, rng: random.Random) -> list:
    """``n_blocks`` items in shuffled rounds, each round holding every item once."""
    out: list = []
    while len(out) < n_blocks:
        round_ = list(items)
        rng.shuffle(round_)
        out.extend(round_)
    return out[:n_blocks]


def built_in_plan(n_blocks: int = DEFAULT_BLOCKS, stimulus_s: float = DEFAULT_STIMULUS_S,
                  rest_s: float = DEFAULT_REST_S, seed: int = 0) -> list[Block]:
    """A balanced, shuffled plan of built-in stimuli.

    Parameters
    ----------
    n_blocks : int
        Number of blocks (a multiple of the 5 categories balances them exactly).
    stimulus_s, rest_s : float
        Seconds of each stimulus period and rest baseline.
    seed : int
        Shuffling seed (the same seed gives the same plan).

    Returns
    -------
    list of Block
    """
    check_count("--blocks", n_blocks, DEFAULT_BLOCKS, minimum=2,
                why="a model needs blocks of different states")
    stimulus_s = check_seconds("--stimulus-seconds", stimulus_s, f"{DEFAULT_STIMULUS_S:g}")
    rest_s = check_seconds("--rest-seconds", rest_s, f"{DEFAULT_REST_S:g}")
    rng = random.Random(seed)
    plan = []
    for i, category in enumerate(_rounds(list(CATEGORIES), n_blocks, rng)):
        text = rng.choice(BUILT_IN[category])
        plan.append(Block(i, rest_s, Stimulus("prompt", text, "", stimulus_s, category)))
    return plan


def _kind_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    for kind, suffixes in (("image", IMAGE_SUFFIXES), ("audio", AUDIO_SUFFIXES),
                           ("video", VIDEO_SUFFIXES)):
        if suffix in suffixes:
            return kind
    return None


def read_stimulus_folder(folder: str | Path, default_s: float = DEFAULT_STIMULUS_S
                         ) -> list[Stimulus]:
    """The user's own stimuli, listed in ``<folder>/stimuli.csv``.

    The CSV has a header and the columns ``file`` (relative to the folder),
    ``seconds`` (empty: ``default_s``) and optionally ``category`` (the intended
    state, e.g. ``positive``; it is recorded, the ratings decide the labels).

    Returns
    -------
    list of Stimulus

    Raises
    ------
    DataFormatError
        Naming every missing or unreadable file, a file of an unknown type, a bad
        ``seconds`` value, or a missing / empty CSV.
    """
    root = Path(folder).expanduser()
    csv_path = root / "stimuli.csv"
    if not root.is_dir():
        raise DataFormatError(f"stimulus folder {root} does not exist or is not a folder",
                              "pass --stimuli the folder holding your files and stimuli.csv")
    if not csv_path.is_file():
        raise DataFormatError(f"{root} has no stimuli.csv",
                              "write stimuli.csv with the columns file,seconds,category, "
                              "one row per image, audio or video file")
    with csv_path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "file" not in rows[0]:
        raise DataFormatError(f"{csv_path} lists no stimuli (it needs a header with a "
                              "'file' column)", "add rows: file,seconds,category")
    stimuli, problems = [], []
    for n, row in enumerate(rows, start=2):
        name = (row.get("file") or "").strip()
        path = root / name
        kind = _kind_of(path)
        seconds_text = (row.get("seconds") or "").strip()
        try:
            seconds = float(seconds_text) if seconds_text else float(default_s)
        except ValueError:
            problems.append(f"line {n}: seconds {seconds_text!r} is not a number")
            continue
        if not name:
            problems.append(f"line {n}: no file")
        elif kind is None:
            problems.append(f"line {n}: {name} is not an image, audio or video file "
                            f"({', '.join(IMAGE_SUFFIXES + AUDIO_SUFFIXES + VIDEO_SUFFIXES)})")
        elif not path.is_file():
            problems.append(f"line {n}: {name} does not exist")
        elif not math.isfinite(seconds) or seconds <= 0:
            problems.append(f"line {n}: seconds {seconds:g} must be a finite number above 0")
        else:
            try:
                with path.open("rb") as fh:
                    if not fh.read(16):
                        problems.append(f"line {n}: {name} is empty")
                        continue
            except OSError as exc:
                problems.append(f"line {n}: {name} cannot be read ({exc.strerror})")
                continue
            stimuli.append(Stimulus(kind, path.name, str(path), seconds,
                                    (row.get("category") or "").strip()))
    if problems:
        raise DataFormatError(f"{csv_path}: " + "; ".join(problems),
                              "fix or remove those rows, then start again")
    return stimuli


def folder_plan(stimuli: list[Stimulus], n_blocks: int | None, rest_s: float,
                seed: int = 0) -> list[Block]:
    """A shuffled plan of the user's stimuli, balanced over their categories.

    Parameters
    ----------
    stimuli : list of Stimulus
        From :func:`read_stimulus_folder`.
    n_blocks : int | None
        Blocks to run (None: one per stimulus); stimuli repeat in rounds if more.
    rest_s : float
        Rest before each stimulus.
    seed : int
        Shuffling seed.
    """
    if not stimuli:
        raise ConfigError("the stimulus folder lists no stimuli", "add rows to stimuli.csv")
    rest_s = check_seconds("--rest-seconds", rest_s, f"{DEFAULT_REST_S:g}")
    n = len(stimuli) if n_blocks is None else int(n_blocks)
    rng = random.Random(seed)
    by_category: dict[str, list[Stimulus]] = {}
    for s in stimuli:
        by_category.setdefault(s.category, []).append(s)
    for group in by_category.values():
        rng.shuffle(group)
    order = _rounds(list(by_category), n, rng)
    taken = {c: 0 for c in by_category}
    plan = []
    for i, category in enumerate(order):
        group = by_category[category]
        plan.append(Block(i, rest_s, group[taken[category] % len(group)]))
        taken[category] += 1
    return plan


def check_rating(block: int, rating: dict[str, float]) -> dict[str, float]:
    """Validate one block's self-ratings: valence, arousal, dominance on 1-9.

    Raises
    ------
    DataFormatError
        Naming the block and the bad or missing scale.
    """
    out = {}
    for scale in SCALES:
        value = rating.get(scale)
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise DataFormatError(f"block {block + 1}: no {scale} rating (got {value!r})",
                                  f"rate {', '.join(SCALES)} from 1 to 9") from None
        if not 1.0 <= v <= 9.0:
            raise DataFormatError(f"block {block + 1}: {scale} rating {v:g} is outside 1-9",
                                  "use DEAP's scale: 1 (low) to 9 (high)")
        out[scale] = v
    return out
