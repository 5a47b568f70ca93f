//! The seam between the engine and the masters: the [`Catalog`] trait and the plain facts the
//! engine needs from a 医科診療行為 (s_), 医薬品 (y_) or 特定器材 (t_) row. Coded columns that
//! `masters` already types are used as they are ([`ScoreKind`], [`InOutScope`], [`AgeLimit`],
//! [`DosageForm`], [`Hundredths`], the price kinds); the adapter from parsed master records
//! (`from_record`, [`MemoryCatalog::from_histories`], [`MemoryCatalog::add_procedure_fields`] …)
//! is in `from_masters.rs`. Column numbers (項番) refer to `reference/masters/LAYOUT.md`.

use super::money::Sen;
use super::section::Section;
use crate::masters::{
    AgeLimit, DosageForm, DrugPriceKind, Hundredths, InOutScope, MaterialPriceKind, ScoreKind,
};
use std::collections::HashMap;
use time::Date;

/// The master entries in force on the date of service. The caller binds the date: the engine
/// never sees "the current" master.
///
/// Each lookup returns the row valid on that date. When the code exists but is not in force on
/// that date (abolished, or not yet effective), an implementation may return the nearest row
/// with its `valid_from`/`valid_until` set, so that the engine can say "廃止" instead of "不明";
/// returning `None` is also correct.
pub trait Catalog {
    fn procedure(&self, code: &str) -> Option<ProcedureFacts>;
    fn drug(&self, code: &str) -> Option<DrugFacts>;
    fn material(&self, code: &str) -> Option<MaterialFacts>;
}

impl<T: Catalog + ?Sized> Catalog for &T {
    fn procedure(&self, code: &str) -> Option<ProcedureFacts> {
        (**self).procedure(code)
    }
    fn drug(&self, code: &str) -> Option<DrugFacts> {
        (**self).drug(code)
    }
    fn material(&self, code: &str) -> Option<MaterialFacts> {
        (**self).material(code)
    }
}

/// 病院・診療所区分 (項番19): "1：病院に限り適用される診療行為 / 2：診療所に限り適用される診療行為"
/// (マスターファイル仕様説明書 令和4年4月).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FacilityRestriction {
    #[default]
    Any,
    HospitalOnly,
    ClinicOnly,
}

impl FacilityRestriction {
    pub fn from_master(code: u8) -> FacilityRestriction {
        match code {
            1 => Self::HospitalOnly,
            2 => Self::ClinicOnly,
            _ => Self::Any,
        }
    }
}

/// 外来管理加算区分 (項番56).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutpatientManagementClass {
    /// 0
    #[default]
    Neutral,
    /// 1: 外来管理加算を算定できない診療行為.
    Blocks,
    /// 2: 外来管理加算自体.
    IsTheAddition,
}

impl OutpatientManagementClass {
    pub fn from_master(code: u8) -> OutpatientManagementClass {
        match code {
            1 => Self::Blocks,
            2 => Self::IsTheAddition,
            _ => Self::Neutral,
        }
    }
}

/// 検査等実施判断区分 (項番50).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestRole {
    /// 0
    #[default]
    None,
    /// 1: 実施料 (検体検査実施料, 生体検査実施料 …).
    Performance,
    /// 2: 判断料 (検体検査判断料, 生体検査判断料 …).
    Judgment,
}

impl TestRole {
    pub fn from_master(code: u8) -> TestRole {
        match code {
            1 => Self::Performance,
            2 => Self::Judgment,
            _ => Self::None,
        }
    }
}

