//! Password change, forced after a one-time password. The policy is checked as the user types
//! with the same `shared` function the server enforces.

use crate::components::field::TextField;
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::api::auth::ChangePassword;

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let current = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let current_error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let forced = move || {
        session
            .info()
            .map(|i| i.must_change_password)
            .unwrap_or(false)
    };

    let problems = Memo::new(move |_| {
        let candidate = new_password.get();
        if candidate.is_empty() {
            return Vec::new();
        }
        session
            .info()
            .map(|info| {
                info.password_policy
                    .check(&candidate, &info.user.login_id, &info.user.display_name)
                    .iter()
                    .map(|p| p.message_ja())
                    .collect()
            })
            .unwrap_or_default()
    });
    let mismatch = move || {
        let c = confirm.get();
        (!c.is_empty() && c != new_password.get())
            .then(|| "確認用のパスワードが一致しません".to_string())
    };
    let new_error = Signal::derive(move || {
        let p = problems.get();
        (!p.is_empty()).then(|| p.join(" / "))
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        current_error.set(None);
        if new_password.get_untracked().is_empty() || !problems.get_untracked().is_empty() {
            error.set(Some("新しいパスワードが条件を満たしていません".into()));
            return;
        }
        if confirm.get_untracked() != new_password.get_untracked() {
            error.set(Some("確認用のパスワードが一致しません".into()));
            return;
        }
        busy.set(true);
        let body = ChangePassword {
            current_password: current.get_untracked(),
            new_password: new_password.get_untracked(),
        };
        let csrf = session.csrf();
        let navigate = navigate.clone();
        spawn_local(async move {
            match crate::api::auth::change_password(&csrf, &body).await {
                Ok(info) => {
                    current.set(String::new());
                    new_password.set(String::new());
                    confirm.set(String::new());
                    let was_forced = info.must_change_password;
                    session.signed_in(info);
                    done.set(true);
                    if !was_forced {
                        navigate("/", Default::default());
                    }
                }
                Err(failure) => {
                    session.check(&failure);
                    if let Some(f) = failure
                        .fields()
                        .iter()
                        .find(|f| f.field == "current_password")
                    {
                        current_error.set(Some(f.message.clone()));
                    }
                    let field_messages: Vec<String> = failure
                        .fields()
                        .iter()
                        .filter(|f| f.field == "new_password")
                        .map(|f| f.message.clone())
                        .collect();
                    error.set(Some(if field_messages.is_empty() {
                        failure.message()
                    } else {
                        field_messages.join(" / ")
                    }));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <h1>"パスワード変更"</h1>
        <Show when=forced>
            <p class="notice" role="status" data-testid="password-change-required">
                "初回パスワードのままです。続けるには新しいパスワードを設定してください。"
            </p>
        </Show>
        <Show when=move || done.get()>
            <p class="success" role="status" data-testid="password-changed">"パスワードを変更しました。"</p>
        </Show>
        <form on:submit=submit data-testid="password-form" novalidate class="narrow">
            <TextField id="current_password" label="現在のパスワード" value=current kind="password"
                autocomplete="current-password" autofocus=true error=current_error/>
            <TextField id="new_password" label="新しいパスワード" value=new_password kind="password"
                autocomplete="new-password" error=new_error/>
            <p class="hint">
                {move || session.info().map(|i| format!(
                    "{}文字以上、英字・数字・記号のうち{}種類以上。ログインIDや氏名は含めないでください。",
                    i.password_policy.min_length, i.password_policy.min_classes))}
            </p>
            <TextField id="confirm_password" label="新しいパスワード（確認）" value=confirm kind="password"
                autocomplete="new-password" error=Signal::derive(mismatch)/>
            <p class="form-error" role="alert" data-testid="password-error">{move || error.get()}</p>
            <button type="submit" data-testid="password-submit" disabled=move || busy.get()>"変更する"</button>
        </form>
    }
}
