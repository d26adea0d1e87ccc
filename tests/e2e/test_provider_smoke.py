"""Smoke test of the built provider through real Terraform (both versions): it is installed from the filesystem
mirror, starts, completes the plugin handshake and serves its schema."""

import json

PROVIDER = "registry.terraform.io/nextstack/nextstack"

REQUIRED_PROVIDERS = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}
"""


def test_provider_serves_schema_and_plans_nothing(terraform):
    tf = terraform()
    tf.write(REQUIRED_PROVIDERS)
    tf.init_ok()

    result = tf.check(tf.run("providers", "schema", "-json"))
    schemas = json.loads(result.stdout)["provider_schemas"]
    assert PROVIDER in schemas, "provider_schemas has only %s" % sorted(schemas)
    ours = schemas[PROVIDER]
    assert "provider" in ours
    assert ours.get("resource_schemas") or ours.get("data_source_schemas"), "the provider declares nothing"

    tf.check(tf.validate())
    assert tf.plan_detailed_exitcode() == 0
