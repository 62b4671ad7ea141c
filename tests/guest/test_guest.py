"""The guest lab (tests/guest/lab.sh): one boot of a Debian 12 guest (systemd as PID 1, pure
cgroup v2) runs tests/guest/inside and weft's integration suite as root; each test here reports
one of the guest's results (JUnit XML written to the lab's out directory). A boot costs ~30 s
and TCG runs the suite ~20x slower than the host, so the guest boots once per session.

WEFT_GUEST_SUITE (default tests/integration) chooses the suites the guest runs besides
tests/guest/inside; WEFT_GUEST_TIMEOUT (s) bounds the guest's run."""
import os
import shutil
import signal
import sys
import tempfile
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(HERE, "lab.sh")
INSIDE = "tests.guest.inside.test_in_guest"
SUITE = os.environ.get("WEFT_GUEST_SUITE", "tests/integration")
GUEST_TIMEOUT = int(os.environ.get("WEFT_GUEST_TIMEOUT", "1800"))
# per test in the guest: a hung test must not eat the whole budget
PER_TEST_TIMEOUT = 300


def lab_processes(marker):
    """Pids of processes whose command line mentions `marker` (the run's private TMPDIR)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append((int(pid), cmdline.replace("\0", " ")[:200]))
    return found


def mounts_under(path):
    with open("/proc/self/mountinfo") as f:
        return [line for line in f if path in line]


def stop_group(proc):
    """Ends lab.sh and everything it started (its own session), TERM first."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            pass


