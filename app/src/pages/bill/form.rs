//! The 会計 form as the clerk types it, and what it turns into: a `shared::billing::Visit` for
//! the engine ([`build_visit`]), a セット's contents ([`set_of`]) and back ([`form_of`],
//! [`apply_set`]). Plain data and functions, no signals: the page keeps a `Form` in one signal;
//! rows are edited and removed by index only through the methods here, which ignore an index
//! that is no longer there (a row removed by a quicker click) instead of panicking.

use shared::api::billing::{BillContext, SetContents};
use shared::billing::{
    Burden, Dispensing, DrugUse, ItemOrder, MaterialUse, Prescription, ProcedureOrder, Quantity,
    Rp, RpDrug, TimeCategory, Visit, VisitKind,
};
use shared::domain::japanese::{halfwidth_digit, parse_date};

/// One Rp as typed: kind, days (内服) or times (屯服), and its drugs as `code×quantity, …`.
#[derive(Debug, Clone, PartialEq)]
pub struct RpInput {
    pub kind: String,
    pub amount: String,
    pub drugs: String,
}

impl RpInput {
    pub fn new() -> Self {
        Self {
            kind: "internal".into(),
            amount: "7".into(),
            drugs: String::new(),
        }
    }
}

/// `620099301×3, 620009465 3` → (code, quantity) pairs (×, x, *, or a space between; full-width
/// digits accepted). `what` names the code in messages (医薬品コード, 特定器材コード).
fn parse_codes(text: &str, what: &str) -> Result<Vec<(String, Quantity)>, String> {
    text.split([',', '、', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let normal: String = part
                .chars()
                .map(halfwidth_digit)
                .map(|c| match c {
                    '．' => '.',
                    '×' | '＊' | '*' | 'x' | 'X' | '　' => ' ',
                    c => c,
                })
                .collect();
            let mut words = normal.split_whitespace();
            let code = words.next().unwrap_or_default().to_string();
            let quantity = words.next().unwrap_or("1");
            if !shared::billing::is_master_code(&code) {
                return Err(format!("{what}は9桁の数字です: {part}"));
            }
            let quantity = Quantity::parse(quantity)
                .filter(|q| q.thousandths() > 0)
                .ok_or_else(|| format!("数量が読めません: {part}"))?;
            Ok((code, quantity))
        })
        .collect()
}

/// The codes and quantities of an Rp's or 処置's typed list, as far as they read (for showing
/// the names beside what is typed).
pub fn readable_codes(text: &str) -> Vec<(String, String)> {
    text.split([',', '、', '\n'])
        .filter_map(|part| {
            parse_codes(part, "")
                .ok()
                .and_then(|mut v| v.pop())
                .map(|(code, q)| (code, q.to_string()))
        })
        .collect()
}

fn parse_drugs(text: &str) -> Result<Vec<RpDrug>, String> {
    Ok(parse_codes(text, "医薬品コード")?
        .into_iter()
        .map(|(code, quantity)| RpDrug::new(&code, quantity))
        .collect())
}

/// One 注射 or 処置 as typed: the 手技 code (optional), times, drugs and materials per time.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcInput {
    pub injection: bool,
    pub code: String,
    pub count: String,
    pub drugs: String,
    pub materials: String,
}

impl ProcInput {
    pub fn new(injection: bool) -> Self {
        Self {
            injection,
            code: String::new(),
            count: "1".into(),
            drugs: String::new(),
            materials: String::new(),
        }
    }

    fn order(&self, n: usize) -> Result<ProcedureOrder, String> {
        let label = format!("{}{}", if self.injection { "注射" } else { "処置" }, n);
        let code: String = self.code.chars().filter(|c| !c.is_whitespace()).collect();
        if !code.is_empty() && !shared::billing::is_master_code(&code) {
            return Err(format!("{label}: 診療行為コードは9桁の数字です"));
        }
        Ok(ProcedureOrder {
            code: (!code.is_empty()).then_some(code),
            count: positive(&self.count, &format!("{label} の回数"))?,
            drugs: parse_codes(&self.drugs, "医薬品コード")
                .map_err(|e| format!("{label}: {e}"))?
                .into_iter()
                .map(|(code, quantity)| DrugUse { code, quantity })
                .collect(),
            materials: parse_codes(&self.materials, "特定器材コード")
                .map_err(|e| format!("{label}: {e}"))?
                .into_iter()
                .map(|(code, quantity)| MaterialUse { code, quantity })
                .collect(),
        })
    }

