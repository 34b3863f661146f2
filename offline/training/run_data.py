"""A dataset made ready for a protocol: windows (or features), groups, class labels.

Opens the dataset named by ``--data``, applies the config's preprocessing (the
same causal filter and windowing as the live path, via
:func:`eeg_emotion.offline.preprocess.prepare_windows`), restricts channels if asked, and
turns raw labels into class indices with the config's targets.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.offline.datasets.readers import open_dataset
from eeg_emotion.offline.datasets.seed_iv import feature_contract, load_seed_iv_features
from eeg_emotion.offline.preprocess import WindowSet, contract_for, prepare_windows
from eeg_emotion.offline.train_config import TrainingConfig
from eeg_emotion.session_norm import normalize_sessions
from eeg_emotion.synthetic_data import is_synthetic
from eeg_emotion.targets import Target, deap_targets, seed_iv_target

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class RunData(WindowSet):
    """Everything a protocol needs from the data: the windows (or features) and their
    groups (:class:`~eeg_emotion.offline.preprocess.WindowSet`), and what to learn.

    Attributes
    ----------
    labels : dict of str to numpy.ndarray of int64
        Class index of every window, per target name (the windows' raw labels turned
        into classes by :attr:`targets`).
    targets : list of Target
    kind : str
        The dataset kind (``deap``, ``seed-iv``, ``calibration``, ``mne``).
    path : pathlib.Path
    synthetic : bool
        Written by ``eeg-emotion synth``.
    notes : list of str
        Facts for the report.
    """

    targets: list[Target]
    kind: str
    path: Path
    synthetic: bool
    notes: list[str] = field(default_factory=list)

    @property
    def window_s(self) -> float:
        """Window length in seconds."""
        return self.contract.window_s

    @property
    def hop_s(self) -> float:
        """Hop between windows in seconds."""
        return self.contract.hop_s

    @property
    def features_only(self) -> bool:
        """True when ``X`` holds precomputed band features, not signal windows."""
        return self.contract.input == "features"

    @property
    def n_trials(self) -> int:
        """Number of distinct trials."""
        return len(np.unique(self.trial_id))

    def class_balance(self) -> dict[str, dict[str, int]]:
        """Trials per class, per target."""
        _, first = np.unique(self.trial_id, return_index=True)
        return {t.name: {c: int(np.sum(self.labels[t.name][first] == i))
                         for i, c in enumerate(t.classes)} for t in self.targets}


def build_targets(cfg: TrainingConfig, kind: str) -> list[Target]:
    """The config's targets for a dataset kind."""
    names = tuple(cfg.protocol.targets)
    if kind == "seed-iv":
        if names != ("emotion",):
            raise ConfigError(f"SEED-IV has one target, 'emotion'; protocol.targets = "
                              f"{list(names)}", 'set protocol.targets = ["emotion"]')
        return [seed_iv_target()]
    return deap_targets(names, cfg.protocol.threshold, cfg.protocol.rule)


def _dataset_kind(cfg: TrainingConfig) -> str | None:
    return {"auto": None, "deap": "deap", "seed_iv": "seed-iv", "mne": "mne",
            "calibration": "calibration", "xdf": "xdf"}[cfg.data.kind]


def load_run_data(cfg: TrainingConfig, data_path: str | Path, *,
                  channels: list[str] | None = None, cache_dir: Path | None = None,
                  progress: bool = True) -> RunData:
    """Open, preprocess and label a dataset for ``cfg``.

    Parameters
    ----------
    cfg : TrainingConfig
        The validated config.
    data_path : str | Path
        Dataset folder.
    channels : list of str | None
        Overrides ``preprocess.channels`` (``--channels``).
    cache_dir : Path | None
        Window cache folder (None: the default cache).
    progress : bool
        Show progress bars.

    Returns
    -------
    RunData
    """
    path = Path(data_path).expanduser()
    if cfg.data.input == "features":
        return _load_feature_files(cfg, path)
    index = open_dataset(path, _dataset_kind(cfg))
    contract = contract_for(index, cfg.preprocess, channels)
    ws = prepare_windows(index, contract, cache_dir=cache_dir, progress=progress)
    targets = build_targets(cfg, index.kind)
    labels = {}
    for t in targets:
        if t.label_key not in ws.labels:
            raise DataFormatError(f"dataset {path} has no {t.label_key!r} labels (it has "
                                  f"{', '.join(ws.labels)})", "choose targets the data label")
        labels[t.name] = t.classify(ws.labels[t.label_key])
    return RunData(X=ws.X, trial_id=np.asarray(ws.trial_id), subject=np.asarray(ws.subject),
                   session=np.asarray(ws.session), labels=labels, contract=contract,
                   start=ws.start, targets=targets, kind=index.kind, path=path,
                   synthetic=is_synthetic(path))


def _load_feature_files(cfg: TrainingConfig, path: Path) -> RunData:
    if cfg.data.kind == "deap":
        raise ConfigError("data.input = \"features\" reads SEED-IV feature files, but "
                          "data.kind = \"deap\"", 'set data.kind = "seed_iv"')
    table = load_seed_iv_features(path, cfg.data.feature)
    targets = build_targets(cfg, "seed-iv")
    labels = {t.name: t.classify(table.labels[t.label_key]) for t in targets}
    contract = feature_contract(cfg.data.feature, session_norm=cfg.adapt.session_norm)
    notes = [f"features: SEED-IV's own {table.feature} files (4-s windows)"]
    X = np.asarray(table.X)
    if cfg.adapt.session_norm:
        X = normalize_sessions(X, session_keys(table.subject, table.session))
        notes.append("session normalisation: every feature standardised with its recording "
                     "session's own statistics (unlabelled; the test session's too, as "
                     "unsupervised adaptation)")
    return RunData(X=X, trial_id=np.asarray(table.trial_id),
                   subject=np.asarray(table.subject), session=np.asarray(table.session),
                   labels=labels, contract=contract, targets=targets, kind="seed-iv",
                   path=path, synthetic=is_synthetic(path), notes=notes)


def session_keys(subject: np.ndarray, session: np.ndarray) -> np.ndarray:
    """One key per window naming its recording session: ``"<subject>/<session>"``."""
    return np.char.add(np.char.add(np.asarray(subject).astype(str), "/"),
                       np.asarray(session).astype(str))
