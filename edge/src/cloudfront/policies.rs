//! Cache, origin request and response headers policies: what goes into the cache key, what reaches the
//! origin, what is added to the viewer's response, and the TTL bounds.
//!
//! AWS: CloudFront Developer Guide, "Use managed cache policies", "Use managed origin request policies" and
//! "Use managed response headers policies" (the managed policies' ids and contents below), "Understand cache
//! policies" (a cache policy's values are also forwarded to the origin) and "Understand origin request
//! policies" (an origin request policy adds values to origin requests without adding them to the key).

use std::collections::BTreeSet;
use std::net::SocketAddr;

use http::{HeaderMap, HeaderName, HeaderValue, Method, Version};

/// Which cookies or query strings a policy selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    None,
    All,
    Only(BTreeSet<String>),
    AllExcept(BTreeSet<String>),
}

impl Selection {
    pub fn includes(&self, name: &str) -> bool {
        match self {
            Selection::None => false,
            Selection::All => true,
            Selection::Only(names) => names.contains(name),
            Selection::AllExcept(names) => !names.contains(name),
        }
    }

    /// The union of two selections (a value forwarded by either policy reaches the origin).
    pub fn union(&self, other: &Selection) -> Selection {
        use Selection::*;
        match (self, other) {
            (All, _) | (_, All) => All,
            (None, x) | (x, None) => x.clone(),
            (Only(a), Only(b)) => Only(a.union(b).cloned().collect()),
            (AllExcept(a), AllExcept(b)) => AllExcept(a.intersection(b).cloned().collect()),
            (AllExcept(a), Only(b)) | (Only(b), AllExcept(a)) => AllExcept(a.difference(b).cloned().collect()),
        }
    }

    pub fn from_behavior(behavior: &str, names: Vec<String>, lowercase: bool) -> Result<Selection, String> {
        let names: BTreeSet<String> = names
            .into_iter()
            .map(|n| if lowercase { n.to_ascii_lowercase() } else { n })
            .collect();
        Ok(match behavior {
            "none" => Selection::None,
            "all" => Selection::All,
            "whitelist" => Selection::Only(names),
            "allExcept" => Selection::AllExcept(names),
            other => return Err(format!("selection behaviour '{other}' is not modelled")),
        })
    }
}

/// Which viewer headers an origin request policy forwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderSelection {
    /// Header names, lower case (cache policies only ever have this form or none).
    Only(BTreeSet<String>),
    /// Every viewer header (`allViewer`), optionally with some CloudFront-* headers.
    AllViewer { cloudfront: BTreeSet<String> },
    /// Every viewer header but these (`allExcept`).
    AllExcept(BTreeSet<String>),
}

impl HeaderSelection {
    /// Whether a header of the origin request is selected. `CloudFront-*` names are CloudFront's own headers
    /// ("Add CloudFront request headers"): only a whitelist or `allViewerAndWhitelistCloudFront` names them, never
    /// `allViewer` or `allExcept`, which are about the viewer's headers.
    pub fn includes(&self, name: &str) -> bool {
        match self {
            HeaderSelection::Only(names) => names.contains(name),
            HeaderSelection::AllViewer { cloudfront } => !is_cloudfront_header(name) || cloudfront.contains(name),
            HeaderSelection::AllExcept(names) => !is_cloudfront_header(name) && !names.contains(name),
        }
    }

    /// The `CloudFront-*` headers this selection asks CloudFront to add.
    pub fn cloudfront_headers(&self) -> BTreeSet<String> {
        match self {
            HeaderSelection::Only(names) | HeaderSelection::AllViewer { cloudfront: names } => {
                names.iter().filter(|n| is_cloudfront_header(n)).cloned().collect()
            }
            HeaderSelection::AllExcept(_) => BTreeSet::new(),
        }
    }
}

/// A header name (lower case) of CloudFront's own family, `CloudFront-*`.
pub fn is_cloudfront_header(name: &str) -> bool {
    name.starts_with("cloudfront-")
}

