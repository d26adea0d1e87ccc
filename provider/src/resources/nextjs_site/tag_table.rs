//! The revalidation (tag cache) table: seeding it with a build's rows and removing them with the build.
//! BatchWriteItem takes 25 requests at a time and may hand some back unprocessed under load; those are sent
//! again with backoff, as AWS documents.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, PutRequest, WriteRequest};
use serde_json::Value as Json;
use tfplugin_framework::Diagnostic;

use crate::aws::{Clients, Error as AwsError};
use crate::opennext::tag_seed::TagRow;

const BATCH: usize = 25;
/// Rounds of resending unprocessed items before giving up (backoff 50 ms doubling to 5 s).
const MAX_ROUNDS: u32 = 10;

pub async fn write(clients: &Clients, table: &str, rows: &[&TagRow]) -> Result<(), Diagnostic> {
    let mut requests = Vec::with_capacity(rows.len());
    for r in rows {
        let item = r
            .item
            .iter()
            .map(|(k, v)| attribute(v).map(|a| (k.clone(), a)).ok_or_else(|| unsupported(r, k)))
            .collect::<Result<HashMap<_, _>, _>>()?;
        let put = PutRequest::builder()
            .set_item(Some(item))
            .build()
            .map_err(|e| Diagnostic::error("Cannot build a tag row", e.to_string()))?;
        requests.push(WriteRequest::builder().put_request(put).build());
    }
    send(clients, table, requests, "seeding").await
}

pub async fn delete(clients: &Clients, table: &str, keys: &[(String, String)]) -> Result<(), Diagnostic> {
    let mut requests = Vec::with_capacity(keys.len());
    for (tag, path) in keys {
        let key = HashMap::from([
            ("tag".to_string(), AttributeValue::S(tag.clone())),
            ("path".to_string(), AttributeValue::S(path.clone())),
        ]);
        let del = DeleteRequest::builder()
            .set_key(Some(key))
            .build()
            .map_err(|e| Diagnostic::error("Cannot build a tag row delete", e.to_string()))?;
        requests.push(WriteRequest::builder().delete_request(del).build());
    }
    send(clients, table, requests, "removing rows from").await
}

async fn send(clients: &Clients, table: &str, requests: Vec<WriteRequest>, doing: &str) -> Result<(), Diagnostic> {
    for chunk in requests.chunks(BATCH) {
        let mut pending = chunk.to_vec();
        let mut delay = Duration::from_millis(50);
        for round in 0.. {
            let out = clients
                .dynamodb()
                .batch_write_item()
                .request_items(table, pending.clone())
                .send()
                .await
                .map_err(|e| {
                    AwsError::call(
                        &format!("{doing} the revalidation table {table} (dynamodb:BatchWriteItem)"),
                        &e,
                    )
                })?;
            pending = out
                .unprocessed_items()
                .and_then(|m| m.get(table))
                .cloned()
                .unwrap_or_default();
            if pending.is_empty() {
                break;
            }
            if round + 1 >= MAX_ROUNDS {
                return Err(Diagnostic::error(
                    format!("DynamoDB kept {} rows unprocessed", pending.len()),
                    format!("{doing} the revalidation table {table}: {MAX_ROUNDS} rounds of BatchWriteItem left rows unprocessed (the table's write capacity is exhausted). Apply again."),
                ));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }
    Ok(())
}

fn unsupported(row: &TagRow, attr: &str) -> Diagnostic {
    Diagnostic::error(
        "Unsupported attribute in dynamodb-cache.json",
        format!("The row (tag {:?}, path {:?}) has attribute {attr:?} of a type this provider does not write (S, N, BOOL and NULL are supported).", row.tag, row.path),
    )
}

/// DynamoDB JSON (`{"S": "x"}`) -> an attribute value.
fn attribute(v: &Json) -> Option<AttributeValue> {
    let (ty, value) = v.as_object()?.iter().next()?;
    Some(match ty.as_str() {
        "S" => AttributeValue::S(value.as_str()?.to_string()),
        "N" => AttributeValue::N(match value {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            _ => return None,
        }),
        "BOOL" => AttributeValue::Bool(value.as_bool()?),
        "NULL" => AttributeValue::Null(true),
        _ => return None,
    })
}
