"""The runtime-spec's MUST/SHOULD clauses for lifecycle, operations, state and the
Linux config, each driven through the real binary (runtime.md, runtime-linux.md,
config.md, config-linux.md). Every test names the clause it checks.

The binary comes from $WEFT, so the same file runs against crun for comparison
(tests/conformance/run.sh --pytest crun)."""
import json
import os
import signal
import stat
import subprocess
import time

import pytest

from weft_testlib import needs_cgroup_v1

IS_WEFT = os.path.basename(os.environ.get("WEFT", "weft")).startswith("weft")


@pytest.fixture
def make_bundle(make_bundle):
    """conftest's bundles, at ociVersion 1.0.2 so that older peers (crun 1.8.1 knows
    no 1.2.0) run the same file; each test may still override it."""
    def make(args=("true",), **overrides):
        overrides.setdefault("ociVersion", "1.0.2")
        return make_bundle(args, **overrides)
    return make


def open_failure(reason):
    """A clause weft still fails, in code owned elsewhere (tests/conformance/README.md,
    "Open failures"). Strict: once fixed, the XPASS fails and the marker must go."""
    return pytest.mark.xfail(IS_WEFT, reason=reason, strict=True)


def sh(*script):
    return ("sh", "-c", "\n".join(script))


def wait_status(weft, cid, want, timeout=10.0):
    """Polls `state` until status is `want`; returns the last state (or None)."""
    end = time.time() + timeout
    st = None
    while time.time() < end:
        r = weft("state", cid)
        st = json.loads(r.stdout) if r.returncode == 0 else None
        if st and st["status"] == want:
            return st
        time.sleep(0.05)
    return st


def create_cmd(weft, bundle, cid, *extra, check=False, cwd=None):
    """`create` with the container's stdio on files: the container process keeps
    its stdout/stderr open, so pipes would never reach EOF before it exits."""
    out = os.path.join(bundle.path, f"{cid}.out")
    with open(out, "w+") as f:
        r = subprocess.run(weft.cmd("create", "--bundle", bundle.path, *extra, cid),
                           stdin=subprocess.DEVNULL, stdout=f, stderr=f, timeout=60, cwd=cwd)
        f.seek(0)
        r.stderr = f.read()
    if check and r.returncode != 0:
        raise AssertionError(f"create failed ({r.returncode}): {r.stderr}")
    return r


def create(weft, bundle, cid, *extra):
    return create_cmd(weft, bundle, cid, *extra, check=True)


def run_fg(weft, make_bundle, cid, script, **overrides):
    """`run` in the foreground: the container's stdout/stderr and exit status."""
    b = make_bundle(sh(script), **overrides)
    return weft("run", "--bundle", b.path, cid)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not alive for our purposes.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(") ")[1][0] != "Z"


# --- State (runtime.md "State") -------------------------------------------------------


def test_state_of_unknown_container_is_an_error(weft, cid):
    # "This operation MUST generate an error if it is not provided the ID of a container."
    r = weft("state", cid)
    assert r.returncode != 0


def test_state_after_create_has_required_fields(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"), annotations={"org.example.key": "value"})
    create(weft, b, cid)
    st = weft.state(cid)
    # ociVersion, id, status, pid (created/running on Linux), bundle (absolute) REQUIRED.
    assert st["ociVersion"].startswith("1.")
    assert st["id"] == cid
    assert st["status"] == "created"
    assert isinstance(st["pid"], int) and st["pid"] > 0 and pid_alive(st["pid"])
    assert os.path.isabs(st["bundle"])
    assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path)
    # annotations: "the list of annotations associated with the container".
    assert st.get("annotations") == {"org.example.key": "value"}


def test_state_running_then_stopped(weft, make_bundle, cid, tmp_path):
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    b = make_bundle(sh("read x < /gate"))
    b.config["mounts"].append({"destination": "/gate", "type": "bind", "source": str(gate),
                               "options": ["bind"]})
    b.write()
    create(weft, b, cid)
    weft("start", cid, check=True)
    assert weft.state(cid)["status"] == "running"
    with open(gate, "w") as f:
        f.write("go\n")
    assert wait_status(weft, cid, "stopped")["status"] == "stopped"


def test_state_paused_and_resumed(weft, make_bundle, cid):
    # state.status may be "paused" (runc/crun extension the spec lists as a value).
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    weft("pause", cid, check=True)
    assert weft.state(cid)["status"] == "paused"
    # A paused container is not stopped: delete is refused.
    assert weft("delete", cid).returncode != 0
    weft("resume", cid, check=True)
    assert weft.state(cid)["status"] == "running"


def test_state_stopped_after_external_kill(weft, make_bundle, cid):
    # The state reflects the process even when it died without the runtime.
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    os.kill(weft.state(cid)["pid"], signal.SIGKILL)
    assert wait_status(weft, cid, "stopped")["status"] == "stopped"


# --- Create ---------------------------------------------------------------------------


def test_create_without_id_is_an_error(weft, make_bundle):
    b = make_bundle()
    r = weft("create", "--bundle", b.path)
    assert r.returncode != 0
    assert weft.ids() == []


def test_create_duplicate_id_is_an_error_and_keeps_first(weft, make_bundle, cid):
    # "MUST generate an error if the ID provided is not unique across all containers".
    b1 = make_bundle(("sleep", "30"))
    create(weft, b1, cid)
    pid = weft.state(cid)["pid"]
    b2 = make_bundle(("sleep", "30"))
    r = create_cmd(weft, b2, cid)
    assert r.returncode != 0
    st = weft.state(cid)
    assert st["status"] == "created" and st["pid"] == pid
    assert os.path.realpath(st["bundle"]) == os.path.realpath(b1.path)


def test_create_does_not_run_user_process(weft, make_bundle, cid):
    # "the user-specified program (from process) MUST NOT be run at this time".
    b = make_bundle(sh("touch /ran"))
    create(weft, b, cid)
    time.sleep(0.3)
    assert not os.path.exists(os.path.join(b.rootfs, "ran"))
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    assert os.path.exists(os.path.join(b.rootfs, "ran"))


def test_create_pid_file(weft, make_bundle, cid, tmp_path):
    b = make_bundle(("sleep", "30"))
    pidfile = tmp_path / "pid"
    create(weft, b, cid, "--pid-file", str(pidfile))
    assert int(pidfile.read_text().strip()) == weft.state(cid)["pid"]


