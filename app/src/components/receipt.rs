//! The printable 領収証 and 診療明細書 of one outpatient visit (reference/receipts.md §1, §2).
//! Pure views: the priced visit and the facts around it in, nothing out. Each document is an
//! A4 "paper" (`.print-doc`); when the page is printed only the documents show, one per page.

use leptos::prelude::*;
use shared::billing::{receipt_rows, thousands, PricedLine};
pub use shared::print::ReceiptData;
use shared::print::{japanese_date, points, yen};

/// 領収証: the 保険 points per 部, the totals, 一部負担金, 保険外負担 and 領収金額.
#[component]
pub fn Receipt(#[prop(into)] data: Signal<ReceiptData>) -> impl IntoView {
    view! {
        <article class="print-doc receipt" data-testid="receipt" aria-label="領収証">
            {move || {
                let d = data.get();
                let share = d.priced.share;
                let non_insured_total = d.non_insured_total();
                let rows = receipt_rows(&d.priced);
                // The 部 in rows of five, names over points, as on 別紙様式1.
                let grid = rows
                    .chunks(5)
                    .map(|chunk| {
                        let heads = chunk
                            .iter()
                            .map(|r| view! { <th scope="col">{r.label}</th> })
                            .collect_view();
                        let cells = chunk
                            .iter()
                            .map(|r| {
                                view! {
                                    <td class="num" data-testid="receipt-section" data-section=r.label>
                                        {r.points.map(|p| thousands(p.0))}
                                    </td>
                                }
                            })
                            .collect_view();
                        view! {
                            <tr class="labels">{heads}</tr>
                            <tr class="values">{cells}</tr>
                        }
                    })
                    .collect_view();
                let items = d
                    .non_insured
                    .iter()
                    .map(|c| view! { <li>{c.name.clone()} " " <span class="num">{yen(c.yen)}</span></li> })
                    .collect_view();
                let has_items = !d.non_insured.is_empty();
                // With a 公費, the patient pays less than the insurance's 一部負担金.
                let public = d.public_note();
                let address = (!d.institution_address.is_empty()).then(|| d.institution_address.clone());
                view! {
                    <header class="doc-head">
                        <h2 class="doc-title">"領収証"</h2>
                        <dl class="doc-meta">
                            <dt>"領収書No."</dt><dd data-testid="receipt-number">{d.receipt_number.clone()}</dd>
                            <dt>"発行日"</dt><dd data-testid="receipt-issued">{japanese_date(&d.issued_on)}</dd>
                        </dl>
                    </header>
                    <table class="doc-info">
                        <tbody>
                            <tr>
                                <th scope="row">"患者番号"</th><td data-testid="receipt-patient-number">{d.patient_number.clone()}</td>
                                <th scope="row">"氏名"</th><td class="patient-name" data-testid="receipt-patient-name">{d.patient_name.clone()} " 様"</td>
                            </tr>
                            <tr>
                                <th scope="row">"診療日"</th><td data-testid="receipt-service-date">{japanese_date(&d.service_date)}</td>
                                <th scope="row">"受診科"</th><td>{d.department.clone()}</td>
                            </tr>
                            <tr>
                                <th scope="row">"入・外"</th><td data-testid="receipt-visit-type">"外来"</td>
                                <th scope="row">"保険種別"</th><td data-testid="receipt-insurance">{d.insurance.clone()}</td>
                            </tr>
                            <tr>
                                <th scope="row">"負担割合"</th><td colspan="3" data-testid="receipt-burden">{share.burden_label_ja()}</td>
                            </tr>
                        </tbody>
                    </table>
                    <table class="doc-grid">
                        <caption>"保険（単位：点）"</caption>
                        <tbody>{grid}</tbody>
                    </table>
                    <table class="doc-totals">
                        <thead>
                            <tr><td></td><th scope="col">"保険"</th><th scope="col">"保険外負担"</th></tr>
                        </thead>
                        <tbody>
                            <tr>
                                <th scope="row">"合計"</th>
                                <td class="num" data-testid="receipt-total-points">{points(d.priced.total_points.0)}</td>
                                <td class="num" data-testid="receipt-non-insured-total">{yen(non_insured_total)}</td>
                            </tr>
                            <tr>
                                <th scope="row">"負担額"</th>
                                <td class="num" data-testid="receipt-patient-share">{yen(share.patient.0)}</td>
                                <td class="num">{yen(non_insured_total)}</td>
                            </tr>
                        </tbody>
                    </table>
                    {public.map(|text| view! { <p class="doc-sub" data-testid="receipt-public">{text}</p> })}
                    {has_items.then(|| view! {
                        <div class="doc-items">
                            <h3>"保険外負担の内訳"</h3>
                            <ul data-testid="receipt-non-insured">{items}</ul>
                        </div>
                    })}
                    <div class="doc-paid">
                        <span>"領収金額"</span>
                        <strong class="num" data-testid="receipt-paid">{yen(d.paid)}</strong>
                    </div>
                    <p class="doc-note">{shared::print::TAX_NOTE}</p>
                    <footer class="doc-foot">
                        <div class="doc-issuer">
                            <p data-testid="receipt-institution">{d.institution_name.clone()}</p>
                            {address.map(|a| view! { <p>{a}</p> })}
                        </div>
                        <div class="seal-box" aria-label="領収印">"領収印"</div>
                    </footer>
                }
            }}
        </article>
    }
}

