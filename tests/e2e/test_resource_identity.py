"""Resource identity (Terraform >= 1.12) through real Terraform 1.15.5 and moto: every managed resource records
an identity beside its state, and `import { identity = {...} }` blocks adopt existing objects by it.
Terraform 1.0.3 and 1.11.4 never ask for identities; the other test files cover them unchanged.
"""

import json

from nextstack_lab.acm_and_alias import (CERT_REGION, DIST, DNS_ROLE, PROVIDERS, alias, aliases, certificate, change,
                                         identities, make_zone)


def test_existing_objects_import_by_identity_and_new_ones_record_theirs(terraform_latest, aws):
    ssm = aws.client("ssm", "us-west-2")
    ssm.put_parameter(Name="/imported/a", Value="1", Type="String")
    zone = make_zone(aws)
    for name in ("example.com.", "www.example.com."):
        for rtype in ("A", "AAAA"):
            change(aws, zone, "CREATE", name, rtype, target=DIST + ".")
    arn = aws.client("acm", CERT_REGION).request_certificate(
        DomainName="example.com", SubjectAlternativeNames=["www.example.com"], ValidationMethod="DNS"
    )["CertificateArn"]
    tf = terraform_latest()
    tf.write(
        PROVIDERS
        + alias(zone)
        + certificate(zone=zone, sans=("www.example.com",))
        + """
resource "nextstack_ssm_parameters" "imported" {
  region      = "us-west-2"
  path_prefix = "/imported/"
  values      = { a = "1" }
}

resource "nextstack_ssm_parameters" "created" {
  path_prefix = "/created/"
  values      = { b = "2" }
}

import {
  to       = nextstack_ssm_parameters.imported
  identity = { path_prefix = "/imported/", region = "us-west-2" }
}

import {
  to       = nextstack_dns_alias.site
  identity = { hosted_zone_id = "%s", names = ["example.com", "www.example.com"], role_arn = "%s" }
}

import {
  to       = nextstack_acm_certificate.site
  identity = { arn = "%s" }
}
"""
        % (zone, DNS_ROLE, arn)
    )
    plan = tf.plan_ok("-no-color")
    # The certificate's validation records are written by the first apply after its import (as with an id).
    assert "Plan: 3 to import, 1 to add, 1 to change, 0 to destroy." in plan.stdout, plan.stdout
    assert "must be replaced" not in plan.stdout, plan.stdout
    tf.apply_ok()
    assert identities(tf) == {
        "nextstack_ssm_parameters.imported": {"path_prefix": "/imported/", "region": "us-west-2", "role_arn": None},
        "nextstack_ssm_parameters.created": {"path_prefix": "/created/", "region": "eu-west-1", "role_arn": None},
        "nextstack_dns_alias.site": {
            "hosted_zone_id": zone,
            "names": ["example.com", "www.example.com"],
            "role_arn": DNS_ROLE,
        },
        "nextstack_acm_certificate.site": {"arn": arn, "role_arn": None},
    }
    tf.assert_no_changes()
    tf.destroy_ok()
    assert aliases(aws, zone) == {}
    assert ssm.describe_parameters()["Parameters"] == []


def test_an_identity_naming_nothing_is_a_clear_error(terraform_latest, aws):
    tf = terraform_latest()
    tf.write(
        PROVIDERS
        + """
resource "nextstack_ssm_parameters" "p" {
  path_prefix = "/nothing/"
  values      = { a = "1" }
}

import {
  to       = nextstack_ssm_parameters.p
  identity = { path_prefix = "/nothing/" }
}
"""
    )
    tf.init_ok()
    tf.fails("plan", "-no-color", "-input=false", contains="No SSM parameters exist under /nothing/ in eu-west-1")


def test_a_state_written_without_identity_gains_one_on_refresh(terraform_mid, terraform_latest, aws):
    # Terraform 1.11.4 knows no identities (protocol 6.9 came with 1.12): it stores none and the provider works
    # as before. Terraform 1.15.5 then refreshes the same state, finds the identity, and plans no change.
    old = terraform_mid()
    old.write(
        PROVIDERS
        + """
resource "nextstack_ssm_parameters" "p" {
  path_prefix = "/before/"
  values      = { a = "1" }
}
"""
    )
    old.apply_ok()
    old.assert_no_changes()
    state = json.loads((old.workdir / "terraform.tfstate").read_text())
    assert "identity" not in state["resources"][0]["instances"][0], state
    new = terraform_latest(old.workdir)
    new.init_ok("-upgrade")
    new.assert_no_changes()
    new.apply_ok("-refresh-only")
    assert identities(new) == {
        "nextstack_ssm_parameters.p": {"path_prefix": "/before/", "region": "eu-west-1", "role_arn": None}
    }
    new.assert_no_changes()
    new.destroy_ok()
