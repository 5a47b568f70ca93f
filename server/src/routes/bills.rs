//! 会計: the bill of a visit. The browser prices while the clerk types (the shared engine in
//! WASM, with master rows from `/masters/rows`); on finalising, the server prices the same visit
//! again with the same engine, from its own records of the institution's settings, the
//! patient's 負担割合 and the month's earlier bills, and stores exactly what it computed. A
//! result different from what the clerk saw is refused (409) rather than stored. Corrections
//! are new versions with a reason; nothing is overwritten.

use super::Routes;
use crate::auth::ActiveUser;
use crate::db::{billing, bills, masters, orders, patients, reception, TenantTx};
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiQuery};
use crate::logs::audit::{self, action, Actor, AuditEvent, ClientIp};
use crate::logs::AccessNote;
use crate::services::coverage;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use serde::Deserialize;
use shared::api::billing::{
    BillContext, BillVersion, FinalizeBill, MasterHit, MasterRows, MasterRowsRequest,
    MAX_MASTER_CODES,
};
use shared::api::{ErrorCode, FieldError};
use shared::billing::{Burden, Visit};
use shared::domain::japanese::{format_date, parse_date};
use shared::domain::Permission;
use shared::ids::{PatientId, ReceptionId};
use shared::masters::MasterKind;
use time::Date;

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/receptions/{reception_id}/bill",
            get(bill_context).post(finalize_bill),
        )
        .route(
            "/receptions/{reception_id}/bill/versions/{version}/{document}",
            get(bill_print),
        )
        .route("/masters/rows", post(master_rows))
        .route("/masters/search", get(search_masters))
        // Public data, large, fetched once per revision: compressed (no secret in it).
        .route(
            "/masters/catalog",
            get(master_catalog).layer(tower_http::compression::CompressionLayer::new()),
        )
}

/// The visit of `raw`, with its patient: (patient, date, 診療科, status, version).
async fn visit_of(
    tx: &mut TenantTx,
    raw: &str,
) -> ApiResult<(ReceptionId, PatientId, Date, String, String, i32)> {
    let id = crate::http::id_or_not_found::<ReceptionId>(raw)?;
    let (patient, date, department, status, version) = reception::find(tx, id)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    Ok((id, patient, date, department, status, version))
}

/// The visit's 保険組合せ as 会計 applies it ([`coverage::of_visit`]), with each applied 公費's
/// payments this month (its 上限額 spans the month's visits).
struct Priced {
    cover: coverage::VisitCoverage,
    first: Option<shared::billing::PublicExpense>,
    additional: Vec<shared::billing::PublicExpense>,
}

async fn visit_coverage(
    tx: &mut TenantTx,
    patient: PatientId,
    birth: Date,
    date: Date,
    reception: ReceptionId,
) -> ApiResult<Priced> {
    use shared::domain::insurance::PublicPayerNumber;
    let cover = coverage::of_visit(tx, patient, birth, date, Some(reception)).await?;
    let mut applied = Vec::with_capacity(cover.applied.len());
    for row in &cover.applied {
        let paid =
            bills::paid_under_public(tx, patient, date, reception, &row.payer_number).await?;
        applied.push(shared::billing::PublicExpense {
            payer_number: PublicPayerNumber::parse(&row.payer_number).ok(),
            patient_tenths: row.patient_tenths.unwrap_or(0),
            monthly_cap: row.monthly_cap.map(|c| shared::billing::Yen(i64::from(c))),
            paid_this_month: shared::billing::Yen(paid),
            sections: Vec::new(),
        });
    }
    let additional = applied.split_off(applied.len().min(1));
    Ok(Priced {
        cover,
        first: applied.pop(),
        additional,
    })
}

