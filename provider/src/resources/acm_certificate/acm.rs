//! The ACM side of a certificate: request, describe, wait, tag, delete, and
//! finding other certificates that still need a validation record.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_acm::types::{
    CertificateStatus, CertificateSummary, CertificateType, Filters, KeyAlgorithm, Tag, ValidationMethod,
};
use aws_smithy_types::date_time::Format;
use serde::{Deserialize, Serialize};
use tfplugin_framework::{Diagnostic, StopSignal};
use tokio::time::Instant;

use super::names::validation_domain;
use crate::aws::poll::{Backoff, Ended};
use crate::aws::route53::{fqdn, via};
use crate::aws::{Aws, Clients, Error as AwsError, TagChanges, Target};

/// ACM in one region of one account, and how it is reached: every call goes
/// through one, so every error names the region and the role (or the provider's credentials).
#[derive(Clone)]
pub struct Certs {
    clients: Arc<Clients>,
}

impl Certs {
    pub async fn open(aws: &Aws, target: &Target) -> Result<Certs, Diagnostic> {
        Ok(Certs {
            clients: aws.clients(target).await?,
        })
    }
    /// "us-east-1 through ROLE_ARN" or "us-east-1 with the provider's credentials".
    pub fn place(&self) -> String {
        match self.clients.role_arn {
            Some(_) => self.clients.place(),
            None => format!("{} {}", self.clients.region, via(None)),
        }
    }
    pub fn region(&self) -> &str {
        &self.clients.region
    }
    fn acm(&self) -> &aws_sdk_acm::Client {
        self.clients.acm()
    }
}

/// One DNS record that proves control of a name; `domain_name` is the name it
/// validates, without a leading `*.` (a wildcard and its apex share the record).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Record {
    pub domain_name: String,
    pub name: String,
    #[serde(rename = "type")]
    pub r#type: String,
    pub value: String,
}

impl Record {
    /// Records are the same when their names and types are (values never differ for one name in one account).
    pub fn same_as(&self, other: &Record) -> bool {
        fqdn(&self.name) == fqdn(&other.name) && self.r#type.eq_ignore_ascii_case(&other.r#type)
    }
}

/// What the resource needs from DescribeCertificate.
#[derive(Clone, Debug)]
pub struct Cert {
    pub arn: String,
    pub domain_name: String,
    /// Every name on the certificate, the domain name included, as ACM spells them.
    pub names: Vec<String>,
    pub status: String,
    /// The validation records, one per distinct record, sorted.
    pub records: Vec<Record>,
    /// True while ACM has not yet produced the record for some name.
    pub records_pending: bool,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    pub key_algorithm: Option<String>,
    pub in_use_by: Vec<String>,
    pub failure_reason: Option<String>,
}

/// Every key type, so that ListCertificates does not hide non-RSA_2048 certificates (its default).
fn all_key_types() -> Vec<KeyAlgorithm> {
    KeyAlgorithm::values().iter().map(|v| KeyAlgorithm::from(*v)).collect()
}

fn timestamp(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
}

/// DescribeCertificate; `None` when the certificate does not exist.
pub async fn describe(certs: &Certs, arn: &str) -> Result<Option<Cert>, Diagnostic> {
    let out = match certs.acm().describe_certificate().certificate_arn(arn).send().await {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(AwsError::call(&format!("reading certificate {arn} in {}", certs.place()), &e).into()),
    };
    let Some(detail) = out.certificate() else {
        return Ok(None);
    };
    let mut records: Vec<Record> = Vec::new();
    let mut records_pending = false;
    for option in detail.domain_validation_options() {
        let Some(rr) = option.resource_record() else {
            records_pending = true;
            continue;
        };
        let record = Record {
            domain_name: validation_domain(option.domain_name()),
            name: rr.name().to_string(),
            r#type: rr.r#type().as_str().to_string(),
            value: rr.value().to_string(),
        };
        match records.iter().find(|r| r.same_as(&record)) {
            Some(existing) if fqdn(&existing.value) != fqdn(&record.value) => {
                tracing::warn!(
                    name = record.name,
                    "ACM gave two values for one validation record; using the first"
                );
            }
            Some(_) => {}
            None => records.push(record),
        }
    }
    records.sort();
    Ok(Some(Cert {
        arn: detail.certificate_arn().unwrap_or(arn).to_string(),
        domain_name: detail.domain_name().unwrap_or_default().to_string(),
        names: detail.subject_alternative_names().to_vec(),
        status: detail.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
        records,
        records_pending,
        not_before: timestamp(detail.not_before()),
        not_after: timestamp(detail.not_after()),
        // DescribeCertificate spells key types RSA-2048; RequestCertificate and the schema RSA_2048.
        key_algorithm: detail.key_algorithm().map(|k| k.as_str().replace('-', "_")),
        in_use_by: detail.in_use_by().to_vec(),
        failure_reason: detail.failure_reason().map(|f| f.as_str().to_string()),
    }))
}

