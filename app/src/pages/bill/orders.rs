//! The visit's orders in 会計: what the doctor ordered, priced with the clerk's entries (marked
//! as coming from the order, not typed here), and a notice when an order changed after 会計 was
//! opened (the page re-prices) or after the bill was finalised (a 訂正 is due).

use super::Rows;
use leptos::prelude::*;
use shared::api::billing::BillContext;
use shared::api::orders::OrderContents;

/// The lines of one order, with names (and units) where the page has the master rows.
fn lines(contents: &OrderContents, rows: &Rows) -> Vec<String> {
    contents.lines_ja(|code| {
        rows.rows
            .iter()
            .find(|((_, c), _)| c == code)
            .map(|((kind, _), row)| {
                let get = |i: usize| row.get(i).cloned().unwrap_or_default();
                (get(4), if *kind == 0 { String::new() } else { get(9) })
            })
    })
}

#[component]
pub fn VisitOrders(
    context: RwSignal<Option<BillContext>>,
    rows: RwSignal<Rows>,
    /// Set when the orders changed while the page was open (it then re-priced).
    changed: RwSignal<bool>,
) -> impl IntoView {
    let billed = move || {
        context.with(|c| {
            c.as_ref()
                .map(|c| {
                    c.orders
                        .iter()
                        .filter(|o| o.status.is_billed())
                        .filter_map(|o| Some((o.kind, o.status, o.current()?.contents.clone())))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    // The finalised bill priced other order versions than the visit has now.
    let stale_bill = move || {
        context.with(|c| {
            c.as_ref().is_some_and(|c| {
                c.bills
                    .first()
                    .is_some_and(|b| b.orders != c.billed_orders().1)
            })
        })
    };
    view! {
        <Show when=move || !billed().is_empty()>
            <section class="visit-orders" data-testid="bill-orders" aria-label="オーダ">
                <h2>"オーダから（入力不要）"</h2>
                <ul>
                    {move || billed().into_iter().map(|(kind, status, contents)| {
                        let shown = rows.with(|r| lines(&contents, r));
                        view! {
                            <li data-testid="bill-order">
                                <span class="badge">"オーダ"</span>
                                <strong>{kind.label_ja()}</strong>
                                {(status == shared::api::orders::OrderStatus::Pending).then(|| view! { <span class="badge">"承認待ち"</span> })}
                                <ul>{shown.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </Show>
        <Show when=move || changed.get()>
            <p class="notice" role="status" data-testid="bill-orders-updated">"オーダが変更されました。最新のオーダで再計算しています"</p>
        </Show>
        <Show when=stale_bill>
            <p class="notice" role="alert" data-testid="bill-orders-changed">"会計確定後にオーダが変更されました。「訂正する」から最新のオーダで訂正してください"</p>
        </Show>
    }
}
