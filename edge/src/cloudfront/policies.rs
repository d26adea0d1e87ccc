//! Cache, origin request and response headers policies: what goes into the cache key, what reaches the
//! origin, what is added to the viewer's response, and the TTL bounds.
//!
//! AWS: CloudFront Developer Guide, "Use managed cache policies", "Use managed origin request policies" and
//! "Use managed response headers policies" (the managed policies' ids and contents below), "Understand cache
//! policies" (a cache policy's values are also forwarded to the origin) and "Understand origin request
//! policies" (an origin request policy adds values to origin requests without adding them to the key).

use std::collections::BTreeSet;

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
    pub fn includes(&self, name: &str) -> bool {
        match self {
            HeaderSelection::Only(names) => names.contains(name),
            HeaderSelection::AllViewer { cloudfront } => !name.starts_with("cloudfront-") || cloudfront.contains(name),
            HeaderSelection::AllExcept(names) => !names.contains(name),
        }
    }
}

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
    pub headers: Vec<PolicyHeader>,
    /// Lower-case names removed from the origin's response.
    pub remove: BTreeSet<String>,
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
        "acba4595-bd28-49b8-b9fe-13317c0390fa" => policy(
            "Managed-UserAgentRefererHeaders",
            HeaderSelection::Only(set(&["user-agent", "referer"])),
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
    let security = vec![
        header("referrer-policy", "strict-origin-when-cross-origin"),
        header("strict-transport-security", "max-age=31536000"),
        header("x-content-type-options", "nosniff"),
        header("x-frame-options", "SAMEORIGIN"),
        header("x-xss-protection", "1; mode=block"),
    ];
    let simple_cors = vec![header("access-control-allow-origin", "*")];
    let policy = |name: &str, headers: Vec<PolicyHeader>| ResponseHeadersPolicy {
        id: id.to_string(),
        name: name.to_string(),
        headers,
        remove: BTreeSet::new(),
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

    #[test]
    fn managed_policies_the_layouts_use() {
        let optimized = managed_cache_policy("658327ea-f89d-4fab-a63d-7e88639e58f6").unwrap();
        assert_eq!(
            (optimized.min_ttl, optimized.default_ttl, optimized.max_ttl),
            (1, 86_400, YEAR)
        );
        assert!(optimized.headers.is_empty() && optimized.query_strings == Selection::None);
        let origin = managed_cache_policy("4cc15a8a-d715-48a4-82b8-cc0b614638fe").unwrap();
        assert_eq!((origin.min_ttl, origin.default_ttl), (0, 0));
        assert!(origin.headers.contains("host") && origin.query_strings == Selection::All);
        let except_host = managed_origin_request_policy("b689b0a8-53d0-40ab-baf2-68738e2966ac").unwrap();
        assert!(!except_host.headers.includes("host"));
        assert!(except_host.headers.includes("rsc") && except_host.headers.includes("next-router-state-tree"));
        let all = managed_origin_request_policy("216adef6-5c7f-47e4-b989-5492eafa07d3").unwrap();
        assert!(all.headers.includes("host") && !all.headers.includes("cloudfront-viewer-country"));
        assert!(managed_cache_policy("00000000-0000-0000-0000-000000000000").is_none());
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
}
