//! The orchestration driven the way the gRPC adapter drives it, against a small fake resource (a note with a
//! computed id, a name that forces replacement, a body and an `options` block) that records every call.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::*;
use crate::diagnostics::Severity;
use crate::resource::{resource, ApplyError, Change, Resource};
use crate::schema::{Attribute, NestedBlock, Nesting, Validator};

/// Rejects an empty string at the path it is given.
#[derive(Debug)]
struct NotEmpty;

impl Validator for NotEmpty {
    fn validate(&self, value: &Value, path: &AttributePath) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if value.as_str() == Some("") {
            diags.push(Diagnostic::error("Empty value", format!("{path} must not be empty.")).at(path.clone()));
        }
        diags
    }
}

/// What the fake cloud holds, and every call the resource received, in order.
#[derive(Default)]
struct Cloud {
    calls: Vec<String>,
    gone: bool,
}

struct Note {
    cloud: Arc<Mutex<Cloud>>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct NoteOptions {
    tier: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct NoteModel {
    id: Option<String>,
    name: String,
    body: Option<String>,
    options: Option<NoteOptions>,
}

#[async_trait]
impl Resource for Note {
    type Model = NoteModel;
    type Data = ();
    type Identity = ();

    fn name(&self) -> &'static str {
        "note"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A note.")
                .attribute(Attribute::new("id", Type::String).computed())
                .attribute(
                    Attribute::new("name", Type::String)
                        .required()
                        .requires_replace()
                        .validator(NotEmpty),
                )
                .attribute(Attribute::new("body", Type::String).optional())
                .block(NestedBlock::new(
                    "options",
                    Nesting::Single,
                    Block::new("").attribute(Attribute::new("tier", Type::String).optional().validator(NotEmpty)),
                )),
        )
    }
    async fn create(
        &self,
        _: Ctx<'_, ()>,
        planned: NoteModel,
        _: NoteModel,
    ) -> Result<NoteModel, ApplyError<NoteModel>> {
        self.cloud
            .lock()
            .unwrap()
            .calls
            .push(format!("create {}", planned.name));
        if planned.body.as_deref() == Some("refused") {
            return Err(Diagnostic::error("Body refused", "The cloud refused the body.")
                .at(AttributePath::root("body"))
                .into());
        }
        Ok(NoteModel {
            id: Some(format!("note-{}", planned.name)),
            ..planned
        })
    }
    async fn read(&self, _: Ctx<'_, ()>, state: NoteModel) -> Result<Option<NoteModel>, Diagnostics> {
        let mut cloud = self.cloud.lock().unwrap();
        cloud.calls.push(format!("read {}", state.name));
        Ok((!cloud.gone).then_some(state))
    }
    async fn update(&self, _: Ctx<'_, ()>, change: Change<NoteModel>) -> Result<NoteModel, ApplyError<NoteModel>> {
        self.cloud
            .lock()
            .unwrap()
            .calls
            .push(format!("update {}", change.prior.name));
        Ok(NoteModel {
            id: change.prior.id,
            ..change.planned
        })
    }
    async fn delete(&self, _: Ctx<'_, ()>, state: NoteModel) -> Result<(), Diagnostics> {
        self.cloud.lock().unwrap().calls.push(format!("delete {}", state.name));
        Ok(())
    }
}

#[derive(Deserialize)]
struct NoConfig {}

struct Fake {
    cloud: Arc<Mutex<Cloud>>,
}

#[async_trait]
impl Provider for Fake {
    type Config = NoConfig;
    type Data = ();

    fn type_name(&self) -> &'static str {
        "fake"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("The fake provider.")
                .attribute(Attribute::new("label", Type::String).optional().validator(NotEmpty)),
        )
    }
    async fn configure(&self, _: NoConfig) -> Result<(), Diagnostics> {
        Ok(())
    }
    fn resources(&self) -> Vec<Box<dyn AnyResource<()>>> {
        vec![resource(Note {
            cloud: self.cloud.clone(),
        })]
    }
}

const NOTE: &str = "fake_note";

fn note_type() -> Type {
    Note { cloud: Arc::default() }.schema().value_type()
}

/// A note object; `None` attributes are null, and `options` is null unless a tier is given.
fn note(id: Option<Value>, name: &str, body: Option<&str>, tier: Option<&str>) -> DynamicValue {
    let options = match tier {
        Some(t) => Value::Object(BTreeMap::from([("tier".to_string(), Value::string(t))])),
        None => Value::Null,
    };
    let value = Value::Object(BTreeMap::from([
        ("id".to_string(), id.unwrap_or(Value::Null)),
        ("name".to_string(), Value::string(name)),
        ("body".to_string(), body.map(Value::string).unwrap_or(Value::Null)),
        ("options".to_string(), options),
    ]));
    DynamicValue::encode(&value, &note_type())
}

