"""nextstack_nextjs_site through real Terraform (1.15.5 and 1.0.3) against moto, on real OpenNext builds of
tests/nextjs-app (nextstack_lab.nextjs_builds): three builds, b1, then b2 with /about changed, then b3, then b3
again with one public file changed.

Every expectation is derived from the build directories themselves (their files, digests and
dynamodb-cache.json) and from the rules the issue states, then checked in S3, DynamoDB and CloudFront through
boto3; Terraform's own view is checked separately.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from pathlib import Path

import pytest

REGION = "eu-west-1"
ASSETS = "site-assets"
CACHE = "site-cache"
TABLE = "site-tags"
IMMUTABLE = "public,max-age=31536000,immutable"
REVALIDATE = "public,max-age=0,s-maxage=31536000,must-revalidate"
# The Content-Type each extension of the test app's build must get (a new extension fails the test here).
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".cache": "application/octet-stream",
    "": "application/octet-stream",
}

CONFIG = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}

provider "nextstack" {
  region = "%(region)s"
}

variable "build_dir" {
  type = string
}

resource "nextstack_nextjs_site" "site" {
  build_dir          = var.build_dir
  assets_bucket      = "%(assets)s"
  cache_bucket       = "%(cache)s"
  revalidation_table = "%(table)s"
  distribution_id    = "%(distribution)s"
}

output "build_id" { value = nextstack_nextjs_site.site.build_id }
output "builds" { value = nextstack_nextjs_site.site.builds }
output "content_hash" { value = nextstack_nextjs_site.site.content_hash }
output "invalidation_id" { value = nextstack_nextjs_site.site.invalidation_id }
"""


# ------------------------------------------------------------------------------------------ what a build holds
def build_files(build: Path) -> dict:
    """{(bucket, key): {"sha": ..., "cache_control": ..., "content_type": ...}} the build must publish."""
    output = json.loads((build / "open-next.output.json").read_text())
    out = {}
    for copy in output["origins"]["s3"]["copy"]:
        src = build / Path(copy["from"]).relative_to(".open-next")
        bucket = ASSETS if copy.get("cached") else CACHE
        for path in sorted(p for p in src.rglob("*") if p.is_file()):
            rel = path.relative_to(src).as_posix()
            ext = path.suffix if path.suffix in CONTENT_TYPES else None
            assert ext is not None or path.suffix == "", "add %r to CONTENT_TYPES" % path.suffix
            if copy.get("cached"):
                cache_control = IMMUTABLE if rel.startswith("_next/") else REVALIDATE
            else:
                cache_control = None
            out[(bucket, copy["to"] + "/" + rel)] = {
                "sha": hashlib.sha256(path.read_bytes()).hexdigest(),
                "cache_control": cache_control,
                "content_type": CONTENT_TYPES[ext or ""],
            }
    return out


def tag_rows(build: Path) -> set:
    rows = json.loads((build / "dynamodb-provider" / "dynamodb-cache.json").read_text())
    return {(r["tag"]["S"], r["path"]["S"]) for r in rows}


def changed_unhashed(old: dict, new: dict) -> set:
    """CloudFront paths of un-hashed assets whose content differs between two builds (or that appear/go)."""
    paths = set()
    for key in set(old) | set(new):
        bucket, name = key
        if bucket != ASSETS or name.startswith("_assets/_next/"):
            continue
        if old.get(key, {}).get("sha") != new.get(key, {}).get("sha"):
            paths.add("/" + name[len("_assets/") :])
    return paths


# ---------------------------------------------------------------------------------------------- what AWS holds
def objects(aws, bucket) -> dict:
    s3 = aws.client("s3", REGION)
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            out[o["Key"]] = o["ETag"]
    return out


def table_rows(aws) -> set:
    ddb = aws.client("dynamodb", REGION)
    return {(i["tag"]["S"], i["path"]["S"]) for i in ddb.scan(TableName=TABLE)["Items"]}


def invalidation_paths(aws, distribution_id, invalidation_id) -> set:
    cf = aws.client("cloudfront", REGION)
    inv = cf.get_invalidation(DistributionId=distribution_id, Id=invalidation_id)["Invalidation"]
    return set(inv["InvalidationBatch"]["Paths"].get("Items", []))


def invalidation_ids(aws, distribution_id) -> set:
    """Ids of every invalidation the distribution has."""
    cf = aws.client("cloudfront", REGION)
    items = cf.list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items", [])
    return {i["Id"] for i in items}


