//! The billing masters in PostgreSQL (schema `master`): public reference data shared by every
//! institution, outside row-level security. Imports run as the owner role (operator command);
//! the application only reads. The dated rule is `shared::masters::MasterHistory`'s, and an import
//! is computed by that very code: the stored history is restored, the new file applied, and the
//! versions it added are inserted, all in one transaction (all or nothing).

use crate::chain::hex;
use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use shared::domain::japanese::normalize_kana;
use shared::masters::{
    self, ApplyReport, ChangeKind, CommentRecord, DiseaseRecord, DrugRecord, EndReason, FileScope,
    ImportInfo, MasterFile, MasterHistory, MasterKind, MasterRecord, MasterRow, MaterialRecord,
    ModifierRecord, ProcedureRecord, Version,
};
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use time::Date;

/// What one file's import did.
#[derive(Debug, Clone)]
pub enum Imported {
    Added {
        seq: u32,
        rows: usize,
        report: ApplyReport,
    },
    /// The same bytes were imported before (as import `seq`); nothing was written.
    AlreadyImported { seq: u32 },
}

/// The edition date in a master file name: the last run of 8 digits (`s_ALL20240531.csv`,
/// `s_20240621.csv`, `b_20240601.txt`).
pub fn edition_from_name(name: &str) -> Option<Date> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let bytes = base.as_bytes();
    (0..bytes.len().saturating_sub(7))
        .rev()
        .find(|&i| {
            bytes[i..i + 8].iter().all(u8::is_ascii_digit)
                && (i == 0 || !bytes[i - 1].is_ascii_digit())
                && bytes.get(i + 8).is_none_or(|b| !b.is_ascii_digit())
        })
        .and_then(|i| {
            let digits = &base[i..i + 8];
            let y = digits[..4].parse().ok()?;
            let m = digits[4..6].parse::<u8>().ok()?;
            let d = digits[6..].parse().ok()?;
            Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
        })
}

/// The name shown for a row and its search key (カナ, normalised like patients' カナ), from the
/// row's typed record, which also checks every field of the row.
pub fn name_and_kana(
    kind: MasterKind,
    fields: &[String],
) -> Result<(String, String), masters::FieldError> {
    let (name, kana) = match kind {
        MasterKind::Procedure => {
            let r = ProcedureRecord::from_fields(fields)?;
            (r.name, r.kana)
        }
        MasterKind::Drug => {
            let r = DrugRecord::from_fields(fields)?;
            (r.name, r.kana)
        }
        MasterKind::Material => {
            let r = MaterialRecord::from_fields(fields)?;
            (r.name, r.kana)
        }
        MasterKind::Comment => {
            let r = CommentRecord::from_fields(fields)?;
            (r.text, r.kana)
        }
        MasterKind::Disease => {
            let r = DiseaseRecord::from_fields(fields)?;
            (r.name, r.kana)
        }
        MasterKind::Modifier => {
            let r = ModifierRecord::from_fields(fields)?;
            (r.name, r.kana)
        }
    };
    Ok((name, normalize_kana(&kana)))
}

fn end_reason(code: Option<&str>) -> anyhow::Result<Option<EndReason>> {
    Ok(match code {
        None => None,
        Some("erased") => Some(EndReason::Erased),
        Some("abolished") => Some(EndReason::Abolished),
        Some("missing_from_full") => Some(EndReason::MissingFromFull),
        Some(other) => bail!("unknown end reason {other:?} in master.version"),
    })
}

fn scope_code(scope: FileScope) -> &'static str {
    match scope {
        FileScope::Full => "full",
        FileScope::Diff => "diff",
    }
}

