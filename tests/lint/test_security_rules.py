"""nextstack-lint's issue-17 rules through the real CLI on the shipped six-stack layout (modules/ and
examples/six-stack/): the plain-HTTP origin is an explicit opt-in (origin_protocol = "http") that
cloudfront-origin-over-http reports; the default (a CloudFront VPC origin over HTTPS) is not reported.
"""

import json
import subprocess

from nextstack_lab import harness, six_stack

RULE = "cloudfront-origin-over-http"


def lint(*args):
    proc = subprocess.run(
        [str(six_stack.lint_binary()), "--format", "json", *args],
        cwd=harness.REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.returncode in (0, 1), "nextstack-lint exited %d:\n%s" % (proc.returncode, proc.stderr)
    return json.loads(proc.stdout)["findings"]


def test_the_http_origin_opt_in_of_the_six_stack_layout_is_reported_and_the_default_is_not(tmp_path):
    default = [f for f in lint("examples/six-stack") if f["rule"] == RULE]
    assert default == [], json.dumps(default, indent=1)

    # Both stacks that take origin_protocol get "http": the networking stack publishes the header's
    # name through SSM, and the edge stack sends it with the secret to the ALB.
    opt_in = tmp_path / "http.tfvars"
    opt_in.write_text('origin_protocol = "http"\n')
    found = [f for f in lint("--var-file", str(opt_in), "examples/six-stack") if f["rule"] == RULE]
    assert [(f["file"], f["severity"]) for f in found] == [("modules/edge/main.tf", "error")], json.dumps(found, indent=1)
    assert "sends the secret header `X-CloudFront-Origin` over plain HTTP" in found[0]["message"], found[0]["message"]
