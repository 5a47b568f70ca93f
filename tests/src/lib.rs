//! Test harness: a real server over TLS on a free port, against its own PostgreSQL database
//! (copied from a migrated template), connected as the application role `karte_app`.
//!
//! Environment (set by `scripts/test`): `KARTE_TEST_ADMIN_URL` (a superuser URL, used only to
//! create and drop test databases), `KARTE_TEST_TEMPLATE` (the migrated template database),
//! `KARTE_DIST` (the built app, for browser tests). `KEEP_TEST_DB=1` keeps databases.

pub mod bench;
pub mod browser;
pub mod claims;
pub mod cluster;
pub mod pdf;
/// The one policy for tests that need `../shared/reference` (shared with `shared/tests`).
#[path = "../../shared/tests/common/reference.rs"]
pub mod reference;
pub mod samples;
pub mod seaweed;

use anyhow::Context;
use karte_server::config::{RuntimeConfig, Settings, TlsSource};
use karte_server::db::{self, bootstrap, system, Db};
use karte_server::files::StoreSpec;
use karte_server::startup::Application;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use shared::domain::{DisplayName, InstitutionCode, InstitutionName, LoginId};
use shared::ids::TenantId;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, Once};

pub fn admin_options() -> PgConnectOptions {
    let url = std::env::var("KARTE_TEST_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    PgConnectOptions::from_str(&url).expect("KARTE_TEST_ADMIN_URL is a PostgreSQL URL")
}

fn template_name() -> String {
    std::env::var("KARTE_TEST_TEMPLATE").unwrap_or_else(|_| "karte_test_template".into())
}

/// The workspace's target directory (screenshots and other artifacts go under it).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The built app: `KARTE_DIST`, else `<workspace>/dist`.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("KARTE_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"))
}

fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            karte_server::telemetry::init(karte_server::telemetry::LogFormat::Text);
        }
    });
}

pub struct TestApp {
    pub base_url: String,
    pub port: u16,
    pub db_name: String,
    /// The application role's connection to this app's database.
    database: PgConnectOptions,
    /// A superuser of the database's cluster.
    admin: PgConnectOptions,
    /// Whether the database was made for this app (and is dropped with it).
    owns_database: bool,
    /// Names the directory of its file stores.
    store_key: String,
    /// PEM of the server's self-signed certificate, which clients trust.
    pub cert_pem: String,
    key_pem: String,
    handle: axum_server::Handle<SocketAddr>,
    siblings: Vec<axum_server::Handle<SocketAddr>>,
}

/// The two file-store directories of a test database's servers (siblings and restarts share
/// them, as servers of one deployment would).
pub fn file_store_dirs(db_name: &str) -> [PathBuf; 2] {
    let root = target_dir().join("test-files").join(db_name);
    [root.join("a"), root.join("b")]
}

