//! Route53 as `nextstack_acm_certificate` and `nextstack_dns_alias` use it: a
//! hosted zone reached through a role (errors name the zone and the role),
//! record lookups that tolerate the service's spellings of names, and one
//! atomic change batch per apply.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, ResourceRecord, ResourceRecordSet, RrType,
};
use futures::stream::{self, StreamExt, TryStreamExt};
use tfplugin_framework::Diagnostic;

use crate::aws::{aws_error, Clients};

/// Lookups in flight at once; Route53 allows five requests per second per account.
const CONCURRENCY: usize = 4;
/// How long an apply waits for Route53 to report a change INSYNC (it usually takes under a minute).
const INSYNC_WAIT: Duration = Duration::from_secs(300);

/// A hosted zone, as far as writing records into it is concerned.
#[derive(Clone, Debug)]
pub struct Zone {
    /// The id without its `/hostedzone/` prefix.
    pub id: String,
    /// The zone's name in [`fqdn`] form.
    pub name: String,
    pub private: bool,
}

impl Zone {
    /// True when `name` is the zone's apex or a name below it.
    pub fn contains(&self, name: &str) -> bool {
        let name = fqdn(name);
        name == self.name || name.ends_with(&format!(".{}", self.name))
    }
}

/// Says how a zone was reached, for error messages: "through role ARN" or
/// "with the provider's credentials".
pub fn via(role_arn: Option<&str>) -> String {
    match role_arn.filter(|r| !r.is_empty()) {
        Some(role) => format!("through role {role}"),
        None => "with the provider's credentials".to_string(),
    }
}

/// The canonical spelling of a DNS name for comparisons: lower case, with
/// Route53's octal escapes (`\052` for `*`) decoded and one trailing dot.
/// Route53 lower-cases and escapes names; other implementations keep them as written.
pub fn fqdn(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let digits: String = chars.clone().take(3).collect();
            if digits.len() == 3 && digits.chars().all(|d| ('0'..='7').contains(&d)) {
                if let Some(decoded) = u8::from_str_radix(&digits, 8).ok().map(char::from) {
                    out.push(decoded.to_ascii_lowercase());
                    for _ in 0..3 {
                        chars.next();
                    }
                    continue;
                }
            }
            if let Some(next) = chars.next() {
                out.push(next.to_ascii_lowercase());
            }
            continue;
        }
        out.push(c.to_ascii_lowercase());
    }
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Checks an IAM role ARN's shape: `arn:PARTITION:iam::ACCOUNT:role/NAME`.
/// STS rejects others only when called, which would be after a plan looked fine.
pub fn check_role_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty() && !n.ends_with('/'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{arn:?} is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
        ))
    }
}

/// Splits an import id `HEAD@ROLE_ARN|EXTERNAL_ID` into its parts; the role part
/// is optional and may also follow a `|` (`HEAD|ROLE_ARN|EXTERNAL_ID`). `@` is what
/// `nextstack_ssm_parameters` uses; the head (an ARN, a zone id and names) holds neither.
pub fn split_import_id(id: &str) -> (&str, Option<String>, Option<String>) {
    let id = id.trim();
    let Some(at) = id.find(['@', '|']) else {
        return (id, None, None);
    };
    let (head, rest) = (&id[..at], &id[at + 1..]);
    let (role, external_id) = match rest.split_once('|') {
        Some((role, ext)) => (role, Some(ext)),
        None => (rest, None),
    };
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    (head.trim(), some(role), external_id.and_then(some))
}

/// Serialises check-then-write sequences on one zone within this provider
/// process: Terraform applies resources in parallel, and two certificates that
/// share a validation record must not both see it missing and both create it.
pub async fn lock_zone(zone_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let lock = {
        let mut locks = LOCKS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        locks.entry(bare_zone_id(zone_id).to_string()).or_default().clone()
    };
    lock.lock_owned().await
}

/// A hosted zone id without the `/hostedzone/` prefix the API sometimes adds.
pub fn bare_zone_id(id: &str) -> &str {
    id.trim().trim_start_matches("/hostedzone/")
}

