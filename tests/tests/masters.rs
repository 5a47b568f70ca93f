//! Billing masters in PostgreSQL: the official files imported by the operator command, every
//! revision kept with its validity, lookups by date as the application role, all or nothing.

use karte_server::cli::import_master_files;
use karte_server::db::masters::{self, Imported};
use karte_tests::TestApp;
use shared::masters::MasterKind;
use std::path::PathBuf;
use time::macros::date;

/// A file of `../shared/reference/masters` (each test first checks the folder is there, by the
/// one policy of `karte_tests::reference`).
fn reference(path: &str) -> PathBuf {
    karte_tests::reference::shared_dir()
        .join("reference/masters")
        .join(path)
}

/// Every published 医科 diff, in name (= date) order.
fn procedure_diffs() -> Vec<PathBuf> {
    let mut diffs: Vec<PathBuf> = std::fs::read_dir(reference("diffs"))
        .expect("../shared/reference/masters/diffs")
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("s_"))
        .collect();
    diffs.sort();
    diffs
}

async fn points_on(app: &TestApp, code: &str, on: time::Date) -> Option<(String, String)> {
    let pool = app.app_pool().await;
    let mut conn = pool.acquire().await.unwrap();
    let rows = masters::rows_on(
        &mut conn,
        MasterKind::Procedure,
        on,
        Some(&[code.to_string()]),
    )
    .await
    .unwrap();
    rows.first().map(|f| (f[4].clone(), f[11].clone()))
}

#[tokio::test]
async fn the_official_procedure_files_and_diffs_keep_every_revision_by_date() {
    if karte_tests::reference::reference("masters").is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let owner = app.owner_pool().await;
    let mut files = vec![
        reference("s_ALL20240531.zip"),
        reference("s_ALL20240201.zip"),
    ];
    files.extend(procedure_diffs());
    let done = import_master_files(&owner, &files).await.expect("import");
    assert_eq!(
        done.len(),
        22,
        "two full files (given out of order) and 20 diffs"
    );
    assert_eq!(done[0].0, "s_ALL20240201.csv", "oldest edition first");
    let Imported::Added { seq, rows, report } = &done[1].1 else {
        panic!("second file imported")
    };
    assert_eq!((*seq, *rows), (2, 10_133));
    assert_eq!(report.ended_missing, 755, "codes the 令和6年度改定 removed");

    // 初診料: 288 until the revision, 291 from 2024-06-01.
    assert_eq!(
        points_on(&app, "111000110", date!(2024 - 05 - 31)).await,
        Some(("初診料".into(), "288.00".into()))
    );
    assert_eq!(
        points_on(&app, "111000110", date!(2024 - 06 - 01)).await,
        Some(("初診料".into(), "291.00".into()))
    );
    // 医療情報取得加算1 is abolished after 2024-11-30 (s_20241108); 加算2 is renamed from
    // 2024-12-01 while earlier dates keep the old name.
    assert!(points_on(&app, "111703170", date!(2024 - 11 - 30))
        .await
        .is_some());
    assert!(points_on(&app, "111703170", date!(2024 - 12 - 01))
        .await
        .is_none());
    let before = points_on(&app, "111703270", date!(2024 - 11 - 15))
        .await
        .unwrap();
    let after = points_on(&app, "111703270", date!(2024 - 12 - 01))
        .await
        .unwrap();
    assert_ne!(before.0, after.0, "renamed");
    assert_eq!(after.1, "1.00", "the empty diff field kept the points");

    // The same file again adds nothing.
    let again = import_master_files(&owner, &[reference("s_ALL20240531.zip")])
        .await
        .unwrap();
    assert!(matches!(again[0].1, Imported::AlreadyImported { seq: 2 }));

    // An edition older than the last one is refused, and nothing of the command is written.
    let before_count: i64 = sqlx::query_scalar("select count(*) from master.version")
        .fetch_one(&owner)
        .await
        .unwrap();
    let renamed = std::env::temp_dir()
        .join(format!("karte-old-{}", uuid::Uuid::new_v4()))
        .join("s_ALL20230101.csv");
    std::fs::create_dir_all(renamed.parent().unwrap()).unwrap();
    let zipped = std::fs::read(reference("s_ALL20240201.zip")).unwrap();
    let (_, csv) = shared::masters::read_zip(&zipped).unwrap().remove(0);
    // Not byte-identical to the file imported as #1 (which would simply be skipped): one row fewer.
    let cut = csv[..csv.len() - 2]
        .iter()
        .rposition(|b| *b == b'\n')
        .unwrap()
        + 1;
    std::fs::write(&renamed, &csv[..cut]).unwrap();
    let err = import_master_files(&owner, std::slice::from_ref(&renamed))
        .await
        .expect_err("older edition refused");
    assert!(format!("{err:#}").contains("古い順"), "{err:#}");
    let after_count: i64 = sqlx::query_scalar("select count(*) from master.version")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(before_count, after_count);
    std::fs::remove_dir_all(renamed.parent().unwrap()).ok();
}

