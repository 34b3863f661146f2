"""MSMAE-CNN on SEED-IV's feature files: every protocol, Pang's setting, session norm, RF."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from eeg_emotion.errors import ConfigError
from eeg_emotion.models.checkpoint import load_checkpoint
from eeg_emotion.offline.datasets.readers import open_dataset
from eeg_emotion.offline.datasets.seed_iv import load_seed_iv_features
from eeg_emotion.offline.synth.seed_iv import seed_iv_feature_arrays
from eeg_emotion.offline.train_config import apply_override, config_from_dict, load_config
from eeg_emotion.offline.training.run_data import load_run_data, session_keys
from eeg_emotion.offline.training.run_folder import RunOptions
from eeg_emotion.offline.training.sweep import run_config

FAST = {"epochs": 1, "batch_size": 16, "device": "cpu", "patience": 1}
SMALL_NET = {"branch_filters": 4, "embed_dim": 16}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _cfg(**sections):
    base = {"data": {"kind": "seed_iv", "input": "features", "feature": "de_LDS"},
            "model": {"name": "msmae-cnn", "hparams": SMALL_NET},
            "train": dict(FAST),
            "pretrain": {"enabled": True, "epochs": 1, "patience": 0},
            "baseline": {"compare": True, "n_estimators": 10},
            "protocol": {"name": "cross_session", "targets": ["emotion"],
                         "train_sessions": [1, 2], "test_session": 3}}
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value}
    return config_from_dict(base, "test")


def _run(cfg, data, tmp_path, name="run"):
    return run_config(cfg, data, RunOptions(tmp_path / name, progress=False))


def _folds(tmp_path, name="run"):
    return [json.loads(p.read_text()) for p in sorted((tmp_path / name / "folds").glob("*.json"))]


def test_the_writer_stores_what_the_features_code_computes_from_its_raw(seed_iv_dir):
    raw = sorted((seed_iv_dir / "eeg_raw_data" / "2").glob("*.mat"))[0]
    feat = seed_iv_dir / "eeg_feature_smooth" / "2" / raw.name
    trials = {k: v for k, v in scipy.io.loadmat(raw).items() if "_eeg" in k}
    stored = scipy.io.loadmat(feat)
    for key, x in trials.items():
        n = int(key.rsplit("_eeg", 1)[1])
        again = seed_iv_feature_arrays(np.asarray(x, dtype=np.float32))
        for name in ("de_LDS", "de_movingAve", "psd_LDS", "psd_movingAve"):
            np.testing.assert_allclose(again[name], stored[f"{name}{n}"], rtol=1e-10)


def test_pooled_cross_session_on_features_with_the_forest_beside(seed_iv_dir, tmp_path):
    run = _run(_cfg(protocol={"all_orderings": True}), seed_iv_dir, tmp_path)
    assert run["n_folds"] == 3 and run["model"] == "msmae-cnn"
    summaries = run["baseline_summaries"]
    assert set(summaries) == {"random_forest", "logistic_regression"}
    assert set(summaries["logistic_regression"]["emotion"]) >= {"accuracy", "macro_f1"}
    report = (tmp_path / "run" / "report.md").read_text()
    assert "Beside the baselines: Random Forest and logistic regression" in report
    assert "| random_forest | s1s2-s3 |" in report
    assert "| logistic_regression | s1s2-s3 |" in report
    for name, label in (("random_forest", "Random Forest"),
                        ("logistic_regression", "logistic regression")):
        gap = (summaries[name]["emotion"]["accuracy"]["mean"]
               - run["summary"]["emotion"]["accuracy"]["mean"])
        assert (f"MSMAE-CNN below the {label} by {gap:.3f}" in report) == (gap > 0), name
    assert "| msmae-cnn | mean ± std |" in report and "majority-class rate" in report
    meta = load_checkpoint(tmp_path / "run" / "model.pt").meta
    assert meta.signal.input == "features" and meta.signal.features.smoothing == "lds"
    assert meta.signal.window_s == 4.0 and len(meta.channels) == 62
    for fold in _folds(tmp_path):
        test_session = int(fold["name"][-1])
        data = load_run_data(_cfg(), seed_iv_dir)
        session_of = dict(zip(data.trial_id.tolist(), data.session.tolist(), strict=True))
        for stage in ("fit", "val", "pretrain"):
            assert all(session_of[t] != test_session for t in fold["trials"][stage]), stage


def test_per_subject_pang_setting_never_fine_tunes_on_the_test_session(seed_iv_dir, tmp_path):
    cfg = _cfg(pretrain={"scope": "all_subjects"}, protocol={"per_subject": True},
               adapt={"fewshot_trials": 1, "fewshot_steps": 2})
    run = _run(cfg, seed_iv_dir, tmp_path)
    data = load_run_data(cfg, seed_iv_dir)
    session_of = dict(zip(data.trial_id.tolist(), data.session.tolist(), strict=True))
    subject_of = dict(zip(data.trial_id.tolist(), data.subject.tolist(), strict=True))
    folds = _folds(tmp_path)
    assert len(folds) == 2 and run["shared_pretraining"]
    for fold in folds:
        subject = fold["name"].split("-")[0].removeprefix("subject")
        trials = fold["trials"]
        fewshot, test = set(trials["fewshot"]), set(trials["test"])
        assert len(fewshot) == 1 and not fewshot & test  # moved out of the test set
        assert all(session_of[t] == 3 and subject_of[t] == subject for t in fewshot)
        for stage in ("fit", "val"):  # fine-tuning and early stopping: own training sessions
            assert all(session_of[t] in (1, 2) and subject_of[t] == subject
                       for t in trials[stage]), stage
        # pre-training: every subject's training sessions, never a test session
        assert {subject_of[t] for t in trials["pretrain"]} == set(data.subject.tolist())
        assert all(session_of[t] in (1, 2) for t in trials["pretrain"])
    assert any("ALL subjects' training sessions" in n for n in run["notes"])
    assert any("adaptation on 1 labelled" in n for n in run["notes"])


def test_fewshot_trials_can_join_the_fine_tuning_data(seed_iv_dir, tmp_path):
    cfg = _cfg(pretrain={"scope": "all_subjects"}, protocol={"per_subject": True},
               adapt={"fewshot_trials": 1, "fewshot_mode": "train"})
    run = _run(cfg, seed_iv_dir, tmp_path)
    for fold in _folds(tmp_path):
        trials = fold["trials"]
        fewshot = set(trials["fewshot"])
        assert len(fewshot) == 1 and fewshot <= set(trials["fit"])  # trained on, like the RF
        assert not fewshot & set(trials["test"]) and not fewshot & set(trials["val"])
        assert "fewshot" not in fold  # no adaptation after training
    assert any("(joined to the fine-tuning data)" in n for n in run["notes"])


def test_unlabelled_target_pretraining_is_allowed_only_when_asked(seed_iv_dir, tmp_path):
    cfg = _cfg(pretrain={"scope": "all_subjects", "use_unlabelled_target": True},
               protocol={"per_subject": True}, baseline={"compare": False})
    run = _run(cfg, seed_iv_dir, tmp_path)
    data = load_run_data(cfg, seed_iv_dir)
    session_of = dict(zip(data.trial_id.tolist(), data.session.tolist(), strict=True))
    fold = _folds(tmp_path)[0]
    assert any(session_of[t] == 3 for t in fold["trials"]["pretrain"])
    assert any("unlabelled target data allowed" in n for n in run["notes"])


def test_session_normalisation_offline(seed_iv_dir, tmp_path):
    cfg = _cfg(adapt={"session_norm": True})
    data = load_run_data(cfg, seed_iv_dir)
    keys = session_keys(data.subject, data.session)
    for k in np.unique(keys):
        np.testing.assert_allclose(data.X[keys == k].mean(0), 0, atol=1e-4)
    raw = load_seed_iv_features(seed_iv_dir, "de_LDS").X
    assert not np.allclose(raw.mean(), 0, atol=1)  # the files themselves sit near 17-27
    assert data.contract.features.session_norm
    run = _run(cfg, seed_iv_dir, tmp_path)
    assert any("session normalisation" in n for n in run["notes"])


def test_feature_configs_are_checked_before_any_data(seed_iv_dir):
    with pytest.raises(ConfigError, match="takes signal windows"):
        _cfg(model={"name": "scalingnet", "hparams": {}})
    with pytest.raises(ConfigError, match=r"needs data\.input"):
        config_from_dict({"data": {"kind": "seed_iv"}, "adapt": {"session_norm": True},
                          "model": {"name": "msmae-cnn"},
                          "protocol": {"name": "cross_session", "targets": ["emotion"]}}, "t")
    with pytest.raises(ConfigError, match="Pang"):
        _cfg(pretrain={"scope": "all_subjects"})  # pooled: not the per-subject setting
    with pytest.raises(ConfigError, match="already is the Random Forest"):
        _cfg(model={"name": "random_forest"})
    assert open_dataset(seed_iv_dir).kind == "seed-iv"


def test_shipped_calibrated_config_runs_with_its_levers(seed_iv_latent_dir, tmp_path):
    path = Path(__file__).resolve().parents[3] / "configs" / (
        "seed_iv_msmae_features_calibrated.toml")
    cfg = load_config(path)
    assert cfg.model.hparams["direct_de"] is True and cfg.model.hparams["dropout"] == 0.5
    assert (cfg.train.weight_decay, cfg.train.noise_std, cfg.train.mixup_alpha,
            cfg.train.label_smoothing) == (0.01, 0.3, 0.4, 0.1)
    quick = {"train.epochs": 2, "pretrain.epochs": 1, "model.hparams.branch_filters": 4,
             "model.hparams.embed_dim": 16, "baseline.n_estimators": 10,
             "protocol.all_orderings": False, "train.final_model": False,
             "train.average_decay": 0.9, "adapt.fewshot_steps": 3, "train.device": "cpu"}
    for key, value in quick.items():
        cfg = apply_override(cfg, key, value, "test")
    run = _run(cfg, seed_iv_latent_dir, tmp_path)
    folds = _folds(tmp_path)
    assert run["n_folds"] == 3 == len(folds)  # one per subject
    for fold in folds:
        assert 0.0 <= fold["metrics"]["emotion"]["accuracy"] <= 1.0
        info = fold["fewshot"]["joint"]
        assert info["params"] == "heads" and 0 <= info["steps"] <= 3
        assert info["heldout_accuracy_after"] >= info["heldout_accuracy_before"]


def test_a_soup_averages_fine_tunes_early_stopped_on_their_own_training_trials(
        seed_iv_dir, tmp_path):
    train = {"epochs": 3, "patience": 2}
    one = _run(_cfg(train=train), seed_iv_dir, tmp_path, "one")
    soup = _run(_cfg(train={**train, "soup": 3}), seed_iv_dir, tmp_path, "soup")
    assert one["n_folds"] == soup["n_folds"] == 1
    (f1,), (fs,) = _folds(tmp_path, "one"), _folds(tmp_path, "soup")
    members = fs["soup"]["joint"]
    assert len(members) == 3 and "soup" not in f1
    # the first copy is the plain fine-tune; the others hold out other training trials
    assert members[0]["val"] == f1["trials"]["val"] and \
        members[0]["best_epoch"] == f1["best_epoch"]["emotion"]
    training = set(fs["trials"]["fit"]) | set(fs["trials"]["val"])
    held = {tuple(m["val"]) for m in members}
    assert len(held) > 1
    for m in members:
        assert set(m["val"]) <= training and not set(m["val"]) & set(fs["trials"]["test"])
    w1 = load_checkpoint(tmp_path / "one" / "folds" / f"{f1['name']}.pt").model.state_dict()
    ws = load_checkpoint(tmp_path / "soup" / "folds" / f"{fs['name']}.pt").model.state_dict()
    head = next(k for k in w1 if k.startswith("heads."))
    assert not np.allclose(w1[head].numpy(), ws[head].numpy())  # the average was kept
    with pytest.raises(ConfigError, match=r"train\.soup"):
        _cfg(train={"soup": 0})