async fn bill_context(
    State(state): State<AppState>,
    user: ActiveUser,
    note: AccessNote,
    Path(raw): Path<String>,
) -> ApiResult<Json<BillContext>> {
    user.require(Permission::FrontDesk)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (id, patient, date, department, _, reception_version) = visit_of(&mut tx, &raw).await?;
    note.set_patient(patient);
    let p = patients::find(&mut tx, patient)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    let cover = visit_coverage(&mut tx, patient, p.birth_date, date, id).await?;
    let settings = billing::on(&mut tx, date).await?;
    let month_history = bills::month_history(&mut tx, patient, date, id).await?;
    let earlier = bills::earlier_visit(&mut tx, patient, id, date).await?;
    let versions = bills::for_reception(&mut tx, id).await?;
    // The 保険組合せ changed after the bill was finalised: it needs a 訂正 to follow.
    let coverage_differs = versions.rows.first().is_some_and(|b| {
        let mut billed: Vec<&str> = b.bill.public_payers().collect();
        let mut now: Vec<&str> = cover
            .cover
            .applied
            .iter()
            .map(|p| p.payer_number.as_str())
            .collect();
        billed.sort_unstable();
        now.sort_unstable();
        billed != now
            || matches!(b.bill.visit.burden, Burden::PublicOnly) != cover.cover.insurance.is_none()
    });
    let heads = orders::reception_orders(&mut tx, id).await?;
    let order_details = orders::details(&mut tx, &heads).await?;
    tx.commit().await?;
    Ok(Json(BillContext {
        reception_id: id,
        patient_id: patient,
        patient_number: p.patient_number,
        patient_name: p.name,
        patient_kana: p.kana,
        birth_date: format_date(p.birth_date),
        service_date: format_date(date),
        department,
        burden_tenths: cover.cover.insurance.as_ref().map(|i| i.burden_tenths),
        insurer_number: cover
            .cover
            .insurance
            .as_ref()
            .map(|i| i.insurer_number.clone()),
        settings: settings.map(|s| s.detail()),
        month_history,
        first_visit: earlier.is_none(),
        earlier_visit: earlier.map(|(day, department)| shared::api::billing::EarlierVisit {
            date: format_date(day),
            department,
        }),
        bills: versions.rows.iter().map(bills::BillRow::detail).collect(),
        unreadable_versions: versions.unreadable,
        public_expense: cover.first,
        additional_public_expenses: cover.additional,
        public_not_applied: cover.cover.not_applied,
        public_not_chosen: cover.cover.not_chosen,
        coverage: Some(cover.cover.coverage),
        coverage_label: cover.cover.label,
        coverage_problem: cover.cover.problem,
        reception_version,
        coverage_differs,
        orders: order_details,
    }))
}

/// The 領収証 (`receipt.pdf`) or 明細書 (`statement.pdf`) of a finalised bill version as PDF:
/// made from the stored version the first time it is asked for and kept in both file stores;
/// every GET is a numbered output in the audit log (a reprint after the first).
async fn bill_print(
    State(state): State<AppState>,
    method: axum::http::Method,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path((raw, version, document)): Path<(String, String, String)>,
) -> ApiResult<axum::response::Response> {
    use crate::db::prints::PrintKind;
    use crate::services::prints;
    user.require(Permission::FrontDesk)?;
    let kind = match document.as_str() {
        "receipt.pdf" => PrintKind::Receipt,
        "statement.pdf" => PrintKind::Statement,
        _ => return Err(ApiError::code(ErrorCode::NotFound)),
    };
    let version: i32 = crate::http::id_or_not_found(&version)?;
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (id, patient, date, department, _, _) = visit_of(&mut tx, &raw).await?;
    note.set_patient(patient);
    let bill = bills::for_reception(&mut tx, id)
        .await?
        .rows
        .into_iter()
        .find(|b| b.version == version)
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    tx.commit().await?;
    let source = prints::Source {
        kind,
        key: format!("bill:{}:{}", bill.bill_id, bill.version),
        patient,
    };
    let ctx = user.ctx();
    prints::hand_out_source(
        &state.db,
        &state.files,
        state.fonts.as_deref(),
        ctx,
        &ip,
        &note,
        &source,
        method == axum::http::Method::GET,
        || async {
            let mut tx = TenantTx::begin(&state.db, ctx).await?;
            let p = patients::find(&mut tx, patient)
                .await?
                .ok_or(ApiError::code(ErrorCode::NotFound))?;
            let insurer = bills::insurer_of(&mut tx, bill.bill_id, bill.version).await?;
            let institution = crate::db::institutions::current(&mut tx).await?.name;
            let address = crate::db::institutions::profile(&mut tx).await?.address;
            tx.commit().await?;
            let mut data = shared::print::ReceiptData::new(
                &institution,
                shared::print::BillPatient {
                    name: &p.name,
                    number: &p.patient_number,
                    department: &department,
                    service_date: &format_date(date),
                    insurer_number: insurer.as_deref(),
                },
                &bill.detail(),
            );
            data.institution_address = address;
            Ok(match kind {
                PrintKind::Statement => shared::print::statement_print(&data),
                _ => shared::print::receipt_print(&data),
            })
        },
    )
    .await
}

