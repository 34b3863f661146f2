"""Evaluation protocols: split, train per fold, score, save; resumable.

:func:`run_config` runs what a config describes (one protocol, or one per value
of a ``[sweep]``) into an output folder:

* ``run.json``: the resolved config, data and options (a rerun with another
  config into the same folder is refused);
* ``folds/<split>.json`` (+ ``folds/<split>[_<target>].pt``) as each split
  finishes: a rerun with the same ``--out`` skips finished splits;
* ``model.pt``: one model (a head per target) trained on all data, what
  ``eeg-emotion live`` loads;
* ``metrics.json``, ``folds.csv``, PNG plots and ``report.md`` (:mod:`eeg_emotion.offline.report`).

Splits are over whole trials (:mod:`eeg_emotion.offline.splits`) and each is checked for
leakage; early stopping uses an inner validation split of the training data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from eeg_emotion.errors import ConfigError, EEGEmotionError
from eeg_emotion.models import build_model
from eeg_emotion.models.adaptation import calibrate
from eeg_emotion.models.checkpoint import CheckpointMeta, save_checkpoint
from eeg_emotion.offline import splits as sp
from eeg_emotion.offline.baselines import band_features, fit_predict_forest
from eeg_emotion.offline.hparams_check import check_model_hparams
from eeg_emotion.offline.metrics import classification_metrics, summarize_folds
from eeg_emotion.offline.pretrain import pretrain
from eeg_emotion.offline.report import (
    PAPER_FIGURES,
    render_sweep_report,
    write_json,
    write_run_outputs,
)
from eeg_emotion.offline.run_data import RunData, load_run_data
from eeg_emotion.offline.train_config import TrainingConfig, apply_override
from eeg_emotion.offline.trainer import (
    AdversarialSpec,
    fit,
    load_batch,
    predict,
    resolve_device,
    seed_everything,
)
from eeg_emotion.progress import progress_over

log = logging.getLogger(__name__)

SPLIT_KIND = {"cross_subject": "cross-subject", "loso": "leave-one-subject-out",
              "subject_dependent": "subject-dependent", "trialwise": "trial-wise",
              "cross_session": "cross-session"}


@dataclass
class RunOptions:
    """Command-line options of a run."""

    out: Path
    device: str = "auto"
    channels: list[str] | None = None
    progress: bool = True
    cache_dir: Path | None = None


def make_splits(cfg: TrainingConfig, data: RunData) -> list[sp.Split]:
    """The outer splits of the config's protocol (each checked for leakage)."""
    p, seed = cfg.protocol, cfg.train.seed
    if p.name == "cross_subject":
        splits = sp.cross_subject_kfold(data.subject, data.trial_id, p.folds, seed)
    elif p.name == "loso":
        splits = sp.leave_one_subject_out(data.subject, data.trial_id)
    elif p.name == "subject_dependent":
        splits = sp.subject_dependent_kfold(data.subject, data.trial_id, p.folds, seed,
                                            p.per_subject)
    elif p.name == "trialwise":
        splits = sp.trialwise_kfold(data.trial_id, p.folds, seed)
    else:
        orders = (sp.session_orderings(np.unique(data.session).tolist()) if p.all_orderings
                  else [(tuple(p.train_sessions), p.test_session)])
        splits = [s for tr, te in orders
                  for s in sp.cross_session(data.session, data.subject, data.trial_id, tr, te,
                                            p.per_subject)]
    if p.max_splits is not None:
        splits = splits[:p.max_splits]
    return splits


def check_split(split: sp.Split, data: RunData) -> None:
    """Refuse a split that leaks: shared trials always, shared subjects for cross-subject
    kinds, shared (subject, session) for cross-session.

    Raises
    ------
    eeg_emotion.offline.splits.LeakageError
    """
    subject = data.subject if split.kind in ("cross-subject", "leave-one-subject-out") \
        else None
    session = None
    if split.kind == "cross-session":
        session = data.subject.astype(str).astype(object) + "/" + \
            data.session.astype(str).astype(object)
    sp.assert_no_leakage(split.train, split.test, data.trial_id, subject=subject,
                         session=session, what=split.name)


