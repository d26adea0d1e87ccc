"""nextstack-edge end to end, headers: the CloudFront-* request headers CloudFront adds (and the viewer's own that it
does not pass on), custom origin request policies and custom response headers policies read through the endpoint.
The real binary serves small distributions made with boto3 against the patched moto server, in front of loopback echo
origins (nextstack_lab.edge_fixtures), as tests/e2e/test_edge.py does.

Each test names the AWS documentation its behaviour comes from (CloudFront Developer Guide unless said otherwise).
"""

from __future__ import annotations

import http.client
import json

import pytest

from nextstack_lab.edge_fixtures import (ALL_METHODS, ALL_VIEWER, CACHING_DISABLED, EchoOrigin, behavior,
                                         create_distribution, custom_origin, edge_server, run_edge)

ALL_VIEWER_AND_CLOUDFRONT = "33f36d7e-f396-46d9-90e0-52428a34d9dc"  # Managed-AllViewerAndCloudFrontHeaders-2022-06
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
# What a viewer might send to pass itself off as someone else: CloudFront determines these values itself.
SPOOFED = [("CloudFront-Viewer-Address", "203.0.113.7:443"), ("CloudFront-Viewer-Country", "ZZ"),
           ("CloudFront-Is-Desktop-Viewer", "spoofed"), ("CloudFront-Viewer-ASN", "64500")]


@pytest.fixture
def cf(aws):
    return aws.client("cloudfront", "us-east-1")


def call(edge, path: str, method: str = "GET", headers=()):
    """One request with exactly these headers: (status, response headers, body, the client's own port)."""
    host, port = edge.url.split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.connect()
        client_port = conn.sock.getsockname()[1]
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.headers, response.read(), client_port
    finally:
        conn.close()


def seen(edge, path: str, headers=()) -> tuple[dict, int]:
    """The headers the echo origin got (lower-case names) and the client port the request came from."""
    status, response_headers, body, client_port = call(edge, path, headers=headers)
    assert status == 200, (path, status, response_headers.items(), body[:500])
    return json.loads(body)["headers"], client_port


def cloudfront_headers(headers: dict) -> dict:
    return {k: v for k, v in headers.items() if k.startswith("cloudfront-")}


def cache_policy(cf, name: str, headers: list[str], ttl: int = 60) -> str:
    """A custom cache policy with these headers in the key (and forwarded), caching for `ttl` seconds."""
    return cf.create_cache_policy(CachePolicyConfig={
        "Name": name, "MinTTL": ttl, "DefaultTTL": ttl, "MaxTTL": ttl,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": False, "EnableAcceptEncodingBrotli": False,
            "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": len(headers), "Items": headers}},
            "CookiesConfig": {"CookieBehavior": "none"}, "QueryStringsConfig": {"QueryStringBehavior": "none"}}},
    )["CachePolicy"]["Id"]


def test_cloudfront_headers_are_added_and_a_viewers_own_are_not_passed_on(aws, cf, edge_binary):
    """"Add CloudFront request headers": with Managed-AllViewerAndCloudFrontHeaders-2022-06 the origin gets
    CloudFront-Viewer-Address (the viewer's address and source port), CloudFront-Forwarded-Proto (https: the edge's
    listener stands for CloudFront's HTTPS side), CloudFront-Viewer-Http-Version and the device type headers from
    User-Agent; the viewer's own CloudFront-* headers never reach it (their values are CloudFront's to determine),
    and the location headers, which need a geolocation database, are not added. With Managed-AllViewer none is."""
    with EchoOrigin("echo") as echo:
        dist = create_distribution(
            cf, [custom_origin("echo", echo.port)], behavior("echo", origin_request=ALL_VIEWER_AND_CLOUDFRONT),
            [behavior("echo", "/plain/*", origin_request=ALL_VIEWER)])
        with edge_server(edge_binary, aws, dist) as edge:
            headers, port = seen(edge, "/page", [("User-Agent", IPHONE), ("X-Viewer", "kept")] + SPOOFED)
            assert cloudfront_headers(headers) == {
                "cloudfront-viewer-address": "127.0.0.1:%d" % port,
                "cloudfront-forwarded-proto": "https",
                "cloudfront-viewer-http-version": "1.1",
                "cloudfront-is-android-viewer": "false",
                "cloudfront-is-desktop-viewer": "false",
                "cloudfront-is-ios-viewer": "true",
                "cloudfront-is-mobile-viewer": "true",
                "cloudfront-is-smarttv-viewer": "false",
                "cloudfront-is-tablet-viewer": "false",
            }
            assert headers["x-viewer"] == "kept" and headers["user-agent"] == IPHONE

            headers, _ = seen(edge, "/page", [("User-Agent", DESKTOP)])
            assert headers["cloudfront-is-desktop-viewer"] == "true" and headers["cloudfront-is-mobile-viewer"] == "false"

            headers, _ = seen(edge, "/plain/page", [("User-Agent", IPHONE), ("X-Viewer", "kept")] + SPOOFED)
            assert cloudfront_headers(headers) == {} and headers["x-viewer"] == "kept"


