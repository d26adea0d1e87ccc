//! SQS event source mappings: the edge polls the queue and invokes the function with batches, the way
//! Lambda's pollers do.
//!
//! AWS: Lambda Developer Guide, "Using Lambda with Amazon SQS": Lambda reads the queue with long polling and
//! invokes the function synchronously with a batch; it gathers messages until the batch holds `BatchSize`, the
//! batching window (`MaximumBatchingWindowInSeconds`) ends, or the event would pass the 6 MB invocation payload
//! quota; with no window it invokes with what one read returned. On success the batch is deleted; on a function
//! error every message returns to the queue once its visibility timeout ends; with `ReportBatchItemFailures` only
//! the messages the answer names return (`record.rs`). "Control which events Lambda sends to your function":
//! messages that match none of the mapping's filters are deleted without an invocation (`filter.rs`). FIFO queues
//! ("Using Lambda with Amazon SQS", FIFO): SQS hands out a message group's messages in order and holds the group
//! while any of them is in flight, so one batch of a group at a time, and a failed batch blocks its group until the
//! messages return.
//!
//! One poller per mapping, one batch at a time (Lambda scales to several concurrent batches on a standard queue:
//! docs/edge.md lists it as not modelled).

mod filter;
mod record;
mod settings;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{json, Value};

use crate::endpoint::Aws;
use crate::lambda::pool::Pool;
use crate::lambda::Outcome;
use record::Verdict;
pub use settings::Settings;

/// Lambda's synchronous invocation payload quota ("Lambda quotas": 6 MB request), which caps a batch's event.
const PAYLOAD_QUOTA: usize = 6 * 1024 * 1024;
/// ReceiveMessage returns at most 10 messages ("ReceiveMessage", `MaxNumberOfMessages`).
const RECEIVE_MOST: usize = 10;

/// One enabled mapping from a queue to a function.
pub struct Mapping {
    pub uuid: String,
    pub queue_arn: String,
    pub settings: Settings,
    pub pool: Arc<Pool>,
}

/// Lambda refuses to map a queue whose visibility timeout is shorter than the function's timeout (Lambda API
/// Reference, "CreateEventSourceMapping", InvalidParameterValueException; Lambda Developer Guide, "Creating and
/// configuring an Amazon SQS event source mapping": the visibility timeout must be at least the function timeout,
/// else a message could return while its batch still runs). A queue that cannot be read now is left to the poller.
pub async fn check_visibility_timeout(aws: &Aws, mapping: &Mapping) -> Result<(), String> {
    let [_, _, _, region, account, name] = mapping.queue_arn.split(':').collect::<Vec<_>>()[..] else {
        return Err(format!(
            "event source mapping {}: queue ARN {} is not valid",
            mapping.uuid, mapping.queue_arn
        ));
    };
    let sqs = aws.sqs(region);
    let Ok(url) = sqs
        .get_queue_url()
        .queue_name(name)
        .queue_owner_aws_account_id(account)
        .send()
        .await
    else {
        return Ok(());
    };
    let Ok(attributes) = sqs
        .get_queue_attributes()
        .queue_url(url.queue_url().unwrap_or_default())
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout)
        .send()
        .await
    else {
        return Ok(());
    };
    let visibility = attributes
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout))
        .and_then(|v| v.parse::<u64>().ok());
    let function = mapping.pool.spec();
    match visibility {
        Some(seconds) if seconds < function.timeout.as_secs() => Err(format!(
            "event source mapping {} ({}): the queue's visibility timeout, {seconds} s, is less than function {}'s \
             timeout, {} s (Lambda refuses such a mapping)",
            mapping.uuid,
            mapping.queue_arn,
            function.name,
            function.timeout.as_secs()
        )),
        _ => Ok(()),
    }
}

/// A batch being gathered: the messages that go to the function, and their records.
struct Batch {
    messages: Vec<aws_sdk_sqs::types::Message>,
    records: Vec<Value>,
    size: usize,
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
    let queue = Queue {
        sqs,
        url: queue_url,
        name,
        region,
    };
    loop {
        let batch = gather(&queue, &mapping).await;
        if !batch.messages.is_empty() {
            deliver(&queue, &mapping, batch).await;
        }
    }
}

struct Queue {
    sqs: aws_sdk_sqs::Client,
    url: String,
    name: String,
    region: String,
}

