//! The input: one outpatient visit (外来1回分) as the clerk or the doctor's orders describe it,
//! plus the few facts of the month that the rules need. JSON in `karte-server price` and in the
//! browser; dates are `YYYY-MM-DD`.

use super::money::{Quantity, Yen};
use super::section::Section;
use crate::domain::insurance::{IncomeCategory, InsurerNumber, PublicPayerNumber};
use serde::{Deserialize, Serialize};
use time::Date;

/// One visit to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// 診療日 (JST calendar date).
    #[serde(with = "iso_date")]
    pub service_date: Date,
    /// 生年月日.
    #[serde(with = "iso_date")]
    pub birth_date: Date,
    /// 負担割合 of the health insurance.
    pub burden: Burden,
    /// 公費, if one applies to this visit (第一公費).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_expense: Option<PublicExpense>,
    /// Further 公費 applied after it (第二公費 …, 公費併用), in order; at most three.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_public_expenses: Vec<PublicExpense>,
    /// 初診 or 再診.
    pub kind: VisitKind,
    /// 時間外等の区分 (of the time the patient was seen).
    #[serde(default)]
    pub time: TimeCategory,
    pub facility: Facility,
    /// The patient's 診療情報 were obtained by 電子資格確認 (マイナ保険証) or sent by another
    /// 保険医療機関: 医療情報取得加算２/４ (1点) instead of １/３ until 2024-11-30.
    #[serde(default)]
    pub electronic_qualification: bool,
    /// オンライン診療: the visit was held with 情報通信機器 (A000 注1・A001 注1・A002 注1 ただし書,
    /// 令和6年厚生労働省告示第57号): the basic fee is billed with its 情報通信機器 code (初診料
    /// 253点, 再診料・外来診療料 75点), an ordered item with a 情報通信機器 version is billed as
    /// that version, and 外来管理加算 is not added (the master's 外来管理加算区分). Written only
    /// when set, so bills stored before it existed read and write back as they were.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub telemedicine: bool,
    /// The doctor asks for 外来管理加算 (再診 only; the engine checks whether it is allowed).
    #[serde(default)]
    pub outpatient_management: bool,
    /// 診療行為 ordered as such (医学管理, 検査, 採血 …), with counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemOrder>,
    /// 投薬 (院内) or 処方箋 (院外).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescription: Option<Prescription>,
    /// 注射, each with its drugs and materials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub injections: Vec<ProcedureOrder>,
    /// 処置, each with its drugs and materials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub treatments: Vec<ProcedureOrder>,
    /// The patient's earlier finalised items (other visits) of the calendar month of service, for
    /// 月1回 rules (判断料, 調剤技術基本料 …) and 上限回数, and of the months before it, for
    /// "3月に1回" (医療情報取得加算 at 再診) and "6月以内" (生活習慣病管理料(Ⅱ) 注5) rules. Older
    /// entries and later months are ignored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub month_history: Vec<HistoryEntry>,
}

impl Visit {
    /// The codes of the orders that cannot be master codes, named under `visit.` (checked before
    /// a visit is priced for good: the engine would only say it does not know them).
    pub fn code_problems(&self) -> Vec<crate::domain::FieldError> {
        let rps = self
            .prescription
            .as_ref()
            .map(|p| p.rps.as_slice())
            .unwrap_or_default();
        order_code_problems(
            "visit",
            &self.items,
            rps,
            &self.injections,
            &self.treatments,
        )
    }

    /// The 公費 of the visit in the order they apply (第一公費 first).
    pub fn public_expenses(&self) -> Vec<&PublicExpense> {
        self.public_expense
            .iter()
            .chain(&self.additional_public_expenses)
            .collect()
    }

    /// Every 医薬品コード the visit names (prescription, 注射, 処置), sorted, without repeats: what
    /// a caller must load from the 医薬品マスター for this visit.
    pub fn drug_codes(&self) -> Vec<String> {
        let rps = self.prescription.iter().flat_map(|p| {
            p.rps
                .iter()
                .flat_map(|rp| rp.drugs().iter().map(|d| &d.code))
        });
        let used = self
            .injections
            .iter()
            .chain(&self.treatments)
            .flat_map(|o| o.drugs.iter().map(|d| &d.code));
        sorted_unique(rps.chain(used))
    }