/// What the engine needs from one 医科診療行為マスター row (columns per LAYOUT.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureFacts {
    /// 項番3 診療行為コード.
    pub code: String,
    /// 項番5 省略漢字名称 (as printed on the レセプト).
    pub name: String,
    /// 項番11 点数識別. The engine prices 点数（プラス） and subtracts 点数（マイナス）; it reports
    /// the other kinds (see `Pricing::unit_points`).
    pub score_kind: ScoreKind,
    /// 項番12 新又は現点数, in hundredths ("291.00" → 29100).
    pub score: Hundredths,
    /// 部, from 項番90/91 via [`Section::from_chapter_part`].
    pub section: Section,
    /// 項番15 点数欄集計先識別（入院外）: maps to the UKE 診療識別 (receipts.md §3.2).
    pub aggregation: u16,
    /// 項番13 入外適用区分.
    pub care_setting: InOutScope,
    /// 項番19 病院・診療所区分.
    pub facility: FacilityRestriction,
    /// 項番43 時間加算区分 (0 none, 1 時間外等可/時間外加算自体, 2-7 the add-ons themselves).
    pub time_addition: u8,
    /// 項番56 外来管理加算区分.
    pub outpatient_management: OutpatientManagementClass,
    /// 項番50 検査等実施判断区分.
    pub test_role: TestRole,
    /// 項番51 検査等実施判断グループ区分 (1 尿・糞便等, 2 血液学的, 3 生化学的(I) …).
    pub test_group: u8,
    /// 項番16 包括対象検査 (0 = not subject to まるめ).
    pub inclusive_test: u8,
    /// 項番92-94 区分番号, 枝番, 項番 of the 告示 (D005 末梢血液一般 = 5, 0, 5): which 区分 of its
    /// 部 a 診療行為 is, for rules that name 区分 (外来診療料's inclusions).
    pub notice: Notice,
    /// 項番100-111 年齢加算: the 注加算 code to add when the patient's age is in [lower, upper)
    /// (乳幼児加算 of 注射, 処置, 採血 …).
    pub age_additions: Vec<crate::masters::AgeAddition>,
    /// 項番36 上限回数 (0 = no limit). The master gives no period; the engine reads it per
    /// calendar month (see `rules::limits`).
    pub max_count: u16,
    /// 項番41 下限年齢 (age ≧ lower; [`AgeLimit::Unrestricted`] for "00").
    pub lower_age: AgeLimit,
    /// 項番42 上限年齢, exclusive (age ＜ upper; [`AgeLimit::Unrestricted`] for "00").
    pub upper_age: AgeLimit,
    /// 項番38 注加算コード (e.g. 1101 = 初診料の注加算群; 0 none).
    pub addition_code: u16,
    /// 項番39 注加算通番 ('0' = the base item).
    pub addition_serial: char,
    /// 項番87 変更年月日 of this row (first day in force), if known.
    pub valid_from: Option<Date>,
    /// 項番88 廃止年月日 (last day usable); `None` for 99999999.
    pub valid_until: Option<Date>,
}

/// A 診療行為's place in the 告示 within its 部: 区分番号 (e.g. J000 → 0, D005 → 5), 枝番 (J000-2 →
/// 2) and 項番 (the numbered item within the 区分).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub section: u16,
    pub branch: u8,
    pub item: u16,
}

impl Notice {
    /// Not known (a row built by hand, or a master field that does not read as a number): no
    /// rule that names 区分 applies.
    pub const UNKNOWN: Notice = Notice {
        section: u16::MAX,
        branch: 0,
        item: 0,
    };

    pub const fn new(section: u16, branch: u8, item: u16) -> Notice {
        Notice {
            section,
            branch,
            item,
        }
    }
}

impl ProcedureFacts {
    /// A 点数 row with whole `points` and every other fact neutral; adjust with struct update
    /// syntax (`ProcedureFacts { max_count: 1, ..ProcedureFacts::with_points(..) }`).
    pub fn with_points(
        code: &str,
        name: &str,
        points: i64,
        section: Section,
        aggregation: u16,
    ) -> ProcedureFacts {
        ProcedureFacts {
            code: code.to_string(),
            name: name.to_string(),
            score_kind: ScoreKind::Points,
            score: Hundredths(points * 100),
            section,
            aggregation,
            care_setting: InOutScope::Both,
            facility: FacilityRestriction::Any,
            time_addition: 0,
            outpatient_management: OutpatientManagementClass::Neutral,
            test_role: TestRole::None,
            test_group: 0,
            inclusive_test: 0,
            notice: Notice::UNKNOWN,
            age_additions: Vec::new(),
            max_count: 0,
            lower_age: AgeLimit::Unrestricted,
            upper_age: AgeLimit::Unrestricted,
            addition_code: 0,
            addition_serial: '0',
            valid_from: None,
            valid_until: None,
        }
    }

