"""nextstack_acm_certificate through real Terraform (1.15.5 and 1.0.3) and moto, across two accounts.

The certificate lives in the workload account (moto's default, 123456789012); the hosted zone lives in the DNS
account (111111111111), reached through `validation.role_arn`. moto issues a certificate MOTO_ACM_VALIDATION_WAIT
seconds after the request and never looks at DNS, so every test checks the Route53 records itself.
"""

import os
import signal
import subprocess
import time

from nextstack_lab.acm_and_alias import (AWS_AND_NEXTSTACK, CERT_REGION, DNS_ROLE, PROVIDERS, certificate, certificates,
                                         make_zone)
from nextstack_lab.dns_account import DNS_ACCOUNT, WORKLOAD_ACCOUNT, cnames, zone_records
from nextstack_lab.layout import copy_example


def names_of(cert):
    return sorted(n.lower() for n in cert["SubjectAlternativeNames"])


def test_cross_account_certificate_is_issued_with_one_record_per_name(terraform, aws):
    zone = make_zone(aws)
    empty_zone = zone_records(aws, zone)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, extra='  tags = { stack = "edge" }\n') + 'output "arn" { value = nextstack_acm_certificate.site.arn }\n')
    tf.apply_ok()

    # The certificate: ISSUED, in the workload account and us-east-1 only.
    certs = certificates(aws)
    assert len(certs) == 1, certs
    arn, cert = next(iter(certs.items()))
    assert arn.startswith("arn:aws:acm:us-east-1:%s:certificate/" % WORKLOAD_ACCOUNT)
    assert cert["Status"] == "ISSUED"
    assert names_of(cert) == ["*.example.com", "example.com", "www.example.com"]
    assert certificates(aws, "eu-west-1") == {}
    assert certificates(aws, account=DNS_ACCOUNT) == {}
    tags = aws.client("acm", CERT_REGION).list_tags_for_certificate(CertificateArn=arn)["Tags"]
    assert tags == [{"Key": "stack", "Value": "edge"}]

    # The records: in the DNS account's zone only; the wildcard and its apex share one record.
    records = cnames(aws, zone)
    names = [r[0] for r in records]
    assert len(names) == len(set(names)) == 2, records
    assert all(name.startswith("_") for name in names)
    assert {n.split(".", 1)[1] for n in names} == {"example.com.", "www.example.com."}
    assert aws.client("route53").list_hosted_zones()["HostedZones"] == [], "nothing may be written in the workload account"

    state = tf.resource("nextstack_acm_certificate.site")
    assert state["id"] == state["arn"] == arn == tf.outputs()["arn"]
    assert state["status"] == "ISSUED"
    assert state["region"] == CERT_REGION
    assert state["not_before"] and state["not_after"]
    vr = state["validation_records"]
    assert [r["domain_name"] for r in vr] == ["example.com", "www.example.com"]
    assert sorted((r["name"].lower(), r["type"], (r["value"],)) for r in vr) == records

    tf.assert_no_changes()

    # SAN order never matters; neither does the case of a name.
    tf.write(
        PROVIDERS
        + certificate(zone=zone, sans=("WWW.example.com", "*.example.com"), extra='  tags = { stack = "edge" }\n')
        + 'output "arn" { value = nextstack_acm_certificate.site.arn }\n'
    )
    plan = tf.plan_ok()
    assert "must be replaced" not in plan.stdout, plan.stdout
    # The new spelling is stored in place; nothing in AWS changes.
    assert "0 to add, 1 to change, 0 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert tf.outputs()["arn"] == arn
    assert cnames(aws, zone) == records
    assert sorted(tf.resource("nextstack_acm_certificate.site")["subject_alternative_names"]) == ["*.example.com", "WWW.example.com"]
    tf.assert_no_changes()

    # Tags change in place.
    tf.write(PROVIDERS + certificate(zone=zone, extra='  tags = { stack = "edge", owner = "web" }\n') + 'output "arn" { value = nextstack_acm_certificate.site.arn }\n')
    plan = tf.plan_ok()
    assert "1 to change, 0 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert tf.outputs()["arn"] == arn
    tags = aws.client("acm", CERT_REGION).list_tags_for_certificate(CertificateArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("owner", "web"), ("stack", "edge")]
    tf.assert_no_changes()

    tf.destroy_ok()
    assert certificates(aws) == {}
    assert zone_records(aws, zone) == empty_zone, "destroy must leave the zone as it was"


