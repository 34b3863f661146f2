"""The checks of ``eeg-emotion doctor``: each part of the installation, one line each.

Each check imports what it checks (torch, pylsl, BrainFlow, Qt) when it runs, so
loading this command module stays light.
"""

from __future__ import annotations

import os
import platform
import warnings
from collections.abc import Callable
from pathlib import Path

from eeg_emotion import __version__
from eeg_emotion.lsl import config_keeps_loopback, import_pylsl
from eeg_emotion.lsl_streams import visible_streams
from eeg_emotion.threads import describe_policy

Check = tuple[bool, str, str]  # ok, what was found, fix if not ok (a note if ok)


def check_torch() -> Check:
    """torch version, and the device inference will use."""
    try:
        import torch
    except ImportError as exc:
        return False, f"torch cannot be imported ({exc})", "pip install 'torch==2.13.0'"
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        return True, f"torch {torch.__version__}, CUDA {torch.version.cuda}: {name}", ""
    build = "CPU build" if torch.version.cuda is None else f"CUDA {torch.version.cuda} build"
    return True, f"torch {torch.__version__} ({build}); no GPU found, models run on CPU", ""


def check_lsl() -> Check:
    """pylsl/liblsl versions and whether discovery stays on this machine."""
    try:
        pylsl = import_pylsl()
        lib = pylsl.library_version()
    except Exception as exc:  # the library itself may fail to load
        return False, f"pylsl/liblsl unusable ({exc})", "pip install --force-reinstall pylsl"
    cfg = Path(os.environ["LSLAPICFG"])
    ok, why = config_keeps_loopback(cfg)
    found = (f"pylsl {pylsl.__version__}, liblsl {lib // 100}.{lib % 100}; "
             f"LSLAPICFG={cfg}: {why}")
    fix = ("" if ok else "unset LSLAPICFG to use the packaged loopback config, or set "
           "ResolveScope = machine in your file")
    return ok, found, fix


def check_brainflow() -> Check:
    """brainflow version and that its native library loads."""
    try:
        with warnings.catch_warnings():  # brainflow's own pkg_resources deprecation
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
            from brainflow.board_shim import BoardIds, BoardShim
            desc = BoardShim.get_board_descr(BoardIds.SYNTHETIC_BOARD)
        from importlib.metadata import version
        return True, f"brainflow {version('brainflow')} (synthetic board: "\
                     f"{len(desc['eeg_channels'])} EEG ch @ {desc['sampling_rate']} Hz)", ""
    except Exception as exc:
        return False, f"brainflow unusable ({exc})", \
            "pip install brainflow 'setuptools<81' (brainflow needs pkg_resources)"


def check_qt() -> Check:
    """PyQt6/pyqtgraph import and the Qt platform that will be used."""
    try:
        import pyqtgraph
        from PyQt6.QtCore import QT_VERSION_STR
    except Exception as exc:
        return False, f"PyQt6/pyqtgraph unusable ({exc})", \
            "pip install PyQt6 pyqtgraph; on Linux also apt-get install libegl1 libxkbcommon0"
    plat = os.environ.get("QT_QPA_PLATFORM")
    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if plat:
        where = f"QT_QPA_PLATFORM={plat}"
    elif display or platform.system() != "Linux":
        where = "a screen is available"
    else:  # headless use is supported: a note, not a failure
        found = f"Qt {QT_VERSION_STR}, pyqtgraph {pyqtgraph.__version__}; no screen"
        note = ("the dashboard needs a screen; without one, `eeg-emotion live --stream NAME "
                "--headless` "
                "(and `eeg-emotion demo`) print JSON lines; or run under xvfb-run, or set "
                "QT_QPA_PLATFORM=offscreen")
        return True, found, note
    return True, f"Qt {QT_VERSION_STR}, pyqtgraph {pyqtgraph.__version__}; {where}", ""


def check_threads() -> Check:
    """The torch thread policy (:mod:`eeg_emotion.threads`)."""
    return True, describe_policy(), ""


def check_streams() -> Check:
    """How many LSL streams are visible now, and the command that lists them."""
    try:
        streams = visible_streams(1.0)
    except Exception as exc:  # liblsl itself unusable: check_lsl says how to fix it
        return False, f"cannot look for streams ({exc})", "see the lsl line above"
    names = ", ".join(s.name for s in streams[:4]) + (" ..." if len(streams) > 4 else "")
    found = (f"{len(streams)} LSL stream(s) visible now" + (f": {names}" if streams else ""))
    return True, found, "`eeg-emotion streams` lists them with type, channels, rate and " \
                        "source id" if streams else ""


CHECKS: dict[str, Callable[[], Check]] = {
    "torch": check_torch,
    "threads": check_threads,
    "lsl": check_lsl,
    "streams": check_streams,
    "brainflow": check_brainflow,
    "qt": check_qt,
}


def report(out: Callable[[str], None] = print) -> int:
    """Run every check and write one OK/FIX line per check (and any note).

    Parameters
    ----------
    out : callable
        Where the lines go (``print`` by default).

    Returns
    -------
    int
        The number of failed checks.
    """
    out(f"eeg-emotion {__version__} on Python {platform.python_version()}")
    failed = 0
    for name, check in CHECKS.items():
        ok, found, fix = check()
        out(f"{'OK ' if ok else 'FIX'} {name:9s} {found}")
        if not ok:
            failed += 1
            out(f"    -> {fix}")
        elif fix:
            out(f"    note: {fix}")
    return failed
