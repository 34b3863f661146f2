"""``--osc HOST:PORT``: the address scheme, bad targets, and real UDP messages received
by a python-osc server on 127.0.0.1 (bounded in count and time)."""

from __future__ import annotations

import pytest

from eeg_emotion.errors import ConfigError
from eeg_emotion.realtime.engine.state import Estimate, IndexReading
from eeg_emotion.realtime.outputs.osc_output import OscOutput, osc_messages, parse_osc_target

MODEL_EST = Estimate(7, 101.5, 3.25, {"valence": {"low": 0.2, "high": 0.8},
                                      "emotion": {"neutral": 0.1, "fear face": 0.9}})
INDEX_EST = Estimate(2, 50.0, 1.0, {}, indices=IndexReading(
    {"valence": 1.5, "arousal": -0.5}, {"frontal_alpha_asymmetry": 0.3,
                                        "beta_alpha_ratio": -2.0}, "F3/F4", (4, 30)))


def test_address_scheme():
    msgs = dict(osc_messages(MODEL_EST))
    assert msgs["/eeg-emotion/estimate"] == [7, 101.5, 3.25]
    assert msgs["/eeg-emotion/valence/high"] == [0.8]
    assert msgs["/eeg-emotion/valence/top"] == ["high", 0.8]
    assert msgs["/eeg-emotion/emotion/fear_face"] == [0.9]  # address-safe class name
    smoothed = Estimate(1, 1.0, 1.0, MODEL_EST.probabilities,
                        smoothed={"valence": {"low": 0.4, "high": 0.6}})
    assert dict(osc_messages(smoothed))["/eeg-emotion/valence/high"] == [0.6]
    assert dict(osc_messages(smoothed, smoothed=False))["/eeg-emotion/valence/high"] == [0.8]
    idx = osc_messages(INDEX_EST)
    assert [a for a, _ in idx] == [
        "/eeg-emotion/estimate", "/eeg-emotion/quality", "/eeg-emotion/index/valence",
        "/eeg-emotion/index/arousal",
        "/eeg-emotion/index/raw/frontal_alpha_asymmetry",
        "/eeg-emotion/index/raw/beta_alpha_ratio", "/eeg-emotion/index/uncalibrated"]
    assert dict(idx)["/eeg-emotion/index/valence"] == [1.5]
    # every estimate says how much of its window was repaired NaN/Inf samples
    assert msgs["/eeg-emotion/quality"] == ["ok", 0.0]
    poor = Estimate(3, 1.0, 1.0, MODEL_EST.probabilities, repaired=0.3)
    assert dict(osc_messages(poor))["/eeg-emotion/quality"] == ["poor", 0.3]


@pytest.mark.parametrize("bad", ["localhost", "127.0.0.1:0", "127.0.0.1:70000", ":9000",
                                 "127.0.0.1:port", "no-such-host.invalid:9000"])
def test_bad_targets_are_clear_errors(bad):
    with pytest.raises(ConfigError) as err:
        parse_osc_target(bad)
    assert "--osc 127.0.0.1:9000" in err.value.fix


def test_targets_parse():
    assert parse_osc_target("127.0.0.1:9000") == ("127.0.0.1", 9000)
    assert parse_osc_target(" [::1]:7000 ") == ("::1", 7000)


def test_messages_arrive_over_udp(osc_receiver):
    out = OscOutput(f"127.0.0.1:{osc_receiver.port}")
    try:
        out.push(MODEL_EST)
        out.push(INDEX_EST)
        want = len(osc_messages(MODEL_EST)) + len(osc_messages(INDEX_EST))
        assert osc_receiver.wait_for(want)
    finally:
        out.close()
        out.close()
    got = dict(osc_receiver.got)
    assert got["/eeg-emotion/valence/high"] == pytest.approx((0.8,))
    assert got["/eeg-emotion/valence/top"][0] == "high"
    assert got["/eeg-emotion/index/arousal"] == pytest.approx((-0.5,))
    assert got["/eeg-emotion/index/uncalibrated"] == (1,)
    assert got["/eeg-emotion/estimate"][0] == 2 and out.sent == want and out.errors == 0
