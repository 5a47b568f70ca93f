//! カルテの印刷 (見読性): one visit or a period of the chart — notes and orders with every version
//! marked, diagnoses, vitals and lab results as tables — on A4 with the patient banner on every page
//! (a table header the browser repeats on each printed page). Asking for the print is recorded
//! in the audit log by the server before anything is shown.

use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use shared::api::chart::{ChartPrint, PrintChart};
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
        {move || doc.get().map(|d| view! {
            <crate::components::print_doc::PrintDocView doc=shared::print::chart_print(&d) testid="chart-print"/>
        })}
    }
}
