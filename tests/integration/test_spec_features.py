"""`weft spec` and `weft features` driven through the real binary, compared with runc/crun."""
import json
import os
import shutil
import subprocess

import pytest


def run(args, cwd=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60)


def weft_spec(weft_bin, bundle, *extra):
    r = run([weft_bin, "spec", "--bundle", str(bundle), *extra])
    assert r.returncode == 0, r.stderr
    with open(os.path.join(bundle, "config.json")) as f:
        return json.load(f)


def peer_spec(tool, tmp_path, *extra):
    d = tmp_path / tool
    d.mkdir()
    r = run([tool, "spec", *extra], cwd=d)
    assert r.returncode == 0, r.stderr
    with open(d / "config.json") as f:
        return json.load(f)


def test_spec_writes_runnable_default(weft_bin, tmp_path):
    cfg = weft_spec(weft_bin, tmp_path)
    assert cfg["ociVersion"].startswith("1.")
    assert cfg["root"] == {"path": "rootfs", "readonly": True}
    proc = cfg["process"]
    assert proc["args"] == ["sh"]
    assert proc["cwd"] == "/"
    assert proc["user"] == {"uid": 0, "gid": 0}
    assert proc["noNewPrivileges"] is True
    assert proc["rlimits"] == [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
    caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    for s in ("bounding", "effective", "permitted", "ambient"):
        assert proc["capabilities"][s] == caps
    dests = [m["destination"] for m in cfg["mounts"]]
    assert dests == ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                     "/sys/fs/cgroup"]
    ns = [n["type"] for n in cfg["linux"]["namespaces"]]
    assert set(ns) == {"pid", "network", "ipc", "uts", "mount", "cgroup"}
    assert "/proc/kcore" in cfg["linux"]["maskedPaths"]
    assert "/proc/sys" in cfg["linux"]["readonlyPaths"]
    assert cfg["linux"]["resources"]["devices"] == [{"allow": False, "access": "rwm"}]


def test_spec_defaults_to_cwd(weft_bin, tmp_path):
    r = run([weft_bin, "spec"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "config.json").is_file()


def test_spec_short_bundle_flag(weft_bin, tmp_path):
    r = run([weft_bin, "spec", "-b", str(tmp_path)])
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "config.json").read_text())["process"]["args"] == ["sh"]


def test_spec_rootless(weft_bin, tmp_path):
    cfg = weft_spec(weft_bin, tmp_path, "--rootless")
    ns = [n["type"] for n in cfg["linux"]["namespaces"]]
    assert "user" in ns
    assert "network" not in ns
    assert cfg["linux"]["uidMappings"] == [
        {"containerID": 0, "hostID": os.getuid(), "size": 1}]
    assert cfg["linux"]["gidMappings"] == [
        {"containerID": 0, "hostID": os.getgid(), "size": 1}]
    assert "resources" not in cfg["linux"]
    sysfs = next(m for m in cfg["mounts"] if m["destination"] == "/sys")
    assert sysfs["source"] == "/sys" and "rbind" in sysfs["options"]


def test_spec_refuses_to_overwrite(weft_bin, tmp_path):
    existing = tmp_path / "config.json"
    existing.write_text("mine\n")
    r = run([weft_bin, "spec", "--bundle", str(tmp_path)])
    assert r.returncode != 0
    assert "already exists" in r.stderr
    assert str(existing) in r.stderr
    assert existing.read_text() == "mine\n"


def test_spec_missing_bundle_dir(weft_bin, tmp_path):
    r = run([weft_bin, "spec", "--bundle", str(tmp_path / "nope")])
    assert r.returncode != 0
    assert "No such file or directory" in r.stderr


def test_spec_unknown_option(weft_bin, tmp_path):
    r = run([weft_bin, "spec", "--frobnicate"], cwd=tmp_path)
    assert r.returncode != 0
    assert "--frobnicate" in r.stderr
    assert not (tmp_path / "config.json").exists()


def test_spec_help(weft_bin):
    r = run([weft_bin, "spec", "--help"])
    assert r.returncode == 0
    assert "--bundle" in r.stdout and "--rootless" in r.stdout


