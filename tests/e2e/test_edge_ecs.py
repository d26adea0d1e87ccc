"""nextstack-edge running ECS services' tasks as local processes (edge/src/ecs/): services and task definitions made
directly with boto3 in the patched moto server, the real edge binary with `serve --cluster NAME --images FILE`, and a
small Python HTTP server as the task's program (the image's stand-in, mapped in the images file).

AWS: Amazon ECS Developer Guide, "Amazon ECS task definition parameters" (entryPoint, command, environment, secrets,
portMappings, readonlyRootFilesystem, linuxParameters.tmpfs, mountPoints), "Pass Systems Manager parameters / Secrets
Manager secrets as Amazon ECS environment variables", "How the Amazon ECS deployment circuit breaker detects failures".
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
import urllib.request

import pytest

from nextstack_lab import harness, nextjs_builds
from nextstack_lab.alb_fixtures import Alb, alb_edge, forward

REGION = "us-east-1"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ecs-test-app:v1"
STARTED = re.compile(r"^nextstack-edge: ECS service (\S+): task (\w+) started \(\S+\) (.*)$")

# The task's program: listens on 0.0.0.0:8080 (the container port the task definitions below map) in the task's own
# network namespace; answers GET /env (the variables it was given, and `ADDRESS`: the address it was reached at),
# /write?path=P (a write attempt: "ok" or the errno's name), /connect?to=HOST:PORT (a TCP connection attempt from the
# task: "ok" or the errno's name), /exit (exits with 3, as a crashing container would),
# /health (200, or 500 once /sick was asked).
SERVER = r'''
import errno, json, os, socket, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

SICK = []

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/exit":
            os._exit(3)
        status = 200
        if url.path == "/sick":
            SICK.append(1)
        if url.path == "/health" and SICK:
            status = 500
        if url.path == "/env":
            body = json.dumps(dict({k: os.environ.get(k) for k in ("GREETING", "DB_PASSWORD", "API_TOKEN", "WHOLE", "PORT")},
                                   ADDRESS=self.connection.getsockname()[0]))
        elif url.path == "/connect":
            host, port = urllib.parse.parse_qs(url.query)["to"][0].rsplit(":", 1)
            try:
                socket.create_connection((host, int(port)), timeout=5).close()
                body = "ok"
            except OSError as e:
                body = errno.errorcode.get(e.errno, str(e))
        elif url.path == "/write":
            path = urllib.parse.parse_qs(url.query)["path"][0]
            try:
                with open(path, "w") as f:
                    f.write("x")
                body = "ok"
            except OSError as e:
                body = errno.errorcode.get(e.errno, str(e.errno))
                print("write %s failed: %s" % (path, e), file=sys.stderr, flush=True)
        else:
            body = "cwd=" + os.getcwd()
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

print("listening on", 8080, flush=True)
HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
'''


class EcsEdge:
    """The edge running one cluster's services; its stderr collected line by line."""

    def __init__(self, binary, endpoint: str, cluster: str, images, extra_args=()):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION=REGION,
                   AWS_EC2_METADATA_DISABLED="true")
        self.lines: list[str] = []
        self.proc = subprocess.Popen([str(binary), "serve", "--endpoint", endpoint, "--cluster", cluster,
                                      "--images", str(images), *extra_args], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     preexec_fn=harness._die_with_parent)
        threading.Thread(target=lambda: [self.lines.append(l.rstrip("\n")) for l in self.proc.stderr],
                         daemon=True).start()

    @classmethod
    def watching(cls, server) -> "EcsEdge":
        """The waits below over an EdgeServer (nextstack_lab.edge) started with --cluster."""
        watch = cls.__new__(cls)
        watch.proc, watch.lines = server.proc, server._err
        return watch

    def stderr(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 60.0) -> list[re.Match]:
        """The first `count` stderr lines matching `pattern`, waiting for them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in (re.search(pattern, l) for l in list(self.lines)) if m]
            if len(found) >= count:
                return found[:count]
            if self.proc.poll() is not None:
                time.sleep(0.3)
                raise AssertionError("the edge exited (%s):\n%s" % (self.proc.returncode, self.stderr()))
            time.sleep(0.1)
        raise AssertionError("no %d lines matching %r within %ss:\n%s" % (count, pattern, timeout, self.stderr()))

    def task_urls(self, count: int = 1, timeout: float = 60.0) -> list[tuple[str, str]]:
        """(task id, URL of its first container port) of the first `count` tasks started."""
        found = self.wait_for(STARTED.pattern, count, timeout)
        return [(m.group(2), m.group(3).split()[0].split("=", 1)[1]) for m in found]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def address(url: str) -> str:
    """The task address of a task URL (http://127.78.0.N:PORT)."""
    return url.split("//", 1)[1].rsplit(":", 1)[0]


def get(url: str, timeout: float = 30.0) -> str:
    """GET, retried while the task's server is still starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def images_file(tmp_path, program: str = SERVER):
    app = tmp_path / "app"
    app.mkdir()
    (app / "server.py").write_text(program)
    path = tmp_path / "images.json"
    path.write_text(json.dumps({"images": {IMAGE.rsplit(":", 1)[0]: {
        "directory": str(app), "workdir": "/app", "command": ["python3"], "args": ["server.py"]}}}))
    return path


def service(ecs, cluster: str, name: str, container: dict, desired: int = 1, breaker: bool = True,
            volumes=(), load_balancers=(), grace: int = 0) -> None:
    ecs.create_cluster(clusterName=cluster)
    definition = {"name": "web", "image": IMAGE, "essential": True, "memory": 256,
                  "portMappings": [{"containerPort": 8080}]}
    td = ecs.register_task_definition(family=name, containerDefinitions=[dict(definition, **container)],
                                      volumes=[{"name": v} for v in volumes])
    ecs.create_service(cluster=cluster, serviceName=name, desiredCount=desired,
                       taskDefinition=td["taskDefinition"]["taskDefinitionArn"],
                       loadBalancers=list(load_balancers), healthCheckGracePeriodSeconds=grace,
                       deploymentConfiguration={"deploymentCircuitBreaker": {"enable": breaker, "rollback": False}})


def test_task_gets_environment_secrets_and_a_read_only_root_with_writable_mounts(aws, edge_binary, tmp_path):
    ssm, sm, ecs = aws.client("ssm", REGION), aws.client("secretsmanager", REGION), aws.client("ecs", REGION)
    password = harness.watch_secret("ssm parameter", "pw-" + os.urandom(8).hex())
    token = harness.watch_secret("secret json key", "tok-" + os.urandom(8).hex())
    ssm.put_parameter(Name="/app/db-password", Value=password, Type="SecureString")
    param_arn = ssm.get_parameter(Name="/app/db-password")["Parameter"]["ARN"]
    secret_arn = sm.create_secret(Name="app/api", SecretString=json.dumps({"token": token, "n": 1}))["ARN"]
    service(ecs, "c1", "web", {
        "environment": [{"name": "GREETING", "value": "hello"}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": param_arn},
                    {"name": "API_TOKEN", "valueFrom": secret_arn + ":token::"},
                    {"name": "WHOLE", "valueFrom": secret_arn}],
        "readonlyRootFilesystem": True,
        "linuxParameters": {"tmpfs": [{"containerPath": "/app/cache", "size": 16}]},
        "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/scratch"}],
    }, volumes=["scratch"])
    edge = EcsEdge(edge_binary, aws.endpoint, "c1", images_file(tmp_path))
    try:
        (_, url), = edge.task_urls()
        env = json.loads(get(url + "/env"))
        assert env["GREETING"] == "hello"
        assert env["DB_PASSWORD"] == password, "the SSM parameter (by ARN, decrypted) reaches the process"
        assert env["API_TOKEN"] == token, "the secret's json-key reaches the process"
        assert json.loads(env["WHOLE"]) == {"token": token, "n": 1}
        # awsvpc: the task is reached at an address of its own on its container port; ECS sets no PORT.
        host, port = url.split("//", 1)[1].rsplit(":", 1)
        assert port == "8080" and host.startswith("127.78.") and env["ADDRESS"] == host, (url, env)
        assert env["PORT"] is None
        assert get(url + "/") == "cwd=/app", "the image's directory is at its WORKDIR"
        # Read-only root: EROFS outside the declared tmpfs and volume, writes inside them work.
        assert get(url + "/write?path=/app/cache/x") == "ok"
        assert get(url + "/write?path=/scratch/x") == "ok"
        assert get(url + "/write?path=/app/x") == "EROFS"
        assert get(url + "/write?path=/tmp/x") == "EROFS"
        assert get(url + "/write?path=/x") == "EROFS"
        edge.wait_for(r"^\[web\] write /app/x failed: .*Read-only file system")
        assert edge.wait_for(r"^\[web\] listening on \d+$")
        assert not (tmp_path / "app" / "x").exists()
    finally:
        edge.stop()
    assert harness.secrets_found_in(edge.stderr()) == [], "a secret value reached the edge's stderr"


def test_without_a_read_only_root_the_image_and_tmp_are_writable(aws, edge_binary, tmp_path):
    service(aws.client("ecs", REGION), "c2", "web", {"readonlyRootFilesystem": False})
    edge = EcsEdge(edge_binary, aws.endpoint, "c2", images_file(tmp_path))
    try:
        (_, url), = edge.task_urls()
        assert get(url + "/write?path=/tmp/x") == "ok"
        assert get(url + "/write?path=/app/x") == "ok"
        assert get(url + "/write?path=/usr/x") == "EROFS", "the machine's own directories are never written"
    finally:
        edge.stop()


def test_an_exiting_task_is_replaced(aws, edge_binary, tmp_path):
    service(aws.client("ecs", REGION), "c3", "web", {})
    edge = EcsEdge(edge_binary, aws.endpoint, "c3", images_file(tmp_path))
    try:
        (first, url), = edge.task_urls()
        get(url + "/env")
        try:
            get(url + "/exit", timeout=1)
        except OSError:
            pass  # the connection closes without an answer
        edge.wait_for(r"task %s stopped: Essential container in task exited \(container web: exit status: 3\)" % first)
        (_, _), (second, url2) = edge.task_urls(2)
        assert second != first
        assert json.loads(get(url2 + "/env"))["ADDRESS"] == address(url2)
    finally:
        edge.stop()


def test_each_task_has_its_own_network(aws, edge_binary, tmp_path):
    """awsvpc ("each task gets its own elastic network interface"): two tasks of a service both listen on the
    container port 8080, each in its own network namespace, each reached at an address of its own; out of the task,
    the AWS endpoint is reachable and nothing else on this machine is."""
    import socket

    service(aws.client("ecs", REGION), "c7", "web", {}, desired=2)
    outside = socket.create_server(("127.0.0.1", 0))
    edge = EcsEdge(edge_binary, aws.endpoint, "c7", images_file(tmp_path))
    try:
        (_, first), (_, second) = edge.task_urls(2)
        assert address(first) != address(second), (first, second)
        for url in (first, second):
            assert url.endswith(":8080") and json.loads(get(url + "/env"))["ADDRESS"] == address(url)
        endpoint = aws.endpoint.split("//", 1)[1].rstrip("/")
        assert get(first + "/connect?to=" + endpoint) == "ok", "the task reaches the AWS endpoint"
        assert get(first + "/connect?to=127.0.0.1:%d" % outside.getsockname()[1]) == "ECONNREFUSED", (
            "a server on this machine's loopback is not in the task's network")
    finally:
        edge.stop()
        outside.close()


def test_tasks_register_in_the_target_group_and_an_unhealthy_one_is_replaced(aws, edge_binary, tmp_path):
    """The service's tasks register in its load balancer's target group (the ALB model health-checks them and
    forwards to the healthy ones); a task the health check marks unhealthy is stopped, deregistered and replaced.
    Health checks run every 200 ms here, so the service's grace period covers the program's start (a task marked
    unhealthy before its server listens is not stopped within it)."""
    alb = Alb.create(aws, "ecs-web")
    tg = alb.ip_group("ecs-web", path="/health", healthy=2, unhealthy=2)
    alb.listener(80, forward(tg))
    service(aws.client("ecs", REGION), "c6", "web", {}, load_balancers=[
        {"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}], grace=5)
    described = aws.client("ecs", REGION).describe_services(cluster="c6", services=["web"])["services"][0]
    assert described["healthCheckGracePeriodSeconds"] == 5 and described["loadBalancers"][0]["targetGroupArn"] == tg
    with alb_edge(edge_binary, aws, [alb.arn], extra_args=["--cluster", "c6", "--images",
                                                          str(images_file(tmp_path))]) as edge:
        watch = EcsEdge.watching(edge)
        (first, url), = watch.task_urls()
        watch.wait_for(r"target group ecs-web: target %s is healthy" % first)
        front = edge.listeners[("ecs-web", 80)]
        assert json.loads(get(front + "/env"))["ADDRESS"] == address(url), "the ALB forwards to the task"
        get(url + "/sick")
        watch.wait_for(r"task %s stopped: Task failed ELB health checks in \(target-group %s\)"
                       % (first, re.escape(tg)))
        (_, _), (second, url2) = watch.task_urls(2)
        watch.wait_for(r"target group ecs-web: target %s is healthy" % second)
        assert json.loads(get(front + "/env"))["ADDRESS"] == address(url2), "the replacement gets the traffic"


def test_the_circuit_breaker_fails_a_service_whose_tasks_keep_failing(aws, edge_binary, tmp_path):
    crash = "import sys\nprint('cannot start: no DATABASE_URL', file=sys.stderr, flush=True)\nsys.exit(1)\n"
    service(aws.client("ecs", REGION), "c4", "crashing", {}, desired=1)
    edge = EcsEdge(edge_binary, aws.endpoint, "c4", images_file(tmp_path, crash))
    try:
        failed, = edge.wait_for(r"ECS service crashing: deployment failed: .* after (\d+) failed tasks \(threshold "
                                r"(\d+)\).*last stopped reason: (.*)$")
        assert failed.group(1) == failed.group(2) == "3", "max(3, min(200, ceil(0.5 * 1))) = 3"
        assert "Essential container in task exited" in failed.group(3) and "exit status: 1" in failed.group(3)
        assert len(edge.wait_for(STARTED.pattern, 3)) == 3
        time.sleep(3)
        assert len([l for l in edge.lines if STARTED.search(l)]) == 3, "no task is launched after the failure"
        assert "[web] cannot start: no DATABASE_URL" in edge.stderr()
    finally:
        edge.stop()


def test_an_unmapped_image_is_a_clear_error(aws, edge_binary, tmp_path):
    service(aws.client("ecs", REGION), "c5", "web", {"image": "public.ecr.aws/other/app:1"})
    edge = EcsEdge(edge_binary, aws.endpoint, "c5", images_file(tmp_path))
    try:
        assert edge.proc.wait(60) == 1
        assert ("ECS service web: container web: image public.ecr.aws/other/app:1 is not in the images file"
                in edge.stderr())
    finally:
        edge.stop()


# ------------------------------------------------------------------------------------------------ the EROFS incident
# The seed's incident (issue 18): a Next.js standalone server in a container with a read-only root and no writable
# .next/cache could not write what ISR regenerates. Reproduced with the real standalone build of tests/nextjs-app
# run as an ECS task through the edge, with a container definition shaped like modules/application's (read-only
# root, PORT/HOSTNAME/NODE_ENV, its default tmpfs_mounts /tmp and /app/.next/cache): once with the .next/cache tmpfs
# removed, once with the module's default.
NEXT_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/site:standalone"


def next_image(tmp_path):
    """An images file mapping NEXT_IMAGE to a private copy of the standalone build's server directory at /app, run
    with `node server.js` as the official Next.js Dockerfile does. The copy carries an empty .next/cache, as an image
    built for the module (its tmpfs mount point created in the image) does."""
    app = nextjs_builds.copy_build(nextjs_builds.standalone_build("s1") / ".next" / "standalone", tmp_path / "app")
    (app / ".next" / "cache").mkdir(exist_ok=True)
    path = tmp_path / "images.json"
    path.write_text(json.dumps({"images": {NEXT_IMAGE: {"directory": str(app), "workdir": "/app",
                                                        "command": ["node"], "args": ["server.js"]}}}))
    return path


def next_service(ecs, cluster: str, tmpfs: dict) -> None:
    ecs.create_cluster(clusterName=cluster)
    td = ecs.register_task_definition(family=cluster, containerDefinitions=[{
        "name": "app", "image": NEXT_IMAGE, "essential": True, "memory": 512, "readonlyRootFilesystem": True,
        "portMappings": [{"containerPort": 3000}],
        "environment": [{"name": "NODE_ENV", "value": "production"}, {"name": "PORT", "value": "3000"},
                        {"name": "HOSTNAME", "value": "0.0.0.0"}],
        "linuxParameters": {"initProcessEnabled": True, "tmpfs": [
            {"containerPath": p, "size": s, "mountOptions": ["rw", "noexec", "nosuid"]} for p, s in tmpfs.items()]},
    }])
    ecs.create_service(cluster=cluster, serviceName="app", desiredCount=1,
                       taskDefinition=td["taskDefinition"]["taskDefinitionArn"])


def regenerate_tagged(url: str) -> tuple[str, str]:
    """The /tagged page's generated-at time before and after its tag is revalidated on demand."""
    stamp = re.compile(r'data-testid="tagged-generated-at"[^>]*dateTime="([^"]+)"')
    before = stamp.search(get(url + "/tagged", timeout=60)).group(1)
    req = urllib.request.Request(url + "/api/revalidate", data=json.dumps({"tag": "tagged-time"}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert json.loads(resp.read())["revalidated"] is True
    after = stamp.search(get(url + "/tagged")).group(1)
    return before, after


@pytest.mark.parametrize("scratch", ["removed", "module-default"])
def test_isr_under_a_read_only_root_needs_a_writable_next_cache(aws, edge_binary, tmp_path, scratch):
    # modules/application's default tmpfs_mounts
    tmpfs = {"/tmp": 64, "/app/.next/cache": 256, "/app/.next/server/route-cache": 128}
    if scratch == "removed":
        del tmpfs["/app/.next/cache"]
    next_service(aws.client("ecs", REGION), "erofs", tmpfs)
    edge = EcsEdge(edge_binary, aws.endpoint, "erofs", next_image(tmp_path))
    try:
        (_, url), = edge.task_urls()
        before, after = regenerate_tagged(url)
        assert after != before, "the revalidated page was rendered again"
        time.sleep(1)  # the cache write follows the response
        cache_failures = [l for l in edge.lines if l.startswith("[app] ") and "'/app/.next/cache" in l]
        if scratch == "removed":
            # Next.js creates its cache directories with a recursive mkdir, and Node's recursive mkdir reports the
            # kernel's EROFS as ENOENT (measured: under a read-only root fs.mkdirSync(p, {recursive: true}) throws
            # ENOENT where a plain mkdir throws EROFS). Either way the write under .next/cache was refused.
            assert any(re.search(r"Failed to update prerender cache .*(EROFS|ENOENT).*mkdir '/app/\.next/cache", l)
                       for l in cache_failures), (
                "the regenerated data could not be written to .next/cache under the read-only root:\n"
                + edge.stderr())
        else:
            refused = [l for l in edge.lines if "Failed to update prerender cache" in l]
            assert refused == [], "with the module's tmpfs mounts, every cache write succeeds:\n" + "\n".join(refused)
    finally:
        edge.stop()


# The task's program for --endpoint-map: GET / connects to DB_HOST:DB_PORT as the task definition names them and
# answers with the address the name resolved to and the first line the server there sent.
CLIENT = r'''
import os, socket
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        host, port = os.environ["DB_HOST"], int(os.environ["DB_PORT"])
        with socket.create_connection((host, port), timeout=10) as conn:
            peer = conn.getpeername()[0]
            conn.sendall(b"hello\n")
            line = conn.makefile().readline().strip()
        data = ("%s %s" % (peer, line)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
'''


def test_task_reaches_a_mapped_private_endpoint_by_its_name(aws, edge_binary, tmp_path):
    """--endpoint-map: the RDS-style name in the task's environment resolves, inside the task's sandbox only, to a
    loopback address of the edge's, which forwards each connection unchanged to the local server standing for it."""
    import socket
    import socketserver

    name = "shop-dev.c9akciq32.us-east-1.rds.amazonaws.com"
    secret = os.urandom(6).hex()

    class Banner(socketserver.StreamRequestHandler):
        def handle(self):
            got = self.rfile.readline().strip().decode()
            self.wfile.write(("%s from %s said %s\n" % (secret, self.client_address[0], got)).encode())

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Banner)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hosts_before = open("/etc/hosts").read()
    service(aws.client("ecs", REGION), "c9", "api", {
        "environment": [{"name": "DB_HOST", "value": name}, {"name": "DB_PORT", "value": "5432"}]})
    edge = EcsEdge(edge_binary, aws.endpoint, "c9", images_file(tmp_path, CLIENT),
                   extra_args=["--endpoint-map", "%s:5432=127.0.0.1:%d" % (name, server.server_address[1])])
    try:
        (mapped,) = edge.wait_for(r"endpoint %s:5432 is (127\.77\.\d+\.\d+):5432 in the tasks, forwarded to 127\.0\.0\.1:%d"
                                  % (re.escape(name), server.server_address[1]))
        (_, url), = edge.task_urls()
        peer, answer = get(url + "/").split(" ", 1)
        assert peer == mapped.group(1), "the name resolves to the edge's loopback address inside the task"
        assert answer == "%s from 127.0.0.1 said hello" % secret, "the bytes reach the server and come back unchanged"
        # Only the tasks see the name: the machine's own /etc/hosts is untouched and the name resolves nowhere here.
        assert open("/etc/hosts").read() == hosts_before
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo(name, 5432)
    finally:
        edge.stop()
        server.shutdown()


@pytest.mark.parametrize("arg, message", [
    ("db.example:5432", "--endpoint-map 'db.example:5432': no '=' (expected ADDRESS:PORT=127.0.0.1:PORT)"),
    ("db.example:5432=10.0.0.5:5432", "the target must be a loopback address"),
])
def test_endpoint_map_refuses_bad_input_naming_it(edge_binary, arg, message):
    done = subprocess.run([str(edge_binary), "serve", "--cluster", "c", "--endpoint-map", arg],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and message in done.stderr, done.stderr


def test_run_task_runs_a_one_off_task_with_a_command_override_and_returns_its_exit_code(aws, edge_binary, tmp_path):
    """run-task: one standalone task of the task definition (as RunTask with containerOverrides), its container's
    exit code the edge's; environment and secrets as for a service's tasks; a container it lacks refused by name."""
    sm, ecs = aws.client("secretsmanager", REGION), aws.client("ecs", REGION)
    token = harness.watch_secret("run-task secret", "tok-" + os.urandom(8).hex())
    secret_arn = sm.create_secret(Name="job/token", SecretString=token)["ARN"]
    td = ecs.register_task_definition(family="job", containerDefinitions=[{
        "name": "web", "image": IMAGE, "essential": True, "memory": 256, "command": ["server.py"],
        "environment": [{"name": "GREETING", "value": "hello"}],
        "secrets": [{"name": "TOKEN", "valueFrom": secret_arn}], "readonlyRootFilesystem": True,
    }])["taskDefinition"]["taskDefinitionArn"]
    images = images_file(tmp_path)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION=REGION)
    script = ("import os, sys; print(os.environ['GREETING'], os.getcwd(), len(os.environ['TOKEN']) == %d); "
              "sys.exit(int(sys.argv[1]))" % len(token))

    def run_task(*args):
        return subprocess.run([str(edge_binary), "run-task", "--endpoint", aws.endpoint, "--task-definition", td,
                               "--images", str(images), *args], env=env, capture_output=True, text=True, timeout=60)

    for code in (0, 7):
        done = run_task("--container", "web", "--command", json.dumps(["-c", script, str(code)]))
        assert done.returncode == code, done.stderr
        assert "[web] hello /app True" in done.stderr, done.stderr
        assert re.search(r"ECS task \w+ stopped: Essential container in task exited \(container web: exit status: %d\)" % code,
                         done.stderr), done.stderr
        assert token not in done.stderr
    missing = run_task("--container", "worker", "--command", "[]")
    assert missing.returncode == 2 and "has no container named worker" in missing.stderr, missing.stderr