/// Rebuilds the stored history of one master kind.
pub async fn load_history(
    conn: &mut PgConnection,
    kind: MasterKind,
) -> anyhow::Result<MasterHistory> {
    let imports = sqlx::query(
        "select seq, edition, file_name, scope, added, unchanged, ended, ended_missing \
         from master.import where kind = $1 order by seq",
    )
    .bind(kind.as_str())
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| -> anyhow::Result<ImportInfo> {
        let count =
            |c: &str| -> anyhow::Result<usize> { Ok(usize::try_from(r.try_get::<i32, _>(c)?)?) };
        Ok(ImportInfo {
            seq: u32::try_from(r.try_get::<i32, _>("seq")?)?,
            edition: r.try_get("edition")?,
            file: r.try_get("file_name")?,
            scope: if r.try_get::<String, _>("scope")? == "full" {
                FileScope::Full
            } else {
                FileScope::Diff
            },
            report: ApplyReport {
                added: count("added")?,
                unchanged: count("unchanged")?,
                ended: count("ended")?,
                ended_missing: count("ended_missing")?,
            },
        })
    })
    .collect::<anyhow::Result<Vec<_>>>()?;
    let editions: Vec<Date> = imports.iter().map(|i| i.edition).collect();
    let versions = sqlx::query(
        "select seq, valid_from, last_day, end_reason, fields from master.version \
         where kind = $1 order by code, seq",
    )
    .bind(kind.as_str())
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| -> anyhow::Result<Version> {
        let seq = u32::try_from(r.try_get::<i32, _>("seq")?)?;
        let fields: Vec<String> = r.try_get("fields")?;
        let change = fields
            .first()
            .and_then(|c| ChangeKind::from_digit(c))
            .context("stored master row without 変更区分")?;
        Ok(Version {
            seq,
            edition: *editions
                .get(seq as usize - 1)
                .context("stored version without its import")?,
            valid_from: r.try_get("valid_from")?,
            last_day: r.try_get("last_day")?,
            end: end_reason(r.try_get::<Option<String>, _>("end_reason")?.as_deref())?,
            row: MasterRow { change, fields },
        })
    })
    .collect::<anyhow::Result<Vec<_>>>()?;
    MasterHistory::restore(kind, imports, versions).map_err(|e| anyhow::anyhow!(e))
}

/// Locks the imports of one master kind for the rest of the transaction (one import at a time:
/// the history read next must stay the newest) and rebuilds its stored history.
pub async fn lock_history(
    conn: &mut PgConnection,
    kind: MasterKind,
) -> anyhow::Result<MasterHistory> {
    sqlx::query("select pg_advisory_xact_lock(hashtext('karte.master.' || $1))")
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await?;
    load_history(conn, kind).await
}

/// Imports one parsed file on top of `history` (from [`lock_history`], in the same transaction):
/// applies it with the shared rule and stores the versions it added. `progress` hears how many
/// versions are written so far.
pub async fn import_file(
    conn: &mut PgConnection,
    history: &mut MasterHistory,
    file: &MasterFile,
    bytes: &[u8],
    edition: Date,
    mut progress: impl FnMut(usize, usize),
) -> anyhow::Result<Imported> {
    let kind = file.kind;
    if history.kind() != kind {
        bail!("{}: not a {} file", file.name, history.kind().as_str());
    }
    let sha256 = hex(&Sha256::digest(bytes));
    let earlier: Option<i32> =
        sqlx::query_scalar("select seq from master.import where kind = $1 and sha256 = $2")
            .bind(kind.as_str())
            .bind(&sha256)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(seq) = earlier {
        return Ok(Imported::AlreadyImported { seq: seq as u32 });
    }
    let report = match file.scope {
        FileScope::Full => history.apply_full(file, edition)?,
        FileScope::Diff => history.apply_diff(file, edition)?,
    };
    let seq = history
        .imports()
        .last()
        .map(|i| i.seq)
        .context("the import was not recorded")?;
    sqlx::query(
        "insert into master.import (kind, seq, edition, file_name, sha256, scope, rows_read, added, \
         unchanged, ended, ended_missing) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(kind.as_str())
    .bind(seq as i32)
    .bind(edition)
    .bind(&file.name)
    .bind(&sha256)
    .bind(scope_code(file.scope))
    .bind(file.rows.len() as i32)
    .bind(report.added as i32)
    .bind(report.unchanged as i32)
    .bind(report.ended as i32)
    .bind(report.ended_missing as i32)
    .execute(&mut *conn)
    .await?;

    // Every version must make a valid typed record (a diff row only once merged onto the
    // version before it) before anything is written; the error names the file's line.
    let added: Vec<(&str, &Version)> = history.added_by(seq).collect();
    let mut rows = Vec::with_capacity(added.len());
    for (code, v) in added {
        // Ending versions repeat the last content; their name is that content's.
        let (name, kana) = name_and_kana(kind, &v.row.fields).map_err(|e| {
            let line = file
                .rows
                .iter()
                .position(|r| r.code(kind) == code)
                .map_or(0, |i| file.lines[i]);
            e.at(&file.name, line)
        })?;
        rows.push((code, v, name, kana));
    }
    let total = rows.len();
    let mut written = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(2_000).collect();
        let n = chunk.len();
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "insert into master.version (kind, code, seq, valid_from, last_day, end_reason, name, kana, fields) ",
        );
        q.push_values(chunk, |mut b, (code, v, name, kana)| {
            b.push_bind(kind.as_str())
                .push_bind(code.to_string())
                .push_bind(seq as i32)
                .push_bind(v.valid_from)
                .push_bind(v.last_day)
                .push_bind(v.end.map(EndReason::as_str))
                .push_bind(name)
                .push_bind(kana)
                .push_bind(v.row.fields.clone());
        });
        q.build().execute(&mut *conn).await?;
        written += n;
        progress(written, total);
    }
    Ok(Imported::Added {
        seq,
        rows: file.rows.len(),
        report,
    })
}

