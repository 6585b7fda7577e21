#!/usr/bin/env bash
# Builds libp11sim.so.  Usage: tests/Pkcs11Simulator/build.sh [outdir]
# Default outdir: tests/Pkcs11Simulator/out (git-ignored).  The build is
# skipped when the .so is newer than p11sim.c.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
outdir="${1:-$here/out}"
src="$here/p11sim.c"
header_dir="/usr/include/p11-kit-1"
lib="$outdir/libp11sim.so"

if ! command -v gcc >/dev/null 2>&1; then
    echo "build.sh: gcc not found; install it (e.g. apt-get install gcc)" >&2
    exit 1
fi
if [ ! -f "$header_dir/p11-kit/pkcs11.h" ]; then
    echo "build.sh: $header_dir/p11-kit/pkcs11.h not found; install libp11-kit-dev" >&2
    exit 1
fi

mkdir -p "$outdir"
if [ -f "$lib" ] && [ "$lib" -nt "$src" ]; then
    echo "build.sh: $lib is up to date"
    exit 0
fi

gcc -std=c11 -Wall -Wextra -Werror -O2 -fPIC -shared -I"$header_dir" \
    "$src" -o "$lib.tmp" -ldl -lpthread
mv -f "$lib.tmp" "$lib"
echo "build.sh: built $lib"
