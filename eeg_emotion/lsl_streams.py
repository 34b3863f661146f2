"""The LSL streams visible from this machine now (``eeg-emotion streams``).

Discovery follows the LSL configuration (:mod:`eeg_emotion.lsl`): with the
packaged one it stays on this machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eeg_emotion.lsl import import_pylsl


@dataclass(frozen=True)
class StreamSummary:
    """What ``eeg-emotion live --stream`` can match a stream by, and its shape."""

    name: str
    type: str
    channels: int
    rate: float
    source_id: str
    hostname: str

    def row(self) -> tuple[str, str, str, str, str]:
        """Name, type, channels, rate and source id as table cells."""
        rate = f"{self.rate:g} Hz" if self.rate > 0 else "irregular"
        return self.name, self.type, str(self.channels), rate, self.source_id


def visible_streams(wait: float = 1.5) -> list[StreamSummary]:
    """Every LSL stream that answers within ``wait`` seconds, sorted by name.

    Parameters
    ----------
    wait : float
        Seconds to listen for streams (a bounded wait: a background resolver is
        polled, so it never blocks longer).

    Returns
    -------
    list of StreamSummary
    """
    pylsl = import_pylsl()
    resolver = pylsl.ContinuousResolver(forget_after=max(5.0, wait + 1.0))
    try:
        end = time.monotonic() + max(wait, 0.05)
        while time.monotonic() < end:
            time.sleep(0.05)
        found = resolver.results()
    finally:
        del resolver
    out = {(i.name(), i.source_id(), i.uid()): StreamSummary(
        i.name(), i.type(), i.channel_count(), float(i.nominal_srate()), i.source_id(),
        i.hostname()) for i in found}
    return sorted(out.values(), key=lambda s: (s.name.lower(), s.source_id))


def format_table(streams: list[StreamSummary]) -> str:
    """The streams as an aligned text table with a header."""
    rows = [("name", "type", "channels", "rate", "source id"), *(s.row() for s in streams)]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)