/// A fresh idempotency token, so SDK retries of one request never make two certificates.
fn idempotency_token() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

fn tag_list(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, Diagnostic> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| Diagnostic::error("Invalid tag", format!("Tag {k:?}: {e}")))
        })
        .collect()
}

/// RequestCertificate with DNS validation; returns the new certificate's ARN.
pub async fn request(
    certs: &Certs,
    domain_name: &str,
    sans: &[String],
    key_algorithm: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, Diagnostic> {
    let mut req = certs
        .acm()
        .request_certificate()
        .domain_name(domain_name)
        .validation_method(ValidationMethod::Dns)
        .key_algorithm(KeyAlgorithm::from(key_algorithm))
        .idempotency_token(idempotency_token());
    if !sans.is_empty() {
        req = req.set_subject_alternative_names(Some(sans.to_vec()));
    }
    if !tags.is_empty() {
        req = req.set_tags(Some(tag_list(tags)?));
    }
    let out = req.send().await.map_err(|e| {
        AwsError::call(
            &format!("requesting a certificate for {domain_name} in {}", certs.place()),
            &e,
        )
    })?;
    out.certificate_arn().map(str::to_string).ok_or_else(|| {
        Diagnostic::error(
            "Unexpected ACM answer",
            format!(
                "RequestCertificate for {domain_name} in {} returned no ARN.",
                certs.place()
            ),
        )
    })
}

/// Why a wait ended without success.
pub enum WaitError {
    Failed(Diagnostic),
    Interrupted,
}

impl From<Diagnostic> for WaitError {
    fn from(d: Diagnostic) -> Self {
        WaitError::Failed(d)
    }
}

/// How long a certificate just requested may be reported missing.
const NOT_FOUND_GRACE: Duration = Duration::from_secs(60);

/// Describes the certificate until ACM has produced a validation record for every
/// name (AWS takes a few seconds after the request).
pub async fn wait_for_records(
    certs: &Certs,
    arn: &str,
    deadline: Instant,
    stop: &StopSignal,
) -> Result<Cert, WaitError> {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(5), deadline, stop);
    loop {
        match describe(certs, arn).await? {
            Some(cert) if cert.status == "FAILED" => {
                let reason = cert.failure_reason.as_deref().unwrap_or("none given");
                return Err(Diagnostic::error(
                    "Certificate request failed",
                    format!("ACM marked {arn} in {} FAILED (reason: {reason}).", certs.place()),
                )
                .into());
            }
            Some(cert) if !cert.records_pending && !cert.records.is_empty() => return Ok(cert),
            Some(_) => {}
            // ACM is eventually consistent: a certificate just requested may not be found for a moment.
            None if backoff.elapsed_secs() < NOT_FOUND_GRACE.as_secs() => {}
            None => {
                return Err(Diagnostic::error(
                    "Certificate disappeared",
                    format!(
                        "Certificate {arn} in {} was deleted while its validation records were awaited.",
                        certs.place()
                    ),
                )
                .into())
            }
        }
        match backoff.pause().await {
            Ok(()) => {}
            Err(Ended::Interrupted) => return Err(WaitError::Interrupted),
            Err(Ended::TimedOut) => {
                return Err(Diagnostic::error(
                    "Timed out waiting for validation records",
                    format!(
                        "ACM did not produce DNS validation records for {arn} in {} within {} s (the create timeout).",
                        certs.place(),
                        backoff.elapsed_secs()
                    ),
                )
                .into())
            }
        }
    }
}

