//! The two file stores: every attachment and generated PDF is written to both (two local
//! directories by default; S3-compatible or GCS buckets in production) through `object_store`,
//! which does not replicate by itself. A write counts only when both stores have the bytes; a
//! read checks the SHA-256 the database recorded, and a copy that is missing or corrupt is served
//! from the other store and rewritten (repaired). Keys are tenant-scoped
//! (`tenants/<tenant>/files/<file>`) and never reused, so nothing is overwritten except a bad
//! copy by its verified twin.
//!
//! This module knows bytes and keys only; which file belongs to whom is the database's
//! (`db::files`), and the reports of repairs go to the audit log from `services::attachments`.

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use shared::ids::{FileId, TenantId};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where one store keeps its objects, as configured (`--file-store-a`, `--file-store-b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// A directory (created if missing): `file:/var/lib/karte/files-a` or a plain path.
    Local(PathBuf),
    /// An S3-compatible bucket: `s3://BUCKET?endpoint=https://host:port&region=R&credentials=FILE`.
    /// Without `credentials`, the usual `AWS_*` environment variables apply.
    S3 {
        bucket: String,
        endpoint: Option<String>,
        region: Option<String>,
        credentials: Option<PathBuf>,
    },
    /// A Google Cloud Storage bucket: `gs://BUCKET?credentials=SERVICE_ACCOUNT.json`.
    Gcs {
        bucket: String,
        credentials: Option<PathBuf>,
    },
}

impl std::str::FromStr for StoreSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("a file store must be named".into());
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) if s == "s3" || s == "gs" => (s, r),
            _ => {
                let path = text.strip_prefix("file://").unwrap_or(text);
                let path = path.strip_prefix("file:").unwrap_or(path);
                return Ok(Self::Local(PathBuf::from(path)));
            }
        };
        let (bucket, query) = rest.split_once('?').unwrap_or((rest, ""));
        let bucket = bucket.trim_end_matches('/');
        if bucket.is_empty() || bucket.contains('/') {
            return Err(format!(
                "{scheme}://BUCKET: the bucket name is missing or has a '/'"
            ));
        }
        let mut endpoint = None;
        let mut region = None;
        let mut credentials = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| format!("{key}: not UTF-8"))?
                .into_owned();
            match (scheme, key) {
                ("s3", "endpoint") => endpoint = Some(value),
                ("s3", "region") => region = Some(value),
                (_, "credentials") => credentials = Some(PathBuf::from(value)),
                _ => return Err(format!("{scheme}:// does not take '{key}'")),
            }
        }
        Ok(match scheme {
            "s3" => Self::S3 {
                bucket: bucket.to_string(),
                endpoint,
                region,
                credentials,
            },
            _ => Self::Gcs {
                bucket: bucket.to_string(),
                credentials,
            },
        })
    }
}

impl StoreSpec {
    /// For reports and logs: where, never a secret.
    pub fn describe(&self) -> String {
        match self {
            Self::Local(dir) => format!("file:{}", dir.display()),
            Self::S3 {
                bucket, endpoint, ..
            } => match endpoint {
                Some(e) => format!("s3://{bucket} ({e})"),
                None => format!("s3://{bucket}"),
            },
            Self::Gcs { bucket, .. } => format!("gs://{bucket}"),
        }
    }

    /// Where the objects really are, to tell two names of one store apart: a directory's
    /// canonical path (after `open` created it), a bucket with its endpoint.
    fn place(&self) -> String {
        match self {
            Self::Local(dir) => {
                let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
                format!("file:{}", real.display())
            }
            Self::S3 {
                bucket, endpoint, ..
            } => format!(
                "s3:{bucket}@{}",
                endpoint.as_deref().unwrap_or("aws").trim_end_matches('/')
            ),
            Self::Gcs { bucket, .. } => format!("gs:{bucket}"),
        }
    }