async fn start_server(
    database: &PgConnectOptions,
    file_stores: [PathBuf; 2],
    cert_pem: &str,
    key_pem: &str,
    adjust: impl FnOnce(&mut Settings),
) -> (u16, axum_server::Handle<SocketAddr>) {
    let mut settings = Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database: database.clone(),
        db_max_connections: 8,
        tls: TlsSource::Pem {
            cert: cert_pem.as_bytes().to_vec(),
            key: key_pem.as_bytes().to_vec(),
        },
        dist_dir: Some(dist_dir()),
        runtime: RuntimeConfig::default(),
        file_stores: {
            let [a, b] = file_stores;
            [StoreSpec::Local(a), StoreSpec::Local(b)]
        },
        body_limit_bytes: 64 * 1024,
        pdf_fonts: Default::default(),
        hsts_max_age_seconds: 31_536_000,
        benchmark_without_access_log: false,
        client_certs: Default::default(),
    };
    adjust(&mut settings);
    // A restart on the same port may find the old listener not yet closed: try for a while.
    let mut attempts = 0;
    let app = loop {
        match Application::build(settings.clone()).await {
            Ok(app) => break app,
            Err(e) if attempts < 50 => {
                attempts += 1;
                eprintln!("server not started yet ({e:#}), retrying");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("building the application: {e:#}"),
        }
    };
    let port = app.port();
    let handle = app.handle();
    tokio::spawn(async move {
        if let Err(e) = app.run_until_stopped().await {
            eprintln!("server stopped: {e:#}");
        }
    });
    (port, handle)
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with settings adjusted by `adjust` (e.g. a short idle timeout).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        init_logging();
        let db_name = format!("test_{}", uuid::Uuid::new_v4().simple());
        create_database(&db_name)
            .await
            .expect("creating the test database");
        let database = app_options(&db_name);
        Self::start(
            db_name.clone(),
            db_name,
            database,
            admin_options(),
            true,
            adjust,
        )
        .await
    }

    /// Spawns on an existing, migrated database `name` of another cluster (whose superuser
    /// is `admin`), connecting as the application role; the database is left when it stops.
    pub async fn spawn_on(admin: PgConnectOptions, name: &str) -> Self {
        init_logging();
        let database = admin.clone().username(db::APP_ROLE).database(name);
        let store_key = format!("{name}-{}", uuid::Uuid::new_v4().simple());
        Self::start(name.to_string(), store_key, database, admin, false, |_| {}).await
    }

    async fn start(
        db_name: String,
        store_key: String,
        database: PgConnectOptions,
        admin: PgConnectOptions,
        owns_database: bool,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        let (cert_pem, key_pem) = karte_server::tls::self_signed_pem().expect("certificate");
        let (port, handle) = start_server(
            &database,
            file_store_dirs(&store_key),
            &cert_pem,
            &key_pem,
            adjust,
        )
        .await;
        Self {
            base_url: format!("https://127.0.0.1:{port}"),
            port,
            db_name,
            store_key,
            database,
            admin,
            owns_database,
            cert_pem,
            key_pem,
            handle,
            siblings: Vec::new(),
        }
    }

    /// Starts another server on the same database (as a second instance behind a load
    /// balancer would be) and returns its base URL; it stops with this `TestApp`.
    pub async fn start_sibling(&mut self) -> String {
        self.start_sibling_with(|_| {}).await
    }

    /// [`Self::start_sibling`] with settings adjusted by `adjust`.
    pub async fn start_sibling_with(&mut self, adjust: impl FnOnce(&mut Settings)) -> String {
        let (port, handle) = start_server(
            &self.database,
            self.file_stores(),
            &self.cert_pem,
            &self.key_pem,
            adjust,
        )
        .await;
        self.siblings.push(handle);
        format!("https://127.0.0.1:{port}")
    }

    /// This app's two file-store directories (with the default settings).
    pub fn file_stores(&self) -> [PathBuf; 2] {
        file_store_dirs(&self.store_key)
    }

    /// Stops the server (as a crash or network loss would look to a browser).
    pub fn stop(&self) {
        self.handle.shutdown();
    }

    /// Starts the server again on the same port and database after [`Self::stop`].
    pub async fn restart(&mut self) {
        let port = self.port;
        let (_, handle) = start_server(
            &self.database,
            self.file_stores(),
            &self.cert_pem,
            &self.key_pem,
            |s| {
                s.listen = SocketAddr::from(([127, 0, 0, 1], port));
            },
        )
        .await;
        self.handle = handle;
    }

    /// A client for a sibling server at `base_url`.
    pub fn client_for(&self, base_url: &str) -> ApiClient {
        ApiClient::new(base_url, &self.cert_pem)
    }

    /// A fresh API client (its own cookie jar) that trusts this server's certificate.
    pub fn client(&self) -> ApiClient {
        ApiClient::new(&self.base_url, &self.cert_pem)
    }

    /// A fresh API client that presents `device`'s client certificate.
    pub fn client_with_device(&self, device: &DeviceCert) -> ApiClient {
        ApiClient::with_tls(&self.base_url, device.client_config(&self.cert_pem))
    }

    /// A pool connected as the application role, for SQL-level tenancy checks.
    pub async fn app_pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(2)
            .connect_with(self.database.clone())
            .await
            .expect("app pool")
    }

    /// A pool connected as the owner role (still bound by FORCE ROW LEVEL SECURITY).
    pub async fn owner_pool(&self) -> PgPool {
        let options = bootstrap::owner_options(&self.admin, &self.db_name, &Default::default());
        PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .expect("owner pool")
    }

    /// A user of `role` created by `admin` (an administrator of institution `code`), signed in
    /// with the one-time password changed to `password`.
    pub async fn staff_session(
        &self,
        admin: &ApiClient,
        code: &str,
        login_id: &str,
        role: &str,
        password: &str,
    ) -> (shared::api::users::IssuedPassword, ApiClient) {
        let created = admin
            .post(
                "/users",
                &serde_json::json!({"login_id": login_id, "display_name": "架空 職員", "role": role}),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "creating {login_id}: {}",
            created.body
        );
        let issued: shared::api::users::IssuedPassword = created.json();
        let client = self.client();
        let login = client
            .login(code, login_id, &issued.one_time_password)
            .await;
        assert_eq!(login.status, StatusCode::OK, "{login_id} signs in");
        let changed = client
            .post(
                "/auth/password",
                &serde_json::json!({"current_password": issued.one_time_password, "new_password": password}),
            )
            .await;
        assert_eq!(
            changed.status,
            StatusCode::OK,
            "{login_id} changes the password: {}",
            changed.body
        );
        (issued, client)
    }

    /// The server's database handle, connected as the application role.
    pub async fn db(&self) -> Db {
        Db::connect(self.database.clone(), 2).await.expect("app db")
    }

    /// Creates an institution and its administrator the way the `provision` command does.
    pub async fn provision(&self, code: &str, name: &str) -> Provisioned {
        let db = self.db().await;
        let password = karte_server::auth::one_time_password();
        let hash = karte_server::auth::hash_password(password.clone())
            .await
            .expect("hash");
        let new = system::NewInstitution {
            code: InstitutionCode::parse(code).expect("valid code"),
            name: InstitutionName::parse(name).expect("valid name"),
            admin_login_id: LoginId::parse("admin").unwrap(),
            admin_name: DisplayName::parse("架空 管理者").unwrap(),
        };
        let (tenant_id, _) =
            karte_server::services::operator::provision_institution(&db, &new, &hash)
                .await
                .expect("provision");
        Provisioned {
            tenant_id,
            code: code.into(),
            admin_login: "admin".into(),
            admin_password: password,
        }
    }

    /// Provisions an institution and returns a client signed in as its administrator, with
    /// the one-time password already changed.
    pub async fn admin_session(&self, code: &str, name: &str) -> (Provisioned, ApiClient) {
        let mut p = self.provision(code, name).await;
        let client = self.client();
        let res = client
            .login(&p.code, &p.admin_login, &p.admin_password)
            .await;
        assert_eq!(res.status, StatusCode::OK, "admin login: {}", res.body);
        let new_password = format!("{}-Changed-42", p.admin_password);
        let res = client
            .post("/auth/password", &serde_json::json!({"current_password": p.admin_password, "new_password": new_password}))
            .await;
        assert_eq!(res.status, StatusCode::OK, "password change: {}", res.body);
        p.admin_password = new_password;
        (p, client)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.handle.shutdown();
        for sibling in &self.siblings {
            sibling.shutdown();
        }
        if std::env::var_os("KEEP_TEST_DB").is_some() {
            eprintln!("kept test database {}", self.db_name);
            return;
        }
        if let Some(root) = file_store_dirs(&self.store_key)[0].parent() {
            let _ = std::fs::remove_dir_all(root);
        }
        if !self.owns_database {
            return;
        }
        let name = self.db_name.clone();
        // Drop runs inside the test's runtime; use a thread with its own to wait for the drop.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = admin_options().connect().await.ok()?;
                sqlx::query(&format!("drop database if exists {name} with (force)"))
                    .execute(&mut conn)
                    .await
                    .ok()?;
                conn.close().await.ok()
            })
        })
        .join();
    }
}

