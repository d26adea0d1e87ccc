"""nextstack_ssm_parameters (resource, data source, ephemeral resource) through real Terraform and moto.

Every test runs on Terraform 1.15.5 and 1.0.3 unless it needs a newer feature (ephemeral resources and
write-only attributes), and checks AWS itself through boto3 rather than trusting Terraform's view.
"""

import json

import pytest

from nextstack_lab import harness
from nextstack_lab.dns_account import DNS_ACCOUNT

PROVIDERS = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}
"""

ROLE = "arn:aws:iam::%s:role/reader" % DNS_ACCOUNT


def provider_block(region="eu-west-1"):
    return PROVIDERS + 'provider "nextstack" {\n  region = "%s"\n}\n' % region


def ssm_params(aws, region, path="/", account=None):
    """{name: (type, value)} of every parameter under path, decrypted."""
    ssm = aws.client("ssm", region, account=account)
    out = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=True, WithDecryption=True):
        for p in page["Parameters"]:
            out[p["Name"]] = (p["Type"], p["Value"])
    return out


def test_publish_in_one_region_and_read_from_another(terraform, aws):
    tf = terraform()
    # The provider's default region is us-east-1 (the edge stack); parameters are published in eu-west-1.
    tf.write(
        provider_block("us-east-1")
        + """
resource "nextstack_ssm_parameters" "data" {
  region      = "eu-west-1"
  path_prefix = "/app/prod/data/"
  values = {
    bucket_name = "assets-bucket"
    table_name  = "portfolio"
    "nested/key" = "deep"
  }
  secure_values = { api_token = "t0ken" }
  tags          = { stack = "data" }
}

data "nextstack_ssm_parameters" "edge" {
  region = "eu-west-1"
  names  = nextstack_ssm_parameters.data.names
}

output "values" { value = data.nextstack_ssm_parameters.edge.values }
output "secure_count" { value = nonsensitive(length(data.nextstack_ssm_parameters.edge.secure_values)) }
"""
    )
    tf.apply_ok()
    assert ssm_params(aws, "eu-west-1", "/app/") == {
        "/app/prod/data/bucket_name": ("String", "assets-bucket"),
        "/app/prod/data/table_name": ("String", "portfolio"),
        "/app/prod/data/nested/key": ("String", "deep"),
        "/app/prod/data/api_token": ("SecureString", "t0ken"),
    }
    assert ssm_params(aws, "us-east-1", "/app/") == {}, "nothing may be written in the provider's default region"
    tags = aws.client("ssm", "eu-west-1").list_tags_for_resource(ResourceType="Parameter", ResourceId="/app/prod/data/bucket_name")
    assert tags["TagList"] == [{"Key": "stack", "Value": "data"}]

    outputs = tf.outputs()
    assert outputs["values"] == {
        "/app/prod/data/bucket_name": "assets-bucket",
        "/app/prod/data/table_name": "portfolio",
        "/app/prod/data/nested/key": "deep",
    }
    assert outputs["secure_count"] == 1
    state = tf.resource("nextstack_ssm_parameters.data")
    assert state["region"] == "eu-west-1"
    assert sorted(state["names"]) == sorted(ssm_params(aws, "eu-west-1", "/app/"))

    tf.assert_no_changes()

    # An update writes what changed and deletes removed keys.
    main = (tf.workdir / "main.tf").read_text()
    main = main.replace('    table_name  = "portfolio"\n', '    queue_url = "https://sqs/q"\n')
    tf.write(main.replace('tags          = { stack = "data" }', 'tags          = { team = "web" }'))
    tf.apply_ok()
    tags = aws.client("ssm", "eu-west-1").list_tags_for_resource(ResourceType="Parameter", ResourceId="/app/prod/data/bucket_name")
    assert tags["TagList"] == [{"Key": "team", "Value": "web"}], "tags are updated in place on kept parameters"
    names = ssm_params(aws, "eu-west-1", "/app/")
    assert "/app/prod/data/table_name" not in names
    assert names["/app/prod/data/queue_url"] == ("String", "https://sqs/q")
    tf.assert_no_changes()

    tf.destroy_ok()
    assert ssm_params(aws, "eu-west-1", "/app/") == {}


def test_read_another_accounts_parameters_through_role_arn(terraform, aws):
    other = aws.client("ssm", "eu-west-1", account=DNS_ACCOUNT)
    other.put_parameter(Name="/shared/zone_id", Value="Z123", Type="String")
    other.put_parameter(Name="/shared/db_password", Value="hunter2", Type="SecureString")
    tf = terraform()
    tf.write(
        provider_block()
        + """
