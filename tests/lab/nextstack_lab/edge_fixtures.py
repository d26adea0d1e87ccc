"""Small CloudFront distributions for tests/e2e/test_edge.py, made directly with boto3 against moto (no Terraform),
and what they route to: echo origins on loopback, Node.js Lambda functions with function URLs, CloudFront Functions.

    with EchoOrigin("api") as api:             # http://127.0.0.1:PORT, answers every request with what it got
        dist = create_distribution(cf, [custom_origin("api", api.port)], behavior("api"))
        with edge_server(binary, aws, dist) as edge:
            status, headers, body = edge.get("/x")

An echo origin answers with JSON: {"origin", "method", "path", "query", "headers" (lower-case names, repeated values
joined by ", "), "body" (text, or base64 with "base64": true)}. Path segments of the form NAME=VALUE shape its
response: status=404, cc=s-maxage=60,max-age=5 (Cache-Control), setcookie=sid=1 (Set-Cookie), etag=v1 (ETag "v1",
plus the origin's etag_suffix, which a test changes to stand for a new version of every object), lastmod=UNIXTIME
(Last-Modified). Like any HTTP server with validators, it answers a conditional GET or HEAD whose If-None-Match names
the ETag (or, without If-None-Match, whose If-Modified-Since is not before Last-Modified) with 304 Not Modified and no
body (RFC 9110, "Conditional Requests"). .requests records every request, 304s included.
"""

from __future__ import annotations

import base64
import email.utils
import io
import json
import os
import subprocess
import threading
import zipfile
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from nextstack_lab import harness
from nextstack_lab.edge import EdgeServer

ACCOUNT = harness.MOTO_DEFAULT_ACCOUNT
REGION = harness.DEFAULT_REGION

# AWS managed policies (CloudFront Developer Guide, "Use managed cache policies", "Use managed origin request policies").
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
USE_ORIGIN_CACHE_CONTROL = "83da9c7e-98b4-4e11-a168-04f0df8e2c65"
USE_ORIGIN_CACHE_CONTROL_QS = "4cc15a8a-d715-48a4-82b8-cc0b614638fe"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

GET_HEAD = ("GET", "HEAD")
ALL_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")

LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


# --------------------------------------------------------------------------------------------- echo origin


class EchoOrigin:
    """An HTTP/1.1 server on 127.0.0.1 (in a thread) that answers every request with the request it got, as JSON.
    .requests: every request it answered, in order (the same dicts it sent back)."""

    def __init__(self, name: str):
        self.name = name
        self.requests: list[dict] = []
        self.etag_suffix = ""
        self._lock = threading.Lock()
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                headers: dict[str, str] = {}
                for name, value in self.headers.items():
                    name = name.lower()
                    headers[name] = headers[name] + ", " + value if name in headers else value
                seen = {"origin": origin.name, "method": self.command, "path": path, "query": query, "headers": headers}
                try:
                    seen["body"], seen["base64"] = body.decode(), False
                except UnicodeDecodeError:
                    seen["body"], seen["base64"] = base64.b64encode(body).decode(), True
                with origin._lock:
                    origin.requests.append(seen)
                    seen["n"] = len(origin.requests)
                status, extra = 200, []
                for segment in path.split("/"):
                    key, eq, value = unquote(segment).partition("=")
                    if not eq:
                        continue
                    if key == "status":
                        status = int(value)
                    elif key == "cc":
                        extra.append(("Cache-Control", value))
                    elif key == "setcookie":
                        extra.append(("Set-Cookie", value))
                    elif key == "etag":
                        extra.append(("ETag", '"%s%s"' % (value, origin.etag_suffix)))
                    elif key == "lastmod":
                        extra.append(("Last-Modified", email.utils.formatdate(int(value), usegmt=True)))
                if status == 200 and self.command in ("GET", "HEAD") and _not_modified(self.headers, dict(extra)):
                    self.send_response(304)
                    for name, value in extra:
                        self.send_header(name, value)
                    self.end_headers()
                    return
                data = json.dumps(seen).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra:
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="echo-" + name, daemon=True)

    def start(self) -> "EchoOrigin":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def count(self, path: str) -> int:
        """How many requests for this path (as the origin saw it) it answered."""
        with self._lock:
            return sum(1 for r in self.requests if r["path"] == path)


