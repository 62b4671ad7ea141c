"""docs/kubernetes.md and docs/images.md against what the suite runs: every tagged
block is used by a test, and the configs that cannot run here (CRI-O is not in
Debian 12) still say what weft needs."""
import os
import re
import shutil
import tomllib

import yaml

from e2e_docs import block, blocks

USED = {
    "images.md": {"module", "wasm-image", "containerfile", "podman-build", "busybox-image",
                  "archive"},
    "kubernetes.md": {"runtimeclass", "containerd", "containerd-restricted",
                      "podman-containers-conf", "crio", "podman-run", "pod-wasm", "pod-smart",
                      "pod-weft-wasm", "pod-native"},
}
KEYS = ["module.wasm.image/variant", "run.oci.handler"]


def go_match(pattern, name):
    """containerd matches pod_annotations with Go's filepath.Match: '*' stops at '/'."""
    rx = "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch)
                 for ch in pattern)
    return re.fullmatch(rx, name) is not None


def test_every_tagged_block_is_exercised():
    for doc, names in USED.items():
        assert set(blocks(doc)) == names, f"docs/{doc}: tagged blocks changed; test them"


def test_runtime_classes_match_the_containerd_handlers():
    classes = {d["metadata"]["name"]: d["handler"]
               for d in yaml.safe_load_all(block("kubernetes.md", "runtimeclass"))}
    runtimes = tomllib.loads(block("kubernetes.md", "containerd"))["plugins"][
        "io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]
    assert set(classes.values()) == set(runtimes) == {"weft", "weft-wasm"}
    for name in ("pod-wasm", "pod-smart", "pod-weft-wasm", "pod-native"):
        pod = yaml.safe_load(block("kubernetes.md", name))
        assert pod["spec"]["runtimeClassName"] in classes, name


def test_containerd_passes_both_annotation_keys():
    runtimes = tomllib.loads(block("kubernetes.md", "containerd"))["plugins"][
        "io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]
    for name, rt in runtimes.items():
        assert rt["runtime_type"] == "io.containerd.runc.v2"
        assert rt["options"]["BinaryName"] == f"/usr/local/bin/{name}"
        pats = rt["pod_annotations"]
        for required in ("*.wasm.*", "wasm.*", "module.wasm.image/*", "*.module.wasm.image",
                         "module.wasm.image/variant.*"):
            assert required in pats
        for key in KEYS:
            assert any(go_match(p, key) for p in pats), key
        # ...and not everything: unrelated pod annotations stay out of config.json.
        assert not any(go_match(p, "io.kubernetes.pod.namespace") for p in pats)


def test_crio_config_allows_both_keys():
    conf = tomllib.loads(block("kubernetes.md", "crio"))
    runtimes = conf["crio"]["runtime"]["runtimes"]
    assert set(runtimes) == {"weft", "weft-wasm"}
    for name, rt in runtimes.items():
        assert rt["runtime_path"] == f"/usr/local/bin/{name}"
        assert rt["runtime_type"] == "oci"
        assert sorted(rt["allowed_annotations"]) == sorted(KEYS)
        # Debian's conmon (the monitor podman uses in these tests) is where it says.
        assert rt["monitor_path"] == shutil.which("conmon")


def test_pods_annotate_as_the_table_says():
    wasm = yaml.safe_load(block("kubernetes.md", "pod-wasm"))
    smart = yaml.safe_load(block("kubernetes.md", "pod-smart"))
    assert wasm["metadata"]["annotations"] == {"module.wasm.image/variant": "compat"}
    assert smart["metadata"]["annotations"] == {"module.wasm.image/variant": "compat-smart"}
    images = {c["image"] for c in smart["spec"]["containers"]}
    assert images == {"localhost/hello-wasm:latest", "localhost/busybox:latest"}


def test_restricted_settings_are_the_ones_the_suite_uses():
    cri = tomllib.loads(block("kubernetes.md", "containerd-restricted"))["plugins"][
        "io.containerd.grpc.v1.cri"]
    assert cri["restrict_oom_score_adj"] is True
    conf = tomllib.loads(block("kubernetes.md", "podman-containers-conf"))
    assert "nofile=1024:1024" in conf["containers"]["default_ulimits"]
    assert conf["engine"]["cgroup_manager"] == "cgroupfs"
    assert conf["engine"]["events_logger"] == "file"


def test_docs_link_each_other():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "docs", "images.md")) as f:
        assert "kubernetes.md" in f.read()
    with open(os.path.join(root, "docs", "kubernetes.md")) as f:
        assert "images.md" in f.read()
