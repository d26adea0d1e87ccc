"""Seed 003's layout (examples/static-fargate-api over modules/static-site and modules/fargate-service) applied for
real: Terraform 1.15.5, the built nextstack provider, the real hashicorp/aws provider, the (patched, see
nextstack_lab/moto_patches) moto server with the domain's hosted zone in a second account.

    test_viewer_request_function_on_cloudfront_events
        the static-site module's CloudFront Function (functions/viewer-request.js) run with Node, in a bare V8
        context (no require, no process), on cloudfront-js-2.0 viewer-request events: www -> 301 to the apex with
        the same path and query string (several parameters, a repeated one, percent-encoding, a bare flag), the
        apex passing through, directory paths served from their index.html
    test_static_fargate_api_end_to_end
        bad input refused at plan; the api stack planned before the site names the parameter it lacks; both stacks
        applied in the order nextstack-lint derives; what the seed promises checked through boto3; a secret value
        set outside Terraform causes no change and never reaches the state; a second plan of each stack is empty;
        the layout served by nextstack-edge (a static export published to the bucket, the API's task run from the
        module's task definition with a small stand-in program, static_fargate_site.py) and loaded in Chromium;
        the secret moved from Secrets Manager to SSM; destroyed in reverse order, leaving nothing in any service.

Fargate runs no containers in moto: nextstack-edge runs the service's task as a local process (docs/edge.md, "ECS
tasks"), so the image is a stand-in (static_fargate_api_app/api/server.py), not the FastAPI app nobody built here.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from urllib.parse import parse_qsl, urlsplit

from nextstack_lab import access_logs, harness, six_stack, static_fargate_site
from nextstack_lab.layout import copy_layout, run_parallel

ENV = "dev"
PREFIX = "/nextstack/%s" % ENV
SITE_REGION = "us-east-1"
API_REGION = "eu-west-1"
DOMAIN = six_stack.DOMAIN
API_HOST = "api." + DOMAIN
EXAMPLE = harness.REPO_ROOT / "examples" / "static-fargate-api"
FUNCTION = harness.REPO_ROOT / "modules" / "static-site" / "functions" / "viewer-request.js"
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"  # the hosted zone id of every CloudFront distribution

# ------------------------------------------------------------------------------------------------ the function

# Runs the file in a fresh V8 context (only the language's built-ins, as in CloudFront Functions: no require,
# no process, no Buffer) and prints what handler() returns for each event read from stdin.
NODE_RUNNER = r"""
const fs = require("fs");
const vm = require("vm");
const context = vm.createContext({});
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), context, { filename: process.argv[1] });
if (typeof context.handler !== "function") throw new Error("the file defines no handler(event)");
const events = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(events.map((e) => context.handler(e))));
"""


def viewer_request(host: str, uri: str, querystring: dict | None = None) -> dict:
    """A viewer-request event as CloudFront Functions (cloudfront-js-2.0) passes it: lower-case header names,
    the query string as {name: {value}} or, for a repeated name, {name: {value: first, multiValue: [{value}...]}},
    values percent-encoded as the viewer sent them."""
    return {
        "version": "1.0",
        "context": {
            "distributionDomainName": "d111111abcdef8.cloudfront.net",
            "distributionId": "EDFDVBD6EXAMPLE",
            "eventType": "viewer-request",
            "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
        },
        "viewer": {"ip": "198.51.100.11"},
        "request": {
            "method": "GET",
            "uri": uri,
            "querystring": querystring or {},
            "headers": {"host": {"value": host}, "accept": {"value": "text/html"}},
            "cookies": {},
        },
    }


def run_function(events: list[dict]) -> list[dict]:
    node = shutil.which("node")
    assert node, "node is not on PATH: the CloudFront Function's code cannot be run (install Node.js)"
    proc = subprocess.run(
        [node, "-e", NODE_RUNNER, str(FUNCTION)], input=json.dumps(events), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, "node failed:\n" + proc.stderr
    return json.loads(proc.stdout)


def test_viewer_request_function_on_cloudfront_events():
    campaign = {
        "utm_source": {"value": "newsletter"},
        "tag": {"value": "a%20b", "multiValue": [{"value": "a%20b"}, {"value": "c"}, {"value": "caf%C3%A9"}]},
        "q": {"value": "x%26y%3Dz"},
        "preview": {"value": ""},
    }
    events = [
        viewer_request("www." + DOMAIN, "/blog/2024/hello", campaign),
        viewer_request("www." + DOMAIN, "/"),
        viewer_request("www." + DOMAIN, "/docs/", {"page": {"value": "2"}}),
        viewer_request("WWW.Example.Test", "/About", {"ref": {"value": "hn"}}),
        viewer_request(DOMAIN, "/about/", {"ref": {"value": "hn"}}),
        viewer_request(DOMAIN, "/"),
        viewer_request(DOMAIN, "/_next/static/chunks/app-1a2b.js", {"v": {"value": "1"}}),
        viewer_request("d111111abcdef8.cloudfront.net", "/contact/"),
    ]
    out = run_function(events)

    # www: a 301 to the apex, the path as it was, every parameter in order and spelling (a repeated one repeated).
    redirect = out[0]
    assert redirect["statusCode"] == 301 and redirect["statusDescription"] == "Moved Permanently", redirect
    location = redirect["headers"]["location"]["value"]
    assert location == "https://%s/blog/2024/hello?utm_source=newsletter&tag=a%%20b&tag=c&tag=caf%%C3%%A9&q=x%%26y%%3Dz&preview" % DOMAIN
    url = urlsplit(location)
    assert (url.scheme, url.netloc, url.path) == ("https", DOMAIN, "/blog/2024/hello")
    assert parse_qsl(url.query, keep_blank_values=True) == [
        ("utm_source", "newsletter"), ("tag", "a b"), ("tag", "c"), ("tag", "café"), ("q", "x&y=z"), ("preview", ""),
    ]
    assert "body" not in redirect and set(redirect) == {"statusCode", "statusDescription", "headers"}
    assert out[1]["statusCode"] == 301 and out[1]["headers"]["location"]["value"] == "https://%s/" % DOMAIN
    # A directory on www is redirected as it is; the apex request that follows gets its index.html.
    assert out[2]["headers"]["location"]["value"] == "https://%s/docs/?page=2" % DOMAIN
    assert out[3]["statusCode"] == 301 and out[3]["headers"]["location"]["value"] == "https://%s/About?ref=hn" % DOMAIN

    # The apex (and any other name) passes through: the request comes back, a directory path served from index.html.
    for i, uri in [(4, "/about/index.html"), (5, "/index.html"), (6, "/_next/static/chunks/app-1a2b.js"), (7, "/contact/index.html")]:
        request = out[i]
        assert "statusCode" not in request, request
        expected = dict(events[i]["request"], uri=uri)
        assert request == expected, (i, request)


# ------------------------------------------------------------------------------------------------ end to end


def ssm_values(aws, region, path):
    out = {}
    for page in aws.client("ssm", region).get_paginator("get_parameters_by_path").paginate(
        Path=path, Recursive=True, WithDecryption=True
    ):
        for p in page["Parameters"]:
            out[p["Name"]] = p["Value"]
    return out


def test_static_fargate_api_end_to_end(request, terraform_latest, aws, tmp_path):
    terraform = terraform_latest
    layout = copy_layout("static-fargate-api", tmp_path / "layout")
    stages = six_stack.deploy_stages(layout)
    assert [[d.name for d in stage] for stage in stages] == [["site"], ["api"]]

    zone_id = six_stack.create_dns_zone(aws)
    dns = {"TF_VAR_domain_name": DOMAIN, "TF_VAR_hosted_zone_id": zone_id, "TF_VAR_dns_role_arn": six_stack.DNS_ROLE}
    site = terraform(layout / "site", region=SITE_REGION, env=dns)
    api = terraform(layout / "api", region=API_REGION, env=dns)
    site.init_ok()
    api.init_ok()

    # ---- bad input: refused at plan, naming the rule; the api stack before the site names what it lacks.
    bad_domain = terraform(site.workdir, region=SITE_REGION, env=dict(dns, TF_VAR_domain_name="www." + DOMAIN))
    bad_store = terraform(api.workdir, region=API_REGION, env=dict(dns, TF_VAR_secret_store="vault"))
    _, _, early = run_parallel(lambda check: check(), [
        lambda: bad_domain.plan_fails(contains="without the www. prefix"),
        lambda: bad_store.plan_fails("-lock=false", contains="The secret_store must be secretsmanager or ssm"),
        lambda: api.plan_fails("-lock=false", contains="SSM parameters not found"),
    ])
    assert "%s/static-site/site_url" % PREFIX in early.stdout + early.stderr
    assert leftovers(aws, zone_id) == []

    # ---- apply, in the order nextstack-lint derived.
    site.apply_ok()
    api.apply_ok()
    site_out, api_out = site.outputs(), api.outputs()
    check_site(aws, site_out, zone_id)
    check_api(aws, api_out, zone_id, store="secretsmanager")

    # ---- the key is put outside Terraform (as the module's README says): no change, and never in the state,
    # not even after a refresh has read every resource back (the harness searches every command's output and
    # state files for it from here on).
    key = harness.watch_secret("OPENAI_API_KEY", "sk-test-" + "5f1c0e3a9b" * 3)
    secret_arn = api_out["secret_arns"]["OPENAI_API_KEY"]
    aws.client("secretsmanager", API_REGION).put_secret_value(SecretId=secret_arn, SecretString=key)
    run_parallel(lambda tf: tf.assert_no_changes(), [site, api])
    api.refresh_ok()
    assert key not in (api.workdir / "terraform.tfstate").read_text()

    # ---- served: the site through its distribution, the API through its ALB to the task, in Chromium.
    serve_the_layout(aws, site_out, api_out, key, tmp_path / "edge", request.getfixturevalue("browser"))

    # ---- the same secret from SSM Parameter Store: a variable chooses.
    api_ssm = terraform(api.workdir, region=API_REGION, env=dict(dns, TF_VAR_secret_store="ssm"))
    api_ssm.apply_ok()
    ssm_out = api_ssm.outputs()
    check_secret_wiring(aws, ssm_out, store="ssm")
    assert aws.client("secretsmanager", API_REGION).list_secrets(IncludePlannedDeletion=True)["SecretList"] == []
    aws.client("ssm", API_REGION).put_parameter(
        Name="/api-%s/OPENAI_API_KEY" % ENV, Value=key, Type="SecureString", Overwrite=True
    )
    api_ssm.assert_no_changes()
    # The AWS provider reads a SecureString's decrypted value back on refresh: the module's write-only
    # placeholder keeps it out (a `value` with ignore_changes would put the key in the state here).
    api_ssm.refresh_ok()
    assert key not in (api.workdir / "terraform.tfstate").read_text()

    # ---- destroy in reverse order; nothing is left anywhere.
    api_ssm.destroy_ok()
    site.destroy_ok()
    assert leftovers(aws, zone_id) == []


def serve_the_layout(aws, site_out, api_out, key, dest, browser):
    """The applied layout through nextstack-edge: the static export (published as CI's `aws s3 sync` would) from the
    distribution's S3 origin, the www -> apex redirect by the CloudFront Function, the API at the ALB's listeners
    forwarding to the Fargate task run from the module's task definition, the key from its `secrets`; a browser at
    the site's origin calling the API across origins as the page's script does. The www redirect is checked over
    plain HTTP only: it points at https://DOMAIN, which Chromium reaches here only through Playwright's routing, and
    Playwright does not route the request that follows a redirect."""
    started = time.monotonic()
    site, api_origin = "https://" + DOMAIN, "https://" + API_HOST
    s3 = aws.client("s3", SITE_REGION)
    keys = static_fargate_site.publish_export(s3, site_out["bucket_name"], api_origin)
    [lb] = aws.client("elbv2", API_REGION).describe_load_balancers()["LoadBalancers"]
    images = static_fargate_site.write_images_file(dest, api_out["repository_url"])
    with static_fargate_site.serve(aws.endpoint, site_out["distribution_id"], api_out["cluster_name"],
                                   lb["LoadBalancerArn"], images, API_REGION) as edge:
        report = lambda: edge.stderr()[-6000:]  # noqa: E731
        https = edge.listeners[(lb["LoadBalancerName"], 443)]
        static_fargate_site.wait_until_serving(edge, https, API_HOST)
        http = static_fargate_site.http

        # Plain HTTP, the site: every published file through CloudFront from the private bucket (the edge signs
        # with the OAC as CloudFront does; the bucket policy admits only this distribution), directories from
        # their index.html by the function, an unknown path the custom 404 page.
        for key_name in keys:
            path = "/" + key_name.replace("index.html", "")
            status, _, _ = http(edge.url + path, {"Host": DOMAIN})
            assert status == 200, (path, status, report())
        status, headers, body = http(edge.url + "/no/such/page/", {"Host": DOMAIN})
        assert status == 404 and b"could not be found" in body, (status, body[:300])
        # www: a 301 to the apex, path and query as they were (the module's CloudFront Function on viewer-request).
        query = "utm_source=news&tag=a%20b&tag=c&flag"
        status, headers, _ = http(edge.url + "/about/?" + query, {"Host": "www." + DOMAIN})
        # (nextstack-edge hands the function the parameters in name order, a repeated one's values in viewer order;
        # CloudFront documents no order, so only that every parameter, value and spelling is kept is asserted.)
        location = urlsplit(headers["Location"] or "")
        assert status == 301 and (location.scheme, location.netloc, location.path) == ("https", DOMAIN, "/about/"), (
            status, dict(headers))
        assert sorted(location.query.split("&")) == sorted(query.split("&")), location
        assert [v for k, v in parse_qsl(location.query, keep_blank_values=True) if k == "tag"] == ["a b", "c"], location

        # Plain HTTP, the API: port 80 answers a 301 to HTTPS with path and query; 443 forwards to the task, which
        # got the key from the task definition's `secrets` (it answers the key's SHA-256, never the key), may write
        # /tmp and nothing else (read-only root), and allows CORS for the site's origin only.
        http_listener = edge.listeners[(lb["LoadBalancerName"], 80)]
        status, headers, _ = http(http_listener + "/api/hello?x=1", {"Host": API_HOST})
        assert (status, headers["Location"]) == (301, "https://%s/api/hello?x=1" % API_HOST), (status, dict(headers))
        digest = hashlib.sha256(key.encode()).hexdigest()
        status, headers, body = http(https + "/api/hello", {"Host": API_HOST, "Origin": site})
        hello = json.loads(body)
        assert status == 200 and hello["openai_key_sha256"] == digest, (status, body, report())
        assert (hello["write_tmp"], hello["write_app"]) == ("ok", "Read-only file system"), hello
        assert headers["Access-Control-Allow-Origin"] == site
        status, headers, _ = http(https + "/api/hello", {"Host": API_HOST, "Origin": "https://evil.test"})
        assert status == 200 and headers["Access-Control-Allow-Origin"] is None

        # Chromium at the real origins (requests re-addressed to the edge's loopback ports with their Host): the
        # home page with its stylesheet and script, the script's cross-origin call to the API allowed by CORS and
        # answered by the task with the key's hash; a link to a directory page; no failed request.
        origins = {site: edge.url, api_origin: https}
        with static_fargate_site.new_site_page(browser, origins) as page:
            assert page.goto(site + "/").status == 200, report()
            page.wait_for_function("!document.querySelector('[data-testid=api-result]').innerText.includes('loading')")
            assert page.inner_text("[data-testid=api-result]") == "200 hello from the Fargate task key=" + digest
            assert page.evaluate("getComputedStyle(document.querySelector('h1')).color") == "rgb(20, 80, 160)"
            kinds = sorted((e.resource_type, urlsplit(e.url).netloc) for e in page.exchanges)
            expected = [("document", DOMAIN), ("fetch", API_HOST), ("script", DOMAIN), ("stylesheet", DOMAIN)]
            assert kinds == expected, kinds
            page.click("[data-testid=nav-about]")
            page.wait_for_url(site + "/about/")
            assert page.inner_text("h1") == "About"
            page.assert_all_ok()
        # Playwright's routing answers the intercepted requests itself, so Chromium's CORS check is not what let
        # the call above through (the plain-HTTP checks above show the task's Access-Control-Allow-Origin). Without
        # routing, at the edge's own loopback origin (not the site's), Chromium refuses the task's answer.
        with browser.new_page() as page:
            assert page.goto(edge.url + "/about/").status == 200
            call = "fetch('%s/api/hello').then((r) => 'allowed ' + r.status, (e) => 'refused: ' + e)" % https
            refused = page.evaluate(call)
            assert refused == "refused: TypeError: Failed to fetch", refused
            assert any("blocked by CORS policy" in e for e in page.console_errors), page.console_errors

        assert key not in edge.stderr() and all(key not in "\t".join(line) for line in edge.access_log())
        print("static-fargate-api served through nextstack-edge: %.0f s" % (time.monotonic() - started))


def check_site(aws, out, zone_id):
    c = lambda service: aws.client(service, SITE_REGION)  # noqa: E731

    # What the stack publishes in us-east-1: exactly its output, pointing at what it built.
    published = ssm_values(aws, SITE_REGION, PREFIX)
    assert set(published) == set(out["ssm_parameter_names"]) == {
        "%s/static-site/%s" % (PREFIX, k)
        for k in ["bucket_name", "distribution_id", "distribution_arn", "distribution_domain_name", "site_url",
                  "certificate_arn", "web_acl_arn"]
    }
    value = lambda key: published["%s/static-site/%s" % (PREFIX, key)]  # noqa: E731
    assert value("site_url") == "https://%s" % DOMAIN == out["site_url"]
    bucket, dist_id = value("bucket_name"), value("distribution_id")
    assert (bucket, dist_id) == (out["bucket_name"], out["distribution_id"])

    # The bucket: private (every public access blocked, owner-enforced objects, no ACL grant but the owner's),
    # versioned, encrypted, replaced files expiring; only this distribution may read, and only over TLS.
    s3 = c("s3")
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert pab == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert [(g["Grantee"]["Type"], g["Permission"]) for g in grants] == [("CanonicalUser", "FULL_CONTROL")], grants
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in rules] == [30]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allows == [{
        "Sid": "CloudFrontOriginAccessControl",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::%s/*" % bucket,
        "Condition": {"StringEquals": {"AWS:SourceArn": value("distribution_arn")}},
    }], allows
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert [d["Condition"] for d in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]
    # CloudFront's access logs (standard logging v2) go to a log bucket of the module's own.
    cdn_logs = access_logs.check_cloudfront_logging(aws, value("distribution_arn"))
    # The bucket's own S3 server access logs go to another log bucket of the module's (same region, its own writer).
    assert access_logs.check_s3_access_logging(aws, SITE_REGION, bucket, "s3-access/site/") != cdn_logs

    # The distribution: the apex and www, the bucket as its only origin through origin access control (no origin
    # access identity, no custom origin), the function on viewer-request of the default (only) behaviour.
    cf = c("cloudfront")
    config = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    assert sorted(config["Aliases"]["Items"]) == [DOMAIN, "www." + DOMAIN]
    origins = config["Origins"]["Items"]
    assert len(origins) == 1, origins
    origin = origins[0]
    assert origin["DomainName"] == "%s.s3.%s.amazonaws.com" % (bucket, SITE_REGION)
    assert "CustomOriginConfig" not in origin and not origin.get("S3OriginConfig", {}).get("OriginAccessIdentity")
    oacs = {o["Id"]: o for o in cf.list_origin_access_controls()["OriginAccessControlList"]["Items"]}
    oac = oacs[origin["OriginAccessControlId"]]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == ("s3", "always", "sigv4")
    behaviour = config["DefaultCacheBehavior"]
    assert config["CacheBehaviors"]["Quantity"] == 0
    assert behaviour["TargetOriginId"] == origin["Id"] and behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    function_arn = "arn:aws:cloudfront::123456789012:function/web-%s-viewer-request" % ENV
    assert behaviour["FunctionAssociations"] == {"Quantity": 1, "Items": [{"FunctionARN": function_arn, "EventType": "viewer-request"}]}
    assert behaviour["LambdaFunctionAssociations"]["Quantity"] == 0
    assert config["DefaultRootObject"] == "index.html"
    errors = {e["ErrorCode"]: (e["ResponseCode"], e["ResponsePagePath"]) for e in config["CustomErrorResponses"]["Items"]}
    assert errors == {403: ("404", "/404.html"), 404: ("404", "/404.html")}

    # The function: published (LIVE) with the module's file as its code, on the 2.0 runtime.
    name = function_arn.rsplit("/", 1)[1]
    live = cf.describe_function(Name=name, Stage="LIVE")["FunctionSummary"]
    assert live["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0" and live["FunctionMetadata"]["Stage"] == "LIVE"
    code = cf.get_function(Name=name, Stage="LIVE")["FunctionCode"].read().decode()
    assert code == FUNCTION.read_text()

    # The CLOUDFRONT-scope WAF on the distribution.
    wafv2 = c("wafv2")
    acls = wafv2.list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    assert [a["ARN"] for a in acls] == [config["WebACLId"]] == [value("web_acl_arn")]
    acl = wafv2.get_web_acl(Name=acls[0]["Name"], Scope="CLOUDFRONT", Id=acls[0]["Id"])["WebACL"]
    assert [r["Name"] for r in sorted(acl["Rules"], key=lambda r: r["Priority"])] == [
        "rate-limit", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList",
    ]

    # The certificate: us-east-1, ISSUED, on the distribution, validated only in the DNS account's zone; the aliases.
    cert = c("acm").describe_certificate(CertificateArn=out["certificate_arn"])["Certificate"]
    assert cert["Status"] == "ISSUED" and sorted(cert["SubjectAlternativeNames"]) == [DOMAIN, "www." + DOMAIN]
    viewer = config["ViewerCertificate"]
    assert (viewer["ACMCertificateArn"], viewer["SSLSupportMethod"], viewer["MinimumProtocolVersion"]) == (
        cert["CertificateArn"], "sni-only", "TLSv1.2_2021")
    records = dns_records(aws, zone_id)
    for option in cert["DomainValidationOptions"]:
        rr = option["ResourceRecord"]
        assert records[(rr["Name"], "CNAME")]["ResourceRecords"] == [{"Value": rr["Value"]}], rr
    assert c("route53").list_hosted_zones()["HostedZones"] == []  # nothing in the workload account
    domain_name = cf.get_distribution(Id=dist_id)["Distribution"]["DomainName"]
    for name in [DOMAIN + ".", "www.%s." % DOMAIN]:
        for rtype in ("A", "AAAA"):
            alias = records[(name, rtype)]["AliasTarget"]
            assert (alias["DNSName"].rstrip("."), alias["HostedZoneId"]) == (domain_name, CLOUDFRONT_ZONE), (name, alias)


def check_api(aws, out, zone_id, store):
    c = lambda service: aws.client(service, API_REGION)  # noqa: E731

    published = ssm_values(aws, API_REGION, PREFIX)
    assert set(published) == set(out["ssm_parameter_names"]) == {
        "%s/fargate-service/%s" % (PREFIX, k)
        for k in ["cluster_name", "service_name", "task_definition_family", "container_name", "repository_url",
                  "service_url", "alb_dns_name", "alb_security_group_id", "task_security_group_id"]
    }
    value = lambda key: published["%s/fargate-service/%s" % (PREFIX, key)]  # noqa: E731
    assert value("service_url") == "https://%s" % API_HOST == out["service_url"]
    alb_sg, task_sg = value("alb_security_group_id"), value("task_security_group_id")

    # The Fargate service: circuit breaker with rollback, the task security group, behind the target group.
    ecs = c("ecs")
    service = ecs.describe_services(cluster=out["cluster_name"], services=[out["service_name"]])["services"][0]
    assert service["launchType"] == "FARGATE" and service["enableExecuteCommand"] is False
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] == [task_sg]
    elb = c("elbv2")
    lb = elb.describe_load_balancers()["LoadBalancers"][0]
    tg = elb.describe_target_groups(LoadBalancerArn=lb["LoadBalancerArn"])["TargetGroups"][0]
    assert service["loadBalancers"] == [{"targetGroupArn": tg["TargetGroupArn"], "containerName": "api", "containerPort": 8000}]
    assert (tg["Port"], tg["Protocol"], tg["TargetType"], tg["HealthCheckPath"], tg["Matcher"]) == (
        8000, "HTTP", "ip", "/health", {"HttpCode": "200"})
    access_logs.check_alb_logging(aws, API_REGION, lb["LoadBalancerArn"])

    # The task: read-only root, /tmp on a task-local volume, logs with retention, the CORS origin read from the
    # site stack's parameter in us-east-1.
    taskdef = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert taskdef["requiresCompatibilities"] == ["FARGATE"] and taskdef["networkMode"] == "awsvpc"
    (container,) = taskdef["containerDefinitions"]
    assert container["readonlyRootFilesystem"] is True
    volumes = {v["name"] for v in taskdef["volumes"]}
    assert [(m["containerPath"], m["sourceVolume"] in volumes) for m in container["mountPoints"]] == [("/tmp", True)]
    assert container["environment"] == [{"name": "CORS_ALLOW_ORIGINS", "value": "https://%s" % DOMAIN}]
    assert container["image"] == out["repository_url"] + ":latest"
    logs = container["logConfiguration"]["options"]
    groups = c("logs").describe_log_groups(logGroupNamePrefix=logs["awslogs-group"])["logGroups"]
    assert [g["retentionInDays"] for g in groups] == [30]
    repo = c("ecr").describe_repositories(repositoryNames=[out["repository_url"].split("/", 1)[1]])["repositories"][0]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    check_secret_wiring(aws, out, store)

    # Security groups: the tasks admit only the ALB's group, on the container port; the ALB takes 80 and 443 and
    # sends only to the tasks.
    rules = lambda sg: c("ec2").describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [sg]}])["SecurityGroupRules"]  # noqa: E731
    peer = lambda r: (r.get("ReferencedGroupInfo") or {}).get("GroupId") or r.get("CidrIpv4") or r.get("CidrIpv6") or r.get("PrefixListId")  # noqa: E731
    shape = lambda rs, egress: sorted((r["IpProtocol"], r["FromPort"], r["ToPort"], peer(r)) for r in rs if r["IsEgress"] is egress)  # noqa: E731
    task_rules, alb_rules = rules(task_sg), rules(alb_sg)
    assert shape(task_rules, False) == [("tcp", 8000, 8000, alb_sg)], task_rules
    assert shape(alb_rules, False) == [("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 443, 443, "0.0.0.0/0")], alb_rules
    assert shape(alb_rules, True) == [("tcp", 8000, 8000, task_sg)], alb_rules
    assert lb["SecurityGroups"] == [alb_sg]

    # Listeners: HTTPS with the service's certificate and a TLS 1.2+ policy forwards; HTTP answers a 301 to HTTPS.
    listeners = {l["Port"]: l for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
    assert set(listeners) == {80, 443}
    https = listeners[443]
    assert https["Protocol"] == "HTTPS" and https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["Certificates"] == [{"CertificateArn": out_certificate(aws, API_HOST)}]
    assert [(a["Type"], a.get("TargetGroupArn")) for a in https["DefaultActions"]] == [("forward", tg["TargetGroupArn"])]
    redirect = listeners[80]["DefaultActions"]
    assert [(a["Type"], a["RedirectConfig"]["Protocol"], a["RedirectConfig"]["StatusCode"]) for a in redirect] == [("redirect", "HTTPS", "HTTP_301")]

    # The regional WAF on the ALB.
    acl = c("wafv2").get_web_acl_for_resource(ResourceArn=lb["LoadBalancerArn"])["WebACL"]
    assert acl["Name"] == "api-%s-alb" % ENV and acl["ARN"].split(":")[5].startswith("regional/webacl/")

    # The certificate in the ALB's region, validated only in the DNS account's zone; the alias to the ALB.
    cert = c("acm").describe_certificate(CertificateArn=https["Certificates"][0]["CertificateArn"])["Certificate"]
    assert cert["Status"] == "ISSUED" and cert["DomainName"] == API_HOST
    records = dns_records(aws, zone_id)
    for option in cert["DomainValidationOptions"]:
        rr = option["ResourceRecord"]
        assert (rr["Name"], "CNAME") in records, rr
    assert c("route53").list_hosted_zones()["HostedZones"] == []
    for rtype in ("A", "AAAA"):
        alias = records[(API_HOST + ".", rtype)]["AliasTarget"]
        assert (alias["DNSName"].rstrip(".").lower(), alias["HostedZoneId"]) == (lb["DNSName"].lower(), lb["CanonicalHostedZoneId"])


def out_certificate(aws, domain):
    """ARN of the one certificate for `domain` in the API's region."""
    acm = aws.client("acm", API_REGION)
    arns = [s["CertificateArn"] for s in acm.list_certificates()["CertificateSummaryList"] if s["DomainName"] == domain]
    assert len(arns) == 1, arns
    return arns[0]


def check_secret_wiring(aws, out, store):
    """OPENAI_API_KEY: in the container's `secrets` from exactly the store's secret, which the execution role
    (and nothing else of the stack) may read."""
    c = lambda service: aws.client(service, API_REGION)  # noqa: E731
    ecs = c("ecs")
    arn = out["secret_arns"]["OPENAI_API_KEY"]
    if store == "secretsmanager":
        secret = c("secretsmanager").describe_secret(SecretId=arn)
        assert (secret["ARN"], secret["Name"]) == (arn, "api-%s/OPENAI_API_KEY" % ENV)
        action = "secretsmanager:GetSecretValue"
    else:
        param = c("ssm").get_parameter(Name="/api-%s/OPENAI_API_KEY" % ENV)["Parameter"]
        assert (param["ARN"], param["Type"]) == (arn, "SecureString")
        action = "ssm:GetParameters"

    service = ecs.describe_services(cluster=out["cluster_name"], services=[out["service_name"]])["services"][0]
    taskdef = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    (container,) = taskdef["containerDefinitions"]
    assert container["secrets"] == [{"name": "OPENAI_API_KEY", "valueFrom": arn}]
    assert not any(e["name"] == "OPENAI_API_KEY" for e in container["environment"])

    iam = c("iam")
    role = taskdef["executionRoleArn"].rsplit("/", 1)[1]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    statements = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        statements += iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]["Statement"]
    as_list = lambda v: v if isinstance(v, list) else [v]  # noqa: E731
    secret_statements = [s for s in statements if any(a.startswith(("secretsmanager:", "ssm:", "kms:")) for a in as_list(s["Action"]))]
    assert [(as_list(s["Action"]), as_list(s["Resource"]), s["Effect"]) for s in secret_statements] == [([action], [arn], "Allow")]
    task_role = taskdef["taskRoleArn"].rsplit("/", 1)[1]
    assert iam.list_role_policies(RoleName=task_role)["PolicyNames"] == []
    assert iam.list_attached_role_policies(RoleName=task_role)["AttachedPolicies"] == []