data "nextstack_ssm_parameters" "shared" {
  role_arn    = "%s"
  external_id = "nextstack-test"
  path        = "/shared/"
}
output "values" { value = data.nextstack_ssm_parameters.shared.values }
output "secret" {
  value     = data.nextstack_ssm_parameters.shared.secure_values["/shared/db_password"]
  sensitive = true
}
"""
        % ROLE
    )
    tf.apply_ok()
    assert tf.outputs() == {"values": {"/shared/zone_id": "Z123"}, "secret": "hunter2"}
    # The default account does not have them: the role really switched accounts.
    assert ssm_params(aws, "eu-west-1", "/shared/") == {}


def test_more_than_ten_names_and_recursive_paths_paginate(terraform, aws):
    ssm = aws.client("ssm", "eu-west-1")
    names = ["/bulk/n%02d" % i for i in range(25)]
    for i, name in enumerate(names):
        ssm.put_parameter(Name=name, Value="v%d" % i, Type="String")
    for i in range(23):
        ssm.put_parameter(Name="/tree/level%d/sub/p%d" % (i % 3, i), Value=str(i), Type="String")
    ssm.put_parameter(Name="/tree/top", Value="top", Type="String")
    tf = terraform()
    tf.write(
        provider_block()
        + """
data "nextstack_ssm_parameters" "by_name" {
  names = %s
}
data "nextstack_ssm_parameters" "tree" {
  path = "/tree/"
}
data "nextstack_ssm_parameters" "flat" {
  path      = "/tree/"
  recursive = false
}
output "by_name" { value = data.nextstack_ssm_parameters.by_name.values }
output "tree" { value = length(data.nextstack_ssm_parameters.tree.values) }
output "flat" { value = data.nextstack_ssm_parameters.flat.values }
"""
        % json.dumps(names)
    )
    tf.apply_ok()
    outputs = tf.outputs()
    assert outputs["by_name"] == {name: "v%d" % i for i, name in enumerate(names)}
    assert outputs["tree"] == 24
    assert outputs["flat"] == {"/tree/top": "top"}


def test_missing_names_are_one_error_naming_each_with_region_and_account(terraform, aws):
    aws.client("ssm", "eu-west-1").put_parameter(Name="/there", Value="x", Type="String")
    tf = terraform()
    tf.write(
        provider_block()
        + """
data "nextstack_ssm_parameters" "x" {
  names = ["/there", "/missing/one", "/missing/two"]
}
"""
    )
    tf.init_ok()
    result = tf.plan_fails()
    text = " ".join((result.stdout + result.stderr).replace("│", " ").split())
    assert "SSM parameters not found" in text
    for expected in ["/missing/one", "/missing/two", "eu-west-1", "123456789012", "2 of 3"]:
        assert expected in text, "%r missing from: %s" % (expected, text)


def test_drift_is_reported_and_repaired(terraform, aws):
    tf = terraform()
    tf.write(
        provider_block()
        + """
