//! The first screen after sign-in: who and where the user is, and what their role opens.

use crate::state::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::domain::Permission;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <h1>"ホーム"</h1>
        {move || session.info().map(|info| {
            let role = info.user.role;
            view! {
                <dl class="summary" data-testid="home-summary">
                    <dt>"医療機関"</dt><dd>{info.institution.name.clone()} "（" {info.institution.code.clone()} "）"</dd>
                    <dt>"利用者"</dt><dd>{info.user.display_name.clone()} "（" {info.user.login_id.clone()} "）"</dd>
                    <dt>"役割"</dt><dd>{role.label_ja()}</dd>
                    <dt>"自動ログアウト"</dt><dd>{format!("操作がない状態が{}分続くと", info.idle_timeout_seconds / 60)}</dd>
                </dl>
                <Show when=move || role.can(Permission::ManageUsers)>
                    <p><A href="/admin/users">"利用者管理へ"</A></p>
                </Show>
            }
        })}
    }
}
