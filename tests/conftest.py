# Shared pytest configuration: the weft binary under test comes from $WEFT
# (the Makefile sets it), so the same suites run against any build.
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def weft_bin():
    path = os.environ.get("WEFT", os.path.join(ROOT, "build", "weft"))
    assert os.access(path, os.X_OK), f"weft binary not found at {path} (run make build)"
    return path
