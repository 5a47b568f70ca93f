//! Typed views of master rows. Each is built from a row's fields (`from_fields`), checks what
//! it reads and reports the 項番 of the first bad column. Amounts are [`Hundredths`] (点×100,
//! or 銭 for 円), dates are `time::Date` with `99999999` → `None`. Fields the billing engine
//! does not use stay in [`MasterRow::fields`](super::MasterRow).
//!
//! Code values are those of the 2022 マスターファイル仕様説明書 (別紙 7-1 etc.), checked against
//! the 2024 files; where a value outside the documented set is harmless the record keeps the
//! number (`u8`) rather than failing the import.

use super::error::FieldError;
use super::value::{bad_value, AgeLimit, Cols, Hundredths};
use super::{MasterKind, MasterRow};
use serde::{Deserialize, Serialize};
use time::Date;

/// A typed view of one master row.
pub trait MasterRecord: Sized {
    const KIND: MasterKind;

    fn from_fields(fields: &[String]) -> Result<Self, FieldError>;

    fn from_row(row: &MasterRow) -> Result<Self, FieldError> {
        Self::from_fields(&row.fields)
    }
}

/// Parses a one-digit code column into an enum through `map`.
fn coded<T>(
    c: &Cols<'_>,
    col: usize,
    what: &str,
    map: fn(&str) -> Option<T>,
) -> Result<T, FieldError> {
    let v = c.required(col)?;
    map(v).ok_or_else(|| bad_value(col, v, what))
}

/// Like [`coded`], with `0` (no code: 新設, no 旧金額) → `None`.
fn coded_or_zero<T>(
    c: &Cols<'_>,
    col: usize,
    what: &str,
    map: fn(&str) -> Option<T>,
) -> Result<Option<T>, FieldError> {
    match c.required(col)? {
        "0" => Ok(None),
        _ => coded(c, col, what, map).map(Some),
    }
}

/// `0` / `1` → bool.
fn flag(c: &Cols<'_>, col: usize, what: &str) -> Result<bool, FieldError> {
    coded(c, col, what, |v| match v {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    })
}

/// 点数識別 (医科 項番11 and 57; 別紙7-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    /// 1: 金額 (円; 食事療養費など).
    Amount,
    /// 3: 点数（プラス）.
    Points,
    /// 4: 購入価格（点数）; the value is 0.00.
    PurchasePrice,
    /// 5: ％加算; the value is the percentage added.
    PercentAdd,
    /// 6: ％減算; the value is the percentage taken off (10.00 → 所定点数の90/100).
    PercentSub,
    /// 7: 減点診療行為 (治験・公害補償法の減点); the value is 0.00.
    Deduction,
    /// 8: 点数（マイナス）; the value is the points subtracted.
    MinusPoints,
}

impl ScoreKind {
    pub fn from_digit(s: &str) -> Option<Self> {
        Some(match s {
            "1" => Self::Amount,
            "3" => Self::Points,
            "4" => Self::PurchasePrice,
            "5" => Self::PercentAdd,
            "6" => Self::PercentSub,
            "7" => Self::Deduction,
            "8" => Self::MinusPoints,
            _ => return None,
        })
    }

    /// The name used in the 仕様説明書 (別紙7-1), for messages.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Amount => "金額",
            Self::Points => "点数（プラス）",
            Self::PurchasePrice => "購入価格（点数）",
            Self::PercentAdd => "％加算",
            Self::PercentSub => "％減算",
            Self::Deduction => "減点診療行為",
            Self::MinusPoints => "点数（マイナス）",
        }
    }
}

/// 入外適用区分 (医科 項番13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InOutScope {
    /// 0: 入院・入院外とも.
    Both,
    /// 1: 入院レセプトに限り記録可能.
    InpatientOnly,
    /// 2: 入院外レセプトに限り記録可能.
    OutpatientOnly,
}

/// 後期高齢者医療適用区分 (医科 項番14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElderlyScope {
    /// 0: どちらにも適用.
    Both,
    /// 1: 医療保険に限り適用.
    MedicalInsuranceOnly,
    /// 2: 後期高齢者医療に限り適用.
    LateElderlyOnly,
}

