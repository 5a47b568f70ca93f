//! Tests of the UKE model, writer and reader: the real-format samples of
//! `../shared/reference/uke/uke-parser_samples/` (fictitious ORCA test data, read in place and
//! never copied), a fictitious fixture with every record kind, each reader error, and properties.

use super::*;
use crate::sjis::{decode_sjis, encode_sjis};

#[path = "../../../tests/common/reference.rs"]
mod reference;

// ---------------------------------------------------------------------------------------------
// A fictitious file with every record kind Karte types, and raw records in each place.

fn date(y: i32, m: u8, d: u8) -> UkeDate {
    UkeDate::from_ymd(y, m, d).unwrap()
}

fn day_counts(days: &[(usize, u16)]) -> DayCounts {
    let mut out = [None; 31];
    for &(day, n) in days {
        out[day - 1] = Some(n);
    }
    out
}

fn raw(kind: &str, fields: &[&str]) -> RawRecord {
    RawRecord {
        kind: kind.into(),
        fields: fields.iter().map(|f| f.to_string()).collect(),
    }
}

fn re(n: u32, kind: &str) -> ReRecord {
    ReRecord {
        claim_number: n,
        claim_kind: kind.into(),
        service_month: UkeMonth::new(2024, 6).unwrap(),
        name: "架空　太郎".into(),
        sex: "1".into(),
        birth_date: date(1980, 1, 2),
        benefit_percent: None,
        admission_date: None,
        wards: Vec::new(),
        burden_class: String::new(),
        special_notes: Vec::new(),
        beds: None,
        chart_number: "K-0001".into(),
        discount_unit_price: None,
        search_number: String::new(),
        claim_info: String::new(),
        departments: Default::default(),
        kana: "カクウタロウ".into(),
        patient_states: Vec::new(),
    }
}

fn ho(insurer: &str, points: u32) -> HoRecord {
    HoRecord {
        insurer_number: insurer.into(),
        card_symbol: "１２３".into(),
        card_number: "４５６".into(),
        days: Some(2),
        points: Some(points),
        meal_count: None,
        meal_yen: None,
        occupational: String::new(),
        certificate_number: None,
        patient_share_yen: Some(1_740),
        reduction_class: String::new(),
        reduction_percent: None,
        reduction_yen: None,
    }
}

fn si(class: &str, code: &str, points: Option<u32>, days: &[(usize, u16)]) -> ClaimLine {
    let days = day_counts(days);
    ClaimLine::Si(SiRecord {
        treatment_class: class.into(),
        burden: "1".into(),
        code: code.into(),
        quantity: None,
        points,
        times: Some(day_total(&days) as u16),
        comments: Default::default(),
        days,
    })
}

/// Three fictitious claims: 医保単独 with every line kind, 医保+公費 入院 with SN/JD/MF and a GR,
/// 公費単独 with SJ and a 臓器提供者 block.
fn fixture() -> UkeFile {
    let mut first = ClaimRecords::new(re(1, "1112"));
    first.ho = Some(ho("133066", 580));
    first.sy = vec![
        SyRecord {
            disease_code: "4659007".into(),
            start_date: date(2024, 6, 3),
            outcome: "1".into(),
            modifiers: vec!["8002".into()],
            disease_name: String::new(),
            main: "01".into(),
            note: String::new(),
        },
        SyRecord {
            disease_code: "0000999".into(),
            start_date: date(2024, 6, 3),
            outcome: "2".into(),
            modifiers: Vec::new(),
            disease_name: "架空の傷病".into(),
            main: String::new(),
            note: "補足".into(),
        },
    ];
    let mut drug_days = [None; 31];
    drug_days[2] = Some(1);
    first.lines = vec![
        si("11", "111000110", Some(291), &[(3, 1)]),
        ClaimLine::Co(CoRecord {
            treatment_class: String::new(),
            burden: "1".into(),
            code: "810000001".into(),
            text: "架空のコメント".into(),
        }),
        ClaimLine::Iy(IyRecord {
            treatment_class: "21".into(),
            burden: "1".into(),
            code: "620098801".into(),
            amount: Some(DrugAmount::parse("1.5").unwrap()),
            points: None,
            times: Some(1),
            comments: Default::default(),
            days: drug_days,
        }),
        ClaimLine::Iy(IyRecord {
            treatment_class: String::new(),
            burden: "1".into(),
            code: "620160501".into(),
            amount: Some(DrugAmount::parse("0.00125").unwrap()),
            points: Some(12),
            times: Some(1),
            comments: [
                LineComment {
                    code: "820000001".into(),
                    text: String::new(),
                },
                LineComment {
                    code: "830000052".into(),
                    text: "架空の理由".into(),
                },
                LineComment::default(),
            ],
            days: drug_days,
        }),
        ClaimLine::To(ToRecord {
            treatment_class: "40".into(),
            burden: "1".into(),
            code: "700720000".into(),
            amount: Some(DeviceAmount::parse("2.5").unwrap()),
            points: Some(277),
            times: Some(1),
            unit_code: "008".into(),
            unit_price: Some(DevicePrice::parse("1234.5").unwrap()),
            product_name: "架空の器材　１０ｃｍ".into(),
            comments: Default::default(),
            days: drug_days,
        }),
        ClaimLine::Other(raw("ZZ", &["1", "a"])),
    ];

    let mut second = ClaimRecords::new(ReRecord {
        admission_date: Some(date(2024, 5, 30)),
        wards: vec!["01".into(), "05".into()],
        special_notes: vec!["01".into(), "29".into()],
        beds: Some(120),
        patient_states: vec!["001".into()],
        departments: [
            Department {
                name: "01".into(),
                ..Default::default()
            },
            Department::default(),
            Department::default(),
        ],
        ..re(2, "1121")
    });
    second.ho = Some(HoRecord {
        meal_count: Some(9),
        meal_yen: Some(4_140),
        ..ho("06123456", 1_200)
    });
    second.ko = vec![KoRecord {
        payer_number: "21136015".into(),
        recipient_number: "0000123".into(),
        optional_benefit: String::new(),
        days: Some(2),
        points: Some(1_200),
        patient_share_yen: Some(0),
        outpatient_covered_yen: None,
        inpatient_covered_yen: None,
        meal_count: None,
        meal_yen: None,
    }];
    second.sn = vec![SnRecord {
        payer_kind: "1".into(),
        confirmation: "01".into(),
        checked_insurer_number: String::new(),
        checked_card_symbol: String::new(),
        checked_card_number: String::new(),
        branch: "01".into(),
        checked_recipient_number: String::new(),
    }];
    let mut visits = [None; 31];
    visits[29] = Some(1);
    visits[30] = Some(2);
    second.jd = vec![JdRecord {
        payer_kind: "1".into(),
        days: visits,
    }];
    second.mf = vec![MfRecord {
        window_class: "00".into(),
    }];
    second.other_header = vec![raw("GR", &["09", "040080xx99x0xx"])];
    second.lines = vec![si("90", "190077410", Some(1_200), &[(30, 1), (31, 1)])];

    let mut third = ClaimRecords::new(re(3, "1212"));
    third.ko = vec![KoRecord {
        payer_number: "54136015".into(),
        recipient_number: String::new(),
        optional_benefit: String::new(),
        days: Some(1),
        points: Some(291),
        patient_share_yen: None,
        outpatient_covered_yen: None,
        inpatient_covered_yen: None,
        meal_count: None,
        meal_yen: None,
    }];
    third.lines = vec![si("11", "111000110", Some(291), &[(10, 1)])];
    third.sj = vec![
        SjRecord {
            kind: "01".into(),
            text: "架空の症状詳記".into(),
        },
        SjRecord {
            kind: String::new(),
            text: "次の段落".into(),
        },
    ];
    third.other = vec![
        raw("TI", &["1", "1", "", "", "", "", "", "", ""]),
        raw("SY", &["0000999", "20240601", "1", "", "架空", "", ""]),
    ];

    UkeFile::new(
        IrRecord {
            payer: "1".into(),
            prefecture: "13".into(),
            score_table: "1".into(),
            institution_code: "1234567".into(),
            name: "架空医院".into(),
            billing_month: UkeMonth::new(2024, 7).unwrap(),
            volume: "00".into(),
            phone: "03-0000-0000".into(),
        },
        vec![first, second, third],
    )
}

