//! The patient's insurances on a date, and the form to add one. Numbers are checked as they
//! are typed (check digits included) with the same rules the server applies.

use crate::components::field::{number_hint, TextField};
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::insurance::{CoverageOn, InsuranceInput, Relationship};
use shared::domain::insurance::{BurdenRule, IncomeCategory, InsurerNumber};
use shared::domain::Permission;

fn rule_label(code: &str) -> &'static str {
    match code {
        "preschool" => BurdenRule::Preschool.label_ja(),
        "standard" => BurdenRule::Standard.label_ja(),
        "elderly" => BurdenRule::Elderly.label_ja(),
        "late_elderly" => BurdenRule::LateElderly.label_ja(),
        _ => "保険証の記載",
    }
}

#[component]
pub fn InsurancePanel(
    #[prop(into)] patient_id: Signal<shared::ids::PatientId>,
    /// Bumped each time the cards are read again (after an insurance or 公費 is saved), for the
    /// check-in form's 保険組合せ.
    #[prop(optional)]
    changed: Option<RwSignal<u32>>,
) -> impl IntoView {
    let session = use_session();
    let coverage = RwSignal::new(None::<CoverageOn>);
    let adding = RwSignal::new(false);
    let can_edit = move || {
        session
            .info()
            .map(|i| i.user.role.can(Permission::EditPatients))
            .unwrap_or(false)
    };
    let load = move || {
        let id = patient_id.get_untracked();
        spawn_local(async move {
            match crate::api::patients::coverage(id, "all").await {
                Ok(c) => {
                    coverage.set(Some(c));
                    if let Some(changed) = changed {
                        changed.update(|n| *n += 1);
                    }
                }
                Err(f) => session.check(&f),
            }
        });
    };
    Effect::new(move |_| {
        let _ = patient_id.get();
        load();
    });

    let insurer = RwSignal::new(String::new());
    let symbol = RwSignal::new(String::new());
    let number = RwSignal::new(String::new());
    let branch = RwSignal::new(String::new());
    let relationship = RwSignal::new(String::new());
    let acquired = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let income = RwSignal::new(String::from("general"));
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let error = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()))
        })
    };
    // The check digit is checked while typing, once the number is long enough.
    let insurer_hint = number_hint(
        insurer,
        6,
        "保険者番号",
        |s| InsurerNumber::parse(s).map(|_| ()),
        error("insurer_number"),
    );
    let input = move || InsuranceInput {
        insurer_number: insurer.get_untracked(),
        symbol: symbol.get_untracked(),
        number: number.get_untracked(),
        branch: branch.get_untracked(),
        relationship: Relationship::from_code(&relationship.get_untracked()),
        acquired_on: acquired.get_untracked(),
        valid_from: from.get_untracked(),
        valid_until: until.get_untracked(),
        income_category: IncomeCategory::from_code(&income.get_untracked()),
        burden_override: None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = input();
        if let Err(fields) = body.validate() {
            errors.set(fields.into_iter().map(|f| (f.field, f.message)).collect());
            return;
        }
        errors.set(Vec::new());
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        spawn_local(async move {
            match crate::api::patients::add_insurance(&csrf, id, &body).await {
                Ok(_) => {
                    adding.set(false);
                    load();
                }
                Err(f) => {
                    session.check(&f);
                    errors.set(f.form_errors());
                }
            }
        });
    };

    view! {
        <h2>"保険"</h2>
        <table class="patients" data-testid="insurance-table">
            <thead><tr><th scope="col">"保険者番号"</th><th scope="col">"記号・番号・枝番"</th><th scope="col">"本人/家族"</th>
                <th scope="col">"有効期間"</th><th scope="col">"負担割合（本日）"</th></tr></thead>
            <tbody>
                {move || coverage.get().map(|c| c.insurances.into_iter().map(|i| view! {
                    <tr data-testid="insurance-row">
                        <td>{i.insurer_number.clone()}</td>
                        <td>{format!("{}・{}・{}", i.symbol, i.number, i.branch)}</td>
                        <td>{i.relationship.label_ja()}</td>
                        <td>{format!("{} 〜 {}", i.valid_from, i.valid_until.clone().unwrap_or_default())}</td>
                        <td data-testid="burden">{format!("{}割（{}）", i.burden_tenths, rule_label(&i.burden_rule))}</td>
                    </tr>
                }).collect_view())}
            </tbody>
        </table>
        <Show when=move || can_edit() && !adding.get()>
            <button type="button" class="secondary" data-testid="add-insurance" on:click=move |_| adding.set(true)>"保険を追加"</button>
        </Show>
        <Show when=move || adding.get()>
            <form class="wide" data-testid="insurance-form" data-enter="next" on:submit=submit novalidate>
                <div class="form-grid">
                    <TextField id="insurer_number" label="保険者番号" value=insurer inputmode="numeric" error=insurer_hint/>
                    <TextField id="insurance_symbol" label="記号" value=symbol error=error("symbol")/>
                    <TextField id="insurance_number" label="番号" value=number error=error("number")/>
                    <TextField id="insurance_branch" label="枝番" value=branch inputmode="numeric" error=error("branch")/>
                    <div class="field">
                        <label for="insurance_relationship">"本人・家族"</label>
                        <select id="insurance_relationship" data-testid="insurance_relationship" on:change=move |ev| relationship.set(event_target_value(&ev))>
                            <option value="">"選択してください"</option>
                            <option value="insured">"本人"</option>
                            <option value="dependent">"家族"</option>
                        </select>
                        <p class="field-error" role="alert">{move || error("relationship").get()}</p>
                    </div>
                    <crate::components::field::DateField id="insurance_acquired" label="資格取得日" value=acquired error=error("acquired_on")/>
                    <crate::components::field::DateField id="insurance_from" label="有効開始日" value=from error=error("valid_from")/>
                    <crate::components::field::DateField id="insurance_until" label="有効期限（任意）" value=until error=error("valid_until")/>
                    <div class="field">
                        <label for="insurance_income">"所得区分"</label>
                        <select id="insurance_income" data-testid="insurance_income" on:change=move |ev| income.set(event_target_value(&ev))>
                            {IncomeCategory::ALL.map(|c| view! { <option value=c.code()>{c.label_ja()}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                <p class="form-error" role="alert">{move || error("form").get()}</p>
                <button type="submit" data-testid="save-insurance">"保険を登録"</button>
                <button type="button" class="secondary" on:click=move |_| adding.set(false)>"取消"</button>
            </form>
        </Show>
        <crate::components::public_payment::PublicPayments patient_id=patient_id coverage=coverage reload=Callback::new(move |_| load())/>
    }
}
