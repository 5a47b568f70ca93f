//! 投薬 (第5部): 院内 — 処方料, 調剤料, 調剤技術基本料, 薬剤料 per 剤; 院外 — 処方箋料,
//! 一般名処方加算; both — 特定疾患処方管理加算 and the 7種類以上 rules.

use super::procedures::{contents_of_drugs, drug, fine_yen, to_points};
use super::src;
use crate::billing::catalog::{Catalog, DrugFacts};
use crate::billing::codes::*;
use crate::billing::engine::{Pricing, MAX_REPEAT};
use crate::billing::money::Points;
use crate::billing::money::{drug_points_fine, fine_amount, percent_of, Quantity, FINE_PER_YEN};
use crate::billing::priced::PricedLine;
use crate::billing::priced::{BillingError, LineKind, WarningCode};
use crate::billing::section::Section;
use crate::billing::visit::{Dispensing, FacilityKind, Prescription, Rp, RpDrug};
use crate::masters::DosageForm;
use std::collections::BTreeSet;

/// 7種類以上の内服薬 (F100 処方料 29点, F200 注2 薬剤料 90/100, F400 処方箋料 32点).
pub(crate) const MANY_DRUG_KINDS: usize = 7;
/// "臨時の投薬であって、投薬期間が2週間以内のもの" is not counted (F200 注2).
pub(crate) const TEMPORARY_DAYS_EXCLUDED: u32 = 14;
/// "薬剤料に掲げる所定単位当たりの薬価が 205 円以下の場合には、１種類とする" (留意事項 F200(6)ア(ニ),
/// 保医発0305第4号 別添1, 令和6年3月5日; F100(4) and F400(6) count kinds the same way).
pub(crate) const ONE_KIND_THRESHOLD_YEN: i128 = 205;
/// 特定疾患処方管理加算: "薬剤の処方期間が28日以上の処方を行った場合は…月１回に限り、１処方につき
/// 56点" (F100 注5 / F400 注4, 令和6年度 告示 別表第一; 留意事項 F100(9)ウ: not every drug needs 28日).
pub(crate) const SPECIFIC_DISEASE_MIN_DAYS: u32 = 28;

/// One Rp with its drugs looked up and its 所定単位 amount (1日分・1回分・1調剤) exact.
struct PricedRp<'v> {
    number: usize,
    rp: &'v Rp,
    drugs: Vec<(DrugFacts, Quantity)>,
    generic: Vec<bool>,
    amount: i128,
}

impl PricedRp<'_> {
    /// Counts towards 7種類以上 (and takes the 90/100): 内服, not 臨時 of ≤ 14 days.
    fn counts_for_many_kinds(&self) -> bool {
        match self.rp {
            Rp::Internal {
                days, temporary, ..
            } => !(*temporary && *days <= TEMPORARY_DAYS_EXCLUDED),
            _ => false,
        }
    }
}

pub(crate) fn prescription<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
) -> Result<(), BillingError> {
    let visit = p.visit;
    let Some(rx) = &visit.prescription else {
        return Ok(());
    };
    if rx.rps.is_empty() {
        return Ok(());
    }
    let rps = resolve(p, rx)?;
    let kinds = internal_kinds(&rps);
    let many = kinds >= MANY_DRUG_KINDS;
    prescribing_fee(p, rx.dispensing, kinds, many)?;
    match rx.dispensing {
        Dispensing::InHouse => in_house(p, rx, &rps, many),
        Dispensing::Outside => outside(p, rx, &rps),
    }
}

