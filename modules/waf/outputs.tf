output "arn" {
  description = "ARN of the web ACL: a distribution's `web_acl_id`, or the `web_acl_arn` of an `aws_wafv2_web_acl_association`."
  value       = aws_wafv2_web_acl.this.arn
}

output "id" {
  description = "Id of the web ACL."
  value       = aws_wafv2_web_acl.this.id
}

output "name" {
  description = "Name of the web ACL."
  value       = aws_wafv2_web_acl.this.name
}

output "log_destination_arn" {
  description = "Where the web ACL's logs go; `null` with `logging = \"off\"`."
  value       = local.logging ? local.log_destination : null
}