/// One import as listed by `karte-server masters status`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportRow {
    pub kind: String,
    pub seq: i32,
    pub edition: Date,
    pub file_name: String,
    pub scope: String,
    pub rows_read: i32,
    pub added: i32,
    pub imported_at: time::OffsetDateTime,
}

pub async fn imports(conn: &mut PgConnection) -> Result<Vec<ImportRow>, sqlx::Error> {
    sqlx::query_as(
        "select kind, seq, edition, file_name, scope, rows_read, added, imported_at \
         from master.import order by kind, seq",
    )
    .fetch_all(conn)
    .await
}

/// The rows of `kind` valid on `date` (every column, diffs merged); with `codes`, only those.
pub async fn rows_on(
    conn: &mut PgConnection,
    kind: MasterKind,
    date: Date,
    codes: Option<&[String]>,
) -> Result<Vec<Vec<String>>, sqlx::Error> {
    sqlx::query_scalar(
        "select fields from (select distinct on (code) code, end_reason, last_day, fields \
           from master.version where kind = $1 and (valid_from is null or valid_from <= $2) \
             and ($3::text[] is null or code = any($3)) \
           order by code, seq desc) governing \
         where end_reason is null and (last_day is null or $2 <= last_day)",
    )
    .bind(kind.as_str())
    .bind(date)
    .bind(codes)
    .fetch_all(conn)
    .await
}

/// The 医科診療行為 rows of `codes` in force on `date`, plus the rows of the 年齢加算 codes they
/// name (項番100-111), so the engine can add a 乳幼児加算 the visit did not list.
pub async fn procedure_rows_with_additions(
    conn: &mut PgConnection,
    date: Date,
    codes: &[String],
) -> Result<Vec<Vec<String>>, sqlx::Error> {
    let mut rows = rows_on(&mut *conn, MasterKind::Procedure, date, Some(codes)).await?;
    let extra: Vec<String> = shared::billing::age_addition_codes(&rows)
        .into_iter()
        .filter(|c| !codes.contains(c))
        .collect();
    if !extra.is_empty() {
        rows.extend(rows_on(conn, MasterKind::Procedure, date, Some(&extra)).await?);
    }
    Ok(rows)
}

