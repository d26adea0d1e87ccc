//! Route53 as `nextstack_acm_certificate` and `nextstack_dns_alias` use it: a
//! hosted zone reached through a role ([`ZoneAccess`]: every error names the
//! zone and the role), record lookups that tolerate the service's spellings of
//! names, and one atomic change batch per apply.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeInfo, ChangeStatus, ResourceRecord, ResourceRecordSet, RrType,
};
use futures::stream::{self, StreamExt, TryStreamExt};
use tokio::time::Instant;

use super::poll::{Backoff, Ended, Stop};
use super::{Aws, Clients, Error, Kind, Target, Unfinished};

/// Lookups in flight at once; Route53 allows five requests per second per account.
const CONCURRENCY: usize = 4;
/// How long an apply waits for Route53 to report a change INSYNC (it usually takes under a minute).
const INSYNC_WAIT: Duration = Duration::from_secs(300);
/// Changes named in an error message; more are counted.
const CHANGES_NAMED: usize = 10;

/// A hosted zone, as far as writing records into it is concerned.
#[derive(Clone, Debug)]
pub struct Zone {
    /// The id without its `/hostedzone/` prefix.
    pub id: String,
    /// The zone's name in [`fqdn`] form.
    pub name: String,
    pub private: bool,
    /// How many record sets the zone held when it was read.
    pub record_count: Option<i64>,
}

impl Zone {
    /// True when `name` is the zone's apex or a name below it.
    pub fn contains(&self, name: &str) -> bool {
        let name = fqdn(name);
        name == self.name || name.ends_with(&format!(".{}", self.name))
    }
}

/// Says how a zone (or ACM) was reached, for error messages: "through role ARN"
/// or "with the provider's credentials".
pub fn via(role_arn: Option<&str>) -> String {
    match role_arn.filter(|r| !r.is_empty()) {
        Some(role) => format!("through role {role}"),
        None => "with the provider's credentials".to_string(),
    }
}

/// The credentials for a zone reached through `role_arn`. Route53 is global:
/// only the account matters, so the provider's region is used.
pub fn target(role_arn: Option<&str>, external_id: Option<&str>) -> Target {
    let some = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
    Target {
        region: None,
        role_arn: some(role_arn),
        external_id: some(external_id),
    }
}

/// A hosted zone and the credentials that reach it. Every Route53 call goes
/// through one, so every error names the zone and the role (or the provider's
/// credentials). What GetHostedZone said is kept, so it is asked once per operation.
pub struct ZoneAccess {
    clients: Arc<Clients>,
    /// The id without its `/hostedzone/` prefix.
    pub id: String,
    /// See [`via`].
    pub via: String,
    known: OnceLock<Zone>,
}

impl ZoneAccess {
    pub async fn open(
        aws: &Aws,
        zone_id: &str,
        role_arn: Option<&str>,
        external_id: Option<&str>,
    ) -> Result<ZoneAccess, Error> {
        Ok(ZoneAccess {
            clients: aws.clients(&target(role_arn, external_id)).await?,
            id: bare_zone_id(zone_id).to_string(),
            via: via(role_arn),
            known: OnceLock::new(),
        })
    }

    /// "hosted zone Z123 (example.com.) through role ARN", the name once known.
    pub fn describe(&self) -> String {
        match self.known.get() {
            Some(zone) => format!("hosted zone {} ({}) {}", self.id, zone.name, self.via),
            None => format!("hosted zone {} {}", self.id, self.via),
        }
    }

    /// GetHostedZone: the zone must exist in the account reached.
    pub async fn zone(&self) -> Result<Zone, Error> {
        let (id, via) = (&self.id, &self.via);
        self.lookup_zone().await.map_err(|e| match e {
            LookupError::ZoneGone => Error::new(
                Kind::NotFound,
                "Hosted zone not found",
                format!(
                    "Hosted zone {id} does not exist in the account reached {via}. Check the zone id, and that the role \
                     belongs to the account that owns the zone."
                ),
            ),
            LookupError::Failed(e) => Error {
                summary: format!("Cannot reach hosted zone {id}"),
                detail: format!(
                    "{}: {}. Check that the role exists, trusts the provider's identity, and allows route53:GetHostedZone.",
                    e.summary, e.detail
                ),
                ..e
            },
        })
    }

