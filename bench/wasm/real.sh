#!/usr/bin/env bash
# Large real programs built for WASI, from npm: YoWASP's yosys (logic
# synthesis) and nextpnr-ice40 (place and route), on weft (compiled tier and
# interpreter) and on node, timed and compared.
#
# usage: bench/wasm/real.sh [--runs N] [--no-interp]
#
# The packages are fetched with `npm pack` into a cache outside the
# repository (REAL_CACHE, default ~/.cache/weft-bench-real); nothing of them
# is committed. Their WASI preview1 core modules (gen/*.core.wasm) are run
# directly, with the files the packages bundle in resources-*.js written out
# as a directory preopened as /share (yowasp_share.mjs), a work directory as
# /w and a scratch directory as /tmp. The job: `synth_ice40` of a small
# design (a 16x16 multiply-accumulate, an LFSR and a counter), then
# nextpnr-ice40 of yosys's netlist for an HX1K (every engine places the same
# netlist). Every engine's outputs (the JSON netlist, the .asc bitstream
# text) must equal node's (or, if node failed, the first engine's) byte for
# byte, but for the design's path in the netlist's "src" attributes. Prints the best-of-N wall time per step and engine and the ratio to
# that (node's WASI through node_wasi.mjs; the packages' own runner,
# yowasp_run.mjs, as node-yowasp). Never asserts a time.
#
# Env: WEFT (default build/weft), BENCH_OUT (default build/bench-wasm),
#      YOSYS_PKG (default @yowasp/yosys@0.55.944),
#      NEXTPNR_PKG (default @yowasp/nextpnr-ice40@0.8.621),
#      REAL_CACHE (the npm cache above; about 320 MB unpacked).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WEFT=${WEFT:-$ROOT/build/weft}
OUT=${BENCH_OUT:-$ROOT/build/bench-wasm}/real
CACHE=${REAL_CACHE:-${HOME:-/root}/.cache/weft-bench-real}
YOSYS_PKG=${YOSYS_PKG:-@yowasp/yosys@0.55.944}
NEXTPNR_PKG=${NEXTPNR_PKG:-@yowasp/nextpnr-ice40@0.8.621}
RUNS=1
INTERP=1

while [ $# -gt 0 ]; do
    case "$1" in
    --runs) RUNS=$2; shift ;;
    --no-interp) INTERP=0 ;;
    -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "real.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

command -v node >/dev/null && command -v npm >/dev/null ||
    { echo "real.sh: needs node and npm" >&2; exit 2; }
[ -x "$WEFT" ] || { echo "real.sh: $WEFT not built" >&2; exit 2; }

# Unpack one npm package into the cache (once) and print its package dir.
fetch_pkg() {
    local spec=$1 dir="$CACHE/${1//[@\/]/_}"
    if [ ! -d "$dir/package" ]; then
        mkdir -p "$dir"
        (cd "$dir" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
    fi
    echo "$dir/package"
}

# The package's resources-*.js tree as a directory (once).
share_dir() {
    local pkg=$1 res
    res=$(echo "$pkg"/gen/resources-*.js)
    if [ ! -d "$pkg/share.out" ]; then
        node "$HERE/yowasp_share.mjs" "$res" "$pkg/share.out.tmp"
        mv "$pkg/share.out.tmp" "$pkg/share.out"
    fi
    echo "$pkg/share.out"
}

YOSYS=$(fetch_pkg "$YOSYS_PKG")
NEXTPNR=$(fetch_pkg "$NEXTPNR_PKG")
YOSYS_SHARE=$(share_dir "$YOSYS")
NEXTPNR_SHARE=$(share_dir "$NEXTPNR")

mkdir -p "$OUT"
cat >"$OUT/top.v" <<'EOF'
module top(input clk, input [15:0] a, input [15:0] b, output reg [31:0] p, output [7:0] led);
  reg [31:0] acc;
  reg [15:0] lfsr = 16'hace1;
  reg [23:0] cnt;
  always @(posedge clk) begin
    lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
    cnt <= cnt + 1;
    acc <= acc + (a ^ lfsr) * (b + cnt[15:0]);
    p <= acc;
  end
  assign led = cnt[23:16] ^ acc[31:24];
endmodule
EOF

# Run MODULE with ARGS on ENGINE, in work dir W (the guest's /w).
# node-yowasp is the package's own runner (PKG's bundle.js, command CMD),
# which gives the command W's files as its current directory, so /w/ is
# taken off the arguments.
run_on() {
    local engine=$1 w=$2 share=$3 module=$4 pkg=$5 cmd=$6
    shift 6
    local dirs=(--dir "$w:/w" --dir "$w/tmp:/tmp" --dir "$share:/share")
    case "$engine" in
    node) node --experimental-wasi-unstable-preview1 --no-warnings "$HERE/node_wasi.mjs" \
        "${dirs[@]}" "$module" "$@" ;;
    node-yowasp) node "$HERE/yowasp_run.mjs" "$pkg" "$cmd" "$w" "${@//\/w\//}" ;;
    weft) "$WEFT" wasm run "${dirs[@]}" "$module" "$@" ;;
    weft-interp) WEFT_WASM_TIER=interp "$WEFT" wasm run "${dirs[@]}" "$module" "$@" ;;
    esac
}

