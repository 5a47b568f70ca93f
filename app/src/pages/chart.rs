//! カルテ: the patient's chart. A timeline of visits (newest first, older ones loaded as the
//! list is scrolled) beside the open note in the 2号用紙 form (S/O left, A/P right), and tabs
//! for 傷病名, バイタル (温度板) and 検査.
//!
//! Nothing typed is lost: every keystroke is kept in this browser (localStorage, per user and
//! note) until the server has it; the draft is saved to the server a moment after typing
//! stops, and retried while the network or the session is away. A save based on an old
//! revision (someone else saved meanwhile) is refused by the server; the editor then shows both
//! texts and the user decides — never a silent overwrite.

use crate::api::ApiFailure;
use crate::state::{use_current_patient, use_session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};
use shared::api::chart::{
    diff_notes, CreateNote, DoctorSummary, FinalizeNote, NoteDetail, NoteDraft, NoteStatus,
    SaveDraft, TimelineEntry,
};
use shared::api::ErrorCode;
use shared::domain::chart::{DiffLine, Soap};
use shared::domain::Role;
use std::time::Duration;

/// How long after the last keystroke the draft is saved, and how often a failed save is retried.
const AUTOSAVE_MS: u64 = 1200;
const RETRY_MS: u64 = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Note,
    Diagnoses,
    Vitals,
    Labs,
}

