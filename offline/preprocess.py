"""Trials -> model-ready windows, exactly as the live engine cuts them; cached on disk.

For every trial of a :class:`~eeg_emotion.offline.dataset.DatasetIndex`, in this order:

1. **Channels**: keep/reorder the channels named in ``settings.channels``
   (matched by name with :func:`eeg_emotion.montages.match_channels`).
2. **Baseline** (datasets with a pre-trial baseline, i.e. DEAP's first 3 s): with
   ``baseline="subtract_mean"`` the per-channel mean of the baseline is subtracted
   from the rest of the trial; in every case the baseline itself is then dropped.
3. **Causal filter**: the live engine's :class:`~eeg_emotion.filters.StreamingFilter`
   on the whole trial from a fresh state, exactly as
   :func:`eeg_emotion.filters.filter_offline` runs it and as a live stream starting
   at the trial's first sample would go through it. One filter is built per
   dataset and ``reset()`` before each trial.
4. **Discard**: the first ``discard_s`` seconds (the filter's start-up) go.
5. **Windows**: :func:`eeg_emotion.windows.sliding_windows` with ``window_s`` /
   ``hop_s``: window k ends at sample ``window + k * hop``, where the live engine
   cuts it. ``window_s=None`` makes the whole remaining trial one window (all
   trials must then have the same length).
6. **Standardise** (``standardize="window"``): each channel of each window is
   z-scored by that window's own mean and standard deviation, which the live
   engine can do too, and which never uses other (test) data.

Windows are written trial by trial into a memory-mapped ``.npy`` under the
cache folder (``cache_dir``, else ``$EEG_EMOTION_CACHE``, else
``$XDG_CACHE_HOME/eeg-emotion`` or ``~/.cache/eeg-emotion``), so memory stays
bounded by one trial. The cache entry is keyed by a hash of the settings and of
the data files (path, size, mtime), is built in a temporary folder and renamed
into place when complete, so an interrupted run never leaves a corrupt entry; a
second call with the same inputs reuses it. Entries are never deleted
automatically: remove the folder to reclaim the space.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from tqdm.auto import tqdm

from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.filters import FilterDesign, FilterSpec, StreamingFilter, filter_offline
from eeg_emotion.montages import match_channels
from eeg_emotion.offline.dataset import DatasetIndex
from eeg_emotion.windows import seconds_to_samples, sliding_windows, window_starts

log = logging.getLogger(__name__)

#: Bump when the preprocessing code changes what it writes, to invalidate caches.
CACHE_VERSION = 1


@dataclass(frozen=True)
class PreprocessSettings:
    """How trials become windows (stored with a model so live does the same).

    Parameters
    ----------
    filter : FilterSpec
        Causal band-pass (and notch) applied to each trial.
    window_s : float | None
        Window length in seconds; None = the whole trial after the baseline.
    hop_s : float | None
        Hop between window starts; None = ``window_s`` (no overlap).
    baseline : {"none", "subtract_mean"}
        Subtract the per-channel mean of the pre-trial baseline (DEAP) first.
    standardize : {"none", "window"}
        Per-channel z-score of each window by its own statistics.
    channels : tuple of str | None
        Channels to keep, in this order, matched by name; None keeps all.
    discard_s : float
        Seconds dropped at the start of each trial after filtering.
    """

    filter: FilterSpec = field(default_factory=FilterSpec)
    window_s: float | None = 4.0
    hop_s: float | None = None
    baseline: Literal["none", "subtract_mean"] = "none"
    standardize: Literal["none", "window"] = "window"
    channels: tuple[str, ...] | None = None
    discard_s: float = 0.0

    def __post_init__(self) -> None:
        if self.window_s is not None and not self.window_s > 0:
            raise ConfigError(f"window_s={self.window_s} must be positive",
                              "use e.g. 4.0, or leave it out for whole trials")
        if self.hop_s is not None and not self.hop_s > 0:
            raise ConfigError(f"hop_s={self.hop_s} must be positive", "use e.g. 2.0")
        if self.hop_s is not None and self.window_s is None:
            raise ConfigError("hop_s is set but window_s is not (whole-trial windows)",
                              "set window_s too, or drop hop_s")
        if self.baseline not in ("none", "subtract_mean"):
            raise ConfigError(f"baseline={self.baseline!r} is unknown",
                              "use 'none' or 'subtract_mean'")
        if self.standardize not in ("none", "window"):
            raise ConfigError(f"standardize={self.standardize!r} is unknown",
                              "use 'none' or 'window'")
        if not self.discard_s >= 0:
            raise ConfigError(f"discard_s={self.discard_s} must be >= 0", "use 0 or more")
        if self.channels is not None:
            if isinstance(self.channels, str) or not self.channels:
                raise ConfigError(f"channels={self.channels!r} must be a non-empty list "
                                  "of names", "e.g. channels = ['Fp1', 'Fp2', 'C3', 'C4']")
            object.__setattr__(self, "channels", tuple(self.channels))

    def to_dict(self) -> dict:
        """JSON-serialisable form (stored in checkpoints and cache keys)."""
        d = asdict(self)
        d["channels"] = list(self.channels) if self.channels is not None else None
        return d

    @classmethod
    def from_dict(cls, data: dict) -> PreprocessSettings:
        """Inverse of :meth:`to_dict`."""
        d = dict(data)
        if isinstance(d.get("filter"), dict):
            d["filter"] = FilterSpec.from_dict(d["filter"])
        if d.get("channels") is not None:
            d["channels"] = tuple(d["channels"])
        return cls(**d)


@dataclass
class WindowSet:
    """Windows of a whole dataset with their provenance and raw labels.

    Attributes
    ----------
    X : numpy.ndarray, shape (n_windows, n_channels, n_times), float32
        A read-only :class:`numpy.memmap` when it comes from the cache.
    trial_id : numpy.ndarray of int, shape (n_windows,)
        Position of the window's trial in ``index.trials``: unique per
        (subject, session, trial). Split on it (or subject/session), never on windows.
    subject : numpy.ndarray of str, shape (n_windows,)
    session : numpy.ndarray of int, shape (n_windows,)
    labels : dict of str to numpy.ndarray
        Raw labels (ratings or class indices) per window, per key.
    channels : list of str
    sfreq : float
    settings : PreprocessSettings
    start : numpy.ndarray of int, shape (n_windows,)
        First sample of each window, counted from the end of the baseline.
    """

    X: np.ndarray
    trial_id: np.ndarray
    subject: np.ndarray
    session: np.ndarray
    labels: dict[str, np.ndarray]
    channels: list[str]
    sfreq: float
    settings: PreprocessSettings
    start: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.X.shape[0])


def default_cache_dir() -> Path:
    """``$EEG_EMOTION_CACHE`` if set, else ``$XDG_CACHE_HOME/eeg-emotion`` or
    ``~/.cache/eeg-emotion``."""
    env = os.environ.get("EEG_EMOTION_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "eeg-emotion"


@dataclass(frozen=True)
class _Plan:
    """Sample counts shared by every trial."""

    channel_idx: np.ndarray
    channels: list[str]
    n_baseline: int
    n_discard: int
    window: int
    hop: int
    n_windows: np.ndarray  # per trial


def _plan(index: DatasetIndex, settings: PreprocessSettings) -> _Plan:
    sfreq = index.sfreq
    if settings.channels is not None:
        idx = match_channels(index.channels, settings.channels,
                             source=f"the {index.kind} dataset at {index.root}")
        channels = list(settings.channels)
    else:
        idx = np.arange(len(index.channels))
        channels = list(index.channels)
    if settings.baseline == "subtract_mean" and index.baseline_s <= 0:
        raise ConfigError(
            f"baseline='subtract_mean' needs a pre-trial baseline, but {index.kind} "
            "trials have none", "use baseline = 'none' for this dataset")
    if not index.trials:
        raise DataFormatError(f"the {index.kind} dataset at {index.root} has no trials",
                              "check the dataset folder")
    n_base = round(index.baseline_s * sfreq)
    n_disc = round(settings.discard_s * sfreq)
    lengths = []
    for ref in index.trials:
        n = ref.n_times if ref.n_times is not None else index.load(ref).shape[1]
        lengths.append(n - n_base - n_disc)
    lengths = np.asarray(lengths)
    if settings.window_s is None:
        if len(set(lengths.tolist())) != 1:
            raise ConfigError(
                f"whole-trial windows need trials of equal length, but the {index.kind} "
                f"trials have {len(set(lengths.tolist()))} different lengths "
                f"({lengths.min() / sfreq:.2f}-{lengths.max() / sfreq:.2f} s after the "
                "baseline and discard)", "set window_s (e.g. 4.0) to cut fixed windows")
        window = hop = int(lengths[0])
    else:
        window = seconds_to_samples(settings.window_s, sfreq)
        hop = seconds_to_samples(settings.hop_s or settings.window_s, sfreq)
    n_windows = np.array([len(window_starts(int(n), window, hop)) if n > 0 else 0
                          for n in lengths])
    short = np.flatnonzero(n_windows == 0)
    if short.size:
        ref = index.trials[short[0]]
        raise ConfigError(
            f"{short.size} trial(s) are shorter than one {window / sfreq:g}-s window after "
            f"the baseline and discard (e.g. subject {ref.subject} session {ref.session} "
            f"trial {ref.trial}: {lengths[short[0]] / sfreq:.2f} s)",
            "use a shorter window_s or discard_s")
    return _Plan(channel_idx=idx, channels=channels, n_baseline=n_base, n_discard=n_disc,
                 window=window, hop=hop, n_windows=n_windows)


def process_trial(trial: np.ndarray, design: FilterDesign | StreamingFilter,
                  settings: PreprocessSettings, n_baseline: int, window: int, hop: int
                  ) -> np.ndarray:
    """Baseline, filter, discard, window and standardise ONE trial.

    Parameters
    ----------
    trial : numpy.ndarray, shape (n_channels, n_times)
        The trial with its baseline (if any), channels already selected.
    design : FilterDesign | StreamingFilter
        ``settings.filter`` designed at the trial's sampling rate
        (:func:`~eeg_emotion.filters.filter_offline` runs it), or a streaming
        filter of it that is reset and run (same output, no set-up cost).
    settings : PreprocessSettings
        What to do.
    n_baseline : int
        Samples of pre-trial baseline at the start.
    window, hop : int
        Window and hop in samples.

    Returns
    -------
    numpy.ndarray, shape (n_windows, n_channels, window), float32
    """
    x = np.asarray(trial, dtype=np.float64)
    if n_baseline:
        base, x = x[:, :n_baseline], x[:, n_baseline:]
        if settings.baseline == "subtract_mean":
            x = x - base.mean(axis=1, keepdims=True)
    if isinstance(design, StreamingFilter):
        design.reset()
        y = design.process(x)
        sfreq = design.design.sfreq
    else:
        y = filter_offline(x, design)
        sfreq = design.sfreq
    n_disc = round(settings.discard_s * sfreq)
    y = y[:, n_disc:]
    w = sliding_windows(y, window, hop)  # (n_windows, n_channels, window) view
    if settings.standardize == "window":
        mean = w.mean(axis=-1, keepdims=True)
        std = w.std(axis=-1, keepdims=True)
        out = (w - mean) / np.where(std > 1e-12, std, 1.0)
    else:
        out = w
    return out.astype(np.float32)


def _file_stamps(index: DatasetIndex) -> list[list]:
    stamps = {}
    for ref in index.trials:
        if ref.file not in stamps:
            try:
                st = Path(ref.file).stat()
            except OSError as exc:
                raise DataFormatError(f"cannot read {ref.file}: {exc.strerror}",
                                      "check the dataset folder") from exc
            stamps[ref.file] = [str(Path(ref.file).resolve()), st.st_size, st.st_mtime_ns]
    return list(stamps.values())


def cache_key(index: DatasetIndex, settings: PreprocessSettings) -> str:
    """Hash of everything the windows depend on: settings, dataset, file stamps.

    Parameters
    ----------
    index : DatasetIndex
    settings : PreprocessSettings

    Returns
    -------
    str
        Hex SHA-256 digest.
    """
    content = {
        "version": CACHE_VERSION,
        "settings": settings.to_dict(),
        "kind": index.kind, "sfreq": index.sfreq, "channels": index.channels,
        "baseline_s": index.baseline_s,
        "trials": [[str(t.file), t.key, t.subject, t.session, t.trial, t.labels, t.n_times]
                   for t in index.trials],
        "files": _file_stamps(index),
    }
    blob = json.dumps(content, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


#: Temporary folders of interrupted runs older than this are removed (seconds).
STALE_TMP_S = 24 * 3600.0


def _sweep_stale(root: Path) -> None:
    """Remove temporary folders left by runs killed a day or more ago."""
    now = time.time()
    for tmp in root.glob(".tmp-windows-*"):
        try:
            if now - tmp.stat().st_mtime > STALE_TMP_S:
                shutil.rmtree(tmp, ignore_errors=True)
                log.info("removed %s, left by an interrupted run", tmp)
        except OSError:
            continue


def _load_entry(folder: Path, settings: PreprocessSettings, sfreq: float) -> WindowSet:
    with np.load(folder / "meta.npz") as npz:
        meta = {k: npz[k] for k in npz.files}
    info = json.loads((folder / "info.json").read_text())
    labels = {k[len("label_"):]: v for k, v in meta.items() if k.startswith("label_")}
    return WindowSet(X=np.load(folder / "X.npy", mmap_mode="r"), trial_id=meta["trial_id"],
                     subject=meta["subject"], session=meta["session"], labels=labels,
                     channels=info["channels"], sfreq=sfreq, settings=settings,
                     start=meta["start"])


def prepare_windows(index: DatasetIndex, settings: PreprocessSettings,
                    cache_dir: Path | None = None, progress: bool = True,
                    cache: bool = True) -> WindowSet:
    """Cut every trial of a dataset into preprocessed windows (cached).

    Parameters
    ----------
    index : DatasetIndex
        The dataset (from :func:`eeg_emotion.offline.dataset.open_dataset`).
    settings : PreprocessSettings
        Filter, windows, baseline, standardisation, channels.
    cache_dir : pathlib.Path | None
        Cache folder; None uses :func:`default_cache_dir`.
    progress : bool
        Show a tqdm progress bar over trials.
    cache : bool
        False computes in memory and writes nothing.

    Returns
    -------
    WindowSet
        ``X`` is a read-only memory map when cached.

    Raises
    ------
    ConfigError
        If the settings do not fit the data (channels missing, trials shorter
        than a window, ragged whole trials, baseline without baseline).
    DataFormatError
        If a file cannot be read.
    """
    plan = _plan(index, settings)
    streaming = StreamingFilter(settings.filter.design(index.sfreq), len(plan.channels))
    entry = None
    if cache:
        root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        key = cache_key(index, settings)
        entry = root / f"windows-{index.kind}-{key[:24]}"
        if (entry / "info.json").is_file():
            expected = (int(plan.n_windows.sum()), len(plan.channels), plan.window)
            try:
                ws = _load_entry(entry, settings, index.sfreq)
                if ws.X.shape == expected and len(ws.trial_id) == expected[0]:
                    log.info("reusing cached windows %s", entry)
                    return ws
                problem = f"shape {ws.X.shape} instead of {expected}"
            except (OSError, ValueError, KeyError, EOFError) as exc:
                problem = str(exc)
            log.warning("cache entry %s is damaged (%s); rebuilding it", entry, problem)
            shutil.rmtree(entry, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
        _sweep_stale(root)
    total = int(plan.n_windows.sum())
    shape = (total, len(plan.channels), plan.window)
    log.info("preprocessing %s into %d windows of %s", index.describe(), total, shape[1:])
    tmp = None
    if entry is not None:
        tmp = entry.parent / f".tmp-{entry.name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        X = np.lib.format.open_memmap(tmp / "X.npy", mode="w+", dtype=np.float32, shape=shape)
    else:
        X = np.empty(shape, dtype=np.float32)
    try:
        pos = 0
        starts = []
        for ref, n_win in zip(tqdm(index.trials, desc=f"preprocessing {index.kind}",
                                   unit="trial", disable=not progress),
                              plan.n_windows, strict=True):
            data = index.load(ref)[plan.channel_idx]
            w = process_trial(data, streaming, settings, plan.n_baseline, plan.window,
                              plan.hop)
            if w.shape[0] != n_win:  # the file changed after indexing
                raise DataFormatError(
                    f"{ref.file} trial {ref.key} gave {w.shape[0]} windows, expected {n_win}",
                    "the file changed after indexing; open the dataset again")
            X[pos:pos + n_win] = w
            starts.append(np.arange(n_win) * plan.hop)
            pos += n_win
        counts = plan.n_windows
        trial_id = np.repeat(np.arange(len(index.trials)), counts)
        subject = np.repeat(np.array([t.subject for t in index.trials]), counts)
        session = np.repeat(np.array([t.session for t in index.trials], dtype=np.int64),
                            counts)
        labels = {k: np.repeat(np.array([t.labels[k] for t in index.trials]), counts)
                  for k in index.label_keys()}
        start = np.concatenate(starts).astype(np.int64)
        if tmp is None:
            return WindowSet(X=X, trial_id=trial_id, subject=subject, session=session,
                             labels=labels, channels=plan.channels, sfreq=index.sfreq,
                             settings=settings, start=start)
        X.flush()
        del X
        np.savez(tmp / "meta.npz", trial_id=trial_id, subject=subject, session=session,
                 start=start, **{f"label_{k}": v for k, v in labels.items()})
        (tmp / "info.json").write_text(json.dumps({
            "channels": plan.channels, "settings": settings.to_dict(),
            "dataset": str(index.root), "kind": index.kind, "n_windows": total}, indent=1))
        try:
            tmp.rename(entry)
        except OSError:  # another process finished the same entry first
            if not (entry / "info.json").is_file():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return _load_entry(entry, settings, index.sfreq)
