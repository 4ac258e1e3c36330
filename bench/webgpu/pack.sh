#!/usr/bin/env bash
# Packs what a GPU machine without Node or a Vulkan loader needs to run bench/webgpu/bench.mjs
# (the `device` tool's machines; ../shared/gpu/README.md is the recipe): Node, Dawn, the npm
# packages the library imports, the Vulkan/GL loader packages, the native `chord` CLI (it
# synthesizes the models there: they are too large to carry) and two vocabularies. Into .gpucarry/
# (git-ignored through .git/info/exclude), with the shared golden data if WITH_GOLDEN=1.
# Needs: the native and wasm builds, bindings/js/node_modules (npm ci). Then, on the machine:
#   bash bench/webgpu/on-device.sh bash bench/webgpu/tinyllama.sh
# carrying .gpucarry and bindings/js/dist.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared="${CHORD_SHARED_DIR:-../shared}"
out=.gpucarry
grep -qx '/.gpucarry/' .git/info/exclude 2>/dev/null || echo '/.gpucarry/' >> .git/info/exclude
rm -rf "$out" && mkdir -p "$out/pkg" "$out/shared/vocab"
xz -T0 -c "$(command -v node)" > "$out/node.xz"
xz -T0 -c bindings/js/node_modules/webgpu/dist/linux-x64/dawn.node > "$out/dawn.node.xz"
cp -r bindings/js/node_modules/webgpu bindings/js/node_modules/comlink "$out/pkg/"
find "$out/pkg/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
rm -f "$out/pkg/webgpu/dist/linux-x64/dawn.node"
cp build/native/bin/chord "$out/"
cp "$shared/vocab/ggml-vocab-llama-spm.gguf" "$shared/vocab/ggml-vocab-gpt-2.gguf" "$out/shared/vocab/"  # gpt-2: llama3-8b.sh's BPE
if [ "${WITH_GOLDEN:-0}" = 1 ]; then  # 31 MB: bf16 left out to stay under the 64 MiB a run carries
  cp -r "$shared/golden" "$shared/models" "$out/shared/" && chmod -R u+w "$out/shared"
  rm -f "$out/shared/models/synth-llama-bf16.gguf" "$out/shared/golden/synth-llama-bf16.json"
fi
(cd "$out" && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
du -sh "$out"
