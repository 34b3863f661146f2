"""A personal model from one's own calibration: candidates, block-grouped choice, saving.

After ``eeg-emotion calibrate`` (or with ``calibrate --train DIR``), the rated
blocks of the calibration folder (:mod:`eeg_emotion.offline.datasets.calibration_folders`)
train a personal model:

1. **Targets**: valence, arousal and dominance, binary at 5 (DEAP's rule: a rating
   above 5 is high). A target whose ratings give fewer than two blocks of each
   class is left out, and the user is told.
2. **Candidates**, each with its own signal contract (windows cut exactly as live
   cuts them; personal contracts use a low-delay minimum-phase 4-45 Hz band-pass,
   :data:`LOW_DELAY_FILTER`, 42 ms of pass-band delay at 250 Hz, against
   ~0.8 s for the linear-phase default):

   * ``scalingnet``: a small ScalingNet from scratch, z-scored 4-s windows;
   * ``band-forest``: the Random Forest on band DE of the same windows (not
     z-scored), held as tensors (:class:`eeg_emotion.models.forest.BandForest`);
   * ``finetune:<file>``: a network in the models folder, fine-tuned: its encoder
     weights, fresh heads for these targets, windows at its rate and channels (the
     recording resampled by the live path's resampler; channels it has that the
     headset lacks are masked, for models that support missing channels).

3. **Choice by block-grouped validation**: folds over whole blocks (no block's
   windows on both sides; up to 5 folds), or leave-one-session-out once there are
   two sessions or more. The candidate with the best mean balanced accuracy on
   held-out blocks wins; its accuracy +- std over folds is shown beside the
   majority rate of the held-out blocks.
4. The winner is trained on every block (early stopping on held-out blocks) and
   saved to the models folder, tagged ``personal`` with the headset's montage and
   whether it beat the majority rate, so a plain ``eeg-emotion live`` picks it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from eeg_emotion.calibration_files import more_data_command, recorded_synthetic
from eeg_emotion.contract import SignalContract
from eeg_emotion.devices import resolve_device
from eeg_emotion.errors import ConfigError, EEGEmotionError
from eeg_emotion.models import build_model
from eeg_emotion.models.base import EmotionModel
from eeg_emotion.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from eeg_emotion.models.forest import BandForest
from eeg_emotion.montages import locate_channels, montage_label
from eeg_emotion.offline.datasets.readers import open_dataset
from eeg_emotion.offline.datasets.registry import DatasetIndex
from eeg_emotion.offline.preprocess import WindowSet, contract_for, prepare_windows
from eeg_emotion.offline.train_config import FilterSection, PreprocessSection, TrainSection
from eeg_emotion.offline.training import splits as sp
from eeg_emotion.offline.training.baselines import band_features, make_random_forest
from eeg_emotion.offline.training.metrics import classification_metrics
from eeg_emotion.offline.training.trainer import fit, predict, seed_everything
from eeg_emotion.progress import progress_over
from eeg_emotion.targets import Target, deap_targets

log = logging.getLogger(__name__)

#: The low-delay band-pass of personal models: minimum phase, same magnitude response as
#: the default 4-45 Hz FIR (pass-band group delay 42 ms at 250 Hz; checked <= 150 ms).
LOW_DELAY_FILTER = FilterSection(l_freq=4.0, h_freq=45.0, phase="minimum")
MAX_DELAY_S = 0.150
WINDOW_S, HOP_S = 4.0, 0.5
MAX_FOLDS = 5
#: fine-tune at most this many networks of the models folder (newest first)
MAX_PRETRAINED = 2
#: the least share of a pretrained network's channels the headset must have
MIN_PRETRAINED_COVERAGE = 0.5
TRAIN = TrainSection(epochs=30, batch_size=32, lr=1e-3, patience=6, device="auto",
                     val_fraction=0.2)


@dataclass
class Candidate:
    """One way to make the personal model.

    Attributes
    ----------
    name : str
        ``scalingnet``, ``band-forest`` or ``finetune:<file name>``.
    contract : SignalContract
        How its windows are cut (what live will do).
    build : callable
        ``build(targets) -> EmotionModel``: a fresh (or pre-trained) network.
    forest : bool
        A Random Forest (fitted, not trained by gradient).
    mask : numpy.ndarray of bool | None
        Present channels when the model's channels are not all on the headset.
    """

    name: str
    contract: SignalContract
    build: Callable[[list[Target]], EmotionModel] | None = None
    forest: bool = False
    mask: np.ndarray | None = None


@dataclass
class PersonalResult:
    """What :func:`train_personal` did.

    Attributes
    ----------
    path : pathlib.Path
        The saved personal model.
    chosen : str
        The winning candidate.
    held_out : dict
        Target -> {"accuracy", "std", "balanced_accuracy", "majority", "n_blocks"}.
    beats_majority : bool
        Whether the winner's held-out accuracy beat the majority rate on every target.
    scores : dict
        Candidate -> target -> held-out summary (every candidate).
    notes : list of str
        What the user should know (targets left out, validation used).
    more_data : str
        The command that records more rated blocks (told when the model is weak).
    synthetic : bool
        The calibration recorded synthetic data; the model is marked so.
    """

    path: Path
    chosen: str
    held_out: dict[str, dict[str, float]]
    beats_majority: bool
    scores: dict[str, dict[str, dict[str, float]]]
    notes: list[str] = field(default_factory=list)
    more_data: str = "eeg-emotion calibrate --stream OpenBCI"
    synthetic: bool = False

    def lines(self) -> list[str]:
        """The summary shown to the user, one line per target, then the verdict."""
        out = [f"{t} {h['accuracy']:.2f} ± {h['std']:.2f} on held-out blocks, majority "
               f"{h['majority']:.2f} (balanced accuracy {h['balanced_accuracy']:.2f}, "
               f"{h['n_blocks']} blocks)" for t, h in self.held_out.items()]
        verdict = ("it beats the majority rate" if self.beats_majority else
                   "it does NOT beat the majority rate on every target: saved, marked as such; "
                   f"record another session with `{self.more_data}`")
        return [*out, f"model: {self.chosen}; {verdict}; saved to {self.path}"]


class MaskedModel(nn.Module):
    """A network that always gets the same channel mask (absent headset channels)."""

    def __init__(self, model: EmotionModel, mask: np.ndarray) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("mask", torch.as_tensor(mask, dtype=torch.bool)[None],
                             persistent=False)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.model(x, channel_mask=self.mask.to(x.device))


def low_delay_contract(index: DatasetIndex, standardize: str) -> SignalContract:
    """The contract of a personal model from scratch on this recording."""
    section = PreprocessSection(filter=LOW_DELAY_FILTER, window_s=WINDOW_S, hop_s=HOP_S,
                                baseline="none", standardize=standardize)
    contract = contract_for(index, section)
    delay = contract.filter.design(contract.sfreq).group_delay_s
    if delay > MAX_DELAY_S:  # a rate so high the default length gets long: shorten it
        numtaps = int(2 * MAX_DELAY_S * contract.sfreq) | 1
        contract = dataclasses.replace(
            contract, filter=dataclasses.replace(contract.filter, numtaps=numtaps))
    return contract


def personal_targets(index: DatasetIndex) -> tuple[list[Target], list[str]]:
    """DEAP's three targets, keeping those whose blocks have >= 2 of each class."""
    kept, notes = [], []
    for t in deap_targets(("valence", "arousal", "dominance")):
        if any(t.label_key not in ref.labels for ref in index.trials):
            notes.append(f"{t.name}: not rated in every block, left out")
            continue
        classes = t.classify(np.array([ref.labels[t.label_key] for ref in index.trials]))
        counts = np.bincount(classes, minlength=2)
        if counts.min() < 2:
            notes.append(f"{t.name}: {counts[1]} block(s) rated above 5 and {counts[0]} at "
                         "or below: too few of one kind to learn from, left out (rate the "
                         "blocks as you feel them; another session with --add helps)")
            continue
        kept.append(t)
    if not kept:
        raise ConfigError("no target has at least two blocks rated above 5 and two at or "
                          "below: a model cannot learn the difference",
                          f"record another session with `{more_data_command(index.root)}` "
                          "and rate each block as you feel it")
    return kept, notes


