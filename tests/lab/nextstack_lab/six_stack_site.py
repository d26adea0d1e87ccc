"""The six-stack site served by nextstack-edge after an apply: the edge stack's distribution, the application's ECS
service run as local processes (`--cluster`, with an images file standing for the image nobody can pull here), the
networking stack's ALB as a second front door (`--load-balancer`) and, optionally, the api stack's REST API at its
execute-api endpoint (`--rest-api`).

    images = write_images_file(tmp_path, repository_url, app_dir)   # the repository -> the standalone server
    with serve(aws_endpoint, distribution_id, cluster, lb_arn, images, rest_apis=[api_id]) as edge:
        wait_until_serving(edge)                                     # the task started and /api/health answers
        edge.rest_apis[api_id]                                       # the API's URL (paths start with the stage)

The images file maps the data stack's ECR repository (the task definition's image is that repository with a tag) to
a private copy of what the image holds, run as `node server.js` at /app: the standalone build's server directory
with `public/` and `.next/static/` beside server.js, as the official Next.js Dockerfile (with-docker) copies them
(`next build` leaves both out of .next/standalone). The server needs public/ itself: its image optimizer
(`/_next/image`, on the default behaviour, so through the ALB) reads the source image from it in-process. The edge
stack still sends /_next/static/* and /images/* to the data bucket, where the application stack published them.
Everything else (PORT, HOSTNAME, the read-only root and its tmpfs mounts) comes from the application module's task
definition.

    failing = write_failing_images_file(tmp_path, repository_url, "exits")    # or "unhealthy"

maps the repository to a program that cannot serve: one that exits at once, or one that listens on PORT and answers
500 to everything (the health check path included), for the circuit breaker and the health check.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from nextstack_lab import harness, nextjs_builds, six_stack
from nextstack_lab.edge import TASK_STARTED, EdgeServer


def write_images_file(dest: Path, repository_url: str, app_dir: Path) -> Path:
    """images.json in dest: the repository (any tag) -> the image's files at /app: a copy of app_dir's
    .next/standalone with app_dir's public/ and .next/static/ beside server.js (the Dockerfile's three COPY lines),
    and an empty .next/cache, the mount point of the module's tmpfs, as an image built for the module has."""
    image = nextjs_builds.copy_build(app_dir / ".next" / "standalone", dest / "image")
    if (app_dir / "public").is_dir():
        nextjs_builds.copy_build(app_dir / "public", image / "public")
    nextjs_builds.copy_build(app_dir / ".next" / "static", image / ".next" / "static")
    (image / ".next" / "cache").mkdir(exist_ok=True)
    return _images_json(dest / "images.json", repository_url, image, ["node"], ["server.js"])


# Programs that stand for an image that cannot serve: "exits" stops at once with status 1 (a missing module, a bad
# entry point); "unhealthy" starts and listens on PORT but answers 500 to every request, the health check path too.
FAILING_PROGRAMS = {
    "exits": ["-e", "console.error('cannot start: exiting'); process.exit(1)"],
    "unhealthy": ["-e", "require('http').createServer((req, res) => { res.statusCode = 500; res.end('broken'); })"
                        ".listen(Number(process.env.PORT), process.env.HOSTNAME)"],
}


def write_failing_images_file(dest: Path, repository_url: str, kind: str) -> Path:
    """images-KIND.json in dest: the repository -> an (empty) image whose program is FAILING_PROGRAMS[kind], run by node."""
    image = dest / ("image-" + kind)
    (image / ".next" / "cache").mkdir(parents=True, exist_ok=True)
    return _images_json(dest / ("images-%s.json" % kind), repository_url, image, ["node"], FAILING_PROGRAMS[kind])


def _images_json(path: Path, repository_url: str, image: Path, command: list, args: list) -> Path:
    path.write_text(json.dumps({"images": {repository_url: {
        "directory": str(image), "workdir": "/app", "command": command, "args": args}}}, indent=2))
    return path


def serve(endpoint: str, distribution_id: str | None, cluster: str, load_balancer_arn: str, images: Path,
          rest_apis=(), extra_args=()) -> EdgeServer:
    """The edge for the whole site (distribution_id None: the ALB and the cluster only); AWS_REGION is the origin
    stacks' region, where the cluster and the REST API are."""
    return EdgeServer(harness.build_edge(), endpoint, distribution_id, load_balancers=[load_balancer_arn],
                      rest_apis=rest_apis, extra_args=["--cluster", cluster, "--images", str(images), *extra_args],
                      env={"AWS_REGION": six_stack.ORIGIN_REGION}, timeout=120)


