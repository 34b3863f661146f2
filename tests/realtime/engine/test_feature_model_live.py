"""A model trained on SEED-IV feature files runs live: same DE as offline, masked channels."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

from eeg_emotion.cli import main
from eeg_emotion.models import build_model
from eeg_emotion.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from eeg_emotion.montages import SEED_IV
from eeg_emotion.offline.datasets.seed_iv import FEATURE_FILTER, feature_contract
from eeg_emotion.offline.synth.seed_iv import write_synthetic_seed_iv
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.engine.inference import FeatureClassifier
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.seed_iv_features import trial_features
from eeg_emotion.smoothing import CausalSmoother
from eeg_emotion.targets import seed_iv_target


def smooth_causal(x: np.ndarray, kind: str) -> np.ndarray:
    """Run the live :class:`CausalSmoother` over one trial's features (axis 0 is time)."""
    smoother = CausalSmoother(kind)
    x = np.asarray(x, dtype=np.float64)
    return np.stack([smoother.update(v) for v in x]) if len(x) else x.copy()

ROOT = Path(__file__).resolve().parents[3]


def _feature_model(path: Path, smoothing: str = "lds", session_norm: bool = False,
                   direct_de: bool = False) -> Path:
    torch.manual_seed(0)
    model = build_model("msmae-cnn", 62, 200.0, [seed_iv_target()], channels=list(SEED_IV),
                        branch_filters=4, embed_dim=16, direct_de=direct_de)
    model.eval()
    contract = feature_contract("de_LDS", session_norm=session_norm, session_norm_warmup=3)
    contract = dataclasses.replace(
        contract, features=dataclasses.replace(contract.features, smoothing=smoothing))
    meta = CheckpointMeta(model=model.name, hparams=model.hparams(), signal=contract,
                          targets=list(model.targets), synthetic=True)
    return save_checkpoint(path, model, meta)


@pytest.fixture(scope="module")
def one_trial(tmp_path_factory) -> tuple[Path, np.ndarray, dict]:
    """A synthetic SEED-IV session file; its first trial (float32) and stored features."""
    root = tmp_path_factory.mktemp("seed1")
    write_synthetic_seed_iv(root, subjects=1, trials=2, seconds=20.0, sessions=1, seed=5,
                            feature_model="raw")
    raw = next((root / "eeg_raw_data" / "1").glob("*.mat"))
    mat = scipy.io.loadmat(raw)
    key = next(k for k in mat if k.endswith("_eeg1"))
    feats = scipy.io.loadmat(root / "eeg_feature_smooth" / "1" / raw.name)
    return raw, np.asarray(mat[key], dtype=np.float32), feats


def test_feature_classifier_smooths_causally_and_normalises_the_session(tmp_path, one_trial):
    _, trial, stored = one_trial
    loaded = load_checkpoint(_feature_model(tmp_path / "m.pt", session_norm=True))
    clf = FeatureClassifier(loaded.model, loaded.meta.signal, loaded.meta.targets, "cpu")
    design = FEATURE_FILTER.design(200.0)
    raw_de = trial_features(trial, design, 800)
    from eeg_emotion.filters import filter_offline
    y = filter_offline(trial, design)
    maps = [clf(y[:, w * 800:(w + 1) * 800])[1] for w in range(len(raw_de))]
    causal = smooth_causal(raw_de, "lds")
    np.testing.assert_allclose(maps[-1][:, :, -1], causal[-1], rtol=1e-5)
    # at the trial's last window the causal smoother equals the stored (RTS) de_LDS
    np.testing.assert_allclose(maps[-1][:, :, -1], stored["de_LDS1"][:, -1, :], rtol=1e-5)
    assert clf.adaptation == (len(raw_de), 3)
    clf.reset()
    assert clf(y[:, :800])[1].shape == (62, 5, 1)  # history restarts after a gap


def test_live_de_equals_offline_de_window_for_window_on_a_replay(tmp_path, one_trial,
                                                                 stream_name):
    raw, trial, _ = one_trial
    loaded = load_checkpoint(_feature_model(tmp_path / "none.pt", smoothing="none"))
    cmd = [sys.executable, "-m", "eeg_emotion.cli", "replay", str(raw), "--trial", "0",
           "--name", stream_name, "--speed", "4", "--wait", "15"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        engine = Engine(LSLSource(stream_name), loaded, device="cpu", markers="auto",
                        open_timeout=15)
        with engine:
            assert engine.hop_s == 4.0  # a feature model keeps its 4-s windows
            proc.wait(timeout=60)
            expected = trial_features(trial, FEATURE_FILTER.design(200.0), 800)
            engine.wait_for_estimate(len(expected) - 1, timeout=10)
        ests = engine.estimates_since(0)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
    live = np.stack([e.level_map[:, :, -1] for e in ests])
    assert len(live) == len(expected) >= 4
    np.testing.assert_allclose(live, expected, rtol=1e-5, atol=1e-4)
    assert all(e.ground_truth == {"emotion": "sad"} for e in ests)  # session 1, trial 1


def test_live_with_fewer_channels_masks_them_and_says_how_many(tmp_path, publishers,
                                                               stream_name, capsys):
    model = _feature_model(tmp_path / "m.pt", direct_de=True)  # as the shipped configs train
    labels = ",".join(SEED_IV[:20])
    publishers.start(stream_name, channels=20, labels=labels, sfreq=200.0, seconds=12,
                     chunk=20, wait=10)
    out = tmp_path / "live.jsonl"
    rc = main(["live", "--stream", stream_name, "--model", str(model), "--headless",
               "--duration", "9", "--output", str(out), "--no-outlet", "--timeout", "10"])
    assert rc == 0
    lines = [json.loads(s) for s in out.read_text().splitlines()]
    info = lines[0]
    assert info["type"] == "info"
    assert any("42 of the model's 62 channels are missing" in n for n in info["notes"])
    estimates = [x for x in lines if "probabilities" in x]
    assert estimates and all(abs(sum(e["probabilities"]["emotion"].values()) - 1) < 1e-5
                             for e in estimates)
