//! 会計: price today's visit while the clerk types (the shared engine, in WASM, with the master
//! rows of the date of service fetched once per code), take the payment, finalise, print the
//! 領収証 and 明細書. A finalised bill is corrected by a new version with a reason.
//!
//! The page loads and saves; its sections show and edit: the order entry ([`order_form`]), the
//! priced result ([`result`]) and the payment ([`payment`]). What the clerk types is a plain
//! [`form::Form`], turned into the engine's `Visit` by [`form::build_visit`].

mod form;
mod order_form;
mod orders;
mod payment;
mod result;

use crate::components::print_doc::PrintDocView;
use crate::state::use_session;
use form::{build_visit, set_of, Form};
use leptos::prelude::*;
use leptos::task::spawn_local;
use order_form::OrderForm;
use payment::PaymentPanel;
use result::{BillResult, BillTotals};
use shared::api::billing::{
    BillContext, BillVersion, FinalizeBill, ItemSet, MasterHit, MasterRowsRequest, SaveItemSet,
};
use shared::billing::{price_visit, BillingError, MemoryCatalog, PricedVisit};
use shared::ids::ReceptionId;
use shared::masters::MasterKind;
use std::collections::{BTreeMap, BTreeSet};

/// Master rows fetched so far for this date, and the codes asked for (found or not).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rows {
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

use shared::print::yen;

#[component]
pub fn BillPage() -> impl IntoView {
    crate::pages::per_path_id(
        "reception_id",
        |id: ReceptionId| view! { <Bill reception=id/> },
    )
}

