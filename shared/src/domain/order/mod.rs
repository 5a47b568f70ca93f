//! オーダ: what the doctor orders for a visit (処方, 検査, 医学管理, 画像, 処置, 注射), its
//! validation, and how the visit's orders become the parts of the [`Visit`] the billing engine
//! prices. The order reuses the engine's own shapes ([`Rp`], [`ItemOrder`], [`ProcedureOrder`])
//! so that what is ordered is exactly what is billed; what only the 処方箋 needs (用法, リフィル,
//! 分割, 残薬, 備考) sits beside them. Safety checks at order time are in [`safety`]. No IO.

pub mod jahis;
pub mod safety;

use crate::billing::{Dispensing, ItemOrder, ProcedureOrder, Rp, Visit};
use crate::domain::text::{check_text, Lines};
use crate::domain::FieldError;
use serde::{Deserialize, Serialize};

/// The kinds of order, each with its own screen section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// 処方 (院内 or 院外).
    Prescription,
    /// 検査 (検体検査 items and sets).
    Lab,
    /// 医学管理.
    Management,
    /// 画像 (as items).
    Imaging,
    /// 処置, with drugs and materials.
    Treatment,
    /// 注射, with drugs and materials.
    Injection,
}

impl OrderKind {
    pub const ALL: [OrderKind; 6] = [
        OrderKind::Prescription,
        OrderKind::Lab,
        OrderKind::Management,
        OrderKind::Imaging,
        OrderKind::Treatment,
        OrderKind::Injection,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Prescription => "prescription",
            Self::Lab => "lab",
            Self::Management => "management",
            Self::Imaging => "imaging",
            Self::Treatment => "treatment",
            Self::Injection => "injection",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Prescription => "処方",
            Self::Lab => "検査",
            Self::Management => "医学管理",
            Self::Imaging => "画像",
            Self::Treatment => "処置",
            Self::Injection => "注射",
        }
    }
}

/// What one order says. The kind is the tag (`{"kind": "lab", "items": [...]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderContents {
    Prescription(PrescriptionOrder),
    Lab { items: Vec<ItemOrder> },
    Management { items: Vec<ItemOrder> },
    Imaging { items: Vec<ItemOrder> },
    Treatment { procedures: Vec<ProcedureOrder> },
    Injection { procedures: Vec<ProcedureOrder> },
}

/// A prescription: the Rp groups and what the 処方箋 says about them as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionOrder {
    /// 院内 or 院外 (one per visit: two prescriptions of a visit must agree).
    pub dispensing: Dispensing,
    pub rps: Vec<OrderedRp>,
    /// 特定疾患処方管理加算: the prescription manages the patient's 特定疾患.
    #[serde(default)]
    pub specific_disease: bool,
    /// リフィル可: the total number of uses (2 or 3; 療担規則第20条第3号); `None` = not a refill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refill_uses: Option<u8>,
    /// 分割指示: the number of splits (2 or 3; 様式第二号の二); `None` = not split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_count: Option<u8>,
    /// 保険薬局が調剤時に残薬を確認した場合の対応; `None` = not marked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leftover: Option<Leftover>,
    /// 備考 (one line per remark; printed, and in the QR as record 81).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remarks: String,
}

impl PrescriptionOrder {
    /// 分割指示: the days of each split and the number of splits, when split (every 内服 Rp has
    /// the same days, divisible by the count: checked by [`OrderContents::validate`]).
    pub fn split_days(&self) -> Option<(u32, u8)> {
        let n = self.split_count?;
        let days = self.rps.iter().find_map(|o| match o.rp {
            Rp::Internal { days, .. } => Some(days),
            _ => None,
        })?;
        Some((days / u32::from(n.max(1)), n))
    }
}

/// 残薬確認欄 (JAHIS record 62: 1 or 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leftover {
    /// 1: 保険医療機関へ疑義照会した上で調剤.
    Inquire,
    /// 2: 保険医療機関へ情報提供.
    Inform,
}

