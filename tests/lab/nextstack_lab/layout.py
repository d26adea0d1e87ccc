"""A layout copied to scratch, and its stacks run side by side.

    example = copy_layout("six-stack", tmp_path / "layout", exclude=("run.sh",))   # -> .../examples/six-stack
    outputs = run_parallel(lambda stack: apply(stack), stage)                     # one thread per item

The examples' module sources are relative (../../../modules/...), so an example is copied with modules/ beside it;
local Terraform state and provider caches of a developer's checkout are left behind.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nextstack_lab import harness

# What a checkout may hold besides the sources, never copied into a test's layout.
LOCAL_STATE = (".terraform", ".terraform.lock.hcl", "terraform.tfstate*")


def copy_layout(example: str, dest: Path, exclude=()) -> Path:
    """modules/ and examples/EXAMPLE copied to dest/modules and dest/examples/EXAMPLE (without local state and the
    names in `exclude`); returns dest/examples/EXAMPLE."""
    source = harness.REPO_ROOT / "examples" / example
    if not source.is_dir():
        raise harness.HarnessError("no example %r: %s is not a directory" % (example, source))
    ignore = shutil.ignore_patterns(*LOCAL_STATE, *exclude)
    dest = Path(dest)
    shutil.copytree(harness.REPO_ROOT / "modules", dest / "modules", ignore=ignore)
    return Path(shutil.copytree(source, dest / "examples" / example, ignore=ignore))


def run_parallel(fn, items):
    """[fn(item) for item in items], each in its own thread (the stacks of one stage); the first exception raised
    is raised here once every call has ended."""
    items = list(items)
    with ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
        return list(pool.map(fn, items))


def copy_example(name: str, dest: Path) -> Path:
    """examples/NAME alone (an example without module sources, such as acm_certificate) copied to dest, without
    local state; returns dest."""
    source = harness.REPO_ROOT / "examples" / name
    if not source.is_dir():
        raise harness.HarnessError("no example %r: %s is not a directory" % (name, source))
    return Path(shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*LOCAL_STATE)))