fn lines_of(file: &UkeFile) -> Vec<String> {
    file.to_text()
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// `lines` as a UKE file: Shift_JIS, CR LF, EOF.
fn bytes_of(lines: &[String]) -> Vec<u8> {
    let mut bytes = encode_sjis(&format!("{}\r\n", lines.join("\r\n")));
    bytes.push(0x1A);
    bytes
}

/// `line` with its 項目 `number` set to `value`.
fn with_field(line: &str, number: usize, value: &str) -> String {
    let mut fields: Vec<&str> = line.split(',').collect();
    fields[number - 1] = value;
    fields.join(",")
}

#[test]
fn the_fixture_is_written_as_the_spec_wants() {
    let file = fixture();
    assert_eq!(file.check(), vec![]);
    let lines = lines_of(&file);
    let expected_start = [
        "IR,1,13,1,1234567,,架空医院,202407,00,03-0000-0000",
        "RE,1,1112,202406,架空　太郎,1,19800102,,,,,,,K-0001,,,,,,,,,,,,,,,,,,,,,,,カクウタロウ,",
        // 保険者番号: six digits, two leading spaces (HO 項目2).
        "HO,  133066,１２３,４５６,2,580,,,,,,1740,,,",
        "SY,4659007,20240603,1,8002,,01,",
        "SY,0000999,20240603,2,,架空の傷病,,補足",
        "SI,11,1,111000110,,291,1,,,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
        "CO,,1,810000001,架空のコメント",
        "IY,21,1,620098801,1.5,,1,,,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
        "IY,,1,620160501,0.00125,12,1,820000001,,830000052,架空の理由,,,,,1,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
        "TO,40,1,700720000,2.5,277,1,008,1234.5,,架空の器材　１０ｃｍ,,,,,,,,,1,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
        "ZZ,1,a",
    ];
    assert_eq!(&lines[..expected_start.len()], expected_start);
    assert!(lines.contains(&"KO,21136015,0000123,,2,1200,0,,,,,".to_string()));
    assert!(lines.contains(&"SN,1,01,,,,01,,".to_string()));
    assert!(lines.contains(&format!("MF,00{}", ",".repeat(31))));
    assert!(lines.contains(&"GR,09,040080xx99x0xx".to_string()));
    assert_eq!(
        lines[lines.len() - 1],
        "GO,4,2071,99",
        "件数: one per HO and KO (1 + 2 + 1); points: HO, HO, first KO (580 + 1200 + 291)"
    );
    // The second claim in the spec's order: RE HO KO SN JD MF GR SI.
    let kinds: Vec<&str> = lines.iter().map(|l| &l[..2]).collect();
    assert_eq!(
        kinds,
        [
            "IR", "RE", "HO", "SY", "SY", "SI", "CO", "IY", "IY", "TO", "ZZ", "RE", "HO", "KO",
            "SN", "JD", "MF", "GR", "SI", "RE", "KO", "SI", "SJ", "SJ", "TI", "SY", "GO"
        ]
    );
    for (kind, count) in [
        ("RE", 38),
        ("HO", 15),
        ("KO", 12),
        ("SN", 9),
        ("JD", 33),
        ("MF", 33),
    ] {
        for line in lines.iter().filter(|l| l.starts_with(kind)) {
            assert_eq!(line.split(',').count(), count, "{kind} has all its fields");
        }
    }
    for (kind, count) in [
        ("SY", 8),
        ("SI", 44),
        ("IY", 44),
        ("TO", 48),
        ("CO", 5),
        ("SJ", 3),
    ] {
        let line = lines.iter().find(|l| l.starts_with(kind)).unwrap();
        assert_eq!(line.split(',').count(), count, "{kind} has all its fields");
    }
}

#[test]
fn the_bytes_are_shift_jis_with_crlf_and_end_in_crlf_eof() {
    let bytes = fixture().to_bytes();
    assert!(bytes.ends_with(b"\r\n\x1A"));
    assert_eq!(bytes.iter().filter(|b| **b == 0x1A).count(), 1);
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            assert_eq!(bytes[i - 1], b'\r', "every LF follows a CR");
        }
    }
    // 架 is 0x89CB in Shift_JIS; the text is not UTF-8.
    assert!(bytes.windows(2).any(|w| w == [0x89, 0xCB]));
    assert!(std::str::from_utf8(&bytes).is_err());
    let text = decode_sjis(&bytes[..bytes.len() - 1]).unwrap();
    assert_eq!(text, fixture().to_text());
}

#[test]
fn the_fixture_reads_back_equal_from_shift_jis_and_utf8_lf() {
    let file = fixture();
    assert_eq!(read_uke(&file.to_bytes()).unwrap(), file);
    let utf8_lf = file.to_text().replace("\r\n", "\n");
    assert_eq!(read_uke(utf8_lf.as_bytes()).unwrap(), file);
    let json = serde_json::to_string(&file).unwrap();
    assert_eq!(serde_json::from_str::<UkeFile>(&json).unwrap(), file);
}

#[test]
fn raw_records_stay_where_they_were() {
    let file = read_uke(&fixture().to_bytes()).unwrap();
    assert_eq!(
        file.claims[1].other_header,
        vec![raw("GR", &["09", "040080xx99x0xx"])]
    );
    assert_eq!(
        file.claims[0].lines.last(),
        Some(&ClaimLine::Other(raw("ZZ", &["1", "a"])))
    );
    // The donor's SY after TI is the donor's, not the recipient's.
    assert!(file.claims[2].sy.is_empty());
    assert_eq!(file.claims[2].other.len(), 2);
    assert_eq!(file.claims[2].other[1].kind, "SY");
}

#[test]
fn text_the_format_cannot_carry_is_replaced_and_reported() {
    let mut file = fixture();
    file.claims[0].re.name = "架空,太郎\r\n髙橋😀 ".into();
    let problems = file.check();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().all(|p| p.line == 2 && p.record == "RE"));
    assert_eq!(problems[0].kind, UkeProblemKind::Replaced);
    assert_eq!(problems[0].field.unwrap().name, "氏名");
    assert_eq!(problems[1].kind, UkeProblemKind::MixedWidth);
    let back = read_uke(&file.to_bytes()).unwrap();
    assert_eq!(back.claims[0].re.name, "架空，太郎  ■橋■");
    assert_eq!(back.claims.len(), 3, "no record was split");
}

