"""Failures moto never produces, injected by tests/e2e/aws_proxy.py between the provider and moto: a role that
cannot be assumed, throttling. Each test checks the error names the thing (role, zone, parameter) and that
nothing is left behind in AWS or in the state.
"""

from aws_proxy import Fault
from test_acm_certificate import CERT_REGION, DNS_ACCOUNT, certificate, certificates, cnames, make_zone, zone_records

PROVIDERS = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}

provider "nextstack" {
  region = "eu-west-1"
}
"""

DENIED_ROLE = "arn:aws:iam::%s:role/denied" % DNS_ACCOUNT


def deny_assume_role(faults, role=DENIED_ROLE):
    """sts:AssumeRole of `role` answers AccessDenied, as AWS does when the trust policy does not allow the caller."""
    return faults.inject(
        Fault.error(
            "sts.AssumeRole",
            "AccessDenied",
            # Without the role's ARN (real STS names it): the provider's own message must name it.
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole",
            status=403,
            body_contains=role,
        )
    )


def through(terraform, faults):
    return terraform(env={"AWS_ENDPOINT_URL": faults.url})


def ssm_names(aws, account=None):
    ssm = aws.client("ssm", "eu-west-1", account=account)
    return [p["Name"] for p in ssm.get_parameters_by_path(Path="/", Recursive=True)["Parameters"]]


def test_denied_role_on_an_ssm_read_names_the_role(terraform, aws_faults):
    denied = deny_assume_role(aws_faults)
    tf = through(terraform, aws_faults)
    tf.write(PROVIDERS + 'data "nextstack_ssm_parameters" "x" {\n  role_arn = "%s"\n  names    = ["/a"]\n}\n' % DENIED_ROLE)
    result = tf.plan_fails(contains="reading SSM parameters in eu-west-1 through %s" % DENIED_ROLE)
    assert "AccessDenied" in result.stderr or "not authorized" in result.stderr, result.stderr
    assert denied.hits >= 1, "the fault never applied: the test proves nothing"


def test_denied_role_on_ssm_publishing_leaves_nothing(terraform, aws_faults, aws):
    deny_assume_role(aws_faults)
    tf = through(terraform, aws_faults)
    tf.write(
        PROVIDERS
        + 'resource "nextstack_ssm_parameters" "p" {\n  role_arn    = "%s"\n  path_prefix = "/x/"\n  values      = { a = "1" }\n}\n'
        % DENIED_ROLE
    )
    tf.apply_fails(contains=DENIED_ROLE)
    assert tf.resources() == {}
    assert ssm_names(aws) == [] and ssm_names(aws, account=DNS_ACCOUNT) == []


def test_denied_dns_role_fails_before_a_certificate_is_requested(terraform, aws_faults, aws):
    zone = make_zone(aws)
    deny_assume_role(aws_faults)
    tf = through(terraform, aws_faults)
    tf.write(PROVIDERS + certificate(zone=zone, role=DENIED_ROLE))
    result = tf.apply_fails(contains=DENIED_ROLE)
    assert zone in result.stderr, "the error names the zone:\n" + result.stderr
    assert aws_faults.snapshot().get("CertificateManager.RequestCertificate") is None, "nothing was requested"
    assert certificates(aws) == {}
    assert cnames(aws, zone) == []
    assert tf.resources() == {}


def test_denied_certificate_role_writes_no_record(terraform, aws_faults, aws):
    zone = make_zone(aws)
    cert_role = "arn:aws:iam::222222222222:role/certificates-denied"
    deny_assume_role(aws_faults, cert_role)
    tf = through(terraform, aws_faults)
    tf.write(PROVIDERS + certificate(zone=zone, extra='  role_arn = "%s"\n' % cert_role))
    tf.apply_fails(contains=cert_role)
    assert certificates(aws, account="222222222222") == {} and certificates(aws) == {}
    assert cnames(aws, zone) == []
    assert tf.resources() == {}


def test_denied_role_on_dns_alias_names_zone_and_role(terraform, aws_faults, aws):
    zone = make_zone(aws)
    before = zone_records(aws, zone)
    deny_assume_role(aws_faults)
    tf = through(terraform, aws_faults)
    tf.write(
        PROVIDERS
        + """
resource "nextstack_dns_alias" "site" {
  hosted_zone_id = "%s"
  role_arn       = "%s"
  names          = ["example.com", "www.example.com"]
  target {
    dns_name       = "d111111abcdef8.cloudfront.net"
    hosted_zone_id = "Z2FDTNDATAQYW2"
  }
}
"""
        % (zone, DENIED_ROLE)
    )
    result = tf.apply_fails(contains=DENIED_ROLE)
    assert zone in result.stderr, result.stderr
    assert zone_records(aws, zone) == before
    assert tf.resources() == {}
