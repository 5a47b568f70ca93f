//! Billing resources: an institution's billing settings (施設基準 registrations, clinic or
//! hospital, beds, dispensing), kept as versions each valid from a date.

pub use crate::domain::billing_settings::{
    facility, BillingSettingsInput, InstitutionType, ValidBillingSettings, CLINIC_MAX_BEDS,
    LARGE_HOSPITAL_GENERAL_BEDS,
};
pub use crate::domain::item_set::{SaveItemSet, SetContents};

use crate::api::orders::OrderRef;
use crate::billing::FacilityStandards;
use crate::ids::{BillId, ItemSetId, PatientId, ReceptionId};
use serde::{Deserialize, Serialize};

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

pub use crate::domain::InstitutionProfileInput;

/// The institution's 所在地 and 電話番号 in force (its newest version), as printed on a 処方箋.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionProfile {
    /// 0 before the first is saved.
    pub version: i32,
    pub postal_code: String,
    pub address: String,
    pub phone: String,
    pub reason: String,
    pub author: Option<String>,
    /// RFC 3339, UTC (empty before the first).
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
    /// For a drug: its 一般名 (the 一般名処方の標準的な記載 without 【般】), so a brand found by
    /// its 一般名 shows why it was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generic_name: Option<String>,
}

impl MasterHit {
    /// The hit as a picker lists it: code, name, value with its unit, and the 一般名 of a drug.
    pub fn label_ja(&self) -> String {
        let mut label = format!("{} {} {}{}", self.code, self.name, self.value, self.unit);
        if let Some(generic) = &self.generic_name {
            label.push_str(&format!("（{GENERIC_MARK}{generic}）"));
        }
        label
    }
}

/// One version of a master code as the app keeps it for searching as you type: code, the
/// import that added it (`seq`), its validity (`YYYY-MM-DD`; `None` = open), whether it ends the
/// code (erased or abolished), name, カナ (normalised), the value shown with its unit (as in
/// [`MasterHit`]) and, for drugs, the 一般名 ([`generic_name_of`]; empty otherwise). Sent as a
/// JSON array to keep the download small.
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
    #[serde(default)] pub String,
);

/// The 一般名 of a drug from its 一般名処方の標準的な記載 (医薬品マスター 項番38, e.g.
/// `【般】アムロジピン錠２．５ｍｇ` → `アムロジピン錠２．５ｍｇ`); empty when the master has none.
pub fn generic_name_of(standard_text: &str) -> String {
    standard_text
        .trim()
        .trim_start_matches(GENERIC_MARK)
        .trim()
        .to_string()
}

/// The mark the 一般名処方の標準的な記載 starts with.
pub const GENERIC_MARK: &str = "【般】";

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

/// What a picker's query is compared with: the text as typed, its カナ (normalised), and for
/// 傷病名 an ICD-10 code (`J06.9`, `j069` → `J069`).
#[derive(Debug, Clone)]
struct SearchKey {
    text: String,
    kana: String,
    icd10: String,
}

impl SearchKey {
    fn new(query: &str) -> Self {
        let text = query.trim().to_string();
        let kana = crate::domain::japanese::normalize_kana(&text);
        let compact: String = text
            .chars()
            .filter(|c| *c != '.' && *c != '．')
            .map(crate::domain::japanese::halfwidth_digit)
            .collect::<String>()
            .to_ascii_uppercase();
        // A letter, then digits: the shape of an ICD-10 code.
        let icd10 = match compact.as_bytes() {
            [first, rest @ ..]
                if first.is_ascii_uppercase()
                    && rest.iter().all(|b| b.is_ascii_alphanumeric())
                    && compact.is_ascii() =>
            {
                compact
            }
            _ => String::new(),
        };
        Self { text, kana, icd10 }
    }

