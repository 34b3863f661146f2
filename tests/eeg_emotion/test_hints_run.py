"""Every fix hint that names an `eeg-emotion ...` command runs as printed.

Each case triggers a real error (or note) in a temporary folder on synthetic data,
takes every backticked ``eeg-emotion`` command out of its fix, puts synthetic
stand-ins for the placeholders the hint explains (``DEAP_DIR``, ``FOLDER``,
``FILE`` ...; a case may give its own, e.g. a calibration folder for ``FOLDER``) and
runs the command as printed: the cheap ones (``streams``, ``synth``, ``doctor``,
``evaluate``) to the end, the others through every check they make up to the work
itself (waiting for a stream, training a fold, replaying, the demo), which the test
stands in for. A hint that parses but fails when run (``calibrate --add`` without
``--out``, ``--folds`` that another check refuses) fails here. A new hint is one more
entry in :data:`CASES`; a fix that names an option value (``use e.g. --sessions 3``)
is one more entry in :data:`OPTION_CASES`.
"""

from __future__ import annotations

import inspect
import json
import re
import shlex
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion import doctor, hints
from eeg_emotion.calibration_files import CalibrationFolder
from eeg_emotion.cli import build_parser, main
from eeg_emotion.commands import live as live_command
from eeg_emotion.commands import train as train_command
from eeg_emotion.commands.calibrate import calibrate_options
from eeg_emotion.contract import SignalContract
from eeg_emotion.errors import EEGEmotionError
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import CheckpointMeta, build_model, checkpoint
from eeg_emotion.models.checkpoint import LoadedModel
from eeg_emotion.montages import CYTON, DEAP
from eeg_emotion.offline.datasets.calibration_folders import index_calibration
from eeg_emotion.offline.datasets.readers import open_dataset
from eeg_emotion.offline.datasets.registry import KINDS
from eeg_emotion.offline.synth.deap import write_demo_recording, write_synthetic_deap
from eeg_emotion.offline.training import protocols
from eeg_emotion.offline.training.personal import personal_targets
from eeg_emotion.offline.training.quick_model import train_quick_model
from eeg_emotion.realtime import demo as realtime_demo
from eeg_emotion.realtime.calibration import run as calibration_run
from eeg_emotion.realtime.calibration.run import run_calibrate
from eeg_emotion.realtime.calibration.session import planned_blocks
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.model_choice import given_model_notes, load_model
from eeg_emotion.realtime.replay.from_file import ReplayOptions, check_replay_options
from eeg_emotion.realtime.replay.player import ReplayPlayer
from eeg_emotion.realtime.replay.xdf_player import XdfPlayer
from eeg_emotion.realtime.sources import factory
from eeg_emotion.realtime.sources.channels import label_channels, map_to_model
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.realtime.sources.source import SourceInfo
from eeg_emotion.recording_files import read_recording
from eeg_emotion.targets import deap_targets

COMMAND = re.compile(r"`(eeg-emotion [^`]+)`")
#: Placeholders hints may use (capitals), and whether the hint must explain them.
PLACEHOLDERS = {"DEAP_DIR": True, "FOLDER": True, "MODEL": True, "FILE": False,
                "NAME": False, "PATH": False, "CONFIG": True, "OUT": False}
#: Commands cheap enough to run to the end, by subcommand.
RUN_FULLY = {"streams", "synth", "doctor", "evaluate"}


class _Reached(Exception):
    """The command got past every check to the work itself (a stream, a fold...)."""


def _reach(*_args: object, **_kwargs: object) -> None:
    raise _Reached


def _error(fn: Callable[[], object]) -> str:
    """The fix of the EEGEmotionError that ``fn`` raises."""
    with pytest.raises(EEGEmotionError) as err:
        fn()
    assert err.value.fix, err.value.problem
    return err.value.fix


def _tiny_loaded() -> LoadedModel:
    targets = deap_targets(("valence",))
    model = build_model("scalingnet", 4, 128.0, targets, kernel_length=9, n_levels=2,
                        conv_filters=[2])
    contract = SignalContract(channels=("Fp1", "Fp2", "C3", "C4"), sfreq=128.0,
                              units="microvolts", filter=FilterSpec(4.0, 45.0), window_s=1.0,
                              hop_s=0.25, baseline="none", standardize="window")
    return LoadedModel(model, CheckpointMeta("scalingnet", model.hparams(), contract,
                                             list(targets), synthetic=True))


