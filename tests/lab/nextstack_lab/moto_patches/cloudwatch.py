"""moto patches for CloudWatch (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

import fnmatch
import json

from ._support import _wrap
from .registry import patch

# What CloudWatch needs of an encrypted topic's key to publish an alarm's notification (Amazon SNS Developer Guide,
# "Configure AWS KMS permissions for AWS services": the service principal needs kms:GenerateDataKey* and
# kms:Decrypt in the key policy; "CloudWatch alarms ... cannot publish to a topic encrypted with the AWS managed
# key for Amazon SNS", whose policy no customer can change).
_CLOUDWATCH = "cloudwatch.amazonaws.com"
_NEEDED = ("kms:GenerateDataKey*", "kms:Decrypt")


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _condition_holds(condition: dict, context: dict) -> bool:
    """The key policy condition operators the modules use, evaluated on the request's context keys; any other
    operator counts as not holding (so an unmodelled condition never grants more than AWS would)."""
    for operator, pairs in condition.items():
        for key, wanted in pairs.items():
            got = context.get(key)
            if got is None:
                return False
            wanted = _as_list(wanted)
            if operator in ("StringEquals", "ArnEquals"):
                ok = got in wanted
            elif operator in ("StringLike", "ArnLike"):
                ok = any(fnmatch.fnmatchcase(got, w) for w in wanted)
            else:
                return False
            if not ok:
                return False
    return True


def _key_lets_cloudwatch_publish(policy: dict, context: dict) -> bool:
    """Every needed action allowed to CloudWatch's service principal by some statement whose conditions hold, and
    none denied."""
    def matches(statement: dict, action: str) -> bool:
        principal = statement.get("Principal", {})
        services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
        if principal != "*" and _CLOUDWATCH not in services:
            return False
        actions = _as_list(statement.get("Action", []))
        if not any(fnmatch.fnmatchcase(action, a) or a == action for a in actions):
            return False
        return _condition_holds(statement.get("Condition", {}), context)

    statements = _as_list(policy.get("Statement", []))
    for action in _NEEDED:
        if any(s.get("Effect") == "Deny" and matches(s, action) for s in statements):
            return False
        if not any(s.get("Effect") == "Allow" and matches(s, action) for s in statements):
            return False
    return True


@patch
def cloudwatch_alarm_actions_notify_sns():
    """CloudWatch: an alarm that changes state never runs its actions; its SNS topics are never notified.

    AWS: when an alarm's state changes and its actions are enabled, CloudWatch runs the actions of the new state
    (AlarmActions for ALARM, OKActions for OK, InsufficientDataActions for INSUFFICIENT_DATA); for an SNS topic it
    publishes the alarm's JSON notification (AlarmName, AlarmDescription, AWSAccountId, NewStateValue,
    NewStateReason, StateChangeTime, Region, AlarmArn, OldStateValue) with the subject
    `ALARM: "NAME" in REGION` (Amazon CloudWatch User Guide, "Using Amazon CloudWatch alarms", "Alarm actions";
    SetAlarmState: "the alarm's actions are invoked"). A topic encrypted with a KMS key is published to only if the
    key policy lets CloudWatch use the key (above); otherwise the action fails and nothing is delivered.
    moto only records the new state. Fix: after a state change, publish to each SNS action's topic, checking its key
    policy with the context CloudWatch sends (aws:SourceAccount, aws:SourceArn = the alarm,
    kms:EncryptionContext:aws:sns:topicArn); a refused delivery publishes nothing (moto has no DescribeAlarmHistory
    to record it in).
    """
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.core.utils import iso_8601_datetime_with_milliseconds
    from moto.kms.models import kms_backends
    from moto.sns.models import sns_backends

    def deliverable(topic, alarm, account: str, region: str) -> str | None:
        """None when CloudWatch may publish to `topic`, else why not."""
        key_id = topic.kms_master_key_id
        if not key_id:
            return None
        if key_id.split(":alias/")[-1].removeprefix("alias/").startswith("aws/"):
            return "the topic is encrypted with the AWS managed key %s, which CloudWatch cannot use" % key_id
        kms = kms_backends[account][region]
        try:
            key = kms.describe_key(key_id)
        except Exception:  # noqa: BLE001  (an unknown key or alias: KMS would refuse it)
            return "KMS key %s not found" % key_id
        context = {
            "aws:SourceAccount": account,
            "aws:SourceArn": alarm.alarm_arn,
            "kms:EncryptionContext:aws:sns:topicArn": topic.arn,
        }
        if key.key_state != "Enabled" or not _key_lets_cloudwatch_publish(json.loads(key.policy), context):
            return "the policy of KMS key %s does not let CloudWatch use it for this alarm and topic" % key.id
        return None

    def make(original):
        def set_alarm_state(self, alarm_name, reason, reason_data, state_value):
            old = self.alarms[alarm_name].state_value if alarm_name in self.alarms else None
            original(self, alarm_name, reason, reason_data, state_value)
            alarm = self.alarms[alarm_name]
            enabled = alarm.actions_enabled not in (False, "false", "False")
            if old == state_value or not enabled:
                return
            actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
                       "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[state_value] or []
            message = json.dumps({
                "AlarmName": alarm.name,
                "AlarmDescription": alarm.description,
                "AWSAccountId": self.account_id,
                "NewStateValue": state_value,
                "NewStateReason": reason,
                "StateChangeTime": iso_8601_datetime_with_milliseconds(alarm.state_updated_timestamp),
                "Region": self.region_name,
                "AlarmArn": alarm.alarm_arn,
                "OldStateValue": old,
            })
            for arn in actions:
                parts = arn.split(":")
                if parts[2] != "sns":
                    continue  # Auto Scaling, EC2 and Systems Manager actions stay unmodelled
                account, region = parts[4], parts[3]
                try:
                    topic = sns_backends[account][region].get_topic(arn)
                    refused = deliverable(topic, alarm, account, region)
                except Exception:  # noqa: BLE001  (a topic that is gone)
                    topic, refused = None, "topic %s not found" % arn
                if refused is None:
                    topic.publish(message, subject='%s: "%s" in %s' % (state_value, alarm.name, self.region_name))

        return set_alarm_state

    _wrap(CloudWatchBackend, "set_alarm_state", make)
