//! The log viewer for administrators of the institution: search, page, export, verify.
//! Another institution's entries are invisible (row-level security).

use super::Routes;
use crate::auth::ActiveUser;
use crate::db::logs::{self as store, AccessFilter, AuditFilter};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::ApiQuery;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::export::{self, Format};
use crate::logs::verify;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use serde::Deserialize;
use shared::api::logs::{
    AccessLogEntry, AuditLogEntry, ChainStatus, LogPage, MAX_EXPORT, MAX_PAGE,
};
use shared::api::FieldError;
use shared::domain::Permission;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, Time};
use uuid::Uuid;

pub fn router() -> Routes {
    Routes::new()
        .route("/logs/access", get(access_log))
        .route("/logs/access/export", get(export_access))
        .route("/logs/audit", get(audit_log))
        .route("/logs/audit/export", get(export_audit))
        .route("/logs/verify", get(verify_logs))
}

/// Query parameters of every log endpoint. Dates are `YYYY-MM-DD` (a whole day in JST; `to`
/// includes its day) or RFC 3339 instants.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    from: Option<String>,
    to: Option<String>,
    user_id: Option<String>,
    patient_id: Option<String>,
    /// A 患者番号, カナ, name, phone number or birth date (as the patient search reads it).
    patient: Option<String>,
    /// `success` (status < 400) or `failure`.
    outcome: Option<String>,
    route: Option<String>,
    action: Option<String>,
    result: Option<String>,
    target_id: Option<String>,
    before_seq: Option<i64>,
    limit: Option<i64>,
    format: Option<String>,
}

fn parse_time(
    field: &str,
    raw: &Option<String>,
    end_of_day: bool,
    errors: &mut Vec<FieldError>,
) -> Option<OffsetDateTime> {
    let raw = raw.as_deref()?.trim();
    if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
        if shared::domain::japanese::DATE_YEARS.contains(&t.year()) {
            return Some(t);
        }
    }
    match shared::domain::japanese::parse_date(raw) {
        Some(date) => {
            let day = if end_of_day {
                date.next_day().unwrap_or(date)
            } else {
                date
            };
            Some(
                day.with_time(Time::MIDNIGHT)
                    .assume_offset(crate::clock::jst()),
            )
        }
        None => {
            errors.push(FieldError::new(
                field,
                "invalid",
                "日付は YYYY-MM-DD で指定してください",
            ));
            None
        }
    }
}

/// The access log's patient: a 患者番号 (exactly), a カナ or a name — what identifies a patient
/// to an auditor; a phone number or a birth date is no way to look patients up here.
fn patient_query(
    raw: &Option<String>,
    errors: &mut Vec<FieldError>,
) -> Option<shared::api::patients::PatientQuery> {
    use shared::api::patients::PatientQuery;
    match PatientQuery::classify(raw.as_deref()?)? {
        q @ (PatientQuery::Number(_) | PatientQuery::Kana(_) | PatientQuery::Name(_)) => Some(q),
        // Ten digits from 0: here, a patient number.
        PatientQuery::NumberOrPhone(n) => Some(PatientQuery::Number(n)),
        PatientQuery::Phone(_) | PatientQuery::BirthDate(_) => {
            errors.push(FieldError::new(
                "patient",
                "invalid",
                "患者は患者番号、カナまたは氏名で指定してください",
            ));
            None
        }
    }
}

fn parse_uuid(field: &str, raw: &Option<String>, errors: &mut Vec<FieldError>) -> Option<Uuid> {
    let raw = raw.as_deref()?.trim();
    match Uuid::parse_str(raw) {
        Ok(u) => Some(u),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "invalid",
                "IDの形式が正しくありません",
            ));
            None
        }
    }
}

impl LogQuery {
    fn check<T>(errors: Vec<FieldError>, value: T) -> ApiResult<T> {
        if errors.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Invalid(errors))
        }
    }

    fn access_filter(&self) -> ApiResult<AccessFilter> {
        let mut errors = Vec::new();
        let succeeded = match self.outcome.as_deref() {
            None | Some("") => None,
            Some("success") => Some(true),
            Some("failure") => Some(false),
            Some(_) => {
                errors.push(FieldError::new(
                    "outcome",
                    "invalid",
                    "結果は success か failure です",
                ));
                None
            }
        };
        let filter = AccessFilter {
            from: parse_time("from", &self.from, false, &mut errors),
            to: parse_time("to", &self.to, true, &mut errors),
            user_id: parse_uuid("user_id", &self.user_id, &mut errors),
            patient_id: parse_uuid("patient_id", &self.patient_id, &mut errors),
            patient: patient_query(&self.patient, &mut errors),
            succeeded,
            route: self.route.clone().filter(|r| !r.is_empty()),
            before_seq: self.before_seq,
        };
        Self::check(errors, filter)
    }

    fn audit_filter(&self) -> ApiResult<AuditFilter> {
        let mut errors = Vec::new();
        let result = match self.result.as_deref() {
            None | Some("") => None,
            Some(r @ ("success" | "failure")) => Some(r.to_string()),
            Some(_) => {
                errors.push(FieldError::new(
                    "result",
                    "invalid",
                    "結果は success か failure です",
                ));
                None
            }
        };
        let action_filter = self.action.clone().filter(|a| !a.is_empty());
        if let Some(a) = &action_filter {
            if !action::ALL.contains(&a.as_str()) {
                errors.push(FieldError::new(
                    "action",
                    "invalid",
                    "操作の種類が正しくありません",
                ));
            }
        }
        let filter = AuditFilter {
            from: parse_time("from", &self.from, false, &mut errors),
            to: parse_time("to", &self.to, true, &mut errors),
            actor_user_id: parse_uuid("user_id", &self.user_id, &mut errors),
            action: action_filter,
            result,
            target_id: self.target_id.clone().filter(|t| !t.is_empty()),
            before_seq: self.before_seq,
        };
        Self::check(errors, filter)
    }

    fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, MAX_PAGE)
    }

    fn format(&self) -> ApiResult<Format> {
        Format::parse(self.format.as_deref().unwrap_or("csv")).ok_or_else(|| {
            ApiError::Invalid(vec![FieldError::new(
                "format",
                "invalid",
                "形式は csv, json, fhir のいずれかです",
            )])
        })
    }
}

