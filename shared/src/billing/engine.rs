//! The pricing run: validate, apply the rules in a fixed order, total, split the share.
//! The rules themselves live in `rules/`; this file holds the shared context they write to.

use super::age::AgeLimitExt;
use super::catalog::{Catalog, FacilityRestriction, ProcedureFacts};
use super::codes;
use super::money::{Points, Quantity};
use super::priced::{
    BillingError, LineContent, LineKind, Note, PricedLine, PricedVisit, SectionTotal, Warning,
    WarningCode,
};
use super::rules;
use super::section::Section;
use super::visit::{FacilityKind, HistoryEntry, Visit};
use crate::domain::insurance::age_on;
use crate::masters::{AgeLimit, InOutScope, ScoreKind};
use std::collections::BTreeMap;
use time::Date;

/// Largest count, days or times accepted for one order (guards the arithmetic, not a rule).
pub(crate) const MAX_REPEAT: u32 = 999;
/// Largest quantity of one drug or material in one order: 1,000,000 units.
pub(crate) const MAX_QUANTITY: Quantity = Quantity::units(1_000_000);

/// Prices one outpatient visit.
///
/// `catalog` must answer with the master rows in force on `visit.service_date`. The result is
/// deterministic: the same visit and catalog give the same lines, in the same order, on every
/// platform. Items that cannot be priced (unknown or abolished codes, age out of range …) are
/// left out with a [`Warning`] whose `omitted` is set; input that makes the whole visit
/// meaningless (an unknown drug in an Rp, zero days, a catalog without 初診料 …) is a
/// [`BillingError`].
pub fn price_visit<C: Catalog + ?Sized>(
    visit: &Visit,
    catalog: &C,
) -> Result<PricedVisit, BillingError> {
    if visit.birth_date > visit.service_date {
        return Err(BillingError::BirthAfterService);
    }
    let (burden_tenths, burden_rule) = rules::share::burden(visit)?;
    let public = visit.public_expenses();
    rules::share::validate_public(&public)?;

    let mut p = Pricing::new(visit, catalog);
    rules::basic::basic_fee(&mut p)?;
    rules::basic::time_addition(&mut p)?;
    rules::basic::registered_additions(&mut p)?;
    rules::items::ordered_items(&mut p)?;
    rules::procedures::injections(&mut p)?;
    rules::procedures::treatments(&mut p)?;
    rules::medication::prescription(&mut p)?;
    rules::items::age_additions(&mut p)?;
    rules::basic::outpatient_management(&mut p)?;
    rules::lab::judgment_fees(&mut p)?;
    rules::lab::biochemistry_bundle(&mut p)?;
    rules::lab::outpatient_clinic_fee_inclusions(&mut p);
    rules::lifestyle::lifestyle_inclusions(&mut p);
    rules::lab::unsupported_bundling(&mut p);
    rules::limits::count_limits(&mut p);
    rules::limits::exclusions(&mut p);

    let Pricing {
        mut lines,
        warnings,
        notes,
        age,
        ..
    } = p;
    // 領収証 order; a stable sort keeps the rules' order within a 部.
    lines.sort_by_key(|l| l.section);

    let mut by_section: BTreeMap<Section, Points> = BTreeMap::new();
    let mut total = Points::ZERO;
    for line in &lines {
        total = total
            .checked_add(line.points)
            .ok_or(BillingError::Overflow)?;
        let s = by_section.entry(line.section).or_default();
        *s = s.checked_add(line.points).ok_or(BillingError::Overflow)?;
    }
    // Only a 点数（マイナス） line can make a total negative: a 減算 without what it reduces.
    if total.0 < 0 {
        return Err(BillingError::NegativeTotal { points: total.0 });
    }
    let share = rules::share::split(&lines, total, burden_tenths, burden_rule, &public)?;
    let medical_fee = total
        .0
        .checked_mul(super::money::YEN_PER_POINT)
        .map(super::money::Yen)
        .ok_or(BillingError::Overflow)?;

    Ok(PricedVisit {
        service_date: visit.service_date,
        age,
        lines,
        warnings,
        notes,
        sections: by_section
            .into_iter()
            .map(|(section, points)| SectionTotal { section, points })
            .collect(),
        total_points: total,
        medical_fee,
        share,
    })
}

