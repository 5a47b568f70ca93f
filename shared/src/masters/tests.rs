//! Unit tests on small synthetic rows (fictitious codes). The real files are exercised in
//! `shared/tests/masters.rs`.

use super::*;
use proptest::prelude::*;
use time::macros::date;
use time::Date;

fn cp932(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable, "test text must be CP932: {text}");
    bytes.into_owned()
}

fn csv_line(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
        .collect();
    format!("{}\r\n", quoted.join(","))
}

fn file_bytes(rows: &[Vec<String>]) -> Vec<u8> {
    cp932(&rows.iter().map(|r| csv_line(r)).collect::<String>())
}

fn set(fields: &mut [String], col: usize, value: &str) {
    fields[col - 1] = value.to_string();
}

/// A fictitious 医科診療行為 row with the columns the typed view reads filled as the 2024 files
/// fill them.
fn proc_row(
    change: &str,
    code: &str,
    name: &str,
    points: &str,
    changed: &str,
    abolished: &str,
) -> Vec<String> {
    let mut f = vec!["0".to_string(); 150];
    for (col, v) in [
        (1, change),
        (2, "S"),
        (3, code),
        (4, "3"),
        (5, name),
        (6, "3"),
        (7, "ｶｻﾝ"),
        (10, ""),
        (11, "3"),
        (12, points),
        (15, "110"),
        (34, "0.00"),
        (38, "1101"),
        (41, "00"),
        (42, "00"),
        (57, "3"),
        (58, "0.00"),
        (66, "110"),
        (85, "A"),
        (86, ""),
        (87, changed),
        (88, abolished),
        (89, "00230000"),
        (90, "1"),
        (91, "01"),
        (92, "000"),
        (93, "00"),
        (94, "001"),
        (96, "00"),
        (97, "000"),
        (98, "00"),
        (99, "00"),
        (113, name),
        (117, ""),
        (131, "000"),
    ] {
        set(&mut f, col, v);
    }
    for col in (100..=111).filter(|c| (c - 100) % 3 != 2) {
        set(&mut f, col, "00");
    }
    for col in 132..=150 {
        set(&mut f, col, "");
    }
    f
}

/// A diff row: only 変更区分, マスター種別, the code and `changes` filled.
fn diff_row(change: &str, code: &str, changes: &[(usize, &str)]) -> Vec<String> {
    let mut f = vec![String::new(); 150];
    set(&mut f, 1, change);
    set(&mut f, 2, "S");
    set(&mut f, 3, code);
    for (col, v) in changes {
        set(&mut f, *col, v);
    }
    f
}

fn drug_row(
    code: &str,
    price: &str,
    changed: &str,
    abolished: &str,
    transitional: &str,
) -> Vec<String> {
    let mut f = vec!["0".to_string(); 40];
    for (col, v) in [
        (2, "Y"),
        (3, code),
        (5, "テスト錠５ｍｇ"),
        (7, "ﾃｽﾄ"),
        (8, "16"),
        (10, "錠"),
        (11, "1"),
        (12, price),
        (24, "1"),
        (25, price),
        (28, "1"),
        (29, ""),
        (30, changed),
        (31, abolished),
        (32, "9999999F1010"),
        (34, transitional),
        (35, "テスト錠５ｍｇ"),
        (37, ""),
        (38, ""),
    ] {
        set(&mut f, col, v);
    }
    f
}

/// A valid row named テスト, 1点, in force from 2024-06-01 on.
fn test_row(code: &str) -> Vec<String> {
    proc_row("0", code, "テスト", "1.00", "20240601", OPEN)
}

fn parse_proc(name: &str, rows: &[Vec<String>]) -> Result<MasterFile, ImportError> {
    parse_file(MasterKind::Procedure, name, &file_bytes(rows))
}

fn full(name: &str, rows: &[Vec<String>]) -> MasterFile {
    parse_proc(name, rows).expect("synthetic file parses")
}

/// A file holding one row for `190000010` named テスト.
fn test_file(name: &str, change: &str, points: &str, changed: &str, abolished: &str) -> MasterFile {
    let row = proc_row(change, "190000010", "テスト", points, changed, abolished);
    full(name, &[row])
}

fn name_on(h: &MasterHistory, code: &str, day: Date) -> Option<String> {
    h.lookup(code, day).map(|r| r.get(5).to_string())
}

fn points_on(h: &MasterHistory, code: &str, day: Date) -> Option<String> {
    h.lookup(code, day).map(|r| r.get(12).to_string())
}

/// Checks [`points_on`] for each (code, day, expected points).
fn assert_points(h: &MasterHistory, cases: &[(&str, Date, Option<&str>)]) {
    for &(code, day, want) in cases {
        assert_eq!(points_on(h, code, day).as_deref(), want, "{code} on {day}");
    }
}

fn assert_error(
    result: Result<MasterFile, ImportError>,
    code: ImportErrorCode,
    line: Option<usize>,
    column: Option<usize>,
) -> ImportError {
    let e = result.expect_err("must fail");
    assert_eq!((e.code, e.line, e.column), (code, line, column), "{e}");
    e
}

