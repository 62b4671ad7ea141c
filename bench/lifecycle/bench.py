#!/usr/bin/python3
"""Lifecycle benchmark: weft against crun and runc, side by side, in one run.

  * N sequential `RUNTIME run` of /bin/true (busybox) each, rounds interleaved
    (weft, crun, runc, weft, ...) so drift on a busy machine hits all alike;
  * the peak memory of one `run` (the cgroup's max_usage_in_bytes), median
    of --memory-samples runs;
  * the smallest memory.limit of a parent cgroup under which `run` succeeds
    three times in a row (binary search in 64 KiB steps, cgroup v1 memory
    controller).
The memory cgroup is joined by a tiny static launcher that then execs the
runtime, so only the runtime's own pages are charged to it, and the bundle's
cgroupsPath puts the container inside it too: every runtime is charged for
the same things (its processes, the container's init and workload, and the
kernel objects they make), whatever its default cgroup location.

Ratios are printed against crun. Nothing is asserted: this is a benchmark.
crun 1.8 refuses to start containers while any controller sits in the
cgroup2 hierarchy ("cgroups in hybrid mode not supported"): with --crun-fix
(default) the bench mounts hugetlb as a v1 hierarchy for its duration and
unmounts it afterwards. weft needs no such change.
"""
import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def make_bundle(d, weft, args=("/bin/true",), annotations=None):
    rootfs = os.path.join(d, "rootfs")
    for sub in ("bin", "proc", "dev", "sys", "tmp"):
        os.makedirs(os.path.join(rootfs, sub), exist_ok=True)
    shutil.copy("/bin/busybox", os.path.join(rootfs, "bin", "busybox"))
    for applet in ("true", "echo"):
        os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    subprocess.run([weft, "spec"], cwd=d, check=True, stdout=subprocess.DEVNULL)
    cfg = json.load(open(os.path.join(d, "config.json")))
    cfg["ociVersion"] = "1.0.2"  # crun 1.8 refuses 1.2
    cfg["process"]["args"] = list(args)
    if annotations:
        cfg["annotations"] = annotations
    cfg["process"]["terminal"] = False
    json.dump(cfg, open(os.path.join(d, "config.json"), "w"))


# Joins the memory cgroup and execs the runtime. Joining from Python's
# preexec_fn would charge the pages the forked interpreter dirties on its way
# to exec (hundreds of KiB) to the cgroup being measured; this launcher dirties
# a few stack pages.
ENTER_C = r"""
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int fd = open(argv[1], O_WRONLY);
    if (fd < 0 || write(fd, "0", 1) != 1) return 125;
    close(fd);
    execv(argv[2], argv + 2);
    return 126;
}
"""
ENTER = None
STEP = 64 << 10  # resolution of the memory.limit search


def build_enter(work):
    global ENTER
    src = os.path.join(work, "enter.c")
    open(src, "w").write(ENTER_C)
    ENTER = os.path.join(work, "enter")
    subprocess.run(["cc", "-O2", "-static", src, "-o", ENTER], check=True)


def run_once(rt, bundle, state, cid, cgroup_procs=None):
    """One `run`; returns (seconds, max RSS in KiB of the runtime's processes)."""
    t = time.perf_counter()
    argv = [rt, "--root", state, "run", "--bundle", bundle, cid]
    if cgroup_procs:
        argv = [ENTER, cgroup_procs] + argv
    # stderr to a file, not a pipe: a container left behind by a runtime
    # that died (say, OOM-killed at a tight limit) would hold a pipe open.
    with tempfile.TemporaryFile() as errf:
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errf)
        _, status, usage = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{rt} run failed: {err.strip()}")
    return dt, usage.ru_maxrss


@contextlib.contextmanager
def measured_cgroup(bundle, name):
    """A fresh v1 memory cgroup to run one runtime in, with the bundle's
    linux.cgroupsPath pointing inside it: every runtime then puts the
    container there, so the runtime's processes, the container's init, its
    workload and the kernel objects they make (namespaces, mounts, page
    tables) are all charged to it, whatever the runtime's default cgroup
    location (crun's is the hierarchy's root, weft's its own cgroup)."""
    base = "/sys/fs/cgroup/memory"
    cg = os.path.join(base, name)
    os.mkdir(cg)
    path = os.path.join(bundle, "config.json")
    cfg = json.load(open(path))
    cfg["linux"]["cgroupsPath"] = f"/{name}/ctr"
    json.dump(cfg, open(path, "w"))
    try:
        yield cg
    finally:
        del cfg["linux"]["cgroupsPath"]
        json.dump(cfg, open(path, "w"))
        for hier in os.listdir("/sys/fs/cgroup"):
            top = os.path.join("/sys/fs/cgroup", hier, name)
            if os.path.isdir(top):
                remove_cgroup(top)


