"""Timestamps on another clock (muselsl's UNIX time) are mapped onto the LSL clock."""

from __future__ import annotations

import time

import numpy as np
import pytest

from eeg_emotion.realtime.sources.channels import label_channels
from eeg_emotion.realtime.sources.clock import StreamClock


def test_lsl_clock_stamps_are_left_alone():
    clock = StreamClock("s")
    stamps = 5000.0 + np.arange(12) / 256
    assert clock.map(stamps, 5000.06) is stamps and clock.foreign is False
    assert clock.note == ""


def test_unix_time_stamps_are_mapped_and_follow_the_least_delay():
    clock = StreamClock("Muse")
    unix = time.time()
    first = unix + np.arange(12) / 256
    mapped = clock.map(first, 5000.0)
    assert clock.foreign and "UNIX time" in clock.note and "--lsltime" in clock.note
    assert mapped[-1] == pytest.approx(5000.0)
    # a chunk that arrives with less delay pulls the offset down at once
    nxt = first + 12 / 256
    mapped = clock.map(nxt, 5000.0 + 12 / 256 - 0.01)
    assert mapped[-1] == pytest.approx(5000.0 + 12 / 256 - 0.01)
    # one that arrives late moves it up only a little
    late = nxt + 12 / 256
    before = clock.offset
    clock.map(late, 5000.0 + 24 / 256 + 0.2)
    assert 0 < clock.offset - before < 0.01


def test_a_given_montage_may_name_the_eeg_channels_only():
    # a Unicorn stream with another cap: 8 names for its 8 EEG channels
    labels = label_channels([], 17, "unicorn", "UN-1", stype="Data", sfreq=250.0)
    assert labels.eeg_names[:3] == ("Fz", "C3", "Cz") and len(labels.names) == 17
    muse = label_channels(["TP9", "AF7", "AF8", "TP10", "Right AUX"], 5, "Fp1,Fp2,F7,F8", "M",
                          types=["EEG"] * 5)
    assert muse.eeg_names == ("Fp1", "Fp2", "F7", "F8") and muse.names[-1] == "Right AUX"