/// Looks a zone up through `clients`, which act in the account `via` describes.
pub async fn hosted_zone(clients: &Clients, zone_id: &str, via: &str) -> Result<Zone, Diagnostic> {
    let id = bare_zone_id(zone_id);
    let out = clients.route53().get_hosted_zone().id(id).send().await.map_err(|e| {
        if e.as_service_error().is_some_and(|s| s.is_no_such_hosted_zone()) {
            Diagnostic::error(
                "Hosted zone not found",
                format!(
                    "Hosted zone {id} does not exist in the account reached {via}. Check the zone id, and that the role \
                     belongs to the account that owns the zone."
                ),
            )
        } else {
            let d = aws_error(&format!("reading hosted zone {id} {via}"), &e);
            Diagnostic::error(
                format!("Cannot reach hosted zone {id}"),
                format!("{}: {}. Check that the role exists, trusts the provider's identity, and allows route53:GetHostedZone.", d.summary, d.detail),
            )
        }
    })?;
    let zone = out.hosted_zone().ok_or_else(|| {
        Diagnostic::error(
            "Unexpected Route53 answer",
            format!("GetHostedZone {id} returned no zone."),
        )
    })?;
    Ok(Zone {
        id: bare_zone_id(zone.id()).to_string(),
        name: fqdn(zone.name()),
        private: zone.config().is_some_and(|c| c.private_zone()),
    })
}

/// The record sets found at some names, keyed by [`fqdn`]; `None` when the zone itself is gone.
pub type Found = Option<BTreeMap<String, Vec<ResourceRecordSet>>>;

