//! カルテ: the patient's chart. A timeline of visits (newest first, older ones loaded as the
//! list is scrolled) beside the open note in the 2号用紙 form (S/O left, A/P right), and tabs
//! for オーダ (処方・検査・処置・注射 and the allergy list, [`orders`]), 傷病名, バイタル (温度板),
//! 検査 and 画像・文書 ([`attachments`]).
//!
//! Nothing typed is lost: every keystroke is kept in this browser (localStorage, per user and
//! note) until the server has it; the draft is saved to the server a moment after typing
//! stops, and retried while the network or the session is away. A save based on an old
//! revision (someone else saved meanwhile) is refused by the server; the editor then shows both
//! texts and the user decides — never a silent overwrite. The rules are the plain controller
//! in [`editor`]; [`note`] puts it on screen.

use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use shared::api::chart::{CreateNote, NoteStatus, TimelineEntry};
use shared::domain::Role;
use shared::ids::{NoteId, PatientId};

mod attachments;
mod dicom_viewer;
mod documents;
mod editor;
mod note;
mod order_form;
mod orders;
pub(crate) mod pdf_viewer;

use note::NoteEditor;

/// Whether a key event comes from a field the user types in (a viewer's own keys leave it).
fn typing_in_field(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Note,
    Orders,
    Diagnoses,
    Vitals,
    Labs,
    Files,
    Documents,
}

#[component]
pub fn ChartPage() -> impl IntoView {
    crate::pages::per_path_id(
        "patient_id",
        |id: PatientId| view! { <Chart patient_id=id/> },
    )
}