/// Parses a full file of [`test_row`] `190000010` then `bad`; the error must be on line 2 at
/// `column`.
fn assert_second_row_error(bad: Vec<String>, code: ImportErrorCode, column: usize) -> ImportError {
    let rows = [test_row("190000010"), bad];
    assert_error(
        parse_proc("s_ALL20240531.csv", &rows),
        code,
        Some(2),
        Some(column),
    )
}

// ---- kinds and names ----

#[test]
fn kind_and_scope_come_from_the_file_name() {
    use FileScope::*;
    use MasterKind::*;
    for (name, kind, scope) in [
        ("s_ALL20240531.csv", Procedure, Full),
        ("s_20240621.csv", Procedure, Diff),
        ("DATA/s_ALL20240201.zip", Procedure, Full),
        ("y_ALL20240531.csv", Drug, Full),
        ("y_20241001.csv", Drug, Diff),
        ("t_ALL20240315.csv", Material, Full),
        ("c_ALL20240531.csv", Comment, Full),
        ("b_20240601.txt", Disease, Full),
        ("z_20250601.txt", Modifier, Full),
        ("S_ALL20240531.CSV", Procedure, Full),
    ] {
        assert_eq!(MasterKind::from_file_name(name), Some(kind), "{name}");
        assert_eq!(FileScope::infer(kind, name), scope, "{name}");
    }
    for name in [
        "x_ALL20240531.csv",
        "s_.csv",
        "s_ALL2024.csv",
        "readme.txt",
        "s",
        "",
    ] {
        assert_eq!(MasterKind::from_file_name(name), None, "{name}");
    }
    for (letter, kind) in [
        ("S", Procedure),
        ("Y", Drug),
        ("T", Material),
        ("C", Comment),
        ("B", Disease),
        ("Z", Modifier),
    ] {
        assert_eq!(MasterKind::from_letter(letter), Some(kind));
        assert_eq!(kind.letter(), letter);
    }
    assert_eq!(MasterKind::from_letter("s"), None);
}

#[test]
fn kind_is_detected_from_column_2_when_the_name_says_nothing() {
    let bytes = file_bytes(&[proc_row(
        "0",
        "190000010",
        "テスト",
        "10.00",
        "20240601",
        "99999999",
    )]);
    let file = parse_file_detect("upload.csv", &bytes).expect("parses");
    assert_eq!(
        (file.kind, file.scope),
        (MasterKind::Procedure, FileScope::Diff)
    );
    let e = parse_file_detect("upload.csv", b"\"0\",\"Q\"\r\n").expect_err("unknown kind");
    assert_eq!(e.code, ImportErrorCode::KindMismatch);
}

// ---- parser errors: each names file, line and 項番 ----

#[test]
fn a_good_file_parses_with_lines_and_raw_fields() {
    let file = full(
        "s_ALL20240531.csv",
        &[
            proc_row(
                "0",
                "190000010",
                "テスト初診",
                "291.00",
                "20240601",
                "99999999",
            ),
            proc_row(
                "3",
                "190000020",
                "引用符\"入り,カンマ",
                "1.00",
                "20240601",
                "99999999",
            ),
        ],
    );
    assert_eq!((file.len(), file.lines.clone()), (2, vec![1, 2]));
    assert_eq!(file.rows[1].change, ChangeKind::New);
    assert_eq!(file.rows[1].get(5), "引用符\"入り,カンマ");
    assert_eq!(file.rows[0].fields.len(), 150);
    assert_eq!(file.find("190000010").map(|r| r.get(12)), Some("291.00"));
}

#[test]
fn wrong_column_count_is_reported() {
    let mut short = proc_row("0", "190000020", "短い", "1.00", "20240601", "99999999");
    short.truncate(149);
    let e = assert_second_row_error(short, ImportErrorCode::ColumnCount, 150);
    assert!(e.message.contains("149"), "{}", e.message);

    let mut long = proc_row("0", "190000020", "長い", "1.00", "20240601", "99999999");
    long.push(String::new());
    assert_error(
        parse_proc("s_ALL20240531.csv", &[long]),
        ImportErrorCode::ColumnCount,
        Some(1),
        Some(151),
    );
}

#[test]
fn drug_files_accept_the_old_35_and_new_40_column_layouts() {
    let new = drug_row("620000010", "10.10", "20240401", "99999999", "0");
    let mut old = drug_row("620000020", "5.70", "20240401", "99999999", "0");
    old.truncate(35);
    let file = parse_file(
        MasterKind::Drug,
        "y_ALL20240531.csv",
        &file_bytes(&[new, old.clone()]),
    )
    .expect("parses");
    let records: Vec<DrugRecord> = file.records().expect("typed");
    assert_eq!(records[0].generic_name_addition, Some(0));
    assert_eq!(records[1].generic_name_addition, None);
    assert_eq!(records[1].price, Hundredths(570));
    old.truncate(34);
    assert_error(
        parse_file(MasterKind::Drug, "y_ALL20240531.csv", &file_bytes(&[old])),
        ImportErrorCode::ColumnCount,
        Some(1),
        Some(35),
    );
}

