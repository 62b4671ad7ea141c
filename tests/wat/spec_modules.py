"""Cut the text modules out of the WebAssembly 2.0 spec tests and pair each
with the binary wabt's wast2json made of it.

wast2json (wabt 1.0.32) writes every module of a .wast to a .wasm and records
the line of its command; we find the `(module` at or after that line and take
the balanced s-expression (skipping strings and comments). Used by
test_wat_spec.py and runnable alone for a summary:
    /usr/bin/python3 tests/wat/spec_modules.py build/tests/wat/wat2bin
"""
import json
import os
import subprocess
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# ../shared beside the project root (where CI puts it), else this machine's copy
SPEC = os.environ.get("WASM_SPEC_TESTS") or next(
    (d for d in (os.path.join(os.path.dirname(_ROOT), "shared", "wasm-spec-tests"),
                 "/work/shared/wasm-spec-tests") if os.path.isdir(d)),
    "/work/shared/wasm-spec-tests")


def spec_files():
    """The 2.0 set without SIMD (out of scope), as paths."""
    listing = os.path.join(SPEC, "wasm-2.0", "FILES.txt")
    if not os.path.exists(listing):
        return []
    out = []
    for name in open(listing).read().split():
        if name.startswith("simd_"):
            continue
        p = os.path.join(SPEC, "wasm-2.0", name)
        out.append(p if os.path.exists(p) else os.path.join(SPEC, name))
    return out


def sexpr_end(text, i):
    """Index just past the s-expression whose '(' is at text[i]."""
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif text.startswith(";;", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("(;", i):
            d = 0
            while i < n:
                if text.startswith("(;", i):
                    d += 1
                    i += 2
                elif text.startswith(";)", i):
                    d -= 1
                    i += 2
                    if d == 0:
                        break
                else:
                    i += 1
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced")


def module_text(text, line_starts, line):
    """The `(module ...)` at or after 1-based `line`; a script without any
    `(module` (inline-module.wast) is one module of bare fields."""
    if "(module" not in text:
        return text
    start = text.index("(module", line_starts[line - 1])
    return text[start:sexpr_end(text, start)]


def convert(wast, outdir):
    """wast2json the file; returns the JSON commands or None if wabt fails."""
    os.makedirs(outdir, exist_ok=True)
    j = os.path.join(outdir, "x.json")
    r = subprocess.run(["wast2json", wast, "-o", j], capture_output=True)
    if r.returncode != 0:
        return None
    return json.load(open(j))["commands"]


def cases(wast, outdir, cmds=None):
    """Yield (kind, line, module_text_or_None, path) for each module command:
    kind "text" (wabt made a .wasm of a text module: compare), "malformed"
    (a text module wabt's own text parser rejects: we must reject it)."""
    if cmds is None:
        cmds = convert(wast, outdir)
    if cmds is None:
        return
    text = open(wast, encoding="utf-8", errors="surrogateescape").read()
    line_starts = [0]
    for i, c in enumerate(text):
        if c == "\n":
            line_starts.append(i + 1)
    for c in cmds:
        fn = c.get("filename")
        if not fn:
            continue
        path = os.path.join(outdir, fn)
        if c["type"] == "assert_malformed" and c.get("module_type") == "text":
            yield ("malformed", c["line"], None, path)
        elif fn.endswith(".wasm"):
            try:
                src = module_text(text, line_starts, c["line"])
            except ValueError:
                yield ("lost", c["line"], None, path)
                continue
            head = src.split(None, 3)
            form = head[2] if len(head) > 2 and head[1].startswith("$") else (head[1] if len(head) > 1 else "")
            if form in ("binary",) or (c["type"] == "assert_malformed"):
                continue  # binary modules are not text; nothing to compare
            yield ("text", c["line"], src, path)


def run_file(wat2bin, wast, outdir, cmds=None):
    """Compare every module of one .wast. Returns (compared, identical,
    malformed, failures): malformed counts the text modules wabt rejects that
    we were checked to reject too; failures lists (line, message)."""
    compared = identical = malformed = 0
    failures = []
    for kind, line, src, path in cases(wast, outdir, cmds):
        out = path + ".ours"
        if kind == "lost":
            failures.append((line, "could not find the module text"))
            continue
        if kind == "malformed":
            r = subprocess.run([wat2bin, path, out], capture_output=True)
            malformed += 1
            if r.returncode == 0:
                failures.append((line, "accepted a malformed text module"))
            continue
        srcpath = path + ".src.wat"
        with open(srcpath, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(src)
        r = subprocess.run([wat2bin, srcpath, out], capture_output=True, text=True)
        compared += 1
        if r.returncode != 0:
            failures.append((line, "rejected: " + r.stderr.strip()))
            continue
        ours = open(out, "rb").read()
        theirs = open(path, "rb").read()
        if ours == theirs:
            identical += 1
        else:
            failures.append((line, "binary differs from wabt's"))
    return compared, identical, malformed, failures


def main():
    wat2bin = sys.argv[1]
    import tempfile

    tot_c = tot_i = tot_m = tot_f = 0
    with tempfile.TemporaryDirectory() as tmp:
        for wast in spec_files():
            name = os.path.basename(wast)
            c, i, m, fails = run_file(wat2bin, wast, os.path.join(tmp, name))
            tot_c += c
            tot_i += i
            tot_m += m
            tot_f += len(fails)
            for line, msg in fails:
                print(f"{name}:{line}: {msg}")
    print(f"modules compared: {tot_c}, byte-identical: {tot_i}; "
          f"malformed text modules checked: {tot_m}; failures: {tot_f}")


if __name__ == "__main__":
    main()