/// 会計 of one visit (mounted afresh for each).
#[component]
fn Bill(reception: ReceptionId) -> impl IntoView {
    let session = use_session();
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
    let orders_changed = RwSignal::new(false);
    let paid = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let correcting = RwSignal::new(false);
    // The 領収証 or 明細書 PDF open in the viewer: (bill version, document).
    let viewing = RwSignal::new(None::<(i32, &'static str)>);
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

    // The banner names the visit's patient while this page stands.
    let owner = StoredValue::new(Owner::current());
    let load = move || {
        let owner = owner.get_value();
        spawn_local(async move {
            match crate::api::billing::context(reception).await {
                Ok(ctx) => {
                    if let Some(owner) = &owner {
                        let patient = ctx.patient_id;
                        owner.with(|| crate::state::show_patient(patient, |_| {}));
                    }
                    form.set(Some(Form::start(&ctx)));
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
    load();
    // The visit's orders may change while the page is open (the doctor amends one): re-read
    // them now and then and re-price, saying so.
    let poll = set_interval_with_handle(
        move || {
            spawn_local(async move {
                let Ok(fresh) = crate::api::billing::context_background(reception).await else {
                    return;
                };
                let now = context.with_untracked(|c| c.as_ref().map(|c| c.billed_orders().1));
                if now.is_some_and(|refs| refs != fresh.billed_orders().1) {
                    context.update(|c| {
                        if let Some(c) = c.as_mut() {
                            c.orders = fresh.orders;
                        }
                    });
                    orders_changed.set(true);
                }
            });
        },
        std::time::Duration::from_secs(10),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = poll {
            h.clear();
        }
    });

    // What the clerk entered, and the visit priced: those entries with the visit's orders.
    let entries = Memo::new(move |_| {
        let ctx = context.get()?;
        let f = form.get()?;
        Some(build_visit(&ctx, &f))
    });
    let visit = Memo::new(move |_| {
        let clerk = entries.get()?;
        let ctx = context.get()?;
        Some(clerk.and_then(|clerk| {
            shared::domain::order::add_orders(&clerk, &ctx.billed_orders().0)
                .map_err(|e| e.message_ja().to_string())
        }))
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

    let add_item = move |code: String| {
        let mut added = Ok(());
        form.update(|f| {
            if let Some(f) = f.as_mut() {
                added = f.add_item(&code);
            }
        });
        match added {
            Ok(()) => new_item.set(String::new()),
            Err(e) => message.set(Some(e)),
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
            // Only for the text still typed, and only while the page is there (a signal of a
            // page left meanwhile is gone).
            if let Ok(found) = found {
                if query.try_with_untracked(|t| *t == q) == Some(true) {
                    let _ = hits.try_set(found);
                }
            }
        });
    });

    let finalize = move |_: ()| {
        let Some(Ok(v)) = entries.get_untracked() else {
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
        let base_version = ctx.latest_version();
        let body = FinalizeBill {
            base_version,
            visit: v,
            expected_total_points: p.total_points.0,
            expected_patient_share: p.share.patient.0,
            paid: paid_yen.min(p.share.patient.0),
            reason: reason.get_untracked(),
            orders: ctx.billed_orders().1,
        };
        let csrf = session.csrf();
        saving.set(true);
        let next = crate::keys::plan();
        spawn_local(async move {
            match crate::api::billing::finalize(&csrf, reception, &body).await {
                Ok(bill) => {
                    message.set(Some(format!("第{}版として確定しました", bill.version)));
                    load();
                    // The next step: the 領収証 and 明細書.
                    next.focus_next(&["[data-testid='bill-print']"]);
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
        let Some(Ok(v)) = entries.get_untracked() else {
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
    // Names of the codes on the form, from the priced lines and the master hits picked, so the
    // form lists items by name.
    let picked_names = RwSignal::new(std::collections::HashMap::<String, String>::new());
    Effect::new(move |_| {
        hits.with(|h| {
            picked_names.update(|n| {
                for hit in h {
                    n.entry(hit.code.clone())
                        .or_insert_with(|| hit.name.clone());
                }
            })
        })
    });
    let names = Signal::derive(move || {
        let mut names = picked_names.get();
        if let Some(Ok(p)) = priced.get() {
            for line in &p.lines {
                names
                    .entry(line.code.clone())
                    .or_insert_with(|| line.name.clone());
            }
        }
        names
    });
    let editing = move || finalised().is_none() || correcting.get();

    view! {
        <h1>"会計"</h1>
        <p class="form-error" role="alert">{move || load_error.get()}</p>
        {move || context.get().map(|c| view! {
            <section class="patient-banner" data-testid="bill-banner">
                <strong>{format!("{} {}（{}）", c.patient_number, c.patient_name, c.patient_kana)}</strong>
                {format!(" 生年月日 {} ／ 診療日 {} ／ {} ／ 負担割合 {}", c.birth_date, c.service_date, c.department,
                    c.burden_tenths.map(|t| format!("{t}割")).unwrap_or_else(|| if c.public_expense.is_some() { "保険なし（公費単独）".into() } else { "保険なし".into() }))}
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
            <VisitCoverage context=context reception=reception/>
            <Show when={let n = c.unreadable_versions.clone(); move || !n.is_empty()}>
                <p class="notice error" role="alert" data-testid="bill-unreadable">{format!(
                    "この会計の第{}版を読み込めません。内容を確かめて確定し直してください（レセプトには入りません）",
                    c.unreadable_versions.iter().map(i32::to_string).collect::<Vec<_>>().join("・第"))}</p>
            </Show>
            <Show when={let n = c.public_not_applied.clone(); move || !n.is_empty()}>
                <p class="notice" data-testid="bill-public-not-applied">{format!(
                    "次の公費は会計に反映されていません（自己負担の割合が未登録、または5つ目以降の公費）: {}",
                    c.public_not_applied.join("、"))}</p>
            </Show>
        })}
        <orders::VisitOrders context=context rows=rows changed=orders_changed/>
        <Show when=move || finalised().is_some()>
            {move || finalised().map(|b: BillVersion| view! {
                <section class="bill-final" data-testid="bill-final">
                    <p>{format!("確定済み 第{}版（{} {}）{}", b.version, crate::format::jst_minute(&b.created_at),
                        b.author.clone().unwrap_or_default(),
                        if b.reason.is_empty() { String::new() } else { format!(" 訂正理由: {}", b.reason) })}</p>
                    <Show when=move || !correcting.get()>
                        <button type="button" class="secondary" data-testid="bill-correct" on:click=move |_| correcting.set(true)>"訂正する"</button>
                        <button type="button" data-testid="bill-print" on:click=move |_| {
                            viewing.set(Some((b.version, "receipt")));
                        }>"領収証（PDF・印刷）"</button>
                        <button type="button" class="secondary" data-testid="bill-print-statement" on:click=move |_| {
                            viewing.set(Some((b.version, "statement")));
                        }>"明細書（PDF・印刷）"</button>
                    </Show>
                </section>
            })}
            {move || {
                let ctx = context.get()?;
                let bill = ctx.bills.first()?.clone();
                let institution = session.info().map(|i| i.institution.name).unwrap_or_default();
                let data = shared::print::ReceiptData::of(&ctx, &bill, &institution);
                Some(view! {
                    <div class="print-area" data-testid="bill-documents">
                        <PrintDocView doc=shared::print::receipt_print(&data) testid="receipt"/>
                        <PrintDocView doc=shared::print::statement_print(&data) testid="statement"/>
                    </div>
                })
            }}
        </Show>
        {move || viewing.get().map(|(version, document)| view! {
            <crate::pages::chart::pdf_viewer::PdfViewer
                src=shared::api::documents::bill_pdf_path(reception, version, document)
                title=format!("{} 第{version}版", if document == "receipt" { "領収証" } else { "診療明細書" })
                on_close=Callback::new(move |_| viewing.set(None))/>
        })}
        // One screen at 1280×800: what is entered and priced on the left; the totals, 預り金 and
        // 確定 on the right, always in view.
        <div class="bill-layout">
            <div class="bill-main">
                <Show when=editing>
                    <OrderForm form=form context=context sets=sets set_name=set_name new_item=new_item
                        query=query hits=hits names=names on_add_item=Callback::new(add_item) on_save_set=Callback::new(save_set)/>
                </Show>
                <BillResult priced=priced/>
            </div>
            <aside class="bill-side" aria-label="合計と支払">
                <BillTotals priced=priced/>
                <Show when=editing>
                    <PaymentPanel paid=paid reason=reason change=Signal::derive(change)
                        correcting=Signal::derive(move || finalised().is_some())
                        can_finalize=Signal::derive(move || !saving.get() && matches!(priced.get(), Some(Ok(_))))
                        on_finalize=Callback::new(finalize)/>
                </Show>
                <p role="status" data-testid="bill-message">{move || message.get()}</p>
            </aside>
        </div>
    }
}

/// The visit's 保険組合せ in 会計: what applies, the 公費 it leaves out, and a change (a 受給者証
/// shown late, a wrong choice at 受付): saved on the 受付, then the bill re-prices with it.
#[component]
fn VisitCoverage(
    context: RwSignal<Option<BillContext>>,
    reception: shared::ids::ReceptionId,
) -> impl IntoView {
    let session = use_session();
    let changing = RwSignal::new(false);
    let cards = RwSignal::new(None::<shared::api::insurance::CoverageOn>);
    let chosen = RwSignal::new(shared::domain::coverage::Coverage::default());
    let message = RwSignal::new(None::<String>);
    let open = move |_| {
        let Some((patient, date, current)) = context.with_untracked(|c| {
            c.as_ref()
                .map(|c| (c.patient_id, c.service_date.clone(), c.coverage.clone()))
        }) else {
            return;
        };
        chosen.set(current.unwrap_or_default());
        changing.set(true);
        spawn_local(async move {
            match crate::api::patients::coverage(patient, &date).await {
                Ok(c) => cards.set(Some(c)),
                Err(f) => {
                    session.check(&f);
                    message.set(Some(f.first_message()));
                }
            }
        });
    };
    let save = move |_| {
        let base_version =
            context.with_untracked(|c| c.as_ref().map_or(0, |c| c.reception_version));
        let body = shared::api::reception::SetCoverage {
            base_version,
            coverage: chosen.get_untracked(),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            if let Err(f) = crate::api::reception::set_coverage(&csrf, reception, &body).await {
                session.check(&f);
                message.set(Some(f.first_message()));
                return;
            }
            // Only what the 保険組合せ decides is taken from the fresh context: the clerk's
            // entries stay as typed and are priced again.
            match crate::api::billing::context(reception).await {
                Ok(fresh) => {
                    context.update(|c| {
                        if let Some(c) = c.as_mut() {
                            c.burden_tenths = fresh.burden_tenths;
                            c.insurer_number = fresh.insurer_number;
                            c.public_expense = fresh.public_expense;
                            c.additional_public_expenses = fresh.additional_public_expenses;
                            c.public_not_applied = fresh.public_not_applied;
                            c.public_not_chosen = fresh.public_not_chosen;
                            c.coverage = fresh.coverage;
                            c.coverage_label = fresh.coverage_label;
                            c.coverage_problem = fresh.coverage_problem;
                            c.reception_version = fresh.reception_version;
                            c.coverage_differs = fresh.coverage_differs;
                        }
                    });
                    message.set(Some(
                        "保険組合せを変更しました。会計を再計算しました".into(),
                    ));
                    changing.set(false);
                }
                Err(f) => {
                    session.check(&f);
                    message.set(Some(f.first_message()));
                }
            }
        });
    };
    view! {
        <section class="bill-coverage" data-testid="bill-coverage">
            <strong>"保険組合せ "</strong>
            <span data-testid="bill-coverage-label">{move || context.with(|c| c.as_ref().map(|c| c.coverage_label.clone()))}</span>
            " "
            <button type="button" class="secondary" data-testid="bill-coverage-change" on:click=open>"保険組合せを変更"</button>
            {move || context.with(|c| c.as_ref().and_then(|c| c.coverage_problem.clone())).map(|p| view! {
                <p class="notice error" role="alert" data-testid="bill-coverage-problem">{p}</p>
            })}
            <Show when=move || context.with(|c| c.as_ref().is_some_and(|c| c.coverage_differs))>
                <p class="notice error" role="alert" data-testid="bill-coverage-differs">
                    "確定済みの会計は、いまの保険組合せとは違う保険・公費で計算されています。訂正して確定し直してください（レセプトは確定済みの会計に従います）"
                </p>
            </Show>
            {move || context.with(|c| c.as_ref().map(|c| c.public_not_chosen.clone()).filter(|n| !n.is_empty())).map(|n| view! {
                <p class="notice" data-testid="bill-public-not-chosen">{format!(
                    "この受診の保険組合せに入っていない公費: {}（適用するには保険組合せを変更してください）", n.join("、"))}</p>
            })}
            <Show when=move || changing.get()>
                <crate::components::coverage::CoverageChooser cards=cards chosen=chosen id="bill"/>
                <button type="button" data-testid="bill-coverage-save" on:click=save>"この保険組合せにする"</button>
                <button type="button" class="secondary" on:click=move |_| changing.set(false)>"やめる"</button>
            </Show>
            <p role="status" data-testid="bill-coverage-message">{move || message.get()}</p>
        </section>
    }
}
