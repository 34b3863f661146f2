"""BandForest: a fitted scikit-learn forest as tensors predicts exactly what the forest did."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eeg_emotion.contract import SignalContract
from eeg_emotion.errors import ConfigError
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import build_model
from eeg_emotion.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from eeg_emotion.models.forest import BandForest
from eeg_emotion.offline.training.baselines import band_features, make_random_forest
from eeg_emotion.targets import deap_targets


@pytest.fixture(scope="module")
def fitted(band_task):
    x, y = band_task(160, 4, 128.0, 256, np.random.default_rng(3))
    X = x.numpy()
    feats = band_features(X, 128.0).reshape(len(X), -1)
    labels = {"valence": y.numpy(), "arousal": (X[:, 0].std(-1) > np.median(X[:, 0].std(-1)))
              .astype(np.int64)}
    forests = {k: make_random_forest(20, None, seed=1).fit(feats[:120], v[:120])
               for k, v in labels.items()}
    targets = deap_targets(("valence", "arousal"))
    model = BandForest.from_forests(forests, 4, 128.0, targets)
    return model, forests, X, feats


def test_probabilities_equal_the_forest_on_unseen_windows(fitted):
    model, forests, X, feats = fitted
    with torch.no_grad():
        probs = model.probabilities(torch.from_numpy(X[120:]))
        logits = model(torch.from_numpy(X[120:]))
    for name, forest in forests.items():
        expected = forest.predict_proba(feats[120:])
        np.testing.assert_allclose(probs[name].numpy(), expected, atol=1e-12)
        np.testing.assert_allclose(torch.softmax(logits[name], 1).numpy(), expected,
                                   atol=1e-6)
        assert (probs[name].numpy().argmax(1) == forest.predict(feats[120:])).all()


def test_checkpoint_round_trip_loads_with_weights_only(fitted, tmp_path):
    model, forests, X, feats = fitted
    contract = SignalContract(channels=("Fp1", "Fp2", "C3", "C4"), sfreq=128.0,
                              units="microvolts", filter=FilterSpec(4.0, 45.0), window_s=2.0,
                              hop_s=0.5, baseline="none", standardize="none")
    meta = CheckpointMeta(model=model.name, hparams=model.hparams(), signal=contract,
                          targets=list(model.targets))
    loaded = load_checkpoint(save_checkpoint(tmp_path / "forest.pt", model, meta))
    with torch.no_grad():
        again = loaded.model.probabilities(torch.from_numpy(X[120:]))
    np.testing.assert_allclose(again["valence"].numpy(),
                               forests["valence"].predict_proba(feats[120:]), atol=1e-12)
    shell = build_model("band-forest", 4, 128.0, model.targets, **model.hparams())
    assert set(shell.state_dict()) == set(model.state_dict())


def test_bad_forests_are_named(fitted):
    model, forests, *_ = fitted
    with pytest.raises(ConfigError, match="no fitted forest for arousal"):
        BandForest.from_forests({"valence": forests["valence"]}, 4, 128.0, model.targets)
    with pytest.raises(ConfigError, match="n_trees"):
        BandForest(4, 128.0, model.targets, n_trees=0)