    /// How well a master row matches, best first (`None`: not at all). One rule for the app's
    /// copy and the server's search, so both list the same codes in the same order:
    /// 0 the exact code or name; 1 a code (or, for 傷病名, an ICD-10 code) that starts so;
    /// 2 a name, カナ or 一般名 that starts so; 3 one that has the query anywhere in it
    /// (「上気道炎」 finds 急性上気道炎).
    fn rank(&self, row: &SearchRow<'_>) -> Option<u8> {
        let (q, kana) = (self.text.as_str(), self.kana.as_str());
        if q.is_empty() {
            return None;
        }
        let generic = (!kana.is_empty() && !row.generic.is_empty())
            .then(|| crate::domain::japanese::normalize_kana(row.generic));
        let generic = generic.as_deref().unwrap_or("");
        if row.code == q || row.name == q {
            Some(0)
        } else if row.code.starts_with(q)
            || (!self.icd10.is_empty()
                && !row.icd10.is_empty()
                && row.icd10.starts_with(&self.icd10))
        {
            Some(1)
        } else if row.name.starts_with(q)
            || (!kana.is_empty() && (row.kana.starts_with(kana) || generic.starts_with(kana)))
        {
            Some(2)
        } else if row.name.contains(q)
            || (!kana.is_empty() && (row.kana.contains(kana) || generic.contains(kana)))
        {
            Some(3)
        } else {
            None
        }
    }
}

/// The parts of a master row a search looks at.
struct SearchRow<'a> {
    code: &'a str,
    name: &'a str,
    /// カナ, normalised.
    kana: &'a str,
    /// 一般名 (drugs; empty otherwise), as printed.
    generic: &'a str,
    /// ICD-10 (傷病名; empty otherwise).
    icd10: &'a str,
}

/// The order hits are listed in: by [`SearchKey::rank`], then shorter names first (the plain
/// name before its long variants), then by code.
fn hit_order(rank: u8, name: &str, code: &str) -> (u8, usize, String) {
    (rank, name.chars().count(), code.to_string())
}

/// The longest query searched (a longer one finds nothing).
pub const MAX_QUERY_CHARS: usize = 40;

/// Searches a master's versions: codes in force on `day` that match `query` by
/// `SearchKey::rank` (カナ and 一般名 compared normalised, so `あむろじぴん` finds every brand of
/// アムロジピン), the best `limit`. `entries` must be sorted by code, then seq. The app runs it
/// over its copy; `GET /masters/search` runs it over the server's, so both answer alike.
pub fn search_catalog(
    kind: &str,
    entries: &[CatalogEntry],
    day: &str,
    query: &str,
    limit: usize,
) -> Vec<MasterHit> {
    let key = SearchKey::new(query);
    if key.text.is_empty() || key.text.chars().count() > MAX_QUERY_CHARS {
        return Vec::new();
    }
    let mut found: Vec<((u8, usize, String), &CatalogEntry)> = Vec::new();
    let mut i = 0;
    while i < entries.len() {
        let code = entries[i].code();
        let mut j = i;
        while j < entries.len() && entries[j].code() == code {
            j += 1;
        }
        // The governing version on `day`: the newest import's version that has started.
        if let Some(v) = entries[i..j].iter().rev().find(|v| v.started(day)) {
            let row = SearchRow {
                code,
                name: &v.5,
                kana: &v.6,
                generic: &v.9,
                icd10: if kind == "disease" { &v.7 } else { "" },
            };
            if let Some(rank) = v.in_force(day).then(|| key.rank(&row)).flatten() {
                found.push((hit_order(rank, &v.5, code), v));
            }
        }
        i = j;
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
        .into_iter()
        .take(limit)
        .map(|(_, v)| MasterHit {
            kind: kind.to_string(),
            code: v.code().to_string(),
            name: v.5.clone(),
            value: v.7.clone(),
            unit: v.8.clone(),
            generic_name: (!v.9.is_empty()).then(|| v.9.clone()),
        })
        .collect()
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
    pub reception_id: ReceptionId,
    pub patient_id: PatientId,
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
    /// The patient's latest visit before this one (an earlier day, or checked in earlier the
    /// same day), which made it a 再診: shown so the clerk sees why.
    #[serde(default)]
    pub earlier_visit: Option<EarlierVisit>,
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
    /// 公費 valid that day that the visit's 保険組合せ leaves out: their 公費負担者番号.
    #[serde(default)]
    pub public_not_chosen: Vec<String>,
    /// The visit's 保険組合せ as the server applies it, and in words.
    #[serde(default)]
    pub coverage: Option<crate::domain::coverage::Coverage>,
    #[serde(default)]
    pub coverage_label: String,
    /// Why the 保険組合せ cannot be used as it is (a card no longer valid that day): 確定 is
    /// refused until it is chosen again.
    #[serde(default)]
    pub coverage_problem: Option<String>,
    /// The 受付's version (to change its 保険組合せ from 会計).
    #[serde(default)]
    pub reception_version: i32,
    /// The finalised bill applied another insurance or other 公費 than the visit's 保険組合せ
    /// now: a 訂正 is due (the claim follows the bill).
    #[serde(default)]
    pub coverage_differs: bool,
    /// This visit's bill, every version, newest first (empty before it is finalised).
    pub bills: Vec<BillVersion>,
    /// Versions of the bill the server could not read back (damaged, or a stored form it no
    /// longer knows): not in `bills`; a new version is finalised over the newest.
    #[serde(default)]
    pub unreadable_versions: Vec<i32>,
    /// The visit's orders (every one, with its versions): those whose status is billed are
    /// priced with the clerk's entries ([`crate::domain::order::add_orders`]).
    #[serde(default)]
    pub orders: Vec<crate::api::orders::OrderDetail>,
}

/// A visit before the one being billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierVisit {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub department: String,
}

