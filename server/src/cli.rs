//! The command line: `serve`, and the operator's commands (`db bootstrap`, `db migrate`,
//! `provision`, `demo`, `backup`, …). Every flag also reads an environment variable (see `--help`).

pub mod backup;

use crate::auth;
use crate::config::{RuntimeConfig, Settings, TlsSource};
use crate::db::{self, bootstrap, system, users, Db};
use crate::startup::{shutdown_on_signal, Application};
use crate::telemetry::LogFormat;
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use shared::api::devices::ClientCertMode;
use shared::api::users::NewUser;
use shared::domain::{DisplayName, InstitutionCode, InstitutionName, LoginId, Role};
use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "karte-server", version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("KARTE_COMMIT"), ")"),
          about = "Karte: クラウド電子カルテ — API server and operator commands")]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, env = "KARTE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and the API over HTTPS.
    Serve(Box<ServeArgs>),
    /// Database set-up and migrations.
    #[command(subcommand)]
    Db(DbCommand),
    /// Create an institution (医療機関) and its first administrator; prints a one-time password.
    Provision(ProvisionArgs),
    /// Create the demo institution and users on first run; print their logins every run.
    Demo(DemoArgs),
    /// Access and audit logs.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Billing masters (支払基金 基本マスター): import and list.
    #[command(subcommand)]
    Masters(MastersCommand),
    /// Device certificates (端末認証), for the operator: register an institution's first device
    /// (with client certificates required, its administrator cannot sign in from anywhere else).
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Month-end claims (レセプト), for operators and scripts.
    #[command(subcommand)]
    Claims(ClaimsCommand),
    /// Attachments' two file stores: the scrub.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Export one institution whole (every table's rows, the logs, the files, the filed UKE
    /// files, a manifest of SHA-256s) into a directory: how a clinic leaves or moves.
    Export {
        /// 医療機関コード.
        #[arg(long)]
        institution: String,
        /// A directory that does not exist yet or is empty.
        #[arg(long)]
        out: PathBuf,
        /// PostgreSQL URL of the owner role (karte_owner).
        #[arg(long, env = "KARTE_OWNER_DATABASE_URL")]
        owner_url: String,
        #[command(flatten)]
        stores: FileStoreArgs,
    },
    /// Import an institution exported by `export` into this database (at the same migration)
    /// and its file stores; refused, changing nothing, if any file differs from the manifest
    /// or the institution is already here.
    Import {
        /// The export's directory.
        #[arg(long)]
        from: PathBuf,
        /// PostgreSQL URL of the owner role (karte_owner).
        #[arg(long, env = "KARTE_OWNER_DATABASE_URL")]
        owner_url: String,
        #[command(flatten)]
        stores: FileStoreArgs,
    },
    /// Backups with pgBackRest: set-up, runs to both repositories, status, verification and
    /// the restore drill.
    #[command(subcommand)]
    Backup(Box<backup::BackupCommand>),
    /// Price one visit: read it as JSON on stdin, print the priced result as JSON (lines,
    /// total points, the patient's share, warnings), with the masters valid on its date.
    Price {
        /// PostgreSQL URL of the application role.
        #[arg(long, env = "KARTE_DATABASE_URL")]
        database_url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Register a device certificate with an institution.
    Register {
        #[arg(long, env = "KARTE_DATABASE_URL")]
        database_url: String,
        /// 医療機関コード.
        #[arg(long)]
        code: String,
        /// What the device is called (e.g. "受付1番端末").
        #[arg(long)]
        name: String,
        /// The device's certificate (PEM file).
        #[arg(long)]
        certificate: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum MastersCommand {
    /// Import official master files (.zip as published, or the extracted .csv/.txt), full or
    /// diff, in edition order. Each file is all or nothing; a file imported before is skipped.
    Import {
        /// PostgreSQL URL of the owner role (karte_owner): masters are shared by every
        /// institution and the application role may only read them.
        #[arg(long, env = "KARTE_OWNER_DATABASE_URL")]
        owner_url: String,
        /// Files: s_ALL20240531.zip, s_20240621.csv, y_ALL….zip, t_…, c_…, b_…, z_…
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Cut the demo subset (server/masters-demo/) from official files: the rows of the codes
    /// Karte's demo uses, in the published layout. Give the latest full file of each master.
    DemoSubset {
        /// Where to write the subset files.
        #[arg(long)]
        out: PathBuf,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Import 日本郵便's 郵便番号データ (KEN_ALL.CSV or KEN_ALL.ZIP as published, CP932; or a
    /// UTF-8 file in the same layout): 郵便番号 fill in the address at registration. Replaces
    /// the previous import's addresses.
    Postal {
        /// PostgreSQL URL of the owner role (karte_owner).
        #[arg(long, env = "KARTE_OWNER_DATABASE_URL")]
        owner_url: String,
        file: PathBuf,
    },
    /// List what has been imported, per master.
    Status {
        #[arg(long, env = "KARTE_DATABASE_URL")]
        database_url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk every institution's access- and audit-log hash chains; report OK or the first
    /// broken position of each. With --record-store, each chain is also checked against the
    /// newest anchor kept there (a chain rewritten or cut behind it is broken). Exits non-zero
    /// if any chain is broken.
    Verify {
        /// PostgreSQL URL of the application role.
        #[arg(long, env = "KARTE_DATABASE_URL")]
        database_url: String,
        #[command(flatten)]
        anchors: AnchorArgs,
    },
    /// Move log rows logged before DATE (00:00 JST) out of the database: each chain's rows are
    /// checked, written as JSON lines to the write-once record store with a sealed manifest,
    /// read back and checked again, and only then removed by the owner role, which sets the
    /// chain's archive anchor in the same transaction.
    Archive {
        /// The first day kept (YYYY-MM-DD, JST): rows logged before it are archived.
        #[arg(long)]
        before: String,
        /// PostgreSQL URL of the application role (reads the chains).
        #[arg(long, env = "KARTE_DATABASE_URL")]
        database_url: String,
        /// PostgreSQL URL of the owner role (karte_owner): only it may remove log rows.
        #[arg(long, env = "KARTE_OWNER_DATABASE_URL")]
        owner_url: String,
        #[command(flatten)]
        anchors: AnchorArgs,
    },
    /// Anchor every chain's head outside the database: sealed with the server's secret key and
    /// written once to the write-once record store. Run it hourly (backup runs anchor too).
    Anchor {
        #[arg(long, env = "KARTE_DATABASE_URL")]
        database_url: String,
        #[command(flatten)]
        anchors: AnchorArgs,
    },
}

/// Where log anchors are kept and the key that seals them.
#[derive(Debug, Args)]
pub struct AnchorArgs {
    /// The write-once record store: a directory or an Object Lock bucket
    /// (s3://BUCKET?endpoint=…&credentials=…).
    #[arg(long, env = "KARTE_BACKUP_RECORD_STORE")]
    pub record_store: Option<crate::files::StoreSpec>,
    /// The server's secret key file (seals and checks anchors).
    #[arg(long, env = "KARTE_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// `audit verify`: check against this anchor (its name in the store, as `audit anchor`
    /// printed it) rather than the newest: after a restore to a point in time, the last anchor
    /// before that point.
    #[arg(long)]
    pub anchor: Option<String>,
}

impl AnchorArgs {
    /// The store and the key, when a store is named (then the key is required).
    fn open(
        &self,
    ) -> anyhow::Result<Option<(crate::files::RecordStore, crate::secrets::SecretKey)>> {
        let Some(spec) = &self.record_store else {
            return Ok(None);
        };
        let key_file = self
            .secret_key_file
            .as_deref()
            .context("anchors need the server's secret key: --secret-key-file")?;
        Ok(Some((
            crate::files::RecordStore::open(spec)?,
            crate::secrets::SecretKey::load(key_file)?,
        )))
    }
}

/// The two file stores: a directory (`file:/var/lib/karte/files-a` or a plain path), an
/// S3-compatible bucket (`s3://BUCKET?endpoint=https://host&region=R&credentials=FILE`) or a
/// GCS bucket (`gs://BUCKET?credentials=SERVICE_ACCOUNT.json`). Every file goes to both.
#[derive(Debug, Args)]
pub struct FileStoreArgs {
    /// The first file store.
    #[arg(long, env = "KARTE_FILE_STORE_A", default_value = ".karte/files/a")]
    pub file_store_a: crate::files::StoreSpec,
    /// The second file store (another disk, bucket or provider than the first).
    #[arg(long, env = "KARTE_FILE_STORE_B", default_value = ".karte/files/b")]
    pub file_store_b: crate::files::StoreSpec,
}

impl FileStoreArgs {
    fn specs(&self) -> [crate::files::StoreSpec; 2] {
        [self.file_store_a.clone(), self.file_store_b.clone()]
    }

    /// The two stores, opened (the operator's commands that read or write files).
    pub(crate) fn open(&self) -> anyhow::Result<crate::files::FileStores> {
        crate::files::FileStores::open(&self.file_store_a, &self.file_store_b)
    }
}

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Scrub: check both copies of every file of every institution against the SHA-256
    /// recorded in the database, rewrite a missing or corrupt copy from the good one (audited),
    /// and list objects no record names. Exits non-zero when a file has no good copy left or a
    /// bad copy could not be repaired.
    Verify {
        #[arg(long, env = "KARTE_DATABASE_URL")]
        database_url: String,
        #[command(flatten)]
        stores: FileStoreArgs,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KARTE_LISTEN", default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// PostgreSQL URL of the application role (karte_app).
    #[arg(long, env = "KARTE_DATABASE_URL")]
    pub database_url: String,
    #[arg(long, env = "KARTE_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// PEM certificate chain; with --tls-key. Without both, a self-signed certificate is used.
    #[arg(long, env = "KARTE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key; with --tls-cert.
    #[arg(long, env = "KARTE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Where the self-signed certificate is generated once and kept.
    #[arg(long, env = "KARTE_SELF_SIGNED_DIR", default_value = ".karte/tls")]
    pub self_signed_dir: PathBuf,
    /// The built app (trunk's dist directory).
    #[arg(long, env = "KARTE_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Minutes without a request after which a session ends.
    #[arg(long, env = "KARTE_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,
    /// Hours after login after which a session ends however active.
    #[arg(long, env = "KARTE_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,
    /// Sign-in attempts accepted per client address per minute (this server).
    #[arg(long, env = "KARTE_LOGIN_PER_IP_PER_MINUTE", default_value_t = 30)]
    pub login_per_ip_per_minute: u32,
    /// Sign-in attempts accepted per account per minute (all servers).
    #[arg(long, env = "KARTE_LOGIN_PER_ACCOUNT_PER_MINUTE", default_value_t = 10)]
    pub login_per_account_per_minute: u32,
    /// The origin users open the app at (https://host[:port]): the relying party of security
    /// keys and passkeys. Without it, WebAuthn works only on localhost.
    #[arg(long, env = "KARTE_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// File holding the server's secret key (64 hex digits), which seals TOTP keys in the
    /// database; created on first start. Give every server of a deployment the same file, and
    /// back it up apart from the database.
    #[arg(
        long,
        env = "KARTE_SECRET_KEY_FILE",
        default_value = ".karte/secret.key"
    )]
    pub secret_key_file: PathBuf,
    /// Client certificates (device authentication): off, optional or required.
    #[arg(long, env = "KARTE_CLIENT_CERTS", default_value = "off", value_parser = ["off", "optional", "required"])]
    pub client_certs: String,
    /// PEM of the CA that issues device certificates (with --client-certs optional/required).
    #[arg(long, env = "KARTE_CLIENT_CA")]
    pub client_ca: Option<PathBuf>,
    /// Largest request body accepted, in bytes (file uploads: --file-limit-bytes).
    #[arg(long, env = "KARTE_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,
    #[command(flatten)]
    pub file_stores: FileStoreArgs,
    /// The font generated PDFs (文書) print their text in (Debian: fonts-ipafont-mincho).
    #[arg(
        long,
        env = "KARTE_PDF_FONT",
        default_value = "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf"
    )]
    pub pdf_font: PathBuf,
    /// The font of their headings (Debian: fonts-ipafont-gothic).
    #[arg(
        long,
        env = "KARTE_PDF_HEADING_FONT",
        default_value = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"
    )]
    pub pdf_heading_font: PathBuf,
    /// Largest file accepted for upload (画像・文書), in bytes.
    #[arg(long, env = "KARTE_FILE_LIMIT_BYTES", default_value_t = crate::config::DEFAULT_FILE_LIMIT_BYTES)]
    pub file_limit_bytes: usize,
    /// Strict-Transport-Security max-age, in seconds.
    #[arg(long, env = "KARTE_HSTS_MAX_AGE", default_value_t = 31_536_000)]
    pub hsts_max_age: u64,
}

