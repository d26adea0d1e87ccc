output "invoke_url" {
  description = "Base URL of the stage (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`)."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "rest_api_id" {
  description = "Id of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "function_names" {
  description = "Function key => Lambda function name."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "dead_letter_queue_urls" {
  description = "Function key => URL of its dead-letter queue."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.url }
}

output "alarm_topic_arn" {
  description = "SNS topic of the functions' Errors alarms."
  value       = aws_sns_topic.alarms.arn
}

output "web_acl_arn" {
  description = "ARN of the REGIONAL WAF web ACL on the stage."
  value       = module.waf.arn
}

output "ssm_parameter_names" {
  description = "Full names of the SSM parameters this stack publishes."
  value       = nextstack_ssm_parameters.published.names
}

output "alarm_topic_kms_key_arn" {
  description = "KMS key of the alarm topic (the module's own, the given one, or `null` with `alarm_topic_encryption = \"none\"`)."
  value       = local.alarm_topic_key
}
