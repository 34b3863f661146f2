"""Consumer headsets whose streams may arrive unlabelled, and how to recognise them.

When a stream names its channels, its names are used. Some publishers do not
(layouts read from each program's source or documentation):

* g.tec's Unicorn LSL app (``Unicorn-Network-Interfaces-Hybrid-Black``,
  ``LSL/Unicorn LSL/UnicornLSL/MainUI.cs``): one stream named after the device
  serial (``UN-...``), type ``Data``, 17 unlabelled float32 channels at 250 Hz in
  the Unicorn C API's order (``unicorn.h``: EEG 1-8 at index 0, accelerometer 8-10,
  gyroscope 11-13, battery 14, counter 15, validation indicator 16); or, with
  "split signals", ``<name>_EEG`` with the 8 EEG channels alone. g.tec documents
  the EEG electrodes as Fz C3 Cz C4 Pz PO7 Oz PO8;
* Muse streams of other programs than muselsl (which labels them,
  ``muselsl/muse.py``): TP9 AF7 AF8 TP10 (and ``Right AUX``) at 256 Hz;
* the Neurosity Crown: CP3 C3 F5 PO3 PO4 F6 C4 CP4 at 256 Hz (BrainFlow's board
  descriptor);
* Emotiv EPOC (14 sensors) and Insight (5), in EmotivPRO's order, with or without
  EmotivPRO's extra channels (Timestamp, Counter, Interpolate before the sensors,
  HardwareMarker and Markers after them, its LSL guide).

:func:`infer_headset` recognises a stream by words in its name, type, source id
or manufacturer and by its channel count and rate; OpenBCI streams keep their own
rule (:mod:`eeg_emotion.realtime.sources.channels`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eeg_emotion.montages import CROWN, EMOTIV_EPOC, EMOTIV_INSIGHT, MUSE, UNICORN

_EEG = "EEG"


@dataclass(frozen=True)
class Layout:
    """One way a publisher lays out a headset's channels.

    Attributes
    ----------
    labels : tuple of str
        Every channel of the stream, in order.
    types : tuple of str
        The type of each (``"EEG"`` for the electrodes).
    """

    labels: tuple[str, ...]
    types: tuple[str, ...]

    @property
    def n_channels(self) -> int:
        """Channels in the stream."""
        return len(self.labels)


def _layout(before: tuple[tuple[str, str], ...], eeg: tuple[str, ...],
            after: tuple[tuple[str, str], ...] = ()) -> Layout:
    labels = (*(lab for lab, _ in before), *eeg, *(lab for lab, _ in after))
    types = (*(t for _, t in before), *([_EEG] * len(eeg)), *(t for _, t in after))
    return Layout(tuple(labels), tuple(types))


@dataclass(frozen=True)
class Headset:
    """A headset eeg-emotion recognises in an unlabelled stream.

    Attributes
    ----------
    name : str
        Its montage's name (``--montage NAME``), e.g. ``"unicorn"``.
    title : str
        How users call it, e.g. ``"g.tec Unicorn"``.
    eeg : tuple of str
        The EEG electrodes, in stream order.
    layouts : tuple of Layout
        The stream layouts its publishers use (EEG alone, or with extra channels).
    rates : tuple of float
        Sampling rates its publishers use (Hz).
    words : tuple of str
        Regular expressions (lower case) that, found in the stream's name, type,
        source id or manufacturer, say it is this headset.
    source : str
        Where the layout was read.
    """

    name: str
    title: str
    eeg: tuple[str, ...]
    layouts: tuple[Layout, ...]
    rates: tuple[float, ...]
    words: tuple[str, ...]
    source: str

    def layout_for(self, n_channels: int) -> Layout | None:
        """The layout with ``n_channels`` channels, if the headset has one."""
        return next((lay for lay in self.layouts if lay.n_channels == n_channels), None)


_UNICORN_REST = (("AccX", "Accelerometer"), ("AccY", "Accelerometer"),
                 ("AccZ", "Accelerometer"), ("GyroX", "Gyroscope"), ("GyroY", "Gyroscope"),
                 ("GyroZ", "Gyroscope"), ("Battery", "Battery"), ("Counter", "Counter"))
_EMOTIV_BEFORE = (("Timestamp", "Timestamp"), ("Counter", "Counter"),
                  ("Interpolate", "Interpolate"))
_EMOTIV_AFTER = (("HardwareMarker", "Marker"), ("Markers", "Marker"))

HEADSETS: tuple[Headset, ...] = (
    Headset("unicorn", "g.tec Unicorn Hybrid Black", UNICORN,
            (_layout((), UNICORN, (*_UNICORN_REST, ("Validation", "Validation"))),
             _layout((), UNICORN, _UNICORN_REST), _layout((), UNICORN)),
            (250.0,), (r"unicorn", r"^un-\d", r"g\.?tec"),
            "g.tec Unicorn LSL app (MainUI.cs) and C API (unicorn.h: EEG 0-7, "
            "accelerometer 8-10, gyroscope 11-13, battery 14, counter 15, validation 16)"),
    Headset("muse", "Muse 2 / Muse S / Muse 2016", MUSE,
            (_layout((), MUSE, (("Right AUX", "EEG"),)), _layout((), MUSE)), (256.0,),
            (r"muse",), "muselsl (muselsl/muse.py) and BrainFlow's Muse boards"),
    Headset("crown", "Neurosity Crown", CROWN, (_layout((), CROWN),), (256.0,),
            (r"crown", r"neurosity"), "BrainFlow's Crown board descriptor"),
    Headset("emotiv-epoc", "Emotiv EPOC / EPOC+ / EPOC X", EMOTIV_EPOC,
            (_layout(_EMOTIV_BEFORE, EMOTIV_EPOC, _EMOTIV_AFTER), _layout((), EMOTIV_EPOC)),
            (128.0, 256.0), (r"emotiv", r"epoc"),
            "EmotivPRO's LSL guide (Emotiv/labstreaminglayer README) and the Cortex API"),
    Headset("emotiv-insight", "Emotiv Insight", EMOTIV_INSIGHT,
            (_layout(_EMOTIV_BEFORE, EMOTIV_INSIGHT, _EMOTIV_AFTER),
             _layout((), EMOTIV_INSIGHT)),
            (128.0,), (r"emotiv", r"insight"),
            "EmotivPRO's LSL guide (Emotiv/labstreaminglayer README) and the Cortex API"),
)

BY_NAME: dict[str, Headset] = {h.name: h for h in HEADSETS}


@dataclass(frozen=True)
class Recognised:
    """A headset recognised in a stream, with the layout that fits it and why."""

    headset: Headset
    layout: Layout
    why: str


def infer_headset(n_channels: int, sfreq: float | None, *, name: str = "", stype: str = "",
                  source_id: str = "", manufacturer: str = "") -> Recognised | None:
    """The known headset an unlabelled stream comes from, if it is recognisable.

    A headset is recognised when one of its words is in the stream's name, type,
    source id or manufacturer and it has a layout with the stream's channel count
    (and the rate is one of its rates, when the rate is known). g.tec's Unicorn app
    is also recognised without a word: type ``Data``, 17 channels at 250 Hz, as it
    publishes a device serial as the name.

    Parameters
    ----------
    n_channels : int
        The stream's channel count.
    sfreq : float | None
        Its nominal rate (None or 0: unknown).
    name, stype, source_id, manufacturer : str
        From its description.

    Returns
    -------
    Recognised | None
    """
    text = " ".join(s.lower() for s in (name, stype, source_id, manufacturer) if s)
    fields = [s.lower() for s in (name, source_id) if s]
    for headset in HEADSETS:
        layout = headset.layout_for(n_channels)
        if layout is None or (sfreq and float(sfreq) not in headset.rates):
            continue
        word = next((w for w in headset.words if re.search(w, text)
                     or any(re.search(w, f) for f in fields)), None)
        if word is not None:
            return Recognised(headset, layout,
                              f"its description names a {headset.title} "
                              f"({n_channels} channels{f' at {sfreq:g} Hz' if sfreq else ''})")
    unicorn = BY_NAME["unicorn"]
    if stype.strip().lower() == "data" and n_channels == 17 and sfreq == 250.0:
        return Recognised(unicorn, unicorn.layouts[0],
                          "it is laid out as g.tec's Unicorn LSL app publishes (type 'Data', "
                          "17 channels at 250 Hz)")
    return None
