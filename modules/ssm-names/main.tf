# The one place that names what the stacks publish in SSM Parameter Store.
#
# Every stack module calls this module: the producer writes its values under `stack_prefixes[<stack>]`
# with the keys listed here, the consumers read `names[<stack>][<key>]`. A key renamed here is renamed for
# both sides at once, and nextstack-lint (ssm-unpublished-read) sees both sides after evaluation.

locals {
  prefix = "${trimsuffix(var.prefix, "/")}/${var.environment}"

  # stack => keys it publishes. Values are SSM `String` parameters unless listed in `secure`.
  catalog = {
    data = [
      "ecr_repository_name",
      "ecr_repository_arn",
      "ecr_repository_url",
      "dynamodb_table_name",
      "dynamodb_table_arn",
      "assets_bucket_name",
      "assets_bucket_arn",
      "assets_bucket_regional_domain_name",
    ]
    compute = [
      "cluster_name",
      "cluster_arn",
      "capacity_provider_name",
      "vpc_id",
      "subnet_ids", # comma-separated
      "instance_security_group_id",
    ]
    networking = [
      "alb_arn",
      "alb_dns_name",
      "alb_zone_id",
      "alb_security_group_id",
      "listener_arn",
      "target_group_arn",
      "container_port", # the target group's port: the tasks listen on it
      "origin_verify_header",
      "origin_verify_secret", # SecureString
    ]
    application = [
      "service_name",
      "task_definition_family",
      "task_security_group_id",
    ]
    api = [
      "rest_api_id",
      "stage_name",
      "invoke_domain",
      "web_acl_arn",
      "alarm_topic_arn",
    ]
    edge = [
      "distribution_id",
      "distribution_arn",
      "distribution_domain_name",
      "certificate_arn",
      "web_acl_arn",
    ]
    # The static-fargate-api layout (seed 003): modules/static-site and modules/fargate-service.
    "static-site" = [
      "bucket_name",
      "distribution_id",
      "distribution_arn",
      "distribution_domain_name",
      "site_url",
      "certificate_arn",
      "web_acl_arn",
    ]
    "fargate-service" = [
      "cluster_name",
      "service_name",
      "task_definition_family",
      "container_name",
      "repository_url",
      "service_url",
      "alb_dns_name",
      "alb_security_group_id",
      "task_security_group_id",
    ]
    # The lambda-django-rds layout (seed 002): modules/fargate-service with ssm_stack = "django" publishes
    # the same keys as "fargate-service", under a name of its own.
    django = [
      "cluster_name",
      "service_name",
      "task_definition_family",
      "container_name",
      "repository_url",
      "service_url",
      "alb_dns_name",
      "alb_security_group_id",
      "task_security_group_id",
    ]
    # The serverless layout (modules/nextjs-serverless, seed 004) in one stack.
    serverless = [
      "distribution_id",
      "distribution_arn",
      "distribution_domain_name",
      "assets_bucket_name",
      "cache_bucket_name",
      "revalidation_table_name",
      "revalidation_queue_url",
      "server_function_name",
      "build_id",
    ]
    # The lambda-previews layout (modules/lambda-previews, seed 001) in one stack.
    "lambda-previews" = [
      "function_name",
      "function_arn",
      "current_deployment", # the deployment_number last applied: CI numbers the next one from it
      "current_version",
      "current_url",
      "alb_arn",
      "alb_dns_name",
      "https_listener_arn",
      "certificate_arn",
    ]
  }

  secure = ["origin_verify_secret"]
}
