//! The one rule for text that comes from outside (request bodies, query strings, path
//! segments, imported files): no control characters. PostgreSQL refuses NUL outright (an
//! internal error if it ever reached a query), and the other C0/C1 controls, DEL and the
//! invisible reordering characters have no place in a medical record: they hide or reorder text
//! on screen and in print. Tab, line feed and carriage return are allowed only where a field is
//! multi-line (SOAP notes, patient notes, reception memos, a prescription's 備考); every other field
//! refuses them.
//!
//! A request body is first checked as a whole with the multi-line rule ([`check_json`]); each
//! field's own validation then applies the single-line rule where it is one line.
//!
//! Also here: the shape limits of a JSON request body (nesting depth), checked over the parsed
//! value so that every field is named by its path. No IO.

use super::FieldError;
use serde_json::Value;

/// Whether a field may hold several lines (tab, LF and CR are then allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

/// Stable code of a field refused for a control character.
pub const CONTROL_CHARACTER: &str = "control_character";
/// Stable code of a body nested deeper than [`MAX_JSON_DEPTH`].
pub const TOO_DEEP: &str = "too_deep";

/// Deepest nesting of arrays and objects a request body may have. Karte's deepest request (a
/// bill's Rp groups of drugs) is five levels; anything near this limit is not a real client.
pub const MAX_JSON_DEPTH: usize = 16;

/// Whether `c` may not appear in text from outside: the Cc category (the C0 set, DEL, the C1
/// set) but tab, line feed and carriage return in multi-line text; and the characters that
/// reorder or break text invisibly: the bidirectional embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069; "Trojan Source") and the line and paragraph separators
/// (U+2028, U+2029).
pub fn is_forbidden(c: char, lines: Lines) -> bool {
    match c {
        '\t' | '\n' | '\r' => lines == Lines::Single,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        c => c.is_control(),
    }
}

/// The field error for `text` if it holds a character [`is_forbidden`].
pub fn check_text(field: &str, text: &str, lines: Lines) -> Result<(), FieldError> {
    if text.chars().any(|c| is_forbidden(c, lines)) {
        Err(control_character(field, lines))
    } else {
        Ok(())
    }
}

/// Longest reason (修正理由・取消理由・変更理由), in characters.
pub const REASON_MAX: usize = 200;

/// A reason as stored: trimmed, one line, at most [`REASON_MAX`] characters. Too long is
/// refused, never cut. Empty is returned as is: whether a reason is required is the caller's rule.
pub fn reason(field: &str, raw: &str) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.chars().count() > REASON_MAX {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("{REASON_MAX}文字以内で入力してください"),
        ));
    }
    check_text(field, text, Lines::Single)?;
    Ok(text.to_string())
}

/// The `reason` of a versioned record's input, checked as [`reason`]; required for a change
/// (`base_version > 0`). Each problem goes to `errors`; the reason as stored is returned (empty
/// when refused).
pub fn change_reason(raw: &str, base_version: i32, errors: &mut Vec<FieldError>) -> String {
    let reason = reason("reason", raw).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    if base_version > 0 && reason.is_empty() {
        errors.push(FieldError::new(
            "reason",
            "required",
            "変更の理由を入力してください",
        ));
    }
    reason
}

/// A free-text field as stored: trimmed, at most `max` characters (too long is refused, never
/// cut), without the characters [`is_forbidden`] for its `lines`. Each problem goes to `errors`
/// with `label` (the field's name on the form) in its message.
pub fn bounded(
    field: &str,
    raw: &str,
    max: usize,
    label: &str,
    lines: Lines,
    errors: &mut Vec<FieldError>,
) -> String {
    let text = raw.trim().to_string();
    if text.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("{label}は{max}文字以内です"),
        ));
    }
    errors.extend(check_text(field, &text, lines).err());
    text
}

fn control_character(field: &str, lines: Lines) -> FieldError {
    FieldError::new(
        field,
        CONTROL_CHARACTER,
        match lines {
            Lines::Single => "制御文字（改行・タブを含む）は使えません",
            Lines::Multi => "制御文字（改行・タブ以外）は使えません",
        },
    )
}

