//! 検査 (第3部): 判断料 once a month per group, 検体検査管理加算(Ⅰ), and warnings for the
//! bundling rules not implemented yet.

use super::src;
use crate::billing::catalog::{Catalog, TestRole};
use crate::billing::codes::*;
use crate::billing::engine::Pricing;
use crate::billing::priced::{BillingError, WarningCode};
use crate::billing::section::Section;
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

/// 包括対象検査 (医科診療行為マスター 項番16) 1: the tests of D007 血液化学検査 1–8 (生化学的検査(Ⅰ)).
const BIOCHEMISTRY_I: u8 = 1;

/// D007 注: "患者から１回に採取した血液を用いて本区分の１から８までに掲げる検査を５項目以上行った場合は、
/// 所定点数にかかわらず、検査の項目数に応じて次に掲げる点数により算定する。イ ５項目以上７項目以下
/// 93点 ロ ８項目又は９項目 99点 ハ 10項目以上 103点" (令和6年度 告示 別表第一, from 2024-06-01;
/// 令和4年度 from 2022-04-01: 93/99/106). The tests are those the master marks 包括対象検査 1;
/// those of urine or other fluids (名称 （尿） （胸水） （髄液） （腹水）) are priced as D007 but
/// are not blood and are not counted. The visit's tests are taken as one blood draw. The bundled
/// points go on the group's last line (as a claim records a まるめ group); the others show 0 with
/// the reason.
pub(crate) fn biochemistry_bundle<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
) -> Result<(), BillingError> {
    use crate::billing::money::Points;
    let codes: BTreeSet<String> = p
        .ordered
        .iter()
        .filter(|f| f.inclusive_test == BIOCHEMISTRY_I && !not_blood(&f.name))
        .map(|f| f.code.clone())
        .collect();
    let n = codes.len();
    if n < 5 {
        return Ok(());
    }
    // More than one of the same test (count > 1, or entered twice) may mean more than one draw:
    // the bundle below counts one; the clerk is told.
    let repeated = p
        .lines
        .iter()
        .filter(|l| codes.contains(&l.code) && l.section == Section::Tests)
        .map(|l| l.count)
        .sum::<u32>() as usize
        > n;
    if repeated {
        p.warn(
            WarningCode::NotImplemented,
            None,
            "生化学的検査(Ⅰ)に同じ項目が複数あります。1回の採血として包括しています。別の採血の場合は点数を確認してください".into(),
            false,
        );
    }
    let day = p.visit.service_date;
    let reiwa6 = time::macros::date!(2024 - 06 - 01);
    let reiwa4 = time::macros::date!(2022 - 04 - 01);
    let bundled: i64 = match n {
        5..=7 => 93,
        8 | 9 => 99,
        _ if day >= reiwa6 => 103,
        _ if day >= reiwa4 => 106,
        _ => 0,
    };
    if day < reiwa4 {
        p.warn(
            WarningCode::NotImplemented,
            None,
            format!("生化学的検査(Ⅰ)が{n}項目あります。令和4年4月より前の包括点数は自動計算していません"),
            false,
        );
        return Ok(());
    }
    let indices: Vec<usize> = p
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| codes.contains(&l.code) && l.section == Section::Tests)
        .map(|(i, _)| i)
        .collect();
    let Some(&last) = indices.last() else {
        return Ok(());
    };
    for &i in &indices {
        let line = &mut p.lines[i];
        if i == last {
            line.unit_points = Points(bundled);
            line.count = 1;
            line.points = Points(bundled);
            line.reason = format!(
                "生化学的検査(Ⅰ) {n}項目の包括点数 {bundled}点（同一採血、この行にまとめて計上）"
            );
        } else {
            line.unit_points = Points(0);
            line.points = Points(0);
            line.reason =
                format!("生化学的検査(Ⅰ) {n}項目として包括（{bundled}点は最後の項目に計上）");
        }
        line.source = src::D007.to_string();
    }
    p.note(
        "biochemistry_bundle",
        None,
        format!("生化学的検査(Ⅰ)を{n}項目実施：各項目の点数によらず{bundled}点で算定（D007 注）"),
    );
    Ok(())
}

/// A D007 test of urine or another body fluid (its name says which), not of blood.
fn not_blood(name: &str) -> bool {
    ["（尿）", "（胸水）", "（髄液）", "（腹水）"]
        .iter()
        .any(|s| name.contains(s))
}

