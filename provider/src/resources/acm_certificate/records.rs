//! The validation records in the DNS account's hosted zone: written once each,
//! checked for drift, removed only when nothing needs them.

use aws_sdk_route53::types::{ChangeAction, RrType};
use tfplugin_framework::Diagnostic;

use super::acm::Record;
use crate::aws::route53::{self, fqdn, Zone, ZoneAccess};

/// TTL of the validation CNAMEs; ACM only needs them to resolve.
const TTL: i64 = 300;

/// The value of the CNAME at the record's name, if there is one.
fn existing_value(found: &route53::Found, record: &Record) -> Option<Option<String>> {
    let sets = found.as_ref()?.get(&fqdn(&record.name))?;
    let set = route53::of_type(sets, &RrType::Cname)?;
    Some(set.resource_records().first().map(|r| r.value().to_string()))
}

/// Writes those of `records` that the zone lacks, in one change batch, and
/// returns them. A record that exists with this value is left alone (another
/// certificate for the same name wrote it); one with another value is an
/// error naming it, since overwriting it would break whoever owns it.
pub async fn ensure(dns: &ZoneAccess, zone: &Zone, records: &[Record]) -> Result<Vec<Record>, Diagnostic> {
    let _guard = route53::lock_zone(&zone.id).await;
    ensure_locked(dns, zone, records).await
}

async fn ensure_locked(dns: &ZoneAccess, zone: &Zone, records: &[Record]) -> Result<Vec<Record>, Diagnostic> {
    let names: Vec<String> = records.iter().map(|r| r.name.clone()).collect();
    let found = dns.records_at(&names).await?;
    if found.is_none() {
        return Err(Diagnostic::error(
            "Hosted zone not found",
            format!("{} no longer exists.", dns.describe()),
        ));
    }
    let mut missing = Vec::new();
    for record in records {
        if !zone.contains(&record.name) {
            return Err(Diagnostic::error(
                "Validation record outside the hosted zone",
                format!(
                    "ACM asks for {} to validate {}, which is not in {}.",
                    record.name,
                    record.domain_name,
                    dns.describe()
                ),
            ));
        }
        match existing_value(&found, record) {
            None => missing.push(record.clone()),
            Some(Some(value)) if fqdn(&value) == fqdn(&record.value) => {}
            Some(value) => {
                return Err(Diagnostic::error(
                    "Conflicting DNS record",
                    format!(
                        "{} already has a CNAME {} with value {}, not the validation value {} ACM gave for {}. \
                         Remove that record (it may be left over from a certificate of another account) and apply again.",
                        dns.describe(),
                        record.name,
                        value.unwrap_or_default(),
                        record.value,
                        record.domain_name
                    ),
                ));
            }
        }
    }
    let changes = missing
        .iter()
        .map(|r| route53::change(ChangeAction::Create, route53::cname(&r.name, &r.value, TTL)?))
        .collect::<Result<Vec<_>, _>>()?;
    dns.apply(changes, "nextstack_acm_certificate validation records")
        .await?;
    Ok(missing)
}

/// [`ensure`] for a caller that already holds the zone's lock ([`route53::lock_zone`]).
pub async fn write_back(dns: &ZoneAccess, zone: &Zone, records: &[Record]) -> Result<Vec<Record>, Diagnostic> {
    ensure_locked(dns, zone, records).await
}

/// Which of `records` exist in the zone with their value; `None` when the zone is gone.
pub async fn present(dns: &ZoneAccess, records: &[Record]) -> Result<Option<Vec<bool>>, Diagnostic> {
    let names: Vec<String> = records.iter().map(|r| r.name.clone()).collect();
    let found = dns.records_at(&names).await?;
    if found.is_none() {
        return Ok(None);
    }
    Ok(Some(
        records
            .iter()
            .map(|r| matches!(existing_value(&found, r), Some(Some(v)) if fqdn(&v) == fqdn(&r.value)))
            .collect(),
    ))
}

/// Deletes those of `records` that exist, with the values they have now (Route53
/// refuses a DELETE whose values are stale), in one change batch. Returns the
/// names deleted. The caller holds the zone's lock ([`route53::lock_zone`]).
pub async fn remove(dns: &ZoneAccess, records: &[Record]) -> Result<Vec<String>, Diagnostic> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = records.iter().map(|r| r.name.clone()).collect();
    let Some(found) = dns.records_at(&names).await? else {
        return Ok(Vec::new());
    };
    let mut changes = Vec::new();
    let mut deleted = Vec::new();
    for record in records {
        let Some(set) = found
            .get(&fqdn(&record.name))
            .and_then(|sets| route53::of_type(sets, &RrType::Cname))
        else {
            continue;
        };
        // Only the validation CNAME itself: a record someone repointed is theirs now.
        if set
            .resource_records()
            .iter()
            .any(|v| fqdn(v.value()) == fqdn(&record.value))
        {
            changes.push(route53::change(ChangeAction::Delete, set.clone())?);
            deleted.push(record.name.clone());
        }
    }
    dns.apply(changes, "nextstack_acm_certificate cleanup").await?;
    Ok(deleted)
}
