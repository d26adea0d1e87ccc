//! A Lambda function URL as an origin: the request becomes a payload format 2.0 event, the function's
//! answer becomes the HTTP response, buffered or streamed.
//!
//! AWS: Lambda Developer Guide, "Invoking Lambda function URLs" (request payload: lower-case `headers` with
//! repeated values joined by commas, `cookies` apart, `rawPath`, `rawQueryString`, `queryStringParameters`,
//! `isBase64Encoded` for binary bodies; response: `statusCode`, `headers`, `cookies`, `body`,
//! `isBase64Encoded`, or any other JSON taken as a 200 `application/json` body; an error in the function is
//! `502 Internal Server Error`), "Response streaming" (the `application/vnd.awslambda.http-integration-response`
//! prelude: JSON metadata, then eight NUL bytes, then the body), and "Control access to Lambda function
//! URLs" (`AWS_IAM`: only signed callers the resource policy allows for `lambda:InvokeFunctionUrl`).
//! CloudFront Developer Guide, "Restrict access to an AWS Lambda function URL origin": "If you use PUT or
//! POST methods with your Lambda function URL, your users must compute the SHA256 of the body and include
//! the payload hash value of the request body in the x-amz-content-sha256 header when sending the request
//! to CloudFront. Lambda doesn't support unsigned payloads."

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use base64::Engine;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::{full, payload_v2, Body, BoxError, OriginRequest, OriginResponse};
use crate::iam;
use crate::lambda::pool::{InvokeError, Pool};
use crate::lambda::{FunctionError, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    AwsIam,
    None,
}

/// What runs behind the URL now.
#[derive(Clone)]
pub struct Deployment {
    pub pool: Arc<Pool>,
    /// The function's resource policy (`GetPolicy`).
    pub resource_policy: Option<Value>,
}

pub struct FunctionUrlOrigin {
    /// `<url-id>.lambda-url.<region>.on.aws`
    pub domain: String,
    pub function_name: String,
    pub auth: AuthType,
    pub streaming: bool,
    /// The deployed function and its resource policy, replaced when the function is updated
    /// (`lambda::updates`).
    pub deployed: RwLock<Deployment>,
    pub account: String,
}

/// What went wrong on the way to the function, for the access log and the error page.
pub enum Failure {
    /// The function threw, timed out or crashed: Lambda's 502.
    Function(FunctionError),
    /// The function cannot run here or is throttled.
    Invoke(InvokeError),
}