pub struct Provisioned {
    pub tenant_id: TenantId,
    pub code: String,
    pub admin_login: String,
    pub admin_password: String,
}

fn app_options(db_name: &str) -> PgConnectOptions {
    admin_options().username(db::APP_ROLE).database(db_name)
}

/// `create database … template …`, then migrations as the owner (a no-op when the template is
/// current; it brings an older template up to date).
async fn create_database(name: &str) -> anyhow::Result<()> {
    let admin = admin_options();
    let template = template_name();
    let mut conn = admin
        .connect()
        .await
        .context("connecting as the test administrator")?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&template)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        // Not prepared by scripts/test: prepare it now (once; concurrent callers serialise
        // on an advisory lock).
        sqlx::query("select pg_advisory_lock(727274)")
            .execute(&mut conn)
            .await?;
        bootstrap::bootstrap(
            &admin,
            &template,
            &Default::default(),
            bootstrap::Existing::Keep,
        )
        .await?;
        sqlx::query("select pg_advisory_unlock(727274)")
            .execute(&mut conn)
            .await?;
    }
    // Copying needs the template to have no other connections; retry briefly if one is open.
    let mut attempt = 0;
    loop {
        let created = sqlx::query(&format!(
            "create database {name} template {template} owner {}",
            db::OWNER_ROLE
        ))
        .execute(&mut conn)
        .await;
        match created {
            Ok(_) => break,
            Err(e) if attempt < 50 => {
                attempt += 1;
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e).context("create database from template"),
        }
    }
    conn.close().await.ok();
    bootstrap::migrate(&bootstrap::owner_options(&admin, name, &Default::default())).await
}

