"""The toolchain itself: moto (regions, accounts, reset), both Terraform versions through the harness (init, plan,
apply, outputs, state, destroy, exit codes), the filesystem-mirror installation of nextstack/nextstack, the browser,
and the arm64 Node.js under qemu-user (.tools/node-arm64) loading sharp's linux-arm64 build from a real OpenNext
image-optimization function.

None of these need the provider to be built."""

import json
import os
import struct
import subprocess

import pytest

from nextstack_lab import harness

SSM = "ssm"


def _put(client, name, value):
    client.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


def _names(client):
    return {p["Name"] for p in client.describe_parameters()["Parameters"]}


def test_moto_answers(moto):
    assert moto.endpoint.startswith("http://127.0.0.1:")
    assert moto.proc is not None and moto.proc.poll() is None
    ident = moto.client("sts").get_caller_identity()
    assert ident["Account"] == harness.MOTO_DEFAULT_ACCOUNT


def test_moto_ssm_is_isolated_by_region_and_account(aws):
    eu = aws.client(SSM, "eu-west-1")
    us = aws.client(SSM, "us-east-1")
    other = aws.client(SSM, "eu-west-1", account="111111111111")

    _put(eu, "/nextstack/site", "eu-value")
    _put(us, "/nextstack/site", "us-value")
    _put(other, "/nextstack/only-in-111111111111", "other-value")

    assert eu.get_parameter(Name="/nextstack/site")["Parameter"]["Value"] == "eu-value"
    assert us.get_parameter(Name="/nextstack/site")["Parameter"]["Value"] == "us-value"
    assert other.get_parameter(Name="/nextstack/only-in-111111111111")["Parameter"]["Value"] == "other-value"

    # Accounts are isolated: neither side sees the other's parameters.
    assert _names(eu) == {"/nextstack/site"}
    assert _names(other) == {"/nextstack/only-in-111111111111"}
    # The assumed-role credentials really act in the other account.
    assert aws.client("sts", account="111111111111").get_caller_identity()["Account"] == "111111111111"
    # The ARN carries the account too.
    arn = other.get_parameter(Name="/nextstack/only-in-111111111111")["Parameter"]["ARN"]
    assert ":111111111111:" in arn and arn.startswith("arn:aws:ssm:eu-west-1:")


def test_moto_reset_wipes_state(moto):
    ssm = moto.client(SSM, "eu-west-1")
    _put(ssm, "/nextstack/reset-me", "x")
    assert "/nextstack/reset-me" in _names(ssm)
    moto.reset()
    assert "/nextstack/reset-me" not in _names(moto.client(SSM, "eu-west-1"))


def test_terraform_version(terraform):
    tf = terraform(provider=False, aws=False)
    rc, out, err = tf.run("version")
    assert rc == 0, err
    assert out.splitlines()[0] == "Terraform v%s" % terraform.version
    rc, out, err = tf.run("version", "-json")
    assert rc == 0, err
    assert json.loads(out)["terraform_version"] == terraform.version


BUILTIN_CONFIG = {
    # terraform_data exists since Terraform 1.4.
    "1.15.5": """
resource "terraform_data" "greeting" {
  input = "hello ${var.name}"
}

variable "name" {
  type    = string
  default = "world"
}

output "greeting" {
  value = terraform_data.greeting.output
}

output "number" {
  value = 1
}
""",
    "1.0.3": """
variable "name" {
  type    = string
  default = "world"
}

locals {
  greeting = "hello ${var.name}"
}

output "greeting" {
  value = local.greeting
}

output "number" {
  value = 1
}
""",
}


def test_terraform_init_plan_apply_destroy(terraform):
    tf = terraform(provider=False, aws=False)
    tf.write(BUILTIN_CONFIG[terraform.version])

    init = tf.init_ok()
    assert "Terraform has been successfully initialized" in init.stdout
    assert tf.plan_detailed_exitcode() == 2  # something to do before the first apply

    applied = tf.apply_ok()
    assert "Apply complete!" in applied.stdout
    assert tf.outputs() == {"greeting": "hello world", "number": 1}
    state = tf.state_json()
    assert state["terraform_version"] == terraform.version
    assert state["outputs"]["greeting"]["value"] == "hello world"
    if terraform.version == "1.15.5":
        assert tf.resource("terraform_data.greeting")["output"]["value"] == "hello world"  # dynamic: {value, type}
        shown = tf.show()
        assert shown["values"]["root_module"]["resources"][0]["address"] == "terraform_data.greeting"

    tf.assert_no_changes()
    assert tf.plan_detailed_exitcode("-var", "name=moto") == 2
    tf.apply_ok("-var", "name=moto")
    assert tf.outputs()["greeting"] == "hello moto"

    destroyed = tf.destroy_ok("-var", "name=moto")
    assert "Destroy complete!" in destroyed.stdout
    assert tf.state_json().get("resources", []) == []