def _val_groups(cfg: TrainingConfig, data: RunData, train_idx: np.ndarray) -> np.ndarray:
    """Subjects for cross-subject protocols (when >= 2 train subjects), else trials."""
    if cfg.protocol.name in ("cross_subject", "loso") and \
            len(np.unique(data.subject[train_idx])) >= 2:
        return data.subject
    return data.trial_id


def _hparams(cfg: TrainingConfig, data: RunData, n_domains: int | None) -> dict[str, Any]:
    hp = dict(cfg.model.hparams)
    if cfg.model.name == "msmae-cnn":
        hp.setdefault("channels", list(data.channels))
        if n_domains is not None:
            hp["n_domains"] = max(int(hp.get("n_domains", 2)), n_domains)
    return hp


def _target_groups(cfg: TrainingConfig, data: RunData) -> list[list]:
    if cfg.train.joint_targets or len(data.targets) == 1:
        return [list(data.targets)]
    return [[t] for t in data.targets]


def _suffix(group: list, data: RunData) -> str:
    return "" if len(group) == len(data.targets) else "_" + group[0].name


def _calibration_split(cfg: TrainingConfig, data: RunData, test: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """k labelled trials per subject of the test set for calibration, removed from test."""
    k = cfg.adapt.calibration_trials
    if k == 0:
        return np.zeros(0, np.int64), test
    rng = np.random.default_rng(cfg.train.seed)
    chosen = []
    for s in np.unique(data.subject[test]):
        trials = np.unique(data.trial_id[test][data.subject[test] == s])
        if len(trials) <= k:
            raise ConfigError(f"adapt.calibration_trials = {k} leaves no test trials of "
                              f"subject {s} ({len(trials)} in the test session)",
                              "use fewer calibration trials")
        chosen.extend(rng.choice(trials, k, replace=False).tolist())
    is_cal = np.isin(data.trial_id[test], chosen)
    sp.assert_no_leakage(test[is_cal], test[~is_cal], data.trial_id, what="calibration split")
    return test[is_cal], test[~is_cal]


def _domains(data: RunData, split: sp.Split) -> tuple[np.ndarray, int]:
    """Session index per sample: training sessions 0..k-1, test session k."""
    sessions = [*split.info.get("train_sessions", []), split.info.get("test_session")]
    lookup = {s: i for i, s in enumerate(sessions) if s is not None}
    dom = np.array([lookup.get(int(s), 0) for s in data.session], dtype=np.int64)
    return dom, len(lookup)


def _n_domains(cfg: TrainingConfig, data: RunData, split: sp.Split | None) -> int | None:
    return _domains(data, split)[1] if cfg.adapt.adversarial and split is not None else None


def _load_pretrained(model: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Load shared pre-trained weights; the classification heads stay freshly initialised."""
    own = model.state_dict()
    kept = {k: v for k, v in state.items() if not k.startswith("heads.") and k in own}
    own.update(kept)
    model.load_state_dict(own)


def _train_network(cfg: TrainingConfig, data: RunData, group: list, fit_idx: np.ndarray,
                   val_idx: np.ndarray, device: torch.device, progress: bool, desc: str, *,
                   unlabelled: np.ndarray | None = None, split: sp.Split | None = None,
                   calib_idx: np.ndarray | None = None,
                   pretrained: dict[str, torch.Tensor] | None = None
                   ) -> tuple[torch.nn.Module, dict]:
    """Build, (pre-)train, fine-tune and optionally calibrate one network.

    ``pretrained``: weights of a shared pre-training (``pretrain.scope = "all_subjects"``)
    to start from instead of pre-training on this split.
    """
    adversarial = None
    n_domains = _n_domains(cfg, data, split)
    features = data.features_only
    if n_domains is not None:
        dom, _ = _domains(data, split)
        extra = unlabelled if unlabelled is not None else np.zeros(0, np.int64)
        adversarial = AdversarialSpec(dom, cfg.adapt.adversarial_weight, extra)
    seed_everything(cfg.train.seed)
    model = build_model(cfg.model.name, len(data.channels), data.sfreq, group,
                        **_hparams(cfg, data, n_domains))
    info: dict[str, Any] = {}
    if pretrained is not None:
        _load_pretrained(model, pretrained)
    elif cfg.pretrain.enabled:
        pre_idx = fit_idx if unlabelled is None else np.union1d(fit_idx, unlabelled)
        info["pretrain"] = pretrain(model, data.X, pre_idx, val_idx, cfg.pretrain,
                                    batch_size=cfg.train.batch_size, seed=cfg.train.seed,
                                    device=device, progress=progress,
                                    desc=f"{desc} pre-train", features=features)
        info["pretrain_idx"] = pre_idx
    labels = {t.name: data.labels[t.name] for t in group}
    res = fit(model, data.X, labels, fit_idx, val_idx, cfg.train, device=device,
              progress=progress, desc=desc, adversarial=adversarial, features=features)
    info.update(history=res.history, best_epoch=res.best_epoch,
                train_seconds=res.train_seconds, stopped_early=res.stopped_early)
    if calib_idx is not None and len(calib_idx):
        info["calibration"] = _calibrate(cfg, data, model, group, calib_idx, device)
    return model, info


def _calibrate(cfg: TrainingConfig, data: RunData, model: torch.nn.Module, group: list,
               calib_idx: np.ndarray, device: torch.device) -> dict:
    """Few-shot calibration on the calibration trials, its length chosen on them.

    With two or more calibration trials per subject, one trial per subject is held
    out first: the number of steps with the lowest loss on it is kept (at most
    ``adapt.calibration_epochs``, possibly none), then the model calibrates on every
    calibration trial for that many steps. Test trials are never used.
    """
    def batch(idx: np.ndarray) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        idx = np.sort(idx)
        return load_batch(data.X, idx, device), {
            t.name: torch.from_numpy(data.labels[t.name][idx]).to(device) for t in group}

    steps = cfg.adapt.calibration_epochs
    rng = np.random.default_rng(cfg.train.seed)
    held = []
    for s in np.unique(data.subject[calib_idx]):
        trials = np.unique(data.trial_id[calib_idx][data.subject[calib_idx] == s])
        if len(trials) >= 2:
            held.append(rng.choice(trials))
    info: dict[str, Any] = {"windows": len(calib_idx), "steps_max": steps}
    if held:
        is_val = np.isin(data.trial_id[calib_idx], held)
        start = {k: v.detach().clone() for k, v in model.state_dict().items()}
        kept = calibrate(model, *batch(calib_idx[~is_val]), steps=steps, lr=cfg.train.lr,
                         features=data.features_only, validation=batch(calib_idx[is_val]))
        steps = len(kept)
        model.load_state_dict(start)
        info["validation_trials"] = len(held)
    info["steps"] = steps
    if steps:
        losses = calibrate(model, *batch(calib_idx), steps=steps, lr=cfg.train.lr,
                           features=data.features_only)
        info.update(loss_first=losses[0], loss_last=losses[-1])
    return info


def _ordering(split: sp.Split) -> tuple[tuple[int, ...], int]:
    return tuple(split.info["train_sessions"]), int(split.info["test_session"])


def pretrain_shared(cfg: TrainingConfig, data: RunData, split: sp.Split,
                    device: torch.device, progress: bool) -> tuple[dict[str, torch.Tensor], dict]:
    """Pang et al.'s pre-training: once per session ordering, on every subject's training
    sessions (unlabelled), plus the test session's windows when the config allows
    unlabelled target data.

    Returns
    -------
    state : dict
        Pre-trained weights (CPU) for :func:`_train_network` to start from.
    info : dict
        Losses, best epoch, seconds, and the trial ids pre-trained on.
    """
    train_sessions, test_session = _ordering(split)
    use = np.isin(data.session, train_sessions)
    if cfg.pretrain.use_unlabelled_target:
        use |= data.session == test_session
    pre_all = np.flatnonzero(use)
    pre_fit, pre_val = sp.inner_validation_split(pre_all, data.trial_id,
                                                 cfg.train.val_fraction, cfg.train.seed,
                                                 trial_id=data.trial_id)
    seed_everything(cfg.train.seed)
    model = build_model(cfg.model.name, len(data.channels), data.sfreq, list(data.targets),
                        **_hparams(cfg, data, _n_domains(cfg, data, split)))
    tag = "s" + "s".join(map(str, train_sessions)) + f"-s{test_session}"
    info = pretrain(model, data.X, pre_fit, pre_val, cfg.pretrain,
                    batch_size=cfg.train.batch_size, seed=cfg.train.seed, device=device,
                    progress=progress, desc=f"{tag} shared pre-train",
                    features=data.features_only)
    info["trials"] = np.unique(data.trial_id[pre_all]).tolist()
    info["ordering"] = tag
    state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
    return state, info


def _trials(data: RunData, idx: np.ndarray | None) -> list[int]:
    return [] if idx is None else np.unique(data.trial_id[idx]).tolist()


def _forest_metrics(cfg: TrainingConfig, data: RunData, features: np.ndarray,
                    train_idx: np.ndarray, test_idx: np.ndarray) -> tuple[dict, float, float]:
    """Random Forest metrics per target on one split, and its fit / predict seconds."""
    metrics, t_fit, t_inf = {}, 0.0, 0.0
    for t in data.targets:
        pred, fs, ps = fit_predict_forest(
            features, data.labels[t.name], train_idx, test_idx,
            n_estimators=cfg.baseline.n_estimators, max_depth=cfg.baseline.max_depth,
            seed=cfg.train.seed)
        metrics[t.name] = classification_metrics(data.labels[t.name][test_idx], pred,
                                                 len(t.classes))
        t_fit += fs
        t_inf += ps
    return metrics, t_fit, t_inf


def run_split(cfg: TrainingConfig, data: RunData, split: sp.Split, opts: RunOptions,
              device: torch.device, features: np.ndarray | None = None,
              pretrained: tuple[dict[str, torch.Tensor], dict] | None = None) -> dict:
    """Train and score one split, saving its JSON and checkpoint(s); resume if done.

    The split's JSON records which trials each stage saw (``trials``: fit, val,
    pretrain, calibration, test), so a run can be audited for leakage.
    """
    check_split(split, data)
    folds_dir = opts.out / "folds"
    done = folds_dir / f"{split.name}.json"
    if done.is_file():
        log.info("%s already done, skipping (%s)", split.name, done)
        return json.loads(done.read_text())
    folds_dir.mkdir(parents=True, exist_ok=True)
    calib_idx, test_idx = (_calibration_split(cfg, data, split.test)
                           if cfg.protocol.name == "cross_session"
                           else (np.zeros(0, np.int64), split.test))
    result: dict[str, Any] = {"name": split.name, "kind": split.kind,
                              "description": split.description, "n_train": len(split.train),
                              "n_test": len(test_idx), "metrics": {}, "history": {},
                              "best_epoch": {}, "train_seconds": 0.0, "inference_seconds": 0.0,
                              "trials": {"test": _trials(data, test_idx),
                                         "calibration": _trials(data, calib_idx)}}
    if cfg.model.name == "random_forest":
        train_idx = np.union1d(split.train, calib_idx)
        result["metrics"], result["train_seconds"], result["inference_seconds"] = \
            _forest_metrics(cfg, data, features, train_idx, test_idx)
        result["trials"]["fit"] = _trials(data, train_idx)
    else:
        fit_idx, val_idx = sp.inner_validation_split(
            split.train, _val_groups(cfg, data, split.train), cfg.train.val_fraction,
            cfg.train.seed, trial_id=data.trial_id)
        unlabelled = split.test if cfg.pretrain.use_unlabelled_target else None
        result["trials"].update(fit=_trials(data, fit_idx), val=_trials(data, val_idx))
        if pretrained is not None:
            result["trials"]["pretrain"] = pretrained[1]["trials"]
            result["pretrain_shared"] = pretrained[1]["ordering"]
        for group in _target_groups(cfg, data):
            suffix = _suffix(group, data)
            model, info = _train_network(cfg, data, group, fit_idx, val_idx, device,
                                         opts.progress, f"{split.name}{suffix}",
                                         unlabelled=unlabelled, split=split,
                                         calib_idx=calib_idx,
                                         pretrained=pretrained[0] if pretrained else None)
            if "pretrain_idx" in info:
                result["trials"]["pretrain"] = _trials(data, info.pop("pretrain_idx"))
            preds, _, secs = predict(model, data.X, test_idx, cfg.train.batch_size, device,
                                     data.features_only)
            for t in group:
                result["metrics"][t.name] = classification_metrics(
                    data.labels[t.name][test_idx], preds[t.name], len(t.classes))
                result["best_epoch"][t.name] = info["best_epoch"]
            result["history"][suffix.lstrip("_") or "joint"] = info["history"]
            result["train_seconds"] += info["train_seconds"]
            result["inference_seconds"] += secs
            for key in ("pretrain", "calibration"):
                if key in info:
                    result.setdefault(key, {})[suffix.lstrip("_") or "joint"] = {
                        k: v for k, v in info[key].items() if k != "history"}
            save_model(folds_dir / f"{split.name}{suffix}.pt", model, cfg, data,
                       {"split": split.name, "split_kind": split.kind,
                        "held_out": split.description,
                        "metrics": {t.name: result["metrics"][t.name] for t in group}})
        if cfg.baseline.compare:
            metrics, t_fit, t_inf = _forest_metrics(cfg, data, features,
                                                    np.union1d(split.train, calib_idx), test_idx)
            result["baseline"] = {"model": "random_forest", "metrics": metrics,
                                  "train_seconds": t_fit, "inference_seconds": t_inf}
    write_json(done, result)
    return result


def save_model(path: Path, model: torch.nn.Module, cfg: TrainingConfig, data: RunData,
               training: dict, tags: dict | None = None) -> None:
    """Save a checkpoint recording everything ``live`` needs to preprocess a stream.

    ``tags`` are facts for choosing a model live (:attr:`CheckpointMeta.tags`).
    """
    meta = CheckpointMeta(
        model=cfg.model.name, hparams=model.hparams(), signal=data.contract,
        targets=list(model.targets),
        training={"config": cfg.to_dict(), "data": str(data.path), **training},
        synthetic=data.synthetic, tags=dict(tags or {}))
    save_checkpoint(path, model.to("cpu"), meta)


def train_final(cfg: TrainingConfig, data: RunData, opts: RunOptions, device: torch.device,
                summary: dict) -> list[Path]:
    """Train on all data (inner validation split for early stopping) and save model.pt.

    The final model is always ONE network with a head per target, even when the
    folds trained one model per target (the paper's set-up): the live app shows
    all targets of one model. Its checkpoint says how the folds were trained.
    """
    path = opts.out / "model.pt"
    if path.is_file():
        log.info("%s exists, skipping the final model", path)
        return [path]
    all_idx = np.arange(len(data.trial_id))
    fit_idx, val_idx = sp.inner_validation_split(
        all_idx, _val_groups(cfg, data, all_idx), cfg.train.val_fraction, cfg.train.seed,
        trial_id=data.trial_id)
    targets = list(data.targets)
    model, info = _train_network(cfg, data, targets, fit_idx, val_idx, device, opts.progress,
                                 "final")
    save_model(path, model, cfg, data, {
        "split": "all data", "best_epoch": info["best_epoch"],
        "train_seconds": info["train_seconds"],
        "cv_summary": {t.name: {k: summary[t.name][k] for k in
                                ("accuracy", "balanced_accuracy", "macro_f1")}
                       for t in targets},
        "cv_split_kind": SPLIT_KIND[cfg.protocol.name],
        "cv_models": "joint" if len(_target_groups(cfg, data)) == 1 else "one per target"})
    return [path]


def _differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for k in sorted(set(old) | set(new), key=str)
                for d in _differences(old.get(k), new.get(k), f"{prefix}{k}.")]
    return [] if old == new else [prefix.rstrip(".")]


def has_results(out: Path) -> bool:
    """Whether a run folder holds anything a rerun would resume from or a user would keep."""
    return (any((out / "folds").glob("*.json")) or (out / "model.pt").is_file()
            or (out / "metrics.json").is_file())


def _check_resume(out: Path, record: dict, *, write: bool) -> None:
    """Refuse to mix runs in one folder; record the run once its data loaded.

    A ``run.json`` with no results beside it (a run that failed before its first
    split finished) claims nothing: a corrected rerun replaces it.
    """
    run_file = out / "run.json"
    record = json.loads(json.dumps(record, default=str))
    if run_file.is_file():
        diff = _differences(json.loads(run_file.read_text()), record)
        if diff and has_results(out):
            raise ConfigError(f"{out} holds a run of a different config, data or options "
                              f"(differs in {', '.join(diff[:6])})",
                              "use a new --out folder, or delete the old one to start again")
        if diff and write:
            log.info("%s: replacing the run.json of a run that finished nothing (it differed "
                     "in %s)", out, ", ".join(diff[:6]))
            write_json(run_file, record)
    elif write:
        out.mkdir(parents=True, exist_ok=True)
        write_json(run_file, record)


def run_protocol(cfg: TrainingConfig, data_path: str | Path, opts: RunOptions,
                 data: RunData | None = None) -> dict:
    """Run one protocol end to end into ``opts.out``; return the run summary.

    Parameters
    ----------
    cfg : TrainingConfig
        Validated config (no sweep).
    data_path : str | Path
        Dataset folder.
    opts : RunOptions
        Output folder, device, channel restriction, progress.
    data : RunData | None
        Already prepared data (sweeps reuse it).

    Returns
    -------
    dict
        What :func:`eeg_emotion.offline.report.write_run_outputs` wrote to ``metrics.json``.
    """
    device = resolve_device(cfg.train.device if opts.device == "auto" else opts.device) \
        if cfg.model.name != "random_forest" else torch.device("cpu")
    config = cfg.to_dict()
    config["train"]["device"] = "(any: a run may resume on another device)"
    record = {"config": config, "data": str(Path(data_path).expanduser().resolve()),
              "channels": opts.channels}
    _check_resume(opts.out, record, write=False)
    if data is None:
        data = load_run_data(cfg, data_path, channels=opts.channels, cache_dir=opts.cache_dir,
                             progress=opts.progress)
    features = None
    if cfg.model.name == "random_forest" or cfg.baseline.compare:
        features = data.X if data.features_only else band_features(
            data.X, data.sfreq, cfg.baseline.features)
    splits = make_splits(cfg, data)
    _check_resume(opts.out, record, write=True)
    folds = []
    shared: dict[tuple, tuple[dict, dict]] = {}
    for split in progress_over(splits, "splits", unit="split", enabled=opts.progress):
        try:
            pretrained = None
            if cfg.pretrain.enabled and cfg.pretrain.scope == "all_subjects" \
                    and not (opts.out / "folds" / f"{split.name}.json").is_file():
                key = _ordering(split)
                if key not in shared:
                    shared[key] = pretrain_shared(cfg, data, split, device, opts.progress)
                pretrained = shared[key]
            folds.append(run_split(cfg, data, split, opts, device, features, pretrained))
        except EEGEmotionError:
            raise
        except torch.cuda.OutOfMemoryError as exc:
            raise ConfigError(f"the GPU ran out of memory in {split.name}: {exc}",
                              "lower train.batch_size or use --device cpu") from exc
    summary = {t.name: summarize_folds([f["metrics"][t.name] for f in folds])
               for t in data.targets}
    n_test = sum(f["n_test"] for f in folds)
    notes = list(data.notes)
    if cfg.pretrain.enabled:
        scope = ("once per session ordering on the windows of ALL subjects' training "
                 "sessions (Pang et al.'s setting), each subject then fine-tuned from it"
                 if cfg.pretrain.scope == "all_subjects" else "on each split's training "
                 "windows")
        notes.append(f"MSMAE pre-training {scope}"
                     + (", AND the test session's windows without labels (unlabelled target "
                        "data allowed)" if cfg.pretrain.use_unlabelled_target else
                        "; no test-session data, labelled or not"))
    if cfg.adapt.adversarial:
        notes.append("adversarial session alignment (gradient reversal + session "
                     "discriminator)" + (" with unlabelled test-session windows"
                                         if cfg.pretrain.use_unlabelled_target else ""))
    if cfg.adapt.calibration_trials:
        notes.append(f"few-shot calibration on {cfg.adapt.calibration_trials} labelled "
                     "test-session trial(s) per subject, removed from the test set")
    if not cfg.train.joint_targets and len(data.targets) > 1:
        notes.append("one model per target (cross-entropy of that target only); the final "
                     "model.pt for live use is one joint model with a head per target")
    elif len(data.targets) > 1:
        notes.append("one joint model, cross-entropy summed over targets")
    if data.synthetic:
        notes.append("the data are SYNTHETIC (written by `eeg-emotion synth`): figures say "
                     "nothing about real EEG")
    run = {
        "description": cfg.description, "protocol": cfg.protocol.name,
        "split_kind": SPLIT_KIND[cfg.protocol.name], "model": cfg.model.name,
        "hparams": dict(cfg.model.hparams), "n_folds": len(folds),
        "data": {"path": str(data.path), "kind": data.kind, "n_trials": data.n_trials,
                 "n_windows": len(data.trial_id), "window_s": data.window_s,
                 "n_channels": len(data.channels), "channels": list(data.channels),
                 "sfreq": data.sfreq, "synthetic": data.synthetic,
                 "subjects": len(np.unique(data.subject)),
                 "sessions": np.unique(data.session).tolist()},
        "targets": [t.to_dict() for t in data.targets],
        "class_names": {t.name: list(t.classes) for t in data.targets},
        "class_balance": data.class_balance(), "notes": notes, "folds": folds,
        "summary": summary,
        "timing": {"device": str(device),
                   "train_seconds_total": sum(f["train_seconds"] for f in folds),
                   "train_seconds_mean": float(np.mean([f["train_seconds"] for f in folds])),
                   "inference_ms_per_window": 1000.0 * sum(f["inference_seconds"]
                                                            for f in folds) / max(n_test, 1)},
        "paper": _paper(cfg), "config": cfg.to_dict(),
    }
    if cfg.baseline.compare:
        run["baseline_summary"] = {t.name: summarize_folds([f["baseline"]["metrics"][t.name]
                                                            for f in folds])
                                   for t in data.targets}
    if shared:
        run["shared_pretraining"] = {v[1]["ordering"]: {
            k: v[1][k] for k in ("best_epoch", "seconds", "n_windows")}
            for v in shared.values()}
    if cfg.train.final_model and cfg.model.name != "random_forest":
        run["final_models"] = [p.name for p in train_final(cfg, data, opts, device, summary)]
    write_run_outputs(opts.out, run)
    return run


def _paper(cfg: TrainingConfig) -> dict | None:
    return PAPER_FIGURES.get(cfg.protocol.paper)


def sweep_label(key: str, value: Any) -> str:
    """Folder/row name of one sweep value: ``kernel_length=33``."""
    return f"{key.split('.')[-1]}={value}"


def run_config(cfg: TrainingConfig, data_path: str | Path, opts: RunOptions) -> dict:
    """Run a config: one protocol, or one per ``[sweep]`` value (sub-folders + table).

    Returns
    -------
    dict
        The run summary, or ``{"sweep": key, "runs": {label: summary}}``.
    """
    # every network the run will build, checked before any data is loaded
    if not cfg.sweep.key:
        check_model_hparams(cfg, opts.channels)
        return run_protocol(cfg, data_path, opts)
    for value in cfg.sweep.values:
        check_model_hparams(apply_override(cfg, cfg.sweep.key, value), opts.channels,
                            f"sweep {sweep_label(cfg.sweep.key, value)}")
    runs: dict[str, dict] = {}
    data = None
    for value in cfg.sweep.values:
        sub = apply_override(cfg, cfg.sweep.key, value)
        label = sweep_label(cfg.sweep.key, value)
        if data is None and not cfg.sweep.key.startswith(("preprocess", "data", "protocol")):
            data = load_run_data(sub, data_path, channels=opts.channels,
                                 cache_dir=opts.cache_dir, progress=opts.progress)
        sub_opts = RunOptions(opts.out / label, opts.device, opts.channels, opts.progress,
                              opts.cache_dir)
        runs[label] = run_protocol(sub, data_path, sub_opts, data)
    paper = PAPER_FIGURES.get(cfg.protocol.paper)
    rows = [(label, r["summary"]) for label, r in runs.items()]
    (opts.out / "report.md").write_text(render_sweep_report(
        cfg.description or cfg.sweep.key, cfg.sweep.key, rows, paper))
    result = {"sweep": cfg.sweep.key, "runs": {k: v["summary"] for k, v in runs.items()},
              "paper": paper}
    write_json(opts.out / "metrics.json", result)
    return result
