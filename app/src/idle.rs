//! The session's idle clock in the browser. The server ends a session after
//! `idle_timeout_seconds` without a request the user made (a screen refreshing itself does not
//! count); the app keeps the same count from the user's last request, so it can warn a minute
//! before and hide the patient data the moment the session ends, instead of leaving it on
//! screen until the next request is refused. Every tab of the app shares one session (its
//! cookie), so the time of the last request is shared too (`localStorage`): working in one tab
//! keeps the others from ending early.

use std::cell::Cell;

thread_local! {
    static LAST: Cell<f64> = Cell::new(js_sys::Date::now());
}

/// Where the tabs share the time of the last request, with the session it belongs to.
const SHARED_KEY: &str = "karte.lastActivity";

thread_local! {
    /// This tab's session, as a hash of its CSRF token (`None` while signed out): another
    /// user's or another session's activity never keeps this tab's screen open.
    static SESSION: Cell<Option<u64>> = const { Cell::new(None) };
}

/// FNV-1a: tells sessions apart without writing anything of the token itself.
fn session_key(csrf_token: &str) -> u64 {
    csrf_token.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The session this tab works in (`None`: signed out).
pub fn set_session(csrf_token: Option<&str>) {
    SESSION.with(|s| s.set(csrf_token.map(session_key)));
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A request the user made (or a sign-in, or a download): the session is alive again from now,
/// in every tab of the same session.
pub fn touch() {
    let now = js_sys::Date::now();
    LAST.with(|l| l.set(now));
    if let (Some(session), Some(s)) = (SESSION.with(Cell::get), storage()) {
        let _ = s.set_item(SHARED_KEY, &format!("{session:x} {now}"));
    }
}

/// The last request made from any tab of this session (never a time in the future).
fn last() -> f64 {
    let now = js_sys::Date::now();
    let here = LAST.with(Cell::get).min(now);
    let Some(session) = SESSION.with(Cell::get) else {
        return here;
    };
    let shared = storage()
        .and_then(|s| s.get_item(SHARED_KEY).ok().flatten())
        .and_then(|v| {
            let (who, at) = v.split_once(' ')?;
            let at: f64 = at.parse().ok()?;
            (who == format!("{session:x}") && at.is_finite() && at <= now).then_some(at)
        })
        .unwrap_or(here);
    here.max(shared)
}

/// The server writes a session's last activity only when the stored one is older than 15 s
/// (`system.authenticate_session`, migration 20261125000013), so its count may start up to
/// 15 s before the user's last request; and a request takes a moment to arrive. The app's
/// clock ends that much early, so it never shows a session alive that the server has ended.
const SERVER_SLACK_MS: f64 = 17_000.0;

/// Milliseconds left of a session that ends after `timeout_seconds` idle.
pub fn left_ms(timeout_seconds: u64) -> f64 {
    let idle = js_sys::Date::now() - last();
    timeout_seconds as f64 * 1000.0 - SERVER_SLACK_MS - idle
}

/// How long before the end the app warns.
pub const WARN_SECONDS: u64 = 60;
