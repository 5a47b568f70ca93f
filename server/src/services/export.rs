//! An institution's data, whole (`karte-server export --institution CODE` and `import`): how a
//! clinic leaves or moves, and what a whole-cluster restore cannot do for one institution.
//!
//! The export directory holds `tables/<table>.jsonl` (every row of the institution, every
//! version of every record, the access and audit logs with their hash chains: PostgreSQL's own
//! JSON of each row), `files/<key>` (every stored file, read through the checksum), `uke/…`
//! (each filed month's claim files as filed: the standard format), and `manifest.json` with the
//! rows, size and SHA-256 of each. An import into a database at the same migration checks every
//! SHA-256 first, writes the files to both stores, then every row in one transaction.

use crate::db::export::{self as rows_db, InstitutionTx};
use crate::files::{Checksum, FileStores};
use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::ids::TenantId;
use sqlx::PgConnection;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportManifest {
    pub format: u32,
    pub institution_code: String,
    pub tenant_id: uuid::Uuid,
    /// The database's migration when exported; an import needs the same.
    pub migration_version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    /// In the order an import writes them (each after the tables it references).
    pub tables: Vec<ExportedFile>,
    pub files: Vec<ExportedFile>,
    pub claim_files: Vec<ExportedFile>,
}

/// One file of the export: where it lies in the directory, its rows (tables), size, SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportedFile {
    /// The table, the object key, or the claim file's name.
    pub name: String,
    pub path: String,
    pub rows: Option<u64>,
    pub size: u64,
    pub sha256: String,
}

/// A relative path inside the export that cannot leave it.
fn inside(dir: &Path, relative: &str) -> anyhow::Result<PathBuf> {
    let path = Path::new(relative);
    if relative.is_empty()
        || path.is_absolute()
        || path
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        bail!("{relative:?} is not a path inside the export");
    }
    Ok(dir.join(path))
}

/// A new file of the export, readable by its owner only (it holds medical records).
fn create_private(path: &Path) -> anyhow::Result<std::fs::File> {
    if let Some(parent) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))
}

fn write_file(dir: &Path, relative: &str, bytes: &[u8]) -> anyhow::Result<ExportedFile> {
    let path = inside(dir, relative)?;
    create_private(&path)?.write_all(bytes)?;
    Ok(ExportedFile {
        name: relative.to_string(),
        path: relative.to_string(),
        rows: None,
        size: bytes.len() as u64,
        sha256: crate::chain::hex(&Sha256::digest(bytes)),
    })
}

/// Exports the institution `code` into `out` (which must be empty or not exist), reading as
/// the owner role (`owner`) in one snapshot; `progress` hears of each table.
pub async fn export_institution(
    owner: &mut PgConnection,
    stores: &FileStores,
    code: &str,
    out: &Path,
    mut progress: impl FnMut(&str, u64),
) -> anyhow::Result<ExportManifest> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!("{} is not empty", out.display());
    }
    let tenant = rows_db::tenant_of(owner, code)
        .await?
        .with_context(|| format!("no institution {code}"))?;
    let migration_version = crate::db::backup::migration_version(owner)
        .await?
        .unwrap_or(0);
    let tables = rows_db::tables(owner).await?;
    let mut manifest = ExportManifest {
        format: 1,
        institution_code: code.to_string(),
        tenant_id: tenant.as_uuid(),
        migration_version,
        exported_at: OffsetDateTime::now_utc(),
        tables: Vec::new(),
        files: Vec::new(),
        claim_files: Vec::new(),
    };
    let mut tx = InstitutionTx::begin(owner, tenant, true).await?;
    if rows_db::archived_log_rows(&mut tx).await? > 0 {
        bail!(
            "{code} has archived log rows (audit archive): they live in the record store, and \
             the export cannot carry them yet; nothing was exported"
        );
    }
    for table in &tables {
        let relative = format!("tables/{table}.jsonl");
        let path = inside(out, &relative)?;
        let mut file = std::io::BufWriter::new(create_private(&path)?);
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let rows = rows_db::read_rows(&mut tx, table, |json| {
            file.write_all(json.as_bytes())?;
            file.write_all(b"\n")?;
            hasher.update(json.as_bytes());
            hasher.update(b"\n");
            size += json.len() as u64 + 1;
            Ok(())
        })
        .await?;
        file.flush()?;
        progress(table, rows);
        manifest.tables.push(ExportedFile {
            name: table.clone(),
            path: relative,
            rows: Some(rows),
            size,
            sha256: crate::chain::hex(&hasher.finalize()),
        });
    }
    let files = rows_db::stored_files(&mut tx).await?;
    let mut claim_files = Vec::new();
    rows_db::claim_files(&mut tx, |filing, payer, bytes| {
        let relative = format!("uke/{filing}/{payer}/RECEIPTC.UKE");
        claim_files.push(write_file(out, &relative, bytes)?);
        Ok(())
    })
    .await?;
    manifest.claim_files = claim_files;
    tx.commit().await?;
    for (key, sha256, size) in files {
        let sha256 = <[u8; 32]>::try_from(sha256.as_slice())
            .map_err(|_| anyhow::anyhow!("a stored SHA-256 is not 32 bytes"))?;
        let fetched = stores
            .get(
                &key,
                &Checksum {
                    sha256,
                    size: size as u64,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("reading {key}: {e}"))?;
        let mut entry = write_file(out, &format!("files/{key}"), &fetched.bytes)?;
        entry.name = key;
        manifest.files.push(entry);
    }
    let json = serde_json::to_vec_pretty(&manifest)?;
    create_private(&out.join("manifest.json"))?.write_all(&json)?;
    Ok(manifest)
}

