//! オーダ: the visit's orders beside the note. The doctor orders 処方 (Rp groups of drugs picked
//! from the local master copy as they type, with 用法 from the standard list), 検査・医学管理・
//! 画像 (items), 注射・処置 (with drugs and materials); copies an earlier prescription (Do処方);
//! sees the safety warnings (allergy, 重複投与, 投与日数, マスター有効期間) computed in the browser by
//! the same shared checks the server runs at 確定, and answers each with a reason. A clerk enters
//! for a named doctor (代行入力). The patient's allergies are listed and recorded here too.
//!
//! The form is the plain [`OrderForm`]; this module loads, shows and saves.

use super::order_form::{OrderForm, RpLine};
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::billing::{MasterHit, MasterRowsRequest};
use shared::api::orders::{
    Allergy, AllergyInput, AllergyKind, AllergySource, CancelOrder, CreateOrder, FinalizeOrder,
    Leftover, OrderContents, OrderDetail, OrderKind, OrderStatus, OrderWarning, PastPrescription,
    SaveOrderDraft, Severity, WarningOverride,
};
use shared::billing::Dispensing;
use shared::domain::order::safety::{self, DayContext};
use shared::domain::Role;
use shared::ids::{PatientId, ReceptionId};
use shared::masters::{DrugRecord, MasterKind, MasterRecord};
use std::collections::{BTreeMap, BTreeSet};

/// What the screen knows of the master codes it has asked for on the day: names and units, the
/// 医薬品 rows in force (for the checks), and which codes were asked (a code asked and absent is
/// not in force).
#[derive(Debug, Clone, Default, PartialEq)]
struct Known {
    day: String,
    asked: BTreeSet<String>,
    names: BTreeMap<String, (String, String)>,
    drugs: BTreeMap<String, DrugRecord>,
}

impl Known {
    fn name(&self, code: &str) -> (String, String) {
        self.names.get(code).cloned().unwrap_or_default()
    }
}

/// Most frequent codes the picker offers before anything is typed.
const FREQUENT_SHOWN: usize = 12;

/// Every code of `contents` by master kind: (procedures, drugs, materials).
fn codes_of(contents: &OrderContents) -> (Vec<String>, Vec<String>, Vec<String>) {
    let own = |v: Vec<&str>| v.into_iter().map(str::to_string).collect::<Vec<_>>();
    (
        own(contents.procedure_codes()),
        contents
            .drug_lines()
            .into_iter()
            .map(|(_, c)| c.to_string())
            .collect(),
        own(contents.material_codes()),
    )
}

/// The order in words, names from the master rows the screen has.
fn summary(contents: &OrderContents, known: &Known) -> Vec<String> {
    contents.lines_ja(|code| known.names.get(code).cloned())
}

/// What the print area holds.
#[derive(Debug, Clone, PartialEq)]
enum Printing {
    Prescription(Box<shared::api::orders::PrescriptionIssue>),
    Labels {
        contents: OrderContents,
        names: BTreeMap<String, (String, String)>,
    },
}

/// Shows the document just drawn and prints the page.
fn print_soon() {
    request_animation_frame(|| {
        let Some(w) = web_sys::window() else { return };
        if let Some(doc) = w
            .document()
            .and_then(|d| d.query_selector(".print-doc").ok().flatten())
        {
            doc.scroll_into_view();
        }
        let _ = w.print();
    });
}

fn status_class(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Draft => "draft",
        OrderStatus::Final => "final",
        OrderStatus::Amended => "amended",
        OrderStatus::Pending => "pending",
        OrderStatus::Cancelled => "cancelled",
    }
}

/// The contents an order shows: its working draft, else its newest version.
fn shown(order: &OrderDetail) -> Option<&OrderContents> {
    order
        .draft
        .as_ref()
        .map(|d| &d.contents)
        .or_else(|| order.current().map(|v| &v.contents))
}