def test_terraform_errors_give_exit_code_1_on_stderr(terraform):
    tf = terraform(provider=False, aws=False)
    tf.write('output "x" {\n  value = local.missing\n}\n')
    tf.init_ok()
    result = tf.plan_fails(contains="Reference to undeclared local value")
    assert result.rc == 1
    assert "undeclared local value" in result.stderr  # diagnostics go to stderr, not stdout
    with pytest.raises(AssertionError, match="terraform command failed"):
        tf.apply_ok()


def test_terraform_environment(terraform, moto):
    tf = terraform(provider=False)
    assert tf.env["AWS_ENDPOINT_URL"] == moto.endpoint
    assert tf.env["AWS_REGION"] == "eu-west-1"
    assert tf.env["TF_IN_AUTOMATION"] == "1"
    assert "TF_PLUGIN_CACHE_DIR" not in tf.env
    assert "MOTO_ACCOUNT_ID" not in tf.env
    assert os.path.isfile(tf.env["TF_CLI_CONFIG_FILE"])
    # The variables reach Terraform: it sees them through its own env handling (TF_VAR_*).
    tf = terraform(provider=False, aws=False, env={"TF_VAR_name": "from-env"})
    tf.write(BUILTIN_CONFIG[terraform.version])
    tf.apply_ok()
    assert tf.outputs()["greeting"] == "hello from-env"


def test_wrapper_behaves_like_a_binary(terraform, tmp_path):
    """-chdir from another cwd, exit codes, stdout/stderr separation, stdin not needed."""
    work = tmp_path / "w"
    work.mkdir()
    (work / "main.tf").write_text('output "x" {\n  value = "y"\n}\n')
    env = harness.terraform_env(harness.write_cli_config(tmp_path / "rc", None), None)
    run = lambda *a: subprocess.run(  # noqa: E731
        [str(terraform.binary), *a], cwd=str(tmp_path), env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=300,
    )
    r = run("-chdir=w", "apply", "-input=false", "-no-color", "-auto-approve")
    assert r.returncode == 0, r.stderr
    assert 'x = "y"' in r.stdout
    assert (work / "terraform.tfstate").is_file()
    assert not (tmp_path / "terraform.tfstate").exists()
    r = run("-chdir=does-not-exist", "plan", "-no-color")
    assert r.returncode == 1
    assert "does-not-exist" in r.stderr and r.stdout == ""
    r = run("no-such-command")
    assert r.returncode != 0


