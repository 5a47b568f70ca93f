//! Backups of the database with pgBackRest, for an operator (`karte-server backup`): set-up,
//! runs to both repositories, status, verification, and the restore drill that proves a backup
//! by restoring it into a scratch cluster and checking what came back.
//!
//! Each run ends with a snapshot (`db::backup::snapshot`: every table's row count and a marker
//! row, in one transaction), the manifest of every stored file (key, SHA-256, size) and every log
//! chain's head. That run record is sealed with an HMAC under the server's secret key (not in the
//! database) and written to the work directory and to the write-once record store. A drill
//! restores to the snapshot's transaction and compares.

pub mod pgbackrest;

use crate::db::backup::{self as records_db, ChainHead, ManifestFile, MarkerKind, Snapshot};
use crate::files::{Checksum, CopyState, FileStores, RecordStore};
pub use crate::secrets::Seal;
use crate::secrets::{open_line, seal_line, SecretKey};
use anyhow::Context;
use pgbackrest::Setup;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The HMAC purpose of run records.
const RUN_MAC: &str = "karte/backup-run/v1";
/// Where run records go in the record store.
const RUNS_PREFIX: &str = "backup-runs";

/// What every backup command works with.
pub struct Backup {
    pub setup: Setup,
    /// The cluster superuser, connected to Karte's database (pgBackRest needs a superuser too;
    /// the counts and manifest cover every institution).
    pub admin: PgConnectOptions,
    /// The write-once store run records are kept in (besides the work directory).
    pub records: Option<RecordStore>,
    /// Seals run records; without it they are written unsealed and a drill says so.
    pub key: Option<SecretKey>,
}

/// full: everything; diff: what changed since the last full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BackupType {
    Full,
    Diff,
}

impl BackupType {
    fn code(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Diff => "diff",
        }
    }
}

/// A run's outcome in one repository.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepoRun {
    pub repo: u8,
    pub kind: BackupType,
    pub ok: bool,
    /// pgBackRest's label of the backup made (e.g. `20261205-054908F_20261206-030001D`).
    pub label: Option<String>,
    pub seconds: f64,
    pub error: Option<String>,
}

/// What a run recorded; sealed and kept outside the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub format: u32,
    pub run_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    pub repos: Vec<RepoRun>,
    /// The newest migration applied in the database backed up.
    pub migration_version: i64,
    pub snapshot: Snapshot,
    /// Every file a row records, as the stores must hold it.
    pub files: Vec<ManifestFile>,
    /// Every log chain's head at the snapshot.
    pub chains: Vec<ChainHead>,
    /// Whether WAL up to the snapshot reached both repositories (`pgbackrest check`).
    pub archived: bool,
}

impl RunRecord {
    pub fn ok(&self) -> bool {
        self.archived && self.repos.iter().all(|r| r.ok)
    }
}

/// A run record as read back: whether its seal held.
#[derive(Debug, Clone)]
pub struct ReadRecord {
    pub record: RunRecord,
    pub seal: Seal,
}

/// The record's file: [`crate::secrets::seal_line`].
fn seal_record(record: &RunRecord, key: Option<&SecretKey>) -> anyhow::Result<Vec<u8>> {
    Ok(seal_line(key, RUN_MAC, &serde_json::to_string(record)?))
}

fn open_record(bytes: &[u8], key: Option<&SecretKey>) -> anyhow::Result<ReadRecord> {
    let (json, seal) = open_line(key, RUN_MAC, bytes)?;
    let record: RunRecord = serde_json::from_str(json).context("reading a run record")?;
    Ok(ReadRecord { record, seal })
}

fn seconds(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 10.0).round() / 10.0
}

fn run_id(at: OffsetDateTime) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}", crate::clock::compact_utc(at), &id[..8])
}

/// What `backup setup` did.
#[derive(Debug, Serialize)]
pub struct SetupReport {
    pub config: PathBuf,
    pub archive_command: String,
    /// Settings changed with ALTER SYSTEM (with `--apply`).
    pub applied: Vec<String>,
    /// PostgreSQL must be restarted for a setting to take effect (archive_mode, wal_level).
    pub restart_needed: bool,
    /// `pgbackrest check` passed (archiving works to both repositories).
    pub checked: bool,
}

