"""Terraform snippets and AWS reads shared by the tests of the provider's nextstack_acm_certificate and
nextstack_dns_alias (test_acm_certificate, test_dns_alias, test_resource_identity, test_query, test_aws_failures).

The certificate lives in the workload account (moto's default), in us-east-1 (CloudFront's); the hosted zone lives
in the DNS account (nextstack_lab.dns_account), reached through DNS_ROLE.
"""

from __future__ import annotations

import json

from nextstack_lab import dns_account
from nextstack_lab.dns_account import DNS_ACCOUNT

DNS_ROLE = dns_account.role_arn("dns")
CERT_REGION = "us-east-1"  # CloudFront's
DOMAIN = "example.com"

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

AWS_AND_NEXTSTACK = """
terraform {
  required_providers {
    aws       = { source = "hashicorp/aws", version = "5.100.0" }
    nextstack = { source = "nextstack/nextstack" }
  }
}

provider "aws" {
  region = "us-east-1"
}

provider "nextstack" {
  region = "eu-west-1"
}
"""


def make_zone(aws, name=DOMAIN, account=DNS_ACCOUNT, ref="1"):
    """The tests' zone: DOMAIN in the DNS account unless told otherwise; returns its id."""
    return dns_account.create_zone(aws, name, account, ref)


def certificate(name="site", domain=DOMAIN, sans=("*.example.com", "www.example.com"), zone="ZONE", role=DNS_ROLE, extra=""):
    """HCL for one certificate in us-east-1 validated through the DNS account's zone."""
    sans_hcl = json.dumps(list(sans))
    role_hcl = '    role_arn       = "%s"\n' % role if role else ""
    return """
resource "nextstack_acm_certificate" "%s" {
  domain_name               = "%s"
  subject_alternative_names = %s
  region                    = "%s"
  validation {
    hosted_zone_id = "%s"
%s  }
%s}
""" % (name, domain, sans_hcl, CERT_REGION, zone, role_hcl, extra)


def certificates(aws, region=CERT_REGION, account=None):
    """{arn: description} of every certificate in the region and account."""
    acm = aws.client("acm", region, account=account)
    arns = [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]]
    return {arn: acm.describe_certificate(CertificateArn=arn)["Certificate"] for arn in arns}


CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
DIST = "d111111abcdef8.cloudfront.net"


def alias(zone, names=("example.com", "www.example.com"), dns_name=DIST, extra="", role=DNS_ROLE, name="site"):
    role_hcl = '  role_arn       = "%s"\n' % role if role else ""
    return """
resource "nextstack_dns_alias" "%s" {
  hosted_zone_id = "%s"
%s  names          = %s
  target {
    dns_name       = "%s"
    hosted_zone_id = "%s"
  }
%s}
""" % (name, zone, role_hcl, json.dumps(list(names)), dns_name, CLOUDFRONT_ZONE, extra)


def aliases(aws, zone_id, account=DNS_ACCOUNT):
    """{(name, type): alias dns name} of every alias record in the zone."""
    r53 = aws.client("route53", account=account)
    out = {}
    for rr in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]:
        if "AliasTarget" in rr:
            out[(rr["Name"].lower(), rr["Type"])] = rr["AliasTarget"]["DNSName"].lower().rstrip(".")
    return out


def change(aws, zone_id, action, name, rtype, target=None, values=None):
    rrset = {"Name": name, "Type": rtype}
    if target:
        rrset["AliasTarget"] = {"DNSName": target, "HostedZoneId": CLOUDFRONT_ZONE, "EvaluateTargetHealth": False}
    else:
        rrset["TTL"] = 300
        rrset["ResourceRecords"] = [{"Value": v} for v in values]
    aws.client("route53", account=DNS_ACCOUNT).change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": rrset}]}
    )


def identities(tf) -> dict:
    """{address: identity} of every resource in the state, from `terraform show -json`."""
    shown = json.loads(tf.check(tf.show_json()).stdout)
    resources = shown.get("values", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: r.get("identity") for r in resources}
