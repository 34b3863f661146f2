"""The parts of a run over ranks that need no second process: config, mode choice,
sampler shares, thread shares, the ranks' command line, bf16 on the CPU."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from eeg_emotion import threads
from eeg_emotion.cli import build_parser, main
from eeg_emotion.commands.train import rank_argv
from eeg_emotion.errors import ConfigError
from eeg_emotion.models import build_model
from eeg_emotion.offline.train_config import DistributedSection, TrainSection, config_from_dict
from eeg_emotion.offline.training import ddp, distributed
from eeg_emotion.offline.training.distributed import World
from eeg_emotion.offline.training.split_ranks import choose_mode
from eeg_emotion.offline.training.trainer import fit
from eeg_emotion.targets import deap_targets

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _world(rank: int = 0, size: int = 4) -> World:
    return World(rank, size, rank, size, "gloo", torch.device("cpu"), DistributedSection(), None)


def test_distributed_section_defaults_and_checks():
    cfg = config_from_dict({}, "test")
    assert (cfg.distributed.mode, cfg.distributed.backend) == ("auto", "auto")
    assert cfg.train.precision == "fp32" and cfg.train.pin_memory is True
    with pytest.raises(ConfigError, match="random_forest has none") as err:
        config_from_dict({"model": {"name": "random_forest"}, "distributed": {"mode": "ddp"}})
    assert 'mode = "folds"' in err.value.fix
    with pytest.raises(ConfigError, match="timeout_s"):
        config_from_dict({"distributed": {"timeout_s": 0}})
    for bad in ({"distributed": {"mode": "nodes"}}, {"train": {"precision": "fp16"}},
                {"distributed": {"backend": "mpi"}}):
        with pytest.raises(ConfigError):
            config_from_dict(bad)


def test_auto_mode_trains_together_only_when_splits_are_too_few():
    cfg = config_from_dict({}, "test")
    assert choose_mode(cfg, _world(), 32, True) == "folds"
    assert choose_mode(cfg, _world(), 4, True) == "folds"
    assert choose_mode(cfg, _world(), 2, True) == "ddp"  # 2 splits, 4 ranks
    assert choose_mode(cfg, _world(), 0, True) == "ddp"  # only model.pt left
    assert choose_mode(cfg, _world(), 0, False) == "folds"  # nothing left
    assert choose_mode(cfg, _world(size=1), 1, True) == "folds"
    forest = config_from_dict({"model": {"name": "random_forest"}}, "test")
    assert choose_mode(forest, _world(), 1, False) == "folds"
    for mode in ("folds", "ddp"):
        forced = config_from_dict({"distributed": {"mode": mode}}, "test")
        assert choose_mode(forced, _world(), 7, True) == mode


def test_sampler_deals_equal_disjoint_shares_reshuffled_each_epoch():
    idx = np.arange(100, 123)  # 23 samples over 2 ranks: one repeat pads the second share
    shares = [ddp.ShardedBatches(idx, 8, seed=5, world=_world(r, 2)) for r in (0, 1)]
    epoch1 = [list(s()) for s in shares]
    assert all(len(b) == 4 for b in epoch1[0][:-1]) and len(epoch1[0]) == len(epoch1[1])
    flat = [np.concatenate(e) for e in epoch1]
    assert len(flat[0]) == len(flat[1]) == 12
    assert set(flat[0]) | set(flat[1]) == set(idx.tolist())
    epoch2 = np.concatenate(list(shares[0]()))
    assert not np.array_equal(epoch2, flat[0])


def test_alone_the_ddp_helpers_change_nothing():
    idx = np.arange(10)
    assert ddp.active() is None and ddp.sharded_batches(idx, 4, 0) is None
    assert ddp.share(idx) is idx and ddp.rank() == 0
    assert ddp.weighted_mean([0.5, 0.25], 10) == [0.5, 0.25]
    assert ddp.mean_figures({"epoch": 1, "loss": 2.0}) == {"epoch": 1, "loss": 2.0}
    assert ddp.agree(1.5, False) == (1.5, False)
    assert distributed.world() is None and distributed.is_main()
    assert distributed.broadcast("x") == "x" and distributed.share([1, 2, 3]) == [1, 2, 3]


def test_ranks_run_the_same_train_command():
    parser = build_parser()
    args = parser.parse_args(["-v", "train", "--config", "c.toml", "--data", "d", "--workers",
                              "2", "--epochs", "3", "--channels", "Fp1,Fp2", "--quiet",
                              "--threads", "1"])
    again = parser.parse_args(rank_argv(args))
    assert vars(again) == {**vars(args), "workers": None}
    cmd = distributed.torchrun_command(2, ["train"])
    assert cmd[1:3] == ["-m", "torch.distributed.run"]
    assert {"--standalone", "127.0.0.1", "eeg_emotion"} <= set(cmd)


def test_workers_option_is_checked(tmp_path, monkeypatch, capsys):
    base = ["train", "--config", "demo_synthetic", "--data", str(tmp_path), "--out",
            str(tmp_path / "o")]
    assert main([*base, "--workers", "0"]) == 2
    assert "--workers 0 must be at least 1" in capsys.readouterr().err
    for key, value in (("RANK", "0"), ("WORLD_SIZE", "2"), ("MASTER_ADDR", "127.0.0.1"),
                       ("MASTER_PORT", "1")):
        monkeypatch.setenv(key, value)
    assert main([*base, "--workers", "2"]) == 2
    assert "already is a torchrun rank" in capsys.readouterr().err


def test_ranks_on_one_machine_share_its_cpus(monkeypatch):
    monkeypatch.setattr(threads, "usable_cpus", lambda: 8)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # what torchrun sets: not read for ranks
    assert threads.use_training_threads(None, ranks_per_machine=4) <= 2
    assert threads._training.cap == 2 and "4 ranks" in threads._training.why
    assert threads.use_training_threads(3, ranks_per_machine=4) == 3  # --threads wins


def test_bf16_autocast_trains_on_the_cpu(rng):
    X = rng.standard_normal((24, 4, 128)).astype(np.float32)
    y = {"valence": rng.integers(0, 2, 24)}
    torch.manual_seed(0)
    model = build_model("scalingnet", 4, 128.0, deap_targets(("valence",)), kernel_length=9,
                        n_levels=3, conv_filters=[4])
    res = fit(model, X, y, np.arange(16), np.arange(16, 24),
              TrainSection(epochs=2, batch_size=8, precision="bf16"),
              device=torch.device("cpu"), progress=False)
    assert all(np.isfinite(r["train_loss"]) and np.isfinite(r["val_loss"]) for r in res.history)
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_python_m_eeg_emotion_is_the_command():
    out = subprocess.run([sys.executable, "-m", "eeg_emotion", "--version"],
                         capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.startswith("eeg-emotion ")