def make_site_infra(aws) -> str:
    """The buckets, the tag table and a distribution as a user's other configuration would make them, plus
    foreign objects and a foreign row that the resource must never touch. Returns the distribution id."""
    s3 = aws.client("s3", REGION)
    for bucket in (ASSETS, CACHE):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=ASSETS, Key="_assets/foreign.txt", Body=b"not ours")
    s3.put_object(Bucket=ASSETS, Key="elsewhere/index.html", Body=b"not ours")
    s3.put_object(Bucket=CACHE, Key="_cache/foreign", Body=b"not ours")
    ddb = aws.client("dynamodb", REGION)
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "tag", "KeyType": "HASH"}, {"AttributeName": "path", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "tag", "AttributeType": "S"},
            {"AttributeName": "path", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=TABLE, Item={"tag": {"S": "foreign"}, "path": {"S": "row"}})
    cf = aws.client("cloudfront", REGION)
    dist = cf.create_distribution(
        DistributionConfig={
            "CallerReference": "nextjs-site-test",
            "Comment": "test",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "s3",
                        "DomainName": "%s.s3.%s.amazonaws.com" % (ASSETS, REGION),
                        "OriginPath": "/_assets",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "s3",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )
    return dist["Distribution"]["Id"]


FOREIGN = {ASSETS: {"_assets/foreign.txt", "elsewhere/index.html"}, CACHE: {"_cache/foreign"}}


def assert_published(aws, expected: dict, label: str):
    """Every expected object is there with its headers and contents; cache objects are not public."""
    s3 = aws.client("s3", REGION)
    for (bucket, key), want in sorted(expected.items()):
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head.get("CacheControl") == want["cache_control"], "%s: Cache-Control of s3://%s/%s" % (label, bucket, key)
        assert head["ContentType"] == want["content_type"], "%s: Content-Type of s3://%s/%s" % (label, bucket, key)
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == want["sha"], "%s: contents of s3://%s/%s" % (label, bucket, key)
        if bucket == CACHE:
            grants = s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
            public = [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "") or "AuthenticatedUsers" in g["Grantee"].get("URI", "")]
            assert not public, "s3://%s/%s is publicly readable: %s" % (bucket, key, public)


def put_keys(counter) -> set:
    """(bucket, key) of every PutObject counted by the proxy since its last reset."""
    out = set()
    for key, n in counter.snapshot().items():
        if key.startswith("s3 PUT /"):
            bucket, _, name = key[len("s3 PUT /") :].partition("/")
            out.add((bucket, urllib.parse.unquote(name.split("?")[0])))
    return out


def use_build(tf, build: Path):
    (tf.workdir / "build.auto.tfvars.json").write_text(json.dumps({"build_dir": str(build)}))


