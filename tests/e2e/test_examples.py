"""The provider examples under examples/ (the six-stack layout has test_six_stack.py), applied as a user would apply them: real Terraform, the built provider, moto.

    examples/ssm_parameters/resource                     Terraform >= 1.0
    examples/ssm_parameters/data-source                  Terraform >= 1.0 (reads what `resource` publishes)
    examples/ssm_parameters/ephemeral-resource           Terraform >= 1.11 (copies the secret `resource` publishes)

Each example runs from a copy (no state is written into the repository) on both Terraform versions where that
version supports it; the ephemeral example runs on 1.15 only, and a separate test shows that 1.0 refuses it.
Every test checks AWS (moto) through boto3, re-plans to show there is nothing left to change, and destroys.

examples/serverless/run.sh, the serverless quickstart, runs end to end as a user runs it with their own build and
--serve (its own moto, one apply, nextstack-edge serving the build until SIGTERM, destroyed), and refuses a
--build-dir that is not an OpenNext build.

examples/six-stack/run.sh's steps run as a user runs them against an emulator already running: `apply`, then
`plan` with a rebuilt provider, then a `destroy` that fails half-way and is run again, each its own process.

The examples must pass `terraform fmt -check`, and so must the HCL of the provider docs (docs/index.md,
docs/*/ssm_parameters.md); the docs pages are generated from the schema and checked by test_provider_docs.py.
"""

import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from nextstack_lab import aws_proxy, edge, harness, nextjs_builds, six_stack

EXAMPLES = harness.REPO_ROOT / "examples"
SSM_EXAMPLES = EXAMPLES / "ssm_parameters"

DB_PASSWORD = "example-db-password-1"


def copy_example(src, dest):
    """Copy an example's files, without any local Terraform state or plugin directory, into dest."""
    shutil.copytree(
        src,
        dest,
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "terraform.tfstate*", "run.sh"),
    )
    return dest


def ssm_params(aws, region, path="/"):
    """{name: (type, value)} of every parameter under path in region, decrypted."""
    ssm = aws.client("ssm", region)
    out = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=True, WithDecryption=True):
        for p in page["Parameters"]:
            out[p["Name"]] = (p["Type"], p["Value"])
    return out


def tags_of(aws, region, name):
    tags = aws.client("ssm", region).list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    return {t["Key"]: t["Value"] for t in tags}


# ------------------------------------------------------------------------------------------------ ssm_parameters

