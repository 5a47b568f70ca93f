//! 端末管理 (administrators): the institution's registered device certificates. A device is
//! registered by its certificate (PEM) or fingerprint, or with one click for the device in use;
//! revoking it ends its sessions. Whether certificates are asked for at all is the server's
//! setting, shown here.

use crate::components::field::TextField;
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::devices::{
    display_fingerprint, ClientCertMode, DeviceSummary, RegisterDevice, ThisDevice,
};

#[component]
pub fn DevicesPage() -> impl IntoView {
    let session = use_session();
    let devices = RwSignal::new(Vec::<DeviceSummary>::new());
    let this = RwSignal::new(None::<ThisDevice>);
    let name = RwSignal::new(String::new());
    let certificate = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let message = RwSignal::new(None::<String>);
    let error = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()))
        })
    };
    let load = move || {
        spawn_local(async move {
            match crate::api::devices::list().await {
                Ok(list) => devices.set(list),
                Err(f) => session.check(&f),
            }
            if let Ok(t) = crate::api::devices::this_device().await {
                this.set(Some(t));
            }
        });
    };
    load();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let body = RegisterDevice {
            name: name.get_untracked(),
            certificate: certificate.get_untracked(),
        };
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::devices::register(&csrf, &body).await {
                Ok(d) => {
                    errors.set(Vec::new());
                    name.set(String::new());
                    certificate.set(String::new());
                    message.set(Some(format!("「{}」を登録しました", d.name)));
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    errors.set(f.form_errors());
                }
            }
        });
    };
    let use_this = move |_| {
        if let Some(fp) = this.get_untracked().and_then(|t| t.fingerprint) {
            certificate.set(display_fingerprint(&fp));
        }
    };
    let revoke = move |id: shared::ids::DeviceId| {
        let csrf = session.csrf();
        spawn_local(async move {
            match crate::api::devices::revoke(&csrf, id).await {
                Ok(d) => {
                    message.set(Some(format!("「{}」の登録を取り消しました", d.name)));
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    errors.set(f.form_errors());
                }
            }
        });
    };
    let mode_text = move || {
        this.get().map(|t| match t.mode {
            ClientCertMode::Off => "このサーバーはクライアント証明書を使っていません（端末認証なし）。登録はできますが、確認されません。",
            ClientCertMode::Optional => "クライアント証明書は任意です。セキュリティ設定で指定した職種は、登録済みの端末からのみログインできます。",
            ClientCertMode::Required => "クライアント証明書が必須です。すべての利用者は、登録済みの端末からのみログインできます。",
        })
    };
    view! {
        <h1>"端末管理"</h1>
        <p class="notice" data-testid="client-cert-mode">{mode_text}</p>
        <p data-testid="this-device">{move || this.get().map(|t| match t.fingerprint {
            Some(fp) => format!("この端末の証明書: {}", display_fingerprint(&fp)),
            None => "この端末はクライアント証明書を提示していません。".to_string(),
        })}</p>
        <form class="narrow" data-testid="register-device" on:submit=submit novalidate>
            <TextField id="device_name" label="端末名（例: 外来1番端末）" value=name error=error("name")/>
            <div class="field">
                <label for="device_certificate">"証明書（PEM）または SHA-256 指紋"</label>
                <textarea id="device_certificate" data-testid="device_certificate" rows="4"
                    prop:value=move || certificate.get()
                    on:input=move |ev| certificate.set(event_target_value(&ev))></textarea>
                <p class="field-error" role="alert">{move || error("certificate").get()}</p>
            </div>
            <Show when=move || this.get().and_then(|t| t.fingerprint).is_some()>
                <button type="button" class="secondary" data-testid="use-this-device" on:click=use_this>"この端末の証明書を使う"</button>
            </Show>
            <p class="form-error" role="alert">{move || error("form").get()}</p>
            <button type="submit" data-testid="register-device-submit">"登録"</button>
        </form>
        <Show when=move || message.get().is_some()>
            <p class="success" role="status" data-testid="devices-message">{move || message.get()}</p>
        </Show>
        <h2>"登録済みの端末"</h2>
        <table class="patients" data-testid="devices">
            <thead><tr><th scope="col">"端末名"</th><th scope="col">"指紋（SHA-256）"</th><th scope="col">"登録"</th><th scope="col">"状態"</th><th scope="col"></th></tr></thead>
            <tbody>
                {move || devices.get().into_iter().map(|d| {
                    let id = d.device_id;
                    let active = d.revoked_at.is_none();
                    view! {
                        <tr class:disabled=!active>
                            <td>{d.name.clone()}</td>
                            <td><code class="fingerprint">{display_fingerprint(&d.fingerprint)}</code></td>
                            <td>{format!("{} {}", crate::format::jst_minute(&d.registered_at), d.registered_by.clone().unwrap_or_else(|| "運用者".into()))}</td>
                            <td>{d.revoked_at.clone().map(|t| format!("取消済み（{}）", crate::format::jst_minute(&t))).unwrap_or_else(|| "有効".into())}</td>
                            <td><Show when=move || active>
                                <button type="button" class="secondary" on:click=move |_| revoke(id)>"登録取消"</button>
                            </Show></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
