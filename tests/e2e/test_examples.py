"""The examples under examples/, applied as a user would apply them: real Terraform, the built provider, moto.

    examples/quickstart/stacks/{data,networking,edge}   three root modules (three states), applied in order
    examples/quickstart/run.sh                           the quickstart's runner, end to end
    examples/ssm_parameters/resource                     Terraform >= 1.0
    examples/ssm_parameters/data-source                  Terraform >= 1.0 (reads what `resource` publishes)
    examples/ssm_parameters/ephemeral-resource           Terraform >= 1.11 (copies the secret `resource` publishes)

Each example runs from a copy (no state is written into the repository) on both Terraform versions where that
version supports it; the ephemeral example runs on 1.15 only, and a separate test shows that 1.0 refuses it.
Every test checks AWS (moto) through boto3, re-plans to show there is nothing left to change, and destroys.

The provider docs (docs/index.md, docs/*/ssm_parameters.md) are checked against the schema the provider serves,
and their HCL examples, like the examples themselves, must pass `terraform fmt -check`.
"""

import json
import os
import re
import shutil
import subprocess

import harness

EXAMPLES = harness.REPO_ROOT / "examples"
QUICKSTART = EXAMPLES / "quickstart"
QUICKSTART_STACKS = ("data", "networking", "edge")  # apply order; destroy runs in reverse
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


# ------------------------------------------------------------------------------------------------ quickstart

QS = "/nextstack/quickstart"
QS_DATA = {
    QS + "/data/assets_bucket_name": ("String", "nextstack-quickstart-assets"),
    QS + "/data/table_name": ("String", "nextstack-quickstart-portfolio"),
    QS + "/data/ecr_repository_uri": (
        "String",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nextstack-quickstart",
    ),
}
QS_NETWORKING = {
    QS + "/networking/alb_dns_name": ("String", "nextstack-quickstart-alb-1234567890.eu-west-1.elb.amazonaws.com"),
    QS + "/networking/alb_security_group_id": ("String", "sg-0123456789abcdef0"),
}
QS_EDGE = {
    QS + "/edge/alb_origin_domain": ("String", "nextstack-quickstart-alb-1234567890.eu-west-1.elb.amazonaws.com"),
    QS + "/edge/s3_origin_domain": ("String", "nextstack-quickstart-assets.s3.eu-west-1.amazonaws.com"),
}


def test_quickstart_stacks_find_each_other_through_ssm(terraform, aws, tmp_path):
    work = copy_example(QUICKSTART, tmp_path / "quickstart")
    stacks = {name: terraform(work / "stacks" / name) for name in QUICKSTART_STACKS}

    # The edge stack cannot be applied before the stacks it reads from: one error naming what is missing.
    stacks["edge"].init_ok()
    stacks["edge"].plan_fails(contains="2 of 2 parameters do not exist in eu-west-1 (account 123456789012)")

    for name in QUICKSTART_STACKS:
        stacks[name].apply_ok()

    # data and networking published in eu-west-1, edge in its own region, us-east-1; nothing else anywhere.
    assert ssm_params(aws, "eu-west-1", QS + "/") == {**QS_DATA, **QS_NETWORKING}
    assert ssm_params(aws, "us-east-1", QS + "/") == QS_EDGE
    assert tags_of(aws, "eu-west-1", QS + "/networking/alb_dns_name") == {"stack": "networking", "environment": "quickstart"}
    assert tags_of(aws, "us-east-1", QS + "/edge/s3_origin_domain") == {"stack": "edge", "environment": "quickstart"}

    assert stacks["data"].outputs() == {"published": sorted(QS_DATA)}
    assert stacks["networking"].outputs() == {"published": sorted(QS_NETWORKING)}
    assert stacks["edge"].outputs() == {
        "alb_dns_name": "nextstack-quickstart-alb-1234567890.eu-west-1.elb.amazonaws.com",
        "assets_bucket_name": "nextstack-quickstart-assets",
        "s3_origin_domain": "nextstack-quickstart-assets.s3.eu-west-1.amazonaws.com",
        "discovered": {name: value for name, (_type, value) in {**QS_DATA, **QS_NETWORKING}.items()},
        "published": sorted(QS_EDGE),
    }
    # Separate states: no stack knows another's resources.
    for name, tf in stacks.items():
        managed = [address for address in tf.resources() if not address.startswith("data.")]
        assert managed == ["nextstack_ssm_parameters.published"], (name, managed)

    for tf in stacks.values():
        tf.assert_no_changes()

    # A producer changes a value: the edge stack picks it up on its next plan, with no change to its code.
    networking_main = work / "stacks" / "networking" / "main.tf"
    networking_main.write_text(networking_main.read_text().replace("alb-1234567890", "alb-0987654321"))
    stacks["networking"].apply_ok()
    assert stacks["edge"].plan_detailed_exitcode() == 2
    stacks["edge"].apply_ok()
    assert ssm_params(aws, "us-east-1", QS + "/edge/")[QS + "/edge/alb_origin_domain"] == (
        "String",
        "nextstack-quickstart-alb-0987654321.eu-west-1.elb.amazonaws.com",
    )
    stacks["edge"].assert_no_changes()

    for name in reversed(QUICKSTART_STACKS):
        stacks[name].destroy_ok()
    assert ssm_params(aws, "eu-west-1") == {}
    assert ssm_params(aws, "us-east-1") == {}


