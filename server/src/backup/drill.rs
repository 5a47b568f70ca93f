//! The restore drill: a backup counts only once a restore from it has been shown to work.
//!
//! Two restores from one repository into a scratch cluster under the work directory, one after
//! the other: to the newest run's snapshot (a point in time: the counts must equal the recorded
//! ones exactly, and nothing written later may be there) and to the latest WAL archived (a
//! marker written just before must be there). The scratch cluster listens on no TCP port, only
//! on a socket in its own directory, and does not archive (`archive_mode=off`: a drill must never
//! push WAL into the production repositories). Each restore is started, waited out of recovery,
//! checked and stopped.

use super::{check_files, count_differences, records_db, Backup, ReadRecord, Seal};
use crate::db::backup::MarkerKind;
use crate::db::{Db, APP_ROLE, MIGRATOR};
use crate::files::FileStores;
use anyhow::{bail, Context};
use serde::Serialize;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

/// How long recovery may take before the drill gives up.
const RECOVERY_LIMIT: Duration = Duration::from_secs(30 * 60);

pub struct DrillOptions {
    /// The repository restored from (1 or 2).
    pub repo: u8,
    /// Names the scratch cluster's socket (it listens on no TCP port).
    pub port: u16,
    /// Leave the restored copies (stopped) under the work directory.
    pub keep: bool,
    /// The two file stores the restored rows' files are checked in (read only).
    pub stores: FileStores,
}

#[derive(Debug, Serialize)]
pub struct DrillReport {
    pub run_id: String,
    pub repo: u8,
    pub record_seal: Seal,
    pub restores: Vec<RestoreReport>,
    pub rpo: Rpo,
}

impl DrillReport {
    /// Every restore proven, the record's seal intact (when checked), and WAL reaching both
    /// repositories now.
    pub fn ok(&self) -> bool {
        self.record_seal != Seal::Broken
            && self.restores.iter().all(RestoreReport::ok)
            && self.rpo.archive_reaches_both
    }
}

#[derive(Debug, Serialize)]
pub struct RestoreReport {
    pub target: String,
    /// pgBackRest's restore of the files.
    pub restore_seconds: f64,
    /// Start, WAL replay and promotion.
    pub recovery_seconds: f64,
    /// The two together: the time to recover (RTO) measured.
    pub rto_seconds: f64,
    pub checks: Vec<Check>,
}

