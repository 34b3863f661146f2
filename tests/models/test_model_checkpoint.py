"""Checkpoints: round trip, metadata, compatibility checks and refusals."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import pytest
import torch

from eeg_emotion.contract import SignalContract
from eeg_emotion.errors import CheckpointError
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import build_model
from eeg_emotion.models.checkpoint import (
    FORMAT,
    CheckpointMeta,
    load_checkpoint,
    read_meta,
    save_checkpoint,
)
from eeg_emotion.montages import CYTON, DEAP
from eeg_emotion.targets import deap_targets


def _contract(channels, sfreq: float = 128.0) -> SignalContract:
    return SignalContract(channels=tuple(channels), sfreq=sfreq, units="microvolts",
                          filter=FilterSpec(4.0, 45.0), window_s=4.0, hop_s=1.0,
                          baseline="none", standardize="none")


def _meta(model, channels) -> CheckpointMeta:
    return CheckpointMeta(
        model=model.name, hparams=model.hparams(), signal=_contract(channels, model.sfreq),
        targets=list(model.targets),
        training={"protocol": "cross-subject", "folds": 5, "metrics": {"accuracy": 0.61}},
        synthetic=True)


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = build_model("scalingnet", 32, 128.0, deap_targets(("valence",)), dropout=0.1,
                        conv_filters=[8, 4])
    path = save_checkpoint(tmp_path / "sub" / "model.pt", model, _meta(model, DEAP))
    return model.eval(), path


@pytest.mark.parametrize(("name", "channels", "hp"), [
    ("scalingnet", DEAP, {"dropout": 0.2, "n_levels": 4}),
    ("scalingnet-conv", CYTON, {}),
    ("msmae-cnn", CYTON, {"channels": list(CYTON)}),
    ("msmae-cnn", CYTON, {"channels": list(CYTON), "direct_de": True}),
])
def test_round_trip_same_outputs(tmp_path, name, channels, hp):
    torch.manual_seed(0)
    model = build_model(name, len(channels), 128.0, deap_targets(), **hp)
    if name == "msmae-cnn":  # make running statistics non-trivial
        model.train()
        model(torch.randn(8, len(channels), 256))
    model.eval()
    meta = _meta(model, channels)
    path = save_checkpoint(tmp_path / "m.pt", model, meta)
    loaded = load_checkpoint(path)
    assert not loaded.model.training
    assert type(loaded.model) is type(model)
    assert loaded.meta == meta
    assert loaded.meta.synthetic is True
    assert loaded.meta.targets == model.targets
    assert loaded.meta.signal.filter == FilterSpec(4.0, 45.0)
    x = torch.randn(3, len(channels), 300)
    with torch.no_grad():
        for key, value in model(x).items():
            torch.testing.assert_close(loaded.model(x)[key], value)


def test_meta_fields_survive(saved):
    _, path = saved
    meta = read_meta(path)
    assert meta.channels == list(DEAP)
    assert meta.training["folds"] == 5
    assert meta.signal.window_s == 4.0 and meta.signal.hop_s == 1.0
    assert meta.signal == _contract(DEAP)
    assert meta.version and meta.created.endswith("+00:00")








def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")
    with pytest.raises(CheckpointError, match="not a file"):
        load_checkpoint(tmp_path)


def test_corrupt_file(saved, tmp_path):
    _, path = saved
    data = path.read_bytes()
    broken = tmp_path / "broken.pt"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"broken\.pt is not a readable checkpoint"):
        load_checkpoint(broken)
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match=r"notes\.pt is not a readable checkpoint"):
        load_checkpoint(text)


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_code_injection_refused(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    torch.save({"format": FORMAT, "format_version": 2, "meta": "{}",
                "state_dict": {}, "payload": _Evil(marker)}, evil)
    with pytest.raises(CheckpointError, match="refused for safety"):
        load_checkpoint(evil)
    assert not marker.exists()
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps(_Evil(marker)))
    with pytest.raises(CheckpointError):
        load_checkpoint(plain)
    assert not marker.exists()


def _rewrite(path: Path, out: Path, **changes) -> Path:
    blob = torch.load(path, weights_only=True)
    blob.update(changes)
    torch.save(blob, out)
    return out


def test_not_a_checkpoint_and_future_version(saved, tmp_path):
    _, path = saved
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="no format tag"):
        load_checkpoint(tmp_path / "other.pt")
    future = _rewrite(path, tmp_path / "future.pt", format_version=99)
    with pytest.raises(CheckpointError, match="format version 99") as info:
        load_checkpoint(future)
    assert "upgrade" in info.value.fix


def test_format_1_checkpoints_are_refused_with_retrain_hint(saved, tmp_path):
    _, path = saved
    meta = json.loads(torch.load(path, weights_only=True)["meta"])
    old_meta = {k: v for k, v in meta.items() if k != "signal"}
    old_meta.update(channels=list(DEAP), sfreq=128.0, filter={"l_freq": 4.0}, window_s=4.0,
                    hop_s=1.0, preprocessing={"filter": {"l_freq": 4.0}})
    old = _rewrite(path, tmp_path / "old.pt", format_version=1, meta=json.dumps(old_meta))
    with pytest.raises(CheckpointError, match=r"older eeg-emotion.*format 1") as info:
        load_checkpoint(old)
    assert "eeg-emotion train" in info.value.fix


def test_unknown_model_and_bad_meta(saved, tmp_path):
    _, path = saved
    meta = json.loads(torch.load(path, weights_only=True)["meta"])
    other = _rewrite(path, tmp_path / "x.pt", meta=json.dumps({**meta, "model": "eegnet"}))
    with pytest.raises(CheckpointError, match="'eegnet' model, unknown"):
        load_checkpoint(other)
    signal = {**meta["signal"], "sfreq": "fast"}
    bad = _rewrite(path, tmp_path / "y.pt", meta=json.dumps({**meta, "signal": signal}))
    with pytest.raises(CheckpointError, match=r"signal is malformed.*sfreq") as info:
        load_checkpoint(bad)
    assert "train the model again" in info.value.fix
    gone = {k: v for k, v in meta.items() if k != "signal"}
    lacking = _rewrite(path, tmp_path / "z.pt", meta=json.dumps(gone))
    with pytest.raises(CheckpointError, match="lacks signal"):
        load_checkpoint(lacking)
    notjson = _rewrite(path, tmp_path / "w.pt", meta="{oops")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_checkpoint(notjson)


def test_state_dict_mismatch(saved, tmp_path):
    _, path = saved
    blob = torch.load(path, weights_only=True)
    state = dict(blob["state_dict"])
    state["extractor.weight"] = torch.zeros(32, 17)
    wrong = _rewrite(path, tmp_path / "shape.pt", state_dict=state)
    with pytest.raises(CheckpointError, match=r"do not fit.*extractor\.weight"):
        load_checkpoint(wrong)
    del state["extractor.weight"]
    missing = _rewrite(path, tmp_path / "missing.pt", state_dict=state)
    with pytest.raises(CheckpointError, match="missing"):
        load_checkpoint(missing)


def test_save_refuses_inconsistent_meta(saved, tmp_path):
    model, _ = saved
    meta = _meta(model, DEAP)
    with pytest.raises(CheckpointError, match="channel names"):
        save_checkpoint(tmp_path / "a.pt", model,
                        dataclasses.replace(meta, signal=_contract(CYTON)))
    with pytest.raises(CheckpointError, match="hparams"):
        save_checkpoint(tmp_path / "b.pt", model,
                        dataclasses.replace(meta, hparams={**meta.hparams, "dropout": 0.5}))
    assert not (tmp_path / "a.pt").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device(saved):
    with pytest.raises(CheckpointError, match="cannot put the model"):
        load_checkpoint(saved[1], device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_load_on_cuda(saved):
    model, path = saved
    loaded = load_checkpoint(path, device="cuda")
    x = torch.randn(2, 32, 256)
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(x.cuda())["valence"].cpu(), model(x)["valence"],
                                   rtol=1e-4, atol=1e-5)


def test_an_interrupted_save_keeps_the_old_checkpoint(saved, monkeypatch):
    model, path = saved
    before = path.read_bytes()

    def torch_save_then_die(obj, f):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt  # Ctrl-C mid-write

    monkeypatch.setattr(torch, "save", torch_save_then_die)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, model, _meta(model, DEAP))
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.pt"]
