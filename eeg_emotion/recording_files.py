"""Reading the recordings the live app writes (``live --record``, ``calibrate``).

A recording is a folder::

    meta.json          written first: channels, rate, units, source, start time,
                       whether the stream was synthetic data
    samples.f32        raw float32, sample-major (n_samples x n_channels), appended
    timestamps.f64     raw float64 LSL-clock time of each sample, appended
    markers.jsonl      {"time": t, "text": "..."} per line
    estimates.jsonl    Estimate.to_json_dict() per line

:class:`eeg_emotion.realtime.outputs.recording.Recorder` writes it, crash-safely;
:func:`read_recording` reads it back and tolerates a torn last record (a sample
block or a JSON line cut by a kill). The format lives in the core so the offline
readers (recordings as a training dataset) and the live app share it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eeg_emotion.errors import DataFormatError

log = logging.getLogger(__name__)

FORMAT = "eeg-emotion-recording"
VERSION = 1
META, SAMPLES, TIMESTAMPS = "meta.json", "samples.f32", "timestamps.f64"
MARKERS, ESTIMATES = "markers.jsonl", "estimates.jsonl"


def marker_event(text: str) -> dict:
    """A marker's text read as a JSON object (calibration events are written so).

    Parameters
    ----------
    text : str
        The marker's text.

    Returns
    -------
    dict
        The object, or ``{}`` when the text is not a JSON object (a plain marker
        such as DEAP replay's ``trial 3``).
    """
    try:
        event = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return event if isinstance(event, dict) else {}


def is_recording(path: str | Path) -> bool:
    """True for a folder holding an eeg-emotion recording's ``meta.json``."""
    p = Path(path)
    if not (p / META).is_file():
        return False
    try:
        return json.loads((p / META).read_text()).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


@dataclass
class Recording:
    """A recording read back from disk.

    Attributes
    ----------
    data : numpy.ndarray, shape (n_channels, n_samples)
        float32, in :attr:`units`.
    timestamps : numpy.ndarray, shape (n_samples,)
        LSL-clock seconds.
    channels : list of str
    sfreq : float
        Nominal rate of the source.
    markers : list of tuple(float, str)
        ``(time, text)``.
    estimates : list of dict
        The estimates' JSON form.
    units : str
    meta : dict
        Everything in ``meta.json``.
    truncated : bool
        True when a torn last record (cut by a crash) was dropped.
    """

    data: np.ndarray
    timestamps: np.ndarray
    channels: list[str]
    sfreq: float
    markers: list[tuple[float, str]] = field(default_factory=list)
    estimates: list[dict] = field(default_factory=list)
    units: str = "microvolts"
    meta: dict = field(default_factory=dict)
    truncated: bool = False


def _read_jsonl(path: Path) -> tuple[list[dict], bool]:
    if not path.is_file():
        return [], False
    lines = path.read_bytes().split(b"\n")
    out, torn = [], False
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            out.append(json.loads(raw))
        except json.JSONDecodeError as exc:
            if i == len(lines) - 1:  # the last line, without its newline: cut by a crash
                torn = True
                log.warning("%s: dropped a torn last line (the writer was killed)", path)
                continue
            raise DataFormatError(f"{path}, line {i + 1}, is not valid JSON: {exc}",
                                  "the recording is damaged; remove that line to read the rest"
                                  ) from exc
    return out, torn


def read_recording(path: str | Path) -> Recording:
    """Read a recording folder written by :class:`Recorder`.

    Parameters
    ----------
    path : str | pathlib.Path
        The recording folder.

    Returns
    -------
    Recording

    Raises
    ------
    DataFormatError
        If ``path`` is not a recording folder or ``meta.json`` is damaged.
    """
    root = Path(path).expanduser()
    meta_path = root / META
    if not root.is_dir() or not meta_path.is_file():
        raise DataFormatError(f"{root} is not a recording folder (no {META})",
                              "pass the folder written by "
                              "`eeg-emotion live --stream NAME --record PATH`")
    try:
        meta = json.loads(meta_path.read_text())
        channels = [str(c) for c in meta["channels"]]
        sfreq = float(meta["sfreq"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DataFormatError(f"{meta_path} is damaged: {exc}",
                              "the recording cannot be read without it") from exc
    if meta.get("format") != FORMAT:
        raise DataFormatError(f"{meta_path} is not an eeg-emotion recording "
                              f"(format {meta.get('format')!r})",
                              "pass a folder written by "
                              "`eeg-emotion live --stream NAME --record PATH`")
    n_ch = len(channels)
    samples = np.fromfile(root / SAMPLES, dtype="<f4") if (root / SAMPLES).is_file() else \
        np.empty(0, "<f4")
    stamps = np.fromfile(root / TIMESTAMPS, dtype="<f8") if (root / TIMESTAMPS).is_file() else \
        np.empty(0, "<f8")
    n = min(samples.size // n_ch, stamps.size)
    truncated = samples.size != n * n_ch or stamps.size != n
    if truncated:
        log.warning("%s: dropped a torn last sample block (the writer was killed)", root)
    data = samples[: n * n_ch].reshape(n, n_ch).T.copy()
    markers_raw, torn_m = _read_jsonl(root / MARKERS)
    estimates, torn_e = _read_jsonl(root / ESTIMATES)
    markers = [(float(m["time"]), str(m["text"])) for m in markers_raw]
    return Recording(data=data, timestamps=stamps[:n].copy(), channels=channels, sfreq=sfreq,
                     markers=markers, estimates=estimates,
                     units=str(meta.get("units", "microvolts")), meta=meta,
                     truncated=truncated or torn_m or torn_e)
