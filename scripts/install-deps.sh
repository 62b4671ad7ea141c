#!/bin/sh
# Install the Debian packages weft needs to build and test, only those missing.
# Usage: scripts/install-deps.sh [build|demo|test]   (each level includes the ones before)
set -eu
level=${1:-test}

build="build-essential pkg-config meson ninja-build libjansson-dev libseccomp-dev libcap-dev libdbus-1-dev busybox-static"
demo="$build python3 clang lld wasi-libc libclang-rt-dev-wasm32"
test="$demo python3-pytest libclang-rt-14-dev wabt crun runc nodejs procps strace uidmap"
# the end-to-end suite's real clients (tests/e2e)
e2e="podman buildah conmon containerd python3-grpcio python3-protobuf protobuf-compiler python3-yaml"
# the guest lab (tests/guest): a Debian guest under QEMU, built by debootstrap
guest="qemu-system-x86 debootstrap"
test="$test $e2e $guest"

case "$level" in
build) want=$build ;;
demo) want=$demo ;;
test) want=$test ;;
*) echo "install-deps: unknown level '$level'" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
