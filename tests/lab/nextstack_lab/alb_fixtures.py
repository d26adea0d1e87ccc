"""Small Application Load Balancers for tests/e2e/test_edge_alb.py, made directly with boto3 against moto (no
Terraform), and what they forward to: HTTP backends on loopback registered as `ip` targets at their loopback address
and port (127.0.0.1, 127.0.0.2, ...; their health switchable), and Node.js Lambda functions registered in `lambda` target groups.

    alb = Alb.create(aws, "web")                       # the load balancer in a fresh VPC's two subnets
    tg = alb.ip_group("api", backend)                  # an ip target group with the backend's address registered
    listener = alb.listener(80, forward(tg))           # HTTP :80 forwarding to it
    alb.rule(listener, 10, [host_header("*.example.com")], fixed(200, "hosts"))
    with alb_edge(binary, aws, [alb.arn]) as edge:
        call(edge.listeners[("web", 80)], "/x", headers={"Host": "a.example.com"})
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from nextstack_lab import harness
from nextstack_lab.edge import EdgeServer
from nextstack_lab.edge import request as edge_request
from nextstack_lab.edge_fixtures import LAMBDA_TRUST, REGION, zip_of


# --------------------------------------------------------------------------------------------- conditions and actions


def host_header(*values):
    return {"Field": "host-header", "HostHeaderConfig": {"Values": list(values)}}


def path_pattern(*values):
    return {"Field": "path-pattern", "PathPatternConfig": {"Values": list(values)}}


def http_header(name, *values):
    return {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": name, "Values": list(values)}}


def query_string(*pairs):
    """pairs: (key or None, value)."""
    return {"Field": "query-string", "QueryStringConfig": {"Values": [
        {"Value": v} if k is None else {"Key": k, "Value": v} for k, v in pairs]}}


def method(*values):
    return {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": list(values)}}


def source_ip(*cidrs):
    return {"Field": "source-ip", "SourceIpConfig": {"Values": list(cidrs)}}


def fixed(status: int, body: str, content_type: str = "text/plain"):
    return [{"Type": "fixed-response", "FixedResponseConfig": {
        "StatusCode": str(status), "ContentType": content_type, "MessageBody": body}}]


def redirect(status: str = "HTTP_301", **config):
    """config: Protocol, Port, Host, Path, Query (unset: the request's)."""
    return [{"Type": "redirect", "RedirectConfig": dict(config, StatusCode=status)}]


def forward(*groups):
    """groups: target group ARNs, or (ARN, weight) pairs."""
    items = [{"TargetGroupArn": g, "Weight": 1} if isinstance(g, str) else {"TargetGroupArn": g[0], "Weight": g[1]}
             for g in groups]
    return [{"Type": "forward", "ForwardConfig": {"TargetGroups": items}}]


# --------------------------------------------------------------------------------------------- the load balancer


class Alb:
    def __init__(self, aws, lb: dict, vpc: str, region: str):
        self.aws, self.lb, self.vpc, self.region = aws, lb, vpc, region
        self.elb = aws.client("elbv2", region)
        self.arn, self.name, self.dns_name = lb["LoadBalancerArn"], lb["LoadBalancerName"], lb["DNSName"]

    @classmethod
    def create(cls, aws, name: str, region: str = REGION) -> "Alb":
        ec2 = aws.client("ec2", region)
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.%d.0/24" % i,
                                     AvailabilityZone=region + z)["Subnet"]["SubnetId"] for i, z in enumerate("ab")]
        lb = aws.client("elbv2", region).create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]
        return cls(aws, lb, vpc, region)

    def listener(self, port: int, default_actions, protocol: str = "HTTP") -> str:
        kwargs = {}
        if protocol == "HTTPS":
            acm = self.aws.client("acm", self.region)
            cert = acm.request_certificate(DomainName="example.com")["CertificateArn"]
            kwargs["Certificates"] = [{"CertificateArn": cert}]
        return self.elb.create_listener(LoadBalancerArn=self.arn, Protocol=protocol, Port=port,
                                        DefaultActions=default_actions, **kwargs)["Listeners"][0]["ListenerArn"]

    def rule(self, listener_arn: str, priority: int, conditions, actions) -> str:
        return self.elb.create_rule(ListenerArn=listener_arn, Priority=priority, Conditions=conditions,
                                    Actions=actions)["Rules"][0]["RuleArn"]

    def ip_group(self, name: str, *backends: "Backend", path: str = "/health", healthy: int = 2,
                 unhealthy: int = 2) -> str:
        """An ip target group (HTTP) with each backend's loopback address and port registered."""
        tg = self.elb.create_target_group(
            Name=name, TargetType="ip", Protocol="HTTP", Port=80, VpcId=self.vpc, HealthCheckPath=path,
            HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=healthy,
            UnhealthyThresholdCount=unhealthy, Matcher={"HttpCode": "200-299"})["TargetGroups"][0]["TargetGroupArn"]
        if backends:
            self.elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": b.host, "Port": b.port} for b in backends])
        return tg

    def lambda_group(self, name: str, function: str | None, multi_value: bool = False, permit: bool = True) -> str:
        """A lambda target group with the function registered (None: nothing registered); permit: the function's
        resource policy lets this target group invoke it ("Lambda functions as targets")."""
        tg = self.elb.create_target_group(Name=name, TargetType="lambda")["TargetGroups"][0]["TargetGroupArn"]
        if multi_value:
            self.elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
                {"Key": "lambda.multi_value_headers.enabled", "Value": "true"}])
        if function:
            lam = self.aws.client("lambda", self.region)
            if permit:
                lam.add_permission(FunctionName=function, StatementId="elb-" + name, Action="lambda:InvokeFunction",
                                   Principal="elasticloadbalancing.amazonaws.com", SourceArn=tg)
            arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
            self.elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": arn}])
        return tg