/// Polls with backoff (1 s, 2 s, 4 s ... 15 s) until the certificate is ISSUED.
pub async fn wait_issued(certs: &Certs, arn: &str, deadline: Instant, stop: &StopSignal) -> Result<Cert, WaitError> {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(15), deadline, stop);
    loop {
        match backoff.pause().await {
            Ok(()) => {}
            Err(Ended::Interrupted) => return Err(WaitError::Interrupted),
            Err(Ended::TimedOut) => {
                return Err(Diagnostic::error(
                    "Timed out waiting for the certificate",
                    format!(
                        "Certificate {arn} in {} is still PENDING_VALIDATION after {} s (the create timeout). Its \
                         validation records are written; check that the hosted zone is the one the domain's name \
                         servers delegate to. Raise timeouts.create, or set wait_for_issuance = false to not wait.",
                        certs.place(),
                        backoff.elapsed_secs()
                    ),
                )
                .into())
            }
        }
        let cert = describe(certs, arn).await?.ok_or_else(|| {
            Diagnostic::error(
                "Certificate disappeared",
                format!(
                    "Certificate {arn} in {} was deleted while waiting for it to be issued.",
                    certs.place()
                ),
            )
        })?;
        match cert.status.as_str() {
            "ISSUED" => return Ok(cert),
            "PENDING_VALIDATION" => {}
            other => {
                let reason = cert
                    .failure_reason
                    .as_deref()
                    .map(|r| format!(" (reason: {r})"))
                    .unwrap_or_default();
                return Err(Diagnostic::error(
                    "Certificate was not issued",
                    format!(
                        "Certificate {arn} in {} is {other}{reason} instead of ISSUED.",
                        certs.place()
                    ),
                )
                .into());
            }
        }
    }
}

/// The users ACM names for a certificate, for messages.
fn users(cert: Option<&Cert>) -> String {
    match cert {
        Some(cert) if !cert.in_use_by.is_empty() => cert.in_use_by.join(", "),
        _ => "a resource ACM does not name".to_string(),
    }
}

/// What to do about users when a delete cannot go on; the same advice for each way it ends.
const IN_USE_ADVICE: &str = "Point those resources at another certificate first; with lifecycle { \
                             create_before_destroy = true } Terraform does that before deleting the old certificate.";

/// Waits (2 s, 4 s ... 30 s, up to `deadline`, which `limit` names for messages)
/// while DescribeCertificate names resources using the certificate (CloudFront
/// lets go of a replaced certificate some minutes after switching). Returns the
/// last description; `None` when the certificate does not exist. Nothing is
/// changed meanwhile, so a certificate still in use keeps its records and renews.
pub async fn wait_unused(
    certs: &Certs,
    arn: &str,
    deadline: Instant,
    limit: &str,
    stop: &StopSignal,
) -> Result<Option<Cert>, Diagnostic> {
    let mut backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(30), deadline, stop);
    loop {
        let cert = describe(certs, arn).await?;
        let Some(in_use) = cert.as_ref().filter(|c| !c.in_use_by.is_empty()) else {
            return Ok(cert);
        };
        tracing::info!(arn, users = ?in_use.in_use_by, "certificate in use; waiting before deleting anything");
        let users = users(Some(in_use));
        match backoff.pause().await {
            Ok(()) => {}
            Err(Ended::TimedOut) => {
                return Err(Diagnostic::error(
                    "Certificate is still in use",
                    format!(
                        "Certificate {arn} in {} is still in use by {users} after {} s ({limit}). Nothing was deleted: \
                         the certificate and its validation records are in place, so it keeps renewing. {IN_USE_ADVICE}",
                        certs.place(),
                        backoff.elapsed_secs()
                    ),
                ))
            }
            Err(Ended::Interrupted) => {
                return Err(Diagnostic::error(
                    "Interrupted",
                    format!(
                        "Stopped while waiting for {users} to stop using certificate {arn} in {}. Nothing was deleted: \
                         the certificate and its validation records are in place.",
                        certs.place()
                    ),
                ))
            }
        }
    }
}

/// Deletes a certificate, retrying (2 s, 4 s ... 30 s, up to `deadline`, which
/// `limit` names for messages) while ACM says it is in use. A missing certificate is fine.
pub async fn delete(
    certs: &Certs,
    arn: &str,
    deadline: Instant,
    limit: &str,
    stop: &StopSignal,
) -> Result<(), Diagnostic> {
    let mut backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(30), deadline, stop);
    loop {
        let err = match certs.acm().delete_certificate().certificate_arn(arn).send().await {
            Ok(_) => return Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return Ok(())
            }
            Err(e) => e,
        };
        if !err.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) {
            return Err(AwsError::call(&format!("deleting certificate {arn} in {}", certs.place()), &err).into());
        }
        tracing::info!(arn, "certificate in use; retrying delete");
        let ended = match backoff.pause().await {
            Ok(()) => continue,
            Err(ended) => ended,
        };
        let users = users(describe(certs, arn).await.ok().flatten().as_ref());
        return Err(match ended {
            Ended::TimedOut => Diagnostic::error(
                "Certificate is still in use",
                format!(
                    "Certificate {arn} in {} is still in use by {users} after {} s ({limit}). {IN_USE_ADVICE}",
                    certs.place(),
                    backoff.elapsed_secs()
                ),
            ),
            Ended::Interrupted => Diagnostic::error(
                "Interrupted",
                format!(
                    "Stopped while deleting certificate {arn} in {}, which ACM said was in use by {users}.",
                    certs.place()
                ),
            ),
        });
    }
}