fn resolve<'v, C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    rx: &'v Prescription,
) -> Result<Vec<PricedRp<'v>>, BillingError> {
    let mut out = Vec::with_capacity(rx.rps.len());
    for (i, rp) in rx.rps.iter().enumerate() {
        let number = i + 1;
        let repeat = match rp {
            Rp::Internal { days, .. } => Some(*days),
            Rp::AsNeeded { times, .. } => Some(*times),
            Rp::External { .. } => None,
        };
        if let Some(n) = repeat {
            if n == 0 {
                return Err(BillingError::ZeroDays { rp: number });
            }
            if n > MAX_REPEAT {
                return Err(BillingError::DaysTooLarge {
                    rp: number,
                    days: n,
                });
            }
        }
        let list: &[RpDrug] = rp.drugs();
        if list.is_empty() {
            return Err(BillingError::EmptyRp { rp: number });
        }
        let mut drugs = Vec::with_capacity(list.len());
        let mut generic = Vec::with_capacity(list.len());
        for d in list {
            let facts = drug(p, &d.code, d.quantity)?;
            let expected = match rp {
                Rp::External { .. } => DosageForm::External,
                _ => DosageForm::Internal,
            };
            if facts.form != expected {
                p.warn(
                    WarningCode::DrugFormMismatch,
                    Some(&facts.code),
                    format!(
                        "Rp{number}: {} は{}です（{}として処方）",
                        facts.name,
                        facts.form.label_ja(),
                        expected.label_ja()
                    ),
                    false,
                );
            }
            drugs.push((facts, d.quantity));
            generic.push(d.generic_name);
        }
        let amount = drugs.iter().map(|(f, q)| fine_amount(f.price, *q)).sum();
        out.push(PricedRp {
            number,
            rp,
            drugs,
            generic,
            amount,
        });
    }
    Ok(out)
}

/// 種類 of 内服薬 for the 7種類以上 rules: each 銘柄 counts once; a 剤 whose 1日分 is 205円 or
/// less counts as one 種類 whatever it holds; 臨時 ≤ 14 days is left out.
fn internal_kinds(rps: &[PricedRp<'_>]) -> usize {
    let mut brands = BTreeSet::new();
    let mut small = 0;
    for rp in rps.iter().filter(|r| r.counts_for_many_kinds()) {
        if rp.amount <= ONE_KIND_THRESHOLD_YEN * FINE_PER_YEN {
            small += 1;
        } else {
            brands.extend(rp.drugs.iter().map(|(f, _)| f.code.as_str()));
        }
    }
    small + brands.len()
}

/// The first line of a prescription: F100 処方料 (院内; 1処方につき 42点, 7種類以上の内服薬
/// 29点) or F400 処方箋料 (院外; リフィル以外・その他 60点, 7種類以上の内服薬 32点).
fn prescribing_fee<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    dispensing: Dispensing,
    kinds: usize,
    many: bool,
) -> Result<bool, BillingError> {
    let (code, seven_code, what, source) = match dispensing {
        Dispensing::InHouse => (PRESCRIBING, PRESCRIBING_SEVEN, "院内処方", src::F100),
        Dispensing::Outside => (RX_SLIP, RX_SLIP_SEVEN, "院外処方箋を交付", src::F400),
    };
    if many {
        let reason = format!("{what}（内服薬{kinds}種類、7種類以上）");
        p.add_rule(seven_code, 1, reason, source)
    } else {
        p.add_rule(code, 1, what.to_string(), source)
    }
}

fn in_house<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    rx: &Prescription,
    rps: &[PricedRp<'_>],
    many: bool,
) -> Result<(), BillingError> {
    // F000 調剤料 (入院外): 内服・屯服 11点 / 外用 8点, 1回の処方に係る調剤につき.
    if rps
        .iter()
        .any(|r| matches!(r.rp, Rp::Internal { .. } | Rp::AsNeeded { .. }))
    {
        p.add_rule(
            DISPENSING_INTERNAL,
            1,
            "内服薬・屯服薬の調剤（1処方につき）".into(),
            src::F000,
        )?;
    }
    if rps.iter().any(|r| matches!(r.rp, Rp::External { .. })) {
        p.add_rule(
            DISPENSING_EXTERNAL,
            1,
            "外用薬の調剤（1処方につき）".into(),
            src::F000,
        )?;
    }
    narcotic_addition(p, rps)?;
    dispensing_basic(p)?;
    let first_internal = p.lines.len();
    for rp in rps {
        drug_fee(p, rp)?;
    }
    if many {
        many_kinds_reduction(p, first_internal)?;
    }
    specific_disease(p, rx, SPECIFIC_DISEASE_RX)
}

