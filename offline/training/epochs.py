"""The epoch loop every training stage shares: early stopping on the best epoch.

Supervised fine-tuning (:func:`eeg_emotion.offline.training.trainer.fit`) and MSMAE
pre-training (:func:`eeg_emotion.offline.training.pretrain.pretrain`) differ only in
what one epoch of training and one validation pass compute. :func:`run_epochs` owns
the rest: the thread policy re-checked every epoch, progress (a bar on a terminal,
one line per epoch in a log), the best epoch's weights kept on the CPU and restored
at the end, patience, and a time budget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from eeg_emotion.offline.training import ddp
from eeg_emotion.progress import progress_over
from eeg_emotion.threads import adapt_training_threads

log = logging.getLogger(__name__)

#: One epoch of training: returns the row's training figures (e.g. ``train_loss``).
TrainEpoch = Callable[[], dict[str, float]]
#: One validation pass: ``(score, figures)``; a lower score is a better epoch.
Validate = Callable[[], tuple[float, dict[str, float]]]


@dataclass
class EpochsResult:
    """What :func:`run_epochs` did.

    Attributes
    ----------
    history : list of dict
        One row per epoch run: ``epoch`` and the figures of training and validation.
    best_epoch : int
        1-based epoch whose weights the model holds now (0 if no epoch ran).
    best_score : float
        Its score (lower is better).
    seconds : float
        Wall time of the loop.
    stopped_early : bool
        Patience or the time budget ended the loop before its last epoch.
    """

    history: list[dict[str, float]]
    best_epoch: int
    best_score: float
    seconds: float
    stopped_early: bool


def cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A copy of ``model``'s weights on the CPU (a snapshot that later steps leave alone)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def run_epochs(model: torch.nn.Module, epochs: int, train_epoch: TrainEpoch,
               validate: Validate | None = None, *, patience: int,
               fallback_score: str | None = None, max_seconds: float | None = None,
               progress: bool = True, desc: str = "epochs") -> EpochsResult:
    """Run up to ``epochs`` epochs, keep the best one's weights, stop on patience.

    Parameters
    ----------
    model : torch.nn.Module
        Put in train mode before each epoch and in eval mode at the end, holding the
        weights of the best epoch.
    epochs : int
        Most epochs to run.
    train_epoch : callable
        Trains one epoch; returns its figures for the history row.
    validate : callable | None
        Scores the epoch on held-out data: ``(score, figures)``, lower is better.
        None (no validation data): the epoch is scored by ``fallback_score``.
    patience : int
        Epochs without a better score before stopping; applies when the score comes
        from validation or from ``fallback_score``.
    fallback_score : str | None
        Without ``validate``, the training figure that scores an epoch (e.g. the
        pre-training loss). None: the last epoch is kept and patience never stops.
    max_seconds : float | None
        Stop after the epoch that passes this wall time.
    progress : bool
        Show progress over epochs.
    desc : str
        Label of the progress and the log line.

    Returns
    -------
    EpochsResult
    """
    best_score, best_epoch, best_state = np.inf, 0, None
    history: list[dict[str, float]] = []
    bad, stopped_early = 0, False
    start = time.perf_counter()
    bar = progress_over(range(epochs), desc, unit="epoch", enabled=progress)
    for epoch in bar:
        adapt_training_threads()
        model.train()
        row: dict[str, float] = ddp.mean_figures({"epoch": epoch + 1, **train_epoch()})
        watched = True
        if validate is not None:
            score, figures = validate()
            row.update(figures)
        elif fallback_score is not None:
            score = row[fallback_score]
        else:
            score, watched = -float(epoch), False  # no validation: keep the last epoch
        over_time = max_seconds is not None and time.perf_counter() - start > max_seconds
        # under DDP: every rank keeps the same best epoch and stops after the same one
        score, over_time = ddp.agree(score, over_time)
        history.append(row)
        bar.set_postfix({k: f"{v:.3f}" for k, v in row.items() if k != "epoch"})
        if score < best_score:
            best_score, best_epoch, best_state, bad = score, epoch + 1, cpu_state(model), 0
        else:
            bad += 1
            if watched and bad > patience:
                stopped_early = True
                break
        if over_time:
            log.info("%s: stopping after %.1f s (time budget)", desc,
                     time.perf_counter() - start)
            stopped_early = True
            break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    seconds = time.perf_counter() - start
    return EpochsResult(history, best_epoch, float(best_score), seconds, stopped_early)
