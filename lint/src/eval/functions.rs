//! Terraform's built-in functions that policies meet in practice. Functions that are not
//! implemented, or that meet an unknown argument, return Unknown.

use super::expr::values_equal;
use super::{err, EResult, Evaluator, Scope};
use crate::value::{format_number, Map, Value};
use hcl_edit::expr::Expression;

/// Functions that never give a statically known result.
const ALWAYS_UNKNOWN: &[&str] = &[
    "timestamp",
    "uuid",
    "bcrypt",
    "plantimestamp",
    "filebase64",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesha512",
    "fileset",
    "base64sha256",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "cidrsubnet",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnets",
    "regex",
    "regexall",
    "yamldecode",
    "yamlencode",
    "base64encode",
    "base64decode",
    "urlencode",
    "timeadd",
    "formatdate",
    "uuidv5",
    "textencodebase64",
    "textdecodebase64",
    "ephemeralasnull",
    "sensitive",
    "nonsensitive",
    "issensitive",
    "abspath",
    "dirname",
    "basename",
    "pathexpand",
    "index",
    "setproduct",
    "transpose",
    "chunklist",
    "sum",
    "parseint",
    "strrev",
    "title",
    "indent",
    "tobool",
];

impl Evaluator<'_> {
    pub(super) fn call(&self, name: &str, args: &[&Expression], expand_final: bool, sc: &Scope) -> EResult {
        match name {
            "try" => {
                for a in args {
                    match self.eval(a, sc) {
                        Ok(v) if v.is_unknown() => return Ok(Value::Unknown),
                        Ok(v) => return Ok(v),
                        Err(_) => continue,
                    }
                }
                return err("no argument of try succeeded");
            }
            "can" => {
                let Some(a) = args.first() else {
                    return err("can needs an argument");
                };
                return Ok(match self.eval(a, sc) {
                    Ok(v) if v.is_unknown() => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            _ => {}
        }
        let mut vals: Vec<Value> = args.iter().map(|a| self.eval(a, sc)).collect::<Result<_, _>>()?;
        if expand_final {
            match vals.pop() {
                Some(Value::List(l)) => vals.extend(l.iter().cloned()),
                Some(v) if v.is_unknown() => return Ok(Value::Unknown),
                Some(_) => return err("expansion of a non-list"),
                None => {}
            }
        }
        match name {
            "file" => {
                let p = str_arg(&vals, 0)?;
                let Some(p) = p else { return Ok(Value::Unknown) };
                match self.read_file(sc.inst, &p) {
                    Some(t) => Ok(Value::String(t)),
                    None => Ok(Value::Unknown),
                }
            }
            "fileexists" => {
                let Some(p) = str_arg(&vals, 0)? else {
                    return Ok(Value::Unknown);
                };
                Ok(Value::Bool(self.read_file(sc.inst, &p).is_some()))
            }
            "templatefile" => {
                let Some(p) = str_arg(&vals, 0)? else {
                    return Ok(Value::Unknown);
                };
                let Some(text) = self.read_file(sc.inst, &p) else {
                    return Ok(Value::Unknown);
                };
                if crate::load::unclosed_brackets(&text, true).is_some() {
                    return err("template does not parse");
                }
                let Ok(tpl) = hcl_edit::parser::parse_template(&text) else {
                    return err("template does not parse");
                };
                let binds: Vec<(String, Value)> = match vals.get(1) {
                    Some(Value::Map(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    Some(v) if v.is_unknown() => return Ok(Value::Unknown),
                    _ => vec![],
                };
                let tsc = Scope {
                    inst: sc.inst,
                    bindings: std::rc::Rc::new(binds),
                };
                let v = self.eval_template(&tpl, &tsc)?;
                Ok(match v.to_template_string() {
                    Some(s) => Value::str(s),
                    None => Value::Unknown,
                })
            }
            _ => pure(name, vals),
        }
    }
}

fn str_arg(vals: &[Value], i: usize) -> Result<Option<String>, super::EvalErr> {
    match vals.get(i) {
        Some(v) if v.is_unknown() => Ok(None),
        Some(v) => v
            .to_template_string()
            .map(Some)
            .map(Ok)
            .unwrap_or_else(|| err("expected a string")),
        None => err("missing argument"),
    }
}

fn any_unknown(vals: &[Value]) -> bool {
    vals.iter().any(Value::is_unknown)
}

fn items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.to_vec()),
        Value::Map(_) | Value::Resource(_) => v.as_map().map(|m| m.values().cloned().collect()),
        _ => None,
    }
}

/// The elements of a set made of `items`: without duplicates, in Terraform's order.
pub(super) fn set_of(items: Vec<Value>) -> Vec<Value> {
    let mut d = dedup(items);
    d.sort_by_key(|a| a.to_template_string().unwrap_or_default());
    d
}

fn dedup(v: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for x in v {
        if !out.iter().any(|y| values_equal(y, &x)) {
            out.push(x);
        }
    }
    out
}

/// Functions of their argument values only.
pub fn pure(name: &str, vals: Vec<Value>) -> EResult {
    if ALWAYS_UNKNOWN.contains(&name) || name.contains("::") {
        return Ok(Value::Unknown);
    }
    let s = |i: usize| vals.get(i).and_then(Value::to_template_string);
    let arg = |i: usize| vals.get(i).cloned().unwrap_or(Value::Null);
    Ok(match name {
        "jsonencode" => match vals.first().and_then(Value::to_json) {
            Some(j) => Value::str(j.to_string()),
            None => match vals.first() {
                Some(v @ (Value::List(_) | Value::Map(_))) => Value::Encoded(std::rc::Rc::new(v.clone())),
                _ => Value::Unknown,
            },
        },
        "jsondecode" => {
            if any_unknown(&vals) {
                return Ok(Value::Unknown);
            }
            let Some(t) = s(0) else {
                return err("jsondecode needs a string");
            };
            match serde_json::from_str::<serde_json::Value>(&t) {
                Ok(j) => Value::from_json(&j),
                Err(e) => return err(format!("invalid JSON: {e}")),
            }
        }
        "merge" => {
            let mut m = Map::new();
            for v in &vals {
                match v {
                    Value::Null => {}
                    Value::Map(_) | Value::Resource(_) => {
                        for (k, x) in v.as_map().into_iter().flatten() {
                            m.insert(k.clone(), x.clone());
                        }
                    }
                    _ if v.is_unknown() => return Ok(Value::Unknown),
                    _ => return err("merge of a non-map"),
                }
            }
            Value::map(m)
        }
        "concat" => {
            let mut out = Vec::new();
            for v in &vals {
                match v {
                    Value::List(l) => out.extend(l.iter().cloned()),
                    _ if v.is_unknown() => return Ok(Value::Unknown),
                    _ => return err("concat of a non-list"),
                }
            }
            Value::list(out)
        }
        "lookup" => {
            let m = arg(0);
            if m.is_unknown() {
                return Ok(Value::Unknown);
            }
            let Some(k) = s(1) else { return Ok(Value::Unknown) };
            match m.as_map().and_then(|mm| mm.get(&k)) {
                Some(v) => v.clone(),
                None if vals.len() > 2 => arg(2),
                None => return err(format!("no key {k}")),
            }
        }
        "coalesce" => {
            for v in &vals {
                if v.is_unknown() {
                    return Ok(Value::Unknown);
                }
                if !v.is_null() && v.as_str() != Some("") {
                    return Ok(v.clone());
                }
            }
            return err("coalesce: no non-null argument");
        }
        "coalescelist" => {
            for v in &vals {
                if v.is_unknown() {
                    return Ok(Value::Unknown);
                }
                if v.as_list().is_some_and(|l| !l.is_empty()) {
                    return Ok(v.clone());
                }
            }
            Value::list(vec![])
        }
        "format" => {
            if any_unknown(&vals) {
                return Ok(Value::Unknown);
            }
            let Some(f) = s(0) else {
                return err("format needs a string");
            };
            format(&f, &vals[1..])?
        }
        "formatlist" => Value::Unknown,
        "join" => {
            if any_unknown(&vals) {
                return Ok(Value::Unknown);
            }
            let Some(sep) = s(0) else {
                return err("join needs a separator");
            };
            let mut parts = Vec::new();
            for l in &vals[1..] {
                for x in items(l).unwrap_or_default() {
                    match x.to_template_string() {
                        Some(t) => parts.push(t),
                        None if x.is_unknown() => return Ok(Value::Unknown),
                        None => return err("join of non-strings"),
                    }
                }
            }
            Value::str(parts.join(&sep))
        }
        "split" => match (s(0), s(1)) {
            (Some(sep), Some(t)) => Value::list(t.split(sep.as_str()).map(Value::str).collect()),
            _ => Value::Unknown,
        },
        "tolist" | "toset" => match arg(0) {
            v if v.is_unknown() => Value::Unknown,
            Value::List(l) => {
                if name == "toset" {
                    Value::list(set_of(l.to_vec()))
                } else {
                    Value::List(l)
                }
            }
            Value::Null => Value::Null,
            _ => return err("not a list"),
        },
        "tomap" => match arg(0) {
            v @ (Value::Map(_) | Value::Null) => v,
            // An encoded value is a string, which is no map.
            v if v.is_unknown() && !matches!(v, Value::Encoded(_)) => v,
            Value::Resource(r) => Value::map(r.attrs.clone()),
            _ => return err("not a map"),
        },
        "tostring" => match arg(0) {
            v if v.is_unknown() => Value::Unknown,
            Value::Null => Value::Null,
            v => v
                .to_template_string()
                .map(Value::str)
                .map(Ok)
                .unwrap_or_else(|| err("not a primitive"))?,
        },
        "tonumber" => match arg(0) {
            v if v.is_unknown() => Value::Unknown,
            Value::Null => Value::Null,
            v => v
                .as_number()
                .map(Value::Number)
                .map(Ok)
                .unwrap_or_else(|| err("not a number"))?,
        },
        "length" => match arg(0) {
            Value::List(l) => Value::Number(l.len() as f64),
            Value::Map(m) => Value::Number(m.len() as f64),
            Value::String(t) => Value::Number(t.chars().count() as f64),
            v if v.is_unknown() => Value::Unknown,
            Value::Resource(_) => Value::Unknown,
            _ => return err("length of a non-collection"),
        },
        "keys" => match arg(0) {
            Value::Map(m) => Value::list(m.keys().map(|k| Value::str(k.as_str())).collect()),
            _ => Value::Unknown,
        },
        "values" => match arg(0) {
            Value::Map(m) => Value::list(m.values().cloned().collect()),
            _ => Value::Unknown,
        },
        "element" => match (arg(0), arg(1).as_number()) {
            (Value::List(l), Some(n)) if !l.is_empty() => l
                .get((n.max(0.0) as usize) % l.len())
                .cloned()
                .unwrap_or(Value::Unknown),
            _ => Value::Unknown,
        },
        "contains" => match (arg(0), arg(1)) {
            (Value::List(l), x) if x.is_wholly_known() => {
                if l.iter().all(Value::is_wholly_known) {
                    Value::Bool(l.iter().any(|y| values_equal(y, &x)))
                } else {
                    Value::Unknown
                }
            }
            _ => Value::Unknown,
        },
        "distinct" => match arg(0) {
            Value::List(l) => Value::list(dedup(l.to_vec())),
            _ => Value::Unknown,
        },
        "flatten" => {
            fn flat(v: &Value, out: &mut Vec<Value>) -> bool {
                match v {
                    Value::List(l) => l.iter().all(|x| flat(x, out)),
                    x if x.is_unknown() => false,
                    x => {
                        out.push(x.clone());
                        true
                    }
                }
            }
            let mut out = Vec::new();
            if flat(&arg(0), &mut out) {
                Value::list(out)
            } else {
                Value::Unknown
            }
        }
        "compact" => match arg(0) {
            Value::List(l) => {
                if l.iter().any(Value::is_unknown) {
                    Value::Unknown
                } else {
                    Value::list(
                        l.iter()
                            .filter(|x| !x.is_null() && x.as_str() != Some(""))
                            .cloned()
                            .collect(),
                    )
                }
            }
            _ => Value::Unknown,
        },
        "lower" | "upper" | "trimspace" | "chomp" => match s(0) {
            Some(t) => Value::str(match name {
                "lower" => t.to_lowercase(),
                "upper" => t.to_uppercase(),
                "trimspace" => t.trim().to_string(),
                _ => t.trim_end_matches(['\n', '\r']).to_string(),
            }),
            None => Value::Unknown,
        },
        "replace" => match (s(0), s(1), s(2)) {
            (Some(t), Some(a), Some(b)) if !(a.starts_with('/') && a.ends_with('/') && a.len() > 1) => {
                Value::str(t.replace(&a, &b))
            }
            _ => Value::Unknown,
        },
        "trimprefix" => match (s(0), s(1)) {
            (Some(t), Some(p)) => Value::str(t.strip_prefix(p.as_str()).unwrap_or(&t)),
            _ => Value::Unknown,
        },
        "trimsuffix" => match (s(0), s(1)) {
            (Some(t), Some(p)) => Value::str(t.strip_suffix(p.as_str()).unwrap_or(&t)),
            _ => Value::Unknown,
        },
        "trim" => match (s(0), s(1)) {
            (Some(t), Some(c)) => Value::str(t.trim_matches(|ch| c.contains(ch))),
            _ => Value::Unknown,
        },
        "startswith" | "endswith" => match (s(0), s(1)) {
            (Some(t), Some(p)) => Value::Bool(if name == "startswith" {
                t.starts_with(&p)
            } else {
                t.ends_with(&p)
            }),
            _ => Value::Unknown,
        },
        "strcontains" => match (s(0), s(1)) {
            (Some(t), Some(p)) => Value::Bool(t.contains(&p)),
            _ => Value::Unknown,
        },
        "substr" => match (s(0), arg(1).as_number(), arg(2).as_number()) {
            (Some(t), Some(o), Some(l)) => {
                let chars: Vec<char> = t.chars().collect();
                let o = if o < 0.0 {
                    chars.len().saturating_sub((-o) as usize)
                } else {
                    (o as usize).min(chars.len())
                };
                let l = if l < 0.0 {
                    chars.len() - o
                } else {
                    (l as usize).min(chars.len() - o)
                };
                Value::str(chars[o..o + l].iter().collect::<String>())
            }
            _ => Value::Unknown,
        },
        "min" | "max" => {
            let nums: Option<Vec<f64>> = vals.iter().map(Value::as_number).collect();
            match nums {
                Some(n) if !n.is_empty() => Value::Number(if name == "min" {
                    n.iter().cloned().fold(f64::INFINITY, f64::min)
                } else {
                    n.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                }),
                _ => Value::Unknown,
            }
        }
        "abs" | "ceil" | "floor" | "signum" => match arg(0).as_number() {
            Some(n) => Value::Number(match name {
                "abs" => n.abs(),
                "ceil" => n.ceil(),
                "floor" => n.floor(),
                _ => n.signum(),
            }),
            None => Value::Unknown,
        },
        "pow" => match (arg(0).as_number(), arg(1).as_number()) {
            (Some(a), Some(b)) => Value::Number(a.powf(b)),
            _ => Value::Unknown,
        },
        "range" => {
            let nums: Option<Vec<f64>> = vals.iter().map(Value::as_number).collect();
            let Some(n) = nums else { return Ok(Value::Unknown) };
            let (start, end, step) = match n.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
                [s, e, st] => (*s, *e, *st),
                _ => return err("range takes 1 to 3 numbers"),
            };
            if step == 0.0 {
                return err("range step 0");
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(Value::Number(x));
                x += step;
                if out.len() > 1024 {
                    return err("range too long");
                }
            }
            Value::list(out)
        }
        "zipmap" => match (arg(0), arg(1)) {
            (Value::List(k), Value::List(v)) => {
                let mut m = Map::new();
                for (a, b) in k.iter().zip(v.iter()) {
                    match a.to_template_string() {
                        Some(ks) => {
                            m.insert(ks, b.clone());
                        }
                        None => return Ok(Value::Unknown),
                    }
                }
                Value::map(m)
            }
            _ => Value::Unknown,
        },
        "one" => match arg(0) {
            Value::List(l) if l.is_empty() => Value::Null,
            Value::List(l) if l.len() == 1 => l[0].clone(),
            Value::List(_) => return err("one: more than one element"),
            Value::Null => Value::Null,
            _ => Value::Unknown,
        },
        "sort" => match arg(0) {
            Value::List(l) if l.iter().all(|x| x.to_template_string().is_some()) => {
                let mut v = l.to_vec();
                v.sort_by_key(|a| a.to_template_string().unwrap_or_default());
                Value::list(v)
            }
            _ => Value::Unknown,
        },
        "reverse" => match arg(0) {
            Value::List(l) => Value::list(l.iter().rev().cloned().collect()),
            _ => Value::Unknown,
        },
        "slice" => match (arg(0), arg(1).as_number(), arg(2).as_number()) {
            (Value::List(l), Some(a), Some(b)) if a >= 0.0 && b >= a && (b as usize) <= l.len() => {
                Value::list(l[a as usize..b as usize].to_vec())
            }
            _ => Value::Unknown,
        },
        "setunion" => {
            let mut out = Vec::new();
            for v in &vals {
                match v {
                    Value::List(l) => out.extend(l.iter().cloned()),
                    _ => return Ok(Value::Unknown),
                }
            }
            Value::list(dedup(out))
        }
        "setintersection" | "setsubtract" => Value::Unknown,
        "alltrue" | "anytrue" => match arg(0) {
            Value::List(l) => {
                let b: Option<Vec<bool>> = l.iter().map(Value::as_bool).collect();
                match b {
                    Some(b) => Value::Bool(if name == "alltrue" {
                        b.iter().all(|x| *x)
                    } else {
                        b.iter().any(|x| *x)
                    }),
                    None => Value::Unknown,
                }
            }
            _ => Value::Unknown,
        },
        "type" => Value::Unknown,
        _ => Value::Unknown,
    })
}

