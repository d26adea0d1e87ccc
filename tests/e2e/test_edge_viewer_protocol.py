"""nextstack-edge end to end, the viewer side's protocol: with `--https-listen` the edge serves a distribution over
HTTPS too, and on its plain listener each cache behaviour's viewer protocol policy applies. The real binary serves a
distribution made with boto3 against the patched moto server, in front of a loopback echo origin
(nextstack_lab.edge_fixtures), as tests/e2e/test_edge.py does.

AWS: CloudFront API Reference, `CacheBehavior` > `ViewerProtocolPolicy` ("redirect-to-https: If a viewer submits an
HTTP request, CloudFront returns an HTTP status code of 301 (Moved Permanently) to the viewer along with the HTTPS
URL"; "https-only: ... 403 (Forbidden)"); CloudFront Developer Guide, "Add CloudFront request headers"
(`CloudFront-Forwarded-Proto`, `CloudFront-Viewer-TLS`) and "Standard logging" (edge result type `Redirect`,
`cs-protocol`, `ssl-protocol`, `ssl-cipher`).
"""

from __future__ import annotations

import http.client
import json
import ssl

import pytest

from nextstack_lab.edge_fixtures import ALL_METHODS, EchoOrigin, behavior, create_distribution, custom_origin, edge_server



def policy(b: dict, viewer_protocol_policy: str) -> dict:
    return dict(b, ViewerProtocolPolicy=viewer_protocol_policy)


def request(url: str, path: str, method: str = "GET", context: ssl.SSLContext | None = None, body: bytes | None = None):
    """(status, headers, body) of one request on a fresh connection; redirects are not followed."""
    scheme, rest = url.split("://", 1)
    host, port = rest.split(":")
    conn = (http.client.HTTPSConnection(host, int(port), timeout=60, context=context) if scheme == "https"
            else http.client.HTTPConnection(host, int(port), timeout=60))
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


@pytest.fixture
def site(aws, edge_binary, tmp_path):
    """A distribution whose default behaviour redirects to HTTPS, `/only/*` is HTTPS only and `/any/*` allows both,
    all to an echo origin with every viewer header and the protocol headers forwarded; the edge with an HTTPS listener and its
    certificate written out. Yields (edge, echo, certificate path)."""
    cf = aws.client("cloudfront", "us-east-1")
    certificate = tmp_path / "edge.pem"
    # The managed AllViewerAndCloudFrontHeaders-2022-06 does not include CloudFront-Viewer-TLS; this one adds it.
    protocol_headers = cf.create_origin_request_policy(OriginRequestPolicyConfig={
        "Name": "protocol", "Comment": "",
        "HeadersConfig": {"HeaderBehavior": "allViewerAndWhitelistCloudFront", "Headers": {"Quantity": 2, "Items": [
            "CloudFront-Forwarded-Proto", "CloudFront-Viewer-TLS"]}},
        "CookiesConfig": {"CookieBehavior": "none"}, "QueryStringsConfig": {"QueryStringBehavior": "all"},
    })["OriginRequestPolicy"]["Id"]
    with EchoOrigin("echo") as echo:
        forward = dict(origin_request=protocol_headers, methods=ALL_METHODS)
        dist = create_distribution(
            cf, [custom_origin("echo", echo.port)], policy(behavior("echo", **forward), "redirect-to-https"),
            [policy(behavior("echo", "/only/*", **forward), "https-only"),
             policy(behavior("echo", "/any/*", **forward), "allow-all")])
        with edge_server(edge_binary, aws, dist, extra_args=[
                "--https-listen", "127.0.0.1:0", "--https-certificate", str(certificate)]) as edge:
            yield edge, echo, certificate


