"""moto_server with the test harness's fixes for the emulator (moto 5.2.5).

    python tests/e2e/moto_patches.py -H 127.0.0.1 -p PORT     # same arguments as moto_server

Imports moto, applies every function in PATCHES, then runs moto's server main exactly as the `moto_server`
console script does. The emulator is not the spec: where moto mis-models or lacks an API the modules use, the fix
belongs here, never in modules/ or examples/. Rules for a patch:
  - one function per defect, named after the moto issue or the API it lacks or mis-models;
  - its docstring says what real AWS does and what moto does instead;
  - small: wrap the model or response method involved rather than copying it.
Patches change classes, so they survive POST /moto-api/reset.
"""

from __future__ import annotations

import functools
import inspect
import re
import sys

import moto  # noqa: F401  (the package must import before any of its services)


def _wrap(owner, name: str, make):
    """Replace owner.name by make(original); the replacement keeps the original's name and docstring."""
    original = getattr(owner, name)
    replacement = make(original)
    functools.update_wrapper(replacement, original)
    setattr(owner, name, replacement)


def _arguments(function, *args, **kwargs) -> dict:
    """The arguments of one call of `function` by parameter name, whether they were passed by position or name."""
    bound = inspect.signature(function).bind(*args, **kwargs)
    return bound.arguments


# --------------------------------------------------------------------------------------------- EC2


def ec2_create_launch_template_tag_specifications():
    """CreateLaunchTemplate: the request's own TagSpecifications leak into the template's data.

    AWS: the top-level TagSpecifications (resource type "launch-template") tag the launch template itself;
    DescribeLaunchTemplateVersions returns LaunchTemplateData.TagSpecifications exactly as given (those tag the
    instances and volumes launched from it). moto appends the top-level ones to the version's
    LaunchTemplateData.TagSpecifications, so hashicorp/aws sees an extra `tag_specifications` block and plans a
    new template version on every run. Fix: cut the version's list back to what LaunchTemplateData carried.
    """
    from moto.ec2.responses.launch_templates import LaunchTemplates
    from moto.ec2.utils import convert_tag_spec

    def make(original):
        def create_launch_template(self):
            given = self._get_param("LaunchTemplateData", {}) or {}
            had_key = "TagSpecifications" in given
            count = len(given.get("TagSpecifications") or [])
            result = original(self)
            template = self.ec2_backend.get_launch_template(result.result["LaunchTemplate"]["LaunchTemplateId"])
            version = template.versions[0]
            specs = version.data.get("TagSpecifications")
            if specs is not None and len(specs) > count:
                if had_key:
                    version.data["TagSpecifications"] = specs[:count]
                else:
                    del version.data["TagSpecifications"]
                version.instance_tags = convert_tag_spec(version.data.get("TagSpecifications", [])).get(
                    "instance", {}
                )
            return result

        return create_launch_template

    _wrap(LaunchTemplates, "create_launch_template", make)


