//! 文書: the patient's documents (診療情報提供書) — start a letter filled from the chart, edit and
//! save its draft, finalise it (doctors: the letter is rendered to PDF and kept in both file
//! stores), open each version's PDF (the browser's viewer prints it; every opening is audited as
//! an output), and amend a finalised letter as a new version with a reason.

use crate::offline::drafts;
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::documents::{
    pdf_path, DocumentDetail, DocumentKind, DocumentSummary, ReferralLetter, REFERRAL_FIELDS,
};
use shared::domain::text::Lines;
use shared::domain::Permission;
use shared::ids::{DocumentId, PatientId};

fn state_label(s: &DocumentSummary) -> String {
    match (s.version, s.drafting) {
        (0, _) => "下書き".to_string(),
        (v, true) => format!("第{v}版（訂正中）"),
        (v, false) => format!("確定 第{v}版"),
    }
}

/// An amendment of the newest version begun on screen (the server has its draft at the first
/// save).
fn start_amendment(d: &mut DocumentDetail) {
    if let Some(v) = d.versions.first() {
        d.draft = Some(shared::api::documents::DocumentDraft {
            base_version: v.version,
            letter: v.letter.clone(),
            author: String::new(),
            updated_at: String::new(),
        });
    }
}

/// What this browser keeps of a letter until the server has it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct LocalLetter {
    /// The draft revision the text was typed on.
    revision: i64,
    letter: ReferralLetter,
}

