//! HTTP plumbing shared by every route: the JSON body extractor with API-shaped rejections,
//! security headers, the same-origin check, JSON fallbacks and the static app.

use crate::error::{error_response, ApiError};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use shared::api::{ErrorCode, PREFIX};

/// `Json<T>` whose rejections are `ErrorBody`s: malformed JSON, a body of the wrong shape,
/// a missing `application/json` content type and an oversized body each get their own code.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::code(match rejection {
                JsonRejection::JsonSyntaxError(_) => ErrorCode::InvalidJson,
                JsonRejection::JsonDataError(_) => ErrorCode::InvalidBody,
                JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
                JsonRejection::BytesRejection(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ErrorCode::PayloadTooLarge
                }
                _ => ErrorCode::InvalidBody,
            })),
        }
    }
}

/// An id from a path or body: anything that is not a well-formed id names nothing, so it is 404 — the same
/// answer as an id of another institution.
pub fn id_or_not_found<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::code(ErrorCode::NotFound))
}

/// `Query<T>` whose rejection is an `ErrorBody` (`invalid_query`).
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|_| ApiError::code(ErrorCode::InvalidQuery))
    }
}

/// The Content-Security-Policy of every response: scripts and WebAssembly only from this
/// origin (no inline script), no framing, no plug-ins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every response; API responses are never cached.
pub async fn security_headers(hsts_max_age: u64, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_api = path.starts_with(PREFIX);
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let hsts = format!("max-age={hsts_max_age}; includeSubDomains");
    if let Ok(value) = HeaderValue::from_str(&hsts) {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    let cache = if is_api {
        "no-store"
    } else if is_hashed_asset(&path) {
        // trunk puts a content hash in bundle names: such a file never changes.
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// `/name-0123456789abcdef.ext` or `/name-0123456789abcdef_bg.wasm`: a 64-bit hash in hex
/// before the extension, as trunk writes with `filehash = true` (without leading zeros, so
/// 1 time in 16 it has 15 digits, rarely fewer: 12 to 16 are accepted).
fn is_hashed_asset(path: &str) -> bool {
    let Some(file) = path.rsplit('/').next() else {
        return false;
    };
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => {
            (12..=16).contains(&hash.len())
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        }
        None => false,
    }
}

/// Refuses state-changing API requests that a browser marks as coming from another site.
/// Together with `SameSite=Strict` cookies and the per-session CSRF token this covers login
/// CSRF too (the login form has no session yet).
pub async fn same_origin_only(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && req.uri().path().starts_with(PREFIX) && !is_same_origin(&req) {
        return error_response(ErrorCode::CsrfFailed);
    }
    next.run(req).await
}

fn is_same_origin(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Not a browser request (no Origin, no Sec-Fetch-Site): nothing for CSRF to abuse.
        return true;
    };
    let host = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        });
    match host {
        Some(host) => origin == format!("https://{host}"),
        None => false,
    }
}

/// Unknown API routes.
pub async fn api_not_found() -> Response {
    error_response(ErrorCode::NotFound)
}

/// Known API routes called with a method they do not have.
pub async fn api_method_not_allowed() -> Response {
    error_response(ErrorCode::MethodNotAllowed)
}

/// The answer to a panic inside a handler: a generic 500, never the panic text.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    error_response(ErrorCode::Internal).into_response()
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_content_hashed_bundle_files_are_immutable() {
        for (path, hashed) in [
            ("/karte-app-55f5601b48590899.js", true),
            ("/karte-app-44c3c1406d10d082_bg.wasm", true),
            ("/main-39b008ae0688651c.css", true),
            ("/index.html", false),
            ("/boot.js", false),
            ("/admin/users", false),
            // trunk drops leading zeros: this 15-digit one was seen in a build.
            ("/karte-app-82dc00a316483cf_bg.wasm", true),
            ("/main-39b008ae06.css", false),
            ("/main-39b008ae0688651x.css", false),
            ("/main-39B008AE0688651C.css", false),
        ] {
            assert_eq!(is_hashed_asset(path), hashed, "{path}");
        }
    }
}