def test_cloudfront_headers_in_the_cache_key(aws, cf, edge_binary):
    """"Add CloudFront request headers": "To include these headers in the cache key, use a cache policy": with
    CloudFront-Is-Mobile-Viewer in the key, a phone and a desktop get entries of their own, and a viewer cannot pick
    the other's entry by sending the header itself. CloudFront-Viewer-Address "can be added in an origin request
    policy, but not in a cache policy": such a cache policy stops the edge at start, naming it."""
    mobile_key = cache_policy(cf, "by-device", ["CloudFront-Is-Mobile-Viewer"])
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior("echo", cache=mobile_key))
        with edge_server(edge_binary, aws, dist) as edge:
            results = []
            for agent, extra in [(IPHONE, []), (DESKTOP, []), (IPHONE, []),
                                 (DESKTOP, [("CloudFront-Is-Mobile-Viewer", "true")])]:
                status, headers, body, _ = call(edge, "/device", headers=[("User-Agent", agent)] + extra)
                assert status == 200, (status, body[:300])
                results.append((headers["X-Cache"], json.loads(body)["headers"]["cloudfront-is-mobile-viewer"]))
            assert results == [("Miss from cloudfront", "true"), ("Miss from cloudfront", "false"),
                               ("Hit from cloudfront", "true"), ("Hit from cloudfront", "false")]
            assert echo.count("/device") == 2

    by_address = cache_policy(cf, "by-address", ["CloudFront-Viewer-Address"])
    refused = create_distribution(cf, [custom_origin("echo", 8080)], behavior("echo", cache=by_address))
    code, out, err = run_edge(edge_binary, aws, refused.id)
    assert code == 1 and out == "", (code, out, err)
    assert "cloudfront-viewer-address" in err and by_address in err and "only an origin request policy" in err, err


def test_custom_origin_request_policy(aws, cf, edge_binary):
    """"Control origin requests with a policy": a custom origin request policy read through GetOriginRequestPolicy
    forwards exactly the headers, cookies and query strings it names (with what the cache policy forwards), and the
    CloudFront-* headers it whitelists are CloudFront's, not the viewer's."""
    policy = cf.create_origin_request_policy(OriginRequestPolicyConfig={
        "Name": "tenant", "Comment": "",
        "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 3, "Items": [
            "X-Tenant", "CloudFront-Viewer-Address", "CloudFront-Viewer-Http-Version"]}},
        "CookiesConfig": {"CookieBehavior": "whitelist", "Cookies": {"Quantity": 1, "Items": ["session"]}},
        "QueryStringsConfig": {"QueryStringBehavior": "allExcept", "QueryStrings": {"Quantity": 1, "Items": ["utm"]}},
    })["OriginRequestPolicy"]["Id"]
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior("echo", origin_request=policy))
        with edge_server(edge_binary, aws, dist) as edge:
            status, _, body, port = call(edge, "/p?a=1&utm=x&b=2", headers=[
                ("X-Tenant", "t1"), ("X-Other", "dropped"), ("Cookie", "session=s; track=t"),
                ("Accept-Language", "fr")] + SPOOFED)
            assert status == 200, body[:300]
            got = json.loads(body)
            headers = got["headers"]
            assert got["query"] == "a=1&b=2"
            assert headers["x-tenant"] == "t1" and headers["cookie"] == "session=s"
            assert "x-other" not in headers and "accept-language" not in headers
            assert cloudfront_headers(headers) == {"cloudfront-viewer-address": "127.0.0.1:%d" % port,
                                                   "cloudfront-viewer-http-version": "1.1"}


