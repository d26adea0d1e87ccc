"""nextstack-edge serving Application Load Balancers end to end: the real binary (`serve --load-balancer ARN`, its
listener lines) in front of load balancers, listeners, rules and target groups made directly with boto3 against the
patched moto server (tests/e2e/alb_fixtures.py), one moto reset per test, no Terraform.

Each test names the Elastic Load Balancing documentation its behaviour comes from (Application Load Balancers user
guide unless said otherwise). Targets are loopback HTTP servers registered as `ip` targets at their loopback address and Node.js
functions in `lambda` target groups; health checks run every 200 ms (`--health-check-interval`).
"""

from __future__ import annotations

import json
import time

from nextstack_lab.alb_fixtures import (Alb, Backend, alb_edge, call, fixed, forward, host_header, http_header, lambda_function,
                          method, path_pattern, query_string, redirect, source_ip)
from nextstack_lab.edge_fixtures import ALL_VIEWER_EXCEPT_HOST, behavior, create_distribution, custom_origin


def body_of(url, path, **kwargs) -> str:
    status, _, _, body = call(url, path, **kwargs)
    return "%d %s" % (status, body.decode())


def wait_for(predicate, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


# --------------------------------------------------------------------------------------------- rules


def test_rule_conditions_by_priority(aws, edge_binary):
    """"Listener rules", "Rule condition types": rules in priority order, lowest first, the default last; a rule
    matches when all its conditions do, a condition when any value does; host-header not case-sensitive with `*`/`?`
    (the port not compared); path-pattern case-sensitive on the path only; http-header name and values not
    case-sensitive; query-string key/value pairs with wildcards, the key optional; http-request-method
    case-sensitive; source-ip CIDRs against the client's address, not X-Forwarded-For."""
    alb = Alb.create(aws, "rules")
    listener = alb.listener(80, fixed(404, "default"))
    alb.rule(listener, 5, [source_ip("10.0.0.0/8")], fixed(200, "ten-net"))
    alb.rule(listener, 10, [host_header("*.example.com", "exact.test")], fixed(200, "host"))
    alb.rule(listener, 20, [path_pattern("/img/?.png", "/docs/*")], fixed(200, "path"))
    alb.rule(listener, 30, [http_header("X-Env", "pr-*")], fixed(200, "header"))
    alb.rule(listener, 40, [query_string(("v", "2*"), (None, "magic"))], fixed(200, "query"))
    alb.rule(listener, 50, [method("DELETE")], fixed(200, "method"))
    alb.rule(listener, 60, [source_ip("127.0.0.0/8", "::1/128"), path_pattern("/local")], fixed(200, "local"))
    with alb_edge(edge_binary, aws, [alb.arn]) as edge:
        assert list(edge.listeners) == [("rules", 80)]
        url = edge.listeners[("rules", 80)]
        host = {"Host": "nomatch.test"}
        cases = [
            ("/", {"Host": "A.Example.COM:8080"}, "GET", "200 host"),
            ("/", {"Host": "example.com"}, "GET", "404 default"),
            ("/", {"Host": "EXACT.test"}, "GET", "200 host"),
            ("/img/a.png", {"Host": "pr-1.example.com"}, "GET", "200 host"),  # priority 10 before 20
            ("/img/a.png", host, "GET", "200 path"),
            ("/img/ab.png", host, "GET", "404 default"),
            ("/IMG/a.png", host, "GET", "404 default"),
            ("/docs/?x=/img/a.png", host, "GET", "200 path"),
            ("/x?p=/docs/a", host, "GET", "404 default"),
            ("/", dict(host, **{"x-env": "PR-17"}), "GET", "200 header"),
            ("/", dict(host, **{"X-Env": "main"}), "GET", "404 default"),
            ("/?v=25", host, "GET", "200 query"),
            ("/?V=2", host, "GET", "200 query"),
            ("/?v=3&other=MAGIC", host, "GET", "200 query"),
            ("/?v=3", host, "GET", "404 default"),
            ("/", host, "DELETE", "200 method"),
            ("/local", host, "GET", "200 local"),
            ("/local", dict(host, **{"X-Forwarded-For": "10.1.2.3"}), "GET", "200 local"),
        ]
        got = [(path, headers, verb, body_of(url, path, method=verb, headers=headers)) for path, headers, verb, _ in cases]
        assert got == [(p, h, v, want) for p, h, v, want in cases]
        status, _, headers, _ = call(url, "/", headers=host)
        assert status == 404 and headers["Content-Type"] == "text/plain" and headers["Server"] == "awselb/2.0"


def test_redirects_fixed_responses_and_forwarded_headers(aws, edge_binary):
    """"Redirect actions": the `#{protocol}`/`#{host}`/`#{port}`/`#{path}`/`#{query}` placeholders, default ports
    left out of the Location, HTTP_301 and HTTP_302; "Fixed-response actions"; "HTTP headers and Application Load
    Balancers": X-Forwarded-For appended to, X-Forwarded-Proto the listener's protocol (an HTTPS listener here is
    plain HTTP on loopback, its targets told https), X-Forwarded-Port the listener's port, X-Amzn-Trace-Id added."""
    alb = Alb.create(aws, "redirects")
    with Backend("app") as app:
        tg = alb.ip_group("app", app)
        http = alb.listener(80, redirect(Protocol="HTTPS", Port="443"))
        alb.rule(http, 1, [host_header("www.example.com")],
                 redirect("HTTP_302", Host="example.com", Port="8443", Path="/from/#{host}/#{path}",
                          Query="was=#{port}&#{query}"))
        https = alb.listener(443, forward(tg), protocol="HTTPS")
        alb.rule(https, 1, [path_pattern("/teapot")], fixed(418, '{"short":"stout"}', "application/json"))
        with alb_edge(edge_binary, aws, [alb.arn]) as edge:
            assert set(edge.listeners) == {("redirects", 80), ("redirects", 443)}
            plain, tls = edge.listeners[("redirects", 80)], edge.listeners[("redirects", 443)]
            status, _, headers, _ = call(plain, "/a/b?x=1", headers={"Host": "example.com"})
            assert (status, headers["Location"]) == (301, "https://example.com/a/b?x=1")
            status, _, headers, _ = call(plain, "/p", headers={"Host": "www.example.com"})
            assert (status, headers["Location"]) == (302, "http://example.com:8443/from/www.example.com/p?was=80&")
            status, _, headers, body = call(tls, "/teapot", headers={"Host": "example.com"})
            assert (status, headers["Content-Type"], json.loads(body)) == (418, "application/json", {"short": "stout"})
            wait_for(lambda: app.health_checks >= 2, "two health checks of the target")
            status, _, _, body = call(tls, "/api?q=1", headers={"Host": "example.com", "X-Forwarded-For": "203.0.113.9",
                                                                "Connection": "keep-alive"})
            seen = json.loads(body)
            assert status == 200 and (seen["path"], seen["query"]) == ("/api", "q=1")
            h = seen["headers"]
            assert h["host"] == "example.com"
            assert h["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
            assert (h["x-forwarded-proto"], h["x-forwarded-port"]) == ("https", "443")
            assert h["x-amzn-trace-id"].startswith("Root=1-")


def test_weighted_forward(aws, edge_binary):
    """"Forward actions": with several target groups the load balancer routes by weight (a weight of 0 gets no
    requests). 200 requests at 80/20: the heavy group's share lies within 5 standard deviations of 160."""
    alb = Alb.create(aws, "weights")
    with Backend("heavy") as heavy, Backend("light") as light, Backend("none") as none:
        groups = [alb.ip_group(b.name, b) for b in (heavy, light, none)]
        alb.listener(80, forward((groups[0], 80), (groups[1], 20), (groups[2], 0)))
        with alb_edge(edge_binary, aws, [alb.arn]) as edge:
            url = edge.listeners[("weights", 80)]
            counts = {"heavy": 0, "light": 0, "none": 0}
            for _ in range(200):
                status, _, _, body = call(url, "/")
                assert status == 200, body
                counts[json.loads(body)["backend"]] += 1
            print("weighted forward 80/20/0 over 200 requests:", counts)
            assert 131 <= counts["heavy"] <= 189 and counts["none"] == 0, counts
            assert counts["heavy"] + counts["light"] == 200


# --------------------------------------------------------------------------------------------- lambda targets

ECHO_EVENT = """
export const handler = async (event) => ({
  statusCode: 201,
  statusDescription: "201 Made Here",
  headers: {"content-type": "application/json", "set-cookie": "single=1"},
  multiValueHeaders: {"content-type": ["application/json"], "set-cookie": ["a=1", "b=2"]},
  body: Buffer.from(JSON.stringify(event)).toString("base64"),
  isBase64Encoded: true,
});
"""


def test_lambda_target_groups(aws, edge_binary):
    """"Lambda functions as targets": the event (requestContext.elb.targetGroupArn, httpMethod, path, headers and
    queryStringParameters with the last of repeated values, not URL-decoded; with lambda.multi_value_headers.enabled,
    multiValueHeaders and multiValueQueryStringParameters instead; a binary body base64-encoded), the response
    (statusCode, statusDescription, headers or multiValueHeaders by the same attribute, a base64 body); without the
    elasticloadbalancing.amazonaws.com permission for the target group: 502; no function registered: 503."""
    alb = Alb.create(aws, "functions")
    fn = lambda_function(aws, "alb-echo", ECHO_EVENT)
    single = alb.lambda_group("single", fn)
    multi = alb.lambda_group("multi", fn, multi_value=True)
    denied = alb.lambda_group("denied", fn, permit=False)
    empty = alb.lambda_group("empty", None)
    listener = alb.listener(80, forward(single))
    alb.rule(listener, 1, [path_pattern("/multi*")], forward(multi))
    alb.rule(listener, 2, [path_pattern("/denied")], forward(denied))
    alb.rule(listener, 3, [path_pattern("/empty")], forward(empty))
    with alb_edge(edge_binary, aws, [alb.arn]) as edge:
        url = edge.listeners[("functions", 80)]
        headers = [("Host", "fn.example.com"), ("X-Rep", "one"), ("X-Rep", "two")]
        status, reason, got, body = call(url, "/single?k=a%20b&k=2", headers=headers)
        event = json.loads(body)
        assert (status, reason, got.get_all("Set-Cookie")) == (201, "Made Here", ["single=1"])
        assert event["requestContext"] == {"elb": {"targetGroupArn": single}}
        assert (event["httpMethod"], event["path"], event["isBase64Encoded"], event["body"]) == ("GET", "/single", False, "")
        assert event["queryStringParameters"] == {"k": "2"} and "multiValueHeaders" not in event
        assert event["headers"]["x-rep"] == "two" and event["headers"]["host"] == "fn.example.com"
        assert event["headers"]["x-forwarded-proto"] == "http" and event["headers"]["x-forwarded-port"] == "80"

        status, reason, got, body = call(url, "/multi?k=a%20b&k=2", method="POST",
                                         headers=headers + [("Content-Type", "application/octet-stream")],
                                         body=b"\x00\x01binary")
        event = json.loads(body)
        assert (status, got.get_all("Set-Cookie")) == (201, ["a=1", "b=2"])
        assert event["multiValueQueryStringParameters"] == {"k": ["a%20b", "2"]} and "headers" not in event
        assert event["multiValueHeaders"]["x-rep"] == ["one", "two"]
        assert event["isBase64Encoded"] is True and event["body"] == "AAFiaW5hcnk="

        assert call(url, "/denied")[0] == 502
        status, _, _, body = call(url, "/empty")
        assert status == 503 and b"503 Service Temporarily Unavailable" in body
    assert "does not allow elasticloadbalancing.amazonaws.com" in edge.stderr()


# --------------------------------------------------------------------------------------------- ip targets and health


def test_health_checks_decide_the_targets(aws, edge_binary):
    """"Health checks for Application Load Balancer target groups": a target gets traffic once HealthyThresholdCount
    checks in a row passed, and none once UnhealthyThresholdCount in a row failed (the matcher's codes); when no
    target is healthy the load balancer routes to all of them (fail open); a target group with no registered targets
    answers 503 ("Troubleshoot your Application Load Balancers")."""
    alb = Alb.create(aws, "health")
    # Two targets at one IP (moto_patches.elbv2_targets_by_id_and_port) and one at another loopback address.
    with Backend("blue", healthy=True) as blue, Backend("green", healthy=False, host="127.0.0.2") as green, \
            Backend("cyan", healthy=False) as cyan:
        tg = alb.ip_group("app", blue, green, cyan, healthy=2, unhealthy=2)
        nobody = alb.ip_group("nobody")
        listener = alb.listener(80, forward(tg))
        alb.rule(listener, 1, [path_pattern("/nobody")], forward(nobody))
        with alb_edge(edge_binary, aws, [alb.arn]) as edge:
            url = edge.listeners[("health", 80)]

            def backends(n=20):
                return {json.loads(call(url, "/x")[3])["backend"] for _ in range(n)}

            wait_for(lambda: "target 127.0.0.1:%d is healthy" % blue.port in edge.stderr(), "blue healthy")
            assert backends() == {"blue"}
            blue.healthy, green.healthy = False, True
            wait_for(lambda: backends(6) == {"green"}, "traffic to move to green")
            assert "target 127.0.0.1:%d is unhealthy" % blue.port in edge.stderr()
            green.healthy = False
            went_down = "target 127.0.0.2:%d is unhealthy" % green.port  # once at the start, then again now
            wait_for(lambda: edge.stderr().count(went_down) == 2, "green unhealthy again")
            assert backends() == {"blue", "green", "cyan"}, "no healthy target: fail open to all"
            status, _, headers, body = call(url, "/nobody")
            assert status == 503 and headers["Server"] == "awselb/2.0", body



def test_a_shorter_interval_keeps_the_groups_timeout(aws, edge_binary):
    """`--health-check-interval` shortens the interval only: a live target whose health check answers in 0.6 s (three
    of the tests' 200 ms intervals, within the group's 2 s timeout) is healthy and stays so, as it would on AWS; the
    targets are probed side by side, so a quick one is not held up behind each slow answer in turn."""
    alb = Alb.create(aws, "slow")
    with Backend("slow", health_delay=0.6) as slow, Backend("quick") as quick:
        tg = alb.ip_group("slow", slow, quick, healthy=2, unhealthy=2)
        alb.listener(80, forward(tg))
        with alb_edge(edge_binary, aws, [alb.arn]) as edge:
            url = edge.listeners[("slow", 80)]
            wait_for(lambda: "target 127.0.0.1:%d is healthy" % slow.port in edge.stderr(), "the slow target healthy")
            checks = (slow.health_checks, quick.health_checks)
            time.sleep(3)
            assert "target 127.0.0.1:%d is unhealthy" % slow.port not in edge.stderr(), edge.stderr()
            assert {json.loads(call(url, "/x")[3])["backend"] for _ in range(10)} == {"slow", "quick"}
            assert slow.health_checks - checks[0] >= 3, "checked again and again, an interval after each answer"
            assert quick.health_checks - checks[1] >= 3

# --------------------------------------------------------------------------------------------- CloudFront in front


def test_cloudfront_origins_that_are_load_balancers(aws, edge_binary):
    """CloudFront Developer Guide, "Use an Application Load Balancer as the origin" (a custom origin with the load
    balancer's DNS name; Host is the origin's domain) and "Restrict access with VPC origins" (the VPC origin's
    endpoint is the load balancer's ARN, with its ports and protocol policy): the distribution's requests go through
    the load balancer's rules on the listener the origin's port names; only --distribution-id is given."""
    alb = Alb.create(aws, "behind-cf")
    with Backend("app") as app:
        tg = alb.ip_group("app", app)
        public = alb.listener(80, forward(tg))
        alb.rule(public, 1, [http_header("X-Origin-Verify", "s3cret")], forward(tg))
        alb.rule(public, 2, [path_pattern("/*")], fixed(403, "missing origin header"))
        alb.listener(8080, fixed(200, "through the VPC origin"))
        cf = aws.client("cloudfront", "us-east-1")
        vpc_origin = cf.create_vpc_origin(VpcOriginEndpointConfig={
            "Name": "internal", "Arn": alb.arn, "HTTPPort": 8080, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only",
            "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]}})["VpcOrigin"]["Id"]
        by_dns = custom_origin("alb", 80, domain=alb.dns_name, headers={"X-Origin-Verify": "s3cret"})
        plain = custom_origin("alb-plain", 80, domain=alb.dns_name)
        by_vpc = {"Id": "vpc", "DomainName": alb.dns_name, "OriginPath": "",
                  "CustomHeaders": {"Quantity": 0, "Items": []},
                  "VpcOriginConfig": {"VpcOriginId": vpc_origin, "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5}}
        dist = create_distribution(cf, [by_dns, plain, by_vpc], behavior("alb", origin_request=ALL_VIEWER_EXCEPT_HOST),
                                   ordered=[behavior("vpc", "/internal/*"), behavior("alb-plain", "/plain/*")])
        with alb_edge(edge_binary, aws, [], distribution_id=dist.id) as edge:
            assert edge.listeners == {}
            status, _, _, body = call(edge.url, "/page?x=1", headers={"X-Forwarded-For": "198.51.100.7"})
            seen = json.loads(body)
            assert status == 200 and (seen["path"], seen["query"]) == ("/page", "x=1")
            assert seen["headers"]["host"] == alb.dns_name
            assert seen["headers"]["x-forwarded-for"].startswith("198.51.100.7, 127.0.0.1")
            assert seen["headers"]["x-forwarded-proto"] == "http"
            assert body_of(edge.url, "/plain/x") == "403 missing origin header"
            assert body_of(edge.url, "/internal/x") == "200 through the VPC origin"


# --------------------------------------------------------------------------------------------- the command line


def test_front_doors_are_required_and_named(aws, edge_binary):
    """`serve` needs a distribution or a load balancer, and a load balancer that is not there, or uses what is not
    modelled, is an error at start naming it (docs/edge.md)."""
    import os
    import subprocess

    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="eu-west-1",
               AWS_EC2_METADATA_DISABLED="true")

    def serve(*args):
        run = subprocess.run([str(edge_binary), "serve", "--endpoint", aws.endpoint, *args], env=env,
                             capture_output=True, text=True, timeout=60)
        return run.returncode, run.stderr.strip()

    code, err = serve()
    assert code == 1 and "nothing to serve: give --distribution-id ID, --load-balancer NAME_OR_ARN" in err, err
    code, err = serve("--load-balancer", "missing")
    assert code == 1 and "load balancer missing" in err, err
    alb = Alb.create(aws, "oidc")
    alb.listener(80, [{"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {
        "Issuer": "https://idp.example.com", "AuthorizationEndpoint": "https://idp.example.com/auth",
        "TokenEndpoint": "https://idp.example.com/token", "UserInfoEndpoint": "https://idp.example.com/user",
        "ClientId": "c", "ClientSecret": "s"}}, {"Type": "fixed-response", "Order": 2,
                                                  "FixedResponseConfig": {"StatusCode": "200"}}])
    code, err = serve("--load-balancer", "oidc")
    assert code == 1 and "load balancer oidc, listener 80: the authenticate-oidc action is not modelled" in err, err
