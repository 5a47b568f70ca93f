//! 会計: price today's visit while the clerk types (the shared engine, in WASM, with the master
//! rows of the date of service fetched once per code), take the payment, finalise, print the
//! 領収証 and 明細書. A finalised bill is corrected by a new version with a reason.

use crate::components::field::TextField;
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::api::billing::{
    BillContext, BillVersion, FinalizeBill, ItemSet, MasterHit, MasterRowsRequest, SaveItemSet,
    SetContents,
};
use shared::billing::{
    price_visit, BillingError, Burden, Dispensing, DrugUse, ItemOrder, MaterialUse, MemoryCatalog,
    Prescription, PricedVisit, ProcedureOrder, Quantity, Rp, RpDrug, TimeCategory, Visit,
    VisitKind,
};
use shared::domain::japanese::parse_date;
use shared::masters::MasterKind;
use std::collections::{BTreeMap, BTreeSet};

/// One Rp as typed: kind, days (内服) or times (屯服), and its drugs as `code×quantity, …`.
#[derive(Debug, Clone, PartialEq)]
struct RpInput {
    kind: String,
    amount: String,
    drugs: String,
}

impl RpInput {
    fn new() -> Self {
        Self {
            kind: "internal".into(),
            amount: "7".into(),
            drugs: String::new(),
        }
    }
}

/// `620099301×3, 620009465 3` → (code, quantity) pairs (×, x, *, or a space between; full-width
/// digits accepted). `what` names the code in messages (医薬品コード, 特定器材コード).
fn parse_codes(text: &str, what: &str) -> Result<Vec<(String, Quantity)>, String> {
    text.split([',', '、', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let normal: String = part
                .chars()
                .map(|c| match c {
                    '０'..='９' => {
                        char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c)
                    }
                    '．' => '.',
                    '×' | '＊' | '*' | 'x' | 'X' | '　' => ' ',
                    c => c,
                })
                .collect();
            let mut words = normal.split_whitespace();
            let code = words.next().unwrap_or_default().to_string();
            let quantity = words.next().unwrap_or("1");
            if !shared::billing::is_master_code(&code) {
                return Err(format!("{what}は9桁の数字です: {part}"));
            }
            let quantity = Quantity::parse(quantity)
                .filter(|q| q.thousandths() > 0)
                .ok_or_else(|| format!("数量が読めません: {part}"))?;
            Ok((code, quantity))
        })
        .collect()
}

fn parse_drugs(text: &str) -> Result<Vec<RpDrug>, String> {
    Ok(parse_codes(text, "医薬品コード")?
        .into_iter()
        .map(|(code, quantity)| RpDrug {
            code,
            quantity,
            generic_name: false,
        })
        .collect())
}

/// One 注射 or 処置 as typed: the 手技 code (optional), times, drugs and materials per time.
#[derive(Debug, Clone, PartialEq)]
struct ProcInput {
    injection: bool,
    code: String,
    count: String,
    drugs: String,
    materials: String,
}

impl ProcInput {
    fn new(injection: bool) -> Self {
        Self {
            injection,
            code: String::new(),
            count: "1".into(),
            drugs: String::new(),
            materials: String::new(),
        }
    }

    fn order(&self, n: usize) -> Result<ProcedureOrder, String> {
        let label = format!("{}{}", if self.injection { "注射" } else { "処置" }, n);
        let code: String = self.code.chars().filter(|c| !c.is_whitespace()).collect();
        if !code.is_empty() && !shared::billing::is_master_code(&code) {
            return Err(format!("{label}: 診療行為コードは9桁の数字です"));
        }
        Ok(ProcedureOrder {
            code: (!code.is_empty()).then_some(code),
            count: positive(&self.count, &format!("{label} の回数"))?,
            drugs: parse_codes(&self.drugs, "医薬品コード")
                .map_err(|e| format!("{label}: {e}"))?
                .into_iter()
                .map(|(code, quantity)| DrugUse { code, quantity })
                .collect(),
            materials: parse_codes(&self.materials, "特定器材コード")
                .map_err(|e| format!("{label}: {e}"))?
                .into_iter()
                .map(|(code, quantity)| MaterialUse { code, quantity })
                .collect(),
        })
    }

