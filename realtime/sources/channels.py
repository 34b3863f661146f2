"""Channel labels of a live stream and their mapping onto a model's channels.

:func:`label_channels` names a stream's channels and says which are EEG: from
``--montage``, from the stream's description, for an unlabelled OpenBCI stream
from OpenBCI's documented default placement for its channel count, or for an
unlabelled stream of a known headset (:func:`eeg_emotion.headsets.infer_headset`:
g.tec Unicorn, Muse, Neurosity Crown, Emotiv) from its documented layout, with a
note saying which was assumed. The EEG channels are picked once here
(:func:`eeg_emotion.channel_kinds.select_eeg`). Both ``live`` and ``calibrate``
get it through their source.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eeg_emotion.channel_kinds import select_eeg
from eeg_emotion.errors import MontageError, StreamError
from eeg_emotion.headsets import BY_NAME, infer_headset
from eeg_emotion.hints import train_for_channels_hint
from eeg_emotion.montages import (
    MONTAGES,
    locate_channels,
    match_channels,
    montage_label,
    normalize_name,
    resolve_montage,
)

log = logging.getLogger(__name__)


#: OpenBCI's documented default placements by channel count (OpenBCI docs; BrainFlow's
#: board descriptions give the same names). The Ganglion (4 channels) has none.
OPENBCI_DEFAULTS: dict[int, str] = {8: "cyton", 16: "cyton-daisy"}

_MONTAGE_FIX = ("pass the headset's montage (--montage cyton, cyton-daisy, muse, unicorn, "
                "crown, emotiv-epoc or emotiv-insight) or the 10-20 names in stream order, "
                "e.g. --montage Fp1,Fp2,C3,C4,P7,P8,O1,O2")


@dataclass(frozen=True)
class ChannelLabels:
    """A stream's channel names, which of them are EEG, and where they came from.

    Attributes
    ----------
    names : tuple of str
        One name per stream channel, in stream order.
    montage : str
        A known montage's name or the comma list of the EEG channels
        (:func:`montage_label`).
    note : str
        Why these names, when they were assumed or given rather than described by
        the stream (shown on the terminal, in the ``info`` line and on the
        dashboard); empty when the stream named its channels itself.
    types : tuple of str
        Each channel's type, as declared or as the assumed layout says.
    eeg : tuple of int
        Rows of the EEG channels.
    dropped_note : str
        Which channels are not EEG and why (empty when all are).
    """

    names: tuple[str, ...]
    montage: str
    note: str = ""
    types: tuple[str, ...] = ()
    eeg: tuple[int, ...] = ()
    dropped_note: str = ""

    @property
    def eeg_names(self) -> tuple[str, ...]:
        """The EEG channels' names."""
        return tuple(self.names[i] for i in self.eeg)


def _finish(names: Sequence[str], types: Sequence[str], note: str, stream: str
            ) -> ChannelLabels:
    names = tuple(str(n) for n in names)
    types = tuple(str(t) for t in types) + ("",) * (len(names) - len(types))
    selection = select_eeg(names, types)
    if not selection.rows:
        raise StreamError(
            f"stream {stream!r} has no EEG channel: "
            + ", ".join(f"{lab} ({why})" for lab, why in selection.dropped[:8]),
            "pick the stream with the EEG time series (`eeg-emotion streams` lists the "
            "streams with their types)")
    eeg_names = [names[i] for i in selection.rows]
    dropped = selection.note(f"stream {stream!r}")
    if dropped:
        log.info("%s", dropped)
    return ChannelLabels(names, montage_label(eeg_names), note, types, selection.rows,
                         dropped)


def _given_montage(montage: str, described: Sequence[str], types: Sequence[str],
                   n_channels: int, stream: str) -> ChannelLabels:
    """``--montage``: one name per channel, a known headset's layout, or one per EEG channel."""
    names = tuple(resolve_montage(montage))
    note = f"channel names from --montage {montage}"
    if len(names) == n_channels:
        return _finish(names, types, note, stream)
    headset = BY_NAME.get(montage.strip().lower())
    layout = headset.layout_for(n_channels) if headset is not None else None
    if layout is not None:
        return _finish(layout.labels, layout.types,
                       f"{note} ({headset.title}: {', '.join(layout.labels)})", stream)
    labels = [str(s).strip() for s in described] + [""] * n_channels
    labels = [lab or f"ch{i + 1}" for i, lab in enumerate(labels[:n_channels])]
    rows = select_eeg(labels, types).rows
    if len(rows) == len(names) and len(rows) < n_channels:
        merged = list(labels)
        for row, name in zip(rows, names, strict=True):
            merged[row] = name
        return _finish(merged, types, f"{note} (the stream's {len(rows)} EEG channels)",
                       stream)
    raise MontageError(
        f"montage {montage!r} has {len(names)} channels but stream {stream!r} has "
        f"{n_channels}" + (f" ({len(rows)} of them EEG)" if len(rows) != n_channels else ""),
        "pass a montage with one name per stream channel (or per EEG channel), e.g. "
        "--montage Fp1,Fp2,C3,... (or cyton / cyton-daisy / muse / unicorn)")


