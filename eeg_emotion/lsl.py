"""Lab Streaming Layer access that stays on this machine by default.

liblsl reads its configuration once, when it is first loaded, from the file
named by the ``LSLAPICFG`` environment variable. Its built-in defaults send
discovery packets to the whole local network; the configuration shipped with
this package (``eeg_emotion/data/lsl_api.cfg``) keeps discovery on the loopback
interface. Every module imports pylsl through :func:`import_pylsl`, which sets
``LSLAPICFG`` to that file unless the user has set it already (set it to your
own file to find streams on other machines).
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path
from types import ModuleType

from eeg_emotion.errors import StreamError

PACKAGED_CONFIG = Path(__file__).resolve().parent / "data" / "lsl_api.cfg"


def ensure_lsl_config() -> Path:
    """Point ``LSLAPICFG`` at the packaged loopback configuration if unset.

    Returns
    -------
    pathlib.Path
        The configuration file liblsl will read.
    """
    current = os.environ.get("LSLAPICFG")
    if not current:
        os.environ["LSLAPICFG"] = str(PACKAGED_CONFIG)
        return PACKAGED_CONFIG
    return Path(current)


def import_pylsl() -> ModuleType:
    """Import pylsl after making sure liblsl reads a configuration.

    Returns
    -------
    module
        The ``pylsl`` module.

    Raises
    ------
    StreamError
        If pylsl or its bundled liblsl cannot be loaded.
    """
    ensure_lsl_config()
    try:
        import pylsl
    except (ImportError, RuntimeError) as exc:  # liblsl missing raises RuntimeError
        raise StreamError(
            f"pylsl could not be loaded: {exc}",
            "reinstall it with `pip install --force-reinstall pylsl` (it bundles liblsl)",
        ) from exc
    return pylsl


def config_keeps_loopback(path: Path) -> tuple[bool, str]:
    """Tell whether an LSL configuration keeps stream discovery on this machine.

    Parameters
    ----------
    path : pathlib.Path
        The ``lsl_api.cfg`` file.

    Returns
    -------
    ok : bool
        True when ``ResolveScope = machine`` and no known peer is off-machine.
    reason : str
        A one-line explanation.
    """
    if not path.is_file():
        return False, f"{path} does not exist"
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error as exc:
        return False, f"{path} cannot be parsed: {exc}"
    scope = parser.get("multicast", "ResolveScope", fallback="site").strip().lower()
    if scope != "machine":
        return False, f"ResolveScope is {scope!r}, not 'machine'"
    peers = parser.get("lab", "KnownPeers", fallback="{}").strip("{} ")
    off = [p for p in (s.strip() for s in peers.split(",")) if p and p not in
           ("127.0.0.1", "localhost", "::1")]
    if off:
        return False, f"KnownPeers lists off-machine hosts: {', '.join(off)}"
    return True, "discovery stays on this machine (ResolveScope=machine)"
