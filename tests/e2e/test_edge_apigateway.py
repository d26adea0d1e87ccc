"""nextstack-edge end to end: API Gateway REST APIs behind a CloudFront distribution, made directly with boto3 against
the patched moto server (no Terraform), served by the real binary; one moto reset per test.

The distribution's origin is the API's default endpoint, {api-id}.execute-api.{region}.amazonaws.com, with the stage
as origin path, as modules that put an API behind CloudFront make it. Each test names the API Gateway Developer Guide
section its behaviour comes from.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import threading
import time
from contextlib import contextmanager

import pytest

from nextstack_lab import harness
from nextstack_lab.edge import request as edge_request
from nextstack_lab.edge_fixtures import (ALL_METHODS, ALL_VIEWER, ALL_VIEWER_EXCEPT_HOST, CACHING_DISABLED, LAMBDA_TRUST,
                                         REGION, EchoOrigin, behavior, create_distribution, edge_server, node_function,
                                         zip_of)

ACCOUNT = harness.MOTO_DEFAULT_ACCOUNT
MISSING_TOKEN = {"message": "Missing Authentication Token"}
INTERNAL_ERROR = {"message": "Internal server error"}

# Echoes the event it got as the body of a proxy response, with single- and multi-value headers. ?status=N answers N,
# ?binary=1 a base64 PNG-typed body; the /malformed resource answers a body that is not a string.
ECHO = """
export const handler = async (event) => {
  const q = event.queryStringParameters || {};
  if (event.resource === "/malformed") return { statusCode: 200, body: { not: "a string" } };
  if (q.binary) {
    return { statusCode: 200, headers: { "content-type": "image/png" },
             body: Buffer.from("PNG-BYTES").toString("base64"), isBase64Encoded: true };
  }
  return {
    statusCode: Number(q.status || 200),
    headers: { "content-type": "application/json", "x-single": "one", "set-cookie": "dropped=1" },
    multiValueHeaders: { "set-cookie": ["a=1", "b=2"], "x-multi": ["m1", "m2"] },
    body: JSON.stringify(event),
  };
};
"""


def call(edge, path: str, method: str = "GET", headers=(), body: bytes | None = None):
    """One request to the edge with exactly these headers (pairs; a name may repeat): (status, headers, body)."""
    status, _, response_headers, response_body = edge_request(edge.url, path, method, headers, body)
    return status, response_headers, response_body


def stderr_has(edge, text: str, timeout: float = 10.0) -> bool:
    """Whether the edge's stderr shows `text` within the timeout (its lines reach the test through a reader thread,
    possibly after the response that followed them)."""
    deadline = time.monotonic() + timeout
    while text not in edge.stderr():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class RestApi:
    """A REST API in moto: resources by path, methods with their integrations, deployed to stages."""

    def __init__(self, aws, name: str = "edge-api", binary_media_types=("image/png",), region: str = REGION):
        self.region = region
        self.client = aws.client("apigateway", region)
        self.id = self.client.create_rest_api(name=name, binaryMediaTypes=list(binary_media_types),
                                              endpointConfiguration={"types": ["REGIONAL"]})["id"]
        self.resources = {r["path"]: r["id"] for r in self.client.get_resources(restApiId=self.id)["items"]}

    @property
    def domain(self) -> str:
        return "%s.execute-api.%s.amazonaws.com" % (self.id, self.region)

    def resource(self, path: str) -> str:
        """The resource at this path, made with its parents when missing."""
        if path not in self.resources:
            parent, _, part = path.rpartition("/")
            parent_id = self.resource(parent or "/")
            self.resources[path] = self.client.create_resource(restApiId=self.id, parentId=parent_id,
                                                               pathPart=part)["id"]
        return self.resources[path]

    def method(self, path: str, verb: str, integration: dict, authorization: str = "NONE",
               api_key_required: bool = False) -> None:
        rid = self.resource(path)
        self.client.put_method(restApiId=self.id, resourceId=rid, httpMethod=verb, authorizationType=authorization,
                               apiKeyRequired=api_key_required)
        self.client.put_integration(restApiId=self.id, resourceId=rid, httpMethod=verb, **integration)

    def lambda_proxy(self, path: str, verb: str, function_arn: str, authorization: str = "NONE") -> None:
        uri = "arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations" % (self.region, function_arn)
        self.method(path, verb, {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": uri}, authorization)

    def deploy(self, stage: str, variables: dict | None = None) -> str:
        return self.client.create_deployment(restApiId=self.id, stageName=stage, variables=variables or {})["id"]

    def stage(self, stage: str, deployment_id: str) -> None:
        self.client.create_stage(restApiId=self.id, stageName=stage, deploymentId=deployment_id)

    def source_arn(self, rest: str) -> str:
        return "arn:aws:execute-api:%s:%s:%s/%s" % (self.region, ACCOUNT, self.id, rest)


def function(aws, name: str, code: str = ECHO, region: str = REGION) -> str:
    """A Node.js function; its ARN."""
    node_function(aws, name, code, region=region)
    return aws.client("lambda", region).get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def allow_api(aws, name: str, source_arn: str, sid: str = "AllowApiGateway", region: str = REGION) -> None:
    """The grant API Gateway needs ("Set up Lambda proxy integrations in API Gateway")."""
    aws.client("lambda", region).add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction",
                                                Principal="apigateway.amazonaws.com", SourceArn=source_arn)


def api_origin(origin_id: str, api: RestApi, stage: str) -> dict:
    """The API's default endpoint as a custom origin (HTTPS only), the stage as origin path."""
    return {"Id": origin_id, "DomainName": api.domain, "OriginPath": "/" + stage,
            "CustomHeaders": {"Quantity": 0, "Items": []},
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
                                   "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                                   "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5}}


