//! Logs as hclog JSON lines on stderr, the only log format Terraform parses
//! from a provider: `{"@level":"debug","@message":"...","@timestamp":"...","key":"value"}`.
//! Fields of the enclosing spans (`tf_rpc`, `tf_req_id`, `tf_resource_type`) are
//! added to every line, so `TF_LOG=debug terraform plan` shows them as key=value pairs.

use std::io::Write;

use serde_json::{Map, Value as J};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// Installs the hclog layer as the global subscriber. The level comes from
/// `TF_LOG_PROVIDER`, else `TF_LOG` (Terraform passes its environment on);
/// without either only errors are written, since Terraform would drop the rest.
///
/// `own_targets` are the crates (module path prefixes) logged at that level.
/// Every other crate (the AWS SDK, hyper, h2, tonic) is held to warnings and
/// errors: their debug and trace output can carry request and response bodies,
/// and with them decrypted secrets.
pub fn init(module: &'static str, mut own_targets: Vec<&'static str>) {
    let level = level_from_env(
        std::env::var("TF_LOG_PROVIDER")
            .ok()
            .or_else(|| std::env::var("TF_LOG").ok()),
    );
    own_targets.push(module_path!().split("::").next().unwrap_or("tfplugin_framework"));
    let layer = HclogLayer {
        module,
        max_level: level,
        own_targets,
    };
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

fn level_from_env(value: Option<String>) -> Level {
    match value.map(|v| v.to_ascii_lowercase()).as_deref() {
        Some("trace") | Some("json") => Level::TRACE,
        Some("debug") => Level::DEBUG,
        Some("info") => Level::INFO,
        Some("warn") => Level::WARN,
        _ => Level::ERROR,
    }
}

pub struct HclogLayer {
    module: &'static str,
    max_level: Level,
    own_targets: Vec<&'static str>,
}

/// A span's recorded fields, kept in the span's extensions.
struct SpanFields(Map<String, J>);

struct JsonVisitor<'a>(&'a mut Map<String, J>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(key(field), J::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(key(field), J::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(key(field), J::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(key(field), J::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(key(field), J::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(key(field), J::from(format!("{value:?}")));
    }
}

fn key(field: &Field) -> String {
    match field.name() {
        "message" => "@message".to_string(),
        name => name.to_string(),
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        _ => "error",
    }
}

/// `2006-01-02T15:04:05.000000Z07:00` in Go's notation: Terraform rejects any other form.
pub fn timestamp(now: time::OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    now.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

impl HclogLayer {
    pub fn line(&self, level: &Level, target: &str, fields: Map<String, J>, now: time::OffsetDateTime) -> String {
        let mut out = Map::new();
        out.insert("@level".into(), J::from(level_name(level)));
        out.insert("@timestamp".into(), J::from(timestamp(now)));
        out.insert(
            "@module".into(),
            J::from(format!(
                "{}.{}",
                self.module,
                target.split("::").last().unwrap_or(target)
            )),
        );
        out.extend(fields);
        out.entry("@message").or_insert_with(|| J::from(""));
        J::Object(out).to_string()
    }
}

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        let own = self.own_targets.iter().any(|t| metadata.target().starts_with(t));
        let limit = if own {
            self.max_level
        } else {
            self.max_level.min(Level::WARN)
        };
        *metadata.level() <= limit
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<SpanFields>() {
                values.record(&mut JsonVisitor(&mut fields.0));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(span_fields) = span.extensions().get::<SpanFields>() {
                    fields.extend(span_fields.0.clone());
                }
            }
        }
        event.record(&mut JsonVisitor(&mut fields));
        let meta = event.metadata();
        let line = self.line(meta.level(), meta.target(), fields, time::OffsetDateTime::now_utc());
        // One write per line so concurrent events never interleave.
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(format!("{line}\n").as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_has_go_layout() {
        let t = time::macros::datetime!(2026-11-21 15:04:05.123456789 UTC);
        assert_eq!(timestamp(t), "2026-11-21T15:04:05.123456Z");
    }

    #[test]
    fn line_is_hclog_json() {
        let layer = HclogLayer {
            module: "nextstack",
            max_level: Level::DEBUG,
            own_targets: vec![],
        };
        let mut fields = Map::new();
        fields.insert("@message".into(), J::from("reading parameters"));
        fields.insert("tf_rpc".into(), J::from("ReadDataSource"));
        let line = layer.line(
            &Level::DEBUG,
            "terraform_provider_nextstack::ssm",
            fields,
            time::macros::datetime!(2026-01-02 03:04:05 UTC),
        );
        let parsed: J = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["@level"], "debug");
        assert_eq!(parsed["@message"], "reading parameters");
        assert_eq!(parsed["@module"], "nextstack.ssm");
        assert_eq!(parsed["tf_rpc"], "ReadDataSource");
        assert_eq!(parsed["@timestamp"], "2026-01-02T03:04:05.000000Z");
    }

    #[test]
    fn level_follows_tf_log() {
        assert_eq!(level_from_env(Some("DEBUG".into())), Level::DEBUG);
        assert_eq!(level_from_env(Some("json".into())), Level::TRACE);
        assert_eq!(level_from_env(None), Level::ERROR);
    }
}
