"""Forward time and size of the emotion models on a 32-channel, 4-s, 128-Hz window.

For batch 1 (live: one window per hop) and batch 32 (training / evaluation)
it prints the median forward time in ms over ``--repeats`` runs after warm-up,
in eval mode without autograd, of:

* the scaling layer alone, fused (one grouped conv1d) and literal per-level
  reference (Python loops over levels and channels);
* ScalingNet with the fused layer and with the reference layer swapped in;
* scalingnet-conv (the paper's ablation) and msmae-cnn (DE computed inside);

and the parameter count of each. On CUDA each run is synchronised. Run:
``.venv/bin/python benchmarks/bench_models.py [--device cpu|cuda|all]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from eeg_emotion.models import build_model
from eeg_emotion.montages import DEAP
from eeg_emotion.targets import deap_targets

SFREQ = 128.0
N_TIMES = 4 * 128


def _time(fn: Callable[[], object], device: torch.device, repeats: int, warmup: int,
          budget_s: float) -> tuple[float, int]:
    """Median wall time of ``fn`` in ms, and the number of timed runs.

    Stops early (after at least 3 runs) once ``budget_s`` is spent, so the slow
    reference does not dominate the run time.
    """
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    start = time.perf_counter()
    for _ in range(warmup):
        fn()
        sync()
        if time.perf_counter() - start > budget_s / 4:
            break
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < repeats and (len(times) < 3 or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), len(times)


def _params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def bench(device: torch.device, repeats: int, warmup: int, budget_s: float) -> None:
    """Print the table for one device."""
    targets = deap_targets(("valence", "arousal", "dominance"))
    torch.manual_seed(0)
    scalingnet = build_model("scalingnet", 32, SFREQ, targets).to(device).eval()
    conv = build_model("scalingnet-conv", 32, SFREQ, targets).to(device).eval()
    msmae = build_model("msmae-cnn", 32, SFREQ, targets, channels=list(DEAP)).to(device).eval()
    layer = scalingnet.extractor

    def scalingnet_reference(x: torch.Tensor) -> object:
        maps = layer.forward_reference(x)
        z = scalingnet.transform(maps).mean(dim=(2, 3))
        return {name: head(z) for name, head in scalingnet.heads.items()}

    rows = [
        ("scaling layer, fused", layer, layer.forward),
        ("scaling layer, reference", layer, layer.forward_reference),
        ("scalingnet (fused)", scalingnet, scalingnet),
        ("scalingnet (reference layer)", scalingnet, scalingnet_reference),
        ("scalingnet-conv", conv, conv),
        ("msmae-cnn (raw in, DE inside)", msmae, msmae),
    ]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"CPU, {torch.get_num_threads()} threads"
    print(f"\ndevice: {device} ({name}); torch {torch.__version__}; 32 ch x {N_TIMES} samples "
          f"(4 s at {SFREQ:g} Hz); median of up to {repeats} runs ({budget_s:g} s cap) "
          f"after up to {warmup} warm-up")
    print(f"{'model':32s} {'params':>8s} {'batch 1 ms':>11s} {'batch 32 ms':>12s}  runs")
    with torch.no_grad():
        for label, module, fn in rows:
            cells = []
            for batch in (1, 32):
                x = torch.randn(batch, 32, N_TIMES, device=device)
                cells.append(_time(lambda fn=fn, x=x: fn(x), device, repeats, warmup, budget_s))
            print(f"{label:32s} {_params(module):8d} {cells[0][0]:11.3f} {cells[1][0]:12.3f}  "
                  f"{cells[0][1]}/{cells[1][1]}")
        x = torch.randn(4, 32, N_TIMES, device=device)
        err = (layer(x) - layer.forward_reference(x)).abs().max().item()
    print(f"max |fused - reference| on the same input: {err:.2e}")


def main(argv: list[str] | None = None) -> int:
    """Parse options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda", "all"), default="all",
                        help="cpu, cuda, or all available (default)")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--budget", type=float, default=2.0,
                        help="seconds of timed runs per cell at most (default 2)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = []
    if args.device in ("cpu", "all"):
        devices.append(torch.device("cpu"))
    if args.device in ("cuda", "all"):
        if torch.cuda.is_available():
            devices.append(torch.device("cuda"))
        elif args.device == "cuda":
            print("CUDA is not available on this machine", file=sys.stderr)
            return 2
    for device in devices:
        bench(device, args.repeats, args.warmup, args.budget)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
