"""Run outputs: ``metrics.json``, ``folds.csv``, PNG plots and ``report.md``.

The report states the split type plainly, puts the majority-class rate,
balanced accuracy and macro-F1 next to accuracy, gives mean ± std over folds,
and lays our figures beside a paper's where the protocol has them.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eeg_emotion.atomic import atomic_write_text
from eeg_emotion.offline.training.metrics import SCALAR_METRICS, format_mean_std

log = logging.getLogger(__name__)

#: Published accuracies (ScalingNet paper, DEAP, 5-fold CV).
PAPER_FIGURES: dict[str, dict[str, dict[str, float]]] = {
    "scalingnet_table2": {"ScalingNet (kernel 33)": {"valence": 0.7113, "arousal": 0.6999,
                                                     "dominance": 0.7078}},
    "scalingnet_table3": {
        "kernel_length=129": {"arousal": 0.6659, "valence": 0.6778, "dominance": 0.6731},
        "kernel_length=65": {"arousal": 0.6773, "valence": 0.6844, "dominance": 0.6886},
        "kernel_length=63": {"arousal": 0.6642, "valence": 0.6882, "dominance": 0.6902},
        "kernel_length=33": {"arousal": 0.6999, "valence": 0.7113, "dominance": 0.7078},
        "kernel_length=17": {"arousal": 0.6711, "valence": 0.6726, "dominance": 0.6995},
    },
    "scalingnet_table4": {
        "name=scalingnet-conv": {"arousal": 0.6574, "valence": 0.6641, "dominance": 0.6628},
        "name=scalingnet": {"arousal": 0.6999, "valence": 0.7113, "dominance": 0.7078},
    },
}

SPLIT_NOTES = {
    "cross-subject": "k-fold cross-validation with folds grouped by SUBJECT: no test subject "
                     "is seen in training (cross-subject).",
    "leave-one-subject-out": "leave-one-subject-out: each fold tests one unseen subject "
                             "(cross-subject).",
    "subject-dependent": "subject-dependent: within each subject, folds by whole TRIAL; the "
                         "subject's other trials are in training.",
    "trial-wise": "trial-wise k-fold over all trials, grouped by trial only: a test subject's "
                  "other trials ARE in training. This is NOT cross-subject.",
    "cross-session": "cross-session: trained on some sessions, tested on a held-out session.",
}

_LABELS = {"accuracy": "accuracy", "majority_rate": "majority-class rate",
           "balanced_accuracy": "balanced accuracy", "macro_f1": "macro-F1",
           "precision": "precision (macro)", "recall": "recall (macro)",
           "error_rate": "error rate"}


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (:func:`eeg_emotion.atomic.atomic_write_text`)."""
    atomic_write_text(path, json.dumps(data, indent=2, default=_jsonable))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def write_folds_csv(path: Path, folds: Sequence[dict]) -> None:
    """One row per (fold, target) with every scalar metric and the timings."""
    cols = ["fold", "target", *SCALAR_METRICS, "n_test", "n_train", "train_seconds",
            "inference_seconds", "best_epoch", "description"]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for f in folds:
            for target, m in f["metrics"].items():
                w.writerow([f["name"], target, *(f"{m[k]:.6f}" for k in SCALAR_METRICS),
                            m["n"], f.get("n_train", ""), f"{f.get('train_seconds', 0):.3f}",
                            f"{f.get('inference_seconds', 0):.4f}",
                            f.get("best_epoch", {}).get(target, "")
                            if isinstance(f.get("best_epoch"), dict) else f.get("best_epoch", ""),
                            f.get("description", "")])


