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
/// The body is checked by [`parse_json_body`] before it becomes a `T`.
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
        parse_json_body(&bytes).map(Self)
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

/// At most this many field errors are listed in one answer.
const MAX_FIELD_ERRORS: usize = 20;

/// A request body as the API accepts it: JSON (else `invalid_json`), an object at the top
/// (else `invalid_body`: a struct would also take an array), no control characters in any
/// string or key and nesting within [`text::MAX_JSON_DEPTH`] (else `validation` naming each
/// field), of the right types (else `invalid_body` naming the field) and every field known to
/// `T` (else `invalid_body` naming the unknown ones: a typo must not silently drop a value).
/// Messages never repeat the value sent.
pub fn parse_json_body<T: DeserializeOwned + serde::Serialize>(
    bytes: &[u8],
) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            too_deep("")
        } else {
            ApiError::code(ErrorCode::InvalidJson)
        }
    })?;
    if !value.is_object() {
        return Err(
            ApiError::Code(ErrorCode::InvalidBody).with_field(FieldError::new(
                "",
                "object_expected",
                "JSON のオブジェクトを送ってください",
            )),
        );
    }
    let problems = text::check_json(&value, MAX_FIELD_ERRORS);
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let parsed: T = serde_path_to_error::deserialize(&value)
        .map_err(|e| ApiError::Code(ErrorCode::InvalidBody).with_field(data_error(&e)))?;
    // Unknown fields: what the body holds that the type does not give back. (serde cannot
    // report fields it ignores inside `#[serde(flatten)]`, which several request types use.)
    let known = serde_json::to_value(&parsed).map_err(|e| ApiError::Internal(e.into()))?;
    let mut unknown = Vec::new();
    unknown_fields(&value, &known, &mut String::new(), &mut unknown);
    if unknown.is_empty() {
        Ok(parsed)
    } else {
        Err(ApiError::Code(ErrorCode::InvalidBody).with_fields(unknown))
    }
}

/// The paths of `sent` that `known` (the parsed body, serialised again) lacks. A field the
/// type leaves out when empty (`skip_serializing_if`) is not unknown when it was sent empty.
fn unknown_fields(
    sent: &serde_json::Value,
    known: &serde_json::Value,
    path: &mut String,
    out: &mut Vec<FieldError>,
) {
    use serde_json::Value;
    match (sent, known) {
        (Value::Object(sent), Value::Object(known)) => {
            for (key, value) in sent {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                match known.get(key) {
                    Some(k) => unknown_fields(value, k, path, out),
                    None if is_empty(value) => {}
                    None if out.len() < MAX_FIELD_ERRORS => out.push(FieldError::new(
                        path,
                        "unknown_field",
                        "この項目は受け付けていません",
                    )),
                    None => {}
                }
                path.truncate(len);
            }
        }
        (Value::Array(sent), Value::Array(known)) => {
            for (i, (s, k)) in sent.iter().zip(known).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                unknown_fields(s, k, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn is_empty(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn too_deep(field: &str) -> ApiError {
    ApiError::Code(ErrorCode::InvalidBody).with_field(FieldError::new(
        field,
        "too_deep",
        format!("入れ子が深すぎます（{}段まで）", text::MAX_JSON_DEPTH),
    ))
}

/// The field a body failed on and a fixed message by kind: serde's own message would quote
/// the value sent, which may be patient data.
fn data_error(e: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let mut path = e.path().to_string();
    if path == "." {
        path.clear();
    }
    let detail = e.inner().to_string();
    let (code, message) = if let Some(rest) = detail.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(name);
        ("required", "必須の項目です")
    } else if detail.starts_with("invalid type") {
        ("invalid_type", "値の種類が違います")
    } else if detail.starts_with("unknown variant") {
        ("unknown_value", "この値は使えません")
    } else if detail.starts_with("unknown field") {
        ("unknown_field", "この項目は受け付けていません")
    } else {
        ("invalid", "値が正しくありません")
    };
    FieldError::new(&path, code, message)
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
        if errors.len() >= MAX_FIELD_ERRORS {
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
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::TooManyAttempts,
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
        s if s.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    };
    tracing::warn!(
        status = status.as_u16(),
        "a plain-text error answered as JSON"
    );
    let mut json = error_response(code);
    if let Some(retry) = response.headers().get(header::RETRY_AFTER) {
        json.headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    json
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
