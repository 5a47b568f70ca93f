//! The PDF viewer: pages drawn by PDF.js (Mozilla's renderer: maintained, Apache-2.0, the one
//! browsers themselves ship in Firefox; it handles Japanese PDFs without embedded fonts through
//! its CMaps), loaded on first use only (`app/viewers.js`). Page by page with thumbnails,
//! zoom, text search (the pages with hits, each a link), and print (every page rendered to an
//! image and printed from the app, so the same view prints). PDF files never run script: PDF.js
//! has scripting off and the bytes come from the sandboxed file path.

use leptos::portal::Portal;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/viewers.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn pdf_open(bytes: js_sys::Uint8Array) -> Result<JsValue, JsValue>;
    fn pdf_pages(doc: &JsValue) -> u32;
    #[wasm_bindgen(catch)]
    async fn pdf_render(
        doc: &JsValue,
        n: u32,
        canvas: &web_sys::HtmlCanvasElement,
        scale: f64,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn pdf_find(doc: &JsValue, query: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn pdf_print_images(doc: &JsValue) -> Result<JsValue, JsValue>;
    fn pdf_release(urls: &JsValue);
    fn pdf_close(doc: &JsValue);
}

/// Zoom steps (CSS pixels per PDF point): 100% shows an A4 page about 794 pixels wide.
const SCALES: [f64; 9] = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0];
const THUMB_SCALE: f64 = 0.18;

/// The pages with hits from `pdf_find`: `[[page, count], …]`.
fn hits_of(value: &JsValue) -> Vec<(u32, u32)> {
    js_sys::Array::from(value)
        .iter()
        .filter_map(|pair| {
            let pair = js_sys::Array::from(&pair);
            Some((pair.get(0).as_f64()? as u32, pair.get(1).as_f64()? as u32))
        })
        .collect()
}

