//! オーダ and アレルギー: the bodies of `/patients/{id}/orders`, `/orders/{id}…`,
//! `/patients/{id}/prescriptions` (Do処方) and `/patients/{id}/allergies`. Dates are `YYYY-MM-DD`
//! (JST); times RFC 3339 from the server's clock.

pub use crate::domain::allergy::{AllergyInput, AllergyKind, AllergySource, Severity};
pub use crate::domain::order::safety::{OrderWarning, WarningKind, WarningOverride};
pub use crate::domain::order::{
    Leftover, OrderContents, OrderKind, OrderedRp, PrescriptionOrder, Usage,
};
use crate::ids::{AllergyId, OrderId, PatientId, ReceptionId, UserId};
use serde::{Deserialize, Serialize};

/// Most entries one page of the Do処方 list returns.
pub const PRESCRIPTION_PAGE_MAX: u32 = 50;

/// `POST /patients/{id}/orders`: start an order of a kind for a visit day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateOrder {
    pub visit_date: String,
    /// The visit (受付) the order belongs to: 会計 prices the orders of its visit.
    #[serde(default)]
    pub reception_id: Option<String>,
    pub kind: OrderKind,
}

/// The state of an order's newest version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Nothing 確定 yet.
    Draft,
    Final,
    Amended,
    /// 代行入力 waiting for the doctor's approval.
    Pending,
    /// 取消 (a version that cancels the order; kept, not billed).
    Cancelled,
}

impl OrderStatus {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Draft => "下書き",
            Self::Final => "確定",
            Self::Amended => "修正確定",
            Self::Pending => "承認待ち（代行入力）",
            Self::Cancelled => "取消",
        }
    }

    /// Whether 会計 prices the order (確定, including a 代行入力 not yet approved).
    pub fn is_billed(self) -> bool {
        matches!(self, Self::Final | Self::Amended | Self::Pending)
    }
}

/// One 確定 version of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderVersion {
    pub version: i32,
    pub contents: OrderContents,
    /// 取消: this version cancels the order.
    pub cancelled: bool,
    /// The warnings the doctor ordered through, with the reasons given.
    pub overrides: Vec<WarningOverride>,
    pub author_id: UserId,
    pub author: String,
    pub on_behalf_of_id: Option<UserId>,
    pub on_behalf_of: Option<String>,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    /// Why it was amended or cancelled (empty for version 1).
    pub reason: String,
    pub created_at: String,
    /// Hex SHA-256 of this version, chained to the previous one.
    pub hash: String,
}

impl OrderVersion {
    pub fn is_pending(&self) -> bool {
        self.on_behalf_of_id.is_some() && self.approved_at.is_none()
    }
}

/// The working copy of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDraft {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    #[serde(deserialize_with = "crate::domain::version::non_negative_i64")]
    pub revision: i64,
    pub contents: OrderContents,
    pub author_id: UserId,
    pub author: String,
    pub on_behalf_of_id: Option<UserId>,
    pub updated_at: String,
}

/// `GET /orders/{id}`: the order with every version (newest first) and its draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub order_id: OrderId,
    pub patient_id: PatientId,
    pub kind: OrderKind,
    pub visit_date: String,
    pub reception_id: Option<ReceptionId>,
    pub status: OrderStatus,
    pub versions: Vec<OrderVersion>,
    pub draft: Option<OrderDraft>,
    /// Whether every version's hash matches its content and the one before it.
    pub chain_intact: bool,
    /// The versions a 処方箋 was printed from (oldest first): amending one of them means the
    /// patient or the pharmacy holds a sheet that no longer matches.
    #[serde(default)]
    pub issued_versions: Vec<i32>,
    /// The version the visit's newest bill was priced from, if 会計 has been finalised with
    /// this order: amending it means the bill needs a 訂正.
    #[serde(default)]
    pub billed_version: Option<i32>,
}