    fn of(order: &ProcedureOrder, injection: bool) -> Self {
        let list = |pairs: Vec<(String, Quantity)>| {
            pairs
                .iter()
                .map(|(c, q)| format!("{c}×{q}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Self {
            injection,
            code: order.code.clone().unwrap_or_default(),
            count: order.count.to_string(),
            drugs: list(
                order
                    .drugs
                    .iter()
                    .map(|d| (d.code.clone(), d.quantity))
                    .collect(),
            ),
            materials: list(
                order
                    .materials
                    .iter()
                    .map(|m| (m.code.clone(), m.quantity))
                    .collect(),
            ),
        }
    }
}

fn positive(text: &str, what: &str) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{what}は1以上の数で入力してください"))
}

/// The clerk's form, everything the visit is made of.
#[derive(Debug, Clone, PartialEq)]
struct Form {
    kind: VisitKind,
    time: TimeCategory,
    management: bool,
    /// 診療情報 obtained by 電子資格確認 (マイナ保険証) or from another 保険医療機関.
    electronic_qualification: bool,
    items: Vec<(String, u32)>,
    dispensing: Dispensing,
    rps: Vec<RpInput>,
    specific_disease: bool,
    /// 注射 and 処置, in entry order.
    procedures: Vec<ProcInput>,
}

fn build_visit(ctx: &BillContext, form: &Form) -> Result<Visit, String> {
    let service_date = parse_date(&ctx.service_date).ok_or("診療日が読めません")?;
    let birth_date = parse_date(&ctx.birth_date).ok_or("生年月日が読めません")?;
    let tenths = ctx
        .burden_tenths
        .ok_or("診療日に有効な保険がありません。患者の保険を登録してください")?;
    let settings = ctx
        .settings
        .as_ref()
        .ok_or("算定設定（施設基準・病床数）がありません。管理者が設定してください")?;
    let mut rps = Vec::new();
    for (i, rp) in form.rps.iter().enumerate() {
        let drugs = parse_drugs(&rp.drugs).map_err(|e| format!("Rp{}: {e}", i + 1))?;
        if drugs.is_empty() {
            continue;
        }
        rps.push(match rp.kind.as_str() {
            "as_needed" => Rp::AsNeeded {
                times: positive(&rp.amount, &format!("Rp{} の回数", i + 1))?,
                drugs,
            },
            "external" => Rp::External { drugs },
            _ => Rp::Internal {
                days: positive(&rp.amount, &format!("Rp{} の日数", i + 1))?,
                temporary: false,
                drugs,
            },
        });
    }
    Ok(Visit {
        service_date,
        birth_date,
        burden: Burden::Tenths { tenths },
        public_expense: ctx.public_expense.clone(),
        additional_public_expenses: ctx.additional_public_expenses.clone(),
        kind: form.kind,
        time: form.time,
        facility: shared::api::billing::facility(
            settings.institution_type,
            settings.general_beds,
            settings.standards,
        ),
        electronic_qualification: form.electronic_qualification,
        outpatient_management: form.management && form.kind == VisitKind::Revisit,
        items: form
            .items
            .iter()
            .map(|(code, count)| ItemOrder {
                code: code.clone(),
                count: *count,
            })
            .collect(),
        prescription: (!rps.is_empty()).then_some(Prescription {
            dispensing: form.dispensing,
            rps,
            specific_disease: form.specific_disease,
        }),
        injections: orders(&form.procedures, true)?,
        treatments: orders(&form.procedures, false)?,
        month_history: ctx.month_history.clone(),
    })
}

fn orders(procedures: &[ProcInput], injection: bool) -> Result<Vec<ProcedureOrder>, String> {
    procedures
        .iter()
        .filter(|p| p.injection == injection)
        .enumerate()
        .map(|(i, p)| p.order(i + 1))
        .collect()
}

fn rp_input(rp: &Rp) -> RpInput {
    let (kind, amount) = match rp {
        Rp::Internal { days, .. } => ("internal", days.to_string()),
        Rp::AsNeeded { times, .. } => ("as_needed", times.to_string()),
        Rp::External { .. } => ("external", String::new()),
    };
    RpInput {
        kind: kind.into(),
        amount,
        drugs: rp
            .drugs()
            .iter()
            .map(|d| format!("{}×{}", d.code, d.quantity))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Adds a セット's contents to the form.
fn apply_set(form: &mut Form, set: &SetContents) {
    form.items
        .extend(set.items.iter().map(|i| (i.code.clone(), i.count)));
    form.rps.extend(set.rps.iter().map(rp_input));
    form.procedures
        .extend(set.injections.iter().map(|o| ProcInput::of(o, true)));
    form.procedures
        .extend(set.treatments.iter().map(|o| ProcInput::of(o, false)));
}

/// The form's entries as a セット (what the visit would be without the patient and the date).
fn set_of(visit: &Visit) -> SetContents {
    SetContents {
        items: visit.items.clone(),
        rps: visit
            .prescription
            .as_ref()
            .map(|p| p.rps.clone())
            .unwrap_or_default(),
        injections: visit.injections.clone(),
        treatments: visit.treatments.clone(),
    }
}

/// The form a stored version was made from (for a correction).
fn form_of(visit: &Visit) -> Form {
    Form {
        kind: visit.kind,
        time: visit.time,
        management: visit.outpatient_management,
        electronic_qualification: visit.electronic_qualification,
        items: visit
            .items
            .iter()
            .map(|i| (i.code.clone(), i.count))
            .collect(),
        dispensing: visit
            .prescription
            .as_ref()
            .map_or(Dispensing::Outside, |p| p.dispensing),
        rps: visit
            .prescription
            .iter()
            .flat_map(|p| p.rps.iter())
            .map(rp_input)
            .collect(),
        specific_disease: visit
            .prescription
            .as_ref()
            .is_some_and(|p| p.specific_disease),
        procedures: visit
            .injections
            .iter()
            .map(|o| ProcInput::of(o, true))
            .chain(visit.treatments.iter().map(|o| ProcInput::of(o, false)))
            .collect(),
    }
}

/// Master rows fetched so far for this date, and the codes asked for (found or not).
#[derive(Debug, Clone, Default, PartialEq)]
struct Rows {
    asked: BTreeSet<(u8, String)>,
    rows: BTreeMap<(u8, String), Vec<String>>,
}

fn kind_key(kind: MasterKind) -> u8 {
    match kind {
        MasterKind::Procedure => 0,
        MasterKind::Drug => 1,
        _ => 2,
    }
}

fn yen(n: i64) -> String {
    format!("{}円", shared::billing::thousands(n))
}

/// What the 領収証 and 明細書 of a stored version print.
fn receipt_data(
    ctx: &BillContext,
    bill: &BillVersion,
    institution: &str,
) -> crate::components::receipt::ReceiptData {
    crate::components::receipt::ReceiptData {
        institution_name: institution.to_string(),
        institution_address: String::new(),
        patient_name: ctx.patient_name.clone(),
        patient_number: ctx.patient_number.clone(),
        department: ctx.department.clone(),
        service_date: ctx.service_date.clone(),
        insurance: ctx
            .insurer_number
            .as_ref()
            .map(|n| format!("保険者番号 {n}"))
            .unwrap_or_default(),
        priced: bill.priced.clone(),
        non_insured: Vec::new(),
        paid: bill.paid,
        issued_on: crate::format::jst(&bill.created_at)
            .get(..10)
            .unwrap_or("")
            .to_string(),
        receipt_number: format!("{}-{}", bill.bill_id.get(..8).unwrap_or(""), bill.version),
    }
}

#[component]
pub fn BillPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let reception = move || params.with(|p| p.get("reception_id").unwrap_or_default());
    let context = RwSignal::new(None::<BillContext>);
    let load_error = RwSignal::new(None::<String>);
    // The local copies of the masters the picker searches load in the background.
    spawn_local(async {
        for kind in ["procedure", "material", "drug"] {
            crate::masters_cache::ensure(kind).await;
        }
    });
    let form = RwSignal::new(None::<Form>);
    let rows = RwSignal::new(Rows::default());
    let paid = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let correcting = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let new_item = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<MasterHit>::new());
    let sets = RwSignal::new(Vec::<ItemSet>::new());
    let set_name = RwSignal::new(String::new());
    let load_sets = move || {
        spawn_local(async move {
            match crate::api::billing::sets().await {
                Ok(list) => sets.set(list),
                Err(f) => session.check(&f),
            }
        });
    };
    load_sets();

    let load = move || {
        let id = reception();
        spawn_local(async move {
            match crate::api::billing::context(&id).await {
                Ok(ctx) => {
                    let start = match ctx.bills.first() {
                        Some(bill) => form_of(&bill.visit),
                        None => Form {
                            kind: if ctx.first_visit {
                                VisitKind::Initial
                            } else {
                                VisitKind::Revisit
                            },
                            time: TimeCategory::Regular,
                            management: !ctx.first_visit,
                            electronic_qualification: false,
                            items: Vec::new(),
                            dispensing: if ctx
                                .settings
                                .as_ref()
                                .is_some_and(|s| s.in_house_dispensing)
                            {
                                Dispensing::InHouse
                            } else {
                                Dispensing::Outside
                            },
                            rps: Vec::new(),
                            specific_disease: false,
                            procedures: Vec::new(),
                        },
                    };
                    form.set(Some(start));
                    correcting.set(false);
                    context.set(Some(ctx));
                }
                Err(f) => {
                    session.check(&f);
                    load_error.set(Some(f.message()));
                }
            }
        });
    };
    Effect::new(move |_| {
        let _ = reception();
        load();
    });

    let visit = Memo::new(move |_| {
        let ctx = context.get()?;
        let f = form.get()?;
        Some(build_visit(&ctx, &f))
    });

    // Fetch the master rows the visit needs and does not have yet.
    Effect::new(move |_| {
        let Some(Ok(v)) = visit.get() else {
            return;
        };
        let asked = rows.with_untracked(|r| r.asked.clone());
        let missing = |kind: MasterKind, codes: Vec<String>| -> Vec<String> {
            codes
                .into_iter()
                .filter(|c| !asked.contains(&(kind_key(kind), c.clone())))
                .collect()
        };
        let request = MasterRowsRequest {
            on: shared::domain::japanese::format_date(v.service_date),
            procedures: missing(MasterKind::Procedure, v.procedure_codes()),
            drugs: missing(MasterKind::Drug, v.drug_codes()),
            materials: missing(MasterKind::Material, v.material_codes()),
        };
        if request.procedures.is_empty() && request.drugs.is_empty() && request.materials.is_empty()
        {
            return;
        }
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::billing::master_rows(&csrf, &request).await {
                Ok(answer) => rows.update(|r| {
                    for (kind, codes, found) in [
                        (
                            MasterKind::Procedure,
                            &request.procedures,
                            &answer.procedures,
                        ),
                        (MasterKind::Drug, &request.drugs, &answer.drugs),
                        (MasterKind::Material, &request.materials, &answer.materials),
                    ] {
                        let key = kind_key(kind);
                        for code in codes {
                            r.asked.insert((key, code.clone()));
                        }
                        for row in found {
                            let code = row.get(2).cloned().unwrap_or_default();
                            r.rows.insert((key, code), row.clone());
                        }
                    }
                }),
                Err(f) => {
                    session.check(&f);
                    message.set(Some(f.message()));
                }
            }
        });
    });

    // Priced in the browser as the clerk types.
    let priced = Memo::new(move |_| -> Option<Result<PricedVisit, String>> {
        let v = match visit.get()? {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        };
        let catalog = rows.with(|r| {
            let mut catalog = MemoryCatalog::new();
            for ((key, _), row) in &r.rows {
                let kind = match key {
                    0 => MasterKind::Procedure,
                    1 => MasterKind::Drug,
                    _ => MasterKind::Material,
                };
                // A row the engine cannot read is reported by the engine as unknown.
                let _ = catalog.add_fields(kind, row);
            }
            catalog
        });
        Some(price_visit(&v, &catalog).map_err(|e: BillingError| e.to_string()))
    });

    let share = move || priced.get().and_then(|p| p.ok()).map(|p| p.share.patient.0);
    let change = move || {
        let paid: i64 = paid.get().trim().replace(',', "").parse().ok()?;
        Some(paid - share()?)
    };

    let edit = move |f: &dyn Fn(&mut Form)| {
        form.update(|form| {
            if let Some(form) = form.as_mut() {
                f(form)
            }
        })
    };
    let add_item = move |code: String| {
        let code: String = code.trim().chars().filter(|c| c.is_ascii_digit()).collect();
        if code.len() == 9 {
            form.update(|f| {
                if let Some(f) = f.as_mut() {
                    f.items.push((code, 1));
                }
            });
            new_item.set(String::new());
        } else {
            message.set(Some("診療行為コードは9桁の数字です".into()));
        }
    };

    // Search the masters as the clerk types (code, name or カナ).
    Effect::new(move |_| {
        let q = query.get();
        let Some(on) = context.with(|c| c.as_ref().map(|c| c.service_date.clone())) else {
            return;
        };
        if q.trim().chars().count() < 2 {
            hits.set(Vec::new());
            return;
        }
        spawn_local(async move {
            // The local copy of the masters first (as the server orders: 診療行為, 特定器材,
            // 医薬品); the server's search while there is none.
            let found = match crate::masters_cache::search_kinds(
                &["procedure", "material", "drug"],
                &q,
                &on,
                30,
            )
            .await
            {
                Some(found) => Ok(found),
                None => crate::api::billing::search(&q, &on).await,
            };
            if let Ok(found) = found {
                if query.get_untracked() == q {
                    hits.set(found);
                }
            }
        });
    });

    let finalize = move |_| {
        let Some(Ok(v)) = visit.get_untracked() else {
            return;
        };
        let Some(Ok(p)) = priced.get_untracked() else {
            return;
        };
        let Some(ctx) = context.get_untracked() else {
            return;
        };
        let paid_yen: i64 = match paid.get_untracked().trim().replace(',', "").parse() {
            Ok(n) if n >= 0 => n,
            _ => p.share.patient.0,
        };
        let base_version = ctx.bills.first().map_or(0, |b| b.version);
        let body = FinalizeBill {
            base_version,
            visit: v,
            expected_total_points: p.total_points.0,
            expected_patient_share: p.share.patient.0,
            paid: paid_yen.min(p.share.patient.0),
            reason: reason.get_untracked(),
        };
        let csrf = session.csrf();
        let id = reception();
        saving.set(true);
        spawn_local(async move {
            match crate::api::billing::finalize(&csrf, &id, &body).await {
                Ok(bill) => {
                    message.set(Some(format!("第{}版として確定しました", bill.version)));
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    message.set(Some(f.first_message()));
                }
            }
            saving.set(false);
        });
    };

    let save_set = move |_: ()| {
        let Some(Ok(v)) = visit.get_untracked() else {
            message.set(Some("入力に誤りがあるためセットにできません".into()));
            return;
        };
        let body = SaveItemSet {
            base_version: 0,
            name: set_name.get_untracked(),
            contents: set_of(&v),
            retired: false,
        };
        if let Err(fields) = body.validate() {
            message.set(fields.first().map(|f| f.message.clone()));
            return;
        }
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::billing::save_set(&csrf, &body).await {
                Ok(set) => {
                    message.set(Some(format!("セット「{}」を保存しました", set.name)));
                    set_name.set(String::new());
                    load_sets();
                }
                Err(f) => {
                    session.check(&f);
                    message.set(Some(f.first_message()));
                }
            }
        });
    };

    let finalised = move || context.with(|c| c.as_ref().and_then(|c| c.bills.first().cloned()));
    let editing = move || finalised().is_none() || correcting.get();

    view! {
        <h1>"会計"</h1>
        <p class="form-error" role="alert">{move || load_error.get()}</p>
        {move || context.get().map(|c| view! {
            <section class="patient-banner" data-testid="bill-banner">
                <strong>{format!("{} {}（{}）", c.patient_number, c.patient_name, c.patient_kana)}</strong>
                {format!(" 生年月日 {} ／ 診療日 {} ／ {} ／ 負担割合 {}", c.birth_date, c.service_date, c.department,
                    c.burden_tenths.map(|t| format!("{t}割")).unwrap_or_else(|| "保険なし".into()))}
                <span data-testid="bill-public">{c.public_expense.iter().chain(&c.additional_public_expenses)
                    .enumerate()
                    .map(|(i, pe)| format!(
                        " ／ {}公費 {} {}割{}",
                        ["第一", "第二", "第三", "第四"].get(i).copied().unwrap_or(""),
                        pe.payer_number.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
                        pe.patient_tenths,
                        pe.monthly_cap.map(|cap| format!("（上限 月{}円、今月支払済 {}円）",
                            shared::billing::thousands(cap.0), shared::billing::thousands(pe.paid_this_month.0))).unwrap_or_default(),
                    ))
                    .collect::<String>()}</span>
            </section>
            <Show when={let n = c.public_not_applied.clone(); move || !n.is_empty()}>
                <p class="notice" data-testid="bill-public-not-applied">{format!(
                    "次の公費は会計に反映されていません（自己負担の割合が未登録、または5つ目以降の公費）: {}",
                    c.public_not_applied.join("、"))}</p>
            </Show>
        })}
        <Show when=move || finalised().is_some()>
            {move || finalised().map(|b: BillVersion| view! {
                <section class="bill-final" data-testid="bill-final">
                    <p>{format!("確定済み 第{}版（{} {}）{}", b.version, crate::format::jst(&b.created_at).get(..16).unwrap_or(""),
                        b.author.clone().unwrap_or_default(),
                        if b.reason.is_empty() { String::new() } else { format!(" 訂正理由: {}", b.reason) })}</p>
                    <Show when=move || !correcting.get()>
                        <button type="button" class="secondary" data-testid="bill-correct" on:click=move |_| correcting.set(true)>"訂正する"</button>
                        <button type="button" data-testid="bill-print" on:click=move |_| {
                            if let Some(w) = web_sys::window() { let _ = w.print(); }
                        }>"領収証・明細書を印刷"</button>
                    </Show>
                </section>
            })}
            {move || {
                let ctx = context.get()?;
                let bill = ctx.bills.first()?.clone();
                let institution = session.info().map(|i| i.institution.name).unwrap_or_default();
                let data = receipt_data(&ctx, &bill, &institution);
                Some(view! {
                    <div class="print-area" data-testid="bill-documents">
                        <crate::components::receipt::Receipt data=data.clone()/>
                        <crate::components::receipt::Statement data=data/>
                    </div>
                })
            }}
        </Show>
        <Show when=editing>
            <section class="bill-editor" data-testid="bill-editor">
                <fieldset>
                    <legend>"受診"</legend>
                    <label><input type="radio" name="visit_kind" data-testid="visit-initial"
                        prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.kind == VisitKind::Initial))
                        on:change=move |_| edit(&|f| f.kind = VisitKind::Initial)/>"初診"</label>
                    <label><input type="radio" name="visit_kind" data-testid="visit-revisit"
                        prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.kind == VisitKind::Revisit))
                        on:change=move |_| edit(&|f| f.kind = VisitKind::Revisit)/>"再診"</label>
                    <label>"時間区分 "
                        <select data-testid="visit-time" on:change=move |ev| {
                            let t = match event_target_value(&ev).as_str() {
                                "out_of_hours" => TimeCategory::OutOfHours,
                                "holiday" => TimeCategory::Holiday,
                                "late_night" => TimeCategory::LateNight,
                                "night_early_morning" => TimeCategory::NightEarlyMorning,
                                _ => TimeCategory::Regular,
                            };
                            edit(&|f| f.time = t);
                        }>
                            <option value="regular">"通常"</option>
                            <option value="out_of_hours">"時間外"</option>
                            <option value="holiday">"休日"</option>
                            <option value="late_night">"深夜"</option>
                            <option value="night_early_morning">"夜間・早朝等"</option>
                        </select>
                    </label>
                    <label><input type="checkbox" data-testid="visit-management"
                        prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.management))
                        on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.management = on) }/>"外来管理加算"</label>
                    // Only where it changes the price: 医療情報取得加算 registered and a date from
                    // 2024-06-01 until it became one 1点 加算 (2024-12-01).
                    <Show when=move || context.with(|c| c.as_ref().is_some_and(|c| {
                        c.settings.as_ref().is_some_and(|s| s.standards.online_qualification)
                            && ("2024-06-01".."2024-12-01").contains(&c.service_date.as_str())
                    }))>
                        <label><input type="checkbox" data-testid="visit-electronic-qualification"
                            prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.electronic_qualification))
                            on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.electronic_qualification = on) }/>"マイナ保険証等で診療情報を取得"</label>
                    </Show>
                </fieldset>

                <fieldset>
                    <legend>"セット"</legend>
                    <div class="set-buttons" data-testid="item-sets">
                        {move || sets.get().into_iter().map(|set| {
                            let contents = set.contents.clone();
                            view! {
                                <button type="button" class="secondary" data-testid="apply-set"
                                    on:click=move |_| { let c = contents.clone(); edit(&|f| apply_set(f, &c)) }>{set.name.clone()}</button>
                            }
                        }).collect_view()}
                    </div>
                    <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save_set(()); }>
                        <TextField id="set_name" label="入力中の項目をセットとして保存（セット名）" value=set_name/>
                        <button type="submit" class="secondary" data-testid="save-set">"セットを保存"</button>
                    </form>
                </fieldset>

                <fieldset>
                    <legend>"診療行為"</legend>
                    <ul class="bill-items" data-testid="bill-items">
                        {move || form.get().map(|f| f.items.iter().enumerate().map(|(i, (code, count))| view! {
                            <li>{format!("{code} ×{count}")}
                                <button type="button" class="secondary" on:click=move |_| edit(&|f| { f.items.remove(i); })>"削除"</button>
                            </li>
                        }).collect_view())}
                    </ul>
                    <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); add_item(new_item.get_untracked()); }>
                        <TextField id="bill_item_code" label="コード（9桁）" value=new_item inputmode="numeric"/>
                        <button type="submit" data-testid="bill-add-item">"追加"</button>
                    </form>
                    <TextField id="master_query" label="マスター検索（コード・名称・カナ）" value=query/>
                    <ul class="master-hits" data-testid="master-hits">
                        {move || hits.get().into_iter().map(|h| {
                            let code = h.code.clone();
                            let kind = h.kind.clone();
                            view! {
                                <li>
                                    <button type="button" class="link" on:click=move |_| {
                                        if kind == "procedure" {
                                            add_item(code.clone());
                                        } else {
                                            let c = code.clone();
                                            edit(&|f| {
                                                if f.rps.is_empty() { f.rps.push(RpInput::new()); }
                                                if let Some(rp) = f.rps.last_mut() {
                                                    if !rp.drugs.trim().is_empty() { rp.drugs.push_str(", "); }
                                                    rp.drugs.push_str(&format!("{c}×1"));
                                                }
                                            });
                                        }
                                    }>{format!("{} {} {}{}", h.code, h.name, h.value, h.unit)}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </fieldset>

                <fieldset>
                    <legend>"投薬"</legend>
                    <label><input type="radio" name="dispensing" data-testid="rx-in-house"
                        prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.dispensing == Dispensing::InHouse))
                        on:change=move |_| edit(&|f| f.dispensing = Dispensing::InHouse)/>"院内処方"</label>
                    <label><input type="radio" name="dispensing" data-testid="rx-outside"
                        prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.dispensing == Dispensing::Outside))
                        on:change=move |_| edit(&|f| f.dispensing = Dispensing::Outside)/>"院外処方"</label>
                    <label><input type="checkbox" data-testid="rx-specific-disease"
                        prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.specific_disease))
                        on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.specific_disease = on) }/>"特定疾患処方管理"</label>
                    <ol class="rps">
                        {move || form.get().map(|f| f.rps.iter().enumerate().map(|(i, rp)| {
                            let rp = rp.clone();
                            view! {
                                <li data-testid="rp">
                                    <select data-testid=format!("rp{}-kind", i + 1) on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.rps[i].kind = v.clone()) }>
                                        <option value="internal" selected=rp.kind == "internal">"内服"</option>
                                        <option value="as_needed" selected=rp.kind == "as_needed">"屯服"</option>
                                        <option value="external" selected=rp.kind == "external">"外用"</option>
                                    </select>
                                    <input class="short" data-testid=format!("rp{}-amount", i + 1) aria-label="日数・回数" prop:value=rp.amount.clone()
                                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.rps[i].amount = v.clone()) }/>
                                    <span>{if rp.kind == "as_needed" { "回分" } else if rp.kind == "external" { "" } else { "日分" }}</span>
                                    <input class="wide" data-testid=format!("rp{}-drugs", i + 1) aria-label="医薬品コード×数量" placeholder="620099301×3, 620009465×3"
                                        prop:value=rp.drugs.clone()
                                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.rps[i].drugs = v.clone()) }/>
                                    <button type="button" class="secondary" on:click=move |_| edit(&|f| { f.rps.remove(i); })>"削除"</button>
                                </li>
                            }
                        }).collect_view())}
                    </ol>
                    <button type="button" class="secondary" data-testid="rp-add" on:click=move |_| edit(&|f| f.rps.push(RpInput::new()))>"Rpを追加"</button>
                </fieldset>

                <fieldset>
                    <legend>"注射・処置"</legend>
                    <ol class="rps">
                        {move || form.get().map(|f| f.procedures.iter().enumerate().map(|(i, p)| {
                            let p = p.clone();
                            view! {
                                <li data-testid="procedure">
                                    <strong>{if p.injection { "注射" } else { "処置" }}</strong>
                                    <input class="code" data-testid=format!("proc{}-code", i + 1) aria-label="手技の診療行為コード" placeholder="手技コード（任意）"
                                        prop:value=p.code.clone()
                                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.procedures[i].code = v.clone()) }/>
                                    <input class="short" data-testid=format!("proc{}-count", i + 1) aria-label="回数" prop:value=p.count.clone()
                                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.procedures[i].count = v.clone()) }/>
                                    <span>"回"</span>
                                    <input class="wide" data-testid=format!("proc{}-drugs", i + 1) aria-label="薬剤（医薬品コード×数量）" placeholder="薬剤 620000000×1"
                                        prop:value=p.drugs.clone()
                                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.procedures[i].drugs = v.clone()) }/>
                                    <input class="wide" data-testid=format!("proc{}-materials", i + 1) aria-label="特定器材（コード×数量）" placeholder="特定器材 700000000×1"
                                        prop:value=p.materials.clone()
                                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.procedures[i].materials = v.clone()) }/>
                                    <button type="button" class="secondary" on:click=move |_| edit(&|f| { f.procedures.remove(i); })>"削除"</button>
                                </li>
                            }
                        }).collect_view())}
                    </ol>
                    <button type="button" class="secondary" data-testid="injection-add" on:click=move |_| edit(&|f| f.procedures.push(ProcInput::new(true)))>"注射を追加"</button>
                    <button type="button" class="secondary" data-testid="treatment-add" on:click=move |_| edit(&|f| f.procedures.push(ProcInput::new(false)))>"処置を追加"</button>
                </fieldset>
            </section>
        </Show>

        <section class="bill-result" data-testid="bill-result" aria-live="polite">
            {move || match priced.get() {
                None => view! { <p>"読み込み中…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert" data-testid="bill-error">{e}</p> }.into_any(),
                Some(Ok(p)) => view! {
                    <table class="patients" data-testid="bill-lines">
                        <thead><tr><th scope="col">"部"</th><th scope="col">"コード"</th><th scope="col">"名称"</th>
                            <th scope="col">"点数"</th><th scope="col">"回数"</th><th scope="col">"計"</th><th scope="col">"算定の理由"</th></tr></thead>
                        <tbody>
                            {p.lines.iter().map(|l| view! {
                                <tr data-testid="bill-line">
                                    <td>{l.section.label_ja()}</td><td>{l.code.clone()}</td><td>{l.name.clone()}</td>
                                    <td class="num">{l.unit_points.0}</td><td class="num">{l.count}</td><td class="num">{l.points.0}</td>
                                    <td><small>{l.reason.clone()}</small></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <ul class="warnings" data-testid="bill-warnings">
                        {p.warnings.iter().map(|w| view! { <li class="warning">{w.message.clone()}</li> }).collect_view()}
                        {p.notes.iter().map(|n| view! { <li>{n.message.clone()}</li> }).collect_view()}
                    </ul>
                    <dl class="bill-totals">
                        <dt>"合計点数"</dt><dd data-testid="bill-total-points">{format!("{}点", p.total_points.0)}</dd>
                        <dt>"医療費"</dt><dd>{yen(p.medical_fee.0)}</dd>
                        <dt>"負担割合"</dt><dd>{format!("{}割", p.share.burden_tenths)}</dd>
                        <dt>"窓口負担"</dt><dd data-testid="bill-patient-share"><strong>{yen(p.share.patient.0)}</strong></dd>
                    </dl>
                }.into_any(),
            }}
        </section>

        <Show when=editing>
            <section class="bill-payment">
                <TextField id="bill_paid" label="預り金（円）" value=paid inputmode="numeric"/>
                <p data-testid="bill-change">{move || change().map(|c| if c >= 0 { format!("おつり {}", yen(c)) } else { format!("不足 {}", yen(-c)) })}</p>
                <Show when=move || finalised().is_some()>
                    <TextField id="bill_reason" label="訂正の理由" value=reason/>
                </Show>
                <button type="button" data-testid="bill-finalize"
                    disabled=move || saving.get() || !matches!(priced.get(), Some(Ok(_)))
                    on:click=finalize>{move || if finalised().is_some() { "訂正を確定" } else { "会計を確定" }}</button>
            </section>
        </Show>
        <p role="status" data-testid="bill-message">{move || message.get()}</p>
    }
}
