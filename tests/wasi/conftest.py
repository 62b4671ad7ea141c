# Fixtures for the WASI suite: where the test modules are, how to run one
# with weft (the tests/wasi driver, and `weft wasm run` once it works), and
# node's WASI as a reference implementation.
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir():
    weft = os.environ.get("WEFT", os.path.join(ROOT, "build", "weft"))
    return os.path.dirname(os.path.abspath(weft))


@pytest.fixture(scope="session")
def wasm_dir():
    d = os.environ.get("WEFT_WASM_DIR", os.path.join(build_dir(), "tests", "wasm"))
    if not os.path.exists(os.path.join(d, "hello.wasm")):
        pytest.skip(f"WASI test modules not built in {d} (clang wasm32-wasi missing?)")
    return d


def _driver(tmp_path_factory):
    """build/tests/wasi/wasi_driver, or a copy linked here from build/libweft_core.a."""
    b = build_dir()
    path = os.path.join(b, "tests", "wasi", "wasi_driver")
    if os.access(path, os.X_OK):
        return path
    lib = os.path.join(b, "libweft_core.a")
    cc = shutil.which("cc")
    if not os.path.exists(lib) or cc is None:
        return None
    out = str(tmp_path_factory.mktemp("driver") / "wasi_driver")
    cmd = [cc, "-std=c11", "-D_GNU_SOURCE", "-I", os.path.join(ROOT, "src"),
           os.path.join(ROOT, "tests", "wasi", "wasi_driver.c"), lib,
           "-ljansson", "-lseccomp", "-lcap", "-lm", "-o", out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return out if r.returncode == 0 else None


class Runner:
    """Runs a module: run(module, args, dirs={guest: host}, env=[...]).
    `dir_arg` spells one preopen: "GUEST::HOST" for the driver and node's
    wrapper, "HOST:GUEST" for `weft wasm run`."""

    def __init__(self, name, prefix, dir_arg=lambda guest, host: f"{guest}::{host}"):
        self.name, self.prefix, self.dir_arg = name, prefix, dir_arg

    def run(self, module, args=(), dirs=None, env=(), timeout=60):
        cmd = list(self.prefix)
        for guest, host in (dirs or {}).items():
            cmd += ["--dir", self.dir_arg(guest, host)]
        for e in env:
            cmd += ["--env", e]
        cmd += [module, *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _weft_cli(wasm_dir):
    """`weft wasm run --dir HOST:GUEST --env K=V MODULE ARGS`, if it works."""
    weft = os.environ.get("WEFT", os.path.join(ROOT, "build", "weft"))
    if not os.access(weft, os.X_OK):
        return None
    r = Runner("weft", [weft, "wasm", "run"], lambda guest, host: f"{host}:{guest}")
    try:
        p = r.run(os.path.join(wasm_dir, "hello.wasm"), ["5"], timeout=30)
    except subprocess.TimeoutExpired:
        return None
    return r if p.returncode == 5 and "argv[1]=5" in p.stdout else None


@pytest.fixture(scope="session", params=["driver", "weft"])
def runner(request, wasm_dir, tmp_path_factory):
    if request.param == "driver":
        d = _driver(tmp_path_factory)
        if d is None:
            pytest.skip("no WASI driver (build/tests/wasi/wasi_driver) and cannot link one")
        return Runner("driver", [d])
    r = _weft_cli(wasm_dir)
    if r is None:
        pytest.skip("`weft wasm run` is not available yet")
    return r


@pytest.fixture(scope="session")
def node():
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not installed")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_node.mjs")
    return Runner("node", [exe, "--no-warnings", script])


@pytest.fixture(autouse=True)
def _every_tier(wasm_tier):
    """Every test here runs on both engine tiers (see wasm_tier)."""
    return wasm_tier
