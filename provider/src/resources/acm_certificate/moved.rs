//! `moved { from = aws_acm_certificate.x  to = nextstack_acm_certificate.x }`: the hashicorp/aws state of a
//! DNS-validated, ACM-issued certificate mapped onto this resource, so the certificate is adopted, not replaced.
//!
//! What has no counterpart is refused, naming the attribute: imported certificates (`certificate_body`,
//! `private_key`, `certificate_chain`), private ones (`certificate_authority_arn`, `early_renewal_duration`),
//! e-mail validation (`validation_method`, `validation_option`) and a disabled transparency log
//! (`options.certificate_transparency_logging_preference`); this resource requests none of those.
//! The hosted zone of the validation records is not in that state (hashicorp/aws keeps the records in separate
//! `aws_route53_record` resources), so `validation` starts empty and the first apply fills it in place: it finds
//! the records already in the zone and writes nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use tfplugin_framework::{Diagnostic, Diagnostics, MoveSource, SourceState};

use super::acm::Record;
use super::names::{key, validation_domain};
use super::resource::{Model, DEFAULT_KEY_ALGORITHM, KEY_ALGORITHMS};
use crate::aws::route53::fqdn;
use crate::aws::Target;

pub const SOURCES: &[MoveSource] = &[MoveSource {
    provider: "hashicorp/aws",
    type_name: "aws_acm_certificate",
}];

/// The schema version of `aws_acm_certificate` this mapping was written against (hashicorp/aws 5.x).
const SOURCE_VERSION: i64 = 0;

/// The attributes of `aws_acm_certificate` (hashicorp/aws 5.100.0) the move reads or refuses.
#[derive(Deserialize)]
struct AwsCertificate {
    arn: Option<String>,
    domain_name: Option<String>,
    subject_alternative_names: Option<Vec<String>>,
    key_algorithm: Option<String>,
    status: Option<String>,
    not_before: Option<String>,
    not_after: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    domain_validation_options: Option<Vec<ValidationOption>>,
    validation_method: Option<String>,
    validation_option: Option<Vec<serde_json::Value>>,
    options: Option<Vec<Options>>,
    certificate_authority_arn: Option<String>,
    certificate_body: Option<String>,
    certificate_chain: Option<String>,
    private_key: Option<String>,
    early_renewal_duration: Option<String>,
}

#[derive(Deserialize)]
struct ValidationOption {
    domain_name: Option<String>,
    resource_record_name: Option<String>,
    resource_record_type: Option<String>,
    resource_record_value: Option<String>,
}

#[derive(Deserialize)]
struct Options {
    certificate_transparency_logging_preference: Option<String>,
}

fn set(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.is_empty())
}

fn refused(attribute: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "Cannot move this aws_acm_certificate",
        format!(
            "aws_acm_certificate.{attribute} {why} nextstack_acm_certificate only manages DNS-validated certificates \
             that ACM issues; keep this one in hashicorp/aws (remove the `moved` block)."
        ),
    )
}

/// The nextstack state of the certificate `source` describes, or errors naming what cannot be moved.
pub fn from_aws(source: &SourceState) -> Result<Model, Diagnostics> {
    if source.schema_version > SOURCE_VERSION {
        return Err(Diagnostic::error(
            "Unknown aws_acm_certificate state version",
            format!(
                "The state was written with schema version {}; this provider maps version {SOURCE_VERSION} (hashicorp/aws 5.x). \
                 Upgrade the provider, or import the certificate by its ARN instead.",
                source.schema_version
            ),
        )
        .into());
    }
    let aws: AwsCertificate = serde_json::from_value(source.state.clone()).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Unreadable aws_acm_certificate state",
            format!("The state does not have the shape of hashicorp/aws 5.x: {e}."),
        ))
    })?;
    let mut diags = Diagnostics::new();
    // Values of these are never echoed: certificate_body and private_key are secrets.
    for (attribute, value) in [
        ("certificate_body", &aws.certificate_body),
        ("private_key", &aws.private_key),
        ("certificate_chain", &aws.certificate_chain),
    ] {
        if set(value) {
            diags.push(refused(attribute, "is set: this is an imported certificate."));
        }
    }
    if set(&aws.certificate_authority_arn) {
        diags.push(refused(
            "certificate_authority_arn",
            "is set: this is a private certificate.",
        ));
    }
    if set(&aws.early_renewal_duration) {
        diags.push(refused(
            "early_renewal_duration",
            "is set: only private certificates renew early.",
        ));
    }
    if let Some(method) = aws
        .validation_method
        .as_deref()
        .filter(|m| !m.is_empty() && *m != "DNS")
    {
        diags.push(refused("validation_method", &format!("is {method}, not DNS.")));
    }
    if aws.validation_option.as_ref().is_some_and(|v| !v.is_empty()) {
        diags.push(refused(
            "validation_option",
            "is set: it only applies to e-mail validation.",
        ));
    }
    let logging = aws
        .options
        .iter()
        .flatten()
        .filter_map(|o| o.certificate_transparency_logging_preference.as_deref());
    if let Some(pref) = logging.into_iter().find(|p| *p == "DISABLED") {
        diags.push(refused(
            "options.certificate_transparency_logging_preference",
            &format!("is {pref}: this resource always requests transparency logging (ACM's default)."),
        ));
    }
    let key_algorithm = aws
        .key_algorithm
        .clone()
        .unwrap_or_else(|| DEFAULT_KEY_ALGORITHM.to_string());
    if !KEY_ALGORITHMS.contains(&key_algorithm.as_str()) {
        diags.push(refused(
            "key_algorithm",
            &format!("is {key_algorithm}, a type ACM never issues."),
        ));
    }
    let (Some(arn), Some(domain_name)) = (aws.arn.clone().filter(|a| !a.is_empty()), aws.domain_name.clone()) else {
        diags.push(refused(
            "arn",
            "or domain_name is missing: the certificate was never created.",
        ));
        return Err(diags);
    };
    // arn:aws:acm:REGION:ACCOUNT:certificate/ID
    let region = arn.split(':').nth(3).filter(|r| !r.is_empty()).map(str::to_string);
    if region.is_none() {
        diags.push(refused("arn", &format!("({arn}) is not an ACM certificate ARN.")));
    }
    if diags.has_errors() {
        return Err(diags);
    }
    // hashicorp/aws lists the domain name among the alternative names; this resource does not need it there.
    let sans: BTreeSet<String> = aws
        .subject_alternative_names
        .iter()
        .flatten()
        .filter(|n| key(n) != key(&domain_name))
        .cloned()
        .collect();
    Ok(Model {
        id: Some(arn.clone()),
        arn: Some(arn),
        domain_name,
        subject_alternative_names: Some(sans).filter(|s| !s.is_empty()),
        key_algorithm: Some(key_algorithm),
        target: Target {
            region,
            role_arn: None,
            external_id: None,
        },
        validation: None,
        wait_for_issuance: Some(true),
        tags: aws.tags.filter(|t| !t.is_empty()),
        timeouts: None,
        status: aws.status,
        validation_records: Some(records(aws.domain_validation_options.unwrap_or_default())),
        not_before: aws.not_before.filter(|s| !s.is_empty()),
        not_after: aws.not_after.filter(|s| !s.is_empty()),
    })
}