#[derive(Debug, Subcommand)]
pub enum ClaimsCommand {
    /// Build the month's claims from the finalised bills, as the 月次請求 screen does, and print
    /// them with their checks (レセプト点検) as JSON. Reads only; nothing is filed.
    Build {
        #[arg(long, env = "KARTE_DATABASE_URL")]
        database_url: String,
        /// 医療機関コード (10 digits).
        #[arg(long)]
        institution: String,
        /// 診療年月, YYYY-MM.
        #[arg(long)]
        month: String,
    },
    /// Write the UKE files of the month's latest filing, exactly as filed: DIR/1/RECEIPTC.UKE
    /// (社保, 支払基金) and DIR/2/RECEIPTC.UKE (国保連合会), those that exist.
    Uke {
        #[arg(long, env = "KARTE_DATABASE_URL")]
        database_url: String,
        /// 医療機関コード (10 digits).
        #[arg(long)]
        institution: String,
        /// 診療年月, YYYY-MM.
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// With a superuser URL: create the roles karte_owner, karte_app and karte_system, the
    /// database, and apply migrations. Safe to run again.
    Bootstrap {
        /// PostgreSQL URL of a superuser (used for this command only).
        #[arg(long, env = "KARTE_ADMIN_DATABASE_URL")]
        admin_url: String,
        /// Name of the database to create.
        #[arg(long, env = "KARTE_DATABASE_NAME", default_value = "karte")]
        database: String,
        #[arg(long, env = "KARTE_OWNER_PASSWORD", hide_env_values = true)]
        owner_password: Option<String>,
        #[arg(long, env = "KARTE_APP_PASSWORD", hide_env_values = true)]
        app_password: Option<String>,
        /// Drop the database first if it exists (for disposable databases such as the test
        /// template; never for one holding records).
        #[arg(long)]
        recreate: bool,
    },
    /// Apply pending migrations, connecting as the owner role (karte_owner).
    Migrate {
        #[arg(long, env = "KARTE_OWNER_DATABASE_URL")]
        owner_url: String,
    },
}

#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// PostgreSQL URL of the application role.
    #[arg(long, env = "KARTE_DATABASE_URL")]
    pub database_url: String,
    /// 医療機関コード (10 digits).
    #[arg(long)]
    pub code: String,
    /// 医療機関名称.
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "admin")]
    pub admin_login: String,
    #[arg(long, default_value = "管理者")]
    pub admin_name: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, env = "KARTE_DATABASE_URL")]
    pub database_url: String,
    /// Where the demo logins are kept (written once, readable by the owner only).
    #[arg(long, default_value = ".karte/demo-logins.txt")]
    pub logins_file: PathBuf,
}

