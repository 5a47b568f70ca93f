//! From the parsed 基本マスター to the engine's facts: one typed record ([`ProcedureRecord`],
//! [`DrugRecord`], [`MaterialRecord`]) → one [`ProcedureFacts`] / [`DrugFacts`] /
//! [`MaterialFacts`], and three ways to fill a [`MemoryCatalog`] for one date of service:
//!
//! - [`MemoryCatalog::from_histories`]: from [`MasterHistory`]s (importer, tests), taking for each
//!   code the row valid on the date ([`MasterHistory::lookup`]);
//! - [`MemoryCatalog::add_procedure_fields`], [`add_drug_fields`](MemoryCatalog::add_drug_fields),
//!   [`add_material_fields`](MemoryCatalog::add_material_fields): one row as its raw fields
//!   (項番1 first), e.g. the `text[]` the server selected for the date from `master_version`;
//! - [`MemoryCatalog::add_rows`]: many such rows of one kind.
//!
//! Which rows are valid on the date is the caller's choice (the history's rule; in SQL the query
//! in the `masters` module docs): the catalog holds what it is given.

use super::catalog::{
    DrugFacts, FacilityRestriction, GenericRxClass, MaterialFacts, MemoryCatalog,
    OutpatientManagementClass, ProcedureFacts, TestRole,
};
use super::money::Sen;
use super::section::Section;
use crate::masters::{
    DrugRecord, FieldError, ImportErrorCode, MasterHistory, MasterKind, MasterRecord,
    MaterialRecord, NoticeNumber, ProcedureRecord,
};
use time::Date;

impl ProcedureFacts {
    /// The engine's facts of one 医科診療行為マスター row.
    ///
    /// - 部 from 告示等識別 項番90 章 / 91 部 ([`Section::from_chapter_part`]; anything
    ///   unreadable is [`Section::Other`]);
    /// - aggregation = 項番15 点数欄集計先識別（入院外） (the engine prices outpatient visits);
    /// - 項番19 病院・診療所区分 1/2 → hospital/clinic only; 0 and 4 (短期滞在手術等基本料３)
    ///   → any;
    /// - valid from 項番87 変更年月日 through 項番88 廃止年月日.
    pub fn from_record(r: &ProcedureRecord) -> ProcedureFacts {
        ProcedureFacts {
            code: r.code.clone(),
            name: r.name.clone(),
            score_kind: r.score_kind,
            score: r.score,
            section: section_of(&r.notice),
            aggregation: r.outpatient_tally,
            care_setting: r.in_out,
            facility: FacilityRestriction::from_master(r.hospital_clinic),
            time_addition: r.time_addition,
            outpatient_management: OutpatientManagementClass::from_master(r.outpatient_management),
            test_role: TestRole::from_master(r.test_judgement),
            test_group: r.test_judgement_group,
            inclusive_test: r.bundled_test,
            age_additions: r.age_additions.clone(),
            notice: match (
                r.notice.section.parse(),
                r.notice.branch.parse(),
                r.notice.item.parse(),
            ) {
                (Ok(section), Ok(branch), Ok(item)) => {
                    super::catalog::Notice::new(section, branch, item)
                }
                _ => super::catalog::Notice::UNKNOWN,
            },
            max_count: r.max_count,
            lower_age: r.min_age.clone(),
            upper_age: r.max_age.clone(),
            addition_code: r.addition_code,
            addition_serial: r.addition_serial.chars().next().unwrap_or('0'),
            valid_from: r.changed_on,
            valid_until: r.abolished_after,
        }
    }
}

