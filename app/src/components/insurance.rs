//! The patient's insurances, each with its kind (社保/国保/後期, the 法別's name, 本人/家族), and
//! the form that adds one, corrects one (a new version with a reason; the earlier versions
//! stay) or ends one (資格喪失: the last valid day is the day before the loss). Numbers are
//! checked as they are typed (check digits included) with the same rules the server applies.

use crate::components::field::{number_hint, TextField};
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::insurance::{
    CoverageOn, EditInsurance, InsuranceDetail, InsuranceInput, Relationship,
};
use shared::domain::insurance::{BurdenRule, IncomeCategory, InsuranceSystem, InsurerNumber};
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

/// The fields the add/correct form shows an error under; any other error shows at its foot.
const SHOWN: &[&str] = &[
    "insurer_number",
    "symbol",
    "number",
    "branch",
    "relationship",
    "acquired_on",
    "valid_from",
    "valid_until",
    "reason",
    "loss",
];

/// What the form under the table is doing.
#[derive(Clone, PartialEq)]
enum Editing {
    Add,
    Correct(InsuranceDetail),
    /// 資格喪失.
    End(InsuranceDetail),
}

/// An insurance's kind in words: `社保 協会けんぽ`, `国保`, `後期 後期高齢者医療`.
fn kind_label(insurer_number: &str) -> String {
    let system = InsuranceSystem::of(insurer_number).label_ja();
    match InsurerNumber::parse(insurer_number)
        .ok()
        .and_then(|n| n.kind_ja())
    {
        Some(kind) if system != "国保" => format!("{system} {kind}"),
        _ => system.to_string(),
    }
}