/// Every record set at each of `names` (any type), in as few calls as the zone
/// allows: one ListResourceRecordSets call per name (a few at a time), or, when
/// that is fewer calls, one sweep through the whole zone (300 records a page).
pub async fn records_at(clients: &Clients, zone_id: &str, names: &[String]) -> Result<Found, Diagnostic> {
    let zone_id = bare_zone_id(zone_id);
    let mut unique: Vec<String> = names.iter().map(|n| fqdn(n)).collect();
    unique.sort();
    unique.dedup();
    if unique.len() >= SWEEP_FROM {
        match zone_size(clients, zone_id).await {
            Err(LookupError::ZoneGone) => return Ok(None),
            Err(LookupError::Failed(d)) => return Err(d),
            Ok(Some(count)) if 1 + (count as usize).div_ceil(PAGE) < unique.len() => {
                return match sweep(clients, zone_id, &unique).await {
                    Ok(found) => Ok(Some(found)),
                    Err(LookupError::ZoneGone) => Ok(None),
                    Err(LookupError::Failed(d)) => Err(d),
                };
            }
            Ok(_) => {}
        }
    }
    let result: Result<Vec<(String, Vec<ResourceRecordSet>)>, LookupError> = stream::iter(unique)
        .map(|name| async move {
            let sets = sets_at(clients, zone_id, &name).await?;
            Ok((name, sets))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await;
    match result {
        Ok(found) => Ok(Some(found.into_iter().collect())),
        Err(LookupError::ZoneGone) => Ok(None),
        Err(LookupError::Failed(d)) => Err(d),
    }
}

enum LookupError {
    ZoneGone,
    Failed(Diagnostic),
}

/// Below this many names, per-name lookups never cost more than a sweep.
const SWEEP_FROM: usize = 3;
/// Route53's largest ListResourceRecordSets page.
const PAGE: usize = 300;

fn lookup_error<E>(
    e: aws_sdk_route53::error::SdkError<E>,
    zone_is_gone: impl Fn(&E) -> bool,
    action: &str,
) -> LookupError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if e.as_service_error().is_some_and(zone_is_gone) {
        LookupError::ZoneGone
    } else {
        LookupError::Failed(aws_error(action, &e))
    }
}

/// How many record sets the zone holds, if Route53 says.
async fn zone_size(clients: &Clients, zone_id: &str) -> Result<Option<i64>, LookupError> {
    let out = clients
        .route53()
        .get_hosted_zone()
        .id(zone_id)
        .send()
        .await
        .map_err(|e| {
            lookup_error(
                e,
                |s| s.is_no_such_hosted_zone(),
                &format!("reading hosted zone {zone_id}"),
            )
        })?;
    Ok(out.hosted_zone().and_then(|z| z.resource_record_set_count()))
}

/// Every record set of the zone at one of `names`, reading the whole zone page by page.
async fn sweep(
    clients: &Clients,
    zone_id: &str,
    names: &[String],
) -> Result<BTreeMap<String, Vec<ResourceRecordSet>>, LookupError> {
    let wanted: std::collections::BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut found: BTreeMap<String, Vec<ResourceRecordSet>> = names.iter().map(|n| (n.clone(), Vec::new())).collect();
    let mut start: Option<(String, Option<RrType>)> = None;
    loop {
        let (start_name, start_type) = start.take().unzip();
        let page = clients
            .route53()
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .set_start_record_name(start_name)
            .set_start_record_type(start_type.flatten())
            .max_items(PAGE as i32)
            .send()
            .await
            .map_err(|e| {
                lookup_error(
                    e,
                    |s| s.is_no_such_hosted_zone(),
                    &format!("listing the records of hosted zone {zone_id}"),
                )
            })?;
        for set in page.resource_record_sets() {
            let name = fqdn(set.name());
            if wanted.contains(name.as_str()) {
                found.entry(name).or_default().push(set.clone());
            }
        }
        match page.next_record_name() {
            Some(next) if page.is_truncated() => start = Some((next.to_string(), page.next_record_type().cloned())),
            _ => return Ok(found),
        }
    }
}

async fn sets_at(clients: &Clients, zone_id: &str, name: &str) -> Result<Vec<ResourceRecordSet>, LookupError> {
    let mut out = Vec::new();
    let mut start: Option<(String, Option<RrType>)> = Some((name.to_string(), None));
    while let Some((start_name, start_type)) = start.take() {
        let page = clients
            .route53()
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .start_record_name(start_name)
            .set_start_record_type(start_type)
            .max_items(10)
            .send()
            .await
            .map_err(|e| {
                lookup_error(
                    e,
                    |s| s.is_no_such_hosted_zone(),
                    &format!("listing records named {name} in hosted zone {zone_id}"),
                )
            })?;
        let mut past = false;
        for set in page.resource_record_sets() {
            if fqdn(set.name()) == name {
                out.push(set.clone());
            } else if !out.is_empty() || reverse_labels(&fqdn(set.name())) > reverse_labels(name) {
                past = true;
            }
        }
        if page.is_truncated() && !past {
            if let Some(next) = page.next_record_name().filter(|n| fqdn(n) == name) {
                start = Some((next.to_string(), page.next_record_type().cloned()));
            }
        }
    }
    Ok(out)
}

/// Route53 sorts names by their labels read right to left.
fn reverse_labels(name: &str) -> Vec<&str> {
    name.trim_end_matches('.').rsplit('.').collect()
}

/// The record set of one type among those found at a name.
pub fn of_type<'a>(sets: &'a [ResourceRecordSet], ty: &RrType) -> Option<&'a ResourceRecordSet> {
    sets.iter().find(|s| s.r#type() == ty && s.set_identifier().is_none())
}

/// A simple CNAME record set.
pub fn cname(name: &str, value: &str, ttl: i64) -> Result<ResourceRecordSet, Diagnostic> {
    let record = ResourceRecord::builder().value(value).build().map_err(build_error)?;
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Cname)
        .ttl(ttl)
        .resource_records(record)
        .build()
        .map_err(build_error)
}

/// An alias record set (A or AAAA) pointing at a CloudFront distribution, load balancer, ...
pub fn alias(
    name: &str,
    ty: RrType,
    dns_name: &str,
    zone_id: &str,
    evaluate_target_health: bool,
) -> Result<ResourceRecordSet, Diagnostic> {
    let target = AliasTarget::builder()
        .dns_name(dns_name)
        .hosted_zone_id(bare_zone_id(zone_id))
        .evaluate_target_health(evaluate_target_health)
        .build()
        .map_err(build_error)?;
    ResourceRecordSet::builder()
        .name(name)
        .r#type(ty)
        .alias_target(target)
        .build()
        .map_err(build_error)
}

pub fn change(action: ChangeAction, set: ResourceRecordSet) -> Result<Change, Diagnostic> {
    Change::builder()
        .action(action)
        .resource_record_set(set)
        .build()
        .map_err(build_error)
}

