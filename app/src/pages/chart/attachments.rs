//! 画像・文書: the patient's images, PDFs and DICOM files by date with thumbnails, added by file
//! picker, drag and drop or (on tablets) the camera, with the upload's progress, each given a
//! title, kind and date before it enters the chart; an image viewer (zoom, pan, pinch,
//! double-tap, rotate, brightness and contrast, full screen; two images side by side to compare
//! dates); retraction with a reason. The bytes are checked here with the same
//! `shared::media::sniff` the server uses, so a wrong file is refused before it is sent.

use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::attachments::{
    file_path, Attachment, AttachmentInput, AttachmentKind, RetractAttachment, StoredFile,
};
use shared::ids::PatientId;
use shared::media::MediaType;
use wasm_bindgen::JsCast;

/// What the metadata form is for: a file just uploaded (attach it), or an attachment whose
/// title, kind, dates or source change (a new version, with a reason).
#[derive(Debug, Clone, PartialEq)]
enum Target {
    New(StoredFile),
    Existing(Box<Attachment>),
}

/// The metadata form's contents.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    target: Target,
    title: String,
    kind: AttachmentKind,
    taken_on: String,
    visit_date: String,
    source: String,
    reason: String,
}

impl Pending {
    fn editing(a: &Attachment) -> Self {
        Self {
            target: Target::Existing(Box::new(a.clone())),
            title: a.title.clone(),
            kind: a.kind,
            taken_on: a.taken_on.clone(),
            visit_date: a.visit_date.clone().unwrap_or_default(),
            source: a.source.clone(),
            reason: String::new(),
        }
    }

    /// Which form this is (it is drawn again only when this changes, not on every keystroke).
    fn key(&self) -> String {
        match &self.target {
            Target::New(f) => f.file_id.to_string(),
            Target::Existing(a) => format!("{}:{}", a.attachment_id, a.version),
        }
    }

    fn input(&self) -> AttachmentInput {
        let (base_version, file_id) = match &self.target {
            Target::New(f) => (0, Some(f.file_id)),
            Target::Existing(a) => (a.version, None),
        };
        AttachmentInput {
            base_version,
            file_id,
            kind: self.kind,
            title: self.title.clone(),
            taken_on: self.taken_on.clone(),
            visit_date: Some(self.visit_date.clone()).filter(|d| !d.trim().is_empty()),
            source: self.source.clone(),
            reason: self.reason.clone(),
        }
    }
}

fn kind_for(media: MediaType) -> AttachmentKind {
    match media {
        MediaType::Dicom => AttachmentKind::Imaging,
        MediaType::Pdf => AttachmentKind::Referral,
        _ => AttachmentKind::Photo,
    }
}

/// The title a file starts with: its name without the extension, cut to the limit.
fn title_from_name(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.chars()
        .filter(|c| !c.is_control())
        .take(shared::domain::attachment::TITLE_MAX)
        .collect()
}

