output "function_name" {
  description = "Name of the migration function (a pipeline can invoke it: `aws lambda invoke --function-name <name> out.json`)."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the migration function."
  value       = aws_lambda_function.this.arn
}

output "role_name" {
  description = "IAM role of the function (RunTask of one family, DescribeTasks, PassRole of the task's roles)."
  value       = aws_iam_role.this.name
}

output "last_result" {
  description = "What the last invocation from Terraform returned (`{task_arn, exit_code}`); null with run_on_deploy = false."
  value       = one(aws_lambda_invocation.this[*].result)
}