def label_channels(described: Sequence[str], n_channels: int, montage: str | None,
                   stream: str, *, openbci: bool = False, sfreq: float | None = None,
                   types: Sequence[str] = (), stype: str = "", source_id: str = "",
                   manufacturer: str = "") -> ChannelLabels:
    """Choose the channel labels of a stream and its EEG channels, inferring known headsets.

    In order: ``--montage`` (it always wins: one name per channel, a known
    headset's whole layout, or one name per EEG channel); labels from the stream's
    description (placeholders such as ``1, 2, 3`` or ``ch1`` do not count); for an
    OpenBCI stream (``openbci``) that names no channels, OpenBCI's default placement
    for its channel count (8: ``cyton``, 16: ``cyton-daisy``); for a recognisable
    headset (:func:`eeg_emotion.headsets.infer_headset`), its documented layout.
    Anything else is an error asking for ``--montage``.

    Parameters
    ----------
    described : sequence of str
        Labels from the stream's description (may be empty or generic).
    n_channels : int
        The stream's channel count.
    montage : str | None
        ``--montage`` value (a known montage or a comma-separated list).
    stream : str
        Stream name for messages.
    openbci : bool
        The stream is what OpenBCI GUI or OpenBCI_LSL publishes (see
        :func:`eeg_emotion.realtime.sources.lsl_source.is_openbci_stream`).
    sfreq : float | None
        The stream's rate, for the note and headset recognition.
    types : sequence of str
        Channel types from the description.
    stype, source_id, manufacturer : str
        The stream's type, source id and manufacturer, for headset recognition.

    Returns
    -------
    ChannelLabels

    Raises
    ------
    MontageError
        If ``--montage`` fits neither the stream's channels nor its EEG channels.
    StreamError
        If nothing names the channels (including an OpenBCI Ganglion, which has
        no documented default placement), or no channel is EEG.
    """
    if montage:
        return _given_montage(montage, described, types, n_channels, stream)
    labels = [str(s).strip() for s in described]
    if len(labels) == n_channels and all(labels) and not _generic(labels):
        return _finish(labels, types, "", stream)
    said = f" (its description says {', '.join(labels[:8])})" if any(labels) else ""
    rate = f" ({sfreq:g} Hz)" if sfreq else ""
    if openbci and n_channels in OPENBCI_DEFAULTS:
        name = OPENBCI_DEFAULTS[n_channels]
        names = MONTAGES[name]
        note = (f"montage {name} assumed: {stream!r} is an OpenBCI stream with "
                f"{n_channels} unlabelled channels{rate}{said}; {name} is OpenBCI's default "
                f"{n_channels}-channel placement ({', '.join(names)}); --montage overrides")
        log.info("%s", note)  # the command shows it (terminal, info line, dashboard)
        return _finish(names, (), note, stream)
    if openbci and n_channels == 4:
        raise StreamError(
            f"OpenBCI stream {stream!r} has 4 unlabelled channels (a Ganglion{said}); "
            "OpenBCI documents no default placement for the Ganglion",
            "pass the 4 positions of your electrodes in channel order, e.g. "
            "--montage Fp1,Fp2,O1,O2")
    known = infer_headset(n_channels, sfreq, name=stream, stype=stype, source_id=source_id,
                          manufacturer=manufacturer)
    if known is not None:
        headset, layout = known.headset, known.layout
        extra = [lab for lab, t in zip(layout.labels, layout.types, strict=True) if t != "EEG"]
        note = (f"montage {headset.name} assumed: {stream!r} does not name its {n_channels} "
                f"channels{said}, and {known.why}; {headset.name} is its documented layout "
                f"(EEG {', '.join(headset.eeg)}"
                + (f"; then {', '.join(extra)}" if extra else "")
                + f"; {headset.source}); --montage overrides")
        log.info("%s", note)
        return _finish(layout.labels, layout.types, note, stream)
    raise StreamError(f"stream {stream!r} does not name its {n_channels} channels{said}",
                      _MONTAGE_FIX)


def stream_channel_names(described: Sequence[str], n_channels: int, montage: str | None,
                         stream: str) -> tuple[str, ...]:
    """The channel labels of a stream that is not OpenBCI's (see :func:`label_channels`).

    Returns
    -------
    tuple of str
    """
    return label_channels(described, n_channels, montage, stream).names


def _generic(labels: Sequence[str]) -> bool:
    """True for placeholder labels such as ``1, 2, 3`` or ``ch1, ch2``."""
    keys = [normalize_name(s) for s in labels]
    if len(set(keys)) != len(keys):
        return True
    return all(k.isdigit() or (k.startswith(("CH", "EXG", "EEG")) and k[-1:].isdigit())
               for k in keys)


def map_to_model(stream_channels: Sequence[str], model_channels: Sequence[str], *,
                 supports_missing: bool, source: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Indices of the model's channels in the stream, and a mask if some are missing.

    Parameters
    ----------
    stream_channels, model_channels : sequence of str
        Labels of the stream and of the model (in model order).
    supports_missing : bool
        Whether the model accepts a ``channel_mask`` for absent channels.
    source : str
        How to name the stream in errors.

    Returns
    -------
    index : numpy.ndarray of int
        For each model channel, its stream row (-1 when missing).
    mask : numpy.ndarray of bool | None
        ``True`` where the model channel is present; None when all are.

    Raises
    ------
    MontageError
        Listing the missing channels, unless the model supports missing ones.
    """
    fix = ("if the stream's channel names are wrong, give the right ones with --montage; "
           "otherwise " + train_for_channels_hint(stream_channels))
    try:
        return match_channels(stream_channels, model_channels, source=source, fix=fix), None
    except MontageError:
        if not supports_missing:
            raise
    index = locate_channels(stream_channels, model_channels)
    mask = index >= 0
    if not mask.any():
        raise MontageError(
            f"{source} has none of the model's channels ({', '.join(model_channels[:8])}...)",
            "label the stream's channels with --montage; otherwise "
            + train_for_channels_hint(stream_channels))
    absent = [c for c, m in zip(model_channels, mask, strict=True) if not m]
    log.warning("%s lacks %d model channels (%s); they are masked", source, len(absent),
                ", ".join(absent))
    return index, mask