/// 告示等の区分番号 (医科 項番90-94: 章, 部, 区分番号, 枝番, 項番), as written (`"1"`, `"01"`,
/// `"000"`, `"00"`, `"001"`; the 2024 項番 is three digits although the 2022 spec says two).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NoticeNumber {
    pub chapter: String,
    pub part: String,
    pub section: String,
    pub branch: String,
    pub item: String,
}

/// 年齢加算 (医科 項番100-111): the 注加算 code to add for ages in [lower, upper).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgeAddition {
    pub lower: AgeLimit,
    pub upper: AgeLimit,
    /// 注加算診療行為コード (9 digits).
    pub code: String,
}

/// 医科診療行為マスター row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureRecord {
    /// 項番3 診療行為コード.
    pub code: String,
    /// 項番5 省略漢字名称 (printed on the レセプト).
    pub name: String,
    /// 項番113 基本漢字名称.
    pub base_name: String,
    /// 項番7 省略カナ名称 (half-width).
    pub kana: String,
    /// 項番8 データ規格コード (単位; 0 = no 数量データ) and 項番10 its name.
    pub unit_code: u16,
    pub unit_name: String,
    /// 項番11 点数識別.
    pub score_kind: ScoreKind,
    /// 項番12 新又は現点数, in hundredths (`291.00` → 29100): 点, 円, or % per `score_kind`.
    pub score: Hundredths,
    /// 項番13 入外適用区分.
    pub in_out: InOutScope,
    /// 項番14 後期高齢者医療適用区分.
    pub elderly: ElderlyScope,
    /// 項番15 点数欄集計先識別（入院外） (別紙7-2; e.g. 110 初診, 120 再診).
    pub outpatient_tally: u16,
    /// 項番66 点数欄集計先識別（入院）.
    pub inpatient_tally: u16,
    /// 項番16 包括対象検査 (0 = not bundled; 1 血液化学 …).
    pub bundled_test: u8,
    /// 項番19 病院・診療所区分 (0 both, 1 病院のみ, 2 診療所のみ, 4 短期滞在手術等基本料３).
    pub hospital_clinic: u8,
    /// 項番27 実日数 (0 none, 1 ≤ 実日数, 2 初診・再診等, 3 入院基本料等, 4 外泊).
    pub actual_days: u8,
    /// 項番28 日数・回数 (別紙7-4).
    pub days_times: u8,
    /// 項番36 上限回数 (0 = none; the period comes from the 告示/通知).
    pub max_count: u16,
    /// 項番38 注加算コード (0 = none) and 項番39 注加算通番 (`0`, `1`-`9`, `A`-`Z`).
    pub addition_code: u16,
    pub addition_serial: String,
    /// 項番40 通則年齢 (0, 1 通則加算, 2 注加算).
    pub general_age: u8,
    /// 項番41 下限年齢 (age >= lower) and 項番42 上限年齢 (age < upper).
    pub min_age: AgeLimit,
    pub max_age: AgeLimit,
    /// 項番43 時間加算区分.
    pub time_addition: u8,
    /// 項番45 対象施設基準 (0 = none).
    pub facility_standard: u16,
    /// 項番50 検査等実施判断区分 (0, 1 実施料, 2 判断料).
    pub test_judgement: u8,
    /// 項番51 検査等実施判断グループ区分 (1 尿・糞便等, 2 血液学的, 3 生化学的(I) …).
    pub test_judgement_group: u8,
    /// 項番56 外来管理加算区分 (0, 1 算定できない, 2 外来管理加算自体).
    pub outpatient_management: u8,
    /// 項番57 点数識別 of 項番58 旧点数; `None` for 0 (新設).
    pub old_score_kind: Option<ScoreKind>,
    pub old_score: Hundredths,
    /// 項番72-81 施設基準コード1-10, zeros dropped.
    pub facility_codes: Vec<u16>,
    /// 項番85 コード表用番号 (`A`, `K`, `-`…).
    pub code_table: String,
    /// 項番87 変更年月日.
    pub changed_on: Option<Date>,
    /// 項番88 廃止年月日 (last usable day; `None` = 99999999).
    pub abolished_after: Option<Date>,
    /// 項番90-94 告示等識別 (章/部/区分番号/枝番/項番).
    pub notice: NoticeNumber,
    /// 項番100-111 年齢加算1-4, those with a code.
    pub age_additions: Vec<AgeAddition>,
}