impl BillContext {
    /// The version a new one must be based on: the newest, readable or not.
    pub fn latest_version(&self) -> i32 {
        self.bills
            .iter()
            .map(|b| b.version)
            .chain(self.unreadable_versions.iter().copied())
            .max()
            .unwrap_or(0)
    }

    /// The orders 会計 prices: the current version of each 確定 order (a 代行入力 too), not
    /// cancelled, in the order they were created; with the versions, sorted (what
    /// [`FinalizeBill::orders`] must name).
    pub fn billed_orders(&self) -> (Vec<&crate::domain::order::OrderContents>, Vec<OrderRef>) {
        billed_orders(&self.orders)
    }
}

/// The orders of a visit that 会計 prices, and their versions sorted (see
/// [`BillContext::billed_orders`]).
pub fn billed_orders(
    orders: &[crate::api::orders::OrderDetail],
) -> (Vec<&crate::domain::order::OrderContents>, Vec<OrderRef>) {
    let mut contents = Vec::new();
    let mut refs = Vec::new();
    for order in orders.iter().filter(|o| o.status.is_billed()) {
        if let Some(v) = order.current() {
            contents.push(&v.contents);
            refs.push(OrderRef {
                order_id: order.order_id,
                version: v.version,
            });
        }
    }
    refs.sort();
    (contents, refs)
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
    /// The order versions the screen priced (`visit` then holds only the clerk's own entries;
    /// the server adds the orders from its records and refuses (409) if they are not these).
    #[serde(default)]
    pub orders: Vec<OrderRef>,
}

/// One stored version of a bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillVersion {
    pub bill_id: BillId,
    pub version: i32,
    pub visit: crate::billing::Visit,
    pub priced: crate::billing::PricedVisit,
    pub paid: i64,
    pub master_revision: String,
    pub reason: String,
    pub author: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The order versions the visit's orders came from (sorted); `visit` includes them.
    #[serde(default)]
    pub orders: Vec<OrderRef>,
    /// What the clerk entered, without the orders (a correction starts from it); the same as
    /// `visit` for a bill without orders.
    pub entries: crate::billing::Visit,
}

