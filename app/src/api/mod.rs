//! The typed HTTP client: the only module that knows URLs. Every failure becomes an
//! [`ApiFailure`] whose `message()` is what the user sees.

pub mod attachments;
pub mod auth;
pub mod billing;
pub mod chart;
pub mod claims;
pub mod devices;
pub mod documents;
pub mod health;
pub mod logs;
pub mod orders;
pub mod patients;
pub mod reception;
pub mod users;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::api::{ErrorBody, ErrorCode, FieldError, CSRF_HEADER, PREFIX};

#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server answered with an error body.
    Api(ErrorBody),
    /// No answer (network down, server stopped) or an unreadable one.
    Network,
}

impl ApiFailure {
    /// The Japanese message for the user.
    pub fn message(&self) -> String {
        match self {
            Self::Api(body) => body.message.clone(),
            Self::Network => "サーバーに接続できません。通信状態を確認してください".into(),
        }
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api(body) => Some(body.code),
            Self::Network => None,
        }
    }

    /// Problems with individual fields, if the server named any.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Self::Api(body) => &body.fields,
            Self::Network => &[],
        }
    }

    /// The first problem the server named about a field, or the general message.
    pub fn first_message(&self) -> String {
        self.fields()
            .first()
            .map(|f| f.message.clone())
            .unwrap_or_else(|| self.message())
    }

    /// What to show beside each field: the server's field problems, or the message under the
    /// form (field `form`) when it named none.
    pub fn form_errors(&self) -> Vec<(String, String)> {
        match self.fields() {
            [] => vec![("form".into(), self.message())],
            fields => fields
                .iter()
                .map(|f| (f.field.clone(), f.message.clone()))
                .collect(),
        }
    }

    /// Whether the session is gone (never signed in, expired or ended elsewhere).
    pub fn is_signed_out(&self) -> bool {
        matches!(
            self.code(),
            Some(ErrorCode::Unauthorized | ErrorCode::SessionExpired)
        )
    }
}

fn url(path: &str) -> String {
    format!("{PREFIX}{path}")
}

async fn read<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiFailure> {
    let response = response.map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        response.json::<T>().await.map_err(|_| ApiFailure::Network)
    } else {
        Err(failure(response).await)
    }
}

async fn failure(response: Response) -> ApiFailure {
    match response.json::<ErrorBody>().await {
        Ok(body) => ApiFailure::Api(body),
        Err(_) => ApiFailure::Network,
    }
}

/// Every state-changing request goes through here: the user's, so the session is alive again.
fn with_csrf(builder: RequestBuilder, csrf: &str) -> RequestBuilder {
    crate::idle::touch();
    builder.header(CSRF_HEADER, csrf)
}

/// GET the user asked for (the session is alive again; see [`get_background`]).
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    crate::idle::touch();
    read(Request::get(&url(path)).send().await).await
}

/// GET of a file's bytes (a viewer's PDF); `full_path` is the whole path from `/api/v1` on, as
/// `shared::api` builds it.
pub async fn get_bytes(full_path: &str) -> Result<Vec<u8>, ApiFailure> {
    crate::idle::touch();
    let response = Request::get(full_path)
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        response.binary().await.map_err(|_| ApiFailure::Network)
    } else {
        Err(failure(response).await)
    }
}

/// GET made by a timer (a screen refreshing itself), not by the user: it does not keep the
/// session alive, so an unattended screen still times out.
pub async fn get_background<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    read(
        Request::get(&url(path))
            .header(shared::api::BACKGROUND_HEADER, "1")
            .send()
            .await,
    )
    .await
}

/// POST with a JSON body and the session's CSRF token (empty before login).
pub async fn post<B: Serialize, T: DeserializeOwned>(
    path: &str,
    csrf: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    let request = with_csrf(Request::post(&url(path)), csrf)
        .json(body)
        .map_err(|_| ApiFailure::Network)?;
    read(request.send().await).await
}

/// PUT with a JSON body and the session's CSRF token.
pub async fn put<B: Serialize, T: DeserializeOwned>(
    path: &str,
    csrf: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    let request = with_csrf(Request::put(&url(path)), csrf)
        .json(body)
        .map_err(|_| ApiFailure::Network)?;
    read(request.send().await).await
}

/// POST without a body, expecting a JSON answer.
pub async fn post_empty<T: DeserializeOwned>(path: &str, csrf: &str) -> Result<T, ApiFailure> {
    read(with_csrf(Request::post(&url(path)), csrf).send().await).await
}

/// POST without a body or answer (204).
pub async fn post_no_content(path: &str, csrf: &str) -> Result<(), ApiFailure> {
    let response = with_csrf(Request::post(&url(path)), csrf)
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        Ok(())
    } else {
        Err(failure(response).await)
    }
}

/// DELETE without a body or answer (204).
pub async fn delete(path: &str, csrf: &str) -> Result<(), ApiFailure> {
    let response = with_csrf(Request::delete(&url(path)), csrf)
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        Ok(())
    } else {
        Err(failure(response).await)
    }
}

/// POST of raw bytes with a content type (file uploads), expecting a JSON answer.
pub async fn post_bytes<T: DeserializeOwned>(
    path: &str,
    csrf: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<T, ApiFailure> {
    let body = js_sys::Uint8Array::from(bytes);
    let request = with_csrf(Request::post(&url(path)), csrf)
        .header("content-type", content_type)
        .body(body)
        .map_err(|_| ApiFailure::Network)?;
    read(request.send().await).await
}

/// POST raw bytes like [`post_bytes`], telling `on_progress` the share sent so far (0.0–1.0)
/// as the upload goes (XMLHttpRequest: fetch cannot report an upload's progress).
pub async fn post_bytes_with_progress<T: DeserializeOwned>(
    path: &str,
    csrf: &str,
    content_type: &str,
    bytes: &[u8],
    on_progress: impl Fn(f64) + 'static,
) -> Result<T, ApiFailure> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    crate::idle::touch();
    let network = |_| ApiFailure::Network;
    let xhr = web_sys::XmlHttpRequest::new().map_err(network)?;
    xhr.open("POST", &url(path)).map_err(network)?;
    xhr.set_request_header(CSRF_HEADER, csrf).map_err(network)?;
    xhr.set_request_header("content-type", content_type)
        .map_err(network)?;
    let progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                on_progress(ev.loaded() / ev.total());
            }
        });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
        xhr.set_ontimeout(Some(&reject));
    });
    let body = js_sys::Uint8Array::from(bytes);
    xhr.send_with_opt_buffer_source(Some(&body))
        .map_err(network)?;
    let sent = wasm_bindgen_futures::JsFuture::from(done).await;
    drop(progress);
    sent.map_err(network)?;
    let status = xhr.status().map_err(network)?;
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if (200..300).contains(&status) {
        serde_json::from_str(&text).map_err(|_| ApiFailure::Network)
    } else {
        serde_json::from_str::<ErrorBody>(&text)
            .map(ApiFailure::Api)
            .map_err(|_| ApiFailure::Network)
            .and_then(Err)
    }
}
