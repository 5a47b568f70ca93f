//! Insurance numbers and the patient's share, as printed on the cards and as the rules say.
//!
//! Sources: 保険者番号・公費負担者番号の検証番号 — 厚生労働省「保険者番号等の設定について」
//! (保険者番号設定要領); 受給者番号 — 厚生労働省 公費負担医療の受給者番号の設定;
//! 一部負担金の割合 — 健康保険法第74条, 高齢者の医療の確保に関する法律第67条 (令和4年10月1日
//! 施行の2割負担を含む). Facts and worked examples: `../shared/reference/insurance.md`.

use crate::domain::japanese::parse_date;
use crate::domain::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month};

/// 検証番号: over the digits before it, from the last one backwards, multiply by 2, 1, 2, 1…;
/// add the digits of each product; the check digit is 10 minus the last digit of the sum
/// (0 when that digit is 0).
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let product = u32::from(*d) * if i % 2 == 0 { 2 } else { 1 };
            product / 10 + product % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Half- or full-width digits with optional spaces or hyphens, as a clerk types them.
fn digits(input: &str) -> Result<Vec<u8>, NumberError> {
    let mut out = Vec::new();
    for c in input.chars() {
        match c {
            '0'..='9' => out.push(c as u8 - b'0'),
            '０'..='９' => out.push((c as u32 - '０' as u32) as u8),
            ' ' | '\u{3000}' | '-' | 'ー' | '－' => {}
            _ => return Err(NumberError::NotDigits),
        }
    }
    if out.is_empty() {
        return Err(NumberError::Empty);
    }
    Ok(out)
}

fn verify(input: &str, lengths: &[usize]) -> Result<String, NumberError> {
    let d = digits(input)?;
    if !lengths.contains(&d.len()) {
        return Err(NumberError::WrongLength {
            expected: lengths.to_vec(),
            found: d.len(),
        });
    }
    let (body, last) = d.split_at(d.len() - 1);
    let expected = check_digit(body);
    if last[0] != expected {
        return Err(NumberError::CheckDigit {
            expected,
            found: last[0],
        });
    }
    Ok(d.iter().map(|x| char::from(b'0' + x)).collect())
}

fn prefecture_ok(two: &str) -> bool {
    two.parse::<u8>()
        .map(|p| (1..=47).contains(&p))
        .unwrap_or(false)
}

/// What is wrong with a number, in words a receptionist can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum NumberError {
    #[error("入力してください")]
    Empty,
    #[error("数字で入力してください")]
    NotDigits,
    #[error("桁数が違います（{}桁のところ{found}桁です）", expected.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("または"))]
    WrongLength { expected: Vec<usize>, found: usize },
    #[error("検証番号（末尾の1桁）が一致しません。番号の読み違いがないか確認してください（計算上は{expected}、入力は{found}）")]
    CheckDigit { expected: u8, found: u8 },
    #[error("都道府県番号（{0}）が正しくありません")]
    Prefecture(String),
}

/// 保険者番号: 8 digits (法別番号 2 + 都道府県 2 + 保険者別 3 + 検証 1) or, for 国民健康保険,
/// 6 digits (都道府県 2 + 保険者別 3 + 検証 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InsurerNumber(String);

impl InsurerNumber {
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        let n = verify(input, &[6, 8])?;
        let pref = if n.len() == 8 { &n[2..4] } else { &n[0..2] };
        if !prefecture_ok(pref) {
            return Err(NumberError::Prefecture(pref.to_string()));
        }
        Ok(Self(n))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 国民健康保険 (市町村・国保組合): the 6-digit form.
    pub fn is_kokuho(&self) -> bool {
        self.0.len() == 6
    }

    /// 法別番号 of an 8-digit number (`01` 協会けんぽ, `06` 組合, `39` 後期高齢者医療…).
    pub fn houbetsu(&self) -> Option<&str> {
        (self.0.len() == 8).then(|| &self.0[..2])
    }

    /// 後期高齢者医療 (法別番号 39).
    pub fn is_kouki(&self) -> bool {
        self.houbetsu() == Some("39")
    }

