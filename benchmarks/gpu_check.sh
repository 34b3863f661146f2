#!/usr/bin/env bash
# The GPU checks of eeg-emotion in one prepared script, for a fresh GPU machine.
#
# Run it in the repository root:  bash benchmarks/gpu_check.sh
# Everything it prints also goes to files in $OUT (default ./gpu_check_out), 7 files:
#   env.txt       GPU, driver, python, torch, CUDA as found
#   install.log   how eeg-emotion was made importable
#   tests.log     the CUDA tests (pytest -k cuda), which skip on a machine without a GPU
#   bench_gpu.txt benchmarks/bench_gpu.py: live latency cuda vs cpu, ScalingNet epochs at
#                 DEAP size, MSMAE pre-training at SEED-IV size
#   ddp.log       torchrun, [distributed] mode = "ddp" with nccl (world size 1, or 2 when
#                 the machine has 2+ GPUs)
#   folds.log     the same small run in one process and over 2 torchrun ranks in folds
#                 mode sharing the GPU(s): wall times and the report's ranks
#   summary.txt   each step's exit status and seconds
#
# Python: the first of $PYTHON, python3, /opt/torch/.venv/bin/python3 whose torch sees
# CUDA is used as it is (no download); only when none does is `pip install
# torch==2.13.0` (PyPI's default index, a CUDA build on Linux) tried
# (GPU_CHECK_ALLOW_CPU=1 takes a CPU torch instead: a rehearsal on a CPU machine).
# eeg-emotion is installed into that Python with `pip install --no-deps
# --no-build-isolation -e .` (numpy, scipy, scikit-learn, tqdm and matplotlib must be
# there; the live-stream and GUI packages are not needed), or, when pip cannot, made
# importable by links in eeg_emotion/ to the folders pyproject.toml maps into it.
#
# It never stops at a failing step: each step's status is recorded and the summary
# printed at the end. A deadline (GPU_CHECK_DEADLINE_S, default 420 s) shortens or
# skips the last steps so that the whole script ends within it.

set -u
set -x
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
OUT="${OUT:-$ROOT/gpu_check_out}"
mkdir -p "$OUT"
DEADLINE_S="${GPU_CHECK_DEADLINE_S:-420}"
START_S=$(date +%s)
WORK="$(mktemp -d /tmp/eeg-gpu-check.XXXXXX)"
export PYTHONUNBUFFERED=1
export GLOO_SOCKET_IFNAME=lo  # the ranks of the checks talk over loopback
SUMMARY=()

# step NAME TIMEOUT_S LOG CMD...: run CMD with at most TIMEOUT_S (less when the deadline
# is near), its output to the terminal and appended to LOG; record status and seconds.
step() {
    local name="$1" limit="$2" log="$3"
    shift 3
    local now left t0 rc
    now=$(date +%s)
    left=$(( DEADLINE_S - (now - START_S) - 10 ))
    if (( left < limit )); then limit=$left; fi
    if (( limit < 15 )); then
        SUMMARY+=("$name: skipped (deadline)")
        echo "== $name: skipped, the deadline is near" | tee -a "$log"
        return 0
    fi
    echo "== $name (at most ${limit} s): $*" | tee -a "$log"
    t0=$(date +%s)
    timeout --kill-after=10 "$limit" "$@" > >(tee -a "$log") 2>&1
    rc=$?
    SUMMARY+=("$name: rc=$rc in $(( $(date +%s) - t0 )) s$( ((rc == 124)) && echo ' (timed out)')")
    echo "== $name: rc=$rc" | tee -a "$log"
    return 0
}

# ---- Python with a CUDA torch ------------------------------------------------------
PY=""
for cand in ${PYTHON:-} python3 /opt/torch/.venv/bin/python3 python; do
    if command -v "$cand" >/dev/null 2>&1 && \
       "$cand" -c "import os, sys, torch; sys.exit(0 if torch.cuda.is_available() or os.environ.get('GPU_CHECK_ALLOW_CPU') else 1)" \
       >/dev/null 2>&1; then
        PY="$(command -v "$cand")"
        break
    fi
done
if [[ -z "$PY" ]]; then
    PY="$(command -v python3)"
    step "pip install torch (no CUDA torch found)" 240 "$OUT/install.log" \
        "$PY" -m pip install -q torch==2.13.0
