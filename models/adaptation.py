"""Cross-session adaptation: few-shot calibration and adversarial alignment.

- :func:`calibrate` fine-tunes a trained model on a few labelled windows of a
  new session (transfer learning, as in the MSMAE-CNN paper).
- :class:`GradientReversal` / :func:`grad_reverse` flip the gradient sign with
  weight ``lambda_`` (Ganin & Lempitsky, 2015), so a session discriminator
  trained on the encoder's features pushes the encoder towards features that
  do not tell sessions apart; :func:`domain_adversarial_loss` wraps it for
  models that provide ``domain_logits``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

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


def calibrate(model: EmotionModel, x: Tensor, y: Tensor | Mapping[str, Tensor],
              steps: int = 50, lr: float = 1e-3, *, features: bool = False,
              heads_only: bool = False, weight_decay: float = 0.0) -> list[float]:
    """Fine-tune a trained model on a few labelled windows of a new session.

    Parameters
    ----------
    model : EmotionModel
        Trained model; updated in place and left in eval mode.
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

    Returns
    -------
    list of float
        Loss after each step.
    """
    if isinstance(y, Tensor):
        if len(model.targets) != 1:
            raise ConfigError(f"model predicts {len(model.targets)} targets; pass y as a dict "
                              "target name -> labels")
        y = {model.targets[0].name: y}
    unknown = set(y) - {t.name for t in model.targets}
    if unknown or not y:
        raise ConfigError(f"calibration labels for unknown target(s) {sorted(unknown)}",
                          f"use {[t.name for t in model.targets]}")
    if not isinstance(steps, int) or steps < 1 or not lr > 0:
        raise ConfigError(f"calibrate needs steps >= 1 and lr > 0, got {steps!r}, {lr!r}")
    if features and not hasattr(model, "forward_features"):
        raise ConfigError(f"model {model.name!r} does not take precomputed features")
    params = (list(model.heads.parameters()) if heads_only
              else [p for p in model.parameters() if p.requires_grad])
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    model.train()
    losses = []
    try:
        for _ in range(steps):
            opt.zero_grad()
            out = model.forward_features(x) if features else model(x)
            loss = sum(F.cross_entropy(out[name], labels) for name, labels in y.items())
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
    finally:
        model.eval()
    logger.info("calibrated %s on %d windows: loss %.3f -> %.3f", model.name, len(x),
                losses[0], losses[-1])
    return losses