# One step on one engine in its own work dir; best of RUNS wall ms on stdout,
# its output in $w/STEP.log. A failed run is reported and retried, up to two
# extra attempts (node 20 crashes now and then in V8's garbage collector while
# nextpnr grows its memory); fails if no run succeeded.
step() {
    local engine=$1 name=$2 share=$3 module=$4 pkg=$5 cmd=$6
    shift 6
    local w="$OUT/$engine" best="" i s e t ok=0
    for ((i = 0; ok < RUNS && i < RUNS + 2; i++)); do
        rm -rf "$w/tmp"
        mkdir -p "$w/tmp"
        s=$(date +%s%N)
        if run_on "$engine" "$w" "$share" "$module" "$pkg" "$cmd" "$@" \
            </dev/null >"$w/$name.log" 2>&1; then
            e=$(date +%s%N)
            ok=$((ok + 1))
            t=$(((e - s) / 1000000))
            if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
        else
            echo "  $engine $name: exit $? (log $w/$name.log: $(grep -m1 -iE 'error|fatal|trap' "$w/$name.log" || tail -n1 "$w/$name.log"))" >&2
        fi
    done
    [ "$ok" -gt 0 ] || return 1
    echo "$best"
}

engines="node node-yowasp weft"
[ "$INTERP" = 1 ] && engines="$engines weft-interp"
echo "real programs (best of $RUNS; wall ms, ratio to the first engine that succeeded): $YOSYS_PKG, $NEXTPNR_PKG"
printf '%-8s' step
for en in $engines; do printf ' %20s' "$en"; done
printf '\n'

status=0
declare -A T
for en in $engines; do
    rm -rf "${OUT:?}/$en"
    mkdir -p "$OUT/$en"
    cp "$OUT/top.v" "$OUT/$en/"
done
# yosys: each engine synthesises; nextpnr: each engine places node's netlist
# (so a yosys difference cannot hide or cause a nextpnr one).
for en in $engines; do
    T[$en.yosys]=$(step "$en" yosys "$YOSYS_SHARE" "$YOSYS/gen/yosys.core.wasm" \
        "$YOSYS" yosys -q -p "synth_ice40 -top top -json /w/top.json" /w/top.v) || T[$en.yosys]=FAILED
done
# Outputs are compared with node's, or with the first engine that made them.
ref() {
    local en
    for en in $engines; do
        [ "${T[$en.$1]}" != FAILED ] && { echo "$en"; return; }
    done
    echo none
}
ref_yosys=$(ref yosys)
for en in $engines; do
    [ "$ref_yosys" != none ] && cp "$OUT/$ref_yosys/top.json" "$OUT/$en/top.in.json"
done
for en in $engines; do
    T[$en.nextpnr]=$(step "$en" nextpnr "$NEXTPNR_SHARE" "$NEXTPNR/gen/nextpnr-ice40.core.wasm" \
        "$NEXTPNR" nextpnr-ice40 -q --hx1k --package tq144 --pcf-allow-unconstrained --seed 1 \
        --json /w/top.in.json --asc /w/top.asc) || T[$en.nextpnr]=FAILED
done

# Byte-equal outputs, but for the design's own path in yosys's "src"
# attributes (/w/top.v, or top.v under the packages' runner).
same() {
    cmp -s <(sed 's#/w/top\.v#top.v#g' "$1") <(sed 's#/w/top\.v#top.v#g' "$2")
}
for s in yosys nextpnr; do
    out=top.json
    [ "$s" = nextpnr ] && out=top.asc
    r=$(ref "$s")
    printf '%-8s' "$s"
    for en in $engines; do
        t=${T[$en.$s]}
        if [ "$t" = FAILED ]; then
            printf ' %20s' FAILED
            status=1
        elif ! same "$OUT/$r/$out" "$OUT/$en/$out"; then
            printf ' %20s' "DIFFERENT OUTPUT"
            status=1
        else
            printf ' %10s (%6sx)' "$t" "$(awk -v a="$t" -v b="${T[$r.$s]}" 'BEGIN { printf "%.2f", a / b }')"
        fi
    done
    printf '\n'
done
echo "times and outputs compared with $(ref yosys) (yosys netlist) and $(ref nextpnr) (nextpnr .asc): $(stat -c %s "$OUT/$(ref yosys)/top.json" 2>/dev/null || echo -)" \
    "and $(stat -c %s "$OUT/$(ref nextpnr)/top.asc" 2>/dev/null || echo -) bytes, under $OUT"
exit $status
