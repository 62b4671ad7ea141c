"""Images built like users build them (docs/images.md), offline, from scratch."""
import json
import os
import tarfile

from e2e_env import BUSYBOX_IMAGE, PAUSE_IMAGE, WASM_IMAGE, WASM_PLAIN_IMAGE


def annotations(podman, image):
    out = podman.podman("image", "inspect", image).stdout
    return json.loads(out)[0].get("Annotations") or {}


def test_wasm_image_carries_the_annotation_and_the_module(podman, images):
    assert annotations(podman, WASM_IMAGE).get("module.wasm.image/variant") == "compat"
    cfg = json.loads(podman.podman("image", "inspect", WASM_IMAGE).stdout)[0]["Config"]
    assert cfg["Entrypoint"] == ["/hello.wasm"]


def test_podman_build_from_a_containerfile(podman, images):
    built = "localhost/hello-wasm-built:latest"
    assert annotations(podman, built).get("module.wasm.image/variant") == "compat"
    # Same single layer content as buildah's image: the module only.
    a = json.loads(podman.podman("image", "inspect", built).stdout)[0]["RootFS"]["Layers"]
    b = json.loads(podman.podman("image", "inspect", WASM_IMAGE).stdout)[0]["RootFS"]["Layers"]
    assert a == b and len(a) == 1


def test_plain_wasm_image_has_no_annotation(podman, images):
    assert "module.wasm.image/variant" not in annotations(podman, WASM_PLAIN_IMAGE)


def test_archives_are_oci_layouts_with_their_reference(images):
    for ref in (WASM_IMAGE, BUSYBOX_IMAGE, WASM_PLAIN_IMAGE, PAUSE_IMAGE):
        path = images[ref]
        assert os.path.getsize(path) > 0
        with tarfile.open(path) as t:
            index = json.load(t.extractfile("index.json"))
            assert t.extractfile("oci-layout") is not None
        names = [m["annotations"]["org.opencontainers.image.ref.name"]
                 for m in index["manifests"]]
        assert names == [ref]


def test_wasm_module_is_wasm(artifacts):
    with open(os.path.join(artifacts, "hello.wasm"), "rb") as f:
        assert f.read(8) == b"\0asm\x01\0\0\0"
