"""nextstack-edge following an ECS service's deployments (edge/src/ecs/service.rs): a service behind an ALB, made with
boto3 in the patched moto server, served by the real edge binary; new task definition revisions pinning ECR images
by digest (repository@sha256:...), deployed with UpdateService, by hand and by modules/application's own auto-deploy
function (its index.mjs, run by the edge through the control API's Invoke with an ECR push event).

AWS: Amazon ECS Developer Guide, "Deploy Amazon ECS services by replacing tasks" (minimumHealthyPercent /
maximumPercent, new tasks healthy in the target group before old ones are deregistered and stopped), "How the Amazon
ECS deployment circuit breaker detects failures" (rollback to the last completed deployment); Application Load
Balancers user guide, "Deregistration delay". Needs root, as every ECS test of the edge (network namespaces).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from nextstack_lab.alb_fixtures import Alb, alb_edge, forward
from nextstack_lab.ecr_images import push_event, push_image
from nextstack_lab.edge import TASK_STARTED
from nextstack_lab.edge_fixtures import LAMBDA_TRUST, zip_of

REGION = "us-east-1"
REPOSITORY = "deploy-app"
DEPLOYER = Path(__file__).resolve().parents[2] / "modules" / "application" / "functions" / "auto-deploy" / "index.mjs"

# The image's program: answers its version (the image's own, written into its directory) on every path, 200 on
# /health; VERSION "exits" is an image whose program cannot start.
PROGRAM = r'''
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = open("version").read().strip()
if VERSION == "exits":
    print("cannot start: the configuration is missing", file=sys.stderr, flush=True)
    sys.exit(1)

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        data = VERSION.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
'''


def images_file(tmp_path, repository_uri: str, versions: dict[str, str]) -> Path:
    """Each image (by digest, or the repository for the first version's tag) stands for the program with its version."""
    images = {}
    for key, version in versions.items():
        app = tmp_path / ("image-" + version)
        app.mkdir()
        (app / "server.py").write_text(PROGRAM)
        (app / "version").write_text(version)
        images[key] = {"directory": str(app), "workdir": "/app", "command": ["python3"], "args": ["server.py"]}
    path = tmp_path / "images.json"
    path.write_text(json.dumps({"images": images}))
    return path


def revision(ecs, image: str) -> str:
    """A new revision of the family naming `image`; its ARN."""
    return ecs.register_task_definition(family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                        cpu="256", memory="512", containerDefinitions=[{
                                            "name": "web", "image": image, "essential": True,
                                            "portMappings": [{"containerPort": 8080}]}])["taskDefinition"][
        "taskDefinitionArn"]


class Poller:
    """GETs the listener continuously from a thread; every answer recorded as (status or error, body)."""

    def __init__(self, url: str):
        self.url, self.answers, self._stop = url, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=10) as resp:
                    self.answers.append((resp.status, resp.read().decode()))
            except urllib.error.HTTPError as e:
                self.answers.append((e.code, e.read().decode(errors="replace")))
            except OSError as e:
                self.answers.append((repr(e), ""))
            time.sleep(0.02)

    def mark(self) -> int:
        return len(self.answers)

    def stop(self):
        self._stop.set()
        self._thread.join(15)


def deployer(aws, role: str, repository_uri: str) -> str:
    """modules/application's auto-deploy function, its index.mjs as the module zips it, with the module's settings."""
    lam = aws.client("lambda", REGION)
    lam.create_function(FunctionName="app-auto-deploy", Runtime="nodejs22.x", Role=role, Handler="index.handler",
                        Timeout=30, Code={"ZipFile": zip_of({"index.mjs": DEPLOYER.read_text()})},
                        Environment={"Variables": {"CLUSTER": "deploys", "SERVICE": "web", "FAMILY": "web",
                                                   "CONTAINER": "web", "REPOSITORY_URL": repository_uri}})
    return "app-auto-deploy"