def plot_confusions(path: Path, summary: dict, class_names: dict[str, list[str]]) -> None:
    """Confusion matrices summed over folds, one panel per target."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        cm = np.asarray(summary[name]["confusion"], dtype=float)
        rates = cm / np.maximum(cm.sum(1, keepdims=True), 1)
        ax.imshow(rates, vmin=0, vmax=1, cmap="Blues")
        labels = class_names[name]
        ax.set_xticks(range(len(labels)), labels, rotation=45)
        ax.set_yticks(range(len(labels)), labels)
        for i in range(cm.shape[0]):
            for j in range(cm.shape[1]):
                ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center",
                        color="white" if rates[i, j] > 0.5 else "black", fontsize=8)
        ax.set_title(f"{name} (all folds)")
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_learning_curves(path: Path, folds: Sequence[dict]) -> bool:
    """Training and validation loss per epoch of every fold (False if no histories)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = [(f["name"], key, h) for f in folds for key, h in f.get("history", {}).items() if h]
    if not curves:
        return False
    fig, ax = plt.subplots(figsize=(6, 4))
    for fold, key, hist in curves:
        ep = [r["epoch"] for r in hist]
        line, = ax.plot(ep, [r["train_loss"] for r in hist], label=f"{fold} {key} train")
        if "val_loss" in hist[0]:
            ax.plot(ep, [r["val_loss"] for r in hist], "--", color=line.get_color(),
                    label=f"{fold} {key} val")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    if len(curves) <= 10:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def render_report(run: dict) -> str:
    """The Markdown report of one run (see :func:`write_run_outputs` for ``run``)."""
    lines = [f"# {run.get('description') or run['model']}", ""]
    data = run["data"]
    lines += [f"- **Split**: {SPLIT_NOTES.get(run['split_kind'], run['split_kind'])}",
              f"- **Protocol**: `{run['protocol']}`, {run['n_folds']} split(s)",
              f"- **Model**: `{run['model']}` {json.dumps(run.get('hparams', {}))}",
              f"- **Data**: {data['path']} ({data['kind']}), {data['n_trials']} trials, "
              f"{data['n_windows']} windows of {data['window_s']:.2f} s, "
              f"{data['n_channels']} channels at {data['sfreq']:g} Hz"
              + (" — SYNTHETIC data" if data.get("synthetic") else "")]
    for note in run.get("notes", []):
        lines.append(f"- {note}")
    lines += ["", "## Class balance (whole dataset)", ""]
    for target, bal in run["class_balance"].items():
        parts = ", ".join(f"{c}: {n}" for c, n in bal.items())
        lines.append(f"- {target}: {parts}")
    lines += ["", "## Results (mean ± std over folds)", ""]
    summary = run["summary"]
    header = "| metric | " + " | ".join(summary) + " |"
    lines += [header, "|---" * (len(summary) + 1) + "|"]
    for key in SCALAR_METRICS:
        lines.append(f"| {_LABELS[key]} | "
                     + " | ".join(format_mean_std(summary[t], key) for t in summary) + " |")
    lines += _comparison(run)
    t = run["timing"]
    lines += ["", f"Train time: {t['train_seconds_mean']:.2f} s per fold "
                  f"({t['train_seconds_total']:.1f} s total); inference: "
                  f"{t['inference_ms_per_window']:.3f} ms per window "
                  f"({t['device']}).", ""]
    paper = run.get("paper")
    if paper:
        lines += ["## Beside the paper", "",
                  "Paper figures are accuracy with 5-fold CV; ours are accuracy with the split "
                  "stated above.", "",
                  "| | " + " | ".join(summary) + " |", "|---" * (len(summary) + 1) + "|"]
        for row, figs in paper.items():
            lines.append(f"| paper: {row} | "
                         + " | ".join(f"{figs[k]:.4f}" if k in figs else "—" for k in summary)
                         + " |")
        lines.append("| ours | " + " | ".join(format_mean_std(summary[k], "accuracy")
                                              for k in summary) + " |")
        lines.append("")
    lines += ["## Confusion matrices (summed over folds; rows true, columns predicted)", ""]
    for target, s in summary.items():
        names = run["class_names"][target]
        lines += [f"**{target}**", "", "| true \\ pred | " + " | ".join(names) + " |",
                  "|---" * (len(names) + 1) + "|"]
        for name, row in zip(names, s["confusion"], strict=True):
            lines.append(f"| {name} | " + " | ".join(map(str, row)) + " |")
        lines.append("")
    lines += ["## Folds", "", "| fold | held out | " + " | ".join(
        f"{t} acc" for t in summary) + " |", "|---" * (len(summary) + 2) + "|"]
    for f in run["folds"]:
        lines.append(f"| {f['name']} | {f.get('description', '')} | "
                     + " | ".join(f"{f['metrics'][t]['accuracy']:.4f}" for t in summary) + " |")
    lines += ["", "Files: `metrics.json`, `folds.csv`, `confusion.png`"
              + (", `learning_curves.png`" if run.get("has_curves") else "") + ".", ""]
    return "\n".join(lines)


_COMPARED = ("accuracy", "balanced_accuracy", "macro_f1", "majority_rate")
_BASELINE_NAMES = {"random_forest": "Random Forest",
                   "logistic_regression": "logistic regression"}
_MODEL_NAMES = {"msmae-cnn": "MSMAE-CNN", "scalingnet": "ScalingNet"}


def fold_baselines(fold: dict) -> dict[str, dict]:
    """A fold's baselines by name (folds written before there were two: the forest)."""
    if "baselines" in fold:
        return fold["baselines"]
    return {"random_forest": fold["baseline"]} if "baseline" in fold else {}


def baseline_summaries(run: dict) -> dict[str, dict]:
    """The run's baseline summaries by name (runs written before: the forest's)."""
    if "baseline_summaries" in run:
        return run["baseline_summaries"]
    return {"random_forest": run["baseline_summary"]} if "baseline_summary" in run else {}


