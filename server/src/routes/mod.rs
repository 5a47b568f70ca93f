//! The API under `/api/v1`, one module per resource.

pub mod auth;
mod billing;
mod bills;
mod chart;
mod devices;
mod health;
pub(crate) mod insurance;
mod logs;
mod patients;
mod reception;
mod security;
mod users;
mod webauthn;

use crate::http::{api_method_not_allowed, api_not_found};
use crate::startup::AppState;
use axum::Router;

pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(security::router())
        .merge(devices::router())
        .merge(webauthn::router())
        .merge(logs::router())
        .merge(patients::router())
        .merge(insurance::router())
        .merge(reception::router())
        .merge(billing::router())
        .merge(bills::router())
        .merge(chart::router())
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
}
