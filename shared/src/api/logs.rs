//! The access- and audit-log viewer (administrators of the institution only).

use crate::ids::{PatientId, SessionId, UserId};
use serde::{Deserialize, Serialize};

/// One API request. Times are RFC 3339 (UTC, server clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogEntry {
    pub seq: i64,
    pub logged_at: String,
    pub user_id: Option<UserId>,
    pub session_id: Option<SessionId>,
    pub client_ip: Option<String>,
    pub client_cert_sha256: Option<String>,
    pub method: String,
    pub route: String,
    pub patient_id: Option<PatientId>,
    pub status: i16,
    pub duration_ms: i32,
}

/// One security-relevant event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLogEntry {
    pub seq: i64,
    pub logged_at: String,
    pub actor_user_id: Option<UserId>,
    pub session_id: Option<SessionId>,
    pub client_ip: Option<String>,
    pub action: String,
    /// `success` or `failure`.
    pub result: String,
    pub target_type: Option<String>,
    /// The id of the target, of the kind `target_type` names.
    pub target_id: Option<String>,
    pub details: serde_json::Value,
}

/// A page of entries, newest first. Pass `next_before_seq` as `before_seq` for the next page;
/// `None` means this was the last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPage<T> {
    pub entries: Vec<T>,
    pub next_before_seq: Option<i64>,
    /// The patients the page's entries name (access-log patients, audit targets), by number and
    /// name, so no one has to look a UUID up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patients: Vec<PatientLabel>,
}

/// A patient as a log viewer names one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientLabel {
    pub patient_id: PatientId,
    pub patient_number: String,
    pub name: String,
    pub kana: String,
}

/// The result of verifying one hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatus {
    /// `access` or `audit`.
    pub log: String,
    pub rows: i64,
    /// Rows up to this position were archived; verification starts after them.
    pub archived_through_seq: i64,
    pub ok: bool,
    /// Where the chain first breaks, and why (code and Japanese message).
    pub broken_at_seq: Option<i64>,
    pub problem: Option<String>,
    pub message: Option<String>,
}

/// Largest page the viewer asks for.
pub const MAX_PAGE: i64 = 200;
/// Most rows one export writes.
pub const MAX_EXPORT: i64 = 100_000;

/// Japanese labels of audit actions, for the viewer.
pub fn action_label_ja(action: &str) -> &'static str {
    match action {
        "login" => "ログイン",
        "logout" => "ログアウト",
        "password_change" => "パスワード変更",
        "password_reset" => "パスワード再発行",
        "user_create" => "利用者作成",
        "user_disable" => "利用者無効化",
        "user_enable" => "利用者有効化",
        "institution_provision" => "医療機関登録",
        "log_export" => "ログ出力",
        "log_verify" => "ログ検証",
        "billing_settings_change" => "算定設定変更",
        "bill_finalize" => "会計確定",
        "bill_correct" => "会計訂正",
        "login_second_factor" => "二要素認証",
        "logout_everywhere" => "全端末ログアウト",
        "factor_enrol" => "認証手段登録",
        "factor_revoke" => "認証手段削除",
        "factors_reset" => "二要素認証リセット",
        "recovery_codes_issue" => "リカバリーコード発行",
        "login_unlock" => "ロック解除",
        "security_policy_change" => "セキュリティ設定変更",
        "device_register" => "端末登録",
        "device_revoke" => "端末登録取消",
        "note_finalize" => "診療記録確定",
        "note_amend" => "診療記録修正",
        "note_approve" => "代行入力承認",
        "diagnosis_record" => "傷病名登録",
        "diagnosis_change" => "傷病名変更",
        "lab_import" => "検査結果取込",
        "chart_print" => "カルテ印刷",
        "order_finalize" => "オーダ確定",
        "order_amend" => "オーダ修正",
        "order_cancel" => "オーダ取消",
        "order_approve" => "オーダ承認",
        "allergy_record" => "アレルギー登録",
        "allergy_change" => "アレルギー変更",
        "prescription_issue" => "処方箋発行",
        "institution_profile_change" => "医療機関情報変更",
        "claims_view" => "レセプト閲覧",
        "claims_file" => "レセプト請求",
        "claims_download" => "請求ファイル出力",
        "claims_return" => "返戻の記録",
        "claims_note" => "症状詳記・コメント・特記事項の記載",
        "reception_coverage" => "保険組合せの変更",
        "user_license_change" => "麻薬施用者免許証番号の登録・変更",
        "file_store" => "ファイルの保存",
        "file_repair" => "ファイル複製の修復",
        "attachment_record" => "画像・文書の添付",
        "attachment_change" => "画像・文書の情報変更",
        "attachment_retract" => "画像・文書の取消",
        "document_create" => "文書の作成",
        "document_finalize" => "文書の確定",
        "document_amend" => "文書の訂正",
        "document_output" => "文書の出力（印刷・再印刷）",
        "print_create" => "印刷物（領収証・明細書・処方箋・カルテ）の作成",
        "print_output" => "印刷物の出力（印刷・再印刷）",
        _ => "その他",
    }
}
