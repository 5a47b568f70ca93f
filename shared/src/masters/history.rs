//! The dated model: every version of every code, and "which version governs date D". The rule
//! is written out in the [module docs](super); in short, the latest import whose version starts
//! on or before D wins.

use super::error::{ImportError, ImportErrorCode};
use super::value::RawDate;
use super::{ChangeKind, FileScope, MasterFile, MasterKind, MasterRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

/// Applies a diff row to the previous version of its code: an empty diff field keeps the
/// previous value, a non-empty one replaces it. The result is as long as the longer input (a
/// longer layout keeps its extra columns).
pub fn merge_diff(previous: &[String], diff: &[String]) -> Vec<String> {
    let len = previous.len().max(diff.len());
    (0..len)
        .map(|i| match (diff.get(i), previous.get(i)) {
            (Some(d), _) if !d.is_empty() => d.clone(),
            (_, Some(p)) => p.clone(),
            (Some(d), None) => d.clone(),
            (None, None) => String::new(),
        })
        .collect()
}

/// Why a version ends its code rather than describing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// 変更区分 1 (抹消): not valid from the row's 変更年月日.
    Erased,
    /// 変更区分 9 (廃止): not valid after the row's 廃止年月日.
    Abolished,
    /// Not listed by a later full file: not valid after that file's edition date.
    MissingFromFull,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Erased => "erased",
            Self::Abolished => "abolished",
            Self::MissingFromFull => "missing_from_full",
        }
    }
}

/// One version of a code, as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The import that added it (1-based, in apply order).
    pub seq: u32,
    /// The edition date passed with that file.
    pub edition: Date,
    /// First day it governs; `None` = since before any recorded date.
    pub valid_from: Option<Date>,
    /// Last usable day (廃止年月日, or the earlier 経過措置年月日); `None` = open.
    pub last_day: Option<Date>,
    /// `Some` when this version ends the code.
    pub end: Option<EndReason>,
    /// The full row (diffs already merged).
    pub row: MasterRow,
}

impl Version {
    /// Whether this version, when it governs `date`, makes the code valid on it.
    pub fn valid_on(&self, date: Date) -> bool {
        self.end.is_none() && self.last_day.is_none_or(|last| date <= last)
    }

    fn starts_by(&self, date: Date) -> bool {
        self.valid_from.is_none_or(|from| from <= date)
    }

    /// Same content: same ending, same fields apart from 変更区分 (項番1).
    fn same_as(&self, other: &Version) -> bool {
        self.end == other.end && self.row.fields.get(1..) == other.row.fields.get(1..)
    }
}

/// A stretch of dates during which one version is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period<'a> {
    /// `None` = since before any recorded date.
    pub valid_from: Option<Date>,
    /// Last valid day; `None` = open.
    pub valid_until: Option<Date>,
    pub version: &'a Version,
}

/// What one apply did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApplyReport {
    /// Versions added from rows (including those that end a code).
    pub added: usize,
    /// Rows identical to the code's newest version (nothing added).
    pub unchanged: usize,
    /// Of `added`, rows with 変更区分 1 or 9.
    pub ended: usize,
    /// Codes a full file did not list, ended the day after its edition date.
    pub ended_missing: usize,
}

/// One file applied to a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportInfo {
    pub seq: u32,
    pub edition: Date,
    pub file: String,
    pub scope: FileScope,
    pub report: ApplyReport,
}

/// Every version of every code of one master kind, fed full and diff files in edition order.
#[derive(Debug, Clone)]
pub struct MasterHistory {
    kind: MasterKind,
    /// Per code, versions in import order (so `seq` ascends; the last one is the newest).
    codes: BTreeMap<String, Vec<Version>>,
    imports: Vec<ImportInfo>,
}

impl MasterHistory {
    pub fn new(kind: MasterKind) -> Self {
        Self {
            kind,
            codes: BTreeMap::new(),
            imports: Vec::new(),
        }
    }

    /// Rebuilds a history from what an earlier run stored (e.g. the server's `master.version`
    /// table): the imports in `seq` order and every version, so that a new file can be applied
    /// on top with the same rules. Versions are sorted per code by `seq`; a version whose `seq`
    /// names no import is refused.
    pub fn restore(
        kind: MasterKind,
        imports: Vec<ImportInfo>,
        versions: impl IntoIterator<Item = Version>,
    ) -> Result<Self, String> {
        if imports
            .iter()
            .enumerate()
            .any(|(i, info)| info.seq as usize != i + 1)
        {
            return Err("imports must be numbered 1, 2, 3 … in order".into());
        }
        let mut codes: BTreeMap<String, Vec<Version>> = BTreeMap::new();
        for version in versions {
            if version.seq == 0 || version.seq as usize > imports.len() {
                return Err(format!(
                    "version of import {} without that import",
                    version.seq
                ));
            }
            codes
                .entry(version.row.code(kind).to_string())
                .or_default()
                .push(version);
        }
        for versions in codes.values_mut() {
            versions.sort_by_key(|v| v.seq);
        }
        Ok(Self {
            kind,
            codes,
            imports,
        })
    }