async fn finalize_bill(
    State(state): State<AppState>,
    user: ActiveUser,
    ip: ClientIp,
    note: AccessNote,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<FinalizeBill>,
) -> ApiResult<(StatusCode, Json<BillVersion>)> {
    user.require(Permission::FrontDesk)?;
    let reason = shared::domain::text::reason("reason", &body.reason)?;
    if body.base_version > 0 && reason.is_empty() {
        return Err(ApiError::invalid("reason", "訂正の理由を入力してください"));
    }
    let problems = body.visit.code_problems();
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    if !(0..=10_000_000).contains(&body.paid) {
        return Err(ApiError::invalid(
            "paid",
            "領収金額は0円以上で入力してください",
        ));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    // The visit stays as read (its status, its 保険組合せ) until this bill is stored.
    reception::lock(&mut tx, crate::http::id_or_not_found::<ReceptionId>(&raw)?).await?;
    let (id, patient, date, _, status, version) = visit_of(&mut tx, &raw).await?;
    note.set_patient(patient);
    if status == "cancelled" {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "reception",
            "cancelled",
            "取り消された受付は会計できません",
        )]));
    }
    let p = patients::find(&mut tx, patient)
        .await?
        .ok_or(ApiError::code(ErrorCode::NotFound))?;
    // The server's own records decide what the clerk's screen only showed.
    let Some(settings) = billing::on(&mut tx, date).await? else {
        return Err(ApiError::invalid(
            "settings",
            "この日付に有効な算定設定（施設基準・病床数）がありません。管理者に設定を依頼してください",
        ));
    };
    // The visit's 保険組合せ and the 公費 come from the server's records, never the request.
    let public = visit_coverage(&mut tx, patient, p.birth_date, date, id).await?;
    if let Some(problem) = &public.cover.problem {
        return Err(ApiError::invalid("coverage", problem.clone()));
    }
    let insured = public
        .cover
        .insurance
        .as_ref()
        .map(|i| (i.insurance_id, i.burden_tenths));
    // Without an insurance, a 公費 alone (生活保護 …) carries the visit (公費単独).
    let burden = match (&insured, &public.first) {
        (Some((_, tenths)), _) => Burden::Tenths { tenths: *tenths },
        (None, Some(_)) => Burden::PublicOnly,
        (None, None) => {
            return Err(ApiError::invalid(
                "insurance",
                "この受診の保険組合せに有効な保険も公費もありません。保険・公費を登録し、受付の保険組合せを選んでください",
            ))
        }
    };
    // And the orders: the visit's orders as stored, which must be the ones the screen priced.
    let heads = orders::reception_orders(&mut tx, id).await?;
    let order_details = orders::details(&mut tx, &heads).await?;
    let (ordered, refs) = shared::api::billing::billed_orders(&order_details);
    let mut claimed = body.orders.clone();
    claimed.sort();
    if claimed != refs {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "orders",
            "changed",
            "オーダが変更されています。再計算してから確定してください",
        )]));
    }
    // The clerk's own entries, with the facts the server decides; then the orders after them.
    let entries = Visit {
        service_date: date,
        birth_date: p.birth_date,
        burden,
        facility: settings.facility(),
        month_history: bills::month_history(&mut tx, patient, date, id).await?,
        public_expense: public.first,
        additional_public_expenses: public.additional,
        ..body.visit
    };
    let visit = shared::domain::order::add_orders(&entries, &ordered)
        .map_err(|e| ApiError::invalid("orders", e.message_ja()))?;
    let (catalog, revision) = masters::catalog_for_tx(&mut tx, &visit)
        .await
        .map_err(|e| match e.downcast_ref::<masters::NoMastersInForce>() {
            Some(_) => ApiError::invalid(
                "masters",
                "診療日に有効な診療行為マスターがありません。管理者にマスターの取り込みを依頼してください",
            ),
            None => ApiError::Internal(e),
        })?;
    let priced = shared::billing::price_visit(&visit, &catalog)
        .map_err(|e| ApiError::invalid("visit", e.to_string()))?;
    if priced.total_points.0 != body.expected_total_points
        || priced.share.patient.0 != body.expected_patient_share
    {
        return Err(ApiError::Conflict(vec![FieldError::new(
            "priced",
            "changed",
            format!(
                "画面の計算（{}点・{}円）とサーバーの計算（{}点・{}円）が一致しません。再計算してから確定してください",
                body.expected_total_points,
                body.expected_patient_share,
                priced.total_points.0,
                priced.share.patient.0
            ),
        )]));
    }
    let new = bills::NewBill {
        reception: id,
        patient,
        visit: &visit,
        priced: &priced,
        paid: i32::try_from(body.paid).unwrap_or(i32::MAX),
        master_revision: &revision,
        reason: &reason,
        orders: &refs,
        entries: (!refs.is_empty()).then_some(&entries),
        insurance: insured.map(|(id, _)| id),
    };
    let Some((bill_id, bill_version)) =
        bills::write(&mut tx, body.base_version, &new, user.ctx().user_id()).await?
    else {
        return Err(ApiError::stale(
            "base_version",
            "他の人が先に会計を確定しました。最新の内容を確認してください",
        ));
    };
    // Paid: the visit is over.
    if status == "waiting_payment"
        && !reception::move_to(
            &mut tx,
            id,
            version,
            "done",
            "会計確定",
            user.ctx().user_id(),
        )
        .await?
    {
        return Err(ApiError::stale(
            "reception",
            "受付が他の操作で更新されました。画面を更新してください",
        ));
    }
    let event = AuditEvent::success(if bill_version == 1 {
        action::BILL_FINALIZE
    } else {
        action::BILL_CORRECT
    })
    .target("bill", bill_id)
    .detail("version", bill_version)
    .detail("patient_id", patient.to_string())
    .detail("total_points", priced.total_points.0)
    .detail("patient_share", priced.share.patient.0)
    .detail("paid", body.paid)
    .detail("master_revision", revision.clone())
    .detail("orders", refs.len());
    audit::record(&mut tx, &Actor::of(user.ctx(), &ip), event).await?;
    let rows = bills::for_reception(&mut tx, id).await?.rows;
    tx.commit().await?;
    let row = rows
        .iter()
        .find(|r| r.version == bill_version)
        .ok_or_else(|| anyhow::anyhow!("bill version just written is missing"))?;
    Ok((StatusCode::CREATED, Json(row.detail())))
}

