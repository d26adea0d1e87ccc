"""`terraform query` (Terraform >= 1.14) with the provider's list resources, through real Terraform 1.15.5 and
moto: what it finds, and the configuration `-generate-config-out` writes, which must import every object found
and then plan no other change.
"""

import json

from nextstack_lab.acm_and_alias import DIST, DNS_ROLE, PROVIDERS, aliases, change, identities, make_zone

OTHER_DIST = "d222222abcdef8.cloudfront.net"

QUERY = """
list "nextstack_ssm_parameters" "app" {
  provider         = nextstack
  include_resource = true
  config {
    path = "/app/"
  }
}

list "nextstack_dns_alias" "zone" {
  provider         = nextstack
  include_resource = true
  config {
    hosted_zone_id = "%s"
    role_arn       = "%s"
  }
}
"""


def test_query_finds_prefixes_and_aliases_and_its_generated_configuration_imports_cleanly(terraform_latest, aws):
    ssm = aws.client("ssm")
    ssm.put_parameter(Name="/app/prod/a", Value="1", Type="String")
    ssm.put_parameter(Name="/app/prod/db/host", Value="db.internal", Type="String")
    ssm.put_parameter(Name="/app/dev/b", Value="2", Type="StringList")
    ssm.put_parameter(Name="/elsewhere/c", Value="3", Type="String")
    zone = make_zone(aws)
    for name in ("example.com.", "www.example.com."):
        for rtype in ("A", "AAAA"):
            change(aws, zone, "CREATE", name, rtype, target=DIST + ".")
    change(aws, zone, "CREATE", "api.example.com.", "A", target=OTHER_DIST + ".")
    change(aws, zone, "CREATE", "txt.example.com.", "TXT", values=['"not an alias"'])

    tf = terraform_latest()
    tf.write(PROVIDERS)
    tf.write(QUERY % (zone, DNS_ROLE), name="found.tfquery.hcl")
    tf.init_ok()
    query = tf.check(tf.run("query", "-no-color", "-json"))
    # One JSON message a line; each object found is a "list_resource_found" message whose address is
    # list.TYPE.NAME.
    messages = [json.loads(line) for line in query.stdout.splitlines() if line.startswith("{")]
    found = sorted(
        (m["list_resource_found"]["address"].split(".")[1], json.dumps(m["list_resource_found"]["identity"], sort_keys=True))
        for m in messages
        if "list_resource_found" in m
    )
    assert found == sorted(
        [
            ("nextstack_ssm_parameters", json.dumps({"path_prefix": "/app/dev/", "region": "eu-west-1", "role_arn": None}, sort_keys=True)),
            ("nextstack_ssm_parameters", json.dumps({"path_prefix": "/app/prod/", "region": "eu-west-1", "role_arn": None}, sort_keys=True)),
            ("nextstack_dns_alias", json.dumps({"hosted_zone_id": zone, "names": ["api.example.com"], "role_arn": DNS_ROLE}, sort_keys=True)),
            ("nextstack_dns_alias", json.dumps({"hosted_zone_id": zone, "names": ["example.com", "www.example.com"], "role_arn": DNS_ROLE}, sort_keys=True)),
        ]
    ), query.stdout

    tf.check(tf.run("query", "-no-color", "-generate-config-out=generated.tf"))
    generated = (tf.workdir / "generated.tf").read_text()
    assert generated.count("import {") == 4 and generated.count('resource "nextstack_') == 4, generated
    assert '"db/host" = "db.internal"' in generated, generated
    plan = tf.plan_ok("-no-color")
    assert "Plan: 4 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, generated + plan.stdout
    tf.apply_ok()
    assert sorted(i.get("path_prefix") or ",".join(i["names"]) for i in identities(tf).values()) == [
        "/app/dev/",
        "/app/prod/",
        "api.example.com",
        "example.com,www.example.com",
    ]
    tf.assert_no_changes()
    tf.destroy_ok()
    assert aliases(aws, zone) == {}
    names = [p["Name"] for p in ssm.describe_parameters()["Parameters"]]
    assert names == ["/elsewhere/c"], "only what the query found was imported and destroyed"


def test_a_bad_list_configuration_is_refused_naming_the_attribute(terraform_latest, aws):
    tf = terraform_latest()
    tf.write(PROVIDERS)
    tf.write(
        """
list "nextstack_ssm_parameters" "bad" {
  provider = nextstack
  config {
    path = "app"
  }
}
""",
        name="bad.tfquery.hcl",
    )
    tf.init_ok()
    tf.fails("query", "-no-color", contains='path "app" must start and end with "/"')
