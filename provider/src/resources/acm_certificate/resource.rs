//! `resource "nextstack_acm_certificate"`: a DNS-validated ACM certificate in one
//! account whose validation records live in a hosted zone of another account.
//! One resource replaces the AWS provider's certificate + records + validation
//! trio, and knows which records it may remove.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin_framework::validators::{Each, ElementPath, OneOf};
use tfplugin_framework::{
    ApplyError, Attribute, AttributePath, Block, Change, Ctx, Diagnostic, Diagnostics, IdentitySchema, MoveSource,
    NestedBlock, Nesting, Plan, Resource, Schema, SourceState, Type, Value,
};
use tokio::time::Instant;

use super::acm::{self, Cert, Certs, Record, WaitError};
use super::identity::{identity_schema, AcmCertificateIdentity};
use super::names::{self, key, validation_domain};
use super::records;
use super::timeouts::{self, Timeouts};
use crate::aws::route53::{self, fqdn, Zone, ZoneAccess};
use crate::aws::{Aws, Target};
use crate::resources::target;

pub const DEFAULT_KEY_ALGORITHM: &str = "RSA_2048";
/// The key types RequestCertificate accepts (the others exist only for imported certificates).
pub const KEY_ALGORITHMS: [&str; 3] = ["RSA_2048", "EC_prime256v1", "EC_secp384r1"];

/// `key_algorithm` is one that RequestCertificate accepts.
fn key_algorithm() -> OneOf {
    OneOf::new("Invalid key_algorithm", &KEY_ALGORITHMS, |alg| {
        format!(
            "key_algorithm = {alg:?} cannot be requested: ACM issues certificates only with {}.",
            KEY_ALGORITHMS.join(", ")
        )
    })
}

/// CloudFront only uses certificates from this region.
const CLOUDFRONT_REGION: &str = "us-east-1";
/// How long the cleanup after a failed create may take, and how messages name that limit.
const CLEANUP_TIME: std::time::Duration = std::time::Duration::from_secs(120);
const CLEANUP_LIMIT: &str = "the 120 s limit for cleaning up after a failed create";
const DELETE_LIMIT: &str = "the delete timeout";

/// `validation { hosted_zone_id, role_arn, external_id }`: where the records go.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    pub hosted_zone_id: String,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

