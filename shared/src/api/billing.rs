//! Billing resources: an institution's billing settings (施設基準 registrations, clinic or
//! hospital, beds, dispensing), kept as versions each valid from a date.

use super::FieldError;
use crate::billing::{Facility, FacilityKind, FacilityStandards};
use crate::domain::japanese::parse_date;
use serde::{Deserialize, Serialize};
use time::Date;

/// 診療所 or 病院 (医療法第1条の5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionType {
    Clinic,
    Hospital,
}

impl InstitutionType {
    pub fn code(self) -> &'static str {
        match self {
            Self::Clinic => "clinic",
            Self::Hospital => "hospital",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "clinic" => Some(Self::Clinic),
            "hospital" => Some(Self::Hospital),
            _ => None,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Clinic => "診療所",
            Self::Hospital => "病院",
        }
    }
}

/// A 診療所 has at most 19 beds (医療法第1条の5第2項).
pub const CLINIC_MAX_BEDS: u32 = 19;
/// From this many 一般病床 a hospital bills 外来診療料 (A002) instead of 再診料 (A001).
pub const LARGE_HOSPITAL_GENERAL_BEDS: u32 = 200;

/// `POST /api/v1/billing/settings`: a new version of the settings, valid from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingSettingsInput {
    /// The version this edit was based on (0 for the first); a newer one is a conflict (409).
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    /// `YYYY-MM-DD`: bills of this date and later use these settings.
    pub valid_from: String,
    pub institution_type: InstitutionType,
    /// 一般病床数.
    #[serde(default)]
    pub general_beds: u32,
    /// 院内処方 (the institution dispenses) rather than 院外処方 by default.
    pub in_house_dispensing: bool,
    #[serde(default)]
    pub standards: FacilityStandards,
    #[serde(default)]
    pub reason: String,
}

/// Checked settings, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBillingSettings {
    pub valid_from: Date,
    pub institution_type: InstitutionType,
    pub general_beds: u32,
    pub in_house_dispensing: bool,
    pub standards: FacilityStandards,
    pub reason: String,
}

impl BillingSettingsInput {
    pub fn validate(&self) -> Result<ValidBillingSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let valid_from = parse_date(&self.valid_from);
        if valid_from.is_none() {
            errors.push(FieldError::new(
                "valid_from",
                "invalid",
                "適用開始日を YYYY-MM-DD で入力してください",
            ));
        }
        if self.institution_type == InstitutionType::Clinic && self.general_beds > CLINIC_MAX_BEDS {
            errors.push(FieldError::new(
                "general_beds",
                "invalid",
                "診療所の病床は19床以下です（20床以上は病院を選んでください）",
            ));
        }
        if self.general_beds > 10_000 {
            errors.push(FieldError::new(
                "general_beds",
                "invalid",
                "病床数が大きすぎます",
            ));
        }
        if self.standards.detailed_statement && self.institution_type == InstitutionType::Hospital {
            errors.push(FieldError::new(
                "standards",
                "invalid",
                "明細書発行体制等加算は診療所のみが算定できます",
            ));
        }
        let reason = crate::domain::text::reason("reason", &self.reason)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        match valid_from {
            Some(valid_from) if errors.is_empty() => Ok(ValidBillingSettings {
                valid_from,
                institution_type: self.institution_type,
                general_beds: self.general_beds,
                in_house_dispensing: self.in_house_dispensing,
                standards: self.standards,
                reason,
            }),
            _ => Err(errors),
        }
    }
}

/// One stored version of the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingSettings {
    pub version: i32,
    pub valid_from: String,
    pub institution_type: InstitutionType,
    pub general_beds: u32,
    pub in_house_dispensing: bool,
    pub standards: FacilityStandards,
    pub reason: String,
    pub author: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// `POST /api/v1/masters/rows`: the master rows valid on a date, for pricing in the browser.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterRowsRequest {
    /// `YYYY-MM-DD`, the date of service.
    pub on: String,
    #[serde(default, deserialize_with = "crate::billing::master_codes")]
    pub procedures: Vec<String>,
    #[serde(default, deserialize_with = "crate::billing::master_codes")]
    pub drugs: Vec<String>,
    #[serde(default, deserialize_with = "crate::billing::master_codes")]
    pub materials: Vec<String>,
}