EX = "/nextstack/example"
EX_DATA = {
    EX + "/data/assets_bucket_name": ("String", "nextstack-example-assets"),
    EX + "/data/table_name": ("String", "nextstack-example-portfolio"),
    EX + "/data/ecr_repository_uri": ("String", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nextstack-example"),
    EX + "/data/db_password": ("SecureString", DB_PASSWORD),
}
EX_EDGE = {
    EX + "/edge/distribution_id": ("String", "E2QWRUHEXAMPLE"),
    EX + "/edge/waf/web_acl_name": ("String", "nextstack-example-cloudfront"),
}


def apply_resource_example(terraform, aws, tmp_path):
    """Applies examples/ssm_parameters/resource and checks what it published; returns its Terraform."""
    tf = terraform(copy_example(SSM_EXAMPLES / "resource", tmp_path / "resource"), env={"TF_VAR_db_password": DB_PASSWORD})
    tf.apply_ok()
    assert ssm_params(aws, "eu-west-1", EX + "/") == EX_DATA
    assert ssm_params(aws, "us-east-1", EX + "/") == EX_EDGE
    assert tags_of(aws, "eu-west-1", EX + "/data/db_password") == {"stack": "data", "environment": "example"}
    assert tags_of(aws, "us-east-1", EX + "/edge/waf/web_acl_name") == {"stack": "edge", "environment": "example"}
    assert tf.outputs() == {"data_parameters": sorted(EX_DATA), "edge_parameters": sorted(EX_EDGE)}
    assert tf.resource("nextstack_ssm_parameters.data")["region"] == "eu-west-1"
    assert tf.resource("nextstack_ssm_parameters.edge")["region"] == "us-east-1"
    tf.assert_no_changes()
    return tf


def test_ssm_parameters_resource_and_data_source_examples(terraform, aws, tmp_path):
    publisher = apply_resource_example(terraform, aws, tmp_path)

    reader = terraform(copy_example(SSM_EXAMPLES / "data-source", tmp_path / "data-source"))
    reader.apply_ok()
    assert reader.outputs() == {
        "assets_bucket_name": "nextstack-example-assets",
        "table_name": "nextstack-example-portfolio",
        "data_stack_values": {name: value for name, (kind, value) in EX_DATA.items() if kind == "String"},
        "data_stack_secure_names": [EX + "/data/db_password"],
        "edge_stack_values": {name: value for name, (_kind, value) in EX_EDGE.items()},
    }
    reader.assert_no_changes()
    # Reading changed nothing.
    assert ssm_params(aws, "eu-west-1", EX + "/") == EX_DATA
    assert ssm_params(aws, "us-east-1", EX + "/") == EX_EDGE

    reader.destroy_ok()
    publisher.destroy_ok()
    assert ssm_params(aws, "eu-west-1") == {}
    assert ssm_params(aws, "us-east-1") == {}


def test_ssm_parameters_ephemeral_resource_example(terraform_latest, aws, tmp_path):
    """Needs Terraform >= 1.11 (ephemeral resource feeding a write-only attribute): 1.15 only; see the next test."""
    publisher = apply_resource_example(terraform_latest, aws, tmp_path)

    tf = terraform_latest(copy_example(SSM_EXAMPLES / "ephemeral-resource", tmp_path / "ephemeral-resource"))
    plan = tf.plan_ok("-out=tfplan")
    tf.apply_ok("tfplan")
    replica = {
        EX + "/replica/copied_from": ("String", "eu-west-1:" + EX + "/data/db_password"),
        EX + "/replica/db_password": ("SecureString", DB_PASSWORD),
    }
    assert ssm_params(aws, "us-east-1", EX + "/replica/") == replica
    assert ssm_params(aws, "eu-west-1", EX + "/replica/") == {}
    assert tf.outputs() == {"replica_parameters": sorted(replica)}
    # The secret went from eu-west-1 to us-east-1 without touching the plan or the state.
    assert DB_PASSWORD not in plan.stdout + plan.stderr
    assert DB_PASSWORD not in (tf.workdir / "tfplan").read_bytes().decode("latin-1")
    assert DB_PASSWORD not in (tf.workdir / "terraform.tfstate").read_text()
    tf.assert_no_changes()

    # Rotate the source: nothing happens until secret_version is increased, as the example's README says.
    rotated = "example-db-password-2"
    aws.client("ssm", "eu-west-1").put_parameter(Name=EX + "/data/db_password", Value=rotated, Type="SecureString", Overwrite=True)
    tf.assert_no_changes()
    tf.apply_ok("-var", "secret_version=2")
    assert ssm_params(aws, "us-east-1", EX + "/replica/")[EX + "/replica/db_password"] == ("SecureString", rotated)
    assert rotated not in (tf.workdir / "terraform.tfstate").read_text()
    tf.assert_no_changes("-var", "secret_version=2")

    tf.destroy_ok("-var", "secret_version=2")
    assert ssm_params(aws, "us-east-1", EX + "/replica/") == {}
    publisher.destroy_ok()
    assert ssm_params(aws, "eu-west-1") == {}
    assert ssm_params(aws, "us-east-1") == {}


def test_ssm_parameters_ephemeral_resource_example_is_refused_by_terraform_1_0(terraform_legacy, aws, tmp_path):
    """Terraform 1.0 does not know ephemeral blocks: it stops at init with a clear error and touches nothing."""
    tf = terraform_legacy(copy_example(SSM_EXAMPLES / "ephemeral-resource", tmp_path / "ephemeral-resource"))
    result = tf.fails("init", "-input=false", "-no-color", contains='Blocks of type "ephemeral" are not expected here.')
    assert "Unsupported block type" in result.stdout + result.stderr
    assert ssm_params(aws, "us-east-1") == {}


# ------------------------------------------------------------------------------------------------ layout


def test_every_example_is_covered_and_documented():
    """A new example directory must be added to this file; every example root module has a README."""
    roots = sorted({str(path.parent.relative_to(EXAMPLES)) for path in EXAMPLES.rglob("*.tf") if ".terraform" not in path.parts})
    six = ["six-stack/%s" % s for s in ("api", "application", "compute", "data", "edge", "networking")]
    assert roots == [
        "acm_certificate",  # applied by test_acm_certificate.py
        "dns_alias",  # applied by test_dns_alias.py
        "lambda-django-rds/app",  # applied by test_lambda_django_rds.py
        "lambda-previews/previews",  # applied by test_lambda_previews.py
        "serverless/site",  # applied by test_serverless.py
        *six,  # applied by test_six_stack.py
        "ssm_parameters/data-source",
        "ssm_parameters/ephemeral-resource",
        "ssm_parameters/resource",
        "static-fargate-api/api",  # applied by test_static_fargate_api.py
        "static-fargate-api/site",
    ], roots
    # A layout (examples/<layout>/<stack>/) has one README for its stacks.
    layouts = ["six-stack", "serverless", "static-fargate-api", "lambda-django-rds", "lambda-previews"]
    for root in layouts + [r for r in roots if r.split("/")[0] not in layouts]:
        readme = EXAMPLES / root / "README.md"
        assert readme.is_file() and readme.read_text().strip(), "%s has no README.md" % root
    for layout in ("six-stack", "serverless"):
        assert os.access(EXAMPLES / layout / "run.sh", os.X_OK), "examples/%s/run.sh is not executable" % layout


# ------------------------------------------------------------------------------------------------ serverless quickstart

SERVERLESS_RUN = EXAMPLES / "serverless" / "run.sh"
# The build run.sh makes when given none (OpenNext's streaming wrapper), the one test_serverless_site.py serves.
STREAMING_CONFIG = harness.REPO_ROOT / "tests" / "nextjs-app" / "opennext-streaming"


def quickstart_env(tmp_path):
    """The environment run.sh gets: a clean one (no AWS_*, TF_VAR_*, KEEP_SCRATCH), its scratch under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_VAR_", "NEXTSTACK_REAL_AWS"))}
    env.pop("KEEP_SCRATCH", None)
    env["TMPDIR"] = str(tmp_path)
    return env


def quickstart(tmp_path, *args, timeout):
    """examples/serverless/run.sh ARGS, run to its end."""
    return subprocess.run(["bash", str(SERVERLESS_RUN), *args], cwd=tmp_path, env=quickstart_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)


class Lines:
    """A running process's stdout (or stderr), line by line, read by a thread as it comes."""

    def __init__(self, stream):
        self.lines = []
        self._thread = threading.Thread(target=lambda: self.lines.extend(line.rstrip("\n") for line in stream),
                                        daemon=True)
        self._thread.start()

    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: re.Pattern, proc: subprocess.Popen, timeout: float, what: str,
                 after: int = -1) -> tuple[int, re.Match]:
        """The first line after line number `after` matching pattern (its number and the match), waiting up to
        timeout seconds; AssertionError naming `what` (with the output so far) if the process ends or the time passes
        first."""
        deadline = time.monotonic() + timeout
        seen = after + 1
        while True:
            lines = self.lines[:]  # the thread only appends
            for number in range(seen, len(lines)):
                match = pattern.match(lines[number])
                if match:
                    return number, match
            seen = len(lines)
            if proc.poll() is not None or time.monotonic() > deadline:
                self._thread.join(5)
                raise AssertionError("run.sh printed no %s (%s):\n%s" % (
                    what, "exit %s" % proc.returncode if proc.returncode is not None else "%ss passed" % timeout,
                    harness._tail(self.text(), 200)))
            time.sleep(0.2)


