"""The six-stack reference architecture (examples/six-stack over modules/) applied for real: Terraform 1.15.5 and
1.11.4, the
built nextstack provider, the real hashicorp/aws provider, the (patched, see moto_patches.py) moto server.

    test_six_stack_end_to_end   bad input refused at plan; a stack applied before its producers names what is
                                missing; all six applied in the order nextstack-lint derives; what the architecture
                                promises checked through boto3; a second plan of every stack is empty; on 1.15,
                                the site served by nextstack-edge and loaded in Chromium (pages with their assets,
                                next/image, a Server Action, ISR, the ALB refusing a request without the origin
                                header, the api stack's three functions from a page with CORS, the contact
                                form's mail through SES) and the circuit breaker tripping for a task that exits and
                                for one failing its health check; the origin secret rotated; destroyed in reverse
                                order, leaving nothing in any service.

Stacks of one deploy stage run in parallel, as a CI pipeline would run them.
"""

from __future__ import annotations

import json
import random
import re
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from nextstack_lab import access_logs, harness, nextjs_builds, six_stack, six_stack_site
from nextstack_lab.ecr_images import push_event, push_image
from nextstack_lab.layout import copy_layout, run_parallel

ENV = "dev"
PREFIX = "/nextstack/%s" % ENV
ALL_STACKS = {"data", "compute", "networking", "application", "api", "edge"}
# The contact form's mail on 1.15 (modules/api contact_notification): a sender verified in moto's SES, one recipient.
MAIL_FROM, MAIL_TO = "contact@%s" % six_stack.DOMAIN, "owner@%s" % six_stack.DOMAIN


def ssm_names(aws, region, path):
    out = {}
    for page in aws.client("ssm", region).get_paginator("get_parameters_by_path").paginate(
        Path=path, Recursive=True, WithDecryption=True
    ):
        for p in page["Parameters"]:
            out[p["Name"]] = (p["Type"], p["Value"])
    return out


# The newest Terraform and the machine image's 1.11.4; 1.0.3 is refused by the modules' required_version
# (test_modules.py shows how).
@pytest.mark.parametrize("version", [harness.TF_LATEST, harness.TF_MID], ids=["tf1.15", "tf1.11"])
def test_six_stack_end_to_end(request, aws, tmp_path, version, terraform_for):
    terraform = terraform_for(version)
    layout = copy_layout("six-stack", tmp_path / "layout", exclude=("run.sh",))
    # The application stack publishes the standalone build's static files (as the example's README shows); it then
    # reads the edge stack's distribution, so nextstack-lint orders it after edge.
    app_dir = nextjs_builds.standalone_build("six-stack")
    (layout / "application" / "terraform.tfvars").write_text('static_build_dir = "%s"\n' % app_dir)
    # The api stack allows the site's origin (CORS): here the distribution's loopback address, a port picked now.
    site_origin = "http://127.0.0.1:%d" % free_port()
    api_vars = 'cors_allow_origins = ["%s"]\n' % site_origin
    if version == harness.TF_LATEST:
        # The contact form mails each message (modules/api's contact_notification) from an SES identity verified
        # first, as SES requires of a sender; on 1.11 the input keeps its default, no mail.
        aws.client("sesv2", six_stack.ORIGIN_REGION).create_email_identity(EmailIdentity=MAIL_FROM)
        api_vars += 'contact_notification = { from = "%s", to = ["%s"] }\n' % (MAIL_FROM, MAIL_TO)
    (layout / "api" / "terraform.tfvars").write_text(api_vars)
    stages = six_stack.deploy_stages(layout)
    order = [d.name for stage in stages for d in stage]
    assert set(order) == ALL_STACKS, order
    for before, after in [("data", "application"), ("compute", "networking"), ("networking", "application"),
                          ("data", "api"), ("networking", "edge"), ("data", "edge"),
                          ("edge", "application")]:
        assert order.index(before) < order.index(after), (before, after, order)

    request.getfixturevalue("provider_mirror")  # before any thread asks for it
    zone_id = six_stack.create_dns_zone(aws)
    edge_vars = {
        "TF_VAR_domain_name": six_stack.DOMAIN,
        "TF_VAR_hosted_zone_id": zone_id,
        "TF_VAR_dns_role_arn": six_stack.DNS_ROLE,
    }
    stacks = {}
    for stage in stages:
        for d in stage:
            region = six_stack.EDGE_REGION if d.name == "edge" else six_stack.ORIGIN_REGION
            # The networking stack issues the ALB's certificate for the site's names (HTTPS to the VPC origin).
            stacks[d.name] = terraform(d, region=region, env=edge_vars if d.name in ("edge", "networking") else None)
    run_parallel(lambda tf: tf.init_ok(), list(stacks.values()))

    # ---- bad input: refused at plan, naming the variable; nothing is created.
    bad = terraform(stacks["data"].workdir, env={"TF_VAR_environment": "Prod_1"})
    bad.plan_fails(contains="var.environment")
    bad.plan_fails(contains="The environment must be 1-20 characters")
    bad_edge = terraform(stacks["edge"].workdir, region=six_stack.EDGE_REGION,
                                env=dict(edge_vars, TF_VAR_domain_name="Example..test"))
    bad_edge.plan_fails(contains="var.domain_name")
    bad_edge.plan_fails(contains="The domain_name must be a lower-case DNS name")
    bad_zone = terraform(stacks["edge"].workdir, region=six_stack.EDGE_REGION,
                                env=dict(edge_vars, TF_VAR_hosted_zone_id="/hostedzone/Z1"))
    bad_zone.plan_fails(contains="var.hosted_zone_id")
    bad_subnet = terraform(stacks["compute"].workdir, env={"TF_VAR_subnet_ids": '["10.0.0.0/24"]'})
    bad_subnet.plan_fails(contains="The subnet_ids must be one or more subnet ids")

    # ---- a stack planned before the stacks it reads from: every missing name, grouped by the stack publishing it.
    early = stacks["application"].plan_fails(contains="SSM parameters not found")
    text = " ".join((early.stdout + early.stderr).replace("│", " ").split())
    assert "13 of 13 parameters do not exist in eu-west-1" in text, text
    for stack, keys in {
        "data": ["ecr_repository_url", "dynamodb_table_arn"],
        "compute": ["cluster_arn", "subnet_ids", "vpc_id"],
        "networking": ["alb_security_group_id", "target_group_arn", "container_port"],
    }.items():
        assert "published under %s/%s/:" % (PREFIX, stack) in text, text
        for key in keys:
            assert "%s/%s/%s" % (PREFIX, stack, key) in text, text
    assert six_stack.leftovers(aws, zone_id) == []

    # ---- apply, stage by stage.
    for stage in stages:
        run_parallel(lambda d: stacks[d.name].apply_ok(), stage)

    secret = check_architecture(aws, stacks, zone_id)
    check_contact_notification_settings(aws, stacks, site_origin, mail=version == harness.TF_LATEST)
    check_access_logs(aws)
    check_static_files_published(aws, stacks, app_dir)
    # The origin secret is never printed: not by the stack that makes it, nor by the one that reads it.
    for name in ("networking", "edge"):
        for argv, result in stacks[name].history:
            assert secret not in result.stdout + result.stderr, "the origin secret was printed by %s" % " ".join(argv)

    # ---- nothing to change on a second plan of any stack.
    run_parallel(lambda tf: tf.assert_no_changes(), list(stacks.values()))

    deployed = []  # task definition revisions the auto-deploy function registered (not Terraform's)
    if version == harness.TF_LATEST:
        deployed = serve_the_site(aws, stacks, app_dir, tmp_path, request.getfixturevalue("browser"), secret,
                                  site_origin)
        run_parallel(lambda tf: tf.assert_no_changes(), [stacks["application"]])  # the deploy is no drift
        stacks["networking"] = rotate_origin_secret(aws, terraform, stacks, edge_vars)

    # ---- destroy in reverse order; nothing is left anywhere but the revisions auto-deploy registered, which are
    # not Terraform's (modules/application/README.md says so and how to deregister them).
    for stage in reversed(stages):
        run_parallel(lambda d: stacks[d.name].destroy_ok(), stage)
    assert six_stack.leftovers(aws, zone_id) == ["ecs %s: %s" % (six_stack.ORIGIN_REGION, arn) for arn in deployed]
    for arn in deployed:
        aws.client("ecs", six_stack.ORIGIN_REGION).deregister_task_definition(taskDefinition=arn)
    assert six_stack.leftovers(aws, zone_id) == []


