//! `resource "nextstack_dns_alias"`: A (and AAAA) alias records for a set of
//! names, pointing at a CloudFront distribution or a load balancer, in a
//! hosted zone that may belong to another account. Every apply is one atomic
//! change batch; destroy removes exactly the records it manages; a record that
//! exists but is not managed here is refused, by name, unless `allow_overwrite`.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_route53::types::{ChangeAction, ResourceRecordSet, RrType};
use serde::{Deserialize, Serialize};
use tfplugin_framework::validators::{Each, ElementPath, NotEmpty, StringCheck};
use tfplugin_framework::{
    ApplyError, Attribute, AttributePath, Block, Change, Ctx, Diagnostic, Diagnostics, IdentitySchema, MoveSource,
    NestedBlock, Nesting, Plan, Resource, Schema, SourceState, Type, Value,
};

use crate::aws::{Aws, Unfinished};

mod identity;
mod list;
mod moved;
use crate::aws::route53::{self, bare_zone_id, fqdn, ZoneAccess};
use crate::resources::{target, zone_problem_at};
use identity::DnsAliasIdentity;
pub use list::DnsAliasList;

/// `target { dns_name, hosted_zone_id, evaluate_target_health }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AliasTarget {
    pub dns_name: String,
    pub hosted_zone_id: String,
    pub evaluate_target_health: Option<bool>,
}

impl AliasTarget {
    /// Route53 lower-cases the name, adds a final dot, and shows load balancer
    /// targets with a `dualstack.` prefix; none of that is a change.
    fn same_as(&self, other: &AliasTarget) -> bool {
        plain_dns_name(&self.dns_name) == plain_dns_name(&other.dns_name)
            && bare_zone_id(&self.hosted_zone_id).eq_ignore_ascii_case(bare_zone_id(&other.hosted_zone_id))
            && self.evaluate_target_health.unwrap_or(false) == other.evaluate_target_health.unwrap_or(false)
    }

    /// What a record set points at, spelled as users write it (what CloudFront's
    /// and ELB's `domain_name`/`dns_name` attributes give); a record that is not an alias points nowhere.
    fn of(set: &ResourceRecordSet) -> AliasTarget {
        match set.alias_target() {
            Some(a) => AliasTarget {
                dns_name: plain_dns_name(a.dns_name()),
                hosted_zone_id: a.hosted_zone_id().to_string(),
                evaluate_target_health: Some(a.evaluate_target_health()),
            },
            None => AliasTarget {
                dns_name: String::new(),
                hosted_zone_id: String::new(),
                evaluate_target_health: Some(false),
            },
        }
    }

    fn describe(&self) -> String {
        if self.dns_name.is_empty() {
            "not an alias".to_string()
        } else {
            format!("alias to {}", self.dns_name)
        }
    }
}

/// A target's DNS name without Route53's additions: lower case, no final dot, no `dualstack.` prefix.
fn plain_dns_name(name: &str) -> String {
    let f = fqdn(name);
    let f = f.trim_end_matches('.');
    f.strip_prefix("dualstack.").unwrap_or(f).to_string()
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    pub id: Option<String>,
    pub hosted_zone_id: String,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub names: BTreeSet<String>,
    pub target: Option<AliasTarget>,
    pub ipv6: Option<bool>,
    pub allow_overwrite: Option<bool>,
    /// The records managed, as "NAME. TYPE".
    pub records: Option<BTreeSet<String>>,
}

impl Model {
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
    fn alias_target(&self) -> Result<&AliasTarget, Diagnostic> {
        self.target.as_ref().ok_or_else(|| {
            Diagnostic::error(
                "Missing target block",
                "A `target { dns_name = ..., hosted_zone_id = ... }` block is required.",
            )
        })
    }
    fn managed(&self) -> BTreeSet<String> {
        self.records.clone().unwrap_or_default()
    }
}

/// A managed record's key: "www.example.com. A".
fn record_key(name: &str, ty: &RrType) -> String {
    format!("{} {}", fqdn(name), ty.as_str())
}

fn parse_key(key: &str) -> Option<(String, RrType)> {
    let (name, ty) = key.rsplit_once(' ')?;
    Some((name.to_string(), RrType::from(ty)))
}

fn desired(names: &BTreeSet<String>, ipv6: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for name in names {
        out.insert(record_key(name, &RrType::A));
        if ipv6 {
            out.insert(record_key(name, &RrType::Aaaa));
        }
    }
    out
}

