"""The applied static-fargate-api layout served by nextstack-edge: the site stack's distribution (its S3 origin
through origin access control, its CloudFront Function) and the api stack's ALB listeners, forwarding to the Fargate
service's task run from its task definition (`--cluster`, with an images file standing for the image nobody built).

    publish_export(aws, bucket, api_url)              # what CI's `aws s3 sync out/ s3://BUCKET` puts there
    images = write_images_file(tmp_path, repository_url)
    with serve(aws.endpoint, distribution_id, cluster, lb_arn, images) as edge:
        wait_until_serving(edge, https_listener_url, "api.example.test")   # a task answers /health through it
        page = new_site_page(browser, {"https://example.test": edge.url, "https://api.example.test": ...})

The fixtures are in tests/e2e/static_fargate_api_app/: out/ is a static export (pages as dir/index.html, assets under
/_next/static, a script that calls the API at the URL the build inlined), api/server.py the API's stand-in (Python's
standard library only), run at /app with `python3 -B server.py`; everything else (the port, CORS_ALLOW_ORIGINS,
OPENAI_API_KEY from `secrets`, the read-only root with /tmp writable) comes from the module's task definition.
"""

from __future__ import annotations

import json
import mimetypes
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from nextstack_lab import harness
from nextstack_lab.edge import TASK_STARTED, EdgeServer

APP = harness.REPO_ROOT / "tests" / "e2e" / "static_fargate_api_app"


def publish_export(s3, bucket: str, api_url: str) -> list[str]:
    """Upload out/ with each file's Content-Type (as `aws s3 sync` guesses it), the API's URL written into the
    script as the build would inline it. Returns the keys."""
    keys = []
    for path in sorted(p for p in (APP / "out").rglob("*") if p.is_file()):
        key = path.relative_to(APP / "out").as_posix()
        body = path.read_bytes().replace(b"__API_URL__", api_url.encode())
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
        keys.append(key)
    return keys


def write_images_file(dest: Path, repository_url: str) -> Path:
    """images.json in dest: the repository (any tag) -> a copy of api/ at /app, run as `python3 -B server.py`."""
    dest.mkdir(parents=True, exist_ok=True)
    image = dest / "image"
    shutil.copytree(APP / "api", image)
    path = dest / "images.json"
    path.write_text(json.dumps({"images": {repository_url: {
        "directory": str(image), "workdir": "/app", "command": ["python3", "-B"], "args": ["server.py"]}}}, indent=2))
    return path


def serve(endpoint: str, distribution_id: str, cluster: str, load_balancer_arn: str, images: Path,
          region: str) -> EdgeServer:
    """The edge for the whole layout; AWS_REGION is the api stack's region, where the cluster is."""
    return EdgeServer(harness.build_edge(), endpoint, distribution_id, load_balancers=[load_balancer_arn],
                      extra_args=["--cluster", cluster, "--images", str(images)], env={"AWS_REGION": region},
                      timeout=120)


def http(url: str, headers=None, method: str = "GET"):
    """(status, headers, body) of one request, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def wait_until_serving(edge: EdgeServer, listener_url: str, host: str, timeout: float = 90.0) -> None:
    """Until a task started and the HTTPS listener forwards /health to it with 200 (once the target group has it)."""
    edge.wait_for_200(lambda: http(listener_url + "/health", {"Host": host})[0], "the API's /health", timeout,
                      after=TASK_STARTED)


def new_site_page(browser, origins: dict[str, str]):
    """A browser page whose requests to each public origin (`https://example.test`, ...) go to the loopback URL that
    serves it, with the public Host header, redirects handed back to the browser: the browser sees the site at its
    real origins (the page's Origin header is the site's), the edge sees the Host it would. Two limits of Playwright's
    routing: Chromium does not check CORS on a response the route supplies, and the request that follows a redirect
    is not routed (so a redirect to another routed origin fails to resolve)."""
    page = browser.new_page()

    def forward(route):
        request = route.request
        url = urlsplit(request.url)
        base = origins["%s://%s" % (url.scheme, url.netloc)]
        headers = dict(request.all_headers(), host=url.netloc)
        target = base + url.path + ("?" + url.query if url.query else "")
        response = route.fetch(url=target, headers=headers, max_redirects=0)
        route.fulfill(response=response)

    for origin in origins:
        page.context.route(origin + "/**", forward)
    return page