def test_adding_a_name_replaces_the_certificate_and_cleans_up_the_old_one(terraform, aws):
    zone = make_zone(aws)
    empty_zone = zone_records(aws, zone)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, sans=("www.example.com",)))
    tf.apply_ok()
    old_arn = tf.resource("nextstack_acm_certificate.site")["arn"]
    assert len(cnames(aws, zone)) == 2

    tf.write(PROVIDERS + certificate(zone=zone, sans=("www.example.com", "api.example.com")))
    plan = tf.plan_ok()
    assert "must be replaced" in plan.stdout and "1 to add, 0 to change, 1 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    new_arn = tf.resource("nextstack_acm_certificate.site")["arn"]
    assert new_arn != old_arn
    certs = certificates(aws)
    assert list(certs) == [new_arn], "the old certificate must be deleted"
    assert names_of(certs[new_arn]) == ["api.example.com", "example.com", "www.example.com"]
    records = cnames(aws, zone)
    assert {r[0].split(".", 1)[1] for r in records} == {"example.com.", "www.example.com.", "api.example.com."}
    assert len(records) == 3, records
    tf.assert_no_changes()

    # create_before_destroy (as for a certificate in use by CloudFront): the records both need survive.
    tf.write(
        PROVIDERS
        + certificate(zone=zone, sans=("api.example.com",), extra="  lifecycle {\n    create_before_destroy = true\n  }\n")
    )
    tf.apply_ok()
    certs = certificates(aws)
    assert len(certs) == 1 and new_arn not in certs
    assert {r[0].split(".", 1)[1] for r in cnames(aws, zone)} == {"example.com.", "api.example.com."}
    tf.assert_no_changes()

    tf.destroy_ok()
    assert certificates(aws) == {}
    assert zone_records(aws, zone) == empty_zone


def test_records_shared_with_another_certificate_are_kept(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    both = certificate("site", sans=("www.example.com",), zone=zone) + certificate("api", domain="api.example.com", sans=("example.com",), zone=zone)
    tf.write(PROVIDERS + both)
    tf.apply_ok()
    # example.com is on both certificates: its record exists once.
    assert {r[0].split(".", 1)[1] for r in cnames(aws, zone)} == {"example.com.", "www.example.com.", "api.example.com."}
    assert len(cnames(aws, zone)) == 3

    tf.write(PROVIDERS + certificate("api", domain="api.example.com", sans=("example.com",), zone=zone))
    tf.apply_ok()
    # www's record went with its certificate; example.com's stays for the other one.
    assert {r[0].split(".", 1)[1] for r in cnames(aws, zone)} == {"example.com.", "api.example.com."}
    assert len(certificates(aws)) == 1
    tf.assert_no_changes()
    tf.destroy_ok()
    assert cnames(aws, zone) == []


def test_names_unknown_at_plan_are_fine(terraform, aws):
    """The AWS provider's for_each over domain_validation_options fails when a name is unknown at plan; here the
    records are the resource's own business, so a name computed during apply plans and applies like any other."""
    zone = make_zone(aws)
    tf = terraform()
    later = '${lower(substr(nextstack_acm_certificate.site.status, 0, 0))}app.example.com'
    tf.write(PROVIDERS + certificate(zone=zone, sans=()) + certificate("app", domain="api.example.com", sans=(later,), zone=zone))
    plan = tf.plan_ok()
    assert "2 to add" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert sorted(names_of(c) for c in certificates(aws).values()) == [["api.example.com", "app.example.com"], ["example.com"]]
    assert {r[0].split(".", 1)[1] for r in cnames(aws, zone)} == {"example.com.", "api.example.com.", "app.example.com."}
    tf.assert_no_changes()


def test_moving_validation_to_another_zone_is_in_place(terraform, aws):
    old_zone = make_zone(aws)
    new_zone = make_zone(aws, ref="2")
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=old_zone))
    tf.apply_ok()
    arn = tf.resource("nextstack_acm_certificate.site")["arn"]
    records = cnames(aws, old_zone)
    tf.write(PROVIDERS + certificate(zone=new_zone))
    plan = tf.plan_ok()
    assert "0 to add, 1 to change, 0 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert tf.resource("nextstack_acm_certificate.site")["arn"] == arn
    assert cnames(aws, new_zone) == records
    assert cnames(aws, old_zone) == []
    tf.assert_no_changes()


