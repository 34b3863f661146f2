"""Raw Cyton data ride on DC offsets of tens of thousands of µV: the first estimates
after start-up and after a reconnect must be finite and sane, not swamped by the
filter's start-up transient. The fixture is recorded-like: 8 unlabelled channels at
250 Hz, offsets 1e4-5e4 µV, float32, chunks of 5 samples pushed without timestamps."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.montages import CYTON
from eeg_emotion.realtime.band_index import index_model
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.engine.stages import build_stages
from eeg_emotion.realtime.sources.channels import map_to_model
from eeg_emotion.realtime.sources.lsl_source import LSLSource

_spec = importlib.util.spec_from_file_location(
    "lsl_publisher", Path(__file__).resolve().parents[1] / "lsl_publisher.py")
publisher = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(publisher)

#: The fixture's true signal stays within ~60 µV (alpha 20, drift 30, noise 5); a
#: transient of the offsets would be thousands.
SANE_UV = 150.0

DEAP_LIKE = SignalContract(channels=CYTON, sfreq=128.0, units="microvolts",
                           filter=FilterSpec(4.0, 45.0), window_s=4.0, hop_s=0.5,
                           baseline="none", standardize="window")


def _run_chain(contract: SignalContract, data: np.ndarray) -> np.ndarray:
    index, mask = map_to_model(CYTON, contract.channels, supports_missing=False, source="s")
    chain = build_stages(CYTON, 250.0, "microvolts", index, mask, contract,
                         contract.filter.design(contract.sfreq), lambda n: None)
    out = []
    for seg in (data[:, :2500], data[:, 2500:]):  # start-up, then a "reconnect"
        for stage in chain.stages:
            stage.reset()
        parts = []
        for s in range(0, seg.shape[1], 5):  # 5-sample chunks, as OpenBCI GUI sends
            x, ts = seg[:, s:s + 5], np.arange(s, min(s + 5, seg.shape[1])) / 250.0
            for stage in chain.stages:
                x, ts = stage.process(x, ts)
            parts.append(x)
        out.append(np.concatenate(parts, axis=1))
    return out


@pytest.mark.parametrize("contract", [index_model(CYTON, 250.0).meta.signal, DEAP_LIKE],
                         ids=["index-250Hz-min-phase", "deap-128Hz-resampled"])
def test_chain_starts_clean_on_offsets_of_tens_of_thousands_of_uv(contract):
    first = publisher.openbci_signal(8, 2500, 250.0, seed=1)
    second = publisher.openbci_signal(8, 2500, 250.0, seed=2)  # other offsets after it
    assert first.dtype == np.float32 and np.abs(first).min() > 9000
    assert not np.allclose(first.mean(1), second.mean(1), atol=1000)
    for seg in _run_chain(contract, np.concatenate([first, second], axis=1)):
        assert np.isfinite(seg).all()
        assert np.abs(seg).max() < SANE_UV, np.abs(seg).max(axis=1)  # from the first sample


def test_first_estimates_after_start_and_reconnect_are_sane(publishers, stream_name,
                                                           openbci_sid, wait_until,
                                                           loaded_factory):
    opts = dict(mode="openbci", channels=8, sfreq=250, chunk=5, seconds=40,
                source_id=openbci_sid, wait=20, linger=0)
    first = publishers.start(stream_name, seed=1, **opts)
    src = LSLSource(stream_name, lost_after=1.0)
    info = src.open(timeout=10.0)
    assert info.channels == CYTON and "montage cyton assumed" in info.montage_note
    index_engine = Engine(src, index_model(info.channels, info.sfreq), device="cpu",
                          markers=None)
    model_engine = Engine(LSLSource(stream_name, lost_after=1.0),
                          loaded_factory(channels=CYTON, sfreq=128.0, window_s=1.0),
                          device="cpu", markers=None)
    with index_engine, model_engine:
        assert wait_until(lambda: index_engine.windows_done >= 1
                          and model_engine.windows_done >= 1, 30)
        _check(index_engine, model_engine, 0)
        first.kill()
        first.wait()
        assert wait_until(lambda: not index_engine.connected, 15)
        publishers.start(stream_name, seed=2, **opts)
        done = (index_engine.windows_done, model_engine.windows_done)
        assert wait_until(lambda: index_engine.windows_done > done[0]
                          and model_engine.windows_done > done[1], 40)
        assert index_engine.status().source.gaps >= 1
        _check(index_engine, model_engine, done[0], done[1])
        assert index_engine.failure is None and model_engine.failure is None
        assert index_engine.status().notes[0] == info.montage_note


def _check(index_engine: Engine, model_engine: Engine, i0: int, m0: int = 0) -> None:
    est = index_engine.estimates_since(i0)[0]
    assert np.isfinite(list(est.indices.values.values())).all()
    assert abs(est.indices.raw["frontal_alpha_asymmetry"]) < 4  # ln of a power ratio
    assert np.isfinite(est.level_map).all() and est.level_map.max() < 4  # log10 µV²
    for eng in (index_engine, model_engine):
        _, data = eng.latest_signal(eng.window_s)
        assert np.isfinite(data).all() and np.abs(data).max() < SANE_UV
    probs = model_engine.estimates_since(m0)[0].probabilities
    assert all(np.isfinite(list(p.values())).all() for p in probs.values())
