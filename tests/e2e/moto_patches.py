"""moto_server with the test harness's fixes for the emulator (moto 5.2.5).

    python tests/e2e/moto_patches.py -H 127.0.0.1 -p PORT     # same arguments as moto_server

Imports moto, applies every function in PATCHES, then runs moto's server main exactly as the `moto_server`
console script does. The emulator is not the spec: where moto mis-models or lacks an API the modules use, the fix
belongs here, never in modules/ or examples/. Rules for a patch:
  - one function per defect, named after the moto issue or the API it lacks or mis-models;
  - its docstring says what real AWS does and what moto does instead;
  - small: wrap the model or response method involved rather than copying it.
Patches change classes, so they survive POST /moto-api/reset.

Besides AWS's own APIs the patched server answers one path of its own, where AWS hands out a URL on another host:
  GET /_nextstack/lambda-code/<account>/<region>/<function>/<version>?CodeSha256=...   a Lambda deployment package
(see lambda_get_function_code_location; the URL is built from the -H/-p arguments the server was started with).
"""

from __future__ import annotations

import argparse
import functools
import inspect
import os
import re
import sys

import moto  # noqa: F401  (the package must import before any of its services)


def _wrap(owner, name: str, make):
    """Replace owner.name by make(original); the replacement keeps the original's name and docstring."""
    original = getattr(owner, name)
    replacement = make(original)
    functools.update_wrapper(replacement, original)
    setattr(owner, name, replacement)


# Where this server answers (scheme, host, port), from the arguments it was started with (see __main__); URLs that
# the patches hand out point here. Defaults: moto_server's own.
SERVER = {"scheme": "http", "host": "127.0.0.1", "port": int(os.environ.get("MOTO_PORT", "5000"))}


def _server_base() -> str:
    host = SERVER["host"]
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"  # listening everywhere: loopback reaches it
    if ":" in host:
        host = "[%s]" % host
    return "%s://%s:%d" % (SERVER["scheme"], host, SERVER["port"])


def _read_server_arguments(argv: list[str]) -> None:
    """Take -H/--host, -p/--port and -s/-c/-k (TLS) from moto_server's command line into SERVER."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-H", "--host", default=SERVER["host"])
    parser.add_argument("-p", "--port", type=int, default=SERVER["port"])
    parser.add_argument("-s", "--ssl", action="store_true")
    parser.add_argument("-c", "--ssl-cert")
    parser.add_argument("-k", "--ssl-key")
    args, _ = parser.parse_known_args(argv)
    tls = args.ssl or (args.ssl_cert and args.ssl_key)
    SERVER.update(scheme="https" if tls else "http", host=args.host, port=args.port)


# Extra paths this server answers itself, before moto's dispatcher looks at the request: prefix -> handler(request)
# returning a werkzeug Response. Filled by the patches that need one; installed by _serve_extra_paths().
_EXTRA_PATHS: dict = {}


def _serve_extra_paths() -> None:
    """The one hook into moto's server: DomainDispatcherApplication (the WSGI app `moto_server` runs) hands a request
    whose path starts with a prefix of _EXTRA_PATHS to that prefix's handler; everything else goes to moto."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from werkzeug.wrappers import Request

    if getattr(DomainDispatcherApplication, "_nextstack_extra_paths", False):
        return

    def make(original):
        def __call__(self, environ, start_response):
            path = environ.get("PATH_INFO", "")
            for prefix, handler in _EXTRA_PATHS.items():
                if path.startswith(prefix):
                    return handler(Request(environ))(environ, start_response)
            return original(self, environ, start_response)

        return __call__

    _wrap(DomainDispatcherApplication, "__call__", make)
    DomainDispatcherApplication._nextstack_extra_paths = True


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


def ec2_create_flow_logs_client_token():
    """CreateFlowLogs: a retried request with the same ClientToken fails with FlowLogAlreadyExists.

    AWS: CreateFlowLogs takes a ClientToken and is idempotent on it ("Ensuring idempotency in Amazon EC2 API
    requests", EC2 API reference): a request repeated with the token of one that succeeded returns that request's
    result (its ClientToken and FlowLogIds) and creates nothing. hashicorp/aws sends a fresh token per
    aws_flow_log and its SDK repeats the same request, token included, after a transient failure (a reset
    connection, a 5xx). moto ignores the token, so the repeat finds the flow log the first attempt made and
    answers FlowLogAlreadyExists: an apply on a loaded machine failed that way. Fix: remember each successful
    request's result by (account, region, token) and answer a repeat with it.
    """
    from moto.core.responses import ActionResult
    from moto.ec2.responses.flow_logs import FlowLogs

    answered: dict[tuple[str, str, str], dict] = {}

    def make(original):
        def create_flow_logs(self):
            token = self._get_param("ClientToken")
            key = (self.current_account, self.region, token)
            if token and key in answered:
                return ActionResult(dict(answered[key]))
            result = original(self)
            if token:
                answered[key] = {**result.result, "ClientToken": token}
                return ActionResult(dict(answered[key]))
            return result

        return create_flow_logs

    _wrap(FlowLogs, "create_flow_logs", make)


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


