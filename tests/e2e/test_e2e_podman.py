"""podman + conmon (CRI-O's monitor too) with weft as the OCI runtime, as a user
sees it: `podman --runtime PATH run ...`, output, exit status, stop, rm."""
import json
import uuid

import pytest

from e2e_docs import block
from e2e_env import BUSYBOX_IMAGE, WASM_IMAGE, WASM_PLAIN_IMAGE


def name():
    return "e2e-" + uuid.uuid4().hex[:10]


def inspect(podman, ctr):
    return json.loads(podman.podman("inspect", ctr).stdout)[0]


# --- native ---------------------------------------------------------------------------


def test_run_prints_and_exits_zero(podman, weft, images):
    p = podman.podman("run", "--rm", "--network", "none", BUSYBOX_IMAGE,
                      "echo", "hello from weft", runtime=weft["weft"])
    assert p.stdout == "hello from weft\n"


def test_exit_status_reaches_the_user(podman, weft, images):
    n = name()
    p = podman.podman("run", "--name", n, "--network", "none", BUSYBOX_IMAGE,
                      "sh", "-c", "echo to-stderr >&2; exit 7", runtime=weft["weft"], check=False)
    assert p.returncode == 7
    assert "to-stderr" in p.stderr
    st = inspect(podman, n)["State"]
    assert st["Status"] == "exited" and st["ExitCode"] == 7
    assert "Exited (7)" in podman.podman("ps", "-a", "--filter", f"name={n}").stdout
    podman.podman("rm", n)
    assert n not in podman.podman("ps", "-a").stdout


def test_missing_command_is_127(podman, weft, images):
    p = podman.podman("run", "--rm", "--network", "none", BUSYBOX_IMAGE, "/no/such",
                      runtime=weft["weft"], check=False)
    assert p.returncode in (126, 127), p
    assert "no/such" in p.stderr


def test_detached_exec_pause_stop_rm(podman, weft, images):
    n = name()
    podman.podman("run", "-d", "--name", n, "--network", "none", BUSYBOX_IMAGE, "sh", "-c",
                  "trap 'echo got TERM; exit 3' TERM; echo started; "
                  "while :; do sleep 0.1; done", runtime=weft["weft"])
    try:
        assert inspect(podman, n)["State"]["Status"] == "running"
        p = podman.podman("exec", n, "sh", "-c", "echo in exec $$; exit 4", check=False)
        assert p.returncode == 4 and p.stdout.startswith("in exec ")
        podman.podman("pause", n)
        assert inspect(podman, n)["State"]["Status"] == "paused"
        podman.podman("unpause", n)
        assert inspect(podman, n)["State"]["Status"] == "running"
        top = podman.podman("top", n, "pid", "args").stdout
        assert "sleep" in top or "sh -c" in top
        # podman stop sends SIGTERM (weft kill), the trap exits 3 well before the timeout
        podman.podman("stop", "-t", "10", n, timeout=30)
        st = inspect(podman, n)["State"]
        assert st["Status"] == "exited" and st["ExitCode"] == 3
        logs = podman.podman("logs", n).stdout
        assert "started" in logs and "got TERM" in logs
    finally:
        podman.podman("rm", "-f", "-t", "0", n, check=False)
    assert n not in podman.podman("ps", "-a").stdout


def test_stop_escalates_to_sigkill(podman, weft, images):
    n = name()
    # PID 1 without a TERM handler ignores SIGTERM: podman must SIGKILL after -t.
    podman.podman("run", "-d", "--name", n, "--network", "none", BUSYBOX_IMAGE,
                  "sleep", "600", runtime=weft["weft"])
    podman.podman("stop", "-t", "1", n, timeout=30)
    assert inspect(podman, n)["State"]["ExitCode"] == 137
    podman.podman("rm", n)


def test_rm_force_a_running_container(podman, weft, images):
    n = name()
    podman.podman("run", "-d", "--name", n, "--network", "none", BUSYBOX_IMAGE,
                  "sleep", "600", runtime=weft["weft"])
    podman.podman("rm", "-f", "-t", "0", n)
    assert n not in podman.podman("ps", "-a").stdout