    fn open(&self) -> anyhow::Result<Arc<dyn ObjectStore>> {
        use anyhow::Context;
        // Cloud clients time out and give up well before a user would: an upload to a store
        // that is down is refused in seconds, not minutes.
        let client = object_store::ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(60));
        let retry = object_store::RetryConfig {
            backoff: object_store::BackoffConfig::default(),
            max_retries: 2,
            retry_timeout: Duration::from_secs(20),
        };
        Ok(match self {
            Self::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the file store {}", dir.display()))?;
                // Durable before acknowledged: the file and its directory entry are synced.
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(dir)?.with_fsync(true),
                )
            }
            Self::S3 {
                bucket,
                endpoint,
                region,
                credentials,
            } => {
                install_crypto_provider();
                let mut builder = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region.as_deref().unwrap_or("us-east-1"))
                    .with_retry(retry);
                let mut client = client;
                if let Some(endpoint) = endpoint {
                    // Path-style requests: what S3-compatible servers answer.
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false);
                    if endpoint.starts_with("http://") {
                        client = client.with_allow_http(true);
                    }
                }
                if let Some(file) = credentials {
                    let (key, secret, token) = s3_credentials(file)?;
                    builder = builder
                        .with_access_key_id(key)
                        .with_secret_access_key(secret);
                    if let Some(token) = token {
                        builder = builder.with_token(token);
                    }
                }
                Arc::new(builder.with_client_options(client).build()?)
            }
            Self::Gcs {
                bucket,
                credentials,
            } => {
                install_crypto_provider();
                let mut builder = object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_bucket_name(bucket)
                    .with_retry(retry)
                    .with_client_options(client);
                if let Some(file) = credentials {
                    builder = builder.with_service_account_path(file.to_string_lossy());
                }
                Arc::new(builder.build()?)
            }
        })
    }
}

/// The cloud clients' TLS (rustls) takes the process's default provider: ring, as everywhere.
fn install_crypto_provider() {
    // An error means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An S3 credentials file: `aws_access_key_id = …`, `aws_secret_access_key = …` and optionally
/// `aws_session_token = …` (the AWS CLI's layout; section headers and comments are ignored).
/// The access key, secret and session token of an AWS-style credentials file
/// (`aws_access_key_id = …`, `aws_secret_access_key = …`, optionally `aws_session_token`).
pub fn s3_credentials(file: &std::path::Path) -> anyhow::Result<(String, String, Option<String>)> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
    let mut key = None;
    let mut secret = None;
    let mut token = None;
    for line in text.lines().map(str::trim) {
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().to_string();
        match name.trim().trim_start_matches("aws_") {
            "access_key_id" => key = Some(value),
            "secret_access_key" => secret = Some(value),
            "session_token" => token = Some(value),
            _ => {}
        }
    }
    match (key, secret) {
        (Some(k), Some(s)) => Ok((k, s, token)),
        _ => anyhow::bail!(
            "{}: aws_access_key_id and aws_secret_access_key are required",
            file.display()
        ),
    }
}

/// What the database records of a file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checksum {
    pub sha256: [u8; 32],
    pub size: u64,
}

impl Checksum {
    pub fn of(bytes: &[u8]) -> Self {
        Self {
            sha256: Sha256::digest(bytes).into(),
            size: bytes.len() as u64,
        }
    }
}

/// The state of one store's copy of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyState {
    Good,
    Missing,
    /// There, but its bytes do not match the recorded SHA-256 and size.
    Corrupt,
    /// The store did not answer (down, refused, timed out).
    Unreachable,
}

impl CopyState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Missing => "missing",
            Self::Corrupt => "corrupt",
            Self::Unreachable => "unreachable",
        }
    }
}

/// A bad copy found while reading or scrubbing, and whether it was rewritten from a good one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub store: &'static str,
    pub state: CopyState,
    pub repaired: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A store did not take the file: the upload is refused (nothing is recorded).
    #[error("file store {0} did not store the file")]
    NotStored(&'static str),
    /// Neither store has a good copy: each is missing or corrupt.
    #[error("no store has a good copy of the file")]
    Lost,
    /// No good copy was read, but a store did not answer: the file may be whole there.
    #[error("a file store did not answer")]
    Unavailable,
}

