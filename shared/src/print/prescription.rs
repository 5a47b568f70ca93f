//! The 院外処方箋 (様式第二号, and 様式第二号の二 per split; `../shared/reference/prescriptions.md`
//! a.2) as a document, with its JAHIS 2次元シンボル ([`qr_symbol`]). The app shows the same sheet
//! on screen from the same lines ([`rx_lines`]) and symbol.

use super::{Block, Column, PrintDoc, Symbol, Table};
use crate::api::orders::{Leftover, PrescriptionIssue};
use crate::billing::Rp;
use crate::domain::japanese::{format_date, wareki};
use crate::domain::order::jahis::PrescriptionSheet;

/// Printed module size: 0.3 mm, above the 0.25 mm minimum of prescriptions.md b.3.
pub const QR_MODULE_UM: u32 = 300;

/// The quiet zone around the symbol, in modules (the QR standard's four).
const QUIET: usize = 4;

/// The QR symbol of `data` in 8-bit byte mode (the JAHIS data is Shift_JIS bytes), Model 2 at
/// error correction L (prescriptions.md b.3: L or higher; L holds the most), the smallest version
/// that holds it, with its quiet zone; `None` when even version 40 cannot.
pub fn qr_symbol(data: &[u8], caption: &str) -> Option<Symbol> {
    use qrcode::bits::Bits;
    use qrcode::{Color, EcLevel, QrCode, Version};
    let ec = EcLevel::L;
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        if bits.push_byte_data(data).is_err() || bits.push_terminator(ec).is_err() {
            continue;
        }
        let code = QrCode::with_bits(bits, ec).ok()?;
        let inner = code.width();
        let width = inner + 2 * QUIET;
        let colors = code.to_colors();
        let mut modules = vec![false; width * width];
        for (i, color) in colors.iter().enumerate() {
            let (x, y) = (i % inner + QUIET, i / inner + QUIET);
            modules[y * width + x] = *color == Color::Dark;
        }
        return Some(Symbol {
            width,
            modules,
            module_um: QR_MODULE_UM,
            caption: caption.to_string(),
        });
    }
    None
}

/// What the sheet says when the prescription does not fit a symbol.
pub const QR_TOO_LONG: &str = "処方内容が多く、2次元シンボルに収まりません（処方を分けてください）";

/// One line of the 処方 field, with its marks in the two columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RxLine {
    pub text: String,
    /// 変更不可（医療上必要）.
    pub no_substitution: bool,
    /// 患者希望.
    pub patient_wish: bool,
}

impl RxLine {
    fn plain(text: String) -> Self {
        Self {
            text,
            no_substitution: false,
            patient_wish: false,
        }
    }
}

/// The lines of the 処方 field: each Rp's drugs (【般】 for a 一般名処方) with their quantity and
/// unit, then its 用法 and days or times, then 以下余白. On a 分割指示 sheet (`split`: the days
/// of one split), 内服 shows this sheet's days and the total.
pub fn rx_lines(sheet: &PrescriptionSheet, split: Option<u32>) -> Vec<RxLine> {
    let mut out = Vec::new();
    for (i, o) in sheet.prescription.rps.iter().enumerate() {
        for (j, d) in o.rp.drugs().iter().enumerate() {
            let printed = sheet.drugs.get(i).and_then(|ds| ds.get(j));
            let name = printed
                .map(|p| p.name.clone())
                .unwrap_or_else(|| d.code.clone());
            let unit = printed.map(|p| p.unit.clone()).unwrap_or_default();
            let label = if j == 0 {
                format!("Rp{}", i + 1)
            } else {
                String::new()
            };
            out.push(RxLine {
                text: format!("{label}\u{3000}{name}\u{3000}{}{unit}", d.quantity),
                no_substitution: d.no_substitution,
                patient_wish: d.patient_wish,
            });
        }
        let amount = match &o.rp {
            Rp::Internal { days, .. } => match split {
                Some(per) => format!("{per}日分（総投与日数{days}日）"),
                None => format!("{days}日分"),
            },
            Rp::AsNeeded { times, .. } => format!("{times}回分"),
            Rp::External { .. } => String::new(),
        };
        let kind = match &o.rp {
            Rp::Internal { .. } => "内服",
            Rp::AsNeeded { .. } => "頓服",
            Rp::External { .. } => "外用",
        };
        out.push(RxLine::plain(format!(
            "\u{3000}\u{3000}【{kind}】{}\u{3000}{amount}",
            o.usage.text
        )));
    }
    out.push(RxLine::plain("以下余白".into()));
    out
}

