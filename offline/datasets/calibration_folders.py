"""Calibration sessions (and rated ``live --record`` recordings) as a dataset.

``eeg-emotion calibrate`` writes a folder of crash-safe recordings with JSON
markers (the layout: :mod:`eeg_emotion.calibration_files`). This reader turns
it into a :class:`~eeg_emotion.offline.datasets.registry.DatasetIndex` that ``train``,
``evaluate`` and personal-model training read like any dataset:

* one trial per rated block: the stimulus period, from ``stimulus_start`` to
  ``stimulus_end``, labelled with the block's ``rating`` (valence, arousal,
  dominance on DEAP's 1-9 scales, so the DEAP targets apply); unrated (killed)
  and repeated blocks are left out;
* one session per calibration session (``--add`` makes more), subject ``me``;
* a ``live --record`` folder of a replayed dataset counts too: its replay
  markers (``trial_start`` / ``baseline_end`` ... ``trial_end`` carrying the
  trial's labels) give the trials.

The rate and channels are the stream's as recorded (e.g. a Cyton's 8 channels at
250 Hz, named by its montage), EEG channels only (a Muse's ``Right AUX``, a
counter or a marker channel are recorded but are not EEG); samples are converted
to microvolts. A part whose samples were stamped with another clock than its
markers (a muselsl stream recorded before such timestamps were mapped live) is
realigned when read (:func:`eeg_emotion.recording_files.realign_clock`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from eeg_emotion.calibration_files import PLAN_FILE, calibrate_command, recording_parts
from eeg_emotion.errors import DataFormatError
from eeg_emotion.offline.datasets.file_cache import cached_by_stat
from eeg_emotion.offline.datasets.registry import (
    DatasetIndex,
    DatasetReader,
    TrialFile,
    TrialRef,
    register_reader,
)
from eeg_emotion.recording_files import Recording, is_recording, labelled_segments, read_recording

log = logging.getLogger(__name__)

READER_NAME = "calibration"
SUBJECT = "me"


def detect_calibration(path: Path) -> bool:
    """A calibration folder, or a recording folder with labelled markers."""
    p = Path(path)
    if (p / PLAN_FILE).is_file():
        return True
    if not is_recording(p):
        return False
    try:
        return bool(labelled_segments(read_recording(p).markers))
    except DataFormatError:
        return False


@cached_by_stat(maxsize=8, stamp_file="samples.f32")
def _recording(path: str) -> Recording:
    return read_recording(path)






def index_calibration(root: Path) -> DatasetIndex:
    """Index a calibration folder (or one rated recording) without copying its samples.

    Raises
    ------
    DataFormatError
        No recordings, recordings of different channels or rates, or no rated block.
    """
    root = Path(root).expanduser()
    parts = recording_parts(root)
    if not parts:
        if (root / PLAN_FILE).is_file():
            fix = f"record its first block with `{calibrate_command(root, '--resume')}`"
        elif not root.exists() or not any(root.iterdir()):
            fix = f"record a session into it with `{calibrate_command(root)}`"
        else:
            fix = (f"record a session into a new folder with "
                   f"`{calibrate_command(root.with_name(root.name + '-calibration'))}`")
        raise DataFormatError(f"{root} holds no recordings (no session-*/part-*/meta.json)",
                              fix)
    trials: list[TrialRef] = []
    channels: list[str] | None = None
    sfreq = 0.0
    empty: list[str] = []  # rated blocks without samples, and why
    for session, part in parts:
        rec = _recording(part)
        if channels is None:
            channels, sfreq = list(rec.eeg_channels), float(rec.sfreq)
        elif list(rec.eeg_channels) != channels or abs(rec.sfreq - sfreq) > 1e-6:
            raise DataFormatError(
                f"{part} was recorded with {len(rec.eeg_channels)} EEG ch @ {rec.sfreq:g} Hz, "
                f"the rest of {root} with {len(channels)} EEG ch @ {sfreq:g} Hz",
                "keep one headset and montage per calibration folder")
        if rec.realigned:
            log.warning("%s: %s", part, rec.realigned)
        for trial, start, end, labels in labelled_segments(rec.markers):
            a, b = np.searchsorted(rec.timestamps, [start, end])
            if b - a < 2:
                why = _why_empty(rec, start, end)
                log.warning("%s: block/trial %d has no samples (%s); skipped", part, trial,
                            why)
                empty.append(f"{part.name} block {trial}: {why}")
                continue
            trials.append(TrialRef(subject=SUBJECT, session=session, trial=trial,
                                   labels={k: float(v) for k, v in labels.items()},
                                   file=part, key=f"{a}:{b}", n_times=int(b - a)))
    if not trials and empty:
        raise DataFormatError(
            f"{root} has {len(empty)} rated block(s), but none holds samples: "
            + "; ".join(empty[:3]) + ("; …" if len(empty) > 3 else ""),
            "the ratings are kept; record the blocks again in a new session with "
            f"`{calibrate_command(root, '--add')}`")
    if not trials:
        raise DataFormatError(f"{root} has no rated block yet",
                              f"finish a block with `{calibrate_command(root, '--resume')}`")
    trials.sort(key=lambda t: (t.session, t.trial))
    return DatasetIndex(kind="calibration", sfreq=sfreq, channels=channels, trials=trials,
                        root=root, baseline_s=0.0, reader=READER_NAME)


def _why_empty(rec: Recording, start: float, end: float) -> str:
    """Why a rated block of a recording holds no samples."""
    if not len(rec.timestamps):
        return "the recording holds no samples (the stream sent nothing)"
    first, last = float(rec.timestamps[0]), float(rec.timestamps[-1])
    return (f"its stimulus ran {start:.1f}-{end:.1f} s on the markers' clock, the samples "
            f"span {first:.1f}-{last:.1f} s"
            + (" (the stream stopped sending before it)" if last < start else
               " (the stream started after it)" if first > end else
               " (a gap in the stream)"))


def load_calibration_trial(ref: TrialRef, index: DatasetIndex) -> np.ndarray:
    """The samples of one block, EEG channels only, (channels, n) float32 in microvolts."""
    rec = _recording(Path(ref.file))
    a, b = (int(v) for v in ref.key.split(":"))
    return rec.eeg_microvolts(a, b)


def _claims_file(path: Path) -> bool:
    return False  # replay reads files; a calibration is a folder


def _read_file(path: Path) -> TrialFile:
    raise DataFormatError(f"{path}: calibration recordings are folders",
                          "pass the folder to `eeg-emotion train --data`")


READER = register_reader(DatasetReader(
    name=READER_NAME, kind="calibration", detect=detect_calibration,
    index=index_calibration, load=load_calibration_trial, claims_file=_claims_file,
    read_file=_read_file, priority=80))
