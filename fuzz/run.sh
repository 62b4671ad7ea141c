#!/usr/bin/env bash
# Build weft's libFuzzer targets with clang and run each for a while.
#
# usage: fuzz/run.sh [--seconds N] [--target NAME]... [--build DIR] [--no-build] [--reseed]
#
# Builds into build-fuzz/ (CC=clang, -Dfuzz=true: ASan + UBSan + libFuzzer),
# makes seed corpora once (every .wasm under tests/ and build/tests/, the
# cache file fuzz_aot writes of its own module,
# Wasm 2.0 spec scripts of shared/wasm-spec-tests ($WEFT_SPEC_TESTS) through
# wast2json, fuzz/seeds/* (state*.json feed fuzz_state), bench/wasm/hello.c,
# fuzz/regressions/),
# then runs each target for N seconds (default 30), keeping its corpus in
# build-fuzz/corpus/TARGET. A crash leaves build-fuzz/artifacts/TARGET-crash-*;
# copy it into fuzz/regressions/ once fixed (tests/cli_wasm replays those).
# Exits 1 if any target found a crash, a leak or a timeout.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build-fuzz
SECS=30
TARGETS=()
DO_BUILD=1
RESEED=0

while [ $# -gt 0 ]; do
    case "$1" in
    --seconds) SECS=$2; shift ;;
    --target) TARGETS+=("$2"); shift ;;
    --build) BUILD=$2; shift ;;
    --no-build) DO_BUILD=0 ;;
    --reseed) RESEED=1 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$DO_BUILD" = 1 ]; then
    if [ ! -f "$BUILD/build.ninja" ]; then
        CC=clang meson setup "$BUILD" -Dfuzz=true --buildtype=debugoptimized -Dwerror=true >/dev/null
    else
        meson setup --reconfigure "$BUILD" >/dev/null
    fi
    if ! ninja -C "$BUILD" >"$BUILD/ninja.log" 2>&1; then
        grep -E -A3 'FAILED|error' "$BUILD/ninja.log" | head -30
        echo "fuzz/run.sh: build failed (full log: $BUILD/ninja.log)"
        exit 1
    fi
fi