/// What one pricing run has produced so far, and what the rules read.
pub(crate) struct Pricing<'a, C: Catalog + ?Sized> {
    pub catalog: &'a C,
    pub visit: &'a Visit,
    /// Age in years on the date of service.
    pub age: i32,
    /// `month_history` restricted to the calendar month of the service date.
    pub history: Vec<&'a HistoryEntry>,
    pub lines: Vec<PricedLine>,
    pub warnings: Vec<Warning>,
    pub notes: Vec<Note>,
    /// Facts of the 診療行為 ordered (items and 手技) that were priced, for cross-item rules.
    pub ordered: Vec<ProcedureFacts>,
    /// 外来管理加算 listed as an item (treated as a request).
    pub management_requested_by_item: bool,
    /// code → (上限回数, count on this visit, name), for every priced procedure line.
    pub counted: BTreeMap<String, (u16, u32, String)>,
}

impl<'a, C: Catalog + ?Sized> Pricing<'a, C> {
    fn new(visit: &'a Visit, catalog: &'a C) -> Self {
        let d = visit.service_date;
        let history = visit
            .month_history
            .iter()
            .filter(|h| h.date.year() == d.year() && h.date.month() == d.month())
            .collect();
        Pricing {
            catalog,
            visit,
            age: age_on(visit.birth_date, visit.service_date),
            history,
            lines: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
            ordered: Vec::new(),
            management_requested_by_item: false,
            counted: BTreeMap::new(),
        }
    }

    pub fn is_clinic(&self) -> bool {
        self.visit.facility.kind == FacilityKind::Clinic
    }

    /// Times any of `codes` was billed on earlier visits this month.
    pub fn history_count(&self, codes: &[&str]) -> u32 {
        self.history
            .iter()
            .filter(|h| codes.contains(&h.code.as_str()))
            .map(|h| h.count)
            .fold(0u32, u32::saturating_add)
    }

    pub fn billed_this_month(&self, codes: &[&str]) -> bool {
        self.history_count(codes) > 0
    }

    /// Whether one of `codes` was billed in the month of service or the `months - 1` calendar
    /// months before it ("3月に1回": this month and the two before; the history must reach back
    /// that far, as the server's does).
    pub fn billed_within_months(&self, codes: &[&str], months: u8) -> bool {
        let index = |d: Date| d.year() * 12 + i32::from(u8::from(d.month()));
        let now = index(self.visit.service_date);
        self.visit.month_history.iter().any(|h| {
            let m = index(h.date);
            m <= now && m > now - i32::from(months) && codes.contains(&h.code.as_str())
        })
    }

    pub fn warn(&mut self, code: WarningCode, item: Option<&str>, message: String, omitted: bool) {
        self.warnings.push(Warning {
            code,
            item: item.map(str::to_string),
            message,
            omitted,
        });
    }

    pub fn note(&mut self, rule: &str, item: Option<&str>, message: String) {
        self.notes.push(Note {
            rule: rule.to_string(),
            item: item.map(str::to_string),
            message,
        });
    }

    /// A row the rules need; its absence means the catalog is incomplete.
    pub fn required(&self, code: &str) -> Result<ProcedureFacts, BillingError> {
        self.catalog
            .procedure(code)
            .ok_or_else(|| BillingError::MissingMaster {
                code: code.to_string(),
            })
    }

    /// Adds a line for a code the rules decided on. Returns whether it was added (a row not in
    /// force on the date of service is reported and skipped).
    pub fn add_rule(
        &mut self,
        code: &str,
        count: u32,
        reason: String,
        source: &str,
    ) -> Result<bool, BillingError> {
        let facts = self.required(code)?;
        self.add_facts(facts, count, reason, source)
    }

    /// [`Self::add_rule`] for a code that later masters brought (a period's own code): when the
    /// catalog lacks it, the clerk is told to import the newer master and nothing is added.
    pub fn add_rule_if_present(
        &mut self,
        code: &str,
        count: u32,
        reason: String,
        source: &str,
    ) -> Result<bool, BillingError> {
        let Some(facts) = self.catalog.procedure(code) else {
            self.warn(
                WarningCode::UnknownCode,
                Some(code),
                format!(
                    "{code} が診療日のマスターにないため算定しません（新しい診療行為マスターを取り込んでください）"
                ),
                true,
            );
            return Ok(false);
        };
        self.add_facts(facts, count, reason, source)
    }