impl MasterRecord for ProcedureRecord {
    const KIND: MasterKind = MasterKind::Procedure;

    fn from_fields(fields: &[String]) -> Result<Self, FieldError> {
        let c = Cols(fields);
        let old_score_kind = coded_or_zero(&c, 57, "点数識別", ScoreKind::from_digit)?;
        let mut facility_codes = Vec::new();
        for col in 72..=81 {
            let v: u16 = c.int(col)?;
            if v != 0 {
                facility_codes.push(v);
            }
        }
        let mut age_additions = Vec::new();
        for i in 0..4 {
            let base = 100 + i * 3;
            let code = c.raw(base + 2);
            if code.is_empty() || code.bytes().all(|b| b == b'0') {
                continue;
            }
            age_additions.push(AgeAddition {
                lower: c.age(base)?,
                upper: c.age(base + 1)?,
                code: c.code(base + 2, 9)?,
            });
        }
        Ok(Self {
            code: c.code(3, 9)?,
            name: c.text(5),
            base_name: c.text(113),
            kana: c.text(7),
            unit_code: c.int(8)?,
            unit_name: c.text(10),
            score_kind: coded(&c, 11, "点数識別", ScoreKind::from_digit)?,
            score: c.fixed(12)?,
            in_out: coded(&c, 13, "入外適用区分", |v| match v {
                "0" => Some(InOutScope::Both),
                "1" => Some(InOutScope::InpatientOnly),
                "2" => Some(InOutScope::OutpatientOnly),
                _ => None,
            })?,
            elderly: coded(&c, 14, "後期高齢者医療適用区分", |v| match v {
                "0" => Some(ElderlyScope::Both),
                "1" => Some(ElderlyScope::MedicalInsuranceOnly),
                "2" => Some(ElderlyScope::LateElderlyOnly),
                _ => None,
            })?,
            outpatient_tally: c.int(15)?,
            inpatient_tally: c.int(66)?,
            bundled_test: c.int(16)?,
            hospital_clinic: c.int(19)?,
            actual_days: c.int(27)?,
            days_times: c.int(28)?,
            max_count: c.int(36)?,
            addition_code: c.int(38)?,
            addition_serial: c.required(39)?.to_string(),
            general_age: c.int(40)?,
            min_age: c.age(41)?,
            max_age: c.age(42)?,
            time_addition: c.int(43)?,
            facility_standard: c.int(45)?,
            test_judgement: c.int(50)?,
            test_judgement_group: c.int(51)?,
            outpatient_management: c.int(56)?,
            old_score_kind,
            old_score: c.fixed(58)?,
            facility_codes,
            code_table: c.text(85),
            changed_on: c.date(87)?,
            abolished_after: c.date(88)?,
            notice: NoticeNumber {
                chapter: c.text(90),
                part: c.text(91),
                section: c.text(92),
                branch: c.text(93),
                item: c.text(94),
            },
            age_additions,
        })
    }
}

/// 金額種別 of 医薬品 (項番11, 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugPriceKind {
    /// 1: 金額 (円 per unit).
    Amount,
    /// 3: 薬剤使用量省略 (歯科に限る).
    DentalOmitted,
    /// 7: 減点.
    Deduction,
}

impl DrugPriceKind {
    fn from_digit(s: &str) -> Option<Self> {
        Some(match s {
            "1" => Self::Amount,
            "3" => Self::DentalOmitted,
            "7" => Self::Deduction,
            _ => return None,
        })
    }
}

/// 麻薬・毒薬・覚醒剤原料・向精神薬 (医薬品 項番14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlledClass {
    None,
    /// 1: 麻薬.
    Narcotic,
    /// 2: 毒薬.
    Poison,
    /// 3: 覚醒剤原料.
    StimulantPrecursor,
    /// 5: 向精神薬.
    Psychotropic,
}

/// 剤形 (医薬品 項番28).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DosageForm {
    /// 1: 内用薬.
    Internal,
    /// 3: その他.
    Other,
    /// 4: 注射薬.
    Injection,
    /// 6: 外用薬.
    External,
    /// 8: 歯科用薬剤.
    Dental,
}

