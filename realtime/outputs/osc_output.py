"""Estimates out to creative tools (TouchDesigner, Max, Unity...) as OSC over UDP.

``live --osc HOST:PORT`` sends every estimate as OSC messages (python-osc), one
message per value, in this address scheme (``/eeg-emotion`` is the root)::

    /eeg-emotion/estimate            int index, float time (LSL clock, s), float latency_ms
    /eeg-emotion/quality             string "ok" or "poor", float share of repaired
                                     (NaN/Inf) samples in the window
    /eeg-emotion/<target>/<class>    float probability (smoothed when --smoothing is on)
    /eeg-emotion/<target>/top        string most probable class, float its probability

and in index mode (no trained model fits; band-power indices instead)::

    /eeg-emotion/index/valence       float z (frontal alpha asymmetry vs this session)
    /eeg-emotion/index/arousal       float z (beta/alpha ratio vs this session)
    /eeg-emotion/index/raw/<name>    float before z-scoring (frontal_alpha_asymmetry,
                                     beta_alpha_ratio)
    /eeg-emotion/index/uncalibrated  int 1: an uncalibrated index, not a trained model

Target and class names are made address-safe (letters, digits, ``_`` and ``-``).
"""

from __future__ import annotations

import logging
import re
import socket

from pythonosc.udp_client import SimpleUDPClient

from eeg_emotion.errors import ConfigError
from eeg_emotion.realtime.engine.state import Estimate

log = logging.getLogger(__name__)

#: Root of every address.
ROOT = "/eeg-emotion"
_FIX = "give the receiver as HOST:PORT, e.g. --osc 127.0.0.1:9000 (TouchDesigner's OSC In)"


def parse_osc_target(text: str) -> tuple[str, int]:
    """Split ``HOST:PORT`` (``[::1]:9000`` for IPv6) and check both.

    Parameters
    ----------
    text : str
        The ``--osc`` value.

    Returns
    -------
    host : str
    port : int

    Raises
    ------
    ConfigError
        If the form, the port or the host is not usable.
    """
    value = str(text).strip()
    match = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:\s]+):(\d+)", value)
    if not match:
        raise ConfigError(f"--osc {text!r} is not HOST:PORT", _FIX)
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    if not 1 <= port <= 65535:
        raise ConfigError(f"--osc port {port} is outside 1-65535", _FIX)
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError as exc:
        raise ConfigError(f"--osc host {host!r} cannot be resolved ({exc})", _FIX) from exc
    return host, port


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def osc_messages(estimate: Estimate, *, smoothed: bool = True, root: str = ROOT
                 ) -> list[tuple[str, list]]:
    """The ``(address, arguments)`` of one estimate, in sending order.

    Parameters
    ----------
    estimate : Estimate
        A model's estimate or an index-mode reading.
    smoothed : bool
        Send the smoothed probabilities when the estimate has them.
    root : str
        Address root.

    Returns
    -------
    list of (str, list)
    """
    out: list[tuple[str, list]] = [
        (f"{root}/estimate", [int(estimate.index), float(estimate.time),
                              float(estimate.latency_ms)]),
        (f"{root}/quality", [estimate.quality, float(estimate.repaired)])]
    if estimate.indices is not None:
        for name, z in estimate.indices.values.items():
            out.append((f"{root}/index/{_safe(name)}", [float(z)]))
        for name, v in estimate.indices.raw.items():
            out.append((f"{root}/index/raw/{_safe(name)}", [float(v)]))
        out.append((f"{root}/index/uncalibrated", [1]))
        return out
    probs = estimate.smoothed if (smoothed and estimate.smoothed) else estimate.probabilities
    for target, classes in probs.items():
        for cls, p in classes.items():
            out.append((f"{root}/{_safe(target)}/{_safe(cls)}", [float(p)]))
        top = max(classes, key=classes.__getitem__)
        out.append((f"{root}/{_safe(target)}/top", [top, float(classes[top])]))
    return out


class OscOutput:
    """Send estimates as OSC messages over UDP.

    Parameters
    ----------
    target : str
        ``HOST:PORT`` (:func:`parse_osc_target`).
    smoothed : bool
        Send the smoothed probabilities when there are any.
    """

    def __init__(self, target: str, *, smoothed: bool = True) -> None:
        self.host, self.port = parse_osc_target(target)
        self.smoothed = smoothed
        self._client: SimpleUDPClient | None = SimpleUDPClient(self.host, self.port)
        self.sent = 0
        self.errors = 0
        log.info("sending estimates as OSC to %s:%d (%s/...)", self.host, self.port, ROOT)

    def push(self, estimate: Estimate) -> None:
        """Send one estimate (a failed send is logged and counted, never raised)."""
        if self._client is None:
            return
        for address, args in osc_messages(estimate, smoothed=self.smoothed):
            try:
                self._client.send_message(address, args)
                self.sent += 1
            except OSError as exc:  # e.g. no route: the receiver is not our business
                self.errors += 1
                if self.errors in (1, 100, 10000):
                    log.warning("OSC send to %s:%d failed (%d so far): %s", self.host,
                                self.port, self.errors, exc)

    def close(self) -> None:
        """Close the socket (safe to call twice)."""
        if self._client is not None:
            self._client.close()
            self._client = None
