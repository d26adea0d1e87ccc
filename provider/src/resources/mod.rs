//! Every resource, data source and ephemeral resource the provider offers, and `target`, the schema
//! attributes they share. A new one is a module here plus one line in `crate::provider`.
//! This is the one place that joins the framework, `aws` and `opennext`: AWS failures become diagnostics here.

pub mod acm_certificate;
pub mod dns_alias;
pub mod nextjs_build;
pub mod nextjs_site;
pub mod ssm_parameters;
pub mod target;

use tfplugin_framework::{ApplyError, AttributePath, Diagnostic, Diagnostics, StopSignal};

use crate::aws;

/// An AWS failure as the user sees it: what failed, naming the object, and the service's answer.
impl From<aws::Error> for Diagnostic {
    fn from(e: aws::Error) -> Self {
        Diagnostic::error(e.summary, e.detail)
    }
}

impl From<aws::Error> for Diagnostics {
    fn from(e: aws::Error) -> Self {
        Diagnostic::from(e).into()
    }
}

impl<M> From<aws::Error> for ApplyError<M> {
    fn from(e: aws::Error) -> Self {
        Diagnostic::from(e).into()
    }
}

/// A wait that ended before AWS reported done: the change is made, so a warning.
impl From<aws::Unfinished> for Diagnostic {
    fn from(u: aws::Unfinished) -> Self {
        Diagnostic::warning(u.summary, u.detail)
    }
}

/// Waits on AWS end at once when Terraform asks the provider to stop (Ctrl-C).
impl aws::poll::Stop for StopSignal {
    fn is_stopped(&self) -> bool {
        StopSignal::is_stopped(self)
    }
    fn stopped(&self) -> impl std::future::Future<Output = ()> + Send {
        StopSignal::stopped(self)
    }
}

/// A zone check's failure at the setting at fault: the zone at `zone`, names outside it at `names`.
pub fn zone_problem_at(c: aws::route53::Covering, zone: AttributePath, names: AttributePath) -> Diagnostic {
    match c {
        aws::route53::Covering::Zone(e) => Diagnostic::from(e).at(zone),
        aws::route53::Covering::Outside(e) => Diagnostic::from(e).at(names),
    }
}

/// One problem as [`validation_problems`] lists it.
#[cfg(test)]
pub fn triple(summary: &str, detail: &str, at: &str) -> (String, String, String) {
    (summary.into(), detail.into(), at.into())
}

/// What validation says about a configuration written as JSON: the schema's validators, then the type's own
/// `validate` (the framework's order), as (summary, detail, attribute path) triples.
#[cfg(test)]
pub fn validation_problems(
    schema: &tfplugin_framework::Schema,
    validate: impl Fn(&tfplugin_framework::Value) -> Diagnostics,
    config: serde_json::Value,
) -> Vec<(String, String, String)> {
    let config =
        tfplugin_framework::json::from_json(&config, &schema.value_type()).expect("config of the schema's type");
    let mut diags = schema.block.validate(&config, &AttributePath::default());
    diags.extend(validate(&config));
    diags
        .0
        .into_iter()
        .map(|d| {
            (
                d.summary,
                d.detail,
                d.attribute.map(|p| p.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}
