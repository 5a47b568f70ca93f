//! The order being entered, as plain editable lines (quantities and days as typed), and its
//! conversion to and from the stored [`OrderContents`]. No signals, no IO: the screen edits
//! this through its index-safe methods and the tests run natively.

use shared::api::billing::MasterHit;
use shared::api::orders::{
    Leftover, OrderContents, OrderKind, OrderedRp, PrescriptionOrder, Usage,
};
use shared::billing::{
    Dispensing, DrugUse, ItemOrder, MaterialUse, ProcedureOrder, Quantity, Rp, RpDrug,
};

/// A drug (or material) line: its code, the name and unit shown, the quantity as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrugLine {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub quantity: String,
    pub generic_name: bool,
    pub no_substitution: bool,
    pub patient_wish: bool,
}

/// One Rp: 内服 (`internal`, days), 屯服 (`as_needed`, times) or 外用 (`external`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpLine {
    pub kind: String,
    pub amount: String,
    pub usage_code: Option<String>,
    pub usage_text: String,
    pub times_per_day: Option<u8>,
    pub drugs: Vec<DrugLine>,
}

impl RpLine {
    pub fn new() -> Self {
        Self {
            kind: "internal".into(),
            amount: "7".into(),
            usage_code: None,
            usage_text: String::new(),
            times_per_day: None,
            drugs: Vec::new(),
        }
    }
}

/// A 診療行為 of a 検査・医学管理・画像 order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLine {
    pub code: String,
    pub name: String,
    pub count: String,
}

/// A 注射 or 処置: the 手技 (optional) with its drugs and materials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcLine {
    pub code: String,
    pub name: String,
    pub count: String,
    pub drugs: Vec<DrugLine>,
    pub materials: Vec<DrugLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderForm {
    pub kind: OrderKind,
    pub dispensing: Dispensing,
    pub specific_disease: bool,
    /// リフィルの総使用回数 as typed ("" = none).
    pub refill: String,
    /// 分割回数 as typed ("" = none).
    pub split: String,
    pub leftover: Option<Leftover>,
    pub remarks: String,
    pub rps: Vec<RpLine>,
    pub items: Vec<ItemLine>,
    pub procedures: Vec<ProcLine>,
}

/// The name and unit of a code, as far as the screen knows it.
pub type Names<'a> = &'a dyn Fn(&str) -> (String, String);

fn drug_line(code: &str, quantity: Quantity, names: Names<'_>) -> DrugLine {
    let (name, unit) = names(code);
    DrugLine {
        code: code.to_string(),
        name,
        unit,
        quantity: quantity.to_string(),
        ..DrugLine::default()
    }
}

impl OrderForm {
    #[cfg(test)]
    pub fn new(kind: OrderKind) -> Self {
        Self::of(&OrderContents::empty(kind), &|_| Default::default())
    }

    /// The form showing `contents`, names from `names`.
    pub fn of(contents: &OrderContents, names: Names<'_>) -> Self {
        let mut form = Self {
            kind: contents.kind(),
            dispensing: Dispensing::Outside,
            specific_disease: false,
            refill: String::new(),
            split: String::new(),
            leftover: None,
            remarks: String::new(),
            rps: Vec::new(),
            items: Vec::new(),
            procedures: Vec::new(),
        };
        match contents {
            OrderContents::Prescription(p) => {
                form.dispensing = p.dispensing;
                form.specific_disease = p.specific_disease;
                form.refill = p.refill_uses.map(|n| n.to_string()).unwrap_or_default();
                form.split = p.split_count.map(|n| n.to_string()).unwrap_or_default();
                form.leftover = p.leftover;
                form.remarks = p.remarks.clone();
                form.rps = p
                    .rps
                    .iter()
                    .map(|o| {
                        let (kind, amount) = match &o.rp {
                            Rp::Internal { days, .. } => ("internal", days.to_string()),
                            Rp::AsNeeded { times, .. } => ("as_needed", times.to_string()),
                            Rp::External { .. } => ("external", String::new()),
                        };
                        RpLine {
                            kind: kind.into(),
                            amount,
                            usage_code: o.usage.code.clone(),
                            usage_text: o.usage.text.clone(),
                            times_per_day: o.usage.times_per_day,
                            drugs: o
                                .rp
                                .drugs()
                                .iter()
                                .map(|d| DrugLine {
                                    generic_name: d.generic_name,
                                    no_substitution: d.no_substitution,
                                    patient_wish: d.patient_wish,
                                    ..drug_line(&d.code, d.quantity, names)
                                })
                                .collect(),
                        }
                    })
                    .collect();
            }
            OrderContents::Lab { items }
            | OrderContents::Management { items }
            | OrderContents::Imaging { items } => {
                form.items = items
                    .iter()
                    .map(|i| ItemLine {
                        code: i.code.clone(),
                        name: names(&i.code).0,
                        count: i.count.to_string(),
                    })
                    .collect();
            }
            OrderContents::Treatment { procedures } | OrderContents::Injection { procedures } => {
                form.procedures = procedures
                    .iter()
                    .map(|p| ProcLine {
                        code: p.code.clone().unwrap_or_default(),
                        name: p.code.as_deref().map(|c| names(c).0).unwrap_or_default(),
                        count: p.count.to_string(),
                        drugs: p
                            .drugs
                            .iter()
                            .map(|d| drug_line(&d.code, d.quantity, names))
                            .collect(),
                        materials: p
                            .materials
                            .iter()
                            .map(|m| drug_line(&m.code, m.quantity, names))
                            .collect(),
                    })
                    .collect();
            }
        }
        form
    }

