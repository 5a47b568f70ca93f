//! The official 基本マスター files of 社会保険診療報酬支払基金: parsing (CP932 CSV, full and diff
//! files), typed records, and the dated model ("this code on date D"). No IO: callers pass bytes.
//! No clock: every date comes from the files or the caller. Builds for wasm32 (zip reading is
//! behind the `import` feature, server only).
//!
//! # Files
//!
//! | kind | prefix / 項番2 | columns (2024) | code | 変更年月日 | 廃止年月日 |
//! |---|---|---|---|---|---|
//! | [`MasterKind::Procedure`] 医科診療行為 | `s` / `S` | 150 | 項番3, 9 digits | 87 | 88 |
//! | [`MasterKind::Drug`] 医薬品 | `y` / `Y` | 40 (35 before 2024) | 項番3, 9 digits | 30 | 31 (経過措置 34) |
//! | [`MasterKind::Material`] 特定器材 | `t` / `T` | 38 (37 in the 2022 spec) | 項番3, 9 digits | 28 | 30 (経過措置 29) |
//! | [`MasterKind::Comment`] コメント | `c` / `C` | 30 | 項番23, 9 digits | 21 | 22 |
//! | [`MasterKind::Disease`] 傷病名 | `b` / `B` | 46 | 項番3, 7 digits | 23 (収載 22) | 24 |
//! | [`MasterKind::Modifier`] 修飾語 | `z` / `Z` | 19 | 項番3, 4 digits | 15 (収載 14) | 16 |
//!
//! A *full* file (`s_ALL20240531.csv`; the 傷病名 and 修飾語 files `b_20240601.txt`,
//! `z_20240601.txt` are always full) lists every code. A *diff* file (`s_20241108.csv`) lists only
//! changed rows, and **an empty field means "unchanged"** ([`merge_diff`]): e.g. `s_20241108`
//! sends 111703270 with only 項番4-7, 59, 60, 87 and 113 filled (the new name from 2024-12-01).
//! A diff therefore cannot set a field to empty; none of the published diffs needs to.
//!
//! Dates: `YYYYMMDD`; `99999999` = not abolished; `0` / `00000000` = no 経過措置 (医薬品 34,
//! 特定器材 29); empty 変更年月日 / 収載年月日 on old 傷病名・修飾語 rows (about 85% of `b_`).
//!
//! # The dated model ([`MasterHistory`])
//!
//! Files are applied in edition order; each apply gets the next import number `seq`. Every row
//! becomes a [`Version`] of its code unless it equals the code's newest version (項番1 ignored),
//! so re-importing an unchanged full file adds nothing. A version has
//!
//! - `valid_from`: 変更年月日 (傷病名・修飾語: 収載年月日 when 変更年月日 is empty; `None` = since
//!   before any recorded date). A 変更区分 9 (廃止) row takes effect the day after its
//!   廃止年月日 (when the history does not hold the code yet, e.g. a first import, the row is
//!   kept as ordinary content valid through its 廃止年月日 instead);
//! - `last_day`: 廃止年月日, or for 医薬品・特定器材 the earlier of 廃止年月日 and 経過措置年月日
//!   (the 使用期限: after it the item cannot be billed);
//! - `end`: set for versions that end the code instead of describing it: 変更区分 1 (抹消) and 9
//!   (廃止) rows, and codes missing from a later full file (see below).
//!
//! **The rule.** On date D the governing version of a code is, among its versions with
//! `valid_from <= D`, the one with the highest `seq` (the latest import; an import adds at most
//! one version per code). The code is valid on D
//! iff that version has no `end` and `D <= last_day`. So a later edition wins for every date on or
//! after its 変更年月日, even when that date is earlier than a version we already hold (the older
//! version is superseded from there on, never deleted: the history is append-only and answers
//! stay monotonic in import order). Consequences:
//!
//! - a diff row with an empty 変更年月日 inherits the previous one, so a correction such as
//!   `s_20240621` (fixes to the 2024-06-01 rows) replaces the 2024-06-01 version retroactively;
//! - a future change (291点 from 2024-06-01 in `s_ALL20240531`) leaves earlier dates to the
//!   older version (288点 on 2024-05-31);
//! - a code that a full file no longer lists gets an `end` version from the day after the
//!   file's edition date (the date in its name; `EndReason::MissingFromFull`). The 支払基金 flags a code 9 in one
//!   edition and drops it from the next, so when every edition is imported the code has already
//!   ended on its 廃止年月日 and this changes nothing; when editions were skipped (the 755 codes of
//!   `s_ALL20240201` that the 令和6年度改定 removed are missing from `s_ALL20240531`), it is the best
//!   date available. [`ApplyReport::ended_missing`] counts them so an importer can refuse a
//!   truncated file.
//!
//! In SQL the same rule is one append-only table
//! `master_version(kind, code, seq, edition, valid_from date null, last_day date null,
//! end_reason text null, fields text[])` and
//! `… where kind = $1 and code = $2 and (valid_from is null or valid_from <= $d)
//! order by seq desc limit 1`, then the `end_reason` / `last_day` check.

