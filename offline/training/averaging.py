"""Weights averaged over training steps (an exponential moving average).

With ~720 trial-level points, the weights of one epoch swing with the last batches
they saw; the average of the recent steps is smoother and generalises across trials
better (``train.average_decay``). Validation, early stopping and the kept model all
use the averaged weights; training continues from the model's own.
"""

from __future__ import annotations

import torch


class WeightAverage:
    """Exponential moving average of a model's parameters and buffers.

    Parameters
    ----------
    model : torch.nn.Module
        The model being trained (its state is swapped in place, so optimizers and
        a DistributedDataParallel wrapper keep their references).
    decay : float
        Weight of the old average at each step, in (0, 1): 0.98 averages about the
        last 50 steps.
    """

    def __init__(self, model: torch.nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must be in (0, 1), got {decay!r}")
        self.model = model
        self.decay = float(decay)
        self.average = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self._own: dict[str, torch.Tensor] | None = None

    @torch.no_grad()
    def update(self) -> None:
        """Fold the model's current weights into the average (after an optimizer step)."""
        for key, value in self.model.state_dict().items():
            avg = self.average[key]
            if avg.is_floating_point():
                avg.mul_(self.decay).add_(value.detach(), alpha=1.0 - self.decay)
            else:  # counters such as batch norm's num_batches_tracked
                avg.copy_(value)

    def use_average(self) -> None:
        """Put the averaged weights into the model, keeping its own to resume from."""
        if self._own is None:
            self._own = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        self.model.load_state_dict(self.average)

    def resume_training(self) -> None:
        """Put the model's own weights back (no-op when they are already there)."""
        if self._own is not None:
            self.model.load_state_dict(self._own)
            self._own = None


@torch.no_grad()
def average_states(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The uniform average of several state dicts of one architecture (a model soup).

    Floating-point entries are averaged; the others (counters such as batch norm's
    ``num_batches_tracked``) are taken from the first state.
    """
    if not states:
        raise ValueError("no states to average")
    out = {}
    for key, first in states[0].items():
        if first.is_floating_point():
            out[key] = torch.stack([s[key] for s in states]).mean(dim=0)
        else:
            out[key] = first.clone()
    return out
