//! 注射 (第6部) and 処置 (第9部): the 手技 from the master, then the drugs (G100 / J300) and the
//! 特定保険医療材料 (G200 / J400) used each time.

use super::items::{check_count, price_ordered};
use super::src;
use crate::billing::catalog::{Catalog, DrugFacts, MaterialFacts};
use crate::billing::engine::{Pricing, MAX_QUANTITY};
use crate::billing::money::{
    drug_points_fine, fine_amount, material_points_fine, treatment_drug_points_fine, Points,
    Quantity,
};
use crate::billing::priced::{BillingError, LineContent, LineKind, WarningCode};
use crate::billing::section::Section;
use crate::billing::visit::{DrugUse, MaterialUse, ProcedureOrder};
use crate::masters::{DosageForm, DrugPriceKind, MaterialPriceKind};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Injection,
    Treatment,
}

pub(crate) fn injections<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) -> Result<(), BillingError> {
    let visit = p.visit;
    for order in &visit.injections {
        procedure(p, order, Kind::Injection)?;
    }
    Ok(())
}

pub(crate) fn treatments<C: Catalog + ?Sized>(p: &mut Pricing<'_, C>) -> Result<(), BillingError> {
    let visit = p.visit;
    for order in &visit.treatments {
        procedure(p, order, Kind::Treatment)?;
    }
    Ok(())
}

fn procedure<C: Catalog + ?Sized>(
    p: &mut Pricing<'_, C>,
    order: &ProcedureOrder,
    kind: Kind,
) -> Result<(), BillingError> {
    let label = order.code.as_deref().unwrap_or("注射・処置");
    check_count(label, order.count)?;
    if order.code.is_none() && order.drugs.is_empty() && order.materials.is_empty() {
        return Err(BillingError::EmptyProcedure);
    }
    let (section, default_aggregation) = match kind {
        // 331 = その他の注射 (receipts.md §3.2) when no 手技 is given.
        Kind::Injection => (Section::Injection, 331),
        Kind::Treatment => (Section::Treatment, 400),
    };
    let mut aggregation = default_aggregation;
    if let Some(code) = &order.code {
        if price_ordered(p, code, order.count)? {
            if let Some(f) = p.ordered.last() {
                aggregation = f.aggregation;
            }
        }
    }

    if !order.drugs.is_empty() {
        let drugs = resolve_drugs(p, &order.drugs)?;
        if kind == Kind::Injection {
            for (facts, _) in &drugs {
                if facts.form != DosageForm::Injection {
                    let (code, name, form) = (facts.code.clone(), facts.name.clone(), facts.form);
                    p.warn(
                        WarningCode::DrugFormMismatch,
                        Some(&code),
                        format!("{name} は{}です（注射に使用）", form.label_ja()),
                        false,
                    );
                }
            }
        }
        let amount: i128 = drugs.iter().map(|(f, q)| fine_amount(f.price, *q)).sum();
        let contents = contents_of_drugs(&drugs);
        let billed = match kind {
            // G100: 1回分の薬価 → 点数, × 回数.
            Kind::Injection => Some((to_points(drug_points_fine(amount))?, "注射薬", src::G100)),
            Kind::Treatment => {
                // J300: 15円以下は算定しない.
                let unit = to_points(treatment_drug_points_fine(amount))?;
                if unit.0 == 0 {
                    let code = contents.first().map(|c| c.code.clone());
                    p.note(
                        "treatment_drug_15_yen_or_less",
                        code.as_deref(),
                        format!(
                            "処置の薬剤は1回分 {} で15円以下のため算定しません（J300 注1）",
                            fine_yen(amount)
                        ),
                    );
                    None
                } else {
                    Some((unit, "処置薬剤", src::J300))
                }
            }
        };
        if let Some((unit, what, source)) = billed {
            p.push_goods(
                LineKind::Drug,
                section,
                aggregation,
                unit,
                order.count,
                contents,
                format!("{what} 1回分 {} → {}点", fine_yen(amount), unit.0),
                source,
            )?;
        }
    }

    for m in &order.materials {
        let facts = resolve_material(p, m)?;
        let amount = fine_amount(facts.price, m.quantity);
        let unit = to_points(material_points_fine(amount))?;
        let content = LineContent {
            code: facts.code.clone(),
            name: facts.name.clone(),
            quantity: m.quantity,
            unit: facts.unit.clone(),
        };
        if unit.0 == 0 {
            p.note(
                "material_below_one_point",
                Some(&facts.code),
                format!(
                    "{} は {} で1点未満（四捨五入で0点）のため算定しません",
                    facts.name,
                    fine_yen(amount)
                ),
            );
            continue;
        }
        p.push_goods(
            LineKind::Material,
            section,
            aggregation,
            unit,
            order.count,
            vec![content],
            format!(
                "特定保険医療材料 {} ÷ 10円 → {}点",
                fine_yen(amount),
                unit.0
            ),
            src::G200_J400,
        )?;
    }
    Ok(())
}

