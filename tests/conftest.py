# Shared pytest configuration: the weft binary under test comes from $WEFT
# (the Makefile sets it), so the same suites run against any build.
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One build directory for every suite: the one holding $WEFT (the Makefile
# exports it; build-asan for `make check-asan`). The suites' helper programs
# are found beside it unless their own variables say otherwise.
BUILD = os.path.dirname(os.environ["WEFT"]) if os.environ.get("WEFT") else \
    os.path.join(ROOT, "build")
os.environ.setdefault("WEFT", os.path.join(BUILD, "weft"))
os.environ.setdefault("WEFT_BUILD", BUILD)
os.environ.setdefault("WAT2BIN", os.path.join(BUILD, "tests", "wat", "wat2bin"))
os.environ.setdefault("WEFT_SPEC_RUNNER", os.path.join(BUILD, "tests", "spec", "spec_runner"))
os.environ.setdefault("WASI_DRIVER", os.path.join(BUILD, "tests", "wasi", "wasi_driver"))

# weft's AOT cache (docs/wasm-engine.md): as root it would be
# /var/cache/weft/aot; the suites use a directory of their own, removed at
# the end, so the host is left as it was (tests that check the cache set
# their own).
if "WEFT_WASM_CACHE" not in os.environ:
    import atexit
    import shutil
    import tempfile
    _aot = tempfile.mkdtemp(prefix="weft-aot-")
    os.environ["WEFT_WASM_CACHE"] = os.path.join(_aot, "aot")
    atexit.register(shutil.rmtree, _aot, True)


# Suites where a daemon runs weft with its own environment (containerd,
# podman in tests/e2e) reach the default cache, /var/cache/weft/aot, for
# confined wasm containers: whatever the session added there goes at its end.
DEFAULT_AOT = "/var/cache/weft"


def _tree(path):
    return {os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs} | \
        {d for d, _, _ in os.walk(path)}


@pytest.fixture(scope="session", autouse=True)
def _default_aot_cache_left_as_found():
    import shutil
    existed = os.path.isdir(DEFAULT_AOT)
    before = _tree(DEFAULT_AOT) if existed else set()
    yield
    if not existed:
        shutil.rmtree(DEFAULT_AOT, ignore_errors=True)
        return
    for p in sorted(_tree(DEFAULT_AOT) - before, reverse=True):
        if os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.exists(p):
            os.unlink(p)


@pytest.fixture(scope="session")
def weft_bin():
    path = os.environ.get("WEFT", os.path.join(ROOT, "build", "weft"))
    assert os.access(path, os.X_OK), f"weft binary not found at {path} (run make build)"
    return path


@pytest.fixture(params=["jit", "interp"])
def wasm_tier(request, monkeypatch):
    """Runs a test once per execution tier of weft's wasm engine: the
    compiled tier and the interpreter (WEFT_WASM_TIER, read at module load)."""
    monkeypatch.setenv("WEFT_WASM_TIER", request.param)
    return request.param