impl DosageForm {
    /// The name used in the 仕様説明書, for messages.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Internal => "内用薬",
            Self::Other => "その他",
            Self::Injection => "注射薬",
            Self::External => "外用薬",
            Self::Dental => "歯科用薬剤",
        }
    }
}

/// 医薬品マスター row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugRecord {
    /// 項番3 医薬品コード.
    pub code: String,
    /// 項番5 漢字名称 (医薬品名・規格名).
    pub name: String,
    /// 項番7 カナ名称.
    pub kana: String,
    /// 項番8 単位コード (0 = none) and 項番10 単位名称 (`錠`, `ｍＬ`…).
    pub unit_code: u16,
    pub unit_name: String,
    /// 項番11 金額種別.
    pub price_kind: DrugPriceKind,
    /// 項番12 新又は現金額 = 薬価 per unit, in 銭 (1/100 円; `10.10` → 1010). Exact: the file
    /// has at most two decimals.
    pub price: Hundredths,
    /// 項番14.
    pub controlled: ControlledClass,
    /// 項番15 神経破壊剤.
    pub neurolytic: bool,
    /// 項番16 生物学的製剤.
    pub biological: bool,
    /// 項番17 後発品.
    pub generic: bool,
    /// 項番19 歯科特定薬剤.
    pub dental_specific: bool,
    /// 項番20 造影（補助）剤 (0, 1 造影剤, 2 造影補助剤).
    pub contrast: u8,
    /// 項番21 注射容量 (mL; 0 = not set).
    pub injection_volume: u32,
    /// 項番22 収載方式等識別.
    pub listing_method: u8,
    /// 項番23 商品名等関連: the 統一名収載品 code of a 商品名医薬品, `None` for 0.
    pub brand_of: Option<String>,
    /// 項番24/25 旧金額 and its 金額種別 (`None` for 0: new since the last 薬価改定).
    pub old_price_kind: Option<DrugPriceKind>,
    pub old_price: Hundredths,
    /// 項番28 剤形.
    pub dosage_form: DosageForm,
    /// 項番30 変更年月日.
    pub changed_on: Option<Date>,
    /// 項番31 廃止年月日 (`None` = 99999999).
    pub abolished_after: Option<Date>,
    /// 項番32 薬価基準収載医薬品コード (12 characters, e.g. `2171022F1010`).
    pub nhi_code: Option<String>,
    /// 項番34 経過措置年月日又は商品名医薬品コード使用期限 (`None` for 0).
    pub transitional_until: Option<Date>,
    /// 項番35 基本漢字名称 (品名).
    pub base_name: String,
    /// 項番36 薬価基準収載年月日 (2024 layout; `None` for 0 or older layouts).
    pub listed_on: Option<Date>,
    /// 項番37 一般名コード (e.g. `2171022F2ZZZ`).
    pub generic_name_code: Option<String>,
    /// 項番38 一般名処方の標準的な記載 (`【般】アムロジピン錠５ｍｇ`).
    pub generic_name: Option<String>,
    /// 項番39 一般名処方加算対象区分 (0, 1, 2; `None` in older layouts).
    pub generic_name_addition: Option<u8>,
    /// 項番40 抗HIV薬区分 (`None` in older layouts).
    pub anti_hiv: Option<bool>,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl MasterRecord for DrugRecord {
    const KIND: MasterKind = MasterKind::Drug;

    fn from_fields(fields: &[String]) -> Result<Self, FieldError> {
        let c = Cols(fields);
        let brand_of = match c.required(23)? {
            "0" => None,
            _ => Some(c.code(23, 9)?),
        };
        let old_price_kind = coded_or_zero(&c, 24, "金額種別", DrugPriceKind::from_digit)?;
        Ok(Self {
            code: c.code(3, 9)?,
            name: c.text(5),
            kana: c.text(7),
            unit_code: c.int(8)?,
            unit_name: c.text(10),
            price_kind: coded(&c, 11, "金額種別", DrugPriceKind::from_digit)?,
            price: c.fixed(12)?,
            controlled: coded(
                &c,
                14,
                "麻薬・毒薬・覚醒剤原料・向精神薬",
                |v| match v {
                    "0" => Some(ControlledClass::None),
                    "1" => Some(ControlledClass::Narcotic),
                    "2" => Some(ControlledClass::Poison),
                    "3" => Some(ControlledClass::StimulantPrecursor),
                    "5" => Some(ControlledClass::Psychotropic),
                    _ => None,
                },
            )?,
            neurolytic: flag(&c, 15, "神経破壊剤")?,
            biological: flag(&c, 16, "生物学的製剤")?,
            generic: flag(&c, 17, "後発品")?,
            dental_specific: flag(&c, 19, "歯科特定薬剤")?,
            contrast: c.int(20)?,
            injection_volume: c.int(21)?,
            listing_method: c.int(22)?,
            brand_of,
            old_price_kind,
            old_price: c.fixed(25)?,
            dosage_form: coded(&c, 28, "剤形", |v| match v {
                "1" => Some(DosageForm::Internal),
                "3" => Some(DosageForm::Other),
                "4" => Some(DosageForm::Injection),
                "6" => Some(DosageForm::External),
                "8" => Some(DosageForm::Dental),
                _ => None,
            })?,
            changed_on: c.date(30)?,
            abolished_after: c.date(31)?,
            nhi_code: non_empty(c.raw(32)),
            transitional_until: c.date(34)?,
            base_name: c.text(35),
            listed_on: c.date(36)?,
            generic_name_code: non_empty(c.raw(37)),
            generic_name: non_empty(c.raw(38)),
            generic_name_addition: if c.has(39) { Some(c.int(39)?) } else { None },
            anti_hiv: if c.has(40) {
                Some(flag(&c, 40, "抗HIV薬区分")?)
            } else {
                None
            },
        })
    }
}

