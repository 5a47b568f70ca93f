//! Orders (オーダ) and allergies: create, read the day's orders, draft, 確定 or amend, cancel,
//! approve a 代行入力; the Do処方 list; the allergy list and its changes.

use super::{date_param, keyset_page, parse_cursor, require_notes};
use crate::auth::{ActiveUser, PatientPath};
use crate::db::{allergies, orders, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::{id_or_not_found, ApiJson, ApiQuery};
use crate::logs::audit::ClientIp;
use crate::logs::AccessNote;
use crate::services::chart::{allergies as allergy_workflow, orders as workflow};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shared::api::orders::{
    Allergy, AllergyInput, CancelOrder, CreateOrder, DayOrders, FinalizeOrder, FrequentItems,
    IssuePrescription, OrderDetail, OrderDraft, PendingOrder, PrescriptionIssue, PrescriptionPage,
    SaveOrderDraft, FREQUENT_DAYS, FREQUENT_PER_KIND, PRESCRIPTION_PAGE_MAX,
};
use shared::api::ErrorCode;
use shared::domain::japanese::format_date;
use shared::domain::Permission;
use shared::ids::OrderId;

/// Writing orders: doctors, and clerks for 代行入力. (Nurses read them with the chart.)
fn require_orders(user: &ActiveUser) -> ApiResult<()> {
    if user.ctx().role().can(Permission::Diagnose) {
        Ok(())
    } else {
        user.require(Permission::ProxyEntry)
    }
}

pub(super) async fn create_order(
    State(state): State<AppState>,
    path: PatientPath,
    ApiJson(body): ApiJson<CreateOrder>,
) -> ApiResult<(StatusCode, Json<OrderDetail>)> {
    let user = path.user();
    require_orders(user)?;
    let visit_date = date_param("visit_date", &body.visit_date)?;
    if visit_date > crate::clock::today_jst() {
        return Err(ApiError::invalid(
            "visit_date",
            "未来の日付にはオーダできません",
        ));
    }
    let (mut tx, patient) = path.open(&state.db).await?;
    let detail = workflow::create(
        &mut tx,
        user.ctx(),
        patient.patient_id,
        body.reception_id.as_deref(),
        visit_date,
        body.kind,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DayQuery {
    date: String,
}

pub(super) async fn day_orders(
    State(state): State<AppState>,
    path: PatientPath,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> ApiResult<Json<DayOrders>> {
    require_notes(path.user())?;
    let day = date_param("date", &q.date)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let heads = orders::day_orders(&mut tx, patient.patient_id, day).await?;
    let details = orders::details(&mut tx, &heads).await?;
    tx.commit().await?;
    Ok(Json(DayOrders {
        visit_date: format_date(day),
        orders: details,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PageQuery {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

/// The Do処方 list: the patient's 確定 prescriptions, newest first, a page at a time.
pub(super) async fn prescriptions(
    State(state): State<AppState>,
    path: PatientPath,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PrescriptionPage>> {
    require_notes(path.user())?;
    let after = q
        .cursor
        .as_deref()
        .map(parse_cursor::<OrderId>)
        .transpose()?;
    let limit = q.limit.unwrap_or(20).clamp(1, PRESCRIPTION_PAGE_MAX);
    let (mut tx, patient) = path.open(&state.db).await?;
    // One more than asked tells whether there is a next page.
    let rows =
        orders::prescriptions(&mut tx, patient.patient_id, after, i64::from(limit) + 1).await?;
    tx.commit().await?;
    let (entries, next) = keyset_page(rows, limit, |e| e.order_id);
    Ok(Json(PrescriptionPage { entries, next }))
}

pub(super) async fn get_order(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<OrderDetail>> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let detail = orders::detail(&mut tx, &head).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

pub(super) async fn save_draft(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SaveOrderDraft>,
) -> ApiResult<Json<OrderDraft>> {
    require_orders(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let draft = workflow::save_draft(&mut tx, user.ctx(), &head, &body).await?;
    tx.commit().await?;
    Ok(Json(draft))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DiscardQuery {
    #[serde(deserialize_with = "shared::domain::version::non_negative_i64")]
    revision: i64,
}

pub(super) async fn discard_draft(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<DiscardQuery>,
) -> ApiResult<StatusCode> {
    require_orders(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    workflow::discard_draft(&mut tx, &head, q.revision).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn finalize_order(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<FinalizeOrder>,
) -> ApiResult<Json<OrderDetail>> {
    require_orders(&user)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let detail = workflow::finalize(&mut tx, user.ctx(), &ip, &head, &body, &reason).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

pub(super) async fn cancel_order(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<CancelOrder>,
) -> ApiResult<Json<OrderDetail>> {
    require_orders(&user)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let detail = workflow::cancel(&mut tx, user.ctx(), &ip, &head, &body, &reason).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

/// Issues (prints) the 院外処方箋 of a 確定 version; a second issue is a 再発行.
pub(super) async fn issue_prescription(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<IssuePrescription>,
) -> ApiResult<(StatusCode, Json<PrescriptionIssue>)> {
    require_orders(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let issued =
        crate::services::chart::prescriptions::issue(&mut tx, user.ctx(), &ip, &head, body.version)
            .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// The PDF of issue `issue_no` of the order's 処方箋 (様式第二号 with its 2次元シンボル, one page
/// per split): made from the issued sheet the first time it is asked for, kept in both file
/// stores; every GET is a numbered output in the audit log. A new 再発行 is a new issue.
pub(super) async fn prescription_pdf(
    State(state): State<AppState>,
    method: axum::http::Method,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path((raw, issue_no)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    use crate::db::prints::PrintKind;
    use crate::services::prints;
    require_notes(&user)?;
    let issue_no: i32 = id_or_not_found(&issue_no)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let issue = crate::db::prescriptions::issues(&mut tx, head.order_id)
        .await?
        .into_iter()
        .find(|i| i.issue_no == issue_no)
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    tx.commit().await?;
    let source = prints::Source {
        kind: PrintKind::Prescription,
        key: format!("prescription:{}:{}", head.order_id, issue_no),
        patient: head.patient_id,
    };
    prints::hand_out_source(
        &state.db,
        &state.files,
        state.fonts.as_deref(),
        user.ctx(),
        &ip,
        &note,
        &source,
        method == axum::http::Method::GET,
        || async { Ok(shared::print::prescription_print(&issue)) },
    )
    .await
}

/// Every issue of the order's 処方箋, newest first (what was printed, for a reprint or a check).
pub(super) async fn prescription_issues(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<PrescriptionIssue>>> {
    require_notes(&user)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let issued = crate::db::prescriptions::issues(&mut tx, head.order_id).await?;
    tx.commit().await?;
    Ok(Json(issued))
}

pub(super) async fn approve_order(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path((raw, version)): Path<(String, String)>,
) -> ApiResult<Json<OrderDetail>> {
    user.require(Permission::Diagnose)?;
    let version: i32 = id_or_not_found(&version)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let head = workflow::head(&mut tx, &raw, &note).await?;
    let detail = workflow::approve(&mut tx, user.ctx(), &ip, &head, version).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

pub(super) async fn pending_orders(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<Vec<PendingOrder>>> {
    user.require(Permission::Diagnose)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let pending = orders::pending_for(&mut tx, user.ctx().user_id()).await?;
    tx.commit().await?;
    Ok(Json(pending))
}

/// The codes the institution orders most (no patient data: codes and counts only).
pub(super) async fn frequent_items(
    State(state): State<AppState>,
    user: ActiveUser,
) -> ApiResult<Json<FrequentItems>> {
    require_orders(&user)?;
    let since = crate::clock::today_jst() - time::Duration::days(FREQUENT_DAYS);
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let recent = orders::recent_contents(&mut tx, since, FREQUENT_ORDERS_READ).await?;
    tx.commit().await?;
    Ok(Json(FrequentItems::count(
        format_date(since),
        &recent,
        FREQUENT_PER_KIND,
    )))
}

/// Most orders the frequent items are counted over (the newest ones of the period).
const FREQUENT_ORDERS_READ: i64 = 5_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AllergyQuery {
    /// Also the retired entries (解除).
    #[serde(default)]
    all: bool,
}

/// Everyone who sees the patient sees the allergies (the banner shows them at the front desk too).
pub(super) async fn list_allergies(
    State(state): State<AppState>,
    path: PatientPath,
    ApiQuery(q): ApiQuery<AllergyQuery>,
) -> ApiResult<Json<Vec<Allergy>>> {
    path.user().require(Permission::ReadPatients)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let list = allergies::list(&mut tx, patient.patient_id, q.all).await?;
    tx.commit().await?;
    Ok(Json(list))
}

pub(super) async fn record_allergy(
    State(state): State<AppState>,
    ip: ClientIp,
    path: PatientPath,
    ApiJson(body): ApiJson<AllergyInput>,
) -> ApiResult<(StatusCode, Json<Allergy>)> {
    let user = path.user();
    user.require(Permission::ReadChart)?;
    let (mut tx, patient) = path.open(&state.db).await?;
    let allergy =
        allergy_workflow::record(&mut tx, user.ctx(), &ip, patient.patient_id, &body).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(allergy)))
}

pub(super) async fn change_allergy(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<AllergyInput>,
) -> ApiResult<Json<Allergy>> {
    user.require(Permission::ReadChart)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let allergy = allergy_workflow::change(&mut tx, user.ctx(), &ip, &note, &raw, &body).await?;
    tx.commit().await?;
    Ok(Json(allergy))
}

pub(super) async fn allergy_history(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<Vec<Allergy>>> {
    user.require(Permission::ReadPatients)?;
    let id = id_or_not_found(&raw)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (patient, history) = allergies::history(&mut tx, id).await?;
    let patient = patient.ok_or(ApiError::code(ErrorCode::NotFound))?;
    note.set_patient(patient);
    tx.commit().await?;
    Ok(Json(history))
}
