"""Every common LSL publisher, as it publishes, works with no flags.

Each case starts ``headset_publishers.py`` in the layout of one program (read from
that program's source, cited in each publisher function), opens it with
:class:`LSLSource` as ``--stream NAME`` would, and checks what a user of that headset
expects: which stream is taken, the channel names, the unit, the montage, which
channels reach models and indices, the frontal pair of the valence index (or why
there is none). Three run the engine in index mode on the live stream (a real Muse
recording stamped with UNIX time, a Unicorn's 17 channels, BrainVision RDA's MkIdx).
"""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from eeg_emotion.errors import StreamError
from eeg_emotion.montages import EMOTIV_EPOC, MUSE, UNICORN
from eeg_emotion.realtime.band_index import index_model
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.sources.lsl_source import LSLSource

RDA = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "T7", "T8",
       "P7", "P8", "Fz", "Cz", "Pz", "FCz")


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def _open(stream: str, **kw) -> LSLSource:
    src = LSLSource(stream, **kw)
    src.open(timeout=10.0)
    return src


def _first_index_estimate(src: LSLSource, wait_until) -> tuple:
    """Run index mode on the opened source until its first estimate."""
    info = src.info
    engine = Engine(src, index_model(info.eeg_channels, info.sfreq), device="cpu",
                    markers=None)
    with engine:
        assert wait_until(lambda: engine.windows_done >= 1, 20), engine.status()
        est = engine.latest_estimate()
        status = engine.status()
    return est, status


def test_muselsl_with_ppg_acc_gyro_and_unix_timestamps(publishers, wait_until):
    """muselsl stream -p -c -g: four outlets named 'Muse' with one source id, samples on
    UNIX time; the EEG one is taken, Right AUX is left out, the clock is mapped, and a
    real Muse recording gives AF7/AF8 asymmetry and arousal."""
    name = f"Muse-{_uid()}"
    publishers.headset("muselsl", name, address=_uid(), ppg=True, acc=True, gyro=True,
                       seconds=20)
    src = _open(name)
    info = src.info
    assert info.source_id.startswith("Muse") and src._stream_info.type() == "EEG"
    assert info.channels == (*MUSE, "Right AUX") and info.eeg_channels == MUSE
    assert info.montage == "muse" and info.units == "microvolts" and not info.scales
    notes = " ".join(info.all_notes())
    assert "Right AUX (an auxiliary input)" in notes and "UNIX time" in notes
    assert abs(info.clock_offset) > 1e8  # UNIX time - LSL clock
    est, status = _first_index_estimate(src, wait_until)
    assert est.indices.pair == "AF7/AF8" and set(est.indices.values) == {"valence", "arousal"}
    assert status.source.gaps == 0  # mapped stamps are regular: no false gap
    assert np.isfinite(list(est.indices.values.values())).all()


def test_muselsl_lsltime_needs_no_mapping(publishers):
    name = f"Muse-{_uid()}"
    publishers.headset("muselsl", name, address=_uid(), lsltime=True, seconds=10)
    src = _open(name)
    try:
        assert src.info.clock_offset == 0.0 and "UNIX" not in " ".join(src.info.notes)
    finally:
        src.close()


def test_mne_lsl_player_units_as_powers_of_ten(publishers):
    """PlayerLSL: lower-case types, a stim channel, units '0' (volts, data in volts),
    float64, and a '<name>-annotations' stream with the same source id."""
    name = f"mne-{_uid()}"
    publishers.headset("mne-lsl", name, source_id=f"MNE-LSL-{_uid()}", seconds=10)
    src = _open(name)
    try:
        info = src.info
        assert info.eeg_channels == MUSE and info.channels[-1] == "STI 014"
        assert info.scales[:4] == (1e6,) * 4  # volts to microvolts, per channel
        assert "STI 014 (typed 'stim')" in " ".join(info.notes)
        assert index_model(info.eeg_channels, info.sfreq).model.pair == "AF7/AF8"
        chunk = None
        while chunk is None:
            chunk = src.read(1.0)
        assert np.abs(chunk.data[:4]).max() < 1e-3  # raw values stay in volts
    finally:
        src.close()


