"""Score a saved model on every window of a dataset (``eeg-emotion evaluate``).

The windows are made with the checkpoint's own signal contract (filter, window,
baseline, standardisation, channels), so the model sees the data exactly as in
training and live. Writes ``metrics.json``, ``confusion.png`` and ``report.md``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from eeg_emotion.devices import resolve_device
from eeg_emotion.errors import CheckpointError, DataFormatError
from eeg_emotion.models.checkpoint import load_checkpoint
from eeg_emotion.offline.datasets.readers import open_dataset
from eeg_emotion.offline.preprocess import prepare_windows
from eeg_emotion.offline.training.metrics import classification_metrics, summarize_folds
from eeg_emotion.offline.training.report import write_run_outputs
from eeg_emotion.offline.training.trainer import predict
from eeg_emotion.synthetic_data import is_synthetic

log = logging.getLogger(__name__)


def evaluate_checkpoint(checkpoint: Path, data: Path, out: Path, *, device: str = "auto",
                        batch_size: int = 64, cache_dir: Path | None = None,
                        progress: bool = True, kind: str | None = None) -> dict:
    """Score a checkpoint on every window of a dataset and write a report.

    Parameters
    ----------
    checkpoint : Path
        Model file from ``eeg-emotion train``.
    data : Path
        Dataset folder.
    out : Path
        Output folder.
    device : {"auto", "cpu", "cuda"}
    batch_size : int
    cache_dir : Path | None
        Window cache folder.
    progress : bool
        Progress bars.
    kind : {"deap", "seed-iv", "mne"} | None
        The dataset kind; None detects it.

    Returns
    -------
    dict
        The run summary written to ``metrics.json``.
    """

    dev = resolve_device(device)
    loaded = load_checkpoint(checkpoint, dev)
    meta, model = loaded.meta, loaded.model
    if meta.signal.input != "raw":
        raise CheckpointError(f"{checkpoint} takes band features, not signal windows",
                              "score it on the feature files by cross-validation "
                              "(eeg-emotion train with its config), or use it live")
    index = open_dataset(data, kind)
    if abs(index.sfreq - meta.sfreq) > 1e-6:
        raise DataFormatError(f"{data} is sampled at {index.sfreq:g} Hz but {checkpoint} "
                              f"was trained at {meta.sfreq:g} Hz",
                              "evaluate on data at the model's rate (or resample it first)")
    ws = prepare_windows(index, meta.signal, cache_dir=cache_dir, progress=progress)
    targets = list(model.targets)
    missing = [t.label_key for t in targets if t.label_key not in ws.labels]
    if missing:
        raise DataFormatError(f"{data} has no {', '.join(missing)} labels for the model's "
                              f"targets (it has {', '.join(ws.labels)})",
                              "evaluate on a dataset labelled for the model's targets")
    idx = np.arange(len(ws))
    t0 = time.perf_counter()
    preds, _, secs = predict(model, ws.X, idx, batch_size, dev)
    log.info("scored %d windows in %.2f s", len(idx), time.perf_counter() - t0)
    metrics = {t.name: classification_metrics(t.classify(ws.labels[t.label_key]),
                                              preds[t.name], len(t.classes)) for t in targets}
    trained_on = str(meta.training.get("data", ""))
    notes = [f"checkpoint {checkpoint} ({meta.model}, trained {meta.created})"]
    seen = trained_on and Path(trained_on).resolve() == Path(data).expanduser().resolve()
    if seen:
        notes.append("WARNING: this is the data the model was trained on; the score is not "
                      "an honest test")
    _, first = np.unique(ws.trial_id, return_index=True)
    run = {
        "description": f"evaluate {checkpoint.name} on {data}", "protocol": "evaluate",
        "split_kind": "evaluate", "model": meta.model, "hparams": meta.hparams, "n_folds": 1,
        "data": {"path": str(data), "kind": index.kind, "n_trials": len(first),
                 "n_windows": len(idx), "window_s": meta.signal.window_s,
                 "n_channels": len(ws.channels), "channels": list(ws.channels),
                 "sfreq": ws.sfreq, "synthetic": is_synthetic(Path(data))},
        "targets": [t.to_dict() for t in targets],
        "class_names": {t.name: list(t.classes) for t in targets},
        "class_balance": {t.name: {c: int(np.sum(t.classify(ws.labels[t.label_key])[first]
                                                  == i)) for i, c in enumerate(t.classes)}
                          for t in targets},
        "notes": notes,
        "folds": [{"name": "all", "description": "every window of the dataset",
                   "metrics": metrics, "n_test": len(idx), "inference_seconds": secs}],
        "summary": {k: summarize_folds([m]) for k, m in metrics.items()},
        "timing": {"device": str(dev), "train_seconds_total": 0.0, "train_seconds_mean": 0.0,
                   "inference_ms_per_window": 1000.0 * secs / max(len(idx), 1)},
        "paper": None, "trained_on_this_data": bool(seen),
    }
    write_run_outputs(out, run)
    return run