# ----------------------------------------------------------------------------------------------------- tests
def test_publish_update_prune_repair_import_destroy(terraform, nextjs_builds, aws, aws_faults, tmp_path):
    b1, b2, b3 = nextjs_builds.get("b1"), nextjs_builds.get("b2", 2), nextjs_builds.get("b3", 2)
    files1, files2, files3 = build_files(b1), build_files(b2), build_files(b3)
    assert any("/about/" in k for (_, k) in set(files2) - set(files1)), "b2 must change the /about chunk"
    distribution = make_site_infra(aws)
    tf = terraform(env={"AWS_ENDPOINT_URL": aws_faults.url})
    tf.write(CONFIG % {"region": REGION, "assets": ASSETS, "cache": CACHE, "table": TABLE, "distribution": distribution})

    # -- first publish: every file with its headers, the caches, the tag rows, one invalidation of the
    #    un-hashed files only (no page of the site is cached yet)
    use_build(tf, b1)
    plan = tf.plan_ok()
    assert "nextstack-b1" in plan.stdout, plan.stdout
    aws_faults.reset()
    tf.apply_ok()
    assert_published(aws, files1, "b1")
    assert any(k.startswith("_cache/nextstack-b1/") for (b, k) in files1 if b == CACHE)
    assert any(k.startswith("_cache/__fetch/nextstack-b1/") for (b, k) in files1 if b == CACHE), "the fetch cache"
    assert table_rows(aws) == tag_rows(b1) | {("foreign", "row")}
    out = tf.outputs()
    assert out["build_id"] == "nextstack-b1" and out["builds"] == ["nextstack-b1"]
    assert invalidation_paths(aws, distribution, out["invalidation_id"]) == changed_unhashed({}, files1)
    assert invalidation_ids(aws, distribution) == {out["invalidation_id"]}
    assert put_keys(aws_faults) >= set(files1)
    state = json.dumps(tf.state_json())
    assert len(state) < 8000, "state must stay small (ids and digests): %d bytes" % len(state)
    assert "_buildManifest" not in state, "per-file data belongs in the bucket's manifest, not in state"
    manifest = aws.client("s3", REGION).get_object(Bucket=ASSETS, Key="_assets/.nextstack/builds/nextstack-b1.json")
    assert manifest["ContentEncoding"] == "gzip" and manifest["Body"].read()[:2] == b"\x1f\x8b", manifest

    tf.assert_no_changes()

    # -- second build, /about changed: only what changed is uploaded; a new build id goes live, so CloudFront's
    #    copies of b1's pages (s-maxage=31536000, cached under routes, not files) go: one /* invalidation
    use_build(tf, b2)
    plan = tf.plan_ok()
    assert "update in-place" in plan.stdout and "nextstack-b2" in plan.stdout, plan.stdout
    aws_faults.reset()
    tf.apply_ok()
    changed = {k for k in files2 if files1.get(k, {}).get("sha") != files2[k]["sha"]}
    uploaded = {k for k in put_keys(aws_faults) if "/.nextstack/" not in k[1]}
    assert uploaded == changed, "uploaded %s, changed %s" % (sorted(uploaded - changed), sorted(changed - uploaded))
    assert len(uploaded) < len(files2)
    assert_published(aws, files2, "b2")
    out = tf.outputs()
    assert out["builds"] == ["nextstack-b2", "nextstack-b1"]
    assert invalidation_paths(aws, distribution, out["invalidation_id"]) == {"/*"}
    assert len(invalidation_ids(aws, distribution)) == 2, "one invalidation per publish"
    # skew protection: b1's chunks (and cache, and rows) are still there for visitors still running it
    assert set(files1) - set(files2), "b1 has files of its own"
    live = {(ASSETS, k) for k in objects(aws, ASSETS)} | {(CACHE, k) for k in objects(aws, CACHE)}
    assert set(files1) <= live, "b1's files must stay after the second deploy"
    assert tag_rows(b1) | tag_rows(b2) <= table_rows(aws)
    tf.assert_no_changes()

    # -- third build: b1 leaves the window; what b1 alone had goes, what b2 and b3 share stays
    use_build(tf, b3)
    tf.apply_ok()
    assert_published(aws, files3, "b3")
    live = {(ASSETS, k) for k in objects(aws, ASSETS)} | {(CACHE, k) for k in objects(aws, CACHE)}
    only_b1 = set(files1) - set(files2) - set(files3)
    assert only_b1 and not (only_b1 & live), "b1's own files must be gone: %s" % sorted(only_b1 & live)
    assert set(files2) <= live, "b2 is still kept"
    rows = table_rows(aws)
    assert not (tag_rows(b1) & rows), "b1's tag rows go with it"
    assert tag_rows(b2) | tag_rows(b3) <= rows
    out = tf.outputs()
    assert out["builds"] == ["nextstack-b3", "nextstack-b2"]
    assert invalidation_paths(aws, distribution, out["invalidation_id"]) == {"/*"}, "b3 replaces b2's pages"
    tf.assert_no_changes()

    # -- drift: an object deleted by hand and one overwritten are found by refresh and repaired by apply
    s3 = aws.client("s3", REGION)
    victim = sorted(k for (b, k) in files3 if b == ASSETS and k.startswith("_assets/_next/"))[0]
    s3.delete_object(Bucket=ASSETS, Key=victim)
    s3.put_object(Bucket=ASSETS, Key="_assets/robots.txt", Body=b"User-agent: *\nDisallow: /\n")
    assert tf.plan_detailed_exitcode() == 2
    plan = tf.plan_ok()
    kept_assets = {k for k in set(files2) | set(files3) if k[0] == ASSETS}
    assert "drifted: 2 of %d published assets" % len(kept_assets) in plan.stdout, plan.stdout
    invalidations = invalidation_ids(aws, distribution)
    tf.apply_ok()
    assert_published(aws, files3, "repaired")
    tf.assert_no_changes()
    assert invalidation_ids(aws, distribution) == invalidations, "a repair puts back what CloudFront has"

    # -- b3 again (same build id) with one public file changed: only that path is invalidated, not /*
    from nextstack_lab import nextjs_builds as builds

    b3_again = builds.copy_build(b3, tmp_path / "b3-again")
    (b3_again / "assets" / "robots.txt").write_bytes(b"User-agent: *\nAllow: /\n# republished\n")
    files3_again = build_files(b3_again)
    assert changed_unhashed(files3, files3_again) == {"/robots.txt"}
    use_build(tf, b3_again)
    aws_faults.reset()
    tf.apply_ok()
    assert {k for k in put_keys(aws_faults) if "/.nextstack/" not in k[1]} == {(ASSETS, "_assets/robots.txt")}
    assert_published(aws, files3_again, "b3 again")
    out = tf.outputs()
    assert out["build_id"] == "nextstack-b3" and out["builds"] == ["nextstack-b3", "nextstack-b2"]
    assert out["invalidation_id"] not in invalidations
    assert invalidation_paths(aws, distribution, out["invalidation_id"]) == {"/robots.txt"}
    # -- a re-apply with nothing changed creates no invalidation
    invalidations = invalidation_ids(aws, distribution)
    tf.apply_ok()
    assert invalidation_ids(aws, distribution) == invalidations
    assert tf.outputs()["invalidation_id"] == out["invalidation_id"]
    tf.assert_no_changes()
    files3 = files3_again

    # -- import by bucket and prefix reproduces the state
    before = tf.resource("nextstack_nextjs_site.site")
    tf.check(tf.run("state", "rm", "nextstack_nextjs_site.site"))
    tf.check(tf.import_("nextstack_nextjs_site.site", "%s/_assets" % ASSETS))
    after = tf.resource("nextstack_nextjs_site.site")
    for attr in ("build_id", "builds", "content_hash", "assets_prefix", "cache_bucket", "cache_prefix", "revalidation_table", "distribution_id"):
        assert after[attr] == before[attr], attr
    # (Terraform 1.0 drops root outputs with `state rm`: only the resource must plan no change.)
    tf.check(tf.plan("-out=after-import.plan"))
    changes = json.loads(tf.check(tf.show_json("after-import.plan")).stdout)["resource_changes"]
    assert [c["change"]["actions"] for c in changes] == [["no-op"]], changes

    # -- destroy: everything it wrote goes, nothing else
    tf.destroy_ok()
    assert set(objects(aws, ASSETS)) == FOREIGN[ASSETS]
    assert set(objects(aws, CACHE)) == FOREIGN[CACHE]
    assert table_rows(aws) == {("foreign", "row")}


