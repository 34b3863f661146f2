"""Multi-scale masks for masked-autoencoder pre-training (MSMAE).

Three scales of hiding, each sample of a batch drawing one:

- ``"channel"``: a random ``channel_ratio`` of single channels;
- ``"region"``: every channel of one scalp region (frontal, temporal, central,
  parietal, occipital; :func:`eeg_emotion.montages.channel_region`);
- ``"hemisphere"``: every channel of the left or the right half.

A mask is True where an entry is hidden. At least one channel stays visible
and at least one is hidden in every sample.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch
from torch import Tensor

from eeg_emotion.errors import ConfigError
from eeg_emotion.montages import channel_region

SCALES = ("channel", "region", "hemisphere")


def channel_groups(channels: Sequence[str]) -> dict[str, list[list[int]]]:
    """Index groups for each masking scale.

    Parameters
    ----------
    channels : sequence of str
        Channel names in model order.

    Returns
    -------
    dict
        ``"channel"``: one group per channel; ``"region"``: one group per scalp
        region present; ``"hemisphere"``: the left and right groups present.
    """
    regions: dict[str, list[int]] = {}
    sides: dict[str, list[int]] = {}
    for i, name in enumerate(channels):
        region, side = channel_region(name)
        regions.setdefault(region, []).append(i)
        if side != "midline":
            sides.setdefault(side, []).append(i)
    return {"channel": [[i] for i in range(len(channels))],
            "region": list(regions.values()),
            "hemisphere": list(sides.values())}


@functools.lru_cache(maxsize=32)
def _group_matrices(channels: tuple[str, ...]) -> dict[str, Tensor]:
    """The region and hemisphere groups as (n_groups, n_channels) bool matrices."""
    out = {}
    for scale, groups in channel_groups(channels).items():
        if scale == "channel":
            continue
        mat = torch.zeros(len(groups), len(channels), dtype=torch.bool)
        for g, idx in enumerate(groups):
            mat[g, idx] = True
        out[scale] = mat
    return out


def make_masks(channels: Sequence[str], batch_size: int, *,
               scales: Sequence[str] = SCALES, channel_ratio: float = 0.3,
               available: Tensor | None = None,
               generator: torch.Generator | None = None) -> tuple[Tensor, list[str]]:
    """Draw one multi-scale mask per sample, for the whole batch at once.

    Sample ``i`` uses ``scales[i % len(scales)]``, so every batch of at least
    ``len(scales)`` samples covers every scale. Drawing is vectorised over the
    batch (no per-sample Python loop): the channel scale hides the ``n_hide``
    present channels with the smallest random keys, the other scales pick one
    qualifying group per sample.

    Parameters
    ----------
    channels : sequence of str
        Channel names in model order.
    batch_size : int
        Number of masks.
    scales : sequence of str
        Any of ``"channel"``, ``"region"``, ``"hemisphere"``.
    channel_ratio : float
        Fraction of channels hidden at the channel scale (at least one).
    available : Tensor (n_channels,) bool, optional
        False for absent channels: they are never drawn for hiding (and are
        not counted as visible).
    generator : torch.Generator, optional
        For reproducible masks.

    Returns
    -------
    mask : Tensor, shape (batch_size, n_channels), bool
        True = hidden.
    used : list of str
        The scale of each sample.
    """
    bad = [s for s in scales if s not in SCALES]
    if bad or not scales:
        raise ConfigError(f"unknown masking scale(s) {bad or list(scales)}",
                          f"use some of {', '.join(SCALES)}")
    if not 0.0 < channel_ratio < 1.0:
        raise ConfigError(f"channel_ratio={channel_ratio!r} must be between 0 and 1")
    n = len(channels)
    avail = torch.ones(n, dtype=torch.bool) if available is None else available.cpu().bool()
    present = torch.nonzero(avail).flatten()
    n_present = len(present)
    if n_present < 2:
        raise ConfigError(f"masked pre-training needs at least 2 present channels, got "
                          f"{n_present}", "pre-train on recordings with more channels")
    n_hide = min(max(1, round(channel_ratio * n_present)), n_present - 1)
    matrices = _group_matrices(tuple(channels))
    used = [scales[i % len(scales)] for i in range(batch_size)]
    mask = torch.zeros(batch_size, n, dtype=torch.bool)
    channel_rows = []
    for scale in dict.fromkeys(used):
        rows = torch.tensor([i for i, s in enumerate(used) if s == scale], dtype=torch.long)
        groups = matrices.get(scale)
        if groups is not None:
            # a group qualifies when it hides a present channel and leaves one visible
            hidden = (groups & avail).sum(dim=1)
            groups = groups[(hidden > 0) & (hidden < n_present)]
        if groups is None or not len(groups):
            channel_rows.append(rows)  # no usable region/half: fall back to channels
            continue
        choice = torch.randint(len(groups), (len(rows),), generator=generator)
        mask[rows] = groups[choice] & avail
    if channel_rows:
        rows = torch.cat(channel_rows)
        keys = torch.rand(len(rows), n_present, generator=generator)
        pick = present[keys.argsort(dim=1)[:, :n_hide]]
        mask[rows.unsqueeze(1), pick] = True
        for i in rows.tolist():
            used[i] = "channel"
    return mask, used


def masked_mse(pred: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """Mean squared error over hidden entries only.

    Parameters
    ----------
    pred, target : Tensor, shape (batch, n_channels, n_features)
    mask : Tensor, shape (batch, n_channels), bool
        True = hidden; only these channels' entries count.

    Returns
    -------
    Tensor
        Scalar loss (0 when nothing is hidden).
    """
    weight = mask.unsqueeze(-1).to(pred.dtype)
    count = weight.sum() * pred.shape[-1]
    return ((pred - target) ** 2 * weight).sum() / count.clamp(min=1.0)
