"""Checks of the access logging the layouts' modules turn on, read back through boto3 (shared by the layouts'
tests): the log bucket modules/log-bucket makes, CloudFront standard logging v2 through CloudWatch Logs
delivery, ALB access logs, S3 server access logs."""

from __future__ import annotations

import json


def log_bucket_grants(s3, bucket: str, retention_days: int = 90) -> list:
    """A log bucket as modules/log-bucket makes it (private, SSE-S3, objects expiring after `retention_days`,
    TLS only); returns its Allow statements (who may deliver logs)."""
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values()), bucket
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", sse
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Status"] == "Enabled" and rule["Expiration"]["Days"] == retention_days, rule
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    denies = [st for st in statements if st["Effect"] == "Deny"]
    assert [(d["Action"], d["Condition"]) for d in denies] == [("s3:*", {"Bool": {"aws:SecureTransport": "false"}})], denies
    return [st for st in statements if st["Effect"] == "Allow"]


def check_cloudfront_logging(aws, distribution_arn: str) -> str:
    """The distribution's standard logging v2: one delivery from a delivery source for exactly this distribution
    (ACCESS_LOGS) to a log bucket that only CloudWatch Logs delivery may write to, for this account's delivery
    sources in us-east-1. Returns the bucket's name."""
    logs = aws.client("logs", "us-east-1")
    account = aws.client("sts", "us-east-1").get_caller_identity()["Account"]
    sources = [s for s in logs.describe_delivery_sources()["deliverySources"] if s["resourceArns"] == [distribution_arn]]
    assert [s["logType"] for s in sources] == ["ACCESS_LOGS"], sources
    (delivery,) = [d for d in logs.describe_deliveries()["deliveries"] if d["deliverySourceName"] == sources[0]["name"]]
    destination = logs.get_delivery_destination(name=delivery["deliveryDestinationArn"].rsplit(":", 1)[-1])["deliveryDestination"]
    bucket = destination["deliveryDestinationConfiguration"]["destinationResourceArn"].split(":::", 1)[1]
    (grant,) = log_bucket_grants(aws.client("s3", "us-east-1"), bucket)
    assert grant["Principal"] == {"Service": "delivery.logs.amazonaws.com"} and grant["Action"] == "s3:PutObject", grant
    assert grant["Resource"] == "arn:aws:s3:::%s/AWSLogs/%s/*" % (bucket, account), grant
    assert grant["Condition"] == {
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:%s:delivery-source:*" % account},
    }, grant
    return bucket


def check_alb_logging(aws, region: str, load_balancer_arn: str) -> str:
    """The ALB's access logs: on, under the prefix `alb`, to a log bucket that only the region's Elastic Load
    Balancing account may write to, under alb/AWSLogs/<account>/. Returns the bucket's name."""
    elb = aws.client("elbv2", region)
    attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=load_balancer_arn)["Attributes"]}
    assert attrs["access_logs.s3.enabled"] == "true" and attrs["access_logs.s3.prefix"] == "alb", attrs
    bucket = attrs["access_logs.s3.bucket"]
    account = aws.client("sts", region).get_caller_identity()["Account"]
    (grant,) = log_bucket_grants(aws.client("s3", region), bucket)
    assert grant["Action"] == "s3:PutObject" and grant["Resource"] == "arn:aws:s3:::%s/alb/AWSLogs/%s/*" % (bucket, account), grant
    assert set(grant["Principal"]) == {"AWS"} and ":root" in str(grant["Principal"]["AWS"]), grant
    return bucket


def check_s3_access_logging(aws, region: str, bucket: str, prefix: str) -> str:
    """The bucket's S3 server access logs: on, under `prefix`, to another bucket, a log bucket as
    modules/log-bucket makes it (which does not log itself) where only the S3 logging service may write, each
    statement for one source bucket of this account and its own prefix ("Enabling Amazon S3 server access
    logging", Amazon S3 User Guide). Returns the log bucket's name."""
    s3 = aws.client("s3", region)
    enabled = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled")
    assert enabled and enabled["TargetPrefix"] == prefix and enabled["TargetBucket"] != bucket, (bucket, enabled)
    target = enabled["TargetBucket"]
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=target), target
    account = aws.client("sts", region).get_caller_identity()["Account"]
    grants = log_bucket_grants(s3, target)
    assert all(g["Principal"] == {"Service": "logging.s3.amazonaws.com"} and g["Action"] == "s3:PutObject" for g in grants), grants
    (grant,) = [g for g in grants if g["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:s3:::%s" % bucket]
    assert grant["Resource"] == "arn:aws:s3:::%s/%s*" % (target, prefix), grant
    assert grant["Condition"] == {
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::%s" % bucket},
    }, grant
    return target
