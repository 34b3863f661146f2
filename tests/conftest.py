"""Test-wide settings: LSL on loopback only, Qt without a screen, small torch."""

from __future__ import annotations

import os
import sys
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

from eeg_emotion import threads  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator."""
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _no_thread_policy_leaks():
    """A thread policy a command under test chose (``use_training_threads``) ends with
    the test: later tests' training loops would otherwise re-pick torch's threads."""
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    yield
    threads._training = None
    torch = sys.modules.get("torch")
    if torch is not None and before is not None and torch.get_num_threads() != before:
        torch.set_num_threads(before)


@pytest.fixture
def unwritable(tmp_path):
    """An existing folder this process cannot write into.

    A folder made read-only for a normal user; as root (whom permissions do not stop)
    ``/sys``, which the kernel keeps read-only. Skips where neither holds.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        folder = Path("/sys")
    else:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
    try:
        (folder / ".probe").write_text("x")
    except OSError:
        yield folder
    else:
        (folder / ".probe").unlink()
        pytest.skip(f"{folder} is writable here")
    finally:
        if folder != Path("/sys"):
            folder.chmod(0o755)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Torch on one intra-op thread for a module's tests, restored after.

    Training tests then take about the same time beside other processes (CI has 2
    cores); modules opt in with ``pytestmark = pytest.mark.usefixtures(...)``.
    """
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def calibration_factory():
    """``calibration_factory(root, n_blocks=10, stimulus_s=8, sessions=1)``: write a
    synthetic calibration folder (Cyton channels at 250 Hz, rated blocks; see
    :func:`eeg_emotion.realtime.calibration.synthetic_folder.write_calibration_folder`)."""
    from eeg_emotion.realtime.calibration.synthetic_folder import write_calibration_folder

    return write_calibration_folder