    /// GetHostedZone, once: later calls answer from what it said.
    async fn lookup_zone(&self) -> Result<Zone, LookupError> {
        if let Some(zone) = self.known.get() {
            return Ok(zone.clone());
        }
        let action = format!("reading {}", self.describe());
        let out = self
            .clients
            .route53()
            .get_hosted_zone()
            .id(&self.id)
            .send()
            .await
            .map_err(|e| lookup_error(e, |s| s.is_no_such_hosted_zone(), &action))?;
        let zone = out.hosted_zone().ok_or_else(|| {
            LookupError::Failed(Error::new(
                Kind::Unexpected,
                "Unexpected Route53 answer",
                format!("GetHostedZone {} {} returned no zone.", self.id, self.via),
            ))
        })?;
        let zone = Zone {
            id: bare_zone_id(zone.id()).to_string(),
            name: fqdn(zone.name()),
            private: zone.config().is_some_and(|c| c.private_zone()),
            record_count: zone.resource_record_set_count(),
        };
        Ok(self.known.get_or_init(|| zone).clone())
    }

    /// The zone, checked to hold every one of `names` (its apex or below). The error says whether the
    /// zone or the names are at fault, so that the caller can point at the right setting.
    pub async fn covering(&self, names: &[String]) -> Result<Zone, Covering> {
        let zone = self.zone().await.map_err(Covering::Zone)?;
        let outside: Vec<&str> = names.iter().filter(|n| !zone.contains(n)).map(String::as_str).collect();
        if !outside.is_empty() {
            return Err(Covering::Outside(Error::new(
                Kind::Invalid,
                "Names outside the hosted zone",
                format!(
                    "{} not in {}: every name must be the zone's apex or a name below it.",
                    outside.join(", "),
                    self.describe()
                ),
            )));
        }
        Ok(zone)
    }
}

/// Why [`ZoneAccess::covering`] refused.
#[derive(Debug)]
pub enum Covering {
    /// The zone could not be read (gone, or not reachable through the role).
    Zone(Error),
    /// Some names are not in the zone.
    Outside(Error),
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

/// The record sets found at some names, keyed by [`fqdn`]; `None` when the zone itself is gone.
pub type Found = Option<BTreeMap<String, Vec<ResourceRecordSet>>>;

impl ZoneAccess {
    /// Every record set at each of `names` (any type), in as few calls as the zone
    /// allows: one ListResourceRecordSets call per name (a few at a time), or, when
    /// that is fewer calls, one sweep through the whole zone (300 records a page).
    /// The zone's size comes from GetHostedZone, asked only if no earlier call did.
    pub async fn records_at(&self, names: &[String]) -> Result<Found, Error> {
        let mut unique: Vec<String> = names.iter().map(|n| fqdn(n)).collect();
        unique.sort();
        unique.dedup();
        let result = async {
            if unique.len() >= SWEEP_FROM {
                let count = self.lookup_zone().await?.record_count;
                if count.is_some_and(|c| 1 + (c.max(0) as usize).div_ceil(PAGE) < unique.len()) {
                    return self.sweep(&unique).await;
                }
            }
            let found: Vec<(String, Vec<ResourceRecordSet>)> = stream::iter(unique.clone())
                .map(|name| async move {
                    let sets = self.sets_at(&name).await?;
                    Ok((name, sets))
                })
                .buffer_unordered(CONCURRENCY)
                .try_collect()
                .await?;
            Ok(found.into_iter().collect())
        }
        .await;
        match result {
            Ok(found) => Ok(Some(found)),
            Err(LookupError::ZoneGone) => Ok(None),
            Err(LookupError::Failed(d)) => Err(d),
        }
    }

