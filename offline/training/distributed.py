"""A run over several processes: torchrun's ranks, their process groups, the local launcher.

``torchrun`` (PyTorch's elastic launcher, ``python -m torch.distributed.run``) starts
the processes, one or more per machine, and tells each its place through the
environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``,
``MASTER_ADDR``, ``MASTER_PORT``). Nothing here schedules: :func:`start` joins the
process group torchrun set up, and the protocols decide which rank does what
(:mod:`.split_ranks`: each rank its share of the splits, or all ranks each network
together with :mod:`.ddp`).

Two process groups:

* the *data* group (the default group), ``nccl`` when the ranks train on GPUs, else
  ``gloo``; DistributedDataParallel reduces gradients over it;
* the *control* group, always ``gloo`` on the CPU, with ``[distributed] timeout_s``:
  where the ranks meet (data prepared, shared pre-training written, every fold
  finished), small Python objects and the figures of a DDP epoch.

A rank that fails exits with its error (see :func:`record_failure`); torchrun then
stops the other ranks, so no rank waits for a dead one. ``eeg-emotion train
--workers N`` (:func:`launch_local`) runs torchrun on this machine.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from eeg_emotion.devices import resolve_device
from eeg_emotion.errors import ConfigError, DistributedError, EEGEmotionError
from eeg_emotion.offline.train_config import DistributedSection

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Environment variables torchrun sets for every rank (env:// initialisation reads them).
TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
#: Folder where each failing rank writes its error (set by :func:`launch_local`).
ERRORS_ENV = "EEG_EMOTION_RANK_ERRORS"
#: Seconds a rank that lost a peer waits before failing: torchrun, which saw the peer
#: fail first, stops this rank meanwhile, and its summary names the peer's error.
PEER_GRACE_S = 5.0


@dataclass(frozen=True)
class World:
    """This process's place among the ranks of a torchrun run.

    Attributes
    ----------
    rank, size : int
        This rank and how many there are in all.
    local_rank, local_size : int
        The same on this machine (torchrun's node).
    backend : str
        Of the data group: ``"gloo"`` or ``"nccl"``.
    device : torch.device
        Where this rank trains: ``cuda:<local rank modulo the GPUs>``, or the CPU.
    settings : DistributedSection
        The config's ``[distributed]`` table.
    control : Any
        The gloo process group for meetings and small objects.
    """

    rank: int
    size: int
    local_rank: int
    local_size: int
    backend: str
    device: torch.device
    settings: DistributedSection
    control: Any

    @property
    def main(self) -> bool:
        """Whether this is rank 0, the one that writes reports."""
        return self.rank == 0


_world: World | None = None


def launched() -> bool:
    """Whether torchrun started this process (its environment is set)."""
    return all(k in os.environ for k in TORCHRUN_ENV)


def world() -> World | None:
    """The ranks this process belongs to; None in a run of one process."""
    return _world


def is_main() -> bool:
    """Whether this process writes reports: rank 0, or the only process."""
    return _world is None or _world.main


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        raise DistributedError(f"{name}={os.environ.get(name)!r} is not a number",
                               "start the run with torchrun, which sets it") from None


def rank_device(option: str | None) -> torch.device:
    """Where this process trains: ``option`` (``auto|cpu|cuda[:n]``) for this rank.

    In a run of one process this is :func:`~eeg_emotion.devices.resolve_device`. A
    rank asked for ``auto`` or ``cuda`` (no index) takes GPU ``local rank modulo the
    GPUs``, so N ranks on a machine of N GPUs use one each; ranks beyond the GPUs
    share them.
    """
    device = resolve_device(option)
    if device.type != "cuda" or not launched() or ":" in (option or ""):
        return device
    return torch.device(f"cuda:{_env_int('LOCAL_RANK', 0) % torch.cuda.device_count()}")


def start(settings: DistributedSection, device_option: str | None) -> World | None:
    """Join the ranks torchrun started (nothing when it did not start this process).

    Parameters
    ----------
    settings : DistributedSection
        ``[distributed]``: backend and timeout.
    device_option : str | None
        The run's device (``train.device`` or ``--device``).

    Returns
    -------
    World | None
        This process's place, also kept for :func:`world`; None in a run of one process.

    Raises
    ------
    DistributedError
        When torch has no distributed support or the process group cannot be formed.
    ConfigError
        When nccl is asked for without a GPU.
    """
    global _world
    if not launched():
        return None
    if not dist.is_available():
        raise DistributedError("this torch build has no torch.distributed",
                               "install a torch build from pytorch.org (Linux, macOS or "
                               "Windows wheels all have it)")
    device = rank_device(device_option)
    backend = settings.backend
    if backend == "auto":
        backend = "nccl" if device.type == "cuda" else "gloo"
    if backend == "nccl" and device.type != "cuda":
        raise ConfigError(f"distributed.backend = \"nccl\" needs GPUs; this rank trains on "
                          f"{device}", 'set distributed.backend = "gloo" (or "auto")')
    if device.type == "cuda":
        torch.cuda.set_device(device)
    rank, size = _env_int("RANK", 0), _env_int("WORLD_SIZE", 1)
    local_rank = _env_int("LOCAL_RANK", 0)
    local_size = _env_int("LOCAL_WORLD_SIZE", size)
    timeout = timedelta(seconds=settings.timeout_s)
    try:
        if not dist.is_initialized():
            dist.init_process_group(backend, rank=rank, world_size=size)
        control = dist.new_group(backend="gloo", timeout=timeout)
    except (RuntimeError, ValueError) as exc:
        raise DistributedError(f"rank {rank} of {size} could not join the process group "
                               f"({backend}): {exc}",
                               "check that every node reaches --rdzv-endpoint (host and port) "
                               "and runs the same eeg-emotion and torch") from exc
    _world = World(rank, size, local_rank, local_size, backend, device, settings, control)
    _name_rank_in_logs(rank)
    log.info("rank %d of %d (local %d of %d) on %s, %s", rank, size, local_rank, local_size,
             device, backend)
    return _world


def stop() -> None:
    """Leave the process group (no-op in a run of one process)."""
    global _world
    if _world is not None and dist.is_initialized():
        dist.destroy_process_group()
    _world = None


def _name_rank_in_logs(rank: int) -> None:
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter(
            f"%(asctime)s rank{rank} %(levelname)s %(name)s: %(message)s"))


def barrier(what: str) -> None:
    """Wait until every rank got here (no-op in a run of one process).

    Parameters
    ----------
    what : str
        Where, for the error when a rank does not come within ``timeout_s``.
    """
    w = _world
    if w is None or w.size == 1:
        return
    try:
        dist.barrier(group=w.control)
    except RuntimeError as exc:
        raise _lost_peer(w, what, exc) from exc


def broadcast(value: T) -> T:
    """Rank 0's ``value`` on every rank (a picklable object; no-op in one process)."""
    w = _world
    if w is None or w.size == 1:
        return value
    box = [value]
    try:
        dist.broadcast_object_list(box, src=0, group=w.control)
    except RuntimeError as exc:
        raise _lost_peer(w, "the start of a protocol", exc) from exc
    return box[0]


def _lost_peer(w: World, what: str, exc: Exception) -> DistributedError:
    time.sleep(PEER_GRACE_S)
    return DistributedError(f"rank {w.rank}: the other ranks did not reach {what}: {exc}",
                            "a rank that stopped printed its own error above; if none did, "
                            "raise [distributed] timeout_s")


def share(items: Sequence[T]) -> list[T]:
    """This rank's share of ``items``: every ``size``-th, starting at its rank."""
    w = _world
    return list(items) if w is None else list(items[w.rank::w.size])


def staged(load: Callable[[], T]) -> T:
    """Run ``load`` on local rank 0 first, then on the machine's other ranks.

    Preparing a dataset fills the window cache; the other ranks of the machine then
    read the cache instead of preparing the same windows at the same time.
    """
    w = _world
    if w is None or w.size == 1:
        return load()
    if w.local_rank == 0:
        value = load()
        barrier("the prepared data")
        return value
    barrier("the prepared data")
    return load()


def record_failure(exc: Exception) -> None:
    """Say why this rank fails, where the launchers look (call it in the ``except``).

    torchrun's summary of a failed run reads ``TORCHELASTIC_ERROR_FILE``;
    :func:`launch_local` reads a file in the folder ``EEG_EMOTION_RANK_ERRORS``
    names. A process torchrun did not start writes nothing.
    """
    if not launched():
        return
    rank = _env_int("RANK", 0)
    folder = os.environ.get(ERRORS_ENV)
    if isinstance(exc, EEGEmotionError):
        problem, fix = exc.problem, exc.fix
    else:
        problem, fix = f"{type(exc).__name__}: {exc}", "see the rank's traceback above"
    if folder:
        try:
            (Path(folder) / f"rank{rank}.json").write_text(json.dumps(
                {"rank": rank, "problem": problem, "fix": fix, "time": time.time()}))
        except OSError as err:
            log.warning("could not record rank %d's error in %s: %s", rank, folder, err)
    if os.environ.get("TORCHELASTIC_ERROR_FILE"):
        from torch.distributed.elastic.multiprocessing.errors import ErrorHandler

        ErrorHandler().record_exception(exc)


def torchrun_command(workers: int, argv: Sequence[str]) -> list[str]:
    """The torchrun command that runs ``eeg-emotion ARGV`` in ``workers`` ranks here.

    ``--standalone`` keeps the rendezvous on this machine (a free port), and
    ``--local-addr 127.0.0.1`` the ranks' connections on the loopback interface.
    """
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--local-addr",
            "127.0.0.1", "--nproc-per-node", str(workers), "-m", "eeg_emotion", *argv]