#[component]
pub fn ChartPage() -> impl IntoView {
    let session = use_session();
    let current = use_current_patient();
    let params = use_params_map();
    let patient_id =
        Signal::derive(move || params.with(|p| p.get("patient_id").unwrap_or_default()));
    let tab = RwSignal::new(Tab::Note);
    let open_note = RwSignal::new(None::<String>);
    let timeline_version = RwSignal::new(0u32);
    let error = RwSignal::new(None::<String>);
    // `?note=` opens that note (links from the approval queue).
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(note) = query.with(|q| q.get("note")) {
            open_note.set(Some(note));
        }
    });
    // Another patient (the page stays mounted when only the id changes): close the note, unless
    // the address names one of the new patient's notes.
    Effect::new(move |previous: Option<String>| {
        let id = patient_id.get();
        if previous.is_some_and(|p| p != id) {
            open_note.set(query.with_untracked(|q| q.get("note")));
        }
        id
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
    Effect::new(move |_| {
        let id = patient_id.get();
        spawn_local(async move {
            match crate::api::patients::get_one(&id).await {
                Ok(p) => current.0.set(Some(p)),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.message()));
                }
            }
        });
    });
    on_cleanup(move || current.0.set(None));
    let role = move || session.info().map(|i| i.user.role);
    let reads_records = move || matches!(role(), Some(Role::Doctor | Role::Nurse));
    let tab_button = move |t: Tab, label: &'static str, testid: &'static str| {
        view! {
            <button type="button" role="tab" class="tab" class:active=move || tab.get() == t
                aria-selected=move || (tab.get() == t).to_string() data-testid=testid
                on:click=move |_| tab.set(t)>{label}</button>
        }
    };
    view! {
        <p class="form-error" role="alert">{move || error.get()}</p>
        <div class="chart-layout">
            <Timeline patient_id=patient_id open_note=open_note refresh=timeline_version/>
            <section class="chart-main">
                <div class="tabs no-print" role="tablist">
                    {tab_button(Tab::Note, "記載", "tab-note")}
                    <Show when=reads_records>
                        {tab_button(Tab::Diagnoses, "傷病名", "tab-diagnoses")}
                        {tab_button(Tab::Vitals, "バイタル・温度板", "tab-vitals")}
                        {tab_button(Tab::Labs, "検査結果", "tab-labs")}
                    </Show>
                    <a class="tab" href=move || format!("/patients/{}/chart/print", patient_id.get()) data-testid="open-print">"印刷"</a>
                </div>
                {move || match tab.get() {
                    Tab::Note => view! { <NoteEditor patient_id=patient_id open_note=open_note refresh=timeline_version/> }.into_any(),
                    Tab::Diagnoses => view! { <crate::pages::chart_records::DiagnosesPanel patient_id=patient_id/> }.into_any(),
                    Tab::Vitals => view! { <crate::pages::chart_records::VitalsPanel patient_id=patient_id/> }.into_any(),
                    Tab::Labs => view! { <crate::pages::chart_records::LabsPanel patient_id=patient_id/> }.into_any(),
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
    patient_id: Signal<String>,
    open_note: RwSignal<Option<String>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let session = use_session();
    let entries = RwSignal::new(Vec::<TimelineEntry>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let done = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let new_date = RwSignal::new(crate::format::today_jst().to_string());
    // Each reload (another patient, an edit) starts a new generation; answers of an older one
    // are dropped, so a slow answer for one patient never lands in another's timeline.
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
                let result = crate::api::chart::timeline(&id, cursor.as_deref()).await;
                if generation.get_value() != started || patient_id.get_untracked() != id {
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
                                let fresh: Vec<String> =
                                    page.entries.iter().map(|x| x.note_id.clone()).collect();
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
    Effect::new(move |previous: Option<String>| {
        let id = patient_id.get();
        let _ = refresh.get();
        // Another patient: start over.
        if previous.as_deref() != Some(id.as_str()) {
            entries.set(Vec::new());
            done.set(false);
        }
        load(true);
        id
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
            match crate::api::chart::create_note(&csrf, &id, &body).await {
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
                <For each=move || entries.get() key=|e| (e.note_id.clone(), e.version, e.has_draft, e.summary.clone()) let:e>
                    {
                        let id = e.note_id.clone();
                        let selected = {
                            let id = id.clone();
                            move || open_note.get().as_deref() == Some(id.as_str())
                        };
                        view! {
                            <li class="timeline-entry" class:selected=selected data-testid="timeline-entry">
                                <button type="button" class="link" on:click=move |_| open_note.set(Some(id.clone()))>
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

/// What this browser keeps of a note until the server has it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LocalDraft {
    soap: Soap,
    base_revision: i64,
    base_version: i32,
    on_behalf_of: String,
}

fn local_key(user: &str, note: &str) -> String {
    format!("karte.note.{user}.{note}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn local_load(key: &str) -> Option<LocalDraft> {
    serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
}

fn local_store(key: &str, draft: &LocalDraft) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(draft)) {
        let _ = s.set_item(key, &json);
    }
}

fn local_clear(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

#[derive(Debug, Clone, PartialEq)]
enum SaveState {
    Idle,
    Typing,
    Restored,
    Saving,
    Saved(String),
    Offline,
    WaitingForSignIn,
    Conflict,
    Failed(String),
}

impl SaveState {
    fn label(&self) -> String {
        match self {
            Self::Idle => String::new(),
            Self::Typing => "入力中（まもなく自動保存）".into(),
            Self::Restored => "前回保存できなかった入力を復元しました。保存しています…".into(),
            Self::Saving => "保存中…".into(),
            Self::Saved(at) => format!("下書き保存済み {}", crate::format::jst(at).get(11..16).unwrap_or("")),
            Self::Offline => "未送信：サーバーに接続できません。入力はこの端末に保存されています。接続が戻ると自動で保存します".into(),
            Self::WaitingForSignIn => "未送信：再ログインすると保存します（入力はこの端末に保存されています）".into(),
            Self::Conflict => "他の人の保存と競合しました。下の両方の内容を確認してください".into(),
            Self::Failed(message) => format!("保存できません：{message}"),
        }
    }
}

/// Frequent phrases for a new note (the institution's own sets are a later addition).
const TEMPLATES: &[(&str, [&str; 4])] = &[
    (
        "上気道炎",
        [
            "咳嗽・咽頭痛・鼻汁（　日前から）\n発熱：",
            "咽頭発赤：\n扁桃腫大：\n胸部聴診：清\n体温：",
            "急性上気道炎",
            "対症療法\n増悪時再診",
        ],
    ),
    (
        "高血圧 再診",
        [
            "自覚症状なし。服薬遵守良好。\n家庭血圧：",
            "血圧：\n脈拍：\n浮腫：なし",
            "高血圧症 コントロール良好",
            "処方継続\n次回　週後",
        ],
    ),
    (
        "糖尿病 再診",
        [
            "低血糖症状なし。食事・運動療法継続中。",
            "体重：\nHbA1c：\n足病変：なし",
            "2型糖尿病",
            "処方継続\n次回採血",
        ],
    ),
];

/// The open note: editor while it is a draft or being amended, its versions, diffs, approval.
#[component]
fn NoteEditor(
    patient_id: Signal<String>,
    open_note: RwSignal<Option<String>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let session = use_session();
    let detail = RwSignal::new(None::<NoteDetail>);
    let soap = RwSignal::new(Soap::default());
    let base_revision = RwSignal::new(0i64);
    let base_version = RwSignal::new(0);
    let editing = RwSignal::new(false);
    let dirty = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let state = RwSignal::new(SaveState::Idle);
    let conflict = RwSignal::new(None::<Option<NoteDraft>>);
    let finalizing = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let on_behalf = RwSignal::new(String::new());
    let doctors = RwSignal::new(Vec::<DoctorSummary>::new());
    let error = RwSignal::new(None::<String>);
    let diff_of = RwSignal::new(None::<i32>);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let user_id = move || {
        session
            .info()
            .map(|i| i.user.user_id.to_string())
            .unwrap_or_default()
    };
    let is_clerk = move || session.info().map(|i| i.user.role) == Some(Role::Clerk);
    let is_doctor = move || session.info().map(|i| i.user.role) == Some(Role::Doctor);
    let key = move || open_note.get_untracked().map(|n| local_key(&user_id(), &n));

    if is_clerk() {
        spawn_local(async move {
            if let Ok(list) = crate::api::chart::doctors().await {
                doctors.set(list);
            }
        });
    }

    let keep_locally = move || {
        if let Some(k) = key() {
            local_store(
                &k,
                &LocalDraft {
                    soap: soap.get_untracked(),
                    base_revision: base_revision.get_untracked(),
                    base_version: base_version.get_untracked(),
                    on_behalf_of: on_behalf.get_untracked(),
                },
            );
        }
    };

    // save → (on failure) schedule → save: a StoredValue breaks the cycle between them.
    let save_fn: StoredValue<Option<Callback<()>>> = StoredValue::new(None);
    let schedule = move |ms: u64| {
        timer.update_value(|t| {
            if let Some(h) = t.take() {
                h.clear();
            }
        });
        let handle = set_timeout_with_handle(
            move || {
                if let Some(save) = save_fn.get_value() {
                    save.run(());
                }
            },
            Duration::from_millis(ms),
        )
        .ok();
        timer.set_value(handle);
    };
    let show_conflict = move || {
        let Some(note) = open_note.get_untracked() else {
            return;
        };
        spawn_local(async move {
            if let Ok(d) = crate::api::chart::note(&note).await {
                conflict.set(Some(d.draft.clone()));
                detail.set(Some(d));
            } else {
                conflict.set(Some(None));
            }
            state.set(SaveState::Conflict);
        });
    };
    let save = move || {
        let Some(note) = open_note.get_untracked() else {
            return;
        };
        if saving.get_untracked() || conflict.get_untracked().is_some() || !dirty.get_untracked() {
            return;
        }
        saving.set(true);
        state.set(SaveState::Saving);
        let sent = soap.get_untracked();
        let body = SaveDraft {
            base_revision: base_revision.get_untracked(),
            base_version: base_version.get_untracked(),
            soap: sent.clone(),
            on_behalf_of: Some(on_behalf.get_untracked()).filter(|s| !s.is_empty()),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            let result = crate::api::chart::save_draft(&csrf, &note, &body).await;
            saving.set(false);
            // The note may have been closed meanwhile.
            if open_note.get_untracked().as_deref() != Some(note.as_str()) {
                return;
            }
            match result {
                Ok(draft) => {
                    if body.base_revision == 0 {
                        // A new draft: the timeline marks the visit as being edited.
                        refresh.update(|r| *r += 1);
                    }
                    base_revision.set(draft.revision);
                    if soap.get_untracked() == sent {
                        dirty.set(false);
                        if let Some(k) = key() {
                            local_clear(&k);
                        }
                        state.set(SaveState::Saved(draft.updated_at.clone()));
                    } else {
                        keep_locally();
                        schedule(AUTOSAVE_MS);
                    }
                    detail.update(|d| {
                        if let Some(d) = d {
                            d.draft = Some(draft);
                        }
                    });
                }
                Err(f) if f.code() == Some(ErrorCode::Conflict) => show_conflict(),
                Err(ApiFailure::Network) => {
                    state.set(SaveState::Offline);
                    schedule(RETRY_MS);
                }
                Err(f) if f.is_signed_out() => {
                    session.check(&f);
                    state.set(SaveState::WaitingForSignIn);
                    schedule(RETRY_MS);
                }
                Err(f) => state.set(SaveState::Failed(f.first_message())),
            }
        });
    };
    save_fn.set_value(Some(Callback::new(move |()| save())));

    let apply = move |d: &NoteDetail| {
        conflict.set(None);
        reason.set(String::new());
        diff_of.set(None);
        let local = key().and_then(|k| local_load(&k));
        match (&d.draft, d.versions.is_empty()) {
            (Some(draft), _) => {
                soap.set(draft.soap.clone());
                base_revision.set(draft.revision);
                base_version.set(draft.base_version);
                on_behalf.set(draft.on_behalf_of_id.clone().unwrap_or_default());
                editing.set(true);
            }
            (None, true) => {
                soap.set(Soap::default());
                base_revision.set(0);
                base_version.set(0);
                editing.set(true);
            }
            (None, false) => {
                base_revision.set(0);
                base_version.set(d.current_version());
                editing.set(false);
            }
        }
        dirty.set(false);
        state.set(SaveState::Idle);
        // Text typed here that never reached the server (reload, lost connection, timeout).
        if let Some(local) = local {
            let server_text = d.draft.as_ref().map(|x| &x.soap);
            if server_text != Some(&local.soap) {
                soap.set(local.soap);
                base_revision.set(local.base_revision);
                base_version.set(local.base_version);
                on_behalf.set(local.on_behalf_of);
                editing.set(true);
                dirty.set(true);
                state.set(SaveState::Restored);
                save();
            } else if let Some(k) = key() {
                local_clear(&k);
            }
        }
    };

    // Another note opened: the one on screen is sent as it stands (its text is also kept in
    // this browser until the server has it), and nothing of it is carried into the next one.
    Effect::new(move |previous: Option<Option<String>>| {
        let opened = open_note.get();
        timer.update_value(|t| {
            if let Some(h) = t.take() {
                h.clear();
            }
        });
        if let Some(Some(left)) = previous.filter(|p| *p != opened) {
            if dirty.get_untracked() && conflict.get_untracked().is_none() {
                let body = SaveDraft {
                    base_revision: base_revision.get_untracked(),
                    base_version: base_version.get_untracked(),
                    soap: soap.get_untracked(),
                    on_behalf_of: Some(on_behalf.get_untracked()).filter(|s| !s.is_empty()),
                };
                let left_key = local_key(&user_id(), &left);
                let csrf = session.csrf();
                spawn_local(async move {
                    if crate::api::chart::save_draft(&csrf, &left, &body)
                        .await
                        .is_ok()
                    {
                        local_clear(&left_key);
                    }
                });
            }
        }
        dirty.set(false);
        conflict.set(None);
        detail.set(None);
        soap.set(Soap::default());
        base_revision.set(0);
        base_version.set(0);
        editing.set(false);
        state.set(SaveState::Idle);
        let Some(note) = opened.clone() else {
            return opened;
        };
        spawn_local(async move {
            let result = crate::api::chart::note(&note).await;
            // Another note may have been opened meanwhile.
            if open_note.get_untracked().as_deref() != Some(note.as_str()) {
                return;
            }
            match result {
                Ok(d) => {
                    apply(&d);
                    detail.set(Some(d));
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.message()));
                }
            }
        });
        opened
    });
    on_cleanup(move || {
        timer.update_value(|t| {
            if let Some(h) = t.take() {
                h.clear();
            }
        });
    });

    let typed = move |field: &'static str, value: String| {
        soap.update(|s| {
            if let Some(section) = s.section_mut(field) {
                *section = value;
            }
        });
        dirty.set(true);
        keep_locally();
        if matches!(state.get_untracked(), SaveState::Saved(_) | SaveState::Idle) {
            state.set(SaveState::Typing);
        }
        if conflict.get_untracked().is_none() {
            schedule(AUTOSAVE_MS);
        }
    };

    let finalize = move |_| {
        let Some(note) = open_note.get_untracked() else {
            return;
        };
        // The text is read-only while it is being finalised: nothing typed meanwhile is lost.
        finalizing.set(true);
        let body = FinalizeNote {
            revision: base_revision.get_untracked(),
            reason: reason.get_untracked(),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            let result = crate::api::chart::finalize(&csrf, &note, &body).await;
            finalizing.set(false);
            match result {
                Ok(d) => {
                    if let Some(k) = key() {
                        local_clear(&k);
                    }
                    apply(&d);
                    detail.set(Some(d));
                    error.set(None);
                    refresh.update(|r| *r += 1);
                }
                Err(f) if f.code() == Some(ErrorCode::Conflict) => show_conflict(),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    let amend = move |_| {
        if let Some(v) = detail
            .get_untracked()
            .and_then(|d| d.versions.first().cloned())
        {
            soap.set(v.soap);
            base_revision.set(0);
            base_version.set(v.version);
            editing.set(true);
            dirty.set(true);
            keep_locally();
            save();
        }
    };
    let discard = move |_| {
        let Some(note) = open_note.get_untracked() else {
            return;
        };
        let revision = base_revision.get_untracked();
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::chart::discard_draft(&csrf, &note, revision).await {
                Ok(()) => {
                    if let Some(k) = key() {
                        local_clear(&k);
                    }
                    if let Ok(d) = crate::api::chart::note(&note).await {
                        apply(&d);
                        detail.set(Some(d));
                    }
                    refresh.update(|r| *r += 1);
                }
                Err(f) if f.code() == Some(ErrorCode::Conflict) => show_conflict(),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    let approve = move |version: i32| {
        let Some(note) = open_note.get_untracked() else {
            return;
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::chart::approve(&csrf, &note, version).await {
                Ok(d) => {
                    detail.set(Some(d));
                    refresh.update(|r| *r += 1);
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    // Conflict: keep mine (saved on top of theirs), take theirs, or join both.
    let resolve = move |choice: &'static str| {
        // What is on the screen now, including what was typed while the dialog was open.
        let mine = soap.get_untracked();
        let Some(theirs) = conflict.get_untracked() else {
            return;
        };
        let current = detail
            .get_untracked()
            .map(|d| d.current_version())
            .unwrap_or(0);
        let theirs_soap = theirs.as_ref().map(|t| t.soap.clone());
        base_revision.set(theirs.as_ref().map_or(0, |t| t.revision));
        base_version.set(theirs.as_ref().map_or(current, |t| t.base_version));
        conflict.set(None);
        match choice {
            "theirs" => {
                soap.set(theirs_soap.unwrap_or_default());
                dirty.set(false);
                if let Some(k) = key() {
                    local_clear(&k);
                }
                state.set(SaveState::Idle);
                if theirs.is_none() {
                    editing.set(false);
                }
            }
            "both" => {
                let theirs = theirs_soap.unwrap_or_default();
                let mut joined = Soap::default();
                for (field, _, mine_text) in mine.sections() {
                    let their_text = theirs.section(field).unwrap_or_default().to_string();
                    let Some(target) = joined.section_mut(field) else {
                        continue;
                    };
                    *target = match (
                        their_text.trim().is_empty(),
                        mine_text.trim().is_empty() || mine_text == their_text,
                    ) {
                        (_, true) => their_text,
                        (true, false) => mine_text.to_string(),
                        (false, false) => format!("{their_text}\n{mine_text}"),
                    };
                }
                soap.set(joined);
                dirty.set(true);
                keep_locally();
                save();
            }
            _ => {
                soap.set(mine);
                dirty.set(true);
                keep_locally();
                save();
            }
        }
    };
    let copy_last =
        move |_| {
            let Some(d) = detail.get_untracked() else {
                return;
            };
            let id = patient_id.get_untracked();
            spawn_local(async move {
                // The newest finalised note before this one's day.
                let Ok(page) = crate::api::chart::timeline(&id, None).await else {
                    return;
                };
                let Some(prev) = page.entries.into_iter().find(|e| {
                    e.note_id != d.note_id && e.visit_date <= d.visit_date && e.version > 0
                }) else {
                    error.set(Some("コピーできる前回の確定記載がありません".into()));
                    return;
                };
                if let Ok(prev) = crate::api::chart::note(&prev.note_id).await {
                    if let Some(v) = prev.versions.first() {
                        soap.update(|s| {
                            for (field, _, text) in v.soap.sections() {
                                let Some(target) = s.section_mut(field) else {
                                    continue;
                                };
                                if target.trim().is_empty() {
                                    *target = text.to_string();
                                } else if !text.is_empty() {
                                    target.push('\n');
                                    target.push_str(text);
                                }
                            }
                        });
                        dirty.set(true);
                        keep_locally();
                        schedule(AUTOSAVE_MS);
                    }
                }
            });
        };
    let use_template = move |ev: leptos::ev::Event| {
        let name = event_target_value(&ev);
        if let Some((_, texts)) = TEMPLATES.iter().find(|(n, _)| *n == name) {
            soap.update(|s| {
                for (field, text) in ["subjective", "objective", "assessment", "plan"]
                    .into_iter()
                    .zip(texts)
                {
                    let Some(target) = s.section_mut(field) else {
                        continue;
                    };
                    if !target.is_empty() && !target.ends_with('\n') {
                        target.push('\n');
                    }
                    target.push_str(text);
                }
            });
            dirty.set(true);
            keep_locally();
            schedule(AUTOSAVE_MS);
        }
    };

    let area = move |field: &'static str, label: &'static str| {
        let id = format!("note_{field}");
        view! {
            <div class="soap-section">
                <label for=id.clone()>{label}</label>
                <textarea id=id data-testid=format!("note-{field}") rows=8 prop:readOnly=move || finalizing.get()
                    prop:value=move || soap.with(|s| s.section(field).unwrap_or_default().to_string())
                    on:input=move |ev| typed(field, event_target_value(&ev))></textarea>
            </div>
        }
    };

    view! {
        <Show when=move || open_note.get().is_none()>
            <p class="hint">"左の受診歴から記載を選ぶか、「新しい記載」を押してください。"</p>
            <PendingApprovals/>
        </Show>
        <p class="form-error" role="alert" data-testid="note-error">{move || error.get()}</p>
        {move || detail.get().map(|d| view! {
            <header class="note-head">
                <h2>{format!("{} の記載", d.visit_date)}</h2>
                <span class=format!("badge status-{}", status_class(d.status)) data-testid="note-status">{d.status.label_ja()}</span>
                {(!d.chain_intact).then(|| view! { <span class="badge danger" role="alert">"改ざん検知：版の記録が一致しません"</span> })}
                {(!d.versions.is_empty()).then(|| view! {
                    <a class="no-print" data-testid="print-note" href=format!("/patients/{}/chart/print?note={}", d.patient_id, d.note_id)>"この記載を印刷"</a>
                })}
            </header>
        })}
        <Show when=move || editing.get() && open_note.get().is_some()>
            <div class="note-tools no-print">
                <select aria-label="テンプレート" data-testid="note-template" on:change=use_template>
                    <option value="">"テンプレートを挿入…"</option>
                    {TEMPLATES.iter().map(|(n, _)| view! { <option value=*n>{*n}</option> }).collect_view()}
                </select>
                <button type="button" class="secondary" data-testid="copy-last" on:click=copy_last>"前回の記載をコピー"</button>
                <Show when=is_clerk>
                    <label for="note_on_behalf">"代行入力（医師）"</label>
                    <select id="note_on_behalf" data-testid="note-on-behalf" prop:value=move || on_behalf.get()
                        on:change=move |ev| { on_behalf.set(event_target_value(&ev)); dirty.set(true); keep_locally(); schedule(AUTOSAVE_MS); }>
                        <option value="">"選んでください"</option>
                        {move || doctors.get().into_iter().map(|d| view! { <option value=d.user_id.clone()>{d.display_name.clone()}</option> }).collect_view()}
                    </select>
                </Show>
                <span class="save-state" role="status" data-testid="save-state"
                    class:warn=move || matches!(state.get(), SaveState::Offline | SaveState::WaitingForSignIn | SaveState::Conflict | SaveState::Failed(_))>
                    {move || state.get().label()}
                </span>
            </div>
            <div class="soap-sheet" data-testid="note-editor">
                <div class="soap-column">
                    {area("subjective", "S（主訴・現病歴）")}
                    {area("objective", "O（所見・検査）")}
                </div>
                <div class="soap-column">
                    {area("assessment", "A（評価）")}
                    {area("plan", "P（計画・処方）")}
                </div>
            </div>
            {move || conflict.get().map(|theirs| view! {
                <section class="conflict" role="alertdialog" aria-label="保存の競合" data-testid="note-conflict">
                    <h3>"他の人が先に保存しました"</h3>
                    <p>{theirs.as_ref().map(|t| format!("保存されている内容：{}（{}）", t.author, crate::format::jst(&t.updated_at))).unwrap_or_else(|| "この記載は先に確定されました".into())}</p>
                    <div class="conflict-columns">
                        <div>
                            <h4>"保存されている内容"</h4>
                            <pre data-testid="conflict-theirs">{theirs.as_ref().map(|t| soap_text(&t.soap)).unwrap_or_default()}</pre>
                        </div>
                        <div>
                            <h4>"あなたの入力"</h4>
                            <pre data-testid="conflict-mine">{move || soap_text(&soap.get())}</pre>
                        </div>
                    </div>
                    <button type="button" data-testid="conflict-both" on:click=move |_| resolve("both")>"両方をつなげて保存"</button>
                    <button type="button" data-testid="conflict-mine-button" on:click=move |_| resolve("mine")>"あなたの入力で保存"</button>
                    <button type="button" class="secondary" data-testid="conflict-theirs-button" on:click=move |_| resolve("theirs")>"保存されている内容を使う"</button>
                </section>
            })}
            <div class="note-actions no-print">
                <Show when=move || { base_version.get() > 0 }>
                    <label for="note_reason">"修正理由"</label>
                    <input id="note_reason" data-testid="note-reason" class="wide" prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                </Show>
                <button type="button" data-testid="finalize-note" on:click=finalize
                    disabled=move || dirty.get() || saving.get() || finalizing.get() || conflict.get().is_some() || base_revision.get() == 0>
                    {move || if is_clerk() { "確定（医師の承認待ちにする）" } else if base_version.get() > 0 { "修正を確定" } else { "確定" }}
                </button>
                <button type="button" class="secondary" data-testid="discard-draft" on:click=discard
                    disabled=move || saving.get() || base_revision.get() == 0>"下書きを破棄"</button>
            </div>
        </Show>
        {move || detail.get().filter(|d| !d.versions.is_empty()).map(|d| {
            let can_amend = d.draft.is_none() && !editing.get();
            let me = user_id();
            view! {
                {can_amend.then(|| view! {
                    <div class="soap-sheet readonly" data-testid="note-current">
                        {d.versions.first().map(|v| view! {
                            <div class="soap-column"><h4>"S"</h4><pre>{v.soap.subjective.clone()}</pre><h4>"O"</h4><pre>{v.soap.objective.clone()}</pre></div>
                            <div class="soap-column"><h4>"A"</h4><pre>{v.soap.assessment.clone()}</pre><h4>"P"</h4><pre>{v.soap.plan.clone()}</pre></div>
                        })}
                    </div>
                    <button type="button" class="no-print" data-testid="amend-note" on:click=amend>"修正する"</button>
                })}
                <h3>"版の履歴"</h3>
                <ol class="versions" data-testid="note-versions">
                    {d.versions.iter().map(|v| {
                        let version = v.version;
                        let pending_mine = v.is_pending() && is_doctor() && v.on_behalf_of_id.as_deref() == Some(me.as_str());
                        view! {
                            <li data-testid="note-version">
                                <strong>{format!("第{}版", v.version)}</strong>
                                {format!(" {} {}", crate::format::jst(&v.created_at), v.author)}
                                {v.on_behalf_of.clone().map(|d| format!("（代行入力：{d} 医師の記載）"))}
                                {v.is_pending().then(|| view! { <span class="badge status-pending">"承認待ち"</span> })}
                                {v.approved_by.clone().map(|a| format!(" 承認：{a} {}", v.approved_at.as_deref().map(crate::format::jst).unwrap_or_default()))}
                                {(!v.reason.is_empty()).then(|| format!(" 理由：{}", v.reason))}
                                {(version > 1).then(|| view! {
                                    <button type="button" class="link" data-testid="show-diff" on:click=move |_| diff_of.set(if diff_of.get_untracked() == Some(version) { None } else { Some(version) })>"差分"</button>
                                })}
                                {pending_mine.then(|| view! {
                                    <button type="button" data-testid="approve-note" on:click=move |_| approve(version)>"承認"</button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
                {move || diff_of.get().and_then(|to| {
                    let d = detail.get()?;
                    let new = d.versions.iter().find(|v| v.version == to)?;
                    let old = d.versions.iter().find(|v| v.version == to - 1)?;
                    Some(view! { <NoteDiffView diff=diff_notes(old, new)/> })
                })}
            }
        })}
    }
}

fn soap_text(soap: &Soap) -> String {
    soap.sections()
        .iter()
        .map(|(_, label, text)| format!("【{label}】\n{text}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[component]
fn NoteDiffView(diff: shared::api::chart::NoteDiff) -> impl IntoView {
    let soap = Soap::default();
    let labels = soap.sections().map(|(f, l, _)| (f, l));
    view! {
        <section class="note-diff" data-testid="note-diff" aria-label="版の差分">
            <h4>{format!("第{}版 → 第{}版", diff.from_version, diff.to_version)}</h4>
            {diff.sections.into_iter().filter(|(_, lines)| lines.iter().any(|l| !matches!(l, DiffLine::Same(_)))).map(|(field, lines)| {
                let label = labels.iter().find(|(f, _)| *f == field).map(|(_, l)| *l).unwrap_or("");
                view! {
                    <h5>{label}</h5>
                    <pre>{lines.into_iter().map(|l| match l {
                        DiffLine::Same(t) => view! { <span class="same">{format!("  {t}\n")}</span> }.into_any(),
                        DiffLine::Removed(t) => view! { <del data-testid="diff-removed">{format!("- {t}\n")}</del> }.into_any(),
                        DiffLine::Added(t) => view! { <ins data-testid="diff-added">{format!("+ {t}\n")}</ins> }.into_any(),
                    }).collect_view()}</pre>
                }
            }).collect_view()}
        </section>
    }
}

/// A doctor's 代行入力 waiting for approval.
#[component]
fn PendingApprovals() -> impl IntoView {
    let session = use_session();
    let pending = RwSignal::new(Vec::<shared::api::chart::PendingNote>::new());
    if session.info().map(|i| i.user.role) == Some(Role::Doctor) {
        spawn_local(async move {
            if let Ok(list) = crate::api::chart::pending().await {
                pending.set(list);
            }
        });
    }
    view! {
        <Show when=move || !pending.get().is_empty()>
            <section class="pending" data-testid="pending-approvals">
                <h3>"承認待ちの代行入力"</h3>
                <ul>
                    {move || pending.get().into_iter().map(|p| view! {
                        <li><a href=format!("/patients/{}/chart?note={}", p.patient_id, p.note_id) data-testid="pending-note">
                            {format!("{} {} （入力：{}）", p.visit_date, p.patient_name, p.author)}
                        </a></li>
                    }).collect_view()}
                </ul>
            </section>
        </Show>
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
