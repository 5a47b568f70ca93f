//! Import errors: where (file, line, 項番) and what (a stable English code plus a Japanese message
//! an operator can act on).

use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, as a stable machine-readable code (`as_str` is the wire form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportErrorCode {
    /// Bytes that are not valid CP932 (Shift_JIS).
    InvalidEncoding,
    /// A quoted field that never closes.
    UnterminatedQuote,
    /// Characters after a closing quote, or a quote inside an unquoted field.
    MalformedCsv,
    /// A full file with no rows.
    EmptyFile,
    /// Too few or too many columns for the master.
    ColumnCount,
    /// 変更区分 not in {0,1,2,3,5,9}.
    BadChangeKind,
    /// マスター種別 (項番2) or the file's kind does not match the master being read.
    KindMismatch,
    /// A code with the wrong number of digits.
    BadCode,
    /// Not `YYYYMMDD` (or one of the sentinels `99999999`, `0`, `00000000`, empty).
    BadDate,
    /// Not a fixed-point decimal with at most two decimals.
    BadNumber,
    /// A value outside the documented set (e.g. 点数識別 2).
    BadValue,
    /// A required field is empty or the column is absent.
    MissingValue,
    /// The same code twice in one file.
    DuplicateCode,
    /// A diff row changes a code that the history does not hold.
    DiffWithoutBase,
    /// Files fed to a history out of edition order.
    OutOfOrder,
    /// A zip archive that cannot be read.
    BadZip,
    /// A zip entry or archive larger than the import limits.
    TooLarge,
    /// A zip entry name with `..`, an absolute path or a drive letter.
    UnsafePath,
}

impl ImportErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidEncoding => "invalid_encoding",
            Self::UnterminatedQuote => "unterminated_quote",
            Self::MalformedCsv => "malformed_csv",
            Self::EmptyFile => "empty_file",
            Self::ColumnCount => "column_count",
            Self::BadChangeKind => "bad_change_kind",
            Self::KindMismatch => "kind_mismatch",
            Self::BadCode => "bad_code",
            Self::BadDate => "bad_date",
            Self::BadNumber => "bad_number",
            Self::BadValue => "bad_value",
            Self::MissingValue => "missing_value",
            Self::DuplicateCode => "duplicate_code",
            Self::DiffWithoutBase => "diff_without_base",
            Self::OutOfOrder => "out_of_order",
            Self::BadZip => "bad_zip",
            Self::TooLarge => "too_large",
            Self::UnsafePath => "unsafe_path",
        }
    }
}

impl fmt::Display for ImportErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A master file could not be imported. `line` is 1-based (the physical line where the record
/// starts), `column` is the 項番 of the layout (1-based). Either is `None` when the error is about
/// the whole file or the whole row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub code: ImportErrorCode,
    /// Japanese, for the operator. May quote the offending value (master data, never patient data).
    pub message: String,
}

impl ImportError {
    pub fn new(
        file: impl Into<String>,
        line: Option<usize>,
        column: Option<usize>,
        code: ImportErrorCode,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            line,
            column,
            code,
            message: message.into(),
        }
    }

    /// An error about the whole file.
    pub fn file(
        file: impl Into<String>,
        code: ImportErrorCode,
        message: impl Into<String>,
    ) -> Self {
        Self::new(file, None, None, code, message)
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, " {line}行目")?;
        }
        if let Some(column) = self.column {
            write!(f, " 項番{column}")?;
        }
        write!(f, ": {} [{}]", self.message, self.code)
    }
}

impl std::error::Error for ImportError {}

/// A typed view could not be built from a row: which 項番 and why. [`FieldError::at`] adds the
/// file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub column: usize,
    pub code: ImportErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(column: usize, code: ImportErrorCode, message: impl Into<String>) -> Self {
        Self {
            column,
            code,
            message: message.into(),
        }
    }

    pub fn at(self, file: impl Into<String>, line: usize) -> ImportError {
        ImportError::new(file, Some(line), Some(self.column), self.code, self.message)
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "項番{}: {} [{}]", self.column, self.message, self.code)
    }
}

impl std::error::Error for FieldError {}
