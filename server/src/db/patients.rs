//! Patients of one institution. A change is a new `patient_version`; the `patient` row is the
//! current version's projection and moves only from the version it was read at.

use super::TenantTx;
use shared::api::patients::{PatientQuery, ValidPatient};
use shared::ids::{PatientId, UserId};
use sqlx::{FromRow, Postgres, QueryBuilder};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
pub struct PatientRow {
    #[sqlx(try_from = "Uuid")]
    pub patient_id: PatientId,
    pub patient_number: String,
    pub version: i32,
    pub name: String,
    pub kana: String,
    pub sex: String,
    pub birth_date: Date,
    pub address: String,
    pub phone: String,
    pub notes: String,
    pub updated_at: OffsetDateTime,
    pub updated_by: Option<Uuid>,
}

#[derive(Debug, Clone, FromRow)]
pub struct VersionRow {
    pub version: i32,
    pub name: String,
    pub kana: String,
    pub sex: String,
    pub birth_date: Date,
    pub address: String,
    pub phone: String,
    pub notes: String,
    pub reason: String,
    pub author_user_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, FromRow)]
pub struct SummaryRow {
    #[sqlx(try_from = "Uuid")]
    pub patient_id: PatientId,
    pub patient_number: String,
    pub name: String,
    pub kana: String,
    pub sex: String,
    pub birth_date: Date,
    pub phone_digits: String,
}

const DETAIL: &str = "select p.patient_id, p.patient_number, p.version, v.name, v.kana, v.sex, v.birth_date, \
     v.address, v.phone, v.notes, v.created_at as updated_at, v.author_user_id as updated_by \
     from patient p join patient_version v on v.tenant_id = p.tenant_id and v.patient_id = p.patient_id \
     and v.version = p.version";

const SUMMARY: &str =
    "select patient_id, patient_number, name, kana, sex, birth_date, phone_digits from patient";

pub async fn find(tx: &mut TenantTx, id: PatientId) -> Result<Option<PatientRow>, sqlx::Error> {
    sqlx::query_as(&format!("{DETAIL} where p.patient_id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(tx.conn())
        .await
}

pub async fn versions(tx: &mut TenantTx, id: PatientId) -> Result<Vec<VersionRow>, sqlx::Error> {
    sqlx::query_as(
        "select version, name, kana, sex, birth_date, address, phone, notes, reason, author_user_id, created_at \
         from patient_version where patient_id = $1 order by version desc",
    )
    .bind(id.as_uuid())
    .fetch_all(tx.conn())
    .await
}

/// Patients with the same birth date whose カナ or name match (the duplicate guard).
pub async fn possible_duplicates(
    tx: &mut TenantTx,
    p: &ValidPatient,
    except: Option<PatientId>,
) -> Result<Vec<SummaryRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SUMMARY} where birth_date = $1 and (kana_normalized = $2 or name_compact = replace(replace($3, ' ', ''), '　', '')) \
         and patient_id is distinct from $4 order by patient_number limit 10"
    ))
    .bind(p.birth_date)
    .bind(&p.kana_normalized)
    .bind(&p.name)
    .bind(except.map(|p| p.as_uuid()))
    .fetch_all(tx.conn())
    .await
}

/// The next free patient number of the institution (the counter row is locked until commit).
async fn next_number(tx: &mut TenantTx) -> Result<String, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    let value: i64 = sqlx::query_scalar(
        "insert into patient_number_counter (tenant_id, last_value) \
         values ($1, coalesce((select max(patient_number::bigint) from patient), 0) + 1) \
         on conflict (tenant_id) do update set last_value = greatest(patient_number_counter.last_value + 1, \
         (select coalesce(max(patient_number::bigint), 0) + 1 from patient)) returning last_value",
    )
    .bind(tenant)
    .fetch_one(tx.conn())
    .await?;
    Ok(value.to_string())
}

/// Registers a patient as version 1. A taken patient number is `patient_number_key`.
pub async fn insert(
    tx: &mut TenantTx,
    p: &ValidPatient,
    author: UserId,
) -> Result<PatientId, sqlx::Error> {
    let id = PatientId(Uuid::new_v4());
    let number = match &p.patient_number {
        Some(n) => n.clone(),
        None => next_number(tx).await?,
    };
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into patient (tenant_id, patient_id, patient_number, version, name, kana, kana_normalized, sex, \
         birth_date, phone_digits) values ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(&number)
    .bind(&p.name)
    .bind(&p.kana)
    .bind(&p.kana_normalized)
    .bind(p.sex.code())
    .bind(p.birth_date)
    .bind(&p.phone_digits)
    .execute(tx.conn())
    .await?;
    insert_version(tx, id, 1, p, "", author).await?;
    Ok(id)
}