def elbv2_targets_by_id_and_port():
    """ELBv2: a target group keeps one target per Id, whatever the ports.

    AWS ("Register targets with your target group"): "you can register each EC2 instance or IP address with the same
    target group multiple times using different ports"; a target is its Id and Port (RegisterTargets,
    DeregisterTargets and DescribeTargetHealth name both). moto keys a group's targets by Id alone, so registering
    127.0.0.1:8001 and 127.0.0.1:8002 leaves only the second. Fix: the group's targets keyed by Id and Port (the
    group's port when none is given) for register, deregister and health; deregistered and terminated targets stay
    keyed by Id as moto keeps them.
    """
    from moto.elbv2.models import FakeTargetGroup

    def key(group, target):
        return "%s|%s" % (target["Id"], target.get("Port") or group.port)

    def register(original):
        def wrapper(self, targets):
            for target in targets:
                original(self, [target])
                entry = self.targets.pop(target["Id"])
                self.targets[key(self, target)] = entry

        return wrapper

    def deregister(original):
        def wrapper(self, targets):
            for target in targets:
                entry = self.targets.get(key(self, target))
                if entry is None:
                    return original(self, [target])  # moto's InvalidTargetError
                self.targets = {k: v for k, v in self.targets.items() if k != key(self, target)} | {target["Id"]: entry}
                original(self, [target])

        return wrapper

    def health_for(original):
        def wrapper(self, target, ec2_backend):
            entry = self.targets.get(key(self, target))
            if entry is None:
                return original(self, target, ec2_backend)
            saved, self.targets = self.targets, {target["Id"]: entry}
            try:
                return original(self, target, ec2_backend)
            finally:
                self.targets = saved

        return wrapper

    def deregister_terminated_instances(original):
        def wrapper(self, instance_ids):
            for k in [k for k, v in self.targets.items() if v["Id"] in instance_ids]:
                self.terminated_targets[self.targets[k]["Id"]] = self.targets.pop(k)

        return wrapper

    _wrap(FakeTargetGroup, "register", register)
    _wrap(FakeTargetGroup, "deregister", deregister)
    _wrap(FakeTargetGroup, "health_for", health_for)
    _wrap(FakeTargetGroup, "deregister_terminated_instances", deregister_terminated_instances)


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



LAMBDA_CODE_PATH = "/_nextstack/lambda-code/"


def lambda_get_function_code_location():
    """Lambda GetFunction: Code.Location names a host moto does not serve.

    AWS: GetFunction of a function (or of a version or alias: Qualifier) whose package is a .zip returns
    Code {RepositoryType: S3, Location}, a presigned URL valid for 10 minutes from which a plain HTTP GET
    downloads that version's deployment package (a copy Lambda keeps, whether the function was created from a
    ZipFile or from S3Bucket/S3Key). moto returns https://awslambda-<region>-tasks.s3.<region>.amazonaws.com/<key>,
    which nothing answers, so a reader cannot get the code it would run. Fix: Location is a URL on this moto
    server, http://HOST:PORT/_nextstack/lambda-code/<account>/<region>/<function>/<version>?CodeSha256=<sha>
    (version a number or $LATEST, percent-encoded), answered with the zip moto stored for that version
    (LambdaFunction.code_bytes; a published version keeps its own). moto keeps only the current code of $LATEST:
    a URL whose CodeSha256 no longer matches answers 404 (AWS would still serve the old package until the URL
    expires), never other code.
    """
    from urllib.parse import quote, unquote

    from moto.awslambda.models import LambdaFunction, lambda_backends
    from werkzeug.wrappers import Response

    def make(original):
        def get_code(self):
            result = original(self)
            code = result.get("Code")
            if code and code.get("RepositoryType") == "S3":
                code["Location"] = "%s%s%s/%s/%s/%s?CodeSha256=%s" % (
                    _server_base(), LAMBDA_CODE_PATH, self.account_id, self.region, quote(self.function_name, safe=""),
                    quote(str(self.version), safe=""), quote(self.code_sha_256, safe=""),
                )
            return result

        return get_code

    def not_found(message):
        return Response(message + "\n", status=404, content_type="text/plain; charset=utf-8")

    def serve(request):
        parts = request.path[len(LAMBDA_CODE_PATH):].split("/")
        if request.method not in ("GET", "HEAD") or len(parts) != 4:
            return not_found("usage: GET %s<account>/<region>/<function>/<version>" % LAMBDA_CODE_PATH)
        account, region, name, version = (unquote(part) for part in parts)
        try:
            function = lambda_backends[account][region].get_function(name, None if version == "$LATEST" else version)
        except Exception:  # noqa: BLE001  (moto's UnknownFunctionException and friends)
            function = None
        if function is None or str(function.version) != version:
            return not_found("no function %s version %s in %s/%s" % (name, version, account, region))
        wanted = request.args.get("CodeSha256")
        if wanted is not None and wanted != function.code_sha_256:
            return not_found("the code of %s:%s changed since GetFunction (moto keeps only the current code)" % (
                name, version))
        if not function.code_bytes:
            return not_found("moto holds no code for %s:%s (its S3 object was missing at create time)" % (name, version))
        return Response(function.code_bytes, status=200, content_type="application/zip")

    _wrap(LambdaFunction, "get_code", make)
    _EXTRA_PATHS[LAMBDA_CODE_PATH] = serve
    _serve_extra_paths()