/// 診療明細書: every priced line with its 部, name, points and count. Issued free of charge.
#[component]
pub fn Statement(#[prop(into)] data: Signal<ReceiptData>) -> impl IntoView {
    view! {
        <article class="print-doc statement" data-testid="statement" aria-label="診療明細書">
            {move || {
                let d = data.get();
                let lines = d
                    .priced
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(i, line)| {
                        let first = i == 0 || d.priced.lines[i - 1].section != line.section;
                        statement_line(line, first)
                    })
                    .collect_view();
                let department = (!d.department.is_empty()).then(|| d.department.clone());
                view! {
                    <header class="doc-head">
                        <h2 class="doc-title">"診療明細書"</h2>
                        <p class="doc-meta">{d.institution_name.clone()}</p>
                    </header>
                    <table class="doc-info">
                        <tbody>
                            <tr>
                                <th scope="row">"患者番号"</th><td data-testid="statement-patient-number">{d.patient_number.clone()}</td>
                                <th scope="row">"氏名"</th><td class="patient-name" data-testid="statement-patient-name">{d.patient_name.clone()} " 様"</td>
                            </tr>
                            <tr>
                                <th scope="row">"診療日"</th><td data-testid="statement-service-date">{japanese_date(&d.service_date)}</td>
                                <th scope="row">"入・外"</th><td>"外来"{department.map(|dep| format!("（{dep}）"))}</td>
                            </tr>
                        </tbody>
                    </table>
                    <table class="doc-lines">
                        <thead>
                            <tr>
                                <th scope="col">"部"</th>
                                <th scope="col">"項目名"</th>
                                <th scope="col" class="num">"点数"</th>
                                <th scope="col" class="num">"回数"</th>
                                <th scope="col" class="num">"合計点数"</th>
                            </tr>
                        </thead>
                        <tbody>{lines}</tbody>
                        <tfoot>
                            <tr>
                                <th scope="row" colspan="4">"合計"</th>
                                <td class="num" data-testid="statement-total-points">{points(d.priced.total_points.0)}</td>
                            </tr>
                        </tfoot>
                    </table>
                    <p class="doc-note">{shared::print::FREE_NOTE}</p>
                }
            }}
        </article>
    }
}

fn statement_line(line: &PricedLine, first_of_section: bool) -> impl IntoView {
    let section = first_of_section.then(|| line.section.label_ja());
    view! {
        <tr data-testid="statement-line" data-code=line.code.clone() class:section-start=first_of_section>
            <td class="section">{section}</td>
            <td>{line.name.clone()}{shared::billing::statement_marker(line)}</td>
            <td class="num">{thousands(line.unit_points.0)}</td>
            <td class="num">{line.count}</td>
            <td class="num">{thousands(line.points.0)}</td>
        </tr>
    }
}
