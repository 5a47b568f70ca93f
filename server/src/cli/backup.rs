//! `karte-server backup …`: the operator's side of `crate::backup`. Reports go to stdout as
//! text (or JSON with `--json`); a command whose check fails exits non-zero.

use super::FileStoreArgs;
use crate::backup::drill::{DrillOptions, DrillReport};
use crate::backup::pgbackrest::{Repo, RepoLocation, Setup};
use crate::backup::{Backup, BackupType, RunRecord, StatusReport, VerifyReport};
use crate::files::{RecordStore, StoreSpec};
use crate::secrets::SecretKey;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use sqlx::postgres::PgConnectOptions;
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Write pgBackRest's configuration, create the stanza in both repositories, and (with
    /// --apply) switch WAL archiving on by ALTER SYSTEM. Says when PostgreSQL must restart.
    Setup {
        #[command(flatten)]
        args: BackupArgs,
        /// Set archive_mode, archive_command, archive_timeout and wal_level with ALTER SYSTEM
        /// (otherwise only print what to set).
        #[arg(long)]
        apply: bool,
    },
    /// Back up to both repositories, then record the snapshot (row counts, a marker row), the
    /// manifest of stored files and the log chains' heads, sealed, in the record store.
    Run {
        #[command(flatten)]
        args: BackupArgs,
        /// full or diff; by default full when a repository's newest full backup is older than
        /// --full-every-days, else diff.
        #[arg(long = "type", value_enum)]
        kind: Option<BackupType>,
        #[arg(long, env = "KARTE_BACKUP_FULL_EVERY_DAYS", default_value_t = 7)]
        full_every_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Generations per repository, the newest backup and its age, sizes, WAL archive lag.
    /// Exits non-zero when something needs an operator (see the thresholds).
    Status {
        #[command(flatten)]
        args: BackupArgs,
        /// Alert when a repository's newest backup is older than this.
        #[arg(long, default_value_t = 26.0)]
        max_age_hours: f64,
        /// Alert when a repository's archived WAL is more segments behind than this.
        #[arg(long, default_value_t = 2)]
        max_lag_segments: u64,
        #[arg(long)]
        json: bool,
    },
    /// Check every file of both repositories (pgbackrest verify, read for what it found) and
    /// the newest run record's seal. Exits non-zero on any finding.
    Verify {
        #[command(flatten)]
        args: BackupArgs,
        #[arg(long)]
        json: bool,
    },
    /// Restore the newest run's snapshot and then the latest into a scratch cluster, start it
    /// and prove it: migrations, log chains, row counts, marker rows, files in both stores.
    /// Prints the times taken (RTO) and the data-loss window (RPO).
    Drill {
        #[command(flatten)]
        args: BackupArgs,
        #[command(flatten)]
        stores: FileStoreArgs,
        /// The repository to restore from (1 or 2).
        #[arg(long, default_value_t = 1)]
        repo: u8,
        /// Names the scratch cluster's socket (it listens on no TCP port).
        #[arg(long, default_value_t = 54330)]
        port: u16,
        /// Keep the restored copy (stopped) under the backup directory.
        #[arg(long)]
        keep: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Karte's directory for pgBackRest: its configuration (which holds the passphrases: mode
    /// 0600), spool, logs, locks, run records and drill copies.
    #[arg(
        long,
        env = "KARTE_BACKUP_DIR",
        default_value = "/var/lib/karte/backup"
    )]
    pub backup_dir: PathBuf,
    #[arg(long, env = "KARTE_BACKUP_STANZA", default_value = "karte")]
    pub stanza: String,
    /// A superuser's URL (pgBackRest connects as the same user, over the socket directory).
    #[arg(long, env = "KARTE_ADMIN_DATABASE_URL")]
    pub admin_url: String,
    /// Karte's database in the cluster.
    #[arg(long, env = "KARTE_DATABASE_NAME", default_value = "karte")]
    pub database: String,
    /// The cluster's data directory.
    #[arg(long, env = "KARTE_PG_DATA")]
    pub pg_data: PathBuf,
    #[arg(long, env = "KARTE_PG_PORT", default_value_t = 5432)]
    pub pg_port: u16,
    #[arg(
        long,
        env = "KARTE_PG_SOCKET_DIR",
        default_value = "/var/run/postgresql"
    )]
    pub pg_socket_dir: PathBuf,
    /// PostgreSQL's programs (pg_ctl); by default /usr/lib/postgresql/VERSION/bin for the data
    /// directory's version.
    #[arg(long, env = "KARTE_PG_BIN")]
    pub pg_bin: Option<PathBuf>,
    /// Repository 1: a directory (local disk or NFS) or s3://BUCKET/PATH?endpoint=HOST[:PORT]&region=R&credentials=FILE[&ca=FILE].
    #[arg(long, env = "KARTE_BACKUP_REPO1")]
    pub repo1: RepoLocation,
    /// One line of at least 20 characters; keep a copy off this machine.
    #[arg(long, env = "KARTE_BACKUP_REPO1_PASSPHRASE_FILE")]
    pub repo1_passphrase_file: PathBuf,
    /// Repository 2, the offline copy: an S3 bucket with Object Lock (compliance mode).
    #[arg(long, env = "KARTE_BACKUP_REPO2")]
    pub repo2: RepoLocation,
    /// Its own passphrase, not repository 1's.
    #[arg(long, env = "KARTE_BACKUP_REPO2_PASSPHRASE_FILE")]
    pub repo2_passphrase_file: PathBuf,
    /// Full backups kept per repository.
    #[arg(long, env = "KARTE_BACKUP_RETENTION_FULL", default_value_t = 30)]
    pub retention_full: u32,
    /// The write-once store run records are kept in: a directory, or a bucket with Object Lock
    /// (s3://BUCKET?endpoint=…&credentials=…, as for file stores).
    #[arg(long, env = "KARTE_BACKUP_RECORD_STORE")]
    pub record_store: Option<StoreSpec>,
    /// The server's secret key file; seals run records (HMAC).
    #[arg(long, env = "KARTE_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// When run as root: the cluster's owner, whom pgBackRest and pg_ctl run as.
    #[arg(long, env = "KARTE_BACKUP_RUN_AS")]
    pub run_as: Option<String>,
}

