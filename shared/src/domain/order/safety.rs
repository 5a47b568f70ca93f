//! Safety at order time: the warnings a doctor sees before an order is 確定, each of which can be
//! overridden with a reason that is recorded with the version. The browser shows them as the
//! doctor types; the server computes the same from its own records when the order is 確定 and
//! refuses one whose warnings are not all overridden. Pure: the caller passes the drugs in force
//! on the date (from the 医薬品 master), the patient's active allergies and the day's other orders.

use super::OrderContents;
use crate::billing::Rp;
use crate::domain::allergy::ingredient_key;
use crate::masters::{ControlledClass, DrugRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The patient has a recorded allergy matching the drug.
    Allergy,
    /// The same 成分 twice in the day's prescriptions (重複投与).
    Duplicate,
    /// More days than the drug may be given at once (投与期間の上限).
    DaysLimit,
    /// The drug is not in force on the date (経過措置期限切れ・削除).
    OutOfForce,
    /// 一般名処方 asked for a drug the master gives no 一般名 for: it prints by its brand name.
    NoGenericName,
    /// リフィル処方箋 with a drug it may not carry (投与期間に上限のある医薬品, 湿布薬).
    RefillNotAllowed,
}

impl WarningKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Allergy => "allergy",
            Self::Duplicate => "duplicate",
            Self::DaysLimit => "days_limit",
            Self::OutOfForce => "out_of_force",
            Self::NoGenericName => "no_generic_name",
            Self::RefillNotAllowed => "refill_not_allowed",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Allergy => "アレルギー",
            Self::Duplicate => "重複投与",
            Self::DaysLimit => "投与日数の上限",
            Self::OutOfForce => "マスター有効期間外",
            Self::NoGenericName => "一般名なし",
            Self::RefillNotAllowed => "リフィル不可の医薬品",
        }
    }
}

/// One warning: `key` identifies it for an override (`allergy:620098801`), `field` is the line
/// of the order it is about, `message` tells the doctor what and why (it may name the drug and
/// the allergy: it is shown to the doctor, never logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderWarning {
    pub kind: WarningKind,
    pub key: String,
    pub field: String,
    pub message: String,
}

/// A doctor's decision to order despite a warning, recorded with the version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningOverride {
    pub key: String,
    pub reason: String,
}

/// An allergy as the checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownAllergy {
    pub substance: String,
    /// 成分 (7 digits) or 薬効分類 (4 digits).
    pub ingredient: Option<String>,
    pub severity_ja: &'static str,
}

/// What the checks look at besides the order itself.
pub struct DayContext<'a> {
    pub date: Date,
    /// The patient's active drug allergies.
    pub allergies: &'a [KnownAllergy],
    /// The patient's other orders of the same day (not the one checked).
    pub others: &'a [&'a OrderContents],
    /// The 医薬品 master rows in force on `date`, by code: a code missing here is not in force.
    pub drugs: &'a BTreeMap<String, DrugRecord>,
}

/// Days a 新医薬品 may be given at once during its first year: 14 (療担規則第20条第2号ヘ;
/// 掲示事項等告示（平成18年厚生労働省告示第107号）第十 第二号(一): 薬価基準への収載の日の属する月の
/// 翌月の初日から起算して一年を経過していない新医薬品).
pub const NEW_DRUG_DAYS: u32 = 14;
/// Days above which a 麻薬 or 向精神薬 is flagged: the same 告示 limits them per product to 14,
/// 30 or 90 days, which the master does not say, so the shortest is the warning threshold.
pub const CONTROLLED_DAYS: u32 = 14;