    /// The line of a row the rules decided on, if it is in force on the date of service.
    fn add_facts(
        &mut self,
        facts: ProcedureFacts,
        count: u32,
        reason: String,
        source: &str,
    ) -> Result<bool, BillingError> {
        if !facts.in_force_on(self.visit.service_date) {
            self.warn(
                WarningCode::NotInForce,
                Some(&facts.code),
                format!(
                    "{}（{}）は診療日に使用できないため算定しません（廃止または未施行）",
                    facts.name, facts.code
                ),
                true,
            );
            return Ok(false);
        }
        let Some(unit) = self.unit_points(&facts) else {
            return Ok(false);
        };
        self.push_procedure(&facts, unit, count, reason, source)?;
        Ok(true)
    }

    /// 点数 of a row by its 点数識別 (項番11, 別紙7-1):
    /// - 3 点数（プラス）: the 点数;
    /// - 8 点数（マイナス）: the 点数 subtracted, as a negative line (e.g. 111015370
    ///   "（選）病床数が２００以上の病院初診（２００点減算）" −200). `price_visit` refuses a
    ///   visit whose total would be negative;
    /// - 1 金額, 4 購入価格, 5 ％加算, 6 ％減算, 7 減点診療行為: not computed (they need the
    ///   amount, the purchase price or the item they apply to) — reported and left out.
    pub fn unit_points(&mut self, facts: &ProcedureFacts) -> Option<Points> {
        // 医科 points are whole; a fraction would be rounded half up.
        let whole = Points(facts.score.get().saturating_add(50).div_euclid(100));
        match facts.score_kind {
            ScoreKind::Points => Some(whole),
            ScoreKind::MinusPoints => Some(Points(-whole.0)),
            ScoreKind::Amount
            | ScoreKind::PurchasePrice
            | ScoreKind::PercentAdd
            | ScoreKind::PercentSub
            | ScoreKind::Deduction => {
                self.warn(
                    WarningCode::NotImplemented,
                    Some(&facts.code),
                    format!(
                        "{}（{}）は点数識別が「{}」のため自動計算していません",
                        facts.name,
                        facts.code,
                        facts.score_kind.label_ja()
                    ),
                    true,
                );
                None
            }
        }
    }

