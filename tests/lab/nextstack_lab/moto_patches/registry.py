"""The registry of moto patches: @patch adds a function to PATCHES where it is defined; apply_all() runs them.

Order: the service modules import in the order nextstack_lab/moto_patches/__init__.py lists them, and a module's
patches register in the order of its file. Patches that wrap the same method stack in that order; a patch that
needs another applied first says so with @patch(after="NAME"), checked when it registers.
"""

from __future__ import annotations

PATCHES: list = []  # the registered patch functions, in the order they are applied

_applied = False


def patch(function=None, *, after: str | None = None):
    """Register `function` (a patch: no arguments, changes moto's classes) at the end of PATCHES.

    after: the name of a patch that must be applied before this one; registering fails if it is not registered yet.
    """

    def register(function):
        names = [p.__name__ for p in PATCHES]
        if function.__name__ in names:
            raise ValueError("moto patch %s is registered twice" % function.__name__)
        if after is not None and after not in names:
            raise ValueError("moto patch %s must come after %s, which is not registered before it" % (
                function.__name__, after))
        PATCHES.append(function)
        return function

    return register(function) if function is not None else register


def apply_all() -> None:
    """Apply every patch in PATCHES (once per process)."""
    global _applied
    if _applied:
        return
    for function in PATCHES:
        function()
    _applied = True
