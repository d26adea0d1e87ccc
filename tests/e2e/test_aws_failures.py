"""Failures moto never produces, injected by nextstack_lab.aws_proxy between the provider and moto: a role that
cannot be assumed, throttling. Each test checks the error names the thing (role, zone, parameter) and that
nothing is left behind in AWS or in the state.
"""

import json

from nextstack_lab.acm_and_alias import PROVIDERS, certificate, certificates, make_zone
from nextstack_lab.aws_proxy import Fault
from nextstack_lab.dns_account import DNS_ACCOUNT, cnames, zone_records

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


def cloudfront_alias(zone: str, role: str, names: list) -> str:
    """A nextstack_dns_alias "site" of `names` in `zone` through `role`, pointing at a CloudFront distribution."""
    return PROVIDERS + """
resource "nextstack_dns_alias" "site" {
  hosted_zone_id = "%s"
  role_arn       = "%s"
  names          = %s
  target {
    dns_name       = "d111111abcdef8.cloudfront.net"
    hosted_zone_id = "Z2FDTNDATAQYW2"
  }
}
""" % (zone, role, json.dumps(names))


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
    tf.write(cloudfront_alias(zone, DENIED_ROLE, ["example.com", "www.example.com"]))
    result = tf.apply_fails(contains=DENIED_ROLE)
    assert zone in result.stderr, result.stderr
    assert zone_records(aws, zone) == before
    assert tf.resources() == {}


def test_throttled_ssm_calls_are_retried_with_backoff(terraform, aws_faults, aws):
    ssm = aws.client("ssm", "eu-west-1")
    for i in range(12):
        ssm.put_parameter(Name="/throttled/p%02d" % i, Value=str(i), Type="String")
    # Two batches of GetParameters; the first three answers are throttled, as SSM does past its TPS limit.
    reads = aws_faults.inject(Fault.error("AmazonSSM.GetParameters", "ThrottlingException", "Rate exceeded", times=3))
    writes = aws_faults.inject(Fault.error("AmazonSSM.PutParameter", "ThrottlingException", "Rate exceeded", times=2))
    tf = through(terraform, aws_faults)
    tf.write(
        PROVIDERS
        + """
data "nextstack_ssm_parameters" "read" {
  names = [for i in range(12) : format("/throttled/p%02d", i)]
}

resource "nextstack_ssm_parameters" "copy" {
  path_prefix = "/copied/"
  values      = { for name, value in data.nextstack_ssm_parameters.read.values : trimprefix(name, "/throttled/") => value }
}
"""
    )
    tf.apply_ok()
    assert reads.hits == 3 and writes.hits == 2, "the faults applied"
    copied = [p for page in ssm.get_paginator("get_parameters_by_path").paginate(Path="/copied/") for p in page["Parameters"]]
    assert sorted((p["Name"], p["Value"]) for p in copied) == [("/copied/p%02d" % i, str(i)) for i in range(12)]
    errors = aws_faults.error_snapshot()
    assert errors == {"AmazonSSM.GetParameters": 3, "AmazonSSM.PutParameter": 2}, errors


DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"


def in_use_by_distribution(description):
    description["Certificate"]["InUseBy"] = [DISTRIBUTION]
    return description


def test_destroy_waits_while_the_certificate_is_in_use(terraform, aws_faults, aws):
    zone = make_zone(aws)
    tf = through(terraform, aws_faults)
    tf.write(PROVIDERS + certificate(zone=zone))
    tf.apply_ok()
    # CloudFront lets go of the certificate after two looks; ACM refuses the first delete all the same.
    in_use = aws_faults.inject(Fault.rewrite("CertificateManager.DescribeCertificate", in_use_by_distribution, times=2))
    refused = aws_faults.inject(
        Fault.error(
            "CertificateManager.DeleteCertificate",
            "ResourceInUseException",
            "Certificate is in use by %s" % DISTRIBUTION,
            times=1,
        )
    )
    tf.destroy_ok()
    assert in_use.hits == 2 and refused.hits == 1, "the faults applied"
    assert certificates(aws) == {}
    assert cnames(aws, zone) == [], "the validation records go with the certificate"