#[test]
fn duplicate_codes_are_reported() {
    let again = test_row("190000010");
    let e = assert_second_row_error(again, ImportErrorCode::DuplicateCode, 3);
    assert!(e.message.contains("190000010"), "{}", e.message);
}

#[test]
fn bad_change_kind_is_reported() {
    let bad = proc_row("4", "190000020", "テスト", "1.00", "20240601", "99999999");
    assert_second_row_error(bad, ImportErrorCode::BadChangeKind, 1);
}

#[test]
fn bad_date_is_reported() {
    let feb30 = proc_row("0", "190000020", "テスト", "1.00", "20240230", "99999999");
    let e = assert_second_row_error(feb30, ImportErrorCode::BadDate, 87);
    assert_eq!(
        e.to_string(),
        "s_ALL20240531.csv 2行目 項番87: 日付が正しくありません（「20240230」）。YYYYMMDD または 99999999 で記録されている必要があります [bad_date]"
    );
    let bad_abolish = proc_row("0", "190000020", "テスト", "1.00", "20240601", "9999999");
    assert_error(
        parse_proc("s_ALL20240531.csv", &[bad_abolish]),
        ImportErrorCode::BadDate,
        Some(1),
        Some(88),
    );
}

#[test]
fn bad_number_is_reported() {
    let three_decimals = proc_row("0", "190000020", "テスト", "1.005", "20240601", "99999999");
    assert_second_row_error(three_decimals, ImportErrorCode::BadNumber, 12);
    let mut old = test_row("190000020");
    set(&mut old, 58, "２８８.００");
    assert_second_row_error(old, ImportErrorCode::BadNumber, 58);
}

#[test]
fn bad_code_and_wrong_master_are_reported() {
    let short = test_row("19000001");
    assert_error(
        parse_proc("s_ALL20240531.csv", &[short]),
        ImportErrorCode::BadCode,
        Some(1),
        Some(3),
    );
    let mut drug_letter = test_row("190000010");
    set(&mut drug_letter, 2, "Y");
    let e = assert_error(
        parse_proc("s_ALL20240531.csv", &[drug_letter]),
        ImportErrorCode::KindMismatch,
        Some(1),
        Some(2),
    );
    assert!(e.message.contains("医薬品マスター"), "{}", e.message);
}

#[test]
fn unterminated_quote_is_reported() {
    let good = csv_line(&test_row("190000010"));
    let mut text = good.clone();
    text.push_str("\"0\",\"S\",\"190000020\",\"3\",\"閉じていない\r\n");
    let e = assert_error(
        parse_file(MasterKind::Procedure, "s_20240621.csv", &cp932(&text)),
        ImportErrorCode::UnterminatedQuote,
        Some(2),
        Some(5),
    );
    assert_eq!(e.file, "s_20240621.csv");
    assert_error(
        parse_file(
            MasterKind::Procedure,
            "s_20240621.csv",
            &cp932("\"0\",\"S\"x\r\n"),
        ),
        ImportErrorCode::MalformedCsv,
        Some(1),
        Some(2),
    );
}

#[test]
fn invalid_cp932_is_reported_with_its_line() {
    let good = csv_line(&test_row("190000010"));
    let mut bytes = cp932(&good);
    bytes.extend_from_slice(&cp932(&good));
    bytes.extend_from_slice(b"\"0\",\"S\",\"\x85\x40\"\r\n"); // 0x8540: unassigned in CP932
    let e = assert_error(
        parse_file(MasterKind::Procedure, "s_20240621.csv", &bytes),
        ImportErrorCode::InvalidEncoding,
        Some(3),
        None,
    );
    assert!(e.message.contains("85"), "{}", e.message);
    // UTF-8 text is not CP932 either.
    let utf8 = "\"0\",\"S\",\"初診料\"\r\n".as_bytes();
    assert_eq!(
        parse_file(MasterKind::Procedure, "s_20240621.csv", utf8).map_err(|e| e.code),
        Err(ImportErrorCode::InvalidEncoding)
    );
}

#[test]
fn empty_full_file_is_an_error_but_an_empty_diff_is_not() {
    assert_error(
        parse_file(MasterKind::Procedure, "s_ALL20240531.csv", b""),
        ImportErrorCode::EmptyFile,
        None,
        None,
    );
    assert_error(
        parse_file(MasterKind::Procedure, "s_ALL20240531.csv", b"\r\n\x1a"),
        ImportErrorCode::EmptyFile,
        None,
        None,
    );
    let diff = parse_file(MasterKind::Procedure, "s_20240621.csv", b"\x1a").expect("empty diff");
    assert!(diff.is_empty());
}

#[test]
fn full_files_need_their_dates_but_diffs_may_leave_them_empty() {
    let no_date = proc_row("0", "190000010", "テスト", "1.00", "", "99999999");
    assert_error(
        parse_proc("s_ALL20240531.csv", &[no_date]),
        ImportErrorCode::MissingValue,
        Some(1),
        Some(87),
    );
    let diff = parse_proc(
        "s_20240621.csv",
        &[diff_row("5", "190000010", &[(19, "1")])],
    )
    .expect("diff parses");
    assert_eq!(diff.rows[0].get(87), "");
}