fi
{
    echo "date: $(date -u +%FT%TZ)"
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv || true
    echo "python: $PY ($("$PY" -V 2>&1))"
    "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available(), 'gpus', torch.cuda.device_count(), 'nccl', torch.cuda.nccl.version() if torch.cuda.is_available() else None)"
    "$PY" -c "import numpy, scipy, sklearn, tqdm, matplotlib; print('numpy', numpy.__version__, 'scipy', scipy.__version__, 'sklearn', sklearn.__version__)"
    nproc
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
NGPU=$("$PY" -c "import torch; print(torch.cuda.device_count())" 2>/dev/null || echo 0)

# ---- eeg-emotion importable ---------------------------------------------------------
IMPORTS="import eeg_emotion.models, eeg_emotion.offline.training.split_ranks, eeg_emotion.realtime.engine.inference"
step "install eeg-emotion" 120 "$OUT/install.log" \
    "$PY" -m pip install -q --no-deps --no-build-isolation --no-index -e .
LINKS=()
if ! "$PY" -c "$IMPORTS" >> "$OUT/install.log" 2>&1; then
    # pyproject.toml maps root folders into the eeg_emotion namespace; without pip, the
    # same layout through links (the commands here all run in the repository root)
    for sub in models offline realtime configs; do
        ln -sfn "../$sub" "eeg_emotion/$sub" && LINKS+=("eeg_emotion/$sub")
    done
    echo "pip install failed: eeg_emotion/{models,offline,realtime,configs} linked" \
        | tee -a "$OUT/install.log"
    SUMMARY+=("install: pip failed, links in eeg_emotion/ used")
fi
"$PY" -c "$IMPORTS; import eeg_emotion; print('eeg_emotion importable from', eeg_emotion.__file__)" 2>&1 | tee -a "$OUT/install.log"

# ---- the CUDA tests -------------------------------------------------------------------
step "CUDA tests" 180 "$OUT/tests.log" \
    "$PY" -m pytest -q -n 0 -p no:cacheprovider -rs -k cuda \
    tests/models/test_model_registry.py tests/models/test_model_checkpoint.py \
    tests/offline/training/test_gpu_path.py

# ---- benchmark --------------------------------------------------------------------------
step "bench_gpu" 200 "$OUT/bench_gpu.txt" "$PY" benchmarks/bench_gpu.py

# ---- torchrun: ddp with nccl, and folds over 2 ranks on the GPU(s) ----------------------
"$PY" -m eeg_emotion synth deap --out "$WORK/deap" >> "$OUT/folds.log" 2>&1
cat > "$WORK/small.toml" <<'EOF'
description = "gpu_check: ScalingNet, synthetic DEAP, cross-subject 3-fold"
[data]
kind = "deap"
[preprocess]
window_s = 4.0
hop_s = 2.0
baseline = "subtract_mean"
[model]
name = "scalingnet"
[train]
epochs = 4
batch_size = 32
patience = 10
device = "auto"
[protocol]
folds = 3
targets = ["valence", "arousal"]
EOF
{ cat "$WORK/small.toml"; printf '[distributed]\nmode = "ddp"\n'; } > "$WORK/ddp.toml"
DDP_RANKS=1; if (( NGPU >= 2 )); then DDP_RANKS=2; fi
TRAIN=(--data "$WORK/deap" --cache-dir "$WORK/cache" --quiet)
step "ddp over $DDP_RANKS rank(s), nccl on a GPU" 120 "$OUT/ddp.log" \
    "$PY" -m torch.distributed.run --standalone --local-addr 127.0.0.1 \
    --nproc-per-node "$DDP_RANKS" -m eeg_emotion train --config "$WORK/ddp.toml" \
    --out "$WORK/ddp" "${TRAIN[@]}"
"$PY" -c "import json, sys; m = json.load(open(sys.argv[1])); print('ddp run:', m['timing'], {t: round(s['accuracy']['mean'], 3) for t, s in m['summary'].items()})" "$WORK/ddp/metrics.json" 2>&1 | tee -a "$OUT/ddp.log"

step "folds, 1 process" 90 "$OUT/folds.log" \
    "$PY" -m eeg_emotion train --config "$WORK/small.toml" --out "$WORK/one" "${TRAIN[@]}"
step "folds, 2 ranks" 120 "$OUT/folds.log" \
    "$PY" -m eeg_emotion train --config "$WORK/small.toml" --out "$WORK/two" --workers 2 \
    "${TRAIN[@]}"
for run in one two; do
    "$PY" -c "import json, sys; m = json.load(open(sys.argv[1])); print(sys.argv[2], m['timing'], {t: round(s['accuracy']['mean'], 3) for t, s in m['summary'].items()})" "$WORK/$run/metrics.json" "$run" 2>&1 | tee -a "$OUT/folds.log"
done

# ---- summary ----------------------------------------------------------------------------
set +x
{
    echo "gpu_check: $(( $(date +%s) - START_S )) s in all; python $PY; GPUs $NGPU"
    for line in "${SUMMARY[@]}"; do echo "  $line"; done
    echo "--- bench_gpu"
    grep -v '^==' "$OUT/bench_gpu.txt" 2>/dev/null | grep -E 'device:|live|ScalingNet|MSMAE|CUDA' || true
    echo "--- tests"
    tail -n 6 "$OUT/tests.log" 2>/dev/null || true
    echo "--- torchrun"
    grep -hE '^(ddp run|one|two)' "$OUT/ddp.log" "$OUT/folds.log" 2>/dev/null || true
} | tee "$OUT/summary.txt"
rm -rf "$WORK"
for link in "${LINKS[@]}"; do rm -f "$link"; done
exit 0