    fn of(order: &ProcedureOrder, injection: bool) -> Self {
        let list = |pairs: Vec<(String, Quantity)>| {
            pairs
                .iter()
                .map(|(c, q)| format!("{c}×{q}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Self {
            injection,
            code: order.code.clone().unwrap_or_default(),
            count: order.count.to_string(),
            drugs: list(
                order
                    .drugs
                    .iter()
                    .map(|d| (d.code.clone(), d.quantity))
                    .collect(),
            ),
            materials: list(
                order
                    .materials
                    .iter()
                    .map(|m| (m.code.clone(), m.quantity))
                    .collect(),
            ),
        }
    }
}

fn positive(text: &str, what: &str) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{what}は1以上の数で入力してください"))
}

/// The clerk's form, everything the visit is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub kind: VisitKind,
    pub time: TimeCategory,
    pub management: bool,
    /// 診療情報 obtained by 電子資格確認 (マイナ保険証) or from another 保険医療機関.
    pub electronic_qualification: bool,
    /// オンライン診療 (情報通信機器).
    pub telemedicine: bool,
    pub items: Vec<(String, u32)>,
    pub dispensing: Dispensing,
    pub rps: Vec<RpInput>,
    pub specific_disease: bool,
    /// 注射 and 処置, in entry order.
    pub procedures: Vec<ProcInput>,
}

impl Form {
    /// The form a visit starts from: the newest finalised version's entries (for a correction),
    /// else an empty visit of the right kind (初診 when the context says so, else 再診 with
    /// 外来管理加算) dispensed the institution's way.
    pub fn start(ctx: &BillContext) -> Self {
        if let Some(bill) = ctx.bills.first() {
            return form_of(&bill.entries);
        }
        Self {
            kind: if ctx.first_visit {
                VisitKind::Initial
            } else {
                VisitKind::Revisit
            },
            time: TimeCategory::Regular,
            management: !ctx.first_visit,
            electronic_qualification: false,
            telemedicine: false,
            items: Vec::new(),
            dispensing: if ctx.settings.as_ref().is_some_and(|s| s.in_house_dispensing) {
                Dispensing::InHouse
            } else {
                Dispensing::Outside
            },
            rps: Vec::new(),
            specific_disease: false,
            procedures: Vec::new(),
        }
    }

    /// Edits Rp `i`, if it is still there.
    pub fn edit_rp(&mut self, i: usize, edit: impl FnOnce(&mut RpInput)) {
        if let Some(rp) = self.rps.get_mut(i) {
            edit(rp);
        }
    }

    /// Edits 注射・処置 `i`, if it is still there.
    pub fn edit_procedure(&mut self, i: usize, edit: impl FnOnce(&mut ProcInput)) {
        if let Some(p) = self.procedures.get_mut(i) {
            edit(p);
        }
    }

    /// Removes Rp `i`, if it is still there.
    pub fn remove_rp(&mut self, i: usize) {
        if i < self.rps.len() {
            self.rps.remove(i);
        }
    }

    /// Removes 注射・処置 `i`, if it is still there.
    pub fn remove_procedure(&mut self, i: usize) {
        if i < self.procedures.len() {
            self.procedures.remove(i);
        }
    }

    /// Removes 診療行為 `i`, if it is still there.
    pub fn remove_item(&mut self, i: usize) {
        if i < self.items.len() {
            self.items.remove(i);
        }
    }

    /// Sets 診療行為 `i`'s count (at least 1), if it is still there.
    pub fn set_item_count(&mut self, i: usize, count: u32) {
        if let Some(item) = self.items.get_mut(i) {
            item.1 = count.clamp(1, 99);
        }
    }

