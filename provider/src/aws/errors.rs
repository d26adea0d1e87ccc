//! Turning SDK errors into diagnostics a user can act on.

use std::error::Error;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::error::SdkError;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tfplugin_framework::Diagnostic;

/// `action` says what was attempted, naming the object (parameter, zone, role).
pub fn aws_error<E>(action: &str, err: &E) -> Diagnostic
where
    E: ProvideErrorMetadata + Error + 'static,
{
    let detail = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => match credentials_problem(err) {
            Some(problem) => format!("No usable AWS credentials: {problem}"),
            None => DisplayErrorContext(err).to_string(),
        },
    };
    Diagnostic::error(format!("AWS error: {action}"), detail)
}

/// True when IAM refused the call (no allowing policy, or an explicit deny): JSON protocols (SSM, ACM)
/// answer `AccessDeniedException`, query and REST XML ones (STS, Route53) `AccessDenied`
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
pub fn is_access_denied<E: ProvideErrorMetadata>(err: &E) -> bool {
    matches!(err.code(), Some("AccessDeniedException" | "AccessDenied"))
}

/// Why no credentials could be had (a role that cannot be assumed, an unknown
/// profile, ...) when that is why a request never left, without the SDK's debug dump.
fn credentials_problem(err: &(dyn Error + 'static)) -> Option<String> {
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
fn chain<'a>(err: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(Some(err), |e| (*e).source())
}