resource "nextstack_ssm_parameters" "p" {
  path_prefix   = "/drift/"
  values        = { a = "1", b = "2", c = "3" }
  secure_values = { s = "secret" }
  tags          = { team = "web" }
}
"""
    )
    tf.apply_ok()
    ssm = aws.client("ssm", "eu-west-1")
    ssm.delete_parameter(Name="/drift/a")
    ssm.put_parameter(Name="/drift/b", Value="changed-by-hand", Type="String", Overwrite=True)
    ssm.delete_parameter(Name="/drift/s")
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/drift/b", Tags=[{"Key": "owner", "Value": "hand"}])
    ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId="/drift/c", TagKeys=["team"])

    plan = tf.plan_ok()
    assert "0 to add, 1 to change, 0 to destroy" in plan.stdout, "drift is repaired in place:\n" + plan.stdout
    tf.apply_ok()
    assert ssm_params(aws, "eu-west-1", "/drift/") == {
        "/drift/a": ("String", "1"),
        "/drift/b": ("String", "2"),
        "/drift/c": ("String", "3"),
        "/drift/s": ("SecureString", "secret"),
    }
    for name in ["/drift/a", "/drift/b", "/drift/c", "/drift/s"]:
        tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
        assert tags == [{"Key": "team", "Value": "web"}], "tag drift on %s is repaired: %s" % (name, tags)
    tf.assert_no_changes()
    tf.destroy_ok()
    assert ssm_params(aws, "eu-west-1", "/drift/") == {}


def test_refuses_to_take_over_an_unmanaged_parameter(terraform, aws):
    ssm = aws.client("ssm", "eu-west-1")
    ssm.put_parameter(Name="/owned/elsewhere", Value="keep me", Type="String")
    tf = terraform()
    config = (
        provider_block()
        + """
resource "nextstack_ssm_parameters" "p" {
  path_prefix = "/owned/"
  values      = { mine = "1", elsewhere = "2" }
  overwrite   = %s
}
"""
    )
    tf.write(config % "false")
    tf.init_ok()
    tf.apply_fails(contains="Parameter /owned/elsewhere already exists")
    # Nothing written, nothing recorded.
    assert ssm_params(aws, "eu-west-1", "/owned/") == {"/owned/elsewhere": ("String", "keep me")}
    assert "nextstack_ssm_parameters.p" not in tf.resources()

    tf.write(config % "true")
    tf.apply_ok()
    assert ssm_params(aws, "eu-west-1", "/owned/") == {"/owned/elsewhere": ("String", "2"), "/owned/mine": ("String", "1")}
    tf.assert_no_changes()


def test_invalid_input_names_the_attribute(terraform, aws):
    tf = terraform()
    tf.write(
        provider_block()
        + """
resource "nextstack_ssm_parameters" "p" {
  path_prefix = "no-slash"
  values      = { ok = "1" }
}
"""
    )
    tf.init_ok()
    result = tf.fails("validate", "-no-color", contains='path_prefix "no-slash" must start and end with "/"')
    assert "path_prefix" in result.stdout + result.stderr


def test_import_by_region_and_prefix(terraform, aws):
    ssm = aws.client("ssm", "us-west-2")
    ssm.put_parameter(Name="/imported/a", Value="1", Type="String")
    ssm.put_parameter(Name="/imported/s", Value="x", Type="SecureString", Tags=[{"Key": "team", "Value": "web"}])
    tf = terraform()
    tf.write(
        provider_block()
        + """
