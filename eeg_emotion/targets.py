"""What a model predicts: targets, their classes, and how raw labels map to them.

DEAP gives 1-9 self-ratings; a binary target splits them at a threshold. The
literature is split on whether a rating equal to the threshold is high
(TorchEEG: ``>=``) or low (``>``), so the rule is explicit and stored with the
model. SEED-IV labels are already classes (0 neutral, 1 sad, 2 fear, 3 happy).
The same :class:`Target` turns ratings into classes offline (training), in a
checkpoint, and live (ground truth from a replay's marker stream).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from eeg_emotion.errors import ConfigError


@dataclass(frozen=True)
class Target:
    """One classification target.

    Parameters
    ----------
    name : str
        Target name shown to users (``"valence"``).
    classes : tuple of str
        Class names in class-index order (``("low", "high")``).
    label_key : str
        Key of the raw label it is computed from (``"valence"``).
    threshold : float | None
        For a rating: the split point; None when labels are class indices.
    rule : {">", ">="}
        A rating is the high class when ``rating > threshold`` (or ``>=``).
    """

    name: str
    classes: tuple[str, ...]
    label_key: str
    threshold: float | None = None
    rule: Literal[">", ">="] = ">"

    def classify(self, raw: np.ndarray | float) -> np.ndarray:
        """Map raw labels to class indices.

        Parameters
        ----------
        raw : array-like
            Ratings (when ``threshold`` is set) or class indices.

        Returns
        -------
        numpy.ndarray of int64
        """
        values = np.asarray(raw, dtype=np.float64)
        if self.threshold is None:
            idx = values.astype(np.int64)
            if np.any(idx != values) or np.any((idx < 0) | (idx >= len(self.classes))):
                raise ConfigError(
                    f"target {self.name!r}: labels must be class indices "
                    f"0..{len(self.classes) - 1}",
                    "check the dataset's labels or set a threshold for ratings")
            return idx
        high = values >= self.threshold if self.rule == ">=" else values > self.threshold
        return high.astype(np.int64)

    def to_dict(self) -> dict:
        """JSON-serialisable form (stored in checkpoints)."""
        d = asdict(self)
        d["classes"] = list(self.classes)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> Target:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**data, "classes": tuple(data["classes"])})


def deap_targets(names: tuple[str, ...] = ("valence", "arousal", "dominance"),
                 threshold: float = 5.0, rule: Literal[">", ">="] = ">") -> list[Target]:
    """Binary DEAP targets (low/high) split at ``threshold``.

    Parameters
    ----------
    names : tuple of str
        Any of valence, arousal, dominance, liking.
    threshold : float
        Ratings above it (or at it, with ``rule=">="``) are ``high``.
    rule : {">", ">="}
        Where a rating equal to the threshold goes.

    Returns
    -------
    list of Target
    """
    allowed = ("valence", "arousal", "dominance", "liking")
    bad = [n for n in names if n not in allowed]
    if bad:
        raise ConfigError(f"unknown DEAP target(s) {', '.join(bad)}",
                          f"use some of {', '.join(allowed)}")
    return [Target(n, ("low", "high"), n, threshold, rule) for n in names]


SEED_IV_CLASSES = ("neutral", "sad", "fear", "happy")


def seed_iv_target() -> Target:
    """The 4-class SEED-IV emotion target."""
    return Target("emotion", SEED_IV_CLASSES, "emotion", None)
