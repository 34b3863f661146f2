"""MSMAE-CNN: multi-scale masked autoencoder with a CNN encoder on band DE.

After Pang et al., "Multi-scale masked autoencoders for cross-session emotion
recognition" (IEEE TNSRE, 2024) and the MSMAE-CNN description of Reddy et al.
(2025) for SEED-IV. The network sees, per window, the differential entropy
(DE) of each channel in the five bands delta..gamma:

1. **Input** - DE computed in the model from raw windows by a fixed FIR bank
   (:class:`eeg_emotion.models.band_de.BandDE`), or precomputed DE (SEED-IV feature
   files) through :meth:`MSMAECNN.forward_features`. DE is standardised per
   band with running statistics over present channels only.
2. **Scalp image** - channels are placed on a 9x9 grid
   (:mod:`eeg_emotion.models.scalp_grid`): a (5 bands + occupancy, 9, 9) image. Hidden or
   absent channels carry a learnable mask token instead of their DE.
3. **Multi-scale encoder** - parallel 1x1, 3x3 and 5x5 convolution branches
   (different receptive fields: one electrode, its neighbours, a region) are
   concatenated and fused by a 3x3 convolution; a 3x3 pooled map goes through
   a linear layer to the embedding.
4. **Light decoder** - per channel, its grid cell's fused features and the
   embedding predict its five DE values (pre-training only).
5. **Heads** - one linear classifier per target; a session discriminator
   behind gradient reversal for adversarial session alignment.

Pre-training (:meth:`MSMAECNN.pretrain_loss`) hides channels at several scales
(single channels, scalp regions, hemispheres; :mod:`eeg_emotion.models.masking`) and
scores the reconstruction of the hidden entries only. Missing channels at run
time are treated like hidden ones, so the model still predicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from eeg_emotion.errors import ConfigError
from eeg_emotion.models.adaptation import grad_reverse
from eeg_emotion.models.band_de import BandDE
from eeg_emotion.models.base import EmotionModel
from eeg_emotion.models.masking import SCALES, make_masks, masked_mse
from eeg_emotion.models.scalp_grid import GRID_SIZE, grid_positions
from eeg_emotion.montages import MONTAGES
from eeg_emotion.targets import Target


def default_channels(n_channels: int) -> list[str]:
    """The known montage with ``n_channels`` channels (SEED-IV 62, DEAP 32, Cyton 8/16)."""
    for names in MONTAGES.values():
        if len(names) == n_channels:
            return list(names)
    raise ConfigError(f"msmae-cnn needs channel names for {n_channels} channels",
                      "pass channels=[...] (the model's channel names, in order) as an hparam")


class MSMAECNN(EmotionModel):
    """Multi-scale masked-autoencoder CNN on band differential entropy.

    Parameters
    ----------
    n_channels, sfreq, targets
        Signal contract, see :class:`eeg_emotion.models.base.EmotionModel`.
    channels : sequence of str | None
        Channel names in model order (needed for the scalp grid and region
        masks); None picks the known montage with ``n_channels`` channels.
    branch_filters : int
        Filters of each encoder branch (1x1, 3x3, 5x5).
    embed_dim : int
        Size of the window embedding.
    dropout : float
        Dropout before the heads.
    de_segments : int
        DE is averaged over this many sub-segments of a raw window (1 = DE of
        the whole window, like SEED-IV's 4-s features).
    map_segments : int
        Sub-segments per window in :meth:`level_map`.
    filter_s : float
        Length of the band FIRs in seconds.
    n_domains : int
        Classes of the session discriminator.
    mask_ratio : float
        Fraction of channels hidden at the single-channel masking scale.
    direct_de : bool
        The heads also see every channel's DE directly, each feature standardised with
        its own running statistics (a linear path beside the encoder's embedding;
        hidden channels read 0, their mean). With the
        ~720 trial-level points of a SEED-IV subject, the pooled embedding alone drops
        per-electrode detail that a linear read-out keeps; the encoder, pre-trained by
        masked reconstruction as in the paper, adds what is non-linear on top.
    """

    name = "msmae-cnn"
    supports_missing_channels = True

    def __init__(self, n_channels: int, sfreq: float, targets: Sequence[Target], *,
                 channels: Sequence[str] | None = None, branch_filters: int = 16,
                 embed_dim: int = 128, dropout: float = 0.25, de_segments: int = 1,
                 map_segments: int = 8, filter_s: float = 1.0, n_domains: int = 2,
                 mask_ratio: float = 0.3, direct_de: bool = False) -> None:
        channels = default_channels(n_channels) if channels is None else [str(c) for c in
                                                                          channels]
        if len(channels) != n_channels:
            raise ConfigError(f"msmae-cnn got {len(channels)} channel names for n_channels="
                              f"{n_channels}", "list exactly one name per input channel")
        for name, value in (("branch_filters", branch_filters), ("embed_dim", embed_dim),
                            ("de_segments", de_segments), ("map_segments", map_segments),
                            ("n_domains", n_domains)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"msmae-cnn hparam {name}={value!r} must be a positive integer")
        if not isinstance(dropout, int | float) or not 0.0 <= dropout < 1.0:
            raise ConfigError(f"msmae-cnn hparam dropout={dropout!r} must be in [0, 1)")
        if not isinstance(mask_ratio, int | float) or not 0.0 < mask_ratio < 1.0:
            raise ConfigError(f"msmae-cnn hparam mask_ratio={mask_ratio!r} must be in (0, 1)")
        if not isinstance(direct_de, bool):
            raise ConfigError(f"msmae-cnn hparam direct_de={direct_de!r} must be true or false")
        super().__init__(n_channels, sfreq, targets, channels=channels,
                         branch_filters=branch_filters, embed_dim=embed_dim, dropout=dropout,
                         de_segments=de_segments, map_segments=map_segments, filter_s=filter_s,
                         n_domains=n_domains, mask_ratio=mask_ratio, direct_de=direct_de)
        self.channels = channels
        self.de_segments = de_segments
        self.map_segments = map_segments
        self.mask_ratio = float(mask_ratio)
        self.band_de = BandDE(self.sfreq, filter_s)
        nb = self.band_de.n_bands
        self.n_bands = nb
        pos = grid_positions(channels)
        self.register_buffer("cells", torch.as_tensor(pos[:, 0] * GRID_SIZE + pos[:, 1]),
                             persistent=False)
        # Per-band standardisation from present channels only (running, like batch norm).
        self.register_buffer("de_mean", torch.zeros(nb))
        self.register_buffer("de_var", torch.ones(nb))
        self.register_buffer("de_stats_ready", torch.zeros((), dtype=torch.bool))
        self.norm_momentum = 0.1
        self.mask_token = nn.Parameter(torch.zeros(nb))
        f = branch_filters
        in_planes = nb + 1  # bands + occupancy
        self.branches = nn.ModuleList([
            nn.Sequential(nn.Conv2d(in_planes, f, k, padding=k // 2), nn.BatchNorm2d(f),
                          nn.ReLU()) for k in (1, 3, 5)])
        self.fuse = nn.Sequential(nn.Conv2d(3 * f, 2 * f, 3, padding=1), nn.BatchNorm2d(2 * f),
                                  nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(3)
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(2 * f * 9, embed_dim), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(2 * f + embed_dim, 64), nn.ReLU(),
                                     nn.Linear(64, nb))
        self.direct_de = direct_de
        direct = n_channels * nb if direct_de else 0
        # Each direct feature standardised with its own running statistics, as a
        # logistic regression's scaler would (the encoder's input is standardised per band).
        self.direct_norm = nn.BatchNorm1d(direct, affine=False) if direct_de else None
        self.heads = self.make_heads(embed_dim + direct, float(dropout))
        self.discriminator = nn.Sequential(nn.Linear(embed_dim, 64), nn.ReLU(),
                                           nn.Linear(64, n_domains))

    # -- input ------------------------------------------------------------------------------
    def compute_de(self, x: Tensor, n_segments: int | None = None) -> Tensor:
        """DE of raw windows, (batch, C, T) -> (batch, C, bands), averaged over segments."""
        s = min(self.de_segments if n_segments is None else n_segments, x.shape[-1])
        return self.band_de(x, s).mean(dim=-1)

    def _check_features(self, de: Tensor) -> None:
        if not isinstance(de, Tensor) or de.ndim != 3 or de.shape[1:] != (self.n_channels,
                                                                            self.n_bands):
            shape = tuple(de.shape) if isinstance(de, Tensor) else type(de).__name__
            raise ConfigError(
                f"msmae-cnn expects DE features shaped (batch, {self.n_channels}, "
                f"{self.n_bands}), got {shape}",
                "pass (windows, channels, bands) with the model's channels and bands")

    def _present(self, channel_mask: Tensor | None, batch: int, device: torch.device) -> Tensor:
        """Present channels as a (batch, C) bool tensor."""
        if channel_mask is None:
            return torch.ones(batch, self.n_channels, dtype=torch.bool, device=device)
        if channel_mask.dtype != torch.bool or channel_mask.shape not in (
                (self.n_channels,), (1, self.n_channels), (batch, self.n_channels)):
            raise ConfigError(f"channel_mask must be a bool tensor of shape "
                              f"({self.n_channels},) or (batch, {self.n_channels}), got "
                              f"{channel_mask.dtype} {tuple(channel_mask.shape)}")
        present = channel_mask.to(device).expand(batch, self.n_channels)
        if not bool(present.any(dim=1).all()):
            raise ConfigError("every channel is marked missing", "connect some electrodes")
        return present

    def normalize(self, de: Tensor, present: Tensor) -> Tensor:
        """Standardise DE per band; in training, update running stats from present channels.

        Parameters
        ----------
        de : Tensor, shape (batch, C, bands)
        present : Tensor, shape (C,) or (batch, C), bool
        """
        if self.training:
            vals = de.detach()[present.expand(de.shape[0], self.n_channels)]
            mean = vals.mean(dim=0)
            var = vals.var(dim=0, unbiased=False) if len(vals) > 1 else torch.ones_like(mean)
            with torch.no_grad():
                if bool(self.de_stats_ready):
                    m = self.norm_momentum
                    self.de_mean.mul_(1 - m).add_(m * mean)
                    self.de_var.mul_(1 - m).add_(m * var)
                else:
                    self.de_mean.copy_(mean)
                    self.de_var.copy_(var)
                    self.de_stats_ready.fill_(True)
        else:
            mean, var = self.de_mean, self.de_var
        return (de - mean) / torch.sqrt(var + 1e-5)

    # -- encoder / decoder -----------------------------------------------------------------
    def encode(self, z: Tensor, hidden: Tensor) -> tuple[Tensor, Tensor]:
        """Encode standardised DE with hidden channels replaced by the mask token.

        Parameters
        ----------
        z : Tensor, shape (batch, C, bands)
            Standardised DE.
        hidden : Tensor, shape (batch, C), (1, C) or (C,), bool
            True for masked or absent channels.

        Returns
        -------
        embedding : Tensor, shape (batch, embed_dim)
        fmap : Tensor, shape (batch, 2 * branch_filters, 9, 9)
        """
        b = z.shape[0]
        hidden = hidden.expand(b, self.n_channels).unsqueeze(-1)
        tokens = torch.where(hidden, self.mask_token.to(z.dtype), z)
        planes = torch.cat([tokens, (~hidden).to(z.dtype)], dim=-1)  # (B, C, bands + 1)
        img = z.new_zeros(b, self.n_bands + 1, GRID_SIZE * GRID_SIZE)
        img[:, :, self.cells] = planes.transpose(1, 2)
        img = img.view(b, self.n_bands + 1, GRID_SIZE, GRID_SIZE)
        fmap = self.fuse(torch.cat([branch(img) for branch in self.branches], dim=1))
        return self.embed(self.pool(fmap)), fmap

    def decode(self, embedding: Tensor, fmap: Tensor) -> Tensor:
        """Reconstruct standardised DE of every channel, shape (batch, C, bands)."""
        local = fmap.flatten(2)[:, :, self.cells].transpose(1, 2)  # (B, C, 2F)
        glob = embedding.unsqueeze(1).expand(-1, self.n_channels, -1)
        return self.decoder(torch.cat([local, glob], dim=-1))

    def embedding(self, x: Tensor, channel_mask: Tensor | None = None, *,
                  features: bool = False) -> Tensor:
        """Window embedding (batch, embed_dim) from raw windows or DE features."""
        return self._encoded(x, channel_mask, features)[0]

    def _encoded(self, x: Tensor, channel_mask: Tensor | None, features: bool
                 ) -> tuple[Tensor, Tensor]:
        """The embedding and the heads' input (the embedding, then the direct DE)."""
        if features:
            self._check_features(x)
            de = x
        else:
            self.check_input(x)
            de = self.compute_de(x)
        present = self._present(channel_mask, x.shape[0], x.device)
        z = self.normalize(de, present)
        emb, _ = self.encode(z, ~present)
        if not self.direct_de:
            return emb, emb
        direct = self.direct_norm(z.flatten(1)).view_as(z)
        direct = torch.where(present.unsqueeze(-1), direct, torch.zeros((), dtype=z.dtype,
                                                                        device=z.device))
        return emb, torch.cat([emb, direct.flatten(1)], dim=1)

    # -- public entry points ---------------------------------------------------------------
    def forward(self, x: Tensor, channel_mask: Tensor | None = None) -> dict[str, Tensor]:
        """Logits per target from raw windows (batch, C, T); absent channels allowed."""
        self.check_input(x, channel_mask)
        return self._classify(self._encoded(x, channel_mask, False)[1])

    def forward_features(self, de: Tensor, channel_mask: Tensor | None = None
                         ) -> dict[str, Tensor]:
        """Logits per target from precomputed DE (batch, C, 5), e.g. SEED-IV ``de_LDS``."""
        return self._classify(self._encoded(de, channel_mask, True)[1])

    def _classify(self, z: Tensor) -> dict[str, Tensor]:
        return {name: head(z) for name, head in self.heads.items()}

    def domain_logits(self, x: Tensor, lambda_: float = 1.0, *, features: bool = False,
                      channel_mask: Tensor | None = None) -> Tensor:
        """Session-discriminator logits behind a gradient-reversal layer.

        Parameters
        ----------
        x : Tensor
            Raw windows, or DE with ``features=True``.
        lambda_ : float
            Weight of the reversed gradient reaching the encoder.

        Returns
        -------
        Tensor, shape (batch, n_domains)
        """
        z = self.embedding(x, channel_mask, features=features)
        return self.discriminator(grad_reverse(z, lambda_))

    def pretrain_loss(self, x: Tensor, *, features: bool = False, masks: Tensor | None = None,
                      channel_mask: Tensor | None = None, mask_ratio: float | None = None,
                      scales: Sequence[str] = SCALES,
                      generator: torch.Generator | None = None) -> tuple[Tensor, dict[str, Any]]:
        """Masked-reconstruction loss at several masking scales.

        Parameters
        ----------
        x : Tensor
            Raw windows (batch, C, T), or DE (batch, C, bands) with ``features=True``.
        features : bool
            Whether ``x`` is DE.
        masks : Tensor (batch, C) bool, optional
            True = hidden; drawn by :func:`eeg_emotion.models.masking.make_masks` when None.
        channel_mask : Tensor (C,) or (batch, C) bool, optional
            False for absent channels (never scored, always token-filled).
        mask_ratio : float, optional
            Fraction hidden at the channel scale; default the ``mask_ratio`` hparam.
        scales : sequence of str
            Masking scales to draw from (default all: channel, region, hemisphere).
        generator : torch.Generator, optional
            For reproducible masks.

        Returns
        -------
        loss : Tensor
            MSE over hidden, present entries of the standardised DE.
        info : dict
            ``mask`` (the scored entries), ``scales`` (scale per sample),
            ``reconstruction`` (detached, standardised).
        """
        if features:
            self._check_features(x)
            de = x
        else:
            self.check_input(x, channel_mask)
            de = self.compute_de(x)
        present = self._present(channel_mask, x.shape[0], x.device)
        if masks is None:
            ratio = self.mask_ratio if mask_ratio is None else mask_ratio
            masks, used = make_masks(self.channels, x.shape[0], scales=scales,
                                     channel_ratio=ratio, available=present.all(dim=0),
                                     generator=generator)
            masks = masks.to(x.device)
        else:
            if masks.shape != (x.shape[0], self.n_channels) or masks.dtype != torch.bool:
                raise ConfigError(f"masks must be bool (batch, {self.n_channels}), got "
                                  f"{masks.dtype} {tuple(masks.shape)}")
            used = ["given"] * x.shape[0]
        target = self.normalize(de, present).detach()
        scored = masks & present
        emb, fmap = self.encode(target, masks | ~present)
        recon = self.decode(emb, fmap)
        loss = masked_mse(recon, target, scored)
        return loss, {"mask": scored, "scales": used, "reconstruction": recon.detach()}

    # -- display ---------------------------------------------------------------------------
    @torch.no_grad()
    def level_map(self, x: Tensor) -> Tensor:
        """DE per band over sub-segments, shape (batch, C, bands, segments)."""
        self.check_input(x)
        return self.band_de(x, min(self.map_segments, x.shape[-1]))

    def level_labels(self) -> tuple[str, ...]:
        """Band names with their Hz range (gamma clipped at low sampling rates)."""
        return self.band_de.labels()