def test_create_pid_file_relative_to_cwd(weft, make_bundle, cid, tmp_path):
    b = make_bundle(("sleep", "30"))
    create_cmd(weft, b, cid, "--pid-file", "rel.pid", check=True, cwd=str(tmp_path))
    assert int((tmp_path / "rel.pid").read_text()) == weft.state(cid)["pid"]


def test_create_without_process(weft, make_bundle, cid):
    # config.md: process is OPTIONAL (REQUIRED only when start is called).
    b = make_bundle()
    del b.config["process"]
    b.write()
    r = create_cmd(weft, b, cid)
    assert r.returncode == 0, r.stderr
    assert weft.state(cid)["status"] == "created"
    # start without a process cannot run anything: it must fail, not crash.
    r = weft("start", cid)
    assert r.returncode != 0
    weft("kill", cid, "KILL")
    wait_status(weft, cid, "stopped")
    assert weft("delete", cid).returncode == 0
    assert weft.ids() == []


def test_unknown_annotation_is_accepted(weft, make_bundle, cid):
    # "MUST NOT generate an error if they encounter an unknown annotation key".
    b = make_bundle(annotations={f"org.{cid}": "", "com.example.x/y": "z"})
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr


def test_unknown_property_is_accepted(weft, make_bundle, cid):
    # "MUST NOT generate an error if they encounter an unknown property".
    b = make_bundle(unknown="unknown", org_example={"a": [1, {"b": None}]})
    b.config["process"]["unknownProcessField"] = True
    b.config["linux"]["unknownLinuxField"] = "x"
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("version", ["invalid", "", "2.0.0"])
def test_invalid_oci_version_is_an_error(weft, make_bundle, cid, version):
    # "MUST generate an error when invalid or unsupported values are encountered".
    b = make_bundle(ociVersion=version)
    r = create_cmd(weft, b, cid)
    assert r.returncode != 0
    assert weft("state", cid).returncode != 0
    assert weft.ids() == []


def _bad_ns(c):
    c["linux"]["namespaces"].append({"type": "bogus"})


def _bad_device(c):
    c["linux"]["devices"] = [{"path": "/dev/x", "type": "x", "major": 1, "minor": 3}]


def _bad_seccomp(c):
    c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_BOGUS"}


def _bad_propagation(c):
    c["linux"]["rootfsPropagation"] = "bogus"


def _relative_cwd(c):
    c["process"]["cwd"] = "tmp"


def _relative_hook(c):
    c["hooks"] = {"prestart": [{"path": "bin/true"}]}


def _negative_uid(c):
    c["process"]["user"]["uid"] = -1


def _args_not_strings(c):
    c["process"]["args"] = ["sh", 1]


def _bad_oom_score(c):
    c["process"]["oomScoreAdj"] = 5000


@pytest.mark.parametrize("change", [_bad_ns, _bad_device, _bad_seccomp, _bad_propagation,
                                    _relative_cwd, _relative_hook, _negative_uid,
                                    _args_not_strings, _bad_oom_score],
                         ids=lambda f: f.__name__.strip("_"))
def test_invalid_value_is_an_error(weft, make_bundle, cid, change):
    # config.md: "MUST generate an error when invalid or unsupported values are
    # encountered"; nothing may be left behind.
    b = make_bundle(("true",))
    change(b.config)
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert weft("state", cid).returncode != 0


def test_missing_rootfs_is_an_error_and_leaves_nothing(weft, make_bundle, cid):
    b = make_bundle(root={"path": "no-such-rootfs"})
    assert create_cmd(weft, b, cid).returncode != 0
    assert weft.ids() == []


def test_failed_create_leaves_no_cgroup_or_state(weft, make_bundle, cid):
    # A create that fails half-way (a mount that cannot be made) undoes what it made.
    from weft_testlib import cgroup_dirs
    b = make_bundle(("true",))
    b.config["linux"]["cgroupsPath"] = f"/weft-conf-{cid}"
    b.config["mounts"].append({"destination": "/x", "type": "bind",
                               "source": "/does/not/exist", "options": ["bind"]})
    b.write()
    assert create_cmd(weft, b, cid).returncode != 0
    assert weft("state", cid).returncode != 0
    assert cgroup_dirs(f"weft-conf-{cid}") == []


def test_missing_executable_is_an_error(weft, make_bundle, cid):
    # runtime.md: if the process cannot be run, the runtime MUST generate an error
    # (at create or start: either is allowed). Nothing may stay running.
    b = make_bundle(("/no/such/binary",))
    r = create_cmd(weft, b, cid)
    if r.returncode == 0:
        r = weft("start", cid)
        if r.returncode == 0:
            st = wait_status(weft, cid, "stopped")
            assert st["status"] == "stopped"
            pytest.fail("start of a missing executable succeeded")


def test_config_changes_after_create_have_no_effect(weft, make_bundle, cid, tmp_path):
    # runtime.md: "Any updates to config.json after this step MUST NOT affect the
    # container."
    b = make_bundle(sh("echo $MARK > /mark"))
    b.config["process"]["env"].append("MARK=original")
    b.write()
    create(weft, b, cid)
    b.config["process"]["env"][-1] = "MARK=changed"
    b.config["hooks"] = {"poststart": [hook("/bin/sh", f"touch {tmp_path}/hook-ran")]}
    b.write()
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    weft("delete", cid, check=True)
    with open(os.path.join(b.rootfs, "mark")) as f:
        assert f.read() == "original\n"
    assert not (tmp_path / "hook-ran").exists()


# --- Start ----------------------------------------------------------------------------


def test_start_unknown_is_an_error(weft, cid):
    assert weft("start", cid).returncode != 0


def test_start_twice_is_an_error(weft, make_bundle, cid):
    # "Attempting to start a container that is not created MUST have no effect on the
    # container and MUST generate an error."
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    pid = weft.state(cid)["pid"]
    assert weft("start", cid).returncode != 0
    st = weft.state(cid)
    assert st["status"] == "running" and st["pid"] == pid


def test_start_stopped_is_an_error(weft, make_bundle, cid):
    b = make_bundle(("true",))
    create(weft, b, cid)
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    assert weft("start", cid).returncode != 0
    assert weft.state(cid)["status"] == "stopped"