#[test]
fn check_reports_totals_times_numbers_and_lengths() {
    let mut file = fixture();
    file.totals.claim_count = Some(3);
    file.totals.total_points = None;
    file.claims[1].re.claim_number = 7;
    if let ClaimLine::Si(si) = &mut file.claims[0].lines[0] {
        si.times = Some(2);
        si.code = "11100011".into();
    }
    file.claims[2].ko.clear();
    file.institution.name = "架".repeat(21);
    let problems: Vec<(usize, String, Option<usize>, UkeProblemKind)> = file
        .check()
        .into_iter()
        .map(|p| (p.line, p.record, p.field.map(|f| f.number), p.kind))
        .collect();
    let expected = [
        (
            1,
            "IR",
            Some(7),
            UkeProblemKind::TooLong {
                max: 40,
                actual: 42,
            },
        ),
        (
            6,
            "SI",
            Some(7),
            UkeProblemKind::Times { times: 2, days: 1 },
        ),
        (
            6,
            "SI",
            Some(4),
            UkeProblemKind::FixedLength {
                expected: 9,
                actual: 8,
            },
        ),
        (
            12,
            "RE",
            Some(2),
            UkeProblemKind::ClaimNumber { expected: 2 },
        ),
        (20, "RE", None, UkeProblemKind::NoPayer),
        // 総件数 3 is still right: the third claim lost its only KO (1 + 2 + 0).
        (
            26,
            "GO",
            Some(3),
            UkeProblemKind::TotalPoints {
                written: None,
                expected: 1_780,
            },
        ),
    ]
    .map(|(line, record, field, kind)| (line, record.to_string(), field, kind));
    assert_eq!(problems, expected);
    let mut fixed = file.clone();
    fixed.fill_totals();
    assert!(fixed.check().iter().all(|p| p.record != "GO"));
    assert_eq!(
        file.check()[1].message_ja(),
        "6行目 SI レコード 項目7（回数）: 回数 2 が算定日情報の合計 1 と一致しません"
    );
}

/// What `check` passes, the reader reads back: so `check` reports what the reader would refuse
/// or read as something else.
#[test]
fn check_reports_what_the_reader_would_refuse_or_change() {
    let problems = |file: &UkeFile| -> Vec<(usize, String, Option<usize>, UkeProblemKind)> {
        file.check()
            .into_iter()
            .map(|p| (p.line, p.record, p.field.map(|f| f.number), p.kind))
            .collect()
    };
    let mut file = fixture();
    file.institution.score_table = "3".into();
    assert_eq!(
        problems(&file),
        [(1, "IR".into(), Some(4), UkeProblemKind::NotMedical)]
    );
    let error = read_uke(&file.to_bytes()).unwrap_err();
    assert_eq!(error.kind, UkeErrorKind::NotMedical { table: "3".into() });

    let mut file = fixture();
    // The ZZ among the first claim's lines is line 11.
    file.claims[0].lines[5] = ClaimLine::Other(raw("ZZ", &["1", "a,b", "c\td", "😀", "e "]));
    assert_eq!(
        problems(&file),
        [2, 3, 4].map(|n| (11, "ZZ".into(), Some(n + 1), UkeProblemKind::Replaced))
    );
    let back = read_uke(&file.to_bytes()).unwrap();
    assert_eq!(
        back.claims[0].lines[5],
        ClaimLine::Other(raw("ZZ", &["1", "a，b", "c d", "■", "e "])),
        "a raw record keeps its spaces"
    );

    let mut file = fixture();
    let many = vec![String::new(); MAX_FIELDS];
    file.claims[0].lines[5] = ClaimLine::Other(RawRecord {
        kind: "ZZ".into(),
        fields: many,
    });
    assert_eq!(
        problems(&file),
        [(
            11,
            "ZZ".into(),
            None,
            UkeProblemKind::TooManyFields { limit: MAX_FIELDS }
        )]
    );
    assert_eq!(
        read_uke(&file.to_bytes()).unwrap_err().kind,
        UkeErrorKind::TooManyFields { limit: MAX_FIELDS }
    );

    let mut file = fixture();
    file.claims[0].lines[5] = ClaimLine::Other(raw("ZZ", &[&"架".repeat(MAX_LINE_BYTES / 2)]));
    assert_eq!(
        problems(&file),
        [(
            11,
            "ZZ".into(),
            None,
            UkeProblemKind::LineTooLong {
                limit: MAX_LINE_BYTES
            }
        )]
    );
    assert_eq!(
        read_uke(&file.to_bytes()).unwrap_err().kind,
        UkeErrorKind::LineTooLong {
            limit: MAX_LINE_BYTES
        }
    );

    // A blank in a code: the writer drops it at the end, and the reader would cut elsewhere.
    let mut file = fixture();
    file.claims[1].re.wards = vec!["01".into(), "5 ".into()];
    assert_eq!(
        problems(&file),
        [(
            12,
            "RE".into(),
            Some(10),
            UkeProblemKind::CodeWidth { width: 2 }
        )]
    );
    assert!(read_uke(&file.to_bytes()).is_err());
}

// ---------------------------------------------------------------------------------------------
// Reader errors: each names its line, record and field.

fn fixture_lines() -> Vec<String> {
    lines_of(&fixture())
}

fn error_of(lines: &[String]) -> UkeError {
    read_uke(&bytes_of(lines)).unwrap_err()
}

#[track_caller]
fn assert_error(
    error: &UkeError,
    line: Option<usize>,
    record: Option<&str>,
    field: Option<(usize, &str)>,
    kind: UkeErrorKind,
) {
    assert_eq!(error.kind, kind, "{}", error.message_ja());
    assert_eq!(error.line, line, "{}", error.message_ja());
    assert_eq!(error.record.as_deref(), record, "{}", error.message_ja());
    assert_eq!(
        error.field.map(|f| (f.number, f.name)),
        field,
        "{}",
        error.message_ja()
    );
}

#[test]
fn field_errors_name_the_line_record_and_field() {
    use UkeErrorKind as K;
    // (line index, 項目, value, field name, kind)
    let cases: Vec<(usize, usize, &str, &str, K)> = vec![
        (5, 7, "1a", "回数", K::NotNumeric),
        (5, 7, "1000", "回数", K::TooLong { max: 3 }),
        (5, 20, "x", "7日の情報", K::NotNumeric),
        (3, 3, "20240230", "診療開始日", K::BadDate),
        (3, 3, "6060603", "診療開始日", K::BadDate),
        (3, 5, "800", "修飾語コード", K::BadCodeWidth { width: 4 }),
        (1, 7, "", "生年月日", K::Required),
        (1, 2, "", "レセプト番号", K::Required),
        (1, 4, "202413", "診療年月", K::BadMonth),
        (0, 8, "", "請求年月", K::Required),
        (
            7,
            5,
            "1.000001",
            "使用量",
            K::BadDecimal { int: 5, frac: 5 },
        ),
        (
            9,
            9,
            "123456789.1",
            "単価",
            K::BadDecimal { int: 8, frac: 2 },
        ),
        (2, 6, "５８０", "合計点数", K::NotNumeric),
    ];
    for (index, number, value, name, kind) in cases {
        let mut lines = fixture_lines();
        lines[index] = with_field(&lines[index], number, value);
        let record = lines[index][..2].to_string();
        let error = error_of(&lines);
        assert_error(
            &error,
            Some(index + 1),
            Some(&record),
            Some((number, name)),
            kind,
        );
    }
    let mut lines = fixture_lines();
    lines[5] = with_field(&lines[5], 7, "1a");
    assert_eq!(
        error_of(&lines).message_ja(),
        "6行目 SI レコード 項目7（回数）: 数字ではありません"
    );
}

