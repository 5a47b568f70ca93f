//! pgBackRest, as Karte runs it: the configuration written from Karte's settings (two
//! repositories, each encrypted with its own passphrase and keeping 30 full backups), the
//! commands run as processes, and their output read (`info` as JSON; `verify`'s text, because
//! `verify` exits 0 even when it finds corruption).

use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Where one repository lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoLocation {
    /// A directory (local disk or NFS).
    Path(PathBuf),
    /// An S3-compatible bucket: `s3://BUCKET/PATH?endpoint=HOST[:PORT]&region=R&credentials=FILE[&ca=FILE]`.
    /// The endpoint is a host name (TLS checks it against the certificate), never an IP.
    S3 {
        bucket: String,
        path: String,
        host: String,
        port: Option<u16>,
        region: String,
        credentials: PathBuf,
        ca_file: Option<PathBuf>,
    },
}

impl std::str::FromStr for RepoLocation {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let Some(rest) = text.strip_prefix("s3://") else {
            if text.is_empty() {
                return Err("a repository must be named".into());
            }
            let path = text.strip_prefix("file:").unwrap_or(text);
            if !path.starts_with('/') {
                return Err("a repository directory must be an absolute path".into());
            }
            return Ok(Self::Path(PathBuf::from(path)));
        };
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, path) = location.split_once('/').unwrap_or((location, ""));
        if bucket.is_empty() {
            return Err("s3://BUCKET/PATH: the bucket is missing".into());
        }
        let path = format!("/{}", path.trim_matches('/'));
        let (mut endpoint, mut region, mut credentials, mut ca_file) = (None, None, None, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| format!("{key}: not UTF-8"))?
                .into_owned();
            match key {
                "endpoint" => endpoint = Some(value),
                "region" => region = Some(value),
                "credentials" => credentials = Some(PathBuf::from(value)),
                "ca" => ca_file = Some(PathBuf::from(value)),
                _ => return Err(format!("s3:// does not take '{key}'")),
            }
        }
        let endpoint = endpoint.ok_or("s3://: endpoint=HOST[:PORT] is required")?;
        let endpoint = endpoint
            .strip_prefix("https://")
            .unwrap_or(&endpoint)
            .trim_end_matches('/');
        let (host, port) = match endpoint.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                Some(p.parse::<u16>().map_err(|_| "s3://: the endpoint's port")?),
            ),
            None => (endpoint.to_string(), None),
        };
        if host.parse::<std::net::IpAddr>().is_ok() {
            return Err(
                "s3://: give the endpoint as a host name (TLS checks it), not an IP address".into(),
            );
        }
        Ok(Self::S3 {
            bucket: bucket.to_string(),
            path,
            host,
            port,
            region: region.unwrap_or_else(|| "us-east-1".into()),
            credentials: credentials.ok_or("s3://: credentials=FILE is required")?,
            ca_file,
        })
    }
}

impl RepoLocation {
    pub fn describe(&self) -> String {
        match self {
            Self::Path(p) => p.display().to_string(),
            Self::S3 {
                bucket, path, host, ..
            } => format!("s3://{bucket}{path} ({host})"),
        }
    }
}

/// One repository and the file holding its passphrase.
#[derive(Debug, Clone)]
pub struct Repo {
    pub location: RepoLocation,
    pub passphrase_file: PathBuf,
}

/// Everything the configuration is written from.
#[derive(Debug, Clone)]
pub struct Setup {
    pub stanza: String,
    /// The cluster's data directory (pgBackRest reads it: run as its owner).
    pub pg_data: PathBuf,
    pub pg_port: u16,
    pub pg_socket_dir: PathBuf,
    /// The superuser pgBackRest connects as.
    pub pg_user: String,
    /// PostgreSQL's programs (`pg_ctl`) for drills.
    pub pg_bin: PathBuf,
    pub repos: [Repo; 2],
    pub retention_full: u32,
    /// Karte's own directory for pgBackRest: the configuration, its spool, logs and locks, run
    /// records and drill copies.
    pub work_dir: PathBuf,
    /// When Karte runs as root: the cluster owner pgBackRest and `pg_ctl` run as.
    pub run_as: Option<String>,
}

fn read_secret(path: &Path, what: &str) -> anyhow::Result<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("reading {what} from {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "{what} in {} is readable by others (mode {:o}): chmod 600 it",
                path.display(),
                mode & 0o777
            );
        }
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {what} from {}", path.display()))?;
    let text = text.trim().to_string();
    if text.len() < 20 || text.contains(['\n', '\r']) {
        bail!(
            "{what} in {} must be one line of at least 20 characters",
            path.display()
        );
    }
    Ok(text)
}

