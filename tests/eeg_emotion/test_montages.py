import numpy as np
import pytest

from eeg_emotion.errors import MontageError
from eeg_emotion.montages import (
    CYTON,
    DEAP,
    SEED_IV,
    channel_region,
    match_channels,
    resolve_montage,
)


def test_channel_counts():
    assert len(DEAP) == 32 and len(SEED_IV) == 62 and len(CYTON) == 8
    assert len(resolve_montage("cyton-daisy")) == 16


def test_match_is_case_insensitive_and_maps_old_names():
    idx = match_channels(["FP1", "fp2", "T3", "O1"], ["Fp2", "T7", "Fp1"])
    np.testing.assert_array_equal(idx, [1, 2, 0])


def test_deap_model_on_seed_iv_channels():
    idx = match_channels(SEED_IV, DEAP)
    assert [SEED_IV[i].upper() for i in idx] == [c.upper() for c in DEAP]


def test_missing_channels_listed_with_fix():
    with pytest.raises(MontageError) as err:
        match_channels(CYTON, DEAP, source="stream obci_eeg1")
    msg = str(err.value)
    assert "AF3" in msg and "stream obci_eeg1" in msg and err.value.fix
    with pytest.raises(MontageError) as err:  # a caller's own advice replaces the generic one
        match_channels(CYTON, DEAP, fix="relabel them")
    assert err.value.fix == "relabel them"


def test_resolve_list_and_errors():
    assert resolve_montage("Fp1, Fp2,C3") == ["Fp1", "Fp2", "C3"]
    with pytest.raises(MontageError, match="unknown montage"):
        resolve_montage("mindwave")
    with pytest.raises(MontageError, match="twice"):
        resolve_montage("Fp1,FP1")


def test_regions():
    assert channel_region("Fp1") == ("frontal", "left")
    assert channel_region("T8") == ("temporal", "right")
    assert channel_region("Cz") == ("central", "midline")
    assert channel_region("P7")[0] == "parietal"
    assert channel_region("O2") == ("occipital", "right")
    regions = {channel_region(c)[0] for c in SEED_IV}
    assert regions == {"frontal", "temporal", "central", "parietal", "occipital"}