/// `format` with the verbs Terraform configurations commonly use.
fn format(f: &str, args: &[Value]) -> EResult {
    let mut out = String::new();
    let mut it = f.chars().peekable();
    let mut n = 0;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = it.peek() {
            if d.is_ascii_digit() || d == '.' || d == '#' || d == '-' || d == '+' || d == ' ' {
                spec.push(d);
                it.next();
            } else {
                break;
            }
        }
        let Some(verb) = it.next() else {
            return err("format ends in %");
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(a) = args.get(n) else {
            return err("format: too few arguments");
        };
        n += 1;
        match verb {
            's' | 'v' => match a.to_template_string() {
                Some(t) => out.push_str(&t),
                None => match a.to_json() {
                    Some(j) => out.push_str(&j.to_string()),
                    None => return err("format: bad argument"),
                },
            },
            'd' => match a.as_number() {
                Some(x) => out.push_str(&format_number(x.trunc())),
                None => return err("format: %d of a non-number"),
            },
            'f' => match a.as_number() {
                Some(x) => {
                    let prec = spec.split('.').nth(1).and_then(|p| p.parse().ok()).unwrap_or(6);
                    out.push_str(&format!("{x:.prec$}"));
                }
                None => return err("format: %f of a non-number"),
            },
            'q' => match a.to_template_string() {
                Some(t) => out.push_str(&serde_json::to_string(&t).unwrap_or_default()),
                None => return err("format: %q of a non-string"),
            },
            't' => out.push_str(&a.as_bool().map(|b| b.to_string()).unwrap_or_default()),
            _ => return Ok(Value::Unknown),
        }
    }
    Ok(Value::str(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(s: &str) -> Value {
        Value::str(s)
    }

    #[test]
    fn format_verbs() {
        assert_eq!(
            pure("format", vec![st("/%s/%d-%%"), st("a"), Value::Number(3.0)]).ok(),
            Some(st("/a/3-%"))
        );
    }

    #[test]
    fn merge_and_lookup() {
        let a = Value::map(Map::from([("x".into(), st("1"))]));
        let b = Value::map(Map::from([("y".into(), st("2"))]));
        let m = pure("merge", vec![a, b]).ok().unwrap_or_default();
        assert_eq!(pure("lookup", vec![m.clone(), st("y"), st("d")]).ok(), Some(st("2")));
        assert_eq!(pure("lookup", vec![m, st("z"), st("d")]).ok(), Some(st("d")));
    }

    #[test]
    fn unknown_propagates() {
        let enc = pure("jsonencode", vec![Value::list(vec![Value::Unknown])])
            .ok()
            .unwrap_or_default();
        assert!(enc.is_unknown() && matches!(enc, Value::Encoded(_)));
        assert_eq!(pure("jsonencode", vec![Value::Unknown]).ok(), Some(Value::Unknown));
        assert_eq!(pure("concat", vec![Value::Unknown]).ok(), Some(Value::Unknown));
    }

    #[test]
    fn jsondecode_roundtrip() {
        let v = pure("jsondecode", vec![st(r#"[{"readonlyRootFilesystem": true}]"#)])
            .ok()
            .unwrap_or_default();
        assert_eq!(
            pure("jsonencode", vec![v]).ok(),
            Some(st(r#"[{"readonlyRootFilesystem":true}]"#))
        );
    }
}
