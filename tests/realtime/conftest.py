"""Shared fixtures of the real-time tests: a tiny model and LSL publishers.

Every LSL stream gets a unique name and source id per test; publishers run in
subprocesses (``lsl_publisher.py``) and are killed at teardown. The root
conftest already points ``LSLAPICFG`` at the loopback configuration.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer

from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models.checkpoint import CheckpointMeta, LoadedModel
from eeg_emotion.targets import deap_targets

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PUBLISHER = HERE / "lsl_publisher.py"
#: Publishers laid out exactly as each headset's own program publishes (muselsl, mne-lsl...)
HEADSET_PUBLISHER = HERE / "headset_publishers.py"


class TinyModel(torch.nn.Module):
    """A few-parameter stand-in for ScalingNet with the same call contract.

    ``forward(x (B, C, T), channel_mask=None) -> {target: logits}``,
    ``level_map(x) -> (B, C, 2, T // 8)``, ``level_labels()``, ``forward_with_level_map``.
    """

    supports_missing_channels = False

    def __init__(self, n_channels: int, targets: tuple[str, ...] = ("valence", "arousal"),
                 delay_s: float = 0.0) -> None:
        super().__init__()
        self.heads = torch.nn.ModuleDict({t: torch.nn.Linear(n_channels, 2) for t in targets})
        self.delay_s = delay_s
        self.calls = 0
        self.masks: list[torch.Tensor | None] = []

    def forward(self, x: torch.Tensor, channel_mask: torch.Tensor | None = None) -> dict:
        import time

        self.calls += 1
        self.masks.append(channel_mask)
        if self.delay_s:
            time.sleep(self.delay_s)
        feat = x.std(dim=-1)
        return {t: head(feat) for t, head in self.heads.items()}

    def level_map(self, x: torch.Tensor) -> torch.Tensor:
        """Mean absolute value of 8-sample blocks at two 'levels'."""
        b, c, t = x.shape
        blocks = x[..., : t // 8 * 8].reshape(b, c, t // 8, 8).abs().mean(-1)
        return torch.stack([blocks, blocks * 0.5], dim=2)

    def level_labels(self) -> tuple[str, ...]:
        return ("L1", "L2")

    def forward_with_level_map(self, x: torch.Tensor, channel_mask: torch.Tensor | None = None
                               ) -> tuple[dict, torch.Tensor]:
        """As :meth:`eeg_emotion.models.base.EmotionModel.forward_with_level_map`."""
        return self(x, channel_mask=channel_mask), self.level_map(x)


def make_loaded(channels: tuple[str, ...] = ("Fp1", "Fp2", "C3", "C4"), sfreq: float = 128.0,
                window_s: float = 1.0, hop_s: float = 0.25, delay_s: float = 0.0,
                synthetic: bool = True, supports_missing: bool = False,
                discard_s: float = 0.0) -> LoadedModel:
    """A :class:`LoadedModel` of :class:`TinyModel` with a real signal contract."""
    torch.manual_seed(0)
    model = TinyModel(len(channels), delay_s=delay_s)
    model.supports_missing_channels = supports_missing
    contract = SignalContract(channels=tuple(channels), sfreq=sfreq, units="microvolts",
                              filter=FilterSpec(4.0, 45.0), window_s=window_s, hop_s=hop_s,
                              baseline="none", standardize="window", discard_s=discard_s)
    meta = CheckpointMeta(model="tiny", hparams={}, signal=contract,
                          targets=deap_targets(("valence", "arousal")), synthetic=synthetic)
    return LoadedModel(model, meta)


@pytest.fixture
def loaded_factory() -> Callable[..., LoadedModel]:
    """Build a tiny LoadedModel: ``loaded_factory(channels=..., sfreq=..., delay_s=...)``."""
    return make_loaded


def _wait_until(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``cond`` every 20 ms until it holds or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return bool(cond())


@pytest.fixture
def wait_until() -> Callable[..., bool]:
    """``wait_until(cond, timeout=10.0)``: poll until ``cond()`` holds; True if it did."""
    return _wait_until


@pytest.fixture
def openbci_sid(monkeypatch: pytest.MonkeyPatch) -> str:
    """A source id that counts as OpenBCI GUI's in this test only.

    Other tests (and other people's test runs on this machine) may publish
    ``openbcigui`` streams at the same time; a unique id keeps ``--stream OpenBCI``
    and montage inference of this test on its own stream.
    """
    from eeg_emotion.realtime.sources import lsl_source

    sid = f"openbcigui-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(lsl_source, "OPENBCI_SOURCE_ID", sid)
    return sid


@pytest.fixture
def stream_name(request: pytest.FixtureRequest) -> str:
    """A stream name unique to this test run."""
    return f"t-{request.node.name[:24]}-{uuid.uuid4().hex[:8]}"


class Publishers:
    """Start ``lsl_publisher.py`` subprocesses and kill them at teardown."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.errs: list = []

    def start(self, name: str, *, ready: bool = False, script: Path = PUBLISHER,
              **options: object) -> subprocess.Popen:
        """Start a publisher; ``options`` become ``--key value`` flags.

        With ``ready=True`` wait until it has a consumer and starts sending.
        ``script`` is :data:`PUBLISHER` or :data:`HEADSET_PUBLISHER`.
        """
        cmd = [sys.executable, str(script), "--name", name]
        for key, value in options.items():
            flag = f"--{key.replace('_', '-')}"
            cmd += [flag] if value is True else [flag, str(value)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        err = tempfile.TemporaryFile(mode="w+")  # a file: liblsl logs can never fill a pipe
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=env,
                                cwd=ROOT)
        self.procs.append(proc)
        self.errs.append(err)
        if ready:
            line = proc.stdout.readline()
            err.seek(0)
            assert line.strip() == "READY", err.read()
        return proc

    def headset(self, mode: str, name: str = "", **options: object) -> subprocess.Popen:
        """Start a publisher laid out as ``mode``'s program publishes
        (``headset_publishers.py``: muselsl, mne-lsl, unicorn, explorepy...)."""
        return self.start(name, script=HEADSET_PUBLISHER, mode=mode, **options)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()
        for err in self.errs:
            err.close()


@pytest.fixture
def publishers() -> Iterator[Publishers]:
    """Subprocess LSL publishers, all killed at the end of the test."""
    pubs = Publishers()
    yield pubs
    pubs.close()


class Receiver:
    """A python-osc UDP server on 127.0.0.1 collecting every message."""

    def __init__(self) -> None:
        self.got: list[tuple[str, tuple]] = []
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(lambda address, *args: self.got.append((address, args)))
        self.server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def wait_for(self, n: int, timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        while len(self.got) < n and time.monotonic() < end:
            time.sleep(0.02)
        return len(self.got) >= n

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def osc_receiver() -> Iterator[Receiver]:
    """A python-osc server on 127.0.0.1 (a free port) collecting messages; closed after."""
    rec = Receiver()
    yield rec
    rec.close()


def _capture_raw(engine) -> list:
    """Every raw chunk the engine reads from now on, as read (before any processing).

    The engine hands each raw chunk to its recorder switch from the acquisition
    thread; this wraps that call (the recording itself goes on unchanged).
    """
    chunks: list = []
    write = engine.recorder.write_samples

    def capture(chunk) -> None:
        chunks.append(chunk)
        write(chunk)

    engine.recorder.write_samples = capture
    return chunks


@pytest.fixture
def raw_chunks():
    """``raw_chunks(engine) -> list``: the raw chunks the engine reads, as read."""
    return _capture_raw