/// 金額種別 of 特定器材 (項番11, 17; 別紙5-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialPriceKind {
    /// 1: 金額 (円).
    Amount,
    /// 2: 購入価格.
    PurchasePrice,
    /// 5: ％加算.
    PercentAdd,
    /// 9: 乗算割合.
    Multiplier,
}

impl MaterialPriceKind {
    fn from_digit(s: &str) -> Option<Self> {
        Some(match s {
            "1" => Self::Amount,
            "2" => Self::PurchasePrice,
            "5" => Self::PercentAdd,
            "9" => Self::Multiplier,
            _ => return None,
        })
    }
}

/// 特定器材マスター row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialRecord {
    /// 項番3 特定器材コード.
    pub code: String,
    /// 項番5 漢字名称.
    pub name: String,
    /// 項番7 カナ名称.
    pub kana: String,
    /// 項番8 単位コード and 項番10 単位名称.
    pub unit_code: u16,
    pub unit_name: String,
    /// 項番11 金額種別.
    pub price_kind: MaterialPriceKind,
    /// 項番12 新又は現金額, in 銭 (1/100 円) for 金額.
    pub price: Hundredths,
    /// 項番14 年齢加算区分 (0, 1 年齢加算に関係).
    pub age_addition: u8,
    /// 項番15 下限年齢, 項番16 上限年齢.
    pub min_age: AgeLimit,
    pub max_age: AgeLimit,
    /// 項番17/18 旧金額 and its 金額種別 (`None` for 0: 新設).
    pub old_price_kind: Option<MaterialPriceKind>,
    pub old_price: Hundredths,
    /// 項番21 酸素等区分 (0, 1 酸素補正率, 2 CE, 3 LGC, 4 大型ボンベ, 5 小型ボンベ, 9 窒素).
    pub oxygen_class: u8,
    /// 項番22 特定器材種別 (点数算定方法: 0 購入価格/10円, 2 酸素・窒素, 3 /50円, 4 /1000円).
    pub material_class: u8,
    /// 項番23 上限価格 (酸素の上限価格あり).
    pub has_price_cap: bool,
    /// 項番24 上限点数 (0 = none).
    pub max_points: u32,
    /// 項番28 変更年月日.
    pub changed_on: Option<Date>,
    /// 項番29 経過措置年月日 (`None` for 00000000).
    pub transitional_until: Option<Date>,
    /// 項番30 廃止年月日.
    pub abolished_after: Option<Date>,
    /// 項番37 基本漢字名称.
    pub base_name: String,
}

impl MasterRecord for MaterialRecord {
    const KIND: MasterKind = MasterKind::Material;

