//! Turning SDK errors into diagnostics a user can act on.

use std::error::Error;

use aws_credential_types::provider::error::CredentialsError;
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
            None => aws_smithy_types::error::display::DisplayErrorContext(err).to_string(),
        },
    };
    Diagnostic::error(format!("AWS error: {action}"), detail)
}

/// The credential provider's own explanation (unknown profile, role that cannot be
/// assumed, ...) when that is why a request never left, without the SDK's debug dump.
fn credentials_problem(err: &(dyn Error + 'static)) -> Option<String> {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.downcast_ref::<CredentialsError>().is_some() {
            let mut parts: Vec<String> = Vec::new();
            let mut cause = Some(e);
            while let Some(c) = cause {
                let text = c.to_string();
                if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
                    parts.push(text);
                }
                cause = c.source();
            }
            return Some(parts.join(": "));
        }
        current = e.source();
    }
    None
}
