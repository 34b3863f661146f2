"""`eeg-emotion train` / `evaluate` end to end on tiny synthetic DEAP: outputs, resume,
--channels, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from eeg_emotion.cli import main
from eeg_emotion.models.checkpoint import load_checkpoint
from eeg_emotion.offline.training import sweep

ROOT = Path(__file__).resolve().parents[3]
DEMO = str(ROOT / "configs" / "demo_synthetic.toml")
CYTON = "Fp1,Fp2,C3,C4,P7,P8,O1,O2"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def demo_run(deap_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "demo"
    cache = out.parent / "cache"
    rc = main(["train", "--config", DEMO, "--data", str(deap_dir), "--out", str(out),
               "--epochs", "2", "--quiet", "--cache-dir", str(cache)])
    assert rc == 0
    return out, cache


def test_train_writes_every_output(demo_run):
    out, _ = demo_run
    for name in ("run.json", "metrics.json", "folds.csv", "report.md", "confusion.png",
                 "learning_curves.png", "model.pt", "folds/fold1.json", "folds/fold1.pt",
                 "folds/fold2.pt"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["split_kind"] == "cross-subject" and metrics["n_folds"] == 2
    for target in ("valence", "arousal"):
        s = metrics["summary"][target]
        assert 0.0 <= s["accuracy"]["mean"] <= 1.0
        assert s["majority_rate"]["mean"] >= 0.5
        assert sum(map(sum, s["confusion"])) == metrics["data"]["n_windows"]
    # cross-subject: no test subject of a fold in its training set
    folds = [json.loads((out / f"folds/fold{k}.json").read_text()) for k in (1, 2)]
    assert all(f["n_test"] > 0 and f["n_train"] > 0 for f in folds)
    report = (out / "report.md").read_text()
    for needle in ("grouped by SUBJECT", "majority-class rate", "balanced accuracy",
                   "macro-F1", "error rate", "± ", "SYNTHETIC", "Train time"):
        assert needle in report, needle
    assert len((out / "folds.csv").read_text().splitlines()) == 1 + 2 * 2


def test_final_model_records_what_live_needs(demo_run, deap_dir):
    out, _ = demo_run
    loaded = load_checkpoint(out / "model.pt")
    meta = loaded.meta
    assert meta.model == "scalingnet" and meta.synthetic is True
    assert len(meta.channels) == 32 and meta.sfreq == 128.0
    assert meta.signal.window_s == 4.0 and meta.signal.hop_s == 2.0
    assert meta.signal.filter.l_freq == 4.0 and meta.signal.baseline == "subtract_mean"
    assert [t.name for t in meta.targets] == ["valence", "arousal"]
    assert meta.training["cv_split_kind"] == "cross-subject"
    x = torch.zeros(2, 32, 512)
    assert loaded.model(x)["valence"].shape == (2, 2)


def test_rerun_resumes_and_skips_finished_folds(demo_run, deap_dir, capsys):
    out, cache = demo_run
    fold1 = out / "folds" / "fold1.json"
    before = fold1.stat().st_mtime_ns
    (out / "folds" / "fold2.json").unlink()
    rc = main(["train", "--config", DEMO, "--data", str(deap_dir), "--out", str(out),
               "--epochs", "2", "--quiet", "--cache-dir", str(cache)])
    assert rc == 0
    assert fold1.stat().st_mtime_ns == before  # not retrained
    assert (out / "folds" / "fold2.json").is_file()  # redone
    # another config into the same folder is refused
    rc = main(["train", "--config", DEMO, "--data", str(deap_dir), "--out", str(out),
               "--epochs", "3", "--quiet", "--cache-dir", str(cache)])
    assert rc == 2
    assert "differs in config.train.epochs" in capsys.readouterr().err


def test_evaluate_command(demo_run, deap_dir, capsys):
    out, cache = demo_run
    ev = out.parent / "eval"
    rc = main(["evaluate", str(out / "model.pt"), "--data", str(deap_dir), "--out", str(ev),
               "--device", "cpu", "--quiet", "--cache-dir", str(cache)])
    assert rc == 0
    metrics = json.loads((ev / "metrics.json").read_text())
    assert metrics["trained_on_this_data"] is True
    assert metrics["data"]["n_windows"] == 36  # 12 trials x 3 windows of 4 s, hop 2 s
    assert set(metrics["summary"]) == {"valence", "arousal"}
    assert "not an honest test" in capsys.readouterr().out
    assert (ev / "report.md").is_file() and (ev / "confusion.png").is_file()


def test_evaluate_bad_checkpoint(tmp_path, deap_dir, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    assert main(["evaluate", str(bad), "--data", str(deap_dir), "--out",
                 str(tmp_path / "e")]) == 2
    assert "error:" in capsys.readouterr().err


def test_channels_restrict_the_model(deap_dir, tmp_path):
    out = tmp_path / "cyton"
    rc = main(["train", "--config", DEMO, "--data", str(deap_dir), "--out", str(out),
               "--epochs", "1", "--quiet", "--channels", CYTON, "--cache-dir",
               str(tmp_path / "cache")])
    assert rc == 0
    meta = load_checkpoint(out / "model.pt").meta
    assert meta.channels == CYTON.split(",")
    assert meta.signal.channels == tuple(CYTON.split(","))


@pytest.mark.parametrize(("extra", "needle"), [
    (["--channels", "Fp1,Xx9"], "Xx9"),
    (["--channels", " , "], "names no channel"),
    (["--epochs", "0"], "--epochs"),
    (["--folds", "7"], "7 folds for 3 subjects"),
    (["--folds", "1"], "--folds 1 must be at least 2"),
])
def test_bad_options_fail_cleanly(deap_dir, tmp_path, capsys, extra, needle):
    rc = main(["train", "--config", DEMO, "--data", str(deap_dir), "--out",
               str(tmp_path / "o"), "--quiet", "--cache-dir", str(tmp_path / "c"), *extra])
    assert rc == 2
    assert needle in capsys.readouterr().err


def test_bad_config_and_data_fail_cleanly(tmp_path, deap_dir, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[train]\nepochz = 3\n')
    assert main(["train", "--config", str(cfg), "--data", str(deap_dir), "--out",
                 str(tmp_path / "o")]) == 2
    assert "epochz" in capsys.readouterr().err
    assert main(["train", "--config", DEMO, "--data", str(tmp_path / "missing"), "--out",
                 str(tmp_path / "o2")]) == 2
    assert "missing" in capsys.readouterr().err


@pytest.fixture
def seen_configs(monkeypatch):
    """`train` up to the protocol: the configs it would run, and no training."""
    seen = []

    def fake_run_config(cfg, data_path, opts):
        seen.append(cfg)
        return {"summary": {}}

    monkeypatch.setattr(sweep, "run_config", fake_run_config)
    return seen


@pytest.mark.parametrize(("given", "kind"), [
    ([], "deap"), (["--kind", "auto"], "auto"), (["--kind", "seed-iv"], "seed_iv"),
    (["--kind", "seed_iv"], "seed_iv"), (["--kind", "DEAP"], "deap"),
])
def test_train_kind_overrides_the_configs_data_kind(seen_configs, deap_dir, tmp_path, given,
                                                    kind):
    rc = main(["train", "--config", "deap_scalingnet", "--data", str(deap_dir), "--out",
               str(tmp_path / "o"), "--quiet", *given])
    assert rc == 0
    assert seen_configs[-1].data.kind == kind


def test_train_kind_mne_reads_the_folder_as_recordings(seen_configs, deap_dir, tmp_path,
                                                      capsys):
    mne_dir = tmp_path / "recordings"
    mne_dir.mkdir()
    (mne_dir / "labels.csv").write_text("file,onset,duration,valence\n")
    assert main(["train", "--config", DEMO, "--data", str(mne_dir), "--out",
                 str(tmp_path / "o"), "--kind", "mne"]) == 0
    assert seen_configs[-1].data.kind == "mne"


def test_train_kind_mne_on_a_deap_folder_says_what_it_lacks(deap_dir, tmp_path, capsys):
    assert main(["train", "--config", DEMO, "--data", str(deap_dir), "--out",
                 str(tmp_path / "o"), "--kind", "mne", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "labels.csv" in err and "fix:" in err


def test_train_kind_reaches_the_reader(deap_dir, tmp_path, capsys):
    assert main(["train", "--config", DEMO, "--data", str(deap_dir), "--out",
                 str(tmp_path / "o"), "--quiet", "--kind", "seed-iv"]) == 2
    assert "no SEED-IV eeg_raw_data folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--config", DEMO, "--data", str(deap_dir), "--kind", "eeglab"])


def test_train_finds_a_shipped_config_by_name(seen_configs, deap_dir, tmp_path, monkeypatch,
                                              capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--config", "demo_synthetic", "--data", str(deap_dir),
                 "--quiet"]) == 0
    assert seen_configs[-1].model.name == "scalingnet"
    assert "runs/demo_synthetic/report.md" in capsys.readouterr().out
    assert main(["train", "--config", "no_such_config", "--data", str(deap_dir)]) == 2
    assert "demo_synthetic" in capsys.readouterr().err


def test_evaluate_kind(demo_run, deap_dir, capsys):
    out, cache = demo_run
    rc = main(["evaluate", str(out / "model.pt"), "--data", str(deap_dir), "--out",
               str(out.parent / "eval-kind"), "--device", "cpu", "--quiet", "--cache-dir",
               str(cache), "--kind", "deap"])
    assert rc == 0
    capsys.readouterr()
    rc = main(["evaluate", str(out / "model.pt"), "--data", str(deap_dir), "--out",
               str(out.parent / "eval-seed"), "--device", "cpu", "--kind", "seed_iv"])
    assert rc == 2
    assert "no SEED-IV eeg_raw_data folder" in capsys.readouterr().err


def test_an_interrupted_train_says_the_same_command_resumes(tmp_path, capsys, monkeypatch):
    from eeg_emotion.offline.training import sweep

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep, "run_config", interrupted)
    rc = main(["train", "--config", DEMO, "--data", str(tmp_path / "d"), "--epochs", "3",
               "--threads", "1", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 130
    out = Path("runs") / "demo_synthetic"
    assert (f"interrupted: the finished folds are kept in {out}; rerunning the same command "
            "resumes after them: eeg-emotion train --config") in err
    assert f"--out {out} --epochs 3 --threads 1 --quiet" in err
