//! The current session and signing out.

use crate::auth::{self, AnySession, Authenticated};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::logs::audit::ClientIp;
use crate::services::signin::session::{self, session_info};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::api::auth::{SessionInfo, SessionState};
use shared::api::ErrorCode;

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
    Ok(Json(info_of(&state, &session.0).await?))
}

async fn info_of(state: &AppState, auth: &Authenticated) -> ApiResult<SessionInfo> {
    let mut tx = TenantTx::begin(&state.db, &auth.ctx).await?;
    let info = session_info(
        &mut tx,
        state,
        &auth.ctx,
        auth.csrf_token.clone(),
        auth.stage,
    )
    .await?;
    tx.commit().await?;
    Ok(info)
}

/// The session of the cookie if there is one, else why not — answered 200 either way (the
/// app's first question on every page load, the sign-in page's included). An ended session is
/// reported once: its cookie is cleared with the answer.
pub(super) async fn session_state(
    State(state): State<AppState>,
    session: Result<AnySession, ApiError>,
) -> ApiResult<Response> {
    let session = match session {
        Ok(session) => session,
        Err(ApiError::Code(ErrorCode::Unauthorized)) => {
            return Ok(Json(SessionState {
                session: None,
                expired: false,
            })
            .into_response())
        }
        // Said once: the ended session's cookie goes with the answer.
        Err(ApiError::Code(ErrorCode::SessionExpired)) => {
            return Ok((
                [(header::SET_COOKIE, auth::cleared_session_cookie())],
                Json(SessionState {
                    session: None,
                    expired: true,
                }),
            )
                .into_response())
        }
        Err(other) => return Err(other),
    };
    Ok(Json(SessionState {
        session: Some(info_of(&state, &session.0).await?),
        expired: false,
    })
    .into_response())
}