    /// The insurer's kind as a clerk says it: 国保 for a 6-digit number, else the 法別番号's
    /// name where it is one of the common ones.
    pub fn kind_ja(&self) -> Option<&'static str> {
        match self.houbetsu() {
            None => Some("国民健康保険"),
            Some(code) => insurer_houbetsu_name(code),
        }
    }
}

/// Names of the common 法別番号 of 医療保険 (MHLW 保険者番号設定要領, as summarised in
/// `../shared/reference/insurance.md`).
pub fn insurer_houbetsu_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "協会けんぽ",
        "02" => "船員保険",
        "03" | "04" => "日雇特例",
        "06" => "組合管掌健保",
        "07" => "自衛官等",
        "31" => "国家公務員共済",
        "32" => "地方公務員共済",
        "33" => "警察共済",
        "34" => "公立学校・私学共済",
        "39" => "後期高齢者医療",
        "63" => "特例退職（組合）",
        "67" => "国保退職者",
        "72" | "73" | "74" | "75" => "特例退職（共済）",
        _ => return None,
    })
}

/// Names of the common 公費 法別番号 (公費負担医療の法別番号; `../shared/reference/insurance.md`
/// and the 公費 table of the 診療報酬請求書等の記載要領 別表).
pub fn public_houbetsu_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "10" => "結核適正医療",
        "11" => "結核入院",
        "12" => "生活保護",
        "15" => "更生医療",
        "16" => "育成医療",
        "18" => "原爆認定疾病",
        "19" => "原爆一般疾病",
        "21" => "精神通院医療",
        "25" => "中国残留邦人等",
        "28" => "感染症入院",
        "38" => "肝炎治療",
        "51" => "特定疾患",
        "52" => "小児慢性特定疾病",
        "54" => "難病医療",
        _ => return None,
    })
}

/// The 医療保険 a 保険者番号 belongs to, as レセプト種別 and 審査支払機関 tell them apart: by the
/// number's shape and 法別番号 (a 6-digit 国保 number of 高知県 starts with 39 too, so never
/// by a prefix of the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsuranceSystem {
    /// 被用者保険 (協会けんぽ, 組合, 共済 …).
    Employee,
    /// 国民健康保険 (6 digits).
    Kokuho,
    /// 退職者医療 (法別67).
    Retired,
    /// 後期高齢者医療 (法別39).
    LateElderly,
}

impl InsuranceSystem {
    pub fn of(number: &str) -> Self {
        match InsurerNumber::parse(number) {
            Ok(n) if n.is_kokuho() => Self::Kokuho,
            Ok(n) if n.is_kouki() => Self::LateElderly,
            Ok(n) if n.houbetsu() == Some("67") => Self::Retired,
            Ok(_) => Self::Employee,
            // Stored numbers were checked when entered; a 6-character one is 国保's shape.
            Err(_) if number.len() == 6 => Self::Kokuho,
            Err(_) => Self::Employee,
        }
    }

    /// The name a clerk knows it by: 社保 / 国保 / 退職 / 後期.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Employee => "社保",
            Self::Kokuho => "国保",
            Self::Retired => "退職",
            Self::LateElderly => "後期",
        }
    }
}

/// 公費負担者番号: 8 digits (法別番号 2 + 都道府県 2 + 実施機関 3 + 検証 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicPayerNumber(String);

impl PublicPayerNumber {
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        let n = verify(input, &[8])?;
        if !prefecture_ok(&n[2..4]) {
            return Err(NumberError::Prefecture(n[2..4].to_string()));
        }
        Ok(Self(n))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 法別番号 (`12` 生活保護, `21` 精神通院, `54` 難病…).
    pub fn houbetsu(&self) -> &str {
        &self.0[..2]
    }
}

/// 公費負担医療の受給者番号: 7 digits (受給者区分 6 + 検証 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecipientNumber(String);