def host_artifacts():
    """hello.wasm and pause, built on the host (the guest has no wasm compiler) into a
    directory of the share, for tests/guest/inside/test_clients.py; None without clang's
    wasm target (those tests then skip)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
    from e2e_env import build_artifacts
    base = tempfile.mkdtemp(prefix=".guest-artifacts-", dir=ROOT)
    try:
        return build_artifacts(base), base
    except (AssertionError, OSError, subprocess.SubprocessError) as e:
        print(f"guest lab: no wasm artifacts for the clients' tests: {e}", file=sys.stderr)
        return None, base


def start_lab(tmp, *args, env=None):
    """lab.sh with TMPDIR=tmp, so its control directory (and every QEMU/virtiofsd argument
    naming it) lies under tmp; in a session of its own, so it can be stopped as a whole."""
    env = dict(os.environ, **(env or {}), TMPDIR=str(tmp), WEFT_GUEST_TIMEOUT=str(GUEST_TIMEOUT))
    log = open(tmp / "lab.log", "wb")
    proc = subprocess.Popen([LAB, *args], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            env=env, start_new_session=True)
    log.close()
    return proc


class GuestRun:
    def __init__(self, rc, log, results):
        self.rc = rc
        self.log = log
        self.results = results  # {(classname, name): (outcome, message)}

    def outcome(self, classname, name):
        assert (classname, name) in self.results, \
            f"the guest did not run {classname}::{name}\n{self.log[-3000:]}"
        return self.results[(classname, name)]

    def assert_passed(self, name, classname=INSIDE):
        outcome, message = self.outcome(classname, name)
        assert outcome == "passed", f"in the guest: {name} {outcome}:\n{message}"

    def failures(self, prefix):
        return {k: v for k, v in self.results.items()
                if k[0].startswith(prefix) and v[0] in ("failed", "error")}


def parse_junit(path):
    results = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = case.find(tag)
            if el is not None:
                outcome = {"failure": "failed"}.get(tag, tag)
                message = (el.get("message") or "") + "\n" + (el.text or "")
                break
        results[(case.get("classname"), case.get("name"))] = (outcome, message)
    return results


def is_sanitizer_build(binary):
    r = subprocess.run(["ldd", binary], capture_output=True, text=True)
    return "libasan" in r.stdout


@pytest.fixture(scope="session")
def guest(tmp_path_factory, weft_bin):
    assert os.geteuid() == 0, "the guest lab runs as root (it boots a VM with QEMU)"
    if is_sanitizer_build(weft_bin):
        pytest.skip("the guest lab runs make check's build; an ASan build would need the "
                    "sanitizer runtimes in the guest and several times the time budget")
    tmp = tmp_path_factory.mktemp("guest")
    out = tmp / "out"
    pytest_cmd = (f"python3 -m pytest -q -rfE -p no:cacheprovider "
                  f"--timeout={PER_TEST_TIMEOUT} --junitxml=\"$WEFT_LAB_OUT/junit.xml\" "
                  f"tests/guest/inside {SUITE}")
    artifacts, artifacts_base = host_artifacts()
    env = {}
    if artifacts:
        env = {"WEFT_GUEST_ARTIFACTS": artifacts, "WEFT_GUEST_ENV": " ".join(
            filter(None, [os.environ.get("WEFT_GUEST_ENV"), "WEFT_GUEST_ARTIFACTS"]))}
    t0 = time.monotonic()
    proc = start_lab(tmp, "run", "--outdir", str(out), pytest_cmd, env=env)
    try:
        # lab.sh builds the image first when the recipe changed (1-4 min), then boots.
        rc = proc.wait(timeout=GUEST_TIMEOUT + 600)
    except subprocess.TimeoutExpired:
        rc = None
    finally:
        stop_group(proc)
        shutil.rmtree(artifacts_base, ignore_errors=True)
    print(f"guest lab: the guest's run took {time.monotonic() - t0:.0f} s", file=sys.stderr)
    log = (tmp / "lab.log").read_text(errors="replace")
    assert rc is not None, f"the guest lab did not finish in time:\n{log[-3000:]}"
    assert os.path.exists(out / "junit.xml"), \
        f"the guest wrote no results (lab.sh exit {rc}):\n{log[-5000:]}"
    run = GuestRun(rc, log, parse_junit(out / "junit.xml"))
    run.tmp = str(tmp)
    return run


def test_guest_reports_pytest_status_and_leaves_nothing(guest):
    # lab.sh exits with the guest command's status: pytest's 0 (all passed) or 1 (failures)
    failed = any(v[0] in ("failed", "error") for v in guest.results.values())
    assert guest.rc == (1 if failed else 0), guest.log[-3000:]
    assert not lab_processes(guest.tmp), "QEMU or virtiofsd outlived lab.sh"
    assert not mounts_under(guest.tmp)
    assert not [n for n in os.listdir(guest.tmp) if n.startswith("weft-lab.")], \
        "lab.sh left its control directory"


def test_systemd_is_pid1(guest):
    guest.assert_passed("test_systemd_is_pid1")


def test_cgroup2_is_the_only_cgroup_fs(guest):
    guest.assert_passed("test_cgroup2_is_the_only_cgroup_fs")


def test_clients_and_peers_are_installed(guest):
    guest.assert_passed("test_clients_and_peers_are_installed")


def test_rootless_user_is_ready(guest):
    guest.assert_passed("test_rootless_user_is_ready")


def test_crun_runs_a_busybox_bundle(guest):
    guest.assert_passed("test_crun_runs_a_busybox_bundle")


def test_weft_applies_memory_and_pids_limits_on_cgroup_v2(guest):
    guest.assert_passed("test_weft_applies_memory_and_pids_limits_on_cgroup_v2")


def test_integration_suite_passes_on_pure_cgroup_v2(guest):
    ran = [k for k in guest.results if k[0].startswith("tests.integration")]
    assert ran, f"the guest ran no integration test\n{guest.log[-3000:]}"
    failures = guest.failures("tests.integration")
    report = "\n".join(f"{c}::{n}: {m.strip().splitlines()[0] if m.strip() else ''}"[:300]
                       for (c, n), (_, m) in sorted(failures.items()))
    assert not failures, f"{len(failures)} of {len(ran)} failed in the guest:\n{report}"


# tests/guest/inside/test_clients.py (issue 11, item 5): the clients with systemd cgroups
CLIENT_TESTS = ["test_weft_systemd_cgroup_run", "test_podman_systemd_busybox_limits",
                "test_podman_systemd_wasm",
                "test_rootless_podman_systemd_busybox_limits", "test_rootless_podman_systemd_wasm",
                "test_cri_systemd_busybox_limits", "test_cri_systemd_wasm"]


@pytest.mark.parametrize("name", CLIENT_TESTS)
def test_clients_with_systemd_cgroups(guest, name):
    guest.assert_passed(name, classname="tests.guest.inside.test_clients")


def test_killed_lab_leaves_no_qemu_or_virtiofsd(tmp_path):
    """lab.sh killed outright (no trap runs) still takes QEMU and virtiofsd with it."""
    proc = start_lab(tmp_path, "run", "sleep 600")
    try:
        # the guest is up, its shares mounted, once the command's output file appears
        deadline = time.time() + 900  # lab.sh may first build the image
        while time.time() < deadline and proc.poll() is None:
            if list(tmp_path.glob("weft-lab.*/share/output")):
                break
            time.sleep(0.2)
        assert proc.poll() is None, (tmp_path / "lab.log").read_text(errors="replace")
        names = [c.split()[0] for _, c in lab_processes(str(tmp_path))]
        assert "qemu-system-x86_64" in names and names.count("/usr/lib/qemu/virtiofsd") >= 2, names
        os.kill(proc.pid, signal.SIGKILL)  # lab.sh only, not its process group
        proc.wait(timeout=10)
        deadline = time.time() + 20
        while time.time() < deadline and lab_processes(str(tmp_path)):
            time.sleep(0.2)
        assert not lab_processes(str(tmp_path)), lab_processes(str(tmp_path))
        assert not mounts_under(str(tmp_path))
    finally:
        stop_group(proc)
