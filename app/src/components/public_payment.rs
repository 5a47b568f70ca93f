//! The patient's 公費 (public payments): every one with its validity period, a form to add one
//! and to correct one (a new version with a reason; the earlier versions stay). Numbers are
//! checked while they are typed, check digits included, by the same rules the server applies.

use crate::components::field::{number_hint, TextField};
use crate::state::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::insurance::{
    CoverageOn, EditPublicPayment, PublicPaymentDetail, PublicPaymentInput,
};
use shared::domain::insurance::{PublicPayerNumber, RecipientNumber};
use shared::domain::Permission;

#[component]
pub fn PublicPayments(
    #[prop(into)] patient_id: Signal<shared::ids::PatientId>,
    coverage: RwSignal<Option<CoverageOn>>,
    /// Reloads `coverage` after a change.
    reload: Callback<()>,
) -> impl IntoView {
    let session = use_session();
    let can_edit = move || session.can(Permission::EditPatients);
    // None: no form; Some(None): adding; Some(Some(p)): correcting p.
    let editing = RwSignal::new(None::<Option<PublicPaymentDetail>>);
    let payer = RwSignal::new(String::new());
    let recipient = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let tenths = RwSignal::new(String::new());
    let cap = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let error = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()))
        })
    };
    let payer_hint = number_hint(
        payer,
        8,
        "公費負担者番号",
        |s| PublicPayerNumber::parse(s).map(|_| ()),
        error("payer_number"),
    );
    let recipient_hint = number_hint(
        recipient,
        7,
        "受給者番号",
        |s| RecipientNumber::parse(s).map(|_| ()),
        error("recipient_number"),
    );
    let open = move |p: Option<PublicPaymentDetail>| {
        payer.set(
            p.as_ref()
                .map(|p| p.payer_number.clone())
                .unwrap_or_default(),
        );
        recipient.set(
            p.as_ref()
                .and_then(|p| p.recipient_number.clone())
                .unwrap_or_default(),
        );
        from.set(p.as_ref().map(|p| p.valid_from.clone()).unwrap_or_default());
        until.set(
            p.as_ref()
                .and_then(|p| p.valid_until.clone())
                .unwrap_or_default(),
        );
        tenths.set(
            p.as_ref()
                .and_then(|p| p.patient_tenths)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        );
        cap.set(
            p.as_ref()
                .and_then(|p| p.monthly_cap)
                .map(|c| c.to_string())
                .unwrap_or_default(),
        );
        reason.set(String::new());
        errors.set(Vec::new());
        editing.set(Some(p));
        crate::keys::plan().focus_next(&["#payer_number"]);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = PublicPaymentInput {
            payer_number: payer.get_untracked(),
            recipient_number: recipient.get_untracked(),
            valid_from: from.get_untracked(),
            valid_until: until.get_untracked(),
            patient_tenths: tenths.get_untracked(),
            monthly_cap: cap.get_untracked(),
        };
        if let Err(fields) = input.validate() {
            errors.set(fields.into_iter().map(|f| (f.field, f.message)).collect());
            return;
        }
        errors.set(Vec::new());
        let Some(target) = editing.get_untracked() else {
            return;
        };
        let csrf = session.csrf();
        let id = patient_id.get_untracked();
        let reason = reason.get_untracked();
        let next = crate::keys::plan();
        spawn_local(async move {
            let result = match target {
                None => crate::api::patients::add_public_payment(&csrf, id, &input).await,
                Some(p) => {
                    let body = EditPublicPayment {
                        base_version: p.version,
                        public_payment: input,
                        reason,
                    };
                    crate::api::patients::edit_public_payment(&csrf, id, p.public_payment_id, &body)
                        .await
                }
            };
            match result {
                Ok(_) => {
                    editing.set(None);
                    reload.run(());
                    next.focus_next(&["#checkin_department", "[data-testid='add-public-payment']"]);
                }
                Err(f) => {
                    session.check(&f);
                    errors.set(f.form_errors());
                    // A conflict means someone else saved first: show their version.
                    if f.code() == Some(shared::api::ErrorCode::Conflict) {
                        reload.run(());
                    }
                }
            }
        });
    };

    view! {
        <h2>"公費"</h2>
        <table class="patients" data-testid="public-payment-table">
            <thead><tr><th scope="col">"法別"</th><th scope="col">"公費負担者番号"</th><th scope="col">"受給者番号"</th>
                <th scope="col">"有効期間"</th><th scope="col">"自己負担"</th><th scope="col"><span class="visually-hidden">"操作"</span></th></tr></thead>
            <tbody>
                {move || coverage.get().map(|c| {
                    if c.public_payments.is_empty() {
                        return view! { <tr><td colspan="6">"登録された公費はありません"</td></tr> }.into_any();
                    }
                    c.public_payments.into_iter().map(|p| {
                        let target = p.clone();
                        view! {
                            <tr data-testid="public-payment-row">
                                <td data-testid="public-payment-kind">{match shared::domain::insurance::public_houbetsu_name(&p.houbetsu) {
                                    Some(name) => format!("{} {name}", p.houbetsu),
                                    None => p.houbetsu.clone(),
                                }}</td>
                                <td data-testid="payer-number">{p.payer_number.clone()}</td>
                                <td>{p.recipient_number.clone().unwrap_or_else(|| "—".into())}</td>
                                <td data-testid="public-payment-period">{format!("{} 〜 {}", p.valid_from, p.valid_until.clone().unwrap_or_default())}</td>
                                <td data-testid="public-payment-share">{match (p.patient_tenths, p.monthly_cap) {
                                    (None, _) => "未登録（会計に反映されません）".to_string(),
                                    (Some(t), None) => format!("{t}割"),
                                    (Some(t), Some(c)) => format!("{t}割・上限 月{}円", shared::billing::thousands(i64::from(c))),
                                }}</td>
                                <td>
                                    <Show when=can_edit>
                                        <button type="button" class="secondary" data-testid="edit-public-payment"
                                            on:click={let t = target.clone(); move |_| open(Some(t.clone()))}>"修正"</button>
                                    </Show>
                                </td>
                            </tr>
                        }
                    }).collect_view().into_any()
                })}
            </tbody>
        </table>
        <Show when=move || can_edit() && editing.get().is_none()>
            <button type="button" class="secondary" data-testid="add-public-payment" on:click=move |_| open(None)>"公費を追加"</button>
        </Show>
        <Show when=move || editing.get().is_some()>
            <form class="wide" data-testid="public-payment-form" data-enter="next" on:submit=submit novalidate>
                <h3>{move || if matches!(editing.get(), Some(Some(_))) { "公費の修正（新しい版として記録）" } else { "公費の追加" }}</h3>
                <div class="form-grid">
                    <TextField id="payer_number" label="公費負担者番号" value=payer inputmode="numeric" error=payer_hint/>
                    <TextField id="recipient_number" label="受給者番号（任意）" value=recipient inputmode="numeric" error=recipient_hint/>
                    <crate::components::field::DateField id="public_from" label="有効開始日" value=from error=error("valid_from")/>
                    <crate::components::field::DateField id="public_until" label="有効期限（任意）" value=until error=error("valid_until")/>
                    <TextField id="public_tenths" label="自己負担の割合（割、0〜3。受給者証のとおり）" value=tenths inputmode="numeric" error=error("patient_tenths")/>
                    <TextField id="public_cap" label="自己負担上限額（月額・円、任意）" value=cap inputmode="numeric" error=error("monthly_cap")/>
                    <Show when=move || matches!(editing.get(), Some(Some(_)))>
                        <TextField id="public_reason" label="修正理由" value=reason/>
                    </Show>
                </div>
                <p class="form-error" role="alert" data-testid="public-payment-error">{move || error("form").get().or_else(|| error("base_version").get())}</p>
                <button type="submit" data-testid="save-public-payment">"公費を登録"</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(None)>"取消"</button>
            </form>
        </Show>
    }
}