def test_provider_filesystem_mirror_installs(terraform, tmp_path):
    """init installs nextstack/nextstack from the unpacked filesystem mirror (here holding a stand-in executable,
    so this needs no provider build) and records it in the lock file; nothing is downloaded."""
    fake = tmp_path / "fake-provider"
    fake.write_text("#!/bin/sh\necho 'stand-in provider' >&2\nexit 1\n")
    fake.chmod(0o755)
    mirror = harness.make_mirror(fake, tmp_path / "mirror")
    cli_config = harness.write_cli_config(tmp_path / "terraformrc", mirror)
    version = harness.provider_version()
    work = tmp_path / "work"
    tf = harness.Terraform(terraform.version, work, harness.terraform_env(cli_config, None))
    tf.write('terraform {\n  required_providers {\n    nextstack = { source = "nextstack/nextstack" }\n  }\n}\n')
    out = tf.init_ok().stdout
    assert "nextstack/nextstack v%s" % version in out
    lock = (work / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/nextstack/nextstack"' in lock
    assert 'version = "%s"' % version in lock
    installed = work / ".terraform/providers/registry.terraform.io/nextstack/nextstack" / version / "linux_amd64"
    assert (installed / ("terraform-provider-nextstack_v" + version)).is_file()


# --------------------------------------------------------------------------------------------- the browser

# A 2x1 PNG (red, blue): an image the page must really fetch and decode.
def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x00" + bytes([255, 0, 0, 0, 0, 255])  # one row: filter 0, two RGB pixels
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


SITE = {
    "index.html": b"""<!doctype html>
<html><head><meta charset="utf-8"><title>toolchain</title><script src="/app.js" defer></script></head>
<body><img id="logo" src="/logo.png" alt="logo"><button id="go">click me</button><p id="out">not clicked</p></body>
</html>
""",
    "app.js": b"""document.getElementById("go").addEventListener("click", async () => {
  const answer = await fetch("/data.json").then((r) => r.json());
  document.getElementById("out").textContent = "clicked: " + answer.word;
});
""",
    "data.json": b'{"word": "hello"}',
    # A script that is not there, and an image on a port where nothing listens (filled in by local_site).
    "broken.html": b'<!doctype html><script src="/missing.js"></script><img src="http://127.0.0.1:%d/refused.png">',
}


@pytest.fixture
def local_site(tmp_path):
    """A tiny site served on 127.0.0.1 by Python's http.server in a thread: its base URL and the paths asked for."""
    import functools
    import http.server
    import threading

    root = tmp_path / "site"
    root.mkdir()
    for name, body in SITE.items():
        (root / name).write_bytes(body % harness.free_port() if name == "broken.html" else body)
    (root / "logo.png").write_bytes(_png())
    seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            seen.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_browser_renders_a_local_page(browser, local_site):
    """Debian's Chromium under Playwright loads a page from 127.0.0.1 with a script and an image, every request
    answers 200, and a click runs the page's script (which fetches JSON)."""
    base, seen = local_site
    assert browser.version.split(".")[0].isdigit()
    with browser.new_page() as page:
        response = page.goto(base + "/")
        assert response.status == 200
        assert page.title() == "toolchain"
        # The image was fetched and decoded: its natural size is the PNG's.
        assert page.evaluate("[document.getElementById('logo').naturalWidth, document.getElementById('logo').naturalHeight]") == [2, 1]
        page.click("#go")
        page.wait_for_function("document.getElementById('out').textContent !== 'not clicked'")
        assert page.text_content("#out") == "clicked: hello"
        page.assert_all_ok()
        got = {(e.url[len(base):], e.resource_type, e.status) for e in page.exchanges}
        assert {("/", "document", 200), ("/app.js", "script", 200), ("/logo.png", "image", 200),
                ("/data.json", "fetch", 200)} <= got, got
        assert not page.page_errors
    # The server saw them too (Chromium's own /favicon.ico request is not one of the page's).
    assert {"/", "/app.js", "/logo.png", "/data.json"} <= set(seen)


def test_browser_records_failed_requests(browser, local_site):
    """The recorder is not vacuous: a 404 and a refused connection are problems, and assert_all_ok says which."""
    base, _ = local_site
    with browser.new_page() as page:
        page.goto(base + "/broken.html")
        problems = "\n".join(page.problems())
        assert "/missing.js [script] -> 404" in problems, problems
        assert "/refused.png [image] -> (net::ERR_CONNECTION_REFUSED)" in problems, problems
        with pytest.raises(AssertionError, match="2 problem"):
            page.assert_all_ok()
        page.clear()
        page.goto(base + "/")
        page.assert_all_ok()


def test_a_chromium_of_its_own_beside_the_sessions(browser, local_site):
    """A test may launch a Chromium with its own flags (test_lambda_previews: --host-resolver-rules) while the
    session's `browser` runs in the same process: both work, and the session's still does afterwards. (Two
    sync_playwright() drivers in one thread fail with "Playwright Sync API inside the asyncio loop".)"""
    from nextstack_lab.browser import launch_chromium

    base, _ = local_site
    host = base.split("//", 1)[1].split(":")[0]
    port = base.rsplit(":", 1)[1]
    with launch_chromium(extra_args=["--host-resolver-rules=MAP site.toolchain.test %s" % host]) as own:
        with own.new_page() as page:
            assert page.goto("http://site.toolchain.test:%s/" % port).status == 200
            assert page.title() == "toolchain"
    with browser.new_page() as page:
        assert page.goto(base + "/").status == 200


# -------------------------------------------------------------------------------------------- arm64 Node.js (qemu-user)

# What nextstack-edge gives a function's process: a cleared environment with these (and the Lambda variables).
EDGE_LIKE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "en_US.UTF-8"}