def _not_modified(request_headers, response_headers: dict) -> bool:
    """RFC 9110's If-None-Match (weak comparison), else If-Modified-Since, against the response's validators."""
    etag = response_headers.get("ETag")
    wanted = request_headers.get("If-None-Match")
    if wanted is not None:
        opaque = lambda tag: tag.strip().removeprefix("W/")  # noqa: E731
        return etag is not None and any(t.strip() == "*" or opaque(t) == opaque(etag) for t in wanted.split(","))
    since, modified = request_headers.get("If-Modified-Since"), response_headers.get("Last-Modified")
    if since is None or modified is None:
        return False
    try:
        return email.utils.parsedate_to_datetime(modified) <= email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------------------------- distributions


def custom_origin(origin_id: str, port: int, path: str = "", headers: dict | None = None,
                  domain: str = "127.0.0.1") -> dict:
    """A custom origin: an HTTP server at DOMAIN:PORT (http-only)."""
    items = [{"HeaderName": k, "HeaderValue": v} for k, v in (headers or {}).items()]
    return {"Id": origin_id, "DomainName": domain, "OriginPath": path,
            "CustomHeaders": {"Quantity": len(items), "Items": items},
            "CustomOriginConfig": {"HTTPPort": port, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only",
                                   "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                                   "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5}}


def s3_origin(origin_id: str, bucket: str, oac_id: str, region: str = REGION) -> dict:
    """An S3 bucket's REST endpoint read through origin access control."""
    return {"Id": origin_id, "DomainName": "%s.s3.%s.amazonaws.com" % (bucket, region), "OriginPath": "",
            "OriginAccessControlId": oac_id, "S3OriginConfig": {"OriginAccessIdentity": ""},
            "CustomHeaders": {"Quantity": 0, "Items": []}}


def function_url_origin(origin_id: str, url: str, oac_id: str) -> dict:
    """A Lambda function URL (https://ID.lambda-url.REGION.on.aws/) signed by an origin access control."""
    domain = url.split("://", 1)[-1].rstrip("/")
    return {"Id": origin_id, "DomainName": domain, "OriginPath": "", "OriginAccessControlId": oac_id,
            "CustomHeaders": {"Quantity": 0, "Items": []},
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
                                   "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                                   "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5}}


def origin_access_control(cf, name: str, kind: str) -> str:
    """An origin access control (kind: s3 or lambda) signing always with SigV4; its id."""
    return cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": name, "Description": "", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": kind})["OriginAccessControl"]["Id"]


def behavior(origin_id: str, pattern: str | None = None, cache: str = CACHING_DISABLED, origin_request: str | None = None,
             methods=GET_HEAD, functions=(), lambdas=()) -> dict:
    """A cache behaviour (pattern None: the default one). functions: (event type, CloudFront Function ARN);
    lambdas: (event type, Lambda function version ARN) or (event type, ARN, include body)."""
    cached = [m for m in ("GET", "HEAD") if m in methods]
    b = {"TargetOriginId": origin_id, "ViewerProtocolPolicy": "allow-all", "Compress": True, "CachePolicyId": cache,
         "AllowedMethods": {"Quantity": len(methods), "Items": list(methods),
                            "CachedMethods": {"Quantity": len(cached), "Items": cached}},
         "FunctionAssociations": {"Quantity": len(functions), "Items": [
             {"EventType": event, "FunctionARN": arn} for event, arn in functions]},
         "LambdaFunctionAssociations": {"Quantity": len(lambdas), "Items": [
             {"EventType": item[0], "LambdaFunctionARN": item[1], "IncludeBody": bool(item[2:] and item[2])}
             for item in lambdas]}}
    if origin_request:
        b["OriginRequestPolicyId"] = origin_request
    if pattern is not None:
        b["PathPattern"] = pattern
    return b


class Distribution(dict):
    @property
    def id(self) -> str:
        return self["Id"]

    @property
    def arn(self) -> str:
        return self["ARN"]


