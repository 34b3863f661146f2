"""Channel labels of a live stream and their mapping onto a model's channels.

:func:`label_channels` names a stream's channels: from ``--montage``, from the
stream's description, or, for an unlabelled OpenBCI stream, from OpenBCI's
documented default placement for its channel count, with a note saying so.
Both ``live`` and ``calibrate`` get it through their source.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eeg_emotion.errors import MontageError, StreamError
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

_MONTAGE_FIX = ("pass --montage cyton, --montage cyton-daisy, or the 10-20 names in stream "
                "order, e.g. --montage Fp1,Fp2,C3,C4,P7,P8,O1,O2")


@dataclass(frozen=True)
class ChannelLabels:
    """A stream's channel names and where they came from.

    Attributes
    ----------
    names : tuple of str
        One 10-20 name per stream channel, in stream order.
    montage : str
        A known montage's name or the comma list (:func:`montage_label`).
    note : str
        Why these names, when they were assumed or given rather than described by
        the stream (shown on the terminal, in the ``info`` line and on the
        dashboard); empty when the stream named its channels itself.
    """

    names: tuple[str, ...]
    montage: str
    note: str = ""


def label_channels(described: Sequence[str], n_channels: int, montage: str | None,
                   stream: str, *, openbci: bool = False,
                   sfreq: float | None = None) -> ChannelLabels:
    """Choose the channel labels of a stream, inferring OpenBCI's default montage.

    In order: ``--montage`` (it always wins); labels from the stream's description
    (placeholders such as ``1, 2, 3`` or ``ch1`` do not count); for an OpenBCI
    stream (``openbci``) that names no channels, OpenBCI's default placement for
    its channel count (8: ``cyton``, 16: ``cyton-daisy``). Anything else is an
    error asking for ``--montage``.

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
        The stream's rate, for the note.

    Returns
    -------
    ChannelLabels

    Raises
    ------
    MontageError
        If ``--montage`` has another channel count than the stream.
    StreamError
        If nothing names the channels (including an OpenBCI Ganglion, which has
        no documented default placement).
    """
    if montage:
        names = tuple(resolve_montage(montage))
        if len(names) != n_channels:
            raise MontageError(
                f"montage {montage!r} has {len(names)} channels but stream {stream!r} "
                f"has {n_channels}",
                "pass a montage with one name per stream channel, e.g. "
                "--montage Fp1,Fp2,C3,... (or cyton / cyton-daisy)")
        return ChannelLabels(names, montage_label(names),
                             f"channel names from --montage {montage}")
    labels = [str(s).strip() for s in described]
    if len(labels) == n_channels and all(labels) and not _generic(labels):
        return ChannelLabels(tuple(labels), montage_label(labels))
    said = f" (its description says {', '.join(labels[:8])})" if any(labels) else ""
    if openbci and n_channels in OPENBCI_DEFAULTS:
        name = OPENBCI_DEFAULTS[n_channels]
        names = MONTAGES[name]
        rate = f" ({sfreq:g} Hz)" if sfreq else ""
        note = (f"montage {name} assumed: {stream!r} is an OpenBCI stream with "
                f"{n_channels} unlabelled channels{rate}{said}; {name} is OpenBCI's default "
                f"{n_channels}-channel placement ({', '.join(names)}); --montage overrides")
        log.info("%s", note)  # the command shows it (terminal, info line, dashboard)
        return ChannelLabels(tuple(names), name, note)
    if openbci and n_channels == 4:
        raise StreamError(
            f"OpenBCI stream {stream!r} has 4 unlabelled channels (a Ganglion{said}); "
            "OpenBCI documents no default placement for the Ganglion",
            "pass the 4 positions of your electrodes in channel order, e.g. "
            "--montage Fp1,Fp2,O1,O2")
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
