"""A small ScalingNet trained in seconds, for the live demo's first run.

:func:`train_quick_model` trains on every trial of a (synthetic) DEAP-format
folder with a time budget and saves a checkpoint ``live`` / ``demo`` can load.
It is a demo model, not an evaluation: no cross-validation is run.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from eeg_emotion.models import build_model
from eeg_emotion.offline import splits as sp
from eeg_emotion.offline.protocols import save_model
from eeg_emotion.offline.run_data import load_run_data
from eeg_emotion.offline.train_config import TrainingConfig, config_from_dict
from eeg_emotion.offline.trainer import fit, resolve_device, seed_everything

log = logging.getLogger(__name__)


def quick_config(channels: list[str] | None = None, epochs: int = 25,
                 seconds: float = 20.0, targets: tuple[str, ...] = ("valence", "arousal")
                 ) -> TrainingConfig:
    """The demo config: small ScalingNet, 4-s windows hopping 2 s, CPU."""
    pre: dict = {"window_s": 4.0, "hop_s": 2.0, "baseline": "subtract_mean"}
    if channels is not None:
        pre["channels"] = list(channels)
    return config_from_dict({
        "description": "quick demo model (trained on all data, not cross-validated)",
        "data": {"kind": "auto"},
        "preprocess": pre,
        "model": {"name": "scalingnet",
                  "hparams": {"kernel_length": 17, "n_levels": 4, "conv_filters": [8, 4]}},
        "train": {"epochs": epochs, "batch_size": 32, "lr": 0.002, "patience": 8,
                  "device": "cpu", "max_seconds": seconds},
        "protocol": {"name": "cross_subject", "targets": list(targets)},
    }, "quick model config")


def train_quick_model(data_path: str | Path, out_path: str | Path,
                      channels: list[str] | None = None, epochs: int = 25,
                      seconds: float = 20.0, cache_dir: Path | None = None,
                      progress: bool = False) -> Path:
    """Train a small ScalingNet on a DEAP-format folder and save it.

    Parameters
    ----------
    data_path : str | Path
        DEAP-format folder (e.g. written by ``eeg-emotion synth``).
    out_path : str | Path
        Checkpoint file to write (``.pt``).
    channels : list of str | None
        Train on these channels only (e.g. ``eeg_emotion.montages.CYTON``).
    epochs : int
        Most epochs.
    seconds : float
        Training time budget in seconds (the loop stops after the epoch that
        passes it); preprocessing the data comes on top.
    cache_dir : Path | None
        Window cache folder (None: the default cache).
    progress : bool
        Progress bars.

    Returns
    -------
    Path
        ``out_path``.
    """
    cfg = quick_config(channels, epochs, seconds)
    start = time.perf_counter()
    seed_everything(cfg.train.seed)
    data = load_run_data(cfg, data_path, channels=channels, cache_dir=cache_dir,
                         progress=progress)
    model = build_model(cfg.model.name, len(data.channels), data.sfreq, data.targets,
                        **cfg.model.hparams)
    all_idx = np.arange(len(data.trial_id))
    if len(np.unique(data.subject)) >= 2:  # early stopping on unseen subjects
        fit_idx, val_idx = sp.inner_validation_split(all_idx, data.subject, 0.2,
                                                     cfg.train.seed, trial_id=data.trial_id)
    else:  # one subject: a few held-out trials are too noisy to stop on; use them all
        fit_idx, val_idx = all_idx, np.zeros(0, np.int64)
    res = fit(model, data.X, data.labels, fit_idx, val_idx, cfg.train,
              device=resolve_device("cpu"), progress=progress, desc="quick model")
    out = Path(out_path)
    save_model(out, model, cfg, data, {"split": "all data (quick demo model)",
                                       "best_epoch": res.best_epoch,
                                       "train_seconds": res.train_seconds,
                                       "history": res.history})
    log.info("quick model: %d windows, %d epochs, %.1f s -> %s", len(all_idx),
             len(res.history), time.perf_counter() - start, out)
    return out