impl Backup {
    async fn admin_conn(&self) -> anyhow::Result<PgConnection> {
        self.admin
            .connect()
            .await
            .context("connecting as the cluster's superuser (KARTE_ADMIN_DATABASE_URL)")
    }

    /// Writes pgBackRest's configuration, creates the stanza in both repositories (before
    /// archiving is switched on: the other order fails on a lock), and with `apply` sets
    /// `archive_mode`, `archive_command`, `archive_timeout` and `wal_level` by ALTER SYSTEM.
    /// When archiving is already on, `pgbackrest check` proves it reaches both repositories.
    pub async fn setup(&self, apply: bool) -> anyhow::Result<SetupReport> {
        self.setup.write_config().await?;
        self.setup.run(&["stanza-create"]).await?;
        let mut conn = self.admin_conn().await?;
        let mut applied = Vec::new();
        if apply {
            let archive_command = self.setup.archive_command();
            for (name, value) in [
                ("wal_level", "replica"),
                ("archive_mode", "on"),
                ("archive_command", archive_command.as_str()),
                // At most a minute of committed work waits in a WAL segment not yet archived.
                ("archive_timeout", "60s"),
            ] {
                let current: String = sqlx::query_scalar("select current_setting($1)")
                    .bind(name)
                    .fetch_one(&mut conn)
                    .await?;
                let same = current == value || (name == "archive_timeout" && current == "1min");
                if same || (name == "wal_level" && current == "logical") {
                    continue;
                }
                let quoted = value.replace('\'', "''");
                sqlx::query(&format!("alter system set {name} = '{quoted}'"))
                    .execute(&mut conn)
                    .await
                    .with_context(|| format!("ALTER SYSTEM SET {name}"))?;
                applied.push(name.to_string());
            }
            sqlx::query("select pg_reload_conf()")
                .execute(&mut conn)
                .await?;
            // The reload is asynchronous: give it a moment before reading pending_restart.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let restart_needed: bool = sqlx::query_scalar(
            "select coalesce(bool_or(pending_restart), false) from pg_settings
             where name in ('archive_mode', 'wal_level')",
        )
        .fetch_one(&mut conn)
        .await?;
        let archiving: String = sqlx::query_scalar("select current_setting('archive_mode')")
            .fetch_one(&mut conn)
            .await?;
        let checked = if archiving != "off" && !restart_needed {
            self.setup.run(&["check"]).await?;
            true
        } else {
            false
        };
        Ok(SetupReport {
            config: self.setup.config_path(),
            archive_command: self.setup.archive_command(),
            applied,
            restart_needed,
            checked,
        })
    }

