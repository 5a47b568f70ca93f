//! Month-end claims (レセプト). The browser builds the month's claims with the shared code from
//! what `GET /claims/{month}` returns and shows them with their checks; filing builds them again
//! here, from the server's own records, refuses a month with errors or one that differs from
//! what the clerk saw, and stores exactly the claims and the UKE files it filed. A filing is
//! never changed: filing the month again is a new version with its reason.

use super::Routes;
use crate::auth::{ActiveUser, PatientPath};
use crate::db::{claims, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiJson;
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Json;
use shared::api::claims::{
    claims_digest, ClaimNote, FileMonth, FiledClaim, FilingDetail, MonthClaimsContext, MonthTotals,
    ReturnClaim, SaveClaimNote,
};
use shared::api::{ErrorCode, FieldError};
use shared::claims::month::{
    billing_month_of, parse_month, uke_files, valid_search_number, Claim, ClaimNoteBody, Payer,
};
use shared::claims::uke::UkeMonth;
use shared::domain::Permission;
use shared::ids::{ClaimNoteId, FilingId};

pub fn router() -> Routes {
    Routes::new()
        .route("/claims/{month}", get(month_context))
        .route("/claims/{month}/file", post(file_month))
        .route("/claims/filings/{filing_id}", get(filing_detail))
        .route("/claims/filings/{filing_id}/uke/{payer}", get(download))
        .route("/claims/filings/{filing_id}/returns", post(return_claim))
        .route(
            "/patients/{patient_id}/claim-notes/{month}",
            get(claim_notes).post(save_claim_note),
        )
}

/// 症状詳記 and コメント are written by the front desk (医事) and by doctors.
fn require_note_writer(user: &ActiveUser) -> ApiResult<()> {
    user.require(Permission::FrontDesk)
        .or_else(|_| user.require(Permission::Diagnose))
}

/// Every 症状詳記・コメント of the patient's claim of the month, retracted ones included (the
/// claim carries only the others).
async fn claim_notes(
    State(state): State<AppState>,
    patient: PatientPath,
    Path((_, raw)): Path<(String, String)>,
) -> ApiResult<Json<Vec<ClaimNote>>> {
    require_note_writer(patient.user())?;
    let month = month(&raw)?;
    let (mut tx, row) = patient.open(&state.db).await?;
    let start = claims::bounds(month)
        .map(|b| b.0)
        .ok_or_else(|| ApiError::invalid("month", "診療年月は YYYY-MM の形で指定してください"))?;
    let notes = claims::notes_of(&mut tx, row.patient_id, start, true).await?;
    tx.commit().await?;
    Ok(Json(notes))
}

async fn save_claim_note(
    State(state): State<AppState>,
    patient: PatientPath,
    ip: ClientIp,
    Path((_, raw)): Path<(String, String)>,
    ApiJson(body): ApiJson<SaveClaimNote>,
) -> ApiResult<(StatusCode, Json<ClaimNote>)> {
    require_note_writer(patient.user())?;
    patient.id()?;
    let month = month(&raw)?;
    let errors = body.validate();
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let (start, end) = claims::bounds(month)
        .ok_or_else(|| ApiError::invalid("month", "診療年月は YYYY-MM の形で指定してください"))?;
    let (mut tx, row) = patient.open(&state.db).await?;
    let (id, version, previous) = match body.note_id {
        None => (ClaimNoteId(uuid::Uuid::new_v4()), 1, None),
        Some(id) => {
            let current = claims::note(&mut tx, id)
                .await?
                .filter(|n| n.patient_id == row.patient_id && n.month == month)
                .ok_or(ApiError::code(ErrorCode::NotFound))?;
            if current.version != body.base_version {
                return Err(ApiError::stale(
                    "base_version",
                    "この記載は他の人が更新しました。最新の内容を確かめてください",
                ));
            }
            (id, current.version + 1, Some(current.body))
        }
    };
    // A retraction keeps the body as it was (whatever the request or the master says now).
    if let (ClaimNoteBody::Comment { code, .. }, false) = (&body.body, body.retracted) {
        let found = claims::rows_in_force(
            &mut tx,
            shared::masters::MasterKind::Comment,
            &[end, start],
            std::slice::from_ref(code),
        )
        .await?;
        if found.is_empty() {
            return Err(ApiError::invalid(
                "body.code",
                "この月に有効なコメントコードではありません（コメントマスター）",
            ));
        }
    }
    let reason = body.reason.trim();
    let stored = match (body.retracted, previous) {
        (true, Some(previous)) => previous,
        _ => body.body.clone(),
    };
    let saved = claims::insert_note(
        &mut tx,
        id,
        version,
        row.patient_id,
        start,
        &stored,
        body.retracted,
        reason,
        patient.user().ctx().user_id(),
    )
    .await?
    .ok_or_else(|| {
        ApiError::stale(
            "base_version",
            "この記載は他の人が更新しました。最新の内容を確かめてください",
        )
    })?;
    let event = AuditEvent::success(action::CLAIMS_NOTE)
        .target("claim_note", id.to_string())
        .detail("version", version)
        .detail("retracted", body.retracted);
    audit::record(&mut tx, &Actor::of(patient.user().ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// `YYYY-MM` (診療年月).
fn month(raw: &str) -> ApiResult<UkeMonth> {
    parse_month(raw)
        .ok_or_else(|| ApiError::invalid("month", "診療年月は YYYY-MM の形で指定してください"))
}

async fn month_context(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw): Path<String>,
) -> ApiResult<Json<MonthClaimsContext>> {
    user.require(Permission::FrontDesk)?;
    let month = month(&raw)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let context = claims::context(&mut tx, month).await?;
    // Many patients' records in one answer: who read which month is audited.
    let patients = context.inputs.len()
        + context.late.iter().map(|l| l.inputs.len()).sum::<usize>()
        + context.returned.len();
    let event = AuditEvent::success(action::CLAIMS_VIEW)
        .target("claims_month", month.to_string())
        .detail("patients", patients);
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok(Json(context))
}

async fn file_month(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<FileMonth>,
) -> ApiResult<(StatusCode, Json<FilingDetail>)> {
    user.require(Permission::FrontDesk)?;
    let month = month(&raw)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    let billing_month = billing_month_of(month)
        .ok_or_else(|| ApiError::invalid("month", "診療年月は YYYY-MM の形で指定してください"))?;
    let first_day = claims::bounds(month).map(|b| b.0);
    if first_day.is_none_or(|d| d > crate::clock::today_jst()) {
        return Err(ApiError::invalid(
            "month",
            "まだ始まっていない月は請求できません",
        ));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    claims::lock_filings(&mut tx).await?;
    let context = claims::context(&mut tx, month).await?;
    let unreadable = context.unreadable().count();
    if unreadable > 0 {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "claims",
            "unreadable",
            format!(
                "読み込めない会計が{unreadable}件あります。点検の一覧から会計を開き、確定し直してから請求してください"
            ),
        )]));
    }
    let mut built: Vec<Claim> = context.build();
    if built.is_empty() {
        return Err(ApiError::invalid(
            "month",
            "この月に確定した会計がありません",
        ));
    }
    let with_errors = built.iter().filter(|c| c.has_errors()).count();
    if with_errors > 0 {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "claims",
            "errors",
            format!(
                "点検でエラーのあるレセプトが{with_errors}件あります。直してから請求してください"
            ),
        )]));
    }
    if MonthTotals::of(&built) != body.expected
        || (!body.digest.is_empty() && claims_digest(&built) != body.digest)
    {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "expected",
            "changed",
            "画面の表示のあとで会計が変わりました。レセプトを作り直して確認してください",
        )]));
    }
    let version = claims::next_version(&mut tx, month).await?;
    if version > 1 && reason.is_empty() {
        return Err(ApiError::invalid(
            "reason",
            "この月は請求済みです。再請求の理由を入力してください",
        ));
    }
    let files = uke_files(&context.institution, billing_month, &mut built);
    let problems: Vec<String> = files
        .iter()
        .flat_map(|(_, f)| f.check())
        .map(|p| p.message_ja())
        .take(5)
        .collect();
    if !problems.is_empty() {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "claims",
            "format",
            format!(
                "UKE ファイルの記録条件に合わない項目があります: {}",
                problems.join(" / ")
            ),
        )]));
    }
    let bytes: Vec<(Payer, Vec<u8>)> = files.iter().map(|(p, f)| (*p, f.to_bytes())).collect();
    let new = claims::NewFiling {
        service_month: month,
        billing_month,
        claims: &built,
        files: &bytes,
        reason: &reason,
        author: user.ctx().user_id(),
    };
    let Some(id) = claims::insert_filing(&mut tx, &new, version).await? else {
        return Err(ApiError::stale(
            "version",
            "同時に請求が行われました。画面を更新してください",
        ));
    };
    let totals = MonthTotals::of(&built);
    let event = AuditEvent::success(action::CLAIMS_FILE)
        .target("claim_filing", id)
        .detail("month", month.to_string())
        .detail("version", version)
        .detail("claims", totals.claims)
        .detail("points", totals.points);
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let detail = detail(&mut tx, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

async fn detail(tx: &mut TenantTx, id: FilingId) -> ApiResult<FilingDetail> {
    let (summary, filed) = claims::filing(tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let bill_ids: Vec<_> = filed
        .iter()
        .flat_map(|c| c.bills.iter().map(|b| b.bill_id))
        .collect();
    let current = claims::current_bill_versions(tx, &bill_ids).await?;
    let mut returns = claims::returns_of(tx, id).await?;
    let claims = filed
        .into_iter()
        .map(|claim| {
            let number = i32::try_from(claim.records.re.claim_number).unwrap_or(i32::MAX);
            let returned = returns.remove(&(claim.payer.code().to_string(), number));
            let changed_bills = claim
                .bills
                .iter()
                .filter(|b| current.get(&b.bill_id).is_some_and(|v| *v != b.version))
                .map(|b| b.bill_id)
                .collect();
            FiledClaim {
                claim,
                changed_bills,
                returned,
            }
        })
        .collect();
    Ok(FilingDetail { summary, claims })
}

async fn filing_detail(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw): Path<String>,
) -> ApiResult<Json<FilingDetail>> {
    user.require(Permission::FrontDesk)?;
    let id = crate::http::id_or_not_found::<FilingId>(&raw)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let detail = detail(&mut tx, id).await?;
    let event = AuditEvent::success(action::CLAIMS_VIEW)
        .target("claim_filing", id)
        .detail("patients", detail.claims.len());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

async fn download(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path((raw, payer)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    user.require(Permission::FrontDesk)?;
    let id = crate::http::id_or_not_found::<FilingId>(&raw)?;
    let payer = match payer.as_str() {
        "1" => Payer::Fund,
        "2" => Payer::Kokuho,
        _ => return Err(ApiError::code(ErrorCode::NotFound)),
    };
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let bytes = claims::file_bytes(&mut tx, id, payer)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let event = AuditEvent::success(action::CLAIMS_DOWNLOAD)
        .target("claim_filing", id)
        .detail("payer", payer.code())
        .detail("bytes", bytes.len());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    tx.commit().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"RECEIPTC.UKE\"".to_string(),
            ),
        ],
        bytes,
    ))
}

