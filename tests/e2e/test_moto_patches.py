"""The moto patches that a local data plane (nextstack-edge) depends on, shown through boto3 against the harness's
patched moto server (nextstack_lab/moto_patches), and the other reads it makes, which moto 5.2.5 answers as AWS
does without a patch (so a moto upgrade that breaks one of them fails here, not in a browser test).

Patched: Lambda GetFunction's Code.Location (lambda_get_function_code_location), function URLs per alias
(lambda_function_url_qualifier), CloudFront LambdaFunctionAssociations, S3OriginConfig,
GetOriginAccessControlConfig, the LIVE stage of CloudFront Functions and cache policies (cloudfront_cache_policies,
also through Terraform 1.15.5 and the real hashicorp/aws provider), CloudFront VPC origins and an origin's
VpcOriginConfig, origin request and response headers policies (cloudfront_origin_request_policies,
cloudfront_response_headers_policies), the KeyManager of AWS managed KMS keys, a version deleted by id from a versioning-suspended S3
bucket, SQS SendMessage invoking no Lambda function (sqs_send_message_invokes_no_lambda) and FIFO messages back
from their visibility timeout in order (sqs_fifo_returned_messages_keep_their_order), ECR image digests of the
manifest (ecr_image_digest_of_the_manifest), UpdateService starting a deployment
(ecs_update_service_starts_a_deployment), alarm actions notifying SNS through the topic key's policy
(cloudwatch_alarm_actions_notify_sns). As-is: the rest of
GetDistributionConfig, invalidations, GetOriginAccessControl, ListFunctions, GetFunctionUrlConfig, GetPolicy,
ListEventSourceMappings, S3 GetBucketPolicy, SQS FIFO through the JSON protocol, DynamoDB Query on a GSI.

None of these need the nextstack provider to be built."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile

import pytest

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "111111111111"
# AWS managed policies: CachingOptimized, AllViewerExceptHostHeader, SecurityHeadersPolicy.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _zip(**files: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name.replace("_", "."), text)
    return buffer.getvalue()


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/zip"
        return response.read()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _function(aws, name, code, region="eu-west-1", account=None):
    role = aws.client("iam", region, account).create_role(RoleName="%s-role" % name, AssumeRolePolicyDocument=TRUST)
    return aws.client("lambda", region, account).create_function(
        FunctionName=name, Runtime="nodejs20.x", Role=role["Role"]["Arn"], Handler="index.handler", Code=code)


# --------------------------------------------------------------------------------------------- Lambda


def test_lambda_code_location_downloads_each_versions_zip(aws):
    """GetFunction's Code.Location is a URL on the moto server from which a plain GET downloads the zip of exactly
    the version asked for ($LATEST, a published version, an alias's version), in any account and region."""
    lam = aws.client("lambda")
    v1, v2 = _zip(index_js="exports.handler = async () => 'v1'"), _zip(index_js="exports.handler = async () => 'v2'")
    _function(aws, "site", {"ZipFile": v1})
    assert lam.publish_version(FunctionName="site")["Version"] == "1"
    lam.create_alias(FunctionName="site", Name="live", FunctionVersion="1")
    lam.update_function_code(FunctionName="site", ZipFile=v2)

    latest = lam.get_function(FunctionName="site")
    location = latest["Code"]["Location"]
    assert latest["Code"]["RepositoryType"] == "S3"
    assert location.startswith(aws.endpoint + "/_nextstack/lambda-code/%s/eu-west-1/site/%%24LATEST?CodeSha256=" % ACCOUNT)
    assert _download(location) == v2
    for qualifier in ("1", "live"):
        code = lam.get_function(FunctionName="site", Qualifier=qualifier)["Code"]
        assert code["Location"].startswith(aws.endpoint + "/_nextstack/lambda-code/%s/eu-west-1/site/1?" % ACCOUNT)
        assert _download(code["Location"]) == v1

    # The URL names one code revision: after another update it answers 404, never other code.
    lam.update_function_code(FunctionName="site", ZipFile=_zip(index_js="v3"))
    assert _status(location) == 404
    assert _status(aws.endpoint + "/_nextstack/lambda-code/%s/eu-west-1/nosuch/%%24LATEST" % ACCOUNT) == 404

    # Another account and region.
    v_other = _zip(index_js="other")
    _function(aws, "elsewhere", {"ZipFile": v_other}, region="us-east-1", account=OTHER_ACCOUNT)
    code = aws.client("lambda", "us-east-1", OTHER_ACCOUNT).get_function(FunctionName="elsewhere")["Code"]
    assert "/_nextstack/lambda-code/%s/us-east-1/elsewhere/" % OTHER_ACCOUNT in code["Location"]
    assert _download(code["Location"]) == v_other


def test_lambda_code_location_without_docker(aws):
    """With moto's `lambda.use_docker = false` (its Docker-less backend keeps the functions), the URL still serves the
    zip GetFunction names."""

    def config(value):
        request = urllib.request.Request(aws.endpoint + "/moto-api/config", data=json.dumps({"lambda": {"use_docker": value}}).encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=30).read()

    config(False)
    try:
        package = _zip(index_js="no docker")
        _function(aws, "simple", {"ZipFile": package})
        code = aws.client("lambda").get_function(FunctionName="simple")["Code"]
        assert _download(code["Location"]) == package
    finally:
        config(True)


def test_lambda_code_location_of_a_function_created_from_s3(aws):
    package = _zip(index_js="from s3", lib_js="more")
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="code", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="code", Key="builds/site.zip", Body=package)
    _function(aws, "from-s3", {"S3Bucket": "code", "S3Key": "builds/site.zip"})
    code = aws.client("lambda").get_function(FunctionName="from-s3")["Code"]
    assert "/_nextstack/lambda-code/%s/eu-west-1/from-s3/%%24LATEST?" % ACCOUNT in code["Location"]
    assert _download(code["Location"]) == package


def test_lambda_function_urls_per_alias(aws):
    """A function's own URL and an alias's URL are separate (AuthType, InvokeMode, FunctionArn), listed together,
    end with "/", and the alias's goes with the alias."""
    lam = aws.client("lambda")
    _function(aws, "site", {"ZipFile": _zip(index_js="x")})
    lam.publish_version(FunctionName="site")
    lam.create_alias(FunctionName="site", Name="live", FunctionVersion="1")
    own = lam.create_function_url_config(FunctionName="site", AuthType="AWS_IAM", InvokeMode="RESPONSE_STREAM")
    alias = lam.create_function_url_config(FunctionName="site", Qualifier="live", AuthType="NONE")

    assert own["FunctionUrl"].endswith(".lambda-url.eu-west-1.on.aws/") and own["FunctionUrl"].startswith("https://")
    assert alias["FunctionUrl"] != own["FunctionUrl"]
    got = lam.get_function_url_config(FunctionName="site")
    assert (got["FunctionUrl"], got["AuthType"], got["InvokeMode"]) == (own["FunctionUrl"], "AWS_IAM", "RESPONSE_STREAM")
    assert got["FunctionArn"] == "arn:aws:lambda:eu-west-1:%s:function:site" % ACCOUNT
    got = lam.get_function_url_config(FunctionName="site", Qualifier="live")
    assert (got["FunctionUrl"], got["AuthType"], got["InvokeMode"]) == (alias["FunctionUrl"], "NONE", "BUFFERED")
    assert got["FunctionArn"] == "arn:aws:lambda:eu-west-1:%s:function:site:live" % ACCOUNT

    lam.update_function_url_config(FunctionName="site", Qualifier="live", InvokeMode="RESPONSE_STREAM")
    lam.update_function_url_config(FunctionName="site", InvokeMode="BUFFERED")
    listed = {u["FunctionArn"].rsplit(":", 1)[-1]: u for u in lam.list_function_url_configs(FunctionName="site")["FunctionUrlConfigs"]}
    assert listed["site"]["InvokeMode"] == "BUFFERED" and listed["live"]["InvokeMode"] == "RESPONSE_STREAM"
    assert {listed["site"]["FunctionUrl"], listed["live"]["FunctionUrl"]} == {own["FunctionUrl"], alias["FunctionUrl"]}

    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function_url_config(FunctionName="site", Qualifier="live", AuthType="NONE")
    lam.delete_alias(FunctionName="site", Name="live")
    assert [u["FunctionArn"] for u in lam.list_function_url_configs(FunctionName="site")["FunctionUrlConfigs"]] == [
        "arn:aws:lambda:eu-west-1:%s:function:site" % ACCOUNT]


