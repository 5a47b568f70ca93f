//! 文書: documents Karte writes for a patient and keeps as PDF — today the 診療情報提供書
//! (referral letter). A letter is drafted from a template filled from the chart
//! ([`fill_referral`]), edited, and finalised (確定) by a doctor; the finalised version freezes
//! the header facts it printed (institution, doctor, patient, date: [`LetterHeader`]) and is
//! rendered from [`referral_print`] to PDF. An amendment is a new version. No IO.
//!
//! The layout follows 別紙様式11 「診療情報提供書」 (診療報酬の算定方法 別表第一 医科診療報酬点数表
//! B009 診療情報提供料(I), 令和6年厚生労働省告示第57号, 令和6年6月1日適用): addressee, date, the
//! sender's address, name, telephone and doctor, the patient's name, sex, birth date (age),
//! address and telephone, then 傷病名, 紹介目的, 既往歴及び家族歴, 症状経過及び検査結果, 治療経過,
//! 現在の処方 and 備考. Karte adds アレルギー・禁忌 as its own section, which the form leaves to 備考.

use crate::domain::chart::Soap;
use crate::domain::insurance::age_on;
use crate::domain::japanese::{parse_date, wareki};
use crate::domain::patient::Sex;
use crate::domain::text::{bounded, Lines};
use crate::domain::FieldError;
use crate::print::{Block, PrintDoc};
use serde::{Deserialize, Serialize};

/// What kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 診療情報提供書.
    Referral,
}

impl DocumentKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Referral => "referral",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "referral" => Some(Self::Referral),
            _ => None,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Referral => "診療情報提供書",
        }
    }
}

/// The letter's own text, as the doctor writes it (the draft, and the body of a version).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralLetter {
    /// 紹介先医療機関名.
    pub to_institution: String,
    /// 紹介先の診療科.
    #[serde(default)]
    pub to_department: String,
    /// 紹介先の担当医 (empty: 「ご担当医」).
    #[serde(default)]
    pub to_doctor: String,
    /// 紹介目的.
    #[serde(default)]
    pub purpose: String,
    /// 傷病名 (one per line).
    #[serde(default)]
    pub diagnoses: String,
    /// 既往歴及び家族歴.
    #[serde(default)]
    pub history: String,
    /// 症状経過及び検査結果.
    #[serde(default)]
    pub course: String,
    /// 治療経過.
    #[serde(default)]
    pub treatment: String,
    /// 現在の処方.
    #[serde(default)]
    pub medications: String,
    /// アレルギー・禁忌.
    #[serde(default)]
    pub allergies: String,
    /// 備考.
    #[serde(default)]
    pub remarks: String,
}

/// The fields of a letter: name, label, longest length and whether one line.
pub const REFERRAL_FIELDS: [(&str, &str, usize, Lines); 11] = [
    ("to_institution", "紹介先医療機関", 60, Lines::Single),
    ("to_department", "診療科", 30, Lines::Single),
    ("to_doctor", "担当医", 30, Lines::Single),
    ("purpose", "紹介目的", 1000, Lines::Multi),
    ("diagnoses", "傷病名", 2000, Lines::Multi),
    ("history", "既往歴及び家族歴", 4000, Lines::Multi),
    ("course", "症状経過及び検査結果", 8000, Lines::Multi),
    ("treatment", "治療経過", 4000, Lines::Multi),
    ("medications", "現在の処方", 4000, Lines::Multi),
    ("allergies", "アレルギー・禁忌", 1000, Lines::Multi),
    ("remarks", "備考", 2000, Lines::Multi),
];

/// What must be written before a letter is finalised (a draft may lack them).
const REQUIRED_TO_FINALISE: [&str; 3] = ["to_institution", "purpose", "diagnoses"];