def test_start_runs_the_process(weft, make_bundle, cid):
    b = make_bundle(sh("echo started > /out"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    with open(os.path.join(b.rootfs, "out")) as f:
        assert f.read() == "started\n"


# --- Kill -----------------------------------------------------------------------------


def test_kill_unknown_is_an_error(weft, cid):
    assert weft("kill", cid, "TERM").returncode != 0


def test_kill_created_container(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    assert weft("kill", cid, "KILL").returncode == 0
    assert wait_status(weft, cid, "stopped")["status"] == "stopped"


def test_kill_default_signal_is_term(weft, make_bundle, cid):
    b = make_bundle(sh("trap 'echo term > /sig; exit 0' TERM", "while :; do sleep 0.1; done"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    time.sleep(0.3)
    assert weft("kill", cid).returncode == 0
    assert wait_status(weft, cid, "stopped")["status"] == "stopped"
    with open(os.path.join(b.rootfs, "sig")) as f:
        assert f.read() == "term\n"


@pytest.mark.parametrize("sig", ["KILL", "SIGKILL", "9"])
def test_kill_signal_spellings(weft, make_bundle, cid, sig):
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    assert weft("kill", cid, sig).returncode == 0
    assert wait_status(weft, cid, "stopped")["status"] == "stopped"


def test_kill_stopped_is_an_error(weft, make_bundle, cid):
    # "Attempting to send a signal to a container that is neither created nor running
    # MUST have no effect on the container and MUST generate an error."
    b = make_bundle(("true",))
    create(weft, b, cid)
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    assert weft("kill", cid, "KILL").returncode != 0
    assert weft.state(cid)["status"] == "stopped"


# --- Delete ---------------------------------------------------------------------------


def test_delete_unknown_is_an_error(weft, cid):
    assert weft("delete", cid).returncode != 0


def test_delete_created_is_an_error_and_no_effect(weft, make_bundle, cid):
    # "Attempting to delete a container that is not stopped MUST have no effect on the
    # container and MUST generate an error."
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    pid = weft.state(cid)["pid"]
    assert weft("delete", cid).returncode != 0
    st = weft.state(cid)
    assert st["status"] == "created" and st["pid"] == pid and pid_alive(pid)
    # ...and it can still be started afterwards.
    weft("start", cid, check=True)
    assert weft.state(cid)["status"] == "running"


def test_delete_running_is_an_error_and_no_effect(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    pid = weft.state(cid)["pid"]
    assert weft("delete", cid).returncode != 0
    st = weft.state(cid)
    assert st["status"] == "running" and st["pid"] == pid and pid_alive(pid)


def test_delete_stopped_removes_container(weft, make_bundle, cid):
    b = make_bundle(("true",))
    create(weft, b, cid)
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    assert weft("delete", cid).returncode == 0
    assert weft("state", cid).returncode != 0
    assert weft.ids() == []
    # The ID can be used again.
    create(weft, b, cid)


def test_delete_removes_cgroup(weft, make_bundle, cid):
    # "Deleting a container MUST delete the resources that were created during the
    # create step."
    from weft_testlib import cgroup_dirs
    b = make_bundle(("true",))
    b.config["linux"]["cgroupsPath"] = f"/weft-conf-{cid}"
    b.write()
    create(weft, b, cid)
    assert cgroup_dirs(f"weft-conf-{cid}"), "create made no cgroup"
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    weft("delete", cid, check=True)
    assert cgroup_dirs(f"weft-conf-{cid}") == []


def test_delete_force_kills_running(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    pid = weft.state(cid)["pid"]
    assert weft("delete", "--force", cid).returncode == 0
    assert weft("state", cid).returncode != 0
    end = time.time() + 5
    while time.time() < end and pid_alive(pid):
        time.sleep(0.05)
    assert not pid_alive(pid)


# --- Hooks (config.md "POSIX-platform Hooks", runtime.md lifecycle) --------------------


def hook(path, *script):
    return {"path": "/bin/sh", "args": ["sh", "-c", "\n".join(script)]}


def test_hooks_order_and_state_on_stdin(weft, make_bundle, cid, tmp_path):
    log = tmp_path / "hooks.log"
    def h(name):
        return hook("/bin/sh", f"cat > {tmp_path}/{name}.json; echo {name} >> {log}")
    b = make_bundle(("true",),
                    hooks={"createRuntime": [h("createRuntime")],
                           "prestart": [h("prestart")],
                           "poststart": [h("poststart")],
                           "poststop": [h("poststop")]})
    create(weft, b, cid)
    # Both run during create (runtime.md lifecycle steps 5-6), before start.
    assert sorted(log.read_text().split()) == ["createRuntime", "prestart"]
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    weft("delete", cid, check=True)
    names = log.read_text().split()
    assert names.index("createRuntime") < names.index("poststart") < names.index("poststop")
    assert names.index("prestart") < names.index("poststart")
    # "the state of the container MUST be passed to hooks over stdin"
    for n in ("prestart", "createRuntime", "poststart", "poststop"):
        st = json.loads((tmp_path / f"{n}.json").read_text())
        assert st["id"] == cid and os.path.realpath(st["bundle"]) == os.path.realpath(b.path)
    for n in ("prestart", "createRuntime"):
        assert json.loads((tmp_path / f"{n}.json").read_text())["status"] in ("creating",
                                                                            "created")
    assert json.loads((tmp_path / "poststop.json").read_text())["status"] == "stopped"


def test_create_hooks_state_has_annotations_and_created_status(weft, make_bundle, cid,
                                                               tmp_path):
    # config.md: "the state of the container MUST be passed to hooks over stdin";
    # the state carries the config's annotations (runtime.md "State"), and the
    # create-time hooks run after lifecycle step 2, which is "created" (runtime.md:
    # "created: the runtime has finished the create operation (after step 2)").
    # runtime-tools' validation/hooks_stdin checks the prestart hook this way.
    def h(name):
        return hook("/bin/sh", f"cat > {tmp_path}/{name}.json")
    b = make_bundle(("true",),
                    annotations={"org.example.key": "hook stdin test"},
                    hooks={"prestart": [h("prestart")],
                           "createRuntime": [h("createRuntime")],
                           "createContainer": [h("createContainer")]})
    create(weft, b, cid)
    try:
        for n in ("prestart", "createRuntime", "createContainer"):
            st = json.loads((tmp_path / f"{n}.json").read_text())
            assert st["annotations"] == {"org.example.key": "hook stdin test"}, n
            assert st["status"] == "created", n
            assert st["pid"] > 0 and st["id"] == cid
        # The state JSON saved afterwards has them too.
        assert json.loads(weft("state", cid, check=True).stdout)["annotations"] == {
            "org.example.key": "hook stdin test"}
    finally:
        weft("delete", "-f", cid)


def test_prestart_failure_is_an_error_and_container_not_run(weft, make_bundle, cid, tmp_path):
    # "If any prestart hook fails, the runtime MUST generate an error, stop the container,
    # and continue the lifecycle at step 12": the process never runs.
    b = make_bundle(sh("touch /ran"), hooks={"prestart": [hook("/bin/sh", "exit 1")]})
    r = create_cmd(weft, b, cid)
    if r.returncode == 0:
        r = weft("start", cid)
    assert r.returncode != 0
    time.sleep(0.2)
    assert not os.path.exists(os.path.join(b.rootfs, "ran"))


def test_poststart_failure_is_only_a_warning(weft, make_bundle, cid, tmp_path):
    # "If any poststart hook fails, the runtime MUST log a warning, but the remaining
    # hooks and lifecycle continue as if the hook had succeeded."
    marker = tmp_path / "second"
    b = make_bundle(("sleep", "30"), hooks={"poststart": [hook("/bin/sh", "exit 1"),
                                                           hook("/bin/sh", f"touch {marker}")]})
    create(weft, b, cid)
    weft("start", cid)
    assert marker.exists()
    assert weft.state(cid)["status"] == "running"


def test_poststop_failure_is_only_a_warning(weft, make_bundle, cid, tmp_path):
    marker = tmp_path / "second"
    b = make_bundle(("true",), hooks={"poststop": [hook("/bin/sh", "exit 1"),
                                                    hook("/bin/sh", f"touch {marker}")]})
    create(weft, b, cid)
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    assert weft("delete", cid).returncode == 0
    assert marker.exists()
    assert weft.ids() == []


# --- Process (config.md "Process") --------------------------------------------------


def test_process_args_env_cwd(weft, make_bundle, cid):
    b = make_bundle(sh('echo "$FOO|$(pwd)|$0"'))
    b.config["process"]["env"].append("FOO=bar baz")
    b.config["process"]["cwd"] = "/tmp"
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "bar baz|/tmp|sh"


def test_process_cwd_is_created_if_missing(weft, make_bundle, cid):
    b = make_bundle(sh("pwd"))
    b.config["process"]["cwd"] = "/new/dir"
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "/new/dir"


def test_process_exit_status_is_propagated(weft, make_bundle, cid):
    assert run_fg(weft, make_bundle, cid, "exit 7").returncode == 7


def test_process_user_and_additional_gids(weft, make_bundle, cid):
    b = make_bundle(sh("id -u; id -g; id -G"))
    b.config["process"]["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [5, 6]}
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    uid, gid, groups = r.stdout.split("\n")[:3]
    assert (uid, gid) == ("1000", "1001")
    assert set(groups.split()) >= {"1001", "5", "6"}


def test_process_umask(weft, make_bundle, cid):
    b = make_bundle(sh("umask"))
    b.config["process"]["user"]["umask"] = 0o077
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0077"


def test_process_rlimits(weft, make_bundle, cid):
    b = make_bundle(sh("ulimit -n; ulimit -Hn; ulimit -c"))
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 768},
                                      {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["512", "768", "0"]


def test_invalid_rlimit_type_is_an_error(weft, make_bundle, cid):
    b = make_bundle()
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_NOPE", "soft": 1, "hard": 1}]
    b.write()
    assert create_cmd(weft, b, cid).returncode != 0
    assert weft.ids() == []


def test_rlimit_soft_above_hard_is_an_error(weft, make_bundle, cid):
    b = make_bundle()
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode != 0


def status_field(out, name):
    for line in out.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{name} not in {out!r}")


def test_capabilities_sets(weft, make_bundle, cid):
    b = make_bundle(("cat", "/proc/self/status"))
    b.config["process"]["capabilities"] = {
        "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
        "effective": ["CAP_KILL", "CAP_CHOWN"],
        "permitted": ["CAP_KILL", "CAP_CHOWN"],
        "inheritable": [],
    }
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    kill, chown, nbs = 1 << 5, 1 << 0, 1 << 10
    assert int(status_field(r.stdout, "CapBnd"), 16) == kill | chown | nbs
    assert int(status_field(r.stdout, "CapEff"), 16) == kill | chown
    assert int(status_field(r.stdout, "CapPrm"), 16) == kill | chown
    assert int(status_field(r.stdout, "CapInh"), 16) == 0


def test_unknown_capability_is_an_error(weft, make_bundle, cid):
    b = make_bundle()
    b.config["process"]["capabilities"]["bounding"].append("CAP_NOT_A_CAP")
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode != 0


def test_no_new_privileges(weft, make_bundle, cid):
    for nnp, want in ((True, "1"), (False, "0")):
        b = make_bundle(("cat", "/proc/self/status"))
        b.config["process"]["noNewPrivileges"] = nnp
        b.write()
        r = weft("run", "--bundle", b.path, f"{cid}-{want}")
        assert r.returncode == 0, r.stderr
        assert status_field(r.stdout, "NoNewPrivs") == want


def test_oom_score_adj(weft, make_bundle, cid):
    b = make_bundle(("cat", "/proc/self/oom_score_adj"))
    b.config["process"]["oomScoreAdj"] = 123
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "123"


# --- Root, mounts (config.md "Root", "Mounts") ------------------------------------------


def test_readonly_root(weft, make_bundle, cid):
    r = run_fg(weft, make_bundle, cid, "touch /x && echo wrote || echo refused",
               root={"path": "rootfs", "readonly": True})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "refused"


def test_root_path_relative_to_bundle_and_process_sees_it_as_slash(weft, make_bundle, cid):
    b = make_bundle(sh("cat /marker"))
    with open(os.path.join(b.rootfs, "marker"), "w") as f:
        f.write("in-rootfs\n")
    r = weft("run", "--bundle", b.path, cid, cwd="/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "in-rootfs\n"


def test_mounts_in_order_with_options(weft, make_bundle, cid, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "file").write_text("bound\n")
    b = make_bundle(sh("cat /mnt/b/file", "grep ' /mnt/t ' /proc/self/mounts",
                       "touch /mnt/b/new 2>/dev/null && echo rw || echo ro"))
    b.config["mounts"] += [
        {"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "size=1m"]},
        {"destination": "/mnt/b", "type": "bind", "source": str(src),
         "options": ["rbind", "ro"]},
    ]
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "bound"
    assert lines[1].split()[2] == "tmpfs" and "nosuid" in lines[1] and "nodev" in lines[1]
    assert lines[2] == "ro"


def test_mount_destination_created(weft, make_bundle, cid):
    r = run_fg(weft, make_bundle, cid, "test -d /a/b/c && echo ok",
               mounts=[{"destination": "/proc", "type": "proc", "source": "proc"},
                       {"destination": "/a/b/c", "type": "tmpfs", "source": "tmpfs"}])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


# --- Linux (config-linux.md, runtime-linux.md) ------------------------------------------


def test_namespaces_are_new(weft, make_bundle, cid):
    me = {n: os.readlink(f"/proc/self/ns/{n}") for n in ("pid", "net", "ipc", "uts", "mnt")}
    b = make_bundle(sh("for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done",
                       "echo $$"))
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    for n, line in zip(("pid", "net", "ipc", "uts", "mnt"), lines):
        assert line != me[n], n
    assert lines[5] == "1"  # sh is pid 1 of a new pid namespace


def test_namespace_not_listed_is_inherited(weft, make_bundle, cid):
    host_net = os.readlink("/proc/self/ns/net")
    b = make_bundle(("readlink", "/proc/self/ns/net"))
    b.config["linux"]["namespaces"] = [{"type": t} for t in ("pid", "ipc", "uts", "mount")]
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == host_net


def test_namespace_path_is_joined(weft, make_bundle, cid, tmp_path):
    holder = subprocess.Popen(["unshare", "--uts", "sh", "-c",
                               "hostname joined-uts; exec sleep 30"])
    try:
        time.sleep(0.3)
        b = make_bundle(("hostname",))
        b.config["linux"]["namespaces"] = [
            {"type": t} for t in ("pid", "network", "ipc", "mount")] + [
            {"type": "uts", "path": f"/proc/{holder.pid}/ns/uts"}]
        del b.config["hostname"]
        b.write()
        r = weft("run", "--bundle", b.path, cid)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "joined-uts"
    finally:
        holder.kill()
        holder.wait()


def test_namespace_path_of_wrong_type_is_an_error(weft, make_bundle, cid):
    # config-linux.md: "If a namespace type is specified but the path refers to a
    # namespace of a different type, the runtime MUST generate an error."
    b = make_bundle()
    b.config["linux"]["namespaces"] = [
        {"type": t} for t in ("pid", "ipc", "uts", "mount")] + [
        {"type": "network", "path": "/proc/self/ns/uts"}]
    b.write()
    assert weft("run", "--bundle", b.path, cid).returncode != 0


def test_namespace_path_not_a_namespace_is_an_error(weft, make_bundle, cid, tmp_path):
    notns = tmp_path / "notns"
    notns.write_text("")
    b = make_bundle()
    b.config["linux"]["namespaces"] = [
        {"type": t} for t in ("pid", "ipc", "uts", "mount")] + [
        {"type": "network", "path": str(notns)}]
    b.write()
    assert weft("run", "--bundle", b.path, cid).returncode != 0


def test_delete_leaves_joined_namespace(weft, make_bundle, cid):
    # runtime.md delete: only "the resources that were created during the create step"
    # are removed; a namespace joined by path outlives the container.
    holder = subprocess.Popen(["unshare", "--net", "sleep", "30"])
    try:
        time.sleep(0.3)
        path = f"/proc/{holder.pid}/ns/net"
        want = os.readlink(path)
        b = make_bundle(("readlink", "/proc/self/ns/net"))
        b.config["linux"]["namespaces"] = [
            {"type": t} for t in ("pid", "ipc", "uts", "mount")] + [
            {"type": "network", "path": path}]
        b.write()
        r = weft("run", "--bundle", b.path, cid)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == want
        assert holder.poll() is None and os.readlink(path) == want
    finally:
        holder.kill()
        holder.wait()


def test_duplicate_namespace_is_an_error(weft, make_bundle, cid):
    b = make_bundle()
    b.config["linux"]["namespaces"].append({"type": "pid"})
    b.write()
    assert create_cmd(weft, b, cid).returncode != 0
    assert weft.ids() == []


def test_hostname_and_domainname(weft, make_bundle, cid):
    b = make_bundle(sh("hostname; cat /proc/sys/kernel/domainname"),
                    hostname="conf-host", domainname="conf.example")
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["conf-host", "conf.example"]


def test_hostname_without_uts_namespace_is_an_error(weft, make_bundle, cid):
    # config.md: "If hostname is set and there is no new UTS namespace, MUST generate
    # an error" (runtimes refuse rather than rename the host).
    b = make_bundle(hostname="conf-host")
    b.config["linux"]["namespaces"] = [{"type": t} for t in ("pid", "ipc", "mount")]
    b.write()
    assert weft("run", "--bundle", b.path, cid).returncode != 0


def test_user_namespace_mappings(weft, make_bundle, cid):
    b = make_bundle(sh("cat /proc/self/uid_map /proc/self/gid_map"))
    # As with runc, the mapped root must be able to reach the rootfs: pytest's
    # tmp directories are 0700.
    p = b.path
    while p not in ("/", "/tmp"):
        os.chmod(p, os.stat(p).st_mode | 0o711)
        p = os.path.dirname(p)
    b.config["linux"]["namespaces"].append({"type": "user"})
    b.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    # sysfs cannot be mounted from a user namespace without its own net namespace
    # owning it; drop it (this test is about the maps).
    b.config["mounts"] = [m for m in b.config["mounts"] if m["type"] not in ("sysfs", "mqueue")]
    b.write()
    subprocess.run(["chown", "-R", "100000:100000", b.rootfs], check=True)
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    maps = [l.split() for l in r.stdout.splitlines()]
    assert maps == [["0", "100000", "65536"], ["0", "100000", "65536"]]


def test_default_devices(weft, make_bundle, cid):
    # runtime-linux.md / config-linux.md "Default Devices".
    b = make_bundle(sh("for d in null zero full random urandom tty; do "
                       "stat -c '%n %F %t %T' /dev/$d; done",
                       "for l in fd stdin stdout stderr; do readlink /dev/$l; done",
                       "test -e /dev/ptmx && echo ptmx"))
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    want = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8),
            "urandom": (1, 9), "tty": (5, 0)}
    for line, (name, (maj, mnr)) in zip(lines, want.items()):
        parts = line.split()
        assert parts[0] == f"/dev/{name}"
        assert "character" in line
        assert (int(parts[-2], 16), int(parts[-1], 16)) == (maj, mnr), line
    assert lines[6:10] == ["/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1",
                           "/proc/self/fd/2"]
    assert lines[10] == "ptmx"


def test_linux_devices_created(weft, make_bundle, cid):
    b = make_bundle(sh("stat -c '%F %t %T %a %u %g' /dev/mynull"))
    b.config["linux"]["devices"] = [{"path": "/dev/mynull", "type": "c", "major": 1,
                                     "minor": 3, "fileMode": 0o640, "uid": 7, "gid": 8}]
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    parts = r.stdout.split()
    assert "character" in r.stdout
    assert parts[-5:] == ["1", "3", "640", "7", "8"]


def test_sysctl(weft, make_bundle, cid):
    b = make_bundle(("cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/msgmax"))
    b.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "12345"}
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "12345"]


def test_masked_paths(weft, make_bundle, cid):
    b = make_bundle(sh("cat /proc/kcore 2>/dev/null | wc -c", "ls /sys/firmware | wc -l",
                       "cat /masked/file 2>/dev/null | wc -c", "ls /masked | wc -l"))
    os.makedirs(os.path.join(b.rootfs, "masked"))
    with open(os.path.join(b.rootfs, "masked", "file"), "w") as f:
        f.write("secret")
    b.config["linux"]["maskedPaths"].append("/masked")
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert [int(x) for x in r.stdout.split()] == [0, 0, 0, 0]


def test_default_mount_options_applied(weft, make_bundle, cid):
    # config.md mounts[].options: each flag of the bundle's mounts is in effect.
    r = run_fg(weft, make_bundle, cid, "cat /proc/self/mounts")
    assert r.returncode == 0, r.stderr
    mounts = {l.split()[1]: l.split() for l in r.stdout.splitlines()}
    opts = {k: set(v[3].split(",")) for k, v in mounts.items()}
    assert mounts["/dev"][2] == "tmpfs" and {"nosuid"} <= opts["/dev"]
    assert mounts["/dev/pts"][2] == "devpts"
    assert {"nosuid", "noexec", "ptmxmode=666", "mode=620"} <= opts["/dev/pts"]
    assert mounts["/dev/shm"][2] == "tmpfs" and {"nosuid", "noexec", "nodev"} <= opts["/dev/shm"]
    assert mounts["/dev/mqueue"][2] == "mqueue" and {"nosuid", "noexec", "nodev"} <= opts["/dev/mqueue"]
    assert mounts["/sys"][2] == "sysfs" and {"ro", "nosuid", "noexec", "nodev"} <= opts["/sys"]


def test_masked_file_is_dev_null(weft, make_bundle, cid):
    # runc/crun (and runtimetest) expect a masked file to read as /dev/null.
    b = make_bundle(sh("stat -c '%t %T' /proc/timer_list 2>/dev/null || echo absent",
                       "cat /proc/timer_list 2>/dev/null | wc -c"))
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    first, count = r.stdout.split("\n")[:2]
    if first != "absent":
        assert first.split() == ["1", "3"]
    assert count.strip() == "0"


def test_masked_path_missing_is_ignored(weft, make_bundle, cid):
    b = make_bundle()
    b.config["linux"]["maskedPaths"].append("/does/not/exist")
    b.write()
    assert weft("run", "--bundle", b.path, cid).returncode == 0


def test_readonly_paths(weft, make_bundle, cid):
    b = make_bundle(sh("echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo rw || echo ro",
                       "touch /rodir/x 2>/dev/null && echo rw || echo ro", "cat /rodir/f"))
    os.makedirs(os.path.join(b.rootfs, "rodir"))
    with open(os.path.join(b.rootfs, "rodir", "f"), "w") as f:
        f.write("readable\n")
    b.config["linux"]["readonlyPaths"].append("/rodir")
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["ro", "ro", "readable"]


def test_rootfs_propagation_private(weft, make_bundle, cid):
    b = make_bundle(sh("awk '$5 == \"/\"' /proc/self/mountinfo"))
    b.config["linux"]["rootfsPropagation"] = "private"
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert "shared:" not in r.stdout and "master:" not in r.stdout


def test_rootfs_propagation_shared(weft, make_bundle, cid):
    b = make_bundle(sh("awk '$5 == \"/\"' /proc/self/mountinfo"))
    b.config["linux"]["rootfsPropagation"] = "shared"
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert "shared:" in r.stdout


@pytest.mark.parametrize("prop", ["unbindable", "runbindable"])
def test_rootfs_propagation_unbindable(weft, make_bundle, cid, prop):
    # An unbindable "/" must not stop the runtime from binding the rootfs
    # (runtime-tools validation/linux_rootfs_propagation).
    b = make_bundle(sh("awk '$5 == \"/\"' /proc/self/mountinfo"))
    b.config["linux"]["rootfsPropagation"] = prop
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert "unbindable" in r.stdout


def test_seccomp_errno(weft, make_bundle, cid):
    b = make_bundle(sh("mkdir /blocked 2>&1; echo rc=$?; echo after"))
    b.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 1}],
    }
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert "rc=1" in r.stdout and "after" in r.stdout
    assert not os.path.exists(os.path.join(b.rootfs, "blocked"))


def cgroup_file(pid, controller, name):
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller in ctrls.split(","):
                return os.path.join("/sys/fs/cgroup", controller, path.lstrip("/"), name)
    raise AssertionError(f"no {controller} cgroup for {pid}")


@needs_cgroup_v1
def test_cgroup_resources_applied(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["cgroupsPath"] = f"/weft-conf-{cid}"
    b.config["linux"]["resources"] = {"memory": {"limit": 64 * 1024 * 1024},
                                      "pids": {"limit": 33},
                                      "cpu": {"shares": 512}}
    b.write()
    create(weft, b, cid)
    pid = weft.state(cid)["pid"]
    with open(cgroup_file(pid, "memory", "memory.limit_in_bytes")) as f:
        assert int(f.read()) == 64 * 1024 * 1024
    with open(cgroup_file(pid, "pids", "pids.max")) as f:
        assert f.read().strip() == "33"
    with open(cgroup_file(pid, "cpu", "cpu.shares")) as f:
        assert int(f.read()) == 512
    assert f"weft-conf-{cid}" in cgroup_file(pid, "memory", "")


def cgroup_read(pid, controller, name):
    with open(cgroup_file(pid, controller, name)) as f:
        return f.read().strip()


def v1_mounted(controller):
    with open("/proc/self/mountinfo") as f:
        return any(l.split(" - ")[1].startswith("cgroup ") and
                   controller in l.split(" - ")[1].split()[2].split(",") for l in f)


def create_with_resources(weft, make_bundle, cid, resources):
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["cgroupsPath"] = f"/weft-conf-{cid}"
    b.config["linux"]["resources"] = resources
    b.write()
    r = create_cmd(weft, b, cid)
    assert r.returncode == 0, r.stderr
    return weft.state(cid)["pid"]


@needs_cgroup_v1
def test_cgroup_cpu(weft, make_bundle, cid):
    # config-linux.md "CPU": shares, quota, period, cpus, mems.
    pid = create_with_resources(weft, make_bundle, cid, {"cpu": {
        "shares": 1024, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"}})
    assert cgroup_read(pid, "cpu", "cpu.shares") == "1024"
    assert cgroup_read(pid, "cpu", "cpu.cfs_quota_us") == "50000"
    assert cgroup_read(pid, "cpu", "cpu.cfs_period_us") == "100000"
    assert cgroup_read(pid, "cpuset", "cpuset.cpus") == "0"
    assert cgroup_read(pid, "cpuset", "cpuset.mems") == "0"


@needs_cgroup_v1
def test_cgroup_memory(weft, make_bundle, cid):
    # config-linux.md "Memory": limit, reservation, swap, swappiness, disableOOMKiller.
    memsw = os.path.exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")
    mem = {"limit": 128 << 20, "reservation": 64 << 20, "swappiness": 10,
           "disableOOMKiller": True}
    if memsw:
        mem["swap"] = 256 << 20
    pid = create_with_resources(weft, make_bundle, cid, {"memory": mem})
    assert int(cgroup_read(pid, "memory", "memory.limit_in_bytes")) == 128 << 20
    assert int(cgroup_read(pid, "memory", "memory.soft_limit_in_bytes")) == 64 << 20
    if memsw:
        assert int(cgroup_read(pid, "memory", "memory.memsw.limit_in_bytes")) == 256 << 20
    assert cgroup_read(pid, "memory", "memory.swappiness") == "10"
    assert "oom_kill_disable 1" in cgroup_read(pid, "memory", "memory.oom_control")


@pytest.mark.skipif(not os.path.exists("/sys/fs/cgroup/blkio/blkio.weight"),
                    reason="no blkio.weight here (no CFQ/BFQ scheduler)")
def test_cgroup_blkio_weight(weft, make_bundle, cid):
    pid = create_with_resources(weft, make_bundle, cid, {"blockIO": {"weight": 300}})
    assert cgroup_read(pid, "blkio", "blkio.weight") == "300"


@pytest.mark.skipif(not v1_mounted("net_cls"), reason="no net_cls hierarchy here")
def test_cgroup_network(weft, make_bundle, cid):
    pid = create_with_resources(weft, make_bundle, cid, {"network": {"classID": 0x100001}})
    assert int(cgroup_read(pid, "net_cls", "net_cls.classid")) == 0x100001


@needs_cgroup_v1
def test_cgroups_path_relative(weft, make_bundle, cid):
    # A relative cgroupsPath is relative to the runtime's cgroup hierarchy.
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["cgroupsPath"] = f"weft-conf-rel-{cid}/c"
    b.config["linux"]["resources"] = {"pids": {"limit": 55}}
    b.write()
    r = create_cmd(weft, b, cid)
    assert r.returncode == 0, r.stderr
    pid = weft.state(cid)["pid"]
    assert cgroup_read(pid, "pids", "pids.max") == "55"
    assert f"weft-conf-rel-{cid}/c" in cgroup_file(pid, "pids", "")


def test_hugetlb_unsupported_page_size_is_an_error(weft, make_bundle, cid):
    # A pageSize the kernel does not offer is an unsupported value: MUST be an error.
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"hugepageLimits": [{"pageSize": "3MB", "limit": 0}]}
    b.write()
    assert create_cmd(weft, b, cid).returncode != 0
    assert weft("state", cid).returncode != 0


def test_devices_cgroup_denies_unlisted(weft, make_bundle, cid):
    # The default devices stay usable; a device node not allowed by the cgroup is not.
    b = make_bundle(sh("mknod /dev/sda1x b 8 1", "head -c1 /dev/sda1x >/dev/null 2>&1 "
                       "&& echo open || echo denied", "echo x > /dev/null && echo null-ok"))
    b.config["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert "denied" in r.stdout and "null-ok" in r.stdout


def test_proc_and_sys_mounts(weft, make_bundle, cid):
    r = run_fg(weft, make_bundle, cid,
               "grep -E ' /(proc|sys) ' /proc/self/mounts | cut -d' ' -f2,3,4")
    assert r.returncode == 0, r.stderr
    lines = dict(l.split(" ", 1) for l in r.stdout.splitlines())
    assert lines["/proc"].startswith("proc ")
    assert lines["/sys"].startswith("sysfs ro")


def test_exec_joins_container(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    r = weft("exec", cid, "sh", "-c", "hostname; readlink /proc/1/exe")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == "weft-test"


def test_exec_in_stopped_container_is_an_error(weft, make_bundle, cid):
    b = make_bundle(("true",))
    create(weft, b, cid)
    weft("start", cid, check=True)
    wait_status(weft, cid, "stopped")
    assert weft("exec", cid, "true").returncode != 0


def test_exec_process_file(weft, make_bundle, cid, tmp_path):
    # An exec'd process described by a runtime-spec process object.
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    proc = {"args": ["sh", "-c", 'echo "$(id -u):$(id -g) $(pwd) $XY"'], "cwd": "/tmp",
            "env": ["PATH=/bin:/usr/bin", "XY=exec-env"], "user": {"uid": 65534, "gid": 65534}}
    pf = tmp_path / "process.json"
    pf.write_text(json.dumps(proc))
    r = weft("exec", "--process", str(pf), cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "65534:65534 /tmp exec-env"


def test_seccomp_kill_action(weft, make_bundle, cid):
    b = make_bundle(sh("mkdir /x"))
    b.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}],
    }
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 128 + signal.SIGSYS
    assert not os.path.exists(os.path.join(b.rootfs, "x"))


def test_seccomp_argument_filter(weft, make_bundle, cid):
    # Only kill(_, 0) is refused (arg 1 == 0); kill(_, SIGCONT) passes.
    b = make_bundle(sh("kill -CONT $$ && echo cont-ok", "kill -0 $$ 2>/dev/null || echo zero-refused"))
    b.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                      "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]}],
    }
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["cont-ok", "zero-refused"]


def test_kill_all_signals_every_process(weft, make_bundle, cid):
    b = make_bundle(sh("sleep 30 & sleep 30 & wait"))
    create(weft, b, cid)
    weft("start", cid, check=True)
    time.sleep(0.5)
    r = weft("kill", "--all", cid, "KILL")
    assert r.returncode == 0, r.stderr
    assert wait_status(weft, cid, "stopped")["status"] == "stopped"


def test_root_path_absolute_outside_bundle(weft, make_bundle, cid, tmp_path):
    b = make_bundle(("cat", "/where"))
    elsewhere = tmp_path / "elsewhere"
    os.rename(b.rootfs, elsewhere)
    (elsewhere / "where").write_text("elsewhere\n")
    b.config["root"] = {"path": str(elsewhere)}
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "elsewhere\n"


@pytest.mark.skipif(not IS_WEFT, reason="--root layout and list output are weft's")
def test_list_shows_containers(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    create(weft, b, cid)
    r = weft("list")
    assert r.returncode == 0 and cid in r.stdout


def test_run_detach_then_stopped(weft, make_bundle, cid):
    b = make_bundle(("true",))
    with open(os.path.join(b.path, "out"), "w") as f:
        r = subprocess.run(weft.cmd("run", "--detach", "--bundle", b.path, cid),
                           stdin=subprocess.DEVNULL, stdout=f, stderr=f, timeout=60)
    assert r.returncode == 0, r.stderr
    assert wait_status(weft, cid, "stopped")["status"] == "stopped"


def test_stdio_is_passed(weft, make_bundle, cid):
    b = make_bundle(sh("read line; echo got:$line; echo err >&2"))
    r = weft("run", "--bundle", b.path, cid, input="hello\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "got:hello\n"
    assert "err" in r.stderr


def test_terminal_via_console_socket(weft, make_bundle, cid, tmp_path):
    # config.md process.terminal: the process gets a pseudoterminal; with
    # --console-socket the runtime sends its master over the unix socket.
    import socket
    sock_path = str(tmp_path / "console.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(1)
    b = make_bundle(sh("tty; test -t 0 && echo stdin-is-tty"))
    b.config["process"]["terminal"] = True
    b.write()
    srv.settimeout(20)
    try:
        r = create_cmd(weft, b, cid, "--console-socket", sock_path)
        assert r.returncode == 0, r.stderr
        conn, _ = srv.accept()
        _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
        assert len(fds) == 1
        master = fds[0]
        weft("start", cid, check=True)
        out = b""
        end = time.time() + 10
        while time.time() < end and b"stdin-is-tty" not in out:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        conn.close()
        assert b"/dev/pts/" in out or b"/dev/console" in out
        assert b"stdin-is-tty" in out
    finally:
        srv.close()


def test_foreground_run_reports_death_by_signal(weft, make_bundle, cid):
    # A container process killed by signal N: `run` exits 128+N (runc and crun do).
    b = make_bundle(("sleep", "30"))
    proc = subprocess.Popen(weft.cmd("run", "--bundle", b.path, cid),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        assert wait_status(weft, cid, "running")["status"] == "running"
        weft("kill", cid, "KILL", check=True)
        assert proc.wait(timeout=20) == 128 + signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()


def test_dev_is_not_host_dev(weft, make_bundle, cid):
    r = run_fg(weft, make_bundle, cid, "ls /dev | wc -l")
    assert r.returncode == 0
    assert int(r.stdout) < len(os.listdir("/dev"))
    st = os.stat("/dev/null")
    assert stat.S_ISCHR(st.st_mode)


def test_no_namespaces_inherits_every_namespace(weft, make_bundle, cid):
    """config-linux.md: a namespace type not listed is inherited from the
    runtime. With none listed, not even mount, the rootfs mounts are made in
    the host's mount namespace under the rootfs (chroot, not pivot_root, so
    the host's root stays as it was), `exec` lands in the container's root,
    and `delete` removes every mount the container made there."""
    b = make_bundle(sh("touch /inside; sleep 30"))
    b.config["linux"]["namespaces"] = []
    del b.config["hostname"]
    b.config["mounts"] = [m for m in b.config["mounts"] if m["type"] != "sysfs"]
    b.write()
    mounts_before = open("/proc/self/mountinfo").read()
    create(weft, b, cid)
    weft("start", cid, check=True)
    st = weft.state(cid)
    for ns in ("mnt", "pid", "net", "ipc", "uts", "cgroup"):
        assert os.readlink(f"/proc/{st['pid']}/ns/{ns}") == os.readlink(f"/proc/self/ns/{ns}"), ns
    assert os.readlink(f"/proc/{st['pid']}/root") == os.path.realpath(b.rootfs)
    assert [l for l in open("/proc/self/mountinfo") if os.path.realpath(b.rootfs) in l]
    # (start returns once sh runs, not once it has touched /inside)
    r = weft("exec", cid, "sh", "-c", "for i in $(seq 100); do [ -e /inside ] && break; "
             "sleep 0.05; done; ls /inside && cat /proc/self/mountinfo | wc -l")
    assert r.returncode == 0, r.stderr
    weft("delete", "--force", cid, check=True)
    assert [l for l in open("/proc/self/mountinfo") if os.path.realpath(b.rootfs) in l] == []
    assert open("/proc/self/mountinfo").read().count("\n") == mounts_before.count("\n")
    assert os.path.exists(os.path.join(b.rootfs, "inside"))