def peak_memory(rt, bundle, state, cid):
    """Peak memory charged during one `run` (max_usage_in_bytes; see
    measured_cgroup for what is in it)."""
    if not os.path.isdir("/sys/fs/cgroup/memory"):
        return None
    with measured_cgroup(bundle, f"weft-peak-{os.getpid()}-{os.path.basename(rt)}") as cg:
        run_once(rt, bundle, state, cid, os.path.join(cg, "cgroup.procs"))
        return int(open(os.path.join(cg, "memory.max_usage_in_bytes")).read())


def remove_cgroup(cg):
    # depth first: runtimes may leave empty cgroups below the parent
    for _ in range(50):
        for top, dirs, _files in os.walk(cg, topdown=False):
            try:
                os.rmdir(top)
            except OSError:
                pass
        if not os.path.exists(cg):
            break
        time.sleep(0.1)


def min_memory_limit(rt, bundle, state, cid):
    """Smallest memory.limit_in_bytes (64 KiB steps) of the measured cgroup
    under which `run` succeeds three times in a row."""
    if not os.path.isdir("/sys/fs/cgroup/memory"):
        return None
    with measured_cgroup(bundle, f"weft-bench-{os.getpid()}-{os.path.basename(rt)}") as cg:
        lo, hi = 256 << 10, 64 << 20

        def ok(limit):
            try:
                with open(os.path.join(cg, "memory.limit_in_bytes"), "w") as f:
                    f.write(str(limit))
            except OSError:
                return False  # below what the cgroup already holds: too small
            # Reclaim and kernel allocations make single runs near the edge
            # a coin toss: a limit counts only if it holds three times.
            for _ in range(3):
                try:
                    run_once(rt, bundle, state, cid, os.path.join(cg, "cgroup.procs"))
                except RuntimeError:
                    subprocess.run([rt, "--root", state, "delete", "-f", cid],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    return False
            return True
        if not ok(hi):
            return None
        while hi - lo > STEP:
            mid = (lo + hi) // 2 // STEP * STEP
            if ok(mid):
                hi = mid
            else:
                lo = mid
        return hi


def v2_controllers():
    path = "/sys/fs/cgroup/unified/cgroup.controllers"
    return open(path).read().split() if os.path.exists(path) else []


def hugetlb_state():
    """(hierarchy id from /proc/cgroups or None, mounted as v1?)"""
    hier = [l.split()[1] for l in open("/proc/cgroups") if l.startswith("hugetlb\t")]
    mounted = any(l.split()[2] == "cgroup" and "hugetlb" in l.split()[3].split(",")
                  for l in open("/proc/mounts"))
    return (hier[0] if hier else None), mounted


def crun_fix():
    """Move hugetlb out of cgroup2 for crun; returns an undo function.

    The kernel frees an unmounted v1 hierarchy lazily (seconds to minutes
    later, once no css_set refers to it); until then hugetlb is in neither
    place, and it may return to cgroup2 in the middle of a run. So mount it
    whenever it is not mounted as v1 and exists: a lingering hierarchy is
    simply reused by the mount."""
    hier, mounted = hugetlb_state()
    if hier is None or mounted or (hier == "0" and "hugetlb" not in v2_controllers()):
        return lambda: None
    mnt = "/sys/fs/cgroup/hugetlb"
    made = not os.path.exists(mnt)
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mount", "-t", "cgroup", "-o", "hugetlb", "hugetlb", mnt], check=True)

    def undo():
        # A v1 hierarchy outlives its unmount while it has child cgroups:
        # remove them first, so hugetlb can go back to cgroup2.
        for top, _dirs, _files in os.walk(mnt, topdown=False):
            if top != mnt:
                try:
                    os.rmdir(top)
                except OSError:
                    pass
        subprocess.run(["umount", mnt], check=False)
        if made:
            shutil.rmtree(mnt, ignore_errors=True)
    return undo


HELLO_C = r"""
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
"""


def wasm_start(args, runtimes, work):
    """Cold start, create to exit (`run`): a wasm hello container on weft
    against a native busybox `echo hello` container on weft and on crun."""
    weft = runtimes["weft"]
    wasm = os.path.join(work, "wasm")
    os.mkdir(wasm)
    make_bundle(wasm, weft, ["/hello.wasm"], {"module.wasm.image/variant": "compat"})
    src = os.path.join(work, "hello.c")
    open(src, "w").write(HELLO_C)
    subprocess.run(["clang", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", src, "-o",
                    os.path.join(wasm, "rootfs", "hello.wasm")], check=True)
    native = os.path.join(work, "native")
    os.mkdir(native)
    make_bundle(native, weft, ["/bin/echo", "hello"])
    cases = {"weft wasm hello": (weft, wasm), "weft busybox echo": (weft, native)}
    if "crun" in runtimes:
        cases["crun busybox echo"] = (runtimes["crun"], native)
    times = {k: [] for k in cases}
    for i in range(args.n):
        for name, (rt, bundle) in cases.items():
            dt, _ = run_once(rt, bundle, os.path.join(work, "state-" + name.split()[0]), f"w{i}")
            times[name].append(dt)
    ref = sum(times["weft busybox echo"])
    print(f"{'case':20} {'runs':>5} {'ms/run':>8} {'median ms':>10} {'vs weft native':>15}")
    for name, t in times.items():
        t.sort()
        print(f"{name:20} {args.n:5} {1000 * sum(t) / len(t):8.2f} {1000 * t[len(t) // 2]:10.2f}"
              f" {sum(t) / ref:15.2f}")


def wasm_large(args, runtimes, work):
    """Start, create to exit (`run`), of a container running large.wasm
    (bench/wasm/gen_large.py, --large-funcs functions: 40,000 make 5.6 MB,
    215,000 make 30 MB): unconfined and under a seccomp filter (the whole
    module compiled before the filter applies), each with the AOT cache off
    and warm (its file written by `weft wasm compile` beforehand); against a
    native busybox `echo hello` container (weft's, and crun's when it is
    installed), in two rounds: the cold cases, then the warm ones, each
    interleaved with the native containers. With --baseline, the other weft
    build runs the same cases, each with a cache of its own."""
    wat = os.path.join(work, "large.wat")
    with open(wat, "w") as f:
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "wasm", "gen_large.py"),
                        str(args.large_funcs)], stdout=f, check=True)
    weft = runtimes["weft"]
    bundles = {}
    for name, seccomp in (("large", False), ("large-seccomp", True)):
        d = os.path.join(work, name)
        os.mkdir(d)
        make_bundle(d, weft, ["/large.wasm"], {"module.wasm.image/variant": "compat"})
        subprocess.run(["wat2wasm", wat, "-o", os.path.join(d, "rootfs", "large.wasm")],
                       check=True)
        if seccomp:
            cfg_path = os.path.join(d, "config.json")
            cfg = json.load(open(cfg_path))
            cfg["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}
            json.dump(cfg, open(cfg_path, "w"))
        bundles[name] = d
    os.unlink(wat)
    # the AOT cache's index names a module file only once it has been left
    # alone for 2 s (docs/wasm-engine.md, "The index"); an image's module
    # always is
    time.sleep(2.2)
    native = os.path.join(work, "native")
    os.mkdir(native)
    make_bundle(native, weft, ["/bin/echo", "hello"])
    module = os.path.join(bundles["large"], "rootfs", "large.wasm")
    cold, warm = {}, {}
    for rt in [k for k in runtimes if k.startswith("weft")]:
        cache = os.path.join(work, "aot-" + rt)
        env = dict(os.environ, WEFT_WASM_CACHE=cache)
        subprocess.run([runtimes[rt], "wasm", "compile", module], env=env, check=True)
        cold[f"{rt}: unconfined, no cache"] = (rt, bundles["large"], "off")
        warm[f"{rt}: unconfined, warm cache"] = (rt, bundles["large"], cache)
        cold[f"{rt}: seccomp, no cache"] = (rt, bundles["large-seccomp"], "off")
        warm[f"{rt}: seccomp, warm cache"] = (rt, bundles["large-seccomp"], cache)
    print(f"large.wasm: {os.path.getsize(module)} bytes, {args.large_funcs} functions")
    print(f"{'weft run of':36} {'runs':>5} {'mean ms':>8} {'median ms':>10} {'- native ms':>12}"
          f" {'x native':>9}")
    # Two rounds, each against native containers interleaved with it: a
    # start right after a cold one (hundreds of MB compiled, then freed)
    # runs slower for a while, whatever it is, which would blur the warm
    # cases' figures.
    for cases in (cold, warm):
        cases = dict(cases)
        cases["busybox echo"] = ("weft", native, "off")
        if "crun" in runtimes:
            cases["crun: busybox echo"] = ("crun", native, "off")
        times = {k: [] for k in cases}
        for i in range(args.n):
            for name, (rt, bundle, c) in cases.items():
                os.environ["WEFT_WASM_CACHE"] = c
                dt, _ = run_once(runtimes[rt], bundle, os.path.join(work, "state"), f"l{i}")
                times[name].append(dt)
        ref = sum(times["busybox echo"]) / args.n
        for name, t in times.items():
            mean = sum(t) / len(t)
            med = sorted(t)[len(t) // 2]
            print(f"{name:36} {args.n:5} {1000 * mean:8.2f} {1000 * med:10.2f}"
                  f" {1000 * (mean - ref):12.2f} {mean / ref:9.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", type=int, default=100, help="runs per runtime (default 100)")
    ap.add_argument("--weft", default=os.path.join(ROOT, "build", "weft"))
    ap.add_argument("--baseline", help="another weft build (e.g. the previous one), run as "
                    "'weft-base' side by side")
    ap.add_argument("--no-crun-fix", action="store_true")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory-limit search")
    ap.add_argument("--memory-samples", type=int, default=9,
                    help="runs whose peak memory is measured; the median is printed (default 9)")
    ap.add_argument("--wasm-start", action="store_true",
                    help="instead: cold start of a wasm hello container vs native echo containers")
    ap.add_argument("--wasm-large", action="store_true",
                    help="instead: start of a large.wasm container, AOT cache off / warm, vs "
                    "native")
    ap.add_argument("--large-funcs", type=int, default=40000,
                    help="functions of --wasm-large's module (default 40000: 5.6 MB)")
    args = ap.parse_args()

    runtimes = {"weft": os.path.realpath(args.weft)}
    if args.baseline:
        runtimes["weft-base"] = os.path.realpath(args.baseline)
    for name in ("crun", "runc"):
        path = shutil.which(name)
        if path:
            runtimes[name] = path
    undo = (lambda: None) if args.no_crun_fix else crun_fix()
    work = tempfile.mkdtemp(prefix="weft-bench-")
    if args.wasm_start or args.wasm_large:
        try:
            return (wasm_large if args.wasm_large else wasm_start)(args, runtimes, work)
        finally:
            undo()
            shutil.rmtree(work, ignore_errors=True)
    try:
        bundle = os.path.join(work, "bundle")
        os.mkdir(bundle)
        make_bundle(bundle, runtimes["weft"])
        times = {k: [] for k in runtimes}
        for i in range(args.n):
            for name, rt in runtimes.items():
                dt, _ = run_once(rt, bundle, os.path.join(work, "state-" + name), f"b{i}")
                times[name].append(dt)
        mem, peak = {}, {}
        if not args.no_memory:
            build_enter(work)
            samples = {k: [] for k in runtimes}
            for i in range(args.memory_samples):  # interleaved, median
                for name, rt in runtimes.items():
                    samples[name].append(peak_memory(rt, bundle,
                                                     os.path.join(work, "state-" + name), f"pk{i}"))
            for name, rt in runtimes.items():
                vals = [v for v in samples[name] if v is not None]
                peak[name] = sorted(vals)[len(vals) // 2] if vals else None
                mem[name] = min_memory_limit(rt, bundle, os.path.join(work, "state-" + name),
                                             "mem")
    finally:
        undo()
        shutil.rmtree(work, ignore_errors=True)

    ref = sum(times.get("crun", times["weft"]))
    print(f"{'runtime':9} {'runs':>5} {'total s':>9} {'ms/run':>8} {'vs crun':>8}"
          f" {'peak memory':>12} {'min memory.limit':>17}")
    for name in runtimes:
        total = sum(times[name])
        m = mem.get(name)
        print(f"{name:9} {args.n:5} {total:9.3f} {1000 * total / args.n:8.2f}"
              f" {total / ref:8.2f} {(str(peak[name] >> 10) + ' KiB') if peak.get(name) else 'n/a':>12} "
              f"{(str(m >> 10) + ' KiB') if m else 'n/a':>17}")


if __name__ == "__main__":
    sys.exit(main())
