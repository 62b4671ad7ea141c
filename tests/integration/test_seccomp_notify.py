"""SCMP_ACT_NOTIFY: the notify fd and the container's state reach the agent
at linux.seccomp.listenerPath, and the agent's answer reaches the process."""
import array
import fcntl
import json
import os
import socket
import struct
import threading

NOTIF_RECV = 0xC0502100   # SECCOMP_IOCTL_NOTIF_RECV, struct seccomp_notif (80 bytes)
NOTIF_SEND = 0xC0182101   # SECCOMP_IOCTL_NOTIF_SEND, struct seccomp_notif_resp (24 bytes)
EXDEV = 18


def agent(path, result):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(30)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    result["state"] = json.loads(msg)
    notify = fds[0]
    # answer one notification: the container's mkdir fails with EXDEV
    buf = bytearray(80)
    fcntl.ioctl(notify, NOTIF_RECV, buf)
    notif_id, pid = struct.unpack_from("QI", buf, 0)
    result["syscall_pid"] = pid
    fcntl.ioctl(notify, NOTIF_SEND, bytearray(struct.pack("QqiI", notif_id, 0, -EXDEV, 0)))
    os.close(notify)
    conn.close()
    srv.close()


def test_notify_reaches_agent_and_answer_reaches_process(weft, make_bundle, cid, tmp_path):
    path = str(tmp_path / "agent.sock")
    result = {}
    t = threading.Thread(target=agent, args=(path, result), daemon=True)
    t.start()
    while not os.path.exists(path):
        pass
    b = make_bundle(["sh", "-c", "mkdir /tmp/x 2>&1; echo rc=$?"])
    b.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": path,
        "listenerMetadata": "meta-for-agent",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}],
    }
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    t.join(30)
    assert r.returncode == 0, r.stderr
    assert "rc=1" in r.stdout
    assert "cross-device" in r.stdout.lower()
    st = result["state"]
    assert st["fds"] == ["seccompFd"]
    assert st["metadata"] == "meta-for-agent"
    assert st["state"]["id"] == cid
    assert st["pid"] > 0
