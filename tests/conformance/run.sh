#!/bin/bash
# Runs a runtime-spec conformance suite against an OCI runtime and prints
# "N passed, N failed" with a per-program table. Not part of `make check`.
#
#   tests/conformance/run.sh [RUNTIME]            weft (default: build/weft) or crun or a path
#   tests/conformance/run.sh --compare [RUNTIME]  run RUNTIME and crun, list what crun passes
#                                                 and RUNTIME fails
#
# Two suites, chosen by what this machine has:
#   validation  opencontainers/runtime-tools' validation/*/ programs and runtimetest, built
#               from a source tree that has validation/ and cmd/runtimetest (the
#               RUNTIME_TOOLS_SRC environment variable, or the Debian package's tree if it
#               ships them: bookworm's golang-github-opencontainers-runtime-tools-dev does
#               NOT, and its source package is not served by the mirror, see README.md).
#   clauses     tests/integration/test_runtime_spec.py: every runtime-spec MUST/SHOULD
#               clause of lifecycle, operations, state and the Linux config as a pytest
#               test, run against RUNTIME through $WEFT.
# SUITE=validation|clauses forces one. Results (TAP) go to $CACHE/results/RUNTIME/.
# PROGRAMS="a b c" builds and runs only those validation programs.
#
# crun 1.8.1 refuses to run while a controller sits in the cgroup2 hierarchy of a hybrid
# setup; for crun only, the suite runs in a private mount namespace whose /sys/fs/cgroup
# holds just the v1 hierarchies (nothing changes for the rest of the machine).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${CACHE:-/var/cache/weft-conformance}
TIMEOUT=${TIMEOUT:-120}
PYTHON=${PYTHON:-/usr/bin/python3}
COMPARE=0

while [ $# -gt 0 ]; do
    case "$1" in
    --compare) COMPARE=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) break ;;
    esac
done
ARG=${1:-weft}

die() { echo "run.sh: $*" >&2; exit 2; }

resolve_runtime() {
    case "$1" in
    weft) echo "${WEFT:-$REPO/build/weft}" ;;
    */*) readlink -f "$1" ;;
    *) command -v "$1" || die "runtime $1 not found" ;;
    esac
}

install_packages() {
    local missing=()
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing ${missing[*]}" >&2
    apt-get install -y "${missing[@]}" >&2 || { apt-get update >&2 &&
        apt-get install -y "${missing[@]}" >&2; } || die "cannot install ${missing[*]}"
}

# Wraps a command so that crun sees a pure cgroup v1 machine (see the header).
runtime_wrap() {
    local rt=$1
    shift
    # Also when cgroup2 holds no controller: crun then makes hugetlb/<id>
    # directories (with a plain cgroup.procs file) in the host's tmpfs.
    if [[ $(basename "$rt") == crun* ]] && mountpoint -q /sys/fs/cgroup/unified; then
        # A fresh tmpfs at /sys/fs/cgroup holding only the v1 hierarchies: crun then
        # sees no cgroup2, and the directories it makes for controllers that have
        # no v1 mount (hugetlb here) stay in that private tmpfs, not on the host's.
        mkdir -p "$CACHE/cgroup-v1"
        unshare -m --propagation private sh -c '
            set -e
            mount --rbind /sys/fs/cgroup "$0"
            mount -t tmpfs -o mode=755 weft-conformance /sys/fs/cgroup
            for d in "$0"/*; do
                n=${d##*/}
                [ "$n" != unified ] && [ "$(stat -f -c %T "$d")" = cgroupfs ] || continue
                mkdir "/sys/fs/cgroup/$n" && mount --rbind "$d" "/sys/fs/cgroup/$n"
            done
            umount -l "$0"
            exec "$@"' "$CACHE/cgroup-v1" "$@"
    else
        "$@"
    fi
}

# ---------------------------------------------------------------- validation suite