def test_a_new_dns_role_or_external_id_touches_no_record(terraform, aws):
    """Zone ids are unique across accounts: another role (or external id) into the same zone reaches the same
    records, so the change is in place and makes no AWS call. Before, it counted as a move and the 'old' zone's
    records (the live ones) were deleted."""
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone))
    tf.apply_ok()
    arn = tf.resource("nextstack_acm_certificate.site")["arn"]
    records = cnames(aws, zone)
    assert len(records) == 2

    other_role = "arn:aws:iam::%s:role/dns-rotated" % DNS_ACCOUNT
    tf.write(PROVIDERS + certificate(zone=zone, role=other_role))
    plan = tf.plan_ok()
    assert "0 to add, 1 to change, 0 to destroy" in plan.stdout and "must be replaced" not in plan.stdout, plan.stdout
    tf.apply_ok()
    assert cnames(aws, zone) == records, "the validation records must stay where they are"
    state = tf.resource("nextstack_acm_certificate.site")
    assert state["arn"] == arn and state["validation"]["role_arn"] == other_role
    assert len(state["validation_records"]) == 2
    tf.assert_no_changes()

    tf.write(PROVIDERS + certificate(zone=zone, role=other_role).replace("  }\n}", '    external_id    = "rotated"\n  }\n}'))
    plan = tf.plan_ok()
    assert "0 to add, 1 to change, 0 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert cnames(aws, zone) == records
    assert tf.resource("nextstack_acm_certificate.site")["validation"]["external_id"] == "rotated"
    tf.assert_no_changes()
    assert list(certificates(aws)) == [arn]

    tf.destroy_ok()
    assert certificates(aws) == {} and cnames(aws, zone) == [], "the new role removes the records on destroy"


def test_key_algorithms_acm_cannot_issue_are_refused_at_plan(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, extra='  key_algorithm = "RSA_4096"\n'))
    tf.plan_fails(
        contains='key_algorithm = "RSA_4096" cannot be requested: ACM issues certificates only with RSA_2048, EC_prime256v1, EC_secp384r1'
    )
    tf.write(PROVIDERS + certificate(zone=zone, extra='  key_algorithm = "EC_secp384r1"\n'))
    tf.apply_ok()
    assert len(certificates(aws)) == 1, "moto ignores the key type; the request went through"
    assert tf.resource("nextstack_acm_certificate.site")["key_algorithm"] == "EC_secp384r1"
    tf.assert_no_changes()


def test_unknown_zone_fails_before_anything_is_requested(terraform, aws):
    make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone="Z0000000000NOTREAL"))
    tf.apply_fails(contains="Hosted zone Z0000000000NOTREAL does not exist in the account reached through role %s" % DNS_ROLE)
    assert certificates(aws) == {}
    assert tf.resources() == {}


def test_role_into_the_wrong_account_names_zone_and_role(terraform, aws):
    zone = make_zone(aws)
    wrong_role = "arn:aws:iam::222222222222:role/dns"
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, role=wrong_role))
    tf.apply_fails(contains="Hosted zone %s does not exist in the account reached through role %s" % (zone, wrong_role))
    assert certificates(aws) == {}
    assert cnames(aws, zone) == []
    assert tf.resources() == {}


def test_malformed_role_is_refused_at_plan(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, role="dns-admin"))
    tf.plan_fails(contains='"dns-admin" is not an IAM role ARN')
    assert certificates(aws) == {}


def test_names_outside_the_zone_fail_before_anything_is_requested(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, sans=("www.example.org",)))
    tf.apply_fails(contains="www.example.org not in hosted zone %s (example.com.) through role %s" % (zone, DNS_ROLE))
    assert certificates(aws) == {}
    assert cnames(aws, zone) == []


