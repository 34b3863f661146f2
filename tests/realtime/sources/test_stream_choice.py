"""Among several matching streams the EEG time series is taken, and the user is told why."""

from __future__ import annotations

from dataclasses import dataclass

from eeg_emotion.realtime.sources.lsl_source import LSLSource


@dataclass
class Info:
    """What a resolver tells of a stream (no description)."""

    n: str
    t: str
    sid: str = "Muse00:55"
    ch: int = 5
    rate: float = 256.0
    fmt: int = 1

    def name(self) -> str:
        return self.n

    def type(self) -> str:
        return self.t

    def source_id(self) -> str:
        return self.sid

    def channel_count(self) -> int:
        return self.ch

    def nominal_srate(self) -> float:
        return self.rate

    def channel_format(self) -> int:
        return self.fmt


def _choose(stream: str, cands: list[Info]) -> tuple[Info, str]:
    src = LSLSource(stream)
    ordered = sorted(cands, key=lambda i: (src._rank(i), i.name()))
    return src._choose(ordered)


def test_muselsl_outlets_sharing_name_and_source_id():
    ppg, eeg = Info("Muse", "PPG", ch=3, rate=64.0), Info("Muse", "EEG")
    acc, gyro = Info("Muse", "ACC", ch=3, rate=52.0), Info("Muse", "GYRO", ch=3, rate=52.0)
    chosen, note = _choose("Muse", [ppg, acc, eeg, gyro])
    assert chosen is eeg
    assert "4 streams match 'Muse'; took 'Muse' (type 'EEG'" in note
    assert "its type is 'EEG'" in note and "'PPG'" in note


def test_a_regular_rate_before_markers_and_a_name_before_a_source_id():
    markers = Info("x", "EEG", rate=0.0, fmt=3)
    chosen, note = _choose("x", [markers, Info("x", "EEG")])
    assert chosen.rate == 256.0 and "numeric" in note
    by_sid = Info("other", "EEG", sid="x")
    named = Info("x", "EEG", sid="y")
    chosen, note = _choose("x", [by_sid, named])
    assert chosen is named and "its name matches" in note


def test_a_single_match_needs_no_explanation():
    eeg = Info("Muse", "EEG")
    assert _choose("Muse", [eeg]) == (eeg, "")
