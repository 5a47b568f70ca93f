//! An institution's billing settings as entered (clinic or hospital, beds, 院内処方, 施設基準
//! registrations, valid from a date) and their validation.

use crate::billing::{Facility, FacilityKind, FacilityStandards};
use crate::domain::japanese::parse_date;
use crate::domain::FieldError;
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