#[component]
pub fn OrdersPanel(patient_id: Signal<PatientId>) -> impl IntoView {
    let session = use_session();
    let role = move || session.info().map(|i| i.user.role);
    let can_order = move || matches!(role(), Some(Role::Doctor | Role::Clerk));
    let is_clerk = move || role() == Some(Role::Clerk);
    // `?date=` opens that day's orders (links from the approval queue); today otherwise.
    let query = leptos_router::hooks::use_query_map();
    let day = RwSignal::new(
        query
            .with_untracked(|q| q.get("date"))
            .filter(|d| shared::domain::japanese::parse_date(d).is_some())
            .unwrap_or_else(|| crate::format::today_jst().to_string()),
    );
    let orders = RwSignal::new(Vec::<OrderDetail>::new());
    let allergies = RwSignal::new(Vec::<Allergy>::new());
    let reception = RwSignal::new(None::<ReceptionId>);
    let known = RwSignal::new(Known::default());
    let open = RwSignal::new(None::<OrderDetail>);
    let form = RwSignal::new(None::<OrderForm>);
    let overrides = RwSignal::new(BTreeMap::<String, String>::new());
    let reason = RwSignal::new(String::new());
    let on_behalf_of = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<MasterHit>::new());
    let history = RwSignal::new(Vec::<PastPrescription>::new());
    let history_next = RwSignal::new(None::<String>);
    let history_open = RwSignal::new(false);
    // The 処方箋 or 薬袋 being printed.
    let printing = RwSignal::new(None::<Printing>);
    // Which Do copy flagged which lines (drugs not in force on the day).
    let flagged = RwSignal::new(Vec::<String>::new());
    let doctor = role() == Some(Role::Doctor);
    // The doctor's 代行入力 orders waiting for approval (every patient).
    let pending = LocalResource::new(move || async move {
        if doctor {
            crate::api::orders::pending().await.unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    // The institution's セット (shared with 会計).
    let orderer = can_order();
    let sets = LocalResource::new(move || async move {
        if orderer {
            crate::api::billing::sets().await.unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    // The codes the institution orders most: offered before anything is typed, first among hits.
    let frequent = LocalResource::new(move || async move {
        if orderer {
            crate::api::orders::frequent().await.unwrap_or_default()
        } else {
            Default::default()
        }
    });
    // The frequent codes that fit the open order, in force on the day, as picker hits.
    let frequent_hits = RwSignal::new(Vec::<MasterHit>::new());
    let clerk = is_clerk();
    let doctors = LocalResource::new(move || async move {
        if clerk {
            crate::api::chart::doctors().await.unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    spawn_local(async {
        for kind in ["drug", "procedure", "material"] {
            crate::masters_cache::ensure(kind).await;
        }
    });

    let fail = move |f: crate::api::ApiFailure| {
        session.check(&f);
        error.set(Some(f.first_message()));
    };

    // The master rows of codes the screen has not asked for yet on the day.
    let ensure_rows = move |procedures: Vec<String>, drugs: Vec<String>, materials: Vec<String>| {
        let on = day.get_untracked();
        let k = known.get_untracked();
        let asked = if k.day == on {
            k.asked
        } else {
            BTreeSet::new()
        };
        let missing = |codes: Vec<String>| -> Vec<String> {
            let set: BTreeSet<String> = codes.into_iter().filter(|c| !asked.contains(c)).collect();
            set.into_iter().collect()
        };
        let request = MasterRowsRequest {
            on: on.clone(),
            procedures: missing(procedures),
            drugs: missing(drugs),
            materials: missing(materials),
        };
        if request.procedures.is_empty() && request.drugs.is_empty() && request.materials.is_empty()
        {
            return;
        }
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::billing::master_rows(&csrf, &request).await {
                Ok(rows) => known.update(|k| {
                    if k.day != on {
                        *k = Known {
                            day: on.clone(),
                            ..Known::default()
                        };
                    }
                    for code in request
                        .procedures
                        .iter()
                        .chain(&request.drugs)
                        .chain(&request.materials)
                    {
                        k.asked.insert(code.clone());
                    }
                    for (kind, found) in [
                        (MasterKind::Procedure, &rows.procedures),
                        (MasterKind::Drug, &rows.drugs),
                        (MasterKind::Material, &rows.materials),
                    ] {
                        for row in found {
                            let get = |i: usize| row.get(i).cloned().unwrap_or_default();
                            let unit = if kind == MasterKind::Procedure {
                                String::new()
                            } else {
                                get(9)
                            };
                            k.names.insert(get(2), (get(4), unit));
                            if kind == MasterKind::Drug {
                                if let Ok(d) = DrugRecord::from_fields(row) {
                                    k.drugs.insert(d.code.clone(), d);
                                }
                            }
                        }
                    }
                }),
                Err(f) => fail(f),
            }
        });
    };
    let ensure_for = move |contents: &OrderContents| {
        let (p, d, m) = codes_of(contents);
        ensure_rows(p, d, m);
    };

    let load = move || {
        let id = patient_id.get_untracked();
        let on = day.get_untracked();
        spawn_local(async move {
            match crate::api::orders::day(id, &on).await {
                Ok(list) => {
                    for o in &list.orders {
                        if let Some(c) = shown(o) {
                            ensure_for(c);
                        }
                    }
                    orders.set(list.orders);
                }
                Err(f) => fail(f),
            }
            match crate::api::orders::allergies(id).await {
                Ok(list) => allergies.set(list),
                Err(f) => fail(f),
            }
            // The visit the orders belong to: the patient's reception of the day (today only).
            if on == crate::format::today_jst().to_string() && can_order() {
                if let Ok(queue) = crate::api::reception::queue(false).await {
                    reception.set(
                        queue
                            .into_iter()
                            .filter(|e| {
                                e.patient_id == id
                                    && e.status
                                        != shared::api::reception::ReceptionStatus::Cancelled
                            })
                            .map(|e| e.reception_id)
                            .next_back(),
                    );
                }
            } else {
                reception.set(None);
            }
        });
    };
    Effect::new(move |_| {
        let _ = patient_id.get();
        let _ = day.get();
        load();
    });

    let open_order = move |order: OrderDetail| {
        let contents = shown(&order)
            .cloned()
            .unwrap_or_else(|| OrderContents::empty(order.kind));
        ensure_for(&contents);
        let k = known.get_untracked();
        form.set(Some(OrderForm::of(&contents, &|c: &str| k.name(c))));
        overrides.set(
            order
                .current()
                .map(|v| {
                    v.overrides
                        .iter()
                        .map(|o| (o.key.clone(), o.reason.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        );
        reason.set(String::new());
        flagged.set(Vec::new());
        message.set(None);
        error.set(None);
        // A 代行入力 stays with the doctor it was entered for.
        on_behalf_of.set(
            order
                .draft
                .as_ref()
                .and_then(|d| d.on_behalf_of_id)
                .or_else(|| order.current().and_then(|v| v.on_behalf_of_id))
                .map(|d| d.to_string())
                .unwrap_or_default(),
        );
        open.set(Some(order));
    };

    let create = move |kind: OrderKind, then: Option<OrderContents>| {
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        let body = CreateOrder {
            visit_date: day.get_untracked(),
            reception_id: reception.get_untracked().map(|r| r.to_string()),
            kind,
        };
        spawn_local(async move {
            match crate::api::orders::create(&csrf, id, &body).await {
                Ok(order) => {
                    orders.update(|o| o.push(order.clone()));
                    open_order(order);
                    if let Some(contents) = then {
                        ensure_for(&contents);
                        let k = known.get_untracked();
                        form.set(Some(OrderForm::of(&contents, &|c: &str| k.name(c))));
                    }
                }
                Err(f) => fail(f),
            }
        });
    };

    // Names fill in as the master rows arrive.
    Effect::new(move |_| {
        let k = known.get();
        form.update(|f| {
            if let Some(f) = f.as_mut() {
                for rp in &mut f.rps {
                    for d in &mut rp.drugs {
                        if d.name.is_empty() {
                            (d.name, d.unit) = k.name(&d.code);
                        }
                    }
                }
                for i in &mut f.items {
                    if i.name.is_empty() {
                        i.name = k.name(&i.code).0;
                    }
                }
            }
        });
    });

    // The warnings of the order as entered, once every drug's row has been asked for.
    let warnings = Memo::new(move |_| -> Vec<OrderWarning> {
        let Some(Ok(contents)) = form.with(|f| f.as_ref().map(|f| f.contents())) else {
            return Vec::new();
        };
        let open_id = open.with(|o| o.as_ref().map(|o| o.order_id));
        let k = known.get();
        let (_, drugs, _) = codes_of(&contents);
        if drugs.iter().any(|c| !k.asked.contains(c)) {
            ensure_for(&contents);
            return Vec::new();
        }
        let list = orders.get();
        let others: Vec<&OrderContents> = list
            .iter()
            .filter(|o| Some(o.order_id) != open_id && o.status.is_billed())
            .filter_map(|o| o.current().map(|v| &v.contents))
            .collect();
        let known_allergies: Vec<_> = allergies.get().iter().filter_map(|a| a.known()).collect();
        let Some(date) = shared::domain::japanese::parse_date(&day.get()) else {
            return Vec::new();
        };
        safety::check(
            &contents,
            &DayContext {
                date,
                allergies: &known_allergies,
                others: &others,
                drugs: &k.drugs,
            },
        )
    });

    let edit = move |f: &dyn Fn(&mut OrderForm)| {
        form.update(|form| {
            if let Some(form) = form.as_mut() {
                f(form)
            }
        })
    };

    // Search the local master copy as the doctor types.
    Effect::new(move |_| {
        let q = query.get();
        let kinds = form.with(|f| f.as_ref().map(|f| f.picker_kinds()));
        let on = day.get_untracked();
        let Some(kinds) = kinds else { return };
        if q.trim().chars().count() < 2 {
            hits.set(Vec::new());
            return;
        }
        spawn_local(async move {
            let mut found = Vec::new();
            for kind in kinds {
                found.extend(crate::pages::chart_records::master_search(kind, &q, &on).await);
            }
            // The institution's frequent codes first (a stable sort keeps the master's order
            // among the rest).
            // (try_: the editor may have closed while the search ran.)
            let order_kind = form
                .try_with_untracked(|f| f.as_ref().map(|f| f.kind))
                .flatten();
            if let (Some(frequent), Some(order_kind)) =
                (frequent.try_get_untracked().flatten(), order_kind)
            {
                found.sort_by_key(|h| {
                    std::cmp::Reverse(frequent.uses(order_kind, &h.kind, &h.code))
                });
            }
            if query.try_with_untracked(|t| *t == q) == Some(true) {
                let _ = hits.try_set(found);
            }
        });
    });

    // The frequent codes for the open order's kind, named from the local master copy (a code
    // not in force on the day is left out).
    let form_kind = Memo::new(move |_| form.with(|f| f.as_ref().map(|f| f.kind)));
    Effect::new(move |_| {
        let on = day.get();
        let Some(list) = frequent.get() else { return };
        let Some(order_kind) = form_kind.get() else {
            frequent_hits.set(Vec::new());
            return;
        };
        spawn_local(async move {
            let mut found = Vec::new();
            for item in list.of(order_kind) {
                if found.len() >= FREQUENT_SHOWN {
                    break;
                }
                let hits =
                    crate::pages::chart_records::master_search(&item.kind, &item.code, &on).await;
                found.extend(hits.into_iter().filter(|h| h.code == item.code).take(1));
            }
            frequent_hits.set(found);
        });
    });

    // Saves the draft; then, with `finalize`, 確定 it.
    let save = move |finalize: bool| {
        let Some(order) = open.get_untracked() else {
            return;
        };
        let contents = match form.with_untracked(|f| f.as_ref().map(|f| f.contents())) {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                error.set(Some(e));
                return;
            }
            None => return,
        };
        let body = SaveOrderDraft {
            base_version: order
                .draft
                .as_ref()
                .map(|d| d.base_version)
                .unwrap_or_else(|| order.current().map_or(0, |v| v.version)),
            base_revision: order.draft.as_ref().map_or(0, |d| d.revision),
            contents,
            on_behalf_of: Some(on_behalf_of.get_untracked()).filter(|d| !d.is_empty()),
        };
        let answers: Vec<WarningOverride> = warnings
            .get_untracked()
            .iter()
            .map(|w| WarningOverride {
                key: w.key.clone(),
                reason: overrides
                    .with_untracked(|o| o.get(&w.key).cloned())
                    .unwrap_or_default(),
            })
            .collect();
        let csrf = session.csrf();
        let why = reason.get_untracked();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let saved = crate::api::orders::save_draft(&csrf, order.order_id, &body).await;
            let result = match saved {
                Ok(draft) if finalize => {
                    let body = FinalizeOrder {
                        revision: draft.revision,
                        reason: why,
                        overrides: answers,
                    };
                    crate::api::orders::finalize(&csrf, order.order_id, &body).await
                }
                Ok(_) => crate::api::orders::order(order.order_id).await,
                Err(f) => Err(f),
            };
            busy.set(false);
            match result {
                Ok(detail) => {
                    if let Some(c) = shown(&detail) {
                        ensure_for(c);
                    }
                    if finalize {
                        frequent.refetch();
                    }
                    message.set(Some(if finalize {
                        format!("{}オーダを確定しました", detail.kind.label_ja())
                    } else {
                        "下書きを保存しました".to_string()
                    }));
                    orders.update(|list| {
                        if let Some(o) = list.iter_mut().find(|o| o.order_id == detail.order_id) {
                            *o = detail.clone();
                        }
                    });
                    if finalize {
                        open.set(None);
                        form.set(None);
                    } else {
                        open.set(Some(detail));
                    }
                }
                Err(f) => {
                    // The draft may have been saved before 確定 was refused: read it again; and
                    // the day's orders, whose changes (another order of the day) the server's
                    // warnings may come from, so the screen shows them too.
                    if let Ok(detail) = crate::api::orders::order(order.order_id).await {
                        open.set(Some(detail));
                    }
                    load();
                    fail(f);
                }
            }
        });
    };

    // Discards the open order's draft: a new order's goes away; an amendment's leaves the order
    // as 確定, shown again from its newest version.
    let discard = move || {
        let Some(order) = open.get_untracked() else {
            return;
        };
        let Some(draft) = order.draft.clone() else {
            // Nothing saved yet: nothing to discard; the empty order is not listed.
            if order.current().is_none() {
                open.set(None);
                form.set(None);
            }
            return;
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::orders::discard_draft(&csrf, order.order_id, draft.revision).await {
                Ok(()) if order.current().is_some() => {
                    match crate::api::orders::order(order.order_id).await {
                        Ok(detail) => {
                            open_order(detail);
                            message.set(Some("修正の下書きを破棄しました".into()));
                        }
                        Err(f) => fail(f),
                    }
                    load();
                }
                Ok(()) => {
                    message.set(Some("下書きを破棄しました".into()));
                    open.set(None);
                    form.set(None);
                    load();
                }
                Err(f) => fail(f),
            }
        });
    };

    let cancel_order = move || {
        let Some(order) = open.get_untracked() else {
            return;
        };
        let Some(version) = order.current().map(|v| v.version) else {
            // Only a draft: discard it.
            discard();
            return;
        };
        let body = CancelOrder {
            base_version: version,
            reason: reason.get_untracked(),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::orders::cancel(&csrf, order.order_id, &body).await {
                Ok(_) => {
                    message.set(Some("オーダを取消しました".into()));
                    open.set(None);
                    form.set(None);
                    load();
                }
                Err(f) => fail(f),
            }
        });
    };

    let approve = move || {
        let Some(order) = open.get_untracked() else {
            return;
        };
        let Some(version) = order.current().map(|v| v.version) else {
            return;
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::orders::approve(&csrf, order.order_id, version).await {
                Ok(_) => {
                    message.set(Some("代行入力を承認しました".into()));
                    open.set(None);
                    form.set(None);
                    load();
                    pending.refetch();
                }
                Err(f) => fail(f),
            }
        });
    };

    // 院外: issue (or re-issue) the 処方箋 and print it; 院内: the 薬袋 labels.
    let print_order = move |order: OrderDetail| {
        let Some(current) = order.current().cloned() else {
            return;
        };
        let OrderContents::Prescription(p) = &current.contents else {
            return;
        };
        if p.dispensing == Dispensing::InHouse {
            printing.set(Some(Printing::Labels {
                contents: current.contents.clone(),
                names: known.with_untracked(|k| k.names.clone()),
            }));
            print_soon();
            return;
        }
        let csrf = session.csrf();
        let body = shared::api::orders::IssuePrescription {
            version: current.version,
        };
        spawn_local(async move {
            match crate::api::orders::issue_prescription(&csrf, order.order_id, &body).await {
                Ok(issue) => {
                    message.set(Some(if issue.is_reissue() {
                        format!("処方箋を再発行しました（第{}回）", issue.issue_no)
                    } else {
                        "処方箋を発行しました".to_string()
                    }));
                    printing.set(Some(Printing::Prescription(Box::new(issue))));
                    print_soon();
                }
                Err(f) => fail(f),
            }
        });
    };

    let load_history = move |more: bool| {
        let id = patient_id.get_untracked();
        let cursor = if more {
            history_next.get_untracked()
        } else {
            None
        };
        spawn_local(async move {
            match crate::api::orders::prescriptions(id, cursor.as_deref()).await {
                Ok(page) => {
                    if !more {
                        super::mark("karte-do-data");
                    }
                    for e in &page.entries {
                        ensure_for(&OrderContents::Prescription(e.prescription.clone()));
                    }
                    history_next.set(page.next);
                    if more {
                        history.update(|h| h.extend(page.entries));
                    } else {
                        history.set(page.entries);
                    }
                    history_open.set(true);
                    if !more {
                        request_animation_frame(|| super::mark("karte-do-drawn"));
                    }
                }
                Err(f) => fail(f),
            }
        });
    };

    // Do処方: the earlier prescription into a new order; drugs not in force today are flagged.
    let do_copy = move |past: PastPrescription| {
        let contents = OrderContents::Prescription(past.prescription.clone());
        ensure_for(&contents);
        create(OrderKind::Prescription, Some(contents));
    };
    Effect::new(move |_| {
        // Flags follow the rows: a drug asked for and absent is not in force on the day.
        let k = known.get();
        let Some(Ok(OrderContents::Prescription(p))) =
            form.with(|f| f.as_ref().map(|f| f.contents()))
        else {
            flagged.set(Vec::new());
            return;
        };
        let (_, stale) = shared::domain::order::copy_prescription(&p, |code| {
            !k.asked.contains(code) || k.drugs.contains_key(code)
        });
        flagged.set(stale);
    });

    let new_button = move |kind: OrderKind| {
        view! {
            <button type="button" class="secondary" data-testid=format!("new-order-{}", kind.code())
                on:click=move |_| create(kind, None)>{kind.label_ja()}</button>
        }
    };

    // An order started and left with nothing saved holds nothing: not listed.
    let listed = move || {
        orders
            .get()
            .into_iter()
            .filter(|o| !o.versions.is_empty() || o.draft.is_some())
            .collect::<Vec<_>>()
    };

    view! {
        <section class="orders" data-testid="orders-panel">
            <AllergyList patient_id=patient_id allergies=allergies/>
            <Show when=move || !pending.get().unwrap_or_default().is_empty()>
                <section class="pending" data-testid="pending-orders">
                    <h3>"承認待ちの代行入力（オーダ）"</h3>
                    <ul>
                        {move || pending.get().unwrap_or_default().into_iter().map(|p| view! {
                            <li><a href=format!("/patients/{}/chart?tab=orders&date={}", p.patient_id, p.visit_date) data-testid="pending-order">
                                {format!("{} {} {}（入力：{}）", p.visit_date, p.patient_name, p.kind.label_ja(), p.author)}
                            </a></li>
                        }).collect_view()}
                    </ul>
                </section>
            </Show>
            <div class="order-day no-print">
                <label for="order_day">"診療日"</label>
                <input id="order_day" type="date" data-testid="order-day" prop:value=move || day.get()
                    on:change=move |ev| day.set(event_target_value(&ev))/>
                <span class="hint" data-testid="order-reception">{move || if reception.get().is_some() {
                    "本日の受付に紐づけます（会計に反映）".to_string()
                } else {
                    "受付がありません（受付すると、その日の会計に反映されます）".to_string()
                }}</span>
            </div>
            <Show when=can_order>
                <div class="order-new no-print" data-testid="order-new">
                    <span>"新規オーダ："</span>
                    {OrderKind::ALL.into_iter().map(new_button).collect_view()}
                    <button type="button" class="secondary" data-testid="open-do" on:click=move |_| load_history(false)>"Do処方"</button>
                </div>
            </Show>
            <p class="form-error" role="alert" data-testid="order-error">{move || error.get()}</p>
            <p class="notice" role="status" data-testid="order-message">{move || message.get()}</p>
            <ul class="order-list" data-testid="day-orders">
                <For each=listed
                    key=|o| (o.order_id, o.versions.len(), o.draft.as_ref().map(|d| d.revision)) let:o>
                    {
                        let order = o.clone();
                        let lines = move || shown(&o).map(|c| summary(c, &known.get())).unwrap_or_default();
                        view! {
                            <li class="order-card" data-testid="order-card">
                                <strong>{order.kind.label_ja()}</strong>
                                <span class=format!("badge status-{}", status_class(order.status)) data-testid="order-status">{order.status_label_ja()}</span>
                                {order.draft.is_some().then(|| view! { <span class="badge">"編集中"</span> })}
                                <ul class="order-lines">{move || lines().into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                                <button type="button" class="link" data-testid="order-open" on:click={
                                    let order = order.clone();
                                    move |_| open_order(order.clone())
                                }>"開く"</button>
                                {(order.kind == OrderKind::Prescription && order.status.is_billed() && can_order()).then(|| {
                                    let order = order.clone();
                                    let label = match order.current().map(|v| &v.contents) {
                                        Some(OrderContents::Prescription(p)) if p.dispensing == Dispensing::InHouse => "薬袋を印刷",
                                        _ => "処方箋を印刷",
                                    };
                                    view! { <button type="button" class="secondary" data-testid="order-print" on:click=move |_| print_order(order.clone())>{label}</button> }
                                })}
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || history_open.get()>
                <section class="do-list" data-testid="do-list" aria-label="Do処方">
                    <h3>"過去の処方（Do処方）"</h3>
                    <ul>
                        {move || history.get().into_iter().map(|past| {
                            let k = known.get();
                            let lines = summary(&OrderContents::Prescription(past.prescription.clone()), &k);
                            let date = past.visit_date.clone();
                            view! {
                                <li data-testid="do-entry">
                                    <span class="date">{date}</span>
                                    <span>{lines.join(" / ")}</span>
                                    <Show when=can_order>
                                        {
                                            let past = past.clone();
                                            view! { <button type="button" data-testid="do-copy" on:click=move |_| do_copy(past.clone())>"Do"</button> }
                                        }
                                    </Show>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <Show when=move || history_next.get().is_some()>
                        <button type="button" class="secondary" on:click=move |_| load_history(true)>"さらに読み込む"</button>
                    </Show>
                </section>
            </Show>
            {move || open.get().map(|order| {
                let amending = order.current().is_some_and(|v| !v.cancelled);
                let my_user = session.info().map(|i| i.user.user_id);
                let approvable = order.current().is_some_and(|v| v.is_pending() && v.on_behalf_of_id == my_user);
                let versions = order.versions.len();
                view! {
                    <section class="order-editor" data-testid="order-editor">
                        <h3>{format!("{}オーダ", order.kind.label_ja())}
                            <span class=format!("badge status-{}", status_class(order.status))>{order.status_label_ja()}</span>
                            {(versions > 0).then(|| format!(" 第{versions}版"))}
                        </h3>
                        <OrderEditor form=form flagged=flagged/>
                        <div class="order-sets" data-testid="order-sets">
                            {move || sets.get().unwrap_or_default().into_iter().map(|set| {
                                let contents = set.contents.clone();
                                view! {
                                    <button type="button" class="secondary" data-testid="order-apply-set" on:click=move |_| {
                                        let k = known.get_untracked();
                                        form.update(|f| if let Some(f) = f.as_mut() { f.apply_set(&contents, &|c: &str| k.name(c)) });
                                        if let Some(Ok(c)) = form.with_untracked(|f| f.as_ref().map(|f| f.contents())) {
                                            ensure_for(&c);
                                        }
                                    }>{format!("セット：{}", set.name)}</button>
                                }
                            }).collect_view()}
                        </div>
                        <div class="picker">
                            <label for="order_query">"マスター検索（コード・名称・カナ・一般名）"</label>
                            <input id="order_query" data-testid="order-query" autocomplete="off" prop:value=move || query.get()
                                on:input=move |ev| query.set(event_target_value(&ev))/>
                            <Show when=move || query.with(|q| q.trim().is_empty()) && !frequent_hits.with(Vec::is_empty)>
                                <div class="frequent-items" data-testid="order-frequent">
                                    <span class="hint">"よく使う項目"</span>
                                    {move || frequent_hits.get().into_iter().map(|h| {
                                        let label = format!("{} {}", h.name, h.unit.split('/').nth(1).unwrap_or(""));
                                        let title = h.label_ja();
                                        view! {
                                            <button type="button" class="secondary" title=title data-code=h.code.clone()
                                                on:click=move |_| edit(&|f| f.add(&h))>{label}</button>
                                        }
                                    }).collect_view()}
                                </div>
                            </Show>
                            <ul class="master-hits" data-testid="order-hits">
                                {move || hits.get().into_iter().map(|h| {
                                    let label = h.label_ja();
                                    view! {
                                        <li><button type="button" class="link" on:click=move |_| {
                                            edit(&|f| f.add(&h));
                                            query.set(String::new());
                                        }>{label}</button></li>
                                    }
                                }).collect_view()}
                            </ul>
                        </div>
                        <Show when=move || !warnings.get().is_empty()>
                            <section class="order-warnings" data-testid="order-warnings" role="alert">
                                <h4>"確認が必要です（理由を入力すると確定できます）"</h4>
                                <ul>
                                    {move || warnings.get().into_iter().map(|w| {
                                        let key = w.key.clone();
                                        let key_for_value = w.key.clone();
                                        view! {
                                            <li data-testid="order-warning" data-key=w.key.clone()>
                                                <span class="badge">{w.kind.label_ja()}</span>
                                                <span>{w.message.clone()}</span>
                                                <input class="wide" data-testid="override-reason" aria-label="この警告を承知で確定する理由"
                                                    placeholder="理由"
                                                    prop:value=move || overrides.with(|o| o.get(&key_for_value).cloned().unwrap_or_default())
                                                    on:input=move |ev| { let v = event_target_value(&ev); overrides.update(|o| { o.insert(key.clone(), v); }); }/>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </section>
                        </Show>
                        <Show when=is_clerk>
                            <label>"代行入力する医師 "
                                <select data-testid="order-doctor" prop:value=move || on_behalf_of.get()
                                    on:change=move |ev| on_behalf_of.set(event_target_value(&ev))>
                                    <option value="">"選んでください"</option>
                                    {move || doctors.get().unwrap_or_default().into_iter().map(|d| view! {
                                        <option value=d.user_id.to_string()>{d.display_name.clone()}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                        </Show>
                        {amending.then(|| {
                            let notices = order.amendment_notices_ja();
                            (!notices.is_empty()).then(|| view! {
                                <ul class="notice" data-testid="order-amend-notices" role="status">
                                    {notices.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                                </ul>
                            })
                        })}
                        {amending.then(|| view! {
                            <div class="field">
                                <label for="order_reason">"修正・取消の理由"</label>
                                <input id="order_reason" data-testid="order-reason" prop:value=move || reason.get()
                                    on:input=move |ev| reason.set(event_target_value(&ev))/>
                            </div>
                        })}
                        <Show when=can_order>
                            <div class="actions">
                                <button type="button" class="secondary" data-testid="order-save" disabled=move || busy.get() on:click=move |_| save(false)>"下書き保存"</button>
                                <button type="button" data-testid="order-finalize" disabled=move || busy.get() on:click=move |_| save(true)>"確定"</button>
                                <button type="button" class="danger" data-testid="order-cancel" disabled=move || busy.get() on:click=move |_| cancel_order()>
                                    {if amending { "取消" } else { "下書きを破棄" }}
                                </button>
                                {(amending && order.draft.is_some()).then(|| view! {
                                    <button type="button" class="secondary" data-testid="order-discard-amendment" disabled=move || busy.get() on:click=move |_| discard()>
                                        "修正の下書きを破棄"
                                    </button>
                                })}
                            </div>
                        </Show>
                        {approvable.then(|| view! {
                            <button type="button" data-testid="order-approve" on:click=move |_| approve()>"代行入力を承認"</button>
                        })}
                        <button type="button" class="link" data-testid="order-close" on:click=move |_| { open.set(None); form.set(None); }>"閉じる"</button>
                    </section>
                }
            })}
            {move || printing.get().map(|p| match p {
                Printing::Prescription(issue) => {
                    let pdf = shared::api::documents::prescription_pdf_path(issue.order_id, issue.issue_no);
                    let open = RwSignal::new(false);
                    view! {
                        <p class="no-print">
                            <button type="button" class="secondary" data-testid="prescription-pdf"
                                on:click=move |_| open.set(true)>"処方箋PDF（保存・印刷）"</button>
                        </p>
                        <Show when=move || open.get()>
                            <super::pdf_viewer::PdfViewer src=pdf.clone() title="処方箋".to_string()
                                on_close=Callback::new(move |_| open.set(false))/>
                        </Show>
                        <crate::components::prescription::PrescriptionDoc issue=*issue/>
                    }.into_any()
                }
                Printing::Labels { contents, names } => view! {
                    <crate::components::prescription::MedicineBagLabels patient_name=crate::state::use_current_patient().0.with_untracked(|p| p.as_ref().map(|p| p.name.clone())).unwrap_or_default()
                        contents=contents names=names visit_date=day.get_untracked()/>
                }.into_any(),
            })}
        </section>
    }
}

/// The lines of the open order: Rp groups with their drugs and 用法, items, or 注射・処置.
#[component]
fn OrderEditor(form: RwSignal<Option<OrderForm>>, flagged: RwSignal<Vec<String>>) -> impl IntoView {
    let edit = move |f: &dyn Fn(&mut OrderForm)| {
        form.update(|form| {
            if let Some(form) = form.as_mut() {
                f(form)
            }
        })
    };
    let kind = move || form.with(|f| f.as_ref().map(|f| f.kind));
    view! {
        <Show when=move || kind() == Some(OrderKind::Prescription)>
            <fieldset>
                <legend>"処方"</legend>
                <label><input type="radio" name="order_dispensing" data-testid="order-outside"
                    prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.dispensing == Dispensing::Outside))
                    on:change=move |_| edit(&|f| f.dispensing = Dispensing::Outside)/>"院外処方"</label>
                <label><input type="radio" name="order_dispensing" data-testid="order-in-house"
                    prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.dispensing == Dispensing::InHouse))
                    on:change=move |_| edit(&|f| f.dispensing = Dispensing::InHouse)/>"院内処方"</label>
                <ol class="rps" data-testid="order-rps">
                    {move || form.get().map(|f| f.rps.iter().enumerate().map(|(i, rp)| rp_view(i, rp.clone(), edit, flagged)).collect_view())}
                </ol>
                <button type="button" class="secondary" data-testid="order-add-rp" on:click=move |_| edit(&|f| f.rps.push(RpLine::new()))>"Rpを追加（次の薬剤はこのRpに入ります）"</button>
                <div class="rx-options">
                    <label>"リフィル（総使用回数） "<input class="short" data-testid="order-refill" inputmode="numeric"
                        prop:value=move || form.with(|f| f.as_ref().map(|f| f.refill.clone()).unwrap_or_default())
                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.refill = v.clone()) }/></label>
                    <label>"分割回数 "<input class="short" data-testid="order-split" inputmode="numeric"
                        prop:value=move || form.with(|f| f.as_ref().map(|f| f.split.clone()).unwrap_or_default())
                        on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.split = v.clone()) }/></label>
                    <label>"残薬確認時 "
                        <select data-testid="order-leftover" on:change=move |ev| {
                            let v = match event_target_value(&ev).as_str() {
                                "inquire" => Some(Leftover::Inquire),
                                "inform" => Some(Leftover::Inform),
                                _ => None,
                            };
                            edit(&|f| f.leftover = v);
                        }>
                            <option value="" selected=move || form.with(|f| f.as_ref().is_some_and(|f| f.leftover.is_none()))>"指定なし"</option>
                            <option value="inquire" selected=move || form.with(|f| f.as_ref().is_some_and(|f| f.leftover == Some(Leftover::Inquire)))>{Leftover::Inquire.label_ja()}</option>
                            <option value="inform" selected=move || form.with(|f| f.as_ref().is_some_and(|f| f.leftover == Some(Leftover::Inform)))>{Leftover::Inform.label_ja()}</option>
                        </select>
                    </label>
                    <label><input type="checkbox" data-testid="order-specific-disease"
                        prop:checked=move || form.with(|f| f.as_ref().is_some_and(|f| f.specific_disease))
                        on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.specific_disease = on) }/>"特定疾患処方管理"</label>
                </div>
                <label for="order_remarks">"備考"</label>
                <textarea id="order_remarks" data-testid="order-remarks" rows="2"
                    prop:value=move || form.with(|f| f.as_ref().map(|f| f.remarks.clone()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.remarks = v.clone()) }></textarea>
            </fieldset>
        </Show>
        <Show when=move || matches!(kind(), Some(OrderKind::Lab | OrderKind::Management | OrderKind::Imaging))>
            <ul class="order-items" data-testid="order-items">
                {move || form.get().map(|f| f.items.iter().enumerate().map(|(i, item)| view! {
                    <li>
                        <span>{format!("{} {}", item.code, item.name)}</span>
                        <input class="short" aria-label="回数" prop:value=item.count.clone()
                            on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_item(i, |it| it.count = v.clone())) }/>
                        <span>"回"</span>
                        <button type="button" class="secondary" on:click=move |_| edit(&|f| f.remove_item(i))>"削除"</button>
                    </li>
                }).collect_view())}
            </ul>
        </Show>
        <Show when=move || matches!(kind(), Some(OrderKind::Treatment | OrderKind::Injection))>
            <ol class="order-procedures" data-testid="order-procedures">
                {move || form.get().map(|f| f.procedures.iter().enumerate().map(|(i, p)| view! {
                    <li>
                        <span>{if p.code.is_empty() { "（手技なし）".to_string() } else { format!("{} {}", p.code, p.name) }}</span>
                        <input class="short" aria-label="回数" prop:value=p.count.clone()
                            on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_procedure(i, |p| p.count = v.clone())) }/>
                        <span>"回"</span>
                        <ul>
                            {p.drugs.iter().chain(&p.materials).map(|d| view! { <li>{format!("{} {} {}{}", d.code, d.name, d.quantity, d.unit)}</li> }).collect_view()}
                        </ul>
                        <button type="button" class="secondary" on:click=move |_| edit(&|f| f.remove_procedure(i))>"削除"</button>
                    </li>
                }).collect_view())}
            </ol>
        </Show>
    }
}

fn rp_view(
    i: usize,
    rp: RpLine,
    edit: impl Fn(&dyn Fn(&mut OrderForm)) + Copy + Send + Sync + 'static,
    flagged: RwSignal<Vec<String>>,
) -> impl IntoView {
    let usage_code = rp.usage_code.clone().unwrap_or_default();
    view! {
        <li data-testid="order-rp">
            <select aria-label="剤型" data-testid=format!("order-rp{}-kind", i + 1) on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_rp(i, |rp| rp.kind = v.clone())) }>
                <option value="internal" selected=rp.kind == "internal">"内服"</option>
                <option value="as_needed" selected=rp.kind == "as_needed">"頓服"</option>
                <option value="external" selected=rp.kind == "external">"外用"</option>
            </select>
            <input class="short" aria-label="日数・回数" data-testid=format!("order-rp{}-amount", i + 1) prop:value=rp.amount.clone()
                on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_rp(i, |rp| rp.amount = v.clone())) }/>
            <span>{match rp.kind.as_str() { "as_needed" => "回分", "external" => "", _ => "日分" }}</span>
            <select aria-label="用法" data-testid=format!("order-rp{}-usage", i + 1) on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.set_usage(i, &v)) }>
                <option value="" selected=usage_code.is_empty()>"（自由記載）"</option>
                {shared::domain::order::STANDARD_USAGES.iter().map(|(code, text, _)| view! {
                    <option value=*code selected=usage_code == *code>{*text}</option>
                }).collect_view()}
            </select>
            <input class="wide" aria-label="用法（記載）" data-testid=format!("order-rp{}-usage-text", i + 1) prop:value=rp.usage_text.clone()
                on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.set_usage_text(i, &v)) }/>
            <ul class="rp-drugs">
                {rp.drugs.iter().enumerate().map(|(j, d)| {
                    let path = format!("contents.rps[{i}].rp.drugs[{j}]");
                    let stale = Signal::derive(move || flagged.with(|f| f.contains(&path)));
                    view! {
                        <li data-testid="order-drug" class:stale=move || stale.get()>
                            <span>{format!("{} {}", d.code, d.name)}</span>
                            <input class="short" aria-label="数量" data-testid="order-drug-quantity" prop:value=d.quantity.clone()
                                on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.edit_drug(i, j, |d| d.quantity = v.clone())) }/>
                            <span>{d.unit.clone()}</span>
                            <label><input type="checkbox" prop:checked=d.generic_name
                                on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.edit_drug(i, j, |d| d.generic_name = on)) }/>"一般名"</label>
                            <label><input type="checkbox" prop:checked=d.no_substitution
                                on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.edit_drug(i, j, |d| d.no_substitution = on)) }/>"変更不可"</label>
                            <label><input type="checkbox" prop:checked=d.patient_wish
                                on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.edit_drug(i, j, |d| d.patient_wish = on)) }/>"患者希望"</label>
                            <Show when=move || stale.get()>
                                <span class="badge warning" data-testid="order-drug-stale">"本日は使用できません（マスター有効期間外）"</span>
                            </Show>
                            <button type="button" class="secondary" on:click=move |_| edit(&|f| f.remove_drug(i, j))>"削除"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </li>
    }
}

