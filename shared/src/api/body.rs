//! Reading a JSON request body: the rules every body from outside meets before it becomes a
//! request type, in one place for the server (and any other reader of outside JSON). Pure: no
//! IO. Errors carry a stable code and the fields concerned, never the value sent.

use crate::api::{ErrorCode, FieldError};
use crate::domain::text;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Why a body was refused: the code to answer with and the fields concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyError {
    pub code: ErrorCode,
    pub fields: Vec<FieldError>,
}

impl BodyError {
    fn new(code: ErrorCode, fields: Vec<FieldError>) -> Self {
        Self { code, fields }
    }
}

/// At most this many field errors are listed in one answer.
pub const MAX_FIELD_ERRORS: usize = 20;

/// A request body as the API accepts it: JSON (else `invalid_json`), an object at the top
/// (else `invalid_body`: a struct would also take an array), no control characters in any
/// string or key and nesting within [`text::MAX_JSON_DEPTH`] (else `validation` naming each
/// field), of the right types (else `invalid_body` naming the field) and every field known to
/// `T` (else `invalid_body` naming the unknown ones: a typo must not silently drop a value).
/// Messages never repeat the value sent.
pub fn parse<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Result<T, BodyError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            too_deep()
        } else {
            BodyError::new(ErrorCode::InvalidJson, Vec::new())
        }
    })?;
    if !value.is_object() {
        return Err(BodyError::new(
            ErrorCode::InvalidBody,
            vec![FieldError::new(
                "",
                "object_expected",
                "JSON のオブジェクトを送ってください",
            )],
        ));
    }
    let problems = text::check_json(&value, MAX_FIELD_ERRORS);
    if !problems.is_empty() {
        return Err(BodyError::new(ErrorCode::Validation, problems));
    }
    let parsed: T = serde_path_to_error::deserialize(&value)
        .map_err(|e| BodyError::new(ErrorCode::InvalidBody, vec![data_error(&e)]))?;
    // Unknown fields: what the body holds that the type does not give back. (serde cannot
    // report fields it ignores inside `#[serde(flatten)]`, which several request types use.)
    let known = serde_json::to_value(&parsed)
        .map_err(|_| BodyError::new(ErrorCode::Internal, Vec::new()))?;
    let mut unknown = Vec::new();
    unknown_fields(&value, &known, &mut String::new(), &mut unknown);
    if unknown.is_empty() {
        Ok(parsed)
    } else {
        Err(BodyError::new(ErrorCode::InvalidBody, unknown))
    }
}