/// The certificate's tags.
pub async fn tags(certs: &Certs, arn: &str) -> Result<BTreeMap<String, String>, Diagnostic> {
    let out = certs
        .acm()
        .list_tags_for_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(|e| {
            AwsError::call(
                &format!("reading the tags of certificate {arn} in {}", certs.place()),
                &e,
            )
        })?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string()))
        .collect())
}

/// Brings the tags from `old` to `new`: removes dropped keys, then writes new and changed ones.
pub async fn retag(
    certs: &Certs,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), Diagnostic> {
    let TagChanges { removed, changed } = TagChanges::between(old, new);
    if !removed.is_empty() {
        certs
            .acm()
            .remove_tags_from_certificate()
            .certificate_arn(arn)
            .set_tags(Some(tag_list(&removed)?))
            .send()
            .await
            .map_err(|e| {
                AwsError::call(
                    &format!("removing tags from certificate {arn} in {}", certs.place()),
                    &e,
                )
            })?;
    }
    if !changed.is_empty() {
        certs
            .acm()
            .add_tags_to_certificate()
            .certificate_arn(arn)
            .set_tags(Some(tag_list(&changed)?))
            .send()
            .await
            .map_err(|e| AwsError::call(&format!("tagging certificate {arn} in {}", certs.place()), &e))?;
    }
    Ok(())
}

/// How many ListCertificates listings a decision rests on, and how far apart.
///
/// ListCertificates is eventually consistent: a certificate requested moments ago (by another state, another
/// pipeline, the console) can be missing from a listing for a while, and deciding from one listing could delete
/// the validation record that certificate is about to be validated with (ACM gives every certificate of an
/// account the same record for a name). Route53 records carry no tags, so ownership cannot be written on the
/// record; instead the decision takes several listings spread over a few seconds and keeps a record if any of
/// them names a certificate that needs it, confirmed by DescribeCertificate of that ARN (its actual records and
/// status, not names in a summary). After the records are removed, [`Looks::RECHECK`] lists once more and the
/// caller writes back any record a certificate that appeared meanwhile needs: a record is at worst missing for
/// seconds, which ACM's validation (it retries for up to 72 hours) tolerates.
/// https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
#[derive(Clone, Copy, Debug)]
pub struct Looks {
    pub count: u32,
    pub apart: Duration,
}

impl Looks {
    /// Before deleting: two listings, two seconds apart.
    pub const BEFORE_DELETE: Looks = Looks {
        count: 2,
        apart: Duration::from_secs(2),
    };
    /// After deleting: one more listing, two seconds after the last.
    pub const RECHECK: Looks = Looks {
        count: 1,
        apart: Duration::from_secs(2),
    };
}

