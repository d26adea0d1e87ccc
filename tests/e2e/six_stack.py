"""Temporary shim: six_stack moved to tests/lab/nextstack_lab/six_stack.py. Remove when test_lambda_django_rds.py and
test_lambda_previews.py import nextstack_lab.six_stack instead of six_stack (they were being edited when it moved).

`import six_stack` gets the package's module itself (not a copy)."""

import sys

import nextstack_lab.six_stack

sys.modules[__name__] = nextstack_lab.six_stack
