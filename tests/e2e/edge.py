"""Temporary shim: edge moved to tests/lab/nextstack_lab/edge.py. Remove when six_stack_site.py,
test_lambda_previews.py and test_lambda_django_rds.py import nextstack_lab.edge instead of edge (they were being
edited when it moved).

`import edge` gets the package's module itself (not a copy), private names and module state included; tests/lab is
put on sys.path for scripts run by path from tests/e2e (six_stack.py, six_stack_site.py)."""

import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1] / "lab") not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))
import nextstack_lab.edge  # noqa: E402

sys.modules[__name__] = nextstack_lab.edge