def _stream_missing(tmp: Path) -> str:
    return _error(lambda: LSLSource(f"no-such-stream-{tmp.name}").open(timeout=0.2))


def _stream_lacks_channels(tmp: Path) -> str:
    fix = _error(lambda: map_to_model(("Fp1", "Fp2", "PO7", "PO8"), DEAP,
                                      supports_missing=False, source="stream s"))
    # only channels DEAP has, the ones it lacks said plainly, and --out a folder
    assert "--channels Fp1,Fp2 " in fix and "DEAP lacks PO7, PO8" in fix
    assert f"--out {hints.HEADSET_RUN}`" in fix and f"--model {hints.HEADSET_RUN}/model.pt" in fix
    return fix


def _model_missing(tmp: Path) -> str:
    return _error(lambda: load_model(tmp / "none.pt"))


def _replay_folder(tmp: Path) -> str:
    write_demo_recording(tmp / "rec", trials=1, seconds=1.0)
    return _error(lambda: check_replay_options(ReplayOptions(tmp / "rec")))


def _replay_missing(tmp: Path) -> str:
    return _error(lambda: check_replay_options(ReplayOptions(tmp / "none.dat")))


def _file_as_dataset(tmp: Path) -> str:
    path = tmp / "notes.txt"
    path.write_text("x")
    return _error(lambda: open_dataset(path))


def _old_checkpoint(tmp: Path) -> str:
    return checkpoint._RETRAIN


def _demo_model_fails(tmp: Path) -> str:
    import pickle

    path = write_demo_recording(tmp / "d" / "s01.dat", trials=2, seconds=6.0, train_trials=6)
    with open(path, "rb") as f:
        blob = pickle.load(f, encoding="latin1")
    blob["labels"][:, 0] = 8.0  # held-out trials of one class: no margin is possible
    with open(path, "wb") as f:
        pickle.dump(blob, f, protocol=2)
    return _error(lambda: train_quick_model(path.parent / "train", tmp / "m.pt",
                                            check_path=path, epochs=1, seeds=(0,),
                                            targets=("valence",), cache_dir=tmp / "c",
                                            progress=False))


def _inference_fails(tmp: Path) -> str:
    engine = Engine(LSLSource("unused"), _tiny_loaded(), device="cpu", markers=None)
    engine._fail_inference(RuntimeError("boom"))
    return engine.failure.fix


def _no_recording(tmp: Path) -> str:
    return _error(lambda: read_recording(tmp / "none"))