def dns_records(aws, zone_id):
    r53 = aws.client("route53", SITE_REGION, account=six_stack.DNS_ACCOUNT)
    return {(r["Name"], r["Type"]): r for r in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]}


def leftovers(aws, zone_id):
    """Everything the two stacks may leave, per service: the six-stack list (SSM under /nextstack, ECR, ECS, EC2
    security groups, ELBv2, logs, WAF of both scopes, ACM, S3, IAM, CloudFront, Route53 records in the DNS zone)
    plus CloudFront Functions, Secrets Manager secrets (also those scheduled for deletion) and every SSM parameter."""
    left = six_stack.leftovers(aws, zone_id)
    functions = aws.client("cloudfront", SITE_REGION).list_functions()["FunctionList"].get("Items") or []
    left += ["cloudfront function: %s" % f["Name"] for f in functions]
    for region in (SITE_REGION, API_REGION):
        secrets = aws.client("secretsmanager", region).list_secrets(IncludePlannedDeletion=True)["SecretList"]
        left += ["secretsmanager %s: %s" % (region, s["Name"]) for s in secrets]
        params = aws.client("ssm", region).describe_parameters()["Parameters"]
        left += ["ssm %s: %s" % (region, p["Name"]) for p in params if not p["Name"].startswith(PREFIX + "/")]
    return left