suite_source() {
    local d
    for d in "${RUNTIME_TOOLS_SRC:-}" /usr/share/gocode/src/github.com/opencontainers/runtime-tools; do
        [ -n "$d" ] && [ -d "$d/validation" ] && [ -d "$d/cmd/runtimetest" ] && { echo "$d"; return 0; }
    done
    return 1
}

# selected NAME: true when PROGRAMS is unset or lists NAME.
selected() {
    [ -z "${PROGRAMS:-}" ] && return 0
    case " $PROGRAMS " in *" $1 "*) return 0 ;; esac
    return 1
}

build_validation() {
    local src=$1 gopath=$CACHE/gopath out=$CACHE/bin
    install_packages golang-go golang-github-opencontainers-runtime-tools-dev \
        golang-github-google-uuid-dev golang-github-satori-go.uuid-dev golang-github-mrunalp-fileutils-dev \
        golang-gocapability-dev golang-github-hashicorp-go-multierror-dev \
        golang-github-opencontainers-specs-dev golang-github-sirupsen-logrus-dev \
        golang-github-urfave-cli-dev golang-github-xeipuuv-gojsonschema-dev \
        golang-github-blang-semver-dev golang-github-moby-sys-dev
    # A GOPATH of its own: the suite's tree first, then Debian's gocode (its
    # golang-*-dev dependencies). tap-go is not packaged: RUNTIME_TOOLS_SRC may carry
    # it under vendor/ or in $CACHE/gopath/src/github.com/mndrix/tap-go.
    mkdir -p "$gopath/src/github.com/opencontainers" "$out"
    ln -sfn "$src" "$gopath/src/github.com/opencontainers/runtime-tools"
    local env=(env GOPATH="$gopath:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="$CACHE/gocache"
        CGO_ENABLED=0)
    (cd "$gopath/src/github.com/opencontainers/runtime-tools" &&
        "${env[@]}" go build -o "$out/runtimetest" ./cmd/runtimetest) >&2 ||
        die "building runtimetest failed"
    local t
    for t in "$src"/validation/*/; do
        t=$(basename "$t")
        [ -f "$src/validation/$t/$t.go" ] || continue
        selected "$t" || continue
        [ "$out/$t.t" -nt "$src/validation/$t/$t.go" ] && continue
        (cd "$gopath/src/github.com/opencontainers/runtime-tools" &&
            "${env[@]}" go build -o "$out/$t.t" "./validation/$t") >&2 ||
            echo "build of $t failed (skipped)" >&2
    done
    # The programs untar rootfs-$GOARCH.tar.gz from their working directory.
    if [ ! -f "$out/rootfs-amd64.tar.gz" ]; then
        local r
        r=$(mktemp -d)
        mkdir -p "$r/bin" "$r/proc" "$r/dev" "$r/sys" "$r/tmp" "$r/etc"
        cp /bin/busybox "$r/bin/" && for a in $(/bin/busybox --list); do
            [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
        tar -C "$r" -czf "$out/rootfs-amd64.tar.gz" . && rm -rf "$r"
    fi
}

# run_validation RUNTIME_PATH RESULTS_DIR: one TAP file per program.
run_validation() {
    local rt=$1 res=$2 out=$CACHE/bin t
    # The programs make their bundles with os.MkdirTemp under $TMPDIR and do not
    # always remove them: a directory of this run's own, removed at the end.
    local tmp=$CACHE/tmp/$(basename "$rt")
    rm -rf "$tmp" && mkdir -p "$tmp" && chmod 755 "$CACHE/tmp" "$tmp"
    for t in "$out"/*.t; do
        local name rc
        name=$(basename "$t" .t)
        selected "$name" || continue
        (cd "$out" && runtime_wrap "$rt" env RUNTIME="$rt" TMPDIR="$tmp" \
            timeout -k 5 "$TIMEOUT" "$t") >"$res/$name.tap" 2>"$res/$name.err"
        rc=$?
        # Some programs (prestart, poststop_fail, ...) emit no test point: they
        # report a failure only as a YAML diagnostic ("  ---") and plan "1..0".
        # Count such a program as one check, named after it.
        if ! grep -Eq '^(not )?ok\b' "$res/$name.tap"; then
            if [ $rc = 0 ] && ! grep -q '^ *---' "$res/$name.tap"; then
                echo "ok 1 - $name" >>"$res/$name.tap"
            else
                echo "not ok 1 - $name" >>"$res/$name.tap"
            fi
        fi
        echo "# exit $rc" >>"$res/$name.tap"
        cleanup_leftovers "$rt"
    done
    rm -rf "$tmp"
}

# Some programs leave a container behind when a check fails before their own
# cleanup (start's config without process, a timeout): delete every container
# whose bundle is one of the programs' temporary "ocitest" directories.
cleanup_leftovers() {
    local rt=$1
    runtime_wrap "$rt" sh -c '
        "$0" list 2>/dev/null | awk "NR > 1 && \$4 ~ /\/ocitest/ { print \$1 }" |
            while read -r id; do "$0" delete --force "$id" >/dev/null 2>&1; done' "$rt"
}

# ---------------------------------------------------------------- clause suite

run_clauses() {
    local rt=$1 res=$2
    install_packages python3-pytest busybox-static
    runtime_wrap "$rt" env WEFT="$rt" "$PYTHON" -m pytest -q -p no:cacheprovider \
        --junitxml="$res/clauses.xml" "$REPO/tests/integration/test_runtime_spec.py" \
        >"$res/clauses.log" 2>&1
    # junit -> TAP, one file per section ("program") of the test file: the
    # "# --- Section (spec file) ---" comment above a test names its section.
    "$PYTHON" - "$res" "$REPO/tests/integration/test_runtime_spec.py" <<'EOF'
import sys, os, re, collections, xml.etree.ElementTree as ET
res, src = sys.argv[1], sys.argv[2]
section, where = "other", {}
for line in open(src):
    m = re.match(r"# --- ([A-Za-z, ]+?)\s*[(-]", line)
    if m:
        section = re.sub(r"\W+", "_", m.group(1).strip().lower())
    m = re.match(r"def (test_\w+)", line)
    if m:
        where[m.group(1)] = section
groups = collections.OrderedDict()
for tc in ET.parse(os.path.join(res, "clauses.xml")).iter("testcase"):
    name = tc.get("name")
    op = where.get(name.split("[")[0], "other")
    bad = tc.find("failure") is not None or tc.find("error") is not None
    sk = tc.find("skipped")
    # An xfail (an open failure, see README.md) is a failed check, not a skip.
    skip = sk is not None and sk.get("type") != "pytest.xfail"
    bad = bad or (sk is not None and not skip)
    groups.setdefault(op, []).append((name, bad, skip))
for op, cases in groups.items():
    with open(os.path.join(res, op + ".tap"), "w") as f:
        f.write("TAP version 13\n")
        for i, (name, bad, skip) in enumerate(cases, 1):
            f.write(("not ok" if bad else "ok") + f" {i} - {name}"
                    + (" # SKIP" if skip else "") + "\n")
        f.write(f"1..{len(cases)}\n")
EOF
}

# ---------------------------------------------------------------- results

# summarize RESULTS_DIR: per-program table, then the closing "N passed, N failed" line.
summarize() {
    "$PYTHON" - "$1" <<'EOF'
import sys, os, re
res = sys.argv[1]
tp = tf = ts = 0
rows = []
for fn in sorted(os.listdir(res)):
    if not fn.endswith(".tap"):
        continue
    p = f = s = 0
    plan = None
    status = ""
    for line in open(os.path.join(res, fn), errors="replace"):
        m = re.match(r"(not ok|ok)\b", line)
        if m:
            if "# SKIP" in line or "# skip" in line:
                s += 1
            elif m.group(1) == "ok":
                p += 1
            else:
                f += 1
        elif re.match(r"1\.\.(\d+)", line):
            plan = int(line[3:].split()[0])
        elif line.startswith("# exit "):
            status = line.split()[2]
    note = ""
    if status not in ("", "0"):
        note = "exit " + status + (" (timeout)" if status == "124" else "")
    if plan is not None and plan > p + f + s:
        f += plan - (p + f + s)
        note += " missing results"
    if p + f + s == 0:
        f = 1
        note += " no TAP output"
    rows.append((fn[:-4], p, f, s, note.strip()))
    tp, tf, ts = tp + p, tf + f, ts + s
w = max([len(r[0]) for r in rows] + [7])
print(f"{'program':<{w}}  pass  fail  skip")
for name, p, f, s, note in rows:
    print(f"{name:<{w}}  {p:4}  {f:4}  {s:4}  {note}")
print(f"{tp} passed, {tf} failed, {ts} skipped")
EOF
}

# checks RESULTS_DIR STATUS: every check "program: description" whose result is STATUS.
checks() {
    "$PYTHON" - "$1" "$2" <<'EOF'
import sys, os, re
res, want = sys.argv[1], sys.argv[2]
for fn in sorted(os.listdir(res)):
    if fn.endswith(".tap"):
        for line in open(os.path.join(res, fn), errors="replace"):
            m = re.match(r"(not ok|ok) \d+\s*-?\s*(.*)", line.rstrip("\n"))
            if m and "# SKIP" not in line and m.group(1) == want:
                print(f"{fn[:-4]}: {m.group(2)}")
EOF
}

run_one() {
    local rt res
    rt=$(resolve_runtime "$1")
    [ -x "$rt" ] || die "runtime $rt is not executable (run make build for weft)"
    res=$CACHE/results/$(basename "$rt")
    rm -rf "$res" && mkdir -p "$res"
    echo "== $rt: suite $SUITE, results in $res" >&2
    if [ "$SUITE" = validation ]; then
        run_validation "$rt" "$res"
    else
        run_clauses "$rt" "$res"
    fi
    echo "$res"
}

[ "$(id -u)" = 0 ] || die "must run as root (containers, cgroups)"
mkdir -p "$CACHE" || die "cannot create $CACHE"
if [ -z "${SUITE:-}" ]; then
    if SRC=$(suite_source); then SUITE=validation; else SUITE=clauses; fi
fi
case "$SUITE" in
validation)
    SRC=$(suite_source) || die "no runtime-tools source with validation/ and cmd/runtimetest;" \
        "set RUNTIME_TOOLS_SRC (see tests/conformance/README.md)"
    build_validation "$SRC" ;;
clauses)
    echo "run.sh: the runtime-tools validation programs are not available on this machine;" \
        "running the runtime-spec clause suite (tests/integration/test_runtime_spec.py)" >&2 ;;
*) die "SUITE must be validation or clauses" ;;
esac

if [ $COMPARE = 1 ]; then
    A=$(run_one "$ARG") || exit 2
    B=$(run_one crun) || exit 2
    echo "== $ARG"
    summarize "$A" | tail -1
    echo "== crun"
    summarize "$B" | tail -1
    # "Fails" includes a check that is missing from RUNTIME's results (a
    # program that stopped early, or named its checks differently).
    echo "== checks crun passes and $ARG fails (or does not reach):"
    comm -23 <(checks "$B" ok | sort) <(checks "$A" ok | sort)
    echo "== checks $ARG passes and crun fails (or does not reach):"
    comm -23 <(checks "$A" ok | sort) <(checks "$B" ok | sort)
    N=$(comm -23 <(checks "$B" ok | sort) <(checks "$A" ok | sort) | wc -l)
    echo "$(( $(checks "$B" ok | wc -l) - N )) passed, $N failed"
    [ "$N" = 0 ]
else
    RES=$(run_one "$ARG") || exit 2
    summarize "$RES"
    [ "$(checks "$RES" "not ok" | wc -l)" = 0 ]
fi