def losses_to_baselines(run: dict) -> list[str]:
    """One line per target and baseline the network's mean accuracy is below.

    E.g. ``"emotion: MSMAE-CNN below the logistic regression by 0.052 (0.641 vs 0.693)"``.
    """
    lines = []
    model = _MODEL_NAMES.get(run["model"], run["model"])
    for target, ours in run["summary"].items():
        for name, summary in baseline_summaries(run).items():
            theirs = summary[target]["accuracy"]["mean"]
            gap = theirs - ours["accuracy"]["mean"]
            if gap > 0:
                lines.append(f"{target}: {model} below the {_BASELINE_NAMES.get(name, name)} "
                             f"by {gap:.3f} ({ours['accuracy']['mean']:.3f} vs {theirs:.3f})")
    return lines


def _comparison(run: dict) -> list[str]:
    """Network and baselines side by side, split by split (``baseline.compare``)."""
    summaries = baseline_summaries(run)
    if not summaries:
        return []
    names = " and ".join(_BASELINE_NAMES.get(n, n) for n in summaries)
    lines = ["", f"## Beside the baselines: {names} (same data, same splits, same test "
             "windows)", "", "Each baseline (band features, flattened; the logistic "
             "regression standardises them and is L2-regularised) trains on each split's "
             "training windows (and any few-shot trials); all score the same test "
             "windows.", ""]
    head = "| model | split | " + " | ".join(_LABELS[k] for k in _COMPARED) + " |"
    for target in run["summary"]:
        lines += [f"**{target}**", "", head, "|---" * (len(_COMPARED) + 2) + "|"]
        for f in run["folds"]:
            rows = [(run["model"], f["metrics"])] + [
                (name, b["metrics"]) for name, b in fold_baselines(f).items()]
            for model, metrics in rows:
                m = metrics[target]
                lines.append(f"| {model} | {f['name']} | "
                             + " | ".join(f"{m[k]:.4f}" for k in _COMPARED) + " |")
        for model, summary in ((run["model"], run["summary"]), *summaries.items()):
            lines.append(f"| {model} | mean ± std | "
                         + " | ".join(format_mean_std(summary[target], k) for k in _COMPARED)
                         + " |")
        lines.append("")
    below = losses_to_baselines(run)
    lines += [f"- {line}" for line in below] or [
        f"- {_MODEL_NAMES.get(run['model'], run['model'])} is at or above every baseline "
        "(mean accuracy)."]
    lines.append("")
    return lines


def write_run_outputs(out: Path, run: dict) -> None:
    """Write metrics.json, folds.csv, confusion.png, learning_curves.png and report.md.

    Parameters
    ----------
    out : pathlib.Path
        Run folder.
    run : dict
        ``description``, ``protocol``, ``split_kind``, ``model``, ``hparams``,
        ``data`` (path, kind, n_trials, n_windows, window_s, n_channels, sfreq,
        synthetic), ``notes``, ``class_balance``, ``class_names``, ``folds`` (name,
        description, metrics per target, timings, history), ``summary`` per
        target (:func:`~eeg_emotion.offline.training.metrics.summarize_folds`), ``timing``,
        ``paper``.
    """
    out.mkdir(parents=True, exist_ok=True)
    write_folds_csv(out / "folds.csv", run["folds"])
    plot_confusions(out / "confusion.png", run["summary"], run["class_names"])
    run["has_curves"] = plot_learning_curves(out / "learning_curves.png", run["folds"])
    write_json(out / "metrics.json", run)
    (out / "report.md").write_text(render_report(run))
    log.info("wrote %s", out / "report.md")


def render_sweep_report(description: str, key: str, rows: list[tuple[str, dict]],
                        paper: dict | None) -> str:
    """Markdown table of a sweep: one row per value, accuracy mean ± std per target."""
    targets = list(rows[0][1]) if rows else []
    lines = [f"# {description}", "", f"Sweep over `{key}`; each row is a full run (see its "
             "folder's report.md for the split and every metric).", "",
             "| variant | " + " | ".join(f"{t} acc" for t in targets)
             + " | " + " | ".join(f"{t} bal. acc" for t in targets) + " |",
             "|---" * (2 * len(targets) + 1) + "|"]
    for label, summary in rows:
        lines.append(f"| {label} | "
                     + " | ".join(format_mean_std(summary[t], "accuracy") for t in targets)
                     + " | " + " | ".join(format_mean_std(summary[t], "balanced_accuracy")
                                          for t in targets) + " |")
    if paper:
        lines += ["", "Paper figures (accuracy):", "", "| variant | " + " | ".join(targets)
                  + " |", "|---" * (len(targets) + 1) + "|"]
        for label, figs in paper.items():
            lines.append(f"| {label} | " + " | ".join(
                f"{figs[t]:.4f}" if t in figs else "—" for t in targets) + " |")
    return "\n".join(lines) + "\n"
