"""moto patches for EC2 (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

from ._support import _arguments, _wrap
from .registry import patch


@patch
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


@patch
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


@patch
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
