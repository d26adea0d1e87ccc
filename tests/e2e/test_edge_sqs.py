"""nextstack-edge's SQS event source mappings end to end: the real binary polls queues that boto3 made in the patched
moto server and runs the mapped Node.js functions from their deployed code; each function prints one line per
invocation (`BATCH {json}`: what its event held), so the test sees every batch as the function got it.

AWS: Lambda Developer Guide, "Using Lambda with Amazon SQS" (batches up to BatchSize; FIFO order within a message
group, one batch of a group at a time, a failed batch holding its group; BatchSize over 10 for standard queues with
MaximumBatchingWindowInSeconds; the event's record fields, messageAttributes as {stringValue | binaryValue,
stringListValues, binaryListValues, dataType}), "Handling errors for an SQS event source in Lambda" (a failed batch
returns after the visibility timeout; ReportBatchItemFailures returns only the messages named), "Control which
events Lambda sends to your function" (FilterCriteria: filters ORed, rules of the filter rule syntax; messages that
match no filter are deleted without an invocation). The edge polls the mappings of the regions its distribution's
function URLs are in, so each test serves a small distribution with one function URL beside its queues.
"""

from __future__ import annotations

import base64
import json
import re
import time

import pytest

from nextstack_lab.edge_fixtures import (ALL_VIEWER_EXCEPT_HOST, CACHING_DISABLED, LAMBDA_TRUST, REGION, behavior,
                                         create_distribution, edge_server, function_url_origin, node_function,
                                         origin_access_control, run_edge, zip_of)

# One line per invocation. MODE=report: the first delivery of a message whose body holds "fail-once" is named in
# batchItemFailures; MODE=throw: a batch holding the first delivery of such a message fails as a whole.
CONSUMER = """
export const handler = async (event) => {
  const records = event.Records.map((r) => ({id: r.messageId, body: r.body, attributes: r.attributes,
    messageAttributes: r.messageAttributes, eventSource: r.eventSource, eventSourceARN: r.eventSourceARN,
    awsRegion: r.awsRegion, md5OfBody: r.md5OfBody}));
  console.log("BATCH " + JSON.stringify({at: Date.now(), records}));
  const first = event.Records.filter((r) => r.body.includes("fail-once") && r.attributes.ApproximateReceiveCount === "1");
  if (process.env.MODE === "throw" && first.length) throw new Error("refusing " + first.length + " message(s)");
  if (process.env.MODE === "report") return {batchItemFailures: first.map((r) => ({itemIdentifier: r.messageId}))};
  return {};
};
"""

SITE = "export const handler = async () => ({statusCode: 200, body: 'site'});"


@pytest.fixture
def sqs(aws):
    return aws.client("sqs", REGION)


@pytest.fixture
def site(aws):
    """A distribution with one function URL in REGION: the edge then polls REGION's event source mappings."""
    cf = aws.client("cloudfront", "us-east-1")
    url = node_function(aws, "sqs-site", SITE)
    oac = origin_access_control(cf, "sqs-site", "lambda")
    return create_distribution(cf, [function_url_origin("site", url, oac)], behavior(
        "site", cache=CACHING_DISABLED, origin_request=ALL_VIEWER_EXCEPT_HOST))


def queue(sqs, name: str, **attributes) -> tuple[str, str]:
    """A queue (FIFO when the name ends in .fifo): (URL, ARN)."""
    if name.endswith(".fifo"):
        attributes["FifoQueue"] = "true"
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def consumer(aws, name: str, queue_arn: str, mode: str = "", timeout: int = 10, **mapping) -> str:
    """A nodejs20.x function running CONSUMER (its timeout at most the queue's visibility timeout, as Lambda requires of
    a mapping), mapped to the queue; the mapping's UUID."""
    lam = aws.client("lambda", REGION)
    role = aws.client("iam", REGION).create_role(RoleName=name + "-role", AssumeRolePolicyDocument=LAMBDA_TRUST)
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=role["Role"]["Arn"], Handler="index.handler",
                        Timeout=timeout, Environment={"Variables": {"MODE": mode}},
                        Code={"ZipFile": zip_of({"index.mjs": CONSUMER})})
    return lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=name, **mapping)["UUID"]


