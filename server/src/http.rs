//! HTTP plumbing shared by every route: the JSON body extractor with API-shaped rejections,
//! security headers, the same-origin check, JSON fallbacks and the static app.

use crate::error::{error_response, ApiError};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use shared::api::{ErrorCode, FieldError, PREFIX};
use shared::domain::text;

/// `Json<T>` whose rejections are `ErrorBody`s: malformed JSON, a body of the wrong shape,
/// a missing `application/json` content type and an oversized body each get their own code.
/// The body is checked by [`shared::api::body::parse`] before it becomes a `T`.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned + serde::Serialize,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::code(ErrorCode::UnsupportedMediaType));
        }
        let ApiBytes(bytes) = ApiBytes::from_request(req, state).await?;
        shared::api::body::parse(&bytes)
            .map(Self)
            .map_err(ApiError::from)
    }
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value.split(';').next().unwrap_or("").trim();
    mime.eq_ignore_ascii_case("application/json")
        || mime
            .get(..12)
            .is_some_and(|p| p.eq_ignore_ascii_case("application/"))
            && mime.to_ascii_lowercase().ends_with("+json")
}

/// The raw body, with an oversized one answered as `payload_too_large` (JSON, like every error).
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(Self)
            .map_err(|r| {
                ApiError::code(if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ErrorCode::PayloadTooLarge
                } else {
                    ErrorCode::InvalidBody
                })
            })
    }
}

/// An id from a path or body: anything that is not a well-formed id names nothing, so it is 404 — the same
/// answer as an id of another institution.
pub fn id_or_not_found<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::code(ErrorCode::NotFound))
}

/// One `name=value` of a query string or one path segment, percent-decoded. `None` when the
/// bytes are not UTF-8 (`%FF`, the overlong `%C0%AF`).
fn decoded(raw: &str, plus_is_space: bool) -> Option<String> {
    let raw = if plus_is_space {
        std::borrow::Cow::Owned(raw.replace('+', " "))
    } else {
        std::borrow::Cow::Borrowed(raw)
    };
    percent_encoding::percent_decode_str(&raw)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// The query string's problems: a parameter whose name or value is not UTF-8 or holds a
/// control character (no query parameter is multi-line), named by the parameter.
fn check_query(query: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(name) =
            decoded(name, true).filter(|n| text::check_text("", n, text::Lines::Single).is_ok())
        else {
            errors.push(FieldError::new(
                "",
                "invalid_encoding",
                "検索条件の名前が正しくありません",
            ));
            continue;
        };
        match decoded(value, true) {
            None => errors.push(FieldError::new(
                &name,
                "invalid_encoding",
                "文字コードが正しくありません（UTF-8）",
            )),
            Some(value) => {
                if let Err(e) = text::check_text(&name, &value, text::Lines::Single) {
                    errors.push(e);
                }
            }
        }
        if errors.len() >= shared::api::body::MAX_FIELD_ERRORS {
            break;
        }
    }
    errors
}

/// `Query<T>` whose rejection is an `ErrorBody` (`invalid_query`). The raw query string was
/// already checked by [`check_path_and_query`].
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

/// Route layer of every API route: each path segment and the query string must be UTF-8
/// without control characters, or the request ends here (`invalid_path`, naming the route's
/// parameter; `invalid_query`, naming the query parameter) before any handler or extractor
/// sees it. So no route can forget the rule, and no `Path` rejection falls through as text.
pub async fn check_path_and_query(req: Request, next: Next) -> Response {
    let template = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    // The matched path includes the prefix the API is nested under and the URI does not:
    // pair the segments from the end.
    let names: Vec<&str> = template.split('/').collect();
    let segments: Vec<&str> = req.uri().path().split('/').collect();
    let mut fields = Vec::new();
    for (i, segment) in segments.iter().enumerate().skip(1) {
        let from_end = segments.len() - i;
        let name = names
            .len()
            .checked_sub(from_end)
            .and_then(|j| names.get(j))
            .copied()
            .unwrap_or("");
        let name = name
            .strip_prefix('{')
            .and_then(|n| n.strip_suffix('}'))
            .unwrap_or(name);
        let ok = decoded(segment, false)
            .is_some_and(|s| text::check_text(name, &s, text::Lines::Single).is_ok());
        if !ok {
            fields.push(FieldError::new(
                name,
                "invalid_path",
                "URL が正しくありません",
            ));
        }
    }
    if !fields.is_empty() {
        return ApiError::Code(ErrorCode::InvalidPath)
            .with_fields(fields)
            .into_response();
    }
    let problems = check_query(req.uri().query().unwrap_or(""));
    if !problems.is_empty() {
        return ApiError::Code(ErrorCode::InvalidQuery)
            .with_fields(problems)
            .into_response();
    }
    next.run(req).await
}

/// Outermost layer of the API: an error answered by something other than Karte's code (a
/// framework rejection, a layer) in plain text becomes the JSON error shape with the code for
/// its status, so a client always gets `ErrorBody`. Logged, so the unwrapped source is found.
pub async fn json_errors_only(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::InvalidBody,
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::CONFLICT => ErrorCode::Conflict,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::TooManyAttempts,
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
        s if s.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    };
    tracing::warn!(
        status = status.as_u16(),
        "a plain-text error answered as JSON"
    );
    // The status and headers stay (Allow, Retry-After, Set-Cookie …); only the body takes the
    // API's shape.
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&shared::api::ErrorBody::new(code)).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
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
    // A handler that set a stricter policy keeps it (a served file's `sandbox`).
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
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
/// The sandbox every served file gets: no script, no plugin, no form, nothing loaded.
const FILE_CSP: &str = "sandbox; default-src 'none'; frame-ancestors 'none'";

/// A stored file as a response that nothing in it can run in the app's origin: its sniffed
/// type, `Content-Disposition` (`attachment`, or `inline` for the browser's own PDF viewer),
/// `Content-Security-Policy: sandbox`, `nosniff`, and its SHA-256 as the ETag.
pub fn file_response(
    bytes: bytes::Bytes,
    media: shared::media::MediaType,
    sha256: &[u8; 32],
    filename: &str,
    inline: bool,
) -> Response {
    let disposition = format!(
        "{}; filename=\"{filename}\"",
        if inline { "inline" } else { "attachment" }
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media.mime()));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(FILE_CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", shared::media::hex(sha256))) {
        headers.insert(header::ETAG, value);
    }
    response
}

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
    use super::{is_hashed_asset, json_errors_only};
    use axum::body::Body;
    use axum::http::{Request, StatusCode};

    #[tokio::test]
    async fn a_plain_text_error_from_anywhere_becomes_the_json_error_body() {
        for (status, code) in [
            (StatusCode::BAD_REQUEST, "bad_request"),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            (StatusCode::CONFLICT, "conflict"),
        ] {
            let app = axum::Router::new()
                .route(
                    "/x",
                    axum::routing::get(move || async move {
                        (status, [("allow", "GET")], "Invalid URL: internal detail")
                    }),
                )
                .layer(axum::middleware::from_fn(json_errors_only));
            let request = Request::get("/x").body(Body::empty()).expect("request");
            let response = tower::ServiceExt::oneshot(app, request)
                .await
                .expect("response");
            assert_eq!(response.status(), status);
            assert_eq!(response.headers()["allow"], "GET", "headers are kept");
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
                .await
                .expect("body");
            let body: shared::api::ErrorBody = serde_json::from_slice(&bytes).expect("ErrorBody");
            assert_eq!(serde_json::to_value(body.code).expect("code"), code);
            assert!(!String::from_utf8_lossy(&bytes).contains("internal detail"));
        }
    }

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