    /// A backup to both repositories (each its own `backup --repo=N`: one that fails does not
    /// stop the other), then the snapshot, the file manifest and the chain heads, then
    /// `pgbackrest check` (switches WAL and waits until both repositories have it), and the
    /// sealed run record written to the work directory and the record store. `kind` `None`:
    /// full when the repository has no full backup newer than `full_every_days`, else diff.
    pub async fn run(
        &self,
        kind: Option<BackupType>,
        full_every_days: u32,
    ) -> anyhow::Result<RunRecord> {
        self.setup.write_config().await?;
        let started_at = OffsetDateTime::now_utc();
        let info = self.setup.info().await.ok();
        let mut repos = Vec::new();
        for repo in [1u8, 2] {
            let kind = kind.unwrap_or_else(|| {
                let newest_full = info.as_ref().and_then(|i| {
                    i.backup
                        .iter()
                        .filter(|b| b.database.repo_key == repo && b.kind == "full")
                        .map(|b| b.timestamp.stop)
                        .max()
                });
                let due = started_at.unix_timestamp() - i64::from(full_every_days) * 86_400;
                match newest_full {
                    Some(stop) if stop > due => BackupType::Diff,
                    _ => BackupType::Full,
                }
            });
            let t = Instant::now();
            let result = self
                .setup
                .run(&[
                    &format!("--repo={repo}"),
                    &format!("--type={}", kind.code()),
                    "backup",
                ])
                .await;
            repos.push(RepoRun {
                repo,
                kind,
                ok: result.is_ok(),
                label: None,
                seconds: seconds(t),
                error: result.err().map(|e| format!("{e:#}")),
            });
        }
        if let Ok(info) = self.setup.info().await {
            for r in repos.iter_mut().filter(|r| r.ok) {
                r.label = info
                    .backup
                    .iter()
                    .filter(|b| b.database.repo_key == r.repo)
                    .map(|b| b.label.clone())
                    .next_back();
            }
        }
        let mut conn = self.admin_conn().await?;
        let mut reader = self.admin_conn().await?;
        let records_db::SnapshotContents {
            snapshot,
            files,
            chains,
        } = records_db::snapshot(
            &mut conn,
            &mut reader,
            MarkerKind::Run,
            Duration::from_secs(30),
        )
        .await?;
        reader.close().await.ok();
        let migration_version = records_db::migration_version(&mut conn)
            .await?
            .context("no migrations applied")?;
        conn.close().await.ok();
        let archived = match self.setup.run(&["check"]).await {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "WAL did not reach both repositories");
                false
            }
        };
        let record = RunRecord {
            format: 1,
            run_id: run_id(started_at),
            started_at,
            finished_at: OffsetDateTime::now_utc(),
            repos,
            migration_version,
            snapshot,
            files,
            chains,
            archived,
        };
        let bytes = seal_record(&record, self.key.as_ref())?;
        let name = format!("{}.json", record.run_id);
        let local = self.setup.work_dir.join("runs").join(&name);
        crate::secrets::write_private(&local, &bytes)?;
        if let Some(store) = &self.records {
            store
                .put_new(&format!("{RUNS_PREFIX}/{name}"), bytes)
                .await
                .context("writing the run record to the record store")?;
            // The snapshot's chain heads are an anchor too.
            if let Some(key) = &self.key {
                crate::logs::anchor::write(store, key, record.chains.clone()).await?;
            }
        }
        Ok(record)
    }

    /// The newest run record (any outcome): from the record store when there is one (it
    /// outlives this machine), else the work directory.
    pub async fn latest_record(&self) -> anyhow::Result<Option<ReadRecord>> {
        self.newest_record(|_| true).await
    }

    /// The newest run record `wanted` accepts, newest first (a record that does not read is an
    /// error: it may be the one wanted).
    pub async fn newest_record(
        &self,
        wanted: impl Fn(&RunRecord) -> bool,
    ) -> anyhow::Result<Option<ReadRecord>> {
        let names: Vec<String> = match &self.records {
            Some(store) => store.keys(RUNS_PREFIX).await?,
            None => {
                let dir = self.setup.work_dir.join("runs");
                let mut names: Vec<String> = match std::fs::read_dir(&dir) {
                    Ok(entries) => entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "json"))
                        .map(|p| p.display().to_string())
                        .collect(),
                    Err(_) => return Ok(None),
                };
                names.sort();
                names
            }
        };
        for name in names.iter().rev() {
            let bytes = match &self.records {
                Some(store) => store.get(name).await?.to_vec(),
                None => std::fs::read(name).with_context(|| format!("reading {name}"))?,
            };
            let read = open_record(&bytes, self.key.as_ref())?;
            if wanted(&read.record) {
                return Ok(Some(read));
            }
        }
        Ok(None)
    }

    /// Generations, last success, sizes and archive lag per repository.
    pub async fn status(&self) -> anyhow::Result<StatusReport> {
        self.setup.write_config().await?;
        let info = self.setup.info().await?;
        let mut conn = self.admin_conn().await?;
        let wal = records_db::wal_state(&mut conn).await?;
        conn.close().await.ok();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let current = pgbackrest::wal_segment_number(&wal.current_segment);
        let repos = (1u8..=2)
            .map(|repo| {
                let backups: Vec<_> = info
                    .backup
                    .iter()
                    .filter(|b| b.database.repo_key == repo)
                    .collect();
                let latest = backups.last();
                let archive_max = info
                    .archive
                    .iter()
                    .filter(|a| a.database.repo_key == repo)
                    .filter_map(|a| a.max.clone())
                    .max();
                let status = info.repo.iter().find(|r| r.key == repo);
                RepoStatus {
                    repo,
                    location: self.setup.repos[usize::from(repo - 1)].location.describe(),
                    ok: status.is_some_and(|s| s.status.code == 0),
                    message: status
                        .map(|s| s.status.message.clone())
                        .unwrap_or_else(|| "not in pgbackrest info".into()),
                    full_generations: backups.iter().filter(|b| b.kind == "full").count(),
                    diff_backups: backups.iter().filter(|b| b.kind == "diff").count(),
                    latest_label: latest.map(|b| b.label.clone()),
                    latest_type: latest.map(|b| b.kind.clone()),
                    latest_age_hours: latest.map(|b| (now - b.timestamp.stop) as f64 / 3600.0),
                    latest_database_bytes: latest.map(|b| b.info.size),
                    repository_bytes: backups.iter().map(|b| b.info.repository.delta).sum(),
                    // The segment being written is not due yet: lag counts those before it.
                    archive_lag_segments: match (
                        current,
                        archive_max
                            .as_deref()
                            .and_then(pgbackrest::wal_segment_number),
                    ) {
                        (Some(c), Some(m)) => Some(c.saturating_sub(m).saturating_sub(1)),
                        _ => None,
                    },
                    archive_max,
                }
            })
            .collect();
        let last_run = self.latest_record().await.ok().flatten().map(|r| LastRun {
            run_id: r.record.run_id.clone(),
            finished_at: r.record.finished_at,
            ok: r.record.ok(),
            seal: r.seal,
        });
        Ok(StatusReport {
            repos,
            wal,
            last_run,
        })
    }

    /// `pgbackrest verify` per repository, its output read for what it found (it exits 0 on
    /// corruption), and the newest run record's seal.
    pub async fn verify(&self) -> anyhow::Result<VerifyReport> {
        self.setup.write_config().await?;
        let mut repos = Vec::new();
        for repo in [1u8, 2] {
            let (ok, text) = self
                .setup
                .run_unchecked(&[
                    &format!("--repo={repo}"),
                    "--log-level-console=info",
                    "verify",
                ])
                .await?;
            let findings = pgbackrest::verify_findings(ok, &text);
            repos.push(RepoVerify {
                repo,
                ok: findings.is_empty(),
                findings,
            });
        }
        let record_seal = self.latest_record().await?.map(|r| r.seal);
        Ok(VerifyReport { repos, record_seal })
    }
}

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub repos: Vec<RepoStatus>,
    pub wal: records_db::WalState,
    pub last_run: Option<LastRun>,
}