    fn from_fields(fields: &[String]) -> Result<Self, FieldError> {
        let c = Cols(fields);
        let old_price_kind = coded_or_zero(&c, 17, "金額種別", MaterialPriceKind::from_digit)?;
        Ok(Self {
            code: c.code(3, 9)?,
            name: c.text(5),
            kana: c.text(7),
            unit_code: c.int(8)?,
            unit_name: c.text(10),
            price_kind: coded(&c, 11, "金額種別", MaterialPriceKind::from_digit)?,
            price: c.fixed(12)?,
            age_addition: c.int(14)?,
            min_age: c.age(15)?,
            max_age: c.age(16)?,
            old_price_kind,
            old_price: c.fixed(18)?,
            oxygen_class: c.int(21)?,
            material_class: c.int(22)?,
            has_price_cap: flag(&c, 23, "上限価格")?,
            max_points: c.int(24)?,
            changed_on: c.date(28)?,
            transitional_until: c.date(29)?,
            abolished_after: c.date(30)?,
            base_name: c.text(37),
        })
    }
}

/// コメントマスター row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRecord {
    /// 項番23 コメントコード (`8` + パターン + 一連番号 zero-padded to 6).
    pub code: String,
    /// 項番4 パターン (10 free text, 20 fixed, 30/31/40/42/50-53/80/90 fixed + data).
    pub pattern: u8,
    /// 項番5 一連番号 (as written, not zero-padded).
    pub serial: u32,
    /// 項番7 漢字名称 (the comment text; may be empty for pattern 10).
    pub text: String,
    /// 項番9 カナ名称.
    pub kana: String,
    /// 項番10-17 レセプト編集情報①-④ (カラム位置, 桁数) for pattern 40; zeros dropped.
    pub edit_positions: Vec<(u16, u16)>,
    /// 項番20 選択式コメント識別.
    pub selectable: bool,
    /// 項番21 変更年月日.
    pub changed_on: Option<Date>,
    /// 項番22 廃止年月日.
    pub abolished_after: Option<Date>,
}

impl MasterRecord for CommentRecord {
    const KIND: MasterKind = MasterKind::Comment;

    fn from_fields(fields: &[String]) -> Result<Self, FieldError> {
        let c = Cols(fields);
        let mut edit_positions = Vec::new();
        for i in 0..4 {
            let column: u16 = c.int(10 + i * 2)?;
            let digits: u16 = c.int(11 + i * 2)?;
            if column != 0 || digits != 0 {
                edit_positions.push((column, digits));
            }
        }
        Ok(Self {
            code: c.code(23, 9)?,
            pattern: c.int(4)?,
            serial: c.int(5)?,
            text: c.text(7),
            kana: c.text(9),
            edit_positions,
            selectable: flag(&c, 20, "選択式コメント識別")?,
            changed_on: c.date(21)?,
            abolished_after: c.date(22)?,
        })
    }
}

/// 傷病名マスター row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiseaseRecord {
    /// 項番3 傷病名コード (7 digits).
    pub code: String,
    /// 項番4 移行先コード (usually the code itself; empty on some new rows).
    pub successor_code: Option<String>,
    /// 項番6 傷病名基本名称.
    pub name: String,
    /// 項番8 傷病名省略名称 (≤ 20 characters, for the レセプト).
    pub short_name: String,
    /// 項番10 傷病名カナ名称 (full-width).
    pub kana: String,
    /// 項番11 病名管理番号 (MEDIS).
    pub management_number: String,
    /// 項番12 採択区分 (1, 2, 3; empty on `0000999` 未コード化傷病名).
    pub adoption: Option<u8>,
    /// 項番13 病名交換用コード.
    pub exchange_code: String,
    /// 項番16 ICD-10-1 (2013) 基礎疾患, 項番17 ICD-10-2 (2013) 症状発現.
    pub icd10_1: Option<String>,
    pub icd10_2: Option<String>,
    /// 項番19 単独使用禁止区分 (00, 01).
    pub standalone_prohibited: u8,
    /// 項番20 保険請求外区分 (0, 1).
    pub not_billable: bool,
    /// 項番21 特定疾患等対象区分 (00, 03, 04, 05, 07, 08).
    pub specific_disease: u8,
    /// 項番22 収載年月日 (empty before 2002-06-01).
    pub listed_on: Option<Date>,
    /// 項番23 変更年月日 (often empty).
    pub changed_on: Option<Date>,
    /// 項番24 廃止年月日.
    pub abolished_after: Option<Date>,
}

