//! [`UkeFile::check`]: the invariants a writer must keep, found on the records as
//! [`UkeFile::to_bytes`] would write them (so each problem names the line it would be on).
//!
//! When `check` finds nothing, reading the written bytes gives the same [`UkeFile`] back, apart
//! from what the writer normalises: trailing spaces of a typed record's field (never written),
//! leading spaces of a 保険者番号 (the writer pads, the reader strips), zero padding (KO 受給者番号,
//! SN 枝番) and the characters Shift_JIS reads back as others: the JIS-mapping code points as
//! their CP932 ones (− U+2212 → － U+FF0D) and `¥` as `\` (`crate::sjis::as_decoded`). The
//! property tests in `tests.rs` hold `check` to this.

use super::error::{is_record_kind, UkeFieldRef};
use super::layout::{self, FieldSpec, Mode};
use super::write::{clean, Note, RawPlace};
use super::{read, UkeFile, MAX_FIELDS, MAX_LINE_BYTES};
use crate::sjis::sjis_len;

/// An invariant the file breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UkeProblem {
    /// The line [`UkeFile::to_bytes`] writes the record on (1-based).
    pub line: usize,
    /// The record's レコード識別情報.
    pub record: String,
    /// The field, when the problem is about one.
    pub field: Option<UkeFieldRef>,
    pub kind: UkeProblemKind,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UkeProblemKind {
    /// GO 総件数 is not Σ [`super::ClaimRecords::count`] (one per HO and per KO, 第1章 3(4)ク 注).
    ClaimCount { written: Option<u32>, expected: u64 },
    /// GO 総合計点数 is not Σ [`super::ClaimRecords::main_points`].
    TotalPoints { written: Option<u64>, expected: u64 },
    /// RE レセプト番号 is not the claim's place (1, 2, … in file order; 第1章 3(4)イ 項目2).
    ClaimNumber { expected: usize },
    /// A claim with neither HO nor KO (第1章 3(3)ア(カ)).
    NoPayer,
    /// More than four KO (医療保険と1～4種の公費).
    TooManyPublic,
    /// 回数 is not the sum of the 算定日情報 (SI/IY/TO 項目7).
    Times { times: u32, days: u32 },
    /// A 固定 field without exactly its bytes.
    FixedLength { expected: usize, actual: usize },
    /// More bytes than the field has (in Shift_JIS).
    TooLong { max: usize, actual: usize },
    /// Something other than digits in a 数字 field.
    NotDigits,
    /// A full-width character in an 英数 field.
    NotHalfWidth,
    /// A half-width character in a 漢字 field.
    NotFullWidth,
    /// Half- and full-width characters mixed in an 英数又は漢字 field.
    MixedWidth,
    /// The writer has to change the text: a comma (→ `，`), a control character (→ space) or a
    /// character outside JIS X 0201/0208 (→ `■`).
    Replaced,
    /// A code in a list of codes (病棟区分, レセプト特記事項, 修飾語コード, 患者の状態) without
    /// its width, or with a blank in it.
    CodeWidth { width: usize },
    /// IR 点数表 other than 医科 ("1"): the reader would refuse the file
    /// ([`super::UkeErrorKind::NotMedical`]).
    NotMedical,
    /// A raw record with more fields than the reader takes ([`super::MAX_FIELDS`]).
    TooManyFields { limit: usize },
    /// A raw record longer, in Shift_JIS, than the reader takes ([`super::MAX_LINE_BYTES`]).
    LineTooLong { limit: usize },
    /// A raw record whose kind is not two upper-case letters or digits, or is IR, RE or GO.
    RawKind,
    /// A raw record the reader would put elsewhere (a known record kind among the header or the
    /// lines, an unknown kind in `other` not after SJ or a TI/TR/TS, a line-raw before any SY
    /// or typed line).
    RawPlacement,
}

