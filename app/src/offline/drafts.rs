//! The local copy of a note's draft, kept in this browser (localStorage, per user and note)
//! from the first keystroke until the server has the text: a reload, a lost connection or an
//! expired session loses nothing. The note editor decides when to keep or forget a copy (its
//! controller while the note is open; the page once a note's draft is finalised or discarded);
//! this module only stores it. A letter (文書作成) keeps its text the same way.

use serde::{Deserialize, Serialize};
use shared::api::chart::SaveDraft;
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
    load_as(key)
}

pub fn store(key: &str, draft: &LocalDraft) {
    store_as(key, draft)
}

/// Any record's local copy (a note's draft, a letter's text) kept under `key`.
pub fn load_as<T: serde::de::DeserializeOwned>(key: &str) -> Option<T> {
    serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
}

pub fn store_as<T: Serialize>(key: &str, value: &T) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(value)) {
        let _ = s.set_item(key, &json);
    }
}

pub fn clear(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// The server stored `sent` as draft `revision`, after its editor closed: the copy kept under
/// `key` is forgotten if it is that text, or moved onto the new revision if it is text typed
/// on top of what was sent (so it saves without a conflict when the note is next opened).
pub fn saved(key: &str, sent: &SaveDraft, revision: i64) {
    if let Some(kept) = load(key).and_then(|kept| after_save(kept, sent, revision)) {
        store(key, &kept);
    } else {
        clear(key);
    }
}

/// What to keep of `kept` once `sent` is stored as `revision`: `None` when nothing.
fn after_save(mut kept: LocalDraft, sent: &SaveDraft, revision: i64) -> Option<LocalDraft> {
    if kept.soap == sent.soap
        && Some(kept.on_behalf_of.as_str()) == sent.on_behalf_of.as_deref().or(Some(""))
    {
        return None;
    }
    if (kept.base_revision, kept.base_version) == (sent.base_revision, sent.base_version) {
        kept.base_revision = revision;
    }
    Some(kept)
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

    fn sent(text: &str, base_revision: i64) -> SaveDraft {
        SaveDraft {
            base_revision,
            base_version: 0,
            soap: Soap {
                subjective: text.into(),
                ..Soap::default()
            },
            on_behalf_of: None,
        }
    }

    fn kept(text: &str, base_revision: i64, doctor: &str) -> LocalDraft {
        LocalDraft {
            soap: Soap {
                subjective: text.into(),
                ..Soap::default()
            },
            base_revision,
            base_version: 0,
            on_behalf_of: doctor.into(),
        }
    }

    #[test]
    fn a_save_that_lands_after_its_editor_closed_updates_the_kept_copy() {
        // The text sent is on the server: nothing to keep.
        assert_eq!(after_save(kept("咳", 3, ""), &sent("咳", 3), 4), None);
        // Typed on top of what was sent: kept, on the revision the server now has.
        assert_eq!(
            after_save(kept("咳、痰", 3, ""), &sent("咳", 3), 4),
            Some(kept("咳、痰", 4, ""))
        );
        // Another doctor chosen since: kept too.
        assert_eq!(
            after_save(kept("咳", 3, "d2"), &sent("咳", 3), 4),
            Some(kept("咳", 4, "d2"))
        );
        // A copy typed on another base is left as it is.
        assert_eq!(
            after_save(kept("頭痛", 7, ""), &sent("咳", 3), 4),
            Some(kept("頭痛", 7, ""))
        );
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
