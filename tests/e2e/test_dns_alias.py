"""nextstack_dns_alias through real Terraform (1.15.5 and 1.0.3) and moto: alias records in another account's zone.

The hosted zone lives in the DNS account (111111111111), reached through `role_arn`; nothing may be written in the
workload account (moto's default, 123456789012). Route53 is checked through boto3 after every step.
"""

from nextstack_lab.acm_and_alias import (AWS_AND_NEXTSTACK, CLOUDFRONT_ZONE, DIST, DNS_ROLE, PROVIDERS, alias, aliases,
                                         certificate, certificates, change, make_zone)
from nextstack_lab.dns_account import WORKLOAD_ACCOUNT, cnames, zone_records
from nextstack_lab.layout import copy_example


def test_aliases_in_another_accounts_zone_lifecycle(terraform, aws):
    zone = make_zone(aws)
    empty_zone = zone_records(aws, zone)
    tf = terraform()
    tf.write(PROVIDERS + alias(zone))
    tf.apply_ok()
    assert aliases(aws, zone) == {
        ("example.com.", "A"): DIST,
        ("example.com.", "AAAA"): DIST,
        ("www.example.com.", "A"): DIST,
        ("www.example.com.", "AAAA"): DIST,
    }
    assert aws.client("route53").list_hosted_zones()["HostedZones"] == [], "nothing may be written in the workload account"
    state = tf.resource("nextstack_dns_alias.site")
    assert state["id"] == "%s:example.com,www.example.com" % zone
    assert sorted(state["records"]) == ["example.com. A", "example.com. AAAA", "www.example.com. A", "www.example.com. AAAA"]
    tf.assert_no_changes()

    # Order and case of names are no change; a new target is an in-place update.
    tf.write(PROVIDERS + alias(zone, names=("WWW.example.com", "example.com"), dns_name="D222.cloudfront.net"))
    plan = tf.plan_ok()
    assert "0 to add, 1 to change, 0 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert set(aliases(aws, zone).values()) == {"d222.cloudfront.net"}
    tf.assert_no_changes()

    # ipv6 = false removes exactly the AAAA records; a removed name loses its records.
    tf.write(PROVIDERS + alias(zone, names=("example.com",), dns_name="D222.cloudfront.net", extra="  ipv6 = false\n"))
    tf.apply_ok()
    assert aliases(aws, zone) == {("example.com.", "A"): "d222.cloudfront.net"}
    tf.assert_no_changes()

    tf.destroy_ok()
    assert zone_records(aws, zone) == empty_zone


def test_refuses_to_overwrite_a_record_it_does_not_manage(terraform, aws):
    zone = make_zone(aws)
    change(aws, zone, "CREATE", "www.example.com.", "A", values=["192.0.2.10"])
    before = zone_records(aws, zone)
    tf = terraform()
    tf.write(PROVIDERS + alias(zone))
    tf.apply_fails(
        contains="www.example.com. A (not an alias) already exists in hosted zone %s (example.com.) through role %s and is not managed by this resource"
        % (zone, DNS_ROLE)
    )
    assert zone_records(aws, zone) == before, "one change batch: nothing may be written when one record is refused"
    assert tf.resources() == {}

    tf.write(PROVIDERS + alias(zone, extra="  allow_overwrite = true\n"))
    tf.apply_ok()
    assert aliases(aws, zone)[("www.example.com.", "A")] == DIST
    assert [r for r in zone_records(aws, zone) if r[0] == "www.example.com." and r[1] == "A"] == [("www.example.com.", "A", ())]
    tf.assert_no_changes()
    # A record taken over is managed from then on: destroy deletes it like the others.
    tf.destroy_ok()
    assert aliases(aws, zone) == {}
    assert [r for r in zone_records(aws, zone) if r[1] in ("A", "AAAA")] == [], "the taken-over record is deleted too"


def test_drift_is_repaired(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + alias(zone))
    tf.apply_ok()
    expected = aliases(aws, zone)

    # A record deleted outside Terraform is planned back.
    change(aws, zone, "DELETE", "www.example.com.", "AAAA", target=DIST)
    plan = tf.plan_ok()
    assert "records" in plan.stdout and "0 to add, 1 to change, 0 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert aliases(aws, zone) == expected
    tf.assert_no_changes()

    # A record repointed outside Terraform shows as a change of target and is pointed back.
    change(aws, zone, "UPSERT", "example.com.", "A", target="elsewhere.cloudfront.net")
    plan = tf.plan_ok()
    assert "elsewhere.cloudfront.net" in plan.stdout and "1 to change" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert aliases(aws, zone) == expected
    tf.assert_no_changes()


def test_import_by_zone_names_and_role(terraform, aws):
    zone = make_zone(aws)
    for name in ("example.com.", "www.example.com."):
        for rtype in ("A", "AAAA"):
            change(aws, zone, "CREATE", name, rtype, target=DIST + ".")
    tf = terraform()
    tf.write(PROVIDERS + alias(zone))
    tf.init_ok()
    tf.check(tf.import_("nextstack_dns_alias.site", "%s:example.com,www.example.com@%s" % (zone, DNS_ROLE)))
    assert len(tf.resource("nextstack_dns_alias.site")["records"]) == 4
    tf.assert_no_changes()
    tf.destroy_ok()
    assert aliases(aws, zone) == {}