/// "Add CloudFront request headers" > "Viewer location headers" and "Other CloudFront headers": these can be added
/// in an origin request policy but not in a cache policy (CloudFront refuses such a cache policy).
pub const NOT_IN_CACHE_POLICY: [&str; 5] = [
    "cloudfront-viewer-address",
    "cloudfront-viewer-asn",
    "cloudfront-viewer-tls",
    "cloudfront-viewer-ja3-fingerprint",
    "cloudfront-viewer-ja4-fingerprint",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    pub id: String,
    pub name: String,
    pub min_ttl: u64,
    pub default_ttl: u64,
    pub max_ttl: u64,
    /// Lower-case header names in the cache key (and forwarded).
    pub headers: BTreeSet<String>,
    pub cookies: Selection,
    pub query_strings: Selection,
    pub accept_encoding_gzip: bool,
    pub accept_encoding_brotli: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRequestPolicy {
    pub id: String,
    pub name: String,
    pub headers: HeaderSelection,
    pub cookies: Selection,
    pub query_strings: Selection,
}

/// One header a response headers policy sets; `override_origin` replaces the origin's own value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyHeader {
    pub name: String,
    pub value: String,
    pub override_origin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHeadersPolicy {
    pub id: String,
    pub name: String,
    /// Security headers and custom headers, added to every response.
    pub headers: Vec<PolicyHeader>,
    /// Lower-case names removed from the origin's response.
    pub remove: BTreeSet<String>,
    /// CORS headers, added to responses to CORS requests.
    pub cors: Option<CorsConfig>,
}

/// A response headers policy's CORS settings ("Understand response headers policies" > "CORS headers").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsConfig {
    /// `*`, an origin (`https://www.example.com`), or one with a leading wildcard (`https://*.example.com`).
    pub allow_origins: Vec<String>,
    pub allow_headers: Vec<String>,
    /// Methods, `ALL` standing for every one CloudFront lists.
    pub allow_methods: Vec<String>,
    pub allow_credentials: bool,
    pub expose_headers: Vec<String>,
    pub max_age: Option<i32>,
    pub override_origin: bool,
}

impl CorsConfig {
    fn allows_origin(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|pattern| match pattern.split_once('*') {
            None => pattern.eq_ignore_ascii_case(origin),
            Some(("", "")) => true,
            // "The wildcard character (*) is allowed as the leftmost part of the domain (*.example.org)".
            Some((prefix, suffix)) => {
                let o = origin.to_ascii_lowercase();
                o.len() > prefix.len() + suffix.len()
                    && o.starts_with(&prefix.to_ascii_lowercase())
                    && o.ends_with(&suffix.to_ascii_lowercase())
                    && !o[prefix.len()..o.len() - suffix.len()].contains('/')
            }
        })
    }

    /// The CORS headers for a response: none unless the request is a CORS request (it has `Origin`) from an allowed
    /// origin. `Access-Control-Allow-Origin` (`*` when every origin is allowed, else the request's origin) and
    /// `Access-Control-Allow-Credentials` on every CORS response; `-Allow-Methods`, `-Allow-Headers` and `-Max-Age` on
    /// preflight requests (`OPTIONS` with `Access-Control-Request-Method`); `-Expose-Headers` on the others.
    pub fn headers_for(&self, method: &Method, request: &HeaderMap) -> Vec<(&'static str, String)> {
        let Some(origin) = request.get("origin").and_then(|v| v.to_str().ok()) else {
            return Vec::new();
        };
        if !self.allows_origin(origin) {
            return Vec::new();
        }
        let any = self.allow_origins.iter().any(|o| o == "*");
        let mut out = vec![(
            "access-control-allow-origin",
            if any { "*".into() } else { origin.to_string() },
        )];
        if self.allow_credentials {
            out.push(("access-control-allow-credentials", "true".into()));
        }
        let preflight = *method == Method::OPTIONS && request.contains_key("access-control-request-method");
        if preflight {
            let methods: Vec<&str> = if self.allow_methods.iter().any(|m| m == "ALL") {
                vec!["GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
            } else {
                self.allow_methods.iter().map(String::as_str).collect()
            };
            if !methods.is_empty() {
                out.push(("access-control-allow-methods", methods.join(", ")));
            }
            if !self.allow_headers.is_empty() {
                out.push(("access-control-allow-headers", self.allow_headers.join(", ")));
            }
            if let Some(age) = self.max_age {
                out.push(("access-control-max-age", age.to_string()));
            }
        } else if !self.expose_headers.is_empty() {
            out.push(("access-control-expose-headers", self.expose_headers.join(", ")));
        }
        out
    }
}

impl ResponseHeadersPolicy {
    /// The policy on a response to the viewer. "Understand response headers policies": the headers to remove go
    /// first, then the CORS, security and custom headers are added, each replacing the origin's own only with its
    /// origin override; a removed `Server` is replaced by CloudFront's own (`Server: CloudFront`).
    pub fn apply(&self, method: &Method, request: &HeaderMap, response: &mut HeaderMap) {
        for name in &self.remove {
            response.remove(name.as_str());
        }
        if self.remove.contains("server") {
            response.insert("server", HeaderValue::from_static("CloudFront"));
        }
        let mut set = |name: &str, value: &str, override_origin: bool| {
            let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) else {
                return;
            };
            if override_origin || !response.contains_key(&name) {
                response.insert(name, value);
            }
        };
        if let Some(cors) = &self.cors {
            for (name, value) in cors.headers_for(method, request) {
                set(name, &value, cors.override_origin);
            }
        }
        for h in &self.headers {
            set(&h.name, &h.value, h.override_origin);
        }
    }
}

