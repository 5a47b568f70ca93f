//! Taking the payment: 預り金, おつり or 不足, the reason of a correction, and the button that
//! finalises (or corrects) the bill.

use super::yen;
use crate::components::field::TextField;
use leptos::prelude::*;

#[component]
pub fn PaymentPanel(
    paid: RwSignal<String>,
    reason: RwSignal<String>,
    /// 預り金 minus 窓口負担, when both are known.
    change: Signal<Option<i64>>,
    /// A bill is finalised already, so this payment corrects it (a reason is asked for).
    correcting: Signal<bool>,
    can_finalize: Signal<bool>,
    on_finalize: Callback<()>,
) -> impl IntoView {
    view! {
        <section class="bill-payment">
            // The cursor starts here: with the doctor's orders priced, taking the money is the work.
            <TextField id="bill_paid" label="預り金（円）" value=paid inputmode="numeric" autofocus=true/>
            <p data-testid="bill-change">{move || change.get().map(|c| if c >= 0 { format!("おつり {}", yen(c)) } else { format!("不足 {}", yen(-c)) })}</p>
            <Show when=move || correcting.get()>
                <TextField id="bill_reason" label="訂正の理由" value=reason/>
            </Show>
            <button type="button" data-testid="bill-finalize" data-key="F12"
                disabled=move || !can_finalize.get()
                on:click=move |_| on_finalize.run(())>{move || if correcting.get() { "訂正を確定（F12）" } else { "会計を確定（F12）" }}</button>
        </section>
    }
}
