//! What the resource, data source and ephemeral resource share: batched,
//! concurrent reads and writes of SSM parameters.

use std::collections::BTreeMap;

use aws_sdk_ssm::types::ParameterType;
use futures::stream::{self, StreamExt, TryStreamExt};
use tfplugin_framework::Diagnostic;

use crate::aws::{Clients, Error as AwsError};

/// GetParameters and DeleteParameters take at most ten names per call.
pub const BATCH: usize = 10;
/// Calls in flight at once; well under SSM's default throughput limit.
pub const CONCURRENCY: usize = 8;

#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub value: String,
    pub kind: ParameterType,
}

impl Parameter {
    pub fn is_secure(&self) -> bool {
        self.kind == ParameterType::SecureString
    }
}

/// Found parameters, and the names that do not exist.
pub struct Found {
    pub parameters: Vec<Parameter>,
    pub missing: Vec<String>,
}

fn convert(p: &aws_sdk_ssm::types::Parameter) -> Parameter {
    Parameter {
        name: p.name().unwrap_or_default().to_string(),
        value: p.value().unwrap_or_default().to_string(),
        kind: p.r#type().cloned().unwrap_or(ParameterType::String),
    }
}

/// Reads parameters by name: batches of ten, several batches at once.
pub async fn get_by_names(clients: &Clients, names: &[String], decrypt: bool) -> Result<Found, Diagnostic> {
    let ssm = clients.ssm();
    let batches: Vec<Vec<String>> = names.chunks(BATCH).map(<[String]>::to_vec).collect();
    let results: Vec<_> = stream::iter(batches)
        .map(|batch| async move {
            ssm.get_parameters()
                .set_names(Some(batch))
                .with_decryption(decrypt)
                .send()
                .await
                .map_err(|e| AwsError::call(&format!("reading SSM parameters in {}", clients.place()), &e))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut found = Found {
        parameters: Vec::new(),
        missing: Vec::new(),
    };
    for out in results {
        found.parameters.extend(out.parameters().iter().map(convert));
        found.missing.extend(out.invalid_parameters().iter().cloned());
    }
    found.parameters.sort_by(|a, b| a.name.cmp(&b.name));
    found.missing.sort();
    Ok(found)
}

/// Reads every parameter under a path, following NextToken pages.
pub async fn get_by_path(
    clients: &Clients,
    path: &str,
    recursive: bool,
    decrypt: bool,
) -> Result<Vec<Parameter>, Diagnostic> {
    let mut pages = clients
        .ssm()
        .get_parameters_by_path()
        .path(path)
        .recursive(recursive)
        .with_decryption(decrypt)
        .into_paginator()
        .send();
    let mut parameters = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            AwsError::call(
                &format!("reading SSM parameters under {path} in {}", clients.place()),
                &e,
            )
        })?;
        parameters.extend(page.parameters().iter().map(convert));
    }
    parameters.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(parameters)
}

/// Splits parameters into plain values (String, StringList) and secure ones.
pub fn split_values(
    parameters: &[Parameter],
    key: impl Fn(&str) -> String,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut values = BTreeMap::new();
    let mut secure = BTreeMap::new();
    for p in parameters {
        let target = if p.is_secure() { &mut secure } else { &mut values };
        target.insert(key(&p.name), p.value.clone());
    }
    (values, secure)
}

/// One parameter to write.
pub struct Put {
    pub name: String,
    pub value: String,
    pub kind: ParameterType,
    /// Whether it may replace an existing parameter.
    pub overwrite: bool,
}

