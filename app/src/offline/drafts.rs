//! The local copy of a note's draft, kept in this browser (localStorage, per user and note)
//! from the first keystroke until the server has the text: a reload, a lost connection or an
//! expired session loses nothing. The note editor decides when to keep or forget a copy (its
//! controller while the note is open; the page once a note's draft is finalised or discarded);
//! this module only stores it.

use serde::{Deserialize, Serialize};
use shared::domain::chart::Soap;
use shared::ids::NoteId;

/// What this browser keeps of a note until the server has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDraft {
    pub soap: Soap,
    /// The server draft revision and note version the text was typed on.
    pub base_revision: i64,
    pub base_version: i32,
    /// 代行入力: the doctor chosen (a user id), or empty.
    pub on_behalf_of: String,
}

/// The storage key of `user`'s copy of `note` (another user of the same browser never sees it).
pub fn key(user: &str, note: NoteId) -> String {
    format!("karte.note.{user}.{note}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The copy kept under `key`, if there is a readable one.
pub fn load(key: &str) -> Option<LocalDraft> {
    serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
}

pub fn store(key: &str, draft: &LocalDraft) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(draft)) {
        let _ = s.set_item(key, &json);
    }
}

pub fn clear(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_per_user_and_note() {
        let note = NoteId(uuid::Uuid::nil());
        assert_eq!(
            key("u1", note),
            "karte.note.u1.00000000-0000-0000-0000-000000000000"
        );
        assert_ne!(key("u1", note), key("u2", note));
    }

    #[test]
    fn a_kept_draft_reads_back_as_written() {
        let draft = LocalDraft {
            soap: Soap {
                subjective: "咳".into(),
                ..Soap::default()
            },
            base_revision: 3,
            base_version: 1,
            on_behalf_of: String::new(),
        };
        let json = serde_json::to_string(&draft).unwrap();
        assert_eq!(serde_json::from_str::<LocalDraft>(&json).unwrap(), draft);
    }
}