def api_distribution(aws, api: RestApi, stage: str = "prod", origin_request: str = ALL_VIEWER_EXCEPT_HOST):
    cf = aws.client("cloudfront", "us-east-1")
    return create_distribution(cf, [api_origin("api", api, stage)],
                               behavior("api", cache=CACHING_DISABLED, origin_request=origin_request,
                                        methods=ALL_METHODS))


@pytest.fixture
def site(aws):
    """An API with the echo function on /items/{id} (GET), /files/{proxy+} (ANY) and /malformed (GET); /items has no
    method; deployed to prod (stage variable color=blue) and test; the function's permission covers prod only."""
    api = RestApi(aws)
    echo = function(aws, "echo")
    api.resource("/items")
    api.lambda_proxy("/items/{id}", "GET", echo)
    api.lambda_proxy("/files/{proxy+}", "ANY", echo)
    api.lambda_proxy("/malformed", "GET", echo)
    deployment = api.deploy("prod", {"color": "blue"})
    api.stage("test", deployment)
    allow_api(aws, "echo", api.source_arn("prod/*/*"))
    return api


def test_proxy_event_has_the_route_the_query_and_the_stage(aws, edge_binary, site):
    """"Input format of a Lambda function for proxy integration": resource, path (below the stage), pathParameters,
    the last value of repeated query names and headers beside all their values, stageVariables, requestContext."""
    with edge_server(edge_binary, aws, api_distribution(aws, site)) as edge:
        status, headers, body = call(edge, "/items/a%20b?tag=x&tag=y&one=1",
                                     headers=[("X-Repeat", "r1"), ("X-Repeat", "r2")])
        assert status == 200, (status, body[:500], edge.stderr()[-2000:])
        event = json.loads(body)
        assert event["resource"] == "/items/{id}"
        assert event["path"] == "/items/a%20b"
        assert event["httpMethod"] == "GET"
        assert event["pathParameters"] == {"id": "a%20b"}  # as sent, like `path`
        assert event["queryStringParameters"] == {"tag": "y", "one": "1"}
        assert event["multiValueQueryStringParameters"] == {"tag": ["x", "y"], "one": ["1"]}
        assert event["stageVariables"] == {"color": "blue"}
        repeated = {k.lower(): v for k, v in event["multiValueHeaders"].items()}["x-repeat"]
        assert repeated[-1] == {k.lower(): v for k, v in event["headers"].items()}["x-repeat"]
        assert "r1" in ",".join(repeated) and "r2" in ",".join(repeated), repeated
        lower = {k.lower(): v for k, v in event["headers"].items()}
        assert lower["x-forwarded-proto"] == "https" and lower["x-forwarded-port"] == "443"
        assert lower["x-forwarded-for"].endswith(", 127.0.0.1"), lower  # the viewer's, then CloudFront's
        assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", lower["x-amzn-trace-id"]), lower
        ctx = event["requestContext"]
        assert ctx["stage"] == "prod" and ctx["resourcePath"] == "/items/{id}" and ctx["httpMethod"] == "GET"
        assert ctx["apiId"] == site.id and ctx["path"] == "/prod/items/a%20b"
        assert ctx["identity"]["sourceIp"] == "127.0.0.1"
        assert ctx["requestId"] and headers["x-amzn-RequestId"] == ctx["requestId"]
        assert event["body"] is None and event["isBase64Encoded"] is False


def test_greedy_proxy_any_method_and_bodies(aws, edge_binary, site):
    """"Set up a proxy integration with a proxy resource": {proxy+} takes every segment below it, ANY every method;
    "Working with binary media types for REST APIs": a body of a binary media type arrives base64-encoded."""
    with edge_server(edge_binary, aws, api_distribution(aws, site)) as edge:
        status, _, body = call(edge, "/files/a/b/c.txt", method="POST", headers=[("Content-Type", "text/plain")],
                               body=b"hello")
        assert status == 200, body[:500]
        event = json.loads(body)
        assert event["resource"] == "/files/{proxy+}" and event["pathParameters"] == {"proxy": "a/b/c.txt"}
        assert event["httpMethod"] == "POST" and event["body"] == "hello" and event["isBase64Encoded"] is False
        png = bytes(range(256))
        status, _, body = call(edge, "/files/x.png", method="PUT", headers=[("Content-Type", "image/png")], body=png)
        event = json.loads(body)
        assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == png


