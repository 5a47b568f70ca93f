//! 月次請求（レセプト）: the clerk picks a 診療年月; the app fetches what the month's claims are
//! built from and builds them here with the shared code (the same the server runs when it
//! files), shows the totals per 審査支払機関 and レセプト種別, the checks (レセプト点検) with a
//! link to the bill or chart that causes each, every claim in the paper layout (様式第二号, 医科
//! 入院外), files the month (the UKE files to download) and lists earlier filings, marking a
//! claim whose bill changed since (要再請求). A UKE file from anywhere can be read back and shown
//! in the same layout (見読性).

use crate::api::ApiFailure;
use crate::format::{jst, today_jst};
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::claims::{
    claims_digest, ClaimNote, FileMonth, FilingDetail, MonthClaimsContext, MonthTotals,
    ReturnClaim, SaveClaimNote,
};
use shared::billing::thousands;
use shared::claims::codes::{department_name, special_note_label, SPECIAL_NOTES};
use shared::claims::month::{
    claim_kind_label_ja, treatment_class_label_ja, Claim, ClaimNoteBody, ClaimOrigin, ClaimProblem,
    Payer, ProblemCode, Severity, FREE_TEXT_COMMENT, SYMPTOM_DETAIL_CLASSES,
};
use shared::claims::uke::{read_uke, ClaimLine, ClaimRecords, DayCounts, UkeFile};
use shared::domain::Permission;
use std::collections::{BTreeMap, HashMap};

#[component]
pub fn ClaimsPage() -> impl IntoView {
    let session = use_session();
    let allowed = move || session.can(Permission::FrontDesk);
    view! {
        <h1>"月次請求（レセプト）"</h1>
        <Show when=allowed fallback=|| view! { <p class="form-error" role="alert">"この画面を開く権限がありません"</p> }>
            <ClaimsMonth/>
            <UkeReader/>
        </Show>
    }
}

/// The month before today's (claims are made at the start of the next month).
fn previous_month() -> String {
    let today = today_jst();
    let (y, m) = match u8::from(today.month()) {
        1 => (today.year() - 1, 12),
        m => (today.year(), m - 1),
    };
    format!("{y:04}-{m:02}")
}

/// Names of the codes the month's bills priced (診療行為, 医薬品, 特定器材) and of the
/// diagnoses, for the paper layout.
fn names_of(context: &MonthClaimsContext) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for input in context.all_inputs() {
        for bill in &input.bills {
            for line in &bill.priced.lines {
                if line.contents.is_empty() {
                    names.insert(line.code.clone(), line.name.clone());
                }
                for c in &line.contents {
                    names.insert(c.code.clone(), c.name.clone());
                }
            }
        }
        for d in &input.diagnoses {
            if let Some(code) = &d.disease_code {
                names.insert(code.clone(), d.name.clone());
            }
        }
    }
    names
}

