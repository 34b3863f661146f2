"""Running a loaded model on the latest window, as it was trained.

:class:`WindowClassifier` puts one ``(channels, samples)`` window through the
model on the chosen device under :func:`torch.inference_mode`, with the
contract's per-window standardisation
(:func:`eeg_emotion.contract.standardize_windows`, the function offline
preprocessing uses), and returns class probabilities per target plus the
model's level map.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch

from eeg_emotion.contract import SignalContract
from eeg_emotion.errors import CheckpointError, ConfigError
from eeg_emotion.models.base import EmotionModel
from eeg_emotion.targets import Target

log = logging.getLogger(__name__)


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
        x = np.asarray(self.contract.standardize_windows(window), dtype=np.float32)
        with torch.inference_mode():
            xt = torch.from_numpy(np.ascontiguousarray(x))[None].to(self.device)
            if self._mask is not None:
                out = self.model(xt, channel_mask=self._mask)
            else:
                out = self.model(xt)
            probs: dict[str, dict[str, float]] = {}
            for target in self.targets:
                if target.name not in out:
                    raise CheckpointError(
                        f"the model gives no output for target {target.name!r}",
                        "re-save the checkpoint; its targets do not match the network")
                p = torch.softmax(out[target.name][0].float(), dim=-1).cpu().numpy()
                probs[target.name] = {c: float(v) for c, v in zip(target.classes, p, strict=True)}
            lm = self.model.level_map(xt)
            level = None if lm is None else lm[0].float().cpu().numpy()
        return probs, level


def smooth(previous: dict[str, dict[str, float]] | None, current: dict[str, dict[str, float]],
           alpha: float) -> dict[str, dict[str, float]]:
    """Exponential smoothing ``alpha * previous + (1 - alpha) * current``, per class."""
    if previous is None or alpha <= 0:
        return {t: dict(p) for t, p in current.items()}
    return {t: {c: alpha * previous[t][c] + (1 - alpha) * v for c, v in p.items()}
            for t, p in current.items()}