/// A file's bytes, verified, and the bad copies met on the way.
pub struct Fetched {
    pub bytes: Bytes,
    pub problems: Vec<Problem>,
}

struct Store {
    name: &'static str,
    describe: String,
    inner: Arc<dyn ObjectStore>,
}

/// The two stores every file goes to.
pub struct FileStores {
    stores: [Store; 2],
}

impl std::fmt::Debug for FileStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.stores.iter().map(|s| &s.describe))
            .finish()
    }
}

impl FileStores {
    /// Opens both stores (creating local directories). The two must differ: one store named
    /// twice would keep a single copy.
    pub fn open(a: &StoreSpec, b: &StoreSpec) -> anyhow::Result<Self> {
        let stores = [
            Store {
                name: "A",
                describe: a.describe(),
                inner: a.open()?,
            },
            Store {
                name: "B",
                describe: b.describe(),
                inner: b.open()?,
            },
        ];
        if a.place() == b.place() {
            anyhow::bail!(
                "the two file stores are the same ({}): name two",
                a.describe()
            );
        }
        Ok(Self { stores })
    }

    /// `(name, where)` of each store, for reports.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        self.stores
            .iter()
            .map(|s| (s.name, s.describe.clone()))
            .collect()
    }

    /// The key of a file in both stores.
    pub fn object_key(tenant: TenantId, file: FileId) -> String {
        format!("tenants/{tenant}/files/{file}")
    }

    /// Writes `bytes` to both stores at once; `Ok` only when both have them.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), FileError> {
        let path = ObjectPath::from(key);
        let payload = PutPayload::from_bytes(bytes);
        let [a, b] = &self.stores;
        let (ra, rb) = tokio::join!(
            a.inner.put(&path, payload.clone()),
            b.inner.put(&path, payload)
        );
        for (store, result) in [(a, ra), (b, rb)] {
            if let Err(err) = result {
                tracing::error!(store = store.name, error = %err, "file store write failed");
                return Err(FileError::NotStored(store.name));
            }
        }
        Ok(())
    }

    async fn read(
        store: &Store,
        path: &ObjectPath,
        expected: &Checksum,
    ) -> (CopyState, Option<Bytes>) {
        let result = match store.inner.get(path).await {
            // A copy of another size is corrupt: not read into memory at all.
            Ok(r) if r.meta.size != expected.size => return (CopyState::Corrupt, None),
            Ok(r) => r.bytes().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(bytes) if Checksum::of(&bytes) == *expected => (CopyState::Good, Some(bytes)),
            Ok(_) => (CopyState::Corrupt, None),
            Err(object_store::Error::NotFound { .. }) => (CopyState::Missing, None),
            Err(err) => {
                tracing::warn!(store = store.name, error = %err, "file store read failed");
                (CopyState::Unreachable, None)
            }
        }
    }

    async fn repair(
        &self,
        index: usize,
        path: &ObjectPath,
        state: CopyState,
        good: &Bytes,
    ) -> Problem {
        let store = &self.stores[index];
        let repaired = match store
            .inner
            .put(path, PutPayload::from_bytes(good.clone()))
            .await
        {
            Ok(_) => true,
            Err(err) => {
                tracing::error!(store = store.name, error = %err, "file store repair failed");
                false
            }
        };
        tracing::warn!(
            store = store.name,
            key = %path,
            state = state.code(),
            repaired,
            "bad copy of a file"
        );
        Problem {
            store: store.name,
            state,
            repaired,
        }
    }

    /// The file's bytes, checked against `expected`: from store A, else from B; a missing or
    /// corrupt copy met on the way is rewritten from the good one and reported (one that did
    /// not answer is reported and left to the scrub: a read does not wait on a store twice).
    pub async fn get(&self, key: &str, expected: &Checksum) -> Result<Fetched, FileError> {
        let path = ObjectPath::from(key);
        let mut bad: Vec<(usize, CopyState)> = Vec::new();
        for (index, store) in self.stores.iter().enumerate() {
            let (state, bytes) = Self::read(store, &path, expected).await;
            if let Some(bytes) = bytes {
                let mut problems = Vec::new();
                for (bad_index, bad_state) in bad {
                    problems.push(if bad_state == CopyState::Unreachable {
                        Problem {
                            store: self.stores[bad_index].name,
                            state: bad_state,
                            repaired: false,
                        }
                    } else {
                        self.repair(bad_index, &path, bad_state, &bytes).await
                    });
                }
                return Ok(Fetched { bytes, problems });
            }
            bad.push((index, state));
        }
        Err(Self::no_good_copy(&path, bad.iter().map(|(_, s)| *s)))
    }

    /// `Unavailable` if a store did not answer (its copy may be whole), else `Lost`.
    fn no_good_copy(path: &ObjectPath, states: impl Iterator<Item = CopyState>) -> FileError {
        let states: Vec<CopyState> = states.collect();
        if states.contains(&CopyState::Unreachable) {
            tracing::error!(key = %path, "no good copy of a file read: a store did not answer");
            FileError::Unavailable
        } else {
            tracing::error!(key = %path, "no good copy of a file in any store");
            FileError::Lost
        }
    }

    /// Checks both copies of a file (not stopping at the first good one) and repairs the bad
    /// ones: the scrub's step. `Err` when neither is good (`Unavailable` if a store did not
    /// answer).
    pub async fn scrub(&self, key: &str, expected: &Checksum) -> Result<Vec<Problem>, FileError> {
        let path = ObjectPath::from(key);
        let (a, b) = tokio::join!(
            Self::read(&self.stores[0], &path, expected),
            Self::read(&self.stores[1], &path, expected)
        );
        let Some(good) = a.1.clone().or_else(|| b.1.clone()) else {
            return Err(Self::no_good_copy(&path, [a.0, b.0].into_iter()));
        };
        let mut problems = Vec::new();
        for (index, (state, _)) in [a, b].into_iter().enumerate() {
            if state != CopyState::Good {
                problems.push(self.repair(index, &path, state, &good).await);
            }
        }
        Ok(problems)
    }

    /// The state of each copy of a file (A, B), read and hashed, nothing repaired: what a
    /// restore drill checks the file stores with (it must not write).
    pub async fn inspect(&self, key: &str, expected: &Checksum) -> [CopyState; 2] {
        let path = ObjectPath::from(key);
        let (a, b) = tokio::join!(
            Self::read(&self.stores[0], &path, expected),
            Self::read(&self.stores[1], &path, expected)
        );
        [a.0, b.0]
    }

    /// Every key one store holds under `prefix` (the scrub's check for objects no row names).
    pub async fn keys(&self, store: usize, prefix: &str) -> anyhow::Result<Vec<String>> {
        use futures_util::TryStreamExt;
        let prefix = ObjectPath::from(prefix);
        let metas: Vec<_> = self.stores[store]
            .inner
            .list(Some(&prefix))
            .try_collect()
            .await?;
        Ok(metas.into_iter().map(|m| m.location.to_string()).collect())
    }
}