impl RecipientNumber {
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        verify(input, &[7]).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_conversions {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = NumberError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$t> for String {
            fn from(value: $t) -> Self {
                value.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
string_conversions!(InsurerNumber, PublicPayerNumber, RecipientNumber);

/// Income category that moves the share of the elderly (所得区分), as the 高齢受給者証, the
/// 後期高齢者医療の資格確認書 or a 限度額適用（・標準負担額減額）認定証 states it. The share
/// depends on 一般 / 一定以上 / 現役並み only; the finer classes decide the claim's レセプト
/// 特記事項 (区ア〜区オ, 区カ, 区キ: 記録条件仕様 別表9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeCategory {
    /// 一般 (後期高齢者医療: 一般Ⅰ).
    #[default]
    General,
    /// 低所得者 (Ⅰ or Ⅱ, on a 限度額適用・標準負担額減額認定証): the share of 一般.
    #[serde(rename = "low_income")]
    LowIncome,
    /// 一定以上所得 (後期高齢者医療 一般Ⅱ, 2割負担, from 2022-10-01).
    Certain,
    /// 現役並み所得Ⅲ, or 現役並み without a 限度額適用認定証.
    Active,
    /// 現役並み所得Ⅱ (限度額適用認定証).
    #[serde(rename = "active_2")]
    ActiveII,
    /// 現役並み所得Ⅰ (限度額適用認定証).
    #[serde(rename = "active_1")]
    ActiveI,
}

impl IncomeCategory {
    pub const ALL: [Self; 6] = [
        Self::General,
        Self::LowIncome,
        Self::Certain,
        Self::Active,
        Self::ActiveII,
        Self::ActiveI,
    ];

    /// The stored and wire code.
    pub fn code(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::LowIncome => "low_income",
            Self::Certain => "certain",
            Self::Active => "active",
            Self::ActiveII => "active_2",
            Self::ActiveI => "active_1",
        }
    }

    /// From [`Self::code`]; anything else is 一般.
    pub fn from_code(code: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .unwrap_or_default()
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::General => "一般",
            Self::LowIncome => "低所得者（減額認定証）",
            Self::Certain => "一定以上所得（後期高齢者 2割）",
            Self::Active => "現役並み所得Ⅲ（認定証なし）",
            Self::ActiveII => "現役並み所得Ⅱ（限度額適用認定証）",
            Self::ActiveI => "現役並み所得Ⅰ（限度額適用認定証）",
        }
    }

    /// 現役並み所得, whichever class: the share of 現役並み (3割).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Active | Self::ActiveII | Self::ActiveI)
    }
}

/// The patient's share, in tenths (割): 1, 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BurdenRatio {
    pub tenths: u8,
    /// Why, for the clerk: which rule applied.
    pub rule: BurdenRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BurdenRule {
    /// 義務教育就学前: 2割 (健康保険法第74条第1項第2号).
    Preschool,
    /// 70歳未満: 3割 (同第1号).
    Standard,
    /// 高齢受給者 (70〜74歳): 2割, 現役並み所得 3割 (同第3号・第4号).
    Elderly,
    /// 後期高齢者医療: 1割, 一定以上所得 2割, 現役並み所得 3割 (高齢者医療確保法第67条).
    LateElderly,
}

impl BurdenRule {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Preschool => "義務教育就学前",
            Self::Standard => "70歳未満",
            Self::Elderly => "高齢受給者（70〜74歳）",
            Self::LateElderly => "後期高齢者医療",
        }
    }
}

