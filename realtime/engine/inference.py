"""Running a loaded model on the latest window, as it was trained.

* :class:`WindowClassifier` (``input = "raw"``) puts one ``(channels, samples)``
  window through the model on the chosen device under
  :func:`torch.inference_mode`, with the contract's per-window standardisation
  (:func:`eeg_emotion.contract.standardize_windows`, the function offline
  preprocessing uses), and returns class probabilities per target plus the
  model's level map.
* :class:`FeatureClassifier` (``input = "features"``, a model trained on SEED-IV's
  feature files) computes the window's band features as SEED-IV computed its
  files (:func:`eeg_emotion.seed_iv_features.window_features`), smooths them
  with the causal counterpart of the files' smoother
  (:class:`eeg_emotion.smoothing.CausalSmoother`), optionally standardises them
  with the session's running statistics (:class:`~eeg_emotion.session_norm.RunningSessionNorm`),
  and calls ``model.forward_features``. Its level map is the smoothed features of
  the last windows: (channels, bands, windows).

* :class:`~eeg_emotion.realtime.band_index.BandIndexClassifier`: the
  training-free band-power indices of index mode (no model fits the stream).

All return a :class:`~eeg_emotion.realtime.engine.state.WindowOutput`.
:func:`make_classifier` picks the one the model and contract ask for.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from eeg_emotion.contract import SignalContract
from eeg_emotion.devices import resolve_device
from eeg_emotion.errors import CheckpointError
from eeg_emotion.models.base import EmotionModel
from eeg_emotion.realtime.band_index import BandIndexClassifier, BandIndexModel
from eeg_emotion.realtime.engine.state import WindowOutput
from eeg_emotion.seed_iv_features import window_features
from eeg_emotion.session_norm import RunningSessionNorm
from eeg_emotion.smoothing import CausalSmoother
from eeg_emotion.targets import Target

log = logging.getLogger(__name__)




class WindowClassifier:
    """Probabilities of each target's classes for one window.

    Parameters
    ----------
    model : EmotionModel
        ``model(x (B, C, T), channel_mask=None) -> {target: logits}``, with
        ``level_map(x)`` and ``level_labels()``.
    contract : SignalContract
        What the model expects (its standardisation is applied here).
    targets : sequence of Target
        The model's targets, in head order.
    device : str
        ``auto``, ``cpu`` or ``cuda``.
    channel_mask : numpy.ndarray of bool | None
        Present channels, when some are missing and the model supports it.
    """

    def __init__(self, model: EmotionModel, contract: SignalContract,
                 targets: Sequence[Target], device: str = "auto",
                 channel_mask: np.ndarray | None = None) -> None:
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.contract = contract
        self.targets = tuple(targets)
        self._mask = (None if channel_mask is None else
                      torch.as_tensor(channel_mask, dtype=torch.bool, device=self.device)[None])
        self.level_labels: tuple[str, ...] = tuple(model.level_labels())
        if self.device.type == "cuda":  # one window shape: cuDNN's choice is made in warm_up
            torch.backends.cudnn.benchmark = True

    @property
    def adaptation(self) -> tuple[int, int] | None:
        """(windows seen, warm-up) of session normalisation; None when there is none."""
        return None

    def reset(self) -> None:
        """Nothing carries over between windows of a raw-input model."""

    def __call__(self, window: np.ndarray) -> WindowOutput:
        """Classify one window.

        Parameters
        ----------
        window : numpy.ndarray, shape (channels, samples)
            Filtered signal in the model's channel order and rate.

        Returns
        -------
        WindowOutput
            ``probabilities`` ``{target: {class: p}}`` and the ``level_map``
            ``(channels, levels, time)`` or None.
        """
        x = np.asarray(self.contract.standardize_windows(window), dtype=np.float32)
        with torch.inference_mode():
            xt = torch.from_numpy(np.ascontiguousarray(x))[None].to(self.device)
            # one pass for both: ScalingNet's level map is its CNN's input
            out, lm = self.model.forward_with_level_map(xt, channel_mask=self._mask)
            probs = probabilities(out, self.targets)
            level = None if lm is None else lm[0].float().cpu().numpy()
        return WindowOutput(probs, level)

    def warm_up(self, n_samples: int) -> None:
        """Run the model once on a silent window, so the first real one is not slowed by
        torch's one-off set-up (allocations, kernel choice); no state is kept."""
        with torch.inference_mode():
            x = torch.zeros(1, len(self.contract.channels), int(n_samples), device=self.device)
            self.model.forward_with_level_map(x, channel_mask=self._mask)


def probabilities(out: Mapping[str, torch.Tensor], targets: Sequence[Target]
                  ) -> dict[str, dict[str, float]]:
    """``{target: {class: p}}`` of the first row of the model's logits."""
    probs: dict[str, dict[str, float]] = {}
    for target in targets:
        if target.name not in out:
            raise CheckpointError(f"the model gives no output for target {target.name!r}",
                                  "re-save the checkpoint; its targets do not match the "
                                  "network")
        p = torch.softmax(out[target.name][0].float(), dim=-1).cpu().numpy()
        probs[target.name] = {c: float(v) for c, v in zip(target.classes, p, strict=True)}
    return probs


