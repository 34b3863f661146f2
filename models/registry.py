"""Model registry: name -> class, and :func:`build_model` with clear errors."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from eeg_emotion.errors import ConfigError
from eeg_emotion.models.base import EmotionModel
from eeg_emotion.models.forest import BandForest
from eeg_emotion.models.msmae import MSMAECNN
from eeg_emotion.models.scalingnet import ScalingNet, ScalingNetConv
from eeg_emotion.targets import Target

MODELS: dict[str, type[EmotionModel]] = {
    ScalingNet.name: ScalingNet,
    ScalingNetConv.name: ScalingNetConv,
    MSMAECNN.name: MSMAECNN,
    BandForest.name: BandForest,
}


def model_hparam_names(name: str) -> tuple[str, ...]:
    """Keyword hyper-parameters a registered model accepts."""
    cls = _model_class(name)
    params = inspect.signature(cls.__init__).parameters.values()
    return tuple(p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY)


def _model_class(name: str) -> type[EmotionModel]:
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}", f"use one of {', '.join(MODELS)}")
    return MODELS[name]


def build_model(name: str, n_channels: int, sfreq: float, targets: Sequence[Target],
                **hparams: Any) -> EmotionModel:
    """Build a registered model.

    Parameters
    ----------
    name : str
        ``"scalingnet"``, ``"scalingnet-conv"`` or ``"msmae-cnn"``.
    n_channels : int
        Channels per window.
    sfreq : float
        Sampling rate in Hz.
    targets : sequence of Target
        One head per target.
    **hparams
        Architecture hyper-parameters (see each model's class docstring).

    Returns
    -------
    EmotionModel

    Raises
    ------
    ConfigError
        Unknown model name, unknown hyper-parameter, or an invalid value.
    """
    cls = _model_class(name)
    allowed = model_hparam_names(name)
    unknown = sorted(set(hparams) - set(allowed))
    if unknown:
        raise ConfigError(f"model {name!r} has no hyper-parameter(s) {', '.join(unknown)}",
                          f"{name} accepts: {', '.join(allowed)}")
    try:
        return cls(n_channels, sfreq, list(targets), **hparams)
    except TypeError as exc:  # a value of the wrong kind deep in torch
        raise ConfigError(f"model {name!r}: invalid hyper-parameter value ({exc})",
                          f"check the values of {', '.join(sorted(hparams)) or 'the model'}"
                          ) from exc
