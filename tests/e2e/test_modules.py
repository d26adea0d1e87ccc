"""Every module (modules/*) and layout example (examples/<layout>/<stack>/, e.g. examples/six-stack/*) as CI checks
them before any apply:

    terraform fmt -check            over modules/ and every layout example
    terraform validate              on Terraform 1.15.5 and the machine image's 1.11.4 (init -backend=false with
                                    the real hashicorp/aws and the built provider)
    Terraform 1.0.3                 refused at init by required_version, naming the version the modules need
    nextstack-lint                  zero findings (the modules are the linter's reference for a good layout)
    tools/function_zips.py --check  the Lambda zips shipped beside their sources are built from them
    tools/module_docs.py --check    the module READMEs' generated tables are current
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from nextstack_lab import harness, six_stack

MODULES = sorted(p.parent for p in (harness.REPO_ROOT / "modules").glob("*/versions.tf"))
# Root configurations of the layouts: examples/<layout>/<stack>/ (the provider's own examples have no versions.tf).
EXAMPLES = sorted(p.parent for p in (harness.REPO_ROOT / "examples").glob("*/*/versions.tf"))
LAYOUTS = sorted({p.parent for p in EXAMPLES})
SIX_STACK = [p for p in EXAMPLES if p.parent.name == "six-stack"]
CONFIGS = MODULES + EXAMPLES


def _rel(p):
    return str(p.relative_to(harness.REPO_ROOT))


def test_there_are_six_stacks_and_their_modules():
    assert {p.name for p in SIX_STACK} == {"data", "compute", "networking", "application", "api", "edge"}
    assert {p.name for p in MODULES} >= {p.name for p in SIX_STACK} | {"ssm-names"}
    assert {p.name for p in LAYOUTS} >= {"six-stack", "static-fargate-api", "serverless", "lambda-django-rds", "lambda-previews"}
    for module in MODULES:
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
            assert (module / name).is_file(), "%s lacks %s" % (module, name)
    for example in EXAMPLES:
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
            assert (example / name).is_file(), "%s lacks %s" % (example, name)


def test_terraform_fmt(terraform_latest):
    tf = terraform_latest(harness.REPO_ROOT, provider=False, aws=False)
    result = tf.run("fmt", "-check", "-recursive", "-diff", "-no-color", "modules", *map(_rel, LAYOUTS))
    assert result.rc == 0, "terraform fmt -check found unformatted files:\n" + result.stdout + result.stderr


def _copy(src, dest):
    import shutil

    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "terraform.tfstate*"))
    return dest


def _configure_aliases(module_dir):
    """A module that declares configuration_aliases (e.g. aws.us_east_1) gets them from its caller; validated as
    a root module (a copy), it needs the provider blocks a caller would pass, written into the copy."""
    text = "".join(p.read_text() for p in module_dir.glob("*.tf"))
    aliases = re.findall(r"configuration_aliases\s*=\s*\[([^\]]*)\]", text)
    blocks = []
    for entry in ",".join(aliases).split(","):
        name, _, alias = entry.strip().partition(".")
        if alias:
            blocks.append('provider "%s" {\n  alias = "%s"\n}\n' % (name, alias))
    if blocks:
        (module_dir / "_validate_caller_providers.tf").write_text("\n".join(blocks))


@pytest.mark.parametrize("version", [harness.TF_LATEST, harness.TF_MID], ids=["tf1.15", "tf1.11"])
def test_terraform_validate(request, terraform_for, tmp_path, version):
    factory = terraform_for(version)
    request.getfixturevalue("provider_mirror")  # built here: pytest fixtures must not be first requested from threads
    # Copies keep modules/ and examples/ side by side, as the examples' relative sources expect.
    _copy(harness.REPO_ROOT / "modules", tmp_path / "modules")
    for layout in LAYOUTS:
        _copy(layout, tmp_path / _rel(layout))
    # Modules are validated from a second copy, where those with configuration_aliases get their caller's
    # provider blocks (in the first copy the examples call them, and such a block would be redundant there).
    _copy(harness.REPO_ROOT / "modules", tmp_path / "as-root" / "modules")
    dirs = [tmp_path / "as-root" / _rel(p) for p in MODULES] + [tmp_path / _rel(p) for p in EXAMPLES]
    for d in dirs[: len(MODULES)]:
        _configure_aliases(d)

    def validate(d):
        tf = factory(d, aws=False)
        tf.check(tf.init("-backend=false"))
        return d, tf.validate("-json")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(validate, dirs))
    failures = []
    for d, result in results:
        report = json.loads(result.stdout or "{}")
        if result.rc != 0 or not report.get("valid") or report.get("warning_count"):
            failures.append("%s:\n%s" % (d.relative_to(tmp_path), json.dumps(report.get("diagnostics"), indent=1)))
    assert not failures, "\n".join(failures)


def test_terraform_1_0_is_refused_with_the_version_needed(terraform_legacy, tmp_path):
    _copy(harness.REPO_ROOT / "modules", tmp_path / "modules")
    tf = terraform_legacy(tmp_path / "modules" / "data", aws=False)
    tf.fails("init", "-backend=false", "-input=false", "-no-color", contains="Unsupported Terraform Core version")
    tf.fails("init", "-backend=false", "-input=false", "-no-color", contains='required_version = ">= 1.4"')


def test_nextstack_lint_has_no_findings():
    lint = six_stack.lint_binary()
    proc = subprocess.run(
        [str(lint), "--format", "json", "modules", *map(_rel, LAYOUTS)],
        cwd=harness.REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    findings = json.loads(proc.stdout or "{}").get("findings")
    assert proc.returncode == 0 and findings == [], "nextstack-lint findings:\n%s%s" % (
        json.dumps(findings, indent=1),
        proc.stderr,
    )


@pytest.mark.parametrize("tool", ["function_zips.py", "module_docs.py"])
def test_generated_files_are_current(tool):
    proc = subprocess.run(
        [sys.executable, str(harness.REPO_ROOT / "tools" / tool), "--check"],
        cwd=harness.REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.returncode == 0, "tools/%s --check:\n%s" % (tool, proc.stdout)
