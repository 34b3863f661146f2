"""The CUDA path: bf16 autocast, pinned batches, cuDNN autotuning, `train` and live
inference on a GPU. Skipped where torch sees no GPU (`pytest -k cuda` runs them)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from eeg_emotion.cli import main
from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import build_model
from eeg_emotion.offline.train_config import PretrainSection, TrainSection
from eeg_emotion.offline.training.pretrain import pretrain
from eeg_emotion.offline.training.trainer import fit, load_batch, predict
from eeg_emotion.realtime.engine.inference import WindowClassifier
from eeg_emotion.targets import deap_targets, seed_iv_target

pytestmark = [pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
              pytest.mark.usefixtures("one_torch_thread")]

CUDA = torch.device("cuda:0")
NET = {"kernel_length": 9, "n_levels": 3, "conv_filters": [4]}


def _toy(rng, n=64, n_ch=4, n_t=128):
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, n_ch, n_t)).astype(np.float32)
    X[y == 1, 0] += 3 * np.sin(2 * np.pi * 20 * np.arange(n_t) / 128.0).astype(np.float32)
    return X, {"valence": y.astype(np.int64)}


def test_pinned_batches_on_cuda_equal_plain_ones(rng):
    X = rng.standard_normal((10, 3, 16)).astype(np.float32)
    idx = np.array([1, 4, 7])
    pinned = load_batch(X, idx, CUDA, pin=True)
    assert pinned.is_cuda and torch.equal(pinned.cpu(), load_batch(X, idx, CUDA).cpu())


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_fit_on_cuda_learns(rng, precision):
    X, y = _toy(rng)
    torch.manual_seed(0)
    model = build_model("scalingnet", 4, 128.0, deap_targets(("valence",)), **NET)
    settings = TrainSection(epochs=12, batch_size=8, lr=0.01, patience=12, seed=3,
                            precision=precision)
    res = fit(model, X, y, np.arange(48), np.arange(48, 64), settings, device=CUDA,
              progress=False)
    assert torch.backends.cudnn.benchmark  # fixed window shapes: autotuned
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]
    assert all(p.dtype == torch.float32 and p.is_cuda for p in model.parameters())
    preds, _, _ = predict(model, X, np.arange(48, 64), 8, CUDA)
    assert (preds["valence"] == y["valence"][48:]).mean() >= 0.7


def test_msmae_pretraining_on_cuda_in_bf16(rng):
    X = (rng.standard_normal((48, 8, 5)) + 22).astype(np.float32)
    torch.manual_seed(0)
    model = build_model("msmae-cnn", 8, 200.0, [seed_iv_target()], branch_filters=4,
                        embed_dim=16)
    info = pretrain(model, X, np.arange(40), np.arange(40, 48),
                    PretrainSection(enabled=True, epochs=3, patience=3), batch_size=8, seed=0,
                    device=CUDA, progress=False, features=True, precision="bf16",
                    pin_memory=True)
    assert info["best_epoch"] >= 1 and np.isfinite([r["loss"] for r in info["history"]]).all()


def test_live_classifier_on_cuda_matches_the_cpu(rng):
    targets = deap_targets(("valence", "arousal"))
    torch.manual_seed(0)
    model = build_model("scalingnet", 8, 128.0, targets).eval()
    contract = SignalContract(channels=tuple(f"E{i}" for i in range(8)), sfreq=128.0,
                              units="microvolts", filter=FilterSpec(4.0, 45.0), window_s=4.0,
                              hop_s=0.5, baseline="none", standardize="window")
    window = rng.standard_normal((8, 512)).astype(np.float32)
    cpu = WindowClassifier(model, contract, targets, "cpu")(window)
    gpu_clf = WindowClassifier(model, contract, targets, "cuda")
    gpu_clf.warm_up(512)
    gpu = gpu_clf(window)
    for target, probs in cpu.probabilities.items():
        for cls, p in probs.items():
            assert gpu.probabilities[target][cls] == pytest.approx(p, abs=1e-3)
    assert gpu.level_map.shape == cpu.level_map.shape


def test_train_command_on_cuda_in_bf16(deap_dir, tmp_path):
    cfg = tmp_path / "gpu.toml"
    cfg.write_text('[data]\nkind = "deap"\n[preprocess]\nwindow_s = 4.0\nhop_s = 2.0\n'
                   '[model]\nname = "scalingnet"\n[model.hparams]\nkernel_length = 9\n'
                   'n_levels = 3\nconv_filters = [4]\n[train]\nepochs = 2\nprecision = "bf16"\n'
                   '[protocol]\nfolds = 2\ntargets = ["valence"]\n')
    out = tmp_path / "run"
    assert main(["train", "--config", str(cfg), "--data", str(deap_dir), "--out", str(out),
                 "--device", "cuda", "--quiet", "--cache-dir", str(tmp_path / "c")]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["timing"]["device"].startswith("cuda")
    assert (out / "model.pt").is_file()