impl StatusReport {
    /// What an operator must be alerted to: a repository not ok, its newest backup older than
    /// `max_age_hours` (or none), WAL more than `max_lag_segments` behind, archiving failing
    /// since its last success, the last run failed or its seal broken.
    pub fn problems(&self, max_age_hours: f64, max_lag_segments: u64) -> Vec<String> {
        let mut out = Vec::new();
        for r in &self.repos {
            if !r.ok {
                out.push(format!("repo{}: {}", r.repo, r.message));
            }
            match r.latest_age_hours {
                Some(age) if age <= max_age_hours => {}
                Some(age) => out.push(format!("repo{}: newest backup {age:.1} h old", r.repo)),
                None => out.push(format!("repo{}: no backup", r.repo)),
            }
            match r.archive_lag_segments {
                Some(lag) if lag <= max_lag_segments => {}
                Some(lag) => out.push(format!("repo{}: WAL {lag} segments behind", r.repo)),
                None => out.push(format!("repo{}: no WAL archived", r.repo)),
            }
        }
        if let Some(failed) = self.wal.last_failed_time {
            if self.wal.last_archived_time.is_none_or(|ok| failed > ok) {
                out.push("WAL archiving is failing".into());
            }
        }
        match &self.last_run {
            Some(run) if !run.ok => out.push(format!("the last run {} failed", run.run_id)),
            Some(run) if run.seal == Seal::Broken => out.push(format!(
                "the last run's record {} is not sealed by this key",
                run.run_id
            )),
            _ => {}
        }
        out
    }
}

#[derive(Debug, Serialize)]
pub struct LastRun {
    pub run_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    pub ok: bool,
    pub seal: Seal,
}

#[derive(Debug, Serialize)]
pub struct RepoStatus {
    pub repo: u8,
    pub location: String,
    pub ok: bool,
    pub message: String,
    pub full_generations: usize,
    pub diff_backups: usize,
    pub latest_label: Option<String>,
    pub latest_type: Option<String>,
    pub latest_age_hours: Option<f64>,
    pub latest_database_bytes: Option<u64>,
    pub repository_bytes: u64,
    pub archive_max: Option<String>,
    pub archive_lag_segments: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub repos: Vec<RepoVerify>,
    pub record_seal: Option<Seal>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.repos.iter().all(|r| r.ok) && self.record_seal != Some(Seal::Broken)
    }
}

