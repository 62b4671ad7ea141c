# `weft wasm run MODULE` as a WASI command, `weft wasm validate`, usage.
import os

import pytest

ECHO_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
extern char **environ;
int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("arg %d %s\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        printf("env %s\n", *e);
    if (argc > 1 && strcmp(argv[1], "exit") == 0)
        return atoi(argv[2]);
    if (argc > 1 && strcmp(argv[1], "trap") == 0) {
        fflush(stdout);
        __builtin_trap();
    }
    return 0;
}
"""

CAT_C = r"""
#include <stdio.h>
int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 3;
    }
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf, f);
    fwrite(buf, 1, n, stdout);
    fclose(f);
    if (argc > 2) {
        FILE *o = fopen(argv[2], "w");
        if (!o) {
            perror(argv[2]);
            return 4;
        }
        fputs("written by wasm\n", o);
        fclose(o);
    }
    return 0;
}
"""

HELLO_WAT = r"""
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi from wat\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 12))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 7))))
"""


@pytest.fixture(scope="session")
def echo(wasi_cc):
    return wasi_cc(ECHO_C, "echo")


def test_argv_and_empty_environment(wasm, echo):
    r = wasm("run", echo, "one", "--two", "three four")
    assert r.code == 0, r
    assert r.out == "arg 0 echo.wasm\narg 1 one\narg 2 --two\narg 3 three four\n"


def test_env_only_from_flags(wasm, echo):
    r = wasm("run", "--env", "A=1", "--env", "B=x=y", echo)
    assert r.code == 0, r
    assert r.out.splitlines()[1:] == ["env A=1", "env B=x=y"]


def test_exit_status_from_guest(wasm, echo):
    assert wasm("run", echo, "exit", "0").code == 0
    assert wasm("run", echo, "exit", "3").code == 3
    assert wasm("run", echo, "exit", "42").code == 42


def test_guest_trap_is_134(wasm, echo):
    r = wasm("run", echo, "trap")
    assert r.code == 134, r
    assert "arg 1 trap" in r.out
    assert r.err.startswith("trap: "), r.err


def test_wat_command_with_proc_exit(wasm, wat):
    r = wasm("run", wat(HELLO_WAT, "hello.wat"))
    assert (r.code, r.out) == (7, "hi from wat\n"), r


def test_dir_preopen_as_written(wasm, wasi_cc, tmp_path):
    cat = wasi_cc(CAT_C, "cat")
    (tmp_path / "in.txt").write_text("file content\n")
    r = wasm("run", "--dir", ".", cat, "in.txt", "out.txt", cwd=tmp_path)
    assert (r.code, r.out) == (0, "file content\n"), r
    assert (tmp_path / "out.txt").read_text() == "written by wasm\n"


def test_dir_host_to_guest_mapping(wasm, wasi_cc, tmp_path):
    cat = wasi_cc(CAT_C, "cat")
    data = tmp_path / "data"
    data.mkdir()
    (data / "x").write_text("mapped\n")
    r = wasm("run", "--dir", f"{data}:/mnt", cat, "/mnt/x")
    assert (r.code, r.out) == (0, "mapped\n"), r


def test_dir_double_colon_like_wasmtime(wasm, wasi_cc, tmp_path):
    cat = wasi_cc(CAT_C, "cat")
    (tmp_path / "y").write_text("double\n")
    r = wasm("run", "--dir", f"{tmp_path}::/g", cat, "/g/y")
    assert (r.code, r.out) == (0, "double\n"), r


def test_no_dir_means_no_files(wasm, wasi_cc, tmp_path):
    cat = wasi_cc(CAT_C, "cat")
    (tmp_path / "in.txt").write_text("secret\n")
    r = wasm("run", cat, str(tmp_path / "in.txt"), cwd=tmp_path)
    assert r.code == 3, r
    assert "secret" not in r.out


def test_missing_dir_is_an_error(wasm, echo, tmp_path):
    r = wasm("run", "--dir", str(tmp_path / "nope"), echo)
    assert r.code == 1, r
    assert "nope" in r.err


def test_invoke_export_of_wasi_program(wasm, wasi_cc):
    src = ECHO_C + "\n__attribute__((export_name(\"twice\"))) int twice(int x) { return 2 * x; }\n"
    m = wasi_cc(src, "echo_twice")
    r = wasm("run", "--invoke", "twice", m, "i32:21")
    assert (r.code, r.out) == (0, "i32:42\n"), r


def test_command_without_start(wasm, wat):
    r = wasm("run", wat('(module (func (export "f")))'))
    assert r.code == 1, r
    assert "_start" in r.err


# ---- validate ----------------------------------------------------------

def test_validate_ok_prints_nothing(wasm, wat, echo):
    for m in (wat('(module (func (export "f") (result i32) (i32.const 1)))'), echo):
        r = wasm("validate", m)
        assert (r.code, r.out, r.err) == (0, "", ""), r


def test_validate_type_error(wasm, wat_binary, tmp_path):
    # Valid binary shape, invalid body: (func (result i32) (i64.const 1)).
    good = open(wat_binary('(module (func (result i64) (i64.const 1)))'), "rb").read()
    # Point the function at a (result i32) type by patching the type section's result.
    assert b"\x60\x00\x01\x7e" in good
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(good.replace(b"\x60\x00\x01\x7e", b"\x60\x00\x01\x7f", 1))
    r = wasm("validate", bad)
    assert r.code == 1, r
    assert r.out == ""
    assert len(r.err.strip().splitlines()) == 1
    assert "offset" in r.err, r.err


def test_validate_if_without_else_needs_params_as_results(wasm, wat):
    # the then-branch ends unreachable, but the missing else gives no i32
    # (found by fuzz_wasm_diff: the if's result slot was read unwritten)
    r = wasm("validate", wat('(module (func (param i32) (result i32)'
                             ' (if (result i32) (local.get 0) (then (unreachable)))))'))
    assert r.code == 1, r
    assert "type mismatch" in r.err, r


@pytest.mark.parametrize("content", [
    b"\x00asm\x01\x00\x00",                   # truncated version
    b"\x00asm\x02\x00\x00\x00",               # unknown version
    b"\x00asm\x01\x00\x00\x00\x01\x05\x01",    # section past the end
    b"\x00asm\x01\x00\x00\x00\x0d\x00",        # unknown section id
])
def test_validate_malformed_binary(wasm, tmp_path, content):
    p = tmp_path / "bad.wasm"
    p.write_bytes(content)
    r = wasm("validate", p)
    assert r.code == 1, r
    assert len(r.err.strip().splitlines()) == 1, r.err


def test_validate_bad_text(wasm, wat):
    r = wasm("validate", wat("(module (func (i32.bogus)))"))
    assert r.code == 1, r
    assert len(r.err.strip().splitlines()) == 1, r.err


def test_native_executable_is_refused(wasm, weft_bin):
    for sub in ("validate", "run"):
        r = wasm(sub, weft_bin)
        assert r.code == 1, r
        assert "native executable" in r.err, r.err


def test_validate_missing_file(wasm, tmp_path):
    r = wasm("validate", tmp_path / "none.wasm")
    assert r.code == 1 and "none.wasm" in r.err, r


def test_run_missing_module_file(wasm, tmp_path):
    r = wasm("run", tmp_path / "none.wasm")
    assert r.code == 1 and "none.wasm" in r.err, r


# ---- usage -------------------------------------------------------------

def test_help_documents_exit_statuses(wasm):
    r = wasm("--help")
    assert r.code == 0
    for needle in ("weft wasm run", "weft wasm validate", "--invoke", "--dir", "--env",
                   "--max-stack", "--max-memory", "134", "proc_exit"):
        assert needle in r.out
    assert wasm("run", "--help").out == r.out


@pytest.mark.parametrize("args", [
    [],
    ["frobnicate"],
    ["run"],
    ["run", "--bogus", "m.wasm"],
    ["run", "--max-stack", "lots", "m.wasm"],
    ["run", "--max-memory", "12Q", "m.wasm"],
    ["run", "--env", "NOEQUALS", "m.wasm"],
    ["run", "--invoke"],
    ["validate"],
    ["validate", "a.wasm", "b.wasm"],
])
def test_usage_errors_exit_2(wasm, args):
    r = wasm(*args)
    assert r.code == 2, r
    assert len(r.err.strip().splitlines()) == 1, r.err


# ---- fuzz regressions: inputs that once crashed the engine -------------

REGRESSIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "fuzz", "regressions")


def _regression_files():
    if not os.path.isdir(REGRESSIONS):
        return []
    return sorted(f for f in os.listdir(REGRESSIONS) if f.endswith((".wasm", ".wat")))


@pytest.mark.parametrize("name", _regression_files())
def test_fuzz_regression_does_not_crash(wasm, name):
    r = wasm("validate", os.path.join(REGRESSIONS, name), timeout=30)
    assert r.code in (0, 1), r


REACTOR_WAT = """
(module
  (global $ready (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $ready (i32.const 41)))
  (func (export "ready") (result i32) (i32.add (global.get $ready) (i32.const 1))))
"""


def test_invoke_runs_reactor_initialize_first(wasm, wat):
    r = wasm("run", "--invoke", "ready", wat(REACTOR_WAT))
    assert (r.code, r.out) == (0, "i32:42\n"), r
