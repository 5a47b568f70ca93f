//! An institution's billing settings: append-only versions, each valid from a date. All queries
//! go through [`TenantTx`].

use super::TenantTx;
use shared::api::billing::{BillingSettings, InstitutionType, ValidBillingSettings};
use shared::billing::{Facility, FacilityStandards};
use shared::domain::japanese::format_date;
use shared::ids::UserId;
use sqlx::types::Json;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, FromRow)]
pub struct SettingsRow {
    pub version: i32,
    pub valid_from: Date,
    pub facility_kind: String,
    pub general_beds: i32,
    pub in_house_dispensing: bool,
    pub standards: Json<FacilityStandards>,
    pub reason: String,
    pub author: Option<String>,
    pub created_at: OffsetDateTime,
}

impl SettingsRow {
    fn institution_type(&self) -> InstitutionType {
        InstitutionType::from_code(&self.facility_kind).unwrap_or(InstitutionType::Clinic)
    }

    pub fn facility(&self) -> Facility {
        shared::api::billing::facility(
            self.institution_type(),
            self.general_beds.max(0) as u32,
            self.standards.0,
        )
    }

    pub fn detail(&self) -> BillingSettings {
        BillingSettings {
            version: self.version,
            valid_from: format_date(self.valid_from),
            institution_type: self.institution_type(),
            general_beds: self.general_beds.max(0) as u32,
            in_house_dispensing: self.in_house_dispensing,
            standards: self.standards.0,
            reason: self.reason.clone(),
            author: self.author.clone(),
            created_at: crate::clock::rfc3339(self.created_at),
        }
    }
}

const SELECT: &str = "select s.version, s.valid_from, s.facility_kind, s.general_beds, \
     s.in_house_dispensing, s.standards, s.reason, u.display_name as author, s.created_at \
     from billing_setting_version s left join app_user u on u.user_id = s.author_user_id";

/// Every version, newest first.
pub async fn versions(tx: &mut TenantTx) -> Result<Vec<SettingsRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} order by s.version desc"))
        .fetch_all(tx.conn())
        .await
}

/// The settings that apply to a bill of `date`: of the versions valid from that date or
/// earlier, the latest written.
pub async fn on(tx: &mut TenantTx, date: Date) -> Result<Option<SettingsRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT} where s.valid_from <= $1 order by s.valid_from desc, s.version desc limit 1"
    ))
    .bind(date)
    .fetch_optional(tx.conn())
    .await
}

/// Writes version `base + 1`; `None` when `base` is no longer the newest (someone saved first).
pub async fn write(
    tx: &mut TenantTx,
    base: i32,
    s: &ValidBillingSettings,
    author: UserId,
) -> Result<Option<i32>, sqlx::Error> {
    let current: Option<i32> =
        sqlx::query_scalar("select max(version) from billing_setting_version")
            .fetch_one(tx.conn())
            .await?;
    if current.unwrap_or(0) != base {
        return Ok(None);
    }
    let version = base + 1;
    let inserted = sqlx::query(
        "insert into billing_setting_version (tenant_id, version, valid_from, facility_kind, general_beds, \
         in_house_dispensing, standards, reason, author_user_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         on conflict do nothing",
    )
    .bind(tx.tenant_id().as_uuid())
    .bind(version)
    .bind(s.valid_from)
    .bind(s.institution_type.code())
    .bind(s.general_beds as i32)
    .bind(s.in_house_dispensing)
    .bind(Json(s.standards))
    .bind(&s.reason)
    .bind(author.as_uuid())
    .execute(tx.conn())
    .await?;
    Ok((inserted.rows_affected() == 1).then_some(version))
}
