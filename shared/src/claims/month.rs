//! The month's レセプト (医科・入院外), built from the finalised bills of the month: one claim per
//! patient and 主保険 (医保/国保/後期高齢者, with every 公費 its visits applied: 医保+公費 1–4), or
//! per patient and 公費 for visits without health insurance (公費単独). The browser builds them
//! as the clerk watches; the server builds the same from its own records when the month is filed.
//! Pure: no IO, no clock.
//!
//! Sources, besides the record layout of [`super::uke`] (記録条件仕様（医科）令和４年４月版):
//! - レセプト種別 別表5 (`../shared/reference/uke/spec_pdfs/iryokikan_in_01.txt` l.1800–1930):
//!   digit 2 = 1 医保/国保, 2 公費, 3 後期高齢者, 4 退職者; digit 3 = 1 + number of 公費 (公費単独:
//!   the number of 公費); digit 4 (入院外) = 2 本人, 4 未就学者, 6 家族, 8 高齢受給者一般・低所得者,
//!   0 高齢受給者7割 (後期高齢者: 8 一般・低所得者, 0 7割).
//! - 負担区分 別表21 (`uke-parser_code_tables/common/futankubun.yml`): which of 医保 and 公費1–4 a
//!   line is paid by.
//! - 診療識別 別表20 from the master's 点数欄集計先識別（入院外）: the first two digits of the
//!   集計先 (`../shared/reference/receipts.md` §3.2, cross-checked on every SI line of the ORCA
//!   samples); 集計先 300 (注射の加算) takes the 診療識別 of the injection it belongs to
//!   (UNCERTAIN in receipts.md: not stated in the spec text).
//! - 審査支払機関 別表1: 国保 (6-digit 保険者番号), 退職者医療 (法別67) and 後期高齢者医療 (法別39)
//!   to the 国保連合会, every other insurance and 公費単独 to the 支払基金.
//! - 給付割合 (RE 項目8): 国民健康保険 and 退職者医療 only, as a percentage (3割負担 → 70).
//! - JD 受診日等 (任意 from 令和3年9月): "1" 診療実日数に計上 on each visit day, per 負担者.
//! - SN 資格確認: one for the 医療保険, 確認区分 "01" 保険医療機関窓口等, 枝番 zero-padded to two
//!   digits, omitted for 後期高齢者医療 (SN 注1–2).
//! - MF 窓口負担額区分 "00" 高額療養費の現物給付なし (Karte prices no 高額療養費 yet).
//!
//! Choices where the spec leaves room or Karte does not go yet, each visible to the clerk as a
//! problem where it matters:
//! - HO 負担金額 is left out (入院外: recorded only where a 一部負担金額 is needed, 高額療養費).
//! - KO 負担金額 公費 (項目7, the patient's share the 医療券 states) is recorded for a 公費 with a
//!   自己負担上限額: what the patient paid at the window on the days it applied.
//! - レセプト特記事項 (別表9): the 所得区分 of a patient of 70 or over from the insurance
//!   ([`super::codes::income_special_note`]), and those the clerk adds to the patient's month
//!   (第三, 長 …); at most five, one 所得区分, each allowed in the 診療年月.
//! - 診療科 (別表10): the 受付's 診療科 where it names one of the table, up to three, the one
//!   with the most points first (RE 診療科 備考1); a 診療科 outside the table is not recorded
//!   (記録は任意).
//! - 一部負担金区分 (別表8) is not recorded: 入院外 records it only where 高額療養費 was paid in
//!   kind, which Karte does not price yet.

use super::uke::{
    day_total, ClaimLine, ClaimRecords, DayCounts, DeviceAmount, DrugAmount, HoRecord, IrRecord,
    IyRecord, JdRecord, KoRecord, LineComment, MfRecord, ReRecord, SiRecord, SnRecord, SyRecord,
    ToRecord, UkeDate, UkeFile, UkeMonth,
};
use crate::api::chart::Diagnosis;
use crate::api::insurance::{InsuranceDetail, PublicPaymentDetail};
use crate::api::patients::PatientSummary;
use crate::billing::{is_welfare, LineKind, PricedLine, PricedVisit, Visit, MAX_PUBLIC};
use crate::domain::diagnosis::Outcome;
use crate::domain::insurance::{
    elderly_from, preschool_until, InsuranceSystem, PublicPayerNumber, Relationship,
};
use crate::domain::japanese::{katakana, parse_date};
use crate::domain::patient::Sex;
use crate::ids::{BillId, PatientId, ReceptionId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Month};

/// 回数 and each day's count are three digits (SI 項目7, 14–44).
const MAX_TIMES: u32 = 999;
/// 修飾語 of 疑い (修飾語マスター 8002 「の疑い」), as the samples record a suspected diagnosis.
pub const SUSPECTED_MODIFIER: &str = "8002";
/// 未コード化傷病名 (SY 項目2).
pub const UNCODED_DISEASE: &str = "0000999";

/// One patient's month, as the server reads it: who, their insurances and 公費 (every version
/// that was valid at some point of the month), their diagnoses, and the latest version of
/// each bill finalised for a visit of the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimInput {
    pub patient: PatientSummary,
    #[serde(default)]
    pub insurances: Vec<InsuranceDetail>,
    #[serde(default)]
    pub public_payments: Vec<PublicPaymentDetail>,
    #[serde(default)]
    pub diagnoses: Vec<Diagnosis>,
    pub bills: Vec<ClaimBill>,
    /// 症状詳記 and コメント written for the patient's claim of the month (latest versions, not
    /// retracted), oldest first.
    #[serde(default)]
    pub notes: Vec<crate::api::claims::ClaimNote>,
    /// Bills of the month the server could not read back (stored in a form it no longer knows,
    /// or damaged): left out of the claims, kept as they are, and the month cannot be filed
    /// until each is finalised again.
    #[serde(default)]
    pub unreadable: Vec<UnreadableBill>,
}

/// A finalised bill whose stored form could not be read: which one, for the clerk to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadableBill {
    pub bill_id: BillId,
    pub version: i32,
    pub reception_id: ReceptionId,
    #[serde(with = "crate::billing::iso_date")]
    pub service_date: Date,
}

impl UnreadableBill {
    /// As the clerk sees it in the checks: an error that stops the filing.
    pub fn problem(&self) -> ClaimProblem {
        error(
            ProblemCode::UnreadableBill,
            format!(
                "{}の会計（第{}版）を読み込めないため、レセプトに入っていません。会計を開いて確定し直してください",
                crate::domain::japanese::format_date(self.service_date),
                self.version
            ),
            Some(self.reception_id),
        )
    }
}

/// 症状詳記区分 (別表23, `uke-parser_code_tables/ika/shojoshoki.yml`).
pub const SYMPTOM_DETAIL_CLASSES: &[(&str, &str)] = &[
    ("01", "主たる疾患の診断根拠となった臨床症状"),
    ("02", "主たる疾患の診断根拠となった臨床症状の診察・検査所見"),
    ("03", "主な治療行為の必要性"),
    ("04", "主な治療行為の経過"),
    ("05", "合計点数100万点以上の場合の薬剤に係る症状等"),
    ("06", "合計点数100万点以上の場合の処置に係る症状等"),
    ("07", "その他"),
    ("50", "治験概要"),
    ("51", "疾患別リハビリテーションの治療継続の理由等"),
    ("52", "廃用をもたらすに至った要因等"),
    ("90", "診療報酬明細書以外の明細書の症状詳記"),
];

/// コメントコード of free text (コメントマスター 810000001: 文字データ is the comment).
pub const FREE_TEXT_COMMENT: &str = "810000001";
/// 症状詳記データ: 漢字 2400 bytes per record (SJ 項目3), one record per paragraph.
const SYMPTOM_PARAGRAPH_CHARS: usize = 1200;
const SYMPTOM_TOTAL_CHARS: usize = 12_000;
/// CO 文字データ: 漢字 76 bytes (項目5).
const COMMENT_CHARS: usize = 38;

/// What a clerk or doctor adds to a patient's claim: a 症状詳記 (SJ records) or a コメント (a CO
/// record after the line it explains).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClaimNoteBody {
    SymptomDetail {
        /// 症状詳記区分 ([`SYMPTOM_DETAIL_CLASSES`]).
        class: String,
        /// Paragraphs separated by line breaks.
        text: String,
    },
    Comment {
        /// The 診療行為・医薬品・特定器材コード of the line it follows.
        line_code: String,
        /// コメントコード (コメントマスター, 9 digits from 8).
        code: String,
        /// 文字データ: the comment itself for 810000001, the added text or number otherwise.
        #[serde(default)]
        text: String,
    },
    /// A レセプト特記事項 (別表9) the claim needs and Karte cannot derive: 第三 (第三者行為),
    /// 長 (特定疾病療養受療証) …
    SpecialNote {
        /// Two digits of [`super::codes::SPECIAL_NOTES`].
        code: String,
    },
}

