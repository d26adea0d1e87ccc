//! The CloudFront Functions event shape, and what a function's return value does to the request or response.
//!
//! AWS: CloudFront Developer Guide, "CloudFront Functions event structure": headers keyed by lower-case name
//! (`{value}` plus `multiValue` when repeated), cookies apart from headers, the query string as a map of
//! `{value}` (and `multiValue`); a viewer-request function returns the request, or a response object
//! (`statusCode`, `statusDescription`, `headers`, `cookies`, `body`) that CloudFront sends without going to
//! the origin. A cookie name that appears more than once (in `Cookie`, or in several `Set-Cookie` headers) has one
//! entry with `multiValue` ("Structure for a query string, header, or cookie"); a response cookie's `attributes` are
//! what follows its value in `Set-Cookie`.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{json, Map, Value};

/// The request part of a viewer-request event.
pub fn request_object(method: &str, uri: &str, query: &str, headers: &HeaderMap) -> Value {
    let mut hs = Map::new();
    let mut cookies = Map::new();
    for name in headers.keys() {
        let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        if name == http::header::COOKIE {
            let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
            for pair in values
                .iter()
                .flat_map(|v| v.split(';'))
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                match grouped.iter_mut().find(|(n, _)| *n == k) {
                    Some((_, vs)) => vs.push(v),
                    None => grouped.push((k, vec![v])),
                }
            }
            for (k, vs) in grouped {
                cookies.insert(k.to_string(), multi(&vs));
            }
            continue;
        }
        hs.insert(name.as_str().to_string(), multi(&values));
    }
    let mut qs: Map<String, Value> = Map::new();
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match grouped.iter_mut().find(|(n, _)| n == k) {
            Some((_, vs)) => vs.push(v.to_string()),
            None => grouped.push((k.to_string(), vec![v.to_string()])),
        }
    }
    for (k, vs) in grouped {
        let refs: Vec<&str> = vs.iter().map(String::as_str).collect();
        qs.insert(k, multi(&refs));
    }
    json!({"method": method, "uri": uri, "querystring": qs, "headers": hs, "cookies": cookies})
}

fn multi(values: &[&str]) -> Value {
    if values.len() == 1 {
        json!({"value": values[0]})
    } else {
        json!({"value": values.first().copied().unwrap_or(""),
               "multiValue": values.iter().map(|v| json!({"value": v})).collect::<Vec<_>>()})
    }
}

pub fn event(
    distribution_id: &str,
    domain: &str,
    event_type: &str,
    viewer_ip: &str,
    request: Value,
    response: Option<Value>,
) -> Value {
    let mut e = json!({
        "version": "1.0",
        "context": {"distributionDomainName": domain, "distributionId": distribution_id, "eventType": event_type,
                    "requestId": format!("{:032x}", fastrand::u128(..))},
        "viewer": {"ip": viewer_ip},
        "request": request,
    });
    if let Some(r) = response {
        e["response"] = r;
    }
    e
}

/// The request a function returned: uri, query string and headers (with cookies back in `Cookie`).
pub fn apply_request(result: &Value) -> Result<(String, String, HeaderMap), String> {
    let uri = result["uri"]
        .as_str()
        .ok_or("the returned request has no uri")?
        .to_string();
    let mut query = Vec::new();
    if let Some(qs) = result["querystring"].as_object() {
        for (k, v) in qs {
            for value in values(v) {
                query.push(if value.is_empty() && v.get("value").is_none() {
                    k.clone()
                } else {
                    format!("{k}={value}")
                });
            }
        }
    }
    let mut headers = object_headers(&result["headers"])?;
    if let Some(cookies) = result["cookies"].as_object() {
        let joined: Vec<String> = cookies
            .iter()
            .flat_map(|(k, v)| values(v).into_iter().map(move |v| format!("{k}={v}")))
            .collect();
        if !joined.is_empty() {
            headers.insert(
                http::header::COOKIE,
                HeaderValue::from_str(&joined.join("; ")).map_err(|e| e.to_string())?,
            );
        }
    }
    Ok((uri, query.join("&"), headers))
}

