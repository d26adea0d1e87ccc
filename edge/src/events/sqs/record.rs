//! The SQS event's records, and what the function's answer says about them.
//!
//! AWS: Lambda Developer Guide, "Using Lambda with Amazon SQS" (the example event: `messageId`, `receiptHandle`,
//! `body`, `attributes` with the message's system attributes as strings, `ApproximateReceiveCount`, `SentTimestamp`,
//! `SenderId`, `ApproximateFirstReceiveTimestamp`, and for a FIFO queue `SequenceNumber`, `MessageGroupId`,
//! `MessageDeduplicationId`; `messageAttributes` with each attribute as `{stringValue | binaryValue (base64),
//! stringListValues: [], binaryListValues: [], dataType}`; `md5OfBody`, `md5OfMessageAttributes` when there are
//! attributes, `eventSource: aws:sqs`, `eventSourceARN`, `awsRegion`), and "Handling errors for an SQS event source
//! in Lambda" / "Implementing partial batch responses" (with `ReportBatchItemFailures` the function answers
//! `{"batchItemFailures": [{"itemIdentifier": MESSAGE_ID}, ...]}`; an empty or null list, an empty or null answer is
//! a complete success; an answer that is not JSON, or an item whose `itemIdentifier` is missing, empty, not a
//! string or not a message of the batch, is a complete failure).

use aws_sdk_sqs::types::Message;
use base64::Engine;
use serde_json::{json, Map, Value};

/// The record Lambda puts in `Records` for this message.
pub fn record(m: &Message, queue_arn: &str, region: &str) -> Value {
    let attributes: Map<String, Value> = m
        .attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| (k.as_str().to_string(), Value::String(v.clone())))
                .collect()
        })
        .unwrap_or_default();
    let message_attributes: Map<String, Value> = m
        .message_attributes()
        .map(|a| {
            a.iter()
                .map(|(name, value)| {
                    let mut shaped = Map::new();
                    if let Some(text) = value.string_value() {
                        shaped.insert("stringValue".into(), text.into());
                    }
                    if let Some(blob) = value.binary_value() {
                        let encoded = base64::engine::general_purpose::STANDARD.encode(blob.as_ref());
                        shaped.insert("binaryValue".into(), encoded.into());
                    }
                    shaped.insert("stringListValues".into(), json!(value.string_list_values()));
                    let binary_lists: Vec<String> = value
                        .binary_list_values()
                        .iter()
                        .map(|b| base64::engine::general_purpose::STANDARD.encode(b.as_ref()))
                        .collect();
                    shaped.insert("binaryListValues".into(), json!(binary_lists));
                    shaped.insert("dataType".into(), value.data_type().into());
                    (name.clone(), Value::Object(shaped))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut record = json!({
        "messageId": m.message_id(),
        "receiptHandle": m.receipt_handle(),
        "body": m.body(),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": m.md5_of_body(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    });
    if let Some(md5) = m.md5_of_message_attributes() {
        record["md5OfMessageAttributes"] = md5.into();
    }
    record
}

/// What the function's answer means for the batch.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Every message succeeded: all are deleted.
    Success,
    /// These messages (by id) failed and return after the visibility timeout; the others are deleted.
    Partial(Vec<String>),
    /// The answer is not a valid partial batch response: the whole batch returns after the visibility timeout.
    Invalid(String),
}

/// The answer of a function whose mapping has `ReportBatchItemFailures`, for a batch of these message ids.
pub fn batch_item_failures(payload: &[u8], batch: &[&str]) -> Verdict {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Success;
    }
    let answer: Value = match serde_json::from_slice(payload) {
        Ok(v) => v,
        Err(e) => return Verdict::Invalid(format!("the answer is not JSON ({e})")),
    };
    let items = match answer.get("batchItemFailures") {
        None | Some(Value::Null) => return Verdict::Success,
        Some(Value::Array(items)) => items,
        Some(other) => return Verdict::Invalid(format!("batchItemFailures is {other}, not a list")),
    };
    let mut failed = Vec::new();
    for item in items {
        match item.get("itemIdentifier").and_then(Value::as_str) {
            Some(id) if !id.is_empty() && batch.contains(&id) => failed.push(id.to_string()),
            _ => return Verdict::Invalid(format!("batchItemFailures item {item} names no message of the batch")),
        }
    }
    if failed.is_empty() {
        Verdict::Success
    } else {
        Verdict::Partial(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName};
    use aws_smithy_types::Blob;

    #[test]
    fn the_record_has_lambdas_shape() {
        let m = Message::builder()
            .message_id("m1")
            .receipt_handle("rh")
            .body("hello")
            .md5_of_body("5d41402abc4b2a76b9719d911017c592")
            .md5_of_message_attributes("abc")
            .attributes(MessageSystemAttributeName::MessageGroupId, "site")
            .attributes(MessageSystemAttributeName::SequenceNumber, "18849496460467696128")
            .message_attributes(
                "site",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("www")
                    .build()
                    .unwrap(),
            )
            .message_attributes(
                "raw",
                MessageAttributeValue::builder()
                    .data_type("Binary")
                    .binary_value(Blob::new(vec![0u8, 255]))
                    .build()
                    .unwrap(),
            )
            .build();
        let r = record(&m, "arn:aws:sqs:eu-west-1:123456789012:q.fifo", "eu-west-1");
        assert_eq!(r["attributes"]["MessageGroupId"], "site");
        assert_eq!(r["attributes"]["SequenceNumber"], "18849496460467696128");
        assert_eq!(
            r["messageAttributes"]["site"],
            json!({"stringValue": "www", "stringListValues": [], "binaryListValues": [], "dataType": "String"})
        );
        assert_eq!(r["messageAttributes"]["raw"]["binaryValue"], "AP8=");
        assert_eq!(
            (r["eventSource"].as_str(), r["awsRegion"].as_str()),
            (Some("aws:sqs"), Some("eu-west-1"))
        );
        assert_eq!(r["md5OfMessageAttributes"], "abc");
    }

    #[test]
    fn partial_batch_responses() {
        let batch = ["a", "b", "c"];
        assert_eq!(batch_item_failures(b"", &batch), Verdict::Success);
        assert_eq!(batch_item_failures(b"null", &batch), Verdict::Success);
        assert_eq!(batch_item_failures(b"{}", &batch), Verdict::Success);
        assert_eq!(
            batch_item_failures(br#"{"batchItemFailures": []}"#, &batch),
            Verdict::Success
        );
        assert_eq!(
            batch_item_failures(br#"{"batchItemFailures": [{"itemIdentifier": "b"}]}"#, &batch),
            Verdict::Partial(vec!["b".into()])
        );
        for invalid in [
            &b"not json"[..],
            br#"{"batchItemFailures": [{"itemIdentifier": ""}]}"#,
            br#"{"batchItemFailures": [{"itemIdentifier": null}]}"#,
            br#"{"batchItemFailures": [{"id": "a"}]}"#,
            br#"{"batchItemFailures": [{"itemIdentifier": "z"}]}"#,
        ] {
            assert!(
                matches!(batch_item_failures(invalid, &batch), Verdict::Invalid(_)),
                "{invalid:?}"
            );
        }
    }
}
