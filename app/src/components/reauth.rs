//! The sign-in dialog over a screen whose session timed out. The screen stays as it was
//! (everything typed is still there); the same user enters the password (and a one-time code
//! when they have a second factor) and carries on. Signing in as someone else discards the
//! screen and its input.

use crate::components::field::TextField;
use crate::state::{use_session, SessionState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::api::auth::{Login, SessionStage};

#[component]
pub fn ReauthDialog() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let who = session.info();
    let code = who
        .as_ref()
        .map(|i| i.institution.code.clone())
        .unwrap_or_default();
    let login_id = who
        .as_ref()
        .map(|i| i.user.login_id.clone())
        .unwrap_or_default();
    let name = who
        .as_ref()
        .map(|i| i.user.display_name.clone())
        .unwrap_or_default();
    let password = RwSignal::new(String::new());
    let otp = RwSignal::new(String::new());
    // The pending session's CSRF token while a second factor is owed.
    let pending_csrf = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // The dialog appears over a screen already drawn: put the cursor in its password field.
    request_animation_frame(|| {
        use wasm_bindgen::JsCast;
        if let Some(field) = document()
            .get_element_by_id("reauth_password")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = field.focus();
        }
    });
    let finish = move |info: shared::api::auth::SessionInfo| {
        // Back on the same screen with the same input: nothing to restore.
        crate::unsaved::clear();
        session.signed_in(info);
    };
    let submit = {
        let code = code.clone();
        let login_id = login_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let code = code.clone();
            let login_id = login_id.clone();
            spawn_local(async move {
                let result = match pending_csrf.get_untracked() {
                    Some(csrf) => {
                        crate::api::auth::second_factor(&csrf, &otp.get_untracked()).await
                    }
                    None => {
                        crate::api::auth::login(&Login {
                            institution_code: code,
                            login_id,
                            password: password.get_untracked(),
                        })
                        .await
                    }
                };
                password.set(String::new());
                otp.set(String::new());
                match result {
                    Ok(info) if info.stage == SessionStage::SecondFactor => {
                        pending_csrf.set(Some(info.csrf_token));
                    }
                    Ok(info) => finish(info),
                    Err(failure) => error.set(Some(failure.message())),
                }
                busy.set(false);
            });
        }
    };
    let with_key = move |_| {
        let Some(csrf) = pending_csrf.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match crate::webauthn::sign_in(&csrf).await {
                Ok(info) => finish(info),
                Err(message) => error.set(Some(message)),
            }
            busy.set(false);
        });
    };
    let someone_else = move |_| {
        crate::unsaved::clear();
        session.0.set(SessionState::SignedOut { expired: false });
        navigate("/login", Default::default());
    };

    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="reauth-title" data-testid="reauth-dialog">
                <h2 id="reauth-title">"もう一度ログインしてください"</h2>
                <p>
                    "一定時間操作がなかったため、セッションが終了しました。入力中の内容はこの画面に残っています。"
                    "ログインすると、そのまま続けられます。"
                </p>
                <p class="reauth-user" data-testid="reauth-user">
                    {format!("{name}（{login_id}・医療機関コード {code}）")}
                </p>
                <form on:submit=submit novalidate>
                    <Show when=move || pending_csrf.get().is_none()
                        fallback=move || view! {
                            <TextField id="reauth_code" label="確認コード（認証アプリの6桁、またはリカバリーコード）"
                                value=otp inputmode="numeric" autocomplete="one-time-code" autofocus=true/>
                        }>
                        <TextField id="reauth_password" label="パスワード" value=password kind="password"
                            autocomplete="current-password" autofocus=true/>
                    </Show>
                    <p class="form-error" role="alert" data-testid="reauth-error">{move || error.get()}</p>
                    <div class="actions">
                        <button type="submit" data-testid="reauth-submit" disabled=move || busy.get()>"ログインして続ける"</button>
                        <Show when=move || pending_csrf.get().is_some()>
                            <button type="button" class="secondary" data-testid="reauth-security-key" on:click=with_key>
                                "セキュリティキーで確認"
                            </button>
                        </Show>
                        <button type="button" class="secondary" data-testid="reauth-other-user" on:click=someone_else>
                            "別の利用者でログイン（入力内容は破棄）"
                        </button>
                    </div>
                </form>
            </div>
        </div>
    }
}
