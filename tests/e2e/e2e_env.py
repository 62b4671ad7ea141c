"""End-to-end helpers: the real clients (buildah, podman + conmon, containerd's CRI
plugin, ctr) driving the weft binary, each started by the suite under its own
temporary directory and torn down afterwards. The host's container configuration
is never read or written: podman/buildah get private containers.conf and
storage.conf (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF), containerd its own
config, root, state and sockets."""
import json
import os
import shutil
import signal
import subprocess
import time

from e2e_docs import block, merge, toml_dump

HERE = os.path.dirname(os.path.abspath(__file__))

# Debian packages the suite drives (also in scripts/install-deps.sh's e2e list).
PACKAGES = ["podman", "buildah", "conmon", "containerd", "python3-grpcio", "python3-protobuf",
            "protobuf-compiler", "python3-yaml", "clang", "lld", "wasi-libc",
            "libclang-rt-dev-wasm32", "busybox-static"]

# The image names the docs use (docs/images.md builds them, docs/kubernetes.md runs them).
WASM_IMAGE = "localhost/hello-wasm:latest"
WASM_PLAIN_IMAGE = "localhost/hello-wasm-plain:latest"  # no annotation on the image
BUSYBOX_IMAGE = "localhost/busybox:latest"
PAUSE_IMAGE = "localhost/pause:latest"


