//! A PostgreSQL cluster of a test's or benchmark's own, on a free port, for what changes a
//! whole cluster (pgBackRest backs up a cluster and switches its WAL archiving on). Made with
//! Debian's `initdb` as the `postgres` user when running as root (initdb refuses root).

use sqlx::postgres::PgConnectOptions;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

/// A PostgreSQL cluster of the test's own (pgBackRest backs up a whole cluster and changes its
/// archive settings), on a free port; stopped when dropped.
pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
    pub bin: PathBuf,
}

fn is_root() -> bool {
    Process::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The cluster's owner when the test runs as root (initdb refuses root): `postgres`.
pub fn owner() -> Option<String> {
    is_root().then(|| "postgres".to_string())
}

/// `program`, run as the cluster's owner.
pub fn as_owner(program: &Path) -> Process {
    match owner() {
        Some(user) => {
            let mut c = Process::new("runuser");
            c.arg("-u").arg(user).arg("--").arg(program);
            c
        }
        None => Process::new(program),
    }
}

pub fn chown(path: &Path) {
    if let Some(user) = owner() {
        let ok = Process::new("chown")
            .arg("-R")
            .arg(format!("{user}:"))
            .arg(path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "chown {}", path.display());
    }
}

pub fn pg_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's programs in /usr/lib/postgresql (apt install postgresql)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("an initdb under /usr/lib/postgresql")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn run(mut command: Process, what: &str) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Cluster {
    pub fn start(dir: PathBuf) -> Self {
        std::fs::create_dir_all(dir.join("run")).unwrap();
        chown(&dir);
        let cluster = Self {
            port: free_port(),
            bin: pg_bin(),
            dir,
        };
        let mut initdb = as_owner(&cluster.bin.join("initdb"));
        initdb.arg("-D").arg(cluster.data()).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]);
        run(initdb, "initdb");
        cluster.pg_ctl("start");
        cluster
    }

    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn socket_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    pub fn pg_ctl(&self, action: &str) {
        let mut c = as_owner(&self.bin.join("pg_ctl"));
        c.arg("-D").arg(self.data()).arg("-w");
        if action != "stop" {
            c.arg("-l")
                .arg(self.dir.join("server.log"))
                .arg("-o")
                .arg(format!(
                    "-p {} -k {} -c listen_addresses=127.0.0.1",
                    self.port,
                    self.socket_dir().display()
                ));
        } else {
            c.args(["-m", "fast"]);
        }
        c.arg(action);
        run(c, &format!("pg_ctl {action}"));
    }

    /// The superuser, connected to `postgres` (to Karte's database: `.database("karte")`).
    pub fn admin(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("postgres")
            .database("postgres")
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut c = as_owner(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = c.output();
    }
}
