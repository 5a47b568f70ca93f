//! What the 領収証 prints in its 保険 columns: one row per 部 of 別紙様式1, in the form's order,
//! with the points of the 部 or blank (reference/receipts.md §1.2–§1.4). Pure, for the app's
//! printable 領収証 and for tests.

use super::money::Points;
use super::priced::PricedVisit;
use super::section::Section;

/// Every [`Section`] in 別紙様式1 order (the enum's order).
const ALL_SECTIONS: [Section; 16] = [
    Section::InitialRevisit,
    Section::Inpatient,
    Section::Management,
    Section::HomeCare,
    Section::Tests,
    Section::Imaging,
    Section::Medication,
    Section::Injection,
    Section::Rehabilitation,
    Section::Psychiatry,
    Section::Treatment,
    Section::Surgery,
    Section::Anesthesia,
    Section::Radiotherapy,
    Section::Pathology,
    Section::Other,
];

/// The 部 an outpatient (入院外) 領収証 always prints, in the order of 別紙様式1.
///
/// One form covers 入院 and 入院外; the 入院-only rows (入院料等, 診断群分類, 食事療養, 生活療養)
/// stay empty for outpatients, and a 部 the institution never bills may be left off its own
/// layout (疑義解釈 平成18年3月28日 その2 問2; receipts.md §1.3), so they are not printed here.
/// その他 receives 第2章第14部 (ベースアップ評価料 …); which row the 2024 form gives it is
/// UNVERIFIED (receipts.md §1.3), so it has a row of its own rather than being merged.
pub const OUTPATIENT_RECEIPT_SECTIONS: [Section; 15] = without_inpatient(ALL_SECTIONS);

/// `sections` with [`Section::Inpatient`] left out, in the same order.
const fn without_inpatient(sections: [Section; 16]) -> [Section; 15] {
    let mut out = [Section::Other; 15];
    let (mut from, mut to) = (0, 0);
    while from < sections.len() {
        if !matches!(sections[from], Section::Inpatient) {
            out[to] = sections[from];
            to += 1;
        }
        from += 1;
    }
    out
}

/// One 保険 row of the 領収証.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptRow {
    pub section: Section,
    /// The printed name of the 部 ([`Section::label_ja`]).
    pub label: &'static str,
    /// The 部's points; `None` when the visit has no line in it (printed blank). A 部 with
    /// lines that add up to 0点 (検体コード …) is `Some(Points(0))`.
    pub points: Option<Points>,
}

/// The 領収証's 保険 rows for `priced`: every 部 of [`OUTPATIENT_RECEIPT_SECTIONS`] in order,
/// with its subtotal from [`PricedVisit::sections`] or blank. A 部 outside that list (入院料等)
/// is printed in its place only when it has lines, so the rows always add up to 合計点数.
pub fn receipt_rows(priced: &PricedVisit) -> Vec<ReceiptRow> {
    let points_of = |section: Section| {
        priced
            .sections
            .iter()
            .filter(|s| s.section == section)
            .map(|s| s.points)
            .reduce(|a, b| a + b)
    };
    ALL_SECTIONS
        .into_iter()
        .filter_map(|section| {
            let points = points_of(section);
            (OUTPATIENT_RECEIPT_SECTIONS.contains(&section) || points.is_some()).then(|| {
                ReceiptRow {
                    section,
                    label: section.label_ja(),
                    points,
                }
            })
        })
        .collect()
}

