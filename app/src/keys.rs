//! The front desk by keyboard, as ORCA's users work: function keys for the screens and the
//! screen's main action, Enter to the next field in the forms that say so, and the cursor in
//! the first field of every screen after an in-app move. Browser shortcuts other than these
//! keys are left alone.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlFormElement, KeyboardEvent};

/// The keys, as the bar at the bottom of the screen shows them.
pub const HINTS: &[(&str, &str)] = &[
    ("F1", "戻る"),
    ("F2", "患者検索"),
    ("F3", "受付一覧"),
    ("F12", "登録・確定"),
];

/// What a key does, if it is one of ours.
pub enum Action {
    Back,
    Go(&'static str),
    Primary,
}

pub fn action_of(key: &str) -> Option<Action> {
    match key {
        "F1" => Some(Action::Back),
        "F2" => Some(Action::Go("/patients")),
        "F3" => Some(Action::Go("/reception")),
        "F12" => Some(Action::Primary),
        _ => None,
    }
}

/// Fields the cursor moves through: the inputs and the form's submit button (not the other
/// buttons, such as 「別の人として登録する」, which Enter must never reach by itself).
const FIELDS: &str = "input:not([type=hidden]):not([disabled]), select:not([disabled]), \
    textarea:not([disabled]), button[type=submit]:not([disabled])";

fn active() -> Option<Element> {
    document().active_element()
}

/// The screen's main action: the form around the cursor is sent; else the button marked
/// `data-key="F12"` on screen is pressed.
pub fn primary() {
    if let Some(form) = active()
        .and_then(|e| e.closest("form").ok().flatten())
        .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
    {
        // Not while it is being sent (its button disabled).
        let busy = form
            .query_selector("[type=submit][disabled]")
            .ok()
            .flatten()
            .is_some();
        if !busy {
            let _ = form.request_submit();
        }
        return;
    }
    if let Some(button) = document()
        .query_selector("main [data-key='F12']:not([disabled])")
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into::<HtmlElement>().ok())
    {
        button.click();
    }
}

/// Enter in a field of a form marked `data-enter="next"`: the cursor goes to the next field
/// (a button then takes Enter as a press). `true` when it moved.
pub fn enter_next(event: &KeyboardEvent) -> bool {
    let Some(target) = event.target() else {
        return false;
    };
    let field: Element = if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        if matches!(
            input.type_().as_str(),
            "submit" | "button" | "checkbox" | "radio"
        ) {
            return false;
        }
        input.clone().into()
    } else if let Some(select) = target.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.clone().into()
    } else {
        return false;
    };
    let Some(form) = field.closest("form[data-enter='next']").ok().flatten() else {
        return false;
    };
    let Ok(list) = form.query_selector_all(FIELDS) else {
        return false;
    };
    let field: &Element = &field;
    let mut found = false;
    for i in 0..list.length() {
        let Some(node) = list.item(i) else { continue };
        let Ok(element) = node.dyn_into::<HtmlElement>() else {
            continue;
        };
        if found && element.offset_parent().is_some() {
            let _ = element.focus();
            return true;
        }
        found |= AsRef::<Element>::as_ref(&element) == field;
    }
    false
}

/// Puts the cursor in the screen's autofocus field, else its first field, unless the user
/// already placed it in the screen; tried again shortly while the screen's data arrives.
pub fn focus_first_field() {
    for delay in [0u64, 150, 400, 900] {
        set_timeout(
            || {
                let in_main = active()
                    .and_then(|a| a.closest("main").ok().flatten())
                    .is_some();
                if in_main {
                    return;
                }
                // The field the screen marks (autofocus), else its first (document order).
                let visible = |selector: &str| {
                    document()
                        .query_selector_all(selector)
                        .ok()
                        .and_then(|list| {
                            (0..list.length())
                                .filter_map(|i| list.item(i))
                                .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
                                .find(|e| e.offset_parent().is_some())
                        })
                };
                let first = visible("main [autofocus]:not([disabled])").or_else(|| {
                    visible(
                        "main input:not([type=hidden]):not([disabled]):not([type=checkbox]), \
                         main select:not([disabled]), main textarea:not([disabled])",
                    )
                });
                if let Some(field) = first {
                    let _ = field.focus();
                }
            },
            std::time::Duration::from_millis(delay),
        );
    }
}
