# Helpers for the `weft wasm` suites: run the real binary, write modules.
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"<exit {self.code} out={self.out!r} err={self.err!r}>"


@pytest.fixture
def wasm(weft_bin):
    """wasm(*args, input=None, cwd=None) -> Result of `weft wasm ARGS`."""

    def run(*args, cwd=None, timeout=60):
        proc = subprocess.run([weft_bin, "wasm", *map(str, args)], capture_output=True,
                              text=True, cwd=cwd, timeout=timeout, stdin=subprocess.DEVNULL)
        return Result(proc)

    return run


@pytest.fixture
def wat(tmp_path):
    """wat(text, name='m.wat') -> path of a text module file."""

    def write(text, name="m.wat"):
        p = tmp_path / name
        p.write_text(text)
        return str(p)

    return write


@pytest.fixture
def wat_binary(tmp_path):
    """wat_binary(text, name) -> path of the module assembled by wabt's wat2wasm."""
    if shutil.which("wat2wasm") is None:
        pytest.skip("wat2wasm (wabt) is not installed")

    def build(text, name="m.wasm"):
        src = tmp_path / (name + ".wat")
        src.write_text(text)
        out = tmp_path / name
        subprocess.run(["wat2wasm", str(src), "-o", str(out)], check=True)
        return str(out)

    return build


def _wasi_cc_works(tmp):
    src = tmp / "probe.c"
    src.write_text("int main(void) { return 0; }\n")
    try:
        subprocess.run(["clang", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", str(src),
                        "-o", str(tmp / "probe.wasm")], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


@pytest.fixture(scope="session")
def wasi_cc(tmp_path_factory):
    """wasi_cc(c_source, name) -> path of a wasm32-wasi command built with clang."""
    tmp = tmp_path_factory.mktemp("wasi_cc")
    if not _wasi_cc_works(tmp):
        pytest.skip("clang cannot build wasm32-wasi (install clang, wasi-libc)")

    def build(source, name):
        src = tmp / (name + ".c")
        src.write_text(source)
        out = tmp / (name + ".wasm")
        subprocess.run(["clang", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", str(src),
                        "-o", str(out)], check=True)
        return str(out)

    return build


@pytest.fixture(autouse=True)
def _every_tier(wasm_tier):
    """Every test here runs on both engine tiers (see wasm_tier)."""
    return wasm_tier