    /// The versions that import `seq` added, by code.
    pub fn added_by(&self, seq: u32) -> impl Iterator<Item = (&str, &Version)> {
        self.codes.iter().filter_map(move |(code, versions)| {
            versions
                .iter()
                .rev()
                .find(|v| v.seq == seq)
                .map(|v| (code.as_str(), v))
        })
    }

    pub fn kind(&self) -> MasterKind {
        self.kind
    }

    /// Files applied so far, in order.
    pub fn imports(&self) -> &[ImportInfo] {
        &self.imports
    }

    /// Number of codes ever seen.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Codes ever seen, in code order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.codes.keys().map(String::as_str)
    }

    /// Every version of a code, oldest import first.
    pub fn versions(&self, code: &str) -> &[Version] {
        self.codes.get(code).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The newest version of a code (what the next diff is merged onto).
    pub fn newest(&self, code: &str) -> Option<&Version> {
        self.versions(code).last()
    }

    /// The version that governs `date`, valid or not (an ending version, or one past its
    /// 廃止年月日, also governs). `None` if no version starts by then.
    pub fn governing(&self, code: &str, date: Date) -> Option<&Version> {
        self.versions(code).iter().rev().find(|v| v.starts_by(date))
    }

    /// The row valid for `code` on `date`, or `None` if the code is unknown, not yet valid,
    /// abolished, erased or dropped by then.
    pub fn lookup(&self, code: &str, date: Date) -> Option<&MasterRow> {
        self.governing(code, date)
            .filter(|v| v.valid_on(date))
            .map(|v| &v.row)
    }

    /// The effective timeline of a code: the valid stretches, in date order, after later imports
    /// have superseded earlier ones. Ending versions produce no period; they cut the one before.
    pub fn timeline(&self, code: &str) -> Vec<Period<'_>> {
        // A version is superseded when a later import starts on or before it. The survivors,
        // in import order, have strictly increasing `valid_from`.
        let versions = self.versions(code);
        let mut live: Vec<&Version> = Vec::new();
        for v in versions {
            while live.last().is_some_and(|prev| {
                v.valid_from
                    .is_none_or(|f| prev.valid_from.is_some_and(|p| f <= p))
            }) {
                live.pop();
            }
            live.push(v);
        }
        let mut periods = Vec::new();
        for (i, v) in live.iter().enumerate() {
            if v.end.is_some() {
                continue;
            }
            let next_start = live
                .get(i + 1)
                .and_then(|n| n.valid_from)
                .and_then(|d| d.previous_day());
            let valid_until = match (next_start, v.last_day) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let (Some(from), Some(until)) = (v.valid_from, valid_until) {
                if until < from {
                    continue;
                }
            }
            periods.push(Period {
                valid_from: v.valid_from,
                valid_until,
                version: v,
            });
        }
        periods
    }

    /// Applies a full file (`*_ALL*`, `b_`, `z_`). `edition` is the date in its name. Codes it does
    /// not list are ended from the day after `edition` (see the module docs).
    pub fn apply_full(
        &mut self,
        file: &MasterFile,
        edition: Date,
    ) -> Result<ApplyReport, ImportError> {
        self.check_file(file, FileScope::Full, edition)?;
        if file.rows.is_empty() {
            return Err(ImportError::file(
                &file.name,
                ImportErrorCode::EmptyFile,
                "全件ファイルにデータ行がありません",
            ));
        }
        let seq = self.next_seq();
        let mut report = ApplyReport::default();
        for row in &file.rows {
            self.push(row.clone(), seq, edition, &mut report);
        }

        let listed: std::collections::HashSet<&str> =
            file.rows.iter().map(|r| r.code(self.kind)).collect();
        let from = edition.next_day();
        for (code, versions) in self.codes.iter_mut() {
            if listed.contains(code.as_str()) {
                continue;
            }
            let Some(newest) = versions.last() else {
                continue;
            };
            let already_over = newest.end.is_some()
                || newest
                    .last_day
                    .is_some_and(|last| from.is_none_or(|f| last < f));
            if already_over {
                continue;
            }
            let row = newest.row.clone();
            versions.push(Version {
                seq,
                edition,
                valid_from: from.or(Some(edition)),
                last_day: None,
                end: Some(EndReason::MissingFromFull),
                row,
            });
            report.ended_missing += 1;
        }
        self.record(file, seq, edition, report);
        Ok(report)
    }

    /// Applies a diff file: each row is merged onto the code's newest version ([`merge_diff`]).
    /// A 変更 row for a code the history does not hold is an error (apply the full file first).
    pub fn apply_diff(
        &mut self,
        file: &MasterFile,
        edition: Date,
    ) -> Result<ApplyReport, ImportError> {
        self.check_file(file, FileScope::Diff, edition)?;
        // Check every row before changing anything, so a failed apply leaves the history as it was.
        for (row, line) in file.rows.iter().zip(&file.lines) {
            let code = row.code(self.kind);
            let needs_base = matches!(row.change, ChangeKind::Same | ChangeKind::Changed);
            if needs_base && self.newest(code).is_none() {
                return Err(ImportError::new(
                    &file.name,
                    Some(*line),
                    Some(self.kind.code_column()),
                    ImportErrorCode::DiffWithoutBase,
                    format!(
                        "コード {code} は取り込み済みのマスターにありません（先に全件ファイルを取り込んでください）"
                    ),
                ));
            }
        }
        let seq = self.next_seq();
        let mut report = ApplyReport::default();
        for row in &file.rows {
            let code = row.code(self.kind).to_string();
            let fields = match self.newest(&code) {
                Some(prev) => merge_diff(&prev.row.fields, &row.fields),
                None => row.fields.clone(),
            };
            let merged = MasterRow {
                change: row.change,
                fields,
            };
            self.push(merged, seq, edition, &mut report);
        }
        self.record(file, seq, edition, report);
        Ok(report)
    }

    fn check_file(
        &self,
        file: &MasterFile,
        scope: FileScope,
        edition: Date,
    ) -> Result<(), ImportError> {
        if file.kind != self.kind {
            return Err(ImportError::file(
                &file.name,
                ImportErrorCode::KindMismatch,
                format!(
                    "{}の履歴に{}を取り込もうとしました",
                    self.kind.label_ja(),
                    file.kind.label_ja()
                ),
            ));
        }
        if file.scope != scope {
            let (expected, found) = match scope {
                FileScope::Full => ("全件ファイル", "差分ファイル"),
                FileScope::Diff => ("差分ファイル", "全件ファイル"),
            };
            return Err(ImportError::file(
                &file.name,
                ImportErrorCode::KindMismatch,
                format!("{expected}として取り込もうとしましたが、{found}です"),
            ));
        }
        if let Some(last) = self.imports.last() {
            if edition < last.edition {
                return Err(ImportError::file(
                    &file.name,
                    ImportErrorCode::OutOfOrder,
                    format!(
                        "版の日付 {edition} が、取り込み済みの {}（{}）より前です。古い順に取り込んでください",
                        last.file, last.edition
                    ),
                ));
            }
        }
        Ok(())
    }

    fn next_seq(&self) -> u32 {
        u32::try_from(self.imports.len() + 1).unwrap_or(u32::MAX)
    }

    fn record(&mut self, file: &MasterFile, seq: u32, edition: Date, report: ApplyReport) {
        self.imports.push(ImportInfo {
            seq,
            edition,
            file: file.name.clone(),
            scope: file.scope,
            report,
        });
    }

    /// Adds the version a complete (merged) row describes, unless it equals the newest one.
    fn push(&mut self, row: MasterRow, seq: u32, edition: Date, report: &mut ApplyReport) {
        let kind = self.kind;
        let versions = self.codes.entry(row.code(kind).to_string()).or_default();
        let live_base = versions.last().is_some_and(|v| v.end.is_none());
        let version = build_version(kind, row, seq, edition, live_base);
        if versions
            .last()
            .is_some_and(|newest| newest.same_as(&version))
        {
            report.unchanged += 1;
            return;
        }
        if version.row.change.ends_code() {
            report.ended += 1;
        }
        report.added += 1;
        versions.push(version);
    }
}

