"""Publish the engine's estimates as an LSL stream for other programs.

Stream ``eeg-emotion`` (type ``Emotion``, irregular rate, float32), one channel
per (target, class) probability, labelled ``valence:high`` etc. in the
description. In index mode (no trained model fits) it carries one channel per
index instead, labelled ``valence:index`` (unit ``z``, type
``UncalibratedIndex``), and its description says "uncalibrated index, not a
trained model". Two last channels carry each estimate's quality:
``quality:poor`` (1 when a tenth or more of the window was repaired NaN/Inf samples,
else 0) and ``quality:repaired_share`` (that share, 0 to 1). Each sample is stamped
with the end of its window on the LSL clock, so a consumer can align it with the EEG.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence

import numpy as np

from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.engine.state import INDEX_NOTE, Estimate
from eeg_emotion.targets import Target

log = logging.getLogger(__name__)


#: The quality channels after the estimate's: (label, unit, type).
QUALITY_CHANNELS = (("quality:poor", "flag", "Quality"),
                    ("quality:repaired_share", "fraction", "Quality"))


def channel_labels(targets: Sequence[Target], index: bool = False) -> list[str]:
    """``target:class`` labels in outlet channel order (``target:index`` in index mode),
    then the quality channels."""
    if index:
        values = [f"{t.name}:index" for t in targets]
    else:
        values = [f"{t.name}:{c}" for t in targets for c in t.classes]
    return [*values, *(label for label, _, _ in QUALITY_CHANNELS)]


class EstimateOutlet:
    """An LSL outlet of class probabilities.

    Parameters
    ----------
    targets : sequence of Target
        The model's targets (their classes fix the channels).
    name : str
        Stream name.
    smoothed : bool
        Publish the smoothed probabilities when an estimate has them.
    model_name : str
        Written in the description.
    index : bool
        Index mode: one channel per target carrying its z-scored band-power index
        (labels ``valence:index``, unit ``z``, type ``UncalibratedIndex``, and
        ``<estimate>uncalibrated index, not a trained model</estimate>`` in the
        description) instead of class probabilities.
    """

    def __init__(self, targets: Sequence[Target], name: str = "eeg-emotion", *,
                 smoothed: bool = True, model_name: str = "", index: bool = False) -> None:
        pylsl = import_pylsl()
        self.targets = list(targets)
        self.index = bool(index)
        self.labels = channel_labels(self.targets, self.index)
        self.name = name
        self.smoothed = smoothed
        source_id = f"eeg-emotion-{socket.gethostname()}-{os.getpid()}-{name}"
        info = pylsl.StreamInfo(name, "Emotion", len(self.labels), pylsl.IRREGULAR_RATE,
                                pylsl.cf_float32, source_id)
        chans = info.desc().append_child("channels")
        value = ("z", "UncalibratedIndex") if self.index else ("probability", "Probability")
        quality = {label: (unit, kind) for label, unit, kind in QUALITY_CHANNELS}
        for label in self.labels:
            unit, kind = quality.get(label, value)
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", unit)
            ch.append_child_value("type", kind)
        info.desc().append_child_value("model", model_name)
        info.desc().append_child_value("estimate", INDEX_NOTE if self.index
                                       else "class probabilities of a trained model")
        self._outlet = pylsl.StreamOutlet(info)
        self.pushed = 0
        log.info("publishing estimates on LSL stream %r (%d channels)", name, len(self.labels))

    def push(self, estimate: Estimate) -> None:
        """Publish one estimate, stamped with its window's end time."""
        quality = [float(estimate.quality == "poor"), estimate.repaired]
        if self.index:
            if estimate.indices is None:
                return
            values = [estimate.indices.values[t.name] for t in self.targets]
        else:
            probs = estimate.smoothed if (self.smoothed and estimate.smoothed) else \
                estimate.probabilities
            values = [probs[t.name][c] for t in self.targets for c in t.classes]
        self._outlet.push_sample(np.array([*values, *quality], dtype=np.float32),
                                 estimate.time)
        self.pushed += 1

    def close(self) -> None:
        """Withdraw the stream (safe to call twice)."""
        if self._outlet is not None:
            del self._outlet
            self._outlet = None
