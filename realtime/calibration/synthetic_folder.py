"""A calibration folder as ``eeg-emotion calibrate`` writes it, made without a stream.

For tests and benchmarks of personal training (``calibrate --train``): each block's
stimulus period is a trial of a synthetic DEAP subject
(:func:`eeg_emotion.offline.synth.deap.synth_deap_subject`; its Cyton channels,
resampled to the headset's rate, with Cyton-like DC offsets), rated with that
trial's own ratings; the rest before it is the trial's neutral baseline. The folder
is written through the same crash-safe recorder and plan as a real session.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from eeg_emotion.calibration_files import CalibrationFolder
from eeg_emotion.montages import CYTON, DEAP
from eeg_emotion.offline.synth.deap import synth_deap_subject
from eeg_emotion.realtime.calibration.protocol import built_in_plan
from eeg_emotion.realtime.outputs.recording import Recorder
from eeg_emotion.realtime.sources.source import Chunk, SourceInfo


def write_calibration_folder(root: str | Path, n_blocks: int = 10, stimulus_s: float = 8.0,
                             rest_s: float = 2.0, sessions: int = 1, seed: int = 3,
                             sfreq: float = 250.0, synthetic: bool = False) -> dict:
    """Write a rated calibration folder of an OpenBCI Cyton-like headset.

    Parameters
    ----------
    root : str | pathlib.Path
        The folder (must not exist, or be empty).
    n_blocks : int
        Rated blocks per session.
    stimulus_s, rest_s : float
        Seconds of each stimulus and rest period.
    sessions : int
        Sessions (``calibrate --add`` days).
    seed : int
        Seed of the data, the offsets and the block plans.
    sfreq : float
        The headset's rate in Hz.
    synthetic : bool
        Record the stream as synthetic (as a replay of ``synth`` files would be).

    Returns
    -------
    dict
        ``ratings`` (blocks x 4 DEAP ratings, in block order over sessions) and
        ``folder`` (the :class:`~eeg_emotion.calibration_files.CalibrationFolder`).
    """
    gen = np.random.default_rng(seed)
    data, ratings = synth_deap_subject(gen, n_blocks * sessions, stimulus_s, baseline_s=3.0)
    rows = [DEAP.index(c) for c in CYTON]
    eeg = resample_poly(data[:, rows], int(sfreq), 128, axis=-1)  # (trials, 8, n)
    info = SourceInfo("obci_eeg1", "lsl", CYTON, sfreq, "openbcigui", montage="cyton",
                      synthetic=synthetic)
    blocks = built_in_plan(n_blocks, stimulus_s, rest_s, seed)
    folder = CalibrationFolder.create(root, info, blocks, {"blocks": n_blocks,
                                                           "stimulus_s": stimulus_s,
                                                           "rest_s": rest_s, "stimuli": "",
                                                           "seed": seed})
    offsets = gen.uniform(1e4, 5e4, (len(CYTON), 1))
    n_rest, n_stim, base = round(rest_s * sfreq), round(stimulus_s * sfreq), round(3 * sfreq)
    for session in range(1, sessions + 1):
        if session > 1:
            folder.add_session(built_in_plan(n_blocks, stimulus_s, rest_s, seed + session))
        rec = Recorder(folder.new_part(session), info)
        t = 1000.0 * session
        for b in range(n_blocks):
            k = (session - 1) * n_blocks + b
            trial = eeg[k]
            parts = (("rest_start", trial[:, base - n_rest:base]),
                     ("stimulus_start", trial[:, base:base + n_stim]))
            for event, x in parts:
                rec.write_marker(t, json.dumps({"event": event, "block": b}))
                stamps = t + np.arange(x.shape[1]) / sfreq
                rec.write_samples(Chunk((x + offsets).astype(np.float32), stamps))
                t = float(stamps[-1]) + 1 / sfreq
            rec.write_marker(t, json.dumps({"event": "stimulus_end", "block": b}))
            labels = dict(zip(("valence", "arousal", "dominance"),
                              map(float, ratings[k, :3]), strict=True))
            rec.write_marker(t + 0.1, json.dumps({"event": "rating", "block": b,
                                                  "labels": labels}))
        rec.close()
    return {"ratings": ratings, "folder": folder}