def s3_and_table_writes(counter) -> list:
    """Every request counted by the proxy since its last reset that writes to S3 or DynamoDB."""
    writes = []
    for key in counter.snapshot():
        if key.startswith(("s3 PUT ", "s3 POST ", "s3 DELETE ")) or key.startswith("DynamoDB_20120810.") and key.endswith(
            ("BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem")
        ):
            writes.append(key)
    return writes


def test_what_the_server_writes_into_the_caches_is_not_drift(terraform, nextjs_builds, aws, aws_faults):
    """Issue 16 (ISR rollback): after the seed, the server function rewrites its build's cache entries (a
    revalidated page, a newer fetch result), deletes entries whose page went, and revalidation sets a tag row's
    revalidatedAt. None of that is drift: the plan stays empty, an apply that leaves the build unchanged (even one
    that repairs a deleted asset) writes none of it back, a new build seeds only its own build id's prefixes, and
    pruning still takes the old build's seeded entries and rows."""
    b1, b2, b3 = nextjs_builds.get("b1"), nextjs_builds.get("b2", 2), nextjs_builds.get("b3", 2)
    files1, files2 = build_files(b1), build_files(b2)
    distribution = make_site_infra(aws)
    tf = terraform(env={"AWS_ENDPOINT_URL": aws_faults.url})
    tf.write(CONFIG % {"region": REGION, "assets": ASSETS, "cache": CACHE, "table": TABLE, "distribution": distribution})
    use_build(tf, b1)
    tf.apply_ok()

    # -- the server at work, as OpenNext's S3 cache adapter and DynamoDB tag cache do it
    s3, ddb = aws.client("s3", REGION), aws.client("dynamodb", REGION)
    pages = sorted(k for (b, k) in files1 if b == CACHE and k.startswith("_cache/nextstack-b1/"))
    fetches = sorted(k for (b, k) in files1 if b == CACHE and k.startswith("_cache/__fetch/nextstack-b1/"))
    assert len(pages) >= 2 and fetches, "the build seeds ISR pages and the fetch cache"
    runtime = {
        pages[0]: b'{"type":"app","html":"<p>revalidated at run time</p>","rsc":"","meta":{"status":200}}',
        fetches[0]: b'{"kind":"FETCH","data":{"body":"newer","status":200},"revalidate":60}',
    }
    for key, body in runtime.items():
        s3.put_object(Bucket=CACHE, Key=key, Body=body)
    gone = pages[-1]
    s3.delete_object(Bucket=CACHE, Key=gone)
    tag, path = sorted(tag_rows(b1))[0]
    row_key = {"tag": {"S": tag}, "path": {"S": path}}
    ddb.update_item(
        TableName=TABLE, Key=row_key, UpdateExpression="SET revalidatedAt = :t", ExpressionAttributeValues={":t": {"N": "1900000000000"}}
    )

    def assert_runtime_kept(label):
        for key, body in runtime.items():
            got = s3.get_object(Bucket=CACHE, Key=key)["Body"].read()
            assert got == body, "%s: s3://%s/%s was rolled back to the build's seed" % (label, CACHE, key)
        assert gone not in objects(aws, CACHE), "%s: the entry the server deleted was put back" % label
        item = ddb.get_item(TableName=TABLE, Key=row_key)["Item"]
        assert item["revalidatedAt"] == {"N": "1900000000000"}, "%s: the tag row was rolled back: %s" % (label, item)

    # -- no drift: an empty plan, and an apply that writes nothing
    tf.assert_no_changes()
    aws_faults.reset()
    tf.apply_ok()
    assert s3_and_table_writes(aws_faults) == [], "a no-change apply wrote"
    assert_runtime_kept("a no-change apply")
    assert tf.outputs()["content_hash"].startswith("sha256:")

    # -- real drift beside it (an asset deleted by hand): found by refresh, and cleared by the next refresh when
    # the asset is back (no apply needed)
    assets1 = sorted(k for (b, k) in files1 if b == ASSETS)
    victim = [k for k in assets1 if k.startswith("_assets/_next/")][0]
    published_hash = tf.resource("nextstack_nextjs_site.site")["content_hash"]
    s3.delete_object(Bucket=ASSETS, Key=victim)
    tf.refresh_ok()
    drifted = "drifted: 1 of %d published assets" % len(assets1)
    assert tf.resource("nextstack_nextjs_site.site")["content_hash"].startswith(drifted)
    body = (b1 / "assets" / victim[len("_assets/") :]).read_bytes()
    s3.put_object(Bucket=ASSETS, Key=victim, Body=body, ContentType=files1[(ASSETS, victim)]["content_type"], CacheControl=IMMUTABLE)
    tf.refresh_ok()
    assert tf.resource("nextstack_nextjs_site.site")["content_hash"] == published_hash
    # ... and repaired by apply, which uploads that asset and the manifest, nothing else
    s3.delete_object(Bucket=ASSETS, Key=victim)
    plan = tf.plan_ok()
    assert drifted in plan.stdout, plan.stdout
    aws_faults.reset()
    tf.apply_ok()
    assert put_keys(aws_faults) == {(ASSETS, victim), (ASSETS, "_assets/.nextstack/builds/nextstack-b1.json")}
    assert [k for k in s3_and_table_writes(aws_faults) if not k.startswith("s3 PUT /%s/" % ASSETS)] == []
    assert_runtime_kept("the repair of an asset")
    tf.assert_no_changes()

    # -- a new build seeds its own prefixes only; b1 stays (skew protection) with what its server wrote
    use_build(tf, b2)
    aws_faults.reset()
    tf.apply_ok()
    seeded = {k for (b, k) in put_keys(aws_faults) if b == CACHE}
    assert seeded == {k for (b, k) in files2 if b == CACHE}, "b2 seeds exactly its own cache entries"
    assert all(k.startswith(("_cache/nextstack-b2/", "_cache/__fetch/nextstack-b2/")) for k in seeded), sorted(seeded)
    assert_runtime_kept("the second build")
    assert tag_rows(b2) <= table_rows(aws)
    tf.assert_no_changes()

    # -- b1 leaves the window: its seeded entries (the one its server rewrote too) and its rows go, as designed
    use_build(tf, b3)
    tf.apply_ok()
    left = [k for k in objects(aws, CACHE) if k.startswith(("_cache/nextstack-b1/", "_cache/__fetch/nextstack-b1/"))]
    assert left == [], left
    assert not (tag_rows(b1) & table_rows(aws))
    assert tf.outputs()["builds"] == ["nextstack-b3", "nextstack-b2"]