impl ClaimNoteBody {
    /// What is wrong with it, each naming its field (`body.text` …).
    pub fn validate(&self) -> Vec<crate::api::FieldError> {
        use crate::api::FieldError;
        let mut errors = Vec::new();
        let sjis = |text: &str| {
            text.chars()
                .all(|c| c == '\n' || crate::sjis::is_sjis(c) && !c.is_control())
        };
        match self {
            Self::SymptomDetail { class, text } => {
                if !SYMPTOM_DETAIL_CLASSES.iter().any(|(c, _)| c == class) {
                    errors.push(FieldError::new(
                        "body.class",
                        "invalid",
                        "症状詳記区分を選んでください",
                    ));
                }
                let paragraphs: Vec<&str> = text
                    .lines()
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                if paragraphs.is_empty() {
                    errors.push(FieldError::new(
                        "body.text",
                        "required",
                        "症状詳記を入力してください",
                    ));
                } else if text.chars().count() > SYMPTOM_TOTAL_CHARS
                    || paragraphs
                        .iter()
                        .any(|p| p.chars().count() > SYMPTOM_PARAGRAPH_CHARS)
                {
                    errors.push(FieldError::new(
                        "body.text",
                        "too_long",
                        format!("1段落{SYMPTOM_PARAGRAPH_CHARS}文字、全体{SYMPTOM_TOTAL_CHARS}文字までです"),
                    ));
                } else if !sjis(text) {
                    errors.push(FieldError::new(
                        "body.text",
                        "invalid",
                        "レセプトに記録できない文字（機種依存文字など）が含まれています",
                    ));
                }
            }
            Self::Comment {
                line_code,
                code,
                text,
            } => {
                let digits = |t: &str| t.len() == 9 && t.bytes().all(|b| b.is_ascii_digit());
                if !digits(line_code) {
                    errors.push(FieldError::new(
                        "body.line_code",
                        "invalid",
                        "コメントを付ける行を選んでください",
                    ));
                }
                if !digits(code) || !code.starts_with('8') {
                    errors.push(FieldError::new(
                        "body.code",
                        "invalid",
                        "コメントコードは8で始まる9桁の数字です",
                    ));
                }
                let text = text.trim();
                if code == FREE_TEXT_COMMENT && text.is_empty() {
                    errors.push(FieldError::new(
                        "body.text",
                        "required",
                        "コメントを入力してください",
                    ));
                } else if text.chars().count() > COMMENT_CHARS {
                    errors.push(FieldError::new(
                        "body.text",
                        "too_long",
                        format!("コメントは{COMMENT_CHARS}文字までです"),
                    ));
                } else if !sjis(text) || text.contains('\n') {
                    errors.push(FieldError::new(
                        "body.text",
                        "invalid",
                        "レセプトに記録できない文字（改行、機種依存文字など）が含まれています",
                    ));
                }
            }
            Self::SpecialNote { code } => {
                if super::codes::special_note_label(code).is_none() {
                    errors.push(FieldError::new(
                        "body.code",
                        "invalid",
                        "特記事項を一覧から選んでください",
                    ));
                }
            }
        }
        errors
    }
}

/// A finalised bill, latest version: the visit as entered and as priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimBill {
    pub bill_id: BillId,
    pub version: i32,
    pub reception_id: ReceptionId,
    #[serde(default)]
    pub department: String,
    /// The insurance of the visit's 保険組合せ it was priced under (none for 公費単独, and for
    /// bills finalised before 保険組合せ were chosen).
    #[serde(default)]
    pub insurance_id: Option<crate::ids::InsuranceId>,
    pub visit: Visit,
    pub priced: PricedVisit,
}

/// The 審査支払機関 a claim goes to (別表1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    /// 社会保険診療報酬支払基金 ("1").
    Fund,
    /// 国民健康保険団体連合会 ("2").
    Kokuho,
}

impl Payer {
    pub fn code(self) -> &'static str {
        match self {
            Self::Fund => "1",
            Self::Kokuho => "2",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Fund => "社保（支払基金）",
            Self::Kokuho => "国保（国保連合会）",
        }
    }

    fn of_insurer(number: &str) -> Self {
        match InsuranceSystem::of(number) {
            InsuranceSystem::Kokuho | InsuranceSystem::Retired | InsuranceSystem::LateElderly => {
                Self::Kokuho
            }
            InsuranceSystem::Employee => Self::Fund,
        }
    }
}

/// A bill a claim was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillRef {
    pub bill_id: BillId,
    pub version: i32,
    pub reception_id: ReceptionId,
    #[serde(with = "crate::billing::iso_date")]
    pub service_date: Date,
}

/// One レセプト of the month, with what the clerk must look at before filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub patient_id: PatientId,
    pub payer: Payer,
    /// The bills it was built from, by date.
    pub bills: Vec<BillRef>,
    /// The records as they will be filed (RE レセプト番号 is set when the file is written).
    pub records: ClaimRecords,
    /// Checks (レセプト点検): errors stop the month from being filed, warnings do not.
    pub problems: Vec<ClaimProblem>,
    /// Why it is in this filing: the month's own, 月遅れ, or a returned claim filed again.
    #[serde(default)]
    pub origin: ClaimOrigin,
}

/// Why a claim is in a filing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClaimOrigin {
    /// A claim of the filing's own 診療年月.
    #[default]
    Current,
    /// 月遅れ: bills of an earlier 診療年月 that no filing has carried yet.
    Late,
    /// A claim returned (返戻) by the 審査支払機関, corrected and filed again with its 検索番号
    /// and its original 診療年月.
    Refiling { return_id: crate::ids::ReturnId },
}

impl Claim {
    /// 合計点数 of the 主保険 (HO, or the first KO of a 公費単独 claim).
    pub fn points(&self) -> u64 {
        self.records.main_points()
    }

    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// A finding of the レセプト点検, in Japanese, with where to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimProblem {
    pub severity: Severity,
    pub code: ProblemCode,
    pub message: String,
    /// The visit whose bill causes it; `None` when the chart or the patient's insurance does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reception_id: Option<ReceptionId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// No 傷病名 active in the month.
    NoDiagnosis,
    /// A 傷病名 that ended before the first 算定日 of the month.
    DiagnosisEndedBeforeService,
    /// Neither health insurance nor 公費 on a 算定日.
    NoCoverage,
    /// A 公費 the bill applied is not among the patient's 公費 valid on that day.
    PublicNotValid,
    /// A 公費 without 受給者番号 (every 法別 but 医療観察法 30 records one).
    RecipientMissing,
    /// More than four 公費 in one claim.
    TooManyPublic,
    /// A line whose 点数欄集計先 gives no 診療識別.
    UnknownTreatmentClass,
    /// A 判断料 (D026 …) twice in the month.
    JudgmentFeeTwice,
    /// An item billed more often in the month than its 上限回数 (医科診療行為 項番36).
    LimitExceeded,
    /// An item that needs a 傷病名 of a kind (特定疾患 …) the claim lacks on its 算定日.
    DiagnosisRequired,
    /// A コメント for a line no claim of the month has.
    CommentWithoutLine,
    /// Items that exclude each other within the month or the day (包括・併算定不可).
    Excluded,
    /// レセプト特記事項 that cannot go together or not in this 診療年月.
    SpecialNote,
    /// A bill of the month the server could not read back ([`UnreadableBill`]).
    UnreadableBill,
    /// A line Karte cannot record yet (negative points, more than 999 times).
    NotRecordable,
    /// The claim's 合計点数 is not the sum of its bills.
    TotalMismatch,
    /// A patient fact the record needs is missing or malformed.
    PatientData,
    /// A field the UKE file cannot carry as it is (記録条件仕様: length, 英数/漢字, characters).
    Format,
}

/// The master facts the レセプト点検 reads, for the codes of the claims, as the server looked
/// them up in the 医科診療行為 and 傷病名 masters in force in the claims' months. The browser
/// gets them with the month's inputs, so both sides check alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimMasters {
    /// 医科診療行為 項番36 上限回数, by code; codes without a limit are absent.
    #[serde(default)]
    pub limits: BTreeMap<String, u16>,
    /// 傷病名 項番21 特定疾患等対象区分, by 傷病名コード; `00` (none) is absent.
    #[serde(default)]
    pub disease_classes: BTreeMap<String, u8>,
}

/// Builds the claims of `month` (診療年月) from each patient's bills of that month. Bills of
/// other months are ignored. Claims come in patient order, then 医保 before 公費単独.
pub fn build_claims(month: UkeMonth, inputs: &[ClaimInput], masters: &ClaimMasters) -> Vec<Claim> {
    let mut claims = Vec::new();
    for input in inputs {
        claims.extend(build_patient(month, input, masters));
    }
    claims
}

/// Bills of an earlier 診療年月 that no filing has carried (月遅れ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateMonth {
    pub month: UkeMonth,
    pub inputs: Vec<ClaimInput>,
    /// The master facts of that 診療年月 (the 上限回数 or 特定疾患 class of its own time).
    #[serde(default)]
    pub masters: ClaimMasters,
}

/// A claim the 審査支払機関 returned (返戻), to be filed again: its patient's bills as they are
/// now (after the correction), its original 診療年月 and the 検索番号 the return gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedClaim {
    pub return_id: crate::ids::ReturnId,
    pub month: UkeMonth,
    pub search_number: String,
    pub reason: String,
    /// Only the bills of the returned claim, latest versions.
    pub input: ClaimInput,
    /// The master facts of its own 診療年月.
    #[serde(default)]
    pub masters: ClaimMasters,
}

