//! Backups at scale (issue #19): a generated institution of `KARTE_BENCH_PATIENTS` (10,000)
//! patients with ten years of visits (`KARTE_BENCH_VISITS_PER_YEAR`, 4; each a finalised note,
//! vital signs and eight lab results) in a cluster of the benchmark's own; then
//! `backup run` (full, to both repositories: a directory, and SeaweedFS S3 over TLS with Object
//! Lock), a day of writes and a diff run, `backup verify`, and `backup drill` (the restore time of
//! each restore: RTO). The bare baseline in the same run: `pg_basebackup` of the same cluster to a
//! directory (the backup), and that copy copied back and started (the restore). Sizes: the database,
//! each repository. Reports the ratios.
//!
//! `cargo bench -p karte-tests --bench backup` (scripts/bench-backup installs what it needs).

use karte_server::backup::drill::DrillOptions;
use karte_server::backup::pgbackrest::{Repo, RepoLocation, Setup};
use karte_server::backup::{Backup, BackupType};
use karte_server::db::bootstrap::{self, Existing};
use karte_server::files::{FileStores, RecordStore, StoreSpec};
use karte_server::secrets::SecretKey;
use karte_tests::bench::env;
use karte_tests::cluster::{as_owner, chown, free_port, owner, run as run_process, Cluster};
use karte_tests::seaweed::{free_port_base, Seaweed, TlsFiles};
use karte_tests::TestApp;
use sqlx::{ConnectOptions, Connection};
use std::time::Instant;

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

