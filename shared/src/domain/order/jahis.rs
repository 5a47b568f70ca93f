//! The 院外処方箋 as printed (様式第二号) and its 2次元シンボル data: the JAHIS 院外処方箋２次元シンボル
//! 記録条件規約 Ver.1.10 (JAHIS技術文書 24-103, 2024-09; header `JAHIS10`), as summarised with its
//! sources in `../shared/reference/prescriptions.md` (a.2, b.2–b.7). The server fills a
//! [`PrescriptionSheet`] from its records when a 処方箋 is issued and keeps it; the browser prints
//! it and draws the QR from [`PrescriptionSheet::jahis_bytes`]. No IO.
//!
//! Choices where the specification leaves room: Gregorian dates (`YYYYMMDD`); 分割指示 as a 備考
//! (様式第二号 style, b.6 second example: record 81 区分3 and the total days in 101, no 63/102);
//! patient and doctor カナ left out (record 11 needs the kanji or the カナ, record 5 only the kanji);
//! the file ends with EOF (0x1A) as b.2 says.

use super::{Leftover, PrescriptionOrder};
use crate::billing::Rp;
use crate::sjis::{clean, decode_sjis, encode_sjis, Outside};
use serde::{Deserialize, Serialize};
use time::Date;

/// The header record of the version this writes.
pub const VERSION: &str = "JAHIS10";

/// One drug line as printed: the name (【般】… for a 一般名処方), the master code, the unit, and
/// the 一般名コード when prescribed by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetDrug {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// 一般名コード (12 characters) when the drug is prescribed by its 一般名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generic_code: Option<String>,
}

/// A 公費 as printed: 公費負担者番号 and 受給者番号.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetPublic {
    pub payer_number: String,
    pub recipient_number: String,
}

/// Everything the 処方箋 says, fixed when it is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionSheet {
    /// 医療機関コード (10 digits: 都道府県 2 + 点数表 1 + コード 7).
    pub institution_code: String,
    pub institution_name: String,
    #[serde(default)]
    pub institution_postal_code: String,
    #[serde(default)]
    pub institution_address: String,
    #[serde(default)]
    pub institution_phone: String,
    pub department: String,
    /// 保険医氏名.
    pub doctor_name: String,
    pub patient_number: String,
    pub patient_name: String,
    pub patient_kana: String,
    /// 1 男, 2 女.
    pub patient_sex: u8,
    #[serde(with = "crate::billing::iso_date")]
    pub birth_date: Date,
    /// 21 保険種別: 1 医保, 2 国保, 7 後期高齢者.
    pub insurance_kind: u8,
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    /// 被保険者 (本人) or 被扶養者 (家族).
    pub insured: bool,
    /// 負担割合 (割) of the insurance.
    pub burden_tenths: u8,
    /// 14 患者一部負担区分 where it is required (高齢者, 未就学者).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burden_category: Option<u8>,
    /// 第一公費, 第二公費, 第三公費: the form prints two, the 2次元シンボル carries three (27–29).
    #[serde(default)]
    pub public: Vec<SheetPublic>,
    /// 交付年月日.
    #[serde(with = "crate::billing::iso_date")]
    pub issued_on: Date,
    pub prescription: PrescriptionOrder,
    /// The printed drug lines, per Rp in order, per drug in order.
    pub drugs: Vec<Vec<SheetDrug>>,
    /// For a prescription naming a 麻薬: what the form's 備考 and record 61 must carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narcotic: Option<SheetNarcotic>,
    /// The order versions on this sheet (one 処方箋 per visit: every 院外 prescription of it), in
    /// the order of their Rp; empty on sheets printed before it was recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<crate::api::orders::OrderRef>,
}

/// 麻薬施用 (record 61; prescriptions.md a.5: the patient's address and the 麻薬施用者免許証番号
/// must appear on a 麻薬 処方箋, 麻薬及び向精神薬取締法第27条第6項).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetNarcotic {
    /// 麻薬施用者免許証番号 of the prescribing doctor.
    pub license: String,
    pub patient_address: String,
    #[serde(default)]
    pub patient_phone: String,
}

