"""Protocol features beyond resources: provider functions, debug mode (TF_REATTACH_PROVIDERS)."""

import os
import subprocess
import time

PROVIDERS = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}
provider "nextstack" {
  region = "eu-west-1"
}
"""


def test_provider_function_parse_arn(terraform_latest):
    tf = terraform_latest(aws=False)
    tf.write(
        PROVIDERS
        + """
output "parts" { value = provider::nextstack::parse_arn("arn:aws:iam::111111111111:role/dns") }
"""
    )
    tf.apply_ok()
    assert tf.outputs()["parts"] == {
        "partition": "aws",
        "service": "iam",
        "region": "",
        "account_id": "111111111111",
        "resource": "role/dns",
    }


def test_provider_function_error_names_the_argument(terraform_latest):
    tf = terraform_latest(aws=False)
    tf.write(PROVIDERS + 'output "x" { value = provider::nextstack::parse_arn("role/dns") }\n')
    tf.init_ok()
    tf.plan_fails(contains='"role/dns" is not an ARN')


def test_debug_mode_serves_terraform_through_reattach(terraform, aws, provider_binary):
    aws.client("ssm", "eu-west-1").put_parameter(Name="/debug/x", Value="reattached", Type="String")
    env = dict(os.environ, AWS_ENDPOINT_URL=aws.endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="eu-west-1")
    env.pop("TF_PLUGIN_MAGIC_COOKIE", None)
    proc = subprocess.Popen([str(provider_binary), "--debug"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        reattach = None
        deadline = time.time() + 30
        while time.time() < deadline and reattach is None:
            line = proc.stdout.readline()
            if "TF_REATTACH_PROVIDERS=" in line:
                reattach = line.split("TF_REATTACH_PROVIDERS=", 1)[1].strip().strip("'")
        assert reattach, "the provider printed no TF_REATTACH_PROVIDERS value"
        tf = terraform(env={"TF_REATTACH_PROVIDERS": reattach})
        tf.write(PROVIDERS + 'data "nextstack_ssm_parameters" "x" {\n  names = ["/debug/x"]\n}\noutput "v" { value = data.nextstack_ssm_parameters.x.values }\n')
        tf.apply_ok()
        assert tf.outputs()["v"] == {"/debug/x": "reattached"}
        assert proc.poll() is None, "a reattached provider outlives Terraform's run"
    finally:
        proc.terminate()
        proc.wait(10)
