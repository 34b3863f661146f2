"""Each protocol runs end to end on tiny synthetic data (1-2 epochs)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from eeg_emotion.models.checkpoint import load_checkpoint
from eeg_emotion.offline.train_config import config_from_dict
from eeg_emotion.offline.training.protocols import make_splits
from eeg_emotion.offline.training.run_data import load_run_data
from eeg_emotion.offline.training.run_folder import RunOptions
from eeg_emotion.offline.training.split_run import check_split, run_split
from eeg_emotion.offline.training.splits import LeakageError, Split
from eeg_emotion.offline.training.sweep import run_config

FAST_NET = {"kernel_length": 9, "n_levels": 3, "conv_filters": [4]}
FAST_TRAIN = {"epochs": 1, "batch_size": 16, "device": "cpu", "patience": 1}


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _deap_cfg(**sections):
    base = {"data": {"kind": "deap"},
            "preprocess": {"window_s": 4.0, "baseline": "subtract_mean",
                           "channels": ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "O1", "O2"]},
            "model": {"name": "scalingnet", "hparams": FAST_NET},
            "train": dict(FAST_TRAIN),
            "protocol": {"targets": ["valence", "arousal"]}}
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value}
    return config_from_dict(base, "test")


def _run(cfg, data, tmp_path, name="run"):
    return run_config(cfg, data, RunOptions(tmp_path / name, progress=False,
                                            cache_dir=tmp_path / "cache"))


@pytest.mark.parametrize(("protocol", "kind", "n_splits"), [
    ({"name": "loso"}, "leave-one-subject-out", 3),
    ({"name": "subject_dependent", "folds": 2}, "subject-dependent", 2),
    ({"name": "subject_dependent", "folds": 2, "per_subject": True}, "subject-dependent", 6),
    ({"name": "trialwise", "folds": 3}, "trial-wise", 3),
])
def test_deap_protocols(deap_dir, tmp_path, protocol, kind, n_splits):
    cfg = _deap_cfg(protocol=protocol, train={"final_model": False})
    run = _run(cfg, deap_dir, tmp_path)
    assert run["split_kind"] == kind and run["n_folds"] == n_splits
    data = load_run_data(cfg, deap_dir, cache_dir=tmp_path / "cache", progress=False)
    n_test = sum(len(s.test) for s in make_splits(cfg, data))
    assert n_test == len(data.trial_id)  # every window tested exactly once
    for s in make_splits(cfg, data):
        assert not set(data.trial_id[s.train]) & set(data.trial_id[s.test])
        if kind == "leave-one-subject-out":
            assert not set(data.subject[s.train]) & set(data.subject[s.test])


def test_whole_trial_per_target_models(deap_dir, tmp_path):
    """The paper's set-up: whole trials, one model per target in the folds; the final
    model.pt (what live loads) is one network with both heads."""
    cfg = _deap_cfg(preprocess={"window_s": None}, train={"joint_targets": False},
                    protocol={"folds": 3, "paper": "scalingnet_table2"})
    run = _run(cfg, deap_dir, tmp_path)
    out = tmp_path / "run"
    assert run["data"]["n_windows"] == 12 and run["data"]["window_s"] == pytest.approx(8.0)
    assert not list(out.glob("model_*.pt"))
    meta = load_checkpoint(out / "model.pt").meta
    assert [t.name for t in meta.targets] == ["valence", "arousal"]
    assert meta.training["cv_models"] == "one per target"
    assert (out / "folds" / "fold1_arousal.pt").is_file()
    report = (out / "report.md").read_text()
    assert "Beside the paper" in report and "0.7113" in report
    assert "one model per target" in report


def test_kernel_sweep_runs_each_value(deap_dir, tmp_path):
    cfg = _deap_cfg(protocol={"folds": 3, "max_splits": 1, "paper": "scalingnet_table3"},
                    train={"final_model": False},
                    sweep={"key": "model.hparams.kernel_length", "values": [5, 9]})
    result = _run(cfg, deap_dir, tmp_path)
    out = tmp_path / "run"
    assert set(result["runs"]) == {"kernel_length=5", "kernel_length=9"}
    for label in result["runs"]:
        m = json.loads((out / label / "metrics.json").read_text())
        assert m["hparams"]["kernel_length"] == int(label.split("=")[1])
        assert m["n_folds"] == 1
    report = (out / "report.md").read_text()
    assert "kernel_length=9" in report and "0.6659" in report  # paper's 129 row


def test_conv_ablation_sweeps_model_name(deap_dir, tmp_path):
    cfg = _deap_cfg(protocol={"folds": 3, "max_splits": 1}, train={"final_model": False},
                    sweep={"key": "model.name", "values": ["scalingnet-conv", "scalingnet"]})
    result = _run(cfg, deap_dir, tmp_path)
    assert set(result["runs"]) == {"name=scalingnet-conv", "name=scalingnet"}
    m = json.loads((tmp_path / "run" / "name=scalingnet-conv" / "metrics.json").read_text())
    assert m["model"] == "scalingnet-conv"


def test_random_forest_on_deap_de_features(deap_dir, tmp_path):
    cfg = _deap_cfg(model={"name": "random_forest", "hparams": {}},
                    baseline={"n_estimators": 20}, protocol={"folds": 3})
    run = _run(cfg, deap_dir, tmp_path)
    assert run["model"] == "random_forest" and run["n_folds"] == 3
    assert not (tmp_path / "run" / "model.pt").exists()
    assert run["timing"]["train_seconds_total"] > 0


def _seed_cfg(**sections):
    base = {"data": {"kind": "seed_iv"},
            "preprocess": {"window_s": 2.0, "standardize": "window", "baseline": "none",
                           "filter": {"l_freq": 1.0, "h_freq": 50.0}},
            "model": {"name": "msmae-cnn",
                      "hparams": {"branch_filters": 4, "embed_dim": 16, "filter_s": 0.5}},
            "train": dict(FAST_TRAIN),
            "protocol": {"name": "cross_session", "targets": ["emotion"]}}
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value}
    return config_from_dict(base, "test")


def test_seed_iv_cross_session_msmae_with_adaptation(seed_iv_dir, tmp_path):
    cfg = _seed_cfg(pretrain={"enabled": True, "epochs": 1, "use_unlabelled_target": True},
                    adapt={"fewshot_trials": 1, "fewshot_steps": 2,
                           "adversarial": True},
                    protocol={"all_orderings": True}, train={"final_model": False})
    run = _run(cfg, seed_iv_dir, tmp_path)
    assert run["split_kind"] == "cross-session" and run["n_folds"] == 3
    names = [f["name"] for f in run["folds"]]
    assert names == ["s1s2-s3", "s1s3-s2", "s2s3-s1"]
    data = load_run_data(cfg, seed_iv_dir, cache_dir=tmp_path / "cache", progress=False)
    per_session = {s: int(np.sum(data.session == s)) for s in (1, 2, 3)}
    fold = run["folds"][0]
    # few-shot trials (1 per subject) are taken out of the test session
    assert 0 < fold["n_test"] < per_session[3]
    assert fold["fewshot"]["joint"]["windows"] == per_session[3] - fold["n_test"]
    assert fold["pretrain"]["joint"]["n_windows"] > fold["n_train"]  # + unlabelled target
    notes = " ".join(run["notes"])
    assert "unlabelled target data allowed" in notes and "few-shot adaptation" in notes
    assert "adversarial" in notes


def test_seed_iv_per_subject_cross_session_and_final_model(seed_iv_dir, tmp_path):
    cfg = _seed_cfg(protocol={"per_subject": True})
    run = _run(cfg, seed_iv_dir, tmp_path)
    assert [f["name"] for f in run["folds"]] == ["subject1-s1s2-s3", "subject2-s1s2-s3"]
    meta = load_checkpoint(tmp_path / "run" / "model.pt").meta
    assert meta.model == "msmae-cnn" and len(meta.channels) == 62


@pytest.mark.parametrize("source", ["raw", "features"])
def test_random_forest_seed_iv(seed_iv_dir, tmp_path, source):
    cfg = config_from_dict({
        "data": {"kind": "seed_iv", "input": source},
        "preprocess": {"window_s": 4.0, "baseline": "none"},
        "model": {"name": "random_forest"}, "baseline": {"n_estimators": 20},
        "protocol": {"name": "cross_session", "targets": ["emotion"]}}, "test")
    run = _run(cfg, seed_iv_dir, tmp_path)
    s = run["summary"]["emotion"]
    assert np.asarray(s["confusion"]).shape == (4, 4)
    assert run["folds"][0]["n_test"] > 0


def test_run_split_refuses_a_leaky_split(deap_dir, tmp_path):
    cfg = _deap_cfg()
    data = load_run_data(cfg, deap_dir, cache_dir=tmp_path / "cache", progress=False)
    # windows 0 and 1 are the two halves of one trial: a window-level split leaks
    leaky = Split("leaky", "cross-subject", np.arange(1, len(data.trial_id)), np.array([0]))
    with pytest.raises(LeakageError, match="trial"):
        run_split(cfg, data, leaky, RunOptions(tmp_path / "o", progress=False),
                  torch.device("cpu"))
    assert not (tmp_path / "o" / "folds" / "leaky.json").exists()
    # same subject on both sides of a "cross-subject" split
    s1 = np.flatnonzero(data.subject == data.subject[0])
    by_trial = Split("t", "cross-subject", s1[data.trial_id[s1] != data.trial_id[0]],
                     s1[data.trial_id[s1] == data.trial_id[0]])
    with pytest.raises(LeakageError, match="subject"):
        check_split(by_trial, data)
    check_split(Split("t", "subject-dependent", by_trial.train, by_trial.test), data)
