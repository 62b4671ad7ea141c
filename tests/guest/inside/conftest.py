"""The integration suite's fixtures (bundles on busybox-static, a private --root per test),
loaded from tests/integration/conftest.py under another module name."""
import importlib.util
import os

_path = os.path.join(os.path.dirname(__file__), "..", "..", "integration", "conftest.py")
_spec = importlib.util.spec_from_file_location("weft_integration_conftest", _path)
_integration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_integration)

default_config = _integration.default_config
rootfs_template = _integration.rootfs_template
make_bundle = _integration.make_bundle
weft = _integration.weft
cid = _integration.cid