/// 14 患者一部負担区分 (b.5) where the 処方箋 must carry it: 未就学者 3; 高齢受給者 (70–74) 一般 1,
/// ７割 2; 後期高齢者 １割 1, ２割 (８割給付) 5, ３割 2; none for everyone else.
pub fn burden_category(birth: Date, on: Date, late_elderly: bool, tenths: u8) -> Option<u8> {
    use crate::domain::insurance::{elderly_from, preschool_until};
    if late_elderly {
        return match tenths {
            1 => Some(1),
            2 => Some(5),
            3 => Some(2),
            _ => None,
        };
    }
    if preschool_until(birth).is_some_and(|last| on <= last) {
        return Some(3);
    }
    if elderly_from(birth).is_some_and(|first| on >= first) {
        return match tenths {
            3 => Some(2),
            _ => Some(1),
        };
    }
    None
}

/// A text field as the specification wants it ([`crate::sjis::clean`]): no half-width comma
/// (full width instead), no line break or other control character (a space instead), no
/// surrounding blanks of either width. A character outside JIS X 0201/0208 stays in the record;
/// [`encode_sjis`] writes it as `■` (b.2).
fn field(text: &str) -> String {
    clean(text, Outside::Keep)
        .trim_matches(|c: char| c == ' ' || c == '\u{3000}')
        .to_string()
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// 用量 as JAHIS writes it: no leading or trailing zeros, no point for an integer.
fn amount(q: crate::billing::Quantity) -> String {
    q.to_string()
}

impl PrescriptionSheet {
    /// The sheets the prescription prints as: one (`None`), or with 分割指示 one 様式第二号の二
    /// sheet per split (`Some(1)` … `Some(n)`), all with the same 交付年月日 (prescriptions.md
    /// a.5; [J110] §2.6).
    pub fn parts(&self) -> Vec<Option<u8>> {
        match self.prescription.split_days() {
            Some((_, n)) => (1..=n).map(Some).collect(),
            None => vec![None],
        }
    }

    /// The records of the whole prescription (see [`Self::records_of`]).
    pub fn records(&self) -> Vec<Vec<String>> {
        self.records_of(None)
    }

    /// The records in the specification's order (b.4), each a list of fields after its
    /// number; the first is the version record. With `part` (a 分割指示 sheet, 1-based), record
    /// 63 names the split and record 102 each 内服 Rp's days on this sheet and in all, 101 keeping
    /// the total ([J110] §3.2.8(1), table 3-45).
    pub fn records_of(&self, part: Option<u8>) -> Vec<Vec<String>> {
        let split = part.zip(self.prescription.split_days());
        let code = &self.institution_code;
        let mut out: Vec<Vec<String>> = vec![vec![VERSION.to_string()]];
        let mut push = |fields: Vec<String>| out.push(fields);
        let s = |t: &str| field(t);
        push(vec![
            "1".into(),
            "1".into(),
            code.get(3..10).unwrap_or("").to_string(),
            code.get(..2).unwrap_or("").to_string(),
            s(&self.institution_name),
        ]);
        if !self.institution_postal_code.is_empty() || !self.institution_address.is_empty() {
            push(vec![
                "2".into(),
                s(&self.institution_postal_code),
                s(&self.institution_address),
            ]);
        }
        if !self.institution_phone.is_empty() {
            push(vec![
                "3".into(),
                s(&self.institution_phone),
                String::new(),
                String::new(),
            ]);
        }
        if !self.department.is_empty() {
            push(vec![
                "4".into(),
                "1".into(),
                String::new(),
                s(&self.department),
            ]);
        }
        push(vec![
            "5".into(),
            String::new(),
            String::new(),
            s(&self.doctor_name),
        ]);
        push(vec![
            "11".into(),
            s(&self.patient_number),
            s(&self.patient_name),
            String::new(),
        ]);
        push(vec!["12".into(), self.patient_sex.to_string()]);
        push(vec!["13".into(), ymd(self.birth_date)]);
        if let Some(c) = self.burden_category {
            push(vec!["14".into(), c.to_string()]);
        }
        push(vec!["21".into(), self.insurance_kind.to_string()]);
        push(vec!["22".into(), s(&self.insurer_number)]);
        push(vec![
            "23".into(),
            s(&self.symbol),
            s(&self.number),
            // 公費単独: no insurance, so neither 被保険者 nor 被扶養者.
            if self.insurer_number.is_empty() {
                ""
            } else if self.insured {
                "1"
            } else {
                "2"
            }
            .into(),
            s(&self.branch),
        ]);
        // 負担・給付率 (optional) is the insurance's: none for 公費単独 (no 保険者番号), whose
        // records 22 and 23 stay blank (UNCERTAIN: JAHIS10 says "always" for them and gives no
        // 公費単独 example; blank is how 自費 is written).
        if !self.insurer_number.is_empty() {
            let patient = u16::from(self.burden_tenths.min(10)) * 10;
            push(vec![
                "24".into(),
                patient.to_string(),
                (100 - patient).to_string(),
            ]);
        }
        for (no, p) in ["27", "28", "29"].iter().zip(&self.public) {
            push(vec![
                no.to_string(),
                s(&p.payer_number),
                s(&p.recipient_number),
            ]);
        }
        push(vec!["51".into(), ymd(self.issued_on)]);
        if let Some(n) = &self.narcotic {
            push(vec![
                "61".into(),
                s(&n.license),
                s(&n.patient_address),
                s(&n.patient_phone),
            ]);
        }
        let rx = &self.prescription;
        if let Some(l) = rx.leftover {
            push(vec![
                "62".into(),
                match l {
                    Leftover::Inquire => "1",
                    Leftover::Inform => "2",
                }
                .into(),
            ]);
        }
        if let Some((part, (_, n))) = split {
            push(vec!["63".into(), n.to_string(), part.to_string()]);
        }
        if let Some(uses) = rx.refill_uses {
            push(vec!["64".into(), uses.to_string()]);
        }
        let mut remark = 0;
        for line in rx.remarks.lines().map(str::trim).filter(|l| !l.is_empty()) {
            remark += 1;
            push(vec![
                "81".into(),
                remark.to_string(),
                String::new(),
                s(line),
            ]);
        }
        if let Some((days, n)) = rx.split_days() {
            remark += 1;
            push(vec![
                "81".into(),
                remark.to_string(),
                "3".into(),
                format!("分割日数{days}日、分割回数{n}回"),
            ]);
        }
        for (i, o) in rx.rps.iter().enumerate() {
            let rp = (i + 1).to_string();
            let (form, count) = match &o.rp {
                Rp::Internal { days, .. } => ("1", *days),
                Rp::AsNeeded { times, .. } => ("2", *times),
                Rp::External { .. } => ("3", 1),
            };
            push(vec![
                "101".into(),
                rp.clone(),
                form.into(),
                String::new(),
                count.to_string(),
            ]);
            if let (Some((_, (per, _))), Rp::Internal { days, .. }) = (split, &o.rp) {
                push(vec![
                    "102".into(),
                    rp.clone(),
                    per.to_string(),
                    days.to_string(),
                ]);
            }
            push(vec![
                "111".into(),
                rp.clone(),
                if o.usage.code.is_some() { "2" } else { "1" }.into(),
                o.usage.code.clone().unwrap_or_default(),
                s(&o.usage.text),
                o.usage
                    .times_per_day
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ]);
            for (j, d) in o.rp.drugs().iter().enumerate() {
                let printed = self.drugs.get(i).and_then(|ds| ds.get(j));
                let seq = (j + 1).to_string();
                let (kind, code) = match printed.and_then(|p| p.generic_code.clone()) {
                    Some(g) if d.generic_name => ("7", g),
                    _ => ("2", d.code.clone()),
                };
                push(vec![
                    "201".into(),
                    rp.clone(),
                    seq.clone(),
                    "1".into(),
                    kind.into(),
                    code,
                    s(printed.map(|p| p.name.as_str()).unwrap_or("")),
                    amount(d.quantity),
                    "1".into(),
                    s(printed.map(|p| p.unit.as_str()).unwrap_or("")),
                ]);
                let mut extra = 0;
                for (wanted, class, text) in [
                    (d.no_substitution, "3", "後発品変更不可"),
                    (d.patient_wish, "8", "先発医薬品患者希望"),
                ] {
                    if wanted {
                        extra += 1;
                        push(vec![
                            "281".into(),
                            rp.clone(),
                            seq.clone(),
                            extra.to_string(),
                            class.into(),
                            text.into(),
                            String::new(),
                        ]);
                    }
                }
            }
        }
        out
    }

    /// The data as text: one record a line (`number,field,…`), CR LF after each.
    pub fn jahis_text(&self) -> String {
        self.jahis_text_of(None)
    }

    /// [`Self::jahis_text`] of one sheet ([`Self::parts`]).
    pub fn jahis_text_of(&self, part: Option<u8>) -> String {
        let mut text = String::new();
        for record in self.records_of(part) {
            text.push_str(&record.join(","));
            text.push_str("\r\n");
        }
        text
    }

    /// The bytes the 2次元シンボル carries: the text in Shift_JIS (CP932; a character outside it
    /// becomes `■`, as b.2 says), then EOF (0x1A).
    pub fn jahis_bytes(&self) -> Vec<u8> {
        self.jahis_bytes_of(None)
    }

    /// [`Self::jahis_bytes`] of one sheet ([`Self::parts`]).
    pub fn jahis_bytes_of(&self, part: Option<u8>) -> Vec<u8> {
        let mut bytes = encode_sjis(&self.jahis_text_of(part));
        bytes.push(0x1A);
        bytes
    }
}

/// What a 2次元シンボル's bytes are not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JahisError {
    #[error("Shift_JIS として読めません")]
    Encoding,
    #[error("JAHIS 院外処方箋の版レコードがありません")]
    NoVersion,
    #[error("お薬手帳（JAHISTC）のデータです。処方箋ではありません")]
    MedicationNotebook,
    #[error("{0}行目のレコード番号が読めません")]
    BadRecord(usize),
    #[error("データが大きすぎます")]
    TooLarge,
}

