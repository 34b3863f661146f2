"""The ``labels.csv`` that describes the trials of a folder of recordings.

Shared by the readers of recordings that carry no labels themselves (MNE-readable
files, LabRecorder's XDF files); the format is described in
:mod:`eeg_emotion.offline.datasets.mne_files`. Onsets and durations are seconds from
the start of the recording (its first EEG sample).
"""

from __future__ import annotations

import csv
from pathlib import Path

from eeg_emotion.errors import DataFormatError

LABELS_CSV = "labels.csv"
_RESERVED = ("file", "onset", "duration", "subject", "session", "trial")


def read_labels_csv(path: Path, *, default_file: Path | None = None
                    ) -> list[dict[str, object]]:
    """Parse and check a labels CSV (format in the module docstring).

    Parameters
    ----------
    path : pathlib.Path
        The CSV.
    default_file : pathlib.Path | None
        Recording used for rows without a ``file`` column.

    Returns
    -------
    list of dict
        Per row: ``file`` (Path), ``onset``, ``duration`` (float), ``subject``
        (str or None), ``session`` (int), ``trial`` (int or None) and ``labels``
        (dict of str to float).

    Raises
    ------
    DataFormatError
        Naming the row and column of any missing or non-numeric value.
    """
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in (reader.fieldnames or [])]
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFormatError(f"cannot read labels file {path}: {exc}",
                              "save it as a UTF-8 CSV") from exc
    missing = [c for c in ("onset", "duration") if c not in header]
    if missing:
        raise DataFormatError(
            f"{path} lacks the column(s) {', '.join(missing)} (it has: {', '.join(header)})",
            "give each trial's onset and duration in seconds: header "
            "'file,onset,duration,<label>,...' (see offline/datasets/mne_files.py)")
    if "file" not in header and default_file is None:
        raise DataFormatError(f"{path} has no 'file' column and the folder does not hold "
                              "exactly one recording", "add a 'file' column naming the "
                              "recording of each row")
    label_cols = [c for c in header if c not in _RESERVED]
    if not label_cols:
        raise DataFormatError(f"{path} has no label columns (only {', '.join(header)})",
                              "add columns such as valence,arousal or emotion")
    if not rows:
        raise DataFormatError(f"{path} has a header but no trials", "add one row per trial")
    out = []
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}

        def number(col: str, kind=float, row=row, line=line):
            try:
                return kind(row[col])
            except (KeyError, ValueError):
                raise DataFormatError(
                    f"{path} line {line}: column {col!r} is {row.get(col)!r}, not a "
                    f"{'number' if kind is float else 'whole number'}",
                    "fill every cell of the row") from None

        onset, duration = number("onset"), number("duration")
        if onset < 0 or duration <= 0:
            raise DataFormatError(f"{path} line {line}: onset {onset} / duration {duration} "
                                  "must be >= 0 / > 0", "fix the row")
        file = (Path(path).parent / row["file"]) if row.get("file") else default_file
        if file is None:
            raise DataFormatError(f"{path} line {line}: the 'file' cell is empty",
                                  "name the recording of the row")
        out.append({
            "file": file, "onset": onset, "duration": duration,
            "subject": row.get("subject") or None,
            "session": number("session", int) if row.get("session") else 1,
            "trial": number("trial", int) if row.get("trial") else None,
            "labels": {c: number(c) for c in label_cols},
        })
    return out
