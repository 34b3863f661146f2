"""Test-wide settings: LSL on loopback only, Qt without a screen, small torch."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SHARED_CFG = ROOT.parent / "shared" / "lsl_api.cfg"
# LSL must never look beyond this machine: liblsl reads LSLAPICFG when it loads.
os.environ["LSLAPICFG"] = str(_SHARED_CFG if _SHARED_CFG.is_file()
                              else ROOT / "eeg_emotion" / "data" / "lsl_api.cfg")
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from eeg_emotion import threads  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator."""
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _no_thread_policy_leaks():
    """A thread policy a command under test chose (``use_training_threads``) ends with
    the test: later tests' training loops would otherwise re-pick torch's threads."""
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    yield
    threads._training = None
    torch = sys.modules.get("torch")
    if torch is not None and before is not None and torch.get_num_threads() != before:
        torch.set_num_threads(before)


@pytest.fixture
def unwritable(tmp_path):
    """An existing folder this process cannot write into.

    A folder made read-only for a normal user; as root (whom permissions do not stop)
    ``/sys``, which the kernel keeps read-only. Skips where neither holds.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        folder = Path("/sys")
    else:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
    try:
        (folder / ".probe").write_text("x")
    except OSError:
        yield folder
    else:
        (folder / ".probe").unlink()
        pytest.skip(f"{folder} is writable here")
    finally:
        if folder != Path("/sys"):
            folder.chmod(0o755)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Torch on one intra-op thread for a module's tests, restored after.

    Training tests then take about the same time beside other processes (CI has 2
    cores); modules opt in with ``pytestmark = pytest.mark.usefixtures(...)``.
    """
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def calibration_factory():
    """``calibration_factory(root, n_blocks=10, stimulus_s=8, sessions=1)``: write a
    synthetic calibration folder (Cyton channels at 250 Hz, rated blocks; see
    :func:`eeg_emotion.realtime.calibration.synthetic_folder.write_calibration_folder`)."""
    from eeg_emotion.realtime.calibration.synthetic_folder import write_calibration_folder

    return write_calibration_folder


def _write_xdf(path, streams: list[dict]):
    """Write a minimal XDF 1.0 file as LabRecorder does (github.com/sccn/xdf spec).

    Each stream: ``name``, ``type``, ``source_id``, ``sfreq``, ``fmt`` (``float32``,
    ``double64`` or ``string``), ``channels`` (list of dicts of ``label``/``unit``/
    ``type``), ``data`` ((n_ch, n) numeric or a list of strings) and ``timestamps``.
    Chunks: FileHeader, one StreamHeader per stream, Samples in chunks of 64,
    ClockOffsets (zero), StreamFooter.
    """
    import struct
    from pathlib import Path
    from xml.sax.saxutils import escape

    def varlen(n: int) -> bytes:
        return (b"\x01" + struct.pack("<B", n) if n < 256 else
                b"\x04" + struct.pack("<I", n) if n < 2**32 else b"\x08" + struct.pack("<Q", n))

    def chunk(tag: int, content: bytes) -> bytes:
        return varlen(len(content) + 2) + struct.pack("<H", tag) + content

    out = [b"XDF:", chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')]
    for sid, s in enumerate(streams, start=1):
        chans = "".join("<channel>" + "".join(f"<{k}>{escape(str(v))}</{k}>"
                                              for k, v in ch.items()) + "</channel>"
                        for ch in s.get("channels", []))
        n_ch = len(s["channels"]) if s.get("channels") else s["n_channels"]
        header = (f'<?xml version="1.0"?><info><name>{escape(s["name"])}</name>'
                  f'<type>{escape(s["type"])}</type><channel_count>{n_ch}</channel_count>'
                  f'<nominal_srate>{s["sfreq"]}</nominal_srate>'
                  f'<channel_format>{s["fmt"]}</channel_format>'
                  f'<source_id>{escape(s["source_id"])}</source_id><version>1.1</version>'
                  f'<created_at>100.0</created_at><uid>uid{sid}</uid>'
                  f'<session_id>default</session_id><hostname>test</hostname>'
                  f'<desc><manufacturer>{escape(s.get("manufacturer", ""))}</manufacturer>'
                  f'<channels>{chans}</channels></desc></info>')
        out.append(chunk(2, struct.pack("<I", sid) + header.encode()))
        stamps = list(s["timestamps"])
        fmt = {"float32": "<f4", "double64": "<f8", "int16": "<i2"}.get(s["fmt"])
        for a in range(0, len(stamps), 64):
            body = bytearray(struct.pack("<I", sid) + varlen(len(stamps[a:a + 64])))
            for k in range(a, min(a + 64, len(stamps))):
                body += b"\x08" + struct.pack("<d", stamps[k])
                if fmt is None:
                    text = str(s["data"][k]).encode()
                    body += varlen(len(text)) + text
                else:
                    body += np.asarray(s["data"][:, k], dtype=fmt).tobytes()
            out.append(chunk(3, bytes(body)))
        for t in (stamps[0], stamps[-1]) if stamps else ():
            out.append(chunk(4, struct.pack("<I", sid) + struct.pack("<dd", t, 0.0)))
        footer = (f'<?xml version="1.0"?><info><first_timestamp>{stamps[0] if stamps else 0}'
                  f'</first_timestamp><last_timestamp>{stamps[-1] if stamps else 0}'
                  f'</last_timestamp><sample_count>{len(stamps)}</sample_count>'
                  f'<clock_offsets></clock_offsets></info>')
        out.append(chunk(6, struct.pack("<I", sid) + footer.encode()))
    Path(path).write_bytes(b"".join(out))
    return Path(path)


@pytest.fixture
def write_xdf():
    """``write_xdf(path, streams)``: a LabRecorder-like XDF file (see :func:`_write_xdf`)."""
    return _write_xdf
