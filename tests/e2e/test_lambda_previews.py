"""Seed 001's layout (examples/lambda-previews/previews over modules/lambda-previews) applied for real: Terraform
1.15.5, the built nextstack provider, the real hashicorp/aws provider, the (patched, see moto_patches.py) moto
server with the domain's hosted zone in a second account, and real OpenNext builds of tests/nextjs-app.

    test_lambda_previews_end_to_end
        bad input (deployment_number 0, keep_deployments 0 and 100) refused at plan naming the variable; deployments
        1 to 4 applied with keep_deployments = 3, each with other code: after each one the function's published
        versions, the aliases deployment-<m> of the kept window (older ones never moved, the one that fell out
        gone), per kept deployment a Lambda target group with the alias registered, the ELB permission on that
        alias and the host rule; the listeners (404 by default, HTTP -> HTTPS); served through nextstack-edge
        (--load-balancer) to Chromium at the deployments' own host names: each kept deployment's host loads with all
        its assets, shows its own build and navigates on the client, the current host the newest build, and a
        removed one's host the listener's 404; the wildcard certificate ISSUED
        with its record only in the DNS account's zone, the `*.` alias, the function in the private subnets, log
        retention, what is published in SSM; a second plan is empty; new code under a deployment number already
        deployed is refused at plan, naming the variable, and changes nothing; with cognito_authentication every
        host's rule signs in with the user pool before the forward, and the app client's secret (watched) is in
        neither Terraform's output nor the state; destroyed, leaving nothing.

The builds are made with the module's OpenNext configuration (modules/lambda-previews/opennext); a build with
OpenNext's defaults is refused at plan, naming var.build_dir. moto's Lambda runs no code here (Invoke needs
docker): that the server function of such a build answers ALB events, and serves the static assets from its
zip, is shown by running its handler with Node in test_lambda_previews_function.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

from nextstack_lab import access_logs, browser, harness, nextjs_builds, six_stack
from nextstack_lab.edge import EdgeServer
from nextstack_lab.layout import copy_layout, run_parallel

REGION = "eu-west-1"
ENV = "dev"
NAME = "nextjs-%s" % ENV
DOMAIN = "previews." + six_stack.DOMAIN  # under the DNS account's zone of example.test
PREFIX = "/nextstack/%s/lambda-previews/" % ENV
KEEP = 3
OFFICE = ["203.0.113.0/24", "198.51.100.0/24"]  # the networks the previews are limited to (allowed_cidr_blocks)
OPENNEXT_CONFIG = harness.REPO_ROOT / "modules" / "lambda-previews" / "opennext"
# The three builds (name => the test app's variant, nextjs_builds.build) and /about's text in each variant
# (tests/nextjs-app/app/about/page.js).
BUILD_VARIANTS = {"p1": 1, "p2": 2, "p3": 2}
ABOUT_TEXT = {1: "About this app.", 2: "About this app, second edition."}


def changed_build(src: Path, dest: Path, marker: str) -> Path:
    """A private copy of a build whose server bundle differs by one file (so its zip, and the code, differ)."""
    build = nextjs_builds.copy_build(src, dest)
    (build / "server-functions" / "default" / "nextstack-deployment.txt").write_text(marker + "\n")
    return build


def host(m: int) -> str:
    return "%s-%d.%s" % (NAME, m, DOMAIN)


def test_lambda_previews_end_to_end(terraform_latest, nextjs_builds, aws, tmp_path):
    # Four different server bundles: three real builds (their BUILD_IDs differ) and a changed copy of the first.
    builds = {m: nextjs_builds.get(name, BUILD_VARIANTS[name], config=OPENNEXT_CONFIG)
              for m, name in enumerate(BUILD_VARIANTS, start=1)}
    builds[4] = changed_build(builds[1], tmp_path / "build-4", "deployment 4")
    example = copy_layout("lambda-previews", tmp_path / "layout") / "previews"
    zone_id = six_stack.create_dns_zone(aws)
    env = {
        "TF_VAR_domain_name": DOMAIN,
        "TF_VAR_hosted_zone_id": zone_id,
        "TF_VAR_dns_role_arn": six_stack.DNS_ROLE,
        "TF_VAR_keep_deployments": str(KEEP),
        "TF_VAR_zip_dir": str(tmp_path / "zips"),
        "TF_VAR_allowed_cidr_blocks": json.dumps(OFFICE),
    }

    def deployment(m: int, build: Path, **extra):
        variables = dict(env, TF_VAR_deployment_number=str(m), TF_VAR_build_dir=str(build))
        variables.update(extra)
        return terraform_latest(example, region=REGION, env=variables)

    deployment(1, builds[1]).init_ok()

    # ---- bad input: refused at plan, naming the variable; nothing is created.
    run_parallel(lambda check: check(), [
        lambda: deployment(0, builds[1], TF_VAR_zip_dir=str(tmp_path / "zips-0")).plan_fails(
            "-lock=false", contains="The deployment_number must be a whole number from 1"),
        lambda: deployment(1, builds[1], TF_VAR_keep_deployments="0", TF_VAR_zip_dir=str(tmp_path / "zips-k0")).plan_fails(
            "-lock=false", contains="The keep_deployments must be a whole number from 1 to 99"),
        lambda: deployment(1, builds[1], TF_VAR_keep_deployments="100", TF_VAR_zip_dir=str(tmp_path / "zips-k100")).plan_fails(
            "-lock=false", contains="The keep_deployments must be a whole number from 1 to 99"),
        # Previews are private unless the caller says otherwise.
        lambda: deployment(1, builds[1], TF_VAR_allowed_cidr_blocks='["203.0.113.0/24", "0.0.0.0/0"]',
                           TF_VAR_zip_dir=str(tmp_path / "zips-public")).plan_fails(
            "-lock=false", contains="The allowed_cidr_blocks contain a block open to every address (0.0.0.0/0): previews would be public"),
        lambda: deployment(1, builds[1], TF_VAR_allowed_cidr_blocks="[]", TF_VAR_zip_dir=str(tmp_path / "zips-none")).plan_fails(
            "-lock=false", contains="The allowed_cidr_blocks must list at least one IPv4 CIDR block"),
        # A build with OpenNext's defaults answers API Gateway v2 events and serves no files.
        lambda: deployment(1, nextjs_builds.get("b1"), TF_VAR_zip_dir=str(tmp_path / "zips-default")).plan_fails(
            "-lock=false", contains='has a server function built with the wrapper "aws-lambda" and the converter "aws-apigw-v2"'),
    ])
    assert leftovers(aws, zone_id) == []

    # ---- deployments 1 to 4, each with other code; keep_deployments = 3.
    lam = aws.client("lambda", REGION)
    versions = {}  # deployment => the version its alias got when it was made
    for m in (1, 2, 3, 4):
        tf = deployment(m, builds[m])
        tf.apply_ok()
        out = tf.outputs()
        kept = [k for k in range(m - KEEP + 1, m + 1) if k >= 1]
        aliases = {a["Name"]: a["FunctionVersion"] for a in lam.list_aliases(FunctionName=NAME)["Aliases"]}
        assert set(aliases) == {"deployment-%d" % k for k in kept}, (m, aliases)
        versions[m] = aliases["deployment-%d" % m]
        assert versions[m] == out["current_version"], (m, versions[m], out["current_version"])
        # The older kept aliases did not move.
        for k in kept:
            assert aliases["deployment-%d" % k] == versions[k], (m, k, aliases)
        assert set(out["deployments"]) == {str(k) for k in kept}
        check_routing(aws, out, kept, zone_id)

    # Four deployments of four codes: four published versions, the newest is the function's; the kept three
    # aliases point at three distinct versions; the first deployment's alias fell out, its version stays.
    published = [v for v in list_versions(lam) if v["Version"] != "$LATEST"]
    assert [v["Version"] for v in published] == [versions[m] for m in (1, 2, 3, 4)] and len(set(versions.values())) == 4
    assert len({v["CodeSha256"] for v in published}) == 4
    assert [v["Description"] for v in published] == [published[0]["Description"]] * 4
    config = lam.get_function(FunctionName=NAME)["Configuration"]
    assert config["Version"] == "$LATEST" and config["CodeSha256"] == published[-1]["CodeSha256"]
    assert lam.get_function(FunctionName=NAME, Qualifier="deployment-4")["Configuration"]["Version"] == versions[4]

    check_function(aws, out)
    check_load_balancer(aws, out, zone_id)
    check_published(aws, out, versions[4])
    tf.assert_no_changes()
    check_served(aws, {2: "p2", 3: "p3", 4: "p1"}, removed=[1])

    # ---- new code under a deployment number already deployed: refused at plan, naming the variable, and
    # nothing changes (no new version, no alias moved, the code in place).
    # (apply plans first: the refusal comes from the plan, before the function is touched.)
    before = (list_versions(lam), lam.list_aliases(FunctionName=NAME)["Aliases"], config["CodeSha256"])
    state = (tf.workdir / "terraform.tfstate").read_text()
    refused = deployment(4, builds[2]).apply_fails(contains="Deployment 4 already exists with other code or settings")
    assert "Increase var.deployment_number" in " ".join((refused.stdout + refused.stderr).replace("│", " ").split())
    # So is a changed setting (a new environment variable would publish a new version too).
    deployment(4, builds[4], TF_VAR_environment_variables='{"FEATURE_FLAG" = "on"}').plan_fails(
        contains="Deployment 4 already exists with other code or settings")
    after_config = lam.get_function(FunctionName=NAME)["Configuration"]
    assert (list_versions(lam), lam.list_aliases(FunctionName=NAME)["Aliases"], after_config["CodeSha256"]) == before
    assert (tf.workdir / "terraform.tfstate").read_text() == state

    # ---- sign-in before any preview: every host's rule authenticates with the user pool, then forwards.
    idp = aws.client("cognito-idp", REGION)
    pool = idp.create_user_pool(PoolName="previews")["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="alb", GenerateSecret=True,
                                         CallbackURLs=["https://%s/oauth2/idpresponse" % host(4)])["UserPoolClient"]
    # The listener names the client by id only; its secret must reach neither Terraform's output nor the state.
    harness.watch_secret("Cognito app client secret", client["ClientSecret"])
    idp.create_user_pool_domain(Domain="previews-signin", UserPoolId=pool["Id"])
    cognito = {"user_pool_arn": pool["Arn"], "user_pool_client_id": client["ClientId"], "user_pool_domain": "previews-signin"}
    signed_in = deployment(4, builds[4], TF_VAR_cognito_authentication=json.dumps(cognito))
    signed_in.apply_ok()
    elb = aws.client("elbv2", REGION)
    (lb,) = elb.describe_load_balancers()["LoadBalancers"]
    (https,) = [l for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"] if l["Port"] == 443]
    rules = [r for r in elb.describe_rules(ListenerArn=https["ListenerArn"])["Rules"] if not r["IsDefault"]]
    assert len(rules) == KEEP + 1
    for rule in rules:
        auth, forward = sorted(rule["Actions"], key=lambda a: a["Order"])
        assert (auth["Type"], auth["Order"], forward["Type"], forward["Order"]) == ("authenticate-cognito", 1, "forward", 2), rule
        config = auth["AuthenticateCognitoConfig"]
        assert (config["UserPoolArn"], config["UserPoolClientId"], config["UserPoolDomain"]) == (
            pool["Arn"], client["ClientId"], "previews-signin"), config
    signed_in.assert_no_changes()

    # ---- destroy: nothing left in any service.
    signed_in.destroy_ok()
    assert leftovers(aws, zone_id) == []


def check_served(aws, kept_builds: dict, removed: list):
    """Through nextstack-edge serving the load balancer (its HTTPS listener, plain HTTP on loopback), in Chromium at
    the deployments' own names (--host-resolver-rules maps *.DOMAIN to the loopback address, so each request's Host
    is the deployment's name, with the edge's port, which host-header rules do not compare): each kept deployment's
    host loads with every asset from that host, shows its own build (the page carries that build's BUILD_ID;
    deployment 4 is a changed copy of the first build; /about's text is the build's variant) and navigates on the
    client; the middleware's redirect stays on the host; the current host serves the newest build, and a removed
    deployment's host is the listener's 404."""
    elb = aws.client("elbv2", REGION)
    (lb,) = elb.describe_load_balancers()["LoadBalancers"]
    binary = harness.build_edge()
    started = time.monotonic()
    with EdgeServer(binary, aws.endpoint, None, load_balancers=[lb["LoadBalancerArn"]],
                    env={"AWS_REGION": REGION}, timeout=120) as edge:
        port = int(edge.listeners[(lb["LoadBalancerName"], 443)].rsplit(":", 1)[1])
        resolver = "--host-resolver-rules=MAP *.%s 127.0.0.1" % DOMAIN
        try:
            with browser.launch_chromium(extra_args=[resolver]) as chromium:
                for m, name in kept_builds.items():
                    check_deployment_page(chromium, "http://%s:%d" % (host(m), port), name)
                newest = max(kept_builds)
                check_deployment_page(chromium, "http://%s.%s:%d" % (NAME, DOMAIN, port), kept_builds[newest])
                for m in removed:
                    with chromium.new_page() as page:
                        response = page.goto("http://%s:%d/" % (host(m), port))
                        assert response.status == 404, (m, response.status)
                        assert page.inner_text("body") == "No deployment is served at this address.", m
            print("lambda previews served to Chromium through nextstack-edge: %.0f s" % (time.monotonic() - started))
        finally:
            print("--- nextstack-edge stderr (last lines) ---\n" + harness._tail(edge.stderr(), 60))


def check_deployment_page(chromium, origin: str, build: str):
    """One deployment's host in Chromium: the home page with its scripts (200 and 304 only, nothing failed, nothing
    from another host), that build's BUILD_ID in the page; a client-side navigation to /about (no full load) showing
    the build variant's text; /old-about redirected by the middleware to /about on the same host."""
    build_id = nextjs_builds.build_id_for(build)
    about = ABOUT_TEXT[BUILD_VARIANTS[build]]
    with chromium.new_page() as page:
        response = page.goto(origin + "/")
        assert response.status == 200, (origin, response.status)
        assert page.inner_text("h1") == "nextstack test app", origin
        assert build_id in page.content(), (origin, build_id)
        scripts = [e for e in page.exchanges if e.resource_type == "script" and "/_next/static/" in e.url]
        assert scripts, (origin, [str(e) for e in page.exchanges])
        page.evaluate("window.__nextstackMarker = 'still here'")
        page.click("[data-testid=nav-about]")
        page.wait_for_url(origin + "/about")
        page.wait_for_function("document.querySelector('h1').innerText === 'About'")
        assert page.inner_text("[data-testid=about-text]") == about, origin
        assert page.evaluate("window.__nextstackMarker") == "still here", "%s: a full page load, not client-side" % origin
        page.assert_all_ok()
        origins = {"%s://%s" % urlsplit(e.url)[:2] for e in page.exchanges}
        assert origins == {origin}, [str(e) for e in page.exchanges]  # every asset from this deployment's host
    with chromium.new_page() as page:
        response = page.goto(origin + "/old-about?from=test")
        assert response.status == 200 and page.url == origin + "/about?from=test", (origin, page.url)
        assert page.inner_text("[data-testid=about-text]") == about, origin
        page.assert_all_ok(statuses=(200, 304, 307))