/// `ZONE_ID:name,name`: the import id, and the resource's id.
fn resource_id<'a>(zone_id: &str, names: impl IntoIterator<Item = &'a String>) -> String {
    let names: BTreeSet<String> = names
        .into_iter()
        .map(|n| fqdn(n).trim_end_matches('.').to_string())
        .collect();
    format!(
        "{}:{}",
        bare_zone_id(zone_id),
        names.into_iter().collect::<Vec<_>>().join(",")
    )
}

/// [`check_name`] on each of `names`; the error is at `names` (a set's element has no index) and gives the name.
fn name_validator() -> StringCheck {
    StringCheck::new("Invalid name", |name| {
        check_name(name).map_err(|e| format!("{name:?} {e}."))
    })
}

fn target_dns_name() -> StringCheck {
    StringCheck::new("Empty target", |name| {
        if name.is_empty() {
            Err("target.dns_name must not be empty.".into())
        } else {
            Ok(())
        }
    })
}

fn check_name(name: &str) -> Result<(), String> {
    let bare = name.trim_end_matches('.');
    if bare.is_empty() || bare.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    if bare.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return Err("has an empty label or one longer than 63 characters".into());
    }
    if bare.chars().any(|c| c.is_whitespace() || c == '\\') {
        return Err("has whitespace or a backslash".into());
    }
    Ok(())
}

/// The zone, reached through the role, checked to hold every name.
async fn zone_for(dns: &ZoneAccess, model: &Model) -> Result<(), Diagnostic> {
    let names: Vec<String> = model.names.iter().cloned().collect();
    dns.covering(&names)
        .await
        .map_err(|c| zone_problem_at(c, AttributePath::root("hosted_zone_id"), AttributePath::root("names")))?;
    Ok(())
}

/// CREATE (or, when allowed, UPSERT) changes for records new to this resource.
/// Existing records it does not manage are refused, each by name.
fn writes(
    dns: &ZoneAccess,
    found: &BTreeMap<String, Vec<ResourceRecordSet>>,
    new: &BTreeSet<String>,
    target: &AliasTarget,
    allow_overwrite: bool,
) -> Result<Vec<aws_sdk_route53::types::Change>, Diagnostics> {
    let mut changes = Vec::new();
    let mut diags = Diagnostics::new();
    for key in new {
        let Some((name, ty)) = parse_key(key) else { continue };
        let sets = found.get(&name).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(cname) = route53::of_type(sets, &RrType::Cname) {
            let value = cname.resource_records().first().map(|r| r.value()).unwrap_or_default();
            diags.push(
                Diagnostic::error(
                    "CNAME record in the way",
                    format!("{name} is a CNAME (to {value}) in {}; an alias record cannot sit beside it. Remove the CNAME first.", dns.describe()),
                )
                .at(AttributePath::root("names")),
            );
            continue;
        }
        let action = match route53::of_type(sets, &ty) {
            Some(existing) if !allow_overwrite => {
                diags.push(
                    Diagnostic::error(
                        "DNS record already exists",
                        format!(
                            "{name} {} ({}) already exists in {} and is not managed by this resource. \
                             Set allow_overwrite = true to take it over, or import it.",
                            ty.as_str(),
                            AliasTarget::of(existing).describe(),
                            dns.describe()
                        ),
                    )
                    .at(AttributePath::root("names")),
                );
                continue;
            }
            Some(_) => ChangeAction::Upsert,
            None => ChangeAction::Create,
        };
        match alias_set(&name, ty, target).and_then(|set| Ok(route53::change(action, set)?)) {
            Ok(change) => changes.push(change),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(changes)
    }
}

fn alias_set(name: &str, ty: RrType, target: &AliasTarget) -> Result<ResourceRecordSet, Diagnostic> {
    route53::alias(
        name,
        ty,
        &target.dns_name,
        &target.hosted_zone_id,
        target.evaluate_target_health.unwrap_or(false),
    )
    .map_err(Diagnostic::from)
}

/// Names (fqdn) of the records behind some keys.
fn names_of<'a>(keys: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let set: BTreeSet<String> = keys.into_iter().filter_map(|k| parse_key(k).map(|(n, _)| n)).collect();
    set.into_iter().collect()
}

