"""Trials -> model-ready windows, exactly as the live engine cuts them; cached on disk.

For every trial of a :class:`~eeg_emotion.offline.datasets.registry.DatasetIndex`, in this order:

The :class:`~eeg_emotion.contract.SignalContract` (built by :func:`contract_for`
from the config's ``[preprocess]`` table and the dataset, then stored in the
checkpoint) says what to do:

1. **Channels**: keep/reorder the contract's channels
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
   cuts it. A config without ``window_s`` makes the whole remaining trial one
   window (all trials must then have the same length); the contract records that
   length.
6. **Standardise** (``standardize="window"``):
   :func:`eeg_emotion.contract.standardize_windows`, the function the live engine
   calls too.

Windows are written trial by trial into a memory-mapped ``.npy`` under the
cache folder (``cache_dir``, else ``$EEG_EMOTION_CACHE``, else
``$XDG_CACHE_HOME/eeg-emotion`` or ``~/.cache/eeg-emotion``), so memory stays
bounded by one trial. The cache entry is keyed by a hash of the contract and of
the data files (path, size, mtime), is built in a temporary folder and renamed
into place when complete, so an interrupted run never leaves a corrupt entry; a
second call with the same inputs reuses it. Entries are never deleted
automatically: remove the folder to reclaim the space.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eeg_emotion.cache_folder import cache_dir as default_cache_dir
from eeg_emotion.cache_folder import check_cache_writable
from eeg_emotion.contract import ContractView, SignalContract
from eeg_emotion.errors import ConfigError, DataFormatError, MontageError
from eeg_emotion.filters import FilterDesign, StreamingFilter, filter_offline
from eeg_emotion.montages import locate_channels, match_channels
from eeg_emotion.offline.datasets.readers import kind_fix
from eeg_emotion.offline.datasets.registry import DatasetIndex
from eeg_emotion.offline.train_config import PreprocessSection
from eeg_emotion.progress import progress_over
from eeg_emotion.resampler import StreamResampler
from eeg_emotion.windows import sliding_windows, window_starts

log = logging.getLogger(__name__)

#: Bump when the preprocessing code changes what it writes, to invalidate caches.
CACHE_VERSION = 2


@dataclass
class WindowSet(ContractView):
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
    contract : SignalContract
        What the windows are (channels, rate, filter, window, standardisation).
    start : numpy.ndarray of int, shape (n_windows,)
        First sample of each window, counted from the end of the baseline.
    """

    X: np.ndarray
    trial_id: np.ndarray
    subject: np.ndarray
    session: np.ndarray
    labels: dict[str, np.ndarray]
    contract: SignalContract
    start: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.X.shape[0])


def _trial_lengths(index: DatasetIndex, n_skip: int,
                   resampler: StreamResampler | None = None) -> np.ndarray:
    """Samples of every trial after its baseline and the discarded start-up (at the
    resampled rate when a resampler is given)."""
    if not index.trials:
        raise DataFormatError(f"the {index.kind} dataset at {index.root} has no trials",
                              "check the dataset folder")
    n = [ref.n_times if ref.n_times is not None else index.load(ref).shape[1]
         for ref in index.trials]
    if resampler is not None:
        n = [resampler.output_length(k) for k in n]
    return np.asarray(n) - n_skip


def contract_for(index: DatasetIndex, section: PreprocessSection,
                 channels: Sequence[str] | None = None) -> SignalContract:
    """The signal contract of a config's ``[preprocess]`` table on a dataset.

    Parameters
    ----------
    index : DatasetIndex
        The dataset (its rate, channel names and trial lengths).
    section : PreprocessSection
        The config's preprocessing (filter, window, hop, baseline, standardise,
        channels, discard); the one place its defaults live.
    channels : sequence of str | None
        Overrides ``section.channels`` (``--channels``); None: the section's, or
        every channel of the dataset.

    Returns
    -------
    SignalContract
        With concrete channels, rate and window: a config without ``window_s``
        (whole trials) gets the trials' common length.

    Raises
    ------
    ConfigError
        Channels the dataset lacks, a baseline step on data without a baseline,
        whole-trial windows over trials of different lengths.
    """
    wanted = channels if channels is not None else section.channels
    source = f"the {index.kind} dataset at {index.root}"
    if wanted is not None:
        match_channels(index.channels, list(wanted), source=source,
                       fix=f"choose --channels (or preprocess.channels) among the "
                           f"{index.kind} dataset's: {','.join(index.channels)}")
        names = tuple(wanted)
    else:
        names = tuple(index.channels)
    if section.baseline == "subtract_mean" and index.baseline_s <= 0:
        fix = "set preprocess.baseline = \"none\" in the config for this dataset"
        if index.kind == "calibration":
            fix = kind_fix(Path(index.root), "calibration")
        raise ConfigError(
            f"baseline='subtract_mean' needs a pre-trial baseline, but {index.kind} "
            "trials have none", fix)
    sfreq = float(index.sfreq)
    if section.window_s is None:
        lengths = _trial_lengths(index, round(index.baseline_s * sfreq)
                                 + round(section.discard_s * sfreq))
        if len(set(lengths.tolist())) != 1:
            raise ConfigError(
                f"whole-trial windows need trials of equal length, but the {index.kind} "
                f"trials have {len(set(lengths.tolist()))} different lengths "
                f"({lengths.min() / sfreq:.2f}-{lengths.max() / sfreq:.2f} s after the "
                "baseline and discard)", "set window_s (e.g. 4.0) to cut fixed windows")
        window_s = hop_s = int(lengths[0]) / sfreq
    else:
        window_s = section.window_s
        hop_s = section.hop_s if section.hop_s is not None else section.window_s
    return SignalContract(channels=names, sfreq=sfreq, units="microvolts",
                          filter=section.filter.spec(), window_s=float(window_s),
                          hop_s=float(hop_s), baseline=section.baseline,
                          standardize=section.standardize, input="raw",
                          discard_s=float(section.discard_s))