def list_versions(lam) -> list:
    found = []
    for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=NAME):
        found += page["Versions"]
    return sorted(found, key=lambda v: (v["Version"] != "$LATEST", int(v["Version"]) if v["Version"].isdigit() else 0))


def check_routing(aws, out, kept, zone_id):
    """Per kept deployment: the target group (type lambda, multi-value headers) with exactly its alias
    registered, the ELB permission on that alias for that target group, the HTTPS rule on its host; the current
    host's rule on the newest one."""
    lam, elb = aws.client("lambda", REGION), aws.client("elbv2", REGION)
    (lb,) = elb.describe_load_balancers()["LoadBalancers"]
    listeners = {l["Port"]: l for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
    rules = [r for r in elb.describe_rules(ListenerArn=listeners[443]["ListenerArn"])["Rules"] if not r["IsDefault"]]
    by_host = {}
    for r in rules:
        (condition,) = r["Conditions"]
        assert condition["Field"] == "host-header", r
        (value,) = condition["HostHeaderConfig"]["Values"]
        (action,) = r["Actions"]
        assert action["Type"] == "forward", r
        by_host[value] = (action["TargetGroupArn"], r["Priority"])
    assert set(by_host) == {host(m) for m in kept} | {"%s.%s" % (NAME, DOMAIN)}, sorted(by_host)
    assert by_host["%s.%s" % (NAME, DOMAIN)][0] == by_host[host(kept[-1])][0]
    assert len({p for _, p in by_host.values()}) == len(by_host)

    groups = {g["TargetGroupArn"]: g for g in elb.describe_target_groups()["TargetGroups"]}
    assert set(groups) == {by_host[host(m)][0] for m in kept}
    for m in kept:
        alias = "deployment-%d" % m
        alias_arn = lam.get_alias(FunctionName=NAME, Name=alias)["AliasArn"]
        assert out["deployments"][str(m)]["alias_arn"] == alias_arn
        assert out["deployments"][str(m)]["url"] == "https://" + host(m)
        tg_arn = by_host[host(m)][0]
        group = groups[tg_arn]
        assert group["TargetType"] == "lambda" and group["TargetGroupName"] == "%s-%d" % (NAME, m), group
        attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=tg_arn)["Attributes"]}
        assert attrs.get("lambda.multi_value_headers.enabled") == "true", attrs
        targets = [t["Target"]["Id"] for t in elb.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]]
        assert targets == [alias_arn], (m, targets)
        # The permission is on the alias (its own resource policy), for this target group only.
        policy = json.loads(lam.get_policy(FunctionName=NAME, Qualifier=alias)["Policy"])
        assert [(s["Effect"], s["Principal"], s["Action"], s["Resource"], s["Condition"]) for s in policy["Statement"]] == [(
            "Allow", {"Service": "elasticloadbalancing.amazonaws.com"}, "lambda:InvokeFunction", alias_arn,
            {"ArnLike": {"AWS:SourceArn": tg_arn}},
        )], policy
    # The unqualified function admits no one.
    assert function_policy(lam) is None


