"""Ctrl-C and SIGTERM as a request to stop: the one place a command installs them.

A live run, a calibration session and a replay end the same way on Ctrl-C (SIGINT),
SIGTERM (``kill``, a service manager, a cluster's time limit) and their own end: the
work loop sees a stop request, returns, and everything is closed and summarised.
:func:`stop_on_signals` turns both signals into a call of ``on_stop`` while inside.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)

#: the signals that ask a command to stop
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals(on_stop: Callable[[int], None],
                    signals: tuple[int, ...] = STOP_SIGNALS,
                    interrupt: bool = False) -> Iterator[None]:
    """Call ``on_stop(signum)`` when one of ``signals`` arrives, while inside.

    Outside the main thread (where Python cannot install handlers) nothing is
    installed. The previous handlers are restored on exit.

    Python runs a handler only between bytecodes of the main thread: a main thread
    inside Qt's event loop runs it when a timer hands control back to Python (the
    windows poll a stop event), and one blocked in a read (typed ratings) only when
    the handler raises, which ``interrupt`` asks for.

    Parameters
    ----------
    on_stop : callable
        Called in the main thread with the signal number; it should only request the
        stop (set an event, flag a player), not do the work of stopping.
    signals : tuple of int
        Which signals (default SIGINT and SIGTERM).
    interrupt : bool
        After ``on_stop``, raise :class:`KeyboardInterrupt` in the main thread, as
        Ctrl-C does by default, also for SIGTERM: a blocking read ends at once. Only
        for a main thread that runs the work itself (not an event loop).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        log.info("%s received: stopping", signal.Signals(signum).name)
        on_stop(signum)
        if interrupt:
            raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