/// The largest number of codes one [`MasterRowsRequest`] may ask for.
pub const MAX_MASTER_CODES: usize = 2_000;

/// Rows as published (every column, diffs merged) of the codes in force on the date; codes not
/// in force are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterRows {
    pub on: String,
    /// Which imports answered (e.g. `procedure#22 drug#1 material#1`).
    pub revision: String,
    pub procedures: Vec<Vec<String>>,
    pub drugs: Vec<Vec<String>>,
    pub materials: Vec<Vec<String>>,
}

/// One hit of `GET /api/v1/masters/search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterHit {
    /// `procedure`, `drug` or `material`.
    pub kind: String,
    pub code: String,
    pub name: String,
    /// 点数 (procedures) or 薬価・材料価格 (円) as published, with its unit.
    pub value: String,
    pub unit: String,
}

/// One version of a master code as the app keeps it for searching as you type: code, the
/// import that added it (`seq`), its validity (`YYYY-MM-DD`; `None` = open), whether it ends the
/// code (erased or abolished), name, カナ (normalised) and the value shown with its unit (as in
/// [`MasterHit`]). Sent as a JSON array to keep the download small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry(
    pub String,
    pub i32,
    pub Option<String>,
    pub Option<String>,
    pub bool,
    pub String,
    pub String,
    pub String,
    pub String,
);

impl CatalogEntry {
    pub fn code(&self) -> &str {
        &self.0
    }
    pub fn seq(&self) -> i32 {
        self.1
    }
    /// Whether this version is the one in force on `day` (`YYYY-MM-DD`), given it governs.
    pub fn in_force(&self, day: &str) -> bool {
        !self.4 && self.3.as_deref().is_none_or(|last| day <= last)
    }
    /// Whether this version has started by `day`.
    pub fn started(&self, day: &str) -> bool {
        self.2.as_deref().is_none_or(|from| from <= day)
    }
}

/// `GET /api/v1/masters/catalog?kind=…&since=N`: the versions of one master added by imports
/// after `since` (0: all), and the newest import (`seq`) they bring the copy up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterCatalog {
    pub kind: String,
    pub since: i32,
    pub seq: i32,
    pub rows: Vec<CatalogEntry>,
}

/// Searches a master's versions as [`GET /masters/search`] does: codes in force on `day` whose
/// code, カナ (normalised) or name starts with `query`, at most `limit`, by code. `entries` must
/// be sorted by code, then seq.
pub fn search_catalog(
    kind: &str,
    entries: &[CatalogEntry],
    day: &str,
    query: &str,
    limit: usize,
) -> Vec<MasterHit> {
    let query = query.trim();
    if query.is_empty() {
        return Vec::new();
    }
    let kana = crate::domain::japanese::normalize_kana(query);
    let mut hits = Vec::new();
    let mut i = 0;
    while i < entries.len() && hits.len() < limit {
        let code = entries[i].code();
        let mut j = i;
        while j < entries.len() && entries[j].code() == code {
            j += 1;
        }
        // The governing version on `day`: the newest import's version that has started.
        if let Some(v) = entries[i..j].iter().rev().find(|v| v.started(day)) {
            if v.in_force(day)
                && (code.starts_with(query)
                    || (!kana.is_empty() && v.6.starts_with(&kana))
                    || v.5.starts_with(query))
            {
                hits.push(MasterHit {
                    kind: kind.to_string(),
                    code: code.to_string(),
                    name: v.5.clone(),
                    value: v.7.clone(),
                    unit: v.8.clone(),
                });
            }
        }
        i = j;
    }
    hits
}

