"""`eeg-emotion doctor` reports the thread policy and the visible streams, and a machine
without a screen passes (headless works); `eeg-emotion streams` lists what is visible."""

from __future__ import annotations

import uuid

from eeg_emotion import doctor
from eeg_emotion.cli import main
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.lsl_streams import format_table, visible_streams


def test_doctor_passes_without_a_screen_and_reports_the_policy(capsys, monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(doctor.platform, "system", lambda: "Linux")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "OK  qt" in out and "no screen" in out and "note: " in out
    assert "--headless" in out
    assert "OK  threads" in out and "usable CPU(s)" in out and "live inference 1 thread" in out
    assert "OK  streams" in out and "visible now" in out


def test_streams_lists_name_type_channels_rate_and_source_id(capsys):
    pylsl = import_pylsl()
    name = f"doc-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, "EEG", 8, 250.0, pylsl.cf_float32, f"{name}-sid")
    outlet = pylsl.StreamOutlet(info)
    try:
        found = [s for s in visible_streams(2.0) if s.name == name]
        assert len(found) == 1
        assert found[0].row() == (name, "EEG", "8", "250 Hz", f"{name}-sid")
        assert main(["streams", "--wait", "2"]) == 0
        out = capsys.readouterr().out
        row = next(line for line in out.splitlines() if line.startswith(name))
        assert row.split() == [name, "EEG", "8", "250", "Hz", f"{name}-sid"]
        assert out.splitlines()[0].split()[:3] == ["name", "type", "channels"]
    finally:
        del outlet
    assert main(["streams", "--wait", "0"]) == 2


def test_table_of_no_streams_is_a_header():
    assert format_table([]).split() == ["name", "type", "channels", "rate", "source", "id"]
