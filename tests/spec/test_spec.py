"""WebAssembly 2.0 core spec tests, one pytest test per .wast file.

Each file is converted with wabt's wast2json into a temporary directory and
run through build/tests/spec/spec_runner (or $WEFT_SPEC_RUNNER), which checks
every command and exits non-zero on any failure. SIMD files are out of scope;
the few files that Debian's wast2json (wabt 1.0.32) cannot convert use newer
text-format abbreviations: where a mechanical rewrite to the older, equivalent
syntax exists (an explicit table index 0, an unfolded `if` condition) the
rewritten file is run; otherwise the file is an expected failure until weft's
own text parser can read it.
"""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC_DIR = os.environ.get("WEFT_SPEC_TESTS", "/work/shared/wasm-spec-tests")


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

# Semantics-preserving rewrites into syntax wabt 1.0.32 accepts.
_TABLE_INDEX = [
    # `(table.get (local.get $i))` -> `(table.get 0 (local.get $i))`
    (re.compile(r"\((table\.(?:get|set|fill|grow|size)) \("), r"(\1 0 ("),
    (re.compile(r"table\.size\)"), "table.size 0)"),
    (re.compile(r"(table\.(?:get|set|fill|grow|size))$", re.M), r"\1 0"),
]
REWRITES = {
    "table_fill.wast": _TABLE_INDEX,
    "table_get.wast": _TABLE_INDEX,
    "table_grow.wast": _TABLE_INDEX,
    "table_set.wast": _TABLE_INDEX,
    "table_size.wast": _TABLE_INDEX,
    # a folded `if` whose condition is two plain instructions
    "if.wast": [(re.compile(re.escape("(if (i32.const 1) (i32.eqz) (then) (else))")),
                 "(if (i32.eqz (i32.const 1)) (then) (else))")],
}


def wasm20_files():
    """The Wasm 2.0 set as (name, path): wasm-2.0/ overrides the top level."""
    listing = os.path.join(SPEC_DIR, "wasm-2.0", "FILES.txt")
    if not os.path.exists(listing):
        return []
    out = []
    with open(listing) as f:
        for name in f.read().split():
            own = os.path.join(SPEC_DIR, "wasm-2.0", name)
            out.append((name, own if os.path.exists(own) else os.path.join(SPEC_DIR, name)))
    return out


FILES = wasm20_files()


@pytest.mark.parametrize("name,path", FILES, ids=[n for n, _ in FILES])
def test_spec_file(name, path, tmp_path):
    if name.startswith("simd_"):
        pytest.skip("SIMD (fixed-width v128) is out of scope for weft's engine")
    wast2json = shutil.which("wast2json")
    if wast2json is None:
        pytest.skip("wast2json (Debian package wabt) is not installed")
    assert os.access(RUNNER, os.X_OK), f"spec runner not built at {RUNNER}"
    base = name[:-len(".wast")]
    if name in REWRITES:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for pattern, repl in REWRITES[name]:
            text = pattern.sub(repl, text)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
    out_json = tmp_path / f"{base}.json"
    conv = subprocess.run([wast2json, str(path), "-o", str(out_json)],
                          capture_output=True, text=True)
    if conv.returncode != 0 and name in WAST2JSON_CANNOT_CONVERT:
        pytest.xfail("Debian's wast2json (wabt 1.0.32) cannot convert this file; "
                     "needs weft's own WAT parser")
    assert conv.returncode == 0, f"wast2json failed: {conv.stderr[-2000:]}"
    run = subprocess.run([RUNNER, str(out_json)], capture_output=True, text=True, timeout=600)
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert " 0 failed" in run.stdout, report
