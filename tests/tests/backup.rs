//! Backups with the real pgBackRest (Debian's package; `scripts/test` installs it) against a
//! scratch PostgreSQL cluster of the test's own, repository 2 in a real S3 server (SeaweedFS)
//! over TLS in a bucket with Object Lock (compliance mode), run records in another such bucket:
//! set-up, a full and a scheduled diff backup to both repositories, status, verify, the restore
//! drill to a point in time that excludes a later write and to the latest, and one repository
//! corrupted: verify names it and the other still restores. Fictitious people only.

use clap::Parser;
use karte_server::backup::drill::DrillOptions;
use karte_server::backup::{Backup, BackupType, Seal};
use karte_server::cli::backup::{BackupArgs, BackupCommand};
use karte_server::cli::{Cli, Command};
use karte_server::db::bootstrap::{self, Existing};
use karte_server::files::{FileStores, StoreSpec};
use karte_tests::cluster::{chown, free_port, owner, Cluster};
use karte_tests::seaweed::{free_port_base, Seaweed, TlsFiles};
use karte_tests::{ApiClient, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use shared::api::patients::PatientDetail;
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};

const CODE: &str = "1319999971";

/// `karte-server backup <command> <flags…>` parsed as the command line would be.
fn backup_command(args: &[String]) -> BackupCommand {
    let mut argv = vec!["karte-server".to_string(), "backup".to_string()];
    argv.extend(args.iter().cloned());
    match Cli::try_parse_from(argv)
        .expect("valid backup flags")
        .command
    {
        Command::Backup(command) => *command,
        other => panic!("not a backup command: {other:?}"),
    }
}

fn backup_args(command: &BackupCommand) -> &BackupArgs {
    match command {
        BackupCommand::Setup { args, .. }
        | BackupCommand::Run { args, .. }
        | BackupCommand::Status { args, .. }
        | BackupCommand::Verify { args, .. }
        | BackupCommand::Drill { args, .. } => args,
    }
}