    /// Every record set of the zone at one of `names`, reading the whole zone page by page.
    async fn sweep(&self, names: &[String]) -> Result<BTreeMap<String, Vec<ResourceRecordSet>>, LookupError> {
        let wanted: std::collections::BTreeSet<&str> = names.iter().map(String::as_str).collect();
        let mut found: BTreeMap<String, Vec<ResourceRecordSet>> =
            names.iter().map(|n| (n.clone(), Vec::new())).collect();
        for set in self.every_set().await? {
            let name = fqdn(set.name());
            if wanted.contains(name.as_str()) {
                found.entry(name).or_default().push(set);
            }
        }
        Ok(found)
    }

    /// Every record set of the zone (for `terraform query`); `None` when the zone is gone.
    pub async fn all_sets(&self) -> Result<Option<Vec<ResourceRecordSet>>, Error> {
        match self.every_set().await {
            Ok(sets) => Ok(Some(sets)),
            Err(LookupError::ZoneGone) => Ok(None),
            Err(LookupError::Failed(d)) => Err(d),
        }
    }

    /// The whole zone, page by page (300 record sets a page).
    async fn every_set(&self) -> Result<Vec<ResourceRecordSet>, LookupError> {
        let mut out = Vec::new();
        let mut start: Option<(String, Option<RrType>)> = None;
        loop {
            let (start_name, start_type) = start.take().unzip();
            let page = self
                .clients
                .route53()
                .list_resource_record_sets()
                .hosted_zone_id(&self.id)
                .set_start_record_name(start_name)
                .set_start_record_type(start_type.flatten())
                .max_items(PAGE as i32)
                .send()
                .await
                .map_err(|e| {
                    lookup_error(
                        e,
                        |s| s.is_no_such_hosted_zone(),
                        &format!("listing the records of {}", self.describe()),
                    )
                })?;
            out.extend(page.resource_record_sets().iter().cloned());
            match page.next_record_name() {
                Some(next) if page.is_truncated() => start = Some((next.to_string(), page.next_record_type().cloned())),
                _ => return Ok(out),
            }
        }
    }

