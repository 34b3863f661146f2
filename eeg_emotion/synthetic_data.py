"""Whether data on disk are synthetic: what reports, checkpoints and streams must say.

``eeg-emotion synth`` writes a marker file beside every dataset it makes
(:data:`MARKERS`); a calibration recorded from a replay of such files, or from
BrainFlow's synthetic board, says so in its plan or recordings
(:func:`eeg_emotion.calibration_files.recorded_synthetic`). Training, evaluation and
replay ask :func:`is_synthetic`, so a model trained on synthetic data is marked
``synthetic`` wherever it came from.
"""

from __future__ import annotations

from pathlib import Path

from eeg_emotion.calibration_files import recorded_synthetic

#: Marker files of a synthetic dataset (``eeg-emotion synth`` writes ``synthetic.json``).
MARKERS = ("SYNTHETIC", ".synthetic", "synthetic.json", "SYNTHETIC.txt")


def is_synthetic(path: str | Path) -> bool:
    """Whether ``path`` (a dataset folder or file) holds synthetic data.

    Parameters
    ----------
    path : str | pathlib.Path
        A dataset folder, one of its files, or a calibration folder.

    Returns
    -------
    bool
        A marker file (:data:`MARKERS`) is in the folder or its parent, or the
        calibration folder recorded synthetic data.
    """
    path = Path(path)
    if any((d / m).exists() for d in (path, path.parent) for m in MARKERS):
        return True
    return path.is_dir() and recorded_synthetic(path)
