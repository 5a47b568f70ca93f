//! `ApiError`: the one error type handlers return. Its response is always an `ErrorBody`
//! with a stable code; internal causes are logged (inside the request span), never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::api::{ErrorBody, ErrorCode, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0:?}")]
    Code(ErrorCode),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// 429 with `Retry-After`: sign-in throttled for this account or address.
    #[error("too many attempts")]
    TooManyAttempts { retry_after_seconds: u32 },
    #[error("conflict")]
    Conflict(Vec<FieldError>),
    /// Any code with the fields it concerns (an unknown body field, a bad path segment).
    #[error("{0:?} with fields")]
    Fields(ErrorCode, Vec<FieldError>),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub const fn code(code: ErrorCode) -> Self {
        Self::Code(code)
    }

    /// The same error naming the fields concerned (only a plain [`ApiError::Code`] takes them).
    pub fn with_fields(self, fields: Vec<FieldError>) -> Self {
        match self {
            Self::Code(code) => Self::Fields(code, fields),
            other => other,
        }
    }

    pub fn with_field(self, field: FieldError) -> Self {
        self.with_fields(vec![field])
    }

    /// 409: the change was based on a version (or revision) of `field` that is no longer the
    /// current one; the message tells the user to look at the newer one first.
    pub fn stale(field: &str, message: impl Into<String>) -> Self {
        Self::Conflict(vec![shared::api::FieldError::new(field, "stale", message)])
    }

    /// 422 naming one field, with the message the user sees.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![shared::api::FieldError::new(
            field, "invalid", message,
        )])
    }
}

/// A refused request body (`shared::api::body::parse`).
impl From<shared::api::body::BodyError> for ApiError {
    fn from(e: shared::api::body::BodyError) -> Self {
        match e.code {
            // Logged as every internal error is.
            ErrorCode::Internal => Self::Internal(anyhow::anyhow!(
                "a parsed request body did not serialise again"
            )),
            code => Self::Fields(code, e.fields),
        }
    }
}

/// One field's problem is a 422 naming it.
impl From<FieldError> for ApiError {
    fn from(field: FieldError) -> Self {
        Self::Invalid(vec![field])
    }
}

/// The unique constraints a valid request can still run into (a value someone else took), each
/// answered as a 409 naming the field — in one place, so no handler matches constraint names.
const UNIQUE_FIELDS: &[(&str, &str, &str)] = &[
    (
        "patient_number_key",
        "patient_number",
        "この患者番号は既に使われています",
    ),
    (
        "app_user_login_id_key",
        "login_id",
        "このログインIDは既に使われています",
    ),
];

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            let taken = db.constraint().and_then(|c| {
                UNIQUE_FIELDS
                    .iter()
                    .find(|(constraint, _, _)| *constraint == c)
            });
            if let Some((_, field, message)) = taken {
                return Self::Conflict(vec![FieldError::new(field, "taken", *message)]);
            }
        }
        match err {
            sqlx::Error::RowNotFound => Self::Code(ErrorCode::NotFound),
            other => Self::Internal(other.into()),
        }
    }
}

/// The HTTP status each code is answered with.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::InvalidJson
        | ErrorCode::InvalidBody
        | ErrorCode::InvalidQuery
        | ErrorCode::InvalidPath
        | ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Unauthorized | ErrorCode::InvalidCredentials | ErrorCode::SessionExpired => {
            StatusCode::UNAUTHORIZED
        }
        ErrorCode::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::SecondFactorRequired | ErrorCode::InvalidSecondFactor => {
            StatusCode::UNAUTHORIZED
        }
        ErrorCode::TwoFactorEnrolmentRequired | ErrorCode::DeviceNotRegistered => {
            StatusCode::FORBIDDEN
        }
        ErrorCode::Forbidden | ErrorCode::PasswordChangeRequired | ErrorCode::CsrfFailed => {
            StatusCode::FORBIDDEN
        }
        ErrorCode::Conflict | ErrorCode::DuplicateSuspected => StatusCode::CONFLICT,
        ErrorCode::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// A JSON error response for `code`.
pub fn error_response(code: ErrorCode) -> Response {
    (status_of(code), Json(ErrorBody::new(code))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, fields) = match self {
            Self::TooManyAttempts {
                retry_after_seconds,
            } => {
                let code = ErrorCode::TooManyAttempts;
                return (
                    status_of(code),
                    [(
                        axum::http::header::RETRY_AFTER,
                        retry_after_seconds.max(1).to_string(),
                    )],
                    Json(ErrorBody::new(code)),
                )
                    .into_response();
            }
            Self::Code(code) => (code, Vec::new()),
            Self::Invalid(fields) => (ErrorCode::Validation, fields),
            Self::Conflict(fields) => (ErrorCode::Conflict, fields),
            Self::Fields(code, fields) => (code, fields),
            Self::Internal(err) => {
                tracing::error!(error = %redacted(&err), "request failed");
                (ErrorCode::Internal, Vec::new())
            }
        };
        (status_of(code), Json(ErrorBody::with_fields(code, fields))).into_response()
    }
}

/// The cause chain for the log, without database error messages and details: those can quote
/// row values (a unique violation prints the key), which may be patient data. The SQLSTATE and
/// constraint name are enough to find the fault.
pub fn redacted(err: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        if let Some(sqlx::Error::Database(db)) = cause.downcast_ref::<sqlx::Error>() {
            parts.push(format!(
                "database error sqlstate={} constraint={}",
                db.code().as_deref().unwrap_or("?"),
                db.constraint().unwrap_or("-")
            ));
            break;
        }
        parts.push(cause.to_string());
    }
    parts.join(": ")
}

pub type ApiResult<T> = Result<T, ApiError>;
