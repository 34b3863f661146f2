"""Montage inference: an unlabelled OpenBCI stream gets OpenBCI's default placement
(8 -> cyton, 16 -> cyton-daisy) with a note saying so; a Ganglion, placeholder
labels elsewhere and non-EEG OpenBCI streams still ask for --montage; reconnection
needs the same name and source id (OpenBCI GUI shares one source id)."""

from __future__ import annotations

import uuid

import pytest

from eeg_emotion.errors import MontageError, StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.montages import CYTON, CYTON_DAISY, montage_label
from eeg_emotion.realtime.sources.channels import label_channels
from eeg_emotion.realtime.sources.lsl_source import LSLSource, is_openbci_stream

pylsl = import_pylsl()


@pytest.mark.parametrize(("n", "name", "names"), [(8, "cyton", CYTON),
                                                   (16, "cyton-daisy", CYTON_DAISY)])
def test_openbci_without_labels_gets_the_default_placement(n, name, names):
    got = label_channels([], n, None, "obci_eeg1", openbci=True, sfreq=250.0)
    assert got.names == names and got.montage == name
    assert got.note.startswith(f"montage {name} assumed")
    assert "OpenBCI stream" in got.note and "unlabelled" in got.note
    assert "--montage overrides" in got.note and "250 Hz" in got.note
    # placeholder labels (OpenBCI_LSL writes none, some tools write 1..8) count as none
    placeholder = label_channels([str(i + 1) for i in range(n)], n, None, "x", openbci=True)
    assert placeholder.names == names and "description says 1, 2" in placeholder.note


def test_montage_option_and_real_labels_win():
    given = label_channels([], 8, "Fp1,Fp2,F3,F4,C3,C4,O1,O2", "obci_eeg1", openbci=True)
    assert given.names[2:4] == ("F3", "F4") and given.note.startswith("channel names from")
    described = label_channels(list(CYTON[::-1]), 8, None, "obci_eeg1", openbci=True)
    assert described.names == CYTON[::-1] and described.note == ""
    assert described.montage == ",".join(CYTON[::-1])
    assert montage_label(CYTON) == "cyton"


def test_ganglion_other_counts_and_other_streams_ask_for_montage():
    with pytest.raises(StreamError, match="Ganglion") as err:
        label_channels([], 4, None, "obci_eeg1", openbci=True)
    assert "--montage Fp1,Fp2,O1,O2" in err.value.fix
    with pytest.raises(StreamError, match="does not name its 6 channels"):
        label_channels([], 6, None, "obci_eeg1", openbci=True)
    with pytest.raises(StreamError, match="does not name its 8 channels") as err:
        label_channels(["ch1", "ch2", "ch3", "ch4", "ch5", "ch6", "ch7", "ch8"], 8, None,
                       "other-app")
    assert "--montage cyton" in err.value.fix
    with pytest.raises(MontageError, match="16 channels"):
        label_channels([], 8, "cyton-daisy", "obci_eeg1", openbci=True)


def test_which_streams_are_openbci():
    assert is_openbci_stream("obci_eeg1", "EEG", "openbcigui")
    assert is_openbci_stream("my renamed stream", "EEG", "openbcigui")
    assert is_openbci_stream("OpenBCI_EEG", "EEG", "openbci_eeg_id1")
    assert not is_openbci_stream("obci_eeg2", "FFT", "openbcigui")  # GUI's other outputs
    assert not is_openbci_stream("eeg-emotion-replay", "EEG", "replay-1")


def _outlet(name: str, n_ch: int, source_id: str, rate: float = 250.0):
    info = pylsl.StreamInfo(name, "EEG", n_ch, rate, pylsl.cf_float32, source_id)
    return pylsl.StreamOutlet(info)


def test_lsl_source_infers_and_reconnects_only_to_the_same_stream(openbci_sid):
    name = f"gui-{uuid.uuid4().hex[:8]}"
    sid = openbci_sid  # as OpenBCI GUI: every stream it publishes has one source id
    eeg = _outlet(name, 8, sid)
    aux = _outlet(f"{name}-aux", 3, sid)  # same source id, other stream
    src = LSLSource(name)
    try:
        info = src.open(timeout=5.0)
        assert info.channels == CYTON and info.montage == "cyton"
        assert "montage cyton assumed" in info.montage_note
        del eeg
        assert not src.reopen(timeout=1.0)  # the aux stream is not "the same stream"
        eeg = _outlet(name, 8, sid)
        assert src.reopen(timeout=5.0) and src.info.montage == "cyton"
    finally:
        src.close()
        del eeg, aux
