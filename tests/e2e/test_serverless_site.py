"""The serverless layout serving a real Next.js app: examples/serverless/site applied against moto with a real
OpenNext build of tests/nextjs-app, served by nextstack-edge (CloudFront, the function URLs, S3 through origin
access control), and loaded in Debian's Chromium through Playwright.

The layout is applied once for the module (about a minute) and every test looks at the same running site.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import pytest

from nextstack_lab import harness, nextjs_builds
from nextstack_lab.layout import copy_layout
from nextstack_lab.edge import EdgeServer

REGION = "eu-west-1"
# OpenNext's defaults with the streaming wrapper (RESPONSE_STREAM function URLs).
STREAMING_CONFIG = harness.REPO_ROOT / "tests" / "nextjs-app" / "opennext-streaming"
# A plain setting of the server function (the module's server_environment), which /settings renders at request time.
SITE_SETTING = {"NEXTSTACK_SITE_SETTING": "set by terraform apply"}


class Site(NamedTuple):
    edge: EdgeServer
    tf: harness.Terraform
    outputs: dict
    build: Path
    moto: harness.MotoServer


def edge_env() -> dict:
    """The arm64 Node.js command tests/toolchain.sh installs (the image function carries arm64 sharp)."""
    command_file = harness.TOOLS_DIR / "node-arm64"
    if not command_file.is_file():
        pytest.fail("%s is missing: run tests/toolchain.sh (it installs an arm64 Node.js under qemu-user)" % command_file,
                    pytrace=False)
    return {"NEXTSTACK_EDGE_NODE_ARM64": command_file.read_text().strip()}


@pytest.fixture(scope="module")
def site(request, tmp_path_factory):
    moto = request.getfixturevalue("moto")
    moto.reset()
    mirror = request.getfixturevalue("provider_mirror")
    try:
        build = nextjs_builds.build("s1", config=STREAMING_CONFIG)
        edge_binary = harness.build_edge()
    except harness.HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    tmp = tmp_path_factory.mktemp("serverless-site")
    example = copy_layout("serverless", tmp / "layout") / "site"
    env = harness.terraform_env(mirror.cli_config, moto.endpoint, REGION)
    env.update({"TF_VAR_build_dir": str(build), "TF_VAR_zip_dir": str(tmp / "zips"), "TF_VAR_wait_for_deployment": "false",
                "TF_VAR_server_environment": json.dumps(SITE_SETTING),
                # Pages the server renders at run time (a post on demand) are new keys the publish never made, so
                # the buckets are emptied on destroy, as examples/serverless/run.sh does.
                "TF_VAR_force_destroy": "true"})
    tf = harness.Terraform(harness.TF_LATEST, example, env)
    tf.init_ok()
    tf.apply_ok()
    outputs = tf.outputs()
    edge = EdgeServer(edge_binary, moto.endpoint, outputs["distribution_id"], extra_args=["--control", "127.0.0.1:0"],
                      env=edge_env())
    try:
        edge.start()
    except harness.HarnessError as exc:
        tf.destroy_ok()
        pytest.fail(str(exc), pytrace=False)
    try:
        yield Site(edge, tf, outputs, build, moto)
    finally:
        edge.stop()
        # What the edge and the functions said, for a failed test's report (pytest -rA shows it).
        (tmp / "edge.stderr").write_text(edge.stderr())
        print("nextstack-edge stderr: %s" % (tmp / "edge.stderr"))
        tf.destroy_ok()


def test_home_page_through_the_edge(site):
    status, headers, body = site.edge.get("/")
    assert status == 200, (status, body[:500], site.edge.stderr()[-3000:])
    assert b"nextstack test app" in body
    assert headers["x-cache"] in ("Miss from cloudfront", "Hit from cloudfront")


PAGES = {
    "/": "nextstack test app",
    "/about": "About",
    "/articles": "Articles",
    "/gallery": "Gallery",
    "/guestbook": "Guestbook",
    "/isr": "ISR",
    "/tagged": "Tagged cache",
    "/path-revalidated": "Revalidated by path",
    "/streaming": "Streaming",
    "/posts": "Posts",
    "/posts/hello-world": "Hello, world",
    "/settings": "Settings",
    "/photo": "Photo",
}


def title(page) -> str:
    return page.locator("h1").first.inner_text()


@pytest.mark.parametrize("path", sorted(PAGES))
def test_every_page_renders_with_every_request_ok(site, browser, path):
    with browser.new_page() as page:
        response = page.goto(site.edge.url + path)
        assert response.status == 200, (path, response.status)
        page.settle()
        assert PAGES[path] in title(page), path
        page.assert_all_ok()
        statics = [e for e in page.exchanges if "/_next/static/" in e.url]
        assert statics, "the page loaded its scripts from the assets bucket"


def test_client_side_navigation(site, browser):
    with browser.new_page() as page:
        page.goto(site.edge.url + "/")
        page.settle()
        page.evaluate("window.__nextstackMarker = 'still here'")
        page.click("[data-testid=nav-about]")
        page.wait_for_url("**/about")
        page.wait_for_function("document.querySelector('h1').innerText.includes('About')")
        assert page.evaluate("window.__nextstackMarker") == "still here", "no full page load"
        page.click("[data-testid=nav-posts]")
        page.wait_for_function("document.querySelector('h1').innerText.includes('Posts')")
        page.click("[data-testid=post-link-second-post]")
        page.wait_for_function("document.querySelector('h1').innerText.includes('second post')")
        assert page.evaluate("window.__nextstackMarker") == "still here"
        page.settle()
        page.assert_all_ok()


def test_server_action_round_trips(site, browser):
    with browser.new_page() as page:
        page.goto(site.edge.url + "/guestbook")
        page.settle()
        page.fill("[data-testid=guestbook-name]", "Ada")
        page.click("[data-testid=guestbook-submit]")
        page.wait_for_selector("[data-testid=guestbook-result]", timeout=30_000)
        assert page.inner_text("[data-testid=guestbook-result]") == "Thanks for signing, Ada!"
        assert page.inner_text("[data-testid=guestbook-count]") == "1"
        page.settle()
        # React's Flight client stops reading the action's response once it has parsed the result, and cancels
        # the fetch if the stream has not ended by then (Chromium reports that POST as net::ERR_ABORTED, seen
        # now and then): a cancel after a 200 that rendered the result, not a failed request. Anything else fails.
        problems = [p for p in page.problems() if not ("POST " in p and "/guestbook" in p and "-> 200 (net::ERR_ABORTED)" in p)]
        assert not problems, problems
    posts = [f for f in site.edge.access_log_with(lambda f: f[5] == "POST" and f[7] == "/guestbook")
             if f[5] == "POST" and f[7] == "/guestbook"]
    assert posts and all(f[8] == "200" for f in posts), posts


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_route_handler_takes_a_body(site, browser, method):
    with browser.new_page() as page:
        page.goto(site.edge.url + "/")
        page.settle()
        answer = page.evaluate(
            """async (method) => {
                const r = await fetch('/api/echo', {method, headers: {'content-type': 'application/json'},
                                                   body: JSON.stringify({hello: 'world', method})});
                return {status: r.status, body: await r.text()};
            }""",
            method,
        )
        assert answer["status"] == 200, answer
        echoed = json.loads(answer["body"])
        assert echoed["method"] == method and echoed["body"] == {"hello": "world", "method": method}, echoed


def test_middleware_redirects_and_sets_a_header(site, browser):
    status, headers, _ = site.edge.get("/old-about?from=test")
    assert status == 307 and headers["location"].endswith("/about?from=test"), (status, dict(headers))
    status, headers, _ = site.edge.get("/about")
    assert headers.get("x-nextstack-middleware") == "1"
    with browser.new_page() as page:
        page.goto(site.edge.url + "/old-about")
        page.wait_for_url("**/about")
        assert "About" in title(page)


def test_not_found(site, browser):
    with browser.new_page() as page:
        response = page.goto(site.edge.url + "/no-such-page")
        assert response.status == 404
        assert page.inner_text("[data-testid=not-found]").startswith("Nothing here")


def test_streaming_sends_the_shell_before_the_slow_part(site):
    import http.client
    import time

    host, port = site.edge.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    started = time.monotonic()
    conn.request("GET", "/streaming")
    resp = conn.getresponse()
    first = resp.read1(65536)
    first_at = time.monotonic() - started
    rest = resp.read()
    done_at = time.monotonic() - started
    assert resp.status == 200
    assert b"streaming-fallback" in first or b"streaming-shell" in first, first[:300]
    assert b"streaming-content" in first + rest
    assert done_at - first_at > 0.5, "the slow part came later than the shell (%.2f s vs %.2f s)" % (first_at, done_at)


def test_image_is_resized(site, browser):
    with browser.new_page() as page:
        page.goto(site.edge.url + "/gallery")
        page.settle()
        page.assert_all_ok()
        size = page.evaluate(
            """() => { const img = document.querySelector('[data-testid=gallery-image]');
                       return {src: img.currentSrc, natural: img.naturalWidth}; }"""
        )
        assert "/_next/image" in size["src"], size
        assert size["natural"] > 0, "the image decoded"
    status, headers, body = site.edge.get("/_next/image?url=%2Fimages%2Flogo.png&w=64&q=75", headers={"accept": "image/png"})
    assert status == 200, (status, body[:300])
    assert headers["content-type"].startswith("image/"), headers["content-type"]

    # /photo shows landscape.png (800x500) at 256x160: at Chromium's 1x the <img> takes the srcset's w=256 (in
    # Next.js' default imageSizes) and decodes a 256x160 image, resized down by the image function (arm64 sharp).
    with browser.new_page() as page:
        page.goto(site.edge.url + "/photo")
        page.settle()
        photo = page.evaluate(
            """() => { const img = document.querySelector('[data-testid=photo-image]');
                       return {src: img.currentSrc, complete: img.complete, width: img.naturalWidth,
                               height: img.naturalHeight}; }"""
        )
        assert "/_next/image?url=%2Fimages%2Flandscape.png&w=256&" in photo["src"], photo
        assert photo["complete"] and (photo["width"], photo["height"]) == (256, 160), photo
        # Fetched one at a time and decoded by Chromium (createImageBitmap), with the Accept of each format: the
        # original as published, and the optimizer's answer at two allowed widths (256: 1x, 640: the 2x entry)
        # in the format the Accept asks for, smaller than the original in both dimensions, same aspect ratio.
        decoded = page.evaluate(
            """async (requests) => {
                const decode = async (url, accept) => {
                    const r = await fetch(url, {headers: {accept}, cache: 'no-store'});
                    if (!r.ok) return {status: r.status, body: (await r.text()).slice(0, 300)};
                    const blob = await r.blob();
                    const bitmap = await createImageBitmap(blob);
                    return {status: r.status, type: r.headers.get('content-type'), bytes: blob.size,
                            width: bitmap.width, height: bitmap.height};
                };
                const out = {source: await decode('/images/landscape.png', 'image/png'), resized: []};
                for (const [w, accept] of requests) {
                    out.resized.push({w, accept,
                        ...await decode('/_next/image?url=%2Fimages%2Flandscape.png&w=' + w + '&q=75', accept)});
                }
                return out;
            }""",
            [[256, "image/webp,*/*"], [256, "image/png"], [640, "image/webp,*/*"]],
        )
        page.assert_all_ok()
    source = decoded["source"]
    assert source["status"] == 200 and source["type"] == "image/png", source
    for got in decoded["resized"]:
        assert got["status"] == 200, (got, site.edge.stderr()[-3000:])
        assert got["type"] == ("image/webp" if "webp" in got["accept"] else "image/png"), got
        assert got["width"] == got["w"] < source["width"], (got, source)
        assert got["height"] == got["w"] * source["height"] // source["width"] < source["height"], (got, source)
    # (Not compared in bytes: a resized PNG of this smooth, well-compressed source need not be smaller; its
    # pixels are fewer.)


BUILD_TIME = "2000-01-01T00:00:00.000Z"  # what tests/nextjs-app/lib/generated-at.js renders at build time


def text_of(body: bytes, testid: str) -> str:
    """The text of the element with data-testid=`testid` in a page's HTML."""
    match = re.search(r'data-testid="%s"[^>]*>([^<]+)<' % re.escape(testid), body.decode())
    assert match, (testid, body[:2000])
    return match.group(1)