#[test]
fn the_last_row_needs_no_line_end_and_a_trailing_eof_byte_is_ignored() {
    let row = csv_line(&test_row("190000010"));
    let mut bytes = cp932(row.trim_end());
    assert_eq!(
        parse_file(MasterKind::Procedure, "s_ALL20240531.csv", &bytes).map(|f| f.len()),
        Ok(1)
    );
    bytes.extend_from_slice(b"\r\n\x1a");
    assert_eq!(
        parse_file(MasterKind::Procedure, "s_ALL20240531.csv", &bytes).map(|f| f.len()),
        Ok(1)
    );
}

#[test]
fn other_masters_check_their_own_code_columns() {
    // コメント: the code is 項番23; 傷病名 7 digits; 修飾語 4 digits.
    let mut comment = vec!["0".to_string(); 30];
    for (col, v) in [
        (2, "C"),
        (3, "8"),
        (4, "10"),
        (5, "1"),
        (7, ""),
        (9, ""),
        (21, "20240601"),
        (22, "99999999"),
        (23, "81000001"),
    ] {
        set(&mut comment, col, v);
    }
    assert_error(
        parse_file(
            MasterKind::Comment,
            "c_ALL20240531.csv",
            &file_bytes(&[comment.clone()]),
        ),
        ImportErrorCode::BadCode,
        Some(1),
        Some(23),
    );
    set(&mut comment, 23, "810000001");
    let file = parse_file(
        MasterKind::Comment,
        "c_ALL20240531.csv",
        &file_bytes(&[comment]),
    )
    .expect("parses");
    let c: Vec<CommentRecord> = file.records().expect("typed");
    assert_eq!(
        (c[0].code.as_str(), c[0].pattern, c[0].serial),
        ("810000001", 10, 1)
    );

    let mut modifier = vec![String::new(); 19];
    for (col, v) in [
        (1, "0"),
        (2, "Z"),
        (3, "8002"),
        (7, "の疑い"),
        (16, "99999999"),
        (19, "A8000000"),
    ] {
        set(&mut modifier, col, v);
    }
    let file = parse_file(
        MasterKind::Modifier,
        "z_20240601.txt",
        &file_bytes(&[modifier.clone()]),
    )
    .expect("parses");
    let m: Vec<ModifierRecord> = file.records().expect("typed");
    assert_eq!(
        (m[0].position, m[0].class),
        (ModifierPosition::Suffix, ModifierClass::Suffix)
    );
    set(&mut modifier, 3, "80020");
    assert_error(
        parse_file(
            MasterKind::Modifier,
            "z_20240601.txt",
            &file_bytes(&[modifier]),
        ),
        ImportErrorCode::BadCode,
        Some(1),
        Some(3),
    );
}

// ---- typed views ----

#[test]
fn procedure_record_reads_points_as_hundredths() {
    let mut row = proc_row(
        "0",
        "190000010",
        "テスト初診",
        "291.00",
        "20240601",
        "99999999",
    );
    set(&mut row, 58, "288.00");
    set(&mut row, 72, "23");
    set(&mut row, 101, "06");
    set(&mut row, 102, "190000370");
    let r = ProcedureRecord::from_fields(&row).expect("typed");
    assert_eq!(r.score, Hundredths(29100));
    assert_eq!(r.score.whole(), Some(291));
    assert_eq!(
        (r.score_kind, r.old_score_kind, r.old_score),
        (
            ScoreKind::Points,
            Some(ScoreKind::Points),
            Hundredths(28800)
        )
    );
    assert_eq!(r.changed_on, Some(date!(2024 - 06 - 01)));
    assert_eq!(r.abolished_after, None);
    assert_eq!(r.facility_codes, vec![23]);
    assert_eq!(
        r.age_additions,
        vec![AgeAddition {
            lower: AgeLimit::Unrestricted,
            upper: AgeLimit::Years(6),
            code: "190000370".into()
        }]
    );
    assert_eq!(r.notice.item, "001");
    assert_eq!((r.outpatient_tally, r.addition_code), (110, 1101));
}

#[test]
fn typed_views_report_the_bad_column() {
    let mut row = test_row("190000010");
    set(&mut row, 11, "2");
    let e = ProcedureRecord::from_fields(&row).expect_err("点数識別 2 is undefined");
    assert_eq!((e.column, e.code), (11, ImportErrorCode::BadValue));

    let mut row = test_row("190000010");
    set(&mut row, 42, "6");
    let file = full("s_ALL20240531.csv", &[test_row("190000020"), row]);
    let e = file
        .records::<ProcedureRecord>()
        .expect_err("age must be two characters");
    assert_eq!(
        (e.line, e.column, e.code),
        (Some(2), Some(42), ImportErrorCode::BadValue)
    );
    let e = file.records::<DrugRecord>().expect_err("wrong kind");
    assert_eq!(e.code, ImportErrorCode::KindMismatch);
}

