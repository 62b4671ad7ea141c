"""The wasm engines the container suite runs on, each where it can run here.

builtin always runs. An external engine runs when its library can be found:
  - WAMR: libiwasm.so in $WEFT_WAMR_LIB_DIR (default /var/lib/weft-test/wamr)
    or on the host's library path;
  - WasmEdge: libwasmedge.so.0 on the host's library path, or in a Debian
    trixie root ($WEFT_WASMEDGE_ROOT, default /var/lib/weft-test/trixie, made
    by scripts/engines/wasmedge-root.sh): Debian 12's glibc is too old for
    trixie's libwasmedge0, so there weft runs chrooted into that root, with
    /tmp and the build directory bound in at the same paths;
  - wasmtime, wasmer: libwasmtime.so / libwasmer.so on the host's library
    path or in $WEFT_WASMTIME_LIB_DIR / $WEFT_WASMER_LIB_DIR.
An engine that cannot run is skipped with the reason.
"""
import ctypes
import ctypes.util
import os
import subprocess

import pytest

ENGINES = ["builtin", "wasmedge", "wamr", "wasmtime", "wasmer"]
LIBS = {"wasmedge": "libwasmedge.so.0", "wamr": "libiwasm.so", "wasmtime": "libwasmtime.so",
        "wasmer": "libwasmer.so"}
LIB_DIR_ENV = {"wamr": ("WEFT_WAMR_LIB_DIR", "/var/lib/weft-test/wamr"),
               "wasmtime": ("WEFT_WASMTIME_LIB_DIR", None),
               "wasmer": ("WEFT_WASMER_LIB_DIR", None),
               "wasmedge": ("WEFT_WASMEDGE_LIB_DIR", None)}
TRIXIE = os.environ.get("WEFT_WASMEDGE_ROOT", "/var/lib/weft-test/trixie")


def host_loadable(lib):
    """True when the dynamic loader of this machine opens `lib` (a path or a soname)."""
    r = subprocess.run(["/usr/bin/python3", "-c", f"import ctypes; ctypes.CDLL({lib!r})"],
                       capture_output=True)
    return r.returncode == 0


class EngineEnv:
    """How to run weft so that `name` is the default engine."""

    def __init__(self, name, lib_dir=None, chroot=None):
        self.name, self.lib_dir, self.chroot = name, lib_dir, chroot

    def config_text(self):
        lines = [f"default_engine = {self.name}"]
        if self.lib_dir:
            lines.append(f"engine_library_path = {self.lib_dir}")
        return "\n".join(lines) + "\n"


def find_engine(name):
    """An EngineEnv, or the reason the engine cannot run here."""
    if name == "builtin":
        return EngineEnv(name), None
    var, default = LIB_DIR_ENV[name]
    d = os.environ.get(var, default)
    lib = LIBS[name]
    if d and os.path.exists(os.path.join(d, lib)) and host_loadable(os.path.join(d, lib)):
        return EngineEnv(name, lib_dir=d), None
    if host_loadable(lib):
        return EngineEnv(name), None
    if name == "wasmedge":
        inside = os.path.join(TRIXIE, "usr/lib/x86_64-linux-gnu", lib)
        if os.path.exists(inside):
            return EngineEnv(name, chroot=TRIXIE), None
        return None, (f"{lib} is not on this machine's library path and there is no trixie "
                      f"root with it at {TRIXIE} (scripts/engines/wasmedge-root.sh makes one)")
    return None, (f"{lib} is not on this machine's library path"
                  + (f" nor in {d}" if d else "")
                  + ("" if name == "wamr" else " (no package provides it here)"))


PIVOT = 'cd "$1" && shift && pivot_root . .oldroot && umount -l /.oldroot && exec "$@"'


class ChrootMounts:
    """The trixie root made ready to run weft inside: a mount point of its
    own, /proc, /sys, /dev, and /tmp plus the build directory at the same
    paths as outside. Undone in reverse."""

    def __init__(self, root, build_dir):
        self.root, self.build_dir, self.done = root, build_dir, []

    def _mount(self, args, target):
        subprocess.run(["mount", *args, target], check=True)
        self.done.append(target)

    def _inside(self, path):
        p = os.path.join(self.root, path.lstrip("/"))
        os.makedirs(p, exist_ok=True)
        return p

    def setup(self):
        os.makedirs(os.path.join(self.root, ".oldroot"), exist_ok=True)
        self._mount(["--bind", self.root], self.root)
        self._mount(["-t", "proc", "proc"], self._inside("/proc"))
        self._mount(["--rbind", "/sys"], self._inside("/sys"))
        self._mount(["--rbind", "/dev"], self._inside("/dev"))
        self._mount(["--bind", "/tmp"], self._inside("/tmp"))
        self._mount(["--bind", self.build_dir], self._inside(self.build_dir))
        return self

    def teardown(self):
        for target in reversed(self.done):
            subprocess.run(["umount", "-R", target], capture_output=True)
            if os.path.ismount(target):
                subprocess.run(["umount", "-R", "-l", target], capture_output=True)
        self.done = []


def engine_weft_class(base):
    """A Weft that runs with weft.conf naming the engine (and chrooted)."""

    class EngineWeft(base):
        def __init__(self, binary, root, env, config_path):
            super().__init__(binary, root)
            self.engine = env
            self.config_path = config_path

        def cmd(self, *args, glob=()):
            inner = super().cmd(*args, glob=glob)
            pre = ["env", f"WEFT_CONFIG={self.config_path}"]
            if self.engine.chroot:
                # pivot_root, not chroot: a mount namespace cloned by a
                # chrooted process keeps the host's root as its root, so
                # `exec` (setns) would not land in the container's rootfs
                pre += ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                        PIVOT, "sh", self.engine.chroot]
            return pre + inner

    return EngineWeft