def test_http_requests_follow_each_behaviours_viewer_protocol_policy(site):
    edge, echo, _ = site
    https_port = int(edge.https_url.rsplit(":", 1)[1])
    for method, body in (("GET", None), ("HEAD", None), ("POST", b"a=1")):
        status, headers, answer = request(edge.url, "/page/one?x=1&y=%20", method, body=body)
        assert status == 301, (method, status, answer[:300])
        assert headers["Location"] == "https://127.0.0.1:%d/page/one?x=1&y=%%20" % https_port, headers.items()
        assert headers["X-Cache"] == "Redirect from cloudfront" and headers["Server"] == "CloudFront"
    status, headers, answer = request(edge.url, "/only/secret")
    assert status == 403 and headers["X-Cache"] == "Error from cloudfront", (status, answer[:300])
    assert b"https-only" in answer
    assert echo.count("/page/one") == 0 and echo.count("/only/secret") == 0, "nothing reached the origin"

    status, _, answer = request(edge.url, "/any/plain")
    assert status == 200, answer[:300]
    seen = json.loads(answer)["headers"]
    assert seen["cloudfront-forwarded-proto"] == "http", seen
    assert "cloudfront-viewer-tls" not in seen, "a viewer that came over HTTP has no TLS to report"

    logged = {(f[7], f[13]): f for f in edge.access_log_with(lambda f: f[7] == "/any/plain")}
    assert logged[("/page/one", "Redirect")][8] == "301"
    assert logged[("/any/plain", "Miss")][16:17] + logged[("/any/plain", "Miss")][20:22] == ["http", "-", "-"]


def test_the_https_listener_serves_with_a_certificate_for_the_distribution(site):
    edge, echo, certificate = site
    trusting = ssl.create_default_context(cafile=str(certificate))
    status, headers, answer = request(edge.https_url, "/page/two?q=1", context=trusting)
    assert status == 200 and headers["X-Cache"] == "Miss from cloudfront", (status, answer[:300])
    seen = json.loads(answer)["headers"]
    assert seen["cloudfront-forwarded-proto"] == "https", seen
    # What was negotiated: TLS 1.3 by default, with an RFC 8446 suite; the handshake was a full one.
    assert seen["cloudfront-viewer-tls"].startswith("TLSv1.3:TLS_AES_") and \
        seen["cloudfront-viewer-tls"].endswith(":fullHandshake"), seen["cloudfront-viewer-tls"]
    # TLS 1.2 on request, its suite by OpenSSL's name, as CloudFront reports it (the certificate is ECDSA P-256).
    tls12 = ssl.create_default_context(cafile=str(certificate))
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    tls12.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    status, _, answer = request(edge.https_url, "/only/secret", "POST", context=tls12, body=b"a=1")
    assert status == 200, answer[:300]
    seen = json.loads(answer)
    assert seen["method"] == "POST" and seen["headers"]["cloudfront-viewer-tls"] == \
        "TLSv1.2:ECDHE-ECDSA-AES128-GCM-SHA256:fullHandshake", seen["headers"]
    logged = {f[7]: f for f in edge.access_log_with(lambda f: f[7] == "/page/two", lambda f: f[7] == "/only/secret")}
    assert (logged["/page/two"][16], logged["/page/two"][20]) == ("https", "TLSv1.3"), logged["/page/two"]
    assert logged["/only/secret"][20:22] == ["TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"], logged["/only/secret"]

    # The certificate is the edge's own, trusted by nobody else: a client with the system's roots refuses it.
    with pytest.raises(ssl.SSLCertVerificationError):
        request(edge.https_url, "/page/three", context=ssl.create_default_context())
    assert echo.count("/page/three") == 0


def test_a_browser_is_sent_to_https_and_served_there(site, browser):
    edge, echo, _ = site
    with browser.new_page(ignore_https_errors=True) as page:
        response = page.goto(edge.url + "/page/browser?from=http")
        assert response.status == 200, response.status
        assert page.url == edge.https_url + "/page/browser?from=http", page.url
        seen = json.loads(page.inner_text("body"))
        assert seen["headers"]["cloudfront-forwarded-proto"] == "https"
        assert seen["headers"]["cloudfront-viewer-tls"].startswith("TLSv1.3:")
    assert echo.count("/page/browser") == 1, "the HTTP request was redirected, only the HTTPS one reached the origin"
