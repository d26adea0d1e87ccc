//! AWS failures as values: what was attempted, which service and operation answered, its error code and
//! message, and what kind of failure that code means. `resources/` turns one into a diagnostic; code that
//! must tell failures apart asks the kind or the code, never the wording.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::error::SdkError;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What a failure means for the code that called AWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The object named does not exist (`NoSuchBucket`, `ResourceNotFoundException`, `ParameterNotFound` ...).
    NotFound,
    /// The service refused the rate of requests, after the SDK's retries.
    Throttling,
    /// IAM refused the call.
    AccessDenied,
    /// No usable credentials: the request never left.
    Credentials,
    /// Neither the provider block nor the environment names a region.
    NoRegion,
    /// AWS answered, but not in a way this provider can use (an answer without the object asked for).
    Unexpected,
    /// The request cannot be made as configured (names outside a zone ...).
    Invalid,
    /// The provider built a request the SDK refused: a bug in the provider.
    Bug,
    /// Any other service or transport failure.
    Other,
}

/// One failure on the AWS side, with the words a user needs to act on it.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct Error {
    pub kind: Kind,
    /// What failed, naming the object: `AWS error: reading certificate arn:... in eu-west-1`.
    pub summary: String,
    /// Why: the service's code and message, or what was missing.
    pub detail: String,
    /// Who answered and what, when the failure came from a call (boxed: errors travel in `Result`s).
    pub answer: Option<Box<Answer>>,
}

/// What a service answered to a failed call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// The SDK crate's service (`s3`, `route53`).
    pub service: Option<&'static str>,
    /// The operation (`GetObject`).
    pub operation: Option<&'static str>,
    /// The service's error code (`NoSuchBucket`), when it answered with one.
    pub code: Option<String>,
    /// The service's error message, when it answered with one.
    pub message: Option<String>,
}

impl Error {
    /// A failure that is not an SDK error (an unusable answer, a wrong configuration).
    pub fn new(kind: Kind, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Error {
            kind,
            summary: summary.into(),
            detail: detail.into(),
            answer: None,
        }
    }

    /// A failed SDK call. `action` says what was attempted, naming the object (parameter, zone, role).
    pub fn call<E>(action: &str, err: &E) -> Self
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        let (service, operation) = operation_of::<E>();
        let code = err.code().map(str::to_string);
        let message = err.message().map(str::to_string);
        let (kind, detail) = match (err.code(), err.message()) {
            (Some(code), Some(message)) => (kind_of(code), format!("{code}: {message}")),
            (Some(code), None) => (kind_of(code), code.to_string()),
            _ => match credentials_problem(err) {
                Some(problem) => (Kind::Credentials, format!("No usable AWS credentials: {problem}")),
                None => (Kind::Other, DisplayErrorContext(err).to_string()),
            },
        };
        Error {
            kind,
            summary: format!("AWS error: {action}"),
            detail,
            answer: Some(Box::new(Answer {
                service,
                operation,
                code,
                message,
            })),
        }
    }

    /// The provider built a request the SDK refused.
    pub fn bug(summary: impl Into<String>, err: impl std::fmt::Display) -> Self {
        Error::new(Kind::Bug, summary, format!("{err}. This is a bug in the provider."))
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == Kind::NotFound
    }
    pub fn is_access_denied(&self) -> bool {
        self.kind == Kind::AccessDenied
    }
    /// The service's error code, when it answered with one.
    pub fn code(&self) -> Option<&str> {
        self.answer.as_ref()?.code.as_deref()
    }
    /// True when the service answered with exactly this error code.
    pub fn has_code(&self, code: &str) -> bool {
        self.code() == Some(code)
    }
}

/// A wait that ended before AWS reported done, after what was asked had been accepted: worth a warning,
/// never an error (the change is made and in state).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct Unfinished {
    pub summary: String,
    pub detail: String,
}

