"""Fixtures for the model tests: a tiny band-power task and small torch settings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eeg_emotion.targets import Target

torch.set_num_threads(1)


def make_band_task(n: int, n_channels: int, sfreq: float, n_times: int,
                   rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows whose class is which band carries extra power (10 Hz vs 22 Hz).

    Both classes get the same added variance, so only the frequency content
    separates them; phases, amplitudes and the noise differ per window.
    """
    y = rng.integers(0, 2, n)
    t = np.arange(n_times) / sfreq
    freq = np.where(y == 1, 10.0, 22.0)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, (n, n_channels, 1))
    amp = rng.uniform(1.5, 2.5, (n, 1, 1))
    x = amp * np.sin(2 * np.pi * freq * t + phase) + rng.normal(0, 1.0, (n, n_channels, n_times))
    return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)


def train_classifier(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, target: str,
                     epochs: int = 15, lr: float = 3e-3, batch: int = 32) -> None:
    """Plain Adam training loop, seeded shuffling."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[idx])[target], y[idx])
            loss.backward()
            opt.step()
    model.eval()


@pytest.fixture(scope="session")
def binary_target() -> Target:
    """A two-class target named ``band``."""
    return Target("band", ("beta", "alpha"), "band", None)


@pytest.fixture(scope="session")
def band_task():
    """The factory :func:`make_band_task`."""
    return make_band_task


@pytest.fixture(scope="session")
def train():
    """The factory :func:`train_classifier`."""
    return train_classifier
