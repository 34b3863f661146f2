"""``eeg-emotion evaluate CHECKPOINT --data PATH``: score a saved model on a dataset.

The windows are made with the preprocessing recorded in the checkpoint (filter,
window, baseline, standardisation, channels), so the model sees data exactly
as in training and live. Writes ``metrics.json``, ``confusion.png`` and
``report.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from eeg_emotion.checks import check_count, check_writable
from eeg_emotion.commands.command import Command
from eeg_emotion.offline.datasets.registry import KINDS, normalise_kind

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


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion evaluate``."""
    check_count("--batch-size", args.batch_size, 64)
    from eeg_emotion.offline.evaluate import evaluate_checkpoint  # command boundary: torch

    out = args.out or args.checkpoint.with_name(f"{args.checkpoint.stem}_eval")
    check_writable(out, "the --out folder", "pass --out a folder you may write to"
                   + ("" if args.out else f" (the default is {out}, beside the checkpoint)"))
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


COMMAND = Command(
    "evaluate", "score a saved model on a dataset", add_arguments, run)
