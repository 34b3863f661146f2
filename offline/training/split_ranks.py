"""Which rank runs what in a protocol: a share of the splits each, or every split together.

In a run started by torchrun (:mod:`.distributed`) each protocol runs in one of two
modes, ``[distributed] mode``:

* ``"folds"``: each rank trains its share of the splits left to run (every
  ``size``-th, in the protocol's order) and writes ``folds/<split>.json`` and its
  checkpoints as a run of one process does. MSMAE's shared pre-training
  (``pretrain.scope = "all_subjects"``) is computed once per session ordering, each
  ordering by one rank, into ``pretrain/<ordering>.pt``, which every rank then loads
  (:meth:`RankPlan.shared_pretraining`). Rank 0 waits for all ranks, reads every
  split's result, trains ``model.pt`` and writes the report. Every split seeds itself,
  so its figures do not depend on which rank ran it or what ran before it there.
* ``"ddp"``: every rank trains every split together (:mod:`.ddp`); rank 0 writes the
  results, the other ranks write theirs into a scratch folder that is deleted.
* ``"auto"``: ddp when fewer splits are left than there are ranks (one large split,
  only the final model left, a resumed run near its end), else folds.

Which splits are left is read once by rank 0 when the protocol starts and sent to
every rank, so all ranks agree on it however far another rank got. A rerun skips the
finished splits whichever rank ran them. A rank whose split fails raises its error,
naming the split and the rank; torchrun then stops the other ranks.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import torch

from eeg_emotion.atomic import atomic_writer
from eeg_emotion.errors import DistributedError, EEGEmotionError
from eeg_emotion.offline.train_config import TrainingConfig
from eeg_emotion.offline.training import ddp, distributed
from eeg_emotion.offline.training.distributed import World
from eeg_emotion.offline.training.run_data import RunData
from eeg_emotion.offline.training.run_folder import RunOptions
from eeg_emotion.offline.training.split_run import pretrain_shared, session_ordering
from eeg_emotion.offline.training.splits import Split

log = logging.getLogger(__name__)

Mode = Literal["single", "folds", "ddp"]
#: Shared pre-training per session ordering: (weights on the CPU, info).
Shared = dict[tuple, tuple[dict[str, torch.Tensor], dict]]


@dataclass
class RankPlan:
    """What this process runs of one protocol.

    Attributes
    ----------
    world : World | None
        The ranks (None: a run of one process, ``mode == "single"``).
    mode : {"single", "folds", "ddp"}
        How the ranks share the work.
    pending : frozenset of str
        Splits not finished when the protocol started.
    final_pending : bool
        Whether ``model.pt`` is to be trained.
    mine : list of Split
        The splits this process runs, in order (finished ones are read back).
    opts : RunOptions
        Where this process writes: the run's folder, or a scratch folder for the
        ranks other than 0 in ddp mode.
    splits : list of Split
        Every split of the protocol, in order.
    """

    world: World | None
    mode: Mode
    pending: frozenset[str]
    final_pending: bool
    mine: list[Split]
    opts: RunOptions
    splits: list[Split]
    _close: Callable[[], object] = field(default=lambda: None, repr=False)

    @property
    def main(self) -> bool:
        """Whether this process writes the report (rank 0, or the only process)."""
        return self.world is None or self.world.main

    def trainings(self) -> contextlib.AbstractContextManager:
        """The context in which this plan's networks train (every rank together in ddp)."""
        return ddp.trainings(self.world if self.mode == "ddp" else None)

    def describe(self) -> dict | None:
        """For ``metrics.json``'s timing: mode and ranks (None in one process)."""
        if self.world is None:
            return None
        return {"mode": self.mode, "ranks": self.world.size, "backend": self.world.backend}

    def fold_error(self, split: Split, exc: Exception) -> EEGEmotionError:
        """The error a failing split raises on a rank: its own, naming split and rank."""
        where = f"{split.name} failed on rank {self.world.rank if self.world else 0}"
        if isinstance(exc, EEGEmotionError):
            return type(exc)(f"{where}: {exc.problem}", exc.fix)
        log.error("%s", where, exc_info=exc)
        return DistributedError(f"{where}: {type(exc).__name__}: {exc}",
                                "the traceback is in that rank's log above; fix its cause and "
                                "rerun the same command: finished folds are kept")

    def shared_pretraining(self, cfg: TrainingConfig, data: RunData, device: torch.device,
                           progress: bool) -> Shared:
        """Folds mode: each session ordering's shared pre-training, one rank each.

        The orderings the pending splits need are dealt round the ranks; each rank
        pre-trains its orderings (unless a file from an earlier attempt is there) into
        ``pretrain/<ordering>.pt``, all ranks meet, then each loads every one. In the
        other modes this returns nothing: the protocol pre-trains when a split first
        needs it, in one process or with every rank together.
        """
        if self.mode != "folds":
            return {}
        pending = [s for s in self.splits if s.name in self.pending]
        keys = list(dict.fromkeys(session_ordering(s) for s in pending))
        folder = self.opts.out / "pretrain"
        for key in distributed.share(keys):
            path = folder / f"{_tag(key)}.pt"
            if path.is_file():
                continue
            split = next(s for s in pending if session_ordering(s) == key)
            state, info = pretrain_shared(cfg, data, split, device, progress)
            folder.mkdir(parents=True, exist_ok=True)
            with atomic_writer(path) as fh:
                torch.save({"state": state, "info": info}, fh)
        distributed.barrier("the shared pre-training")
        shared: Shared = {}
        for key in keys:
            saved = torch.load(folder / f"{_tag(key)}.pt", map_location="cpu",
                               weights_only=True)
            shared[key] = (saved["state"], saved["info"])
        return shared

    def gather(self, folds: list[dict]) -> list[dict] | None:
        """Every split's result on the process that writes the report, None elsewhere.

        Folds mode: the ranks meet once all have finished their share; rank 0 then
        reads each split's ``folds/<split>.json``, in the protocol's order.
        """
        if self.mode == "folds":
            distributed.barrier("the end of their folds")
            if not self.main:
                return None
            folds = []
            for split in self.splits:
                path = self.opts.out / "folds" / f"{split.name}.json"
                if not path.is_file():
                    raise DistributedError(f"{split.name} has no result ({path} is missing) "
                                           "although every rank finished",
                                           "rerun the same command: finished folds are kept")
                folds.append(json.loads(path.read_text()))
            return folds
        return folds if self.main else None

    def final_model(self, train: Callable[[dict], list[Path]], summary: dict | None
                    ) -> list[Path]:
        """Train ``model.pt`` (``train(summary)``): rank 0 alone, or every rank in ddp mode.

        In ddp mode every rank calls this (rank 0 with the summary, which the others
        receive); elsewhere only the process that writes the report trains.
        """
        if self.mode != "ddp":
            return train(summary) if self.main else []
        summary = distributed.broadcast(summary)
        if not self.final_pending and not self.main:
            return []
        with self.trainings():
            return train(summary)

    def close(self) -> None:
        """Delete this rank's scratch folder (ddp mode, ranks other than 0)."""
        self._close()