impl Validation {
    /// The zone, reached through `role_arn` (or the provider's credentials).
    async fn access(&self, aws: &Aws) -> Result<ZoneAccess, Diagnostic> {
        ZoneAccess::open(
            aws,
            &self.hosted_zone_id,
            self.role_arn.as_deref(),
            self.external_id.as_deref(),
        )
        .await
        .map_err(Diagnostic::from)
    }
    /// The same zone. Zone ids are unique across all accounts, so a new role or
    /// external id reaches the same records: nothing moves.
    fn same_zone(&self, other: &Validation) -> bool {
        route53::bare_zone_id(&self.hosted_zone_id).eq_ignore_ascii_case(route53::bare_zone_id(&other.hosted_zone_id))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    pub id: Option<String>,
    pub arn: Option<String>,
    pub domain_name: String,
    pub subject_alternative_names: Option<BTreeSet<String>>,
    pub key_algorithm: Option<String>,
    #[serde(flatten)]
    pub target: Target,
    pub validation: Option<Validation>,
    pub wait_for_issuance: Option<bool>,
    pub tags: Option<BTreeMap<String, String>>,
    pub timeouts: Option<Timeouts>,
    pub status: Option<String>,
    pub validation_records: Option<Vec<Record>>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
}

impl Model {
    fn sans(&self) -> Vec<String> {
        self.subject_alternative_names.iter().flatten().cloned().collect()
    }
    /// Every name on the certificate, in the user's spelling, the domain name first.
    fn names(&self) -> Vec<String> {
        std::iter::once(self.domain_name.clone()).chain(self.sans()).collect()
    }
    fn tags(&self) -> BTreeMap<String, String> {
        self.tags.clone().unwrap_or_default()
    }
    fn key_algorithm(&self) -> &str {
        self.key_algorithm.as_deref().unwrap_or(DEFAULT_KEY_ALGORITHM)
    }
    fn arn(&self) -> Result<String, Diagnostic> {
        self.arn.clone().or_else(|| self.id.clone()).ok_or_else(|| {
            Diagnostic::error(
                "Certificate ARN missing from state",
                "The state has neither `arn` nor `id`. This is a bug in the provider.",
            )
        })
    }
    /// Fills the computed attributes from ACM's description.
    fn with_cert(mut self, cert: &Cert) -> Model {
        self.id = Some(cert.arn.clone());
        self.arn = Some(cert.arn.clone());
        self.status = Some(cert.status.clone());
        self.validation_records = Some(cert.records.clone());
        self.not_before = cert.not_before.clone();
        self.not_after = cert.not_after.clone();
        self
    }
}

fn validation_path(attr: &str) -> AttributePath {
    AttributePath::root("validation").attr(attr)
}

/// The certificate's region, the provider's default region and us-east-1, in the
/// certificate's account: where another certificate sharing a record is likely.
/// Other regions are not looked at (a documented limit).
async fn sibling_regions(aws: &Aws, certs: &Certs, target: &Target) -> Result<Vec<Certs>, Diagnostic> {
    let mut out = vec![certs.clone()];
    for region in [None, Some(CLOUDFRONT_REGION.to_string())] {
        let other = Certs::open(
            aws,
            &Target {
                region,
                ..target.clone()
            },
        )
        .await?;
        if out.iter().all(|c| c.region() != other.region()) {
            out.push(other);
        }
    }
    Ok(out)
}

/// Removes those of `records` that no certificate other than `arn` needs. The
/// check runs under the zone's lock, so a certificate this process is creating
/// meanwhile keeps the records it found in place. ListCertificates may not yet
/// show a certificate requested elsewhere moments ago, so the decision rests on
/// several listings and is checked once more after the removal, writing back
/// what a newly listed certificate needs ([`acm::Looks`]). Returns the records removed.
async fn release(
    aws: &Aws,
    certs: &Certs,
    target: &Target,
    arn: &str,
    records: &[Record],
    validation: &Validation,
) -> Result<Vec<Record>, Diagnostic> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let dns = validation.access(aws).await?;
    let regions = sibling_regions(aws, certs, target).await?;
    let _guard = route53::lock_zone(&dns.id).await;
    let needed = acm::still_needed(&regions, arn, records, acm::Looks::BEFORE_DELETE).await?;
    let unneeded: Vec<Record> = records
        .iter()
        .filter(|r| !needed.contains(&fqdn(&r.name)))
        .cloned()
        .collect();
    let removed = records::remove(&dns, &unneeded).await?;
    let removed: Vec<Record> = unneeded.into_iter().filter(|r| removed.contains(&r.name)).collect();
    if removed.is_empty() {
        return Ok(removed);
    }
    let late = acm::still_needed(&regions, arn, &removed, acm::Looks::RECHECK).await?;
    let (back, gone): (Vec<Record>, Vec<Record>) = removed.into_iter().partition(|r| late.contains(&fqdn(&r.name)));
    if !back.is_empty() {
        tracing::warn!(
            records = back.len(),
            "a certificate that ListCertificates showed late needs validation records just removed; writing them back"
        );
        let zone = dns.zone().await?;
        records::write_back(&dns, &zone, &back).await?;
    }
    Ok(gone)
}

/// Writes back the validation records of a certificate that could not be
/// deleted after all, so it keeps renewing while it stays in use.
async fn restore(aws: &Aws, validation: &Validation, removed: &[Record]) -> Result<(), Diagnostic> {
    let dns = validation.access(aws).await?;
    let zone = dns.zone().await?;
    records::ensure(&dns, &zone, removed).await.map(|_| ())
}

