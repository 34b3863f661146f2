"""Cross-session adaptation: few-shot adaptation and adversarial alignment.

- :func:`fewshot_adapt` fine-tunes a trained model on a few labelled windows of a
  new session (transfer learning, as in the MSMAE-CNN paper), optionally only its
  heads and pulled toward its weights before adaptation (shrinkage);
  :func:`fewshot_curve` scores every step on held-out windows and leaves the model
  as it was, so the number of steps (none included) can be chosen on held-out
  trials.
- :class:`GradientReversal` / :func:`grad_reverse` flip the gradient sign with
  weight ``lambda_`` (Ganin & Lempitsky, 2015), so a session discriminator
  trained on the encoder's features pushes the encoder towards features that
  do not tell sessions apart; :func:`domain_adversarial_loss` wraps it for
  models that provide ``domain_logits``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from eeg_emotion.errors import ConfigError
from eeg_emotion.models.base import EmotionModel

logger = logging.getLogger(__name__)


class GradientReversal(torch.autograd.Function):
    """Identity forward; gradient multiplied by ``-lambda_`` backward."""

    @staticmethod
    def forward(ctx, x: Tensor, lambda_: float) -> Tensor:
        ctx.lambda_ = lambda_
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
        return -ctx.lambda_ * grad, None


def grad_reverse(x: Tensor, lambda_: float = 1.0) -> Tensor:
    """Gradient reversal layer.

    Parameters
    ----------
    x : Tensor
        Features.
    lambda_ : float
        Weight of the reversed gradient (0 disables alignment).

    Returns
    -------
    Tensor
        ``x`` unchanged; its gradient is ``-lambda_`` times the incoming one.
    """
    return GradientReversal.apply(x, float(lambda_))


def domain_adversarial_loss(model: EmotionModel, x: Tensor, domain: Tensor,
                            lambda_: float = 1.0, *, features: bool = False) -> Tensor:
    """Cross-entropy of the model's session discriminator, through gradient reversal.

    Add it to the classification loss: minimising it trains the discriminator
    and, through the reversed gradient, makes the encoder session-invariant.

    Parameters
    ----------
    model : EmotionModel
        A model with ``domain_logits(x, lambda_, features=...)`` (msmae-cnn).
    x : Tensor
        Raw windows (batch, C, T), or DE (batch, C, bands) with ``features=True``.
    domain : Tensor, shape (batch,), int64
        Session index of each window.
    lambda_ : float
        Gradient-reversal weight.
    features : bool
        Whether ``x`` is DE features.

    Returns
    -------
    Tensor
        Scalar loss.
    """
    if not hasattr(model, "domain_logits"):
        raise ConfigError(f"model {model.name!r} has no session discriminator",
                          "use msmae-cnn for adversarial session alignment")
    logits = model.domain_logits(x, lambda_, features=features)
    if domain.min() < 0 or domain.max() >= logits.shape[1]:
        raise ConfigError(f"session labels must be 0..{logits.shape[1] - 1}, got "
                          f"{int(domain.min())}..{int(domain.max())}",
                          "set the model's n_domains hparam to the number of sessions")
    return F.cross_entropy(logits, domain)


def fewshot_adapt(model: EmotionModel, x: Tensor, y: Tensor | Mapping[str, Tensor],
              steps: int = 50, lr: float = 1e-3, *, features: bool = False,
              heads_only: bool = False, weight_decay: float = 0.0,
              validation: tuple[Tensor, Tensor | Mapping[str, Tensor]] | None = None,
              shrinkage: float = 0.0) -> list[float]:
    """Fine-tune a trained model on a few labelled windows of a new session.

    Parameters
    ----------
    model : EmotionModel
        Trained model; its weights are updated in place, in eval mode throughout
        (normalisation statistics frozen, no dropout).
    x : Tensor
        Windows (batch, C, T), or DE features (batch, C, bands) with
        ``features=True`` (models with ``forward_features``).
    y : Tensor (batch,) int64 or dict target name -> Tensor
        Class indices; a bare tensor is allowed when the model has one target.
    steps : int
        Full-batch Adam steps.
    lr : float
        Learning rate.
    features : bool
        Whether ``x`` is precomputed features.
    heads_only : bool
        Update only the classification heads (safer with very few windows).
    weight_decay : float
        Adam weight decay.
    validation : (x, y) | None
        Held-out few-shot windows (e.g. one few-shot trial): the weights of
        the step with the lowest validation loss are kept, so a handful of windows
        cannot be learnt by heart.
    shrinkage : float
        Weight of an L2 pull toward the weights before adaptation (``shrinkage *
        sum((w - w0)^2)`` added to the loss); 0 = none.

    Returns
    -------
    list of float
        Training loss after each step; with ``validation``, up to the kept step
        (its length is the number of steps worth taking).
    """
    y = _label_dict(model, y)
    _check_adapt_args(model, y, steps, lr, features)

    def loss_of(xb: Tensor, yb: Mapping[str, Tensor]) -> Tensor:
        return _adapt_loss(model, xb, yb, features)

    model.eval()  # as in every step (see _adapt_steps)
    val = None if validation is None else (validation[0], _label_dict(model, validation[1]))
    best = (float(loss_of(*val).detach()) if val else np.inf, 0,
            copy.deepcopy(model.state_dict()) if val else None)
    losses = []
    for step, loss in enumerate(_adapt_steps(model, x, y, steps, lr, features, heads_only,
                                             weight_decay, shrinkage), start=1):
        losses.append(loss)
        if val is not None:
            with torch.no_grad():
                v = float(loss_of(*val))
            if v < best[0]:
                best = (v, step, copy.deepcopy(model.state_dict()))
    if val is not None:
        model.load_state_dict(best[2])
        losses = losses[:best[1]]
        logger.info("adapted %s on %d windows: kept step %d of %d (validation loss %.3f)",
                    model.name, len(x), best[1], steps, best[0])
    elif losses:
        logger.info("adapted %s on %d windows: loss %.3f -> %.3f", model.name, len(x),
                    losses[0], losses[-1])
    return losses


def fewshot_curve(model: EmotionModel, x: Tensor, y: Tensor | Mapping[str, Tensor],
                  val_x: Tensor, val_y: Tensor | Mapping[str, Tensor], steps: int,
                  lr: float = 1e-3, *, features: bool = False, heads_only: bool = False,
                  shrinkage: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Held-out loss and accuracy after 0..``steps`` adaptation steps; the model is left
    as it was.

    Parameters
    ----------
    model, x, y, steps, lr, features, heads_only, shrinkage
        As :func:`fewshot_adapt` (it adapts on ``x``, ``y``).
    val_x, val_y
        Held-out windows (e.g. one left-out few-shot trial) and their labels.

    Returns
    -------
    loss : numpy.ndarray, shape (steps + 1,)
        Summed cross-entropy on the held-out windows; entry 0 is the unadapted model's.
    accuracy : numpy.ndarray, shape (steps + 1,)
        Mean accuracy over targets on them.
    """
    before = copy.deepcopy(model.state_dict())
    val_y = _label_dict(model, val_y)
    curve: list[tuple[float, float]] = []

    def score() -> None:
        with torch.no_grad():
            out = _outputs(model, val_x, features)
            loss = _summed_ce(out, val_y)
            acc = np.mean([float((out[k].argmax(1) == v).float().mean())
                           for k, v in val_y.items()])
        curve.append((float(loss), float(acc)))

    y = _label_dict(model, y)
    _check_adapt_args(model, y, steps, lr, features)
    model.eval()
    score()
    try:
        for _ in _adapt_steps(model, x, y, steps, lr, features, heads_only, 0.0, shrinkage):
            score()
    finally:
        model.load_state_dict(before)
    arr = np.array(curve)
    return arr[:, 0], arr[:, 1]