    pub(crate) fn in_force_on(&self, date: Date) -> bool {
        in_force(self.valid_from, self.valid_until, date)
    }
}

/// 一般名処方加算対象区分 (医薬品マスター 2024 layout, 項番39): 0 = not in the 一般名処方マスタ,
/// 1 = counts for 一般名処方加算１ only, 2 = counts for 加算１ and ２ — the legend of the MHLW
/// 一般名処方マスタ ("加算1" / "2" columns), where the 加算１-only items are 後発医薬品 without a
/// 先発医薬品 of the same 剤形・規格 (and 先発品 priced like their 後発品), which 事務連絡 keeps out of
/// 加算２. In y_ALL20240531: 8,184 rows 2 (brand and generic alike, e.g. アムロジピン錠５ｍｇ「サワイ」),
/// 1,022 rows 1 (e.g. バイアスピリン錠１００ｍｇ), the rest 0; every 一般名コード has one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GenericRxClass {
    #[default]
    NotListed,
    AdditionOneOnly,
    AdditionOneAndTwo,
}

impl GenericRxClass {
    pub fn from_master(code: u8) -> GenericRxClass {
        match code {
            1 => Self::AdditionOneOnly,
            2 => Self::AdditionOneAndTwo,
            _ => Self::NotListed,
        }
    }

    /// A 後発医薬品のある医薬品 for 一般名処方加算１.
    pub fn counts_for_one(self) -> bool {
        self != Self::NotListed
    }

    /// One written by its 一般名 earns 一般名処方加算２.
    pub fn counts_for_two(self) -> bool {
        self == Self::AdditionOneAndTwo
    }
}

/// What the engine needs from one 医薬品マスター row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugFacts {
    /// 項番3 医薬品コード.
    pub code: String,
    /// 項番5 漢字名称.
    pub name: String,
    /// 項番10 単位 (錠, g, mL …).
    pub unit: String,
    /// 項番11 金額種別: only 金額 is priced; a 減点 or 歯科 row is refused
    /// ([`BillingError::PriceKindNotSupported`](super::BillingError::PriceKindNotSupported)).
    pub price_kind: DrugPriceKind,
    /// 項番12 新又は現金額 (薬価 per unit), exact.
    pub price: Sen,
    /// 項番28 剤形.
    pub form: DosageForm,
    /// 項番39 一般名処方加算対象区分.
    pub generic_rx: GenericRxClass,
    /// 項番37 一般名コード (empty when the row has none): 一般名処方加算 counts 品目 by it.
    pub generic_code: String,
    /// 項番14 麻薬・毒薬・覚醒剤原料・向精神薬: any of them earns 麻薬等加算 (F000 注, F100 注2).
    pub controlled: crate::masters::ControlledClass,
    /// 項番30 変更年月日.
    pub valid_from: Option<Date>,
    /// Last day usable: the earlier of 項番31 廃止年月日 and 項番34 経過措置年月日 (after the
    /// 経過措置 an item cannot be billed); `None` = open.
    pub valid_until: Option<Date>,
}

impl DrugFacts {
    /// A 金額 row with every other fact neutral.
    pub fn new(code: &str, name: &str, unit: &str, price: Sen, form: DosageForm) -> DrugFacts {
        DrugFacts {
            code: code.to_string(),
            name: name.to_string(),
            unit: unit.to_string(),
            price_kind: DrugPriceKind::Amount,
            price,
            form,
            generic_rx: GenericRxClass::NotListed,
            generic_code: String::new(),
            controlled: crate::masters::ControlledClass::None,
            valid_from: None,
            valid_until: None,
        }
    }

    pub(crate) fn in_force_on(&self, date: Date) -> bool {
        in_force(self.valid_from, self.valid_until, date)
    }
}

/// What the engine needs from one 特定器材マスター row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialFacts {
    /// 項番3 特定器材コード.
    pub code: String,
    /// 項番5 漢字名称.
    pub name: String,
    /// 項番10 単位.
    pub unit: String,
    /// 項番11 金額種別: only 金額 is priced; 購入価格, ％加算 and 乗算割合 rows are refused
    /// ([`BillingError::PriceKindNotSupported`](super::BillingError::PriceKindNotSupported)).
    pub price_kind: MaterialPriceKind,
    /// 項番12 新又は現金額 (材料価格 per unit), exact.
    pub price: Sen,
    /// 項番28 変更年月日.
    pub valid_from: Option<Date>,
    /// Last day usable: the earlier of 項番30 廃止年月日 and 項番29 経過措置年月日.
    pub valid_until: Option<Date>,
}