/// Which imports are in force for pricing: the newest import of each master that prices
/// (`procedure#22 drug#1 material#1`), stored with every bill.
pub async fn revision(conn: &mut PgConnection) -> Result<String, sqlx::Error> {
    let rows: Vec<(String, i32)> = sqlx::query_as(
        "select kind, max(seq) from master.import where kind in ('procedure', 'drug', 'material') \
         group by kind order by kind desc",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|(kind, seq)| format!("{kind}#{seq}"))
        .collect::<Vec<_>>()
        .join(" "))
}

/// The versions of `kind` added by imports after `since`, by code then import, with the
/// columns a search hit shows (項番 9, 11 and 15; for drugs the 一般名, 項番38), and the newest
/// import of `kind`.
pub async fn catalog_since(
    conn: &mut PgConnection,
    kind: MasterKind,
    since: i32,
) -> Result<(i32, Vec<shared::api::billing::CatalogEntry>), sqlx::Error> {
    type Row = (
        String,
        i32,
        Option<Date>,
        Option<Date>,
        bool,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let newest: Option<i32> =
        sqlx::query_scalar("select max(seq) from master.import where kind = $1")
            .bind(kind.as_str())
            .fetch_one(&mut *conn)
            .await?;
    let rows: Vec<Row> = sqlx::query_as(
        "select code, seq, valid_from, last_day, end_reason is not null, name, kana, \
           fields[10], fields[12], fields[16], case when kind = 'drug' then fields[38] end \
         from master.version where kind = $1 and seq > $2 order by code, seq",
    )
    .bind(kind.as_str())
    .bind(since)
    .fetch_all(conn)
    .await?;
    let entries = rows
        .into_iter()
        .map(
            |(code, seq, from, last, ended, name, kana, f9, f11, f15, generic)| {
                let get = |i: usize| {
                    match i {
                        9 => f9.clone(),
                        11 => f11.clone(),
                        _ => f15.clone(),
                    }
                    .unwrap_or_default()
                };
                let (value, unit) = shared::api::billing::hit_value(kind.as_str(), get);
                shared::api::billing::CatalogEntry(
                    code,
                    seq,
                    from.map(shared::domain::japanese::format_date),
                    last.map(shared::domain::japanese::format_date),
                    ended,
                    name,
                    kana,
                    value,
                    unit,
                    shared::api::billing::generic_name_of(generic.as_deref().unwrap_or_default()),
                )
            },
        )
        .collect();
    Ok((newest.unwrap_or(0), entries))
}

/// The newest import of `kind` (0 when none), inside a tenant transaction.
pub async fn newest_import_tx(
    tx: &mut super::TenantTx,
    kind: MasterKind,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("select coalesce(max(seq), 0) from master.import where kind = $1")
        .bind(kind.as_str())
        .fetch_one(tx.conn())
        .await
}

/// [`catalog_since`] inside a tenant transaction.
pub async fn catalog_since_tx(
    tx: &mut super::TenantTx,
    kind: MasterKind,
    since: i32,
) -> Result<(i32, Vec<shared::api::billing::CatalogEntry>), sqlx::Error> {
    catalog_since(tx.conn(), kind, since).await
}

/// No 医科診療行為マスター is in force on the date: the masters were never imported (or not for
/// that date). The institution's state, not a fault of the server: callers answer it as such.
#[derive(Debug, thiserror::Error)]
#[error("no 医科診療行為マスター is in force on {0}: import the masters first (karte-server masters import)")]
pub struct NoMastersInForce(pub Date);

/// The catalog to price `visit` with: the rows in force on its date of service of every code it
/// names and every code the rules may add (`Visit::procedure_codes`), and which imports
/// answered. The same rows the browser asks for through `POST /api/v1/masters/rows`.
pub async fn catalog_for(
    conn: &mut PgConnection,
    visit: &shared::billing::Visit,
) -> anyhow::Result<(shared::billing::MemoryCatalog, String)> {
    let date = visit.service_date;
    let mut catalog = shared::billing::MemoryCatalog::new();
    for (kind, codes) in [
        (MasterKind::Procedure, visit.procedure_codes()),
        (MasterKind::Drug, visit.drug_codes()),
        (MasterKind::Material, visit.material_codes()),
    ] {
        if !codes.is_empty() {
            let rows = if kind == MasterKind::Procedure {
                procedure_rows_with_additions(conn, date, &codes).await?
            } else {
                rows_on(conn, kind, date, Some(&codes)).await?
            };
            if kind == MasterKind::Procedure && rows.is_empty() {
                return Err(NoMastersInForce(date).into());
            }
            catalog.add_rows(kind, &rows)?;
        }
    }
    Ok((catalog, revision(conn).await?))
}

/// [`catalog_for`] inside a tenant transaction (masters are not tenant data; any transaction
/// reads them).
pub async fn catalog_for_tx(
    tx: &mut super::TenantTx,
    visit: &shared::billing::Visit,
) -> anyhow::Result<(shared::billing::MemoryCatalog, String)> {
    catalog_for(tx.conn(), visit).await
}

/// [`procedure_rows_with_additions`] inside a tenant transaction.
pub async fn procedure_rows_with_additions_tx(
    tx: &mut super::TenantTx,
    date: Date,
    codes: &[String],
) -> Result<Vec<Vec<String>>, sqlx::Error> {
    procedure_rows_with_additions(tx.conn(), date, codes).await
}

/// [`rows_on`] inside a tenant transaction.
pub async fn rows_on_tx(
    tx: &mut super::TenantTx,
    kind: MasterKind,
    date: Date,
    codes: &[String],
) -> Result<Vec<Vec<String>>, sqlx::Error> {
    rows_on(tx.conn(), kind, date, Some(codes)).await
}

/// [`revision`] inside a tenant transaction.
pub async fn revision_tx(tx: &mut super::TenantTx) -> Result<String, sqlx::Error> {
    revision(tx.conn()).await
}

/// A master's versions as of one import (`seq`).
type Held = (i32, std::sync::Arc<Vec<shared::api::billing::CatalogEntry>>);

/// The masters as the app's copy holds them (`CatalogEntry`), kept in memory per master and
/// import, so the server's search (the pickers' fallback while the app has no copy) runs the
/// app's own rule, `shared::api::billing::search_catalog`, over the same rows: both list the
/// same codes in the same order by construction. Masters are shared reference data, so one
/// copy serves every institution; it is replaced when a newer import appears.
#[derive(Default)]
pub struct CatalogCache {
    copies: tokio::sync::Mutex<std::collections::HashMap<MasterKind, Held>>,
}

impl CatalogCache {
    /// The versions of `kind` up to its newest import, sorted by code then import.
    pub async fn rows(
        &self,
        tx: &mut super::TenantTx,
        kind: MasterKind,
    ) -> Result<std::sync::Arc<Vec<shared::api::billing::CatalogEntry>>, sqlx::Error> {
        let newest = newest_import_tx(tx, kind).await?;
        if let Some((seq, rows)) = self.copies.lock().await.get(&kind) {
            if *seq == newest {
                return Ok(rows.clone());
            }
        }
        let (seq, rows) = catalog_since_tx(tx, kind, 0).await?;
        let rows = std::sync::Arc::new(rows);
        // A slower load of an older import never replaces a newer copy.
        let mut copies = self.copies.lock().await;
        if copies.get(&kind).is_none_or(|(held, _)| *held <= seq) {
            copies.insert(kind, (seq, rows.clone()));
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::edition_from_name;
    use time::macros::date;

    #[test]
    fn the_edition_is_the_date_in_the_file_name() {
        assert_eq!(
            edition_from_name("s_ALL20240531.csv"),
            Some(date!(2024 - 05 - 31))
        );
        assert_eq!(
            edition_from_name("diffs/s_20240621.csv"),
            Some(date!(2024 - 06 - 21))
        );
        assert_eq!(
            edition_from_name("b_20240601.txt"),
            Some(date!(2024 - 06 - 01))
        );
        assert_eq!(edition_from_name("s_ALL2024053.csv"), None);
        assert_eq!(edition_from_name("s_ALL20241332.csv"), None);
        assert_eq!(edition_from_name("x_123456789.csv"), None);
    }
}
