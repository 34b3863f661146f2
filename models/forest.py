"""A Random Forest on band DE as an emotion model: trees as tensors, safe to load, live-ready.

The Random Forest baseline (:mod:`eeg_emotion.offline.training.baselines`) is a
scikit-learn model, and a scikit-learn model can only be saved by pickling it,
which checkpoints refuse (``torch.load(weights_only=True)``). :class:`BandForest`
holds the fitted trees as plain arrays instead (scikit-learn's
``tree_.children_left``, ``children_right``, ``feature``, ``threshold`` and
``value``, padded to a common node count), computes the same differential-entropy
features from a window (:func:`eeg_emotion.features.differential_entropy`, here in
torch, float64), and walks every tree at once, level by level, so it runs in the
live engine like any network and predicts exactly what the forest predicted.

Its "logits" are the logarithm of the forest's class probabilities (the mean of
the trees' leaf class fractions), so ``softmax`` gives those probabilities back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from eeg_emotion.errors import ConfigError
from eeg_emotion.features import BANDS, band_filter_bank
from eeg_emotion.models.base import EmotionModel
from eeg_emotion.targets import Target

#: Probability floor of the log-probability "logits" (an empty class is not -inf).
PROB_FLOOR = 1e-9


class BandForest(EmotionModel):
    """One Random Forest per target on band DE of each channel.

    Parameters
    ----------
    n_channels, sfreq, targets
        Signal contract, see :class:`eeg_emotion.models.base.EmotionModel`.
    n_trees : int
        Trees per target.
    max_nodes : int
        Nodes of the largest tree (smaller trees are padded with leaves).
    max_depth : int
        Depth of the deepest tree (steps of the walk).

    Notes
    -----
    Build it from fitted forests with :meth:`from_forests`; :func:`build_model`
    with the same hyper-parameters makes the empty shell a checkpoint fills.
    """

    name = "band-forest"
    supports_missing_channels = False
    min_samples = 2

    def __init__(self, n_channels: int, sfreq: float, targets: Sequence[Target], *,
                 n_trees: int = 100, max_nodes: int = 1, max_depth: int = 1) -> None:
        for key, value in (("n_trees", n_trees), ("max_nodes", max_nodes),
                           ("max_depth", max_depth)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"band-forest hparam {key}={value!r} must be a positive "
                                  "integer")
        super().__init__(n_channels, sfreq, targets, n_trees=n_trees, max_nodes=max_nodes,
                         max_depth=max_depth)
        self.n_bands = len(BANDS)
        self.max_depth = max_depth
        shape = (n_trees, max_nodes)
        for i, t in enumerate(self.targets):
            self.register_buffer(f"left_{i}", torch.full(shape, -1, dtype=torch.long))
            self.register_buffer(f"right_{i}", torch.full(shape, -1, dtype=torch.long))
            self.register_buffer(f"feature_{i}", torch.zeros(shape, dtype=torch.long))
            self.register_buffer(f"threshold_{i}", torch.zeros(shape, dtype=torch.float64))
            self.register_buffer(f"value_{i}", torch.full((*shape, len(t.classes)),
                                                          1.0 / len(t.classes),
                                                          dtype=torch.float64))
        self._banks: dict[int, Tensor] = {}

    @classmethod
    def from_forests(cls, forests: Mapping[str, Any], n_channels: int, sfreq: float,
                     targets: Sequence[Target]) -> BandForest:
        """Copy fitted ``sklearn.ensemble.RandomForestClassifier``s into a model.

        Parameters
        ----------
        forests : mapping
            Target name -> a forest fitted on :meth:`features` (flattened
            channels x bands) with class indices as labels.
        n_channels, sfreq, targets
            The signal contract.

        Returns
        -------
        BandForest
        """
        targets = list(targets)
        missing = [t.name for t in targets if t.name not in forests]
        if missing:
            raise ConfigError(f"band-forest: no fitted forest for {', '.join(missing)}")
        trees = {t.name: [e.tree_ for e in forests[t.name].estimators_] for t in targets}
        n_trees = {len(v) for v in trees.values()}
        if len(n_trees) != 1:
            raise ConfigError("band-forest: every target's forest needs the same number of "
                              f"trees, got {sorted(n_trees)}")
        max_nodes = max(tr.node_count for v in trees.values() for tr in v)
        max_depth = max(tr.max_depth for v in trees.values() for tr in v) + 1
        model = cls(n_channels, sfreq, targets, n_trees=n_trees.pop(), max_nodes=max_nodes,
                    max_depth=max_depth)
        for i, t in enumerate(targets):
            classes = [int(c) for c in forests[t.name].classes_]
            for k, tree in enumerate(trees[t.name]):
                n = tree.node_count
                getattr(model, f"left_{i}")[k, :n] = torch.from_numpy(tree.children_left)
                getattr(model, f"right_{i}")[k, :n] = torch.from_numpy(tree.children_right)
                getattr(model, f"feature_{i}")[k, :n] = torch.from_numpy(
                    np.maximum(tree.feature, 0))
                getattr(model, f"threshold_{i}")[k, :n] = torch.from_numpy(tree.threshold)
                value = np.zeros((n, len(t.classes)))
                value[:, classes] = tree.value[:, 0, :]
                value /= np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
                getattr(model, f"value_{i}")[k, :n] = torch.from_numpy(value)
        return model.eval()

    def features(self, x: Tensor) -> Tensor:
        """Band DE of each channel, flattened: (batch, channels * bands), float64.

        The same values as :func:`eeg_emotion.features.differential_entropy`, rounded
        to float32 as scikit-learn's trees see their input.
        """
        n = x.shape[-1]
        if n not in self._banks:
            self._banks[n] = torch.from_numpy(band_filter_bank(self.sfreq, n))
        bank = self._banks[n].to(x.device)
        spec = torch.fft.rfft(x.to(torch.float64), dim=-1)
        power = spec.real ** 2 + spec.imag ** 2
        var = power @ bank.T / (n * n)
        de = 0.5 * torch.log(2.0 * np.pi * np.e * torch.clamp(var, min=1e-20))
        return de.reshape(x.shape[0], -1).to(torch.float32).to(torch.float64)

    def probabilities(self, x: Tensor) -> dict[str, Tensor]:
        """Forest class probabilities per target, (batch, n_classes) float64."""
        self.check_input(x)
        feats = self.features(x)
        out = {}
        for i, t in enumerate(self.targets):
            left, right = getattr(self, f"left_{i}"), getattr(self, f"right_{i}")
            feature, thr = getattr(self, f"feature_{i}"), getattr(self, f"threshold_{i}")
            value = getattr(self, f"value_{i}")
            n_trees = left.shape[0]
            tree = torch.arange(n_trees, device=x.device).expand(x.shape[0], n_trees)
            node = torch.zeros_like(tree)
            for _ in range(self.max_depth):
                go_left = feats.gather(1, feature[tree, node]) <= thr[tree, node]
                nxt = torch.where(go_left, left[tree, node], right[tree, node])
                node = torch.where(left[tree, node] < 0, node, nxt)
            out[t.name] = value[tree, node].mean(dim=1)
        return out

    @torch.no_grad()
    def level_map(self, x: Tensor) -> Tensor:
        """The forest's input, band DE per channel: (batch, channels, bands, 1)."""
        self.check_input(x)
        return self.features(x).reshape(x.shape[0], self.n_channels, self.n_bands, 1).float()

    def level_labels(self) -> tuple[str, ...]:
        """``"alpha 8-14 Hz"`` per band."""
        return tuple(f"{n} {lo:g}-{hi:g} Hz" for n, (lo, hi) in BANDS.items())

    def forward(self, x: Tensor, channel_mask: Tensor | None = None) -> dict[str, Tensor]:
        """Log-probabilities per target (softmax gives the forest's probabilities)."""
        self.check_input(x, channel_mask)
        return {k: torch.log(torch.clamp(p, min=PROB_FLOOR)).to(torch.float32)
                for k, p in self.probabilities(x).items()}
