"""What the process sees inside: every isolation setting of a default
podman/containerd spec, asserted from inside the container."""
import os
import re
import subprocess

import pytest

from weft_testlib import mounts_containing, needs_cgroup_v1


def run_sh(weft, make_bundle, cid, script, **cfg):
    b = make_bundle(["sh", "-c", script])
    for k, v in cfg.items():
        if k == "process":
            b.config["process"].update(v)
        elif k == "linux":
            b.config["linux"].update(v)
        else:
            b.config[k] = v
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    return r


def test_namespaces_pid_uts_mount(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid, "echo pid=$$; hostname; ls /proc | grep -c '^[0-9]'")
    lines = r.stdout.split()
    assert lines[0] == "pid=1"
    assert lines[1] == "weft-test"
    assert int(lines[2]) <= 3  # sh, ls, grep: nothing from the host


def test_each_namespace_is_new(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid,
               "for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done")
    inside = r.stdout.split()
    for n, ino in zip(["pid", "net", "ipc", "uts", "mnt"], inside):
        assert os.readlink(f"/proc/self/ns/{n}") != ino, n


def test_join_namespace_by_path(weft, make_bundle, cid):
    ns = f"/proc/{os.getpid()}/ns/net"
    r = run_sh(weft, make_bundle, cid, "readlink /proc/self/ns/net",
               linux={"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
                                     {"type": "network", "path": ns}]})
    assert r.stdout.strip() == os.readlink("/proc/self/ns/net")


def test_join_namespace_of_wrong_type_is_a_clear_error(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid, "true",
               linux={"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
                                     {"type": "network", "path": "/proc/self/ns/ipc"}]})
    assert r.returncode != 0
    assert "linux.namespaces[3].path" in r.stderr
    assert weft.ids() == []


def test_user_namespace_with_mappings(weft, make_bundle, cid, tmp_path):
    # the mapped root (host uid 100000) must be able to reach the bundle
    p = str(tmp_path)
    while p not in ("/", "/tmp"):
        os.chmod(p, 0o755)
        p = os.path.dirname(p)
    r = run_sh(weft, make_bundle, cid, "id -u; cat /proc/self/uid_map",
               linux={"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"},
                                     {"type": "ipc"}, {"type": "user"}],
                      "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
                      "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]})
    assert r.returncode == 0, r.stderr
    out = r.stdout.split()
    assert out[0] == "0"
    assert out[1:4] == ["0", "100000", "65536"]


def test_masked_and_readonly_paths(weft, make_bundle, cid):
    # /proc/version and /sys/firmware exist on every host (kcore may not)
    r = run_sh(weft, make_bundle, cid,
               "wc -c < /proc/version; ls /sys/firmware | wc -l; "
               "echo 1 > /proc/sys/kernel/domainname && echo wrote || echo ro",
               linux={"maskedPaths": ["/proc/version", "/sys/firmware", "/proc/nonexistent"]})
    out = r.stdout.split()
    assert out[0] == "0"
    assert out[1] == "0"
    assert out[2] == "ro"


def test_readonly_rootfs(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid, "touch /x && echo wrote || echo ro; touch /tmp/y || true",
               root={"path": "rootfs", "readonly": True})
    assert r.stdout.split()[0] == "ro"


def test_mounts_in_order_with_options(weft, make_bundle, cid, tmp_path):
    src = tmp_path / "data"
    src.mkdir()
    (src / "f").write_text("host data\n")
    b = make_bundle(["sh", "-c", "cat /data/f; touch /data/g && echo rw || echo ro; "
                                 "grep ' /scratch ' /proc/self/mounts"])
    b.config["mounts"] += [
        {"destination": "/data", "type": "bind", "source": str(src), "options": ["rbind", "ro"]},
        {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "size=1m", "mode=700"]},
    ]
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    lines = r.stdout.splitlines()
    assert lines[0] == "host data"
    assert lines[1] == "ro"
    assert "tmpfs" in lines[2] and "nosuid" in lines[2] and "size=1024k" in lines[2]