def generated_at(site, path: str, testid: str) -> str:
    status, _, body = site.edge.get(path)
    assert status == 200, (path, status, body[:300])
    return text_of(body, testid)


def wait_for_change(site, path: str, testid: str, old: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    seen = old
    while time.monotonic() < deadline:
        seen = generated_at(site, path, testid)
        if seen != old:
            return seen
        time.sleep(1)
    return seen


def test_isr_page_regenerates_and_the_edge_serves_it(site, browser):
    first = generated_at(site, "/isr", "isr-generated-at")
    newer = wait_for_change(site, "/isr", "isr-generated-at", first, 90)
    assert newer != first, "after its revalidate period the page was regenerated and served:\n" + site.edge.stderr()[-4000:]
    assert newer > "2026-", newer
    with browser.new_page() as page:
        page.goto(site.edge.url + "/isr")
        page.settle()
        assert page.inner_text("[data-testid=isr-generated-at]") >= newer
        page.assert_all_ok()

    # Issue 16's ISR rollback: an apply that changes nothing must leave the server's runtime writes alone (it
    # once "repaired" the regenerated page with the build's seed, and visitors got the build-time page again).
    # With CloudFront's copy invalidated, the page comes from the cache prefix again: still the regenerated one.
    started = time.monotonic()
    applied = site.tf.apply_ok()
    apply_seconds = time.monotonic() - started
    assert "Resources: 0 added, 0 changed, 0 destroyed." in applied.stdout, applied.stdout[-3000:]
    invalidate(site, ["/isr", "/isr?_rsc=*"])
    from_origin = None
    deadline = time.monotonic() + 30
    while from_origin is None and time.monotonic() < deadline:
        status, headers, body = site.edge.get("/isr")
        assert status == 200, (status, body[:300])
        if headers["x-cache"] != "Hit from cloudfront":
            from_origin = text_of(body, "isr-generated-at")
        else:
            time.sleep(1)
    assert from_origin is not None, "the invalidation reached the edge:\n" + site.edge.stderr()[-3000:]
    assert from_origin != BUILD_TIME and from_origin >= newer, (from_origin, newer)
    with browser.new_page() as page:
        page.goto(site.edge.url + "/isr")
        page.settle()
        shown = page.inner_text("[data-testid=isr-generated-at]")
        assert shown != BUILD_TIME and shown >= newer, (shown, newer)
        assert page.get_attribute("[data-testid=isr-generated-at]", "data-generated-during") == "request"
        page.assert_all_ok()
    print("no-change apply of the site: %.1f s" % apply_seconds)


def invalidate(site, paths: list[str]) -> None:
    cf = site.moto.client("cloudfront", "us-east-1")
    cf.create_invalidation(
        DistributionId=site.outputs["distribution_id"],
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": "%s %s" % (paths[0], time.time())},
    )


@pytest.mark.parametrize("what,path,testid", [
    ({"tag": "tagged-time"}, "/tagged", "tagged-generated-at"),
    ({"path": "/path-revalidated"}, "/path-revalidated", "path-generated-at"),
])
def test_on_demand_revalidation_needs_an_invalidation(site, browser, what, path, testid):
    """revalidateTag/revalidatePath regenerate the page at the server, but CloudFront keeps the copy it cached
    (Next.js sends s-maxage=31536000 for these pages) until it is invalidated: the module README says so and
    how to invalidate. With the invalidation, the new page is served."""
    before = generated_at(site, path, testid)
    assert generated_at(site, path, testid) == before
    _, headers, _ = site.edge.get(path)
    assert headers["x-cache"] == "Hit from cloudfront", dict(headers)
    with browser.new_page() as page:
        page.goto(site.edge.url + "/")
        answer = page.evaluate(
            """async (what) => { const r = await fetch('/api/revalidate', {method: 'POST',
                   headers: {'content-type': 'application/json'}, body: JSON.stringify(what)});
                   return {status: r.status, body: await r.json()}; }""",
            what,
        )
    assert answer["status"] == 200 and answer["body"]["revalidated"], answer
    time.sleep(2)
    assert generated_at(site, path, testid) == before, "still CloudFront's cached copy"
    invalidate(site, [path, path + "?_rsc=*"])
    after = wait_for_change(site, path, testid, before, 30)
    assert after != before, "%s still shows %s after the invalidation:\n%s" % (path, before, site.edge.stderr()[-3000:])
    assert after > "2026-", after


def control(site, path: str, method: str = "GET"):
    """A request to the edge's control API (docs/edge.md, "Control API"): (status, JSON)."""
    request = urllib.request.Request(site.edge.control_url + path, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_the_warmer_fired_on_demand_warms_the_server_function(site):
    """The module's warmer schedule, fired on demand through the edge (the edge runs no clock): EventBridge's
    scheduled event reaches OpenNext's warmer function, whose Lambda Invoke calls reach the server function's
    environments in the edge, the same ones its function URL uses; a page served next starts none."""
    status, listed = control(site, "/events/rules?region=%s" % REGION)
    assert status == 200, listed
    (rule,) = [r for r in listed["rules"] if r["name"].endswith("-warmer")]
    assert rule["schedule"].startswith("rate(") and rule["state"] == "ENABLED", rule

    status, fired = control(site, "/events/rules/%s/fire?region=%s" % (rule["name"], REGION), method="POST")
    assert status == 200, (fired, site.edge.stderr()[-3000:])
    assert [t["status"] for t in fired["targets"]] == ["succeeded"], (fired, site.edge.stderr()[-3000:])
    assert fired["event"]["detail-type"] == "Scheduled Event" and fired["event"]["resources"] == [rule["arn"]]

    def server_function():
        _, report = control(site, "/functions")
        servers = [f for f in report["functions"] if f["name"].endswith("-server-default")]
        assert len(servers) == 1, report
        return servers[0]

    warmed = server_function()
    assert warmed["environments"] >= 1 and warmed["invocations"] >= 1, warmed
    warmers = [f for f in control(site, "/functions")[1]["functions"] if f["name"].endswith("-warmer")]
    assert [w["invocations"] for w in warmers] == [1], warmers

    # A dynamic route answered next runs in a warm environment: no cold start.
    status, _, body = site.edge.get("/api/echo?warm=%d" % time.time_ns())
    assert status == 200, body[:500]
    after = server_function()
    assert after["cold_starts"] == warmed["cold_starts"], (warmed, after)
    assert after["invocations"] == warmed["invocations"] + 1, (warmed, after)


def test_generate_static_params_slugs_are_prebuilt_and_others_render_on_demand(site, browser):
    """app/posts/[slug]: the slugs generateStaticParams lists are the build's pages (rendered during next build,
    with its fixed time), another slug is rendered by the server function on its first request and then kept."""
    status, _, body = site.edge.get("/posts/second-post")
    assert status == 200, (status, body[:300])
    assert text_of(body, "post-source") == "prebuilt"
    assert text_of(body, "post-generated-at") == BUILD_TIME, "the page prerendered by the build"
    assert 'data-generated-during="build"' in body.decode()

    slug = "on-demand-%d" % time.time_ns()
    with browser.new_page() as page:
        response = page.goto(site.edge.url + "/posts/" + slug)
        assert response.status == 200, response.status
        page.settle()
        assert title(page) == "Post " + slug
        assert page.inner_text("[data-testid=post-source]") == "on-demand"
        rendered = page.inner_text("[data-testid=post-generated-at]")
        assert rendered != BUILD_TIME and rendered > "2026-", rendered
        assert page.get_attribute("[data-testid=post-generated-at]", "data-generated-during") == "request"
        page.assert_all_ok()
    # Rendered once, then served as it was (from the cache prefix or CloudFront's copy): the same time.
    assert generated_at(site, "/posts/" + slug, "post-generated-at") == rendered


def test_server_environment_reaches_the_app(site, browser):
    """The module's server_environment (issue 16: the server function took no plain settings): set by the site's
    apply, read by /settings at request time in the deployed function."""
    with browser.new_page() as page:
        assert page.goto(site.edge.url + "/settings").status == 200
        page.settle()
        assert page.inner_text("[data-testid=site-setting]") == SITE_SETTING["NEXTSTACK_SITE_SETTING"]
        assert page.get_attribute("[data-testid=site-setting]", "data-set") == "yes"
        page.assert_all_ok()


def test_a_page_withdrawn_at_run_time_is_deleted_from_the_cache(site, browser):
    """OpenNext's S3 cache adapter deletes (s3:DeleteObject on the cache prefix) when Next.js stores null for a
    key: a Pages Router ISR page whose getStaticProps returns notFound once regenerated (pages/retired.js; the App
    Router never stores null). The first visit gets the build's page and starts the regeneration; the entry is
    then deleted and the page is a 404, which it could not become if the delete failed (the stale entry would be
    served again and again). The edge runs functions with its own credentials, not their roles, so the role's
    grant itself is checked in tests/e2e/test_serverless.py, not here."""
    lam = site.moto.client("lambda", REGION)
    env = lam.get_function_configuration(FunctionName=site.outputs["function_names"]["default"])["Environment"]["Variables"]
    bucket, prefix = env["CACHE_BUCKET_NAME"], env["CACHE_BUCKET_KEY_PREFIX"]
    s3 = site.moto.client("s3", REGION)

    def retired_keys():
        listed = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [o["Key"] for p in listed for o in p.get("Contents", []) if o["Key"].endswith("retired.cache")]

    (key,) = retired_keys()  # the build's seed
    log_from = site.moto.log_offset()
    assert time.time() - s3.head_object(Bucket=bucket, Key=key)["LastModified"].timestamp() > 10, "stale by now"
    with browser.new_page() as page:
        response = page.goto(site.edge.url + "/retired")
        assert response.status == 200, response.status
        assert page.inner_text("[data-testid=retired-generated-at]") == BUILD_TIME, "the stale build page, once"
    deadline = time.monotonic() + 60
    status = 200
    while status != 404 and time.monotonic() < deadline:
        time.sleep(1)
        status, _, body = site.edge.get("/retired")
    assert status == 404, (status, body[:300], site.edge.stderr()[-3000:])
    assert retired_keys() == [], "the server deleted the entry from the cache prefix"
    with browser.new_page() as page:
        assert page.goto(site.edge.url + "/retired").status == 404
    # What removed it: DeleteObject requests for that key in moto's request log (answered 204).
    with open(site.moto.log_path, "rb") as log:
        log.seek(log_from)
        requests = log.read().decode(errors="replace").splitlines()
    deletes = [line for line in requests if '"DELETE ' in line and key.rsplit("/", 1)[-1] in line]
    assert deletes and all('" 204 ' in line for line in deletes), deletes


def test_http_is_redirected_to_https_and_the_site_works_there(site, browser, tmp_path):
    """The module's behaviours are `redirect-to-https` (modules/nextjs-serverless/cdn.tf): served with its HTTPS side
    too (a second edge on the same deployment, `--https-listen`), a visitor who types the http:// address is sent to
    https:// (301, nothing reaches a function) and the site works there: the page renders over TLS, every request
    of it is OK, and a Server Action (a POST, signed by the sign-body function) round-trips."""
    certificate = tmp_path / "edge.pem"
    edge = EdgeServer(site.edge.binary, site.moto.endpoint, site.outputs["distribution_id"],
                      extra_args=["--https-listen", "127.0.0.1:0", "--https-certificate", str(certificate)],
                      env=edge_env())
    edge.start()
    try:
        status, headers, _ = edge.get("/guestbook?from=http")
        assert status == 301 and headers["Location"] == edge.https_url + "/guestbook?from=http", headers.items()
        assert headers["X-Cache"] == "Redirect from cloudfront"
        with browser.new_page(ignore_https_errors=True) as page:
            page.goto(edge.url + "/guestbook")
            assert page.url == edge.https_url + "/guestbook", page.url
            page.settle()
            assert "Guestbook" in title(page)
            page.fill("[data-testid=guestbook-name]", "Grace")
            page.click("[data-testid=guestbook-submit]")
            page.wait_for_selector("[data-testid=guestbook-result]", timeout=30_000)
            assert page.inner_text("[data-testid=guestbook-result]") == "Thanks for signing, Grace!"
            page.settle()
            redirected = [e for e in page.exchanges if e.status == 301]
            assert [e.url for e in redirected] == [edge.url + "/guestbook"], [str(e) for e in redirected]
            assert all(e.url.startswith(edge.https_url) for e in page.exchanges if e not in redirected), \
                [e.url for e in page.exchanges]
            # As in test_server_action_round_trips: a Flight stream cancelled after its 200 is not a failure.
            problems = [p for p in page.problems(statuses=(200, 301, 304))
                        if not ("POST " in p and "/guestbook" in p and "-> 200 (net::ERR_ABORTED)" in p)]
            assert not problems, problems
        log = edge.access_log_with(lambda f: f[5] == "POST" and f[7] == "/guestbook")
        assert [f[13] for f in log if f[16] == "http"] == ["Redirect", "Redirect"], "only the two redirects over HTTP"
        posts = [f for f in log if f[5] == "POST" and f[7] == "/guestbook"]
        assert posts and all(f[8] == "200" and f[16] == "https" and f[20] == "TLSv1.3" for f in posts), posts
    finally:
        edge.stop()
        print("--- second edge's stderr (last lines) ---\n" + harness._tail(edge.stderr(), 60))


def test_zz_a_new_build_keeps_an_open_page_working(site, browser):
    """Runs last (it deploys a second build). A visitor who loaded /about from the first build keeps navigating
    without a failed request while the second build is applied (the first build's files stay, the server
    function is replaced), and new visitors get the second build."""
    second = nextjs_builds.build("s2", 2, config=STREAMING_CONFIG)
    with browser.new_page() as page:
        page.goto(site.edge.url + "/about")
        page.settle()
        assert page.inner_text("[data-testid=about-text]") == "About this app."
        page.evaluate("window.__nextstackMarker = 'first build'")

        site.tf.env["TF_VAR_build_dir"] = str(second)
        site.tf.apply_ok()
        deadline = time.monotonic() + 60
        while b"second edition" not in site.edge.get("/about")[2] and time.monotonic() < deadline:
            time.sleep(1)
        assert b"second edition" in site.edge.get("/about")[2], "new visitors get the second build:\n" + site.edge.stderr()[-3000:]

        page.click("[data-testid=nav-posts]")
        page.wait_for_function("document.querySelector('h1').innerText.includes('Posts')")
        # Let the posts' link prefetches finish: leaving the page first would cancel them (ERR_ABORTED), which is
        # the browser's doing, not a failed request.
        page.settle()
        page.click("[data-testid=nav-gallery]")
        page.wait_for_function("document.querySelector('h1').innerText.includes('Gallery')")
        page.settle()
        page.assert_all_ok()
    site.tf.env["TF_VAR_build_dir"] = str(site.build)