/// Age in years on `on`. The year is complete at the end of the day before the birthday
/// (年齢計算ニ関スル法律, 民法第143条), so on the birthday itself the new age holds.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// The day a person reaches `years` of age: the day before that birthday (for 29 February
/// births in common years, 28 February).
fn reaching_day(birth: Date, years: i32) -> Option<Date> {
    let year = birth.year() + years;
    let birthday = Date::from_calendar_date(year, birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
        .ok()?;
    birthday.previous_day()
}

/// The last day a child is 義務教育就学前: the first 31 March on or after the day they reach 6.
pub fn preschool_until(birth: Date) -> Option<Date> {
    let reach = reaching_day(birth, 6)?;
    let march31 = Date::from_calendar_date(reach.year(), Month::March, 31).ok()?;
    if reach <= march31 {
        Some(march31)
    } else {
        Date::from_calendar_date(reach.year() + 1, Month::March, 31).ok()
    }
}

/// The first day of 高齢受給者: the first of the month after the month in which the person
/// reaches 70 (so, for those born on the 1st, the month of their birthday).
pub fn elderly_from(birth: Date) -> Option<Date> {
    let reach = reaching_day(birth, 70)?;
    let (y, m) = if reach.month() == Month::December {
        (reach.year() + 1, Month::January)
    } else {
        (reach.year(), reach.month().next())
    };
    Date::from_calendar_date(y, m, 1).ok()
}

/// The patient's share on `on`: from the insurance (後期高齢者医療 or not), the age and the
/// income category. The clerk can override it where a card says otherwise.
pub fn burden_ratio(
    birth: Date,
    on: Date,
    insurer: &InsurerNumber,
    income: IncomeCategory,
) -> BurdenRatio {
    if insurer.is_kouki() {
        let tenths = match income {
            IncomeCategory::General | IncomeCategory::LowIncome => 1,
            IncomeCategory::Certain => 2,
            IncomeCategory::Active | IncomeCategory::ActiveII | IncomeCategory::ActiveI => 3,
        };
        return BurdenRatio {
            tenths,
            rule: BurdenRule::LateElderly,
        };
    }
    if preschool_until(birth).is_some_and(|end| on <= end) {
        return BurdenRatio {
            tenths: 2,
            rule: BurdenRule::Preschool,
        };
    }
    if elderly_from(birth).is_some_and(|start| on >= start) {
        let tenths = if income.is_active() { 3 } else { 2 };
        return BurdenRatio {
            tenths,
            rule: BurdenRule::Elderly,
        };
    }
    BurdenRatio {
        tenths: 3,
        rule: BurdenRule::Standard,
    }
}

/// 本人 or 家族 (被保険者との続柄).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// 本人 (被保険者)
    Insured,
    /// 家族 (被扶養者)
    Dependent,
}

impl Relationship {
    pub fn code(self) -> &'static str {
        match self {
            Self::Insured => "insured",
            Self::Dependent => "dependent",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "insured" => Some(Self::Insured),
            "dependent" => Some(Self::Dependent),
            _ => None,
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Insured => "本人",
            Self::Dependent => "家族",
        }
    }
}

/// `POST /api/v1/patients/{id}/insurances` (and the body of an edit).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InsuranceInput {
    pub insurer_number: String,
    /// 記号 (may be empty, e.g. 国保 without one).
    #[serde(default)]
    pub symbol: String,
    /// 番号.
    pub number: String,
    /// 枝番 (2 digits, since 2021 on new cards; may be empty).
    #[serde(default)]
    pub branch: String,
    pub relationship: Option<Relationship>,
    /// 資格取得日, `YYYY-MM-DD` (may be empty).
    #[serde(default)]
    pub acquired_on: String,
    /// First day valid, `YYYY-MM-DD`.
    pub valid_from: String,
    /// 有効期限 (last valid day), `YYYY-MM-DD`; empty for none.
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub income_category: IncomeCategory,
    /// 負担割合 written on the card when it differs from the rule (1, 2 or 3 割); empty to derive.
    #[serde(default)]
    pub burden_override: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidInsurance {
    pub insurer_number: InsurerNumber,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub relationship: Relationship,
    pub acquired_on: Option<Date>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub income_category: IncomeCategory,
    pub burden_override: Option<u8>,
}

/// `POST /api/v1/patients/{id}/public-payments`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PublicPaymentInput {
    pub payer_number: String,
    /// 受給者番号 (some programmes, e.g. 生活保護, have none on the card).
    #[serde(default)]
    pub recipient_number: String,
    pub valid_from: String,
    #[serde(default)]
    pub valid_until: String,
    /// 自己負担の割合 on the 受給者証, in 割 (`0`–`3`); blank = not recorded (not applied).
    #[serde(default)]
    pub patient_tenths: String,
    /// 自己負担上限額 (月額, yen); blank = no cap.
    #[serde(default)]
    pub monthly_cap: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPublicPayment {
    pub payer_number: PublicPayerNumber,
    pub recipient_number: Option<RecipientNumber>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub patient_tenths: Option<u8>,
    pub monthly_cap: Option<i32>,
}

