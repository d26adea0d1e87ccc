"""examples/six-stack/run.sh --serve, the README's main command, run as a user runs it (in its own file so that pytest's
--dist loadfile can run it beside test_six_stack.py's two applies rather than after them).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import urllib.request

import pytest

from nextstack_lab import harness, nextjs_builds, six_stack


def test_run_sh_builds_shows_serves_and_destroys_the_six_stacks(provider_binary, tmp_path):
    """examples/six-stack/run.sh --serve as a user runs it, the README's main command: its own moto, DNS account and
    scratch copy; the order from nextstack-lint (application after edge: it publishes the standalone build's static
    files); outputs shown; an empty second plan; the site served through nextstack-edge, whose page and one of its
    /_next/static scripts this test fetches through the printed serving line; SIGTERM; nothing left after destroy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_VAR_", "NEXTSTACK_REAL_AWS"))}
    env.update({"NEXTSTACK_PROVIDER_BINARY": str(provider_binary), "TMPDIR": str(tmp_path)})
    env.pop("KEEP_SCRATCH", None)
    env.pop("NEXTSTACK_APP_DIR", None)
    run_sh = harness.REPO_ROOT / "examples" / "six-stack" / "run.sh"
    proc = subprocess.Popen(["bash", str(run_sh), "--serve"], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=harness._die_with_parent)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: [lines.append(l) for l in proc.stdout], daemon=True)
    reader.start()
    output = lambda: "".join(lines)  # noqa: E731
    deadline = time.monotonic() + 1500
    waiting = re.compile(r"^==> serving (http://127\.0\.0\.1:\d+) until Ctrl-C", re.M)
    while not waiting.search(output()) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(1)
    found = waiting.search(output())
    if not found:
        proc.kill()
        proc.wait()
        reader.join(10)
        pytest.fail("run.sh --serve did not reach serving:\n" + harness._tail(output(), 200), pytrace=False)
    site = found.group(1)
    try:
        assert re.search(r"^nextstack-edge: serving %s \(\S+\)$" % re.escape(site), output(), re.M), output()
        assert re.search(r"^endpoint: http://127\.0\.0\.1:\d+$", output(), re.M), "the emulator's endpoint line"
        assert re.search(r"^home page: 200 text/html", output(), re.M), harness._tail(output(), 80)
        with urllib.request.urlopen(site + "/", timeout=60) as resp:
            html = resp.read().decode()
        assert "nextstack test app" in html, html[:2000]
        script = re.search(r'src="(/_next/static/[^"]+\.js)"', html).group(1)
        with urllib.request.urlopen(site + script, timeout=60) as resp:
            assert resp.status == 200 and "javascript" in resp.headers["content-type"], dict(resp.headers)
            assert resp.read(), script
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(900)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(10)
    out = output()
    assert proc.returncode == 0, harness._tail(out, 200)
    var_file = tmp_path / "graph.tfvars"
    var_file.write_text('static_build_dir = "%s"\n' % nextjs_builds.standalone_build("six-stack"))
    stages = six_stack.deploy_stages(harness.REPO_ROOT / "examples" / "six-stack", var_files=[var_file])
    names = [" ".join(d.name for d in stage) for stage in stages]
    assert names.index("edge") < next(i for i, n in enumerate(names) if "application" in n.split()), names
    steps = ["==> apply: %s" % s for s in names] + ["==> plan: %s" % s for s in names]
    steps += ["==> serving the site with nextstack-edge"] + ["==> destroy: %s" % s for s in reversed(names)]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions), "stages ran out of order:\n" + harness._tail(out, 200)
    shown = out[out.index("==> what was built"):out.index("==> plan: ")]
    for line in ['--- edge', 'site_urls = [', '"https://www.example.test/"', "distribution_domain_name =",
                 '--- data', 'ecr_repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nextjs-dev"']:
        assert line in shown, (line, shown)
    assert "second plan: no changes in any stack" in out
    assert "stopping: destroying the stacks" in out and "nextstack-edge stopped" in out, harness._tail(out, 80)
    assert "nothing left: every service in eu-west-1, us-east-1 is empty" in out
    assert list(tmp_path.glob("nextstack-six-stack.*")) == [], "run.sh left its scratch directory behind"
    example = harness.REPO_ROOT / "examples" / "six-stack"
    assert list(example.rglob("terraform.tfstate*")) == [], "run.sh wrote state into the repository"
