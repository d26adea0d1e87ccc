//! SQS event source mappings: the edge polls the queue and invokes the function with batches, the way
//! Lambda's pollers do.
//!
//! AWS: Lambda Developer Guide, "Using Lambda with Amazon SQS" (the event: `Records` with `messageId`,
//! `receiptHandle`, `body`, `attributes`, `messageAttributes`, `md5OfBody`, `eventSource: aws:sqs`,
//! `eventSourceARN`, `awsRegion`; up to `BatchSize` messages; on success the batch is deleted, on a function
//! error every message returns to the queue after its visibility timeout; with `ReportBatchItemFailures` only the
//! messages named in `batchItemFailures` return), and "FIFO queues" (a message group's messages arrive in order,
//! one batch of a group at a time: SQS itself holds the group while a batch is in flight).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Value};

use crate::endpoint::Aws;
use crate::lambda::pool::Pool;
use crate::lambda::Outcome;

/// One enabled mapping from a queue to a function.
pub struct Mapping {
    pub uuid: String,
    pub queue_arn: String,
    pub batch_size: i32,
    pub report_batch_item_failures: bool,
    pub pool: Arc<Pool>,
}

/// Polls until the task is dropped.
pub async fn poll(aws: Aws, mapping: Mapping) {
    let parts: Vec<&str> = mapping.queue_arn.split(':').collect();
    let (region, account, name) = match parts.as_slice() {
        [_, _, _, region, account, name] => (region.to_string(), account.to_string(), name.to_string()),
        _ => {
            eprintln!(
                "nextstack-edge: event source mapping {}: queue ARN {} is not valid",
                mapping.uuid, mapping.queue_arn
            );
            return;
        }
    };
    let sqs = aws.sqs(&region);
    let queue_url = loop {
        match sqs
            .get_queue_url()
            .queue_name(&name)
            .queue_owner_aws_account_id(&account)
            .send()
            .await
        {
            Ok(out) => break out.queue_url().unwrap_or_default().to_string(),
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    };
    let function = mapping.pool.spec().name.clone();
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(mapping.batch_size.clamp(1, 10))
            .wait_time_seconds(1)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, Value> = m
                    .attributes()
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| (k.as_str().to_string(), Value::String(v.clone())))
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": mapping.queue_arn,
                    "awsRegion": region,
                })
            })
            .collect();
        let event = json!({ "Records": records });
        let outcome = mapping.pool.invoke(Bytes::from(event.to_string())).await;
        let failed: Vec<String> = match outcome {
            Ok(Outcome::Response(payload)) if mapping.report_batch_item_failures => {
                let answer: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
                answer["batchItemFailures"]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|i| i["itemIdentifier"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            }
            Ok(Outcome::Response(_)) | Ok(Outcome::Stream { .. }) => Vec::new(),
            Ok(Outcome::Error(e)) => {
                eprintln!(
                    "nextstack-edge: function {function} failed on a batch of {} from {name}: {e}",
                    messages.len()
                );
                continue;
            }
            Err(e) => {
                eprintln!("nextstack-edge: function {function} not invoked for {name}: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for m in &messages {
            if m.message_id().is_some_and(|id| failed.iter().any(|f| f == id)) {
                continue;
            }
            if let Some(handle) = m.receipt_handle() {
                let _ = sqs
                    .delete_message()
                    .queue_url(&queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await;
            }
        }
    }
}