fn period(from: &str, until: &str, errors: &mut Vec<FieldError>) -> (Option<Date>, Option<Date>) {
    let valid_from = parse_date(from);
    if valid_from.is_none() {
        errors.push(FieldError::new(
            "valid_from",
            "invalid",
            "有効開始日を YYYY-MM-DD で入力してください",
        ));
    }
    let valid_until = if until.trim().is_empty() {
        None
    } else {
        match parse_date(until) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError::new(
                    "valid_until",
                    "invalid",
                    "有効期限を YYYY-MM-DD で入力してください",
                ));
                None
            }
        }
    };
    if let (Some(f), Some(u)) = (valid_from, valid_until) {
        if u < f {
            errors.push(FieldError::new(
                "valid_until",
                "before_start",
                "有効期限が開始日より前です",
            ));
        }
    }
    (valid_from, valid_until)
}

fn card_text(
    field: &str,
    label: &str,
    value: &str,
    required: bool,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let v: String = value
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if required && v.is_empty() {
        errors.push(FieldError::new(
            field,
            "required",
            format!("{label}を入力してください"),
        ));
    } else if v.chars().count() > max
        || v.chars()
            .any(|c| crate::domain::text::is_forbidden(c, crate::domain::text::Lines::Single))
    {
        errors.push(FieldError::new(
            field,
            "invalid",
            format!("{label}が正しくありません"),
        ));
    }
    v
}

impl InsuranceInput {
    pub fn validate(&self) -> Result<ValidInsurance, Vec<FieldError>> {
        let mut errors = Vec::new();
        let insurer = InsurerNumber::parse(&self.insurer_number)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "insurer_number",
                    "invalid",
                    format!("保険者番号: {e}"),
                ))
            })
            .ok();
        let symbol = card_text("symbol", "記号", &self.symbol, false, 20, &mut errors);
        let number = card_text("number", "番号", &self.number, true, 20, &mut errors);
        let branch = card_text("branch", "枝番", &self.branch, false, 2, &mut errors);
        if !branch.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(FieldError::new("branch", "invalid", "枝番は2桁の数字です"));
        }
        if self.relationship.is_none() {
            errors.push(FieldError::new(
                "relationship",
                "required",
                "本人・家族を選んでください",
            ));
        }
        let acquired_on = if self.acquired_on.trim().is_empty() {
            None
        } else {
            let d = parse_date(&self.acquired_on);
            if d.is_none() {
                errors.push(FieldError::new(
                    "acquired_on",
                    "invalid",
                    "資格取得日を YYYY-MM-DD で入力してください",
                ));
            }
            d
        };
        let (valid_from, valid_until) = period(&self.valid_from, &self.valid_until, &mut errors);
        if let Some(o) = self.burden_override {
            if !(1..=3).contains(&o) {
                errors.push(FieldError::new(
                    "burden_override",
                    "invalid",
                    "負担割合は1〜3割です",
                ));
            }
        }
        match (errors.is_empty(), insurer, self.relationship, valid_from) {
            (true, Some(insurer_number), Some(relationship), Some(valid_from)) => {
                Ok(ValidInsurance {
                    insurer_number,
                    symbol,
                    number,
                    branch,
                    relationship,
                    acquired_on,
                    valid_from,
                    valid_until,
                    income_category: self.income_category,
                    burden_override: self.burden_override,
                })
            }
            _ => Err(errors),
        }
    }
}

