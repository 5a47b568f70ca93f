//! The 領収証 and 診療明細書 of one outpatient visit (reference/receipts.md §1, §2): what they
//! print ([`ReceiptData`], built from a stored bill version) and their layout as a
//! [`PrintDoc`]. The app shows the same data on screen; the PDF is the copy handed over.

use super::{Block, Column, PrintDoc, Table};
use crate::api::billing::{BillContext, BillVersion};
use crate::billing::{receipt_rows, statement_marker, thousands, PricedVisit};
use crate::domain::japanese::{jst_timestamp, parse_date, wareki};

/// Everything the 領収証 and the 明細書 print for one visit.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptData {
    /// 医療機関の名称 (footer, next to the 領収印).
    pub institution_name: String,
    /// 医療機関の所在地 (footer); empty to leave it off.
    pub institution_address: String,
    pub patient_name: String,
    /// 患者番号.
    pub patient_number: String,
    /// 受診科; empty to leave it off.
    pub department: String,
    /// 診療日, `YYYY-MM-DD` (printed in 和暦).
    pub service_date: String,
    /// 保険の種類 and 本人/家族 as printed (費用区分, e.g. 「協会けんぽ 本人」).
    pub insurance: String,
    pub priced: PricedVisit,
    /// 保険外負担 (自費: 文書料, 予防接種 …), each with its name and amount; empty for none.
    pub non_insured: Vec<NonInsuredCharge>,
    /// 領収金額: the yen actually received.
    pub paid: i64,
    /// 発行日, `YYYY-MM-DD` (printed in 和暦).
    pub issued_on: String,
    /// 領収書No.
    pub receipt_number: String,
}

/// The visit's facts a 領収証 prints beside the bill.
#[derive(Debug, Clone, Copy)]
pub struct BillPatient<'a> {
    pub name: &'a str,
    pub number: &'a str,
    /// 受診科 (empty: none).
    pub department: &'a str,
    /// `YYYY-MM-DD`.
    pub service_date: &'a str,
    /// The insurance the bill was priced under; none for 公費単独.
    pub insurer_number: Option<&'a str>,
}

/// One 保険外負担 item: the notice wants each listed by name and amount (receipts.md §1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonInsuredCharge {
    pub name: String,
    /// Yen, tax included where taxable.
    pub yen: i64,
}

impl ReceiptData {
    /// What the 領収証 and 明細書 of the stored version `bill` of the visit `ctx` print: the
    /// same for the screen (the app) and the PDF (the server). Issued on the day the version
    /// was finalised (in Japan), numbered by the bill and its version.
    pub fn of(ctx: &BillContext, bill: &BillVersion, institution: &str) -> Self {
        Self::new(
            institution,
            BillPatient {
                name: &ctx.patient_name,
                number: &ctx.patient_number,
                department: &ctx.department,
                service_date: &ctx.service_date,
                insurer_number: ctx.insurer_number.as_deref(),
            },
            bill,
        )
    }

    /// As [`Self::of`], from the facts themselves (the server reads the insurance the bill
    /// was priced under).
    pub fn new(institution: &str, patient: BillPatient<'_>, bill: &BillVersion) -> Self {
        Self {
            institution_name: institution.to_string(),
            institution_address: String::new(),
            patient_name: patient.name.to_string(),
            patient_number: patient.number.to_string(),
            department: patient.department.to_string(),
            service_date: patient.service_date.to_string(),
            insurance: patient
                .insurer_number
                .map(|n| format!("保険者番号 {n}"))
                .unwrap_or_default(),
            priced: bill.priced.clone(),
            non_insured: Vec::new(),
            paid: bill.paid,
            issued_on: jst_timestamp(&bill.created_at)
                .and_then(|t| t.get(..10).map(str::to_string))
                .unwrap_or_default(),
            receipt_number: format!(
                "{}-{}",
                bill.bill_id.to_string().get(..8).unwrap_or(""),
                bill.version
            ),
        }
    }

    /// 保険外負担's total.
    pub fn non_insured_total(&self) -> i64 {
        self.non_insured.iter().map(|c| c.yen).sum()
    }

    /// The line under the totals when a 公費 paid part of the 一部負担金.
    pub fn public_note(&self) -> Option<String> {
        let share = self.priced.share;
        (share.public.0 > 0).then(|| {
            format!(
                "（保険の一部負担金 {} のうち公費負担 {}）",
                yen(share.insurance_copay.0),
                yen(share.public.0)
            )
        })
    }
}

/// `令和6年6月3日`, or the text as given when it is not a date.
pub fn japanese_date(iso: &str) -> String {
    parse_date(iso)
        .map(wareki)
        .unwrap_or_else(|| iso.to_string())
}

pub fn yen(n: i64) -> String {
    format!("{}円", thousands(n))
}

pub fn points(n: i64) -> String {
    format!("{}点", thousands(n))
}

/// The notice every 領収証 carries (receipts.md §1.1).
pub const TAX_NOTE: &str = "※厚生労働省が定める診療報酬や薬価等には、医療機関等が仕入れ時に負担する消費税が反映されています。";

