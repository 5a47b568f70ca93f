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
            // Typing goes on after what is there (an address filled from the 郵便番号).
            if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
                let end = input.value().encode_utf16().count() as u32;
                let _ = input.set_selection_range(end, end);
            }
            return true;
        }
        found |= AsRef::<Element>::as_ref(&element) == field;
    }
    false
}

/// The first element on screen (laid out, not hidden) that `selector` matches.
fn visible(selector: &str) -> Option<HtmlElement> {
    let list = document().query_selector_all(selector).ok()?;
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .find(|e| e.offset_parent().is_some())
}

thread_local! {
    /// The field [`focus_first_field`] last put the cursor in (not the user).
    static PLACED: std::cell::RefCell<Option<Element>> = const { std::cell::RefCell::new(None) };
    /// How many times the user pressed a key or the pointer: a placement planned before the
    /// latest one is dropped, never taking the cursor from someone at work.
    static ACTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A key or the pointer went down (the shell listens). Keys that only change how the next
/// key types (Shift, the IME's 半角/全角 …) are not work.
pub fn user_acted(key: Option<&str>) {
    const NOT_WORK: &[&str] = &[
        "Shift",
        "Control",
        "Alt",
        "Meta",
        "CapsLock",
        "Process",
        "Unidentified",
        "Hankaku",
        "Zenkaku",
        "HankakuZenkaku",
        "KanaMode",
        "Eisu",
        "Romaji",
        "Alphanumeric",
        "Convert",
        "NonConvert",
    ];
    if key.is_some_and(|k| NOT_WORK.contains(&k)) {
        return;
    }
    ACTED.with(|a| a.set(a.get().wrapping_add(1)));
}

fn acted() -> u64 {
    ACTED.with(std::cell::Cell::get)
}

/// Puts the cursor in the screen's autofocus field, else its first field, unless the user
/// already placed it in the screen; tried again shortly while the screen's data arrives (a
/// field marked autofocus that arrives with the data takes the cursor from the first field,
/// unless the user has pressed a key or the pointer since).
pub fn focus_first_field() {
    PLACED.with(|p| *p.borrow_mut() = None);
    let since = acted();
    for delay in [0u64, 150, 400, 900, 1500] {
        set_timeout(
            move || {
                if acted() != since {
                    return;
                }
                let current = active();
                let placed_by_us =
                    current.is_some() && PLACED.with(|p| p.borrow().clone()) == current;
                let in_main = current
                    .as_ref()
                    .and_then(|a| a.closest("main").ok().flatten())
                    .is_some();
                if in_main && !placed_by_us {
                    return;
                }
                // The field the screen marks (autofocus), else its first (document order).
                let target = match visible("main [autofocus]:not([disabled])") {
                    Some(marked) => Some(marked),
                    None if in_main => None,
                    None => visible(
                        "main input:not([type=hidden]):not([disabled]):not([type=checkbox]), \
                         main select:not([disabled]), main textarea:not([disabled])",
                    ),
                };
                if let Some(field) = target {
                    let element: &Element = &field;
                    if current.as_ref() != Some(element) {
                        let _ = field.focus();
                        PLACED.with(|p| *p.borrow_mut() = Some(element.clone()));
                    }
                }
            },
            std::time::Duration::from_millis(delay),
        );
    }
}

/// A move of the cursor planned when the user acts (a form sent, a form opened), made when the
/// screen is ready ([`Plan::focus_next`]); dropped if the user presses a key or the pointer
/// in between (typing on while the server answers).
#[derive(Clone, Copy)]
pub struct Plan(u64);

/// Plans a move of the cursor from now.
pub fn plan() -> Plan {
    Plan(acted())
}

impl Plan {
    /// The cursor goes to where the work goes on, the first of `selectors` (in the order given)
    /// on screen, once the screen shows it — never left on the page body because the button
    /// that had it was taken off the screen.
    pub fn focus_next(self, selectors: &'static [&'static str]) {
        let done = std::rc::Rc::new(std::cell::Cell::new(false));
        for delay in [0u64, 60, 150, 400, 900] {
            let done = done.clone();
            set_timeout(
                move || {
                    if done.get() || acted() != self.0 {
                        return;
                    }
                    if let Some(target) = selectors.iter().find_map(|s| visible(s)) {
                        let _ = target.focus();
                        done.set(true);
                    }
                },
                std::time::Duration::from_millis(delay),
            );
        }
    }
}
