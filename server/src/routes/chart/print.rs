//! The audited chart print: one note, or the notes of a period.

use super::{period, require_chart, PeriodQuery};
use crate::auth::PatientPath;
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::ClientIp;
use crate::services::chart::notes::head;
use crate::services::chart::print::{self, Scope};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shared::api::chart::{ChartPrint, PrintChart, PrintRef};
use shared::api::ErrorCode;

pub(super) async fn print_chart(
    State(state): State<AppState>,
    path: PatientPath,
    ip: ClientIp,
    ApiJson(body): ApiJson<PrintChart>,
) -> ApiResult<Json<ChartPrint>> {
    Ok(Json(chart_print(&state, &path, &ip, &body).await?))
}

/// The same print as a PDF kept in both file stores (`/prints/{id}/pdf` hands it out): the
/// chart as it stands now, with who printed it and when, on every page.
pub(super) async fn print_chart_pdf(
    State(state): State<AppState>,
    path: PatientPath,
    ip: ClientIp,
    ApiJson(body): ApiJson<PrintChart>,
) -> ApiResult<(StatusCode, Json<PrintRef>)> {
    use crate::db::prints::PrintKind;
    use crate::services::prints;
    let printed = chart_print(&state, &path, &ip, &body).await?;
    let user = path.user();
    let print_id = shared::ids::PrintId(uuid::Uuid::new_v4());
    let source = prints::Source {
        kind: PrintKind::Chart,
        key: format!("chart:{print_id}"),
        patient: path.id()?,
    };
    let print_id = prints::create(
        &state.db,
        &state.files,
        state.fonts.as_deref(),
        user.ctx(),
        &ip,
        &source,
        print_id,
        shared::print::chart_print(&printed),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(PrintRef { print_id })))
}

async fn chart_print(
    state: &AppState,
    path: &PatientPath,
    ip: &ClientIp,
    body: &PrintChart,
) -> ApiResult<ChartPrint> {
    let user = path.user();
    require_chart(user)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let scope = match body.note_id.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => {
            let head = head(&mut tx, n, path.access()).await?;
            if head.patient_id != patient.patient_id {
                return Err(ApiError::code(ErrorCode::NotFound));
            }
            Scope::Note(head)
        }
        None => {
            let (from, to) = period(&PeriodQuery {
                from: Some(body.from.clone()),
                to: Some(body.to.clone()),
            })?;
            Scope::Period(from, to)
        }
    };
    let printed = print::print(&mut tx, user.ctx(), ip, patient, scope).await?;
    tx.commit().await?;
    Ok(printed)
}
