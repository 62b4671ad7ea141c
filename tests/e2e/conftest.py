"""End-to-end fixtures (helpers and constants live in e2e_env.py, a name of its
own: pytest also loads tests/integration/conftest.py, so test modules must not
import "conftest")."""
import os
import shutil
import tempfile

import pytest

from e2e_env import (PACKAGES, Containerd, Podman, build_artifacts, build_images,
                     ensure_packages, unmount_all, weft_links)

# At import, before the test modules are collected: they import grpc and yaml.
ensure_packages()

import criclient  # noqa: E402  (needs python3-grpcio)


@pytest.fixture(scope="session")
def e2e_packages():
    return PACKAGES


@pytest.fixture(scope="session")
def workdir(e2e_packages):
    # /var/tmp: a disk filesystem even where /tmp is a tmpfs (overlay upper dirs).
    base = tempfile.mkdtemp(prefix="weft-e2e-", dir="/var/tmp")
    os.chmod(base, 0o755)
    yield base
    unmount_all(base)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def weft(weft_bin, workdir):
    return weft_links(weft_bin, workdir)


@pytest.fixture(scope="session")
def artifacts(workdir, e2e_packages):
    return build_artifacts(workdir)


@pytest.fixture(scope="session")
def podman(workdir):
    p = Podman(workdir)
    yield p
    p.teardown()


@pytest.fixture(scope="session")
def images(podman, artifacts):
    return build_images(podman, artifacts)


@pytest.fixture(scope="session")
def containerd(workdir, weft, images):
    c = Containerd(workdir, weft, images)
    yield c
    c.teardown()


@pytest.fixture(scope="session")
def cri(containerd, workdir):
    api_dir = os.path.join(workdir, "cri-api")
    os.makedirs(api_dir)
    client = criclient.CRI(containerd.socket, criclient.compile_api(api_dir))
    yield client
    client.close()