/// One record per distinct name, sorted, as [`super::acm::describe`] gives them (refresh replaces them anyway).
fn records(options: Vec<ValidationOption>) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::new();
    for o in options {
        let (Some(domain), Some(name), Some(value)) = (o.domain_name, o.resource_record_name, o.resource_record_value)
        else {
            continue;
        };
        let record = Record {
            domain_name: validation_domain(&domain),
            name,
            r#type: o.resource_record_type.unwrap_or_else(|| "CNAME".to_string()),
            value,
        };
        if !out.iter().any(|r| r.same_as(&record)) {
            out.push(record);
        }
    }
    out.sort();
    out.dedup_by(|a, b| fqdn(&a.name) == fqdn(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(state: serde_json::Value) -> SourceState {
        SourceState {
            provider_address: "registry.terraform.io/hashicorp/aws".into(),
            type_name: "aws_acm_certificate".into(),
            schema_version: 0,
            state,
        }
    }

    #[test]
    fn a_dns_validated_certificate_maps_one_to_one() {
        let model = from_aws(&source(serde_json::json!({
            "arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "domain_name": "example.com",
            "subject_alternative_names": ["example.com", "www.example.com"],
            "key_algorithm": "EC_prime256v1",
            "validation_method": "DNS",
            "status": "ISSUED",
            "tags": {},
            "domain_validation_options": [
                {"domain_name": "*.example.com", "resource_record_name": "_a.example.com.", "resource_record_type": "CNAME", "resource_record_value": "_v.acm-validations.aws."},
                {"domain_name": "example.com", "resource_record_name": "_a.example.com.", "resource_record_type": "CNAME", "resource_record_value": "_v.acm-validations.aws."}
            ]
        })))
        .unwrap();
        assert_eq!(model.target.region.as_deref(), Some("us-east-1"));
        assert_eq!(
            model.subject_alternative_names,
            Some(["www.example.com".to_string()].into())
        );
        assert_eq!(model.key_algorithm.as_deref(), Some("EC_prime256v1"));
        assert_eq!(model.tags, None);
        assert_eq!(
            model.validation_records.unwrap().len(),
            1,
            "a wildcard and its apex share one record"
        );
        assert!(model.validation.is_none());
    }

    #[test]
    fn an_imported_certificate_is_refused_by_attribute_without_its_secret() {
        let err = from_aws(&source(serde_json::json!({
            "arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "domain_name": "example.com",
            "certificate_body": "-----BEGIN CERTIFICATE-----x",
            "private_key": "-----BEGIN PRIVATE KEY-----secret",
            "validation_method": "NONE"
        })))
        .unwrap_err();
        let text: String = err.0.iter().map(|d| format!("{} {}\n", d.summary, d.detail)).collect();
        assert!(text.contains("aws_acm_certificate.certificate_body is set"), "{text}");
        assert!(text.contains("aws_acm_certificate.private_key is set"), "{text}");
        assert!(text.contains("aws_acm_certificate.validation_method is NONE"), "{text}");
        assert!(!text.contains("secret") && !text.contains("BEGIN"), "{text}");
    }
}
