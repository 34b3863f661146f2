"""`evaluate` scores a checkpoint with its recorded preprocessing; mismatches fail clearly."""

from __future__ import annotations

import json

import pytest
import torch

from eeg_emotion.cli import main
from eeg_emotion.errors import DataFormatError, MontageError
from eeg_emotion.models.checkpoint import load_checkpoint
from eeg_emotion.offline.evaluate import evaluate_checkpoint
from eeg_emotion.offline.training.quick_model import train_quick_model

CYTON = ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]


@pytest.fixture(scope="module")
def quick_ckpt(deap_dir, tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("quick")
    # two epochs on a tiny set: a loadable model, not a learned one (no held-out gate)
    return train_quick_model(deap_dir, out / "quick.pt", channels=CYTON, epochs=2,
                             min_margin=None, cache_dir=out / "cache", progress=False).path


def test_quick_model_is_a_loadable_cyton_model(quick_ckpt):
    loaded = load_checkpoint(quick_ckpt)
    meta = loaded.meta
    assert meta.channels == CYTON and meta.sfreq == 128.0 and meta.synthetic is True
    assert meta.signal.window_s == 4.0 and meta.signal.hop_s == 2.0
    assert {t.name for t in meta.targets} == {"valence", "arousal"}
    out = loaded.model(torch.zeros(1, 8, 512))
    assert out["valence"].shape == (1, 2)


def test_evaluate_uses_recorded_preprocessing(quick_ckpt, demo_dat, tmp_path):
    # held-out recording (not the training folder): scored honestly, 8 channels picked
    run = evaluate_checkpoint(quick_ckpt, demo_dat.parent, tmp_path / "ev", device="cpu",
                              cache_dir=tmp_path / "cache", progress=False)
    assert run["trained_on_this_data"] is False
    assert run["data"]["channels"] == CYTON and run["data"]["window_s"] == 4.0
    # 2 trials x 6 s, 4-s windows hopping 2 s -> 2 windows per trial
    assert run["data"]["n_windows"] == 4
    saved = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert saved["summary"]["valence"]["accuracy"]["mean"] == pytest.approx(
        run["summary"]["valence"]["accuracy"]["mean"])


def test_evaluate_on_wrong_dataset_fails_clearly(quick_ckpt, seed_iv_dir, tmp_path):
    with pytest.raises((DataFormatError, MontageError), match=r"200 Hz|lacks"):
        evaluate_checkpoint(quick_ckpt, seed_iv_dir, tmp_path / "ev", device="cpu",
                            cache_dir=tmp_path / "cache", progress=False)


def test_evaluate_cli_missing_checkpoint(tmp_path, deap_dir, capsys):
    assert main(["evaluate", str(tmp_path / "none.pt"), "--data", str(deap_dir)]) == 2
    assert "error:" in capsys.readouterr().err
