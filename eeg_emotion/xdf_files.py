"""LabRecorder's XDF files: the LSL community's recording format, read with pyxdf.

LabRecorder writes every stream it records into one ``.xdf`` file: each stream's
header (the LSL stream info: name, type, source id, channel count, nominal rate,
channel format, and the ``<desc>`` with ``channels/channel/{label,unit,type}``, the
XDF meta-data convention for EEG), its samples with their timestamps, and clock
offsets. pyxdf (``pyxdf/pyxdf.py``, ``load_xdf``) reads it, synchronises the clocks
and de-jitters regular streams.

:func:`read_xdf` turns a file into :class:`XdfStream` objects; :meth:`XdfFile.eeg`
picks the EEG time series (numeric, a regular rate, EEG channels, type EEG first),
:meth:`XdfFile.markers` the string (marker) streams. ``eeg-emotion replay FILE.xdf``
republishes them; the ``xdf`` dataset reader trains on them. pyxdf is imported only
when a file is read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eeg_emotion.channel_kinds import select_eeg
from eeg_emotion.contract import unit_scale
from eeg_emotion.errors import DataFormatError

log = logging.getLogger(__name__)

XDF_SUFFIXES = (".xdf", ".xdfz")


@dataclass
class XdfStream:
    """One recorded stream.

    Attributes
    ----------
    name, type, source_id : str
        As the publisher described it.
    sfreq : float
        Nominal rate (0 for an irregular stream such as markers).
    channel_format : str
        ``float32``, ``double64``, ``int16``, ``string``...
    labels, types, units : list of str
        Per channel, from ``channels/channel/{label|name, type, unit}`` (empty
        strings where the file says nothing).
    data : numpy.ndarray | list
        ``(n_channels, n_samples)`` for numeric streams; for string streams a list
        of samples, each a list of strings.
    timestamps : numpy.ndarray
        Seconds, on the recording's common clock.
    """

    name: str
    type: str
    source_id: str
    sfreq: float
    channel_format: str
    labels: list[str]
    types: list[str]
    units: list[str]
    data: np.ndarray | list
    timestamps: np.ndarray
    manufacturer: str = ""

    @property
    def n_samples(self) -> int:
        """Samples in the stream."""
        return len(self.timestamps)

    @property
    def is_markers(self) -> bool:
        """A string stream (markers, events)."""
        return self.channel_format == "string"

    @property
    def eeg_rows(self) -> list[int]:
        """Rows of its EEG channels (:func:`eeg_emotion.channel_kinds.select_eeg`)."""
        return list(select_eeg(self.labels, self.types).rows)

    def microvolt_scales(self) -> np.ndarray:
        """Per channel, the factor to microvolts (NaN where the unit is unknown; an
        empty unit counts as microvolts)."""
        return np.array([np.nan if unit_scale(u or "microvolts") is None
                         else unit_scale(u or "microvolts") for u in self.units])


@dataclass
class XdfFile:
    """The streams of one XDF file."""

    path: Path
    streams: list[XdfStream] = field(default_factory=list)

    def eeg(self) -> list[XdfStream]:
        """The EEG time series, best first: numeric, regular, with EEG channels, type
        EEG before others (a Muse's PPG or ACC stream, recorded beside, comes last or
        not at all)."""
        out = [s for s in self.streams
               if not s.is_markers and s.sfreq > 0 and s.n_samples and s.eeg_rows]
        return sorted(out, key=lambda s: (s.type.strip().lower() != "eeg", -len(s.eeg_rows)))

    def markers(self) -> list[XdfStream]:
        """The string streams (markers)."""
        return [s for s in self.streams if s.is_markers]


def _first(d: dict | None, key: str, default: str = "") -> str:
    if not isinstance(d, dict):
        return default
    value = d.get(key)
    if isinstance(value, list):
        value = value[0] if value else default
    return default if value is None else str(value)


def _channels(info: dict) -> tuple[list[str], list[str], list[str]]:
    desc = info.get("desc")
    desc = desc[0] if isinstance(desc, list) and desc else desc
    chans = desc.get("channels") if isinstance(desc, dict) else None
    chans = chans[0] if isinstance(chans, list) and chans else chans
    items = chans.get("channel", []) if isinstance(chans, dict) else []
    labels = [_first(c, "label") or _first(c, "name") for c in items]
    return labels, [_first(c, "type") for c in items], [_first(c, "unit") for c in items]


def read_xdf(path: str | Path) -> XdfFile:
    """Read an XDF file (pyxdf, clocks synchronised, regular streams de-jittered).

    Parameters
    ----------
    path : str | pathlib.Path
        A ``.xdf`` or ``.xdfz`` file.

    Returns
    -------
    XdfFile

    Raises
    ------
    DataFormatError
        If the file is missing, not XDF, or pyxdf is not installed.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataFormatError(f"XDF file {path} does not exist", "check the path")
    try:
        import pyxdf
    except ImportError as exc:  # pragma: no cover (a dependency)
        raise DataFormatError("pyxdf is needed to read XDF files",
                              "install it: pip install pyxdf") from exc
    try:
        raw_streams, _ = pyxdf.load_xdf(str(path))
    except Exception as exc:  # pyxdf raises many types for damaged files
        raise DataFormatError(f"{path} is not a readable XDF file: {exc}",
                              "pass a file LabRecorder wrote (.xdf)") from exc
    out = XdfFile(path)
    for raw in raw_streams:
        info = raw.get("info", {})
        n_ch = int(_first(info, "channel_count", "0") or 0)
        fmt = _first(info, "channel_format", "float32")
        labels, types, units = _channels(info)
        labels = (labels + [""] * n_ch)[:n_ch]
        types = (types + [""] * n_ch)[:n_ch]
        units = (units + [""] * n_ch)[:n_ch]
        series = raw.get("time_series")
        stamps = np.asarray(raw.get("time_stamps", []), dtype=np.float64)
        if fmt == "string":
            data: np.ndarray | list = [list(map(str, s)) for s in (series or [])]
        else:
            arr = np.asarray(series if series is not None else np.empty((0, n_ch)))
            data = arr.reshape(len(stamps), n_ch).T.copy() if arr.size else \
                np.empty((n_ch, 0), dtype=np.float32)
        desc = info.get("desc")
        desc = desc[0] if isinstance(desc, list) and desc else desc
        out.streams.append(XdfStream(
            name=_first(info, "name"), type=_first(info, "type"),
            source_id=_first(info, "source_id"),
            sfreq=float(_first(info, "nominal_srate", "0") or 0.0), channel_format=fmt,
            labels=labels, types=types, units=units, data=data, timestamps=stamps,
            manufacturer=_first(desc, "manufacturer") if isinstance(desc, dict) else ""))
    log.info("%s: %d stream(s): %s", path, len(out.streams),
             ", ".join(f"{s.name} ({s.type}, {len(s.labels)} ch)" for s in out.streams))
    return out