# Runs in the function's directory as its handler would: loads its sharp, decodes a PNG made outside sharp, resizes it.
SHARP_SCRIPT = r"""
const t0 = process.hrtime.bigint();
const sharp = require(process.cwd() + "/node_modules/sharp");
const t1 = process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;
sharp(require("fs").readFileSync(process.argv[1])).resize(64).png().toBuffer().then((out) => {
  require("fs").writeFileSync(process.argv[2], out);
  console.log(JSON.stringify({ arch: process.arch, node: process.version, sharp: sharp.versions.sharp,
                               vips: sharp.versions.vips, require_ms: ms(t0, t1),
                               resize_ms: ms(t1, process.hrtime.bigint()) }));
});
"""


@pytest.fixture(scope="module")
def node_arm64():
    """The command line tests/toolchain.sh wrote to .tools/node-arm64, split as nextstack-edge splits it."""
    marker = harness.TOOLS_DIR / "node-arm64"
    assert marker.is_file(), "%s is missing: run tests/toolchain.sh" % marker
    command = marker.read_text().split()
    assert command and os.access(command[0], os.X_OK), command
    return command


@pytest.fixture(scope="module")
def image_function():
    """The image-optimization function of a real OpenNext build: arm64, with sharp's linux-arm64 binaries."""
    from nextstack_lab import nextjs_builds

    function = nextjs_builds.build("b1") / "image-optimization-function"
    assert (function / "node_modules" / "@img" / "sharp-linux-arm64").is_dir(), sorted(function.rglob("sharp-*"))
    return function


def _run(command, cwd, *args, env=EDGE_LIKE_ENV):
    return subprocess.run([*command, *args], cwd=str(cwd), env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


def test_node_arm64_runs_the_edge_bootstrap(node_arm64, tmp_path):
    """The command is an arm64 Node.js 20, and runs the edge's Lambda runtime far enough to refuse cleanly
    without a Runtime API (with the flag the edge appends)."""
    r = _run(node_arm64, tmp_path, "-p", "process.arch + ' ' + process.version")
    assert r.returncode == 0, r.stderr
    arch, version = r.stdout.split()
    assert arch == "arm64" and version.startswith("v20."), r.stdout
    bootstrap = harness.REPO_ROOT / "edge" / "runtime" / "node" / "bootstrap.mjs"
    env = dict(EDGE_LIKE_ENV, _HANDLER="index.handler", LAMBDA_TASK_ROOT=str(tmp_path))
    r = _run(node_arm64, tmp_path, "--max-old-space-size=256", str(bootstrap), env=env)
    assert r.returncode != 0
    assert "AWS_LAMBDA_RUNTIME_API is not set" in r.stderr, r.stderr


def test_sharp_arm64_loads_and_resizes_under_qemu(node_arm64, image_function, tmp_path):
    """sharp's linux-arm64 build from the OpenNext bundle loads under the arm64 command and resizes a PNG, where
    the machine's own (x86_64) Node.js cannot load it: what nextstack-edge needs to run the image optimizer."""
    source = tmp_path / "in.png"
    source.write_bytes(_png())  # 2x1
    resized = tmp_path / "out.png"
    r = _run(node_arm64, image_function, "-e", SHARP_SCRIPT, str(source), str(resized))
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    print("sharp under qemu-user:", report)
    assert report["arch"] == "arm64" and report["sharp"] and report["vips"]
    out = resized.read_bytes()
    assert out[:8] == b"\x89PNG\r\n\x1a\n" and out[12:16] == b"IHDR"
    assert struct.unpack(">II", out[16:24]) == (64, 32)

    host = _run(["node"], image_function, "-e", "require(process.cwd() + '/node_modules/sharp')",
                env=dict(EDGE_LIKE_ENV, PATH=os.environ["PATH"]))
    assert host.returncode != 0
    assert 'Could not load the "sharp" module using the linux-x64 runtime' in host.stderr, host.stderr
