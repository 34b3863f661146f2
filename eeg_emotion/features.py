"""Band-power features of EEG windows: differential entropy (DE) and PSD.

The five standard bands are those of the SEED / SEED-IV feature files.
"""

from __future__ import annotations

#: name -> (low Hz, high Hz), SEED-IV's definition.
BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 14.0),
    "beta": (14.0, 31.0),
    "gamma": (31.0, 50.0),
}
