//! Sign-in (password, then a second factor when the user has one), the current session,
//! sign-out here or everywhere, password change, and the user's own second factors (TOTP,
//! passkeys, recovery codes). The handlers translate HTTP (and, for passkeys, WebAuthn's
//! challenges); the sign-in steps, sessions and factors are in [`crate::services::signin`].

mod factors;
mod login;
mod password;
mod session;
mod webauthn;

use super::Routes;
use crate::auth;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;

pub fn router() -> Routes {
    Routes::new()
        .route("/auth/login", post(login::login))
        .route("/auth/second-factor", post(login::second_factor))
        .route("/auth/logout", post(session::logout))
        .route("/auth/logout-everywhere", post(session::logout_everywhere))
        .route("/auth/session", get(session::current_session))
        .route("/auth/state", get(session::session_state))
        .route("/auth/password", post(password::change_password))
        .route("/auth/factors", get(factors::factors))
        .route("/auth/factors/totp", post(factors::start_totp))
        .route(
            "/auth/factors/totp/{factor_id}/confirm",
            post(factors::confirm_totp),
        )
        .route(
            "/auth/factors/{factor_id}/revoke",
            post(factors::revoke_factor),
        )
        .route("/auth/recovery-codes", post(factors::new_recovery_codes))
        .merge(webauthn::router())
}

/// A JSON body with the `Set-Cookie` of a new session.
fn with_cookie<T: serde::Serialize>(token: &str, body: T) -> Response {
    (
        [(header::SET_COOKIE, auth::session_cookie(token))],
        Json(body),
    )
        .into_response()
}

/// A factor confirmed: the session's new cookie when the confirmation completed an enrolment.
fn confirmed((confirmed, token): (shared::api::auth::FactorConfirmed, Option<String>)) -> Response {
    match token {
        Some(token) => with_cookie(&token, confirmed),
        None => Json(confirmed).into_response(),
    }
}
