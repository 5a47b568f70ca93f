//! Sign-in with 医療機関コード + ログインID + パスワード, then a one-time code when the user has
//! a second factor. The last institution code used on this device is remembered (it is not
//! secret) so the front desk types only id and password. After a timeout, the same user signing
//! in again is taken back to the screen they were on, with what they had typed.

use crate::components::field::TextField;
use crate::components::version::VersionFooter;
use crate::state::{use_session, SessionState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::api::auth::{Login, SessionStage};

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
    // Signed out here: nothing done on this page keeps another tab's screen open.
    if !matches!(session.0.get_untracked(), SessionState::SignedIn(_)) {
        crate::idle::set_session(None);
    }
    let password = RwSignal::new(String::new());
    let otp = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let expired = move || matches!(session.0.get(), SessionState::SignedOut { expired: true });
    // The password was accepted; the one-time code is owed.
    let second_step = move || matches!(session.0.get(), SessionState::SignedIn(info) if info.stage == SessionStage::SecondFactor);

    // Signed in (now, or already, e.g. the back button): go to the app — to the screen left
    // at a timeout, with its input, when it was this user's.
    Effect::new({
        let navigate = navigate.clone();
        move |_| {
            if let SessionState::SignedIn(info) = session.0.get() {
                if info.stage == SessionStage::SecondFactor {
                    return;
                }
                match crate::unsaved::take_for(&info) {
                    Some(saved) => {
                        navigate(&saved.path, Default::default());
                        crate::unsaved::restore_soon(saved.fields);
                    }
                    None => navigate(
                        crate::pages::reception::landing_path(info.user.role),
                        Default::default(),
                    ),
                }
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
        spawn_local(async move {
            match crate::api::auth::login(&body).await {
                Ok(info) => {
                    if let Some(s) = storage() {
                        let _ = s.set_item(CODE_KEY, &info.institution.code);
                    }
                    password.set(String::new());
                    session.signed_in(info);
                }
                Err(failure) => {
                    password.set(String::new());
                    let mut message = failure.message();
                    // The administrator registers devices by fingerprint: show this one's.
                    if failure.code() == Some(shared::api::ErrorCode::DeviceNotRegistered) {
                        if let Ok(this) = crate::api::devices::this_device().await {
                            if let Some(fp) = this.fingerprint {
                                message = format!(
                                    "{message}（この端末の証明書: {}）",
                                    shared::api::devices::display_fingerprint(&fp)
                                );
                            }
                        }
                    }
                    error.set(Some(message));
                }
            }
            busy.set(false);
        });
    };

    let submit_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::auth::second_factor(&csrf, &otp.get_untracked()).await {
                Ok(info) => session.signed_in(info),
                Err(failure) => {
                    // The pending session lasts five minutes: when it is gone, start over.
                    if failure.is_signed_out() {
                        session.0.set(SessionState::SignedOut { expired: false });
                    }
                    error.set(Some(failure.message()));
                }
            }
            otp.set(String::new());
            busy.set(false);
        });
    };
    let with_key = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::webauthn::sign_in(&csrf).await {
                Ok(info) => session.signed_in(info),
                Err(message) => error.set(Some(message)),
            }
            busy.set(false);
        });
    };
    let has_key = move || matches!(session.0.get(), SessionState::SignedIn(info) if info.second_factor_kinds.iter().any(|k| k == "webauthn"));
    let start_over = move |_| {
        let csrf = session.csrf();
        spawn_local(async move {
            let _ = crate::api::auth::logout(&csrf).await;
            session.0.set(SessionState::SignedOut { expired: false });
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
            <Show when=second_step>
                <form on:submit=submit_code data-testid="second-factor-form" novalidate>
                    <p class="notice" role="status">
                        "認証アプリに表示されている6桁の確認コードを入力するか、セキュリティキー・パスキーで確認してください。"
                        "スマートフォンが手元にないときは、リカバリーコードを入力できます。"
                    </p>
                    <TextField id="otp" label="確認コード" value=otp inputmode="numeric"
                        autocomplete="one-time-code" autofocus=true/>
                    <p class="form-error" role="alert" data-testid="second-factor-error">{move || error.get()}</p>
                    <button type="submit" data-testid="second-factor-submit" disabled=move || busy.get()>"確認"</button>
                    <Show when=has_key>
                        <button type="button" data-testid="security-key-sign-in" on:click=with_key disabled=move || busy.get()>
                            "セキュリティキー・パスキーで確認"
                        </button>
                    </Show>
                    <button type="button" class="secondary" data-testid="second-factor-cancel" on:click=start_over>"最初からやり直す"</button>
                </form>
            </Show>
            <Show when=move || !second_step()>
            <form on:submit=submit data-testid="login-form" novalidate>
                <TextField id="institution_code" label="医療機関コード" value=code inputmode="numeric"
                    autocomplete="organization" autofocus=!has_code/>
                <TextField id="login_id" label="ログインID" value=login_id autocomplete="username" autofocus=has_code/>
                <TextField id="password" label="パスワード" value=password kind="password"
                    autocomplete="current-password"/>
                <p class="form-error" role="alert" data-testid="login-error">{move || error.get()}</p>
                <button type="submit" data-testid="login-submit" disabled=move || busy.get()>"ログイン"</button>
            </form>
            </Show>
        </main>
        <VersionFooter/>
    }
}