// ---- diff merge ----

#[test]
fn merge_diff_keeps_empty_fields_and_takes_filled_ones() {
    let prev: Vec<String> = ["0", "S", "111703270", "20", "旧名称", "1.00"]
        .map(String::from)
        .to_vec();
    let diff: Vec<String> = ["5", "S", "111703270", "", "新名称", ""]
        .map(String::from)
        .to_vec();
    assert_eq!(
        merge_diff(&prev, &diff),
        ["5", "S", "111703270", "20", "新名称", "1.00"]
    );
    // Lengths differ: the longer layout's columns survive.
    let longer: Vec<String> = ["5", "S", "111703270", "", "", "", "追加"]
        .map(String::from)
        .to_vec();
    assert_eq!(merge_diff(&prev, &longer).len(), 7);
    assert_eq!(
        merge_diff(&prev, &diff[..3]),
        ["5", "S", "111703270", "20", "旧名称", "1.00"]
    );
}

// ---- the dated model ----

const OPEN: &str = "99999999";

fn two_editions() -> MasterHistory {
    let mut h = MasterHistory::new(MasterKind::Procedure);
    let old = full(
        "s_ALL20240201.csv",
        &[
            proc_row("0", "190000010", "テスト初診", "288.00", "20220401", OPEN),
            proc_row(
                "0",
                "190000020",
                "廃止される加算",
                "10.00",
                "20220401",
                OPEN,
            ),
        ],
    );
    let new = full(
        "s_ALL20240531.csv",
        &[
            proc_row("5", "190000010", "テスト初診", "291.00", "20240601", OPEN),
            proc_row("3", "190000030", "新設加算", "3.00", "20240601", OPEN),
        ],
    );
    h.apply_full(&old, date!(2024 - 02 - 01)).expect("old");
    let report = h.apply_full(&new, date!(2024 - 05 - 31)).expect("new");
    assert_eq!(
        report,
        ApplyReport {
            added: 2,
            unchanged: 0,
            ended: 0,
            ended_missing: 1
        }
    );
    h
}

#[test]
fn a_new_edition_changes_points_from_its_date_on() {
    let h = two_editions();
    assert_points(
        &h,
        &[
            ("190000010", date!(2024 - 05 - 31), Some("288.00")),
            ("190000010", date!(2024 - 06 - 01), Some("291.00")),
            // Before its 変更年月日.
            ("190000010", date!(2022 - 03 - 31), None),
            ("190000030", date!(2024 - 05 - 31), None),
            ("190000030", date!(2024 - 06 - 01), Some("3.00")),
        ],
    );
    let t = h.timeline("190000010");
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].valid_from, t[0].valid_until),
        (Some(date!(2022 - 04 - 01)), Some(date!(2024 - 05 - 31)))
    );
    assert_eq!(
        (t[1].valid_from, t[1].valid_until),
        (Some(date!(2024 - 06 - 01)), None)
    );
}

#[test]
fn a_code_missing_from_a_later_full_file_ends_after_its_edition_date() {
    let h = two_editions();
    assert!(h.lookup("190000020", date!(2024 - 05 - 31)).is_some());
    assert!(h.lookup("190000020", date!(2024 - 06 - 01)).is_none());
    let newest = h.newest("190000020").expect("known");
    assert_eq!(newest.end, Some(EndReason::MissingFromFull));
    assert_eq!(
        h.timeline("190000020")[0].valid_until,
        Some(date!(2024 - 05 - 31))
    );
}

#[test]
fn an_identical_full_file_adds_no_version() {
    let mut h = two_editions();
    let same = full(
        "s_ALL20240628.csv",
        &[
            // 変更区分 differs (0 instead of 5), content does not.
            proc_row("0", "190000010", "テスト初診", "291.00", "20240601", OPEN),
            proc_row("0", "190000030", "新設加算", "3.00", "20240601", OPEN),
        ],
    );
    let report = h.apply_full(&same, date!(2024 - 06 - 28)).expect("applies");
    assert_eq!(
        (report.added, report.unchanged, report.ended_missing),
        (0, 2, 0)
    );
    assert_eq!(h.versions("190000010").len(), 2);
    assert_eq!(h.imports().len(), 3);
}

#[test]
fn diffs_abolish_and_rename_from_their_dates() {
    let mut h = two_editions();
    let diff = full(
        "s_20241108.csv",
        &[
            diff_row("9", "190000010", &[(87, "20241201"), (88, "20241130")]),
            diff_row(
                "5",
                "190000030",
                &[
                    (4, "4"),
                    (5, "改称加算"),
                    (87, "20241201"),
                    (113, "改称加算"),
                ],
            ),
        ],
    );
    let report = h.apply_diff(&diff, date!(2024 - 11 - 08)).expect("applies");
    assert_eq!((report.added, report.ended), (2, 1));
    assert!(h.lookup("190000010", date!(2024 - 11 - 30)).is_some());
    assert!(h.lookup("190000010", date!(2024 - 12 - 01)).is_none());
    assert_eq!(
        name_on(&h, "190000030", date!(2024 - 11 - 15)).as_deref(),
        Some("新設加算")
    );
    assert_eq!(
        name_on(&h, "190000030", date!(2024 - 12 - 01)).as_deref(),
        Some("改称加算")
    );
    // Fields the diff left empty keep their values.
    let renamed = h.lookup("190000030", date!(2024 - 12 - 01)).expect("valid");
    assert_eq!(
        (renamed.get(12), renamed.get(88), renamed.change),
        ("3.00", OPEN, ChangeKind::Changed)
    );
    let t = h.timeline("190000010");
    assert_eq!(
        t.last().map(|p| p.valid_until),
        Some(Some(date!(2024 - 11 - 30)))
    );
}

