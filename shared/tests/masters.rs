//! The real 支払基金 基本マスター files (`../shared/reference/masters/`, next to the workspace).
//! The zipped full files need the `import` feature:
//! `cargo test -p karte-shared --features import --test masters`.

mod common;

use common::{diff_files, masters_dir};
use shared::masters::MasterFile;

#[test]
fn every_published_diff_parses_with_150_columns() {
    let Some(dir) = masters_dir() else { return };
    let diffs = diff_files(&dir);
    assert_eq!(diffs.len(), 20);
    let rows: usize = diffs.iter().map(MasterFile::len).sum();
    assert_eq!(rows, 879);
    for file in &diffs {
        assert_eq!(
            file.scope,
            shared::masters::FileScope::Diff,
            "{}",
            file.name
        );
        assert!(
            file.rows.iter().all(|r| r.fields.len() == 150),
            "{}",
            file.name
        );
    }
}

#[cfg(feature = "import")]
mod with_zips {
    use super::*;
    use crate::common::{load, procedure_history};
    use shared::masters::{
        ChangeKind, CommentRecord, DiseaseRecord, DrugRecord, EndReason, FileScope, Hundredths,
        MasterHistory, MasterKind, MasterRecord, MaterialRecord, ModifierRecord, ProcedureRecord,
        ScoreKind,
    };
    use time::macros::date;

