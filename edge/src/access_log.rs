//! One access-log line per request on stdout, with CloudFront's standard log fields in their order
//! (CloudFront Developer Guide, "Standard logging (access logs)", fields 1-33, tab-separated, `-` when empty).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use http::request::Parts;
use http::{HeaderMap, StatusCode};

use crate::cloudfront::router::ViewerProtocol;

pub struct AccessLog {
    out: Mutex<std::io::Stdout>,
}

impl Default for AccessLog {
    fn default() -> Self {
        Self {
            out: Mutex::new(std::io::stdout()),
        }
    }
}

impl AccessLog {
    pub fn write(&self, line: &LogLine) {
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{}", line.fields.join("\t"));
            let _ = out.flush();
        }
    }
}

pub struct LogLine {
    fields: Vec<String>,
}

fn field(v: Option<&str>) -> String {
    match v {
        Some(s) if !s.is_empty() => s.replace(['\t', ' '], "%20"),
        _ => "-".to_string(),
    }
}

impl LogLine {
    pub fn new(parts: &Parts, client: SocketAddr, request_bytes: usize, protocol: &ViewerProtocol) -> Self {
        let (scheme, tls_protocol, tls_cipher) = match protocol {
            ViewerProtocol::Https(tls) => ("https", tls.protocol.clone(), tls.cipher.clone()),
            ViewerProtocol::StandsForHttps => ("https", "-".to_string(), "-".to_string()),
            ViewerProtocol::Http => ("http", "-".to_string(), "-".to_string()),
        };
        let now = httpdate::fmt_http_date(SystemTime::now());
        let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok());
        let (date, time) = date_time(SystemTime::now()).unwrap_or_else(|| (now.clone(), "-".into()));
        let fields = vec![
            date,                                                     // 1 date
            time,                                                     // 2 time
            "LOCAL1-P1".into(),                                       // 3 x-edge-location
            "-".into(),                                               // 4 sc-bytes
            client.ip().to_string(),                                  // 5 c-ip
            parts.method.to_string(),                                 // 6 cs-method
            field(header("host")),                                    // 7 cs(Host)
            field(Some(parts.uri.path())),                            // 8 cs-uri-stem
            "-".into(),                                               // 9 sc-status
            field(header("referer")),                                 // 10 cs(Referer)
            field(header("user-agent")),                              // 11 cs(User-Agent)
            field(parts.uri.query()),                                 // 12 cs-uri-query
            field(header("cookie")),                                  // 13 cs(Cookie)
            "-".into(),                                               // 14 x-edge-result-type
            "-".into(),                                               // 15 x-edge-request-id
            field(header("host")),                                    // 16 x-host-header
            scheme.into(),                                            // 17 cs-protocol
            request_bytes.to_string(),                                // 18 cs-bytes
            "-".into(),                                               // 19 time-taken
            field(header("x-forwarded-for")),                         // 20 x-forwarded-for
            tls_protocol,                                             // 21 ssl-protocol
            tls_cipher,                                               // 22 ssl-cipher
            "-".into(),                                               // 23 x-edge-response-result-type
            format!("{:?}", parts.version).replace("HTTP/", "HTTP/"), // 24 cs-protocol-version
            "-".into(),                                               // 25 fle-status
            "-".into(),                                               // 26 fle-encrypted-fields
            client.port().to_string(),                                // 27 c-port
            "-".into(),                                               // 28 time-to-first-byte
            "-".into(),                                               // 29 x-edge-detailed-result-type
            "-".into(),                                               // 30 sc-content-type
            "-".into(),                                               // 31 sc-content-len
            "-".into(),                                               // 32 sc-range-start
            "-".into(),                                               // 33 sc-range-end
        ];
        Self { fields }
    }

    /// Fills in the response's fields once its headers are known (time-taken is to the first byte: a
    /// streamed body may go on after the line is written).
    pub fn finish(&mut self, status: StatusCode, headers: &HeaderMap, result: &str, request_id: &str, taken: Duration) {
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        let secs = format!("{:.3}", taken.as_secs_f64());
        self.fields[3] = field(header("content-length"));
        self.fields[8] = status.as_u16().to_string();
        self.fields[13] = result.to_string();
        self.fields[14] = request_id.to_string();
        self.fields[18] = secs.clone();
        self.fields[22] = result.to_string();
        self.fields[27] = secs;
        self.fields[28] = result.to_string();
        self.fields[29] = field(header("content-type"));
        self.fields[30] = field(header("content-length"));
    }
}

/// `YYYY-MM-DD` and `HH:MM:SS` in UTC.
pub fn date_time(t: SystemTime) -> Option<(String, String)> {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Some((
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_600_000);
        assert_eq!(
            date_time(t).unwrap(),
            ("2026-12-06".to_string(), "23:33:20".to_string())
        );
        assert_eq!(date_time(SystemTime::UNIX_EPOCH).unwrap().0, "1970-01-01");
    }
}
