"""The six-stack layout (examples/six-stack) as the tests and examples/six-stack/run.sh drive it.

    python -m nextstack_lab.six_stack order DIR             # stack directories under DIR in deploy order, one per line
                                                            # (from `nextstack-lint graph --format json`)
    python -m nextstack_lab.six_stack dns-zone --endpoint URL [--domain D] [--account A]
                                                            # creates the DNS account's public zone; prints its id
    python -m nextstack_lab.six_stack leftovers --endpoint URL
                                                            # lists what the stacks left in the emulator; exit 1 if any

Nothing here hard-codes the order of the stacks: the linter derives it from the SSM names each stack publishes
and reads.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from nextstack_lab import harness
from nextstack_lab.dns_account import DNS_ACCOUNT, create_zone, role_arn

DNS_ROLE = role_arn("nextstack-dns")
DOMAIN = "example.test"
ORIGIN_REGION = "eu-west-1"
EDGE_REGION = "us-east-1"
REGIONS = (ORIGIN_REGION, EDGE_REGION)


def lint_binary() -> Path:
    """nextstack-lint, built by cargo (NEXTSTACK_LINT_BINARY=/path uses that file)."""
    return harness.build_lint()


def deploy_order(directory: Path, lint: Path | None = None) -> list[Path]:
    """The stacks under `directory`, in the order `nextstack-lint graph --format json` derives."""
    return [d for stage in deploy_stages(directory, lint) for d in stage]


def deploy_stages(directory: Path, lint: Path | None = None, var_files=()) -> list[list[Path]]:
    """The stacks under `directory` in stages: each stage reads only from the stages before it, so the stacks of
    one stage can be applied in parallel (and destroyed in parallel, in reverse). var_files: `--var-file`s for the
    graph (what a variable turns on may add a read)."""
    lint = lint or lint_binary()
    extra = [arg for f in var_files for arg in ("--var-file", str(f))]
    proc = subprocess.run(
        [str(lint), "graph", "--format", "json", *extra, "."], cwd=directory, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True
    )
    if proc.returncode != 0:
        raise harness.HarnessError("nextstack-lint graph failed (exit %d):\n%s" % (proc.returncode, proc.stderr))
    graph = json.loads(proc.stdout)
    dirs = {s["name"]: s["dir"] for s in graph["stacks"]}
    return [[(Path(directory) / dirs[name]).resolve() for name in stage] for stage in graph["stages"]]


def create_dns_zone(moto: harness.MotoServer, domain: str = DOMAIN, account: str = DNS_ACCOUNT) -> str:
    """A public hosted zone for `domain` in `account` (the organisation's DNS account); returns its id."""
    return create_zone(moto, domain, account)


def leftovers(moto: harness.MotoServer, dns_zone_id: str | None = None) -> list[str]:
    """Everything of the six stacks still in the emulator: one line per resource, per service."""
    left: list[str] = []

    def add(service: str, region: str, items) -> None:
        left.extend("%s %s: %s" % (service, region, item) for item in items)

    for region in REGIONS:
        c = lambda name: moto.client(name, region)  # noqa: E731
        params = []
        for page in c("ssm").get_paginator("get_parameters_by_path").paginate(Path="/nextstack", Recursive=True):
            params += [p["Name"] for p in page["Parameters"]]
        add("ssm", region, params)
        add("ecr", region, [r["repositoryName"] for r in c("ecr").describe_repositories()["repositories"]])
        add("dynamodb", region, c("dynamodb").list_tables()["TableNames"])
        # A deleted cluster stays listed as INACTIVE for a while, on AWS too.
        arns = c("ecs").list_clusters()["clusterArns"]
        clusters = c("ecs").describe_clusters(clusters=arns)["clusters"] if arns else []
        add("ecs", region, [x["clusterArn"] for x in clusters if x["status"] != "INACTIVE"])
        add("ecs", region, [t for t in c("ecs").list_task_definitions(status="ACTIVE")["taskDefinitionArns"]])
        add("autoscaling", region, [g["AutoScalingGroupName"] for g in c("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]])
        add("ec2", region, [t["LaunchTemplateName"] for t in c("ec2").describe_launch_templates()["LaunchTemplates"]])
        add("ec2", region, [g["GroupName"] for g in c("ec2").describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"])
        add(
            "ec2",
            region,
            [i["InstanceId"] for r in c("ec2").describe_instances()["Reservations"] for i in r["Instances"] if i["State"]["Name"] != "terminated"],
        )
        add("ec2", region, [v["VpcId"] for v in c("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"]])
        add("ec2", region, [n["NatGatewayId"] for n in c("ec2").describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"])
        add("ec2", region, [a["AllocationId"] for a in c("ec2").describe_addresses()["Addresses"]])
        add("ec2", region, [f["FlowLogId"] for f in c("ec2").describe_flow_logs()["FlowLogs"]])
        add("logs", region, [d["name"] for d in c("logs").describe_delivery_sources()["deliverySources"]])
        add("logs", region, [d["name"] for d in c("logs").describe_delivery_destinations()["deliveryDestinations"]])
        add("logs", region, [d["id"] for d in c("logs").describe_deliveries()["deliveries"]])
        add("elbv2", region, [lb["LoadBalancerName"] for lb in c("elbv2").describe_load_balancers()["LoadBalancers"]])
        add("elbv2", region, [tg["TargetGroupName"] for tg in c("elbv2").describe_target_groups()["TargetGroups"]])
        add("lambda", region, [f["FunctionName"] for f in c("lambda").list_functions()["Functions"]])
        add("sqs", region, c("sqs").list_queues().get("QueueUrls", []))
        add("sns", region, [t["TopicArn"] for t in c("sns").list_topics()["Topics"]])
        add("cloudwatch", region, [a["AlarmName"] for a in c("cloudwatch").describe_alarms()["MetricAlarms"]])
        add("logs", region, [g["logGroupName"] for g in c("logs").describe_log_groups()["logGroups"]])
        add("events", region, [r["Name"] for r in c("events").list_rules()["Rules"]])
        add("apigateway", region, [a["name"] for a in c("apigateway").get_rest_apis()["items"]])
        add("wafv2", region, [a["Name"] for a in c("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]])
        kms = c("kms")
        keys = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]]
        add("kms", region, [k["Arn"] for k in keys if k["KeyManager"] == "CUSTOMER" and k["KeyState"] != "PendingDeletion"])
        add("kms", region, [a["AliasName"] for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")])
        add("acm", region, [x["DomainName"] for x in c("acm").list_certificates()["CertificateSummaryList"]])
    add("s3", "global", [b["Name"] for b in moto.client("s3", ORIGIN_REGION).list_buckets()["Buckets"]])
    iam = moto.client("iam", ORIGIN_REGION)
    add("iam", "global", [r["RoleName"] for r in iam.list_roles()["Roles"] if not r["Path"].startswith("/aws-service-role/")])
    add("iam", "global", [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]])
    edge = lambda name: moto.client(name, EDGE_REGION)  # noqa: E731
    add("wafv2", "CLOUDFRONT", [a["Name"] for a in edge("wafv2").list_web_acls(Scope="CLOUDFRONT")["WebACLs"]])
    dists = edge("cloudfront").list_distributions()["DistributionList"].get("Items", [])
    add("cloudfront", "global", [d["Id"] for d in dists])
    oacs = edge("cloudfront").list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    add("cloudfront", "global", [o["Name"] for o in oacs])
    vpc_origins = edge("cloudfront").list_vpc_origins()["VpcOriginList"].get("Items", [])
    add("cloudfront", "global", [o["Name"] for o in vpc_origins])
    if dns_zone_id:
        r53 = moto.client("route53", EDGE_REGION, account=DNS_ACCOUNT)
        records = r53.list_resource_record_sets(HostedZoneId=dns_zone_id)["ResourceRecordSets"]
        add("route53", dns_zone_id, ["%s %s" % (r["Name"], r["Type"]) for r in records if r["Type"] not in ("SOA", "NS")])
    return left


class _Endpoint(harness.MotoServer):
    """A MotoServer object for a server started elsewhere (only its endpoint is used)."""

    def __init__(self, endpoint: str):
        super().__init__()
        self.endpoint = endpoint


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nextstack_lab.six_stack", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("order", help="stack directories in deploy order")
    p.add_argument("directory")
    p = sub.add_parser("dns-zone", help="create the DNS account's zone; print its id")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--domain", default=DOMAIN)
    p.add_argument("--account", default=DNS_ACCOUNT)
    p = sub.add_parser("leftovers", help="what the stacks left behind")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--dns-zone-id", default=None)
    args = parser.parse_args(argv)
    try:
        if args.command == "order":
            for d in deploy_order(Path(args.directory)):
                print(d)
        elif args.command == "dns-zone":
            print(create_dns_zone(_Endpoint(args.endpoint), args.domain, args.account))
        else:
            left = leftovers(_Endpoint(args.endpoint), args.dns_zone_id)
            for line in left:
                print(line)
            if left:
                print("%d resources left behind" % len(left), file=sys.stderr)
                return 1
            print("nothing left: every service in %s is empty of the stacks' resources" % ", ".join(REGIONS))
    except harness.HarnessError as exc:
        print("six_stack: ERROR: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
