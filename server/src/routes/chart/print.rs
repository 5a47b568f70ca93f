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
use axum::Json;
use shared::api::chart::{ChartPrint, PrintChart};
use shared::api::ErrorCode;

pub(super) async fn print_chart(
    State(state): State<AppState>,
    path: PatientPath,
    ip: ClientIp,
    ApiJson(body): ApiJson<PrintChart>,
) -> ApiResult<Json<ChartPrint>> {
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
    let printed = print::print(&mut tx, user.ctx(), &ip, patient, scope).await?;
    tx.commit().await?;
    Ok(Json(printed))
}
