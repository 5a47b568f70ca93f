//! Karte's browser app: a Leptos client-side-rendered SPA served by `karte-server`.
//! Pages own their data loading; `api` is the only module that knows URLs.

// No unwrap or expect outside tests: a panic in a request or in the browser is a defect.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod api;
mod app;
mod components;
mod format;
mod idle;
mod keys;
mod masters_cache;
mod offline;
mod pages;
mod state;
mod unsaved;
mod webauthn;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
