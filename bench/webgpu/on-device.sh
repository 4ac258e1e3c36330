#!/usr/bin/env bash
# On a GPU machine with an NVIDIA driver but no Node and no Vulkan loader, from the repository
# root: unpacks what bench/webgpu/pack.sh put in .gpucarry/, then runs the arguments (a command)
# with Node on the PATH and the NVIDIA Vulkan driver for Dawn.
set -euo pipefail
for f in .gpucarry/*.deb; do dpkg -x "$f" /; done
ldconfig
mkdir -p /tmp/gpucarry && xz -dc .gpucarry/node.xz > /tmp/gpucarry/node && chmod +x /tmp/gpucarry/node
mkdir -p bindings/js/node_modules && cp -r .gpucarry/pkg/* bindings/js/node_modules/
xz -dc .gpucarry/dawn.node.xz > bindings/js/node_modules/webgpu/dist/linux-x64/dawn.node
for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$icd" ] && export VK_ICD_FILENAMES="$icd" && break
done
export PATH="/tmp/gpucarry:$PATH" XDG_RUNTIME_DIR=/tmp CHORD_SHARED_DIR="$PWD/.gpucarry/shared"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$@"
