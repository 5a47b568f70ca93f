//! One institution's rows, table by table, out of and into a database: what
//! `karte-server export` and `import` move. Over an owner-role connection with the institution's
//! setting, so row-level security confines every read and write to that institution (a role
//! that bypasses it is refused). Generic over the schema: every table of `public` with a
//! `tenant_id` column, in an order where each table comes after the tables it references, rows
//! as PostgreSQL's own JSON of them (`row_to_json`) and back (`json_populate_recordset`).

use super::bootstrap::quote_ident;
use anyhow::{bail, Context};
use shared::ids::TenantId;
use sqlx::{Connection, PgConnection, Postgres, Transaction};
use std::collections::{BTreeMap, BTreeSet};

/// Tables not moved: sessions and sign-in challenges live minutes and mean nothing elsewhere.
const TRANSIENT: &[&str] = &["session", "webauthn_challenge"];

/// Rows staged per statement when writing, and at most this many bytes of them.
pub const BATCH: usize = 2_000;
pub const BATCH_BYTES: usize = 64 * 1024 * 1024;

/// An owner-role transaction confined to one institution.
pub struct InstitutionTx<'c>(Transaction<'c, Postgres>, TenantId);

impl<'c> InstitutionTx<'c> {
    /// `read_only`: a repeatable-read snapshot (an export sees one moment).
    pub async fn begin(
        conn: &'c mut PgConnection,
        tenant: TenantId,
        read_only: bool,
    ) -> anyhow::Result<Self> {
        let mut tx = conn.begin().await?;
        if read_only {
            sqlx::query("set transaction isolation level repeatable read, read only")
                .execute(&mut *tx)
                .await?;
        }
        if super::bypasses_rls(&mut *tx).await? {
            bail!("connect as the owner role (karte_owner): a role that bypasses row-level security would move every institution's rows");
        }
        sqlx::query("select set_config('app.tenant_id', $1, true)")
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await?;
        Ok(Self(tx, tenant))
    }

    pub async fn commit(self) -> anyhow::Result<()> {
        self.0.commit().await?;
        Ok(())
    }
}

/// The institution named by its 医療機関コード (through the system function the sign-in uses:
/// `institution` shows a row only to its own setting).
pub async fn tenant_of(conn: &mut PgConnection, code: &str) -> anyhow::Result<Option<TenantId>> {
    let id: Option<uuid::Uuid> = sqlx::query_scalar("select system.institution_by_code($1)")
        .bind(code)
        .fetch_one(conn)
        .await
        .context("looking up the institution")?;
    Ok(id.map(TenantId))
}

/// The institution's stored files: key, SHA-256, size.
pub async fn stored_files(
    tx: &mut InstitutionTx<'_>,
) -> anyhow::Result<Vec<(String, Vec<u8>, i64)>> {
    Ok(
        sqlx::query_as(
            "select object_key, sha256, size_bytes from stored_file order by object_key",
        )
        .fetch_all(&mut *tx.0)
        .await?,
    )
}

/// The institution's filed claim files (UKE), as filed, one at a time: filing, payer, bytes.
pub async fn claim_files(
    tx: &mut InstitutionTx<'_>,
    mut each: impl FnMut(uuid::Uuid, &str, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query_as::<_, (uuid::Uuid, String, Vec<u8>)>(
        "select filing_id, payer, bytes from claim_file where tenant_id = $1 \
         order by filing_id, payer",
    )
    .bind(tx.1.as_uuid())
    .fetch(&mut *tx.0);
    while let Some((filing, payer, bytes)) = rows.try_next().await? {
        each(filing, &payer, &bytes)?;
    }
    Ok(())
}

/// Rows of the archived part of the institution's log chains (archived rows live in the
/// record store, not here).
pub async fn archived_log_rows(tx: &mut InstitutionTx<'_>) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "select coalesce(sum(archived_through_seq), 0)::bigint from log_chain where tenant_id = $1",
    )
    .bind(tx.1.as_uuid())
    .fetch_one(&mut *tx.0)
    .await?)
}

/// The institutions' codes the transaction sees (its own, once written).
pub async fn institution_codes(tx: &mut InstitutionTx<'_>) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar("select code from institution")
        .fetch_all(&mut *tx.0)
        .await?)
}