impl ReferralLetter {
    fn field_mut(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "to_institution" => &mut self.to_institution,
            "to_department" => &mut self.to_department,
            "to_doctor" => &mut self.to_doctor,
            "purpose" => &mut self.purpose,
            "diagnoses" => &mut self.diagnoses,
            "history" => &mut self.history,
            "course" => &mut self.course,
            "treatment" => &mut self.treatment,
            "medications" => &mut self.medications,
            "allergies" => &mut self.allergies,
            "remarks" => &mut self.remarks,
            _ => return None,
        })
    }

    /// The field `name`'s text.
    pub fn field(&self, name: &str) -> &str {
        match name {
            "to_institution" => &self.to_institution,
            "to_department" => &self.to_department,
            "to_doctor" => &self.to_doctor,
            "purpose" => &self.purpose,
            "diagnoses" => &self.diagnoses,
            "history" => &self.history,
            "course" => &self.course,
            "treatment" => &self.treatment,
            "medications" => &self.medications,
            "allergies" => &self.allergies,
            "remarks" => &self.remarks,
            _ => "",
        }
    }

    /// Sets the field `name` (for the app's form); an unknown name changes nothing.
    pub fn set_field(&mut self, name: &str, text: String) {
        if let Some(f) = self.field_mut(name) {
            *f = text;
        }
    }

    /// The letter as a draft keeps it: every field trimmed, within its length, without control
    /// characters (line breaks only in the multi-line fields). Each problem is reported.
    pub fn validate_draft(&self) -> Result<ReferralLetter, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out = ReferralLetter::default();
        for (name, label, max, lines) in REFERRAL_FIELDS {
            // Line breaks are kept as line feeds only (a pasted CR LF or CR becomes LF).
            let typed = self.field(name).replace("\r\n", "\n").replace('\r', "\n");
            let text = bounded(name, &typed, max, label, lines, &mut errors);
            out.set_field(name, text);
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// As [`Self::validate_draft`], and what the form requires is written (紹介先, 紹介目的,
    /// 傷病名).
    pub fn validate_final(&self) -> Result<ReferralLetter, Vec<FieldError>> {
        let letter = self.validate_draft()?;
        let errors: Vec<FieldError> = REFERRAL_FIELDS
            .iter()
            .filter(|(name, ..)| REQUIRED_TO_FINALISE.contains(name))
            .filter(|(name, ..)| letter.field(name).is_empty())
            .map(|(name, label, ..)| {
                FieldError::new(name, "required", format!("{label}を入力してください"))
            })
            .collect();
        if errors.is_empty() {
            Ok(letter)
        } else {
            Err(errors)
        }
    }
}

/// The institution as the letter names it (the sender).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterInstitution {
    pub name: String,
    pub postal_code: String,
    pub address: String,
    pub phone: String,
}

/// The patient as the letter names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterPatient {
    pub number: String,
    pub name: String,
    pub kana: String,
    pub sex: Sex,
    /// YYYY-MM-DD.
    pub birth_date: String,
    pub address: String,
    pub phone: String,
}

/// The facts a finalised letter printed besides its text, frozen with the version: a later
/// change of the patient's address or the institution's name never changes a letter sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterHeader {
    /// The letter's date (the day it was finalised, JST), YYYY-MM-DD.
    pub date: String,
    pub institution: LetterInstitution,
    /// The doctor who finalised (signed) it.
    pub doctor: String,
    pub patient: LetterPatient,
}

/// An active diagnosis as the template lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosisFact {
    /// As printed (`…の疑い` for a suspected one).
    pub name: String,
    pub main: bool,
    /// YYYY-MM-DD.
    pub start_date: String,
}

/// A lab result as the template lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabFact {
    /// YYYY-MM-DD.
    pub date: String,
    pub name: String,
    pub value: String,
    pub unit: String,
    /// H / L / … as recorded.
    pub flag: Option<String>,
}

/// What the template fills a new letter from, as the server read it from the chart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartFacts {
    /// Active diagnoses, main ones first.
    pub diagnoses: Vec<DiagnosisFact>,
    /// One line per active allergy or contraindication (`ペニシリン（薬剤・重篤）: 発疹`).
    pub allergies: Vec<String>,
    /// The latest prescription: its day (YYYY-MM-DD), 院内/院外, and one line per drug and
    /// 用法.
    pub prescription: Option<(String, String, Vec<String>)>,
    /// Recent results, oldest first.
    pub labs: Vec<LabFact>,
    /// Recent notes (day YYYY-MM-DD, SOAP), oldest first.
    pub notes: Vec<(String, Soap)>,
}

/// Longest text taken from one note section into the template.
const NOTE_EXCERPT: usize = 200;

fn day_ja(iso: &str) -> String {
    parse_date(iso)
        .map(wareki)
        .unwrap_or_else(|| iso.to_string())
}

