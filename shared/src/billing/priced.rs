//! The output: priced lines grouped by 部, warnings for the clerk, explanations of automatic
//! decisions, the totals and who pays what. And [`BillingError`] for input that cannot be priced.

use super::money::{Points, Quantity, Yen};
use super::section::Section;
use super::visit::iso_date;
use crate::domain::insurance::BurdenRule;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedVisit {
    #[serde(with = "iso_date")]
    pub service_date: Date,
    /// Age in years on the date of service.
    pub age: i32,
    /// In 部 order, then in the order the rules produced them.
    pub lines: Vec<PricedLine>,
    /// Things the clerk must look at. A warning with `omitted` set means the item was not
    /// priced; otherwise it was priced as ordered.
    pub warnings: Vec<Warning>,
    /// Why something was (not) added automatically (e.g. 判断料 already billed this month).
    pub notes: Vec<Note>,
    /// Subtotal per 部, in 領収証 order; only 部 with lines.
    pub sections: Vec<SectionTotal>,
    /// 合計点数 = Σ lines.
    pub total_points: Points,
    /// 医療費 = 合計点数 × 10円.
    pub medical_fee: Yen,
    pub share: ShareBreakdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A 診療行為 (master s_).
    Procedure,
    /// 薬剤料 of one 剤 or one 注射・処置's drugs.
    Drug,
    /// 特定保険医療材料.
    Material,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub kind: LineKind,
    /// 診療行為コード; for a drug or material line, the code of its first content.
    pub code: String,
    /// 名称 (for a 剤, its drugs and quantities).
    pub name: String,
    pub section: Section,
    /// 点数欄集計先識別（入院外）of the 診療行為; for a 剤, 210 内服 / 220 屯服 / 230 外用
    /// (診療識別 × 10); for drugs and materials of a 注射・処置, that of the 手技.
    pub aggregation: u16,
    pub unit_points: Points,
    /// Times, days (内服) or doses (屯服).
    pub count: u32,
    /// `unit_points × count`.
    pub points: Points,
    /// Why this line is here, in Japanese, for the clerk and the 明細書 preview.
    pub reason: String,
    /// The rule's source (告示/通知, revision; billing.md reference).
    pub source: String,
    /// The drugs or materials of a 剤 / 注射 / 処置 line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<LineContent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineContent {
    pub code: String,
    pub name: String,
    pub quantity: Quantity,
    pub unit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// The code is not in the catalog for the date of service.
    UnknownCode,
    /// The code exists but is not in force on the date of service (廃止 or not yet).
    NotInForce,
    /// The patient's age is outside the master's 下限/上限年齢.
    AgeOutOfRange,
    /// 上限回数 (master) exceeded within the month.
    LimitExceeded,
    /// Two items that may not be billed together.
    Excluded,
    /// An add-on whose 施設基準 is not registered.
    StandardNotRegistered,
    /// A 病院 only / 診療所 only item at the other kind of facility, or 入院 only.
    FacilityMismatch,
    /// The item is added by the engine from the visit's facts, not ordered as an item.
    ManagedByEngine,
    /// 外来管理加算 was asked for but may not be billed.
    OutpatientManagementBlocked,
    /// A drug whose 剤形 does not fit where it is used.
    DrugFormMismatch,
    /// A rule the engine does not implement yet applies (まるめ, 包括 …).
    NotImplemented,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub code: WarningCode,
    /// The 診療行為/医薬品 code concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// In Japanese, for the clerk.
    pub message: String,
    /// The item was left out of the price.
    pub omitted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Stable identifier of the rule (e.g. `judgment_fee_already_billed`).
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionTotal {
    pub section: Section,
    pub points: Points,
}

/// Who pays the 医療費: `patient + public + insurer = medical_fee`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareBreakdown {
    /// 負担割合 of the insurance, in tenths.
    pub burden_tenths: u8,
    /// Which rule gave it, when derived from the insurance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burden_rule: Option<BurdenRule>,
    /// 一部負担金 under the insurance alone (rounded per 健康保険法第75条).
    pub insurance_copay: Yen,
    /// 保険者負担 = 医療費 − insurance_copay.
    pub insurer: Yen,
    /// 公費負担 = insurance_copay − patient.
    pub public: Yen,
    /// 窓口負担 (what the patient pays today).
    pub patient: Yen,
}

impl ShareBreakdown {
    /// 負担割合 as the 領収書 and 会計 show it: `3割`, or `公費単独` without health insurance.
    pub fn burden_label_ja(&self) -> String {
        if self.burden_tenths == crate::billing::rules::share::PUBLIC_ONLY_TENTHS {
            "公費単独（保険なし）".to_string()
        } else {
            format!("{}割", self.burden_tenths)
        }
    }
}

/// Input that cannot be priced. Messages are for the clerk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum BillingError {
    #[error("生年月日が診療日より後です")]
    BirthAfterService,
    #[error("負担割合は1〜3割で指定してください（{tenths}割）")]
    InvalidBurden { tenths: u8 },
    #[error("公費の負担割合は0〜3割で指定してください（{tenths}割）")]
    InvalidPublicShare { tenths: u8 },
    #[error("診療日に有効な保険も公費もありません")]
    NoCoverage,
    #[error("公費の上限額・支払済額が負です")]
    NegativePublicAmount,
    #[error("{code} の回数が0です")]
    ZeroCount { code: String },
    #[error("{code} の回数（{count}）が大きすぎます")]
    CountTooLarge { code: String, count: u32 },
    #[error("Rp{rp} に薬剤がありません")]
    EmptyRp { rp: usize },
    #[error("Rp{rp} の日数・回数が0です")]
    ZeroDays { rp: usize },
    #[error("Rp{rp} の日数・回数（{days}）が大きすぎます")]
    DaysTooLarge { rp: usize, days: u32 },
    #[error("医薬品コード {code} は医薬品マスターにありません")]
    UnknownDrug { code: String },
    #[error("医薬品コード {code} は診療日に使用できません（廃止または経過措置期間終了）")]
    DrugNotInForce { code: String },
    #[error("特定器材コード {code} は特定器材マスターにありません")]
    UnknownMaterial { code: String },
    #[error("特定器材コード {code} は診療日に使用できません")]
    MaterialNotInForce { code: String },
    #[error("{code} の数量が0または大きすぎます")]
    InvalidQuantity { code: String },
    #[error("注射・処置に手技も薬剤も材料もありません")]
    EmptyProcedure,
    #[error("算定に必要な診療行為 {code} がマスターにありません")]
    MissingMaster { code: String },
    /// A 医薬品 or 特定器材 whose 金額種別 is not 金額 (減点, 歯科, 購入価格, ％加算 …).
    #[error("{code} は金額種別が「金額」でないため自動計算できません")]
    PriceKindNotSupported { code: String },
    /// The 点数（マイナス）lines exceed the rest of the visit.
    #[error("減算により合計点数が負になります（{points}点）")]
    NegativeTotal { points: i64 },
    #[error("点数が計算できる範囲を超えました")]
    Overflow,
    #[error("公費は4つまでです（{count}件）")]
    TooManyPublic { count: usize },
}
