#!/usr/bin/env bash
# CPU benchmarks of weft's wasm engine against native code and peer runtimes.
#
# usage: bench/wasm/run.sh [--quick] [--runs N] [--only PROG] [--no-interp]
#
# Each bench/wasm/*.c program is compiled natively (cc -O2) and to
# wasm32-wasi (clang -O2), then run natively, with `weft wasm run` (its
# default tier, then WEFT_WASM_TIER=interp), with node's WASI, with WasmEdge's
# AOT compiler and with WAMR's iwasm when those are at hand (below), and with
# wabt's wasm-interp; every runtime's output must equal the native output.
# Prints the best-of-N wall time per program and runtime, its ratio to native, and the geometric mean of the ratios per runtime; then
# load/start-up times of a small and a large module. Never asserts a time.
#
# --quick  small workloads (wasm-interp is an unoptimised interpreter)
# --runs N timed runs per cell, the best counts (default 3; 1 for wasm-interp)
# Env: WEFT (default build/weft), BENCH_OUT (default build/bench-wasm),
#   WASMEDGE_ROOT: a root holding the `wasmedge` CLI, entered with chroot (as
#     root) to `wasmedge compile` each program (AOT, untimed) and time the run
#     of the result (default /var/lib/weft-test/trixie; column skipped if absent),
#   IWASM: a WAMR iwasm binary to time (column skipped if unset).
# None of these engines is a dependency of weft: they are only compared.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WEFT=${WEFT:-$ROOT/build/weft}
OUT=${BENCH_OUT:-$ROOT/build/bench-wasm}
QUICK=0
RUNS=3
ONLY=""
INTERP=1
INTERP_LIMIT=60
WASMEDGE_ROOT=${WASMEDGE_ROOT:-/var/lib/weft-test/trixie}
IWASM=${IWASM:-}

while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 ;;
    --runs) RUNS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --no-interp) INTERP=0 ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

# program  full-workload  quick-workload   (the argument each program takes)
PROGRAMS="
fib     38        27
sieve   8000000   500000
nbody   1000000   50000
sha256  4096      256
matmul  400       100
sort    700000    50000
hash    16        1
strings 40        3
"

mkdir -p "$OUT"
WASI_CC=(clang --target=wasm32-wasi --sysroot=/usr -O2)

have() { command -v "$1" >/dev/null 2>&1; }
now_ns() { date +%s%N; }

# Best wall time in ms of N runs of a command; its stdout goes to $CAPTURE.
# Returns 1 if the command fails or runs past `limit` seconds.
best_ms() {
    local n=$1 limit=$2
    shift 2
    local best="" i s e t
    for ((i = 0; i < n; i++)); do
        s=$(now_ns)
        if ! timeout "$limit" "$@" </dev/null >"$CAPTURE" 2>"$CAPTURE.err"; then
            return 1
        fi
        e=$(now_ns)
        t=$(((e - s) / 1000))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    # microseconds -> milliseconds with one decimal
    awk -v us="$best" 'BEGIN { printf "%.1f", us / 1000 }'
}

# wasm-interp prints one "called host host.print(i32:C) =>" line a character.
decode_host_print() {
    awk '/^called host host\.print\(i32:[0-9]+\)/ {
        sub(/^called host host\.print\(i32:/, ""); sub(/\).*/, ""); printf "%c", $0 + 0 }' "$1"
}

build() {
    local prog=$1 arg=$2 src="$HERE/$1.c"
    cc -O2 -o "$OUT/$prog" "$src" -lm
    "${WASI_CC[@]}" -o "$OUT/$prog.wasm" "$src"
    if [ "$INTERP" = 1 ]; then
        "${WASI_CC[@]}" -DBENCH_HOST_PRINT -Dmain=bench_main -include "$HERE/bench_io.h" \
            -DBENCH_ARG="\"$arg\"" -nostartfiles -Wl,--no-entry \
            -o "$OUT/$prog.interp.wasm" "$src" "$HERE/interp_main.c"
    fi
    if [[ " $runtimes " == *" wasmedge-aot "* ]]; then
        mkdir -p "$WASMEDGE_ROOT$WE_DIR"
        cp "$OUT/$prog.wasm" "$WASMEDGE_ROOT$WE_DIR/$prog.wasm"
        chroot "$WASMEDGE_ROOT" wasmedge compile "$WE_DIR/$prog.wasm" "$WE_DIR/$prog.aot.so" \
            >"$OUT/$prog.wasmedge-compile.log" 2>&1 || echo "note: wasmedge compile $prog failed" >&2
    fi
}