def test_a_certificate_still_in_use_names_the_user_and_keeps_everything(terraform, aws_faults, aws):
    zone = make_zone(aws)
    tf = through(terraform, aws_faults)
    tf.write(PROVIDERS + certificate(zone=zone, extra='  timeouts {\n    delete = "3s"\n  }\n'))
    tf.apply_ok()
    records = cnames(aws, zone)
    aws_faults.inject(Fault.rewrite("CertificateManager.DescribeCertificate", in_use_by_distribution))
    result = tf.fails("destroy", "-auto-approve", "-no-color", "-input=false", contains=DISTRIBUTION)
    assert "in use" in result.stderr, result.stderr
    assert len(certificates(aws)) == 1, "the certificate is kept"
    assert cnames(aws, zone) == records, "a certificate still in use keeps its validation records, so it renews"
    assert "nextstack_acm_certificate.site" in tf.resources()
    aws_faults.clear_faults()
    tf.destroy_ok()
    assert certificates(aws) == {} and cnames(aws, zone) == []


def test_unconfirmed_route53_change_keeps_the_alias_records_in_state(terraform, aws_faults, aws):
    zone = make_zone(aws)
    before = zone_records(aws, zone)
    tf = through(terraform, aws_faults)
    tf.write(cloudfront_alias(zone, "arn:aws:iam::%s:role/dns" % DNS_ACCOUNT, ["example.com"]))
    # The batch is accepted (moto reports it INSYNC at once: make it PENDING), but the role may not call
    # route53:GetChange.
    aws_faults.inject(
        Fault.rewrite(
            r"route53 POST /2013-04-01/hostedzone/.*/rrset/?",
            lambda xml: xml.replace("<Status>INSYNC</Status>", "<Status>PENDING</Status>"),
        )
    )
    denied = aws_faults.inject(
        Fault.error(r"route53 GET /2013-04-01/change/.*", "AccessDenied", "not authorized: route53:GetChange", status=403)
    )
    tf.init_ok()
    applied = tf.apply_ok()
    assert "Route53 change not confirmed" in " ".join((applied.stdout + applied.stderr).split()), "a warning says so"
    assert denied.hits >= 1, "the fault applied"
    written = [r for r in zone_records(aws, zone) if r not in before]
    assert sorted(r[1] for r in written) == ["A", "AAAA"], written
    assert "nextstack_dns_alias.site" in tf.resources(), "records that exist are never forgotten"
    aws_faults.clear_faults()
    tf.apply_ok()
    tf.assert_no_changes()
    tf.destroy_ok()
    assert zone_records(aws, zone) == before


def test_a_route53_batch_whose_answer_was_lost_is_not_reported_as_failed(terraform, aws_faults, aws):
    """Route53 applied the batch but its answer never arrived (a 503 after the work, a dropped connection): the
    SDK retries, and the retry is refused (InvalidChangeBatch: the records a CREATE makes already exist, those a
    DELETE removes are gone). The zone shows the batch landed, so create records the alias and destroy completes,
    both without an error."""
    zone = make_zone(aws)
    before = zone_records(aws, zone)
    tf = through(terraform, aws_faults)
    tf.write(cloudfront_alias(zone, "arn:aws:iam::%s:role/dns" % DNS_ACCOUNT, ["example.com", "www.example.com"]))
    tf.init_ok()
    lost = aws_faults.inject(Fault.lost_response(r"route53 POST /2013-04-01/hostedzone/.*/rrset/?", times=1))
    tf.apply_ok()
    assert lost.hits == 1, "the fault applied"
    assert aws_faults.snapshot().get(lost_key(aws_faults), 0) >= 2, "the SDK retried the landed batch"
    written = [r for r in zone_records(aws, zone) if r not in before]
    assert sorted((r[0], r[1]) for r in written) == [
        ("example.com.", "A"), ("example.com.", "AAAA"), ("www.example.com.", "A"), ("www.example.com.", "AAAA")
    ], written
    assert "nextstack_dns_alias.site" in tf.resources(), "the records it wrote are in state"
    tf.assert_no_changes()

    aws_faults.reset()
    lost = aws_faults.inject(Fault.lost_response(r"route53 POST /2013-04-01/hostedzone/.*/rrset/?", times=1))
    tf.destroy_ok()
    assert lost.hits == 1, "the fault applied"
    assert zone_records(aws, zone) == before
    assert tf.resources() == {}


