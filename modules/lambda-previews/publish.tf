# What other stacks and CI need, under /nextstack/<environment>/lambda-previews/ (names from ssm-names): CI reads
# `current_deployment` to number the next one.

resource "nextstack_ssm_parameters" "published" {
  path_prefix = module.ssm_names.stack_prefixes["lambda-previews"]

  values = {
    function_name      = aws_lambda_function.server.function_name
    function_arn       = aws_lambda_function.server.arn
    current_deployment = tostring(local.current)
    current_version    = aws_lambda_function.server.version
    current_url        = "https://${var.current_host ? local.current_host : local.host_of[tostring(local.current)]}"
    alb_arn            = aws_lb.this.arn
    alb_dns_name       = aws_lb.this.dns_name
    https_listener_arn = aws_lb_listener.https.arn
    certificate_arn    = nextstack_acm_certificate.wildcard.arn
  }

  tags = local.tags
}