/// What CloudFront knows of a viewer's request that its `CloudFront-*` headers are derived from.
pub struct ViewerConnection<'a> {
    pub address: SocketAddr,
    pub http_version: Version,
    pub user_agent: Option<&'a str>,
    /// The viewer came over HTTPS (or over the plain listener that stands for it).
    pub https: bool,
    /// `CloudFront-Viewer-TLS` of a real TLS connection (the HTTPS listener).
    pub tls: Option<&'a str>,
}

/// The viewer's device as CloudFront's device type headers report it ("Add CloudFront request headers" > "Device
/// type headers": from `User-Agent`, `true` or `false`, several may be true, e.g. Mobile and Tablet for some tablets).
/// AWS does not publish its rules; these are the edge's, from the markers the common user agents carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    pub android: bool,
    pub desktop: bool,
    pub ios: bool,
    pub mobile: bool,
    pub smarttv: bool,
    pub tablet: bool,
}

pub fn device_of(user_agent: &str) -> Device {
    let ua = user_agent.to_ascii_lowercase();
    let has = |markers: &[&str]| markers.iter().any(|m| ua.contains(m));
    let ios = has(&["iphone", "ipod", "ipad"]);
    let android = has(&["android"]);
    let smarttv = has(&[
        "smart-tv",
        "smarttv",
        "smart tv",
        "googletv",
        "google tv",
        "appletv",
        "apple tv",
        "hbbtv",
        "netcast",
        "roku",
        "crkey",
    ]) || (has(&["tizen", "web0s", "webos"]) && has(&["tv"]));
    let tablet = has(&["ipad", "tablet", "kindle", "silk/", "playbook"]) || (android && !has(&["mobile"]));
    let mobile = !smarttv
        && has(&[
            "mobile",
            "iphone",
            "ipod",
            "windows phone",
            "blackberry",
            "opera mini",
            "iemobile",
        ]);
    Device {
        android,
        desktop: !(mobile || tablet || smarttv),
        ios,
        mobile,
        smarttv,
        tablet,
    }
}

/// CloudFront-Viewer-TLS of a viewer on the edge's plain-HTTP listener when it stands for CloudFront's HTTPS side (no
/// `--https-listen`): a fixed, synthetic value in the documented `version:cipher:handshake` form (no TLS happens).
pub const SYNTHETIC_VIEWER_TLS: &str = "TLSv1.3:TLS_AES_128_GCM_SHA256:fullHandshake";