#[tokio::test]
async fn a_malformed_file_is_refused_with_its_line_and_column_and_nothing_is_written() {
    if karte_tests::reference::reference("masters").is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let owner = app.owner_pool().await;
    let dir = std::env::temp_dir().join(format!("karte-masters-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    // A good 修飾語 file, then a drug file whose second row has a bad 変更年月日.
    let zipped = std::fs::read(reference("y_ALL20240531.zip")).unwrap();
    let (name, csv) = shared::masters::read_zip(&zipped).unwrap().remove(0);
    let mut lines: Vec<Vec<u8>> = csv.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    // CP932 bytes: an ASCII pattern of quotes and digits cannot sit inside a two-byte character.
    let open_end: &[u8] = b"\"99999999\"";
    let at = lines[1]
        .windows(open_end.len())
        .position(|w| w == open_end)
        .expect("a 廃止年月日 99999999 on the second row");
    lines[1][at + 8] = b'X';
    let bad = dir.join(&name);
    std::fs::write(&bad, lines.join(&b'\n')).unwrap();
    let err = import_master_files(&owner, &[reference("z_20240601.zip"), bad])
        .await
        .expect_err("malformed row refused");
    let message = format!("{err:#}");
    assert!(
        message.contains("2行目") && message.contains("項番"),
        "{message}"
    );
    let imports: i64 = sqlx::query_scalar("select count(*) from master.import")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(
        imports, 0,
        "the good file of the same command was not kept either"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn every_master_imports_and_the_application_may_only_read_them() {
    if karte_tests::reference::reference("masters").is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let owner = app.owner_pool().await;
    let files: Vec<PathBuf> = [
        "y_ALL20240531.zip",
        "t_ALL20240315.zip",
        "c_ALL20240531.zip",
        "b_20240601.zip",
        "z_20240601.zip",
        "z_20250601.zip",
    ]
    .iter()
    .map(|f| reference(f))
    .collect();
    let done = import_master_files(&owner, &files).await.expect("import");
    let rows: Vec<(String, usize)> = done
        .iter()
        .map(|(name, outcome)| match outcome {
            Imported::Added { rows, .. } => (name.clone(), *rows),
            other => panic!("{name}: {other:?}"),
        })
        .collect();
    for (name, expected) in [
        ("b_20240601.txt", 27_437),
        ("c_ALL20240531.csv", 3_898),
        ("t_ALL20240315.csv", 1_334),
        ("y_ALL20240531.csv", 19_748),
        ("z_20240601.txt", 2_349),
        ("z_20250601.txt", 2_375),
    ] {
        assert!(
            rows.iter().any(|(n, r)| n == name && *r == expected),
            "{name}: {rows:?}"
        );
    }
    let app_pool = app.app_pool().await;
    let mut conn = app_pool.acquire().await.unwrap();
    let drug = masters::rows_on(
        &mut conn,
        MasterKind::Drug,
        date!(2024 - 06 - 01),
        Some(&["620007870".to_string()]),
    )
    .await
    .unwrap();
    assert_eq!(drug[0][11], "10.10", "アムロジピン錠5mg「サワイ」 薬価");
    for statement in [
        "insert into master.import (kind, seq, edition, file_name, sha256, scope, rows_read, added, unchanged, ended, ended_missing) values ('drug', 99, '2030-01-01', 'x', repeat('0', 64), 'full', 0, 0, 0, 0, 0)",
        "update master.version set name = 'x' where kind = 'drug'",
        "delete from master.version where kind = 'drug'",
    ] {
        let err = sqlx::query(statement).execute(&mut *conn).await.expect_err(statement);
        assert!(err.to_string().contains("permission denied"), "{statement}: {err}");
    }
    // Not even the owner rewrites history.
    let err = sqlx::query("update master.version set name = 'x' where kind = 'drug'")
        .execute(&owner)
        .await
        .expect_err("append-only");
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[tokio::test]
async fn price_reads_a_visit_and_prices_it_with_the_masters_of_its_date() {
    if karte_tests::reference::reference("masters").is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let owner = app.owner_pool().await;
    import_master_files(
        &owner,
        &[
            reference("s_ALL20240531.zip"),
            reference("y_ALL20240531.zip"),
        ],
    )
    .await
    .expect("import");
    let pool = app.app_pool().await;
    let mut conn = pool.acquire().await.unwrap();
    // The README's example: billing.md case C3 (再診, 院内処方, 薬剤師常勤).
    let example = include_str!("../fixtures/visit-c3.json");
    let priced = karte_server::cli::price_json(&mut conn, example)
        .await
        .expect("priced");
    assert_eq!(priced.total_points.0, 264);
    assert_eq!(priced.share.patient.0, 790);
    let codes: Vec<&str> = priced.lines.iter().map(|l| l.code.as_str()).collect();
    for code in [
        "112007410",
        "112011010",
        "120001210",
        "120000710",
        "120001810",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let json = serde_json::to_value(&priced).unwrap();
    assert_eq!(json["lines"][0]["name"], "再診料");
    // A 3-year-old's 静脈内注射: the master's 年齢加算 (項番100-111) brings 乳幼児加算（静脈内注射）,
    // whose row the catalog fetched although the visit did not name it.
    let mut child: serde_json::Value = serde_json::from_str(example).unwrap();
    child["birth_date"] = serde_json::json!("2021-01-15");
    child["prescription"] = serde_json::Value::Null;
    child["injections"] = serde_json::json!([{"code": "130003510", "count": 1}]);
    let priced = karte_server::cli::price_json(&mut conn, &child.to_string())
        .await
        .expect("priced");
    let infant = priced
        .lines
        .iter()
        .find(|l| l.code == "130003670")
        .expect("乳幼児加算（静脈内注射）");
    assert_eq!(infant.points.0, 52);

    // Bad input: a clear message with the place, never a panic.
    let err = karte_server::cli::price_json(&mut conn, "{\"service_date\": \"2024-06-10\",")
        .await
        .expect_err("truncated JSON");
    assert!(err.to_string().contains("line 1"), "{err}");
    let err = karte_server::cli::price_json(&mut conn, &example.replace("revisit", "sometimes"))
        .await
        .expect_err("unknown visit kind");
    assert!(err.to_string().contains("wrong field or value"), "{err}");
    // A date no imported master covers.
    let err =
        karte_server::cli::price_json(&mut conn, &example.replace("2024-06-10", "2020-01-06"))
            .await
            .expect_err("no master in force");
    assert!(err.to_string().contains("masters import"), "{err}");
}

/// The demo subset shipped in `server/masters-demo/` is exactly what `masters demo-subset` cuts
/// from the official files, imports like them, and prices the README's example visit as the
/// full masters do.
#[tokio::test]
async fn the_demo_subset_is_cut_from_the_official_files_and_prices_like_them() {
    if karte_tests::reference::reference("masters").is_none() {
        return;
    }
    let demo = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../server/masters-demo"
    ));
    let official = [
        "s_ALL20240531.zip",
        "y_ALL20240531.zip",
        "t_ALL20240315.zip",
        "c_ALL20240531.zip",
        "b_20240601.zip",
        "z_20240601.zip",
    ];
    let out = std::env::temp_dir().join(format!("karte-demo-{}", uuid::Uuid::new_v4().simple()));
    let inputs = official
        .iter()
        .flat_map(|name| {
            let bytes = std::fs::read(reference(name)).expect("official file");
            shared::masters::read_zip(&bytes).expect("zip")
        })
        .map(|(name, bytes)| {
            let kind = MasterKind::from_file_name(&name).expect("kind");
            (name, kind, bytes)
        })
        .collect();
    let written = karte_server::demo_masters::write_subset(inputs, &out).expect("subset");
    assert_eq!(written.len(), 6);
    let mut files = Vec::new();
    for (path, rows) in &written {
        let name = std::path::Path::new(path).file_name().unwrap().to_owned();
        let shipped = demo.join(&name);
        assert_eq!(
            std::fs::read(path).unwrap(),
            std::fs::read(&shipped).expect("shipped demo file"),
            "{name:?} is what the command makes ({rows} rows)"
        );
        files.push(shipped);
    }
    let _ = std::fs::remove_dir_all(&out);

    let app = TestApp::spawn().await;
    let owner = app.owner_pool().await;
    import_master_files(&owner, &files)
        .await
        .expect("the demo imports");
    let pool = app.app_pool().await;
    let mut conn = pool.acquire().await.unwrap();
    let priced =
        karte_server::cli::price_json(&mut conn, include_str!("../fixtures/visit-c3.json"))
            .await
            .expect("priced with the demo masters");
    assert_eq!((priced.total_points.0, priced.share.patient.0), (264, 790));
    // The 年齢加算 rows of its procedures come with it: a child's 静脈内注射 prices with
    // 乳幼児加算（静脈内注射）.
    let mut child: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/visit-c3.json")).unwrap();
    child["birth_date"] = serde_json::json!("2021-01-15");
    child["prescription"] = serde_json::Value::Null;
    child["injections"] = serde_json::json!([{"code": "130003510", "count": 1}]);
    let priced = karte_server::cli::price_json(&mut conn, &child.to_string())
        .await
        .expect("priced with the demo masters");
    assert!(priced
        .lines
        .iter()
        .any(|l| l.code == "130003670" && l.points.0 == 52));
    // 傷病名 for the chart come with it.
    let (_, rows) = masters::catalog_since(&mut conn, MasterKind::Disease, 0)
        .await
        .unwrap();
    let hits = shared::api::billing::search_catalog("disease", &rows, "2024-06-10", "高血圧", 10);
    assert!(hits.iter().any(|h| h.code == "8833421"), "{hits:?}");
}

/// The app's copy of a master: downloaded whole once (`since=0`), then only the versions later
/// imports added (`since=<the import it has>`), compressed on the wire.
#[tokio::test]
async fn the_catalog_is_sent_whole_once_then_by_difference() {
    if karte_tests::reference::reference("masters").is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    let owner = app.owner_pool().await;
    let demo = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../server/masters-demo"
    ));
    import_master_files(&owner, &[demo.join("z_20240601.csv")])
        .await
        .expect("demo 修飾語");
    let (_, admin) = app.admin_session("1319999991", "架空マスター医院").await;
    let doctor = app
        .staff_session(
            &admin,
            "1319999991",
            "ishi",
            "doctor",
            "doctor-secret-2026-m",
        )
        .await
        .1;
    let first: shared::api::billing::MasterCatalog =
        doctor.get("/masters/catalog?kind=modifier").await.json();
    assert_eq!(first.rows.len(), 11);
    assert!(first
        .rows
        .iter()
        .any(|r| r.code() == "4043" && r.5 == "慢性"));
    let seq1 = first.seq;
    // Nothing new: an empty difference.
    let same: shared::api::billing::MasterCatalog = doctor
        .get(&format!("/masters/catalog?kind=modifier&since={seq1}"))
        .await
        .json();
    assert_eq!((same.seq, same.rows.len()), (seq1, 0));
    // The server's search (over its own copy in memory) knows only the demo's 修飾語 yet.
    let before: Vec<shared::api::billing::MasterHit> = doctor
        .get("/masters/search?q=マンセイ&on=2025-07-01&kind=modifier")
        .await
        .json();

    // A newer edition: the difference holds only what it added.
    import_master_files(&owner, &[reference("z_20250601.zip")])
        .await
        .expect("修飾語 2025");
    let diff: shared::api::billing::MasterCatalog = doctor
        .get(&format!("/masters/catalog?kind=modifier&since={seq1}"))
        .await
        .json();
    assert!(diff.seq > seq1);
    assert!(!diff.rows.is_empty());
    assert!(
        diff.rows.iter().all(|r| r.seq() > seq1),
        "only later versions"
    );
    let whole: shared::api::billing::MasterCatalog =
        doctor.get("/masters/catalog?kind=modifier").await.json();
    assert_eq!(whole.rows.len(), first.rows.len() + diff.rows.len());
    // The copy merged from the first answer and the difference searches like the server.
    let mut copy = first.rows.clone();
    shared::api::billing::merge_catalog(&mut copy, diff.rows);
    assert_eq!(copy, whole.rows);
    let local =
        shared::api::billing::search_catalog("modifier", &copy, "2025-07-01", "マンセイ", 30);
    let server: Vec<shared::api::billing::MasterHit> = doctor
        .get("/masters/search?q=マンセイ&on=2025-07-01&kind=modifier")
        .await
        .json();
    assert_eq!(local, server);
    assert!(
        server.len() > before.len(),
        "the server's copy follows the new import: {} then {}",
        before.len(),
        server.len()
    );

    // Gzip on the wire when the client accepts it; bad parameters are named.
    let req = doctor
        .request(reqwest::Method::GET, "/masters/catalog?kind=modifier")
        .await
        .header("accept-encoding", "gzip");
    let res = req.send().await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(
        doctor.get("/masters/catalog?kind=nope").await.field_names(),
        ["kind"]
    );
}

/// 傷病名 on the official master (b_20240601): found anywhere in the name (「上気道炎」 finds
/// 急性上気道炎), by カナ and by ICD-10, ranked the same by the server and by the app's copy.
#[tokio::test]
async fn diseases_are_found_anywhere_in_the_name_by_kana_and_by_icd10() {
    if karte_tests::reference::reference("masters").is_none() {
        return;
    }
    let app = TestApp::spawn().await;
    import_master_files(&app.owner_pool().await, &[reference("b_20240601.zip")])
        .await
        .expect("傷病名マスター");
    let (_, admin) = app.admin_session("1319999992", "架空病名医院").await;
    let doctor = app
        .staff_session(
            &admin,
            "1319999992",
            "ishi",
            "doctor",
            "doctor-secret-2026-d",
        )
        .await
        .1;
    let catalog: shared::api::billing::MasterCatalog =
        doctor.get("/masters/catalog?kind=disease").await.json();
    for query in ["上気道炎", "じょうきどうえん", "J06.9", "高血圧"] {
        let server: Vec<shared::api::billing::MasterHit> = doctor
            .get(&format!(
                "/masters/search?q={}&on=2024-06-10&kind=disease",
                karte_tests::encode_query(query)
            ))
            .await
            .json();
        let local =
            shared::api::billing::search_catalog("disease", &catalog.rows, "2024-06-10", query, 30);
        assert!(!local.is_empty(), "{query} finds something");
        assert_eq!(local, server, "the same hits in the same order: {query}");
    }
    let names = |q: &str| -> Vec<String> {
        shared::api::billing::search_catalog("disease", &catalog.rows, "2024-06-10", q, 30)
            .into_iter()
            .map(|h| h.name)
            .collect()
    };
    let upper = names("上気道炎");
    assert!(upper.iter().any(|n| n == "急性上気道炎"), "{upper:?}");
    assert!(upper.iter().all(|n| n.contains("上気道炎")), "{upper:?}");
    // Names that start so come before names that only have it inside.
    let fever = names("発熱");
    let first_inside = fever.iter().position(|n| !n.starts_with("発熱"));
    let last_start = fever.iter().rposition(|n| n.starts_with("発熱"));
    assert!(
        matches!((first_inside, last_start), (Some(i), Some(s)) if s < i),
        "{fever:?}"
    );
    assert!(names("J06.9").iter().any(|n| n == "急性上気道炎"));
    assert!(names("きゅうせいじょうきどうえん")
        .iter()
        .any(|n| n == "急性上気道炎"));
}