impl PublicPaymentInput {
    pub fn validate(&self) -> Result<ValidPublicPayment, Vec<FieldError>> {
        let mut errors = Vec::new();
        let payer = PublicPayerNumber::parse(&self.payer_number)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "payer_number",
                    "invalid",
                    format!("公費負担者番号: {e}"),
                ))
            })
            .ok();
        let recipient = if self.recipient_number.trim().is_empty() {
            None
        } else {
            RecipientNumber::parse(&self.recipient_number)
                .map_err(|e| {
                    errors.push(FieldError::new(
                        "recipient_number",
                        "invalid",
                        format!("受給者番号: {e}"),
                    ))
                })
                .ok()
        };
        let (valid_from, valid_until) = period(&self.valid_from, &self.valid_until, &mut errors);
        let digits = |s: &str| crate::domain::japanese::to_halfwidth_digits(s.trim());
        let patient_tenths = match digits(&self.patient_tenths).as_str() {
            "" => None,
            t => match t.parse::<u8>() {
                Ok(n) if n <= 3 => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "patient_tenths",
                        "invalid",
                        "自己負担の割合は0〜3割で入力してください（受給者証の記載どおり）",
                    ));
                    None
                }
            },
        };
        let monthly_cap = match digits(&self.monthly_cap).replace([',', '，'], "").as_str() {
            "" => None,
            c => match c.parse::<i32>() {
                Ok(n) if (0..=1_000_000).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "monthly_cap",
                        "invalid",
                        "自己負担上限額（月額）は0〜1,000,000円で入力してください",
                    ));
                    None
                }
            },
        };
        match (errors.is_empty(), payer, valid_from) {
            (true, Some(payer_number), Some(valid_from)) => Ok(ValidPublicPayment {
                payer_number,
                recipient_number: recipient,
                valid_from,
                valid_until,
                patient_tenths,
                monthly_cap,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn check_digits_match_the_published_examples() {
        // 保険者番号設定要領の例: 3312001 → 5; 公費: 5401602 → 7 (reference/insurance.md).
        assert_eq!(check_digit(&[3, 3, 1, 2, 0, 0, 1]), 5);
        assert_eq!(check_digit(&[5, 4, 0, 1, 6, 0, 2]), 7);
        assert!(InsurerNumber::parse("33120015").is_ok());
        assert!(PublicPayerNumber::parse("54016027").is_ok());
    }

    #[test]
    fn insurer_numbers_of_every_shape() {
        // 6-digit 国保: 13801 + check.
        let body = [1, 3, 8, 0, 1];
        let kokuho = format!("13801{}", check_digit(&body));
        let n = InsurerNumber::parse(&kokuho).unwrap();
        assert!(n.is_kokuho());
        assert_eq!(n.houbetsu(), None);
        assert_eq!(n.kind_ja(), Some("国民健康保険"));
        assert_eq!(InsuranceSystem::of(&kokuho).label_ja(), "国保");
        // 後期高齢者 39 13 xxx.
        let kouki = format!("3913101{}", check_digit(&[3, 9, 1, 3, 1, 0, 1]));
        assert!(InsurerNumber::parse(&kouki).unwrap().is_kouki());
        assert_eq!(InsuranceSystem::of(&kouki).label_ja(), "後期");
        assert_eq!(
            InsurerNumber::parse("33120015").unwrap().kind_ja(),
            Some("警察共済")
        );
        assert_eq!(InsuranceSystem::of("33120015").label_ja(), "社保");
        assert_eq!(public_houbetsu_name("54"), Some("難病医療"));
        assert_eq!(public_houbetsu_name("99"), None);
        // Full-width digits and separators are fine.
        assert_eq!(
            InsurerNumber::parse("３３１２ ００１５").unwrap().as_str(),
            "33120015"
        );
        assert_eq!(
            InsurerNumber::parse("06-13-999").map(|_| ()),
            Err(NumberError::WrongLength {
                expected: vec![6, 8],
                found: 7
            })
        );
    }

    #[test]
    fn invalid_numbers_say_what_is_wrong() {
        let cases: &[(&str, NumberError)] = &[
            ("", NumberError::Empty),
            ("3312OO15", NumberError::NotDigits),
            (
                "3312001",
                NumberError::WrongLength {
                    expected: vec![6, 8],
                    found: 7,
                },
            ),
            (
                "33120016",
                NumberError::CheckDigit {
                    expected: 5,
                    found: 6,
                },
            ),
            // 都道府県 99 with a valid check digit.
            (
                &format!("0199001{}", check_digit(&[0, 1, 9, 9, 0, 0, 1])),
                NumberError::Prefecture("99".into()),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                InsurerNumber::parse(input).as_ref().err(),
                Some(want),
                "{input:?}"
            );
            assert!(!want.to_string().is_empty());
        }
        assert!(NumberError::CheckDigit {
            expected: 5,
            found: 6
        }
        .to_string()
        .contains("計算上は5"));
        assert_eq!(
            PublicPayerNumber::parse("54016028").err(),
            Some(NumberError::CheckDigit {
                expected: 7,
                found: 8
            })
        );
        assert_eq!(
            RecipientNumber::parse("123456").err(),
            Some(NumberError::WrongLength {
                expected: vec![7],
                found: 6
            })
        );
        let recipient = format!("123456{}", check_digit(&[1, 2, 3, 4, 5, 6]));
        assert!(RecipientNumber::parse(&recipient).is_ok());
    }

    #[test]
    fn ages_turn_on_the_birthday_and_leap_day_births_on_1_march() {
        assert_eq!(age_on(date!(1980 - 06 - 15), date!(2026 - 06 - 14)), 45);
        assert_eq!(age_on(date!(1980 - 06 - 15), date!(2026 - 06 - 15)), 46);
        assert_eq!(age_on(date!(2004 - 02 - 29), date!(2026 - 02 - 28)), 21);
        assert_eq!(age_on(date!(2004 - 02 - 29), date!(2026 - 03 - 01)), 22);
    }

    #[test]
    fn preschool_ends_on_the_first_31_march_after_reaching_six() {
        // Born 2 April 2020: reaches 6 on 1 April 2026 → preschool until 31 March 2027.
        assert_eq!(
            preschool_until(date!(2020 - 04 - 02)),
            Some(date!(2027 - 03 - 31))
        );
        // Born 1 April 2020: reaches 6 on 31 March 2026 → until that very day.
        assert_eq!(
            preschool_until(date!(2020 - 04 - 01)),
            Some(date!(2026 - 03 - 31))
        );
    }

    #[test]
    fn elderly_share_starts_the_month_after_reaching_seventy() {
        assert_eq!(
            elderly_from(date!(1956 - 05 - 15)),
            Some(date!(2026 - 06 - 01))
        );
        // Born on the 1st: reaches 70 on the last day of the month before → the birthday's month.
        assert_eq!(
            elderly_from(date!(1956 - 05 - 01)),
            Some(date!(2026 - 05 - 01))
        );
        assert_eq!(
            elderly_from(date!(1956 - 12 - 20)),
            Some(date!(2027 - 01 - 01))
        );
    }

    #[test]
    fn burden_ratio_table() {
        let kyokai =
            InsurerNumber::parse(&format!("0113001{}", check_digit(&[0, 1, 1, 3, 0, 0, 1])))
                .unwrap();
        let kouki =
            InsurerNumber::parse(&format!("3913101{}", check_digit(&[3, 9, 1, 3, 1, 0, 1])))
                .unwrap();
        let on = date!(2026 - 11 - 24);
        let cases = [
            (
                "child of 3",
                date!(2023 - 05 - 10),
                &kyokai,
                IncomeCategory::General,
                2,
                BurdenRule::Preschool,
            ),
            (
                "pupil of 7",
                date!(2019 - 04 - 02),
                &kyokai,
                IncomeCategory::General,
                3,
                BurdenRule::Standard,
            ),
            (
                "adult of 45",
                date!(1981 - 01 - 01),
                &kyokai,
                IncomeCategory::General,
                3,
                BurdenRule::Standard,
            ),
            (
                "70, month after",
                date!(1956 - 10 - 10),
                &kyokai,
                IncomeCategory::General,
                2,
                BurdenRule::Elderly,
            ),
            (
                "70 this month",
                date!(1956 - 11 - 10),
                &kyokai,
                IncomeCategory::General,
                3,
                BurdenRule::Standard,
            ),
            (
                "72, active income",
                date!(1954 - 01 - 01),
                &kyokai,
                IncomeCategory::Active,
                3,
                BurdenRule::Elderly,
            ),
            (
                "80 late elderly",
                date!(1946 - 03 - 03),
                &kouki,
                IncomeCategory::General,
                1,
                BurdenRule::LateElderly,
            ),
            (
                "80 certain income",
                date!(1946 - 03 - 03),
                &kouki,
                IncomeCategory::Certain,
                2,
                BurdenRule::LateElderly,
            ),
            (
                "80 active income",
                date!(1946 - 03 - 03),
                &kouki,
                IncomeCategory::Active,
                3,
                BurdenRule::LateElderly,
            ),
        ];
        for (name, birth, insurer, income, tenths, rule) in cases {
            assert_eq!(
                burden_ratio(birth, on, insurer, income),
                BurdenRatio { tenths, rule },
                "{name}"
            );
        }
    }
}