/// Everything one filing carries: the claims of `month`, then 月遅れ (oldest month first),
/// then the returned claims filed again (RE 検索番号 set, their own 診療年月). `masters` are the
/// filing month's; 月遅れ and returned claims are checked with their own months'.
pub fn build_filing(
    month: UkeMonth,
    inputs: &[ClaimInput],
    late: &[LateMonth],
    returned: &[ReturnedClaim],
    masters: &ClaimMasters,
) -> Vec<Claim> {
    let mut claims = build_claims(month, inputs, masters);
    for l in late {
        claims.extend(
            build_claims(l.month, &l.inputs, &l.masters)
                .into_iter()
                .map(|mut c| {
                    c.origin = ClaimOrigin::Late;
                    c
                }),
        );
    }
    for r in returned {
        for mut c in build_patient(r.month, &r.input, &r.masters) {
            c.records.re.search_number = r.search_number.clone();
            c.origin = ClaimOrigin::Refiling {
                return_id: r.return_id,
            };
            // The file's own check of the 検索番号 (its width, digits) as for every field.
            recheck_format(&mut c);
            claims.push(c);
        }
    }
    claims
}

/// 検索番号 as the 返戻 gives it: 17 to 30 digits (RE 項目19).
pub fn valid_search_number(text: &str) -> bool {
    (17..=30).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// Identity of a claim within a patient's month.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ClaimKey {
    /// 医保 (+ 公費): by the insurance card.
    Insurance {
        insurer_number: String,
        symbol: String,
        number: String,
    },
    /// 公費単独: by the 第一公費.
    PublicOnly { payer_number: String },
    /// A visit with nothing to claim from (an error on the claim).
    Nothing,
}

struct Group<'a> {
    insurance: Option<&'a InsuranceDetail>,
    bills: Vec<&'a ClaimBill>,
}

fn in_month(date: Date, month: UkeMonth) -> bool {
    date.year() == i32::from(month.year()) && u8::from(date.month()) == month.month()
}

fn valid_on(from: &str, until: Option<&str>, on: Date) -> bool {
    let from_ok = parse_date(from).is_some_and(|f| f <= on);
    let until_ok = until
        .filter(|u| !u.is_empty())
        .map(|u| parse_date(u).is_some_and(|u| on <= u))
        .unwrap_or(true);
    from_ok && until_ok
}

/// The insurance a bill was priced under: the one of its 保険組合せ, else the one it names,
/// valid on the day, else any valid.
fn insurance_of<'a>(input: &'a ClaimInput, bill: &ClaimBill) -> Option<&'a InsuranceDetail> {
    let on = bill.visit.service_date;
    if let Some(chosen) = bill.insurance_id.and_then(|id| {
        input
            .insurances
            .iter()
            .find(|i| i.insurance_id == id && valid_on(&i.valid_from, i.valid_until.as_deref(), on))
    }) {
        return Some(chosen);
    }
    let named = match &bill.visit.burden {
        crate::billing::Burden::Insurance { insurer_number, .. } => {
            Some(insurer_number.as_str().to_string())
        }
        crate::billing::Burden::Tenths { .. } => None,
        // 公費単独: priced without an insurance, so claimed without one.
        crate::billing::Burden::PublicOnly => return None,
    };
    let valid: Vec<&InsuranceDetail> = input
        .insurances
        .iter()
        .filter(|i| valid_on(&i.valid_from, i.valid_until.as_deref(), on))
        .collect();
    named
        .and_then(|n| valid.iter().copied().find(|i| i.insurer_number == n))
        .or_else(|| valid.first().copied())
}

fn public_numbers(visit: &Visit) -> Vec<String> {
    visit
        .public_expenses()
        .into_iter()
        .filter_map(|p| p.payer_number.as_ref().map(|n| n.as_str().to_string()))
        .collect()
}

fn build_patient(month: UkeMonth, input: &ClaimInput, masters: &ClaimMasters) -> Vec<Claim> {
    let mut groups: BTreeMap<ClaimKey, Group<'_>> = BTreeMap::new();
    let mut bills: Vec<&ClaimBill> = input
        .bills
        .iter()
        .filter(|b| in_month(b.visit.service_date, month))
        .collect();
    bills.sort_by_key(|b| (b.visit.service_date, b.reception_id.to_string()));
    for bill in bills {
        let insurance = insurance_of(input, bill);
        let key = match (insurance, public_numbers(&bill.visit).first()) {
            (Some(i), _) => ClaimKey::Insurance {
                insurer_number: i.insurer_number.clone(),
                symbol: i.symbol.clone(),
                number: i.number.clone(),
            },
            (None, Some(first)) => ClaimKey::PublicOnly {
                payer_number: first.clone(),
            },
            (None, None) => ClaimKey::Nothing,
        };
        groups
            .entry(key)
            .or_insert_with(|| Group {
                insurance,
                bills: Vec::new(),
            })
            .bills
            .push(bill);
    }
    let mut claims: Vec<Claim> = groups
        .into_values()
        .map(|group| build_claim(month, input, group, masters))
        .collect();
    attach_notes(&input.notes, &mut claims);
    claims
}

/// The patient's 症状詳記 go with the first claim (the 医療保険's where there is one), each
/// paragraph an SJ record; each コメント goes after the line it explains, in the claim that
/// has it (a CO record without 診療識別, continuing that line's group).
fn attach_notes(notes: &[crate::api::claims::ClaimNote], claims: &mut [Claim]) {
    let mut touched = std::collections::BTreeSet::new();
    let Some(first) = claims.first_mut() else {
        return;
    };
    for note in notes {
        if let ClaimNoteBody::SymptomDetail { class, text } = &note.body {
            let paragraphs = text.lines().map(str::trim).filter(|p| !p.is_empty());
            for (i, paragraph) in paragraphs.enumerate() {
                first.records.sj.push(super::uke::SjRecord {
                    kind: if i == 0 { class.clone() } else { String::new() },
                    text: full_width(paragraph),
                });
            }
        }
    }
    for note in notes {
        let ClaimNoteBody::Comment {
            line_code,
            code,
            text,
        } = &note.body
        else {
            continue;
        };
        let placed = claims.iter_mut().enumerate().any(|(i, claim)| {
            let lines = &mut claim.records.lines;
            let Some(mut at) = lines
                .iter()
                .position(|l| l.code() == Some(line_code.as_str()))
            else {
                return false;
            };
            // To the end of the line's 点数・回数算定単位 (its last record carries the 点数),
            // then past the コメント already there.
            while lines[at].points().is_none()
                && lines
                    .get(at + 1)
                    .is_some_and(|n| n.code().is_some() && n.treatment_class().is_empty())
            {
                at += 1;
            }
            let burden = lines[at].burden().unwrap_or("1").to_string();
            while matches!(lines.get(at + 1), Some(ClaimLine::Co(_))) {
                at += 1;
            }
            lines.insert(
                at + 1,
                ClaimLine::Co(super::uke::CoRecord {
                    treatment_class: String::new(),
                    burden,
                    code: code.clone(),
                    text: full_width(text.trim()),
                }),
            );
            touched.insert(i);
            true
        });
        if !placed {
            if let Some(first) = claims.first_mut() {
                first.problems.push(warning(
                    ProblemCode::CommentWithoutLine,
                    format!(
                        "コメント（{code}）を付ける行 {line_code} がこの月のレセプトにありません"
                    ),
                    None,
                ));
            }
        }
    }
    if let Some(first) = claims.first_mut() {
        let added: Vec<&str> = notes
            .iter()
            .filter_map(|n| match &n.body {
                ClaimNoteBody::SpecialNote { code } => Some(code.as_str()),
                _ => None,
            })
            .collect();
        if !added.is_empty() {
            add_special_notes(first, &added);
        }
    }
    if notes.iter().any(|n| {
        matches!(
            n.body,
            ClaimNoteBody::SymptomDetail { .. } | ClaimNoteBody::SpecialNote { .. }
        )
    }) {
        touched.insert(0);
    }
    // The file's own check again, once per claim the notes changed.
    for i in touched {
        if let Some(claim) = claims.get_mut(i) {
            recheck_format(claim);
        }
    }
}