    /// Every 診療行為コード pricing this visit may need: its items, 注射 and 処置, the codes the
    /// rules add by themselves ([`super::codes::engine_codes`]) and those of the month's history
    /// (which inclusion rules judge), sorted, without repeats.
    pub fn procedure_codes(&self) -> Vec<String> {
        let engine: Vec<String> = super::codes::engine_codes()
            .into_iter()
            .map(str::to_string)
            .collect();
        let own = self.items.iter().map(|i| &i.code).chain(
            self.injections
                .iter()
                .chain(&self.treatments)
                .filter_map(|o| o.code.as_ref()),
        );
        let history = self.month_history.iter().map(|h| &h.code);
        sorted_unique(own.chain(engine.iter()).chain(history))
    }

    /// Every 特定器材コード the visit names (注射, 処置), sorted, without repeats.
    pub fn material_codes(&self) -> Vec<String> {
        sorted_unique(
            self.injections
                .iter()
                .chain(&self.treatments)
                .flat_map(|o| o.materials.iter().map(|m| &m.code)),
        )
    }
}

fn sorted_unique<'a>(codes: impl Iterator<Item = &'a String>) -> Vec<String> {
    let set: std::collections::BTreeSet<&String> = codes.collect();
    set.into_iter().cloned().collect()
}

/// The patient's share under the health insurance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Burden {
    /// As written on the card or set by the clerk: 1, 2 or 3 割.
    Tenths { tenths: u8 },
    /// Derived from the insurance, the age on the date of service and the income category
    /// (`domain::insurance::burden_ratio`: 健康保険法第74条, 高齢者医療確保法第67条).
    Insurance {
        insurer_number: InsurerNumber,
        #[serde(default)]
        income_category: IncomeCategory,
    },
    /// 公費単独: no health insurance on the day (生活保護 …). The 医療費 is charged in full
    /// (10割) and the visit's 公費 take it over as they do an insurance share; a visit without
    /// a 公費 cannot be priced this way.
    PublicOnly,
}

/// A 公費 applied on top of the insurance, in a deliberately simple model: within `sections`
/// (all when empty) the patient pays `patient_tenths` instead of the insurance share (never more
/// than it), and at most what is left of `monthly_cap` this month; the 公費 pays the rest of the
/// insurance share. With more than one (公費併用), each later one takes over what the earlier
/// leave to the patient (`rules::share::split`). Examples: 子ども医療費 (地方公費) with 0割 → nothing at the window;
/// 自立支援医療 1割 with a 上限額 of 5,000円. Receipt-side (レセプト) 公費 amounts are computed
/// elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicExpense {
    /// 公費負担者番号, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_number: Option<PublicPayerNumber>,
    /// The patient's share under the 公費, in tenths (0 = nothing at the window).
    pub patient_tenths: u8,
    /// 月額上限 (自己負担上限額), yen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_cap: Option<Yen>,
    /// What the patient already paid under this 公費 this month (other visits), yen.
    #[serde(default)]
    pub paid_this_month: Yen,
    /// The 部 the 公費 covers; empty = all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    /// 初診 (A000).
    Initial,
    /// 再診 (A001; 外来診療料 A002 at a hospital of 200床以上).
    Revisit,
}

/// When the patient was seen, as the 時間外等加算 rules distinguish it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeCategory {
    /// 標榜時間内 (no add-on).
    #[default]
    Regular,
    /// 時間外 (標榜時間外, おおむね 8時前・18時以降, 土曜 12時以降 等).
    OutOfHours,
    /// 休日 (日曜・祝日・年末年始).
    Holiday,
    /// 深夜 (22時〜6時).
    LateNight,
    /// 夜間・早朝等 within the 標榜時間 of a 診療所 (A000 注9 / A001 注6).
    NightEarlyMorning,
}

