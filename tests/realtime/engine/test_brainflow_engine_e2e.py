"""End to end: BrainFlow synthetic board -> Engine -> estimates, recorded and exported."""

from __future__ import annotations

import time
from pathlib import Path

import mne
import numpy as np

from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import build_model
from eeg_emotion.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from eeg_emotion.offline.export import export_recording
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.sources.brainflow_source import BrainFlowSource
from eeg_emotion.recording_files import read_recording
from eeg_emotion.targets import deap_targets


def test_synthetic_board_drives_the_engine_and_records(wait_until, tmp_path: Path,
                                                       loaded_factory) -> None:
    # The board gives 16 channels at 250 Hz; the model wants 4 of them at 128 Hz.
    loaded = loaded_factory(channels=("C3", "Cz", "C4", "Pz"), sfreq=128.0, window_s=1.0,
                            hop_s=0.25)
    engine = Engine(BrainFlowSource("synthetic"), loaded, device="cpu", markers=None)
    rec_path = tmp_path / "board.rec"
    with engine:
        engine.start_recording(str(rec_path))
        assert wait_until(lambda: len(engine.estimates_since(0)) >= 3, 20), engine.status()
        status = engine.status()
        engine.stop_recording()
    ests = engine.estimates_since(0)
    assert status.source.kind == "brainflow" and status.source.nominal_rate == 250.0
    assert status.source.gaps == 0 and status.source.connected
    assert [e.index for e in ests] == list(range(len(ests)))
    for est in ests:
        for probs in est.probabilities.values():
            assert abs(sum(probs.values()) - 1.0) < 1e-5
    # Estimates are stamped on the LSL clock, in order.
    times = np.array([e.time for e in ests])
    assert np.all(np.diff(times) > 0)

    rec = read_recording(rec_path)
    assert rec.channels == list(status.source.channels) and rec.sfreq == 250.0
    assert rec.data.shape[1] > 250  # over a second of raw board data
    assert np.all(np.diff(rec.timestamps) > 0)
    assert len(rec.estimates) >= 1
    assert {e["index"] for e in rec.estimates} <= {e.index for e in ests}

    out = export_recording(rec_path, tmp_path / "board_raw.fif")
    raw = mne.io.read_raw_fif(out, preload=True, verbose="error")
    assert raw.ch_names == rec.channels and raw.info["sfreq"] == 250.0
    # The measurement date is the wall time of the first sample.
    assert abs(raw.info["meas_date"].timestamp() - time.time()) < 60
    np.testing.assert_allclose(raw.get_data(), rec.data * 1e-6, rtol=1e-6, atol=1e-12)


def test_synthetic_board_with_a_real_untrained_checkpoint(wait_until, tmp_path: Path) -> None:
    """The full live path: build_model -> checkpoint file -> Engine on the board."""
    import torch

    torch.manual_seed(0)
    channels = ["Fz", "C3", "Cz", "C4"]
    targets = deap_targets(("valence", "arousal"))
    model = build_model("scalingnet", len(channels), 128.0, targets)
    meta = CheckpointMeta(model="scalingnet", hparams=model.hparams(), targets=list(targets),
                          signal=SignalContract(
                              channels=tuple(channels), sfreq=128.0, units="microvolts",
                              filter=FilterSpec(4.0, 45.0), window_s=2.0, hop_s=0.5,
                              baseline="none", standardize="window"),
                          synthetic=True)
    path = save_checkpoint(tmp_path / "untrained.pt", model, meta)
    engine = Engine(BrainFlowSource("synthetic"), load_checkpoint(path, "cpu"), device="cpu",
                    markers=None)
    with engine:
        assert wait_until(lambda: len(engine.estimates_since(0)) >= 2, 30), engine.status()
        status = engine.status()
    est = engine.estimates_since(0)[-1]
    assert status.model_name and status.model_rate == 128.0
    assert status.model_channels == tuple(channels) and status.synthetic_model
    assert set(est.probabilities) == {"valence", "arousal"}
    for probs in est.probabilities.values():
        assert set(probs) == {"low", "high"} and abs(sum(probs.values()) - 1.0) < 1e-5
    assert est.level_map is not None and est.level_map.shape[0] == len(channels)
