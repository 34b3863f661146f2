"""Place 10-20 / 10-10 channels on a 9x9 scalp grid (rows front to back).

Rows follow the electrode rows (Fp, AF, F, FC/FT, C/T, CP/TP, P, PO, O/CB);
columns follow the 10-10 numbering: ``z`` is the centre column 4, odd numbers
go left (1 -> 3, 3 -> 2, 5 -> 1, 7 -> 0) and even numbers right (2 -> 5 ...
8 -> 8). T7/T8 sit at the ends of the C row, FT/TP at the ends of FC/CP, and
the cerebellar CB1/CB2 of SEED-IV at columns 1 and 7 of the last row. This is
the layout used for SEED-IV grid CNNs; it keeps left/right symmetry exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from eeg_emotion.errors import MontageError
from eeg_emotion.montages import normalize_name

GRID_SIZE = 9
_ROWS = {"FP": 0, "AF": 1, "F": 2, "FC": 3, "FT": 3, "C": 4, "T": 4, "CP": 5, "TP": 5,
         "P": 6, "PO": 7, "O": 8, "CB": 8}
_SPECIAL = {"CB1": (8, 1), "CB2": (8, 7)}


def grid_position(name: str) -> tuple[int, int]:
    """Row and column of one channel on the 9x9 grid.

    Parameters
    ----------
    name : str
        10-20 / 10-10 channel name (any case; T3/T4/T5/T6 accepted).

    Returns
    -------
    (row, col) : tuple of int

    Raises
    ------
    MontageError
        For names outside the grid (e.g. ``T9``, ``Iz``, ``EXG1``).
    """
    key = normalize_name(name)
    if key in _SPECIAL:
        return _SPECIAL[key]
    letters = key.rstrip("0123456789Z")
    suffix = key[len(letters):]
    row = _ROWS.get(letters)
    col: int | None = None
    if suffix == "Z":
        col = 4
    elif suffix.isdigit():
        n = int(suffix)
        col = 4 - (n + 1) // 2 if n % 2 else 4 + n // 2
    if row is None or col is None or not 0 <= col < GRID_SIZE:
        raise MontageError(
            f"channel {name!r} has no place on the 9x9 scalp grid of msmae-cnn",
            "msmae-cnn needs 10-20/10-10 names from Fp to O (e.g. Fp1, FC5, T7, Oz); "
            "leave other channels out or rename them with --montage")
    return row, col


def grid_positions(channels: Sequence[str]) -> np.ndarray:
    """Grid cell of every channel, refusing two channels in one cell.

    Parameters
    ----------
    channels : sequence of str

    Returns
    -------
    numpy.ndarray of int, shape (n_channels, 2)
    """
    pos = np.array([grid_position(c) for c in channels], dtype=np.int64).reshape(-1, 2)
    seen: dict[tuple[int, int], str] = {}
    for name, (r, c) in zip(channels, pos.tolist(), strict=True):
        if (r, c) in seen:
            raise MontageError(f"channels {seen[(r, c)]!r} and {name!r} fall on the same "
                               "scalp grid cell", "list each electrode once")
        seen[(r, c)] = name
    return pos