impl TimeCategory {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Regular => "通常",
            Self::OutOfHours => "時間外",
            Self::Holiday => "休日",
            Self::LateNight => "深夜",
            Self::NightEarlyMorning => "夜間・早朝等",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facility {
    pub kind: FacilityKind,
    #[serde(default)]
    pub standards: FacilityStandards,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    /// 診療所.
    Clinic,
    /// 病院 (一般病床200床未満).
    Hospital,
    /// 病院 (一般病床200床以上): 再診 is 外来診療料.
    LargeHospital,
}

/// 施設基準 registered (届出) with the 地方厚生局, and staffing facts the rules depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FacilityStandards {
    /// 明細書発行体制等加算 (A001 注, 診療所).
    pub detailed_statement: bool,
    /// 機能強化加算 (A000 注10).
    pub function_enhancement: bool,
    /// 外来感染対策向上加算 (A000/A001 注, 診療所, 月1回).
    pub infection_control: bool,
    /// 医療DX推進体制整備加算 (A000 注16, 月1回): the 区分 registered, 1–6 as numbered from
    /// 2025-04-01 (加算１ 12点 … 加算６ 8点); 0 = not registered. Settings saved before the
    /// 区分 existed said `true`, read as 加算６ (the 8点 code 111703370 of every period).
    #[serde(deserialize_with = "medical_dx_tier")]
    pub medical_dx: u8,
    /// 医療情報取得加算 (A000 注15, A001 注19, A002 注10): the 施設基準 (オンライン資格確認).
    pub online_qualification: bool,
    /// 小児科（小児外科を含む）を標榜 (A000 注8, A001 注6, A002 注9): a child under 6 seen at
    /// 夜間・早朝等 within the posted hours takes 乳幼児夜間加算（小児科） instead of 乳幼児加算 and
    /// 夜間・早朝等加算.
    pub pediatrics: bool,
    /// 専ら夜間における救急医療の確保のために設けられている保険医療機関 (A000 注7・A001 注5・
    /// A002 注8 ただし書): 時間外 becomes 時間外特例医療機関加算.
    pub night_emergency: bool,
    /// 検体検査管理加算(Ⅰ) (D026 注, 月1回).
    pub lab_management_1: bool,
    /// 外来・在宅ベースアップ評価料(Ⅰ) (O100).
    pub base_up: bool,
    /// 薬剤師が常勤 (F500 調剤技術基本料 requires it).
    pub pharmacist_full_time: bool,
}

/// 医療DX推進体制整備加算's 区分: a number 0–6, or the earlier `true`/`false`.
fn medical_dx_tier<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Tier {
        Flag(bool),
        Number(u8),
    }
    match Tier::deserialize(d)? {
        Tier::Flag(false) => Ok(0),
        Tier::Flag(true) => Ok(6),
        Tier::Number(n) if n <= 6 => Ok(n),
        Tier::Number(_) => Err(serde::de::Error::custom(
            "医療DX推進体制整備加算の区分は0〜6です",
        )),
    }
}

