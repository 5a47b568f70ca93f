//! Code tables of the claim the month's レセプト fill in from Karte's own facts: レセプト特記事項
//! (別表9) and 診療科名 (別表10), from 記録条件仕様（医科）令和４年４月版
//! (`../shared/reference/uke/spec_pdfs/iryokikan_in_01.txt` l.2013–2110,
//! `uke-parser_code_tables/common/tokki.yml`, `ika/shinryoka.yml`).

use super::uke::UkeMonth;
use crate::domain::insurance::IncomeCategory;

/// 別表9 レセプト特記事項コード: (code, 略号).
pub const SPECIAL_NOTES: &[(&str, &str)] = &[
    ("01", "公"),
    ("02", "長"),
    ("03", "長処"),
    ("04", "後保"),
    ("07", "老併"),
    ("08", "老健"),
    ("09", "施"),
    ("10", "第三"),
    ("11", "薬治"),
    ("12", "器治"),
    ("13", "先進"),
    ("14", "制超"),
    ("16", "長2"),
    ("17", "上位"),
    ("18", "一般"),
    ("19", "低所"),
    ("20", "二割"),
    ("21", "高半"),
    ("22", "多上"),
    ("25", "出産"),
    ("26", "区ア"),
    ("27", "区イ"),
    ("28", "区ウ"),
    ("29", "区エ"),
    ("30", "区オ"),
    ("31", "多ア"),
    ("32", "多イ"),
    ("33", "多ウ"),
    ("34", "多エ"),
    ("35", "多オ"),
    ("36", "加治"),
    ("37", "申出"),
    ("38", "医併"),
    ("39", "医療"),
    ("41", "区カ"),
    ("42", "区キ"),
    ("43", "多カ"),
    ("44", "多キ"),
];

/// At most five 特記事項 in RE 項目12 (英数10, 2 digits each).
pub const MAX_SPECIAL_NOTES: usize = 5;

/// The 所得区分 codes (区ア〜区キ, 多ア〜多キ): a claim carries one class, never two.
pub const INCOME_NOTES: &[&str] = &[
    "26", "27", "28", "29", "30", "31", "32", "33", "34", "35", "41", "42", "43", "44",
];

/// 略号 of a 特記事項 code, if the code is in 別表9.
pub fn special_note_label(code: &str) -> Option<&'static str> {
    SPECIAL_NOTES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// Why `code` may not be recorded for the claim of `month`, if it may not (別表9 注2・注3):
/// 17〜19 and 22 end with 平成30年7月診療; 41〜44 are 後期高齢者医療 only, from 令和4年10月診療.
pub fn special_note_not_allowed(code: &str, month: UkeMonth, kouki: bool) -> Option<String> {
    let ym = (month.year(), month.month());
    match code {
        "17" | "18" | "19" | "22" if ym >= (2018, 8) => Some(format!(
            "特記事項 {code} は平成30年7月診療分までのコードです"
        )),
        "41" | "42" | "43" | "44" if !kouki || ym < (2022, 10) => Some(format!(
            "特記事項 {code} は後期高齢者医療の令和4年10月診療分からのコードです"
        )),
        _ => None,
    }
}

/// The 特記事項 of a patient of 70 or over (高齢受給者, or 後期高齢者医療) from the 所得区分 on
/// the card or 認定証: from 平成30年8月診療 every such claim carries one of 区ア〜区オ, and from
/// 令和4年10月診療 後期高齢者医療's 一般Ⅱ and 一般Ⅰ carry 区カ and 区キ instead of 区エ
/// (記載要領 as amended by 平成30.7.13 保医発0713第1号 and 令和4.3.25 保医発0325第1号; the
/// mapping of 一般Ⅱ → 区カ and 一般Ⅰ → 区キ is UNCERTAIN: the 記載要領 text is not in the
/// reference, only 別表9's codes and their 注3). 多数回 (多ア〜) needs 高額療養費, which Karte does
/// not price yet; before 平成30年8月 nothing is derived.
pub fn income_special_note(
    income: IncomeCategory,
    kouki: bool,
    month: UkeMonth,
) -> Option<&'static str> {
    let ym = (month.year(), month.month());
    if ym < (2018, 8) {
        return None;
    }
    let code = match income {
        IncomeCategory::Active => "26",
        IncomeCategory::ActiveII => "27",
        IncomeCategory::ActiveI => "28",
        IncomeCategory::LowIncome => "30",
        IncomeCategory::General | IncomeCategory::Certain if !kouki || ym < (2022, 10) => "29",
        IncomeCategory::Certain => "41",
        IncomeCategory::General => "42",
    };
    Some(code)
}