def test_a_failure_after_the_request_deletes_the_certificate(terraform, aws):
    zone = make_zone(aws)
    # A CNAME with another value where ACM wants its validation record (left over from another account, say).
    r53 = aws.client("route53", account=DNS_ACCOUNT)
    taken = "_d930b28be6c5927595552b219965053e.www.example.com."
    r53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {"Name": taken, "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "someone-else.example.net."}]}}]},
    )
    before = zone_records(aws, zone)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, sans=("www.example.com",)))
    result = tf.apply_fails(
        contains="hosted zone %s (example.com.) through role %s already has a CNAME %s with value someone-else.example.net." % (zone, DNS_ROLE, taken)
    )
    assert "nothing was left behind" in " ".join(result.stdout.split() + result.stderr.split()).replace("│", "")
    assert certificates(aws) == {}, "the certificate must be deleted after a failed create"
    assert zone_records(aws, zone) == before, "the other record stays as it was, and nothing else is left"
    assert tf.resources() == {}


def test_create_timeout_cleans_up(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, extra='  timeouts {\n    create = "1s"\n  }\n'))
    tf.apply_fails(contains="still PENDING_VALIDATION")
    assert certificates(aws) == {}
    assert cnames(aws, zone) == []
    assert tf.resources() == {}


def test_deleted_validation_record_is_repaired(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone))
    tf.apply_ok()
    records = cnames(aws, zone)
    victim = [r for r in records if r[0].endswith(".www.example.com.")][0]
    r53 = aws.client("route53", account=DNS_ACCOUNT)
    r53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": {"Name": victim[0], "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": victim[2][0]}]}}]},
    )
    plan = tf.plan_ok()
    assert "validation_records" in plan.stdout and "1 to change" in plan.stdout, plan.stdout
    assert "must be replaced" not in plan.stdout
    tf.apply_ok()
    assert cnames(aws, zone) == records
    tf.assert_no_changes()


def test_certificate_deleted_out_of_band_is_planned_again(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, sans=()))
    tf.apply_ok()
    arn = tf.resource("nextstack_acm_certificate.site")["arn"]
    aws.client("acm", CERT_REGION).delete_certificate(CertificateArn=arn)
    plan = tf.plan_ok()
    assert "1 to add, 0 to change, 0 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert tf.resource("nextstack_acm_certificate.site")["arn"] != arn
    assert len(certificates(aws)) == 1
    assert len(cnames(aws, zone)) == 1
    tf.assert_no_changes()


def test_wait_for_issuance_false_returns_at_once(terraform, aws):
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, extra="  wait_for_issuance = false\n"))
    tf.apply_ok()
    state = tf.resource("nextstack_acm_certificate.site")
    assert state["status"] == "PENDING_VALIDATION"
    assert len(cnames(aws, zone)) == 2
    # A later refresh sees it ISSUED; that is not a change to plan.
    tf.assert_no_changes()


def test_import_by_arn_adopts_the_validation_zone(terraform, aws):
    zone = make_zone(aws)
    acm = aws.client("acm", CERT_REGION)
    arn = acm.request_certificate(DomainName="example.com", SubjectAlternativeNames=["www.example.com"], ValidationMethod="DNS")["CertificateArn"]
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, sans=("www.example.com", "example.com")))
    tf.init_ok()
    tf.check(tf.import_("nextstack_acm_certificate.site", arn))
    state = tf.resource("nextstack_acm_certificate.site")
    assert state["arn"] == arn and state["domain_name"] == "example.com" and state["region"] == CERT_REGION
    plan = tf.plan_ok()
    assert "must be replaced" not in plan.stdout and "0 to add, 1 to change, 0 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    assert len(cnames(aws, zone)) == 2, "the first apply after import writes the validation records"
    assert list(certificates(aws)) == [arn]
    tf.assert_no_changes()
    tf.destroy_ok()
    assert certificates(aws) == {}
    assert cnames(aws, zone) == []