def lambda_function(aws, name: str, code: str, region: str = REGION) -> str:
    """A nodejs20.x function (index.mjs = code), no function URL; its name."""
    role = aws.client("iam", region).create_role(RoleName=name + "-role", AssumeRolePolicyDocument=LAMBDA_TRUST)
    aws.client("lambda", region).create_function(
        FunctionName=name, Runtime="nodejs20.x", Role=role["Role"]["Arn"], Handler="index.handler", Timeout=10,
        Code={"ZipFile": zip_of({"index.mjs": code})})
    return name


# --------------------------------------------------------------------------------------------- backends


class Backend:
    """An HTTP/1.1 server on a loopback address (in a thread): GET /health answers 200 while .healthy, else 503; every other
    request is answered with JSON {"backend", "method", "path", "query", "headers" (lower-case names)}.
    .health_checks: how many health checks it answered; .health_delay: seconds each health check waits before its
    answer (a live target on a loaded machine)."""

    def __init__(self, name: str, healthy: bool = True, host: str = "127.0.0.1", health_delay: float = 0.0):
        self.name, self.healthy, self.health_checks, self.host = name, healthy, 0, host
        self.health_delay = health_delay
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path, _, query = self.path.partition("?")
                if path == "/health":
                    time.sleep(backend.health_delay)
                    backend.health_checks += 1
                    status, data = (200 if backend.healthy else 503), b"ok"
                else:
                    status = 200
                    data = json.dumps({"backend": backend.name, "method": self.command, "path": path, "query": query,
                                       "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="backend-" + name, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------------------------- the edge


call = edge_request  # (url, path, method, headers, body) -> (status, reason, headers, body)


@contextmanager
def alb_edge(binary, aws, load_balancers, distribution_id: str | None = None, extra_args=()):
    """nextstack-edge serving these load balancers (ARNs) and optionally a distribution; health checks every 200 ms.
    Its stderr is printed when it stops (pytest shows it beside a failed test)."""
    server = EdgeServer(binary, aws.endpoint, distribution_id, load_balancers=load_balancers, timeout=60,
                        extra_args=["--health-check-interval", "200ms", *extra_args])
    server.start()
    try:
        yield server
    finally:
        server.stop()
        print("--- nextstack-edge stderr (last lines) ---\n" + harness._tail(server.stderr(), 60))