/// Whether `code` has the form of a 基本マスター code: 診療行為, 医薬品 and 特定器材 codes are all
/// 9 digits (記録条件仕様; `../shared/reference/masters/LAYOUT.md`).
pub fn is_master_code(code: &str) -> bool {
    code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a list of master codes, refusing anything that cannot be one (for requests that only
/// look codes up; stored orders are checked by [`order_code_problems`], not when read back).
pub(crate) fn master_codes<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<String>, D::Error> {
    let codes = Vec::<String>::deserialize(d)?;
    if codes.iter().all(|c| is_master_code(c)) {
        Ok(codes)
    } else {
        Err(serde::de::Error::custom("a master code is 9 digits"))
    }
}

/// Every code of a set of orders that cannot be a master code, named by its path under
/// `prefix` (`contents.rps[0].drugs[1].code`).
pub fn order_code_problems(
    prefix: &str,
    items: &[ItemOrder],
    rps: &[Rp],
    injections: &[ProcedureOrder],
    treatments: &[ProcedureOrder],
) -> Vec<crate::domain::FieldError> {
    let mut bad = Vec::new();
    let mut check = |path: String, code: &str| {
        if !is_master_code(code) {
            bad.push(crate::domain::FieldError::new(
                &path,
                "invalid",
                "コードはマスターの9桁のコードです",
            ));
        }
    };
    for (i, item) in items.iter().enumerate() {
        check(format!("{prefix}.items[{i}].code"), &item.code);
    }
    for (i, rp) in rps.iter().enumerate() {
        for (j, drug) in rp.drugs().iter().enumerate() {
            check(format!("{prefix}.rps[{i}].drugs[{j}].code"), &drug.code);
        }
    }
    for (name, orders) in [("injections", injections), ("treatments", treatments)] {
        for (i, order) in orders.iter().enumerate() {
            if let Some(code) = &order.code {
                check(format!("{prefix}.{name}[{i}].code"), code);
            }
            for (j, drug) in order.drugs.iter().enumerate() {
                check(format!("{prefix}.{name}[{i}].drugs[{j}].code"), &drug.code);
            }
            for (j, material) in order.materials.iter().enumerate() {
                check(
                    format!("{prefix}.{name}[{i}].materials[{j}].code"),
                    &material.code,
                );
            }
        }
    }
    bad
}

/// A 診療行為 ordered directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOrder {
    pub code: String,
    #[serde(default = "one")]
    pub count: u32,
}

impl ItemOrder {
    pub fn new(code: &str) -> ItemOrder {
        ItemOrder {
            code: code.to_string(),
            count: 1,
        }
    }
}

fn one() -> u32 {
    1
}

/// One prescribing event: 院内 (the clinic dispenses) or 院外 (a 処方箋 is issued).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prescription {
    pub dispensing: Dispensing,
    pub rps: Vec<Rp>,
    /// The patient's 主病 is a 特定疾患 (別に厚生労働大臣が定める疾患) and the doctor manages the
    /// prescription for it (特定疾患処方管理加算).
    #[serde(default)]
    pub specific_disease: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dispensing {
    /// 院内処方.
    InHouse,
    /// 院外処方 (処方箋を交付).
    Outside,
}

/// One Rp = one 剤: 内服 drugs taken at the same 服用時点 and 回数 form one 剤 (F200 通知).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rp {
    /// 内服薬: quantities are 1日量.
    Internal {
        days: u32,
        /// 臨時の投薬 (not 常用): with ≤14 days it does not count towards 7種類以上.
        #[serde(default)]
        temporary: bool,
        drugs: Vec<RpDrug>,
    },
    /// 屯服薬: quantities are 1回量.
    AsNeeded { times: u32, drugs: Vec<RpDrug> },
    /// 外用薬: quantities are the total (1調剤).
    External { drugs: Vec<RpDrug> },
}

impl Rp {
    pub fn drugs(&self) -> &[RpDrug] {
        match self {
            Rp::Internal { drugs, .. } | Rp::AsNeeded { drugs, .. } | Rp::External { drugs } => {
                drugs
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpDrug {
    /// 医薬品コード (y_ master).
    pub code: String,
    pub quantity: Quantity,
    /// Written on the 処方箋 by its 一般名 (【般】…).
    #[serde(default)]
    pub generic_name: bool,
    /// 変更不可（医療上必要）on the 処方箋 (JAHIS record 281 区分3). Not used in pricing.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_substitution: bool,
    /// 患者希望 on the 処方箋: the brand (長期収載品) at the patient's request (JAHIS record 281
    /// 区分8). Not used in pricing.
    #[serde(default, skip_serializing_if = "is_false")]
    pub patient_wish: bool,
}

impl RpDrug {
    /// A drug line by its brand name, with neither 処方箋 mark.
    pub fn new(code: &str, quantity: Quantity) -> RpDrug {
        RpDrug {
            code: code.to_string(),
            quantity,
            generic_name: false,
            no_substitution: false,
            patient_wish: false,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A 注射 or a 処置: the 手技 code (optional: some are included elsewhere) with the drugs and
/// materials used each time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureOrder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// How many times it was done (drugs and materials are per time).
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drugs: Vec<DrugUse>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub materials: Vec<MaterialUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugUse {
    pub code: String,
    pub quantity: Quantity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialUse {
    pub code: String,
    pub quantity: Quantity,
}

/// An item already billed for this patient on an earlier day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub code: String,
    #[serde(with = "iso_date")]
    pub date: Date,
    #[serde(default = "one")]
    pub count: u32,
}

/// `YYYY-MM-DD` on the wire (the crate's `time` has no serde feature; same text as
/// `domain::japanese::format_date`).
pub(crate) mod iso_date {
    use crate::domain::japanese::{format_date, parse_date};
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        parse_date(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("日付は YYYY-MM-DD です: {text}")))
    }
}
