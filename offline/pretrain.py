"""MSMAE self-supervised pre-training: masked band-DE reconstruction.

The model hides channels (and regions, at several scales) of each window's DE
map and learns to reconstruct them (``model.pretrain_loss``). Only windows the
protocol allows enter: the training subjects/sessions, plus the test session's
windows WITHOUT labels when ``pretrain.use_unlabelled_target`` is on. The best
epoch on a held-out part of the pre-training windows is kept.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import torch

from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.train_config import PretrainSection
from eeg_emotion.offline.trainer import batches, load_batch
from eeg_emotion.progress import progress_over
from eeg_emotion.threads import adapt_training_threads

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
    history: list[dict] = []
    best_loss, best_epoch, best_state, bad = np.inf, 0, None, 0
    start = time.perf_counter()
    bar = progress_over(range(settings.epochs), desc, unit="epoch", enabled=progress)
    for epoch in bar:
        adapt_training_threads()
        model.train()
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
        row = {"epoch": epoch + 1, "loss": total / max(n, 1)}
        score = row["loss"]
        if len(val_idx):
            model.eval()
            vgen = torch.Generator().manual_seed(seed + 1)  # same masks every epoch
            with torch.no_grad():
                vt, vn = 0.0, 0
                for b in batches(val_idx, batch_size):
                    loss, _ = model.pretrain_loss(load_batch(X, b, device), generator=vgen,
                                                  features=features, **settings.loss)
                    vt += float(loss) * len(b)
                    vn += len(b)
            row["val_loss"] = score = vt / max(vn, 1)
        history.append(row)
        bar.set_postfix({k: f"{v:.3f}" for k, v in row.items() if k != "epoch"})
        if score < best_loss:
            best_loss, best_epoch, bad = score, epoch + 1, 0
            best_state = {k: v.detach().to("cpu", copy=True)
                          for k, v in model.state_dict().items()}
        else:
            bad += 1
            if bad > settings.patience:
                break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    seconds = time.perf_counter() - start
    log.info("%s: %d windows, best epoch %d (loss %.4f), %.1f s", desc, len(fit_idx),
             best_epoch, best_loss, seconds)
    return {"history": history, "best_epoch": best_epoch, "seconds": seconds,
            "n_windows": int(len(fit_idx) + len(val_idx))}
