"""nextstack-edge end to end: the real binary (its CLI, its stdout and stderr) serving small distributions made directly
with boto3 against the patched moto server (tests/e2e/edge_fixtures.py), one moto reset per test.

Each test names the AWS documentation its behaviour comes from (CloudFront Developer Guide unless said otherwise).
Origins are loopback echo servers (custom origins), an S3 bucket through origin access control, and Node.js functions
behind AWS_IAM function URLs; the edge polls invalidations every second.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import time
import urllib.error
import urllib.request

import boto3
import pytest

from nextstack_lab import harness
from nextstack_lab.edge import request as edge_request
from nextstack_lab.edge_fixtures import (ALL_METHODS, ALL_VIEWER, ALL_VIEWER_EXCEPT_HOST, CACHING_DISABLED,
                                         CACHING_OPTIMIZED, GET_HEAD, REGION, USE_ORIGIN_CACHE_CONTROL,
                                         USE_ORIGIN_CACHE_CONTROL_QS, EchoOrigin, allow_distribution, behavior,
                                         cloudfront_function, create_distribution, custom_origin, edge_function,
                                         edge_server, function_url_origin, node_function, origin_access_control,
                                         run_edge, s3_origin, zip_of)

CLOUDFRONT_ERROR_TITLE = b"ERROR: The request could not be satisfied"


@pytest.fixture
def cf(aws):
    return aws.client("cloudfront", "us-east-1")


def call(edge, path: str, method: str = "GET", headers=(), body: bytes | None = None):
    """One request to the edge with exactly these headers (pairs; a name may repeat): (status, headers, body)."""
    status, _, response_headers, response_body = edge_request(edge.url, path, method, headers, body)
    return status, response_headers, response_body


def echoed(edge, path: str, **kwargs) -> dict:
    """What the echo origin saw for this request (the request must reach it and succeed)."""
    status, headers, body = call(edge, path, **kwargs)
    assert status == 200, (path, status, headers.items(), body[:500])
    return json.loads(body)


def x_cache(headers) -> str:
    return headers["X-Cache"]


# --------------------------------------------------------------------------------------------- routing


def test_path_patterns_first_match_wins_case_sensitive(aws, cf, edge_binary):
    """"Cache behavior settings > Path pattern": behaviours are evaluated in their order and the first match wins,
    the default (*) takes the rest; `*` matches any run of characters (slashes included), `?` exactly one; a leading
    `/` is optional; patterns are case sensitive and match the path without its query string."""
    names = ["images", "jpg", "api", "versioned", "case", "default"]
    origins = {name: EchoOrigin(name).start() for name in names}
    try:
        dist = create_distribution(
            cf, [custom_origin(n, o.port) for n, o in origins.items()], behavior("default"),
            [behavior("images", "images/*"), behavior("jpg", "*.jpg"), behavior("api", "/api/*"),
             behavior("versioned", "/v?/*"), behavior("case", "/CaseSensitive/*")])
        expected = {
            "/images/a.jpg": "images",  # *.jpg matches too, but images/* comes first
            "/images/deep/down/b.png": "images",
            "/photos/a.jpg": "jpg",
            "/api/x.jpg": "jpg",  # *.jpg is listed before /api/*
            "/api/users": "api",
            "/api/users?file=a.jpg": "api",  # the query string is not matched
            "/v1/list": "versioned",
            "/v12/list": "default",  # ? is exactly one character
            "/v/list": "default",
            "/CaseSensitive/a": "case",
            "/casesensitive/a": "default",
            "/a.JPG": "default",
            "/images": "default",  # images/* needs the slash
            "/": "default",
        }
        with edge_server(edge_binary, aws, dist) as edge:
            got = {path: echoed(edge, path)["origin"] for path in expected}
            assert got == expected
            # The origin gets the path as requested, and only the query string the policy forwards (none here).
            seen = echoed(edge, "/api/users?file=a.jpg")
            assert (seen["path"], seen["query"]) == ("/api/users", "")
    finally:
        for o in origins.values():
            o.stop()


# --------------------------------------------------------------------------------------------- origin requests


VIEWER_HEADERS = [
    ("Host", "www.example.test"),
    ("User-Agent", "test-agent/1.0"),
    ("X-Forwarded-For", "203.0.113.9"),
    ("Cookie", "a=1; b=2"),
    ("Accept-Language", "fr"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Origin", "https://www.example.test"),
    ("X-Custom", "v"),
    ("X-Viewer-Header", "from-viewer"),
]


def test_what_reaches_the_origin_per_policy(aws, cf, edge_binary):
    """"Request and response behavior for custom origins", "Understand cache policies" / "Understand origin request
    policies" and the managed policies' contents: only what the cache policy (cache key) and the origin request policy
    name reaches the origin; Host is the origin's domain unless forwarded; User-Agent is `Amazon CloudFront` unless
    forwarded; the viewer's address is appended to X-Forwarded-For; Via and X-Amz-Cf-Id are added; Accept-Encoding
    is normalised when the cache policy enables compression; origin custom headers override a viewer header of the
    same name ("Add custom headers to origin requests"); the origin path is prepended; `/` is the default root
    object ("Specify a default root object"). Cookies: a behaviour that forwards no cookies removes Set-Cookie from
    the origin's responses ("Cache content based on cookies")."""
    with EchoOrigin("echo") as echo:
        origins = [custom_origin("plain", echo.port),
                   custom_origin("prefixed", echo.port, path="/base",
                                 headers={"X-Origin-Secret": "s3cr3t", "X-Viewer-Header": "from-origin-config"})]
        dist = create_distribution(cf, origins, behavior("plain", cache=CACHING_OPTIMIZED), [
            behavior("plain", "/optimized/*", cache=CACHING_OPTIMIZED),
            behavior("plain", "/disabled/*", cache=CACHING_DISABLED),
            behavior("plain", "/allviewer/*", cache=CACHING_DISABLED, origin_request=ALL_VIEWER),
            behavior("prefixed", "/except-host/*", cache=CACHING_DISABLED, origin_request=ALL_VIEWER_EXCEPT_HOST),
            behavior("plain", "/origin-cc/*", cache=USE_ORIGIN_CACHE_CONTROL),
            behavior("plain", "/origin-cc-qs/*", cache=USE_ORIGIN_CACHE_CONTROL_QS),
        ], root_object="index.html")
        with edge_server(edge_binary, aws, dist) as edge:
            def seen(path):
                return echoed(edge, path, headers=VIEWER_HEADERS)

            def xff(h):
                return [part.strip() for part in h["x-forwarded-for"].split(",")]

            # CachingOptimized, no origin request policy: nothing of the viewer's but the path.
            got = seen("/optimized/a?q=1&r=2")
            h = got["headers"]
            assert (got["path"], got["query"]) == ("/optimized/a", "")
            assert h["host"] == "127.0.0.1"
            assert h["user-agent"] == "Amazon CloudFront"
            assert xff(h) == ["203.0.113.9", "127.0.0.1"]
            assert re.fullmatch(r"2\.0 \S+\.cloudfront\.net \(CloudFront\)", h["via"]), h["via"]
            assert h.get("x-amz-cf-id")
            assert sorted(t.strip() for t in h["accept-encoding"].split(",")) == ["br", "gzip"]
            for absent in ("cookie", "accept-language", "origin", "x-custom", "x-viewer-header"):
                assert absent not in h, (absent, h)

            # CachingDisabled: no compression, so no Accept-Encoding either.
            h = seen("/disabled/a?q=1")["headers"]
            assert "accept-encoding" not in h and "cookie" not in h and h["user-agent"] == "Amazon CloudFront"

            # AllViewer: every viewer header (Host included), every cookie and query string.
            got = seen("/allviewer/a?q=1&r=2")
            h = got["headers"]
            assert got["query"] == "q=1&r=2"
            assert h["host"] == "www.example.test"
            assert h["user-agent"] == "test-agent/1.0"
            assert h["cookie"] == "a=1; b=2"
            assert (h["accept-language"], h["origin"], h["x-custom"]) == ("fr", "https://www.example.test", "v")
            assert xff(h) == ["203.0.113.9", "127.0.0.1"]

            # AllViewerExceptHostHeader on an origin with a path and custom headers.
            got = seen("/except-host/a?q=1")
            h = got["headers"]
            assert (got["path"], got["query"]) == ("/base/except-host/a", "q=1")
            assert h["host"] == "127.0.0.1"
            assert h["user-agent"] == "test-agent/1.0" and h["cookie"] == "a=1; b=2"
            assert h["x-origin-secret"] == "s3cr3t"
            assert h["x-viewer-header"] == "from-origin-config"

            # UseOriginCacheControlHeaders: Host and Origin in the key (so forwarded), all cookies, no query string.
            got = seen("/origin-cc/a?q=1")
            h = got["headers"]
            assert got["query"] == ""
            assert (h["host"], h["origin"], h["cookie"]) == ("www.example.test", "https://www.example.test", "a=1; b=2")
            assert h["user-agent"] == "Amazon CloudFront" and "x-custom" not in h
            # ... -QueryStrings: the same with every query string.
            assert seen("/origin-cc-qs/a?q=1&r=2")["query"] == "q=1&r=2"

            # The default root object answers "/" (and only "/").
            assert seen("/")["path"] == "/index.html"
            assert seen("/optimized/")["path"] == "/optimized/"

            # Set-Cookie from the origin: removed where no cookie is forwarded, kept where cookies are.
            status, headers, _ = call(edge, "/optimized/setcookie=sid=abc/x")
            assert status == 200 and headers.get_all("Set-Cookie") is None, headers.items()
            status, headers, _ = call(edge, "/allviewer/setcookie=sid=abc/x")
            assert headers.get_all("Set-Cookie") == ["sid=abc"], headers.items()


