//! Which resource and method a request path reaches.
//!
//! AWS: API Gateway Developer Guide, "Set up a proxy integration with a proxy resource" (`{proxy+}` is greedy:
//! it matches one or more path segments, and more specific resources take precedence over it) and "Set up
//! a method" (`ANY` stands for every HTTP method; a method defined for the verb itself is used first). Path
//! parameters (`{name}`) match one whole segment; a literal segment beats a parameter at the same place. The values
//! bound are the path's own text, still percent-encoded: the guide does not say, and deployed REST APIs hand
//! `pathParameters` (as `path`) to the function as the client sent them.

use percent_encoding::percent_decode_str;

use super::model::{Method, Resource, RestApi};

/// A matched resource and method, with the path parameters it binds (as sent).
pub struct Route<'a> {
    pub resource: &'a Resource,
    pub method: &'a Method,
    pub path_parameters: Vec<(String, String)>,
}

/// The route for a path (below the stage, starting with `/`, percent-encoded) and an HTTP method; None is API
/// Gateway's 403 `Missing Authentication Token`.
pub fn route<'a>(api: &'a RestApi, path: &str, method: &str) -> Option<Route<'a>> {
    let segments: Vec<String> = path
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let (resource, path_parameters) = api
        .resources
        .iter()
        .filter_map(|r| matches(&r.path, &segments).map(|(rank, params)| (rank, r, params)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, r, p)| (r, p))?;
    let method = resource
        .methods
        .get(&method.to_ascii_uppercase())
        .or_else(|| resource.methods.get("ANY"))?;
    Some(Route {
        resource,
        method,
        path_parameters,
    })
}

/// Path parameters bound by a match: (name, value as sent).
type Bound = Vec<(String, String)>;

/// Whether a resource path template matches the segments: a rank (per segment: 2 literal, 1 `{param}`, 0
/// greedy) for choosing the most specific, and the parameters bound.
fn matches(template: &str, segments: &[String]) -> Option<(Vec<u8>, Bound)> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let mut rank = Vec::new();
    let mut params = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            // Greedy, and only ever the last part: at least one segment.
            if i != parts.len() - 1 || segments.len() <= i {
                return None;
            }
            params.push((name.to_string(), segments[i..].join("/")));
            rank.push(0);
            return Some((rank, params));
        }
        let segment = segments.get(i)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params.push((name.to_string(), segment.clone()));
            rank.push(1);
        } else if *part == percent_decode_str(segment).decode_utf8_lossy() {
            rank.push(2);
        } else {
            return None;
        }
    }
    (parts.len() == segments.len()).then_some((rank, params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};

    fn api(paths: &[(&str, &[&str])]) -> RestApi {
        RestApi {
            id: "abc".into(),
            name: "t".into(),
            region: "eu-west-1".into(),
            account: "123456789012".into(),
            binary_media_types: vec![],
            api_key_source: "HEADER".into(),
            api_keys: HashMap::new(),
            resources: paths
                .iter()
                .map(|(p, verbs)| Resource {
                    id: p.to_string(),
                    path: p.to_string(),
                    methods: verbs
                        .iter()
                        .map(|v| {
                            (
                                v.to_string(),
                                Method {
                                    http_method: v.to_string(),
                                    authorization_type: "NONE".into(),
                                    api_key_required: false,
                                    integration: None,
                                },
                            )
                        })
                        .collect::<BTreeMap<_, _>>(),
                })
                .collect(),
            stages: HashMap::new(),
            functions: HashMap::new(),
        }
    }

    #[test]
    fn literal_beats_parameter_beats_greedy() {
        let a = api(&[
            ("/", &["GET"]),
            ("/articles", &["GET"]),
            ("/articles/{id}", &["GET"]),
            ("/articles/latest", &["GET"]),
            ("/articles/{proxy+}", &["ANY"]),
        ]);
        let r = |p: &str, m: &str| route(&a, p, m).map(|r| (r.resource.path.clone(), r.path_parameters));
        assert_eq!(r("/", "GET").unwrap().0, "/");
        assert_eq!(r("/articles/latest", "GET").unwrap().0, "/articles/latest");
        assert_eq!(
            r("/articles/a%20b", "GET").unwrap(),
            ("/articles/{id}".into(), vec![("id".into(), "a%20b".into())])
        );
        assert_eq!(
            r("/articles/a/b/c", "DELETE").unwrap(),
            ("/articles/{proxy+}".into(), vec![("proxy".into(), "a/b/c".into())])
        );
        // The parameter resource has only GET; no fallback to another resource.
        assert!(r("/articles/x", "POST").is_none());
        assert!(r("/nothing", "GET").is_none());
    }

    #[test]
    fn greedy_needs_one_segment() {
        let a = api(&[("/{proxy+}", &["ANY"])]);
        assert!(route(&a, "/", "GET").is_none());
        assert_eq!(route(&a, "/x/y", "PUT").unwrap().path_parameters[0].1, "x/y");
    }
}
