"""``eeg-emotion replay FILE --loop`` in a background process (the demo's stream).

The process gets its own session, so Ctrl-C in the terminal reaches only the parent,
which stops the replay itself; on Linux the replay also dies with its parent, even
after ``kill -9``.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from eeg_emotion.errors import StreamError

log = logging.getLogger(__name__)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the parent dies."""
    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass  # no glibc: the replay then outlives a killed demo until it is stopped


class ReplayProcess:
    """``eeg-emotion replay FILE --loop --name NAME`` in a background process.

    Parameters
    ----------
    path : pathlib.Path
        Recording to replay.
    name : str | None
        Stream name; default a unique ``eeg-emotion-demo-<random>``.
    """

    def __init__(self, path: Path, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or f"eeg-emotion-demo-{uuid.uuid4().hex[:8]}"
        self.proc: subprocess.Popen | None = None
        self._err = None

    def start(self) -> ReplayProcess:
        """Start the replay process."""
        self._err = tempfile.TemporaryFile(mode="w+")
        cmd = [sys.executable, "-m", "eeg_emotion.cli", "replay", str(self.path), "--loop",
               "--name", self.name]
        # Its own session: Ctrl-C or a SIGTERM to the terminal's process group reaches
        # only the demo, which then stops the replay itself (no "stream lost" on the
        # way out). On Linux the replay also dies with the demo, even after kill -9.
        linux = sys.platform.startswith("linux")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err,
                                     stdin=subprocess.DEVNULL, start_new_session=linux,
                                     preexec_fn=_die_with_parent if linux else None)
        log.info("replaying %s as LSL stream %r (pid %d)", self.path, self.name, self.proc.pid)
        return self

    def check(self) -> None:
        """Raise :class:`StreamError` with the replay's own message if it has exited."""
        if self.proc is not None and self.proc.poll() is not None:
            self._err.seek(0)
            tail = self._err.read()[-800:].strip()
            raise StreamError(f"the demo replay exited (status {self.proc.returncode}): {tail}",
                              "run `eeg-emotion replay FILE` yourself to see what fails")

    def stop(self) -> None:
        """Terminate the process (kill it if it does not exit within 5 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._err is not None:
            self._err.close()
            self._err = None

    def __enter__(self) -> ReplayProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