fn null() -> DynamicValue {
    DynamicValue::encode(&Value::Null, &note_type())
}

fn decoded(dv: &DynamicValue) -> Value {
    dv.decode(&note_type())
        .expect("the orchestrator encodes with the schema's type")
}

async fn configured_server() -> (Orchestrator<Fake>, Arc<Mutex<Cloud>>) {
    let cloud = Arc::new(Mutex::new(Cloud::default()));
    let server = Orchestrator::new(Fake { cloud: cloud.clone() });
    let config = DynamicValue::encode(&Value::Object(BTreeMap::new()), &server.provider_schema.value_type());
    let diags = server.configure(&config).await;
    assert!(diags.is_empty(), "configure: {diags}");
    (server, cloud)
}

fn calls(cloud: &Mutex<Cloud>) -> Vec<String> {
    cloud.lock().unwrap().calls.clone()
}

#[test]
fn the_provider_blocks_attribute_validators_run_at_validation() {
    let server = Orchestrator::new(Fake { cloud: Arc::default() });
    let ty = server.provider_schema.value_type();
    let config = |label: &str| {
        DynamicValue::encode(
            &Value::Object(BTreeMap::from([("label".to_string(), Value::string(label))])),
            &ty,
        )
    };
    let diags = server.validate_provider_config(&config(""));
    let paths: Vec<_> = diags.0.iter().map(|d| d.attribute.clone()).collect();
    assert_eq!(paths, vec![Some(AttributePath::root("label"))], "{diags}");
    assert!(server.validate_provider_config(&config("x")).is_empty());
}

#[tokio::test]
async fn validate_runs_attribute_validators_with_their_paths() {
    let (server, cloud) = configured_server().await;
    let diags = server.validate_resource_config(NOTE, &note(None, "", None, Some("")), true);
    let paths: Vec<_> = diags.0.iter().map(|d| d.attribute.clone()).collect();
    assert_eq!(
        paths,
        vec![
            Some(AttributePath::root("name")),
            Some(AttributePath::root("options").attr("tier"))
        ]
    );
    assert!(diags
        .0
        .iter()
        .all(|d| d.severity == Severity::Error && d.summary == "Empty value"));
    assert!(server
        .validate_resource_config(NOTE, &note(None, "a", None, Some("gold")), true)
        .is_empty());
    assert!(calls(&cloud).is_empty(), "validation never calls the cloud");
}

#[tokio::test]
async fn validate_names_an_unknown_type() {
    let (server, _) = configured_server().await;
    let diags = server.validate_resource_config("fake_nothing", &null(), true);
    assert_eq!(diags.0.len(), 1);
    assert!(diags.0[0].detail.contains("\"fake_nothing\""), "{diags}");
}

#[tokio::test]
async fn plan_of_a_create_marks_computed_attributes_unknown() {
    let (server, cloud) = configured_server().await;
    let proposed = note(None, "a", Some("hello"), None);
    let planned = server
        .plan_resource_change(NOTE, &null(), &proposed, &proposed)
        .await
        .expect("plan");
    let state = decoded(&planned.planned_state);
    assert!(state.attr("id").is_unknown(), "id: {:?}", state.attr("id"));
    assert_eq!(state.attr("name").as_str(), Some("a"));
    assert_eq!(state.attr("body").as_str(), Some("hello"));
    assert!(planned.requires_replace.is_empty());
    assert_eq!(planned.identity, IdentityAnswer::Absent);
    assert!(calls(&cloud).is_empty(), "planning never calls the cloud");
}

#[tokio::test]
async fn plan_of_a_renamed_note_requires_replacement_and_of_a_new_body_does_not() {
    let (server, _) = configured_server().await;
    let id = Some(Value::string("note-a"));
    let prior = note(id.clone(), "a", Some("hello"), None);
    let renamed = note(id.clone(), "b", Some("hello"), None);
    let planned = server
        .plan_resource_change(NOTE, &prior, &renamed, &note(None, "b", Some("hello"), None))
        .await
        .expect("plan");
    assert_eq!(planned.requires_replace, vec![AttributePath::root("name")]);
    let rewritten = note(id, "a", Some("bye"), None);
    let planned = server
        .plan_resource_change(NOTE, &prior, &rewritten, &note(None, "a", Some("bye"), None))
        .await
        .expect("plan");
    assert!(planned.requires_replace.is_empty());
}

