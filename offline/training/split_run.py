"""One split of a protocol: train, (pre-train, adapt,) score and save, resumably.

:func:`run_split` builds and trains the network of one outer split (an inner
validation split of its training data for early stopping; MSMAE pre-training, few-shot
adaptation and adversarial alignment when the config asks), scores it on the held-out
trials beside the Random Forest baseline, and writes ``folds/<split>.json`` (+ its
checkpoints). A split whose JSON exists is read back, not run again.
:func:`train_final` trains the one ``model.pt`` on all data that ``live`` loads.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from eeg_emotion.errors import ConfigError
from eeg_emotion.models import build_model
from eeg_emotion.models.adaptation import fewshot_adapt, fewshot_curve
from eeg_emotion.models.checkpoint import CheckpointMeta, save_checkpoint
from eeg_emotion.offline.train_config import TrainingConfig
from eeg_emotion.offline.training import splits as sp
from eeg_emotion.offline.training.averaging import average_states
from eeg_emotion.offline.training.baselines import fit_predict_baseline
from eeg_emotion.offline.training.metrics import classification_metrics
from eeg_emotion.offline.training.pretrain import pretrain
from eeg_emotion.offline.training.report import write_json
from eeg_emotion.offline.training.run_data import RunData
from eeg_emotion.offline.training.run_folder import RunOptions
from eeg_emotion.offline.training.trainer import (
    AdversarialSpec,
    fit,
    load_batch,
    predict,
    seed_everything,
)

log = logging.getLogger(__name__)

SPLIT_KIND = {"cross_subject": "cross-subject", "loso": "leave-one-subject-out",
              "subject_dependent": "subject-dependent", "trialwise": "trial-wise",
              "cross_session": "cross-session"}


def check_split(split: sp.Split, data: RunData) -> None:
    """Refuse a split that leaks: shared trials always, shared subjects for cross-subject
    kinds, shared (subject, session) for cross-session.

    Raises
    ------
    eeg_emotion.offline.training.splits.LeakageError
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


