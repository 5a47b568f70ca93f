//! The only way to tenant data: a transaction confined by row-level security to one tenant.

use super::Db;
use shared::domain::Role;
use shared::ids::{SessionId, TenantId, UserId};
use sqlx::{PgConnection, Postgres, Transaction};

/// Who is acting, for which institution. Built only in `super::system`, from a valid session or
/// a login candidate once the sign-in service has verified its password (and, from one of those,
/// by [`TenantContext::successor`] when a session rotates); other crates cannot build one, and
/// `server/tests/architecture.rs` checks who in this one does.
#[derive(Debug, Clone)]
pub struct TenantContext {
    tenant_id: TenantId,
    user_id: UserId,
    role: Role,
    session_id: Option<SessionId>,
}

impl TenantContext {
    pub(in crate::db) fn authenticated(
        tenant_id: TenantId,
        user_id: UserId,
        role: Role,
        session_id: Option<SessionId>,
    ) -> Self {
        Self {
            tenant_id,
            user_id,
            role,
            session_id,
        }
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }
    pub fn user_id(&self) -> UserId {
        self.user_id
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn session_id(&self) -> Option<SessionId> {
        self.session_id
    }

    /// The same user, institution and role in a new session (`session_id`): what a session
    /// rotation at a privilege change continues as (the sign-in service's, and nobody else's).
    pub(crate) fn successor(&self, session_id: SessionId) -> Self {
        Self {
            session_id: Some(session_id),
            ..self.clone()
        }
    }
}

/// A transaction in which PostgreSQL shows and accepts only the context's tenant's rows.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    tenant_id: TenantId,
}

impl TenantTx {
    pub async fn begin(db: &Db, ctx: &TenantContext) -> Result<Self, sqlx::Error> {
        Self::begin_for(db, ctx.tenant_id()).await
    }

    /// For an institution nobody of it signed in to: only `super::system`'s named paths
    /// (provisioning, the operator's commands, the log verifier) call this.
    pub(super) async fn begin_for(db: &Db, tenant_id: TenantId) -> Result<Self, sqlx::Error> {
        let mut tx = db.pool().begin().await?;
        set_tenant(&mut tx, tenant_id).await?;
        Ok(Self { tx, tenant_id })
    }

    /// A read-only transaction for `tenant_id` in which every statement sees one snapshot
    /// (REPEATABLE READ): a reader that takes several statements (the log verifier: the head,
    /// then the rows page by page) never sees rows committed after its first read. Only
    /// `super::system`'s named paths call this.
    pub(super) async fn begin_snapshot_for(
        db: &Db,
        tenant_id: TenantId,
    ) -> Result<Self, sqlx::Error> {
        let mut tx = db.pool().begin().await?;
        // Before any query of the transaction, as PostgreSQL requires.
        sqlx::query("set transaction isolation level repeatable read, read only")
            .execute(&mut *tx)
            .await?;
        set_tenant(&mut tx, tenant_id).await?;
        Ok(Self { tx, tenant_id })
    }

    /// The tenant this transaction is confined to (what inserts write as `tenant_id`).
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    pub(in crate::db) fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Serialises work on `key` until the transaction ends: a transaction-level advisory lock
    /// on the key's 64-bit hash. Keys name what they serialise (`"rx-visit:<patient><day>"`);
    /// ids in them are UUIDs, unique across institutions. (Row locks would need an UPDATE grant
    /// the application role does not have on the append-only tables.)
    pub(in crate::db) async fn lock_key(&mut self, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("select pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

/// Confines the current transaction to `tenant` (transaction-local: `true` keeps the setting from
/// leaking to the next user of a pooled connection; set_config takes a bind parameter, SET cannot).
/// Also used by the log writer, which appends for several institutions in one transaction.
pub(in crate::db) async fn set_tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<(), sqlx::Error> {
    sqlx::query("select set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