/// The 負担区分 mark the form's 備考 carries (六 未就学者, 高一, 高７, 高８).
pub fn burden_marker(sheet: &PrescriptionSheet) -> &'static str {
    match sheet.burden_category {
        Some(3) => "六",
        Some(1) => "高一",
        Some(2) => "高７",
        Some(5) => "高８",
        _ => "",
    }
}

/// The heading of one 分割指示 sheet, `None` for a whole prescription.
pub fn split_heading(sheet: &PrescriptionSheet, part: Option<u8>) -> Option<String> {
    part.zip(sheet.prescription.split_days())
        .map(|(i, (_, n))| format!("分割指示に係る処方箋　分割の{n}回中{i}回目"))
}

/// The 備考 lines: 保険医署名 when a drug may not be substituted, the 負担区分 mark, 第二公費,
/// the doctor's remarks, 分割指示, 麻薬 details, and the 残薬 instruction.
pub fn rx_remarks(sheet: &PrescriptionSheet, lines: &[RxLine]) -> Vec<String> {
    let rx = &sheet.prescription;
    let mut out = Vec::new();
    if lines.iter().any(|l| l.no_substitution) {
        out.push(format!("保険医署名　{}", sheet.doctor_name));
    }
    let marker = burden_marker(sheet);
    if !marker.is_empty() {
        out.push(marker.to_string());
    }
    if let Some(p) = sheet.public.get(1) {
        out.push(format!(
            "第二公費　{} ／ {}",
            p.payer_number, p.recipient_number
        ));
    }
    out.extend(
        rx.remarks
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string),
    );
    if let Some((days, n)) = rx.split_days() {
        out.push(format!("分割指示：分割日数{days}日、分割回数{n}回"));
    }
    if let Some(n) = &sheet.narcotic {
        out.push(format!("麻薬施用者免許証番号　{}", n.license));
        out.push(format!(
            "患者住所　{}{}",
            n.patient_address,
            if n.patient_phone.is_empty() {
                String::new()
            } else {
                format!("（電話 {}）", n.patient_phone)
            }
        ));
    }
    out
}

/// The 残薬 instruction with its two boxes.
pub fn leftover_line(sheet: &PrescriptionSheet) -> String {
    let mark = |l: Leftover| {
        if sheet.prescription.leftover == Some(l) {
            "■"
        } else {
            "□"
        }
    };
    format!(
        "{} 保険医療機関へ疑義照会した上で調剤　{} 保険医療機関へ情報提供",
        mark(Leftover::Inquire),
        mark(Leftover::Inform)
    )
}

/// リフィル可 with its box and count.
pub fn refill_line(sheet: &PrescriptionSheet) -> String {
    match sheet.prescription.refill_uses {
        Some(n) => format!("リフィル可 ■（{n}回）"),
        None => "リフィル可 □（　回）".to_string(),
    }
}

/// 区分 as the form prints it.
pub fn insured_label(sheet: &PrescriptionSheet) -> &'static str {
    if sheet.insurer_number.is_empty() {
        ""
    } else if sheet.insured {
        "被保険者"
    } else {
        "被扶養者"
    }
}

