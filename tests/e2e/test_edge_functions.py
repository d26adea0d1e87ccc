"""nextstack-edge end to end: CloudFront Functions beyond test_edge.py's cloudfront-js-2.0 viewer-request ones: the
cloudfront-js-1.0 runtime with its event shape and its language, and viewer-response functions (a header added, the
status changed, not run on errors), through the real binary against the patched moto server and a loopback origin.

AWS: CloudFront Developer Guide, "CloudFront Functions event structure" (version, context with distributionId,
distributionDomainName and eventType, viewer.ip, the request's method, uri, querystring, headers and cookies keyed by
lower-case name with value and multiValue; a viewer-response event adds the response with statusCode, headers and
cookies), "JavaScript runtime 1.0 features for CloudFront Functions" (ES 5.1 with some later features, no const or
let, no async or await; strict mode; the crypto and querystring modules), "JavaScript runtime 2.0 features for
CloudFront Functions" (const, let, async and await), "Restrictions on all edge functions" > "HTTP status codes"
(viewer-response functions are not run when the origin returns a status of 400 or more).
"""

from __future__ import annotations

import json
import re
import time

from nextstack_lab.edge import request as edge_request
from nextstack_lab.edge_fixtures import (ALL_VIEWER, USE_ORIGIN_CACHE_CONTROL, EchoOrigin, behavior,
                                         cloudfront_function, create_distribution, custom_origin, edge_server)

CLOUDFRONT_ERROR_TITLE = b"ERROR: The request could not be satisfied"

# cloudfront-js-1.0, viewer request: /shape answers with what the event held; other requests are rewritten under
# /v1 with a header made by the querystring module. var and ES 5.1 only, as 1.0 requires.
SHAPE_10 = """
function handler(event) {
  var request = event.request;
  if (request.uri === '/shape') {
    var shown = {version: event.version, context: event.context, viewer: event.viewer, method: request.method,
                 uri: request.uri, querystring: request.querystring, accept: request.headers.accept,
                 host: request.headers.host, cookies: request.cookies, hasResponse: event.response !== undefined};
    return {statusCode: 200, statusDescription: 'OK', headers: {'x-event': {value: JSON.stringify(shown)}}};
  }
  var querystring = require('querystring');
  request.uri = '/v1' + request.uri;
  request.headers['x-runtime'] = {value: '1.0 ' + querystring.stringify({a: 'b c'})};
  return request;
}
"""

# The same small function written with const: refused under 1.0, run under 2.0.
WITH_CONST = """
function handler(event) {
  const request = event.request;
  request.headers['x-const'] = {value: 'ran'};
  return request;
}
"""

# Viewer response: a header saying what the function saw (on Misses and Hits alike).
ADD_HEADER = """
function handler(event) {
  var response = event.response;
  response.headers['x-viewer-response'] = {
    value: [event.context.eventType, response.statusCode, event.request.method, event.request.uri,
            response.headers['content-type'].value].join(' ')};
  return response;
}
"""

# Viewer response: a 200 becomes a 410 Gone (with a header saying so).
CHANGE_STATUS = """
async function handler(event) {
  const response = event.response;
  response.statusCode = 410;
  response.statusDescription = 'Gone';
  response.headers['x-status-was'] = {value: '200'};
  return response;
}
"""


def call(edge, path: str, headers=()):
    status, _, response_headers, body = edge_request(edge.url, path, "GET", headers)
    return status, response_headers, body


