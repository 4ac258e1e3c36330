#!/usr/bin/env bash
# Installs the Debian packages the native build and tests need. Idempotent: installs only what is
# missing, and runs `apt-get update` only then. Uses sudo when not run as root.
set -euo pipefail

packages=(
  cmake ninja-build g++          # toolchain
  libgtest-dev                   # GoogleTest
  libbenchmark-dev               # Google Benchmark
  nlohmann-json3-dev             # JSON output of the CLI
  libcli11-dev                   # command-line parsing of the CLI
  unicode-data                   # Unicode Character Database: tables for the tokenizers
  emscripten                     # the WebAssembly build of the npm package
  clang-19 lld-19                # the relaxed-SIMD kernels' module (Emscripten 3.1.6 cannot emit relaxed SIMD)
  libclang-rt-19-dev             # libFuzzer and the sanitizers' runtimes for clang 19 (fuzz/)
  chromium                       # browser tests of the npm package (driven by playwright-core)
  libvulkan1                     # the Vulkan loader: Dawn (npm webgpu) runs on Chromium's SwiftShader driver
  curl xz-utils                  # scripts/install-emscripten-memory64.sh: trixie's Emscripten from deb.debian.org
)

# Node.js and npm run the npm package's tests: Debian's if none are installed yet.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
