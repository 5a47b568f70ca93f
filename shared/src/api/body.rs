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
    let value = match serde_json::from_slice::<Strict>(bytes) {
        Ok(Strict(value)) => value,
        Err(e) => {
            let text = e.to_string();
            return Err(if text.starts_with("recursion limit exceeded") {
                too_deep()
            } else if let Some(rest) = text.strip_prefix("duplicate field `") {
                BodyError::new(
                    ErrorCode::InvalidBody,
                    vec![FieldError::new(
                        rest.split('`').next().unwrap_or(""),
                        "duplicate_field",
                        "同じ項目が二度あります",
                    )],
                )
            } else {
                BodyError::new(ErrorCode::InvalidJson, Vec::new())
            });
        }
    };
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
    if problems.iter().any(|p| p.code == text::TOO_DEEP) {
        return Err(too_deep());
    }
    if !problems.is_empty() {
        return Err(BodyError::new(ErrorCode::Validation, problems));
    }
    let parsed: T = serde_path_to_error::deserialize(&value)
        .map_err(|e| BodyError::new(ErrorCode::InvalidBody, vec![data_error(&e)]))?;
    // Unknown fields: what the body holds that the type does not give back. (serde cannot
    // report fields it ignores inside `#[serde(flatten)]`, which several request types use.)
    let known = serde_json::to_value(&parsed)
        .map_err(|_| BodyError::new(ErrorCode::Internal, Vec::new()))?; // logged by the caller
    let mut unknown = Vec::new();
    unknown_fields(&value, &known, &mut String::new(), &mut unknown);
    if unknown.is_empty() {
        Ok(parsed)
    } else {
        Err(BodyError::new(ErrorCode::InvalidBody, unknown))
    }
}

/// A JSON value read like `serde_json::Value`, but refusing an object with the same key twice
/// (`Value` keeps the last one, which would silently drop the first). serde_json's recursion
/// limit still bounds the nesting while it reads.
struct Strict(Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate field `{key}`"
                )));
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
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
            text::TOO_DEEP,
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
        // serde's own message would quote a string sent for a number.
        for body in [
            r#"{"base_version": "secret-value", "name": "a"}"#,
            r#"{"base_version": 1, "name": "a", "items": [{"name": "x", "memo": {"secret-value": 1}}]}"#,
        ] {
            let e = parse::<Outer>(body.as_bytes()).unwrap_err();
            assert!(!format!("{e:?}").contains("secret-value"), "{body}: {e:?}");
        }
    }

    #[test]
    fn a_field_sent_twice_is_refused_not_the_last_one_taken() {
        assert_eq!(
            refused(r#"{"base_version": 1, "name": "a", "name": "b"}"#),
            (ErrorCode::InvalidBody, vec![f("name", "duplicate_field")])
        );
        assert_eq!(
            refused(r#"{"base_version": 1, "name": "a", "items": [{"name": "b", "name": "c"}]}"#).0,
            ErrorCode::InvalidBody
        );
    }

    #[test]
    fn nesting_beyond_the_limit_is_an_invalid_body_however_deep() {
        for depth in [20, 100, 5000] {
            let deep = format!(
                r#"{{"base_version": 1, "name": "a", "z": {}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            );
            assert_eq!(
                refused(&deep),
                (ErrorCode::InvalidBody, vec![f("", "too_deep")]),
                "{depth}"
            );
        }
    }
}