/// 返戻: the clerk records that a filed claim came back, with the reason and its 検索番号; the
/// claim is then offered with the next month's filing, built from the bills as they are by then
/// (after the correction), with its original 診療年月.
async fn return_claim(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ReturnClaim>,
) -> ApiResult<(StatusCode, Json<FilingDetail>)> {
    user.require(Permission::FrontDesk)?;
    let id = crate::http::id_or_not_found::<FilingId>(&raw)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "返戻の理由を入力してください"));
    }
    if !valid_search_number(&body.search_number) {
        return Err(ApiError::invalid(
            "search_number",
            "検索番号は返戻の通知にある17〜30桁の数字です",
        ));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    claims::lock_filings(&mut tx).await?;
    let (_, filed) = claims::filing(&mut tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let Some(claim) = filed
        .iter()
        .find(|c| c.payer == body.payer && c.records.re.claim_number == body.claim_number)
    else {
        return Err(ApiError::invalid(
            "claim_number",
            "この請求にそのレセプト番号のレセプトはありません",
        ));
    };
    let new = claims::NewReturn {
        filing: id,
        claim,
        search_number: &body.search_number,
        reason: &reason,
        author: user.ctx().user_id(),
    };
    let Some(return_id) = claims::insert_return(&mut tx, &new).await? else {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "claim_number",
            "returned",
            "このレセプトは返戻として記録済みです",
        )]));
    };
    let event = AuditEvent::success(action::CLAIMS_RETURN)
        .target("claim_return", return_id)
        .detail("filing_id", id.to_string())
        .detail("payer", body.payer.code())
        .detail("claim_number", body.claim_number)
        .detail("patient_id", claim.patient_id.to_string());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let detail = detail(&mut tx, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(detail)))
}
