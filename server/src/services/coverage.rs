//! What pays for a visit: its 保険組合せ (chosen at 受付; for a visit checked in before they
//! were chosen, or an order without a visit, [`legacy_coverage`]: the insurance and every 公費
//! with a share, as 会計 applied them then), read against the cards valid on the day. Only the chosen 公費 apply, ordered
//! and limited by [`shared::billing::select_public`] (in shared, so the month's claims use the
//! same rule). 会計 prices with it; the 処方箋 prints it.

use crate::db::{insurance, reception, TenantTx};
use crate::error::ApiResult;
use shared::api::insurance::{InsuranceDetail, PublicPaymentDetail};
use shared::domain::coverage::{legacy_coverage, Coverage};
use shared::ids::{PatientId, ReceptionId};
use time::Date;

pub struct VisitCoverage {
    pub coverage: Coverage,
    /// In words (`保険 06130011 ＋ 公費 54136015`).
    pub label: String,
    /// The chosen insurance, with its 負担割合 on the day.
    pub insurance: Option<InsuranceDetail>,
    /// The chosen 公費 that apply, 第一公費 first (at most four).
    pub applied: Vec<PublicPaymentDetail>,
    /// Chosen 公費 that cannot be applied (no share recorded, or beyond the fourth).
    pub not_applied: Vec<String>,
    /// 公費 valid on the day that the 保険組合せ leaves out.
    pub not_chosen: Vec<String>,
    /// Why the 保険組合せ cannot be used as it is (a card it names is not valid that day).
    pub problem: Option<String>,
}

pub async fn of_visit(
    tx: &mut TenantTx,
    patient: PatientId,
    birth: Date,
    date: Date,
    visit: Option<ReceptionId>,
) -> ApiResult<VisitCoverage> {
    let (insurances, publics) = insurance::valid_on(tx, patient, birth, date).await?;
    let chosen = match visit {
        Some(id) => reception::coverage_of(tx, id).await?,
        None => None,
    };
    let coverage = chosen.unwrap_or_else(|| legacy_coverage(&insurances, &publics));
    // Nothing at all is not this problem: 会計 says there is no insurance or 公費.
    let problem = (!coverage.is_empty() && !coverage.check(&insurances, &publics).is_empty()).then(|| {
        "この受診の保険組合せに、受診日に有効でない保険・公費があります。保険組合せを選び直してください"
            .to_string()
    });
    let insurance = coverage
        .insurance_id
        .and_then(|id| insurances.iter().find(|i| i.insurance_id == id).cloned());
    let chosen: Vec<PublicPaymentDetail> = coverage
        .public_payment_ids
        .iter()
        .filter_map(|id| publics.iter().find(|p| p.public_payment_id == *id).cloned())
        .collect();
    let not_chosen = publics
        .iter()
        .filter(|p| !coverage.public_payment_ids.contains(&p.public_payment_id))
        .map(|p| p.payer_number.clone())
        .collect();
    let selection = shared::billing::select_public(
        chosen,
        |p| p.payer_number.as_str(),
        |p| p.patient_tenths.is_some(),
    );
    Ok(VisitCoverage {
        label: coverage.label(&insurances, &publics),
        coverage,
        insurance,
        applied: selection.applied,
        not_applied: selection
            .not_applied
            .into_iter()
            .map(|p| p.payer_number)
            .collect(),
        not_chosen,
        problem,
    })
}