if [ ${#TARGETS[@]} -eq 0 ]; then
    for t in fuzz_wasm_load fuzz_wasm_run fuzz_wasm_diff fuzz_aot fuzz_wat fuzz_config fuzz_state; do
        [ -x "$BUILD/fuzz/$t" ] && TARGETS+=("$t")
    done
fi
if [ ${#TARGETS[@]} -eq 0 ]; then
    echo "fuzz/run.sh: no fuzz target was built (the code they need is not in the tree yet)"
    exit 0
fi

# ---- seed corpora (made once; --reseed remakes them) ---------------------
SEEDS=$BUILD/seeds
SPEC=${WEFT_SPEC_TESTS:-}
if [ -z "$SPEC" ]; then
    for d in "$ROOT/../shared/wasm-spec-tests" /work/shared/wasm-spec-tests; do
        [ -d "$d" ] && { SPEC=$d; break; }
    done
fi
# The Wasm 2.0 spec scripts (see shared/wasm-spec-tests/README.md).
spec_files() {
    [ -n "$SPEC" ] && [ -f "$SPEC/wasm-2.0/FILES.txt" ] || return 0
    while read -r f; do
        if [ -f "$SPEC/wasm-2.0/$f" ]; then echo "$SPEC/wasm-2.0/$f"; else echo "$SPEC/$f"; fi
    done <"$SPEC/wasm-2.0/FILES.txt"
}
# Copy files into seeds/{wasm,wat,config} named by content, so the
# thousands of duplicate modules in the spec scripts collapse (one process).
add_seeds() {
    /usr/bin/python3 - "$SEEDS" "$@" <<'PY'
import hashlib, os, shutil, sys
seeds, roots = sys.argv[1], sys.argv[2:]
kinds = {".wasm": "wasm", ".wat": "wat", ".json": "config"}
for root in roots:
    for d, _, files in os.walk(root):
        if "build-fuzz" in d:
            continue
        for f in files:
            kind = kinds.get(os.path.splitext(f)[1])
            p = os.path.join(d, f)
            if kind is None or os.path.getsize(p) > 1 << 20:
                continue
            if kind == "config" and not (root.endswith("seeds") or f == "config.json"):
                continue
            if kind == "config" and f.startswith("state"):
                kind = "state"
            data = open(p, "rb").read()
            name = hashlib.md5(data).hexdigest()[:16] + os.path.splitext(f)[1]
            shutil.copyfile(p, os.path.join(seeds, kind, name))
PY
}
if [ "$RESEED" = 1 ] || [ ! -f "$SEEDS/.done" ]; then
    rm -rf "$SEEDS"
    mkdir -p "$SEEDS/wasm" "$SEEDS/wat" "$SEEDS/config" "$SEEDS/state"
    tmp=$(mktemp -d)
    if command -v wast2json >/dev/null; then
        # Each script holds many modules; wast2json writes each to a file.
        i=0
        while IFS= read -r w; do
            mkdir "$tmp/$i"
            (cd "$tmp/$i" && wast2json "$w" -o s.json >/dev/null 2>&1 || true) 2>/dev/null
            i=$((i + 1))
        done < <(spec_files)
    fi
    for w in "$HERE"/seeds/*.wat; do
        [ -f "$w" ] && wat2wasm "$w" -o "$tmp/$(basename "$w" .wat).wasm" 2>/dev/null || true
    done
    clang --target=wasm32-wasi --sysroot=/usr -O2 -o "$tmp/hello.wasm" \
        "$ROOT/bench/wasm/hello.c" 2>/dev/null || true
    add_seeds "$ROOT/tests" "$ROOT/build/tests" "$HERE/seeds" "$HERE/regressions" "$tmp"
    rm -rf "$tmp"
    touch "$SEEDS/.done"
fi
mkdir -p "$BUILD/artifacts" "$SEEDS/aot"
# fuzz_aot's seed is a real cache file, which only the target itself can
# make (its weft version and ABI): it writes it there when it starts
export WEFT_FUZZ_AOT_SEEDS=$SEEDS/aot

seeds_for() {
    case "$1" in
    fuzz_wat) echo "$SEEDS/wat" ;;
    fuzz_config) echo "$SEEDS/config" ;;
    fuzz_state) echo "$SEEDS/state" ;;
    fuzz_aot) echo "$SEEDS/aot" ;;
    *) echo "$SEEDS/wasm" ;;
    esac
}

# The wasm targets run modules under the engine's memory budget (16 MiB to
# load, 8 MiB to run): an allocation that escapes it (a table grown by
# millions of elements, a stack as deep as the host allows) is far larger
# than these limits and ends the run as a crash.
limits_for() {
    case "$1" in
    fuzz_wasm_load | fuzz_wasm_run) echo "-rss_limit_mb=1024 -malloc_limit_mb=64" ;;
    *) echo "-rss_limit_mb=2048" ;;
    esac
}

# ---- run -----------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=()
for t in "${TARGETS[@]}"; do
    corpus=$BUILD/corpus/$t
    mkdir -p "$corpus"
    log=$BUILD/$t.log
    echo "== $t: ${SECS}s, seeds $(ls "$(seeds_for "$t")" | wc -l), corpus $(ls "$corpus" | wc -l)"
    if "$BUILD/fuzz/$t" "$corpus" "$(seeds_for "$t")" -max_total_time="$SECS" \
        -timeout=10 $(limits_for "$t") -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$BUILD/artifacts/$t-" >"$log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$log" | tail -2 | sed 's/^/   /'
    else
        echo "   FAILED: see $log; inputs: $(ls "$BUILD"/artifacts/"$t"-* 2>/dev/null | tr '\n' ' ')"
        grep -E 'ERROR: |SUMMARY: ' "$log" | head -3 | sed 's/^/   /'
        failed+=("$t")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${#TARGETS[@]} targets, ${#failed[@]} failed: ${failed[*]}"
    exit 1
fi
echo "fuzz: ${#TARGETS[@]} targets, 0 failed"
