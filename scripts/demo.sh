#!/bin/sh
# make demo: run a Linux container and a wasm container with weft, from
# bundles made here (busybox-static rootfs; a WASI hello compiled with clang).
set -eu
WEFT=${1:-build/weft}
WEFT=$(realpath "$WEFT")
DEMO=${DEMO_DIR:-$(mktemp -d /tmp/weft-demo.XXXXXX)}
ROOT="$DEMO/state"
trap 'rm -rf "$DEMO"' EXIT

scripts/install-deps.sh demo

make_rootfs() {
    mkdir -p "$1/bin" "$1/proc" "$1/dev" "$1/sys" "$1/tmp" "$1/etc"
    cp /bin/busybox "$1/bin/busybox"
    for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$1/bin/$a"; done
}

# A config from `weft spec`, with our own args and annotations.
make_config() { # DIR ANNOTATIONS-JSON ARGS-JSON
    (cd "$1" && "$WEFT" spec)
    /usr/bin/python3 - "$1/config.json" "$2" "$3" <<'PY'
import json, sys
path, ann, args = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
c = json.load(open(path))
c["process"]["args"] = args
c["process"]["terminal"] = False
c["hostname"] = "weft-demo"
if ann:
    c["annotations"] = ann
json.dump(c, open(path, "w"), indent=2)
PY
}

echo "== a Linux container (busybox) =="
mkdir -p "$DEMO/linux"
make_rootfs "$DEMO/linux/rootfs"
make_config "$DEMO/linux" '{}' \
    '["sh", "-c", "echo hello from $(hostname), pid $$; uname -s; exit 3"]'
set +e
"$WEFT" --root "$ROOT" run --bundle "$DEMO/linux" demo-linux
echo "exit status: $?"
set -e

echo
echo "== a wasm container (module.wasm.image/variant=compat) =="
mkdir -p "$DEMO/wasm/rootfs"
make_rootfs "$DEMO/wasm/rootfs"
cat > "$DEMO/hello.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    printf("hello from WebAssembly, argv[1]=%s, GREETING=%s\n", argc > 1 ? argv[1] : "",
           getenv("GREETING") ? getenv("GREETING") : "");
    return argc > 2 ? atoi(argv[2]) : 0;
}
C
clang --target=wasm32-wasi --sysroot=/usr -O2 "$DEMO/hello.c" -o "$DEMO/wasm/rootfs/hello.wasm"
make_config "$DEMO/wasm" '{"module.wasm.image/variant": "compat"}' '["/hello.wasm", "world", "5"]'
/usr/bin/python3 - "$DEMO/wasm/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["env"].append("GREETING=hi")
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
set +e
"$WEFT" --root "$ROOT" run --bundle "$DEMO/wasm" demo-wasm
echo "exit status: $?"
set -e