    fn typed_all<R: MasterRecord>(file: &MasterFile) {
        file.records::<R>().unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn full_files_have_the_published_row_counts_and_every_row_types() {
        let Some(dir) = masters_dir() else { return };
        for (zip, kind, rows) in [
            ("s_ALL20240531.zip", MasterKind::Procedure, 10_133),
            ("y_ALL20240531.zip", MasterKind::Drug, 19_748),
            ("t_ALL20240315.zip", MasterKind::Material, 1_334),
            ("c_ALL20240531.zip", MasterKind::Comment, 3_898),
            ("b_20240601.zip", MasterKind::Disease, 27_437),
            ("z_20240601.zip", MasterKind::Modifier, 2_349),
            ("z_20250601.zip", MasterKind::Modifier, 2_375),
        ] {
            let file = load(&dir, zip);
            assert_eq!(
                (file.kind, file.scope, file.len()),
                (kind, FileScope::Full, rows),
                "{zip}"
            );
            match kind {
                MasterKind::Procedure => typed_all::<ProcedureRecord>(&file),
                MasterKind::Drug => typed_all::<DrugRecord>(&file),
                MasterKind::Material => typed_all::<MaterialRecord>(&file),
                MasterKind::Comment => typed_all::<CommentRecord>(&file),
                MasterKind::Disease => typed_all::<DiseaseRecord>(&file),
                MasterKind::Modifier => typed_all::<ModifierRecord>(&file),
            }
        }
    }

    #[test]
    fn shoshinryo_is_288_points_until_2024_05_31_and_291_from_2024_06_01() {
        if masters_dir().is_none() {
            return;
        }
        let (h, ended_missing) = procedure_history();
        let on = |d| {
            ProcedureRecord::from_row(h.lookup("111000110", d).expect("初診料 is valid"))
                .expect("typed")
        };
        let before = on(date!(2024 - 05 - 31));
        let after = on(date!(2024 - 06 - 01));
        assert_eq!(before.name, "初診料");
        assert_eq!(
            (before.score_kind, before.score),
            (ScoreKind::Points, Hundredths(28800))
        );
        assert_eq!(
            (after.score, after.old_score),
            (Hundredths(29100), Hundredths(28800))
        );
        assert_eq!(after.changed_on, Some(date!(2024 - 06 - 01)));
        // 755 codes of the 2022 master are not in s_ALL20240531: the 令和6年度改定 removed them.
        assert_eq!(*ended_missing, 755);
    }

    #[test]
    fn diffs_abolish_iryo_joho_shutoku_kasan_1_and_rename_kasan_2() {
        if masters_dir().is_none() {
            return;
        }
        let (h, _) = procedure_history();
        // s_20241108: 111703170 医療情報取得加算１（初診） 廃止 20241130.
        assert!(h.lookup("111703170", date!(2024 - 11 - 30)).is_some());
        assert!(h.lookup("111703170", date!(2024 - 12 - 01)).is_none());
        assert_eq!(
            h.newest("111703170").map(|v| v.end),
            Some(Some(EndReason::Abolished))
        );
        // 111703270: 医療情報取得加算２（初診） renamed 医療情報取得加算（初診） from 20241201.
        let name = |d| h.lookup("111703270", d).map(|r| r.get(5).to_string());
        assert_eq!(
            name(date!(2024 - 11 - 15)).as_deref(),
            Some("医療情報取得加算２（初診）")
        );
        assert_eq!(
            name(date!(2024 - 12 - 01)).as_deref(),
            Some("医療情報取得加算（初診）")
        );
        // The diff left 点数 and 廃止年月日 empty: the merged row keeps them.
        let renamed = h.lookup("111703270", date!(2024 - 12 - 01)).expect("valid");
        assert_eq!(renamed.change, ChangeKind::Changed);
        assert_eq!(
            (renamed.get(12), renamed.get(87), renamed.get(88)),
            ("1.00", "20241201", "99999999")
        );
        assert_eq!(renamed.get(113), "医療情報取得加算（初診）");
        let record = ProcedureRecord::from_row(renamed).expect("a merged row is complete");
        assert_eq!(record.score, Hundredths(100));
    }

    #[test]
    fn a_diff_without_a_date_corrects_the_2024_06_01_version() {
        if masters_dir().is_none() {
            return;
        }
        let (h, _) = procedure_history();
        // s_20240621 sets 項番19 of 113036510 to 0 and leaves 変更年月日 empty.
        let row = h.lookup("113036510", date!(2024 - 06 - 01)).expect("valid");
        assert_eq!((row.get(19), row.get(87)), ("0", "20240601"));
        // A 2025 price change (s_20250307, 197000110 from 2025-04-01) leaves March alone.
        let price = |d| h.lookup("197000110", d).map(|r| r.get(12).to_string());
        assert_eq!(price(date!(2025 - 04 - 01)).as_deref(), Some("690.00"));
        assert_eq!(price(date!(2025 - 03 - 31)).as_deref(), Some("670.00"));
    }

    #[test]
    fn drug_prices_are_exact_in_sen() {
        let Some(dir) = masters_dir() else { return };
        let file = load(&dir, "y_ALL20240531.zip");
        let row = file
            .find("620007870")
            .expect("アムロジピン錠５ｍｇ「サワイ」");
        let drug = DrugRecord::from_row(row).expect("typed");
        assert_eq!(drug.name, "アムロジピン錠５ｍｇ「サワイ」");
        assert_eq!(
            (drug.price, drug.price.to_string()),
            (Hundredths(1010), "10.10".to_string())
        );
        assert_eq!((drug.unit_name.as_str(), drug.generic), ("錠", true));
        assert_eq!(drug.generic_name_code.as_deref(), Some("2171022F2ZZZ"));
        assert_eq!(
            drug.generic_name.as_deref(),
            Some("【般】アムロジピン錠５ｍｇ")
        );
        assert_eq!(drug.generic_name_addition, Some(2));
        assert_eq!(drug.nhi_code.as_deref(), Some("2171022F2017"));
        assert_eq!(drug.changed_on, Some(date!(2024 - 04 - 01)));
        assert_eq!(drug.dosage_form, shared::masters::DosageForm::Internal);

        let mut h = MasterHistory::new(MasterKind::Drug);
        h.apply_full(&file, date!(2024 - 05 - 31)).expect("applies");
        assert!(h.lookup("620007870", date!(2024 - 06 - 01)).is_some());
        assert!(
            h.lookup("620007870", date!(2024 - 03 - 31)).is_none(),
            "before its 変更年月日"
        );
    }

    #[test]
    fn disease_comment_and_material_rows() {
        let Some(dir) = masters_dir() else { return };
        let b = load(&dir, "b_20240601.zip");
        let d = DiseaseRecord::from_row(b.find("8833421").expect("高血圧症")).expect("typed");
        assert_eq!(
            (d.name.as_str(), d.icd10_1.as_deref()),
            ("高血圧症", Some("I10"))
        );
        assert_eq!(
            (d.listed_on, d.changed_on, d.abolished_after),
            (
                Some(date!(2002 - 06 - 01)),
                Some(date!(2024 - 06 - 01)),
                None
            )
        );
        let old = DiseaseRecord::from_row(b.find("4659007").expect("急性上気道炎")).expect("typed");
        assert_eq!((old.listed_on, old.changed_on), (None, None));
        let mut h = MasterHistory::new(MasterKind::Disease);
        h.apply_full(&b, date!(2024 - 06 - 01)).expect("applies");
        assert!(
            h.lookup("4659007", date!(1999 - 01 - 01)).is_some(),
            "no dates: valid since ever"
        );

        let c = load(&dir, "c_ALL20240531.zip");
        let comment =
            CommentRecord::from_row(c.find("840000001").expect("電話等再診")).expect("typed");
        assert_eq!(
            (comment.pattern, comment.edit_positions.clone()),
            (40, vec![(7, 2)])
        );
        let mut h = MasterHistory::new(MasterKind::Comment);
        let report = h.apply_full(&c, date!(2024 - 05 - 31)).expect("applies");
        assert_eq!(report.ended, 6, "six 抹消 rows");
        assert!(
            h.lookup("850600196", date!(2024 - 06 - 01)).is_none(),
            "抹消"
        );

        let t = load(&dir, "t_ALL20240315.zip");
        let m =
            MaterialRecord::from_row(t.find("700010000").expect("フィルム半切")).expect("typed");
        assert_eq!(
            (m.price, m.unit_name.as_str(), m.transitional_until),
            (Hundredths(12000), "枚", None)
        );
    }

    #[test]
    fn modifier_editions_rename_from_2025_06_01() {
        let Some(dir) = masters_dir() else { return };
        let mut h = MasterHistory::new(MasterKind::Modifier);
        h.apply_full(&load(&dir, "z_20240601.zip"), date!(2024 - 06 - 01))
            .expect("2024");
        let report = h
            .apply_full(&load(&dir, "z_20250601.zip"), date!(2025 - 06 - 01))
            .expect("2025");
        assert_eq!(report.ended_missing, 0);
        let name = |d| h.lookup("7246", d).map(|r| r.get(7).to_string());
        assert_eq!(name(date!(2025 - 05 - 31)).as_deref(), Some("鼡径"));
        assert_eq!(name(date!(2025 - 06 - 01)).as_deref(), Some("鼠径"));
        // New in the 2025 edition with 収載年月日 2025-01-01.
        assert!(h.lookup("7616", date!(2025 - 01 - 01)).is_some());
        assert!(h.lookup("7616", date!(2024 - 12 - 31)).is_none());
        let suffix =
            ModifierRecord::from_row(h.lookup("8002", date!(2025 - 01 - 01)).expect("の疑い"))
                .expect("typed");
        assert_eq!(suffix.name, "の疑い");
    }
}
