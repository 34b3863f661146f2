"""Sweeps: one protocol per value of a config's ``[sweep]`` key, and their table.

:func:`run_config` is what ``eeg-emotion train`` runs: every network the config
describes is checked before any data loads, then one protocol runs (or one per sweep
value, each in its own sub-folder, sharing the prepared data where the swept key
allows), and a sweep gets a ``report.md`` table of its values. Under torchrun every
rank runs this; rank 0 writes the reports and returns the summary.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from eeg_emotion.offline.train_config import TrainingConfig, apply_override
from eeg_emotion.offline.training import distributed
from eeg_emotion.offline.training.hparams_check import check_model_hparams
from eeg_emotion.offline.training.protocols import run_protocol
from eeg_emotion.offline.training.report import PAPER_FIGURES, render_sweep_report, write_json
from eeg_emotion.offline.training.run_data import load_run_data
from eeg_emotion.offline.training.run_folder import RunOptions

log = logging.getLogger(__name__)


def sweep_label(key: str, value: Any) -> str:
    """Folder/row name of one sweep value: ``kernel_length=33``."""
    return f"{key.split('.')[-1]}={value}"


def run_config(cfg: TrainingConfig, data_path: str | Path, opts: RunOptions) -> dict | None:
    """Run a config: one protocol, or one per ``[sweep]`` value (sub-folders + table).

    Returns
    -------
    dict | None
        The run summary, or ``{"sweep": key, "runs": {label: summary}}``; None on a
        torchrun rank other than 0.
    """
    # every network the run will build, checked before any data is loaded
    if not cfg.sweep.key:
        check_model_hparams(cfg, opts.channels)
        return run_protocol(cfg, data_path, opts)
    for value in cfg.sweep.values:
        check_model_hparams(apply_override(cfg, cfg.sweep.key, value), opts.channels,
                            f"sweep {sweep_label(cfg.sweep.key, value)}")
    runs: dict[str, dict] = {}
    data = None
    for value in cfg.sweep.values:
        sub = apply_override(cfg, cfg.sweep.key, value)
        label = sweep_label(cfg.sweep.key, value)
        if data is None and not cfg.sweep.key.startswith(("preprocess", "data", "protocol")):
            data = distributed.staged(lambda sub=sub: load_run_data(
                sub, data_path, channels=opts.channels, cache_dir=opts.cache_dir,
                progress=opts.progress))
        sub_opts = RunOptions(opts.out / label, opts.device, opts.channels, opts.progress,
                              opts.cache_dir)
        runs[label] = run_protocol(sub, data_path, sub_opts, data)
    if not distributed.is_main():
        return None
    paper = PAPER_FIGURES.get(cfg.protocol.paper)
    rows = [(label, r["summary"]) for label, r in runs.items()]
    (opts.out / "report.md").write_text(render_sweep_report(
        cfg.description or cfg.sweep.key, cfg.sweep.key, rows, paper))
    result = {"sweep": cfg.sweep.key, "runs": {k: v["summary"] for k, v in runs.items()},
              "paper": paper}
    write_json(opts.out / "metrics.json", result)
    return result