def ec2_security_group_rule_description():
    """DescribeSecurityGroupRules: no Description for rules that name a security group or a prefix list.

    AWS: a rule's Description is returned whatever its peer is (CIDR, referenced security group, prefix list).
    moto reads SecurityGroupRule.description from the CIDR range only: for a UserIdGroupPairs entry the
    description stays in the stored pair but is not returned, for a PrefixListIds entry it is dropped when the
    rule is built. hashicorp/aws's aws_vpc_security_group_ingress_rule then sees `description` removed.
    Fix: keep the prefix list entry's description and let the property fall back to the peer's description
    (a ModifySecurityGroupRules description, which moto stores in the CIDR range, still comes first).
    """
    from moto.ec2.models.security_groups import SecurityGroupRule

    def make(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            prefix_list = _arguments(original, self, *args, **kwargs).get("prefix_list_id") or {}
            self.prefix_list_description = prefix_list.get("Description")

        return __init__

    _wrap(SecurityGroupRule, "__init__", make)

    def description(self):
        if "Description" in self.ip_range:
            return self.ip_range["Description"]
        if self.source_group.get("Description") is not None:
            return self.source_group["Description"]
        return getattr(self, "prefix_list_description", None)

    SecurityGroupRule.description = property(description, doc=ec2_security_group_rule_description.__doc__)


# --------------------------------------------------------------------------------------------- ECS


def ecs_create_service_parameters():
    """CreateService: most of the service's settings are dropped.

    AWS: DescribeServices returns what CreateService was given: capacityProviderStrategy (and then no
    launchType), deploymentConfiguration (maximumPercent / minimumHealthyPercent default to 200 / 100 for a
    REPLICA service, the circuit breaker to disabled), enableExecuteCommand, enableECSManagedTags (false when
    not given), healthCheckGracePeriodSeconds, availabilityZoneRebalancing, placementConstraints and
    placementStrategy. moto keeps none of them and reports launchType EC2, so hashicorp/aws plans to replace
    the service (capacity_provider_strategy forces a new one) and to flip enable_execute_command etc.
    Fix: store them on the service after moto created it (UpdateService already stores what it is given).
    """
    from botocore import xform_name
    from moto.ecs.responses import EC2ContainerServiceResponse

    def make(original):
        def create_service(self):
            result = original(self)
            service = result.result["service"]
            strategy = self._get_param("capacityProviderStrategy")
            if strategy:
                service.capacity_provider_strategy = [
                    {"capacityProvider": s["capacityProvider"], "weight": s.get("weight", 0), "base": s.get("base", 0)}
                    for s in strategy
                ]
                if not self._get_param("launchType"):
                    service.launch_type = None
                    for deployment in service.deployments:
                        deployment["launchType"] = None
                        deployment["capacityProviderStrategy"] = service.capacity_provider_strategy
            daemon = service.scheduling_strategy == "DAEMON"
            config = {
                "maximumPercent": 100 if daemon else 200,
                "minimumHealthyPercent": 0 if daemon else 100,
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            }
            config.update(self._get_param("deploymentConfiguration") or {})
            service.deployment_configuration = config
            service.enable_execute_command = bool(self._get_param("enableExecuteCommand", False))
            service.enable_ecs_managed_tags = bool(self._get_param("enableECSManagedTags", False))
            for key in (
                "healthCheckGracePeriodSeconds",
                "availabilityZoneRebalancing",
                "placementConstraints",
                "placementStrategy",
            ):
                value = self._get_param(key)
                if value is not None:
                    setattr(service, xform_name(key), value)
            return result

        return create_service

    _wrap(EC2ContainerServiceResponse, "create_service", make)


# --------------------------------------------------------------------------------------------- ELBv2


def elbv2_certificate_in_use_by():
    """ELBv2: an ACM certificate stays "in use" after its listener and load balancer are gone.

    AWS: DescribeCertificate's InUseBy names the load balancers whose listeners use the certificate, and follows
    the listeners: a certificate put on a listener by ModifyListener or AddListenerCertificates is in use, one
    taken off, or whose listener or load balancer is deleted, no longer is (so it can be deleted). moto appends
    the listener's ARN at CreateListener and never removes it, and ignores the other operations, so a tool that
    waits for InUseBy to empty before DeleteCertificate (nextstack_acm_certificate does, as AWS refuses the delete
    of a certificate in use) waits forever after the ALB is destroyed. Fix: after each of those operations, make
    the load balancer's entries in InUseBy match the certificates its listeners have now.
    """
    from moto.acm.models import acm_backends
    from moto.elbv2.models import ELBv2Backend

    def sync(backend, lb_arn):
        balancer = backend.load_balancers.get(lb_arn)
        wanted = set()
        for listener in (balancer.listeners.values() if balancer else []):
            wanted.update(c for c in [listener.certificate, *(listener.certificates or [])] if c)
        listener_prefix = lb_arn.replace(":loadbalancer/", ":listener/") + "/"
        for arn, cert in acm_backends[backend.account_id][backend.region_name]._certificates.items():
            users = [u for u in cert.in_use_by if u != lb_arn and not u.startswith(listener_prefix)]
            cert.in_use_by = users + ([lb_arn] if arn in wanted else [])

    def lb_of_listener(backend, listener_arn):
        for lb_arn, balancer in backend.load_balancers.items():
            if listener_arn in balancer.listeners:
                return lb_arn
        return None

    def make(original, lb_arn_of):
        def wrapper(self, *args, **kwargs):
            lb_arn = lb_arn_of(self, _arguments(original, self, *args, **kwargs))
            result = original(self, *args, **kwargs)
            if lb_arn:
                sync(self, lb_arn)
            return result

        return wrapper

    by_listener = {"modify_listener": "arn", "add_listener_certificates": "arn", "remove_listener_certificates": "arn",
                   "delete_listener": "listener_arn"}
    for name, param in by_listener.items():
        _wrap(ELBv2Backend, name, lambda original, param=param: make(original, lambda b, a: lb_of_listener(b, a[param])))
    _wrap(ELBv2Backend, "create_listener", lambda original: make(original, lambda b, a: a["load_balancer_arn"]))
    _wrap(ELBv2Backend, "delete_load_balancer", lambda original: make(original, lambda b, a: a["arn"]))


def elbv2_create_load_balancer_default_scheme():
    """ELBv2 CreateLoadBalancer: a load balancer created without Scheme has none.

    AWS: Scheme defaults to internet-facing, and DescribeLoadBalancers always returns it. hashicorp/aws sends
    Scheme only for `internal = true`; moto passes the missing parameter on as None, so the load balancer is
    described without a Scheme (a reader cannot tell that it is internet-facing). Fix: AWS's default.
    """
    from moto.elbv2.models import FakeLoadBalancer

    def make(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            if not self.scheme:
                self.scheme = "internet-facing"

        return __init__

    _wrap(FakeLoadBalancer, "__init__", make)


# --------------------------------------------------------------------------------------------- Lambda


def lambda_dead_letter_config():
    """Lambda: DeadLetterConfig is not stored.

    AWS: CreateFunction / UpdateFunctionConfiguration take DeadLetterConfig {TargetArn}; GetFunction,
    GetFunctionConfiguration and ListFunctions return it (and omit it once it is removed with an empty
    TargetArn). moto ignores the parameter and never returns it, so hashicorp/aws plans to add
    `dead_letter_config` on every run. Fix: keep it on the function and add it to the configuration.
    """
    from moto.awslambda.models import LambdaFunction

    def stored(value):
        return {"TargetArn": value["TargetArn"]} if value and value.get("TargetArn") else None

    def make_init(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            spec = _arguments(original, self, *args, **kwargs)["spec"]
            self.dead_letter_config = stored(spec.get("DeadLetterConfig"))

        return __init__

    def make_get_configuration(original):
        def get_configuration(self, *args, **kwargs):
            config = original(self, *args, **kwargs)
            if getattr(self, "dead_letter_config", None):
                config["DeadLetterConfig"] = dict(self.dead_letter_config)
            return config

        return get_configuration

    def make_update_configuration(original):
        def update_configuration(self, config_updates, *args, **kwargs):
            if "DeadLetterConfig" in config_updates:
                self.dead_letter_config = stored(config_updates["DeadLetterConfig"])
            return original(self, config_updates, *args, **kwargs)

        return update_configuration

    _wrap(LambdaFunction, "__init__", make_init)
    _wrap(LambdaFunction, "get_configuration", make_get_configuration)
    _wrap(LambdaFunction, "update_configuration", make_update_configuration)

def lambda_permission_qualifier():
    """Lambda AddPermission / GetPolicy / RemovePermission: a qualified permission lands in the function's policy.

    AWS: a function has one resource-based policy and each version and alias has its own; AddPermission,
    GetPolicy and RemovePermission with Qualifier=<alias or version> act on that qualifier's policy only (the
    same statement id may exist on several aliases), and deleting an alias deletes its policy. moto resolves the
    alias to a version object that shares the unqualified function's Policy, so every alias's statements are in
    one policy, returned for the function and for every qualifier alike, and RemovePermission ignores Qualifier
    (it deletes the first statement of that id anywhere). hashicorp/aws's aws_lambda_permission with `qualifier`
    then reads another alias's statement of the same id, and destroys the wrong one. Fix: a policy per
    qualifier, kept on the function, for those three operations; dropped with its alias.
    """
    from moto.awslambda.exceptions import GenericResourcNotFound
    from moto.awslambda.models import LambdaBackend, LambdaStorage
    from moto.awslambda.policy import Policy
    from moto.awslambda.responses import LambdaResponse

    def qualified_policy(backend, function_name, qualifier, create=False):
        backend.get_function(function_name, qualifier)  # the qualifier must exist (ResourceNotFound otherwise)
        latest = backend.get_function(function_name)
        policies = latest.__dict__.setdefault("qualified_policies", {})
        if create:
            return policies.setdefault(qualifier, Policy(latest))
        policy = policies.get(qualifier)
        if policy is None or not policy.statements:
            raise GenericResourcNotFound()
        return policy

    def make_add(original):
        def add_permission(self, function_name, qualifier, raw):
            if not qualifier:
                return original(self, function_name, qualifier, raw)
            statement, _ = qualified_policy(self, function_name, qualifier, create=True).add_statement(raw, qualifier)
            return statement

        return add_permission

    def make_get(original):
        def get_policy(self, function_name, qualifier=None):
            if not qualifier:
                return original(self, function_name, qualifier)
            return qualified_policy(self, function_name, qualifier).wire_format()

        return get_policy

    def make_remove_response(original):
        def remove_permission(self):
            qualifier = self.querystring.get("Qualifier", [None])[0]
            if not qualifier:
                return original(self)
            function_name = unquote(self.path.split("/")[-3])
            statement_id = self.path.split("/")[-1].split("?")[0]
            revision = self.querystring.get("RevisionId", [""])[0]
            qualified_policy(self.backend, function_name, qualifier).del_statement(statement_id, revision)
            return 204, {"status": 204}, "{}"

        return remove_permission

    def make_delete_alias(original):
        def delete_alias(self, name, function_name):
            result = original(self, name, function_name)
            latest = self._functions.get(function_name, {}).get("latest")
            if latest is not None:
                latest.__dict__.get("qualified_policies", {}).pop(name, None)
            return result

        return delete_alias

    from urllib.parse import unquote

    _wrap(LambdaBackend, "add_permission", make_add)
    _wrap(LambdaBackend, "get_policy", make_get)
    _wrap(LambdaResponse, "remove_permission", make_remove_response)
    _wrap(LambdaStorage, "delete_alias", make_delete_alias)


def lambda_logging_config():
    """Lambda: LoggingConfig is not stored.

    AWS: CreateFunction / UpdateFunctionConfiguration take LoggingConfig {LogFormat, LogGroup, ...}; the
    function's configuration returns it, with LogFormat Text and LogGroup /aws/lambda/<name> when none was
    given. moto ignores it and never returns it, so hashicorp/aws plans to add `logging_config` on every run.
    Fix: keep it on the function (with AWS's defaults) and return it.
    """
    from moto.awslambda.models import LambdaFunction

    def stored(self, value):
        config = {"LogFormat": "Text", "LogGroup": "/aws/lambda/%s" % self.function_name}
        config.update({k: v for k, v in (value or {}).items() if v})
        return config

    def make_init(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            spec = _arguments(original, self, *args, **kwargs)["spec"]
            self.logging_config = stored(self, spec.get("LoggingConfig"))

        return __init__

    def make_get_configuration(original):
        def get_configuration(self, *args, **kwargs):
            config = original(self, *args, **kwargs)
            if getattr(self, "logging_config", None):
                config["LoggingConfig"] = dict(self.logging_config)
            return config

        return get_configuration

    def make_update_configuration(original):
        def update_configuration(self, config_updates, *args, **kwargs):
            if "LoggingConfig" in config_updates:
                self.logging_config = stored(self, config_updates["LoggingConfig"])
            return original(self, config_updates, *args, **kwargs)

        return update_configuration

    _wrap(LambdaFunction, "__init__", make_init)
    _wrap(LambdaFunction, "get_configuration", make_get_configuration)
    _wrap(LambdaFunction, "update_configuration", make_update_configuration)



def s3_bucket_policy_conditions():
    """S3 bucket policies: a statement's Condition is ignored when moto checks object requests.

    AWS: a statement applies only when its Condition holds; the usual TLS-only statement (Deny s3:* to * if
    aws:SecureTransport is false) denies nothing to a request over HTTPS. moto checks every object request
    against the bucket policy with Principal and Condition ignored, so that statement denies every PutObject and
    GetObject (HTTP 403 with an empty body). Fix: statements with a Condition are left out of moto's check
    (moto can evaluate none of them); the rest are checked as before.
    """
    import json as _json

    from moto.s3.models import FakeBucket

    def make(original):
        def get_permission(self, action, resource):
            if self.policy is None:
                return original(self, action, resource)
            policy = _json.loads(self.policy)
            statements = policy.get("Statement", [])
            if isinstance(statements, dict):
                statements = [statements]
            kept = [st for st in statements if not st.get("Condition")]
            if len(kept) == len(statements):
                return original(self, action, resource)
            saved = self.policy
            try:
                self.policy = _json.dumps(dict(policy, Statement=kept)).encode()
                return original(self, action, resource)
            finally:
                self.policy = saved

        return get_permission

    _wrap(FakeBucket, "get_permission", make)


# --------------------------------------------------------------------------------------------- SQS


def sqs_redrive_policy_compact_json():
    """SQS: RedrivePolicy comes back with spaces after the separators.

    AWS: GetQueueAttributes returns RedrivePolicy as compact JSON ({"deadLetterTargetArn":"...",
    "maxReceiveCount":5}), which is what hashicorp/aws's jsonencode() sends. moto re-serialises it with
    json.dumps' default separators (", " and ": "), so every plan shows a "whitespace changes" update of
    `redrive_policy` (and everything that depends on the queue is read again). Fix: compact separators.
    """
    import json as _json

    from moto.sqs.models import Queue

    original = Queue.__dict__["attributes"].fget  # a property

    def attributes(self):
        result = original(self)
        if self.redrive_policy and "RedrivePolicy" in result:
            result["RedrivePolicy"] = _json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    functools.update_wrapper(attributes, original)
    Queue.attributes = property(attributes)


# --------------------------------------------------------------------------------------------- CloudFront


def cloudfront_origin_access_control_id():
    """CloudFront distributions: an origin's OriginAccessControlId is not returned.

    AWS: GetDistribution / GetDistributionConfig return each origin's OriginAccessControlId (empty when it has
    none). moto's Origin model never reads it, so hashicorp/aws sees `origin_access_control_id` removed from the
    S3 origin. Fix: keep it on the origin.
    """
    from moto.cloudfront.models import Origin

    def make(original):
        def __init__(self, origin, *args, **kwargs):
            original(self, origin, *args, **kwargs)
            self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

        return __init__

    _wrap(Origin, "__init__", make)


def cloudfront_cache_policy_forwarded_values():
    """CloudFront distributions: a cache behaviour with a cache policy comes back with ForwardedValues.

    AWS: ForwardedValues is the legacy alternative to CachePolicyId; a behaviour created with a cache policy and
    no ForwardedValues is returned without ForwardedValues. moto fills in a default ForwardedValues (no query
    string, no cookies) for every behaviour, so hashicorp/aws sees a `forwarded_values` block in each behaviour
    that the configuration removes. Fix: no ForwardedValues when the behaviour names a cache policy and was
    given none (CacheBehaviour calls this __init__ too).
    """
    from moto.cloudfront.models import DefaultCacheBehaviour

    def make(original):
        def __init__(self, config, *args, **kwargs):
            original(self, config, *args, **kwargs)
            if config.get("CachePolicyId") and "ForwardedValues" not in config:
                self.forwarded_values = None

        return __init__

    _wrap(DefaultCacheBehaviour, "__init__", make)


def cloudfront_viewer_certificate_default_flag():
    """CloudFront distributions: CloudFrontDefaultCertificate is true even with an ACM or IAM certificate.

    AWS: a ViewerCertificate with ACMCertificateArn (or IAMCertificateId) is returned with
    CloudFrontDefaultCertificate false and CertificateSource acm (iam). moto defaults the flag to true whenever
    the request leaves it out, which hashicorp/aws does when it sends a certificate, so it sees
    `cloudfront_default_certificate = true` to undo. Fix: default it to false when a certificate is named.
    """
    from moto.cloudfront.models import ViewerCertificate

    def make(original):
        def __init__(self, config, *args, **kwargs):
            original(self, config, *args, **kwargs)
            if "CloudFrontDefaultCertificate" not in config:
                if config.get("ACMCertificateArn"):
                    self.cloud_front_default_certificate = False
                    self.certificate_source = "acm"
                    self.certificate = config["ACMCertificateArn"]
                elif config.get("IAMCertificateId"):
                    self.cloud_front_default_certificate = False
                    self.certificate_source = "iam"
                    self.certificate = config["IAMCertificateId"]

        return __init__

    _wrap(ViewerCertificate, "__init__", make)


def cloudfront_publish_and_update_function():
    """CloudFront Functions: PublishFunction and UpdateFunction are missing.

    AWS: POST /2020-05-31/function/{Name}/publish copies the DEVELOPMENT stage to LIVE (the summary then says
    Status UNASSOCIATED, Stage LIVE); PUT /2020-05-31/function/{Name} replaces the code and configuration and
    returns a new ETag. moto 5.2.5 has CreateFunction, DescribeFunction, GetFunction, ListFunctions and
    DeleteFunction only, so hashicorp/aws fails on `aws_cloudfront_function` with `publish = true` (HTTP 404)
    and on any change of its code. Fix: both operations, on moto's own function model.
    """
    from moto.cloudfront import responses, urls
    from moto.cloudfront.models import CloudFrontBackend
    from moto.core.responses import ActionResult
    from moto.moto_api._internal import mock_random

    urls.url_paths["{0}/2020-05-31/function/(?P<function_name>[^/]+)/publish$"] = responses.CloudFrontResponse.dispatch

    def publish(self, name):
        function = self.describe_function(name)
        function.stage = "LIVE"
        function.status = "UNASSOCIATED"
        return function

    def update(self, name, config, code):
        function = self.describe_function(name)
        function.config = config or function.config
        function.code = code
        function.stage = "DEVELOPMENT"
        function.etag = mock_random.get_random_hex(14).upper()
        return function

    def publish_function(self):
        function = self.backend.publish_cloudfront_function(self._get_param("Name"))
        return ActionResult({"FunctionSummary": function.function_summary})

    def update_function(self):
        function = self.backend.update_cloudfront_function(
            self._get_param("Name"), self._get_param("FunctionConfig", {}), self._get_param("FunctionCode")
        )
        return ActionResult({"FunctionSummary": function.function_summary, "ETag": function.etag})

    CloudFrontBackend.publish_cloudfront_function = publish
    CloudFrontBackend.update_cloudfront_function = update
    responses.CloudFrontResponse.publish_function = publish_function
    responses.CloudFrontResponse.update_function = update_function


def cloudfront_function_associations():
    """CloudFront distributions: a cache behaviour's FunctionAssociations are dropped.

    AWS: CreateDistribution / UpdateDistribution take FunctionAssociations {Quantity, Items: [{FunctionARN,
    EventType}]} on the default and every ordered cache behaviour, and GetDistribution(Config) returns them.
    moto always answers {Quantity: 0}, so a viewer-request function is not associated as far as any reader
    can tell, and hashicorp/aws plans to add its `function_association` on every run. Fix: keep what was given
    (CacheBehaviour calls this __init__ too).
    """
    from moto.cloudfront.models import DefaultCacheBehaviour

    def make(original):
        def __init__(self, config, *args, **kwargs):
            original(self, config, *args, **kwargs)
            given = config.get("FunctionAssociations") or {}
            items = given.get("Items") or []
            self.function_associations = {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}

        return __init__

    _wrap(DefaultCacheBehaviour, "__init__", make)


def cloudfront_viewer_certificate_ssl_support_method():
    """CloudFront distributions: SSLSupportMethod sni-only comes back with the default certificate.

    AWS: a ViewerCertificate with CloudFrontDefaultCertificate true (the *.cloudfront.net name) has no
    SSLSupportMethod, and none is returned. moto fills in sni-only whenever the request leaves it out, so
    hashicorp/aws sees `ssl_support_method = "sni-only"` to remove on every plan. Fix: no default for it when
    the default certificate is used.
    """
    from moto.cloudfront.models import ViewerCertificate

    def make(original):
        def __init__(self, config, *args, **kwargs):
            original(self, config, *args, **kwargs)
            default = str(self.cloud_front_default_certificate).lower() == "true"
            if default and not config.get("SSLSupportMethod"):
                self.ssl_support_method = None

        return __init__

    _wrap(ViewerCertificate, "__init__", make)


def ecs_run_task_without_container_memory():
    """RunTask: HTTP 500 for a task definition whose containers set no memory of their own.

    AWS: on Fargate the task-level `memory` is enough; a container's `memory` / `memoryReservation` is optional
    (modules/fargate-service sets none). moto adds up the containers' memory to place the task and fails with
    `int += None` when a container has none, even for launchType FARGATE, which needs no placement. Fix: count a
    container without memory as 0 while adding up.
    """
    import types

    from moto.ecs.models import EC2ContainerServiceBackend

    memory_keys = ("memory", "memoryReservation", "Memory", "MemoryReservation")
    original = EC2ContainerServiceBackend._calculate_task_resource_requirements

    def calculate(task_definition):
        containers = [
            c if any(c.get(k) is not None for k in memory_keys) else dict(c, memory=0)
            for c in task_definition.container_definitions
        ]
        return original(types.SimpleNamespace(container_definitions=containers))

    functools.update_wrapper(calculate, original)
    EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(calculate)


# --------------------------------------------------------------------------------------------- RDS


def rds_describe_db_parameters_source():
    """DescribeDBParameters: no Source on the parameters, and the Source filter ignored.

    AWS: every parameter carries Source (`engine-default`, `system` or `user`: set through Create/Modify-
    DBParameterGroup), and `Source=user` returns only the user-set ones. moto keeps only the parameters the caller
    set, returns them without Source and whatever Source is asked for. hashicorp/aws keeps the parameters whose
    Source is `user`, so an `aws_db_parameter_group` with a `parameter` block (e.g. rds.force_ssl) plans to add it
    again on every run. Fix: mark moto's parameters `user` and answer a request for another Source with none.
    """
    from moto.rds.responses import RDSResponse

    def make(original):
        def describe_db_parameters(self):
            result = original(self)
            wanted = self.params.get("Source")
            params = [dict(p, Source=p.get("Source", "user")) for p in result.result["Parameters"]]
            result.result["Parameters"] = [p for p in params if wanted in (None, p["Source"])]
            return result

        return describe_db_parameters

    _wrap(RDSResponse, "describe_db_parameters", make)


PATCHES = [
    ec2_create_launch_template_tag_specifications,
    ec2_security_group_rule_description,
    ecs_create_service_parameters,
    elbv2_certificate_in_use_by,
    elbv2_create_load_balancer_default_scheme,
    lambda_dead_letter_config,
    cloudfront_origin_access_control_id,
    cloudfront_cache_policy_forwarded_values,
    cloudfront_viewer_certificate_default_flag,
    cloudfront_publish_and_update_function,
    cloudfront_function_associations,
    s3_bucket_policy_conditions,
    lambda_logging_config,
    lambda_permission_qualifier,
    cloudfront_viewer_certificate_ssl_support_method,
    sqs_redrive_policy_compact_json,
    rds_describe_db_parameters_source,
    ecs_run_task_without_container_memory,
]

_applied = False


def apply_all() -> None:
    """Apply every patch in PATCHES (once per process)."""
    global _applied
    if _applied:
        return
    for patch in PATCHES:
        patch()
    _applied = True


if __name__ == "__main__":
    apply_all()
    from moto.server import main

    # What the moto_server console script runs.
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    sys.exit(main())
