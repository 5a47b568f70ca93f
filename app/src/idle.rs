//! The session's idle clock in the browser. The server ends a session after
//! `idle_timeout_seconds` without a request the user made (a screen refreshing itself does not
//! count); the app keeps the same count from the user's last request, so it can warn a minute
//! before and hide the patient data the moment the session ends, instead of leaving it on
//! screen until the next request is refused.

use std::cell::Cell;

thread_local! {
    static LAST: Cell<f64> = Cell::new(js_sys::Date::now());
}

/// A request the user made (or a sign-in): the session is alive again from now.
pub fn touch() {
    LAST.with(|l| l.set(js_sys::Date::now()));
}

/// Milliseconds left of a session that ends after `timeout_seconds` idle.
pub fn left_ms(timeout_seconds: u64) -> f64 {
    let idle = js_sys::Date::now() - LAST.with(Cell::get);
    timeout_seconds as f64 * 1000.0 - idle
}

/// How long before the end the app warns.
pub const WARN_SECONDS: u64 = 60;