def test_mount_destination_symlink_cannot_escape(weft, make_bundle, cid, tmp_path):
    """A rootfs symlink pointing at the host's / must not redirect a mount
    onto the host (CVE-2021-30465 class)."""
    marker = tmp_path / "marker"
    marker.mkdir()
    b = make_bundle(["sh", "-c", "ls /evil"])
    os.symlink(str(marker), os.path.join(b.rootfs, "evil"))
    b.config["mounts"].append({"destination": "/evil", "type": "tmpfs", "source": "tmpfs"})
    b.write()
    weft("run", "--bundle", b.path, cid)
    with open("/proc/self/mountinfo") as f:
        assert str(marker) not in f.read()


def test_devices_and_dev_symlinks(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid,
               "for d in null zero full random urandom tty; do test -c /dev/$d && echo $d; done;"
               " readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx;"
               " echo x > /dev/null && echo null-ok")
    out = r.stdout.split()
    assert out[:6] == ["null", "zero", "full", "random", "urandom", "tty"]
    assert out[6:9] == ["/proc/self/fd", "/proc/self/fd/0", "pts/ptmx"]
    assert out[9] == "null-ok"


def test_capabilities_and_no_new_privs(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid, "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status",
               process={"capabilities": {"bounding": ["CAP_KILL", "CAP_CHOWN"],
                                         "effective": ["CAP_KILL"],
                                         "permitted": ["CAP_KILL", "CAP_CHOWN"]},
                        "noNewPrivileges": True})
    st = dict(l.split(":\t") for l in r.stdout.splitlines())
    # uid 0: execve makes the effective set the whole bounding set (as runc)
    assert int(st["CapBnd"], 16) == (1 << 5) | 1    # CAP_KILL + CAP_CHOWN
    assert int(st["CapEff"], 16) == (1 << 5) | 1
    assert st["NoNewPrivs"] == "1"


def test_capabilities_of_a_non_root_user(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid, "grep -E '^(CapEff|CapPrm|CapAmb)' /proc/self/status",
               process={"user": {"uid": 1000, "gid": 1000},
                        "capabilities": {"bounding": ["CAP_KILL", "CAP_CHOWN"],
                                         "effective": ["CAP_KILL"],
                                         "permitted": ["CAP_KILL"],
                                         "inheritable": ["CAP_KILL"],
                                         "ambient": ["CAP_KILL"]}})
    st = dict(l.split(":\t") for l in r.stdout.splitlines())
    assert int(st["CapEff"], 16) == 1 << 5
    assert int(st["CapPrm"], 16) == 1 << 5
    assert int(st["CapAmb"], 16) == 1 << 5


def test_user_groups_umask_cwd_env(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid, "id -u; id -g; id -G; umask; pwd; echo $FOO",
               process={"user": {"uid": 1000, "gid": 1001, "additionalGids": [2000],
                                 "umask": 0o027},
                        "cwd": "/tmp", "env": ["FOO=bar", "PATH=/bin"]})
    out = r.stdout.split()
    assert out[:2] == ["1000", "1001"]
    assert "2000" in out[2:4]
    assert "0027" in out
    assert "/tmp" in out and out[-1] == "bar"


def test_rlimits_and_oom_score_adj(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid, "ulimit -n; cat /proc/self/oom_score_adj",
               process={"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}],
                        "oomScoreAdj": 300})
    assert r.stdout.split() == ["512", "300"]


def test_sysctl(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid, "cat /proc/sys/net/ipv4/ip_forward",
               linux={"sysctl": {"net.ipv4.ip_forward": "1"}, "readonlyPaths": []})
    assert r.stdout.strip() == "1"


def test_seccomp_errno_for_a_syscall(weft, make_bundle, cid):
    r = run_sh(weft, make_bundle, cid, "mkdir /tmp/d && echo made || echo denied",
               linux={"seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                                  "architectures": ["SCMP_ARCH_X86_64"],
                                  "syscalls": [{"names": ["mkdir", "mkdirat"],
                                                "action": "SCMP_ACT_ERRNO",
                                                "errnoRet": 1}]}})
    assert r.stdout.strip() == "denied"