/// 別表10 診療科名コード (経過措置診療科コード included): (code, name).
pub const DEPARTMENTS: &[(&str, &str)] = &[
    ("01", "内科"),
    ("02", "精神科"),
    ("03", "神経科"),
    ("04", "神経内科"),
    ("05", "呼吸器科"),
    ("06", "消化器科"),
    ("07", "胃腸科"),
    ("08", "循環器科"),
    ("09", "小児科"),
    ("10", "外科"),
    ("11", "整形外科"),
    ("12", "形成外科"),
    ("13", "美容外科"),
    ("14", "脳神経外科"),
    ("15", "呼吸器外科"),
    ("16", "心臓血管外科"),
    ("17", "小児外科"),
    ("18", "皮膚ひ尿器科"),
    ("19", "皮膚科"),
    ("20", "ひ尿器科"),
    ("21", "性病科"),
    ("22", "こう門科"),
    ("23", "産婦人科"),
    ("24", "産科"),
    ("25", "婦人科"),
    ("26", "眼科"),
    ("27", "耳鼻いんこう科"),
    ("28", "気管食道科"),
    ("30", "放射線科"),
    ("31", "麻酔科"),
    ("33", "心療内科"),
    ("34", "アレルギー科"),
    ("35", "リウマチ科"),
    ("36", "リハビリテーション科"),
    ("37", "病理診断科"),
    ("38", "臨床検査科"),
    ("39", "救急科"),
];

/// The names clinics write for a 診療科 of 別表10 in other script: 漢字 for the table's かな
/// (泌尿器科), and 放射線診断科・放射線治療科 (both 30, as the table's 内容 says).
const DEPARTMENT_ALIASES: &[(&str, &str)] = &[
    ("20", "泌尿器科"),
    ("18", "皮膚泌尿器科"),
    ("22", "肛門科"),
    ("27", "耳鼻咽喉科"),
    ("30", "放射線診断科"),
    ("30", "放射線治療科"),
    ("04", "脳神経内科"),
    ("36", "リハビリ科"),
];

/// The name of a 診療科名コード, if the code is in 別表10.
pub fn department_name(code: &str) -> Option<&'static str> {
    DEPARTMENTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
}

/// The 診療科名コード of a 受付's 診療科, if it names one of 別表10 (spaces ignored).
pub fn department_code(name: &str) -> Option<&'static str> {
    let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    DEPARTMENTS
        .iter()
        .chain(DEPARTMENT_ALIASES)
        .find(|(_, n)| *n == name)
        .map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(y: u16, m: u8) -> UkeMonth {
        UkeMonth::new(y, m).unwrap_or_else(|| panic!("month {y}-{m}"))
    }

    #[test]
    fn department_names_and_aliases() {
        assert_eq!(department_code("内科"), Some("01"));
        assert_eq!(department_code(" 小児科 "), Some("09"));
        assert_eq!(department_code("泌尿器科"), Some("20"));
        assert_eq!(department_code("耳鼻咽喉科"), Some("27"));
        assert_eq!(department_code("総合診療科"), None);
        assert_eq!(department_code(""), None);
    }

    #[test]
    fn income_notes_follow_the_month_and_the_insurance() {
        use IncomeCategory::*;
        let now = month(2026, 11);
        assert_eq!(income_special_note(General, false, now), Some("29"));
        assert_eq!(income_special_note(General, true, now), Some("42"));
        assert_eq!(income_special_note(Certain, true, now), Some("41"));
        assert_eq!(
            income_special_note(General, true, month(2022, 9)),
            Some("29")
        );
        assert_eq!(income_special_note(Active, true, now), Some("26"));
        assert_eq!(income_special_note(ActiveII, false, now), Some("27"));
        assert_eq!(income_special_note(ActiveI, false, now), Some("28"));
        assert_eq!(income_special_note(LowIncome, true, now), Some("30"));
        assert_eq!(income_special_note(General, false, month(2018, 7)), None);
        for income in IncomeCategory::ALL {
            for kouki in [false, true] {
                let code = income_special_note(income, kouki, now).unwrap_or_default();
                assert!(INCOME_NOTES.contains(&code), "{income:?}");
                assert_eq!(special_note_not_allowed(code, now, kouki), None);
            }
        }
    }

    #[test]
    fn codes_out_of_their_months_are_refused() {
        assert!(special_note_not_allowed("18", month(2018, 8), false).is_some());
        assert!(special_note_not_allowed("18", month(2018, 7), false).is_none());
        assert!(special_note_not_allowed("41", month(2026, 11), false).is_some());
        assert!(special_note_not_allowed("41", month(2022, 9), true).is_some());
        assert!(special_note_not_allowed("41", month(2022, 10), true).is_none());
        assert!(special_note_not_allowed("10", month(2026, 11), false).is_none());
        assert_eq!(special_note_label("10"), Some("第三"));
        assert_eq!(special_note_label("05"), None);
    }
}