impl FunctionUrlOrigin {
    pub async fn fetch(
        &self,
        request: OriginRequest,
        signed_by_distribution: Option<&str>,
    ) -> Result<OriginResponse, (OriginResponse, Failure)> {
        let deployment = self.deployment();
        if let Some(denied) = self.authorize(&deployment, &request, signed_by_distribution) {
            return Ok(denied);
        }
        let url = payload_v2::Url {
            domain: &self.domain,
            auth: self.auth,
            account: &self.account,
        };
        let event = payload_v2::event(
            &url,
            &request,
            &format!("{:032x}", fastrand::u128(..)),
            SystemTime::now(),
        );
        match deployment.pool.invoke(Bytes::from(event.to_string())).await {
            Ok(Outcome::Response(payload)) => Ok(buffered_response(&payload)),
            Ok(Outcome::Stream { content_type, body }) => {
                Ok(streamed_response(content_type, body.map_err(Into::into).boxed()).await)
            }
            Ok(Outcome::Error(e)) => Err((internal_server_error(), Failure::Function(e))),
            Err(e @ InvokeError::Throttled(_)) => Err((
                OriginResponse::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "application/json",
                    r#"{"Message":"Rate Exceeded."}"#,
                ),
                Failure::Invoke(e),
            )),
            Err(e) => Err((internal_server_error(), Failure::Invoke(e))),
        }
    }

    /// The deployment answering now.
    pub fn deployment(&self) -> Deployment {
        self.deployed
            .read()
            .map(|d| d.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn pool(&self) -> Arc<Pool> {
        self.deployment().pool
    }

    /// `AWS_IAM`: the caller must be signed (CloudFront's OAC), allowed by the resource policy, and must have
    /// sent the body's hash; Lambda answers 403 otherwise.
    fn authorize(
        &self,
        deployment: &Deployment,
        request: &OriginRequest,
        signed_by: Option<&str>,
    ) -> Option<OriginResponse> {
        if self.auth == AuthType::None {
            return None;
        }
        let forbidden = |message: &str| {
            let mut r = OriginResponse::new(
                StatusCode::FORBIDDEN,
                "application/json",
                json!({"Message": message}).to_string(),
            );
            r.headers
                .insert("x-amzn-errortype", HeaderValue::from_static("AccessDeniedException"));
            r
        };
        let Some(distribution_arn) = signed_by else {
            return Some(forbidden("Forbidden"));
        };
        let function_arn = deployment.pool.spec().arn.clone();
        let context = [
            ("AWS:SourceArn", distribution_arn),
            ("AWS:SourceAccount", self.account.as_str()),
            ("lambda:FunctionUrlAuthType", "AWS_IAM"),
        ];
        let allowed = deployment.resource_policy.as_ref().is_some_and(|p| {
            iam::allows(
                p,
                &iam::Request {
                    service: "cloudfront.amazonaws.com",
                    action: "lambda:InvokeFunctionUrl",
                    resource: &function_arn,
                    context: &context,
                },
            )
        });
        if !allowed {
            return Some(forbidden(
                "Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",
            ));
        }
        unsigned_payload(request)
    }
}

/// Lambda's answer to a request with a body that does not carry the body's SHA-256 (hex) in `x-amz-content-sha256`,
/// for an `AWS_IAM` URL: Lambda does not accept unsigned payloads (CloudFront Developer Guide, "Restrict access to an
/// AWS Lambda function URL origin"), and CloudFront's origin access control signs with the header the viewer sent.
/// Any method counts, as long as there is a body; a request without one needs no header.
pub fn unsigned_payload(request: &OriginRequest) -> Option<OriginResponse> {
    if request.body.is_empty() {
        return None;
    }
    let want = hex::encode(Sha256::digest(&request.body));
    let sent = request
        .headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok());
    if sent == Some(want.as_str()) {
        return None;
    }
    let mut r = OriginResponse::new(
        StatusCode::FORBIDDEN,
        "application/json",
        json!({"message": "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}).to_string(),
    );
    r.headers.insert(
        "x-amzn-errortype",
        HeaderValue::from_static("InvalidSignatureException"),
    );
    Some(r)
}

fn internal_server_error() -> OriginResponse {
    let mut r = OriginResponse::new(
        StatusCode::BAD_GATEWAY,
        "application/json",
        r#"{"Message":"Internal Server Error"}"#,
    );
    r.headers.insert(
        "x-amzn-errortype",
        HeaderValue::from_static("InternalServerErrorException"),
    );
    r
}

/// The response a buffered function's payload describes.
pub fn buffered_response(payload: &[u8]) -> OriginResponse {
    let value: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let Some(obj) = value.as_object().filter(|o| o.contains_key("statusCode")) else {
        return OriginResponse::new(StatusCode::OK, "application/json", Bytes::copy_from_slice(payload));
    };
    let (status, headers) = metadata(obj);
    let body = match obj.get("body") {
        Some(Value::String(s)) if obj.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) => {
            Bytes::from(base64::engine::general_purpose::STANDARD.decode(s).unwrap_or_default())
        }
        Some(Value::String(s)) => Bytes::from(s.clone()),
        Some(Value::Null) | None => Bytes::new(),
        Some(other) => Bytes::from(other.to_string()),
    };
    OriginResponse {
        status,
        headers,
        body: full(body),
    }
}

/// Status and headers (with `cookies` as `Set-Cookie`) from a response object or a streaming prelude.
fn metadata(obj: &Map<String, Value>) -> (StatusCode, HeaderMap) {
    let status = obj
        .get("statusCode")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .and_then(|c| StatusCode::from_u16(c as u16).ok())
        .unwrap_or(StatusCode::OK);
    let mut headers = HeaderMap::new();
    if let Some(Value::Object(h)) = obj.get("headers") {
        for (k, v) in h {
            let value = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(&value)) {
                headers.append(name, value);
            }
        }
    }
    if let Some(Value::Array(cookies)) = obj.get("cookies") {
        for c in cookies.iter().filter_map(Value::as_str) {
            if let Ok(v) = HeaderValue::from_str(c) {
                headers.append(http::header::SET_COOKIE, v);
            }
        }
    }
    (status, headers)
}

const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";

