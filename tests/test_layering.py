"""The one-way flow of ARCHITECTURE.md, checked on the sources.

cli/ parses flags and calls container/; container/ sets up Linux, cgroups and
the handler; nothing below includes what is above it. Read from the #include
lines and the call names of src/, so a change that breaks the layering fails
`make check` instead of waiting for a reader to notice."""
import os
import re

import pytest

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")

# Higher calls lower, never the other way. Folders of one rank do not
# include each other either (handler/ and cgroup/ are peers under container/).
RANK = {
    "cli": 6,
    "container": 5,
    "engines": 5,  # the companion's handlers: above handler/, beside container/
    "handler": 4,
    "cgroup": 4,  # uses linux/rootless.h
    "linux": 3,
    "wast": 3,  # spec-test tooling: scripts of modules in text
    "wasi": 2,
    "wat": 2,  # the text format, compiled for the engine
    "wasm": 1,  # the engine core
    "oci": 1,
    "util": 0,
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# A call of a state_* or cgroup_* function (not a field such as cgroup_manager).
FORBIDDEN_CALL = re.compile(r"\b((?:state|cgroup)_[A-Za-z0-9_]*)\s*\(")
COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])\'',
                               re.S)


def strip_comments_and_strings(text):
    return COMMENT_OR_STRING.sub(" ", text)


def folder_of(path):
    rel = os.path.relpath(path, SRC)
    return "." if os.sep not in rel else rel.split(os.sep)[0]


def sources():
    for dirpath, _, files in os.walk(SRC):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(dirpath, f)


def includes(path):
    """(folder included, header) for each project include of path."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    here = folder_of(path)
    for inc in INCLUDE.findall(text):
        yield (inc.split("/")[0] if "/" in inc else here), inc


def include_violations(path):
    here = folder_of(path)
    out = []
    for there, inc in includes(path):
        if there == here:
            continue
        if there == "cli":
            out.append(f"{path}: includes {inc}: only cli/ includes cli/ headers")
        elif there not in RANK:
            out.append(f"{path}: includes {inc}: unknown folder '{there}' (add it to RANK)")
        elif RANK[there] >= RANK[here]:
            out.append(f"{path}: includes {inc}: {here}/ must not depend on {there}/ "
                       "(ARCHITECTURE.md: data flows one way)")
    return out


def call_violations(path):
    with open(path, encoding="utf-8") as f:
        code = strip_comments_and_strings(f.read())
    return [f"{path}: calls {name}(): cli/ reaches containers through container/container.h"
            for name in sorted(set(FORBIDDEN_CALL.findall(code)))]


def test_every_folder_has_a_rank():
    folders = {folder_of(p) for p in sources()}
    assert folders <= set(RANK), f"folders without a rank: {sorted(folders - set(RANK))}"


def test_includes_go_down_the_layers():
    bad = [v for p in sources() for v in include_violations(p)]
    assert not bad, "\n".join(bad)


def test_cli_calls_no_state_or_cgroup_function():
    cli = os.path.join(SRC, "cli")
    bad = [v for p in sources() if p.startswith(cli + os.sep) for v in call_violations(p)]
    assert not bad, "\n".join(bad)


# The checks themselves, on made-up sources: each rule catches what it is for.
@pytest.fixture
def fake_src(tmp_path, monkeypatch):
    monkeypatch.setattr(__import__(__name__), "SRC", str(tmp_path))
    for d in ("cli", "container", "cgroup"):
        (tmp_path / d).mkdir()
    return tmp_path


def test_checks_catch_violations(fake_src):
    up = fake_src / "container" / "x.h"
    up.write_text('#include "cli/cli.h"\n#include "util/error.h"\n')
    assert len(include_violations(str(up))) == 1
    sideways = fake_src / "cgroup" / "y.c"
    sideways.write_text('#include "handler/handler.h"\n#include "cgroup/cgroup.h"\n')
    assert len(include_violations(str(sideways))) == 1
    verb = fake_src / "cli" / "v.c"
    verb.write_text('/* state_open( in a comment */\nstatic int f(void) {\n'
                    '    puts("cgroup_load(");\n    g->cgroup_manager = 0;\n'
                    '    return state_open (g->root, id) + cgroup_free(cg);\n}\n')
    assert [v.split("calls ")[1] for v in call_violations(str(verb))] == [
        "cgroup_free(): cli/ reaches containers through container/container.h",
        "state_open(): cli/ reaches containers through container/container.h",
    ]