def _fewshot_split(cfg: TrainingConfig, data: RunData, test: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """k labelled trials per subject of the test set for few-shot adaptation, removed from test."""
    k = cfg.adapt.fewshot_trials
    if k == 0:
        return np.zeros(0, np.int64), test
    rng = np.random.default_rng(cfg.train.seed)
    chosen = []
    for s in np.unique(data.subject[test]):
        trials = np.unique(data.trial_id[test][data.subject[test] == s])
        if len(trials) <= k:
            raise ConfigError(f"adapt.fewshot_trials = {k} leaves no test trials of "
                              f"subject {s} ({len(trials)} in the test session)",
                              "use fewer few-shot trials")
        chosen.extend(rng.choice(trials, k, replace=False).tolist())
    is_cal = np.isin(data.trial_id[test], chosen)
    sp.assert_no_leakage(test[is_cal], test[~is_cal], data.trial_id, what="few-shot split")
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
                   fewshot_idx: np.ndarray | None = None,
                   pretrained: dict[str, torch.Tensor] | None = None
                   ) -> tuple[torch.nn.Module, dict]:
    """Build, (pre-)train, fine-tune and optionally adapt one network (few-shot).

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
                                    desc=f"{desc} pre-train", features=features,
                                    precision=cfg.train.precision,
                                    pin_memory=cfg.train.pin_memory)
        info["pretrain_idx"] = pre_idx
    labels = {t.name: data.labels[t.name] for t in group}
    info.update(_fine_tune(cfg, data, model, labels, fit_idx, val_idx, device, progress, desc,
                           adversarial))
    if fewshot_idx is not None and len(fewshot_idx):
        info["fewshot"] = _fewshot_adapt(cfg, data, model, group, fewshot_idx, device)
    return model, info


def _fine_tune(cfg: TrainingConfig, data: RunData, model: torch.nn.Module,
               labels: dict[str, np.ndarray], fit_idx: np.ndarray, val_idx: np.ndarray,
               device: torch.device, progress: bool, desc: str,
               adversarial: AdversarialSpec | None) -> dict[str, Any]:
    """Fine-tune ``model`` in place, once or as a soup of ``train.soup`` copies.

    Every copy starts from the model's current weights (pre-trained encoder, heads
    seeded alike). The first is early-stopped on the run's inner split; copy k on
    its own held-out trials of the same training data (seed + k), with its own batch
    order. The kept weights are the copies' average: the epoch each copy stops at,
    and the trials it learns, swing with a handful of held-out trials, and averaging
    smooths that out. Test trials are never used. Returns what the run records.
    """
    start = {k: v.detach().clone() for k, v in model.state_dict().items()}
    pool = np.union1d(fit_idx, val_idx)
    members, states, seconds = [], [], 0.0
    for k in range(cfg.train.soup):
        if k:
            fit_idx, val_idx = sp.inner_validation_split(
                pool, _val_groups(cfg, data, pool), cfg.train.val_fraction,
                cfg.train.seed + k, trial_id=data.trial_id)
            model.load_state_dict(start)
        res = fit(model, data.X, labels, fit_idx, val_idx,
                  dataclasses.replace(cfg.train, seed=cfg.train.seed + k), device=device,
                  progress=progress, desc=desc if not k else f"{desc} soup {k + 1}",
                  adversarial=adversarial, features=data.features_only)
        seconds += res.train_seconds
        if not k:
            info: dict[str, Any] = {"history": res.history, "best_epoch": res.best_epoch,
                                    "stopped_early": res.stopped_early}
        if cfg.train.soup > 1:
            states.append({n: v.detach().clone() for n, v in model.state_dict().items()})
            members.append({"best_epoch": res.best_epoch, "val": _trials(data, val_idx)})
    if states:
        model.load_state_dict(average_states(states))
        info["soup"] = members
    info["train_seconds"] = seconds
    return info


def _fewshot_adapt(cfg: TrainingConfig, data: RunData, model: torch.nn.Module, group: list,
                   fewshot_idx: np.ndarray, device: torch.device) -> dict:
    """Few-shot adaptation that can only help: its length chosen on left-out trials.

    The few-shot trials are cut into folds, fold j holding each subject's j-th trial.
    For each fold the model adapts on the other trials and is scored on the left-out
    ones after 0..``adapt.fewshot_steps`` steps. Among the steps that leave no left-out
    trial below the unadapted model's accuracy, the one with the best mean held-out
    accuracy (then loss) is kept. When no step beats step 0, the unadapted model,
    nothing is adapted (the model falls back to what training made). Otherwise the
    model adapts on every few-shot trial for that many steps. Test trials are never
    used. ``adapt.fewshot_params`` ("heads" or "all"), ``fewshot_lr`` and
    ``fewshot_shrinkage`` (an L2 pull toward the trained weights) say how it adapts.
    """
    def batch(idx: np.ndarray) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        idx = np.sort(idx)
        return load_batch(data.X, idx, device), {
            t.name: torch.from_numpy(data.labels[t.name][idx]).to(device) for t in group}

    a = cfg.adapt
    how = {"lr": a.fewshot_lr or cfg.train.lr, "features": data.features_only,
           "heads_only": a.fewshot_params == "heads", "shrinkage": a.fewshot_shrinkage}
    folds = _fewshot_folds(data, fewshot_idx, cfg.train.seed)
    info: dict[str, Any] = {"windows": len(fewshot_idx), "steps_max": a.fewshot_steps,
                            "params": a.fewshot_params, "folds": len(folds)}
    if not folds:  # one few-shot trial per subject: nothing to hold out, so no adaptation
        info.update(steps=0, fell_back=True, reason="one few-shot trial: none to hold out")
        return info
    losses, accs = [], []
    for held in folds:
        is_val = np.isin(data.trial_id[fewshot_idx], held)
        loss, acc = fewshot_curve(model, *batch(fewshot_idx[~is_val]),
                                  *batch(fewshot_idx[is_val]), a.fewshot_steps, **how)
        losses.append(loss)
        accs.append(acc)
    loss, acc = np.mean(losses, axis=0), np.mean(accs, axis=0)
    score = acc - 1e-3 * np.minimum(loss, 100.0)
    # a step is a candidate only if no left-out trial scores below the unadapted model
    harmless = (np.array(accs) >= np.array(accs)[:, :1]).all(axis=0)
    steps = int(np.argmax(np.where(harmless, score, -np.inf)))  # step 0 wins a tie
    info.update(steps=steps, fell_back=steps == 0,
                heldout_accuracy_before=float(acc[0]), heldout_accuracy_after=float(acc[steps]),
                heldout_loss_before=float(loss[0]), heldout_loss_after=float(loss[steps]))
    if steps:
        trained = fewshot_adapt(model, *batch(fewshot_idx), steps=steps, **how)
        info.update(loss_first=trained[0], loss_last=trained[-1])
    log.info("few-shot adaptation: %d step(s) (held-out accuracy %.3f -> %.3f over %d "
             "fold(s))%s", steps, acc[0], acc[steps], len(folds),
             "; the unadapted model is kept" if not steps else "")
    return info


def _fewshot_folds(data: RunData, fewshot_idx: np.ndarray, seed: int) -> list[list[int]]:
    """Folds of few-shot trials: fold j holds each subject's j-th trial (subjects with
    at least two); none when every subject has only one."""
    rng = np.random.default_rng(seed)
    per_subject = []
    for s in np.unique(data.subject[fewshot_idx]):
        trials = np.unique(data.trial_id[fewshot_idx][data.subject[fewshot_idx] == s])
        if len(trials) >= 2:
            per_subject.append(rng.permutation(trials).tolist())
    k = max((len(t) for t in per_subject), default=0)
    return [[t[j] for t in per_subject if j < len(t)] for j in range(k)]


def session_ordering(split: sp.Split) -> tuple[tuple[int, ...], int]:
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
    train_sessions, test_session = session_ordering(split)
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
                    features=data.features_only, precision=cfg.train.precision,
                    pin_memory=cfg.train.pin_memory)
    info["trials"] = np.unique(data.trial_id[pre_all]).tolist()
    info["ordering"] = tag
    state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
    return state, info


def _trials(data: RunData, idx: np.ndarray | None) -> list[int]:
    return [] if idx is None else np.unique(data.trial_id[idx]).tolist()


def _baseline_metrics(cfg: TrainingConfig, data: RunData, features: np.ndarray,
                      train_idx: np.ndarray, test_idx: np.ndarray, name: str = "random_forest"
                      ) -> tuple[dict, float, float]:
    """Metrics per target of baseline ``name`` on one split, and its fit / predict seconds."""
    metrics, t_fit, t_inf = {}, 0.0, 0.0
    for t in data.targets:
        pred, fs, ps = fit_predict_baseline(
            name, features, data.labels[t.name], train_idx, test_idx,
            n_estimators=cfg.baseline.n_estimators, max_depth=cfg.baseline.max_depth,
            logistic_c=cfg.baseline.logistic_c, seed=cfg.train.seed)
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
    pretrain, fewshot, test), so a run can be audited for leakage.
    """
    check_split(split, data)
    folds_dir = opts.out / "folds"
    done = folds_dir / f"{split.name}.json"
    if done.is_file():
        log.info("%s already done, skipping (%s)", split.name, done)
        return json.loads(done.read_text())
    folds_dir.mkdir(parents=True, exist_ok=True)
    fewshot_idx, test_idx = (_fewshot_split(cfg, data, split.test)
                           if cfg.protocol.name == "cross_session"
                           else (np.zeros(0, np.int64), split.test))
    result: dict[str, Any] = {"name": split.name, "kind": split.kind,
                              "description": split.description, "n_train": len(split.train),
                              "n_test": len(test_idx), "metrics": {}, "history": {},
                              "best_epoch": {}, "train_seconds": 0.0, "inference_seconds": 0.0,
                              "trials": {"test": _trials(data, test_idx),
                                         "fewshot": _trials(data, fewshot_idx)}}
    if cfg.model.name == "random_forest":
        train_idx = np.union1d(split.train, fewshot_idx)
        result["metrics"], result["train_seconds"], result["inference_seconds"] = \
            _baseline_metrics(cfg, data, features, train_idx, test_idx)
        result["trials"]["fit"] = _trials(data, train_idx)
    else:
        fit_idx, val_idx = sp.inner_validation_split(
            split.train, _val_groups(cfg, data, split.train), cfg.train.val_fraction,
            cfg.train.seed, trial_id=data.trial_id)
        adapt_idx = fewshot_idx
        if cfg.adapt.fewshot_mode == "train":  # few-shot trials train with the rest
            fit_idx, adapt_idx = np.union1d(fit_idx, fewshot_idx), None
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
                                         fewshot_idx=adapt_idx,
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
            if "soup" in info:
                result.setdefault("soup", {})[suffix.lstrip("_") or "joint"] = info["soup"]
            for key in ("pretrain", "fewshot"):
                if key in info:
                    result.setdefault(key, {})[suffix.lstrip("_") or "joint"] = {
                        k: v for k, v in info[key].items() if k != "history"}
            save_model(folds_dir / f"{split.name}{suffix}.pt", model, cfg, data,
                       {"split": split.name, "split_kind": split.kind,
                        "held_out": split.description,
                        "metrics": {t.name: result["metrics"][t.name] for t in group}})
        if cfg.baseline.compare:
            result["baselines"] = {}
            for name in cfg.baseline.models:
                metrics, t_fit, t_inf = _baseline_metrics(
                    cfg, data, features, np.union1d(split.train, fewshot_idx), test_idx, name)
                result["baselines"][name] = {"metrics": metrics, "train_seconds": t_fit,
                                             "inference_seconds": t_inf}
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