pub(crate) fn check_quantity(code: &str, q: Quantity) -> Result<(), BillingError> {
    if q.thousandths() <= 0 || q > MAX_QUANTITY {
        return Err(BillingError::InvalidQuantity {
            code: code.to_string(),
        });
    }
    Ok(())
}

/// Looks a drug up; an unknown or abolished drug, or one not priced in 円 (金額種別 3 歯科・
/// 7 減点), makes the order unpriceable.
pub(crate) fn drug<C: Catalog + ?Sized>(
    p: &Pricing<'_, C>,
    code: &str,
    quantity: Quantity,
) -> Result<DrugFacts, BillingError> {
    check_quantity(code, quantity)?;
    let facts = p
        .catalog
        .drug(code)
        .ok_or_else(|| BillingError::UnknownDrug {
            code: code.to_string(),
        })?;
    if !facts.in_force_on(p.visit.service_date) {
        return Err(BillingError::DrugNotInForce {
            code: code.to_string(),
        });
    }
    if facts.price_kind != DrugPriceKind::Amount {
        return Err(BillingError::PriceKindNotSupported {
            code: code.to_string(),
        });
    }
    Ok(facts)
}

fn resolve_drugs<C: Catalog + ?Sized>(
    p: &Pricing<'_, C>,
    uses: &[DrugUse],
) -> Result<Vec<(DrugFacts, Quantity)>, BillingError> {
    uses.iter()
        .map(|u| drug(p, &u.code, u.quantity).map(|f| (f, u.quantity)))
        .collect()
}

fn resolve_material<C: Catalog + ?Sized>(
    p: &Pricing<'_, C>,
    m: &MaterialUse,
) -> Result<MaterialFacts, BillingError> {
    check_quantity(&m.code, m.quantity)?;
    let facts = p
        .catalog
        .material(&m.code)
        .ok_or_else(|| BillingError::UnknownMaterial {
            code: m.code.clone(),
        })?;
    if !facts.in_force_on(p.visit.service_date) {
        return Err(BillingError::MaterialNotInForce {
            code: m.code.clone(),
        });
    }
    // 購入価格, ％加算 and 乗算割合 need the invoice or the item they apply to.
    if facts.price_kind != MaterialPriceKind::Amount {
        return Err(BillingError::PriceKindNotSupported {
            code: m.code.clone(),
        });
    }
    Ok(facts)
}

pub(crate) fn contents_of_drugs(drugs: &[(DrugFacts, Quantity)]) -> Vec<LineContent> {
    drugs
        .iter()
        .map(|(f, q)| LineContent {
            code: f.code.clone(),
            name: f.name.clone(),
            quantity: *q,
            unit: f.unit.clone(),
        })
        .collect()
}

pub(crate) fn to_points(n: i128) -> Result<Points, BillingError> {
    i64::try_from(n)
        .map(Points)
        .map_err(|_| BillingError::Overflow)
}

/// An exact amount (1/100,000 円) as text: "59.7円", "10.1円", "15円".
pub(crate) fn fine_yen(amount: i128) -> String {
    use crate::billing::money::FINE_PER_YEN;
    let sign = if amount < 0 { "-" } else { "" };
    let a = amount.unsigned_abs();
    let per = FINE_PER_YEN as u128;
    let whole = a / per;
    let frac = a % per;
    if frac == 0 {
        format!("{sign}{whole}円")
    } else {
        let digits = format!("{frac:05}");
        format!("{sign}{whole}.{}円", digits.trim_end_matches('0'))
    }
}
