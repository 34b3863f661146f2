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
from eeg_emotion.offline.training import ddp
from eeg_emotion.offline.training.accelerator import autocast, pinned, tune_for_fixed_shapes
from eeg_emotion.offline.training.epochs import run_epochs
from eeg_emotion.offline.training.trainer import batches, load_batch

log = logging.getLogger(__name__)


def pretrain(model: torch.nn.Module, X: np.ndarray, fit_idx: np.ndarray, val_idx: np.ndarray,
             settings: PretrainSection, *, batch_size: int, seed: int, device: torch.device,
             progress: bool = True, desc: str = "pre-train", features: bool = False,
             precision: str = "fp32", pin_memory: bool = False) -> dict:
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
    precision : {"fp32", "bf16"}
        ``train.precision`` (:mod:`eeg_emotion.offline.training.accelerator`).
    pin_memory : bool
        ``train.pin_memory``: batches through pinned memory on a GPU.

    Returns
    -------
    dict
        ``history`` (per-epoch losses), ``best_epoch``, ``seconds``, ``n_windows``.

    Notes
    -----
    Inside :func:`eeg_emotion.offline.training.ddp.trainings` every rank pre-trains
    the model together (each rank its share of every epoch, its own masks).
    """
    if not hasattr(model, "pretrain_loss"):
        raise ConfigError(f"model {getattr(model, 'name', '?')!r} has no pre-training loss",
                          "pre-train only msmae-cnn (set pretrain.enabled = false)")
    if len(fit_idx) < 2:
        raise ConfigError("pre-training needs at least 2 windows", "use more data")
    model.to(device)
    tune_for_fixed_shapes(device)
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed + 1_000_003 * ddp.rank())  # own masks per rank
    pin = pinned(device, pin_memory)
    sharded = ddp.sharded_batches(fit_idx, batch_size, seed)
    epoch_batches = sharded if sharded is not None else (
        lambda: batches(fit_idx, batch_size, rng))
    val_share = ddp.share(val_idx)

    def step(net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
        return net.pretrain_loss(x, generator=gen, features=features, **settings.loss)[0]

    def train_epoch() -> dict[str, float]:
        total, n = torch.zeros((), dtype=torch.float64, device=device), 0  # no sync
        for b in epoch_batches():
            if len(b) < 2:
                continue
            x = load_batch(X, b, device, pin)
            with autocast(device, precision):
                loss = run_step(step, x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.detach().double() * len(b)
            n += len(b)
        return {"loss": float(total) / max(n, 1)}

    @torch.no_grad()
    def validate() -> tuple[float, dict[str, float]]:
        model.eval()
        vgen = torch.Generator().manual_seed(seed + 1)  # the same masks every epoch
        total, n = 0.0, 0
        for b in batches(val_share, batch_size):
            with autocast(device, precision):
                loss, _ = model.pretrain_loss(load_batch(X, b, device, pin), generator=vgen,
                                              features=features, **settings.loss)
            total += float(loss) * len(b)
            n += len(b)
        loss = ddp.weighted_mean([total / max(n, 1)], n)[0]
        return loss, {"val_loss": loss}

    with ddp.step_runner(model) as run_step:
        res = run_epochs(model, settings.epochs, train_epoch,
                         validate if len(val_idx) else None, patience=settings.patience,
                         fallback_score="loss", progress=progress, desc=desc)
    log.info("%s: %d windows, best epoch %d (loss %.4f), %.1f s", desc, len(fit_idx),
             res.best_epoch, res.best_score, res.seconds)
    return {"history": res.history, "best_epoch": res.best_epoch, "seconds": res.seconds,
            "n_windows": int(len(fit_idx) + len(val_idx))}
