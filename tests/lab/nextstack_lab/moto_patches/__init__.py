"""The test lab's fixes for the emulator (moto 5.2.5), one module per AWS service.

nextstack_lab.moto_server imports this package, applies every registered patch (apply_all) and runs moto's server
main. The emulator is not the spec: where moto mis-models or lacks an API the modules use, the fix belongs here,
never in modules/ or examples/. Rules for a patch:
  - one function per defect, named after the moto issue or the API it lacks or mis-models, in the module of its
    service (ec2.py, ecs.py, ecr.py, elbv2.py, awslambda.py, s3.py, sqs.py, cloudfront.py, kms.py, rds.py, route53.py,
    apigateway.py, cloudwatch.py; a new service gets a new module, imported below);
  - decorated with @patch (registry.py), which registers it where it is defined; @patch(after="NAME") when it
    needs another patch applied first;
  - its docstring says what real AWS does and what moto does instead;
  - small: wrap the model or response method involved rather than copying it (_support._wrap);
  - a test in tests/e2e/test_moto_patches.py.
Patches change classes, so they survive POST /moto-api/reset.

Besides AWS's own APIs the patched server answers one path of its own, where AWS hands out a URL on another host:
  GET /_nextstack/lambda-code/<account>/<region>/<function>/<version>?CodeSha256=...   a Lambda deployment package
(see awslambda.lambda_get_function_code_location; the URL is built from the -H/-p arguments the server was started
with).
"""

from __future__ import annotations

# The services' patches register as their modules import, in this order.
from . import (  # noqa: F401
    ec2, ecs, ecr, elbv2, awslambda, cloudfront, s3, sqs, kms, rds, route53, apigateway, cloudwatch,
)
from .registry import PATCHES, apply_all

__all__ = ["PATCHES", "apply_all"]