/// F200 注3: with 7種類以上の内服薬 (外来, 臨時で2週間以内のものを除いて数える) the 内服薬の薬剤料 is
/// "所定点数の100分の90", and "「注３」の「所定点数」とは、１処方のうちの全ての内服薬の薬剤料をいう"
/// (留意事項 F200(6)イ): the 内服 剤 lines (from `from` on) are summed and reduced once, rounded
/// half up (1点未満四捨五入); the reduction is its own line, so each 剤 still shows what it costs.
fn many_kinds_reduction<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    from: usize,
) -> Result<(), BillingError> {
    let total: i64 = p.lines[from..]
        .iter()
        .filter(|l| l.kind == LineKind::Drug && l.aggregation == 210)
        .map(|l| l.points.0)
        .sum();
    if total == 0 {
        return Ok(());
    }
    let reduced = percent_of(Points(total), 90);
    let minus = Points(reduced.0 - total);
    p.lines.push(PricedLine {
        kind: LineKind::Drug,
        code: String::new(),
        name: "内服薬 7種類以上による減額（所定点数の100分の90）".into(),
        section: Section::Medication,
        aggregation: 210,
        unit_points: minus,
        count: 1,
        points: minus,
        reason: format!(
            "7種類以上の内服薬：内服薬の薬剤料 合計{total}点 × 90/100 = {}点（{}点）",
            reduced.0, minus.0
        ),
        source: src::F200_SEVEN.to_string(),
        contents: Vec::new(),
    });
    Ok(())
}

/// 麻薬等加算 (F000 注 調剤料, F100 注2 処方料; 院内, 1処方につき 1点 each) when the prescription
/// holds a 麻薬, 向精神薬, 覚醒剤原料 or 毒薬 (医薬品マスター 項番14).
fn narcotic_addition<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    rps: &[PricedRp<'_>],
) -> Result<(), BillingError> {
    use crate::masters::ControlledClass;
    let Some(drug) = rps
        .iter()
        .flat_map(|rp| rp.drugs.iter())
        .map(|(f, _)| f)
        .find(|f| f.controlled != ControlledClass::None)
    else {
        return Ok(());
    };
    let what = match drug.controlled {
        ControlledClass::Narcotic => "麻薬",
        ControlledClass::Poison => "毒薬",
        ControlledClass::StimulantPrecursor => "覚醒剤原料",
        _ => "向精神薬",
    };
    let reason = format!("{}（{what}）を処方", drug.name);
    p.add_rule(NARCOTIC_PRESCRIBING, 1, reason.clone(), src::NARCOTIC)?;
    p.add_rule(NARCOTIC_DISPENSING, 1, reason, src::NARCOTIC)?;
    Ok(())
}

/// F500 調剤技術基本料 (その他) 14点: 院内処方, 薬剤師が常勤, 月1回.
fn dispensing_basic<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) -> Result<(), BillingError> {
    if !p.visit.facility.standards.pharmacist_full_time {
        p.note(
            "dispensing_basic_no_pharmacist",
            Some(DISPENSING_BASIC),
            "常勤の薬剤師がいないため調剤技術基本料は算定しません".into(),
        );
        return Ok(());
    }
    if p.billed_this_month(&[DISPENSING_BASIC]) {
        p.note(
            "dispensing_basic_already_billed",
            Some(DISPENSING_BASIC),
            "調剤技術基本料は今月算定済みのため算定しません（月1回）".into(),
        );
        return Ok(());
    }
    p.add_rule(
        DISPENSING_BASIC,
        1,
        "薬剤師が常勤し院内で調剤（月1回）".into(),
        src::F500,
    )?;
    Ok(())
}

/// F200 薬剤料 of one 剤: 内服 1剤1日分 × 日数, 屯服 1回分 × 回数, 外用 1調剤. (With 7種類以上
/// the reduction is taken once over all 内服 剤: [`many_kinds_reduction`].)
fn drug_fee<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    rp: &PricedRp<'_>,
) -> Result<(), BillingError> {
    let base = to_points(drug_points_fine(rp.amount))?;
    let contents = contents_of_drugs(&rp.drugs);
    let (aggregation, count, unit, reason, source) = match rp.rp {
        Rp::Internal { days, .. } => (
            210,
            *days,
            base,
            format!(
                "Rp{} 内服薬 1日分 {} → {}点 × {}日",
                rp.number,
                fine_yen(rp.amount),
                base.0,
                days
            ),
            src::F200,
        ),
        Rp::AsNeeded { times, .. } => (
            220,
            *times,
            base,
            format!(
                "Rp{} 屯服薬 1回分 {} → {}点 × {}回",
                rp.number,
                fine_yen(rp.amount),
                base.0,
                times
            ),
            src::F200,
        ),
        Rp::External { .. } => (
            230,
            1,
            base,
            format!(
                "Rp{} 外用薬 1調剤 {} → {}点",
                rp.number,
                fine_yen(rp.amount),
                base.0
            ),
            src::F200,
        ),
    };
    p.push_goods(
        LineKind::Drug,
        Section::Medication,
        aggregation,
        unit,
        count,
        contents,
        reason,
        source,
    )
}

