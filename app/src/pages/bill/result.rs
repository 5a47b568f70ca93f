//! The priced visit: its lines with the reason each was priced, the engine's warnings and notes
//! ([`BillResult`]), and the totals (点, 医療費, 負担割合, 窓口負担: [`BillTotals`], kept in view
//! beside the payment).

use super::yen;
use leptos::prelude::*;
use shared::billing::PricedVisit;

#[component]
pub fn BillResult(priced: Memo<Option<Result<PricedVisit, String>>>) -> impl IntoView {
    view! {
        <section class="bill-result" data-testid="bill-result" aria-live="polite">
            {move || match priced.get() {
                None => view! { <p>"読み込み中…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert" data-testid="bill-error">{e}</p> }.into_any(),
                Some(Ok(p)) => view! {
                    <table class="patients" data-testid="bill-lines">
                        <thead><tr><th scope="col">"部"</th><th scope="col">"コード"</th><th scope="col">"名称"</th>
                            <th scope="col">"点数"</th><th scope="col">"回数"</th><th scope="col">"計"</th><th scope="col">"算定の理由"</th></tr></thead>
                        <tbody>
                            {p.lines.iter().map(|l| view! {
                                <tr data-testid="bill-line">
                                    <td>{l.section.label_ja()}</td><td>{l.code.clone()}</td><td>{l.name.clone()}</td>
                                    <td class="num">{l.unit_points.0}</td><td class="num">{l.count}</td><td class="num">{l.points.0}</td>
                                    <td><small>{l.reason.clone()}</small></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <ul class="warnings" data-testid="bill-warnings">
                        {p.warnings.iter().map(|w| view! { <li class="warning">{w.message.clone()}</li> }).collect_view()}
                        {p.notes.iter().map(|n| view! { <li>{n.message.clone()}</li> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
pub fn BillTotals(priced: Memo<Option<Result<PricedVisit, String>>>) -> impl IntoView {
    move || {
        priced.get().and_then(Result::ok).map(|p| {
            view! {
                <dl class="bill-totals">
                    <dt>"合計点数"</dt><dd data-testid="bill-total-points">{format!("{}点", p.total_points.0)}</dd>
                    <dt>"医療費"</dt><dd>{yen(p.medical_fee.0)}</dd>
                    <dt>"負担割合"</dt><dd>{p.share.burden_label_ja()}</dd>
                    <dt>"窓口負担"</dt><dd data-testid="bill-patient-share"><strong>{yen(p.share.patient.0)}</strong></dd>
                </dl>
            }
        })
    }
}
