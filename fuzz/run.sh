#!/usr/bin/env bash
# Build weft's libFuzzer targets with clang and run each for a while.
#
# usage: fuzz/run.sh [--seconds N] [--target NAME]... [--build DIR] [--no-build]
#
# Builds into build-fuzz/ (CC=clang, -Dfuzz=true: ASan + UBSan + libFuzzer),
# makes seed corpora (every .wasm under tests/ and build*/tests/, spec .wast
# files through wast2json, fuzz/seeds/*, bench/wasm/hello.c, fuzz/regressions/),
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

while [ $# -gt 0 ]; do
    case "$1" in
    --seconds) SECS=$2; shift ;;
    --target) TARGETS+=("$2"); shift ;;
    --build) BUILD=$2; shift ;;
    --no-build) DO_BUILD=0 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
    for t in fuzz_wasm_load fuzz_wasm_run fuzz_wat fuzz_config; do
        [ -x "$BUILD/fuzz/$t" ] && TARGETS+=("$t")
    done
fi
if [ ${#TARGETS[@]} -eq 0 ]; then
    echo "fuzz/run.sh: no fuzz target was built (the code they need is not in the tree yet)"
    exit 0
fi

# ---- seed corpora --------------------------------------------------------
SEEDS=$BUILD/seeds
rm -rf "$SEEDS"
mkdir -p "$SEEDS/wasm" "$SEEDS/wat" "$SEEDS/config" "$BUILD/artifacts"
n=0
while IFS= read -r f; do
    cp "$f" "$SEEDS/wasm/seed$((n++)).wasm"
done < <(find "$ROOT/tests" "$ROOT"/build*/tests "$HERE/seeds" "$HERE/regressions" \
    -name '*.wasm' -size -1M 2>/dev/null | grep -v '/build-fuzz/' | head -2000)
if command -v wast2json >/dev/null; then
    while IFS= read -r w; do
        d=$(mktemp -d)
        # Spec scripts hold many modules; wast2json writes each as a .wasm.
        (cd "$d" && wast2json --disable-simd "$w" -o s.json >/dev/null 2>&1) || true
        for f in "$d"/*.wasm; do [ -f "$f" ] && cp "$f" "$SEEDS/wasm/seed$((n++)).wasm"; done
        cp "$w" "$SEEDS/wat/" 2>/dev/null || true
        rm -rf "$d"
    done < <(find "$ROOT/tests" -name '*.wast' 2>/dev/null | head -200)
fi
for w in "$HERE"/seeds/*.wat; do
    [ -f "$w" ] || continue
    cp "$w" "$SEEDS/wat/"
    wat2wasm "$w" -o "$SEEDS/wasm/$(basename "$w" .wat).wasm" 2>/dev/null || true
done
if clang --target=wasm32-wasi --sysroot=/usr -O2 -o "$SEEDS/wasm/hello.wasm" \
    "$ROOT/bench/wasm/hello.c" 2>/dev/null; then :; fi
find "$ROOT/tests" "$HERE/seeds" -name '*.json' -size -256k 2>/dev/null |
    while IFS= read -r f; do cp "$f" "$SEEDS/config/$(echo "$f" | md5sum | cut -c1-12).json"; done

seeds_for() {
    case "$1" in
    fuzz_wat) echo "$SEEDS/wat" ;;
    fuzz_config) echo "$SEEDS/config" ;;
    *) echo "$SEEDS/wasm" ;;
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
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
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
