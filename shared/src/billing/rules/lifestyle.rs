//! 生活習慣病管理料 (B001-3 (Ⅰ), B001-3-3 (Ⅱ), 令和6年度改定 2024-06-01): what they include.
//! Source: 診療報酬の算定方法 別表第一 B001-3 注2 and B001-3-3 注2, 注5 (令和6年厚生労働省告示第57号;
//! MHLW 001218731.pdf p.109-110).
//!
//! - (Ⅰ) 注2: for a patient under 生活習慣病管理, A001 注8 (外来管理加算), 第1部 医学管理等 except
//!   B001 20 糖尿病合併症管理料, 22 がん性疼痛緩和指導管理料, 24 外来緩和ケア管理料, 27 糖尿病透析
//!   予防指導管理料 and 37 慢性腎臓病透析予防指導管理料, 第3部 検査, 第6部 注射 and 第13部 病理診断
//!   are included.
//! - (Ⅱ) 注2: A001 注8 and 第1部第1節 医学管理等 except B001 9 外来栄養食事指導料, 11 集団栄養食事
//!   指導料, 20, 22, 24, 27, 37, B001-3-2 ニコチン依存症管理料, B001-9 療養・就労両立支援指導料,
//!   B005-14 プログラム医療機器等指導管理料, B009 診療情報提供料(Ⅰ), B009-2 電子的診療情報評価料,
//!   B010 診療情報提供料(Ⅱ), B010-2 診療情報連携共有料, B011 連携強化診療情報提供料 and B011-3
//!   薬剤情報提供料 are included (検査 and 注射 are not).
//! - (Ⅱ) 注5: not within 6 months from the month (Ⅰ) was billed (the server's history reaches
//!   back five months before the month of service).
//!
//! Read per calendar month: on a visit of a month in which the 管理料 is billed (this visit or an
//! earlier one), the included lines are shown at 0点 with the reason. Items billed on earlier
//! visits of the month before the 管理料 are not re-priced here; the clerk is told to correct them.
//! 外来管理加算 is refused in `basic::outpatient_management`.

use super::src;
use crate::billing::catalog::{Catalog, Notice};
use crate::billing::codes::{LIFESTYLE_I, LIFESTYLE_II, OUTPATIENT_MANAGEMENT};
use crate::billing::engine::Pricing;
use crate::billing::money::Points;
use crate::billing::priced::WarningCode;
use crate::billing::section::Section;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    One,
    Two,
}

/// 区分番号 of the master (項番92-94) as (区分, 枝番, 項番): B001 N is (1, 0, N); the B001-3 family
/// is (1, 3, _) with 1 = (Ⅰ), 2 = 血糖自己測定指導加算, 3 = 外来データ提出加算, 4 = B001-3-2
/// ニコチン依存症管理料, 6・7 = (Ⅱ) (s_ALL20240531).
fn not_included(kind: Kind, n: Notice) -> bool {
    let b001 = |items: &[u16]| n.section == 1 && n.branch == 0 && items.contains(&n.item);
    let own = n.section == 1 && n.branch == 3 && matches!(n.item, 1 | 2 | 3 | 6 | 7);
    match kind {
        Kind::One => own || b001(&[20, 22, 24, 27, 37]),
        // B001-3-2 ニコチン依存症管理料 is (1, 3, 4) and its 施設基準不適合減算 (1, 3, 5).
        Kind::Two => {
            own || b001(&[9, 11, 20, 22, 24, 27, 37])
                || (n.section == 1 && n.branch == 3 && matches!(n.item, 4 | 5))
                || matches!(
                    (n.section, n.branch),
                    (1, 9) | (5, 14) | (9, 0) | (9, 2) | (10, 0) | (10, 2) | (11, 0) | (11, 3)
                )
        }
    }
}

fn included(kind: Kind, section: Section, notice: Notice) -> bool {
    match (kind, section) {
        (_, Section::Management) => !not_included(kind, notice),
        (Kind::One, Section::Tests | Section::Injection | Section::Pathology) => true,
        _ => false,
    }
}

/// 生活習慣病管理料 (Ⅰ) or (Ⅱ) itself.
fn is_management(code: &str) -> bool {
    LIFESTYLE_I.contains(&code) || LIFESTYLE_II.contains(&code)
}

