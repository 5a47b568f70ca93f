//! Staff accounts of one institution. Rows are never deleted: users are disabled.

use super::TenantTx;
use shared::api::users::{NewUser, UserSummary};
use shared::domain::Role;
use shared::ids::UserId;
use sqlx::FromRow;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, FromRow)]
pub struct UserRow {
    pub user_id: Uuid,
    pub login_id: String,
    pub display_name: String,
    pub role: String,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created_at: OffsetDateTime,
    pub has_second_factor: bool,
    pub narcotic_license: Option<String>,
    pub narcotic_license_version: i32,
}

impl UserRow {
    pub fn role(&self) -> anyhow::Result<Role> {
        Role::from_code(&self.role).ok_or_else(|| anyhow::anyhow!("unknown role code in database"))
    }

    pub fn summary(&self) -> anyhow::Result<UserSummary> {
        Ok(UserSummary {
            user_id: UserId(self.user_id),
            login_id: self.login_id.clone(),
            display_name: self.display_name.clone(),
            role: self.role()?,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
            created_at: self.created_at.format(&Rfc3339)?,
            locked_until: None,
            has_second_factor: self.has_second_factor,
            narcotic_license: self.narcotic_license.clone().filter(|l| !l.is_empty()),
            narcotic_license_version: self.narcotic_license_version,
        })
    }
}

const COLUMNS: &str =
    "user_id, login_id, display_name, role, disabled_at is not null as disabled, \
     must_change_password, created_at, \
     exists (select 1 from user_factor f where f.tenant_id = app_user.tenant_id \
             and f.user_id = app_user.user_id and f.confirmed_at is not null \
             and f.revoked_at is null) as has_second_factor, \
     (select l.license from narcotic_license_version l where l.user_id = app_user.user_id \
       order by l.version desc limit 1) as narcotic_license, \
     coalesce((select max(l.version) from narcotic_license_version l \
       where l.user_id = app_user.user_id), 0) as narcotic_license_version";

/// Writes version `version` of a doctor's 麻薬施用者免許証番号; `false` when that version exists
/// already (someone changed it first).
pub async fn insert_narcotic_license(
    tx: &mut TenantTx,
    user: UserId,
    version: i32,
    license: &str,
    reason: &str,
    author: UserId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "insert into narcotic_license_version (tenant_id, user_id, version, license, reason, \
           author_user_id) values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(user.as_uuid())
    .bind(version)
    .bind(license)
    .bind(reason)
    .bind(author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {COLUMNS} from app_user order by login_id"))
        .fetch_all(tx.conn())
        .await
}

pub async fn find(tx: &mut TenantTx, id: UserId) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from app_user where user_id = $1"
    ))
    .bind(id.as_uuid())
    .fetch_optional(tx.conn())
    .await
}

pub async fn find_by_login(
    tx: &mut TenantTx,
    login_id: &shared::domain::LoginId,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from app_user where login_id = $1"
    ))
    .bind(login_id.as_str())
    .fetch_optional(tx.conn())
    .await
}

/// Lets a user keep their current password (demo accounts only).
pub async fn clear_must_change_password(tx: &mut TenantTx, id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update app_user set must_change_password = false, updated_at = now() where user_id = $1",
    )
    .bind(id.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The stored argon2id hash (PHC string) of a user, for a password check.
pub async fn password_hash(tx: &mut TenantTx, id: UserId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("select password_hash from app_user where user_id = $1")
        .bind(id.as_uuid())
        .fetch_optional(tx.conn())
        .await
}

/// Inserts a user who must change `password_hash`'s password at first login.
/// A taken login id is the `app_user_login_id_key` unique violation.
pub async fn insert(
    tx: &mut TenantTx,
    user: &NewUser,
    password_hash: &str,
) -> Result<UserRow, sqlx::Error> {
    let tenant = tx.tenant_id().as_uuid();
    sqlx::query_as(&format!(
        "insert into app_user (tenant_id, user_id, login_id, display_name, role, password_hash) \
         values ($1, $2, $3, $4, $5, $6) returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(user.login_id.as_str())
    .bind(user.display_name.as_str())
    .bind(user.role.code())
    .bind(password_hash)
    .fetch_one(tx.conn())
    .await
}

/// Disables or re-enables; `None` when there is no such user in this tenant.
pub async fn set_disabled(
    tx: &mut TenantTx,
    id: UserId,
    disabled: bool,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "update app_user set disabled_at = case when $2 then coalesce(disabled_at, now()) end, \
         updated_at = now() where user_id = $1 returning {COLUMNS}"
    ))
    .bind(id.as_uuid())
    .bind(disabled)
    .fetch_optional(tx.conn())
    .await
}

/// Replaces the password hash. `must_change` is true for an administrator's reset.
pub async fn set_password(
    tx: &mut TenantTx,
    id: UserId,
    password_hash: &str,
    must_change: bool,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "update app_user set password_hash = $2, must_change_password = $3, \
         password_changed_at = case when $3 then password_changed_at else now() end, updated_at = now() \
         where user_id = $1 returning {COLUMNS}"
    ))
    .bind(id.as_uuid())
    .bind(password_hash)
    .bind(must_change)
    .fetch_optional(tx.conn())
    .await
}

/// The current locks of the transaction's institution's users: (user, locked until).
pub async fn login_locks(tx: &mut TenantTx) -> Result<Vec<(UserId, OffsetDateTime)>, sqlx::Error> {
    let rows: Vec<(Uuid, OffsetDateTime)> = sqlx::query_as(
        "select user_id, locked_until from system.login_locks() where locked_until > now()",
    )
    .fetch_all(tx.conn())
    .await?;
    Ok(rows.into_iter().map(|(u, t)| (UserId(u), t)).collect())
}

/// Lifts the lock of one of the transaction's institution's users; false if none was held.
pub async fn unlock_login(tx: &mut TenantTx, user: UserId) -> Result<bool, sqlx::Error> {
    let done: Option<bool> = sqlx::query_scalar("select system.unlock_login($1)")
        .bind(user.as_uuid())
        .fetch_optional(tx.conn())
        .await?
        .flatten();
    Ok(done.unwrap_or(false))
}

/// Active doctors of the institution, for the 代行入力 picker.
pub async fn doctors(tx: &mut TenantTx) -> Result<Vec<(UserId, String)>, sqlx::Error> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "select user_id, display_name from app_user where role = 'doctor' and disabled_at is null \
         order by display_name",
    )
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| (UserId(id), name))
        .collect())
}

/// Whether `user` is an active doctor of the institution.
pub async fn is_doctor(tx: &mut TenantTx, user: UserId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (select 1 from app_user where user_id = $1 and role = 'doctor' and disabled_at is null)",
    )
    .bind(user.as_uuid())
    .fetch_one(tx.conn())
    .await
}
