"""Helpers shared by the integration tests (a unique module name: several
suites have a conftest.py)."""
import os

import pytest


def cgroup_dirs(name):
    """Every directory under /sys/fs/cgroup whose name is `name` (leak checks)."""
    found = []
    for top, dirs, _ in os.walk("/sys/fs/cgroup"):
        for d in dirs:
            if d == name:
                found.append(os.path.join(top, d))
    return found


def mounts_containing(text):
    with open("/proc/self/mountinfo") as f:
        return [l for l in f if text in l]


def cgroup_v1_mounted():
    """A cgroup v1 hierarchy exists (v1 or hybrid host). Tests that read v1
    interface files (memory.limit_in_bytes, cpu.shares, ...) need one; on
    pure v2 (the guest lab) test_cgroup_v2.py covers the same limits."""
    with open("/proc/self/mountinfo") as f:
        return any(l.split(" - ")[1].startswith("cgroup ") for l in f)


needs_cgroup_v1 = pytest.mark.skipif(
    not cgroup_v1_mounted(), reason="reads cgroup v1 files; on pure v2 test_cgroup_v2.py checks these")