    /// Adds a 診療行為 by its code as typed (digits kept, full-width read as half-width);
    /// an error when what remains is not a 9-digit master code.
    pub fn add_item(&mut self, typed: &str) -> Result<(), String> {
        let code: String = typed
            .trim()
            .chars()
            .map(halfwidth_digit)
            .filter(char::is_ascii_digit)
            .collect();
        if !shared::billing::is_master_code(&code) {
            return Err("診療行為コードは9桁の数字です".into());
        }
        self.items.push((code, 1));
        Ok(())
    }

    /// Adds one of drug `code` to the last Rp (a new one when there is none).
    pub fn add_drug(&mut self, code: &str) {
        if self.rps.is_empty() {
            self.rps.push(RpInput::new());
        }
        if let Some(rp) = self.rps.last_mut() {
            if !rp.drugs.trim().is_empty() {
                rp.drugs.push_str(", ");
            }
            rp.drugs.push_str(&format!("{code}×1"));
        }
    }
}

pub fn build_visit(ctx: &BillContext, form: &Form) -> Result<Visit, String> {
    let service_date = parse_date(&ctx.service_date).ok_or("診療日が読めません")?;
    let birth_date = parse_date(&ctx.birth_date).ok_or("生年月日が読めません")?;
    // As the server decides: the insurance of the day, else the 公費 alone (公費単独).
    let burden = match (ctx.burden_tenths, &ctx.public_expense) {
        (Some(tenths), _) => Burden::Tenths { tenths },
        (None, Some(_)) => Burden::PublicOnly,
        (None, None) => {
            return Err(
                "診療日に有効な保険も公費もありません。患者の保険または公費を登録してください"
                    .into(),
            )
        }
    };
    let settings = ctx
        .settings
        .as_ref()
        .ok_or("算定設定（施設基準・病床数）がありません。管理者が設定してください")?;
    let mut rps = Vec::new();
    for (i, rp) in form.rps.iter().enumerate() {
        let drugs = parse_drugs(&rp.drugs).map_err(|e| format!("Rp{}: {e}", i + 1))?;
        if drugs.is_empty() {
            continue;
        }
        rps.push(match rp.kind.as_str() {
            "as_needed" => Rp::AsNeeded {
                times: positive(&rp.amount, &format!("Rp{} の回数", i + 1))?,
                drugs,
            },
            "external" => Rp::External { drugs },
            _ => Rp::Internal {
                days: positive(&rp.amount, &format!("Rp{} の日数", i + 1))?,
                temporary: false,
                drugs,
            },
        });
    }
    Ok(Visit {
        service_date,
        birth_date,
        burden,
        public_expense: ctx.public_expense.clone(),
        additional_public_expenses: ctx.additional_public_expenses.clone(),
        kind: form.kind,
        time: form.time,
        facility: shared::api::billing::facility(
            settings.institution_type,
            settings.general_beds,
            settings.standards,
        ),
        electronic_qualification: form.electronic_qualification,
        telemedicine: form.telemedicine,
        outpatient_management: form.management && form.kind == VisitKind::Revisit,
        items: form
            .items
            .iter()
            .map(|(code, count)| ItemOrder {
                code: code.clone(),
                count: *count,
            })
            .collect(),
        prescription: (!rps.is_empty()).then_some(Prescription {
            dispensing: form.dispensing,
            rps,
            specific_disease: form.specific_disease,
        }),
        injections: orders(&form.procedures, true)?,
        treatments: orders(&form.procedures, false)?,
        month_history: ctx.month_history.clone(),
    })
}

fn orders(procedures: &[ProcInput], injection: bool) -> Result<Vec<ProcedureOrder>, String> {
    procedures
        .iter()
        .filter(|p| p.injection == injection)
        .enumerate()
        .map(|(i, p)| p.order(i + 1))
        .collect()
}

