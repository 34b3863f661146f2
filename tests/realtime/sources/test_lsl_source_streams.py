"""LSLSource: name/type/source-id resolution, the OpenBCI alias, channel labels,
reconnection after the publisher dies, and a changed layout on reconnect."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest

from eeg_emotion.errors import MontageError, StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.montages import CYTON
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.realtime.sources.markers import MarkerListener, TrialTimeline

pylsl = import_pylsl()


def _outlet(name: str, n_ch: int = 8, *, stype: str = "EEG", source_id: str = "",
            labels: list[str] | None = None, rate: float = 250.0):
    info = pylsl.StreamInfo(name, stype, n_ch, rate, pylsl.cf_float32,
                            source_id or uuid.uuid4().hex)
    if labels:
        chans = info.desc().append_child("channels")
        for lab in labels:
            ch = chans.append_child("channel")
            ch.append_child_value("label", lab)
            ch.append_child_value("unit", "microvolts")
    return pylsl.StreamOutlet(info)



def test_openbci_alias_prefers_obci_eeg1_among_decoys(caplog):
    outlets = [_outlet("obci_eeg2", source_id="openbcigui"),
               _outlet("obci_eeg1", source_id="openbcigui"),
               _outlet(f"unrelated-{uuid.uuid4().hex[:6]}")]
    src = LSLSource("OpenBCI", montage="cyton")
    try:
        with caplog.at_level("WARNING"):
            info = src.open(timeout=3.0)
        assert info.name == "obci_eeg1"
        assert info.channels == CYTON and info.sfreq == 250.0
        assert any("obci_eeg2" in f for f in src.found)
        assert not any("unrelated" in f for f in src.found)
        assert "took 'obci_eeg1'" in caplog.text and "time-series" in caplog.text
    finally:
        src.close()
        del outlets


def test_resolution_by_type_and_source_id_when_no_name_matches():
    sid = f"sid-{uuid.uuid4().hex[:8]}"
    stype = f"T{uuid.uuid4().hex[:8]}"
    out = _outlet(f"n-{uuid.uuid4().hex[:8]}", 4, stype=stype, source_id=sid,
                  labels=["Fp1", "Fp2", "C3", "C4"])
    for key in (stype, sid):
        src = LSLSource(key)
        try:
            assert src.open(timeout=3.0).source_id == sid
        finally:
            src.close()
    del out


def test_labels_from_description_montage_or_error():
    name = f"lab-{uuid.uuid4().hex[:8]}"
    described = _outlet(name, 4, labels=["Fp1", "Fp2", "C3", "C4"], rate=128.0)
    bare = _outlet(name + "-bare", 8)
    generic = _outlet(name + "-gen", 4, labels=["ch1", "ch2", "ch3", "ch4"])
    try:
        src = LSLSource(name)
        assert src.open(3.0).channels == ("Fp1", "Fp2", "C3", "C4")
        assert src.info.units == "microvolts"
        src.close()
        src = LSLSource(name, montage="T7,T8,O1,O2")  # --montage overrides the description
        assert src.open(3.0).channels == ("T7", "T8", "O1", "O2")
        src.close()
        assert LSLSource(name + "-bare", montage="cyton").open(3.0).channels == CYTON
        with pytest.raises(StreamError, match="does not name its 8 channels") as err:
            LSLSource(name + "-bare").open(3.0)
        assert "--montage" in err.value.fix
        with pytest.raises(StreamError, match="ch1"):
            LSLSource(name + "-gen").open(3.0)
        with pytest.raises(MontageError, match="16 channels"):
            LSLSource(name + "-bare", montage="cyton-daisy").open(3.0)
    finally:
        del described, bare, generic


def test_reconnects_after_publisher_killed_and_restarted(wait_until, publishers, stream_name,
                                                         loaded_factory, raw_chunks):
    sid = f"sid-{uuid.uuid4().hex[:8]}"
    first = publishers.start(stream_name, channels=4, labels="Fp1,Fp2,C3,C4", seconds=30.0,
                             source_id=sid)
    src = LSLSource(stream_name, lost_after=1.0)
    engine = Engine(src, loaded_factory(hop_s=0.25), device="cpu", markers=None)
    chunks = raw_chunks(engine)
    with engine:
        assert wait_until(lambda: engine.windows_done >= 2, 15)
        first.kill()
        first.wait()
        assert wait_until(lambda: not engine.connected, 10)
        time.sleep(0.5)
        publishers.start(stream_name, channels=4, labels="Fp1,Fp2,C3,C4", seconds=30.0,
                         source_id=sid, start=100000)
        done = engine.windows_done
        assert wait_until(lambda: engine.connected and engine.raw_samples > 0
                     and engine.windows_done > done + 2, 20)
        status = engine.status()
    counter = np.concatenate([c.data[0] for c in chunks])
    jump = np.flatnonzero(np.diff(counter) != 1)
    assert len(jump) == 1 and counter[jump[0] + 1] == 100000  # one gap, no duplicates
    assert status.source.gaps == 1 and status.source.gap_seconds > 0.5
    assert status.source.connected and any("reconnected" in m for m in status.messages)
    assert engine.failure is None


def test_changed_channel_count_on_reconnect_is_reported(wait_until, publishers, stream_name,
                                                        loaded_factory):
    sid = f"sid-{uuid.uuid4().hex[:8]}"
    first = publishers.start(stream_name, channels=4, labels="Fp1,Fp2,C3,C4", seconds=30.0,
                             source_id=sid)
    engine = Engine(LSLSource(stream_name, lost_after=1.0), loaded_factory(), device="cpu",
                    markers=None)
    with engine:
        assert wait_until(lambda: engine.raw_samples > 50, 15)
        first.kill()
        first.wait()
        publishers.start(stream_name, channels=5, labels="Fp1,Fp2,C3,C4,Cz", seconds=30.0,
                         source_id=sid)
        assert wait_until(lambda: engine.failure is not None, 20)
        assert not engine.wait(0.1)
        status = engine.status()
    assert isinstance(engine.failure, StreamError)
    assert "5 channels" in engine.failure.problem
    assert not status.source.connected and "5 channels" in status.source.last_error


def test_marker_listener_survives_a_lost_marker_stream(wait_until):
    name = f"mk-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, "Markers", 1, pylsl.IRREGULAR_RATE, pylsl.cf_string,
                            name + "-sid")
    outlet = pylsl.StreamOutlet(info)
    seen: list = []
    tl = TrialTimeline()
    listener = MarkerListener(name, tl, on_marker=lambda t, s: seen.append(s), retry_s=0.2)
    listener.start()
    try:
        assert wait_until(lambda: listener.connected, 10)
        time.sleep(0.3)
        outlet.push_sample(['{"event": "trial_start", "labels": {"valence": 8}}'], 50.0)
        assert wait_until(lambda: len(seen) == 1, 5)
        assert tl.labels_at(60.0) == {"valence": 8}
        del outlet
        assert wait_until(lambda: not listener.connected, 10)
        assert listener.is_alive()
    finally:
        listener.stop()
        listener.join(5)
    assert not listener.is_alive()