def test_lambda_reads_that_work_as_is(aws):
    """ListFunctions, GetPolicy (CloudFront's principal, its AWS:SourceArn condition, FunctionUrlAuthType) and
    ListEventSourceMappings (an SQS FIFO queue)."""
    lam = aws.client("lambda")
    _function(aws, "server", {"ZipFile": _zip(index_js="x")})
    _function(aws, "revalidate", {"ZipFile": _zip(index_js="y")})
    lam.publish_version(FunctionName="server")
    listed = {(f["FunctionName"], f["Version"]) for f in lam.list_functions(FunctionVersion="ALL")["Functions"]}
    assert listed == {("server", "$LATEST"), ("server", "1"), ("revalidate", "$LATEST")}

    distribution = "arn:aws:cloudfront::%s:distribution/E2EXAMPLE" % ACCOUNT
    lam.add_permission(FunctionName="server", StatementId="cloudfront", Action="lambda:InvokeFunctionUrl",
                       Principal="cloudfront.amazonaws.com", SourceArn=distribution, FunctionUrlAuthType="AWS_IAM")
    (statement,) = json.loads(lam.get_policy(FunctionName="server")["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunctionUrl" and statement["Effect"] == "Allow"
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": distribution}}
    assert statement["FunctionUrlAuthType"] == "AWS_IAM"

    sqs = aws.client("sqs")
    queue = sqs.create_queue(QueueName="revalidation.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="revalidate", BatchSize=5)
    (mapping,) = lam.list_event_source_mappings(FunctionName="revalidate")["EventSourceMappings"]
    assert mapping["EventSourceArn"] == queue_arn and mapping["BatchSize"] == 5 and mapping["State"] == "Enabled"
    assert mapping["FunctionArn"] == "arn:aws:lambda:eu-west-1:%s:function:revalidate" % ACCOUNT
    assert len(lam.list_event_source_mappings(EventSourceArn=queue_arn)["EventSourceMappings"]) == 1


# --------------------------------------------------------------------------------------------- CloudFront


def _behaviour(target, function_arn, **extra):
    behaviour = {
        "TargetOriginId": target,
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": {"Quantity": 7, "Items": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                           "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
        "Compress": True,
        "CachePolicyId": CACHING_OPTIMIZED,
        "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
        "ResponseHeadersPolicyId": SECURITY_HEADERS,
        "FunctionAssociations": {"Quantity": 1, "Items": [{"FunctionARN": function_arn, "EventType": "viewer-request"}]},
        "LambdaFunctionAssociations": {"Quantity": 0},
    }
    behaviour.update(extra)
    return behaviour


def test_cloudfront_distribution_config_round_trips(aws):
    """GetDistributionConfig returns what the edge routes by, as it was given: origins (OAC, OriginPath,
    CustomHeaders, S3OriginConfig, CustomOriginConfig), behaviours (policies, function and Lambda@Edge
    associations, methods, viewer protocol), custom error responses, the default root object."""
    cf = aws.client("cloudfront", "us-east-1")
    oac = cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": "assets", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]
    url_oac = cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": "server", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "lambda"})["OriginAccessControl"]["Id"]
    etag = cf.create_function(Name="host-header", FunctionConfig={"Comment": "", "Runtime": "cloudfront-js-2.0"},
                              FunctionCode=b"function handler(event) { return event.request; }")["ETag"]
    function_arn = cf.publish_function(Name="host-header", IfMatch=etag)["FunctionSummary"]["FunctionMetadata"]["FunctionARN"]
    edge_lambda = "arn:aws:lambda:us-east-1:%s:function:edge:3" % ACCOUNT
    origins = [
        {"Id": "assets", "DomainName": "site-assets.s3.eu-west-1.amazonaws.com", "OriginPath": "/_assets",
         "OriginAccessControlId": oac, "S3OriginConfig": {"OriginAccessIdentity": ""},
         "CustomHeaders": {"Quantity": 0, "Items": []}},
        {"Id": "server", "DomainName": "abcdef.lambda-url.eu-west-1.on.aws", "OriginPath": "",
         "OriginAccessControlId": url_oac,
         "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": "x-origin-verify", "HeaderValue": "secret"}]},
         "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
                                "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                                "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5}},
    ]
    default = _behaviour("server", function_arn, LambdaFunctionAssociations={"Quantity": 1, "Items": [
        {"LambdaFunctionARN": edge_lambda, "EventType": "origin-request", "IncludeBody": True}]})
    static = _behaviour("assets", function_arn, PathPattern="_next/static/*", ViewerProtocolPolicy="https-only",
                        AllowedMethods={"Quantity": 2, "Items": ["GET", "HEAD"],
                                        "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
                        LambdaFunctionAssociations={"Quantity": 1, "Items": [
                            {"LambdaFunctionARN": edge_lambda, "EventType": "viewer-response"}]})
    errors = [{"ErrorCode": 404, "ResponsePagePath": "/404.html", "ResponseCode": "404", "ErrorCachingMinTTL": 10}]
    distribution = cf.create_distribution(DistributionConfig={
        "CallerReference": "edge", "Comment": "", "Enabled": True, "DefaultRootObject": "index.html",
        "Origins": {"Quantity": len(origins), "Items": origins},
        "DefaultCacheBehavior": default,
        "CacheBehaviors": {"Quantity": 1, "Items": [static]},
        "CustomErrorResponses": {"Quantity": 1, "Items": errors},
    })["Distribution"]

    config = cf.get_distribution_config(Id=distribution["Id"])["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["CustomErrorResponses"] == {"Quantity": 1, "Items": errors}
    got = {o["Id"]: o for o in config["Origins"]["Items"]}
    for origin in origins:
        assert {k: got[origin["Id"]].get(k) for k in origin} == origin
    assert "CustomOriginConfig" not in got["assets"] and "S3OriginConfig" not in got["server"]
    (got_static,) = config["CacheBehaviors"]["Items"]
    for sent, back in ((default, config["DefaultCacheBehavior"]), (static, got_static)):
        assert {k: back.get(k) for k in sent} == dict(sent, LambdaFunctionAssociations={
            "Quantity": 1, "Items": [dict({"IncludeBody": False}, **sent["LambdaFunctionAssociations"]["Items"][0])]})
        assert "ForwardedValues" not in back

    # The same through GetDistribution.
    assert cf.get_distribution(Id=distribution["Id"])["Distribution"]["DistributionConfig"]["Origins"] == config["Origins"]


def test_cloudfront_function_stages(aws):
    """DescribeFunction / GetFunction answer the stage asked for: LIVE is what was published, DEVELOPMENT what was
    written last; LIVE of a never-published function does not exist."""
    cf = aws.client("cloudfront", "us-east-1")
    v1, v2 = b"function handler(event) { return event.request; } // v1", b"function handler(e) { return e.request; } // v2"
    etag = cf.create_function(Name="rewrite", FunctionConfig={"Comment": "one", "Runtime": "cloudfront-js-2.0"},
                              FunctionCode=v1)["ETag"]
    with pytest.raises(cf.exceptions.NoSuchFunctionExists):
        cf.get_function(Name="rewrite", Stage="LIVE")
    with pytest.raises(cf.exceptions.NoSuchFunctionExists):
        cf.describe_function(Name="rewrite", Stage="LIVE")
    cf.publish_function(Name="rewrite", IfMatch=etag)
    live = cf.describe_function(Name="rewrite", Stage="LIVE")
    assert cf.get_function(Name="rewrite", Stage="LIVE")["FunctionCode"].read() == v1
    assert live["FunctionSummary"]["FunctionMetadata"]["Stage"] == "LIVE"
    assert live["FunctionSummary"]["FunctionConfig"] == {"Comment": "one", "Runtime": "cloudfront-js-2.0"}

    etag = cf.describe_function(Name="rewrite")["ETag"]
    cf.update_function(Name="rewrite", IfMatch=etag, FunctionConfig={"Comment": "two", "Runtime": "cloudfront-js-2.0"},
                       FunctionCode=v2)
    # Not published yet: LIVE is still v1.
    assert cf.get_function(Name="rewrite", Stage="LIVE")["FunctionCode"].read() == v1
    assert cf.describe_function(Name="rewrite", Stage="LIVE")["FunctionSummary"]["FunctionConfig"]["Comment"] == "one"
    development = cf.describe_function(Name="rewrite", Stage="DEVELOPMENT")
    assert development["FunctionSummary"]["FunctionMetadata"]["Stage"] == "DEVELOPMENT"
    assert cf.get_function(Name="rewrite", Stage="DEVELOPMENT")["FunctionCode"].read() == v2
    assert cf.get_function(Name="rewrite")["FunctionCode"].read() == v2  # the default stage
    cf.publish_function(Name="rewrite", IfMatch=development["ETag"])
    assert cf.get_function(Name="rewrite", Stage="LIVE")["FunctionCode"].read() == v2


def test_cloudfront_origin_access_control_and_invalidations(aws):
    cf = aws.client("cloudfront", "us-east-1")
    config = {"Name": "assets", "Description": "site assets", "SigningProtocol": "sigv4", "SigningBehavior": "always",
              "OriginAccessControlOriginType": "s3"}
    oac = cf.create_origin_access_control(OriginAccessControlConfig=config)["OriginAccessControl"]["Id"]
    assert cf.get_origin_access_control(Id=oac)["OriginAccessControl"] == {"Id": oac, "OriginAccessControlConfig": config}
    assert cf.get_origin_access_control_config(Id=oac)["OriginAccessControlConfig"] == config  # patched (was HTTP 500)

    distribution = cf.create_distribution(DistributionConfig={
        "CallerReference": "inv", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "a", "DomainName": "a.s3.eu-west-1.amazonaws.com",
                                               "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "a", "ViewerProtocolPolicy": "allow-all",
                                 "CachePolicyId": CACHING_OPTIMIZED},
    })["Distribution"]["Id"]
    created = cf.create_invalidation(DistributionId=distribution, InvalidationBatch={
        "Paths": {"Quantity": 2, "Items": ["/index.html", "/_next/data/*"]}, "CallerReference": "build-2"})["Invalidation"]
    # moto says COMPLETED where AWS says Completed (see notes/toolchain.md): compare case-insensitively.
    assert created["Status"].lower() == "completed"
    (listed,) = cf.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    assert listed["Id"] == created["Id"]
    got = cf.get_invalidation(DistributionId=distribution, Id=created["Id"])["Invalidation"]
    assert got["InvalidationBatch"]["Paths"]["Items"] == ["/index.html", "/_next/data/*"]


def _cache_policy_config(name="site-server", headers=("accept", "rsc"), min_ttl=0, default_ttl=0, max_ttl=31536000):
    return {"Name": name, "Comment": "Next.js server", "MinTTL": min_ttl, "DefaultTTL": default_ttl, "MaxTTL": max_ttl,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": True, "EnableAcceptEncodingBrotli": True,
                "HeadersConfig": {"HeaderBehavior": "whitelist",
                                  "Headers": {"Quantity": len(headers), "Items": list(headers)}},
                "CookiesConfig": {"CookieBehavior": "all"},
                "QueryStringsConfig": {"QueryStringBehavior": "whitelist",
                                       "QueryStrings": {"Quantity": 2, "Items": ["w", "q"]}}}}