#[derive(Debug, Serialize)]
pub struct RepoVerify {
    pub repo: u8,
    pub ok: bool,
    pub findings: Vec<String>,
}

pub mod drill;

/// Compares counts: the tables whose numbers differ, as (table, recorded, restored).
pub fn count_differences(
    recorded: &BTreeMap<String, i64>,
    restored: &BTreeMap<String, i64>,
) -> Vec<(String, Option<i64>, Option<i64>)> {
    let mut tables: Vec<&String> = recorded.keys().chain(restored.keys()).collect();
    tables.sort();
    tables.dedup();
    tables
        .into_iter()
        .filter_map(|t| {
            let (a, b) = (recorded.get(t).copied(), restored.get(t).copied());
            (a != b).then(|| (t.clone(), a, b))
        })
        .collect()
}

/// Each file of `files` in both stores: how many copies are good, and the files with a bad or
/// missing copy (key, state of A, state of B). Reads only.
pub async fn check_files(
    stores: &FileStores,
    files: &[ManifestFile],
) -> anyhow::Result<(usize, Vec<(String, CopyState, CopyState)>)> {
    let mut good = 0;
    let mut bad = Vec::new();
    for f in files {
        let sha = crate::chain::unhex32(&f.sha256)
            .context("a manifest SHA-256 is not 32 bytes of hex")?;
        let expected = Checksum {
            sha256: sha,
            size: f.size,
        };
        let [a, b] = stores.inspect(&f.key, &expected).await;
        if a == CopyState::Good && b == CopyState::Good {
            good += 1;
        } else {
            bad.push((f.key.clone(), a, b));
        }
    }
    Ok((good, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RunRecord {
        RunRecord {
            format: 1,
            run_id: "20261205T030000Z-abcdef01".into(),
            started_at: time::macros::datetime!(2026-12-05 03:00 UTC),
            finished_at: time::macros::datetime!(2026-12-05 03:01 UTC),
            repos: vec![RepoRun {
                repo: 1,
                kind: BackupType::Full,
                ok: true,
                label: Some("20261205-030000F".into()),
                seconds: 4.5,
                error: None,
            }],
            migration_version: 20261213000032,
            snapshot: Snapshot {
                marker_id: uuid::Uuid::nil(),
                at: time::macros::datetime!(2026-12-05 03:00:30 UTC),
                xid: "1234".into(),
                counts: [("patient".to_string(), 3)].into_iter().collect(),
            },
            files: vec![],
            chains: vec![],
            archived: true,
        }
    }

    #[test]
    fn a_run_record_sealed_with_the_key_opens_and_a_changed_one_does_not() {
        let key = SecretKey::generate();
        let bytes = seal_record(&record(), Some(&key)).unwrap();
        let read = open_record(&bytes, Some(&key)).unwrap();
        assert_eq!(read.seal, Seal::Intact);
        assert_eq!(read.record.snapshot.counts["patient"], 3);
        let changed = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("\"patient\":3", "\"patient\":4");
        assert_eq!(
            open_record(changed.as_bytes(), Some(&key)).unwrap().seal,
            Seal::Broken
        );
        assert_eq!(
            open_record(&bytes, Some(&SecretKey::generate()))
                .unwrap()
                .seal,
            Seal::Broken
        );
        assert_eq!(open_record(&bytes, None).unwrap().seal, Seal::Unchecked);
        let unsealed = seal_record(&record(), None).unwrap();
        assert_eq!(
            open_record(&unsealed, Some(&key)).unwrap().seal,
            Seal::Broken
        );
        assert!(open_record(b"", Some(&key)).is_err());
        assert!(open_record(b"{\n", Some(&key)).is_err());
    }

    #[test]
    fn count_differences_name_each_table_that_differs() {
        let a: BTreeMap<String, i64> = [("a".into(), 1), ("b".into(), 2)].into_iter().collect();
        let b: BTreeMap<String, i64> = [("a".into(), 1), ("b".into(), 3), ("c".into(), 0)]
            .into_iter()
            .collect();
        assert_eq!(
            count_differences(&a, &b),
            vec![
                ("b".to_string(), Some(2), Some(3)),
                ("c".to_string(), None, Some(0))
            ]
        );
        assert!(count_differences(&a, &a).is_empty());
    }
}
