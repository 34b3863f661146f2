"""How a training uses a GPU: bf16 autocast, pinned host memory, cuDNN autotuning.

* ``train.precision = "bf16"``: the forward passes of training and validation run
  under :func:`torch.autocast` in bfloat16 (matrix products and convolutions in
  bf16, reductions and the loss in float32); the weights, the optimiser and the
  test-set scoring stay float32, so ``model.pt`` behaves live as it was scored.
  bfloat16 has float32's range, so no loss scaling is needed. On a CPU it works
  too, but is rarely faster.
* ``train.pin_memory`` (on a GPU): each batch is read into page-locked host memory
  and copied with ``non_blocking=True``, so the copy overlaps the GPU's work and the
  loop does not wait for it (see :func:`~eeg_emotion.offline.training.trainer.load_batch`).
* cuDNN autotuning (:func:`tune_for_fixed_shapes`): every window of a run has the
  same shape (the windows are one array), so cuDNN times its convolution algorithms
  once per batch shape and keeps the fastest.
"""

from __future__ import annotations

import contextlib
import logging

import torch

log = logging.getLogger(__name__)


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """The autocast context of ``train.precision`` on ``device`` (a no-op for fp32).

    Parameters
    ----------
    device : torch.device
        Where the model runs.
    precision : {"fp32", "bf16"}
        ``train.precision``.

    Returns
    -------
    context manager
    """
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def pinned(device: torch.device, pin_memory: bool) -> bool:
    """Whether batches for ``device`` go through pinned memory (``train.pin_memory``, CUDA)."""
    return pin_memory and device.type == "cuda"


def tune_for_fixed_shapes(device: torch.device) -> None:
    """Let cuDNN pick the fastest convolution algorithms for the run's batch shapes.

    The windows of a run share one shape, so the autotuner runs once per batch
    shape (the full batch and the last, shorter one). A no-op off CUDA.
    """
    if device.type == "cuda" and not torch.backends.cudnn.benchmark:
        torch.backends.cudnn.benchmark = True
        log.info("cuDNN autotuning on (fixed window shapes)")