fn zone_gone(dns: &ZoneAccess) -> Diagnostic {
    Diagnostic::error("Hosted zone not found", format!("{} no longer exists.", dns.describe()))
}

/// The state after a write Route53 accepted: an apply that succeeded, with a
/// warning when the change was not confirmed INSYNC (the records are written all the same).
#[allow(clippy::result_large_err)] // the type `Resource::create` and `update` return
fn written(model: Model, unconfirmed: Option<Unfinished>) -> Result<Model, ApplyError<Model>> {
    match unconfirmed {
        None => Ok(model),
        Some(unfinished) => Err(ApplyError::keep(model, Diagnostic::from(unfinished))),
    }
}

pub struct DnsAliasResource;

#[async_trait]
impl Resource for DnsAliasResource {
    type Model = Model;
    type Identity = DnsAliasIdentity;
    type Data = Aws;

    fn name(&self) -> &'static str {
        "dns_alias"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "A and AAAA alias records for a set of names (a CloudFront distribution, a load balancer), in a hosted zone \
                 that may belong to another account, reached through `role_arn`.",
            )
            .attribute(Attribute::new("id", Type::String).computed().description("`ZONE_ID:name,name` (names in lower case and sorted), the import id."))
            .attribute(Attribute::new("hosted_zone_id", Type::String).required().requires_replace().description("The hosted zone holding the names. Changing it replaces the resource."))
            .attribute(Attribute::new("role_arn", Type::String).optional().validator(target::RoleArn).description("Role to assume for Route53 in the zone's account. Default: the provider's credentials."))
            .attribute(Attribute::new("external_id", Type::String).optional().sensitive().description("External ID that the trust policy of `role_arn` requires."))
            .attribute(Attribute::new("names", Type::set(Type::String)).required().validator(Each::new(name_validator(), ElementPath::Collection)).validator(NotEmpty::new("No names", "`names` needs at least one name.")).description("Names to point at the target, each the zone's apex or below it, e.g. `example.com`, `www.example.com`, `*.example.com`. Adding or removing a name adds or removes its records in place."))
            .attribute(Attribute::new("ipv6", Type::Bool).default_value(true).description("Also write AAAA records (default `true`)."))
            .attribute(
                Attribute::new("allow_overwrite", Type::Bool)
                    .default_value(false)
                    .description("Take over A/AAAA records that exist but are not managed here; they are managed from then on, and deleted on destroy. Default `false`: such a record is an error that names it."),
            )
            .attribute(
                Attribute::new("records", Type::set(Type::String))
                    .computed()
                    .description("The records managed, as `NAME. TYPE`, e.g. `www.example.com. AAAA`. A record deleted outside Terraform drops out at refresh and is written again by the next apply."),
            )
            .block(
                NestedBlock::new(
                    "target",
                    Nesting::Single,
                    Block::new("What the names point at.")
                        .attribute(Attribute::new("dns_name", Type::String).required().validator(target_dns_name()).description("The target's DNS name: a CloudFront distribution's `domain_name`, a load balancer's `dns_name`."))
                        .attribute(
                            Attribute::new("hosted_zone_id", Type::String)
                                .required()
                                .description("The target's hosted zone id (CloudFront: `Z2FDTNDATAQYW2`; a load balancer's `zone_id`)."),
                        )
                        .attribute(Attribute::new("evaluate_target_health", Type::Bool).default_value(false).description("Let Route53 check the target's health (default `false`).")),
                )
                .required(),
            ),
        )
    }

    /// The managed records follow from `names` and `ipv6`, so they are known at
    /// plan; a record dropped at refresh shows up as a change of `records`.
    async fn modify_plan(&self, _ctx: Ctx<'_, Aws>, plan: &mut Plan) -> Diagnostics {
        let zone = plan.config.attr("hosted_zone_id").as_str().map(str::to_string);
        let names: Option<BTreeSet<String>> = plan
            .config
            .attr("names")
            .as_elements()
            .and_then(|items| items.iter().map(|v| v.as_str().map(str::to_string)).collect());
        let ipv6 = plan.planned.attr("ipv6").as_bool();
        match (zone, names, ipv6) {
            (Some(zone), Some(names), Some(ipv6)) => {
                plan.set(
                    "records",
                    Value::Set(desired(&names, ipv6).into_iter().map(Value::String).collect()),
                );
                plan.set("id", Value::String(resource_id(&zone, &names)));
            }
            _ => {
                plan.set_unknown("records");
                plan.set_unknown("id");
            }
        }
        Diagnostics::new()
    }

    async fn create(&self, ctx: Ctx<'_, Aws>, planned: Model, _config: Model) -> Result<Model, ApplyError<Model>> {
        let dns = planned.access(ctx.data).await?;
        zone_for(&dns, &planned).await?;
        let target = planned.alias_target()?;
        let want = desired(&planned.names, planned.ipv6.unwrap_or(true));
        let _guard = route53::lock_zone(&dns.id).await;
        let found = dns.records_at(&names_of(&want)).await?.ok_or_else(|| zone_gone(&dns))?;
        let changes = writes(&dns, &found, &want, target, planned.allow_overwrite.unwrap_or(false))?;
        let unconfirmed = dns.apply_and_wait(changes, "nextstack_dns_alias", ctx.stop).await?;
        let model = Model {
            id: Some(resource_id(&planned.hosted_zone_id, &planned.names)),
            records: Some(want),
            ..planned
        };
        written(model, unconfirmed)
    }

    async fn read(&self, ctx: Ctx<'_, Aws>, mut state: Model) -> Result<Option<Model>, Diagnostics> {
        let dns = state.access(ctx.data).await?;
        let managed = match &state.records {
            Some(r) => r.clone(),
            None => desired(&state.names, state.ipv6.unwrap_or(true)),
        };
        let Some(found) = dns.records_at(&names_of(&managed)).await? else {
            tracing::info!(
                zone = dns.describe(),
                "hosted zone deleted outside Terraform; removing the aliases from state"
            );
            return Ok(None);
        };
        let mut present = BTreeSet::new();
        let wanted = state.target.clone();
        let mut drifted: Option<AliasTarget> = None;
        for key in &managed {
            let Some((name, ty)) = parse_key(key) else { continue };
            let Some(set) = found.get(&name).and_then(|sets| route53::of_type(sets, &ty)) else {
                tracing::info!(record = key, "alias record deleted outside Terraform");
                continue;
            };
            present.insert(key.clone());
            // A record repointed outside Terraform shows as a change of `target`.
            let actual = AliasTarget::of(set);
            if wanted.as_ref().is_some_and(|t| !t.same_as(&actual)) {
                tracing::info!(
                    record = key,
                    points_to = actual.dns_name,
                    "alias record changed outside Terraform"
                );
                drifted.get_or_insert(actual);
            }
        }
        if drifted.is_some() {
            state.target = drifted;
        }
        state.records = Some(present);
        Ok(Some(state))
    }

    async fn update(&self, ctx: Ctx<'_, Aws>, change: Change<Model>) -> Result<Model, ApplyError<Model>> {
        let Change { prior, planned, .. } = change;
        let dns = planned.access(ctx.data).await?;
        zone_for(&dns, &planned).await?;
        let target = planned.alias_target()?;
        let want = desired(&planned.names, planned.ipv6.unwrap_or(true));
        let had = prior.managed();
        let new: BTreeSet<String> = want.difference(&had).cloned().collect();
        let gone: BTreeSet<String> = had.difference(&want).cloned().collect();
        let _guard = route53::lock_zone(&dns.id).await;
        let found = dns
            .records_at(&names_of(new.iter().chain(&gone)))
            .await?
            .ok_or_else(|| zone_gone(&dns))?;

        let mut changes = writes(&dns, &found, &new, target, planned.allow_overwrite.unwrap_or(false))?;
        let retarget = prior.target.as_ref().is_none_or(|t| !t.same_as(target));
        if retarget {
            for key in want.intersection(&had) {
                if let Some((name, ty)) = parse_key(key) {
                    changes.push(route53::change(ChangeAction::Upsert, alias_set(&name, ty, target)?)?);
                }
            }
        }
        for key in &gone {
            let Some((name, ty)) = parse_key(key) else { continue };
            if let Some(set) = found.get(&name).and_then(|sets| route53::of_type(sets, &ty)) {
                changes.push(route53::change(ChangeAction::Delete, set.clone())?);
            }
        }
        let unconfirmed = dns.apply_and_wait(changes, "nextstack_dns_alias", ctx.stop).await?;
        let model = Model {
            id: Some(resource_id(&planned.hosted_zone_id, &planned.names)),
            records: Some(want),
            ..planned
        };
        written(model, unconfirmed)
    }

    /// Deletes exactly the records this resource manages, including those it
    /// took over with `allow_overwrite`.
    async fn delete(&self, ctx: Ctx<'_, Aws>, state: Model) -> Result<(), Diagnostics> {
        let dns = state.access(ctx.data).await?;
        let managed = state.managed();
        let _guard = route53::lock_zone(&dns.id).await;
        let Some(found) = dns.records_at(&names_of(&managed)).await? else {
            return Ok(());
        };
        let mut changes = Vec::new();
        for key in &managed {
            let Some((name, ty)) = parse_key(key) else { continue };
            if let Some(set) = found.get(&name).and_then(|sets| route53::of_type(sets, &ty)) {
                changes.push(route53::change(ChangeAction::Delete, set.clone())?);
            }
        }
        dns.apply(changes, "nextstack_dns_alias").await?;
        Ok(())
    }

    /// Import id: `ZONE_ID:NAME[,NAME...]`, optionally followed by `@ROLE_ARN`
    /// (and `|EXTERNAL_ID`) when the zone is in another account.
    fn move_sources(&self) -> &'static [MoveSource] {
        moved::SOURCES
    }

    fn move_state(&self, source: &SourceState) -> Result<Model, Diagnostics> {
        moved::from_aws(source)
    }

    async fn import(&self, ctx: Ctx<'_, Aws>, id: &str) -> Result<Model, Diagnostics> {
        let (head, role_arn, external_id) = target::split_import_id(id);
        let bad = || {
            Diagnostic::error(
                "Invalid import id",
                format!("Expected ZONE_ID:NAME[,NAME...] optionally followed by @ROLE_ARN; got {id:?}."),
            )
        };
        let (zone_id, names) = head.split_once(':').ok_or_else(bad)?;
        let names: BTreeSet<String> = names
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect();
        if zone_id.is_empty() || names.is_empty() {
            return Err(bad().into());
        }
        import_at(ctx, zone_id, names, role_arn, external_id, "import id").await
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(identity::identity_schema())
    }

    fn identity(&self, state: &Model) -> Option<DnsAliasIdentity> {
        Some(DnsAliasIdentity {
            hosted_zone_id: state.hosted_zone_id.clone(),
            names: state.names.iter().cloned().collect(),
            role_arn: state.role_arn.clone(),
        })
    }

    async fn import_by_identity(&self, ctx: Ctx<'_, Aws>, identity: DnsAliasIdentity) -> Result<Model, Diagnostics> {
        let names: BTreeSet<String> = identity.names.into_iter().filter(|n| !n.trim().is_empty()).collect();
        if identity.hosted_zone_id.is_empty() || names.is_empty() {
            return Err(Diagnostic::error(
                "Invalid import identity",
                "A dns_alias identity needs a hosted_zone_id and at least one name.",
            )
            .into());
        }
        import_at(
            ctx,
            &identity.hosted_zone_id,
            names,
            identity.role_arn,
            None,
            "import identity",
        )
        .await
    }
}