@pytest.mark.parametrize(
    "breakage, message",
    [
        ("missing", "does not exist"),
        ("no-output", "is neither an OpenNext build (no open-next.output.json)"),
        ("no-assets", "assets: missing"),
        ("unknown-version", "unknown OpenNext output version 9.1.0"),
        ("bad-json", "is not valid JSON"),
    ],
)
def test_a_bad_build_dir_is_refused_at_plan_naming_the_path(terraform, nextjs_builds, aws, tmp_path, breakage, message):
    from nextstack_lab import nextjs_builds as builds

    build = tmp_path / "broken" / ".open-next"
    if breakage != "missing":
        builds.copy_build(nextjs_builds.get("b1"), build)
    output = build / "open-next.output.json"
    if breakage == "no-output":
        output.unlink()
    elif breakage == "no-assets":
        import shutil

        shutil.rmtree(build / "assets")
    elif breakage == "unknown-version":
        output.write_text(json.dumps(dict(json.loads(output.read_text()), version="9.1.0")))
    elif breakage == "bad-json":
        output.write_text("{not json")
    make_site_infra(aws)
    tf = terraform()
    tf.write(CONFIG % {"region": REGION, "assets": ASSETS, "cache": CACHE, "table": TABLE, "distribution": "E123"})
    use_build(tf, build)
    result = tf.plan_fails(contains=message)
    assert str(build) in " ".join(result.stderr.split()) or str(build) in result.stderr.replace("\n", ""), result.stderr
    assert "build_dir" in result.stderr, "the error points at build_dir:\n" + result.stderr


