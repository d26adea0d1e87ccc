"""moto patches for Lambda (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

from ._support import _arguments, _EXTRA_PATHS, _serve_extra_paths, _server_base, _wrap
from .registry import patch


@patch
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


@patch
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


@patch
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


LAMBDA_CODE_PATH = "/_nextstack/lambda-code/"


@patch
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
    expires), never other code. The function is looked up in the backend moto's own Lambda API uses (moto's
    Docker-less backend when the server's config says `lambda.use_docker = false`).
    """
    from urllib.parse import quote, unquote

    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.utils import get_backend
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
            function = get_backend(account, region).get_function(name, None if version == "$LATEST" else version)
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


@patch
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