def lambda_function_url_qualifier():
    """Lambda function URLs: Qualifier is ignored, ListFunctionUrlConfigs is missing, and the URL lacks its "/".

    AWS: a function URL belongs to the unqualified function or to one alias (Create/Get/Update/
    DeleteFunctionUrlConfig with Qualifier=<alias>); each has its own URL, AuthType, Cors and InvokeMode (all
    three changed by UpdateFunctionUrlConfig), and its
    FunctionArn ends with :<alias>; deleting the alias deletes its URL. ListFunctionUrlConfigs
    (GET /2021-10-31/functions/<name>/urls) returns all of a function's URLs. FunctionUrl ends with a slash:
    https://<url-id>.lambda-url.<region>.on.aws/. moto drops Qualifier, so an alias's URL replaces the function's
    own (and every alias shares one), ignores InvokeMode in an update and says "Buffered" when none was given
    (AWS: BUFFERED), has no ListFunctionUrlConfigs, and returns the URL without the slash. Fix: URL configs per
    alias, kept on the function ($LATEST) like lambda_permission_qualifier's policies; InvokeMode as AWS has it;
    the list operation; the slash.
    """
    import json as _json

    from moto.awslambda import urls
    from moto.awslambda.exceptions import GenericResourcNotFound, LambdaClientError
    from moto.awslambda.models import FunctionUrlConfig, LambdaStorage
    from moto.awslambda.responses import LambdaResponse
    from urllib.parse import unquote

    urls.url_paths[r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/urls/?$"] = (
        LambdaResponse.dispatch
    )

    def make_init(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            if not self.url.endswith("/"):
                self.url += "/"
            self.config = dict(self.config, InvokeMode=self.config.get("InvokeMode") or "BUFFERED")

        return __init__

    def make_update(original):
        def update(self, new_config):
            original(self, new_config)
            if new_config.get("InvokeMode"):
                self.config["InvokeMode"] = new_config["InvokeMode"]

        return update

    _wrap(FunctionUrlConfig, "__init__", make_init)
    _wrap(FunctionUrlConfig, "update", make_update)

    def qualifier_of(response):
        qualifier = response.querystring.get("Qualifier", [None])[0]
        return None if qualifier in (None, "", "$LATEST") else qualifier

    def alias_configs(response, function_name, qualifier):
        latest = response.backend.get_function(function_name)
        alias = response.backend.get_alias(qualifier, function_name)  # ResourceNotFound for an unknown alias
        return latest, alias, latest.__dict__.setdefault("qualified_url_configs", {})

    def to_dict(config, alias):
        result = config.to_dict()
        result["FunctionArn"] = alias.arn
        return result

    def make_response(original, action):
        def handler(self):
            qualifier = qualifier_of(self)
            if qualifier is None:
                return original(self)
            function_name = unquote(self.path.split("/")[-2])
            latest, alias, configs = alias_configs(self, function_name, qualifier)
            if action == "create":
                if qualifier in configs:
                    error = LambdaClientError("ResourceConflictException", "Failed to create function url config for "
                                              "[functionArn = %s]. Error message:  FunctionUrlConfig exists for this "
                                              "Lambda function" % alias.arn)
                    error.code = 409
                    raise error
                configs[qualifier] = FunctionUrlConfig(function=latest, config=self.json_body)
                return 201, {"status": 201}, _json.dumps(to_dict(configs[qualifier], alias))
            if qualifier not in configs:
                raise GenericResourcNotFound()
            if action == "delete":
                del configs[qualifier]
                return 204, {"status": 204}, "{}"
            if action == "update":
                configs[qualifier].update(self.json_body)
            return 200, {"status": 200}, _json.dumps(to_dict(configs[qualifier], alias))

        return handler

    for action in ("create", "get", "update", "delete"):
        _wrap(LambdaResponse, "%s_function_url_config" % action, lambda original, action=action: make_response(original, action))

    def list_function_url_configs(self):
        function_name = unquote(self.path.split("/")[-2])
        latest = self.backend.get_function(function_name)
        items = [latest.url_config.to_dict()] if latest.url_config else []
        for qualifier, config in sorted(latest.__dict__.get("qualified_url_configs", {}).items()):
            items.append(to_dict(config, self.backend.get_alias(qualifier, function_name)))
        return 200, {"status": 200}, _json.dumps({"FunctionUrlConfigs": items})

    LambdaResponse.list_function_url_configs = list_function_url_configs

    def make_delete_alias(original):
        def delete_alias(self, name, function_name):
            result = original(self, name, function_name)
            latest = self._functions.get(function_name, {}).get("latest")
            if latest is not None:
                latest.__dict__.get("qualified_url_configs", {}).pop(name, None)
            return result

        return delete_alias

    _wrap(LambdaStorage, "delete_alias", make_delete_alias)

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


def cloudfront_lambda_function_associations():
    """CloudFront distributions: a cache behaviour's LambdaFunctionAssociations are dropped.

    AWS: CreateDistribution / UpdateDistribution take LambdaFunctionAssociations {Quantity, Items:
    [{LambdaFunctionARN (a numbered version), EventType, IncludeBody}]} on the default and every ordered cache
    behaviour, and GetDistribution(Config) returns them, IncludeBody false when it was not given. moto always
    answers {Quantity: 0}, so a Lambda@Edge function is not associated as far as any reader can tell. Fix: keep
    what was given (CacheBehaviour calls this __init__ too).
    """
    from moto.cloudfront.models import DefaultCacheBehaviour

    def make(original):
        def __init__(self, config, *args, **kwargs):
            original(self, config, *args, **kwargs)
            given = config.get("LambdaFunctionAssociations") or {}
            items = [
                {"LambdaFunctionARN": item["LambdaFunctionARN"], "EventType": item["EventType"],
                 "IncludeBody": str(item.get("IncludeBody", False)).lower() == "true"}
                for item in given.get("Items") or []
            ]
            self.lambda_function_associations = {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}

        return __init__

    _wrap(DefaultCacheBehaviour, "__init__", make)


def cloudfront_s3_origin_config():
    """CloudFront distributions: an origin's S3OriginConfig is not returned.

    AWS: an origin created with S3OriginConfig (an S3 bucket's REST endpoint) is returned with it, OriginAccessIdentity
    "" when it has none (the usual case beside an OriginAccessControlId); that block is how a reader tells an S3
    origin from a CustomOriginConfig one. moto reads OriginAccessIdentity into an attribute it never returns, so
    an S3 origin comes back with neither block. Fix: keep the block as given.
    """
    from moto.cloudfront.models import Origin

    def make(original):
        def __init__(self, origin, *args, **kwargs):
            original(self, origin, *args, **kwargs)
            given = origin.get("S3OriginConfig")
            if given is not None:
                self.s3_origin_config = dict(given, OriginAccessIdentity=given.get("OriginAccessIdentity") or "")

        return __init__

    _wrap(Origin, "__init__", make)


def cloudfront_get_origin_access_control_config():
    """CloudFront GetOriginAccessControlConfig: HTTP 500.

    AWS: GET /2020-05-31/origin-access-control/<Id>/config returns the control's OriginAccessControlConfig and
    ETag (GetOriginAccessControl returns the same config with the Id). moto routes the path but has no handler,
    so it answers 500 (and the SDKs retry). Fix: the handler, from moto's own model.
    """
    from moto.cloudfront.responses import CloudFrontResponse
    from moto.core.responses import ActionResult

    def get_origin_access_control_config(self):
        control = self.backend.get_origin_access_control(self._get_param("Id"))
        return ActionResult({"OriginAccessControlConfig": control, "ETag": control.etag})

    CloudFrontResponse.get_origin_access_control_config = get_origin_access_control_config


def cloudfront_function_live_stage():
    """CloudFront Functions: DescribeFunction / GetFunction ignore Stage; there is no LIVE copy.

    AWS: a function has a DEVELOPMENT stage (what CreateFunction / UpdateFunction wrote) and, once published, a
    LIVE stage: PublishFunction copies DEVELOPMENT to LIVE, and distributions run the LIVE code. DescribeFunction
    and GetFunction take Stage (default DEVELOPMENT) and answer that stage's code, config, ETag and
    FunctionMetadata.Stage; Stage=LIVE of a never-published function is NoSuchFunctionExists. moto keeps one copy
    and ignores Stage (with cloudfront_publish_and_update_function an update changes what "LIVE" returns before it
    is published). Fix: PublishFunction keeps a LIVE copy; Stage=LIVE answers it, DEVELOPMENT the current one.
    Must come after cloudfront_publish_and_update_function in PATCHES.
    """
    import copy

    from moto.cloudfront.exceptions import NoSuchFunctionExists
    from moto.cloudfront.models import CloudFrontBackend
    from moto.cloudfront.responses import CloudFrontResponse
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow

    def make_publish(original):
        def publish_cloudfront_function(self, name):
            function = original(self, name)
            function.live = {"config": copy.deepcopy(function.config), "code": function.code, "etag": function.etag,
                             "last_modified_time": utcnow()}
            return function

        return publish_cloudfront_function

    _wrap(CloudFrontBackend, "publish_cloudfront_function", make_publish)

    def stage_of(response, name):
        """(summary, code, etag) of the asked-for stage."""
        function = response.backend.describe_function(name)
        summary = copy.deepcopy(function.function_summary)
        if (response._get_param("Stage") or "DEVELOPMENT") != "LIVE":
            summary["FunctionMetadata"]["Stage"] = "DEVELOPMENT"
            return summary, function.code, function.etag
        live = getattr(function, "live", None)
        if live is None:
            raise NoSuchFunctionExists(name)
        summary["FunctionConfig"] = live["config"]
        summary["FunctionMetadata"].update(Stage="LIVE", LastModifiedTime=live["last_modified_time"])
        return summary, live["code"], live["etag"]

    def describe_function(self):
        summary, _, etag = stage_of(self, self._get_param("Name"))
        return ActionResult({"FunctionSummary": summary, "ETag": etag})

    def get_function(self):
        _, code, etag = stage_of(self, self._get_param("Name"))
        return ActionResult({"FunctionCode": code, "ETag": etag, "ContentType": "application/octet-stream"})

    _wrap(CloudFrontResponse, "describe_function", lambda original: describe_function)
    _wrap(CloudFrontResponse, "get_function", lambda original: get_function)


def cloudfront_vpc_origins():
    """CloudFront VPC origins: CreateVpcOrigin, GetVpcOrigin, UpdateVpcOrigin, DeleteVpcOrigin, ListVpcOrigins are missing.

    AWS: POST /2020-05-31/vpc-origin creates a VPC origin for an internal ALB, NLB or EC2 instance (its
    VpcOriginEndpointConfig: Name, Arn, HTTPPort, HTTPSPort, OriginProtocolPolicy, OriginSslProtocols) and answers
    202 with the VpcOrigin (Id, Arn arn:aws:cloudfront::ACCOUNT:vpcorigin/ID, Status Deploying, then Deployed) and
    an ETag; GET / PUT (If-Match) / DELETE (If-Match) /2020-05-31/vpc-origin/{Id} read, replace and delete it; an
    unknown Id is EntityNotFound (404); a VPC origin that a distribution's origin names cannot be deleted
    (CannotDeleteEntityWhileInUse, 409). moto 5.2.5 has none of these (404 for every path), so hashicorp/aws fails
    on `aws_cloudfront_vpc_origin`. Fix: the five operations on a dict beside moto's backend, Status Deployed at
    once (the emulator has no deployment to wait for), tags through moto's own tagger.
    """
    from moto.cloudfront import responses, urls
    from moto.cloudfront.exceptions import CloudFrontException
    from moto.cloudfront.models import random_id
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow

    urls.url_paths["{0}/2020-05-31/vpc-origin$"] = responses.CloudFrontResponse.dispatch
    urls.url_paths["{0}/2020-05-31/vpc-origin/(?P<vpc_origin_id>[^/]+)$"] = responses.CloudFrontResponse.dispatch

    def origins_of(backend) -> dict:
        if not hasattr(backend, "nextstack_vpc_origins"):
            backend.nextstack_vpc_origins = {}
        return backend.nextstack_vpc_origins

    def find(backend, origin_id):
        found = origins_of(backend).get(origin_id)
        if found is None:
            raise CloudFrontException("EntityNotFound", "The VPC origin %s does not exist." % origin_id)
        return found

    def check_etag(found, if_match):
        if if_match != found["ETag"]:
            raise CloudFrontException("PreconditionFailed", "The If-Match version is missing or not valid.")

    def result(found):
        return ActionResult({"VpcOrigin": found["VpcOrigin"], "ETag": found["ETag"]})

    def create_vpc_origin(self):
        config = self._get_param("VpcOriginEndpointConfig", {})
        if not str(config.get("Arn", "")).startswith("arn:"):
            raise CloudFrontException("InvalidArgument", "VpcOriginEndpointConfig.Arn must be the ARN of a load balancer or an instance.")
        origin_id = "vo_" + random_id(length=22)
        now = utcnow()
        found = {
            "VpcOrigin": {
                "Id": origin_id,
                "Arn": "arn:aws:cloudfront::%s:vpcorigin/%s" % (self.current_account, origin_id),
                "AccountId": self.current_account,
                "Status": "Deployed",
                "CreatedTime": now,
                "LastModifiedTime": now,
                "VpcOriginEndpointConfig": config,
            },
            "ETag": random_id(),
        }
        origins_of(self.backend)[origin_id] = found
        tags = (self._get_param("Tags") or {}).get("Items") or []
        self.backend.tagger.tag_resource(found["VpcOrigin"]["Arn"], tags)
        return ActionResult(dict(found, Location="https://cloudfront.amazonaws.com/2020-05-31/vpc-origin/" + origin_id))

    def get_vpc_origin(self):
        return result(find(self.backend, self._get_param("Id")))

    def update_vpc_origin(self):
        found = find(self.backend, self._get_param("Id"))
        check_etag(found, self._get_param("IfMatch"))
        found["VpcOrigin"].update(VpcOriginEndpointConfig=self._get_param("VpcOriginEndpointConfig", {}), LastModifiedTime=utcnow())
        found["ETag"] = random_id()
        return result(found)

    def delete_vpc_origin(self):
        origin_id = self._get_param("Id")
        found = find(self.backend, origin_id)
        check_etag(found, self._get_param("IfMatch"))
        for dist in self.backend.distributions.values():
            for origin in dist.distribution_config.Origins["Items"]:
                if (getattr(origin, "vpc_origin_config", None) or {}).get("VpcOriginId") == origin_id:
                    raise CloudFrontException(
                        "CannotDeleteEntityWhileInUse", "VPC origin %s is used by distribution %s." % (origin_id, dist.id))
        del origins_of(self.backend)[origin_id]
        self.backend.tagger.delete_all_tags_for_resource(found["VpcOrigin"]["Arn"])
        return result(found)

    def list_vpc_origins(self):
        items = [
            {"Id": o["Id"], "Name": o["VpcOriginEndpointConfig"]["Name"], "Status": o["Status"], "CreatedTime": o["CreatedTime"],
             "LastModifiedTime": o["LastModifiedTime"], "Arn": o["Arn"], "AccountId": o["AccountId"],
             "OriginEndpointArn": o["VpcOriginEndpointConfig"]["Arn"]}
            for o in (f["VpcOrigin"] for f in origins_of(self.backend).values())
        ]
        return ActionResult({"VpcOriginList": {"Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": len(items), "Items": items}})

    for handler in (create_vpc_origin, get_vpc_origin, update_vpc_origin, delete_vpc_origin, list_vpc_origins):
        setattr(responses.CloudFrontResponse, handler.__name__, handler)


def cloudfront_origin_vpc_origin_config():
    """CloudFront distributions: an origin's VpcOriginConfig is dropped.

    AWS: an origin with VpcOriginConfig {VpcOriginId, OriginReadTimeout, OriginKeepaliveTimeout} (a VPC origin
    instead of CustomOriginConfig) is returned with it by GetDistribution(Config). moto's Origin model never reads
    it, so the distribution seems to have an origin of no kind and hashicorp/aws plans to add `vpc_origin_config`
    on every run. Fix: keep the block as given.
    """
    from moto.cloudfront.models import Origin

    def make(original):
        def __init__(self, origin, *args, **kwargs):
            original(self, origin, *args, **kwargs)
            given = origin.get("VpcOriginConfig")
            if given is not None:
                self.vpc_origin_config = dict(given)

        return __init__

    _wrap(Origin, "__init__", make)


def kms_aws_managed_keys():
    """KMS: the AWS managed keys moto makes for a service (alias/aws/dynamodb, alias/aws/ebs) say KeyManager CUSTOMER.

    AWS: a key that a service creates for itself on first use (alias/aws/<service>) is an AWS managed key:
    DescribeKey returns KeyManager AWS; it cannot be deleted and is no customer's to clean up. moto creates these
    keys with its generic create_key, which always says CUSTOMER, so an inventory of customer-managed keys (the
    six-stack's leftovers check) counts the keys of the DynamoDB table's default encryption and of the instances'
    encrypted volumes as left behind. Fix: a key that gets an alias/aws/ alias is AWS managed.
    """
    from moto.kms.models import KmsBackend

    def make(original):
        def create_alias(self, target_key_id, alias_name):
            result = original(self, target_key_id, alias_name)
            if alias_name.startswith("alias/aws/"):
                self.describe_key(target_key_id).key_manager = "AWS"
            return result

        return create_alias

    _wrap(KmsBackend, "create_alias", make)


# AWS managed cache policies as documented (Developer Guide, "Use managed cache policies"): id -> (name, MinTTL,
# DefaultTTL, MaxTTL, headers in the key, CookieBehavior, QueryStringBehavior, gzip and brotli).
_ORIGIN_CACHE_CONTROL_HEADERS = ("host", "origin", "x-http-method-override", "x-http-method", "x-method-override")
MANAGED_CACHE_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": ("Managed-CachingOptimized", 1, 86400, 31536000, (), "none", "none", True),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": (
        "Managed-CachingOptimizedForUncompressedObjects", 1, 86400, 31536000, (), "none", "none", False),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": ("Managed-CachingDisabled", 0, 0, 0, (), "none", "none", False),
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": (
        "Managed-UseOriginCacheControlHeaders", 0, 0, 31536000, _ORIGIN_CACHE_CONTROL_HEADERS, "all", "none", True),
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": (
        "Managed-UseOriginCacheControlHeaders-QueryStrings", 0, 0, 31536000, _ORIGIN_CACHE_CONTROL_HEADERS, "all",
        "all", True),
    "2e54312d-136d-493c-8eb9-b001f22f67d2": (
        "Managed-Amplify", 2, 2, 600, ("Authorization", "CloudFront-Viewer-Country", "Host"), "all", "all", True),
}


