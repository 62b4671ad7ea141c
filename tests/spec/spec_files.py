"""Helpers shared by test_spec.py and test_wast.py: the Wasm 2.0 file set and
one `weft wasm wast` run."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# ../shared beside the project root (where CI puts it), else this machine's copy
SPEC_CANDIDATES = [os.path.join(os.path.dirname(ROOT), "shared", "wasm-spec-tests"),
                   "/work/shared/wasm-spec-tests"]
SPEC_DIR = os.environ.get("WEFT_SPEC_TESTS") or next(
    (d for d in SPEC_CANDIDATES if os.path.isdir(d)), SPEC_CANDIDATES[0])

SIMD_REASON = "SIMD (fixed-width v128) is out of scope for weft's engine"


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


def run_wast(weft, path):
    """Run `weft wasm wast PATH`; assert it passed; return (passed, failed, skipped)."""
    run = subprocess.run([weft, "wasm", "wast", str(path)], capture_output=True, text=True,
                         timeout=600)
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith(f"{path}: "), report
    counts = [int(w) for w in last[len(f"{path}: "):].replace(",", "").split()[::2]]
    assert counts[1] == 0, report
    return tuple(counts)
