"""The BrainFlow boards ``--board`` accepts, by their BrainFlow names, without BrainFlow.

A static table (command modules stay light: ``live --help`` lists the boards
without importing BrainFlow), kept in sync with BrainFlow's ``BoardIds`` by
``tests/realtime/sources/test_brainflow_boards.py``: every board whose descriptor
has EEG channels, named as BrainFlow names it (``MUSE_2_BOARD`` -> ``muse-2``), plus
``synthetic`` and ``playback``. :data:`INPUT_PARAMS` lists the
``BrainFlowInputParams`` fields ``--board-param KEY=VALUE`` may set.
"""

from __future__ import annotations

from eeg_emotion.errors import ConfigError

#: ``--board`` name -> BrainFlow ``BoardIds`` member (boards with EEG channels).
BOARDS: dict[str, str] = {
    "playback": "PLAYBACK_FILE_BOARD",
    "synthetic": "SYNTHETIC_BOARD",
    "cyton": "CYTON_BOARD",
    "ganglion": "GANGLION_BOARD",
    "cyton-daisy": "CYTON_DAISY_BOARD",
    "galea": "GALEA_BOARD",
    "ganglion-wifi": "GANGLION_WIFI_BOARD",
    "cyton-wifi": "CYTON_WIFI_BOARD",
    "cyton-daisy-wifi": "CYTON_DAISY_WIFI_BOARD",
    "brainbit": "BRAINBIT_BOARD",
    "unicorn": "UNICORN_BOARD",
    "callibri-eeg": "CALLIBRI_EEG_BOARD",
    "notion-1": "NOTION_1_BOARD",
    "notion-2": "NOTION_2_BOARD",
    "freeeeg32": "FREEEEG32_BOARD",
    "brainbit-bled": "BRAINBIT_BLED_BOARD",
    "muse-s-bled": "MUSE_S_BLED_BOARD",
    "muse-2-bled": "MUSE_2_BLED_BOARD",
    "crown": "CROWN_BOARD",
    "ant-neuro-ee-411": "ANT_NEURO_EE_411_BOARD",
    "ant-neuro-ee-430": "ANT_NEURO_EE_430_BOARD",
    "ant-neuro-ee-211": "ANT_NEURO_EE_211_BOARD",
    "ant-neuro-ee-212": "ANT_NEURO_EE_212_BOARD",
    "ant-neuro-ee-213": "ANT_NEURO_EE_213_BOARD",
    "ant-neuro-ee-214": "ANT_NEURO_EE_214_BOARD",
    "ant-neuro-ee-215": "ANT_NEURO_EE_215_BOARD",
    "ant-neuro-ee-221": "ANT_NEURO_EE_221_BOARD",
    "ant-neuro-ee-222": "ANT_NEURO_EE_222_BOARD",
    "ant-neuro-ee-223": "ANT_NEURO_EE_223_BOARD",
    "ant-neuro-ee-224": "ANT_NEURO_EE_224_BOARD",
    "ant-neuro-ee-225": "ANT_NEURO_EE_225_BOARD",
    "enophone": "ENOPHONE_BOARD",
    "muse-2": "MUSE_2_BOARD",
    "muse-s": "MUSE_S_BOARD",
    "brainalive": "BRAINALIVE_BOARD",
    "muse-2016": "MUSE_2016_BOARD",
    "muse-2016-bled": "MUSE_2016_BLED_BOARD",
    "explore-4-chan": "EXPLORE_4_CHAN_BOARD",
    "explore-8-chan": "EXPLORE_8_CHAN_BOARD",
    "ganglion-native": "GANGLION_NATIVE_BOARD",
    "ntl-wifi": "NTL_WIFI_BOARD",
    "ant-neuro-ee-511": "ANT_NEURO_EE_511_BOARD",
    "freeeeg128": "FREEEEG128_BOARD",
    "aavaa-v3": "AAVAA_V3_BOARD",
    "explore-plus-8-chan": "EXPLORE_PLUS_8_CHAN_BOARD",
    "explore-plus-32-chan": "EXPLORE_PLUS_32_CHAN_BOARD",
    "pieeg": "PIEEG_BOARD",
    "neuropawn-knight": "NEUROPAWN_KNIGHT_BOARD",
    "synchroni-trio-3-channels": "SYNCHRONI_TRIO_3_CHANNELS_BOARD",
    "synchroni-octo-8-channels": "SYNCHRONI_OCTO_8_CHANNELS_BOARD",
    "ob5000-8-channels": "OB5000_8_CHANNELS_BOARD",
    "synchroni-pento-8-channels": "SYNCHRONI_PENTO_8_CHANNELS_BOARD",
    "synchroni-uno-1-channels": "SYNCHRONI_UNO_1_CHANNELS_BOARD",
    "ob3000-24-channels": "OB3000_24_CHANNELS_BOARD",
    "biolistener": "BIOLISTENER_BOARD",
    "ironbci-32": "IRONBCI_32_BOARD",
    "neuropawn-knight-imu": "NEUROPAWN_KNIGHT_BOARD_IMU",
    "muse-s-athena": "MUSE_S_ATHENA_BOARD",
}

