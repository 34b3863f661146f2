"""The torch thread policy: usable CPUs, training (fixed or automatic), live inference."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import torch

from eeg_emotion import threads
from eeg_emotion.errors import ConfigError


@pytest.fixture(autouse=True)
def restore_threads():
    """Each test leaves torch's thread count and the policy as it found them."""
    before = torch.get_num_threads()
    yield
    threads._training = None
    torch.set_num_threads(before)


def test_usable_cpus_follow_the_affinity_mask():
    n = threads.usable_cpus()
    assert 1 <= n <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert n <= len(os.sched_getaffinity(0))


def test_cgroup_quota_caps_the_cpus(tmp_path, monkeypatch):
    quota = tmp_path / "cpu.max"
    quota.write_text("100000 100000\n")  # one CPU's worth
    monkeypatch.setattr(threads, "_CGROUP_CPU_MAX", quota)
    assert threads.usable_cpus() == 1
    quota.write_text("max 100000\n")
    assert threads.usable_cpus() >= 1 and threads._cgroup_quota() is None


def test_threads_option_is_checked():
    with pytest.raises(ConfigError, match="--threads 0 must be at least 1") as err:
        threads.check_threads(0)
    assert "--threads 1" in err.value.fix
    assert threads.check_threads(None) is None and threads.check_threads(1) == 1


def test_training_threads_precedence(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert threads.use_training_threads(None) == 1 and threads._training.why == "OMP_NUM_THREADS"
    assert threads.adapt_training_threads() is None  # a fixed count is never re-checked
    assert threads.use_training_threads(2) == 2 == torch.get_num_threads()
    assert threads._training.why == "--threads"


def test_automatic_choice_leaves_out_the_cpus_others_keep_busy(monkeypatch):
    monkeypatch.setattr(threads, "usable_cpus", lambda: 4)
    policy = threads.TrainingThreads(None, "auto")
    for busy, want in ((0.0, 4), (0.4, 4), (1.0, 3), (2.6, 1), (7.0, 1), (None, 4)):
        monkeypatch.setattr(policy._meter, "others_busy", lambda b=busy: b)
        assert policy.choose() == want, busy
    assert not policy.due()  # just checked; re-checked after ADAPT_EVERY_S


def test_adaptation_is_a_no_op_until_a_command_chooses_auto():
    threads._training = None
    assert threads.adapt_training_threads() is None


def test_the_meter_sees_a_busy_process():
    meter = threads.CpuLoadMeter()
    meter.others_busy()  # primes
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
        seen = meter.others_busy()
    finally:
        busy.kill()
        busy.wait(10)
    if seen is None:
        pytest.skip("no /proc/stat here")
    assert seen >= 0.5  # one core's worth, whatever else runs beside it


def test_live_inference_uses_one_thread_unless_told():
    assert threads.use_live_threads(None) == threads.LIVE_THREADS == 1 == torch.get_num_threads()
    assert threads.use_live_threads(2) == 2 == torch.get_num_threads()
    with pytest.raises(ConfigError):
        threads.use_live_threads(0)


def test_policy_line_names_cpus_training_and_live(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    line = threads.describe_policy()
    assert f"{threads.usable_cpus()} usable CPU(s)" in line
    assert "training threads auto" in line and "live inference 1 thread" in line
    assert "--threads N" in line