fn page<T>(mut entries: Vec<T>, limit: i64, seq: impl Fn(&T) -> i64) -> LogPage<T> {
    let more = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    let next_before_seq = if more { entries.last().map(&seq) } else { None };
    LogPage {
        entries,
        next_before_seq,
        patients: Vec::new(),
    }
}

async fn access_log(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<LogPage<AccessLogEntry>>> {
    user.require(Permission::ViewLogs)?;
    let filter = q.access_filter()?;
    let limit = q.limit();
    // Show every request made before this one.
    state.access_log.flush().await;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = store::search_access(&mut tx, &filter, limit + 1).await?;
    let entries = rows.iter().map(export::access_entry).collect();
    let mut page = page(entries, limit, |e: &AccessLogEntry| e.seq);
    let ids: Vec<Uuid> = page
        .entries
        .iter()
        .filter_map(|e| e.patient_id.map(|p| p.0))
        .collect();
    page.patients = store::patient_labels(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(Json(page))
}

async fn audit_log(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<LogPage<AuditLogEntry>>> {
    user.require(Permission::ViewLogs)?;
    let filter = q.audit_filter()?;
    let limit = q.limit();
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = store::search_audit(&mut tx, &filter, limit + 1).await?;
    let entries = rows.iter().map(export::audit_entry).collect();
    let mut page = page(entries, limit, |e: &AuditLogEntry| e.seq);
    let ids: Vec<Uuid> = page
        .entries
        .iter()
        .filter(|e| e.target_type.as_deref() == Some("patient"))
        .filter_map(|e| e.target_id.as_deref().and_then(|t| Uuid::parse_str(t).ok()))
        .collect();
    page.patients = store::patient_labels(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(Json(page))
}

fn download(format: Format, log: &str, rows: usize, body: Vec<u8>) -> Response {
    let stamp = crate::clock::now_jst();
    let filename = format!(
        "karte-{log}-log-{:04}{:02}{:02}-{:02}{:02}{:02}.{}",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second(),
        format.extension()
    );
    let truncated = if rows as i64 >= MAX_EXPORT {
        "true"
    } else {
        "false"
    };
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (
                header::HeaderName::from_static("x-karte-rows"),
                rows.to_string(),
            ),
            (
                header::HeaderName::from_static("x-karte-truncated"),
                truncated.to_string(),
            ),
        ],
        body,
    )
        .into_response()
}

/// The export is itself audited, in the same transaction that reads what it exports.
async fn export_access(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Response> {
    user.require(Permission::ViewLogs)?;
    let filter = q.access_filter()?;
    let format = q.format()?;
    state.access_log.flush().await;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = store::search_access(&mut tx, &filter, MAX_EXPORT).await?;
    let event = AuditEvent::success(action::LOG_EXPORT)
        .detail("log", "access")
        .detail("format", format.code())
        .detail("rows", rows.len());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok(download(
        format,
        "access",
        rows.len(),
        export::access(&rows, format),
    ))
}

async fn export_audit(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Response> {
    user.require(Permission::ViewLogs)?;
    let filter = q.audit_filter()?;
    let format = q.format()?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let rows = store::search_audit(&mut tx, &filter, MAX_EXPORT).await?;
    let event = AuditEvent::success(action::LOG_EXPORT)
        .detail("log", "audit")
        .detail("format", format.code())
        .detail("rows", rows.len());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok(download(
        format,
        "audit",
        rows.len(),
        export::audit(&rows, format),
    ))
}

/// Verifies the institution's two chains and records that it did.
async fn verify_logs(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
) -> ApiResult<Json<Vec<ChainStatus>>> {
    user.require(Permission::ViewLogs)?;
    state.access_log.flush().await;
    let reports = verify::verify_tenant(&state.db, user.ctx().tenant_id()).await?;
    let all_ok = reports.iter().all(|r| r.broken.is_none());
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let event = if all_ok {
        AuditEvent::success(action::LOG_VERIFY)
    } else {
        AuditEvent::failure(action::LOG_VERIFY)
    };
    audit::record(
        &mut tx,
        &Actor::of(user.ctx(), &ip),
        event.detail("ok", all_ok),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(
        reports
            .into_iter()
            .map(|r| ChainStatus {
                log: r.log.to_string(),
                rows: r.rows,
                archived_through_seq: r.archived_through_seq,
                ok: r.broken.is_none(),
                broken_at_seq: r.broken.as_ref().map(|b| b.seq),
                problem: r.broken.as_ref().map(|b| {
                    serde_json::to_value(b.problem)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                }),
                message: r
                    .broken
                    .as_ref()
                    .map(|b| b.problem.message_ja().to_string()),
            })
            .collect(),
    ))
}