def test_proxy_response_mapping(aws, edge_binary, site):
    """"Output format of a Lambda function for proxy integration": statusCode, headers merged with multiValueHeaders
    (multiValueHeaders win for a name in both), body; "Return binary media from a Lambda proxy integration": a base64
    body is decoded when the request's Accept is a binary media type, else sent as the text it is."""
    with edge_server(edge_binary, aws, api_distribution(aws, site)) as edge:
        status, headers, body = call(edge, "/items/1?status=201")
        assert status == 201
        assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
        assert headers["x-single"] == "one" and headers.get_all("x-multi") == ["m1", "m2"]
        assert json.loads(body)["pathParameters"] == {"id": "1"}
        status, _, body = call(edge, "/items/1?binary=1", headers=[("Accept", "image/png")])
        assert (status, body) == (200, b"PNG-BYTES")
        status, _, body = call(edge, "/items/1?binary=1", headers=[("Accept", "text/html")])
        assert (status, body) == (200, base64.b64encode(b"PNG-BYTES"))


def test_missing_resource_method_or_stage_is_missing_authentication_token(aws, edge_binary, site):
    """"Invoke REST APIs" / "Gateway response types": no resource, no method for the verb (nor ANY) and a resource
    without methods all get the 403 MISSING_AUTHENTICATION_TOKEN response."""
    with edge_server(edge_binary, aws, api_distribution(aws, site)) as edge:
        for path, method in (("/nothing", "GET"), ("/items/1", "POST"), ("/items", "GET"), ("/", "GET")):
            status, headers, body = call(edge, path, method=method)
            assert (status, json.loads(body)) == (403, MISSING_TOKEN), (path, method)
            assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    with edge_server(edge_binary, aws, api_distribution(aws, site, stage="nostage")) as edge:
        status, _, body = call(edge, "/items/1")
        assert (status, json.loads(body)) == (403, MISSING_TOKEN)


def test_malformed_proxy_response_is_502(aws, edge_binary, site):
    """"Handle Lambda errors in API Gateway": a response that is not a proxy response object is a 502."""
    with edge_server(edge_binary, aws, api_distribution(aws, site)) as edge:
        status, _, body = call(edge, "/malformed")
        assert (status, json.loads(body)) == (502, INTERNAL_ERROR)
        assert stderr_has(edge, "malformed Lambda proxy response: body is not a string"), edge.stderr()


def test_function_permission_is_checked_by_method_arn(aws, edge_binary, site):
    """"Set up Lambda proxy integrations": API Gateway invokes the function only if its resource policy allows
    apigateway.amazonaws.com for the method's ARN (API/STAGE/METHOD/PATH); otherwise 500 and "Invalid permissions"."""
    # The echo function's grant covers prod only: through the test stage it is refused.
    with edge_server(edge_binary, aws, api_distribution(aws, site, stage="test")) as edge:
        status, _, body = call(edge, "/items/1")
        assert (status, json.loads(body)) == (500, INTERNAL_ERROR)
        assert stderr_has(edge, "Invalid permissions on Lambda function"), edge.stderr()
        assert stderr_has(edge, site.source_arn("test/GET/items/1")), edge.stderr()
    # A grant for one method and path: that one is served, another path is not.
    api = RestApi(aws, name="narrow")
    narrow = function(aws, "narrow")
    api.lambda_proxy("/a/{proxy+}", "ANY", narrow)
    api.deploy("prod")
    allow_api(aws, "narrow", api.source_arn("prod/GET/a/open/*"))
    with edge_server(edge_binary, aws, api_distribution(aws, api)) as edge:
        assert call(edge, "/a/open/1")[0] == 200
        assert call(edge, "/a/open/1", method="DELETE")[0] == 500
        assert call(edge, "/a/closed")[0] == 500


def test_mock_integration_and_what_is_not_modelled(aws, edge_binary):
    """"Set up an integration response": a MOCK integration answers the integration response its request template's
    statusCode selects, with static header mappings and its template as body. Authorizers other than NONE and the
    integrations not modelled answer 501 naming the method."""
    api = RestApi(aws, name="mocked")
    api.method("/mock", "GET", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 201}'}})
    rid = api.resource("/mock")
    api.client.put_method_response(restApiId=api.id, resourceId=rid, httpMethod="GET", statusCode="201",
                                   responseParameters={"method.response.header.X-Mock": True})
    api.client.put_integration_response(restApiId=api.id, resourceId=rid, httpMethod="GET", statusCode="201",
                                        selectionPattern="2\\d\\d",
                                        responseParameters={"method.response.header.X-Mock": "'yes'"},
                                        responseTemplates={"application/json": '{"mocked": true}'})
    echo = function(aws, "echo")
    api.lambda_proxy("/iam", "GET", echo, authorization="AWS_IAM")
    api.method("/http", "GET", {"type": "HTTP", "integrationHttpMethod": "GET", "uri": "http://example.com/"})
    api.deploy("prod")
    allow_api(aws, "echo", api.source_arn("*/*/*"))
    with edge_server(edge_binary, aws, api_distribution(aws, api)) as edge:
        status, headers, body = call(edge, "/mock")
        assert (status, json.loads(body), headers["X-Mock"]) == (201, {"mocked": True}, "yes")
        status, _, body = call(edge, "/iam")
        assert status == 501 and "authorization type AWS_IAM" in json.loads(body)["message"]
        assert "GET /iam" in json.loads(body)["message"] and api.id in json.loads(body)["message"]
        status, _, body = call(edge, "/http")
        assert status == 501 and "the HTTP integration" in json.loads(body)["message"]