async fn run() {
    let patients = env("KARTE_BENCH_PATIENTS", 10_000);
    let per_year = env("KARTE_BENCH_VISITS_PER_YEAR", 4) as i64;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let root = karte_tests::target_dir()
        .join("bench-files")
        .join(format!("backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&root).unwrap();
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

    // The institution: staff through the API, patients and visits by set-based SQL.
    let app = TestApp::spawn_on(cluster.admin(), "karte").await;
    let (p, admin) = app.admin_session("1319999991", "架空十年医院").await;
    let (_, doctor) = app
        .staff_session(&admin, &p.code, "ishi", "doctor", "bench-doctor-pass-2026")
        .await;
    let author: uuid::Uuid = doctor.get("/auth/session").await.body["user"]["user_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let owner_pool = app.owner_pool().await;
    let t = Instant::now();
    karte_tests::bench::seed_patients(&owner_pool, p.tenant_id.as_uuid(), patients).await;
    let ids: Vec<uuid::Uuid> = {
        let mut tx = karte_tests::tenant_tx(&owner_pool, p.tenant_id).await;
        let ids = sqlx::query_scalar("select patient_id from patient order by patient_number")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        ids
    };
    karte_tests::bench::seed_visits(
        &owner_pool,
        p.tenant_id.as_uuid(),
        author,
        &ids,
        per_year * 10,
        365 / per_year,
    )
    .await;
    let mut conn = cluster.admin().database("karte").connect().await.unwrap();
    sqlx::query("checkpoint").execute(&mut conn).await.unwrap();
    let db_bytes: i64 = sqlx::query_scalar("select pg_database_size('karte')")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar(
        "select (select count(*) from clinical_note) + (select count(*) from note_version) \
         + (select count(*) from vital_sign) + (select count(*) from lab_result)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    println!(
        "seeded {patients} patients × {} visits ({rows} chart rows, database {:.0} MB) in {:.0} s",
        per_year * 10,
        mb(db_bytes as u64),
        secs(t)
    );

    // Baseline: pg_basebackup to a directory; then that copy started as a cluster.
    let base = root.join("basebackup");
    std::fs::create_dir_all(&base).unwrap();
    chown(&base);
    let t = Instant::now();
    let mut c = as_owner(&cluster.bin.join("pg_basebackup"));
    c.arg("-h")
        .arg(cluster.socket_dir())
        .arg("-p")
        .arg(cluster.port.to_string())
        // A fast checkpoint, as pgBackRest's start-fast: the default spreads it over minutes.
        .args(["-U", "postgres", "-X", "fetch", "-c", "fast", "-D"])
        .arg(base.join("data"));
    run_process(c, "pg_basebackup");
    let baseline_backup = secs(t);
    // The bare restore: the copy copied back into place, then started.
    let t = Instant::now();
    let mut c = as_owner(std::path::Path::new("cp"));
    c.arg("-a")
        .arg(base.join("data"))
        .arg(base.join("restored"));
    run_process(c, "copying the base backup");
    std::fs::create_dir_all(base.join("run")).unwrap();
    chown(&base.join("run"));
    let mut c = as_owner(&cluster.bin.join("pg_ctl"));
    c.arg("-D")
        .arg(base.join("restored"))
        .arg("-l")
        .arg(base.join("log"))
        .arg("-o")
        .arg(format!(
            "-c port={} -c listen_addresses='' -c unix_socket_directories='{}' -c archive_mode=off",
            free_port(),
            base.join("run").display()
        ))
        .args(["-w", "-t", "3600", "start"]);
    run_process(c, "starting the base backup");
    let baseline_restore = secs(t);
    let mut c = as_owner(&cluster.bin.join("pg_ctl"));
    c.arg("-D")
        .arg(base.join("restored"))
        .args(["-m", "fast", "-w", "stop"]);
    run_process(c, "stopping the base backup");
    let _ = std::fs::remove_dir_all(&base);

    // Karte's backups: repository 1 a directory, repository 2 and the records in Object Lock
    // buckets of a real S3 server over TLS.
    let tls = TlsFiles::localhost(&root.join("tls"));
    let seaweed = Seaweed::start_with(root.join("weed"), free_port_base(), Some(&tls)).await;
    seaweed.create_locked_bucket("karte-offline", 1).await;
    seaweed.create_locked_bucket("karte-records", 1).await;
    let secrets = root.join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    let credentials = secrets.join("s3.ini");
    std::fs::write(
        &credentials,
        "[default]\naws_access_key_id = karte-bench\naws_secret_access_key = karte-bench-secret\n",
    )
    .unwrap();
    std::fs::write(secrets.join("1.pass"), "bench-repo-one-passphrase-0001").unwrap();
    std::fs::write(secrets.join("2.pass"), "bench-repo-two-passphrase-0002").unwrap();
    for entry in std::fs::read_dir(&secrets).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    chown(&secrets);
    chown(&root.join("tls"));
    let backup = Backup {
        setup: Setup {
            stanza: "karte".into(),
            pg_data: cluster.data(),
            pg_port: cluster.port,
            pg_socket_dir: cluster.socket_dir(),
            pg_user: "postgres".into(),
            pg_bin: cluster.bin.clone(),
            repos: [
                Repo {
                    location: RepoLocation::Path(root.join("repo1")),
                    passphrase_file: secrets.join("1.pass"),
                },
                Repo {
                    location: format!(
                        "s3://karte-offline/pgbackrest?endpoint=localhost:{}&credentials={}&ca={}",
                        seaweed.https_port(),
                        credentials.display(),
                        tls.cert.display()
                    )
                    .parse()
                    .unwrap(),
                    passphrase_file: secrets.join("2.pass"),
                },
            ],
            retention_full: 30,
            work_dir: root.join("work"),
            run_as: owner(),
        },
        admin: cluster.admin().database("karte"),
        records: Some(
            RecordStore::open(&StoreSpec::S3 {
                bucket: "karte-records".into(),
                endpoint: Some(seaweed.endpoint()),
                region: None,
                credentials: Some(credentials.clone()),
            })
            .unwrap(),
        ),
        key: Some(SecretKey::generate()),
    };
    backup.setup(true).await.unwrap();
    cluster.pg_ctl("restart");
    backup.setup(true).await.unwrap();

    let t = Instant::now();
    let full = backup.run(Some(BackupType::Full), 7).await.unwrap();
    let full_seconds = secs(t);
    assert!(full.ok(), "{full:#?}");
    // A day of writes: one more visit for a tenth of the patients.
    let t = Instant::now();
    karte_tests::bench::seed_visits(
        &owner_pool,
        p.tenant_id.as_uuid(),
        author,
        &ids[..ids.len() / 10],
        1,
        1,
    )
    .await;
    let day_seconds = secs(t);
    let t = Instant::now();
    let diff = backup.run(None, 7).await.unwrap();
    let diff_seconds = secs(t);
    assert!(diff.ok(), "{diff:#?}");
    let t = Instant::now();
    let verified = backup.verify().await.unwrap();
    let verify_seconds = secs(t);
    assert!(verified.ok(), "{verified:#?}");
    let status = backup.status().await.unwrap();

    let [a, b] = app.file_stores();
    let t = Instant::now();
    let drill = backup
        .drill(&DrillOptions {
            repo: 1,
            port: free_port(),
            keep: false,
            stores: FileStores::open(&StoreSpec::Local(a), &StoreSpec::Local(b)).unwrap(),
        })
        .await
        .unwrap();
    let drill_seconds = secs(t);
    assert!(drill.ok(), "{drill:#?}");

    println!(
        "baseline: pg_basebackup {baseline_backup:.1} s; that copy copied back and started {baseline_restore:.1} s"
    );
    for r in &full.repos {
        println!("backup run (full): repo{} {:.1} s", r.repo, r.seconds);
    }
    println!(
        "backup run (full), both repositories, snapshot and check: {full_seconds:.1} s = {:.2}× pg_basebackup",
        full_seconds / baseline_backup
    );
    println!(
        "a day of writes ({} visits): {day_seconds:.1} s",
        ids.len() / 10
    );
    for r in &diff.repos {
        println!("backup run (diff): repo{} {:.1} s", r.repo, r.seconds);
    }
    println!("backup run (diff) in all: {diff_seconds:.1} s");
    println!("backup verify (both repositories): {verify_seconds:.1} s");
    for r in &status.repos {
        println!(
            "repo{}: {} full, {} diff, {:.0} MB stored for a {:.0} MB database",
            r.repo,
            r.full_generations,
            r.diff_backups,
            mb(r.repository_bytes),
            mb(r.latest_database_bytes.unwrap_or(0))
        );
    }
    for r in &drill.restores {
        println!(
            "drill, {}: restore {:.1} s + recovery {:.1} s = RTO {:.1} s = {:.2}× the bare copy's restore",
            r.target,
            r.restore_seconds,
            r.recovery_seconds,
            r.rto_seconds,
            r.rto_seconds / baseline_restore.max(0.1)
        );
    }
    println!(
        "drill in all (two restores and their checks): {drill_seconds:.1} s; RPO: archive_timeout {} s, last segment archived {:.1} s before",
        drill.rpo.archive_timeout_seconds,
        drill.rpo.last_archived_age_seconds.unwrap_or(f64::NAN)
    );
    conn.close().await.ok();
    drop(app);
    drop(seaweed);
    drop(cluster);
    let _ = std::fs::remove_dir_all(root);
}

fn main() {
    karte_tests::bench::run(run());
}