impl MaterialFacts {
    /// A 金額 row.
    pub fn new(code: &str, name: &str, unit: &str, price: Sen) -> MaterialFacts {
        MaterialFacts {
            code: code.to_string(),
            name: name.to_string(),
            unit: unit.to_string(),
            price_kind: MaterialPriceKind::Amount,
            price,
            valid_from: None,
            valid_until: None,
        }
    }

    pub(crate) fn in_force_on(&self, date: Date) -> bool {
        in_force(self.valid_from, self.valid_until, date)
    }
}

fn in_force(from: Option<Date>, until: Option<Date>, date: Date) -> bool {
    from.is_none_or(|f| f <= date) && until.is_none_or(|u| date <= u)
}

/// An in-memory catalog: the rows of one date of service loaded from the masters (the server and
/// the app fill it: [`MemoryCatalog::from_histories`], [`MemoryCatalog::add_procedure_fields`] …),
/// or a small fixed set for tests. It ignores the date: it holds exactly the rows it was given,
/// in force or not.
#[derive(Debug, Clone, Default)]
pub struct MemoryCatalog {
    procedures: HashMap<String, ProcedureFacts>,
    drugs: HashMap<String, DrugFacts>,
    materials: HashMap<String, MaterialFacts>,
}

impl MemoryCatalog {
    pub fn new() -> MemoryCatalog {
        MemoryCatalog::default()
    }

    /// Adds or replaces a row.
    pub fn with_procedure(mut self, facts: ProcedureFacts) -> MemoryCatalog {
        self.insert_procedure(facts);
        self
    }

    pub fn with_drug(mut self, facts: DrugFacts) -> MemoryCatalog {
        self.insert_drug(facts);
        self
    }

    pub fn with_material(mut self, facts: MaterialFacts) -> MemoryCatalog {
        self.insert_material(facts);
        self
    }

    pub fn insert_procedure(&mut self, facts: ProcedureFacts) {
        self.procedures.insert(facts.code.clone(), facts);
    }

    pub fn insert_drug(&mut self, facts: DrugFacts) {
        self.drugs.insert(facts.code.clone(), facts);
    }

    pub fn insert_material(&mut self, facts: MaterialFacts) {
        self.materials.insert(facts.code.clone(), facts);
    }

    /// Removes a procedure row (to test what the engine does without it).
    pub fn without_procedure(mut self, code: &str) -> MemoryCatalog {
        self.procedures.remove(code);
        self
    }

    /// Every procedure row held, in no particular order.
    pub fn procedures(&self) -> impl Iterator<Item = &ProcedureFacts> {
        self.procedures.values()
    }

    /// Every drug row held, in no particular order.
    pub fn drugs(&self) -> impl Iterator<Item = &DrugFacts> {
        self.drugs.values()
    }

    /// Every material row held, in no particular order.
    pub fn materials(&self) -> impl Iterator<Item = &MaterialFacts> {
        self.materials.values()
    }
}

impl Catalog for MemoryCatalog {
    fn procedure(&self, code: &str) -> Option<ProcedureFacts> {
        self.procedures.get(code).cloned()
    }
    fn drug(&self, code: &str) -> Option<DrugFacts> {
        self.drugs.get(code).cloned()
    }
    fn material(&self, code: &str) -> Option<MaterialFacts> {
        self.materials.get(code).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn rows_are_in_force_between_their_dates() {
        let mut f = ProcedureFacts::with_points("111703170", "x", 3, Section::InitialRevisit, 110);
        f.valid_until = Some(date!(2024 - 11 - 30));
        assert!(f.in_force_on(date!(2024 - 11 - 30)));
        assert!(!f.in_force_on(date!(2024 - 12 - 01)));
        f.valid_from = Some(date!(2024 - 06 - 01));
        assert!(!f.in_force_on(date!(2024 - 05 - 31)));
    }
}
