"""Commands register themselves; the CLI is built from the registry and stays light."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion import cli, commands
from eeg_emotion.commands import Command, get_command, register_command, registered_commands
from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.realtime.recording import Recorder
from eeg_emotion.realtime.source import Chunk, SourceInfo

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "PyQt6", "pyqtgraph", "brainflow")
NAMES = ["calibrate", "demo", "doctor", "evaluate", "export", "live", "replay", "streams",
         "synth", "train"]

#: Runs the CLI in a fresh interpreter and reports the exit status and heavy modules loaded.
PROBE = f"""
import json, sys
from eeg_emotion.cli import main
try:
    rc = main(sys.argv[1:])
except SystemExit as exc:
    rc = exc.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
print("PROBE " + json.dumps({{"rc": rc, "heavy": heavy}}), file=sys.stderr)
"""


@pytest.fixture
def scratch_registry(monkeypatch):
    """The command registry as it is now, restored after the test."""
    monkeypatch.setattr(commands, "_COMMANDS", dict(commands._COMMANDS))


def probe(*argv: str, cwd: Path = ROOT) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    lines = [s for s in proc.stderr.splitlines() if s.startswith("PROBE ")]
    assert lines, proc.stderr[-2000:]
    return json.loads(lines[-1][len("PROBE "):])


def test_every_command_module_registers_its_command():
    assert [c.name for c in registered_commands()] == NAMES
    modules = {m.__name__ for m in cli.COMMAND_MODULES}
    assert {get_command(n).run.__module__ for n in NAMES} == modules
    # every cmd_*.py of the package is one of the CLI's command modules
    files = {f"eeg_emotion.{p.parent.name}.{p.stem}"
             for p in [*ROOT.glob("offline/cmd_*.py"), *ROOT.glob("realtime/cmd_*.py")]}
    assert files <= modules


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in registered_commands():
        assert command.name in out and command.help in out


@pytest.mark.parametrize("argv", [["--version"], ["--help"], *([n, "--help"] for n in NAMES)])
def test_parsing_loads_no_torch_qt_or_brainflow(argv):
    result = probe(*argv)
    assert result["rc"] == 0 and result["heavy"] == []


def test_light_commands_run_without_torch_qt_or_brainflow(tmp_path):
    result = probe("synth", "demo", "--out", str(tmp_path / "d"), "--trials", "1",
                   "--seconds", "1")
    assert result == {"rc": 0, "heavy": []}
    dat = next((tmp_path / "d").rglob("*.dat"))
    result = probe("replay", str(dat), "--name", f"light-{os.getpid()}", "--speed", "8",
                   "--duration", "0.5")
    assert result == {"rc": 0, "heavy": []}
    info = SourceInfo(name="r", kind="lsl", channels=("Fp1", "Cz"), sfreq=100.0)
    with Recorder(tmp_path / "s.rec", info) as rec:
        rec.write_samples(Chunk(np.zeros((2, 200)), 5.0 + np.arange(200) / 100.0))
    result = probe("export", str(tmp_path / "s.rec"), "--to", str(tmp_path / "s_raw.fif"))
    assert result == {"rc": 0, "heavy": []}
    assert (tmp_path / "s_raw.fif").is_file()


def test_main_exit_statuses(scratch_registry, capsys):
    def fail(args):
        raise {"user": DataFormatError("the file is odd", "use another file"),
               "ctrl-c": KeyboardInterrupt(),
               "import": ModuleNotFoundError("No module named 'torch'")}[args.what]

    def add(parser):
        parser.add_argument("what")

    register_command(Command("boom", "always fails", add, fail))
    assert cli.main(["boom", "user"]) == 2
    err = capsys.readouterr().err
    assert "error: the file is odd" in err and "  fix: use another file" in err
    assert cli.main(["boom", "ctrl-c"]) == 130
    assert cli.main(["boom", "import"]) == 1
    err = capsys.readouterr().err
    assert "the 'boom' command could not be loaded: No module named 'torch'" in err


def test_registry_refuses_a_second_module_with_the_same_name(scratch_registry):
    train = get_command("train")
    register_command(train)  # a reload of the same module is fine
    with pytest.raises(ConfigError, match="two eeg-emotion commands are named 'train'"):
        register_command(Command("train", "impostor", train.add_arguments, lambda args: 0))
    with pytest.raises(ConfigError, match="no command 'trian'"):
        get_command("trian")

