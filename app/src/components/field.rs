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