/// Every institution table, each after the tables it references.
pub async fn tables(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_class c
         join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
         where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
         order by 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let edges: Vec<(String, String)> = sqlx::query_as(
        "select c.relname::text, r.relname::text from pg_constraint k
         join pg_class c on c.oid = k.conrelid join pg_class r on r.oid = k.confrelid
         where k.contype = 'f' and c.relnamespace = 'public'::regnamespace
           and r.relnamespace = 'public'::regnamespace and c.oid <> r.oid",
    )
    .fetch_all(&mut *conn)
    .await?;
    let wanted: BTreeSet<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !TRANSIENT.contains(n))
        .collect();
    let mut needs: BTreeMap<&str, BTreeSet<&str>> =
        wanted.iter().map(|n| (*n, BTreeSet::new())).collect();
    for (table, referenced) in &edges {
        if wanted.contains(table.as_str()) && wanted.contains(referenced.as_str()) {
            needs
                .entry(table.as_str())
                .or_default()
                .insert(referenced.as_str());
        }
    }
    let mut order = Vec::new();
    while !needs.is_empty() {
        let ready: Vec<&str> = needs
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            bail!("the tables' references form a circle: {:?}", needs.keys());
        }
        for t in ready {
            needs.remove(t);
            for deps in needs.values_mut() {
                deps.remove(t);
            }
            order.push(t.to_string());
        }
    }
    Ok(order)
}

/// The columns a row is written with (generated columns are computed again).
async fn writable_columns(tx: &mut PgConnection, table: &str) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "select quote_ident(attname) from pg_attribute
         where attrelid = ('public.' || quote_ident($1))::regclass and attnum > 0
           and not attisdropped and attgenerated = ''
         order by attnum",
    )
    .bind(table)
    .fetch_all(tx)
    .await?)
}

/// The institution's rows of `table`, one JSON object each, in primary-key order, handed to
/// `each` (so a large table is never held whole).
pub async fn read_rows(
    tx: &mut InstitutionTx<'_>,
    table: &str,
    mut each: impl FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    use futures_util::TryStreamExt;
    let order: Option<String> = sqlx::query_scalar(
        "select string_agg(quote_ident(a.attname), ', ' order by k.ord)
         from pg_index i cross join unnest(i.indkey) with ordinality as k(attnum, ord)
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
         where i.indrelid = ('public.' || quote_ident($1))::regclass and i.indisprimary",
    )
    .bind(table)
    .fetch_one(&mut *tx.0)
    .await?;
    // The institution named as well as confined by row-level security.
    let sql = format!(
        "select row_to_json(t)::text from public.{} t where tenant_id = $1 order by {}",
        quote_ident(table),
        order.unwrap_or_else(|| "1".into())
    );
    let mut rows = sqlx::query_scalar::<_, String>(&sql)
        .bind(tx.1.as_uuid())
        .fetch(&mut *tx.0);
    let mut n = 0;
    while let Some(json) = rows.try_next().await? {
        each(&json)?;
        n += 1;
    }
    Ok(n)
}

/// Stages rows (JSON objects as [`read_rows`] gave them) for the table being imported; the
/// table is written from them in one statement by [`write_staged`] (so rows that reference rows
/// of the same table, such as a corrected vital sign, are checked when all are there).
pub async fn stage_rows(tx: &mut InstitutionTx<'_>, rows: &[String]) -> anyhow::Result<()> {
    sqlx::query(
        "create temporary table if not exists karte_import_stage (j json not null) on commit drop",
    )
    .execute(&mut *tx.0)
    .await?;
    sqlx::query("insert into karte_import_stage (j) select json_array_elements($1::json)")
        .bind(format!("[{}]", rows.join(",")))
        .execute(&mut *tx.0)
        .await
        .context("staging rows")?;
    Ok(())
}

/// Writes the staged rows into `table` (generated columns computed again) and empties the
/// stage. Every row must belong to the transaction's institution: row-level security refuses
/// any other.
pub async fn write_staged(tx: &mut InstitutionTx<'_>, table: &str) -> anyhow::Result<u64> {
    sqlx::query(
        "create temporary table if not exists karte_import_stage (j json not null) on commit drop",
    )
    .execute(&mut *tx.0)
    .await?;
    let columns = writable_columns(&mut tx.0, table).await?;
    let list = columns.join(", ");
    let from_row: Vec<String> = columns.iter().map(|c| format!("r.{c}")).collect();
    let written = sqlx::query(&format!(
        "insert into public.{t} ({list}) select {} \
         from karte_import_stage s, json_populate_record(null::public.{t}, s.j) r",
        from_row.join(", "),
        t = quote_ident(table)
    ))
    .execute(&mut *tx.0)
    .await
    .with_context(|| format!("writing the rows of {table}"))?
    .rows_affected();
    sqlx::query("truncate karte_import_stage")
        .execute(&mut *tx.0)
        .await?;
    Ok(written)
}