async fn insert_version(
    tx: &mut TenantTx,
    id: PatientId,
    version: i32,
    p: &ValidPatient,
    reason: &str,
    author: UserId,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query(
        "insert into patient_version (tenant_id, patient_id, version, name, kana, sex, birth_date, address, phone, \
         notes, reason, author_user_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(version)
    .bind(&p.name)
    .bind(&p.kana)
    .bind(p.sex.code())
    .bind(p.birth_date)
    .bind(&p.address)
    .bind(&p.phone)
    .bind(&p.notes)
    .bind(reason)
    .bind(author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Outcome of an edit.
pub enum Update {
    /// Written as this version.
    Saved(i32),
    /// The base is not the current version (someone saved in between): nothing written.
    Stale {
        current: i32,
    },
    NotFound,
}

/// Writes version `base + 1` if `base` is still current.
pub async fn update(
    tx: &mut TenantTx,
    id: PatientId,
    base: i32,
    p: &ValidPatient,
    reason: &str,
    author: UserId,
) -> Result<Update, sqlx::Error> {
    let moved: Option<i32> = sqlx::query_scalar(
        "update patient set version = version + 1, name = $3, kana = $4, kana_normalized = $5, sex = $6, \
         birth_date = $7, phone_digits = $8, updated_at = now() \
         where patient_id = $1 and version = $2 returning version",
    )
    .bind(id.as_uuid())
    .bind(base)
    .bind(&p.name)
    .bind(&p.kana)
    .bind(&p.kana_normalized)
    .bind(p.sex.code())
    .bind(p.birth_date)
    .bind(&p.phone_digits)
    .fetch_optional(tx.conn())
    .await?;
    match moved {
        Some(version) => {
            insert_version(tx, id, version, p, reason, author).await?;
            Ok(Update::Saved(version))
        }
        None => {
            let current: Option<i32> =
                sqlx::query_scalar("select version from patient where patient_id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(tx.conn())
                    .await?;
            Ok(match current {
                Some(current) => Update::Stale { current },
                None => Update::NotFound,
            })
        }
    }
}

/// Up to `limit` patients matching the query, best first.
pub async fn search(
    tx: &mut TenantTx,
    query: &PatientQuery,
    limit: i64,
) -> Result<Vec<SummaryRow>, sqlx::Error> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("{SUMMARY} where "));
    push_match(&mut q, query);
    q.push(match query {
        PatientQuery::Number(_) | PatientQuery::NumberOrPhone(_) => {
            " order by length(patient_number), patient_number"
        }
        _ => " order by kana_normalized, patient_number",
    });
    q.push(" limit ").push_bind(limit);
    q.build_query_as().fetch_all(tx.conn()).await
}

/// The condition on `patient`'s columns that `query` asks for (a number, phone or カナ or name
/// that starts so, or the birth date), for the patient search and the access-log filter.
/// The number-or-phone arm is parenthesised, so every arm can be and-ed with more.
pub fn push_match(q: &mut QueryBuilder<Postgres>, query: &PatientQuery) {
    match query {
        PatientQuery::Number(n) => push_prefix(q, "patient_number", n),
        PatientQuery::Phone(d) => push_prefix(q, "phone_digits", d),
        PatientQuery::NumberOrPhone(d) => {
            q.push("((");
            push_prefix(q, "patient_number", d);
            q.push(") or (");
            push_prefix(q, "phone_digits", d);
            q.push("))");
        }
        PatientQuery::BirthDate(d) => {
            q.push("birth_date = ").push_bind(*d);
        }
        PatientQuery::Kana(k) => push_prefix(q, "kana_normalized", k),
        PatientQuery::Name(n) => push_prefix(q, "name_compact", n),
    }
}

/// `column` starts with `prefix`, written as a byte-order range so the `text_pattern_ops` index
/// serves it. Under row-level security PostgreSQL only uses leakproof operators as index
/// conditions; `LIKE` is not leakproof (the planner would scan every row of the institution),
/// the pattern comparison operators `~>=~`/`~<~` are.
fn push_prefix(q: &mut QueryBuilder<Postgres>, column: &'static str, prefix: &str) {
    q.push(column).push(" ~>=~ ").push_bind(prefix.to_owned());
    if let Some(upper) = prefix_successor(prefix) {
        q.push(" and ").push(column).push(" ~<~ ").push_bind(upper);
    }
}

/// The smallest string greater (in code point order, which UTF-8 byte order follows) than every
/// string that starts with `prefix`; `None` when there is none (empty or all U+10FFFF).
fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_successor;

    #[test]
    fn successor_bounds_every_string_with_the_prefix() {
        assert_eq!(prefix_successor("ヤマ").as_deref(), Some("ヤミ"));
        assert_eq!(prefix_successor("0012").as_deref(), Some("0013"));
        assert_eq!(prefix_successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_successor(""), None);
        assert_eq!(prefix_successor("\u{10FFFF}"), None);
        for (prefix, s) in [
            ("ヤマ", "ヤマダ"),
            ("ヤマ", "ヤマ\u{10FFFF}"),
            ("09", "0999"),
        ] {
            let upper = prefix_successor(prefix).unwrap();
            assert!(
                s >= prefix && s < upper.as_str(),
                "{s} within [{prefix}, {upper})"
            );
        }
        assert!("ヤミ" >= prefix_successor("ヤマ").unwrap().as_str());
    }
}
