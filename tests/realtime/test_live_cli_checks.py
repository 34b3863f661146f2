"""``eeg-emotion live``/``demo`` refuse bad option combinations before any waiting."""

from __future__ import annotations

import time

import pytest

from eeg_emotion.cli import build_parser, main
from eeg_emotion.commands import demo as cmd_demo
from eeg_emotion.commands.source_args import source_options
from eeg_emotion.realtime import demo
from eeg_emotion.realtime.sources import factory


def test_no_screen_fails_before_waiting_for_a_stream(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    model = tmp_path / "m.pt"
    model.write_bytes(b"x")
    t0 = time.monotonic()
    rc = main(["live", "--stream", "nobody-publishes-this", "--model", str(model),
               "--timeout", "30"])
    assert rc == 2
    assert time.monotonic() - t0 < 10, "waited for the stream before checking the screen"
    err = capsys.readouterr().err
    assert "No screen" in err and "--headless" in err


def test_demo_without_screen_screenshot_fails_before_building_the_model(monkeypatch, capsys,
                                                                        tmp_path):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    rc = main(["demo", "--cache", str(tmp_path / "cache"), "--screenshot",
               str(tmp_path / "x.png"), "--duration", "1"])
    assert rc == 2
    assert "No screen" in capsys.readouterr().err
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_demo_without_screen_runs_headless(monkeypatch, tmp_path):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    ran = {}

    class NoReplay:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    monkeypatch.setattr(demo, "ensure_demo_recording",
                        lambda cache, option=None: tmp_path / "s01.dat")
    monkeypatch.setattr(demo, "ensure_demo_model", lambda *a, **k: tmp_path / "m.pt")
    monkeypatch.setattr(demo, "load_model", lambda path: "model")
    monkeypatch.setattr(demo, "ReplayProcess", lambda path: NoReplay())
    monkeypatch.setattr(demo, "open_replayed", lambda replay: "source")
    monkeypatch.setattr(demo, "run_engine", lambda opts, *a, **k: ran.setdefault("opts", opts)
                        and 0)
    args = build_parser(["demo"]).parse_args(["demo", "--cache", str(tmp_path)])
    assert cmd_demo.run(args) == 0
    assert ran["opts"].headless is True and args.headless is False


def test_master_board_reaches_the_brainflow_source(monkeypatch):
    seen = {}

    class FakeSource:
        def __init__(self, board, **kwargs):
            seen.update(board=board, **kwargs)

    monkeypatch.setattr(factory, "BrainFlowSource", FakeSource)
    args = build_parser().parse_args(["live", "--board", "playback", "--file", "rec.csv",
                                      "--master-board", "cyton", "--headless"])
    factory.make_source(source_options(args))
    assert seen["board"] == "playback" and seen["master_board"] == "cyton"
    assert seen["file"] == "rec.csv"


@pytest.mark.parametrize("argv", [
    ["live", "--board", "synthetic", "--master-board", "cyton", "--headless"],
    ["demo", "--output", "x.jsonl"],
])
def test_option_combinations_are_refused(argv, capsys):
    assert main(argv) == 2
    assert "fix:" in capsys.readouterr().err


def test_live_without_a_source_refuses_naming_the_visible_streams(capsys, publishers,
                                                                  stream_name):
    """A user who forgot --stream wants their headset, not the synthetic demo."""
    publishers.start(stream_name, mode="plain", channels=4, seconds=30, wait=20)
    t0 = time.monotonic()
    for _ in range(3):  # discovery of a just-started outlet can take a moment
        assert main(["live", "--headless"]) == 2
        err = capsys.readouterr().err
        if stream_name in err:
            break
    assert "live needs a source: no --stream or --board was given" in err
    assert stream_name in err and "--stream" in err and "--board" in err
    assert "`eeg-emotion demo`" in err and "Traceback" not in err
    assert time.monotonic() - t0 < 15