/// Names (in [`fqdn`] form) of those `records` that a certificate other than
/// `arn` still needs, by every certificate any of `looks` listings names (see [`Looks`]).
/// Only certificates that can use a validation record count: ACM-issued ones
/// that are PENDING_VALIDATION or ISSUED (and so may renew); an imported,
/// failed, expired or revoked certificate never asks for it again.
/// `regions[0]` is the certificate's own region and must answer; the others are
/// checked as well as permissions allow, and a region that cannot be listed
/// keeps every record (a stray CNAME is harmless, a missing one breaks renewal).
pub async fn still_needed(
    regions: &[Certs],
    arn: &str,
    records: &[Record],
    looks: Looks,
) -> Result<BTreeSet<String>, Diagnostic> {
    let ours: BTreeMap<String, String> = records
        .iter()
        .map(|r| (r.domain_name.to_ascii_lowercase(), fqdn(&r.name)))
        .collect();
    let our_names: BTreeSet<String> = ours.values().cloned().collect();
    // (region index, ARN) of every certificate a listing named that may share a record, over all looks.
    let mut candidates: BTreeSet<(usize, String)> = BTreeSet::new();
    for look in 0..looks.count {
        if look > 0 || looks.count == 1 {
            tokio::time::sleep(looks.apart).await;
        }
        for (i, certs) in regions.iter().enumerate() {
            let summaries = match list_users(certs).await {
                Ok(s) => s,
                Err(e) if i == 0 => return Err(e),
                Err(e) => {
                    tracing::warn!(region = certs.region(), error = %e.detail, "cannot list certificates; keeping shared validation records");
                    return Ok(our_names);
                }
            };
            for s in summaries.iter().filter(|s| s.certificate_arn() != Some(arn)) {
                let Some(other) = s.certificate_arn() else { continue };
                let sans = s.subject_alternative_name_summaries();
                let complete = !sans.is_empty() && !s.has_additional_subject_alternative_names().unwrap_or(false);
                let mut names = sans.iter().map(String::as_str).chain(s.domain_name());
                // A summary that lists every name and none of ours cannot need our records.
                if !complete || names.any(|n| ours.contains_key(&validation_domain(n))) {
                    candidates.insert((i, other.to_string()));
                }
            }
        }
    }
    let mut needed = BTreeSet::new();
    for (i, other) in &candidates {
        // DescribeCertificate of the ARN: the records it really has, and whether it still uses them.
        let Some(cert) = describe(&regions[*i], other).await? else {
            continue;
        };
        if !cert.status.is_empty() && !USING_RECORDS.iter().any(|s| s.as_str() == cert.status) {
            continue;
        }
        needed.extend(
            cert.records
                .iter()
                .map(|r| fqdn(&r.name))
                .filter(|n| our_names.contains(n)),
        );
    }
    Ok(needed)
}

/// Statuses in which a certificate uses its validation records: waiting for
/// them, or issued and renewing through them.
const USING_RECORDS: [CertificateStatus; 2] = [CertificateStatus::PendingValidation, CertificateStatus::Issued];

/// True for a certificate that may use a validation record: ACM-issued, in a
/// status of [`USING_RECORDS`]. A summary that does not say is kept (a stray
/// record is harmless, a missing one breaks renewal).
fn may_use_records(s: &CertificateSummary) -> bool {
    s.r#type().is_none_or(|t| *t == CertificateType::AmazonIssued)
        && s.status().is_none_or(|st| USING_RECORDS.contains(st))
}

/// Every certificate in the region that may use a validation record, whatever
/// its key type. ListCertificates filters on status; the type is checked here,
/// since it cannot filter on that.
async fn list_users(certs: &Certs) -> Result<Vec<CertificateSummary>, Diagnostic> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = certs
            .acm()
            .list_certificates()
            .set_certificate_statuses(Some(USING_RECORDS.to_vec()))
            .includes(Filters::builder().set_key_types(Some(all_key_types())).build())
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::call(&format!("listing certificates in {}", certs.place()), &e))?;
        out.extend(
            page.certificate_summary_list()
                .iter()
                .filter(|s| may_use_records(s))
                .cloned(),
        );
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_acm_shaped() {
        let a = idempotency_token();
        let b = idempotency_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn only_acm_issued_pending_or_issued_certificates_keep_records() {
        let summary = |ty: Option<CertificateType>, status: Option<CertificateStatus>| {
            CertificateSummary::builder().set_type(ty).set_status(status).build()
        };
        let amazon = Some(CertificateType::AmazonIssued);
        assert!(may_use_records(&summary(
            amazon.clone(),
            Some(CertificateStatus::Issued)
        )));
        assert!(may_use_records(&summary(
            amazon.clone(),
            Some(CertificateStatus::PendingValidation)
        )));
        assert!(!may_use_records(&summary(
            Some(CertificateType::Imported),
            Some(CertificateStatus::Issued)
        )));
        assert!(!may_use_records(&summary(
            Some(CertificateType::Private),
            Some(CertificateStatus::Issued)
        )));
        for gone in [
            CertificateStatus::Expired,
            CertificateStatus::Failed,
            CertificateStatus::Revoked,
            CertificateStatus::ValidationTimedOut,
            CertificateStatus::Inactive,
        ] {
            assert!(!may_use_records(&summary(amazon.clone(), Some(gone))));
        }
        assert!(may_use_records(&summary(None, None)), "unknown: kept, to be safe");
    }

    #[test]
    fn records_match_whatever_the_spelling() {
        let r = |name: &str| Record {
            domain_name: "example.com".into(),
            name: name.into(),
            r#type: "CNAME".into(),
            value: "v.".into(),
        };
        assert!(r("_a.Example.com.").same_as(&r("_a.example.com")));
        assert!(!r("_a.example.com.").same_as(&r("_b.example.com.")));
    }
}