fn build_error(e: aws_smithy_types::error::operation::BuildError) -> Diagnostic {
    Diagnostic::error(
        "Provider built an invalid Route53 request",
        format!("{e}. This is a bug in the provider."),
    )
}

/// Applies `changes` as one batch (Route53 applies a batch entirely or not at
/// all) and, when `wait`, waits until Route53 reports it INSYNC.
pub async fn apply(
    clients: &Clients,
    zone_id: &str,
    changes: Vec<Change>,
    comment: &str,
    wait: bool,
) -> Result<(), Diagnostic> {
    if changes.is_empty() {
        return Ok(());
    }
    let zone_id = bare_zone_id(zone_id);
    let count = changes.len();
    let batch = ChangeBatch::builder()
        .comment(comment)
        .set_changes(Some(changes))
        .build()
        .map_err(build_error)?;
    let out = clients
        .route53()
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(batch)
        .send()
        .await
        .map_err(|e| {
            aws_error(
                &format!("writing {count} record change(s) to hosted zone {zone_id}"),
                &e,
            )
        })?;
    tracing::debug!(zone_id, count, "route53 change batch applied");
    let Some(info) = out.change_info() else {
        return Ok(());
    };
    if !wait || *info.status() == ChangeStatus::Insync {
        return Ok(());
    }
    let id = info.id().to_string();
    let deadline = tokio::time::Instant::now() + INSYNC_WAIT;
    let mut delay = Duration::from_secs(2);
    loop {
        if tokio::time::Instant::now() + delay > deadline {
            tracing::warn!(
                change = id,
                "Route53 change not INSYNC yet; continuing (records are written)"
            );
            return Ok(());
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(15));
        let status = clients
            .route53()
            .get_change()
            .id(&id)
            .send()
            .await
            .map_err(|e| aws_error(&format!("checking Route53 change {id} in hosted zone {zone_id}"), &e))?;
        if status
            .change_info()
            .is_some_and(|c| *c.status() == ChangeStatus::Insync)
        {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_in_one_spelling() {
        assert_eq!(fqdn("WWW.Example.com"), "www.example.com.");
        assert_eq!(fqdn("\\052.example.com."), "*.example.com.");
        assert_eq!(fqdn("*.example.com"), "*.example.com.");
    }

    #[test]
    fn zone_contains_apex_and_below_only() {
        let zone = Zone {
            id: "Z1".into(),
            name: "example.com.".into(),
            private: false,
        };
        assert!(zone.contains("example.com"));
        assert!(zone.contains("*.Example.com"));
        assert!(zone.contains("_x.www.example.com."));
        assert!(!zone.contains("badexample.com"));
        assert!(!zone.contains("example.org"));
    }

    #[test]
    fn zone_ids_lose_their_prefix() {
        assert_eq!(bare_zone_id("/hostedzone/Z123"), "Z123");
        assert_eq!(bare_zone_id("Z123"), "Z123");
    }

    #[test]
    fn import_ids_split_at_the_role() {
        let arn = "arn:aws:acm:us-east-1:1:certificate/x";
        assert_eq!(split_import_id(arn), (arn, None, None));
        let role = "arn:aws:iam::111111111111:role/a@b";
        assert_eq!(
            split_import_id(&format!("{arn}@{role}")),
            (arn, Some(role.to_string()), None)
        );
        assert_eq!(
            split_import_id(&format!("{arn}|{role}|ext")),
            (arn, Some(role.to_string()), Some("ext".to_string()))
        );
        assert_eq!(split_import_id("Z1:a.com,b.com@"), ("Z1:a.com,b.com", None, None));
    }

    #[test]
    fn role_arns_are_checked() {
        assert!(check_role_arn("arn:aws:iam::111111111111:role/dns").is_ok());
        assert!(check_role_arn("arn:aws:iam::111111111111:role/path/dns").is_ok());
        assert!(check_role_arn("arn:aws:iam::1111:role/dns").is_err());
        assert!(check_role_arn("dns").is_err());
        assert!(check_role_arn("arn:aws:iam::111111111111:user/dns").is_err());
    }
}
