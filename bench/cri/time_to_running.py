#!/usr/bin/python3
"""Time to Running through CRI: RunPodSandbox -> CreateContainer -> StartContainer ->
ContainerStatus == RUNNING, as the kubelet does it, against a private containerd 1.6
(the e2e suite's setup: tests/e2e/conftest.py). Side by side:

  wasm pod on weft      (module.wasm.image/variant=compat, hello.wasm sleeping)
  busybox pod on weft
  busybox pod on crun   (and runc, for reference)

Usage: bench/cri/time_to_running.py [--iterations N] [--weft PATH] [--json FILE]
                                    [--no-crun-fix]
Prints a table of median / min / max milliseconds; a configuration that cannot run
on this machine prints its error instead of a figure. crun 1.8 refuses hosts whose
cgroup2 mount holds a controller (hybrid mode): like bench/lifecycle, the bench
mounts hugetlb as a v1 hierarchy for its duration unless --no-crun-fix."""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import e2e_env as e2e  # noqa: E402  (the e2e suite's helpers)
import criclient as crimod  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "bench", "lifecycle"))
from bench import crun_fix  # noqa: E402  (bench/lifecycle's hugetlb move)

CASES = [
    # label, runtime handler, image, pod annotations, command, env
    ("wasm pod on weft", "weft", e2e.WASM_PLAIN_IMAGE,
     {"module.wasm.image/variant": "compat"}, [], {"HELLO_SLEEP": "60"}),
    ("busybox pod on weft", "weft", e2e.BUSYBOX_IMAGE, {}, ["sleep", "60"], {}),
    ("busybox pod on crun", "crun", e2e.BUSYBOX_IMAGE, {}, ["sleep", "60"], {}),
    ("busybox pod on runc", "runc", e2e.BUSYBOX_IMAGE, {}, ["sleep", "60"], {}),
]


def one_pod(cri, logs, handler, image, annotations, command, env, n):
    """Seconds from RunPodSandbox to RUNNING; the pod is removed afterwards."""
    name = f"bench-{handler}-{'wasm' if annotations else 'native'}-{n}-{os.getpid()}"
    log_dir = os.path.join(logs, name)
    os.makedirs(log_dir)
    cfg = cri.sandbox_config(name, log_dir, annotations=annotations)
    t0 = time.monotonic()
    pod = cri.run_pod(cfg, handler)
    try:
        cid = cri.create(pod, cfg, "c", image, command=command, env=env)
        cri.start(cid)
        try:
            cri.wait_state(cid, cri.pb.CONTAINER_RUNNING, timeout=30)
            return time.monotonic() - t0
        finally:
            cri.stop(cid, timeout=0)
            cri.remove(cid)
    finally:
        cri.stop_pod(pod)
        cri.remove_pod(pod)


def measure(cri, logs, iterations, cases=CASES):
    """Round-robin over the cases (one pod of each per round), so that the noise
    of a shared machine spreads evenly over them; one warm-up pod each first."""
    results = {c[0]: {"ms": []} for c in cases}
    for n in ["warmup"] + list(range(iterations)):
        for label, handler, image, ann, cmd, env in cases:
            if "error" in results[label]:
                continue
            try:
                t = one_pod(cri, logs, handler, image, ann, cmd, env, n)
            except Exception as e:  # a configuration this machine cannot run
                msg = e.details() if hasattr(e, "details") else str(e)
                results[label] = {"error": msg.strip().splitlines()[0][:200]}
                continue
            if n != "warmup":
                results[label]["ms"].append(round(t * 1000, 1))
    return results


def table(results):
    lines = ["| pod | median ms | min ms | max ms | n |", "| --- | ---: | ---: | ---: | ---: |"]
    for label, r in results.items():
        if "error" in r:
            lines.append(f"| {label} | n/a: {r['error']} | | | 0 |")
        else:
            ms = r["ms"]
            lines.append(f"| {label} | {statistics.median(ms):.1f} | {min(ms):.1f} | "
                         f"{max(ms):.1f} | {len(ms)} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--weft", default=os.environ.get("WEFT", os.path.join(ROOT, "build", "weft")))
    ap.add_argument("--json")
    ap.add_argument("--no-crun-fix", action="store_true")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="weft-bench-cri-", dir="/var/tmp")
    os.chmod(work, 0o755)
    podman = containerd = client = None
    undo = (lambda: None) if args.no_crun_fix else crun_fix()
    try:
        weft = e2e.weft_links(args.weft, work)
        podman = e2e.Podman(work)
        images = e2e.build_images(podman, e2e.build_artifacts(work))
        containerd = e2e.Containerd(work, weft, images)
        client = crimod.CRI(containerd.socket, crimod.compile_api(work))
        results = measure(client, containerd.logs, args.iterations)
    finally:
        if client:
            client.close()
        if containerd:
            containerd.teardown()
        if podman:
            podman.teardown()
        e2e.unmount_all(work)
        shutil.rmtree(work, ignore_errors=True)
        undo()
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