/// A response object from a function: status, headers (cookies as `Set-Cookie`) and body.
pub fn apply_response(result: &Value) -> Result<(StatusCode, HeaderMap, Bytes), String> {
    let code = result["statusCode"]
        .as_u64()
        .ok_or("the returned response has no statusCode")?;
    let status = StatusCode::from_u16(code as u16).map_err(|e| e.to_string())?;
    let mut headers = object_headers(&result["headers"])?;
    if let Some(cookies) = result["cookies"].as_object() {
        for (k, v) in cookies {
            let items = match v.get("multiValue").and_then(Value::as_array) {
                Some(items) => items.clone(),
                None => vec![v.clone()],
            };
            for item in items {
                let mut cookie = format!("{k}={}", item["value"].as_str().unwrap_or(""));
                if let Some(attrs) = item["attributes"].as_str().filter(|a| !a.is_empty()) {
                    cookie.push_str("; ");
                    cookie.push_str(attrs);
                }
                headers.append(
                    http::header::SET_COOKIE,
                    HeaderValue::from_str(&cookie).map_err(|e| e.to_string())?,
                );
            }
        }
    }
    let body = match &result["body"] {
        Value::String(s) => Bytes::from(s.clone()),
        Value::Object(o) => match (
            o.get("data").and_then(Value::as_str),
            o.get("encoding").and_then(Value::as_str),
        ) {
            (Some(d), Some("base64")) => {
                use base64::Engine;
                Bytes::from(
                    base64::engine::general_purpose::STANDARD
                        .decode(d)
                        .map_err(|e| e.to_string())?,
                )
            }
            (Some(d), _) => Bytes::from(d.to_string()),
            _ => Bytes::new(),
        },
        _ => Bytes::new(),
    };
    Ok((status, headers, body))
}

/// The response part of a viewer-response event.
pub fn response_object(status: StatusCode, headers: &HeaderMap) -> Value {
    let mut hs = Map::new();
    let mut cookies = Map::new();
    for name in headers.keys() {
        let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        if name == http::header::SET_COOKIE {
            // One entry per cookie name; a name set more than once gets `multiValue`, each with its attributes.
            let mut grouped: Vec<(String, Vec<Value>)> = Vec::new();
            for v in values {
                let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
                let (k, val) = pair.split_once('=').unwrap_or((pair, ""));
                let item = json!({"value": val.trim(), "attributes": attrs.trim()});
                match grouped.iter_mut().find(|(n, _)| n == k.trim()) {
                    Some((_, items)) => items.push(item),
                    None => grouped.push((k.trim().to_string(), vec![item])),
                }
            }
            for (k, mut items) in grouped {
                let entry = if items.len() == 1 {
                    items.remove(0)
                } else {
                    let mut first = items[0].clone();
                    first["multiValue"] = Value::Array(items);
                    first
                };
                cookies.insert(k, entry);
            }
            continue;
        }
        hs.insert(name.as_str().to_string(), multi(&values));
    }
    json!({"statusCode": status.as_u16(), "statusDescription": status.canonical_reason().unwrap_or(""),
           "headers": hs, "cookies": cookies})
}

fn values(v: &Value) -> Vec<String> {
    match v.get("multiValue").and_then(Value::as_array) {
        Some(items) => items
            .iter()
            .filter_map(|i| i["value"].as_str().map(str::to_string))
            .collect(),
        None => vec![v["value"].as_str().unwrap_or("").to_string()],
    }
}