def run(cmd, check=True, timeout=120, **kw):
    """subprocess.run with captured text output and a readable failure."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} -> {p.returncode}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


# --- packages -----------------------------------------------------------------------


def _missing(packages):
    out = []
    for p in packages:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                           text=True)
        if "install ok installed" not in r.stdout:
            out.append(p)
    return out


def ensure_packages():
    missing = _missing(PACKAGES)
    if missing:
        assert os.geteuid() == 0, f"e2e: missing packages {missing} (run as root)"
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        # Other jobs may hold the dpkg lock for a while: wait for it, don't fail.
        lock = ["-o", "DPkg::Lock::Timeout=600"]
        run(["apt-get", *lock, "update", "-qq"], env=env, timeout=900)
        run(["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", *missing],
            env=env, timeout=1800)


# --- the workspace ------------------------------------------------------------------


def _mounts_under(path):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mnt = line.split()[4].replace("\\040", " ")
            if mnt == path or mnt.startswith(path + "/"):
                out.append(mnt)
    return out


def remove_cgroups(name):
    """rmdir the empty cgroup directories `name` left in every hierarchy (podman's
    libpod_parent, the CRI pods' parent), deepest first; busy ones stay."""
    for hier in os.listdir("/sys/fs/cgroup"):
        top = os.path.join("/sys/fs/cgroup", hier, name)
        if not os.path.isdir(top):
            continue
        for dirpath, _, _ in sorted(os.walk(top), key=lambda w: len(w[0]), reverse=True):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass


def unmount_all(path):
    """Lazily unmount everything under path, deepest first (overlay layers, shm,
    the netns and rootfs mounts that containerd and podman leave until cleanup)."""
    for mnt in sorted(_mounts_under(path), key=len, reverse=True):
        subprocess.run(["umount", "-l", mnt], capture_output=True)


def weft_links(weft_bin, workdir):
    """The weft binary, plus a `weft-wasm` link to it (the smart-by-default name)."""
    bindir = os.path.join(workdir, "bin")
    os.makedirs(bindir)
    link = os.path.join(bindir, "weft-wasm")
    os.symlink(os.path.abspath(weft_bin), link)
    return {"weft": os.path.abspath(weft_bin), "weft-wasm": link}


def build_artifacts(workdir):
    """What the images are built from: hello.wasm (clang, wasm32-wasi), the pause
    program (static C), and the sources next to them."""
    d = os.path.join(workdir, "src")
    os.makedirs(d)
    shutil.copy(os.path.join(HERE, "hello.c"), d)
    run(["bash", "-ec", block("images.md", "module")], cwd=d)
    run(["cc", "-static", "-O2", "-o", os.path.join(d, "pause"), os.path.join(HERE, "pause.c")])
    return d


# --- podman / buildah ---------------------------------------------------------------


class Podman:
    """podman and buildah with private storage and configuration."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "podman")
        self.root = os.path.join(self.dir, "root")
        self.runroot = os.path.join(self.dir, "runroot")
        tmp = os.path.join(self.dir, "tmp")
        for d in (self.root, self.runroot, tmp, os.path.join(self.dir, "networks")):
            os.makedirs(d)
        storage = os.path.join(self.dir, "storage.conf")
        with open(storage, "w") as f:
            f.write(f'[storage]\ndriver = "overlay"\nrunroot = "{self.runroot}"\n'
                    f'graphroot = "{self.root}"\n')
        import tomllib
        conf = tomllib.loads(block("kubernetes.md", "podman-containers-conf"))
        merge(conf, {"engine": {"tmp_dir": tmp,
                                "events_logfile_path": os.path.join(self.dir, "events.log"),
                                "volume_path": os.path.join(self.root, "volumes"),
                                "static_dir": os.path.join(self.root, "libpod")},
                     "network": {"network_config_dir": os.path.join(self.dir, "networks")}})
        containers = os.path.join(self.dir, "containers.conf")
        with open(containers, "w") as f:
            f.write(toml_dump(conf))
        self.env = dict(os.environ, CONTAINERS_CONF=containers,
                        CONTAINERS_STORAGE_CONF=storage,
                        CONTAINERS_REGISTRIES_CONF=os.path.join(self.dir, "registries.conf"))
        with open(self.env["CONTAINERS_REGISTRIES_CONF"], "w") as f:
            f.write("unqualified-search-registries = []\n")

    def podman(self, *args, runtime=None, check=True, timeout=120, input=None):
        cmd = ["podman", "--root", self.root, "--runroot", self.runroot]
        if runtime:
            cmd += ["--runtime", runtime]
        return run(cmd + list(args), check=check, timeout=timeout, env=self.env, input=input)

    def buildah(self, *args, check=True, cwd=None):
        return run(["buildah", "--root", self.root, "--runroot", self.runroot, *args],
                   check=check, env=self.env, cwd=cwd)

    def sh(self, script, cwd):
        """A docs block, with buildah/podman on this private storage."""
        return run(["bash", "-ec", script], cwd=cwd, env=self.env, timeout=300)

    def teardown(self):
        self.podman("rm", "-a", "-f", "-t", "0", check=False)
        self.podman("system", "prune", "-f", check=False)
        unmount_all(self.dir)
        remove_cgroups("libpod_parent")


def build_images(podman, d):
    """The images, built as docs/images.md says, and their oci-archive files."""
    podman.sh(block("images.md", "wasm-image"), cwd=d)
    podman.sh(block("images.md", "busybox-image"), cwd=d)
    with open(os.path.join(d, "Containerfile"), "w") as f:
        f.write(block("images.md", "containerfile"))
    podman.sh(block("images.md", "podman-build"), cwd=d)
    podman.sh(block("images.md", "archive"), cwd=d)
    # Test-only images: the module without the image annotation (so that only the
    # CLI/pod annotation can make it wasm), and the pod sandbox image.
    for name, files, entry in ((WASM_PLAIN_IMAGE, ["hello.wasm"], "/hello.wasm"),
                               (PAUSE_IMAGE, ["pause"], "/pause")):
        ctr = podman.buildah("from", "scratch").stdout.strip()
        for f in files:
            podman.buildah("copy", ctr, os.path.join(d, f), "/" + f)
        podman.buildah("config", "--entrypoint", json.dumps([entry]), ctr)
        podman.buildah("commit", "-q", ctr, name)
        podman.buildah("rm", ctr)
    archives = {WASM_IMAGE: os.path.join(d, "hello-wasm.tar"),
                BUSYBOX_IMAGE: os.path.join(d, "busybox.tar")}
    for name in (WASM_PLAIN_IMAGE, PAUSE_IMAGE):
        path = os.path.join(d, name.split("/")[1].split(":")[0] + ".tar")
        podman.buildah("push", "-q", name, f"oci-archive:{path}:{name}")
        archives[name] = path
    return archives


# --- containerd ---------------------------------------------------------------------


def _die_with_parent():
    """In the child before exec: SIGTERM when the test process dies, so a killed
    pytest (CI timeout, a closed pipe) leaves no containerd behind."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Containerd:
    """A private containerd 1.6 with its CRI plugin: config from docs/kubernetes.md
    (runtime handlers, restricted-node settings) plus test-only paths."""

    def __init__(self, workdir, weft, images, systemd_cgroup=False):
        """systemd_cgroup: `SystemdCgroup = true` for every runtime (the shim then
        passes --systemd-cgroup; pods need a cgroup parent that names a slice)."""
        import tomllib
        self.dir = os.path.join(workdir, "containerd")
        self.socket = os.path.join(self.dir, "containerd.sock")
        self.weft_root = os.path.join(self.dir, "weft-root")
        self.weft_bin = weft["weft"]
        self.logs = os.path.join(self.dir, "pods")
        os.makedirs(self.logs)
        conf = tomllib.loads(block("kubernetes.md", "containerd"))
        merge(conf, tomllib.loads(block("kubernetes.md", "containerd-restricted")))
        cri = conf["plugins"]["io.containerd.grpc.v1.cri"]
        runtimes = cri["containerd"]["runtimes"]
        for name in ("weft", "weft-wasm"):
            opts = runtimes[name]["options"]
            assert opts["BinaryName"] == f"/usr/local/bin/{name}"
            opts["BinaryName"] = weft[name]
            # The shim's --root for the runtime: keep its state under our directory.
            opts["Root"] = self.weft_root
        # Comparison runtimes for the figures (bench/cri): same shim, other binaries.
        runtimes["runc"] = {"runtime_type": "io.containerd.runc.v2",
                            "options": {"BinaryName": shutil.which("runc") or "runc",
                                        "Root": os.path.join(self.dir, "runc-root")}}
        runtimes["crun"] = {"runtime_type": "io.containerd.runc.v2",
                            "options": {"BinaryName": shutil.which("crun") or "crun",
                                        "Root": os.path.join(self.dir, "crun-root")}}
        for rt in runtimes.values():
            rt.setdefault("options", {})["SystemdCgroup"] = systemd_cgroup
        cri["containerd"]["default_runtime_name"] = "runc"
        cri["containerd"]["snapshotter"] = "overlayfs"
        cri["sandbox_image"] = PAUSE_IMAGE
        cri["disable_apparmor"] = True
        cri["cni"] = {"bin_dir": os.path.join(self.dir, "cni-bin"),
                      "conf_dir": os.path.join(self.dir, "cni-conf")}
        merge(conf, {
            "root": os.path.join(self.dir, "root"),
            "state": os.path.join(self.dir, "state"),
            "grpc": {"address": self.socket},
            "ttrpc": {"address": self.socket + ".ttrpc"},
            "debug": {"address": os.path.join(self.dir, "debug.sock"), "level": "info"},
            "disabled_plugins": ["io.containerd.snapshotter.v1.aufs",
                                 "io.containerd.snapshotter.v1.btrfs",
                                 "io.containerd.snapshotter.v1.zfs",
                                 "io.containerd.snapshotter.v1.devmapper",
                                 "io.containerd.internal.v1.tracing",
                                 "io.containerd.tracing.processor.v1.otlp"],
        })
        self.config = os.path.join(self.dir, "config.toml")
        with open(self.config, "w") as f:
            f.write(toml_dump(conf))
        self.log = open(os.path.join(self.dir, "containerd.log"), "w")
        self.proc = subprocess.Popen(["containerd", "--config", self.config],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=_die_with_parent)
        self._wait_ready()
        for name, path in images.items():
            for ns in ("k8s.io", "default"):
                self.ctr("images", "import", path, ns=ns, timeout=120)

    def _wait_ready(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"containerd exited: {self.tail()}"
            if os.path.exists(self.socket) and \
                    run(["ctr", "-a", self.socket, "version"], check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError(f"containerd did not come up: {self.tail()}")

    def tail(self, n=40):
        self.log.flush()
        with open(self.log.name) as f:
            return "".join(f.readlines()[-n:])

    def ctr(self, *args, ns="default", check=True, timeout=60):
        return run(["ctr", "-a", self.socket, "-n", ns, *args], check=check, timeout=timeout)

    def _shim_pids(self):
        """The shims this containerd started (they name its socket in their argv)."""
        pids = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"containerd-shim-runc-v2") and \
                    self.socket.encode() in argv:
                pids.append(int(pid))
        return pids

    def teardown(self):
        # Pods and containers left behind by a failed test: remove through CRI's
        # view (ctr lists the same tasks), then stop the daemon and its shims.
        for ns in ("k8s.io", "default"):
            tasks = self.ctr("tasks", "ls", "-q", ns=ns, check=False).stdout.split()
            for t in tasks:
                self.ctr("tasks", "kill", "-s", "SIGKILL", t, ns=ns, check=False)
            time.sleep(0.2 if tasks else 0)
            for t in tasks:
                self.ctr("tasks", "delete", "-f", t, ns=ns, check=False)
            for c in self.ctr("containers", "ls", "-q", ns=ns, check=False).stdout.split():
                self.ctr("containers", "delete", c, ns=ns, check=False)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for pid in self._shim_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()
        unmount_all(self.dir)
        remove_cgroups("k8s.io")  # the CRI's default cgroup parent