def batches(edge, function: str) -> list[dict]:
    """Every BATCH line the function printed so far, in order."""
    found = []
    for line in edge.stderr().splitlines():
        match = re.match(r"\[%s\] .*?BATCH (\{.*\})$" % re.escape(function), line)
        if match:
            found.append(json.loads(match.group(1)))
    return found


def wait_for_batches(edge, function: str, count: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = batches(edge, function)
        if len(got) >= count:
            return got
        time.sleep(0.2)
    raise AssertionError("function %s got %d batch(es), not %d, within %ss:\n%s" % (
        function, len(batches(edge, function)), count, timeout, edge.stderr()[-6000:]))


def bodies(batch: dict) -> list[str]:
    return [r["body"] for r in batch["records"]]


def queue_is_empty(sqs, url: str, timeout: float = 10) -> bool:
    """Whether the queue holds no message at all (visible or in flight) within the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        if counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"] == "0":
            return True
        time.sleep(0.2)
    return False


def test_fifo_group_in_order_in_batches_of_batch_size(aws, sqs, site, edge_binary):
    """"Using Lambda with Amazon SQS" (FIFO): one message group of 7 and BatchSize 3 reach the function as batches of
    3, 3 and 1, in the order sent; each record carries the FIFO attributes (MessageGroupId, MessageDeduplicationId,
    SequenceNumber) and the message attributes in Lambda's shape (a Binary one base64); the queue is empty after."""
    url, arn = queue(sqs, "revalidation.fifo")
    consumer(aws, "revalidate", arn, BatchSize=3)
    for n in range(7):
        attributes = {"path": {"DataType": "String", "StringValue": "/p%d" % n},
                      "n": {"DataType": "Number", "StringValue": str(n)}}
        if n == 0:
            attributes["raw"] = {"DataType": "Binary", "BinaryValue": b"\x00\xff"}
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}), MessageGroupId="site",
                         MessageDeduplicationId="d%d" % n, MessageAttributes=attributes)

    with edge_server(edge_binary, aws, site) as edge:
        got = wait_for_batches(edge, "revalidate", 3)
        time.sleep(1.5)  # nothing more comes
        got = batches(edge, "revalidate")
        assert [[json.loads(b)["n"] for b in bodies(batch)] for batch in got] == [[0, 1, 2], [3, 4, 5], [6]], got
        first = got[0]["records"][0]
        assert (first["eventSource"], first["eventSourceARN"], first["awsRegion"]) == ("aws:sqs", arn, REGION)
        assert first["attributes"]["MessageGroupId"] == "site"
        assert first["attributes"]["MessageDeduplicationId"] == "d0"
        assert first["attributes"]["ApproximateReceiveCount"] == "1"
        assert "SequenceNumber" in first["attributes"] and "SentTimestamp" in first["attributes"]
        assert first["messageAttributes"] == {
            "path": {"stringValue": "/p0", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
            "n": {"stringValue": "0", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
            "raw": {"binaryValue": base64.b64encode(b"\x00\xff").decode(), "stringListValues": [],
                    "binaryListValues": [], "dataType": "Binary"}}
        assert got[2]["records"][0]["messageAttributes"]["path"]["stringValue"] == "/p6"
        assert queue_is_empty(sqs, url)


def test_a_failed_fifo_batch_holds_its_group_until_it_returns(aws, sqs, site, edge_binary):
    """"Using Lambda with Amazon SQS" (FIFO) and "Handling errors for an SQS event source": a batch whose invocation
    fails returns whole after the visibility timeout (2 s here), and the group's later messages wait for it: the
    function sees [0, 1] (fails), [0, 1] again (second receive), then [2, 3]."""
    url, arn = queue(sqs, "ordered.fifo", VisibilityTimeout=2)
    consumer(aws, "ordered", arn, mode="throw", timeout=2, BatchSize=2)
    for n, body in enumerate(["fail-once 0", "m1", "m2", "m3"]):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g", MessageDeduplicationId="d%d" % n)

    with edge_server(edge_binary, aws, site) as edge:
        got = wait_for_batches(edge, "ordered", 3)
        assert [bodies(b) for b in got] == [["fail-once 0", "m1"], ["fail-once 0", "m1"], ["m2", "m3"]], got
        assert [r["attributes"]["ApproximateReceiveCount"] for r in got[1]["records"]] == ["2", "2"]
        waited = (got[1]["at"] - got[0]["at"]) / 1000
        assert waited >= 1.5, "the failed batch came back after %.2f s, before its visibility timeout" % waited
        assert "function ordered failed on a batch of 2 from ordered.fifo" in edge.stderr()
        assert queue_is_empty(sqs, url)


def test_report_batch_item_failures_retries_only_the_failed_message(aws, sqs, site, edge_binary):
    """"Handling errors for an SQS event source" (ReportBatchItemFailures in FunctionResponseTypes): the messages the
    answer names in batchItemFailures return after the visibility timeout, the rest of the batch is deleted; the
    returned one is delivered again (ApproximateReceiveCount 2) and then deleted."""
    url, arn = queue(sqs, "partial", VisibilityTimeout=2)
    consumer(aws, "partial", arn, mode="report", timeout=2, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
    sent = ["a", "b", "fail-once c", "d"]
    for body in sent:
        sqs.send_message(QueueUrl=url, MessageBody=body)

    with edge_server(edge_binary, aws, site) as edge:
        got = wait_for_batches(edge, "partial", 2)
        assert sorted(bodies(got[0])) == sorted(sent), got
        assert bodies(got[1]) == ["fail-once c"], got
        retried = got[1]["records"][0]
        assert retried["id"] == next(r["id"] for r in got[0]["records"] if r["body"] == "fail-once c")
        assert retried["attributes"]["ApproximateReceiveCount"] == "2"
        assert (got[1]["at"] - got[0]["at"]) / 1000 >= 1.5
        assert "function partial: 1 of 4 message(s) from partial reported failed (batchItemFailures)" in edge.stderr()
        assert queue_is_empty(sqs, url)
        time.sleep(1)
        assert len(batches(edge, "partial")) == 2


def test_filter_criteria_deliver_matching_messages_and_delete_the_rest(aws, sqs, site, edge_binary):
    """"Control which events Lambda sends to your function" and "Using event filtering with an Amazon SQS event
    source": the filters are ORed; a JSON body is matched by a JSON pattern under body (equals, prefix,
    anything-but, numeric), a plain-string body by rules directly under body, message attributes by the record's
    messageAttributes; what matches no filter is deleted without an invocation (the queue's visibility timeout is
    30 s, so a message left in flight would still count)."""
    url, arn = queue(sqs, "filtered")
    patterns = [
        {"body": {"kind": ["revalidate"], "path": [{"prefix": "/blog/"}]}},
        {"body": {"n": [{"numeric": [">", 10, "<=", 20]}], "kind": [{"anything-but": ["skip"]}]}},
        {"body": [{"prefix": "PING"}]},
        {"body": {"urgent": [True]}, "messageAttributes": {"site": {"stringValue": [{"exists": True}]}}},
    ]
    consumer(aws, "filtered", arn, BatchSize=10, FilterCriteria={
        "Filters": [{"Pattern": json.dumps(p)} for p in patterns]})
    site_attribute = {"site": {"DataType": "String", "StringValue": "www.example.test"}}
    messages = [  # (body, attributes, delivered)
        ({"kind": "revalidate", "path": "/blog/1"}, None, True),
        ({"kind": "revalidate", "path": "/shop/1"}, None, False),
        ({"kind": "warm", "n": 12}, None, True),
        ({"kind": "skip", "n": 12}, None, False),
        ({"kind": "warm", "n": 30}, None, False),
        ("PING 1", None, True),
        ("PONG", None, False),
        ({"urgent": True}, site_attribute, True),
        ({"urgent": True}, None, False),
    ]
    for body, attributes, _ in messages:
        text = body if isinstance(body, str) else json.dumps(body)
        sqs.send_message(QueueUrl=url, MessageBody=text, **({"MessageAttributes": attributes} if attributes else {}))

    with edge_server(edge_binary, aws, site) as edge:
        assert queue_is_empty(sqs, url, timeout=20), edge.stderr()[-4000:]
        time.sleep(1)
        got = [r for b in batches(edge, "filtered") for r in b["records"]]
        want = [body if isinstance(body, str) else json.dumps(body) for body, _, delivered in messages if delivered]
        assert sorted(r["body"] for r in got) == sorted(want), got
        urgent = next(r for r in got if r["body"] == json.dumps({"urgent": True}))
        assert urgent["messageAttributes"] == {"site": {
            "stringValue": "www.example.test", "stringListValues": [], "binaryListValues": [], "dataType": "String"}}
        dropped = sum(int(n) for n in re.findall(r"(\d+) message\(s\) from filtered match no filter: deleted",
                                                 edge.stderr()))
        assert dropped == len(messages) - len(want), edge.stderr()[-4000:]


def test_batches_over_ten_are_gathered_within_the_batching_window(aws, sqs, site, edge_binary):
    """"Using Lambda with Amazon SQS" (batching window): on a standard queue BatchSize 20 with
    MaximumBatchingWindowInSeconds 2 gathers 20 of 25 waiting messages into one invocation (ReceiveMessage returns
    at most 10 at a time), then waits out the window for the last 5."""
    url, arn = queue(sqs, "bulk")
    consumer(aws, "bulk", arn, BatchSize=20, MaximumBatchingWindowInSeconds=2)
    for start in range(0, 25, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "MessageBody": "m%d" % n} for n in range(start, min(start + 10, 25))])

    with edge_server(edge_binary, aws, site) as edge:
        got = wait_for_batches(edge, "bulk", 2)
        assert [len(b["records"]) for b in got] == [20, 5], [bodies(b) for b in got]
        assert sorted(bodies(got[0]) + bodies(got[1])) == sorted("m%d" % n for n in range(25))
        waited = (got[1]["at"] - got[0]["at"]) / 1000
        assert waited >= 1.8, "the last 5 went after %.2f s, before the 2 s window ended" % waited
        assert queue_is_empty(sqs, url)


@pytest.mark.parametrize("name, visibility, mapping, message", [
    ("refused", 30, {"FilterCriteria": {"Filters": [{"Pattern": json.dumps({"body": {"path": [{"wildcard": "/b*"}]}})}]}},
     r'filter 1 \(.*\): body\.path: rule \{"wildcard":"/b\*"\} is not modelled'),
    ("refused.fifo", 30, {"MaximumBatchingWindowInSeconds": 1},
     r"MaximumBatchingWindowInSeconds 1: FIFO queues take no batching window"),
    ("refused", 5, {},
     r"the queue's visibility timeout, 5 s, is less than function refused's timeout, 10 s \(Lambda refuses"),
], ids=["wildcard-rule", "fifo-window", "visibility-under-timeout"])
def test_what_is_not_modelled_stops_the_edge_naming_the_mapping(aws, sqs, site, edge_binary, name, visibility, mapping,
                                                                 message):
    """docs/edge.md: a filter rule the edge does not model, or a mapping Lambda refuses (a batching window on a FIFO
    queue; a queue whose visibility timeout is shorter than the function's timeout, "CreateEventSourceMapping"), is an
    error at start naming the event source mapping, never a mapping that delivers what AWS would not."""
    _, arn = queue(sqs, name, VisibilityTimeout=visibility)
    uuid = consumer(aws, "refused", arn, timeout=10, **mapping)
    code, out, err = run_edge(edge_binary, aws, site.id)
    assert code == 1 and out == "", (code, out, err)
    assert "event source mapping %s (%s)" % (uuid, arn) in err, err
    assert re.search(message, err), err