/// Reads until the batch is full, the window ends (at once when there is none) or the payload quota is reached.
/// Messages the filters reject are deleted on the way.
async fn gather(queue: &Queue, mapping: &Mapping) -> Batch {
    let settings = &mapping.settings;
    let mut batch = Batch {
        messages: Vec::new(),
        records: Vec::new(),
        size: 64,
    };
    // The window starts with the batch's first message.
    let mut deadline: Option<Instant> = None;
    loop {
        let wait = match deadline {
            None => 1,
            Some(d) => d.saturating_duration_since(Instant::now()).as_secs().min(20) as i32,
        };
        let want = (settings.batch_size - batch.messages.len()).min(RECEIVE_MOST) as i32;
        let received = queue
            .sqs
            .receive_message()
            .queue_url(&queue.url)
            .max_number_of_messages(want)
            .wait_time_seconds(wait)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Vec::new()
            }
        };
        let mut full = false;
        let mut dropped = Vec::new();
        for m in messages {
            let record = record::record(&m, &mapping.queue_arn, &queue.region);
            if !settings.filters.accepts(&record) {
                dropped.push(m);
                continue;
            }
            let size = record.to_string().len() + 1;
            if full || batch.size + size > PAYLOAD_QUOTA {
                // Over the quota: back to the queue at once, for the next batch.
                full = true;
                if let Some(handle) = m.receipt_handle() {
                    let _ = queue
                        .sqs
                        .change_message_visibility()
                        .queue_url(&queue.url)
                        .receipt_handle(handle)
                        .visibility_timeout(0)
                        .send()
                        .await;
                }
                continue;
            }
            batch.size += size;
            batch.records.push(record);
            batch.messages.push(m);
        }
        if !dropped.is_empty() {
            eprintln!(
                "nextstack-edge: event source mapping {}: {} message(s) from {} match no filter: deleted",
                mapping.uuid,
                dropped.len(),
                queue.name
            );
            delete(queue, &dropped).await;
        }
        if batch.messages.is_empty() {
            return batch; // nothing yet (the window has not started): the caller reads again
        }
        if full || batch.messages.len() >= settings.batch_size || settings.window.is_zero() {
            return batch;
        }
        let end = *deadline.get_or_insert_with(|| Instant::now() + settings.window);
        let now = Instant::now();
        if now >= end {
            return batch;
        }
        if wait == 0 && end - now < Duration::from_secs(1) {
            // Under a second left: ReceiveMessage waits whole seconds, so look again shortly.
            tokio::time::sleep((end - now).min(Duration::from_millis(100))).await;
        }
    }
}

/// Invokes the function with the batch and deletes what succeeded.
async fn deliver(queue: &Queue, mapping: &Mapping, batch: Batch) {
    let function = &mapping.pool.spec().name;
    let count = batch.messages.len();
    let event = json!({ "Records": batch.records });
    let outcome = mapping.pool.invoke(Bytes::from(event.to_string())).await;
    let ids: Vec<&str> = batch.messages.iter().filter_map(|m| m.message_id()).collect();
    let failed: Vec<String> = match outcome {
        Ok(Outcome::Response(payload)) if mapping.settings.report_batch_item_failures => {
            match record::batch_item_failures(&payload, &ids) {
                Verdict::Success => Vec::new(),
                Verdict::Partial(failed) => {
                    eprintln!(
                        "nextstack-edge: function {function}: {} of {count} message(s) from {} reported failed \
                         (batchItemFailures): they return after the visibility timeout",
                        failed.len(),
                        queue.name
                    );
                    failed
                }
                Verdict::Invalid(why) => {
                    eprintln!(
                        "nextstack-edge: function {function}: invalid partial batch response for {count} message(s) \
                         from {}: {why}; the whole batch returns after the visibility timeout",
                        queue.name
                    );
                    return;
                }
            }
        }
        Ok(Outcome::Response(_)) | Ok(Outcome::Stream { .. }) => Vec::new(),
        Ok(Outcome::Error(e)) => {
            eprintln!(
                "nextstack-edge: function {function} failed on a batch of {count} from {}: {e}",
                queue.name
            );
            return;
        }
        Err(e) => {
            eprintln!(
                "nextstack-edge: function {function} not invoked for {}: {e}",
                queue.name
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
            return;
        }
    };
    let done: Vec<_> = batch
        .messages
        .into_iter()
        .filter(|m| !m.message_id().is_some_and(|id| failed.iter().any(|f| f == id)))
        .collect();
    delete(queue, &done).await;
}

/// DeleteMessageBatch, ten at a time.
async fn delete(queue: &Queue, messages: &[aws_sdk_sqs::types::Message]) {
    for chunk in messages.chunks(RECEIVE_MOST) {
        let entries: Vec<_> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .set_receipt_handle(m.receipt_handle().map(str::to_string))
                    .build()
                    .ok()
            })
            .collect();
        let _ = queue
            .sqs
            .delete_message_batch()
            .queue_url(&queue.url)
            .set_entries(Some(entries))
            .send()
            .await;
    }
}
