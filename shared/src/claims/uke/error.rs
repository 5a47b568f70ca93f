//! Why a UKE file could not be read: where (line, record, field) and what, with a Japanese
//! message. Messages never quote a field's value (it may be a patient's name).

use std::fmt;

/// A field of a record: its 項目 number (1 = レコード識別情報) and the spec's name for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UkeFieldRef {
    pub number: usize,
    pub name: &'static str,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UkeErrorKind {
    /// The file is larger than [`super::MAX_FILE_BYTES`].
    TooLarge { limit: usize },
    /// A line is longer than [`super::MAX_LINE_BYTES`].
    LineTooLong { limit: usize },
    /// More records than [`super::MAX_RECORDS`] (bounds the memory a file of many short
    /// records takes).
    TooManyRecords { limit: usize },
    /// A record with more than `limit` fields: [`super::MAX_FIELDS`] in a 医科 file,
    /// [`super::MAX_FIELDS_ANY`] in any.
    TooManyFields { limit: usize },
    /// Bytes that are not Shift_JIS (nor UTF-8), or, in a UTF-8 file, a character Shift_JIS (JIS
    /// X 0201/0208) has not (an emoji, a bidi control, U+2028 …).
    Encoding,
    /// No records at all.
    Empty,
    /// An empty line between records.
    BlankLine,
    /// A レコード識別情報 that is not two upper-case letters or digits.
    BadRecordKind,
    /// A control character (TAB, CR, EOF …) inside a field.
    ControlCharacter,
    /// The file is for another 点数表 (別表3; "3" 歯科, "4" 調剤 …): only 医科 is typed.
    NotMedical { table: String },
    /// The first record is not IR.
    FirstNotIr,
    /// A second IR record.
    SecondIr,
    /// A record after IR and before the first RE.
    BeforeRe,
    /// The file ends without a GO record.
    NoGo,
    /// A record after GO.
    AfterGo,
    /// A second HO in one レセプト.
    Duplicate,
    /// A record out of the order of 第1章 3(3)ア(オ) (an HO after the SY or the lines, a line after
    /// SJ …).
    OutOfOrder,
    /// More fields than the record has, with something in them.
    ExtraField,
    /// A required field is empty.
    Required,
    /// Something other than digits in a 数字 field.
    NotNumeric,
    /// More digits than the field has.
    TooLong { max: usize },
    /// Not a date (`YYYYMMDD`, or 和暦 `GYYMMDD`).
    BadDate,
    /// Not a 年月 (`YYYYMM`, or 和暦 `GYYMM`).
    BadMonth,
    /// Not a decimal with at most `int` integer and `frac` fraction digits.
    BadDecimal { int: u32, frac: u32 },
    /// A run of codes whose length is not a multiple of `width`.
    BadCodeWidth { width: usize },
}

impl UkeErrorKind {
    fn message_ja(&self) -> String {
        match self {
            Self::TooLarge { limit } => {
                format!("ファイルが大きすぎます（{} MB まで）", limit / 1_000_000)
            }
            Self::LineTooLong { limit } => format!("行が長すぎます（{limit} バイトまで）"),
            Self::TooManyRecords { limit } => format!("レコードが多すぎます（{limit} 件まで）"),
            Self::TooManyFields { limit } => {
                format!("項目が多すぎます（{limit} 項目まで）")
            }
            Self::Encoding => "Shift_JIS（JIS X 0201・JIS X 0208）の文字として読めません".into(),
            Self::Empty => "レコードがありません".into(),
            Self::BlankLine => "空の行があります".into(),
            Self::BadRecordKind => "レコード識別情報が英大文字または数字2文字ではありません".into(),
            Self::ControlCharacter => "制御文字（タブ・改行・EOF など）が含まれています".into(),
            Self::NotMedical { table } => format!(
                "点数表が医科（1）ではありません（点数表 {table}）。医科のレセプト電算処理ファイルだけを読めます"
            ),
            Self::FirstNotIr => "最初のレコードが IR（医療機関情報レコード）ではありません".into(),
            Self::SecondIr => "IR（医療機関情報レコード）が2つあります".into(),
            Self::BeforeRe => "RE（レセプト共通レコード）より前にあります".into(),
            Self::NoGo => "GO（診療報酬請求書レコード）がありません".into(),
            Self::AfterGo => "GO（診療報酬請求書レコード）の後にレコードがあります".into(),
            Self::Duplicate => "1レセプトに1つしか記録できないレコードが2つあります".into(),
            Self::OutOfOrder => "レコードの記録順が記録条件仕様と違います".into(),
            Self::ExtraField => "記録条件仕様にない項目に値があります".into(),
            Self::Required => "必須の項目が空です".into(),
            Self::NotNumeric => "数字ではありません".into(),
            Self::TooLong { max } => format!("{max} 桁を超えています"),
            Self::BadDate => "年月日（YYYYMMDD または和暦 GYYMMDD）として読めません".into(),
            Self::BadMonth => "年月（YYYYMM または和暦 GYYMM）として読めません".into(),
            Self::BadDecimal { int, frac } => {
                format!("整数部{int}桁・小数部{frac}桁までの数として読めません")
            }
            Self::BadCodeWidth { width } => format!("{width} 桁ずつのコードの並びではありません"),
        }
    }
}

/// A UKE file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UkeError {
    /// The line (1-based); `None` for the file as a whole.
    pub line: Option<usize>,
    /// The record's レコード識別情報 ("SI"), when known.
    pub record: Option<String>,
    /// The field, when the error is about one.
    pub field: Option<UkeFieldRef>,
    pub kind: UkeErrorKind,
}

impl UkeError {
    /// An error about the whole file.
    pub(crate) fn file(kind: UkeErrorKind) -> Self {
        Self {
            line: None,
            record: None,
            field: None,
            kind,
        }
    }

    /// An error about a line (and its record, when known).
    pub(crate) fn line(line: usize, record: Option<&str>, kind: UkeErrorKind) -> Self {
        Self {
            line: Some(line),
            // Only an identifier-shaped kind is repeated; anything else could be data.
            record: record.filter(|k| is_record_kind(k)).map(str::to_string),
            field: None,
            kind,
        }
    }

    /// For the operator: `12行目 SI レコード 項目7（回数）: 数字ではありません`.
    pub fn message_ja(&self) -> String {
        let mut where_ = String::new();
        if let Some(line) = self.line {
            where_.push_str(&format!("{line}行目"));
        }
        if let Some(record) = &self.record {
            where_.push_str(&format!(" {record} レコード"));
        }
        if let Some(field) = self.field {
            where_.push_str(&format!(" 項目{}（{}）", field.number, field.name));
        }
        let what = self.kind.message_ja();
        if where_.is_empty() {
            what
        } else {
            format!("{}: {what}", where_.trim_start())
        }
    }
}

impl fmt::Display for UkeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_ja())
    }
}

impl std::error::Error for UkeError {}

/// Two upper-case ASCII letters or digits: the shape of every レコード識別情報.
pub(crate) fn is_record_kind(kind: &str) -> bool {
    kind.len() == 2
        && kind
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
