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


def _write_calibration(root, n_blocks: int = 10, stimulus_s: float = 8.0, rest_s: float = 2.0,
                       sessions: int = 1, seed: int = 3, sfreq: float = 250.0) -> dict:
    """A calibration folder as `eeg-emotion calibrate` writes it, without a stream.

    Each block's stimulus period is a trial of a synthetic DEAP subject (its Cyton
    channels, resampled to 250 Hz, with Cyton-like DC offsets), rated with that
    trial's own ratings; the rest before it is the trial's neutral baseline.
    """
    import json

    from scipy.signal import resample_poly

    from eeg_emotion.calibration_files import CalibrationFolder
    from eeg_emotion.montages import CYTON, DEAP
    from eeg_emotion.offline.synth.deap import synth_deap_subject
    from eeg_emotion.realtime.calibration.protocol import built_in_plan
    from eeg_emotion.realtime.outputs.recording import Recorder
    from eeg_emotion.realtime.sources.source import Chunk, SourceInfo

    gen = np.random.default_rng(seed)
    data, ratings = synth_deap_subject(gen, n_blocks * sessions, stimulus_s, baseline_s=3.0)
    rows = [DEAP.index(c) for c in CYTON]
    eeg = resample_poly(data[:, rows], int(sfreq), 128, axis=-1)  # (trials, 8, n)
    info = SourceInfo("obci_eeg1", "lsl", CYTON, sfreq, "openbcigui", montage="cyton")
    blocks = built_in_plan(n_blocks, stimulus_s, rest_s, seed)
    folder = CalibrationFolder.create(root, info, blocks, {"blocks": n_blocks,
                                                           "stimulus_s": stimulus_s,
                                                           "rest_s": rest_s, "stimuli": "",
                                                           "seed": seed})
    offsets = gen.uniform(1e4, 5e4, (len(CYTON), 1))
    n_rest, n_stim, base = round(rest_s * sfreq), round(stimulus_s * sfreq), round(3 * sfreq)
    for session in range(1, sessions + 1):
        if session > 1:
            folder.add_session(built_in_plan(n_blocks, stimulus_s, rest_s, seed + session))
        rec = Recorder(folder.new_part(session), info)
        t = 1000.0 * session
        for b in range(n_blocks):
            k = (session - 1) * n_blocks + b
            trial = eeg[k]
            parts = (("rest_start", trial[:, base - n_rest:base]),
                     ("stimulus_start", trial[:, base:base + n_stim]))
            for event, x in parts:
                rec.write_marker(t, json.dumps({"event": event, "block": b}))
                stamps = t + np.arange(x.shape[1]) / sfreq
                rec.write_samples(Chunk((x + offsets).astype(np.float32), stamps))
                t = float(stamps[-1]) + 1 / sfreq
            rec.write_marker(t, json.dumps({"event": "stimulus_end", "block": b}))
            labels = dict(zip(("valence", "arousal", "dominance"),
                              map(float, ratings[k, :3]), strict=True))
            rec.write_marker(t + 0.1, json.dumps({"event": "rating", "block": b,
                                                  "labels": labels}))
        rec.close()
    return {"ratings": ratings, "folder": folder}


@pytest.fixture
def calibration_factory():
    """``calibration_factory(root, n_blocks=10, stimulus_s=8, sessions=1)``: write a
    synthetic calibration folder (Cyton channels at 250 Hz, rated blocks)."""
    return _write_calibration


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
