//! The edge cache: entries by cache key, their time to live, `Age`, and invalidation.
//!
//! AWS: CloudFront Developer Guide, "Manage how long content stays in the cache (expiration)":
//! - `Cache-Control: s-maxage` wins over `max-age` for CloudFront; the value is clamped to the policy's
//!   minimum and maximum TTL;
//! - `no-cache`, `no-store` or `private`: not cached when the minimum TTL is 0, else cached for the minimum TTL;
//! - no `Cache-Control` but `Expires`: the time until then, clamped likewise;
//! - neither: the default TTL.
//!
//! "How CloudFront processes HTTP 4xx and 5xx status codes from your origin": 404, 405, 414, 500, 501, 502, 503
//! and 504 are always cached; 400, 403, 412 and 415 only when the origin sends `Cache-Control` `max-age` or
//! `s-maxage`. "Control how long CloudFront caches errors": for the error caching minimum TTL (10 seconds unless
//! a custom error response says otherwise), or for the header's value (`max-age`, `s-maxage` or `Expires`, at
//! most the behaviour's maximum TTL) when that is greater; other `Cache-Control` directives (`no-store` too) do
//! not change it; 416 is never cached. "Invalidate files": a path ending in `*` removes every object whose path
//! starts with what precedes it; other paths remove that object with every query string.
//!
//! Conditional requests: "Request and response behavior for custom origins" > "Conditional requests": an expired
//! object is revalidated with the origin, CloudFront adding `If-None-Match` with the object's `ETag` and
//! `If-Modified-Since` with its `Last-Modified`; a 304 renews it (`RefreshHit` in the standard log's
//! x-edge-result-type). A viewer's own conditional GET is answered from the cache by RFC 9110's rules
//! (`not_modified`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use super::policies::CachePolicy;

/// Error responses CloudFront always caches.
pub const CACHED_ERRORS: [u16; 8] = [404, 405, 414, 500, 501, 502, 503, 504];
/// Error responses CloudFront caches only when the origin sends `Cache-Control` `max-age` or `s-maxage`.
pub const CACHED_ERRORS_WITH_MAX_AGE: [u16; 4] = [400, 403, 412, 415];
/// How long errors are cached when no custom error response says otherwise.
pub const ERROR_CACHING_MIN_TTL: u64 = 10;
/// Statuses cached under the TTL rules (the "successful" ones CloudFront caches).
const CACHED_SUCCESS: [u16; 8] = [200, 203, 204, 300, 301, 307, 308, 410];

/// What the cache keeps of a response.
#[derive(Debug, Clone)]
pub struct Entry {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    stored: Instant,
    ttl: Duration,
}

impl Entry {
    pub fn age(&self) -> Duration {
        self.stored.elapsed()
    }
    pub fn fresh(&self) -> bool {
        self.stored.elapsed() < self.ttl
    }
    /// Whether the origin gave a validator, so an expired entry can be revalidated (RefreshHit).
    pub fn validators(&self) -> (Option<String>, Option<String>) {
        let get = |n: &str| self.headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
        (get("etag"), get("last-modified"))
    }
    /// A 304 from the origin extends the entry's life by the new TTL, with the headers it sent in place of the
    /// stored ones (RFC 9111, 4.3.4 "Freshening Stored Responses upon Validation").
    pub fn refresh(&mut self, ttl: Duration, headers: HeaderMap) {
        self.stored = Instant::now();
        self.ttl = ttl;
        self.headers = headers;
    }
}

