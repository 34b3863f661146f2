"""What several benchmarks share: a publisher subprocess and an untrained ScalingNet."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import build_model
from eeg_emotion.models.checkpoint import CheckpointMeta, LoadedModel
from eeg_emotion.targets import deap_targets


def untrained_scalingnet(channels: Sequence[str], sfreq: float = 128.0, window_s: float = 4.0,
                         hop_s: float = 0.25,
                         targets: Sequence[str] = ("valence", "arousal")) -> LoadedModel:
    """An untrained ScalingNet (paper defaults) with the contract of a DEAP-style model.

    Parameters
    ----------
    channels : sequence of str
        Channel names the model takes.
    sfreq : float
        Model rate in Hz.
    window_s, hop_s : float
        Window and hop of the contract in seconds.
    targets : sequence of str
        DEAP targets (binary at 5).

    Returns
    -------
    LoadedModel
    """
    torch.manual_seed(0)
    tgts = deap_targets(tuple(targets))
    model = build_model("scalingnet", len(channels), sfreq, tgts).eval()
    contract = SignalContract(channels=tuple(channels), sfreq=float(sfreq), units="microvolts",
                              filter=FilterSpec(4.0, 45.0), window_s=float(window_s),
                              hop_s=float(hop_s), baseline="none", standardize="window")
    meta = CheckpointMeta(model="scalingnet", hparams=model.hparams(), signal=contract,
                          targets=list(tgts), synthetic=True)
    return LoadedModel(model, meta)


ROOT = Path(__file__).resolve().parents[1]

#: Noise published by :class:`~eeg_emotion.realtime.replay.player.ReplayPlayer`: each chunk is
#: pushed when its last sample is due and stamped with that time, so "last sample
#: pushed -> estimate" is ``local_clock() - Estimate.time`` at the consumer.
PUBLISHER = """
import sys, numpy as np
from eeg_emotion.realtime.replay.player import ReplayPlayer
n_ch, sfreq, seconds, name = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
chans = sys.argv[5].split(",") if len(sys.argv) > 5 else [f"E{i}" for i in range(n_ch)]
rng = np.random.default_rng(0)
data = (rng.standard_normal((n_ch, int(sfreq * seconds))) * 20).astype(np.float32)
p = ReplayPlayer(data, sfreq, chans, name)
p.open()
p.wait_for_consumers(20, markers=False)
s = p.run()
print(f"publisher: behind {s.behind_events} times, max lateness {s.max_lateness_s*1000:.0f} ms",
      file=sys.stderr)
p.close()
"""


def start_publisher(n_ch: int, sfreq: float, seconds: float, name: str,
                    labels: Sequence[str] | None = None) -> subprocess.Popen:
    """Publish ``n_ch`` x ``sfreq`` noise for ``seconds`` as LSL stream ``name`` (subprocess).

    Parameters
    ----------
    n_ch : int
        Channels.
    sfreq : float
        Rate in Hz.
    seconds : float
        How long it publishes (after a consumer connects).
    name : str
        Stream name.
    labels : sequence of str | None
        Channel labels in the stream description (default ``E0``, ``E1``, ...).

    Returns
    -------
    subprocess.Popen
        With ``stderr`` piped (its last line says whether it kept its schedule).
    """
    cmd = [sys.executable, "-c", PUBLISHER, str(n_ch), str(sfreq), str(seconds), name]
    if labels is not None:
        cmd.append(",".join(labels))
    return subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


#: A CPU-bound torch process with 2 intra-op threads (another engineer's training, say).
TORCH_LOAD = """
import torch
torch.set_num_threads(2)
x = torch.randn(64, 32, 512)
conv = torch.nn.Conv1d(32, 64, 33, padding=16)
opt = torch.optim.SGD(conv.parameters(), lr=1e-3)
while True:
    loss = conv(x).square().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

#: What ``--beside`` can run next to a benchmark.
LOADS = {"torch": [sys.executable, "-c", TORCH_LOAD],
         "shell": ["sh", "-c", "while :; do :; done"]}


def start_load(kind: str | None) -> subprocess.Popen | None:
    """Start a competing CPU-bound process (``"torch"``, ``"shell"``) or nothing (None).

    Stop it with ``proc.kill()`` (:func:`stop_load`).
    """
    if not kind or kind == "none":
        return None
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    return subprocess.Popen(LOADS[kind], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop_load(proc: subprocess.Popen | None) -> None:
    """Kill a process of :func:`start_load` (no-op for None)."""
    if proc is not None:
        proc.kill()
        proc.wait(10)