@pytest.mark.parametrize("tool", ["runc", "crun"])
def test_spec_same_top_level_keys_as_peer(weft_bin, tmp_path, tool):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed")
    ours = weft_spec(weft_bin, tmp_path)
    theirs = peer_spec(tool, tmp_path)
    assert set(ours) == set(theirs)
    assert set(ours["process"]) >= set(theirs["process"]) - {"terminal"}
    assert set(ours["linux"]) == set(theirs["linux"])
    assert [m["destination"] for m in ours["mounts"]] == \
        [m["destination"] for m in theirs["mounts"]]


@pytest.mark.parametrize("tool", ["runc", "crun"])
def test_rootless_spec_matches_peer_shape(weft_bin, tmp_path, tool):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed")
    (tmp_path / "w").mkdir()
    ours = weft_spec(weft_bin, tmp_path / "w", "--rootless")
    theirs = peer_spec(tool, tmp_path, "--rootless")
    assert set(ours) == set(theirs)
    ours_ns = {n["type"] for n in ours["linux"]["namespaces"]}
    theirs_ns = {n["type"] for n in theirs["linux"]["namespaces"]}
    assert "user" in ours_ns and "user" in theirs_ns
    if tool == "runc":
        # weft follows runc (no network namespace: it would have no connectivity) and adds
        # a cgroup namespace as runc 1.2 does; crun keeps the network namespace.
        assert ours_ns - {"cgroup"} == theirs_ns - {"cgroup"}


def features(weft_bin):
    r = run([weft_bin, "features"])
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_features_document(weft_bin):
    doc = features(weft_bin)
    assert doc["ociVersionMin"] == "1.0.0"
    assert doc["ociVersionMax"].startswith("1.")
    assert doc["hooks"] == ["prestart", "createRuntime", "createContainer", "startContainer",
                            "poststart", "poststop"]
    assert "bind" in doc["mountOptions"] and "rro" in doc["mountOptions"]
    linux = doc["linux"]
    assert {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"} <= set(linux["namespaces"])
    assert "CAP_SYS_ADMIN" in linux["capabilities"]
    # the systemd driver is there when weft was built with libdbus-1 (test_systemd_cgroup.py)
    sd = linux["cgroup"]["systemd"]
    assert linux["cgroup"] == {"v1": True, "v2": True, "systemd": sd, "systemdUser": sd,
                               "rdma": True}
    sc = linux["seccomp"]
    assert sc["enabled"] is True
    assert "SCMP_ACT_NOTIFY" in sc["actions"] and "SCMP_ACT_KILL_PROCESS" in sc["actions"]
    assert sorted(sc["operators"]) == sorted([
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
        "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"])
    assert "SCMP_ARCH_X86_64" in sc["archs"]
    assert set(sc["supportedFlags"]) <= set(sc["knownFlags"])
    assert linux["apparmor"] == {"enabled": True}
    assert linux["selinux"] == {"enabled": True}
    assert linux["intelRdt"] == {"enabled": False}
    assert linux["mountExtensions"] == {"idmap": {"enabled": True}}
    assert doc["annotations"]["run.oci.handler"] == "wasm"
    assert all(isinstance(v, str) for v in doc["annotations"].values())


def test_features_covers_runc_fields(weft_bin):
    if shutil.which("runc") is None:
        pytest.skip("runc not installed")
    r = run(["runc", "features"])
    if r.returncode != 0:
        pytest.skip("this runc has no features command")
    theirs = json.loads(r.stdout)
    ours = features(weft_bin)
    assert set(theirs) <= set(ours)
    assert set(theirs["linux"]) <= set(ours["linux"])
    assert set(theirs["hooks"]) == set(ours["hooks"])
    assert set(theirs["linux"]["seccomp"]["operators"]) == set(ours["linux"]["seccomp"]["operators"])
    assert set(theirs["linux"]["seccomp"]["actions"]) == set(ours["linux"]["seccomp"]["actions"])
    assert set(theirs["linux"]["capabilities"]) <= set(ours["linux"]["capabilities"])


def test_features_help_and_bad_args(weft_bin):
    r = run([weft_bin, "features", "--help"])
    assert r.returncode == 0 and "features" in r.stdout
    r = run([weft_bin, "features", "extra"])
    assert r.returncode != 0 and "extra" in r.stderr