/// The warnings for `order` on `ctx.date`, in the order of its lines.
pub fn check(order: &OrderContents, ctx: &DayContext<'_>) -> Vec<OrderWarning> {
    let mut out = Vec::new();
    let lines = order.drug_lines();
    for (path, code) in &lines {
        let Some(drug) = ctx.drugs.get(*code) else {
            out.push(OrderWarning {
                kind: WarningKind::OutOfForce,
                key: format!("out_of_force:{code}"),
                field: path.clone(),
                message: format!(
                    "医薬品コード{code}は{}に有効な医薬品マスターにありません（経過措置の期限切れ・削除）",
                    crate::domain::japanese::format_date(ctx.date)
                ),
            });
            continue;
        };
        for allergy in ctx.allergies {
            if allergy_matches(allergy, drug) {
                out.push(OrderWarning {
                    kind: WarningKind::Allergy,
                    key: format!("allergy:{code}"),
                    field: path.clone(),
                    message: format!(
                        "{}：アレルギー「{}」（{}）が登録されています",
                        drug.name, allergy.substance, allergy.severity_ja
                    ),
                });
                break;
            }
        }
    }
    if let OrderContents::Prescription(p) = order {
        // Each drug of the prescription, looked up once: its days, its 一般名, its リフィル.
        for (i, o) in p.rps.iter().enumerate() {
            for (j, d) in o.rp.drugs().iter().enumerate() {
                let Some(drug) = ctx.drugs.get(&d.code) else {
                    continue;
                };
                if let (Rp::Internal { days, .. }, Some((limit, why))) =
                    (&o.rp, days_limit(drug, ctx.date))
                {
                    if *days > limit {
                        out.push(OrderWarning {
                            kind: WarningKind::DaysLimit,
                            key: format!("days_limit:{}", d.code),
                            field: format!("contents.rps[{i}].rp.days"),
                            message: format!(
                                "{}：{why}。{days}日分は上限（{limit}日）を超えています",
                                drug.name
                            ),
                        });
                    }
                }
                if d.generic_name && drug.generic_name.is_none() {
                    out.push(OrderWarning {
                        kind: WarningKind::NoGenericName,
                        key: format!("no_generic_name:{}", d.code),
                        field: format!("contents.rps[{i}].rp.drugs[{j}].generic_name"),
                        message: format!(
                            "{}：医薬品マスターに一般名処方の標準的な記載がないため、処方箋には商品名で印刷されます（一般名処方加算の対象外）",
                            drug.name
                        ),
                    });
                }
                if p.refill_uses.is_some() {
                    if let Some(why) = refill_refused(drug, ctx.date) {
                        out.push(OrderWarning {
                            kind: WarningKind::RefillNotAllowed,
                            key: format!("refill_not_allowed:{}", d.code),
                            field: "contents.refill_uses".into(),
                            message: format!(
                                "{}：{why}はリフィル処方箋で処方できません（療担規則第20条）",
                                drug.name
                            ),
                        });
                    }
                }
            }
        }
        out.extend(duplicates(order, ctx));
    }
    out
}

/// Why `drug` may not be on a リフィル処方箋: a drug whose 投与期間 is limited (新医薬品 in its
/// first year, 麻薬, 向精神薬 — [`days_limit`]) or a 湿布薬 (貼付剤 of 薬効分類 2649 鎮痛・鎮痒・
/// 収斂・消炎剤: 薬価基準収載医薬品コード beginning 2649, 外用). Source: 保険医療機関及び保険医療
/// 養担当規則 第20条 (令和4年厚生労働省令第31号, リフィル処方箋), 令和4年3月4日保医発0304第1号.
pub fn refill_refused(drug: &DrugRecord, date: Date) -> Option<&'static str> {
    if let Some((_, why)) = days_limit(drug, date) {
        return Some(why);
    }
    let poultice = drug.dosage_form == crate::masters::DosageForm::External
        && drug
            .nhi_code
            .as_deref()
            .is_some_and(|c| c.starts_with("2649"));
    poultice.then_some("湿布薬（鎮痛・消炎の貼付剤）")
}