def test_a_method_the_behaviour_does_not_allow_is_403(aws, cf, edge_binary):
    """"Allowed HTTP methods": a request with a method the behaviour does not allow is answered 403 by CloudFront
    (its own error page), and never reaches the origin; a behaviour allowing all seven methods forwards the body."""
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior("echo", methods=GET_HEAD), [
            behavior("echo", "/rw/*", methods=ALL_METHODS, origin_request=ALL_VIEWER),
            behavior("echo", "/opt/*", methods=("GET", "HEAD", "OPTIONS")),
        ])
        with edge_server(edge_binary, aws, dist) as edge:
            for method, path in (("POST", "/form"), ("PUT", "/form"), ("DELETE", "/form"), ("OPTIONS", "/form"),
                                 ("POST", "/opt/form")):
                status, headers, body = call(edge, path, method=method, body=b"a=1" if method != "OPTIONS" else None,
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
                assert status == 403, (method, path, status)
                assert CLOUDFRONT_ERROR_TITLE in body and b"configured to allow the HTTP request method" in body
                assert headers["Server"] == "CloudFront" and x_cache(headers) == "Error from cloudfront"
            assert echo.requests == []

            seen = echoed(edge, "/rw/form", method="POST", body=b"a=1&b=2",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert (seen["method"], seen["body"]) == ("POST", "a=1&b=2")
            assert seen["headers"]["content-type"] == "application/x-www-form-urlencoded"
            assert echoed(edge, "/opt/x", method="OPTIONS")["method"] == "OPTIONS"


# --------------------------------------------------------------------------------------------- caching


def short_ttl_policy(cf) -> str:
    """A cache policy with maximum TTL 2 s (and minimum and default 0): what the origin asks for is clamped to it."""
    return cf.create_cache_policy(CachePolicyConfig={
        "Name": "max-ttl-2", "Comment": "", "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 2,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": False, "EnableAcceptEncodingBrotli": False,
            "HeadersConfig": {"HeaderBehavior": "none"}, "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "none"}}})["CachePolicy"]["Id"]


def caching_distribution(cf, echo, errors=()):
    return create_distribution(cf, [custom_origin("echo", echo.port)], behavior("echo", cache=CACHING_OPTIMIZED), [
        behavior("echo", "/origin/*", cache=USE_ORIGIN_CACHE_CONTROL),
        behavior("echo", "/short/*", cache=short_ttl_policy(cf)),
    ], errors=errors)


def wait_until(deadline: float) -> None:
    time.sleep(max(0.0, deadline - time.monotonic()))


def test_cache_miss_then_hit_and_ttls(aws, cf, edge_binary):
    """"Manage how long content stays in the cache (expiration)": a cached object is a Miss, then a Hit with an Age;
    without Cache-Control it stays for the default TTL (CachingOptimized: one day); `s-maxage` wins over `max-age`;
    the origin's value is clamped to the policy's minimum (CachingOptimized: 1 s, so `max-age=0` is still cached)
    and maximum TTL; `no-store` (or no-cache, private) is not cached when the minimum TTL is 0, and cached for the
    minimum TTL when it is not."""
    with EchoOrigin("echo") as echo:
        dist = caching_distribution(cf, echo)
        with edge_server(edge_binary, aws, dist) as edge:
            stored = {}  # path -> when its first response was complete (it was cached by then)

            def twice(path):
                first = call(edge, path)
                stored[path] = time.monotonic()
                second = call(edge, path)
                return x_cache(first[1]), x_cache(second[1]), echo.count(path)

            assert twice("/plain") == ("Miss from cloudfront", "Hit from cloudfront", 1)
            assert twice("/origin/cc=s-maxage=2,max-age=600/a") == ("Miss from cloudfront", "Hit from cloudfront", 1)
            assert twice("/short/cc=max-age=600/a") == ("Miss from cloudfront", "Hit from cloudfront", 1)
            assert twice("/cc=max-age=0/a") == ("Miss from cloudfront", "Hit from cloudfront", 1)
            assert twice("/cc=no-store/a") == ("Miss from cloudfront", "Hit from cloudfront", 1)
            assert twice("/origin/cc=no-store/a") == ("Miss from cloudfront", "Miss from cloudfront", 2)
            assert twice("/origin/plain") == ("Miss from cloudfront", "Miss from cloudfront", 2)  # default TTL 0

            # A Hit says how long it has been cached.
            wait_until(stored["/plain"] + 1.1)
            status, headers, body = call(edge, "/plain")
            assert (status, x_cache(headers)) == (200, "Hit from cloudfront")
            assert int(headers["Age"]) >= 1
            assert json.loads(body)["path"] == "/plain"

            # Past 2 s: s-maxage=2 and the 2 s maximum TTL have run out, the one-day default has not.
            wait_until(max(stored.values()) + 2.3)
            assert x_cache(call(edge, "/origin/cc=s-maxage=2,max-age=600/a")[1]) == "Miss from cloudfront"
            assert x_cache(call(edge, "/short/cc=max-age=600/a")[1]) == "Miss from cloudfront"
            assert x_cache(call(edge, "/plain")[1]) == "Hit from cloudfront"
            assert echo.count("/plain") == 1


def test_error_responses_are_cached_for_the_error_caching_minimum_ttl(aws, cf, edge_binary):
    """"How CloudFront processes HTTP 4xx and 5xx status codes from your origin" and "Control how long CloudFront
    caches errors": a 404 (or 5xx) is cached for the error caching minimum TTL, 10 s unless a custom error response
    sets another (here 2 s for 503), or for the origin's max-age when that is greater; other Cache-Control directives
    (no-store) do not change it; a 403 is cached only when the origin sends max-age."""
    with EchoOrigin("echo") as echo:
        dist = caching_distribution(cf, echo, errors=[{"ErrorCode": 503, "ErrorCachingMinTTL": 2}])
        with edge_server(edge_binary, aws, dist) as edge:
            paths = ["/origin/status=404/a", "/origin/status=404/cc=max-age=1/a", "/origin/status=404/cc=no-store/a",
                     "/origin/status=503/a", "/origin/status=403/a", "/origin/status=403/cc=max-age=30/a"]
            start = time.monotonic()
            for path in paths:
                for _ in range(2):
                    status, headers, _ = call(edge, path)
                    assert status == int(path.split("status=")[1][:3]), (path, status)
            primed = time.monotonic()  # every error response cached by now
            counts = lambda: {p: echo.count(p) for p in paths}  # noqa: E731
            assert counts() == dict(zip(paths, [1, 1, 1, 1, 2, 1]))

            # The 503's 2 s are over; max-age=1 was raised to the 10 s minimum.
            wait_until(primed + 2.3)
            assert time.monotonic() < start + 9, "too slow to tell 2 s from 10 s"
            for path in paths:
                call(edge, path)
            assert counts() == dict(zip(paths, [1, 1, 1, 2, 3, 1]))

            wait_until(primed + 10.3)  # the 10 s are over (max-age=30 is not)
            for path in paths:
                call(edge, path)
            assert counts() == dict(zip(paths, [2, 2, 2, 3, 4, 1]))


def test_an_invalidation_purges_the_cached_object(aws, cf, edge_binary):
    """"Invalidate files to remove content": an invalidation created through the API (CreateInvalidation) removes the
    objects its paths name from the cache, so the next request is a Miss; a path ending in * removes every object
    whose path starts with the rest; objects it does not name stay."""
    with EchoOrigin("echo") as echo:
        dist = caching_distribution(cf, echo)
        with edge_server(edge_binary, aws, dist) as edge:
            paths = ["/page", "/blog/a", "/blog/b", "/kept"]
            for path in paths:
                call(edge, path)
                assert x_cache(call(edge, path)[1]) == "Hit from cloudfront"
            cf.create_invalidation(DistributionId=dist.id, InvalidationBatch={
                "CallerReference": "purge-1", "Paths": {"Quantity": 2, "Items": ["/page", "/blog/*"]}})
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and x_cache(call(edge, "/page")[1]) != "Miss from cloudfront":
                time.sleep(0.2)
            assert {p: x_cache(call(edge, p)[1]) for p in paths[1:]} == {
                "/blog/a": "Miss from cloudfront", "/blog/b": "Miss from cloudfront", "/kept": "Hit from cloudfront"}
            assert {p: echo.count(p) for p in paths} == {"/page": 2, "/blog/a": 2, "/blog/b": 2, "/kept": 1}
            assert re.search(r"invalidation \S+: 2 path\(s\), 3 cached object\(s\) removed", edge.stderr())


# --------------------------------------------------------------------------------------------- S3 through OAC


def bucket_policy(bucket: str, distribution_arn: str, list_bucket: bool = False) -> str:
    """The bucket policy AWS documents for origin access control ("Restrict access to an Amazon S3 origin"): the
    service principal cloudfront.amazonaws.com may s3:GetObject when AWS:SourceArn is the distribution; optionally
    s3:ListBucket too."""
    grant = lambda action, resource: {  # noqa: E731
        "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": action,
        "Resource": resource, "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}}}
    statements = [grant("s3:GetObject", "arn:aws:s3:::%s/*" % bucket)]
    if list_bucket:
        statements.append(grant("s3:ListBucket", "arn:aws:s3:::%s" % bucket))
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def test_s3_through_origin_access_control(aws, cf, edge_binary):
    """"Restrict access to an Amazon S3 origin": with origin access control, S3 serves CloudFront only what the
    bucket policy grants cloudfront.amazonaws.com with AWS:SourceArn = this distribution (a grant naming another
    distribution is 403 AccessDenied); objects keep their stored Content-Type and Cache-Control. Amazon S3 API
    Reference, GetObject: a missing key is 404 NoSuchKey for a caller with s3:ListBucket and 403 AccessDenied for
    one without."""
    s3 = aws.client("s3", REGION)
    bucket = "edge-assets"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for key in ("site.css", "other.css"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"body { color: red }", ContentType="text/css",
                      CacheControl="public, max-age=31536000, immutable")
    s3.put_object(Bucket=bucket, Key="dir/page.html", Body=b"<h1>hi</h1>", ContentType="text/html")
    oac = origin_access_control(cf, "assets", "s3")
    dist = create_distribution(cf, [s3_origin("assets", bucket, oac)], behavior("assets", cache=CACHING_OPTIMIZED))
    other = dist.arn.rsplit("/", 1)[0] + "/EOTHERDISTRIBUTION"

    def policy(arn, list_bucket=False):
        s3.put_bucket_policy(Bucket=bucket, Policy=bucket_policy(bucket, arn, list_bucket))
        time.sleep(1.2)  # the edge re-reads a bucket policy at most once a second

    s3.put_bucket_policy(Bucket=bucket, Policy=bucket_policy(bucket, dist.arn))
    with edge_server(edge_binary, aws, dist) as edge:
        status, headers, body = call(edge, "/site.css")
        assert (status, body) == (200, b"body { color: red }")
        assert headers["Content-Type"] == "text/css"
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["ETag"] and x_cache(headers) == "Miss from cloudfront"
        assert x_cache(call(edge, "/site.css")[1]) == "Hit from cloudfront"
        status, headers, body = call(edge, "/dir/page.html")
        assert (status, headers["Content-Type"], body) == (200, "text/html", b"<h1>hi</h1>")

        policy(other)  # a grant for another distribution
        status, headers, body = call(edge, "/other.css")
        assert status == 403 and b"<Code>AccessDenied</Code>" in body, (status, body)

        policy(dist.arn)  # GetObject only: a missing key looks like a forbidden one
        status, _, body = call(edge, "/missing-1.css")
        assert status == 403 and b"<Code>AccessDenied</Code>" in body, (status, body)

        policy(dist.arn, list_bucket=True)  # with ListBucket it is 404
        status, _, body = call(edge, "/missing-2.css")
        assert status == 404 and b"<Code>NoSuchKey</Code>" in body, (status, body)
        assert call(edge, "/other.css")[0] == 200


# --------------------------------------------------------------------------------------------- Lambda function URLs


APP = """
export const handler = async (event) => {
  console.log("app ran " + event.rawPath);
  switch (event.rawPath) {
    case "/shape":
      return {statusCode: 201, headers: {"content-type": "application/octet-stream", "x-shape": "yes"},
              cookies: ["a=1; Path=/", "b=2; HttpOnly"],
              body: Buffer.from([0, 1, 2, 255]).toString("base64"), isBase64Encoded: true};
    case "/bare":
      return {ok: true, items: [1, 2]};
    case "/throw":
      throw new Error("deliberate failure");
    default:
      return {statusCode: 200, headers: {"content-type": "application/json"}, body: JSON.stringify(event)};
  }
};
"""

STREAM = """
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 202, headers: {"content-type": "text/plain", "x-streamed": "yes"}, cookies: ["s=1; Path=/"]});
  stream.write("first\\n");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  stream.write("second\\n");
  stream.end();
});
"""

NOT_RUN = """
export const handler = async (event) => {
  console.log("%s ran");
  return {statusCode: 200, body: "ran"};
};
"""


@pytest.fixture
def lambda_site(aws, cf, edge_binary):
    """A distribution whose behaviours go to four function URLs (AWS_IAM, each behind an origin access control of
    type lambda, CachingDisabled + AllViewerExceptHostHeader as the serverless layouts use): app (buffered),
    stream (RESPONSE_STREAM), noperm (no permission for CloudFront), throttled (reserved concurrency 0)."""
    urls = {
        "app": node_function(aws, "app", APP),
        "stream": node_function(aws, "stream", STREAM, invoke_mode="RESPONSE_STREAM"),
        "noperm": node_function(aws, "noperm", NOT_RUN % "noperm"),
        "throttled": node_function(aws, "throttled", NOT_RUN % "throttled"),
    }
    aws.client("lambda", REGION).put_function_concurrency(FunctionName="throttled", ReservedConcurrentExecutions=0)
    oac = origin_access_control(cf, "functions", "lambda")
    origins = [function_url_origin(name, url, oac) for name, url in urls.items()]

    def to(name, pattern=None):
        return behavior(name, pattern, cache=CACHING_DISABLED, origin_request=ALL_VIEWER_EXCEPT_HOST,
                        methods=ALL_METHODS)

    dist = create_distribution(cf, origins, to("app"), [to("stream", "/stream*"), to("noperm", "/noperm*"),
                                                        to("throttled", "/throttled*")])
    for name in ("app", "stream", "throttled"):  # known only now: the distribution's ARN
        allow_distribution(aws, name, dist.arn)
    with edge_server(edge_binary, aws, dist) as edge:
        edge.function_domains = {name: url.split("//")[1].rstrip("/") for name, url in urls.items()}
        yield edge


def test_function_url_event_is_payload_format_2(lambda_site):
    """Lambda Developer Guide, "Invoking Lambda function URLs" (request payload format 2.0): rawPath and
    rawQueryString as sent, queryStringParameters decoded with repeated keys joined by commas, header names in lower
    case with repeated headers joined by commas, cookies apart from the headers, requestContext.http; Host is the
    function URL's domain (AllViewerExceptHostHeader) and the function sees the viewer's User-Agent and CloudFront's
    X-Forwarded-For."""
    edge = lambda_site
    event = echoed(edge, "/echo/path?x=1&y=a%20b&x=2", headers=[
        ("User-Agent", "test-agent/1.0"), ("Cookie", "c1=v1; c2=v2"), ("X-Multi", "a"), ("X-Multi", "b"),
        ("Accept", "application/json")])
    domain = edge.function_domains["app"]
    assert (event["version"], event["routeKey"]) == ("2.0", "$default")
    assert (event["rawPath"], event["rawQueryString"]) == ("/echo/path", "x=1&y=a%20b&x=2")
    assert event["queryStringParameters"] == {"x": "1,2", "y": "a b"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    headers = event["headers"]
    assert all(name == name.lower() for name in headers) and "cookie" not in headers
    assert headers["x-multi"] == "a,b"
    assert headers["host"] == domain
    assert headers["user-agent"] == "test-agent/1.0"
    assert "127.0.0.1" in headers["x-forwarded-for"]
    assert event["isBase64Encoded"] is False and "body" not in event
    http_ = event["requestContext"]["http"]
    assert (http_["method"], http_["path"], http_["userAgent"]) == ("GET", "/echo/path", "test-agent/1.0")
    assert event["requestContext"]["domainName"] == domain


def test_function_url_response_mapping(lambda_site):
    """"Invoking Lambda function URLs" (response payload format): statusCode, headers, cookies (each a Set-Cookie),
    a base64 body with isBase64Encoded; any other JSON value is a 200 application/json body of that JSON. A function
    that throws is a failed origin request: CloudFront's 502 error page, and the edge names the function on stderr."""
    edge = lambda_site
    status, headers, body = call(edge, "/shape")
    assert status == 201
    assert (headers["Content-Type"], headers["X-Shape"]) == ("application/octet-stream", "yes")
    assert headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    assert body == bytes([0, 1, 2, 255])

    status, headers, body = call(edge, "/bare")
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert json.loads(body) == {"ok": True, "items": [1, 2]}

    status, headers, body = call(edge, "/throw")
    assert status == 502 and CLOUDFRONT_ERROR_TITLE in body, (status, body)
    assert x_cache(headers) == "Error from cloudfront"
    deadline = time.monotonic() + 5
    while "function app failed" not in edge.stderr() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert re.search(r"function app failed: .*deliberate failure", edge.stderr())


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def test_function_url_origin_access_control_rules(lambda_site):
    """CloudFront Developer Guide, "Restrict access to an AWS Lambda function URL origin": with OAC, a PUT or POST
    body must come with its SHA-256 in x-amz-content-sha256 (Lambda does not support unsigned payloads: 403 without
    it or with a wrong one); the function must grant cloudfront.amazonaws.com lambda:InvokeFunctionUrl for this
    distribution, else 403 and it does not run. "Invoking Lambda function URLs": a binary body reaches the function
    base64-encoded with isBase64Encoded, a text body as it is."""
    edge = lambda_site
    binary = b"\x00\x01binary\xff"
    octets = ("Content-Type", "application/octet-stream")
    status, headers, body = call(edge, "/echo", method="POST", body=binary, headers=[octets])
    assert status == 403, (status, body)
    assert call(edge, "/echo", method="POST", body=binary,
                headers=[octets, ("x-amz-content-sha256", sha256(b"other"))])[0] == 403

    event = echoed(edge, "/echo", method="POST", body=binary, headers=[octets, ("x-amz-content-sha256", sha256(binary))])
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == binary
    assert event["requestContext"]["http"]["method"] == "POST"
    text = b'{"hello": "world"}'
    event = echoed(edge, "/echo", method="PUT", body=text, headers=[
        ("Content-Type", "application/json"), ("x-amz-content-sha256", sha256(text))])
    assert (event["isBase64Encoded"], event["body"]) == (False, text.decode())

    status, headers, body = call(edge, "/noperm")
    assert status == 403 and b"Forbidden" in body, (status, body)
    assert "noperm ran" not in edge.stderr()


def test_function_url_response_streaming(lambda_site):
    """Lambda Developer Guide, "Response streaming" (RESPONSE_STREAM function URLs, awslambda.streamifyResponse and
    HttpResponseStream.from): status, headers and cookies come from the prelude, and the body reaches the viewer as
    the function writes it, the first chunk long before the function ends."""
    edge = lambda_site
    host, port = edge.url.split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        started = time.monotonic()
        conn.request("GET", "/stream")
        response = conn.getresponse()
        headers_at = time.monotonic() - started
        first = response.read1()
        first_at = time.monotonic() - started
        rest = response.read()
        end_at = time.monotonic() - started
    finally:
        conn.close()
    print("streamed: headers %.3f s, first chunk %.3f s, end %.3f s" % (headers_at, first_at, end_at))
    assert response.status == 202
    assert (response.headers["Content-Type"], response.headers["X-Streamed"]) == ("text/plain", "yes")
    assert response.headers.get_all("Set-Cookie") == ["s=1; Path=/"]
    assert response.headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in response.headers
    assert first == b"first\n" and rest == b"second\n"
    # The function waits 1.5 s between its two writes: a streamed first chunk arrives that much before the end.
    assert end_at - first_at > 0.75, (first_at, end_at)


def test_function_with_reserved_concurrency_zero_is_throttled(lambda_site):
    """Lambda Developer Guide, "Configuring reserved concurrency": reserved concurrency 0 throttles every invocation,
    the function never runs; CloudFront answers 502 (the origin could not answer)."""
    edge = lambda_site
    status, headers, body = call(edge, "/throttled")
    assert status == 502 and CLOUDFRONT_ERROR_TITLE in body, (status, body)
    deadline = time.monotonic() + 5
    while "function throttled not invoked" not in edge.stderr() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "function throttled not invoked: function throttled is throttled" in edge.stderr()
    assert "throttled ran" not in edge.stderr()


# --------------------------------------------------------------------------------------------- CloudFront Functions


REWRITE = """
function handler(event) {
  var request = event.request;
  request.uri = '/rewritten' + request.uri;
  request.headers['x-added'] = {value: 'by-function'};
  request.querystring['from'] = {value: 'function'};
  return request;
}
"""

REDIRECT = """
function handler(event) {
  return {
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: {location: {value: 'https://www.example.test' + event.request.uri}, 'cache-control': {value: 'max-age=60'}},
    cookies: {moved: {value: 'yes', attributes: 'Path=/'}},
  };
}
"""

THROWS = """
function handler(event) {
  throw new Error('function says no');
}
"""


def test_cloudfront_functions_on_viewer_request(aws, cf, edge_binary):
    """"Introduction to CloudFront Functions" / "CloudFront Functions event structure": a viewer-request function
    may change the request (uri, headers, query string) before the cache and the origin see it, or return a response
    that CloudFront sends without going to the origin (X-Cache: FunctionGeneratedResponse); a function that throws
    fails the request with 503."""
    rewrite = cloudfront_function(cf, "rewrite", REWRITE)
    redirect = cloudfront_function(cf, "redirect", REDIRECT)
    throws = cloudfront_function(cf, "throws", THROWS)
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior("echo"), [
            behavior("echo", "/fn/*", origin_request=ALL_VIEWER, functions=[("viewer-request", rewrite)]),
            behavior("echo", "/old/*", functions=[("viewer-request", redirect)]),
            behavior("echo", "/broken/*", functions=[("viewer-request", throws)]),
        ])
        with edge_server(edge_binary, aws, dist) as edge:
            seen = echoed(edge, "/fn/page?q=1")
            assert seen["path"] == "/rewritten/fn/page"
            assert sorted(seen["query"].split("&")) == ["from=function", "q=1"]
            assert seen["headers"]["x-added"] == "by-function"

            status, headers, body = call(edge, "/old/page")
            assert status == 301 and body == b""
            assert headers["Location"] == "https://www.example.test/old/page"
            assert headers["Cache-Control"] == "max-age=60"
            assert headers.get_all("Set-Cookie") == ["moved=yes; Path=/"]
            assert x_cache(headers) == "FunctionGeneratedResponse from cloudfront"

            status, headers, body = call(edge, "/broken/page")
            assert status == 503 and CLOUDFRONT_ERROR_TITLE in body, (status, body)
            assert echo.count("/old/page") == 0 and echo.count("/broken/page") == 0
            deadline = time.monotonic() + 5
            while "CloudFront Function throws failed" not in edge.stderr() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert re.search(r"CloudFront Function throws failed: .*function says no", edge.stderr())


# --------------------------------------------------------------------------------------------- Lambda@Edge


VIEWER_REQUEST = """
export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  console.log("viewer-request ran " + request.uri);
  if (request.uri.startsWith("/generated")) {
    return {status: "200", statusDescription: "OK", body: "generated at the edge",
            headers: {"content-type": [{key: "Content-Type", value: "text/plain"}],
                      "cache-control": [{key: "Cache-Control", value: "max-age=60"}]}};
  }
  if (request.uri.startsWith("/readonly")) {
    request.headers["host"] = [{key: "Host", value: "elsewhere.example"}];
    return request;
  }
  if (request.uri.startsWith("/throw")) throw new Error("viewer-request says no");
  const body = request.body ? Buffer.from(request.body.data, "base64").toString() : "";
  request.headers["x-viewer-request"] = [{key: "X-Viewer-Request", value: "seen " + body.length}];
  request.uri = "/rewritten" + request.uri;
  return request;
};
"""

VIEWER_RESPONSE = """
export const handler = async (event) => {
  const response = event.Records[0].cf.response;
  response.headers["x-viewer-response"] = [{key: "X-Viewer-Response", value: "added"}];
  return response;
};
"""

ORIGIN_RESPONSE = """
let runs = 0;
export const handler = async (event) => {
  const {request, response} = event.Records[0].cf;
  runs += 1;
  console.log("origin-response ran " + request.uri + " on " + response.status);
  response.headers["x-origin-response"] = [{key: "X-Origin-Response", value: "run " + runs}];
  if (request.uri.includes("status=404")) {
    response.status = "200";
    response.statusDescription = "OK";
    response.body = "replaced by origin-response";
    response.headers["content-type"] = [{key: "Content-Type", value: "text/plain"}];
    response.headers["cache-control"] = [{key: "Cache-Control", value: "max-age=60"}];
  }
  return response;
};
"""


ORIGIN_REQUEST_GENERATES = """
export const handler = async (event) => {
  console.log("origin-request ran " + event.Records[0].cf.request.uri);
  return {status: "200", body: "generated on a miss",
          headers: {"cache-control": [{key: "Cache-Control", value: "max-age=60"}]}};
};
"""


def wait_for(edge, text: str, times: int = 1, seconds: float = 5) -> str:
    """The edge's stderr once `text` is in it `times` times (or after `seconds`)."""
    deadline = time.monotonic() + seconds
    while edge.stderr().count(text) < times and time.monotonic() < deadline:
        time.sleep(0.1)
    return edge.stderr()


def test_lambda_edge_viewer_request(aws, cf, edge_binary):
    """"Lambda@Edge event structure" (request events), "Generate HTTP responses in request triggers", "Restrictions on
    all edge functions" (read-only headers), "HTTP 502 status code (Lambda validation error)" and "HTTP 503 status code
    (Lambda@Edge or CloudFront Function execution error)": a viewer-request function runs on every request, before the
    cache; it may change the request (uri, headers; with include-body it sees the body base64-encoded) or generate a
    response that goes to the viewer without reaching the origin; changing a read-only header (Host) is a validation
    error (502); a function that throws is an execution error (503); the edge names the function on stderr."""
    arn = edge_function(aws, "viewer-request", VIEWER_REQUEST)
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior(
            "echo", cache=CACHING_OPTIMIZED, origin_request=ALL_VIEWER, methods=ALL_METHODS,
            lambdas=[("viewer-request", arn, True)]))
        with edge_server(edge_binary, aws, dist, extra_args=("--control", "127.0.0.1:0")) as edge:
            seen = echoed(edge, "/page", method="POST", body=b"12345", headers=[("Content-Type", "text/plain")])
            assert seen["path"] == "/rewritten/page"
            assert seen["headers"]["x-viewer-request"] == "seen 5"
            assert seen["body"] == "12345"

            for expected in ("LambdaGeneratedResponse", "LambdaGeneratedResponse"):  # not cached: the function runs
                status, headers, body = call(edge, "/generated")
                assert (status, body, headers["Content-Type"]) == (200, b"generated at the edge", "text/plain")
                assert x_cache(headers) == expected + " from cloudfront"
            assert wait_for(edge, "viewer-request ran /generated", 2).count("viewer-request ran /generated") == 2
            assert echo.count("/generated") == 0 and echo.count("/rewritten/generated") == 0

            status, headers, body = call(edge, "/readonly")
            assert status == 502 and CLOUDFRONT_ERROR_TITLE in body, (status, body)
            assert b"failed validation" in body and b"read-only header" in body
            assert re.search(r"Lambda@Edge function viewer-request \(viewer-request\) returned an invalid result: "
                             r".*host", wait_for(edge, "returned an invalid result"))

            status, headers, body = call(edge, "/throw")
            assert status == 503 and CLOUDFRONT_ERROR_TITLE in body, (status, body)
            assert x_cache(headers) == "Error from cloudfront"
            assert re.search(r"Lambda@Edge function viewer-request \(viewer-request\) failed: .*viewer-request says no",
                             wait_for(edge, "Lambda@Edge function viewer-request (viewer-request) failed"))
            assert echo.count("/readonly") == 0 and echo.count("/rewritten/readonly") == 0
            # The control API reports the function version's environments: one, reused for every request.
            function = functions_report(edge)["viewer-request"]
            assert (function["region"], function["qualifier"]) == ("us-east-1", "1")
            assert (function["invocations"], function["cold_starts"]) == (5, 1), function


def test_lambda_edge_viewer_response_runs_on_cache_hits(aws, cf, edge_binary):
    """"CloudFront events that can trigger a Lambda@Edge function": the viewer-response function runs on every response
    to the viewer, cache hits included (the cache keeps the origin's response, not the function's); "Restrictions on
    all edge functions" > "HTTP status codes": it does not run when the status is 400 or higher."""
    arn = edge_function(aws, "viewer-response", VIEWER_RESPONSE)
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior(
            "echo", cache=USE_ORIGIN_CACHE_CONTROL, lambdas=[("viewer-response", arn)]))
        with edge_server(edge_binary, aws, dist) as edge:
            results = []
            for _ in range(2):
                status, headers, body = call(edge, "/cc=max-age=60/page")
                assert status == 200
                results.append((x_cache(headers), headers["X-Viewer-Response"]))
            assert results == [("Miss from cloudfront", "added"), ("Hit from cloudfront", "added")]
            assert echo.count("/cc=max-age=60/page") == 1
            status, headers, _ = call(edge, "/status=404/page")
            assert status == 404 and "X-Viewer-Response" not in headers


def test_lambda_edge_origin_response_is_what_is_cached(aws, cf, edge_binary):
    """"Update HTTP responses in origin response triggers": an origin-response function runs on a miss, on every
    status (a 404 here), and may change the status, the headers and the body; what it returns is what CloudFront
    caches, so a hit serves it without running the function again. "Generate HTTP responses in request triggers": a
    response generated by an origin-request function is cached too, and the function does not run on the hit."""
    arn = edge_function(aws, "origin-response", ORIGIN_RESPONSE, timeout=10)
    generates = edge_function(aws, "origin-request", ORIGIN_REQUEST_GENERATES)
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior(
            "echo", cache=USE_ORIGIN_CACHE_CONTROL, lambdas=[("origin-response", arn)]), [behavior(
                "echo", "/gen/*", cache=USE_ORIGIN_CACHE_CONTROL, lambdas=[("origin-request", generates)])])
        with edge_server(edge_binary, aws, dist) as edge:
            seen = []
            for _ in range(2):
                status, headers, body = call(edge, "/status=404/missing")
                seen.append((status, body, headers["X-Origin-Response"], x_cache(headers)))
            assert seen == [(200, b"replaced by origin-response", "run 1", "Miss from cloudfront"),
                            (200, b"replaced by origin-response", "run 1", "Hit from cloudfront")]
            assert echo.count("/status=404/missing") == 1
            ran = "origin-response ran /status=404/missing on 404"
            time.sleep(0.5)  # a second run would have logged by now
            assert wait_for(edge, ran).count(ran) == 1

            answers = [call(edge, "/gen/page") for _ in range(2)]
            assert [(s, b, x_cache(h)) for s, h, b in answers] == [
                (200, b"generated on a miss", "LambdaGeneratedResponse from cloudfront"),
                (200, b"generated on a miss", "Hit from cloudfront")]
            time.sleep(0.5)
            assert wait_for(edge, "origin-request ran /gen/page").count("origin-request ran /gen/page") == 1
            assert echo.count("/gen/page") == 0


# ----------------------------------------------------------------------------------------- scheduled rules and Invoke


WARM_SERVER = """
import { randomUUID } from "node:crypto";
const serverId = randomUUID();
export const handler = async (event) => {
  if (event.type === "warmer") {
    console.log("warmed by " + event.warmerId + " #" + event.index);
    await new Promise((resolve) => setTimeout(resolve, event.delay));
    return {type: "warmer", serverId};
  }
  return {statusCode: 200, headers: {"content-type": "application/json"}, body: JSON.stringify({serverId})};
};
"""

# A warmer like OpenNext's: invokes the server function CONCURRENCY times at once (RequestResponse), each invocation
# holding its environment for `delay` ms so that each needs an environment of its own. The runtime has no AWS SDK, so
# the requests are signed here (Signature Version 4, IAM User Guide "Create a signed AWS API request") and sent the
# two ways a function's code sends them: with fetch to Lambda's public endpoint (a client that builds AWS URLs itself),
# and with http.request to AWS_ENDPOINT_URL (what an AWS SDK v3 client does when that variable is set).
WARMER = """
import { createHash, createHmac, randomUUID } from "node:crypto";
import http from "node:http";
const sha = (data) => createHash("sha256").update(data).digest("hex");
const hmac = (key, data) => createHmac("sha256", key).update(data).digest();

async function invoke(functionName, payload, throughEndpoint) {
  const region = process.env.AWS_REGION;
  const host = throughEndpoint ? new URL(process.env.AWS_ENDPOINT_URL).host : `lambda.${region}.amazonaws.com`;
  const path = `/2015-03-31/functions/${functionName}/invocations`;
  const body = JSON.stringify(payload);
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\\.\\d{3}/, "");
  const date = amzDate.slice(0, 8);
  const headers = {host, "x-amz-date": amzDate, "x-amz-content-sha256": sha(body),
                   "x-amz-invocation-type": "RequestResponse", "content-type": "application/json"};
  if (process.env.AWS_SESSION_TOKEN) headers["x-amz-security-token"] = process.env.AWS_SESSION_TOKEN;
  const names = Object.keys(headers).sort();
  const canonical = ["POST", path, "", ...names.map((n) => `${n}:${headers[n]}`), "", names.join(";"), sha(body)];
  const scope = `${date}/${region}/lambda/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha(canonical.join("\\n"))].join("\\n");
  let key = "AWS4" + process.env.AWS_SECRET_ACCESS_KEY;
  for (const part of [date, region, "lambda", "aws4_request"]) key = hmac(key, part);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID}/${scope}, ` +
    `SignedHeaders=${names.join(";")}, Signature=${createHmac("sha256", key).update(toSign).digest("hex")}`;
  if (throughEndpoint) {
    const answer = await new Promise((resolve, reject) => {
      const req = http.request(`${process.env.AWS_ENDPOINT_URL}${path}`, {method: "POST", headers}, (res) => {
        let text = "";
        res.on("data", (chunk) => { text += chunk; });
        res.on("end", () => resolve({status: res.statusCode, text}));
      });
      req.on("error", reject);
      req.end(body);
    });
    if (answer.status !== 200) throw new Error(`Invoke answered ${answer.status}: ${answer.text}`);
    return JSON.parse(answer.text);
  }
  delete headers.host;
  const response = await fetch(`https://${host}${path}`, {method: "POST", headers, body});
  if (response.status !== 200) throw new Error(`Invoke answered ${response.status}: ${await response.text()}`);
  return response.json();
}

export const handler = async (event) => {
  console.log("warmer got " + event["detail-type"] + " from " + event.source);
  const concurrency = Number(process.env.CONCURRENCY), warmerId = randomUUID();
  const answers = await Promise.all(Array.from({length: concurrency}, (_, index) =>
    invoke(process.env.FUNCTION_NAME, {type: "warmer", warmerId, index, concurrency, delay: 1500}, index % 2 === 1)));
  console.log("warmed " + new Set(answers.map((a) => a.serverId)).size + " server instances");
  return answers;
};
"""


def control(edge, method: str, path: str) -> tuple[int, dict]:
    """One request to the edge's control API: (status, JSON answer)."""
    req = urllib.request.Request(edge.control_url + path, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def functions_report(edge) -> dict:
    status, report = control(edge, "GET", "/functions")
    assert status == 200, report
    return {f["name"]: f for f in report["functions"]}


def test_a_scheduled_warmer_fired_on_demand_warms_the_server_function(aws, cf, edge_binary):
    """The warmer as modules/nextjs-serverless deploys it (an EventBridge schedule whose target is the warmer, which
    calls lambda:Invoke on the server function), run now through `serve --control`: EventBridge User Guide "Creating a
    rule that runs on a schedule" (the scheduled event) and "Using resource-based policies" (the target function must
    allow events.amazonaws.com for the rule, else it is not invoked); Lambda API Reference "Invoke" (RequestResponse,
    Event, qualifiers, ResourceNotFoundException). The warmer's concurrent invocations start that many environments of
    the server function ("Lambda function scaling"), and a viewer request afterwards is served by a warm one."""
    server_url = node_function(aws, "warm-server", WARM_SERVER)
    lam = aws.client("lambda", REGION)
    role = aws.client("iam", REGION).get_role(RoleName="warm-server-role")["Role"]["Arn"]
    warmer_arn = lam.create_function(
        FunctionName="warm-warmer", Runtime="nodejs20.x", Role=role, Handler="index.handler", Timeout=20,
        Environment={"Variables": {"FUNCTION_NAME": "warm-server", "CONCURRENCY": "2"}},
        Code={"ZipFile": zip_of({"index.mjs": WARMER})})["FunctionArn"]
    events = aws.client("events", REGION)
    rule_arn = events.put_rule(Name="site-warmer", ScheduleExpression="rate(5 minutes)")["RuleArn"]
    events.put_targets(Rule="site-warmer", Targets=[{"Id": "warmer", "Arn": warmer_arn}])
    lam.add_permission(FunctionName="warm-warmer", StatementId="AllowSchedule", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    # A rule whose target never granted EventBridge the right to invoke it.
    events.put_rule(Name="not-allowed", ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule="not-allowed", Targets=[{"Id": "server", "Arn": lam.get_function(
        FunctionName="warm-server")["Configuration"]["FunctionArn"], "Input": json.dumps({"type": "warmer"})}])

    oac = origin_access_control(cf, "warm", "lambda")
    dist = create_distribution(cf, [function_url_origin("server", server_url, oac)], behavior(
        "server", cache=CACHING_DISABLED, origin_request=ALL_VIEWER_EXCEPT_HOST))
    allow_distribution(aws, "warm-server", dist.arn)
    with edge_server(edge_binary, aws, dist, extra_args=("--control", "127.0.0.1:0")) as edge:
        assert edge.control_url and edge.control_url != edge.url
        assert edge._out[:2] == ["nextstack-edge: serving %s (%s)" % (edge.url, dist.id),
                                 "nextstack-edge: control %s" % edge.control_url]
        status, listed = control(edge, "GET", "/events/rules")
        assert status == 200, listed
        rules = {r["name"]: r for r in listed["rules"]}
        assert rules["site-warmer"]["schedule"] == "rate(5 minutes)"
        assert rules["site-warmer"]["targets"] == [{"id": "warmer", "arn": warmer_arn}]
        assert functions_report(edge)["warm-server"]["cold_starts"] == 0

        status, fired = control(edge, "POST", "/events/rules/site-warmer/fire")
        assert status == 200, fired
        assert [(t["id"], t["status"]) for t in fired["targets"]] == [("warmer", "succeeded")], fired
        assert (fired["event"]["detail-type"], fired["event"]["resources"]) == ("Scheduled Event", [rule_arn])
        report = functions_report(edge)
        server = report["warm-server"]
        assert (server["environments"], server["cold_starts"], server["invocations"]) == (2, 2, 2), report
        assert report["warm-warmer"]["invocations"] == 1
        err = wait_for(edge, "warmed 2 server instances")
        assert "warmer got Scheduled Event from aws.events" in err
        assert err.count("lambda:Invoke warm-server:$LATEST (RequestResponse) through the control API") == 2

        # The site's next request finds a warm environment: no cold start.
        status, headers, body = call(edge, "/page")
        assert status == 200, body
        server = functions_report(edge)["warm-server"]
        assert (server["cold_starts"], server["invocations"]) == (2, 3)

        status, fired = control(edge, "POST", "/events/rules/not-allowed/fire")
        assert status == 200 and fired["targets"][0]["status"] == "failed", fired
        assert "does not allow events.amazonaws.com" in fired["targets"][0]["detail"]
        assert functions_report(edge)["warm-server"]["invocations"] == 3
        assert control(edge, "POST", "/events/rules/no-such-rule/fire")[0] == 404

        # The Invoke API itself, through boto3.
        invoker = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION) \
            .client("lambda", endpoint_url=edge.control_url)
        answer = invoker.invoke(FunctionName="warm-server", Payload=json.dumps({"type": "warmer", "delay": 0}))
        assert answer["StatusCode"] == 200 and answer["ExecutedVersion"] == "$LATEST"
        assert json.loads(answer["Payload"].read())["type"] == "warmer"
        assert invoker.invoke(FunctionName="warm-server", InvocationType="Event",
                              Payload=b'{"type": "warmer", "delay": 0}')["StatusCode"] == 202
        assert invoker.invoke(FunctionName="warm-server", InvocationType="DryRun")["StatusCode"] == 204
        with pytest.raises(invoker.exceptions.ResourceNotFoundException):
            invoker.invoke(FunctionName="no-such-function")
        with pytest.raises(invoker.exceptions.InvalidRequestContentException):
            invoker.invoke(FunctionName="warm-server", Payload=b"not json")


# --------------------------------------------------------------------------------------------- what is not modelled


def test_startup_errors_name_what_is_not_there_or_not_modelled(aws, cf, edge_binary):
    """The edge contract (docs/edge.md): what does not exist or is not modelled stops the edge at start (exit 1),
    with a message naming it, never a silent difference later: an unknown distribution id, an origin on a domain the
    edge cannot reach (example.com), a function URL whose function's handler file is not in its package, a
    CloudFront Function and a Lambda@Edge function on the viewer events of one behaviour."""
    code, out, err = run_edge(edge_binary, aws, "EDOESNOTEXIST")
    assert code == 1 and out == "", (code, out, err)
    assert "EDOESNOTEXIST" in err and "NoSuchDistribution" in err, err

    internet = create_distribution(cf, [custom_origin("www", 443, domain="example.com")], behavior("www"))
    code, out, err = run_edge(edge_binary, aws, internet.id)
    assert code == 1 and out == "", (code, out, err)
    assert re.search(r"origin www \(example\.com\) is not modelled", err), err

    url = node_function(aws, "nohandler", files={"server.mjs": "export const handler = async () => 1;"})
    oac = origin_access_control(cf, "nohandler", "lambda")
    missing = create_distribution(cf, [function_url_origin("server", url, oac)], behavior("server"))
    code, out, err = run_edge(edge_binary, aws, missing.id)
    assert code == 1 and out == "", (code, out, err)
    assert "origin server" in err and "function nohandler" in err and "handler 'index.handler'" in err, err
    assert "index.mjs" in err, err

    # "Restrictions on all edge functions": CloudFront Functions and Lambda@Edge cannot be combined in viewer events.
    edge_arn = "arn:aws:lambda:us-east-1:%s:function:headers:1" % harness.MOTO_DEFAULT_ACCOUNT
    rewrite = cloudfront_function(cf, "combined", REWRITE)
    combined = create_distribution(cf, [custom_origin("echo", 8080)], behavior("echo"), [behavior(
        "echo", "/both/*", functions=[("viewer-request", rewrite)], lambdas=[("viewer-response", edge_arn)])])
    code, out, err = run_edge(edge_binary, aws, combined.id)
    assert code == 1 and out == "", (code, out, err)
    assert re.search(r"behaviour /both/\*: a CloudFront Function and a Lambda@Edge function \(viewer-response\) on "
                     r"viewer events", err), err


# --------------------------------------------------------------------------------------------- access log


def test_access_log_lines(aws, cf, edge_binary):
    """The edge contract: the first stdout line is exactly `nextstack-edge: serving http://127.0.0.1:PORT (ID)`; then
    one line per request with CloudFront's standard log fields ("Standard logging (access logs)": 33 tab-separated
    fields, `-` when empty), among them date (1), c-ip (5), cs-method (6), cs-uri-stem (8), sc-status (9),
    cs-uri-query (12), x-edge-result-type (14), time-taken (19)."""
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior("echo", cache=CACHING_OPTIMIZED))
        with edge_server(edge_binary, aws, dist) as edge:
            first_line = edge._out[0]  # EdgeServer keeps stdout's lines; the access log is the rest
            assert re.fullmatch(r"nextstack-edge: serving http://127\.0\.0\.1:\d+ \(%s\)" % dist.id, first_line)
            assert first_line == "nextstack-edge: serving %s (%s)" % (edge.url, dist.id)
            requests = [("GET", "/a?x=1", 200, "Miss"), ("GET", "/a?x=1", 200, "Hit"), ("POST", "/a", 403, "Error"),
                        ("GET", "/status=404/b", 404, "Error")]
            for method, path, status, _ in requests:
                assert call(edge, path, method=method, body=b"x" if method == "POST" else None)[0] == status
            deadline = time.monotonic() + 5
            while len(edge.access_log()) < len(requests) and time.monotonic() < deadline:
                time.sleep(0.05)
            lines = edge.access_log()
            assert len(lines) == len(requests), lines
            for fields, (method, path, status, result) in zip(lines, requests):
                assert len(fields) == 33, fields
                uri, _, query = path.partition("?")
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields[0]) and re.fullmatch(r"\d\d:\d\d:\d\d", fields[1])
                assert fields[4] == "127.0.0.1"
                assert (fields[5], fields[7], fields[8]) == (method, uri, str(status))
                assert fields[11] == (query or "-")
                assert fields[13] == result
                assert re.fullmatch(r"\d+\.\d{3}", fields[18]), fields[18]
                assert all(f != "" for f in fields), fields
