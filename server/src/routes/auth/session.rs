//! The current session and signing out.

use crate::auth::{self, AnySession, Authenticated};
use crate::db::TenantTx;
use crate::error::ApiResult;
use crate::logs::audit::ClientIp;
use crate::services::signin::session::{self, session_info};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::api::auth::SessionInfo;

fn cleared() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, auth::cleared_session_cookie())],
    )
        .into_response()
}

pub(super) async fn logout(
    State(state): State<AppState>,
    session: AnySession,
    ip: ClientIp,
) -> ApiResult<Response> {
    session::sign_out(&state, &session.0, &ip).await?;
    Ok(cleared())
}

/// Ends every session of the caller, on every device, this one included. Not open to a session
/// still owing its second factor: a password alone must not sign the user out elsewhere.
pub(super) async fn logout_everywhere(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
) -> ApiResult<Response> {
    session::sign_out_everywhere(&state, &auth, &ip).await?;
    Ok(cleared())
}

pub(super) async fn current_session(
    State(state): State<AppState>,
    session: AnySession,
) -> ApiResult<Json<SessionInfo>> {
    let auth = session.0;
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let info = session_info(
        &mut tx,
        &state,
        &auth.ctx,
        auth.csrf_token.clone(),
        auth.stage,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(info))
}
