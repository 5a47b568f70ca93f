//! The one error shape every API failure uses: a stable machine code and a message in
//! Japanese and English. It never carries internal error text or patient data.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable, machine-readable; clients switch on this, never on the message.
    pub code: ErrorCode,
    /// For the user (Japanese UI).
    pub message: String,
    pub message_en: String,
    /// Per-field problems of an invalid request body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

pub use crate::domain::FieldError;

/// Every error code the API can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    MethodNotAllowed,
    InvalidJson,
    InvalidBody,
    InvalidQuery,
    /// A path segment that is not UTF-8 or holds a control character.
    InvalidPath,
    /// A request the server could not read otherwise (no more precise code applies).
    BadRequest,
    UnsupportedMediaType,
    PayloadTooLarge,
    Unauthorized,
    InvalidCredentials,
    SessionExpired,
    Forbidden,
    PasswordChangeRequired,
    CsrfFailed,
    Conflict,
    DuplicateSuspected,
    Validation,
    Internal,
    Unavailable,
    /// Too many sign-in attempts for this account or from this address: wait and retry.
    TooManyAttempts,
    /// The password was right; the second factor is still owed (session stage `second_factor`).
    SecondFactorRequired,
    /// The role must use a second factor and the user has none yet: enrol first.
    TwoFactorEnrolmentRequired,
    /// The one-time code or recovery code was not accepted.
    InvalidSecondFactor,
    /// Sign-in needs a registered device (client certificate) and this one is not registered
    /// with the institution (or its registration was revoked).
    DeviceNotRegistered,
}

impl ErrorCode {
    pub fn messages(self) -> (&'static str, &'static str) {
        match self {
            Self::NotFound => ("見つかりません", "Not found"),
            Self::MethodNotAllowed => ("この操作はできません", "Method not allowed"),
            Self::InvalidJson => ("リクエストの形式が正しくありません", "Malformed JSON"),
            Self::InvalidBody => ("リクエストの内容が正しくありません", "Invalid request body"),
            Self::InvalidQuery => ("検索条件が正しくありません", "Invalid query parameters"),
            Self::InvalidPath => ("URL が正しくありません", "Invalid path"),
            Self::BadRequest => ("リクエストが正しくありません", "Bad request"),
            Self::UnsupportedMediaType => (
                "Content-Type は application/json にしてください",
                "Content-Type must be application/json",
            ),
            Self::PayloadTooLarge => ("リクエストが大きすぎます", "Request body too large"),
            Self::Unauthorized => ("ログインしてください", "Not signed in"),
            Self::InvalidCredentials => (
                "医療機関コード、ログインID、またはパスワードが正しくありません",
                "Institution code, login id or password is incorrect",
            ),
            Self::SessionExpired => (
                "一定時間操作がなかったためログアウトしました",
                "Session expired",
            ),
            Self::Forbidden => ("この操作を行う権限がありません", "Forbidden"),
            Self::PasswordChangeRequired => {
                ("パスワードを変更してください", "Password change required")
            }
            Self::CsrfFailed => (
                "画面を再読み込みしてからもう一度操作してください",
                "CSRF check failed",
            ),
            Self::Conflict => ("既に存在するか、他の変更と競合しました", "Conflict"),
            Self::DuplicateSuspected => (
                "同じ氏名（カナ）と生年月日の患者が既に登録されています。確認してから登録してください",
                "A patient with the same name and birth date exists",
            ),
            Self::Validation => ("入力内容を確認してください", "Validation failed"),
            Self::Internal => (
                "サーバーでエラーが発生しました。時間をおいて再度お試しください",
                "Internal server error",
            ),
            Self::Unavailable => ("現在サービスを利用できません", "Service unavailable"),
            Self::TooManyAttempts => (
                "ログインの試行回数が多すぎるため、一時的に制限しています。しばらく待ってから再度お試しください",
                "Too many attempts; try again later",
            ),
            Self::SecondFactorRequired => (
                "確認コード（二要素認証）を入力してください",
                "Second factor required",
            ),
            Self::TwoFactorEnrolmentRequired => (
                "二要素認証の設定が必要です",
                "Two-factor enrolment required",
            ),
            Self::DeviceNotRegistered => (
                "この端末は登録されていません。管理者に端末（クライアント証明書）の登録を依頼してください",
                "This device is not registered",
            ),
            Self::InvalidSecondFactor => (
                "確認コードが正しくありません",
                "The code was not accepted",
            ),
        }
    }
}

impl ErrorBody {
    pub fn new(code: ErrorCode) -> Self {
        let (ja, en) = code.messages();
        Self {
            code,
            message: ja.to_string(),
            message_en: en.to_string(),
            fields: Vec::new(),
        }
    }

    pub fn with_fields(code: ErrorCode, fields: Vec<FieldError>) -> Self {
        Self {
            fields,
            ..Self::new(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_stable_snake_case_code_and_both_languages() {
        let json = serde_json::to_value(ErrorBody::new(ErrorCode::PayloadTooLarge)).unwrap();
        assert_eq!(json["code"], "payload_too_large");
        assert_eq!(json["message_en"], "Request body too large");
        assert!(json.get("fields").is_none());
    }
}
