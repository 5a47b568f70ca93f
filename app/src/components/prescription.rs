//! The printable 院外処方箋 (様式第二号, A5; `../shared/reference/prescriptions.md` a.2) with its
//! JAHIS 2次元シンボル, and the 院内処方 薬袋 labels (one per Rp). Pure views: the issued sheet (or
//! the order) in, nothing out. On paper only the `.print-doc` documents show.

use leptos::prelude::*;
use shared::api::orders::{OrderContents, PrescriptionIssue};
use shared::billing::Rp;
use shared::domain::japanese::wareki;

/// The QR symbol of `data` ([`shared::print::qr_symbol`]) as SVG with its width in modules
/// (quiet zone included); `None` when even version 40 cannot hold it.
pub fn qr_svg(data: &[u8]) -> Option<(String, usize)> {
    let symbol = shared::print::qr_symbol(data, "")?;
    Some((super::print_doc::symbol_svg(&symbol), symbol.width))
}

/// Printed cell size ([`shared::print::QR_MODULE_UM`]: 0.3 mm).
const CELL_MM: f64 = shared::print::QR_MODULE_UM as f64 / 1000.0;

/// A box per digit, as the form prints numbers (保険者番号, 公費負担者番号 …).
fn boxes(text: &str, width: usize) -> impl IntoView {
    let mut chars: Vec<String> = text.chars().map(|c| c.to_string()).collect();
    while chars.len() < width {
        chars.insert(0, String::new());
    }
    view! {
        <span class="digit-boxes">{chars.into_iter().map(|c| view! { <span class="digit">{c}</span> }).collect_view()}</span>
    }
}

/// The 処方箋 as printed: one 様式第二号 sheet, or with 分割指示 one 様式第二号の二 sheet per split
/// (each with its own 2次元シンボル).
#[component]
pub fn PrescriptionDoc(issue: PrescriptionIssue) -> impl IntoView {
    issue
        .sheet
        .parts()
        .into_iter()
        .map(|part| view! { <PrescriptionPart issue=issue.clone() part=part/> })
        .collect_view()
}

