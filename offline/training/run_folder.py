"""A run's output folder and options: ``run.json``, and resuming into the same folder.

``run.json`` records the resolved config, data and options of a run. A rerun into
the same ``--out`` resumes (finished splits are skipped); a run of another config,
data or options into a folder that holds results is refused. ``pretrain/`` holds the
shared pre-training a run over several ranks computed (one file per session
ordering); it is reused on resume and deleted with a ``run.json`` that is replaced.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.training.report import write_json

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    """Command-line options of a run."""

    out: Path
    device: str = "auto"
    channels: list[str] | None = None
    progress: bool = True
    cache_dir: Path | None = None


def _differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for k in sorted(set(old) | set(new), key=str)
                for d in _differences(old.get(k), new.get(k), f"{prefix}{k}.")]
    return [] if old == new else [prefix.rstrip(".")]


def has_results(out: Path) -> bool:
    """Whether a run folder holds anything a rerun would resume from or a user would keep."""
    return (any((out / "folds").glob("*.json")) or (out / "model.pt").is_file()
            or (out / "metrics.json").is_file())


def check_resume(out: Path, record: dict, *, write: bool) -> None:
    """Refuse to mix runs in one folder; record the run once its data loaded.

    A ``run.json`` with no results beside it (a run that failed before its first
    split finished) claims nothing: a corrected rerun replaces it.
    """
    run_file = out / "run.json"
    record = json.loads(json.dumps(record, default=str))
    if run_file.is_file():
        diff = _differences(json.loads(run_file.read_text()), record)
        if diff and has_results(out):
            raise ConfigError(f"{out} holds a run of a different config, data or options "
                              f"(differs in {', '.join(diff[:6])})",
                              "use a new --out folder, or delete the old one to start again")
        if diff and write:
            log.info("%s: replacing the run.json of a run that finished nothing (it differed "
                     "in %s)", out, ", ".join(diff[:6]))
            shutil.rmtree(out / "pretrain", ignore_errors=True)  # pre-trained for that run
            write_json(run_file, record)
    elif write:
        out.mkdir(parents=True, exist_ok=True)
        write_json(run_file, record)