def _error(call, **kwargs):
    """(code, HTTP status) of the error `call(**kwargs)` raises."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_cloudfront_cache_policies(aws):
    """Create (201, Location, ETag), Get / GetConfig (the config as given, the same ETag), Update (If-Match, a new
    ETag), List (custom and managed), Delete (If-Match; refused while a distribution's behaviour names the policy),
    per account; the validation AWS does (unique names, TTL order, quantities, at most 10 headers)."""
    cf = aws.client("cloudfront", "us-east-1")
    config = _cache_policy_config()
    created = cf.create_cache_policy(CachePolicyConfig=config)
    policy_id, etag = created["CachePolicy"]["Id"], created["ETag"]
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["Location"] == "https://cloudfront.amazonaws.com/2020-05-31/cache-policy/" + policy_id
    assert created["CachePolicy"]["CachePolicyConfig"] == config and etag
    got = cf.get_cache_policy(Id=policy_id)
    assert (got["CachePolicy"]["Id"], got["CachePolicy"]["CachePolicyConfig"], got["ETag"]) == (policy_id, config, etag)
    assert got["CachePolicy"]["LastModifiedTime"] == created["CachePolicy"]["LastModifiedTime"]
    assert cf.get_cache_policy_config(Id=policy_id)["CachePolicyConfig"] == config
    assert cf.get_cache_policy_config(Id=policy_id)["ETag"] == etag

    # Update: the whole config is replaced, only with the current ETag.
    changed = _cache_policy_config(headers=("accept", "rsc", "next-url"), default_ttl=60)
    changed["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"] = {"QueryStringBehavior": "all"}
    del changed["Comment"]
    assert _error(cf.update_cache_policy, Id=policy_id, IfMatch="E0000000000000", CachePolicyConfig=changed) == (
        "PreconditionFailed", 412)
    assert _error(cf.update_cache_policy, Id=policy_id, IfMatch="", CachePolicyConfig=changed)[0] == "InvalidIfMatchVersion"
    updated = cf.update_cache_policy(Id=policy_id, IfMatch=etag, CachePolicyConfig=changed)
    assert updated["CachePolicy"]["CachePolicyConfig"] == changed and updated["ETag"] != etag
    got = cf.get_cache_policy(Id=policy_id)
    assert (got["CachePolicy"]["CachePolicyConfig"], got["ETag"]) == (changed, updated["ETag"])
    assert _error(cf.delete_cache_policy, Id=policy_id, IfMatch=etag) == ("PreconditionFailed", 412)
    etag = updated["ETag"]

    # Validation.
    assert _error(cf.create_cache_policy, CachePolicyConfig=_cache_policy_config()) == ("CachePolicyAlreadyExists", 409)
    assert _error(cf.create_cache_policy, CachePolicyConfig=_cache_policy_config("ttl", min_ttl=10, default_ttl=5)) == (
        "InvalidArgument", 400)
    assert _error(cf.create_cache_policy, CachePolicyConfig=_cache_policy_config("ttl", default_ttl=100, max_ttl=50)) == (
        "InvalidArgument", 400)
    many = _cache_policy_config("many", headers=["x-h%d" % i for i in range(11)])
    assert _error(cf.create_cache_policy, CachePolicyConfig=many) == ("TooManyHeadersInCachePolicy", 400)
    ten = cf.create_cache_policy(CachePolicyConfig=_cache_policy_config("ten", headers=["x-h%d" % i for i in range(10)]))
    inconsistent = _cache_policy_config("inconsistent")
    inconsistent["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"]["Quantity"] = 3
    assert _error(cf.create_cache_policy, CachePolicyConfig=inconsistent) == ("InconsistentQuantities", 400)
    # Renaming onto another policy's name is refused too.
    assert _error(cf.update_cache_policy, Id=ten["CachePolicy"]["Id"], IfMatch=ten["ETag"],
                  CachePolicyConfig=_cache_policy_config()) == ("CachePolicyAlreadyExists", 409)
    assert _error(cf.get_cache_policy, Id="00000000-0000-0000-0000-000000000000") == ("NoSuchCachePolicy", 404)

    # List: Type=custom is the account's own, Type=managed AWS's (read-only), no Type both.
    listed = cf.list_cache_policies(Type="custom")["CachePolicyList"]
    assert listed["Quantity"] == 2
    assert {(i["Type"], i["CachePolicy"]["Id"]) for i in listed["Items"]} == {
        ("custom", policy_id), ("custom", ten["CachePolicy"]["Id"])}
    managed = {i["CachePolicy"]["Id"]: i["CachePolicy"] for i in
               cf.list_cache_policies(Type="managed")["CachePolicyList"]["Items"]}
    assert managed[CACHING_OPTIMIZED]["CachePolicyConfig"]["Name"] == "Managed-CachingOptimized"
    assert cf.get_cache_policy(Id=CACHING_OPTIMIZED)["CachePolicy"]["CachePolicyConfig"]["MinTTL"] == 1
    assert len(cf.list_cache_policies()["CachePolicyList"]["Items"]) == 2 + len(managed)
    assert _error(cf.delete_cache_policy, Id=CACHING_OPTIMIZED,
                  IfMatch=cf.get_cache_policy(Id=CACHING_OPTIMIZED)["ETag"])[0] == "IllegalDelete"
    # Another account has its own policies (and may reuse the name).
    other = aws.client("cloudfront", "us-east-1", OTHER_ACCOUNT)
    assert other.list_cache_policies(Type="custom")["CachePolicyList"]["Quantity"] == 0
    other.create_cache_policy(CachePolicyConfig=_cache_policy_config())

    # Delete: refused while a distribution's behaviour (default or ordered) names the policy.
    distribution = cf.create_distribution(DistributionConfig={
        "CallerReference": "policies", "Comment": "", "Enabled": False,
        "Origins": {"Quantity": 1, "Items": [{"Id": "a", "DomainName": "example.com", "CustomOriginConfig": {
            "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "a", "ViewerProtocolPolicy": "allow-all",
                                 "CachePolicyId": CACHING_OPTIMIZED},
        "CacheBehaviors": {"Quantity": 1, "Items": [{"PathPattern": "/api/*", "TargetOriginId": "a",
                                                     "ViewerProtocolPolicy": "https-only", "CachePolicyId": policy_id}]},
    })
    assert _error(cf.delete_cache_policy, Id=policy_id, IfMatch=etag) == ("CachePolicyInUse", 409)
    config = cf.get_distribution_config(Id=distribution["Distribution"]["Id"])
    assert config["DistributionConfig"]["CacheBehaviors"]["Items"][0]["CachePolicyId"] == policy_id
    config["DistributionConfig"]["CacheBehaviors"] = {"Quantity": 0}
    cf.update_distribution(Id=distribution["Distribution"]["Id"], IfMatch=config["ETag"],
                           DistributionConfig=config["DistributionConfig"])
    assert _error(cf.delete_cache_policy, Id=policy_id) == ("InvalidIfMatchVersion", 400)
    cf.delete_cache_policy(Id=policy_id, IfMatch=etag)
    assert _error(cf.get_cache_policy, Id=policy_id) == ("NoSuchCachePolicy", 404)
    assert [i["CachePolicy"]["Id"] for i in cf.list_cache_policies(Type="custom")["CachePolicyList"]["Items"]] == [
        ten["CachePolicy"]["Id"]]


CACHE_POLICY_TF = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_cloudfront_cache_policy" "server" {
  name        = "site-server"
  comment     = "%(comment)s"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = %(max_ttl)d

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true

    headers_config {
      header_behavior = "whitelist"
      headers {
        items = %(headers)s
      }
    }
    cookies_config {
      cookie_behavior = "all"
    }
    query_strings_config {
      query_string_behavior = "all"
    }
  }
}

# Disabled: hashicorp/aws deletes an enabled distribution only after disabling it and waiting (~30 s more).
resource "aws_cloudfront_distribution" "site" {
  enabled             = false
  wait_for_deployment = false

  origin {
    origin_id   = "server"
    domain_name = "abcdef.lambda-url.eu-west-1.on.aws"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id       = "server"
    allowed_methods        = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods         = ["GET", "HEAD"]
    viewer_protocol_policy = "redirect-to-https"
    compress               = true
    cache_policy_id        = aws_cloudfront_cache_policy.server.id
  }

  ordered_cache_behavior {
    path_pattern           = "/_next/data/*"
    target_origin_id       = "server"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    viewer_protocol_policy = "redirect-to-https"
    compress               = true
    cache_policy_id        = aws_cloudfront_cache_policy.server.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
"""

SERVER_HEADERS = ["accept", "next-router-prefetch", "next-router-state-tree", "next-url", "rsc", "x-prerender-revalidate"]


def test_cloudfront_cache_policy_through_terraform(aws, terraform_latest):
    """hashicorp/aws's aws_cloudfront_cache_policy against the patched moto: created, read back without drift,
    updated in place (the same id, a new ETag), destroyed after the distribution whose behaviours name it."""
    cf = aws.client("cloudfront", "us-east-1")
    tf = terraform_latest(provider=False)
    tf.write(CACHE_POLICY_TF % {"comment": "Next.js server", "max_ttl": 31536000, "headers": json.dumps(SERVER_HEADERS)})
    tf.apply_ok()
    state = tf.resource("aws_cloudfront_cache_policy.server")
    policy = cf.get_cache_policy(Id=state["id"])
    assert policy["ETag"] == state["etag"]
    config = policy["CachePolicy"]["CachePolicyConfig"]
    assert (config["Name"], config["Comment"], config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]) == (
        "site-server", "Next.js server", 0, 0, 31536000)
    params = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert sorted(params["HeadersConfig"]["Headers"]["Items"]) == SERVER_HEADERS
    assert params["CookiesConfig"]["CookieBehavior"] == "all"
    assert params["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    assert params["EnableAcceptEncodingGzip"] is params["EnableAcceptEncodingBrotli"] is True
    distribution = cf.get_distribution_config(Id=tf.resource("aws_cloudfront_distribution.site")["id"])
    behaviours = [distribution["DistributionConfig"]["DefaultCacheBehavior"]] + distribution["DistributionConfig"][
        "CacheBehaviors"]["Items"]
    assert [b["CachePolicyId"] for b in behaviours] == [state["id"]] * 2
    tf.assert_no_changes()

    # In place: a seventh header, another comment and max TTL.
    headers = SERVER_HEADERS + ["next-router-segment-prefetch"]
    tf.write(CACHE_POLICY_TF % {"comment": "Next.js server, segments", "max_ttl": 86400, "headers": json.dumps(headers)})
    plan = tf.plan_ok().stdout
    assert "aws_cloudfront_cache_policy.server will be updated in-place" in plan
    assert "0 to add, 1 to change, 0 to destroy" in plan
    tf.apply_ok()
    updated = tf.resource("aws_cloudfront_cache_policy.server")
    assert updated["id"] == state["id"] and updated["etag"] != state["etag"]
    config = cf.get_cache_policy(Id=state["id"])["CachePolicy"]["CachePolicyConfig"]
    assert (config["Comment"], config["MaxTTL"]) == ("Next.js server, segments", 86400)
    assert sorted(config["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"]["Items"]) == sorted(headers)
    tf.assert_no_changes()

    tf.destroy_ok()
    assert cf.list_cache_policies(Type="custom")["CachePolicyList"]["Quantity"] == 0
    assert cf.list_distributions()["DistributionList"]["Quantity"] == 0


# --------------------------------------------------------------------------------------------- S3, SQS, DynamoDB


def _origin_request_policy_config(name="server-headers", headers=("x-tenant", "CloudFront-Viewer-Address")):
    return {"Name": name, "Comment": "tenant header and the viewer's address",
            "HeadersConfig": {"HeaderBehavior": "allViewerAndWhitelistCloudFront",
                              "Headers": {"Quantity": len(headers), "Items": list(headers)}},
            "CookiesConfig": {"CookieBehavior": "whitelist", "Cookies": {"Quantity": 1, "Items": ["session"]}},
            "QueryStringsConfig": {"QueryStringBehavior": "all"}}


def _response_headers_policy_config(name="site-headers", remove=("X-Powered-By",)):
    return {"Name": name, "Comment": "",
            "CorsConfig": {"AccessControlAllowOrigins": {"Quantity": 1, "Items": ["https://www.example.test"]},
                           "AccessControlAllowHeaders": {"Quantity": 1, "Items": ["content-type"]},
                           "AccessControlAllowMethods": {"Quantity": 2, "Items": ["GET", "POST"]},
                           "AccessControlAllowCredentials": False, "AccessControlMaxAgeSec": 600,
                           "OriginOverride": True},
            "SecurityHeadersConfig": {"ContentTypeOptions": {"Override": True},
                                      "FrameOptions": {"Override": False, "FrameOption": "DENY"}},
            "CustomHeadersConfig": {"Quantity": 1, "Items": [{"Header": "X-Site", "Value": "one", "Override": True}]},
            "RemoveHeadersConfig": {"Quantity": len(remove), "Items": [{"Header": h} for h in remove]}}


@pytest.mark.parametrize("kind", ["origin_request_policy", "response_headers_policy"])
def test_cloudfront_origin_request_and_response_headers_policies(aws, kind):
    """cloudfront_origin_request_policies and cloudfront_response_headers_policies: Create (201, Location, ETag),
    Get / GetConfig (the config as given), Update (If-Match), List (custom), Delete (If-Match; refused while a
    distribution's behaviour names the policy); unique names, quantities, and for response headers policies the
    headers CloudFront cannot remove."""
    cf = aws.client("cloudfront", "us-east-1")
    camel = "".join(part.title() for part in kind.split("_"))
    path = kind.replace("_", "-")
    make = _origin_request_policy_config if kind == "origin_request_policy" else _response_headers_policy_config
    config = make()
    created = getattr(cf, "create_" + kind)(**{camel + "Config": config})
    policy_id, etag = created[camel]["Id"], created["ETag"]
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["Location"] == "https://cloudfront.amazonaws.com/2020-05-31/%s/%s" % (path, policy_id)
    got = getattr(cf, "get_" + kind)(Id=policy_id)
    assert (got[camel]["Id"], got[camel][camel + "Config"], got["ETag"]) == (policy_id, config, etag)
    assert getattr(cf, "get_%s_config" % kind)(Id=policy_id)[camel + "Config"] == config

    changed = make(name="renamed")
    assert _error(getattr(cf, "update_" + kind), Id=policy_id, IfMatch="E0000000000000",
                  **{camel + "Config": changed}) == ("PreconditionFailed", 412)
    updated = getattr(cf, "update_" + kind)(Id=policy_id, IfMatch=etag, **{camel + "Config": changed})
    assert updated[camel][camel + "Config"] == changed and updated["ETag"] != etag
    etag = updated["ETag"]
    assert _error(getattr(cf, "create_" + kind), **{camel + "Config": changed}) == (camel + "AlreadyExists", 409)
    inconsistent = make(name="inconsistent")
    block = inconsistent["HeadersConfig"]["Headers"] if kind == "origin_request_policy" else inconsistent[
        "CustomHeadersConfig"]
    block["Quantity"] = 5
    assert _error(getattr(cf, "create_" + kind), **{camel + "Config": inconsistent}) == ("InconsistentQuantities", 400)
    if kind == "response_headers_policy":
        assert _error(cf.create_response_headers_policy,
                      ResponseHeadersPolicyConfig=make(name="via", remove=("Via",))) == ("InvalidArgument", 400)
    assert _error(getattr(cf, "get_" + kind), Id="00000000-0000-0000-0000-000000000000") == ("NoSuch" + camel, 404)
    plural = camel[: -len("Policy")] + "Policies"
    listed = getattr(cf, "list_" + kind[: -len("policy")] + "policies")(Type="custom")[camel + "List"]
    assert [(i["Type"], i[camel]["Id"]) for i in listed["Items"]] == [("custom", policy_id)], plural

    # In use by a distribution: not deleted; once the behaviour no longer names it, deleted.
    origin = {"Id": "o", "DomainName": "127.0.0.1", "CustomOriginConfig": {
        "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}
    behaviour = {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED,
                 camel + "Id": policy_id}
    dist = cf.create_distribution(DistributionConfig={
        "CallerReference": "policy-" + kind, "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]}, "DefaultCacheBehavior": behaviour})["Distribution"]
    assert dist["DistributionConfig"]["DefaultCacheBehavior"][camel + "Id"] == policy_id
    assert _error(getattr(cf, "delete_" + kind), Id=policy_id, IfMatch=etag) == (camel + "InUse", 409)
    current = cf.get_distribution_config(Id=dist["Id"])
    current["DistributionConfig"]["DefaultCacheBehavior"].pop(camel + "Id")
    cf.update_distribution(Id=dist["Id"], IfMatch=current["ETag"], DistributionConfig=current["DistributionConfig"])
    getattr(cf, "delete_" + kind)(Id=policy_id, IfMatch=etag)
    assert _error(getattr(cf, "get_" + kind), Id=policy_id) == ("NoSuch" + camel, 404)


def test_s3_bucket_policy_reads_back(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="site-assets", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "AllowCloudFront", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site-assets/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::%s:distribution/E2EXAMPLE" % ACCOUNT}}}]}
    s3.put_bucket_policy(Bucket="site-assets", Policy=json.dumps(policy))
    assert json.loads(s3.get_bucket_policy(Bucket="site-assets")["Policy"]) == policy


def _sqs_json(endpoint: str, target: str, body: dict, region: str = "eu-west-1"):
    """One SQS request the way AWS SDK v3 and aws4fetch send it: the JSON protocol, SigV4-signed."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    data = json.dumps(body).encode()
    headers = {"content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS." + target}
    signed = AWSRequest(method="POST", url=endpoint + "/", data=data, headers=headers)
    SigV4Auth(Credentials("test", "test"), "sqs", region).add_auth(signed)
    request = urllib.request.Request(endpoint + "/", data=data, headers=dict(signed.headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Type"].startswith("application/x-amz-json-1.0")
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_sqs_fifo_through_the_json_protocol(aws):
    """Send, receive (one message group at a time, deduplicated) and delete on a FIFO queue with x-amz-target
    requests; the queue is also found by the URL an SDK builds for AWS (https://sqs.<region>.amazonaws.com/...)."""
    call = lambda target, **body: _sqs_json(aws.endpoint, target, body)  # noqa: E731
    status, created = call("CreateQueue", QueueName="revalidation.fifo", Attributes={"FifoQueue": "true"})
    assert status == 200
    queue = created["QueueUrl"]
    aws_style = "https://sqs.eu-west-1.amazonaws.com/%s/revalidation.fifo" % ACCOUNT
    for i, url in enumerate([queue, queue, aws_style]):
        status, sent = call("SendMessage", QueueUrl=url, MessageBody=json.dumps({"path": "/p%d" % i}),
                            MessageGroupId="site", MessageDeduplicationId="d%d" % i)
        assert status == 200 and sent["MessageId"]
    assert call("SendMessage", QueueUrl=queue, MessageBody="again", MessageGroupId="site",
                MessageDeduplicationId="d0")[0] == 200  # accepted, never delivered

    status, first = call("ReceiveMessage", QueueUrl=queue, MaxNumberOfMessages=1, MessageSystemAttributeNames=["All"])
    assert status == 200
    (message,) = first["Messages"]
    assert json.loads(message["Body"]) == {"path": "/p0"}
    assert message["Attributes"]["MessageGroupId"] == "site"
    # The group is in flight: nothing more from it until that message is deleted.
    assert call("ReceiveMessage", QueueUrl=queue, MaxNumberOfMessages=10)[1].get("Messages", []) == []
    assert call("DeleteMessage", QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"]) == (200, {})
    rest = call("ReceiveMessage", QueueUrl=queue, MaxNumberOfMessages=10)[1]["Messages"]
    assert [json.loads(m["Body"])["path"] for m in rest] == ["/p1", "/p2"]
    status, deleted = call("DeleteMessageBatch", QueueUrl=queue, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(rest)])
    assert status == 200 and len(deleted["Successful"]) == 2 and not deleted.get("Failed")
    status, error = call("ReceiveMessage", QueueUrl=queue + "-missing")
    assert status == 400 and error["__type"].endswith("QueueDoesNotExist")


def test_sqs_sends_invoke_no_lambda_and_returned_fifo_messages_keep_their_order(aws):
    """sqs_send_message_invokes_no_lambda: messages sent to a queue that an event source mapping reads stay
    unreceived (none in flight after the sends, ApproximateReceiveCount 1 at the first receive).
    sqs_fifo_returned_messages_keep_their_order: a FIFO group's batch that is not deleted comes back whole and
    first once its visibility timeout ends, also to a receive that long-polls across that moment; then the group's
    next messages follow."""
    sqs, lam = aws.client("sqs"), aws.client("lambda")
    _function(aws, "consumer", {"ZipFile": _zip(index_js="exports.handler = async () => 1")})
    queue = sqs.create_queue(QueueName="ordered.fifo", Attributes={"FifoQueue": "true", "VisibilityTimeout": "1"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="consumer", BatchSize=2)
    for i in range(4):
        sqs.send_message(QueueUrl=queue, MessageBody="m%d" % i, MessageGroupId="g", MessageDeduplicationId="d%d" % i)
    counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("4", "0")

    def receive(**kwargs):
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=2, MessageSystemAttributeNames=["All"],
                                  **kwargs).get("Messages", [])
        return got, [(m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in got]

    _, seen = receive()
    assert seen == [("m0", "1"), ("m1", "1")]
    assert receive()[1] == []  # the group is held while its batch is in flight
    returned, seen = receive(WaitTimeSeconds=3)
    assert seen == [("m0", "2"), ("m1", "2")]
    sqs.delete_message_batch(QueueUrl=queue, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(returned)])
    assert receive()[1] == [("m2", "1"), ("m3", "1")]


def test_dynamodb_query_on_a_gsi(aws):
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName="revalidation", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t}
                              for n, t in (("tag", "S"), ("path", "S"), ("revalidatedAt", "N"))],
        KeySchema=[{"AttributeName": "tag", "KeyType": "HASH"}, {"AttributeName": "path", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "revalidate", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
            {"AttributeName": "path", "KeyType": "HASH"}, {"AttributeName": "revalidatedAt", "KeyType": "RANGE"}]}])
    for tag, path, at in (("b/t1", "b/a", 1), ("b/t2", "b/a", 5), ("b/t1", "b/b", 3)):
        ddb.put_item(TableName="revalidation", Item={"tag": {"S": tag}, "path": {"S": path}, "revalidatedAt": {"N": str(at)}})
    names, values = {"#p": "path", "#r": "revalidatedAt"}, {":p": {"S": "b/a"}, ":r": {"N": "2"}}
    got = ddb.query(TableName="revalidation", IndexName="revalidate", KeyConditionExpression="#p = :p AND #r > :r",
                    ExpressionAttributeNames=names, ExpressionAttributeValues=values)
    assert [item["tag"]["S"] for item in got["Items"]] == ["b/t2"]
    got = ddb.query(TableName="revalidation", IndexName="revalidate", KeyConditionExpression="#p = :p",
                    ExpressionAttributeNames={"#p": "path"}, ExpressionAttributeValues={":p": {"S": "b/a"}},
                    ScanIndexForward=False, Limit=1)
    assert [item["tag"]["S"] for item in got["Items"]] == ["b/t2"]
    assert got["LastEvaluatedKey"] == {"tag": {"S": "b/t2"}, "path": {"S": "b/a"}, "revalidatedAt": {"N": "5"}}


def test_cloudfront_vpc_origins(aws):
    """cloudfront_vpc_origins and cloudfront_origin_vpc_origin_config: a VPC origin for an internal ALB is created,
    read, listed, replaced (If-Match), named by a distribution's origin (which keeps its VpcOriginConfig), refused
    deletion while that distribution uses it, then deleted; unknown ids and stale ETags are refused as AWS does."""
    elb = aws.client("elbv2", "eu-west-1")
    ec2 = aws.client("ec2", "eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.%d.0/24" % i, AvailabilityZone="eu-west-1" + z)["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    lb = elb.create_load_balancer(Name="vpc-origin-alb", Subnets=subnets, Scheme="internal")["LoadBalancers"][0]
    cf = aws.client("cloudfront", "us-east-1")
    endpoint = {"Name": "app", "Arn": lb["LoadBalancerArn"], "HTTPPort": 80, "HTTPSPort": 443,
                "OriginProtocolPolicy": "https-only", "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]}}
    created = cf.create_vpc_origin(VpcOriginEndpointConfig=endpoint,
                                   Tags={"Items": [{"Key": "team", "Value": "web"}]})
    origin = created["VpcOrigin"]
    assert origin["Status"] == "Deployed" and origin["VpcOriginEndpointConfig"] == endpoint, origin
    assert origin["Arn"] == "arn:aws:cloudfront::%s:vpcorigin/%s" % (ACCOUNT, origin["Id"])
    assert cf.list_tags_for_resource(Resource=origin["Arn"])["Tags"]["Items"] == [{"Key": "team", "Value": "web"}]
    got = cf.get_vpc_origin(Id=origin["Id"])
    assert got["VpcOrigin"]["VpcOriginEndpointConfig"] == endpoint and got["ETag"] == created["ETag"]
    listed = cf.list_vpc_origins()["VpcOriginList"]
    assert [(o["Id"], o["OriginEndpointArn"]) for o in listed["Items"]] == [(origin["Id"], lb["LoadBalancerArn"])]

    assert _error(cf.update_vpc_origin, Id=origin["Id"], IfMatch="stale", VpcOriginEndpointConfig=endpoint) == ("PreconditionFailed", 412)
    http = dict(endpoint, OriginProtocolPolicy="http-only")
    updated = cf.update_vpc_origin(Id=origin["Id"], IfMatch=got["ETag"], VpcOriginEndpointConfig=http)
    assert updated["VpcOrigin"]["VpcOriginEndpointConfig"] == http and updated["ETag"] != got["ETag"]

    app = {"Id": "app", "DomainName": lb["DNSName"], "OriginPath": "",
           "CustomHeaders": {"Quantity": 0, "Items": []},
           "VpcOriginConfig": {"VpcOriginId": origin["Id"], "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5}}
    behaviour = {"TargetOriginId": "app", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": CACHING_OPTIMIZED}
    dist = cf.create_distribution(DistributionConfig={
        "CallerReference": "vpc-origin", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [app]}, "DefaultCacheBehavior": behaviour})["Distribution"]
    back = cf.get_distribution_config(Id=dist["Id"])["DistributionConfig"]["Origins"]["Items"][0]
    assert back["VpcOriginConfig"] == app["VpcOriginConfig"] and "CustomOriginConfig" not in back, back

    assert _error(cf.delete_vpc_origin, Id=origin["Id"], IfMatch=updated["ETag"]) == ("CannotDeleteEntityWhileInUse", 409)
    etag = cf.get_distribution(Id=dist["Id"])["ETag"]
    cf.delete_distribution(Id=dist["Id"], IfMatch=etag)
    cf.delete_vpc_origin(Id=origin["Id"], IfMatch=updated["ETag"])
    assert _error(cf.get_vpc_origin, Id=origin["Id"]) == ("EntityNotFound", 404)
    assert cf.list_vpc_origins()["VpcOriginList"]["Quantity"] == 0


def test_route53_a_deleted_record_set_can_be_created_again(aws):
    """route53_recreate_deleted_record_set: a CNAME created, deleted and created again while another record set
    sorts after it (what nextstack_acm_certificate does when it writes back a validation record)."""
    import botocore.exceptions

    r53 = aws.client("route53")
    zone = r53.create_hosted_zone(Name="example.com", CallerReference="recreate")["HostedZone"]["Id"]

    def change(action, name):
        rrset = {"Name": name, "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "v.example.net."}]}
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": rrset}]})

    change("CREATE", "_a.example.com.")
    change("CREATE", "_a.www.example.com.")  # sorts after _a.example.com.
    change("DELETE", "_a.example.com.")
    change("CREATE", "_a.example.com.")
    names = [r["Name"] for r in r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"] if r["Type"] == "CNAME"]
    assert sorted(names) == ["_a.example.com.", "_a.www.example.com."]
    try:
        change("CREATE", "_a.example.com.")
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidChangeBatch", e.response
    else:
        raise AssertionError("a CREATE of an existing record set must still be refused")


def test_kms_aws_managed_keys(aws):
    """kms_aws_managed_keys: the key DynamoDB makes for its default encryption (alias/aws/dynamodb) is AWS managed;
    a key of one's own stays customer managed."""
    ddb = aws.client("dynamodb", "eu-west-1")
    ddb.create_table(TableName="sse-default", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     SSESpecification={"Enabled": True, "SSEType": "KMS"})
    kms = aws.client("kms", "eu-west-1")
    assert kms.describe_key(KeyId="alias/aws/dynamodb")["KeyMetadata"]["KeyManager"] == "AWS"
    own = kms.create_key(Description="mine")["KeyMetadata"]
    assert own["KeyManager"] == "CUSTOMER"
    kms.create_alias(AliasName="alias/mine", TargetKeyId=own["KeyId"])
    assert kms.describe_key(KeyId="alias/mine")["KeyMetadata"]["KeyManager"] == "CUSTOMER"


# --------------------------------------------------------------------------------------------- API Gateway


def test_apigateway_rest_api_keeps_its_binary_media_types(aws):
    """apigateway_create_rest_api_binary_media_types: CreateRestApi's binaryMediaTypes come back from GetRestApi."""
    apigw = aws.client("apigateway")
    created = apigw.create_rest_api(name="binary", binaryMediaTypes=["image/png", "application/octet-stream"])
    assert created["binaryMediaTypes"] == ["image/png", "application/octet-stream"]
    assert apigw.get_rest_api(restApiId=created["id"])["binaryMediaTypes"] == ["image/png", "application/octet-stream"]
    text = apigw.create_rest_api(name="text")["id"]
    assert apigw.get_rest_api(restApiId=text).get("binaryMediaTypes", []) == []


def test_apigateway_reads_that_work_as_is(aws):
    """What nextstack-edge reads of a REST API: GetResources with each method's integration embedded, GetStages with
    the stage variables, and the function's grant to apigateway.amazonaws.com with its AWS:SourceArn."""
    apigw = aws.client("apigateway")
    api = apigw.create_rest_api(name="reads")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    proxy = apigw.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
    uri = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:%s:function:f/invocations" % ACCOUNT
    apigw.put_method(restApiId=api, resourceId=proxy, httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=proxy, httpMethod="ANY", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=uri)
    apigw.create_deployment(restApiId=api, stageName="prod", variables={"color": "blue"})
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=api, embed=["methods"])["items"]}
    method = resources["/{proxy+}"]["resourceMethods"]["ANY"]
    assert method["authorizationType"] == "NONE"
    assert method["methodIntegration"]["type"] == "AWS_PROXY" and method["methodIntegration"]["uri"] == uri
    (stage,) = apigw.get_stages(restApiId=api)["item"]
    assert (stage["stageName"], stage["variables"]) == ("prod", {"color": "blue"})

    _function(aws, "f", {"ZipFile": _zip(index_js="x")})
    source = "arn:aws:execute-api:eu-west-1:%s:%s/prod/*/*" % (ACCOUNT, api)
    aws.client("lambda").add_permission(FunctionName="f", StatementId="api", Action="lambda:InvokeFunction",
                                        Principal="apigateway.amazonaws.com", SourceArn=source)
    (statement,) = json.loads(aws.client("lambda").get_policy(FunctionName="f")["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": source}}


def test_a_version_deleted_from_a_suspended_bucket_is_that_version_only(aws):
    """s3_delete_version_in_suspended_bucket: with versioning suspended (as hashicorp/aws leaves a bucket before
    emptying it for force_destroy), deleting a version by id removes that version, delete markers included, and
    the bucket can then be emptied and deleted."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="suspended", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="suspended", Key="a.txt", Body=b"one")
    s3.put_object(Bucket="suspended", Key="a.txt", Body=b"two")
    s3.delete_object(Bucket="suspended", Key="a.txt")  # a delete marker on top
    s3.put_bucket_versioning(Bucket="suspended", VersioningConfiguration={"Status": "Suspended"})
    listed = s3.list_object_versions(Bucket="suspended")
    versions = [v["VersionId"] for v in listed["Versions"]]
    (marker,) = [m["VersionId"] for m in listed["DeleteMarkers"]]
    assert len(versions) == 2

    s3.delete_object(Bucket="suspended", Key="a.txt", VersionId=versions[0])
    listed = s3.list_object_versions(Bucket="suspended")
    assert [v["VersionId"] for v in listed["Versions"]] == versions[1:]
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker]

    result = s3.delete_objects(Bucket="suspended", Delete={"Objects": [
        {"Key": "a.txt", "VersionId": marker}, {"Key": "a.txt", "VersionId": versions[1]}]})
    assert not result.get("Errors"), result
    listed = s3.list_object_versions(Bucket="suspended")
    assert not listed.get("Versions") and not listed.get("DeleteMarkers"), listed
    s3.delete_bucket(Bucket="suspended")


def test_elbv2_targets_by_id_and_port(aws):
    """elbv2_targets_by_id_and_port: one IP registered twice with different ports is two targets; each is
    deregistered on its own (the other stays); a target registered without a port takes the group's."""
    ec2, elb = aws.client("ec2", "eu-west-1"), aws.client("elbv2", "eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    tg = elb.create_target_group(Name="ports", TargetType="ip", Protocol="HTTP", Port=80,
                                 VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]

    def registered():
        return sorted((d["Target"]["Id"], d["Target"]["Port"])
                      for d in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"])

    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.8.0.5", "Port": 8001}, {"Id": "10.8.0.5", "Port": 8002},
                                                     {"Id": "10.8.0.6"}])
    assert registered() == [("10.8.0.5", 8001), ("10.8.0.5", 8002), ("10.8.0.6", 80)]
    one = elb.describe_target_health(TargetGroupArn=tg, Targets=[{"Id": "10.8.0.5", "Port": 8002}])
    assert [d["Target"] for d in one["TargetHealthDescriptions"]] == [{"Id": "10.8.0.5", "Port": 8002}]
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": "10.8.0.5", "Port": 8001}])
    assert registered() == [("10.8.0.5", 8002), ("10.8.0.6", 80)]
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": "10.8.0.6"}])
    assert registered() == [("10.8.0.5", 8002)]


def test_ec2_create_flow_logs_is_idempotent_on_its_client_token(aws):
    """ec2_create_flow_logs_client_token: the same CreateFlowLogs request sent twice with one ClientToken (as an
    SDK retry does) answers the first result and creates one flow log; a new token for the same VPC and
    destination is still refused as a duplicate."""
    ec2, s3 = aws.client("ec2", "eu-west-1"), aws.client("s3", "eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    s3.create_bucket(Bucket="flow-log-retry", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    request = dict(ResourceType="VPC", ResourceIds=[vpc], TrafficType="ALL", LogDestinationType="s3",
                   LogDestination="arn:aws:s3:::flow-log-retry")
    first = ec2.create_flow_logs(ClientToken="retry-token-1", **request)
    again = ec2.create_flow_logs(ClientToken="retry-token-1", **request)
    assert first["FlowLogIds"] and again["FlowLogIds"] == first["FlowLogIds"]
    assert again["ClientToken"] == "retry-token-1"
    logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])["FlowLogs"]
    assert [log["FlowLogId"] for log in logs] == first["FlowLogIds"]
    with pytest.raises(ec2.exceptions.ClientError, match="FlowLogAlreadyExists"):
        ec2.create_flow_logs(ClientToken="retry-token-2", **request)
    ec2.delete_flow_logs(FlowLogIds=first["FlowLogIds"])
    s3.delete_bucket(Bucket="flow-log-retry")


def test_ecs_update_service_starts_a_deployment(aws):
    """ecs_update_service_starts_a_deployment: UpdateService with a new revision (named family:revision) makes the
    service's taskDefinition that revision's ARN and its PRIMARY deployment a new one of it (the deployer and the edge
    follow that); forceNewDeployment starts another of the same revision; an update of the desired count alone
    starts none."""
    ecs = aws.client("ecs", "eu-west-1")
    ecs.create_cluster(clusterName="roll")
    container = {"name": "web", "image": "example/web:1", "memory": 128}
    first = ecs.register_task_definition(family="web", containerDefinitions=[container])["taskDefinition"]
    second = ecs.register_task_definition(family="web", containerDefinitions=[dict(container, image="example/web:2")])
    second = second["taskDefinition"]
    ecs.create_service(cluster="roll", serviceName="web", desiredCount=1, taskDefinition=first["taskDefinitionArn"])

    def described():
        service = ecs.describe_services(cluster="roll", services=["web"])["services"][0]
        primary = [d for d in service["deployments"] if d["status"] == "PRIMARY"]
        assert len(primary) == 1, service["deployments"]
        return service["taskDefinition"], primary[0]

    td, initial = described()
    assert td == initial["taskDefinition"] == first["taskDefinitionArn"]
    updated = ecs.update_service(cluster="roll", service="web", taskDefinition="web:%d" % second["revision"])
    td, deployment = described()
    assert td == deployment["taskDefinition"] == second["taskDefinitionArn"]
    assert deployment["id"] != initial["id"] and deployment["id"].startswith("ecs-svc/")
    assert [d["id"] for d in updated["service"]["deployments"] if d["status"] == "PRIMARY"] == [deployment["id"]]
    ecs.update_service(cluster="roll", service="web", desiredCount=2)
    assert described()[1]["id"] == deployment["id"], "a desired count alone starts no deployment"
    ecs.update_service(cluster="roll", service="web", forceNewDeployment=True)
    td, forced = described()
    assert td == forced["taskDefinition"] == second["taskDefinitionArn"] and forced["id"] != deployment["id"]


def test_cloudwatch_alarm_actions_notify_sns(aws):
    """cloudwatch_alarm_actions_notify_sns: an alarm going to ALARM publishes its notification to its SNS action;
    through a topic under a customer-managed key whose policy lets CloudWatch use it for this alarm and topic, but
    not under AWS's managed alias/aws/sns key, nor a key whose policy leaves CloudWatch out; OK after ALARM
    notifies the OK action."""
    region = "eu-west-1"
    sns, sqs, kms, cw = (aws.client(name, region) for name in ("sns", "sqs", "kms", "cloudwatch"))

    def key(grant_cloudwatch: bool) -> str:
        statements = [{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
                       "Action": "kms:*", "Resource": "*"}]
        if grant_cloudwatch:
            statements.append({
                "Sid": "CloudWatchAlarms", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                              "ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:%s:%s:alarm:probe-*" % (region, ACCOUNT)}}})
        return kms.create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))["KeyMetadata"]["Arn"]

    received = {}
    for name, key_id in (("cmk", key(True)), ("managed", "alias/aws/sns"), ("no-grant", key(False)), ("plain", None)):
        attributes = {"KmsMasterKeyId": key_id} if key_id else {}
        topic = sns.create_topic(Name="alarms-" + name, Attributes=attributes)["TopicArn"]
        queue = sqs.create_queue(QueueName="alarms-" + name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
        cw.put_metric_alarm(AlarmName="probe-" + name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                            Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                            AlarmActions=[topic], OKActions=[topic])
        cw.set_alarm_state(AlarmName="probe-" + name, StateValue="ALARM", StateReason="probe")
        cw.set_alarm_state(AlarmName="probe-" + name, StateValue="ALARM", StateReason="no change: no action")
        cw.set_alarm_state(AlarmName="probe-" + name, StateValue="OK", StateReason="recovered")
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", [])
        received[name] = sorted((json.loads(m["Body"])["OldStateValue"], json.loads(m["Body"])["NewStateValue"],
                                 json.loads(m["Body"])["AlarmName"]) for m in messages)
    assert received == {
        "cmk": [("ALARM", "OK", "probe-cmk"), ("OK", "ALARM", "probe-cmk")],
        "managed": [],
        "no-grant": [],
        "plain": [("ALARM", "OK", "probe-plain"), ("OK", "ALARM", "probe-plain")],
    }, received


def test_ecr_image_digest_is_the_manifests(aws):
    """ecr_image_digest_of_the_manifest: PutImage's imageDigest is the SHA-256 of the manifest as pushed, for a
    manifest without layers too; two manifests with the same layers and different configs get two digests, and
    the image is found by its digest."""
    import hashlib

    ecr = aws.client("ecr", "eu-west-1")
    ecr.create_repository(repositoryName="digests")
    layer = {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 9, "digest": "sha256:" + "a" * 64}
    digests = {}
    for tag, config, layers in (("one", "1", [layer]), ("two", "2", [layer]), ("bare", "3", [])):
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                               "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7,
                                          "digest": "sha256:" + config * 64}, "layers": layers})
        digest = ecr.put_image(repositoryName="digests", imageManifest=manifest, imageTag=tag)["image"]["imageId"][
            "imageDigest"]
        assert digest == "sha256:" + hashlib.sha256(manifest.encode()).hexdigest(), tag
        digests[tag] = digest
    assert len(set(digests.values())) == 3, digests
    found = ecr.describe_images(repositoryName="digests", imageIds=[{"imageDigest": digests["two"]}])["imageDetails"]
    assert [d["imageTags"] for d in found] == [["two"]], found


