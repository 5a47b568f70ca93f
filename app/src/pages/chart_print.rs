//! カルテの印刷 (見読性): one visit or a period of the chart — notes and orders with every version
//! marked, diagnoses, vitals and lab results as tables — on A4 with the patient banner on every page
//! (a table header the browser repeats on each printed page). Asking for the print is recorded
//! in the audit log by the server before anything is shown.

use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use shared::api::chart::{ChartPrint, PrintChart};
use shared::domain::chart::format_tenths;
use shared::domain::japanese::format_date;
use shared::ids::PatientId;
use time::Duration;

#[component]
pub fn ChartPrintPage() -> impl IntoView {
    crate::pages::per_path_id("patient_id", |id: PatientId| {
        view! { <ChartPrintOf patient_id=id/> }
    })
}

/// The print of one patient's chart.
#[component]
fn ChartPrintOf(patient_id: PatientId) -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let today = crate::format::today_jst();
    let from = RwSignal::new(
        query
            .with_untracked(|q| q.get("from"))
            .unwrap_or_else(|| format_date(today - Duration::days(92))),
    );
    let to = RwSignal::new(
        query
            .with_untracked(|q| q.get("to"))
            .unwrap_or_else(|| format_date(today)),
    );
    let note = StoredValue::new(query.with_untracked(|q| q.get("note")));
    let doc = RwSignal::new(None::<ChartPrint>);
    // The patient banner on screen, as on every screen about a patient.
    crate::state::show_patient(patient_id, |_| {});
    let error = RwSignal::new(None::<String>);
    let prepare = move || {
        let body = PrintChart {
            note_id: note.get_value(),
            from: from.get_untracked(),
            to: to.get_untracked(),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::chart::print(&csrf, patient_id, &body).await {
                Ok(d) => {
                    doc.set(Some(d));
                    error.set(None);
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    let prepare_click = move |_| prepare();
    // The kept PDF of the same print, open in the viewer.
    let pdf = RwSignal::new(None::<shared::ids::PrintId>);
    let make_pdf = move |_| {
        let body = PrintChart {
            note_id: note.get_value(),
            from: from.get_untracked(),
            to: to.get_untracked(),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::chart::print_pdf(&csrf, patient_id, &body).await {
                Ok(made) => {
                    let _ = pdf.try_set(Some(made.print_id));
                    let _ = error.try_set(None);
                }
                Err(f) => {
                    session.check(&f);
                    let _ = error.try_set(Some(f.first_message()));
                }
            }
        });
    };
    view! {
        <div class="no-print print-controls">
            <h1>"カルテの印刷"</h1>
            <a href=format!("/patients/{patient_id}/chart")>"カルテに戻る"</a>
            <div class="period">
                <label for="print_from">"期間"</label>
                <input id="print_from" type="date" data-testid="print-from" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/>
                "〜"
                <input id="print_to" type="date" data-testid="print-to" aria-label="終了日" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/>
                <button type="button" data-testid="print-prepare" on:click=prepare_click>"印刷用に表示（記録されます）"</button>
                <Show when=move || doc.get().is_some()>
                    <button type="button" data-testid="print-now" on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>"印刷"</button>
                </Show>
                <button type="button" class="secondary" data-testid="print-pdf" on:click=make_pdf>"PDFで保存・印刷（記録されます）"</button>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </div>
        {move || pdf.get().map(|id| view! {
            <crate::pages::chart::pdf_viewer::PdfViewer src=shared::api::documents::print_pdf_path(id)
                title="診療録".to_string() on_close=Callback::new(move |_| pdf.set(None))/>
        })}
        {move || doc.get().map(|d| view! { <ChartDocument doc=d/> })}
    }
}

#[component]
fn ChartDocument(doc: ChartPrint) -> impl IntoView {
    let banner = shared::print::chart_banner(&doc);
    let printed = shared::print::chart_printed_line(&doc);
    view! {
        <article class="print-doc chart-print" data-testid="chart-print">
            <table class="page-frame">
                <thead>
                    <tr><th class="print-banner" data-testid="print-banner">
                        <span class="banner-patient">{banner}</span>
                        <span class="banner-meta">{printed}</span>
                    </th></tr>
                </thead>
                <tbody><tr><td>
                    <h1 class="doc-title-small">"診療録"</h1>
                    <h2>"傷病名"</h2>
                    <table class="print-table">
                        <thead><tr><th>"主"</th><th>"傷病名"</th><th>"開始日"</th><th>"転帰"</th><th>"終了日"</th></tr></thead>
                        <tbody>
                            {doc.diagnoses.is_empty().then(|| view! { <tr><td colspan="5">"期間中の傷病名はありません"</td></tr> })}
                            {doc.diagnoses.iter().map(|x| view! {
                                <tr><td>{x.is_main.then_some("主")}</td><td>{x.display_name()}</td><td>{x.start_date.clone()}</td>
                                    <td>{x.outcome.map(|o| o.label_ja())}</td><td>{x.end_date.clone()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <h2>"経過記録"</h2>
                    {doc.notes.is_empty().then(|| view! { <p>"期間中の記載はありません"</p> })}
                    {doc.notes.iter().map(|n| view! {
                        <section class="print-note" data-testid="print-note">
                            <h3>{format!("{} {}", n.visit_date, n.status.label_ja())}</h3>
                            {n.versions.iter().map(|v| view! {
                                <div class="print-version" class:superseded=v.version < n.current_version()>
                                    <p class="version-meta">{shared::print::note_version_line(v, n.current_version())}</p>
                                    <table class="soap-print">
                                        <tr><th>"S"</th><td>{v.soap.subjective.clone()}</td><th>"A"</th><td>{v.soap.assessment.clone()}</td></tr>
                                        <tr><th>"O"</th><td>{v.soap.objective.clone()}</td><th>"P"</th><td>{v.soap.plan.clone()}</td></tr>
                                    </table>
                                </div>
                            }).collect_view()}
                            {n.draft.as_ref().map(|_| view! { <p class="version-meta">"（未確定の下書きあり：印刷に含みません）"</p> })}
                        </section>
                    }).collect_view()}
                    <h2>"オーダ"</h2>
                    {doc.orders.is_empty().then(|| view! { <p>"期間中のオーダはありません"</p> })}
                    {doc.orders.iter().map(|o| {
                        let name = |code: &str| {
                            doc.names
                                .iter()
                                .find(|(c, ..)| c == code)
                                .map(|(_, n, u)| (n.clone(), u.clone()))
                        };
                        let current = o.current().map(|v| v.version).unwrap_or(0);
                        view! {
                            <section class="print-note" data-testid="print-order">
                                <h3>{format!("{} {} {}", o.visit_date, o.kind.label_ja(), o.status_label_ja())}</h3>
                                {o.versions.iter().map(|v| view! {
                                    <div class="print-version" class:superseded=v.version < current>
                                        <p class="version-meta">{shared::print::order_version_line(v, current)}</p>
                                        <ul>{v.contents.lines_ja(name).into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                                        {(!v.overrides.is_empty()).then(|| view! {
                                            <p class="version-meta">{format!("警告を確認のうえ確定：{}",
                                                v.overrides.iter().map(|x| format!("{}（{}）", x.key, x.reason)).collect::<Vec<_>>().join("、"))}</p>
                                        })}
                                    </div>
                                }).collect_view()}
                                {o.draft.as_ref().map(|_| view! { <p class="version-meta">"（未確定の下書きあり：印刷に含みません）"</p> })}
                            </section>
                        }
                    }).collect_view()}
                    <h2>"バイタルサイン"</h2>
                    <table class="print-table">
                        <thead><tr><th>"測定日時"</th><th>"体温"</th><th>"脈拍"</th><th>"血圧"</th><th>"呼吸"</th><th>"SpO2"</th><th>"身長"</th><th>"体重"</th><th>"BMI"</th></tr></thead>
                        <tbody>
                            {doc.vitals.iter().map(|v| { let x = v.values; view! {
                                <tr><td>{v.measured_at.replace('T', " ")}</td><td>{x.temperature_x10.map(format_tenths)}</td><td>{x.pulse}</td>
                                    <td>{x.systolic.zip(x.diastolic).map(|(s, d)| format!("{s}/{d}"))}</td><td>{x.respiration}</td><td>{x.spo2}</td>
                                    <td>{x.height_x10.map(format_tenths)}</td><td>{x.weight_x10.map(format_tenths)}</td><td>{x.bmi_x10().map(format_tenths)}</td></tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                    <h2>"検査結果"</h2>
                    <table class="print-table">
                        <thead><tr><th>"採取日"</th><th>"項目"</th><th>"結果"</th><th>"単位"</th><th>"基準値"</th><th>"判定"</th></tr></thead>
                        <tbody>
                            {doc.labs.iter().map(|r| view! {
                                <tr><td>{r.collected_on.clone()}</td><td>{r.item_name.clone()}</td><td>{r.value.clone()}</td><td>{r.unit.clone()}</td>
                                    <td>{shared::print::reference_range(r.reference_low, r.reference_high)}</td>
                                    <td>{r.flag.clone()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </td></tr></tbody>
            </table>
        </article>
    }
}
