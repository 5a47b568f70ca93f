//! The application shell: header with the institution and user, navigation for the user's
//! role, the patient banner's place, the page, and the version footer. Signed-out users are
//! sent to the login page; users with a one-time password to the password page.

use crate::components::reauth::ReauthDialog;
use crate::components::version::VersionFooter;
use crate::state::{use_session, SessionState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_navigate};
use shared::api::auth::SessionStage;
use shared::domain::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Loading,
    Login,
    Password,
    Enrol,
    Open,
}

#[component]
pub fn Shell() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    // A memo, so the layout is rebuilt only when the gate changes, not on every navigation.
    let gate = Memo::new(move |_| match session.0.get() {
        SessionState::Loading => Gate::Loading,
        SessionState::SignedOut { .. } => Gate::Login,
        // The second factor is asked on the sign-in page.
        SessionState::SignedIn(info) if info.stage == SessionStage::SecondFactor => Gate::Login,
        SessionState::SignedIn(info)
            if info.must_change_password && location.pathname.get() != "/password" =>
        {
            Gate::Password
        }
        SessionState::SignedIn(info)
            if info.stage == SessionStage::Enrolment
                && !matches!(location.pathname.get().as_str(), "/security" | "/password") =>
        {
            Gate::Enrol
        }
        // A timed-out session keeps the screen; the dialog over it asks for the password.
        SessionState::SignedIn(_) | SessionState::Expired(_) => Gate::Open,
    });
    move || match gate.get() {
        Gate::Loading => view! { <p class="loading" role="status">"読み込み中…"</p> }.into_any(),
        Gate::Login => view! { <Redirect path="/login"/> }.into_any(),
        Gate::Password => view! { <Redirect path="/password"/> }.into_any(),
        Gate::Enrol => view! { <Redirect path="/security"/> }.into_any(),
        Gate::Open => view! { <ShellLayout/> }.into_any(),
    }
}

#[component]
fn ShellLayout() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let info = move || session.info();
    let can_manage_users = move || {
        info()
            .map(|i| i.user.role.can(Permission::ManageUsers))
            .unwrap_or(false)
    };
    let current = crate::state::use_current_patient();
    // The banner names a patient only on that patient's screens.
    let location = use_location();
    Effect::new(move |_| {
        if !location.pathname.get().starts_with("/patients/") {
            current.0.set(None);
        }
    });
    let can_read_patients = move || {
        info()
            .map(|i| i.user.role.can(Permission::ReadPatients))
            .unwrap_or(false)
    };
    let can_front_desk = move || {
        info()
            .map(|i| i.user.role.can(Permission::FrontDesk))
            .unwrap_or(false)
    };
    let can_view_logs = move || {
        info()
            .map(|i| i.user.role.can(Permission::ViewLogs))
            .unwrap_or(false)
    };
    let can_manage_institution = move || {
        info()
            .map(|i| i.user.role.can(Permission::ManageInstitution))
            .unwrap_or(false)
    };
    let forced = move || {
        info()
            .map(|i| i.must_change_password || i.stage != SessionStage::Full)
            .unwrap_or(false)
    };
    let expired = move || matches!(session.0.get(), SessionState::Expired(_));
    let logout = move |_| {
        let navigate = navigate.clone();
        let csrf = session.csrf();
        spawn_local(async move {
            // Whatever the answer, the user is signed out on this screen.
            let _ = crate::api::auth::logout(&csrf).await;
            crate::unsaved::clear();
            session.0.set(SessionState::SignedOut { expired: false });
            navigate("/login", Default::default());
        });
    };
    view! {
        <a class="skip-link" href="#main">"本文へ移動"</a>
        <header class="app-header">
            <span class="brand">"Karte"</span>
            <span class="institution" data-testid="institution-name">
                {move || info().map(|i| i.institution.name)}
            </span>
            <span class="user" data-testid="current-user">
                {move || info().map(|i| format!("{}（{}）", i.user.display_name, i.user.role.label_ja()))}
            </span>
            <button type="button" class="secondary" data-testid="logout" on:click=logout>"ログアウト"</button>
        </header>
        <nav class="app-nav" aria-label="メインメニュー" data-testid="nav">
            <Show when=move || !forced()>
                <A href="/">"ホーム"</A>
                <Show when=can_manage_users>
                    <A href="/admin/users">"利用者管理"</A>
                    <A href="/admin/devices">"端末管理"</A>
                </Show>
                <Show when=can_read_patients>
                    <A href="/patients">"患者"</A>
                    <A href="/reception">"受付一覧"</A>
                </Show>
                <Show when=can_front_desk>
                    <A href="/claims">"月次請求"</A>
                </Show>
                <Show when=can_view_logs>
                    <A href="/admin/logs">"ログ閲覧"</A>
                </Show>
                <Show when=can_manage_institution>
                    <A href="/admin/billing">"算定設定"</A>
                    <A href="/admin/security">"セキュリティ設定"</A>
                </Show>
            </Show>
            <A href="/password">"パスワード変更"</A>
            <A href="/security">"二要素認証"</A>
        </nav>
        // The patient banner (name, kana, birth date, ID) on every screen about a patient.
        <section class="patient-banner" class:selected=move || current.0.get().is_some() data-testid="patient-banner" aria-label="患者情報">
            {move || match current.0.get() {
                Some(p) => format!("{} {}（{}） {} {} {}", p.patient_number, p.name, p.kana, p.sex.label_ja(), p.birth_date, p.birth_date_wareki),
                None => "患者未選択".to_string(),
            }}
        </section>
        <main id="main" class="app-main" inert=expired>
            <Outlet/>
        </main>
        <Show when=expired>
            <ReauthDialog/>
        </Show>
        <VersionFooter/>
    }
}