/// A セット as stored (its current version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSet {
    pub item_set_id: ItemSetId,
    pub version: i32,
    pub name: String,
    pub contents: SetContents,
    pub retired: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::FacilityKind;

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

    /// A master row of one import, valid throughout, with its value and unit.
    fn row(
        code: &str,
        name: &str,
        kana: &str,
        value: &str,
        unit: &str,
        generic: &str,
    ) -> CatalogEntry {
        CatalogEntry(
            code.into(),
            1,
            None,
            None,
            false,
            name.into(),
            crate::domain::japanese::normalize_kana(kana),
            value.into(),
            unit.into(),
            generic_name_of(generic),
        )
    }

    fn drug(code: &str, name: &str, kana: &str, generic: &str) -> CatalogEntry {
        row(code, name, kana, "15.20", "円/錠", generic)
    }

    #[test]
    fn a_brand_drug_is_found_by_its_generic_name() {
        let rows = [
            drug(
                "612170709",
                "ノルバスク錠２．５ｍｇ",
                "ﾉﾙﾊﾞｽｸｼﾞｮｳ2.5MG",
                "【般】アムロジピン錠２．５ｍｇ",
            ),
            drug(
                "620005904",
                "アムロジン錠２．５ｍｇ",
                "ｱﾑﾛｼﾞﾝｼﾞｮｳ2.5MG",
                "【般】アムロジピン錠２．５ｍｇ",
            ),
            drug("620098801", "カロナール錠２００", "ｶﾛﾅｰﾙｼﾞｮｳ200", ""),
        ];
        let codes = |q: &str| -> Vec<String> {
            search_catalog("drug", &rows, "2024-06-01", q, 10)
                .into_iter()
                .map(|h| h.code)
                .collect()
        };
        assert_eq!(codes("あむろじぴん"), ["612170709", "620005904"]);
        assert_eq!(codes("ｱﾑﾛｼﾞﾋﾟﾝ"), ["612170709", "620005904"]);
        // By its own name (カナ) only the brand named so.
        assert_eq!(codes("のるばすく"), ["612170709"]);
        // Anywhere in the name, the shorter names first.
        assert_eq!(codes("錠"), ["620098801", "612170709", "620005904"]);
        assert_eq!(codes("ジピン"), ["612170709", "620005904"]);
        let hit = &search_catalog("drug", &rows, "2024-06-01", "アムロ", 10)[0];
        assert_eq!(
            hit.generic_name.as_deref(),
            Some("アムロジピン錠２．５ｍｇ")
        );
        assert_eq!(
            search_catalog("drug", &rows, "2024-06-01", "カロ", 10)[0].generic_name,
            None
        );
    }

    #[test]
    fn a_disease_is_found_anywhere_in_its_name_by_kana_and_by_icd10() {
        let disease = |code: &str, name: &str, kana: &str, icd: &str| {
            row(code, name, kana, icd, "ICD-10", "")
        };
        // Fictitious codes; real names and ICD-10 codes.
        let rows = [
            disease("0000001", "急性上気道炎", "ｷｭｳｾｲｼﾞｮｳｷﾄﾞｳｴﾝ", "J069"),
            disease("0000002", "上気道炎", "ｼﾞｮｳｷﾄﾞｳｴﾝ", "J069"),
            disease("0000003", "上気道炎症候群", "ｼﾞｮｳｷﾄﾞｳｴﾝｼｮｳｺｳｸﾞﾝ", "J069"),
            disease("0000004", "急性気管支炎", "ｷｭｳｾｲｷｶﾝｼｴﾝ", "J209"),
        ];
        let codes = |q: &str| -> Vec<String> {
            search_catalog("disease", &rows, "2024-06-01", q, 10)
                .into_iter()
                .map(|h| h.code)
                .collect()
        };
        // The exact name first, then names that start so (shorter first), then the rest.
        assert_eq!(codes("上気道炎"), ["0000002", "0000003", "0000001"]);
        assert_eq!(codes("きどうえん"), ["0000002", "0000001", "0000003"]);
        assert_eq!(codes("J06.9"), ["0000002", "0000001", "0000003"]);
        assert_eq!(codes("j20"), ["0000004"]);
        assert_eq!(codes("急性"), ["0000001", "0000004"]);
        assert!(codes("肺炎").is_empty());
        // The ICD-10 is not searched in other masters.
        assert!(search_catalog("drug", &rows, "2024-06-01", "J069", 10).is_empty());
    }

    #[test]
    fn a_copy_kept_before_the_generic_name_column_still_reads() {
        let old = r#"["612170709",1,null,null,false,"ノルバスク錠２．５ｍｇ","ノルバスクジヨウ2.5MG","15.20","円/錠"]"#;
        let entry: CatalogEntry = serde_json::from_str(old).unwrap();
        assert_eq!(entry.9, "");
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