#[component]
fn ClaimsMonth() -> impl IntoView {
    let session = use_session();
    let month = RwSignal::new(previous_month());
    let context = RwSignal::new(None::<MonthClaimsContext>);
    let error = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let filed = RwSignal::new(None::<FilingDetail>);
    let selected = RwSignal::new(None::<usize>);

    let claims = Memo::new(move |_| {
        context.with(|c| {
            c.as_ref()
                .map(MonthClaimsContext::build)
                .unwrap_or_default()
        })
    });
    let names = Memo::new(move |_| context.with(|c| c.as_ref().map(names_of).unwrap_or_default()));
    let patient_names = Memo::new(move |_| {
        context.with(|c| {
            c.as_ref()
                .map(|c| {
                    c.all_inputs()
                        .map(|i| {
                            (
                                i.patient.patient_id,
                                (i.patient.patient_number.clone(), i.patient.name.clone()),
                            )
                        })
                        .collect::<HashMap<_, _>>()
                })
                .unwrap_or_default()
        })
    });
    let unreadable = Memo::new(move |_| {
        context.with(|c| {
            c.as_ref()
                .map(|c| {
                    c.unreadable()
                        .map(|(p, u)| (p.patient_id, u.problem()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let errors = move || {
        claims.with(|c| c.iter().filter(|c| c.has_errors()).count()) + unreadable.with(Vec::len)
    };
    let has_errors = move || errors() != 0;

    let fail = move |failure: ApiFailure| {
        session.check(&failure);
        error.set(Some(failure.first_message()));
    };
    let load = move || {
        let m = month.get_untracked();
        loading.set(true);
        error.set(None);
        // Another month: nothing open. The same month rebuilt (after a 症状詳記, a fix) keeps
        // the claim that is open.
        let same = context.with_untracked(|c| {
            c.as_ref()
                .is_some_and(|c| format!("{:04}-{:02}", c.month.year(), c.month.month()) == m)
        });
        if !same {
            selected.set(None);
        }
        spawn_local(async move {
            let answer = crate::api::claims::month(&m).await;
            if month.get_untracked() != m {
                // A later pick is loading; this answer is for a month no longer shown.
                return;
            }
            match answer {
                Ok(c) => context.set(Some(c)),
                Err(f) => {
                    context.set(None);
                    fail(f);
                }
            }
            loading.set(false);
        });
    };
    load();

    let file = move |_| {
        // The month the claims on screen were built for (not the picker, which may have moved).
        let Some(m) = context.with_untracked(|c| {
            c.as_ref()
                .map(|c| format!("{:04}-{:02}", c.month.year(), c.month.month()))
        }) else {
            return;
        };
        let body = FileMonth {
            expected: claims.with_untracked(|c| MonthTotals::of(c)),
            digest: claims.with_untracked(|c| claims_digest(c)),
            reason: reason.get_untracked(),
        };
        let csrf = session.csrf();
        error.set(None);
        message.set(None);
        spawn_local(async move {
            match crate::api::claims::file(&m, &csrf, &body).await {
                Ok(detail) => {
                    message.set(Some(format!(
                        "{}年{}月診療分を請求しました（第{}版、{}件、{}点）",
                        detail.summary.service_month.year(),
                        detail.summary.service_month.month(),
                        detail.summary.version,
                        detail.summary.totals.claims,
                        thousands(detail.summary.totals.points as i64)
                    )));
                    filed.set(Some(detail));
                    reason.set(String::new());
                    load();
                }
                Err(f) => fail(f),
            }
        });
    };
    let open_filing = move |id| {
        spawn_local(async move {
            match crate::api::claims::filing(id).await {
                Ok(detail) => filed.set(Some(detail)),
                Err(f) => fail(f),
            }
        });
    };

    view! {
        <section class="claims no-print" data-testid="claims">
            <div class="claims-month">
                <label for="claims_month">"診療年月"</label>
                <input id="claims_month" type="month" data-testid="claims-month" prop:value=move || month.get()
                    on:change=move |ev| { month.set(event_target_value(&ev)); load(); }/>
                <button type="button" class="secondary" data-testid="claims-reload" on:click=move |_| load()>"作り直す"</button>
                <Show when=move || loading.get()><span class="hint">"読み込み中…"</span></Show>
            </div>
            <p class="form-error" role="alert" data-testid="claims-error">{move || error.get()}</p>
            <p class="notice" role="status" data-testid="claims-message">{move || message.get()}</p>
            <Show when=move || context.with(|c| c.is_some())>
                <Summary claims=claims/>
                <Problems claims=claims unreadable=unreadable patient_names=patient_names/>
                <h2>"レセプト一覧"</h2>
                <table class="claims-list" data-testid="claims-list">
                    <thead><tr><th>"患者番号"</th><th>"氏名"</th><th>"診療年月"</th><th>"審査支払機関"</th><th>"種別"</th><th>"実日数"</th><th>"点数"</th><th>"点検"</th><th></th></tr></thead>
                    <tbody>
                        {move || claims.get().into_iter().enumerate().map(|(i, c)| {
                            let (number, name) = patient_names.with(|p| p.get(&c.patient_id).cloned().unwrap_or_default());
                            let days = c.records.ho.as_ref().and_then(|h| h.days).or_else(|| c.records.ko.first().and_then(|k| k.days));
                            let status = if c.has_errors() { "エラー" } else if c.problems.is_empty() { "" } else { "注意" };
                            view! {
                                <tr data-testid="claim-row" class:has-errors=c.has_errors()>
                                    <td>{number}</td>
                                    <td>{name}</td>
                                    <td data-testid="claim-origin">{origin_label(&c)}</td>
                                    <td>{c.payer.label_ja()}</td>
                                    <td>{claim_kind_label_ja(&c.records.re.claim_kind)}</td>
                                    <td class="num">{days.map(|d| d.to_string()).unwrap_or_default()}</td>
                                    <td class="num">{thousands(c.points() as i64)}</td>
                                    <td>{status}</td>
                                    <td><button type="button" class="secondary" data-testid="claim-open" on:click=move |_| selected.set(Some(i))>"表示"</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || selected.get().and_then(|i| claims.with(|c| c.get(i).cloned())).map(|c| {
                    let lines: Vec<(String, String)> = names.with(|n| claim_line_choices(&c.records, n));
                    let m = c.records.re.service_month;
                    view! {
                        <Receipt records=c.records.clone() names=names.get()/>
                        <ClaimNotes patient=c.patient_id month=format!("{:04}-{:02}", m.year(), m.month())
                            lines=lines on_change=load/>
                    }
                })}
                <section class="claims-file" data-testid="claims-file-section">
                    <h2>"請求"</h2>
                    <Show when=move || context.with(|c| c.as_ref().is_some_and(|c| !c.filings.is_empty()))>
                        <label for="claims_reason">"再請求の理由"</label>
                        <input id="claims_reason" type="text" data-testid="claims-reason" prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))/>
                    </Show>
                    <button type="button" data-testid="claims-file"
                        disabled=move || has_errors() || claims.with(|c| c.is_empty())
                        on:click=file>"請求する（UKE ファイルを作成）"</button>
                    <Show when=has_errors>
                        <span class="hint">{move || format!("点検のエラーが{}件あります。直してから請求してください", errors())}</span>
                    </Show>
                </section>
                <Filings context=context open=open_filing/>
                {move || filed.get().map(|d| view! {
                    <FilingView detail=d patient_names=patient_names on_change=move |d| { filed.set(Some(d)); load(); }/>
                })}
            </Show>
        </section>
    }
}

/// The claim's 診療年月, and why it is in this filing when it is not the month's own.
fn origin_label(c: &Claim) -> String {
    let month = format!(
        "{}年{}月",
        c.records.re.service_month.year(),
        c.records.re.service_month.month()
    );
    match c.origin {
        ClaimOrigin::Current => month,
        ClaimOrigin::Late => format!("{month}（月遅れ）"),
        ClaimOrigin::Refiling { .. } => format!("{month}（返戻再請求）"),
    }
}

/// Counts and points per 審査支払機関 and レセプト種別 (総括).
#[component]
fn Summary(claims: Memo<Vec<Claim>>) -> impl IntoView {
    let rows = move || {
        let mut by: BTreeMap<(Payer, String), (u32, u64)> = BTreeMap::new();
        claims.with(|c| {
            for claim in c {
                let e = by
                    .entry((claim.payer, claim.records.re.claim_kind.clone()))
                    .or_default();
                e.0 += 1;
                e.1 += claim.points();
            }
        });
        by.into_iter().collect::<Vec<_>>()
    };
    view! {
        <h2>"総括"</h2>
        <table class="claims-summary" data-testid="claims-summary">
            <thead><tr><th>"審査支払機関"</th><th>"種別"</th><th>"件数"</th><th>"点数"</th></tr></thead>
            <tbody>
                {move || rows().into_iter().map(|((payer, kind), (count, points))| view! {
                    <tr><td>{payer.label_ja()}</td><td>{claim_kind_label_ja(&kind)}</td>
                        <td class="num">{count}</td><td class="num">{thousands(points as i64)}</td></tr>
                }).collect_view()}
            </tbody>
            <tfoot>
                <tr><th colspan="2">"合計"</th>
                    <td class="num" data-testid="claims-total-count">{move || claims.with(|c| c.len())}</td>
                    <td class="num" data-testid="claims-total-points">{move || thousands(claims.with(|c| c.iter().map(Claim::points).sum::<u64>()) as i64)}</td></tr>
            </tfoot>
        </table>
    }
}

/// The checks of every claim, errors first, each with where to fix it.
#[component]
fn Problems(
    claims: Memo<Vec<Claim>>,
    /// Bills the server could not read, as problems of their patients.
    unreadable: Memo<Vec<(shared::ids::PatientId, ClaimProblem)>>,
    patient_names: Memo<HashMap<shared::ids::PatientId, (String, String)>>,
) -> impl IntoView {
    let rows = move || {
        let mut rows = unreadable.get();
        claims.with(|c| {
            for claim in c {
                for p in &claim.problems {
                    rows.push((claim.patient_id, p.clone()));
                }
            }
        });
        rows.sort_by_key(|(_, p)| p.severity != Severity::Error);
        rows
    };
    view! {
        <h2>"点検"</h2>
        <Show when=move || !rows().is_empty() fallback=|| view! { <p class="notice" data-testid="claims-no-problems">"点検で見つかったものはありません"</p> }>
            <ul class="claims-problems" data-testid="claims-problems">
                {move || rows().into_iter().map(|(patient, p)| {
                    let (number, name) = patient_names.with(|n| n.get(&patient).cloned().unwrap_or_default());
                    let chart = (format!("/patients/{patient}/chart"), "カルテを開く");
                    // A 病名漏れ is mended in the chart (the 主病) or in 会計 (the item).
                    let links = match (p.reception_id, p.code) {
                        (Some(r), ProblemCode::DiagnosisRequired) => {
                            vec![chart, (format!("/reception/{r}/bill"), "会計を開く")]
                        }
                        (Some(r), _) => vec![(format!("/reception/{r}/bill"), "会計を開く")],
                        (None, _) => vec![chart],
                    };
                    let severity = if p.severity == Severity::Error { "エラー" } else { "注意" };
                    view! {
                        <li class:error=p.severity == Severity::Error data-testid="claims-problem">
                            <span class="badge">{severity}</span>
                            {format!(" {number} {name}: {}", p.message)}
                            {links.into_iter().map(|(href, label)| view! {
                                " " <a href=href data-testid="claims-problem-link">{label}</a>
                            }).collect_view()}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
    }
}

#[component]
fn Filings(
    context: RwSignal<Option<MonthClaimsContext>>,
    open: impl Fn(shared::ids::FilingId) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let list = move || context.with(|c| c.as_ref().map(|c| c.filings.clone()).unwrap_or_default());
    view! {
        <Show when=move || !list().is_empty()>
            <h2>"請求の記録"</h2>
            <table class="claims-filings" data-testid="claims-filings">
                <thead><tr><th>"版"</th><th>"請求年月"</th><th>"件数"</th><th>"点数"</th><th>"作成"</th><th>"理由"</th><th>"ファイル"</th><th></th></tr></thead>
                <tbody>
                    {move || list().into_iter().map(|f| {
                        let id = f.filing_id;
                        view! {
                            <tr data-testid="claims-filing">
                                <td>{f.version}</td>
                                <td>{format!("{}年{}月", f.billing_month.year(), f.billing_month.month())}</td>
                                <td class="num">{f.totals.claims}</td>
                                <td class="num">{thousands(f.totals.points as i64)}</td>
                                <td>{format!("{} {}", jst(&f.created_at), f.author.clone().unwrap_or_default())}</td>
                                <td>{f.reason.clone()}</td>
                                <td>{f.files.iter().map(|file| view! {
                                    <a href=crate::api::claims::uke_url(id, file.payer) download="RECEIPTC.UKE" data-testid="claims-download" on:click=|_| crate::idle::touch()
                                        title=format!("SHA-256 {}", file.sha256)>
                                        {format!("{}（{} バイト）", file.payer.label_ja(), thousands(file.bytes as i64))}
                                    </a>
                                }).collect_view()}</td>
                                <td><button type="button" class="secondary" data-testid="claims-filing-open" on:click=move |_| open(id)>"開く"</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </Show>
    }
}

/// A filing's claims exactly as filed, with 要再請求 where a bill changed since, and 返戻: the
/// clerk records a claim that came back (reason, 検索番号); it is then filed again with the
/// next month's claims.
#[component]
fn FilingView(
    detail: FilingDetail,
    patient_names: Memo<HashMap<shared::ids::PatientId, (String, String)>>,
    on_change: impl Fn(FilingDetail) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let s = &detail.summary;
    let filing_id = s.filing_id;
    let heading = format!(
        "{}年{}月診療分 第{}版（{}件・{}点）",
        s.service_month.year(),
        s.service_month.month(),
        s.version,
        s.totals.claims,
        thousands(s.totals.points as i64)
    );
    let returning = RwSignal::new(None::<(Payer, u32)>);
    let reason = RwSignal::new(String::new());
    let search_number = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let record = move |_| {
        let Some((payer, claim_number)) = returning.get_untracked() else {
            return;
        };
        let body = ReturnClaim {
            payer,
            claim_number,
            search_number: search_number.get_untracked().trim().to_string(),
            reason: reason.get_untracked(),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::claims::return_claim(filing_id, &csrf, &body).await {
                Ok(d) => {
                    returning.set(None);
                    reason.set(String::new());
                    search_number.set(String::new());
                    error.set(None);
                    on_change(d);
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    view! {
        <section class="claims-filed" data-testid="claims-filed">
            <h3>{heading}</h3>
            <ul>
                {detail.claims.into_iter().map(|c| {
                    let (number, name) = patient_names.with(|n| n.get(&c.claim.patient_id).cloned().unwrap_or_default());
                    let refile = c.needs_refiling();
                    let key = (c.claim.payer, c.claim.records.re.claim_number);
                    let returned = c.returned.clone();
                    view! {
                        <li data-testid="claims-filed-claim">
                            {format!("{} {} {} {} {} {}点", c.claim.payer.label_ja(), c.claim.records.re.claim_number, number, name,
                                claim_kind_label_ja(&c.claim.records.re.claim_kind), thousands(c.claim.points() as i64))}
                            {refile.then(|| view! { <span class="badge status-amended" data-testid="claims-refile">" 要再請求（会計が訂正されています）"</span> })}
                            {match returned {
                                Some(r) => view! {
                                    <span class="badge" data-testid="claims-returned">
                                        {format!(" 返戻（{}）検索番号 {}{}", r.reason, r.search_number, if r.refiled { "・再請求済み" } else { "" })}
                                    </span>
                                }.into_any(),
                                None => view! {
                                    <button type="button" class="secondary" data-testid="claims-return-open"
                                        on:click=move |_| returning.set(Some(key))>"返戻を記録"</button>
                                }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <Show when=move || returning.get().is_some()>
                <div class="claims-return" data-testid="claims-return">
                    <label for="return_search">"検索番号"</label>
                    <input id="return_search" inputmode="numeric" data-testid="claims-return-search" prop:value=move || search_number.get()
                        on:input=move |ev| search_number.set(event_target_value(&ev))/>
                    <label for="return_reason">"返戻の理由"</label>
                    <input id="return_reason" data-testid="claims-return-reason" prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                    <button type="button" data-testid="claims-return-save" on:click=record>"記録する"</button>
                    <button type="button" class="secondary" on:click=move |_| returning.set(None)>"やめる"</button>
                    <p class="form-error" role="alert">{move || error.get()}</p>
                </div>
            </Show>
        </section>
    }
}

/// The lines of a claim a コメント can follow: (code, name), each code once.
fn claim_line_choices(
    records: &ClaimRecords,
    names: &HashMap<String, String>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for code in records.lines.iter().filter_map(ClaimLine::code) {
        if !out.iter().any(|(c, _)| c == code) {
            let name = names.get(code).cloned().unwrap_or_else(|| code.to_string());
            out.push((code.to_string(), name));
        }
    }
    out
}

/// What a note says, in one line.
fn note_text(body: &ClaimNoteBody, lines: &[(String, String)]) -> String {
    match body {
        ClaimNoteBody::SymptomDetail { class, text } => {
            let label = SYMPTOM_DETAIL_CLASSES
                .iter()
                .find(|(c, _)| c == class)
                .map_or("", |(_, l)| *l);
            format!("症状詳記【{class} {label}】{}", text.replace('\n', " / "))
        }
        ClaimNoteBody::Comment {
            line_code,
            code,
            text,
        } => {
            let line = lines
                .iter()
                .find(|(c, _)| c == line_code)
                .map_or(line_code.as_str(), |(_, n)| n.as_str());
            format!("コメント【{line} の後】{code} {text}")
        }
        ClaimNoteBody::SpecialNote { code } => format!(
            "特記事項【{code} {}】",
            special_note_label(code).unwrap_or("")
        ),
    }
}

/// 症状詳記 and コメント of the selected claim's patient and month: listed with their history
/// (retracted ones struck through), written, amended and retracted with a reason.
#[component]
fn ClaimNotes(
    patient: shared::ids::PatientId,
    month: String,
    lines: Vec<(String, String)>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let notes = RwSignal::new(Vec::<ClaimNote>::new());
    let error = RwSignal::new(None::<String>);
    let kind = RwSignal::new("symptom_detail".to_string());
    let class = RwSignal::new("01".to_string());
    let text = RwSignal::new(String::new());
    let line = RwSignal::new(lines.first().map(|(c, _)| c.clone()).unwrap_or_default());
    let code = RwSignal::new(FREE_TEXT_COMMENT.to_string());
    let editing = RwSignal::new(None::<ClaimNote>);
    let reason = RwSignal::new(String::new());
    let month = StoredValue::new(month);
    let lines = StoredValue::new(lines);
    let refresh = move || {
        let m = month.get_value();
        spawn_local(async move {
            match crate::api::claims::notes(patient, &m).await {
                Ok(list) => notes.set(list),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    refresh();
    let clear = move || {
        editing.set(None);
        text.set(String::new());
        reason.set(String::new());
        code.set(FREE_TEXT_COMMENT.to_string());
    };
    let send = move |body: SaveClaimNote| {
        let m = month.get_value();
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::claims::save_note(patient, &m, &csrf, &body).await {
                Ok(_) => {
                    error.set(None);
                    clear();
                    refresh();
                    on_change();
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    let special = RwSignal::new("10".to_string());
    let body_now = move || match kind.get_untracked().as_str() {
        "comment" => ClaimNoteBody::Comment {
            line_code: line.get_untracked(),
            code: code.get_untracked().trim().to_string(),
            text: text.get_untracked(),
        },
        "special_note" => ClaimNoteBody::SpecialNote {
            code: special.get_untracked(),
        },
        _ => ClaimNoteBody::SymptomDetail {
            class: class.get_untracked(),
            text: text.get_untracked(),
        },
    };
    let save = move |_| {
        let base = editing.get_untracked();
        send(SaveClaimNote {
            note_id: base.as_ref().map(|n| n.note_id),
            base_version: base.as_ref().map_or(0, |n| n.version),
            body: body_now(),
            retracted: false,
            reason: reason.get_untracked(),
        });
    };
    let edit = move |n: ClaimNote| {
        match &n.body {
            ClaimNoteBody::SymptomDetail { class: c, text: t } => {
                kind.set("symptom_detail".into());
                class.set(c.clone());
                text.set(t.clone());
            }
            ClaimNoteBody::Comment {
                line_code,
                code: c,
                text: t,
            } => {
                kind.set("comment".into());
                line.set(line_code.clone());
                code.set(c.clone());
                text.set(t.clone());
            }
            ClaimNoteBody::SpecialNote { code: c } => {
                kind.set("special_note".into());
                special.set(c.clone());
            }
        }
        editing.set(Some(n));
    };
    let retract = move |n: ClaimNote| {
        if reason.get_untracked().trim().is_empty() {
            error.set(Some("取消の理由を入力してください".into()));
            return;
        }
        send(SaveClaimNote {
            note_id: Some(n.note_id),
            base_version: n.version,
            body: n.body.clone(),
            retracted: true,
            reason: reason.get_untracked(),
        });
    };
    view! {
        <section class="claim-notes" data-testid="claim-notes">
            <h3>"症状詳記・コメント・特記事項"</h3>
            <ul>
                {move || notes.get().into_iter().map(|n| {
                    let said = lines.with_value(|l| note_text(&n.body, l));
                    let who = format!("（第{}版 {} {}{}）", n.version, n.author.clone().unwrap_or_default(), jst(&n.created_at),
                        if n.reason.is_empty() { String::new() } else { format!(" 理由: {}", n.reason) });
                    let retracted = n.retracted;
                    let (a, b) = (n.clone(), n.clone());
                    view! {
                        <li data-testid="claim-note" class:retracted=retracted>
                            {retracted.then_some("【取消】")}{said}<span class="hint">{who}</span>
                            <Show when=move || !retracted>
                                " " <button type="button" class="secondary" data-testid="claim-note-edit"
                                    on:click={let a = a.clone(); move |_| edit(a.clone())}>"修正"</button>
                                " " <button type="button" class="secondary" data-testid="claim-note-retract"
                                    on:click={let b = b.clone(); move |_| retract(b.clone())}>"取消"</button>
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="claim-note-form" data-testid="claim-note-form">
                <label for="note_kind">"種類"</label>
                <select id="note_kind" data-testid="claim-note-kind" prop:value=move || kind.get()
                    on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="symptom_detail">"症状詳記"</option>
                    <option value="comment">"コメント"</option>
                    <option value="special_note">"特記事項"</option>
                </select>
                <Show when=move || kind.get() == "special_note">
                    <label for="note_special">"特記事項"</label>
                    <select id="note_special" data-testid="claim-note-special" prop:value=move || special.get()
                        on:change=move |ev| special.set(event_target_value(&ev))>
                        {SPECIAL_NOTES.iter().map(|(c, l)| view! { <option value=*c>{format!("{c} {l}")}</option> }).collect_view()}
                    </select>
                    <p class="hint">"所得区分（区ア〜区キ）は保険の所得区分から自動で記録します。"</p>
                </Show>
                <Show when=move || kind.get() != "special_note">
                <Show when=move || kind.get() == "symptom_detail"
                    fallback=move || view! {
                        <label for="note_line">"付ける行"</label>
                        <select id="note_line" data-testid="claim-note-line" prop:value=move || line.get()
                            on:change=move |ev| line.set(event_target_value(&ev))>
                            {lines.get_value().into_iter().map(|(c, n)| view! { <option value=c.clone()>{format!("{n}（{c}）")}</option> }).collect_view()}
                        </select>
                        <label for="note_code">"コメントコード"</label>
                        <input id="note_code" inputmode="numeric" maxlength="9" data-testid="claim-note-code" prop:value=move || code.get()
                            on:input=move |ev| code.set(event_target_value(&ev))/>
                    }>
                    <label for="note_class">"区分"</label>
                    <select id="note_class" data-testid="claim-note-class" prop:value=move || class.get()
                        on:change=move |ev| class.set(event_target_value(&ev))>
                        {SYMPTOM_DETAIL_CLASSES.iter().map(|(c, l)| view! { <option value=*c>{format!("{c} {l}")}</option> }).collect_view()}
                    </select>
                </Show>
                <label for="note_text">"内容"</label>
                <textarea id="note_text" rows="3" data-testid="claim-note-text" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </Show>
                <label for="note_reason">"修正・取消の理由"</label>
                <input id="note_reason" data-testid="claim-note-reason" prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))/>
                <button type="button" data-testid="claim-note-save" on:click=save>
                    {move || if editing.get().is_some() { "修正を保存" } else { "追加する" }}
                </button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" class="secondary" on:click=move |_| clear()>"修正をやめる"</button>
                </Show>
                <p class="form-error" role="alert" data-testid="claim-note-error">{move || error.get()}</p>
            </div>
        </section>
    }
}

fn days_text(days: &DayCounts) -> String {
    days.iter()
        .enumerate()
        .filter_map(|(i, d)| {
            d.map(|n| {
                if n == 1 {
                    format!("{}日", i + 1)
                } else {
                    format!("{}日×{n}", i + 1)
                }
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One claim as the paper レセプト (様式第二号, 医科入院外) lays it out: 保険 and 公費, the
/// patient, 傷病名, 実日数, 摘要 with 点数×回数 and the days, the totals per payer.
#[component]
fn Receipt(records: ClaimRecords, names: HashMap<String, String>) -> impl IntoView {
    let re = &records.re;
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    let mut lines = Vec::new();
    for line in &records.lines {
        let (c, code, amount, points, times, days) = match line {
            ClaimLine::Si(s) => (
                &s.treatment_class,
                &s.code,
                None,
                s.points,
                s.times,
                &s.days,
            ),
            ClaimLine::Iy(s) => (
                &s.treatment_class,
                &s.code,
                s.amount.map(|a| a.to_string()),
                s.points,
                s.times,
                &s.days,
            ),
            ClaimLine::To(s) => (
                &s.treatment_class,
                &s.code,
                s.amount.map(|a| a.to_string()),
                s.points,
                s.times,
                &s.days,
            ),
            ClaimLine::Co(co) => {
                lines.push((
                    String::new(),
                    if co.code == FREE_TEXT_COMMENT {
                        format!("（コメント）{}", co.text)
                    } else {
                        format!("（コメント）{} {}", name_of(&co.code), co.text)
                    },
                    String::new(),
                    String::new(),
                ));
                continue;
            }
            ClaimLine::Other(raw) => {
                lines.push((
                    String::new(),
                    format!("（{} レコード）", raw.kind),
                    String::new(),
                    String::new(),
                ));
                continue;
            }
        };
        let shown_class = if c.is_empty() {
            String::new()
        } else {
            format!("{} {}", c, treatment_class_label_ja(c))
        };
        let what = match amount {
            Some(a) => format!("{} {a}", name_of(code)),
            None => name_of(code),
        };
        let price = match (points, times) {
            (Some(p), Some(t)) => format!("{p} × {t}"),
            _ => String::new(),
        };
        lines.push((shown_class, what, price, days_text(days)));
    }
    let payer_rows: Vec<(String, String, String)> = records
        .ho
        .iter()
        .map(|h| {
            (
                "保険".to_string(),
                h.days.map(|d| d.to_string()).unwrap_or_default(),
                h.points
                    .map(|p| thousands(i64::from(p)))
                    .unwrap_or_default(),
            )
        })
        .chain(records.ko.iter().enumerate().map(|(i, k)| {
            (
                format!("第{}公費", i + 1),
                k.days.map(|d| d.to_string()).unwrap_or_default(),
                k.points
                    .map(|p| thousands(i64::from(p)))
                    .unwrap_or_default(),
            )
        }))
        .collect();
    view! {
        <article class="receipt" data-testid="receipt">
            <header class="receipt-head">
                <div>{format!("{}年{}月分", re.service_month.year(), re.service_month.month())}</div>
                <div data-testid="receipt-kind">{format!("{}（{}）", claim_kind_label_ja(&re.claim_kind), re.claim_kind)}</div>
                {records.ho.as_ref().map(|h| view! {
                    <div>{format!("保険者番号 {}　記号・番号 {}・{}", h.insurer_number, h.card_symbol, h.card_number)}</div>
                })}
                {records.ko.iter().enumerate().map(|(i, k)| view! {
                    <div>{format!("第{}公費 負担者番号 {}　受給者番号 {}", i + 1, k.payer_number, k.recipient_number)}</div>
                }).collect_view()}
            </header>
            <div class="receipt-patient" data-testid="receipt-patient">
                {format!("{}（{}）　{}　{} 生", re.name, re.kana, if re.sex == "1" { "男" } else { "女" }, re.birth_date)}
            </div>
            {(!re.special_notes.is_empty()).then(|| view! {
                <div data-testid="receipt-special-notes">{format!("特記事項 {}", re.special_notes.iter()
                    .map(|c| format!("{c} {}", special_note_label(c).unwrap_or(""))).collect::<Vec<_>>().join("　"))}</div>
            })}
            {re.departments.iter().any(|d| !d.name.is_empty()).then(|| view! {
                <div data-testid="receipt-departments">{format!("診療科 {}", re.departments.iter().filter(|d| !d.name.is_empty())
                    .map(|d| format!("{} {}", d.name, department_name(&d.name).unwrap_or(""))).collect::<Vec<_>>().join("・"))}</div>
            })}
            <ol class="receipt-diagnoses" data-testid="receipt-diagnoses">
                {records.sy.iter().map(|s| {
                    let name = if s.disease_name.is_empty() { name_of(&s.disease_code) } else { s.disease_name.clone() };
                    let outcome = match s.outcome.as_str() { "2" => "治ゆ", "3" => "死亡", "4" => "中止", _ => "" };
                    view! {
                        <li>{format!("{}{}{}　診療開始日 {}　{}", if s.main == "01" { "（主）" } else { "" }, name,
                            if s.modifiers.iter().any(|m| m == "8002") { "（疑い）" } else { "" }, s.start_date, outcome)}</li>
                    }
                }).collect_view()}
            </ol>
            <table class="receipt-lines" data-testid="receipt-lines">
                <thead><tr><th>"診療識別"</th><th>"摘要"</th><th>"点数×回数"</th><th>"算定日"</th></tr></thead>
                <tbody>
                    {lines.into_iter().map(|(c, what, price, days)| view! {
                        <tr><td>{c}</td><td>{what}</td><td class="num">{price}</td><td>{days}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <table class="receipt-totals" data-testid="receipt-totals">
                <thead><tr><th></th><th>"実日数"</th><th>"請求点数"</th></tr></thead>
                <tbody>
                    {payer_rows.into_iter().map(|(who, days, points)| view! {
                        <tr><th>{who}</th><td class="num">{days}</td><td class="num">{points}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            {(!records.sj.is_empty()).then(|| view! {
                <section class="receipt-symptoms" data-testid="receipt-symptoms">
                    <h4>"症状詳記"</h4>
                    {records.sj.iter().map(|sj| view! {
                        <p>{if sj.kind.is_empty() { String::new() } else { format!("【{}】", sj.kind) }}{sj.text.clone()}</p>
                    }).collect_view()}
                </section>
            })}
        </article>
    }
}

/// Reads a UKE file (ours or any 医科 レセ電 file) in the browser and shows its claims in the
/// same layout; a broken file is named by line and field.
#[component]
fn UkeReader() -> impl IntoView {
    let file = RwSignal::new(None::<UkeFile>);
    let error = RwSignal::new(None::<String>);
    let selected = RwSignal::new(None::<usize>);
    let read = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(f) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            return;
        };
        spawn_local(async move {
            let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(f.array_buffer()).await else {
                error.set(Some("ファイルを読み込めません".into()));
                return;
            };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            selected.set(None);
            match read_uke(&bytes) {
                Ok(read) => {
                    error.set(None);
                    file.set(Some(read));
                }
                Err(e) => {
                    file.set(None);
                    error.set(Some(e.message_ja()));
                }
            }
        });
    };
    view! {
        <section class="uke-reader no-print" data-testid="uke-reader">
            <h2>"UKE ファイルを読む"</h2>
            <input type="file" accept=".UKE,.uke,.csv" data-testid="uke-file" on:change=read/>
            <p class="form-error" role="alert" data-testid="uke-error">{move || error.get()}</p>
            {move || file.get().map(|f| {
                let heading = format!("医療機関コード {}　{}　請求年月 {}年{}月　{}件・{}点",
                    f.institution.institution_code, f.institution.name,
                    f.institution.billing_month.year(), f.institution.billing_month.month(),
                    f.totals.claim_count.unwrap_or(0), thousands(f.totals.total_points.unwrap_or(0) as i64));
                view! {
                    <p data-testid="uke-summary">{heading}</p>
                    <ul>
                        {f.claims.iter().enumerate().map(|(i, c)| view! {
                            <li data-testid="uke-claim">
                                <button type="button" class="secondary" on:click=move |_| selected.set(Some(i))>
                                    {format!("{} {} {}", c.re.claim_number, c.re.name, claim_kind_label_ja(&c.re.claim_kind))}
                                </button>
                            </li>
                        }).collect_view()}
                    </ul>
                }
            })}
            {move || selected.get().and_then(|i| file.with(|f| f.as_ref().and_then(|f| f.claims.get(i).cloned()))).map(|c| view! {
                <Receipt records=c names=HashMap::new()/>
            })}
        </section>
    }
}