    /// The order as the server takes it, or what is wrong, in words for the doctor. The
    /// shared validation ([`OrderContents::validate`]) then checks the rest.
    pub fn contents(&self) -> Result<OrderContents, String> {
        let number = |text: &str, what: &str| -> Result<u32, String> {
            shared::domain::japanese::to_halfwidth_digits(text.trim())
                .parse::<u32>()
                .map_err(|_| format!("{what}を数字で入力してください"))
        };
        let quantity = |line: &DrugLine| -> Result<Quantity, String> {
            let text = shared::domain::japanese::to_halfwidth_digits(line.quantity.trim())
                .replace('．', ".");
            Quantity::parse(&text)
                .ok_or_else(|| format!("{}の数量が読めません", line.name_or_code()))
        };
        let optional = |text: &str, what: &str| -> Result<Option<u8>, String> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            number(text, what).map(|n| Some(u8::try_from(n).unwrap_or(u8::MAX)))
        };
        Ok(match self.kind {
            OrderKind::Prescription => {
                let mut rps = Vec::new();
                for (i, line) in self.rps.iter().enumerate() {
                    let mut drugs = Vec::new();
                    for d in &line.drugs {
                        drugs.push(RpDrug {
                            generic_name: d.generic_name,
                            no_substitution: d.no_substitution,
                            patient_wish: d.patient_wish,
                            ..RpDrug::new(&d.code, quantity(d)?)
                        });
                    }
                    let at = format!("Rp{}", i + 1);
                    let rp = match line.kind.as_str() {
                        "as_needed" => Rp::AsNeeded {
                            times: number(&line.amount, &format!("{at}の回数"))?,
                            drugs,
                        },
                        "external" => Rp::External { drugs },
                        _ => Rp::Internal {
                            days: number(&line.amount, &format!("{at}の日数"))?,
                            temporary: false,
                            drugs,
                        },
                    };
                    rps.push(OrderedRp {
                        rp,
                        usage: Usage {
                            code: line.usage_code.clone(),
                            text: line.usage_text.trim().to_string(),
                            times_per_day: line.times_per_day,
                        },
                    });
                }
                OrderContents::Prescription(PrescriptionOrder {
                    dispensing: self.dispensing,
                    rps,
                    specific_disease: self.specific_disease,
                    refill_uses: optional(&self.refill, "リフィルの回数")?,
                    split_count: optional(&self.split, "分割回数")?,
                    leftover: self.leftover,
                    remarks: self.remarks.trim().to_string(),
                })
            }
            OrderKind::Lab | OrderKind::Management | OrderKind::Imaging => {
                let mut items = Vec::new();
                for line in &self.items {
                    items.push(ItemOrder {
                        code: line.code.clone(),
                        count: number(&line.count, "回数")?,
                    });
                }
                match self.kind {
                    OrderKind::Lab => OrderContents::Lab { items },
                    OrderKind::Management => OrderContents::Management { items },
                    _ => OrderContents::Imaging { items },
                }
            }
            OrderKind::Treatment | OrderKind::Injection => {
                let mut procedures = Vec::new();
                for p in &self.procedures {
                    let mut drugs = Vec::new();
                    for d in &p.drugs {
                        drugs.push(DrugUse {
                            code: d.code.clone(),
                            quantity: quantity(d)?,
                        });
                    }
                    let mut materials = Vec::new();
                    for m in &p.materials {
                        materials.push(MaterialUse {
                            code: m.code.clone(),
                            quantity: quantity(m)?,
                        });
                    }
                    procedures.push(ProcedureOrder {
                        code: (!p.code.trim().is_empty()).then(|| p.code.trim().to_string()),
                        count: number(&p.count, "回数")?,
                        drugs,
                        materials,
                    });
                }
                if self.kind == OrderKind::Injection {
                    OrderContents::Injection { procedures }
                } else {
                    OrderContents::Treatment { procedures }
                }
            }
        })
    }

    /// Adds what the doctor picked: a drug to the last Rp (a new one when there is none) or to
    /// the last 注射・処置; a material to the last 注射・処置; a 診療行為 as an item, or as the
    /// 手技 of a new 注射・処置.
    pub fn add(&mut self, hit: &MasterHit) {
        let unit = hit.unit.split('/').nth(1).unwrap_or("").to_string();
        let line = DrugLine {
            code: hit.code.clone(),
            name: hit.name.clone(),
            unit,
            quantity: "1".into(),
            ..DrugLine::default()
        };
        match (self.kind, hit.kind.as_str()) {
            (OrderKind::Prescription, "drug") => {
                if self.rps.is_empty() {
                    self.rps.push(RpLine::new());
                }
                if let Some(rp) = self.rps.last_mut() {
                    rp.drugs.push(line);
                }
            }
            (OrderKind::Lab | OrderKind::Management | OrderKind::Imaging, "procedure") => {
                self.items.push(ItemLine {
                    code: hit.code.clone(),
                    name: hit.name.clone(),
                    count: "1".into(),
                })
            }
            (OrderKind::Treatment | OrderKind::Injection, kind) => {
                if kind == "procedure" || self.procedures.is_empty() {
                    self.procedures.push(ProcLine {
                        count: "1".into(),
                        ..ProcLine::default()
                    });
                }
                if let Some(p) = self.procedures.last_mut() {
                    match kind {
                        "procedure" => {
                            p.code = hit.code.clone();
                            p.name = hit.name.clone();
                        }
                        "drug" => p.drugs.push(line),
                        _ => p.materials.push(line),
                    }
                }
            }
            _ => {}
        }
    }

    /// Adds a セット's entries that fit this order: its items to a 検査・医学管理・画像 order, its
    /// Rp to a prescription (用法 to be chosen), its 注射 or 処置 to the order of that kind.
    pub fn apply_set(&mut self, set: &shared::api::billing::SetContents, names: Names<'_>) {
        let line = |code: &str, quantity: Quantity| drug_line(code, quantity, names);
        match self.kind {
            OrderKind::Lab | OrderKind::Management | OrderKind::Imaging => {
                self.items.extend(set.items.iter().map(|i| ItemLine {
                    code: i.code.clone(),
                    name: names(&i.code).0,
                    count: i.count.to_string(),
                }))
            }
            OrderKind::Prescription => {
                for rp in &set.rps {
                    let (kind, amount) = match rp {
                        Rp::Internal { days, .. } => ("internal", days.to_string()),
                        Rp::AsNeeded { times, .. } => ("as_needed", times.to_string()),
                        Rp::External { .. } => ("external", String::new()),
                    };
                    self.rps.push(RpLine {
                        kind: kind.into(),
                        amount,
                        drugs: rp
                            .drugs()
                            .iter()
                            .map(|d| line(&d.code, d.quantity))
                            .collect(),
                        ..RpLine::new()
                    });
                }
            }
            OrderKind::Injection | OrderKind::Treatment => {
                let from = if self.kind == OrderKind::Injection {
                    &set.injections
                } else {
                    &set.treatments
                };
                self.procedures.extend(from.iter().map(|p| {
                    ProcLine {
                        code: p.code.clone().unwrap_or_default(),
                        name: p.code.as_deref().map(|c| names(c).0).unwrap_or_default(),
                        count: p.count.to_string(),
                        drugs: p.drugs.iter().map(|d| line(&d.code, d.quantity)).collect(),
                        materials: p
                            .materials
                            .iter()
                            .map(|m| line(&m.code, m.quantity))
                            .collect(),
                    }
                }));
            }
        }
    }

    /// The master kinds the picker searches for this order.
    pub fn picker_kinds(&self) -> &'static [&'static str] {
        match self.kind {
            OrderKind::Prescription => &["drug"],
            OrderKind::Lab | OrderKind::Management | OrderKind::Imaging => &["procedure"],
            OrderKind::Treatment | OrderKind::Injection => &["procedure", "drug", "material"],
        }
    }

    /// Edits Rp `i`, if it is still there.
    pub fn edit_rp(&mut self, i: usize, edit: impl FnOnce(&mut RpLine)) {
        if let Some(rp) = self.rps.get_mut(i) {
            edit(rp);
        }
    }

    /// Edits drug `j` of Rp `i`, if it is still there.
    pub fn edit_drug(&mut self, i: usize, j: usize, edit: impl FnOnce(&mut DrugLine)) {
        if let Some(d) = self.rps.get_mut(i).and_then(|rp| rp.drugs.get_mut(j)) {
            edit(d);
        }
    }

    /// Removes drug `j` of Rp `i` (and the Rp when it is left empty).
    pub fn remove_drug(&mut self, i: usize, j: usize) {
        if let Some(rp) = self.rps.get_mut(i) {
            if j < rp.drugs.len() {
                rp.drugs.remove(j);
            }
            if rp.drugs.is_empty() {
                self.rps.remove(i);
            }
        }
    }

    /// Sets Rp `i`'s 用法 to the standard one with `code`, or to free text when `code` is empty.
    pub fn set_usage(&mut self, i: usize, code: &str) {
        self.edit_rp(i, |rp| {
            match shared::domain::order::STANDARD_USAGES
                .iter()
                .find(|(c, ..)| *c == code)
            {
                Some((c, text, times)) => {
                    rp.usage_code = Some(c.to_string());
                    rp.usage_text = text.to_string();
                    rp.times_per_day = *times;
                }
                None => {
                    rp.usage_code = None;
                    rp.times_per_day = None;
                }
            }
        });
    }

    /// Rp `i`'s 用法 typed as text: a standard code stays only while its text is unchanged
    /// (JAHIS record 111 must not carry a code that says something else).
    pub fn set_usage_text(&mut self, i: usize, text: &str) {
        self.edit_rp(i, |rp| {
            let standard = rp.usage_code.as_deref().and_then(|code| {
                shared::domain::order::STANDARD_USAGES
                    .iter()
                    .find(|(c, ..)| *c == code)
            });
            if standard.is_none_or(|(_, t, _)| *t != text.trim()) {
                rp.usage_code = None;
                rp.times_per_day = None;
            }
            rp.usage_text = text.to_string();
        });
    }

    pub fn edit_item(&mut self, i: usize, edit: impl FnOnce(&mut ItemLine)) {
        if let Some(item) = self.items.get_mut(i) {
            edit(item);
        }
    }

    pub fn remove_item(&mut self, i: usize) {
        if i < self.items.len() {
            self.items.remove(i);
        }
    }

    pub fn edit_procedure(&mut self, i: usize, edit: impl FnOnce(&mut ProcLine)) {
        if let Some(p) = self.procedures.get_mut(i) {
            edit(p);
        }
    }

    pub fn remove_procedure(&mut self, i: usize) {
        if i < self.procedures.len() {
            self.procedures.remove(i);
        }
    }
}