impl Leftover {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Inquire => "保険医療機関へ疑義照会した上で調剤",
            Self::Inform => "保険医療機関へ情報提供",
        }
    }
}

/// One Rp as ordered: the engine's Rp (kind, days or times, drugs with quantities) and its 用法.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderedRp {
    pub rp: Rp,
    pub usage: Usage,
}

/// 用法: the text printed (required), a JAMI 用法コード (16 characters) where the institution's
/// 用法 list has one, and the times a day (JAHIS record 111).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times_per_day: Option<u8>,
}

/// The standard 用法 offered in the picker: JAMI 用法コード (処方・注射オーダ標準用法規格) with the
/// text printed and the times a day, from the codes `../shared/reference/prescriptions.md` §c
/// lists with their sources (JAHIS 院外処方箋2次元シンボル記録条件規約 Ver.1.10 表3-37, the MHLW
/// 電子処方箋用法マスタ notes, the JP-CLINS examples). Free text stays possible (JAHIS 用法コード種別 1).
pub const STANDARD_USAGES: &[(&str, &str, Option<u8>)] = &[
    ("1011000400000000", "１日１回朝食後", Some(1)),
    ("1011040000000000", "１日１回夕食後", Some(1)),
    ("1011100000000000", "１日１回就寝前", Some(1)),
    ("1012040400000000", "１日２回朝夕食後", Some(2)),
    ("1012010100000000", "１日２回朝夕食前", Some(2)),
    ("1013044400000000", "１日３回朝昼夕食後", Some(3)),
    ("1014144400000000", "１日４回朝昼夕食後と就寝前", Some(4)),
    ("1050110000000000", "疼痛時", None),
    ("1050610000000000", "不眠時", None),
    ("1050710000000000", "発熱時", None),
    ("2B74000000000000", "１日４回塗布", Some(4)),
    ("2B7N000000000000", "１日数回塗布", None),
    ("2H50B10000000000", "起床時点眼", None),
    ("2R50410000000000", "便秘時肛門挿入", None),
];

/// The most Rp, items or procedures one order may hold, and drugs or materials one Rp or
/// procedure may hold.
pub const MAX_LINES: usize = 50;
/// Longest 用法 text (JAHIS record 111: 50 characters).
pub const USAGE_MAX: usize = 50;
/// Longest 備考.
pub const REMARKS_MAX: usize = 400;
/// Longest line of the 備考 (JAHIS record 81: 50 characters).
pub const REMARK_LINE_MAX: usize = 50;
/// Most days of one 内服 Rp and most times of one 頓服 Rp.
pub const MAX_DAYS: u32 = 365;
/// Most of one item or procedure a visit can order.
pub const MAX_COUNT: u32 = 99;

impl OrderContents {
    pub fn kind(&self) -> OrderKind {
        match self {
            Self::Prescription(_) => OrderKind::Prescription,
            Self::Lab { .. } => OrderKind::Lab,
            Self::Management { .. } => OrderKind::Management,
            Self::Imaging { .. } => OrderKind::Imaging,
            Self::Treatment { .. } => OrderKind::Treatment,
            Self::Injection { .. } => OrderKind::Injection,
        }
    }

    /// An order of `kind` with nothing in it yet (院外 for a prescription).
    pub fn empty(kind: OrderKind) -> Self {
        match kind {
            OrderKind::Prescription => Self::Prescription(PrescriptionOrder {
                dispensing: Dispensing::Outside,
                rps: Vec::new(),
                specific_disease: false,
                refill_uses: None,
                split_count: None,
                leftover: None,
                remarks: String::new(),
            }),
            OrderKind::Lab => Self::Lab { items: Vec::new() },
            OrderKind::Management => Self::Management { items: Vec::new() },
            OrderKind::Imaging => Self::Imaging { items: Vec::new() },
            OrderKind::Treatment => Self::Treatment {
                procedures: Vec::new(),
            },
            OrderKind::Injection => Self::Injection {
                procedures: Vec::new(),
            },
        }
    }

