"""Conformance of the WAT parser against the WebAssembly 2.0 spec tests.

1. test_matches_wabt: every module of every .wast that wabt's wast2json
   converts must encode to exactly the bytes wabt wrote (no normalisation is
   needed: we write minimal LEBs, implicit types in text order, the same
   segment flags and data-count rule as wabt, and no name section, which
   wast2json does not write either). wast2json's assert_malformed text
   modules must be rejected by us.
2. test_script_commands: every file of the 2.0 set (also the 7 wabt 1.0.32
   cannot read, which use newer abbreviations) is walked command by command:
   modules, assert_invalid/assert_trap/assert_unlinkable/... modules must
   parse; `assert_malformed (module quote ...)` must be rejected.
SIMD files are out of scope (the engine has no SIMD).
"""
import os
import subprocess

import pytest

import spec_modules as sm

FILES = sm.spec_files()
IDS = [os.path.basename(f) for f in FILES]

pytestmark = pytest.mark.skipif(not FILES, reason="spec tests not found")


@pytest.mark.parametrize("wast", FILES, ids=IDS)
def test_matches_wabt(wast, wat2bin, tmp_path):
    cmds = sm.convert(wast, str(tmp_path))
    if cmds is None:
        pytest.skip("wast2json (wabt 1.0.32) cannot convert this file")
    compared, identical, _, failures = sm.run_file(wat2bin, wast, str(tmp_path), cmds)
    assert failures == []
    assert identical == compared


def strip_comments(text):
    """The script with every comment replaced by spaces (strings kept), so
    commands can be cut out by counting parens."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith(";;", i):
            j = i
            while j < n and text[j] not in "\r\n":
                j += 1
            out.append(" " * (j - i))
            i = j
        elif text.startswith("(;", i):
            depth, j = 0, i
            while j < n:
                if text.startswith("(;", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith(";)", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        break
                else:
                    j += 1
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def top_level(text):
    """(start, end) of each top-level s-expression of a comment-free script."""
    i = 0
    while True:
        j = text.find("(", i)
        if j < 0:
            return
        end = sm.sexpr_end(text, j)
        yield j, end
        i = end


def head_words(s, n):
    return s.replace("(", " ( ").split()[:n]


def module_form(mod):
    w = head_words(mod, 4)  # '(' 'module' [$id] form
    k = 3 if len(w) > 2 and w[2].startswith("$") else 2
    return w[k] if len(w) > k and w[k] in ("binary", "quote") else "text"


def run(wat2bin, tmp_path, src, n):
    p = tmp_path / f"m{n}.wat"
    p.write_bytes(src.encode("utf-8", "surrogateescape"))
    r = subprocess.run([wat2bin, str(p), str(tmp_path / f"m{n}.wasm")], capture_output=True,
                       text=True, errors="replace")
    return r.returncode == 0, r.stderr.strip()


@pytest.mark.parametrize("wast", FILES, ids=IDS)
def test_script_commands(wast, wat2bin, tmp_path):
    text = strip_comments(open(wast, encoding="utf-8", errors="surrogateescape").read())
    problems, checked = [], 0
    for n, (start, end) in enumerate(top_level(text)):
        cmd = text[start:end]
        line = text.count("\n", 0, start) + 1
        kind = head_words(cmd, 2)[1]
        if kind == "module":
            mod = cmd
        elif kind.startswith("assert_") and "(module" in cmd:
            ms = cmd.index("(module")
            mod = cmd[ms:sm.sexpr_end(cmd, ms)]
        else:
            continue
        form = module_form(mod)
        if form == "binary":
            continue
        ok, msg = run(wat2bin, tmp_path, mod, n)
        checked += 1
        if kind == "assert_malformed":
            if ok:
                problems.append(f"line {line}: accepted a malformed module")
        elif not ok:
            problems.append(f"line {line}: rejected: {msg}")
    if checked == 0 and "(module" not in text:
        # a script of bare module fields (inline-module.wast) is one module
        ok, msg = run(wat2bin, tmp_path, text, "all")
        assert ok, msg
        return
    assert problems == []