#[test]
fn a_correction_without_a_date_replaces_the_current_version_retroactively() {
    let mut h = two_editions();
    let fix = full(
        "s_20240621.csv",
        &[diff_row("5", "190000010", &[(19, "2")])],
    );
    h.apply_diff(&fix, date!(2024 - 06 - 21)).expect("applies");
    let on = |d| h.lookup("190000010", d).map(|r| r.get(19).to_string());
    assert_eq!(
        on(date!(2024 - 06 - 01)).as_deref(),
        Some("2"),
        "the fix inherits 変更年月日 20240601"
    );
    assert_eq!(
        on(date!(2024 - 05 - 31)).as_deref(),
        Some("0"),
        "the 2022 version is untouched"
    );
}

#[test]
fn a_later_edition_wins_from_its_date_even_if_earlier_than_a_held_version() {
    // Edition 2 announced a change from 2024-10-01; edition 3 (a later full file) says the code
    // has been 5点 since 2024-08-01 and knows nothing of the October change.
    let mut h = MasterHistory::new(MasterKind::Procedure);
    let e1 = test_file("s_ALL20240531.csv", "0", "1.00", "20240601", OPEN);
    let e2 = full(
        "s_20240906.csv",
        &[diff_row(
            "5",
            "190000010",
            &[(12, "9.00"), (87, "20241001")],
        )],
    );
    let e3 = test_file("s_ALL20240920.csv", "5", "5.00", "20240801", OPEN);
    h.apply_full(&e1, date!(2024 - 05 - 31)).expect("e1");
    h.apply_diff(&e2, date!(2024 - 09 - 06)).expect("e2");
    assert_eq!(
        points_on(&h, "190000010", date!(2024 - 10 - 01)).as_deref(),
        Some("9.00")
    );
    h.apply_full(&e3, date!(2024 - 09 - 20)).expect("e3");
    assert_points(
        &h,
        &[
            ("190000010", date!(2024 - 07 - 31), Some("1.00")),
            ("190000010", date!(2024 - 08 - 01), Some("5.00")),
            // e3 supersedes e2.
            ("190000010", date!(2024 - 10 - 01), Some("5.00")),
        ],
    );
    assert_eq!(h.versions("190000010").len(), 3, "nothing is deleted");
    let t = h.timeline("190000010");
    let spans: Vec<_> = t.iter().map(|p| (p.valid_from, p.valid_until)).collect();
    assert_eq!(
        spans,
        vec![
            (Some(date!(2024 - 06 - 01)), Some(date!(2024 - 07 - 31))),
            (Some(date!(2024 - 08 - 01)), None)
        ]
    );
}

#[test]
fn erased_rows_end_the_code_and_restored_rows_bring_it_back() {
    let mut h = two_editions();
    let erase = full(
        "s_20240628.csv",
        &[diff_row("1", "190000030", &[(87, "20240701")])],
    );
    h.apply_diff(&erase, date!(2024 - 06 - 28)).expect("erase");
    assert!(h.lookup("190000030", date!(2024 - 06 - 30)).is_some());
    assert!(h.lookup("190000030", date!(2024 - 07 - 01)).is_none());
    let restore = full(
        "s_20240801.csv",
        &[diff_row("2", "190000030", &[(87, "20240801")])],
    );
    h.apply_diff(&restore, date!(2024 - 08 - 01))
        .expect("restore");
    assert!(h.lookup("190000030", date!(2024 - 07 - 15)).is_none());
    assert_eq!(
        name_on(&h, "190000030", date!(2024 - 08 - 01)).as_deref(),
        Some("新設加算")
    );
}

#[test]
fn an_abolished_row_in_a_first_import_is_valid_through_its_abolition_date() {
    let mut h = MasterHistory::new(MasterKind::Procedure);
    let file = test_file("s_ALL20241108.csv", "9", "1.00", "20241201", "20241130");
    h.apply_full(&file, date!(2024 - 11 - 08)).expect("applies");
    assert!(h.lookup("190000010", date!(2024 - 11 - 30)).is_some());
    assert!(h.lookup("190000010", date!(2024 - 12 - 01)).is_none());
}