def _adapt_steps(model: EmotionModel, x: Tensor, y: Mapping[str, Tensor], steps: int,
                 lr: float, features: bool, heads_only: bool, weight_decay: float,
                 shrinkage: float) -> Iterator[float]:
    """Full-batch Adam steps on (x, y); yields the training loss after each."""
    params = (list(model.heads.parameters()) if heads_only
              else [p for p in model.parameters() if p.requires_grad])
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    anchor = [p.detach().clone() for p in params] if shrinkage > 0 else None
    # The weights learn, but the model stays in eval mode: batch-norm and running input
    # statistics keep what the training data taught them (a handful of few-shot
    # windows of one session would overwrite them), and dropout is off.
    model.eval()
    for _ in range(steps):
        with torch.enable_grad():
            opt.zero_grad()
            loss = _adapt_loss(model, x, y, features)
            if anchor is not None:
                loss = loss + shrinkage * sum(((p - a) ** 2).sum()
                                              for p, a in zip(params, anchor, strict=True))
            loss.backward()
            opt.step()
        yield float(loss.detach())


def _check_adapt_args(model: EmotionModel, y: Mapping[str, Tensor], steps: object,
                      lr: object, features: bool) -> None:
    unknown = set(y) - {t.name for t in model.targets}
    if unknown or not y:
        raise ConfigError(f"few-shot labels for unknown target(s) {sorted(unknown)}",
                          f"use {[t.name for t in model.targets]}")
    if not isinstance(steps, int) or steps < 1 or not lr > 0:
        raise ConfigError(f"fewshot_adapt needs steps >= 1 and lr > 0, got {steps!r}, {lr!r}")
    if features and not hasattr(model, "forward_features"):
        raise ConfigError(f"model {model.name!r} does not take precomputed features")


def _adapt_loss(model: EmotionModel, xb: Tensor, yb: Mapping[str, Tensor],
                features: bool) -> Tensor:
    return _summed_ce(_outputs(model, xb, features), yb)


def _outputs(model: EmotionModel, xb: Tensor, features: bool) -> dict[str, Tensor]:
    return model.forward_features(xb) if features else model(xb)


def _summed_ce(out: Mapping[str, Tensor], yb: Mapping[str, Tensor]) -> Tensor:
    """Cross-entropy summed over the targets in ``yb``."""
    return sum(F.cross_entropy(out[name], labels) for name, labels in yb.items())


def _label_dict(model: EmotionModel, y: Tensor | Mapping[str, Tensor]) -> dict[str, Tensor]:
    if isinstance(y, Tensor):
        if len(model.targets) != 1:
            raise ConfigError(f"model predicts {len(model.targets)} targets; pass y as a dict "
                              "target name -> labels")
        return {model.targets[0].name: y}
    return dict(y)