@dataclass(frozen=True)
class _Plan:
    """Sample counts shared by every trial."""

    channel_idx: np.ndarray  # -1 for a channel the data lack (zero-filled)
    n_baseline: int
    n_windows: np.ndarray  # per trial
    resampler: StreamResampler | None

    def select(self, trial: np.ndarray) -> np.ndarray:
        """The contract's channels of one trial (absent ones zero), at the contract's rate."""
        idx = self.channel_idx
        x = trial[np.maximum(idx, 0)]
        if (idx < 0).any():
            x = np.where((idx >= 0)[:, None], x, 0.0)
        if self.resampler is not None:
            self.resampler.reset()
            x = self.resampler.process(x)[0]
        return x


def _plan(index: DatasetIndex, contract: SignalContract, *, resample: bool,
          missing_channels: bool) -> _Plan:
    source = f"the {index.kind} dataset at {index.root}"
    resampler = None
    if abs(float(index.sfreq) - contract.sfreq) > 1e-6 * contract.sfreq:
        if not resample:
            raise DataFormatError(
                f"{source} is sampled at {index.sfreq:g} Hz, but the windows are asked for "
                f"at {contract.sfreq:g} Hz", "use data at the model's rate (or resample it "
                "first)")
        # the live path's polyphase resampler, from the trial's first sample
        resampler = StreamResampler(index.sfreq, contract.sfreq, len(contract.channels))
    if missing_channels:
        idx = locate_channels(index.channels, contract.channels)
        if not (idx >= 0).any():
            raise MontageError(f"{source} has none of the channels "
                               f"{', '.join(contract.channels[:8])}...",
                               "use data recorded with (some of) the model's channels")
    else:
        idx = match_channels(index.channels, contract.channels, source=source,
                             fix="use data recorded with the model's channels, or a model "
                                 "trained on this dataset's")
    n_base = round(index.baseline_s * contract.sfreq)
    if contract.baseline == "subtract_mean" and not n_base:
        log.info("%s has no pre-trial baseline to subtract; the band-pass removes the "
                 "offset anyway", index.root)
    lengths = _trial_lengths(index, n_base + contract.n_discard, resampler)
    window, hop = contract.window, contract.hop
    n_windows = np.array([len(window_starts(int(n), window, hop)) if n > 0 else 0
                          for n in lengths])
    short = np.flatnonzero(n_windows == 0)
    if short.size:
        ref = index.trials[short[0]]
        raise ConfigError(
            f"{short.size} trial(s) are shorter than one {contract.window_s:g}-s window "
            f"after the baseline and discard (e.g. subject {ref.subject} session "
            f"{ref.session} trial {ref.trial}: {lengths[short[0]] / contract.sfreq:.2f} s)",
            "use a shorter window_s or discard_s")
    return _Plan(channel_idx=idx, n_baseline=n_base, n_windows=n_windows,
                 resampler=resampler)


def process_trial(trial: np.ndarray, design: FilterDesign | StreamingFilter,
                  contract: SignalContract, n_baseline: int) -> np.ndarray:
    """Baseline, filter, discard, window and standardise ONE trial.

    Parameters
    ----------
    trial : numpy.ndarray, shape (n_channels, n_times)
        The trial with its baseline (if any), channels already selected.
    design : FilterDesign | StreamingFilter
        ``contract.filter`` designed at the contract's rate
        (:func:`~eeg_emotion.filters.filter_offline` runs it), or a streaming
        filter of it that is reset and run (same output, no set-up cost).
    contract : SignalContract
        What to do.
    n_baseline : int
        Samples of pre-trial baseline at the start.

    Returns
    -------
    numpy.ndarray, shape (n_windows, n_channels, window), float32
    """
    x = np.asarray(trial, dtype=np.float64)
    if n_baseline:
        base, x = x[:, :n_baseline], x[:, n_baseline:]
        if contract.baseline == "subtract_mean":
            x = x - base.mean(axis=1, keepdims=True)
    if isinstance(design, StreamingFilter):
        design.reset()
        y = design.process(x)
    else:
        y = filter_offline(x, design)
    y = y[:, contract.n_discard:]
    w = sliding_windows(y, contract.window, contract.hop)  # (n_windows, n_channels, window)
    return np.asarray(contract.standardize_windows(w), dtype=np.float32)


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