def test_a_failed_first_publish_leaves_nothing_behind(terraform, nextjs_builds, aws):
    """The cache bucket does not exist: the hashed assets were already uploaded when the cache upload fails,
    and the create removes them again."""
    make_site_infra(aws)
    tf = terraform()
    tf.write(
        (CONFIG % {"region": REGION, "assets": ASSETS, "cache": "no-such-cache-bucket", "table": TABLE, "distribution": "E123"})
    )
    use_build(tf, nextjs_builds.get("b1"))
    tf.apply_fails(contains="no-such-cache-bucket")
    assert set(objects(aws, ASSETS)) == FOREIGN[ASSETS], "nothing of the failed publish stays"
    assert table_rows(aws) == {("foreign", "row")}
    assert tf.resources() == {}


# ------------------------------------------------------------------------------------ standalone Next.js builds
# A standalone build (`next build` with output: "standalone", no OpenNext) publishes .next/static at
# _next/static and public/ at its paths, at the bucket's root by default: the layout the six-stack edge stack
# routes (modules/edge: /_next/static/*, /_next/data/* and /images/* to the data stack's bucket through an S3
# origin without an origin path, so a request path is its key).
DATA = "site-data"
EDGE_ROUTES = ("/_next/static/", "/images/")

STANDALONE_CONFIG = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}

provider "nextstack" {
  region = "%(region)s"
}

variable "build_dir" {
  type = string
}

resource "nextstack_nextjs_site" "site" {
  build_dir       = var.build_dir
  assets_bucket   = "%(bucket)s"
  distribution_id = "%(distribution)s"
  %(extra)s
}

