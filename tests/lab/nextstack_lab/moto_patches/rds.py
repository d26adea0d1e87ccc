"""moto patches for RDS (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

from ._support import _wrap
from .registry import patch


@patch
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