/// The last two steps of removing a certificate, once ACM names no user of it
/// ([`acm::wait_unused`]): its validation records that no other certificate
/// needs go first, then the certificate (retrying while ACM says it is in use).
/// Both steps are idempotent, so after a failure the whole can simply run again.
#[allow(clippy::too_many_arguments)]
async fn remove_after_use(
    ctx: Ctx<'_, Aws>,
    certs: &Certs,
    target: &Target,
    arn: &str,
    exists: bool,
    records: &[Record],
    validation: Option<&Validation>,
    deadline: Instant,
    limit: &str,
) -> Result<usize, Diagnostic> {
    let removed = match validation {
        Some(validation) => release(ctx.data, certs, target, arn, records, validation)
            .await
            .map_err(|e| {
                Diagnostic::error(
                    e.summary,
                    if exists {
                        format!(
                            "{} Nothing was deleted: certificate {arn} and its validation records are in place.",
                            e.detail
                        )
                    } else {
                        format!(
                            "{} Certificate {arn} is already gone; its validation records are still in place.",
                            e.detail
                        )
                    },
                )
            })?,
        None => Vec::new(),
    };
    if exists {
        if let Err(e) = acm::delete(certs, arn, deadline, limit, ctx.stop).await {
            let records = match validation.filter(|_| !removed.is_empty()) {
                None => String::new(),
                Some(v) => match restore(ctx.data, v, &removed).await {
                    Ok(()) => " Its validation records, removed first, were written back, so it keeps renewing.".into(),
                    Err(r) => format!(
                        " Its {} validation record(s), removed first, could not be written back ({}: {}); \
                         the next plan shows them missing and an apply writes them again.",
                        removed.len(),
                        r.summary,
                        r.detail
                    ),
                },
            };
            return Err(Diagnostic::error(
                e.summary,
                format!(
                    "{}{records} The certificate is still in state, and destroying it again repeats every step.",
                    e.detail
                ),
            ));
        }
        tracing::info!(arn, "certificate deleted");
    }
    Ok(removed.len())
}

/// Before anything is requested: the zone answers through the DNS role, covers
/// every name, and is public.
async fn preflight(dns: &ZoneAccess, model: &Model) -> Result<Zone, Diagnostic> {
    let at = || validation_path("hosted_zone_id");
    let zone = dns
        .covering(&model.names())
        .await
        .map_err(|c| crate::resources::zone_problem_at(c, at(), at()))?;
    if zone.private {
        return Err(Diagnostic::error(
            "Hosted zone is private",
            format!(
                "{} is a private zone; ACM validates through public DNS. Use the domain's public zone.",
                dns.describe()
            ),
        )
        .at(at()));
    }
    Ok(zone)
}

