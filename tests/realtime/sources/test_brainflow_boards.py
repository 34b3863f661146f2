"""Every BrainFlow board with EEG by its BrainFlow name, and any BrainFlowInputParams field.

The board list of ``--board`` is a static table (so ``live --help`` needs no
BrainFlow); this checks it against BrainFlow's own ``BoardIds`` and board
descriptors, so a BrainFlow upgrade that adds an EEG board fails here until the
table names it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eeg_emotion.boards import BOARDS, INPUT_PARAMS, board_name, parse_board_params
from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.realtime.sources.brainflow_source import BrainFlowSource, import_brainflow

ROOT = Path(__file__).resolve().parents[3]
bf = import_brainflow()


def _eeg_boards() -> dict[str, int]:
    """BoardIds members whose descriptor lists EEG channels."""
    out = {}
    for member in bf.BoardIds:
        if member.name in ("NO_BOARD", "STREAMING_BOARD"):
            continue
        try:
            descr = bf.BoardShim.get_board_descr(member.value)
        except bf.BrainFlowError:
            continue
        if descr.get("eeg_channels"):
            out[member.name] = member.value
    return out


def test_the_table_names_every_brainflow_board_with_eeg():
    eeg = _eeg_boards()
    named = set(BOARDS.values())
    assert set(eeg) <= named, f"boards missing from eeg_emotion/boards.py: {set(eeg) - named}"
    for name, member in BOARDS.items():
        assert hasattr(bf.BoardIds, member), f"{name}: BoardIds has no {member}"
        assert member in eeg or name == "playback", f"{name} has no EEG channels"
    assert {"muse-2", "muse-s", "muse-2016", "unicorn", "crown", "notion-1", "ganglion",
            "cyton", "cyton-daisy", "explore-8-chan", "enophone", "synthetic",
            "playback"} <= set(BOARDS)


def test_input_params_are_brainflows_fields():
    fields = {f for f in dir(bf.BrainFlowInputParams()) if not f.startswith("_")}
    assert set(INPUT_PARAMS) == fields - {"to_json"}


def test_names_aliases_and_params():
    assert board_name("Muse_2") == "muse-2" and board_name("explore") == "explore-8-chan"
    with pytest.raises(ConfigError, match="unknown board 'muse-3'") as err:
        board_name("muse-3")
    assert "muse-2" in err.value.fix
    assert parse_board_params(["mac_address=00:55:DA:B5:0E:1C", "timeout=15"]) == (
        ("mac_address", "00:55:DA:B5:0E:1C"), ("timeout", "15"))
    with pytest.raises(ConfigError, match="not a BrainFlowInputParams field"):
        parse_board_params(["mac=1"])
    with pytest.raises(ConfigError, match="whole number"):
        parse_board_params(["timeout=soon"])


def test_muse_board_is_named_by_its_descriptor_and_params_reach_brainflow():
    src = BrainFlowSource("muse-2", params=(("mac_address", "00:55:DA:B5:0E:1C"),
                                            ("timeout", "3")))
    src._bf = bf
    params = src._params()
    assert params.mac_address == "00:55:DA:B5:0E:1C" and params.timeout == 3
    names, note = src._channel_names(src._board_id("muse-2"), 4)
    assert names == ("TP9", "AF7", "AF8", "TP10") and "BrainFlow's description" in note
    with pytest.raises(StreamError, match="unknown BrainFlow input parameter"):
        BrainFlowSource("synthetic", params=(("bogus", "1"),))


def test_synthetic_board_with_a_board_param_runs(tmp_path):
    src = BrainFlowSource("synthetic", params=(("timeout", "5"),))
    try:
        info = src.open()
        chunk = None
        while chunk is None:
            chunk = src.read(1.0)
        assert len(info.channels) == 16 and chunk.data.shape[0] == 16
    finally:
        src.close()


def test_live_help_lists_the_boards_without_loading_brainflow():
    probe = ("import sys, io, contextlib\nfrom eeg_emotion.cli import main\n"
             "buf = io.StringIO()\n"
             "with contextlib.redirect_stdout(buf):\n"
             "    try:\n        main(['live', '--help'])\n    except SystemExit:\n        pass\n"
             "print('BRAINFLOW' if 'brainflow' in sys.modules else 'LIGHT')\n"
             "print(buf.getvalue())\n")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, timeout=60).stdout
    assert out.startswith("LIGHT")
    for name in ("muse-2", "muse-s", "unicorn", "crown", "explore-8-chan", "--board-param"):
        assert name in out