def function_policy(lam):
    try:
        return lam.get_policy(FunctionName=NAME)["Policy"]
    except lam.exceptions.ResourceNotFoundException:
        return None


def check_function(aws, out):
    """The function: named <project>-<environment>, in the private subnets with its own security group (no
    inbound rule), reserved concurrency, a dead-letter queue, its log group with retention."""
    lam, ec2 = aws.client("lambda", REGION), aws.client("ec2", REGION)
    got = lam.get_function(FunctionName=NAME)
    config = got["Configuration"]
    assert out["function_name"] == NAME and config["Handler"] == "index.handler" and config["Runtime"] == "nodejs22.x"
    assert got["Concurrency"]["ReservedConcurrentExecutions"] == 10
    assert config["DeadLetterConfig"]["TargetArn"].endswith(":%s-server-dlq" % NAME)
    assert config["Environment"]["Variables"] == {"NODE_ENV": "production"}
    subnets = ec2.describe_subnets(SubnetIds=config["VpcConfig"]["SubnetIds"])["Subnets"]
    assert len(subnets) == 2 and all(s["VpcId"] == out["vpc_id"] for s in subnets)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [out["vpc_id"]]}])["RouteTables"]
    for subnet in subnets:  # private: no route table of theirs sends anything to the internet gateway
        for table in tables:
            if any(a.get("SubnetId") == subnet["SubnetId"] for a in table["Associations"]):
                assert not any(r.get("GatewayId", "").startswith("igw-") for r in table["Routes"]), table
    (sg,) = config["VpcConfig"]["SecurityGroupIds"]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [sg]}])["SecurityGroupRules"]
    assert [r["IsEgress"] for r in rules] == [True], rules
    groups = aws.client("logs", REGION).describe_log_groups(logGroupNamePrefix="/aws/lambda/" + NAME)["logGroups"]
    assert [(g["logGroupName"], g.get("retentionInDays")) for g in groups] == [("/aws/lambda/" + NAME, 30)]
    assert config["LoggingConfig"]["LogGroup"] == "/aws/lambda/" + NAME


