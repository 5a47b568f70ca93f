//! Display formats shared by pages.

/// "2026-11-24T05:06:07.123Z" shown in JST as "2026-11-24 14:06:07" (the text as given when it
/// is not a server timestamp).
pub fn jst(rfc3339: &str) -> String {
    shared::domain::japanese::jst_or_raw(rfc3339)
}

/// As [`jst`], to the minute: "2026-11-24 14:06".
pub fn jst_minute(rfc3339: &str) -> String {
    let t = jst(rfc3339);
    t.get(..16).map(str::to_string).unwrap_or(t)
}

/// The browser's current time in Japan as `YYYY-MM-DDTHH:MM:SS` (the server checks again with
/// its own clock).
fn jst_now_iso() -> String {
    let now = js_sys::Date::new_0();
    let ms = now.get_time() + 9.0 * 3600.0 * 1000.0;
    let jst = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    jst.to_iso_string().into()
}

/// Today's date in Japan, by the browser's clock.
pub fn today_jst() -> time::Date {
    let iso = jst_now_iso();
    shared::domain::japanese::parse_date(iso.get(..10).unwrap_or("")).unwrap_or(time::Date::MAX)
}

/// Now in Japan to the minute, `YYYY-MM-DDTHH:MM` (a datetime-local input's value).
pub fn now_jst_minute() -> String {
    jst_now_iso().get(..16).unwrap_or("").to_string()
}
