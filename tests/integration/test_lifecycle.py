"""The lifecycle: create leaves the process waiting, start releases it,
state reports each status, kill and delete behave as the runtime-spec says."""
import json
import os
import subprocess
import time

import pytest

from weft_testlib import cgroup_dirs, needs_cgroup_v1


def wait_status(weft, cid, want, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if weft.state(cid)["status"] == want:
            return True
        time.sleep(0.05)
    return weft.state(cid)["status"] == want


def test_run_foreground_output_and_status(weft, make_bundle, cid):
    b = make_bundle(["sh", "-c", "echo hello; echo oops >&2; exit 7"])
    r = weft("run", "--bundle", b.path, cid)
    assert r.stdout == "hello\n"
    assert "oops" in r.stderr
    assert r.returncode == 7
    assert weft.ids() == [], "run without --keep deletes the container"


def test_run_killed_by_signal_reports_128_plus_n(weft, make_bundle, cid):
    # pid 1 ignores signals sent from inside its namespace: kill from outside
    b = make_bundle(["sleep", "100"])
    p = subprocess.Popen(weft.cmd("run", "--bundle", b.path, cid))
    deadline = time.time() + 10
    while time.time() < deadline and weft("state", cid).returncode != 0:
        time.sleep(0.05)
    assert wait_status(weft, cid, "running")
    weft("kill", cid, "KILL", check=True)
    assert p.wait(timeout=30) == 128 + 9
    assert weft.ids() == []


def test_create_start_state_kill_delete(weft, make_bundle, cid, tmp_path):
    pidfile = tmp_path / "pid"
    b = make_bundle(["sleep", "100"])
    weft("create", "--bundle", b.path, "--pid-file", str(pidfile), cid, check=True)
    st = weft.state(cid)
    assert st["status"] == "created"
    assert st["id"] == cid
    assert st["ociVersion"].startswith("1.")
    assert st["bundle"] == os.path.realpath(b.path)
    assert st["pid"] > 0
    assert int(pidfile.read_text()) == st["pid"]
    # the process exists but has not run the user's program yet
    with open(f"/proc/{st['pid']}/cmdline", "rb") as f:
        assert b"sleep" not in f.read()

    weft("start", cid, check=True)
    assert wait_status(weft, cid, "running")
    with open(f"/proc/{st['pid']}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[0] == b"sleep"

    weft("kill", cid, "KILL", check=True)
    assert wait_status(weft, cid, "stopped")
    assert weft.state(cid)["pid"] == 0
    weft("delete", cid, check=True)
    assert weft.ids() == []
    r = weft("state", cid)
    assert r.returncode != 0 and "does not exist" in r.stderr


def test_start_twice_fails(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    r = weft("start", cid)
    assert r.returncode != 0
    assert "not created" in r.stderr


def test_delete_running_fails_and_changes_nothing(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    before = weft.state(cid)
    r = weft("delete", cid)
    assert r.returncode != 0
    assert "not stopped" in r.stderr
    after = weft.state(cid)
    assert after == before
    os.kill(before["pid"], 0)  # still alive


def test_delete_created_fails_without_force(weft, make_bundle, cid):
    b = make_bundle(["true"])
    weft("create", "--bundle", b.path, cid, check=True)
    r = weft("delete", cid)
    assert r.returncode != 0
    assert weft.state(cid)["status"] == "created"
    weft("delete", "--force", cid, check=True)
    assert weft.ids() == []


def test_delete_force_kills_and_cleans_cgroup(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    pid = weft.state(cid)["pid"]
    assert cgroup_dirs(cid), "the container has a cgroup"
    weft("delete", "--force", cid, check=True)
    assert not os.path.exists(f"/proc/{pid}/cmdline") or \
        open(f"/proc/{pid}/stat").read().split()[2] == "Z"
    assert cgroup_dirs(cid) == []
    assert weft.ids() == []


def test_kill_signal_names_and_numbers(weft, make_bundle, cid):
    b = make_bundle(["sh", "-c", "trap 'echo got-usr1 > /tmp/sig' USR1; "
                                 "while true; do sleep 0.05; done"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    time.sleep(0.3)
    weft("kill", cid, "SIGUSR1", check=True)
    deadline = time.time() + 5
    path = os.path.join(b.rootfs, "tmp", "sig")
    while time.time() < deadline and not os.path.exists(path):
        time.sleep(0.05)
    assert open(path).read() == "got-usr1\n"
    for bad in ("SIGNOPE", "99999", "-1"):
        r = weft("kill", cid, bad)
        assert r.returncode != 0
        assert "signal" in r.stderr
    weft("kill", cid, "9", check=True)
    assert wait_status(weft, cid, "stopped")


def test_kill_all(weft, make_bundle, cid):
    b = make_bundle(["sh", "-c", "sleep 100 & sleep 100 & wait"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    weft("kill", "--all", cid, "KILL", check=True)
    assert wait_status(weft, cid, "stopped")


def test_list_formats(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("create", "--bundle", b.path, cid, check=True)
    r = weft("list", check=True)
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "PID", "STATUS"]
    assert lines[1].split()[0] == cid and lines[1].split()[2] == "created"
    assert weft("list", "-q", check=True).stdout == cid + "\n"
    js = json.loads(weft("list", "--format", "json", check=True).stdout)
    assert js[0]["id"] == cid and js[0]["status"] == "created"
    assert weft("list", "--format", "yaml").returncode != 0


def test_pause_resume(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    weft("pause", cid, check=True)
    assert weft.state(cid)["status"] == "paused"
    assert weft("pause", cid).returncode != 0
    weft("resume", cid, check=True)
    assert weft.state(cid)["status"] == "running"
    assert weft("resume", cid).returncode != 0


def test_ps(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    pid = weft.state(cid)["pid"]
    assert json.loads(weft("ps", "--format", "json", cid, check=True).stdout) == [pid]
    table = weft("ps", cid, check=True).stdout.splitlines()
    assert "PID" in table[0]
    assert any(str(pid) in l and "sleep" in l for l in table[1:])


def test_concurrent_containers(weft, make_bundle):
    b = make_bundle(["true"])
    procs = [subprocess.Popen(weft.cmd("run", "--bundle", b.path, f"c{i}"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(8)]
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    assert weft.ids() == []


def test_config_without_process_can_be_created(weft, make_bundle, cid):
    b = make_bundle()
    del b.config["process"]
    b.write()
    weft("create", "--bundle", b.path, cid, check=True)
    assert weft.state(cid)["status"] == "created"
    r = weft("start", cid)
    assert r.returncode != 0 and "no process" in r.stderr
    assert weft.state(cid)["status"] == "created"
    weft("delete", "--force", cid, check=True)
    assert weft.ids() == []


def _cgroup_file(pid, ctrl, name):
    for line in open(f"/proc/{pid}/cgroup"):
        _, ctrls, path = line.strip().split(":", 2)
        if ctrl in ctrls.split(","):
            return open(f"/sys/fs/cgroup/{ctrl}{path}/{name}").read().strip()
    raise AssertionError(f"no {ctrl} cgroup for {pid}")


@needs_cgroup_v1
def test_update_flags_and_resources_file(weft, make_bundle, cid, tmp_path):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    pid = weft.state(cid)["pid"]
    weft("update", "--memory", "256m", "--pids-limit", "50", cid, check=True)
    assert _cgroup_file(pid, "memory", "memory.limit_in_bytes") == str(256 << 20)
    assert _cgroup_file(pid, "pids", "pids.max") == "50"
    res = tmp_path / "res.json"
    res.write_text('{"cpu": {"shares": 256}, "pids": {"limit": 70}}')
    weft("update", "--resources", str(res), cid, check=True)
    assert _cgroup_file(pid, "cpu", "cpu.shares") == "256"
    assert _cgroup_file(pid, "pids", "pids.max") == "70"
    weft("update", "-r", "-", cid, input='{"pids": {"limit": 80}}', check=True)
    assert _cgroup_file(pid, "pids", "pids.max") == "80"
    bad = weft("update", "--memory", "lots", cid)
    assert bad.returncode != 0 and "--memory" in bad.stderr
    res.write_text('{"pids": {"limit": "x"}}')
    bad = weft("update", "--resources", str(res), cid)
    assert bad.returncode != 0 and "pids.limit" in bad.stderr
    # a path that is a pipe reads like stdin; a file has config.json's limit
    weft("update", "-r", "/dev/stdin", cid, input='{"pids": {"limit": 90}}', check=True)
    assert _cgroup_file(pid, "pids", "pids.max") == "90"
    with open(res, "r+b") as f:
        f.truncate(65 << 20)
    bad = weft("update", "--resources", str(res), cid)
    assert bad.returncode != 0 and "--resources" in bad.stderr and "too large" in bad.stderr


def test_default_cgroup_parent_goes_with_the_last_container(weft, make_bundle, cid):
    """Without cgroupsPath, containers live in <weft's cgroup>/weft/<id>: the
    shared weft/ level stays while one container uses it and goes with the
    last, whichever container made it."""
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid + "a", check=True)
    weft("run", "-d", "--bundle", b.path, cid + "b", check=True)
    parents = {os.path.dirname(d) for d in cgroup_dirs(cid + "a")}
    assert parents and all(os.path.basename(p) == "weft" for p in parents)
    weft("delete", "--force", cid + "a", check=True)
    assert all(os.path.isdir(p) for p in parents), "still used by the second container"
    weft("delete", "--force", cid + "b", check=True)
    assert not any(os.path.isdir(p) for p in parents)


def _proc_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_create_killed_midway_leaves_a_deletable_stopped_container(weft, make_bundle, cid,
                                                                  tmp_path):
    """`create` dies (OOM, SIGKILL) after the cgroup and the init exist: the
    container reads as stopped, and a plain `delete` removes the init, the
    cgroup and the state. The createRuntime hook stops the init, so it is
    still alive when weft is gone, then kills its parent, weft itself."""
    b = make_bundle(["true"])
    pidfile = tmp_path / "init.pid"
    script = ('pid=$(sed -n \'s/.*"pid":\\([0-9]*\\).*/\\1/p\'); '
              f'echo "$pid" > {pidfile}; kill -STOP "$pid"; kill -9 "$PPID"')
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", script]}]}
    b.write()
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode == -9, r.stderr
    assert weft.state(cid)["status"] == "stopped"
    pid = int(pidfile.read_text())
    assert pid > 0 and _proc_alive(pid)
    assert cgroup_dirs(cid) != []
    listed = weft("list", "--format", "json", check=True).stdout
    assert [c["status"] for c in json.loads(listed) if c["id"] == cid] == ["stopped"]
    assert weft("start", cid).returncode != 0
    r = weft("delete", cid)
    assert r.returncode == 0, r.stderr
    assert not _proc_alive(pid)
    assert cgroup_dirs(cid) == []
    assert weft.ids() == []


def test_state_dir_without_state_and_creator_is_deletable(weft, make_bundle, cid):
    """The creator died right after mkdir: nothing but the directory exists."""
    os.makedirs(os.path.join(weft.root, cid))
    assert weft.state(cid)["status"] == "stopped"
    weft("delete", cid, check=True)
    assert weft.ids() == []


def _corrupt(path, how):
    text = open(path).read()
    data = {"empty": "", "garbage": "\x00\x01not json at all", "truncated": text[: len(text) // 2],
            "not-an-object": "[1, 2, 3]"}[how]
    with open(path, "w") as f:
        f.write(data)


@pytest.mark.parametrize("how", ["empty", "garbage", "truncated", "not-an-object"])
@pytest.mark.parametrize("started", [False, True])
def test_corrupt_state_is_broken_and_delete_force_removes_everything(weft, make_bundle, cid, how,
                                                                      started):
    """A crash or a full disk leaves state.json unreadable: `state` and `list`
    say "broken", other commands refuse it, and `delete --force` still
    removes the init (held exec.fifo, or its cgroup), the cgroup and the
    state directory."""
    b = make_bundle(["sleep", "100"])
    weft("create", "--bundle", b.path, cid, check=True)
    if started:
        weft("start", cid, check=True)
    pid = weft.state(cid)["pid"]
    assert _proc_alive(pid) and cgroup_dirs(cid) != []
    _corrupt(os.path.join(weft.root, cid, "state.json"), how)
    st = weft.state(cid)
    assert (st["id"], st["status"], st["pid"]) == (cid, "broken", 0)
    listed = json.loads(weft("list", "--format", "json", check=True).stdout)
    assert [c["status"] for c in listed if c["id"] == cid] == ["broken"]
    assert "broken" in weft("list", check=True).stdout
    for verb in (["start", cid], ["kill", cid, "KILL"], ["delete", cid]):
        r = weft(*verb)
        assert r.returncode != 0 and "broken" in r.stderr and "state.json" in r.stderr, r.stderr
    assert _proc_alive(pid)
    r = weft("delete", "--force", cid)
    assert r.returncode == 0, r.stderr
    assert not _proc_alive(pid)
    assert cgroup_dirs(cid) == []
    assert weft.ids() == []


def test_corrupt_state_without_config_copy_is_deletable(weft, make_bundle, cid):
    """Nothing to derive the cgroup from: the directory still goes."""
    d = os.path.join(weft.root, cid)
    os.makedirs(d)
    with open(os.path.join(d, "state.json"), "w") as f:
        f.write("{")
    assert weft.state(cid)["status"] == "broken"
    weft("delete", "--force", cid, check=True)
    assert weft.ids() == []


def test_corrupt_state_created_init_outside_cgroups_is_killed(weft, make_bundle, cid):
    """Without cgroups the created init is found by the exec.fifo it holds."""
    b = make_bundle(["sleep", "100"])
    g = ("--cgroup-manager", "disabled")
    weft("create", "--bundle", b.path, cid, check=True, glob=g)
    pid = weft.state(cid)["pid"]
    _corrupt(os.path.join(weft.root, cid, "state.json"), "truncated")
    r = weft("delete", "--force", cid, glob=g)
    assert r.returncode == 0, r.stderr
    assert not _proc_alive(pid)
    assert weft.ids() == []


def _tree(root):
    return sorted(os.path.relpath(os.path.join(t, n), root)
                  for t, ds, fs in os.walk(root) for n in ds + fs)


def test_init_failing_after_setup_fails_create_with_its_message(weft, make_bundle, cid):
    """Without /proc in the container the init cannot reopen the exec fifo
    (through /proc/self/fd) to wait for `start`: that must fail `create`
    with the init's message, not leave a created-then-stopped container."""
    b = make_bundle(["sleep", "100"])
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/proc"]
    for k in ("maskedPaths", "readonlyPaths"):
        del b.config["linux"][k]
    b.write()
    before = _tree(b.rootfs)
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert "exec fifo" in r.stderr and "No such file or directory" in r.stderr, r.stderr
    assert weft.ids() == []
    assert cgroup_dirs(cid) == []
    assert _tree(b.rootfs) == before


def _without_dev_mounts(b):
    b.config["mounts"] = [m for m in b.config["mounts"] if not m["destination"].startswith("/dev")]
    return b


@pytest.mark.parametrize("how", ["run", "create-delete-force"])
def test_device_nodes_made_in_the_rootfs_go_with_the_container(weft, make_bundle, cid, how):
    """No /dev mount: the init makes the nodes and links in the image's own
    /dev; delete removes those it made, not the entries that were there
    before (the image's /dev/zero stays, as the node that replaced it)."""
    b = _without_dev_mounts(make_bundle(["sh", "-c", "test -c /dev/null && test -L /dev/fd"]))
    b.config["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]
    b.write()
    with open(os.path.join(b.rootfs, "dev", "zero"), "w") as f:
        f.write("the image's own")
    before = _tree(b.rootfs)
    if how == "run":
        r = weft("run", "--bundle", b.path, cid)
        assert r.returncode == 0, r.stderr
    else:
        weft("create", "--bundle", b.path, cid, check=True)
        assert os.path.exists(os.path.join(b.rootfs, "dev", "fuse"))
        weft("delete", "--force", cid, check=True)
    assert _tree(b.rootfs) == before
    assert weft.ids() == []


def test_init_failing_without_dev_mount_leaves_no_device_nodes(weft, make_bundle, cid):
    b = _without_dev_mounts(make_bundle(["sleep", "100"]))
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/proc"]
    for k in ("maskedPaths", "readonlyPaths"):
        del b.config["linux"][k]
    b.write()
    before = _tree(b.rootfs)
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0 and "exec fifo" in r.stderr, r.stderr
    assert _tree(b.rootfs) == before
    assert weft.ids() == []