# --------------------------------------------------------------------------------------------- serve --rest-api


class Served:
    """What `serve --rest-api ...` printed: .url (of the first front door), .stderr()."""

    def __init__(self, url: str, err: list[str]):
        self.url, self._err = url, err

    def stderr(self) -> str:
        return "\n".join(self._err)


@contextmanager
def rest_api_server(binary, aws, *names: str, region: str = REGION, env: dict | None = None):
    """nextstack-edge serve --rest-api NAME ... (no distribution) in REGION, with these environment variables
    added; yields a Served per front door."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION=region,
               AWS_EC2_METADATA_DISABLED="true", **(env or {}))
    cmd = [str(binary), "serve", "--endpoint", aws.endpoint]
    for name in names:
        cmd += ["--rest-api", name]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=harness._die_with_parent)
    out: list[str] = []
    err: list[str] = []
    for stream, sink in ((proc.stdout, out), (proc.stderr, err)):
        threading.Thread(target=lambda st=stream, sk=sink: [sk.append(line.rstrip("\n")) for line in st],
                         daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while len(out) < len(names):
            assert proc.poll() is None, "nextstack-edge exited:\n" + "\n".join(err)
            assert time.monotonic() < deadline, "no serving lines:\n" + "\n".join(err)
            time.sleep(0.05)
        served = []
        for line, name in zip(out, names):
            assert line.startswith("nextstack-edge: serving http://127.0.0.1:"), line
            served.append(Served(line.split()[2], err))
        yield served
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print("--- nextstack-edge stderr (last lines) ---\n" + harness._tail("\n".join(err), 60))


def test_serve_rest_api_directly(aws, edge_binary, site):
    """`serve --rest-api ID`: the API's execute-api endpoint on loopback; "Invoke REST APIs": the first path segment
    is the stage, the Host the API's own name, the caller's address its sourceIp."""
    with rest_api_server(edge_binary, aws, site.id) as (api,):
        status, headers, body = call(api, "/prod/items/9?x=1", headers=[("Host", "elsewhere.example")])
        assert status == 200, (status, body[:500], api.stderr()[-2000:])
        event = json.loads(body)
        assert event["path"] == "/items/9" and event["requestContext"]["path"] == "/prod/items/9"
        assert event["headers"]["host"] == site.domain
        assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
        assert call(api, "/items/9")[0] == 403  # no stage named "items"
        assert call(api, "/test/items/9")[0] == 500  # the function's grant covers prod only


def test_custom_domain_base_path_mappings(aws, edge_binary):
    """"Map API stages to a custom domain name for REST APIs": /BASE_PATH/... reaches the mapped stage (or, for a
    mapping without a stage, the stage named next in the path); paths no mapping takes are 403 Forbidden. Served
    directly (`--rest-api DOMAIN`) and as a CloudFront origin whose domain is the custom domain name."""
    region = "us-east-1"
    api = RestApi(aws, name="mapped", region=region)
    echo = function(aws, "echo", region=region)
    api.lambda_proxy("/items/{id}", "GET", echo)
    api.deploy("prod")
    allow_api(aws, "echo", api.source_arn("*/*/*"), region=region)
    api.client.create_domain_name(domainName="api.example.com", regionalCertificateArn="arn:aws:acm:%s:%s:certificate/x"
                                  % (region, ACCOUNT), endpointConfiguration={"types": ["REGIONAL"]})
    api.client.create_base_path_mapping(domainName="api.example.com", restApiId=api.id, basePath="v1", stage="prod")
    api.client.create_base_path_mapping(domainName="api.example.com", restApiId=api.id, basePath="any")
    with rest_api_server(edge_binary, aws, "api.example.com", region=region) as (domain,):
        status, _, body = call(domain, "/v1/items/3")
        assert status == 200, (status, body[:500], domain.stderr()[-2000:])
        event = json.loads(body)
        assert (event["path"], event["requestContext"]["stage"]) == ("/items/3", "prod")
        assert json.loads(call(domain, "/any/prod/items/4")[2])["pathParameters"] == {"id": "4"}
        status, _, body = call(domain, "/v2/items/3")
        assert (status, json.loads(body)) == (403, {"message": "Forbidden"})
    cf = aws.client("cloudfront", "us-east-1")
    origin = dict(api_origin("api", api, "prod"), DomainName="api.example.com", OriginPath="")
    dist = create_distribution(cf, [origin], behavior("api", cache=CACHING_DISABLED,
                                                     origin_request=ALL_VIEWER_EXCEPT_HOST))
    with edge_server(edge_binary, aws, dist) as edge:
        status, _, body = call(edge, "/v1/items/5")
        assert status == 200, body[:500]
        assert json.loads(body)["pathParameters"] == {"id": "5"}


def test_an_api_that_is_not_there_stops_the_edge_at_start(aws, edge_binary):
    """The edge contract (docs/edge.md): an origin on an execute-api domain whose API does not exist stops the edge at
    start (exit 1) with a message naming the origin and the API."""
    cf = aws.client("cloudfront", "us-east-1")
    origin = dict(api_origin("api", RestApi(aws, name="unused"), "prod"),
                  DomainName="nosuchapi.execute-api.%s.amazonaws.com" % REGION)
    dist = create_distribution(cf, [origin], behavior("api"))
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.run([str(edge_binary), "serve", "--distribution-id", dist.id, "--endpoint", aws.endpoint],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == "", (proc.returncode, proc.stdout, proc.stderr)
    assert "origin api: REST API nosuchapi in %s" % REGION in proc.stderr, proc.stderr


def test_http_proxy_integration(aws, edge_binary):
    """"Set up HTTP proxy integrations in API Gateway": the integration URI's {proxy} is filled from the method's
    greedy path parameter as requestParameters map it; method, query string, headers and body pass through."""
    with EchoOrigin("backend") as backend:
        api = RestApi(aws, name="proxied")
        api.method("/svc/{proxy+}", "ANY", {
            "type": "HTTP_PROXY", "integrationHttpMethod": "ANY",
            "uri": "http://127.0.0.1:%d/base/{proxy}" % backend.port,
            "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}})
        api.deploy("prod")
        with edge_server(edge_binary, aws, api_distribution(aws, api)) as edge:
            status, _, body = call(edge, "/svc/a/b?q=1", method="POST", headers=[("X-Test", "t")], body=b"payload")
            assert status == 200, (status, body[:500], edge.stderr()[-2000:])
            seen = json.loads(body)
            assert (seen["method"], seen["path"], seen["query"]) == ("POST", "/base/a/b", "q=1")
            assert seen["headers"]["x-test"] == "t" and seen["body"] == "payload"


def test_the_viewers_host_header_is_not_the_apis(aws, edge_binary, site):
    """CloudFront Developer Guide, "Use managed origin request policies": API Gateway expects the Host header to be
    its own domain (hence AllViewerExceptHostHeader); forwarding the viewer's Host (AllViewer) reaches no API: 403."""
    with edge_server(edge_binary, aws, api_distribution(aws, site, origin_request=ALL_VIEWER)) as edge:
        status, headers, body = call(edge, "/items/1", headers=[("Host", "www.example.com")])
        assert (status, json.loads(body)) == (403, {"message": "Forbidden"})
        assert headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_api_keys_from_the_header(aws, edge_binary):
    """"Choose an API key source" and "Usage plans and API keys for REST APIs": a method that requires an API key
    takes the x-api-key header; only an enabled key of a usage plan that includes the API's stage passes, anything
    else is 403 Forbidden."""
    api = RestApi(aws, name="keyed")
    api.method("/keyed", "GET", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
               api_key_required=True)
    rid = api.resource("/keyed")
    api.client.put_integration_response(restApiId=api.id, resourceId=rid, httpMethod="GET", statusCode="200",
                                        responseTemplates={"application/json": '{"ok": true}'})
    api.deploy("prod")
    plan = api.client.create_usage_plan(name="plan", apiStages=[{"apiId": api.id, "stage": "prod"}])["id"]
    for name, enabled, in_plan in (("good", True, True), ("off", False, True), ("stray", True, False)):
        key = api.client.create_api_key(name=name, value="key-%s-0123456789abcdef" % name, enabled=enabled)["id"]
        if in_plan:
            api.client.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    with edge_server(edge_binary, aws, api_distribution(aws, api)) as edge:
        status, _, body = call(edge, "/keyed", headers=[("x-api-key", "key-good-0123456789abcdef")])
        assert (status, json.loads(body)) == (200, {"ok": True}), edge.stderr()[-2000:]
        for headers in ([], [("x-api-key", "key-off-0123456789abcdef")], [("x-api-key", "key-stray-0123456789abcdef")]):
            status, _, body = call(edge, "/keyed", headers=headers)
            assert (status, json.loads(body)) == (403, {"message": "Forbidden"}), headers


