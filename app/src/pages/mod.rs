//! One module per route.

pub mod bill;
pub mod billing_settings;
pub mod chart;
pub mod chart_print;
pub mod chart_records;
pub mod devices;
pub mod home;
pub mod login;
pub mod logs;
pub mod not_found;
pub mod password;
pub mod patients;
pub mod reception;
pub mod security;
pub mod security_policy;
pub mod users;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The record id the route's path names (`name`, e.g. `patient_id`); `None` when the segment is
/// not an id. Such an address names no record: the page shows [`RecordNotFound`] and asks the
/// server nothing. Pages render their body per id, so moving to another patient starts afresh.
pub fn path_id<T>(name: &'static str) -> Memo<Option<T>>
where
    T: std::str::FromStr + PartialEq + Clone + Send + Sync + 'static,
{
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .with(|p| p.get(name))
            .and_then(|raw| raw.parse().ok())
    })
}

/// What a page shows for an address that names no record (the server's words for a 404).
#[component]
pub fn RecordNotFound() -> impl IntoView {
    view! {
        <p class="form-error" role="alert" data-testid="record-not-found">
            {shared::api::ErrorCode::NotFound.messages().0}
        </p>
    }
}
