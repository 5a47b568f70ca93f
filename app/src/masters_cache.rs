//! The app's own copy of the masters for searching as you type (会計's item picker, the 傷病名
//! picker). Each master is downloaded once (`GET /masters/catalog?kind=…&since=0`), kept in
//! IndexedDB under its kind together with the import it is current to (its revision), and
//! brought up to date by difference (`since=<that import>`) once per page load. Searches run in
//! memory with the same rule as the server's search (`shared::api::billing::search_catalog`),
//! so they keep working when the network does not. Where IndexedDB is unavailable (a private
//! window that refuses it), the copy lives in memory only; where the download fails, callers
//! fall back to the server's search.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::api::billing::{search_catalog, CatalogEntry, MasterCatalog, MasterHit};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const DB_NAME: &str = "karte";
const STORE: &str = "masters";

/// One master as kept: the newest import it includes and its versions by code, then import.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct LocalMaster {
    seq: i32,
    rows: Vec<CatalogEntry>,
    /// The shape of `rows` ([`FORMAT`]); a copy kept in an older shape is downloaded again.
    #[serde(default)]
    format: u32,
}

/// The shape of the kept rows: 2 since they carry the drugs' 一般名.
const FORMAT: u32 = 2;

thread_local! {
    static COPIES: RefCell<HashMap<String, Rc<LocalMaster>>> = RefCell::new(HashMap::new());
    /// Kinds being loaded now: a second search meanwhile asks the server instead of starting
    /// a second download.
    static LOADING: RefCell<std::collections::HashSet<String>> = RefCell::new(std::collections::HashSet::new());
    /// Per kind: how the copy stands, for the screens (and tests) to show.
    static STATUS: RefCell<HashMap<String, ArcRwSignal<String>>> = RefCell::new(HashMap::new());
}

/// A signal with the copy's state for `kind` ("端末に保存済み（第N版・M件）" …).
pub fn status(kind: &str) -> ArcRwSignal<String> {
    STATUS.with(|s| {
        s.borrow_mut()
            .entry(kind.to_string())
            .or_insert_with(|| ArcRwSignal::new(String::new()))
            .clone()
    })
}

fn set_status(kind: &str, text: String) {
    status(kind).set(text);
}

fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// Wraps an IndexedDB request in a future: its result, or its error.
async fn done(request: &web_sys::IdbRequest) -> Result<JsValue, JsValue> {
    let req = request.clone();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = req.clone();
        let on_success = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let on_error = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("indexeddb"));
        });
        req.set_onsuccess(Some(on_success.unchecked_ref()));
        req.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

async fn open() -> Result<web_sys::IdbDatabase, JsValue> {
    let factory = web_sys::window()
        .ok_or(JsValue::NULL)?
        .indexed_db()?
        .ok_or(JsValue::NULL)?;
    let request = factory.open_with_u32(DB_NAME, 1)?;
    let upgrading = request.clone();
    let on_upgrade = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(db) = upgrading
            .result()
            .and_then(|r| r.dyn_into::<web_sys::IdbDatabase>())
        {
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    done(&request).await?.dyn_into::<web_sys::IdbDatabase>()
}

async fn read(kind: &str) -> Option<LocalMaster> {
    let db = open().await.ok()?;
    let tx = db.transaction_with_str(STORE).ok()?;
    let request = tx
        .object_store(STORE)
        .ok()?
        .get(&JsValue::from_str(kind))
        .ok()?;
    let value = done(&request).await.ok()?.as_string()?;
    serde_json::from_str(&value).ok()
}

async fn write(kind: &str, copy: &LocalMaster) -> Result<(), JsValue> {
    let json = serde_json::to_string(copy).map_err(|_| JsValue::NULL)?;
    let db = open().await?;
    let tx = db.transaction_with_str_and_mode(STORE, web_sys::IdbTransactionMode::Readwrite)?;
    let request = tx
        .object_store(STORE)?
        .put_with_key(&JsValue::from_str(&json), &JsValue::from_str(kind))?;
    done(&request).await.map(|_| ())
}

/// Adds the versions of a difference to `copy`.
fn merge(copy: &mut LocalMaster, update: MasterCatalog) {
    shared::api::billing::merge_catalog(&mut copy.rows, update.rows);
    copy.seq = copy.seq.max(update.seq);
}

/// The copy of `kind`: from memory, else from IndexedDB, brought up to date by difference
/// (once per page load); downloaded whole the first time. `None` if there is none and the
/// server cannot be reached.
pub(crate) async fn ensure(kind: &str) -> Option<Rc<LocalMaster>> {
    if let Some(copy) = COPIES.with(|c| c.borrow().get(kind).cloned()) {
        return Some(copy);
    }
    if !LOADING.with(|l| l.borrow_mut().insert(kind.to_string())) {
        return None;
    }
    let copy = load(kind).await;
    LOADING.with(|l| l.borrow_mut().remove(kind));
    let copy = Rc::new(copy?);
    COPIES.with(|c| c.borrow_mut().insert(kind.to_string(), copy.clone()));
    Some(copy)
}

async fn load(kind: &str) -> Option<LocalMaster> {
    mark(&format!("karte-masters-{kind}-start"));
    let stored = read(kind).await.filter(|m| m.format == FORMAT);
    let had = stored.is_some();
    let mut copy = stored.unwrap_or_default();
    copy.format = FORMAT;
    let since = copy.seq;
    match crate::api::get::<MasterCatalog>(&format!("/masters/catalog?kind={kind}&since={since}"))
        .await
    {
        Ok(update) => {
            let changed = !update.rows.is_empty() || update.seq != copy.seq;
            let added = update.rows.len();
            merge(&mut copy, update);
            let saved = if changed {
                write(kind, &copy).await.is_ok()
            } else {
                had
            };
            set_status(
                kind,
                format!(
                    "{}（第{}版・{}件{}）",
                    if saved {
                        "端末に保存済み"
                    } else {
                        "この画面のみ（端末に保存できません）"
                    },
                    copy.seq,
                    copy.rows.len(),
                    if had && added > 0 {
                        format!("・差分{added}件を更新")
                    } else {
                        String::new()
                    }
                ),
            );
        }
        Err(_) if had => set_status(
            kind,
            format!("端末の保存分（第{}版・オフライン）", copy.seq),
        ),
        Err(_) => {
            set_status(kind, "マスターを取得できません".into());
            return None;
        }
    }
    mark(&format!("karte-masters-{kind}-ready"));
    Some(copy)
}

/// Codes of `kind` in force on `day` whose code, カナ or name starts with `query`, from the
/// local copy; `None` when there is no copy (the caller asks the server instead).
pub async fn search(kind: &str, query: &str, day: &str, limit: usize) -> Option<Vec<MasterHit>> {
    let copy = ensure(kind).await?;
    Some(search_catalog(kind, &copy.rows, day, query, limit))
}

/// [`search`] over several kinds, in the order given (each up to `limit`, then cut to
/// `limit`); `None` if any of them has no copy.
pub async fn search_kinds(
    kinds: &[&str],
    query: &str,
    day: &str,
    limit: usize,
) -> Option<Vec<MasterHit>> {
    let mut hits = Vec::new();
    for kind in kinds {
        hits.extend(search(kind, query, day, limit).await?);
    }
    hits.truncate(limit);
    Some(hits)
}