#[tokio::test]
async fn apply_dispatches_create_update_and_delete() {
    let (server, cloud) = configured_server().await;
    let planned = note(Some(Value::unknown()), "a", Some("hello"), None);
    let config = note(None, "a", Some("hello"), None);
    let created = server
        .apply_resource_change(NOTE, &null(), &planned, &config)
        .await
        .expect("create");
    assert!(created.diagnostics.is_empty(), "{}", created.diagnostics);
    let state = decoded(&created.new_state);
    assert_eq!(state.attr("id").as_str(), Some("note-a"));

    let planned = note(Some(Value::string("note-a")), "a", Some("bye"), None);
    let updated = server
        .apply_resource_change(NOTE, &created.new_state, &planned, &note(None, "a", Some("bye"), None))
        .await
        .expect("update");
    let state = decoded(&updated.new_state);
    assert_eq!(state.attr("body").as_str(), Some("bye"));
    assert_eq!(state.attr("id").as_str(), Some("note-a"));

    let deleted = server
        .apply_resource_change(NOTE, &updated.new_state, &null(), &null())
        .await
        .expect("delete");
    assert!(decoded(&deleted.new_state).is_null());
    assert_eq!(calls(&cloud), vec!["create a", "update a", "delete a"]);
}

#[tokio::test]
async fn a_failed_apply_reports_the_attribute_path() {
    let (server, _) = configured_server().await;
    let planned = note(Some(Value::unknown()), "a", Some("refused"), None);
    let applied = server
        .apply_resource_change(NOTE, &null(), &planned, &note(None, "a", Some("refused"), None))
        .await
        .expect("the call itself succeeds; the failure is in its diagnostics");
    assert!(applied.diagnostics.has_errors());
    assert_eq!(applied.diagnostics.0[0].attribute, Some(AttributePath::root("body")));
    assert!(
        decoded(&applied.new_state).is_null(),
        "nothing was created, so nothing is tracked"
    );
}

#[tokio::test]
async fn read_keeps_a_present_note_and_removes_a_gone_one() {
    let (server, cloud) = configured_server().await;
    let state = note(Some(Value::string("note-a")), "a", Some("hello"), None);
    let read = server.read_resource(NOTE, &state).await.expect("read");
    assert_eq!(decoded(&read.new_state), decoded(&state));

    cloud.lock().unwrap().gone = true;
    let read = server.read_resource(NOTE, &state).await.expect("read");
    assert!(decoded(&read.new_state).is_null(), "a gone resource leaves state");
    assert!(read.warnings.is_empty());

    let read = server.read_resource(NOTE, &null()).await.expect("read of null");
    assert!(decoded(&read.new_state).is_null());
    assert_eq!(calls(&cloud), vec!["read a", "read a"], "a null state is not read");
}

#[tokio::test]
async fn calls_before_configure_are_refused() {
    let server = Orchestrator::new(Fake { cloud: Arc::default() });
    let err = server
        .read_resource(NOTE, &note(Some(Value::string("note-a")), "a", None, None))
        .await
        .expect_err("not configured");
    assert_eq!(err.0[0].summary, "Provider not configured");
}

#[tokio::test]
async fn state_is_upgraded_from_json_and_refused_from_a_newer_schema() {
    let (server, _) = configured_server().await;
    let upgraded = server
        .upgrade_resource_state(NOTE, 0, br#"{"id":"note-a","name":"a","body":null,"options":null}"#)
        .expect("upgrade");
    assert_eq!(decoded(&upgraded).attr("id").as_str(), Some("note-a"));
    let err = server.upgrade_resource_state(NOTE, 1, b"{}").expect_err("newer schema");
    assert_eq!(err.0[0].summary, "State from a newer provider");
    assert!(err.0[0].detail.contains("version 1"), "{err}");
}

#[tokio::test]
async fn a_move_from_a_type_it_does_not_accept_names_what_it_accepts() {
    let (server, cloud) = configured_server().await;
    let err = server
        .move_resource_state(
            NOTE,
            "registry.terraform.io/hashicorp/aws",
            "aws_ssm_parameter",
            0,
            b"{}",
        )
        .expect_err("no move sources");
    assert_eq!(err.0[0].summary, "Move not supported");
    assert!(err.0[0].detail.contains("no other resource type"), "{err}");
    assert!(calls(&cloud).is_empty());
}
