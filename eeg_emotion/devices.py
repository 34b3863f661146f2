"""Where a model runs: ``--device auto|cpu|cuda[:n]`` as a torch device.

Training (:mod:`eeg_emotion.offline.training`), evaluation and live inference
(:mod:`eeg_emotion.realtime.engine.engine.inference`) resolve the option the same way.
"""

from __future__ import annotations

import torch

from eeg_emotion.errors import ConfigError


def resolve_device(device: str | None) -> torch.device:
    """Turn ``auto|cpu|cuda[:n]`` into a torch device.

    Parameters
    ----------
    device : str | None
        ``"auto"`` (or None): the first CUDA GPU when torch sees one, else the CPU.

    Returns
    -------
    torch.device

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
    if dev == "cuda" or dev.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {device} asked for CUDA but torch sees no GPU",
                              "use --device cpu (or auto), or install a CUDA build of torch")
        index = dev.partition(":")[2] or "0"
        if not index.isdigit() or int(index) >= torch.cuda.device_count():
            raise ConfigError(f"--device {device}: torch sees {torch.cuda.device_count()} "
                              "GPU(s)", "use --device cuda (the first GPU) or auto")
        return torch.device(f"cuda:{index}")
    raise ConfigError(f"unknown device {device!r}", "use auto, cpu or cuda (or cuda:N)")
