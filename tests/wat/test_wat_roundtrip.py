"""Differential test on text the spec files do not contain: every binary
wast2json makes of the 2.0 spec tests is printed back to text by wabt's
wasm2wat (flat, folded, and with generated $names), and for every valid
module our encoding of that text must equal wat2wasm's. Slow (about 20,000 process runs): enabled with
WAT_SLOW=1.
"""
import glob
import os
import subprocess

import pytest

import spec_modules as sm

FILES = sm.spec_files()
IDS = [os.path.basename(f) for f in FILES]

pytestmark = pytest.mark.skipif(os.environ.get("WAT_SLOW") != "1", reason="set WAT_SLOW=1")

STYLES = {"flat": [], "folded": ["--fold-exprs"], "names": ["--generate-names"]}


@pytest.mark.parametrize("wast", FILES, ids=IDS)
def test_wasm2wat_roundtrip(wast, wat2bin, tmp_path):
    if sm.convert(wast, str(tmp_path)) is None:
        pytest.skip("wast2json cannot convert this file")
    problems = []
    for wasm in sorted(glob.glob(str(tmp_path / "*.wasm"))):
        if subprocess.run(["wasm-validate", wasm], capture_output=True).returncode != 0:
            continue  # invalid/malformed binaries print as text no parser must accept
        for style, flags in STYLES.items():
            wat = str(tmp_path / "t.wat")
            if subprocess.run(["wasm2wat", "--no-check", *flags, wasm, "-o", wat],
                              capture_output=True).returncode != 0:
                continue  # a deliberately broken binary
            ref = subprocess.run(["wat2wasm", "--no-check", wat, "-o", wat + ".ref"],
                                 capture_output=True)
            ours = subprocess.run([wat2bin, wat, wat + ".ours"], capture_output=True, text=True)
            if ref.returncode != 0:
                continue  # wabt cannot read its own output back (invalid modules)
            name = f"{os.path.basename(wasm)} ({style})"
            if ours.returncode != 0:
                problems.append(f"{name}: rejected: {ours.stderr.strip()}")
            elif open(wat + ".ours", "rb").read() != open(wat + ".ref", "rb").read():
                problems.append(f"{name}: differs from wat2wasm")
    assert problems == []
