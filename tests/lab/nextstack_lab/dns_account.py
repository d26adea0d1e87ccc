"""The organisation's DNS account as the tests, examples/six-stack/run.sh and bench/ model it in moto.

The hosted zones live in the DNS account, reached through a role (a layout's `dns_role_arn`, a resource's
`role_arn`); the workload's resources live in moto's default account. moto accepts sts:AssumeRole into any account,
so the role needs no setting up.
"""

from __future__ import annotations

WORKLOAD_ACCOUNT = "123456789012"  # moto's default account
DNS_ACCOUNT = "111111111111"


def role_arn(name: str, account: str = DNS_ACCOUNT) -> str:
    """The ARN of role `name` in `account` (the DNS account by default)."""
    return "arn:aws:iam::%s:role/%s" % (account, name)


def create_zone(moto, domain: str, account: str = DNS_ACCOUNT, reference: str = "1") -> str:
    """A public hosted zone for `domain` in `account`; returns its id (without /hostedzone/). `reference` makes
    the CallerReference unique when one test makes several zones of one name."""
    r53 = moto.client("route53", "us-east-1", account=account)
    zone = r53.create_hosted_zone(Name=domain, CallerReference="nextstack-%s-%s-%s" % (domain, account, reference))
    return zone["HostedZone"]["Id"].rsplit("/", 1)[-1]


def zone_records(moto, zone_id: str, account: str = DNS_ACCOUNT) -> list:
    """Every record set of the zone as (name, type, sorted values), sorted."""
    r53 = moto.client("route53", account=account)
    out = []
    for page in r53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
        for rr in page["ResourceRecordSets"]:
            values = sorted(v["Value"] for v in rr.get("ResourceRecords", []))
            out.append((rr["Name"].lower(), rr["Type"], tuple(values)))
    return sorted(out)


def cnames(moto, zone_id: str, account: str = DNS_ACCOUNT) -> list:
    """The zone's CNAME record sets, as zone_records gives them."""
    return [r for r in zone_records(moto, zone_id, account) if r[1] == "CNAME"]