fn object_headers(v: &Value) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    if let Some(map) = v.as_object() {
        for (k, v) in map {
            let name =
                HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).map_err(|_| format!("header name {k}"))?;
            for value in values(v) {
                headers.append(
                    name.clone(),
                    HeaderValue::from_str(&value).map_err(|_| format!("header {k} value"))?,
                );
            }
        }
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trip_keeps_cookies_multi_values_and_query() {
        let mut h = HeaderMap::new();
        h.insert("host", "example.test".parse().unwrap());
        h.append("accept", "text/html".parse().unwrap());
        h.append("accept", "application/json".parse().unwrap());
        h.insert("cookie", "a=1; b=2".parse().unwrap());
        let req = request_object("GET", "/x", "q=1&q=2&flag", &h);
        assert_eq!(req["headers"]["accept"]["multiValue"].as_array().unwrap().len(), 2);
        assert_eq!(req["cookies"]["b"]["value"], "2");
        assert!(req["headers"].get("cookie").is_none());
        let (uri, query, headers) = apply_request(&req).unwrap();
        assert_eq!(uri, "/x");
        // Parameters come back in name order (the returned object is read as a map): the same set.
        assert_eq!(query, "flag=&q=1&q=2");
        assert_eq!(headers["cookie"], "a=1; b=2");
        assert_eq!(headers.get_all("accept").iter().count(), 2);
    }

    #[test]
    fn repeated_cookies_have_multi_values_both_ways() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "id=1; theme=dark; id=2".parse().unwrap());
        let req = request_object("GET", "/", "", &h);
        assert_eq!(
            req["cookies"],
            json!({"id": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}, "theme": {"value": "dark"}})
        );
        assert_eq!(apply_request(&req).unwrap().2["cookie"], "id=1; id=2; theme=dark");

        let mut h = HeaderMap::new();
        h.append("set-cookie", "id=a; Path=/; Secure".parse().unwrap());
        h.append("set-cookie", "id=b; Path=/admin".parse().unwrap());
        h.append("set-cookie", "plain=1".parse().unwrap());
        let resp = response_object(StatusCode::OK, &h);
        assert_eq!(resp["cookies"]["id"]["multiValue"].as_array().unwrap().len(), 2);
        assert_eq!(resp["cookies"]["id"]["multiValue"][1]["attributes"], "Path=/admin");
        assert_eq!(resp["cookies"]["plain"], json!({"value": "1", "attributes": ""}));
        let (_, headers, _) = apply_response(&resp).unwrap();
        let set: Vec<_> = headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(set, ["id=a; Path=/; Secure", "id=b; Path=/admin", "plain=1"]);
    }

    #[test]
    fn a_viewer_response_event() {
        let mut h = HeaderMap::new();
        h.insert("content-type", "text/html".parse().unwrap());
        let request = request_object("GET", "/a", "x=1", &HeaderMap::new());
        let e = event(
            "E1",
            "d1.cloudfront.net",
            "viewer-response",
            "192.0.2.1",
            request,
            Some(response_object(StatusCode::NOT_MODIFIED, &h)),
        );
        assert_eq!(e["version"], "1.0");
        assert_eq!(
            (
                &e["context"]["eventType"],
                &e["context"]["distributionId"],
                &e["context"]["distributionDomainName"]
            ),
            (&json!("viewer-response"), &json!("E1"), &json!("d1.cloudfront.net"))
        );
        assert_eq!(e["viewer"], json!({"ip": "192.0.2.1"}));
        assert_eq!(e["request"]["querystring"]["x"]["value"], "1");
        assert_eq!(
            (&e["response"]["statusCode"], &e["response"]["statusDescription"]),
            (&json!(304), &json!("Not Modified"))
        );
        assert_eq!(e["response"]["headers"]["content-type"], json!({"value": "text/html"}));
    }

    #[test]
    fn a_generated_response() {
        let r = json!({"statusCode": 302, "statusDescription": "Found",
                       "headers": {"location": {"value": "/new"}}, "cookies": {"s": {"value": "1", "attributes": "Path=/"}}});
        let (status, headers, body) = apply_response(&r).unwrap();
        assert_eq!(status, StatusCode::FOUND);
        assert_eq!(headers["location"], "/new");
        assert_eq!(headers["set-cookie"], "s=1; Path=/");
        assert!(body.is_empty());
    }
}
