"""Every module (modules/*) and layout example (examples/<layout>/<stack>/, e.g. examples/six-stack/*) as CI checks
them before any apply:

    terraform fmt -check            over modules/ and every layout example
    terraform validate              on Terraform 1.15.5 and the machine image's 1.11.4 (init -backend=false with
                                    the real hashicorp/aws and the built provider)
    Terraform 1.0.3                 refused at init by required_version, naming the version the modules need
    write-only arguments            every module or layout example that sets one (per the providers' own
                                    schemas), itself or through a module it calls, requires Terraform >= 1.11:
                                    older versions refuse the configuration at validate, count 0 or not
    bad module input                lambda-previews refuses a TLS 1.0 or 1.1 ssl_policy at validate, naming it
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


def _write_only_arguments(schemas: dict) -> dict[str, set[str]]:
    """resource type => the names of its write-only arguments, from `terraform providers schema -json` (nested
    blocks' too: an argument's name is searched for inside the resource's block)."""
    def walk(block, names):
        for name, attribute in block.get("attributes", {}).items():
            if attribute.get("write_only"):
                names.add(name)
        for nested in block.get("block_types", {}).values():
            walk(nested.get("block", {}), names)
        return names

    found = {}
    for provider in schemas["provider_schemas"].values():
        for rtype, schema in provider.get("resource_schemas", {}).items():
            names = walk(schema["block"], set())
            if names:
                found[rtype] = names
    return found


def _sets_write_only(config_dir, write_only) -> list[str]:
    """`type.name.argument` for every write-only argument set in a resource block of the configuration's files
    (terraform fmt puts a top-level block's closing brace at the start of a line)."""
    found = []
    for path in sorted(config_dir.glob("*.tf")):
        for match in re.finditer(r'(?ms)^resource\s+"([^"]+)"\s+"([^"]+)"\s*\{(.*?)^\}', path.read_text()):
            rtype, name, body = match.groups()
            for argument in sorted(write_only.get(rtype, ())):
                if re.search(r"(?m)^\s*%s\s*=" % re.escape(argument), body):
                    found.append("%s.%s.%s" % (rtype, name, argument))
    return found


def _local_module_calls(config_dir) -> list:
    text = "".join(p.read_text() for p in sorted(config_dir.glob("*.tf")))
    return [(config_dir / source).resolve() for source in re.findall(r'(?m)^\s*source\s*=\s*"(\.\.?/[^"]+)"', text)]


def _minimum_version(config_dir):
    text = (config_dir / "versions.tf").read_text()
    match = re.search(r'required_version\s*=\s*">=\s*(\d+)\.(\d+)', text)
    assert match, "%s: no required_version >= X.Y" % _rel(config_dir)
    return int(match.group(1)), int(match.group(2))


def test_write_only_arguments_need_terraform_1_11(terraform_latest, tmp_path):
    """Terraform before 1.11 refuses a configuration that sets a write-only attribute anywhere ("Write-only
    Attribute Not Allowed" at validate), even on a resource with count = 0, so required_version must say 1.11."""
    schema_dir = tmp_path / "schema"
    schema_dir.mkdir()
    # A configuration that requires both providers the modules use, for their schemas.
    (schema_dir / "versions.tf").write_text(
        (harness.REPO_ROOT / "modules" / "fargate-service" / "versions.tf").read_text())
    tf = terraform_latest(schema_dir, aws=False)
    tf.check(tf.init("-backend=false"))
    write_only = _write_only_arguments(json.loads(tf.check(tf.run("providers", "schema", "-json")).stdout))
    assert "value_wo" in write_only.get("aws_ssm_parameter", ()), "no write-only arguments found in the schemas"

    memo = {}

    def needs(config_dir):
        """The write-only arguments a configuration sets, itself or through the local modules it calls."""
        if config_dir not in memo:
            memo[config_dir] = []  # a cycle cannot happen in Terraform; this only stops the recursion
            through = [
                "%s: %s" % (_rel(called), found)
                for called in _local_module_calls(config_dir)
                for found in needs(called)[:1]
            ]
            memo[config_dir] = _sets_write_only(config_dir, write_only) + through
        return memo[config_dir]

    wrong = [
        "%s: required_version >= %d.%d, but it sets a write-only argument, which needs Terraform >= 1.11: %s"
        % (_rel(d), *_minimum_version(d), needs(d)[0])
        for d in CONFIGS
        if needs(d) and _minimum_version(d) < (1, 11)
    ]
    assert not wrong, "\n".join(wrong)


# The policies ELB offers with TLS 1.0 or 1.1 enabled
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html), and some without.
TLS_1_0_OR_1_1_POLICIES = [
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
]
TLS_1_2_POLICIES = ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06",
                    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10"]
PREVIEWS_CALL = """
module "p%(i)d" {
  source              = "../modules/lambda-previews"
  environment         = "dev"
  deployment_number   = 1
  build_dir           = "/builds/.open-next"
  domain_name         = "previews.example.test"
  hosted_zone_id      = "Z0123456789ABCDEFGHIJ"
  vpc_id              = "vpc-0123456789abcdef0"
  public_subnet_ids   = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  allowed_cidr_blocks = ["203.0.113.0/24"]
  ssl_policy          = "%(policy)s"
}
"""


def test_lambda_previews_refuses_tls_1_0_and_1_1_policies(terraform_latest, tmp_path):
    """One root configuration calling the module once per policy; validate evaluates each call's literal input,
    so it reports exactly the calls with a policy that still offers TLS 1.0 or 1.1."""
    _copy(harness.REPO_ROOT / "modules", tmp_path / "modules")
    policies = TLS_1_0_OR_1_1_POLICIES + TLS_1_2_POLICIES
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n' + "".join(
        PREVIEWS_CALL % {"i": i, "policy": p} for i, p in enumerate(policies)))
    tf = terraform_latest(root, aws=False)
    tf.check(tf.init("-backend=false"))
    report = json.loads(tf.validate("-json").stdout)
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    message = "The ssl_policy must be an ELB security policy without TLS 1.0 and 1.1"
    assert all(d["summary"] == "Invalid value for variable" and message in d["detail"] for d in errors), json.dumps(
        errors, indent=1)
    refused = sorted(d["snippet"]["code"].split('"')[1] for d in errors)
    assert refused == sorted(TLS_1_0_OR_1_1_POLICIES), refused


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
