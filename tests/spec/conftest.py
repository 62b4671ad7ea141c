# The spec suites run on both engine tiers (see wasm_tier in tests/conftest.py)
# and a third time with every module's compiled code going through the AOT
# cache's file format (written, checked, loaded: "aot").
import pytest


@pytest.fixture(autouse=True, params=["jit", "interp", "aot"])
def _every_tier(request, monkeypatch):
    monkeypatch.setenv("WEFT_WASM_TIER", request.param)
    return request.param