    pub fn push_procedure(
        &mut self,
        facts: &ProcedureFacts,
        unit: Points,
        count: u32,
        reason: String,
        source: &str,
    ) -> Result<(), BillingError> {
        let points = unit.checked_mul(count).ok_or(BillingError::Overflow)?;
        self.lines.push(PricedLine {
            kind: LineKind::Procedure,
            code: facts.code.clone(),
            name: facts.name.clone(),
            section: facts.section,
            aggregation: facts.aggregation,
            unit_points: unit,
            count,
            points,
            reason,
            source: source.to_string(),
            contents: Vec::new(),
        });
        let entry = self.counted.entry(facts.code.clone()).or_insert((
            facts.max_count,
            0,
            facts.name.clone(),
        ));
        entry.1 = entry.1.saturating_add(count);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn push_goods(
        &mut self,
        kind: LineKind,
        section: Section,
        aggregation: u16,
        unit: Points,
        count: u32,
        contents: Vec<LineContent>,
        reason: String,
        source: &str,
    ) -> Result<(), BillingError> {
        let points = unit.checked_mul(count).ok_or(BillingError::Overflow)?;
        let name = contents
            .iter()
            .map(|c| format!("{} {}{}", c.name, c.quantity, c.unit))
            .collect::<Vec<_>>()
            .join("、");
        let code = contents.first().map(|c| c.code.clone()).unwrap_or_default();
        self.lines.push(PricedLine {
            kind,
            code,
            name,
            section,
            aggregation,
            unit_points: unit,
            count,
            points,
            reason,
            source: source.to_string(),
            contents,
        });
        Ok(())
    }

    /// A 診療行為 ordered by the clerk or the doctor, if it is in the master and in force on the
    /// date of service; reported and `None` otherwise. Checked before anything else about an
    /// ordered code — also one the engine adds by itself or a 施設基準 names, so that an order
    /// of an abolished code is never silently replaced by the code of the day.
    pub fn ordered_in_force(&mut self, code: &str) -> Option<ProcedureFacts> {
        let Some(facts) = self.catalog.procedure(code) else {
            self.warn(
                WarningCode::UnknownCode,
                Some(code),
                format!(
                    "診療行為コード {code} は診療日のマスターにない（廃止・未施行を含む）ため算定しません"
                ),
                true,
            );
            return None;
        };
        let date = self.visit.service_date;
        if !facts.in_force_on(date) {
            let when = match (facts.valid_from, facts.valid_until) {
                (_, Some(u)) if date > u => {
                    format!("{}で廃止", crate::domain::japanese::format_date(u))
                }
                (Some(f), _) if date < f => {
                    format!("{}から施行", crate::domain::japanese::format_date(f))
                }
                _ => "診療日に使用不可".to_string(),
            };
            self.warn(
                WarningCode::NotInForce,
                Some(code),
                format!("{}（{code}）は{when}のため算定しません", facts.name),
                true,
            );
            return None;
        }
        Some(facts)
    }

    /// Looks up a 診療行為 ordered by the clerk or the doctor and checks whether it may be
    /// priced for this patient, facility and date. Reports and returns `None` when not.
    pub fn resolve_ordered(&mut self, code: &str) -> Option<(ProcedureFacts, Points)> {
        let facts = self.ordered_in_force(code)?;
        if facts.care_setting == InOutScope::InpatientOnly {
            self.warn(
                WarningCode::FacilityMismatch,
                Some(code),
                format!("{}（{code}）は入院のみの項目のため算定しません", facts.name),
                true,
            );
            return None;
        }
        let facility_ok = match facts.facility {
            FacilityRestriction::Any => true,
            FacilityRestriction::HospitalOnly => !self.is_clinic(),
            FacilityRestriction::ClinicOnly => self.is_clinic(),
        };
        if !facility_ok {
            let only = if facts.facility == FacilityRestriction::HospitalOnly {
                "病院"
            } else {
                "診療所"
            };
            self.warn(
                WarningCode::FacilityMismatch,
                Some(code),
                format!(
                    "{}（{code}）は{only}のみの項目のため算定しません",
                    facts.name
                ),
                true,
            );
            return None;
        }
        if let Some(problem) = self.age_problem(code, &facts.lower_age, &facts.upper_age) {
            self.warn(
                WarningCode::AgeOutOfRange,
                Some(code),
                format!(
                    "{}（{code}）は{problem}のため算定しません（{}歳）",
                    facts.name, self.age
                ),
                true,
            );
            return None;
        }
        let unit = self.unit_points(&facts)?;
        Some((facts, unit))
    }

    /// Master 下限年齢 ("≧") and 上限年齢 ("＜") against the patient's birth date. A code the
    /// engine cannot read ([`AgeLimit::Other`]) is not checked; the item is priced with a warning.
    fn age_problem(&mut self, code: &str, lower: &AgeLimit, upper: &AgeLimit) -> Option<String> {
        let (birth, on) = (self.visit.birth_date, self.visit.service_date);
        if lower.reached(birth, on) == Some(false) {
            return Some(format!("{}以上が対象", lower.label_ja()));
        }
        if upper.reached(birth, on) == Some(true) {
            return Some(format!("{}未満が対象", upper.label_ja()));
        }
        for limit in [lower, upper] {
            if let AgeLimit::Other(other) = limit {
                self.warn(
                    WarningCode::AgeOutOfRange,
                    Some(code),
                    format!(
                        "{code} の年齢コード「{other}」は判定できないため算定しています。年齢を確認してください"
                    ),
                    false,
                );
            }
        }
        None
    }

    pub fn is_managed(code: &str) -> bool {
        codes::ENGINE_MANAGED.contains(&code)
            || codes::JUDGMENT_FEES.iter().any(|(_, c)| *c == code)
    }
}