/// What an error code means. Codes follow the services' conventions: `NoSuch*` and `*NotFound[Exception]`
/// for a missing object; IAM's refusals are `AccessDeniedException` (JSON protocols: SSM, ACM) or
/// `AccessDenied` (query and REST XML: STS, Route53, S3)
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html); throttling codes are
/// those the SDKs retry as throttling
/// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
fn kind_of(code: &str) -> Kind {
    const THROTTLING: &[&str] = &[
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    ];
    if matches!(code, "AccessDeniedException" | "AccessDenied") {
        Kind::AccessDenied
    } else if THROTTLING.contains(&code) {
        Kind::Throttling
    } else if code.starts_with("NoSuch") || code.ends_with("NotFound") || code.ends_with("NotFoundException") {
        Kind::NotFound
    } else {
        Kind::Other
    }
}

/// The service and operation of an SDK error type, read from its type name
/// (`aws_sdk_s3::operation::get_object::GetObjectError` gives `s3`, `GetObject`). Only for the
/// error's fields: messages never depend on it.
fn operation_of<E: 'static>() -> (Option<&'static str>, Option<&'static str>) {
    let name = std::any::type_name::<E>();
    let Some(start) = name.find("aws_sdk_") else {
        return (None, None);
    };
    let path = &name[start + "aws_sdk_".len()..];
    let path = &path[..path.find(['<', '>', ','].as_slice()).unwrap_or(path.len())];
    let mut parts = path.split("::");
    let service = parts.next().filter(|s| !s.is_empty());
    let operation = parts
        .last()
        .and_then(|t| t.strip_suffix("Error"))
        .filter(|o| !o.is_empty());
    (service, operation)
}

/// Why no credentials could be had (a role that cannot be assumed, an unknown
/// profile, ...) when that is why a request never left, without the SDK's debug dump.
fn credentials_problem(err: &(dyn StdError + 'static)) -> Option<String> {
    if let Some(assume) = chain(err).find_map(|e| e.downcast_ref::<SdkError<AssumeRoleError>>()) {
        // STS's answer names the role and the reason (AccessDenied: ... not authorized ...).
        return Some(match (assume.code(), assume.message()) {
            (Some(code), Some(message)) => format!("sts:AssumeRole failed: {code}: {message}"),
            _ => format!("sts:AssumeRole failed: {}", DisplayErrorContext(assume)),
        });
    }
    let start = chain(err).find(|e| e.downcast_ref::<CredentialsError>().is_some())?;
    let mut parts: Vec<String> = Vec::new();
    for text in chain(start).map(ToString::to_string) {
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    Some(parts.join(": "))
}

/// `err` and its sources, outermost first.
fn chain<'a>(err: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e| (*e).source())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::operation::get_object::GetObjectError;
    use aws_smithy_types::error::ErrorMetadata;

    fn s3_error(code: &str) -> GetObjectError {
        GetObjectError::generic(ErrorMetadata::builder().code(code).message("it said no").build())
    }

    #[test]
    fn a_call_error_keeps_the_services_code_and_what_it_means() {
        let e = Error::call("reading s3://b/k (s3:GetObject)", &s3_error("NoSuchBucket"));
        assert_eq!(e.kind, Kind::NotFound);
        assert!(e.has_code("NoSuchBucket"));
        let answer = e.answer.as_deref().expect("a call's answer");
        assert_eq!(answer.message.as_deref(), Some("it said no"));
        assert_eq!((answer.service, answer.operation), (Some("s3"), Some("GetObject")));
        assert_eq!(e.summary, "AWS error: reading s3://b/k (s3:GetObject)");
        assert_eq!(e.detail, "NoSuchBucket: it said no");
    }

    #[test]
    fn codes_are_sorted_into_kinds() {
        for (code, kind) in [
            ("AccessDenied", Kind::AccessDenied),
            ("AccessDeniedException", Kind::AccessDenied),
            ("Throttling", Kind::Throttling),
            ("PriorRequestNotComplete", Kind::Throttling),
            ("ResourceNotFoundException", Kind::NotFound),
            ("ParameterNotFound", Kind::NotFound),
            ("NoSuchHostedZone", Kind::NotFound),
            ("InvalidParameterException", Kind::Other),
        ] {
            assert_eq!(kind_of(code), kind, "{code}");
        }
    }
}
