"""WebAssembly 2.0 core spec tests through weft's own script reader:
`weft wasm wast FILE` on every in-scope .wast file of the 2.0 set, one pytest
test per file, no wast2json involved (so it includes the files Debian's
wast2json cannot convert: comments, if, table_fill/get/grow/set/size)."""
import subprocess

import pytest

from spec_files import SIMD_REASON, SPEC_DIR, run_wast, wasm20_files

FILES = wasm20_files()


def test_the_spec_set_is_there():
    """Without the spec files every test below would vanish from the run
    instead of failing: their absence is a failure."""
    assert len(FILES) > 100, f"no WebAssembly 2.0 spec set at {SPEC_DIR} (WEFT_SPEC_TESTS)"


@pytest.mark.parametrize("name,path", FILES, ids=[n for n, _ in FILES])
def test_wast_file(name, path, weft_bin):
    if name.startswith("simd_"):
        pytest.skip(SIMD_REASON)
    passed, failed, skipped = run_wast(weft_bin, path)
    assert failed == 0
    assert passed > 0  # every in-scope file has commands that run
    assert skipped == 0, "only SIMD commands are skipped, and SIMD files are not run"


def test_wast_set_is_complete():
    """The 2.0 set is there and has its 148 files (90 of them in scope)."""
    if not FILES:
        pytest.skip("the spec test set is not installed (WEFT_SPEC_TESTS)")
    assert len(FILES) == 148
    assert len([n for n, _ in FILES if not n.startswith("simd_")]) == 90


def test_wast_reports_failures(weft_bin, tmp_path):
    """A failing assertion is reported with FILE:LINE:COL and exit status 1."""
    script = tmp_path / "bad.wast"
    script.write_text('(module (func (export "f") (result i32) (i32.const 1)))\n'
                      '(assert_return (invoke "f") (i32.const 1))\n'
                      '  (assert_return (invoke "f") (i32.const 2))\n')
    run = subprocess.run([weft_bin, "wasm", "wast", str(script)], capture_output=True, text=True)
    assert run.returncode == 1
    assert f"{script}:3:3: FAIL assert_return" in run.stdout
    assert f"{script}: 2 passed, 1 failed, 0 skipped" in run.stdout
