#!/usr/bin/env python3
"""nextstack-edge against `next start`: prints figures, asserts nothing (it stops only if a measurement could not
be made). See bench/edge/README.md.

    bench/edge/run.py [--build streaming|default] [--edge-profiles release,debug] [--edge-binary NAME=PATH]
                      [--connections 1,8] [--duration 10] [--warmup 5] [--cold-reps 5] [--handler-calls 2000]
                      [--json FILE] [--keep]

Runs itself with .tools/venv/bin/python. One run serves the same app, tests/nextjs-app, two ways:
  * edge: its OpenNext build (tests/lab/nextstack_lab/nextjs_builds.py; --build streaming, the default, is the
    browser tests' build with tests/nextjs-app/opennext-streaming, RESPONSE_STREAM function URLs; --build default is
    OpenNext's defaults, BUFFERED) deployed with examples/serverless/site against the patched moto (Terraform 1.15.5, as
    tests/e2e/test_serverless_site.py does) and served by nextstack-edge, built with each of --edge-profiles
    (harness.build_edge: `cargo build [--release] -p nextstack-edge`) and any --edge-binary;
  * next: `next build` of a temporary copy of tests/nextjs-app (its tracked files, node_modules hard-linked from
    the cache ~/.cache/nextstack/nextjs-app-<lock sha>-<platform>/ that build.sh fills; the same build id,
    variant, Server Actions key and a local server for the build-time fetch, as build.sh), then
    `next start -H 127.0.0.1`. Nothing is written into the clone; the copy is removed at the end.
The load generator is wrk (Debian's package: `apt-get install wrk`), one thread, -c CONNECTIONS keep-alive
connections on loopback, on the same two cores as the servers. Every server runs throughout and each run goes
round all of them in turn. Per server and connection count:
  * hit: GET /about, a static page: through the edge a CloudFront cache hit (one request first fills the cache;
    every measured request is checked to be `Hit` in the access log); `next start` serves it from its own cache
    (the prerendered page, `x-nextjs-cache: HIT`);
  * warm miss: GET /api/health, a route handler with `dynamic = "force-dynamic"` (never cached anywhere): the edge
    invokes the server function through its function URL (payload 2.0 event, Lambda Runtime API, node);
  * each after --warmup seconds of the same load (environments started, JIT warm), for --duration seconds:
    requests/s, p50 and p99 (wrk), and CPU per request of each process of the server's tree (/proc).
Cold start, --cold-reps times each: the server process is restarted (for the edge: a new nextstack-edge process,
so no execution environment and an empty cache) and, once it listens, the first GET /api/health is timed
(the edge starts the functions' first execution environments inside that request: a Lambda cold start); the
process start to listening time is printed apart. Also: the edge's own time to first byte (access-log field 19),
the AWS requests moto saw per viewer request, and the server function's handler called --handler-calls times in
one Node.js process without the edge or the Runtime API (what the function's own code costs).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import bench_env  # noqa: E402

REPO_ROOT = bench_env.enter(__file__)

import argparse  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from nextstack_lab import harness, nextjs_builds  # noqa: E402
from nextstack_lab.layout import copy_layout  # noqa: E402

REGION = "eu-west-1"
APP = REPO_ROOT / "tests" / "nextjs-app"
STREAMING_CONFIG = APP / "opennext-streaming"
BUILD_ENV = {
    # What build.sh sets (the build id and variant of nextjs_builds.build("s1"/"b1"), the fixed Server Actions key).
    "NEXT_TELEMETRY_DISABLED": "1",
    "NEXTSTACK_VARIANT": "1",
    "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY": "bmV4dHN0YWNrLXRlc3QtYXBwLWZpeGVkLWtleS0zMmI=",
}
HIT_PATH = "/about"
MISS_PATH = "/api/health"
SCENARIOS = [("hit", HIT_PATH, "cache hit (GET %s)" % HIT_PATH), ("miss", MISS_PATH, "warm miss (GET %s)" % MISS_PATH)]
SERVING = re.compile(r"^nextstack-edge: serving (http://127\.0\.0\.1:(\d+)) \((\S+)\)$")


class BenchError(RuntimeError):
    pass


def say(msg: str) -> None:
    print("[bench] " + msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------ helpers
def table(rows, header, left=1, indent="  ") -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = []
    for n, r in enumerate([header] + rows):
        cells = [str(c).ljust(w) if i < left else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append(indent + "  ".join(cells).rstrip())
        if n == 0:
            out.append(indent + "  ".join("-" * w for w in widths))
    return "\n".join(out)


def pctl(values, q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 0.01:
        return "%.2f ms" % (seconds * 1000)
    if seconds < 1:
        return "%.1f ms" % (seconds * 1000)
    return "%.2f s" % seconds


def ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    r = a / b
    return "%.2fx" % r if r < 10 else "%.1fx" % r


def load() -> list:
    return [round(x, 2) for x in os.getloadavg()]


def preexec() -> None:
    """A child in its own process group (so that stopping it stops what it started), killed with us."""
    os.setsid()
    harness._die_with_parent()


class Server:
    """A server process with stdout and stderr in files, in its own process group."""

    def __init__(self, name: str, argv: list, env: dict, cwd: Path, logs: Path):
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd
        logs.mkdir(parents=True, exist_ok=True)
        self.stdout_path = logs / ("%s.stdout" % name)
        self.stderr_path = logs / ("%s.stderr" % name)
        self.proc = None
        self.started = None

    def start(self) -> "Server":
        self.started = time.monotonic()
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.offset = out.tell()
            self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err, preexec_fn=preexec)
        return self

    def stdout_since_start(self) -> str:
        with open(self.stdout_path, "rb") as f:
            f.seek(self.offset)
            return f.read().decode(errors="replace")

    def stderr_tail(self, n=40) -> str:
        try:
            return harness._tail(self.stderr_path.read_text(errors="replace"), n)
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # What the server started (the edge's node environments) is in the same group: none may outlive it.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_listening(port: int, server: Server, timeout: float = 180) -> float:
    """Seconds from the process start until 127.0.0.1:port accepts a connection (polled every 5 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise BenchError("%s exited before listening:\n%s" % (server.name, server.stderr_tail()))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return time.monotonic() - server.started
        except OSError:
            time.sleep(0.005)
    raise BenchError("%s did not listen on %d within %ss:\n%s" % (server.name, port, timeout, server.stderr_tail()))


def get(port: int, path: str, timeout: float = 120):
    """(status, headers, body, seconds) of one GET on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request("GET", path, headers={"accept-encoding": "gzip, deflate, br"})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body, time.monotonic() - started
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------------ wrk
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def seconds_of(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise BenchError("cannot read wrk's duration %r" % text)
    return float(m.group(1)) * UNITS[m.group(2)]


def wrk(port: int, path: str, connections: int, seconds: float) -> dict:
    # wrk sends no Accept-Encoding by default; a browser's is sent so that both servers answer as to a browser.
    argv = ["wrk", "-t", "1", "-c", str(connections), "-d", "%ds" % max(1, round(seconds)), "--latency",
            "--timeout", "30s", "-H", "Accept-Encoding: gzip, deflate, br",
            "http://127.0.0.1:%d%s" % (port, path)]
    proc = subprocess.run(argv, capture_output=True, text=True)
    out = proc.stdout
    if proc.returncode != 0 or "Requests/sec" not in out:
        raise BenchError("%s failed (exit %d):\n%s%s" % (" ".join(argv), proc.returncode, out, proc.stderr))
    res = {"argv": argv, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    res["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    for q in ("50", "75", "90", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % q, out, re.M)
        res["p%s" % q] = seconds_of(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    res["raw"] = out
    return res


# ------------------------------------------------------------------------------------------------ the two servers
def next_build(work: Path, build_id: str) -> Path:
    """`next build` of a copy of tests/nextjs-app in `work`; returns the app directory."""
    lock_sha = hashlib.sha256((APP / "package-lock.json").read_bytes()).hexdigest()
    plat = subprocess.run(["node", "-p", "process.platform + '-' + process.arch"], capture_output=True, text=True,
                          check=True).stdout.strip()
    cache = nextjs_builds.CACHE_ROOT / ("nextjs-app-%s-%s" % (lock_sha, plat))
    if not (cache / ".complete").is_file():
        raise BenchError("%s is missing: run tests/nextjs-app/build.sh once (it installs node_modules there)" % cache)
    app = work / "nextjs-app"
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--", str(APP)], check=True,
                            capture_output=True).stdout.split(b"\0")
    for rel in (p.decode() for p in listed if p):
        src = REPO_ROOT / rel
        dest = app / Path(rel).relative_to(APP.relative_to(REPO_ROOT))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    # Hard links as build.sh makes them (a real directory: Next.js resolves node_modules inside the app); a copy
    # across file systems.
    if subprocess.run(["cp", "-al", str(cache / "node_modules"), str(app / "node_modules")]).returncode != 0:
        shutil.rmtree(app / "node_modules", ignore_errors=True)
        subprocess.run(["cp", "-a", str(cache / "node_modules"), str(app / "node_modules")], check=True)
    # The build-time fetch of app/articles/page.js, from the fixture (on a free port: only the fetch-cache key,
    # which nothing here reads, depends on it).
    port = harness.free_port()
    ready = work / "fetch-ready"
    fetch = subprocess.Popen(["node", str(app / "scripts" / "fetch-server.mjs"), str(app / "fixtures" / "articles.json"),
                              str(port), str(ready)], stdin=subprocess.DEVNULL, preexec_fn=harness._die_with_parent)
    try:
        for _ in range(200):
            if ready.exists():
                break
            time.sleep(0.05)
        else:
            raise BenchError("the fetch server did not start")
        env = dict(os.environ, **BUILD_ENV, NEXTSTACK_BUILD_ID=build_id,
                   NEXTSTACK_FETCH_URL="http://127.0.0.1:%d/articles.json" % port)
        started = time.monotonic()
        proc = subprocess.run([str(app / "node_modules" / ".bin" / "next"), "build"], cwd=app, env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise BenchError("next build failed (exit %d):\n%s" % (proc.returncode, harness._tail(proc.stdout + proc.stderr)))
        say("next build: %.0f s" % (time.monotonic() - started))
    finally:
        fetch.terminate()
        fetch.wait(10)
    return app


def next_server(app: Path, logs: Path) -> tuple[Server, int]:
    port = harness.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEXTSTACK_"))}
    env.update({"NEXT_TELEMETRY_DISABLED": "1", "NODE_ENV": "production"})
    argv = [str(app / "node_modules" / ".bin" / "next"), "start", "-H", "127.0.0.1", "-p", str(port)]
    return Server("next-start", argv, env, app, logs), port


def deploy(work: Path, build: Path, moto: harness.MotoServer) -> dict:
    """examples/serverless/site applied against moto with `build` (as tests/e2e/test_serverless_site.py does)."""
    layout = work / "layout"
    copy_layout("serverless", layout)
    provider = harness.build_provider()
    mirror = harness.make_mirror(provider, work / "mirror")
    cli_config = harness.write_cli_config(work / "terraformrc", mirror)
    env = harness.terraform_env(cli_config, moto.endpoint, REGION)
    env.update({"TF_VAR_build_dir": str(build), "TF_VAR_zip_dir": str(work / "zips"),
                "TF_VAR_wait_for_deployment": "false", "TF_VAR_force_destroy": "true"})
    tf = harness.Terraform(harness.TF_LATEST, layout / "examples" / "serverless" / "site", env)
    started = time.monotonic()
    tf.init_ok()
    tf.apply_ok()
    say("terraform apply of examples/serverless/site: %.0f s" % (time.monotonic() - started))
    return tf.outputs()


def edge_server(binary: Path, moto: harness.MotoServer, distribution_id: str, logs: Path, name: str) -> tuple[Server, int]:
    port = harness.free_port()
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true"})
    node_arm64 = harness.TOOLS_DIR / "node-arm64"
    if node_arm64.is_file():  # the image function carries arm64 sharp (not requested here, but configured as the tests do)
        env["NEXTSTACK_EDGE_NODE_ARM64"] = node_arm64.read_text().strip()
    argv = [str(binary), "serve", "--distribution-id", distribution_id, "--endpoint", moto.endpoint,
            "--listen", "127.0.0.1:%d" % port]
    return Server(name, argv, env, REPO_ROOT, logs), port


def wait_edge(server: Server, timeout: float = 180) -> float:
    """Seconds from the process start to its serving line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        first = server.stdout_since_start().split("\n", 1)
        if len(first) == 2:
            if not SERVING.match(first[0]):
                raise BenchError("%s's first line is not the serving line: %r" % (server.name, first[0]))
            return time.monotonic() - server.started
        if not server.alive():
            raise BenchError("%s exited:\n%s" % (server.name, server.stderr_tail()))
        time.sleep(0.005)
    raise BenchError("%s printed no serving line within %ss:\n%s" % (server.name, timeout, server.stderr_tail()))


# ------------------------------------------------------------------------------------------------ measuring
class AccessLogWindow:
    """The edge's access-log lines (its stdout) written between two points."""

    def __init__(self, server: Server):
        self.server = server
        self.start = server.stdout_path.stat().st_size

    def lines(self) -> list:
        with open(self.server.stdout_path, "rb") as f:
            f.seek(self.start)
            text = f.read().decode(errors="replace")
        return [line.split("\t") for line in text.splitlines() if line.count("\t") > 20]


def summarize_log(lines: list) -> dict:
    results: dict = {}
    ttfb = []
    for fields in lines:
        results[fields[13]] = results.get(fields[13], 0) + 1
        try:
            ttfb.append(float(fields[18]))
        except (IndexError, ValueError):
            pass
    out = {"results": results, "lines": len(lines)}
    if ttfb:
        out["edge_ttfb_p50"] = pctl(ttfb, 0.5)
        out["edge_ttfb_p99"] = pctl(ttfb, 0.99)
    return out


def moto_requests(moto: harness.MotoServer, since: int) -> int:
    """Requests moto logged after byte `since` of its log (werkzeug's one line per request)."""
    with open(moto.log_path, "rb") as f:
        f.seek(since)
        text = f.read().decode(errors="replace")
    return len(re.findall(r'"(?:GET|POST|PUT|HEAD|DELETE|PATCH) \S+ HTTP/1\.[01]" \d{3}', text))


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list:
    children: dict = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path("/proc/%s/stat" % entry).read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def process_role(pid: int, root: int, root_name: str) -> str:
    """What a process of the server's tree is: the server itself, the CloudFront Functions worker, or the
    execution environment of a function (its AWS_LAMBDA_FUNCTION_NAME)."""
    if pid == root:
        return root_name
    try:
        cmdline = Path("/proc/%d/cmdline" % pid).read_bytes().split(b"\0")
        environ = Path("/proc/%d/environ" % pid).read_bytes().split(b"\0")
    except OSError:
        return "?"
    if any(arg.endswith(b"cloudfront-functions/worker.mjs") for arg in cmdline):
        return "CloudFront Functions worker"
    for var in environ:
        if var.startswith(b"AWS_LAMBDA_FUNCTION_NAME="):
            return var.split(b"=", 1)[1].decode()
    return os.path.basename(cmdline[0].decode(errors="replace")) if cmdline and cmdline[0] else "?"


def cpu_snapshot(server: "Server", root_name: str) -> dict:
    """{pid: (role, user+system seconds)} of the server's processes."""
    out = {}
    root = server.proc.pid
    for pid in process_tree(root):
        try:
            fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (process_role(pid, root, root_name), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return out


def cpu_per_request(before: dict, after: dict, requests: int) -> dict:
    """CPU seconds per request by role over a run (processes that ended during the run are not counted)."""
    by_role: dict = {}
    for pid, (role, seconds) in after.items():
        by_role[role] = by_role.get(role, 0.0) + seconds - before.get(pid, (role, 0.0))[1]
    return {role: seconds / max(1, requests) for role, seconds in by_role.items() if seconds > 0}


def check_first(port: int, path: str) -> dict:
    status, headers, body, took = get(port, path)
    if status != 200:
        raise BenchError("GET %s answered %d: %r" % (path, status, body[:300]))
    return {"status": status, "bytes": len(body), "x_cache": headers.get("x-cache"),
            "x_nextjs_cache": headers.get("x-nextjs-cache"), "cache_control": headers.get("cache-control"),
            "content_encoding": headers.get("content-encoding"), "seconds": took}


class Target:
    """One server under test: its name, how to start it, and the running process."""

    def __init__(self, name: str, make, moto: harness.MotoServer | None):
        self.name, self.make, self.moto = name, make, moto
        self.edge = name.startswith("edge")
        self.server, self.port = None, None

    def start(self) -> float:
        self.server, self.port = self.make()
        self.server.start()
        return wait_edge(self.server) if self.edge else wait_listening(self.port, self.server)

    def stop(self) -> None:
        if self.server:
            self.server.stop()


def first_requests(target: Target) -> dict:
    """One request per scenario, checked; through the edge the hit path is requested twice (the first fills the
    cache) and the second must be a hit."""
    out = {}
    for key, path, _label in SCENARIOS:
        first = check_first(target.port, path)
        if target.edge and key == "hit":
            again = check_first(target.port, path)
            if not (again["x_cache"] or "").startswith("Hit"):
                raise BenchError("the second GET %s through %s was not a hit: %r" % (path, target.name, again))
            first["second"] = again
        out[key] = first
    return out


def measure_run(target: Target, path: str, connections: int, args) -> dict:
    wrk(target.port, path, connections, args.warmup)  # environments started, JIT warm, connections open
    window = AccessLogWindow(target.server) if target.edge else None
    moto_since = target.moto.log_offset() if target.moto else None
    root_name = "nextstack-edge" if target.edge else "next-server"
    cpu_before = cpu_snapshot(target.server, root_name)
    say("%s: GET %s, %d connection(s), %ds (load average %s)" % (target.name, path, connections, args.duration,
                                                                  " ".join(map(str, load()))))
    res = wrk(target.port, path, connections, args.duration)
    res["cpu_per_request"] = cpu_per_request(cpu_before, cpu_snapshot(target.server, root_name), res["requests"])
    if window:
        res["edge_log"] = summarize_log(window.lines())
        if path == HIT_PATH and set(res["edge_log"]["results"]) != {"Hit"}:
            raise BenchError("%s: the hit run was not all hits: %r" % (target.name, res["edge_log"]["results"]))
        res["aws_requests"] = moto_requests(target.moto, moto_since)
        res["aws_requests_per_request"] = res["aws_requests"] / max(1, res["requests"])
    res["load_average"] = load()
    return res


def cold_start(target: Target) -> dict:
    """A fresh process: start to listening, then the first GET MISS_PATH and a second one."""
    try:
        startup = target.start()
        status, _headers, body, first = get(target.port, MISS_PATH)
        if status != 200:
            raise BenchError("%s: the first GET %s answered %d: %r\n%s" % (target.name, MISS_PATH, status, body[:300],
                                                                            target.server.stderr_tail()))
        _, _, _, second = get(target.port, MISS_PATH)
    finally:
        target.stop()
    say("%s cold start: listening after %s, first GET %s %s, second %s"
        % (target.name, ms(startup), MISS_PATH, ms(first), ms(second)))
    return {"startup": startup, "first": first, "second": second}


def cold_summary(reps: list) -> dict:
    firsts = [r["first"] for r in reps]
    return {"reps": reps, "first_p50": statistics.median(firsts), "first_max": max(firsts),
            "startup_p50": statistics.median(r["startup"] for r in reps),
            "second_p50": statistics.median(r["second"] for r in reps)}


HANDLER_LOOP = r"""
// The server function's handler called in this process, without the Lambda Runtime API: what the function's
// own code costs per request. argv: codeDir eventFile calls streaming(0|1)
import { Writable } from "node:stream";
import fs from "node:fs";
import { performance } from "node:perf_hooks";
const [codeDir, eventFile, calls, streaming] = process.argv.slice(2);
globalThis.awslambda = { streamifyResponse: (fn) => fn };
process.chdir(codeDir);
const { handler } = await import(codeDir + "/index.mjs");
const event = JSON.parse(fs.readFileSync(eventFile, "utf8"));
const times = [];
let cpuAtWarm = null, warmFrom = Math.floor(Number(calls) / 5), bytes = 0, status = null;
for (let i = 0; i < Number(calls); i++) {
  if (i === warmFrom) cpuAtWarm = process.cpuUsage();
  const t0 = performance.now();
  if (streaming === "1") {
    const chunks = [];
    let done;
    const finished = new Promise((r) => (done = r));
    const stream = new Writable({ write(c, e, cb) { chunks.push(Buffer.from(c)); cb(); }, final(cb) { cb(); done(); } });
    stream.setContentType = () => {};
    await handler(event, stream, { callbackWaitsForEmptyEventLoop: true });
    await finished;
    const all = Buffer.concat(chunks);
    const prelude = all.indexOf(Buffer.alloc(8));
    status = JSON.parse(all.subarray(0, prelude).toString()).statusCode;
    bytes = all.length - prelude - 8;
  } else {
    const result = await handler(event, { callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000 });
    status = result.statusCode;
    bytes = (result.body || "").length;
  }
  times.push(performance.now() - t0);
}
const cpu = process.cpuUsage(cpuAtWarm);
const warm = times.slice(warmFrom).sort((a, b) => a - b);
console.log(JSON.stringify({ first: times[0] / 1000, p50: warm[Math.floor(warm.length / 2)] / 1000,
  p99: warm[Math.floor(warm.length * 0.99)] / 1000, cpu: (cpu.user + cpu.system) / 1e6 / warm.length,
  calls: Number(calls), status, bytes }));
process.exit(0);
"""


def handler_in_process(work: Path, moto: harness.MotoServer, streaming: bool, calls: int) -> dict:
    """The server function (zips/default.zip, as deployed) called in one Node.js process, with its deployed
    environment and the payload 2.0 event the edge would send for GET MISS_PATH."""
    code = work / "handler"
    subprocess.run(["unzip", "-q", "-o", str(work / "zips" / "default.zip"), "-d", str(code)], check=True)
    lam = moto.client("lambda", REGION)
    name = next(f["FunctionName"] for f in lam.list_functions()["Functions"] if f["FunctionName"].endswith("-server-default"))
    conf = lam.get_function_configuration(FunctionName=name)
    domain = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.%s.on.aws" % REGION
    event = {
        "version": "2.0", "routeKey": "$default", "rawPath": MISS_PATH, "rawQueryString": "",
        "headers": {"accept-encoding": "br,gzip", "host": domain, "via": "2.0 local.cloudfront.net (CloudFront)",
                    "x-amz-cf-id": "0" * 32, "x-forwarded-for": "127.0.0.1", "x-forwarded-host": "127.0.0.1:8080"},
        "requestContext": {"accountId": harness.MOTO_DEFAULT_ACCOUNT, "apiId": domain.split(".")[0], "domainName": domain,
                           "domainPrefix": domain.split(".")[0],
                           "http": {"method": "GET", "path": MISS_PATH, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                    "userAgent": "Amazon CloudFront"},
                           "requestId": "0" * 32, "routeKey": "$default", "stage": "$default",
                           "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 1767225600000},
        "isBase64Encoded": False,
    }
    (work / "event.json").write_text(json.dumps(event))
    (work / "handler-loop.mjs").write_text(HANDLER_LOOP)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_ENDPOINT_URL": moto.endpoint, "NEXTSTACK_AWS_ENDPOINT": moto.endpoint, "AWS_LAMBDA_FUNCTION_NAME": name}
    env.update(conf.get("Environment", {}).get("Variables", {}))
    proc = subprocess.run(["node", "--import", str(REPO_ROOT / "edge" / "runtime" / "node" / "aws-endpoint.mjs"),
                           str(work / "handler-loop.mjs"), str(code), str(work / "event.json"), str(calls),
                           "1" if streaming else "0"], env=env, capture_output=True, text=True, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise BenchError("the in-process handler loop failed (exit %d):\n%s" % (proc.returncode, harness._tail(proc.stdout + proc.stderr)))
    out = json.loads(lines[-1])
    if out["status"] != 200:
        raise BenchError("the in-process handler answered %s" % out["status"])
    out["load_average"] = load()
    return out


# ------------------------------------------------------------------------------------------------ report
def report(fig: dict) -> str:
    lines = []
    lines.append("edge benchmark: tests/nextjs-app, OpenNext %s build (%s) through nextstack-edge, against `next start` "
                 "of a plain `next build`" % (fig["build_kind"], fig["build_name"]))
    lines.append("machine: %s; load average (1, 5, 15 min) before %s, after %s" % (
        fig["machine"], " ".join(map(str, fig["load_average_before"])), " ".join(map(str, fig["load_average_after"]))))
    during = [r["load_average"][0] for t in fig["targets"].values() for s in t["load"].values()
              for r in s["by_connections"].values()]
    lines.append("1-minute load average at the end of each measured run: %.2f to %.2f" % (min(during), max(during)))
    lines.append("load generator: %s, 1 thread, keep-alive; %d s per run after %d s of warm-up, the servers taken in "
                 "turn for each run; cold start: median and max of %d restarts" % (
                     fig["wrk"], fig["duration"], fig["warmup"], fig["cold_reps"]))
    lines.append("")
    targets = [t for t in fig["targets"]]
    rows = []
    for key, path, label in SCENARIOS:
        for c in fig["connections"]:
            for t in targets:
                r = fig["targets"][t]["load"][key]["by_connections"][str(c)]
                rows.append([label, c, t, "%.0f" % r["rps"], ms(r["p50"]), ms(r["p99"]),
                             ("%d" % (r["non_2xx"] + r["socket_errors"])) if (r["non_2xx"] + r["socket_errors"]) else ""])
    for t in targets:
        cold = fig["targets"][t]["cold"]
        rows.append(["cold start (first GET %s)" % MISS_PATH, 1, t, "-", ms(cold["first_p50"]), ms(cold["first_max"]) + " (max)", ""])
    lines.append(table(rows, ["scenario", "conns", "server", "req/s", "p50", "p99", "errors"], left=3))
    lines.append("")
    lines.append("ratios edge/next (req/s: above 1 = the edge serves more; latency: below 1 = the edge is faster):")
    rows = []
    for key, path, label in SCENARIOS:
        for c in fig["connections"]:
            n = fig["targets"]["next start"]["load"][key]["by_connections"][str(c)]
            for t in targets:
                if t == "next start":
                    continue
                e = fig["targets"][t]["load"][key]["by_connections"][str(c)]
                rows.append([label, c, t, ratio(e["rps"], n["rps"]), ratio(e["p50"], n["p50"]), ratio(e["p99"], n["p99"])])
    nc = fig["targets"]["next start"]["cold"]
    for t in targets:
        if t == "next start":
            continue
        ec = fig["targets"][t]["cold"]
        rows.append(["cold start (first GET %s)" % MISS_PATH, 1, t, "-", ratio(ec["first_p50"], nc["first_p50"]),
                     ratio(ec["first_max"], nc["first_max"]) + " (max)"])
    lines.append(table(rows, ["scenario", "conns", "edge", "req/s", "p50", "p99"], left=3))
    lines.append("")
    lines.append("cold start in parts (median): process start to listening, first request, second request:")
    rows = []
    for t in targets:
        cold = fig["targets"][t]["cold"]
        rows.append([t, ms(cold["startup_p50"]), ms(cold["first_p50"]), ms(cold["second_p50"]),
                     ms(cold["startup_p50"] + cold["first_p50"])])
    lines.append(table(rows, ["server", "start to listening", "first GET", "second GET", "start to first answer"], left=1))
    lines.append("")
    lines.append("inside the edge (its access log) and moto, per run:")
    rows = []
    for t in targets:
        if t == "next start":
            continue
        for key, path, label in SCENARIOS:
            for c in fig["connections"]:
                r = fig["targets"][t]["load"][key]["by_connections"][str(c)]
                log = r.get("edge_log", {})
                res = ", ".join("%s %d" % kv for kv in sorted(log.get("results", {}).items()))
                rows.append([t, label, c, res, ms(log.get("edge_ttfb_p50")), ms(log.get("edge_ttfb_p99")),
                             "%.2f" % r.get("aws_requests_per_request", 0)])
    lines.append(table(rows, ["edge", "scenario", "conns", "result types", "time-taken p50", "p99", "AWS req/request"], left=4))
    lines.append("")
    lines.append("CPU per request by process (user+system over the run / requests; wrk's own not counted):")
    rows = []
    for key, path, label in SCENARIOS:
        for c in fig["connections"]:
            for t in targets:
                cpu = fig["targets"][t]["load"][key]["by_connections"][str(c)]["cpu_per_request"]
                parts = ", ".join("%s %s" % (role, ms(sec)) for role, sec in sorted(cpu.items(), key=lambda kv: -kv[1])
                                  if sec * 1000 >= 0.005)
                rows.append([label, c, t, ms(sum(cpu.values())), parts])
    lines.append(table(rows, ["scenario", "conns", "server", "total", "by process"], left=3))
    h = fig.get("handler_in_process")
    if h:
        lines.append("")
        lines.append("the server function's handler called in one Node.js process (no edge, no Runtime API), GET %s, %d calls: "
                     "first %s, then p50 %s, p99 %s, CPU %s per call" % (MISS_PATH, h["calls"], ms(h["first"]), ms(h["p50"]),
                                                                         ms(h["p99"]), ms(h["cpu"])))
    lines.append("")
    rows = []
    for t in targets:
        for key, path, label in SCENARIOS:
            f = fig["targets"][t]["load"][key]["first"]
            rows.append([t, path, f["bytes"], f.get("content_encoding") or "-", f.get("cache_control") or "-",
                         f.get("x_cache") or f.get("x_nextjs_cache") or "-"])
    lines.append("responses (first request):")
    lines.append(table(rows, ["server", "path", "bytes", "encoding", "cache-control", "x-cache / x-nextjs-cache"], left=2))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", choices=("streaming", "default"), default="streaming",
                        help="OpenNext build: the browser tests' streaming one (default) or OpenNext's defaults")
    parser.add_argument("--edge-profiles", default="release,debug", help="nextstack-edge builds to measure (default release,debug)")
    parser.add_argument("--edge-binary", action="append", default=[], metavar="NAME=PATH",
                        help="also measure this nextstack-edge binary, as \"edge (NAME)\" (e.g. an older build to compare)")
    parser.add_argument("--connections", default="1,8", help="wrk connection counts (default 1,8)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of the same load before each run (default 5)")
    parser.add_argument("--cold-reps", type=int, default=5, help="restarts per server for the cold start (default 5)")
    parser.add_argument("--handler-calls", type=int, default=2000,
                        help="calls of the server function's handler in one process, no Runtime API (default 2000; 0: skip)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (logs, the next build)")
    args = parser.parse_args()
    args.connections = [int(c) for c in args.connections.split(",") if c]
    profiles = [p for p in args.edge_profiles.split(",") if p]
    if not shutil.which("wrk"):
        raise SystemExit("bench/edge: wrk is not on PATH (Debian: apt-get install wrk)")
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    wrk_version = ((wrk_version.stdout or wrk_version.stderr).split("[")[0].strip()) or "wrk"

    work = Path(tempfile.mkdtemp(prefix="nextstack-bench-edge-"))
    logs = work / "logs"
    say("scratch: %s" % work)
    name = "s1" if args.build == "streaming" else "b1"
    say("OpenNext build %s (cached after the first time)" % name)
    build = nextjs_builds.build(name, config=STREAMING_CONFIG if args.build == "streaming" else None)
    binaries = {}
    for p in profiles:
        say("cargo build%s -p nextstack-edge" % (" --release" if p == "release" else ""))
        src = harness.build_edge(p)
        binaries[p] = work / ("nextstack-edge-" + p)
        shutil.copy2(src, binaries[p])  # other builds in target/ cannot change it mid-run
    for spec in args.edge_binary:
        label, _, path = spec.partition("=")
        if not (label and Path(path).is_file()):
            raise SystemExit("bench/edge: --edge-binary %r: NAME=PATH of an executable" % spec)
        binaries[label] = work / ("nextstack-edge-" + re.sub(r"[^A-Za-z0-9._-]", "_", label))
        shutil.copy2(path, binaries[label])
        profiles.append(label)
    say("next build of a copy of tests/nextjs-app")
    app = next_build(work, nextjs_builds.build_id_for(name))

    fig = {
        "machine": "%s, %s, %d cores, node %s" % (platform.machine(), platform.platform(), os.cpu_count() or 0,
                                                 subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()),
        "build_kind": args.build, "build_name": nextjs_builds.build_id_for(name), "wrk": wrk_version,
        "duration": args.duration, "warmup": args.warmup, "cold_reps": args.cold_reps,
        "connections": args.connections, "load_average_before": load(), "targets": {},
    }
    targets: list = []
    try:
        with harness.MotoServer(log_dir=work) as moto:
            say("applying examples/serverless/site against moto")
            dist = deploy(work, build, moto)["distribution_id"]
            for p in profiles:
                targets.append(Target("edge (%s)" % p, lambda p=p: edge_server(binaries[p], moto, dist, logs, binaries[p].name), moto))
            targets.append(Target("next start", lambda: next_server(app, logs), None))
            # Every server runs throughout, and each measurement goes round all of them before the next one, so
            # that a busy moment of the machine falls on all of them alike.
            for t in targets:
                t.start()
                fig["targets"][t.name] = {"load": {}, "cold": None}
            for t in targets:
                for key, first in first_requests(t).items():
                    fig["targets"][t.name]["load"][key] = {"first": first, "by_connections": {}}
            for key, path, _label in SCENARIOS:
                for c in args.connections:
                    for t in targets:
                        fig["targets"][t.name]["load"][key]["by_connections"][c] = measure_run(t, path, c, args)
            for t in targets:
                t.stop()
            if args.handler_calls:
                say("the server function's handler in one process, %d calls" % args.handler_calls)
                fig["handler_in_process"] = handler_in_process(work, moto, args.build == "streaming", args.handler_calls)
            cold: dict = {t.name: [] for t in targets}
            for _ in range(args.cold_reps):
                for t in targets:
                    cold[t.name].append(cold_start(t))
                    time.sleep(0.5)
            for t in targets:
                fig["targets"][t.name]["cold"] = cold_summary(cold[t.name])
    except BenchError as exc:
        args.keep = True
        say("kept %s" % work)
        raise SystemExit("bench/edge: %s" % exc)
    finally:
        for t in targets:
            t.stop()
    fig["load_average_after"] = load()
    # JSON keys are strings: the report reads them the same way.
    fig = json.loads(json.dumps(fig))

    print()
    print(report(fig))
    if args.json:
        for t in fig["targets"].values():
            for s in t["load"].values():
                for r in s["by_connections"].values():
                    r.pop("raw", None)
        Path(args.json).write_text(json.dumps(fig, indent=1))
    if args.keep:
        say("kept %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