impl UkeProblemKind {
    fn message_ja(&self) -> String {
        match self {
            Self::ClaimCount { written, expected } => format!(
                "総件数が {} です（レセプトの保険者・公費の件数の合計は {expected}）",
                shown(written)
            ),
            Self::TotalPoints { written, expected } => format!(
                "総合計点数が {} です（各レセプトの主保険の合計点数の合計は {expected}）",
                shown(written)
            ),
            Self::ClaimNumber { expected } => {
                format!("レセプト番号が記録順の連番ではありません（{expected} のはず）")
            }
            Self::NoPayer => "HO（保険者）も KO（公費）もありません".into(),
            Self::TooManyPublic => "KO（公費）が4つを超えています".into(),
            Self::Times { times, days } => {
                format!("回数 {times} が算定日情報の合計 {days} と一致しません")
            }
            Self::FixedLength { expected, actual } => {
                format!("固定長 {expected} バイトの項目が {actual} バイトです")
            }
            Self::TooLong { max, actual } => {
                format!("最大 {max} バイトの項目が {actual} バイトです")
            }
            Self::NotDigits => "数字の項目に数字以外があります".into(),
            Self::NotHalfWidth => "英数の項目に全角文字があります".into(),
            Self::NotFullWidth => "漢字の項目に半角文字があります".into(),
            Self::MixedWidth => "英数と漢字が混在しています".into(),
            Self::Replaced => {
                "書き出すと文字が置き換わります（コンマ→全角、制御文字→空白、JIS X 0208 外→■）"
                    .into()
            }
            Self::CodeWidth { width } => {
                format!("{width} 桁でないコード（または空白を含むコード）があります")
            }
            Self::NotMedical => "点数表が医科（1）ではありません".into(),
            Self::TooManyFields { limit } => format!("項目が {limit} を超えています"),
            Self::LineTooLong { limit } => format!("レコードが {limit} バイトを超えています"),
            Self::RawKind => "レコード識別情報が不正です".into(),
            Self::RawPlacement => "この位置のレコードは読み直すと別の位置に入ります".into(),
        }
    }
}

fn shown<T: ToString>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map(T::to_string)
        .unwrap_or_else(|| "空".into())
}

impl UkeProblem {
    /// For the operator: `12行目 SI レコード 項目7（回数）: 回数 2 が算定日情報の合計 1 と一致しません`.
    pub fn message_ja(&self) -> String {
        format!("{}行目 {}", self.line, self.record_message_ja())
    }

    /// Without the line (for a problem shown beside its claim): `SI レコード 項目7（回数）: …`.
    pub fn record_message_ja(&self) -> String {
        let field = self
            .field
            .map(|f| format!(" 項目{}（{}）", f.number, f.name))
            .unwrap_or_default();
        format!(
            "{} レコード{field}: {}",
            self.record,
            self.kind.message_ja()
        )
    }
}

