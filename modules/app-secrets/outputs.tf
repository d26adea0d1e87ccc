output "arns" {
  description = "Name => ARN of its secret. Put the values outside Terraform."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "secret_names" {
  description = "Name => the secret's full name in Secrets Manager (`<prefix>-<environment>/<NAME>`)."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}
