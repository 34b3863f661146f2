"""Every registered model gives the same logits and level map from one call as from two."""

from __future__ import annotations

import pytest
import torch

from eeg_emotion.models import build_model
from eeg_emotion.models.registry import MODELS
from eeg_emotion.targets import deap_targets


@pytest.mark.parametrize("name", sorted(MODELS))
def test_one_pass_equals_forward_and_level_map(name):
    torch.manual_seed(0)
    model = build_model(name, 8, 128.0, deap_targets(("valence", "arousal"))).eval()
    x = torch.randn(2, 8, 256) * 10
    with torch.inference_mode():
        out, level = model.forward_with_level_map(x)
        ref_out, ref_level = model(x), model.level_map(x)
    assert set(out) == set(ref_out)
    for key in out:
        torch.testing.assert_close(out[key], ref_out[key])
    if ref_level is None:
        assert level is None
    else:
        torch.testing.assert_close(level, ref_level)
