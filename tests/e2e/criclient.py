"""A small CRI v1 client: what crictl would be, over grpc with messages compiled
from cri_api.proto at test time (protoc --python_out; no grpc_tools needed, the
RPCs are bound by their method paths). It follows kubelet's sequence:
RunPodSandbox, CreateContainer, StartContainer, ContainerStatus, log, Stop/Remove."""
import importlib.util
import os
import subprocess
import time

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))

RUNTIME_RPCS = ("Version", "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox",
                "PodSandboxStatus", "CreateContainer", "StartContainer", "StopContainer",
                "RemoveContainer", "ContainerStatus", "ExecSync")
IMAGE_RPCS = ("ImageStatus",)


def compile_api(outdir):
    """protoc the API into outdir and import it (a fresh module per directory)."""
    subprocess.run(["protoc", f"-I{HERE}", f"--python_out={outdir}",
                    os.path.join(HERE, "cri_api.proto")], check=True)
    spec = importlib.util.spec_from_file_location("cri_api_pb2",
                                                  os.path.join(outdir, "cri_api_pb2.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class CRI:
    """One connection to a CRI endpoint (a unix socket path)."""

    def __init__(self, socket, api, timeout=60):
        self.pb = api
        self.timeout = timeout
        self.channel = grpc.insecure_channel(f"unix://{socket}")
        self._rpc = {}
        for service, names in (("RuntimeService", RUNTIME_RPCS), ("ImageService", IMAGE_RPCS)):
            for name in names:
                req = getattr(api, f"{name}Request")
                resp = getattr(api, f"{name}Response")
                self._rpc[name] = self.channel.unary_unary(
                    f"/runtime.v1.{service}/{name}",
                    request_serializer=req.SerializeToString,
                    response_deserializer=resp.FromString)

    def close(self):
        self.channel.close()

    def call(self, name, **fields):
        req = getattr(self.pb, f"{name}Request")(**fields)
        return self._rpc[name](req, timeout=self.timeout)

    # --- kubelet's vocabulary -------------------------------------------------

    def version(self):
        return self.call("Version", version="v1")

    def sandbox_config(self, name, log_dir, annotations=None, uid=None):
        """A host-network pod (this machine gives containers no network)."""
        pb = self.pb
        ns = pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD)
        return pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=uid or f"uid-{name}",
                                           namespace="default", attempt=0),
            log_directory=log_dir,
            annotations=annotations or {},
            linux=pb.LinuxPodSandboxConfig(
                security_context=pb.LinuxSandboxSecurityContext(namespace_options=ns)))

    def run_pod(self, config, handler):
        return self.call("RunPodSandbox", config=config,
                         runtime_handler=handler).pod_sandbox_id

    def pod_status(self, pod_id):
        return self.call("PodSandboxStatus", pod_sandbox_id=pod_id).status

    def create(self, pod_id, sandbox_config, name, image, command=(), args=(), env=None,
               annotations=None):
        pb = self.pb
        ns = pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD)
        cfg = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name, attempt=0),
            image=pb.ImageSpec(image=image),
            command=list(command), args=list(args),
            envs=[pb.KeyValue(key=k, value=v) for k, v in (env or {}).items()],
            annotations=annotations or {},
            log_path=f"{name}/0.log",
            linux=pb.LinuxContainerConfig(
                security_context=pb.LinuxContainerSecurityContext(namespace_options=ns)))
        return self.call("CreateContainer", pod_sandbox_id=pod_id, config=cfg,
                         sandbox_config=sandbox_config).container_id

    def start(self, cid):
        self.call("StartContainer", container_id=cid)

    def status(self, cid):
        return self.call("ContainerStatus", container_id=cid).status

    def wait_state(self, cid, state, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            st = self.status(cid)
            if st.state == state:
                return st
            if st.state == self.pb.CONTAINER_EXITED:  # never coming back
                raise AssertionError(f"container {cid} exited ({st.exit_code}) while waiting "
                                     f"for state {state}: {st.reason} {st.message}")
            if time.monotonic() > deadline:
                raise AssertionError(f"container {cid} stuck in state {st.state} "
                                     f"(wanted {state}): {st.reason} {st.message}")
            time.sleep(0.05)

    def exec_sync(self, cid, cmd, timeout=10):
        return self.call("ExecSync", container_id=cid, cmd=list(cmd), timeout=timeout)

    def stop(self, cid, timeout=0):
        self.call("StopContainer", container_id=cid, timeout=timeout)

    def remove(self, cid):
        self.call("RemoveContainer", container_id=cid)

    def stop_pod(self, pod_id):
        self.call("StopPodSandbox", pod_sandbox_id=pod_id)

    def remove_pod(self, pod_id):
        self.call("RemovePodSandbox", pod_sandbox_id=pod_id)

    def image_present(self, ref):
        return bool(self.call("ImageStatus", image=self.pb.ImageSpec(image=ref)).image.id)


def read_cri_log(path):
    """The CRI log format: '<RFC3339Nano> <stream> <P|F> <text>' per line.
    Returns the text with partial lines joined, as `kubectl logs` shows it."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 3)
            if len(parts) < 3:
                continue
            text = parts[3] if len(parts) == 4 else ""
            out.append(text if parts[2] == "P" else text + "\n")
    return "".join(out)