def cloudfront_cache_policies():
    """CloudFront cache policies: CreateCachePolicy, GetCachePolicy(Config), UpdateCachePolicy, DeleteCachePolicy and
    ListCachePolicies are missing.

    AWS: POST /2020-05-31/cache-policy creates a policy (201, Location and ETag headers); its Name is unique in the
    account (CachePolicyAlreadyExists, 409), MinTTL <= DefaultTTL <= MaxTTL (InvalidArgument; DefaultTTL defaults
    to 86400, MaxTTL to 31536000), each Quantity matches its Items (InconsistentQuantities), at most 10 headers,
    cookies and query strings (TooManyHeadersInCachePolicy, ...), names exactly when the behaviour is whitelist or
    allExcept, and with caching disabled (MaxTTL 0) nothing in the key (InvalidArgument). GET .../{Id} and
    .../{Id}/config return it and its ETag; PUT .../{Id} replaces the whole config and returns a new ETag, DELETE
    removes it, both only with If-Match the current ETag (none: InvalidIfMatchVersion; another: PreconditionFailed,
    412); DELETE is CachePolicyInUse (409) while a distribution's behaviour names the policy. GET .../cache-policy
    lists custom and AWS managed policies (Type=custom|managed); managed ones can be read and attached, not changed
    (IllegalUpdate / IllegalDelete). moto 5.2.5 has none of these operations (HTTP 404), so hashicorp/aws cannot
    manage an `aws_cloudfront_cache_policy`. Fix: the six operations on a per-account model (CloudFront is global:
    one backend per account); the XML comes from botocore's model through moto's serializer.
    """
    import copy
    import datetime

    from moto.cloudfront import responses, urls
    from moto.cloudfront.exceptions import CloudFrontException
    from moto.cloudfront.models import random_id
    from moto.core.responses import ActionResult, EmptyResult
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    for path in ("$", "/(?P<Id>[^/]+)$", "/(?P<Id>[^/]+)/config$"):
        urls.url_paths["{0}/2020-05-31/cache-policy" + path] = responses.CloudFrontResponse.dispatch

    def managed(policy_id):
        name, min_ttl, default_ttl, max_ttl, headers, cookies, query, compress = MANAGED_CACHE_POLICIES[policy_id]
        header_config = {"HeaderBehavior": "whitelist" if headers else "none"}
        if headers:
            header_config["Headers"] = {"Quantity": len(headers), "Items": list(headers)}
        config = {"Name": name, "MinTTL": min_ttl, "DefaultTTL": default_ttl, "MaxTTL": max_ttl,
                  "ParametersInCacheKeyAndForwardedToOrigin": {
                      "EnableAcceptEncodingGzip": compress, "EnableAcceptEncodingBrotli": compress,
                      "HeadersConfig": header_config, "CookiesConfig": {"CookieBehavior": cookies},
                      "QueryStringsConfig": {"QueryStringBehavior": query}}}
        return {"Id": policy_id, "LastModifiedTime": datetime.datetime(2020, 9, 1), "CachePolicyConfig": config,
                "ETag": "E23ZP02F085DFQ", "Type": "managed"}

    def custom(backend):
        """Id -> {Id, LastModifiedTime, CachePolicyConfig, ETag, Type} of the account's own policies."""
        return backend.__dict__.setdefault("cache_policies", {})

    def fail(code, message):
        raise CloudFrontException(code, message)

    def find(backend, policy_id):
        if policy_id in MANAGED_CACHE_POLICIES:
            return managed(policy_id)
        policy = custom(backend).get(policy_id)
        if policy is None:
            fail("NoSuchCachePolicy", "The cache policy does not exist.")
        return policy

    def check_if_match(policy, if_match, verb):
        if policy["Type"] == "managed":
            fail("Illegal" + verb, "You cannot %s a managed cache policy." % verb.lower())
        if not if_match:
            fail("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
        if if_match != policy["ETag"]:
            fail("PreconditionFailed", "The request failed because it didn't meet the preconditions in one or more "
                                       "request-header fields.")

    def validated(backend, config, own_id=None):
        config = copy.deepcopy(config)
        name = config.get("Name") or ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", name):
            fail("InvalidArgument", "The parameter Name is invalid.")
        if len(config.get("Comment") or "") > 128:
            fail("InvalidArgument", "The parameter Comment is too long.")
        taken = [p["CachePolicyConfig"]["Name"] for i, p in custom(backend).items() if i != own_id]
        if name in taken:
            fail("CachePolicyAlreadyExists", "A cache policy with this name already exists.")
        min_ttl = config.get("MinTTL")
        if min_ttl is None:
            fail("InvalidArgument", "The parameter MinTTL is required.")
        config.setdefault("DefaultTTL", max(86400, min_ttl))
        config.setdefault("MaxTTL", max(31536000, config["DefaultTTL"]))
        if not 0 <= min_ttl <= config["DefaultTTL"] <= config["MaxTTL"]:
            fail("InvalidArgument", "The TTL values must satisfy MinTTL <= DefaultTTL <= MaxTTL.")
        params = config.get("ParametersInCacheKeyAndForwardedToOrigin")
        if not params:
            fail("InvalidArgument", "The parameter ParametersInCacheKeyAndForwardedToOrigin is required.")
        for kind, behaviours in (("Header", ("none", "whitelist")),
                                 ("Cookie", ("none", "whitelist", "allExcept", "all")),
                                 ("QueryString", ("none", "whitelist", "allExcept", "all"))):
            block = params.get(kind + "sConfig") or {}
            behaviour = block.get(kind + "Behavior")
            names = block.get(kind + "s") or {}
            items = names.get("Items") or []
            if behaviour not in behaviours:
                fail("InvalidArgument", "The parameter %sBehavior is invalid." % kind)
            if names and names.get("Quantity") != len(items):
                fail("InconsistentQuantities", "The value of Quantity and the size of Items don't match.")
            if len(items) > 10:
                fail("TooMany%ssInCachePolicy" % kind,
                     "The number of %ss in the cache policy exceeds the maximum." % kind.lower())
            if bool(items) != (behaviour in ("whitelist", "allExcept")):
                fail("InvalidArgument", "The parameter %ss is invalid for %sBehavior %s." % (kind, kind, behaviour))
            if config["MaxTTL"] == 0 and behaviour != "none":
                fail("InvalidArgument", "The parameter %sBehavior is invalid for policy with caching disabled." % kind)
        for encoding in ("Gzip", "Brotli"):
            if config["MaxTTL"] == 0 and params.get("EnableAcceptEncoding" + encoding):
                fail("InvalidArgument",
                     "The parameter EnableAcceptEncoding%s is invalid for policy with caching disabled." % encoding)
        return config

    def stored(backend, policy_id, config):
        config = validated(backend, config, policy_id)
        policy = {"Id": policy_id, "LastModifiedTime": utcnow(), "CachePolicyConfig": config,
                  "ETag": random_id(length=14), "Type": "custom"}
        custom(backend)[policy_id] = policy
        return policy

    def in_use(backend, policy_id):
        for distribution in backend.distributions.values():
            config = distribution.distribution_config
            behaviours = [config.DefaultCacheBehavior] + list((config.CacheBehaviors or {}).get("Items") or [])
            if any(getattr(b, "cache_policy_id", None) == policy_id for b in behaviours):
                return True
        return False

    def answer(policy, **extra):
        fields = {k: policy[k] for k in ("Id", "LastModifiedTime", "CachePolicyConfig")}
        return ActionResult(dict(extra, CachePolicy=fields, ETag=policy["ETag"]))

    def create_cache_policy(self):
        policy = stored(self.backend, str(mock_random.uuid4()), self._get_param("CachePolicyConfig") or {})
        return answer(policy, Location="https://cloudfront.amazonaws.com/2020-05-31/cache-policy/" + policy["Id"])

    def get_cache_policy(self):
        return answer(find(self.backend, self._get_param("Id")))

    def get_cache_policy_config(self):
        policy = find(self.backend, self._get_param("Id"))
        return ActionResult({"CachePolicyConfig": policy["CachePolicyConfig"], "ETag": policy["ETag"]})

    def update_cache_policy(self):
        policy = find(self.backend, self._get_param("Id"))
        check_if_match(policy, self._get_param("IfMatch"), "Update")
        return answer(stored(self.backend, policy["Id"], self._get_param("CachePolicyConfig") or {}))

    def delete_cache_policy(self):
        policy = find(self.backend, self._get_param("Id"))
        check_if_match(policy, self._get_param("IfMatch"), "Delete")
        if in_use(self.backend, policy["Id"]):
            fail("CachePolicyInUse", "Cannot delete the cache policy because it is attached to one or more cache "
                                     "behaviors.")
        del custom(self.backend)[policy["Id"]]
        return EmptyResult()

    def list_cache_policies(self):
        wanted = self._get_param("Type")
        if wanted not in (None, "managed", "custom"):
            fail("InvalidArgument", "The parameter Type is invalid.")
        policies = [managed(i) for i in MANAGED_CACHE_POLICIES] + list(custom(self.backend).values())
        policies = [p for p in policies if wanted in (None, p["Type"])]
        ids = [p["Id"] for p in policies]
        start = ids.index(self._get_param("Marker")) if self._get_param("Marker") in ids else 0
        max_items = int(self._get_param("MaxItems") or 100)
        page = policies[start:start + max_items]
        result = {"MaxItems": max_items, "Quantity": len(page), "Items": [
            {"Type": p["Type"], "CachePolicy": {k: p[k] for k in ("Id", "LastModifiedTime", "CachePolicyConfig")}}
            for p in page]}
        if start + max_items < len(policies):
            result["NextMarker"] = ids[start + max_items]
        return ActionResult({"CachePolicyList": result})

    for handler in (create_cache_policy, get_cache_policy, get_cache_policy_config, update_cache_policy,
                    delete_cache_policy, list_cache_policies):
        setattr(responses.CloudFrontResponse, handler.__name__, handler)


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


def route53_recreate_deleted_record_set():
    """Route 53's ChangeResourceRecordSets refuses a CREATE only when a record set of that name and type exists
    now; a record set deleted earlier can be created again. moto refuses a CREATE identical to any earlier change in
    its journal whenever ListResourceRecordSets starting at that name returns anything, i.e. whenever any record
    set sorts at or after it, so writing back a record removed moments ago fails with "already exists". Fixed:
    such a CREATE is refused only when a record set of that name and type exists; otherwise its stale journal
    entries are dropped before moto's own checks run."""
    from moto.route53.exceptions import ResourceRecordAlreadyExists
    from moto.route53.models import Route53Backend

    def make(original):
        def change_resource_record_sets(self, zoneid, change_list):
            zone = self.get_hosted_zone(zoneid)
            for value in change_list:
                if value["Action"] != "CREATE":
                    continue
                rrset = value["ResourceRecordSet"]
                name = rrset["Name"].strip(".").lower()
                if any(r.name.strip(".").lower() == name and r.type == rrset["Type"] for r in zone.rrsets):
                    raise ResourceRecordAlreadyExists(name=name + ".", _type=rrset["Type"])
                while value in zone.rr_changes:
                    zone.rr_changes.remove(value)
            return original(self, zoneid, change_list)

        return change_resource_record_sets

    _wrap(Route53Backend, "change_resource_record_sets", make)


def apigateway_create_rest_api_binary_media_types():
    """API Gateway: CreateRestApi drops binaryMediaTypes.

    AWS: CreateRestApi takes `binaryMediaTypes` ("Working with binary media types for REST APIs") and GetRestApi
    returns them; they decide which request bodies a Lambda proxy integration gets base64-encoded. moto reads every
    other argument of CreateRestApi but not this one (UpdateRestApi's patch operations do set it), so an API created
    with binary media types has none. Fix: the created API gets the list it was created with.
    """
    import json as _json

    from moto.apigateway.responses import APIGatewayResponse

    def make(original):
        def create_rest_api(self):
            status, headers, body = original(self)
            types = self._get_param("binaryMediaTypes")
            if status == 200 and types:
                api = self.backend.get_rest_api(_json.loads(body)["id"])
                api.binaryMediaTypes = list(types)
                body = _json.dumps(api.to_dict())
            return status, headers, body

        return create_rest_api

    _wrap(APIGatewayResponse, "create_rest_api", make)


def s3_delete_version_in_suspended_bucket():
    """S3: a version deleted by id from a bucket whose versioning is suspended.

    AWS ("Deleting object versions from a versioning-suspended bucket"): a DELETE with a versionId permanently
    removes that one version, object or delete marker, whatever the bucket's versioning state. moto treats a
    suspended bucket as unversioned: it ignores the versionId, drops every version of the key, and fails with a
    500 when one of them is a delete marker (FakeDeleteMarker has no dispose()). hashicorp/aws destroys a bucket's
    aws_s3_bucket_versioning first (which suspends versioning) and then empties the bucket version by version for
    force_destroy, so a bucket that ever held a deleted object could not be destroyed: the provider retried the
    500 until Terraform's timeout. Fix: with a versionId and versioning suspended, only that version is removed."""
    from moto.s3.models import S3Backend

    def make(original):
        def delete_object(self, bucket_name, key_name, version_id=None, bypass=False):
            bucket = self.get_bucket(bucket_name)
            if version_id is None or getattr(bucket, "versioning_status", None) != "Suspended":
                return original(self, bucket_name, key_name, version_id, bypass)
            versions = bucket.keys.getlist(key_name, [])
            keep = [v for v in versions if str(v.version_id) != str(version_id)]
            if len(keep) == len(versions):
                return False, {"version-id": version_id}
            for removed in versions:
                if removed not in keep and hasattr(removed, "dispose"):
                    removed.dispose()
            bucket.keys.setlist(key_name, keep)
            if not keep:
                bucket.keys.pop(key_name)  # disposes nothing: the list is empty
            return True, {"version-id": version_id}

        return delete_object

    _wrap(S3Backend, "delete_object", make)


PATCHES = [
    ec2_create_launch_template_tag_specifications,
    ec2_security_group_rule_description,
    ec2_create_flow_logs_client_token,
    ecs_create_service_parameters,
    elbv2_certificate_in_use_by,
    elbv2_create_load_balancer_default_scheme,
    elbv2_targets_by_id_and_port,
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
    cloudfront_lambda_function_associations,
    cloudfront_s3_origin_config,
    cloudfront_get_origin_access_control_config,
    cloudfront_function_live_stage,  # after cloudfront_publish_and_update_function
    cloudfront_cache_policies,
    cloudfront_vpc_origins,
    cloudfront_origin_vpc_origin_config,
    kms_aws_managed_keys,
    lambda_get_function_code_location,
    lambda_function_url_qualifier,
    sqs_redrive_policy_compact_json,
    rds_describe_db_parameters_source,
    ecs_run_task_without_container_memory,
    route53_recreate_deleted_record_set,
    apigateway_create_rest_api_binary_media_types,
    s3_delete_version_in_suspended_bucket,
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
    _read_server_arguments(sys.argv[1:])
    apply_all()
    from moto.server import main

    # What the moto_server console script runs.
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    sys.exit(main())
