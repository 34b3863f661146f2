"""The dataset-reader registry: readers register themselves, indexes load through it."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion.errors import DataFormatError
from eeg_emotion.offline.datasets import readers
from eeg_emotion.offline.datasets import registry as dataset
from eeg_emotion.offline.datasets.registry import (
    KINDS,
    DatasetIndex,
    DatasetReader,
    TrialRef,
    get_reader,
    normalise_kind,
    register_reader,
    registered_readers,
)

OFFLINE = Path(__file__).resolve().parents[3] / "offline" / "datasets"
READER_MODULES = ("deap", "deap_bdf", "seed_iv", "calibration_folders", "xdf_recordings",
                  "mne_files")


@pytest.fixture
def scratch_registry(monkeypatch):
    """The registry as it is now, restored after the test."""
    monkeypatch.setattr(dataset, "_READERS", dict(dataset._READERS))


def test_built_in_readers_are_registered_in_detection_order():
    names = [r.name for r in registered_readers()]
    assert names[:6] == ["deap", "deap-bdf", "seed-iv", "calibration", "xdf", "mne"]
    assert [r.name for r in registered_readers("deap")] == ["deap", "deap-bdf"]
    assert tuple(dict.fromkeys(r.kind for r in registered_readers())) == KINDS
    assert {m.__name__.rsplit(".", 1)[1] for m in readers.BUILT_IN} == set(READER_MODULES)


def test_index_names_its_reader_and_loads_through_the_registry(deap_index, seed_iv_index,
                                                               scratch_registry):
    assert (deap_index.reader, seed_iv_index.reader) == ("deap", "seed-iv")
    calls = []
    real = get_reader("deap")
    register_reader(DatasetReader(
        name="deap", kind="deap", detect=real.detect, index=real.index,
        load=lambda ref, index: calls.append(ref) or real.load(ref, index),
        claims_file=real.claims_file, read_file=real.read_file, priority=real.priority))
    x = deap_index.load(deap_index.trials[0])
    assert calls == [deap_index.trials[0]] and x.shape[0] == 32


def test_a_new_reader_is_found_by_detection_and_by_kind(tmp_path, scratch_registry):
    (tmp_path / "toy.marker").write_text("")
    trial = TrialRef("a", 1, 1, {"valence": 5.0}, tmp_path / "toy.marker", "0", 10)

    def index(path: Path) -> DatasetIndex:
        return DatasetIndex("toy", 10.0, ["Cz"], [trial], path, reader="toy")

    register_reader(DatasetReader(
        name="toy", kind="toy", detect=lambda p: (p / "toy.marker").exists(), index=index,
        load=lambda ref, idx: np.zeros((1, 10), np.float32),
        claims_file=lambda p: p.suffix == ".marker", read_file=lambda p: None, priority=5))
    assert readers.detect_kind(tmp_path) == "toy"
    idx = readers.open_dataset(tmp_path, kind="TOY")
    assert idx.load(idx.trials[0]).shape == (1, 10)


def test_kind_spellings_and_unknown_kinds(seed_iv_dir, tmp_path):
    assert normalise_kind("seed_iv") == normalise_kind("SEED") == "seed-iv"
    assert readers.open_dataset(seed_iv_dir, kind="seed_iv").kind == "seed-iv"
    with pytest.raises(DataFormatError, match="kind 'eeglab' is unknown") as info:
        readers.open_dataset(tmp_path, kind="eeglab")
    assert info.value.fix == ("use one of deap, seed-iv, calibration, xdf, mne, or leave it "
                              "out to auto-detect")


def test_undetected_folder_names_the_kind_flag(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(DataFormatError, match="does not look like") as info:
        readers.open_dataset(tmp_path)
    assert "--kind (one of deap, seed-iv, calibration, xdf, mne)" in info.value.fix


def test_earlier_readers_win_on_mixed_folders(deap_dir, seed_iv_dir, tmp_path):
    both = tmp_path / "both"
    shutil.copytree(seed_iv_dir, both)
    (both / "labels.csv").write_text("onset,duration,valence\n0,1,5\n")
    assert readers.detect_kind(both) == "seed-iv"  # SEED-IV before an MNE folder
    deap_too = tmp_path / "deap_too"
    shutil.copytree(deap_dir, deap_too)
    (deap_too / "labels.csv").write_text("onset,duration,valence\n0,1,5\n")
    assert readers.detect_kind(deap_too) == "deap"


def test_unknown_or_missing_reader_is_a_clear_error(deap_index):
    bare = DatasetIndex("deap", 128.0, list(deap_index.channels), deap_index.trials[:1],
                        deap_index.root)
    with pytest.raises(DataFormatError, match="dataset reader '' is unknown") as info:
        bare.load(bare.trials[0])
    assert "open_dataset" in info.value.fix


def test_two_modules_cannot_register_one_name(scratch_registry):
    real = get_reader("mne")
    register_reader(real)  # a reload of the same module is fine
    with pytest.raises(DataFormatError, match="two dataset readers are named 'mne'"):
        register_reader(DatasetReader(
            name="mne", kind="mne", detect=real.detect, index=lambda p: None,
            load=real.load, claims_file=real.claims_file, read_file=real.read_file))


def _project_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("eeg_emotion"):
            for alias in node.names:
                found.add(f"{node.module}.{alias.name}"
                          if node.module == "eeg_emotion.offline.datasets" else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("eeg_emotion")}
    return found


@pytest.mark.parametrize("name", READER_MODULES)
def test_readers_import_only_the_dataset_types_and_the_core(name):
    offline = {i for i in _project_imports(OFFLINE / f"{name}.py")
               if i.startswith("eeg_emotion.offline")}
    allowed = {"eeg_emotion.offline.datasets.registry", "eeg_emotion.offline.datasets.file_cache",
               "eeg_emotion.offline.datasets.labels_csv"}  # shared helpers, not readers
    if name == "deap_bdf":  # reads BDF files with mne_files' public functions
        allowed.add("eeg_emotion.offline.datasets.mne_files")
    assert offline <= allowed, f"{name}.py imports {sorted(offline - allowed)}"


def test_deap_bdf_uses_only_public_names_of_mne_files():
    tree = ast.parse((OFFLINE / "deap_bdf.py").read_text())
    names = [a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and node.module == "eeg_emotion.offline.datasets.mne_files" for a in node.names]
    assert names and not [n for n in names if n.startswith("_")]
