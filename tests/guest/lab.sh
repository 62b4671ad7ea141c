#!/bin/bash
# weft's guest lab: a throw-away Debian 12 guest (systemd as PID 1, pure cgroup v2, Debian's
# cloud kernel) under QEMU, with the host's worktree shared in over virtiofs at the same path.
#
#   lab.sh build              build the cached image if the recipe changed; print its directory
#   lab.sh run [opts] CMD...  boot, run CMD (bash) as root in the guest, power off; CMD's output
#                             on stdout, its exit status as lab.sh's (125: the guest failed)
#       --outdir DIR          copy what CMD wrote to $WEFT_LAB_OUT (in the guest) to DIR
#       --share DIR           share DIR instead of this worktree
#   lab.sh shell              boot with a root shell on the serial console (Ctrl-A X quits)
#   lab.sh versions           the image's kernel and installed packages
#   lab.sh clean              remove every cached image (and the KVM probe's result)
#
# Environment: WEFT_GUEST_CACHE (/var/cache/weft-guest), WEFT_GUEST_ACCEL (auto|kvm|tcg),
# WEFT_GUEST_MEM (MiB, 2048), WEFT_GUEST_CPUS (2), WEFT_GUEST_TIMEOUT (s, 3600),
# WEFT_GUEST_ENV (host variables passed to CMD; WEFT is always passed when set).
# Nothing outlives lab.sh: QEMU and virtiofsd die with it (and the boot disk is a snapshot).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${WEFT_GUEST_CACHE:-/var/cache/weft-guest}
mem=${WEFT_GUEST_MEM:-2048}
cpus=${WEFT_GUEST_CPUS:-2}
timeout=${WEFT_GUEST_TIMEOUT:-3600}
qemu=qemu-system-x86_64
virtiofsd=""
for v in /usr/lib/qemu/virtiofsd /usr/libexec/virtiofsd /usr/lib/virtiofsd; do
    [ -x "$v" ] && { virtiofsd=$v; break; }
done

die() { echo "guest lab: $*" >&2; exit 125; }

