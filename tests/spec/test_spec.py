"""WebAssembly 2.0 core spec tests through wabt's wast2json, one pytest test
per .wast file.

Each file is converted with wast2json into a temporary directory and run
through build/tests/spec/spec_runner (or $WEFT_SPEC_RUNNER), which checks
every command and exits non-zero on any failure. SIMD files are out of scope.
The 7 files that Debian's wast2json (wabt 1.0.32) cannot convert (they use
newer text-format abbreviations) run through `weft wasm wast` instead, which
reads .wast itself. Both runners call one implementation of the commands
(src/wasm/script.c); test_wast.py runs the whole set through `weft wasm wast`.
"""
import os
import shutil
import subprocess

import pytest

from spec_files import SIMD_REASON, run_wast, wasm20_files

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _runner():
    """$WEFT_SPEC_RUNNER, else the runner next to $WEFT (so `make check-asan`
    runs the ASan build's), else build/tests/spec/spec_runner."""
    if os.environ.get("WEFT_SPEC_RUNNER"):
        return os.environ["WEFT_SPEC_RUNNER"]
    weft = os.environ.get("WEFT")
    if weft:
        beside = os.path.join(os.path.dirname(weft), "tests", "spec", "spec_runner")
        if os.path.exists(beside):
            return beside
    return os.path.join(ROOT, "build", "tests", "spec", "spec_runner")


RUNNER = _runner()

# Newer text-format abbreviations that wabt 1.0.32 rejects (see the README).
WAST2JSON_CANNOT_CONVERT = {
    "comments.wast", "if.wast", "table_fill.wast", "table_get.wast",
    "table_grow.wast", "table_set.wast", "table_size.wast",
}

FILES = wasm20_files()


@pytest.mark.parametrize("name,path", FILES, ids=[n for n, _ in FILES])
def test_spec_file(name, path, tmp_path, weft_bin):
    if name.startswith("simd_"):
        pytest.skip(SIMD_REASON)
    if name in WAST2JSON_CANNOT_CONVERT:
        run_wast(weft_bin, path)
        return
    wast2json = shutil.which("wast2json")
    if wast2json is None:
        pytest.skip("wast2json (Debian package wabt) is not installed")
    assert os.access(RUNNER, os.X_OK), f"spec runner not built at {RUNNER}"
    out_json = tmp_path / f"{name[:-len('.wast')]}.json"
    conv = subprocess.run([wast2json, str(path), "-o", str(out_json)],
                          capture_output=True, text=True)
    assert conv.returncode == 0, f"wast2json failed: {conv.stderr[-2000:]}"
    run = subprocess.run([RUNNER, str(out_json)], capture_output=True, text=True, timeout=600)
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert " 0 failed" in run.stdout, report