/// The 処方箋 as a document: one sheet, or one sheet per split, each on its own page with its
/// own symbol; a reissue says so on every sheet.
pub fn prescription_print(issue: &PrescriptionIssue) -> PrintDoc {
    let sheet = &issue.sheet;
    let mut blocks = Vec::new();
    for (n, part) in sheet.parts().into_iter().enumerate() {
        if n > 0 {
            blocks.push(Block::PageBreak);
        }
        blocks.push(Block::Heading("処方箋".into()));
        let mut head = Vec::new();
        if let Some(h) = split_heading(sheet, part) {
            head.push(h);
        }
        head.push("（この処方箋は、どの保険薬局でも有効です。）".into());
        if issue.is_reissue() {
            head.push(format!("再発行（第{}回）", issue.issue_no));
        }
        blocks.push(Block::Right(head.join("\n")));
        let first_public = sheet.public.first();
        let code = &sheet.institution_code;
        blocks.push(Block::Fields(vec![
            (
                "公費負担者番号".into(),
                first_public
                    .map(|p| p.payer_number.clone())
                    .unwrap_or_default(),
            ),
            (
                "公費負担医療の受給者番号".into(),
                first_public
                    .map(|p| p.recipient_number.clone())
                    .unwrap_or_default(),
            ),
            ("保険者番号".into(), sheet.insurer_number.clone()),
            (
                "被保険者証の記号・番号".into(),
                format!("{} ・ {}（枝番）{}", sheet.symbol, sheet.number, sheet.branch),
            ),
            ("患者氏名".into(), sheet.patient_name.clone()),
            (
                "生年月日・性別".into(),
                format!(
                    "{}　{}",
                    wareki(sheet.birth_date),
                    if sheet.patient_sex == 2 { "女" } else { "男" }
                ),
            ),
            ("区分".into(), insured_label(sheet).to_string()),
            (
                "保険医療機関".into(),
                format!("{} {}", sheet.institution_address, sheet.institution_name),
            ),
            ("電話番号".into(), sheet.institution_phone.clone()),
            ("保険医氏名".into(), format!("{}　印", sheet.doctor_name)),
            (
                "医療機関コード".into(),
                format!(
                    "{}　{}　{}",
                    code.get(..2).unwrap_or(""),
                    code.get(2..3).unwrap_or(""),
                    code.get(3..).unwrap_or("")
                ),
            ),
            ("交付年月日".into(), wareki(sheet.issued_on)),
            (
                "処方箋の使用期間".into(),
                "　年　月　日（特に記載のある場合を除き、交付の日を含めて４日以内に保険薬局に提出すること。）".into(),
            ),
        ]));
        let split = part.and(sheet.prescription.split_days());
        let lines = rx_lines(sheet, split.map(|(per, _)| per));
        let mark = |on: bool| if on { "✓" } else { "" }.to_string();
        let mut rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                vec![
                    mark(l.no_substitution),
                    mark(l.patient_wish),
                    l.text.clone(),
                ]
            })
            .collect();
        rows.push(vec![String::new(), String::new(), refill_line(sheet)]);
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::left("変更不可", 2),
                Column::left("患者希望", 2),
                Column::left("処方", 14),
            ],
            rows,
        }));
        let mut remarks = rx_remarks(sheet, &lines);
        remarks.push(format!(
            "保険薬局が調剤時に残薬を確認した場合の対応：{}",
            leftover_line(sheet)
        ));
        blocks.push(Block::Section {
            heading: "備考".into(),
            body: remarks.join("\n"),
        });
        match qr_symbol(&sheet.jahis_bytes_of(part), "処方内容（JAHIS）") {
            Some(symbol) => blocks.push(Block::Symbol(symbol)),
            None => blocks.push(Block::Text(QR_TOO_LONG.into())),
        }
        blocks.push(Block::Fields(vec![
            (
                "調剤実施回数".into(),
                "□1回目調剤日（　年　月　日）□2回目調剤日（　年　月　日）□3回目調剤日（　年　月　日）"
                    .into(),
            ),
            ("調剤済年月日".into(), "　年　月　日".into()),
            ("保険薬局・保険薬剤師".into(), "　　　　　　印".into()),
        ]));
    }
    PrintDoc {
        title: format!("処方箋 {}様", sheet.patient_name),
        date: format_date(sheet.issued_on),
        blocks,
        footer: format!(
            "処方箋 第{}回発行　患者番号 {}　{}",
            issue.issue_no, sheet.patient_number, sheet.institution_name
        ),
        header: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_symbol_holds_the_bytes_in_the_smallest_version() {
        let s = qr_symbol(b"JAHIS10\r\n1,1,1234567,13,x\r\n\x1a", "").unwrap();
        assert_eq!(
            s.width,
            25 + 8,
            "35 bytes: version 2-L (version 1 holds 17), and the quiet zone"
        );
        assert_eq!(s.modules.len(), s.width * s.width);
        // The quiet zone is light; the finder pattern's corner is dark.
        assert!((0..s.width).all(|i| !s.dark(i, 0) && !s.dark(0, i)));
        assert!(s.dark(4, 4));
        assert!(!s.dark(s.width, 4));
        // More than a version 40 symbol holds: none.
        assert!(qr_symbol(&vec![b'a'; 3000], "").is_none());
        assert!(
            qr_symbol(&vec![b'a'; 2900], "").is_some(),
            "version 40-L holds 2,953 bytes"
        );
    }
}