mod csv;
mod error;
mod history;
pub mod postal;
mod records;
mod value;
#[cfg(feature = "import")]
mod zip;

pub use error::{FieldError, ImportError, ImportErrorCode};
pub use history::{merge_diff, ApplyReport, EndReason, ImportInfo, MasterHistory, Period, Version};
pub use records::{
    AgeAddition, CommentRecord, ControlledClass, DiseaseRecord, DosageForm, DrugPriceKind,
    DrugRecord, ElderlyScope, InOutScope, MasterRecord, MaterialPriceKind, MaterialRecord,
    ModifierClass, ModifierPosition, ModifierRecord, NoticeNumber, ProcedureRecord, ScoreKind,
};
pub use value::{parse_master_date, AgeLimit, Hundredths};
#[cfg(feature = "import")]
pub use zip::{read_zip, read_zip_with_limits, ZipLimits};

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::ops::RangeInclusive;
use value::{bad_code, clip, RawDate};

/// Which 基本マスター a file or row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MasterKind {
    /// 医科診療行為マスター (`s_`, `S`).
    Procedure,
    /// 医薬品マスター (`y_`, `Y`).
    Drug,
    /// 特定器材マスター (`t_`, `T`).
    Material,
    /// コメントマスター (`c_`, `C`).
    Comment,
    /// 傷病名マスター (`b_`, `B`).
    Disease,
    /// 修飾語マスター (`z_`, `Z`).
    Modifier,
}

/// Per-kind layout facts, all 項番 1-based.
struct Layout {
    letter: &'static str,
    columns: RangeInclusive<usize>,
    code_col: usize,
    code_len: usize,
    change_date_col: usize,
    listed_date_col: Option<usize>,
    abolish_col: usize,
    transitional_col: Option<usize>,
    date_cols: &'static [usize],
    decimal_cols: &'static [usize],
}

const PROCEDURE: Layout = Layout {
    letter: "S",
    columns: 150..=150,
    code_col: 3,
    code_len: 9,
    change_date_col: 87,
    listed_date_col: None,
    abolish_col: 88,
    transitional_col: None,
    date_cols: &[87, 88],
    decimal_cols: &[12, 34, 58],
};
const DRUG: Layout = Layout {
    letter: "Y",
    // 35 in the 2022 spec, 40 in 2024; later editions append columns (長期収載品 etc.).
    columns: 35..=60,
    code_col: 3,
    code_len: 9,
    change_date_col: 30,
    listed_date_col: None,
    abolish_col: 31,
    transitional_col: Some(34),
    date_cols: &[30, 31, 34, 36],
    decimal_cols: &[12, 25],
};
const MATERIAL: Layout = Layout {
    letter: "T",
    columns: 37..=60,
    code_col: 3,
    code_len: 9,
    change_date_col: 28,
    listed_date_col: None,
    abolish_col: 30,
    transitional_col: Some(29),
    date_cols: &[28, 29, 30],
    decimal_cols: &[12, 18],
};
const COMMENT: Layout = Layout {
    letter: "C",
    columns: 30..=30,
    code_col: 23,
    code_len: 9,
    change_date_col: 21,
    listed_date_col: None,
    abolish_col: 22,
    transitional_col: None,
    date_cols: &[21, 22],
    decimal_cols: &[],
};
const DISEASE: Layout = Layout {
    letter: "B",
    columns: 46..=46,
    code_col: 3,
    code_len: 7,
    change_date_col: 23,
    listed_date_col: Some(22),
    abolish_col: 24,
    transitional_col: None,
    date_cols: &[22, 23, 24],
    decimal_cols: &[],
};
const MODIFIER: Layout = Layout {
    letter: "Z",
    columns: 19..=19,
    code_col: 3,
    code_len: 4,
    change_date_col: 15,
    listed_date_col: Some(14),
    abolish_col: 16,
    transitional_col: None,
    date_cols: &[14, 15, 16],
    decimal_cols: &[],
};

