//! The user's own password change.

use super::with_cookie;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::http::ApiJson;
use crate::logs::audit::ClientIp;
use crate::services::signin::password;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use shared::api::auth::ChangePassword;

/// Changes the caller's own password (also the forced change after a one-time password).
/// Other sessions of the user end; this one is rotated (new cookie).
pub(super) async fn change_password(
    State(state): State<AppState>,
    auth: Authenticated,
    ip: ClientIp,
    ApiJson(body): ApiJson<ChangePassword>,
) -> ApiResult<Response> {
    let session = password::change_password(&state, &auth, &ip, body).await?;
    Ok(with_cookie(&session.token, session.info))
}
