//! A labelled text input with its error message, accessible by keyboard and screen reader.

use leptos::prelude::*;
use shared::domain::insurance::NumberError;

#[component]
pub fn TextField(
    /// The `id` of the input, also its `name` and `data-testid`.
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] autofocus: bool,
    #[prop(optional)] inputmode: Option<&'static str>,
    /// The `id` of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
    /// The problem to show under the field, if any.
    #[prop(into, optional)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=kind
                data-testid=id
                autocomplete=autocomplete
                inputmode=inputmode
                list=list
                autofocus=autofocus
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <p class="field-error" id=error_id role="alert">{move || error.get()}</p>
        </div>
    }
}

/// A date field: 西暦 or 和暦 as typed (`1980-04-01`, `19800401`, `S55.4.1`, `昭和55年4月1日`,
/// ORCA's `3550401`), and under it what was read, in both (`昭和55年4月1日（1980-04-01）`).
#[component]
pub fn DateField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <TextField id=id label=label value=value error=error/>
        <p class="hint" data-testid=format!("{id}-read")>{move || date_read(&value.get())}</p>
    }
}

/// What a date field read, in 和暦 and 西暦; empty when nothing or nothing readable is typed.
pub fn date_read(typed: &str) -> String {
    use shared::domain::japanese::{format_date, parse_date, wareki};
    parse_date(typed)
        .map(|d| format!("{}（{}）", wareki(d), format_date(d)))
        .unwrap_or_default()
}

/// A hint under a number field once enough digits are typed to judge it.
pub fn number_hint(
    value: RwSignal<String>,
    min_digits: usize,
    label: &'static str,
    parse: fn(&str) -> Result<(), NumberError>,
    server: Signal<Option<String>>,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let n = value.get();
        let digits = n
            .chars()
            .filter(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
            .count();
        if digits < min_digits {
            return server.get();
        }
        parse(&n).err().map(|e| format!("{label}: {e}"))
    })
}