/// The 明細書's closing line: it is issued free of charge.
pub const FREE_NOTE: &str = "※この明細書は無償で交付しています。";

fn patient_fields(d: &ReceiptData) -> Vec<(String, String)> {
    let mut rows = vec![
        ("患者番号".to_string(), d.patient_number.clone()),
        ("氏名".to_string(), format!("{} 様", d.patient_name)),
        ("診療日".to_string(), japanese_date(&d.service_date)),
    ];
    let visit = if d.department.is_empty() {
        "外来".to_string()
    } else {
        format!("外来（{}）", d.department)
    };
    rows.push(("入・外".to_string(), visit));
    rows
}

fn issuer(d: &ReceiptData) -> String {
    if d.institution_address.is_empty() {
        d.institution_name.clone()
    } else {
        format!("{}\n{}", d.institution_name, d.institution_address)
    }
}

/// 領収証 (別紙様式1): the 保険 points per 部 in rows of five, the totals, 一部負担金,
/// 保険外負担 and 領収金額.
pub fn receipt_print(d: &ReceiptData) -> PrintDoc {
    let share = d.priced.share;
    let mut blocks = vec![
        Block::Heading("領収証".into()),
        Block::Right(format!(
            "領収書No. {}\n発行日 {}",
            d.receipt_number,
            japanese_date(&d.issued_on)
        )),
    ];
    let mut fields = patient_fields(d);
    fields.push(("保険種別".into(), d.insurance.clone()));
    fields.push(("負担割合".into(), share.burden_label_ja()));
    blocks.push(Block::Fields(fields));
    blocks.push(Block::Space(1));
    blocks.push(Block::Text("保険（単位：点）".into()));
    for chunk in receipt_rows(&d.priced).chunks(5) {
        let mut columns: Vec<Column> = chunk.iter().map(|r| Column::right(r.label, 1)).collect();
        let mut values: Vec<String> = chunk
            .iter()
            .map(|r| r.points.map(|p| thousands(p.0)).unwrap_or_default())
            .collect();
        // Every row of the grid has five columns of the same width.
        while columns.len() < 5 {
            columns.push(Column::right("", 1));
            values.push(String::new());
        }
        blocks.push(Block::Table(Table {
            columns,
            rows: vec![values],
        }));
    }
    blocks.push(Block::Space(1));
    let non_insured = d.non_insured_total();
    blocks.push(Block::Table(Table {
        columns: vec![
            Column::left("", 1),
            Column::right("保険", 2),
            Column::right("保険外負担", 2),
        ],
        rows: vec![
            vec![
                "合計".into(),
                points(d.priced.total_points.0),
                yen(non_insured),
            ],
            vec!["負担額".into(), yen(share.patient.0), yen(non_insured)],
        ],
    }));
    if let Some(note) = d.public_note() {
        blocks.push(Block::Text(note));
    }
    if !d.non_insured.is_empty() {
        blocks.push(Block::Section {
            heading: "保険外負担の内訳".into(),
            body: d
                .non_insured
                .iter()
                .map(|c| format!("{} {}", c.name, yen(c.yen)))
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    blocks.push(Block::Space(1));
    blocks.push(Block::Large(format!("領収金額　{}", yen(d.paid))));
    blocks.push(Block::Space(1));
    blocks.push(Block::Text(TAX_NOTE.into()));
    blocks.push(Block::Space(1));
    blocks.push(Block::Right(issuer(d)));
    PrintDoc {
        title: format!("領収証 {}様", d.patient_name),
        date: d.issued_on.clone(),
        blocks,
        footer: format!(
            "領収証 No.{}　患者番号 {}　{}",
            d.receipt_number, d.patient_number, d.institution_name
        ),
        header: String::new(),
    }
}

/// 診療明細書 (別紙様式4): every priced line with its 部, name, points and count, the 部 named
/// on its first line; the heading row repeats on every page.
pub fn statement_print(d: &ReceiptData) -> PrintDoc {
    let mut rows = Vec::with_capacity(d.priced.lines.len() + 1);
    for (i, line) in d.priced.lines.iter().enumerate() {
        let first = i == 0 || d.priced.lines[i - 1].section != line.section;
        rows.push(vec![
            if first {
                line.section.label_ja().to_string()
            } else {
                String::new()
            },
            format!("{}{}", line.name, statement_marker(line).unwrap_or("")),
            thousands(line.unit_points.0),
            line.count.to_string(),
            thousands(line.points.0),
        ]);
    }
    rows.push(vec![
        String::new(),
        "合計".into(),
        String::new(),
        String::new(),
        thousands(d.priced.total_points.0),
    ]);
    let blocks = vec![
        Block::Heading("診療明細書".into()),
        Block::Right(issuer(d)),
        Block::Fields(patient_fields(d)),
        Block::Space(1),
        Block::Table(Table {
            columns: vec![
                Column::left("部", 3),
                Column::left("項目名", 9),
                Column::right("点数", 2),
                Column::right("回数", 1),
                Column::right("合計点数", 2),
            ],
            rows,
        }),
        Block::Space(1),
        Block::Text(FREE_NOTE.into()),
    ];
    PrintDoc {
        title: format!("診療明細書 {}様", d.patient_name),
        date: d.issued_on.clone(),
        blocks,
        footer: format!(
            "診療明細書 No.{}　患者番号 {}　{}",
            d.receipt_number, d.patient_number, d.institution_name
        ),
        header: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{
        LineKind, Points, PricedLine, Section, SectionTotal, ShareBreakdown, Yen,
    };
    use time::macros::date;

    fn line(code: &str, name: &str, section: Section, points: i64, count: u32) -> PricedLine {
        PricedLine {
            kind: LineKind::Procedure,
            code: code.into(),
            name: name.into(),
            section,
            aggregation: 0,
            unit_points: Points(points),
            count,
            points: Points(points * i64::from(count)),
            reason: String::new(),
            source: String::new(),
            contents: Vec::new(),
        }
    }

    fn data() -> ReceiptData {
        let lines = vec![
            line("112007410", "再診料", Section::InitialRevisit, 75, 1),
            line("112011310", "外来管理加算", Section::InitialRevisit, 52, 1),
            line("160008010", "末梢血液一般検査", Section::Tests, 21, 1),
        ];
        ReceiptData {
            institution_name: "見本クリニック".into(),
            institution_address: "東京都千代田区見本町1-1".into(),
            patient_name: "見本 太郎".into(),
            patient_number: "000123".into(),
            department: "内科".into(),
            service_date: "2024-06-03".into(),
            insurance: "保険者番号 01130012".into(),
            priced: PricedVisit {
                service_date: date!(2024 - 06 - 03),
                age: 45,
                lines,
                warnings: Vec::new(),
                notes: Vec::new(),
                sections: vec![
                    SectionTotal {
                        section: Section::InitialRevisit,
                        points: Points(127),
                    },
                    SectionTotal {
                        section: Section::Tests,
                        points: Points(21),
                    },
                ],
                total_points: Points(148),
                medical_fee: Yen(1480),
                share: ShareBreakdown {
                    burden_tenths: 3,
                    burden_rule: None,
                    insurance_copay: Yen(440),
                    insurer: Yen(1040),
                    public: Yen(0),
                    patient: Yen(440),
                },
            },
            non_insured: vec![NonInsuredCharge {
                name: "診断書".into(),
                yen: 3300,
            }],
            paid: 3740,
            issued_on: "2024-06-03".into(),
            receipt_number: "0a1b2c3d-1".into(),
        }
    }

    fn tables(doc: &PrintDoc) -> Vec<&Table> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_receipt_prints_every_section_with_its_points_and_the_totals() {
        let doc = receipt_print(&data());
        let grid = tables(&doc);
        // Fifteen 部 in rows of five, then the totals.
        assert_eq!(grid.len(), 4);
        assert_eq!(grid[0].columns[0].heading, "初・再診料");
        assert_eq!(grid[0].rows, vec![vec!["127", "", "", "21", ""]]);
        assert_eq!(grid[3].rows[0], vec!["合計", "148点", "3,300円"]);
        assert_eq!(grid[3].rows[1], vec!["負担額", "440円", "3,300円"]);
        let texts = doc.texts().join("\n");
        for expected in [
            "領収書No. 0a1b2c3d-1",
            "発行日 令和6年6月3日",
            "見本 太郎 様",
            "領収金額　3,740円",
            "診断書 3,300円",
            TAX_NOTE,
            "東京都千代田区見本町1-1",
        ] {
            assert!(texts.contains(expected), "{expected} in {texts}");
        }
        assert_eq!(doc.date, "2024-06-03");
    }

    #[test]
    fn the_statement_lists_every_line_under_its_section_and_the_total() {
        let doc = statement_print(&data());
        let table = tables(&doc)[0];
        assert_eq!(table.columns.len(), 5);
        assert_eq!(table.rows.len(), 4);
        assert_eq!(table.rows[0], vec!["初・再診料", "再診料", "75", "1", "75"]);
        // The 部 is named on its first line only.
        assert_eq!(table.rows[1][0], "");
        assert_eq!(table.rows[2][0], "検査");
        assert_eq!(table.rows[3], vec!["", "合計", "", "", "148"]);
        assert!(doc.texts().contains(&FREE_NOTE));
    }

    #[test]
    fn a_public_expense_is_stated_under_the_totals() {
        let mut d = data();
        d.priced.share.public = Yen(440);
        d.priced.share.patient = Yen(0);
        assert_eq!(
            d.public_note().as_deref(),
            Some("（保険の一部負担金 440円 のうち公費負担 440円）")
        );
        let doc = receipt_print(&d);
        assert!(doc
            .texts()
            .contains(&"（保険の一部負担金 440円 のうち公費負担 440円）"));
    }
}
