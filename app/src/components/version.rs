//! Version and commit of the app and the server (構成管理), shown on every screen.

use crate::state::use_server_info;
use leptos::prelude::*;

#[component]
pub fn VersionFooter() -> impl IntoView {
    let server = use_server_info();
    view! {
        <footer class="version" data-testid="version">
            "Karte " {shared::VERSION}
            {move || server.0.get().map(|h| format!(" · サーバー {} (commit {})", h.version, h.commit))}
        </footer>
    }
}
