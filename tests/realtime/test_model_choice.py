"""Default-model ranking: personal models for this headset first, then models whose
channels the stream has, then missing-channel models by coverage above the minimum."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import CheckpointMeta, build_model, save_checkpoint
from eeg_emotion.models.checkpoint import LoadedModel, load_checkpoint, read_meta
from eeg_emotion.montages import CYTON, CYTON_DAISY, SEED_IV
from eeg_emotion.offline.datasets.seed_iv import feature_contract
from eeg_emotion.realtime.model_choice import (
    FULL,
    MASKED,
    MIN_COVERAGE,
    PERSONAL,
    choose_model,
    given_model_notes,
    personal_for,
    rank_models,
)
from eeg_emotion.targets import deap_targets, seed_iv_target


def _scalingnet(path: Path, channels, *, tags=None, synthetic=True, age_s=0.0,
                h_freq=45.0) -> Path:
    targets = deap_targets(("valence", "arousal"))
    model = build_model("scalingnet", len(channels), 128.0, targets)
    meta = CheckpointMeta(model="scalingnet", hparams=model.hparams(), targets=list(targets),
                          signal=SignalContract(
                              channels=tuple(channels), sfreq=128.0, units="microvolts",
                              filter=FilterSpec(4.0, h_freq), window_s=1.0, hop_s=0.5,
                              baseline="none", standardize="window"),
                          synthetic=synthetic, tags=dict(tags or {}))
    save_checkpoint(path, model, meta)
    _age(path, age_s)
    return path


def _msmae(path: Path, channels=SEED_IV, age_s=0.0) -> Path:
    torch.manual_seed(0)
    model = build_model("msmae-cnn", len(channels), 200.0, [seed_iv_target()],
                        channels=list(channels), branch_filters=4, embed_dim=16)
    contract = feature_contract("de_LDS")
    meta = CheckpointMeta(model=model.name, hparams=model.hparams(), signal=contract,
                          targets=list(model.targets), synthetic=True)
    save_checkpoint(path, model, meta)
    _age(path, age_s)
    return path


def _age(path: Path, seconds: float) -> None:
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime - seconds))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    _scalingnet(root / "deap-32.pt", ("Fp1", "AF3", "F3", "F7"), age_s=0)  # lacks AF3...
    _scalingnet(root / "sub" / "cyton-old.pt", ("Fp1", "Fp2", "O1"), age_s=300)
    _scalingnet(root / "cyton-new.pt", ("Fp1", "Fp2", "C3"), age_s=100)
    _scalingnet(root / "cyton-real.pt", ("Fp1", "O2"), synthetic=False, age_s=200)
    _scalingnet(root / "personal-other.pt", ("Fp1", "Fp2", "F3", "F4"), age_s=50,
                tags={"personal": True, "montage": "Fp1,Fp2,F3,F4", "beats_majority": True})
    _msmae(root / "seed-iv-msmae.pt", age_s=400)
    (root / "broken.pt").write_bytes(b"not a checkpoint")
    return root


def test_full_fit_before_missing_channel_models_real_data_before_synthetic(folder):
    choices, rejected = rank_models(CYTON, 250.0, folder)
    names = [c.path.name for c in choices]
    assert names == ["cyton-real.pt", "cyton-new.pt", "cyton-old.pt", "seed-iv-msmae.pt"]
    assert [c.rank for c in choices] == [FULL, FULL, FULL, MASKED]
    assert "none masked" in choices[0].notes[0] and "all its channels" in choices[0].notes[0]
    masked = choices[-1]
    assert masked.coverage == pytest.approx(8 / 62) and len(masked.masked) == 54
    assert "8 of its 62" in masked.notes[0] and "54 are masked" in masked.notes[0]
    assert f"minimum {MIN_COVERAGE:.0%}" in masked.notes[0]
    assert "caution" in masked.notes[1]
    why = dict(r.split(": ", 1) for r in rejected)
    assert "lacks 3 of its 4 channels" in why["deap-32.pt"]  # scalingnet cannot mask
    assert "unreadable" in why["broken.pt"]
    assert "personal-other.pt" in why  # its montage is not this headset's, and F3/F4 lack


def test_personal_model_for_this_headset_comes_first(tmp_path, folder):
    for p in folder.glob("**/*.pt"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    _scalingnet(tmp_path / "mine-poor.pt", CYTON, age_s=0,
                tags={"personal": True, "montage": "cyton", "beats_majority": False,
                      "held_out": {"valence": {"accuracy": 0.51, "std": 0.1,
                                               "majority": 0.55}}})
    _scalingnet(tmp_path / "mine-good.pt", CYTON, age_s=1000,
                tags={"personal": True, "montage": ",".join(CYTON), "beats_majority": True,
                      "held_out": {"valence": {"accuracy": 0.64, "std": 0.12,
                                               "majority": 0.55}}})
    choices, _ = rank_models(CYTON, 250.0, tmp_path, source_flags=["--stream", "OpenBCI"])
    assert [c.path.name for c in choices[:2]] == ["mine-good.pt", "mine-poor.pt"]
    assert choices[0].rank == choices[1].rank == PERSONAL
    good, poor = choices[0].notes, choices[1].notes
    assert "personal model for this headset" in good[0] and "montage" in good[0]
    assert "valence 0.64 ± 0.12 vs majority 0.55" in good[0] and len(good) == 1
    assert "did not beat the majority rate" in poor[1]
    # --add needs the calibration folder: the model does not name it, so FOLDER explained
    assert "`eeg-emotion calibrate --add --out FOLDER --stream OpenBCI`" in poor[1]
    assert "FOLDER: the calibration folder" in poor[1]
    # only the newer poor one: it is still chosen before any non-personal model
    (tmp_path / "mine-good.pt").unlink()
    choice, _ = choose_model(CYTON, 250.0, tmp_path)
    assert choice.path.name == "mine-poor.pt" and not choice.beats_majority
    # given with --model, it says so too
    notes = given_model_notes(choice.path, LoadedModel(None, choice.meta),
                              ["--stream", "OpenBCI"])
    assert len(notes) == 1 and "did not beat the majority rate" in notes[0]
    assert "`eeg-emotion calibrate --add --out FOLDER --stream OpenBCI`" in notes[0]


def test_a_poor_personal_model_says_so_also_for_another_stream(tmp_path):
    """Picked for a stream of another montage that has all its channels (a Cyton model on
    a Cyton + Daisy), a personal model that never beat the majority rate still says so,
    with the --add command of its own calibration folder."""
    cal = tmp_path / "my calibration"
    path = _scalingnet(tmp_path / "models" / "personal-cyton.pt", CYTON,
                       tags={"personal": True, "montage": "cyton", "beats_majority": False,
                             "held_out": {"valence": {"accuracy": 0.5, "majority": 0.6}}})
    meta = read_meta(path)
    meta.training["calibration"] = str(cal)
    save_checkpoint(path, load_checkpoint(path).model, meta)
    choice, _ = choose_model(CYTON_DAISY, 250.0, tmp_path / "models",
                             source_flags=["--stream", "obci_eeg1"])
    assert choice.rank == FULL and "a personal model of montage cyton" in choice.notes[0]
    assert "did not beat the majority rate" in choice.notes[1]
    assert (f"`eeg-emotion calibrate --add --out '{cal}' --stream obci_eeg1`"
            in choice.notes[1])


def test_personal_for_compares_electrodes_not_spelling(folder):
    meta = CheckpointMeta(model="scalingnet", hparams={}, signal=SignalContract(
        channels=("Fp1",), sfreq=128.0, units="microvolts", filter=FilterSpec(),
        window_s=1.0, hop_s=1.0, baseline="none", standardize="none"),
        targets=deap_targets(("valence",)), tags={"personal": True, "montage": "cyton"})
    assert personal_for(meta, [c.upper() for c in reversed(CYTON)])
    assert not personal_for(meta, CYTON[:4])
    meta.tags["montage"] = "not-a-montage"
    assert not personal_for(meta, CYTON)
    meta.tags.update(montage="cyton", personal=False)
    assert not personal_for(meta, CYTON)


def test_minimum_coverage_and_nyquist_exclude(tmp_path):
    _msmae(tmp_path / "seed.pt")
    _scalingnet(tmp_path / "wide.pt", ("Fp1", "Fp2"), h_freq=60.0)
    choice, rejected = choose_model(CYTON, 250.0, tmp_path, min_coverage=0.25)
    assert choice.path.name == "wide.pt"
    assert "13% of its channels, below the minimum 25%" in rejected[0]
    choice, rejected = choose_model(CYTON, 110.0, tmp_path)
    assert choice is None
    why = dict(r.split(": ", 1) for r in rejected)
    assert "up to 60 Hz, above the stream's Nyquist frequency (55 Hz)" in why["wide.pt"]
    assert "up to 75 Hz" in why["seed.pt"]


def test_empty_or_missing_folder(tmp_path):
    assert choose_model(CYTON, 250.0, tmp_path / "none") == (None, [])