/// The clerk's レセプト特記事項 beside the one the 所得区分 gave: in code order, each once, at most
/// five (RE 項目12), one 所得区分 (区ア〜), each allowed in the 診療年月 (別表9 注2・注3).
fn add_special_notes(claim: &mut Claim, added: &[&str]) {
    let re = &mut claim.records.re;
    let derived: Option<String> = re.special_notes.first().cloned();
    for code in added {
        if !re.special_notes.iter().any(|c| c == code) {
            re.special_notes.push(code.to_string());
        }
    }
    re.special_notes.sort();
    let kouki =
        claim.records.ho.as_ref().is_some_and(|h| {
            InsuranceSystem::of(&h.insurer_number) == InsuranceSystem::LateElderly
        });
    let label = |c: &str| format!("{c} {}", super::codes::special_note_label(c).unwrap_or(""));
    for code in &claim.records.re.special_notes {
        if let Some(why) =
            super::codes::special_note_not_allowed(code, claim.records.re.service_month, kouki)
        {
            claim
                .problems
                .push(error(ProblemCode::SpecialNote, why, None));
        }
    }
    let classes: Vec<&String> = claim
        .records
        .re
        .special_notes
        .iter()
        .filter(|c| super::codes::INCOME_NOTES.contains(&c.as_str()))
        .collect();
    if classes.len() > 1 {
        let said: Vec<String> = classes.iter().map(|c| label(c)).collect();
        let hint = match &derived {
            Some(d) if classes.contains(&d) => format!(
                "（{} は保険の所得区分から記録しています。所得区分を直すか、追加した特記事項を取り消してください）",
                label(d)
            ),
            _ => String::new(),
        };
        claim.problems.push(error(
            ProblemCode::SpecialNote,
            format!(
                "特記事項の所得区分が複数あります: {}{hint}",
                said.join("、")
            ),
            None,
        ));
    }
    let count = claim.records.re.special_notes.len();
    if count > super::codes::MAX_SPECIAL_NOTES {
        claim.problems.push(error(
            ProblemCode::SpecialNote,
            format!(
                "特記事項が{count}件あります（レセプトに{}件まで）",
                super::codes::MAX_SPECIAL_NOTES
            ),
            None,
        ));
    }
}

/// The claim's format problems again, after its records changed.
fn recheck_format(claim: &mut Claim) {
    claim.problems.retain(|p| p.code != ProblemCode::Format);
    let format = format_problems(&claim.records);
    claim.problems.extend(format);
}

/// The claim's 公費, 第一公費 first, those that pay some line: in the order of the visit that
/// applied the most of them (会計 ordered them by [`crate::billing::select_public`]), then any
/// other in the order seen, 生活保護 last (他法優先). A 公費 whose 部 no line of the claim falls
/// in gets no KO: it pays nothing. UNCERTAIN: the 記載要領's 法別番号 priority table is not in
/// the reference; within the applied order no other priority is imposed.
fn claim_publics(bills: &[&ClaimBill]) -> Vec<String> {
    let mut visits: Vec<&Visit> = bills.iter().map(|b| &b.visit).collect();
    visits.sort_by_key(|v| std::cmp::Reverse(v.public_expenses().len()));
    let mut publics: Vec<String> = Vec::new();
    for visit in visits {
        for number in public_numbers(visit) {
            if !publics.contains(&number) {
                publics.push(number);
            }
        }
    }
    publics.retain(|number| {
        bills.iter().any(|b| {
            b.visit.public_expenses().iter().any(|p| {
                p.payer_number
                    .as_ref()
                    .is_some_and(|n| n.as_str() == number)
                    && b.priced
                        .lines
                        .iter()
                        .any(|l| p.sections.is_empty() || p.sections.contains(&l.section))
            })
        })
    });
    publics.sort_by_key(|n| is_welfare(n));
    publics
}

/// 負担区分 (別表21) of a line paid by the 医療保険 (`insurance`) and the 公費 whose positions
/// (0 = 第一公費) are set in `publics`.
pub fn burden_code(insurance: bool, publics: [bool; MAX_PUBLIC]) -> &'static str {
    let p = |i: usize| publics[i];
    match (insurance, p(0), p(1), p(2), p(3)) {
        (true, false, false, false, false) => "1",
        (false, true, false, false, false) => "5",
        (false, false, true, false, false) => "6",
        (false, false, false, true, false) => "B",
        (false, false, false, false, true) => "C",
        (true, true, false, false, false) => "2",
        (true, false, true, false, false) => "3",
        (true, false, false, true, false) => "E",
        (true, false, false, false, true) => "G",
        (false, true, true, false, false) => "7",
        (false, true, false, true, false) => "H",
        (false, true, false, false, true) => "I",
        (false, false, true, true, false) => "J",
        (false, false, true, false, true) => "K",
        (false, false, false, true, true) => "L",
        (true, true, true, false, false) => "4",
        (true, true, false, true, false) => "M",
        (true, true, false, false, true) => "N",
        (true, false, true, true, false) => "O",
        (true, false, true, false, true) => "P",
        (true, false, false, true, true) => "Q",
        (false, true, true, true, false) => "R",
        (false, true, true, false, true) => "S",
        (false, true, false, true, true) => "T",
        (false, false, true, true, true) => "U",
        (true, true, true, true, false) => "V",
        (true, true, true, false, true) => "W",
        (true, true, false, true, true) => "X",
        (true, false, true, true, true) => "Y",
        (false, true, true, true, true) => "Z",
        (true, true, true, true, true) => "9",
        // Nobody pays: cannot happen for a built line (the 医療保険 or the 第一公費 pays all).
        (false, false, false, false, false) => "1",
    }
}

/// The records of one 点数・回数算定単位 as they repeat over the month: everything but the days.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct UnitKey {
    class: String,
    burden: &'static str,
    kind: u8,
    /// (code, amount in the record's units) of each record, in order.
    parts: Vec<(String, u64)>,
    points: u32,
}

struct Unit {
    key: UnitKey,
    /// The line's name as first priced, for the clerk's messages.
    name: String,
    days: DayCounts,
    /// Who pays it: 医保, 公費1–4.
    payers: (bool, [bool; MAX_PUBLIC]),
    first_seen: usize,
}

/// 診療識別 of a priced line (receipts.md §3.2): the first two digits of its 集計先; 300 (注射の
/// 加算) that of an injection of the same visit.
fn treatment_class(line: &PricedLine, visit_lines: &[PricedLine]) -> Option<String> {
    let aggregation = match line.aggregation {
        300 => visit_lines
            .iter()
            .map(|l| l.aggregation)
            .find(|a| matches!(a, 311 | 321 | 331))
            .unwrap_or(311),
        a => a,
    };
    (100..1000)
        .contains(&aggregation)
        .then(|| format!("{:02}", aggregation / 10))
}

fn drug_amount(thousandths: i64) -> Option<u64> {
    // Quantity is in 1/1000; IY 使用量 in 1/100000.
    u64::try_from(thousandths)
        .ok()?
        .checked_mul(100)
        .and_then(|u| DrugAmount::from_units(u).map(|a| a.units()))
}

fn device_amount(thousandths: i64) -> Option<u64> {
    u64::try_from(thousandths)
        .ok()
        .and_then(|u| DeviceAmount::from_units(u).map(|a| a.units()))
}