/// Whether a viewer's conditional GET or HEAD (its `request` headers) is answered `304 Not Modified` by a response
/// with the `cached` headers (RFC 9110, "Conditional Requests"): `If-None-Match` is `*` or lists the response's
/// `ETag`, compared weakly (13.1.2, `W/"x"` matches `"x"`); only without `If-None-Match`, `If-Modified-Since` is at or
/// after the response's `Last-Modified` (13.1.3; 13.2.2 gives `If-None-Match` precedence). An unparsable date never
/// matches.
pub fn not_modified(request: &HeaderMap, cached: &HeaderMap) -> bool {
    let text = |h: &HeaderMap, n: &str| -> Option<String> {
        let values: Vec<&str> = h.get_all(n).iter().filter_map(|v| v.to_str().ok()).collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    if let Some(wanted) = text(request, "if-none-match") {
        let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
        let Some(etag) = text(cached, "etag") else {
            return false;
        };
        let etag = opaque(&etag);
        return wanted.split(',').any(|t| t.trim() == "*" || opaque(t) == etag);
    }
    let date = |h: &HeaderMap, n: &str| text(h, n).and_then(|v| httpdate::parse_http_date(v.trim()).ok());
    match (date(request, "if-modified-since"), date(cached, "last-modified")) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

#[derive(Debug, Default)]
pub struct Cache {
    /// path -> (full key -> entry): invalidation works by path.
    entries: Mutex<HashMap<String, HashMap<String, Entry>>>,
}

impl Cache {
    pub fn get(&self, path: &str, key: &str) -> Option<Entry> {
        self.entries.lock().ok()?.get(path)?.get(key).cloned()
    }

    pub fn put(&self, path: &str, key: &str, status: StatusCode, headers: HeaderMap, body: Bytes, ttl: Duration) {
        if let Ok(mut entries) = self.entries.lock() {
            let entry = Entry {
                status,
                headers,
                body,
                stored: Instant::now(),
                ttl,
            };
            entries
                .entry(path.to_string())
                .or_default()
                .insert(key.to_string(), entry);
        }
    }

    pub fn refresh(&self, path: &str, key: &str, ttl: Duration, headers: HeaderMap) {
        if let Ok(mut entries) = self.entries.lock() {
            if let Some(e) = entries.get_mut(path).and_then(|m| m.get_mut(key)) {
                e.refresh(ttl, headers);
            }
        }
    }

    /// Removes what one invalidation path names; returns how many objects went.
    pub fn invalidate(&self, pattern: &str) -> usize {
        let Ok(mut entries) = self.entries.lock() else { return 0 };
        let before: usize = entries.values().map(HashMap::len).sum();
        match pattern.strip_suffix('*') {
            Some(prefix) => entries.retain(|path, _| !path.starts_with(prefix)),
            None => {
                entries.remove(pattern);
            }
        }
        before - entries.values().map(HashMap::len).sum::<usize>()
    }
}

/// How long CloudFront keeps this response, or None when it does not cache it. `error_min_ttl`: the error
/// caching minimum TTL for this status (a custom error response's, else `ERROR_CACHING_MIN_TTL`).
pub fn time_to_live(
    status: StatusCode,
    headers: &HeaderMap,
    policy: &CachePolicy,
    error_min_ttl: u64,
    now: SystemTime,
) -> Option<u64> {
    let code = status.as_u16();
    let directives = cache_control(headers);
    let seconds = |name: &str| {
        directives
            .iter()
            .find(|(d, _)| d == name)
            .and_then(|(_, v)| v.as_deref()?.trim_matches('"').parse::<u64>().ok())
    };
    let max_age = seconds("s-maxage").or_else(|| seconds("max-age"));
    let expires = headers
        .get(http::header::EXPIRES)
        .and_then(|v| v.to_str().ok())
        .map(|expires| {
            httpdate::parse_http_date(expires)
                .ok()
                .map(|t| t.duration_since(now).map(|d| d.as_secs()).unwrap_or(0))
                .unwrap_or(0)
        });
    if CACHED_ERRORS.contains(&code) || (CACHED_ERRORS_WITH_MAX_AGE.contains(&code) && max_age.is_some()) {
        // The greater of the error caching minimum TTL and what the origin says (at most the maximum TTL).
        let said = max_age.or(expires).map_or(0, |v| v.min(policy.max_ttl));
        return nonzero(said.max(error_min_ttl));
    }
    if !CACHED_SUCCESS.contains(&code) {
        return None;
    }
    let clamp = |v: u64| v.clamp(policy.min_ttl, policy.max_ttl.max(policy.min_ttl));
    if directives
        .iter()
        .any(|(d, _)| d == "no-cache" || d == "no-store" || d == "private")
    {
        return (policy.min_ttl > 0).then_some(policy.min_ttl);
    }
    if let Some(v) = max_age {
        return nonzero(clamp(v));
    }
    if let Some(remaining) = expires {
        return nonzero(clamp(remaining));
    }
    nonzero(policy.default_ttl)
}

fn nonzero(ttl: u64) -> Option<u64> {
    (ttl > 0).then_some(ttl)
}

/// `Cache-Control` directives, lower case, with their values.
pub fn cache_control(headers: &HeaderMap) -> Vec<(String, Option<String>)> {
    headers
        .get_all(http::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|d| {
            let d = d.trim();
            if d.is_empty() {
                return None;
            }
            Some(match d.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim().to_string())),
                None => (d.to_ascii_lowercase(), None),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudfront::policies::managed_cache_policy;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }
    const OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
    const ORIGIN: &str = "4cc15a8a-d715-48a4-82b8-cc0b614638fe";

    fn ttl(policy: &str, status: u16, pairs: &[(&str, &str)]) -> Option<u64> {
        let p = managed_cache_policy(policy).unwrap();
        time_to_live(
            StatusCode::from_u16(status).unwrap(),
            &headers(pairs),
            &p,
            ERROR_CACHING_MIN_TTL,
            SystemTime::now(),
        )
    }

    #[test]
    fn s_maxage_wins_and_is_clamped() {
        assert_eq!(
            ttl(ORIGIN, 200, &[("cache-control", "public, max-age=0, s-maxage=60")]),
            Some(60)
        );
        assert_eq!(
            ttl(ORIGIN, 200, &[("cache-control", "max-age=31536000000")]),
            Some(31_536_000)
        );
        assert_eq!(
            ttl(OPTIMIZED, 200, &[("cache-control", "max-age=0")]),
            Some(1),
            "min TTL 1"
        );
        assert_eq!(ttl(ORIGIN, 200, &[("cache-control", "s-maxage=0")]), None);
    }

    #[test]
    fn no_store_is_cached_only_for_a_minimum_ttl() {
        assert_eq!(
            ttl(
                ORIGIN,
                200,
                &[(
                    "cache-control",
                    "private, no-cache, no-store, max-age=0, must-revalidate"
                )]
            ),
            None
        );
        assert_eq!(ttl(OPTIMIZED, 200, &[("cache-control", "no-store")]), Some(1));
    }

    #[test]
    fn default_ttl_without_headers_and_expires() {
        assert_eq!(ttl(OPTIMIZED, 200, &[]), Some(86_400));
        assert_eq!(
            ttl(ORIGIN, 200, &[]),
            None,
            "UseOriginCacheControlHeaders: default TTL 0"
        );
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let got = ttl(ORIGIN, 200, &[("expires", &later)]).unwrap();
        assert!((118..=120).contains(&got), "{got}");
    }

    #[test]
    fn errors_are_cached_for_ten_seconds_and_other_statuses_not_at_all() {
        assert_eq!(ttl(ORIGIN, 404, &[]), Some(10));
        assert_eq!(ttl(ORIGIN, 502, &[]), Some(10));
        assert_eq!(ttl(OPTIMIZED, 206, &[]), None);
        assert_eq!(ttl(OPTIMIZED, 302, &[]), None);
        assert_eq!(ttl(ORIGIN, 416, &[]), None);
    }

    #[test]
    fn an_error_is_cached_for_the_greater_of_its_max_age_and_the_error_minimum() {
        assert_eq!(ttl(ORIGIN, 404, &[("cache-control", "max-age=1")]), Some(10));
        assert_eq!(ttl(ORIGIN, 404, &[("cache-control", "s-maxage=60")]), Some(60));
        assert_eq!(ttl(ORIGIN, 503, &[("cache-control", "no-store")]), Some(10));
        assert_eq!(ttl(ORIGIN, 403, &[]), None, "403 only with max-age");
        assert_eq!(ttl(ORIGIN, 403, &[("cache-control", "max-age=30")]), Some(30));
        let p = managed_cache_policy(ORIGIN).unwrap();
        let at = |min| {
            time_to_live(
                StatusCode::SERVICE_UNAVAILABLE,
                &HeaderMap::new(),
                &p,
                min,
                SystemTime::now(),
            )
        };
        assert_eq!(
            (at(2), at(0)),
            (Some(2), None),
            "a custom error response's ErrorCachingMinTTL"
        );
    }

    #[test]
    fn if_none_match_lists_star_and_weak_tags() {
        let cached = headers(&[("etag", "\"v1\""), ("last-modified", "Mon, 07 Dec 2026 00:00:00 GMT")]);
        let asks = |pairs: &[(&str, &str)]| not_modified(&headers(pairs), &cached);
        assert!(asks(&[("if-none-match", "\"v1\"")]));
        assert!(asks(&[("if-none-match", "\"v0\", \"v1\"")]), "one of a list");
        assert!(asks(&[("if-none-match", "W/\"v1\"")]), "weak comparison");
        assert!(asks(&[("if-none-match", "*")]));
        assert!(!asks(&[("if-none-match", "\"v2\"")]));
        assert!(!asks(&[("if-none-match", "v1")]), "an entity tag is quoted");
        assert!(
            !asks(&[
                ("if-none-match", "\"v2\""),
                ("if-modified-since", "Tue, 08 Dec 2026 00:00:00 GMT")
            ]),
            "If-None-Match takes precedence over If-Modified-Since"
        );
        assert!(
            !not_modified(&headers(&[("if-none-match", "*")]), &HeaderMap::new()),
            "no ETag, no match"
        );
    }

    #[test]
    fn if_modified_since_against_last_modified() {
        let cached = headers(&[("last-modified", "Mon, 07 Dec 2026 00:00:00 GMT")]);
        let since = |d: &str| not_modified(&headers(&[("if-modified-since", d)]), &cached);
        assert!(since("Mon, 07 Dec 2026 00:00:00 GMT"), "the same instant");
        assert!(since("Tue, 08 Dec 2026 00:00:00 GMT"));
        assert!(!since("Sun, 06 Dec 2026 23:59:59 GMT"));
        assert!(!since("yesterday"), "an unparsable date");
        assert!(!not_modified(
            &headers(&[("if-modified-since", "Tue, 08 Dec 2026 00:00:00 GMT")]),
            &HeaderMap::new()
        ));
        assert!(!not_modified(&HeaderMap::new(), &cached), "an unconditional request");
    }

    #[test]
    fn an_expired_entry_keeps_its_validators_and_a_refresh_renews_it() {
        let cache = Cache::default();
        let h = headers(&[("etag", "\"v1\""), ("last-modified", "Mon, 07 Dec 2026 00:00:00 GMT")]);
        cache.put(
            "/a",
            "/a",
            StatusCode::OK,
            h,
            Bytes::from_static(b"body"),
            Duration::ZERO,
        );
        let expired = cache.get("/a", "/a").unwrap();
        assert!(!expired.fresh());
        assert_eq!(
            expired.validators(),
            (Some("\"v1\"".into()), Some("Mon, 07 Dec 2026 00:00:00 GMT".into()))
        );
        let mut from_304 = expired.headers.clone();
        from_304.insert("cache-control", "s-maxage=60".parse().unwrap());
        cache.refresh("/a", "/a", Duration::from_secs(60), from_304);
        let renewed = cache.get("/a", "/a").unwrap();
        assert!(renewed.fresh() && renewed.age() < Duration::from_secs(1));
        assert_eq!(renewed.body, Bytes::from_static(b"body"), "the body is kept");
        assert_eq!(
            renewed.headers["cache-control"], "s-maxage=60",
            "the 304's headers are stored"
        );
        cache.put(
            "/b",
            "/b",
            StatusCode::OK,
            HeaderMap::new(),
            Bytes::new(),
            Duration::ZERO,
        );
        assert_eq!(cache.get("/b", "/b").unwrap().validators(), (None, None));
    }

    #[test]
    fn invalidation_by_path_and_prefix() {
        let cache = Cache::default();
        let put = |p: &str, k: &str| {
            cache.put(
                p,
                k,
                StatusCode::OK,
                HeaderMap::new(),
                Bytes::new(),
                Duration::from_secs(60),
            )
        };
        put("/about", "/about?a=1");
        put("/about", "/about?a=2");
        put("/about/team", "/about/team");
        put("/blog", "/blog");
        assert_eq!(cache.invalidate("/about"), 2);
        assert!(cache.get("/about/team", "/about/team").is_some());
        assert_eq!(cache.invalidate("/*"), 2);
        assert!(cache.get("/blog", "/blog").is_none());
    }
}