/// An integer with thousands separators, as amounts are printed: `12345` → `12,345`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What the 明細書 adds after a line's name when its points were set by a bundling rule, so a
/// patient does not read one test as costing the whole bundle (or an included one as free).
pub fn statement_marker(line: &super::PricedLine) -> Option<&'static str> {
    if line.source.starts_with("D007 注") {
        Some("（生化学的検査(Ⅰ) 包括）")
    } else if line.source.starts_with("A002 注6") {
        Some("（外来診療料に包括）")
    } else if line.source.starts_with("B001-3 注2") {
        Some("（生活習慣病管理料（Ⅰ）に包括）")
    } else if line.source.starts_with("B001-3-3 注2") {
        Some("（生活習慣病管理料（Ⅱ）に包括）")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{Points, SectionTotal, ShareBreakdown, Yen};
    use time::macros::date;

    fn priced(sections: &[(Section, i64)]) -> PricedVisit {
        let total: i64 = sections.iter().map(|(_, p)| p).sum();
        PricedVisit {
            service_date: date!(2024 - 06 - 03),
            age: 45,
            lines: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
            sections: sections
                .iter()
                .map(|&(section, points)| SectionTotal {
                    section,
                    points: Points(points),
                })
                .collect(),
            total_points: Points(total),
            medical_fee: Yen(total * 10),
            share: ShareBreakdown {
                burden_tenths: 3,
                burden_rule: None,
                insurance_copay: Yen(0),
                insurer: Yen(0),
                public: Yen(0),
                patient: Yen(0),
            },
        }
    }

    fn labels(rows: &[ReceiptRow]) -> Vec<&'static str> {
        rows.iter().map(|r| r.label).collect()
    }

    const OUTPATIENT_LABELS: [&str; 15] = [
        "初・再診料",
        "医学管理等",
        "在宅医療",
        "検査",
        "画像診断",
        "投薬",
        "注射",
        "リハビリテーション",
        "精神科専門療法",
        "処置",
        "手術",
        "麻酔",
        "放射線治療",
        "病理診断",
        "その他",
    ];

    #[test]
    fn receipt_rows_list_every_outpatient_section_in_form_order_blank_when_unused() {
        let rows = receipt_rows(&priced(&[]));
        assert_eq!(labels(&rows), OUTPATIENT_LABELS);
        assert!(rows.iter().all(|r| r.points.is_none()));
    }

    #[test]
    fn receipt_rows_put_each_subtotal_on_its_section() {
        // 再診料 75 + 外来管理加算 52; 検査 21 + 判断料 125; 処方箋料 60; 検体 0点.
        let visit = priced(&[
            (Section::InitialRevisit, 127),
            (Section::Tests, 146),
            (Section::Medication, 60),
            (Section::Pathology, 0),
        ]);
        let rows = receipt_rows(&visit);
        assert_eq!(labels(&rows), OUTPATIENT_LABELS);
        let points: Vec<Option<i64>> = rows.iter().map(|r| r.points.map(|p| p.0)).collect();
        assert_eq!(
            points,
            [
                Some(127),
                None,
                None,
                Some(146),
                None,
                Some(60),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                Some(0),
                None,
            ]
        );
        let sum: i64 = rows.iter().filter_map(|r| r.points).map(|p| p.0).sum();
        assert_eq!(sum, visit.total_points.0);
    }

    #[test]
    fn receipt_rows_keep_an_inpatient_subtotal_in_its_place() {
        let visit = priced(&[(Section::InitialRevisit, 75), (Section::Inpatient, 1688)]);
        let rows = receipt_rows(&visit);
        assert_eq!(rows.len(), 16);
        assert_eq!(rows[1].section, Section::Inpatient);
        assert_eq!(rows[1].label, "入院料等");
        assert_eq!(rows[1].points, Some(Points(1688)));
        let sum: i64 = rows.iter().filter_map(|r| r.points).map(|p| p.0).sum();
        assert_eq!(sum, 75 + 1688);
    }

    #[test]
    fn receipt_rows_add_up_repeated_section_totals() {
        let visit = priced(&[(Section::Tests, 21), (Section::Tests, 125)]);
        let tests = receipt_rows(&visit)
            .into_iter()
            .find(|r| r.section == Section::Tests)
            .and_then(|r| r.points);
        assert_eq!(tests, Some(Points(146)));
    }

    #[test]
    fn thousands_groups_digits_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12345), "12,345");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-4321), "-4,321");
        assert_eq!(thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }
}