def test_unknown_zone_and_names_outside_it_are_clear_errors(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + alias("Z0000000000NOTREAL"))
    tf.apply_fails(contains="Hosted zone Z0000000000NOTREAL does not exist in the account reached through role %s" % DNS_ROLE)
    tf.write(PROVIDERS + alias(zone, names=("example.com", "www.example.org")))
    tf.apply_fails(contains="www.example.org not in hosted zone %s (example.com.)" % zone)
    tf.write(PROVIDERS + alias(zone, role="arn:aws:iam::111111111111:user/dns"))
    tf.plan_fails(contains="is not an IAM role ARN")
    assert aliases(aws, zone) == {}
    assert tf.resources() == {}


def test_certificate_and_alias_for_cloudfront_across_accounts(terraform, aws):
    """The reference architecture: certificate in us-east-1 of the workload account, every record in the DNS account."""
    zone = make_zone(aws)
    empty_zone = zone_records(aws, zone)
    tf = terraform()
    tf.write(
        PROVIDERS
        + certificate(zone=zone, extra="  lifecycle {\n    create_before_destroy = true\n  }\n")
        + alias(zone, names=("example.com", "www.example.com"))
        + 'output "certificate_arn" { value = nextstack_acm_certificate.site.arn }\n'
    )
    tf.apply_ok()
    assert [c["Status"] for c in certificates(aws).values()] == ["ISSUED"]
    assert len(cnames(aws, zone)) == 2 and len(aliases(aws, zone)) == 4
    assert aws.client("route53").list_hosted_zones()["HostedZones"] == []
    tf.assert_no_changes()
    tf.destroy_ok()
    assert certificates(aws) == {}
    assert zone_records(aws, zone) == empty_zone


def test_example_applies_as_documented(terraform, aws, tmp_path):
    zone = make_zone(aws)
    empty_zone = zone_records(aws, zone)
    tf = terraform(copy_example("dns_alias", tmp_path / "example"))
    args = ("-var", "hosted_zone_id=%s" % zone, "-var", "dns_role_arn=%s" % DNS_ROLE)
    tf.apply_ok(*args)
    assert sorted(tf.outputs()["records"]) == ["example.com. A", "example.com. AAAA", "www.example.com. A", "www.example.com. AAAA"]
    assert set(aliases(aws, zone).values()) == {DIST}
    tf.assert_no_changes(*args)
    tf.destroy_ok(*args)
    assert zone_records(aws, zone) == empty_zone


def test_a_hashicorp_aws_alias_record_moves_without_rewriting(terraform_latest, aws):
    """An alias A record of hashicorp/aws 5.100.0 -> nextstack_dns_alias (one name, ipv6 = false) with a `moved`
    block: no changes planned, nothing written to Route53. Its AAAA twin cannot move (the error names `type`)."""
    zone = make_zone(aws, account=WORKLOAD_ACCOUNT)
    record = """
resource "aws_route53_record" "%(name)s" {
  zone_id = "%(zone)s"
  name    = "www.example.com"
  type    = "%(type)s"
  alias {
    name                   = "%(dist)s"
    zone_id                = "%(cf)s"
    evaluate_target_health = false
  }
}
"""
    both = "".join(record % {"name": n, "type": t, "zone": zone, "dist": DIST, "cf": CLOUDFRONT_ZONE} for n, t in (("www", "A"), ("www_v6", "AAAA")))
    tf = terraform_latest()
    tf.write(AWS_AND_NEXTSTACK + both)
    tf.apply_ok()
    before = zone_records(aws, zone, account=WORKLOAD_ACCOUNT)

    moved = alias(zone, names=["www.example.com"], role=None, name="www", extra="  ipv6 = false\n")
    moved += "\nmoved {\n  from = aws_route53_record.www\n  to   = nextstack_dns_alias.www\n}\n"
    v6 = record % {"name": "www_v6", "type": "AAAA", "zone": zone, "dist": DIST, "cf": CLOUDFRONT_ZONE}
    tf.write(AWS_AND_NEXTSTACK + moved + v6)
    plan = tf.plan_ok()
    text = " ".join(plan.stdout.split())
    assert "aws_route53_record.www has moved to nextstack_dns_alias.www" in text, text
    assert "0 to add, 0 to change, 0 to destroy" in text or "No changes." in text, text
    assert "will be updated" not in text and "must be replaced" not in text, text
    tf.apply_ok()
    tf.assert_no_changes()
    state = tf.resource("nextstack_dns_alias.www")
    assert state["records"] == ["www.example.com. A"] and state["id"] == "%s:www.example.com" % zone
    assert zone_records(aws, zone, account=WORKLOAD_ACCOUNT) == before, "nothing rewritten"
    assert aliases(aws, zone, account=WORKLOAD_ACCOUNT)[("www.example.com.", "A")] == DIST

    # The AAAA record alone has no counterpart (nextstack_dns_alias always writes A).
    refused = alias(zone, names=["www.example.com"], role=None, name="v6")
    refused += "\nmoved {\n  from = aws_route53_record.www_v6\n  to   = nextstack_dns_alias.v6\n}\n"
    tf.write(AWS_AND_NEXTSTACK + moved + refused)
    tf.plan_fails(contains='aws_route53_record.type is "AAAA"')
    assert zone_records(aws, zone, account=WORKLOAD_ACCOUNT) == before