#[test]
fn structure_errors_name_the_line() {
    use UkeErrorKind as K;
    let base = fixture_lines();
    let go = base.len() - 1;

    let mut lines = base.clone();
    lines.remove(0);
    assert_error(&error_of(&lines), Some(1), Some("RE"), None, K::FirstNotIr);

    let mut lines = base.clone();
    lines.insert(3, base[0].clone());
    assert_error(&error_of(&lines), Some(4), Some("IR"), None, K::SecondIr);

    let mut lines = base.clone();
    lines.remove(1);
    assert_error(&error_of(&lines), Some(2), Some("HO"), None, K::BeforeRe);

    let mut lines = base.clone();
    lines.remove(go);
    assert_error(&error_of(&lines), None, None, None, K::NoGo);

    let mut lines = base.clone();
    lines.push(base[5].clone());
    assert_error(
        &error_of(&lines),
        Some(go + 2),
        Some("SI"),
        None,
        K::AfterGo,
    );

    let mut lines = base.clone();
    lines.insert(3, base[2].clone());
    assert_error(&error_of(&lines), Some(4), Some("HO"), None, K::Duplicate);

    let mut lines = base.clone();
    lines.insert(6, base[2].clone());
    assert_error(&error_of(&lines), Some(7), Some("HO"), None, K::OutOfOrder);

    let mut lines = base.clone();
    lines[go] = format!("{},5", base[go]);
    assert_error(
        &error_of(&lines),
        Some(go + 1),
        Some("GO"),
        Some((5, "（記録条件仕様にない項目）")),
        K::ExtraField,
    );
    // Empty extra fields (older layouts) are fine.
    let mut lines = base.clone();
    lines[go] = format!("{},,", base[go]);
    assert!(read_uke(&bytes_of(&lines)).is_ok());

    // The encoder never writes a TAB, so the bytes are put together by hand: in Shift_JIS and
    // in UTF-8.
    let (before, after) = base[4].split_once("架空の傷病").unwrap();
    let before = format!("{}\r\n{before}架空の", base[..4].join("\r\n"));
    let after = format!("傷病{after}\r\n{}\r\n", base[5..].join("\r\n"));
    let sjis = [encode_sjis(&before), b"\t".to_vec(), encode_sjis(&after)].concat();
    let utf8 = format!("{before}\t{after}");
    for bytes in [sjis, utf8.into_bytes()] {
        assert_error(
            &read_uke(&bytes).unwrap_err(),
            Some(5),
            Some("SY"),
            Some((6, "傷病名称")),
            K::ControlCharacter,
        );
    }

    let mut lines = base.clone();
    lines[3] = format!("sy{}", &lines[3][2..]);
    assert_error(&error_of(&lines), Some(4), None, None, K::BadRecordKind);

    let mut lines = base.clone();
    lines[0] = with_field(&lines[0], 4, "3");
    assert_error(
        &error_of(&lines),
        Some(1),
        Some("IR"),
        Some((4, "点数表")),
        K::NotMedical { table: "3".into() },
    );

    let text = format!("{}\r\n\r\n{}\r\n", base[0], base[1..].join("\r\n"));
    let error = read_uke(text.as_bytes()).unwrap_err();
    assert_error(&error, Some(2), None, None, K::BlankLine);
    // Blank lines at the end are not.
    assert!(read_uke(format!("{}\r\n\r\n\r\n", base.join("\r\n")).as_bytes()).is_ok());
}

#[test]
fn file_errors_and_limits() {
    use UkeErrorKind as K;
    assert_error(&read_uke(b"").unwrap_err(), None, None, None, K::Empty);
    assert_error(
        &read_uke(b"\r\n\x1A").unwrap_err(),
        None,
        None,
        None,
        K::Empty,
    );
    let huge = vec![0u8; MAX_FILE_BYTES + 1];
    assert_error(
        &read_uke(&huge).unwrap_err(),
        None,
        None,
        None,
        K::TooLarge {
            limit: MAX_FILE_BYTES,
        },
    );
    // Millions of tiny records: refused at the first one past the limit, by line, before
    // they take gigabytes as records.
    let tiny = "SY\r\n".repeat(MAX_RECORDS + 1);
    assert_error(
        &read_uke(tiny.as_bytes()).unwrap_err(),
        Some(MAX_RECORDS + 1),
        None,
        None,
        K::TooManyRecords { limit: MAX_RECORDS },
    );
    let long = format!("IR,1\r\nRE,{}\r\n", "1".repeat(MAX_LINE_BYTES));
    assert_error(
        &read_uke(long.as_bytes()).unwrap_err(),
        Some(2),
        None,
        None,
        K::LineTooLong {
            limit: MAX_LINE_BYTES,
        },
    );
    // 0x82 0x20 is not Shift_JIS (and not UTF-8): on line 2.
    let mut bytes = encode_sjis(&fixture_lines()[..2].join("\r\n"));
    bytes.extend_from_slice(b"\r\nSY,\x82 ,1\r\n");
    assert_error(
        &read_uke(&bytes).unwrap_err(),
        Some(3),
        None,
        None,
        K::Encoding,
    );
    assert_eq!(
        read_uke(b"GO,1,2,99").unwrap_err().message_ja(),
        "1行目 GO レコード: 最初のレコードが IR（医療機関情報レコード）ではありません"
    );
}

#[test]
fn a_record_with_too_many_fields_is_refused_with_its_line() {
    use UkeErrorKind as K;
    let base = fixture_lines();
    // The SI on line 6 has 44 fields; empty ones up to 64 are read (older layouts), not 65.
    let mut lines = base.clone();
    lines[5] = format!("{}{}", base[5], ",".repeat(MAX_FIELDS - 44));
    assert_eq!(read_uke(&bytes_of(&lines)).unwrap(), fixture());
    lines[5].push(',');
    let error = error_of(&lines);
    assert_error(
        &error,
        Some(6),
        Some("SI"),
        None,
        K::TooManyFields { limit: MAX_FIELDS },
    );
    assert_eq!(
        error.message_ja(),
        "6行目 SI レコード: 項目が多すぎます（64 項目まで）"
    );
    // Any UKE-shaped file (歯科's SS has 109 fields) is read as records up to MAX_FIELDS_ANY.
    let records = read_records(&bytes_of(&lines)).unwrap();
    assert_eq!(records[5].len(), MAX_FIELDS + 1);
    lines[5] = format!("{}{}", base[5], ",".repeat(MAX_FIELDS_ANY - 43));
    assert_error(
        &read_records(&bytes_of(&lines)).unwrap_err(),
        Some(6),
        Some("SI"),
        None,
        K::TooManyFields {
            limit: MAX_FIELDS_ANY,
        },
    );
    // A line of nothing but commas: refused on its line, not kept as thousands of fields.
    let commas = format!("{}\r\nZZ{}\r\n", base[0], ",".repeat(MAX_LINE_BYTES - 2));
    assert_error(
        &read_records(commas.as_bytes()).unwrap_err(),
        Some(2),
        Some("ZZ"),
        None,
        K::TooManyFields {
            limit: MAX_FIELDS_ANY,
        },
    );
}