/// A path that may go into `archive_command` (run by a shell) and `pg_ctl -o`: letters,
/// digits and `/._-+@` only, absolute.
pub fn plain_path(path: &Path) -> anyhow::Result<String> {
    let text = path.display().to_string();
    let plain = text.starts_with('/')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+@".contains(&b));
    if !plain {
        bail!(
            "{text}: give an absolute path of letters, digits and / . _ - + @ only (it goes into commands PostgreSQL runs)"
        );
    }
    Ok(text)
}

/// A stanza name: letters, digits, `_` and `-`.
fn stanza_name(name: &str) -> anyhow::Result<&str> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        bail!("the stanza name is letters, digits, _ and - only");
    }
    Ok(name)
}

/// A configuration value must stay on its line.
fn value(text: &str) -> anyhow::Result<&str> {
    if text.contains(['\n', '\r']) {
        bail!("a configuration value spans lines");
    }
    Ok(text)
}

impl Setup {
    pub fn config_path(&self) -> PathBuf {
        self.work_dir.join("pgbackrest.conf")
    }

    /// `archive_command` for postgresql.conf.
    pub fn archive_command(&self) -> String {
        format!(
            "pgbackrest --config={} --stanza={} archive-push %p",
            self.config_path().display(),
            self.stanza
        )
    }

    /// The configuration file's text. It holds the passphrases (pgBackRest reads them from its
    /// configuration only, and `archive_command` needs them): written readable by its owner only.
    pub fn config_text(&self) -> anyhow::Result<String> {
        let passphrases = [
            read_secret(&self.repos[0].passphrase_file, "repository 1's passphrase")?,
            read_secret(&self.repos[1].passphrase_file, "repository 2's passphrase")?,
        ];
        if passphrases[0] == passphrases[1] {
            bail!("the two repositories need passphrases of their own");
        }
        let work = plain_path(&self.work_dir)?;
        stanza_name(&self.stanza)?;
        let mut out = String::from(
            "# Written by karte-server backup; changes here are overwritten.\n[global]\n",
        );
        let mut line = |k: &str, v: &str| -> anyhow::Result<()> {
            out.push_str(&format!("{k}={}\n", value(v)?));
            Ok(())
        };
        for (i, (repo, pass)) in self.repos.iter().zip(&passphrases).enumerate() {
            let n = i + 1;
            match &repo.location {
                RepoLocation::Path(p) => line(&format!("repo{n}-path"), &plain_path(p)?)?,
                RepoLocation::S3 {
                    bucket,
                    path,
                    host,
                    port,
                    region,
                    credentials,
                    ca_file,
                } => {
                    let (key, secret, token) = crate::files::s3_credentials(credentials)?;
                    line(&format!("repo{n}-type"), "s3")?;
                    line(&format!("repo{n}-path"), path)?;
                    line(&format!("repo{n}-s3-bucket"), bucket)?;
                    line(&format!("repo{n}-s3-endpoint"), host)?;
                    if let Some(port) = port {
                        line(&format!("repo{n}-storage-port"), &port.to_string())?;
                    }
                    line(&format!("repo{n}-s3-region"), region)?;
                    line(&format!("repo{n}-s3-uri-style"), "path")?;
                    line(&format!("repo{n}-s3-key"), &key)?;
                    line(&format!("repo{n}-s3-key-secret"), &secret)?;
                    if let Some(token) = token {
                        line(&format!("repo{n}-s3-token"), &token)?;
                    }
                    if let Some(ca) = ca_file {
                        line(
                            &format!("repo{n}-storage-ca-file"),
                            &ca.display().to_string(),
                        )?;
                    }
                }
            }
            line(
                &format!("repo{n}-retention-full"),
                &self.retention_full.to_string(),
            )?;
            line(&format!("repo{n}-cipher-type"), "aes-256-cbc")?;
            line(&format!("repo{n}-cipher-pass"), pass)?;
        }
        line("compress-type", "zst")?;
        line("archive-async", "y")?;
        line("spool-path", &format!("{work}/spool"))?;
        line("log-path", &format!("{work}/log"))?;
        line("lock-path", &format!("{work}/lock"))?;
        line("log-level-file", "info")?;
        line("start-fast", "y")?;
        // Never archive-push-queue-max: once exceeded it drops WAL silently. Watch the disk.
        line("process-max", "2")?;
        out.push_str(&format!("\n[{}]\n", value(&self.stanza)?));
        out.push_str(&format!("pg1-path={}\n", plain_path(&self.pg_data)?));
        out.push_str(&format!("pg1-port={}\n", self.pg_port));
        out.push_str(&format!(
            "pg1-socket-path={}\n",
            plain_path(&self.pg_socket_dir)?
        ));
        out.push_str(&format!("pg1-user={}\n", value(&self.pg_user)?));
        Ok(out)
    }