impl MasterKind {
    pub const ALL: [MasterKind; 6] = [
        Self::Procedure,
        Self::Drug,
        Self::Material,
        Self::Comment,
        Self::Disease,
        Self::Modifier,
    ];

    fn layout(self) -> &'static Layout {
        match self {
            Self::Procedure => &PROCEDURE,
            Self::Drug => &DRUG,
            Self::Material => &MATERIAL,
            Self::Comment => &COMMENT,
            Self::Disease => &DISEASE,
            Self::Modifier => &MODIFIER,
        }
    }

    /// Stable English name (`"procedure"`, `"drug"`…), as stored by the server.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Procedure => "procedure",
            Self::Drug => "drug",
            Self::Material => "material",
            Self::Comment => "comment",
            Self::Disease => "disease",
            Self::Modifier => "modifier",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Procedure => "医科診療行為マスター",
            Self::Drug => "医薬品マスター",
            Self::Material => "特定器材マスター",
            Self::Comment => "コメントマスター",
            Self::Disease => "傷病名マスター",
            Self::Modifier => "修飾語マスター",
        }
    }

    /// マスター種別 (項番2): `S`, `Y`, `T`, `C`, `B`, `Z`.
    pub fn letter(self) -> &'static str {
        self.layout().letter
    }

    /// File-name prefix: `s`, `y`, `t`, `c`, `b`, `z`.
    pub fn file_prefix(self) -> &'static str {
        match self {
            Self::Procedure => "s",
            Self::Drug => "y",
            Self::Material => "t",
            Self::Comment => "c",
            Self::Disease => "b",
            Self::Modifier => "z",
        }
    }

    /// From マスター種別 (項番2).
    pub fn from_letter(letter: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.letter() == letter)
    }

    /// From a published file name, with or without folders or `.zip`: `s_ALL20240531.csv`,
    /// `DATA/s_20240621.csv`, `b_20240601.zip`. The pattern is `<prefix>_[ALL]<8 digits>`.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let base = base_name(name);
        let b = base.as_bytes();
        if b.len() < 3 || b[1] != b'_' {
            return None;
        }
        let rest = &base[2..];
        // Byte comparisons: a name is arbitrary text and must not be sliced inside a character.
        let rest = match rest.as_bytes().get(..3) {
            Some(p) if p.eq_ignore_ascii_case(b"ALL") => &rest[3..],
            _ => rest,
        };
        if rest.len() < 8 || !rest.as_bytes()[..8].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let prefix = base[..1].to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.file_prefix() == prefix)
    }

    /// The column counts accepted (2024 layouts; 医薬品 and 特定器材 grew over time and may grow
    /// again, so they accept older and longer rows).
    pub fn columns(self) -> RangeInclusive<usize> {
        self.layout().columns.clone()
    }

    /// 項番 of the code (3; コメント 23).
    pub fn code_column(self) -> usize {
        self.layout().code_col
    }

    /// Digits in a code: 9, or 7 for 傷病名, 4 for 修飾語.
    pub fn code_len(self) -> usize {
        self.layout().code_len
    }

    /// 項番 of 変更年月日.
    pub fn change_date_column(self) -> usize {
        self.layout().change_date_col
    }

    /// 項番 of 廃止年月日.
    pub fn abolish_date_column(self) -> usize {
        self.layout().abolish_col
    }

    /// 項番 of 収載年月日 (傷病名 22, 修飾語 14), the fallback when 変更年月日 is empty.
    pub fn listed_date_column(self) -> Option<usize> {
        self.layout().listed_date_col
    }

    /// 項番 of the 経過措置年月日 (医薬品 34, 特定器材 29): the last day an item can be billed.
    pub fn transitional_date_column(self) -> Option<usize> {
        self.layout().transitional_col
    }
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Whether a file lists every code or only changed rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileScope {
    Full,
    Diff,
}

impl FileScope {
    /// `*_ALL*` is full; 傷病名 and 修飾語 files are always published whole; the rest are diffs.
    pub fn infer(kind: MasterKind, file_name: &str) -> Self {
        let upper = base_name(file_name).to_ascii_uppercase();
        if upper.contains("_ALL") || matches!(kind, MasterKind::Disease | MasterKind::Modifier) {
            Self::Full
        } else {
            Self::Diff
        }
    }
}

