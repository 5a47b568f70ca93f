//! 保険組合せ: the insurance (or 公費単独) and the 公費 of one visit, chosen from the cards valid
//! on the day, at 受付 and in 会計.

use leptos::prelude::*;
use shared::api::insurance::CoverageOn;
use shared::domain::coverage::Coverage;
use shared::ids::InsuranceId;

/// The choice: a select of the day's insurances (or none: 公費単独) and a checkbox per 公費.
#[component]
pub fn CoverageChooser(
    /// The patient's cards valid on the visit day.
    #[prop(into)]
    cards: Signal<Option<CoverageOn>>,
    chosen: RwSignal<Coverage>,
    /// Prefix of the controls' ids (one chooser per screen part).
    id: &'static str,
) -> impl IntoView {
    let select_id = format!("{id}_insurance");
    let set_insurance = move |value: String| {
        let insurance = uuid::Uuid::parse_str(&value).ok().map(InsuranceId);
        chosen.update(|c| c.insurance_id = insurance);
    };
    view! {
        <fieldset class="coverage-chooser" data-testid=format!("{id}-coverage")>
            <legend>"保険組合せ"</legend>
            {move || cards.get().map(|day| {
                let empty = day.insurances.is_empty() && day.public_payments.is_empty();
                let insurances = day.insurances;
                let publics = day.public_payments;
                let select_id = select_id.clone();
                view! {
                    <label for=select_id.clone()>"主保険"</label>
                    <select id=select_id data-testid=format!("{id}-coverage-insurance")
                        prop:value=move || chosen.with(|c| c.insurance_id.map(|i| i.to_string()).unwrap_or_default())
                        on:change=move |ev| set_insurance(event_target_value(&ev))>
                        {insurances.iter().map(|i| view! {
                            <option value=i.insurance_id.to_string()>{format!("保険 {} {}（{}割）",
                                i.insurer_number, if i.relationship == shared::domain::insurance::Relationship::Insured { "本人" } else { "家族" },
                                i.burden_tenths)}</option>
                        }).collect_view()}
                        <option value="">"保険なし（公費単独）"</option>
                    </select>
                    {publics.into_iter().map(|p| {
                        let pid = p.public_payment_id;
                        let testid = format!("{id}-coverage-public-{}", p.payer_number);
                        let share = match (p.patient_tenths, p.monthly_cap) {
                            (Some(t), Some(cap)) => format!("{t}割・上限 月{}円", shared::billing::thousands(i64::from(cap))),
                            (Some(t), None) => format!("{t}割"),
                            (None, _) => "自己負担の割合が未登録".into(),
                        };
                        view! {
                            <label class="checkbox">
                                <input type="checkbox" data-testid=testid
                                    prop:checked=move || chosen.with(|c| c.public_payment_ids.contains(&pid))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.public_payment_ids.retain(|x| *x != pid);
                                            if on { c.public_payment_ids.push(pid); }
                                        });
                                    }/>
                                {format!("公費 {}（法別{}） {share}", p.payer_number, p.houbetsu)}
                            </label>
                        }
                    }).collect_view()}
                    {empty.then(|| view! { <p class="notice">"受診日に有効な保険・公費がありません（自費）"</p> })}
                }
            })}
            <p class="hint" data-testid=format!("{id}-coverage-label")>{move || cards.with(|c| c.as_ref().map(|c|
                chosen.with(|chosen| chosen.label(&c.insurances, &c.public_payments))))}</p>
        </fieldset>
    }
}
