"""ScalingNet (Hu et al., 2021): scaling layers, a small 2-D CNN and linear heads.

Each EEG channel goes through its own scaling layer, giving a (levels, time)
spectrogram-like map per channel. The maps are stacked with the EEG channels
as the input planes of 2-D convolutions (kernel 3x5, 16, 8 and 6 filters in
the paper's Table 1, ReLU, 'same' padding so any window length works), then
global average pooling and one linear layer per target (valence, arousal,
dominance; trained jointly or one model per target as in the paper).

``scalingnet-conv`` is the paper's Table 4 ablation: the same network with a
plain depthwise Conv1d (``n_levels`` free kernels of the base length per
channel) in place of the scaling layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from eeg_emotion.errors import ConfigError
from eeg_emotion.models.base import EmotionModel
from eeg_emotion.models.scaling import ScalingLayer, scaled_kernel_lengths
from eeg_emotion.targets import Target


def _int_tuple(value: Any, name: str, length: int | None = None) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    ok = isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    if not ok or (length is not None and len(value) != length) or not value:
        want = f"{length} positive integers" if length else "positive integers"
        raise ConfigError(f"scalingnet hparam {name}={value!r} must be {want}",
                          f"e.g. {name} = [16, 8, 6]" if length is None
                          else f"e.g. {name} = [3, 5]")
    return tuple(value)


def level_bands(kernel_lengths: Sequence[int], sfreq: float) -> list[tuple[float, float]]:
    """Approximate frequency band each scaled kernel responds to.

    A learned kernel of ``n`` taps at ``sfreq`` spans ``n / sfreq`` seconds; the
    slowest oscillation it can pick out has about one period over its length.
    Each level halves the length, which doubles the frequency of whatever
    pattern the base kernel holds (tested), so level ``l`` is labelled with the
    octave ``sfreq / n`` to ``2 * sfreq / n`` Hz (capped at Nyquist). A one-tap
    kernel has no frequency selectivity (0 Hz to Nyquist). This is an honest
    rule of thumb for display: the learned pattern decides the real response.

    Parameters
    ----------
    kernel_lengths : sequence of int
        Taps of each level's kernel.
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    list of (low Hz, high Hz)
    """
    nyq = sfreq / 2.0
    bands = []
    for n in kernel_lengths:
        if n <= 1:
            bands.append((0.0, nyq))
        else:
            bands.append((min(sfreq / n, nyq), min(2.0 * sfreq / n, nyq)))
    return bands


class ScalingNet(EmotionModel):
    """ScalingNet: scaling layer -> 2-D CNN -> global average pool -> heads.

    Parameters
    ----------
    n_channels, sfreq, targets
        Signal contract, see :class:`eeg_emotion.models.base.EmotionModel`.
    kernel_length : int
        Odd base kernel length of the scaling layer (paper: 33 at 128 Hz).
    n_levels : int | None
        Scaling levels kept (None: all, down to a one-tap kernel).
    shared_kernel : bool
        One base kernel for all channels instead of one per channel.
    conv_filters : sequence of int
        Filters of the successive 2-D convolutions (paper: 16, 8, 6).
    conv_kernel : (int, int)
        2-D kernel over (levels, time) (paper: 3x5).
    dropout : float
        Dropout before the linear heads.

    References
    ----------
    Hu J., Wang C., Jia Q., Bu Q., Feng J. "ScalingNet: extracting features
    from raw EEG data for emotion recognition", arXiv:2102.13080 (2021).
    """

    name = "scalingnet"
    supports_missing_channels = False

    def __init__(self, n_channels: int, sfreq: float, targets: Sequence[Target], *,
                 kernel_length: int = 33, n_levels: int | None = None,
                 shared_kernel: bool = False, conv_filters: Sequence[int] = (16, 8, 6),
                 conv_kernel: Sequence[int] = (3, 5), dropout: float = 0.0) -> None:
        conv_filters = _int_tuple(conv_filters, "conv_filters")
        conv_kernel = _int_tuple(conv_kernel, "conv_kernel", 2)
        if not isinstance(dropout, int | float) or not 0.0 <= dropout < 1.0:
            raise ConfigError(f"{self.name} hparam dropout={dropout!r} must be in [0, 1)")
        super().__init__(n_channels, sfreq, targets, kernel_length=kernel_length,
                         n_levels=n_levels, shared_kernel=shared_kernel,
                         conv_filters=conv_filters, conv_kernel=conv_kernel, dropout=dropout)
        self.extractor = self._make_extractor(n_channels, kernel_length, n_levels,
                                              bool(shared_kernel))
        layers: list[nn.Module] = []
        in_planes = n_channels
        for filters in conv_filters:
            layers += [nn.Conv2d(in_planes, filters, conv_kernel, padding="same"), nn.ReLU()]
            in_planes = filters
        self.transform = nn.Sequential(*layers)
        self.heads = self.make_heads(in_planes, float(dropout))

    def _make_extractor(self, n_channels: int, kernel_length: int, n_levels: int | None,
                        shared: bool) -> nn.Module:
        return ScalingLayer(n_channels, kernel_length, n_levels, shared)

    @property
    def kernel_lengths(self) -> tuple[int, ...]:
        """Taps of each level's kernel."""
        return self.extractor.kernel_lengths

    def features(self, x: Tensor) -> Tensor:
        """Pooled representation before the heads, shape (batch, conv_filters[-1])."""
        maps = self.extractor(x)  # (B, C, L, T): EEG channels are the input planes
        return self.transform(maps).mean(dim=(2, 3))

    def forward(self, x: Tensor, channel_mask: Tensor | None = None) -> dict[str, Tensor]:
        """Logits per target for windows (batch, n_channels, time); see the base class."""
        self.check_input(x, channel_mask)
        z = self.features(x)
        return {name: head(z) for name, head in self.heads.items()}

    @torch.no_grad()
    def level_map(self, x: Tensor) -> Tensor:
        """Scaling-layer output (batch, n_channels, n_levels, time) for display."""
        self.check_input(x)
        return self.extractor(x)

    def forward_with_level_map(self, x: Tensor, channel_mask: Tensor | None = None
                               ) -> tuple[dict[str, Tensor], Tensor]:
        """Logits and the scaling-layer map from one pass (the map is the 2-D CNN's input)."""
        self.check_input(x, channel_mask)
        maps = self.extractor(x)
        z = self.transform(maps).mean(dim=(2, 3))
        return {name: head(z) for name, head in self.heads.items()}, maps.detach()

    def level_labels(self) -> tuple[str, ...]:
        """``"L2 (9 taps) ~ 14-28 Hz"`` per level; see :func:`level_bands`."""
        labels = []
        for level, (n, (lo, hi)) in enumerate(zip(self.kernel_lengths,
                                                   level_bands(self.kernel_lengths, self.sfreq),
                                                   strict=True)):
            if n <= 1:
                labels.append(f"L{level} ({n} tap) broadband 0-{hi:.0f} Hz")
            else:
                labels.append(f"L{level} ({n} taps) ~ {lo:.0f}-{hi:.0f} Hz")
        return tuple(labels)


