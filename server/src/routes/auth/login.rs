//! The two steps of sign-in.

use super::with_cookie;
use crate::auth::{self, AnySession};
use crate::error::ApiResult;
use crate::http::ApiJson;
use crate::logs::audit::ClientIp;
use crate::logs::AccessNote;
use crate::services::signin::{factors, login};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use shared::api::auth::{Login, SecondFactor};

/// The same answer for an unknown institution, an unknown user, a wrong password and a
/// disabled account, after the same amount of work.
pub(super) async fn login(
    State(state): State<AppState>,
    note: AccessNote,
    ip: ClientIp,
    auth::ClientCert(presented): auth::ClientCert,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    let session = login::sign_in(&state, &note, &ip, presented, body).await?;
    Ok(with_cookie(&session.token, session.info))
}

/// The second step of sign-in with a TOTP code or a recovery code.
pub(super) async fn second_factor(
    State(state): State<AppState>,
    session: AnySession,
    ip: ClientIp,
    ApiJson(body): ApiJson<SecondFactor>,
) -> ApiResult<Response> {
    let session = factors::second_factor_code(&state, &session.0, &ip, &body.code).await?;
    Ok(with_cookie(&session.token, session.info))
}
