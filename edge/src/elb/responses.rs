//! The responses a load balancer makes itself: fixed responses, redirects and its error pages.
//!
//! AWS: Application Load Balancers user guide, "Listener rules" sections "Fixed-response actions" (the status code,
//! an optional content type and message body) and "Redirect actions" (protocol, port, host, path and query, each
//! defaulting to the request's through the `#{protocol}`, `#{port}`, `#{host}`, `#{path}` and `#{query}`
//! placeholders; the path starts with `/`, `#{path}` is the request path without its leading `/`; the query has no
//! `?`; HTTP_301 or HTTP_302); "Troubleshoot your Application Load Balancers" (its own 502, 503 and 504 pages,
//! `Server: awselb/2.0`).

use http::{HeaderValue, StatusCode};

use super::model::{Protocol, Redirect};
use crate::origins::OriginResponse;

/// The request's parts the redirect placeholders stand for.
pub struct RequestUrl<'a> {
    pub protocol: Protocol,
    /// The Host header's host name (no port).
    pub host: &'a str,
    /// The listener's port.
    pub port: u16,
    pub path: &'a str,
    pub query: &'a str,
}

pub fn fixed(status: u16, content_type: Option<&str>, body: &str) -> OriginResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut r = OriginResponse::new(
        status,
        content_type.unwrap_or("text/plain; charset=utf-8"),
        body.to_string(),
    );
    if content_type.is_none() && body.is_empty() {
        r.headers.remove(http::header::CONTENT_TYPE);
    }
    server(r)
}

/// The `Location` a redirect action sends.
pub fn location(redirect: &Redirect, url: &RequestUrl) -> String {
    let fill = |s: &str| {
        s.replace("#{protocol}", url.protocol.as_aws())
            .replace("#{host}", url.host)
            .replace("#{port}", &url.port.to_string())
            .replace("#{path}", url.path.strip_prefix('/').unwrap_or(url.path))
            .replace("#{query}", url.query)
    };
    let scheme = fill(&redirect.protocol).to_ascii_lowercase();
    let host = fill(&redirect.host);
    let port = fill(&redirect.port);
    let default_port = matches!((scheme.as_str(), port.as_str()), ("http", "80") | ("https", "443"));
    let mut out = format!("{scheme}://{host}");
    if !default_port {
        out.push(':');
        out.push_str(&port);
    }
    let path = fill(&redirect.path);
    out.push_str(if path.is_empty() { "/" } else { &path });
    let query = fill(&redirect.query);
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    out
}

pub fn redirect(redirect: &Redirect, url: &RequestUrl) -> OriginResponse {
    let status = if redirect.status == 301 {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::FOUND
    };
    let mut r = OriginResponse::new(status, "text/html", error_page(status));
    if let Ok(v) = HeaderValue::from_str(&location(redirect, url)) {
        r.headers.insert(http::header::LOCATION, v);
    }
    server(r)
}

/// The load balancer's own error response (502: the target's answer was not valid; 503: no target to send to).
pub fn error(status: StatusCode) -> OriginResponse {
    server(OriginResponse::new(status, "text/html", error_page(status)))
}

fn error_page(status: StatusCode) -> String {
    let title = match status.as_u16() {
        503 => "503 Service Temporarily Unavailable".to_string(),
        502 => "502 Bad Gateway".to_string(),
        504 => "504 Gateway Time-out".to_string(),
        301 => "301 Moved Permanently".to_string(),
        302 => "302 Found".to_string(),
        _ => status.to_string(),
    };
    format!("<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n")
}

fn server(mut r: OriginResponse) -> OriginResponse {
    r.headers
        .insert(http::header::SERVER, HeaderValue::from_static("awselb/2.0"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url<'a>(path: &'a str, query: &'a str) -> RequestUrl<'a> {
        RequestUrl {
            protocol: Protocol::Http,
            host: "www.example.com",
            port: 80,
            path,
            query,
        }
    }

    fn r(protocol: &str, port: &str, host: &str, path: &str, query: &str) -> Redirect {
        Redirect {
            protocol: protocol.into(),
            port: port.into(),
            host: host.into(),
            path: path.into(),
            query: query.into(),
            status: 301,
        }
    }

    #[test]
    fn http_to_https_keeps_host_path_and_query() {
        let to_https = r("HTTPS", "443", "#{host}", "/#{path}", "#{query}");
        assert_eq!(
            location(&to_https, &url("/a/b", "x=1")),
            "https://www.example.com/a/b?x=1"
        );
        assert_eq!(location(&to_https, &url("/", "")), "https://www.example.com/");
    }

    #[test]
    fn placeholders_in_other_components() {
        let apex = r(
            "#{protocol}",
            "8443",
            "example.com",
            "/new/#{path}",
            "from=#{host}&#{query}",
        );
        assert_eq!(
            location(&apex, &url("/old", "q=2")),
            "http://example.com:8443/new/old?from=www.example.com&q=2"
        );
    }
}
