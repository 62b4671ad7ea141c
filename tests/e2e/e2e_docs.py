"""The e2e suite runs the docs: code blocks in docs/*.md tagged `e2e:NAME` in their
fence info (```sh e2e:wasm-image) are extracted and executed or parsed by the
tests, so the documented commands and configs cannot drift from what works."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")

FENCE = re.compile(r"^```(\w+)[ \t]+e2e:([\w.-]+)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def blocks(doc):
    """{name: (language, text)} of the tagged blocks of docs/<doc>."""
    with open(os.path.join(DOCS, doc), encoding="utf-8") as f:
        text = f.read()
    out = {}
    for lang, name, body in FENCE.findall(text):
        assert name not in out, f"docs/{doc}: two blocks tagged e2e:{name}"
        out[name] = (lang, body)
    return out


def block(doc, name):
    found = blocks(doc)
    assert name in found, f"docs/{doc} has no block tagged e2e:{name}"
    return found[name][1]


def toml_dump(data):
    """Enough TOML for containerd's config: nested tables of strings, numbers,
    booleans and lists of strings (Python has tomllib to read, nothing to write)."""
    lines = []

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(f"toml_dump: unsupported {type(v).__name__}")

    def key(k):
        return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else value(k)

    def table(path, d):
        scalars = {k: v for k, v in d.items() if not isinstance(v, dict)}
        if path and scalars or not path:
            if path:
                lines.append("[" + ".".join(key(p) for p in path) + "]")
            for k, v in scalars.items():
                lines.append(f"{key(k)} = {value(v)}")
        for k, v in d.items():
            if isinstance(v, dict):
                table(path + [k], v)

    table([], data)
    return "\n".join(lines) + "\n"


def merge(base, extra):
    """Deep-merge dict extra into base (extra wins)."""
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base