/// The paths of `sent` that `known` (the parsed body, serialised again) lacks. A field the
/// type leaves out when empty (`skip_serializing_if`) is not unknown when it was sent empty.
fn unknown_fields(sent: &Value, known: &Value, path: &mut String, out: &mut Vec<FieldError>) {
    match (sent, known) {
        (Value::Object(sent), Value::Object(known)) => {
            for (key, value) in sent {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                match known.get(key) {
                    Some(k) => unknown_fields(value, k, path, out),
                    None if is_empty(value) => {}
                    None if out.len() < MAX_FIELD_ERRORS => out.push(FieldError::new(
                        path,
                        "unknown_field",
                        "この項目は受け付けていません",
                    )),
                    None => {}
                }
                path.truncate(len);
            }
        }
        (Value::Array(sent), Value::Array(known)) => {
            for (i, (s, k)) in sent.iter().zip(known).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                unknown_fields(s, k, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn too_deep() -> BodyError {
    BodyError::new(
        ErrorCode::InvalidBody,
        vec![FieldError::new(
            "",
            "too_deep",
            format!("入れ子が深すぎます（{}段まで）", text::MAX_JSON_DEPTH),
        )],
    )
}

/// The field a body failed on and a fixed message by kind: serde's own message would quote
/// the value sent, which may be patient data.
fn data_error(e: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let mut path = e.path().to_string();
    if path == "." {
        path.clear();
    }
    let detail = e.inner().to_string();
    let (code, message) = if let Some(rest) = detail.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(name);
        ("required", "必須の項目です")
    } else if detail.starts_with("invalid type") {
        ("invalid_type", "値の種類が違います")
    } else if detail.starts_with("unknown variant") {
        ("unknown_value", "この値は使えません")
    } else if detail.starts_with("unknown field") {
        ("unknown_field", "この項目は受け付けていません")
    } else {
        ("invalid", "値が正しくありません")
    };
    FieldError::new(&path, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize)]
    struct Inner {
        name: String,
        #[serde(default)]
        memo: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Outer {
        #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
        base_version: i32,
        #[serde(flatten)]
        inner: Inner,
        #[serde(default)]
        items: Vec<Inner>,
    }

    fn refused(json: &str) -> (ErrorCode, Vec<(String, String)>) {
        let e = parse::<Outer>(json.as_bytes()).unwrap_err();
        (
            e.code,
            e.fields.into_iter().map(|f| (f.field, f.code)).collect(),
        )
    }

    fn f(field: &str, code: &str) -> (String, String) {
        (field.into(), code.into())
    }

    #[test]
    fn a_good_body_is_read() {
        let o: Outer =
            parse(br#"{"base_version": 2, "name": "a", "items": [{"name": "b"}]}"#).unwrap();
        assert_eq!(
            (o.base_version, o.inner.name.as_str(), o.items.len()),
            (2, "a", 1)
        );
    }

    #[test]
    fn each_kind_of_bad_body_has_its_code_and_names_the_field() {
        assert_eq!(
            refused(r#"{"base_version": "#),
            (ErrorCode::InvalidJson, vec![])
        );
        assert_eq!(
            refused(r#"[{"base_version": 1, "name": "a"}]"#),
            (ErrorCode::InvalidBody, vec![f("", "object_expected")])
        );
        assert_eq!(
            refused(r#"{"base_version": 1, "name": "a\u0000"}"#),
            (
                ErrorCode::Validation,
                vec![f("name", text::CONTROL_CHARACTER)]
            )
        );
        assert_eq!(
            refused(r#"{"base_version": -1, "name": "a"}"#),
            (ErrorCode::InvalidBody, vec![f("base_version", "invalid")])
        );
        assert_eq!(
            refused(r#"{"base_version": 1}"#),
            (ErrorCode::InvalidBody, vec![f("name", "required")])
        );
        assert_eq!(
            refused(r#"{"base_version": 1, "name": "a", "items": [{"name": 5}]}"#),
            (
                ErrorCode::InvalidBody,
                vec![f("items[0].name", "invalid_type")]
            )
        );
        // Inside `#[serde(flatten)]` serde loses the path: the kind is still told.
        assert_eq!(
            refused(r#"{"base_version": 1, "name": 5}"#),
            (ErrorCode::InvalidBody, vec![f("", "invalid_type")])
        );
        assert_eq!(
            refused(
                r#"{"base_version": 1, "items": [{"name": "b", "x": 1}], "name": "a", "nmae": "c"}"#
            ),
            (
                ErrorCode::InvalidBody,
                vec![f("items[0].x", "unknown_field"), f("nmae", "unknown_field")]
            )
        );
        let deep = format!(
            r#"{{"base_version": 1, "name": "a", "z": {}{}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert_eq!(
            refused(&deep),
            (ErrorCode::InvalidBody, vec![f("", "too_deep")])
        );
    }

    #[test]
    fn an_unknown_field_sent_empty_is_not_counted() {
        // A field the type leaves out when empty (skip_serializing_if) comes back missing.
        assert!(parse::<Outer>(br#"{"base_version": 1, "name": "a", "gone": null}"#).is_ok());
    }

    #[test]
    fn messages_never_repeat_the_value() {
        let e = parse::<Outer>(br#"{"base_version": 1, "name": ["secret-value"]}"#).unwrap_err();
        assert!(!format!("{e:?}").contains("secret-value"));
    }
}