async fn new_patient(clerk: &ApiClient, name: &str) -> PatientDetail {
    let res = clerk
        .post(
            "/patients",
            &json!({"name": name, "kana": "カクウ バクコ", "sex": "female", "birth_date": "1980-08-08", "confirm_duplicate": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

async fn upload(doctor: &ApiClient, patient: &PatientDetail, extra: usize) {
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend((0..extra).map(|i| (i * 13 % 253) as u8));
    pdf.extend_from_slice(b"\n%%EOF\n");
    let res = doctor
        .post_bytes(
            &format!("/patients/{}/files", patient.patient_id),
            pdf,
            "application/pdf",
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
}

async fn count(cluster: &Cluster, table: &str) -> i64 {
    let mut conn = cluster.admin().database("karte").connect().await.unwrap();
    let n = sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    n
}

/// The largest data file of a backup in a local repository (to corrupt; not a manifest,
/// which pgBackRest keeps twice).
fn largest_backup_file(repo: &Path) -> PathBuf {
    fn walk(dir: &Path, best: &mut Option<(u64, PathBuf)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, best);
            } else if path.to_string_lossy().contains("/pg_data/") {
                let size = entry.metadata().unwrap().len();
                if best.as_ref().is_none_or(|(s, _)| size > *s) {
                    *best = Some((size, path));
                }
            }
        }
    }
    let mut best = None;
    walk(&repo.join("backup"), &mut best);
    best.expect("a backup file").1
}

#[tokio::test]
async fn backups_reach_both_repositories_and_a_drill_proves_a_point_in_time() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let root = karte_tests::target_dir()
        .join("test-files")
        .join(format!("backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&root).unwrap();
    // pgBackRest compares pg1-path with the cluster's own data_directory, literally.
    let root = std::fs::canonicalize(root).unwrap();
    let cluster = Cluster::start(root.join("pg"));
    bootstrap::bootstrap(
        &cluster.admin(),
        "karte",
        &Default::default(),
        Existing::Keep,
    )
    .await
    .unwrap();

    // Repository 2 and the run records: buckets with Object Lock, pgBackRest over TLS.
    let tls = TlsFiles::localhost(&root.join("tls"));
    let seaweed = Seaweed::start_with(root.join("weed"), free_port_base(), Some(&tls)).await;
    seaweed.create_locked_bucket("karte-offline", 1).await;
    seaweed.create_locked_bucket("karte-records", 1).await;
    let secrets = root.join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    let credentials = secrets.join("s3.ini");
    std::fs::write(
        &credentials,
        "[default]\naws_access_key_id = karte-test\naws_secret_access_key = karte-test-secret\n",
    )
    .unwrap();
    std::fs::write(
        secrets.join("repo1.pass"),
        "repo-one-passphrase-for-tests-0001\n",
    )
    .unwrap();
    std::fs::write(
        secrets.join("repo2.pass"),
        "repo-two-passphrase-for-tests-0002\n",
    )
    .unwrap();
    std::fs::write(secrets.join("secret.key"), format!("{}\n", "5a".repeat(32))).unwrap();
    for entry in std::fs::read_dir(&secrets).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    chown(&secrets);
    chown(&root.join("tls"));
    let repo1 = root.join("repo1");
    let flags: Vec<String> = [
        ("--backup-dir", root.join("work").display().to_string()),
        ("--admin-url", cluster.url()),
        ("--database", "karte".into()),
        ("--pg-data", cluster.data().display().to_string()),
        ("--pg-port", cluster.port.to_string()),
        (
            "--pg-socket-dir",
            cluster.socket_dir().display().to_string(),
        ),
        ("--pg-bin", cluster.bin.display().to_string()),
        ("--repo1", repo1.display().to_string()),
        (
            "--repo1-passphrase-file",
            secrets.join("repo1.pass").display().to_string(),
        ),
        (
            "--repo2",
            format!(
                "s3://karte-offline/pgbackrest?endpoint=localhost:{}&credentials={}&ca={}",
                seaweed.https_port(),
                credentials.display(),
                tls.cert.display()
            ),
        ),
        (
            "--repo2-passphrase-file",
            secrets.join("repo2.pass").display().to_string(),
        ),
        (
            "--record-store",
            format!(
                "s3://karte-records?endpoint={}&credentials={}",
                seaweed.endpoint(),
                credentials.display()
            ),
        ),
        (
            "--secret-key-file",
            secrets.join("secret.key").display().to_string(),
        ),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_string(), value])
    .chain(
        owner()
            .map(|o| ["--run-as".to_string(), o])
            .into_iter()
            .flatten(),
    )
    .collect();
    let with = |command: &str| -> Vec<String> {
        let mut v = vec![command.to_string()];
        v.extend(flags.iter().cloned());
        v
    };
    let backup: Backup = backup_args(&backup_command(&with("status")))
        .backup()
        .unwrap();

    // Set-up: the stanza first, then archiving on (a restart), then checked.
    let report = backup.setup(true).await.unwrap();
    assert!(report.restart_needed, "{report:?}");
    assert!(
        report.applied.contains(&"archive_mode".to_string()),
        "{report:?}"
    );
    cluster.pg_ctl("restart");
    let report = backup.setup(true).await.unwrap();
    assert!(!report.restart_needed && report.checked, "{report:?}");
    assert!(report.applied.is_empty(), "{report:?}");

    // The app writes through its API: an institution, staff, a patient, a file.
    let app = TestApp::spawn_on(cluster.admin(), "karte").await;
    let (_, admin) = app.admin_session(CODE, "架空バックアップ医院").await;
    let (_, clerk) = app
        .staff_session(&admin, CODE, "clerk1", "clerk", "clerk-secret-2026-c")
        .await;
    let (_, doctor) = app
        .staff_session(&admin, CODE, "doctor1", "doctor", "doctor-secret-2026-a")
        .await;
    let patient = new_patient(&clerk, "架空 保存子").await;
    upload(&doctor, &patient, 200_000).await;

    let first = backup.run(Some(BackupType::Full), 7).await.unwrap();
    assert!(first.ok(), "{first:#?}");
    assert!(first.repos.iter().all(
        |r| r.kind == BackupType::Full && r.label.as_deref().is_some_and(|l| l.ends_with('F'))
    ));
    assert_eq!(first.files.len(), 1);
    assert!(first
        .chains
        .iter()
        .any(|c| c.log == "audit" && c.last_seq > 0));
    assert_eq!(first.snapshot.counts["public.patient"], 1);

    // The scheduled run a day later is a diff in both (the full is fresh).
    upload(&doctor, &patient, 300_000).await;
    let second = backup.run(None, 7).await.unwrap();
    assert!(second.ok(), "{second:#?}");
    assert!(
        second
            .repos
            .iter()
            .all(|r| r.kind == BackupType::Diff
                && r.label.as_deref().is_some_and(|l| l.ends_with('D'))),
        "{second:#?}"
    );
    assert_eq!(second.files.len(), 2);

    // Written after the snapshot: a restore to it must not have it.
    new_patient(&clerk, "架空 後子").await;
    assert_eq!(
        count(&cluster, "patient").await,
        second.snapshot.counts["public.patient"] + 1
    );

    let status = backup.status().await.unwrap();
    for r in &status.repos {
        assert!(r.ok, "{r:?}");
        assert_eq!((r.full_generations, r.diff_backups), (1, 1), "{r:?}");
        assert!(r.archive_max.is_some(), "{r:?}");
    }
    let last = status.last_run.as_ref().unwrap();
    assert_eq!(last.run_id, second.run_id);
    assert!(last.ok);
    assert_eq!(last.seal, Seal::Intact);

    let verified = backup.verify().await.unwrap();
    assert!(verified.ok(), "{verified:#?}");

    let [a, b] = app.file_stores();
    let stores = FileStores::open(&StoreSpec::Local(a), &StoreSpec::Local(b)).unwrap();
    let mut options = DrillOptions {
        repo: 1,
        port: free_port(),
        keep: false,
        stores,
    };
    let drill = backup.drill(&options).await.unwrap();
    assert!(drill.ok(), "{drill:#?}");
    assert_eq!(drill.run_id, second.run_id);
    assert_eq!(drill.record_seal, Seal::Intact);
    assert_eq!(drill.restores.len(), 2);
    let names: Vec<&str> = drill.restores[0].checks.iter().map(|c| c.name).collect();
    for name in [
        "migrations",
        "log chains",
        "row counts",
        "marker row",
        "file manifest",
        "files in both stores",
    ] {
        assert!(names.contains(&name), "{name} checked: {names:?}");
    }
    assert!(drill.restores[1].target == "latest");
    assert!(drill.rpo.archive_reaches_both);
    assert_eq!(drill.rpo.archive_timeout_seconds, 60);

    // The run records are in the write-once bucket, and stay there.
    let records = reqwest::get(format!("{}/karte-records?list-type=2", seaweed.endpoint()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        records.contains(&format!("backup-runs/{}.json", second.run_id)),
        "{records}"
    );

    // The drills pushed no WAL into the production repositories: no second timeline there.
    let history: Vec<String> = std::fs::read_dir(repo1.join("archive/karte"))
        .unwrap()
        .flatten()
        .filter(|d| d.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".history"))
        .collect();
    assert!(history.is_empty(), "{history:?}");

    // The command line prints the status and exits 0 (nothing to alert on).
    karte_server::cli::backup::run(backup_command(&with("status")))
        .await
        .unwrap();

    // Repository 1 corrupted: verify names it (though pgbackrest exits 0).
    let victim = largest_backup_file(&repo1);
    let mut bytes = std::fs::read(&victim).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 16] {
        *b ^= 0xff;
    }
    std::fs::write(&victim, bytes).unwrap();
    let verified = backup.verify().await.unwrap();
    assert!(!verified.ok());
    assert!(
        !verified.repos[0].ok && !verified.repos[0].findings.is_empty(),
        "{verified:#?}"
    );
    assert!(verified.repos[1].ok, "{verified:#?}");

    // Repository 1 gone altogether: repository 2 alone restores the run's point in time and
    // proves it. The drill fails as a whole, and says why: with one repository unreachable,
    // pgBackRest archives WAL to neither (archive-push fails as a whole), so the latest restore
    // lacks the drill's marker — what `backup status` alerts on as archive lag.
    let gone = root.join("repo1-gone");
    std::fs::rename(&repo1, &gone).unwrap();
    options.repo = 2;
    let drill = backup.drill(&options).await.unwrap();
    assert!(drill.restores[0].ok(), "{drill:#?}");
    assert!(!drill.rpo.archive_reaches_both && !drill.ok(), "{drill:#?}");
    assert!(
        drill.restores[1]
            .checks
            .iter()
            .any(|c| c.name == "marker row" && !c.ok),
        "{drill:#?}"
    );
    std::fs::rename(&gone, &repo1).unwrap();
    drop(app);
    drop(seaweed);
    drop(cluster);
    let _ = std::fs::remove_dir_all(root);
}