def wait_until_serving(edge: EdgeServer, timeout: float = 90.0) -> None:
    """Until a task of the service started and the site's health route answers 200 through the distribution (the
    ALB forwards to a task once its target group has it)."""
    edge.wait_for_200(lambda: edge.get("/api/health")[0], "the site's /api/health", timeout, after=TASK_STARTED)


def generated_at(edge: EdgeServer, path: str, testid: str) -> str:
    status, _, body = edge.get(path)
    assert status == 200, (path, status, body[:300])
    match = re.search(r'data-testid="%s"[^>]*>([^<]+)<' % re.escape(testid), body.decode())
    assert match, (path, body[:2000])
    return match.group(1)


def wait_for_change(edge: EdgeServer, path: str, testid: str, old: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    seen = old
    while time.monotonic() < deadline:
        seen = generated_at(edge, path, testid)
        if seen != old:
            return seen
        time.sleep(1)
    return seen


# ------------------------------------------------------------------------------------------------ for run.sh


def _distribution_id(endpoint: str) -> str:
    import boto3

    cf = boto3.client("cloudfront", "us-east-1", endpoint_url=endpoint, aws_access_key_id="test",
                      aws_secret_access_key="test")
    items = cf.list_distributions()["DistributionList"].get("Items", [])
    if len(items) != 1:
        raise harness.HarnessError("expected the edge stack's one distribution at %s, found %d" % (endpoint, len(items)))
    return items[0]["Id"]


def _fetch(url: str, timeout: float = 30.0) -> tuple[int, str, bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.headers.get("content-type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("content-type", ""), err.read()


def load_home_page(site: str, timeout: float = 120.0) -> bool:
    """What run.sh shows once the edge serves: the home page (once the task answers its health route) and the first
    /_next/static script it names, each with its status. True if both answered 200."""
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        try:
            status = _fetch(site + "/api/health", 10)[0]
        except OSError:
            status = None
        if status == 200:
            break
        time.sleep(0.5)
    else:
        print("site: /api/health did not answer 200 within %.0f s (last: %s)" % (timeout, status))
        return False
    status, ctype, body = _fetch(site + "/")
    title = re.search(rb"<h1[^>]*>(.*?)</h1>", body, re.S)
    print("home page: %d %s, h1 %r" % (status, ctype, title.group(1).decode() if title else None))
    asset = re.search(rb'src="(/_next/static/[^"]+\.js)"', body)
    if not asset:
        print("home page: names no /_next/static script")
        return False
    a_status, a_type, a_body = _fetch(site + asset.group(1).decode())
    print("static asset %s: %d %s, %d bytes" % (asset.group(1).decode(), a_status, a_type, len(a_body)))
    return status == 200 and a_status == 200


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m nextstack_lab.six_stack_site", description="examples/six-stack/run.sh's site steps")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("app-dir", help="the test app's standalone build (cached); print its app directory")
    sub.add_parser("edge", help="build nextstack-edge; print its path")
    p = sub.add_parser("images", help="write DEST/images.json (and DEST/image); print the file's path")
    p.add_argument("--repository", required=True)
    p.add_argument("--app-dir", required=True, type=Path)
    p.add_argument("--dest", required=True, type=Path)
    p = sub.add_parser("distribution-id", help="the edge stack's distribution in the emulator")
    p.add_argument("--endpoint", required=True)
    p = sub.add_parser("load", help="load the served home page and one of its /_next/static scripts")
    p.add_argument("site")
    args = parser.parse_args(argv)
    try:
        if args.command == "app-dir":
            print(nextjs_builds.standalone_build("six-stack"))
        elif args.command == "edge":
            print(harness.build_edge(live=True))
        elif args.command == "images":
            args.dest.mkdir(parents=True, exist_ok=True)
            print(write_images_file(args.dest, args.repository, args.app_dir))
        elif args.command == "distribution-id":
            print(_distribution_id(args.endpoint))
        else:
            return 0 if load_home_page(args.site) else 1
    except harness.HarnessError as exc:
        print("six_stack_site: ERROR: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
