"""DistributedDataParallel inside one training: every rank trains the same network.

In ``[distributed] mode = "ddp"`` (:mod:`.split_ranks`) each network of a run (MSMAE
pre-training, fine-tuning, the final model) is trained by all ranks together, inside
:func:`trainings`:

* a training step's loss goes through :class:`torch.nn.parallel.DistributedDataParallel`
  (:func:`step_runner`): after each backward the gradients are averaged over the
  ranks (the data group: gloo on CPUs, nccl on GPUs), so every rank holds the same
  weights;
* a :class:`torch.utils.data.distributed.DistributedSampler` shuffles the training
  samples each epoch (seeded with the config's seed and the epoch) and deals each rank
  an equal share, the last padded with repeats (:class:`ShardedBatches`). A rank reads
  batches of ``ceil(train.batch_size / ranks)`` (at least 2) from its share, so one
  step still learns from about ``train.batch_size`` samples, as in one process;
* validation: each rank scores its :func:`share` of the validation samples and
  :func:`weighted_mean` all-reduces the sums, so every rank sees the same score, and
  the epoch loop (:mod:`.epochs`) takes the same early-stopping decision everywhere
  (:func:`mean_figures`, :func:`agree`).

Outside :func:`trainings` every function here is the identity of a run in one process.
Batch norm keeps per-rank batch statistics (no SyncBatchNorm: gloo has none), so a
DDP run agrees with a one-process run within a tolerance, not to the last digit.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.training.distributed import World

log = logging.getLogger(__name__)

_active: World | None = None

#: A training step: ``step(model, *inputs) -> loss``.
Step = Callable[..., torch.Tensor]


@contextlib.contextmanager
def trainings(world: World | None) -> Iterator[None]:
    """Within the block, :func:`~eeg_emotion.offline.training.trainer.fit` and
    :func:`~eeg_emotion.offline.training.pretrain.pretrain` train over every rank of
    ``world`` (None: in this process alone, as outside the block)."""
    global _active
    previous, _active = _active, world
    try:
        yield
    finally:
        _active = previous


def active() -> World | None:
    """The ranks training together now; None when this process trains alone."""
    return _active


def rank() -> int:
    """This rank within the training (0 when it trains alone)."""
    return 0 if _active is None else _active.rank


class _Step(nn.Module):
    """The module DDP wraps: its forward runs a whole step's loss on the model."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, step: Step, *inputs: object) -> torch.Tensor:
        return step(self.model, *inputs)


def _check_devices(w: World) -> None:
    if w.backend == "nccl" and w.local_size > torch.cuda.device_count():
        raise ConfigError(f"{w.local_size} ranks on this machine train one network with "
                          f"nccl, but torch sees {torch.cuda.device_count()} GPU(s); nccl "
                          "needs a GPU per rank",
                          f"start at most {torch.cuda.device_count()} rank(s) per machine, "
                          'or set [distributed] backend = "gloo"')


@contextlib.contextmanager
def step_runner(model: nn.Module) -> Iterator[Callable[..., torch.Tensor]]:
    """``run(step, *inputs)``: a training step's loss, through DDP when training together.

    Every loss a step computes (classification, adversarial, masked reconstruction)
    runs inside one DDP forward, so the gradients of the one backward that follows are
    averaged over the ranks. Parameters a stage leaves unused (MSMAE's decoder while
    fine-tuning, the heads while pre-training) are fine: the graph is declared static.

    Parameters
    ----------
    model : torch.nn.Module
        Already on this rank's device; DDP makes every rank start from rank 0's weights.

    Yields
    ------
    callable
        ``run(step, *inputs) -> loss`` with ``step(model, *inputs) -> loss``.
    """
    w = _active
    if w is None:
        yield lambda step, *inputs: step(model, *inputs)
        return
    _check_devices(w)
    net = DistributedDataParallel(_Step(model), device_ids=None, static_graph=True)
    try:
        yield net
    finally:
        net._remove_autograd_hooks()  # the model trains on alone (e.g. few-shot) afterwards


class ShardedBatches:
    """Each call: the batches of this rank's share of one epoch (a DistributedSampler).

    Parameters
    ----------
    idx : numpy.ndarray of int
        The training samples.
    batch_size : int
        Samples of one step over all ranks.
    seed : int
        Seeds the sampler's shuffle (with the epoch).
    world : World
        The ranks training together.
    """

    def __init__(self, idx: np.ndarray, batch_size: int, seed: int, world: World) -> None:
        self.idx = np.asarray(idx)
        self.per_rank = max(2, math.ceil(batch_size / world.size))
        self.sampler = DistributedSampler(range(len(self.idx)), num_replicas=world.size,
                                          rank=world.rank, shuffle=True, seed=seed)
        self.epoch = 0

    def __call__(self) -> Iterator[np.ndarray]:
        self.sampler.set_epoch(self.epoch)
        self.epoch += 1
        mine = self.idx[np.fromiter(iter(self.sampler), dtype=np.int64)]
        for start in range(0, len(mine), self.per_rank):
            yield np.sort(mine[start:start + self.per_rank])


def sharded_batches(idx: np.ndarray, batch_size: int, seed: int) -> ShardedBatches | None:
    """:class:`ShardedBatches` when training together, else None (the caller shuffles)."""
    return None if _active is None else ShardedBatches(idx, batch_size, seed, _active)


def share(idx: np.ndarray) -> np.ndarray:
    """This rank's part of ``idx`` to score (every ``size``-th), or all of it alone."""
    return idx if _active is None else np.asarray(idx)[_active.rank::_active.size]


def _all_reduce(values: Sequence[float], op: dist.ReduceOp.RedOpType) -> list[float]:
    t = torch.tensor(list(values), dtype=torch.float64)
    dist.all_reduce(t, op=op, group=_active.control)
    return t.tolist()


def weighted_mean(values: Sequence[float], weight: float) -> list[float]:
    """Means over every rank of ``values``, each rank's weighted by its sample count.

    Parameters
    ----------
    values : sequence of float
        This rank's means (e.g. validation loss and accuracy over its share).
    weight : float
        Samples behind them (0 for a rank with none).
    """
    if _active is None:
        return list(values)
    *sums, total = _all_reduce([v * weight for v in values] + [weight], dist.ReduceOp.SUM)
    return [s / total if total else 0.0 for s in sums]


def mean_figures(row: dict[str, float]) -> dict[str, float]:
    """An epoch's training figures averaged over the ranks (the row as it is alone)."""
    if _active is None:
        return row
    keys = [k for k in row if k != "epoch"]
    means = _all_reduce([row[k] / _active.size for k in keys], dist.ReduceOp.SUM)
    return {**row, **dict(zip(keys, means, strict=True))}


def agree(score: float, stop: bool) -> tuple[float, bool]:
    """Rank 0's epoch score on every rank, and whether any rank's time budget ran out,
    so every rank keeps the same best epoch and stops after the same one."""
    if _active is None:
        return score, stop
    total, stops = _all_reduce([score if _active.rank == 0 else 0.0, float(stop)],
                               dist.ReduceOp.SUM)
    return total, stops > 0