fn size_label(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[component]
pub fn AttachmentsPanel(patient_id: Signal<PatientId>) -> impl IntoView {
    let session = use_session();
    let items = RwSignal::new(Vec::<Attachment>::new());
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let pending = RwSignal::new(None::<Pending>);
    // The images open in the viewer: one, or two side by side (比較).
    let viewing = RwSignal::new(None::<Vec<Attachment>>);
    // The PDF open in the PDF viewer.
    let reading = RwSignal::new(None::<Attachment>);
    // The DICOM series open in the DICOM viewer, and where it starts.
    let scanning = RwSignal::new(None::<(Vec<Attachment>, usize)>);
    let chosen = RwSignal::new(Vec::<Attachment>::new());
    let retracting = RwSignal::new(None::<(Attachment, String)>);
    // The share of the file sent, while an upload is under way.
    let progress = RwSignal::new(None::<f64>);
    let load = move || {
        session.load_into(
            crate::api::attachments::list(patient_id.get_untracked()),
            items,
            error,
        )
    };
    load();

    let send = move |file: web_sys::File| {
        let name = file.name();
        let claimed = file.type_();
        let size = file.size() as u64;
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        status.set(Some(format!("送信中… {name}（{}）", size_label(size))));
        error.set(None);
        spawn_local(async move {
            let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await else {
                let _ = status.try_set(None);
                let _ = error.try_set(Some("ファイルを読み込めません".into()));
                return;
            };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            if let Err(refusal) = shared::media::sniff(&bytes) {
                let _ = status.try_set(None);
                let _ = error.try_set(Some(refusal.message_ja()));
                return;
            }
            let _ = progress.try_set(Some(0.0));
            let sent = crate::api::attachments::upload(&csrf, id, &claimed, &bytes, move |p| {
                let _ = progress.try_set(Some(p));
            })
            .await;
            let _ = progress.try_set(None);
            match sent {
                Ok(stored) => {
                    let today = shared::domain::japanese::format_date(crate::format::today_jst());
                    let _ = status.try_set(Some(format!(
                        "受け取りました（{}、両方の保存先に保存済み）。表題と種類を確認して「添付」を押してください",
                        size_label(stored.size)
                    )));
                    let _ = pending.try_set(Some(Pending {
                        kind: kind_for(stored.media_type),
                        target: Target::New(stored),
                        title: title_from_name(&name),
                        taken_on: today.clone(),
                        visit_date: today,
                        source: "当院".into(),
                        reason: String::new(),
                    }));
                }
                Err(f) => {
                    session.check(&f);
                    let _ = status.try_set(None);
                    let _ = error.try_set(Some(f.first_message()));
                }
            }
        });
    };
    let picked = move |ev: leptos::ev::Event| {
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(file) = input
            .as_ref()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        {
            send(file);
        }
        if let Some(input) = input {
            input.set_value("");
        }
    };
    let dragging = RwSignal::new(false);
    let dropped = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            send(file);
        }
    };

    let attach = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = pending.get_untracked() else {
            return;
        };
        let body = p.input();
        if let Err(errors) = body.validate() {
            error.set(errors.first().map(|e| e.message.clone()));
            return;
        }
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        spawn_local(async move {
            let (saved, done) = match &p.target {
                Target::New(_) => (
                    crate::api::attachments::attach(&csrf, id, &body).await,
                    "添付しました",
                ),
                Target::Existing(a) => (
                    crate::api::attachments::change(&csrf, a.attachment_id, &body).await,
                    "変更しました",
                ),
            };
            match saved {
                Ok(a) => {
                    let _ = pending.try_set(None);
                    let _ = error.try_set(None);
                    let _ = status.try_set(Some(format!("「{}」を{done}", a.title)));
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    let _ = error.try_set(Some(f.first_message()));
                }
            }
        });
    };
    let retract = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((a, reason)) = retracting.get_untracked() else {
            return;
        };
        let body = RetractAttachment {
            base_version: a.version,
            reason,
        };
        if let Err(errors) = body.validate() {
            error.set(errors.first().map(|e| e.message.clone()));
            return;
        }
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::attachments::retract(&csrf, a.attachment_id, &body).await {
                Ok(_) => {
                    let _ = retracting.try_set(None);
                    let _ = error.try_set(None);
                    let _ = status.try_set(Some(format!("「{}」を取り消しました", a.title)));
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    let _ = error.try_set(Some(f.first_message()));
                }
            }
        });
    };

    // Drawn again only for another file or attachment, so typing never rebuilds the form.
    let form_key = Memo::new(move |_| pending.with(|p| p.as_ref().map(Pending::key)));
    let retract_key =
        Memo::new(move |_| retracting.with(|r| r.as_ref().map(|(a, _)| a.attachment_id)));
    let pending_form = move || {
        form_key.get()?;
        pending.get_untracked().map(|p| {
            let existing = matches!(p.target, Target::Existing(_));
            let badge = match &p.target {
                Target::New(f) => format!("{} {}", f.media_type.label_ja(), size_label(f.size)),
                Target::Existing(a) => format!("第{}版を変更", a.version),
            };
            let field = move |f: fn(&mut Pending) -> &mut String| {
                move |ev: leptos::ev::Event| {
                    let v = event_target_value(&ev);
                    pending.update(|p| {
                        if let Some(p) = p {
                            *f(p) = v;
                        }
                    });
                }
            };
            view! {
                <form class="attach-form" on:submit=attach novalidate data-testid="attach-form">
                    <span class="badge">{badge}</span>
                    <label for="att_title">"表題"</label>
                    <input id="att_title" data-testid="attach-title" autofocus prop:value=p.title.clone()
                        maxlength=shared::domain::attachment::TITLE_MAX on:input=field(|p| &mut p.title)/>
                    <label for="att_kind">"種類"</label>
                    <select id="att_kind" data-testid="attach-kind" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some(k) = AttachmentKind::ALL.into_iter().find(|k| format!("{k:?}") == v) {
                            pending.update(|p| if let Some(p) = p { p.kind = k });
                        }
                    }>
                        {AttachmentKind::ALL.into_iter().map(|k| view! {
                            <option value=format!("{k:?}") selected=k == p.kind>{k.label_ja()}</option>
                        }).collect_view()}
                    </select>
                    <label for="att_taken">"撮影日・作成日"</label>
                    <input id="att_taken" data-testid="attach-taken-on" size=12 prop:value=p.taken_on.clone() on:input=field(|p| &mut p.taken_on)/>
                    <label for="att_visit">"診療日"</label>
                    <input id="att_visit" size=12 prop:value=p.visit_date.clone() on:input=field(|p| &mut p.visit_date)/>
                    <label for="att_source">"出所"</label>
                    <input id="att_source" size=14 prop:value=p.source.clone() on:input=field(|p| &mut p.source)/>
                    {existing.then(|| view! {
                        <label for="att_reason_change">"変更理由"</label>
                        <input id="att_reason_change" data-testid="attach-reason" size=20 on:input=field(|p| &mut p.reason)/>
                    })}
                    <button type="submit" data-testid="attach-save">{if existing { "変更を保存" } else { "添付" }}</button>
                    {existing.then(|| view! {
                        <button type="button" class="secondary" on:click=move |_| pending.set(None)>"やめる"</button>
                    })}
                </form>
            }
        })
    };

    let row = move |a: Attachment| {
        let media = a.file.media_type;
        let href = file_path(a.file.file_id);
        let thumb = if media.is_image() {
            view! { <img class="thumb" src=href.clone() alt=a.title.clone() loading="lazy"/> }
                .into_any()
        } else {
            view! { <span class="thumb thumb-doc">{media.label_ja()}</span> }.into_any()
        };
        let open = a.clone();
        let to_retract = a.clone();
        let to_edit = a.clone();
        view! {
            <li class="attachment" data-testid="attachment-row">
                <button type="button" class="thumb-button" title="表示" data-testid="attachment-open"
                    on:click=move |_| {
                        if media.is_image() {
                            viewing.set(Some(vec![open.clone()]));
                        } else if media == MediaType::Pdf {
                            reading.set(Some(open.clone()));
                        } else if media == MediaType::Dicom {
                            // The series: the files of its Series Instance UID, in instance order.
                            let series: Vec<Attachment> = items.with_untracked(|all| {
                                shared::api::attachments::series_of(all, &open).into_iter().cloned().collect()
                            });
                            let start = series
                                .iter()
                                .position(|a| a.attachment_id == open.attachment_id)
                                .unwrap_or(0);
                            scanning.set(Some((series, start)));
                        }
                    }>
                    {thumb}
                </button>
                <div class="attachment-text">
                    <strong>{a.title.clone()}</strong>
                    <span>{a.kind.label_ja()}" ・ "{a.taken_on.clone()}" ・ "{a.source.clone()}</span>
                    <span class="muted">{size_label(a.file.size)}" ・ "{a.author.clone()}</span>
                </div>
                {media.is_image().then(|| {
                    let this = a.clone();
                    let id = a.attachment_id;
                    view! {
                        <label class="compare-pick">
                            <input type="checkbox" data-testid="attachment-compare"
                                prop:checked=move || chosen.with(|c| c.iter().any(|x| x.attachment_id == id))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let this = this.clone();
                                    chosen.update(|c| {
                                        c.retain(|x| x.attachment_id != id);
                                        if on {
                                            c.push(this);
                                            // Two at a time: the oldest choice gives way.
                                            if c.len() > 2 { c.remove(0); }
                                        }
                                    });
                                }/>
                            "比較"
                        </label>
                    }
                })}
                <a href=href download=format!("{}.{}", a.title, media.extension()) data-testid="attachment-download">"保存"</a>
                <button type="button" class="secondary" data-testid="attachment-edit"
                    on:click=move |_| pending.set(Some(Pending::editing(&to_edit)))>"編集"</button>
                <button type="button" class="secondary" data-testid="attachment-retract"
                    on:click=move |_| retracting.set(Some((to_retract.clone(), String::new())))>"取消"</button>
            </li>
        }
    };

    view! {
        <section class="attachments" data-testid="attachments">
            <h2>"画像・文書"</h2>
            <div class="drop-zone no-print" class:dragging=move || dragging.get() data-testid="drop-zone"
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=dropped>
                <p>"ここにファイルをドロップ（JPEG・PNG・WebP・PDF・DICOM）"</p>
                <label class="button" for="att_file">"ファイルを選ぶ"</label>
                <input id="att_file" class="visually-hidden" type="file" data-testid="attach-file"
                    accept="image/jpeg,image/png,image/webp,application/pdf,application/dicom,.dcm" on:change=picked/>
                <label class="button" for="att_camera">"カメラで撮影"</label>
                <input id="att_camera" class="visually-hidden" type="file" accept="image/*" capture="environment" on:change=picked/>
            </div>
            <p role="status" data-testid="attach-status">{move || status.get()}</p>
            {move || progress.get().map(|p| view! {
                <progress class="upload-progress" max="100" value=format!("{:.0}", p * 100.0)
                    data-testid="upload-progress">{format!("{:.0}%", p * 100.0)}</progress>
            })}
            <p class="form-error" role="alert" data-testid="attach-error">{move || error.get()}</p>
            {pending_form}
            {move || retract_key.get().and_then(|_| retracting.get_untracked()).map(|(a, _)| view! {
                <form class="retract-form" on:submit=retract novalidate data-testid="retract-form">
                    <span>"「"{a.title.clone()}"」を取り消します（一覧から外れ、記録は残ります）"</span>
                    <label for="att_reason">"理由"</label>
                    <input id="att_reason" data-testid="retract-reason" autofocus
                        on:input=move |ev| { let v = event_target_value(&ev); retracting.update(|r| if let Some(r) = r { r.1 = v }); }/>
                    <button type="submit" data-testid="retract-save">"取り消す"</button>
                    <button type="button" class="secondary" on:click=move |_| retracting.set(None)>"やめる"</button>
                </form>
            })}
            <Show when=move || chosen.with(|c| c.len() == 2)>
                <button type="button" data-testid="compare-open" on:click=move |_| {
                    let mut pair = chosen.get_untracked();
                    // Older on the left.
                    pair.sort_by(|a, b| a.taken_on.cmp(&b.taken_on));
                    viewing.set(Some(pair));
                }>"選んだ2枚を並べて比較"</button>
            </Show>
            <ul class="attachment-list" data-testid="attachment-list">
                {move || items.get().into_iter().map(row).collect_view()}
            </ul>
            {move || items.with(Vec::is_empty).then(|| view! { <p class="muted">"まだありません"</p> })}
            {move || viewing.get().map(|a| view! { <ImageViewer attachments=a on_close=Callback::new(move |_| viewing.set(None))/> })}
            {move || scanning.get().map(|(series, start)| view! {
                <super::dicom_viewer::DicomViewer series=series start=start
                    on_close=Callback::new(move |_| scanning.set(None))/>
            })}
            {move || reading.get().map(|a| view! {
                <super::pdf_viewer::PdfViewer src=file_path(a.file.file_id) title=a.title.clone()
                    on_close=Callback::new(move |_| reading.set(None))/>
            })}
        </section>
    }
}

