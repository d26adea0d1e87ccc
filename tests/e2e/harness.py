"""Temporary shim: harness moved to tests/lab/nextstack_lab/harness.py. Remove when django_app.py, postgres.py,
six_stack.py, six_stack_site.py and test_six_stack.py import nextstack_lab.harness instead of harness (they were
being edited when it moved).

`import harness` gets the package's module itself (not a copy), private names and module state included; tests/lab is
put on sys.path for scripts run by path from tests/e2e (six_stack.py, six_stack_site.py)."""

import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1] / "lab") not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))
import nextstack_lab.harness  # noqa: E402

sys.modules[__name__] = nextstack_lab.harness