runtimes="native"
[ -x "$WEFT" ] && runtimes="$runtimes weft weft-interp" || echo "note: $WEFT not built; weft columns skipped"
have node && runtimes="$runtimes node" || echo "note: node not found; node column skipped"
WE_DIR=/var/tmp/weft-bench-wasm
if [ -x "$WASMEDGE_ROOT/usr/bin/wasmedge" ] && [ "$(id -u)" = 0 ]; then
    runtimes="$runtimes wasmedge-aot"
    mkdir -p "$WASMEDGE_ROOT$WE_DIR"
    # the root is shared with the engine tests: leave nothing in it
    trap 'rm -rf "${WASMEDGE_ROOT:?}$WE_DIR"' EXIT
    echo "wasmedge: $(chroot "$WASMEDGE_ROOT" wasmedge --version | head -n1) in $WASMEDGE_ROOT (AOT, chroot)"
else
    echo "note: no $WASMEDGE_ROOT/usr/bin/wasmedge (or not root); wasmedge-aot column skipped"
fi
if [ -n "$IWASM" ] && [ -x "$IWASM" ]; then
    runtimes="$runtimes wamr"
    echo "wamr: $IWASM ($("$IWASM" --version 2>&1 | head -n1))"
else
    echo "note: IWASM unset or not executable; wamr column skipped"
fi
if [ "$INTERP" = 1 ] && have wasm-interp; then runtimes="$runtimes wasm-interp"; else INTERP=0; fi

echo "weft wasm benchmarks ($([ "$QUICK" = 1 ] && echo quick || echo full) workloads," \
    "best of $RUNS; times in ms, ratio to native)"
printf '%-8s %10s' program native
for r in $runtimes; do [ "$r" != native ] && printf ' %20s' "$r"; done
printf '\n'

RATIOS="$OUT/ratios.txt"
: >"$RATIOS"
status=0
while read -r prog full quick; do
    [ -z "$prog" ] && continue
    [ -n "$ONLY" ] && [ "$ONLY" != "$prog" ] && continue
    arg=$full
    [ "$QUICK" = 1 ] && arg=$quick
    build "$prog" "$arg"
    CAPTURE="$OUT/$prog.native.out"
    native=$(best_ms "$RUNS" 600 "$OUT/$prog" "$arg")
    printf '%-8s %10s' "$prog" "$native"
    for r in $runtimes; do
        [ "$r" = native ] && continue
        CAPTURE="$OUT/$prog.$r.out"
        t=""
        case "$r" in
        weft) t=$(best_ms "$RUNS" 600 "$WEFT" wasm run "$OUT/$prog.wasm" "$arg") || t="" ;;
        weft-interp) t=$(best_ms "$RUNS" 600 env WEFT_WASM_TIER=interp "$WEFT" wasm run \
            "$OUT/$prog.wasm" "$arg") || t="" ;;
        wasmedge-aot) t=$(best_ms "$RUNS" 600 chroot "$WASMEDGE_ROOT" wasmedge \
            "$WE_DIR/$prog.aot.so" "$arg") || t="" ;;
        wamr) t=$(best_ms "$RUNS" 600 "$IWASM" --stack-size=1048576 "$OUT/$prog.wasm" "$arg") || t="" ;;
        node) t=$(best_ms "$RUNS" 600 node --experimental-wasi-unstable-preview1 --no-warnings \
            "$HERE/node_wasi.mjs" "$OUT/$prog.wasm" "$arg") || t="" ;;
        wasm-interp)
            if t=$(best_ms 1 "$INTERP_LIMIT" wasm-interp --host-print --dummy-import-func \
                --run-all-exports "$OUT/$prog.interp.wasm"); then
                decode_host_print "$CAPTURE" >"$CAPTURE.txt"
                mv "$CAPTURE.txt" "$CAPTURE"
            else
                printf ' %20s' ">${INTERP_LIMIT}s skipped"
                continue
            fi
            ;;
        esac
        if [ -z "$t" ]; then
            printf ' %20s' "FAILED"
            status=1
            continue
        fi
        if ! cmp -s "$OUT/$prog.native.out" "$CAPTURE"; then
            printf ' %20s' "WRONG OUTPUT"
            status=1
            continue
        fi
        ratio=$(awk -v a="$t" -v b="$native" 'BEGIN { printf "%.2f", a / b }')
        echo "$r $ratio" >>"$RATIOS"
        printf ' %10s (%6sx)' "$t" "$ratio"
    done
    printf '\n'
