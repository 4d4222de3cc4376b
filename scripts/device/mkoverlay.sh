#!/usr/bin/env bash
# Packs what a GPU run of atrous needs into git-ignored folders of the repo, for the `device` tool
# (a lent GPU machine: Python and PyTorch, but no Node, no Vulkan loader and no network):
#   .devcarry/overlay.tar.xz  the built package (dist/, build/*.wasm), the bundled benches
#                             (build/bench-browser/, build/device/), the production node_modules
#                             (webgpu with its linux-x64 Dawn only), onnxruntime-web's WebGPU build
#                             and this machine's node binary (x86-64);
#   .gl/*.deb                 the Vulkan/EGL loaders (Debian amd64), as /work/.library/device/README.md says.
# Then run there: scripts/device/run.sh STAGES, with carry [".gl", ".devcarry"].
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -m)" = x86_64 ] || { echo "mkoverlay: the GPU machines are x86-64; build the overlay on one" >&2; exit 1; }

npm run build
npx tsup --config bench/browser/tsup.config.ts
npx tsup --config scripts/device/tsup.config.ts

for d in /.devcarry/ /.gl/; do grep -qx "$d" .git/info/exclude 2>/dev/null || echo "$d" >>.git/info/exclude; done
mkdir -p .devcarry .gl

if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/.devcarry/bin"
cp "$(readlink -f "$(command -v node)")" "$stage/.devcarry/bin/node"
# Production dependencies (npm's list), then the two the benches load that are devDependencies.
# (Type packages are left out: nothing runs them.)
mapfile -t deps < <(npm ls --omit=dev --parseable --all 2>/dev/null | sed "s#^$PWD/##" | grep '^node_modules/' |
  grep -v -e '^node_modules/@types/' -e '^node_modules/@webgpu/types$' -e '^node_modules/undici-types$')
deps+=(node_modules/onnxruntime-common)
tar cf - --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' "${deps[@]}" | tar xf - -C "$stage"
ort=node_modules/onnxruntime-web
mkdir -p "$stage/$ort/dist"
cp "$ort/package.json" "$stage/$ort/"
cp "$ort"/dist/ort.webgpu.bundle.min.mjs "$ort"/dist/ort-wasm-simd-threaded.{jsep,asyncify}.* "$stage/$ort/dist/"
mkdir -p "$stage/build"
cp -r dist "$stage/"
cp -r build/bench-browser build/device build/*.wasm "$stage/build/"
rm -f "$stage"/build/bench-browser/page-base.js
# xz: the node binary packs to ~24 MB, against ~36 with gzip (the device tool carries 64 MiB in all,
# the repository's ~14 MB included).
rm -f .devcarry/overlay.tar.gz
tar cJf .devcarry/overlay.tar.xz -C "$stage" .
git rev-parse HEAD >.devcarry/commit
du -sh .devcarry .gl
echo "overlay of $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes'); carry [\".gl\", \".devcarry\"]"