/// What an import wrote.
#[derive(Debug, Serialize)]
pub struct ImportReport {
    pub tenant_id: TenantId,
    pub institution_code: String,
    pub tables: usize,
    pub rows: u64,
    pub files: usize,
}

/// Imports an export from `dir` into this database (as the owner role) and its file stores.
/// Refused, changing nothing, when any file's SHA-256 differs from the manifest, the database
/// is at another migration, or the institution is already there.
pub async fn import_institution(
    owner: &mut PgConnection,
    stores: &FileStores,
    dir: &Path,
) -> anyhow::Result<ImportReport> {
    let manifest: ExportManifest = serde_json::from_slice(
        &std::fs::read(dir.join("manifest.json")).context("reading manifest.json")?,
    )
    .context("reading manifest.json")?;
    if manifest.format != 1 {
        bail!(
            "an export of format {} (this server reads 1)",
            manifest.format
        );
    }
    let here = crate::db::backup::migration_version(owner)
        .await?
        .unwrap_or(0);
    if manifest.migration_version != here {
        bail!(
            "the export is from migration {}, this database is at {here}: migrate to the same first",
            manifest.migration_version
        );
    }
    // Exactly this database's institution tables, in its order: nothing else is written.
    let tables = rows_db::tables(owner).await?;
    let named: Vec<&str> = manifest.tables.iter().map(|t| t.name.as_str()).collect();
    if named != tables.iter().map(String::as_str).collect::<Vec<_>>() {
        bail!("the export's tables are not this database's institution tables");
    }
    for f in manifest
        .tables
        .iter()
        .chain(&manifest.files)
        .chain(&manifest.claim_files)
    {
        let mut file = std::fs::File::open(inside(dir, &f.path)?)
            .with_context(|| format!("reading {}", f.path))?;
        let mut hasher = Sha256::new();
        let size = std::io::copy(&mut file, &mut hasher)?;
        if crate::chain::hex(&hasher.finalize()) != f.sha256 || size != f.size {
            bail!(
                "{} does not match the manifest: nothing was imported",
                f.path
            );
        }
    }
    let tenant = TenantId(manifest.tenant_id);
    if rows_db::tenant_of(owner, &manifest.institution_code)
        .await?
        .is_some()
    {
        bail!(
            "institution {} is already in this database",
            manifest.institution_code
        );
    }
    // Files only under the institution's own keys, each one its stored_file rows record.
    let recorded = recorded_files(dir, &manifest)?;
    let prefix = format!("tenants/{tenant}/files/");
    for f in &manifest.files {
        if !f.name.starts_with(&prefix)
            || recorded.get(&f.name) != Some(&(f.sha256.clone(), f.size))
        {
            bail!("{} is not a file of the institution's records", f.name);
        }
    }
    let mut tx = InstitutionTx::begin(owner, tenant, false).await?;
    if !rows_db::institution_codes(&mut tx).await?.is_empty() {
        bail!("this institution's id is already in this database");
    }
    for f in &manifest.files {
        let bytes = std::fs::read(inside(dir, &f.path)?)?;
        stores
            .put(&f.name, bytes.into())
            .await
            .map_err(|e| anyhow::anyhow!("writing {} to the file stores: {e}", f.name))?;
    }
    let mut rows = 0u64;
    for t in &manifest.tables {
        let file = std::fs::File::open(inside(dir, &t.path)?)?;
        let mut batch = Vec::new();
        let mut bytes = 0;
        for line in std::io::BufReader::new(file).lines() {
            let line = line?;
            if line.is_empty() {
                continue;
            }
            bytes += line.len();
            batch.push(line);
            if batch.len() >= rows_db::BATCH || bytes >= rows_db::BATCH_BYTES {
                rows_db::stage_rows(&mut tx, &batch).await?;
                batch.clear();
                bytes = 0;
            }
        }
        if !batch.is_empty() {
            rows_db::stage_rows(&mut tx, &batch).await?;
        }
        rows += rows_db::write_staged(&mut tx, &t.name).await?;
    }
    if rows_db::institution_codes(&mut tx).await? != [manifest.institution_code.clone()] {
        bail!("the export does not hold its institution as named; nothing was imported");
    }
    tx.commit().await?;
    Ok(ImportReport {
        tenant_id: tenant,
        institution_code: manifest.institution_code,
        tables: manifest.tables.len(),
        rows,
        files: manifest.files.len(),
    })
}

/// The files the export's `stored_file` rows record: key → (SHA-256 in hex, size).
fn recorded_files(
    dir: &Path,
    manifest: &ExportManifest,
) -> anyhow::Result<std::collections::HashMap<String, (String, u64)>> {
    let mut out = std::collections::HashMap::new();
    let Some(t) = manifest.tables.iter().find(|t| t.name == "stored_file") else {
        return Ok(out);
    };
    let file = std::fs::File::open(inside(dir, &t.path)?)?;
    for line in std::io::BufReader::new(file).lines() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let row: serde_json::Value = serde_json::from_str(&line).context("a stored_file row")?;
        let key = row["object_key"].as_str().unwrap_or_default().to_string();
        // bytea comes out of row_to_json as "\\x…".
        let sha = row["sha256"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("\\x")
            .to_string();
        let size = row["size_bytes"].as_u64().unwrap_or(0);
        out.insert(key, (sha, size));
    }
    Ok(out)
}