/// A streamed response: with the HTTP integration content type, the prelude (metadata, eight NUL bytes)
/// comes first; otherwise the whole stream is a 200 body of the given type.
pub async fn streamed_response(content_type: Option<String>, mut body: Body) -> OriginResponse {
    if content_type.as_deref() != Some(HTTP_INTEGRATION) {
        let mut headers = HeaderMap::new();
        if let Some(v) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(http::header::CONTENT_TYPE, v);
        }
        return OriginResponse {
            status: StatusCode::OK,
            headers,
            body,
        };
    }
    let mut buffered = BytesMut::new();
    loop {
        if let Some(at) = buffered.windows(8).position(|w| w == [0u8; 8]) {
            let prelude: Value = serde_json::from_slice(&buffered[..at]).unwrap_or(Value::Null);
            let rest = buffered.split_off(at + 8).freeze();
            let (status, mut headers) = prelude
                .as_object()
                .map(metadata)
                .unwrap_or((StatusCode::OK, HeaderMap::new()));
            // A streamed response goes out with chunked transfer encoding: its length is not known up front, and
            // a Content-Length in the prelude (OpenNext's compressing stream keeps the uncompressed one) is dropped.
            headers.remove(http::header::CONTENT_LENGTH);
            let first = futures::stream::once(async move { Ok::<_, BoxError>(hyper::body::Frame::data(rest)) });
            // The runtime's trailers are Lambda's business, not the viewer's: an error there ends the stream
            // (the viewer sees a truncated body, as from Lambda), and is logged.
            let tail = futures::stream::unfold(body, |mut b| async move {
                loop {
                    match b.frame().await? {
                        Ok(frame) if frame.is_trailers() => {
                            if let Some(kind) = frame
                                .trailers_ref()
                                .and_then(|t| t.get("lambda-runtime-function-error-type"))
                            {
                                eprintln!("nextstack-edge: a streamed response ended with an error: {kind:?}");
                                return None;
                            }
                        }
                        other => return Some((other, b)),
                    }
                }
            });
            let stream = futures::StreamExt::chain(first, tail);
            return OriginResponse {
                status,
                headers,
                body: http_body_util::StreamBody::new(stream).boxed(),
            };
        }
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    buffered.extend_from_slice(&data);
                }
            }
            Some(Err(_)) | None => {
                // No prelude at all: Lambda answers 502 to the caller.
                return internal_server_error();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_object_and_a_bare_json_value() {
        let r = buffered_response(
            br#"{"statusCode":201,"headers":{"x-a":"1"},"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true}"#,
        );
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(r.headers.get_all("set-cookie").iter().count(), 2);
        let bare = buffered_response(br#"{"ok":true}"#);
        assert_eq!(bare.status, StatusCode::OK);
        assert_eq!(bare.headers["content-type"], "application/json");
    }

    fn post(body: &[u8], sha256: Option<&str>) -> OriginRequest {
        let mut headers = HeaderMap::new();
        if let Some(v) = sha256 {
            headers.insert("x-amz-content-sha256", v.parse().unwrap());
        }
        OriginRequest {
            method: http::Method::POST,
            path: "/api".into(),
            query: String::new(),
            headers,
            body: Bytes::copy_from_slice(body),
        }
    }

    #[test]
    fn a_body_must_carry_its_sha256() {
        // sha256("hello"), as `printf hello | sha256sum` prints it.
        const HELLO: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        assert!(unsigned_payload(&post(b"hello", Some(HELLO))).is_none());
        let refused = unsigned_payload(&post(b"hello", None)).expect("no header: refused");
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.headers["x-amzn-errortype"], "InvalidSignatureException");
        let wrong = unsigned_payload(&post(b"hello!", Some(HELLO))).expect("another body's hash: refused");
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        assert!(
            unsigned_payload(&post(b"hello", Some("UNSIGNED-PAYLOAD"))).is_some(),
            "Lambda does not accept unsigned payloads"
        );
        assert!(
            unsigned_payload(&post(b"", None)).is_none(),
            "no body, no header needed"
        );
        let mut delete = post(b"{}", None);
        delete.method = http::Method::DELETE;
        assert!(unsigned_payload(&delete).is_some(), "any method with a body");
    }

    #[tokio::test]
    async fn the_streaming_prelude_is_split_from_the_body() {
        let chunks: Vec<Result<hyper::body::Frame<Bytes>, BoxError>> = vec![
            Ok(hyper::body::Frame::data(Bytes::from_static(
                b"{\"statusCode\":404,\"headers\":{\"content-type\":\"text/html\"}}\0\0\0\0",
            ))),
            Ok(hyper::body::Frame::data(Bytes::from_static(b"\0\0\0\0<h1>"))),
            Ok(hyper::body::Frame::data(Bytes::from_static(b"gone</h1>"))),
        ];
        let body = http_body_util::StreamBody::new(futures::stream::iter(chunks)).boxed();
        let r = streamed_response(Some(HTTP_INTEGRATION.into()), body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.headers["content-type"], "text/html");
        assert_eq!(
            r.body.collect().await.unwrap().to_bytes(),
            Bytes::from_static(b"<h1>gone</h1>")
        );
    }
}
