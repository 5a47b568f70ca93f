//! Settings the server runs with. `cli` fills them from flags and environment; tests build
//! them directly (port 0, in-memory certificate).

use sqlx::postgres::PgConnectOptions;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The default upload limit: 50 MiB (a long PDF, a DICOM series image, a phone's photo).
pub const DEFAULT_FILE_LIMIT_BYTES: usize = 50 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// Connection to PostgreSQL as the application role (never a superuser or BYPASSRLS role).
    pub database: PgConnectOptions,
    pub db_max_connections: u32,
    pub tls: TlsSource,
    /// Client certificates (device authentication): off, optional or required, and the CA.
    pub client_certs: ClientCerts,
    /// trunk's output (`dist/`); `None` serves the API only.
    pub dist_dir: Option<PathBuf>,
    pub runtime: RuntimeConfig,
    /// The two stores every attachment and generated PDF is written to.
    pub file_stores: [crate::files::StoreSpec; 2],
    /// The fonts generated PDFs (文書) embed.
    pub pdf_fonts: crate::pdf::FontFiles,
    /// Largest request body accepted, in bytes (a file upload has its own limit,
    /// [`RuntimeConfig::file_limit_bytes`]).
    pub body_limit_bytes: usize,
    /// `Strict-Transport-Security: max-age`, in seconds.
    pub hsts_max_age_seconds: u64,
    /// Only for the benchmark that measures what access logging costs: serve without it.
    /// Not reachable from the command line or the environment.
    #[doc(hidden)]
    pub benchmark_without_access_log: bool,
}

/// What handlers need at run time. `idle_timeout` and `session_lifetime` apply to an
/// institution that has not saved a security policy of its own.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// A session without requests for this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after login, however active.
    pub session_lifetime: Duration,
    /// Sign-in attempts (password or second factor) accepted per client address per minute.
    pub login_attempts_per_ip_per_minute: u32,
    /// Sign-in attempts accepted per account (医療機関コード + ログインID) per minute.
    pub login_attempts_per_account_per_minute: u32,
    /// Copied from [`Settings::client_certs`] for the handlers.
    pub client_cert_mode: shared::api::devices::ClientCertMode,
    /// The origin users open the app at (`https://karte.example.jp`): the WebAuthn relying
    /// party. Unset, WebAuthn works only on loopback addresses (development, tests).
    pub public_origin: Option<String>,
    /// Seals TOTP keys in the database. Every server of a deployment needs the same one.
    pub secret_key: crate::secrets::SecretKey,
    /// Largest file accepted for upload (画像・文書), in bytes.
    pub file_limit_bytes: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 3600),
            login_attempts_per_ip_per_minute: 30,
            login_attempts_per_account_per_minute: 10,
            client_cert_mode: shared::api::devices::ClientCertMode::Off,
            public_origin: None,
            secret_key: crate::secrets::SecretKey::generate(),
            file_limit_bytes: DEFAULT_FILE_LIMIT_BYTES,
        }
    }
}

/// Whether TLS clients are asked for certificates, and which CA's certificates are accepted.
#[derive(Debug, Clone, Default)]
pub struct ClientCerts {
    pub mode: shared::api::devices::ClientCertMode,
    /// PEM of the CA certificate(s) device certificates must chain to (needed unless `Off`).
    pub ca_pem: Option<Vec<u8>>,
}

/// Where the server's certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// PEM files configured by the operator (certificate chain, private key).
    Files { cert: PathBuf, key: PathBuf },
    /// A self-signed certificate for 127.0.0.1/localhost, generated into this directory once
    /// and reused on later starts.
    SelfSigned { dir: PathBuf },
    /// PEM bytes in memory (tests).
    Pem { cert: Vec<u8>, key: Vec<u8> },
}
