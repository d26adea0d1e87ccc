"""Temporary shim: browser moved to tests/lab/nextstack_lab/browser.py. Remove when test_lambda_previews.py import
nextstack_lab.browser instead of browser (they were being edited when it moved).

`import browser` gets the package's module itself (not a copy), private names and module state included; tests/lab is
put on sys.path for scripts run by path from tests/e2e (six_stack.py, six_stack_site.py)."""

import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[1] / "lab") not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))
import nextstack_lab.browser  # noqa: E402

sys.modules[__name__] = nextstack_lab.browser