/// Adds the versions of a difference to a copy sorted by code, then import (a version with the
/// same code and import is replaced, not repeated); the copy stays sorted.
pub fn merge_catalog(rows: &mut Vec<CatalogEntry>, update: Vec<CatalogEntry>) {
    if update.is_empty() {
        return;
    }
    rows.extend(update);
    // Stable: of two entries with the same code and import, the one from the update comes last.
    rows.sort_by(|a, b| (a.code(), a.seq()).cmp(&(b.code(), b.seq())));
    let mut out: Vec<CatalogEntry> = Vec::with_capacity(rows.len());
    for row in rows.drain(..) {
        match out.last_mut() {
            Some(last) if last.code() == row.code() && last.seq() == row.seq() => *last = row,
            _ => out.push(row),
        }
    }
    *rows = out;
}

/// The value a search hit shows for a master row, with its unit: 点数 for procedures, price per
/// unit for drugs and materials, ICD-10 for 傷病名, nothing for 修飾語. `get(i)` is column i
/// (項番, 1-based as published, at index i).
pub fn hit_value(kind: &str, get: impl Fn(usize) -> String) -> (String, String) {
    match kind {
        "procedure" => (get(11), "点".to_string()),
        "drug" | "material" => (get(11), format!("円/{}", get(9))),
        "disease" => (get(15), "ICD-10".to_string()),
        _ => (String::new(), String::new()),
    }
}

/// `GET /api/v1/receptions/{id}/bill`: what the 会計 screen needs to price a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillContext {
    pub reception_id: String,
    pub patient_id: String,
    pub patient_number: String,
    pub patient_name: String,
    pub patient_kana: String,
    pub birth_date: String,
    pub service_date: String,
    pub department: String,
    /// 負担割合 on the date of service (from the insurance valid that day), if insured.
    pub burden_tenths: Option<u8>,
    pub insurer_number: Option<String>,
    /// The institution's billing settings valid on the date of service.
    pub settings: Option<BillingSettings>,
    /// The patient's finalised items of other visits this month and the five before it (判断料
    /// once a month, 医療情報取得加算 once in three months, 生活習慣病管理料(Ⅱ) 注5 …).
    pub month_history: Vec<crate::billing::HistoryEntry>,
    /// Whether this is the patient's first visit to the institution (no earlier reception).
    pub first_visit: bool,
    /// The 公費 that applies on the date of service, from the patient's records (its share and
    /// cap as recorded, and what was paid under it in the month's other visits); the server
    /// applies exactly this when finalising, whatever a client sends.
    #[serde(default)]
    pub public_expense: Option<crate::billing::PublicExpense>,
    /// 第二公費 and later, applied after it (公費併用).
    #[serde(default)]
    pub additional_public_expenses: Vec<crate::billing::PublicExpense>,
    /// 公費 valid that day that cannot be applied (no share recorded, or beyond the fourth), for
    /// the clerk: their 公費負担者番号.
    #[serde(default)]
    pub public_not_applied: Vec<String>,
    /// This visit's bill, every version, newest first (empty before it is finalised).
    pub bills: Vec<BillVersion>,
}

/// `POST /api/v1/receptions/{id}/bill`: finalise (base_version 0) or correct the bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalizeBill {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    /// The visit as the clerk entered it; the server takes the institution's settings, the
    /// patient's 負担割合 and the month's history from its own records.
    pub visit: crate::billing::Visit,
    /// What the screen showed: the server prices again and refuses (409) if it differs.
    pub expected_total_points: i64,
    pub expected_patient_share: i64,
    /// 領収金額 (yen).
    pub paid: i64,
    /// Required for a correction (訂正).
    #[serde(default)]
    pub reason: String,
}

/// One stored version of a bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillVersion {
    pub bill_id: String,
    pub version: i32,
    pub visit: crate::billing::Visit,
    pub priced: crate::billing::PricedVisit,
    pub paid: i64,
    pub master_revision: String,
    pub reason: String,
    pub author: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// What a セット adds to a visit when applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetContents {
    #[serde(default)]
    pub items: Vec<crate::billing::ItemOrder>,
    #[serde(default)]
    pub rps: Vec<crate::billing::Rp>,
    #[serde(default)]
    pub injections: Vec<crate::billing::ProcedureOrder>,
    #[serde(default)]
    pub treatments: Vec<crate::billing::ProcedureOrder>,
}

