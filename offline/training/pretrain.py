"""MSMAE self-supervised pre-training: masked band-DE reconstruction.

The model hides channels (and regions, at several scales) of each window's DE
map and learns to reconstruct them (``model.pretrain_loss``). Only windows the
protocol allows enter: the training subjects/sessions, plus the test session's
windows WITHOUT labels when ``pretrain.use_unlabelled_target`` is on. The best
epoch on a held-out part of the pre-training windows is kept.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.train_config import PretrainSection
from eeg_emotion.offline.training.epochs import run_epochs
from eeg_emotion.offline.training.trainer import batches, load_batch

log = logging.getLogger(__name__)


def pretrain(model: torch.nn.Module, X: np.ndarray, fit_idx: np.ndarray, val_idx: np.ndarray,
             settings: PretrainSection, *, batch_size: int, seed: int, device: torch.device,
             progress: bool = True, desc: str = "pre-train", features: bool = False) -> dict:
    """Pre-train ``model`` in place on masked reconstruction.

    Parameters
    ----------
    model : MSMAECNN
        A model with ``pretrain_loss(x, generator=..., **settings.loss)``.
    X : numpy.ndarray, shape (n, C, T)
        Windows (array or memmap); labels are never read.
    fit_idx, val_idx : numpy.ndarray of int
        Windows to learn from and to early-stop on (val may be empty).
    settings : PretrainSection
        epochs, lr, patience and extra ``pretrain_loss`` keyword arguments.
    batch_size, seed : int
    device : torch.device
    progress : bool
        Show progress over epochs (a bar on a terminal, one line per epoch in a log).
    desc : str
        Bar label.
    features : bool
        ``X`` holds band features (the model reconstructs them directly).

    Returns
    -------
    dict
        ``history`` (per-epoch losses), ``best_epoch``, ``seconds``, ``n_windows``.
    """
    if not hasattr(model, "pretrain_loss"):
        raise ConfigError(f"model {getattr(model, 'name', '?')!r} has no pre-training loss",
                          "pre-train only msmae-cnn (set pretrain.enabled = false)")
    if len(fit_idx) < 2:
        raise ConfigError("pre-training needs at least 2 windows", "use more data")
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)

    def train_epoch() -> dict[str, float]:
        total, n = 0.0, 0
        for b in batches(fit_idx, batch_size, rng):
            if len(b) < 2:
                continue
            loss, _ = model.pretrain_loss(load_batch(X, b, device), generator=gen,
                                          features=features, **settings.loss)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(b)
            n += len(b)
        return {"loss": total / max(n, 1)}

    @torch.no_grad()
    def validate() -> tuple[float, dict[str, float]]:
        model.eval()
        vgen = torch.Generator().manual_seed(seed + 1)  # the same masks every epoch
        total, n = 0.0, 0
        for b in batches(val_idx, batch_size):
            loss, _ = model.pretrain_loss(load_batch(X, b, device), generator=vgen,
                                          features=features, **settings.loss)
            total += float(loss) * len(b)
            n += len(b)
        return total / max(n, 1), {"val_loss": total / max(n, 1)}

    res = run_epochs(model, settings.epochs, train_epoch, validate if len(val_idx) else None,
                     patience=settings.patience, fallback_score="loss", progress=progress,
                     desc=desc)
    log.info("%s: %d windows, best epoch %d (loss %.4f), %.1f s", desc, len(fit_idx),
             res.best_epoch, res.best_score, res.seconds)
    return {"history": res.history, "best_epoch": res.best_epoch, "seconds": res.seconds,
            "n_windows": int(len(fit_idx) + len(val_idx))}