def test_import_from_another_account_through_a_role(terraform, aws):
    zone = make_zone(aws)
    arn = aws.client("acm", CERT_REGION, account=DNS_ACCOUNT).request_certificate(DomainName="example.com", ValidationMethod="DNS")["CertificateArn"]
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone, sans=(), extra='  role_arn = "%s"\n' % DNS_ROLE))
    tf.init_ok()
    tf.check(tf.import_("nextstack_acm_certificate.site", "%s@%s" % (arn, DNS_ROLE)))
    assert tf.resource("nextstack_acm_certificate.site")["role_arn"] == DNS_ROLE
    plan = tf.plan_ok()
    assert "must be replaced" not in plan.stdout and "0 to add, 1 to change, 0 to destroy" in plan.stdout, plan.stdout
    tf.apply_ok()
    tf.assert_no_changes()
    tf.destroy_ok()
    assert certificates(aws, account=DNS_ACCOUNT) == {}
    assert cnames(aws, zone) == []


def test_import_refuses_what_is_not_a_certificate_arn(terraform, aws):
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone="Z1"))
    tf.init_ok()
    result = tf.import_("nextstack_acm_certificate.site", "example.com")
    assert result.rc != 0
    assert "Expected a certificate ARN" in " ".join((result.stdout + result.stderr).replace("│", " ").split())


def test_import_of_a_missing_certificate_names_region_and_role(terraform, aws):
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone="Z1"))
    tf.init_ok()
    missing = "arn:aws:acm:us-east-1:%s:certificate/00000000-0000-0000-0000-000000000000" % DNS_ACCOUNT
    result = tf.import_("nextstack_acm_certificate.site", "%s@%s" % (missing, DNS_ROLE))
    assert result.rc != 0
    text = " ".join((result.stdout + result.stderr).replace("│", " ").split())
    assert "No certificate %s in us-east-1 through %s" % (missing, DNS_ROLE) in text, text


