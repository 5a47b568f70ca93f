//! セキュリティ設定 (administrators): the institution's password rules, lockout, session timeouts
//! and which roles must use a second factor. The guideline's floors are enforced (13+ characters
//! with a password alone, 8+ with a second factor); every change is a new version, audited.

use crate::components::field::TextField;
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::security::{SaveSecurityPolicy, SecurityPolicyView};
use shared::domain::{Role, SecurityPolicy};

/// (field, label, unit hint)
const NUMBERS: &[(&str, &str)] = &[
    (
        "password_min_length",
        "パスワードの最小文字数（二要素認証なし、13以上）",
    ),
    (
        "password_min_length_two_factor",
        "パスワードの最小文字数（二要素認証あり、8以上）",
    ),
    (
        "password_min_classes",
        "英字・数字・記号のうち混ぜる種類の数（1〜3）",
    ),
    ("lockout_threshold", "ロックするまでの失敗回数"),
    ("lockout_seconds", "最初のロック時間（秒、以後は倍）"),
    ("lockout_max_seconds", "最長のロック時間（秒）"),
    ("idle_timeout_seconds", "無操作でログアウトするまで（秒）"),
    ("session_lifetime_seconds", "ログインの最長時間（秒）"),
];

fn number(p: &SecurityPolicy, field: &str) -> u32 {
    match field {
        "password_min_length" => p.password_min_length,
        "password_min_length_two_factor" => p.password_min_length_two_factor,
        "password_min_classes" => p.password_min_classes,
        "lockout_threshold" => p.lockout_threshold,
        "lockout_seconds" => p.lockout_seconds,
        "lockout_max_seconds" => p.lockout_max_seconds,
        "idle_timeout_seconds" => p.idle_timeout_seconds,
        _ => p.session_lifetime_seconds,
    }
}

fn set_number(p: &mut SecurityPolicy, field: &str, value: u32) {
    match field {
        "password_min_length" => p.password_min_length = value,
        "password_min_length_two_factor" => p.password_min_length_two_factor = value,
        "password_min_classes" => p.password_min_classes = value,
        "lockout_threshold" => p.lockout_threshold = value,
        "lockout_seconds" => p.lockout_seconds = value,
        "lockout_max_seconds" => p.lockout_max_seconds = value,
        "idle_timeout_seconds" => p.idle_timeout_seconds = value,
        _ => p.session_lifetime_seconds = value,
    }
}

#[component]
pub fn SecurityPolicyPage() -> impl IntoView {
    let session = use_session();
    let view_state = RwSignal::new(None::<SecurityPolicyView>);
    let fields: Vec<(&'static str, &'static str, RwSignal<String>)> = NUMBERS
        .iter()
        .map(|(f, l)| (*f, *l, RwSignal::new(String::new())))
        .collect();
    let roles = RwSignal::new(Vec::<Role>::new());
    let device_roles = RwSignal::new(Vec::<Role>::new());
    let reason = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let saved = RwSignal::new(false);
    let error = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()))
        })
    };
    let fill = {
        let fields = fields.clone();
        move |v: SecurityPolicyView| {
            for (f, _, signal) in &fields {
                signal.set(number(&v.policy, f).to_string());
            }
            roles.set(v.policy.two_factor_roles.clone());
            device_roles.set(v.policy.device_roles.clone());
            view_state.set(Some(v));
        }
    };
    let load = {
        let fill = fill.clone();
        move || {
            let fill = fill.clone();
            spawn_local(async move {
                match crate::api::users::security_policy().await {
                    Ok(v) => fill(v),
                    Err(f) => session.check(&f),
                }
            });
        }
    };
    load();
    let submit = {
        let fields = fields.clone();
        let fill = fill.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            saved.set(false);
            let Some(current) = view_state.get_untracked() else {
                return;
            };
            let mut policy = current.policy.clone();
            let mut problems = Vec::new();
            for (f, _, signal) in &fields {
                match signal.get_untracked().trim().parse::<u32>() {
                    Ok(n) => set_number(&mut policy, f, n),
                    Err(_) => problems.push((f.to_string(), "数字で入力してください".to_string())),
                }
            }
            policy.two_factor_roles = roles.get_untracked();
            policy.device_roles = device_roles.get_untracked();
            if problems.is_empty() {
                if let Err(e) = policy.validate() {
                    problems = e.into_iter().map(|f| (f.field, f.message)).collect();
                }
            }
            if !problems.is_empty() {
                errors.set(problems);
                return;
            }
            errors.set(Vec::new());
            let body = SaveSecurityPolicy {
                policy,
                base_version: current.version,
                reason: reason.get_untracked(),
            };
            let csrf = session.csrf();
            let fill = fill.clone();
            spawn_local(async move {
                match crate::api::users::save_security_policy(&csrf, &body).await {
                    Ok(v) => {
                        fill(v);
                        reason.set(String::new());
                        saved.set(true);
                    }
                    Err(f) => {
                        session.check(&f);
                        errors.set(f.form_errors());
                    }
                }
            });
        }
    };
    view! {
        <h1>"セキュリティ設定"</h1>
        <p>
            "医療情報システムの安全管理に関するガイドライン（第6.0版）に沿った初期値です。"
            "令和9年度以降に稼働するシステムでは二要素認証が求められます。"
            "変更は新しい版として記録され、以後のログインに適用されます。"
        </p>
        <p data-testid="policy-version">{move || view_state.get().map(|v| match v.version {
            Some(n) => format!("第{}版（{}）{}", n, v.changed_at.map(|t| crate::format::jst_minute(&t)).unwrap_or_default(), v.reason),
            None => "初期値（未保存）".to_string(),
        })}</p>
        <form class="wide" data-testid="security-policy-form" on:submit=submit novalidate>
            {fields.iter().map(|(f, l, signal)| {
                let f: &'static str = f;
                view! { <TextField id=f label=l value=*signal inputmode="numeric" error=error(f)/> }
            }).collect_view()}
            <fieldset>
                <legend>"二要素認証を必須にする職種"</legend>
                {Role::ALL.into_iter().map(|role| view! {
                    <label><input type="checkbox" data-testid=format!("two-factor-{}", role.code())
                        prop:checked=move || roles.get().contains(&role)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            roles.update(|r| {
                                r.retain(|x| *x != role);
                                if on { r.push(role); }
                            });
                        }/>{role.label_ja()}</label>
                }).collect_view()}
            </fieldset>
            <fieldset>
                <legend>"登録済み端末（クライアント証明書）からのみログインできる職種"</legend>
                <p class="hint">"サーバーがクライアント証明書を任意で求める設定のときに使われます（必須の設定ではすべての職種）。"</p>
                {Role::ALL.into_iter().map(|role| view! {
                    <label><input type="checkbox" data-testid=format!("device-{}", role.code())
                        prop:checked=move || device_roles.get().contains(&role)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            device_roles.update(|r| {
                                r.retain(|x| *x != role);
                                if on { r.push(role); }
                            });
                        }/>{role.label_ja()}</label>
                }).collect_view()}
            </fieldset>
            <TextField id="policy_reason" label="変更理由" value=reason error=error("reason")/>
            <p class="form-error" role="alert">{move || error("form").get().or_else(|| error("base_version").get())}</p>
            <button type="submit" data-testid="save-security-policy">"新しい版として保存"</button>
            <Show when=move || saved.get()>
                <p class="success" role="status" data-testid="security-policy-saved">"保存しました"</p>
            </Show>
        </form>
    }
}