# --------------------------------------------------------------------------------------------- the runtime's AWS SDK
# Lambda's Node.js runtimes include the AWS SDK for JavaScript v3 ("Building Lambda functions with Node.js",
# "Runtime-included SDK versions"); the edge gives functions the packages edge/runtime/node/aws-sdk pins (installed by
# tests/toolchain.sh), through NODE_PATH for require and for import as nodejs18.x+ does.

SIX_STACK_FUNCTIONS = harness.REPO_ROOT / "examples" / "six-stack" / "api" / "functions"
SDK_PACKAGE = json.loads((harness.REPO_ROOT / "edge/runtime/node/aws-sdk/package.json").read_text())
SDK_VERSION = SDK_PACKAGE["dependencies"]["@aws-sdk/client-dynamodb"]

# ES module import of the runtime's @aws-sdk/client-sqs: sends the request body to the queue the path names.
SQS_ESM = """
import { SQSClient, SendMessageCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
const sqs = new SQSClient({});
export const handler = async (event) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: event.pathParameters.proxy }));
  const out = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: event.body }));
  return { statusCode: 200, body: JSON.stringify({ messageId: out.MessageId }) };
};
"""

# CommonJS require of the runtime's @aws-sdk/client-ssm: reads the parameter the path names, and says which SDK
# version it got.
SSM_CJS = """
const { SSMClient, GetParameterCommand } = require("@aws-sdk/client-ssm");
const ssm = new SSMClient({});
exports.handler = async (event) => {
  const out = await ssm.send(new GetParameterCommand({ Name: "/" + event.pathParameters.proxy }));
  const version = require("@aws-sdk/client-ssm/package.json").version;
  return { statusCode: 200, body: JSON.stringify({ value: out.Parameter.Value, version }) };
};
"""

