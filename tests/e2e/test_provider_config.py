"""The provider block's AWS settings (`region`, `profile`, `assume_role`) through real Terraform and moto.

moto decides the account from the access key: keys returned by sts:AssumeRole into account N act in N. So a
parameter landing in the expected account and region proves which credentials and region the provider used.
"""

PROVIDERS = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}
"""

PUBLISH = """
resource "nextstack_ssm_parameters" "p" {
  path_prefix = "/config/"
  values      = { where = "here" }
}
"""


def names(aws, region, account=None):
    ssm = aws.client("ssm", region, account=account)
    return sorted(p["Name"] for p in ssm.get_parameters_by_path(Path="/config/", Recursive=True)["Parameters"])


def write_profiles(tf, aws, account, region):
    """AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE with a profile `staging` acting in `account`."""
    creds = aws.credentials(account)
    config = tf.write("[profile staging]\nregion = %s\n" % region, name="aws/config")
    credentials = tf.write(
        "[staging]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n"
        % (creds["aws_access_key_id"], creds["aws_secret_access_key"], creds["aws_session_token"]),
        name="aws/credentials",
    )
    tf.env.update({"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)})


def test_profile_in_the_provider_block_wins_over_environment_credentials(terraform, aws):
    tf = terraform()
    write_profiles(tf, aws, "222222222222", "ap-southeast-2")
    # The environment still holds other credentials (moto's default account) and AWS_REGION=eu-west-1, as a
    # CI runner would: a profile named in the configuration must win, like the AWS provider's since v4.
    assert tf.env["AWS_ACCESS_KEY_ID"] and tf.env["AWS_REGION"] == "eu-west-1"
    tf.write(PROVIDERS + 'provider "nextstack" {\n  profile = "staging"\n}\n' + PUBLISH)
    tf.apply_ok()
    assert names(aws, "ap-southeast-2", account="222222222222") == ["/config/where"], "profile's account and region"
    assert names(aws, "eu-west-1") == [] and names(aws, "ap-southeast-2") == [], "nothing in the environment's account"
    assert tf.resource("nextstack_ssm_parameters.p")["region"] == "ap-southeast-2"
    tf.assert_no_changes()
    tf.destroy_ok()
    assert names(aws, "ap-southeast-2", account="222222222222") == []


def test_region_in_the_provider_block_wins_over_the_profiles(terraform, aws):
    tf = terraform()
    write_profiles(tf, aws, "222222222222", "ap-southeast-2")
    tf.write(PROVIDERS + 'provider "nextstack" {\n  profile = "staging"\n  region  = "ca-central-1"\n}\n' + PUBLISH)
    tf.apply_ok()
    assert names(aws, "ca-central-1", account="222222222222") == ["/config/where"]
    tf.destroy_ok()


def test_unknown_profile_is_a_clear_error_naming_it(terraform, aws):
    tf = terraform()
    write_profiles(tf, aws, "222222222222", "ap-southeast-2")
    tf.write(PROVIDERS + 'provider "nextstack" {\n  profile = "no-such-profile"\n  region  = "eu-west-1"\n}\n' + PUBLISH)
    tf.init_ok()
    result = tf.apply_fails(contains="No usable AWS credentials")
    assert "no-such-profile" in result.stderr, result.stderr
    assert "nextstack_ssm_parameters.p" not in tf.resources(), result.stdout
    assert names(aws, "eu-west-1") == []


def test_assume_role_in_the_provider_block_and_a_role_per_resource_chain(terraform, aws_faults, aws):
    tf = terraform(env={"AWS_ENDPOINT_URL": aws_faults.url})  # through the proxy, to see who assumes what
    tf.write(
        PROVIDERS
        + """
provider "nextstack" {
  region = "eu-west-1"
  assume_role {
    role_arn     = "arn:aws:iam::333333333333:role/terraform"
    session_name = "ci-run"
  }
}

resource "nextstack_ssm_parameters" "p" {
  path_prefix = "/config/"
  values      = { where = "provider role" }
}

# The resource's role is assumed with the provider role's credentials.
resource "nextstack_ssm_parameters" "q" {
  role_arn    = "arn:aws:iam::444444444444:role/publisher"
  path_prefix = "/config/"
  values      = { chained = "resource role" }
}
"""
    )
    tf.apply_ok()
    assert names(aws, "eu-west-1", account="333333333333") == ["/config/where"]
    assert names(aws, "eu-west-1", account="444444444444") == ["/config/chained"]
    assert names(aws, "eu-west-1") == [], "nothing in the base credentials' account"
    # moto lets anyone assume anything: the signatures show the chain. The provider's role is assumed with
    # the environment's keys, the resource's role with the provider role's session keys.
    assumed = aws_faults.requests("sts.AssumeRole")
    by_base = [body for key_id, body in assumed if key_id == "test"]
    by_session = [body for key_id, body in assumed if key_id != "test"]
    assert by_base and all("role%2Fterraform" in body for body in by_base), assumed
    assert by_session and all("role%2Fpublisher" in body for body in by_session), assumed
    tf.assert_no_changes()
    tf.destroy_ok()
    assert names(aws, "eu-west-1", account="333333333333") == []
    assert names(aws, "eu-west-1", account="444444444444") == []


def test_a_malformed_assume_role_is_refused_at_plan_naming_the_attribute(terraform, aws):
    """The provider block's own attributes are validated like a resource's: a role ARN or session name that STS
    would refuse fails the plan at `assume_role`, before any AWS call and with nothing created."""
    tf = terraform()
    for setting, summary, detail in (
        ('role_arn = "arn:aws:iam::123:user/ci"', "Invalid role ARN", '"arn:aws:iam::123:user/ci" is not an IAM role ARN'),
        ('role_arn = "arn:aws:iam::222222222222:role/deploy"\n    session_name = "has space"', "Invalid session name",
         '"has space" is not an STS session name'),
    ):
        tf.write(PROVIDERS + 'provider "nextstack" {\n  region = "eu-west-1"\n  assume_role {\n    %s\n  }\n}\n'
                 % setting + PUBLISH)
        result = tf.plan_fails(contains=summary)
        assert detail in result.stderr, result.stderr
        assert 'provider "nextstack"' in result.stderr, result.stderr  # Terraform points at the provider block
    assert names(aws, "eu-west-1") == []