def test_no_host_fd_or_cwd_leaks(weft, make_bundle, cid, tmp_path):
    """CVE-2024-21626 class: the process sees only its stdio (ls adds one
    for the directory it reads), and its cwd is inside the container."""
    leak = open(tmp_path / "leak", "w")
    try:
        r = run_sh(weft, make_bundle, cid, "ls /proc/self/fd | sort -n | tr '\\n' ' '; "
                                           "readlink /proc/self/cwd")
    finally:
        leak.close()
    fds, cwd = r.stdout.rsplit(" ", 1)
    assert fds.split() == ["0", "1", "2", "3"]
    assert cwd.strip() == "/"


def test_preserve_fds(weft, make_bundle, cid, tmp_path):
    import shlex
    import subprocess
    out = tmp_path / "passed"
    b = make_bundle(["sh", "-c", "echo through-fd3 >&3"])
    # the shell puts the file at fd 3 of weft only (never touch pytest's fds)
    cmd = " ".join(shlex.quote(a) for a in
                   weft.cmd("run", "--preserve-fds", "1", "--bundle", b.path, cid))
    r = subprocess.run(["sh", "-c", f"exec {cmd} 3>{shlex.quote(str(out))}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert out.read_text() == "through-fd3\n"


@needs_cgroup_v1
def test_cgroup_resources_applied(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    b.config["linux"]["resources"] = {"memory": {"limit": 128 * 1024 * 1024},
                                      "pids": {"limit": 64},
                                      "cpu": {"shares": 512, "quota": 50000, "period": 100000}}
    b.write()
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    pid = weft.state(cid)["pid"]
    cg = {}
    for line in open(f"/proc/{pid}/cgroup"):
        _, ctrl, path = line.strip().split(":", 2)
        for c in ctrl.split(","):
            cg[c] = path
    def read(ctrl, name):
        return open(f"/sys/fs/cgroup/{ctrl}{cg[ctrl]}/{name}").read().strip()
    assert read("memory", "memory.limit_in_bytes") == str(128 * 1024 * 1024)
    assert read("pids", "pids.max") == "64"
    assert read("cpu", "cpu.shares") == "512"
    assert read("cpu", "cpu.cfs_quota_us") == "50000"


def test_idmapped_bind_mounts_in_a_user_namespace(weft, make_bundle, cid, tmp_path):
    """Inside its own user namespace the init can no longer idmap a host
    filesystem, so weft makes the idmapped clones on the host side. A file of
    host root shows as the container's root through an "idmap" mount (the
    container's mapping), as uid 5 through a mount with its own mapping
    (0 -> 100005), and as the overflow uid through a plain bind."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "f").write_text("x")
    b = make_bundle(["sh", "-c", "stat -c '%u %g' /idm/f /own/f /plain/f"])
    p = b.path
    while p not in ("/", "/tmp"):
        os.chmod(p, os.stat(p).st_mode | 0o711)
        p = os.path.dirname(p)
    os.chmod(shared, 0o755)
    b.config["linux"]["namespaces"].append({"type": "user"})
    b.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.config["mounts"] = [m for m in b.config["mounts"] if m["type"] not in ("sysfs", "mqueue")]
    own = [{"containerID": 0, "hostID": 100005, "size": 1}]
    b.config["mounts"] += [
        {"destination": "/idm", "type": "bind", "source": str(shared),
         "options": ["rbind", "idmap"]},
        {"destination": "/own", "type": "bind", "source": str(shared), "options": ["rbind"],
         "uidMappings": own, "gidMappings": own},
        {"destination": "/plain", "type": "bind", "source": str(shared), "options": ["rbind"]},
    ]
    b.write()
    subprocess.run(["chown", "-R", "100000:100000", b.rootfs], check=True)
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["0 0", "5 5", "65534 65534"]
    assert mounts_containing(str(shared)) == []