# An SDK package the edge does not provide.
KINESIS_ESM = """
import { KinesisClient } from "@aws-sdk/client-kinesis";
export const handler = async () => ({ statusCode: 200, body: String(typeof KinesisClient) });
"""


def six_stack_table(aws, name: str = "portfolio-table") -> str:
    """The data stack's single table as modules/data makes it: pk/sk, GSI1 (gsi1pk/gsi1sk), GSI2 (gsi2pk/gsi2sk)."""
    keys = lambda h, r: [{"AttributeName": h, "KeyType": "HASH"}, {"AttributeName": r, "KeyType": "RANGE"}]
    aws.client("dynamodb", REGION).create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=keys("pk", "sk"),
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"}
                              for a in ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")],
        GlobalSecondaryIndexes=[{"IndexName": i, "KeySchema": keys(i.lower() + "pk", i.lower() + "sk"),
                                 "Projection": {"ProjectionType": "ALL"}} for i in ("GSI1", "GSI2")])
    return name


def zipped_function(aws, name: str, zip_bytes: bytes, runtime: str = "nodejs22.x", environment=None) -> str:
    """A function from this zip (handler index.handler, modules/api's default runtime); its ARN."""
    role = aws.client("iam", REGION).create_role(RoleName=name + "-role", AssumeRolePolicyDocument=LAMBDA_TRUST)
    return aws.client("lambda", REGION).create_function(
        FunctionName=name, Runtime=runtime, Role=role["Role"]["Arn"], Handler="index.handler", Timeout=10,
        MemorySize=256, Code={"ZipFile": zip_bytes},
        Environment={"Variables": environment or {}})["FunctionArn"]


def routed(api: RestApi, path: str, methods, arn: str) -> None:
    """modules/api's routes: /PATH and /PATH/{proxy+}, each method a Lambda proxy integration."""
    for verb in methods:
        api.lambda_proxy("/" + path, verb, arn)
        api.lambda_proxy("/%s/{proxy+}" % path, verb, arn)


@pytest.fixture
def six_stack_api(aws):
    """modules/api's layout for the six-stack example, made with boto3: its three functions from their committed zips
    (tools/function_zips.py), with the variables modules/api gives them, behind one REST API at the example's paths
    and methods (articles GET, contact POST, portfolio GET), deployed to prod; the data stack's table, seeded."""
    return build_six_stack_api(aws)


def build_six_stack_api(aws, cors_allow_origins=(), contact_notification=None):
    """six_stack_api's layout; with cors_allow_origins, as modules/api makes it with its `cors_allow_origins`: each
    function also on OPTIONS, CORS_ALLOW_ORIGINS and CORS_ALLOW_METHODS in its environment; with
    contact_notification (from, [to]), as modules/api makes it with its `contact_notification`: NOTIFICATION_FROM
    and NOTIFICATION_TO in the contact function's environment."""
    table = six_stack_table(aws)
    ddb = aws.client("dynamodb", REGION)
    for item in (
        {"pk": "ARTICLE", "sk": "hello-edge", "title": "Hello, edge"},
        {"pk": "ARTICLE", "sk": "six-stacks", "title": "Six stacks"},
        {"pk": "PROJECT#site", "sk": "META", "gsi1pk": "KIND#project", "gsi1sk": "2026", "name": "The site"},
        {"pk": "TALK#cdk", "sk": "META", "gsi1pk": "KIND#talk", "gsi1sk": "2025", "name": "CDK talk"},
    ):
        ddb.put_item(TableName=table, Item={k: {"S": v} for k, v in item.items()})
    api = RestApi(aws, name="six-stack-api")
    for name, methods in (("articles", ["GET"]), ("contact", ["POST"]), ("portfolio", ["GET"])):
        env = {"TABLE_NAME": table, "GSI1_NAME": "GSI1", "GSI2_NAME": "GSI2"}
        if cors_allow_origins:
            methods = methods + ["OPTIONS"]
            env.update(CORS_ALLOW_ORIGINS=",".join(cors_allow_origins), CORS_ALLOW_METHODS=", ".join(methods))
        if contact_notification and name == "contact":
            env.update(NOTIFICATION_FROM=contact_notification[0], NOTIFICATION_TO=",".join(contact_notification[1]))
        arn = zipped_function(aws, "six-stack-" + name, (SIX_STACK_FUNCTIONS / (name + ".zip")).read_bytes(),
                              environment=env)
        routed(api, name, methods, arn)
        allow_api(aws, "six-stack-" + name, api.source_arn("*/*"))
    api.deploy("prod")
    return api, table