/// The last valid day of a card lost on `loss` (資格喪失日: the card is not valid on it), never
/// later than the card's own end `until`; `None` when `loss` is not a date.
fn end_on_loss(until: Option<&str>, loss: &str) -> Option<String> {
    use shared::domain::japanese::{format_date, parse_date};
    let last = parse_date(loss)?.previous_day()?;
    Some(match until.and_then(parse_date) {
        Some(until) if until < last => format_date(until),
        _ => format_date(last),
    })
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
    let editing = RwSignal::new(None::<Editing>);
    let can_edit = move || session.can(Permission::EditPatients);
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
    let loss = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
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
    let open = move |what: Editing| {
        let detail = match &what {
            Editing::Add => None,
            Editing::Correct(d) | Editing::End(d) => Some(d.clone()),
        };
        let d = detail.as_ref();
        insurer.set(d.map(|d| d.insurer_number.clone()).unwrap_or_default());
        symbol.set(d.map(|d| d.symbol.clone()).unwrap_or_default());
        number.set(d.map(|d| d.number.clone()).unwrap_or_default());
        branch.set(d.map(|d| d.branch.clone()).unwrap_or_default());
        relationship.set(
            d.map(|d| d.relationship.code().to_string())
                .unwrap_or_default(),
        );
        acquired.set(d.and_then(|d| d.acquired_on.clone()).unwrap_or_default());
        from.set(d.map(|d| d.valid_from.clone()).unwrap_or_default());
        until.set(d.and_then(|d| d.valid_until.clone()).unwrap_or_default());
        income.set(
            d.map(|d| d.income_category)
                .unwrap_or_default()
                .code()
                .to_string(),
        );
        loss.set(String::new());
        reason.set(String::new());
        errors.set(Vec::new());
        let first: &'static [&'static str] = if matches!(what, Editing::End(_)) {
            &["#insurance_loss"]
        } else {
            &["#insurer_number"]
        };
        editing.set(Some(what));
        crate::keys::plan().focus_next(first);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(what) = editing.get_untracked() else {
            return;
        };
        let mut body = input();
        if let Editing::Correct(d) | Editing::End(d) = &what {
            body.burden_override = d.burden_override;
        }
        if let Editing::End(d) = &what {
            match end_on_loss(d.valid_until.as_deref(), &loss.get_untracked()) {
                Some(last) => body.valid_until = last,
                None => {
                    errors.set(vec![(
                        "loss".into(),
                        "資格喪失日を日付で入力してください".into(),
                    )]);
                    return;
                }
            }
        }
        if let Err(fields) = body.validate() {
            errors.set(fields.into_iter().map(|f| (f.field, f.message)).collect());
            return;
        }
        errors.set(Vec::new());
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        let reason = reason.get_untracked();
        let next = crate::keys::plan();
        spawn_local(async move {
            let result = match what {
                Editing::Add => crate::api::patients::add_insurance(&csrf, id, &body).await,
                Editing::Correct(d) | Editing::End(d) => {
                    let edit = EditInsurance {
                        base_version: d.version,
                        insurance: body,
                        reason,
                    };
                    crate::api::patients::edit_insurance(&csrf, id, d.insurance_id, &edit).await
                }
            };
            match result {
                Ok(_) => {
                    editing.set(None);
                    load();
                    // On to the check-in (受付) with the cards as they are now.
                    next.focus_next(&["#checkin_department", "[data-testid='add-insurance']"]);
                }
                Err(f) => {
                    session.check(&f);
                    errors.set(f.form_errors());
                    // Someone else saved first: show their version.
                    if f.code() == Some(shared::api::ErrorCode::Conflict) {
                        load();
                    }
                }
            }
        });
    };
    let ended = move |until: &Option<String>| {
        until
            .as_deref()
            .and_then(shared::domain::japanese::parse_date)
            .is_some_and(|u| u < crate::format::today_jst())
    };
    // What the server or the shared rules refused that the form shows no field for.
    let other_error = move || {
        errors.with(|e| {
            e.iter()
                .find(|(f, _)| !SHOWN.contains(&f.as_str()))
                .map(|(_, m)| m.clone())
        })
    };

    view! {
        <h2>"保険"</h2>
        <table class="patients" data-testid="insurance-table">
            <thead><tr><th scope="col">"種別"</th><th scope="col">"保険者番号"</th><th scope="col">"記号・番号・枝番"</th><th scope="col">"本人/家族"</th>
                <th scope="col">"有効期間"</th><th scope="col">"負担割合（本日）"</th><th scope="col"><span class="visually-hidden">"操作"</span></th></tr></thead>
            <tbody>
                {move || coverage.get().map(|c| {
                    if c.insurances.is_empty() {
                        return view! { <tr><td colspan="7">"登録された保険はありません"</td></tr> }.into_any();
                    }
                    c.insurances.into_iter().map(|i| {
                        let (correct, end) = (i.clone(), i.clone());
                        let is_ended = ended(&i.valid_until);
                        view! {
                            <tr data-testid="insurance-row" class:ended=is_ended>
                                <td data-testid="insurance-kind">{kind_label(&i.insurer_number)}</td>
                                <td>{i.insurer_number.clone()}</td>
                                <td>{format!("{}・{}・{}", i.symbol, i.number, i.branch)}</td>
                                <td>{i.relationship.label_ja()}</td>
                                <td data-testid="insurance-period">{format!("{} 〜 {}{}", i.valid_from, i.valid_until.clone().unwrap_or_default(),
                                    if is_ended { "（期限切れ・喪失）" } else { "" })}</td>
                                <td data-testid="burden">{format!("{}割（{}）", i.burden_tenths, rule_label(&i.burden_rule))}</td>
                                <td class="actions">
                                    {move || can_edit().then(|| {
                                        let (correct, end) = (correct.clone(), end.clone());
                                        view! {
                                            <button type="button" class="secondary" data-testid="edit-insurance"
                                                on:click=move |_| open(Editing::Correct(correct.clone()))>"修正"</button>
                                            {(!is_ended).then(|| view! {
                                                <button type="button" class="secondary" data-testid="end-insurance"
                                                    on:click=move |_| open(Editing::End(end.clone()))>"資格喪失"</button>
                                            })}
                                        }
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view().into_any()
                })}
            </tbody>
        </table>
        <Show when=move || can_edit() && editing.get().is_none()>
            <button type="button" class="secondary" data-testid="add-insurance" on:click=move |_| open(Editing::Add)>"保険を追加"</button>
        </Show>
        <Show when=move || matches!(editing.get(), Some(Editing::End(_)))>
            <form class="wide" data-testid="insurance-end-form" data-enter="next" on:submit=submit novalidate>
                <h3>{move || match editing.get() {
                    Some(Editing::End(d)) => format!("資格喪失: {} {}", kind_label(&d.insurer_number), d.insurer_number),
                    _ => String::new(),
                }}</h3>
                <div class="form-grid">
                    <crate::components::field::DateField id="insurance_loss" label="資格喪失日（この日から無効）" value=loss error=error("loss")/>
                    <TextField id="insurance_reason" label="理由" value=reason error=error("reason")/>
                </div>
                // Every other field of the card is kept as it is: an error about one shows here.
                <p class="form-error" role="alert" data-testid="insurance-error">{move || errors.with(|e| {
                    e.iter().find(|(f, _)| f != "loss" && f != "reason").map(|(_, m)| m.clone())
                })}</p>
                <button type="submit" data-testid="save-insurance-end">"資格喪失を登録"</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(None)>"取消"</button>
            </form>
        </Show>
        <Show when=move || matches!(editing.get(), Some(Editing::Add | Editing::Correct(_)))>
            <form class="wide" data-testid="insurance-form" data-enter="next" on:submit=submit novalidate>
                <h3>{move || if matches!(editing.get(), Some(Editing::Correct(_))) { "保険の修正（新しい版として記録）" } else { "保険の追加" }}</h3>
                <div class="form-grid">
                    <TextField id="insurer_number" label="保険者番号" value=insurer inputmode="numeric" error=insurer_hint/>
                    <TextField id="insurance_symbol" label="記号" value=symbol error=error("symbol")/>
                    <TextField id="insurance_number" label="番号" value=number error=error("number")/>
                    <TextField id="insurance_branch" label="枝番" value=branch inputmode="numeric" error=error("branch")/>
                    <div class="field">
                        <label for="insurance_relationship">"本人・家族"</label>
                        <select id="insurance_relationship" data-testid="insurance_relationship" on:change=move |ev| relationship.set(event_target_value(&ev))>
                            <option value="" selected=move || relationship.get().is_empty()>"選択してください"</option>
                            <option value="insured" selected=move || relationship.get() == "insured">"本人"</option>
                            <option value="dependent" selected=move || relationship.get() == "dependent">"家族"</option>
                        </select>
                        <p class="field-error" role="alert">{move || error("relationship").get()}</p>
                    </div>
                    <crate::components::field::DateField id="insurance_acquired" label="資格取得日" value=acquired error=error("acquired_on")/>
                    <crate::components::field::DateField id="insurance_from" label="有効開始日" value=from error=error("valid_from")/>
                    <crate::components::field::DateField id="insurance_until" label="有効期限（任意）" value=until error=error("valid_until")/>
                    <div class="field">
                        <label for="insurance_income">"所得区分"</label>
                        <select id="insurance_income" data-testid="insurance_income" on:change=move |ev| income.set(event_target_value(&ev))>
                            {IncomeCategory::ALL.map(|c| view! { <option value=c.code() selected=move || income.get() == c.code()>{c.label_ja()}</option> }).collect_view()}
                        </select>
                    </div>
                    <Show when=move || matches!(editing.get(), Some(Editing::Correct(_)))>
                        <TextField id="insurance_reason" label="修正理由" value=reason error=error("reason")/>
                    </Show>
                </div>
                <p class="form-error" role="alert" data-testid="insurance-error">{other_error}</p>
                <button type="submit" data-testid="save-insurance">"保険を登録"</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(None)>"取消"</button>
            </form>
        </Show>
        <crate::components::public_payment::PublicPayments patient_id=patient_id coverage=coverage reload=Callback::new(move |_| load())/>
    }
}

#[cfg(test)]
mod tests {
    use super::end_on_loss;

    #[test]
    fn a_loss_ends_the_card_the_day_before_and_never_extends_it() {
        assert_eq!(end_on_loss(None, "R8.4.1").as_deref(), Some("2026-03-31"));
        assert_eq!(
            end_on_loss(Some("2026-12-31"), "2026-04-01").as_deref(),
            Some("2026-03-31")
        );
        assert_eq!(
            end_on_loss(Some("2026-07-31"), "2026-09-01").as_deref(),
            Some("2026-07-31")
        );
        assert_eq!(end_on_loss(None, "いつか"), None);
    }
}
