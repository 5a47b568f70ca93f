//! Database access. Handlers never see a pool: tenant data is reached only through a
//! [`TenantTx`], which only an authenticated [`TenantContext`] can open; the few cross-tenant
//! paths are in [`system`].

pub mod allergies;
pub mod backup;
pub mod billing;
pub mod bills;
pub mod bootstrap;
pub mod claims;
pub mod devices;
pub mod diagnoses;
pub mod documents;
pub mod export;
pub mod files;
pub mod institutions;
pub mod insurance;
pub mod item_sets;
pub mod logs;
pub mod masters;
pub mod notes;
pub mod observations;
pub mod orders;
pub mod patients;
pub mod postal;
pub mod prescriptions;
pub mod prints;
pub mod reception;
pub mod security;
pub mod sessions;
pub mod system;
pub mod tenant;
pub mod users;
pub mod versioned;

pub use tenant::{TenantContext, TenantTx};

/// The text a snake_case enum is stored as (the name it serialises to, which the table's
/// check lists).
pub(crate) fn enum_code<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// An enum read back from its stored text; an unknown one is a decode error naming the row.
pub(crate) fn enum_from_code<T: serde::de::DeserializeOwned>(
    row: &str,
    what: &str,
    text: &str,
) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| sqlx::Error::Decode(format!("{row}: unknown {what}").into()))
}

/// A unique violation (23505): someone else wrote the same row (a version, a key) first.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

use anyhow::{bail, Context};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::time::Duration;

/// Migrations embedded from `server/migrations` (forward-only; never edited once merged).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The role names the migrations grant to. `db bootstrap` creates them.
pub const OWNER_ROLE: &str = "karte_owner";
pub const APP_ROLE: &str = "karte_app";
pub const SYSTEM_ROLE: &str = "karte_system";

/// Whether the connection's role would see past row-level security (a superuser, or a role
/// with BYPASSRLS): what must never serve a request or move one institution's rows.
pub async fn bypasses_rls(conn: impl sqlx::PgExecutor<'_>) -> anyhow::Result<bool> {
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")
            .fetch_one(conn)
            .await
            .context("reading the connecting role's attributes")?;
    Ok(superuser || bypass)
}

/// The server's connection pool, connected as the application role.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// Connects and refuses a role that would silently bypass row-level security.
    pub async fn connect(options: PgConnectOptions, max_connections: u32) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .context("connecting to PostgreSQL")?;
        if bypasses_rls(&pool).await? {
            bail!(
                "the server must connect as a role without SUPERUSER and BYPASSRLS (such as {APP_ROLE}); \
                 row-level security would be silently off"
            );
        }
        Ok(Self { pool })
    }

    /// Whether the database answers (for `/api/v1/health`).
    pub async fn ping(&self) -> bool {
        sqlx::query("select 1").execute(&self.pool).await.is_ok()
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }
}