def sdk_failure_hint(served) -> str:
    return "(is the runtime's SDK installed? tests/toolchain.sh installs it)\n" + served.stderr()[-3000:]


def test_six_stack_api_functions_use_the_runtimes_sdk(aws, edge_binary, six_stack_api):
    """The six-stack API's real functions (ES modules importing @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb,
    which they do not bundle) answer at their paths through `serve --rest-api`, reading and writing the table in the
    emulator with the runtime's SDK."""
    api, table = six_stack_api
    with rest_api_server(edge_binary, aws, api.id) as (served,):
        status, _, body = call(served, "/prod/articles")
        assert status == 200, (status, body[:500], sdk_failure_hint(served))
        assert sorted((a["sk"], a["title"]) for a in json.loads(body)["articles"]) == [
            ("hello-edge", "Hello, edge"), ("six-stacks", "Six stacks")]
        status, _, body = call(served, "/prod/articles/six-stacks")
        assert (status, json.loads(body)["title"]) == (200, "Six stacks"), body
        status, _, body = call(served, "/prod/articles/none-such")
        assert (status, json.loads(body)) == (404, {"message": "no article none-such"})

        status, _, body = call(served, "/prod/portfolio")
        assert status == 200, (status, body[:500], sdk_failure_hint(served))
        got = json.loads(body)
        assert got["kind"] == "project" and [i["name"] for i in got["items"]] == ["The site"], got
        status, _, body = call(served, "/prod/portfolio/talk")
        assert [i["name"] for i in json.loads(body)["items"]] == ["CDK talk"], body

        form = {"name": "Ada", "email": "ada@example.com", "message": "Hello from the edge"}
        status, _, body = call(served, "/prod/contact", "POST", [("Content-Type", "application/json")],
                               json.dumps(form).encode())
        assert status == 202, (status, body[:500], sdk_failure_hint(served))
        message_id = json.loads(body)["id"]
        stored = aws.client("dynamodb", REGION).query(
            TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "CONTACT"}})
        assert [({k: v["S"] for k, v in i.items() if k in form}, i["sk"]["S"].endswith("#" + message_id))
                for i in stored["Items"]] == [(form, True)], stored["Items"]
        status, _, body = call(served, "/prod/contact", "POST", [("Content-Type", "application/json")], b"{}")
        assert (status, json.loads(body)) == (400, {"message": "name, email and message are required"})
        assert call(served, "/prod/contact")[0] == 403  # GET is not a method of /contact: Missing Authentication Token


def test_runtime_sdk_from_import_and_require_and_a_package_it_lacks(aws, edge_binary):
    """An ES module `import` and a CommonJS `require` of SDK packages the function does not bundle both get the
    pinned runtime SDK; an SDK package the edge does not provide fails the function with a message naming it and
    the file that lists what is provided (API Gateway's 502 to the caller), never silently."""
    sqs = aws.client("sqs", REGION)
    queue_url = sqs.create_queue(QueueName="from-esm")["QueueUrl"]
    aws.client("ssm", REGION).put_parameter(Name="/app/greeting", Value="hello from ssm", Type="String")
    api = RestApi(aws, name="sdk-api")
    for name, files in (("sqs-esm", {"index.mjs": SQS_ESM}), ("ssm-cjs", {"index.js": SSM_CJS}),
                        ("kinesis-esm", {"index.mjs": KINESIS_ESM})):
        routed(api, name, ["POST"], zipped_function(aws, name, zip_of(files), runtime="nodejs20.x"))
        allow_api(aws, name, api.source_arn("*/*"))
    api.deploy("prod")
    with rest_api_server(edge_binary, aws, api.id) as (served,):
        status, _, body = call(served, "/prod/sqs-esm/from-esm", "POST", body=b"sent with client-sqs")
        assert status == 200, (status, body[:500], sdk_failure_hint(served))
        received = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
        assert [(m["MessageId"], m["Body"]) for m in received] == [
            (json.loads(body)["messageId"], "sent with client-sqs")]

        status, _, body = call(served, "/prod/ssm-cjs/app/greeting", "POST", body=b"")
        assert status == 200, (status, body[:500], sdk_failure_hint(served))
        assert json.loads(body) == {"value": "hello from ssm", "version": SDK_VERSION}

        status, _, body = call(served, "/prod/kinesis-esm", "POST", body=b"")
        assert (status, json.loads(body)) == (502, INTERNAL_ERROR)
        assert stderr_has(served, "@aws-sdk/client-kinesis is not among the AWS SDK packages the edge provides"), \
            served.stderr()[-3000:]
        assert stderr_has(served, "edge/runtime/node/aws-sdk/package.json"), served.stderr()[-3000:]


