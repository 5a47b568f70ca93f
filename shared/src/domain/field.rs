//! `FieldError`: what is wrong with one field of an input, for the user. Every validation in
//! `domain` reports with it; `api` re-exports it as part of the wire error body.

use serde::{Deserialize, Serialize};

/// One field's problem: `field` names it (a JSON path such as `items[2].code` where nested),
/// `code` is stable for programs, `message` is for the user (Japanese). Never carries the
/// value itself, which may be patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            code: code.to_string(),
            message: message.into(),
        }
    }
}
