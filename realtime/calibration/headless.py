"""The terminal front-end of ``eeg-emotion calibrate --headless`` and its rating sources.

Prompts and countdowns go to a text stream (stderr by default); ratings come
from a :class:`RatingSource`:

* :class:`StdinRatings`: the user types ``valence arousal dominance`` (1-9) for
  each block, e.g. ``7 3 5``;
* :class:`FileRatings`: ``--ratings FILE``, a CSV with the columns
  ``block,valence,arousal,dominance`` (blocks numbered from 1, as shown), and
  optionally ``session``; every block the session runs must be in it;
* any callable ``rate(block) -> {"valence": v, "arousal": a, "dominance": d}``
  (scripted raters in tests).
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Protocol, TextIO

from eeg_emotion.errors import DataFormatError
from eeg_emotion.realtime.calibration.protocol import SCALES, Block, check_rating
from eeg_emotion.realtime.calibration.session import CalibrationStopped, ChannelQuality

#: seconds between two warnings about the same bad channel
QUALITY_WARN_S = 10.0


class RatingSource(Protocol):
    """Where a block's self-ratings come from."""

    def __call__(self, block: Block) -> dict[str, float]:
        """``{"valence": v, "arousal": a, "dominance": d}`` on 1-9."""


class StdinRatings:
    """Ratings typed on the terminal, ``valence arousal dominance``, e.g. ``7 3 5``."""

    def __init__(self, stream: TextIO | None = None, out: TextIO | None = None) -> None:
        self.stream = stream or sys.stdin
        self.out = out or sys.stderr

    def __call__(self, block: Block) -> dict[str, float]:
        """Ask until three numbers 1-9 are typed; end of input stops the session."""
        scales = " ".join(f"{s} ({lo} 1 .. 9 {hi})" for s, (lo, hi) in SCALES.items())
        while True:
            print(f"rate block {block.index + 1}: {scales}", file=self.out)
            print("type three numbers, e.g. 7 3 5: ", end="", file=self.out, flush=True)
            line = self.stream.readline()
            if not line:
                raise CalibrationStopped("no more ratings on the input",
                                         "continue later with --resume")
            parts = line.replace(",", " ").split()
            try:
                values = [float(p) for p in parts]
            except ValueError:
                values = []
            if len(values) == 3 and all(1 <= v <= 9 for v in values):
                return dict(zip(SCALES, values, strict=True))
            print(f"  {line.strip()!r} is not three numbers from 1 to 9", file=self.out)


class FileRatings:
    """Ratings read from a CSV (``--ratings FILE``), checked against the plan first.

    Parameters
    ----------
    path : str | pathlib.Path
        CSV with ``block,valence,arousal,dominance`` (and optionally ``session``).
    session : int
        The session being run (rows of other sessions are ignored).
    """

    def __init__(self, path: str | Path, session: int = 1) -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise DataFormatError(f"ratings file {self.path} does not exist",
                                  "pass --ratings a CSV with block,valence,arousal,dominance")
        with self.path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        need = {"block", *SCALES}
        if not rows or not need <= set(rows[0]):
            raise DataFormatError(f"{self.path} needs the columns "
                                  f"{', '.join(sorted(need))} (it has "
                                  f"{', '.join(rows[0]) if rows else 'no rows'})",
                                  "write one row per block: block,valence,arousal,dominance")
        self.ratings: dict[int, dict[str, float]] = {}
        for n, row in enumerate(rows, start=2):
            try:
                if row.get("session") and int(row["session"]) != session:
                    continue
                block = int(row["block"])
                self.ratings[block - 1] = {s: float(row[s]) for s in SCALES}
            except (TypeError, ValueError) as exc:
                raise DataFormatError(f"{self.path}, line {n}: {exc}",
                                      "use numbers: block 1.., ratings 1-9") from exc

    def check(self, blocks: list[Block]) -> None:
        """Refuse, before anything is recorded, a file that lacks a block to be run or
        rates one outside 1-9 (every such block is named)."""
        missing = [b.index + 1 for b in blocks if b.index not in self.ratings]
        if missing:
            raise DataFormatError(
                f"{self.path} has no ratings for block(s) {', '.join(map(str, missing))}",
                "add a row per block (block,valence,arousal,dominance), numbered from 1")
        problems = []
        for b in blocks:
            try:
                check_rating(b.index, self.ratings[b.index])
            except DataFormatError as exc:
                problems.append(exc.problem)
        if problems:
            raise DataFormatError(f"{self.path}: " + "; ".join(problems),
                                  "rate every block on DEAP's scales, 1 (low) to 9 (high), "
                                  "then start again (nothing was recorded)")

    def __call__(self, block: Block) -> dict[str, float]:
        """The file's ratings of ``block``."""
        if block.index not in self.ratings:
            raise DataFormatError(f"{self.path} has no ratings for block {block.index + 1}",
                                  "add a row for it: block,valence,arousal,dominance")
        return self.ratings[block.index]


class HeadlessFrontEnd:
    """Prompts and countdowns as plain lines; ratings from a :class:`RatingSource`.

    Parameters
    ----------
    ratings : RatingSource
        Where ratings come from.
    out : TextIO | None
        Where lines go (default stderr, so stdout stays free).
    """

    def __init__(self, ratings: RatingSource, out: TextIO | None = None) -> None:
        self.ratings = ratings
        self.out = out or sys.stderr
        self._warned: dict[str, float] = {}

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def show(self, block: Block, phase: str, seconds: float, done: int, total: int) -> None:
        """Announce a phase."""
        head = f"[block {block.index + 1}, {done} of {total} done]"
        if phase == "rest":
            self._print(f"{head} rest {seconds:g} s: sit still, eyes open, relax")
        else:
            s = block.stimulus
            what = s.text if s.kind == "prompt" else f"{s.kind} {s.text}"
            self._print(f"{head} {seconds:g} s: {what}")

    def tick(self, seconds_left: float, quality: list[ChannelQuality]) -> None:
        """Warn (rate-limited) about channels that are flat, noisy or railed."""
        now = time.monotonic()
        for q in quality:
            if q.status in ("flat", "noisy", "railed") and \
                    now - self._warned.get(q.channel, -1e9) > QUALITY_WARN_S:
                self._warned[q.channel] = now
                self._print(f"  signal: {q.channel} is {q.status} ({q.rms_uv:.1f} µV rms); "
                            "check its electrode")

    def rate(self, block: Block) -> dict[str, float]:
        """The rating source's answer."""
        return self.ratings(block)

    def message(self, text: str) -> None:
        """Print a line."""
        self._print(text)
