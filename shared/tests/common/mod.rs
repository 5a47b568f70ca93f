//! Helpers shared by the integration tests (`mod common;` in each test file): where the real
//! 支払基金 master files are and how to read them, and billing.md's worked-case visits.

// Each test binary uses only some of these.
#![allow(dead_code)]

pub mod reference;
pub mod worked_cases;

#[cfg(feature = "import")]
use shared::masters::MasterHistory;
use shared::masters::{parse_file, MasterFile, MasterKind};
use std::path::{Path, PathBuf};

/// `../shared/reference/masters/`, next to the repository, under the one policy of
/// [`reference`]: `None` means the test is skipped (and counted as such).
pub fn masters_dir() -> Option<PathBuf> {
    reference::reference("masters")
}

/// The 医科 diff files `diffs/s_*.csv`, parsed, in name (= date) order.
pub fn diff_files(dir: &Path) -> Vec<MasterFile> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("diffs"))
        .expect("diffs folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("s_") && n.ends_with(".csv"))
        .collect();
    names.sort(); // s_YYYYMMDD: name order is date order
    names
        .iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join("diffs").join(name)).expect("read diff");
            parse_file(MasterKind::Procedure, name, &bytes).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// The date in a file name such as `s_20241108.csv` or `s_ALL20240531.csv`.
pub fn edition_of(name: &str) -> time::Date {
    let digits: String = name.chars().filter(char::is_ascii_digit).take(8).collect();
    let y: i32 = digits[..4].parse().expect("year");
    let m: u8 = digits[4..6].parse().expect("month");
    let d: u8 = digits[6..].parse().expect("day");
    time::Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), d).expect("date")
}

/// The one file of a published zip, parsed as the kind its name says.
#[cfg(feature = "import")]
pub fn load(dir: &Path, zip_name: &str) -> MasterFile {
    let bytes = std::fs::read(dir.join(zip_name)).expect("read zip");
    let mut entries = shared::masters::read_zip(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entries.len(), 1, "{zip_name} holds one file");
    let (name, data) = entries.remove(0);
    let kind = MasterKind::from_file_name(&name).expect("kind from the entry name");
    assert_eq!(MasterKind::from_file_name(zip_name), Some(kind));
    parse_file(kind, &name, &data).unwrap_or_else(|e| panic!("{e}"))
}

/// 医科 history: s_ALL20240201, s_ALL20240531, then every diff in date order; with the number
/// of codes s_ALL20240531 no longer lists. Built once per test binary.
#[cfg(feature = "import")]
pub fn procedure_history() -> &'static (MasterHistory, usize) {
    static HISTORY: std::sync::OnceLock<(MasterHistory, usize)> = std::sync::OnceLock::new();
    HISTORY.get_or_init(|| {
        let dir = masters_dir().expect("checked by the caller");
        let mut h = MasterHistory::new(MasterKind::Procedure);
        let old = load(&dir, "s_ALL20240201.zip");
        h.apply_full(&old, edition_of("s_ALL20240201"))
            .expect("s_ALL20240201");
        let new = load(&dir, "s_ALL20240531.zip");
        let report = h
            .apply_full(&new, edition_of("s_ALL20240531"))
            .expect("s_ALL20240531");
        for diff in diff_files(&dir) {
            let edition = edition_of(&diff.name);
            h.apply_diff(&diff, edition)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        (h, report.ended_missing)
    })
}

/// A history of one full file (`y_ALL20240531.zip`, `t_ALL20240315.zip`), dated by its name.
#[cfg(feature = "import")]
pub fn full_history(zip_name: &str) -> MasterHistory {
    let dir = masters_dir().expect("checked by the caller");
    let file = load(&dir, zip_name);
    let mut h = MasterHistory::new(file.kind);
    h.apply_full(&file, edition_of(zip_name))
        .unwrap_or_else(|e| panic!("{e}"));
    h
}