/// A002 注6: what 外来診療料 (一般病床200床以上の病院の再診) includes, by 区分 of the 告示 (部, 区分番号,
/// 枝番, and for 創傷処置 and 皮膚科軟膏処置 the 項番 of the sizes named):
/// - 検査: イ 尿検査 D000–D002-2, ロ 糞便検査 D003 (except カルプロテクチン（糞便）), ハ 血液形態・機能検査
///   D005 (except HbA1c, TK活性, TdT, 骨髄像, 造血器腫瘍細胞抗原検査);
/// - 処置: 創傷処置 J000 1 (100cm²未満) and 2 (100cm²以上500cm²未満), 皮膚科軟膏処置 J053 1
///   (100cm²以上500cm²未満), 膀胱洗浄 J060, 腟洗浄 J072, 眼処置 J086, 睫毛抜去 J089, 耳処置 J095,
///   耳管処置 J096, 鼻処置 J097, 口腔、咽頭処置 J098, 間接喉頭鏡下喉頭処置 J099, ネブライザ J114,
///   超音波ネブライザ J115, 介達牽引 J118, 消炎鎮痛等処置 J119.
///
/// Their 実施料 and 手技料 are not billed (0点 with the reason); drugs and materials used, 判断料 and
/// the 検体検査実施料 通則 加算 stay billable.
fn included_in_outpatient_clinic_fee(f: &crate::billing::catalog::ProcedureFacts) -> bool {
    let n = f.notice;
    match f.section {
        // 区分 000 of 第3部 also holds the 通則 rows (時間外緊急院内検査加算, 外来迅速検体検査加算,
        // 逓減, 減算), which stay billable: of D000 only 尿中一般物質定性半定量検査 itself. The
        // exceptions by 項番 (unique in the master): D003 9 カルプロテクチン（糞便）; D005 9 HbA1c,
        // 12 TK活性, 13 TdT, 14 骨髄像 (and its 特殊染色加算), 15 造血器腫瘍細胞抗原検査.
        Section::Tests => match (n.section, n.branch) {
            (0, 0) => f.code == URINE_GENERAL,
            (1, 0) | (2, 0 | 2) => true,
            (3, 0) => n.item != 9,
            (5, 0) => !matches!(n.item, 9 | 12..=15),
            _ => false,
        },
        Section::Treatment => matches!(
            (n.section, n.branch, n.item),
            (0, 0, 1 | 2)
                | (53, 0, 1)
                | (
                    60 | 72 | 86 | 89 | 95 | 96 | 97 | 98 | 99 | 114 | 115 | 118 | 119,
                    0,
                    _
                )
        ),
        _ => false,
    }
}

/// Applies A002 注6 when the visit is priced with 外来診療料 (see
/// [`included_in_outpatient_clinic_fee`]).
pub(crate) fn outpatient_clinic_fee_inclusions<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) {
    use crate::billing::money::Points;
    if !p
        .lines
        .iter()
        .any(|l| l.code == OUTPATIENT_CLINIC_FEE || l.code == CLINIC_FEE_TELEMEDICINE)
    {
        return;
    }
    let included: BTreeSet<String> = p
        .ordered
        .iter()
        .filter(|f| included_in_outpatient_clinic_fee(f))
        .map(|f| f.code.clone())
        .collect();
    // A row whose 区分 could not be read cannot be judged: say so rather than bill silently.
    let unknown: Vec<String> = p
        .ordered
        .iter()
        .filter(|f| {
            f.notice == crate::billing::catalog::Notice::UNKNOWN
                && matches!(f.section, Section::Tests | Section::Treatment)
        })
        .map(|f| f.name.clone())
        .collect();
    if !unknown.is_empty() {
        p.warn(
            WarningCode::NotImplemented,
            Some(OUTPATIENT_CLINIC_FEE),
            format!(
                "区分番号が不明なため外来診療料に包括されるか判定できません：{}",
                unknown.join("、")
            ),
            false,
        );
    }
    let mut names = Vec::new();
    for line in p.lines.iter_mut().filter(|l| {
        included.contains(&l.code) && matches!(l.section, Section::Tests | Section::Treatment)
    }) {
        line.unit_points = Points(0);
        line.points = Points(0);
        line.reason = "外来診療料に包括（A002 注6）".into();
        line.source = src::A002_INCLUDED.to_string();
        names.push(line.name.clone());
    }
    if !names.is_empty() {
        p.note(
            "outpatient_clinic_fee_inclusion",
            Some(OUTPATIENT_CLINIC_FEE),
            format!(
                "外来診療料に包括されるため算定しません：{}",
                names.join("、")
            ),
        );
    }
}

/// Bundling rules the engine does not apply yet; it says so instead of pricing silently wrong:
/// 包括対象検査 (項番16) other than 生化学的検査(Ⅰ) (see [`biochemistry_bundle`]), e.g. 腫瘍マーカー.
pub(crate) fn unsupported_bundling<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) {
    let mut by_group: BTreeMap<u8, usize> = BTreeMap::new();
    for f in p
        .ordered
        .iter()
        .filter(|f| f.inclusive_test != 0 && f.inclusive_test != BIOCHEMISTRY_I)
    {
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
}
