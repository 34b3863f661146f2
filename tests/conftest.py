"""Test-wide settings: LSL on loopback only, Qt without a screen, small torch."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SHARED_CFG = ROOT.parent / "shared" / "lsl_api.cfg"
# LSL must never look beyond this machine: liblsl reads LSLAPICFG when it loads.
os.environ["LSLAPICFG"] = str(_SHARED_CFG if _SHARED_CFG.is_file()
                              else ROOT / "eeg_emotion" / "data" / "lsl_api.cfg")
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator."""
    return np.random.default_rng(1234)