/// A certificate's names from a plan value, compared case-insensitively:
/// (domain name, every name); `None` while any of them is unknown.
fn name_keys(v: &Value) -> Option<(String, BTreeSet<String>)> {
    let domain = v.attr("domain_name").as_str()?;
    let sans: Vec<String> = match v.attr("subject_alternative_names") {
        Value::Null => Vec::new(),
        Value::Set(items) | Value::List(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    Some((key(domain), names::all_keys(domain, &sans)))
}

const COMPUTED: [&str; 6] = ["id", "arn", "status", "validation_records", "not_before", "not_after"];

pub struct AcmCertificateResource;

#[async_trait]
impl Resource for AcmCertificateResource {
    type Model = Model;
    type Identity = AcmCertificateIdentity;
    type Data = Aws;

    fn name(&self) -> &'static str {
        "acm_certificate"
    }

    fn schema(&self) -> Schema {
        let computed = |name: &str, ty: Type, text: &str| {
            Attribute::new(name, ty)
                .computed()
                .use_state_for_unknown()
                .description(text)
        };
        let record = Type::object([
            ("domain_name", Type::String),
            ("name", Type::String),
            ("type", Type::String),
            ("value", Type::String),
        ]);
        let mut block = Block::new(
            "A DNS-validated ACM certificate. The certificate lives in one account and region (CloudFront needs us-east-1); \
             its validation records are written into a hosted zone that may belong to another account, reached through \
             `validation.role_arn`. Waits until the certificate is ISSUED.",
        )
        .attribute(computed("id", Type::String, "The certificate's ARN."))
        .attribute(computed("arn", Type::String, "The certificate's ARN."))
        .attribute(Attribute::new("domain_name", Type::String).required().validator(names::validator("Invalid domain name")).description("The certificate's main name, e.g. `example.com` or `*.example.com`, without a final dot. Changing it (other than its case) replaces the certificate."))
        .attribute(
            Attribute::new("subject_alternative_names", Type::set(Type::String))
                .optional()
                .validator(Each::new(names::validator("Invalid subject alternative name"), ElementPath::Collection))
                .description("More names on the certificate. Order and case never matter; `domain_name` may be repeated here. Adding or removing a name replaces the certificate. ACM's default quota is 10 names per certificate (100 after a quota increase)."),
        )
        .attribute(
            Attribute::new("key_algorithm", Type::String)
                .default_value(DEFAULT_KEY_ALGORITHM)
                .requires_replace()
                .validator(key_algorithm())
                .description("The key type ACM requests: `RSA_2048` (default), `EC_prime256v1` or `EC_secp384r1`, the only types ACM issues (the others exist for imported certificates only). Any other value is refused at plan. Changing it replaces the certificate."),
        )
        .attribute(Attribute::new("wait_for_issuance", Type::Bool).default_value(true).description("Wait until ACM has issued the certificate (default `true`)."))
        .attribute(Attribute::new("tags", Type::map(Type::String)).optional().description("Tags on the certificate; changed in place."))
        .attribute(computed("status", Type::String, "ACM's status: `ISSUED` once issued, `PENDING_VALIDATION` before (with `wait_for_issuance = false`)."))
        .attribute(computed(
            "validation_records",
            Type::list(record),
            "The DNS validation records, one per distinct record, sorted by the name they validate: `domain_name` (the name \
             validated, without a leading `*.`: a wildcard and its apex share one record), `name` (the record's name, with a \
             final dot as ACM gives it), `type` (`CNAME`) and `value`. A record missing from the zone is dropped at refresh, \
             and the next apply writes it again.",
        ))
        .attribute(computed("not_before", Type::String, "Start of the certificate's validity (RFC 3339), once issued."))
        .attribute(computed("not_after", Type::String, "End of the certificate's validity (RFC 3339), once issued."));
        for a in target::attributes(true) {
            block = block.attribute(a);
        }
        block = block
            .block(
                NestedBlock::new(
                    "validation",
                    Nesting::Single,
                    Block::new("Where the DNS validation records are written.")
                        .attribute(
                            Attribute::new("hosted_zone_id", Type::String)
                                .required()
                                .description("A public hosted zone that covers every name (its apex or below). Changing it moves the records in place: they are written into the new zone, then removed from the old one unless another certificate needs them there."),
                        )
                        .attribute(Attribute::new("role_arn", Type::String).optional().validator(target::RoleArn).description(
                            "Role to assume for Route53 in the zone's account. Default: the provider's credentials (the zone is in the \
                             provider's account). Changing it is an in-place update that touches no record: zone ids are unique \
                             across accounts, so the records are already where they belong; the new role is used from the next \
                             operation on.",
                        ))
                        .attribute(
                            Attribute::new("external_id", Type::String)
                                .optional()
                                .sensitive()
                                .description("External ID that the trust policy of `validation.role_arn` requires. Changing it is in place and touches no record."),
                        ),
                )
                .required(),
            )
            .block(NestedBlock::new(
                "timeouts",
                Nesting::Single,
                Block::new("How long to wait (durations such as `30s`, `45m`, `1h30m`).")
                    .attribute(
                        Attribute::new("create", Type::String)
                            .optional()
                            .validator(timeouts::validator())
                            .description("How long to wait for the validation records and then for `ISSUED`. Default `45m`."),
                    )
                    .attribute(
                        Attribute::new("delete", Type::String)
                            .optional()
                            .validator(timeouts::validator())
                            .description("How long destroy waits while ACM reports the certificate in use; when it runs out, the error names the resources still using it. Default `20m`."),
                    ),
            ));
        Schema::new(block)
    }

    /// The checks of single attributes are validators on them (see `schema`); the number of names needs
    /// `domain_name` and `subject_alternative_names` together (the domain name may be repeated among them).
    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some((_, all)) = name_keys(config) {
            if all.len() > names::MAX_NAMES {
                diags.push(
                    Diagnostic::error(
                        "Too many names",
                        format!(
                            "{} names; an ACM certificate holds at most {}.",
                            all.len(),
                            names::MAX_NAMES
                        ),
                    )
                    .at(AttributePath::root("subject_alternative_names")),
                );
            }
        }
        diags
    }

    /// Names are compared case-insensitively and as a set, so only a real change
    /// of names replaces the certificate. A validation record dropped at refresh
    /// (deleted outside Terraform) makes `validation_records` unknown: the
    /// update writes it again.
    async fn modify_plan(&self, _ctx: Ctx<'_, Aws>, plan: &mut Plan) -> Diagnostics {
        if plan.is_create() {
            return Diagnostics::new();
        }
        let before = name_keys(&plan.prior);
        let after = name_keys(&plan.planned);
        let replace = match (&before, &after) {
            (Some((d0, all0)), Some((d1, all1))) => {
                if d0 != d1 {
                    plan.requires_replace("domain_name");
                }
                if all0 != all1 {
                    plan.requires_replace("subject_alternative_names");
                }
                d0 != d1 || all0 != all1
            }
            _ => {
                plan.requires_replace("subject_alternative_names");
                true
            }
        };
        if replace {
            for name in COMPUTED {
                plan.set_unknown(name);
            }
            return Diagnostics::new();
        }
        let Some((_, all)) = after else {
            return Diagnostics::new();
        };
        let expected: BTreeSet<String> = all.iter().map(|n| validation_domain(n)).collect();
        let recorded: BTreeSet<String> = plan
            .prior
            .attr("validation_records")
            .as_elements()
            .unwrap_or(&[])
            .iter()
            .filter_map(|r| r.attr("domain_name").as_str().map(|d| d.to_ascii_lowercase()))
            .collect();
        if !expected.is_subset(&recorded) {
            plan.set_unknown("validation_records");
        }
        Diagnostics::new()
    }

    async fn create(&self, ctx: Ctx<'_, Aws>, planned: Model, _config: Model) -> Result<Model, ApplyError<Model>> {
        let deadline = Instant::now() + Timeouts::create(planned.timeouts.as_ref());
        let validation = planned.validation.clone().ok_or_else(|| {
            Diagnostic::error(
                "Missing validation block",
                "A `validation { hosted_zone_id = ... }` block is required.",
            )
        })?;
        let certs = Certs::open(ctx.data, &planned.target).await?;
        let dns = validation.access(ctx.data).await?;
        let zone = preflight(&dns, &planned).await?;

        let sans = names::sans_to_request(&planned.domain_name, planned.sans().iter());
        let arn = acm::request(
            &certs,
            &planned.domain_name,
            &sans,
            planned.key_algorithm(),
            &planned.tags(),
        )
        .await?;
        tracing::info!(arn, "certificate requested");
        let mut partial = Model {
            id: Some(arn.clone()),
            arn: Some(arn.clone()),
            status: Some("PENDING_VALIDATION".into()),
            validation_records: Some(Vec::new()),
            not_before: None,
            not_after: None,
            target: Target {
                region: Some(certs.region().to_string()),
                ..planned.target.clone()
            },
            ..planned
        };

        let mut written = Vec::new();
        let wait = partial.wait_for_issuance.unwrap_or(true);
        let result = async {
            let cert = acm::wait_for_records(&certs, &arn, deadline, ctx.stop).await?;
            written = records::ensure(&dns, &zone, &cert.records).await?;
            tracing::info!(
                arn,
                written = written.len(),
                records = cert.records.len(),
                "validation records in place"
            );
            if wait {
                Ok(acm::wait_issued(&certs, &arn, deadline, ctx.stop).await?)
            } else {
                Ok(cert)
            }
        }
        .await;
        let error = match result {
            Ok(cert) => return Ok(partial.with_cert(&cert)),
            Err(WaitError::Interrupted) => {
                partial.validation_records = Some(written);
                return Err(ApplyError::keep(
                    partial,
                    Diagnostic::error("Interrupted", format!("Stopped while creating certificate {arn} in {}; it is kept in state (tainted) and replaced by the next apply.", certs.place())),
                ));
            }
            Err(WaitError::Failed(error)) => error,
        };
        // Leave nothing behind, in the order a destroy uses: the records this create wrote, then the certificate.
        let cleanup = async {
            let deadline = Instant::now() + CLEANUP_TIME;
            let cert = acm::wait_unused(&certs, &arn, deadline, CLEANUP_LIMIT, ctx.stop).await?;
            let target = partial.target.clone();
            remove_after_use(
                ctx,
                &certs,
                &target,
                &arn,
                cert.is_some(),
                &written,
                Some(&validation),
                deadline,
                CLEANUP_LIMIT,
            )
            .await
        }
        .await;
        match cleanup {
            Ok(_) => {
                let mut error = error;
                error.detail.push_str(&format!("\n\nCertificate {arn} and the validation records this apply wrote were deleted; nothing was left behind."));
                Err(error.into())
            }
            Err(cleanup_error) => {
                partial.validation_records = Some(written);
                let note = Diagnostic::error(
                    "Cleanup after a failed create failed",
                    format!(
                        "{}: {} Certificate {arn} is kept in state (tainted), so the next apply or destroy removes it.",
                        cleanup_error.summary, cleanup_error.detail
                    ),
                );
                Err(ApplyError::keep(partial, Diagnostics(vec![error, note])))
            }
        }
    }

    async fn read(&self, ctx: Ctx<'_, Aws>, mut state: Model) -> Result<Option<Model>, Diagnostics> {
        let arn = state.arn()?;
        let certs = Certs::open(ctx.data, &state.target).await?;
        let Some(cert) = acm::describe(&certs, &arn).await? else {
            tracing::info!(arn, "certificate deleted outside Terraform; removing it from state");
            return Ok(None);
        };
        // Names: keep the configuration's spelling unless the set really differs.
        let actual = names::all_keys(&cert.domain_name, cert.names.iter());
        if actual != names::all_keys(&state.domain_name, state.sans().iter())
            || key(&cert.domain_name) != key(&state.domain_name)
        {
            let domain = key(&cert.domain_name);
            let sans: BTreeSet<String> = cert.names.iter().filter(|n| key(n) != domain).cloned().collect();
            state.domain_name = cert.domain_name.clone();
            state.subject_alternative_names = Some(sans).filter(|s| !s.is_empty());
        }
        let tags = acm::tags(&certs, &arn).await?;
        if tags != state.tags() {
            state.tags = Some(tags);
        }
        let mut records = cert.records.clone();
        if let Some(validation) = &state.validation {
            if !records.is_empty() {
                let dns = validation.access(ctx.data).await?;
                match records::present(&dns, &records).await {
                    Ok(Some(flags)) => {
                        let mut flags = flags.into_iter();
                        records.retain(|_| flags.next().unwrap_or(false));
                        if records.len() < cert.records.len() {
                            tracing::info!(
                                arn,
                                missing = cert.records.len() - records.len(),
                                "validation records deleted outside Terraform"
                            );
                        }
                    }
                    Ok(None) => {
                        tracing::warn!(arn, zone = dns.describe(), "validation hosted zone no longer exists");
                        records.clear();
                    }
                    // Refresh must not fail on the DNS account alone (destroy refreshes first).
                    Err(e) => {
                        tracing::warn!(arn, error = %e.detail, "cannot check validation records; assuming they are in place")
                    }
                }
            }
        }
        let mut state = state.with_cert(&cert);
        state.validation_records = Some(records);
        Ok(Some(state))
    }

    /// Tags change in place. A new zone gets the records (then the old zone keeps
    /// only what other certificates need); a new `validation.role_arn` or
    /// `external_id` alone reaches the same zone and touches nothing.
    async fn update(&self, ctx: Ctx<'_, Aws>, change: Change<Model>) -> Result<Model, ApplyError<Model>> {
        let Change { prior, planned, .. } = change;
        let arn = prior.arn()?;
        let certs = Certs::open(ctx.data, &planned.target).await?;
        if prior.tags() != planned.tags() {
            acm::retag(&certs, &arn, &prior.tags(), &planned.tags()).await?;
        }
        let repair = planned.validation_records.is_none();
        let mut state = Model {
            id: prior.id.clone(),
            arn: prior.arn.clone(),
            status: prior.status.clone(),
            not_before: prior.not_before.clone(),
            not_after: prior.not_after.clone(),
            target: Target {
                region: prior.target.region.clone(),
                ..planned.target.clone()
            },
            ..planned
        };
        let Some(validation) = state.validation.clone() else {
            return Ok(state);
        };
        let old_zone = prior.validation.as_ref().filter(|old| !old.same_zone(&validation));
        let moved = prior.validation.is_none() || old_zone.is_some();
        if !moved && !repair {
            return Ok(state);
        }
        let dns = validation.access(ctx.data).await?;
        let zone = preflight(&dns, &state).await?;
        let cert = acm::describe(&certs, &arn).await?.ok_or_else(|| {
            Diagnostic::error(
                "Certificate not found",
                format!(
                    "Certificate {arn} no longer exists in {}; refresh removes it from state.",
                    certs.place()
                ),
            )
        })?;
        let written = records::ensure(&dns, &zone, &cert.records).await?;
        tracing::info!(arn, written = written.len(), "validation records written");
        state.validation_records = Some(cert.records.clone());

        // Moved to another zone: the old zone keeps only what other certificates need.
        if let Some(old) = old_zone {
            if let Err(e) = release(ctx.data, &certs, &state.target, &arn, &cert.records, old).await {
                let d = Diagnostic::warning(
                    format!("Validation records left in hosted zone {}", old.hosted_zone_id),
                    format!(
                        "The certificate now validates through {}; removing its records from the old zone failed: {}: {}",
                        dns.describe(),
                        e.summary,
                        e.detail
                    ),
                );
                return Err(ApplyError::keep(state, d));
            }
        }
        Ok(state)
    }

    /// In the order that never strands a certificate or its records: waits while
    /// ACM names resources using the certificate (up to the delete timeout; the
    /// records stay, so it keeps renewing), removes its validation records that
    /// no other certificate needs, then deletes it, retrying while ACM says it is
    /// in use. A failure at the last step leaves the certificate in state, and
    /// the next destroy repeats every step.
    async fn delete(&self, ctx: Ctx<'_, Aws>, state: Model) -> Result<(), Diagnostics> {
        let deadline = Instant::now() + Timeouts::delete(state.timeouts.as_ref());
        let arn = state.arn()?;
        let certs = Certs::open(ctx.data, &state.target).await?;
        let cert = acm::wait_unused(&certs, &arn, deadline, DELETE_LIMIT, ctx.stop).await?;
        let all: Vec<Record> = match &cert {
            Some(cert) => cert.records.clone(),
            None => state.validation_records.clone().unwrap_or_default(),
        };
        let removed = remove_after_use(
            ctx,
            &certs,
            &state.target,
            &arn,
            cert.is_some(),
            &all,
            state.validation.as_ref(),
            deadline,
            DELETE_LIMIT,
        )
        .await?;
        tracing::info!(
            arn,
            removed,
            kept = all.len().saturating_sub(removed),
            "validation records removed"
        );
        Ok(())
    }

    /// Import id: the certificate's ARN, optionally followed by `@ROLE_ARN` (and
    /// `|EXTERNAL_ID`) when it lives in another account. The `validation` block
    /// cannot be derived; the first apply after import adopts it in place.
    fn move_sources(&self) -> &'static [MoveSource] {
        super::moved::SOURCES
    }

    fn move_state(&self, source: &SourceState) -> Result<Model, Diagnostics> {
        super::moved::from_aws(source)
    }

    async fn import(&self, ctx: Ctx<'_, Aws>, id: &str) -> Result<Model, Diagnostics> {
        let (arn, role_arn, external_id) = target::split_import_id(id);
        import_at(ctx, arn.to_string(), role_arn, external_id, "import id").await
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(identity_schema())
    }

    fn identity(&self, state: &Model) -> Option<AcmCertificateIdentity> {
        Some(AcmCertificateIdentity {
            arn: state.arn.clone()?,
            role_arn: state.target.role_arn.clone(),
        })
    }

    async fn import_by_identity(
        &self,
        ctx: Ctx<'_, Aws>,
        identity: AcmCertificateIdentity,
    ) -> Result<Model, Diagnostics> {
        import_at(ctx, identity.arn, identity.role_arn, None, "import identity").await
    }
}

