//! 検査 (第3部): 判断料 once a month per group, 検体検査管理加算(Ⅰ), and warnings for the
//! bundling rules not implemented yet.

use super::src;
use crate::billing::catalog::{Catalog, TestRole};
use crate::billing::codes::*;
use crate::billing::engine::Pricing;
use crate::billing::priced::{BillingError, WarningCode};
use crate::billing::section::Section;
use crate::billing::visit::{FacilityKind, VisitKind};
use std::collections::{BTreeMap, BTreeSet};

/// D026 etc.: "各区分の検体検査判断料については、その区分に属する検体検査の種類及び回数にかかわらず、
/// 月1回に限り、初回検査の実施日に算定する" (2024 留意事項 D026; billing.md §2 rule 5). The group
/// comes from the master (項番50 = 1 実施料, 項番51 group). A group whose 判断料 is in
/// `month_history` this month is skipped with a note. 尿中一般物質定性半定量検査 has 項番50 = 0
/// and so never triggers one.
pub(crate) fn judgment_fees<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
) -> Result<(), BillingError> {
    let groups: BTreeSet<u8> = p
        .ordered
        .iter()
        .filter(|f| f.test_role == TestRole::Performance && f.test_group != 0)
        .map(|f| f.test_group)
        .collect();
    let mut specimen_judgment_billed = false;
    for group in groups {
        let Some(code) = judgment_fee_for(group) else {
            p.warn(
                WarningCode::NotImplemented,
                None,
                format!("検査等実施判断グループ{group}の判断料は自動算定に対応していません"),
                false,
            );
            continue;
        };
        if p.billed_this_month(&[code]) {
            let name = p.required(code)?.name;
            p.note(
                "judgment_fee_already_billed",
                Some(code),
                format!("{name}は今月算定済みのため算定しません（月1回）"),
            );
            continue;
        }
        let name = p.required(code)?.name;
        let added = p.add_rule(
            code,
            1,
            format!("{name}の対象となる検査を今月初めて実施（月1回）"),
            src::D026,
        )?;
        if added && SPECIMEN_JUDGMENT_GROUPS.contains(&group) {
            specimen_judgment_billed = true;
        }
    }
    lab_management(p, specimen_judgment_billed)
}

/// 検体検査管理加算(Ⅰ) 40点 (D026 注): 届出, 検体検査判断料を算定した場合, 患者1人につき月1回.
fn lab_management<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    specimen_judgment_billed: bool,
) -> Result<(), BillingError> {
    if !p.visit.facility.standards.lab_management_1 || !specimen_judgment_billed {
        return Ok(());
    }
    if p.billed_this_month(&[LAB_MANAGEMENT_1]) {
        p.note(
            "lab_management_already_billed",
            Some(LAB_MANAGEMENT_1),
            "検体検査管理加算(Ⅰ)は今月算定済みのため算定しません（月1回）".into(),
        );
        return Ok(());
    }
    p.add_rule(
        LAB_MANAGEMENT_1,
        1,
        "検体検査管理加算(Ⅰ)の届出あり、検体検査判断料を算定（月1回）".into(),
        src::D026_LAB,
    )?;
    Ok(())
}

/// Bundling rules the engine does not apply yet; it says so instead of pricing silently wrong.
/// - 包括対象検査 (項番16): e.g. 生化学的検査(Ⅰ) 5項目以上 まるめ (billing.md §4).
/// - 外来診療料 includes some 検査 and 処置 (A002 注; not modelled).
pub(crate) fn unsupported_bundling<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) {
    let mut by_group: BTreeMap<u8, usize> = BTreeMap::new();
    for f in p.ordered.iter().filter(|f| f.inclusive_test != 0) {
        *by_group.entry(f.inclusive_test).or_default() += 1;
    }
    let over: Vec<(u8, usize)> = by_group.into_iter().filter(|(_, n)| *n >= 5).collect();
    for (group, n) in over {
        p.warn(
            WarningCode::NotImplemented,
            None,
            format!(
                "包括対象検査（区分{group}）が{n}項目あります。包括点数（まるめ）は自動計算していないため、各項目の点数で算定しています"
            ),
            false,
        );
    }
    if p.visit.facility.kind == FacilityKind::LargeHospital
        && p.visit.kind == VisitKind::Revisit
        && p.lines
            .iter()
            .any(|l| matches!(l.section, Section::Tests | Section::Treatment))
    {
        p.warn(
            WarningCode::NotImplemented,
            Some(OUTPATIENT_CLINIC_FEE),
            "外来診療料に包括される検査・処置の判定は自動化していません。包括項目を確認してください".into(),
            false,
        );
    }
}