def check_load_balancer(aws, out, zone_id):
    """The ALB in the public subnets, 80/443 from the allowed networks only and no egress; HTTPS with the wildcard certificate and
    a 404 for unknown hosts, HTTP redirected; the certificate issued, validated only in the DNS account's zone;
    `*.<domain>` aliased to the ALB there."""
    elb, ec2 = aws.client("elbv2", REGION), aws.client("ec2", REGION)
    (lb,) = elb.describe_load_balancers()["LoadBalancers"]
    assert lb["Scheme"] == "internet-facing" and lb["Type"] == "application" and lb["VpcId"] == out["vpc_id"]
    assert lb["DNSName"] == out["alb_dns_name"]
    public = ec2.describe_subnets(SubnetIds=[z["SubnetId"] for z in lb["AvailabilityZones"]])["Subnets"]
    assert len(public) == 2
    (sg,) = lb["SecurityGroups"]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [sg]}])["SecurityGroupRules"]
    assert sorted((r["IsEgress"], r["FromPort"], r["ToPort"], r.get("CidrIpv4")) for r in rules) == sorted(
        (False, port, port, cidr) for port in (80, 443) for cidr in OFFICE), rules
    # The VPC's default security group has no rule left (nothing uses it; a fallback to it gets no network).
    (default_sg,) = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [out["vpc_id"]]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    assert (default_sg["IpPermissions"], default_sg["IpPermissionsEgress"]) == ([], []), default_sg

    access_logs.check_alb_logging(aws, REGION, lb["LoadBalancerArn"])

    listeners = {l["Port"]: l for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
    assert set(listeners) == {80, 443}
    https = listeners[443]
    assert https["Protocol"] == "HTTPS" and https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["Certificates"] == [{"CertificateArn": out["certificate_arn"]}]
    (default,) = https["DefaultActions"]
    assert default["Type"] == "fixed-response" and default["FixedResponseConfig"]["StatusCode"] == "404", default
    (redirect,) = listeners[80]["DefaultActions"]
    assert redirect["Type"] == "redirect" and redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    assert redirect["RedirectConfig"]["StatusCode"] == "HTTP_301" and redirect["RedirectConfig"]["Port"] == "443"

    cert = aws.client("acm", REGION).describe_certificate(CertificateArn=out["certificate_arn"])["Certificate"]
    assert cert["Status"] == "ISSUED" and cert["DomainName"] == "*." + DOMAIN
    assert cert["SubjectAlternativeNames"] == ["*." + DOMAIN]
    records = dns_records(aws, zone_id)
    (option,) = cert["DomainValidationOptions"]
    rr = option["ResourceRecord"]
    assert records[(rr["Name"], "CNAME")]["ResourceRecords"] == [{"Value": rr["Value"]}]
    assert aws.client("route53", REGION).list_hosted_zones()["HostedZones"] == []  # nothing in the workload account
    for rtype in ("A", "AAAA"):
        alias = records[("*.%s." % DOMAIN, rtype)]["AliasTarget"]
        assert (alias["DNSName"].rstrip(".").lower(), alias["HostedZoneId"]) == (lb["DNSName"].lower(), lb["CanonicalHostedZoneId"])
    assert sorted(k for k in records if k[1] not in ("SOA", "NS")) == sorted(
        [(rr["Name"], "CNAME"), ("*.%s." % DOMAIN, "A"), ("*.%s." % DOMAIN, "AAAA")])


def check_published(aws, out, version):
    ssm = aws.client("ssm", REGION)
    params = {p["Name"]: p["Value"] for p in ssm.get_parameters_by_path(Path=PREFIX)["Parameters"]}
    assert sorted(params) == sorted(out["ssm_parameter_names"])
    value = lambda key: params[PREFIX + key]  # noqa: E731
    assert value("function_name") == NAME and value("current_deployment") == "4" and value("current_version") == version
    assert value("current_url") == "https://%s.%s" % (NAME, DOMAIN) == out["current_url"]
    assert value("alb_dns_name") == out["alb_dns_name"] and value("certificate_arn") == out["certificate_arn"]


def dns_records(aws, zone_id):
    r53 = aws.client("route53", REGION, account=six_stack.DNS_ACCOUNT)
    return {(r["Name"], r["Type"]): r for r in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]}


def leftovers(aws, zone_id):
    """The six-stack list (SSM under /nextstack, ELBv2, Lambda, SQS, logs, ACM, IAM, security groups, Route53
    records in the DNS zone, ...) plus the example's VPC and its parts."""
    left = six_stack.leftovers(aws, zone_id)
    ec2 = aws.client("ec2", REGION)
    left += ["vpc: %s" % v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    default_vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault")}
    left += ["subnet: %s" % s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] not in default_vpcs]
    left += ["internet gateway: %s" % g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]
             if not any(a["VpcId"] in default_vpcs for a in g.get("Attachments", []))]
    return left