/// The demo institution: obviously fictitious.
pub const DEMO_CODE: &str = "1319999999";
pub const DEMO_NAME: &str = "架空クリニック（デモ）";

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Backup(command) => backup::run(*command).await,
        Command::Export {
            institution,
            out,
            owner_url,
            stores,
        } => {
            let mut owner = owner_connection(&owner_url).await?;
            let stores = stores.open()?;
            let manifest = crate::services::export::export_institution(
                &mut owner,
                &stores,
                &institution,
                &out,
                |table, rows| eprintln!("{table}: {rows} rows"),
            )
            .await?;
            println!(
                "exported {} ({} tables, {} rows, {} files, {} claim files) to {}",
                manifest.institution_code,
                manifest.tables.len(),
                manifest.tables.iter().filter_map(|t| t.rows).sum::<u64>(),
                manifest.files.len(),
                manifest.claim_files.len(),
                out.display()
            );
            Ok(())
        }
        Command::Import {
            from,
            owner_url,
            stores,
        } => {
            let mut owner = owner_connection(&owner_url).await?;
            let stores = stores.open()?;
            let report =
                crate::services::export::import_institution(&mut owner, &stores, &from).await?;
            println!(
                "imported {} ({} tables, {} rows, {} files)",
                report.institution_code, report.tables, report.rows, report.files
            );
            Ok(())
        }
        Command::Files(FilesCommand::Verify {
            database_url,
            stores,
        }) => verify_files(&database_url, &stores).await,
        Command::Db(DbCommand::Bootstrap {
            admin_url,
            database,
            owner_password,
            app_password,
            recreate,
        }) => {
            let admin =
                PgConnectOptions::from_str(&admin_url).context("parsing the administrative URL")?;
            let passwords = bootstrap::RolePasswords {
                owner: owner_password,
                app: app_password,
            };
            let existing = if recreate {
                bootstrap::Existing::Recreate
            } else {
                bootstrap::Existing::Keep
            };
            bootstrap::bootstrap(&admin, &database, &passwords, existing).await?;
            println!(
                "database {database} is ready (roles {}, {}, {})",
                db::OWNER_ROLE,
                db::APP_ROLE,
                db::SYSTEM_ROLE
            );
            Ok(())
        }
        Command::Db(DbCommand::Migrate { owner_url }) => {
            bootstrap::migrate(
                &PgConnectOptions::from_str(&owner_url).context("parsing the owner URL")?,
            )
            .await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Provision(args) => provision(args).await,
        Command::Device(DeviceCommand::Register {
            database_url,
            code,
            name,
            certificate,
        }) => {
            let pem = std::fs::read_to_string(&certificate)
                .with_context(|| format!("reading {}", certificate.display()))?;
            let db = app_db(&database_url).await?;
            let code = shared::domain::InstitutionCode::parse(&code)
                .map_err(|e| anyhow::anyhow!("医療機関コード: {e}"))?;
            let device =
                crate::services::operator::register_device(&db, &code, &name, &pem).await?;
            println!(
                "registered {} ({})",
                device.name,
                shared::api::devices::display_fingerprint(&device.fingerprint)
            );
            Ok(())
        }
        Command::Demo(args) => demo(args).await,
        Command::Audit(AuditCommand::Verify {
            database_url,
            anchors,
        }) => verify_logs(&database_url, &anchors).await,
        Command::Audit(AuditCommand::Archive {
            before,
            database_url,
            owner_url,
            anchors,
        }) => archive_logs(&before, &database_url, &owner_url, &anchors).await,
        Command::Audit(AuditCommand::Anchor {
            database_url,
            anchors,
        }) => anchor_logs(&database_url, &anchors).await,
        Command::Masters(MastersCommand::Import { owner_url, files }) => {
            import_masters(&owner_url, &files).await
        }
        Command::Masters(MastersCommand::DemoSubset { out, files }) => {
            let inputs = master_inputs(&files)?
                .into_iter()
                .map(|i| (i.name, i.kind, i.bytes))
                .collect();
            for (file, rows) in crate::demo_masters::write_subset(inputs, &out)? {
                println!("{file}: {rows} rows");
            }
            Ok(())
        }
        Command::Masters(MastersCommand::Status { database_url }) => {
            masters_status(&database_url).await
        }
        Command::Masters(MastersCommand::Postal { owner_url, file }) => {
            let options =
                PgConnectOptions::from_str(&owner_url).context("parsing the owner URL")?;
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .context("connecting as the owner role")?;
            let result = import_postal_file(&pool, &file).await;
            pool.close().await;
            let done = result?;
            println!(
                "{}: import #{}: {} addresses",
                file.display(),
                done.seq,
                done.addresses
            );
            Ok(())
        }
        Command::Claims(ClaimsCommand::Build {
            database_url,
            institution,
            month,
        }) => {
            let (mut tx, month) = claims_tx(&database_url, &institution, &month).await?;
            // The same claims the 月次請求 screen shows: the month's, 月遅れ and returned ones.
            let context = db::claims::context(&mut tx, month).await?;
            for (_, bill) in context.unreadable() {
                eprintln!(
                    "bill {} version {} ({}) cannot be read: left out; finalise it again",
                    bill.bill_id, bill.version, bill.service_date
                );
            }
            let claims = context.build();
            crate::logs::audit::record(
                &mut tx,
                &crate::logs::audit::Actor::operator(),
                crate::logs::audit::AuditEvent::success(crate::logs::audit::action::CLAIMS_VIEW)
                    .target("claims_month", month.to_string())
                    .detail("claims", claims.len())
                    .detail("by", "command line"),
            )
            .await?;
            tx.commit().await?;
            println!("{}", serde_json::to_string_pretty(&claims)?);
            Ok(())
        }
        Command::Claims(ClaimsCommand::Uke {
            database_url,
            institution,
            month,
            out,
        }) => {
            let (mut tx, month) = claims_tx(&database_url, &institution, &month).await?;
            let filings = db::claims::filings(&mut tx, month).await?;
            let Some(latest) = filings.first() else {
                bail!("{month} has not been filed");
            };
            for file in &latest.files {
                let bytes = db::claims::file_bytes(&mut tx, latest.filing_id, file.payer)
                    .await?
                    .context("a filed UKE file")?;
                let dir = out.join(file.payer.code());
                std::fs::create_dir_all(&dir)?;
                let path = dir.join("RECEIPTC.UKE");
                std::fs::write(&path, &bytes)?;
                println!(
                    "{} {} ({} bytes, sha256 {})",
                    path.display(),
                    file.payer.label_ja(),
                    bytes.len(),
                    file.sha256
                );
            }
            crate::logs::audit::record(
                &mut tx,
                &crate::logs::audit::Actor::operator(),
                crate::logs::audit::AuditEvent::success(
                    crate::logs::audit::action::CLAIMS_DOWNLOAD,
                )
                .target("claim_filing", latest.filing_id)
                .detail("files", latest.files.len())
                .detail("by", "command line"),
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
        Command::Price { database_url } => {
            let mut input = String::new();
            std::io::Read::read_to_string(
                &mut std::io::Read::take(std::io::stdin(), PRICE_INPUT_LIMIT),
                &mut input,
            )
            .context("reading the visit from stdin (UTF-8 JSON)")?;
            if input.len() as u64 >= PRICE_INPUT_LIMIT {
                bail!("the visit on stdin is larger than {PRICE_INPUT_LIMIT} bytes");
            }
            let options =
                PgConnectOptions::from_str(&database_url).context("parsing KARTE_DATABASE_URL")?;
            let mut conn = sqlx::ConnectOptions::connect(&options).await?;
            let priced = price_json(&mut conn, &input).await?;
            println!("{}", serde_json::to_string_pretty(&priced)?);
            Ok(())
        }
    }
}

pub fn settings_from(args: &ServeArgs) -> anyhow::Result<Settings> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => TlsSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => TlsSource::SelfSigned {
            dir: args.self_signed_dir.clone(),
        },
    };
    if args.session_idle_minutes == 0 || args.session_max_hours == 0 {
        bail!("session timeouts must be positive");
    }
    let mode = ClientCertMode::from_code(&args.client_certs)
        .context("--client-certs must be off, optional or required")?;
    let ca_pem = match (&args.client_ca, mode) {
        (_, ClientCertMode::Off) => None,
        (Some(path), _) => Some(
            std::fs::read(path)
                .with_context(|| format!("reading the client CA {}", path.display()))?,
        ),
        (None, _) => bail!("--client-certs {} needs --client-ca", mode.code()),
    };
    Ok(Settings {
        listen: args.listen,
        database: PgConnectOptions::from_str(&args.database_url)
            .context("parsing KARTE_DATABASE_URL")?,
        db_max_connections: args.db_max_connections,
        tls,
        dist_dir: Some(args.dist.clone()),
        runtime: RuntimeConfig {
            idle_timeout: Duration::from_secs(args.session_idle_minutes * 60),
            session_lifetime: Duration::from_secs(args.session_max_hours * 3600),
            login_attempts_per_ip_per_minute: args.login_per_ip_per_minute.max(1),
            login_attempts_per_account_per_minute: args.login_per_account_per_minute.max(1),
            client_cert_mode: mode,
            secret_key: crate::secrets::SecretKey::load_or_create(&args.secret_key_file)?,
            file_limit_bytes: args.file_limit_bytes,
            public_origin: match &args.public_origin {
                Some(origin) => {
                    crate::webauthn::RelyingParty::from_origin(origin)
                        .context("KARTE_PUBLIC_ORIGIN must look like https://karte.example.jp")?;
                    Some(origin.clone())
                }
                None => None,
            },
        },
        body_limit_bytes: args.body_limit_bytes,
        file_stores: args.file_stores.specs(),
        pdf_fonts: crate::pdf::FontFiles {
            body: args.pdf_font.clone(),
            heading: args.pdf_heading_font.clone(),
        },
        hsts_max_age_seconds: args.hsts_max_age,
        benchmark_without_access_log: false,
        client_certs: crate::config::ClientCerts { mode, ca_pem },
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = settings_from(&args)?;
    let app = Application::build(settings).await?;
    tracing::info!(
        url = %format!("https://{}:{}", args.listen.ip(), app.port()),
        version = shared::VERSION,
        commit = crate::COMMIT,
        "Karte is serving"
    );
    tokio::spawn(shutdown_on_signal(app.handle()));
    app.run_until_stopped().await
}

/// `files verify`: the scrub, with its progress on stderr and its report on stdout.
async fn verify_files(database_url: &str, args: &FileStoreArgs) -> anyhow::Result<()> {
    let db = app_db(database_url).await?;
    let stores = args.open()?;
    for (name, place) in stores.describe() {
        eprintln!("store {name}: {place}");
    }
    let started = std::time::Instant::now();
    let mut last_shown = std::time::Instant::now();
    let report = crate::services::attachments::scrub(&db, &stores, |checked, total| {
        if checked == total || last_shown.elapsed() >= Duration::from_secs(1) {
            last_shown = std::time::Instant::now();
            eprintln!("checked {checked}/{total}");
        }
    })
    .await?;
    println!(
        "institutions: {}\nfiles: {}\nchecked: {}\nrepaired copies: {}\nunrepaired copies: {}\nlost files: {}\nunreadable files (a store did not answer): {}\nobjects no record names: {}\nseconds: {:.1}",
        report.institutions,
        report.files,
        report.checked,
        report.repaired,
        report.unrepaired,
        report.lost.len(),
        report.unavailable.len(),
        report.unnamed.len(),
        started.elapsed().as_secs_f64()
    );
    for (tenant, file) in &report.lost {
        println!("lost: institution {tenant} file {file}");
    }
    for (tenant, file) in &report.unavailable {
        println!("unreadable: institution {tenant} file {file}");
    }
    for (store, key) in &report.unnamed {
        println!("unnamed: store {store} {key}");
    }
    if report.unrepaired > 0 || !report.lost.is_empty() || !report.unavailable.is_empty() {
        bail!("some files have no good copy in both stores");
    }
    Ok(())
}

async fn app_db(url: &str) -> anyhow::Result<Db> {
    Db::connect(
        PgConnectOptions::from_str(url).context("parsing KARTE_DATABASE_URL")?,
        2,
    )
    .await
}

/// What `provision` created.
pub struct ProvisionOutcome {
    pub tenant_id: shared::ids::TenantId,
    pub code: InstitutionCode,
    pub name: InstitutionName,
    pub admin_login: LoginId,
    /// Shown once; the administrator must change it at first login.
    pub one_time_password: String,
}

fn parse_arg<T, E: std::fmt::Display>(flag: &str, parsed: Result<T, E>) -> anyhow::Result<T> {
    parsed.map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}

/// Creates an institution and its first administrator with a one-time password.
pub async fn provision_institution(
    db: &Db,
    args: &ProvisionArgs,
) -> anyhow::Result<ProvisionOutcome> {
    let new = system::NewInstitution {
        code: parse_arg("--code", InstitutionCode::parse(&args.code))?,
        name: parse_arg("--name", InstitutionName::parse(&args.name))?,
        admin_login_id: parse_arg("--admin-login", LoginId::parse(&args.admin_login))?,
        admin_name: parse_arg("--admin-name", DisplayName::parse(&args.admin_name))?,
    };
    let password = auth::one_time_password();
    let hash = auth::hash_password(password.clone()).await?;
    let (tenant_id, _) =
        match crate::services::operator::provision_institution(db, &new, &hash).await {
            Ok(ids) => ids,
            Err(e) => return Err(e.into()),
        };
    Ok(ProvisionOutcome {
        tenant_id,
        code: new.code,
        name: new.name,
        admin_login: new.admin_login_id,
        one_time_password: password,
    })
}

async fn provision(args: ProvisionArgs) -> anyhow::Result<()> {
    let db = app_db(&args.database_url).await?;
    let done = provision_institution(&db, &args).await?;
    println!(
        "医療機関 {} {} を作成しました (tenant {})",
        done.code,
        done.name.as_str(),
        done.tenant_id
    );
    println!("管理者ログインID: {}", done.admin_login);
    println!(
        "初回パスワード（初回ログイン時に変更が必要）: {}",
        done.one_time_password
    );
    Ok(())
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(&args.logins_file) {
        Ok(existing) => existing,
        Err(_) => seed_demo(&app_db(&args.database_url).await?, &args.logins_file).await?,
    };
    print!("{text}");
    Ok(())
}

/// Creates the demo institution and one user per role, writes their logins to `logins_file`
/// (owner-readable only) and returns that text.
pub async fn seed_demo(db: &Db, logins_file: &std::path::Path) -> anyhow::Result<String> {
    let demo = ProvisionArgs {
        database_url: String::new(),
        code: DEMO_CODE.into(),
        name: DEMO_NAME.into(),
        admin_login: "admin".into(),
        admin_name: "架空 管理者".into(),
    };
    let admin = match provision_institution(db, &demo).await {
        Ok(done) => done,
        Err(e) if matches!(e.downcast_ref(), Some(system::ProvisionError::CodeTaken)) => bail!(
            "the demo institution {DEMO_CODE} already exists but {} is missing; \
             reset a demo password from the admin screen or start from an empty database",
            logins_file.display()
        ),
        Err(e) => return Err(e),
    };
    let mut tx = system::operator_tx(db, admin.tenant_id).await?;
    let admin_row = users::find_by_login(&mut tx, &admin.admin_login)
        .await?
        .context("the demo administrator")?;
    // Demo accounts skip the forced first change so a new user can look around at once.
    users::clear_must_change_password(&mut tx, shared::ids::UserId(admin_row.user_id)).await?;
    let mut logins = vec![("admin".to_string(), Role::Admin, admin.one_time_password)];
    let mut staff = std::collections::HashMap::new();
    for (login, name, role) in [
        ("doctor", "架空 医師", Role::Doctor),
        ("nurse", "架空 看護師", Role::Nurse),
        ("clerk", "架空 受付", Role::Clerk),
    ] {
        let password = auth::one_time_password();
        let user = NewUser {
            login_id: parse_arg("login", LoginId::parse(login))?,
            display_name: parse_arg("name", DisplayName::parse(name))?,
            role,
        };
        let row = users::insert(
            &mut tx,
            &user,
            &auth::hash_password(password.clone()).await?,
        )
        .await?;
        users::clear_must_change_password(&mut tx, shared::ids::UserId(row.user_id)).await?;
        staff.insert(role, shared::ids::UserId(row.user_id));
        logins.push((login.to_string(), role, password));
    }
    // A 診療所 dispensing in house with a full-time pharmacist, so 会計 works at once.
    let settings = shared::api::billing::ValidBillingSettings {
        valid_from: time::macros::date!(2024 - 06 - 01),
        institution_type: shared::api::billing::InstitutionType::Clinic,
        general_beds: 0,
        in_house_dispensing: true,
        standards: shared::billing::FacilityStandards {
            detailed_statement: true,
            pharmacist_full_time: true,
            ..Default::default()
        },
        reason: "デモ医療機関の初期設定".into(),
    };
    db::billing::write(
        &mut tx,
        0,
        &settings,
        shared::ids::UserId(admin_row.user_id),
    )
    .await?;
    // Last month's visits of fictitious patients, finalised: 月次請求 has a month to show.
    let seeded = match (staff.get(&Role::Doctor), staff.get(&Role::Clerk)) {
        (Some(doctor), Some(clerk)) => {
            crate::services::demo::seed(&mut tx, crate::clock::today_jst(), *doctor, *clerk).await?
        }
        _ => 0,
    };
    tx.commit().await?;
    let mut text = format!("デモ医療機関: {DEMO_NAME}  医療機関コード: {DEMO_CODE}\n");
    if seeded > 0 {
        text.push_str(&format!(
            "  先月の会計 {seeded} 件（架空の患者）: 月次請求でレセプトを確認できます\n"
        ));
    }
    for (login, role, password) in &logins {
        text.push_str(&format!(
            "  {:<8} {:<10} パスワード: {password}\n",
            login,
            role.label_ja()
        ));
    }
    if let Some(dir) = logins_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::secrets::write_private(logins_file, text.as_bytes())?;
    Ok(text)
}

/// A transaction of the institution with 医療機関コード `code`, and the 診療年月 `month`.
async fn claims_tx(
    database_url: &str,
    code: &str,
    month: &str,
) -> anyhow::Result<(db::TenantTx, shared::claims::uke::UkeMonth)> {
    let month = shared::claims::month::parse_month(month)
        .context("--month: 診療年月は YYYY-MM の形で指定してください")?;
    let db = app_db(database_url).await?;
    let code = shared::domain::InstitutionCode::parse(code)
        .map_err(|e| anyhow::anyhow!("医療機関コード: {e}"))?;
    let tenant = system::institution_by_code(&db, &code)
        .await?
        .context("no institution with that 医療機関コード")?;
    Ok((system::operator_tx(&db, tenant).await?, month))
}

async fn owner_connection(url: &str) -> anyhow::Result<sqlx::PgConnection> {
    PgConnectOptions::from_str(url)
        .context("parsing KARTE_OWNER_DATABASE_URL")?
        .connect()
        .await
        .context("connecting as the owner role")
}

/// `audit archive --before DATE`.
pub async fn archive_logs(
    before: &str,
    database_url: &str,
    owner_url: &str,
    anchors: &AnchorArgs,
) -> anyhow::Result<()> {
    let day = time::Date::parse(
        before,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .context("--before: a date as YYYY-MM-DD")?;
    let (before, _) = crate::clock::jst_days(day, day);
    if before > time::OffsetDateTime::now_utc() {
        bail!("--before is in the future");
    }
    let (store, key) = anchors
        .open()?
        .context("audit archive needs --record-store (KARTE_BACKUP_RECORD_STORE)")?;
    let db = app_db(database_url).await?;
    let mut owner = owner_connection(owner_url).await?;
    let outcome = crate::logs::archive::archive_before(
        &db,
        &mut owner,
        &store,
        &key,
        before,
        crate::logs::archive::CHUNK,
        |c| {
            eprintln!(
                "{} {}: {} rows archived, anchor now at {}",
                c.tenant_id, c.log, c.rows, c.archived_through_seq
            )
        },
    )
    .await?;
    for c in &outcome.archived {
        println!(
            "{} {:<6} {} rows archived through {} ({} objects)",
            c.tenant_id,
            c.log,
            c.rows,
            c.archived_through_seq,
            c.objects.len()
        );
    }
    for (tenant, log, why) in &outcome.refused {
        println!("REFUSED {tenant} {log:<6} {why}");
    }
    println!(
        "{} chains archived before {day} (JST) into {}",
        outcome.archived.len(),
        store.describe()
    );
    if !outcome.refused.is_empty() {
        bail!("{} chains were not archived", outcome.refused.len());
    }
    Ok(())
}

/// `audit anchor`: every chain's head, sealed, to the record store.
async fn anchor_logs(database_url: &str, anchors: &AnchorArgs) -> anyhow::Result<()> {
    let (store, key) = anchors
        .open()?
        .context("audit anchor needs --record-store (KARTE_BACKUP_RECORD_STORE)")?;
    let db = app_db(database_url).await?;
    let heads = crate::logs::anchor::current_heads(&db).await?;
    let count = heads.len();
    let name = crate::logs::anchor::write(&store, &key, heads).await?;
    println!(
        "anchored {count} chain heads: {name} in {}",
        store.describe()
    );
    Ok(())
}

/// `audit verify`: prints one line per chain and fails when any is broken.
pub async fn verify_logs(database_url: &str, anchors: &AnchorArgs) -> anyhow::Result<()> {
    let db = app_db(database_url).await?;
    let reports = match anchors.open()? {
        None => crate::logs::verify::verify_all(&db).await?,
        Some((store, key)) => {
            let found = match &anchors.anchor {
                Some(name) => crate::logs::anchor::read(&store, &key, name).await?,
                None => crate::logs::anchor::latest(&store, &key).await?,
            };
            match found {
                None => bail!(
                    "no anchor in {}: run `audit anchor` first",
                    store.describe()
                ),
                Some((name, _, seal)) if seal != crate::secrets::Seal::Intact => {
                    bail!("the anchor {name} does not carry this server's seal ({seal:?})")
                }
                Some((name, anchor, _)) => {
                    println!(
                        "checked against the anchor {name} ({} chain heads) and the archives",
                        anchor.heads.len()
                    );
                    crate::logs::archive::verify_all_with_archives(&db, &store, &key, &anchor.heads)
                        .await?
                }
            }
        }
    };
    let mut broken = 0;
    for r in &reports {
        match &r.broken {
            None => println!("OK      {} {:<6} {} rows", r.tenant_id, r.log, r.rows),
            Some(b) => {
                broken += 1;
                println!(
                    "BROKEN  {} {:<6} at seq {}: {:?} ({})",
                    r.tenant_id,
                    r.log,
                    b.seq,
                    b.problem,
                    b.problem.message_ja()
                );
            }
        }
    }
    println!("{} chains verified, {broken} broken", reports.len());
    if broken > 0 {
        bail!("{broken} log chain(s) broken");
    }
    Ok(())
}

/// One master file found among the command's arguments (a zip may hold several).
struct MasterInput {
    name: String,
    bytes: Vec<u8>,
    kind: shared::masters::MasterKind,
    edition: time::Date,
}

fn master_inputs(files: &[PathBuf]) -> anyhow::Result<Vec<MasterInput>> {
    let mut found = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let entries = if name.to_ascii_lowercase().ends_with(".zip") {
            shared::masters::read_zip(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?
        } else {
            vec![(name.clone(), bytes)]
        };
        for (entry, bytes) in entries {
            let Some(kind) = shared::masters::MasterKind::from_file_name(&entry) else {
                bail!("{entry}: not a master file name (s_, y_, t_, c_, b_ or z_ followed by the date)");
            };
            let edition = db::masters::edition_from_name(&entry)
                .with_context(|| format!("{entry}: no YYYYMMDD edition date in the name"))?;
            found.push(MasterInput {
                name: entry,
                bytes,
                kind,
                edition,
            });
        }
    }
    // Oldest first per master: the history refuses an edition older than the last one.
    found.sort_by(|a, b| {
        (a.kind.as_str(), a.edition, &a.name).cmp(&(b.kind.as_str(), b.edition, &b.name))
    });
    Ok(found)
}

/// Imports a 郵便番号データ file (`.csv`, or the published `.zip` holding one), all or nothing.
pub async fn import_postal_file(
    pool: &sqlx::PgPool,
    path: &std::path::Path,
) -> anyhow::Result<db::postal::PostalImported> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sha256 = crate::chain::hex(&Sha256::digest(&bytes));
    let (entry, content) = if name.to_ascii_lowercase().ends_with(".zip") {
        shared::masters::read_zip(&bytes)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .into_iter()
            .find(|(n, _)| n.to_ascii_lowercase().ends_with(".csv"))
            .with_context(|| format!("{name}: no .csv inside"))?
    } else {
        (name.clone(), bytes)
    };
    let file = shared::masters::postal::parse_ken_all(&entry, &content)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = pool.begin().await?;
    let done = db::postal::import(&mut tx, &name, &sha256, file.rows, &file.addresses).await?;
    tx.commit().await?;
    Ok(done)
}

async fn import_masters(owner_url: &str, files: &[PathBuf]) -> anyhow::Result<()> {
    let options = PgConnectOptions::from_str(owner_url).context("parsing the owner URL")?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .context("connecting as the owner role")?;
    let result = import_master_files(&pool, files).await;
    pool.close().await;
    result.map(|_| ())
}

/// Imports master files in edition order (per master), printing progress on stderr and one line
/// per file on stdout. All or nothing: one transaction for every file of the command, so a
/// failing file leaves the masters as they were before the command.
pub async fn import_master_files(
    pool: &sqlx::PgPool,
    files: &[PathBuf],
) -> anyhow::Result<Vec<(String, db::masters::Imported)>> {
    let mut done = Vec::new();
    let mut tx = pool.begin().await?;
    let mut history: Option<shared::masters::MasterHistory> = None;
    for input in master_inputs(files)? {
        // Inputs are sorted by master: load each master's stored history once.
        if history.as_ref().is_none_or(|h| h.kind() != input.kind) {
            history = Some(db::masters::lock_history(&mut tx, input.kind).await?);
        }
        let Some(history) = history.as_mut() else {
            continue;
        };
        let started = std::time::Instant::now();
        eprintln!("{}: {} の読み込み…", input.name, input.kind.label_ja());
        let file = shared::masters::parse_file(input.kind, &input.name, &input.bytes)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut last_shown = 0;
        let outcome = db::masters::import_file(
            &mut tx,
            history,
            &file,
            &input.bytes,
            input.edition,
            |n, total| {
                if n == total || n - last_shown >= 10_000 {
                    eprintln!("  {n}/{total} 版を書き込み");
                    last_shown = n;
                }
            },
        )
        .await
        .with_context(|| format!("{}: nothing was imported", input.name))?;
        match &outcome {
            db::masters::Imported::Added { seq, rows, report } => println!(
                "{}: import #{seq} ({}, edition {}): {rows} rows, {} versions added ({} ended), {} unchanged, {} codes no longer listed; {:.1} s",
                input.name,
                input.kind.as_str(),
                input.edition,
                report.added,
                report.ended,
                report.unchanged,
                report.ended_missing,
                started.elapsed().as_secs_f64()
            ),
            db::masters::Imported::AlreadyImported { seq } => {
                println!("{}: already imported as #{seq}; skipped", input.name)
            }
        }
        done.push((input.name, outcome));
    }
    tx.commit().await?;
    Ok(done)
}

async fn masters_status(database_url: &str) -> anyhow::Result<()> {
    let options = PgConnectOptions::from_str(database_url).context("parsing KARTE_DATABASE_URL")?;
    let mut conn = sqlx::ConnectOptions::connect(&options).await?;
    let rows = db::masters::imports(&mut conn).await?;
    if rows.is_empty() {
        println!("no masters imported yet (karte-server masters import FILE…)");
    }
    for r in rows {
        println!(
            "{:<9} #{:<3} {} {:<24} {:<4} {:>6} rows {:>6} versions  {}",
            r.kind, r.seq, r.edition, r.file_name, r.scope, r.rows_read, r.added, r.imported_at
        );
    }
    Ok(())
}

/// The largest visit `price` reads (a visit is a few kilobytes).
const PRICE_INPUT_LIMIT: u64 = 1024 * 1024;

/// Prices one visit given as JSON with the masters valid on its date of service (the rows of
/// every code it names and every code the rules may add).
pub async fn price_json(
    conn: &mut sqlx::PgConnection,
    input: &str,
) -> anyhow::Result<shared::billing::PricedVisit> {
    let visit: shared::billing::Visit = serde_json::from_str(input).map_err(|e| {
        anyhow::anyhow!(
            "the visit is not valid JSON for `price` ({} line {}, column {}): {e}",
            match e.classify() {
                serde_json::error::Category::Data => "wrong field or value",
                _ => "syntax",
            },
            e.line(),
            e.column()
        )
    })?;
    let (catalog, _) = db::masters::catalog_for(conn, &visit).await?;
    shared::billing::price_visit(&visit, &catalog).map_err(|e| anyhow::anyhow!("{e}"))
}