    /// Writes the configuration and the directories pgBackRest uses, owned by `run_as` when
    /// set (so `archive_command`, run by PostgreSQL, can read them).
    pub async fn write_config(&self) -> anyhow::Result<()> {
        let text = self.config_text()?;
        for dir in ["", "spool", "log", "lock", "runs"] {
            std::fs::create_dir_all(self.work_dir.join(dir))
                .with_context(|| format!("creating {}", self.work_dir.join(dir).display()))?;
        }
        for repo in &self.repos {
            if let RepoLocation::Path(p) = &repo.location {
                // Made here, it is handed to the cluster's owner; an existing one (perhaps on
                // NFS, perhaps large) is left as the operator set it up.
                if !p.exists() {
                    std::fs::create_dir_all(p)
                        .with_context(|| format!("creating the repository {}", p.display()))?;
                    self.give_to_owner(p).await?;
                }
            }
        }
        crate::secrets::write_private(&self.config_path(), text.as_bytes())?;
        self.give_to_owner(&self.work_dir).await
    }

    /// `chown -R run_as` (nothing when Karte already runs as the cluster owner).
    pub async fn give_to_owner(&self, path: &Path) -> anyhow::Result<()> {
        let Some(user) = &self.run_as else {
            return Ok(());
        };
        let status = tokio::process::Command::new("chown")
            .arg("-R")
            .arg(format!("{user}:"))
            .arg(path)
            .status()
            .await
            .context("running chown")?;
        if !status.success() {
            bail!("chown {user} {} failed", path.display());
        }
        Ok(())
    }

    /// A command, run as the cluster owner when `run_as` is set.
    pub fn command(&self, program: &Path) -> tokio::process::Command {
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = tokio::process::Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(program);
                c
            }
            None => tokio::process::Command::new(program),
        };
        cmd.stdin(Stdio::null()).kill_on_drop(true);
        cmd
    }

    /// Runs `pgbackrest --config … --stanza … ARGS` and returns its output (stdout and stderr
    /// together, as an operator would read it). `Err` when it exits non-zero.
    pub async fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let (ok, text) = self.run_unchecked(args).await?;
        if !ok {
            bail!("pgbackrest {} failed:\n{}", args.join(" "), tail(&text, 30));
        }
        Ok(text)
    }

    /// As [`Self::run`], with the exit status returned rather than checked.
    pub async fn run_unchecked(&self, args: &[&str]) -> anyhow::Result<(bool, String)> {
        let output = self
            .command(Path::new("pgbackrest"))
            .arg(format!("--config={}", self.config_path().display()))
            .arg(format!("--stanza={}", self.stanza))
            .args(args)
            .output()
            .await
            .context("running pgbackrest (is it installed? apt install pgbackrest)")?;
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        Ok((output.status.success(), text))
    }

    /// `pgbackrest info` as read from its JSON.
    pub async fn info(&self) -> anyhow::Result<StanzaInfo> {
        let text = self.run(&["info", "--output=json"]).await?;
        parse_info(&text)
    }
}