resource "nextstack_ssm_parameters" "p" {
  region        = "us-west-2"
  path_prefix   = "/imported/"
  values        = { a = "1" }
  secure_values = { s = "x" }
  tags          = { team = "web" }
}
"""
    )
    tf.init_ok()
    tf.check(tf.import_("nextstack_ssm_parameters.p", "us-west-2:/imported/"))
    state = tf.resource("nextstack_ssm_parameters.p")
    assert state["values"] == {"a": "1"}
    assert state["tags"] == {"team": "web"}, "import reads the tags"
    plan = tf.plan_ok()
    assert "0 to add, 1 to change, 0 to destroy" in plan.stdout, "/imported/a lacks the tag:\n" + plan.stdout
    tf.apply_ok()
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/imported/a")["TagList"] == [
        {"Key": "team", "Value": "web"}
    ]
    assert state["region"] == "us-west-2"
    tf.assert_no_changes()
    tf.destroy_ok()
    assert ssm_params(aws, "us-west-2", "/imported/") == {}


def test_import_another_accounts_parameters_through_a_role(terraform, aws):
    aws.client("ssm", "eu-west-1", account=DNS_ACCOUNT).put_parameter(Name="/theirs/a", Value="1", Type="String")
    tf = terraform()
    tf.write(
        provider_block()
        + """
resource "nextstack_ssm_parameters" "p" {
  role_arn    = "%s"
  path_prefix = "/theirs/"
  values      = { a = "1" }
}
"""
        % ROLE
    )
    tf.init_ok()
    tf.check(tf.import_("nextstack_ssm_parameters.p", "eu-west-1:/theirs/@" + ROLE))
    assert tf.resource("nextstack_ssm_parameters.p")["role_arn"] == ROLE
    tf.assert_no_changes()
    tf.destroy_ok()
    assert ssm_params(aws, "eu-west-1", "/theirs/", account=DNS_ACCOUNT) == {}


def test_ephemeral_secret_feeds_write_only_values_and_is_never_stored(terraform_latest, aws):
    # The harness searches every Terraform command's output and state files for the watched values.
    secret = harness.watch_secret("source db_password", "s3cr3t-never-in-state")
    harness.watch_secret("rotated db_password", "rotated-db-password")
    aws.client("ssm", "us-east-1", account=DNS_ACCOUNT).put_parameter(Name="/source/db_password", Value=secret, Type="SecureString")
    tf = terraform_latest()
    tf.write(
        provider_block()
        + """
ephemeral "nextstack_ssm_parameters" "source" {
  region   = "us-east-1"
  role_arn = "%s"
  names    = ["/source/db_password"]
}

resource "nextstack_ssm_parameters" "copy" {
  path_prefix              = "/copy/"
  values                   = { plain = "visible" }
  secure_values_wo         = { db_password = ephemeral.nextstack_ssm_parameters.source.secure_values["/source/db_password"] }
  secure_values_wo_version = 1
}
"""
        % ROLE
    )
    plan = tf.plan_ok("-out=tfplan")
    tf.apply_ok("tfplan")
    assert ssm_params(aws, "eu-west-1", "/copy/") == {
        "/copy/plain": ("String", "visible"),
        "/copy/db_password": ("SecureString", secret),
    }
    state_text = (tf.workdir / "terraform.tfstate").read_text()
    assert secret not in state_text, "the secret reached the state file"
    assert secret not in plan.stdout + plan.stderr
    assert secret not in (tf.workdir / "tfplan").read_bytes().decode("latin-1")
    assert tf.resource("nextstack_ssm_parameters.copy")["secure_values_wo"] is None
    tf.assert_no_changes()

    # Changing the secret at the source is invisible until the version is bumped.
    aws.client("ssm", "us-east-1", account=DNS_ACCOUNT).put_parameter(
        Name="/source/db_password", Value="rotated-db-password", Type="SecureString", Overwrite=True
    )
    tf.assert_no_changes()
    main = (tf.workdir / "main.tf").read_text()
    tf.write(main.replace("secure_values_wo_version = 1", "secure_values_wo_version = 2"))
    tf.apply_ok()
    assert ssm_params(aws, "eu-west-1", "/copy/")["/copy/db_password"] == ("SecureString", "rotated-db-password")
    assert "rotated-db-password" not in (tf.workdir / "terraform.tfstate").read_text()

    # A write-only parameter deleted out of band is re-sent from configuration.
    aws.client("ssm", "eu-west-1").delete_parameter(Name="/copy/db_password")
    assert tf.plan_detailed_exitcode() == 2
    tf.apply_ok()
    assert ssm_params(aws, "eu-west-1", "/copy/")["/copy/db_password"] == ("SecureString", "rotated-db-password")
    tf.destroy_ok()
    assert ssm_params(aws, "eu-west-1", "/copy/") == {}


def test_write_only_values_are_refused_by_terraform_without_write_only_support(terraform_legacy, aws):
    tf = terraform_legacy()
    tf.write(
        provider_block()
        + """