fn excerpt(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > NOTE_EXCERPT {
        let cut: String = one_line.chars().take(NOTE_EXCERPT).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// A new letter filled from the chart: 傷病名 (main first, with their start dates), 症状経過 from
/// the recent notes' S, O and A and the recent lab results, 治療経過 from the latest note's P,
/// 現在の処方 from the latest prescription, and アレルギー・禁忌. The addressee, 紹介目的 and
/// 既往歴 are the doctor's to write.
pub fn fill_referral(facts: &ChartFacts) -> ReferralLetter {
    let diagnoses = facts
        .diagnoses
        .iter()
        .map(|d| {
            let main = if d.main { "（主病）" } else { "" };
            format!("{}{main}　{}〜", d.name, day_ja(&d.start_date))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut course = Vec::new();
    for (day, soap) in &facts.notes {
        let mut lines = vec![format!("【{}】", day_ja(day))];
        for (label, text) in [
            ("S", &soap.subjective),
            ("O", &soap.objective),
            ("A", &soap.assessment),
        ] {
            if !text.trim().is_empty() {
                lines.push(format!("{label}: {}", excerpt(text)));
            }
        }
        course.push(lines.join("\n"));
    }
    if !facts.labs.is_empty() {
        let mut lines = vec!["【検査結果】".to_string()];
        for lab in &facts.labs {
            let flag = lab
                .flag
                .as_deref()
                .filter(|f| !f.is_empty())
                .map(|f| format!("（{f}）"))
                .unwrap_or_default();
            let unit = if lab.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", lab.unit)
            };
            lines.push(format!(
                "{}　{} {}{unit}{flag}",
                day_ja(&lab.date),
                lab.name,
                lab.value
            ));
        }
        course.push(lines.join("\n"));
    }
    let treatment = facts
        .notes
        .last()
        .map(|(_, soap)| soap.plan.trim().to_string())
        .unwrap_or_default();
    let medications = match &facts.prescription {
        Some((day, dispensing, lines)) => {
            let mut out = vec![format!("{}処方（{dispensing}）", day_ja(day))];
            out.extend(lines.iter().cloned());
            out.join("\n")
        }
        None => String::new(),
    };
    let allergies = if facts.allergies.is_empty() {
        "特記すべきものなし".to_string()
    } else {
        facts.allergies.join("\n")
    };
    let letter = ReferralLetter {
        diagnoses,
        course: course.join("\n\n"),
        treatment,
        medications,
        allergies,
        ..ReferralLetter::default()
    };
    // The chart's text is longer than a field holds only for a very long history: cut it at the
    // field's length so that the draft saves (the doctor edits it anyway).
    fit(letter)
}

fn fit(mut letter: ReferralLetter) -> ReferralLetter {
    for (name, _, max, _) in REFERRAL_FIELDS {
        if let Some(f) = letter.field_mut(name) {
            if f.chars().count() > max {
                *f = f.chars().take(max).collect();
            }
        }
    }
    letter
}

/// The version a printed letter is, for its footer and the note under the date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedVersion {
    pub version: i32,
    /// Why it was amended (empty for the first version).
    pub reason: String,
}

/// The letter laid out as 別紙様式11 for the PDF renderer.
pub fn referral_print(
    header: &LetterHeader,
    letter: &ReferralLetter,
    printed: &PrintedVersion,
) -> PrintDoc {
    let mut blocks = vec![
        Block::Heading(DocumentKind::Referral.label_ja().to_string()),
        Block::Right(day_ja(&header.date)),
    ];
    if printed.version > 1 {
        blocks.push(Block::Right(format!(
            "第{}版（訂正理由：{}）",
            printed.version, printed.reason
        )));
    }
    let department = if letter.to_department.is_empty() {
        String::new()
    } else {
        format!("{}　", letter.to_department)
    };
    let doctor = if letter.to_doctor.is_empty() {
        "ご担当医".to_string()
    } else {
        letter.to_doctor.clone()
    };
    blocks.push(Block::Large(format!(
        "{}\n{department}{doctor} 先生 御侍史",
        letter.to_institution
    )));
    let inst = &header.institution;
    let mut sender = Vec::new();
    if !inst.postal_code.is_empty() || !inst.address.is_empty() {
        sender.push(format!("〒{} {}", inst.postal_code, inst.address));
    }
    sender.push(inst.name.clone());
    if !inst.phone.is_empty() {
        sender.push(format!("電話 {}", inst.phone));
    }
    sender.push(format!("医師 {}", header.doctor));
    blocks.push(Block::Right(sender.join("\n")));
    blocks.push(Block::Space(1));
    let p = &header.patient;
    let birth = parse_date(&p.birth_date);
    let age = match (birth, parse_date(&header.date)) {
        (Some(b), Some(d)) => format!("（{}歳）", age_on(b, d)),
        _ => String::new(),
    };
    blocks.push(Block::Fields(vec![
        ("患者氏名".into(), format!("{}（{}）", p.name, p.kana)),
        ("性別".into(), p.sex.label_ja().to_string()),
        (
            "生年月日".into(),
            format!("{}{age}", birth.map(wareki).unwrap_or_default()),
        ),
        ("住所".into(), p.address.clone()),
        ("電話番号".into(), p.phone.clone()),
        ("患者番号".into(), p.number.clone()),
    ]));
    for (name, heading) in [
        ("diagnoses", "傷病名"),
        ("purpose", "紹介目的"),
        ("history", "既往歴及び家族歴"),
        ("course", "症状経過及び検査結果"),
        ("treatment", "治療経過"),
        ("medications", "現在の処方"),
        ("allergies", "アレルギー・禁忌"),
        ("remarks", "備考"),
    ] {
        blocks.push(Block::Section {
            heading: heading.to_string(),
            body: letter.field(name).to_string(),
        });
    }
    PrintDoc {
        title: format!("{} {}様", DocumentKind::Referral.label_ja(), p.name),
        date: header.date.clone(),
        blocks,
        footer: format!(
            "{} 第{}版　患者番号 {} {}　{}",
            DocumentKind::Referral.label_ja(),
            printed.version,
            p.number,
            p.name,
            inst.name
        ),
        header: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ChartFacts {
        ChartFacts {
            diagnoses: vec![
                DiagnosisFact {
                    name: "本態性高血圧症".into(),
                    main: true,
                    start_date: "2024-04-01".into(),
                },
                DiagnosisFact {
                    name: "２型糖尿病の疑い".into(),
                    main: false,
                    start_date: "2026-11-20".into(),
                },
            ],
            allergies: vec!["ペニシリン（薬剤・重篤）: 発疹".into()],
            prescription: Some((
                "2026-11-20".into(),
                "院外".into(),
                vec![
                    "Rp1 アムロジピン錠５ｍｇ 1錠".into(),
                    "　　１日１回朝食後 28日分".into(),
                ],
            )),
            labs: vec![LabFact {
                date: "2026-11-20".into(),
                name: "HbA1c".into(),
                value: "7.2".into(),
                unit: "%".into(),
                flag: Some("H".into()),
            }],
            notes: vec![(
                "2026-11-20".into(),
                Soap {
                    subjective: "口渇あり".into(),
                    objective: "血圧 148/92".into(),
                    assessment: "血糖コントロール不良".into(),
                    plan: "食事療法の再指導".into(),
                },
            )],
        }
    }

    #[test]
    fn the_template_is_filled_from_the_chart() {
        let letter = fill_referral(&facts());
        assert_eq!(
            letter.diagnoses,
            "本態性高血圧症（主病）　令和6年4月1日〜\n２型糖尿病の疑い　令和8年11月20日〜"
        );
        assert_eq!(
            letter.course,
            "【令和8年11月20日】\nS: 口渇あり\nO: 血圧 148/92\nA: 血糖コントロール不良\n\n\
             【検査結果】\n令和8年11月20日　HbA1c 7.2 %（H）"
        );
        assert_eq!(letter.treatment, "食事療法の再指導");
        assert_eq!(
            letter.medications,
            "令和8年11月20日処方（院外）\nRp1 アムロジピン錠５ｍｇ 1錠\n　　１日１回朝食後 28日分"
        );
        assert_eq!(letter.allergies, "ペニシリン（薬剤・重篤）: 発疹");
        // The doctor's part is left empty.
        assert!(letter.to_institution.is_empty() && letter.purpose.is_empty());
        // What the template gives is a valid draft.
        assert_eq!(letter.validate_draft(), Ok(letter.clone()));
    }

    #[test]
    fn an_empty_chart_gives_an_empty_letter_with_no_allergies_said() {
        let letter = fill_referral(&ChartFacts::default());
        assert_eq!(letter.allergies, "特記すべきものなし");
        assert!(letter.diagnoses.is_empty() && letter.course.is_empty());
    }

    #[test]
    fn a_long_note_is_cut_to_an_excerpt_and_a_huge_chart_to_the_field() {
        let mut f = facts();
        f.notes[0].1.subjective = "あ".repeat(500);
        let letter = fill_referral(&f);
        assert!(letter.course.contains(&format!("S: {}…", "あ".repeat(200))));
        f.notes = (0..100).map(|_| f.notes[0].clone()).collect();
        let letter = fill_referral(&f);
        assert_eq!(letter.course.chars().count(), 8000);
        assert!(letter.validate_draft().is_ok());
    }

    #[test]
    fn a_draft_may_be_incomplete_but_a_final_letter_may_not() {
        let letter = fill_referral(&ChartFacts::default());
        assert!(letter.validate_draft().is_ok());
        let errors = letter.validate_final().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["to_institution", "purpose", "diagnoses"]);
        let mut done = letter.clone();
        done.to_institution = "  見本総合病院 ".into();
        done.purpose = "精査加療のお願い".into();
        done.diagnoses = "本態性高血圧症".into();
        let valid = done.validate_final().unwrap();
        assert_eq!(valid.to_institution, "見本総合病院");
    }

    #[test]
    fn line_breaks_are_kept_as_line_feeds() {
        let letter = ReferralLetter {
            course: "一行目\r\n二行目\r三行目".into(),
            ..ReferralLetter::default()
        };
        assert_eq!(
            letter.validate_draft().unwrap().course,
            "一行目\n二行目\n三行目"
        );
    }

    #[test]
    fn control_characters_and_overlong_fields_are_refused_per_field() {
        let letter = ReferralLetter {
            to_institution: "見本\n病院".into(),
            purpose: "目的\u{202E}".into(),
            course: "経".repeat(8001),
            history: "一行目\n二行目".into(),
            ..ReferralLetter::default()
        };
        let errors = letter.validate_draft().unwrap_err();
        let got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("to_institution", "control_character"),
                ("purpose", "control_character"),
                ("course", "too_long"),
            ]
        );
    }

    #[test]
    fn the_print_follows_the_form_and_names_an_amendment() {
        let header = LetterHeader {
            date: "2026-12-04".into(),
            institution: LetterInstitution {
                name: "見本内科クリニック".into(),
                postal_code: "113-0021".into(),
                address: "東京都文京区本駒込２－２８－１６".into(),
                phone: "03-0000-0000".into(),
            },
            doctor: "見本 医師".into(),
            patient: LetterPatient {
                number: "12".into(),
                name: "見本 花子".into(),
                kana: "ミホン ハナコ".into(),
                sex: Sex::Female,
                birth_date: "1980-04-01".into(),
                address: "東京都見本区見本町1-2-3".into(),
                phone: "090-0000-0000".into(),
            },
        };
        let mut letter = fill_referral(&facts());
        letter.to_institution = "見本総合病院".into();
        letter.to_department = "循環器内科".into();
        let first = referral_print(
            &header,
            &letter,
            &PrintedVersion {
                version: 1,
                reason: String::new(),
            },
        );
        assert_eq!(first.blocks[0], Block::Heading("診療情報提供書".into()));
        assert_eq!(first.blocks[1], Block::Right("令和8年12月4日".into()));
        assert_eq!(
            first.blocks[2],
            Block::Large("見本総合病院\n循環器内科　ご担当医 先生 御侍史".into())
        );
        let Block::Fields(rows) = &first.blocks[5] else {
            panic!("patient fields expected: {:?}", first.blocks[5]);
        };
        assert_eq!(rows[2].1, "昭和55年4月1日（46歳）");
        let headings: Vec<&str> = first
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Section { heading, .. } => Some(heading.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            headings,
            vec![
                "傷病名",
                "紹介目的",
                "既往歴及び家族歴",
                "症状経過及び検査結果",
                "治療経過",
                "現在の処方",
                "アレルギー・禁忌",
                "備考"
            ]
        );
        assert!(first.footer.contains("第1版"));
        let second = referral_print(
            &header,
            &letter,
            &PrintedVersion {
                version: 2,
                reason: "処方の誤記".into(),
            },
        );
        assert_eq!(
            second.blocks[2],
            Block::Right("第2版（訂正理由：処方の誤記）".into())
        );
        assert!(second.footer.contains("第2版"));
    }
}
