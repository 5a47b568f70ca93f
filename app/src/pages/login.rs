//! Sign-in with 医療機関コード + ログインID + パスワード. The last institution code used on this
//! device is remembered (it is not secret) so the front desk types only id and password.

use crate::components::field::TextField;
use crate::components::version::VersionFooter;
use crate::state::{use_session, SessionState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::api::auth::Login;

const CODE_KEY: &str = "karte.institution_code";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let remembered = storage()
        .and_then(|s| s.get_item(CODE_KEY).ok().flatten())
        .unwrap_or_default();
    let has_code = !remembered.is_empty();
    let code = RwSignal::new(remembered);
    let login_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let expired = move || matches!(session.0.get(), SessionState::SignedOut { expired: true });

    // Already signed in (e.g. the back button): go to the app.
    Effect::new({
        let navigate = navigate.clone();
        move |_| {
            if matches!(session.0.get(), SessionState::SignedIn(_)) {
                navigate("/", Default::default());
            }
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let body = Login {
            institution_code: code.get_untracked(),
            login_id: login_id.get_untracked(),
            password: password.get_untracked(),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match crate::api::auth::login(&body).await {
                Ok(info) => {
                    if let Some(s) = storage() {
                        let _ = s.set_item(CODE_KEY, &info.institution.code);
                    }
                    password.set(String::new());
                    session.signed_in(info);
                    navigate("/", Default::default());
                }
                Err(failure) => {
                    password.set(String::new());
                    error.set(Some(failure.message()));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <main class="centered login">
            <h1>"Karte 電子カルテ"</h1>
            <Show when=expired>
                <p class="notice" role="status" data-testid="session-expired">
                    "一定時間操作がなかったためログアウトしました。もう一度ログインしてください。"
                </p>
            </Show>
            <form on:submit=submit data-testid="login-form" novalidate>
                <TextField id="institution_code" label="医療機関コード" value=code inputmode="numeric"
                    autocomplete="organization" autofocus=!has_code/>
                <TextField id="login_id" label="ログインID" value=login_id autocomplete="username" autofocus=has_code/>
                <TextField id="password" label="パスワード" value=password kind="password"
                    autocomplete="current-password"/>
                <p class="form-error" role="alert" data-testid="login-error">{move || error.get()}</p>
                <button type="submit" data-testid="login-submit" disabled=move || busy.get()>"ログイン"</button>
            </form>
        </main>
        <VersionFooter/>
    }
}
