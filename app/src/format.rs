//! Display formats shared by pages.

/// "2026-11-24T05:06:07.123Z" shown in JST as "2026-11-24 14:06:07".
pub fn jst(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    let ms = date.get_time();
    if ms.is_nan() {
        return rfc3339.to_string();
    }
    let shifted = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms + 9.0 * 3600.0 * 1000.0));
    let iso: String = shifted.to_iso_string().into();
    iso.get(..19).map(|s| s.replace('T', " ")).unwrap_or(iso)
}