/// The image viewer: zoom (buttons, wheel, pinch, double-tap), pan (drag), rotate, brightness
/// and contrast, full screen; Esc closes.
#[component]
fn ImageViewer(attachments: Vec<Attachment>, on_close: Callback<()>) -> impl IntoView {
    let title = attachments
        .iter()
        .map(|a| format!("{}（{}）", a.title, a.taken_on))
        .collect::<Vec<_>>()
        .join(" ／ ");
    let label = title.clone();
    let scale = RwSignal::new(1.0f64);
    let offset = RwSignal::new((0.0f64, 0.0f64));
    let rotation = RwSignal::new(0i32);
    let brightness = RwSignal::new(100u32);
    let contrast = RwSignal::new(100u32);
    // Active pointers (id, x, y): one drags, two pinch.
    let pointers = StoredValue::new(Vec::<(i32, f64, f64)>::new());
    let last_tap = StoredValue::new(0.0f64);
    let frame = NodeRef::<leptos::html::Div>::new();
    let dialog = NodeRef::<leptos::html::Div>::new();
    // Focus into the viewer, so its keys (Esc, +, −, R) work at once.
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let _ = el.focus();
        }
    });
    let zoom = move |factor: f64| scale.update(|s| *s = (*s * factor).clamp(0.2, 20.0));
    let reset = move || {
        scale.set(1.0);
        offset.set((0.0, 0.0));
        rotation.set(0);
        brightness.set(100);
        contrast.set(100);
    };
    let down = move |ev: leptos::ev::PointerEvent| {
        if let Some(el) = frame.get_untracked() {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        pointers.update_value(|p| {
            p.retain(|(id, _, _)| *id != ev.pointer_id());
            p.push((ev.pointer_id(), ev.client_x() as f64, ev.client_y() as f64));
        });
        // Double-tap (or double-click): 2× in, or back to fit.
        let now = js_sys::Date::now();
        if now - last_tap.get_value() < 300.0 {
            if scale.get_untracked() > 1.01 {
                reset();
            } else {
                zoom(2.0);
            }
            last_tap.set_value(0.0);
        } else {
            last_tap.set_value(now);
        }
    };
    let moved = move |ev: leptos::ev::PointerEvent| {
        let (x, y) = (ev.client_x() as f64, ev.client_y() as f64);
        let mut pinch = None;
        let mut drag = None;
        pointers.update_value(|p| {
            let Some(i) = p.iter().position(|(id, _, _)| *id == ev.pointer_id()) else {
                return;
            };
            if p.len() == 2 {
                let other = p[1 - i];
                let before = ((p[i].1 - other.1).powi(2) + (p[i].2 - other.2).powi(2)).sqrt();
                let after = ((x - other.1).powi(2) + (y - other.2).powi(2)).sqrt();
                if before > 0.0 {
                    pinch = Some(after / before);
                }
            } else if p.len() == 1 {
                drag = Some((x - p[i].1, y - p[i].2));
            }
            p[i] = (ev.pointer_id(), x, y);
        });
        if let Some(f) = pinch {
            zoom(f);
        }
        if let Some((dx, dy)) = drag {
            offset.update(|o| *o = (o.0 + dx, o.1 + dy));
        }
    };
    let up = move |ev: leptos::ev::PointerEvent| {
        pointers.update_value(|p| p.retain(|(id, _, _)| *id != ev.pointer_id()));
    };
    let wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        zoom(if ev.delta_y() < 0.0 { 1.15 } else { 1.0 / 1.15 });
    };
    let full_screen = move |_| {
        if let Some(el) = dialog.get_untracked() {
            let _ = el.request_fullscreen();
        }
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => on_close.run(()),
        "+" | "=" => zoom(1.25),
        "-" => zoom(0.8),
        "r" | "R" => rotation.update(|r| *r = (*r + 90) % 360),
        _ => {}
    };
    let slider = move |label: &'static str, id: &'static str, value: RwSignal<u32>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="range" min="20" max="300" step="5" data-testid=id
                prop:value=move || value.get().to_string()
                on:input=move |ev| if let Ok(v) = event_target_value(&ev).parse() { value.set(v) }/>
        }
    };
    view! {
        <div class="viewer" role="dialog" aria-modal="true" aria-label=label
            tabindex="-1" on:keydown=keydown data-testid="image-viewer" node_ref=dialog>
            <div class="viewer-bar">
                <strong>{title}</strong>
                <button type="button" on:click=move |_| zoom(1.25) data-testid="viewer-zoom-in" title="拡大 (+)">"拡大"</button>
                <button type="button" on:click=move |_| zoom(0.8) data-testid="viewer-zoom-out" title="縮小 (−)">"縮小"</button>
                <button type="button" on:click=move |_| rotation.update(|r| *r = (*r + 90) % 360) data-testid="viewer-rotate" title="回転 (R)">"回転"</button>
                {slider("明るさ", "viewer-brightness", brightness)}
                {slider("コントラスト", "viewer-contrast", contrast)}
                <button type="button" on:click=move |_| reset() data-testid="viewer-reset">"元に戻す"</button>
                <button type="button" on:click=full_screen>"全画面"</button>
                <span data-testid="viewer-scale">{move || format!("{:.0}%", scale.get() * 100.0)}</span>
                <button type="button" class="secondary" on:click=move |_| on_close.run(()) data-testid="viewer-close">"閉じる"</button>
            </div>
            <div class="viewer-frame" node_ref=frame
                on:pointerdown=down on:pointermove=moved on:pointerup=up on:pointercancel=up
                on:wheel=wheel>
                {attachments.into_iter().map(|a| view! {
                    <figure class="viewer-pane">
                        <img src=file_path(a.file.file_id) alt=a.title.clone() draggable="false"
                            data-testid="viewer-image"
                            style:transform=move || {
                                let (x, y) = offset.get();
                                format!("translate({x}px, {y}px) scale({}) rotate({}deg)", scale.get(), rotation.get())
                            }
                            style:filter=move || format!("brightness({}%) contrast({}%)", brightness.get(), contrast.get())/>
                        <figcaption>{a.title.clone()}" "{a.taken_on.clone()}</figcaption>
                    </figure>
                }).collect_view()}
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_comes_from_the_file_name() {
        assert_eq!(title_from_name("IMG_0001.JPG"), "IMG_0001");
        assert_eq!(title_from_name("紹介状.v2.pdf"), "紹介状.v2");
        assert_eq!(title_from_name("noext"), "noext");
        assert_eq!(title_from_name(&"あ".repeat(150)).chars().count(), 100);
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_label(1), "1 KB");
        assert_eq!(size_label(20 * 1024 * 1024), "20.0 MB");
    }

    #[test]
    fn the_kind_follows_the_file() {
        assert_eq!(kind_for(MediaType::Dicom), AttachmentKind::Imaging);
        assert_eq!(kind_for(MediaType::Jpeg), AttachmentKind::Photo);
    }
}
