"""A ``--record`` recording (or calibration part) as an MNE Raw, written to FIF or EDF.

The raw samples become an :class:`mne.io.RawArray` (EEG channels, in volts, at
the source's nominal rate); markers become annotations (a replay's JSON marker
is shortened to ``"trial_start trial 3 valence=7.1 arousal=3"``, with the trial's
labels) placed at the sample they mark, and
gaps in the timestamps (a lost connection) become ``"gap <seconds> s"``
annotations at the first sample after the gap (the exported data run on without
the missing time). EDF goes through
:func:`mne.export.export_raw` (needs ``edfio``). A FIF name that MNE would not take
for a raw file (``session.fif`` rather than ``session_raw.fif``) is written as given,
with a warning naming the conventional one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import numpy as np

from eeg_emotion.checks import check_writable
from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.recording_files import Recording, read_recording

log = logging.getLogger(__name__)

FORMATS = {".fif": "fif", ".fif.gz": "fif", ".edf": "edf"}

#: Factor from a recording's unit to volts (MNE's unit for EEG).
TO_VOLTS = {"microvolts": 1e-6, "uv": 1e-6, "µv": 1e-6, "millivolts": 1e-3, "mv": 1e-3,
            "volts": 1.0, "v": 1.0}


#: Endings MNE expects of a raw FIF file's name (``mne.io.read_raw_fif`` warns otherwise).
MNE_RAW_ENDINGS = tuple(e + gz for e in ("raw.fif", "raw_sss.fif", "raw_tsss.fif", "_meg.fif",
                                         "_eeg.fif", "_ieeg.fif") for gz in ("", ".gz"))


def _value(v: object) -> str:
    return format(v, "g") if isinstance(v, float) else str(v)


def marker_description(text: str) -> str:
    """Short annotation text for a marker, with the trial's labels.

    Parameters
    ----------
    text : str
        The marker as recorded; a replay's or a calibration's JSON marker, or any string.

    Returns
    -------
    str
        ``"<event> trial <n> valence=7 arousal=3"`` for a replay's markers (the
        labels the marker carries, as MNE users expect them in annotations),
        ``"rating block <n> valence=7 ..."`` for a calibration's; the number is the
        recorded one (0-based). Any other text is kept as it is.
    """
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text
    if not (isinstance(obj, dict) and "event" in obj):
        return text
    parts = [str(obj["event"])]
    for key in ("trial", "block"):
        if obj.get(key) is not None:
            parts.append(f"{key} {obj[key]}")
    labels = obj.get("labels")
    if isinstance(labels, dict):
        parts += [f"{k}={_value(v)}" for k, v in labels.items()]
    if obj.get("category"):
        parts.append(f"category={obj['category']}")
    return " ".join(parts)


def recording_to_raw(rec: Recording):
    """Build an MNE Raw object from a recording.

    Parameters
    ----------
    rec : Recording
        From :func:`eeg_emotion.recording_files.read_recording`.

    Returns
    -------
    mne.io.RawArray
        EEG in volts; markers and gaps as annotations (onsets relative to the
        first sample).

    Raises
    ------
    DataFormatError
        If the recording holds no samples or its unit is unknown.
    """
    import mne

    if rec.data.shape[1] == 0:
        raise DataFormatError("the recording holds no samples",
                              "record for longer before exporting")
    scale = TO_VOLTS.get(rec.units.strip().lower())
    if scale is None and not rec.meta.get("channel_scales"):
        raise DataFormatError(f"unknown unit {rec.units!r} in the recording",
                              f"edit meta.json's units to one of {', '.join(TO_VOLTS)}")
    eeg = rec.eeg_rows
    # every recorded channel is exported; those that are not EEG (a counter, a marker
    # index, an accelerometer) as "misc", in the values they were sent with
    types = ["misc"] * len(rec.channels)
    data = rec.data.astype(np.float64)
    for i in eeg:
        types[i] = "eeg"
    data[eeg] = rec.eeg_microvolts().astype(np.float64) * 1e-6
    info = mne.create_info(list(rec.channels), rec.sfreq, ch_types=types)
    raw = mne.io.RawArray(data, info, verbose="error")
    created, created_lsl = rec.meta.get("created_unix"), rec.meta.get("created_lsl_clock")
    if created is not None:
        # Wall time of the first sample: the recording's start plus the LSL-clock offset.
        start = float(created)
        if created_lsl is not None:
            offset = float(rec.timestamps[0]) - float(created_lsl)
            if abs(offset) < 86400:  # timestamps not on this machine's LSL clock otherwise
                start += offset
        raw.set_meas_date(dt.datetime.fromtimestamp(start, tz=dt.UTC))
    # Annotations sit at the sample they mark: marker times are mapped to sample
    # positions through the timestamps, so they stay aligned after a gap.
    stamps = rec.timestamps
    n = stamps.size
    onsets, durations, texts = [], [], []
    for stamp, text in rec.markers:
        if stamps[0] <= stamp <= stamps[-1] + 1.0 / rec.sfreq:
            onsets.append(float(np.interp(stamp, stamps, np.arange(n))) / rec.sfreq)
            durations.append(0.0)
            texts.append(marker_description(text))
        else:
            log.warning("marker %r at %.3f lies outside the recorded data (%.3f-%.3f); "
                        "not exported", text[:40], stamp, stamps[0], stamps[-1])
    steps = np.diff(stamps)
    gaps = np.flatnonzero(steps > 2.0 / rec.sfreq)
    for i in gaps:
        onsets.append((i + 1) / rec.sfreq)
        durations.append(0.0)
        texts.append(f"gap {steps[i] - 1.0 / rec.sfreq:.3f} s")
    if gaps.size:
        log.warning("%d gaps in the recording's timestamps (annotated 'gap')", gaps.size)
    if onsets:
        raw.set_annotations(mne.Annotations(onsets, durations, texts,
                                            orig_time=raw.info["meas_date"]))
    return raw


def export_recording(path: str | Path, out: str | Path, fmt: str | None = None,
                     overwrite: bool = False) -> Path:
    """Convert a recording folder to a FIF or EDF file.

    Parameters
    ----------
    path : str | pathlib.Path
        The recording folder.
    out : str | pathlib.Path
        Output file (``.fif`` or ``.edf``).
    fmt : {"fif", "edf"} | None
        Format; None takes it from ``out``'s extension.
    overwrite : bool
        Replace ``out`` if it exists.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ConfigError
        For an unknown format or an existing output without ``overwrite``.
    DataFormatError
        If ``path`` is not a readable recording.
    """
    out = Path(out).expanduser()
    name = out.name.lower()
    suffix = ".fif.gz" if name.endswith(".fif.gz") else out.suffix.lower()
    if fmt is None:
        fmt = FORMATS.get(suffix)
        if fmt is None:
            raise ConfigError(f"cannot tell the format of {out} from its extension "
                              f"{suffix or '(none)'}",
                              "name the output .fif or .edf, or pass --format fif|edf")
    fmt = fmt.lower()
    if fmt not in ("fif", "edf"):
        raise ConfigError(f"unknown export format {fmt!r}", "use --format fif or --format edf")
    if FORMATS.get(suffix) != fmt:
        ending, example = (".fif or .fif.gz", "_raw.fif") if fmt == "fif" else (".edf", ".edf")
        raise ConfigError(f"{out} does not end in {ending}, as {fmt.upper()} files must",
                          f"name the output e.g. {out.stem}{example}")
    if out.exists() and not overwrite:
        raise ConfigError(f"{out} already exists", "pass --overwrite or choose another name")
    if fmt == "fif" and not name.endswith(MNE_RAW_ENDINGS):
        stem = out.name[:-len(suffix)]
        log.warning("%s does not follow MNE's naming of raw files (a name ending in "
                    "_raw.fif); mne.io.read_raw_fif will warn when it reads it: name it "
                    "e.g. %s", out.name, f"{stem}_raw{suffix}")
    check_writable(out.parent, "the folder of --to", "pass --to a file in a folder you may "
                   "write to")
    rec = read_recording(path)
    raw = recording_to_raw(rec)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "fif":
        raw.save(out, overwrite=overwrite, verbose="error")
    else:
        import mne

        bad = ~np.isfinite(raw.get_data())
        if bad.any():
            raise DataFormatError(f"the recording holds {int(bad.sum())} NaN/Inf values, "
                                  "which EDF cannot store", "export to .fif instead")
        mne.export.export_raw(out, raw, fmt="edf", overwrite=overwrite, verbose="error")
    log.info("exported %s (%d channels, %d samples) to %s", path, len(rec.channels),
             rec.data.shape[1], out)
    return out