fn build_claim(
    month: UkeMonth,
    input: &ClaimInput,
    group: Group<'_>,
    masters: &ClaimMasters,
) -> Claim {
    let mut problems = Vec::new();
    let patient = &input.patient;
    let publics = claim_publics(&group.bills);
    if publics.len() > MAX_PUBLIC {
        problems.push(error(
            ProblemCode::TooManyPublic,
            format!(
                "公費が{}件あります（1枚のレセプトに4件まで）",
                publics.len()
            ),
            None,
        ));
    }
    let first_day = group.bills.first().map(|b| b.visit.service_date);

    // Lines, merged over the month.
    let mut units: Vec<Unit> = Vec::new();
    let mut visit_days: BTreeMap<u8, [bool; 1 + MAX_PUBLIC]> = BTreeMap::new();
    let mut bill_points: i64 = 0;
    let mut window_paid: BTreeMap<String, i64> = BTreeMap::new();
    for bill in &group.bills {
        let day = bill.visit.service_date.day();
        let applied: Vec<(usize, &crate::billing::PublicExpense)> = bill
            .visit
            .public_expenses()
            .into_iter()
            .filter_map(|p| {
                let number = p.payer_number.as_ref()?.as_str();
                let at = publics.iter().position(|n| n == number)?;
                (at < MAX_PUBLIC).then_some((at, p))
            })
            .collect();
        let insurance = group.insurance.is_some();
        if !insurance && bill.priced.share.insurer.0 > 0 {
            problems.push(error(
                ProblemCode::NoCoverage,
                format!(
                    "{}の会計は保険で計算されていますが、その日に有効な保険がありません（有効期間を確認してください）",
                    crate::domain::japanese::format_date(bill.visit.service_date)
                ),
                Some(bill.reception_id),
            ));
        } else if !insurance && applied.is_empty() {
            problems.push(error(
                ProblemCode::NoCoverage,
                format!(
                    "{}に有効な保険も公費もありません",
                    crate::domain::japanese::format_date(bill.visit.service_date)
                ),
                Some(bill.reception_id),
            ));
        }
        for (at, public) in &applied {
            let number = public
                .payer_number
                .as_ref()
                .map(|n| n.as_str())
                .unwrap_or("");
            let recorded = input.public_payments.iter().find(|p| {
                p.payer_number == number
                    && valid_on(
                        &p.valid_from,
                        p.valid_until.as_deref(),
                        bill.visit.service_date,
                    )
            });
            if recorded.is_none() {
                problems.push(error(
                    ProblemCode::PublicNotValid,
                    format!(
                        "{}の第{}公費（{}）は受給者証の有効期間外か登録がありません",
                        crate::domain::japanese::format_date(bill.visit.service_date),
                        at + 1,
                        number
                    ),
                    Some(bill.reception_id),
                ));
            }
            // What the window took is the 公費's 負担額 only when it is the visit's one 公費.
            if public.monthly_cap.is_some() && applied.len() == 1 {
                *window_paid.entry(number.to_string()).or_default() += bill.priced.share.patient.0;
            }
        }
        bill_points += bill.priced.total_points.0;
        let mut paid_today = [false; 1 + MAX_PUBLIC];
        for line in &bill.priced.lines {
            let mut covered = [false; MAX_PUBLIC];
            for (at, public) in &applied {
                covered[*at] =
                    public.sections.is_empty() || public.sections.contains(&line.section);
            }
            // 公費単独: the 第一公費 pays every line of the visit.
            if !insurance && !covered.iter().any(|c| *c) {
                if let Some((at, _)) = applied.first() {
                    covered[*at] = true;
                }
            }
            paid_today[0] |= insurance;
            for (i, c) in covered.iter().enumerate() {
                paid_today[1 + i] |= *c;
            }
            let Some(class) = treatment_class(line, &bill.priced.lines) else {
                problems.push(error(
                    ProblemCode::UnknownTreatmentClass,
                    format!(
                        "{} の診療識別が決まりません（点数欄集計先 {}）",
                        line.code, line.aggregation
                    ),
                    Some(bill.reception_id),
                ));
                continue;
            };
            let Some(key) = unit_key(line, class, burden_code(insurance, covered)) else {
                problems.push(error(
                    ProblemCode::NotRecordable,
                    format!(
                        "「{}」はレセプトに記録できません（未対応の点数・数量）",
                        line.name
                    ),
                    Some(bill.reception_id),
                ));
                continue;
            };
            let at = match units.iter().position(|u| u.key == key) {
                Some(at) => at,
                None => {
                    units.push(Unit {
                        key,
                        name: line.name.clone(),
                        days: [None; 31],
                        payers: (insurance, covered),
                        first_seen: units.len(),
                    });
                    units.len() - 1
                }
            };
            let slot = &mut units[at].days[usize::from(day) - 1];
            let count = u32::from(slot.unwrap_or(0)).saturating_add(line.count);
            if count > MAX_TIMES {
                problems.push(error(
                    ProblemCode::NotRecordable,
                    format!("{} の回数が1日{}回を超えます", line.code, MAX_TIMES),
                    Some(bill.reception_id),
                ));
            }
            *slot = Some(count.min(MAX_TIMES) as u16);
        }
        let seen = visit_days.entry(day).or_insert([false; 1 + MAX_PUBLIC]);
        for (s, p) in seen.iter_mut().zip(paid_today) {
            *s |= p;
        }
    }
    // 診療識別 order (別表20), then the order first seen.
    units.sort_by(|a, b| {
        (a.key.class.as_str(), a.first_seen).cmp(&(b.key.class.as_str(), b.first_seen))
    });

    let mut lines = Vec::new();
    let mut totals = [0u64; 1 + MAX_PUBLIC];
    for unit in &units {
        let times = day_total(&unit.days);
        if times > MAX_TIMES {
            problems.push(error(
                ProblemCode::NotRecordable,
                format!(
                    "{} の月の回数が{}回を超えます",
                    unit.key.parts[0].0, MAX_TIMES
                ),
                None,
            ));
        }
        let points = u64::from(unit.key.points) * u64::from(times);
        if unit.payers.0 {
            totals[0] += points;
        }
        for (i, p) in unit.payers.1.iter().enumerate() {
            if *p {
                totals[1 + i] += points;
            }
        }
        lines.extend(unit_records(unit, times.min(MAX_TIMES) as u16));
    }
    judgment_fee_check(&units, &mut problems);
    limit_check(&units, masters, &group.bills, &mut problems);
    exclusion_check(&units, &group.bills, &mut problems);
    diagnosis_requirement_check(
        &units,
        masters,
        &input.diagnoses,
        &group.bills,
        &mut problems,
    );

    let main_total = if group.insurance.is_some() {
        totals[0]
    } else {
        totals[1]
    };
    if i64::try_from(main_total).ok() != Some(bill_points) {
        problems.push(error(
            ProblemCode::TotalMismatch,
            format!(
                "レセプトの合計点数 {main_total}点 が会計の合計 {bill_points}点 と一致しません"
            ),
            None,
        ));
    }

    let days_of = |payer: usize| -> u16 { visit_days.values().filter(|d| d[payer]).count() as u16 };
    let jd = |payer: usize| JdRecord {
        payer_kind: (payer + 1).to_string(),
        days: std::array::from_fn(|i| {
            visit_days
                .get(&(i as u8 + 1))
                .filter(|d| d[payer])
                .map(|_| 1)
        }),
    };

    let birth = parse_date(&patient.birth_date);
    if birth.is_none() {
        problems.push(error(
            ProblemCode::PatientData,
            "生年月日が読めません".into(),
            None,
        ));
    }
    let birth = birth.unwrap_or(Date::MIN);
    let claim_kind = claim_kind(
        group.insurance,
        publics.len().min(MAX_PUBLIC),
        birth,
        first_day,
        group.bills.first().map(|b| b.priced.share.burden_tenths),
    );
    let payer = match group.insurance {
        Some(i) => Payer::of_insurer(&i.insurer_number),
        None => Payer::Fund,
    };
    let benefit_percent = group
        .insurance
        .filter(|i| {
            matches!(
                InsuranceSystem::of(&i.insurer_number),
                InsuranceSystem::Kokuho | InsuranceSystem::Retired
            )
        })
        .and_then(|_| group.bills.first())
        .and_then(|b| 100u16.checked_sub(10 * u16::from(b.priced.share.burden_tenths)));

    let mut records = ClaimRecords::new(ReRecord {
        claim_number: 0,
        claim_kind,
        service_month: month,
        name: record_name(&patient.name),
        sex: match patient.sex {
            Sex::Male => "1",
            Sex::Female => "2",
        }
        .into(),
        birth_date: UkeDate::from_date(birth).unwrap_or(UkeDate::PLACEHOLDER),
        benefit_percent,
        admission_date: None,
        wards: Vec::new(),
        burden_class: String::new(),
        special_notes: group
            .insurance
            .filter(|i| {
                InsuranceSystem::of(&i.insurer_number) == InsuranceSystem::LateElderly
                    || elderly_from(birth)
                        .is_some_and(|start| first_day.is_some_and(|d| d >= start))
            })
            .and_then(|i| {
                super::codes::income_special_note(
                    i.income_category,
                    InsuranceSystem::of(&i.insurer_number) == InsuranceSystem::LateElderly,
                    month,
                )
            })
            .map(String::from)
            .into_iter()
            .collect(),
        beds: None,
        // 英数 20 bytes: a patient number is ASCII digits.
        chart_number: patient
            .patient_number
            .chars()
            .filter(char::is_ascii)
            .take(20)
            .collect(),
        discount_unit_price: None,
        search_number: String::new(),
        claim_info: String::new(),
        departments: claim_departments(&group.bills),
        kana: katakana(&patient.kana).replace(' ', ""),
        patient_states: Vec::new(),
    });
    if let Some(insurance) = group.insurance {
        records.ho = Some(HoRecord {
            insurer_number: insurance.insurer_number.clone(),
            card_symbol: one_width(&insurance.symbol),
            card_number: one_width(&insurance.number),
            days: Some(days_of(0)),
            points: u32::try_from(totals[0]).ok(),
            meal_count: None,
            meal_yen: None,
            occupational: String::new(),
            certificate_number: None,
            patient_share_yen: None,
            reduction_class: String::new(),
            reduction_percent: None,
            reduction_yen: None,
        });
        let kouki = InsuranceSystem::of(&insurance.insurer_number) == InsuranceSystem::LateElderly;
        let branch = insurance.branch.trim();
        if !kouki && !branch.is_empty() {
            records.sn.push(SnRecord {
                payer_kind: "1".into(),
                confirmation: "01".into(),
                checked_insurer_number: String::new(),
                checked_card_symbol: String::new(),
                checked_card_number: String::new(),
                branch: format!("{branch:0>2}"),
                checked_recipient_number: String::new(),
            });
        }
        records.jd.push(jd(0));
    }
    for (i, number) in publics.iter().take(MAX_PUBLIC).enumerate() {
        // The 受給者証 valid on a day of the claim; else the one recorded (its dates are a
        // problem of their own, PublicNotValid).
        let same: Vec<&PublicPaymentDetail> = input
            .public_payments
            .iter()
            .filter(|p| &p.payer_number == number)
            .collect();
        let recorded = same
            .iter()
            .find(|p| {
                group.bills.iter().any(|b| {
                    valid_on(
                        &p.valid_from,
                        p.valid_until.as_deref(),
                        b.visit.service_date,
                    )
                })
            })
            .or(same.last());
        let recipient = recorded
            .and_then(|p| p.recipient_number.clone())
            .unwrap_or_default();
        let houbetsu = PublicPayerNumber::parse(number)
            .map(|n| n.houbetsu().to_string())
            .unwrap_or_default();
        if recipient.is_empty() && houbetsu != "30" {
            problems.push(error(
                ProblemCode::RecipientMissing,
                format!("第{}公費（{}）の受給者番号がありません", i + 1, number),
                None,
            ));
        }
        records.ko.push(KoRecord {
            payer_number: number.clone(),
            recipient_number: if houbetsu == "30" {
                String::new()
            } else {
                recipient
            },
            optional_benefit: String::new(),
            days: Some(days_of(1 + i)),
            points: u32::try_from(totals[1 + i]).ok(),
            patient_share_yen: window_paid.get(number).and_then(|y| u32::try_from(*y).ok()),
            outpatient_covered_yen: None,
            inpatient_covered_yen: None,
            meal_count: None,
            meal_yen: None,
        });
        records.jd.push(jd(1 + i));
    }
    records.mf.push(MfRecord {
        window_class: "00".into(),
    });
    records.sy = diagnoses(month, &input.diagnoses, first_day, &mut problems);
    records.lines = lines;
    problems.extend(format_problems(&records));

    Claim {
        patient_id: patient.patient_id,
        payer,
        bills: group
            .bills
            .iter()
            .map(|b| BillRef {
                bill_id: b.bill_id,
                version: b.version,
                reception_id: b.reception_id,
                service_date: b.visit.service_date,
            })
            .collect(),
        records,
        problems,
        origin: ClaimOrigin::Current,
    }
}