/// The alias records for `names` in a zone, as state; `given` names what they came from, for errors.
async fn import_at(
    ctx: Ctx<'_, Aws>,
    zone_id: &str,
    names: BTreeSet<String>,
    role_arn: Option<String>,
    external_id: Option<String>,
    given: &str,
) -> Result<Model, Diagnostics> {
    if let Some(Err(e)) = role_arn.as_deref().map(target::check_role_arn) {
        return Err(Diagnostic::error(format!("Invalid {given}"), e).into());
    }
    let mut model = Model {
        id: Some(resource_id(zone_id, &names)),
        hosted_zone_id: zone_id.to_string(),
        role_arn,
        external_id,
        names,
        target: None,
        ipv6: Some(true),
        allow_overwrite: Some(false),
        records: None,
    };
    let dns = model.access(ctx.data).await?;
    let lookup: Vec<String> = model.names.iter().map(|n| fqdn(n)).collect();
    let found = dns
        .records_at(&lookup)
        .await
        .map_err(Diagnostic::from)?
        .ok_or_else(|| zone_gone(&dns))?;
    let mut records = BTreeSet::new();
    for name in &lookup {
        let sets = found.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let Some(a) = route53::of_type(sets, &RrType::A).filter(|s| s.alias_target().is_some()) else {
            return Err(Diagnostic::error(
                "Nothing to import",
                format!("No alias A record {name} in {}.", dns.describe()),
            )
            .into());
        };
        model.target.get_or_insert_with(|| AliasTarget::of(a));
        records.insert(record_key(name, &RrType::A));
        if route53::of_type(sets, &RrType::Aaaa).is_some() {
            records.insert(record_key(name, &RrType::Aaaa));
        }
    }
    // Any AAAA record means IPv6 is wanted; the next apply adds those missing.
    model.ipv6 = Some(records.iter().any(|r| r.ends_with(" AAAA")));
    model.records = Some(records);
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{triple, validation_problems};
    use tfplugin_framework::schema::model_mismatches;

    /// The wording and paths of the attribute validators.
    #[test]
    fn bad_input_is_refused_naming_the_attribute() {
        let schema = DnsAliasResource.schema();
        let problems = |config| validation_problems(&schema, |c| DnsAliasResource.validate(c), config);
        let target = serde_json::json!({"dns_name": "", "hosted_zone_id": "Z2"});
        let found = problems(serde_json::json!({"hosted_zone_id": "Z1", "names": [], "target": target}));
        assert_eq!(
            found,
            [
                triple("No names", "`names` needs at least one name.", "names"),
                triple("Empty target", "target.dns_name must not be empty.", "target.dns_name"),
            ]
        );
        let found = problems(serde_json::json!({"hosted_zone_id": "Z1", "names": ["ok.example.com", "a..b"]}));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0.as_str(), found[0].2.as_str()), ("Invalid name", "names"));
        assert_eq!(found[0].1, format!("\"a..b\" {}.", check_name("a..b").unwrap_err()));
    }

    /// The `target` block is written beside its model: a field on one side only fails here.
    #[test]
    fn model_matches_schema() {
        let model = Model {
            id: Some("Z1:example.com".into()),
            hosted_zone_id: "Z1".into(),
            role_arn: Some("arn:aws:iam::111111111111:role/dns".into()),
            external_id: Some("x".into()),
            names: BTreeSet::from(["example.com".to_string()]),
            target: Some(AliasTarget {
                dns_name: "d111.cloudfront.net".into(),
                hosted_zone_id: "Z2FDTNDATAQYW2".into(),
                evaluate_target_health: Some(false),
            }),
            ipv6: Some(true),
            allow_overwrite: Some(false),
            records: Some(BTreeSet::from(["example.com. A".to_string()])),
        };
        let json = serde_json::to_value(&model).unwrap();
        assert_eq!(
            model_mismatches(&DnsAliasResource.schema().value_type(), &json),
            Vec::<String>::new()
        );
    }

    #[test]
    fn desired_records_cover_both_families() {
        let names = BTreeSet::from(["Example.com".to_string(), "www.example.com".to_string()]);
        let d = desired(&names, true);
        assert_eq!(d.len(), 4);
        assert!(d.contains("example.com. A"));
        assert!(d.contains("www.example.com. AAAA"));
        assert_eq!(desired(&names, false).len(), 2);
    }

    #[test]
    fn record_keys_round_trip() {
        let (name, ty) = parse_key("*.example.com. AAAA").unwrap();
        assert_eq!(name, "*.example.com.");
        assert_eq!(ty, RrType::Aaaa);
    }

    #[test]
    fn ids_are_stable() {
        let names = BTreeSet::from(["www.Example.com".to_string(), "example.com.".to_string()]);
        assert_eq!(resource_id("/hostedzone/Z1", &names), "Z1:example.com,www.example.com");
    }

    #[test]
    fn targets_compare_like_route53() {
        let t = |dns: &str, eth: Option<bool>| AliasTarget {
            dns_name: dns.into(),
            hosted_zone_id: "Z2FDTNDATAQYW2".into(),
            evaluate_target_health: eth,
        };
        assert!(t("d111.cloudfront.net", None).same_as(&t("D111.cloudfront.net.", Some(false))));
        assert!(t("my-alb.eu-west-1.elb.amazonaws.com", None)
            .same_as(&t("dualstack.my-alb.eu-west-1.elb.amazonaws.com.", None)));
        assert!(!t("a.cloudfront.net", None).same_as(&t("b.cloudfront.net", None)));
        assert!(!t("a.cloudfront.net", Some(true)).same_as(&t("a.cloudfront.net", None)));
    }
}
