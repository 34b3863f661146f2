"""The commands are listed once; the CLI is built from the list and stays light."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion import cli
from eeg_emotion.commands import COMMANDS, get_command
from eeg_emotion.commands.command import Command
from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.realtime.outputs.recording import Recorder
from eeg_emotion.realtime.sources.source import Chunk, SourceInfo

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


def probe(*argv: str, cwd: Path = ROOT) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    lines = [s for s in proc.stderr.splitlines() if s.startswith("PROBE ")]
    assert lines, proc.stderr[-2000:]
    return json.loads(lines[-1][len("PROBE "):])


#: modules of eeg_emotion/commands/ that are not commands
HELPERS = {"__init__", "command", "source_args", "run_args"}


def test_every_command_module_is_listed_once():
    assert [c.name for c in COMMANDS] == NAMES
    modules = {get_command(n).run.__module__ for n in NAMES}
    files = {f"eeg_emotion.commands.{p.stem}" for p in (ROOT / "eeg_emotion" / "commands").glob(
        "*.py") if p.stem not in HELPERS}
    assert files == modules
    # no command lives anywhere else
    assert not [*ROOT.glob("*/cmd_*.py"), *ROOT.glob("eeg_emotion/cmd_*.py")]


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in COMMANDS:
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


def test_main_exit_statuses(monkeypatch, capsys):
    def fail(args):
        raise {"user": DataFormatError("the file is odd", "use another file"),
               "ctrl-c": KeyboardInterrupt(),
               "import": ModuleNotFoundError("No module named 'torch'")}[args.what]

    def add(parser):
        parser.add_argument("what")

    monkeypatch.setattr(cli, "COMMANDS", (*COMMANDS, Command("boom", "always fails", add, fail)))
    monkeypatch.setattr(cli, "get_command", lambda name: {c.name: c for c in cli.COMMANDS}[name])
    assert cli.main(["boom", "user"]) == 2
    err = capsys.readouterr().err
    assert "error: the file is odd" in err and "  fix: use another file" in err
    assert cli.main(["boom", "ctrl-c"]) == 130
    assert cli.main(["boom", "import"]) == 1
    err = capsys.readouterr().err
    assert "the 'boom' command could not be loaded: No module named 'torch'" in err


def test_an_unknown_command_name_is_a_clear_error():
    with pytest.raises(ConfigError, match="no command 'trian'"):
        get_command("trian")