def _no_screen(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(doctor.platform, "system", lambda: "Linux")
    ok, _, note = doctor.check_qt()
    assert ok, "no screen is a note: headless use works"
    return note


def _calibration_exists(tmp: Path, calibration_factory) -> str:
    made = calibration_factory(tmp / "cal", n_blocks=2, stimulus_s=2.0)
    info = SourceInfo("obci_eeg1", "lsl", CYTON, 250.0, "openbcigui", montage="cyton")
    blocks = planned_blocks(made["folder"], 1)
    fix = _error(lambda: CalibrationFolder.create(tmp / "cal", info, blocks, {}))
    assert f"--resume --out {tmp / 'cal'} --stream obci_eeg1" in fix
    return fix


def _calibration_one_sided(tmp: Path, calibration_factory) -> str:
    root = tmp / "cal"
    calibration_factory(root, n_blocks=3, stimulus_s=2.0)
    plan = json.loads((root / "calibration.json").read_text())
    plan["settings"]["source"] = ["--board", "cyton", "--serial-port", "/dev/ttyUSB0"]
    (root / "calibration.json").write_text(json.dumps(plan))
    index = open_dataset(root, "calibration")
    for ref in index.trials:
        ref.labels.update(valence=8.0, arousal=8.0, dominance=8.0)  # nothing at or below 5
    fix = _error(lambda: personal_targets(index))
    assert f"--add --out {root} --board cyton --serial-port /dev/ttyUSB0" in fix
    return fix


def _calibration_add_without_out(tmp: Path, calibration_factory) -> tuple[str, dict]:
    args = build_parser(["calibrate"]).parse_args(["calibrate", "--add", "--stream", "x"])
    fix = _error(lambda: run_calibrate(calibrate_options(args)))
    # FOLDER is an earlier calibration folder here
    calibration_factory(tmp / "earlier", n_blocks=2, stimulus_s=2.0)
    return fix, {"FOLDER": str(tmp / "earlier")}


def _poor_personal_model(tmp: Path, calibration_factory) -> str:
    """live's note on a personal model that never beat the majority rate: its --add
    command names the model's calibration folder (``--add`` needs ``--out``)."""
    calibration_factory(tmp / "my cal", n_blocks=2, stimulus_s=2.0)
    loaded = _tiny_loaded()
    loaded.meta.tags.update(personal=True, montage="cyton", beats_majority=False)
    loaded.meta.training["calibration"] = str(tmp / "my cal")
    (note,) = given_model_notes(tmp / "personal.pt", loaded, ["--stream", "obci_eeg1"])
    assert f"--add --out '{tmp / 'my cal'}' --stream obci_eeg1`" in note
    return note


def _train_one_deap_file(tmp: Path) -> str:
    """A cross-subject config on one subject's file: the fix trains within the subject
    (it used to ask for ``--folds`` at most 1, which ``--folds 1`` refused)."""
    write_synthetic_deap(tmp / "one", subjects=1, trials=6, seconds=4.0)
    args = build_parser(["train"]).parse_args([
        "train", "--config", "demo_synthetic", "--data", str(tmp / "one" / "s01.dat"),
        "--out", str(tmp / "run"), "--quiet", "--cache-dir", str(tmp / "cache")])
    fix = _error(lambda: train_command.run(args))
    assert "at most" not in fix
    return fix


def _train_calibration_as_deap(tmp: Path, calibration_factory) -> str:
    calibration_factory(tmp / "cal", n_blocks=6, stimulus_s=5.0)
    args = build_parser(["train"]).parse_args([
        "train", "--config", "demo_synthetic", "--data", str(tmp / "cal"), "--out",
        str(tmp / "run"), "--quiet"])
    return _error(lambda: train_command.run(args))


def _train_calibration_with_a_baseline(tmp: Path, calibration_factory) -> str:
    calibration_factory(tmp / "cal", n_blocks=6, stimulus_s=5.0)
    args = build_parser(["train"]).parse_args([
        "train", "--config", "demo_synthetic", "--data", str(tmp / "cal"), "--kind",
        "calibration", "--out", str(tmp / "run"), "--quiet", "--cache-dir",
        str(tmp / "cache")])
    fix = _error(lambda: train_command.run(args))
    assert "calibration_scalingnet" in fix
    return fix


def _live_without_a_source(tmp: Path) -> str:
    args = build_parser(["live"]).parse_args(["live", "--headless"])
    return _error(lambda: live_command.run(args))


def _calibration_blocks_without_samples(tmp: Path, calibration_factory) -> str:
    root = tmp / "cal"
    made = calibration_factory(root, n_blocks=2, stimulus_s=2.0)
    (part,) = made["folder"].parts(1)
    stamps = np.fromfile(part / "timestamps.f64", dtype="<f8")
    (stamps + 3600.0).astype("<f8").tofile(part / "timestamps.f64")  # the stream came late
    fix = _error(lambda: index_calibration(root))
    assert f"--add --out {root} --stream obci_eeg1" in fix and "--resume" not in fix
    return fix


def _stream_without_eeg(tmp: Path) -> str:
    return _error(lambda: label_channels(["X", "Y", "Z"], 3, None, "Muse",
                                         types=["accelerometer"] * 3))


def _xdf_replay_with_trial(tmp: Path, write_xdf) -> str:
    path = write_xdf(tmp / "rec.xdf", [dict(
        name="EEG-rec", type="EEG", source_id="rec", sfreq=128, fmt="float32",
        channels=[{"label": "Fp1"}, {"label": "Fp2"}], data=np.zeros((2, 256)),
        timestamps=list(10 + np.arange(256) / 128))])
    args = build_parser(["replay"]).parse_args(["replay", str(path), "--trial", "0"])
    from eeg_emotion.commands import replay

    return _error(lambda: replay.run(args))


CASES: dict[str, Callable[..., str]] = {
    "stream not found": _stream_missing,
    "stream lacks the model's channels": _stream_lacks_channels,
    "model file missing": _model_missing,
    "replay of a folder": _replay_folder,
    "replay file missing": _replay_missing,
    "a file as --data": _file_as_dataset,
    "checkpoint of an old format": _old_checkpoint,
    "demo model did not learn": _demo_model_fails,
    "inference failed": _inference_fails,
    "not a recording": _no_recording,
    "no screen (doctor)": _no_screen,
    "calibration folder exists": _calibration_exists,
    "calibration rated one way only": _calibration_one_sided,
    "calibrate --add without --out": _calibration_add_without_out,
    "a personal model that did not beat the majority rate": _poor_personal_model,
    "train a cross-subject config on one DEAP file": _train_one_deap_file,
    "train on a calibration folder as DEAP": _train_calibration_as_deap,
    "train on a calibration folder with a DEAP config": _train_calibration_with_a_baseline,
    "live without --stream or --board": _live_without_a_source,
    "calibration's rated blocks hold no samples": _calibration_blocks_without_samples,
    "stream without EEG channels": _stream_without_eeg,
    "replay of an .xdf file with --trial": _xdf_replay_with_trial,
}

#: A bad value whose fix names the option and a value that works (``use e.g. --X V``):
#: the command is run again with that value, as far as the work.
OPTION_CASES: dict[str, list[str]] = {
    "synth seed-iv --sessions 5": ["synth", "seed-iv", "--out", "OUT", "--sessions", "5",
                                   "--subjects", "1", "--trials", "1", "--seconds", "4",
                                   "--no-features"],
    "synth deap --seconds nan": ["synth", "deap", "--out", "OUT", "--seconds", "nan",
                                 "--subjects", "1", "--trials", "1"],
    "calibrate --stimulus-seconds 0": ["calibrate", "--headless", "--stream", "x", "--out",
                                       "OUT", "--stimulus-seconds", "0"],
    "calibrate --rest-seconds -1": ["calibrate", "--headless", "--stream", "x", "--out",
                                    "OUT", "--rest-seconds", "-1"],
    "calibrate --blocks 1": ["calibrate", "--headless", "--stream", "x", "--out", "OUT",
                             "--blocks", "1"],
    "live --window inf": ["live", "--stream", "x", "--headless", "--window", "inf"],
    "live --timeout nan": ["live", "--stream", "x", "--headless", "--timeout", "nan"],
    "train --folds 1": ["train", "--config", "demo_synthetic", "--data", "DEAP_DIR",
                        "--out", "OUT", "--folds", "1"],
    "replay --wait -3": ["replay", "FILE", "--wait", "-3"],
}


@pytest.fixture(scope="module")
def deap_dir(tmp_path_factory) -> Path:
    """A small synthetic DEAP folder (6 subjects: cross-subject configs split it)."""
    root = tmp_path_factory.mktemp("deap")
    write_synthetic_deap(root, subjects=6, trials=2, seconds=4.0)
    return root


@pytest.fixture
def stand_ins(tmp_path: Path, deap_dir: Path) -> dict[str, str]:
    """Synthetic files for the placeholders."""
    demo = write_demo_recording(tmp_path / "replay" / "s01.dat", trials=1, seconds=2.0)
    model = tmp_path / "m.pt"
    checkpoint.save_checkpoint(model, _tiny_loaded().model, _tiny_loaded().meta)
    return {"DEAP_DIR": str(deap_dir), "FOLDER": str(deap_dir),
            "MODEL": str(model), "FILE": str(demo), "NAME": "hint-test",
            "PATH": str(tmp_path / "rec"), "CONFIG": "demo_synthetic",
            "OUT": str(tmp_path / "out")}


@pytest.fixture
def up_to_the_work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Commands stop with :class:`_Reached` where their work begins: a stream is waited
    for, a fold is trained, a personal model trained, a file replayed, the demo run."""
    monkeypatch.setenv("EEG_EMOTION_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(factory, "open_source", _reach)
    monkeypatch.setattr(calibration_run, "open_source", _reach)
    monkeypatch.setattr(calibration_run, "train_personal", _reach)
    monkeypatch.setattr(protocols, "run_split", _reach)
    monkeypatch.setattr(ReplayPlayer, "open", _reach)
    monkeypatch.setattr(XdfPlayer, "open", _reach)
    monkeypatch.setattr(realtime_demo, "run_demo", _reach)


def _runs_as_printed(argv: list[str], printed: str, capsys: pytest.CaptureFixture) -> None:
    """Run ``eeg-emotion ARGV``: to the end, or up to its work (:func:`up_to_the_work`)."""
    if argv[0] == "synth":  # it writes a new dataset: a folder that does not exist yet
        out = argv.index("--out") + 1
        argv[out] = str(Path(argv[out]).with_name(f"{Path(argv[out]).name}-{uuid.uuid4().hex}"))
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"`{printed}` does not parse: exit {exc.code}")
    capsys.readouterr()
    try:
        rc = main(argv)
    except _Reached:
        return
    err = capsys.readouterr().err
    assert rc == 0, f"`{printed}` fails as printed: {err}"
    assert argv[0] in RUN_FULLY, f"`{printed}` ran without reaching its work"


@pytest.mark.parametrize("case", list(CASES))
def test_hint_commands_run_as_printed(case, tmp_path, stand_ins, monkeypatch, request,
                                      up_to_the_work, capsys):
    monkeypatch.chdir(tmp_path)  # hints with relative paths write here
    trigger = CASES[case]
    fixtures = list(inspect.signature(trigger).parameters)[1:]  # after tmp
    got = trigger(tmp_path, *(request.getfixturevalue(name) for name in fixtures))
    text, own = got if isinstance(got, tuple) else (got, {})
    stand_ins = {**stand_ins, **own}
    commands = COMMAND.findall(text)
    assert commands, f"no command in the hint: {text}"
    for printed in commands:
        used = set(re.findall(r"\b[A-Z][A-Z_]{2,}\b", printed))
        unknown = used - set(PLACEHOLDERS)
        assert not unknown, f"{printed}: placeholder(s) {unknown} are not known stand-ins"
        for name in used:
            if PLACEHOLDERS[name]:
                assert re.search(rf"{name}(:| is)", text), f"{name} is not explained: {text}"
        argv = shlex.split(printed)[1:]
        argv = [re.sub("|".join(rf"\b{n}\b" for n in used), lambda m: stand_ins[m[0]], a)
                if used else a for a in argv]
        _runs_as_printed(argv, printed, capsys)


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_option_fixes_run_as_printed(case, tmp_path, stand_ins, monkeypatch, up_to_the_work,
                                     capsys):
    """The fix of a bad value names the very option (not another one) and a value that
    works: the same command with that value gets as far as its work."""
    monkeypatch.chdir(tmp_path)
    argv = [stand_ins.get(a, a) for a in OPTION_CASES[case]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    found = re.search(r"fix: use e\.g\. (--[\w-]+) (\S+?)(,|$)", err, re.MULTILINE)
    assert found, err
    option, value = found[1], found[2]
    assert option in argv, f"the fix names {option}, which {case} does not use: {err}"
    argv[argv.index(option) + 1] = value
    _runs_as_printed(argv, shlex.join(argv), capsys)


def test_the_kind_named_in_hints_exists(tmp_path):
    fix = _error(lambda: open_dataset(tmp_path))  # an empty folder: which dataset?
    assert "--kind" in fix and all(kind in fix for kind in KINDS)
    for command in ("train", "evaluate"):
        for kind in KINDS:
            argv = [command, "--data", str(tmp_path), "--kind", kind]
            argv += ["--config", "demo_synthetic"] if command == "train" else ["m.pt"]
            build_parser().parse_args(argv)


def test_a_train_hint_for_channels_deap_lacks_entirely():
    text = hints.train_for_channels_hint(["X1", "X2"])
    assert "`" not in text and "no DEAP model fits them" in text and "--montage" in text
