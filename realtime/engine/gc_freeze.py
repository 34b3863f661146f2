"""Keep Python's garbage collector out of the live latency tail.

A live process holds a quarter of a million long-lived objects once torch,
SciPy, MNE and Qt are loaded. A full (generation-2) collection walks all of
them and took about 70 ms here, with every thread stopped, whenever enough new
objects had survived. :func:`settle_garbage` collects once at start-up and
then freezes what is left (:func:`gc.freeze`): later collections skip those
objects, so they cost what the live loop itself allocates (well under 1 ms).
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def settle_garbage() -> float:
    """Collect garbage once, then exempt every surviving object from later collections.

    Call it once per process, after the heavy imports and before the live loop
    starts (:func:`eeg_emotion.realtime.live_run.run_engine` does); objects
    created afterwards are collected as usual.

    Returns
    -------
    float
        Milliseconds the start-up collection took.
    """
    start = time.perf_counter()
    gc.collect()
    gc.freeze()
    ms = 1000.0 * (time.perf_counter() - start)
    log.debug("garbage collected (%.0f ms) and %d objects frozen", ms, gc.get_freeze_count())
    return ms