fn rp_input(rp: &Rp) -> RpInput {
    let (kind, amount) = match rp {
        Rp::Internal { days, .. } => ("internal", days.to_string()),
        Rp::AsNeeded { times, .. } => ("as_needed", times.to_string()),
        Rp::External { .. } => ("external", String::new()),
    };
    RpInput {
        kind: kind.into(),
        amount,
        drugs: rp
            .drugs()
            .iter()
            .map(|d| format!("{}×{}", d.code, d.quantity))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Adds a セット's contents to the form.
pub fn apply_set(form: &mut Form, set: &SetContents) {
    form.items
        .extend(set.items.iter().map(|i| (i.code.clone(), i.count)));
    form.rps.extend(set.rps.iter().map(rp_input));
    form.procedures
        .extend(set.injections.iter().map(|o| ProcInput::of(o, true)));
    form.procedures
        .extend(set.treatments.iter().map(|o| ProcInput::of(o, false)));
}

/// The form's entries as a セット (what the visit would be without the patient and the date).
pub fn set_of(visit: &Visit) -> SetContents {
    SetContents {
        items: visit.items.clone(),
        rps: visit
            .prescription
            .as_ref()
            .map(|p| p.rps.clone())
            .unwrap_or_default(),
        injections: visit.injections.clone(),
        treatments: visit.treatments.clone(),
    }
}

/// The form a stored version was made from (for a correction).
pub fn form_of(visit: &Visit) -> Form {
    Form {
        kind: visit.kind,
        time: visit.time,
        management: visit.outpatient_management,
        electronic_qualification: visit.electronic_qualification,
        telemedicine: visit.telemedicine,
        items: visit
            .items
            .iter()
            .map(|i| (i.code.clone(), i.count))
            .collect(),
        dispensing: visit
            .prescription
            .as_ref()
            .map_or(Dispensing::Outside, |p| p.dispensing),
        rps: visit
            .prescription
            .iter()
            .flat_map(|p| p.rps.iter())
            .map(rp_input)
            .collect(),
        specific_disease: visit
            .prescription
            .as_ref()
            .is_some_and(|p| p.specific_disease),
        procedures: visit
            .injections
            .iter()
            .map(|o| ProcInput::of(o, true))
            .chain(visit.treatments.iter().map(|o| ProcInput::of(o, false)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::billing::{BillingSettings, InstitutionType};
    use shared::billing::FacilityStandards;

    /// A fictitious patient's visit context: 3割, a clinic dispensing outside.
    fn context() -> BillContext {
        BillContext {
            reception_id: shared::ids::ReceptionId(uuid::Uuid::nil()),
            patient_id: shared::ids::PatientId(uuid::Uuid::nil()),
            patient_number: "00001".into(),
            patient_name: "架空 太郎".into(),
            patient_kana: "カクウ タロウ".into(),
            birth_date: "1980-04-01".into(),
            service_date: "2024-06-03".into(),
            department: "内科".into(),
            burden_tenths: Some(3),
            insurer_number: Some("06130011".into()),
            settings: Some(BillingSettings {
                version: 1,
                valid_from: "2024-06-01".into(),
                institution_type: InstitutionType::Clinic,
                general_beds: 0,
                in_house_dispensing: false,
                standards: FacilityStandards::default(),
                reason: String::new(),
                author: None,
                created_at: "2024-06-01T00:00:00Z".into(),
            }),
            month_history: Vec::new(),
            first_visit: false,
            public_expense: None,
            additional_public_expenses: Vec::new(),
            public_not_applied: Vec::new(),
            public_not_chosen: Vec::new(),
            coverage: None,
            coverage_label: String::new(),
            coverage_problem: None,
            reception_version: 1,
            coverage_differs: false,
            bills: Vec::new(),
            unreadable_versions: Vec::new(),
            earlier_visit: None,
            orders: Vec::new(),
        }
    }

    #[test]
    fn a_new_form_is_a_revisit_with_management_dispensed_outside() {
        let form = Form::start(&context());
        assert_eq!(form.kind, VisitKind::Revisit);
        assert!(form.management);
        assert_eq!(form.dispensing, Dispensing::Outside);
        let first = Form::start(&BillContext {
            first_visit: true,
            ..context()
        });
        assert_eq!(first.kind, VisitKind::Initial);
        assert!(!first.management);
    }

    #[test]
    fn codes_are_read_with_full_width_digits_and_any_separator() {
        let parsed = parse_codes(
            "６２００９９３０１×３、620009465 2\n620000001*1.5",
            "医薬品コード",
        )
        .expect("codes");
        let got: Vec<(String, String)> = parsed
            .iter()
            .map(|(c, q)| (c.clone(), q.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("620099301".to_string(), "3".to_string()),
                ("620009465".to_string(), "2".to_string()),
                ("620000001".to_string(), "1.5".to_string()),
            ]
        );
        assert!(parse_codes("62009930×1", "医薬品コード")
            .unwrap_err()
            .contains("9桁"));
        assert!(parse_codes("620099301×0", "医薬品コード")
            .unwrap_err()
            .contains("数量"));
    }

    #[test]
    fn the_form_builds_the_visit_the_engine_prices() {
        let mut form = Form::start(&context());
        form.add_item("１１２００７４１０").expect("a 9-digit code");
        form.add_drug("620099301");
        form.add_drug("620009465");
        form.edit_rp(0, |rp| rp.amount = "14".into());
        form.procedures.push(ProcInput::new(true));
        form.edit_procedure(0, |p| {
            p.code = "130003510".into();
            p.drugs = "620000001×1".into();
        });
        let visit = build_visit(&context(), &form).expect("visit");
        assert_eq!(visit.items.len(), 1);
        assert_eq!(visit.items[0].code, "112007410");
        let rx = visit.prescription.as_ref().expect("prescription");
        assert_eq!(rx.rps.len(), 1);
        assert!(matches!(rx.rps[0], Rp::Internal { days: 14, .. }));
        assert_eq!(rx.rps[0].drugs().len(), 2);
        assert_eq!(visit.injections.len(), 1);
        assert!(visit.treatments.is_empty());
        assert_eq!(visit.burden, Burden::Tenths { tenths: 3 });
        // The form made from the visit makes the same visit again (a correction starts there).
        assert_eq!(build_visit(&context(), &form_of(&visit)), Ok(visit));
    }

    #[test]
    fn problems_are_named_by_their_row() {
        let mut form = Form::start(&context());
        form.rps.push(RpInput {
            kind: "internal".into(),
            amount: "0".into(),
            drugs: "620099301×1".into(),
        });
        assert_eq!(
            build_visit(&context(), &form).unwrap_err(),
            "Rp1 の日数は1以上の数で入力してください"
        );
        let no_insurance = BillContext {
            burden_tenths: None,
            ..context()
        };
        assert!(build_visit(&no_insurance, &Form::start(&context()))
            .unwrap_err()
            .contains("保険"));
        // No insurance but a 公費 (生活保護): 公費単独, as the server decides.
        let welfare = BillContext {
            public_expense: Some(shared::billing::PublicExpense {
                payer_number: None,
                patient_tenths: 0,
                monthly_cap: None,
                paid_this_month: shared::billing::Yen(0),
                sections: vec![],
            }),
            ..no_insurance
        };
        assert_eq!(
            build_visit(&welfare, &Form::start(&context())).map(|v| v.burden),
            Ok(Burden::PublicOnly)
        );
        let mut form = Form::start(&context());
        form.procedures.push(ProcInput::new(false));
        form.edit_procedure(0, |p| p.code = "12345".into());
        assert_eq!(
            build_visit(&context(), &form).unwrap_err(),
            "処置1: 診療行為コードは9桁の数字です"
        );
    }

    #[test]
    fn edits_of_a_row_that_is_gone_do_nothing() {
        let mut form = Form::start(&context());
        form.add_drug("620099301");
        let before = form.clone();
        form.edit_rp(5, |rp| rp.amount = "3".into());
        form.edit_procedure(0, |p| p.count = "2".into());
        form.remove_rp(1);
        form.remove_procedure(0);
        form.remove_item(0);
        assert_eq!(form, before);
        form.remove_rp(0);
        assert!(form.rps.is_empty());
        assert!(form.add_item("abc").is_err());
    }

    #[test]
    fn a_set_round_trips_through_the_form() {
        let mut form = Form::start(&context());
        form.add_item("112007410").expect("code");
        form.add_drug("620099301");
        let visit = build_visit(&context(), &form).expect("visit");
        let set = set_of(&visit);
        let mut other = Form::start(&context());
        apply_set(&mut other, &set);
        assert_eq!(other.items, form.items);
        assert_eq!(
            set_of(&build_visit(&context(), &other).expect("visit")),
            set
        );
    }
}
