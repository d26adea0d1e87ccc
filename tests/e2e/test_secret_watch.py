"""The harness's secret watch (harness.watch_secret): a value a test registers fails the test at the first
Terraform command whose output or state file holds it, and the failure names the secret, never its value.
The layouts' tests rely on it to show that no secret they set reaches a plan or a state file."""

import pytest

from nextstack_lab import harness


def test_a_watched_secret_in_the_state_fails_at_the_command_that_wrote_it(terraform_latest):
    tf = terraform_latest(provider=False, aws=False)
    value = harness.watch_secret("API token", "tok-" + "9f8e7d6c5b4a" * 2)
    tf.write('resource "terraform_data" "leak" {\n  input = "%s"\n}\n' % value)
    tf.init_ok()
    with pytest.raises(AssertionError) as failure:
        tf.apply_ok()
    message = str(failure.value)
    assert "API token in %s" % (tf.workdir / "terraform.tfstate") in message
    assert "API token in the stdout of `terraform apply" in message  # the plan printed it, not being sensitive
    assert value not in message


def test_a_sensitive_value_stays_out_of_the_output_but_not_out_of_the_state(terraform_latest):
    tf = terraform_latest(provider=False, aws=False)
    value = harness.watch_secret("DB password", "pw-" + "0a1b2c3d4e5f" * 2)
    tf.write('resource "terraform_data" "leak" {\n  input = sensitive("%s")\n}\n' % value)
    tf.init_ok()
    with pytest.raises(AssertionError) as failure:
        tf.apply_ok()
    message = str(failure.value)
    assert "DB password in %s" % (tf.workdir / "terraform.tfstate") in message
    assert "stdout" not in message, "sensitive() hides the value from the plan"
    assert value not in message


def test_nothing_watched_after_the_test_that_registered_it():
    assert harness.secrets_found_in("tok-" + "9f8e7d6c5b4a" * 2) == []
    with pytest.raises(harness.HarnessError, match="too short"):
        harness.watch_secret("pin", "1234")