impl DrugLine {
    fn name_or_code(&self) -> &str {
        if self.name.is_empty() {
            &self.code
        } else {
            &self.name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(kind: &str, code: &str, name: &str) -> MasterHit {
        MasterHit {
            kind: kind.into(),
            code: code.into(),
            name: name.into(),
            value: "10.00".into(),
            unit: "円/錠".into(),
            generic_name: None,
        }
    }

    #[test]
    fn a_picked_drug_becomes_an_rp_and_reads_back() {
        let mut form = OrderForm::new(OrderKind::Prescription);
        form.add(&hit("drug", "620098801", "ロキソニン錠６０ｍｇ"));
        form.add(&hit("drug", "612170710", "ノルバスク錠５ｍｇ"));
        assert_eq!(form.rps.len(), 1);
        assert_eq!(form.rps[0].drugs[0].unit, "錠");
        form.edit_drug(0, 0, |d| d.quantity = "３".into());
        form.set_usage(0, "1013044400000000");
        form.edit_rp(0, |rp| rp.amount = "１４".into());
        let contents = form.contents().unwrap();
        assert_eq!(contents.validate(), Ok(()));
        let OrderContents::Prescription(p) = &contents else {
            panic!("a prescription")
        };
        assert_eq!(p.rps[0].usage.times_per_day, Some(3));
        assert!(matches!(p.rps[0].rp, Rp::Internal { days: 14, .. }));
        assert_eq!(p.rps[0].rp.drugs()[0].quantity, Quantity::units(3));
        // And back: the same form (names from the lookup).
        let names = |code: &str| -> (String, String) {
            match code {
                "620098801" => ("ロキソニン錠６０ｍｇ".into(), "錠".into()),
                _ => ("ノルバスク錠５ｍｇ".into(), "錠".into()),
            }
        };
        let again = OrderForm::of(&contents, &names);
        assert_eq!(again.contents().unwrap(), contents);
        assert_eq!(again.rps[0].drugs[1].name, "ノルバスク錠５ｍｇ");
    }

    #[test]
    fn a_usage_code_goes_when_its_text_is_changed() {
        let mut form = OrderForm::new(OrderKind::Prescription);
        form.add(&hit("drug", "620098801", "ロキソニン錠６０ｍｇ"));
        form.set_usage(0, "1013044400000000");
        form.set_usage_text(0, "１日３回朝昼夕食後");
        assert_eq!(form.rps[0].usage_code.as_deref(), Some("1013044400000000"));
        form.set_usage_text(0, "１日３回毎食前");
        assert_eq!(form.rps[0].usage_code, None);
        assert_eq!(form.rps[0].usage_text, "１日３回毎食前");
    }

    #[test]
    fn typed_mistakes_are_named_for_the_doctor() {
        let mut form = OrderForm::new(OrderKind::Prescription);
        form.add(&hit("drug", "620098801", "ロキソニン錠６０ｍｇ"));
        form.edit_drug(0, 0, |d| d.quantity = "3錠".into());
        assert_eq!(
            form.contents().unwrap_err(),
            "ロキソニン錠６０ｍｇの数量が読めません"
        );
        form.edit_drug(0, 0, |d| d.quantity = "3".into());
        form.edit_rp(0, |rp| rp.amount = "一週間".into());
        assert_eq!(
            form.contents().unwrap_err(),
            "Rp1の日数を数字で入力してください"
        );
        // Removing the last drug removes the Rp.
        form.remove_drug(0, 0);
        assert!(form.rps.is_empty());
        form.remove_drug(3, 3);
    }

    #[test]
    fn injections_take_a_procedure_then_its_drugs_and_materials() {
        let mut form = OrderForm::new(OrderKind::Injection);
        form.add(&hit("procedure", "130000510", "皮内、皮下及び筋肉内注射"));
        form.add(&hit("drug", "620000001", "架空注射液"));
        form.add(&hit("material", "700000001", "架空器材"));
        let OrderContents::Injection { procedures } = form.contents().unwrap() else {
            panic!("an injection")
        };
        assert_eq!(procedures.len(), 1);
        assert_eq!(procedures[0].code.as_deref(), Some("130000510"));
        assert_eq!(
            (procedures[0].drugs.len(), procedures[0].materials.len()),
            (1, 1)
        );
        // A drug picked first starts a procedure without a 手技.
        let mut form = OrderForm::new(OrderKind::Treatment);
        form.add(&hit("drug", "620000001", "架空外用液"));
        let OrderContents::Treatment { procedures } = form.contents().unwrap() else {
            panic!("a treatment")
        };
        assert_eq!(procedures[0].code, None);
    }

    #[test]
    fn a_set_adds_what_fits_the_order() {
        let set = shared::api::billing::SetContents {
            items: vec![ItemOrder::new("160008010"), ItemOrder::new("160095710")],
            rps: vec![Rp::AsNeeded {
                times: 5,
                drugs: vec![RpDrug::new("620098801", Quantity::units(1))],
            }],
            ..Default::default()
        };
        let none = |_: &str| (String::new(), String::new());
        let mut lab = OrderForm::new(OrderKind::Lab);
        lab.apply_set(&set, &none);
        assert_eq!(lab.items.len(), 2);
        let mut rx = OrderForm::new(OrderKind::Prescription);
        rx.apply_set(&set, &none);
        assert_eq!((rx.rps.len(), rx.rps[0].kind.as_str()), (1, "as_needed"));
        assert!(
            rx.contents().unwrap().validate().is_err(),
            "用法 still to choose"
        );
        let mut shot = OrderForm::new(OrderKind::Injection);
        shot.apply_set(&set, &none);
        assert!(shot.procedures.is_empty());
    }

    #[test]
    fn lab_items_come_from_procedures_only() {
        let mut form = OrderForm::new(OrderKind::Lab);
        form.add(&hit("drug", "620098801", "ロキソニン錠６０ｍｇ"));
        form.add(&hit("procedure", "160008010", "末梢血液一般検査"));
        assert_eq!(form.items.len(), 1);
        assert_eq!(form.picker_kinds(), ["procedure"]);
        form.remove_item(0);
        assert_eq!(
            form.contents().unwrap(),
            OrderContents::Lab { items: Vec::new() }
        );
    }
}
