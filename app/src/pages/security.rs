//! The user's own second factors (二要素認証): register an authenticator app (QR code or key,
//! confirmed with a first code), see and remove factors, recovery codes (shown once, printable),
//! and sign out on every device. A user whose role requires a second factor is brought here at
//! sign-in and can use nothing else until one is registered.

use crate::components::field::TextField;
use crate::state::{use_session, SessionState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::api::auth::{FactorOverview, SessionStage, TotpEnrolment};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let overview = RwSignal::new(None::<FactorOverview>);
    let enrolment = RwSignal::new(None::<TotpEnrolment>);
    let label = RwSignal::new(String::from("業務用スマートフォン"));
    let code = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let recovery = RwSignal::new(Vec::<String>::new());
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    // Changes to the account's protection, once it has a factor, need the password again.
    let current_password = RwSignal::new(String::new());
    let has_any = move || overview.get().is_some_and(|o| !o.factors.is_empty());
    let enrolling = move || {
        session
            .info()
            .is_some_and(|i| i.stage == SessionStage::Enrolment)
    };
    let load = move || {
        spawn_local(async move {
            match crate::api::auth::factors().await {
                Ok(o) => overview.set(Some(o)),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.message()));
                }
            }
        });
    };
    load();

    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        recovery.set(Vec::new());
        let csrf = session.csrf();
        let name = label.get_untracked();
        let password = current_password.get_untracked();
        spawn_local(async move {
            match crate::api::auth::start_totp(&csrf, &name, &password).await {
                Ok(e) => enrolment.set(Some(e)),
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        code_error.set(None);
        let Some(e) = enrolment.get_untracked() else {
            return;
        };
        let csrf = session.csrf();
        let typed = code.get_untracked();
        spawn_local(async move {
            match crate::api::auth::confirm_totp(&csrf, e.factor_id, &typed).await {
                Ok(done) => {
                    enrolment.set(None);
                    code.set(String::new());
                    recovery.set(done.recovery_codes);
                    message.set(Some(
                        "認証アプリを登録しました。次回のログインから確認コードが必要です。".into(),
                    ));
                    session.signed_in(done.session);
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    code_error.set(Some(f.first_message()));
                }
            }
        });
    };
    let revoke = move |id: shared::ids::FactorId| {
        let csrf = session.csrf();
        let password = current_password.get_untracked();
        spawn_local(async move {
            match crate::api::auth::revoke_factor(&csrf, id, &password).await {
                Ok(o) => {
                    overview.set(Some(o));
                    message.set(Some("認証手段を削除しました".into()));
                    if let Ok(info) = crate::api::auth::session().await {
                        session.signed_in(info);
                    }
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    let key_label = RwSignal::new(String::from("セキュリティキー"));
    let key_error = RwSignal::new(None::<String>);
    let register_key = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        key_error.set(None);
        recovery.set(Vec::new());
        let csrf = session.csrf();
        let name = key_label.get_untracked();
        let password = current_password.get_untracked();
        spawn_local(async move {
            match crate::webauthn::register(&csrf, &name, &password).await {
                Ok(done) => {
                    recovery.set(done.recovery_codes);
                    message.set(Some("セキュリティキー・パスキーを登録しました。".into()));
                    session.signed_in(done.session);
                    load();
                }
                Err(m) => key_error.set(Some(m)),
            }
        });
    };
    let new_codes = move |_| {
        let csrf = session.csrf();
        let password = current_password.get_untracked();
        spawn_local(async move {
            match crate::api::auth::new_recovery_codes(&csrf, &password).await {
                Ok(r) => {
                    recovery.set(r.codes);
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    error.set(Some(f.first_message()));
                }
            }
        });
    };
    let everywhere = move |_| {
        let csrf = session.csrf();
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = crate::api::auth::logout_everywhere(&csrf).await;
            crate::unsaved::clear();
            session.0.set(SessionState::SignedOut { expired: false });
            navigate("/login", Default::default());
        });
    };
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };

    view! {
        <h1>"二要素認証"</h1>
        <Show when=enrolling>
            <p class="notice" role="status" data-testid="enrolment-required">
                "この医療機関では、あなたの職種には二要素認証が必要です。認証アプリを登録すると利用を開始できます。"
            </p>
        </Show>
        <p class="form-error" role="alert" data-testid="security-error">{move || error.get()}</p>
        <Show when=move || message.get().is_some()>
            <p class="success" role="status" data-testid="security-message">{move || message.get()}</p>
        </Show>
        <Show when=has_any>
            <div class="narrow">
                <TextField id="security_current_password" label="現在のパスワード（認証手段の追加・削除、リカバリーコードの再発行に必要）"
                    value=current_password kind="password" autocomplete="current-password"/>
            </div>
        </Show>
        <section aria-labelledby="factors-title">
            <h2 id="factors-title">"登録済みの認証手段"</h2>
            {move || overview.get().map(|o| {
                if o.factors.is_empty() {
                    view! { <p data-testid="no-factors">"まだ登録されていません。"</p> }.into_any()
                } else {
                    view! {
                        <table class="patients" data-testid="factors">
                            <thead><tr><th scope="col">"名前"</th><th scope="col">"種類"</th><th scope="col">"登録日時"</th><th scope="col">"最終使用"</th><th scope="col"></th></tr></thead>
                            <tbody>
                                {o.factors.into_iter().map(|f| {
                                    let id = f.factor_id;
                                    view! {
                                        <tr>
                                            <td>{f.label}</td>
                                            <td>{if f.kind == "webauthn" { "セキュリティキー・パスキー" } else { "認証アプリ（TOTP）" }}</td>
                                            <td>{crate::format::jst_minute(&f.created_at)}</td>
                                            <td>{f.last_used_at.map(|t| crate::format::jst_minute(&t)).unwrap_or_default()}</td>
                                            <td><button type="button" class="secondary" on:click=move |_| revoke(id)>"削除"</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p data-testid="recovery-left">{format!("未使用のリカバリーコード: {}個", o.recovery_codes_left)}</p>
                        <button type="button" class="secondary" data-testid="new-recovery-codes" on:click=new_codes>"リカバリーコードを再発行"</button>
                    }.into_any()
                }
            })}
        </section>
        <section aria-labelledby="add-title">
            <h2 id="add-title">"認証アプリを登録"</h2>
            <p>"Google Authenticator、Microsoft Authenticator などの認証アプリで使えます（30秒ごとに変わる6桁のコード）。"</p>
            {move || match enrolment.get() {
                None => view! {
                    <form on:submit=start class="narrow" data-testid="totp-start" novalidate>
                        <TextField id="factor_label" label="この認証手段の名前" value=label/>
                        <button type="submit" data-testid="totp-start-submit">"登録を始める"</button>
                    </form>
                }.into_any(),
                Some(e) => view! {
                    <div class="totp-enrolment">
                        <p>"1. 認証アプリでこのQRコードを読み取ってください。"</p>
                        <div class="qr" data-testid="totp-qr" inner_html=e.qr_svg.clone()></div>
                        <p>"読み取れない場合は、次のキーを手入力してください（時間ベース、6桁）。"</p>
                        <p class="totp-secret"><code data-testid="totp-secret">{e.secret.clone()}</code></p>
                        <form on:submit=confirm class="narrow" data-testid="totp-confirm" novalidate>
                            <TextField id="totp_code" label="2. アプリに表示された6桁の確認コード" value=code
                                inputmode="numeric" autocomplete="one-time-code" error=code_error/>
                            <button type="submit" data-testid="totp-confirm-submit">"確認して登録"</button>
                        </form>
                    </div>
                }.into_any(),
            }}
        </section>
        <section aria-labelledby="key-title">
            <h2 id="key-title">"セキュリティキー・パスキーを登録"</h2>
            <p>"USBのセキュリティキー、端末の指紋・顔認証（パスキー）などで確認できます。"</p>
            <form on:submit=register_key class="narrow" data-testid="webauthn-register" novalidate>
                <TextField id="key_label" label="この認証手段の名前" value=key_label error=key_error/>
                <button type="submit" data-testid="webauthn-register-submit">"セキュリティキーを登録"</button>
            </form>
        </section>
        <Show when=move || !recovery.get().is_empty()>
            <section class="recovery-codes" aria-labelledby="recovery-title">
                <h2 id="recovery-title">"リカバリーコード"</h2>
                <p class="notice">
                    "スマートフォンを紛失したときに、確認コードの代わりに1回ずつ使えます。"
                    "この画面でしか表示されません。印刷するか書き留めて、安全な場所に保管してください。"
                </p>
                <ol data-testid="recovery-codes">
                    {move || recovery.get().into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                </ol>
                <button type="button" class="secondary" on:click=print>"印刷"</button>
                <Show when=move || !enrolling()>
                    <a href="/" data-testid="security-continue">"ホームへ"</a>
                </Show>
            </section>
        </Show>
        <section aria-labelledby="sessions-title">
            <h2 id="sessions-title">"ログイン中の端末"</h2>
            <p>"他の端末でログインしたままかもしれないときは、すべての端末からログアウトできます（この端末も含みます）。"</p>
            <button type="button" class="secondary" data-testid="logout-everywhere" on:click=everywhere>"すべての端末からログアウト"</button>
        </section>
    }
}
