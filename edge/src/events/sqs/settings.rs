//! What an SQS event source mapping asks of the poller, read from `ListEventSourceMappings` and checked as Lambda
//! checks it when the mapping is created, so that a setting the edge would not honour stops it at start.
//!
//! AWS: Lambda API Reference, "CreateEventSourceMapping" (`BatchSize` for SQS: default 10, at most 10,000 for a
//! standard queue and 10 for a FIFO queue; `MaximumBatchingWindowInSeconds`: 0 to 300, default 0, and at least 1
//! when `BatchSize` is over 10; `FunctionResponseTypes`: `ReportBatchItemFailures`), Lambda Developer Guide "Using
//! Lambda with Amazon SQS" / "Configuring an Amazon SQS queue to use with Lambda" (FIFO queues take no batching
//! window) and "Control which events Lambda sends to your function" (`FilterCriteria`: at most 5 filters, 10 with a
//! quota increase).

use std::time::Duration;

use aws_sdk_lambda::types::EventSourceMappingConfiguration;

use super::filter::Filters;

#[derive(Debug)]
pub struct Settings {
    pub batch_size: usize,
    pub window: Duration,
    pub report_batch_item_failures: bool,
    pub fifo: bool,
    pub filters: Filters,
}

impl Settings {
    /// The mapping's settings, or an error naming the mapping (`event source mapping UUID (QUEUE_ARN)`).
    pub fn from_config(m: &EventSourceMappingConfiguration) -> Result<Self, String> {
        let uuid = m.uuid().unwrap_or_default();
        let queue_arn = m.event_source_arn().unwrap_or_default();
        let named = |e: String| format!("event source mapping {uuid} ({queue_arn}): {e}");
        let patterns: Vec<&str> = m
            .filter_criteria()
            .map(|c| c.filters().iter().filter_map(|f| f.pattern()).collect())
            .unwrap_or_default();
        Self::new(
            queue_arn.ends_with(".fifo"),
            m.batch_size(),
            m.maximum_batching_window_in_seconds(),
            m.function_response_types()
                .iter()
                .any(|t| t.as_str() == "ReportBatchItemFailures"),
            &patterns,
        )
        .map_err(named)
    }

    fn new(
        fifo: bool,
        batch_size: Option<i32>,
        window: Option<i32>,
        report_batch_item_failures: bool,
        patterns: &[&str],
    ) -> Result<Self, String> {
        let batch_size = batch_size.unwrap_or(10);
        let window = window.unwrap_or(0);
        let most = if fifo { 10 } else { 10_000 };
        if !(1..=most).contains(&batch_size) {
            return Err(format!(
                "BatchSize {batch_size} is outside 1-{most} ({} queue)",
                if fifo { "a FIFO" } else { "a standard" }
            ));
        }
        if !(0..=300).contains(&window) {
            return Err(format!("MaximumBatchingWindowInSeconds {window} is outside 0-300"));
        }
        if fifo && window > 0 {
            return Err(format!(
                "MaximumBatchingWindowInSeconds {window}: FIFO queues take no batching window"
            ));
        }
        if batch_size > 10 && window < 1 {
            return Err(format!(
                "BatchSize {batch_size} needs MaximumBatchingWindowInSeconds of at least 1"
            ));
        }
        if patterns.len() > 10 {
            return Err(format!("{} filters (Lambda allows at most 10)", patterns.len()));
        }
        Ok(Self {
            batch_size: batch_size as usize,
            window: Duration::from_secs(window as u64),
            report_batch_item_failures,
            fifo,
            filters: Filters::parse(patterns)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_sizes_and_windows_as_lambda_checks_them() {
        let standard = Settings::new(false, Some(100), Some(2), true, &[]).unwrap();
        assert_eq!((standard.batch_size, standard.window), (100, Duration::from_secs(2)));
        assert!(standard.report_batch_item_failures && !standard.fifo && standard.filters.is_empty());
        assert_eq!(Settings::new(false, None, None, false, &[]).unwrap().batch_size, 10);
        assert_eq!(Settings::new(true, Some(3), None, false, &[]).unwrap().batch_size, 3);
        for (fifo, size, window, want) in [
            (true, Some(11), None, "BatchSize 11 is outside 1-10 (a FIFO queue)"),
            (false, Some(10_001), Some(1), "BatchSize 10001 is outside 1-10000"),
            (false, Some(0), None, "BatchSize 0 is outside"),
            (
                false,
                Some(20),
                None,
                "BatchSize 20 needs MaximumBatchingWindowInSeconds of at least 1",
            ),
            (
                false,
                Some(20),
                Some(301),
                "MaximumBatchingWindowInSeconds 301 is outside 0-300",
            ),
            (true, Some(5), Some(1), "FIFO queues take no batching window"),
        ] {
            let err = Settings::new(fifo, size, window, false, &[]).unwrap_err();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn filters_are_parsed_and_checked() {
        let settings = Settings::new(false, None, None, false, &[r#"{"body": {"a": ["b"]}}"#]).unwrap();
        assert!(!settings.filters.is_empty());
        let err = Settings::new(false, None, None, false, &[r#"{"body": {"a": [{"wildcard": "*"}]}}"#]).unwrap_err();
        assert!(err.contains("is not modelled"), "{err}");
    }
}