#[test]
fn a_utf8_file_with_a_character_shift_jis_has_not_is_refused_with_its_line() {
    use UkeErrorKind as K;
    let base = fixture_lines();
    // (line index, 項目, what is put in the field, the field's name)
    let cases: [(usize, usize, &str, &str); 5] = [
        (4, 6, "架空の😀", "傷病名称"),
        (4, 8, "\u{202E}補足", "補足コメント"),
        (0, 7, "架空\u{2028}医院", "医療機関名称"),
        (6, 5, "架空①", "文字データ"),
        (1, 5, "髙橋　太郎", "氏名"),
    ];
    for (index, number, value, name) in cases {
        let mut lines = base.clone();
        lines[index] = with_field(&lines[index], number, value);
        let record = lines[index][..2].to_string();
        let error = read_uke(lines.join("\n").as_bytes()).unwrap_err();
        assert_error(
            &error,
            Some(index + 1),
            Some(&record),
            Some((number, name)),
            K::Encoding,
        );
        assert!(
            error
                .message_ja()
                .starts_with(&format!("{}行目", index + 1)),
            "{}",
            error.message_ja()
        );
        assert!(read_records(lines.join("\n").as_bytes()).is_err());
    }
    // The JIS mapping's code points are Shift_JIS characters: read as their CP932 ones.
    let mut lines = base.clone();
    lines[4] = with_field(&lines[4], 6, "架空の傷病−〜");
    let file = read_uke(lines.join("\n").as_bytes()).unwrap();
    assert_eq!(file.claims[0].sy[1].disease_name, "架空の傷病－～");
}

#[test]
fn a_record_keeps_its_line_once_and_gives_its_fields() {
    let records = read_records("IR,1,,架空\r\nZZ\r\nSY,,\r\n".as_bytes()).unwrap();
    let [ir, zz, sy] = &records[..] else {
        panic!("three records: {records:?}");
    };
    assert_eq!((ir.line, ir.kind(), ir.len()), (1, "IR", 4));
    assert_eq!(ir.fields().collect::<Vec<_>>(), ["IR", "1", "", "架空"]);
    assert_eq!((ir.field(3), ir.field(4), ir.field(99)), ("架空", "", ""));
    assert_eq!(ir.text(), "IR,1,,架空");
    assert_eq!((zz.kind(), zz.len(), zz.field(1)), ("ZZ", 1, ""));
    assert_eq!(sy.fields().collect::<Vec<_>>(), ["SY", "", ""]);
    assert!(!sy.is_empty());
}

// ---------------------------------------------------------------------------------------------
// The real-format samples (UTF-8, LF, 和暦, the 2018 layout).

fn samples() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = reference::reference("uke/uke-parser_samples")?;
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    assert!(files.len() >= 12, "the samples are all there");
    Some(files)
}

const DENTAL: &str = "shika_shaho.csv";

#[test]
fn every_sample_reads() {
    let Some(samples) = samples() else { return };
    for (name, bytes) in &samples {
        let records = read_records(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            records.len(),
            String::from_utf8_lossy(bytes).lines().count(),
            "{name}"
        );
        if name == DENTAL {
            // 歯科: an IR-shaped "UK" record first, an IR per claim without its 医療機関名称, RE
            // in the 歯科 layout (27 fields) — read as records, refused as a 医科 file by name.
            let error = read_uke(bytes).unwrap_err();
            assert_eq!(error.kind, UkeErrorKind::NotMedical { table: "3".into() });
            assert_eq!(error.line, Some(2));
            continue;
        }
        let file = read_uke(bytes).unwrap_or_else(|e| panic!("{name}: {}", e.message_ja()));
        assert!(!file.claims.is_empty(), "{name}");
        // The samples' GO agrees with the claims as the spec counts them (one per HO and KO).
        assert_eq!(file.totals, GoRecord::single_volume(&file.claims), "{name}");
        let arithmetic: Vec<UkeProblem> = file
            .check()
            .into_iter()
            .filter(|p| {
                matches!(
                    p.kind,
                    UkeProblemKind::ClaimCount { .. }
                        | UkeProblemKind::TotalPoints { .. }
                        | UkeProblemKind::Times { .. }
                        | UkeProblemKind::ClaimNumber { .. }
                )
            })
            .collect();
        assert_eq!(arithmetic, vec![], "{name}");
    }
}

#[test]
fn a_sample_has_the_values_it_shows() {
    let Some(samples) = samples() else { return };
    let (_, bytes) = samples
        .iter()
        .find(|(name, _)| name == "shaho_201811.csv")
        .unwrap();
    let file = read_uke(bytes).unwrap();
    let ir = &file.institution;
    assert_eq!(
        (
            ir.payer.as_str(),
            ir.prefecture.as_str(),
            ir.institution_code.as_str()
        ),
        ("1", "13", "1234567")
    );
    // 請求年月 43011 = 平成30年11月.
    assert_eq!(ir.billing_month, UkeMonth::new(2018, 11).unwrap());
    assert_eq!(ir.volume, "00");
    let first = &file.claims[0];
    assert_eq!(first.re.claim_number, 1);
    assert_eq!(first.re.claim_kind, "1114");
    assert_eq!(first.re.service_month, UkeMonth::new(2018, 11).unwrap());
    // 生年月日 4300117 = 平成30年1月17日.
    assert_eq!(first.re.birth_date, date(2018, 1, 17));
    assert_eq!(first.re.chart_number, "00013");
    let ho = first.ho.as_ref().unwrap();
    assert_eq!((ho.insurer_number.as_str(), ho.points), ("", Some(357)));
    // 診療開始日 4301127 = 平成30年11月27日, 修飾語 8002.
    assert_eq!(first.sy[0].start_date, date(2018, 11, 27));
    assert_eq!(first.sy[0].modifiers, vec!["8002".to_string()]);
    let ClaimLine::Iy(iy) = &first.lines[3] else {
        panic!("the fourth line is an IY: {:?}", first.lines[3]);
    };
    assert_eq!(iy.amount, DrugAmount::whole(3));
    assert_eq!(iy.times, Some(33));
    assert_eq!(first.sj[0].kind, "01");
    let with_public = &file.claims[2];
    assert_eq!(with_public.ko[0].payer_number, "12131017");
    assert_eq!(with_public.ko[0].recipient_number, "0000000");
    assert_eq!(file.claims.len(), 27);
    assert_eq!(file.totals.claim_count, Some(31), "27 claims, 4 with a KO");
    assert_eq!(file.totals.total_points, Some(12_529));
    // 国保's six-digit 保険者番号 comes with two leading spaces and is read without them.
    let (_, kokuho) = samples
        .iter()
        .find(|(name, _)| name == "kokuho_201811.csv")
        .unwrap();
    let kokuho = read_uke(kokuho).unwrap();
    assert_eq!(kokuho.institution.payer, "2");
    assert!(kokuho
        .claims
        .iter()
        .any(|c| c.ho.as_ref().is_some_and(|h| h.insurer_number == "138057")));
}

#[test]
fn every_sample_survives_write_and_read() {
    let Some(samples) = samples() else { return };
    for (name, bytes) in samples.iter().filter(|(n, _)| n != DENTAL) {
        let file = read_uke(bytes).unwrap();
        let written = file.to_bytes();
        assert!(written.ends_with(b"\r\n\x1A"), "{name}");
        assert_eq!(read_uke(&written).unwrap(), file, "{name}");
    }
}

