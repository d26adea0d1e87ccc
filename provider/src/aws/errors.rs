//! Turning SDK errors into diagnostics a user can act on.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tfplugin_framework::Diagnostic;

/// `action` says what was attempted, naming the object (parameter, zone, role).
pub fn aws_error<E>(action: &str, err: &E) -> Diagnostic
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => aws_smithy_types::error::display::DisplayErrorContext(err).to_string(),
    };
    Diagnostic::error(format!("AWS error: {action}"), detail)
}