# The image's cache key: everything that goes into it.
recipe_hash() {
    (cd "$here" && cat build-image.sh packages.txt files/*) | sha256sum | cut -c1-16
}

image_dir() { echo "$cache/img-$(recipe_hash)"; }

build() {
    local dir
    dir=$(image_dir)
    mkdir -p "$cache"
    # One builder at a time (other worktrees may want the same image).
    exec 9>"$cache/.lock"
    flock 9
    if [ ! -f "$dir/rootfs.img" ]; then
        command -v debootstrap >/dev/null || die "debootstrap is not installed (make deps)"
        local t0=$SECONDS
        "$here/build-image.sh" "$dir" >&2 || die "image build failed"
        echo "guest lab: built in $((SECONDS - t0)) s" >&2
    fi
    exec 9>&-
    touch "$dir"
    # Images of other recipes, unused for a week, go.
    find "$cache" -mindepth 1 -maxdepth 1 -name 'img-*' -mtime +7 ! -path "$dir" \
        -exec rm -rf {} + 2>/dev/null || true
    echo "$dir"
}

# KVM when it can run the guest, else TCG. /dev/kvm may exist on a host whose hypervisor
# cannot run a stock kernel in it (the kernel hangs before its first message), so auto probes
# once per machine: the kernel alone under KVM, with no root, must print its banner (and then
# panic, which ends QEMU) within 20 s. WEFT_GUEST_ACCEL=kvm forces KVM, =tcg avoids it.
kvm_works() { # image dir
    local f=$cache/kvm-probe log
    if [ ! -f "$f" ]; then
        log=$(mktemp)
        $tied timeout -k 5 20 $tied "$qemu" -machine q35 -accel kvm -cpu host -m 256 \
            -kernel "$1/vmlinuz" -append "console=ttyS0 panic=-1" -display none -monitor none \
            -serial "file:$log" -nic none -no-reboot >/dev/null 2>&1 || true
        if grep -q "Linux version" "$log"; then echo yes; else echo no; fi >"$f"
        rm -f "$log"
        echo "guest lab: KVM $(sed 's/yes/works/; s/no/does not run the guest: TCG/' "$f")" >&2
    fi
    [ "$(cat "$f")" = yes ]
}

accel_args() { # image dir
    local a=${WEFT_GUEST_ACCEL:-auto}
    if [ "$a" = auto ]; then
        a=tcg
        [ -w /dev/kvm ] && kvm_works "$1" && a=kvm
    fi
    case "$a" in
    kvm) echo "-accel kvm -cpu host" ;;
    tcg) echo "-accel tcg,thread=multi -cpu max" ;;
    *) die "WEFT_GUEST_ACCEL: '$a' is not auto, kvm or tcg" ;;
    esac
}

# Processes started here die with lab.sh, even when it is killed (SIGKILL included): each is
# started as `$tied CMD &` (a simple command, so the background job is CMD itself, a child of
# lab.sh, not of a subshell that would outlive it).
tied="setpriv --pdeathsig KILL --"

cleanup() {
    local p
    for p in ${pids:-}; do kill -KILL "$p" 2>/dev/null || true; done
    for p in ${pids:-}; do wait "$p" 2>/dev/null || true; done
    [ -n "${ctl:-}" ] && rm -rf "$ctl"
}

start_virtiofsd() { # tag dir
    local sock=$ctl/$1.sock i
    $tied "$virtiofsd" --socket-path="$sock" -o source="$2" -o cache=auto \
        >"$ctl/$1.virtiofsd.log" 2>&1 &
    pids="$pids $!"
    for i in $(seq 100); do
        [ -S "$sock" ] && return 0
        sleep 0.1
    done
    cat "$ctl/$1.virtiofsd.log" >&2
    die "virtiofsd did not start for $2"
}

# Writes the command and its environment into the control share.
write_control() { # share cwd cmd...
    local share=$1 cwd=$2 name
    shift 2
    {
        printf 'export WEFT_LAB_SHARE=%q WEFT_LAB_CWD=%q\n' "$share" "$cwd"
        for name in WEFT ${WEFT_GUEST_ENV:-}; do
            [ -n "${!name+x}" ] && printf 'export %s=%q\n' "$name" "${!name}"
        done
    } >"$ctl/share/env"
    printf '%s\n' "$*" >"$ctl/share/cmd"
}

boot() { # mode share cwd cmd...
    local mode=$1 share=$2 cwd=$3 dir
    shift 3
    [ "$(id -u)" = 0 ] || die "run as root"
    command -v "$qemu" >/dev/null || die "$qemu is not installed (make deps)"
    [ -n "$virtiofsd" ] || die "virtiofsd is not installed (qemu-system-common)"
    dir=$(build) || exit 125
    pids=""
    ctl=$(mktemp -d "${TMPDIR:-/tmp}/weft-lab.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT TERM HUP
    mkdir -p "$ctl/share/out"
    write_control "$share" "$cwd" "$@"
    start_virtiofsd weftsrc "$share"
    start_virtiofsd weftctl "$ctl/share"
    local append="root=/dev/vda rw console=ttyS0 panic=-1 quiet loglevel=4 weft.lab=$mode"
    append="$append audit=0 mitigations=off systemd.show_status=false"
    local accel
    accel=$(accel_args "$dir") || exit 125
    # shellcheck disable=SC2086
    set -- "$qemu" -machine q35 $accel -smp "$cpus" -m "$mem" \
        -object "memory-backend-memfd,id=mem,size=${mem}M,share=on" -numa node,memdev=mem \
        -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" -append "$append" \
        -drive "file=$dir/rootfs.img,format=raw,if=virtio,snapshot=on,cache=unsafe" \
        -chardev "socket,id=weftsrc,path=$ctl/weftsrc.sock" \
        -device vhost-user-fs-pci,chardev=weftsrc,tag=weftsrc \
        -chardev "socket,id=weftctl,path=$ctl/weftctl.sock" \
        -device vhost-user-fs-pci,chardev=weftctl,tag=weftctl \
        -nic none -no-reboot
    if [ "$mode" = shell ]; then
        $tied "$@" -nographic
        exit 0
    fi
    $tied timeout -k 10 "$timeout" $tied "$@" -display none -monitor none \
        -serial "file:$ctl/console.log" &
    local qpid=$!
    pids="$pids $qpid"
    # The command's output, live, while the guest runs (tail drains it after QEMU exits).
    $tied tail -n +1 -F --pid="$qpid" -s 0.5 "$ctl/share/output" 2>/dev/null &
    local tpid=$!
    local qrc=0
    wait "$qpid" || qrc=$?
    wait "$tpid" || true
    if [ -n "${outdir:-}" ]; then
        mkdir -p "$outdir"
        cp -a "$ctl/share/out/." "$outdir/"
    fi
    if [ ! -f "$ctl/share/status" ]; then
        echo "guest lab: the guest reported no exit status (QEMU exit $qrc); console:" >&2
        tail -n 40 "$ctl/console.log" >&2 || true
        [ "$qrc" = 124 ] && die "timed out after $timeout s (WEFT_GUEST_TIMEOUT)"
        exit 125
    fi
    exit "$(cat "$ctl/share/status")"
}

worktree=$(cd "$here/../.." && pwd -P)
cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
build) build ;;
run)
    outdir="" share=$worktree
    while [ $# -gt 0 ]; do
        case "$1" in
        --outdir) outdir=$(realpath -m "$2"); shift 2 ;;
        --share) share=$(cd "$2" && pwd -P); shift 2 ;;
        --) shift; break ;;
        *) break ;;
        esac
    done
    [ $# -gt 0 ] || die "run: no command"
    case "${WEFT:-$share}/" in
    "$share"/*) ;;
    *) echo "guest lab: warning: WEFT=$WEFT is outside the share $share (invisible in the guest)" >&2 ;;
    esac
    cwd=$(pwd -P)
    case "$cwd/" in "$share"/*) ;; *) cwd=$share ;; esac
    boot run "$share" "$cwd" "$@"
    ;;
shell) boot shell "$worktree" "$worktree" true ;;
versions)
    dir=$(build) || exit 125
    echo "kernel $(cat "$dir/kernel-version")"
    cat "$dir/manifest.txt"
    ;;
clean) rm -rf "${cache:?}"/img-* "$cache/kvm-probe" ;;
*)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
