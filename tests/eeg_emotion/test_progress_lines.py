"""Progress: a tqdm bar on a terminal, plain lines (no carriage returns) in a log file."""

from __future__ import annotations

import io

from tqdm.auto import tqdm

from eeg_emotion import progress
from eeg_emotion.progress import LineProgress, progress_over


def test_one_plain_line_per_step_with_its_figures():
    out = io.StringIO()
    bar = LineProgress(range(3), "fold-1", unit="epoch", stream=out)
    for epoch in bar:
        bar.set_postfix({"train_loss": f"{1.0 / (epoch + 1):.3f}"})
    bar.close()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and len(lines) == 3
    assert lines[0].startswith("fold-1: epoch 1/3  train_loss 1.000")
    assert lines[2].startswith("fold-1: epoch 3/3  train_loss 0.333")


def test_early_stop_still_writes_the_last_step():
    out = io.StringIO()
    bar = LineProgress(range(10), "final", unit="epoch", stream=out)
    for epoch in bar:
        bar.set_postfix(val_loss="0.5")
        if epoch == 3:
            break  # early stopping
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 4 and lines[-1].startswith("final: epoch 4/10  val_loss 0.5")


def test_fast_loops_are_throttled_but_end_with_the_last_item():
    out = io.StringIO()
    bar = LineProgress(range(500), "preprocessing deap", unit="trial", every_s=60.0,
                       stream=out)
    for _ in bar:
        pass
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # the first and the last
    assert lines[-1].startswith("preprocessing deap: trial 500/500")


def test_progress_picks_the_form_for_stderr(monkeypatch):
    monkeypatch.setattr(progress, "is_terminal", lambda stream=None: True)
    bar = progress_over(range(2), "x", unit="epoch")
    assert isinstance(bar, tqdm)
    bar.close()
    monkeypatch.setattr(progress, "is_terminal", lambda stream=None: False)
    assert isinstance(progress_over(range(2), "x"), LineProgress)
    silent = progress_over(range(2), "x", enabled=False)
    assert list(silent) == [0, 1] and not isinstance(silent, (tqdm, LineProgress))
