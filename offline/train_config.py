"""Schema of a training config (``configs/*.toml``) as dataclasses.

Each TOML table maps onto one dataclass below and is checked by
:func:`eeg_emotion.config.from_dict`: an unknown key or a bad value raises
:class:`~eeg_emotion.errors.ConfigError` naming the file and the key.

TOML has no ``null``: leave a key out to get its default ``None`` (for
``preprocess.window_s`` that means "whole trial as one input").
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from eeg_emotion.checks import check_count, check_positive, check_range, check_seconds
from eeg_emotion.config import from_dict, load_toml
from eeg_emotion.errors import ConfigError
from eeg_emotion.filters import FilterSpec

MODEL_NAMES = ("scalingnet", "scalingnet-conv", "msmae-cnn", "random_forest")
PROTOCOLS = ("cross_subject", "loso", "subject_dependent", "trialwise", "cross_session")


@dataclass
class DataSection:
    """``[data]``: which dataset reader and which input."""

    kind: Literal["auto", "deap", "seed_iv", "mne", "calibration", "xdf"] = "auto"
    #: "raw": windows of filtered EEG. "features": SEED-IV's precomputed feature files
    #: (eeg_feature_smooth; msmae-cnn or random_forest)
    input: Literal["raw", "features"] = "raw"
    #: feature-file key prefix when input = "features"
    feature: Literal["de_LDS", "de_movingAve", "psd_LDS", "psd_movingAve"] = "de_LDS"


@dataclass
class FilterSection:
    """``[preprocess.filter]``: the causal FIR shared with the live path."""

    l_freq: float = 4.0
    h_freq: float = 45.0
    numtaps: int | None = None
    phase: Literal["linear", "minimum"] = "linear"
    notch: float | None = None

    def spec(self) -> FilterSpec:
        """The :class:`~eeg_emotion.filters.FilterSpec` it describes."""
        return FilterSpec(self.l_freq, self.h_freq, self.numtaps, self.phase, self.notch)


@dataclass
class PreprocessSection:
    """``[preprocess]``: what :func:`eeg_emotion.offline.preprocess.contract_for` turns,
    with a dataset, into the model's :class:`~eeg_emotion.contract.SignalContract`.

    These are the only defaults of preprocessing: whole trials, no overlap, DEAP's
    baseline mean subtracted, no standardisation, every channel, nothing discarded.
    """

    filter: FilterSection = field(default_factory=FilterSection)
    #: window length in s; leave out for whole trials
    window_s: float | None = None
    hop_s: float | None = None
    baseline: Literal["none", "subtract_mean"] = "subtract_mean"
    standardize: Literal["none", "window"] = "none"
    #: restrict to these channels (e.g. a headset's); leave out for all
    channels: list[str] | None = None
    discard_s: float = 0.0


@dataclass
class ModelSection:
    """``[model]`` and ``[model.hparams]``."""

    name: Literal["scalingnet", "scalingnet-conv", "msmae-cnn", "random_forest"] = "scalingnet"
    hparams: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainSection:
    """``[train]``: the supervised loop."""

    epochs: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.0
    #: epochs without validation improvement before stopping
    patience: int = 10
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    #: share of training groups (subjects or trials) held out for early stopping
    val_fraction: float = 0.2
    #: true: one model, cross-entropy summed over targets; false: one model per target
    joint_targets: bool = True
    #: stop a fit after this many seconds (None: no limit)
    max_seconds: float | None = None
    #: also train a final model on all data (model.pt, what `live` loads)
    final_model: bool = True
    #: "bf16": bfloat16 autocast in training and validation passes (weights and the
    #: test-set scoring stay float32); mostly useful on a GPU
    precision: Literal["fp32", "bf16"] = "fp32"
    #: CUDA: read batches into pinned host memory and copy them asynchronously
    pin_memory: bool = True
    #: what picks the best epoch on the held-out trials: "loss" (cross-entropy) or
    #: "balanced_accuracy" (ties broken by the loss; windows of one trial are nearly
    #: one point, so the loss of a few trials swings more than what they get right)
    select_on: Literal["loss", "balanced_accuracy"] = "loss"
    #: learning rate of everything but the classification heads, as a share of lr
    #: (below 1: a pre-trained encoder moves less than the heads)
    encoder_lr_scale: float = 1.0
    #: cross-entropy label smoothing
    label_smoothing: float = 0.0
    #: Gaussian noise added to every input feature, in units of its standard deviation
    #: over the training windows (trials differ by more than their windows do)
    noise_std: float = 0.0
    #: mixup between windows of the same class (Beta(alpha, alpha) weights; 0 = off):
    #: new points between trials, the labels unchanged
    mixup_alpha: float = 0.0
    #: share of channels hidden at random in each training window (models that take
    #: missing channels: msmae-cnn), as MSMAE's pre-training masks them
    channel_mask_ratio: float = 0.0
    #: average the weights over training steps (an exponential moving average with this
    #: decay per step: 0.98 ~ the last 50 steps; 0 = off); validation, early stopping
    #: and the kept model use the average
    average_decay: float = 0.0
    #: fine-tune this many copies from the same start, each early-stopped on its own
    #: held-out trials (the first on the run's inner split), and keep the average of
    #: their weights (a model soup; 1 = one fine-tune)
    soup: int = 1


@dataclass
class PretrainSection:
    """``[pretrain]``: MSMAE self-supervised pre-training before fine-tuning."""

    enabled: bool = False
    epochs: int = 30
    lr: float = 1e-3
    patience: int = 5
    #: also pre-train on the test session's windows, unlabelled ("unlabelled target
    #: data allowed"); off by default, stated in the report when on
    use_unlabelled_target: bool = False
    #: keyword arguments of the model's pretrain_loss (e.g. mask_ratio)
    loss: dict[str, Any] = field(default_factory=dict)
    #: "split": pre-train on each split's own training windows. "all_subjects": Pang et
    #: al.'s setting: for each session ordering, pre-train once on the unlabelled windows
    #: of ALL subjects' training sessions, then fine-tune every per-subject split from it
    scope: Literal["split", "all_subjects"] = "split"


@dataclass
class AdaptSection:
    """``[adapt]``: cross-session adaptation."""

    #: k labelled trials of the target session used for few-shot adaptation (removed from the
    #: test set); 0 = off
    fewshot_trials: int = 0
    #: most adaptation steps; how many are taken is chosen by leaving out one
    #: few-shot trial at a time (none when no step beats the unadapted model there)
    fewshot_steps: int = 10
    #: which weights adapt: "heads" (the classifiers only) or "all"
    fewshot_params: Literal["heads", "all"] = "heads"
    #: learning rate of the adaptation (None: train.lr)
    fewshot_lr: float | None = None
    #: L2 pull toward the weights before adaptation (0 = none)
    fewshot_shrinkage: float = 0.0
    #: when the few-shot trials teach the network: "after" training (the adaptation
    #: above) or "train": they join the fine-tuning data, as the baselines use them
    fewshot_mode: Literal["after", "train"] = "after"
    #: adversarial session alignment (gradient reversal + session discriminator)
    adversarial: bool = False
    adversarial_weight: float = 0.1
    #: standardise band features per recording session with that session's own
    #: (unlabelled) statistics; needs data.input = "features"
    session_norm: bool = False


@dataclass
class ProtocolSection:
    """``[protocol]``: how data are split and what is predicted."""

    name: Literal["cross_subject", "loso", "subject_dependent", "trialwise",
                  "cross_session"] = "cross_subject"
    folds: int = 5
    targets: list[str] = field(default_factory=lambda: ["valence", "arousal", "dominance"])
    threshold: float = 5.0
    rule: Literal[">", ">="] = ">"
    #: subject_dependent and cross_session: one model per subject instead of pooled
    per_subject: bool = False
    train_sessions: list[int] = field(default_factory=lambda: [1, 2])
    test_session: int = 3
    #: cross_session: every (train sessions -> held-out session) ordering
    all_orderings: bool = False
    #: run only the first N splits (quick checks; None = all)
    max_splits: int | None = None
    #: published figures to lay beside ours
    paper: Literal["none", "scalingnet_table2", "scalingnet_table3", "scalingnet_table4"] = \
        "none"


@dataclass
class SweepSection:
    """``[sweep]``: run the protocol once per value of one key."""

    #: dotted key, e.g. "model.hparams.kernel_length" or "model.name"
    key: str = ""
    values: list[Any] = field(default_factory=list)


@dataclass
class BaselineSection:
    """``[baseline]``: the Random Forest and a logistic regression on band features."""

    features: Literal["de", "psd"] = "de"
    n_estimators: int = 200
    max_depth: int | None = None
    #: window length in s of the band features (whole trials are cut into these)
    feature_window_s: float = 4.0
    #: also run the baselines on the same data and splits as the network and lay
    #: them side by side in the report (network configs only)
    compare: bool = False
    #: which baselines ``compare`` runs: "random_forest", "logistic_regression"
    models: list[str] = field(default_factory=lambda: ["random_forest",
                                                       "logistic_regression"])
    #: inverse L2 strength of the logistic regression (features standardised first)
    logistic_c: float = 0.01


@dataclass
class DistributedSection:
    """``[distributed]``: how a run started by ``torchrun`` (or ``train --workers N``) uses
    its ranks. A run in one process ignores it."""

    #: "folds": each rank trains its share of the splits; "ddp": every rank trains each
    #: network together (DistributedDataParallel); "auto": ddp when there are fewer
    #: splits left to run than ranks, else folds
    mode: Literal["auto", "folds", "ddp"] = "auto"
    #: "auto": nccl when the ranks train on GPUs, else gloo
    backend: Literal["auto", "gloo", "nccl"] = "auto"
    #: seconds a rank waits for the others where they meet (data prepared, shared
    #: pre-training, all folds finished); a rank that fails ends the run at once
    timeout_s: float = 7200.0


@dataclass
class TrainingConfig:
    """A whole training config."""

    description: str = ""
    data: DataSection = field(default_factory=DataSection)
    preprocess: PreprocessSection = field(default_factory=PreprocessSection)
    model: ModelSection = field(default_factory=ModelSection)
    train: TrainSection = field(default_factory=TrainSection)
    pretrain: PretrainSection = field(default_factory=PretrainSection)
    adapt: AdaptSection = field(default_factory=AdaptSection)
    protocol: ProtocolSection = field(default_factory=ProtocolSection)
    sweep: SweepSection = field(default_factory=SweepSection)
    baseline: BaselineSection = field(default_factory=BaselineSection)
    distributed: DistributedSection = field(default_factory=DistributedSection)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (recorded in runs and checkpoints)."""
        return dataclasses.asdict(self)