def lost_key(faults) -> str:
    return next(k for k in faults.snapshot() if k.startswith("route53 POST") and k.rstrip("/").endswith("rrset"))


def test_a_certificate_that_cannot_be_deleted_gets_its_records_back(terraform, aws_faults, aws):
    zone = make_zone(aws)
    tf = through(terraform, aws_faults)
    tf.write(PROVIDERS + certificate(zone=zone, extra='  timeouts {\n    delete = "3s"\n  }\n'))
    tf.apply_ok()
    records = cnames(aws, zone)
    # ACM names no user, but refuses every delete (a user it does not list yet, say) until the timeout.
    refused = aws_faults.inject(
        Fault.error("CertificateManager.DeleteCertificate", "ResourceInUseException", "Certificate is in use")
    )
    result = tf.fails("destroy", "-auto-approve", "-no-color", "-input=false", contains="were written back")
    assert refused.hits >= 1, "the fault applied"
    assert "still in state" in " ".join(result.stderr.split()), result.stderr
    assert len(certificates(aws)) == 1
    assert cnames(aws, zone) == records, "the certificate keeps the records it renews with"
    assert "nextstack_acm_certificate.site" in tf.resources()
    aws_faults.clear_faults()
    tf.assert_no_changes()
    tf.destroy_ok()
    assert certificates(aws) == {} and cnames(aws, zone) == []


def test_a_denied_tag_read_on_refresh_warns_and_keeps_the_tags(terraform, aws_faults, aws):
    """A role that may read the parameters but not ssm:ListTagsForResource (a separate IAM action): refresh
    still works, says which parameter and which action, and keeps the tags in state; nothing is planned."""
    tf = through(terraform, aws_faults)
    tf.write(
        PROVIDERS
        + 'resource "nextstack_ssm_parameters" "p" {\n  path_prefix = "/tagged/"\n  values      = { a = "1", b = "2" }\n'
        + '  tags        = { team = "web" }\n}\n'
    )
    tf.apply_ok()
    ssm = aws.client("ssm", "eu-west-1")
    # A tag added outside Terraform: a refresh that could read tags would show it as drift.
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/tagged/a", Tags=[{"Key": "extra", "Value": "x"}])
    denied = aws_faults.inject(
        Fault.error(
            "AmazonSSM.ListTagsForResource",
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ssm:ListTagsForResource",
            status=400,
        )
    )
    refreshed = tf.refresh_ok()
    text = " ".join((refreshed.stdout + refreshed.stderr).split())
    assert "Warning: Tags of SSM parameters not refreshed" in text, text
    assert "ssm:ListTagsForResource was denied on SSM parameter /tagged/" in text, text
    assert denied.hits >= 1, "the fault applied"
    state = tf.resource("nextstack_ssm_parameters.p")
    assert state["tags"] == {"team": "web"}, state["tags"]
    assert sorted(state["names"]) == ["/tagged/a", "/tagged/b"]
    tf.assert_no_changes()
    aws_faults.clear_faults()
    # With the permission back, the drift shows again.
    assert tf.plan_detailed_exitcode() == 2