def wait_for_stderr(edge, pattern: str) -> str:
    deadline = time.monotonic() + 5
    while not re.search(pattern, edge.stderr()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return edge.stderr()


def test_cloudfront_js_1_0_viewer_request_event_shape_and_language(aws, edge_binary):
    cf = aws.client("cloudfront", "us-east-1")
    shape = cloudfront_function(cf, "shape-10", SHAPE_10, runtime="cloudfront-js-1.0")
    const_10 = cloudfront_function(cf, "const-10", WITH_CONST, runtime="cloudfront-js-1.0")
    const_20 = cloudfront_function(cf, "const-20", WITH_CONST, runtime="cloudfront-js-2.0")
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)],
                                   behavior("echo", origin_request=ALL_VIEWER, functions=[("viewer-request", shape)]), [
            behavior("echo", "/const10/*", origin_request=ALL_VIEWER, functions=[("viewer-request", const_10)]),
            behavior("echo", "/const20/*", origin_request=ALL_VIEWER, functions=[("viewer-request", const_20)]),
        ])
        with edge_server(edge_binary, aws, dist) as edge:
            status, headers, body = call(edge, "/shape?a=1&a=2&flag", [
                ("Host", "www.example.test"), ("Accept", "text/html"), ("Accept", "application/json"),
                ("Cookie", "sid=abc; theme=dark")])
            assert (status, body, headers["X-Cache"]) == (200, b"", "FunctionGeneratedResponse from cloudfront")
            shown = json.loads(headers["X-Event"])
            assert shown["version"] == "1.0"
            context = shown["context"]
            assert (context["eventType"], context["distributionId"]) == ("viewer-request", dist.id)
            assert context["distributionDomainName"] == dist["DomainName"]
            assert re.fullmatch(r"\S+", context["requestId"])
            assert shown["viewer"] == {"ip": "127.0.0.1"}
            assert (shown["method"], shown["uri"], shown["hasResponse"]) == ("GET", "/shape", False)
            assert shown["querystring"] == {
                "a": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}, "flag": {"value": ""}}
            assert shown["accept"] == {"value": "text/html",
                                       "multiValue": [{"value": "text/html"}, {"value": "application/json"}]}
            assert shown["host"] == {"value": "www.example.test"}
            assert shown["cookies"] == {"sid": {"value": "abc"}, "theme": {"value": "dark"}}

            # A returned request goes on to the origin, changed; the querystring module is there in 1.0.
            status, headers, body = call(edge, "/page")
            seen = json.loads(body)
            assert (status, seen["path"], seen["headers"]["x-runtime"]) == (200, "/v1/page", "1.0 a=b%20c")

            # const is 2.0's: the 1.0 function fails (503, a stderr line naming it and the statement).
            status, _, body = call(edge, "/const10/page")
            assert status == 503 and CLOUDFRONT_ERROR_TITLE in body, (status, body)
            assert re.search(r"CloudFront Function const-10 failed: SyntaxError: const-10 \(cloudfront-js-1\.0\) uses "
                             r"const on line 3", wait_for_stderr(edge, "const-10 failed"))
            status, _, body = call(edge, "/const20/page")
            assert (status, json.loads(body)["headers"]["x-const"]) == (200, "ran")
            assert echo.count("/const10/page") == 0 and echo.count("/shape") == 0


def test_viewer_response_functions_add_headers_change_the_status_and_skip_errors(aws, edge_binary):
    cf = aws.client("cloudfront", "us-east-1")
    add_header = cloudfront_function(cf, "add-header", ADD_HEADER)
    change_status = cloudfront_function(cf, "change-status", CHANGE_STATUS)
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior("echo"), [
            behavior("echo", "/header/*", cache=USE_ORIGIN_CACHE_CONTROL, functions=[("viewer-response", add_header)]),
            behavior("echo", "/status/*", functions=[("viewer-response", change_status)]),
        ])
        with edge_server(edge_binary, aws, dist) as edge:
            # Every response to the viewer, from the origin or from the cache.
            cached = "/header/cc=max-age=60/a"
            for result in ("Miss", "Hit"):
                status, headers, body = call(edge, cached)
                assert (status, headers["X-Cache"]) == (200, result + " from cloudfront")
                assert headers["X-Viewer-Response"] == "viewer-response 200 GET %s application/json" % cached
                assert json.loads(body)["path"] == cached, "the body is the origin's"
            assert echo.count(cached) == 1

            status, headers, body = call(edge, "/status/page")
            assert (status, headers["X-Status-Was"], json.loads(body)["path"]) == (410, "200", "/status/page")

            # Not run when the origin's status is 400 or more.
            for path, code in (("/header/status=404/a", 404), ("/header/status=503/a", 503),
                               ("/status/status=404/a", 404), ("/status/status=500/a", 500)):
                status, headers, _ = call(edge, path)
                assert status == code, path
                assert "X-Viewer-Response" not in headers and "X-Status-Was" not in headers, (path, headers.items())
                assert echo.count(path) == 1
            assert "failed" not in edge.stderr()