def _scratch(contract: SignalContract) -> Candidate:
    kernel = max(9, int(0.13 * contract.sfreq) | 1)  # ~17 taps at 128 Hz

    def build(targets: list[Target]) -> EmotionModel:
        return build_model("scalingnet", len(contract.channels), contract.sfreq, targets,
                           kernel_length=kernel, n_levels=4, conv_filters=[8, 4],
                           dropout=0.25)
    return Candidate("scalingnet", contract, build)


def _pretrained(models_dir: Path | None, index: DatasetIndex) -> list[Candidate]:
    """Networks of the models folder that can be fine-tuned on this headset."""
    if models_dir is None or not Path(models_dir).is_dir():
        return []
    out = []
    paths = sorted(Path(models_dir).glob("**/*.pt"), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    for path in paths:
        try:
            loaded = load_checkpoint(path)
        except EEGEmotionError as exc:
            log.debug("%s is not a candidate: %s", path, exc)
            continue
        meta, model = loaded.meta, loaded.model
        if meta.tags.get("personal") or meta.signal.input != "raw" or \
                meta.model == "band-forest":
            continue
        present = locate_channels(index.channels, meta.channels) >= 0
        full = bool(present.all())
        if not full and (not model.supports_missing_channels
                         or present.mean() < MIN_PRETRAINED_COVERAGE):
            continue
        if index.sfreq / 2 < meta.signal.filter.h_freq:
            continue

        state = loaded.model.state_dict()

        def build(targets: list[Target], meta: CheckpointMeta = meta,
                  state: dict = state) -> EmotionModel:
            net = build_model(meta.model, len(meta.channels), meta.sfreq, targets,
                              **meta.hparams)
            own = net.state_dict()
            own.update({k: v for k, v in state.items()
                        if not k.startswith("heads.") and k in own
                        and own[k].shape == v.shape})
            net.load_state_dict(own)
            return net
        out.append(Candidate(f"finetune:{path.name}", meta.signal, build,
                             mask=None if full else present))
        if len(out) >= MAX_PRETRAINED:
            break
    return out


def candidates(index: DatasetIndex, models_dir: Path | None) -> list[Candidate]:
    """Every candidate for this calibration (see the module docstring)."""
    return [_scratch(low_delay_contract(index, "window")),
            Candidate("band-forest", low_delay_contract(index, "none"), forest=True),
            *_pretrained(models_dir, index)]


def _windows(index: DatasetIndex, cand: Candidate) -> WindowSet:
    return prepare_windows(index, cand.contract, progress=False, cache=False, resample=True,
                           missing_channels=cand.mask is not None)


def _folds(ws: WindowSet, seed: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
    """Block-grouped folds, or leave-one-session-out with two sessions or more."""
    sessions = np.unique(ws.session)
    if len(sessions) >= 2:
        return ([(np.flatnonzero(ws.session != s), np.flatnonzero(ws.session == s))
                 for s in sessions], "leave-one-session-out")
    blocks = np.unique(ws.trial_id)
    k = min(MAX_FOLDS, len(blocks))
    order = np.random.default_rng(seed).permutation(blocks)
    fold_of = {b: i % k for i, b in enumerate(order)}
    fold = np.array([fold_of[b] for b in ws.trial_id])
    return ([(np.flatnonzero(fold != i), np.flatnonzero(fold == i)) for i in range(k)],
            f"{k}-fold over blocks")


class _Trainer:
    """Fit one candidate on some windows and predict others."""

    def __init__(self, cand: Candidate, ws: WindowSet, targets: list[Target],
                 device: torch.device, seed: int) -> None:
        self.cand, self.ws, self.targets = cand, ws, targets
        self.device, self.seed = device, seed
        self.labels = {t.name: t.classify(ws.labels[t.label_key]) for t in targets}
        self.features = band_features(ws.X, ws.sfreq).reshape(len(ws), -1) \
            if cand.forest else None

    def fit(self, idx: np.ndarray, progress: bool = False) -> Any:
        """A fitted model (forests per target, or a network; ``progress``: its epochs)."""
        if self.cand.forest:
            return {t.name: make_random_forest(100, None, seed=self.seed).fit(
                self.features[idx], self.labels[t.name][idx]) for t in self.targets}
        seed_everything(self.seed)
        net = self.cand.build(self.targets)
        wrapped = MaskedModel(net, self.cand.mask) if self.cand.mask is not None else net
        fit_idx, val_idx = sp.inner_validation_split(idx, self.ws.trial_id, TRAIN.val_fraction,
                                                     self.seed, trial_id=self.ws.trial_id)
        fit(wrapped, self.ws.X, self.labels, fit_idx, val_idx, TRAIN, device=self.device,
            progress=progress, desc=f"{self.cand.name}, all blocks")
        return net

    def predict(self, fitted: Any, idx: np.ndarray) -> dict[str, np.ndarray]:
        """Class predictions per target."""
        if self.cand.forest:
            return {k: f.predict(self.features[idx]).astype(np.int64) for k, f in fitted.items()}
        wrapped = MaskedModel(fitted, self.cand.mask) if self.cand.mask is not None else fitted
        preds, _, _ = predict(wrapped, self.ws.X, idx, TRAIN.batch_size, self.device)
        return preds

    def to_model(self, fitted: Any) -> EmotionModel:
        """The fitted model as an :class:`EmotionModel` for the checkpoint."""
        if self.cand.forest:
            return BandForest.from_forests(fitted, len(self.ws.channels), self.ws.sfreq,
                                           self.targets)
        return fitted.to("cpu").eval()


def _summary(targets: list[Target], truth: dict[str, list[np.ndarray]],
             preds: dict[str, list[np.ndarray]], n_blocks: int) -> dict[str, dict[str, float]]:
    """Held-out scores pooled over folds (every block is held out once), with the std of
    the per-fold accuracy; the majority rate is that of all held-out windows."""
    out = {}
    for t in targets:
        pooled = classification_metrics(np.concatenate(truth[t.name]),
                                         np.concatenate(preds[t.name]), len(t.classes))
        per_fold = [float(np.mean(y == p)) for y, p in zip(truth[t.name], preds[t.name],
                                                             strict=True)]
        out[t.name] = {"accuracy": float(pooled["accuracy"]), "std": float(np.std(per_fold)),
                       "balanced_accuracy": float(pooled["balanced_accuracy"]),
                       "majority": float(pooled["majority_rate"]), "n_blocks": n_blocks}
    return out


def train_personal(data: str | Path, models_dir: Path, *, device: str = "auto",
                   seed: int = 0, pretrained_dir: Path | None = None,
                   progress: Callable[[str], None] | None = None) -> PersonalResult:
    """Choose, train and save the personal model of a calibration folder.

    Parameters
    ----------
    data : str | Path
        The calibration folder (or a rated ``live --record`` recording).
    models_dir : Path
        Where the personal model is saved (``live`` looks there).
    device : {"auto", "cpu", "cuda"}
    seed : int
        Seed of folds, forests and networks.
    pretrained_dir : Path | None
        Where to look for networks to fine-tune (default ``models_dir``).
    progress : callable | None
        Told what happens, one line at a time (the CLI prints them); when given,
        progress over each candidate's folds (the time so far) and the final model's
        epochs also goes to stderr (:func:`eeg_emotion.progress.progress_over`: a bar
        on a terminal, plain lines in a log). None: silent.

    Returns
    -------
    PersonalResult
    """
    say = progress or (lambda text: log.info("%s", text))
    start = time.monotonic()
    index = open_dataset(data, "calibration")
    targets, notes = personal_targets(index)
    dev = resolve_device(device)
    n_blocks = len(index.trials)
    scores: dict[str, dict[str, dict[str, float]]] = {}
    trainers: dict[str, _Trainer] = {}
    how = ""
    cands = candidates(index, pretrained_dir or models_dir)
    for number, cand in enumerate(cands, start=1):
        label = f"{cand.name} (candidate {number}/{len(cands)})"
        say(f"{label}: cutting windows ({time.monotonic() - start:.0f} s so far)")
        ws = _windows(index, cand)
        trainer = _Trainer(cand, ws, targets, dev, seed)
        folds, how = _folds(ws, seed)
        truth: dict[str, list[np.ndarray]] = {t.name: [] for t in targets}
        held: dict[str, list[np.ndarray]] = {t.name: [] for t in targets}
        bar = progress_over(folds, label, unit="fold", enabled=progress is not None)
        for train_idx, test_idx in bar:
            preds = trainer.predict(trainer.fit(train_idx), test_idx)
            for t in targets:
                truth[t.name].append(trainer.labels[t.name][test_idx])
                held[t.name].append(preds[t.name])
            bar.set_postfix({"total": f"{time.monotonic() - start:.0f} s"})
        bar.close()
        scores[cand.name] = _summary(targets, truth, held, n_blocks)
        trainers[cand.name] = trainer
        say(f"{cand.name}: " + ", ".join(f"{t} {s['accuracy']:.2f} ± {s['std']:.2f}"
                                         for t, s in scores[cand.name].items())
            + f" on held-out blocks ({how})")
    chosen = max(scores, key=lambda c: np.mean([s["balanced_accuracy"]
                                                for s in scores[c].values()]))
    held_out = scores[chosen]
    beats = all(h["accuracy"] > h["majority"] for h in held_out.values())
    trainer = trainers[chosen]
    say(f"training {chosen} on all {n_blocks} blocks ({time.monotonic() - start:.0f} s so far)")
    model = trainer.to_model(trainer.fit(np.arange(len(trainer.ws)),
                                         progress=progress is not None))
    synthetic = recorded_synthetic(index.root)
    montage = montage_label(index.channels)
    meta = CheckpointMeta(
        model=model.name, hparams=model.hparams(), signal=trainer.cand.contract,
        targets=list(model.targets),
        training={"calibration": str(Path(index.root).resolve()), "blocks": n_blocks,
                  "sessions": sorted({t.session for t in index.trials}),
                  "validation": how, "chosen": chosen, "candidates": scores,
                  "notes": notes},
        synthetic=synthetic,
        tags={"personal": True, "montage": montage, "beats_majority": beats,
              "held_out": held_out, "candidate": chosen})
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(models_dir) / f"personal-{montage.replace(',', '-')[:40]}-{stamp}.pt"
    n = 1
    while path.exists():  # never overwrite an earlier personal model
        n += 1
        path = path.with_name(f"personal-{montage.replace(',', '-')[:40]}-{stamp}-{n}.pt")
    save_checkpoint(path, model, meta)
    notes.append(f"validation: {how}, {n_blocks} blocks")
    if synthetic:
        notes.append("the calibration recorded synthetic data (a replay of files written "
                     "by eeg-emotion synth, or BrainFlow's synthetic board): the model is "
                     "marked synthetic_model, a demonstration, not a model of you")
    say(f"trained in {time.monotonic() - start:.0f} s")
    return PersonalResult(path, chosen, held_out, beats, scores, notes,
                          more_data_command(index.root), synthetic)