/// What the file's own check ([`UkeFile::check`]) finds in this claim's records: the filing
/// refuses a file with any, so each is an error the clerk sees beside the claim.
fn format_problems(records: &ClaimRecords) -> Vec<ClaimProblem> {
    let mut alone = records.clone();
    alone.re.claim_number = 1;
    let ir = IrRecord {
        payer: "1".into(),
        prefecture: "13".into(),
        score_table: "1".into(),
        institution_code: "0000000".into(),
        name: String::new(),
        billing_month: records.re.service_month,
        volume: "00".into(),
        phone: String::new(),
    };
    UkeFile::new(ir, vec![alone])
        .check()
        .into_iter()
        .filter(|p| p.record != "IR" && p.record != "GO")
        .map(|p| error(ProblemCode::Format, p.record_message_ja(), None))
        .collect()
}

/// Text for a field recorded as 英数 or 漢字 but not both (保険証の記号・番号, 氏名): when it
/// holds any full-width character, its half-width letters, digits and spaces are made full
/// width, as the card shows them.
fn one_width(text: &str) -> String {
    let text = text.trim();
    if text.is_ascii() {
        return text.to_string();
    }
    full_width(text)
}

/// Text for a 漢字 field (SJ, CO 文字データ): half-width letters, digits, signs and spaces
/// made full width (half-width カナ stay, and the format check names them).
fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ' ' => '\u{3000}',
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn error(code: ProblemCode, message: String, reception_id: Option<ReceptionId>) -> ClaimProblem {
    ClaimProblem {
        severity: Severity::Error,
        code,
        message,
        reception_id,
    }
}

fn warning(code: ProblemCode, message: String, reception_id: Option<ReceptionId>) -> ClaimProblem {
    ClaimProblem {
        severity: Severity::Warning,
        code,
        message,
        reception_id,
    }
}

fn unit_key(line: &PricedLine, class: String, burden: &'static str) -> Option<UnitKey> {
    let points = u32::try_from(line.unit_points.0).ok()?;
    let (kind, parts) = match line.kind {
        LineKind::Procedure => (0, vec![(line.code.clone(), 0)]),
        LineKind::Drug => (
            1,
            line.contents
                .iter()
                .map(|c| Some((c.code.clone(), drug_amount(c.quantity.thousandths())?)))
                .collect::<Option<Vec<_>>>()?,
        ),
        LineKind::Material => (
            2,
            line.contents
                .iter()
                .map(|c| Some((c.code.clone(), device_amount(c.quantity.thousandths())?)))
                .collect::<Option<Vec<_>>>()?,
        ),
    };
    (!parts.is_empty()).then_some(UnitKey {
        class,
        burden,
        kind,
        parts,
        points,
    })
}

/// The SI, IY or TO records of a merged unit: 診療識別 on the first, 点数 and 回数 on the last
/// (回数 on every record, as the samples do), the day columns on each.
fn unit_records(unit: &Unit, times: u16) -> Vec<ClaimLine> {
    let last = unit.key.parts.len() - 1;
    let points = (unit.key.points > 0).then_some(unit.key.points);
    unit.key
        .parts
        .iter()
        .enumerate()
        .map(|(i, (code, amount))| {
            let class = if i == 0 {
                unit.key.class.clone()
            } else {
                String::new()
            };
            let points = if i == last { points } else { None };
            let burden = unit.key.burden.to_string();
            let comments: [LineComment; 3] = Default::default();
            match unit.key.kind {
                0 => ClaimLine::Si(SiRecord {
                    treatment_class: class,
                    burden,
                    code: code.clone(),
                    quantity: None,
                    points,
                    times: Some(times),
                    comments,
                    days: unit.days,
                }),
                1 => ClaimLine::Iy(IyRecord {
                    treatment_class: class,
                    burden,
                    code: code.clone(),
                    amount: DrugAmount::from_units(*amount),
                    points,
                    times: Some(times),
                    comments,
                    days: unit.days,
                }),
                _ => ClaimLine::To(ToRecord {
                    treatment_class: class,
                    burden,
                    code: code.clone(),
                    amount: DeviceAmount::from_units(*amount),
                    points,
                    times: Some(times),
                    unit_code: String::new(),
                    unit_price: None,
                    product_name: String::new(),
                    comments,
                    days: unit.days,
                }),
            }
        })
        .collect()
}

/// 判断料 are billed once a month each (D026 注1, 令和6年厚生労働省告示第57号 別表第一 第2章第3部
/// 第1節第2款): the engine checks each visit against the month's history; this catches two
/// bills that were finalised without seeing each other.
fn judgment_fee_check(units: &[Unit], problems: &mut Vec<ClaimProblem>) {
    for (_, code) in crate::billing::codes::JUDGMENT_FEES {
        let times: u32 = units
            .iter()
            .filter(|u| u.key.kind == 0 && u.key.parts[0].0 == *code)
            .map(|u| day_total(&u.days))
            .sum();
        if times > 1 {
            problems.push(error(
                ProblemCode::JudgmentFeeTwice,
                format!("判断料 {code} が月に{times}回算定されています（月1回）"),
                None,
            ));
        }
    }
}

/// The times a procedure code was billed on each day of the month, over every unit of it.
fn code_days(units: &[Unit], codes: &[&str]) -> DayCounts {
    let mut days: DayCounts = [None; 31];
    for unit in units
        .iter()
        .filter(|u| u.key.kind == 0 && codes.contains(&u.key.parts[0].0.as_str()))
    {
        for (slot, count) in days.iter_mut().zip(unit.days) {
            if let Some(count) = count {
                *slot = Some(slot.unwrap_or(0).saturating_add(count));
            }
        }
    }
    days
}

/// The bill of the claim on day `day` of the month, for the clerk's link.
fn bill_on(bills: &[&ClaimBill], day: usize) -> Option<ReceptionId> {
    bills
        .iter()
        .find(|b| usize::from(b.visit.service_date.day()) == day)
        .map(|b| b.reception_id)
}

/// 上限回数 (医科診療行為 項番36) over the whole month. The master gives no period; read per
/// calendar month (= per レセプト) as the engine does at 会計 ([`crate::billing`]'s
/// `rules::limits`, billing.md §2 rule 8); this finds bills finalised without seeing each other.
/// A warning: the clerk decides (an item limited 1日につき is not over its limit here). 判断料
/// have their own check, an error.
fn limit_check(
    units: &[Unit],
    masters: &ClaimMasters,
    bills: &[&ClaimBill],
    problems: &mut Vec<ClaimProblem>,
) {
    let judgment: Vec<&str> = crate::billing::codes::JUDGMENT_FEES
        .iter()
        .map(|(_, c)| *c)
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for unit in units.iter().filter(|u| u.key.kind == 0) {
        let code = unit.key.parts[0].0.as_str();
        if seen.contains(&code) || judgment.contains(&code) {
            continue;
        }
        // An item and its 情報通信機器 version share one limit (特定疾患療養管理料 月2回 in all).
        let group: Vec<&str> = crate::billing::codes::TELEMEDICINE_VARIANTS
            .iter()
            .find(|(face, remote)| *face == code || *remote == code)
            .map_or(vec![code], |(face, remote)| vec![*face, *remote]);
        seen.extend(group.iter().copied());
        let Some(max) = group
            .iter()
            .filter_map(|c| masters.limits.get(*c).copied())
            .max()
            .filter(|m| *m > 0)
        else {
            continue;
        };
        let days = code_days(units, &group);
        let total = day_total(&days);
        if total <= u32::from(max) {
            continue;
        }
        // The day the limit was passed.
        let mut running = 0u32;
        let over_on = days.iter().position(|c| {
            running += u32::from(c.unwrap_or(0));
            running > u32::from(max)
        });
        problems.push(warning(
            ProblemCode::LimitExceeded,
            format!(
                "{}（{code}）は上限回数{max}回のところ月に{total}回算定されています",
                unit.name
            ),
            over_on.and_then(|d| bill_on(bills, d + 1)),
        ));
    }
}