def processes_with_env(name: str, value: str) -> list[str]:
    """Every live process (pid and command line) whose environment has NAME=VALUE: what run.sh started and left
    behind, since all of it inherits the TMPDIR the test gives run.sh."""
    wanted = ("%s=%s" % (name, value)).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                found.append("%s %s" % (entry.name, (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


def test_serverless_run_sh_serves_a_build_until_sigterm_and_destroys_it(tmp_path):
    """The README's quickstart with a user's own build, served: `run.sh --serve --build-dir DIR` with the OpenNext
    build the browser tests serve (built here if not cached, the build run.sh itself would make). Once it says it
    serves until Ctrl-C, the site's home page and one of its assets answer 200 (the asset's bytes are the build's)
    and their access-log lines are shown; then SIGTERM, as a service manager stops it: it destroys everything it
    applied, leaves nothing in moto, stops moto, the edge and everything else it started, removes its scratch
    directory, and writes nothing into the repository or the build. (Ctrl-C, SIGINT, takes the same traps.)"""
    try:
        build = nextjs_builds.build("s1", config=STREAMING_CONFIG)
    except harness.HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    build_files = sorted(str(p.relative_to(build)) for p in build.rglob("*"))
    proc = subprocess.Popen(["bash", str(SERVERLESS_RUN), "--serve", "--build-dir", str(build)], cwd=tmp_path,
                            env=quickstart_env(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    try:
        # Toolchain and cargo builds (a fresh clone builds the provider and the edge), moto, the apply.
        _, serving = out.wait_for(re.compile(r"^nextstack-edge: serving (http://127\.0\.0\.1:\d+) \((\w+)\)$"),
                                  proc, 1200, "serving line")
        site = serving.group(1)
        announced, _ = out.wait_for(re.compile(r"^==> serving %s until Ctrl-C \(or SIGTERM\)" % re.escape(site)),
                                    proc, 300, "'serving until Ctrl-C' step")
        status, _, _, body = edge.request(site, "/")
        assert status == 200 and b"<title>nextstack test app</title>" in body, (status, body[:2000])
        asset = re.search(rb'(?:src|href)="(/_next/static/[^"?#]+\.js)"', body)
        assert asset, "the home page links no script under /_next/static:\n%r" % body[:4000]
        asset = asset.group(1).decode()
        status, _, _, served = edge.request(site, asset)
        assert status == 200 and served == (build / "assets" / asset.lstrip("/")).read_bytes(), (asset, status)
        # Their access-log lines, shown while serving (CloudFront's fields: method, host, URI, status); the
        # script's own load of the home page was logged before.
        for path in ("/", asset):
            out.wait_for(re.compile(r".*\tGET\t127\.0\.0\.1:\d+\t%s\t200\t" % re.escape(path)), proc, 30,
                         "access-log line for %s" % path, after=announced)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=900)
    finally:
        if proc.poll() is None:  # a failed check above: stop it as a user would, then for good
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=600)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    out._thread.join(30)
    err._thread.join(30)
    text = out.text()
    assert proc.returncode == 0, harness._tail(text + "\n--- stderr:\n" + err.text(), 200)
    assert "==> your OpenNext build" in text and "build: %s" % build.resolve() in text.splitlines(), \
        harness._tail(text, 200)
    assert "building the test app" not in text
    assert re.search(r"^home page: 200 OK, title 'nextstack test app'", text, re.M), harness._tail(text, 200)
    assert "stopping: destroying the site" in text, harness._tail(text, 200)
    endpoint = re.search(r"^endpoint: (http://127\.0\.0\.1:\d+)$", text, re.M)
    assert endpoint, harness._tail(text, 200)
    added = re.search(r"^Apply complete! Resources: (\d+) added, 0 changed, 0 destroyed\.$", text, re.M)
    destroyed = re.search(r"^Apply complete! Resources: 0 added, 0 changed, (\d+) destroyed\.$", text, re.M)
    assert added and destroyed and added.group(1) == destroyed.group(1), harness._tail(text, 200)
    assert "nothing left: every service in eu-west-1, us-east-1 is empty" in text
    assert list(tmp_path.glob("nextstack-*")) == [], "run.sh left its scratch (or moto's log) directory behind"
    for url in (endpoint.group(1), site):
        with pytest.raises(OSError):
            urllib.request.urlopen(url + "/", timeout=5)
    assert processes_with_env("TMPDIR", str(tmp_path)) == [], "run.sh left processes running"
    example = EXAMPLES / "serverless"
    assert list(example.rglob("terraform.tfstate*")) == [] and not (example / "site" / ".terraform").exists(), \
        "run.sh wrote into the repository"
    assert sorted(str(p.relative_to(build)) for p in build.rglob("*")) == build_files, "run.sh wrote into the build"


def test_serverless_run_sh_refuses_bad_arguments_before_building_anything(tmp_path):
    proc = quickstart(tmp_path, "--build-dir", "/nonexistent", timeout=60)
    assert proc.returncode == 2 and "--build-dir /nonexistent: no such directory" in proc.stderr, proc
    app = tmp_path / "app"
    (app / ".open-next").mkdir(parents=True)
    (app / ".open-next" / "open-next.output.json").write_text("{}")
    proc = quickstart(tmp_path, "--serve", "--build-dir", str(app), timeout=60)
    assert proc.returncode == 2, proc
    assert "--build-dir %s has no open-next.output.json" % app in proc.stderr, proc.stderr
    assert "did you mean %s/.open-next?" % app in proc.stderr, proc.stderr
    proc = quickstart(tmp_path, "--bogus", timeout=60)
    assert proc.returncode == 2 and "unknown argument: --bogus" in proc.stderr, proc
    assert "usage: examples/serverless/run.sh [--serve] [--build-dir DIR]" in proc.stderr
    proc = quickstart(tmp_path, "--help", timeout=60)
    assert proc.returncode == 0 and "--build-dir DIR" in proc.stdout and "--serve" in proc.stdout, proc
    assert "==> toolchain" not in proc.stdout


# ------------------------------------------------------------------------------------------------ six-stack steps

SIX_STACK_RUN = EXAMPLES / "six-stack" / "run.sh"
SIX_STACKS = {"data", "compute", "networking", "application", "api", "edge"}


def six_stack_step(step, env, logs, timeout):
    """`examples/six-stack/run.sh STEP` as its own process; its output is also kept in LOGS/STEP-N.log."""
    proc = subprocess.run(["bash", str(SIX_STACK_RUN), step], cwd=logs, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)
    n = len(list(logs.glob(step + "-*.log"))) + 1
    (logs / ("%s-%d.log" % (step, n))).write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    return proc


def stacks_saying(out, pattern):
    """The stacks with a `[stack] PATTERN...` line (PATTERN a regular expression) in run.sh's output."""
    return set(re.findall(r"^\[(\w+)\] %s" % pattern, out, re.M))


def test_six_stack_run_sh_steps_work_as_separate_processes(tmp_path):
    """The defect of issue 17: `run.sh apply` against a running emulator worked, but a later `run.sh plan` or
    `destroy` failed with "You must install the required plugins" because the CLI configuration and the provider
    mirror lived in a scratch directory deleted at exit. Here moto runs on its own (as a user's emulator would),
    and apply, plan and destroy are separate processes keeping their state in NEXTSTACK_WORKDIR:

    * apply builds the six stacks (checked through boto3);
    * plan runs with a rebuilt provider (same version, another checksum): every stack is initialised again and
      every plan is empty, with hashicorp/aws still locked at the version apply used;
    * destroy goes through the fault proxy, which refuses the application's ECS DeleteService once: the destroy
      stops at that stage (the stacks it reads from stay), and a second destroy skips the stacks already empty,
      finishes the rest, and leaves nothing in any service.

    About 9 minutes on two cores (apply 5-6.5, plan 1-2, the two destroys 2.5); no state is written into the
    repository."""
    example = EXAMPLES / "six-stack"
    repository_state = sorted(example.rglob("terraform.tfstate*")), (example / ".nextstack").exists()
    logs = tmp_path / "logs"
    logs.mkdir()
    work = tmp_path / "work"
    with harness.MotoServer(log_dir=tmp_path) as moto:
        zone_id = six_stack.create_dns_zone(moto)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_", "NEXTSTACK_REAL_AWS"))}
        env.pop("NEXTSTACK_WORKDIR", None)
        env.update({
            "AWS_ENDPOINT_URL": moto.endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "TF_VAR_domain_name": six_stack.DOMAIN,
            "TF_VAR_hosted_zone_id": zone_id,
            "TF_VAR_dns_role_arn": six_stack.DNS_ROLE,
            "NEXTSTACK_WORKDIR": str(work),
        })

        # ---- apply
        proc = six_stack_step("apply", env, logs, timeout=1500)
        out = proc.stdout
        assert proc.returncode == 0, harness._tail(out + proc.stderr, 200)
        stages = [line.split() for line in re.findall(r"^==> apply: (.*)$", out, re.M)]
        assert {s for stage in stages for s in stage} == SIX_STACKS, stages
        assert stacks_saying(out, r"Apply complete! Resources:") == SIX_STACKS, harness._tail(out, 200)
        built = six_stack.leftovers(moto, zone_id)
        for service in ("ecs eu-west-1: arn:", "dynamodb eu-west-1: ", "elbv2 eu-west-1: ", "apigateway eu-west-1: ",
                        "cloudfront global: ", "route53 %s: " % zone_id):
            assert any(line.startswith(service) for line in built), (service, built)
        layout = work / "examples" / "six-stack"
        assert (layout / ".nextstack" / "terraformrc").is_file()
        for stack in SIX_STACKS:
            assert (layout / stack / "terraform.tfstate").is_file(), stack

        # ---- plan, with a rebuilt provider: same version, another binary (bytes appended to the ELF file)
        rebuilt = tmp_path / "rebuilt" / harness.PROVIDER_BINARY_NAME
        rebuilt.parent.mkdir()
        shutil.copy2(harness.build_provider(), rebuilt)
        with open(rebuilt, "ab") as f:
            f.write(b"rebuilt by test_examples")
        locks_before = {s: (layout / s / ".terraform.lock.hcl").read_text() for s in SIX_STACKS}
        proc = six_stack_step("plan", dict(env, NEXTSTACK_PROVIDER_BINARY=str(rebuilt)), logs, timeout=1200)
        out = proc.stdout
        assert proc.returncode == 0, harness._tail(out + proc.stderr, 200)
        assert stacks_saying(out, r"re-initialising: (?:\S+,)?provider(?:,\S+)? changed") == SIX_STACKS, harness._tail(out, 200)
        assert stacks_saying(out, r"No changes\. Your infrastructure matches the configuration\.") == SIX_STACKS
        assert re.search(r"^plan: no changes in any stack$", out, re.M), harness._tail(out, 60)
        aws_lock = re.compile(r'provider "registry\.terraform\.io/hashicorp/aws" \{\n  version\s*= "([^"]+)"')
        for stack, before in locks_before.items():
            after = (layout / stack / ".terraform.lock.hcl").read_text()
            assert aws_lock.search(after).group(1) == aws_lock.search(before).group(1) == harness.AWS_PROVIDER_VERSION
            assert after != before, "%s: the nextstack provider's checksum was not re-recorded" % stack

        # ---- destroy, refused half-way: the application's ECS service cannot be deleted, once
        failing = next(i for i, stage in enumerate(stages) if "application" in stage)
        url, counter = aws_proxy.start(moto.endpoint)
        try:
            counter.inject(aws_proxy.Fault.error("AmazonEC2ContainerServiceV20141113.DeleteService",
                                                 "AccessDeniedException", "refused once by test_examples", times=1))
            proc = six_stack_step("destroy", dict(env, AWS_ENDPOINT_URL=url), logs, timeout=1200)
        finally:
            counter.stop()
        out = proc.stdout
        assert proc.returncode == 1, harness._tail(out + proc.stderr, 200)
        assert "refused once by test_examples" in out, harness._tail(out, 200)
        assert "destroy of %s failed" % " ".join(stages[failing]) in proc.stderr, proc.stderr
        later = {s for stage in stages[failing + 1:] for s in stage} | (set(stages[failing]) - {"application"})
        earlier = {s for stage in stages[:failing] for s in stage}
        assert stacks_saying(out, "Destroy complete!") == later, harness._tail(out, 200)
        for stack in earlier:
            assert "[%s] " % stack not in out, "%s was touched although a stack reading from it failed to go" % stack
        ecs = moto.client("ecs", six_stack.ORIGIN_REGION)
        services = [arn for cluster in ecs.list_clusters()["clusterArns"]
                    for arn in ecs.list_services(cluster=cluster)["serviceArns"]]
        assert services, "the ECS service whose deletion was refused is gone"
        assert moto.client("dynamodb", six_stack.ORIGIN_REGION).list_tables()["TableNames"], "the data stack was destroyed"

        # ---- destroy again: the stacks already empty are skipped, the rest is destroyed, nothing is left
        proc = six_stack_step("destroy", env, logs, timeout=1200)
        out = proc.stdout
        assert proc.returncode == 0, harness._tail(out + proc.stderr, 200)
        assert stacks_saying(out, "nothing in its state: skipped") == later, harness._tail(out, 200)
        assert stacks_saying(out, "Destroy complete!") == earlier | {"application"}, harness._tail(out, 200)
        assert six_stack.leftovers(moto, zone_id) == []
    assert (sorted(example.rglob("terraform.tfstate*")), (example / ".nextstack").exists()) == repository_state, \
        "run.sh wrote state into the repository although NEXTSTACK_WORKDIR was set"


# ------------------------------------------------------------------------------------------------ docs

DOCS = harness.REPO_ROOT / "docs"


def test_examples_and_docs_snippets_are_valid_formatted_hcl(terraform_latest, tmp_path):
    """`terraform fmt -check` over the examples and over every ```terraform block of the docs pages: a syntax
    error or unformatted code fails (fmt parses the HCL; it needs no provider)."""
    snippets = tmp_path / "snippets"
    snippets.mkdir()
    count = 0
    for page in [DOCS / "index.md", *sorted(DOCS.glob("*/ssm_parameters.md"))]:
        for i, block in enumerate(re.findall(r"```terraform\n(.*?)```", page.read_text(), re.S)):
            (snippets / ("%s_%s_%02d.tf" % (page.parent.name, page.stem, i))).write_text(block)
            count += 1
    assert count >= 10, "expected the docs pages to have examples, found %d" % count
    tf = terraform_latest(tmp_path / "fmt", provider=False, aws=False)
    for target in (EXAMPLES, snippets):
        result = tf.run("fmt", "-check", "-diff", "-recursive", str(target))
        assert result.rc == 0, "terraform fmt -check %s:\n%s%s" % (target, result.stdout, result.stderr)