done <<<"$PROGRAMS"

printf '%-8s %10s' geomean ""
for r in $runtimes; do
    [ "$r" = native ] && continue
    awk -v r="$r" '$1 == r { s += log($2); n++ }
        END { if (n) printf " %10s (%6.2fx)", "", exp(s / n); else printf " %20s", "-" }' "$RATIOS"
done
printf '\n\n'

# ---- load and start-up --------------------------------------------------
[ -n "$ONLY" ] && exit $status
cc -O2 -o "$OUT/hello" "$HERE/hello.c"
"${WASI_CC[@]}" -o "$OUT/hello.wasm" "$HERE/hello.c"
nfuncs=40000
[ "$QUICK" = 1 ] && nfuncs=5000
/usr/bin/python3 "$HERE/gen_large.py" "$nfuncs" >"$OUT/large.wat"
wat2wasm "$OUT/large.wat" -o "$OUT/large.wasm"
size_h=$(stat -c %s "$OUT/hello.wasm")
size_l=$(stat -c %s "$OUT/large.wasm")
echo "load and start-up (mean of many runs; hello.wasm $size_h bytes," \
    "large.wasm $size_l bytes, $nfuncs functions)"

# One command's mean time in ms: hyperfine when installed, else a loop.
mean_ms() {
    if have hyperfine; then
        hyperfine -N --warmup 3 --min-runs 10 --export-json "$OUT/hf.json" "$*" >/dev/null 2>&1 ||
            { echo "FAILED"; return; }
        /usr/bin/python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["mean"] * 1000))' "$OUT/hf.json"
    else
        local i s e n=20
        "$@" >/dev/null 2>&1 || { echo "FAILED"; return; }
        s=$(now_ns)
        for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
        e=$(now_ns)
        awk -v ns="$((e - s))" -v n="$n" 'BEGIN { printf "%.2f", ns / n / 1e6 }'
    fi
}

row() { printf '  %-40s %10s ms\n' "$1" "$2"; }
row "native hello" "$(mean_ms "$OUT/hello")"
if [ -x "$WEFT" ]; then
    row "weft wasm run hello.wasm" "$(mean_ms "$WEFT" wasm run "$OUT/hello.wasm")"
    row "weft wasm validate hello.wasm" "$(mean_ms "$WEFT" wasm validate "$OUT/hello.wasm")"
    row "weft wasm validate large.wasm" "$(mean_ms "$WEFT" wasm validate "$OUT/large.wasm")"
    row "weft wasm run large.wasm" "$(mean_ms "$WEFT" wasm run "$OUT/large.wasm")"
fi
if have node; then
    row "node WASI hello.wasm" "$(mean_ms node --experimental-wasi-unstable-preview1 --no-warnings "$HERE/node_wasi.mjs" "$OUT/hello.wasm")"
    row "node WASI large.wasm" "$(mean_ms node --experimental-wasi-unstable-preview1 --no-warnings "$HERE/node_wasi.mjs" "$OUT/large.wasm")"
fi
if [[ " $runtimes " == *" wasmedge-aot "* ]]; then
    mkdir -p "$WASMEDGE_ROOT$WE_DIR"
    cp "$OUT/hello.wasm" "$WASMEDGE_ROOT$WE_DIR/hello.wasm"
    chroot "$WASMEDGE_ROOT" wasmedge compile "$WE_DIR/hello.wasm" "$WE_DIR/hello.aot.so" >/dev/null 2>&1
    row "chroot WASMEDGE_ROOT /bin/true" "$(mean_ms chroot "$WASMEDGE_ROOT" /bin/true)"
    row "wasmedge hello.aot.so (chroot)" "$(mean_ms chroot "$WASMEDGE_ROOT" wasmedge "$WE_DIR/hello.aot.so")"
fi
[[ " $runtimes " == *" wamr "* ]] && row "wamr iwasm hello.wasm" "$(mean_ms "$IWASM" "$OUT/hello.wasm")"
have wasm-validate && row "wabt wasm-validate large.wasm" "$(mean_ms wasm-validate "$OUT/large.wasm")"
exit $status
