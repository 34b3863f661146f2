"""``eeg-emotion train``: cross-validate a model from a config and save it.

Example::

    eeg-emotion train --config configs/deap_scalingnet.toml --data ~/DEAP --out runs/deap

``--config`` takes a path or the name of a shipped config (``deap_scalingnet``),
see :func:`eeg_emotion.config.resolve_config`. ``--kind`` overrides the config's
``data.kind`` (which dataset reader to use; default: the config's, usually
auto-detection).

Writes per-fold results and checkpoints as they finish (rerun with the same
``--out`` to resume), a final ``model.pt`` trained on all data, ``metrics.json``,
``folds.csv``, plots and ``report.md``.

Over several processes (``[distributed]`` in the config)::

    torchrun --nproc-per-node 4 -m eeg_emotion train --config ... --data ...
    eeg-emotion train --workers 4 --config ... --data ...   # the same, torchrun started here
"""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import sys
import time
from pathlib import Path

from eeg_emotion.checks import check_count, check_writable
from eeg_emotion.commands.command import Command
from eeg_emotion.config import resolve_config
from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.datasets.registry import KINDS, normalise_kind
from eeg_emotion.stop_signals import stop_on_signals
from eeg_emotion.threads import check_threads, use_training_threads

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eeg-emotion train``."""
    parser.add_argument("--config", required=True, type=Path,
                        help="training config: a TOML file, or a shipped config's name, "
                             "e.g. deap_scalingnet")
    parser.add_argument("--data", required=True, type=Path, help="dataset folder")
    parser.add_argument("--kind", type=normalise_kind, choices=("auto", *KINDS), default=None,
                        help="which dataset reader reads --data; seed_iv works too "
                             "(default: the config's data.kind, usually auto)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default runs/<config name>); rerun to resume")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None,
                        help="where to train (default: the config's train.device)")
    parser.add_argument("--channels", default=None,
                        help="comma-separated channels to train on, e.g. a headset's "
                             "Fp1,Fp2,C3,C4,P7,P8,O1,O2")
    parser.add_argument("--epochs", type=int, default=None, help="override train.epochs")
    parser.add_argument("--folds", type=int, default=None, help="override protocol.folds")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="window cache folder (default ~/.cache/eeg-emotion)")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="torch CPU threads (default: OMP_NUM_THREADS, else the usable "
                             "CPUs that other processes leave free, re-checked each epoch)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress (a bar on a terminal, one line per epoch in a log)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="run in N processes on this machine (torchrun ranks, e.g. one "
                             "per GPU); how they share the work: the config's [distributed]")


def parse_channels(text: str | None) -> list[str] | None:
    """``"Fp1, Fp2"`` -> ``["Fp1", "Fp2"]``; refuses an empty or repeated list."""
    if text is None:
        return None
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        raise ConfigError(f"--channels {text!r} names no channel",
                          "pass comma-separated names, e.g. --channels Fp1,Fp2,C3,C4")
    if len({n.lower() for n in names}) != len(names):
        raise ConfigError(f"--channels {text!r} repeats a channel", "name each channel once")
    return names


def train_argv(args: argparse.Namespace, out: Path | None) -> list[str]:
    """``train`` and its options as given (without ``--workers``), ``--out`` as ``out``."""
    argv = ["train", "--config", str(args.config), "--data", str(args.data)]
    for flag, value in (("--kind", args.kind), ("--out", out), ("--device", args.device),
                        ("--channels", args.channels), ("--epochs", args.epochs),
                        ("--folds", args.folds), ("--cache-dir", args.cache_dir),
                        ("--threads", args.threads)):
        if value is not None:
            argv += [flag, str(value)]
    return argv + (["--quiet"] if args.quiet else [])


def same_command(args: argparse.Namespace, out: Path) -> str:
    """The ``eeg-emotion train`` command of ``args``, with its ``--out`` spelt out, so
    that it resumes the same run folder from wherever it is typed again."""
    workers = ["--workers", str(args.workers)] if args.workers else []
    return shlex.join(["eeg-emotion", *train_argv(args, out), *workers])


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion train``."""
    # the command boundary: training (torch), the configs' schema (scipy filters) and
    # the dataset readers load when the command runs
    from eeg_emotion.offline.train_config import apply_override, load_config
    from eeg_emotion.offline.training import distributed
    from eeg_emotion.offline.training.run_folder import RunOptions
    from eeg_emotion.offline.training.sweep import run_config

    check_threads(args.threads)
    if args.workers is not None:
        if args.workers < 1:
            raise ConfigError(f"--workers {args.workers} must be at least 1")
        if distributed.launched():
            raise ConfigError("--workers starts torchrun, but this already is a torchrun rank",
                              "leave --workers out under torchrun")
    config = resolve_config(args.config)
    cfg = load_config(config)
    if args.kind is not None:
        cfg = apply_override(cfg, "data.kind", args.kind.replace("-", "_"), str(config))
    if args.epochs is not None:
        cfg = apply_override(cfg, "train.epochs", check_count("--epochs", args.epochs, 20),
                             str(config))
    if args.folds is not None:
        check_count("--folds", args.folds, 5, minimum=2,
                    why="each fold is tested on what the others train on")
        cfg = apply_override(cfg, "protocol.folds", args.folds, str(config))
    if args.device is not None:
        cfg = apply_override(cfg, "train.device", args.device, str(config))
    out = args.out or Path("runs") / config.stem
    channels = parse_channels(args.channels)
    check_writable(out, "the --out folder", "pass --out a folder you may write to"
                   + ("" if args.out else f" (the default is {out} here)"))
    if args.workers is not None and args.workers > 1:
        argv = rank_argv(args)
        print(f"running {args.workers} ranks with torchrun (the same as: torchrun --standalone "
              f"--nproc-per-node {args.workers} -m eeg_emotion {shlex.join(argv)})",
              file=sys.stderr, flush=True)
        return distributed.launch_local(args.workers, argv)
    start = time.perf_counter()
    try:
        world = distributed.start(cfg.distributed, cfg.train.device)
        opts = RunOptions(out=out, device=cfg.train.device, channels=channels,
                          progress=not args.quiet and distributed.is_main(),
                          cache_dir=args.cache_dir)
        use_training_threads(args.threads, world.local_size if world is not None else 1)
        # SIGTERM (a cluster's time limit) interrupts as Ctrl-C does
        with stop_on_signals(lambda _signum: None, (signal.SIGTERM,), interrupt=True):
            result = run_config(cfg, args.data, opts)
    except KeyboardInterrupt:
        print(f"interrupted: the finished folds are kept in {out}; rerunning the same "
              f"command resumes after them: {same_command(args, out)}", file=sys.stderr,
              flush=True)
        raise
    except Exception as exc:
        distributed.record_failure(exc)  # for torchrun's summary and --workers
        raise
    finally:
        distributed.stop()
    if result is None:  # a torchrun rank other than 0: rank 0 reports
        return 0
    summaries = result["runs"] if "runs" in result else {"": result["summary"]}
    for label, summary in summaries.items():
        parts = [f"{t} acc {s['accuracy']['mean']:.3f}±{s['accuracy']['std']:.3f} "
                 f"(majority {s['majority_rate']['mean']:.3f}, bal. acc "
                 f"{s['balanced_accuracy']['mean']:.3f})" for t, s in summary.items()]
        print(f"{label + ': ' if label else ''}{'; '.join(parts)}")
    print(f"wrote {out / 'report.md'} in {time.perf_counter() - start:.1f} s")
    return 0


def rank_argv(args: argparse.Namespace) -> list[str]:
    """The ``eeg-emotion`` arguments each of ``--workers`` ranks runs: this command
    without ``--workers``."""
    return ["-v"] * args.verbose + train_argv(args, args.out)


COMMAND = Command(
    "train", "train and cross-validate a model from a config", add_arguments, run)
