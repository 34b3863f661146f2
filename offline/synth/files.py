"""Writing synthetic datasets safely: the synthetic marker, no overwrite, atomic files."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import numpy as np
import scipy.fft
import scipy.io

from eeg_emotion.atomic import atomic_write_bytes, atomic_writer
from eeg_emotion.checks import check_count, check_seconds
from eeg_emotion.errors import ConfigError, DataFormatError

log = logging.getLogger(__name__)


def check_sizes(**sizes: float) -> None:
    """Check ``subjects``, ``trials``, ``sessions`` (whole numbers >= 1) and ``seconds``
    (a positive, finite length) before anything is written, naming ``synth``'s options.

    Raises
    ------
    ConfigError
        Naming the option and a value that works.
    """
    for name, value in sizes.items():
        if name == "seconds":
            check_seconds("--seconds", value, 20)
        else:
            check_count(f"--{name}", value, 1)


#: Written next to every synthetic dataset so reports can say the data are synthetic.
MARKER = "synthetic.json"


def write_marker(folder: Path, kind: str, **params: object) -> Path:
    """Write :data:`MARKER` (what was generated, with which settings) into ``folder``."""
    path = Path(folder) / MARKER
    path.write_text(json.dumps({"generator": "eeg-emotion synth", "format": kind,
                                **params}, indent=1) + "\n")
    return path


_NEW_GLOBAL = b"cnumpy._core.multiarray\n_reconstruct\n"
_OLD_GLOBAL = b"cnumpy.core.multiarray\n_reconstruct\n"


def refuse_existing(folder: Path, planned: list[str], overwrite: bool) -> None:
    """Refuse to replace any file this run would write, unless ``overwrite``."""
    if overwrite or not folder.is_dir():
        return
    existing = [name for name in planned if (folder / name).exists()]
    if not existing:
        return
    real = "" if (folder / MARKER).is_file() else (
        f" (no {MARKER} beside them: they may be a real dataset)")
    raise ConfigError(
        f"{folder} already holds {', '.join(existing[:5])}"
        f"{' ...' if len(existing) > 5 else ''}, which this run would write{real}; "
        "nothing was overwritten",
        "choose another --out folder, or add --overwrite to replace them")


def refuse_foreign(folder: Path, planned: list[str], pattern: str) -> None:
    """Refuse to write into a folder holding data files this run would not replace,
    so that an old dataset's extra subjects never mix with the new one."""
    if not folder.is_dir():
        return
    foreign = sorted(str(p.relative_to(folder)) for p in folder.glob(pattern)
                     if str(p.relative_to(folder)) not in planned)
    if foreign:
        raise ConfigError(
            f"{folder} already holds data files this run would not overwrite: "
            f"{', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}",
            "write into an empty (or new) folder, or delete the old dataset first")


def atomic_pickle(path: Path, obj: dict) -> None:
    """Pickle (protocol 2) as DEAP's files are: arrays rebuilt by
    ``numpy.core.multiarray._reconstruct``, which numpy 1.x and 2.x both load
    (numpy 2 would name its private ``numpy._core``, unknown to numpy 1.x)."""
    blob = pickle.dumps(obj, protocol=2)
    if blob.count(_NEW_GLOBAL) == 1:  # the GLOBAL opcode, memoised after its first use
        blob = blob.replace(_NEW_GLOBAL, _OLD_GLOBAL)
    atomic_write_bytes(path, blob)


def atomic_savemat(path: Path, variables: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_writer(path, "wb") as f:
            scipy.io.savemat(f, variables, do_compression=False)
    except OSError as exc:
        raise DataFormatError(f"cannot write {path}: {exc.strerror}",
                              "check the output folder and free disk space") from exc
