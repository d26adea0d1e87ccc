# Requests with a body (Server Actions, POST/PUT/PATCH/DELETE route handlers) reach the function URLs only with
# the body's SHA-256 in x-amz-content-sha256: origin access control signs with it and Lambda refuses an
# unsigned payload. A Lambda@Edge origin-request function adds it (functions/sign-body), so the function URLs
# keep AWS_IAM auth and answer nobody but this distribution.
#
# Why not the alternative (function URLs with NONE auth behind a secret origin header): the URLs would be
# public, reachable around the WAF by anyone who learns them, and the secret would sit in the distribution's
# configuration and in state. The price here: one Lambda@Edge invocation per origin request on the server
# behaviours (cache misses only), request bodies limited to 1 MB (413 above), and, on destroy, a function AWS
# deletes only once CloudFront has removed its replicas (a destroy right after the distribution's may need a
# second run, hours later).

data "aws_iam_policy_document" "assume_edge" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "sign_body" {
  name               = "${local.name_prefix}-sign-body-role"
  assume_role_policy = data.aws_iam_policy_document.assume_edge.json
  tags               = local.tags
}

# Lambda@Edge writes its logs in the region that ran it, to /aws/lambda/us-east-1.<function name>.
data "aws_iam_policy_document" "sign_body" {
  statement {
    sid       = "EdgeLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${data.aws_partition.current.partition}:logs:*:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/us-east-1.${local.name_prefix}-sign-body:*"]
  }
}

resource "aws_iam_role_policy" "sign_body" {
  name   = "edge-logs"
  role   = aws_iam_role.sign_body.id
  policy = data.aws_iam_policy_document.sign_body.json
}

# nextstack-lint:ignore lambda-dead-letter-queue -- Lambda@Edge functions cannot have a dead-letter queue (CloudFront invokes them synchronously)
# nextstack-lint:ignore lambda-reserved-concurrency -- Lambda@Edge functions cannot have reserved concurrency
# nextstack-lint:ignore lambda-log-retention -- Lambda@Edge logs go to /aws/lambda/us-east-1.NAME in whichever regions CloudFront runs it; Lambda creates those groups there
resource "aws_lambda_function" "sign_body" {
  #checkov:skip=CKV_AWS_115:Lambda@Edge origin-request function: CloudFront runs it on cache misses in its edge regions, and a concurrency cap would answer visitors with errors; the WAF's per-IP rate limit bounds the traffic in front of it
  #checkov:skip=CKV_AWS_116:CloudFront invokes Lambda@Edge synchronously and answers the viewer with the error; a dead-letter queue only receives failed asynchronous invocations, so it would never get a message
  #checkov:skip=CKV_AWS_117:Lambda@Edge cannot run in a VPC (Restrictions on Lambda@Edge, CloudFront Developer Guide); it only hashes the request body and sets one header
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and signed zips; the module's own zip (functions/sign-body, checked against its source by tools/function_zips.py) is uploaded by this Terraform run, and IAM on lambda:UpdateFunctionCode decides who else may change it
  #checkov:skip=CKV_AWS_50:It hashes a request body and sets one header in a few milliseconds; CloudFront runs it in edge regions, whose logs record each invocation's duration, and a trace would add nothing
  provider = aws.us_east_1 # Lambda@Edge functions live in us-east-1

  function_name    = "${local.name_prefix}-sign-body"
  description      = "Lambda@Edge origin request: x-amz-content-sha256 for bodies sent to ${local.name_prefix}'s function URLs"
  role             = aws_iam_role.sign_body.arn
  runtime          = var.lambda_runtime
  handler          = "index.handler"
  filename         = "${path.module}/functions/sign-body.zip"
  source_code_hash = filebase64sha256("${path.module}/functions/sign-body.zip")
  architectures    = ["x86_64"] # the only architecture Lambda@Edge runs
  memory_size      = 128
  timeout          = 5
  publish          = true # CloudFront associates a numbered version

  tags = local.tags

  depends_on = [aws_iam_role_policy.sign_body]
}