impl RestoreReport {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// The data-loss window (RPO): committed work not yet archived is what a lost server takes with
/// it. The drill switches WAL before it restores the latest (so that restore proves the archive
/// reaches the present), so it cannot show a loss itself; what it reports is the bound
/// (`archive_timeout`) and, measured when the drill began, how long the work then unarchived
/// had been waiting.
#[derive(Debug, Serialize)]
pub struct Rpo {
    pub archive_timeout_seconds: i64,
    /// Seconds since the last WAL segment was archived, when the drill began: the window a
    /// server lost at that moment would have lost, at most.
    pub last_archived_age_seconds: Option<f64>,
    /// `pgbackrest check` (switch WAL and wait until both repositories have it) passed.
    pub archive_reaches_both: bool,
}

enum Target<'a> {
    /// The run's snapshot transaction.
    Snapshot(&'a ReadRecord),
    /// The end of the archived WAL; the drill's marker must be there.
    Latest(Uuid),
}

impl Backup {
    pub async fn drill(&self, opts: &DrillOptions) -> anyhow::Result<DrillReport> {
        if !(1..=2).contains(&opts.repo) {
            bail!("--repo is 1 or 2");
        }
        self.setup.write_config().await?;
        // The newest run that reached this repository and archived its WAL: a failed run
        // after it does not make every drill fail.
        let repo = opts.repo;
        let record = self
            .newest_record(|r| r.archived && r.repos.iter().any(|x| x.repo == repo && x.ok))
            .await?
            .with_context(|| {
                format!("no backup run to repository {repo} is recorded as done: run `karte-server backup run`")
            })?;
        let mut restores = Vec::new();
        restores.push(
            self.restore_and_check(opts, Target::Snapshot(&record))
                .await?,
        );

        // The latest: a marker now, WAL switched and archived, then everything restored.
        let mut conn = self.admin_conn().await?;
        let wal = records_db::wal_state(&mut conn).await?;
        let (marker, _) = records_db::insert_marker(&mut conn, MarkerKind::Drill).await?;
        conn.close().await.ok();
        let archive_reaches_both = match self.setup.run(&["check"]).await {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "WAL did not reach both repositories");
                false
            }
        };
        restores.push(self.restore_and_check(opts, Target::Latest(marker)).await?);
        let now = OffsetDateTime::now_utc();
        Ok(DrillReport {
            run_id: record.record.run_id.clone(),
            repo: opts.repo,
            record_seal: record.seal,
            restores,
            rpo: Rpo {
                archive_timeout_seconds: wal.archive_timeout_seconds,
                last_archived_age_seconds: wal
                    .last_archived_time
                    .map(|t| ((now - t).as_seconds_f64() * 10.0).round() / 10.0),
                archive_reaches_both,
            },
        })
    }

    async fn restore_and_check(
        &self,
        opts: &DrillOptions,
        target: Target<'_>,
    ) -> anyhow::Result<RestoreReport> {
        let dir = self.setup.work_dir.join("drill");
        let data = dir.join("data");
        // A copy left by an earlier drill (kept, or cut short) is stopped and replaced.
        if data.join("postmaster.pid").exists() {
            let _ = self.pg_ctl(&data, &["-m", "immediate", "-w", "stop"]).await;
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("run"))
            .with_context(|| format!("creating {}", dir.display()))?;
        std::fs::create_dir_all(&data)?;
        set_mode(&data, 0o700)?;
        set_mode(&dir.join("run"), 0o700)?;
        std::fs::write(dir.join("postgresql.conf"), "# Karte restore drill\n")?;
        std::fs::write(dir.join("pg_hba.conf"), "local all all trust\n")?;
        std::fs::write(dir.join("pg_ident.conf"), "")?;
        self.setup.give_to_owner(&dir).await?;

        let repo = format!("--repo={}", opts.repo);
        let pg1 = format!("--pg1-path={}", data.display());
        let mut args: Vec<String> = vec![
            repo,
            pg1,
            "--archive-mode=off".into(),
            "--log-level-console=warn".into(),
        ];
        let label;
        match &target {
            Target::Snapshot(r) => {
                label = r
                    .record
                    .repos
                    .iter()
                    .find(|x| x.repo == opts.repo)
                    .and_then(|x| x.label.clone())
                    .with_context(|| {
                        format!(
                            "run {} made no backup in repository {}",
                            r.record.run_id, opts.repo
                        )
                    })?;
                args.extend([
                    format!("--set={label}"),
                    "--type=xid".into(),
                    format!("--target={}", r.record.snapshot.xid),
                    "--target-action=promote".into(),
                ]);
            }
            Target::Latest(_) => {}
        }
        args.push("restore".into());
        let t = Instant::now();
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.setup.run(&arg_refs).await?;
        let restore_seconds = super::seconds(t);

        let t = Instant::now();
        let options = format!(
            "-c config_file='{}' -c hba_file='{}' -c ident_file='{}' -c port={} \
             -c listen_addresses='' -c unix_socket_directories='{}' -c archive_mode=off",
            dir.join("postgresql.conf").display(),
            dir.join("pg_hba.conf").display(),
            dir.join("pg_ident.conf").display(),
            opts.port,
            dir.join("run").display()
        );
        let log = dir.join("postgres.log");
        let started = self
            .pg_ctl(
                &data,
                &[
                    "-l",
                    &log.display().to_string(),
                    "-o",
                    &options,
                    "-w",
                    "-t",
                    &RECOVERY_LIMIT.as_secs().to_string(),
                    "start",
                ],
            )
            .await;
        let outcome = match started {
            Ok(()) => self.check_copy(opts, &dir, &target, t).await,
            Err(e) => Err(e.context(format!(
                "the restored copy did not start; see {}",
                log.display()
            ))),
        };
        let _ = self.pg_ctl(&data, &["-m", "fast", "-w", "stop"]).await;
        if !opts.keep {
            let _ = std::fs::remove_dir_all(&dir);
        }
        let (recovery_seconds, checks) = outcome?;
        Ok(RestoreReport {
            target: match &target {
                Target::Snapshot(r) => format!(
                    "point in time: run {} (transaction {})",
                    r.record.run_id, r.record.snapshot.xid
                ),
                Target::Latest(_) => "latest".into(),
            },
            restore_seconds,
            recovery_seconds,
            rto_seconds: ((restore_seconds + recovery_seconds) * 10.0).round() / 10.0,
            checks,
        })
    }

    async fn pg_ctl(&self, data: &Path, args: &[&str]) -> anyhow::Result<()> {
        let output = self
            .setup
            .command(&self.setup.pg_bin.join("pg_ctl"))
            .arg("-D")
            .arg(data)
            .args(args)
            .output()
            .await
            .context("running pg_ctl")?;
        if !output.status.success() {
            bail!(
                "pg_ctl {} failed: {}",
                args.last().copied().unwrap_or(""),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    /// Waits for the copy to leave recovery, then checks it. Returns the recovery time.
    async fn check_copy(
        &self,
        opts: &DrillOptions,
        dir: &Path,
        target: &Target<'_>,
        started: Instant,
    ) -> anyhow::Result<(f64, Vec<Check>)> {
        let scratch = |user: &str| -> PgConnectOptions {
            PgConnectOptions::new()
                .socket(dir.join("run"))
                .port(opts.port)
                .username(user)
                .database(self.admin.get_database().unwrap_or("karte"))
        };
        let admin_user = self.admin.get_username().to_string();
        let mut conn = scratch(&admin_user)
            .connect()
            .await
            .context("connecting to the restored copy")?;
        while records_db::in_recovery(&mut conn).await? {
            if started.elapsed() > RECOVERY_LIMIT {
                bail!("the restored copy was still recovering after {RECOVERY_LIMIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let recovery_seconds = super::seconds(started);
        let mut checks = Vec::new();

        let expected = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let version = records_db::migration_version(&mut conn).await?.unwrap_or(0);
        let recorded = match target {
            Target::Snapshot(r) => r.record.migration_version,
            Target::Latest(_) => expected,
        };
        checks.push(Check {
            name: "migrations",
            ok: version == expected && version == recorded,
            detail: format!("at {version} (this server: {expected}, recorded: {recorded})"),
        });

        checks.push(chains_check(scratch(APP_ROLE)).await);
        if let Target::Snapshot(r) = target {
            // The chains end exactly where the run recorded them.
            let heads = records_db::chain_heads(&mut conn).await?;
            checks.push(Check {
                name: "log chain heads",
                ok: heads == r.record.chains,
                detail: format!(
                    "{} chains, {} recorded at the snapshot",
                    heads.len(),
                    r.record.chains.len()
                ),
            });
        }

        match target {
            Target::Snapshot(r) => {
                let counts = records_db::counts(&mut conn).await?;
                let diffs = count_differences(&r.record.snapshot.counts, &counts);
                let rows: i64 = counts.values().sum();
                checks.push(Check {
                    name: "row counts",
                    ok: diffs.is_empty(),
                    detail: if diffs.is_empty() {
                        format!("{} tables, {rows} rows: as recorded", counts.len())
                    } else {
                        diffs
                            .iter()
                            .take(8)
                            .map(|(t, a, b)| format!("{t}: recorded {a:?}, restored {b:?}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    },
                });
                checks
                    .push(marker_check(&mut conn, r.record.snapshot.marker_id, "the run's").await?);
            }
            Target::Latest(marker) => {
                checks.push(marker_check(&mut conn, *marker, "the drill's").await?);
            }
        }

        let restored = records_db::stored_files(&mut conn).await?;
        conn.close().await.ok();
        if let Target::Snapshot(r) = target {
            checks.push(Check {
                name: "file manifest",
                ok: restored == r.record.files,
                detail: format!(
                    "{} files recorded by rows, {} in the run's manifest",
                    restored.len(),
                    r.record.files.len()
                ),
            });
        }
        let (good, bad) = check_files(&opts.stores, &restored).await?;
        checks.push(Check {
            name: "files in both stores",
            ok: bad.is_empty(),
            detail: if bad.is_empty() {
                format!("{good} files: both copies present with the recorded SHA-256")
            } else {
                bad.iter()
                    .take(8)
                    .map(|(key, a, b)| format!("{key}: A {}, B {}", a.code(), b.code()))
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        });
        Ok((recovery_seconds, checks))
    }
}

async fn chains_check(app: PgConnectOptions) -> Check {
    let result = async {
        let db = Db::connect(app, 2).await?;
        crate::logs::verify::verify_all(&db).await
    }
    .await;
    match result {
        Ok(reports) => {
            let broken: Vec<String> = reports
                .iter()
                .filter_map(|r| {
                    r.broken
                        .as_ref()
                        .map(|b| format!("{} {} at {}: {:?}", r.tenant_id, r.log, b.seq, b.problem))
                })
                .collect();
            Check {
                name: "log chains",
                ok: broken.is_empty(),
                detail: if broken.is_empty() {
                    format!(
                        "{} chains, {} rows: intact",
                        reports.len(),
                        reports.iter().map(|r| r.rows).sum::<i64>()
                    )
                } else {
                    broken.join("; ")
                },
            }
        }
        Err(e) => Check {
            name: "log chains",
            ok: false,
            detail: format!("could not be verified: {e:#}"),
        },
    }
}

async fn marker_check(conn: &mut PgConnection, id: Uuid, whose: &str) -> anyhow::Result<Check> {
    let found = records_db::marker(conn, id).await?;
    Ok(Check {
        name: "marker row",
        ok: found.is_some(),
        detail: match found {
            Some(_) => format!("{whose} marker {id} is there"),
            None => format!("{whose} marker {id} is missing"),
        },
    })
}

fn set_mode(path: &PathBuf, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("setting the mode of {}", path.display()))?;
    }
    Ok(())
}
