use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <main class="centered">
            <h1>"ページが見つかりません"</h1>
            <A href="/">"ホームへ戻る"</A>
        </main>
    }
}