/// The days (1-based) on which any unit of `codes` was billed with points.
fn billed_days(units: &[Unit], codes: &[&str]) -> Vec<usize> {
    let mut days: Vec<usize> = units
        .iter()
        .filter(|u| {
            u.key.points > 0 && u.key.kind == 0 && codes.contains(&u.key.parts[0].0.as_str())
        })
        .flat_map(|u| {
            u.days
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_some())
                .map(|(i, _)| i + 1)
        })
        .collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// Exclusions between items across the month that bills finalised one by one can miss (the
/// engine sees only the visit and the month's earlier bills). Warnings, linked to the bill of
/// the first day concerned; the clerk corrects the bill.
/// - 生活習慣病管理料 (Ⅰ)/(Ⅱ) include 特定疾患療養管理料 and 外来管理加算 in the month they are
///   billed (B001-3 注2, B001-3-3 注2), and (Ⅰ) the 検査 (第3部); (Ⅰ) and (Ⅱ) are not billed in the
///   same month (B001-3-3 注5);
/// - 特定疾患療養管理料 is not billed within a month of the 初診 (B000: 初診の日から1月以内は
///   算定しない), here the 初診 of the claim's month and any day after it in the month.
///
/// Source: 令和6年厚生労働省告示第57号 別表第一; 令和6年3月5日保医発0305第4号.
fn exclusion_check(units: &[Unit], bills: &[&ClaimBill], problems: &mut Vec<ClaimProblem>) {
    use crate::billing::codes::{
        INITIAL, INITIAL_TELEMEDICINE, LIFESTYLE_I, LIFESTYLE_II, OUTPATIENT_MANAGEMENT,
        SPECIFIC_DISEASE_MANAGEMENT,
    };
    let mut warn = |day: Option<usize>, message: String| {
        problems.push(warning(
            ProblemCode::Excluded,
            message,
            day.and_then(|d| bill_on(bills, d)),
        ));
    };
    let one = billed_days(units, LIFESTYLE_I);
    let two = billed_days(units, LIFESTYLE_II);
    if !one.is_empty() && !two.is_empty() {
        warn(
            two.first().copied(),
            "生活習慣病管理料（Ⅰ）と（Ⅱ）が同じ月に算定されています（B001-3-3 注5）".into(),
        );
    }
    if !one.is_empty() || !two.is_empty() {
        let name = if one.is_empty() {
            "生活習慣病管理料（Ⅱ）"
        } else {
            "生活習慣病管理料（Ⅰ）"
        };
        for (codes, what) in [
            (SPECIFIC_DISEASE_MANAGEMENT, "特定疾患療養管理料"),
            (&[OUTPATIENT_MANAGEMENT][..], "外来管理加算"),
        ] {
            let days = billed_days(units, codes);
            if let Some(day) = days.first() {
                warn(
                    Some(*day),
                    format!("{name}を算定した月に{what}が算定されています（{name}に包括されます）"),
                );
            }
        }
        if !one.is_empty() {
            let tests: Vec<usize> = units
                .iter()
                .filter(|u| u.key.class == "60" && u.key.points > 0)
                .filter_map(|u| u.days.iter().position(Option::is_some).map(|i| i + 1))
                .collect();
            if let Some(day) = tests.iter().min() {
                warn(
                    Some(*day),
                    "生活習慣病管理料（Ⅰ）を算定した月に検査が算定されています（生活習慣病管理料（Ⅰ）に包括されます）".into(),
                );
            }
        }
    }
    // Within the month: the 初診 of this month and any 特定疾患療養管理料 on or after it (the
    // engine sees the 初診 day itself; a later visit of the month priced before the 初診's bill
    // could not). UNCERTAIN whether the one-month rule is the 告示's 注 or its 留意事項.
    let initial = billed_days(units, &[INITIAL, INITIAL_TELEMEDICINE]);
    if let Some(first) = initial.first() {
        if let Some(day) = billed_days(units, SPECIFIC_DISEASE_MANAGEMENT)
            .into_iter()
            .find(|d| d >= first)
        {
            warn(
                Some(day),
                format!(
                    "特定疾患療養管理料が初診（{first}日）から1月以内に算定されています（初診の日から1月以内は算定できません）"
                ),
            );
        }
    }
}

/// Items that may be billed only for a patient with a 傷病名 of the kinds the 傷病名マスター
/// marks (項番21 特定疾患等対象区分: 03 皮膚科特定疾患指導管理料（Ⅰ）, 04 同（Ⅱ）, 05 特定疾患療養
/// 管理料, 07 てんかん指導料, 08 特定疾患療養管理料又はてんかん指導料), active (not 疑い) on the
/// 算定日, and where the 点数表 says 主病, marked 主病.
/// Sources: 令和6年厚生労働省告示第57号 別表第一 B000 注1 and C 特定疾患処方管理加算 (F100 注6 /
/// F400 注5: 「別に厚生労働大臣が定める疾患を主病とする患者」), B001 5 皮膚科特定疾患指導管理料,
/// B001 6 てんかん指導料; the classes as the 傷病名マスター (b_20240601) records them.
struct DiseaseRequirement {
    codes: &'static [&'static str],
    classes: &'static [u8],
    main: bool,
    what: &'static str,
}

const DISEASE_REQUIREMENTS: &[DiseaseRequirement] = &[
    DiseaseRequirement {
        codes: crate::billing::codes::SPECIFIC_DISEASE_MANAGEMENT,
        classes: &[5, 8],
        main: true,
        what: "特定疾患（傷病名マスターの特定疾患療養管理料対象）の主病",
    },
    DiseaseRequirement {
        codes: &[
            crate::billing::codes::SPECIFIC_DISEASE_RX,
            crate::billing::codes::SPECIFIC_DISEASE_SLIP,
        ],
        classes: &[5, 8],
        main: true,
        what: "特定疾患（傷病名マスターの特定疾患療養管理料対象）の主病",
    },
    DiseaseRequirement {
        codes: &["113002850", "113029610"],
        classes: &[7, 8],
        main: false,
        what: "てんかん指導料の対象疾患",
    },
    DiseaseRequirement {
        codes: &["113000910", "113034510"],
        classes: &[3],
        main: false,
        what: "皮膚科特定疾患指導管理料（Ⅰ）の対象疾患",
    },
    DiseaseRequirement {
        codes: &["113002310", "113034610"],
        classes: &[4],
        main: false,
        what: "皮膚科特定疾患指導管理料（Ⅱ）の対象疾患",
    },
];

/// 病名漏れ: an item of [`DISEASE_REQUIREMENTS`] on a day without a fitting 傷病名. A warning
/// (the claim can be filed; the 審査支払機関 will likely cut the item).
fn diagnosis_requirement_check(
    units: &[Unit],
    masters: &ClaimMasters,
    diagnoses: &[Diagnosis],
    bills: &[&ClaimBill],
    problems: &mut Vec<ClaimProblem>,
) {
    for requirement in DISEASE_REQUIREMENTS {
        for code in requirement.codes {
            let days = code_days(units, &[code]);
            let failing = days.iter().enumerate().find_map(|(i, count)| {
                (*count)?;
                let date = bills
                    .iter()
                    .map(|b| b.visit.service_date)
                    .find(|d| usize::from(d.day()) == i + 1)?;
                let fits = diagnoses.iter().any(|d| {
                    !d.suspected
                        && (!requirement.main || d.is_main)
                        && active_on(d, date)
                        && d.disease_code
                            .as_ref()
                            .and_then(|c| masters.disease_classes.get(c))
                            .is_some_and(|class| requirement.classes.contains(class))
                });
                (!fits).then_some(i + 1)
            });
            let Some(day) = failing else {
                continue;
            };
            let name = units
                .iter()
                .find(|u| u.key.kind == 0 && u.key.parts[0].0 == *code)
                .map(|u| u.name.as_str())
                .unwrap_or(code);
            problems.push(warning(
                ProblemCode::DiagnosisRequired,
                format!(
                    "{name}（{code}）の算定日（{day}日）に{}がありません（疑い病名は対象外）",
                    requirement.what
                ),
                bill_on(bills, day),
            ));
        }
    }
}

/// A 傷病名 in force on `date`: begun, not ended before it.
fn active_on(d: &Diagnosis, date: Date) -> bool {
    parse_date(&d.start_date).is_some_and(|s| s <= date)
        && d.end_date
            .as_deref()
            .and_then(parse_date)
            .is_none_or(|e| e >= date)
}

/// レセプト種別 (別表5), 入院外.
fn claim_kind(
    insurance: Option<&InsuranceDetail>,
    publics: usize,
    birth: Date,
    first_day: Option<Date>,
    burden_tenths: Option<u8>,
) -> String {
    let Some(insurance) = insurance else {
        return format!("12{}2", publics.max(1));
    };
    let system = match InsuranceSystem::of(&insurance.insurer_number) {
        InsuranceSystem::LateElderly => '3',
        InsuranceSystem::Retired => '4',
        InsuranceSystem::Employee | InsuranceSystem::Kokuho => '1',
    };
    let on = first_day.unwrap_or(birth);
    let seven_tenths = burden_tenths == Some(3);
    let person = if system == '3' {
        if seven_tenths {
            '0'
        } else {
            '8'
        }
    } else if preschool_until(birth).is_some_and(|end| on <= end) {
        '4'
    } else if elderly_from(birth).is_some_and(|start| on >= start) {
        if seven_tenths {
            '0'
        } else {
            '8'
        }
    } else if insurance.relationship == Relationship::Dependent {
        '6'
    } else {
        '2'
    };
    format!("1{system}{}{person}", 1 + publics)
}

