//! Cross-page state in small typed contexts, each with a `provide_…`/`use_…` pair.

use crate::api::ApiFailure;
use leptos::prelude::*;
use shared::api::auth::SessionInfo;
use shared::api::health::Health;

#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// Asking the server whether the cookie is still a session.
    Loading,
    /// No session. `expired` when it ended by timeout rather than logout.
    SignedOut { expired: bool },
    /// Signed in, or part-way (a second factor owed, or enrolment): see `SessionInfo::stage`.
    SignedIn(SessionInfo),
    /// The session ended by timeout with a screen open: the screen stays, under a sign-in
    /// dialog, so nothing typed is lost.
    Expired(SessionInfo),
}

/// The signed-in user, shared by every page.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<SessionState>);

impl Session {
    /// The user on screen (also while the sign-in dialog after a timeout is open).
    pub fn info(&self) -> Option<SessionInfo> {
        match self.0.get() {
            SessionState::SignedIn(info) | SessionState::Expired(info) => Some(info),
            _ => None,
        }
    }

    /// Whether the user on screen may do `permission` (tracked: a view redraws when the
    /// session changes). The server checks again; this only hides what a role cannot do.
    pub fn can(&self, permission: shared::domain::Permission) -> bool {
        self.info().is_some_and(|i| i.user.role.can(permission))
    }

    /// Fetches with `fetch` into `into`, or puts the failure's message in `error` (a refused
    /// session handled as everywhere). Signals a closed screen no longer holds are left alone.
    pub fn load_into<T, Fut>(&self, fetch: Fut, into: RwSignal<T>, error: RwSignal<Option<String>>)
    where
        T: Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<T, crate::api::ApiFailure>> + 'static,
    {
        let session = *self;
        leptos::task::spawn_local(async move {
            match fetch.await {
                Ok(value) => {
                    let _ = into.try_set(value);
                }
                Err(f) => {
                    session.check(&f);
                    let _ = error.try_set(Some(f.message()));
                }
            }
        });
    }

    /// The CSRF token for state-changing requests (empty when signed out).
    pub fn csrf(&self) -> String {
        match self.0.get_untracked() {
            SessionState::SignedIn(info) => info.csrf_token,
            _ => String::new(),
        }
    }

    pub fn signed_in(&self, info: SessionInfo) {
        crate::idle::set_session(Some(&info.csrf_token));
        crate::idle::touch();
        self.0.set(SessionState::SignedIn(info));
    }

    /// The idle clock ran out with a screen open: as a refused request would say, but at once
    /// (the patient data is hidden now, not at the next request).
    pub fn timed_out(&self) {
        if let SessionState::SignedIn(info) = self.0.get_untracked() {
            if info.stage == shared::api::auth::SessionStage::Full {
                crate::unsaved::snapshot(&info);
                self.0.set(SessionState::Expired(info));
            }
        }
    }

    /// Call with any API failure. A timed-out session keeps the screen and asks for the
    /// password over it (the input is also kept in this tab in case it is reloaded); a session
    /// ended otherwise (signed out elsewhere, reset by an administrator) goes back to sign-in.
    pub fn check(&self, failure: &ApiFailure) {
        if !failure.is_signed_out() {
            return;
        }
        let expired = failure.code() == Some(shared::api::ErrorCode::SessionExpired);
        match self.0.get_untracked() {
            SessionState::SignedIn(info)
                if expired && info.stage == shared::api::auth::SessionStage::Full =>
            {
                crate::unsaved::snapshot(&info);
                self.0.set(SessionState::Expired(info));
            }
            SessionState::Expired(_) if expired => {}
            _ => self.0.set(SessionState::SignedOut { expired }),
        }
    }
}

pub fn provide_session() -> Session {
    let session = Session(RwSignal::new(SessionState::Loading));
    provide_context(session);
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The server's version and commit, for the footer (構成管理).
#[derive(Clone, Copy)]
pub struct ServerInfo(pub RwSignal<Option<Health>>);

pub fn provide_server_info() -> ServerInfo {
    let info = ServerInfo(RwSignal::new(None));
    provide_context(info);
    info
}

pub fn use_server_info() -> ServerInfo {
    expect_context::<ServerInfo>()
}

/// The patient on screen, for the banner every chart screen shows (name, カナ, birth date, ID):
/// the guard against mixing up patients (患者誤認).
#[derive(Clone, Copy)]
pub struct CurrentPatient(pub RwSignal<Option<shared::api::patients::PatientDetail>>);

pub fn provide_current_patient() -> CurrentPatient {
    let current = CurrentPatient(RwSignal::new(None));
    provide_context(current);
    current
}

pub fn use_current_patient() -> CurrentPatient {
    expect_context::<CurrentPatient>()
}

/// The banner names patient `id` while the calling page is on screen, and nobody once it is
/// left. The answer (the patient, or why not) goes to `then` only while the page stands: a
/// slow answer never names the patient of a page already left.
pub fn show_patient(
    id: shared::ids::PatientId,
    then: impl FnOnce(Result<shared::api::patients::PatientDetail, ApiFailure>) + 'static,
) {
    let current = use_current_patient();
    // Owned by the calling page: gone once the page is.
    let page = StoredValue::new(());
    on_cleanup(move || current.0.set(None));
    leptos::task::spawn_local(async move {
        let result = crate::api::patients::get_one(id).await;
        if page.try_get_value().is_none() {
            return;
        }
        if let Ok(p) = &result {
            current.0.set(Some(p.clone()));
        }
        then(result);
    });
}