/// Reading what was written is a fixpoint: whatever a sample reads as, writing it and reading it
/// back gives a file that writing and reading no longer change.
#[test]
fn every_sample_reaches_a_fixpoint_after_one_rewrite() {
    let Some(samples) = samples() else { return };
    for (name, bytes) in samples.iter().filter(|(n, _)| n != DENTAL) {
        let once = read_uke(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let twice = read_uke(&once.to_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let written = twice.to_bytes();
        let thrice = read_uke(&written).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(thrice, twice, "{name}");
        assert_eq!(thrice.to_bytes(), written, "{name}: the bytes too");
    }
}

/// The original line with its 和暦 dates in 西暦: the one thing the writer changes in the
/// samples (記録条件仕様 令和4年4月版 第1章 3(3)ウ(エ) wants 西暦; the samples predate it).
fn in_seireki(line: &str) -> String {
    let dates: &[usize] = match &line[..2] {
        "IR" => &[8],
        "RE" => &[4, 7, 9],
        "SY" => &[3],
        _ => &[],
    };
    let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
    for &n in dates {
        let value = &fields[n - 1];
        fields[n - 1] = match value.len() {
            0 => String::new(),
            5 | 6 => UkeMonth::parse(value).unwrap().to_uke(),
            _ => UkeDate::parse(value).unwrap().to_uke(),
        };
    }
    fields.join(",")
}

/// Each rewritten record is byte for byte the sample's record in Shift_JIS (what the file was
/// before it was converted to UTF-8), its 和暦 dates in 西暦.
#[test]
fn the_samples_are_rewritten_record_for_record() {
    let Some(samples) = samples() else { return };
    for (name, bytes) in samples.iter().filter(|(n, _)| n != DENTAL) {
        let original = String::from_utf8(bytes.clone()).unwrap();
        let written = read_uke(bytes).unwrap().to_bytes();
        let written: Vec<&[u8]> = written[..written.len() - 1]
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        let original: Vec<String> = original.lines().map(in_seireki).collect();
        assert_eq!(written.len(), original.len(), "{name}");
        for (i, (w, o)) in written.iter().zip(&original).enumerate() {
            let expected = [encode_sjis(o), b"\r".to_vec()].concat();
            assert_eq!(
                *w,
                &expected[..],
                "{name} line {}: {}",
                i + 1,
                decode_sjis(w).unwrap_or_default()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties (native only: proptest does not build for wasm32).

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::collection::vec;
    use proptest::option;
    use proptest::prelude::*;

    /// Full-width characters that survive Shift_JIS both ways.
    const FULL: &[char] = &[
        'あ', 'い', 'う', 'ん', 'ア', 'イ', 'ウ', 'ン', 'ー', '架', '空', '医', '院', '太', '郎',
        '１', '２', '０', 'Ａ', 'ｚ', '（', '）', '・', '，', '　', '■', '髪', '－',
    ];
    /// Half-width characters for 英数 fields (no comma).
    const HALF: &[char] = &['A', 'Z', 'a', '0', '9', '-', '(', ')', ' ', '.'];

    fn text_of(chars: &'static [char], max: usize) -> impl Strategy<Value = String> {
        vec(proptest::sample::select(chars), 0..=max).prop_map(|cs| {
            let text: String = cs.into_iter().collect();
            text.trim_end_matches([' ', '\u{3000}']).to_string()
        })
    }

    /// 漢字 text of at most `bytes` bytes.
    fn kanji(bytes: usize) -> impl Strategy<Value = String> {
        text_of(FULL, bytes / 2)
    }

    /// 英数 text of at most `bytes` bytes.
    fn half(bytes: usize) -> impl Strategy<Value = String> {
        text_of(HALF, bytes)
    }

    /// 英数又は漢字 text of at most `bytes` bytes, one or the other.
    fn either(bytes: usize) -> impl Strategy<Value = String> {
        prop_oneof![kanji(bytes), half(bytes)]
    }

    fn num<T: std::fmt::Debug + Clone + 'static>(
        range: impl Strategy<Value = T> + 'static,
    ) -> impl Strategy<Value = Option<T>> {
        option::of(range)
    }

    fn a_date() -> impl Strategy<Value = UkeDate> {
        (1900i32..2100, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| date(y, m, d))
    }

    fn a_month() -> impl Strategy<Value = UkeMonth> {
        (1990u16..2100, 1u8..=12).prop_map(|(y, m)| UkeMonth::new(y, m).unwrap())
    }

    fn codes(pattern: &'static str, max: usize) -> impl Strategy<Value = Vec<String>> {
        vec(pattern, 0..=max)
    }

    fn department() -> BoxedStrategy<Department> {
        (
            "[0-9]{0,2}",
            "[0-9]{0,3}",
            "[0-9]{0,3}",
            "[0-9]{0,3}",
            "[0-9]{0,3}",
        )
            .prop_map(|(name, body_part, sex, treatment, disease)| Department {
                name,
                body_part,
                sex,
                treatment,
                disease,
            })
            .boxed()
    }

    fn a_re() -> BoxedStrategy<ReRecord> {
        (
            ("[0-9]{4}", a_month(), either(40), "[12]", a_date()),
            (
                num(0u16..=999),
                option::of(a_date()),
                codes("[0-9A-Z]{2}", 4),
                "[0-9]?",
                codes("[0-9]{2}", 5),
            ),
            (
                num(0u16..=9999),
                half(20),
                num(0u16..=99),
                "[0-9]{0,30}",
                either(40),
            ),
            (
                proptest::array::uniform3(department()),
                kanji(80),
                codes("[0-9]{3}", 20),
            ),
        )
            .prop_map(
                |(
                    (claim_kind, service_month, name, sex, birth_date),
                    (benefit_percent, admission_date, wards, burden_class, special_notes),
                    (beds, chart_number, discount_unit_price, search_number, claim_info),
                    (departments, kana, patient_states),
                )| ReRecord {
                    claim_number: 0,
                    claim_kind,
                    service_month,
                    name,
                    sex,
                    birth_date,
                    benefit_percent,
                    admission_date,
                    wards,
                    burden_class,
                    special_notes,
                    beds,
                    chart_number,
                    discount_unit_price,
                    search_number,
                    claim_info,
                    departments,
                    kana,
                    patient_states,
                },
            )
            .boxed()
    }

    fn a_ho() -> BoxedStrategy<HoRecord> {
        (
            (prop_oneof!["[0-9]{6}", "[0-9]{8}"], either(38), either(38)),
            (num(0u16..=99), num(0u32..=99_999_999), num(0u16..=99)),
            (num(0u32..=99_999_999), "[0-9]?", num(0u16..=999)),
            (
                num(0u32..=999_999_999),
                "[0-9]?",
                num(0u16..=999),
                num(0u32..=999_999),
            ),
        )
            .prop_map(
                |(
                    (insurer_number, card_symbol, card_number),
                    (days, points, meal_count),
                    (meal_yen, occupational, certificate_number),
                    (patient_share_yen, reduction_class, reduction_percent, reduction_yen),
                )| HoRecord {
                    insurer_number,
                    card_symbol,
                    card_number,
                    days,
                    points,
                    meal_count,
                    meal_yen,
                    occupational,
                    certificate_number,
                    patient_share_yen,
                    reduction_class,
                    reduction_percent,
                    reduction_yen,
                },
            )
            .boxed()
    }

    fn a_ko() -> BoxedStrategy<KoRecord> {
        (
            ("[0-9]{8}", "([0-9]{7})?", "1?"),
            (
                num(0u16..=99),
                num(0u32..=99_999_999),
                num(0u32..=99_999_999),
            ),
            (num(0u32..=999_999), num(0u32..=999_999)),
            (num(0u16..=99), num(0u32..=99_999_999)),
        )
            .prop_map(
                |(
                    (payer_number, recipient_number, optional_benefit),
                    (days, points, patient_share_yen),
                    (outpatient_covered_yen, inpatient_covered_yen),
                    (meal_count, meal_yen),
                )| KoRecord {
                    payer_number,
                    recipient_number,
                    optional_benefit,
                    days,
                    points,
                    patient_share_yen,
                    outpatient_covered_yen,
                    inpatient_covered_yen,
                    meal_count,
                    meal_yen,
                },
            )
            .boxed()
    }

    fn a_sn() -> BoxedStrategy<SnRecord> {
        ("[1-5]", "0[1-9]", "([0-9]{2})?")
            .prop_map(|(payer_kind, confirmation, branch)| SnRecord {
                payer_kind,
                confirmation,
                checked_insurer_number: String::new(),
                checked_card_symbol: String::new(),
                checked_card_number: String::new(),
                branch,
                checked_recipient_number: String::new(),
            })
            .boxed()
    }

    fn a_jd() -> BoxedStrategy<JdRecord> {
        (
            "[1-5]",
            proptest::array::uniform31(option::weighted(
                0.2,
                prop_oneof![Just(1u8), Just(2), Just(9)],
            )),
        )
            .prop_map(|(payer_kind, days)| JdRecord { payer_kind, days })
            .boxed()
    }

    fn a_sy() -> BoxedStrategy<SyRecord> {
        (
            "[0-9]{7}",
            a_date(),
            "[1-4]",
            codes("[0-9]{4}", 3),
            kanji(40),
            "(01)?",
            kanji(40),
        )
            .prop_map(
                |(disease_code, start_date, outcome, modifiers, disease_name, main, note)| {
                    SyRecord {
                        disease_code,
                        start_date,
                        outcome,
                        modifiers,
                        disease_name,
                        main,
                        note,
                    }
                },
            )
            .boxed()
    }

    fn days() -> BoxedStrategy<DayCounts> {
        proptest::array::uniform31(option::weighted(0.15, 0u16..=3)).boxed()
    }

    fn comments() -> BoxedStrategy<[LineComment; 3]> {
        proptest::array::uniform3(
            ("([0-9]{9})?", kanji(100)).prop_map(|(code, text)| LineComment { code, text }),
        )
        .boxed()
    }

    /// 診療識別, 負担区分, code.
    fn head() -> impl Strategy<Value = (String, String, String)> {
        ("([1-9][0-9])?", "[1-9A-Z]", "[0-9]{9}")
    }

    fn times_of(days: &DayCounts) -> Option<u16> {
        let total = day_total(days);
        (total > 0).then_some(total as u16)
    }

    fn a_line() -> BoxedStrategy<ClaimLine> {
        prop_oneof![
            (
                head(),
                num(0u32..=99_999_999),
                num(0u32..=9_999_999),
                comments(),
                days()
            )
                .prop_map(
                    |((treatment_class, burden, code), quantity, points, comments, days)| {
                        ClaimLine::Si(SiRecord {
                            treatment_class,
                            burden,
                            code,
                            quantity,
                            points,
                            times: times_of(&days),
                            comments,
                            days,
                        })
                    }
                ),
            (
                head(),
                num((0u64..10_000_000_000).prop_map(|u| DrugAmount::from_units(u).unwrap())),
                num(0u32..=9_999_999),
                comments(),
                days()
            )
                .prop_map(
                    |((treatment_class, burden, code), amount, points, comments, days)| {
                        ClaimLine::Iy(IyRecord {
                            treatment_class,
                            burden,
                            code,
                            amount,
                            points,
                            times: times_of(&days),
                            comments,
                            days,
                        })
                    }
                ),
            (
                head(),
                (
                    num((0u64..100_000_000).prop_map(|u| DeviceAmount::from_units(u).unwrap())),
                    num(0u32..=9_999_999),
                    "[0-9]{0,3}",
                    num((0u64..10_000_000_000).prop_map(|u| DevicePrice::from_units(u).unwrap())),
                    kanji(300),
                ),
                comments(),
                days()
            )
                .prop_map(
                    |(
                        (treatment_class, burden, code),
                        (amount, points, unit_code, unit_price, product_name),
                        comments,
                        days,
                    )| {
                        ClaimLine::To(ToRecord {
                            treatment_class,
                            burden,
                            code,
                            amount,
                            points,
                            times: times_of(&days),
                            unit_code,
                            unit_price,
                            product_name,
                            comments,
                            days,
                        })
                    }
                ),
            (head(), kanji(76)).prop_map(|((treatment_class, burden, code), text)| {
                ClaimLine::Co(CoRecord {
                    treatment_class,
                    burden,
                    code,
                    text,
                })
            }),
        ]
        .boxed()
    }

    fn raw_fields() -> impl Strategy<Value = Vec<String>> {
        vec(text_of(HALF, 6), 0..5)
    }

    fn a_claim() -> BoxedStrategy<ClaimRecords> {
        (
            (a_re(), option::of(a_ho()), vec(a_ko(), 0..=2)),
            (vec(a_sn(), 0..=1), vec(a_jd(), 0..=1), vec("0[0-4]", 0..=1)),
            (
                vec(raw_fields(), 0..=1),
                vec(a_sy(), 0..=3),
                vec(a_line(), 0..=6),
            ),
            (
                vec(raw_fields(), 0..=1),
                vec(("(0[1-9])?", kanji(200)), 0..=2),
                vec(raw_fields(), 0..=2),
            ),
        )
            .prop_map(
                |((re, ho, mut ko), (sn, jd, mf), (gr, sy, mut lines), (line_raw, sj, donor))| {
                    if ho.is_none() && ko.is_empty() {
                        ko.push(KoRecord {
                            payer_number: "12345678".into(),
                            recipient_number: String::new(),
                            optional_benefit: String::new(),
                            days: None,
                            points: Some(1),
                            patient_share_yen: None,
                            outpatient_covered_yen: None,
                            inpatient_covered_yen: None,
                            meal_count: None,
                            meal_yen: None,
                        });
                    }
                    let mut claim = ClaimRecords::new(re);
                    claim.ho = ho;
                    claim.ko = ko;
                    claim.sn = sn;
                    claim.jd = jd;
                    claim.mf = mf
                        .into_iter()
                        .map(|window_class| MfRecord { window_class })
                        .collect();
                    claim.other_header = gr
                        .into_iter()
                        .map(|fields| RawRecord {
                            kind: "GR".into(),
                            fields,
                        })
                        .collect();
                    claim.sy = sy;
                    // An unknown record among the lines, after a typed one.
                    if let Some(fields) = line_raw.into_iter().next() {
                        if !lines.is_empty() {
                            lines.push(ClaimLine::Other(RawRecord {
                                kind: "ZZ".into(),
                                fields,
                            }));
                        }
                    }
                    claim.lines = lines;
                    claim.sj = sj
                        .into_iter()
                        .map(|(kind, text)| SjRecord { kind, text })
                        .collect();
                    // A 臓器提供者 block: TI first, then anything.
                    claim.other = donor
                        .into_iter()
                        .enumerate()
                        .map(|(i, fields)| RawRecord {
                            kind: if i == 0 { "TI" } else { "SY" }.into(),
                            fields,
                        })
                        .collect();
                    claim
                },
            )
            .boxed()
    }

    fn a_file() -> BoxedStrategy<UkeFile> {
        (
            (
                "[12]",
                "[0-4][0-9]",
                "[0-9]{7}",
                kanji(40),
                a_month(),
                "[0-9-]{0,15}",
            ),
            vec(a_claim(), 0..4),
        )
            .prop_map(
                |((payer, prefecture, institution_code, name, billing_month, phone), claims)| {
                    let claims = claims
                        .into_iter()
                        .enumerate()
                        .map(|(i, mut c)| {
                            c.re.claim_number = i as u32 + 1;
                            c
                        })
                        .collect();
                    UkeFile::new(
                        IrRecord {
                            payer,
                            prefecture,
                            score_table: "1".into(),
                            institution_code,
                            name,
                            billing_month,
                            volume: "00".into(),
                            phone,
                        },
                        claims,
                    )
                },
            )
            .boxed()
    }

    /// Characters that trouble a writer or a reader: the comma, line breaks and other control
    /// characters (EOF 0x1A, NUL, DEL, C1), blanks of both widths, an emoji, a bidi override, the
    /// line separator, CP932's extensions, the JIS mapping's code points, `¥` and `‾` (which
    /// Shift_JIS reads back as `\` and `~`), and some plain ones.
    const TROUBLE: &[char] = &[
        ',', '\r', '\n', '\t', '\u{1A}', '\u{0}', '\u{7F}', '\u{80}', '\u{85}', ' ', '\u{3000}',
        '😀', '\u{202E}', '\u{2028}', '①', '髙', '−', '〜', '—', '¥', '‾', '\\', '~', 'ｱ', 'ﾟ', 'A',
        '1', '架', '■', '，', '"',
    ];

    /// Characters `check` lets through that the writer or the reader still change (blanks at
    /// the ends, the JIS mapping's code points, `¥`, `‾`) and some that look like they might.
    const QUIET: &[char] = &[
        ' ', '\u{3000}', '−', '〜', '‖', '¢', '£', '¬', '—', '¥', '‾', '\\', '~', '"', '0', '1',
    ];

    /// A field's text, valid or not: empty, digits, full- or half-width text, characters
    /// `check` lets through but the writer or reader change, troublesome characters, any
    /// printable character, any character at all.
    fn wild() -> impl Strategy<Value = String> {
        let chars = |s: BoxedStrategy<char>| vec(s, 1..8).prop_map(|cs| cs.into_iter().collect());
        prop_oneof![
            1 => Just(String::new()),
            1 => "[0-9]{1,9}",
            1 => text_of(FULL, 8),
            1 => text_of(HALF, 8),
            2 => chars(proptest::sample::select(QUIET).boxed()),
            1 => chars(proptest::sample::select(TROUBLE).boxed()),
            1 => "\\PC{1,8}",
            1 => chars(any::<char>().boxed()),
        ]
    }

    /// Every string of a JSON value, in order.
    fn strings_of(value: &mut serde_json::Value) -> Vec<&mut String> {
        use serde_json::Value;
        match value {
            Value::String(s) => vec![s],
            Value::Array(a) => a.iter_mut().flat_map(strings_of).collect(),
            Value::Object(o) => o.values_mut().flat_map(strings_of).collect(),
            _ => Vec::new(),
        }
    }

    /// `file` with the strings `edits` pick replaced (in its JSON form, where every text and
    /// code field is a string); an edit the model cannot take (a date, say) is skipped.
    fn with_texts(file: &UkeFile, edits: &[(proptest::sample::Index, String)]) -> UkeFile {
        let mut file = file.clone();
        for (at, text) in edits {
            let mut value = serde_json::to_value(&file).unwrap();
            let mut strings = strings_of(&mut value);
            let n = at.index(strings.len());
            *strings[n] = text.clone();
            if let Ok(changed) = serde_json::from_value(value) {
                file = changed;
            }
        }
        file
    }

    /// `file` as the reader gives it back once written, by what `check.rs`'s module docs say the
    /// writer normalises: every character as Shift_JIS reads it back (`as_decoded`), trailing
    /// blanks of a typed record's field dropped (a raw record keeps them), a 保険者番号 without
    /// leading spaces, KO 受給者番号 and SN 枝番 zero-padded.
    fn as_read(file: &UkeFile) -> UkeFile {
        use serde_json::Value;
        fn normalise(value: &mut Value, raw: bool) {
            match value {
                Value::String(s) => {
                    let decoded: String = s.chars().map(crate::sjis::as_decoded).collect();
                    *s = if raw {
                        decoded
                    } else {
                        decoded.trim_end_matches([' ', '\u{3000}']).to_string()
                    };
                }
                Value::Array(a) => a.iter_mut().for_each(|v| normalise(v, raw)),
                Value::Object(o) => {
                    for (key, v) in o.iter_mut() {
                        normalise(v, raw || key == "other" || key == "other_header");
                    }
                }
                _ => {}
            }
        }
        let mut value = serde_json::to_value(file).unwrap();
        normalise(&mut value, false);
        let mut file: UkeFile = serde_json::from_value(value).unwrap();
        for claim in &mut file.claims {
            if let Some(ho) = &mut claim.ho {
                ho.insurer_number = ho.insurer_number.trim_start_matches(' ').to_string();
            }
            for ko in &mut claim.ko {
                ko.recipient_number = super::super::write::zero_pad(&ko.recipient_number, 7);
            }
            for sn in &mut claim.sn {
                sn.branch = super::super::write::zero_pad(&sn.branch, 2);
            }
        }
        file
    }

    /// A byte edit: (position, byte, 0 replace / 1 insert / 2 delete).
    type Edit = (usize, u8, u8);

    fn edited(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
        for &(at, byte, op) in edits {
            if bytes.is_empty() {
                bytes.push(byte);
                continue;
            }
            let at = at % bytes.len();
            match op {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Any consistent file: `check` finds nothing, and writing then reading gives it back.
        /// Then with any text in a few of its fields (valid or not): whenever `check` still
        /// finds nothing, writing then reading gives it back as `check` promises ([`as_read`]).
        #[test]
        fn generated_files_survive_write_and_read(
            file in a_file(),
            edits in vec((any::<proptest::sample::Index>(), wild()), 1..4),
        ) {
            prop_assert_eq!(file.check(), vec![]);
            let bytes = file.to_bytes();
            prop_assert!(bytes.ends_with(b"\r\n\x1A"));
            let back = read_uke(&bytes).map_err(|e| TestCaseError::fail(e.message_ja()))?;
            prop_assert_eq!(&back, &file);

            let file = with_texts(&file, &edits);
            if file.check().is_empty() {
                let back = read_uke(&file.to_bytes()).map_err(|e| {
                    TestCaseError::fail(format!("check passed, read failed: {}", e.message_ja()))
                })?;
                prop_assert_eq!(back, as_read(&file));
            }
        }

        /// Any bytes: an answer, never a panic.
        #[test]
        fn reading_any_bytes_never_panics(bytes in vec(any::<u8>(), 0..2048)) {
            let _ = read_uke(&bytes);
            let _ = read_records(&bytes);
        }

        /// A valid file with bytes replaced, inserted or deleted: an answer, never a panic; and
        /// whatever reads is written as a file that reads again.
        #[test]
        fn reading_mutated_files_never_panics(edits in vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8)) {
            let bytes = edited(fixture().to_bytes(), &edits);
            if let Ok(file) = read_uke(&bytes) {
                prop_assert!(read_uke(&file.to_bytes()).is_ok());
            }
        }

        /// A valid file with one field replaced by arbitrary text: the same.
        #[test]
        fn reading_files_with_a_field_replaced_never_panics(
            line in 0usize..27,
            field in 0usize..50,
            value in "\\PC{0,12}",
        ) {
            let mut lines = fixture_lines();
            let line = line % lines.len();
            let mut fields: Vec<String> = lines[line].split(',').map(str::to_string).collect();
            let at = field % fields.len();
            fields[at] = value;
            lines[line] = fields.join(",");
            let bytes = bytes_of(&lines);
            if let Ok(file) = read_uke(&bytes) {
                prop_assert!(read_uke(&file.to_bytes()).is_ok());
            }
            let _ = read_uke(lines.join("\n").as_bytes());
        }
    }
}