/// Writes parameters concurrently. Returns the names written, and the first
/// error if any write failed (the others still run to completion, so the
/// caller knows exactly what exists).
pub async fn put_all(
    clients: &Clients,
    puts: Vec<Put>,
    kms_key_id: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> (Vec<String>, Option<Diagnostic>) {
    let ssm = clients.ssm();
    let results: Vec<(String, Result<(), Diagnostic>)> = stream::iter(puts)
        .map(|put| async move {
            let mut request = ssm
                .put_parameter()
                .name(&put.name)
                .value(&put.value)
                .r#type(put.kind.clone())
                .overwrite(put.overwrite);
            if put.kind == ParameterType::SecureString {
                request = request.set_key_id(kms_key_id.map(str::to_string));
            }
            // SSM refuses tags together with Overwrite; tag overwritten parameters separately.
            if !put.overwrite {
                for (k, v) in tags {
                    request = request.tags(
                        aws_sdk_ssm::types::Tag::builder()
                            .key(k)
                            .value(v)
                            .build()
                            .expect("key and value set"),
                    );
                }
            }
            let mut result = request.send().await.map(|_| ()).map_err(|e| {
                Diagnostic::from(AwsError::call(
                    &format!("writing SSM parameter {} in {}", put.name, clients.place()),
                    &e,
                ))
            });
            if result.is_ok() && put.overwrite && !tags.is_empty() {
                result = tag(clients, &put.name, tags).await;
            }
            (put.name, result)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut written = Vec::new();
    let mut first_error = None;
    for (name, result) in results {
        match result {
            Ok(()) => written.push(name),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    written.sort();
    (written, first_error)
}

pub async fn tag(clients: &Clients, name: &str, tags: &BTreeMap<String, String>) -> Result<(), Diagnostic> {
    let mut request = clients
        .ssm()
        .add_tags_to_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(name);
    for (k, v) in tags {
        request = request.tags(
            aws_sdk_ssm::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value set"),
        );
    }
    request
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::call(&format!("tagging SSM parameter {name} in {}", clients.place()), &e).into())
}

/// Why the tags of the parameters could not all be read.
pub enum TagsUnread {
    /// IAM refused `ssm:ListTagsForResource` on `name`; `detail` is AWS's answer.
    Denied {
        name: String,
        detail: String,
    },
    Failed(Diagnostic),
}

impl From<TagsUnread> for Diagnostic {
    fn from(e: TagsUnread) -> Diagnostic {
        match e {
            TagsUnread::Failed(d) => d,
            TagsUnread::Denied { name, detail } => Diagnostic::error(
                format!("AWS error: reading the tags of SSM parameter {name}"),
                format!("ssm:ListTagsForResource was denied: {detail}"),
            ),
        }
    }
}

/// The tags of each named parameter, several reads at once, in `names` order.
pub async fn list_tags(clients: &Clients, names: &[String]) -> Result<Vec<BTreeMap<String, String>>, Diagnostic> {
    read_tags(clients, names).await.map_err(Diagnostic::from)
}

/// [`list_tags`], telling a denied read (which a refresh can live with) from other failures.
pub async fn read_tags(clients: &Clients, names: &[String]) -> Result<Vec<BTreeMap<String, String>>, TagsUnread> {
    let ssm = clients.ssm();
    // Owned names: a closure over borrowed ones is not `Send`-general enough for async_trait.
    stream::iter(names.to_vec())
        .map(|name| async move {
            let out = ssm
                .list_tags_for_resource()
                .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
                .resource_id(&name)
                .send()
                .await
                .map_err(|e| {
                    let error = AwsError::call(
                        &format!("reading the tags of SSM parameter {name} in {}", clients.place()),
                        &e,
                    );
                    if error.is_access_denied() {
                        TagsUnread::Denied {
                            name: name.clone(),
                            detail: error.detail,
                        }
                    } else {
                        TagsUnread::Failed(error.into())
                    }
                })?;
            Ok(out
                .tag_list()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect())
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await
}

pub async fn untag(clients: &Clients, name: &str, keys: &[String]) -> Result<(), Diagnostic> {
    clients
        .ssm()
        .remove_tags_from_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::call(&format!("untagging SSM parameter {name} in {}", clients.place()), &e).into())
}

/// Deletes parameters in batches of ten; names already gone are not an error.
pub async fn delete_all(clients: &Clients, names: &[String]) -> Result<(), Diagnostic> {
    let ssm = clients.ssm();
    stream::iter(names.chunks(BATCH).map(<[String]>::to_vec))
        .map(|batch| async move {
            ssm.delete_parameters()
                .set_names(Some(batch))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::call(&format!("deleting SSM parameters in {}", clients.place()), &e))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
        .map_err(Diagnostic::from)
}
