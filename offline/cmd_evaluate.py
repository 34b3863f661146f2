"""``eeg-emotion evaluate CHECKPOINT --data PATH``: score a saved model on a dataset.

The windows are made with the preprocessing recorded in the checkpoint (filter,
window, baseline, standardisation, channels), so the model sees data exactly
as in training and live. Writes ``metrics.json``, ``confusion.png`` and
``report.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

from eeg_emotion.commands import Command, register_command
from eeg_emotion.errors import CheckpointError, DataFormatError
from eeg_emotion.offline.dataset import KINDS, normalise_kind

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eeg-emotion evaluate``."""
    parser.add_argument("checkpoint", type=Path, help="a model.pt written by `train`")
    parser.add_argument("--data", required=True, type=Path, help="dataset folder")
    parser.add_argument("--kind", type=normalise_kind, choices=("auto", *KINDS), default="auto",
                        help="which dataset reader reads --data; seed_iv works too "
                             "(default: auto-detect)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: <checkpoint stem>_eval next to it)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--cache-dir", type=Path, default=None, help="window cache folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


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
    from eeg_emotion.models.checkpoint import load_checkpoint
    from eeg_emotion.offline.metrics import classification_metrics, summarize_folds
    from eeg_emotion.offline.preprocess import PreprocessSettings, prepare_windows
    from eeg_emotion.offline.readers import open_dataset
    from eeg_emotion.offline.report import write_run_outputs
    from eeg_emotion.offline.run_data import is_synthetic
    from eeg_emotion.offline.trainer import predict, resolve_device

    dev = resolve_device(device)
    loaded = load_checkpoint(checkpoint, dev)
    meta, model = loaded.meta, loaded.model
    if not meta.preprocessing:
        raise CheckpointError(f"{checkpoint} records no preprocessing settings",
                              "evaluate a checkpoint written by `eeg-emotion train`")
    settings = PreprocessSettings.from_dict(meta.preprocessing)
    if settings.channels is None:
        settings = PreprocessSettings.from_dict({**meta.preprocessing,
                                                 "channels": list(meta.channels)})
    index = open_dataset(data, kind)
    if abs(index.sfreq - float(meta.sfreq)) > 1e-6:
        raise DataFormatError(f"{data} is sampled at {index.sfreq:g} Hz but {checkpoint} "
                              f"was trained at {meta.sfreq:g} Hz",
                              "evaluate on data at the model's rate (or resample it first)")
    ws = prepare_windows(index, settings, cache_dir=cache_dir, progress=progress)
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
                 "n_windows": len(idx), "window_s": ws.X.shape[2] / ws.sfreq,
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


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion evaluate``."""
    if args.batch_size < 1:
        raise DataFormatError(f"--batch-size {args.batch_size} must be at least 1")
    out = args.out or args.checkpoint.with_name(f"{args.checkpoint.stem}_eval")
    result = evaluate_checkpoint(args.checkpoint, args.data, out, device=args.device,
                                 batch_size=args.batch_size, cache_dir=args.cache_dir,
                                 progress=not args.quiet,
                                 kind=None if args.kind == "auto" else args.kind)
    for t, s in result["summary"].items():
        print(f"{t}: acc {s['accuracy']['mean']:.3f} (majority {s['majority_rate']['mean']:.3f},"
              f" bal. acc {s['balanced_accuracy']['mean']:.3f}, macro-F1 "
              f"{s['macro_f1']['mean']:.3f})")
    for note in result["notes"][1:]:
        print(note)
    print(f"wrote {out / 'report.md'}")
    return 0


COMMAND = register_command(Command(
    "evaluate", "score a saved model on a dataset", add_arguments, run))
