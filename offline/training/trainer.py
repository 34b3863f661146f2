"""The supervised training loop: Adam, cross-entropy, early stopping, timing.

Windows stay where they are (a memmap from ``eeg_emotion.offline.preprocess``): each batch
reads only its own rows, so the loop runs in bounded memory. Early stopping
watches the loss on an inner validation split taken from the training data
only (see :func:`eeg_emotion.offline.training.splits.inner_validation_split`), and the weights of
the best epoch are restored at the end.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from eeg_emotion.errors import ConfigError
from eeg_emotion.models.adaptation import domain_adversarial_loss
from eeg_emotion.offline.train_config import TrainSection
from eeg_emotion.offline.training import ddp
from eeg_emotion.offline.training.accelerator import autocast, pinned, tune_for_fixed_shapes
from eeg_emotion.offline.training.averaging import WeightAverage
from eeg_emotion.offline.training.epochs import run_epochs

log = logging.getLogger(__name__)


@dataclass
class AdversarialSpec:
    """Adversarial session alignment during :func:`fit`.

    Parameters
    ----------
    domain : numpy.ndarray of int64
        Session index (0..n_domains-1) of every sample.
    weight : float
        Weight of the discriminator loss (and of the reversed gradient).
    extra_idx : numpy.ndarray of int
        Unlabelled samples (e.g. the target session's windows) that enter only
        the discriminator loss; empty when unlabelled target data are not allowed.
    """

    domain: np.ndarray
    weight: float = 0.1
    extra_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class FitResult:
    """What :func:`fit` did."""

    history: list[dict[str, float]]
    best_epoch: int
    train_seconds: float
    stopped_early: bool
    n_fit: int
    n_val: int


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's generators (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - legacy global state some libraries read
    torch.manual_seed(seed)




def batches(idx: np.ndarray, batch_size: int, rng: np.random.Generator | None = None
            ) -> Iterator[np.ndarray]:
    """Yield sample indices in batches (shuffled when ``rng`` is given).

    Indices within a batch are sorted so memmap reads go forward through the file.
    """
    idx = np.asarray(idx)
    if rng is not None:
        idx = rng.permutation(idx)
    for start in range(0, len(idx), batch_size):
        yield np.sort(idx[start:start + batch_size])


def load_batch(X: np.ndarray, idx: np.ndarray, device: torch.device, pin: bool = False
               ) -> torch.Tensor:
    """Read rows ``idx`` of ``X`` (array or memmap) as a float32 tensor on ``device``.

    ``pin`` (CUDA): through page-locked memory, copied without waiting for the copy.
    """
    batch = torch.from_numpy(np.ascontiguousarray(X[idx], dtype=np.float32))
    if pin:
        return batch.pin_memory().to(device, non_blocking=True)
    return batch.to(device)


def forward(model: torch.nn.Module, x: torch.Tensor, features: bool = False,
            channel_mask: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Logits per target of a batch: signal windows, or band features (``features=True``).

    Parameters
    ----------
    model : EmotionModel
        With ``forward_features`` when ``features`` (msmae-cnn).
    x : Tensor
        (batch, channels, samples), or (batch, channels, bands) features.
    features : bool
        Whether ``x`` holds band features.
    channel_mask : Tensor | None
        (batch, channels) bool, False for hidden channels (models that take missing
        channels).
    """
    if not features:
        return model(x) if channel_mask is None else model(x, channel_mask)
    if not hasattr(model, "forward_features"):
        raise ConfigError(f"model {getattr(model, 'name', '?')!r} takes signal windows, not "
                          "band features", 'use msmae-cnn (or random_forest) with '
                          'data.input = "features"')
    return model.forward_features(x, channel_mask)


def _loss(out: Mapping[str, torch.Tensor], labels: Mapping[str, np.ndarray], idx: np.ndarray,
          device: torch.device, label_smoothing: float = 0.0) -> torch.Tensor:
    return sum(F.cross_entropy(logits, torch.from_numpy(labels[name][idx]).to(device),
                               label_smoothing=label_smoothing)
               for name, logits in out.items())


@torch.no_grad()
def evaluate_loss(model: torch.nn.Module, X: np.ndarray, labels: Mapping[str, np.ndarray],
                  idx: np.ndarray, batch_size: int, device: torch.device,
                  features: bool = False) -> tuple[float, float, float]:
    """Mean summed cross-entropy, mean accuracy and mean balanced accuracy over targets."""
    model.eval()
    total, n = 0.0, 0
    preds: dict[str, list[np.ndarray]] = {}
    seen: list[np.ndarray] = []
    for b in batches(idx, batch_size):
        out = forward(model, load_batch(X, b, device), features)
        total += float(_loss(out, labels, b, device)) * len(b)
        for k, o in out.items():
            preds.setdefault(k, []).append(o.argmax(1).cpu().numpy())
        seen.append(b)
        n += len(b)
    if not n:
        return 0.0, 0.0, 0.0
    order = np.concatenate(seen)
    accuracy, balanced = [], []
    for k, chunks in preds.items():
        pred, true = np.concatenate(chunks), labels[k][order]
        accuracy.append(float((pred == true).mean()))
        balanced.append(float(np.mean([(pred[true == c] == c).mean()
                                       for c in np.unique(true)])))
    return total / n, float(np.mean(accuracy)), float(np.mean(balanced))


class Augment:
    """Training-time augmentation of band-feature (or signal) batches, at the scale of
    the differences between trials (:class:`TrainSection` ``noise_std``, ``mixup_alpha``,
    ``channel_mask_ratio``).

    Parameters
    ----------
    settings : TrainSection
    X : numpy.ndarray
        All samples (the noise scale is each input's SD over up to 4,096 fit samples).
    fit_idx : numpy.ndarray
        Training samples.
    labels : dict
        Class index per target (mixup pairs share every target's class).
    device : torch.device
    seed : int
    """

    def __init__(self, settings: TrainSection, X: np.ndarray, fit_idx: np.ndarray,
                 labels: Mapping[str, np.ndarray], device: torch.device, seed: int) -> None:
        self.noise_std = settings.noise_std
        self.mixup_alpha = settings.mixup_alpha
        self.mask_ratio = settings.channel_mask_ratio
        self.gen = torch.Generator().manual_seed(seed)
        self.labels = labels
        self.scale = None
        if self.noise_std > 0:
            sample = np.sort(np.random.default_rng(seed).choice(
                fit_idx, size=min(len(fit_idx), 4096), replace=False))
            sd = np.asarray(X[sample], dtype=np.float64).std(axis=0)
            self.scale = torch.from_numpy(np.where(sd > 0, sd, 1.0).astype(np.float32)).to(device)

    @property
    def active(self) -> bool:
        return self.noise_std > 0 or self.mixup_alpha > 0 or self.mask_ratio > 0

    def __call__(self, x: torch.Tensor, b: np.ndarray) -> tuple[torch.Tensor,
                                                              torch.Tensor | None]:
        """The augmented batch and its channel mask (None: every channel present)."""
        if self.mixup_alpha > 0:
            key = np.zeros(len(b), np.int64)
            for lab in self.labels.values():
                key = key * 1000 + lab[b]
            partner = np.arange(len(b))
            rng = np.random.default_rng(int(torch.randint(2 ** 31, (1,), generator=self.gen)))
            for k in np.unique(key):
                same = np.flatnonzero(key == k)
                partner[same] = rng.permutation(same)
            lam = torch.distributions.Beta(self.mixup_alpha, self.mixup_alpha).sample(
                (len(b),)).to(x.device, x.dtype)
            lam = lam.view(-1, *([1] * (x.ndim - 1)))
            x = lam * x + (1 - lam) * x[torch.from_numpy(partner).to(x.device)]
        if self.noise_std > 0:
            noise = torch.randn(x.shape, generator=self.gen).to(x.device, x.dtype)
            x = x + self.noise_std * self.scale * noise
        mask = None
        if self.mask_ratio > 0:
            mask = (torch.rand(x.shape[:2], generator=self.gen) >= self.mask_ratio)
            mask[mask.sum(1) == 0, 0] = True  # never hide every channel
            mask = mask.to(x.device)
        return x, mask


def fit(model: torch.nn.Module, X: np.ndarray, labels: Mapping[str, np.ndarray],
        fit_idx: np.ndarray, val_idx: np.ndarray, settings: TrainSection, *,
        device: torch.device, progress: bool = True, desc: str = "epochs",
        adversarial: AdversarialSpec | None = None, epochs: int | None = None,
        features: bool = False) -> FitResult:
    """Train ``model`` in place with Adam and early stopping; restore the best weights.

    Parameters
    ----------
    model : EmotionModel
        The network; its ``targets`` name the entries of ``labels`` it is trained on
        (cross-entropy summed over them).
    X : numpy.ndarray, shape (n, C, T)
        Windows (array or memmap).
    labels : dict of str to numpy.ndarray of int64
        Class index of every sample, per target name.
    fit_idx, val_idx : numpy.ndarray of int
        Samples to train on and to early-stop on (val may be empty: then the last
        epoch is kept).
    settings : TrainSection
        epochs, batch_size, lr, weight_decay, patience, seed, max_seconds.
    device : torch.device
    progress : bool
        Show progress over epochs (a bar on a terminal, one line per epoch in a log).
    desc : str
        Label of the bar.
    adversarial : AdversarialSpec | None
        Add the session discriminator's loss through gradient reversal.
    epochs : int | None
        Overrides ``settings.epochs``.
    features : bool
        ``X`` holds band features (``model.forward_features``), not signal windows.

    Returns
    -------
    FitResult

    Notes
    -----
    Inside :func:`eeg_emotion.offline.training.ddp.trainings` every rank trains the
    model together (DistributedDataParallel, each rank its share of every epoch).
    ``settings.precision`` and ``settings.pin_memory``:
    :mod:`eeg_emotion.offline.training.accelerator`. With ``settings.average_decay`` the
    weights validated and kept are an average over steps
    (:mod:`eeg_emotion.offline.training.averaging`).
    """
    if len(fit_idx) == 0:
        raise ConfigError("no training samples in this split",
                          "use more data or fewer folds / a smaller validation fraction")
    model.to(device)
    tune_for_fixed_shapes(device)
    if settings.channel_mask_ratio > 0 and not getattr(model, "supports_missing_channels",
                                                       False):
        raise ConfigError(f"train.channel_mask_ratio needs a model that takes missing "
                          f"channels; {getattr(model, 'name', '?')!r} does not",
                          "drop train.channel_mask_ratio, or use msmae-cnn")
    opt = torch.optim.Adam(param_groups(model, settings.lr, settings.encoder_lr_scale),
                           lr=settings.lr, weight_decay=settings.weight_decay)
    augment = Augment(settings, X, fit_idx, labels, device, settings.seed)
    averaged = WeightAverage(model, settings.average_decay) if settings.average_decay else None
    rng = np.random.default_rng(settings.seed)
    pin = pinned(device, settings.pin_memory)
    sharded = ddp.sharded_batches(fit_idx, settings.batch_size, settings.seed)
    epoch_batches = sharded if sharded is not None else (
        lambda: batches(fit_idx, settings.batch_size, rng))
    val_share = ddp.share(val_idx)

    def step(net: torch.nn.Module, xb: torch.Tensor, b: np.ndarray) -> torch.Tensor:
        mask = None
        if augment.active:
            xb, mask = augment(xb, b)
        loss = _loss(forward(net, xb, features, mask), labels, b, device,
                     settings.label_smoothing)
        if adversarial is not None:
            loss = loss + _adversarial_loss(net, X, b, adversarial, rng, device, features)
        return loss

    def train_epoch() -> dict[str, float]:
        running, seen = torch.zeros((), dtype=torch.float64, device=device), 0  # no sync
        if averaged is not None:
            averaged.resume_training()
        for b in epoch_batches():
            if len(b) < 2 and len(fit_idx) > 1:
                continue  # a batch of one breaks batch norm
            xb = load_batch(X, b, device, pin)
            with autocast(device, settings.precision):
                loss = run_step(step, xb, b)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if averaged is not None:
                averaged.update()
            running += loss.detach().double() * len(b)
            seen += len(b)
        if averaged is not None:
            averaged.use_average()  # what validation scores and the best epoch keeps
        return {"train_loss": float(running) / max(seen, 1)}

    def validate() -> tuple[float, dict[str, float]]:
        with autocast(device, settings.precision):
            loss, accuracy, balanced = evaluate_loss(model, X, labels, val_share,
                                                     settings.batch_size, device, features)
        loss, accuracy, balanced = ddp.weighted_mean([loss, accuracy, balanced],
                                                     len(val_share))
        score = loss if settings.select_on == "loss" else -balanced + 1e-3 * min(loss, 100.0)
        return score, {"val_loss": loss, "val_accuracy": accuracy,
                       "val_balanced_accuracy": balanced}

    with ddp.step_runner(model) as run_step:
        res = run_epochs(model, settings.epochs if epochs is None else epochs, train_epoch,
                         validate if len(val_idx) else None, patience=settings.patience,
                         max_seconds=settings.max_seconds, progress=progress, desc=desc)
    log.info("%s: best epoch %d of %d in %.1f s", desc, res.best_epoch, len(res.history),
             res.seconds)
    return FitResult(res.history, res.best_epoch, res.seconds, res.stopped_early, len(fit_idx),
                     len(val_idx))


def param_groups(model: torch.nn.Module, lr: float, encoder_scale: float = 1.0) -> list[dict]:
    """Adam parameter groups: the heads at ``lr``, everything else at ``lr * encoder_scale``."""
    heads = getattr(model, "heads", None)
    head_ids = {id(p) for p in heads.parameters()} if heads is not None else set()
    head = [p for p in model.parameters() if id(p) in head_ids]
    rest = [p for p in model.parameters() if id(p) not in head_ids]
    return [g for g in ({"params": head, "lr": lr},
                        {"params": rest, "lr": lr * encoder_scale}) if g["params"]]


def _adversarial_loss(model: torch.nn.Module, X: np.ndarray, b: np.ndarray,
                      spec: AdversarialSpec, rng: np.random.Generator,
                      device: torch.device, features: bool) -> torch.Tensor:
    idx = b
    if len(spec.extra_idx):
        extra = np.sort(rng.choice(spec.extra_idx, size=min(len(b), len(spec.extra_idx)),
                                   replace=False))
        idx = np.concatenate([b, extra])
    dom = torch.from_numpy(np.asarray(spec.domain[idx], dtype=np.int64)).to(device)
    return spec.weight * domain_adversarial_loss(model, load_batch(X, idx, device), dom,
                                                 lambda_=1.0, features=features)


@torch.no_grad()
def predict(model: torch.nn.Module, X: np.ndarray, idx: np.ndarray, batch_size: int,
            device: torch.device, features: bool = False
            ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], float]:
    """Class predictions and probabilities on ``idx``, and the seconds it took.

    ``features=True``: ``X`` holds band features (``model.forward_features``).

    Returns
    -------
    preds : dict of str to numpy.ndarray of int64
    probs : dict of str to numpy.ndarray, shape (n, n_classes)
    seconds : float
        Wall time of inference (including reading the windows).
    """
    model.eval()
    model.to(device)
    idx = np.asarray(idx)
    order = np.argsort(idx, kind="stable")
    chunks: dict[str, list[np.ndarray]] = {}
    start = time.perf_counter()
    for b in batches(idx[order], batch_size):
        out = forward(model, load_batch(X, b, device), features)
        for name, logits in out.items():
            chunks.setdefault(name, []).append(torch.softmax(logits, 1).cpu().numpy())
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    probs = {k: np.concatenate(v)[inverse] for k, v in chunks.items()}
    preds = {k: v.argmax(1).astype(np.int64) for k, v in probs.items()}
    return preds, probs, seconds