output "build_id" { value = nextstack_nextjs_site.site.build_id }
output "build_kind" { value = nextstack_nextjs_site.site.build_kind }
output "builds" { value = nextstack_nextjs_site.site.builds }
output "assets_prefix" { value = nextstack_nextjs_site.site.assets_prefix }
output "invalidation_id" { value = nextstack_nextjs_site.site.invalidation_id }
"""


def standalone_files(app: Path) -> dict:
    """{(bucket, key): ...} a standalone build must publish, from its directories: .next/static/** at
    _next/static/** (immutable), public/** at its path (revalidated)."""
    out = {}
    for src, prefix, cache_control in ((app / ".next" / "static", "_next/static/", IMMUTABLE), (app / "public", "", REVALIDATE)):
        for path in sorted(p for p in src.rglob("*") if p.is_file()):
            assert path.suffix in CONTENT_TYPES, "add %r to CONTENT_TYPES" % path.suffix
            out[(DATA, prefix + path.relative_to(src).as_posix())] = {
                "sha": hashlib.sha256(path.read_bytes()).hexdigest(),
                "cache_control": cache_control,
                "content_type": CONTENT_TYPES[path.suffix],
            }
    return out


def page_asset_paths(app: Path) -> set:
    """The /_next/static/ and /images/ URLs the build's prerendered pages load: what the edge must find."""
    import re

    urls = set()
    for html in (app / ".next" / "server" / "app").rglob("*.html"):
        for url in re.findall(r'(?:src|href)="(/(?:_next/static|images)/[^"?#]+)', html.read_text(errors="replace")):
            urls.add(urllib.parse.unquote(url))
    return urls


def make_data_bucket(aws) -> str:
    """The data stack's bucket (assets at its root) with a foreign object, and a distribution whose S3 origin
    has no origin path, as modules/edge makes it. Returns the distribution id."""
    s3 = aws.client("s3", REGION)
    s3.create_bucket(Bucket=DATA, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=DATA, Key="uploads/foreign.txt", Body=b"not ours")
    cf = aws.client("cloudfront", REGION)
    dist = cf.create_distribution(
        DistributionConfig={
            "CallerReference": "nextjs-site-standalone-test",
            "Comment": "test",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "assets",
                        "DomainName": "%s.s3.%s.amazonaws.com" % (DATA, REGION),
                        "OriginPath": "",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "assets",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )
    return dist["Distribution"]["Id"]


def standalone_build(name: str, variant: int = 1) -> Path:
    from nextstack_lab import harness
    from nextstack_lab import nextjs_builds as builds

    try:
        return builds.standalone_build(name, variant)
    except harness.HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)


def test_a_standalone_build_publishes_where_the_edge_routes_incrementally_and_skew_safe(terraform, aws, aws_faults):
    s1, s2 = standalone_build("s1"), standalone_build("s2", 2)
    assert not (s1 / "open-next.output.json").exists(), "a standalone build has no OpenNext output"
    assert any((s1 / ".next" / "standalone").rglob("server.js")), "built with output: standalone"
    files1, files2 = standalone_files(s1), standalone_files(s2)
    assert any("/about/" in k for (_, k) in set(files2) - set(files1)), "s2 must change the /about chunk"
    distribution = make_data_bucket(aws)
    tf = terraform(env={"AWS_ENDPOINT_URL": aws_faults.url})
    tf.write(STANDALONE_CONFIG % {"region": REGION, "bucket": DATA, "distribution": distribution, "extra": ""})

    # -- first publish: detected as standalone, at the bucket's root, every file with its headers
    use_build(tf, s1)
    plan = tf.plan_ok()
    assert '"standalone"' in plan.stdout and "nextstack-s1" in plan.stdout, plan.stdout
    aws_faults.reset()
    tf.apply_ok()
    out = tf.outputs()
    assert out["build_kind"] == "standalone" and out["assets_prefix"] == "" and out["build_id"] == "nextstack-s1"
    assert tf.resource("nextstack_nextjs_site.site")["cache_prefix"] is None
    assert_published(aws, files1, "s1")
    assert put_keys(aws_faults) >= set(files1)
    live = set(objects(aws, DATA))
    assert live == {k for (_, k) in files1} | {"uploads/foreign.txt", ".nextstack/builds/nextstack-s1.json"}
    # the paths the edge routes to the bucket are the keys: every asset a prerendered page loads is there
    wanted = page_asset_paths(s1)
    assert any(u.startswith("/_next/static/chunks/") for u in wanted), wanted
    assert all(u.startswith(EDGE_ROUTES) for u in wanted)
    assert {u[1:] for u in wanted} <= live, sorted({u[1:] for u in wanted} - live)
    # ... and public/images/logo.png is at /images/logo.png, the edge's /images/* behaviour
    assert "images/logo.png" in live and files1[(DATA, "images/logo.png")]["cache_control"] == REVALIDATE
    unhashed = {"/" + k for (_, k) in files1 if not k.startswith("_next/")}
    assert unhashed and invalidation_paths(aws, distribution, out["invalidation_id"]) == unhashed

    # -- nothing changed: an empty plan, and an apply that uploads nothing and invalidates nothing
    tf.assert_no_changes()
    invalidations = invalidation_ids(aws, distribution)
    aws_faults.reset()
    tf.apply_ok()
    assert put_keys(aws_faults) == set(), "a no-change apply uploaded"
    assert invalidation_ids(aws, distribution) == invalidations

    # -- a second build: only what changed is uploaded, s1's files stay for visitors still running it, and the
    #    new build id going live invalidates /*
    use_build(tf, s2)
    plan = tf.plan_ok()
    assert "update in-place" in plan.stdout and "nextstack-s2" in plan.stdout, plan.stdout
    aws_faults.reset()
    tf.apply_ok()
    changed = {k for k in files2 if files1.get(k, {}).get("sha") != files2[k]["sha"]}
    uploaded = {k for k in put_keys(aws_faults) if not k[1].startswith(".nextstack/")}
    assert uploaded == changed, "uploaded %s, changed %s" % (sorted(uploaded - changed), sorted(changed - uploaded))
    assert len(uploaded) < len(files2)
    assert_published(aws, files2, "s2")
    out = tf.outputs()
    assert out["builds"] == ["nextstack-s2", "nextstack-s1"]
    assert invalidation_paths(aws, distribution, out["invalidation_id"]) == {"/*"}
    own1 = set(files1) - set(files2)
    assert own1 and {k for (_, k) in own1} <= set(objects(aws, DATA)), "s1's own static files must still be served"
    assert {u[1:] for u in page_asset_paths(s1)} <= set(objects(aws, DATA)), "s1's open pages still load their assets"
    tf.assert_no_changes()

    # -- import by bucket and the root's empty prefix reproduces the state (Terraform >= 1.12: by identity, in an
    # import block; the id form is tested above on both versions)
    before = tf.resource("nextstack_nextjs_site.site")
    tf.check(tf.run("state", "rm", "nextstack_nextjs_site.site"))
    if tf.legacy:
        tf.check(tf.import_("nextstack_nextjs_site.site", "%s/" % DATA))
    else:
        identity = {"assets_bucket": DATA, "assets_prefix": "", "region": REGION, "role_arn": None}
        tf.write(
            'import {\n  to       = nextstack_nextjs_site.site\n  identity = { assets_bucket = "%s", assets_prefix = "" }\n}\n' % DATA,
            name="import.tf",
        )
        tf.apply_ok()
        (tf.workdir / "import.tf").unlink()
        shown = json.loads(tf.check(tf.show_json()).stdout)["values"]["root_module"]["resources"]
        assert [r.get("identity") for r in shown if r["address"] == "nextstack_nextjs_site.site"] == [identity], shown
    after = tf.resource("nextstack_nextjs_site.site")
    for attr in ("build_id", "build_kind", "builds", "content_hash", "assets_prefix", "cache_prefix", "distribution_id"):
        assert after[attr] == before[attr], attr
    tf.check(tf.plan("-out=after-import.plan"))
    changes = json.loads(tf.check(tf.show_json("after-import.plan")).stdout)["resource_changes"]
    assert [c["change"]["actions"] for c in changes] == [["no-op"]], changes

    # -- destroy: everything it wrote goes, the foreign object stays
    tf.destroy_ok()
    assert set(objects(aws, DATA)) == {"uploads/foreign.txt"}


@pytest.mark.parametrize(
    "case, extra, messages",
    [
        ("neither", "", ["build_dir", "is neither an OpenNext build (no open-next.output.json) nor a standalone"]),
        ("not-standalone", "", ["build_dir", "without .next/standalone", 'output: "standalone"']),
        ("dot-next", "", ["build_dir", "is a .next directory: point build_dir at the app directory"]),
        ("standalone", 'build_kind = "opennext"', ["build_dir", "open-next.output.json: not found", 'build_kind = "opennext"']),
        ("standalone", 'revalidation_table = "tags"', ["revalidation_table", "standalone Next.js build", "remove revalidation_table"]),
        ("standalone", 'build_kind = "static"', ["build_kind", '"opennext" or "standalone"']),
    ],
)
def test_a_dir_that_is_not_the_build_kind_is_refused_naming_the_attribute(terraform, aws, tmp_path, case, extra, messages):
    import shutil

    s1 = standalone_build("s1")
    app = tmp_path / "app"
    if case == "neither":
        (app / "src").mkdir(parents=True)
        (app / "src" / "page.js").write_text("export default () => null\n")
    else:
        # The build's files without its server (not needed to tell the kinds apart, and large).
        shutil.copytree(s1 / ".next", app / ".next", ignore=shutil.ignore_patterns("standalone"))
        shutil.copytree(s1 / "public", app / "public")
        if case != "not-standalone":
            (app / ".next" / "standalone").mkdir()
    build_dir = app / ".next" if case == "dot-next" else app
    make_data_bucket(aws)
    tf = terraform()
    tf.write(STANDALONE_CONFIG % {"region": REGION, "bucket": DATA, "distribution": "E123", "extra": extra})
    use_build(tf, build_dir)
    result = tf.plan_fails(contains=messages[1])
    flat = " ".join(result.stderr.replace("│", " ").split())
    for m in messages:
        assert m in flat, "%r not in:\n%s" % (m, result.stderr)
    if messages[0] == "build_dir":
        assert str(build_dir) in flat, "the error names the directory:\n" + result.stderr
    assert set(objects(aws, DATA)) == {"uploads/foreign.txt"}, "nothing is published"
