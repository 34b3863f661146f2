"""Running a loaded model on the latest window, as it was trained.

:class:`ModelContract` reads what a checkpoint promises (channels, rate, filter,
window, hop, preprocessing, targets) from ``LoadedModel.meta``;
:class:`WindowClassifier` puts one ``(channels, samples)`` window through the
model on the chosen device under :func:`torch.inference_mode`, with the same
per-window standardisation as training, and returns class probabilities per
target plus the model's level map.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from eeg_emotion.errors import CheckpointError, ConfigError
from eeg_emotion.filters import FilterSpec
from eeg_emotion.targets import Target

log = logging.getLogger(__name__)


def _get(meta: Any, key: str, default: Any = None) -> Any:
    if isinstance(meta, Mapping):
        return meta.get(key, default)
    return getattr(meta, key, default)


@dataclass(frozen=True)
class ModelContract:
    """What a checkpoint says about the signal its model expects.

    Attributes
    ----------
    name : str
        Model name for display.
    channels : tuple of str
        Channel names in the model's input order.
    sfreq : float
        Sampling rate the model was trained at.
    filter : FilterSpec
        Band-pass used in training (the live filter uses the same taps).
    window_s, hop_s : float
        Window length and hop of training.
    standardize : str | None
        ``"window"`` for a per-channel z-score of each window, else None.
    targets : tuple of Target
        What the model predicts.
    synthetic : bool
        Trained only on synthetic data (a demonstration).
    supports_missing : bool
        The model accepts ``channel_mask`` for absent channels.
    """

    name: str
    channels: tuple[str, ...]
    sfreq: float
    filter: FilterSpec
    window_s: float
    hop_s: float
    standardize: str | None
    targets: tuple[Target, ...]
    synthetic: bool
    supports_missing: bool


def contract_of(loaded: Any) -> ModelContract:
    """Read the :class:`ModelContract` of a ``LoadedModel`` (``model`` + ``meta``).

    Raises
    ------
    CheckpointError
        If the metadata lack channels, rate or targets.
    """
    meta = loaded.meta
    model = loaded.model
    channels = _get(meta, "channels")
    sfreq = _get(meta, "sfreq")
    targets = _get(meta, "targets")
    if not channels or not sfreq or not targets:
        raise CheckpointError("the checkpoint's metadata lack channels, sfreq or targets",
                              "re-save the model with `eeg-emotion train`")
    filt = _get(meta, "filter") or {}
    spec = filt if isinstance(filt, FilterSpec) else FilterSpec.from_dict(dict(filt))
    prep = _get(meta, "preprocessing") or {}
    standardize = prep.get("standardize") if isinstance(prep, Mapping) else prep
    tgts = tuple(t if isinstance(t, Target) else Target.from_dict(dict(t)) for t in targets)
    name = _get(meta, "name") or _get(meta, "model") or type(model).__name__
    if isinstance(name, Mapping):
        name = name.get("name") or type(model).__name__
    return ModelContract(
        name=str(name), channels=tuple(channels), sfreq=float(sfreq), filter=spec,
        window_s=float(_get(meta, "window_s") or 4.0), hop_s=float(_get(meta, "hop_s") or 0.5),
        standardize="window" if standardize in ("window", "per-window") else None,
        targets=tgts,
        synthetic=bool(_get(meta, "synthetic", False)),
        supports_missing=bool(getattr(model, "supports_missing_channels", False)))


def resolve_device(device: str) -> torch.device:
    """Turn ``auto|cpu|cuda[:n]`` into a torch device.

    Raises
    ------
    ConfigError
        If CUDA is asked for but not available, or the name is unknown.
    """
    dev = (device or "auto").strip().lower()
    if dev == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    if dev == "cpu":
        return torch.device("cpu")
    if dev.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {device} asked for CUDA but torch sees no GPU",
                              "use --device cpu (or auto), or install a CUDA build of torch")
        return torch.device(dev if ":" in dev else "cuda:0")
    raise ConfigError(f"unknown device {device!r}", "use auto, cpu or cuda")


def standardize_window(x: np.ndarray) -> np.ndarray:
    """Per-channel z-score of one ``(channels, samples)`` window, as offline preprocessing.

    Computed in float64; a flat channel (std <= 1e-12) is only centred.
    """
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    std = x.std(axis=-1, keepdims=True)
    return (x - mean) / np.where(std > 1e-12, std, 1.0)


class WindowClassifier:
    """Probabilities of each target's classes for one window.

    Parameters
    ----------
    model : torch.nn.Module
        ``model(x (B, C, T), channel_mask=None) -> {target: logits}``; optional
        ``level_map(x)`` and ``level_labels()``.
    contract : ModelContract
        What the model expects.
    device : str
        ``auto``, ``cpu`` or ``cuda``.
    channel_mask : numpy.ndarray of bool | None
        Present channels, when some are missing and the model supports it.
    """

    def __init__(self, model: torch.nn.Module, contract: ModelContract, device: str = "auto",
                 channel_mask: np.ndarray | None = None) -> None:
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.contract = contract
        self._mask = (None if channel_mask is None else
                      torch.as_tensor(channel_mask, dtype=torch.bool, device=self.device)[None])
        labels = getattr(model, "level_labels", None)
        self.level_labels: tuple[str, ...] = tuple(labels()) if callable(labels) else ()

    def __call__(self, window: np.ndarray
                 ) -> tuple[dict[str, dict[str, float]], np.ndarray | None]:
        """Classify one window.

        Parameters
        ----------
        window : numpy.ndarray, shape (channels, samples)
            Filtered signal in the model's channel order and rate.

        Returns
        -------
        probabilities : dict
            ``{target: {class: p}}``.
        level_map : numpy.ndarray | None
            ``(channels, levels, time)`` or None.
        """
        x = np.asarray(window, dtype=np.float32)
        if self.contract.standardize == "window":
            x = standardize_window(x).astype(np.float32)
        with torch.inference_mode():
            xt = torch.from_numpy(np.ascontiguousarray(x))[None].to(self.device)
            if self._mask is not None:
                out = self.model(xt, channel_mask=self._mask)
            else:
                out = self.model(xt)
            probs: dict[str, dict[str, float]] = {}
            for target in self.contract.targets:
                if target.name not in out:
                    raise CheckpointError(
                        f"the model gives no output for target {target.name!r}",
                        "re-save the checkpoint; its targets do not match the network")
                p = torch.softmax(out[target.name][0].float(), dim=-1).cpu().numpy()
                probs[target.name] = {c: float(v) for c, v in zip(target.classes, p, strict=True)}
            level = None
            fn = getattr(self.model, "level_map", None)
            if callable(fn):
                lm = fn(xt)
                if lm is not None:
                    level = lm[0].float().cpu().numpy()
        return probs, level


def smooth(previous: dict[str, dict[str, float]] | None, current: dict[str, dict[str, float]],
           alpha: float) -> dict[str, dict[str, float]]:
    """Exponential smoothing ``alpha * previous + (1 - alpha) * current``, per class."""
    if previous is None or alpha <= 0:
        return {t: dict(p) for t, p in current.items()}
    return {t: {c: alpha * previous[t][c] + (1 - alpha) * v for c, v in p.items()}
            for t, p in current.items()}
