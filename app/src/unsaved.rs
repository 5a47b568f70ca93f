//! Unsaved input kept across a session timeout. When the server says the session expired, the
//! screen stays open under a sign-in dialog (nothing is lost in memory); in case the tab is
//! reloaded or closed meanwhile, the values of the screen's fields are also kept in this tab's
//! sessionStorage, tied to the user, and put back after that same user signs in again. Another
//! user signing in, or signing out, discards them. Passwords are never kept.

use serde::{Deserialize, Serialize};
use shared::api::auth::SessionInfo;
use wasm_bindgen::JsCast;

const KEY: &str = "karte.unsaved";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unsaved {
    pub tenant_id: String,
    pub user_id: String,
    /// The screen: path and query.
    pub path: String,
    /// (element id, value) of every text field, text area and select on the screen.
    pub fields: Vec<(String, String)>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// The screen's current field values (not passwords, not hidden or file inputs).
fn current_fields() -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let Some(list) = document().and_then(|d| {
        d.query_selector_all("main input[id], main textarea[id], main select[id]")
            .ok()
    }) else {
        return fields;
    };
    for i in 0..list.length() {
        let Some(node) = list.item(i) else { continue };
        if let Some(input) = node.dyn_ref::<web_sys::HtmlInputElement>() {
            let kind = input.type_();
            if matches!(
                kind.as_str(),
                "password" | "hidden" | "file" | "submit" | "button"
            ) {
                continue;
            }
            let value = if matches!(kind.as_str(), "checkbox" | "radio") {
                input.checked().to_string()
            } else {
                input.value()
            };
            fields.push((input.id(), value));
        } else if let Some(area) = node.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            fields.push((area.id(), area.value()));
        } else if let Some(select) = node.dyn_ref::<web_sys::HtmlSelectElement>() {
            fields.push((select.id(), select.value()));
        }
    }
    fields
}

/// Keeps the screen's input for `info`'s user (called when the session expires).
pub fn snapshot(info: &SessionInfo) {
    let path = web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.pathname().ok()?, l.search().ok()?))
        })
        .unwrap_or_else(|| "/".into());
    let saved = Unsaved {
        tenant_id: info.institution.tenant_id.to_string(),
        user_id: info.user.user_id.to_string(),
        path,
        fields: current_fields(),
    };
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(&saved)) {
        let _ = s.set_item(KEY, &json);
    }
}

/// The kept input, if it belongs to `info`'s user; removed from storage either way.
pub fn take_for(info: &SessionInfo) -> Option<Unsaved> {
    let s = storage()?;
    let json = s.get_item(KEY).ok()??;
    let _ = s.remove_item(KEY);
    let saved: Unsaved = serde_json::from_str(&json).ok()?;
    (saved.user_id == info.user.user_id.to_string()
        && saved.tenant_id == info.institution.tenant_id.to_string())
    .then_some(saved)
}

pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}

/// Puts values back into the fields that exist now, announcing each change as an `input` and
/// `change` event so the page's state follows; returns the fields not found yet (a page may
/// draw some after its data arrives).
pub fn restore(fields: Vec<(String, String)>) -> Vec<(String, String)> {
    let Some(doc) = document() else {
        return fields;
    };
    let mut missing = Vec::new();
    for (id, value) in fields {
        let Some(element) = doc.get_element_by_id(&id) else {
            missing.push((id, value));
            continue;
        };
        if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
            if matches!(input.type_().as_str(), "checkbox" | "radio") {
                input.set_checked(value == "true");
            } else {
                input.set_value(&value);
            }
        } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            area.set_value(&value);
        } else if let Some(select) = element.dyn_ref::<web_sys::HtmlSelectElement>() {
            select.set_value(&value);
        }
        for kind in ["input", "change"] {
            let init = web_sys::EventInit::new();
            init.set_bubbles(true);
            if let Ok(event) = web_sys::Event::new_with_event_init_dict(kind, &init) {
                let _ = element.dispatch_event(&event);
            }
        }
    }
    missing
}

/// Restores now and again shortly after, for fields the page draws late.
pub fn restore_soon(fields: Vec<(String, String)>) {
    fn attempt(fields: Vec<(String, String)>, tries_left: u32) {
        let missing = restore(fields);
        if !missing.is_empty() && tries_left > 0 {
            leptos::prelude::set_timeout(
                move || attempt(missing, tries_left - 1),
                std::time::Duration::from_millis(300),
            );
        }
    }
    leptos::prelude::set_timeout(
        move || attempt(fields, 6),
        std::time::Duration::from_millis(150),
    );
}
