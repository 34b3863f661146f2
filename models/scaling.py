"""The scaling layer of ScalingNet (Hu et al., 2021, Eq. 1).

One learnable odd-length base kernel per EEG channel is scaled down level by
level with an average filter of width 2 (stride 2), padded by one zero when
the halved length would be even, so every scaled kernel stays odd:
33 -> 17 -> 9 -> 5 -> 3 -> 1. Level ``l`` of the output is

    relu(bias_l + k_l ⋆ x)

where ``⋆`` is cross-correlation (conv1d semantics, no flip) of the scaled
kernel with the input zero-padded by ``(len(k_l) - 1) / 2`` on each side, so
the output has as many time steps as the input. Stacking the levels gives a
data-driven, spectrogram-like map (channels, levels, time).

The fast path runs all levels of all channels as ONE grouped ``conv1d``: each
scaled kernel, centred and zero-padded to the base length, gives exactly the
same sums as the short kernel with its own padding. Pooling is linear, so the
scaled kernels are ``P_l @ weight`` with fixed matrices ``P_l`` (a buffer),
which keeps them differentiable in the base kernel and avoids any Python loop
over levels or channels in :meth:`ScalingLayer.forward`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from eeg_emotion.errors import ConfigError


def downsample_kernel(kernel: Tensor) -> Tensor:
    """Scale kernels down one level, as the paper's ``downSample``.

    Parameters
    ----------
    kernel : Tensor, shape (..., n)
        Odd-length kernels (n > 1).

    Returns
    -------
    Tensor, shape (..., m)
        Average of neighbouring pairs (window 2, stride 2) with one zero of
        padding on each side when ``n // 2`` is even (zeros count in the
        average), so ``m`` is odd.
    """
    n = kernel.shape[-1]
    pad = 1 if (n // 2) % 2 == 0 else 0
    lead = kernel.shape[:-1]
    flat = kernel.reshape(-1, 1, n)
    out = F.avg_pool1d(flat, kernel_size=2, stride=2, padding=pad, count_include_pad=True)
    return out.reshape(*lead, out.shape[-1])


def scaled_kernel_lengths(kernel_length: int) -> tuple[int, ...]:
    """Lengths of all scaled kernels, from the base length down to 1.

    Parameters
    ----------
    kernel_length : int
        Odd base kernel length.

    Returns
    -------
    tuple of int
        e.g. ``33 -> (33, 17, 9, 5, 3, 1)``.
    """
    if not isinstance(kernel_length, int) or kernel_length < 1 or kernel_length % 2 == 0:
        raise ConfigError(
            f"scaling layer kernel_length={kernel_length!r} must be a positive odd integer",
            "use an odd length such as 17, 33 or 65 (the paper's best on DEAP is 33)")
    lengths = [kernel_length]
    while lengths[-1] > 1:
        n = lengths[-1]
        pad = 1 if (n // 2) % 2 == 0 else 0
        lengths.append((n + 2 * pad - 2) // 2 + 1)
    return tuple(lengths)


def _level_matrices(kernel_length: int, n_levels: int) -> Tensor:
    """Fixed linear maps from the base kernel to each centred scaled kernel.

    Returns
    -------
    Tensor, shape (n_levels, kernel_length, kernel_length)
        ``P[l] @ w`` is level ``l``'s kernel centred in ``kernel_length`` taps.
    """
    mats = torch.zeros(n_levels, kernel_length, kernel_length, dtype=torch.float64)
    # Row i holds the level-l kernel obtained from the unit base kernel e_i; pooling is
    # linear, so the level-l kernel of any w is rows.T @ w.
    rows = torch.eye(kernel_length, dtype=torch.float64)
    for level in range(n_levels):
        if level > 0:
            rows = downsample_kernel(rows)
        n = rows.shape[-1]
        off = (kernel_length - n) // 2
        mats[level, off:off + n, :] = rows.T
    return mats


class ScalingLayer(nn.Module):
    """Scaling layer: one base kernel scaled to several levels (paper Eq. 1).

    Parameters
    ----------
    n_channels : int
        EEG channels; each gets its own base kernel ("parallel scaling layers")
        unless ``shared``.
    kernel_length : int
        Odd length of the base kernel (paper: 33 on DEAP at 128 Hz).
    n_levels : int | None
        Number of levels to keep, from the base kernel down; None keeps all
        of them down to length 1.
    shared : bool
        One base kernel (and bias row) shared by all channels.

    Attributes
    ----------
    weight : Parameter, shape (n_channels or 1, kernel_length)
    bias : Parameter, shape (n_channels or 1, n_levels)
    kernel_lengths : tuple of int
        Length of each level's kernel.
    """

    def __init__(self, n_channels: int, kernel_length: int = 33, n_levels: int | None = None,
                 shared: bool = False) -> None:
        super().__init__()
        if not isinstance(n_channels, int) or n_channels < 1:
            raise ConfigError(f"scaling layer n_channels={n_channels!r} must be >= 1")
        all_lengths = scaled_kernel_lengths(kernel_length)
        if n_levels is None:
            n_levels = len(all_lengths)
        if not isinstance(n_levels, int) or not 1 <= n_levels <= len(all_lengths):
            raise ConfigError(
                f"scaling layer n_levels={n_levels!r} is not possible with kernel_length="
                f"{kernel_length}: it scales to {len(all_lengths)} levels {all_lengths}",
                f"use n_levels between 1 and {len(all_lengths)}, or None for all")
        self.n_channels = n_channels
        self.kernel_length = kernel_length
        self.n_levels = n_levels
        self.shared = shared
        self.kernel_lengths: tuple[int, ...] = all_lengths[:n_levels]
        rows = 1 if shared else n_channels
        self.weight = nn.Parameter(torch.empty(rows, kernel_length))
        self.bias = nn.Parameter(torch.empty(rows, n_levels))
        self.register_buffer("level_matrices",
                             _level_matrices(kernel_length, n_levels).float(), persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialise like a conv1d with one input and ``kernel_length`` taps."""
        bound = 1.0 / self.kernel_length ** 0.5
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def scaled_kernels(self) -> Tensor:
        """All levels' kernels, centred and zero-padded to the base length.

        Returns
        -------
        Tensor, shape (n_channels or 1, n_levels, kernel_length)
        """
        mats = self.level_matrices.to(self.weight.dtype)
        return torch.einsum("lij,cj->cli", mats, self.weight)

    def forward(self, x: Tensor) -> Tensor:
        """Spectrogram-like map of each channel.

        Parameters
        ----------
        x : Tensor, shape (batch, n_channels, time)

        Returns
        -------
        Tensor, shape (batch, n_channels, n_levels, time)
        """
        self._check_input(x)
        b, c, t = x.shape
        kernels = self.scaled_kernels()
        bias = self.bias
        if self.shared:
            kernels = kernels.expand(c, -1, -1)
            bias = bias.expand(c, -1)
        out = F.conv1d(x, kernels.reshape(c * self.n_levels, 1, self.kernel_length),
                       bias.reshape(c * self.n_levels), padding=self.kernel_length // 2,
                       groups=c)
        return torch.relu(out.view(b, c, self.n_levels, t))

    def forward_reference(self, x: Tensor) -> Tensor:
        """Literal per-level, per-channel implementation of Eq. 1 (slow).

        Used by tests and the benchmark to check :meth:`forward`.

        Parameters
        ----------
        x : Tensor, shape (batch, n_channels, time)

        Returns
        -------
        Tensor, shape (batch, n_channels, n_levels, time)
        """
        self._check_input(x)
        levels = []
        kernel = self.weight  # (rows, kernel_length)
        for level in range(self.n_levels):
            if level > 0:
                kernel = downsample_kernel(kernel)
            n = kernel.shape[-1]
            chans = []
            for ch in range(x.shape[1]):
                row = 0 if self.shared else ch
                y = F.conv1d(x[:, ch:ch + 1], kernel[row].view(1, 1, n), padding=(n - 1) // 2)
                chans.append(torch.relu(y[:, 0] + self.bias[row, level]))
            levels.append(torch.stack(chans, dim=1))
        return torch.stack(levels, dim=2)

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != 3 or x.shape[1] != self.n_channels or x.shape[2] < 1:
            raise ConfigError(
                f"scaling layer expects (batch, {self.n_channels} channels, time >= 1), "
                f"got shape {tuple(x.shape)}",
                "pass windows shaped (batch, channels, samples) with the model's channels")

    def extra_repr(self) -> str:
        return (f"n_channels={self.n_channels}, kernel_length={self.kernel_length}, "
                f"kernel_lengths={self.kernel_lengths}, shared={self.shared}")
