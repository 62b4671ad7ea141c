import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def wat2bin():
    path = os.environ.get("WAT2BIN", os.path.join(ROOT, "build", "tests", "wat", "wat2bin"))
    if not os.access(path, os.X_OK):
        pytest.skip(f"wat2bin not built at {path} (ninja -C build)")
    return path
