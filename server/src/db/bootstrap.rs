//! One-time database set-up with a superuser: the three roles, the database, migrations.
//! Idempotent: running it again changes nothing that exists and applies new migrations.

use super::{APP_ROLE, MIGRATOR, OWNER_ROLE, SYSTEM_ROLE};
use anyhow::Context;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

/// Passwords for the two login roles; `None` leaves a role without one (trust/peer auth).
#[derive(Default)]
pub struct RolePasswords {
    pub owner: Option<String>,
    pub app: Option<String>,
}

pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Whether an existing database is kept (production) or dropped and created afresh (the test
/// template, whose migrations may have changed since it was made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Keep,
    Recreate,
}

/// Creates roles and `database` if missing, then migrates it as the owner.
/// `admin` must be a superuser (it creates a BYPASSRLS role).
pub async fn bootstrap(
    admin: &PgConnectOptions,
    database: &str,
    passwords: &RolePasswords,
    existing: Existing,
) -> anyhow::Result<()> {
    let mut conn = admin
        .connect()
        .await
        .context("connecting with the administrative URL")?;
    if existing == Existing::Recreate {
        sqlx::query(&format!(
            "drop database if exists {} with (force)",
            quote_ident(database)
        ))
        .execute(&mut conn)
        .await
        .context("dropping the database")?;
    }
    ensure_role(
        &mut conn,
        OWNER_ROLE,
        "login nosuperuser nobypassrls nocreaterole",
        passwords.owner.as_deref(),
    )
    .await?;
    ensure_role(
        &mut conn,
        APP_ROLE,
        "login nosuperuser nobypassrls nocreatedb nocreaterole noinherit",
        passwords.app.as_deref(),
    )
    .await?;
    ensure_role(
        &mut conn,
        SYSTEM_ROLE,
        "nologin nosuperuser bypassrls",
        None,
    )
    .await?;
    // The owner creates the system schema and hands its functions to karte_system.
    sqlx::query(&format!("grant {SYSTEM_ROLE} to {OWNER_ROLE}"))
        .execute(&mut conn)
        .await?;

    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(database)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        sqlx::query(&format!(
            "create database {} owner {OWNER_ROLE} encoding 'UTF8' template template0",
            quote_ident(database)
        ))
        .execute(&mut conn)
        .await
        .context("creating the database")?;
    }
    restrict_connect(&mut conn, database).await?;
    conn.close().await.ok();
    migrate(&owner_options(admin, database, passwords)).await
}

/// Only the two Karte login roles may connect to a Karte database.
pub async fn restrict_connect(conn: &mut PgConnection, database: &str) -> anyhow::Result<()> {
    let db = quote_ident(database);
    for statement in [
        format!("revoke connect, temporary on database {db} from public"),
        format!("grant connect on database {db} to {OWNER_ROLE}, {APP_ROLE}"),
    ] {
        sqlx::query(&statement).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The owner's connection options, derived from the administrative ones.
pub fn owner_options(
    admin: &PgConnectOptions,
    database: &str,
    passwords: &RolePasswords,
) -> PgConnectOptions {
    let options = admin.clone().username(OWNER_ROLE).database(database);
    match &passwords.owner {
        Some(pw) => options.password(pw),
        None => options,
    }
}

/// Applies pending migrations, as the owner role.
pub async fn migrate(owner: &PgConnectOptions) -> anyhow::Result<()> {
    let mut conn = owner
        .connect()
        .await
        .context("connecting as the owner role")?;
    MIGRATOR
        .run(&mut conn)
        .await
        .context("applying migrations")?;
    conn.close().await.ok();
    Ok(())
}

async fn ensure_role(
    conn: &mut PgConnection,
    name: &str,
    attributes: &str,
    password: Option<&str>,
) -> anyhow::Result<()> {
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_roles where rolname = $1)")
            .bind(name)
            .fetch_one(&mut *conn)
            .await?;
    let verb = if exists { "alter" } else { "create" };
    let mut statement = format!("{verb} role {} with {attributes}", quote_ident(name));
    if let Some(pw) = password {
        statement.push_str(&format!(" password {}", quote_literal(pw)));
    }
    // Concurrent bootstraps (parallel test processes) may race on create; a duplicate is fine.
    match sqlx::query(&statement).execute(&mut *conn).await {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42710") => Ok(()),
        Err(e) => Err(e).with_context(|| format!("creating role {name}")),
    }
}