/// The most days `drug` may be given at once on `date`, and why, where the master tells.
pub fn days_limit(drug: &DrugRecord, date: Date) -> Option<(u32, &'static str)> {
    if let Some(listed) = drug.listed_on {
        if !drug.generic && date < first_year_end(listed) {
            return Some((NEW_DRUG_DAYS, "薬価収載から1年以内の新医薬品"));
        }
    }
    match drug.controlled {
        ControlledClass::Narcotic => {
            Some((CONTROLLED_DAYS, "麻薬（品目により14日・30日・90日が上限）"))
        }
        ControlledClass::Psychotropic => Some((
            CONTROLLED_DAYS,
            "向精神薬（品目により14日・30日・90日が上限）",
        )),
        _ => None,
    }
}

/// The first day after the one-year limit of a drug listed on `listed`: a year from the first
/// day of the month after the listing.
fn first_year_end(listed: Date) -> Date {
    let (y, m) = match listed.month() {
        time::Month::December => (listed.year() + 1, time::Month::January),
        m => (listed.year(), m.next()),
    };
    Date::from_calendar_date(y + 1, m, 1).unwrap_or(Date::MAX)
}

fn allergy_matches(allergy: &KnownAllergy, drug: &DrugRecord) -> bool {
    let codes = [drug.nhi_code.as_deref(), drug.generic_name_code.as_deref()];
    if let Some(key) = allergy.ingredient.as_deref().filter(|k| !k.is_empty()) {
        return codes.into_iter().flatten().any(|c| c.starts_with(key));
    }
    // Only a name: match it in the drug's names (widths and case folded), at least two
    // characters so that a single kana cannot match everything.
    let wanted = fold(&allergy.substance);
    if wanted.chars().count() < 2 {
        return false;
    }
    [
        Some(drug.name.as_str()),
        Some(drug.base_name.as_str()),
        drug.generic_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|name| fold(name).contains(&wanted))
}

/// Full-width ASCII to half width, upper case, kana to full-width katakana, no spaces.
fn fold(text: &str) -> String {
    crate::domain::japanese::normalize_kana(text)
}

/// 重複投与: a 成分 that appears more than once among the day's prescription drugs, at least
/// once in `order`; one warning per 成分, at its first line in `order`.
fn duplicates(order: &OrderContents, ctx: &DayContext<'_>) -> Vec<OrderWarning> {
    let key_of = |code: &str| {
        ctx.drugs
            .get(code)
            .and_then(|d| ingredient_key(d.nhi_code.as_deref(), d.generic_name_code.as_deref()))
            .map(str::to_string)
    };
    fn prescription_lines(o: &OrderContents) -> Vec<(String, &str)> {
        match o {
            OrderContents::Prescription(_) => o.drug_lines(),
            _ => Vec::new(),
        }
    }
    // 成分 → (lines in total, first line of this order, its drug).
    let mut seen: BTreeMap<String, (usize, Option<(String, String)>)> = BTreeMap::new();
    for (path, code) in prescription_lines(order) {
        if let Some(key) = key_of(code) {
            let e = seen.entry(key).or_insert((0, None));
            e.0 += 1;
            e.1.get_or_insert((path, code.to_string()));
        }
    }
    for other in ctx.others {
        for (_, code) in prescription_lines(other) {
            if let Some(key) = key_of(code) {
                if let Some(e) = seen.get_mut(&key) {
                    e.0 += 1;
                }
            }
        }
    }
    seen.into_iter()
        .filter(|(_, (n, _))| *n > 1)
        .filter_map(|(key, (_, first))| {
            let (path, code) = first?;
            let name = ctx.drugs.get(&code).map(|d| d.name.as_str()).unwrap_or("");
            Some(OrderWarning {
                kind: WarningKind::Duplicate,
                key: format!("duplicate:{key}"),
                field: path,
                message: format!("{name}：同じ成分の薬剤が本日の処方に重複しています"),
            })
        })
        .collect()
}

/// The warnings of `warnings` no override answers (an override needs a reason), by key.
pub fn unanswered<'a>(
    warnings: &'a [OrderWarning],
    overrides: &[WarningOverride],
) -> Vec<&'a OrderWarning> {
    warnings
        .iter()
        .filter(|w| {
            !overrides
                .iter()
                .any(|o| o.key == w.key && !o.reason.trim().is_empty())
        })
        .collect()
}