#[test]
fn a_drug_ends_after_its_transitional_date() {
    let mut h = MasterHistory::new(MasterKind::Drug);
    let file = parse_file(
        MasterKind::Drug,
        "y_ALL20240531.csv",
        &file_bytes(&[drug_row("620000010", "10.10", "20240401", OPEN, "20250331")]),
    )
    .expect("parses");
    h.apply_full(&file, date!(2024 - 05 - 31)).expect("applies");
    assert!(h.lookup("620000010", date!(2025 - 03 - 31)).is_some());
    assert!(h.lookup("620000010", date!(2025 - 04 - 01)).is_none());
    let record = DrugRecord::from_row(h.lookup("620000010", date!(2024 - 06 - 01)).expect("valid"))
        .expect("typed");
    assert_eq!(
        (record.price, record.transitional_until),
        (Hundredths(1010), Some(date!(2025 - 03 - 31)))
    );
}

#[test]
fn wrong_files_leave_the_history_unchanged() {
    let mut h = two_editions();
    let before = h.versions("190000010").to_vec();
    let orphan = full(
        "s_20240621.csv",
        &[
            diff_row("5", "190000010", &[(12, "999.00")]),
            diff_row("5", "199999999", &[(19, "1")]),
        ],
    );
    let e = h
        .apply_diff(&orphan, date!(2024 - 06 - 21))
        .expect_err("no base");
    assert_eq!(
        (e.code, e.line, e.column),
        (ImportErrorCode::DiffWithoutBase, Some(2), Some(3))
    );
    assert_eq!(h.versions("190000010"), before.as_slice());

    let late = full(
        "s_20240101.csv",
        &[diff_row("5", "190000010", &[(19, "1")])],
    );
    let e = h
        .apply_diff(&late, date!(2024 - 01 - 01))
        .expect_err("out of order");
    assert_eq!(e.code, ImportErrorCode::OutOfOrder);

    let as_full = full(
        "s_20240621.csv",
        &[diff_row("5", "190000010", &[(19, "1")])],
    );
    let e = h
        .apply_full(&as_full, date!(2024 - 06 - 21))
        .expect_err("a diff is not a full file");
    assert_eq!(e.code, ImportErrorCode::KindMismatch);

    let mut drugs = MasterHistory::new(MasterKind::Drug);
    let e = drugs
        .apply_full(
            &full("s_ALL20240531.csv", &[test_row("190000010")]),
            date!(2024 - 05 - 31),
        )
        .expect_err("wrong kind");
    assert_eq!(e.code, ImportErrorCode::KindMismatch);
    assert_eq!(h.imports().len(), 2);
}

// ---- never panic ----

/// Bytes from a "CSV-like" alphabet: each input byte below 16 picks a structural piece
/// (quotes, commas, line ends, EOF, CP932 lead bytes, plausible values), the rest stand for
/// themselves. Cheaper to generate than a `prop_oneof!` per piece.
fn csv_like(seed: &[u8]) -> Vec<u8> {
    const PIECES: [&[u8]; 16] = [
        b"\"",
        b"\"\"",
        b",",
        b",",
        b"\r\n",
        b"\n",
        b"\r",
        b"\x1a",
        b"\x81",
        b"\x82\xa0",
        b"0",
        b"S",
        b"99999999",
        b"1.00",
        b"190000010",
        b"\",\"",
    ];
    let mut out = Vec::with_capacity(seed.len() * 2);
    for &b in seed {
        match PIECES.get(usize::from(b)) {
            Some(piece) => out.extend_from_slice(piece),
            None => out.push(b),
        }
    }
    out
}

const FUZZ_DATES: [&str; 6] = [
    "", "20240401", "20240601", "20241001", "20241130", "20241201",
];