/// The 生活習慣病管理料 whose month this visit is in: ordered today (its name), or billed on an
/// earlier visit of the month.
pub(crate) fn covering_management<C: Catalog + ?Sized>(p: &Pricing<'_, C>) -> Option<String> {
    p.ordered
        .iter()
        .find(|f| is_management(&f.code))
        .map(|f| f.name.clone())
        .or_else(|| {
            (p.billed_this_month(LIFESTYLE_I) || p.billed_this_month(LIFESTYLE_II))
                .then(|| "今月算定した生活習慣病管理料".to_string())
        })
}

pub(crate) fn lifestyle_inclusions<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) {
    let today = |set: &[&str]| p.lines.iter().any(|l| set.contains(&l.code.as_str()));
    let (one_today, two_today) = (today(LIFESTYLE_I), today(LIFESTYLE_II));
    let one = one_today || p.billed_this_month(LIFESTYLE_I);
    let two = two_today || p.billed_this_month(LIFESTYLE_II);
    // 注5: "算定した日の属する月から起算して６月以内": that month and the five after it.
    if two_today && (one || p.billed_within_months(LIFESTYLE_I, 6)) {
        p.warn(
            WarningCode::Excluded,
            None,
            "生活習慣病管理料（Ⅰ）を算定した月から6月以内は生活習慣病管理料（Ⅱ）を算定できません（B001-3-3 注5）"
                .into(),
            false,
        );
    }
    let (kind, name, reason, source) = if one {
        (
            Kind::One,
            "生活習慣病管理料（Ⅰ）",
            "生活習慣病管理料（Ⅰ）に包括（B001-3 注2）",
            src::B001_3_INCLUDED,
        )
    } else if two {
        (
            Kind::Two,
            "生活習慣病管理料（Ⅱ）",
            "生活習慣病管理料（Ⅱ）に包括（B001-3-3 注2）",
            src::B001_3_3_INCLUDED,
        )
    } else {
        return;
    };
    let catalog = p.catalog;
    let notice_of = |code: &str| {
        catalog
            .procedure(code)
            .map_or(Notice::UNKNOWN, |f| f.notice)
    };
    let mut names = Vec::new();
    let mut unknown = Vec::new();
    for line in p.lines.iter_mut() {
        if is_management(&line.code) || line.points == Points(0) {
            continue;
        }
        let notice = notice_of(&line.code);
        // A 医学管理 row whose 区分 could not be read cannot be judged: say so, bill it.
        if line.section == Section::Management && notice == Notice::UNKNOWN {
            unknown.push(line.name.clone());
            continue;
        }
        if !included(kind, line.section, notice) {
            continue;
        }
        line.unit_points = Points(0);
        line.points = Points(0);
        line.reason = reason.into();
        line.source = source.to_string();
        names.push(line.name.clone());
    }
    if !unknown.is_empty() {
        p.warn(
            WarningCode::NotImplemented,
            None,
            format!(
                "区分番号が不明なため{name}に含まれるか判定できません：{}",
                unknown.join("、")
            ),
            false,
        );
    }
    if !names.is_empty() {
        p.note(
            "lifestyle_management_inclusion",
            None,
            format!("{name}に含まれるため算定しません：{}", names.join("、")),
        );
    }
    // Included items billed on earlier visits of the month, before the 管理料 was billed today.
    let earlier: Vec<String> = p
        .history
        .iter()
        .filter(|h| !is_management(&h.code))
        .filter_map(|h| {
            let f = p.catalog.procedure(&h.code)?;
            (h.code == OUTPATIENT_MANAGEMENT || included(kind, f.section, f.notice))
                .then(|| f.name.clone())
        })
        .collect();
    let first_time = (kind == Kind::One && one_today && !p.billed_this_month(LIFESTYLE_I))
        || (kind == Kind::Two && two_today && !p.billed_this_month(LIFESTYLE_II));
    if first_time && !earlier.is_empty() {
        p.warn(
            WarningCode::Excluded,
            None,
            format!(
                "今月の他の受診で算定した次の項目は{name}に含まれます。該当する会計を訂正してください：{}",
                earlier.join("、")
            ),
            false,
        );
    }
}