resource "nextstack_ssm_parameters" "p" {
  path_prefix      = "/wo/"
  secure_values_wo = { k = "would-be-stored" }
}
"""
    )
    tf.init_ok()
    result = tf.plan_fails(contains="Write-only attribute needs Terraform 1.11 or later")
    assert "secure_values_wo" in result.stdout + result.stderr
    assert ssm_params(aws, "eu-west-1", "/wo/") == {}


def test_tf_log_debug_shows_provider_log_lines(terraform, aws):
    aws.client("ssm", "eu-west-1").put_parameter(Name="/log/x", Value="1", Type="String")
    tf = terraform(env={"TF_LOG": "debug"})
    tf.write(provider_block() + 'data "nextstack_ssm_parameters" "x" {\n  names = ["/log/x"]\n}\n')
    tf.init_ok()
    result = tf.plan_ok()
    lines = [line for line in result.stderr.splitlines() if "terraform-provider-nextstack" in line and "read SSM parameters" in line]
    assert lines, "no provider log line in TF_LOG=debug output:\n" + result.stderr[-3000:]
    # hclog JSON is parsed by Terraform: fields appear as key=value, not as raw JSON.
    assert "tf_rpc=ReadDataSource" in lines[0], lines[0]
    assert '{"@level"' not in lines[0], "Terraform did not parse the log line: " + lines[0]


def test_tf_log_trace_never_shows_a_secret(terraform, aws):
    secret = "s3cr3t-never-logged-7f2a"
    tf = terraform(env={"TF_LOG": "trace"})
    tf.write(
        provider_block()
        + """
resource "nextstack_ssm_parameters" "p" {
  path_prefix   = "/logsecret/"
  values        = { plain = "visible" }
  secure_values = { token = "%s" }
}

data "nextstack_ssm_parameters" "read" {
  names = [for name in nextstack_ssm_parameters.p.names : name]
}
"""
        % secret
    )
    tf.init_ok()
    applied = tf.apply_ok()
    refreshed = tf.plan_ok()
    provider_lines = [
        line
        for result in (applied, refreshed)
        for line in (result.stdout + result.stderr).splitlines()
        if "terraform-provider-nextstack" in line
    ]
    assert any("SSM" in line for line in provider_lines), "TF_LOG=trace shows no provider line at all"
    leaked = [line for line in provider_lines if secret in line]
    assert not leaked, "the provider logged a secret:\n" + "\n".join(leaked[:5])
    for result in (applied, refreshed):
        assert secret not in result.stdout + result.stderr, "a secret reached the plan output or Terraform's own log"


def test_malformed_role_arn_is_refused_before_any_aws_call(terraform, aws):
    tf = terraform()
    tf.write(
        provider_block()
        + """
data "nextstack_ssm_parameters" "read" {
  role_arn = "reader"
  names    = ["/a"]
}

resource "nextstack_ssm_parameters" "p" {
  role_arn    = "arn:aws:iam::111111111111:user/publisher"
  path_prefix = "/x/"
  values      = { a = "1" }
}
"""
    )
    tf.init_ok()
    result = tf.fails("validate", "-no-color", contains='"reader" is not an IAM role ARN')
    flat = " ".join(result.stderr.split())
    assert '"arn:aws:iam::111111111111:user/publisher" is not an IAM role ARN' in flat, result.stderr