#: Other names users know the boards by.
ALIASES: dict[str, str] = {
    "cyton_daisy": "cyton-daisy", "daisy": "cyton-daisy", "muse2": "muse-2", "muses": "muse-s",
    "muse-athena": "muse-s-athena", "explore": "explore-8-chan",
    "explore-plus": "explore-plus-8-chan", "playback-file": "playback",
}

#: Boards that talk to a serial dongle and need ``--serial-port``.
SERIAL_BOARDS = ("cyton", "cyton-daisy", "ganglion")

#: ``BrainFlowInputParams`` fields and their types (``--board-param KEY=VALUE``).
INPUT_PARAMS: dict[str, type] = {
    "serial_port": str, "mac_address": str, "ip_address": str, "ip_address_aux": str,
    "ip_address_anc": str, "ip_port": int, "ip_port_aux": int, "ip_port_anc": int,
    "ip_protocol": int, "other_info": str, "timeout": int, "serial_number": str,
    "file": str, "file_aux": str, "file_anc": str, "master_board": int,
}


def board_name(name: str) -> str:
    """The ``--board`` name of a board as a user may type it.

    Parameters
    ----------
    name : str
        e.g. ``"Muse_2"``, ``"muse-2"``, ``"cyton_daisy"``, ``"explore"``.

    Returns
    -------
    str
        A key of :data:`BOARDS`.

    Raises
    ------
    ConfigError
        If no board has that name; the fix lists the closest ones.
    """
    key = name.strip().lower().replace("_", "-")
    key = ALIASES.get(key, ALIASES.get(name.strip().lower(), key))
    if key in BOARDS:
        return key
    close = [b for b in BOARDS if key.split("-")[0] and b.startswith(key.split("-")[0])]
    raise ConfigError(f"unknown board {name!r}",
                      f"use one of {', '.join(close or BOARDS)} (BrainFlow's board names), "
                      "or an LSL stream with --stream")


def parse_board_params(items: list[str] | tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``KEY=VALUE`` items of ``--board-param``, checked against :data:`INPUT_PARAMS`.

    Parameters
    ----------
    items : sequence of str
        e.g. ``["mac_address=00:55:DA:B5:0E:1C", "timeout=15"]``.

    Returns
    -------
    tuple of (key, value)

    Raises
    ------
    ConfigError
        An item without ``=``, an unknown field, or a number that is not one.
    """
    out: list[tuple[str, str]] = []
    for item in items:
        key, sep, value = str(item).partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"--board-param {item!r} is not KEY=VALUE",
                              "write e.g. --board-param mac_address=00:55:DA:B5:0E:1C")
        if key not in INPUT_PARAMS:
            raise ConfigError(f"--board-param {key!r} is not a BrainFlowInputParams field",
                              f"use one of {', '.join(INPUT_PARAMS)}")
        if INPUT_PARAMS[key] is int and key != "master_board":
            try:
                int(value)
            except ValueError:
                raise ConfigError(f"--board-param {key}={value!r} must be a whole number",
                                  f"write e.g. --board-param {key}=15") from None
        out.append((key, value.strip()))
    return tuple(out)
