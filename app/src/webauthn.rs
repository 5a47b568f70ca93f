//! The browser's WebAuthn API (`navigator.credentials.create/get`) for passkeys and security
//! keys. The server sends options with binary fields as base64url; they become ArrayBuffers
//! here, and the authenticator's ArrayBuffers go back as base64url.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What went wrong, in Japanese for the user.
pub type Failure = String;

fn get(target: &JsValue, key: &str) -> Result<JsValue, Failure> {
    Reflect::get(target, &JsValue::from_str(key))
        .map_err(|_| "ブラウザの応答を読めませんでした".to_string())
}

fn set(target: &JsValue, key: &str, value: &JsValue) -> Result<(), Failure> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| "ブラウザに渡す設定を作れませんでした".to_string())
}

fn bytes_from_b64(value: &JsValue) -> Result<JsValue, Failure> {
    let text = value.as_string().ok_or("設定の形式が正しくありません")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| "設定の形式が正しくありません".to_string())?;
    Ok(Uint8Array::from(bytes.as_slice()).buffer().into())
}

fn b64_from_buffer(value: &JsValue) -> Result<String, Failure> {
    if value.is_undefined() || value.is_null() {
        return Err("ブラウザの応答が不完全です".into());
    }
    Ok(URL_SAFE_NO_PAD.encode(Uint8Array::new(value).to_vec()))
}

/// Replaces the base64url `id` of each credential descriptor in `list` with its bytes.
fn decode_ids(list: &JsValue) -> Result<(), Failure> {
    if let Ok(array) = list.clone().dyn_into::<Array>() {
        for item in array.iter() {
            let id = get(&item, "id")?;
            set(&item, "id", &bytes_from_b64(&id)?)?;
        }
    }
    Ok(())
}

async fn call(method: &str, public_key: JsValue) -> Result<JsValue, Failure> {
    let window = web_sys::window().ok_or("ブラウザの画面がありません")?;
    let credentials = get(&window.navigator().into(), "credentials")?;
    if credentials.is_undefined() {
        return Err("このブラウザはセキュリティキー（WebAuthn）に対応していません".into());
    }
    let function: Function = get(&credentials, method)?
        .dyn_into()
        .map_err(|_| "このブラウザはセキュリティキー（WebAuthn）に対応していません".to_string())?;
    let wrapper = Object::new();
    set(&wrapper, "publicKey", &public_key)?;
    let promise: Promise = function
        .call1(&credentials, &wrapper)
        .map_err(|_| "セキュリティキーを呼び出せませんでした".to_string())?
        .dyn_into()
        .map_err(|_| "セキュリティキーを呼び出せませんでした".to_string())?;
    JsFuture::from(promise)
        .await
        .map_err(|_| "セキュリティキーでの確認が取り消されたか、時間切れになりました".to_string())
}

/// Registers a credential: (clientDataJSON, attestationObject) as base64url.
pub async fn create(options: &serde_json::Value) -> Result<(String, String), Failure> {
    let opts = js_sys::JSON::parse(&options.to_string())
        .map_err(|_| "設定を読めませんでした".to_string())?;
    set(
        &opts,
        "challenge",
        &bytes_from_b64(&get(&opts, "challenge")?)?,
    )?;
    let user = get(&opts, "user")?;
    set(&user, "id", &bytes_from_b64(&get(&user, "id")?)?)?;
    decode_ids(&get(&opts, "excludeCredentials")?)?;
    let credential = call("create", opts).await?;
    let response = get(&credential, "response")?;
    Ok((
        b64_from_buffer(&get(&response, "clientDataJSON")?)?,
        b64_from_buffer(&get(&response, "attestationObject")?)?,
    ))
}

/// The authenticator's answer for sign-in.
pub struct Assertion {
    pub credential_id: String,
    pub client_data_json: String,
    pub authenticator_data: String,
    pub signature: String,
}

pub async fn assert(options: &serde_json::Value) -> Result<Assertion, Failure> {
    let opts = js_sys::JSON::parse(&options.to_string())
        .map_err(|_| "設定を読めませんでした".to_string())?;
    set(
        &opts,
        "challenge",
        &bytes_from_b64(&get(&opts, "challenge")?)?,
    )?;
    decode_ids(&get(&opts, "allowCredentials")?)?;
    let credential = call("get", opts).await?;
    let response = get(&credential, "response")?;
    Ok(Assertion {
        credential_id: b64_from_buffer(&get(&credential, "rawId")?)?,
        client_data_json: b64_from_buffer(&get(&response, "clientDataJSON")?)?,
        authenticator_data: b64_from_buffer(&get(&response, "authenticatorData")?)?,
        signature: b64_from_buffer(&get(&response, "signature")?)?,
    })
}

/// The second step of sign-in with a security key or passkey, start to finish.
pub async fn sign_in(csrf: &str) -> Result<shared::api::auth::SessionInfo, Failure> {
    let challenge = crate::api::auth::begin_webauthn_sign_in(csrf)
        .await
        .map_err(|f| f.message())?;
    let a = assert(&challenge.options).await?;
    crate::api::auth::webauthn_sign_in(
        csrf,
        &shared::api::auth::WebauthnAssertion {
            challenge_id: challenge.challenge_id,
            credential_id: a.credential_id,
            client_data_json: a.client_data_json,
            authenticator_data: a.authenticator_data,
            signature: a.signature,
        },
    )
    .await
    .map_err(|f| f.message())
}

/// Registers a security key or passkey called `label`, start to finish.
pub async fn register(
    csrf: &str,
    label: &str,
    current_password: &str,
) -> Result<shared::api::auth::FactorConfirmed, Failure> {
    let challenge = crate::api::auth::start_webauthn(csrf, label, current_password)
        .await
        .map_err(|f| f.first_message())?;
    let (client_data_json, attestation_object) = create(&challenge.options).await?;
    crate::api::auth::finish_webauthn(
        csrf,
        &shared::api::auth::WebauthnRegistration {
            challenge_id: challenge.challenge_id,
            client_data_json,
            attestation_object,
        },
    )
    .await
    .map_err(|f| f.first_message())
}