def cache_key(index: DatasetIndex, contract: SignalContract) -> str:
    """Hash of everything the windows depend on: contract, dataset, file stamps.

    Parameters
    ----------
    index : DatasetIndex
    contract : SignalContract

    Returns
    -------
    str
        Hex SHA-256 digest.
    """
    content = {
        "version": CACHE_VERSION,
        "contract": contract.to_dict(),
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


def _load_entry(folder: Path, contract: SignalContract) -> WindowSet:
    with np.load(folder / "meta.npz") as npz:
        meta = {k: npz[k] for k in npz.files}
    json.loads((folder / "info.json").read_text())  # a torn entry fails here
    labels = {k[len("label_"):]: v for k, v in meta.items() if k.startswith("label_")}
    return WindowSet(X=np.load(folder / "X.npy", mmap_mode="r"), trial_id=meta["trial_id"],
                     subject=meta["subject"], session=meta["session"], labels=labels,
                     contract=contract, start=meta["start"])


def prepare_windows(index: DatasetIndex, contract: SignalContract,
                    cache_dir: Path | None = None, progress: bool = True,
                    cache: bool = True, *, resample: bool = False,
                    missing_channels: bool = False) -> WindowSet:
    """Cut every trial of a dataset into preprocessed windows (cached).

    Parameters
    ----------
    index : DatasetIndex
        The dataset (from :func:`eeg_emotion.offline.datasets.registry.open_dataset`).
    contract : SignalContract
        Channels, rate, filter, windows, baseline, standardisation
        (:func:`contract_for` builds it from a config; a checkpoint carries one).
    cache_dir : pathlib.Path | None
        Cache folder; None uses :func:`eeg_emotion.cache_folder.cache_dir`.
    progress : bool
        Show progress over trials (a bar on a terminal, a line every 10 s in a log).
    cache : bool
        False computes in memory and writes nothing.
    resample : bool
        Data at another rate than the contract's are resampled trial by trial with
        the live path's :class:`~eeg_emotion.resampler.StreamResampler` (from each
        trial's first sample), instead of refused.
    missing_channels : bool
        Contract channels the data lack are zeros (for models that take a channel
        mask), instead of an error.

    Returns
    -------
    WindowSet
        ``X`` is a read-only memory map when cached.

    Raises
    ------
    ConfigError
        If the contract does not fit the data (channels missing, trials shorter
        than a window, ragged whole trials, baseline without baseline).
    DataFormatError
        If a file cannot be read.
    """
    plan = _plan(index, contract, resample=resample, missing_channels=missing_channels)
    n_ch, window = len(contract.channels), contract.window
    streaming = StreamingFilter(contract.filter.design(contract.sfreq), n_ch)
    entry = None
    if cache:
        root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        key = cache_key(index, contract)
        entry = root / f"windows-{index.kind}-{key[:24]}"
        if (entry / "info.json").is_file():
            expected = (int(plan.n_windows.sum()), n_ch, window)
            try:
                ws = _load_entry(entry, contract)
                if ws.X.shape == expected and len(ws.trial_id) == expected[0]:
                    log.info("reusing cached windows %s", entry)
                    return ws
                problem = f"shape {ws.X.shape} instead of {expected}"
            except (OSError, ValueError, KeyError, EOFError) as exc:
                problem = str(exc)
            log.warning("cache entry %s is damaged (%s); rebuilding it", entry, problem)
            shutil.rmtree(entry, ignore_errors=True)
        check_cache_writable(root, "--cache-dir" if cache_dir is not None else None)
        root.mkdir(parents=True, exist_ok=True)
        _sweep_stale(root)
    total = int(plan.n_windows.sum())
    shape = (total, n_ch, window)
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
        trials = progress_over(index.trials, f"preprocessing {index.kind}", unit="trial",
                               enabled=progress, every_s=10.0)
        for ref, n_win in zip(trials, plan.n_windows, strict=True):
            data = plan.select(index.load(ref))
            w = process_trial(data, streaming, contract, plan.n_baseline)
            if w.shape[0] != n_win:  # the file changed after indexing
                raise DataFormatError(
                    f"{ref.file} trial {ref.key} gave {w.shape[0]} windows, expected {n_win}",
                    "the file changed after indexing; open the dataset again")
            X[pos:pos + n_win] = w
            starts.append(np.arange(n_win) * contract.hop)
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
                             labels=labels, contract=contract, start=start)
        X.flush()
        del X
        np.savez(tmp / "meta.npz", trial_id=trial_id, subject=subject, session=session,
                 start=start, **{f"label_{k}": v for k, v in labels.items()})
        (tmp / "info.json").write_text(json.dumps({
            "contract": contract.to_dict(),
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
    return _load_entry(entry, contract)