impl SetContents {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
            && self.rps.is_empty()
            && self.injections.is_empty()
            && self.treatments.is_empty()
    }
}

/// `POST /api/v1/billing/sets` (new: no id) and `PUT /api/v1/billing/sets/{id}` (a new version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveItemSet {
    /// 0 for a new set; otherwise the version the edit was based on.
    #[serde(default, deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    pub name: String,
    pub contents: SetContents,
    /// Take the set out of the list (a version marked retired; nothing is deleted).
    #[serde(default)]
    pub retired: bool,
}

impl SaveItemSet {
    /// The trimmed name, or the problems with the set.
    pub fn validate(&self) -> Result<String, Vec<FieldError>> {
        let name = self.name.trim().to_string();
        let mut errors = Vec::new();
        if name.is_empty() || name.chars().count() > 60 {
            errors.push(FieldError::new(
                "name",
                "invalid",
                "セット名を60文字以内で入力してください",
            ));
        }
        if let Err(e) =
            crate::domain::text::check_text("name", &name, crate::domain::text::Lines::Single)
        {
            errors.push(e);
        }
        let c = &self.contents;
        errors.extend(crate::billing::order_code_problems(
            "contents",
            &c.items,
            &c.rps,
            &c.injections,
            &c.treatments,
        ));
        if self.contents.is_empty() && !self.retired {
            errors.push(FieldError::new(
                "contents",
                "empty",
                "セットに入れる項目がありません",
            ));
        }
        if errors.is_empty() {
            Ok(name)
        } else {
            Err(errors)
        }
    }
}

/// A セット as stored (its current version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSet {
    pub item_set_id: String,
    pub version: i32,
    pub name: String,
    pub contents: SetContents,
    pub retired: bool,
}

/// The engine's view of an institution: 診療所, 病院, or 病院 with 200 一般病床 or more.
pub fn facility(
    institution_type: InstitutionType,
    general_beds: u32,
    standards: FacilityStandards,
) -> Facility {
    let kind = match institution_type {
        InstitutionType::Clinic => FacilityKind::Clinic,
        InstitutionType::Hospital if general_beds >= LARGE_HOSPITAL_GENERAL_BEDS => {
            FacilityKind::LargeHospital
        }
        InstitutionType::Hospital => FacilityKind::Hospital,
    };
    Facility { kind, standards }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> BillingSettingsInput {
        BillingSettingsInput {
            base_version: 0,
            valid_from: "2024-06-01".into(),
            institution_type: InstitutionType::Clinic,
            general_beds: 0,
            in_house_dispensing: false,
            standards: FacilityStandards::default(),
            reason: String::new(),
        }
    }

    #[test]
    fn settings_are_checked_and_name_the_field() {
        assert!(input().validate().is_ok());
        let fields = |i: BillingSettingsInput| -> Vec<String> {
            i.validate()
                .unwrap_err()
                .into_iter()
                .map(|f| f.field)
                .collect()
        };
        assert_eq!(
            fields(BillingSettingsInput {
                valid_from: "2024/13/01".into(),
                ..input()
            }),
            ["valid_from"]
        );
        assert_eq!(
            fields(BillingSettingsInput {
                general_beds: 20,
                ..input()
            }),
            ["general_beds"]
        );
        let mut hospital = input();
        hospital.institution_type = InstitutionType::Hospital;
        hospital.general_beds = 250;
        hospital.standards.detailed_statement = true;
        assert_eq!(fields(hospital), ["standards"]);
    }

    #[test]
    fn two_hundred_general_beds_make_a_large_hospital() {
        let s = FacilityStandards::default();
        assert_eq!(
            facility(InstitutionType::Clinic, 19, s).kind,
            FacilityKind::Clinic
        );
        assert_eq!(
            facility(InstitutionType::Hospital, 199, s).kind,
            FacilityKind::Hospital
        );
        assert_eq!(
            facility(InstitutionType::Hospital, 200, s).kind,
            FacilityKind::LargeHospital
        );
    }
}
