#!/usr/bin/env bash
# Installs Emscripten 3.1.69, Debian trixie's package, into build/toolchains/emscripten-3.1.69/ for
# the `wasm64` preset: bookworm's Emscripten 3.1.6 cannot build -sMEMORY64. Only deb.debian.org is
# used, each .deb checked against the SHA256 of trixie's package index. Clang, lld and llvm are
# bookworm's 19 (scripts/install-deps.sh). Trixie's binaryen 120 needs glibc 2.38, newer than
# bookworm's, so its tools run under trixie's own loader and libraries, unpacked beside it.
# Idempotent: does nothing once installed. The wasm64 system libraries (libc, libc++...) are not
# in the package: Emscripten builds them into its cache on the first wasm64 link (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

version=3.1.69+dfsg-3
prefix="$PWD/build/toolchains/emscripten-3.1.69"
root="$prefix/root"                   # the unpacked .debs
emroot="$root/usr/share/emscripten"   # emcc, em++, cmake/Modules/Platform/Emscripten.cmake
stamp="$prefix/installed"
[ -f "$stamp" ] && exit 0

llvm_bin=/usr/lib/llvm-19/bin
for tool in "$llvm_bin/clang" "$llvm_bin/wasm-ld" "$llvm_bin/llvm-ar"; do
  [ -x "$tool" ] || { echo "missing $tool: run scripts/install-deps.sh" >&2; exit 1; }
done
node="$(command -v node)" || { echo "missing node: run scripts/install-deps.sh" >&2; exit 1; }

# Emscripten with what it needs that bookworm lacks or has too old: binaryen 120 and the glibc and
# libstdc++ it links against; acorn for its JS optimizer (found through node_modules, below).
packages=(emscripten binaryen libc6 libstdc++6 libgcc-s1 node-acorn)
mirror=http://deb.debian.org/debian
downloads="$(mktemp -d)"
trap 'rm -rf "$downloads"' EXIT

curl -fsS "$mirror/dists/trixie/main/binary-amd64/Packages.xz" | xz -dc >"$downloads/Packages"
rm -rf "$root"
mkdir -p "$root"
for package in "${packages[@]}"; do
  # Version, Filename and SHA256 of the package's stanza.
  filename=""
  read -r pkg_version filename sha256 < <(awk -v p="$package" '
    $0 == "Package: " p { found = 1 }
    found && /^Version: /  { v = $2 }
    found && /^Filename: / { f = $2 }
    found && /^SHA256: /   { s = $2 }
    found && /^$/ { print v, f, s; exit }' "$downloads/Packages") || true
  [ -n "$filename" ] || { echo "$package is not in trixie's index" >&2; exit 1; }
  if [ "$package" = emscripten ] && [ "$pkg_version" != "$version" ]; then
    echo "trixie now has emscripten $pkg_version, not $version: update this script" >&2
    exit 1
  fi
  echo "downloading $package $pkg_version"
  deb="$downloads/$(basename "$filename")"
  curl -fsS -o "$deb" "$mirror/$filename"
  echo "$sha256  $deb" | sha256sum -c --quiet
  dpkg-deb -x "$deb" "$root"
  rm "$deb"
done

# binaryen's tools, each started by trixie's loader with trixie's libraries.
libs="$root/usr/lib/x86_64-linux-gnu"
mkdir -p "$prefix/binaryen/bin"
for tool in "$root"/usr/bin/wasm*; do
  cat >"$prefix/binaryen/bin/$(basename "$tool")" <<EOF
#!/bin/sh
exec "$libs/ld-linux-x86-64.so.2" --library-path "$libs" "$tool" "\$@"
EOF
  chmod +x "$prefix/binaryen/bin/$(basename "$tool")"
done

# Emscripten 3.1.69 describes a 64-bit memory to JS as the Memory64 draft did (index: 'i64'). The
# engines follow the final API (address: 'i64'): without this, its probe of the engine fails there,
# and the glue grows the memory and reads the function table with numbers where BigInts are due.
sed -i "s/'index': 'i64'/'address': 'i64'/" "$emroot"/src/{runtime_shared,runtime_init_memory,preamble_minimal,library}.js
if grep -rq "'index': 'i64'" "$emroot/src"; then echo "Memory64 JS API: a draft use left in $emroot/src" >&2; exit 1; fi

# Emscripten's JS tools import 'acorn' as an ES module, which NODE_PATH does not reach.
ln -sfn ../nodejs "$emroot/node_modules"

# Emscripten reads the .emscripten beside emcc. The package's points at /usr and freezes its cache,
# which holds only wasm32 libraries: here that cache may grow by the wasm64 ones. (An unfrozen cache
# left unnamed would move to ~/.emscripten_cache.)
cat >"$emroot/.emscripten" <<EOF
LLVM_ROOT = '$llvm_bin'
BINARYEN_ROOT = '$prefix/binaryen'
NODE_JS = '$node'
CACHE = '$emroot/cache'
FROZEN_CACHE = False
EOF

"$emroot/emcc" --version | head -n 1
"$prefix/binaryen/bin/wasm-opt" --version
echo "$version" >"$stamp"
echo "installed in $prefix"