#[component]
fn PrescriptionPart(issue: PrescriptionIssue, part: Option<u8>) -> impl IntoView {
    let sheet = issue.sheet.clone();
    let symbol = qr_svg(&sheet.jahis_bytes_of(part));
    let split = part.and(sheet.prescription.split_days());
    let lines = shared::print::rx_lines(&sheet, split.map(|(per, _)| per));
    let remarks = shared::print::rx_remarks(&sheet, &lines);
    let code = sheet.institution_code.clone();
    let first_public = sheet.public.first().cloned();
    let split_head = shared::print::split_heading(&sheet, part);
    view! {
        <article class="print-doc prescription-doc" data-testid="prescription-doc">
            <header class="rx-head">
                <h2 class="doc-title">"処方箋"</h2>
                {split_head.map(|h| view! { <p class="rx-split" data-testid="prescription-split">{h}</p> })}
                <p class="rx-note">"（この処方箋は、どの保険薬局でも有効です。）"</p>
                {issue.is_reissue().then(|| view! { <p class="rx-reissue" data-testid="prescription-reissue">{format!("再発行（第{}回）", issue.issue_no)}</p> })}
            </header>
            <table class="rx-grid">
                <tr>
                    <th>"公費負担者番号"</th><td>{boxes(&first_public.as_ref().map(|p| p.payer_number.clone()).unwrap_or_default(), 8)}</td>
                    <th>"保険者番号"</th><td data-testid="rx-insurer">{boxes(&sheet.insurer_number, 8)}</td>
                </tr>
                <tr>
                    <th>"公費負担医療の受給者番号"</th><td>{boxes(&first_public.as_ref().map(|p| p.recipient_number.clone()).unwrap_or_default(), 7)}</td>
                    <th>"被保険者証・被保険者手帳の記号・番号"</th>
                    <td>{format!("{} ・ {}（枝番）{}", sheet.symbol, sheet.number, sheet.branch)}</td>
                </tr>
                <tr>
                    <th rowspan="3">"患者"</th>
                    <td data-testid="rx-patient">{format!("氏名　{}", sheet.patient_name)}</td>
                    <th>"保険医療機関の所在地及び名称"</th>
                    <td>{format!("{} {}", sheet.institution_address, sheet.institution_name)}</td>
                </tr>
                <tr>
                    <td>{format!("生年月日　{}　{}", wareki(sheet.birth_date), if sheet.patient_sex == 2 { "女" } else { "男" })}</td>
                    <th>"電話番号"</th><td>{sheet.institution_phone.clone()}</td>
                </tr>
                <tr>
                    <td>{format!("区分　{}", shared::print::insured_label(&sheet))}</td>
                    <th>"保険医氏名"</th><td data-testid="rx-doctor">{format!("{}　印", sheet.doctor_name)}</td>
                </tr>
                <tr>
                    <th>"交付年月日"</th><td data-testid="rx-issued">{wareki(sheet.issued_on)}</td>
                    <th>"都道府県番号・点数表番号・医療機関コード"</th>
                    <td>{format!("{}　{}　{}", code.get(..2).unwrap_or(""), code.get(2..3).unwrap_or(""), code.get(3..).unwrap_or(""))}</td>
                </tr>
                <tr>
                    <th>"処方箋の使用期間"</th>
                    <td colspan="3">"　年　月　日　（特に記載のある場合を除き、交付の日を含めて４日以内に保険薬局に提出すること。）"</td>
                </tr>
            </table>
            <table class="rx-body">
                <caption>"処方"</caption>
                <thead><tr><th class="mark">"変更不可（医療上必要）"</th><th class="mark">"患者希望"</th>
                    <th>"個々の処方薬について、医療上の必要性があるため、後発医薬品（ジェネリック医薬品）への変更に差し支えがあると判断した場合には、「変更不可」欄に「✓」又は「×」を記載し、「保険医署名」欄に署名又は記名・押印すること。また、患者の希望を踏まえ、先発医薬品を処方した場合には、「患者希望」欄に「✓」又は「×」を記載すること。"</th></tr></thead>
                <tbody data-testid="rx-lines">
                    {lines.into_iter().map(|l| view! {
                        <tr><td class="mark">{if l.no_substitution { "✓" } else { "" }}</td><td class="mark">{if l.patient_wish { "✓" } else { "" }}</td><td>{l.text}</td></tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr><td colspan="3" data-testid="rx-refill">{shared::print::refill_line(&sheet)}</td></tr></tfoot>
            </table>
            <div class="rx-foot">
                <section class="rx-remarks">
                    <h3>"備考"</h3>
                    {remarks.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                    <p class="rx-leftover">"保険薬局が調剤時に残薬を確認した場合の対応（特に指示がある場合は「レ」又は「×」を記載すること。）"<br/>
                        {shared::print::leftover_line(&sheet)}</p>
                </section>
                {match symbol {
                    Some((svg, modules)) => view! {
                        <div class="rx-qr" data-testid="prescription-qr"
                            style=format!("--qr-mm: {:.1}mm", modules as f64 * CELL_MM) inner_html=svg></div>
                    }.into_any(),
                    None => view! {
                        <p class="rx-qr-missing" role="alert" data-testid="prescription-qr-missing">
                            {shared::print::QR_TOO_LONG}
                        </p>
                    }.into_any(),
                }}
            </div>
            <table class="rx-grid rx-pharmacy">
                <tr><th>"調剤実施回数"</th><td>"□1回目調剤日（　年　月　日）□2回目調剤日（　年　月　日）□3回目調剤日（　年　月　日）"</td></tr>
                <tr><th>"調剤済年月日"</th><td>"　年　月　日"</td></tr>
                <tr><th>"保険薬局の所在地及び名称・保険薬剤師氏名"</th><td>"　　　　　　印"</td></tr>
            </table>
        </article>
    }
}

/// 院内処方: a 薬袋 label per Rp (the patient, the drugs, 用法 and days) for the dispensary.
#[component]
pub fn MedicineBagLabels(
    patient_name: String,
    contents: OrderContents,
    /// The name and unit of a code, where known.
    names: std::collections::BTreeMap<String, (String, String)>,
    visit_date: String,
) -> impl IntoView {
    let OrderContents::Prescription(p) = contents else {
        return ().into_any();
    };
    let name = move |code: &str| {
        names
            .get(code)
            .cloned()
            .unwrap_or_else(|| (code.to_string(), String::new()))
    };
    // A4 (labels two to a row, cut by hand) or label paper (one 90×60 mm label a page, for a
    // label printer), chosen before printing; the choice is not printed.
    let label_paper = RwSignal::new(false);
    view! {
        <div class="no-print bag-size" data-testid="bag-size">
            <label><input type="radio" name="bag_size" data-testid="bag-size-a4"
                prop:checked=move || !label_paper.get() on:change=move |_| label_paper.set(false)/>"A4"</label>
            <label><input type="radio" name="bag_size" data-testid="bag-size-label"
                prop:checked=move || label_paper.get() on:change=move |_| label_paper.set(true)/>"ラベル（90×60mm）"</label>
        </div>
        <article class="print-doc medicine-bags" class:label-paper=move || label_paper.get() data-testid="medicine-bags">
            {p.rps.iter().enumerate().map(|(i, o)| {
                let (kind, amount) = match &o.rp {
                    Rp::Internal { days, .. } => ("内服薬", format!("{days}日分")),
                    Rp::AsNeeded { times, .. } => ("頓服薬", format!("{times}回分")),
                    Rp::External { .. } => ("外用薬", String::new()),
                };
                view! {
                    <section class="bag-label" data-testid="bag-label">
                        <h3>{format!("{kind}（Rp{}）", i + 1)}</h3>
                        <p class="bag-patient">{format!("{} 様", patient_name)}</p>
                        <ul>{o.rp.drugs().iter().map(|d| {
                            let (n, unit) = name(&d.code);
                            view! { <li>{format!("{n}　{}{unit}", d.quantity)}</li> }
                        }).collect_view()}</ul>
                        <p class="bag-usage">{format!("{}　{amount}", o.usage.text)}</p>
                        <p class="bag-date">{format!("調剤日 {visit_date}")}</p>
                    </section>
                }
            }).collect_view()}
        </article>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_symbol_holds_the_bytes_in_the_smallest_version() {
        let (svg, modules) = qr_svg(b"JAHIS10\r\n1,1,1234567,13,x\r\n\x1a").unwrap();
        assert!(
            svg.starts_with("<?xml") || svg.starts_with("<svg"),
            "{svg:.40}"
        );
        assert_eq!(
            modules,
            25 + 8,
            "35 bytes: version 2-L (version 1 holds 17), and the quiet zone"
        );
        // More than a version 40 symbol holds: none.
        assert!(qr_svg(&vec![b'a'; 3000]).is_none());
        assert!(
            qr_svg(&vec![b'a'; 2900]).is_some(),
            "version 40-L holds 2,953 bytes"
        );
    }
}