impl UkeFile {
    /// The invariants this file breaks; empty for a file fit to send. Checked: GO 総件数 and
    /// 総合計点数 against the claims (single-volume files: IR "00", GO "99"), RE レセプト番号
    /// 1, 2, …, HO or KO present and at most four KO, SI/IY/TO 回数 = Σ 算定日情報, and for every
    /// field of every typed record its 固定 length, its 最大バイト in Shift_JIS and its モード, and
    /// whether the writer has to replace characters in it; IR 点数表 医科 ("1") or empty. Raw
    /// records are checked for their kind, for being where the reader would put them back, for
    /// characters the writer has to replace and for the reader's limits on fields and line
    /// length.
    pub fn check(&self) -> Vec<UkeProblem> {
        let mut problems = Vec::new();
        for (i, record) in self.written().iter().enumerate() {
            let line = i + 1;
            let kind = record.fields.first().cloned().unwrap_or_default();
            let mut push = |field: Option<UkeFieldRef>, problem: UkeProblemKind| {
                problems.push(UkeProblem {
                    line,
                    record: kind.clone(),
                    field,
                    kind: problem,
                })
            };
            let field_ref = |number: usize| {
                record
                    .layout
                    .and_then(|l| l.get(number - 1))
                    .map(|spec| UkeFieldRef {
                        number,
                        name: spec.name,
                    })
            };
            match record.note {
                Note::None => {}
                Note::Institution => {
                    // What `read_uke` refuses as another 点数表's file.
                    let table = clean(&self.institution.score_table, true);
                    if !table.is_empty() && table != "1" {
                        push(field_ref(4), UkeProblemKind::NotMedical);
                    }
                }
                Note::ClaimStart(index) => {
                    let expected = index + 1;
                    if usize::try_from(self.claims[index].re.claim_number).ok() != Some(expected) {
                        push(field_ref(2), UkeProblemKind::ClaimNumber { expected });
                    }
                    let claim = &self.claims[index];
                    if claim.ho.is_none() && claim.ko.is_empty() {
                        push(None, UkeProblemKind::NoPayer);
                    }
                    if claim.ko.len() > 4 {
                        push(None, UkeProblemKind::TooManyPublic);
                    }
                }
                Note::Times { times, days } => {
                    let times = u32::from(times.unwrap_or(0));
                    if times != days {
                        push(field_ref(7), UkeProblemKind::Times { times, days });
                    }
                }
                Note::Totals => {
                    let single = self.institution.volume == "00" && self.totals.volume == "99";
                    if single {
                        let expected: u64 = self.claims.iter().map(|c| c.count()).sum();
                        let written = self.totals.claim_count;
                        if written.map(u64::from) != Some(expected) {
                            push(
                                field_ref(2),
                                UkeProblemKind::ClaimCount { written, expected },
                            );
                        }
                        let expected: u64 = self.claims.iter().map(|c| c.main_points()).sum();
                        let written = self.totals.total_points;
                        if written != Some(expected) {
                            push(
                                field_ref(3),
                                UkeProblemKind::TotalPoints { written, expected },
                            );
                        }
                    }
                }
                Note::Raw(place) => {
                    if let Some(problem) = raw_problem(&kind, place) {
                        push(None, problem);
                    }
                }
            }
            for &(number, width) in &record.bad_widths {
                push(field_ref(number), UkeProblemKind::CodeWidth { width });
            }
            if let Some(layout) = record.layout {
                for (n, (value, spec)) in record.fields.iter().zip(layout).enumerate().skip(1) {
                    for problem in field_problems(value, spec) {
                        push(field_ref(n + 1), problem);
                    }
                }
            } else {
                // A raw record is written as kept and must read back so: no field the writer
                // changes, no more fields or bytes than the reader takes. (A typed record's
                // fields are bounded by its layout.)
                if record.fields.len() > MAX_FIELDS {
                    push(None, UkeProblemKind::TooManyFields { limit: MAX_FIELDS });
                }
                let mut bytes = record.fields.len().saturating_sub(1);
                for (n, value) in record.fields.iter().enumerate() {
                    let written = clean(value, false);
                    bytes += sjis_len(&written);
                    if n > 0 && written != *value {
                        let field = read::field_ref(layout::layout(&kind), n + 1);
                        push(Some(field), UkeProblemKind::Replaced);
                    }
                }
                if bytes > MAX_LINE_BYTES {
                    push(
                        None,
                        UkeProblemKind::LineTooLong {
                            limit: MAX_LINE_BYTES,
                        },
                    );
                }
            }
        }
        problems
    }
}

/// What is wrong with a raw record of `kind` at `place`, if anything (mirrors the reader's
/// placement rules in `read.rs`).
fn raw_problem(kind: &str, place: RawPlace) -> Option<UkeProblemKind> {
    if !is_record_kind(kind) || matches!(kind, "IR" | "RE" | "GO") {
        return Some(UkeProblemKind::RawKind);
    }
    let typed = layout::layout(kind).is_some();
    let donor = matches!(kind, "TI" | "TR" | "TS");
    let fits = match place {
        RawPlace::Header => !typed && !donor,
        RawPlace::Lines { after_body } => after_body && !typed && !donor,
        RawPlace::Tail { index, after_sj } => index > 0 || donor || (after_sj && !typed),
    };
    (!fits).then_some(UkeProblemKind::RawPlacement)
}