fn outside<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    rx: &Prescription,
    rps: &[PricedRp<'_>],
) -> Result<(), BillingError> {
    generic_name_addition(p, rps)?;
    specific_disease(p, rx, SPECIFIC_DISEASE_SLIP)
}

/// 一般名処方加算 (F400 注6, 令和6年度 10点/8点; 留意事項 F400(12), 保医発0305第4号): 加算１ when
/// every 後発医薬品のある医薬品 of the 処方箋 (2品目以上) is written by its 一般名; otherwise 加算２
/// when at least one is. 品目 are counted by 一般的名称: the first 7 characters of the master's
/// 一般名コード (薬効分類 and 成分, distinct per 投与経路; 剤形 and 規格 follow), the 医薬品コード
/// when a row has none. Which drugs count: the
/// master's 一般名処方加算対象区分 (`GenericRxClass`: 1 and 2 for 加算１, only 2 for 加算２).
fn generic_name_addition<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    rps: &[PricedRp<'_>],
) -> Result<(), BillingError> {
    let mut counted = BTreeSet::new();
    let mut by_brand = BTreeSet::new();
    let mut written = BTreeSet::new();
    let mut earns_two = false;
    for rp in rps {
        for ((f, _), by_generic) in rp.drugs.iter().zip(&rp.generic) {
            if !f.generic_rx.counts_for_one() {
                continue;
            }
            // 一般的名称 = the code's first 7 characters (薬効分類 + 成分, which also tell 投与経路
            // apart); 剤形 and 規格 follow and do not make another 品目.
            let item = f.generic_code.get(..7).unwrap_or(f.code.as_str());
            counted.insert(item);
            if *by_generic {
                written.insert(item);
                earns_two |= f.generic_rx.counts_for_two();
            } else {
                by_brand.insert(item);
            }
        }
    }
    if counted.len() >= 2 && by_brand.is_empty() {
        p.add_rule(
            GENERIC_NAME_1,
            1,
            format!(
                "後発医薬品のある医薬品{}品目すべてを一般名で処方",
                counted.len()
            ),
            src::F400_GENERIC,
        )?;
    } else if earns_two {
        p.add_rule(
            GENERIC_NAME_2,
            1,
            format!(
                "後発医薬品のある医薬品{}品目のうち{}品目を一般名で処方",
                counted.len(),
                written.len()
            ),
            src::F400_GENERIC,
        )?;
    } else if !written.is_empty() {
        p.note(
            "generic_name_addition_two_not_eligible",
            None,
            "一般名で処方した医薬品は一般名処方加算１のみの対象（先発医薬品のない後発医薬品等）のため加算２は算定しません".into(),
        );
    }
    Ok(())
}

/// 特定疾患処方管理加算 (F100 注 / F400 注, 令和6年度 56点): 特定疾患を主病とする患者, 診療所
/// 又は200床未満の病院, 28日以上の処方, 月1回.
fn specific_disease<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    rx: &Prescription,
    code: &str,
) -> Result<(), BillingError> {
    if !rx.specific_disease {
        return Ok(());
    }
    if p.visit.facility.kind == FacilityKind::LargeHospital {
        p.note(
            "specific_disease_large_hospital",
            Some(code),
            "特定疾患処方管理加算は診療所又は200床未満の病院のみ算定できます".into(),
        );
        return Ok(());
    }
    let long = rx
        .rps
        .iter()
        .any(|r| matches!(r, Rp::Internal { days, .. } if *days >= SPECIFIC_DISEASE_MIN_DAYS));
    if !long {
        p.note(
            "specific_disease_short_prescription",
            Some(code),
            "28日以上の処方がないため特定疾患処方管理加算は算定しません".into(),
        );
        return Ok(());
    }
    if p.billed_this_month(&[SPECIFIC_DISEASE_RX, SPECIFIC_DISEASE_SLIP]) {
        p.note(
            "specific_disease_already_billed",
            Some(code),
            "特定疾患処方管理加算は今月算定済みのため算定しません（月1回）".into(),
        );
        return Ok(());
    }
    p.add_rule(
        code,
        1,
        "特定疾患を主病とする患者に28日以上の処方（月1回）".into(),
        src::F100_SPECIFIC,
    )?;
    Ok(())
}
