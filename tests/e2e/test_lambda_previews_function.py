"""The lambda-previews server function answering ALB events, for real: the test app built with the real OpenNext
and modules/lambda-previews/opennext/open-next.config.ts (its ALB wrapper and converter), zipped by the
nextstack_nextjs_build data source through real Terraform with `bundle_assets = ["default"]` as the module does,
unzipped as Lambda would, and its handler run by Node (tests/e2e/alb_invoke.mjs) on the events an ALB target
group with multi-value headers sends. moto runs no Lambda code, so this is where the function's side of the
layout is shown: pages and route handlers answered in the ALB response shape, the static assets the page loads
served from the zip with OpenNext's Cache-Control split, query strings as ALB sends them (still encoded), and
nothing outside the assets served as a file.

    test_the_data_source_bundles_the_assets_into_the_named_functions_only
    test_an_unknown_function_in_bundle_assets_is_refused_naming_it
    test_the_server_function_answers_alb_events_and_serves_its_assets
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

from nextstack_lab import harness
from nextstack_lab.nextjs_builds import CACHE_ROOT as NEXTJS_CACHE

OPENNEXT_CONFIG = harness.REPO_ROOT / "modules" / "lambda-previews" / "opennext"
INVOKE = Path(__file__).with_name("alb_invoke.mjs")
HOST = "shop-preview-7.previews.example.test"
IMMUTABLE = "public,max-age=31536000,immutable"
REVALIDATE = "public,max-age=0,s-maxage=31536000,must-revalidate"


def config(build: Path, zip_dir: Path, bundle_assets: list[str]) -> str:
    return """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}

data "nextstack_nextjs_build" "app" {
  build_dir     = "%s"
  zip_dir       = "%s"
  bundle_assets = %s
}

output "functions" { value = data.nextstack_nextjs_build.app.functions }
""" % (build, zip_dir, json.dumps(bundle_assets))


def read_build(terraform, build: Path, zip_dir: Path) -> dict:
    tf = terraform(aws=False)
    tf.write(config(build, zip_dir, ["default"]))
    tf.apply_ok()
    return tf.outputs()["functions"]


def zip_entries(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def asset_files(build: Path) -> dict:
    root = build / "assets"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def unzip_like_lambda(zip_path: Path, dest: Path) -> Path:
    """The zip extracted with its entries' permissions, as Lambda lays it out in /var/task."""
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            target = dest / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
            os.chmod(target, (info.external_attr >> 16) & 0o777 or 0o644)
    return dest


def alb_event(path: str, method: str = "GET", query: dict | None = None, headers: dict | None = None) -> dict:
    """An ALB target group event with multi-value headers on: header names lower-case, every value a list,
    query parameters as the client sent them (not decoded)."""
    base = {
        "host": [HOST],
        "x-forwarded-for": ["203.0.113.9, 10.0.1.20"],
        "x-forwarded-proto": ["https"],
        "x-forwarded-port": ["443"],
        "user-agent": ["nextstack-test"],
        "accept": ["*/*"],
    }
    base.update(headers or {})
    return {
        "requestContext": {
            "elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-preview-7/0123456789abcdef"}
        },
        "httpMethod": method,
        "path": path,
        "multiValueQueryStringParameters": query or {},
        "multiValueHeaders": base,
        "body": "",
        "isBase64Encoded": False,
    }