def test_stdin_and_tty(podman, weft, images):
    p = podman.podman("run", "--rm", "-i", "--network", "none", BUSYBOX_IMAGE, "cat",
                      runtime=weft["weft"], input="through stdin\n")
    assert p.stdout == "through stdin\n"
    # -t: weft receives --console-socket and hands the pty master to conmon.
    p = podman.podman("run", "--rm", "-t", "--network", "none", BUSYBOX_IMAGE, "sh", "-c",
                      "tty; echo done", runtime=weft["weft"], input="")
    assert "/dev/pts/" in p.stdout and "done" in p.stdout


def test_weft_wasm_link_runs_native_images_natively(podman, weft, images):
    # compat-smart by default: an ELF entrypoint is still native.
    p = podman.podman("run", "--rm", "--network", "none", BUSYBOX_IMAGE, "echo", "native",
                      runtime=weft["weft-wasm"])
    assert p.stdout == "native\n"


def test_wasm_image_without_annotation_is_not_wasm(podman, weft, images):
    # Under plain `weft` with no annotation anywhere, the module is just a file
    # the kernel cannot execute.
    p = podman.podman("run", "--rm", "--network", "none", WASM_PLAIN_IMAGE,
                      runtime=weft["weft"], check=False)
    assert p.returncode != 0
    assert "hello from wasm" not in p.stdout


def test_docs_podman_commands(podman, weft, images, artifacts):
    script = block("kubernetes.md", "podman-run")
    script = script.replace("/usr/local/bin/weft-wasm", weft["weft-wasm"])
    script = script.replace("/usr/local/bin/weft ", weft["weft"] + " ")
    assert "/usr/local/bin" not in script
    out = podman.sh(script, cwd=artifacts).stdout
    assert out == "hello from wasm, world\n" * 2 + "native\n"


# --- wasm -------------------------------------------------------------------------------

ANNOTATION_FORMS = ["module.wasm.image/variant=compat", "run.oci.handler=wasm",
                    "module.wasm.image/variant=compat-smart", "run.oci.handler=wasm-smart"]


@pytest.mark.parametrize("annotation", ANNOTATION_FORMS)
def test_wasm_with_annotation(podman, weft, images, annotation):
    p = podman.podman("run", "--rm", "--network", "none", "--annotation", annotation,
                      "-e", "HELLO_WHO=podman", "-e", "HELLO_EXIT=3", WASM_PLAIN_IMAGE,
                      "a b", "c", runtime=weft["weft"], check=False)
    assert p.stdout == "hello from wasm, podman\narg1=a b\narg2=c\n", p
    assert p.returncode == 3


def test_wasm_annotation_from_the_image_only(podman, weft, images):
    p = podman.podman("run", "--rm", "--network", "none", WASM_IMAGE, runtime=weft["weft"])
    assert p.stdout == "hello from wasm, world\n"


def test_wasm_through_weft_wasm_link(podman, weft, images):
    p = podman.podman("run", "--rm", "--network", "none", WASM_PLAIN_IMAGE, "x",
                      runtime=weft["weft-wasm"])
    assert p.stdout == "hello from wasm, world\narg1=x\n"


def test_wasm_detached_stop_rm(podman, weft, images):
    n = name()
    podman.podman("run", "-d", "--name", n, "--network", "none", "-e", "HELLO_SLEEP=600",
                  WASM_IMAGE, runtime=weft["weft"])
    try:
        assert inspect(podman, n)["State"]["Status"] == "running"
        podman.podman("stop", "-t", "2", n, timeout=30)
        st = inspect(podman, n)["State"]
        assert st["Status"] == "exited" and st["ExitCode"] in (137, 143)
        assert podman.podman("logs", n).stdout == "hello from wasm, world\n"
    finally:
        podman.podman("rm", "-f", "-t", "0", n, check=False)
    assert n not in podman.podman("ps", "-a").stdout