/// RE 診療科1〜3: the 受付's 診療科 that name one of 別表10, the one with the most points first
/// (RE 診療科 備考1: 原則、請求点数の高い診療科から順に), then by code.
fn claim_departments(bills: &[&ClaimBill]) -> [super::uke::Department; 3] {
    let mut points: BTreeMap<&'static str, i64> = BTreeMap::new();
    for bill in bills {
        if let Some(code) = super::codes::department_code(&bill.department) {
            *points.entry(code).or_default() += bill.priced.total_points.0;
        }
    }
    let mut ranked: Vec<(&'static str, i64)> = points.into_iter().collect();
    ranked.sort_by_key(|(code, p)| (std::cmp::Reverse(*p), *code));
    std::array::from_fn(|i| super::uke::Department {
        name: ranked
            .get(i)
            .map(|(code, _)| code.to_string())
            .unwrap_or_default(),
        ..Default::default()
    })
}

/// 氏名 as RE 項目5 wants it: 姓 and 名 separated by one space (全角, the name being 漢字).
fn record_name(name: &str) -> String {
    one_width(&name.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// SY records: the diagnoses active at some point of the month, 主傷病 first.
fn diagnoses(
    month: UkeMonth,
    list: &[Diagnosis],
    first_day: Option<Date>,
    problems: &mut Vec<ClaimProblem>,
) -> Vec<SyRecord> {
    let (Some(month_start), Some(month_end)) = (month_bounds(month).0, month_bounds(month).1)
    else {
        return Vec::new();
    };
    let mut active: Vec<(&Diagnosis, Date, Option<Date>)> = list
        .iter()
        .filter_map(|d| {
            let start = parse_date(&d.start_date)?;
            let end = d.end_date.as_deref().and_then(parse_date);
            (start <= month_end && end.is_none_or(|e| e >= month_start)).then_some((d, start, end))
        })
        .collect();
    active.sort_by_key(|(d, start, _)| (!d.is_main, *start));
    if active.is_empty() {
        problems.push(error(
            ProblemCode::NoDiagnosis,
            "この月に有効な傷病名がありません".into(),
            None,
        ));
    }
    active
        .into_iter()
        .map(|(d, start, end)| {
            if let (Some(end), Some(first)) = (end, first_day) {
                if end < first {
                    problems.push(warning(
                        ProblemCode::DiagnosisEndedBeforeService,
                        format!(
                            "傷病名「{}」は最初の診療日より前に終了しています",
                            d.display_name()
                        ),
                        None,
                    ));
                }
            }
            let ended_in_month = end.is_some_and(|e| e <= month_end);
            let outcome = match d.outcome.filter(|_| ended_in_month) {
                None => "1",
                Some(Outcome::Cured) => "2",
                Some(Outcome::Died) => "3",
                Some(Outcome::Stopped | Outcome::Transferred) => "4",
            };
            let coded = d.disease_code.clone().filter(|c| !c.is_empty());
            // 修飾語コード only with a coded 傷病名 (SY 項目5); an uncoded one carries its whole
            // name, 「の疑い」 included, in 傷病名称 (項目6).
            let mut modifiers = Vec::new();
            if coded.is_some() {
                modifiers = d.modifier_codes.clone();
                if d.suspected && !modifiers.iter().any(|m| m == SUSPECTED_MODIFIER) {
                    modifiers.push(SUSPECTED_MODIFIER.into());
                }
            }
            SyRecord {
                disease_name: if coded.is_none() {
                    d.display_name()
                } else {
                    String::new()
                },
                disease_code: coded.unwrap_or_else(|| UNCODED_DISEASE.into()),
                start_date: UkeDate::from_date(start).unwrap_or(UkeDate::PLACEHOLDER),
                outcome: outcome.into(),
                modifiers,
                main: if d.is_main {
                    "01".into()
                } else {
                    String::new()
                },
                note: String::new(),
            }
        })
        .collect()
}

/// The first and last day of a month.
pub fn month_bounds(month: UkeMonth) -> (Option<Date>, Option<Date>) {
    let m = Month::try_from(month.month()).ok();
    let year = i32::from(month.year());
    let start = m.and_then(|m| Date::from_calendar_date(year, m, 1).ok());
    let end = m.and_then(|m| Date::from_calendar_date(year, m, m.length(year)).ok());
    (start, end)
}

/// The institution facts of IR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimInstitution {
    /// 医療機関コード (7 digits).
    pub code: String,
    /// 都道府県番号 (別表2, 2 digits).
    pub prefecture: String,
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

/// The UKE files of a month's claims, one per 審査支払機関 that has claims, with GO's totals
/// filled; each claim's RE レセプト番号 is set to its place in its file (1, 2, …), in `claims`
/// too, so that what is stored as filed says which record of which file each claim is.
pub fn uke_files(
    institution: &ClaimInstitution,
    billing_month: UkeMonth,
    claims: &mut [Claim],
) -> Vec<(Payer, UkeFile)> {
    let mut by_payer: BTreeMap<Payer, Vec<ClaimRecords>> = BTreeMap::new();
    for claim in claims.iter_mut() {
        let list = by_payer.entry(claim.payer).or_default();
        claim.records.re.claim_number = u32::try_from(list.len() + 1).unwrap_or(u32::MAX);
        list.push(claim.records.clone());
    }
    by_payer
        .into_iter()
        .map(|(payer, claims)| {
            let ir = IrRecord {
                payer: payer.code().into(),
                prefecture: institution.prefecture.clone(),
                score_table: "1".into(),
                institution_code: institution.code.clone(),
                name: record_name(&institution.name),
                billing_month,
                volume: "00".into(),
                phone: institution.phone.clone(),
            };
            (payer, UkeFile::new(ir, claims))
        })
        .collect()
}

/// レセプト種別 (別表5) in words: `1112` → 医保単独・本人・入院外. An unknown code is shown as
/// itself.
pub fn claim_kind_label_ja(kind: &str) -> String {
    let d: Vec<char> = kind.chars().collect();
    if d.len() != 4 || d[0] != '1' {
        return kind.to_string();
    }
    let publics = d[2].to_digit(10).unwrap_or(0);
    let system = match d[1] {
        '1' => "医保",
        '3' => "後期高齢者",
        '4' => "退職者",
        '2' => {
            let what = if publics <= 1 {
                "公費単独".to_string()
            } else {
                format!("{publics}種の公費併用")
            };
            let place = if d[3] == '1' { "入院" } else { "入院外" };
            return format!("{what}・{place}");
        }
        _ => return kind.to_string(),
    };
    let coverage = if publics <= 1 {
        format!("{system}単独")
    } else {
        format!("{system}と{}種の公費併用", publics - 1)
    };
    let (person, place) = match d[3] {
        '1' => ("本人", "入院"),
        '2' => ("本人", "入院外"),
        '3' => ("未就学者", "入院"),
        '4' => ("未就学者", "入院外"),
        '5' => ("家族", "入院"),
        '6' => ("家族", "入院外"),
        '7' => ("高齢受給者一般・低所得者", "入院"),
        '8' => ("高齢受給者一般・低所得者", "入院外"),
        '9' => ("高齢受給者7割", "入院"),
        _ => ("高齢受給者7割", "入院外"),
    };
    let person = match (d[1], person) {
        ('3', "高齢受給者一般・低所得者") => "一般・低所得者",
        ('3', "高齢受給者7割") => "7割",
        (_, p) => p,
    };
    format!("{coverage}・{person}・{place}")
}

/// 診療識別 (別表20) in words, for the paper layout: `21` → 内服.
pub fn treatment_class_label_ja(class: &str) -> &'static str {
    match class {
        "11" => "初診",
        "12" => "再診",
        "13" => "医学管理",
        "14" => "在宅",
        "21" => "内服",
        "22" => "屯服",
        "23" => "外用",
        "24" => "調剤",
        "25" => "処方",
        "26" => "麻毒",
        "27" => "調基",
        "31" => "皮下筋肉内",
        "32" => "静脈内",
        "33" => "その他注射",
        "39" => "薬剤料減点",
        "40" => "処置",
        "50" => "手術",
        "54" => "麻酔",
        "60" => "検査・病理",
        "70" => "画像診断",
        "80" => "その他",
        "90" => "入院基本料",
        "92" => "特定入院料・その他",
        "97" => "食事・生活療養",
        _ => "",
    }
}

/// A 診療年月 as the API and the command line write it, `YYYY-MM` (2000–2199).
pub fn parse_month(text: &str) -> Option<UkeMonth> {
    let (y, m) = text.split_once('-')?;
    if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month = UkeMonth::new(y.parse().ok()?, m.parse().ok()?)?;
    (2000..=2199).contains(&month.year()).then_some(month)
}

/// The 請求年月 of claims for 診療年月 `month`: the month after it.
pub fn billing_month_of(month: UkeMonth) -> Option<UkeMonth> {
    if month.month() == 12 {
        UkeMonth::new(month.year().checked_add(1)?, 1)
    } else {
        UkeMonth::new(month.year(), month.month() + 1)
    }
}

#[cfg(test)]
mod tests;