#[component]
pub fn DocumentsPanel(patient_id: Signal<PatientId>) -> impl IntoView {
    let session = use_session();
    let items = RwSignal::new(Vec::<DocumentSummary>::new());
    let open = RwSignal::new(None::<DocumentDetail>);
    let letter = RwSignal::new(ReferralLetter::default());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let field_errors = RwSignal::new(Vec::<(String, String)>::new());
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // A save found the document saved elsewhere first.
    let conflict = RwSignal::new(false);
    // The version open in the PDF viewer.
    let reading = RwSignal::new(None::<i32>);
    // Typed since the form was filled or saved.
    let dirty = RwSignal::new(false);
    let doctor = move || session.can(Permission::Diagnose);
    // Whether the form may be replaced: nothing unsaved, or the user says to drop it.
    let may_replace = move || {
        !dirty.get_untracked()
            || web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(
                        "保存していない入力があります。破棄して別の文書を開きますか？",
                    )
                    .ok()
                })
                .unwrap_or(false)
    };
    // Whether `id` is still the document on screen (a late answer must not land on another).
    let still_open = move |id: DocumentId| {
        open.try_with_untracked(|o| o.as_ref().map(|d| d.document_id))
            .flatten()
            == Some(id)
    };
    // The document last asked for: an answer for an earlier click is dropped.
    let wanted = StoredValue::new(None::<DocumentId>);

    let load = move || {
        session.load_into(
            crate::api::documents::list(patient_id.get_untracked()),
            items,
            error,
        )
    };
    load();

    // This browser's copy of what is typed, per user and document, until the server has it:
    // leaving the tab, a reload or a lost connection loses nothing.
    let local_key = move |id: DocumentId| {
        let user =
            untrack(|| session.info().map(|i| i.user.user_id.to_string())).unwrap_or_default();
        format!("karte.document.{user}.{id}")
    };
    // A document on screen: its draft (or, with none open, the newest version) in the form;
    // text typed here and not saved comes back when it was typed on the same revision.
    let show = move |mut d: DocumentDetail| {
        let text = d
            .draft
            .as_ref()
            .map(|dr| dr.letter.clone())
            .or_else(|| d.versions.first().map(|v| v.letter.clone()))
            .unwrap_or_default();
        let kept: Option<LocalLetter> = drafts::load_as(&local_key(d.document_id));
        let text = match kept {
            Some(k) if k.letter != text => {
                // An amendment typed here and not saved: back in amendment mode.
                if d.draft.is_none() {
                    start_amendment(&mut d);
                }
                status.set(Some("保存していない入力をこの端末から戻しました".into()));
                // Typed on an older revision: saved elsewhere since (the conflict banner says
                // so and offers the server's text).
                conflict.set(k.revision != d.revision);
                k.letter
            }
            Some(_) => {
                drafts::clear(&local_key(d.document_id));
                conflict.set(false);
                text
            }
            None => {
                conflict.set(false);
                text
            }
        };
        letter.set(text);
        reason.set(String::new());
        field_errors.set(Vec::new());
        dirty.set(false);
        open.set(Some(d));
    };
    let failed = move |f: crate::api::ApiFailure| {
        session.check(&f);
        field_errors.set(f.form_errors());
        error.set(Some(f.first_message()));
        busy.set(false);
    };

    let create = move |_| {
        if busy.get_untracked() || !may_replace() {
            return;
        }
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match crate::api::documents::create(&csrf, id, DocumentKind::Referral).await {
                Ok(d) => {
                    show(d);
                    status.set(Some(
                        "カルテから下書きを作りました。紹介先と紹介目的を書いてください".into(),
                    ));
                    busy.set(false);
                    load();
                }
                Err(f) => failed(f),
            }
        });
    };
    let open_document = move |id: DocumentId| {
        if busy.get_untracked() || !may_replace() {
            return;
        }
        wanted.set_value(Some(id));
        error.set(None);
        status.set(None);
        spawn_local(async move {
            let answer = crate::api::documents::detail(id).await;
            if wanted.try_get_value() != Some(Some(id)) {
                return;
            }
            match answer {
                Ok(d) => show(d),
                Err(f) => failed(f),
            }
        });
    };

    // Saves the form; then, when `finalise`, 確定 on the revision the save gave.
    let save = move |finalise: bool| {
        let Some(d) = open.get_untracked() else {
            return;
        };
        let csrf = session.csrf();
        let body = letter.get_untracked();
        let why = reason.get_untracked();
        error.set(None);
        field_errors.set(Vec::new());
        busy.set(true);
        status.set(Some(if finalise {
            "確定しています（PDFを作成して保存します）…".into()
        } else {
            "保存しています…".into()
        }));
        spawn_local(async move {
            let saved =
                crate::api::documents::save_draft(&csrf, d.document_id, d.revision, &body).await;
            if !still_open(d.document_id) {
                busy.set(false);
                return;
            }
            let saved = match saved {
                Ok(s) => s,
                Err(f) => {
                    status.set(None);
                    let stale = f.fields().iter().any(|e| e.code == "stale");
                    failed(f);
                    if stale {
                        // Saved elsewhere first: what is typed here stays on screen; the next
                        // save replaces the other one (or 最新を読み込む takes it).
                        if let Ok(now) = crate::api::documents::detail(d.document_id).await {
                            if still_open(d.document_id) {
                                open.set(Some(now));
                                conflict.set(true);
                            }
                        }
                    }
                    return;
                }
            };
            dirty.set(false);
            conflict.set(false);
            // The server has it now (unless typed on while it was sent).
            if letter.get_untracked() == body {
                drafts::clear(&local_key(d.document_id));
            } else {
                drafts::store_as(
                    &local_key(d.document_id),
                    &LocalLetter {
                        revision: saved.revision,
                        letter: letter.get_untracked(),
                    },
                );
                dirty.set(true);
            }
            if !finalise {
                open.set(Some(saved));
                status.set(Some("下書きを保存しました".into()));
                busy.set(false);
                load();
                return;
            }
            match crate::api::documents::finalize(&csrf, d.document_id, saved.revision, &why).await
            {
                Ok(done) => {
                    let v = done.versions.first().map_or(0, |v| v.version);
                    show(done);
                    status.set(Some(format!(
                        "第{v}版を確定しました。PDFを開いて印刷できます"
                    )));
                    busy.set(false);
                    load();
                }
                Err(f) => {
                    // The draft was saved: keep its new revision for the next try.
                    if still_open(d.document_id) {
                        open.set(Some(saved));
                    }
                    status.set(None);
                    failed(f);
                }
            }
        });
    };

    // A keystroke: into the form and into this browser's copy.
    let typed = move |name: &'static str, value: String| {
        dirty.set(true);
        letter.update(|l| l.set_field(name, value));
        if let Some(d) = open.get_untracked() {
            let copy = LocalLetter {
                revision: d.revision,
                letter: letter.get_untracked(),
            };
            drafts::store_as(&local_key(d.document_id), &copy);
        }
    };

    let field_error = move |name: &'static str| {
        move || {
            field_errors.with(|errs| {
                errs.iter()
                    .filter(|(f, _)| f == name || f.starts_with(&format!("letter.{name}")))
                    .map(|(_, m)| m.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        }
    };

    let form = move || {
        let d = open.get()?;
        let editing = d.draft.is_some();
        let amending = d.draft.as_ref().is_some_and(|dr| dr.base_version > 0);
        let fields = REFERRAL_FIELDS
            .iter()
            .map(|&(name, label, max, lines)| {
                let id = format!("doc_{name}");
                let input = if lines == Lines::Single {
                    view! {
                        <input id=id.clone() type="text" maxlength=max.to_string()
                            data-testid=format!("doc-{name}") prop:readOnly=move || !editing
                            prop:value=move || letter.with(|l| l.field(name).to_string())
                            on:input=move |ev| typed(name, event_target_value(&ev))/>
                    }
                    .into_any()
                } else {
                    let rows = if max >= 4000 { 6 } else { 3 };
                    view! {
                        <textarea id=id.clone() rows=rows data-testid=format!("doc-{name}")
                            prop:readOnly=move || !editing
                            prop:value=move || letter.with(|l| l.field(name).to_string())
                            on:input=move |ev| typed(name, event_target_value(&ev))></textarea>
                    }
                    .into_any()
                };
                view! {
                    <div class="doc-field">
                        <label for=id>{label}</label>
                        {input}
                        <span class="field-error">{field_error(name)}</span>
                    </div>
                }
            })
            .collect_view();
        let document_id = d.document_id;
        let versions = d
            .versions
            .iter()
            .map(|v| {
                let n = v.version;
                let reason = if v.reason.is_empty() {
                    String::new()
                } else {
                    format!("（訂正理由：{}）", v.reason)
                };
                view! {
                    <li data-testid=format!("doc-version-{n}")>
                        <span>{format!("第{n}版 {} 医師 {}{reason}", crate::format::jst_minute(&v.created_at), v.signed_by)}</span>
                        " "
                        <button type="button" data-testid=format!("doc-view-{n}")
                            on:click=move |_| reading.set(Some(n))>"表示・印刷"</button>
                        " "
                        <a href=pdf_path(document_id, n) target="_blank" rel="noopener"
                            data-testid=format!("doc-pdf-{n}")>"PDFファイル"</a>
                        <span class="hint">{format!(" 出力 {}回 ・ SHA-256 {}…", v.outputs, v.pdf.sha256.get(..12).unwrap_or_default())}</span>
                    </li>
                }
            })
            .collect_view();
        let newest = d.versions.first().map(|v| v.version).unwrap_or(0);
        let start_amend = move |_| {
            let Some(mut d) = open.get_untracked() else {
                return;
            };
            start_amendment(&mut d);
            open.set(Some(d));
        };
        Some(view! {
            <section class="doc-editor" data-testid="doc-editor">
                <h3>
                    {DocumentKind::Referral.label_ja()}
                    {if newest > 0 { format!(" 第{newest}版") } else { " （下書き）".to_string() }}
                </h3>
                {(!d.chain_intact).then(|| view! {
                    <p class="form-error" data-testid="doc-chain-broken">"版の記録の整合性が確認できません。管理者に連絡してください"</p>
                })}
                {move || conflict.get().then(|| view! {
                    <p class="form-error" data-testid="doc-conflict">
                        "他の画面で先に保存されました。この画面の入力は残しています。「下書き保存」でこの内容に置き換えるか、"
                        <button type="button" class="link" on:click=move |_| {
                            conflict.set(false);
                            if let Some(d) = open.get_untracked() {
                                drafts::clear(&local_key(d.document_id));
                                show(d);
                            }
                        }>"最新の内容を読み込む"</button>
                    </p>
                })}
                {fields}
                {amending.then(|| view! {
                    <div class="doc-field">
                        <label for="doc_reason">"訂正理由"</label>
                        <input id="doc_reason" type="text" maxlength="200" data-testid="doc-reason"
                            prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))/>
                        <span class="field-error">{field_error("reason")}</span>
                    </div>
                })}
                <div class="actions">
                    {editing.then(|| view! {
                        <button type="button" data-testid="doc-save" prop:disabled=move || busy.get()
                            on:click=move |_| save(false)>"下書き保存"</button>
                    })}
                    {(editing && doctor()).then(|| view! {
                        <button type="button" class="primary" data-testid="doc-finalize"
                            prop:disabled=move || busy.get() on:click=move |_| save(true)>"確定してPDFを作成"</button>
                    })}
                    {(editing && !doctor()).then(|| view! {
                        <span class="hint">"確定は医師が行います"</span>
                    })}
                    {(!editing).then(|| view! {
                        <button type="button" data-testid="doc-amend" on:click=start_amend>"訂正する（新しい版）"</button>
                    })}
                </div>
                {(newest > 0).then(|| view! {
                    <h4>"確定した版"</h4>
                    <ul class="doc-versions">{versions}</ul>
                })}
            </section>
        })
    };

    view! {
        <section class="documents" data-testid="documents-panel">
            <div class="actions">
                <button type="button" class="primary" data-testid="new-referral"
                    prop:disabled=move || busy.get() on:click=create>"診療情報提供書を作成"</button>
            </div>
            <p class="form-error" role="alert" data-testid="doc-error">{move || error.get()}</p>
            <p class="status" role="status" data-testid="doc-status">{move || status.get()}</p>
            <table class="doc-list">
                <thead><tr><th>"作成日"</th><th>"文書"</th><th>"紹介先"</th><th>"状態"</th><th>"更新"</th></tr></thead>
                <tbody>
                    <For each=move || items.get() key=|s| (s.document_id, s.version, s.updated_at.clone()) let:s>
                        {
                            let id = s.document_id;
                            view! {
                                <tr data-testid="doc-row" on:click=move |_| open_document(id)>
                                    <td>{crate::format::jst_minute(&s.created_at)}</td>
                                    <td>{s.kind.label_ja()}</td>
                                    <td><a href="#" on:click=move |ev| { ev.prevent_default(); }>{
                                        if s.to_institution.is_empty() { "（紹介先未記入）".to_string() } else { s.to_institution.clone() }
                                    }</a></td>
                                    <td data-testid="doc-state">{state_label(&s)}</td>
                                    <td>{crate::format::jst_minute(&s.updated_at)}</td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
            {form}
            {move || {
                let n = reading.get()?;
                let d = open.get()?;
                Some(view! {
                    <super::pdf_viewer::PdfViewer src=pdf_path(d.document_id, n)
                        title=format!("{} 第{n}版", d.kind.label_ja())
                        on_close=Callback::new(move |_| {
                            reading.set(None);
                            // The output count moved on: show it (the form's text stays).
                            if let Some(d) = open.get_untracked() {
                                spawn_local(async move {
                                    if let Ok(now) = crate::api::documents::detail(d.document_id).await {
                                        // Only the versions (their output counts): the draft
                                        // and its revision stay as the form has them.
                                        if still_open(d.document_id) {
                                            let _ = open.try_update(|o| {
                                                if let Some(o) = o {
                                                    o.versions = now.versions;
                                                }
                                            });
                                        }
                                    }
                                });
                            }
                        })/>
                })
            }}
        </section>
    }
}
