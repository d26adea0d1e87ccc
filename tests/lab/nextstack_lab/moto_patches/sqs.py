"""moto patches for SQS (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

import functools

from ._support import _wrap
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


@patch
def sqs_send_message_invokes_no_lambda():
    """SQS: SendMessage to a queue with a Lambda event source mapping receives messages and invokes the function.

    AWS: SendMessage only stores the message; Lambda's pollers read the queue on their own ("Using Lambda with
    Amazon SQS"), and each read counts in the message's ApproximateReceiveCount (and towards a redrive policy's
    maxReceiveCount). moto's Queue.add_message walks the queue's lambda_event_source_mappings on every send, calls
    ReceiveMessage itself (ApproximateReceiveCount + 1 for every visible message, and moved to the dead-letter queue
    once it reaches maxReceiveCount) and invokes the function in Docker, then makes the messages visible again when
    that fails. In the tests nextstack-edge is the poller (it runs the function), so a message sent before it reads
    the queue arrives with a count of 2, 3, ... instead of 1. Fix: the queue keeps its mappings (moto's Lambda API
    still finds them) in a dict whose items() add_message sees as empty (add_message is the only reader of items()).
    """
    from moto.sqs.models import Queue

    class PolledByLambda(dict):
        def items(self):
            return iter(())

    def make(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            self.lambda_event_source_mappings = PolledByLambda(self.lambda_event_source_mappings)

        return __init__

    _wrap(Queue, "__init__", make)


@patch
def sqs_fifo_returned_messages_keep_their_order():
    """SQS FIFO: messages that come back after their visibility timeout are delivered out of order.

    AWS: a FIFO queue hands out a message group's messages in the order they were sent; messages received but not
    deleted return when their visibility timeout ends, and the group is held until then, so the next receive gets
    them again, first ("Amazon SQS FIFO queues", "Amazon SQS visibility timeout"; Lambda relies on it: "Using
    Lambda with Amazon SQS", FIFO). moto counts a group as in flight while a message of it is in
    Queue.pending_messages, and ReceiveMessage takes a returned message out of there only when its walk of the queue
    reaches it, recomputing the groups in flight each time, with the messages it has just handed out: of two returned
    messages [m0, m1] it skips m0 (m1, not reached yet, holds the group), or hands out m0 and then skips m1 (m0 now
    holds it); receive(2) gives [m0], then [m1, m2], or [m1, m2] before m0. Fix: every returned message leaves
    pending_messages before the walk, and a long poll (WaitTimeSeconds) is a series of walks 50 ms apart, each
    preceded by that, instead of one walk that waits inside.
    """
    import time as _time

    from moto.sqs.models import SQSBackend

    def make(original):
        def receive_message(self, queue_name, count, wait_seconds_timeout, visibility_timeout,
                            message_attribute_names=None):
            queue = self.get_queue(queue_name)
            deadline = _time.monotonic() + (wait_seconds_timeout or 0)
            while True:
                for message in [m for m in queue.pending_messages if m.visible]:
                    queue.pending_messages.discard(message)
                result = original(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
                if result or _time.monotonic() >= deadline:
                    return result
                _time.sleep(0.05)

        return receive_message

    _wrap(SQSBackend, "receive_message", make)
