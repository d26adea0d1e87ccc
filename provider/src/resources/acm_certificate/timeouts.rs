//! The `timeouts { create, delete }` block: Go-style durations ("45m", "1h30m").

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tfplugin_framework::validators::StringCheck;

/// Issuance through real DNS usually takes a few minutes; ACM itself gives up after 72 hours.
pub const DEFAULT_CREATE: Duration = Duration::from_secs(45 * 60);
/// Long enough for CloudFront to let go of a certificate after it switched to a new one.
pub const DEFAULT_DELETE: Duration = Duration::from_secs(20 * 60);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeouts {
    pub create: Option<String>,
    pub delete: Option<String>,
}

impl Timeouts {
    /// The create timeout; an unparsable value (already refused at validation) falls back to the default.
    pub fn create(t: Option<&Timeouts>) -> Duration {
        t.and_then(|t| t.create.as_deref())
            .and_then(|s| parse(s).ok())
            .unwrap_or(DEFAULT_CREATE)
    }
    pub fn delete(t: Option<&Timeouts>) -> Duration {
        t.and_then(|t| t.delete.as_deref())
            .and_then(|s| parse(s).ok())
            .unwrap_or(DEFAULT_DELETE)
    }
}

/// A `timeouts` attribute that [`parse`] refuses is an "Invalid timeout" error at it.
pub fn validator() -> StringCheck {
    StringCheck::new("Invalid timeout", |text| parse(text).map(|_| ()))
}

/// Parses a duration such as "30s", "45m", "1h30m" or "1.5h" (units h, m, s, ms).
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration; write e.g. \"30s\", \"45m\" or \"1h30m\"");
    let s = text.trim();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    if !total.is_finite() || total > 7.0 * 24.0 * 3600.0 {
        return Err(format!("{text:?} is longer than a week"));
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse("45m"), Ok(Duration::from_secs(2700)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse("").is_err());
        assert!(parse("10").is_err());
        assert!(parse("m").is_err());
        assert!(parse("5 minutes").is_err());
    }

    #[test]
    fn defaults_apply_when_unset() {
        assert_eq!(Timeouts::create(None), DEFAULT_CREATE);
        let t = Timeouts {
            create: Some("2m".into()),
            delete: None,
        };
        assert_eq!(Timeouts::create(Some(&t)), Duration::from_secs(120));
        assert_eq!(Timeouts::delete(Some(&t)), DEFAULT_DELETE);
    }
}