/// The patient's allergies: listed for everyone who sees the patient, recorded and retired by
/// doctors and nurses.
#[component]
fn AllergyList(patient_id: Signal<PatientId>, allergies: RwSignal<Vec<Allergy>>) -> impl IntoView {
    let session = use_session();
    let can_record = move || {
        matches!(
            session.info().map(|i| i.user.role),
            Some(Role::Doctor | Role::Nurse)
        )
    };
    let adding = RwSignal::new(false);
    let kind = RwSignal::new(AllergyKind::Drug);
    let substance = RwSignal::new(String::new());
    let drug_code = RwSignal::new(String::new());
    let severity = RwSignal::new(Severity::Unknown);
    let reaction = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        let id = patient_id.get_untracked();
        spawn_local(async move {
            if let Ok(list) = crate::api::orders::allergies(id).await {
                allergies.set(list);
            }
        });
    };
    let record = move |_| {
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        let code = drug_code.get_untracked().trim().to_string();
        let kind_now = kind.get_untracked();
        let mut body = AllergyInput {
            base_version: 0,
            kind: kind_now,
            substance: substance.get_untracked(),
            drug_code: None,
            ingredient: None,
            severity: severity.get_untracked(),
            source: AllergySource::Patient,
            reaction: reaction.get_untracked(),
            active: true,
            reason: String::new(),
        };
        spawn_local(async move {
            // A drug picked by code: its 成分 from the master, so its generics match too.
            if kind_now == AllergyKind::Drug && !code.is_empty() {
                let request = MasterRowsRequest {
                    on: crate::format::today_jst().to_string(),
                    drugs: vec![code.clone()],
                    ..MasterRowsRequest::default()
                };
                if let Ok(rows) = crate::api::billing::master_rows(&csrf, &request).await {
                    if let Some(d) = rows
                        .drugs
                        .first()
                        .and_then(|r| DrugRecord::from_fields(r).ok())
                    {
                        body.ingredient = shared::domain::allergy::ingredient_key(
                            d.nhi_code.as_deref(),
                            d.generic_name_code.as_deref(),
                        )
                        .map(str::to_string);
                        if body.substance.trim().is_empty() {
                            body.substance = d.name.clone();
                        }
                    }
                }
                body.drug_code = Some(code);
            }
            match crate::api::orders::record_allergy(&csrf, id, &body).await {
                Ok(_) => {
                    adding.set(false);
                    substance.set(String::new());
                    drug_code.set(String::new());
                    reaction.set(String::new());
                    error.set(None);
                    reload();
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    let retire = move |a: Allergy| {
        let Some(why) = web_sys::window()
            .and_then(|w| w.prompt_with_message("解除の理由").ok().flatten())
            .filter(|r| !r.trim().is_empty())
        else {
            return;
        };
        let csrf = session.csrf();
        let body = AllergyInput {
            base_version: a.version,
            kind: a.kind,
            substance: a.substance.clone(),
            drug_code: a.drug_code.clone(),
            ingredient: a.ingredient.clone(),
            severity: a.severity,
            source: a.source,
            reaction: a.reaction.clone(),
            active: false,
            reason: why,
        };
        spawn_local(async move {
            match crate::api::orders::change_allergy(&csrf, a.allergy_id, &body).await {
                Ok(_) => reload(),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    view! {
        <section class="allergies" data-testid="allergies" aria-label="アレルギー・禁忌">
            <strong>"アレルギー・禁忌："</strong>
            {move || {
                let list = allergies.get();
                if list.is_empty() {
                    view! { <span data-testid="allergy-none">"登録なし"</span> }.into_any()
                } else {
                    list.into_iter().map(|a| {
                        let label = format!("{}（{}・{}）", a.substance, a.kind.label_ja(), a.severity.label_ja());
                        let for_retire = a.clone();
                        view! {
                            <span class="badge warning" data-testid="allergy">{label}
                                <Show when=can_record>
                                    {
                                        let a = for_retire.clone();
                                        view! { <button type="button" class="link" on:click=move |_| retire(a.clone())>"解除"</button> }
                                    }
                                </Show>
                            </span>
                        }
                    }).collect_view().into_any()
                }
            }}
            <Show when=move || can_record() && !adding.get()>
                // A new entry starts from the defaults the form shows (never the last entry's kind:
                // a drug recorded as 感染症 would escape the order checks).
                <button type="button" class="link" data-testid="allergy-add" on:click=move |_| {
                    kind.set(AllergyKind::Drug);
                    severity.set(Severity::Unknown);
                    adding.set(true);
                }>"追加"</button>
            </Show>
            <Show when=move || adding.get()>
                <form class="inline-form" data-testid="allergy-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); record(()); }>
                    <select aria-label="種類" data-testid="allergy-kind" on:change=move |ev| kind.set(match event_target_value(&ev).as_str() {
                        "food" => AllergyKind::Food, "other" => AllergyKind::Other, "infection" => AllergyKind::Infection,
                        _ => AllergyKind::Drug })>
                        <option value="drug" selected=move || kind.get() == AllergyKind::Drug>"薬剤"</option>
                        <option value="food" selected=move || kind.get() == AllergyKind::Food>"食物"</option>
                        <option value="other" selected=move || kind.get() == AllergyKind::Other>"その他"</option>
                        <option value="infection" selected=move || kind.get() == AllergyKind::Infection>"感染症"</option>
                    </select>
                    <input aria-label="物質名" data-testid="allergy-substance" placeholder="物質名・薬剤名"
                        prop:value=move || substance.get() on:input=move |ev| substance.set(event_target_value(&ev))/>
                    <input class="code" aria-label="医薬品コード（任意）" data-testid="allergy-drug-code" placeholder="医薬品コード（任意）" inputmode="numeric"
                        prop:value=move || drug_code.get() on:input=move |ev| drug_code.set(event_target_value(&ev))/>
                    <select aria-label="重症度" data-testid="allergy-severity" on:change=move |ev| severity.set(match event_target_value(&ev).as_str() {
                        "mild" => Severity::Mild, "moderate" => Severity::Moderate, "severe" => Severity::Severe, _ => Severity::Unknown })>
                        <option value="unknown" selected=move || severity.get() == Severity::Unknown>"不明"</option>
                        <option value="mild" selected=move || severity.get() == Severity::Mild>"軽度"</option>
                        <option value="moderate" selected=move || severity.get() == Severity::Moderate>"中等度"</option>
                        <option value="severe" selected=move || severity.get() == Severity::Severe>"重度"</option>
                    </select>
                    <input aria-label="症状" placeholder="症状" prop:value=move || reaction.get() on:input=move |ev| reaction.set(event_target_value(&ev))/>
                    <button type="submit" data-testid="allergy-save">"登録"</button>
                    <button type="button" class="secondary" on:click=move |_| adding.set(false)>"やめる"</button>
                </form>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
}