def config_from_dict(data: dict[str, Any], where: str = "config") -> TrainingConfig:
    """Validate a parsed config.

    Parameters
    ----------
    data : dict
        Parsed TOML.
    where : str
        Its origin, for error messages.

    Returns
    -------
    TrainingConfig

    Raises
    ------
    ConfigError
        On unknown keys, wrong types or inconsistent values.
    """
    _refuse_renamed_keys(data, where)
    cfg = from_dict(TrainingConfig, data, where)
    validate(cfg, where)
    return cfg


#: keys a config of an earlier version may still use: ``(table, old key) -> new key``.
#: "Calibration" now means only the personal calibration session (``eeg-emotion
#: calibrate``); labelled trials of a new dataset session are few-shot adaptation.
RENAMED_KEYS = {("adapt", "calibration_trials"): "fewshot_trials",
                ("adapt", "calibration_epochs"): "fewshot_steps"}


def _refuse_renamed_keys(data: dict[str, Any], where: str) -> None:
    for (table, old), new in RENAMED_KEYS.items():
        section = data.get(table)
        if isinstance(section, dict) and old in section:
            raise ConfigError(f"{where}: [{table}] {old} was renamed {new}",
                              f"write `{new} = {section[old]!r}` in [{table}] of {where} "
                              f"instead of `{old}`")


