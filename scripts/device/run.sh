#!/usr/bin/env bash
# On a lent GPU machine (the `device` tool), after scripts/device/mkoverlay.sh here:
#   run(command: "bash scripts/device/run.sh fixtures bench pipes models", carry: [".gl", ".devcarry"])
# Stages (in the order given; each writes into $OUT, a failed stage does not stop the next):
#   fixtures  python3 scripts/make-fixtures.py --full-only (torchvision LR-ASPP / DeepLabv3 MobileNetV3)
#   bench     node build/bench-browser/node.js --reps 10: atrous vs onnxruntime-web WebGPU, one process
#             ($BENCH_ARGS appended: e.g. --only dilated3x3,depthwise3x3, or --swiftshader to try it here)
#   pipes     build/device/webgpu-cold.js: create + first run per workload, every pipeline's compile
#   compile   build/device/webgpu-compile.js: every kernel's pipeline compile time
#   models    atrous run --backend webgpu --profile on the fixtures, relative error vs PyTorch
#   dwpw      build/device/webgpu-dwpw-bound.js: what fusing LR-ASPP's depthwise → 1x1 pairs could save
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/atrous-out}
mkdir -p "$OUT"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
tar xJf .devcarry/overlay.tar.xz
export PATH="$PWD/.devcarry/bin:$PATH"
# Real compiles: no NVIDIA shader disk cache between runs of one process.
export __GL_SHADER_DISK_CACHE=0
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && [ -z "${VK_DRIVER_FILES:-}" ] && export VK_DRIVER_FILES=$icd
{
  echo "commit $(cat .devcarry/commit 2>/dev/null) node $(node --version)"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1
} | tee "$OUT/machine.txt"

stage() {
  local name=$1
  shift
  echo "=== $name: $*"
  local t0=$SECONDS
  "$@" >"$OUT/$name.txt" 2>&1
  local rc=$?
  tail -n 25 "$OUT/$name.txt"
  echo "=== $name: exit $rc, $((SECONDS - t0)) s"
}

models() {
  local f
  for f in test/fixtures/generated/*_full.onnx; do
    local base=${f%.onnx}
    echo "--- $f"
    node dist/cli/main.js run "$f" -b webgpu --profile -i "$base.input.npy" -o "/tmp/$(basename "$base").npy" &&
      node scripts/device/compare-npy.mjs "/tmp/$(basename "$base").npy" "$base.output.npy"
  done
}

for s in "$@"; do
  case $s in
    fixtures) stage fixtures env OMP_NUM_THREADS=8 python3 scripts/make-fixtures.py --full-only ;;
    # shellcheck disable=SC2086
    bench) stage bench node build/bench-browser/node.js --reps 10 --out "$OUT" ${BENCH_ARGS:-} ;;
    pipes) stage pipes node build/device/webgpu-cold.js ;;
    compile) stage compile node build/device/webgpu-compile.js ;;
    models) stage models models ;;
    dwpw) stage dwpw node build/device/webgpu-dwpw-bound.js ;;
    *) echo "run.sh: unknown stage '$s' (fixtures bench pipes compile models dwpw)" >&2 ;;
  esac
done