/// The largest symbol data read (16 symbols of version 40-L hold 47,248 bytes).
pub const MAX_BYTES: usize = 48 * 1024;

/// The version (`JAHIS10`) and the records (number first) of a symbol's bytes: CR LF or LF,
/// with or without the trailing EOF; unknown records are kept.
pub fn read_jahis(bytes: &[u8]) -> Result<(String, Vec<Vec<String>>), JahisError> {
    if bytes.len() > MAX_BYTES {
        return Err(JahisError::TooLarge);
    }
    let bytes = bytes.strip_suffix(&[0x1A]).unwrap_or(bytes);
    // As the UKE reader: no byte-order-mark sniffing (a UTF-8 or UTF-16 BOM would switch
    // encoding_rs's `decode` to that encoding), no replacement characters.
    let text = decode_sjis(bytes).ok_or(JahisError::Encoding)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let version = lines.next().unwrap_or("").trim().to_string();
    if version.starts_with("JAHISTC") {
        return Err(JahisError::MedicationNotebook);
    }
    let digits = version.strip_prefix("JAHIS").unwrap_or("");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(JahisError::NoVersion);
    }
    let mut records = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let fields: Vec<String> = line.split(',').map(str::to_string).collect();
        if fields[0].is_empty() || !fields[0].bytes().all(|b| b.is_ascii_digit()) {
            return Err(JahisError::BadRecord(i + 2));
        }
        records.push(fields);
    }
    Ok((version, records))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{Dispensing, Quantity, RpDrug};
    use crate::domain::order::{OrderedRp, Usage};
    use time::macros::date;

    /// The worked example of prescriptions.md b.7 (a fictitious clinic, doctor and patient).
    fn sheet() -> PrescriptionSheet {
        let usage = |code: &str, text: &str, n: u8| Usage {
            code: Some(code.into()),
            text: text.into(),
            times_per_day: Some(n),
        };
        PrescriptionSheet {
            institution_code: "1311234567".into(),
            institution_name: "医療法人テスト会　テストクリニック".into(),
            institution_postal_code: "113-0021".into(),
            institution_address: "東京都文京区本駒込２－２８－１６".into(),
            institution_phone: "03-0000-0000".into(),
            department: String::new(),
            doctor_name: "テスト 医師".into(),
            patient_number: String::new(),
            patient_name: "日薬 太郎".into(),
            patient_kana: "ニチヤク タロウ".into(),
            patient_sex: 1,
            birth_date: date!(1960 - 06 - 06),
            insurance_kind: 1,
            insurer_number: "06123459".into(),
            symbol: "１２３".into(),
            number: "４５６７".into(),
            branch: "01".into(),
            insured: true,
            burden_tenths: 3,
            burden_category: None,
            public: Vec::new(),
            issued_on: date!(2025 - 04 - 01),
            prescription: PrescriptionOrder {
                dispensing: Dispensing::Outside,
                rps: vec![
                    OrderedRp {
                        rp: Rp::Internal {
                            days: 30,
                            temporary: false,
                            drugs: vec![RpDrug {
                                generic_name: true,
                                ..RpDrug::new("612170710", Quantity::units(1))
                            }],
                        },
                        usage: usage("1011000400000000", "１日１回朝食後", 1),
                    },
                    OrderedRp {
                        rp: Rp::Internal {
                            days: 30,
                            temporary: false,
                            drugs: vec![RpDrug {
                                patient_wish: true,
                                ..RpDrug::new("620098801", Quantity::units(3))
                            }],
                        },
                        usage: usage("1013044400000000", "１日３回朝昼夕食後", 3),
                    },
                ],
                specific_disease: false,
                refill_uses: Some(3),
                split_count: None,
                leftover: Some(Leftover::Inform),
                remarks: String::new(),
            },
            drugs: vec![
                vec![SheetDrug {
                    code: "612170710".into(),
                    name: "【般】アムロジピン錠５ｍｇ".into(),
                    unit: "錠".into(),
                    generic_code: Some("2171022F2ZZZ".into()),
                }],
                vec![SheetDrug {
                    code: "620098801".into(),
                    name: "ロキソニン錠６０ｍｇ".into(),
                    unit: "錠".into(),
                    generic_code: None,
                }],
            ],
            narcotic: None,
            orders: vec![],
        }
    }

    #[test]
    fn the_worked_example_is_written_record_for_record() {
        let text = sheet().jahis_text();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines,
            [
                "JAHIS10",
                "1,1,1234567,13,医療法人テスト会　テストクリニック",
                "2,113-0021,東京都文京区本駒込２－２８－１６",
                "3,03-0000-0000,,",
                "5,,,テスト 医師",
                "11,,日薬 太郎,",
                "12,1",
                "13,19600606",
                "21,1",
                "22,06123459",
                "23,１２３,４５６７,1,01",
                "24,30,70",
                "51,20250401",
                "62,2",
                "64,3",
                "101,1,1,,30",
                "111,1,2,1011000400000000,１日１回朝食後,1",
                "201,1,1,1,7,2171022F2ZZZ,【般】アムロジピン錠５ｍｇ,1,1,錠",
                "101,2,1,,30",
                "111,2,2,1013044400000000,１日３回朝昼夕食後,3",
                "201,2,1,1,2,620098801,ロキソニン錠６０ｍｇ,3,1,錠",
                "281,2,1,1,8,先発医薬品患者希望,",
                "",
            ]
        );
    }

    #[test]
    fn a_public_expense_alone_leaves_the_insurance_blank() {
        let mut s = sheet();
        s.insurer_number = String::new();
        s.symbol = String::new();
        s.number = String::new();
        s.branch = String::new();
        s.burden_tenths = 0;
        s.public = vec![SheetPublic {
            payer_number: "12131017".into(),
            recipient_number: "1234566".into(),
        }];
        let text = s.jahis_text();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines.contains(&"21,1"), "医保 is also 公費単独's 保険種別");
        assert!(lines.contains(&"22,"), "{lines:?}");
        assert!(lines.contains(&"23,,,,"), "{lines:?}");
        assert!(!lines.iter().any(|l| l.starts_with("24,")), "{lines:?}");
        assert!(lines.contains(&"27,12131017,1234566"), "{lines:?}");
    }

    #[test]
    fn three_public_payers_are_records_27_28_and_29() {
        let mut s = sheet();
        s.public = ["51136018", "54136015", "12136011"]
            .iter()
            .map(|n| SheetPublic {
                payer_number: n.to_string(),
                recipient_number: "1234566".into(),
            })
            .collect();
        let records = s.records();
        let public: Vec<(&str, &str)> = records
            .iter()
            .filter(|r| ["27", "28", "29"].contains(&r[0].as_str()))
            .map(|r| (r[0].as_str(), r[1].as_str()))
            .collect();
        assert_eq!(
            public,
            [("27", "51136018"), ("28", "54136015"), ("29", "12136011")]
        );
    }

    #[test]
    fn the_bytes_are_shift_jis_with_eof_and_read_back() {
        let s = sheet();
        let bytes = s.jahis_bytes();
        assert_eq!(bytes.last(), Some(&0x1A));
        // 医 is 0x88E3 in Shift_JIS.
        assert!(bytes.windows(2).any(|w| w == [0x88, 0xE3]));
        let (version, records) = read_jahis(&bytes).unwrap();
        assert_eq!(version, "JAHIS10");
        let expected: Vec<Vec<String>> = s.records().into_iter().skip(1).collect();
        assert_eq!(records, expected);
        // LF only, no EOF: the same.
        let lf = s.jahis_text().replace("\r\n", "\n");
        let (_, again) = read_jahis(&encode_sjis(&lf)).unwrap();
        assert_eq!(again, expected);
    }

    #[test]
    fn a_narcotic_prescription_carries_record_61() {
        let mut s = sheet();
        assert!(!s.jahis_text().lines().any(|l| l.starts_with("61,")));
        s.narcotic = Some(SheetNarcotic {
            license: "12345".into(),
            patient_address: "架空県架空市本町１－１".into(),
            patient_phone: "0300000000".into(),
        });
        let text = s.jahis_text();
        let lines: Vec<&str> = text.split("\r\n").collect();
        let at = |p: &str| lines.iter().position(|l| l.starts_with(p)).unwrap();
        assert_eq!(
            lines[at("61,")],
            "61,12345,架空県架空市本町１－１,0300000000"
        );
        assert!(
            at("51,") < at("61,") && at("61,") < at("62,"),
            "record order"
        );
    }

    #[test]
    fn a_split_prescription_is_one_sheet_per_split_with_63_and_102() {
        let mut s = sheet();
        assert_eq!(s.parts(), [None]);
        assert!(!s.jahis_text().lines().any(|l| l.starts_with("63,")));
        // Both 内服 Rp of the fixture are 30 days: three splits of 10.
        s.prescription.split_count = Some(3);
        assert_eq!(s.parts(), [Some(1), Some(2), Some(3)]);
        let second = s.jahis_text_of(Some(2));
        let lines: Vec<&str> = second.split("\r\n").collect();
        assert!(lines.contains(&"63,3,2"), "{lines:?}");
        let at = |l: &str| lines.iter().position(|x| *x == l).unwrap();
        // 101 keeps the total, 102 follows it with this sheet's days and the total.
        assert_eq!(at("102,1,10,30"), at("101,1,1,,30") + 1);
        assert_eq!(at("102,2,10,30"), at("101,2,1,,30") + 1);
        assert!(at("63,3,2") < at("64,3"), "in record order");
        let (_, back) = read_jahis(&s.jahis_bytes_of(Some(3))).unwrap();
        assert!(back.iter().any(|r| r == &["63", "3", "3"]));
    }

    #[test]
    fn commas_blanks_and_characters_outside_shift_jis_are_made_safe() {
        let mut s = sheet();
        s.patient_name = "　架空, 太郎😀 ".into();
        s.doctor_name = "髙橋 ①".into();
        s.prescription.remarks = "一包化\n\n粉砕".into();
        s.prescription.split_count = Some(3);
        let records = s.records();
        let name = records.iter().find(|r| r[0] == "11").unwrap();
        assert_eq!(name[2], "架空， 太郎😀");
        let remarks: Vec<&Vec<String>> = records.iter().filter(|r| r[0] == "81").collect();
        assert_eq!(remarks.len(), 3);
        assert_eq!(remarks[2][3], "分割日数10日、分割回数3回");
        let (_, back) = read_jahis(&s.jahis_bytes()).unwrap();
        let name = back.iter().find(|r| r[0] == "11").unwrap();
        assert_eq!(name[2], "架空， 太郎■", "the emoji became ■");
        let doctor = back.iter().find(|r| r[0] == "5").unwrap();
        assert_eq!(doctor[3], "■橋 ■", "NEC and IBM extensions became ■");
    }

    #[test]
    fn control_characters_in_fields_become_spaces() {
        let mut s = sheet();
        s.patient_name = "架空\u{1A}太郎\t\u{85}".into();
        s.institution_phone = "03\u{0}0000\u{7F}0000".into();
        let records = s.records();
        let name = records.iter().find(|r| r[0] == "11").unwrap();
        assert_eq!(
            name[2], "架空 太郎",
            "inner ones a space, trailing ones trimmed"
        );
        let phone = records.iter().find(|r| r[0] == "3").unwrap();
        assert_eq!(phone[1], "03 0000 0000");
        let bytes = s.jahis_bytes();
        assert_eq!(bytes.iter().position(|b| *b == 0x1A), Some(bytes.len() - 1));
        assert!(!bytes[..bytes.len() - 1]
            .iter()
            .any(|b| (*b < 0x20 && *b != b'\r' && *b != b'\n') || *b == 0x7F));
    }

    #[test]
    fn a_byte_order_mark_does_not_switch_the_encoding() {
        let utf8 = [b"\xEF\xBB\xBF".as_slice(), sheet().jahis_text().as_bytes()].concat();
        assert_eq!(read_jahis(&utf8), Err(JahisError::Encoding));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("JAHIS10".bytes().flat_map(|b| [b, 0]))
            .collect();
        assert_eq!(read_jahis(&utf16), Err(JahisError::Encoding));
    }

    #[test]
    fn the_burden_category_follows_age_and_insurance() {
        let on = date!(2025 - 04 - 01);
        assert_eq!(
            burden_category(date!(2021 - 05 - 01), on, false, 2),
            Some(3)
        );
        assert_eq!(burden_category(date!(1980 - 05 - 01), on, false, 3), None);
        assert_eq!(
            burden_category(date!(1953 - 05 - 01), on, false, 2),
            Some(1)
        );
        assert_eq!(
            burden_category(date!(1953 - 05 - 01), on, false, 3),
            Some(2)
        );
        assert_eq!(burden_category(date!(1945 - 05 - 01), on, true, 2), Some(5));
        assert_eq!(burden_category(date!(1945 - 05 - 01), on, true, 1), Some(1));
    }

    #[test]
    fn what_is_not_a_prescription_is_refused() {
        assert_eq!(
            read_jahis(b"JAHISTC08,1\r\n"),
            Err(JahisError::MedicationNotebook)
        );
        assert_eq!(read_jahis(b"hello\r\n1,2"), Err(JahisError::NoVersion));
        assert_eq!(read_jahis(b""), Err(JahisError::NoVersion));
        assert_eq!(read_jahis(b"JAHIS10\r\nx,1"), Err(JahisError::BadRecord(2)));
        assert_eq!(read_jahis(&[0x82]), Err(JahisError::Encoding));
        assert_eq!(
            read_jahis(&vec![b'1'; MAX_BYTES + 1]),
            Err(JahisError::TooLarge)
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any bytes: an answer, never a panic.
        #[test]
        fn reading_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = read_jahis(&bytes);
        }

        /// Any text in the fields survives as fields: no record is split or merged.
        #[test]
        fn any_text_keeps_the_record_shape(name in "\\PC{0,30}", remarks in "[\\PC\n]{0,60}") {
            let mut s = tests_sheet();
            s.patient_name = name;
            s.prescription.remarks = remarks;
            let written = s.records();
            let (_, read) = read_jahis(&s.jahis_bytes()).unwrap();
            prop_assert_eq!(read.len(), written.len() - 1);
            for (r, w) in read.iter().zip(written.iter().skip(1)) {
                prop_assert_eq!(r.len(), w.len());
                prop_assert_eq!(&r[0], &w[0]);
            }
        }
    }

    fn tests_sheet() -> PrescriptionSheet {
        serde_json::from_value(serde_json::json!({
            "institution_code": "1311234567", "institution_name": "架空クリニック",
            "department": "内科", "doctor_name": "架空 医師", "patient_number": "1",
            "patient_name": "架空 太郎", "patient_kana": "カクウ タロウ", "patient_sex": 1,
            "birth_date": "1980-01-01", "insurance_kind": 1, "insurer_number": "06123459",
            "symbol": "1", "number": "2", "branch": "", "insured": true, "burden_tenths": 3,
            "issued_on": "2025-04-01",
            "prescription": {"dispensing": "outside", "rps": [{"rp": {"kind": "internal", "days": 7,
                "drugs": [{"code": "620098801", "quantity": "3"}]}, "usage": {"text": "毎食後"}}]},
            "drugs": [[{"code": "620098801", "name": "ロキソニン錠６０ｍｇ", "unit": "錠"}]]
        }))
        .unwrap()
    }
}