def test_custom_response_headers_policy(aws, cf, edge_binary):
    """"Understand response headers policies": a custom policy read through GetResponseHeadersPolicy removes its
    headers first (a removed Server becomes CloudFront's), then adds its security and custom headers, each replacing
    the origin's only with its origin override; CORS headers go only to CORS requests from an allowed origin, the
    preflight ones only to preflight requests. A policy with the Server-Timing header stops the edge at start."""
    policy = cf.create_response_headers_policy(ResponseHeadersPolicyConfig={
        "Name": "site", "Comment": "",
        "CorsConfig": {"AccessControlAllowOrigins": {"Quantity": 1, "Items": ["https://app.example.test"]},
                       "AccessControlAllowHeaders": {"Quantity": 1, "Items": ["content-type"]},
                       "AccessControlAllowMethods": {"Quantity": 2, "Items": ["GET", "POST"]},
                       "AccessControlExposeHeaders": {"Quantity": 1, "Items": ["x-site"]},
                       "AccessControlAllowCredentials": True, "AccessControlMaxAgeSec": 600,
                       "OriginOverride": False},
        "SecurityHeadersConfig": {
            "FrameOptions": {"Override": True, "FrameOption": "DENY"},
            "StrictTransportSecurity": {"Override": False, "AccessControlMaxAgeSec": 63072000,
                                        "IncludeSubdomains": True, "Preload": True},
            "ContentTypeOptions": {"Override": True}},
        "CustomHeadersConfig": {"Quantity": 2, "Items": [
            {"Header": "X-Site", "Value": "one", "Override": True},
            {"Header": "Cache-Control", "Value": "no-store", "Override": False}]},
        "RemoveHeadersConfig": {"Quantity": 1, "Items": [{"Header": "Server"}]},
    })["ResponseHeadersPolicy"]["Id"]
    with EchoOrigin("echo") as echo:
        b = behavior("echo", methods=ALL_METHODS, cache=CACHING_DISABLED)
        b["ResponseHeadersPolicyId"] = policy
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], b)
        with edge_server(edge_binary, aws, dist) as edge:
            status, headers, _, _ = call(edge, "/cc=max-age=5/page")
            assert status == 200
            assert headers["Server"] == "CloudFront"  # the echo origin's own Server was removed
            assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
            assert headers["X-Site"] == "one"
            assert headers["Cache-Control"] == "max-age=5"  # the origin's, no override
            assert "Access-Control-Allow-Origin" not in headers  # not a CORS request

            _, headers, _, _ = call(edge, "/page", headers=[("Origin", "https://app.example.test")])
            assert headers["Cache-Control"] == "no-store"  # the origin sent none
            assert headers["Access-Control-Allow-Origin"] == "https://app.example.test"
            assert headers["Access-Control-Allow-Credentials"] == "true"
            assert headers["Access-Control-Expose-Headers"] == "x-site"
            assert "Access-Control-Allow-Methods" not in headers

            status, headers, _, _ = call(edge, "/page", method="OPTIONS", headers=[
                ("Origin", "https://app.example.test"), ("Access-Control-Request-Method", "POST")])
            assert status == 200
            assert (headers["Access-Control-Allow-Methods"], headers["Access-Control-Allow-Headers"],
                    headers["Access-Control-Max-Age"]) == ("GET, POST", "content-type", "600")

            _, headers, _, _ = call(edge, "/page", headers=[("Origin", "https://other.example.test")])
            assert "Access-Control-Allow-Origin" not in headers

    timing = cf.create_response_headers_policy(ResponseHeadersPolicyConfig={
        "Name": "timing", "ServerTimingHeadersConfig": {"Enabled": True, "SamplingRate": 50.0}},
    )["ResponseHeadersPolicy"]["Id"]
    b = behavior("echo")
    b["ResponseHeadersPolicyId"] = timing
    refused = create_distribution(cf, [custom_origin("echo", 8080)], b)
    code, out, err = run_edge(edge_binary, aws, refused.id)
    assert code == 1 and out == "", (code, out, err)
    assert timing in err and "Server-Timing header is not modelled" in err, err
