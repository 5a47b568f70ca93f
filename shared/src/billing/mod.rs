//! The pure fee-calculation engine (医科・外来, 令和6年度改定). No IO, no clock: the visit's facts
//! and the master entries valid on the date of service in, priced lines and the patient's share out.
//!
//! - [`price_visit`] is the one entry point: a [`Visit`] and a [`Catalog`] bound to the date of
//!   service in, a [`PricedVisit`] (lines by 部, warnings, notes, totals, share) or a
//!   [`BillingError`] out.
//! - Money is integer: [`Points`] (点), [`Yen`] (円), [`Sen`] (1/100円) and [`Quantity`]
//!   (1/1000 unit); every rounding rule is one named function in [`money`].
//! - The rules are small functions in `rules/`, each citing its 告示/通知 (令和6年度改定,
//!   effective 2024-06-01) and `reference/billing.md`.
//! - [`MemoryCatalog`] is an in-memory catalog; [`MemoryCatalog::outpatient_2024_06`] holds the
//!   handful of real rows the rules and billing.md's worked cases need.
//! - The masters' own types are used for their coded columns ([`ScoreKind`] 点数識別,
//!   [`InOutScope`] 入外適用区分, [`AgeLimit`] 年齢, [`DosageForm`] 剤形, [`Hundredths`],
//!   [`DrugPriceKind`], [`MaterialPriceKind`]; re-exported here). `from_record`,
//!   [`MemoryCatalog::from_histories`] and [`MemoryCatalog::add_procedure_fields`] (and its drug
//!   and material siblings) turn parsed master rows into the engine's facts.

mod age;
#[cfg(feature = "bench")]
pub mod bench;
mod catalog;
pub mod codes;
mod engine;
mod fixture;
mod from_masters;
pub mod money;
mod priced;
mod receipt;
mod rules;
mod section;
mod visit;

pub use crate::masters::{
    AgeLimit, DosageForm, DrugPriceKind, Hundredths, InOutScope, MaterialPriceKind, ScoreKind,
};
pub use catalog::{
    Catalog, DrugFacts, FacilityRestriction, GenericRxClass, MaterialFacts, MemoryCatalog, Notice,
    OutpatientManagementClass, ProcedureFacts, TestRole,
};
pub use engine::price_visit;
pub use from_masters::{age_addition_codes, CatalogError};
pub use money::{
    drug_points, material_points, round_copay, treatment_drug_points, Points, Quantity, Sen, Yen,
};
pub use priced::{
    BillingError, LineContent, LineKind, Note, PricedLine, PricedVisit, SectionTotal,
    ShareBreakdown, Warning, WarningCode,
};
pub use receipt::{
    receipt_rows, statement_marker, thousands, ReceiptRow, OUTPATIENT_RECEIPT_SECTIONS,
};
pub use section::Section;
pub use visit::{
    Burden, Dispensing, DrugUse, Facility, FacilityKind, FacilityStandards, HistoryEntry,
    ItemOrder, MaterialUse, Prescription, ProcedureOrder, PublicExpense, Rp, RpDrug, TimeCategory,
    Visit, VisitKind,
};
