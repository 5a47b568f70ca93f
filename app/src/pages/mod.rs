//! One module per route, and what pages share: reading the record id of their path.

pub mod bill;
pub mod billing_settings;
pub mod chart;
pub mod chart_print;
pub mod chart_records;
pub mod claims;
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

/// The page `body` of the record id the route's path names (`name`, e.g. `patient_id`), built
/// afresh for each id, so moving to another patient starts from nothing of the last one. A
/// segment that is not an id names no record: [`RecordNotFound`], and the server is not asked.
pub fn per_path_id<T, V>(
    name: &'static str,
    body: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: std::str::FromStr + PartialEq + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get(name))
            .and_then(|raw| raw.parse::<T>().ok())
    });
    move || match id.get() {
        Some(id) => body(id).into_any(),
        None => view! { <RecordNotFound/> }.into_any(),
    }
}

/// What a page shows for an address that names no record (the server's words for a 404).
#[component]
fn RecordNotFound() -> impl IntoView {
    view! {
        <p class="form-error" role="alert" data-testid="record-not-found">
            {shared::api::ErrorCode::NotFound.messages().0}
        </p>
    }
}
