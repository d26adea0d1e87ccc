"""moto patches for SQS (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

import functools

from .registry import patch


@patch
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
