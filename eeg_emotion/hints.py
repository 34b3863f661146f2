"""Fix hints that name a command: built in one place, so that they run as printed.

A hint that tells a user to run ``eeg-emotion train`` must say everything the
command needs: ``train`` requires ``--data``, takes only channels the dataset
has, and writes a *folder* (``--out``) with ``model.pt`` in it. What the project
cannot know (where the user keeps DEAP) is a placeholder in capitals that the
hint explains. ``tests/eeg_emotion/test_hints_run.py`` runs each hint's command
as printed.
"""

from __future__ import annotations

from collections.abc import Sequence

from eeg_emotion.montages import DEAP, normalize_name

#: Stands for the user's DEAP folder in printed commands (explained next to it).
DEAP_DIR = "DEAP_DIR"
#: Where a model trained for a headset goes.
HEADSET_RUN = "runs/my-headset"


def deap_channels_of(channels: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``channels`` into those DEAP has (in DEAP's spelling) and those it lacks."""
    by_key = {normalize_name(c): c for c in DEAP}
    have, lack = [], []
    for name in channels:
        key = normalize_name(name)
        (have if key in by_key else lack).append(by_key.get(key, name))
    return list(dict.fromkeys(have)), lack


def train_for_channels_hint(channels: Sequence[str]) -> str:
    """How to train a DEAP model on the channels a stream has, as a command that runs.

    Parameters
    ----------
    channels : sequence of str
        The stream's (or headset's) channel names.

    Returns
    -------
    str
        A sentence with the ``eeg-emotion train`` command (only DEAP's channels,
        ``--data DEAP_DIR`` explained, ``--out`` a folder) and the ``live``
        option that uses the result; or, when DEAP has none of the channels, a
        plain statement of that.
    """
    have, lack = deap_channels_of(channels)
    if not have:
        return ("none of the channels (" + ", ".join(channels) + ") is a DEAP channel, so "
                "no DEAP model fits them; if they are 10-20 positions, name them with "
                "--montage (e.g. --montage cyton)")
    command = (f"eeg-emotion train --config deap_scalingnet --data {DEAP_DIR} "
               f"--channels {','.join(have)} --out {HEADSET_RUN}")
    missing = f" (DEAP lacks {', '.join(lack)}, so they are left out)" if lack else ""
    return (f"train a model on the {len(have)} channels DEAP has{missing}: `{command}`, "
            f"where {DEAP_DIR} is your DEAP data_preprocessed_python folder (to try it "
            f"first: `eeg-emotion synth deap --out {DEAP_DIR}` writes a synthetic one); "
            f"then pass --model {HEADSET_RUN}/model.pt")
