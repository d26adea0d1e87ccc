"""The serverless layout (seed 004: examples/serverless/site over modules/nextjs-serverless) applied for real with a
real OpenNext build of tests/nextjs-app: Terraform 1.15.5, the built nextstack provider, the real hashicorp/aws
provider and the (patched, see nextstack_lab/moto_patches) moto server.

    test_serverless_end_to_end   bad input refused at plan; applied with a domain in the DNS account; what seed 004
                                 promises checked through boto3 (functions, their settings, architectures from
                                 the bundles' native code, grants and URLs, the queue and table, CloudFront's
                                 behaviours in the build's order, the published build); a second plan is empty;
                                 a server_architecture against the bundle's native code is refused at plan; a
                                 second build publishes and keeps the first; destroyed, leaving nothing in any
                                 service.
    test_forwarded_host_function the CloudFront Function's code, run with Node on CloudFront's event shape.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from nextstack_lab import access_logs, harness, six_stack
from nextstack_lab import nextjs_builds as builds
from nextstack_lab.layout import copy_layout

MODULE = harness.REPO_ROOT / "modules" / "nextjs-serverless"
REGION = "eu-west-1"
PREFIX = "/nextstack/dev/serverless/"
NAME = "nextjs-dev"
IMMUTABLE = "public,max-age=31536000,immutable"
REVALIDATE = "public,max-age=0,s-maxage=31536000,must-revalidate"

SERVER_ENV = {
    "CACHE_BUCKET_NAME",
    "CACHE_BUCKET_KEY_PREFIX",
    "CACHE_BUCKET_REGION",
    "REVALIDATION_QUEUE_URL",
    "REVALIDATION_QUEUE_REGION",
    "CACHE_DYNAMO_TABLE",
    "NODE_ENV",
}
# The app's own plain settings (server_environment), passed through examples/serverless/site.
APP_ENV = {"SITE_NAME": "nextstack test", "FEATURE_FLAGS": "a,b"}


def role_actions(aws, role_name) -> set:
    iam = aws.client("iam", REGION)
    actions = set()
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        for st in doc["Statement"]:
            acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            actions.update(acts)
    assert not iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"], "no managed policies"
    return actions


def cloudfront_functions(aws) -> list:
    items = aws.client("cloudfront", "us-east-1").list_functions()["FunctionList"].get("Items", [])
    return [f["Name"] for f in items]


def test_serverless_end_to_end(terraform_latest, nextjs_builds, aws, tmp_path):
    b1, b2 = nextjs_builds.get("b1"), nextjs_builds.get("b2", 2)
    output = json.loads((b1 / "open-next.output.json").read_text())
    example = copy_layout("serverless", tmp_path / "layout") / "site"
    zone_id = six_stack.create_dns_zone(aws)
    env = {
        "TF_VAR_build_dir": str(b1),
        "TF_VAR_zip_dir": str(tmp_path / "zips"),
        "TF_VAR_domain_name": six_stack.DOMAIN,
        "TF_VAR_hosted_zone_id": zone_id,
        "TF_VAR_dns_role_arn": six_stack.DNS_ROLE,
        "TF_VAR_wait_for_deployment": "false",
        "TF_VAR_server_environment": json.dumps(APP_ENV),
    }
    tf = terraform_latest(example, region=REGION, env=env)
    tf.init_ok()

    # ---- bad input: refused at plan, naming the variable or the path; nothing is created.
    terraform_latest(example, region=REGION, env=dict(env, TF_VAR_environment="Prod_1")).plan_fails(
        contains="var.environment"
    )
    missing = tmp_path / "no-such-build" / ".open-next"
    terraform_latest(example, region=REGION, env=dict(env, TF_VAR_build_dir=str(missing))).plan_fails(
        contains=str(missing)
    )
    for key, problem in (("CACHE_BUCKET_NAME", "must not be the module's own"), ("BAD-NAME", "must be environment variable names")):
        bad = json.dumps(dict(APP_ENV, **{key: "x"}))
        result = terraform_latest(example, region=REGION, env=dict(env, TF_VAR_server_environment=bad)).plan_fails(
            contains=problem
        )
        text = " ".join(result.stderr.split())
        assert "var.server_environment" in text and 'not: "%s"' % key in text, text
    assert six_stack.leftovers(aws, zone_id) == []

    # ---- apply with the first build.
    tf.apply_ok()
    out = tf.outputs()
    assert out["build_id"] == "nextstack-b1" and out["builds"] == ["nextstack-b1"]
    assert out["url"] == "https://%s" % six_stack.DOMAIN
    names = out["function_names"]
    assert set(names) == {"default", "imageOptimizer", "revalidation", "warmer"}, names

    lam = aws.client("lambda", REGION)
    conf = {k: lam.get_function(FunctionName=n) for k, n in names.items()}
    server = conf["default"]["Configuration"]
    assert set(server["Environment"]["Variables"]) == SERVER_ENV | set(APP_ENV)
    assert {k: server["Environment"]["Variables"][k] for k in APP_ENV} == APP_ENV
    assert server["Environment"]["Variables"]["CACHE_BUCKET_KEY_PREFIX"] == "_cache"
    # Each function on the architecture its native code was built for (read from the bundle here, independently
    # of the provider), else the module's choice: x86_64 for the server, arm64 for the others.
    natives = {name: builds.native_files(b1 / Path(f["bundle"]).relative_to(".open-next")) for name, f in
               list(output["origins"].items()) + [("warmer", output["additionalProps"]["warmer"]),
                                                  ("revalidation", output["additionalProps"]["revalidationFunction"])]
               if "bundle" in f}
    image_native = list(natives["imageOptimizer"])
    assert len(image_native) == 1, "the build's image function carries sharp for one architecture: %s" % natives
    for key, default in (("default", "x86_64"), ("imageOptimizer", "arm64"), ("revalidation", "arm64"), ("warmer", "arm64")):
        want = next(iter(natives[key]), default)
        assert conf[key]["Configuration"]["Architectures"] == [want], (key, natives[key])
    image = conf["imageOptimizer"]["Configuration"]
    assert set(image["Environment"]["Variables"]) == {"BUCKET_NAME", "BUCKET_KEY_PREFIX", "NODE_ENV"}
    assert image["Environment"]["Variables"]["BUCKET_KEY_PREFIX"] == "_assets"
    warmer = conf["warmer"]["Configuration"]["Environment"]["Variables"]
    assert warmer == {"WARM_PARAMS": json.dumps([{"concurrency": 1, "function": names["default"]}], separators=(",", ":")),
                      "NODE_ENV": "production"}
    for key, c in conf.items():
        cfg = c["Configuration"]
        assert cfg["Handler"] == "index.handler", key
        assert cfg["DeadLetterConfig"]["TargetArn"].endswith(":%s-functions-dlq" % NAME), key
        assert c.get("Concurrency", {}).get("ReservedConcurrentExecutions", -1) >= 0, key
        group = aws.client("logs", REGION).describe_log_groups(logGroupNamePrefix="/aws/lambda/" + names[key])
        assert [g.get("retentionInDays") for g in group["logGroups"]] == [30], key
    for key in ("default", "imageOptimizer"):
        url = lam.get_function_url_config(FunctionName=names[key])
        assert url["AuthType"] == "AWS_IAM", "function URLs answer only CloudFront's signed requests"
        streaming = output["origins"][key].get("streaming", False)
        assert url.get("InvokeMode", "BUFFERED") == ("RESPONSE_STREAM" if streaming else "BUFFERED")

    # Every grant seed 004 lists (plus logs and the dead-letter queue), and no more.
    base = {"logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage"}
    assert role_actions(aws, names["default"] + "-role") == base | {
        "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
        "dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchWriteItem",
    }
    assert role_actions(aws, names["imageOptimizer"] + "-role") == base | {"s3:GetObject"}
    assert role_actions(aws, names["revalidation"] + "-role") == base | {
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    }
    assert role_actions(aws, names["warmer"] + "-role") == base | {"lambda:InvokeFunction"}

    # The revalidation queue (FIFO, the revalidation function its event source), the tag table and its index.
    sqs = aws.client("sqs", REGION)
    queue_url = sqs.get_queue_url(QueueName="%s-revalidation.fifo" % NAME)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true"
    revalidation_arn = conf["revalidation"]["Configuration"]["FunctionArn"]
    mappings = [m for m in lam.list_event_source_mappings()["EventSourceMappings"] if m["FunctionArn"] == revalidation_arn]
    assert [m["EventSourceArn"] for m in mappings] == [attrs["QueueArn"]]
    table = aws.client("dynamodb", REGION).describe_table(TableName="%s-revalidation" % NAME)["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"tag": "HASH", "path": "RANGE"}
    gsi = {i["IndexName"]: {k["AttributeName"]: k["KeyType"] for k in i["KeySchema"]} for i in table["GlobalSecondaryIndexes"]}
    assert gsi == {"revalidate": {"path": "HASH", "revalidatedAt": "RANGE"}}
    rules = aws.client("events", REGION).list_rules(NamePrefix=NAME)["Rules"]
    assert [r["ScheduleExpression"] for r in rules] == ["rate(5 minutes)"]

    # CloudFront: the build's behaviours in its order, its "*" the default; x-forwarded-host on the server's.
    cf = aws.client("cloudfront", "us-east-1")
    dist = cf.get_distribution(Id=out["distribution_id"])["Distribution"]
    config = dist["DistributionConfig"]
    expected = [(b["pattern"], b["origin"]) for b in output["behaviors"] if b["pattern"] != "*"]
    got = [(b["PathPattern"], b["TargetOriginId"]) for b in config["CacheBehaviors"].get("Items", [])]
    assert got == expected
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "default"
    for b in config["CacheBehaviors"].get("Items", []) + [config["DefaultCacheBehavior"]]:
        assoc = [f["EventType"] for f in b.get("FunctionAssociations", {}).get("Items", [])]
        is_server = b["TargetOriginId"] == "default"
        assert assoc == (["viewer-request"] if is_server else []), b.get("PathPattern", "*")
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    assert set(origins) == {"s3", "default", "imageOptimizer"}
    assert origins["s3"]["OriginPath"] == "/_assets" and origins["s3"]["OriginAccessControlId"]
    for key in ("default", "imageOptimizer"):
        assert origins[key]["OriginAccessControlId"], "function URLs are reached through origin access control"
        assert origins[key]["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    acls = aws.client("wafv2", "us-east-1").list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    assert [a["ARN"] for a in acls] == [config["WebACLId"]]
    assert sorted(config["Aliases"]["Items"]) == sorted([six_stack.DOMAIN, "www." + six_stack.DOMAIN])
    cert = aws.client("acm", "us-east-1").describe_certificate(
        CertificateArn=config["ViewerCertificate"]["ACMCertificateArn"]
    )["Certificate"]
    assert cert["Status"] == "ISSUED"
    r53 = aws.client("route53", "us-east-1", account=six_stack.DNS_ACCOUNT)
    records = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert any(r["Type"] == "CNAME" for r in records), "validation records in the DNS account's zone"
    aliases = {r["Name"].rstrip(".") for r in records if r["Type"] == "A" and "AliasTarget" in r}
    assert aliases == {six_stack.DOMAIN, "www." + six_stack.DOMAIN}

    # The build, published: assets with the Cache-Control split, the caches private, the tag rows seeded.
    s3 = aws.client("s3", REGION)
    ssm = {p["Name"]: p["Value"] for p in aws.client("ssm", REGION).get_parameters_by_path(Path=PREFIX)["Parameters"]}
    assets, cache = ssm[PREFIX + "assets_bucket_name"], ssm[PREFIX + "cache_bucket_name"]
    assert ssm[PREFIX + "distribution_id"] == out["distribution_id"] and ssm[PREFIX + "build_id"] == "nextstack-b1"
    for rel in [p.relative_to(b1 / "assets").as_posix() for p in (b1 / "assets").rglob("*") if p.is_file()]:
        head = s3.head_object(Bucket=assets, Key="_assets/" + rel)
        assert head["CacheControl"] == (IMMUTABLE if rel.startswith("_next/") else REVALIDATE), rel
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=cache).get("Contents", [])]
    assert any(k.startswith("_cache/nextstack-b1/") for k in keys)
    assert any(k.startswith("_cache/__fetch/nextstack-b1/") for k in keys)
    for bucket in (assets, cache):
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()), bucket
    policy = json.loads(s3.get_bucket_policy(Bucket=assets)["Policy"])
    reads = [st for st in policy["Statement"] if st["Effect"] == "Allow"]
    assert [st["Condition"]["StringEquals"]["AWS:SourceArn"] for st in reads] == [dist["ARN"]]
    # Both buckets refuse anything but TLS; the cache bucket grants nothing (the server role's policy does).
    cache_policy = json.loads(s3.get_bucket_policy(Bucket=cache)["Policy"])
    for bucket, statements in ((assets, policy["Statement"]), (cache, cache_policy["Statement"])):
        denies = [st for st in statements if st["Effect"] == "Deny"]
        assert [(d["Action"], d["Condition"]) for d in denies] == [("s3:*", {"Bool": {"aws:SecureTransport": "false"}})], bucket
    assert [st for st in cache_policy["Statement"] if st["Effect"] == "Allow"] == []
    # CloudFront's access logs (standard logging v2) go to a log bucket of the module's own.
    access_logs.check_cloudfront_logging(aws, dist["ARN"])
    # The assets and cache buckets' S3 server access logs, both to one log bucket of the module's own, in their region.
    s3_logs = {access_logs.check_s3_access_logging(aws, REGION, b, "s3-access/%s/" % role)
               for role, b in (("assets", assets), ("cache", cache))}
    assert len(s3_logs) == 1, s3_logs
    rows = aws.client("dynamodb", REGION).scan(TableName="%s-revalidation" % NAME)["Items"]
    seed = json.loads((b1 / "dynamodb-provider" / "dynamodb-cache.json").read_text())
    assert len(rows) == len(seed)

    tf.assert_no_changes()

    # ---- a server bundle with native code: the server goes on its architecture; a server_architecture against
    # it is refused at plan, naming the function and both architectures. (A copy of b1 with an arm64 module
    # planted in the server's node_modules; planned only.)
    native = builds.copy_build(b1, tmp_path / "native" / ".open-next")
    planted = native / "server-functions" / "default" / "node_modules" / "nextstack-probe" / "build" / "Release" / "probe.node"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(builds.elf_header("arm64"))
    native_env = dict(env, TF_VAR_build_dir=str(native), TF_VAR_zip_dir=str(tmp_path / "native-zips"))
    tf_native = terraform_latest(example, region=REGION, env=native_env)
    tf_native.plan_ok("-refresh=false", "-out=native.plan")
    planned = json.loads(tf_native.check(tf_native.show_json("native.plan")).stdout)["resource_changes"]
    (server_change,) = [c for c in planned if c["address"] == 'module.site.aws_lambda_function.function["default"]']
    assert server_change["change"]["after"]["architectures"] == ["arm64"], server_change["change"]
    result = terraform_latest(example, region=REGION, env=dict(native_env, TF_VAR_server_architecture="x86_64")).plan_fails(
        "-refresh=false", contains='server function "default" were built for arm64'
    )
    assert "server_architecture is x86_64" in " ".join(result.stderr.split()), result.stderr

    # ---- the second build: functions updated, the build published, the first kept for its visitors.
    tf2 = terraform_latest(example, region=REGION, env=dict(env, TF_VAR_build_dir=str(b2)))
    tf2.apply_ok()
    assert tf2.outputs()["builds"] == ["nextstack-b2", "nextstack-b1"]
    tf2.assert_no_changes()

    # ---- destroy: nothing left in any service.
    tf2.destroy_ok()
    assert six_stack.leftovers(aws, zone_id) == []
    assert cloudfront_functions(aws) == []


def test_forwarded_host_function():
    """The viewer-request function sets x-forwarded-host from Host and changes nothing else."""
    node = shutil.which("node")
    assert node, "node is needed to run the CloudFront Function's code (Node.js >= 18)"
    code = (MODULE / "cloudfront" / "forwarded-host.js").read_text()
    script = code + """
const out = [];
for (const event of JSON.parse(process.argv[1])) { out.push(handler(JSON.parse(JSON.stringify(event)))); }
console.log(JSON.stringify(out));
"""
    events = [
        {"request": {"method": "GET", "uri": "/about", "querystring": {"a": {"value": "1"}},
                     "headers": {"host": {"value": "example.test"}, "accept": {"value": "text/html"}}, "cookies": {}}},
        {"request": {"method": "GET", "uri": "/", "querystring": {}, "headers": {}, "cookies": {}}},
    ]
    proc = subprocess.run([node, "-e", script, json.dumps(events)], capture_output=True, text=True, check=True)
    first, second = json.loads(proc.stdout)
    assert first["headers"]["x-forwarded-host"] == {"value": "example.test"}
    assert first["uri"] == "/about" and first["querystring"] == {"a": {"value": "1"}}
    assert first["headers"]["host"] == {"value": "example.test"} and first["headers"]["accept"] == {"value": "text/html"}
    assert "x-forwarded-host" not in second["headers"], "no Host, nothing to copy"
