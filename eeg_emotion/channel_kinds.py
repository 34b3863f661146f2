"""Which channels of a stream or recording are EEG: by their type, else by their label.

Publishers put more than EEG into their streams (layouts read from each program's
source):

* muselsl (``muselsl/muse.py``): ``TP9 AF7 AF8 TP10`` and ``Right AUX``, an
  auxiliary input, all typed ``EEG``;
* BrainVision RDA (``LSL-BrainVisionRDA/mainwindow.cpp``): the Recorder's channels
  typed ``EEG`` plus ``MkIdx`` typed ``Marker``;
* BrainAmp Series (``App-BrainAmpSeries/mainwindow.cpp``): ``EEG``, bipolar ``ExG``
  and a ``triggerStream`` typed ``AUX``;
* EmotivPRO (its LSL guide): ``Timestamp Counter Interpolate <sensors>
  HardwareMarker Markers``, untyped;
* g.tec's Unicorn LSL app: EEG 1-8, accelerometer, gyroscope, battery, counter,
  validation, unlabelled (:mod:`eeg_emotion.headsets` names them);
* mne-lsl's player (``mne_lsl/lsl/stream_info.py``): MNE's types in lower case
  (``eeg``, ``eog``, ``stim``, ``misc``).

:func:`select_eeg` keeps a channel when its type is EEG (``ExG`` too when no
channel says ``EEG``: explorepy types all its channels ``ExG``, BrainAmp its
bipolar ones) or when it has no type, and its label does not name something
else (:func:`non_eeg_label`: ``Right AUX``, ``MkIdx``, ``COUNTER``, ``Timestamp``,
markers, motion, battery, validation, PPG...). A 10-20 name is never dropped for
its label. The caller computes the rows once per (re)connection; the hot path
only indexes with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: (pattern on the label in upper case without spaces, _, - or ., what it is)
_NON_EEG: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), what) for pattern, what in (
        (r"^(RIGHT|LEFT)?AUX\d*$|^AUX.*", "an auxiliary input"),
        (r"^MKIDX$", "BrainVision RDA's marker index"),
        (r"^(HARDWARE)?MARKERS?\d*$|^EVENTS?$|^TRIGGER(STREAM)?\d*$|^TRIG\d*$|^STI\d*$"
         r"|^STATUS$|^STIM\d*$", "a marker/trigger channel"),
        (r"^COUNTER$|^CNT$|^PACKAGE(NUM)?$|^SAMPLE(INDEX|NUMBER)?$", "a sample counter"),
        (r"^TIMESTAMPS?$|^TIME$", "a timestamp channel"),
        (r"^INTERPOLATED?$", "an interpolation flag"),
        (r"^ACC(EL(EROMETER)?)?[XYZ]?\d*$|^A[XYZ]$", "an accelerometer axis"),
        (r"^GYR(O(SCOPE)?)?[XYZ]?\d*$|^G[XYZ]$", "a gyroscope axis"),
        (r"^MAG(NETOMETER)?[XYZ]?\d*$|^M[XYZ]$|^[XYZ]$|^Q[0-3]$|^QUAT\w*$",
         "a motion sensor axis"),
        (r"^BAT(TERY)?(LEVEL|PERCENT)?$", "the battery level"),
        (r"^VALID(ATION)?(INDICATOR)?$", "a validation flag"),
        (r"^PPG\d*$|^OPT(ICS)?\d*$", "an optical (PPG) sensor"),
        (r"^EX\d+$|^EXG\d+$", "an external (non-scalp) input"),
        (r"^(ECG|EKG|EOG|HEOG|VEOG|EMG|RESP|GSR|EDA|TEMP(ERATURE)?)\d*$",
         "a non-EEG body signal"),
    ))

#: Channel types (lower case) that count as EEG.
EEG_TYPES = ("eeg",)
#: Types that count as EEG when no channel of the stream is typed EEG (explorepy).
EXG_TYPES = ("exg",)


def _key(label: str) -> str:
    return re.sub(r"[\s_\-.]", "", str(label).upper())


def non_eeg_label(label: str) -> str | None:
    """What a label names when it is not a scalp electrode.

    Parameters
    ----------
    label : str
        A channel label, e.g. ``"Right AUX"``, ``"MkIdx"``, ``"COUNTER"``, ``"Fp1"``.

    Returns
    -------
    str | None
        e.g. ``"an auxiliary input"``; None for anything that may be EEG (10-20
        names, placeholders such as ``ch1``).
    """
    key = _key(label)
    for pattern, what in _NON_EEG:
        if pattern.match(key):
            return what
    return None


@dataclass(frozen=True)
class EEGSelection:
    """The EEG channels of a stream and what was left out.

    Attributes
    ----------
    rows : tuple of int
        Stream rows of the EEG channels, in stream order.
    dropped : tuple of (label, reason)
        The other channels and why, e.g. ``("MkIdx", "typed 'Marker'")``.
    """

    rows: tuple[int, ...]
    dropped: tuple[tuple[str, str], ...] = ()

    def note(self, stream: str) -> str:
        """One line naming the dropped channels (empty when none was dropped)."""
        if not self.dropped:
            return ""
        parts = ", ".join(f"{label} ({why})" for label, why in self.dropped)
        return (f"{len(self.dropped)} of the {len(self.rows) + len(self.dropped)} channels of "
                f"{stream} are not EEG and are left out of models, indices and quality "
                f"checks (recordings keep them): {parts}")


def select_eeg(labels: Sequence[str], types: Sequence[str] = ()) -> EEGSelection:
    """The EEG channels among ``labels`` (see the module docstring).

    Parameters
    ----------
    labels : sequence of str
        Channel labels in stream order.
    types : sequence of str
        Their types as the stream declares them (``""`` or missing: none).

    Returns
    -------
    EEGSelection
        ``rows`` may be empty (then the stream has no EEG channel).
    """
    declared = [str(t or "").strip() for t in types]
    declared += [""] * (len(labels) - len(declared))
    kinds = [t.lower() for t in declared]
    accepted = set(EEG_TYPES) if any(k in EEG_TYPES for k in kinds) else \
        set(EEG_TYPES) | set(EXG_TYPES)
    rows: list[int] = []
    dropped: list[tuple[str, str]] = []
    for i, (label, kind) in enumerate(zip(labels, kinds, strict=False)):
        if kind and kind not in accepted:
            dropped.append((str(label), f"typed {declared[i]!r}"))
            continue
        what = non_eeg_label(label)
        if what is not None:
            dropped.append((str(label), what))
            continue
        rows.append(i)
    return EEGSelection(tuple(rows), tuple(dropped))
