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
//! - [`MemoryCatalog`] is an in-memory catalog; `MemoryCatalog::outpatient_2024_06` (feature
//!   `fixture`, for tests and the benchmark) holds the
//!   handful of real rows the rules and billing.md's worked cases need.
//! - The masters' own types are used for their coded columns ([`ScoreKind`] 点数識別,
//!   [`InOutScope`] 入外適用区分, [`AgeLimit`] 年齢, [`DosageForm`] 剤形, [`Hundredths`],
//!   [`DrugPriceKind`], [`MaterialPriceKind`]; re-exported here). `from_record`,
//!   [`MemoryCatalog::from_histories`] and [`MemoryCatalog::add_procedure_fields`] (and its drug
//!   and material siblings) turn parsed master rows into the engine's facts.
//!
//! What the rules cover (outpatient 医科; each rule cites its source in `rules/`):
//! - 初診料・再診料・外来診療料 with 乳幼児, 時間外・休日・深夜 (and 乳幼児時間外等), 夜間・早朝等,
//!   時間外特例医療機関加算, 乳幼児夜間加算（小児科）, 外来管理加算 and its exclusions, and the
//!   施設基準 add-ons (明細書発行体制等, 機能強化, 外来感染対策向上, 医療DX推進体制整備 by 区分
//!   and date, 医療情報取得, ベースアップ評価料); 外来診療料's inclusions (A002 注6).
//! - 投薬: 処方料・調剤料・調剤技術基本料・薬剤料 (15円/10円), 7種類以上 (処方料 29, 処方箋料 32,
//!   薬剤料 90/100 once per 処方), 処方箋料, 一般名処方加算１・２ (by 一般名コード and 対象区分),
//!   特定疾患処方管理加算, 麻薬等加算, 乳幼児加算 of 処方料・処方箋料.
//! - 検査: 実施料, 判断料 once a month per group, 検体検査管理加算(Ⅰ), 生化学的検査(Ⅰ) まるめ;
//!   注射・処置 with drugs and materials; 年齢加算 named by the master.
//! - 生活習慣病管理料 (Ⅰ)・(Ⅱ) inclusions; 上限回数 and B000 on the 初診 day as warnings.
//! - Patient share: 負担割合 (card or age/insurance), 第75条 rounding, 公費 with their rates,
//!   sections and monthly caps, several together (公費併用).
//!
//! Not covered yet (the clerk adds or adjusts these by hand; where the engine can tell that a rule
//! applies it warns): 包括対象検査 groups other than 生化学的検査(Ⅰ) (腫瘍マーカー etc.: warned),
//! 向精神薬多剤投与 (F100 1 18点, F200 注2 80/100: needs the 抗不安薬等 lists, not in the masters),
//! リフィル処方箋 codes, 紹介状なし大病院の初診・外来診療料 (A000 注2・3, A002 注2・3), the 小児科
//! codes of 休日・深夜 within posted hours (A000 注8: same points as 注7's, entered as 休日・深夜),
//! 発熱患者等対応加算 and the other 外来感染対策向上加算 add-ons, 入院, 在宅, and masters later than
//! the files imported (a period's code that the catalog lacks is reported, not guessed).

mod age;
#[cfg(any(test, feature = "bench"))]
// The benchmark harness stops on a broken workload: it is test code behind a feature (and its
// own tests run with the crate's).
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod bench;
mod catalog;
pub mod codes;
mod engine;
#[cfg(any(test, feature = "fixture"))]
mod fixture;
mod from_masters;
pub mod money;
mod priced;
mod public;
mod receipt;
mod rules;
mod section;
mod stored;
mod visit;
pub(crate) use visit::{iso_date, master_codes};

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
pub use public::{is_welfare, select_public, PublicSelection};
pub use receipt::{
    receipt_rows, statement_marker, thousands, ReceiptRow, OUTPATIENT_RECEIPT_SECTIONS,
};
pub use rules::share::MAX_PUBLIC;
pub use section::Section;
pub use stored::{public_payers, StoredBill, StoredBillError, BILL_FORMAT};
pub use visit::{
    is_master_code, order_code_problems, Burden, Dispensing, DrugUse, Facility, FacilityKind,
    FacilityStandards, HistoryEntry, ItemOrder, MaterialUse, Prescription, ProcedureOrder,
    PublicExpense, Rp, RpDrug, TimeCategory, Visit, VisitKind,
};
