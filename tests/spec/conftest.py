# The spec suites run on both engine tiers (see wasm_tier in tests/conftest.py).
import pytest


@pytest.fixture(autouse=True)
def _every_tier(wasm_tier):
    return wasm_tier
