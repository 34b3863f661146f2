"""EEG channels told from the rest, known headsets recognised, units as publishers write them."""

from __future__ import annotations

import pytest

from eeg_emotion.channel_kinds import non_eeg_label, select_eeg
from eeg_emotion.contract import unit_scale
from eeg_emotion.headsets import infer_headset
from eeg_emotion.montages import DEAP, SEED_IV, UNICORN, montage_label, resolve_montage


def test_no_ten_twenty_name_is_taken_for_something_else():
    for label in (*DEAP, *SEED_IV, "A1", "A2", "M1", "M2", "B32", "Nz", "Iz", "ch1", "EEG 3"):
        assert non_eeg_label(label) is None, label


@pytest.mark.parametrize("label", [
    "Right AUX", "MkIdx", "COUNTER", "Counter", "Timestamp", "Interpolate", "HardwareMarker",
    "Markers", "AccX", "Accelerometer X", "GyroZ", "Battery", "Battery Level", "Validation",
    "Validation Indicator", "PPG1", "X", "triggerStream", "EX3", "Trig1", "STI 014", "ax", "gz",
    "OPT3"])
def test_non_eeg_labels(label):
    assert non_eeg_label(label)


def test_types_decide_first_then_labels():
    muse = select_eeg(["TP9", "AF7", "AF8", "TP10", "Right AUX"], ["EEG"] * 5)
    assert muse.rows == (0, 1, 2, 3) and muse.dropped == (("Right AUX", "an auxiliary input"),)
    rda = select_eeg(["Fp1", "Fp2", "MkIdx"], ["EEG", "EEG", "Marker"])
    assert rda.rows == (0, 1) and "typed 'Marker'" in rda.note("stream 'x'")
    assert select_eeg(["a", "b"], ["ExG", "ExG"]).rows == (0, 1)  # explorepy: all ExG
    amp = select_eeg(["F3", "EMG1", "trig"], ["EEG", "ExG", "AUX"])  # BrainAmp: EEG only
    assert amp.rows == (0,)
    mne = select_eeg(["Fz", "EOG 061", "STI 014"], ["eeg", "eog", "stim"])
    assert mne.rows == (0,)
    assert select_eeg(["Fp1", "Fp2"]).note("s") == ""


def test_units_by_name_and_mne_lsl_powers_of_ten():
    assert unit_scale("0") == 1e6 and unit_scale("-6") == 1.0 and unit_scale("-3") == 1e3
    assert unit_scale("-9") == pytest.approx(1e-3) and unit_scale("uV") == 1.0
    assert unit_scale("µV") == 1.0 and unit_scale("INT_16") is None
    assert unit_scale("Counts (decimal)") is None


def test_known_headsets_are_recognised_in_unlabelled_streams():
    unicorn = infer_headset(17, 250.0, name="UN-2021.05.36", stype="Data",
                            source_id="UN-2021.05.36")
    assert unicorn.headset.name == "unicorn" and unicorn.layout.labels[:8] == UNICORN
    assert unicorn.layout.types[8:] == ("Accelerometer",) * 3 + ("Gyroscope",) * 3 + (
        "Battery", "Counter", "Validation")
    renamed = infer_headset(17, 250.0, name="my-headset", stype="Data")  # no serial in sight
    assert renamed.headset.name == "unicorn" and "type 'Data'" in renamed.why
    assert infer_headset(8, 250.0, name="UN-2021.05.36_EEG", stype="EEG").headset.name == \
        "unicorn"  # the app's "split signals" EEG stream
    assert infer_headset(5, 256.0, name="Muse", stype="EEG").layout.labels[-1] == "Right AUX"
    assert infer_headset(8, 256.0, name="crown-abc", stype="EEG").headset.name == "crown"
    assert infer_headset(19, 128.0, name="EmotivDataStream-EEG").headset.name == "emotiv-epoc"
    assert infer_headset(5, 128.0, name="Emotiv Insight").headset.name == "emotiv-insight"
    assert infer_headset(8, 250.0, name="mystery", stype="EEG") is None
    assert infer_headset(4, 256.0, name="Muse", stype="EEG").headset.name == "muse"
    assert infer_headset(4, 500.0, name="Muse", stype="EEG") is None  # not a Muse's rate


def test_montage_names_of_the_new_headsets():
    for name in ("muse", "unicorn", "crown", "emotiv-epoc", "emotiv-insight"):
        assert montage_label(resolve_montage(name)) == name