def hide_certificate(domain, looks):
    """A ListCertificates rewrite that leaves the certificate for `domain` out of the first `looks` listings that
    name it, as ListCertificates does for a while after RequestCertificate (it is eventually consistent).
    Returns (rewrite, hidden) where hidden[0] counts the listings it was left out of."""
    hidden = [0]

    def rewrite(listing):
        summaries = listing.get("CertificateSummaryList", [])
        kept = [s for s in summaries if s.get("DomainName") != domain]
        if len(kept) != len(summaries) and hidden[0] < looks:
            hidden[0] += 1
            listing["CertificateSummaryList"] = kept
        return listing

    return rewrite, hidden


def shared_record_setup(terraform_latest, aws_faults, aws):
    """Two certificates sharing example.com's validation record; returns (tf, zone, the shared record)."""
    zone = make_zone(aws)
    tf = through(terraform_latest, aws_faults)
    tf.write(
        PROVIDERS
        + certificate("site", sans=("www.example.com",), zone=zone)
        + certificate("api", domain="api.example.com", sans=("example.com",), zone=zone)
    )
    tf.apply_ok()
    records = cnames(aws, zone)
    assert len(records) == 3, records
    api_arn = tf.resource("nextstack_acm_certificate.api")["arn"]
    api = certificates(aws)[api_arn]
    shared = [o["ResourceRecord"]["Name"].lower() for o in api["DomainValidationOptions"] if o["DomainName"] == "example.com"]
    return tf, zone, shared[0]


def test_a_certificate_listed_late_keeps_the_shared_record(terraform_latest, aws_faults, aws):
    """The first listing misses the other certificate (ListCertificates lags behind RequestCertificate); the
    second one, two seconds later, names it: the shared record is never deleted."""
    tf, zone, shared = shared_record_setup(terraform_latest, aws_faults, aws)
    rewrite, hidden = hide_certificate("api.example.com", looks=1)
    aws_faults.inject(Fault.rewrite("CertificateManager.ListCertificates", rewrite))
    aws_faults.reset()
    tf.write(PROVIDERS + certificate("api", domain="api.example.com", sans=("example.com",), zone=zone))
    tf.apply_ok()
    assert hidden[0] == 1, "the fault applied"
    assert [r[0] for r in cnames(aws, zone) if r[0] == shared] == [shared], "the shared record stays"
    assert len(cnames(aws, zone)) == 2, "www's record went with its certificate"
    changes = sum(n for k, n in aws_faults.snapshot().items() if k.startswith("route53 POST") and k.rstrip("/").endswith("rrset"))
    assert changes == 1, "one change batch (www's record): the shared record was never deleted"
    tf.assert_no_changes()


def test_a_certificate_listed_only_after_the_removal_gets_the_record_back(terraform_latest, aws_faults, aws):
    """Both listings before the removal miss the other certificate; the listing after it names the
    certificate, and the record it needs is written back."""
    tf, zone, shared = shared_record_setup(terraform_latest, aws_faults, aws)
    before = cnames(aws, zone)
    rewrite, hidden = hide_certificate("api.example.com", looks=2)
    aws_faults.inject(Fault.rewrite("CertificateManager.ListCertificates", rewrite))
    aws_faults.reset()
    tf.write(PROVIDERS + certificate("api", domain="api.example.com", sans=("example.com",), zone=zone))
    tf.apply_ok()
    assert hidden[0] == 2, "the fault applied"
    assert [r for r in cnames(aws, zone) if r[0] == shared] == [r for r in before if r[0] == shared], "written back"
    assert len(cnames(aws, zone)) == 2
    changes = sum(n for k, n in aws_faults.snapshot().items() if k.startswith("route53 POST") and k.rstrip("/").endswith("rrset"))
    assert changes == 2, "the removal, then the write-back"
    tf.assert_no_changes()
    tf.destroy_ok()
    assert cnames(aws, zone) == []