/// 変更区分 (項番1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// 0: 前マスターと同じ.
    Same,
    /// 1: 抹消 (erased: the code must not be used).
    Erased,
    /// 2: 復活.
    Restored,
    /// 3: 新規.
    New,
    /// 5: 変更.
    Changed,
    /// 9: 廃止 (usable through 廃止年月日).
    Abolished,
}

impl ChangeKind {
    pub fn from_digit(s: &str) -> Option<Self> {
        Some(match s {
            "0" => Self::Same,
            "1" => Self::Erased,
            "2" => Self::Restored,
            "3" => Self::New,
            "5" => Self::Changed,
            "9" => Self::Abolished,
            _ => return None,
        })
    }

    pub fn digit(self) -> char {
        match self {
            Self::Same => '0',
            Self::Erased => '1',
            Self::Restored => '2',
            Self::New => '3',
            Self::Changed => '5',
            Self::Abolished => '9',
        }
    }

    /// 抹消 and 廃止 end a code's validity.
    pub fn ends_code(self) -> bool {
        matches!(self, Self::Erased | Self::Abolished)
    }
}

/// One row as published: every column as a string (項番 n is `fields[n - 1]`, 項番1 included),
/// so storage can keep all columns, and 変更区分 parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterRow {
    pub change: ChangeKind,
    pub fields: Vec<String>,
}

impl MasterRow {
    /// The field at 項番 `col` (1-based); `""` if the row is shorter.
    pub fn get(&self, col: usize) -> &str {
        col.checked_sub(1)
            .and_then(|i| self.fields.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The code of this row for a master kind (項番3, or 23 for コメント).
    pub fn code(&self, kind: MasterKind) -> &str {
        self.get(kind.code_column())
    }
}

/// A parsed master file. `lines[i]` is the 1-based line where `rows[i]` starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterFile {
    pub kind: MasterKind,
    pub name: String,
    pub scope: FileScope,
    pub rows: Vec<MasterRow>,
    pub lines: Vec<usize>,
}

impl MasterFile {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row for a code, if the file has it.
    pub fn find(&self, code: &str) -> Option<&MasterRow> {
        self.rows.iter().find(|r| r.code(self.kind) == code)
    }

