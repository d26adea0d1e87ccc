"""nextstack-edge for the tests: the real binary, serving a distribution and/or load balancers that an apply left in
moto.

    with EdgeServer(binary, endpoint, distribution_id) as edge:
        edge.url                      # http://127.0.0.1:PORT (what it printed on its first line)
        edge.listeners                # with load_balancers=[ARN, ...]: {(load balancer name, listener port): URL}, one
                                      # per listener line (`nextstack-edge: serving URL (NAME PROTOCOL:PORT)`)
        edge.rest_apis                # with rest_apis=[ID_OR_DOMAIN, ...]: {ID_OR_DOMAIN: URL}, one per REST API line
                                      # (`nextstack-edge: serving URL (REST API ID)`), in the order given
        edge.control_url              # with --control: http://127.0.0.1:PORT (its second line), else None
        edge.get("/about")            # urllib: (status, headers, body) without following redirects
        edge.access_log()             # the access-log lines so far (CloudFront's standard fields, tab-separated)
        edge.access_log_with(pred)    # the same, once a line matching each predicate has arrived
        edge.wait_for_line(pattern)   # the first stderr line matching a regex, once it is there
        edge.stderr()                 # what it and the functions it runs wrote to stderr

A start that fails (the edge exits, or prints no serving line within the timeout) raises HarnessError with
its stderr.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from nextstack_lab import harness

SERVING = re.compile(r"^nextstack-edge: serving (http://127\.0\.0\.1:\d+) \((\S+)\)$")
# With --https-listen, the distribution's HTTPS listener, on the line after the serving line.
SERVING_HTTPS = re.compile(r"^nextstack-edge: serving (https://127\.0\.0\.1:\d+) \((\S+)\)$")
LISTENER = re.compile(r"^nextstack-edge: serving (http://127\.0\.0\.1:\d+) \((\S+) (HTTPS?):(\d+)\)$")
REST_API = re.compile(r"^nextstack-edge: serving (http://127\.0\.0\.1:\d+) \((?:REST API|custom domain) (\S+)\)$")
CONTROL = re.compile(r"^nextstack-edge: control (http://127\.0\.0\.1:\d+)$")
# stderr's line for an ECS service's task that started (its containers running): wait_for_200(after=TASK_STARTED).
TASK_STARTED = re.compile(r"nextstack-edge: ECS service (\S+): task (\w+) started ")

# CloudFront's standard log fields (1-based), as nextstack-edge writes them.
LOG_FIELDS = {"status": 9, "method": 6, "uri": 8, "query": 12, "result": 14, "time_taken": 19}


class EdgeServer:
    def __init__(self, binary: Path, endpoint: str, distribution_id: str | None, extra_args=(), env=None,
                 timeout=120.0, load_balancers=(), rest_apis=()):
        self.binary, self.endpoint, self.distribution_id = binary, endpoint, distribution_id
        self.extra_args, self.env, self.timeout = list(extra_args), env or {}, timeout
        self.load_balancers = list(load_balancers)
        self.rest_api_names = list(rest_apis)
        self.rest_apis: dict[str, str] = {}
        self.url = None
        self.https_url = None
        self.control_url = None
        self.listeners: dict[tuple[str, int], str] = {}
        self._header_lines = 0
        self._out: list[str] = []
        self._err: list[str] = []
        self.proc = None

    def _listener_count(self) -> int:
        """How many listener lines the edge will print: the load balancers' listeners, as the endpoint holds them."""
        import boto3

        count = 0
        for arn in self.load_balancers:
            region = arn.split(":")[3]
            elb = boto3.client("elbv2", region, endpoint_url=self.endpoint, aws_access_key_id="test",
                               aws_secret_access_key="test")
            count += len(elb.describe_listeners(LoadBalancerArn=arn)["Listeners"])
        return count

    def start(self) -> "EdgeServer":
        env = dict(os.environ)
        env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
                    "AWS_EC2_METADATA_DISABLED": "true"})
        env.update(self.env)
        cmd = [str(self.binary), "serve", "--endpoint", self.endpoint]
        if self.distribution_id:
            cmd += ["--distribution-id", self.distribution_id]
        for arn in self.load_balancers:
            cmd += ["--load-balancer", arn]
        for name in self.rest_api_names:
            cmd += ["--rest-api", name]
        cmd += self.extra_args
        control = "--control" in self.extra_args
        https = "--https-listen" in self.extra_args
        expected = ((1 if self.distribution_id else 0) + (1 if https else 0) + self._listener_count()
                    + len(self.rest_api_names) + (1 if control else 0))
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, preexec_fn=harness._die_with_parent)
        for stream, sink in ((self.proc.stdout, self._out), (self.proc.stderr, self._err)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if len(self._out) >= expected:
                self._parse_header(self._out[:expected], control, https)
                self._header_lines = expected
                return self
            if self.proc.poll() is not None:
                time.sleep(0.2)
                raise harness.HarnessError("nextstack-edge exited with %s:\n%s" % (self.proc.returncode, self.stderr()))
            time.sleep(0.05)
        self.stop()
        raise harness.HarnessError("nextstack-edge printed no serving line within %ss:\n%s" % (self.timeout, self.stderr()))

    def _parse_header(self, lines: list[str], control: bool, https: bool = False) -> None:
        """The distribution's serving line (first; then its HTTPS line with --https-listen), one line per listener,
        one per REST API, the control line (last)."""
        lines = list(lines)
        if self.distribution_id:
            match = SERVING.match(lines[0])
            if not match:
                self.stop()
                raise harness.HarnessError("nextstack-edge's first line is not the serving line: %r" % lines[0])
            self.url = match.group(1)
            lines.pop(0)
            if https:
                match = SERVING_HTTPS.match(lines[0])
                if not match:
                    self.stop()
                    raise harness.HarnessError("nextstack-edge's second line is not the HTTPS serving line: %r"
                                               % lines[0])
                self.https_url = match.group(1)
                lines.pop(0)
        if control:
            match = CONTROL.match(lines[-1])
            if not match:
                self.stop()
                raise harness.HarnessError("nextstack-edge's last header line is not the control line: %r" % lines[-1])
            self.control_url = match.group(1)
            lines.pop()
        if self.rest_api_names:
            for name, line in zip(self.rest_api_names, lines[-len(self.rest_api_names):]):
                match = REST_API.match(line)
                if not match:
                    self.stop()
                    raise harness.HarnessError("nextstack-edge printed %r where a REST API line was expected" % line)
                self.rest_apis[name] = match.group(1)
            del lines[-len(self.rest_api_names):]
        for line in lines:
            match = LISTENER.match(line)
            if not match:
                self.stop()
                raise harness.HarnessError("nextstack-edge printed %r where a listener line was expected" % line)
            self.listeners[(match.group(2), int(match.group(4)))] = match.group(1)
        if self.url is None and self.listeners:
            self.url = next(iter(self.listeners.values()))

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink.append(line.rstrip("\n"))

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def stderr(self) -> str:
        return "\n".join(self._err)

    def wait_for_200(self, probe, what: str, timeout: float, after: re.Pattern | None = None) -> None:
        """Until probe() (an HTTP status; OSError counts as no answer) gives 200, trying every 0.5 s, and only once
        `after`, when given, matches the edge's stderr (a task started). AssertionError naming `what`, the last status
        and the edge's stderr when the edge exits or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            if after is None or after.search(self.stderr()):
                try:
                    status = probe()
                except OSError:
                    status = None
                if status == 200:
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.5)
        raise AssertionError("%s did not answer 200 within %ss (last %s):\n%s"
                             % (what, timeout, status, self.stderr()[-6000:]))

    def wait_for_line(self, pattern: str, after: int = 0, timeout: float = 60.0) -> re.Match:
        """The first line of the edge's stderr matching `pattern` (re.search) among the lines from index `after` on,
        once it is there. AssertionError with the stderr when the edge exits or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.stderr().splitlines()[after:]:
                m = re.search(pattern, line)
                if m:
                    return m
            assert self.proc.poll() is None, "the edge exited:\n" + self.stderr()
            time.sleep(0.1)
        raise AssertionError("no line matching %r within %ss:\n%s" % (pattern, timeout, self.stderr()[-8000:]))

    def access_log(self) -> list[list[str]]:
        lines = self._out[self._header_lines:]
        return [line.split("\t") for line in lines]

    def access_log_with(self, *wanted, timeout: float = 15.0) -> list[list[str]]:
        """The access log once each of `wanted` (a predicate over a line's fields) matches a line of it: the edge
        writes a request's line before it answers, but this process reads the edge's stdout in a thread of its own,
        so a line may arrive a moment after the answer. AssertionError with the log after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.access_log()
            if all(any(w(fields) for fields in log) for w in wanted):
                return log
            if time.monotonic() > deadline:
                raise AssertionError("the access log has no line for some of what was asked within %ss:\n%s"
                                     % (timeout, "\n".join("\t".join(f) for f in log[-20:])))
            time.sleep(0.05)

    def get(self, path: str, method: str = "GET", headers=None, body: bytes | None = None):
        """(status, headers, body) of one request, redirects not followed."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with opener.open(req, timeout=60) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()


def request(url: str, path: str, method: str = "GET", headers=(), body: bytes | None = None):
    """One request to a server the edge runs (`url` is one of its serving URLs), with exactly these headers (pairs or a
    dict; a name may repeat; a Host given replaces the default one): (status, reason, headers, body)."""
    headers = list(headers.items()) if isinstance(headers, dict) else list(headers)
    host, port = url.split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.putrequest(method, path, skip_host=any(k.lower() == "host" for k, _ in headers),
                        skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.reason, response.headers, response.read()
    finally:
        conn.close()
