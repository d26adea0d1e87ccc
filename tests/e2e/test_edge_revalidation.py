"""nextstack-edge end to end: expired objects revalidated with the origin (RefreshHit) and viewers' conditional
requests answered from the cache, through the real binary against the patched moto server, with a loopback HTTP
origin that answers conditional GETs as any HTTP server with validators does (edge_fixtures.EchoOrigin).

AWS: CloudFront Developer Guide, "Request and response behavior for custom origins" > "Conditional requests" (an
expired object is revalidated: CloudFront sends the object's ETag in If-None-Match and its Last-Modified in
If-Modified-Since; a 304 from the origin keeps the cached object), "Manage how long content stays in the cache
(expiration)" (a 304 renews the object for another TTL, a 200 replaces it), "Standard log file fields"
(x-edge-result-type RefreshHit: the object was in the cache but expired, and the origin confirmed it); RFC 9110
"Conditional Requests" for a viewer's If-None-Match answered 304 from the cache.
"""

from __future__ import annotations

import email.utils
import json
import time

from nextstack_lab.edge import LOG_FIELDS
from nextstack_lab.edge import request as edge_request
from nextstack_lab.edge_fixtures import (USE_ORIGIN_CACHE_CONTROL, EchoOrigin, behavior, create_distribution,
                                         custom_origin, edge_server)

# One second at the edge (s-maxage wins over max-age for CloudFront), an hour for browsers.
SHORT = "cc=s-maxage=1,max-age=3600"
LAST_MODIFIED = 1796601600  # Tue, 07 Dec 2026 00:00:00 GMT


def call(edge, path: str, headers=()):
    status, _, response_headers, body = edge_request(edge.url, path, "GET", headers)
    return status, response_headers, body


def result_types(edge, count: int) -> list[tuple[str, str, str]]:
    """(uri, status, x-edge-result-type) of the edge's first `count` access log lines, waiting for them."""
    deadline = time.monotonic() + 5
    while len(edge.access_log()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return [(f[LOG_FIELDS["uri"] - 1], f[LOG_FIELDS["status"] - 1], f[LOG_FIELDS["result"] - 1])
            for f in edge.access_log()[:count]]


def test_expired_objects_are_revalidated_and_conditional_viewers_get_304(aws, edge_binary):
    cf = aws.client("cloudfront", "us-east-1")
    with EchoOrigin("origin") as origin:
        dist = create_distribution(cf, [custom_origin("origin", origin.port)],
                                   behavior("origin", cache=USE_ORIGIN_CACHE_CONTROL))
        etag_path = "/etag=v1/%s/page" % SHORT
        date_path = "/lastmod=%d/%s/page" % (LAST_MODIFIED, SHORT)
        plain_path = "/%s/plain" % SHORT  # no validator: nothing to revalidate with
        with edge_server(edge_binary, aws, dist) as edge:
            log = []  # (uri, status, result) expected in the access log, request by request

            def expect(path, status, result, headers=()):
                got_status, got_headers, body = call(edge, path, headers)
                assert (got_status, got_headers["X-Cache"]) == (status, result + " from cloudfront"), (path, body[:300])
                log.append((path, str(status), result))
                return got_headers, body

            expect(date_path, 200, "Miss")
            expect(plain_path, 200, "Miss")
            headers, first = expect(etag_path, 200, "Miss")  # last, so that its Hits come well within its second
            assert headers["ETag"] == '"v1"' and json.loads(first)["n"] == 3
            primed = time.monotonic()

            # Fresh: a Hit, and a viewer whose If-None-Match names the cached ETag gets 304 with no body.
            assert expect(etag_path, 200, "Hit")[1] == first
            headers, body = expect(etag_path, 304, "Hit", [("If-None-Match", '"v1"')])
            assert body == b"" and headers["ETag"] == '"v1"'
            assert expect(etag_path, 200, "Hit", [("If-None-Match", '"v0"')])[1] == first  # another version: 200
            # RFC 9110 13.1.2: one of a list, a weak tag (weak comparison) and * all match.
            for tags in ('"v0", "v1"', 'W/"v1"', "*"):
                assert expect(etag_path, 304, "Hit", [("If-None-Match", tags)])[1] == b"", tags
            assert [r["path"] for r in origin.requests] == [date_path, plain_path, etag_path]

            # Expired: CloudFront asks the origin with the validators it holds; the origin's 304 keeps the object,
            # which is served again (RefreshHit) and is fresh for another TTL.
            time.sleep(max(0.0, primed + 1.3 - time.monotonic()))
            headers, body = expect(etag_path, 200, "RefreshHit")
            assert body == first and headers["ETag"] == '"v1"'
            asked = origin.requests[-1]
            assert (asked["path"], asked["headers"].get("if-none-match")) == (etag_path, '"v1"')
            assert expect(etag_path, 200, "Hit")[1] == first

            # The viewer's own If-Modified-Since, at the object's Last-Modified, is answered from the refreshed
            # object: 304 with the RefreshHit.
            since = email.utils.formatdate(LAST_MODIFIED, usegmt=True)
            assert expect(date_path, 304, "RefreshHit", [("If-Modified-Since", since)])[1] == b""
            asked = origin.requests[-1]
            assert (asked["path"], asked["headers"].get("if-modified-since")) == (
                date_path, email.utils.formatdate(LAST_MODIFIED, usegmt=True))
            assert "if-none-match" not in asked["headers"]

            _, plain_again = expect(plain_path, 200, "Miss")
            assert json.loads(plain_again)["n"] == len(origin.requests)
            assert "if-none-match" not in origin.requests[-1]["headers"]
            assert "if-modified-since" not in origin.requests[-1]["headers"]

            # A changed object: the origin answers the revalidation with 200 and a new ETag, which replaces the
            # cached one (a Miss); the viewer's old ETag no longer matches.
            refreshed = time.monotonic()
            origin.etag_suffix = "-2"
            time.sleep(max(0.0, refreshed + 1.3 - time.monotonic()))
            headers, body = expect(etag_path, 200, "Miss")
            assert headers["ETag"] == '"v1-2"' and json.loads(body)["n"] == len(origin.requests)
            assert origin.requests[-1]["headers"].get("if-none-match") == '"v1"'
            assert expect(etag_path, 200, "Hit", [("If-None-Match", '"v1"')])[1] == body
            assert expect(etag_path, 304, "Hit", [("If-None-Match", '"v1-2"')])[1] == b""

            assert result_types(edge, len(log)) == log