def invoke(bundle: Path, events: list, tmp_path: Path) -> list:
    node = shutil.which("node")
    assert node, "node not found on PATH: Node.js >= 18.18 is needed to run the server function's handler"
    events_file, results_file = tmp_path / "events.json", tmp_path / "results.json"
    events_file.write_text(json.dumps(events))
    proc = subprocess.run(
        [node, str(INVOKE), str(bundle), str(events_file), str(results_file)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
    )
    assert proc.returncode == 0, "the handler failed (exit %d):\n%s%s" % (proc.returncode, proc.stdout, proc.stderr)
    return json.loads(results_file.read_text())


def body_bytes(result: dict) -> bytes:
    body = result.get("body") or ""
    return base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()


def assert_alb_shape(result: dict, what: str) -> None:
    """What an ALB with multi-value headers reads: statusCode, statusDescription, isBase64Encoded, body, and
    every header a non-empty list of non-empty strings in multiValueHeaders (a `headers` map it would ignore)."""
    assert isinstance(result.get("statusCode"), int), what
    assert result.get("statusDescription", "").startswith(str(result["statusCode"])), (what, result)
    assert isinstance(result.get("isBase64Encoded"), bool), what
    assert "headers" not in result, (what, "single-value headers are ignored by the ALB")
    for name, values in result["multiValueHeaders"].items():
        assert isinstance(values, list) and values and all(isinstance(v, str) and v for v in values), (what, name, values)


def header(result: dict, name: str) -> list:
    return [v for k, vs in result["multiValueHeaders"].items() if k.lower() == name for v in vs]


def test_the_data_source_bundles_the_assets_into_the_named_functions_only(terraform, nextjs_builds, tmp_path):
    build = nextjs_builds.get("p1", config=OPENNEXT_CONFIG)
    functions = read_build(terraform, build, tmp_path / "zips")
    assert functions["default"]["wrapper"] == "nextstack-alb"
    assert functions["default"]["converter"] == "nextstack-alb"

    assets = asset_files(build)
    assert "BUILD_ID" in assets and any(k.startswith("_next/static/") for k in assets)
    server = zip_entries(Path(functions["default"]["zip_path"]))
    bundled = {k[len("nextstack-assets/"):]: v for k, v in server.items() if k.startswith("nextstack-assets/")}
    assert bundled == assets, "every asset file, byte for byte, and nothing else under nextstack-assets/"
    assert "index.mjs" in server, "the bundle itself is still there"
    for name, f in functions.items():
        if name != "default":
            assert not any(k.startswith("nextstack-assets/") for k in zip_entries(Path(f["zip_path"]))), name


def test_an_unknown_function_in_bundle_assets_is_refused_naming_it(terraform, nextjs_builds, tmp_path):
    build = nextjs_builds.get("p1", config=OPENNEXT_CONFIG)
    tf = terraform(aws=False)
    tf.write(config(build, tmp_path / "zips", ["default", "server"]))
    result = tf.plan_fails(contains='has no function "server"; its functions are:')
    assert "bundle_assets" in result.stdout + result.stderr
    assert not (tmp_path / "zips").exists() or not any((tmp_path / "zips").iterdir()), "no zip written"


def test_the_server_function_answers_alb_events_and_serves_its_assets(terraform_latest, nextjs_builds, tmp_path):
    build = nextjs_builds.get("p1", config=OPENNEXT_CONFIG)
    functions = read_build(terraform_latest, build, tmp_path / "zips")
    bundle = unzip_like_lambda(Path(functions["default"]["zip_path"]), tmp_path / "var-task")
    assets = asset_files(build)

    # First round: a page, a route handler, public files, a redirect with a query string, what must not be served.
    first = [
        alb_event("/"),
        alb_event("/api/health", headers={"cookie": ["theme=dark; session=abc"]}),
        alb_event("/robots.txt"),
        alb_event("/images/logo.png"),
        alb_event("/robots.txt", method="HEAD"),
        # ALB passes the query on as sent; the redirect shows how it reached Next.js (decoded once, repeated
        # parameters kept, re-encoded once).
        alb_event("/about/", query={"q": ["a%20b", "c+d"], "x%26y": ["1"]}),
        alb_event("/does-not-exist"),
        alb_event("/%2e%2e/index.mjs"),
        alb_event("/BUILD_ID"),
    ]
    home, health, robots, logo, head, redirect, missing, traversal, build_id = invoke(bundle, first, tmp_path)
    for result, event in zip((home, health, robots, logo, head, redirect, missing, traversal, build_id), first):
        assert_alb_shape(result, event["path"])

    assert home["statusCode"] == 200
    assert header(home, "content-type") == ["text/html; charset=utf-8"]
    page = body_bytes(home).decode()
    assert "nextstack test app" in page

    assert health["statusCode"] == 200
    assert header(health, "content-type") == ["application/json"]
    assert json.loads(body_bytes(health))["status"] == "ok"
    assert header(health, "set-cookie") == [], "no empty Set-Cookie header"

    for result, key, cache_control, content_type in (
        (robots, "robots.txt", REVALIDATE, "text/plain; charset=utf-8"),
        (logo, "images/logo.png", REVALIDATE, "image/png"),
    ):
        assert result["statusCode"] == 200, key
        assert body_bytes(result) == assets[key], key
        assert header(result, "cache-control") == [cache_control], key
        assert header(result, "content-type") == [content_type], key
        assert header(result, "content-length") == [str(len(assets[key]))], key

    assert head["statusCode"] == 200 and body_bytes(head) == b""
    assert header(head, "content-length") == [str(len(assets["robots.txt"]))]

    assert redirect["statusCode"] == 308
    assert header(redirect, "location") == ["/about?q=a%20b&q=c%20d&x%26y=1"]

    assert missing["statusCode"] == 404
    for result in (traversal, build_id):
        assert result["statusCode"] == 404, result["multiValueHeaders"]
        assert body_bytes(result) != (bundle / "index.mjs").read_bytes()
    assert body_bytes(build_id).strip() != assets["BUILD_ID"].strip()

    # Second round: every script and stylesheet the page loads, served from the zip, hashed and immutable.
    referenced = sorted(set(re.findall(r'(?:src|href)="(/_next/static/[^"?]+)"', page)))
    assert any(p.endswith(".js") for p in referenced), page[:2000]
    results = invoke(bundle, [alb_event(p) for p in referenced], tmp_path)
    for path, result in zip(referenced, results):
        assert_alb_shape(result, path)
        key = path.lstrip("/")
        assert result["statusCode"] == 200, path
        assert body_bytes(result) == assets[key], path
        assert header(result, "cache-control") == [IMMUTABLE], path
        expected_type = "text/css; charset=utf-8" if key.endswith(".css") else "text/javascript; charset=utf-8"
        assert header(result, "content-type") == [expected_type], path


def test_the_client_address_is_the_entry_the_alb_appended(nextjs_builds, tmp_path):
    """The converter takes the client's address from the LAST X-Forwarded-For entry: the ALB appends the address
    it saw (its default `append` mode); anything before it came from the client and can be forged.
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html"""
    nextjs_builds.get("p1", config=OPENNEXT_CONFIG)  # the app's npm install (OpenNext and its esbuild) is cached
    node = shutil.which("node")
    assert node, "node not found on PATH"
    # tests/nextjs-app/build.sh installs node_modules once per package-lock.json and platform, outside the clone
    # (a cached build does not link them into the app): use that install.
    app = harness.REPO_ROOT / "tests" / "nextjs-app"
    platform = subprocess.run([node, "-p", 'process.platform + "-" + process.arch'], check=True, capture_output=True,
                              text=True).stdout.strip()
    install = NEXTJS_CACHE / ("nextjs-app-%s-%s" % (
        hashlib.sha256((app / "package-lock.json").read_bytes()).hexdigest(), platform))
    esbuild = install / "node_modules" / ".bin" / "esbuild"
    assert esbuild.is_file(), "%s missing: tests/nextjs-app/build.sh's npm install brings it" % esbuild
    bundle = tmp_path / "alb-converter.mjs"
    subprocess.run(
        [str(esbuild), str(OPENNEXT_CONFIG / "alb-converter.ts"), "--bundle", "--platform=node", "--format=esm",
         "--log-level=warning", "--outfile=%s" % bundle, "--alias:@opennextjs/aws=./node_modules/@opennextjs/aws/dist"],
        cwd=install, check=True, capture_output=True, text=True, timeout=120,
    )
    cases = [
        ["198.51.100.66, 203.0.113.9"],  # a forged entry, then the ALB's
        ["198.51.100.66", "203.0.113.9"],  # the same as two header lines
        ["203.0.113.9"],
        None,  # no header at all
    ]
    script = (
        "const m = await import(process.argv[1]);"
        "const cases = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify(cases.map((h) => m.fromAlbEvent("
        "{ multiValueHeaders: h ? { 'x-forwarded-for': h } : {}, requestContext: {} }).requestContext.identity.sourceIp)));"
    )
    out = subprocess.run([node, "--input-type=module", "-e", script, str(bundle), json.dumps(cases)],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    assert json.loads(out) == ["203.0.113.9", "203.0.113.9", "203.0.113.9", ""]