def _tag(key: tuple) -> str:
    """``((1, 2), 3)`` -> ``s1s2-s3``, the name :func:`pretrain_shared` gives an ordering."""
    train_sessions, test_session = key
    return "s" + "s".join(map(str, train_sessions)) + f"-s{test_session}"


def _left(out: Path, splits: Sequence[Split], final: bool) -> tuple[list[str], bool]:
    """Names of the splits without a result, and whether model.pt is still to train."""
    names = [s.name for s in splits if not (out / "folds" / f"{s.name}.json").is_file()]
    return names, final and not (out / "model.pt").is_file()


def choose_mode(cfg: TrainingConfig, w: World, n_pending: int, final_pending: bool) -> Mode:
    """``[distributed] mode``, with ``auto`` resolved.

    ``auto``: ``ddp`` when there are fewer splits left than ranks (and something to
    train), else ``folds``; always ``folds`` for the Random Forest (no network) and
    for one rank.
    """
    mode = cfg.distributed.mode
    if mode != "auto":
        return mode
    network = cfg.model.name != "random_forest"
    if network and w.size > 1 and n_pending < w.size and (n_pending or final_pending):
        return "ddp"
    return "folds"


def plan_ranks(cfg: TrainingConfig, splits: Sequence[Split], opts: RunOptions) -> RankPlan:
    """What this process runs of a protocol's ``splits`` (rank 0 reads what is left).

    Parameters
    ----------
    cfg : TrainingConfig
        The protocol's config (``[distributed]``, ``train.final_model``).
    splits : sequence of Split
        All splits of the protocol, in order.
    opts : RunOptions
        The run's options (its folder).

    Returns
    -------
    RankPlan
    """
    w = distributed.world()
    final = cfg.train.final_model and cfg.model.name != "random_forest"
    left = _left(opts.out, splits, final) if w is None or w.main else None
    names, final_pending = distributed.broadcast(left)
    pending = frozenset(names)
    pending_splits = [s for s in splits if s.name in pending]
    if w is None:
        return RankPlan(None, "single", pending, final_pending, list(splits), opts,
                        list(splits))
    mode = choose_mode(cfg, w, len(pending), final_pending)
    log.info("%d split(s) left of %d%s; %s mode over %d ranks", len(pending), len(splits),
             " and the final model" if final_pending else "", mode, w.size)
    if mode == "folds":
        return RankPlan(w, mode, pending, final_pending, distributed.share(pending_splits),
                        opts, list(splits))
    if w.main:
        return RankPlan(w, mode, pending, final_pending, list(splits), opts, list(splits))
    scratch = Path(tempfile.mkdtemp(prefix=f"eeg-emotion-rank{w.rank}-"))
    plan = RankPlan(w, mode, pending, final_pending, pending_splits,
                    replace(opts, out=scratch, progress=False), list(splits))
    plan._close = weakref.finalize(plan, shutil.rmtree, scratch, True)
    return plan


@contextlib.contextmanager
def naming_failures(plan: RankPlan, split: Split) -> Iterator[None]:
    """In a run over ranks, a failing split raises its error naming the split and rank.

    In a run of one process errors pass unchanged.
    """
    try:
        yield
    except Exception as exc:
        if plan.world is None:
            raise
        raise plan.fold_error(split, exc) from exc