/// The 注加算 codes the 年齢加算 columns (項番100-111) of these 医科診療行為 rows name: the rows a
/// catalog also needs so the engine can add them (乳幼児加算 of 注射, 処置 …). Unreadable rows are
/// skipped (they fail later, where they are used).
pub fn age_addition_codes(rows: &[Vec<String>]) -> Vec<String> {
    let mut codes: Vec<String> = rows
        .iter()
        .filter_map(|fields| ProcedureRecord::from_fields(fields).ok())
        .flat_map(|r| r.age_additions.into_iter().map(|a| a.code))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// 部 of a 診療行為 from its 告示等識別 (章 "1"/"2", 部 "01"…"14").
fn section_of(notice: &NoticeNumber) -> Section {
    match (notice.chapter.parse::<u8>(), notice.part.parse::<u8>()) {
        (Ok(chapter), Ok(part)) => Section::from_chapter_part(chapter, part),
        _ => Section::Other,
    }
}

impl DrugFacts {
    /// The engine's facts of one 医薬品マスター row: 薬価 項番12 exactly in 銭 (the master has two
    /// decimals), 剤形 項番28, 一般名処方加算対象区分 項番39 (0 when the layout predates it) and 一般名コード 項番37,
    /// valid from 項番30 変更年月日 through the earlier of 項番31 廃止年月日 and 項番34
    /// 経過措置年月日.
    pub fn from_record(r: &DrugRecord) -> DrugFacts {
        DrugFacts {
            code: r.code.clone(),
            name: r.name.clone(),
            unit: r.unit_name.clone(),
            price_kind: r.price_kind,
            price: Sen::from(r.price),
            form: r.dosage_form,
            generic_rx: GenericRxClass::from_master(r.generic_name_addition.unwrap_or(0)),
            generic_code: r.generic_name_code.clone().unwrap_or_default(),
            controlled: r.controlled,
            valid_from: r.changed_on,
            valid_until: earlier(r.abolished_after, r.transitional_until),
        }
    }
}

impl MaterialFacts {
    /// The engine's facts of one 特定器材マスター row: 材料価格 項番12 in 銭, valid from 項番28
    /// 変更年月日 through the earlier of 項番30 廃止年月日 and 項番29 経過措置年月日.
    pub fn from_record(r: &MaterialRecord) -> MaterialFacts {
        MaterialFacts {
            code: r.code.clone(),
            name: r.name.clone(),
            unit: r.unit_name.clone(),
            price_kind: r.price_kind,
            price: Sen::from(r.price),
            valid_from: r.changed_on,
            valid_until: earlier(r.abolished_after, r.transitional_until),
        }
    }
}

/// The earlier of two optional last days (`None` = open).
fn earlier(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A master row or history the catalog could not take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// A history of another kind was passed (e.g. the drug history as `procedures`).
    #[error("{}を渡すところに{}が渡されました", .expected.label_ja(), .found.label_ja())]
    WrongKind {
        expected: MasterKind,
        found: MasterKind,
    },
    /// A row whose typed view failed: which code (項番3 as found) and which 項番.
    #[error("{}のコード「{code}」: {error}", .kind.label_ja())]
    Row {
        kind: MasterKind,
        code: String,
        error: FieldError,
    },
}

impl MemoryCatalog {
    /// The catalog for one date of service: for every code of the three histories, the row valid
    /// on `date` ([`MasterHistory::lookup`]: not yet in force, 廃止, 抹消 and dropped codes are
    /// left out), converted with `from_record`. An empty history gives no rows of its kind.
    pub fn from_histories(
        procedures: &MasterHistory,
        drugs: &MasterHistory,
        materials: &MasterHistory,
        date: Date,
    ) -> Result<MemoryCatalog, CatalogError> {
        let mut catalog = MemoryCatalog::new();
        for (expected, history) in [
            (MasterKind::Procedure, procedures),
            (MasterKind::Drug, drugs),
            (MasterKind::Material, materials),
        ] {
            if history.kind() != expected {
                return Err(CatalogError::WrongKind {
                    expected,
                    found: history.kind(),
                });
            }
            let rows = history
                .codes()
                .filter_map(|code| history.lookup(code, date))
                .map(|row| row.fields.as_slice());
            catalog.add_rows(expected, rows)?;
        }
        Ok(catalog)
    }

    /// Adds (or replaces) one 医科診療行為マスター row given as its fields, 項番1 first (項番 n
    /// is `fields[n - 1]`, as `MasterRow::fields` and the server's `master_version.fields`
    /// hold them). The row must be complete (a diff merged onto its base) and say `S` in 項番2.
    pub fn add_procedure_fields(&mut self, fields: &[String]) -> Result<(), FieldError> {
        check_kind(MasterKind::Procedure, fields)?;
        let record = ProcedureRecord::from_fields(fields)?;
        self.insert_procedure(ProcedureFacts::from_record(&record));
        Ok(())
    }

    /// Adds (or replaces) one 医薬品マスター row (項番2 `Y`); see
    /// [`add_procedure_fields`](Self::add_procedure_fields).
    pub fn add_drug_fields(&mut self, fields: &[String]) -> Result<(), FieldError> {
        check_kind(MasterKind::Drug, fields)?;
        let record = DrugRecord::from_fields(fields)?;
        self.insert_drug(DrugFacts::from_record(&record));
        Ok(())
    }

    /// Adds (or replaces) one 特定器材マスター row (項番2 `T`); see
    /// [`add_procedure_fields`](Self::add_procedure_fields).
    pub fn add_material_fields(&mut self, fields: &[String]) -> Result<(), FieldError> {
        check_kind(MasterKind::Material, fields)?;
        let record = MaterialRecord::from_fields(fields)?;
        self.insert_material(MaterialFacts::from_record(&record));
        Ok(())
    }

    /// One row of `kind`: 医科診療行為, 医薬品 or 特定器材. The other masters (コメント, 傷病名,
    /// 修飾語) are not used for pricing and are refused (項番2, `KindMismatch`).
    pub fn add_fields(&mut self, kind: MasterKind, fields: &[String]) -> Result<(), FieldError> {
        match kind {
            MasterKind::Procedure => self.add_procedure_fields(fields),
            MasterKind::Drug => self.add_drug_fields(fields),
            MasterKind::Material => self.add_material_fields(fields),
            MasterKind::Comment | MasterKind::Disease | MasterKind::Modifier => {
                Err(FieldError::new(
                    2,
                    ImportErrorCode::KindMismatch,
                    format!("{}は料金計算のカタログには入りません", kind.label_ja()),
                ))
            }
        }
    }

    /// Many rows of one kind (e.g. every row the server selected for the date). Stops at the first
    /// row that fails, naming its code; returns how many rows were added.
    pub fn add_rows<I, R>(&mut self, kind: MasterKind, rows: I) -> Result<usize, CatalogError>
    where
        I: IntoIterator<Item = R>,
        R: AsRef<[String]>,
    {
        let mut added = 0;
        for row in rows {
            let fields = row.as_ref();
            self.add_fields(kind, fields)
                .map_err(|error| CatalogError::Row {
                    kind,
                    code: short(code_of(kind, fields)),
                    error,
                })?;
            added += 1;
        }
        Ok(added)
    }
}

/// The code column of a raw row (項番3, or 23 for コメント), `""` when absent.
fn code_of(kind: MasterKind, fields: &[String]) -> &str {
    fields
        .get(kind.code_column() - 1)
        .map(String::as_str)
        .unwrap_or("")
}

/// A value quoted in a message, cut short (a broken row must not make a huge error).
fn short(v: &str) -> String {
    const MAX: usize = 20;
    if v.chars().count() <= MAX {
        v.to_string()
    } else {
        v.chars().take(MAX).chain(['…']).collect()
    }
}

/// 項番2 マスター種別 must be the kind's letter.
fn check_kind(kind: MasterKind, fields: &[String]) -> Result<(), FieldError> {
    let letter = fields.get(1).map(String::as_str).unwrap_or("");
    if letter == kind.letter() {
        return Ok(());
    }
    let found = MasterKind::from_letter(letter)
        .map(|k| k.label_ja().to_string())
        .unwrap_or_else(|| format!("「{}」", short(letter)));
    Err(FieldError::new(
        2,
        ImportErrorCode::KindMismatch,
        format!(
            "マスター種別が{found}です（{}は「{}」）",
            kind.label_ja(),
            kind.letter()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::Catalog;
    use crate::masters::{
        AgeLimit, ChangeKind, DosageForm, DrugPriceKind, FileScope, Hundredths, InOutScope,
        MasterFile, MasterRow, MaterialPriceKind, ScoreKind,
    };
    use time::macros::date;

    /// A row of `len` fields, all "0", with `kind`'s letter in 項番2 and `set` applied.
    fn row(len: usize, letter: &str, set: &[(usize, &str)]) -> Vec<String> {
        let mut f = vec!["0".to_string(); len];
        f[1] = letter.to_string();
        for (col, v) in set {
            f[col - 1] = v.to_string();
        }
        f
    }

    /// A fictitious 医科 row; 年齢 columns need two characters.
    fn procedure(code: &str, points: &str, set: &[(usize, &str)]) -> Vec<String> {
        let mut all = vec![
            (3, code),
            (5, "テスト診療行為"),
            (11, "3"),
            (12, points),
            (41, "00"),
            (42, "00"),
            (57, "3"),
            (87, "20240601"),
            (88, "99999999"),
            (90, "2"),
            (91, "03"),
        ];
        all.extend_from_slice(set);
        row(150, "S", &all)
    }

    fn drug(code: &str, price: &str, set: &[(usize, &str)]) -> Vec<String> {
        let mut all = vec![
            (3, code),
            (5, "テスト錠"),
            (10, "錠"),
            (11, "1"),
            (12, price),
            (28, "1"),
            (30, "20240401"),
            (31, "99999999"),
        ];
        all.extend_from_slice(set);
        row(40, "Y", &all)
    }

    fn material(code: &str, price: &str) -> Vec<String> {
        row(
            38,
            "T",
            &[
                (3, code),
                (5, "テスト材料"),
                (10, "個"),
                (11, "1"),
                (12, price),
                (15, "00"),
                (16, "00"),
                (28, "20240601"),
                (29, "20241130"),
                (30, "99999999"),
            ],
        )
    }

    #[test]
    fn procedure_facts_take_the_record_as_the_engine_reads_it() {
        let fields = procedure(
            "111000110",
            "291.00",
            &[
                (13, "2"),
                (15, "110"),
                (16, "1"),
                (19, "2"),
                (36, "2"),
                (38, "1101"),
                (39, "A"),
                (42, "06"),
                (43, "1"),
                (50, "1"),
                (51, "3"),
                (56, "1"),
                (88, "20241130"),
                (90, "1"),
                (91, "01"),
                (92, "005"),
                (93, "02"),
                (94, "009"),
            ],
        );
        let mut c = MemoryCatalog::new();
        c.add_procedure_fields(&fields).unwrap();
        let f = c.procedure("111000110").unwrap();
        assert_eq!(f.notice, super::super::catalog::Notice::new(5, 2, 9));
        assert_eq!(
            (f.score_kind, f.score, f.section, f.aggregation),
            (
                ScoreKind::Points,
                Hundredths(29100),
                Section::InitialRevisit,
                110
            )
        );
        assert_eq!(f.care_setting, InOutScope::OutpatientOnly);
        assert_eq!(f.facility, FacilityRestriction::ClinicOnly);
        assert_eq!((f.inclusive_test, f.max_count, f.time_addition), (1, 2, 1));
        assert_eq!((f.addition_code, f.addition_serial), (1101, 'A'));
        assert_eq!(
            (f.lower_age, f.upper_age),
            (AgeLimit::Unrestricted, AgeLimit::Years(6))
        );
        assert_eq!(
            (f.test_role, f.test_group, f.outpatient_management),
            (TestRole::Performance, 3, OutpatientManagementClass::Blocks)
        );
        assert_eq!(
            (f.valid_from, f.valid_until),
            (Some(date!(2024 - 06 - 01)), Some(date!(2024 - 11 - 30)))
        );
        // 第2章第3部 = 検査; an unreadable 章 = その他.
        let test = ProcedureFacts::from_record(
            &ProcedureRecord::from_fields(&procedure("160000310", "26.00", &[])).unwrap(),
        );
        assert_eq!(test.section, Section::Tests);
        let odd = ProcedureFacts::from_record(
            &ProcedureRecord::from_fields(&procedure("199999999", "1.00", &[(90, "")])).unwrap(),
        );
        assert_eq!(odd.section, Section::Other);
    }

    #[test]
    fn drug_and_material_prices_are_exact_and_end_at_the_earlier_last_day() {
        let mut c = MemoryCatalog::new();
        c.add_drug_fields(&drug("620007870", "10.10", &[(34, "20250331"), (39, "2")]))
            .unwrap();
        c.add_drug_fields(&drug(
            "620000001",
            "9.80",
            &[(31, "20240930"), (34, "20250331")],
        ))
        .unwrap();
        let d = c.drug("620007870").unwrap();
        assert_eq!(
            (d.price, d.price_kind, d.form, d.generic_rx),
            (
                Sen(1_010),
                DrugPriceKind::Amount,
                DosageForm::Internal,
                GenericRxClass::AdditionOneAndTwo
            )
        );
        assert_eq!(
            (d.valid_from, d.valid_until),
            (Some(date!(2024 - 04 - 01)), Some(date!(2025 - 03 - 31)))
        );
        assert_eq!(
            c.drug("620000001").unwrap().valid_until,
            Some(date!(2024 - 09 - 30))
        );
        // A 35-column (2022) row has no 一般名処方加算対象区分.
        let old: Vec<String> = drug("620000002", "5.00", &[])
            .into_iter()
            .take(35)
            .collect();
        c.add_drug_fields(&old).unwrap();
        assert_eq!(
            c.drug("620000002").unwrap().generic_rx,
            GenericRxClass::NotListed
        );

        c.add_material_fields(&material("700010000", "120.00"))
            .unwrap();
        let m = c.material("700010000").unwrap();
        assert_eq!(
            (m.price, m.price_kind, m.unit.as_str()),
            (Sen(12_000), MaterialPriceKind::Amount, "個")
        );
        assert_eq!(m.valid_until, Some(date!(2024 - 11 - 30)));
    }

    #[test]
    fn rows_of_the_wrong_kind_or_with_bad_fields_are_refused_with_their_column() {
        let mut c = MemoryCatalog::new();
        let e = c
            .add_procedure_fields(&drug("620007870", "10.10", &[]))
            .unwrap_err();
        assert_eq!((e.column, e.code), (2, ImportErrorCode::KindMismatch));
        assert!(e.message.contains("医薬品マスター"), "{}", e.message);
        let e = c
            .add_procedure_fields(&procedure("111000110", "2.9.1", &[]))
            .unwrap_err();
        assert_eq!((e.column, e.code), (12, ImportErrorCode::BadNumber));
        let e = c
            .add_fields(MasterKind::Disease, &row(46, "B", &[]))
            .unwrap_err();
        assert_eq!((e.column, e.code), (2, ImportErrorCode::KindMismatch));
        let e = c
            .add_rows(
                MasterKind::Drug,
                [drug("620007870", "10.10", &[]), drug("620000001", "x", &[])],
            )
            .unwrap_err();
        assert_eq!(
            e,
            CatalogError::Row {
                kind: MasterKind::Drug,
                code: "620000001".into(),
                error: FieldError::new(
                    12,
                    ImportErrorCode::BadNumber,
                    "数値が正しくありません（「x」）"
                ),
            }
        );
        assert!(e
            .to_string()
            .starts_with("医薬品マスターのコード「620000001」: 項番12"));
        // The rows before the failure were added.
        assert!(c.drug("620007870").is_some());
        assert!(c.procedures().next().is_none());
    }

    fn full(kind: MasterKind, name: &str, rows: Vec<Vec<String>>) -> MasterFile {
        MasterFile {
            kind,
            name: name.to_string(),
            scope: FileScope::Full,
            lines: (1..=rows.len()).collect(),
            rows: rows
                .into_iter()
                .map(|fields| MasterRow {
                    change: ChangeKind::from_digit(&fields[0]).unwrap(),
                    fields,
                })
                .collect(),
        }
    }

    #[test]
    fn a_catalog_from_histories_holds_the_rows_valid_on_its_date() {
        let mut s = MasterHistory::new(MasterKind::Procedure);
        s.apply_full(
            &full(
                MasterKind::Procedure,
                "s_ALL20240201.csv",
                vec![procedure("111000110", "288.00", &[(87, "20220401")])],
            ),
            date!(2024 - 02 - 01),
        )
        .unwrap();
        s.apply_full(
            &full(
                MasterKind::Procedure,
                "s_ALL20240531.csv",
                vec![
                    procedure("111000110", "291.00", &[]),
                    procedure("111703170", "3.00", &[(88, "20241130")]),
                ],
            ),
            date!(2024 - 05 - 31),
        )
        .unwrap();
        let mut y = MasterHistory::new(MasterKind::Drug);
        y.apply_full(
            &full(
                MasterKind::Drug,
                "y_ALL20240531.csv",
                vec![drug("620007870", "10.10", &[])],
            ),
            date!(2024 - 05 - 31),
        )
        .unwrap();
        let t = MasterHistory::new(MasterKind::Material);

        let on = |d| MemoryCatalog::from_histories(&s, &y, &t, d).unwrap();
        let points = |c: &MemoryCatalog, code| c.procedure(code).map(|f| f.score.whole());
        let may = on(date!(2024 - 05 - 31));
        assert_eq!(points(&may, "111000110"), Some(Some(288)));
        assert_eq!(points(&may, "111703170"), None, "not yet in force");
        let june = on(date!(2024 - 06 - 01));
        assert_eq!(points(&june, "111000110"), Some(Some(291)));
        assert_eq!(points(&june, "111703170"), Some(Some(3)));
        assert!(june.drug("620007870").is_some());
        assert!(june.materials().next().is_none());
        let december = on(date!(2024 - 12 - 01));
        assert_eq!(
            points(&december, "111703170"),
            None,
            "廃止 after 2024-11-30"
        );
        assert_eq!(december.procedures().count(), 1);

        assert_eq!(
            MemoryCatalog::from_histories(&y, &y, &t, date!(2024 - 06 - 01)).unwrap_err(),
            CatalogError::WrongKind {
                expected: MasterKind::Procedure,
                found: MasterKind::Drug
            }
        );
    }
}