def test_quickstart_run_sh_applies_prints_and_destroys(terraform, provider_binary, tmp_path):
    """examples/quickstart/run.sh as a user runs it (its own moto, its own scratch copy), on this Terraform."""
    env = dict(os.environ)
    env.update(
        {
            "NEXTSTACK_PROVIDER_BINARY": str(provider_binary),  # the session's build: run.sh builds nothing
            "NEXTSTACK_TF_VERSION": terraform.version,
            "TMPDIR": str(tmp_path),
        }
    )
    env.pop("KEEP_SCRATCH", None)
    proc = subprocess.run(
        ["bash", str(QUICKSTART / "run.sh")],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, harness._tail(output, 150)
    assert "terraform: Terraform v%s" % terraform.version in output
    for name in QUICKSTART_STACKS:
        assert "==> stack %s: terraform init + apply" % name in output
        assert "==> stack %s: terraform destroy" % name in output
    # Applied in order, then destroyed in reverse order.
    steps = ["==> stack %s: terraform init + apply" % name for name in QUICKSTART_STACKS]
    steps += ["==> stack %s: terraform destroy" % name for name in reversed(QUICKSTART_STACKS)]
    positions = [output.index(step) for step in steps]
    assert positions == sorted(positions), "stacks ran out of order:\n" + harness._tail(output, 150)
    printed = output[output.index("==> edge stack outputs"):output.index("==> stack edge: terraform destroy")]
    assert 'alb_dns_name = "nextstack-quickstart-alb-1234567890.eu-west-1.elb.amazonaws.com"' in printed
    assert 's3_origin_domain = "nextstack-quickstart-assets.s3.eu-west-1.amazonaws.com"' in printed
    assert "no SSM parameters left in eu-west-1 or us-east-1" in output
    assert "quickstart finished" in output
    assert list(tmp_path.glob("nextstack-quickstart.*")) == [], "run.sh left its scratch directory behind"
    assert list(QUICKSTART.rglob("terraform.tfstate*")) == [], "run.sh wrote state into the repository"
    assert list(QUICKSTART.rglob(".terraform")) == [], "run.sh initialised inside the repository"


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
    assert roots == [
        "acm_certificate",  # applied by test_acm_certificate.py
        "dns_alias",  # applied by test_dns_alias.py
        "quickstart/stacks/data",
        "quickstart/stacks/edge",
        "quickstart/stacks/networking",
        "ssm_parameters/data-source",
        "ssm_parameters/ephemeral-resource",
        "ssm_parameters/resource",
    ], roots
    for root in ["quickstart"] + [r for r in roots if not r.startswith("quickstart/")]:
        readme = EXAMPLES / root / "README.md"
        assert readme.is_file() and readme.read_text().strip(), "%s has no README.md" % root
    assert os.access(QUICKSTART / "run.sh", os.X_OK), "examples/quickstart/run.sh is not executable"


# ------------------------------------------------------------------------------------------------ docs

DOCS = harness.REPO_ROOT / "docs"
PROVIDER_ADDRESS = "registry.terraform.io/nextstack/nextstack"


def documented_items(page, section):
    """{name: line} for the `* \\`name\\` - ...` items of a `## section` of a docs page (nested items included)."""
    text = page.read_text()
    start = text.index("## %s\n" % section)
    end = text.find("\n## ", start + 1)
    body = text[start : end if end != -1 else len(text)]
    items = {}
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("* `") and "` - " in stripped:
            items[stripped[3 : stripped.index("`", 3)]] = stripped
    return items


def front_matter(page):
    text = page.read_text()
    assert text.startswith("---\n"), "%s has no front matter" % page
    head = text[4 : text.index("\n---\n", 4)]
    return {line.split(":", 1)[0] for line in head.splitlines() if line and not line.startswith(" ")}


def test_docs_match_the_provider_schema(terraform_latest):
    """Every argument and attribute of the schema is documented, nothing else is, and Required/Sensitive/Write-only
    in the docs match the schema (docs/index.md and the three nextstack_ssm_parameters pages)."""
    tf = terraform_latest(aws=False)
    tf.write('terraform {\n  required_providers {\n    nextstack = { source = "nextstack/nextstack" }\n  }\n}\n')
    tf.init_ok()
    schemas = json.loads(tf.check(tf.run("providers", "schema", "-json")).stdout)["provider_schemas"][PROVIDER_ADDRESS]

    def check(page, block, sections):
        arguments = documented_items(page, sections[0])
        attributes = documented_items(page, sections[1]) if len(sections) > 1 else {}
        schema = dict(block.get("attributes", {}))
        for name, nested in block.get("block_types", {}).items():
            schema[name] = {"optional": nested.get("min_items", 0) == 0}
            schema.update(nested["block"].get("attributes", {}))  # documented as nested items of the block
        assert set(arguments) | set(attributes) == set(schema), (page.name, sorted(arguments), sorted(attributes), sorted(schema))
        for name, attr in schema.items():
            settable = attr.get("required") or attr.get("optional")
            where = arguments if settable else attributes
            assert name in where, "%s: %s belongs in the %s section" % (page.name, name, "argument" if settable else "attribute")
            line = where[name]
            assert ("(Required)" in line) == bool(attr.get("required")), (page.name, line)
            assert ("Sensitive" in line) == bool(attr.get("sensitive")), (page.name, line)
            assert ("Write-only" in line) == bool(attr.get("write_only")), (page.name, line)

    pages = {
        "index": DOCS / "index.md",
        "resource": DOCS / "resources" / "ssm_parameters.md",
        "data": DOCS / "data-sources" / "ssm_parameters.md",
        "ephemeral": DOCS / "ephemeral-resources" / "ssm_parameters.md",
    }
    assert {"page_title", "description"} <= front_matter(pages["index"])
    for kind in ("resource", "data", "ephemeral"):
        assert {"page_title", "subcategory", "description"} <= front_matter(pages[kind]), pages[kind]
        text = pages[kind].read_text()
        for heading in ("## Example Usage", "## Argument Reference", "## Attribute Reference"):
            assert heading in text, (pages[kind], heading)
    assert "## Import" in pages["resource"].read_text()

    check(pages["index"], schemas["provider"]["block"], ["Argument Reference"])
    check(pages["resource"], schemas["resource_schemas"]["nextstack_ssm_parameters"]["block"], ["Argument Reference", "Attribute Reference"])
    check(pages["data"], schemas["data_source_schemas"]["nextstack_ssm_parameters"]["block"], ["Argument Reference", "Attribute Reference"])
    check(pages["ephemeral"], schemas["ephemeral_resource_schemas"]["nextstack_ssm_parameters"]["block"], ["Argument Reference", "Attribute Reference"])


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
