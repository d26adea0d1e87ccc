"""What every benchmark script does first: re-execute itself with the toolchain's Python (.tools/venv, made by
tests/toolchain.sh) and put the test lab (tests/lab: the nextstack_lab package) and bench/common on sys.path.

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
    import bench_env  # noqa: E402
    REPO_ROOT = bench_env.enter(__file__)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = REPO_ROOT / ".tools" / "venv"


def enter(script: str) -> Path:
    """Re-exec `script` under .tools/venv/bin/python unless already there (exits if the venv is missing);
    returns the repository root once sys.path holds tests/lab and bench/common."""
    if Path(sys.prefix).resolve() != VENV.resolve():
        python = VENV / "bin" / "python"
        name = Path(script).resolve().relative_to(REPO_ROOT)
        if not python.exists():
            sys.exit("%s: %s is missing: run tests/toolchain.sh first" % (name, python))
        os.execv(str(python), [str(python), str(Path(script).resolve()), *sys.argv[1:]])
    for path in (REPO_ROOT / "bench" / "common", REPO_ROOT / "tests" / "lab"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    return REPO_ROOT
