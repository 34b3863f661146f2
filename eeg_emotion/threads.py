"""How many CPU threads torch uses, chosen on purpose for training and for live inference.

The policy
----------
* **Usable CPUs** are those this process may run on: ``os.sched_getaffinity``
  (``taskset``, a container's cpuset, a cluster job's allocation), capped by a
  cgroup v2 CPU quota (``cpu.max``) when one is set.
* **Training** (``train``, ``calibrate``'s personal model, the demo's first-run
  model): ``--threads N``, else
  ``OMP_NUM_THREADS`` when set, else *auto*: the usable CPUs minus the CPUs that
  other processes keep busy (measured from ``/proc/stat``), at least one,
  re-checked at every epoch. Intra-op threads that outnumber the free cores wait
  at OpenMP barriers for a thread the kernel has descheduled: beside another
  2-thread torch process on 2 cores, 2 threads trained the demo model 10-30x
  slower than on a quiet machine, 1 thread 1.9x slower (``benchmarks/bench_training.py``).
* **Live inference** (``live``, ``demo``): one intra-op thread unless ``--threads N``.
  One window of a small network gains little from a second thread (ScalingNet,
  32 channels x 4 s: 2.3 ms with 1 thread, 1.8 ms with 2), while that thread
  competes with acquisition, the dashboard and the stream's publisher; beside a
  busy process it made the latency tail (p99) three times longer.

Torch's thread count is one setting per process, so only the commands set it
(:func:`use_training_threads`, :func:`use_live_threads`); library code such as
:func:`eeg_emotion.offline.training.trainer.fit` only calls :func:`adapt_training_threads`,
which does nothing unless a command chose the automatic policy.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from eeg_emotion.checks import check_count

log = logging.getLogger(__name__)

#: Intra-op threads of live inference unless ``--threads`` says otherwise.
LIVE_THREADS = 1
#: Seconds between two automatic re-checks of the machine's load while training.
ADAPT_EVERY_S = 2.0

_CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by a cgroup CPU quota.

    Returns
    -------
    int
        At least 1.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        cpus = min(cpus, max(1, int(quota + 0.5)))
    return max(1, cpus)


def _cgroup_quota() -> float | None:
    """CPUs allowed by a cgroup v2 ``cpu.max`` (``"max 100000"`` means no quota)."""
    try:
        quota, period = _CGROUP_CPU_MAX.read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return float(quota) / float(period)
    except (ValueError, ZeroDivisionError):
        return None


def check_threads(threads: int | None, option: str = "--threads") -> int | None:
    """Refuse a thread count below 1; warn about more threads than usable CPUs.

    Parameters
    ----------
    threads : int | None
        The requested count (None: automatic).
    option : str
        How the user gave it, for the message.

    Returns
    -------
    int | None
        ``threads``.

    Raises
    ------
    ConfigError
        If ``threads < 1``.
    """
    if threads is None:
        return None
    check_count(option, threads, "1, or leave it out for the automatic choice")
    if threads > usable_cpus():
        log.warning("%s %d is more than the %d CPUs this process may use; torch slows "
                    "down when its threads outnumber the cores", option, threads, usable_cpus())
    return threads


def omp_threads() -> int | None:
    """The thread count ``OMP_NUM_THREADS`` sets, or None when unset or unreadable."""
    text = os.environ.get("OMP_NUM_THREADS", "").strip()
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= 1 else None


class CpuLoadMeter:
    """CPUs kept busy by *other* processes, from ``/proc/stat`` and this process's CPU time.

    Each :meth:`others_busy` call measures the interval since the previous call
    (the first call primes the meter and measures a short sleep). Only the CPUs
    of this process's affinity mask are counted.
    """

    def __init__(self) -> None:
        try:
            self._cpus = {f"cpu{i}" for i in os.sched_getaffinity(0)}
        except (AttributeError, OSError):
            self._cpus = set()
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._last: tuple[float, float, float] | None = None

    def _sample(self) -> tuple[float, float, float] | None:
        """(wall s, busy CPU-s of the counted CPUs, this process's CPU-s)."""
        try:
            lines = Path("/proc/stat").read_text().splitlines()
        except OSError:
            return None
        busy = 0.0
        for line in lines:
            name, _, rest = line.partition(" ")
            if name not in self._cpus:
                continue
            v = [float(x) for x in rest.split()]
            idle = v[3] + (v[4] if len(v) > 4 else 0.0)  # idle + iowait
            busy += sum(v[:8]) - idle  # user nice system idle iowait irq softirq steal
        t = os.times()
        return time.monotonic(), busy / self._tick, t.user + t.system

    def others_busy(self) -> float | None:
        """CPUs other processes used since the last call (None where ``/proc`` is missing)."""
        now = self._sample()
        if now is None:
            return None
        if self._last is None:
            self._last = now
            time.sleep(0.2)
            now = self._sample()
            if now is None:
                return None
        (w0, b0, o0), (w1, b1, o1) = self._last, now
        self._last = now
        if w1 - w0 <= 0.05:
            return None
        return max(0.0, ((b1 - b0) - (o1 - o0)) / (w1 - w0))


@dataclass
class TrainingThreads:
    """The training policy of this process: a fixed count, or automatic.

    Attributes
    ----------
    fixed : int | None
        Threads given by ``--threads`` or ``OMP_NUM_THREADS``; None: automatic.
    why : str
        Where the choice came from, for logs and ``doctor``.
    cap : int | None
        Automatic mode: at most this many threads (this process's share of the usable
        CPUs when several training processes share the machine).
    """

    fixed: int | None
    why: str
    cap: int | None = None

    def __post_init__(self) -> None:
        self._meter = CpuLoadMeter() if self.fixed is None else None
        self._checked = -float("inf")

    def choose(self) -> int:
        """Threads to use now (measures the machine's load in automatic mode)."""
        if self.fixed is not None:
            return self.fixed
        cpus = usable_cpus() if self.cap is None else max(1, min(self.cap, usable_cpus()))
        others = self._meter.others_busy() if self._meter is not None else None
        self._checked = time.monotonic()
        if others is None:
            return cpus
        return max(1, min(cpus, int(cpus - others + 0.5)))

    def due(self) -> bool:
        """Whether an automatic re-check is due (never for a fixed count)."""
        return self.fixed is None and time.monotonic() - self._checked >= ADAPT_EVERY_S


_training: TrainingThreads | None = None


def _set_torch_threads(n: int) -> int:
    import torch  # the commands that train or run a model have loaded it already

    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def use_training_threads(threads: int | None = None, ranks_per_machine: int = 1) -> int:
    """Choose torch's threads for training in this process and apply them.

    Parameters
    ----------
    threads : int | None
        ``--threads``; None: ``OMP_NUM_THREADS`` if set, else automatic (see the
        module docstring), re-checked by :func:`adapt_training_threads`.
    ranks_per_machine : int
        Training processes on this machine (``torchrun``'s ranks per node). Above 1,
        without ``threads``, each takes at most its share of the usable CPUs
        (automatic, re-checked); ``OMP_NUM_THREADS`` is not read then, because
        torchrun sets it to 1 for every rank unless it was set.

    Returns
    -------
    int
        Threads in use now.
    """
    global _training
    check_threads(threads)
    if threads is not None:
        _training = TrainingThreads(threads, "--threads")
    elif ranks_per_machine > 1:
        share = max(1, usable_cpus() // ranks_per_machine)
        _training = TrainingThreads(None, f"auto, at most {share}: the usable CPUs shared by "
                                          f"{ranks_per_machine} ranks", cap=share)
    elif omp_threads() is not None:
        _training = TrainingThreads(omp_threads(), "OMP_NUM_THREADS")
    else:
        _training = TrainingThreads(None, "auto")
    n = _set_torch_threads(_training.choose())
    log.info("training with %d torch thread(s) (%s; %d usable CPUs)", n, _training.why,
             usable_cpus())
    return n


def adapt_training_threads() -> int | None:
    """Re-check the machine's load and adjust torch's threads (automatic policy only).

    Called by the training loops once per epoch; rate-limited to one check per
    :data:`ADAPT_EVERY_S`. A no-op (returns None) unless a command chose the
    automatic policy with :func:`use_training_threads`.

    Returns
    -------
    int | None
        Threads in use after the check, or None when nothing was checked.
    """
    if _training is None or not _training.due():
        return None
    import torch

    before = torch.get_num_threads()
    n = _set_torch_threads(_training.choose())
    if n != before:
        log.info("training threads %d -> %d (other processes keep %d of %d usable CPUs "
                 "busy)", before, n, usable_cpus() - n, usable_cpus())
    return n


def use_live_threads(threads: int | None = None) -> int:
    """Set torch's threads for live inference: ``threads``, else :data:`LIVE_THREADS`.

    Parameters
    ----------
    threads : int | None
        ``--threads`` of ``live`` / ``demo``.

    Returns
    -------
    int
        Threads in use.
    """
    global _training
    check_threads(threads)
    _training = None  # a demo's model build is over: no more automatic re-checks
    n = _set_torch_threads(threads if threads is not None else LIVE_THREADS)
    log.info("live inference with %d torch thread(s)%s", n,
             "" if threads is not None else " (default for small models)")
    return n


def describe_policy() -> str:
    """One line for ``eeg-emotion doctor``: usable CPUs and what training and live use."""
    cpus = usable_cpus()
    try:
        mask = len(os.sched_getaffinity(0))
        where = f"affinity {mask} of {os.cpu_count()}"
    except (AttributeError, OSError):
        where = f"{os.cpu_count()} on this machine"
    quota = _cgroup_quota()
    if quota is not None:
        where += f", cgroup quota {quota:g}"
    omp = omp_threads()
    train = (f"{omp} (OMP_NUM_THREADS)" if omp is not None else
             "auto: the usable CPUs not kept busy by other processes, re-checked each epoch")
    return (f"{cpus} usable CPU(s) ({where}); training threads {train}; live inference "
            f"{LIVE_THREADS} thread; `--threads N` on train, calibrate, live and demo "
            "overrides"
            + ("" if sys.platform.startswith("linux") else "; load not measured off Linux"))