def load_config(path: str | Path) -> TrainingConfig:
    """Read and validate ``configs/NAME.toml``.

    Parameters
    ----------
    path : str or Path
        The TOML file.

    Returns
    -------
    TrainingConfig
    """
    return config_from_dict(load_toml(path), str(path))


def validate(cfg: TrainingConfig, where: str = "config") -> None:
    """Check values the type system cannot (ranges, combinations)."""
    t, p, pre = cfg.train, cfg.protocol, cfg.preprocess

    def key(name: str) -> str:
        return f"{where}: {name}"

    for name, value, example in (("train.epochs", t.epochs, 100),
                                 ("train.batch_size", t.batch_size, 32),
                                 ("protocol.folds", p.folds, 5),
                                 ("pretrain.epochs", cfg.pretrain.epochs, 30),
                                 ("pretrain.patience", cfg.pretrain.patience, 5),
                                 ("train.patience", t.patience, 10),
                                 ("adapt.fewshot_steps", cfg.adapt.fewshot_steps, 10),
                                 ("baseline.n_estimators", cfg.baseline.n_estimators, 200)):
        check_count(key(name), value, example, minimum=0 if "patience" in name else 1)
    check_count(key("adapt.fewshot_trials"), cfg.adapt.fewshot_trials, 4, minimum=0)
    check_count(key("protocol.max_splits"), p.max_splits, 1)
    check_count(key("train.soup"), t.soup, 3)
    check_count(key("baseline.max_depth"), cfg.baseline.max_depth, 8)
    check_positive(key("train.lr"), t.lr, 0.001)
    check_positive(key("pretrain.lr"), cfg.pretrain.lr, 0.001)
    check_range(key("train.weight_decay"), t.weight_decay, 0.0, low=0.0, high=float("inf"))
    check_range(key("train.val_fraction"), t.val_fraction, 0.2, low=0.0, high=1.0,
                low_open=True, high_open=True)
    check_range(key("adapt.adversarial_weight"), cfg.adapt.adversarial_weight, 0.1, low=0.0,
                high=float("inf"))
    check_seconds(key("train.max_seconds"), t.max_seconds, 600, leave_out="for no limit")
    check_seconds(key("preprocess.window_s"), pre.window_s, 4.0, leave_out="for whole trials")
    check_seconds(key("preprocess.hop_s"), pre.hop_s, 2.0)
    check_seconds(key("preprocess.discard_s"), pre.discard_s, 0.0, allow_zero=True)
    check_seconds(key("baseline.feature_window_s"), cfg.baseline.feature_window_s, 4.0)
    check_positive(key("baseline.logistic_c"), cfg.baseline.logistic_c, 0.01)
    check_range(key("train.encoder_lr_scale"), t.encoder_lr_scale, 0.1, low=0.0, high=1e3,
                low_open=True)
    check_range(key("train.label_smoothing"), t.label_smoothing, 0.1, low=0.0, high=1.0,
                high_open=True)
    check_range(key("train.noise_std"), t.noise_std, 0.3, low=0.0, high=1e3)
    check_range(key("train.mixup_alpha"), t.mixup_alpha, 0.4, low=0.0, high=1e3)
    check_range(key("train.channel_mask_ratio"), t.channel_mask_ratio, 0.2, low=0.0, high=1.0,
                high_open=True)
    check_range(key("train.average_decay"), t.average_decay, 0.98, low=0.0, high=1.0,
                high_open=True)
    check_positive(key("adapt.fewshot_lr"), cfg.adapt.fewshot_lr, 0.001)
    check_range(key("adapt.fewshot_shrinkage"), cfg.adapt.fewshot_shrinkage, 1.0, low=0.0,
                high=1e6)
    unknown = [m for m in cfg.baseline.models
               if m not in ("random_forest", "logistic_regression")]
    if unknown or (cfg.baseline.compare and not cfg.baseline.models):
        raise ConfigError(f"{where}: baseline.models = {cfg.baseline.models!r} must name "
                          "random_forest and/or logistic_regression",
                          'set baseline.models = ["random_forest", "logistic_regression"]')
    f = pre.filter
    check_positive(key("preprocess.filter.l_freq"), f.l_freq, 4.0)
    check_positive(key("preprocess.filter.h_freq"), f.h_freq, 45.0)
    check_count(key("preprocess.filter.numtaps"), f.numtaps, 213, minimum=3)
    if pre.hop_s is not None and pre.window_s is None:
        raise ConfigError(f"{where}: preprocess.hop_s is set but window_s is not (whole-trial "
                          "windows have no hop)", "set preprocess.window_s too, or drop hop_s")
    if not p.targets:
        raise ConfigError(f"{where}: protocol.targets is empty",
                          'name at least one target, e.g. ["valence"]')
    if cfg.data.input == "features" and cfg.model.name not in ("random_forest", "msmae-cnn"):
        raise ConfigError(f"{where}: data.input = \"features\" works with model.name = "
                          f"\"msmae-cnn\" or \"random_forest\", not {cfg.model.name!r} "
                          "(it takes signal windows)",
                          'set data.input = "raw", or model.name = "msmae-cnn"')
    if cfg.adapt.session_norm and cfg.data.input != "features":
        raise ConfigError(f"{where}: adapt.session_norm standardises band features per "
                          "session; it needs data.input = \"features\"",
                          'set data.input = "features" (SEED-IV feature files), or drop '
                          "adapt.session_norm")
    if cfg.pretrain.scope == "all_subjects" and not (
            cfg.pretrain.enabled and p.name == "cross_session" and p.per_subject):
        raise ConfigError(f"{where}: pretrain.scope = \"all_subjects\" is Pang et al.'s "
                          "per-subject cross-session setting",
                          "set pretrain.enabled = true, protocol.name = \"cross_session\" "
                          "and protocol.per_subject = true, or use scope = \"split\"")
    if cfg.baseline.compare and cfg.model.name == "random_forest":
        raise ConfigError(f"{where}: baseline.compare lays the Random Forest beside a "
                          "network; the model already is the Random Forest",
                          "drop baseline.compare, or set model.name to a network")
    if cfg.pretrain.enabled and cfg.model.name != "msmae-cnn":
        raise ConfigError(f"{where}: pretrain.enabled needs model.name = \"msmae-cnn\"")
    if (cfg.adapt.fewshot_trials or cfg.adapt.adversarial or
            cfg.pretrain.use_unlabelled_target) and p.name != "cross_session":
        raise ConfigError(f"{where}: [adapt] and pretrain.use_unlabelled_target only apply to "
                          f"protocol.name = \"cross_session\", not {p.name!r}")
    if cfg.distributed.timeout_s <= 0:
        raise ConfigError(f"{where}: distributed.timeout_s = {cfg.distributed.timeout_s} must "
                          "be positive")
    if cfg.distributed.mode == "ddp" and cfg.model.name == "random_forest":
        raise ConfigError(f"{where}: distributed.mode = \"ddp\" trains one network on several "
                          "ranks; random_forest has none",
                          'set distributed.mode = "folds" (or "auto")')
    if cfg.sweep.key:
        if not cfg.sweep.values:
            raise ConfigError(f"{where}: sweep.key = {cfg.sweep.key!r} but sweep.values is empty")
        for value in cfg.sweep.values:
            apply_override(cfg, cfg.sweep.key, value, where)


def apply_override(cfg: TrainingConfig, key: str, value: Any,
                   where: str = "config") -> TrainingConfig:
    """A copy of ``cfg`` with one dotted key set (and re-validated).

    Parameters
    ----------
    cfg : TrainingConfig
        The base config (unchanged).
    key : str
        Dotted key: ``"model.hparams.kernel_length"``, ``"model.name"``, ``"train.lr"``.
    value : Any
        The new value.
    where : str
        Origin, for error messages.

    Returns
    -------
    TrainingConfig
    """
    data = copy.deepcopy(cfg.to_dict())
    data["sweep"] = {"key": "", "values": []}
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"{where}: sweep.key {key!r} does not name a config key",
                              "use a dotted key such as model.hparams.kernel_length")
        node = node[part]
    if not isinstance(node, dict) or (parts[-1] not in node and parts[-2:-1] != ["hparams"]):
        raise ConfigError(f"{where}: sweep.key {key!r} does not name a config key",
                          "use a dotted key such as model.hparams.kernel_length")
    node[parts[-1]] = value
    return config_from_dict(_drop_none(data), f"{where} [{key} = {value!r}]")


def _drop_none(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _drop_none(v) for k, v in data.items() if v is not None}
    return data