/// The viewer over the screen for the PDF at `src` (an API path). `on_close` when closed.
#[component]
pub fn PdfViewer(src: String, title: String, on_close: Callback<()>) -> impl IntoView {
    let session = crate::state::use_session();
    // The open document (a PDF.js object: it lives in this browser tab only).
    let doc = StoredValue::new_local(None::<JsValue>);
    let pages = RwSignal::new(0u32);
    let page = RwSignal::new(1u32);
    let zoom = RwSignal::new(2usize);
    let error = RwSignal::new(None::<String>);
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(None::<Vec<(u32, u32)>>);
    let printing = RwSignal::new(Vec::<String>::new());
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let thumbs = NodeRef::<leptos::html::Div>::new();
    let dialog = NodeRef::<leptos::html::Div>::new();
    // Renders in flight are numbered: only the newest one's failure is shown.
    let generation = StoredValue::new(0u32);

    spawn_local(async move {
        let bytes = match crate::api::get_bytes(&src).await {
            Ok(b) => b,
            Err(f) => {
                session.check(&f);
                let _ = error.try_set(Some(f.message()));
                return;
            }
        };
        let unreadable = "このPDFを表示できません（壊れているか、対応していない形式です）。「保存」で取り出して確認してください";
        match pdf_open(js_sys::Uint8Array::from(bytes.as_slice())).await {
            Ok(d) if pdf_pages(&d) == 0 => {
                pdf_close(&d);
                let _ = error.try_set(Some(unreadable.into()));
            }
            Ok(d) => {
                let n = pdf_pages(&d);
                // Closed while it loaded: end it here.
                if let Some(Some(gone)) = doc.try_set_value(Some(d)) {
                    pdf_close(&gone);
                    return;
                }
                let _ = pages.try_set(n);
            }
            Err(_) => {
                let _ = error.try_set(Some(unreadable.into()));
            }
        }
    });
    // The print images of the last print (object URLs), released on close.
    let printed = StoredValue::new_local(None::<JsValue>);
    on_cleanup(move || {
        if let Some(Some(d)) = doc.try_get_value() {
            pdf_close(&d);
        }
        if let Some(Some(urls)) = printed.try_get_value() {
            pdf_release(&urls);
        }
    });

    // The page on screen: drawn again when the page or the zoom changes.
    Effect::new(move |_| {
        let (n, scale, total) = (page.get(), SCALES[zoom.get()], pages.get());
        let (Some(d), Some(c)) = (doc.get_value(), canvas.get()) else {
            return;
        };
        if total == 0 {
            return;
        }
        let mine = generation.get_value() + 1;
        generation.set_value(mine);
        spawn_local(async move {
            if pdf_render(&d, n, &c, scale).await.is_err()
                && generation.try_get_value() == Some(mine)
            {
                let _ = error.try_set(Some(format!("{n}ページ目を描けませんでした")));
            }
        });
    });
    // The thumbnails, once the page count is known.
    Effect::new(move |_| {
        let total = pages.get();
        let (Some(d), Some(list)) = (doc.get_value(), thumbs.get()) else {
            return;
        };
        if total == 0 {
            return;
        }
        spawn_local(async move {
            // Drawn after the canvases are in the document.
            leptos::task::tick().await;
            let canvases = list.get_elements_by_tag_name("canvas");
            for i in 0..canvases.length() {
                if let Some(c) = canvases
                    .item(i)
                    .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok())
                {
                    let _ = pdf_render(&d, i + 1, &c, THUMB_SCALE).await;
                }
            }
        });
    });
    Effect::new(move |_| {
        if let Some(d) = dialog.get() {
            let _ = d.focus();
        }
    });

    let go = move |n: u32| {
        let total = pages.get_untracked();
        if (1..=total).contains(&n) {
            page.set(n);
        }
    };
    let zoom_by = move |step: i32| {
        zoom.update(|z| {
            *z = (*z as i32 + step).clamp(0, SCALES.len() as i32 - 1) as usize;
        })
    };
    let search = move || {
        let Some(d) = doc.get_value() else {
            return;
        };
        let q = query.get_untracked();
        spawn_local(async move {
            match pdf_find(&d, &q).await {
                Ok(found) => {
                    let found = hits_of(&found);
                    if let Some(&(first, _)) = found.first() {
                        page.set(first);
                    }
                    let _ = hits.try_set(Some(found));
                }
                Err(_) => {
                    let _ = error.try_set(Some("文字を検索できませんでした".into()));
                }
            }
        });
    };
    let print = move |_| {
        let Some(d) = doc.get_value() else {
            return;
        };
        spawn_local(async move {
            let Ok(urls) = pdf_print_images(&d).await else {
                let _ = error.try_set(Some("印刷用の画像を作れませんでした".into()));
                return;
            };
            let list: Vec<String> = js_sys::Array::from(&urls)
                .iter()
                .filter_map(|u| u.as_string())
                .collect();
            let _ = printing.try_set(list);
            leptos::task::tick().await;
            // Every page image decoded before the print dialog takes its snapshot.
            if let Some(document) = web_sys::window().and_then(|w| w.document()) {
                if let Ok(images) = document.query_selector_all(".pdf-print img") {
                    for i in 0..images.length() {
                        if let Some(img) = images
                            .item(i)
                            .and_then(|n| n.dyn_into::<web_sys::HtmlImageElement>().ok())
                        {
                            let _ = wasm_bindgen_futures::JsFuture::from(img.decode()).await;
                        }
                    }
                }
            }
            if let Some(w) = web_sys::window() {
                let _ = w.print();
            }
            // The images stay until the viewer closes or prints again: a browser whose
            // print() returns before printing (iOS) still has them.
            if let Some(Some(old)) = printed.try_set_value(Some(urls)) {
                pdf_release(&old);
            }
        });
    };
    let keydown = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "Escape" => on_close.run(()),
        // Keys typed into the search box are the box's.
        _ if super::typing_in_field(&ev) => {}
        "ArrowRight" | "PageDown" => go(page.get_untracked() + 1),
        "ArrowLeft" | "PageUp" => go(page.get_untracked().saturating_sub(1)),
        "+" => zoom_by(1),
        "-" => zoom_by(-1),
        _ => {}
    };

    view! {
        <div class="viewer pdf-viewer" role="dialog" aria-modal="true" aria-label=title.clone()
            tabindex="-1" on:keydown=keydown data-testid="pdf-viewer" node_ref=dialog>
            <div class="viewer-bar no-print">
                <strong>{title.clone()}</strong>
                <button type="button" data-testid="pdf-prev" title="前のページ (←)"
                    on:click=move |_| go(page.get_untracked().saturating_sub(1))>"前"</button>
                <span data-testid="pdf-page">{move || format!("{} / {}", page.get(), pages.get())}</span>
                <button type="button" data-testid="pdf-next" title="次のページ (→)"
                    on:click=move |_| go(page.get_untracked() + 1)>"次"</button>
                <button type="button" data-testid="pdf-zoom-out" title="縮小 (−)" on:click=move |_| zoom_by(-1)>"縮小"</button>
                <span data-testid="pdf-scale">{move || format!("{:.0}%", SCALES[zoom.get()] * 100.0)}</span>
                <button type="button" data-testid="pdf-zoom-in" title="拡大 (+)" on:click=move |_| zoom_by(1)>"拡大"</button>
                <form class="pdf-search" on:submit=move |ev| { ev.prevent_default(); search(); }>
                    <input type="search" aria-label="文書内を検索" placeholder="文書内を検索" data-testid="pdf-query"
                        prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                    <button type="submit" data-testid="pdf-search">"検索"</button>
                </form>
                <button type="button" data-testid="pdf-print" on:click=print>"印刷"</button>
                <button type="button" class="secondary" data-testid="pdf-close" on:click=move |_| on_close.run(())>"閉じる"</button>
            </div>
            <p class="form-error" role="alert" data-testid="pdf-error">{move || error.get()}</p>
            {move || hits.get().map(|found| if found.is_empty() {
                view! { <p class="pdf-hits" data-testid="pdf-hits">"見つかりません"</p> }.into_any()
            } else {
                view! {
                    <p class="pdf-hits" data-testid="pdf-hits">
                        {found.into_iter().map(|(n, count)| view! {
                            <button type="button" class="link" on:click=move |_| go(n)>{format!("{n}ページ（{count}件）")}</button>
                        }).collect_view()}
                    </p>
                }.into_any()
            })}
            <div class="pdf-body no-print">
                <div class="pdf-thumbs" node_ref=thumbs data-testid="pdf-thumbs">
                    {move || (1..=pages.get()).map(|n| view! {
                        <button type="button" class="pdf-thumb" class:active=move || page.get() == n
                            title=format!("{n}ページ") on:click=move |_| go(n)>
                            <canvas></canvas>
                            <span>{n}</span>
                        </button>
                    }).collect_view()}
                </div>
                <div class="pdf-page-frame">
                    <canvas node_ref=canvas data-testid="pdf-canvas"></canvas>
                </div>
            </div>
            // The pages as images for the print dialog, at the top of the document (the print
            // stylesheet hides everything else while they are there).
            <Portal>
                <div class="pdf-print">
                    {move || printing.get().into_iter().map(|url| view! { <img src=url alt=""/> }).collect_view()}
                </div>
            </Portal>
        </div>
    }
}
