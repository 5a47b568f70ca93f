//! 郵便番号 → 住所 in PostgreSQL (`master.postal_*`): the operator's import and the lookup the
//! registration form uses.

use shared::masters::postal::PostalAddress;
use sqlx::PgConnection;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalImported {
    pub seq: i32,
    pub addresses: usize,
}

/// Records an import of `addresses` (read from `rows_read` rows of `file_name`, whose bytes hash
/// to `sha256`) and makes them the ones looked up; the previous import's addresses go. Run as
/// the owner role, in the caller's transaction.
pub async fn import(
    conn: &mut PgConnection,
    file_name: &str,
    sha256: &str,
    rows_read: usize,
    addresses: &[PostalAddress],
) -> Result<PostalImported, sqlx::Error> {
    sqlx::query("lock table master.postal_import in exclusive mode")
        .execute(&mut *conn)
        .await?;
    let seq: i32 = sqlx::query_scalar("select coalesce(max(seq), 0) + 1 from master.postal_import")
        .fetch_one(&mut *conn)
        .await?;
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    sqlx::query(
        "insert into master.postal_import (seq, file_name, sha256, rows_read, addresses) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(seq)
    .bind(file_name)
    .bind(sha256)
    .bind(count(rows_read))
    .bind(count(addresses.len()))
    .execute(&mut *conn)
    .await?;
    sqlx::query("delete from master.postal_address where seq < $1")
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    for (chunk_no, chunk) in addresses.chunks(10_000).enumerate() {
        let base = chunk_no * 10_000;
        let ord: Vec<i32> = (0..chunk.len()).map(|i| count(base + i)).collect();
        let column = |f: fn(&PostalAddress) -> &str| -> Vec<String> {
            chunk.iter().map(|a| f(a).to_string()).collect()
        };
        sqlx::query(
            "insert into master.postal_address (seq, code, ord, prefecture, city, town) \
             select $1, * from unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[]) \
             on conflict do nothing",
        )
        .bind(seq)
        .bind(column(|a| &a.code))
        .bind(&ord)
        .bind(column(|a| &a.prefecture))
        .bind(column(|a| &a.city))
        .bind(column(|a| &a.town))
        .execute(&mut *conn)
        .await?;
    }
    Ok(PostalImported {
        seq,
        addresses: addresses.len(),
    })
}

/// The addresses of a 7-digit `code` in the latest import, as published.
pub async fn lookup(
    conn: &mut PgConnection,
    code: &str,
) -> Result<Vec<PostalAddress>, sqlx::Error> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "select code, prefecture, city, town from master.postal_address \
         where code = $1 and seq = (select max(seq) from master.postal_import) order by ord",
    )
    .bind(code)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, prefecture, city, town)| PostalAddress {
            code,
            prefecture,
            city,
            town,
        })
        .collect())
}

/// [`lookup`] inside a tenant transaction (reference data; any transaction reads it).
pub async fn lookup_tx(
    tx: &mut super::TenantTx,
    code: &str,
) -> Result<Vec<PostalAddress>, sqlx::Error> {
    lookup(tx.conn(), code).await
}
