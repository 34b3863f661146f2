"""Channel lists of the supported datasets and headsets, and name matching.

Names follow the 10-20 system. Matching is case-insensitive and accepts the
old names T3/T4/T5/T6 for T7/T8/P7/P8, so a DEAP model (``Fp1``) matches a
SEED-IV file (``FP1``) or an OpenBCI stream labelled ``fp1``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from eeg_emotion.errors import MontageError

#: DEAP preprocessed data, rows 0-31 (Geneva order).
DEAP = (
    "Fp1", "AF3", "F3", "F7", "FC5", "FC1", "C3", "T7", "CP5", "CP1", "P3", "P7", "PO3",
    "O1", "Oz", "Pz", "Fp2", "AF4", "Fz", "F4", "F8", "FC6", "FC2", "Cz", "C4", "T8",
    "CP6", "CP2", "P4", "P8", "PO4", "O2",
)

#: SEED-IV, 62 channels in the dataset's order.
SEED_IV = (
    "FP1", "FPZ", "FP2", "AF3", "AF4", "F7", "F5", "F3", "F1", "FZ", "F2", "F4", "F6", "F8",
    "FT7", "FC5", "FC3", "FC1", "FCZ", "FC2", "FC4", "FC6", "FT8", "T7", "C5", "C3", "C1",
    "CZ", "C2", "C4", "C6", "T8", "TP7", "CP5", "CP3", "CP1", "CPZ", "CP2", "CP4", "CP6",
    "TP8", "P7", "P5", "P3", "P1", "PZ", "P2", "P4", "P6", "P8", "PO7", "PO5", "PO3", "POZ",
    "PO4", "PO6", "PO8", "CB1", "O1", "OZ", "O2", "CB2",
)

#: OpenBCI Cyton, default 10-20 placement of its 8 inputs (N1P..N8P).
CYTON = ("Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2")

#: OpenBCI Cyton + Daisy, default placement of its 16 inputs.
CYTON_DAISY = (*CYTON, "F7", "F8", "F3", "F4", "T7", "T8", "P3", "P4")

#: Muse 2 / Muse S / Muse 2016 EEG electrodes, in muselsl's and BrainFlow's order
#: (``muselsl/muse.py``; BrainFlow's board descriptor of the Muse boards).
MUSE = ("TP9", "AF7", "AF8", "TP10")

#: g.tec Unicorn Hybrid Black, EEG 1-8 as g.tec documents the default cap (and as
#: BrainFlow's Unicorn board descriptor names them).
UNICORN = ("Fz", "C3", "Cz", "C4", "Pz", "PO7", "Oz", "PO8")

#: Neurosity Crown, in its channel order (BrainFlow's Crown board descriptor).
CROWN = ("CP3", "C3", "F5", "PO3", "PO4", "F6", "C4", "CP4")

#: Emotiv EPOC / EPOC+ / EPOC X sensors, in EmotivPRO's (Cortex API's) order.
EMOTIV_EPOC = ("AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4",
               "F8", "AF4")

#: Emotiv Insight sensors, in EmotivPRO's (Cortex API's) order.
EMOTIV_INSIGHT = ("AF3", "T7", "Pz", "T8", "AF4")

MONTAGES: dict[str, tuple[str, ...]] = {
    "deap": DEAP,
    "seed-iv": SEED_IV,
    "cyton": CYTON,
    "cyton-daisy": CYTON_DAISY,
    "muse": MUSE,
    "unicorn": UNICORN,
    "crown": CROWN,
    "emotiv-epoc": EMOTIV_EPOC,
    "emotiv-insight": EMOTIV_INSIGHT,
}

_OLD_NAMES = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}

#: Scalp regions used for region masking (MSMAE) and display.
REGIONS = ("frontal", "temporal", "central", "parietal", "occipital")


def normalize_name(name: str) -> str:
    """Return the canonical upper-case form of a 10-20 channel name.

    Parameters
    ----------
    name : str
        A channel label such as ``"Fp1"``, ``"FP1"``, ``" fp1 "`` or ``"T3"``.

    Returns
    -------
    str
        ``"FP1"``; old names are mapped to new ones (``"T3"`` -> ``"T7"``).
    """
    key = name.strip().upper().replace("EEG ", "").replace("-REF", "")
    return _OLD_NAMES.get(key, key)


def resolve_montage(spec: str | Sequence[str]) -> list[str]:
    """Turn a montage name or a comma-separated list into channel names.

    Parameters
    ----------
    spec : str | sequence of str
        A known montage (:data:`MONTAGES`: ``deap``, ``seed-iv``, ``cyton``,
        ``cyton-daisy``, ``muse``, ``unicorn``, ``crown``, ``emotiv-epoc``,
        ``emotiv-insight``), a comma-separated list (``"Fp1,Fp2,C3"``) or a sequence of names.

    Returns
    -------
    list of str

    Raises
    ------
    MontageError
        If a name is unknown or repeated.
    """
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key in MONTAGES:
            return list(MONTAGES[key])
        names = [s.strip() for s in spec.split(",") if s.strip()]
        if len(names) < 2 and "," not in spec:
            raise MontageError(
                f"unknown montage {spec!r}",
                f"use one of {', '.join(MONTAGES)} or list the channels, e.g. 'Fp1,Fp2,C3,C4'",
            )
    else:
        names = [str(s) for s in spec]
    seen: set[str] = set()
    for n in names:
        k = normalize_name(n)
        if k in seen:
            raise MontageError(f"channel {n!r} is listed twice in the montage {spec!r}")
        seen.add(k)
    return names


def same_channels(a: Sequence[str], b: Sequence[str]) -> bool:
    """True when ``a`` and ``b`` name the same electrodes (any order, any spelling).

    Parameters
    ----------
    a, b : sequence of str
        Channel names (``"Fp1"``, ``"FP1"`` and ``"T3"``/``"T7"`` are alike).

    Returns
    -------
    bool
    """
    return sorted(map(normalize_name, a)) == sorted(map(normalize_name, b))


def montage_label(channels: Sequence[str]) -> str:
    """A montage's name when ``channels`` are exactly one (in order), else the comma list.

    This is how a recording or a personal model names the headset it came from
    (``"cyton"``, or ``"Fp1,Fp2,F3,F4"``); :func:`resolve_montage` reads it back.

    Parameters
    ----------
    channels : sequence of str
        Channel names in stream order.

    Returns
    -------
    str
    """
    keys = [normalize_name(c) for c in channels]
    for name, known in MONTAGES.items():
        if keys == [normalize_name(c) for c in known]:
            return name
    return ",".join(channels)


def match_channels(available: Sequence[str], required: Sequence[str], *,
                   source: str = "the stream", fix: str | None = None) -> np.ndarray:
    """Find the index in ``available`` of each channel in ``required``.

    Parameters
    ----------
    available : sequence of str
        Channel names of the stream or file, in its order.
    required : sequence of str
        Channel names the model needs, in its order.
    source : str
        How to name the data in an error message.
    fix : str | None
        What the user can do, when the caller knows better than the generic
        advice (relabel the stream's channels, or use a model trained on them).

    Returns
    -------
    numpy.ndarray of int
        ``available[idx[i]]`` is ``required[i]``.

    Raises
    ------
    MontageError
        Listing every required channel that is missing and how to proceed.
    """
    idx = locate_channels(available, required)
    missing = [r for r, i in zip(required, idx, strict=True) if i < 0]
    if missing:
        have = ", ".join(available) if available else "none"
        raise MontageError(
            f"{source} lacks {len(missing)} of the model's {len(required)} channels: "
            f"{', '.join(missing)} (it has: {have})",
            fix or "use a model trained on the channels it has, or correct its channel "
            "names",
        )
    return idx


def locate_channels(available: Sequence[str], required: Sequence[str]) -> np.ndarray:
    """Index in ``available`` of each channel in ``required``, -1 where it is absent.

    Parameters
    ----------
    available : sequence of str
        Channel names of the stream or file, in its order.
    required : sequence of str
        Channel names a model needs, in its order.

    Returns
    -------
    numpy.ndarray of int
        ``available[idx[i]]`` is ``required[i]`` wherever ``idx[i] >= 0``.
    """
    lookup = {normalize_name(n): i for i, n in reversed(list(enumerate(available)))}
    return np.array([lookup.get(normalize_name(c), -1) for c in required], dtype=np.intp)


def channel_region(name: str) -> tuple[str, str]:
    """Return the scalp region and hemisphere of a 10-20 channel.

    Parameters
    ----------
    name : str
        A 10-20 channel name.

    Returns
    -------
    region : str
        One of :data:`REGIONS`.
    side : str
        ``"left"`` (odd number), ``"right"`` (even number) or ``"midline"`` (z).
    """
    key = normalize_name(name)
    letters = key.rstrip("0123456789Z")
    digits = key[len(letters):]
    if digits.endswith("Z") or not digits:
        side = "midline"
    else:
        side = "left" if int(digits) % 2 == 1 else "right"
    if letters in ("FP", "AF", "F", "FC"):
        region = "frontal"
    elif letters in ("FT", "T", "TP"):
        region = "temporal"
    elif letters in ("C", "CP"):
        region = "central"
    elif letters in ("P",):
        region = "parietal"
    else:  # PO, O, CB, I
        region = "occipital"
    return region, side
