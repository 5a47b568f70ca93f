//! 印刷物: a generated print's PDF by its id (`GET /prints/{print_id}/pdf`), for a reprint or a
//! chart print made by `POST /patients/{id}/chart/prints/pdf`. Who may read a print follows its
//! kind: 領収証 and 明細書 the front desk, 処方箋 the chart's readers and writers, the chart print
//! doctors and nurses; any other print is 404, as another institution's is. Every GET is a
//! numbered output in the audit log, the patient marked in the access log.

use super::Routes;
use crate::auth::ActiveUser;
use crate::db::prints::PrintKind;
use crate::error::ApiResult;
use crate::logs::audit::ClientIp;
use crate::logs::AccessNote;
use crate::services::attachments::FileRead;
use crate::services::prints;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use shared::domain::Permission;
use shared::ids::PrintId;

pub fn router() -> Routes {
    Routes::new().route("/prints/{print_id}/pdf", get(print_pdf))
}

/// Whether `user` may read prints of `kind`.
pub fn can_read(user: &ActiveUser, kind: PrintKind) -> bool {
    let role = user.ctx().role();
    match kind {
        PrintKind::Receipt | PrintKind::Statement => role.can(Permission::FrontDesk),
        PrintKind::Prescription => {
            role.can(Permission::ReadChart) || role.can(Permission::ProxyEntry)
        }
        PrintKind::Chart => role.can(Permission::ReadChart),
    }
}

/// A kept PDF as the browser's viewer takes it: inline, under the files' sandbox.
pub fn pdf_response(file: FileRead, filename: &str) -> Response {
    crate::http::file_response(
        file.bytes,
        file.row.media_type,
        &file.row.sha256,
        filename,
        true,
    )
}

/// Hands out print `print_id` (a GET is an output; a HEAD only asks about it).
pub async fn hand_out(
    state: &AppState,
    method: &Method,
    user: &ActiveUser,
    ip: &ClientIp,
    note: &AccessNote,
    print_id: PrintId,
) -> ApiResult<Response> {
    let out = prints::output(
        &state.db,
        &state.files,
        user.ctx(),
        ip,
        print_id,
        |kind| can_read(user, kind),
        method == Method::GET,
    )
    .await?;
    note.set_patient(out.print.patient_id);
    Ok(pdf_response(out.file, &out.filename))
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
    hand_out(&state, &method, &user, &ip, &note, print_id).await
}