def test_rolling_deployments_by_digest_with_rollback(aws, edge_binary, tmp_path):
    ecr, ecs, elb = aws.client("ecr", REGION), aws.client("ecs", REGION), aws.client("elbv2", REGION)
    uri = ecr.create_repository(repositoryName=REPOSITORY)["repository"]["repositoryUri"]
    digests = {v: push_image(ecr, REPOSITORY, v) for v in ("v1", "v2", "v3", "v4")}
    assert len(set(digests.values())) == 4, digests
    images = images_file(tmp_path, uri, {uri + ":v1": "v1", digests["v2"]: "v2", digests["v3"]: "exits",
                                         digests["v4"]: "v4"})
    alb = Alb.create(aws, "deploys", region=REGION)
    tg = alb.ip_group("deploys", path="/health", healthy=2, unhealthy=2)
    # The modules' delay (modules/fargate-service, modules/networking): 30 s, cut short by a target without
    # connections.
    elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    alb.listener(80, forward(tg))
    ecs.create_cluster(clusterName="deploys")
    v1 = revision(ecs, uri + ":v1")
    ecs.create_service(cluster="deploys", serviceName="web", desiredCount=1, taskDefinition=v1, launchType="FARGATE",
                       loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}],
                       healthCheckGracePeriodSeconds=5,
                       deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200,
                                                "deploymentCircuitBreaker": {"enable": True, "rollback": True}})
    role = aws.client("iam", REGION).create_role(RoleName="deployer", AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]
    name = deployer(aws, role["Arn"], uri)
    with alb_edge(edge_binary, aws, [alb.arn], extra_args=[
            "--cluster", "deploys", "--images", str(images), "--control", "127.0.0.1:0"]) as edge:
        front = edge.listeners[("deploys", 80)] + "/"
        edge.wait_for_line(r"ECS service web: deployment completed: 1 tasks running \(deployment \S+, %s\)" % v1)
        first = TASK_STARTED.search(edge.wait_for_line(TASK_STARTED.pattern).string).group(2)
        poller = Poller(front)
        try:
            # v2 by digest, by hand: the new task starts and turns healthy before the old one is deregistered; the
            # old one stops once it has no connection open, well within the 30 s delay.
            start = len(edge.stderr().splitlines())
            v2 = revision(ecs, "%s@%s" % (uri, digests["v2"]))
            ecs.update_service(cluster="deploys", service="web", taskDefinition=v2)
            deployment = ecs.describe_services(cluster="deploys", services=["web"])["services"][0]["deployments"][0]
            edge.wait_for_line(r"deployment %s started: task definition %s, replacing deployment"
                               % (deployment["id"], v2), start)
            second = edge.wait_for_line(r"task (\w+) started \(%s\)" % v2, start).group(1)
            healthy = edge.wait_for_line(r"target group deploys: target %s is healthy" % second, start)
            draining = edge.wait_for_line(r"task %s deregistering \(draining; deregistration delay 30s\)" % first,
                                          start)
            drained_at = time.monotonic()
            edge.wait_for_line(r"task %s stopped: Scaling activity initiated by \(deployment %s\)"
                      % (first, deployment["id"]), start)
            assert time.monotonic() - drained_at < 10, "no connection open: the deregistration completes early"
            lines = edge.stderr().splitlines()
            assert lines.index(healthy.string) < lines.index(draining.string), "new task healthy before the old goes"
            edge.wait_for_line(r"deployment completed: 1 tasks running \(deployment %s, %s\)" % (deployment["id"], v2),
                      start)
            rolled = poller.mark()
            time.sleep(1)
            assert {b for _, b in poller.answers[rolled:]} == {"v2"}, poller.answers[rolled:]

            # v3 cannot start: the circuit breaker fails its deployment and rolls back to v2's; v2 keeps answering.
            start, before_v3 = len(edge.stderr().splitlines()), poller.mark()
            v3 = revision(ecs, "%s@%s" % (uri, digests["v3"]))
            ecs.update_service(cluster="deploys", service="web", taskDefinition=v3)
            failed = edge.wait_for_line(r"deployment failed: the deployment circuit breaker tripped after (\d+) failed "
                                      r"tasks \(threshold 3\) in deployment \S+ \(%s\); rolling back to deployment %s "
                                      r"\(%s\)" % (v3, deployment["id"], v2), start)
            assert failed.group(1) == "3"
            rollback = edge.wait_for_line(r"deployment (\S+) started: task definition %s, replacing" % v2,
                                          start).group(1)
            assert rollback != deployment["id"], "a rollback is a new deployment of the last completed one's revision"
            edge.wait_for_line(r"deployment completed: 1 tasks running \(deployment %s, %s\)" % (rollback, v2), start)
            assert "[web] cannot start: the configuration is missing" in edge.stderr()
            assert {b for _, b in poller.answers[before_v3:]} == {"v2"}, "v2 served through the failed deployment"

            # v4 pushed: modules/application's deployer, invoked with the ECR push event, pins the digest in a new
            # revision and updates the service; the edge rolls to it.
            start, before_v4 = len(edge.stderr().splitlines()), poller.mark()
            req = urllib.request.Request(
                edge.control_url + "/2015-03-31/functions/%s/invocations" % name, method="POST",
                data=json.dumps(push_event("123456789012", REGION, REPOSITORY, digests["v4"], "v4")).encode())
            with urllib.request.urlopen(req, timeout=60) as resp:
                assert resp.headers.get("X-Amz-Function-Error") is None, resp.read()
                result = json.loads(resp.read())
            assert result["image"] == "%s@%s" % (uri, digests["v4"]), result
            described = ecs.describe_services(cluster="deploys", services=["web"])["services"][0]
            assert described["taskDefinition"] == result["taskDefinition"] and result["deployment"] == \
                described["deployments"][0]["id"], (result, described["deployments"])
            pinned = ecs.describe_task_definition(taskDefinition=result["taskDefinition"])["taskDefinition"]
            assert pinned["containerDefinitions"][0]["image"] == "%s@%s" % (uri, digests["v4"])
            edge.wait_for_line(r"deployment completed: 1 tasks running \(deployment %s, %s\)"
                      % (result["deployment"], result["taskDefinition"]), start)
            rolled = poller.mark()
            time.sleep(1)
        finally:
            poller.stop()
        answers = poller.answers
        assert {b for _, b in answers[rolled:]} == {"v4"}, answers[rolled:]
        assert {b for _, b in answers[before_v4:]} <= {"v2", "v4"}
        failures = [a for a in answers if a[0] != 200]
        assert failures == [], "every request through the rolls answered 200: %s of %d" % (failures[:5], len(answers))
        print("requests through three deployments: %d, all 200" % len(answers))