/// One store for records that must outlive the database and never change once written: the
/// backups' run records and the log anchors, kept in the write-once (Object Lock) bucket or a
/// directory. A key is written once: writing it again with other bytes is refused.
#[derive(Clone)]
pub struct RecordStore {
    inner: Arc<dyn ObjectStore>,
    spec: StoreSpec,
}

impl std::fmt::Debug for RecordStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordStore({})", self.spec.describe())
    }
}

impl RecordStore {
    pub fn open(spec: &StoreSpec) -> anyhow::Result<Self> {
        Ok(Self {
            inner: spec.open()?,
            spec: spec.clone(),
        })
    }

    pub fn describe(&self) -> String {
        self.spec.describe()
    }

    /// Writes `key` once. A key already there with the same bytes is success (a step retried
    /// after a failure further on); with other bytes it is an error, never overwritten.
    pub async fn put_new(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        // Checked, not a conditional put: not every S3-compatible server honours
        // `If-None-Match`, and the keys are unique (the write-once bucket keeps any overwrite
        // as a new version anyway).
        let path = ObjectPath::from(key);
        match self.inner.get(&path).await {
            Ok(existing) => {
                let existing = existing.bytes().await?;
                if existing.as_ref() == bytes.as_slice() {
                    return Ok(());
                }
                anyhow::bail!(
                    "{key} is already in {} with other content",
                    self.spec.describe()
                )
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => anyhow::bail!("reading {key} from {}: {e}", self.spec.describe()),
        }
        self.inner
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|e| anyhow::anyhow!("writing {key} to {}: {e}", self.spec.describe()))?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        let read = self
            .inner
            .get(&ObjectPath::from(key))
            .await
            .map_err(|e| anyhow::anyhow!("reading {key} from {}: {e}", self.spec.describe()))?;
        Ok(read.bytes().await?)
    }

