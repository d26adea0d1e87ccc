output "address" {
  description = "Host name of the instance (resolves to its private address inside the VPC)."
  value       = aws_db_instance.this.address
}

output "endpoint" {
  description = "`<address>:<port>` of the instance."
  value       = aws_db_instance.this.endpoint
}

output "port" {
  description = "Port of the instance (5432)."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Name of the application's database."
  value       = aws_db_instance.this.db_name
}

output "master_username" {
  description = "Master user name (also the `username` key of the master user secret)."
  value       = aws_db_instance.this.username
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS manages for the master user: JSON with `username` and `password` (inject with `valueFrom = \"<arn>:password::\"`)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the instance (admits 5432 from `allowed_security_group_ids` only)."
  value       = aws_security_group.this.id
}

output "instance_identifier" {
  description = "RDS instance identifier."
  value       = aws_db_instance.this.identifier
}

output "instance_arn" {
  description = "ARN of the instance."
  value       = aws_db_instance.this.arn
}

output "subnet_group_name" {
  description = "Name of the DB subnet group."
  value       = aws_db_subnet_group.this.name
}

output "log_group_names" {
  description = "CloudWatch log groups of the exported PostgreSQL logs, by log type (`log_exports`)."
  value       = { for k, g in aws_cloudwatch_log_group.this : k => g.name }
}