/// The value CloudFront gives one of its headers (lower-case name) for this viewer, from "Add CloudFront request
/// headers"; None for the ones the edge cannot derive (the viewer location headers, CloudFront-Viewer-ASN, the JA3
/// and JA4 fingerprints, CloudFront-Viewer-Header-Order and -Count), which are then not added.
pub fn cloudfront_header_value(name: &str, viewer: &ViewerConnection) -> Option<String> {
    let device = || device_of(viewer.user_agent.unwrap_or(""));
    let flag = |b: bool| Some(b.to_string());
    match name {
        // "Contains the IP address of the viewer and the source port of the request", `198.51.100.10:46532`.
        "cloudfront-viewer-address" => Some(format!("{}:{}", viewer.address.ip(), viewer.address.port())),
        // "Contains the protocol of the viewer's request (HTTP or HTTPS)", lower-case as CloudFront sends it.
        "cloudfront-forwarded-proto" => Some(if viewer.https { "https" } else { "http" }.into()),
        "cloudfront-viewer-http-version" => Some(
            match viewer.http_version {
                Version::HTTP_09 => "0.9",
                Version::HTTP_10 => "1.0",
                Version::HTTP_2 => "2.0",
                Version::HTTP_3 => "3.0",
                _ => "1.1",
            }
            .into(),
        ),
        // Only a viewer that came over TLS has one.
        "cloudfront-viewer-tls" => match (viewer.tls, viewer.https) {
            (Some(tls), _) => Some(tls.into()),
            (None, true) => Some(SYNTHETIC_VIEWER_TLS.into()),
            (None, false) => None,
        },
        "cloudfront-is-android-viewer" => flag(device().android),
        "cloudfront-is-desktop-viewer" => flag(device().desktop),
        "cloudfront-is-ios-viewer" => flag(device().ios),
        "cloudfront-is-mobile-viewer" => flag(device().mobile),
        "cloudfront-is-smarttv-viewer" => flag(device().smarttv),
        "cloudfront-is-tablet-viewer" => flag(device().tablet),
        _ => None,
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

const YEAR: u64 = 31_536_000;

/// A managed cache policy by id, with the contents AWS documents for it.
pub fn managed_cache_policy(id: &str) -> Option<CachePolicy> {
    let policy = |name: &str, min, default, max, headers: &[&str], cookies, query, compress| CachePolicy {
        id: id.to_string(),
        name: name.to_string(),
        min_ttl: min,
        default_ttl: default,
        max_ttl: max,
        headers: set(headers),
        cookies,
        query_strings: query,
        accept_encoding_gzip: compress,
        accept_encoding_brotli: compress,
    };
    // "host, origin, x-http-method-override, x-http-method, x-method-override": the headers both
    // UseOriginCacheControlHeaders policies put in the key.
    let origin_cc = [
        "host",
        "origin",
        "x-http-method-override",
        "x-http-method",
        "x-method-override",
    ];
    Some(match id {
        "658327ea-f89d-4fab-a63d-7e88639e58f6" => policy(
            "Managed-CachingOptimized",
            1,
            86_400,
            YEAR,
            &[],
            Selection::None,
            Selection::None,
            true,
        ),
        "b2884449-e4de-46a7-ac36-70bc7f1ddd6d" => policy(
            "Managed-CachingOptimizedForUncompressedObjects",
            1,
            86_400,
            YEAR,
            &[],
            Selection::None,
            Selection::None,
            false,
        ),
        "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" => policy(
            "Managed-CachingDisabled",
            0,
            0,
            0,
            &[],
            Selection::None,
            Selection::None,
            false,
        ),
        "83da9c7e-98b4-4e11-a168-04f0df8e2c65" => policy(
            "Managed-UseOriginCacheControlHeaders",
            0,
            0,
            YEAR,
            &origin_cc,
            Selection::All,
            Selection::None,
            true,
        ),
        "4cc15a8a-d715-48a4-82b8-cc0b614638fe" => policy(
            "Managed-UseOriginCacheControlHeaders-QueryStrings",
            0,
            0,
            YEAR,
            &origin_cc,
            Selection::All,
            Selection::All,
            true,
        ),
        "2e54312d-136d-493c-8eb9-b001f22f67d2" => policy(
            "Managed-Amplify",
            2,
            2,
            600,
            &["authorization", "cloudfront-viewer-country", "host"],
            Selection::All,
            Selection::All,
            true,
        ),
        _ => return None,
    })
}

/// A managed origin request policy by id, with the contents AWS documents for it.
pub fn managed_origin_request_policy(id: &str) -> Option<OriginRequestPolicy> {
    let policy = |name: &str, headers, cookies, query| OriginRequestPolicy {
        id: id.to_string(),
        name: name.to_string(),
        headers,
        cookies,
        query_strings: query,
    };
    Some(match id {
        "216adef6-5c7f-47e4-b989-5492eafa07d3" => policy(
            "Managed-AllViewer",
            HeaderSelection::AllViewer {
                cloudfront: BTreeSet::new(),
            },
            Selection::All,
            Selection::All,
        ),
        "b689b0a8-53d0-40ab-baf2-68738e2966ac" => policy(
            "Managed-AllViewerExceptHostHeader",
            HeaderSelection::AllExcept(set(&["host"])),
            Selection::All,
            Selection::All,
        ),
        "33f36d7e-f396-46d9-90e0-52428a34d9dc" => policy(
            "Managed-AllViewerAndCloudFrontHeaders-2022-06",
            HeaderSelection::AllViewer {
                cloudfront: set(&[
                    "cloudfront-forwarded-proto",
                    "cloudfront-is-android-viewer",
                    "cloudfront-is-desktop-viewer",
                    "cloudfront-is-ios-viewer",
                    "cloudfront-is-mobile-viewer",
                    "cloudfront-is-smarttv-viewer",
                    "cloudfront-is-tablet-viewer",
                    "cloudfront-viewer-address",
                    "cloudfront-viewer-country",
                    "cloudfront-viewer-http-version",
                ]),
            },
            Selection::All,
            Selection::All,
        ),
        "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf" => policy(
            "Managed-CORS-S3Origin",
            HeaderSelection::Only(set(&[
                "origin",
                "access-control-request-headers",
                "access-control-request-method",
            ])),
            Selection::None,
            Selection::None,
        ),
        "59781a5b-3903-41f3-afcb-af62929ccde1" => policy(
            "Managed-CORS-CustomOrigin",
            HeaderSelection::Only(set(&["origin"])),
            Selection::None,
            Selection::None,
        ),
        // "This policy includes only the User-Agent and Referer headers. It doesn't include any query strings or
        // cookies."
        "acba4595-bd28-49b8-b9fe-13317c0390fa" => policy(
            "Managed-UserAgentRefererHeaders",
            HeaderSelection::Only(set(&["user-agent", "referer"])),
            Selection::None,
            Selection::None,
        ),
        "775133bc-15f2-49f9-abea-afb2e0bf67d2" => policy(
            "Managed-Elemental-MediaTailor-PersonalizedManifests",
            HeaderSelection::Only(set(&[
                "origin",
                "access-control-request-headers",
                "access-control-request-method",
                "user-agent",
                "x-forwarded-for",
            ])),
            Selection::None,
            Selection::All,
        ),
        _ => return None,
    })
}

/// A managed response headers policy by id, with the contents AWS documents for it.
pub fn managed_response_headers_policy(id: &str) -> Option<ResponseHeadersPolicy> {
    let header = |name: &str, value: &str| PolicyHeader {
        name: name.to_string(),
        value: value.to_string(),
        override_origin: false,
    };
    // SecurityHeadersPolicy: "CloudFront adds X-Content-Type-Options: nosniff to all responses", the origin's own
    // included; for the other headers the origin's value wins.
    let security = vec![
        header("referrer-policy", "strict-origin-when-cross-origin"),
        header("strict-transport-security", "max-age=31536000"),
        PolicyHeader {
            override_origin: true,
            ..header("x-content-type-options", "nosniff")
        },
        header("x-frame-options", "SAMEORIGIN"),
        header("x-xss-protection", "1; mode=block"),
    ];
    let simple_cors = vec![header("access-control-allow-origin", "*")];
    let policy = |name: &str, headers: Vec<PolicyHeader>| ResponseHeadersPolicy {
        id: id.to_string(),
        name: name.to_string(),
        headers,
        remove: BTreeSet::new(),
        cors: None,
    };
    Some(match id {
        "67f7725c-6f97-4210-82d7-5512b31e9d03" => policy("Managed-SecurityHeadersPolicy", security),
        "60669652-455b-4ae9-85a4-c4c02393f86c" => policy("Managed-SimpleCORS", simple_cors),
        "e61eb60c-9c35-4d20-a928-2b84e02af89c" => policy(
            "Managed-CORS-and-SecurityHeadersPolicy",
            [simple_cors, security].concat(),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> BTreeSet<String> {
        set(n)
    }

    /// Each managed cache policy's documented contents ("Use managed cache policies").
    #[test]
    fn managed_cache_policies_as_documented() {
        let origin_cc = names(&[
            "host",
            "origin",
            "x-http-method-override",
            "x-http-method",
            "x-method-override",
        ]);
        // id -> (name, min, default, max, headers, cookies, query strings, gzip and brotli)
        let expected = [
            (
                "658327ea-f89d-4fab-a63d-7e88639e58f6",
                "Managed-CachingOptimized",
                1,
                86_400,
                YEAR,
                names(&[]),
                Selection::None,
                Selection::None,
                true,
            ),
            (
                "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
                "Managed-CachingOptimizedForUncompressedObjects",
                1,
                86_400,
                YEAR,
                names(&[]),
                Selection::None,
                Selection::None,
                false,
            ),
            (
                "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                "Managed-CachingDisabled",
                0,
                0,
                0,
                names(&[]),
                Selection::None,
                Selection::None,
                false,
            ),
            (
                "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
                "Managed-UseOriginCacheControlHeaders",
                0,
                0,
                YEAR,
                origin_cc.clone(),
                Selection::All,
                Selection::None,
                true,
            ),
            (
                "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
                "Managed-UseOriginCacheControlHeaders-QueryStrings",
                0,
                0,
                YEAR,
                origin_cc,
                Selection::All,
                Selection::All,
                true,
            ),
            (
                "2e54312d-136d-493c-8eb9-b001f22f67d2",
                "Managed-Amplify",
                2,
                2,
                600,
                names(&["authorization", "cloudfront-viewer-country", "host"]),
                Selection::All,
                Selection::All,
                true,
            ),
        ];
        for (id, name, min, default, max, headers, cookies, query, compress) in expected {
            let p = managed_cache_policy(id).unwrap_or_else(|| panic!("{name} is not modelled"));
            assert_eq!(p.id, id);
            assert_eq!(p.name, name);
            assert_eq!((p.min_ttl, p.default_ttl, p.max_ttl), (min, default, max), "{name}");
            assert_eq!(p.headers, headers, "{name}");
            assert_eq!((p.cookies, p.query_strings), (cookies, query), "{name}");
            assert_eq!(
                (p.accept_encoding_gzip, p.accept_encoding_brotli),
                (compress, compress),
                "{name}"
            );
        }
        assert!(managed_cache_policy("00000000-0000-0000-0000-000000000000").is_none());
    }

    /// Each managed origin request policy's documented contents ("Use managed origin request policies").
    #[test]
    fn managed_origin_request_policies_as_documented() {
        let cloudfront = names(&[
            "cloudfront-forwarded-proto",
            "cloudfront-is-android-viewer",
            "cloudfront-is-desktop-viewer",
            "cloudfront-is-ios-viewer",
            "cloudfront-is-mobile-viewer",
            "cloudfront-is-smarttv-viewer",
            "cloudfront-is-tablet-viewer",
            "cloudfront-viewer-address",
            "cloudfront-viewer-country",
            "cloudfront-viewer-http-version",
        ]);
        let cors_s3 = names(&[
            "origin",
            "access-control-request-headers",
            "access-control-request-method",
        ]);
        let media_tailor = names(&[
            "origin",
            "access-control-request-headers",
            "access-control-request-method",
            "user-agent",
            "x-forwarded-for",
        ]);
        let expected = [
            (
                "216adef6-5c7f-47e4-b989-5492eafa07d3",
                "Managed-AllViewer",
                HeaderSelection::AllViewer { cloudfront: names(&[]) },
                Selection::All,
                Selection::All,
            ),
            (
                "b689b0a8-53d0-40ab-baf2-68738e2966ac",
                "Managed-AllViewerExceptHostHeader",
                HeaderSelection::AllExcept(names(&["host"])),
                Selection::All,
                Selection::All,
            ),
            (
                "33f36d7e-f396-46d9-90e0-52428a34d9dc",
                "Managed-AllViewerAndCloudFrontHeaders-2022-06",
                HeaderSelection::AllViewer { cloudfront },
                Selection::All,
                Selection::All,
            ),
            (
                "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
                "Managed-CORS-S3Origin",
                HeaderSelection::Only(cors_s3),
                Selection::None,
                Selection::None,
            ),
            (
                "59781a5b-3903-41f3-afcb-af62929ccde1",
                "Managed-CORS-CustomOrigin",
                HeaderSelection::Only(names(&["origin"])),
                Selection::None,
                Selection::None,
            ),
            (
                "acba4595-bd28-49b8-b9fe-13317c0390fa",
                "Managed-UserAgentRefererHeaders",
                HeaderSelection::Only(names(&["user-agent", "referer"])),
                Selection::None,
                Selection::None,
            ),
            (
                "775133bc-15f2-49f9-abea-afb2e0bf67d2",
                "Managed-Elemental-MediaTailor-PersonalizedManifests",
                HeaderSelection::Only(media_tailor),
                Selection::None,
                Selection::All,
            ),
        ];
        for (id, name, headers, cookies, query) in expected {
            let p = managed_origin_request_policy(id).unwrap_or_else(|| panic!("{name} is not modelled"));
            assert_eq!((p.id.as_str(), p.name.as_str()), (id, name));
            assert_eq!(p.headers, headers, "{name}");
            assert_eq!((p.cookies, p.query_strings), (cookies, query), "{name}");
        }
        // What the selections mean for a viewer's headers.
        let all = managed_origin_request_policy("216adef6-5c7f-47e4-b989-5492eafa07d3").unwrap();
        assert!(all.headers.includes("host") && all.headers.includes("x-anything"));
        assert!(!all.headers.includes("cloudfront-viewer-address"));
        let except_host = managed_origin_request_policy("b689b0a8-53d0-40ab-baf2-68738e2966ac").unwrap();
        assert!(!except_host.headers.includes("host") && except_host.headers.includes("rsc"));
        assert!(!except_host.headers.includes("cloudfront-viewer-address"));
        let with_cf = managed_origin_request_policy("33f36d7e-f396-46d9-90e0-52428a34d9dc").unwrap();
        assert!(
            with_cf.headers.includes("cloudfront-viewer-address") && !with_cf.headers.includes("cloudfront-viewer-tls")
        );
        assert_eq!(with_cf.headers.cloudfront_headers().len(), 10);
        assert!(except_host.headers.cloudfront_headers().is_empty());
    }

    /// Each managed response headers policy's documented contents ("Use managed response headers policies"):
    /// SecurityHeadersPolicy's X-Content-Type-Options replaces the origin's, its other headers do not.
    #[test]
    fn managed_response_headers_policies_as_documented() {
        let h = |name: &str, value: &str, override_origin| PolicyHeader {
            name: name.into(),
            value: value.into(),
            override_origin,
        };
        let security = vec![
            h("referrer-policy", "strict-origin-when-cross-origin", false),
            h("strict-transport-security", "max-age=31536000", false),
            h("x-content-type-options", "nosniff", true),
            h("x-frame-options", "SAMEORIGIN", false),
            h("x-xss-protection", "1; mode=block", false),
        ];
        let cors = vec![h("access-control-allow-origin", "*", false)];
        let expected = [
            (
                "67f7725c-6f97-4210-82d7-5512b31e9d03",
                "Managed-SecurityHeadersPolicy",
                security.clone(),
            ),
            (
                "60669652-455b-4ae9-85a4-c4c02393f86c",
                "Managed-SimpleCORS",
                cors.clone(),
            ),
            (
                "e61eb60c-9c35-4d20-a928-2b84e02af89c",
                "Managed-CORS-and-SecurityHeadersPolicy",
                [cors, security].concat(),
            ),
        ];
        for (id, name, headers) in expected {
            let p = managed_response_headers_policy(id).unwrap_or_else(|| panic!("{name} is not modelled"));
            assert_eq!((p.id.as_str(), p.name.as_str()), (id, name));
            assert_eq!(p.headers, headers, "{name}");
            assert!(p.remove.is_empty() && p.cors.is_none(), "{name}");
        }
        let policy = managed_response_headers_policy("67f7725c-6f97-4210-82d7-5512b31e9d03").unwrap();
        let mut response = HeaderMap::new();
        response.insert("x-content-type-options", HeaderValue::from_static("origin-value"));
        response.insert("x-frame-options", HeaderValue::from_static("DENY"));
        policy.apply(&Method::GET, &HeaderMap::new(), &mut response);
        assert_eq!(response["x-content-type-options"], "nosniff");
        assert_eq!(response["x-frame-options"], "DENY");
        assert_eq!(response["referrer-policy"], "strict-origin-when-cross-origin");
    }

    /// "Understand response headers policies": remove first (a removed Server becomes CloudFront's), then add, each
    /// header replacing the origin's only with its origin override; CORS headers only for CORS requests.
    #[test]
    fn custom_response_headers_policy() {
        let policy = ResponseHeadersPolicy {
            id: "custom".into(),
            name: "custom".into(),
            headers: vec![
                PolicyHeader {
                    name: "x-kept".into(),
                    value: "policy".into(),
                    override_origin: false,
                },
                PolicyHeader {
                    name: "x-replaced".into(),
                    value: "policy".into(),
                    override_origin: true,
                },
                PolicyHeader {
                    name: "x-powered-by".into(),
                    value: "edge".into(),
                    override_origin: false,
                },
            ],
            remove: names(&["x-powered-by", "server", "vary"]),
            cors: Some(CorsConfig {
                allow_origins: vec!["https://www.example.test".into(), "https://*.example.org".into()],
                allow_headers: vec!["x-one".into(), "content-type".into()],
                allow_methods: vec!["GET".into(), "POST".into()],
                allow_credentials: true,
                expose_headers: vec!["x-kept".into()],
                max_age: Some(600),
                override_origin: false,
            }),
        };
        let origin = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        let mut response = origin(&[
            ("x-kept", "origin"),
            ("x-replaced", "origin"),
            ("x-powered-by", "php"),
            ("server", "nginx"),
            ("vary", "accept"),
        ]);
        policy.apply(&Method::GET, &HeaderMap::new(), &mut response);
        assert_eq!(response["x-kept"], "origin");
        assert_eq!(response["x-replaced"], "policy");
        assert_eq!(response["x-powered-by"], "edge"); // removed, then added by the policy
        assert_eq!(response["server"], "CloudFront");
        assert!(!response.contains_key("vary") && !response.contains_key("access-control-allow-origin"));

        let mut simple = HeaderMap::new();
        policy.apply(
            &Method::GET,
            &origin(&[("origin", "https://a.example.org")]),
            &mut simple,
        );
        assert_eq!(simple["access-control-allow-origin"], "https://a.example.org");
        assert_eq!(simple["access-control-allow-credentials"], "true");
        assert_eq!(simple["access-control-expose-headers"], "x-kept");
        assert!(!simple.contains_key("access-control-allow-methods"));

        let mut preflight = HeaderMap::new();
        let request = origin(&[
            ("origin", "https://www.example.test"),
            ("access-control-request-method", "POST"),
        ]);
        policy.apply(&Method::OPTIONS, &request, &mut preflight);
        assert_eq!(preflight["access-control-allow-origin"], "https://www.example.test");
        assert_eq!(preflight["access-control-allow-methods"], "GET, POST");
        assert_eq!(preflight["access-control-allow-headers"], "x-one, content-type");
        assert_eq!(preflight["access-control-max-age"], "600");
        assert!(!preflight.contains_key("access-control-expose-headers"));

        for refused in ["https://example.org", "https://a.b/c.example.org", "https://evil.test"] {
            let mut r = HeaderMap::new();
            policy.apply(&Method::GET, &origin(&[("origin", refused)]), &mut r);
            assert!(!r.contains_key("access-control-allow-origin"), "{refused}");
        }
        // The origin's own CORS header wins without the CORS origin override.
        let mut own = origin(&[("access-control-allow-origin", "https://mine.test")]);
        policy.apply(
            &Method::GET,
            &origin(&[("origin", "https://www.example.test")]),
            &mut own,
        );
        assert_eq!(own["access-control-allow-origin"], "https://mine.test");
    }

    /// "Add CloudFront request headers": the values the edge derives, and None for the ones it cannot.
    #[test]
    fn cloudfront_header_values() {
        let viewer = ViewerConnection {
            address: "198.51.100.10:46532".parse().unwrap(),
            http_version: Version::HTTP_11,
            user_agent: Some(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            ),
            https: true,
            tls: None,
        };
        let value = |n: &str| cloudfront_header_value(n, &viewer);
        assert_eq!(
            value("cloudfront-viewer-address").as_deref(),
            Some("198.51.100.10:46532")
        );
        assert_eq!(value("cloudfront-forwarded-proto").as_deref(), Some("https"));
        assert_eq!(value("cloudfront-viewer-http-version").as_deref(), Some("1.1"));
        assert_eq!(value("cloudfront-viewer-tls").as_deref(), Some(SYNTHETIC_VIEWER_TLS));
        assert_eq!(value("cloudfront-is-desktop-viewer").as_deref(), Some("true"));
        assert_eq!(value("cloudfront-is-mobile-viewer").as_deref(), Some("false"));
        for unknown in [
            "cloudfront-viewer-country",
            "cloudfront-viewer-city",
            "cloudfront-viewer-asn",
            "cloudfront-viewer-ja3-fingerprint",
            "cloudfront-viewer-header-order",
        ] {
            assert_eq!(value(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn device_types_from_user_agent() {
        let device = |android, desktop, ios, mobile, smarttv, tablet| Device {
            android,
            desktop,
            ios,
            mobile,
            smarttv,
            tablet,
        };
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", device(false, true, false, false, false, false)),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1", device(false, false, true, true, false, false)),
            // "for some tablet devices, CloudFront sets both CloudFront-Is-Mobile-Viewer and CloudFront-Is-Tablet-Viewer"
            ("Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", device(false, false, true, true, false, true)),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36", device(true, false, false, true, false, false)),
            ("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", device(true, false, false, false, false, true)),
            ("Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 SamsungBrowser/4.0 TV Safari/537.36", device(false, false, false, false, true, false)),
            ("", device(false, true, false, false, false, false)),
        ];
        for (ua, expected) in cases {
            assert_eq!(device_of(ua), expected, "{ua}");
        }
    }

    #[test]
    fn selections_union() {
        let only = |n: &[&str]| Selection::Only(set(n));
        assert_eq!(only(&["a"]).union(&only(&["b"])), only(&["a", "b"]));
        assert_eq!(Selection::None.union(&only(&["a"])), only(&["a"]));
        assert_eq!(
            Selection::AllExcept(set(&["a", "b"])).union(&only(&["a"])),
            Selection::AllExcept(set(&["b"]))
        );
        assert!(Selection::All.union(&Selection::None).includes("x"));
    }

    /// Over real TLS the negotiated values; over plain HTTP (the HTTP side of an edge with an HTTPS listener) `http`
    /// and no `CloudFront-Viewer-TLS`.
    #[test]
    fn protocol_headers_follow_the_viewers_connection() {
        let mut viewer = ViewerConnection {
            address: "198.51.100.10:46532".parse().unwrap(),
            http_version: Version::HTTP_11,
            user_agent: None,
            https: true,
            tls: Some("TLSv1.3:TLS_AES_256_GCM_SHA384:fullHandshake"),
        };
        assert_eq!(
            cloudfront_header_value("cloudfront-viewer-tls", &viewer).as_deref(),
            Some("TLSv1.3:TLS_AES_256_GCM_SHA384:fullHandshake")
        );
        (viewer.https, viewer.tls) = (false, None);
        assert_eq!(
            cloudfront_header_value("cloudfront-forwarded-proto", &viewer).as_deref(),
            Some("http")
        );
        assert_eq!(cloudfront_header_value("cloudfront-viewer-tls", &viewer), None);
    }
}