fn service_date(raw: &str) -> ApiResult<Date> {
    parse_date(raw).ok_or_else(|| ApiError::invalid("on", "日付は YYYY-MM-DD で指定してください"))
}

/// The master rows in force on a date for the codes asked (pricing in the browser).
async fn master_rows(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiJson(body): ApiJson<MasterRowsRequest>,
) -> ApiResult<Json<MasterRows>> {
    let on = service_date(&body.on)?;
    if body.procedures.len() + body.drugs.len() + body.materials.len() > MAX_MASTER_CODES {
        return Err(ApiError::invalid(
            "codes",
            "一度に問い合わせできるコードは2,000件までです",
        ));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let mut rows = MasterRows {
        on: format_date(on),
        ..MasterRows::default()
    };
    for (kind, codes, out) in [
        (
            MasterKind::Procedure,
            &body.procedures,
            &mut rows.procedures,
        ),
        (MasterKind::Drug, &body.drugs, &mut rows.drugs),
        (MasterKind::Material, &body.materials, &mut rows.materials),
    ] {
        if !codes.is_empty() {
            // Procedures come with the rows of the 年齢加算 codes they name (乳幼児加算), which
            // the engine may add.
            *out = if kind == MasterKind::Procedure {
                masters::procedure_rows_with_additions_tx(&mut tx, on, codes).await?
            } else {
                masters::rows_on_tx(&mut tx, kind, on, codes).await?
            };
        }
    }
    rows.revision = masters::revision_tx(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(rows))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: String,
    /// `YYYY-MM-DD`: only codes in force that day.
    on: String,
    /// `procedure`, `drug`, `material`; all three when absent.
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogQuery {
    /// `procedure`, `drug`, `material`, `disease` or `modifier`.
    kind: String,
    /// The newest import the app already has (0: none).
    #[serde(default)]
    since: i32,
}

/// The app's copy of a master for searching as you type: every version added after the
/// import the app has (`since`), so an update is a difference, never the whole master again.
async fn master_catalog(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiQuery(q): ApiQuery<CatalogQuery>,
) -> ApiResult<Json<shared::api::billing::MasterCatalog>> {
    let Some(kind) = master_kind(&q.kind) else {
        return Err(ApiError::invalid(
            "kind",
            "kind は procedure, drug, material, disease, modifier のいずれかです",
        ));
    };
    if q.since < 0 {
        return Err(ApiError::invalid("since", "since は0以上です"));
    }
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let (seq, rows) = masters::catalog_since_tx(&mut tx, kind, q.since).await?;
    tx.commit().await?;
    Ok(Json(shared::api::billing::MasterCatalog {
        kind: q.kind,
        since: q.since,
        seq,
        rows,
    }))
}

/// Codes that match the query in force on the date, by the app's own rule over the same rows
/// (`shared::api::billing::search_catalog`): the pickers' fallback when the app has no copy of
/// the master.
async fn search_masters(
    State(state): State<AppState>,
    user: ActiveUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<MasterHit>>> {
    let on = service_date(&q.on)?;
    // Kinds in the order the app's 会計 picker lists them.
    let kinds: Vec<MasterKind> = match q.kind.as_deref() {
        None | Some("") => vec![
            MasterKind::Procedure,
            MasterKind::Material,
            MasterKind::Drug,
        ],
        Some(k) => match master_kind(k) {
            Some(kind) => vec![kind],
            None => {
                return Err(ApiError::invalid(
                    "kind",
                    "kind は procedure, drug, material, disease, modifier のいずれかです",
                ))
            }
        },
    };
    let day = shared::domain::japanese::format_date(on);
    let mut tx = TenantTx::begin(&state.db, user.ctx()).await?;
    let mut hits = Vec::new();
    for kind in kinds {
        let rows = state.catalogs.rows(&mut tx, kind).await?;
        hits.extend(shared::api::billing::search_catalog(
            kind.as_str(),
            &rows,
            &day,
            &q.q,
            SEARCH_LIMIT,
        ));
    }
    tx.commit().await?;
    hits.truncate(SEARCH_LIMIT);
    Ok(Json(hits))
}

/// The most hits a search answers.
const SEARCH_LIMIT: usize = 30;

/// A master by the name the API uses (`procedure`, `drug` …).
fn master_kind(name: &str) -> Option<MasterKind> {
    Some(match name {
        "procedure" => MasterKind::Procedure,
        "drug" => MasterKind::Drug,
        "material" => MasterKind::Material,
        "disease" => MasterKind::Disease,
        "modifier" => MasterKind::Modifier,
        _ => return None,
    })
}