def launch_local(workers: int, argv: Sequence[str]) -> int:
    """Run ``eeg-emotion ARGV`` in ``workers`` torchrun ranks on this machine; wait.

    Parameters
    ----------
    workers : int
        Ranks to start (at least 2).
    argv : sequence of str
        The command each rank runs, e.g. ``["train", "--config", ...]``.

    Returns
    -------
    int
        0 when every rank finished.

    Raises
    ------
    DistributedError
        When a rank failed (its own error, naming its fold where it has one) or
        torchrun could not start.
    """
    if not dist.is_available():
        raise DistributedError("this torch build has no torch.distributed, so --workers "
                               "cannot start ranks", "leave --workers out")
    cmd = torchrun_command(workers, argv)
    log.info("starting %d ranks: %s", workers, " ".join(cmd))
    with tempfile.TemporaryDirectory(prefix="eeg-emotion-ranks-") as errors:
        env = {**os.environ, ERRORS_ENV: errors}
        try:
            rc = subprocess.run(cmd, env=env, check=False).returncode
        except OSError as exc:
            raise DistributedError(f"torchrun could not start: {exc}",
                                   "leave --workers out to train in one process") from exc
        if rc == 0:
            return 0
        failures = sorted((json.loads(p.read_text()) for p in Path(errors).glob("*.json")),
                          key=lambda f: f["time"])
    if failures:
        first = failures[0]
        problem = first["problem"]
        if f"rank {first['rank']}" not in problem:
            problem = f"rank {first['rank']}: {problem}"
        raise DistributedError(problem, first["fix"])
    raise DistributedError(f"torchrun's {workers} ranks failed (exit status {rc}); their "
                           "output is above",
                           "fix the error a rank printed and rerun the same command: "
                           "finished folds are kept")