    async fn sets_at(&self, name: &str) -> Result<Vec<ResourceRecordSet>, LookupError> {
        let mut out = Vec::new();
        let mut start: Option<(String, Option<RrType>)> = Some((name.to_string(), None));
        while let Some((start_name, start_type)) = start.take() {
            let page = self
                .clients
                .route53()
                .list_resource_record_sets()
                .hosted_zone_id(&self.id)
                .start_record_name(start_name)
                .set_start_record_type(start_type)
                .max_items(10)
                .send()
                .await
                .map_err(|e| {
                    lookup_error(
                        e,
                        |s| s.is_no_such_hosted_zone(),
                        &format!("listing records named {name} in {}", self.describe()),
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
}

enum LookupError {
    ZoneGone,
    Failed(Error),
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
        LookupError::Failed(Error::call(action, &e))
    }
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
pub fn cname(name: &str, value: &str, ttl: i64) -> Result<ResourceRecordSet, Error> {
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
) -> Result<ResourceRecordSet, Error> {
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

pub fn change(action: ChangeAction, set: ResourceRecordSet) -> Result<Change, Error> {
    Change::builder()
        .action(action)
        .resource_record_set(set)
        .build()
        .map_err(build_error)
}

fn build_error(e: aws_smithy_types::error::operation::BuildError) -> Error {
    Error::bug("Provider built an invalid Route53 request", e)
}

/// "CREATE www.example.com. A, DELETE ...": what a batch changes, for messages.
pub fn describe_changes(changes: &[Change]) -> String {
    let mut parts: Vec<String> = changes
        .iter()
        .take(CHANGES_NAMED)
        .map(|c| match c.resource_record_set() {
            Some(set) => format!("{} {} {}", c.action().as_str(), fqdn(set.name()), set.r#type().as_str()),
            None => c.action().as_str().to_string(),
        })
        .collect();
    if changes.len() > CHANGES_NAMED {
        parts.push(format!("and {} more", changes.len() - CHANGES_NAMED));
    }
    parts.join(", ")
}

impl ZoneAccess {
    /// Applies `changes` as one batch (Route53 applies a batch entirely or not at
    /// all; an error names every change), without waiting for it to be INSYNC.
    pub async fn apply(&self, changes: Vec<Change>, comment: &str) -> Result<(), Error> {
        self.write(changes, comment).await.map(|_| ())
    }

    /// [`apply`](Self::apply), then waits until Route53 reports the batch INSYNC, listening to `stop`.
    /// Once Route53 has accepted the batch the records are written, so a failed or unfinished
    /// wait is never an error: it comes back as `Ok(Some(unfinished))`.
    pub async fn apply_and_wait(
        &self,
        changes: Vec<Change>,
        comment: &str,
        stop: &impl Stop,
    ) -> Result<Option<Unfinished>, Error> {
        let listed = describe_changes(&changes);
        let Some(info) = self.write(changes, comment).await? else {
            return Ok(None);
        };
        if *info.status() == ChangeStatus::Insync {
            return Ok(None);
        }
        let change = info.id().to_string();
        let insync = || async {
            let status = self
                .clients
                .route53()
                .get_change()
                .id(&change)
                .send()
                .await
                .map_err(|e| Error::call(&format!("checking Route53 change {change} {}", self.via), &e))?;
            Ok(status
                .change_info()
                .is_some_and(|c| *c.status() == ChangeStatus::Insync))
        };
        let deadline = Instant::now() + INSYNC_WAIT;
        Ok(wait_insync(insync, Duration::from_secs(2), deadline, stop)
            .await
            .err()
            .map(|why| {
                tracing::warn!(
                    change,
                    zone_id = self.id,
                    why,
                    "Route53 change not confirmed INSYNC; the records are written"
                );
                Unfinished {
                    summary: "Route53 change not confirmed".to_string(),
                    detail: format!(
                        "Route53 accepted {listed} in {} (change {change}), so the records are written and in state, \
                         but the change was not seen INSYNC: {why}. Route53 normally finishes it within a minute.",
                        self.describe()
                    ),
                }
            }))
    }

    /// Sends the batch. `Ok(None)` when there was nothing to send or a retried request turned out to
    /// have been applied; otherwise Route53's record of the change, to wait on.
    async fn write(&self, changes: Vec<Change>, comment: &str) -> Result<Option<ChangeInfo>, Error> {
        if changes.is_empty() {
            return Ok(None);
        }
        let listed = describe_changes(&changes);
        let batch = ChangeBatch::builder()
            .comment(comment)
            .set_changes(Some(changes.clone()))
            .build()
            .map_err(build_error)?;
        let sent = self
            .clients
            .route53()
            .change_resource_record_sets()
            .hosted_zone_id(&self.id)
            .change_batch(batch)
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) => {
                let error = Error::call(&format!("writing {listed} to {}", self.describe()), &e);
                // The SDK retries a request whose answer was lost (a 5xx, a dropped connection) even when
                // Route53 had applied it, and the retry is then refused: the records a CREATE makes exist, those
                // a DELETE removes are gone. If the zone shows the whole batch done, it was done.
                if self.batch_shown(&changes).await {
                    tracing::warn!(
                        zone_id = self.id,
                        changes = listed,
                        error = error.detail,
                        "Route53 answered an error but the zone shows the batch applied (a retried request)"
                    );
                    return Ok(None);
                }
                return Err(error);
            }
        };
        tracing::debug!(zone_id = self.id, changes = listed, "route53 change batch applied");
        Ok(out.change_info().cloned())
    }

    /// Whether the zone already holds the outcome of every change: a lookup that fails says no.
    async fn batch_shown(&self, changes: &[Change]) -> bool {
        let Some(sets) = changes
            .iter()
            .map(Change::resource_record_set)
            .collect::<Option<Vec<_>>>()
        else {
            return false;
        };
        let names: Vec<String> = sets.iter().map(|set| set.name().to_string()).collect();
        let Ok(Some(found)) = self.records_at(&names).await else {
            return false;
        };
        changes.iter().zip(sets).all(|(change, set)| {
            let at = found.get(&fqdn(set.name())).map(Vec::as_slice).unwrap_or_default();
            change_shown(change.action(), set, at)
        })
    }
}

/// Whether `found` (every set at the change's name) shows `action` on `set` done: the same set there for CREATE
/// and UPSERT, no set of its type (and set identifier) for DELETE.
fn change_shown(action: &ChangeAction, set: &ResourceRecordSet, found: &[ResourceRecordSet]) -> bool {
    let there = found
        .iter()
        .find(|f| f.r#type() == set.r#type() && f.set_identifier() == set.set_identifier());
    match action {
        ChangeAction::Delete => there.is_none(),
        ChangeAction::Create | ChangeAction::Upsert => there.is_some_and(|f| same_set(f, set)),
        _ => false,
    }
}

/// Record sets compared as Route53 stores them: names and alias targets in any case, with or without the
/// trailing dot (and an ELB target with or without Route53's `dualstack.` prefix), values in any order.
fn same_set(a: &ResourceRecordSet, b: &ResourceRecordSet) -> bool {
    fn target_name(name: &str) -> String {
        let name = fqdn(name);
        name.strip_prefix("dualstack.").map(str::to_string).unwrap_or(name)
    }
    fn values(set: &ResourceRecordSet) -> Vec<String> {
        let mut v: Vec<String> = set.resource_records().iter().map(|r| r.value().to_string()).collect();
        v.sort();
        v
    }
    let alias = match (a.alias_target(), b.alias_target()) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            target_name(x.dns_name()) == target_name(y.dns_name())
                && bare_zone_id(x.hosted_zone_id()) == bare_zone_id(y.hosted_zone_id())
                && x.evaluate_target_health() == y.evaluate_target_health()
        }
        _ => false,
    };
    fqdn(a.name()) == fqdn(b.name()) && a.ttl() == b.ttl() && values(a) == values(b) && alias
}

/// Polls `insync` (after `first`, then twice as long each time, at most 15 s)
/// until it says yes. `Err` says why the wait ended otherwise: the check
/// failed, the deadline passed, or Terraform asked to stop.
async fn wait_insync<F, Fut>(mut insync: F, first: Duration, deadline: Instant, stop: &impl Stop) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, Error>>,
{
    let mut backoff = Backoff::new(first, Duration::from_secs(15), deadline, stop);
    loop {
        match backoff.pause().await {
            Ok(()) => {}
            Err(Ended::TimedOut) => return Err(format!("still pending after {} s", backoff.elapsed_secs())),
            Err(Ended::Interrupted) => return Err("the wait was interrupted".to_string()),
        }
        match insync().await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => return Err(e.to_string()),
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
            record_count: None,
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

    #[tokio::test]
    async fn an_accepted_change_is_never_lost_to_its_insync_wait() {
        use crate::aws::poll::tests::never;
        let (stop_tx, stop) = never();
        let ms = Duration::from_millis;
        let soon = || Instant::now() + Duration::from_secs(5);
        // INSYNC on the second look.
        let mut looks = 0;
        let insync = || {
            looks += 1;
            let n = looks;
            async move { Ok(n >= 2) }
        };
        assert_eq!(wait_insync(insync, ms(1), soon(), &stop).await, Ok(()));
        // GetChange failing ends the wait with the reason; the caller turns it into a warning.
        let failing = || async {
            Err(Error::new(
                Kind::Throttling,
                "AWS error: checking Route53 change C",
                "Throttling: slow down",
            ))
        };
        let why = wait_insync(failing, ms(1), soon(), &stop).await.unwrap_err();
        assert!(why.contains("Throttling: slow down"), "{why}");
        // Never INSYNC: the deadline ends it.
        let pending = || async { Ok(false) };
        let why = wait_insync(pending, ms(1), Instant::now() + ms(30), &stop)
            .await
            .unwrap_err();
        assert!(why.starts_with("still pending after"), "{why}");
        // Ctrl-C ends it at once.
        let _ = stop_tx.send(true);
        let why = wait_insync(pending, Duration::from_secs(60), soon(), &stop)
            .await
            .unwrap_err();
        assert_eq!(why, "the wait was interrupted");
    }

    #[test]
    fn a_landed_batch_is_recognised_in_the_zone() {
        let cf = |name: &str| alias(name, RrType::A, "d111.cloudfront.net", "Z2FDTNDATAQYW2", false).unwrap();
        // As Route53 lists them: lower case, trailing dots, ELB targets with dualstack.
        let listed = alias(
            "WWW.Example.com.",
            RrType::A,
            "D111.cloudfront.net.",
            "/hostedzone/Z2FDTNDATAQYW2",
            false,
        )
        .unwrap();
        assert!(change_shown(
            &ChangeAction::Create,
            &cf("www.example.com"),
            std::slice::from_ref(&listed)
        ));
        assert!(change_shown(
            &ChangeAction::Upsert,
            &cf("www.example.com"),
            std::slice::from_ref(&listed)
        ));
        assert!(!change_shown(
            &ChangeAction::Delete,
            &cf("www.example.com"),
            std::slice::from_ref(&listed)
        ));
        assert!(change_shown(&ChangeAction::Delete, &cf("www.example.com"), &[]));
        assert!(!change_shown(&ChangeAction::Create, &cf("www.example.com"), &[]));

        let elb = alias(
            "api.example.com",
            RrType::Aaaa,
            "my-alb-1.eu-west-1.elb.amazonaws.com",
            "Z32O12XQLNTSW2",
            true,
        )
        .unwrap();
        let elb_listed = alias(
            "api.example.com.",
            RrType::Aaaa,
            "dualstack.my-alb-1.eu-west-1.elb.amazonaws.com.",
            "Z32O12XQLNTSW2",
            true,
        )
        .unwrap();
        assert!(change_shown(
            &ChangeAction::Create,
            &elb,
            std::slice::from_ref(&elb_listed)
        ));
        let other_type = alias(
            "api.example.com",
            RrType::A,
            "my-alb-1.eu-west-1.elb.amazonaws.com",
            "Z32O12XQLNTSW2",
            true,
        )
        .unwrap();
        assert!(!change_shown(
            &ChangeAction::Create,
            &other_type,
            std::slice::from_ref(&elb_listed)
        ));
        assert!(change_shown(&ChangeAction::Delete, &other_type, &[elb_listed]));

        // Another value, TTL or target is someone else's record: not ours landed.
        let ours = cname("_x.example.com", "_y.acm-validations.aws", 300).unwrap();
        assert!(change_shown(
            &ChangeAction::Create,
            &ours,
            &[cname("_X.example.com.", "_y.acm-validations.aws", 300).unwrap()]
        ));
        assert!(!change_shown(
            &ChangeAction::Create,
            &ours,
            &[cname("_x.example.com.", "_z.acm-validations.aws", 300).unwrap()]
        ));
        assert!(!change_shown(
            &ChangeAction::Create,
            &ours,
            &[cname("_x.example.com.", "_y.acm-validations.aws", 60).unwrap()]
        ));
        let elsewhere = alias(
            "www.example.com",
            RrType::A,
            "d222.cloudfront.net",
            "Z2FDTNDATAQYW2",
            false,
        )
        .unwrap();
        assert!(!change_shown(
            &ChangeAction::Create,
            &cf("www.example.com"),
            &[elsewhere]
        ));
    }

    #[test]
    fn changes_are_named_in_messages() {
        let set = |name: &str, ty| alias(name, ty, "d1.cloudfront.net", "Z2FDTNDATAQYW2", false).unwrap();
        let changes: Vec<Change> = (0..12)
            .map(|i| change(ChangeAction::Create, set(&format!("n{i}.Example.com"), RrType::A)).unwrap())
            .collect();
        assert_eq!(
            describe_changes(&changes[..2]),
            "CREATE n0.example.com. A, CREATE n1.example.com. A"
        );
        assert!(describe_changes(&changes).ends_with("CREATE n9.example.com. A, and 2 more"));
    }
}
