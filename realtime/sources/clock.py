"""Put a stream's timestamps on the LSL clock when its publisher stamps them otherwise.

liblsl's ``time_correction`` (the inlet's ``proc_clocksync``) moves timestamps from
the LSL clock of another machine to ours. It cannot help a publisher that stamps
its samples with another clock: muselsl stamps every sample with UNIX time
(``time.time()``, ~1.7e9 s) unless it is started with ``--lsltime``
(``muselsl/stream.py``: ``time_func = local_clock if lsl_time else time``), while
``pylsl.local_clock()`` counts from the machine's boot (a few thousand seconds).
Markers (replay, calibration) are on the LSL clock, so such samples would never
meet them.

:class:`StreamClock` recognises a stream whose (corrected) timestamps are more than
:data:`FOREIGN_AFTER_S` away from ``local_clock()`` when they arrive, and maps them
with an offset: the arrival time on the LSL clock minus the stamp of the chunk's
newest sample, taken at its minimum (the least transport delay) and relaxed slowly
towards newer values, so a clock step of the publisher is followed within seconds.
Per chunk this is one subtraction, one comparison and one vector addition.
"""

from __future__ import annotations

import logging
import time

import numpy as np

log = logging.getLogger(__name__)

#: Timestamps further than this from local_clock() on arrival are on another clock.
FOREIGN_AFTER_S = 600.0
#: How far the offset moves towards a larger (later) estimate per chunk.
RELAX = 0.02


def clock_name(stamp: float) -> str:
    """What clock a foreign timestamp looks like: ``"UNIX time"`` or ``"another clock"``."""
    return "UNIX time" if abs(stamp - time.time()) < FOREIGN_AFTER_S else "another clock"


class StreamClock:
    """Map one connection's timestamps onto the LSL clock if they are on another one.

    Parameters
    ----------
    stream : str
        The stream's name, for the note.
    foreign_after_s : float
        Distance from the LSL clock beyond which timestamps count as foreign.
    """

    def __init__(self, stream: str, foreign_after_s: float = FOREIGN_AFTER_S) -> None:
        self.stream = stream
        self.foreign_after_s = float(foreign_after_s)
        #: None until the first chunk; then True when the stamps are mapped.
        self.foreign: bool | None = None
        #: Added to the stream's stamps (0 when they are on the LSL clock).
        self.offset = 0.0
        #: What the stamps were (``"UNIX time"``) when mapped; empty otherwise.
        self.original = ""

    def map(self, stamps: np.ndarray, arrival: float) -> np.ndarray:
        """The chunk's timestamps on the LSL clock.

        Parameters
        ----------
        stamps : numpy.ndarray, shape (n,)
            As the inlet returns them (already time-corrected by liblsl).
        arrival : float
            ``pylsl.local_clock()`` when the chunk was pulled.

        Returns
        -------
        numpy.ndarray
            ``stamps`` itself when they are on the LSL clock, else mapped.
        """
        if not len(stamps):
            return stamps
        lag = arrival - float(stamps[-1])
        if self.foreign is None:
            self.foreign = abs(lag) > self.foreign_after_s
            if not self.foreign:
                return stamps
            self.offset = lag
            self.original = clock_name(float(stamps[-1]))
            log.warning("%s", self.note)
        elif not self.foreign:
            return stamps
        elif lag < self.offset:
            self.offset = lag
        else:
            self.offset += RELAX * (lag - self.offset)
        return stamps + self.offset

    @property
    def note(self) -> str:
        """What was done, for the user (empty when nothing was)."""
        if not self.foreign:
            return ""
        return (f"stream {self.stream!r} stamps its samples with {self.original}, not the LSL "
                f"clock (as muselsl does unless started with --lsltime): its timestamps are "
                f"mapped onto the LSL clock (offset {self.offset:+.3f} s) so that markers, "
                "recordings, gap detection and calibration agree")
