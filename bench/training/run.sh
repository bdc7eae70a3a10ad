#!/usr/bin/env bash
# The training-step benchmark, and PyTorch's reference beside it when a
# Python with torch is given (a separate venv, never CI's):
#
#   bash bench/training/run.sh                         # Lariat only
#   bash bench/training/run.sh --torch /tmp/torchvenv/bin/python
#   LARIAT_BENCH_CHANNELS=8,16,16 LARIAT_BENCH_KERNEL=5 bash bench/training/run.sh --torch ...   # another architecture
#
# Both run on the same machine one after the other; the summary divides
# Lariat's medians by PyTorch's. Needs a release build with tests
# (`swift build -c release -Xswiftc -enable-testing --build-tests`).
set -euo pipefail
cd "$(dirname "$0")/../.."
torch_python=""
if [ "${1:-}" = "--torch" ]; then torch_python="$2"; fi

# Swift Testing runs tests off the main thread; one malloc arena keeps the
# activations between steps as `lariat`'s main thread does (README.md here).
lariat_out=$(LARIAT_BENCH=1 MALLOC_ARENA_MAX=1 swift test -c release -Xswiftc -enable-testing --skip-build \
    --filter TrainingBenchmark 2>&1 | grep -E 'OpenBLAS|tiles|architecture|kernels|sgemm|step|memory|warning')
echo "$lariat_out"
[ -n "$torch_python" ] || exit 0

if [ -n "${LARIAT_BENCH_CHANNELS:-}${LARIAT_BENCH_KERNEL:-}" ]; then
    # Another architecture: the same network in PyTorch, built from the same widths and kernel.
    torch_out=$("$torch_python" bench/training/torch_architecture.py --channels "${LARIAT_BENCH_CHANNELS:-16,32,32}" \
        --kernel "${LARIAT_BENCH_KERNEL:-3}" 2>&1)
else
    reference="${TORCH_REFERENCE:-../shared/bench/torch_reference.py}"
    [ -f "$reference" ] || { echo "run.sh: no PyTorch reference at $reference (set TORCH_REFERENCE)" >&2; exit 2; }
    torch_out=$("$torch_python" "$reference" 2>&1)
fi
echo "$torch_out"
ms() { sed -n "s/.*$1[^:]*:[[:space:]]*median \([0-9.]*\) ms.*/\1/p" | head -1; }
lariat_full=$(echo "$lariat_out" | ms 'full step')
lariat_ae=$(echo "$lariat_out" | ms 'AE-only step')
torch_full=$(echo "$torch_out" | ms 'full step')
torch_ae=$(echo "$torch_out" | ms 'AE-only step')
awk -v lf="$lariat_full" -v tf="$torch_full" -v la="$lariat_ae" -v ta="$torch_ae" 'BEGIN {
    printf "Lariat / PyTorch, median step time: full %.3f (%.1f vs %.1f ms), AE-only %.3f (%.1f vs %.1f ms)\n", lf / tf, lf, tf, la / ta, la, ta }'