/// Every string and object key of a JSON body checked with [`Lines::Multi`] (a body's fields
/// are checked for single-line rules by their own types), and the nesting depth limited to
/// [`MAX_JSON_DEPTH`]. Each error names the field by its path (`items[2].code`); at most
/// `limit` errors are returned.
pub fn check_json(value: &Value, limit: usize) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk(value, &mut String::new(), 0, limit, &mut errors);
    errors
}

fn walk(
    value: &Value,
    path: &mut String,
    depth: usize,
    limit: usize,
    errors: &mut Vec<FieldError>,
) {
    if errors.len() >= limit {
        return;
    }
    match value {
        Value::String(s) => {
            if let Err(e) = check_text(path, s, Lines::Multi) {
                errors.push(e);
            }
        }
        Value::Array(_) | Value::Object(_) if depth >= MAX_JSON_DEPTH => {
            errors.push(FieldError::new(
                path,
                TOO_DEEP,
                format!("入れ子が深すぎます（{MAX_JSON_DEPTH}段まで）"),
            ));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, depth + 1, limit, errors);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                if key.chars().any(|c| is_forbidden(c, Lines::Single)) {
                    // The key itself cannot name the field in a message: show it without them.
                    path.push_str(&key.replace(|c| is_forbidden(c, Lines::Single), "?"));
                    errors.push(control_character(path, Lines::Single));
                } else {
                    path.push_str(key);
                    walk(item, path, depth + 1, limit, errors);
                }
                path.truncate(len);
                if errors.len() >= limit {
                    return;
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_and_other_controls_are_refused_newlines_only_where_multi_line() {
        for (text, lines, ok) in [
            ("山田 太郎", Lines::Single, true),
            ("a\u{0}b", Lines::Multi, false),
            ("a\u{1b}[31m", Lines::Multi, false),
            ("a\u{7f}", Lines::Multi, false),
            ("a\u{85}", Lines::Multi, false),
            ("a\u{202E}b", Lines::Multi, false),
            ("a\u{2028}b", Lines::Multi, false),
            ("山田\u{3000}太郎", Lines::Single, true),
            ("S: 頭痛\n\tO: 36.8", Lines::Multi, true),
            ("S: 頭痛\r\n", Lines::Multi, true),
            ("a\tb", Lines::Single, false),
            ("a\nb", Lines::Single, false),
        ] {
            assert_eq!(
                check_text("f", text, lines).is_ok(),
                ok,
                "{text:?} {lines:?}"
            );
        }
        let err = check_text("reason", "x\u{0}", Lines::Multi).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.code.as_str()),
            ("reason", CONTROL_CHARACTER)
        );
    }

    #[test]
    fn reasons_are_trimmed_and_refused_when_too_long_never_cut() {
        assert_eq!(reason("reason", "  転居のため ").unwrap(), "転居のため");
        assert_eq!(reason("reason", "").unwrap(), "");
        let long = "あ".repeat(REASON_MAX + 1);
        assert_eq!(reason("reason", &long).unwrap_err().code, "too_long");
        assert!(reason("reason", &"あ".repeat(REASON_MAX)).is_ok());
        assert_eq!(
            reason("reason", "a\nb").unwrap_err().code,
            CONTROL_CHARACTER
        );
    }

    #[test]
    fn json_errors_name_the_field_by_its_path() {
        let body = json!({
            "reason": "ok\nfine",
            "items": [{"code": "111000110"}, {"code": "11\u{0}"}],
            "visit": {"memo": "\u{7}"},
            "bad\u{0}key": 1
        });
        let mut fields: Vec<String> = check_json(&body, 10).into_iter().map(|e| e.field).collect();
        fields.sort();
        assert_eq!(fields, ["bad?key", "items[1].code", "visit.memo"]);
        assert_eq!(check_json(&body, 1).len(), 1, "stops at the limit");
    }

    #[test]
    fn nesting_is_limited() {
        let mut deep = json!("x");
        for _ in 0..MAX_JSON_DEPTH {
            deep = json!([deep]);
        }
        assert!(check_json(&json!({ "a": deep.clone() }), 10)
            .iter()
            .any(|e| e.code == TOO_DEEP));
        assert!(
            check_json(&deep, 10).is_empty(),
            "exactly the limit is allowed"
        );
    }
}