fn fuzz_day(i: usize) -> Date {
    // Every date in FUZZ_DATES, the day before each, and far ends.
    const DAYS: [Date; 11] = [
        date!(2020 - 01 - 01),
        date!(2024 - 03 - 31),
        date!(2024 - 04 - 01),
        date!(2024 - 05 - 31),
        date!(2024 - 06 - 01),
        date!(2024 - 09 - 30),
        date!(2024 - 10 - 01),
        date!(2024 - 11 - 30),
        date!(2024 - 12 - 01),
        date!(2024 - 12 - 02),
        date!(2030 - 01 - 01),
    ];
    DAYS[i % DAYS.len()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..4000),
        kind in 0usize..6,
        full_scope in any::<bool>(),
    ) {
        let kind = MasterKind::ALL[kind];
        let scope = if full_scope { FileScope::Full } else { FileScope::Diff };
        let _ = parse_file_as(kind, scope, "fuzz.csv", &bytes);
        let _ = parse_file_detect("fuzz.csv", &bytes);
    }

    #[test]
    fn the_parser_never_panics_on_csv_like_bytes(
        seed in proptest::collection::vec(prop_oneof![3 => 0u8..16, 1 => any::<u8>()], 0..600),
        kind in 0usize..6,
    ) {
        let bytes = csv_like(&seed);
        let kind = MasterKind::ALL[kind];
        if let Ok(file) = parse_file_as(kind, FileScope::Diff, "fuzz.csv", &bytes) {
            // Whatever parsed can be fed to a history and typed without panicking.
            let mut h = MasterHistory::new(kind);
            let _ = h.apply_diff(&file, date!(2024 - 06 - 01));
            for row in &file.rows {
                let _ = ProcedureRecord::from_row(row);
                let _ = DrugRecord::from_row(row);
                let _ = MaterialRecord::from_row(row);
                let _ = CommentRecord::from_row(row);
                let _ = DiseaseRecord::from_row(row);
                let _ = ModifierRecord::from_row(row);
            }
        }
    }

    #[test]
    fn quoted_fields_round_trip(
        rows in proptest::collection::vec(
            proptest::collection::vec("[a-z0-9\",\r\n ア初]{0,6}", 1..6),
            0..20,
        )
    ) {
        let text: String = rows.iter().map(|r| csv_line(r)).collect();
        let parsed = super::csv::read_records("t.csv", &text).expect("well-formed CSV parses");
        let fields: Vec<Vec<String>> = parsed.into_iter().map(|r| r.fields).collect();
        prop_assert_eq!(fields, rows);
    }

    #[test]
    fn file_names_never_panic(name in "\\PC{0,16}") {
        let kind = MasterKind::from_file_name(&name);
        let _ = FileScope::infer(kind.unwrap_or(MasterKind::Procedure), &name);
        for prefix in ["s_", "s_AL", "b_ALL"] {
            let _ = MasterKind::from_file_name(&format!("{prefix}{name}"));
        }
    }

    #[test]
    fn hundredths_print_and_parse_back(value in 0i64..1_000_000_000_000_000) {
        let h = Hundredths(value);
        prop_assert_eq!(Hundredths::parse(&h.to_string()), Some(h));
    }

    #[test]
    fn mutated_rows_never_panic_and_errors_name_a_real_column(
        edits in proptest::collection::vec((1usize..=151, "[0-9A-Z.\"ｱ初]{0,10}"), 0..6),
        full_scope in any::<bool>(),
    ) {
        let mut row = test_row("190000010");
        for (col, value) in &edits {
            if *col <= row.len() {
                row[*col - 1] = value.clone();
            } else {
                row.push(value.clone());
            }
        }
        let scope = if full_scope { FileScope::Full } else { FileScope::Diff };
        match parse_file_as(MasterKind::Procedure, scope, "s_fuzz.csv", &file_bytes(&[row])) {
            Ok(file) => {
                let mut h = MasterHistory::new(MasterKind::Procedure);
                let _ = if full_scope {
                    h.apply_full(&file, date!(2024 - 06 - 01))
                } else {
                    h.apply_diff(&file, date!(2024 - 06 - 01))
                };
                if let Err(e) = ProcedureRecord::from_row(&file.rows[0]) {
                    prop_assert!((1..=150).contains(&e.column), "{e}");
                }
            }
            Err(e) => {
                prop_assert_eq!(e.line, Some(1));
                prop_assert!(e.column.is_some_and(|c| (1..=151).contains(&c)), "{}", e);
            }
        }
    }

    #[test]
    fn lookup_agrees_with_the_timeline(
        ops in proptest::collection::vec(
            (0usize..2, 0usize..5, 0usize..6, 0usize..6, 0usize..3),
            0..8,
        ),
    ) {
        const CODES: [&str; 2] = ["190000010", "190000020"];
        const CHANGES: [&str; 5] = ["5", "9", "1", "2", "3"];
        const POINTS: [&str; 3] = ["", "1.00", "2.00"];
        let mut h = MasterHistory::new(MasterKind::Procedure);
        let base = full(
            "s_ALL20240331.csv",
            &[
                proc_row("0", CODES[0], "テスト", "1.00", "20240401", OPEN),
                proc_row("0", CODES[1], "テスト", "1.00", "20220401", OPEN),
            ],
        );
        h.apply_full(&base, date!(2024 - 03 - 31)).expect("base");
        for (i, (code, change, changed, abolished, points)) in ops.into_iter().enumerate() {
            let abolished = match FUZZ_DATES[abolished] {
                "20240401" => OPEN,
                d => d,
            };
            let row = diff_row(
                CHANGES[change],
                CODES[code],
                &[(87, FUZZ_DATES[changed]), (88, abolished), (12, POINTS[points])],
            );
            let file = full(&format!("s_2024040{i}.csv"), &[row]);
            h.apply_diff(&file, date!(2024 - 04 - 01)).expect("both codes have a base");
        }
        for code in CODES {
            let timeline = h.timeline(code);
            for i in 0..11 {
                let day = fuzz_day(i);
                let by_lookup = h.lookup(code, day);
                let by_timeline = timeline
                    .iter()
                    .find(|p| {
                        p.valid_from.is_none_or(|f| f <= day) && p.valid_until.is_none_or(|u| day <= u)
                    })
                    .map(|p| &p.version.row);
                prop_assert_eq!(by_lookup, by_timeline, "{} on {}", code, day);
            }
            // Periods are ordered and do not overlap.
            for pair in timeline.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                prop_assert!(a.valid_until.is_some());
                prop_assert!(b.valid_from.is_some_and(|from| a.valid_until.is_some_and(|until| until < from)));
            }
        }
    }
}