def create_distribution(cf, origins: list, default: dict, ordered=(), root_object: str = "", errors=()) -> Distribution:
    """CreateDistribution with these origins, the default behaviour, ordered behaviours (first match wins), a default
    root object and custom error responses ({"ErrorCode", "ErrorCachingMinTTL", ...})."""
    global _references
    _references += 1
    config = {"CallerReference": "edge-test-%d" % _references, "Comment": "", "Enabled": True,
              "DefaultRootObject": root_object,
              "Origins": {"Quantity": len(origins), "Items": origins},
              "DefaultCacheBehavior": default,
              "CacheBehaviors": {"Quantity": len(ordered), "Items": list(ordered)},
              "CustomErrorResponses": {"Quantity": len(errors), "Items": list(errors)}}
    return Distribution(cf.create_distribution(DistributionConfig=config)["Distribution"])


_references = 0


# --------------------------------------------------------------------------------------------- functions


def zip_of(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def node_function(aws, name: str, code: str | None = None, files: dict | None = None, invoke_mode: str = "BUFFERED",
                  region: str = REGION, handler: str = "index.handler") -> str:
    """A nodejs20.x function from a zip (index.mjs = code, or the given files) with an AWS_IAM function URL;
    returns the URL."""
    iam = aws.client("iam", region)
    role = iam.create_role(RoleName=name + "-role", AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
    lam = aws.client("lambda", region)
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=role, Handler=handler, Timeout=10,
                        Code={"ZipFile": zip_of(files if files is not None else {"index.mjs": code})})
    return lam.create_function_url_config(FunctionName=name, AuthType="AWS_IAM", InvokeMode=invoke_mode)["FunctionUrl"]


def edge_function(aws, name: str, code: str, memory: int = 128, timeout: int = 5) -> str:
    """A Lambda@Edge function: nodejs20.x in us-east-1 (index.mjs = code), its role assumable by Lambda and Lambda@Edge
    ("Set up IAM permissions and roles for Lambda@Edge"), published; the numbered version's ARN."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]}, "Action": "sts:AssumeRole"}]})
    role = aws.client("iam", "us-east-1").create_role(RoleName=name + "-role", AssumeRolePolicyDocument=trust)
    lam = aws.client("lambda", "us-east-1")
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=role["Role"]["Arn"], Handler="index.handler",
                        MemorySize=memory, Timeout=timeout, Code={"ZipFile": zip_of({"index.mjs": code})})
    published = lam.publish_version(FunctionName=name)
    arn, version = published["FunctionArn"], published["Version"]
    return arn if arn.endswith(":" + version) else "%s:%s" % (arn, version)


def allow_distribution(aws, function: str, distribution_arn: str, region: str = REGION) -> None:
    """The function URL's resource policy lets this distribution (through OAC) invoke it: AWS's documented grant for
    "Restrict access to an AWS Lambda function URL origin"."""
    aws.client("lambda", region).add_permission(
        FunctionName=function, StatementId="AllowCloudFrontServicePrincipal", Action="lambda:InvokeFunctionUrl",
        Principal="cloudfront.amazonaws.com", SourceArn=distribution_arn, FunctionUrlAuthType="AWS_IAM")


def cloudfront_function(cf, name: str, code: str, runtime: str = "cloudfront-js-2.0") -> str:
    """A CloudFront Function created and published (LIVE); its ARN."""
    etag = cf.create_function(Name=name, FunctionConfig={"Comment": "", "Runtime": runtime},
                              FunctionCode=code.encode())["ETag"]
    return cf.publish_function(Name=name, IfMatch=etag)["FunctionSummary"]["FunctionMetadata"]["FunctionARN"]


# --------------------------------------------------------------------------------------------- the edge


def run_edge(binary, aws, distribution_id: str):
    """nextstack-edge run to its end (a start that fails): (exit code, stdout, stderr)."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.run([str(binary), "serve", "--distribution-id", distribution_id, "--endpoint", aws.endpoint],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


@contextmanager
def edge_server(binary, aws, distribution: Distribution | str, extra_args=("--invalidation-poll", "1s")):
    """nextstack-edge serving the distribution. What it wrote to stderr is printed when it stops (pytest shows it
    beside a failed test)."""
    dist_id = distribution if isinstance(distribution, str) else distribution.id
    server = EdgeServer(binary, aws.endpoint, dist_id, extra_args=extra_args, timeout=60)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        print("--- nextstack-edge stderr (last lines) ---\n" + harness._tail(server.stderr(), 60))