/// The chart of one patient (mounted afresh for each patient).
#[component]
fn Chart(patient_id: PatientId) -> impl IntoView {
    let session = use_session();
    let patient_id = Signal::stored(patient_id);
    let tab = RwSignal::new(Tab::Note);
    let open_note = RwSignal::new(None::<NoteId>);
    let timeline_version = RwSignal::new(0u32);
    let error = RwSignal::new(None::<String>);
    // `?note=` opens that note (links from the approval queue).
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(note) = query.with(|q| q.get("note")).and_then(|n| n.parse().ok()) {
            open_note.set(Some(note));
        }
        // `?tab=orders` opens the orders (links from the order approval queue).
        match query.with(|q| q.get("tab")).as_deref() {
            Some("orders") => tab.set(Tab::Orders),
            // `?tab=files`: the 画像・文書 tab.
            Some("files") => tab.set(Tab::Files),
            // `?tab=documents`: 文書 (診療情報提供書).
            Some("documents") => tab.set(Tab::Documents),
            _ => {}
        }
    });
    // The open note is in the address, so a reload opens it again.
    Effect::new(move |_| {
        if let (Some(note), Some(w)) = (open_note.get(), web_sys::window()) {
            if let Ok(history) = w.history() {
                let url = format!("/patients/{}/chart?note={note}", patient_id.get_untracked());
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
    });
    crate::state::show_patient(patient_id.get_untracked(), move |result| {
        if let Err(f) = result {
            session.check(&f);
            error.set(Some(f.message()));
        }
    });
    let role = move || session.info().map(|i| i.user.role);
    let reads_records = move || matches!(role(), Some(Role::Doctor | Role::Nurse));
    let tab_button = move |t: Tab, label: &'static str, testid: &'static str| {
        view! {
            <button type="button" role="tab" class="tab" class:active=move || tab.get() == t
                aria-selected=move || (tab.get() == t).to_string() data-testid=testid
                on:click=move |_| if tab.get_untracked() != t { tab.set(t) }>{label}</button>
        }
    };
    view! {
        <p class="form-error" role="alert">{move || error.get()}</p>
        <div class="chart-layout">
            <Timeline patient_id=patient_id open_note=open_note refresh=timeline_version/>
            <section class="chart-main">
                <div class="tabs no-print" role="tablist">
                    {tab_button(Tab::Note, "記載", "tab-note")}
                    {tab_button(Tab::Orders, "オーダ", "tab-orders")}
                    <Show when=reads_records>
                        {tab_button(Tab::Diagnoses, "傷病名", "tab-diagnoses")}
                        {tab_button(Tab::Vitals, "バイタル・温度板", "tab-vitals")}
                        {tab_button(Tab::Labs, "検査結果", "tab-labs")}
                    </Show>
                    {tab_button(Tab::Files, "画像・文書", "tab-files")}
                    {tab_button(Tab::Documents, "文書作成", "tab-documents")}
                    <a class="tab" href=move || format!("/patients/{}/chart/print", patient_id.get()) data-testid="open-print">"印刷"</a>
                </div>
                {move || match tab.get() {
                    Tab::Note => view! { <NoteEditor patient_id=patient_id open_note=open_note refresh=timeline_version/> }.into_any(),
                    Tab::Orders => view! { <orders::OrdersPanel patient_id=patient_id/> }.into_any(),
                    Tab::Diagnoses => view! { <crate::pages::chart_records::DiagnosesPanel patient_id=patient_id/> }.into_any(),
                    Tab::Vitals => view! { <crate::pages::chart_records::VitalsPanel patient_id=patient_id/> }.into_any(),
                    Tab::Labs => view! { <crate::pages::chart_records::LabsPanel patient_id=patient_id/> }.into_any(),
                    Tab::Files => view! { <attachments::AttachmentsPanel patient_id=patient_id/> }.into_any(),
                    Tab::Documents => view! { <documents::DocumentsPanel patient_id=patient_id/> }.into_any(),
                }}
            </section>
        </div>
    }
}

/// Marks a moment for the chart's first-screen benchmark (`performance.mark`).
fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// The visits, newest first; the next page is asked for as the list nears its end.
#[component]
fn Timeline(
    patient_id: Signal<PatientId>,
    open_note: RwSignal<Option<NoteId>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let session = use_session();
    let entries = RwSignal::new(Vec::<TimelineEntry>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let done = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let new_date = RwSignal::new(crate::format::today_jst().to_string());
    // Each reload (after an edit) starts a new generation; answers of an older one are dropped,
    // and so is every answer once the chart is closed.
    let generation = StoredValue::new(0u32);
    let load =
        move |reset: bool| {
            if !reset && (loading.get_untracked() || done.get_untracked()) {
                return;
            }
            if reset {
                generation.update_value(|g| *g += 1);
            }
            let started = generation.get_value();
            loading.set(true);
            let cursor = if reset { None } else { next.get_untracked() };
            let id = patient_id.get_untracked();
            spawn_local(async move {
                let first = cursor.is_none();
                let result = crate::api::chart::timeline(id, cursor.as_deref()).await;
                if generation.try_get_value() != Some(started) {
                    return;
                }
                match result {
                    Ok(page) => {
                        if first {
                            mark("karte-timeline-data");
                        }
                        if reset && entries.with_untracked(|e| e.len() > page.entries.len()) {
                            // A refresh after an edit: the first page anew, the older pages already
                            // read stay (and so does the scroll position).
                            entries.update(|e| {
                                let fresh: Vec<NoteId> =
                                    page.entries.iter().map(|x| x.note_id).collect();
                                let mut merged = page.entries.clone();
                                let last = page
                                    .entries
                                    .last()
                                    .map(|x| x.visit_date.clone())
                                    .unwrap_or_default();
                                merged.extend(e.drain(..).filter(|x| {
                                    !fresh.contains(&x.note_id) && x.visit_date <= last
                                }));
                                *e = merged;
                            });
                        } else if reset {
                            done.set(page.next.is_none());
                            next.set(page.next);
                            entries.set(page.entries);
                        } else {
                            done.set(page.next.is_none());
                            next.set(page.next);
                            entries.update(|e| e.extend(page.entries));
                        }
                        if first {
                            request_animation_frame(|| mark("karte-timeline-drawn"));
                        }
                    }
                    Err(f) => {
                        session.check(&f);
                        error.set(Some(f.message()));
                    }
                }
                loading.set(false);
            });
        };
    Effect::new(move |_| {
        let _ = refresh.get();
        load(true);
    });
    let on_scroll = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        if let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            if el.scroll_top() + el.client_height() + 200 >= el.scroll_height() {
                load(false);
            }
        }
    };
    let create = move |_| {
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        let body = CreateNote {
            visit_date: new_date.get_untracked(),
            reception_id: None,
        };
        spawn_local(async move {
            match crate::api::chart::create_note(&csrf, id, &body).await {
                Ok(note) => {
                    open_note.set(Some(note.note_id));
                    refresh.update(|r| *r += 1);
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    view! {
        <aside class="timeline" aria-label="受診歴">
            <div class="new-note no-print">
                <label for="new_note_date">"記載日"</label>
                <input id="new_note_date" type="date" data-testid="new-note-date" prop:value=move || new_date.get()
                    on:input=move |ev| new_date.set(event_target_value(&ev))/>
                <button type="button" data-testid="new-note" on:click=create>"新しい記載"</button>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <ol class="timeline-list" data-testid="timeline" on:scroll=on_scroll>
                <For each=move || entries.get() key=|e| (e.note_id, e.version, e.has_draft, e.summary.clone()) let:e>
                    {
                        let id = e.note_id;
                        let selected = move || open_note.get() == Some(id);
                        view! {
                            <li class="timeline-entry" class:selected=selected data-testid="timeline-entry">
                                <button type="button" class="link" on:click=move |_| open_note.set(Some(id))>
                                    <span class="date">{e.visit_date.clone()}</span>
                                    <span class=format!("badge status-{}", status_class(e.status))>{e.status.label_ja()}</span>
                                    {e.has_draft.then(|| view! { <span class="badge">"編集中"</span> })}
                                    <span class="summary" data-testid="timeline-summary">{e.summary.clone()}</span>
                                    <span class="meta">{e.author.clone()}
                                        {e.vitals.map(|v| format!(" ・ {}", v.describe()))}
                                        {(e.lab_count > 0).then(|| format!(" ・ 検査{}件{}", e.lab_count, if e.lab_flagged > 0 { format!("（異常{}）", e.lab_flagged) } else { String::new() }))}
                                    </span>
                                </button>
                            </li>
                        }
                    }
                </For>
            </ol>
            <Show when=move || !done.get()>
                <button type="button" class="secondary" data-testid="timeline-more" on:click=move |_| load(false)>
                    {move || if loading.get() { "読み込み中…" } else { "さらに読み込む" }}
                </button>
            </Show>
            <Show when=move || done.get() && !entries.get().is_empty()>
                <p class="hint" data-testid="timeline-end">"これより前の記載はありません"</p>
            </Show>
        </aside>
    }
}

fn status_class(status: NoteStatus) -> &'static str {
    match status {
        NoteStatus::Draft => "draft",
        NoteStatus::Final => "final",
        NoteStatus::Amended => "amended",
        NoteStatus::Pending => "pending",
    }
}