/// The version a complete row describes; see the module docs for the dates. `live_base`: the
/// code's newest version is valid content (not an ending).
fn build_version(
    kind: MasterKind,
    row: MasterRow,
    seq: u32,
    edition: Date,
    live_base: bool,
) -> Version {
    let day = |col: usize| RawDate::parse(row.get(col)).and_then(RawDate::day);
    let changed =
        day(kind.change_date_column()).or_else(|| kind.listed_date_column().and_then(day));
    let abolished = day(kind.abolish_date_column());
    let transitional = kind.transitional_date_column().and_then(day);
    let last_day = match (abolished, transitional) {
        (Some(a), Some(t)) => Some(a.min(t)),
        (a, t) => a.or(t),
    };
    let (valid_from, end) = match row.change {
        ChangeKind::Erased => (changed, Some(EndReason::Erased)),
        // 廃止 of a code we hold: the previous version stays valid through 廃止年月日 and this
        // one ends the code the day after.
        ChangeKind::Abolished if live_base => (
            abolished.and_then(|d| d.next_day()).or(changed),
            Some(EndReason::Abolished),
        ),
        // 廃止 of a code we have never seen (first import): the row itself is the only content
        // there is, valid through 廃止年月日. Its 変更年月日 is usually the day after 廃止年月日,
        // so the start is unknown.
        ChangeKind::Abolished => (changed.filter(|c| abolished.is_none_or(|a| *c <= a)), None),
        _ => (changed, None),
    };
    Version {
        seq,
        edition,
        valid_from,
        last_day,
        end,
        row,
    }
}