/// The certificate `arn` names, as state; `given` names what the ARN and role came from, for errors.
async fn import_at(
    ctx: Ctx<'_, Aws>,
    arn: String,
    role_arn: Option<String>,
    external_id: Option<String>,
    given: &str,
) -> Result<Model, Diagnostics> {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let region = match fields.as_slice() {
        ["arn", _, "acm", region, _, resource] if !region.is_empty() && resource.starts_with("certificate/") => region.to_string(),
        _ => {
            return Err(Diagnostic::error(
                format!("Invalid {given}"),
                format!("Expected a certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID), optionally followed by @ROLE_ARN; got {arn:?}."),
            )
            .into())
        }
    };
    if let Some(Err(e)) = role_arn.as_deref().map(target::check_role_arn) {
        return Err(Diagnostic::error(format!("Invalid {given}"), e).into());
    }
    let target = Target {
        region: Some(region),
        role_arn,
        external_id,
    };
    let certs = Certs::open(ctx.data, &target).await?;
    let cert = acm::describe(&certs, &arn).await?.ok_or_else(|| {
        Diagnostic::error(
            "Certificate not found",
            format!("No certificate {arn} in {}.", certs.place()),
        )
    })?;
    let tags = acm::tags(&certs, &arn).await?;
    let domain = key(&cert.domain_name);
    let sans: BTreeSet<String> = cert.names.iter().filter(|n| key(n) != domain).cloned().collect();
    let model = Model {
        id: None,
        arn: None,
        domain_name: cert.domain_name.clone(),
        subject_alternative_names: Some(sans).filter(|s| !s.is_empty()),
        key_algorithm: Some(
            cert.key_algorithm
                .clone()
                .unwrap_or_else(|| DEFAULT_KEY_ALGORITHM.into()),
        ),
        target,
        validation: None,
        wait_for_issuance: Some(true),
        tags: Some(tags).filter(|t| !t.is_empty()),
        timeouts: None,
        status: None,
        validation_records: None,
        not_before: None,
        not_after: None,
    };
    Ok(model.with_cert(&cert))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{triple, validation_problems};
    use tfplugin_framework::schema::model_mismatches;

    /// The wording and paths of the attribute validators, and the count of names that needs two attributes.
    #[test]
    fn bad_input_is_refused_naming_the_attribute() {
        let resource = AcmCertificateResource;
        let sans: Vec<String> = (0..names::MAX_NAMES).map(|i| format!("n{i}.example.com")).collect();
        let found = validation_problems(
            &resource.schema(),
            |c| resource.validate(c),
            serde_json::json!({
                "domain_name": "example.com.",
                "subject_alternative_names": sans,
                "key_algorithm": "RSA_4096",
                "validation": {"hosted_zone_id": "Z1"},
                "timeouts": {"create": "soon", "delete": "10m"},
            }),
        );
        assert_eq!(
            found,
            [
                triple(
                    "Invalid domain name",
                    r#""example.com." must not end with a dot."#,
                    "domain_name"
                ),
                triple(
                    "Invalid key_algorithm",
                    r#"key_algorithm = "RSA_4096" cannot be requested: ACM issues certificates only with RSA_2048, EC_prime256v1, EC_secp384r1."#,
                    "key_algorithm"
                ),
                triple(
                    "Invalid timeout",
                    r#""soon" is not a duration; write e.g. "30s", "45m" or "1h30m""#,
                    "timeouts.create"
                ),
                triple(
                    "Too many names",
                    "101 names; an ACM certificate holds at most 100.",
                    "subject_alternative_names"
                ),
            ]
        );
        let found = validation_problems(
            &resource.schema(),
            |c| resource.validate(c),
            serde_json::json!({
                "domain_name": "example.com",
                "subject_alternative_names": ["www..example.com"],
                "validation": {"hosted_zone_id": "Z1"},
            }),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].0.as_str(), found[0].2.as_str()),
            ("Invalid subject alternative name", "subject_alternative_names")
        );
        assert!(found[0].1.starts_with(r#""www..example.com" "#), "{found:?}");
    }

    /// The record object type and the `validation` and `timeouts` blocks are written beside their models:
    /// a field on one side only is a failure here, not a value dropped on the way to Terraform.
    #[test]
    fn model_matches_schema() {
        let model = Model {
            id: Some("arn".into()),
            arn: Some("arn".into()),
            domain_name: "example.com".into(),
            subject_alternative_names: Some(BTreeSet::from(["www.example.com".to_string()])),
            key_algorithm: Some("RSA_2048".into()),
            target: Target {
                region: Some("us-east-1".into()),
                role_arn: None,
                external_id: None,
            },
            validation: Some(Validation {
                hosted_zone_id: "Z1".into(),
                role_arn: Some("arn:aws:iam::111111111111:role/dns".into()),
                external_id: None,
            }),
            wait_for_issuance: Some(true),
            tags: Some(BTreeMap::from([("env".to_string(), "prod".to_string())])),
            timeouts: Some(Timeouts {
                create: Some("45m".into()),
                delete: None,
            }),
            status: Some("ISSUED".into()),
            validation_records: Some(vec![Record {
                domain_name: "example.com".into(),
                name: "_x.example.com.".into(),
                r#type: "CNAME".into(),
                value: "_y.acm-validations.aws.".into(),
            }]),
            not_before: None,
            not_after: None,
        };
        let json = serde_json::to_value(&model).unwrap();
        let schema = AcmCertificateResource.schema();
        assert_eq!(model_mismatches(&schema.value_type(), &json), Vec::<String>::new());
    }
}
