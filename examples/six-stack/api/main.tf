# The API stack: API Gateway REST API with the seed's three functions, their DLQs, alarms and a
# REGIONAL WAF (modules/api). The functions' code is in functions/ (zipped by tools/function_zips.py).

provider "aws" {
  region = var.region
}

provider "nextstack" {
  region = var.region
}

module "api" {
  source = "../../../modules/api"

  environment        = var.environment
  alarm_email        = var.alarm_email
  cors_allow_origins = var.cors_allow_origins
  # The contact form's mail through SES (null, the default: none).
  contact_notification = var.contact_notification

  # The alarm topic's customer-managed key (CloudWatch may use it): the shortest wait before it is deleted, as
  # run.sh destroys what it builds.
  alarm_key_deletion_window_in_days = 7

  functions = {
    articles = {
      filename = "${path.module}/functions/articles.zip"
      path     = "articles"
    }
    contact = {
      filename             = "${path.module}/functions/contact.zip"
      path                 = "contact"
      methods              = ["POST"]
      table_access         = "write"
      reserved_concurrency = 2
    }
    portfolio = {
      filename = "${path.module}/functions/portfolio.zip"
      path     = "portfolio"
    }
  }
}