class DepthwiseConvExtractor(nn.Module):
    """Ablation extractor: ``n_levels`` free kernels of the base length per channel.

    Same output shape as :class:`ScalingLayer` (batch, channels, levels, time),
    a conv1d with ``groups=n_channels`` and ReLU.
    """

    def __init__(self, n_channels: int, kernel_length: int, n_levels: int | None) -> None:
        super().__init__()
        lengths = scaled_kernel_lengths(kernel_length)
        if n_levels is None:
            n_levels = len(lengths)
        if not isinstance(n_levels, int) or not 1 <= n_levels <= len(lengths):
            raise ConfigError(f"scalingnet-conv n_levels={n_levels!r} must be between 1 and "
                              f"{len(lengths)} for kernel_length={kernel_length}")
        self.n_levels = n_levels
        self.kernel_lengths = (kernel_length,) * n_levels
        self.conv = nn.Conv1d(n_channels, n_channels * n_levels, kernel_length,
                              padding=kernel_length // 2, groups=n_channels)

    def forward(self, x: Tensor) -> Tensor:
        """(batch, C, time) -> (batch, C, n_levels, time)."""
        b, c, t = x.shape
        return torch.relu(self.conv(x)).view(b, c, self.n_levels, t)


class ScalingNetConv(ScalingNet):
    """ScalingNet with a plain depthwise Conv1d instead of the scaling layer (Table 4)."""

    name = "scalingnet-conv"

    def _make_extractor(self, n_channels: int, kernel_length: int, n_levels: int | None,
                        shared: bool) -> nn.Module:
        if shared:
            raise ConfigError("scalingnet-conv has no shared_kernel option",
                              "set shared_kernel = false")
        return DepthwiseConvExtractor(n_channels, kernel_length, n_levels)

    def level_labels(self) -> tuple[str, ...]:
        """Free kernels have no frequency order: plain ``"map k"`` labels."""
        return tuple(f"map {k}" for k in range(self.extractor.n_levels))
