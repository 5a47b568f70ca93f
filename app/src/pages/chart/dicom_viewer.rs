//! The DICOM viewer: images from an echo, X-ray or CT export parsed in the browser by
//! `shared::dicom` (dicom-rs) in its own WebAssembly module, loaded on first use
//! (`app/viewers.js`). A series is the patient's DICOM files with one Series Instance UID
//! (read by the server at upload), in instance order, each with its frames: the wheel, ↑ ↓ or PageUp/PageDown scroll through all of them. Window/level
//! by sliders, CT presets and the file's own; the patient and study data beside the image;
//! distance measurement by two clicks (mm from the Pixel Spacing).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::attachments::{file_path, Attachment};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/viewers.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn dicom_open(bytes: js_sys::Uint8Array) -> Result<JsValue, JsValue>;
    fn dicom_info(file: &JsValue) -> String;
    #[wasm_bindgen(catch)]
    fn dicom_window(file: &JsValue, n: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    fn dicom_draw(
        file: &JsValue,
        n: u32,
        center: f64,
        width: f64,
        canvas: &web_sys::HtmlCanvasElement,
    ) -> Result<JsValue, JsValue>;
    fn dicom_free(file: &JsValue);
}

/// Files of a series kept parsed at once (the others are read again when scrolled back to).
const KEEP_FILES: usize = 12;

/// CT window presets (center, width in HU).
const PRESETS: [(&str, f64, f64); 4] = [
    ("縦隔", 40.0, 400.0),
    ("肺野", -600.0, 1500.0),
    ("骨", 400.0, 1800.0),
    ("脳", 40.0, 80.0),
];

/// A file of the series once read: its handle, data and frame count.
#[derive(Clone)]
struct Loaded {
    file: JsValue,
    info: serde_json::Value,
    frames: u32,
}

fn message(err: &JsValue) -> String {
    err.as_string()
        .unwrap_or_else(|| "DICOMファイルを表示できません".to_string())
}

fn pair(v: &JsValue) -> Option<(f64, f64)> {
    let a = js_sys::Array::from(v);
    Some((a.get(0).as_f64()?, a.get(1).as_f64()?))
}