    /// The keys under `prefix`, sorted.
    pub async fn keys(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        use futures_util::TryStreamExt;
        let metas: Vec<_> = self
            .inner
            .list(Some(&ObjectPath::from(prefix)))
            .try_collect()
            .await
            .map_err(|e| anyhow::anyhow!("listing {}: {e}", self.spec.describe()))?;
        let mut keys: Vec<String> = metas.into_iter().map(|m| m.location.to_string()).collect();
        keys.sort();
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_specs_are_read_from_their_urls() {
        assert_eq!(
            "/var/lib/karte/a".parse::<StoreSpec>().unwrap(),
            StoreSpec::Local("/var/lib/karte/a".into())
        );
        assert_eq!(
            "file:.karte/files/b".parse::<StoreSpec>().unwrap(),
            StoreSpec::Local(".karte/files/b".into())
        );
        assert_eq!(
            "file:///srv/x".parse::<StoreSpec>().unwrap(),
            StoreSpec::Local("/srv/x".into())
        );
        assert_eq!(
            "s3://karte-b?endpoint=http://127.0.0.1:8333&region=ap-northeast-1&credentials=/etc/karte/s3%20b.ini"
                .parse::<StoreSpec>()
                .unwrap(),
            StoreSpec::S3 {
                bucket: "karte-b".into(),
                endpoint: Some("http://127.0.0.1:8333".into()),
                region: Some("ap-northeast-1".into()),
                credentials: Some("/etc/karte/s3 b.ini".into()),
            }
        );
        assert_eq!(
            "gs://karte-a?credentials=/etc/karte/sa.json"
                .parse::<StoreSpec>()
                .unwrap(),
            StoreSpec::Gcs {
                bucket: "karte-a".into(),
                credentials: Some("/etc/karte/sa.json".into()),
            }
        );
        assert!("s3://".parse::<StoreSpec>().is_err());
        assert!("s3://a/b".parse::<StoreSpec>().is_err());
        assert!("gs://a?endpoint=x".parse::<StoreSpec>().is_err());
        assert!("".parse::<StoreSpec>().is_err());
    }

    #[test]
    fn descriptions_never_name_credentials() {
        let spec: StoreSpec = "s3://b?endpoint=https://s3.example.jp&credentials=/secret/file"
            .parse()
            .unwrap();
        assert_eq!(spec.describe(), "s3://b (https://s3.example.jp)");
    }

    #[test]
    fn credentials_files_in_the_aws_layout_are_read() {
        let dir = std::env::temp_dir().join(format!("karte-cred-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.ini");
        std::fs::write(
            &file,
            "[default]\n# test\naws_access_key_id = AKIDTEST\naws_secret_access_key=SECRET\n",
        )
        .unwrap();
        assert_eq!(
            s3_credentials(&file).unwrap(),
            ("AKIDTEST".into(), "SECRET".into(), None)
        );
        std::fs::write(&file, "aws_access_key_id = x\n").unwrap();
        assert!(s3_credentials(&file).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn temp_stores() -> (FileStores, PathBuf) {
        let root = std::env::temp_dir().join(format!("karte-files-{}", uuid::Uuid::new_v4()));
        let stores = FileStores::open(
            &StoreSpec::Local(root.join("a")),
            &StoreSpec::Local(root.join("b")),
        )
        .unwrap();
        (stores, root)
    }

    #[tokio::test]
    async fn a_file_is_written_twice_and_a_bad_copy_is_repaired_from_the_good_one() {
        let (stores, root) = temp_stores();
        let key = FileStores::object_key(TenantId(uuid::Uuid::nil()), FileId(uuid::Uuid::nil()));
        assert_eq!(
            key,
            "tenants/00000000-0000-0000-0000-000000000000/files/00000000-0000-0000-0000-000000000000"
        );
        let bytes = Bytes::from_static(b"%PDF-1.7 fictitious");
        let sum = Checksum::of(&bytes);
        stores.put(&key, bytes.clone()).await.unwrap();
        let on_disk = |s: &str| root.join(s).join(&key);
        assert_eq!(std::fs::read(on_disk("a")).unwrap(), bytes);
        assert_eq!(std::fs::read(on_disk("b")).unwrap(), bytes);

        // A corrupt first copy: served from B, A rewritten.
        std::fs::write(on_disk("a"), b"%PDF-1.7 tampered!!").unwrap();
        let got = stores.get(&key, &sum).await.unwrap();
        assert_eq!(got.bytes, bytes);
        assert_eq!(
            got.problems,
            [Problem {
                store: "A",
                state: CopyState::Corrupt,
                repaired: true
            }]
        );
        assert_eq!(std::fs::read(on_disk("a")).unwrap(), bytes);

        // A missing second copy is not noticed by a read (A is good) but by the scrub.
        std::fs::remove_file(on_disk("b")).unwrap();
        assert!(stores.get(&key, &sum).await.unwrap().problems.is_empty());
        let problems = stores.scrub(&key, &sum).await.unwrap();
        assert_eq!(problems[0].state, CopyState::Missing);
        assert!(problems[0].repaired);
        assert_eq!(std::fs::read(on_disk("b")).unwrap(), bytes);
        assert!(stores.scrub(&key, &sum).await.unwrap().is_empty());

        // Both gone: lost, said so.
        std::fs::remove_file(on_disk("a")).unwrap();
        std::fs::remove_file(on_disk("b")).unwrap();
        assert!(matches!(stores.get(&key, &sum).await, Err(FileError::Lost)));
        assert!(matches!(
            stores.scrub(&key, &sum).await,
            Err(FileError::Lost)
        ));

        assert_eq!(
            stores.keys(0, "tenants").await.unwrap(),
            Vec::<String>::new()
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[tokio::test]
    async fn a_store_that_cannot_write_refuses_the_upload() {
        let (stores, root) = temp_stores();
        // Store B's directory replaced by a plain file: every write to it fails (as root too).
        std::fs::remove_dir_all(root.join("b")).unwrap();
        std::fs::write(root.join("b"), b"not a directory").unwrap();
        let err = stores
            .put("tenants/x/files/y", Bytes::from_static(b"\xff\xd8\xff\xe0"))
            .await
            .unwrap_err();
        assert!(matches!(err, FileError::NotStored("B")));
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn one_store_named_twice_is_refused_by_any_name() {
        let dir = std::env::temp_dir().join(format!("karte-same-{}", uuid::Uuid::new_v4()));
        let spec = StoreSpec::Local(dir.clone());
        assert!(FileStores::open(&spec, &spec).is_err());
        std::fs::create_dir_all(dir.join("x")).unwrap();
        let other_name = StoreSpec::Local(dir.join("x").join(".."));
        assert!(FileStores::open(&spec, &other_name).is_err());
        let s3 = |endpoint: &str| StoreSpec::S3 {
            bucket: "b".into(),
            endpoint: Some(endpoint.into()),
            region: None,
            credentials: None,
        };
        assert_eq!(s3("http://h:1/").place(), s3("http://h:1").place());
        assert_ne!(s3("http://h:1").place(), s3("http://h:2").place());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