/// PostgreSQL's programs for a data directory of version `PG_VERSION`.
fn pg_bin_for(data: &std::path::Path) -> anyhow::Result<PathBuf> {
    let version = std::fs::read_to_string(data.join("PG_VERSION"))
        .with_context(|| format!("reading {}/PG_VERSION", data.display()))?;
    let bin = PathBuf::from(format!("/usr/lib/postgresql/{}/bin", version.trim()));
    if !bin.join("pg_ctl").exists() {
        bail!("{} has no pg_ctl: give --pg-bin", bin.display());
    }
    Ok(bin)
}

impl BackupArgs {
    pub fn backup(&self) -> anyhow::Result<Backup> {
        let admin = PgConnectOptions::from_str(&self.admin_url)
            .context("parsing KARTE_ADMIN_DATABASE_URL")?
            .database(&self.database);
        let pg_bin = match &self.pg_bin {
            Some(bin) => bin.clone(),
            None => pg_bin_for(&self.pg_data)?,
        };
        let key = self
            .secret_key_file
            .as_deref()
            .map(SecretKey::load)
            .transpose()?;
        Ok(Backup {
            setup: Setup {
                stanza: self.stanza.clone(),
                // pgBackRest compares it with the cluster's data_directory, literally.
                pg_data: std::fs::canonicalize(&self.pg_data)
                    .unwrap_or_else(|_| self.pg_data.clone()),
                pg_port: self.pg_port,
                pg_socket_dir: self.pg_socket_dir.clone(),
                pg_user: admin.get_username().to_string(),
                pg_bin,
                repos: [
                    Repo {
                        location: self.repo1.clone(),
                        passphrase_file: self.repo1_passphrase_file.clone(),
                    },
                    Repo {
                        location: self.repo2.clone(),
                        passphrase_file: self.repo2_passphrase_file.clone(),
                    },
                ],
                retention_full: self.retention_full,
                work_dir: self.backup_dir.clone(),
                run_as: self.run_as.clone(),
            },
            admin,
            records: self
                .record_store
                .as_ref()
                .map(RecordStore::open)
                .transpose()?,
            key,
        })
    }
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub async fn run(command: BackupCommand) -> anyhow::Result<()> {
    match command {
        BackupCommand::Setup { args, apply } => {
            let report = args.backup()?.setup(apply).await?;
            println!("configuration: {}", report.config.display());
            println!("archive_command = '{}'", report.archive_command);
            if apply {
                println!("changed by ALTER SYSTEM: {}", list(&report.applied));
            } else {
                println!(
                    "set in postgresql.conf (or run again with --apply): wal_level = replica, \
                     archive_mode = on, archive_timeout = 60s and the archive_command above"
                );
            }
            if report.restart_needed {
                println!("restart PostgreSQL now (archive_mode or wal_level changed), then run `backup setup` again to check");
            } else if report.checked {
                println!("check: WAL archiving reaches both repositories");
            }
            Ok(())
        }
        BackupCommand::Run {
            args,
            kind,
            full_every_days,
            json,
        } => {
            let record = args.backup()?.run(kind, full_every_days).await?;
            if json {
                print_json(&summary(&record))?;
            } else {
                print_run(&record);
            }
            if !record.ok() {
                bail!("the backup did not reach both repositories");
            }
            Ok(())
        }
        BackupCommand::Status {
            args,
            max_age_hours,
            max_lag_segments,
            json,
        } => {
            let report = args.backup()?.status().await?;
            if json {
                print_json(&report)?;
            } else {
                print_status(&report);
            }
            let problems = report.problems(max_age_hours, max_lag_segments);
            for p in &problems {
                eprintln!("ALERT: {p}");
            }
            if !problems.is_empty() {
                bail!("{} backup problems", problems.len());
            }
            Ok(())
        }
        BackupCommand::Verify { args, json } => {
            let report = args.backup()?.verify().await?;
            if json {
                print_json(&report)?;
            } else {
                print_verify(&report);
            }
            if !report.ok() {
                bail!("verification found problems");
            }
            Ok(())
        }
        BackupCommand::Drill {
            args,
            stores,
            repo,
            port,
            keep,
            json,
        } => {
            let options = DrillOptions {
                repo,
                port,
                keep,
                stores: stores.open()?,
            };
            let report = args.backup()?.drill(&options).await?;
            if json {
                print_json(&report)?;
            } else {
                print_drill(&report);
            }
            if !report.ok() {
                bail!("the restore drill failed");
            }
            Ok(())
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

/// A run record without its file list and chain heads (those are in the record itself).
fn summary(record: &RunRecord) -> serde_json::Value {
    serde_json::json!({
        "run_id": record.run_id,
        "ok": record.ok(),
        "repos": record.repos,
        "archived": record.archived,
        "snapshot": {
            "at": crate::clock::rfc3339(record.snapshot.at),
            "xid": record.snapshot.xid,
            "marker_id": record.snapshot.marker_id,
            "tables": record.snapshot.counts.len(),
            "rows": record.snapshot.counts.values().sum::<i64>(),
        },
        "files": record.files.len(),
        "chains": record.chains.len(),
        "migration_version": record.migration_version,
    })
}

fn print_run(record: &RunRecord) {
    println!("run {}", record.run_id);
    for r in &record.repos {
        match &r.error {
            None => println!(
                "repo{}: {} backup {} in {:.1} s",
                r.repo,
                serde_json::to_value(r.kind).unwrap_or_default(),
                r.label.as_deref().unwrap_or("?"),
                r.seconds
            ),
            Some(e) => println!("repo{}: FAILED after {:.1} s: {e}", r.repo, r.seconds),
        }
    }
    println!(
        "snapshot: transaction {} at {}: {} tables, {} rows; marker {}",
        record.snapshot.xid,
        crate::clock::rfc3339(record.snapshot.at),
        record.snapshot.counts.len(),
        record.snapshot.counts.values().sum::<i64>(),
        record.snapshot.marker_id
    );
    println!(
        "manifest: {} files; {} log chains",
        record.files.len(),
        record.chains.len()
    );
    println!(
        "WAL archived to both repositories: {}",
        if record.archived { "yes" } else { "NO" }
    );
}

fn print_status(report: &StatusReport) {
    for r in &report.repos {
        println!(
            "repo{} {} — {}: {} full generations, {} diff; newest {} ({}, {:.1} h ago, database {} bytes); repository {} bytes; WAL archived to {} (lag {} segments)",
            r.repo,
            r.location,
            if r.ok { "ok" } else { r.message.as_str() },
            r.full_generations,
            r.diff_backups,
            r.latest_label.as_deref().unwrap_or("none"),
            r.latest_type.as_deref().unwrap_or("-"),
            r.latest_age_hours.unwrap_or(f64::NAN),
            r.latest_database_bytes.unwrap_or(0),
            r.repository_bytes,
            r.archive_max.as_deref().unwrap_or("none"),
            r.archive_lag_segments
                .map(|n| n.to_string())
                .unwrap_or_else(|| "?".into())
        );
    }
    let w = &report.wal;
    println!(
        "WAL: writing {}; archived {} segments, last {} at {}; {} failures{}; archive_mode {}, archive_timeout {} s",
        w.current_segment,
        w.archived_count,
        w.last_archived_wal.as_deref().unwrap_or("none"),
        w.last_archived_time
            .map(crate::clock::rfc3339)
            .unwrap_or_else(|| "never".into()),
        w.failed_count,
        w.last_failed_time
            .map(|t| format!(" (last at {})", crate::clock::rfc3339(t)))
            .unwrap_or_default(),
        w.archive_mode,
        w.archive_timeout_seconds
    );
    match &report.last_run {
        Some(run) => println!(
            "last run: {} finished {} — {}; record seal {:?}",
            run.run_id,
            crate::clock::rfc3339(run.finished_at),
            if run.ok { "ok" } else { "FAILED" },
            run.seal
        ),
        None => println!("last run: none recorded"),
    }
}

fn print_verify(report: &VerifyReport) {
    for r in &report.repos {
        if r.ok {
            println!("repo{}: every backup and WAL file verified", r.repo);
        } else {
            println!("repo{}: PROBLEMS", r.repo);
            for f in &r.findings {
                println!("  {f}");
            }
        }
    }
    match report.record_seal {
        Some(seal) => println!("newest run record: seal {seal:?}"),
        None => println!("newest run record: none"),
    }
}

fn print_drill(report: &DrillReport) {
    println!(
        "drill of run {} from repo{} (record seal {:?})",
        report.run_id, report.repo, report.record_seal
    );
    for r in &report.restores {
        println!(
            "{}: restore {:.1} s + recovery {:.1} s = RTO {:.1} s — {}",
            r.target,
            r.restore_seconds,
            r.recovery_seconds,
            r.rto_seconds,
            if r.ok() { "OK" } else { "FAILED" }
        );
        for c in &r.checks {
            println!(
                "  [{}] {}: {}",
                if c.ok { "ok" } else { "NG" },
                c.name,
                c.detail
            );
        }
    }
    let rpo = &report.rpo;
    println!(
        "RPO: at most archive_timeout = {} s of committed work; the last WAL segment was archived {} before the drill; WAL reaches both repositories: {}",
        rpo.archive_timeout_seconds,
        rpo.last_archived_age_seconds
            .map(|s| format!("{s:.1} s"))
            .unwrap_or_else(|| "never".into()),
        if rpo.archive_reaches_both { "yes" } else { "NO" }
    );
}