impl MasterRecord for DiseaseRecord {
    const KIND: MasterKind = MasterKind::Disease;

    fn from_fields(fields: &[String]) -> Result<Self, FieldError> {
        let c = Cols(fields);
        Ok(Self {
            code: c.code(3, 7)?,
            successor_code: c.opt_code(4, 7)?,
            name: c.text(6),
            short_name: c.text(8),
            kana: c.text(10),
            management_number: c.text(11),
            adoption: if c.raw(12).is_empty() {
                None
            } else {
                Some(c.int(12)?)
            },
            exchange_code: c.text(13),
            icd10_1: non_empty(c.raw(16)),
            icd10_2: non_empty(c.raw(17)),
            standalone_prohibited: c.int(19)?,
            not_billable: flag(&c, 20, "保険請求外区分")?,
            specific_disease: c.int(21)?,
            listed_on: c.date(22)?,
            changed_on: c.date(23)?,
            abolished_after: c.date(24)?,
        })
    }
}

/// 修飾語区分 (修飾語 項番19, the second character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModifierClass {
    /// 1: 部位.
    Site,
    /// 2: 位置.
    Position,
    /// 3: 病因.
    Cause,
    /// 4: 経過表現.
    Course,
    /// 5: 状態表現.
    State,
    /// 6: 患者帰属.
    Patient,
    /// 7: その他.
    Other,
    /// 8: 接尾語.
    Suffix,
    /// 9: 歯科用.
    Dental,
}

/// Where a 修飾語 goes, by its code range (修飾語 項番3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModifierPosition {
    /// 0001-7999: 接頭語.
    Prefix,
    /// 8000-8999: 接尾語.
    Suffix,
    /// 9000-9999: 歯科部位.
    DentalSite,
}

/// 修飾語マスター row.
impl ModifierPosition {
    /// Where a 修飾語 goes, by its code: 8xxx are 接尾語 (after the name), 9xxx 歯科部位, the
    /// rest 接頭語 (before it).
    pub fn of_code(code: &str) -> Self {
        match code.as_bytes().first() {
            Some(b'8') => Self::Suffix,
            Some(b'9') => Self::DentalSite,
            _ => Self::Prefix,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifierRecord {
    /// 項番3 修飾語コード (4 digits).
    pub code: String,
    /// 項番7 修飾語名称.
    pub name: String,
    /// 項番10 修飾語カナ名称.
    pub kana: String,
    pub position: ModifierPosition,
    /// 項番19 修飾語区分 (`A1000000` → [`ModifierClass::Site`]).
    pub class: ModifierClass,
    /// 項番14 収載年月日, 15 変更年月日 (both often empty), 16 廃止年月日.
    pub listed_on: Option<Date>,
    pub changed_on: Option<Date>,
    pub abolished_after: Option<Date>,
    /// 項番17 修飾語管理番号, 18 修飾語交換用コード.
    pub management_number: String,
    pub exchange_code: String,
}

impl MasterRecord for ModifierRecord {
    const KIND: MasterKind = MasterKind::Modifier;

    fn from_fields(fields: &[String]) -> Result<Self, FieldError> {
        let c = Cols(fields);
        let code = c.code(3, 4)?;
        let position = ModifierPosition::of_code(&code);
        let class_raw = c.required(19)?;
        let class = match class_raw.as_bytes().get(1) {
            Some(b'1') => ModifierClass::Site,
            Some(b'2') => ModifierClass::Position,
            Some(b'3') => ModifierClass::Cause,
            Some(b'4') => ModifierClass::Course,
            Some(b'5') => ModifierClass::State,
            Some(b'6') => ModifierClass::Patient,
            Some(b'7') => ModifierClass::Other,
            Some(b'8') => ModifierClass::Suffix,
            Some(b'9') => ModifierClass::Dental,
            _ => return Err(bad_value(19, class_raw, "修飾語区分")),
        };
        Ok(Self {
            code,
            name: c.text(7),
            kana: c.text(10),
            position,
            class,
            listed_on: c.date(14)?,
            changed_on: c.date(15)?,
            abolished_after: c.date(16)?,
            management_number: c.text(17),
            exchange_code: c.text(18),
        })
    }
}
