"""Temporary shim: access_logs moved to tests/lab/nextstack_lab/access_logs.py. Remove when test_six_stack.py import
nextstack_lab.access_logs instead of access_logs (they were being edited when it moved).

`import access_logs` gets the package's module itself (not a copy), private names and module state included; tests/lab is
put on sys.path for scripts run by path from tests/e2e (six_stack.py, six_stack_site.py)."""

import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1] / "lab") not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))
import nextstack_lab.access_logs  # noqa: E402

sys.modules[__name__] = nextstack_lab.access_logs