/// The problems of one typed field's value against its layout.
fn field_problems(value: &str, spec: &FieldSpec) -> Vec<UkeProblemKind> {
    let mut problems = Vec::new();
    let written = clean(value, true);
    // `clean` turns what the format cannot carry into something else (`■` included).
    if written != value.trim_end_matches([' ', '\u{3000}']) {
        problems.push(UkeProblemKind::Replaced);
    }
    let bytes = sjis_len(&written);
    if spec.fixed && bytes != spec.max {
        problems.push(UkeProblemKind::FixedLength {
            expected: spec.max,
            actual: bytes,
        });
    } else if bytes > spec.max {
        problems.push(UkeProblemKind::TooLong {
            max: spec.max,
            actual: bytes,
        });
    }
    let mut buf = [0u8; 4];
    let mut width = written.chars().map(|c| sjis_len(c.encode_utf8(&mut buf)));
    let mode_problem = match spec.mode {
        Mode::Digits => {
            (!written.chars().all(|c| c.is_ascii_digit())).then_some(UkeProblemKind::NotDigits)
        }
        Mode::Decimal => (!written.chars().all(|c| c.is_ascii_digit() || c == '.'))
            .then_some(UkeProblemKind::NotDigits),
        Mode::Alnum => (!width.all(|w| w == 1)).then_some(UkeProblemKind::NotHalfWidth),
        Mode::Kanji => (!width.all(|w| w == 2)).then_some(UkeProblemKind::NotFullWidth),
        Mode::Either => {
            let widths: Vec<usize> = width.collect();
            (widths.contains(&1) && widths.contains(&2)).then_some(UkeProblemKind::MixedWidth)
        }
    };
    problems.extend(mode_problem);
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::uke::layout::{HO, RE, SI};

    #[test]
    fn a_field_is_checked_against_its_layout() {
        let insurer = &HO[1];
        assert_eq!(field_problems("  133066", insurer), vec![]);
        assert_eq!(
            field_problems("133066", insurer),
            vec![UkeProblemKind::FixedLength {
                expected: 8,
                actual: 6
            }]
        );
        assert_eq!(
            field_problems("１２３４５６７８", insurer),
            vec![
                UkeProblemKind::FixedLength {
                    expected: 8,
                    actual: 16
                },
                UkeProblemKind::NotHalfWidth
            ]
        );
        let name = &RE[4];
        assert_eq!(field_problems("架空　太郎", name), vec![]);
        assert_eq!(
            field_problems("架空 太郎", name),
            vec![UkeProblemKind::MixedWidth]
        );
        assert_eq!(
            field_problems("架空,太郎", name),
            vec![UkeProblemKind::Replaced]
        );
        assert_eq!(field_problems("髙橋", name), vec![UkeProblemKind::Replaced]);
        let kana = &RE[36];
        assert_eq!(
            field_problems("ｶｸｳ", kana),
            vec![UkeProblemKind::NotFullWidth]
        );
        let times = &SI[6];
        assert_eq!(field_problems("1a", times), vec![UkeProblemKind::NotDigits]);
        assert_eq!(
            field_problems("1234", times),
            vec![UkeProblemKind::TooLong { max: 3, actual: 4 }]
        );
    }

    #[test]
    fn raw_records_must_be_where_the_reader_puts_them() {
        assert_eq!(raw_problem("GR", RawPlace::Header), None);
        assert_eq!(
            raw_problem("SI", RawPlace::Header),
            Some(UkeProblemKind::RawPlacement)
        );
        assert_eq!(
            raw_problem("re", RawPlace::Header),
            Some(UkeProblemKind::RawKind)
        );
        assert_eq!(
            raw_problem("GO", RawPlace::Header),
            Some(UkeProblemKind::RawKind)
        );
        assert_eq!(
            raw_problem("ZZ", RawPlace::Lines { after_body: true }),
            None
        );
        assert_eq!(
            raw_problem("ZZ", RawPlace::Lines { after_body: false }),
            Some(UkeProblemKind::RawPlacement)
        );
        let tail = |index, after_sj| RawPlace::Tail { index, after_sj };
        assert_eq!(raw_problem("TI", tail(0, false)), None);
        assert_eq!(raw_problem("SY", tail(1, false)), None);
        assert_eq!(raw_problem("ZZ", tail(0, true)), None);
        assert_eq!(
            raw_problem("ZZ", tail(0, false)),
            Some(UkeProblemKind::RawPlacement)
        );
        assert_eq!(
            raw_problem("SY", tail(0, true)),
            Some(UkeProblemKind::RawPlacement)
        );
    }
}
