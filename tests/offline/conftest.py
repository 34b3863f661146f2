"""Tiny synthetic datasets in the published DEAP and SEED-IV formats, for offline tests.

All fixtures are session-scoped and READ-ONLY: a test that wants to damage or
edit files must copy them first (``shutil.copytree(deap_dir, tmp_path / "d")``).

``deap_dir``
    ``s01.dat`` ... ``s03.dat``: 3 subjects x 4 trials x (3-s baseline + 8 s) at
    128 Hz, 40 rows (32 EEG + 8 peripheral), labels (4, 4) on 1-9. ~5 MB.
``deap_index``
    :class:`eeg_emotion.offline.datasets.registry.DatasetIndex` of ``deap_dir``.
``seed_iv_dir``
    SEED-IV root: ``eeg_raw_data/{1,2,3}/{1,2}_<date>.mat``: 2 subjects x 3
    sessions x 4 trials (the first 4 of each session's label list) of 6.4-9.6 s
    at 200 Hz, 62 channels, plus ``eeg_feature_smooth`` with all four feature
    kinds computed from the raw files (``feature_model="raw"``). ~10 MB.
``seed_iv_latent_dir``
    SEED-IV feature files only, from the latent trial model with the real files'
    statistics: 3 subjects x 3 sessions x 24 trials of 10-64 windows.
``seed_iv_index``
    :class:`eeg_emotion.offline.datasets.registry.DatasetIndex` of ``seed_iv_dir``'s raw data.
``demo_dat``
    One DEAP-format subject file (2 trials x (3 + 6) s) as made for the live demo.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eeg_emotion.offline.datasets.readers import open_dataset
from eeg_emotion.offline.datasets.registry import DatasetIndex
from eeg_emotion.offline.synth.deap import write_demo_recording, write_synthetic_deap
from eeg_emotion.offline.synth.seed_iv import write_synthetic_seed_iv

DEAP_SUBJECTS, DEAP_TRIALS, DEAP_SECONDS = 3, 4, 8.0
SEED_SUBJECTS, SEED_TRIALS, SEED_SECONDS = 2, 4, 8.0


@pytest.fixture(scope="session")
def deap_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthetic DEAP ``data_preprocessed_python`` folder (read-only)."""
    out = tmp_path_factory.mktemp("deap") / "data_preprocessed_python"
    write_synthetic_deap(out, subjects=DEAP_SUBJECTS, trials=DEAP_TRIALS,
                         seconds=DEAP_SECONDS, seed=11)
    return out


@pytest.fixture(scope="session")
def deap_index(deap_dir: Path) -> DatasetIndex:
    """The index of :func:`deap_dir`."""
    return open_dataset(deap_dir)


@pytest.fixture(scope="session")
def seed_iv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthetic SEED-IV root with eeg_raw_data and eeg_feature_smooth, the
    features computed from the raw files (``feature_model="raw"``) as live computes them."""
    out = tmp_path_factory.mktemp("seed_iv")
    write_synthetic_seed_iv(out, subjects=SEED_SUBJECTS, trials=SEED_TRIALS,
                            seconds=SEED_SECONDS, seed=12, feature_model="raw")
    return out


@pytest.fixture(scope="session")
def seed_iv_latent_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic SEED-IV feature files with the real statistics (latent trial model, real
    trial lengths, no raw files): 3 subjects x 3 sessions x 24 trials."""
    out = tmp_path_factory.mktemp("seed_iv_latent")
    write_synthetic_seed_iv(out, subjects=3, seed=5, raw=False, real_lengths=True)
    return out


@pytest.fixture(scope="session")
def seed_iv_index(seed_iv_dir: Path) -> DatasetIndex:
    """The index of :func:`seed_iv_dir`'s raw EEG."""
    return open_dataset(seed_iv_dir)


@pytest.fixture(scope="session")
def demo_dat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small DEAP-format ``.dat`` file as written for the demo."""
    return write_demo_recording(tmp_path_factory.mktemp("demo"), trials=2, seconds=6.0)