def test_mne_lsl_source_id_finds_the_eeg_stream_not_the_annotations(publishers):
    name, sid = f"mne-{_uid()}", f"MNE-LSL-{_uid()}"
    publishers.headset("mne-lsl", name, source_id=sid, seconds=10)
    src = _open(sid)
    try:
        assert src.info.name == name  # the annotations stream shares the source id
    finally:
        src.close()


def test_unicorn_17_unlabelled_channels(publishers, wait_until):
    """g.tec's Unicorn LSL app: named after the serial, type 'Data', 17 unlabelled
    channels; the Unicorn layout is assumed, EEG 1-8 only reach the indices, and with
    no frontal pair the arousal index runs alone."""
    serial = f"UN-2021.{_uid()}"
    publishers.headset("unicorn", serial, source_id=serial, seconds=15)
    src = _open(serial)
    info = src.info
    assert info.eeg_channels == UNICORN and len(info.channels) == 17
    assert info.montage == "unicorn" and "montage unicorn assumed" in info.montage_note
    assert "Counter (typed 'Counter')" in " ".join(info.notes)
    est, _ = _first_index_estimate(src, wait_until)
    assert set(est.indices.values) == {"arousal"} and "valence" in est.indices.unavailable


def test_explorepy_labels_in_name_elements(publishers):
    device = f"Explore_{_uid()}"
    publishers.headset("explorepy", device, seconds=8)
    src = _open(f"{device}_ExG")
    try:
        info = src.info
        assert info.eeg_channels == ("F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")
        assert info.units == "uV" and not info.notes
        assert index_model(info.eeg_channels, info.sfreq).model.pair == "F3/F4"
    finally:
        src.close()


def test_explorepy_default_names_ask_for_a_montage(publishers):
    device = f"Explore_{_uid()}"
    publishers.headset("explorepy", device, labels="ch1,ch2,ch3,ch4", seconds=8)
    with pytest.raises(StreamError, match="does not name its 4 channels") as err:
        _open(f"{device}_ExG")
    assert "--montage" in err.value.fix
    src = _open(f"{device}_ExG", montage="AF7,AF8,TP9,TP10")
    try:
        assert src.info.eeg_channels == ("AF7", "AF8", "TP9", "TP10")
    finally:
        src.close()


def test_brainvision_rda_mkidx_is_not_eeg(publishers, wait_until, raw_chunks):
    sid = f"BrainVision RDA {_uid()}"
    publishers.headset("brainvision-rda", source_id=sid, seconds=15)
    src = _open(sid)
    info = src.info
    assert info.name == "BrainVision RDA" and info.eeg_channels == RDA
    assert info.channels[-1] == "MkIdx" and "MkIdx (typed 'Marker')" in " ".join(info.notes)
    est, _ = _first_index_estimate(src, wait_until)
    assert est.indices.pair == "F3/F4"
    assert est.level_map.shape[0] == len(RDA)  # MkIdx is not among the indices' channels


def test_emotivpro_counter_timestamp_and_markers_are_left_out(publishers):
    name = f"EmotivDataStream-EEG-{_uid()}"
    publishers.headset("emotivpro", name, seconds=8)
    src = _open(name)
    try:
        info = src.info
        assert info.eeg_channels == EMOTIV_EPOC and info.montage == "emotiv-epoc"
        notes = " ".join(info.notes)
        for label in ("Timestamp", "Counter", "Interpolate", "HardwareMarker", "Markers"):
            assert f"{label} (" in notes
        assert index_model(info.eeg_channels, info.sfreq).model.pair == "F3/F4"
    finally:
        src.close()


def test_brainamp_raw_counts_use_the_scaling_factor(publishers):
    sid = f"BrainAmpSeries_SR-500-{_uid()}"
    publishers.headset("brainamp", source_id=sid, seconds=8)
    src = _open(sid)
    try:
        info = src.info
        assert info.eeg_channels == ("F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")
        assert info.scales[:8] == (0.1,) * 8 and "scaling factor" in " ".join(info.notes)
        assert "triggerStream (typed 'AUX')" in " ".join(info.notes)
    finally:
        src.close()
