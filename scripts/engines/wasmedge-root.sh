#!/bin/sh
# Make a Debian 13 (trixie) root holding WasmEdge's library, for the engine
# tests on machines whose glibc is older than libwasmedge0 needs (2.38):
# tests/integration/wasm_engines.py runs weft inside it. About 30 s.
#
#   scripts/engines/wasmedge-root.sh [DIR]    (default /var/lib/weft-test/trixie)
#
# debootstrap cannot resolve the virtual libspdlog1.15-fmt10 by itself, so
# libspdlog1.15 is named. Run as root; needs debootstrap and apt access to
# Debian's archive.
set -eu
dir=${1:-/var/lib/weft-test/trixie}
if [ -e "$dir/usr/lib/x86_64-linux-gnu/libwasmedge.so.0" ]; then
    echo "$dir already has libwasmedge.so.0"
    exit 0
fi
command -v debootstrap >/dev/null || apt-get install -y debootstrap
mkdir -p "$dir"
debootstrap --variant=minbase --include=libwasmedge0,libspdlog1.15 trixie "$dir"
echo "made $dir"
