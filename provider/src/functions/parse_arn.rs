//! `provider::nextstack::parse_arn(arn)`: the parts of an ARN, e.g. the account
//! of a role passed as `role_arn`, without regex gymnastics in HCL.

use std::collections::BTreeMap;

use tfplugin_framework::{Function, FunctionError, Parameter, Signature, Type, Value};

pub struct ParseArn;

const PARTS: [&str; 5] = ["partition", "service", "region", "account_id", "resource"];

impl Function for ParseArn {
    fn name(&self) -> &'static str {
        "parse_arn"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter::new("arn", Type::String, "An ARN, e.g. `arn:aws:iam::111111111111:role/dns`.")],
            variadic: None,
            returns: Type::object(PARTS.map(|p| (p, Type::String))),
            summary: "Splits an ARN into its parts".to_string(),
            description: "Returns `partition`, `service`, `region`, `account_id` and `resource` (everything after the fifth colon).".to_string(),
        }
    }

    fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        let arn = arguments
            .first()
            .and_then(Value::as_str)
            .ok_or_else(|| FunctionError::argument(0, "arn must be a string"))?;
        let fields: Vec<&str> = arn.splitn(6, ':').collect();
        if fields.len() != 6
            || fields[0] != "arn"
            || fields[1].is_empty()
            || fields[2].is_empty()
            || fields[5].is_empty()
        {
            return Err(FunctionError::argument(
                0,
                format!("{arn:?} is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"),
            ));
        }
        let object: BTreeMap<String, Value> = PARTS
            .iter()
            .zip(&fields[1..])
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_role_arn() {
        let v = ParseArn
            .call(&[Value::from("arn:aws:iam::111111111111:role/path/dns")])
            .unwrap();
        assert_eq!(v.attr("account_id"), &Value::from("111111111111"));
        assert_eq!(v.attr("region"), &Value::from(""));
        assert_eq!(v.attr("resource"), &Value::from("role/path/dns"));
    }

    #[test]
    fn resource_may_contain_colons() {
        let v = ParseArn
            .call(&[Value::from(
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/x:*",
            )])
            .unwrap();
        assert_eq!(v.attr("resource"), &Value::from("log-group:/aws/lambda/x:*"));
    }

    #[test]
    fn rejects_what_is_not_an_arn() {
        let err = ParseArn.call(&[Value::from("role/dns")]).unwrap_err();
        assert_eq!(err.argument, Some(0));
        assert!(err.message.contains("is not an ARN"));
    }
}
