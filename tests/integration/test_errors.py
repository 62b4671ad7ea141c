"""Bad input: one clear line naming the file, field or id, a non-zero exit,
and nothing left behind (state directory, cgroup, mounts, processes)."""
import os
import subprocess
import tempfile
import time

import pytest

from weft_testlib import cgroup_dirs, mounts_containing


def assert_nothing_left(weft, cid):
    assert weft.ids() == []
    assert cgroup_dirs(cid) == []
    assert mounts_containing(cid) == []


def one_line(stderr):
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_missing_bundle(weft, cid, tmp_path):
    r = weft("create", "--bundle", str(tmp_path / "nope"), cid)
    assert r.returncode != 0
    assert "nope" in one_line(r.stderr)
    assert_nothing_left(weft, cid)


def test_malformed_config(weft, make_bundle, cid):
    b = make_bundle()
    with open(os.path.join(b.path, "config.json"), "w") as f:
        f.write('{"ociVersion": "1.2.0", "process": {')
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0
    line = one_line(r.stderr)
    assert "config.json" in line and "line" in line
    assert_nothing_left(weft, cid)


@pytest.mark.parametrize("mutate,needle", [
    (lambda c: c["process"].update(args=[]), "process.args"),
    (lambda c: c["process"].update(cwd="relative"), "process.cwd"),
    (lambda c: c["linux"]["namespaces"].append({"type": "foo"}), "linux.namespaces[5].type"),
    (lambda c: c["process"].update(rlimits=[{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]),
     "process.rlimits[0].type"),
    (lambda c: c.pop("root"), "root"),
])
def test_invalid_config_names_the_field(weft, make_bundle, cid, mutate, needle):
    b = make_bundle()
    mutate(b.config)
    b.write()
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert needle in one_line(r.stderr)
    assert_nothing_left(weft, cid)


def test_missing_entrypoint_is_127(weft, make_bundle, cid):
    b = make_bundle(["/bin/nope"])
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 127
    assert one_line(r.stderr) == "weft: exec: /bin/nope: No such file or directory"
    assert_nothing_left(weft, cid)


def test_missing_entrypoint_on_create(weft, make_bundle, cid):
    b = make_bundle(["nope-in-path"])
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode == 127
    assert "exec: nope-in-path: No such file or directory" in r.stderr
    assert_nothing_left(weft, cid)


def test_not_executable_is_126(weft, make_bundle, cid):
    b = make_bundle(["/etc/passwd"])
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 126
    assert_nothing_left(weft, cid)


def test_unknown_container(weft, cid):
    for verb in (["state"], ["start"], ["kill"], ["delete"], ["pause"], ["exec", "--", "x"]):
        args = verb[:1] + [cid] + verb[1:] if verb[0] == "exec" else verb + [cid]
        r = weft(*args)
        assert r.returncode != 0, verb
        assert "does not exist" in r.stderr, (verb, r.stderr)


def test_delete_force_of_a_missing_container_succeeds(weft, cid):
    # as runc: containerd's shim cleans up with delete --force after failures
    assert weft("delete", "--force", cid).returncode == 0
    assert weft("delete", cid).returncode != 0


def test_duplicate_id_leaves_the_first_alone(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("create", "--bundle", b.path, cid, check=True)
    before = weft.state(cid)
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert "already exists" in one_line(r.stderr)
    assert weft.state(cid) == before


def test_invalid_id(weft, make_bundle):
    b = make_bundle()
    for bad in ("../x", "a/b", ".hidden", ""):
        r = weft("create", "--bundle", b.path, bad)
        assert r.returncode != 0
    assert weft.ids() == []


def test_bad_flags(weft):
    r = weft("create", "--no-such-flag", "x")
    assert r.returncode == 2 and "no-such-flag" in r.stderr
    r = weft("nosuchverb")
    assert r.returncode != 0 and "unknown command" in r.stderr
    r = weft("list", glob=("--log-format", "xml"))
    assert r.returncode != 0 and "log-format" in r.stderr


def test_unknown_signal(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    r = weft("kill", cid, "SIGWHATEVER")
    assert r.returncode != 0
    assert one_line(r.stderr) == "weft: unknown signal 'SIGWHATEVER'"
    assert weft.state(cid)["status"] == "running"


def test_json_log_format(weft, make_bundle, cid, tmp_path):
    log = tmp_path / "log.json"
    b = make_bundle(["/bin/nope"])
    r = weft("create", "--bundle", b.path, cid,
             glob=("--log", str(log), "--log-format", "json"))
    assert r.returncode == 127
    import json
    entries = [json.loads(l) for l in log.read_text().splitlines()]
    assert entries[-1]["level"] == "error"
    assert "exec: /bin/nope" in entries[-1]["msg"]
    assert "time" in entries[-1]


def test_help_matches_verbs(weft_bin):
    import subprocess
    out = subprocess.run([weft_bin, "--help"], capture_output=True, text=True).stdout
    for verb in ("create", "start", "run", "state", "kill", "delete", "list", "exec", "ps",
                 "pause", "resume", "update", "spec", "features", "wasm"):
        assert f"  {verb} " in out
        h = subprocess.run([weft_bin, verb, "--help"], capture_output=True, text=True)
        assert h.returncode == 0 and "usage: weft" in h.stdout, verb


LSM_ABSENT = {
    "apparmorProfile": not os.path.exists("/sys/module/apparmor/parameters/enabled")
    or open("/sys/module/apparmor/parameters/enabled").read().strip() != "Y",
    "selinuxLabel": not os.path.exists("/sys/fs/selinux/enforce"),
}


@pytest.mark.parametrize("field,value,lsm", [
    ("apparmorProfile", "docker-default", "AppArmor"),
    ("selinuxLabel", "system_u:system_r:container_t:s0:c1,c2", "SELinux"),
])
@pytest.mark.parametrize("wasm", [False, True], ids=["native", "wasm"])
def test_lsm_label_on_a_host_without_that_lsm(weft, make_bundle, cid, field, value, lsm, wasm):
    """Confinement that was asked for and cannot be had is an error, never
    a silently unconfined workload (runc refuses the SELinux case too)."""
    if not LSM_ABSENT[field]:
        pytest.skip(f"{lsm} is enabled on this host")
    b = make_bundle(["true"])
    b.config["process"][field] = value
    if wasm:
        with open(os.path.join(b.rootfs, "m.wat"), "w") as f:
            f.write('(module (func (export "_start")))')
        b.config["process"]["args"] = ["/m.wat"]
        b.config["annotations"] = {"run.oci.handler": "wasm"}
    b.write()
    r = weft("create", "--bundle", b.path, cid)  # refused at create, handler or not
    assert r.returncode != 0
    assert f"process.{field}: " in one_line(r.stderr)
    assert f"{lsm} is not enabled on this host" in r.stderr
    assert_nothing_left(weft, cid)


def test_mount_label_without_selinux_is_ignored(weft, make_bundle, cid):
    """linux.mountLabel only names files; without SELinux it is ignored, as
    crun does (runtime-tools' linux_mount_label expects the container to run)."""
    if not LSM_ABSENT["selinuxLabel"]:
        pytest.skip("SELinux is enabled on this host")
    b = make_bundle(["sh", "-c", "grep ' /dev tmpfs' /proc/mounts"])
    b.config["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert "context=" not in r.stdout


def test_exec_racing_delete_force_fails_with_one_clear_message(weft, make_bundle, cid):
    # Whatever step of exec the delete hits (state, namespaces, cgroup, the
    # sync socket, the fork into a dying pid namespace), exec fails as if it
    # had started after the delete. Stepping the delay samples those steps.
    b = make_bundle(["sleep", "30"])
    for i in range(30):
        name = f"{cid}-{i}"
        weft("run", "-d", "--bundle", b.path, name, check=True)
        with tempfile.TemporaryFile() as err:
            p = subprocess.Popen(weft.cmd("exec", name, "true"), stderr=err,
                                 stdout=subprocess.DEVNULL)
            time.sleep((i % 10) / 1000)
            weft("delete", "--force", name, check=True)
            p.wait(timeout=60)
            err.seek(0)
            text = err.read().decode()
        if p.returncode == 0 or p.returncode == 128 + 9:  # ran, or killed by the delete
            continue
        line = one_line(text)
        assert line in (f"weft: container '{name}' does not exist",
                        f"weft: cannot exec in container '{name}': it is stopped"), line
    assert weft.ids() == []


@pytest.mark.parametrize("mutate,needle", [
    # the kernel's CFS range; runc would silently ignore 0
    (lambda c: c["linux"].setdefault("resources", {}).update(cpu={"period": 0}),
     "linux.resources.cpu.period: must be 1000 to 1000000"),
    # -1 is "max"; other negative numbers mean nothing
    (lambda c: c["linux"].setdefault("resources", {}).update(pids={"limit": -2}),
     "linux.resources.pids.limit: must be -1 (unlimited) or at least 0, got -2"),
    # HOST_NAME_MAX, and the value is not echoed whole
    (lambda c: c.update(hostname="h" * (50 << 20)), "hostname: 'hhhhh"),
    (lambda c: c.update(domainname="d" * 65), "domainname: 'ddddd"),
])
def test_bad_values_fail_create_with_one_short_line(weft, make_bundle, cid, mutate, needle):
    b = make_bundle()
    mutate(b.config)
    b.write()
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0
    line = one_line(r.stderr)
    assert needle in line and len(line) < 300, line[:300]
    assert_nothing_left(weft, cid)


@pytest.mark.parametrize("limit", [-1, 0, 5])
def test_valid_pids_limits_are_accepted(weft, make_bundle, cid, limit):
    b = make_bundle()
    b.config["linux"]["resources"] = {"pids": {"limit": limit}}
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr


def test_relative_mount_destination_is_taken_from_root_with_a_warning(weft, make_bundle, cid):
    # runtime-spec 1.2: SHOULD be absolute; MAY be relative, then MUST be
    # interpreted as relative to "/" (deprecated).
    b = make_bundle(["sh", "-c", "grep -q ' /rel/dir tmpfs ' /proc/mounts"])
    b.config["mounts"].append({"destination": "rel/dir", "type": "tmpfs", "source": "tmpfs"})
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert "mounts[" in r.stderr and "relative paths are deprecated" in r.stderr
    assert r.stderr.count("deprecated") == 1


def test_console_socket_must_exist_before_anything_is_created(weft, make_bundle, cid, tmp_path):
    b = make_bundle(["true"])
    b.config["process"]["terminal"] = True
    b.write()
    for sock, needle in ((tmp_path / "nope.sock", "No such file"),
                         (tmp_path, "not a unix socket")):
        r = weft("create", "--bundle", b.path, "--console-socket", str(sock), cid)
        assert r.returncode != 0
        line = one_line(r.stderr)
        assert "--console-socket" in line and needle in line, line
        assert_nothing_left(weft, cid)


def test_preserve_fds_must_be_open(weft, make_bundle, cid):
    b = make_bundle(["sleep", "30"])
    # fds 3 and 4 closed in the child: weft is asked to pass what is not there
    r = weft("create", "--bundle", b.path, "--preserve-fds", "2", cid, close_fds=True)
    assert r.returncode != 0
    assert one_line(r.stderr) == \
        "weft: --preserve-fds 2: fd 3 is not open (fds 3 to 4 are passed)"
    assert_nothing_left(weft, cid)
    weft("create", "--bundle", b.path, cid, check=True)
    r = weft("exec", "--preserve-fds", "1", cid, "true", close_fds=True)
    assert r.returncode != 0
    assert one_line(r.stderr) == \
        "weft: --preserve-fds 1: fd 3 is not open (fds 3 to 3 are passed)"


def test_preserve_fds_passes_open_fds(weft, make_bundle, cid, tmp_path):
    data = tmp_path / "data"
    data.write_text("passed\n")
    b = make_bundle(["sh", "-c", "cat <&3"])
    with open(data) as f:
        fd = f.fileno()
        r = weft("run", "--bundle", b.path, "--preserve-fds", "1", cid,
                 pass_fds=(fd, 3), preexec_fn=lambda: os.dup2(fd, 3))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "passed\n"


@pytest.mark.parametrize("args,needle", [
    # an ID that looks like options: the whole argument is named
    (["create", "-abc"], "unknown option or missing value: '-abc'"),
    (["state", "-xyz"], "unknown option or missing value: '-xyz'"),
    (["delete", "-qf"], "unknown option or missing value: '-qf'"),
    # after "--" it is an ID, and refused as one
    (["create", "--", "-abc"], "invalid container ID '-abc': must not start with '-'"),
    # the state directory and the cgroup are named by the ID: NAME_MAX
    (["create", "a" * 256], "longer than 255 bytes"),
    (["state", "a" * 1024], "longer than 255 bytes"),
    (["state", "a" * 100000], "longer than 255 bytes"),
])
def test_ids_are_checked_and_named(weft, args, needle, make_bundle):
    b = make_bundle()
    if args[0] == "create":
        args = ["create", "--bundle", b.path] + args[1:]
    r = weft(*args)
    assert r.returncode != 0
    line = one_line(r.stderr)
    assert needle in line and len(line) < 200, line[:300]
    assert weft.ids() == []


def test_longest_id_works(weft, make_bundle):
    cid = "i" * 255
    b = make_bundle(["true"])
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert weft.ids() == []