def test_ctrl_c_while_the_certificate_is_in_use_deletes_nothing(terraform, aws):
    """A load balancer listener uses the certificate (moto then lists it in InUseBy): destroy waits, deleting
    nothing; Ctrl-C ends the wait with an error that says it was interrupted (not a time-out), and the certificate
    keeps its validation records."""
    zone = make_zone(aws)
    tf = terraform()
    tf.write(PROVIDERS + certificate(zone=zone))
    tf.apply_ok()
    arn = tf.resource("nextstack_acm_certificate.site")["arn"]
    records = cnames(aws, zone)
    lb = aws.client("elb", CERT_REGION).create_load_balancer(
        LoadBalancerName="site",
        Listeners=[{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP", "InstancePort": 80, "SSLCertificateId": arn}],
        AvailabilityZones=["us-east-1a"],
    )["DNSName"]
    assert certificates(aws)[arn]["InUseBy"] == [lb]

    argv = [str(tf.binary), "-chdir=%s" % tf.workdir, "destroy", "-auto-approve", "-no-color", "-input=false"]
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=tf.env, text=True, start_new_session=True
    )
    try:
        # Let the refresh pass and the wait begin (it polls every 2, 4, 8 ... s), then press Ctrl-C once: like a
        # terminal, to the whole process group (Terraform 1.0 runs as a parent that ignores SIGINT and a child).
        time.sleep(6)
        assert proc.poll() is None, "destroy ended while the certificate was in use:\n%s" % (proc.communicate()[0])
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    text = " ".join((stdout + stderr).replace("│", " ").split())
    assert proc.returncode != 0, text
    assert "Stopped while waiting for %s to stop using certificate %s" % (lb, arn) in text, text
    assert "Nothing was deleted" in text and "delete timeout" not in text, text
    assert list(certificates(aws)) == [arn], "the certificate is kept"
    assert cnames(aws, zone) == records, "a certificate in use keeps its validation records, so it renews"
    assert "nextstack_acm_certificate.site" in tf.resources()


def test_example_applies_as_documented(terraform, aws, tmp_path):
    zone = make_zone(aws)
    empty_zone = zone_records(aws, zone)
    tf = terraform(copy_example("acm_certificate", tmp_path / "example"))
    args = ("-var", "hosted_zone_id=%s" % zone, "-var", "dns_role_arn=%s" % DNS_ROLE)
    tf.apply_ok(*args)
    outputs = tf.outputs()
    assert outputs["status"] == "ISSUED"
    assert list(certificates(aws)) == [outputs["certificate_arn"]]
    assert len(outputs["validation_records"]) == len(cnames(aws, zone)) == 2
    tf.assert_no_changes(*args)
    tf.destroy_ok(*args)
    assert certificates(aws) == {}
    assert zone_records(aws, zone) == empty_zone


HASHICORP_CERTIFICATE = """
resource "aws_acm_certificate" "site" {
  domain_name               = "example.com"
  subject_alternative_names = ["www.example.com"]
  validation_method         = "DNS"
  tags                      = { team = "web" }
}

resource "aws_route53_record" "validation" {
  for_each = { for o in aws_acm_certificate.site.domain_validation_options : o.domain_name => o }

  zone_id         = "%(zone)s"
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "site" {
  certificate_arn         = aws_acm_certificate.site.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}
"""

MOVED_CERTIFICATE = """
resource "nextstack_acm_certificate" "site" {
  domain_name               = "example.com"
  subject_alternative_names = ["www.example.com"]
  region                    = "us-east-1"
  tags                      = { team = "web" }
  validation {
    hosted_zone_id = "%(zone)s"
  }
}

moved {
  from = aws_acm_certificate.site
  to   = nextstack_acm_certificate.site
}

# The records and the validation have no resource of their own here: forgotten, not destroyed.
removed {
  from = aws_route53_record.validation
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_acm_certificate_validation.site
  lifecycle {
    destroy = false
  }
}
"""


def test_a_hashicorp_aws_certificate_moves_without_replacement(terraform_latest, aws):
    """aws_acm_certificate (hashicorp/aws 5.100.0) -> nextstack_acm_certificate with a `moved` block: the plan
    only adopts the validation zone in place (hashicorp/aws's state does not know it), the apply writes nothing
    to Route53, and the certificate is the same one."""
    zone = make_zone(aws, account=WORKLOAD_ACCOUNT)
    tf = terraform_latest()
    tf.write(AWS_AND_NEXTSTACK + HASHICORP_CERTIFICATE % {"zone": zone})
    tf.apply_ok()
    arn = tf.resource("aws_acm_certificate.site")["arn"]
    records = zone_records(aws, zone, account=WORKLOAD_ACCOUNT)
    assert len([r for r in records if r[1] == "CNAME"]) == 2, records

    tf.write(AWS_AND_NEXTSTACK + MOVED_CERTIFICATE % {"zone": zone})
    plan = tf.plan_ok()
    text = " ".join(plan.stdout.split())
    assert "nextstack_acm_certificate.site will be updated in-place # (moved from aws_acm_certificate.site)" in text, text
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in text, text
    assert "+ validation {" in plan.stdout and "must be replaced" not in text, plan.stdout
    tf.apply_ok()
    state = tf.resource("nextstack_acm_certificate.site")
    assert state["arn"] == arn and state["status"] == "ISSUED"
    assert state["validation"]["hosted_zone_id"] == zone
    assert sorted(r["name"] for r in state["validation_records"]) == sorted(r[0] for r in records if r[1] == "CNAME")
    tf.assert_no_changes()
    assert list(certificates(aws)) == [arn], "the same certificate, not a new one"
    assert zone_records(aws, zone, account=WORKLOAD_ACCOUNT) == records, "no record rewritten or removed"
    assert set(tf.resources()) == {"nextstack_acm_certificate.site"}


def test_an_imported_certificate_cannot_be_moved(terraform_latest, aws, tmp_path):
    """An aws_acm_certificate made from a certificate body has no counterpart: the move names the attribute and
    changes nothing."""
    zone = make_zone(aws, account=WORKLOAD_ACCOUNT)
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    tf = terraform_latest()
    imported = """
resource "aws_acm_certificate" "site" {
  certificate_body = file("%s")
  private_key      = file("%s")
}
""" % (tmp_path / "cert.pem", tmp_path / "key.pem")
    tf.write(AWS_AND_NEXTSTACK + imported)
    tf.apply_ok()
    arn = tf.resource("aws_acm_certificate.site")["arn"]
    moved = MOVED_CERTIFICATE.split("# The records")[0] % {"zone": zone}
    tf.write(AWS_AND_NEXTSTACK + moved)
    result = tf.plan_fails(contains="aws_acm_certificate.certificate_body is set: this is an imported certificate.")
    assert "BEGIN" not in result.stdout + result.stderr, "no key or certificate text in the error"
    assert tf.resource("aws_acm_certificate.site")["arn"] == arn
    assert list(certificates(aws)) == [arn]
