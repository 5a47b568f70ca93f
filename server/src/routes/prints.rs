//! 印刷物: a generated print's PDF by its id (`GET /prints/{print_id}/pdf`), for a reprint or a
//! chart print made by `POST /patients/{id}/chart/prints/pdf`. Who may read a print follows its
//! kind: 領収証 and 明細書 the front desk, 処方箋 the chart's readers and writers, the chart print
//! doctors and nurses; any other print is 404, as another institution's is. Every GET is a
//! numbered output in the audit log, the patient marked in the access log.

use super::Routes;
use crate::auth::ActiveUser;
use crate::error::ApiResult;
use crate::logs::audit::ClientIp;
use crate::logs::AccessNote;
use crate::services::prints;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use shared::ids::PrintId;

pub fn router() -> Routes {
    Routes::new().route("/prints/{print_id}/pdf", get(print_pdf))
}

async fn print_pdf(
    State(state): State<AppState>,
    method: Method,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let print_id = crate::http::id_or_not_found::<PrintId>(&raw)?;
    prints::hand_out(
        &state.db,
        &state.files,
        user.ctx(),
        &ip,
        &note,
        print_id,
        method == Method::GET,
    )
    .await
}