class FeatureClassifier:
    """Band features of the latest window -> ``model.forward_features`` (feature models).

    Parameters
    ----------
    model : EmotionModel
        With ``forward_features(x (B, C, bands), channel_mask=None)`` (msmae-cnn).
    contract : SignalContract
        ``input = "features"``; its :class:`~eeg_emotion.contract.FeatureSpec` says
        which features, smoother and session normalisation.
    targets : sequence of Target
        The model's targets.
    device : str
        ``auto``, ``cpu`` or ``cuda``.
    channel_mask : numpy.ndarray of bool | None
        Present channels, when some are missing (their features are 0 and masked).
    history : int
        Windows of smoothed features kept for the level map.
    """

    def __init__(self, model: EmotionModel, contract: SignalContract,
                 targets: Sequence[Target], device: str = "auto",
                 channel_mask: np.ndarray | None = None, history: int = 16) -> None:
        if contract.features is None or not hasattr(model, "forward_features"):
            raise CheckpointError(f"model {model.name!r} does not take band features",
                                  "use a model trained with data.input = \"features\"")
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.contract = contract
        self.spec = contract.features
        self.targets = tuple(targets)
        n_ch = len(contract.channels)
        self.present = (np.ones(n_ch, dtype=bool) if channel_mask is None
                        else np.asarray(channel_mask, dtype=bool))
        self._mask = (None if channel_mask is None else
                      torch.as_tensor(self.present, device=self.device)[None])
        self.smoother = CausalSmoother(self.spec.smoothing)
        self.norm = (RunningSessionNorm(self.spec.session_norm_warmup)
                     if self.spec.session_norm else None)
        self._history: collections.deque[np.ndarray] = collections.deque(maxlen=history)
        self.level_labels: tuple[str, ...] = tuple(
            f"{name} {lo:g}-{hi:g} Hz" for name, lo, hi in self.spec.bands)

    @property
    def adaptation(self) -> tuple[int, int] | None:
        """(windows seen, warm-up) of session normalisation; None when it is off."""
        return None if self.norm is None else (self.norm.n, self.norm.warmup)

    def reset(self) -> None:
        """After a gap: the smoother starts again (the session's statistics carry on)."""
        self.smoother.reset()
        self._history.clear()

    def warm_up(self, n_samples: int) -> None:
        """Run the network once on zero features (the smoother and the session's
        statistics are not touched), so the first real window is not slowed."""
        n_bands = len(self.spec.bands)
        with torch.inference_mode():
            x = torch.zeros(1, len(self.contract.channels), n_bands, device=self.device)
            self.model.forward_features(x, channel_mask=self._mask)

    def features(self, window: np.ndarray) -> np.ndarray:
        """Unsmoothed features of one window, (channels, bands); absent channels are 0."""
        f = window_features(window, self.contract.sfreq, self.spec.kind, self.spec.bands)
        f[~self.present] = 0.0
        return f

    def __call__(self, window: np.ndarray) -> WindowOutput:
        """Classify one window (see :class:`WindowClassifier`).

        Returns
        -------
        WindowOutput
            ``probabilities`` ``{target: {class: p}}``; ``level_map`` (channels,
            bands, windows): the smoothed features of the last windows, oldest first.
        """
        smoothed = self.smoother.update(self.features(window))
        smoothed[~self.present] = 0.0
        x = self.norm.update(smoothed, self.present) if self.norm is not None else smoothed
        self._history.append(smoothed.astype(np.float32))
        with torch.inference_mode():
            xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]
            out = self.model.forward_features(xt.to(self.device), channel_mask=self._mask)
            probs = probabilities(out, self.targets)
        return WindowOutput(probs, np.stack(self._history, axis=-1))


Classifier = WindowClassifier | FeatureClassifier | BandIndexClassifier


def make_classifier(model: EmotionModel | BandIndexModel, contract: SignalContract,
                    targets: Sequence[Target], device: str = "auto",
                    channel_mask: np.ndarray | None = None) -> Classifier:
    """The classifier the model and the contract's input kind ask for.

    The built-in band-power indices (:class:`~eeg_emotion.realtime.band_index.BandIndexModel`)
    get a :class:`~eeg_emotion.realtime.band_index.BandIndexClassifier`; a model
    trained on band features a :class:`FeatureClassifier`; any other a
    :class:`WindowClassifier`.
    """
    if isinstance(model, BandIndexModel):
        return BandIndexClassifier(model, contract)
    cls = FeatureClassifier if contract.input == "features" else WindowClassifier
    return cls(model, contract, targets, device, channel_mask)


def smooth(previous: dict[str, dict[str, float]] | None, current: dict[str, dict[str, float]],
           alpha: float) -> dict[str, dict[str, float]]:
    """Exponential smoothing ``alpha * previous + (1 - alpha) * current``, per class."""
    if previous is None or alpha <= 0:
        return {t: dict(p) for t, p in current.items()}
    return {t: {c: alpha * previous[t][c] + (1 - alpha) * v for c, v in p.items()}
            for t, p in current.items()}
