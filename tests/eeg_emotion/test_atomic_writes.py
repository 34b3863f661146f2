"""Atomic writes leave the old file or the new one, never a half-written one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eeg_emotion.atomic import atomic_write_bytes, atomic_write_text, atomic_writer


def test_write_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    atomic_write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_failure_inside_the_block_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "model.pt"
    target.write_bytes(b"trained weights")
    with pytest.raises(RuntimeError), atomic_writer(target, "wb") as fh:
        fh.write(b"half of a new fi")
        raise RuntimeError("killed mid-write")
    assert target.read_bytes() == b"trained weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mode"), atomic_writer(tmp_path / "x", "a"):
        pass


def test_no_module_writes_a_temporary_file_by_hand():
    """Files are replaced through eeg_emotion.atomic only (the window cache renames a
    whole temporary folder into place, a different mechanism)."""
    root = Path(__file__).resolve().parents[2]
    allowed = {root / "eeg_emotion" / "atomic.py", root / "offline" / "preprocess.py"}
    pattern = re.compile(r"""os\.replace\(|\.replace\((path|target)\)|\.tmp["'\]]""")
    found = [f"{p.relative_to(root)}:{n}" for folder in ("eeg_emotion", "models", "offline",
                                                         "realtime")
             for p in sorted((root / folder).rglob("*.py")) if p not in allowed
             for n, line in enumerate(p.read_text().splitlines(), start=1)
             if pattern.search(line)]
    assert not found, found