/// The last `n` lines.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[derive(Debug, Clone, Deserialize)]
pub struct StanzaInfo {
    pub name: String,
    #[serde(default)]
    pub archive: Vec<ArchiveInfo>,
    #[serde(default)]
    pub backup: Vec<BackupInfo>,
    #[serde(default)]
    pub repo: Vec<RepoInfo>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ArchiveInfo {
    pub database: RepoKey,
    pub max: Option<String>,
    pub min: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct RepoKey {
    #[serde(rename = "repo-key")]
    pub repo_key: u8,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BackupInfo {
    pub database: RepoKey,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub error: Option<bool>,
    pub info: BackupSizes,
    pub timestamp: BackupTimes,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BackupSizes {
    pub size: u64,
    pub repository: RepositorySizes,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RepositorySizes {
    pub size: u64,
    pub delta: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BackupTimes {
    pub start: i64,
    pub stop: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RepoInfo {
    pub key: u8,
    pub status: RepoStatusCode,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RepoStatusCode {
    pub code: i64,
    pub message: String,
}

/// The one stanza of `pgbackrest info --output=json`.
pub fn parse_info(text: &str) -> anyhow::Result<StanzaInfo> {
    let mut stanzas: Vec<StanzaInfo> =
        serde_json::from_str(text.trim()).context("reading pgbackrest info's JSON")?;
    if stanzas.len() != 1 {
        bail!("pgbackrest info named {} stanzas, not one", stanzas.len());
    }
    Ok(stanzas.remove(0))
}

/// What `pgbackrest verify` found wrong, from its console output: it exits 0 even when it
/// finds corruption, so its text is the verdict. Empty when it found nothing.
pub fn verify_findings(exit_ok: bool, text: &str) -> Vec<String> {
    let mut findings: Vec<String> = text
        .lines()
        .filter(|line| {
            let l = line.to_ascii_lowercase();
            l.contains("status: error")
                || l.contains(" warn: ")
                || l.contains(" error: ")
                || l.contains("invalid")
                || l.contains("missing")
                || l.contains("checksum")
        })
        .map(|l| l.trim().to_string())
        .collect();
    if !exit_ok && findings.is_empty() {
        findings.push(format!("pgbackrest verify failed:\n{}", tail(text, 10)));
    }
    findings
}

/// The segment number of a WAL file name (timeline ignored), for 16 MB segments:
/// `TTTTTTTTLLLLLLLLSSSSSSSS` → `L * 256 + S`.
pub fn wal_segment_number(name: &str) -> Option<u64> {
    if name.len() != 24 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let log = u64::from_str_radix(&name[8..16], 16).ok()?;
    let seg = u64::from_str_radix(&name[16..24], 16).ok()?;
    Some(log * 0x100 + seg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_read_from_their_urls() {
        assert_eq!(
            "/var/lib/pgbackrest".parse::<RepoLocation>().unwrap(),
            RepoLocation::Path("/var/lib/pgbackrest".into())
        );
        assert!("relative/dir".parse::<RepoLocation>().is_err());
        assert_eq!(
            "s3://karte-offline/pg?endpoint=s3.example.jp:9000&region=ap-northeast-1&credentials=/etc/karte/s3.ini&ca=/etc/karte/ca.pem"
                .parse::<RepoLocation>()
                .unwrap(),
            RepoLocation::S3 {
                bucket: "karte-offline".into(),
                path: "/pg".into(),
                host: "s3.example.jp".into(),
                port: Some(9000),
                region: "ap-northeast-1".into(),
                credentials: "/etc/karte/s3.ini".into(),
                ca_file: Some("/etc/karte/ca.pem".into()),
            }
        );
        // An IP endpoint stalls TLS in pgBackRest and then fails: refused up front.
        assert!("s3://b?endpoint=127.0.0.1:9000&credentials=/c"
            .parse::<RepoLocation>()
            .unwrap_err()
            .contains("host name"));
        assert!("s3://b?endpoint=h&credentials=/c&x=1"
            .parse::<RepoLocation>()
            .is_err());
        assert!("s3://b?credentials=/c".parse::<RepoLocation>().is_err());
    }

    fn setup(dir: &Path) -> Setup {
        let one = dir.join("one.pass");
        let two = dir.join("two.pass");
        std::fs::write(&one, "first-passphrase-0123456789\n").unwrap();
        std::fs::write(&two, "second-passphrase-0123456789\n").unwrap();
        for f in [&one, &two] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let creds = dir.join("s3.ini");
        std::fs::write(
            &creds,
            "[default]\naws_access_key_id = AKEXAMPLE\naws_secret_access_key = secret-example\n",
        )
        .unwrap();
        Setup {
            stanza: "karte".into(),
            pg_data: "/var/lib/postgresql/15/main".into(),
            pg_port: 5432,
            pg_socket_dir: "/var/run/postgresql".into(),
            pg_user: "postgres".into(),
            pg_bin: "/usr/lib/postgresql/15/bin".into(),
            repos: [
                Repo {
                    location: RepoLocation::Path("/var/lib/pgbackrest".into()),
                    passphrase_file: one,
                },
                Repo {
                    location: format!(
                        "s3://karte-offline/pg?endpoint=s3.example.jp&credentials={}",
                        creds.display()
                    )
                    .parse()
                    .unwrap(),
                    passphrase_file: two,
                },
            ],
            retention_full: 30,
            work_dir: "/var/lib/karte/backup".into(),
            run_as: None,
        }
    }

    #[test]
    fn the_configuration_has_two_encrypted_repositories_of_thirty_fulls() {
        let dir = std::env::temp_dir().join(format!("karte-pgbr-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = setup(&dir);
        let text = s.config_text().unwrap();
        for line in [
            "repo1-path=/var/lib/pgbackrest",
            "repo1-retention-full=30",
            "repo1-cipher-type=aes-256-cbc",
            "repo1-cipher-pass=first-passphrase-0123456789",
            "repo2-type=s3",
            "repo2-s3-bucket=karte-offline",
            "repo2-s3-endpoint=s3.example.jp",
            "repo2-s3-key=AKEXAMPLE",
            "repo2-retention-full=30",
            "repo2-cipher-pass=second-passphrase-0123456789",
            "[karte]",
            "pg1-path=/var/lib/postgresql/15/main",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(!text.contains("archive-push-queue-max"));
        // One passphrase for both repositories is refused; so is a short one.
        std::fs::write(&s.repos[1].passphrase_file, "first-passphrase-0123456789").unwrap();
        assert!(s.config_text().is_err());
        std::fs::write(&s.repos[1].passphrase_file, "short").unwrap();
        assert!(s.config_text().is_err());
        {
            use std::os::unix::fs::PermissionsExt;
            let f = &s.repos[1].passphrase_file;
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(s
                .config_text()
                .unwrap_err()
                .to_string()
                .contains("chmod 600"));
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        s.work_dir = "/var/lib/karte/it's; rm -rf".into();
        std::fs::write(&s.repos[1].passphrase_file, "second-passphrase-0123456789").unwrap();
        assert!(
            s.config_text().is_err(),
            "a path a shell would split is refused"
        );
        s.work_dir = "/var/lib/karte/backup".into();
        s.stanza = "karte\n[evil]".into();
        std::fs::write(&s.repos[1].passphrase_file, "second-passphrase-0123456789").unwrap();
        assert!(s.config_text().is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn verify_output_with_an_invalid_file_is_a_finding_though_the_exit_is_zero() {
        let ok = "2026-12-05 05:49:20.973 P00 DETAIL: archiveId: 15-1, wal start: 000000010000000000000001, wal stop: 000000010000000000000005\n\
                  2026-12-05 05:49:20.973 P00   INFO: verify command end: completed successfully (110ms)\n";
        assert!(verify_findings(true, ok).is_empty());
        let bad = "2026-12-05 05:49:21.125 P01   INFO: invalid checksum '20261205-054908F/pg_data/base/5/1255.zst'\n\
                   2026-12-05 05:49:21.133 P00   INFO: stanza: karte\n\
                   \x20                                   status: error\n\
                   2026-12-05 05:49:21.133 P00   INFO: verify command end: completed successfully (116ms)\n";
        let findings = verify_findings(true, bad);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(!verify_findings(false, "").is_empty());
    }

    #[test]
    fn wal_segments_are_numbered_across_log_files() {
        assert_eq!(wal_segment_number("000000010000000000000005"), Some(5));
        assert_eq!(wal_segment_number("0000000100000001000000FF"), Some(511));
        assert_eq!(wal_segment_number("00000001000000010000000"), None);
        assert_eq!(wal_segment_number("00000001000000010000000G"), None);
    }

    #[test]
    fn info_json_is_read() {
        let text = r#"[{"archive":[{"database":{"id":1,"repo-key":1},"id":"15-1","max":"000000010000000000000005","min":"000000010000000000000001"}],
            "backup":[{"archive":{"start":"000000010000000000000002","stop":"000000010000000000000003"},"backrest":{"format":5,"version":"2.45"},
            "database":{"id":1,"repo-key":1},"error":false,"info":{"delta":23279330,"repository":{"delta":2853488,"size":2853488},"size":23279330},
            "label":"20261205-054908F","lsn":{"start":"0/2000028","stop":"0/3000050"},"prior":null,"reference":null,
            "timestamp":{"start":1796449748,"stop":1796449751},"type":"full"}],
            "cipher":"aes-256-cbc","db":[],"name":"karte","repo":[{"cipher":"aes-256-cbc","key":1,"status":{"code":0,"message":"ok"}}],
            "status":{"code":0,"lock":{"backup":{"held":false}},"message":"ok"}}]"#;
        let info = parse_info(text).unwrap();
        assert_eq!(info.backup[0].label, "20261205-054908F");
        assert_eq!(info.backup[0].database.repo_key, 1);
        assert_eq!(
            info.archive[0].max.as_deref(),
            Some("000000010000000000000005")
        );
        assert!(parse_info("[]").is_err());
        assert!(parse_info("not json").is_err());
    }
}