    /// Whether the order holds nothing to do.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Prescription(p) => p.rps.is_empty(),
            Self::Lab { items } | Self::Management { items } | Self::Imaging { items } => {
                items.is_empty()
            }
            Self::Treatment { procedures } | Self::Injection { procedures } => {
                procedures.is_empty()
            }
        }
    }

    /// Every 医薬品コード the order names, with the path of each line (`contents.rps[0].rp.drugs[1]`).
    pub fn drug_lines(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        match self {
            Self::Prescription(p) => {
                for (i, rp) in p.rps.iter().enumerate() {
                    for (j, d) in rp.rp.drugs().iter().enumerate() {
                        out.push((format!("contents.rps[{i}].rp.drugs[{j}]"), d.code.as_str()));
                    }
                }
            }
            Self::Treatment { procedures } | Self::Injection { procedures } => {
                for (i, p) in procedures.iter().enumerate() {
                    for (j, d) in p.drugs.iter().enumerate() {
                        out.push((
                            format!("contents.procedures[{i}].drugs[{j}]"),
                            d.code.as_str(),
                        ));
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// Every 診療行為コード the order names.
    pub fn procedure_codes(&self) -> Vec<&str> {
        match self {
            Self::Prescription(_) => Vec::new(),
            Self::Lab { items } | Self::Management { items } | Self::Imaging { items } => {
                items.iter().map(|i| i.code.as_str()).collect()
            }
            Self::Treatment { procedures } | Self::Injection { procedures } => procedures
                .iter()
                .filter_map(|p| p.code.as_deref())
                .collect(),
        }
    }

    /// Every 特定器材コード the order names.
    pub fn material_codes(&self) -> Vec<&str> {
        match self {
            Self::Treatment { procedures } | Self::Injection { procedures } => procedures
                .iter()
                .flat_map(|p| p.materials.iter().map(|m| m.code.as_str()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The order in words, a line each (院内/院外, each Rp with its drugs, 用法 and days; each
    /// item; each 注射・処置), naming codes by `name` (name and unit; the code where unknown).
    pub fn lines_ja(&self, name: impl Fn(&str) -> Option<(String, String)>) -> Vec<String> {
        let named = |code: &str| {
            name(code)
                .map(|(n, _)| n)
                .unwrap_or_else(|| code.to_string())
        };
        let amount = |code: &str, q: &crate::billing::Quantity| {
            let unit = name(code).map(|(_, u)| u).unwrap_or_default();
            format!("{} {q}{unit}", named(code))
        };
        match self {
            Self::Prescription(p) => {
                let mut lines = vec![match p.dispensing {
                    Dispensing::InHouse => "院内処方".to_string(),
                    Dispensing::Outside => "院外処方".to_string(),
                }];
                for (i, o) in p.rps.iter().enumerate() {
                    let days = match &o.rp {
                        Rp::Internal { days, .. } => format!(" {days}日分"),
                        Rp::AsNeeded { times, .. } => format!(" {times}回分"),
                        Rp::External { .. } => String::new(),
                    };
                    let drugs: Vec<String> =
                        o.rp.drugs()
                            .iter()
                            .map(|d| amount(&d.code, &d.quantity))
                            .collect();
                    lines.push(format!(
                        "Rp{} {} {}{days}",
                        i + 1,
                        drugs.join("、"),
                        o.usage.text
                    ));
                }
                lines
            }
            Self::Lab { items } | Self::Management { items } | Self::Imaging { items } => items
                .iter()
                .map(|i| format!("{} ×{}", named(&i.code), i.count))
                .collect(),
            Self::Treatment { procedures } | Self::Injection { procedures } => procedures
                .iter()
                .map(|p| {
                    let mut parts: Vec<String> = p.code.iter().map(|c| named(c)).collect();
                    parts.extend(p.drugs.iter().map(|d| amount(&d.code, &d.quantity)));
                    parts.extend(p.materials.iter().map(|m| amount(&m.code, &m.quantity)));
                    format!("{} ×{}", parts.join("・"), p.count)
                })
                .collect(),
        }
    }

    /// The problems with the order as entered, each naming its field under `contents.`; none
    /// means it can be saved. An empty order can be a draft but not 確定 ([`Self::is_empty`]).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut too_many = |field: String, n: usize| {
            if n > MAX_LINES {
                errors.push(FieldError::new(
                    &field,
                    "too_many",
                    format!("{MAX_LINES}件までです"),
                ));
            }
        };
        match self {
            Self::Prescription(p) => {
                too_many("contents.rps".into(), p.rps.len());
                for (i, rp) in p.rps.iter().enumerate() {
                    too_many(format!("contents.rps[{i}].rp.drugs"), rp.rp.drugs().len());
                }
            }
            Self::Lab { items } | Self::Management { items } | Self::Imaging { items } => {
                too_many("contents.items".into(), items.len())
            }
            Self::Treatment { procedures } | Self::Injection { procedures } => {
                too_many("contents.procedures".into(), procedures.len());
                for (i, p) in procedures.iter().enumerate() {
                    too_many(format!("contents.procedures[{i}].drugs"), p.drugs.len());
                    too_many(
                        format!("contents.procedures[{i}].materials"),
                        p.materials.len(),
                    );
                }
            }
        }
        if !errors.is_empty() {
            // Refuse a huge order before walking every line of it.
            return Err(errors);
        }
        let (items, procedures): (&[ItemOrder], &[ProcedureOrder]) = match self {
            Self::Prescription(_) => (&[], &[]),
            Self::Lab { items } | Self::Management { items } | Self::Imaging { items } => {
                (items, &[])
            }
            Self::Treatment { procedures } | Self::Injection { procedures } => (&[], procedures),
        };
        let mut codes: Vec<(String, &str)> = self.drug_lines();
        codes.extend(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| (format!("contents.items[{i}]"), item.code.as_str())),
        );
        for (i, p) in procedures.iter().enumerate() {
            if let Some(code) = &p.code {
                codes.push((format!("contents.procedures[{i}]"), code));
            }
            for (j, m) in p.materials.iter().enumerate() {
                codes.push((format!("contents.procedures[{i}].materials[{j}]"), &m.code));
            }
        }
        for (path, code) in codes {
            if !crate::billing::is_master_code(code) {
                errors.push(FieldError::new(
                    &format!("{path}.code"),
                    "invalid",
                    "コードはマスターの9桁のコードです",
                ));
            }
        }
        for (i, item) in items.iter().enumerate() {
            check_count(
                &mut errors,
                &format!("contents.items[{i}].count"),
                item.count,
            );
        }
        for (i, p) in procedures.iter().enumerate() {
            let at = format!("contents.procedures[{i}]");
            check_count(&mut errors, &format!("{at}.count"), p.count);
            if p.code.is_none() && p.drugs.is_empty() && p.materials.is_empty() {
                errors.push(FieldError::new(
                    &at,
                    "empty",
                    "手技か薬剤・材料を入力してください",
                ));
            }
            for (j, d) in p.drugs.iter().enumerate() {
                check_quantity(
                    &mut errors,
                    &format!("{at}.drugs[{j}].quantity"),
                    d.quantity,
                );
            }
            for (j, m) in p.materials.iter().enumerate() {
                check_quantity(
                    &mut errors,
                    &format!("{at}.materials[{j}].quantity"),
                    m.quantity,
                );
            }
        }
        if let Self::Prescription(p) = self {
            validate_prescription(p, &mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn check_count(errors: &mut Vec<FieldError>, field: &str, count: u32) {
    if !(1..=MAX_COUNT).contains(&count) {
        errors.push(FieldError::new(
            field,
            "out_of_range",
            format!("回数は1〜{MAX_COUNT}です"),
        ));
    }
}

fn check_quantity(errors: &mut Vec<FieldError>, field: &str, q: crate::billing::Quantity) {
    // Quantities are thousandths: 0.001 to 99,999.
    if !(1..=99_999_000).contains(&q.thousandths()) {
        errors.push(FieldError::new(
            field,
            "out_of_range",
            "数量は0より大きく99,999以下です",
        ));
    }
}

fn validate_prescription(p: &PrescriptionOrder, errors: &mut Vec<FieldError>) {
    for (i, o) in p.rps.iter().enumerate() {
        let at = format!("contents.rps[{i}]");
        if o.rp.drugs().is_empty() {
            errors.push(FieldError::new(
                &format!("{at}.rp.drugs"),
                "empty",
                "薬剤を入力してください",
            ));
        }
        match &o.rp {
            Rp::Internal { days, .. } if !(1..=MAX_DAYS).contains(days) => {
                errors.push(FieldError::new(
                    &format!("{at}.rp.days"),
                    "out_of_range",
                    format!("日数は1〜{MAX_DAYS}日です"),
                ));
            }
            Rp::AsNeeded { times, .. } if !(1..=MAX_DAYS).contains(times) => {
                errors.push(FieldError::new(
                    &format!("{at}.rp.times"),
                    "out_of_range",
                    format!("回数は1〜{MAX_DAYS}回です"),
                ));
            }
            _ => {}
        }
        for (j, d) in o.rp.drugs().iter().enumerate() {
            check_quantity(errors, &format!("{at}.rp.drugs[{j}].quantity"), d.quantity);
            if d.no_substitution && d.patient_wish {
                // 長期収載品通知 3(1): with 変更不可 ticked, 患者希望 must not be.
                errors.push(FieldError::new(
                    &format!("{at}.rp.drugs[{j}].patient_wish"),
                    "conflict",
                    "変更不可と患者希望は同時に指定できません",
                ));
            }
        }
        let text = o.usage.text.trim();
        if text.is_empty() || text.chars().count() > USAGE_MAX {
            errors.push(FieldError::new(
                &format!("{at}.usage.text"),
                "invalid",
                format!("用法を{USAGE_MAX}文字以内で入力してください"),
            ));
        }
        if let Err(e) = check_text(&format!("{at}.usage.text"), text, Lines::Single) {
            errors.push(e);
        }
        if let Some(code) = &o.usage.code {
            // JAMI 用法コード: 16 characters of digits and capital letters (prescriptions.md §c).
            if code.len() != 16
                || !code
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            {
                errors.push(FieldError::new(
                    &format!("{at}.usage.code"),
                    "invalid",
                    "用法コードは16桁の英数字です",
                ));
            }
        }
        if let Some(n) = o.usage.times_per_day {
            if !(1..=24).contains(&n) {
                errors.push(FieldError::new(
                    &format!("{at}.usage.times_per_day"),
                    "out_of_range",
                    "1日の回数は1〜24回です",
                ));
            }
        }
    }
    // リフィル: at most 3 uses in all (療担規則第20条第3号); 分割指示: 様式第二号の二. Neither for
    // 院内処方, which issues no 処方箋.
    for (field, value, label) in [
        (
            "contents.refill_uses",
            p.refill_uses,
            "リフィルの総使用回数",
        ),
        ("contents.split_count", p.split_count, "分割回数"),
    ] {
        if let Some(n) = value {
            if !(2..=3).contains(&n) {
                errors.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("{label}は2回か3回です"),
                ));
            } else if p.dispensing == Dispensing::InHouse {
                errors.push(FieldError::new(
                    field,
                    "in_house",
                    format!("院内処方では{label}を指定できません"),
                ));
            }
        }
    }
    if let Some(n) = p.split_count.filter(|n| (2..=3).contains(n)) {
        // 分割指示 splits the 内服 days evenly: every 内服 Rp the same days, divisible by the count.
        let days: Vec<u32> = p
            .rps
            .iter()
            .filter_map(|o| match o.rp {
                Rp::Internal { days, .. } => Some(days),
                _ => None,
            })
            .collect();
        if days.is_empty()
            || days.iter().any(|d| *d != days[0])
            || !days[0].is_multiple_of(u32::from(n))
        {
            errors.push(FieldError::new(
                "contents.split_count",
                "uneven",
                "分割指示は、内服薬の日数が同じで分割回数で割り切れるときに指定できます",
            ));
        }
    }
    if p.refill_uses.is_some() && p.split_count.is_some() {
        errors.push(FieldError::new(
            "contents.split_count",
            "conflict",
            "リフィルと分割指示は同時に指定できません",
        ));
    }
    if p.remarks
        .lines()
        .any(|l| l.trim().chars().count() > REMARK_LINE_MAX)
    {
        errors.push(FieldError::new(
            "contents.remarks",
            "too_long",
            format!("備考は1行{REMARK_LINE_MAX}文字以内です（2次元シンボルの備考レコード）"),
        ));
    }
    if p.remarks.chars().count() > REMARKS_MAX {
        errors.push(FieldError::new(
            "contents.remarks",
            "too_long",
            format!("備考は{REMARKS_MAX}文字以内です"),
        ));
    }
    if let Err(e) = check_text("contents.remarks", &p.remarks, Lines::Multi) {
        errors.push(e);
    }
}

/// Why the visit's orders cannot be added to a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeError {
    /// 院内 and 院外 in one visit.
    MixedDispensing,
}

impl MergeError {
    pub fn message_ja(&self) -> &'static str {
        match self {
            Self::MixedDispensing => {
                "院内処方と院外処方が混在しています。1回の受診ではどちらかに揃えてください"
            }
        }
    }
}

/// The visit `base` (the clerk's own entries: 算定-only items) with the orders added: items of
/// 検査・医学管理・画像 to `items`, Rp of every prescription to one `prescription` (in order),
/// 注射 and 処置 to theirs. The orders come after the clerk's entries, in the order given.
pub fn add_orders(base: &Visit, orders: &[&OrderContents]) -> Result<Visit, MergeError> {
    let mut visit = base.clone();
    for order in orders {
        match order {
            OrderContents::Prescription(p) => {
                let rps = p.rps.iter().map(|o| o.rp.clone());
                match &mut visit.prescription {
                    Some(existing) => {
                        if existing.dispensing != p.dispensing {
                            return Err(MergeError::MixedDispensing);
                        }
                        existing.rps.extend(rps);
                        existing.specific_disease |= p.specific_disease;
                    }
                    None => {
                        visit.prescription = Some(crate::billing::Prescription {
                            dispensing: p.dispensing,
                            rps: rps.collect(),
                            specific_disease: p.specific_disease,
                        })
                    }
                }
            }
            OrderContents::Lab { items }
            | OrderContents::Management { items }
            | OrderContents::Imaging { items } => visit.items.extend(items.iter().cloned()),
            OrderContents::Treatment { procedures } => {
                visit.treatments.extend(procedures.iter().cloned())
            }
            OrderContents::Injection { procedures } => {
                visit.injections.extend(procedures.iter().cloned())
            }
        }
    }
    Ok(visit)
}

/// Do処方: the prescription `earlier` copied for a new order, and the paths of the drugs in it
/// that `in_force` says are not in force on the new date. Those stay in the copy, flagged, so
/// the doctor sees them: they are never dropped or replaced silently (and 確定 warns of them).
pub fn copy_prescription(
    earlier: &PrescriptionOrder,
    in_force: impl Fn(&str) -> bool,
) -> (PrescriptionOrder, Vec<String>) {
    let copy = earlier.clone();
    let stale = OrderContents::Prescription(copy.clone())
        .drug_lines()
        .into_iter()
        .filter(|(_, code)| !in_force(code))
        .map(|(path, _)| path)
        .collect();
    (copy, stale)
}

#[cfg(test)]
mod tests;
