//! The open note: the editor while it is a draft or being amended, its versions, diffs and
//! approval. The draft/autosave/conflict rules live in [`super::editor`]; this component only
//! wires them to the screen, the browser's store ([`crate::offline::drafts`]), timers and the API.

use super::editor::{Command, Editor, Resolution, SaveFailure, SaveState};
use super::status_class;
use crate::api::ApiFailure;
use crate::offline::drafts;
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chart::{diff_notes, DoctorSummary, NoteDetail};
use shared::api::ErrorCode;
use shared::domain::chart::{DiffLine, Soap};
use shared::domain::Role;
use shared::ids::{NoteId, PatientId};
use std::time::Duration;

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

/// One opening of a note in the editor (or of none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Ticket {
    opening: u32,
    note: Option<NoteId>,
}

/// Applies an event to the editor and returns what it asks for.
fn act(ed: RwSignal<Editor>, event: impl FnOnce(&mut Editor) -> Vec<Command>) -> Vec<Command> {
    ed.try_update(event).unwrap_or_default()
}

/// The open note: editor while it is a draft or being amended, its versions, diffs, approval.
#[component]
pub(super) fn NoteEditor(
    patient_id: Signal<PatientId>,
    open_note: RwSignal<Option<NoteId>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let session = use_session();
    let detail = RwSignal::new(None::<NoteDetail>);
    let ed = RwSignal::new(Editor::default());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let diff_of = RwSignal::new(None::<i32>);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    // What the screen reads, each changing only when its part of the editor does.
    let soap = Memo::new(move |_| ed.with(|e| e.soap.clone()));
    let editing = Memo::new(move |_| ed.with(|e| e.editing));
    let finalizing = Memo::new(move |_| ed.with(|e| e.finalizing));
    let state = Memo::new(move |_| ed.with(|e| e.state.clone()));
    let conflict = Memo::new(move |_| ed.with(|e| e.conflict.clone()));
    let base_version = Memo::new(move |_| ed.with(|e| e.base_version));
    let on_behalf = Memo::new(move |_| ed.with(|e| e.on_behalf.clone()));
    let can_finalize = Memo::new(move |_| ed.with(Editor::can_finalize));
    let can_discard = Memo::new(move |_| ed.with(Editor::can_discard));
    // Read untracked: an effect that names the user must not re-run when the session changes.
    let user_id = move || {
        untrack(|| {
            session
                .info()
                .map(|i| i.user.user_id.to_string())
                .unwrap_or_default()
        })
    };
    let is_clerk = move || session.info().map(|i| i.user.role) == Some(Role::Clerk);
    let is_doctor = move || session.info().map(|i| i.user.role) == Some(Role::Doctor);

    // The doctors a clerk may enter for (代行入力).
    let clerk = is_clerk();
    let doctors = LocalResource::new(move || async move {
        if clerk {
            crate::api::chart::doctors().await.unwrap_or_default()
        } else {
            Vec::<DoctorSummary>::new()
        }
    });

    // Which opening of which note the editor holds: every opening (also of the same note
    // again) is a new ticket. A request's answer touches the screen only if its ticket is
    // still the one shown, and the editor still stands (its values are gone once it is
    // closed: another tab, another patient, another screen).
    let shown = StoredValue::new(Ticket::default());
    let ticket = move || shown.get_value();
    let still = move |t: Ticket| shown.try_get_value() == Some(t);
    let key_of = move |note: NoteId| drafts::key(&user_id(), note);
    let key = move || ticket().note.map(key_of);
    // The editor's commands run here; saving and running call each other (a save's outcome
    // asks for the next save), so the runner is looked up when it is needed.
    let runner: StoredValue<Option<Callback<Vec<Command>>>> = StoredValue::new(None);
    let run = move |commands: Vec<Command>| {
        if let Some(run) = runner.try_get_value().flatten() {
            run.run(commands);
        }
    };
    let cancel_timer = move || {
        timer.update_value(|t| {
            if let Some(h) = t.take() {
                h.clear();
            }
        });
    };
    let schedule = move |ms: u64| {
        cancel_timer();
        let handle = set_timeout_with_handle(
            move || run(vec![Command::SaveNow]),
            Duration::from_millis(ms),
        )
        .ok();
        timer.set_value(handle);
    };
    let show_conflict = move || {
        let t = ticket();
        let Some(note) = t.note else {
            return;
        };
        spawn_local(async move {
            let result = crate::api::chart::note(note).await;
            if !still(t) {
                return;
            }
            match result {
                Ok(d) => {
                    run(act(ed, |e| e.conflict_loaded(d.draft.clone())));
                    detail.set(Some(d));
                }
                Err(_) => run(act(ed, |e| e.conflict_loaded(None))),
            }
        });
    };
    let save = move || {
        let t = ticket();
        let Some(note) = t.note else {
            return;
        };
        let Some(body) = ed.try_update(Editor::start_save).flatten() else {
            return;
        };
        let key = key_of(note);
        let csrf = session.csrf();
        spawn_local(async move {
            let result = crate::api::chart::save_draft(&csrf, note, &body).await;
            if !still(t) {
                // Closed (or opened again) meanwhile: what this browser keeps of the note is
                // brought up to date with what the server now has.
                if let Ok(draft) = &result {
                    drafts::saved(&key, &body, draft.revision);
                }
                run(act(ed, Editor::save_abandoned));
                return;
            }
            let commands = match result {
                Ok(draft) => {
                    let commands = act(ed, |e| e.saved(&draft));
                    detail.update(|d| {
                        if let Some(d) = d {
                            d.draft = Some(draft);
                        }
                    });
                    commands
                }
                Err(f) if f.code() == Some(ErrorCode::Conflict) => {
                    act(ed, |e| e.save_failed(SaveFailure::Conflict))
                }
                Err(ApiFailure::Network) => act(ed, |e| e.save_failed(SaveFailure::Network)),
                Err(f) if f.is_signed_out() => {
                    session.check(&f);
                    act(ed, |e| e.save_failed(SaveFailure::SignedOut))
                }
                Err(f) => act(ed, |e| {
                    e.save_failed(SaveFailure::Refused(f.first_message()))
                }),
            };
            run(commands);
        });
    };
    runner.set_value(Some(Callback::new(move |commands: Vec<Command>| {
        for command in commands {
            match command {
                Command::KeepLocally(draft) => {
                    if let Some(k) = key() {
                        drafts::store(&k, &draft);
                    }
                }
                Command::ForgetLocally => {
                    if let Some(k) = key() {
                        drafts::clear(&k);
                    }
                }
                Command::SaveAfter(ms) => schedule(ms),
                Command::SaveNow => save(),
                Command::FetchConflict => show_conflict(),
                Command::RefreshTimeline => refresh.update(|r| *r += 1),
            }
        }
    })));

    // The note as the server has it, on screen.
    let apply = move |d: NoteDetail| {
        reason.set(String::new());
        diff_of.set(None);
        let local = key().and_then(|k| drafts::load(&k));
        run(act(ed, |e| e.open(&d, local)));
        detail.set(Some(d));
    };
    // A write refused: someone else wrote first (show both), or another reason — shown only
    // while the opening it was made from is.
    let conflict_or_error = move |t: Ticket, f: ApiFailure| {
        session.check(&f);
        if !still(t) {
            return;
        }
        if f.code() == Some(ErrorCode::Conflict) {
            run(vec![Command::FetchConflict]);
        } else {
            error.set(Some(f.first_message()));
        }
    };
    // The unsaved text of the opening that ends, sent as it stands. Not while a save of it is
    // in flight: that save's answer brings this browser's copy up to date, and the text typed
    // since is saved when the note is next opened.
    let send_left = move |left: Ticket| {
        let Some(note) = left.note else {
            return;
        };
        let Some(body) = ed.try_with_untracked(Editor::leave).flatten() else {
            return;
        };
        let key = key_of(note);
        let csrf = session.csrf();
        spawn_local(async move {
            if let Ok(draft) = crate::api::chart::save_draft(&csrf, note, &body).await {
                drafts::saved(&key, &body, draft.revision);
            }
        });
    };

    // Another note opened (or the same one again): the one on screen is sent as it stands (its
    // text is also kept in this browser until the server has it), and nothing of it is carried
    // into the next one.
    Effect::new(move |_| {
        let opened = open_note.get();
        cancel_timer();
        let left = ticket();
        if left.note != opened {
            send_left(left);
        }
        shown.update_value(|t| {
            t.opening += 1;
            t.note = opened;
        });
        let t = ticket();
        ed.update(Editor::close);
        detail.set(None);
        let Some(note) = opened else {
            return;
        };
        spawn_local(async move {
            let result = crate::api::chart::note(note).await;
            if !still(t) {
                return;
            }
            match result {
                Ok(d) => apply(d),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.message()));
                }
            }
        });
    });
    // The editor closes (another tab, another patient, another screen): the same as opening
    // another note.
    on_cleanup(move || {
        cancel_timer();
        if let Some(left) = shown.try_get_value() {
            send_left(left);
        }
    });

    let typed = move |field: &'static str, value: String| {
        run(act(ed, |e| e.type_text(field, value)));
    };

    let finalize = move |_| {
        let t = ticket();
        let Some(note) = t.note else {
            return;
        };
        // The text is read-only while it is being finalised: nothing typed meanwhile is lost.
        let Some(body) = ed.try_update(|e| e.start_finalize(reason.get_untracked())) else {
            return;
        };
        let csrf = session.csrf();
        spawn_local(async move {
            let result = crate::api::chart::finalize(&csrf, note, &body).await;
            ed.try_update(Editor::finalize_ended);
            match result {
                Ok(d) => {
                    // The server has the text as a version: this browser's copy can go.
                    drafts::clear(&key_of(note));
                    let _ = refresh.try_update(|r| *r += 1);
                    if still(t) {
                        apply(d);
                        error.set(None);
                    }
                }
                Err(f) => conflict_or_error(t, f),
            }
        });
    };
    let amend = move |_| {
        if let Some(v) = detail
            .get_untracked()
            .and_then(|d| d.versions.first().cloned())
        {
            run(act(ed, |e| e.amend(&v)));
        }
    };
    let discard = move |_| {
        let t = ticket();
        let Some(note) = t.note else {
            return;
        };
        let revision = ed.with_untracked(|e| e.base_revision);
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::chart::discard_draft(&csrf, note, revision).await {
                Ok(()) => {
                    // The draft is gone on the server: so is this browser's copy of it.
                    drafts::clear(&key_of(note));
                    if let Ok(d) = crate::api::chart::note(note).await {
                        if still(t) {
                            apply(d);
                        }
                    }
                    let _ = refresh.try_update(|r| *r += 1);
                }
                Err(f) => conflict_or_error(t, f),
            }
        });
    };
    let approve = move |version: i32| {
        let t = ticket();
        let Some(note) = t.note else {
            return;
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::chart::approve(&csrf, note, version).await {
                Ok(d) => {
                    let _ = refresh.try_update(|r| *r += 1);
                    if still(t) {
                        detail.set(Some(d));
                    }
                }
                Err(f) => {
                    session.check(&f);
                    if still(t) {
                        error.set(Some(f.first_message()));
                    }
                }
            }
        });
    };
    // Conflict: keep mine (saved on top of theirs), take theirs, or join both.
    let resolve = move |choice: Resolution| {
        let current = detail
            .get_untracked()
            .map(|d| d.current_version())
            .unwrap_or(0);
        run(act(ed, |e| e.resolve(choice, current)));
    };
    let copy_last =
        move |_| {
            let Some(d) = detail.get_untracked() else {
                return;
            };
            let t = ticket();
            let id = patient_id.get_untracked();
            spawn_local(async move {
                // The newest finalised note before this one's day.
                let Ok(page) = crate::api::chart::timeline(id, None).await else {
                    return;
                };
                if !still(t) {
                    return;
                }
                let Some(prev) = page.entries.into_iter().find(|e| {
                    e.note_id != d.note_id && e.visit_date <= d.visit_date && e.version > 0
                }) else {
                    error.set(Some("コピーできる前回の確定記載がありません".into()));
                    return;
                };
                if let Ok(prev) = crate::api::chart::note(prev.note_id).await {
                    // Into the opening it was asked for, only.
                    if let (true, Some(v)) = (still(t), prev.versions.first()) {
                        run(act(ed, |e| e.copy_from(&v.soap)));
                    }
                }
            });
        };
    let use_template = move |ev: leptos::ev::Event| {
        let name = event_target_value(&ev);
        if let Some((_, texts)) = TEMPLATES.iter().find(|(n, _)| *n == name) {
            run(act(ed, |e| e.insert(*texts)));
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
                        on:change=move |ev| run(act(ed, |e| e.choose_doctor(event_target_value(&ev))))>
                        <option value="">"選んでください"</option>
                        {move || doctors.get().unwrap_or_default().into_iter().map(|d| view! { <option value=d.user_id.to_string()>{d.display_name.clone()}</option> }).collect_view()}
                    </select>
                </Show>
                <span class="save-state" role="status" data-testid="save-state"
                    class:warn=move || state.with(SaveState::warns)>
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
                    <button type="button" data-testid="conflict-both" on:click=move |_| resolve(Resolution::Both)>"両方をつなげて保存"</button>
                    <button type="button" data-testid="conflict-mine-button" on:click=move |_| resolve(Resolution::Mine)>"あなたの入力で保存"</button>
                    <button type="button" class="secondary" data-testid="conflict-theirs-button" on:click=move |_| resolve(Resolution::Theirs)>"保存されている内容を使う"</button>
                </section>
            })}
            <div class="note-actions no-print">
                <Show when=move || { base_version.get() > 0 }>
                    <label for="note_reason">"修正理由"</label>
                    <input id="note_reason" data-testid="note-reason" class="wide" prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                </Show>
                <button type="button" data-testid="finalize-note" on:click=finalize
                    disabled=move || !can_finalize.get()>
                    {move || if is_clerk() { "確定（医師の承認待ちにする）" } else if base_version.get() > 0 { "修正を確定" } else { "確定" }}
                </button>
                <button type="button" class="secondary" data-testid="discard-draft" on:click=discard
                    disabled=move || !can_discard.get()>"下書きを破棄"</button>
            </div>
        </Show>
        {move || detail.get().filter(|d| !d.versions.is_empty()).map(|d| {
            let can_amend = d.draft.is_none() && !editing.get();
            let me = session.info().map(|i| i.user.user_id);
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
                        let pending_mine = v.is_pending() && is_doctor() && v.on_behalf_of_id.is_some() && v.on_behalf_of_id == me;
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
    let is_doctor = session.info().map(|i| i.user.role) == Some(Role::Doctor);
    let pending = LocalResource::new(move || async move {
        if is_doctor {
            crate::api::chart::pending().await.unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let pending = move || pending.get().unwrap_or_default();
    view! {
        <Show when=move || !pending().is_empty()>
            <section class="pending" data-testid="pending-approvals">
                <h3>"承認待ちの代行入力"</h3>
                <ul>
                    {move || pending().into_iter().map(|p| view! {
                        <li><a href=format!("/patients/{}/chart?note={}", p.patient_id, p.note_id) data-testid="pending-note">
                            {format!("{} {} （入力：{}）", p.visit_date, p.patient_name, p.author)}
                        </a></li>
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}
