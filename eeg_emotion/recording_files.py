"""Reading the recordings the live app writes (``live --record``, ``calibrate``).

A recording is a folder::

    meta.json          written first: channels, rate, units, source, start time, which
                       channels are EEG and their unit factors, the clock mapping,
                       whether the stream was synthetic data
    samples.f32        raw float32, sample-major (n_samples x n_channels), appended:
                       every channel of the stream, EEG or not
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

from eeg_emotion.channel_kinds import select_eeg
from eeg_emotion.contract import unit_scale
from eeg_emotion.errors import DataFormatError

log = logging.getLogger(__name__)

FORMAT = "eeg-emotion-recording"
VERSION = 1
#: Samples further than this from the recording's own LSL-clock time are on another clock.
FOREIGN_CLOCK_S = 86_400.0
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


def labelled_segments(markers: list[tuple[float, str]]) -> list[tuple[int, float, float, dict]]:
    """(trial number, start time, end time, labels) of every labelled stretch.

    Calibration blocks: the last ``stimulus_start``/``stimulus_end`` of a block
    before its ``rating``. Replay trials: from ``baseline_end`` (else
    ``trial_start``) to ``trial_end``, with the labels the markers carry.

    Parameters
    ----------
    markers : list of (time, text)
        As :func:`eeg_emotion.recording_files.read_recording` returns them.

    Returns
    -------
    list of tuple
        Ordered by start time; trial numbers are 1-based.
    """
    out = []
    spans: dict[int, list[float]] = {}
    trial_start: dict[int, tuple[float, dict]] = {}
    for t, text in sorted(markers, key=lambda m: m[0]):
        e = marker_event(text)
        kind = e.get("event")
        if "block" in e:
            block = int(e["block"])
            if kind == "stimulus_start":
                spans[block] = [t]
            elif kind == "stimulus_end" and block in spans:
                spans[block] = [*spans[block][:1], t]
            elif kind == "block_repeat":
                spans.pop(block, None)
            elif kind == "rating" and len(spans.get(block, ())) == 2:
                start, end = spans.pop(block)
                out.append((block + 1, start, end, dict(e.get("labels") or {})))
        elif "trial" in e and isinstance(e.get("labels"), dict):
            trial = int(e["trial"])
            if kind == "trial_start" or (kind == "baseline_end" and trial in trial_start):
                trial_start[trial] = (t, e["labels"])
            elif kind == "trial_end" and trial in trial_start:
                start, labels = trial_start.pop(trial)
                if labels:
                    out.append((trial + 1, start, t, dict(labels)))
    return sorted(out, key=lambda s: s[1])


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
    realigned : str
        How the timestamps were realigned onto the markers' clock (empty: they
        were not; see :func:`realign_clock`).
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
    realigned: str = ""

    @property
    def eeg_rows(self) -> list[int]:
        """Rows of the EEG channels: as ``meta.json`` says, else judged by their labels
        and types (a recording made before EEG channels were told apart)."""
        rows = self.meta.get("eeg")
        if isinstance(rows, list) and rows and all(isinstance(i, int) for i in rows):
            return [i for i in rows if 0 <= i < len(self.channels)]
        return list(select_eeg(self.channels, self.meta.get("channel_types") or ()).rows)

    @property
    def eeg_channels(self) -> list[str]:
        """Names of the EEG channels."""
        return [self.channels[i] for i in self.eeg_rows]

    def eeg_microvolts(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """The EEG channels of samples ``start:stop`` in microvolts, float32.

        Raises
        ------
        DataFormatError
            If the unit of an EEG channel is unknown.
        """
        rows = self.eeg_rows
        scales = self.meta.get("channel_scales") or []
        if len(scales) == len(self.channels):
            factors = np.array([np.nan if scales[i] is None else float(scales[i])
                                for i in rows])
        else:
            factors = np.full(len(rows), np.nan if unit_scale(self.units) is None
                              else unit_scale(self.units))
        if np.isnan(factors).any():
            raise DataFormatError(f"the recording's unit {self.units!r} is not a voltage unit "
                                  "eeg-emotion knows",
                                  "set meta.json's units to microvolts, millivolts or volts")
        out = self.data[rows, start:stop]
        if np.all(factors == 1.0):
            return out.astype(np.float32, copy=False)
        return (out * factors[:, None]).astype(np.float32)


def realign_clock(stamps: np.ndarray, markers: list[tuple[float, str]], meta: dict
                  ) -> tuple[np.ndarray, str]:
    """Samples of an old recording stamped with another clock, put on the markers' clock.

    A recording made before foreign clocks were mapped live holds a muselsl
    stream's UNIX timestamps beside markers on the LSL clock. When the first sample
    lies more than a day from ``meta.json``'s ``created_lsl_clock`` (or, without it,
    from the first marker), the samples are moved: by ``created_lsl_clock -
    created_unix`` when they are on UNIX time (both were read when the recording
    began), else so that the first sample falls on the first marker.

    Parameters
    ----------
    stamps : numpy.ndarray
        The recorded timestamps.
    markers : list of (time, text)
        The recorded markers.
    meta : dict
        ``meta.json``.

    Returns
    -------
    stamps : numpy.ndarray
        Realigned (or the input when nothing was to do).
    how : str
        What was done, empty when nothing was.
    """
    if not len(stamps):
        return stamps, ""
    clock = meta.get("clock")
    if isinstance(clock, dict) and clock.get("lsl_clock"):
        return stamps, ""  # written after live mapping: already on the LSL clock
    ref = meta.get("created_lsl_clock")
    unix = meta.get("created_unix")
    first = float(stamps[0])
    anchor = ref if isinstance(ref, int | float) else (markers[0][0] if markers else None)
    if anchor is None or abs(first - anchor) <= FOREIGN_CLOCK_S:
        return stamps, ""
    if isinstance(ref, int | float) and isinstance(unix, int | float) \
            and abs(first - unix) <= FOREIGN_CLOCK_S:
        offset = float(ref) - float(unix)
        how = (f"its samples are stamped with UNIX time and its markers with the LSL clock; "
               f"the samples were moved by {offset:+.3f} s (created_lsl_clock - created_unix)")
    elif markers:
        offset = markers[0][0] - first
        how = (f"its samples and markers are on different clocks; the first sample was put "
               f"at the first marker ({offset:+.3f} s)")
    else:
        offset = float(ref) - first
        how = (f"its samples are on another clock than the LSL clock; the first sample was "
               f"put at the recording's start ({offset:+.3f} s)")
    return stamps + offset, how


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
    timestamps, realigned = realign_clock(stamps[:n].copy(), markers, meta)
    if realigned:
        log.warning("%s: realigned: %s", root, realigned)
    return Recording(data=data, timestamps=timestamps, channels=channels, sfreq=sfreq,
                     markers=markers, estimates=estimates,
                     units=str(meta.get("units", "microvolts")), meta=meta,
                     truncated=truncated or torn_m or torn_e, realigned=realigned)