impl OrderDetail {
    /// The status in words, a 取消 waiting for the doctor's approval named as such.
    pub fn status_label_ja(&self) -> &'static str {
        match self.current() {
            Some(v) if self.status == OrderStatus::Pending && v.cancelled => {
                "取消の承認待ち（代行入力）"
            }
            _ => self.status.label_ja(),
        }
    }

    /// The newest 確定 version, if any.
    pub fn current(&self) -> Option<&OrderVersion> {
        self.versions.first()
    }

    /// What amending the order now leaves behind, in words (empty when nothing): a printed
    /// 処方箋 to re-issue, a finalised bill to correct.
    pub fn amendment_notices_ja(&self) -> Vec<String> {
        let mut out = Vec::new();
        let Some(current) = self.current() else {
            return out;
        };
        if self.issued_versions.contains(&current.version) {
            out.push(
                "この処方箋は印刷済みです。修正したら再発行し、患者・薬局へ差し替えを伝えてください"
                    .to_string(),
            );
        }
        if self.billed_version == Some(current.version) {
            out.push("この受診の会計は確定済みです。修正したら会計の訂正が必要です".to_string());
        }
        out
    }
}

/// `PUT /orders/{id}/draft`: save the working copy, based on the version and revision the
/// editor started from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveOrderDraft {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    /// 0: there is no draft yet.
    #[serde(deserialize_with = "crate::domain::version::non_negative_i64")]
    pub base_revision: i64,
    pub contents: OrderContents,
    /// 代行入力: the doctor the clerk enters for (required from a clerk).
    #[serde(default)]
    pub on_behalf_of: Option<String>,
}

/// `POST /orders/{id}/finalize`: 確定 the draft at `revision` (an amendment needs a reason),
/// answering every warning of the order with an override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalizeOrder {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i64")]
    pub revision: i64,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub overrides: Vec<WarningOverride>,
}

/// `POST /orders/{id}/cancel`: 取消 of a 確定 order (a new version, with the reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOrder {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub base_version: i32,
    pub reason: String,
}

/// `GET /patients/{id}/orders?date=…`: the patient's orders of a visit day, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOrders {
    pub visit_date: String,
    pub orders: Vec<OrderDetail>,
}

/// One earlier prescription for Do処方.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastPrescription {
    pub order_id: OrderId,
    pub version: i32,
    pub visit_date: String,
    pub author: String,
    pub prescription: PrescriptionOrder,
}

/// `GET /patients/{id}/prescriptions?cursor=…&limit=…`: the patient's 確定 prescriptions,
/// newest first (cancelled ones left out), a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionPage {
    pub entries: Vec<PastPrescription>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// How far back `GET /orders/frequent` counts (days before today).
pub const FREQUENT_DAYS: i64 = 180;
/// Most codes of each order kind `GET /orders/frequent` returns.
pub const FREQUENT_PER_KIND: usize = 30;

/// One code the institution orders often: the kind of order it was ordered in, its master kind
/// (`procedure`, `drug` or `material`, as a [`crate::api::billing::MasterHit`] names it) and in
/// how many orders of that kind it appears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrequentItem {
    pub order_kind: OrderKind,
    pub kind: String,
    pub code: String,
    pub uses: u32,
}

/// `GET /orders/frequent`: the codes of the institution's orders (確定, newest version, not
/// cancelled) of the last [`FREQUENT_DAYS`] days, most used first, up to
/// [`FREQUENT_PER_KIND`] for each kind of order. The pickers offer them before anything is
/// typed and rank them first among the hits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrequentItems {
    pub since: String,
    pub items: Vec<FrequentItem>,
}