/// A transaction on `pool` confined by row-level security to `tenant`, as the server's TenantTx
/// is (for SQL-level checks and fixtures).
pub async fn tenant_tx(
    pool: &PgPool,
    tenant: impl ToString,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("select set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await
        .expect("setting the tenant");
    tx
}

/// The parts of a response a test looks at.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestResponse {
    /// The `field` of every problem a validation error names, in order.
    pub fn field_names(&self) -> Vec<&str> {
        self.body["fields"]
            .as_array()
            .map(|fields| fields.iter().filter_map(|f| f["field"].as_str()).collect())
            .unwrap_or_default()
    }

    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("unexpected body {}: {e}", self.body))
    }

    /// The `code` of an error body.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// An HTTP client with its own cookie jar that remembers the CSRF token from the last
/// session answer and sends it on state-changing requests.
#[derive(Clone)]
pub struct ApiClient {
    pub http: reqwest::Client,
    pub base_url: String,
    csrf: Arc<Mutex<String>>,
}

/// A rustls client configuration trusting exactly `cert_pem`, with the given TLS versions.
pub fn tls_client_config(
    cert_pem: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile_certs(cert_pem) {
        roots.add(cert).expect("adding the test certificate");
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

fn rustls_pemfile_certs(pem: &str) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("certificate PEM")
}

/// A certificate authority for device certificates, made up for a test.
pub struct TestCa {
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

/// A device's client certificate and key.
pub struct DeviceCert {
    pub cert_pem: String,
    pub key_pem: String,
    /// Lower-case hex SHA-256 of the certificate's DER, as the server registers it.
    pub fingerprint: String,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let key = rcgen::KeyPair::generate().expect("CA key");
        Self {
            issuer: rcgen::CertifiedIssuer::self_signed(params, key).expect("CA certificate"),
        }
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A client certificate for a device called `name`, issued by this CA.
    pub fn device(&self, name: &str) -> DeviceCert {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let key = rcgen::KeyPair::generate().expect("device key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("device certificate");
        DeviceCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            fingerprint: karte_server::tls::fingerprint(cert.der()),
        }
    }
}

impl DeviceCert {
    /// Trusting exactly the server's `server_cert_pem`, TLS 1.3, presenting this certificate.
    pub fn client_config(&self, server_cert_pem: &str) -> rustls::ClientConfig {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pemfile_certs(server_cert_pem) {
            roots.add(cert).expect("adding the test certificate");
        }
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .expect("device key PEM");
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_client_auth_cert(rustls_pemfile_certs(&self.cert_pem), key)
        .expect("client certificate")
    }
}

impl ApiClient {
    /// A client with its own TLS configuration (e.g. presenting a client certificate).
    pub fn with_tls(base_url: &str, tls: rustls::ClientConfig) -> Self {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .cookie_store(true)
            .build()
            .expect("http client");
        Self {
            http,
            base_url: base_url.to_string(),
            csrf: Arc::new(Mutex::new(String::new())),
        }
    }

    pub fn new(base_url: &str, cert_pem: &str) -> Self {
        let tls = tls_client_config(cert_pem, &[&rustls::version::TLS13]);
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .cookie_store(true)
            .build()
            .expect("http client");
        Self {
            http,
            base_url: base_url.to_string(),
            csrf: Arc::new(Mutex::new(String::new())),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base_url)
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().unwrap().clone()
    }

    pub fn set_csrf(&self, token: &str) {
        *self.csrf.lock().unwrap() = token.to_string();
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> TestResponse {
        let response = request.send().await.expect("request reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        // A session answer, or one that carries a (rotated) session.
        let token = body
            .get("csrf_token")
            .or_else(|| body.get("session").and_then(|s| s.get("csrf_token")))
            .and_then(Value::as_str);
        if let Some(token) = token {
            self.set_csrf(token);
        }
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(self.http.get(self.url(path))).await
    }

    /// GET a download: the status and the body's bytes as sent.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the server");
        let status = response.status();
        (status, response.bytes().await.expect("body").to_vec())
    }

    /// POST raw bytes (a file upload) with the CSRF header and the `Content-Type` given.
    pub async fn post_bytes(&self, path: &str, bytes: Vec<u8>, content_type: &str) -> TestResponse {
        self.send(
            self.http
                .post(self.url(path))
                .header("x-csrf-token", self.csrf())
                .header("content-type", content_type)
                .body(bytes),
        )
        .await
    }

    /// GET a file: the status, the headers and the body's bytes as sent.
    pub async fn get_file(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        (
            status,
            headers,
            response.bytes().await.expect("body").to_vec(),
        )
    }

    /// POST JSON with the CSRF header.
    pub async fn post<B: Serialize>(&self, path: &str, body: &B) -> TestResponse {
        self.send(
            self.http
                .post(self.url(path))
                .header("x-csrf-token", self.csrf())
                .json(body),
        )
        .await
    }

    /// PUT JSON with the CSRF header.
    pub async fn put<B: Serialize>(&self, path: &str, body: &B) -> TestResponse {
        self.send(
            self.http
                .put(self.url(path))
                .header("x-csrf-token", self.csrf())
                .json(body),
        )
        .await
    }

    /// POST without a body, with the CSRF header.
    pub async fn post_empty(&self, path: &str) -> TestResponse {
        self.send(
            self.http
                .post(self.url(path))
                .header("x-csrf-token", self.csrf()),
        )
        .await
    }

    pub async fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path))
    }

    pub async fn login(&self, code: &str, login_id: &str, password: &str) -> TestResponse {
        self.post("/auth/login", &serde_json::json!({"institution_code": code, "login_id": login_id, "password": password}))
            .await
    }
}

/// The catalog the browser prices `visit` of day `on` with: the master rows of its codes from
/// `POST /masters/rows`, loaded as the app loads them.
pub async fn browser_catalog(
    client: &ApiClient,
    on: &str,
    visit: &shared::billing::Visit,
) -> shared::billing::MemoryCatalog {
    use shared::masters::MasterKind;
    let rows: shared::api::billing::MasterRows = client
        .post(
            "/masters/rows",
            &serde_json::json!({"on": on, "procedures": visit.procedure_codes(),
                                "drugs": visit.drug_codes(), "materials": visit.material_codes()}),
        )
        .await
        .json();
    let mut catalog = shared::billing::MemoryCatalog::new();
    for (kind, found) in [
        (MasterKind::Procedure, &rows.procedures),
        (MasterKind::Drug, &rows.drugs),
        (MasterKind::Material, &rows.materials),
    ] {
        for row in found {
            catalog
                .add_fields(kind, row)
                .expect("a master row the engine reads");
        }
    }
    catalog
}

/// `text` as a query-string value: every byte percent-encoded (safe for any text).
pub fn encode_query(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}