def test_a_missing_runtime_sdk_is_an_error_saying_how_to_install_it(aws, edge_binary, tmp_path):
    """With an edge cache where the SDK was never installed, a function importing it fails with the not-found error
    naming the package and the command that installs it."""
    arn = zipped_function(aws, "needs-sdk", zip_of({"index.mjs": SQS_ESM}), runtime="nodejs20.x")
    api = RestApi(aws, name="no-sdk")
    routed(api, "q", ["POST"], arn)
    allow_api(aws, "needs-sdk", api.source_arn("*/*"))
    api.deploy("prod")
    with rest_api_server(edge_binary, aws, api.id, env={"NEXTSTACK_EDGE_CACHE": str(tmp_path)}) as (served,):
        status, _, body = call(served, "/prod/q/any", "POST", body=b"x")
        assert (status, json.loads(body)) == (502, INTERNAL_ERROR)
        sdk_dir = next((tmp_path / "aws-sdk").iterdir())
        assert stderr_has(served, "Cannot find package '@aws-sdk/client-sqs'"), served.stderr()[-3000:]
        assert stderr_has(served, "not installed in %s: run tests/toolchain.sh, or `npm ci --prefix %s`"
                          % (sdk_dir, sdk_dir)), served.stderr()[-3000:]
        assert sorted(p.name for p in sdk_dir.iterdir()) == ["package-lock.json", "package.json"]


def test_six_stack_api_cors_for_the_sites_origins(aws, edge_binary):
    """modules/api's cors_allow_origins on the six-stack functions ("Enabling CORS for a REST API resource": with a
    Lambda proxy integration the function returns the headers): the preflight (OPTIONS) from an allowed origin is
    answered with that origin, the function's methods and Content-Type; the answers to that origin carry
    Access-Control-Allow-Origin; another origin gets no Access-Control-Allow-Origin, so its pages cannot read them."""
    site, www, other = "https://example.test", "https://www.example.test", "https://elsewhere.example"
    api, _ = build_six_stack_api(aws, cors_allow_origins=[site, www])
    with rest_api_server(edge_binary, aws, api.id) as (served,):
        preflight = [("Origin", www), ("Access-Control-Request-Method", "POST"),
                     ("Access-Control-Request-Headers", "content-type")]
        status, headers, body = call(served, "/prod/contact", "OPTIONS", preflight)
        assert status == 204, (status, body[:500], sdk_failure_hint(served))
        assert (headers["access-control-allow-origin"], headers["access-control-allow-methods"],
                headers["access-control-allow-headers"], headers["access-control-max-age"]) == (
            www, "POST, OPTIONS", "content-type", "600"), dict(headers)
        form = {"name": "Ada", "email": "ada@example.com", "message": "CORS"}
        status, headers, body = call(served, "/prod/contact", "POST", [("Origin", site), ("Content-Type", "application/json")],
                                     json.dumps(form).encode())
        assert (status, headers["access-control-allow-origin"], headers["vary"]) == (202, site, "Origin"), body
        status, headers, _ = call(served, "/prod/articles/six-stacks", headers=[("Origin", site)])
        assert (status, headers["access-control-allow-origin"]) == (200, site)
        for method, path in (("GET", "/prod/portfolio"), ("OPTIONS", "/prod/portfolio/talk")):
            status, headers, _ = call(served, path, method, [("Origin", other), ("Access-Control-Request-Method", "GET")])
            assert status in (200, 204) and "access-control-allow-origin" not in headers, (method, status, dict(headers))
        assert call(served, "/prod/articles", "OPTIONS", [("Origin", site)])[1]["access-control-allow-methods"] == \
            "GET, OPTIONS"


def test_six_stack_contact_mail_never_fails_the_form(aws, edge_binary):
    """modules/api's contact_notification on the six-stack contact function (SESv2 SendEmail with the runtime's
    @aws-sdk/client-sesv2): while the sender is not a verified SES identity SES rejects the mail, and the function logs
    that and still stores the message and answers 202; once it is verified, each message sends one mail."""
    sender, owner = "contact@example.test", "owner@example.test"
    api, table = build_six_stack_api(aws, contact_notification=(sender, [owner]))
    ses = aws.client("ses", REGION)
    with rest_api_server(edge_binary, aws, api.id) as (served,):
        def post(text):
            form = {"name": "Ada", "email": "ada@example.com", "message": text}
            status, _, body = call(served, "/prod/contact", "POST", [("Content-Type", "application/json")],
                                   json.dumps(form).encode())
            assert status == 202, (status, body[:500], sdk_failure_hint(served))
            return json.loads(body)["id"]

        first = post("before the sender is verified")
        assert stderr_has(served, "contact notification not sent"), served.stderr()[-3000:]
        assert first in served.stderr() and "MessageRejected" in served.stderr(), served.stderr()[-3000:]
        stats = ses.get_send_statistics()["SendDataPoints"]
        assert (ses.get_send_quota()["SentLast24Hours"], sum(p["Rejects"] for p in stats)) == (0, 1), stats

        aws.client("sesv2", REGION).create_email_identity(EmailIdentity=sender)
        post("after")
        post("and again")
        assert ses.get_send_quota()["SentLast24Hours"] == 2, sdk_failure_hint(served)
        assert served.stderr().count("contact notification not sent") == 1, served.stderr()[-3000:]
    stored = aws.client("dynamodb", REGION).query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "CONTACT"}})
    assert sorted(i["message"]["S"] for i in stored["Items"]) == ["after", "and again", "before the sender is verified"]