impl FrequentItems {
    /// Counts the codes of `orders` (each code once per order), most used first (then by kind
    /// and code, so the list is stable), at most `per_kind` for each kind of order.
    pub fn count<'a>(
        since: String,
        orders: impl IntoIterator<Item = &'a OrderContents>,
        per_kind: usize,
    ) -> Self {
        use std::collections::{BTreeMap, BTreeSet};
        let mut uses: BTreeMap<(OrderKind, &'static str, String), u32> = BTreeMap::new();
        for contents in orders {
            let mut seen = BTreeSet::new();
            let codes = contents
                .procedure_codes()
                .into_iter()
                .map(|c| ("procedure", c))
                .chain(contents.drug_lines().into_iter().map(|(_, c)| ("drug", c)))
                .chain(
                    contents
                        .material_codes()
                        .into_iter()
                        .map(|c| ("material", c)),
                );
            for (kind, code) in codes {
                if seen.insert((kind, code)) {
                    *uses
                        .entry((contents.kind(), kind, code.to_string()))
                        .or_default() += 1;
                }
            }
        }
        let mut items: Vec<FrequentItem> = uses
            .into_iter()
            .map(|((order_kind, kind, code), uses)| FrequentItem {
                order_kind,
                kind: kind.to_string(),
                code,
                uses,
            })
            .collect();
        items.sort_by(|a, b| {
            b.uses
                .cmp(&a.uses)
                .then_with(|| a.order_kind.cmp(&b.order_kind))
                .then_with(|| a.kind.cmp(&b.kind))
                .then_with(|| a.code.cmp(&b.code))
        });
        let mut taken: BTreeMap<OrderKind, usize> = BTreeMap::new();
        items.retain(|item| {
            let n = taken.entry(item.order_kind).or_default();
            *n += 1;
            *n <= per_kind
        });
        Self { since, items }
    }

    /// The frequent codes of one kind of order, most used first.
    pub fn of(&self, order_kind: OrderKind) -> impl Iterator<Item = &FrequentItem> {
        self.items
            .iter()
            .filter(move |i| i.order_kind == order_kind)
    }

    /// How often `code` (of master `kind`) was used in orders of `order_kind` (0 when it is not
    /// among the frequent ones).
    pub fn uses(&self, order_kind: OrderKind, kind: &str, code: &str) -> u32 {
        self.of(order_kind)
            .find(|i| i.kind == kind && i.code == code)
            .map_or(0, |i| i.uses)
    }
}

/// A 代行入力 order version waiting for the doctor (`GET /orders/pending`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOrder {
    pub order_id: OrderId,
    pub version: i32,
    pub kind: OrderKind,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub visit_date: String,
    pub author: String,
    pub created_at: String,
}

/// One allergy, its newest version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allergy {
    pub allergy_id: AllergyId,
    pub version: i32,
    pub kind: AllergyKind,
    pub substance: String,
    pub drug_code: Option<String>,
    pub ingredient: Option<String>,
    pub severity: Severity,
    pub source: AllergySource,
    pub reaction: String,
    pub active: bool,
    pub reason: String,
    pub author: String,
    pub created_at: String,
}

impl Allergy {
    /// The allergy as the order checks use it (drug allergies only).
    pub fn known(&self) -> Option<crate::domain::order::safety::KnownAllergy> {
        (self.active && self.kind == AllergyKind::Drug).then(|| {
            crate::domain::order::safety::KnownAllergy {
                substance: self.substance.clone(),
                ingredient: self.ingredient.clone(),
                severity_ja: self.severity.label_ja(),
            }
        })
    }
}

/// An order version a bill was priced from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderRef {
    pub order_id: OrderId,
    pub version: i32,
}

pub use crate::domain::order::jahis::{PrescriptionSheet, SheetDrug, SheetPublic};

/// `POST /orders/{id}/prescription`: issue (print) the 院外処方箋 of a 確定 version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuePrescription {
    #[serde(deserialize_with = "crate::domain::version::non_negative_i32")]
    pub version: i32,
}

/// One issue of a 処方箋: what was printed, from which order version; a later issue of the same
/// order is a 再発行.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionIssue {
    pub order_id: OrderId,
    pub version: i32,
    pub issue_no: i32,
    pub issued_by: String,
    /// RFC 3339, UTC.
    pub issued_at: String,
    pub sheet: PrescriptionSheet,
}

impl PrescriptionIssue {
    pub fn is_reissue(&self) -> bool {
        self.issue_no > 1
    }
}
