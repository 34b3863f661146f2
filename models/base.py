"""The interface every emotion model implements.

A model states its signal contract in its constructor (channel count,
sampling rate, targets) and carries it, so a checkpoint can rebuild it and the
live path can check a stream against it. Input is windows of filtered EEG in
µV, shaped (batch, channels, samples); output is one logits tensor per target.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from eeg_emotion.errors import ConfigError
from eeg_emotion.targets import Target


class EmotionModel(nn.Module):
    """Base class of the emotion networks.

    Parameters
    ----------
    n_channels : int
        EEG channels of each window, in the order the model was trained on.
    sfreq : float
        Sampling rate of the windows in Hz.
    targets : list of Target
        What to predict; the model has one classification head per target.
    **hparams
        Architecture hyper-parameters of the subclass.

    Attributes
    ----------
    name : str
        Registry key (``"scalingnet"``, ``"msmae-cnn"`` ...).
    supports_missing_channels : bool
        Whether ``forward`` honours a ``channel_mask`` with False entries.
    min_samples : int
        The shortest window (in samples) the model accepts.
    """

    name: ClassVar[str] = ""
    supports_missing_channels: ClassVar[bool] = False
    #: the shortest window the model can use (a spectrum needs 2 samples)
    min_samples: ClassVar[int] = 1

    def __init__(self, n_channels: int, sfreq: float, targets: Sequence[Target],
                 **hparams: Any) -> None:
        super().__init__()
        if not isinstance(n_channels, int) or isinstance(n_channels, bool) or n_channels < 1:
            raise ConfigError(f"{self.name}: n_channels={n_channels!r} must be a positive integer")
        if not isinstance(sfreq, int | float) or not math.isfinite(sfreq) or sfreq <= 0:
            raise ConfigError(f"{self.name}: sfreq={sfreq!r} must be a positive number of Hz")
        targets = list(targets)
        if not targets or not all(isinstance(t, Target) for t in targets):
            raise ConfigError(f"{self.name}: needs a non-empty list of Target objects, "
                              f"got {targets!r}",
                              "build targets with eeg_emotion.targets.deap_targets() "
                              "or seed_iv_target()")
        names = [t.name for t in targets]
        if len(set(names)) != len(names):
            raise ConfigError(f"{self.name}: target names repeat: {names}")
        bad = [n for n in names if not n or "." in n or n in dir(nn.Module)]
        if bad:
            raise ConfigError(f"{self.name}: target name(s) {bad} cannot name a head",
                              "use plain names such as 'valence' (no dots)")
        self.n_channels = n_channels
        self.sfreq = float(sfreq)
        self.targets = targets
        self._hparams = dict(hparams)

    def hparams(self) -> dict[str, Any]:
        """JSON-serialisable constructor keyword arguments.

        Returns
        -------
        dict
            ``build_model(name, n_channels, sfreq, targets, **hparams())``
            rebuilds the same architecture.
        """
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self._hparams.items()}

    def forward(self, x: Tensor, channel_mask: Tensor | None = None) -> dict[str, Tensor]:
        """Logits per target.

        Parameters
        ----------
        x : Tensor, shape (batch, n_channels, time), float32
            Filtered EEG windows in µV.
        channel_mask : Tensor, shape (n_channels,) or (batch, n_channels), bool, optional
            False marks absent channels (only models with
            ``supports_missing_channels``; an all-True mask is accepted by all).

        Returns
        -------
        dict of str to Tensor, shape (batch, n_classes)
        """
        raise NotImplementedError

    def level_map(self, x: Tensor) -> Tensor | None:
        """The model's spectrogram-like view of the windows, for display.

        Returns
        -------
        Tensor, shape (batch, n_channels, n_levels, time') or None
        """
        return None

    def level_labels(self) -> tuple[str, ...]:
        """A label for each level of :meth:`level_map` (with approximate Hz)."""
        return ()

    def forward_with_level_map(self, x: Tensor, channel_mask: Tensor | None = None
                               ) -> tuple[dict[str, Tensor], Tensor | None]:
        """Logits and level map of the same windows, as the live path shows both.

        Equal to ``(self(x, channel_mask), self.level_map(x))``; a model whose map
        is an intermediate result of its forward pass overrides this to compute it
        once (live inference then does half the work).

        Returns
        -------
        logits : dict of str to Tensor, shape (batch, n_classes)
        level_map : Tensor | None
        """
        return self(x, channel_mask=channel_mask), self.level_map(x)

    def check_input(self, x: Tensor, channel_mask: Tensor | None = None) -> None:
        """Raise ConfigError when windows or the mask do not fit the model."""
        if not isinstance(x, Tensor) or x.ndim != 3 or x.shape[1] != self.n_channels \
                or x.shape[2] < self.min_samples:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ConfigError(
                f"{self.name} expects windows shaped (batch, {self.n_channels}, samples >= "
                f"{self.min_samples}), got {shape}",
                "select the model's channels in its order before calling it")
        if channel_mask is not None:
            b = x.shape[0]
            ok_shape = channel_mask.shape in ((self.n_channels,), (1, self.n_channels),
                                              (b, self.n_channels))
            if not ok_shape or channel_mask.dtype != torch.bool:
                raise ConfigError(
                    f"channel_mask must be a bool tensor of shape ({self.n_channels},) or "
                    f"(batch, {self.n_channels}), got {channel_mask.dtype} "
                    f"{tuple(channel_mask.shape)}")
            if not self.supports_missing_channels and not bool(channel_mask.all()):
                raise ConfigError(
                    f"{self.name} cannot predict with missing channels",
                    "use a model that supports missing channels (msmae-cnn) or supply "
                    "every channel")

    def make_heads(self, in_features: int, dropout: float) -> nn.ModuleDict:
        """One linear classification head per target (with optional dropout)."""
        return nn.ModuleDict({
            t.name: nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, len(t.classes)))
            for t in self.targets})
