"""Channel labels of a live stream and their mapping onto a model's channels."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from eeg_emotion.errors import MontageError, StreamError
from eeg_emotion.montages import match_channels, normalize_name, resolve_montage

log = logging.getLogger(__name__)


def stream_channel_names(described: Sequence[str], n_channels: int, montage: str | None,
                         stream: str) -> tuple[str, ...]:
    """Choose the channel labels of a stream.

    Parameters
    ----------
    described : sequence of str
        Labels from the stream's description (may be empty or generic).
    n_channels : int
        The stream's channel count.
    montage : str | None
        ``--montage`` value (a known montage or a comma-separated list); it wins
        over the description when given.
    stream : str
        Stream name for messages.

    Returns
    -------
    tuple of str

    Raises
    ------
    MontageError
        If the montage has another channel count than the stream.
    StreamError
        If neither a usable description nor a montage names the channels.
    """
    if montage:
        names = resolve_montage(montage)
        if len(names) != n_channels:
            raise MontageError(
                f"montage {montage!r} has {len(names)} channels but stream {stream!r} "
                f"has {n_channels}",
                "pass a montage with one name per stream channel, e.g. "
                "--montage Fp1,Fp2,C3,... (or cyton / cyton-daisy)")
        return tuple(names)
    labels = [str(s).strip() for s in described]
    if len(labels) == n_channels and all(labels) and not _generic(labels):
        return tuple(labels)
    raise StreamError(
        f"stream {stream!r} does not name its {n_channels} channels"
        + (f" (its description says {', '.join(labels[:8])})" if any(labels) else ""),
        "pass --montage cyton, --montage cyton-daisy, or the 10-20 names in stream order, "
        "e.g. --montage Fp1,Fp2,C3,C4,P7,P8,O1,O2")


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
    try:
        return match_channels(stream_channels, model_channels, source=source), None
    except MontageError:
        if not supports_missing:
            raise
    lookup = {normalize_name(n): i for i, n in reversed(list(enumerate(stream_channels)))}
    index = np.array([lookup.get(normalize_name(c), -1) for c in model_channels], dtype=np.intp)
    mask = index >= 0
    if not mask.any():
        raise MontageError(
            f"{source} has none of the model's channels ({', '.join(model_channels[:8])}...)",
            "label the stream's channels with --montage or use a model trained on them")
    absent = [c for c, m in zip(model_channels, mask, strict=True) if not m]
    log.warning("%s lacks %d model channels (%s); they are masked", source, len(absent),
                ", ".join(absent))
    return index, mask