/// The viewer over the screen for `series` (DICOM attachments), opened at `start`.
#[component]
pub fn DicomViewer(series: Vec<Attachment>, start: usize, on_close: Callback<()>) -> impl IntoView {
    let session = crate::state::use_session();
    let total = series.len();
    let series = StoredValue::new(series);
    // Files read so far, by position in the series.
    let loaded = StoredValue::new_local(vec![None::<Loaded>; total]);
    let at = RwSignal::new(start.min(total.saturating_sub(1)));
    let frame = RwSignal::new(0u32);
    let frames = RwSignal::new(0u32);
    let info = RwSignal::new(serde_json::Value::Null);
    let center = RwSignal::new(40.0f64);
    let width = RwSignal::new(400.0f64);
    let error = RwSignal::new(None::<String>);
    let measuring = RwSignal::new(false);
    let points = RwSignal::new(Vec::<(f64, f64)>::new());
    let size = RwSignal::new((0u32, 0u32));
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let dialog = NodeRef::<leptos::html::Div>::new();
    // Bumped when a file has been read, so the drawing effect runs again.
    let ready = RwSignal::new(0u32);
    // Scrolling back into a file not read yet: show its last frame once it is.
    let to_last = StoredValue::new(false);

    // Files being read now (so scrolling back and forth does not read one twice).
    let reading = StoredValue::new(std::collections::BTreeSet::<usize>::new());
    // Reads file `i` of the series (once), then shows it from its first frame.
    let open = move |i: usize| {
        if let Some(Some(l)) = loaded.with_value(|v| v.get(i).cloned()) {
            frames.set(l.frames);
            info.set(l.info);
            return;
        }
        let Some(item) = series.with_value(|s| s.get(i).cloned()) else {
            return;
        };
        if !reading.try_update_value(|r| r.insert(i)).unwrap_or(false) {
            return;
        }
        spawn_local(async move {
            let bytes = crate::api::get_bytes(&file_path(item.file.file_id)).await;
            reading.try_update_value(|r| r.remove(&i));
            let bytes = match bytes {
                Ok(b) => b,
                Err(f) => {
                    session.check(&f);
                    let _ = error.try_set(Some(f.message()));
                    return;
                }
            };
            match dicom_open(js_sys::Uint8Array::from(bytes.as_slice())).await {
                Ok(file) => {
                    let data: serde_json::Value =
                        serde_json::from_str(&dicom_info(&file)).unwrap_or_default();
                    let n = data["frames"].as_u64().unwrap_or(1).max(1) as u32;
                    let first = dicom_window(&file, 0).ok().and_then(|w| pair(&w));
                    let entry = Loaded {
                        file,
                        info: data.clone(),
                        frames: n,
                    };
                    // Kept: this file and the most recent others (a long series is not all
                    // held in memory); a viewer closed meanwhile frees it at once.
                    let stored = loaded.try_update_value(|v| {
                        let mut freed = Vec::new();
                        if let Some(slot) = v.get_mut(i) {
                            if let Some(old) = slot.replace(entry.clone()) {
                                freed.push(old.file);
                            }
                        }
                        let held: Vec<usize> = (0..v.len()).filter(|&k| v[k].is_some()).collect();
                        if held.len() > KEEP_FILES {
                            // The files farthest from the one on screen go first; neither it
                            // nor the one just read.
                            let here = at.try_get_untracked().unwrap_or(i);
                            let excess = held.len() - KEEP_FILES;
                            let mut far: Vec<usize> =
                                held.into_iter().filter(|&k| k != i && k != here).collect();
                            far.sort_by_key(|&k| std::cmp::Reverse(k.abs_diff(here)));
                            for k in far.into_iter().take(excess) {
                                if let Some(gone) = v[k].take() {
                                    freed.push(gone.file);
                                }
                            }
                        }
                        freed
                    });
                    match stored {
                        Some(freed) => freed.iter().for_each(dicom_free),
                        None => {
                            dicom_free(&entry.file);
                            return;
                        }
                    }
                    if at.get_untracked() == i {
                        if to_last.try_get_value() == Some(true) {
                            to_last.set_value(false);
                            let _ = frame.try_set(n - 1);
                        }
                        let _ = frames.try_set(n);
                        let _ = info.try_set(data);
                        if let Some((c, w)) = first {
                            let _ = center.try_set(c);
                            let _ = width.try_set(w);
                        }
                        let _ = error.try_set(None);
                        let _ = ready.try_update(|r| *r += 1);
                    }
                }
                Err(e) => {
                    let _ = error.try_set(Some(message(&e)));
                }
            }
        });
    };
    Effect::new(move |_| open(at.get()));
    on_cleanup(move || {
        if let Some(files) = loaded.try_get_value() {
            for l in files.into_iter().flatten() {
                dicom_free(&l.file);
            }
        }
    });

    // The image on screen, drawn again when the file, frame or window changes.
    Effect::new(move |_| {
        let (i, n, c, w) = (at.get(), frame.get(), center.get(), width.get());
        ready.track();
        let (Some(Some(l)), Some(target)) =
            (loaded.with_value(|v| v.get(i).cloned()), canvas.get())
        else {
            return;
        };
        match dicom_draw(&l.file, n, c, w, &target) {
            Ok(s) => {
                if let Some((sw, sh)) = pair(&s) {
                    size.set((sw as u32, sh as u32));
                }
            }
            Err(e) => error.set(Some(message(&e))),
        }
    });
    Effect::new(move |_| {
        if let Some(d) = dialog.get() {
            let _ = d.focus();
        }
    });

    // One step through the series: the next frame, or the next file's first frame.
    let step = move |forward: bool| {
        let (i, n, count) = (
            at.get_untracked(),
            frame.get_untracked(),
            frames.get_untracked(),
        );
        points.set(Vec::new());
        if forward {
            if n + 1 < count {
                frame.set(n + 1);
            } else if i + 1 < total {
                frame.set(0);
                at.set(i + 1);
            }
        } else if n > 0 {
            frame.set(n - 1);
        } else if i > 0 {
            // Back into the previous file: at its last frame.
            let last = loaded.with_value(|v| v.get(i - 1).cloned().flatten().map(|l| l.frames));
            match last {
                Some(count) => frame.set(count.saturating_sub(1)),
                None => {
                    frame.set(0);
                    to_last.set_value(true);
                }
            }
            at.set(i - 1);
        }
    };
    let keydown = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "Escape" => on_close.run(()),
        // Arrow keys on a slider move the slider.
        _ if super::typing_in_field(&ev) => {}
        "ArrowDown" | "PageDown" | "ArrowRight" => {
            ev.prevent_default();
            step(true)
        }
        "ArrowUp" | "PageUp" | "ArrowLeft" => {
            ev.prevent_default();
            step(false)
        }
        _ => {}
    };
    let wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        step(ev.delta_y() > 0.0);
    };
    let click = move |ev: web_sys::MouseEvent| {
        if !measuring.get_untracked() {
            return;
        }
        let Some(c) = canvas.get_untracked() else {
            return;
        };
        let (w, h) = size.get_untracked();
        let (cw, ch) = (f64::from(c.client_width()), f64::from(c.client_height()));
        if cw <= 0.0 || ch <= 0.0 {
            return;
        }
        let x = f64::from(ev.offset_x()) / cw * f64::from(w);
        let y = f64::from(ev.offset_y()) / ch * f64::from(h);
        points.update(|p| {
            if p.len() >= 2 {
                p.clear();
            }
            p.push((x, y));
        });
    };
    let spacing = move || {
        info.with(|i| {
            let s = i["pixel_spacing"].as_array()?;
            Some((s.first()?.as_f64()?, s.get(1)?.as_f64()?))
        })
    };
    let distance = move || {
        let p = points.get();
        if p.len() < 2 {
            return None;
        }
        Some(match shared::dicom::distance_mm(p[0], p[1], spacing()) {
            Some(mm) => format!("{mm:.1} mm"),
            None => "距離を測れません（画素間隔の記録がありません）".to_string(),
        })
    };
    let text = move |key: &'static str| {
        move || {
            info.with(|i| match &i[key] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => String::new(),
            })
        }
    };
    let slider = move |label: &'static str,
                       id: &'static str,
                       value: RwSignal<f64>,
                       min: f64,
                       max: f64| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="range" data-testid=id min=min.to_string() max=max.to_string() step="1"
                prop:value=move || value.get().to_string()
                on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { value.set(v) } }/>
            <span>{move || format!("{:.0}", value.get())}</span>
        }
    };
    let title = series.with_value(|s| s.get(start).map(|a| a.title.clone()).unwrap_or_default());
    let label = title.clone();

    view! {
        <div class="viewer dicom-viewer" role="dialog" aria-modal="true" aria-label=label
            tabindex="-1" on:keydown=keydown data-testid="dicom-viewer" node_ref=dialog>
            <div class="viewer-bar">
                <strong>{title}</strong>
                <button type="button" data-testid="dicom-prev" on:click=move |_| step(false) title="前の画像 (↑)">"前"</button>
                <span data-testid="dicom-position">{move || format!(
                    "{} / {} ・ {} / {}", at.get() + 1, total, frame.get() + 1, frames.get().max(1)
                )}</span>
                <button type="button" data-testid="dicom-next" on:click=move |_| step(true) title="次の画像 (↓)">"次"</button>
                {slider("ウィンドウ中心", "dicom-center", center, -1500.0, 3000.0)}
                {slider("ウィンドウ幅", "dicom-width", width, 1.0, 4000.0)}
                {PRESETS.iter().map(|&(name, c, w)| view! {
                    <button type="button" on:click=move |_| { center.set(c); width.set(w); }>{name}</button>
                }).collect_view()}
                <button type="button" data-testid="dicom-measure" class:active=move || measuring.get()
                    on:click=move |_| { measuring.update(|m| *m = !*m); points.set(Vec::new()); }>"計測"</button>
                <button type="button" class="secondary" data-testid="dicom-close" on:click=move |_| on_close.run(())>"閉じる"</button>
            </div>
            <p class="form-error" role="alert" data-testid="dicom-error">{move || error.get()}</p>
            <div class="dicom-body">
                <div class="dicom-frame" on:wheel=wheel>
                    <div class="dicom-image">
                        <canvas node_ref=canvas data-testid="dicom-canvas" on:click=click></canvas>
                        <svg class="dicom-overlay" preserveAspectRatio="none"
                            viewBox=move || { let (w, h) = size.get(); format!("0 0 {w} {h}") }>
                            {move || {
                                let p = points.get();
                                let stroke = f64::from(size.get().0.max(1)) / 200.0;
                                let line = (p.len() == 2).then(|| view! {
                                    <line x1=p[0].0.to_string() y1=p[0].1.to_string() x2=p[1].0.to_string() y2=p[1].1.to_string()
                                        class="dicom-line" stroke-width=stroke.to_string()/>
                                });
                                let dots = p.iter().map(|&(x, y)| view! {
                                    <circle cx=x.to_string() cy=y.to_string() r=(stroke * 2.0).to_string() class="dicom-point"/>
                                }).collect_view();
                                view! { {line}{dots} }
                            }}
                        </svg>
                    </div>
                </div>
                <dl class="dicom-info" data-testid="dicom-info">
                    <dt>"患者"</dt><dd>{text("patient_name")}" ("{text("patient_id")}")"</dd>
                    <dt>"生年月日・性別"</dt><dd>{text("patient_birth_date")}" "{text("patient_sex")}</dd>
                    <dt>"検査日"</dt><dd>{text("study_date")}</dd>
                    <dt>"検査"</dt><dd>{text("modality")}" "{text("study_description")}</dd>
                    <dt>"シリーズ"</dt><dd>{text("series_number")}" "{text("series_description")}</dd>
                    <dt>"画像番号"</dt><dd>{text("instance_number")}</dd>
                    <dt>"大きさ"</dt><dd>{move || { let (w, h) = size.get(); format!("{w} × {h}") }}</dd>
                    <dt>"形式"</dt><dd>{text("transfer_syntax")}</dd>
                    <dt>"計測"</dt><dd data-testid="dicom-distance">{move || distance().unwrap_or_else(|| {
                        if measuring.get() { "2点をクリックしてください".into() } else { String::new() }
                    })}</dd>
                </dl>
            </div>
        </div>
    }
}