def check_static_files_published(aws, stacks, app_dir: Path) -> None:
    """Every file of the build's .next/static/ is in the data stack's bucket under _next/static/, and every public
    file at its own path: the paths the edge stack's behaviours send to that bucket with no origin path."""
    bucket = stacks["data"].outputs()["assets_bucket_name"]
    s3 = aws.client("s3", six_stack.ORIGIN_REGION)
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.update(o["Key"] for o in page.get("Contents", []))
    static = app_dir / ".next" / "static"
    expected = {"_next/static/" + p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file()}
    public = app_dir / "public"
    expected |= {p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file()}
    assert expected and expected <= keys, sorted(expected - keys)[:20]
    build_id = (app_dir / ".next" / "BUILD_ID").read_text().strip()
    assert stacks["application"].outputs()["static_build_id"] == build_id
    head = s3.head_object(Bucket=bucket, Key="images/logo.png")
    assert head["ContentType"] == "image/png" and "must-revalidate" in head["CacheControl"], head


def free_port() -> int:
    """A loopback port nothing listens on, outside Linux's ephemeral range (32768-60999), so that no connection takes
    it before the edge does."""
    for _ in range(200):
        port = random.randint(20000, 29999)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free loopback port in 20000-29999")


def serve_the_site(aws, stacks, app_dir: Path, tmp_path: Path, browser, secret: str, site_origin: str) -> list[str]:
    """The applied site in Chromium through nextstack-edge: the distribution in front, the ALB behind its VPC origin
    forwarding to the application's ECS task (the standalone Next.js server, run from the module's task definition),
    the static files from the data bucket. The ALB as a second front door refuses a request without the
    origin-verification header that CloudFront adds."""
    cf = aws.client("cloudfront", six_stack.EDGE_REGION)
    [dist] = cf.list_distributions()["DistributionList"]["Items"]
    [lb] = aws.client("elbv2", six_stack.ORIGIN_REGION).describe_load_balancers()["LoadBalancers"]
    repository = stacks["data"].outputs()["ecr_repository_url"]
    cluster = stacks["compute"].outputs()["cluster_name"]
    api_id = stacks["api"].outputs()["invoke_url"].split("//")[1].split(".")[0]
    images = six_stack_site.write_images_file(tmp_path / "image", repository, app_dir)
    started = time.monotonic()
    with six_stack_site.serve(aws.endpoint, dist["Id"], cluster, lb["LoadBalancerArn"], images, rest_apis=[api_id],
                              extra_args=["--listen", site_origin.split("//")[1], "--control", "127.0.0.1:0"]) as edge:
        assert edge.url == site_origin, edge.url
        six_stack_site.wait_until_serving(edge)
        report = lambda: edge.stderr()[-6000:]  # noqa: E731

        # A page with all its assets: scripts and styles from /_next/static (the distribution sends them to the
        # data bucket, where the application stack published them), hydrated (a client-side navigation keeps the window), no failed request.
        with browser.new_page() as page:
            assert page.goto(edge.url + "/").status == 200, report()
            page.settle()
            assert page.locator("h1").first.inner_text() == "nextstack test app"
            statics = [e for e in page.exchanges if "/_next/static/" in e.url]
            assert statics and all(e.status == 200 for e in statics), statics
            page.evaluate("window.__nextstackMarker = 'still here'")
            page.click("[data-testid=nav-about]")
            page.wait_for_url("**/about")
            page.wait_for_function("document.querySelector('h1').innerText.includes('About')")
            assert page.evaluate("window.__nextstackMarker") == "still here", "a client-side navigation, no reload"
            logo = page.evaluate("""async () => { const r = await fetch('/images/logo.png');
                                     return {status: r.status, type: r.headers.get('content-type')}; }""")
            assert logo == {"status": 200, "type": "image/png"}, logo
            page.settle()
            page.assert_all_ok()

        # next/image: the <img> points at /_next/image (the default behaviour, so the ALB and the task), whose
        # optimizer reads /images/logo.png from the image's public/ and writes its cache to the .next/cache tmpfs.
        with browser.new_page() as page:
            assert page.goto(edge.url + "/gallery").status == 200, report()
            page.settle()
            size = page.evaluate("""() => { const i = document.querySelector('[data-testid=gallery-image]');
                                            return [i.complete, i.naturalWidth, i.currentSrc]; }""")
            assert size[0] and size[1] > 0 and "/_next/image?url=%2Fimages%2Flogo.png" in size[2], size
            optimized = [e for e in page.exchanges if "/_next/image?" in e.url]
            assert optimized and all(e.status == 200 and e.resource_type == "image" for e in optimized), optimized
            page.assert_all_ok()
        # The optimizer answers WebP to a viewer that takes it and the PNG itself to one that does not, and
        # CloudFront ignores Vary: the viewer's Accept is in the image behaviour's cache key, so the second viewer
        # does not get the first one's cached WebP (with the managed policy used before, it did).
        image = "/_next/image?url=%2Fimages%2Flogo.png&w=64&q=75"
        formats = []
        for accept in ("image/webp,image/png,*/*", "image/png,*/*", "image/webp,image/png,*/*"):
            status, headers, body = edge.get(image, headers={"Accept": accept})
            assert status == 200 and body, (status, dict(headers))
            formats.append((headers["content-type"], headers["x-cache"]))
        assert formats == [("image/webp", "Miss from cloudfront"), ("image/png", "Miss from cloudfront"),
                           ("image/webp", "Hit from cloudfront")], formats

        # A prerendered page (s-maxage) is one URL with two bodies: its HTML, and its RSC payload for a client-side
        # navigation (request header RSC: 1). Both are cached, each under its own key, and each viewer gets its own.
        answers = []
        for headers in ({}, {"RSC": "1"}, {}, {"RSC": "1"}):
            status, got, body = edge.get("/about?cache-key=rsc", headers=headers)
            assert status == 200 and body, (status, dict(got))
            answers.append((got["content-type"].split(";")[0], got["x-cache"]))
        assert answers == [("text/html", "Miss from cloudfront"), ("text/x-component", "Miss from cloudfront"),
                           ("text/html", "Hit from cloudfront"), ("text/x-component", "Hit from cloudfront")], answers

        # The api stack's functions at the execute-api endpoint (the seed: "directly reachable at their execute-api
        # domain, bypassing CloudFront"), at the paths the api stack gives them below its stage: from the test, then
        # from a page of the site in Chromium, another origin (CORS, the contact form's POST with its preflight).
        check_api_functions(aws, stacks, edge.rest_apis[api_id], site_origin)
        with browser.new_page() as page:
            page.goto(edge.url + "/about")
            got = page.evaluate("""async (api) => {
                const articles = await (await fetch(api + '/v1/articles/six-stacks')).json();
                const portfolio = await (await fetch(api + '/v1/portfolio')).json();
                const posted = await fetch(api + '/v1/contact', {method: 'POST',
                    headers: {'content-type': 'application/json'},
                    body: JSON.stringify({name: 'Grace', email: 'grace@example.com', message: 'From the page'})});
                return {article: articles.title, portfolio: portfolio.items.map(i => i.name),
                        contact: [posted.status, typeof (await posted.json()).id]};
            }""", edge.rest_apis[api_id])
            assert got == {"article": "Six stacks", "portfolio": ["The site"], "contact": [202, "string"]}, got
            assert mails_sent(aws) == 2  # and one more for the page's message
            calls = [e for e in page.exchanges if e.url.startswith(edge.rest_apis[api_id]) and e.method != "OPTIONS"]
            assert [(e.method, e.status) for e in calls] == [("GET", 200), ("GET", 200), ("POST", 202)], calls
            page.assert_all_ok(statuses=(200, 202, 304))

        # A Server Action: a POST to the page, answered by the task.
        with browser.new_page() as page:
            page.goto(edge.url + "/guestbook")
            page.settle()
            page.fill("[data-testid=guestbook-name]", "Ada")
            page.click("[data-testid=guestbook-submit]")
            page.wait_for_selector("[data-testid=guestbook-result]", timeout=30_000)
            assert page.inner_text("[data-testid=guestbook-result]") == "Thanks for signing, Ada!"
            page.settle()
            # React's Flight client may cancel the action's fetch once it parsed the result (net::ERR_ABORTED after
            # a 200; see test_serverless_site.py); anything else fails.
            problems = [p for p in page.problems() if not ("POST " in p and "/guestbook" in p and "-> 200 (net::ERR_ABORTED)" in p)]
            assert not problems, problems

        # ISR: after its 10 s revalidate period the page is regenerated by the task and served.
        first = six_stack_site.generated_at(edge, "/isr", "isr-generated-at")
        newer = six_stack_site.wait_for_change(edge, "/isr", "isr-generated-at", first, 60)
        assert newer != first, "the ISR page was regenerated:\n" + report()
        with browser.new_page() as page:
            page.goto(edge.url + "/isr")
            page.settle()
            assert page.inner_text("[data-testid=isr-generated-at]") >= newer
            page.assert_all_ok()
        # The read-only root: what Next.js writes (its caches, the regenerated pages) goes to the module's tmpfs
        # mounts; no write is refused (modules/application/README.md, "The Next.js image").
        refused = [line for line in edge.stderr().splitlines() if "Failed to update prerender cache" in line]
        assert refused == [], refused

        # The ALB straight: without the origin-verification header the listener's default action refuses; with
        # the header CloudFront sends, the same request reaches the task.
        listener_url = edge.listeners[(lb["LoadBalancerName"], 443)]
        header = aws.client("ssm", six_stack.ORIGIN_REGION).get_parameter(
            Name="%s/networking/origin_verify_header" % PREFIX)["Parameter"]["Value"]
        for headers, expected in (({}, 403), ({header: "not-the-secret"}, 403), ({header: secret}, 200)):
            req = urllib.request.Request(listener_url + "/api/health", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    status = resp.status
            except urllib.error.HTTPError as err:
                status = err.code
            assert status == expected, (sorted(headers), status, report())
        deployed = check_auto_deploy(aws, stacks, edge, browser)
        assert secret not in edge.stderr() and all(secret not in "\t".join(line) for line in edge.access_log())
        print("six-stack site served through nextstack-edge: %.0f s" % (time.monotonic() - started))

    started = time.monotonic()
    for kind, stopped_reason in (("exits", "Essential container in task exited"),
                                 ("unhealthy", "Task failed ELB health checks in (target-group ")):
        check_circuit_breaker(aws, tmp_path, repository, cluster, lb, header, secret, kind, stopped_reason)
    print("circuit breaker shown for a task that exits and one failing its health check: %.0f s"
          % (time.monotonic() - started))
    return deployed


def check_contact_notification_settings(aws, stacks, site_origin: str, mail: bool) -> None:
    """The contact function's settings: with contact_notification its environment names the sender and recipients
    and its role may send mail from that sender only (ses:FromAddress); by default neither."""
    fn = stacks["api"].outputs()["function_names"]["contact"]
    conf = aws.client("lambda", six_stack.ORIGIN_REGION).get_function_configuration(FunctionName=fn)
    variables = conf["Environment"]["Variables"]
    assert variables["CORS_ALLOW_ORIGINS"] == site_origin, variables
    base = {"TABLE_NAME", "GSI1_NAME", "GSI2_NAME", "CORS_ALLOW_ORIGINS", "CORS_ALLOW_METHODS"}
    iam = aws.client("iam", six_stack.ORIGIN_REGION)
    role = conf["Role"].rsplit("/", 1)[1]
    policy = iam.get_role_policy(RoleName=role, PolicyName="function")["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    ses = [st for st in policy["Statement"] if "ses:SendEmail" in json.dumps(st.get("Action"))]
    if not mail:
        assert set(variables) == base and ses == [], (variables, ses)
        return
    assert set(variables) == base | {"NOTIFICATION_FROM", "NOTIFICATION_TO"}, variables
    assert (variables["NOTIFICATION_FROM"], variables["NOTIFICATION_TO"]) == (MAIL_FROM, MAIL_TO), variables
    [st] = ses
    identity = "arn:aws:ses:%s:%s:identity/" % (six_stack.ORIGIN_REGION, conf["FunctionArn"].split(":")[4])
    assert sorted([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]) == sorted(
        [identity + MAIL_FROM, identity + MAIL_FROM.split("@")[1]]), st
    assert st["Condition"] == {"StringEquals": {"ses:FromAddress": MAIL_FROM}}, st
    for name, other in stacks["api"].outputs()["function_names"].items():
        if name != "contact":
            assert "NOTIFICATION_FROM" not in aws.client("lambda", six_stack.ORIGIN_REGION).get_function_configuration(
                FunctionName=other)["Environment"]["Variables"], name


def mails_sent(aws) -> int:
    """Messages moto's SES has sent in this region (one per recipient, as SES counts them), and none rejected."""
    ses = aws.client("ses", six_stack.ORIGIN_REGION)
    rejects = sum(p["Rejects"] for p in ses.get_send_statistics()["SendDataPoints"])
    assert rejects == 0, ses.get_send_statistics()
    return int(ses.get_send_quota()["SentLast24Hours"])


def check_api_functions(aws, stacks, api_url: str, site_origin: str) -> None:
    """The three functions through the applied REST API (stage v1) with the data stack's table: articles and
    portfolio read what is there, the contact form's message is stored; the site's origin is allowed (CORS), another
    is not."""
    table = stacks["data"].outputs()["dynamodb_table_name"]
    ddb = aws.client("dynamodb", six_stack.ORIGIN_REGION)
    for item in ({"pk": "ARTICLE", "sk": "six-stacks", "title": "Six stacks"},
                 {"pk": "PROJECT#site", "sk": "META", "gsi1pk": "KIND#project", "gsi1sk": "2026", "name": "The site"}):
        ddb.put_item(TableName=table, Item={k: {"S": v} for k, v in item.items()})

    def call(path, method="GET", body=None):
        req = urllib.request.Request(api_url + path, method=method, data=body,
                                     headers={"Content-Type": "application/json"} if body else {})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    status, got = call("/v1/articles")
    assert (status, [a["title"] for a in got.get("articles", [])]) == (200, ["Six stacks"]), got
    assert call("/v1/articles/six-stacks") == (200, {"pk": "ARTICLE", "sk": "six-stacks", "title": "Six stacks"})
    assert call("/v1/articles/none-such") == (404, {"message": "no article none-such"})
    status, got = call("/v1/portfolio")
    assert (status, got["kind"], [i["name"] for i in got["items"]]) == (200, "project", ["The site"]), got
    form = {"name": "Ada", "email": "ada@example.com", "message": "Hello from the six stacks"}
    assert mails_sent(aws) == 0
    status, got = call("/v1/contact", "POST", json.dumps(form).encode())
    assert status == 202 and got["id"], (status, got)
    assert mails_sent(aws) == 1  # contact_notification: one mail for the stored message
    stored = ddb.query(TableName=table, KeyConditionExpression="pk = :pk",
                       ExpressionAttributeValues={":pk": {"S": "CONTACT"}})["Items"]
    assert [{k: v["S"] for k, v in i.items() if k in form} for i in stored] == [form], stored
    assert stored[0]["sk"]["S"].endswith("#" + got["id"]), stored
    assert call("/v1/contact")[0] == 403  # GET is not a method of /contact: Missing Authentication Token
    assert call("/v2/articles")[0] == 403  # no stage v2
    for origin, allowed in ((site_origin, site_origin), ("https://elsewhere.example", None)):
        req = urllib.request.Request(api_url + "/v1/contact", method="OPTIONS", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            assert (resp.status, resp.headers.get("access-control-allow-origin")) == (204, allowed), dict(resp.headers)
            assert resp.headers["access-control-allow-methods"] == "POST, OPTIONS", dict(resp.headers)


def check_circuit_breaker(aws, tmp_path, repository, cluster, lb, header, secret, kind, stopped_reason) -> None:
    """The application's service run from an image whose program cannot serve (six_stack_site.FAILING_PROGRAMS):
    each task stops (it exits, or the target group's health check of /api/health marks it unhealthy and ECS stops
    it), is replaced, and at the module's circuit breaker threshold (3 for one task) the deployment fails and no task
    is launched again; the ALB, with no registered target left, answers 503 itself."""
    images = six_stack_site.write_failing_images_file(tmp_path / "failing", repository, kind)
    with six_stack_site.serve(aws.endpoint, None, cluster, lb["LoadBalancerArn"], images,
                              extra_args=["--health-check-interval", "200ms"]) as edge:
        failed = "nextstack-edge: ECS service %s: deployment failed: the deployment circuit breaker tripped" \
            % aws.client("ecs", six_stack.ORIGIN_REGION).list_services(cluster=cluster)["serviceArns"][0].rsplit("/", 1)[-1]
        deadline = time.monotonic() + 60
        while failed not in edge.stderr():
            assert time.monotonic() < deadline and edge.proc.poll() is None, edge.stderr()[-6000:]
            time.sleep(0.2)
        log = edge.stderr()
        line = [ln for ln in log.splitlines() if failed in ln][0]
        assert "after 3 failed tasks (threshold 3); no more tasks are launched" in line, line
        assert "(rollback is on, but the edge knows no earlier deployment to roll back to)" in line, line
        stops = [ln for ln in log.splitlines() if ": task " in ln and " stopped: " in ln]
        assert len(stops) == 3 and all(stopped_reason in ln for ln in stops), stops
        if kind == "unhealthy":
            assert log.count("is unhealthy (health check GET /api/health)") == 3, log[-6000:]
        listener_url = edge.listeners[(lb["LoadBalancerName"], 443)]
        req = urllib.request.Request(listener_url + "/api/health", headers={header: secret})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, body, server = resp.status, resp.read(), resp.headers.get("server")
        except urllib.error.HTTPError as err:
            status, body, server = err.code, err.read(), err.headers.get("server")
        assert (status, server) == (503, "awselb/2.0") and b"503 Service Temporarily Unavailable" in body, (status, body)
        time.sleep(1.5)  # no task is launched after the breaker tripped
        assert edge.stderr().count(" started (") == 3, edge.stderr()[-6000:]


def rotate_origin_secret(aws, terraform, stacks, site_vars):
    """The networking module's rotation steps: at every step the secret CloudFront sends is one the ALB accepts."""
    elb = aws.client("elbv2", six_stack.ORIGIN_REGION)
    cf = aws.client("cloudfront", six_stack.EDGE_REGION)
    listener = elb.describe_listeners(LoadBalancerArn=elb.describe_load_balancers()["LoadBalancers"][0]["LoadBalancerArn"])["Listeners"][0]
    dist_id = cf.list_distributions()["DistributionList"]["Items"][0]["Id"]

    def accepted():
        rule = [r for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not r["IsDefault"]][0]
        return set(rule["Conditions"][0]["HttpHeaderConfig"]["Values"])

    def sent():
        origin = [o for o in cf.get_distribution_config(Id=dist_id)["DistributionConfig"]["Origins"]["Items"] if o["Id"] == "app"][0]
        return origin["CustomHeaders"]["Items"][0]["HeaderValue"]

    def published():
        name = "%s/networking/origin_verify_secret" % PREFIX
        return aws.client("ssm", six_stack.ORIGIN_REGION).get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]

    old = sent()
    assert accepted() == {old}
    both = terraform(stacks["networking"].workdir, env=dict(site_vars, TF_VAR_origin_secret_versions="[1, 2]"))
    both.apply_ok()
    new = published()
    assert new != old and accepted() == {old, new} and sent() == old
    stacks["edge"].apply_ok()
    assert sent() == new and new in accepted()
    only_new = terraform(stacks["networking"].workdir, env=dict(site_vars, TF_VAR_origin_secret_versions="[2]"))
    only_new.apply_ok()
    assert accepted() == {new} and sent() == new and published() == new
    only_new.assert_no_changes()
    stacks["edge"].assert_no_changes()
    for tf in (both, only_new):
        for argv, result in tf.history:
            assert old not in result.stdout + result.stderr and new not in result.stdout + result.stderr, argv
    return only_new


def log_bucket(aws, bucket, region=six_stack.ORIGIN_REGION):
    """A log bucket as the modules make it: private, SSE-S3, expiring its objects, TLS only."""
    s3 = aws.client("s3", region)
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Status"] == "Enabled" and rule["Expiration"]["Days"] == 90, rule
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert any(st["Effect"] == "Deny" and st["Condition"]["Bool"]["aws:SecureTransport"] == "false"
               for st in policy["Statement"]), policy
    return [st for st in policy["Statement"] if st["Effect"] == "Allow"]


def check_access_logs(aws):
    """ALB access logs, VPC flow logs, CloudFront standard logging v2 and WAF logs are on, each to a destination
    the module made and whose policy admits only the service that delivers there."""
    c = lambda service, region=six_stack.ORIGIN_REGION: aws.client(service, region)  # noqa: E731
    account = c("sts").get_caller_identity()["Account"]

    lb = c("elbv2").describe_load_balancers()["LoadBalancers"][0]
    attrs = {a["Key"]: a["Value"] for a in c("elbv2").describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
    assert attrs["access_logs.s3.enabled"] == "true" and attrs["access_logs.s3.prefix"] == "alb", attrs
    [grant] = log_bucket(aws, attrs["access_logs.s3.bucket"])
    assert grant["Action"] == "s3:PutObject" and "/alb/AWSLogs/%s/" % account in grant["Resource"], grant

    [flow] = c("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [lb["VpcId"]]}])["FlowLogs"]
    assert flow["LogDestinationType"] == "s3" and flow["TrafficType"] == "ALL", flow
    grants = log_bucket(aws, flow["LogDestination"].split(":::")[1].split("/")[0])
    assert {g["Principal"]["Service"] for g in grants} == {"delivery.logs.amazonaws.com"}, grants
    assert all(g["Condition"]["StringEquals"]["aws:SourceAccount"] == account for g in grants), grants

    logs = c("logs", six_stack.EDGE_REGION)
    dist = c("cloudfront", six_stack.EDGE_REGION).list_distributions()["DistributionList"]["Items"][0]
    [delivery] = logs.describe_deliveries()["deliveries"]
    assert "cs(Cookie)" not in delivery["recordFields"] and "c-ip" in delivery["recordFields"], delivery
    source = logs.get_delivery_source(name=delivery["deliverySourceName"])["deliverySource"]
    assert source["resourceArns"] == [dist["ARN"]] and source["logType"] == "ACCESS_LOGS", source
    destination = logs.get_delivery_destination(name=delivery["deliveryDestinationArn"].rsplit(":", 1)[-1])["deliveryDestination"]
    bucket_arn = destination["deliveryDestinationConfiguration"]["destinationResourceArn"]
    [grant] = log_bucket(aws, bucket_arn.split(":::")[1], six_stack.EDGE_REGION)
    assert grant["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:logs:us-east-1:%s:delivery-source:*" % account, grant

    for region, scope in ((six_stack.EDGE_REGION, "CLOUDFRONT"), (six_stack.ORIGIN_REGION, "REGIONAL")):
        waf = c("wafv2", region)
        [acl] = waf.list_web_acls(Scope=scope)["WebACLs"]
        config = waf.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"]
        assert config["LogDestinationConfigs"] == ["arn:aws:logs:%s:%s:log-group:aws-waf-logs-%s" % (region, account, acl["Name"])], config
        assert {f["SingleHeader"]["Name"] for f in config["RedactedFields"]} == {"cookie", "authorization"}, config
        assert config["LoggingFilter"]["DefaultBehavior"] == "DROP", config
        [keep] = config["LoggingFilter"]["Filters"]
        assert {cond["ActionCondition"]["Action"] for cond in keep["Conditions"]} == {"BLOCK", "COUNT"}, keep
        group = c("logs", region).describe_log_groups(logGroupNamePrefix="aws-waf-logs-%s" % acl["Name"])["logGroups"][0]
        assert group["retentionInDays"] == 90, group


def check_auto_deploy(aws, stacks, edge, browser) -> list[str]:
    """A new image pushed (a new tag: the repository's tags are immutable) is deployed by the application stack's
    auto-deploy function, run by the edge from its deployed code with the ECR push event EventBridge would deliver
    (invoked through the edge's control API, since the edge does not run event-pattern rules): a new revision of the
    task definition pins the image by digest, the service is updated, and the edge's ECS service rolls to it while
    the site keeps answering through the distribution."""
    ecr, ecs, events = (aws.client(n, six_stack.ORIGIN_REGION) for n in ("ecr", "ecs", "events"))
    repository_url = stacks["data"].outputs()["ecr_repository_url"]
    repository = repository_url.split("/", 1)[1]
    digest = push_image(ecr, repository, "v2")
    [rule] = events.list_rules(NamePrefix="nextjs-dev-image-pushed")["Rules"]
    # By ARN: the control API takes the function's region from it (the site's own functions are in us-east-1).
    deployer = events.list_targets_by_rule(Rule=rule["Name"])["Targets"][0]["Arn"]
    event = push_event(repository_url.split(".", 1)[0], six_stack.ORIGIN_REGION, repository, digest, "v2")
    # The roll starts from a steady service: its task healthy in the target group, the first deployment completed.
    # The site answers before that (the ALB fails open to a task still in its first health checks, 15 s apart), but a
    # task not yet healthy is not one ECS must keep ("tasks for services that do use a load balancer are considered
    # healthy if they are in the RUNNING state and ... reported as healthy by the load balancer", UpdateService), so
    # a push within ~30 s of the edge's start rightly stops it at once and the site is down until the new task is up:
    # CI's run met that when the checks above went quickly.
    edge.wait_for_line(r"ECS service \S+: deployment completed: \d+ tasks running", timeout=120)
    lines_before = len(edge.stderr().splitlines())
    req = urllib.request.Request(edge.control_url + "/2015-03-31/functions/%s/invocations" % deployer, method="POST",
                                 data=json.dumps(event).encode())
    with urllib.request.urlopen(req, timeout=120) as resp:
        answer = resp.read()
        assert resp.headers.get("X-Amz-Function-Error") is None, answer
    result = json.loads(answer)
    assert result["image"] == "%s@%s" % (repository_url, digest), result
    pinned = ecs.describe_task_definition(taskDefinition=result["taskDefinition"])["taskDefinition"]
    assert [c["image"] for c in pinned["containerDefinitions"]] == [result["image"]], pinned["containerDefinitions"]
    completed = re.compile(r"deployment completed: \d+ tasks running \(deployment %s, %s\)"
                           % (re.escape(result["deployment"]), re.escape(result["taskDefinition"])))
    statuses = []
    deadline = time.monotonic() + 180
    while not completed.search("\n".join(edge.stderr().splitlines()[lines_before:])):
        assert time.monotonic() < deadline, "the service did not roll to %s:\n%s" % (
            result["taskDefinition"], edge.stderr()[-6000:])
        statuses.append(edge.get("/api/health")[0])
        time.sleep(0.5)
    # On failure: the edge's lines since the invocation, and before them its task and health lines since it started
    # (how the tasks it rolled from got where they were).
    history = [line for line in edge.stderr().splitlines()[:lines_before]
               if line.startswith(("nextstack-edge: ECS service", "nextstack-edge: target group"))]
    assert statuses and set(statuses) == {200}, "the site answered through the roll: %s\n%s\n--- then:\n%s" % (
        statuses, "\n".join(history)[-3000:], "\n".join(edge.stderr().splitlines()[lines_before:])[-6000:])
    with browser.new_page() as page:
        assert page.goto(edge.url + "/").status == 200
        page.settle()
        page.assert_all_ok()
    return [result["taskDefinition"]]


def check_alarm_delivery(aws, topic):
    """The alarm topic is encrypted with a customer-managed key (rotation on) whose policy lets CloudWatch use it,
    for this account's alarms and this topic only; a function's Errors alarm going to ALARM is delivered through the
    topic to a subscriber. moto runs no alarm actions and checks no key policy: the harness's
    cloudwatch_alarm_actions_notify_sns patch publishes as CloudWatch does, only when the key policy lets CloudWatch
    use the key (so with alias/aws/sns, as the module had it, nothing would arrive; test_moto_patches shows that)."""
    sns, kms, sqs, cw = (aws.client(name, six_stack.ORIGIN_REGION) for name in ("sns", "kms", "sqs", "cloudwatch"))
    key_id = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]
    key = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER" and key["KeyState"] == "Enabled", key
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    [grant] = [s for s in policy["Statement"] if s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com"]
    actions = grant["Action"] if isinstance(grant["Action"], list) else [grant["Action"]]
    assert grant["Effect"] == "Allow" and sorted(actions) == ["kms:Decrypt", "kms:GenerateDataKey*"], grant
    account = key["Arn"].split(":")[4]
    assert grant["Condition"]["StringEquals"]["aws:SourceAccount"] == account, grant
    assert grant["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sns:topicArn"] == topic, grant
    assert grant["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:cloudwatch:%s:%s:alarm:nextjs-dev-*" % (
        six_stack.ORIGIN_REGION, account), grant

    # Delivery: an SQS subscriber (made here, removed here) receives the notification CloudWatch publishes when the
    # articles function's Errors alarm goes to ALARM.
    [alarm] = [a for a in cw.describe_alarms()["MetricAlarms"] if topic in a["AlarmActions"]
               and a["AlarmName"].endswith("-articles-errors")]
    queue = sqs.create_queue(QueueName="alarm-delivery-probe")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"},
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    try:
        cw.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="ALARM", StateReason="delivery probe")
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5, MaxNumberOfMessages=10).get("Messages", [])
        got = [json.loads(m["Body"]) for m in messages]
        assert [(m["AlarmName"], m["NewStateValue"], m["AlarmArn"]) for m in got] == [
            (alarm["AlarmName"], "ALARM", alarm["AlarmArn"])], got
    finally:
        cw.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="OK", StateReason="delivery probe over")
        sns.unsubscribe(SubscriptionArn=sub)
        sqs.delete_queue(QueueUrl=queue)


def check_architecture(aws, stacks, zone_id):
    c = lambda service, region=six_stack.ORIGIN_REGION: aws.client(service, region)  # noqa: E731
    outputs = {name: tf.outputs() for name, tf in stacks.items()}

    # SSM: each origin stack publishes in eu-west-1 exactly what its output lists; the secret is a SecureString.
    published = ssm_names(aws, six_stack.ORIGIN_REGION, PREFIX)
    for name in ["data", "compute", "networking", "application", "api"]:
        mine = {n for n in published if n.startswith("%s/%s/" % (PREFIX, name))}
        assert mine and mine == set(outputs[name]["ssm_parameter_names"]), (name, mine)
    assert published["%s/networking/origin_verify_secret" % PREFIX][0] == "SecureString"
    secret = published["%s/networking/origin_verify_secret" % PREFIX][1]
    header = published["%s/networking/origin_verify_header" % PREFIX][1]
    assert header == "X-CloudFront-Origin" and len(secret) >= 32
    edge_params = ssm_names(aws, six_stack.EDGE_REGION, PREFIX)
    assert set(edge_params) == {"%s/edge/%s" % (PREFIX, k) for k in
                                ["distribution_id", "distribution_arn", "distribution_domain_name", "certificate_arn", "web_acl_arn"]}

    # data: ECR scans on push, tags are immutable; the table is on demand with PITR; the bucket is private, versioned, encrypted.
    repo = c("ecr").describe_repositories()["repositories"][0]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    assert repo["imageTagMutability"] == "IMMUTABLE"
    table = c("dynamodb").describe_table(TableName=outputs["data"]["dynamodb_table_name"])["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    pitr = c("dynamodb").describe_continuous_backups(TableName=table["TableName"])["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    bucket = outputs["data"]["assets_bucket_name"]
    pab = c("s3").get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(pab.values()) and len(pab) == 4, pab
    assert c("s3").get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    [rule] = c("s3").get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Status"] == "Enabled" and rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30, rule
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7, rule
    sse = c("s3").get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    access_logs.check_s3_access_logging(aws, six_stack.ORIGIN_REGION, bucket, "s3-access/assets/")

    # compute: a capacity provider with managed scaling on the cluster, IMDSv2-only instances.
    cluster = c("ecs").describe_clusters(clusters=[outputs["compute"]["cluster_name"]])["clusters"][0]
    assert cluster["capacityProviders"] == [outputs["compute"]["capacity_provider_name"]]
    cp = c("ecs").describe_capacity_providers(capacityProviders=cluster["capacityProviders"])["capacityProviders"][0]
    assert cp["autoScalingGroupProvider"]["managedScaling"]["status"] == "ENABLED"
    lt = c("ec2").describe_launch_template_versions(LaunchTemplateName=c("ec2").describe_launch_templates()["LaunchTemplates"][0]["LaunchTemplateName"])
    assert lt["LaunchTemplateVersions"][0]["LaunchTemplateData"]["MetadataOptions"]["HttpTokens"] == "required"

    # networking: an internal ALB (no public address) in the compute stack's private subnets of a VPC with an
    # internet gateway (what VPC origins need); only CloudFront's prefix list may reach it, on 443; it sends only to
    # the container port inside the VPC; the HTTPS listener (the site's names, issued in this region) refuses by
    # default and forwards only requests with the origin header.
    elb = c("elbv2")
    ec2 = c("ec2")
    lb = elb.describe_load_balancers()["LoadBalancers"][0]
    assert lb["Scheme"] == "internal", lb["Scheme"]
    private = published["%s/compute/subnet_ids" % PREFIX][1].split(",")
    assert sorted(z["SubnetId"] for z in lb["AvailabilityZones"]) == sorted(private)
    vpc = ec2.describe_vpcs(VpcIds=[lb["VpcId"]])["Vpcs"][0]
    assert ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])["InternetGateways"]
    for subnet in private:
        tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["RouteTables"]
        assert tables and not [r for t in tables for r in t["Routes"] if r.get("GatewayId", "").startswith("igw-")], tables
        assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["MapPublicIpOnLaunch"] is False
    # The VPC's default security group is stripped of its rules (modules/vpc).
    default_sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                                                       {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    assert default_sg["IpPermissions"] == [] and default_sg["IpPermissionsEgress"] == [], default_sg
    sg_rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": lb["SecurityGroups"]}])["SecurityGroupRules"]
    ingress = [r for r in sg_rules if not r["IsEgress"]]
    egress = [r for r in sg_rules if r["IsEgress"]]
    prefix_list = ec2.describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.global.cloudfront.origin-facing"]}])["PrefixLists"][0]
    assert [(r.get("PrefixListId"), r["FromPort"], r["ToPort"]) for r in ingress] == [(prefix_list["PrefixListId"], 443, 443)], ingress
    assert [(r.get("CidrIpv4"), r["FromPort"], r["ToPort"]) for r in egress] == [(vpc["CidrBlock"], 3000, 3000)], egress
    listener = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"][0]
    assert (listener["Protocol"], listener["Port"]) == ("HTTPS", 443), listener
    assert listener["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    origin_cert = c("acm").describe_certificate(CertificateArn=listener["Certificates"][0]["CertificateArn"])["Certificate"]
    assert origin_cert["Status"] == "ISSUED"
    assert set(origin_cert["SubjectAlternativeNames"]) == {six_stack.DOMAIN, "www." + six_stack.DOMAIN}, origin_cert
    assert listener["DefaultActions"][0]["Type"] == "fixed-response"
    assert listener["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] == "403"
    rules = [r for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not r["IsDefault"]]
    assert len(rules) == 1 and rules[0]["Actions"][0]["Type"] == "forward"
    cond = rules[0]["Conditions"][0]["HttpHeaderConfig"]
    assert cond == {"HttpHeaderName": header, "Values": [secret]}, cond
    tg = elb.describe_target_groups()["TargetGroups"][0]
    assert tg["HealthCheckPath"] == "/api/health" and tg["TargetType"] == "ip"

    # application: read-only roots with tmpfs, circuit breaker with rollback, ECS Exec outside prod, auto-deploy.
    service = c("ecs").describe_services(cluster=cluster["clusterArn"], services=[outputs["application"]["service_name"]])["services"][0]
    taskdef = c("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert taskdef["networkMode"] == "awsvpc"
    for container in taskdef["containerDefinitions"]:
        assert container["readonlyRootFilesystem"] is True, container["name"]
        mounts = {m["containerPath"] for m in container["linuxParameters"]["tmpfs"]}
        assert "/tmp" in mounts, container["name"]
    app = taskdef["containerDefinitions"][0]
    assert {m["containerPath"] for m in app["linuxParameters"]["tmpfs"]} == {
        "/tmp", "/app/.next/cache", "/app/.next/server/route-cache"}
    assert {"name": "USE_FILE_FALLBACK", "value": "true"} in app["environment"]
    breaker = service["deploymentConfiguration"]["deploymentCircuitBreaker"]
    assert breaker == {"enable": True, "rollback": True}, breaker
    assert service["enableExecuteCommand"] is True  # environment "dev" is not prod
    assert service["capacityProviderStrategy"][0]["capacityProvider"] == outputs["compute"]["capacity_provider_name"]
    rule = c("events").list_rules(NamePrefix="nextjs-dev-image-pushed")["Rules"][0]
    # Auto-deploy by digest: any tagged push of the (immutable-tag) repository; the function knows the family and
    # container to pin the pushed digest in, and the repository the digest belongs to.
    pattern = json.loads(rule["EventPattern"])
    assert pattern["detail-type"] == ["ECR Image Action"] and pattern["detail"]["action-type"] == ["PUSH"], pattern
    assert pattern["detail"]["repository-name"] == [repo["repositoryName"]], pattern
    assert pattern["detail"]["image-tag"] == [{"exists": True}], pattern
    target = c("events").list_targets_by_rule(Rule=rule["Name"])["Targets"][0]
    deployer = c("lambda").get_function(FunctionName=target["Arn"].rsplit(":", 1)[-1])["Configuration"]
    assert deployer["Environment"]["Variables"] == {
        "CLUSTER": outputs["compute"]["cluster_name"], "SERVICE": service["serviceName"], "FAMILY": taskdef["family"],
        "CONTAINER": app["name"], "REPOSITORY_URL": repo["repositoryUri"]}, deployer["Environment"]

    # api: each function has a DLQ, reserved concurrency, a log group with retention and an Errors alarm.
    lam = c("lambda")
    functions = outputs["api"]["function_names"]
    assert set(functions) == {"articles", "contact", "portfolio"}
    topic = [t["TopicArn"] for t in c("sns").list_topics()["Topics"] if t["TopicArn"].endswith("-api-alarms")][0]
    for key, fn in list(functions.items()) + [("auto-deploy", deployer["FunctionName"])]:
        conf = lam.get_function_configuration(FunctionName=fn)
        assert conf["DeadLetterConfig"]["TargetArn"].endswith("%s-dlq" % fn), conf.get("DeadLetterConfig")
        assert lam.get_function_concurrency(FunctionName=fn)["ReservedConcurrentExecutions"] >= 1
        groups = c("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/%s" % fn)["logGroups"]
        assert groups and groups[0]["retentionInDays"] == 30, groups
    for fn in functions.values():
        alarm = c("cloudwatch").describe_alarms(AlarmNames=["%s-errors" % fn])["MetricAlarms"][0]
        assert alarm["MetricName"] == "Errors" and alarm["AlarmActions"] == [topic]
    check_alarm_delivery(aws, topic)
    api_id = outputs["api"]["invoke_url"].split("//")[1].split(".")[0]
    stage = c("apigateway").get_stage(restApiId=api_id, stageName="v1")
    assert stage["accessLogSettings"]["destinationArn"].endswith(":log-group:/aws/apigateway/nextjs-dev/v1")
    stage_arn = "arn:aws:apigateway:eu-west-1::/restapis/%s/stages/v1" % api_id
    regional = c("wafv2").get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]
    assert regional["Name"] == "nextjs-dev-api"
    assert {r["Name"] for r in regional["Rules"]} >= {"rate-limit", "AWSManagedRulesCommonRuleSet"}

    # edge: CLOUDFRONT-scope WAF on the distribution, S3 through OAC, the internal ALB through a VPC origin over
    # HTTPS (TLS 1.2) with the origin header as defence in depth,
    # the seed's behaviours in order, the certificate issued with records only in the DNS account's zone.
    cf = c("cloudfront", six_stack.EDGE_REGION)
    dist_id = edge_params["%s/edge/distribution_id" % PREFIX][1]
    config = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    acls = c("wafv2", six_stack.EDGE_REGION).list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    assert [a["ARN"] for a in acls] == [config["WebACLId"]]
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    assert origins["assets"]["OriginAccessControlId"], origins["assets"]
    assert origins["assets"]["DomainName"] == "%s.s3.eu-west-1.amazonaws.com" % bucket
    app_origin = origins["app"]
    assert app_origin["DomainName"] == lb["DNSName"]
    assert "CustomOriginConfig" not in app_origin, app_origin
    vpc_origin = cf.get_vpc_origin(Id=app_origin["VpcOriginConfig"]["VpcOriginId"])["VpcOrigin"]
    endpoint = vpc_origin["VpcOriginEndpointConfig"]
    assert endpoint["Arn"] == lb["LoadBalancerArn"] and vpc_origin["Status"] == "Deployed", vpc_origin
    assert (endpoint["OriginProtocolPolicy"], endpoint["HTTPSPort"]) == ("https-only", 443), endpoint
    assert endpoint["OriginSslProtocols"]["Items"] == ["TLSv1.2"], endpoint
    assert app_origin["CustomHeaders"]["Items"] == [{"HeaderName": header, "HeaderValue": secret}]
    behaviours = [(b["PathPattern"], b["TargetOriginId"]) for b in config["CacheBehaviors"]["Items"]]
    assert behaviours == [("/_next/static/*", "assets"), ("/_next/data/*", "assets"), ("/_next/image*", "app"),
                          ("/images/*", "assets"), ("/api/*", "app")]
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "app"
    # The module's own cache policies for the Next.js server: keyed on what Next.js varies on (served checks in
    # serve_the_site show why).
    policies = {b["PathPattern"]: b["CachePolicyId"] for b in config["CacheBehaviors"]["Items"]}
    policies["*"] = config["DefaultCacheBehavior"]["CachePolicyId"]
    keys = {}
    for pattern in ("*", "/_next/image*"):
        params = cf.get_cache_policy(Id=policies[pattern])["CachePolicy"]["CachePolicyConfig"][
            "ParametersInCacheKeyAndForwardedToOrigin"]
        keys[pattern] = (sorted(params["HeadersConfig"]["Headers"]["Items"]), params["CookiesConfig"]["CookieBehavior"],
                         params["QueryStringsConfig"]["QueryStringBehavior"])
    assert keys == {
        "*": (["host", "next-router-prefetch", "next-router-segment-prefetch", "next-router-state-tree", "next-url",
               "origin", "rsc"], "all", "all"),
        "/_next/image*": (["accept"], "none", "all"),
    }, keys
    assert sorted(config["Aliases"]["Items"]) == [six_stack.DOMAIN, "www." + six_stack.DOMAIN]

    acm = c("acm", six_stack.EDGE_REGION)
    cert = acm.describe_certificate(CertificateArn=outputs["edge"]["certificate_arn"])["Certificate"]
    assert cert["Status"] == "ISSUED"
    assert config["ViewerCertificate"]["ACMCertificateArn"] == cert["CertificateArn"]
    r53 = aws.client("route53", six_stack.EDGE_REGION, account=six_stack.DNS_ACCOUNT)
    records = {(r["Name"], r["Type"]): r for r in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]}
    for option in cert["DomainValidationOptions"]:
        rr = option["ResourceRecord"]
        assert (rr["Name"], "CNAME") in records, (rr, sorted(records))
    assert c("route53", six_stack.EDGE_REGION).list_hosted_zones()["HostedZones"] == []  # nothing in the workload account
    for name in [six_stack.DOMAIN + ".", "www.%s." % six_stack.DOMAIN]:
        for rtype in ("A", "AAAA"):
            alias = records[(name, rtype)]["AliasTarget"]
            assert alias["DNSName"].rstrip(".") == outputs["edge"]["distribution_domain_name"]
            assert alias["HostedZoneId"] == "Z2FDTNDATAQYW2"
    return secret