    /// Every row as a typed record; the first failure names its file, line and 項番. Meant for
    /// full files (diff rows leave fields empty).
    pub fn records<R: MasterRecord>(&self) -> Result<Vec<R>, ImportError> {
        if R::KIND != self.kind {
            return Err(kind_mismatch_file(&self.name, R::KIND, self.kind));
        }
        self.rows
            .iter()
            .zip(&self.lines)
            .map(|(row, line)| R::from_row(row).map_err(|e| e.at(&self.name, *line)))
            .collect()
    }
}

fn kind_mismatch_file(file: &str, expected: MasterKind, found: MasterKind) -> ImportError {
    ImportError::file(
        file,
        ImportErrorCode::KindMismatch,
        format!(
            "{}として読み込もうとしましたが、{}です",
            expected.label_ja(),
            found.label_ja()
        ),
    )
}

/// Parses a master file as `kind`, full or diff by its name ([`FileScope::infer`]).
pub fn parse_file(
    kind: MasterKind,
    file_name: &str,
    bytes: &[u8],
) -> Result<MasterFile, ImportError> {
    parse_file_as(kind, FileScope::infer(kind, file_name), file_name, bytes)
}

/// Parses a master file whose kind is taken from its name, or else from 項番2 of its first row.
pub fn parse_file_detect(file_name: &str, bytes: &[u8]) -> Result<MasterFile, ImportError> {
    if let Some(kind) = MasterKind::from_file_name(file_name) {
        return parse_file(kind, file_name, bytes);
    }
    let text = csv::decode_cp932(file_name, bytes)?;
    let records = csv::read_records(file_name, &text)?;
    let kind = records
        .first()
        .and_then(|r| r.fields.get(1))
        .and_then(|letter| MasterKind::from_letter(letter))
        .ok_or_else(|| {
            ImportError::file(
                file_name,
                ImportErrorCode::KindMismatch,
                "ファイル名からも項番2（マスター種別）からもマスターの種類が分かりません",
            )
        })?;
    let scope = FileScope::infer(kind, file_name);
    build_file(kind, scope, file_name, records)
}

/// Parses a master file with an explicit scope. Checks per row: the column count, 変更区分,
/// マスター種別, the code, every date and decimal column, and (full files) that 変更年月日 and
/// 廃止年月日 are present where the published files always have them. Codes must be unique.
pub fn parse_file_as(
    kind: MasterKind,
    scope: FileScope,
    file_name: &str,
    bytes: &[u8],
) -> Result<MasterFile, ImportError> {
    let text = csv::decode_cp932(file_name, bytes)?;
    let records = csv::read_records(file_name, &text)?;
    build_file(kind, scope, file_name, records)
}

fn build_file(
    kind: MasterKind,
    scope: FileScope,
    file_name: &str,
    records: Vec<csv::Record>,
) -> Result<MasterFile, ImportError> {
    if scope == FileScope::Full && records.is_empty() {
        return Err(ImportError::file(
            file_name,
            ImportErrorCode::EmptyFile,
            "全件ファイルにデータ行がありません",
        ));
    }
    let mut rows = Vec::with_capacity(records.len());
    let mut lines = Vec::with_capacity(records.len());
    let mut seen: HashSet<String> = HashSet::with_capacity(records.len());
    for record in records {
        let line = record.line;
        let change = check_row(kind, scope, &record.fields).map_err(|e| e.at(file_name, line))?;
        let row = MasterRow {
            change,
            fields: record.fields,
        };
        if !seen.insert(row.code(kind).to_string()) {
            return Err(ImportError::new(
                file_name,
                Some(line),
                Some(kind.code_column()),
                ImportErrorCode::DuplicateCode,
                format!("コード {} が同じファイルに2回あります", row.code(kind)),
            ));
        }
        rows.push(row);
        lines.push(line);
    }
    Ok(MasterFile {
        kind,
        name: file_name.to_string(),
        scope,
        rows,
        lines,
    })
}

/// Validates one row; errors carry the 項番.
fn check_row(
    kind: MasterKind,
    scope: FileScope,
    fields: &[String],
) -> Result<ChangeKind, FieldError> {
    let layout = kind.layout();
    let n = fields.len();
    if !layout.columns.contains(&n) {
        let (min, max) = (*layout.columns.start(), *layout.columns.end());
        let expected = if min == max {
            format!("{min}")
        } else {
            format!("{min}〜{max}")
        };
        return Err(FieldError::new(
            // The first missing or extra column.
            if n < min { n + 1 } else { max + 1 },
            ImportErrorCode::ColumnCount,
            format!("項目数が{n}です（{}は{expected}項目）", kind.label_ja()),
        ));
    }
    let cols = value::Cols(fields);

    let change_raw = cols.raw(1);
    let change = ChangeKind::from_digit(change_raw).ok_or_else(|| {
        FieldError::new(
            1,
            ImportErrorCode::BadChangeKind,
            format!(
                "変更区分は 0, 1, 2, 3, 5, 9 のいずれかです（「{}」）",
                clip(change_raw)
            ),
        )
    })?;

    let letter = cols.raw(2);
    if letter != layout.letter {
        let found = MasterKind::from_letter(letter)
            .map(|k| k.label_ja().to_string())
            .unwrap_or_else(|| format!("「{}」", clip(letter)));
        return Err(FieldError::new(
            2,
            ImportErrorCode::KindMismatch,
            format!(
                "マスター種別が{}です（{}は「{}」）",
                found,
                kind.label_ja(),
                layout.letter
            ),
        ));
    }

    let code = cols.raw(layout.code_col);
    if code.len() != layout.code_len || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_code(layout.code_col, code, layout.code_len));
    }

    for &col in layout.date_cols {
        let v = cols.raw(col);
        if RawDate::parse(v).is_none() {
            return Err(value::bad_date(col, v));
        }
    }
    for &col in layout.decimal_cols {
        let v = cols.raw(col);
        if !v.is_empty() && Hundredths::parse(v).is_none() {
            return Err(value::bad_number(col, v));
        }
    }

    if scope == FileScope::Full {
        let mut required = vec![layout.abolish_col];
        if layout.listed_date_col.is_none() {
            required.push(layout.change_date_col);
        }
        for col in required {
            cols.required(col)?;
        }
    }
    Ok(change)
}

#[cfg(test)]
mod tests;
