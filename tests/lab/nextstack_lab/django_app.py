"""The lambda-django-rds layout's Django container program: tests/django-app, run from the venv tests/toolchain.sh
installs outside the clone (its path in .tools/django-venv), the way the image would carry its packages.

    django_app.APP_DIR        the project (manage.py, config/, notes/)
    django_app.venv_bin()     the venv's bin directory (python, gunicorn); HarnessError when it is missing
"""

from __future__ import annotations

from pathlib import Path

from nextstack_lab import harness

APP_DIR = harness.REPO_ROOT / "tests" / "django-app"
VENV_FILE = harness.TOOLS_DIR / "django-venv"


def venv_bin() -> Path:
    try:
        venv = Path(VENV_FILE.read_text().strip())
    except FileNotFoundError:
        raise harness.HarnessError("%s is missing: run tests/toolchain.sh (it installs tests/django-app/requirements.txt)" % VENV_FILE) from None
    for tool in ("python", "gunicorn"):
        if not (venv / "bin" / tool).exists():
            raise harness.HarnessError("%s has no bin/%s: run tests/toolchain.sh" % (venv, tool))
    return venv / "bin"