def test_a_retried_sdk_call_is_answered_once(aws):
    """The harness's server (nextstack_lab.moto_server._answer_sdk_retries_once): a retried attempt of an SDK call
    (same amz-sdk-invocation-id) whose first attempt got a 2xx gets that answer again and is not run a second time,
    so a response lost on loopback under load does not make a create happen twice (in CI: Lambda AddPermission
    storing two statements with one id). Another call with the same request runs as usual."""
    _function(aws, "replayed", {"ZipFile": _zip(index_js="exports.handler = async () => 1;")})
    body = json.dumps({"StatementId": "FromCloudFront", "Action": "lambda:InvokeFunction",
                       "Principal": "cloudfront.amazonaws.com"}).encode()

    def add_permission(invocation: str, attempt: int):
        req = urllib.request.Request(
            aws.endpoint + "/2015-03-31/functions/replayed/policy", data=body, method="POST",
            headers={"Content-Type": "application/json", "amz-sdk-invocation-id": invocation,
                     "amz-sdk-request": "attempt=%d; max=3" % attempt,
                     "Authorization": "AWS4-HMAC-SHA256 Credential=test/20261207/eu-west-1/lambda/aws4_request, "
                                      "SignedHeaders=host, Signature=0"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    first = add_permission("8c5c0f1e-0d2b-4f0a-9b7e-1f1f5c0e0001", 1)
    assert first[0] in (200, 201), first  # AWS answers 201; moto 200
    assert add_permission("8c5c0f1e-0d2b-4f0a-9b7e-1f1f5c0e0001", 2) == first
    statements = json.loads(aws.client("lambda").get_policy(FunctionName="replayed")["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["FromCloudFront"], statements
