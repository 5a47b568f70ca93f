//! A printed document on screen: any [`PrintDoc`] (the 領収証, 明細書 and the chart print, built
//! by `shared::print` from the same records the server renders to PDF) as an A4 sheet, block for
//! block as the PDF lays it out, so what the screen shows is what the kept PDF says. The PDF is
//! the copy handed over; this is the preview (and the browser's own print when asked).

use leptos::prelude::*;
use shared::print::{Align, Block, PrintDoc, Symbol, Table};

/// `symbol` as SVG, a square per dark module (quiet zone included).
pub fn symbol_svg(symbol: &Symbol) -> String {
    let w = symbol.width;
    let mut path = String::new();
    for y in 0..w {
        for x in 0..w {
            if symbol.dark(x, y) {
                path.push_str(&format!("M{x} {y}h1v1h-1z"));
            }
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {w}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{w}\" height=\"{w}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

fn table(t: Table) -> impl IntoView {
    let heads = t.columns.iter().any(|c| !c.heading.is_empty());
    let total: u32 = t.columns.iter().map(|c| u32::from(c.share.max(1))).sum();
    let cols = t
        .columns
        .iter()
        .map(|c| {
            let pct = f64::from(c.share.max(1)) * 100.0 / f64::from(total.max(1));
            view! { <col style=format!("width: {pct:.2}%")/> }
        })
        .collect_view();
    let aligns: Vec<Align> = t.columns.iter().map(|c| c.align).collect();
    let head = heads.then(|| {
        let cells = t
            .columns
            .iter()
            .map(|c| view! { <th scope="col" class:num=c.align == Align::Right>{c.heading.clone()}</th> })
            .collect_view();
        view! { <thead><tr>{cells}</tr></thead> }
    });
    let rows = t
        .rows
        .into_iter()
        .map(|row| {
            let cells = aligns
                .iter()
                .enumerate()
                .map(|(i, align)| {
                    let text = row.get(i).cloned().unwrap_or_default();
                    view! { <td class:num=*align == Align::Right>{text}</td> }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="doc-table"><colgroup>{cols}</colgroup>{head}<tbody>{rows}</tbody></table>
    }
}

fn block(b: Block) -> AnyView {
    match b {
        Block::Heading(t) => view! { <h2 class="doc-title">{t}</h2> }.into_any(),
        Block::Right(t) => view! { <p class="doc-right">{t}</p> }.into_any(),
        Block::Text(t) => view! { <p class="doc-text">{t}</p> }.into_any(),
        Block::Large(t) => view! { <p class="doc-large">{t}</p> }.into_any(),
        Block::Fields(rows) => view! {
            <dl class="doc-fields">
                {rows.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
        }
        .into_any(),
        Block::Section { heading, body } => view! {
            <section class="doc-section">
                <h3>{format!("【{heading}】")}</h3>
                <p class="doc-text">{body}</p>
            </section>
        }
        .into_any(),
        Block::Subheading(t) => view! { <h3 class="doc-subheading">{format!("【{t}】")}</h3> }.into_any(),
        Block::Space(n) => {
            view! { <div class="doc-space" style=format!("height: {}em", f32::from(n) * 1.6)></div> }
                .into_any()
        }
        Block::Table(t) => table(t).into_any(),
        Block::Symbol(s) => {
            let mm = f64::from(s.module_um) / 1000.0 * s.width as f64;
            view! {
                <figure class="doc-symbol" data-testid="print-symbol">
                    <figcaption>{s.caption.clone()}</figcaption>
                    <div style=format!("width: {mm:.1}mm; height: {mm:.1}mm") inner_html=symbol_svg(&s)></div>
                </figure>
            }
            .into_any()
        }
        Block::PageBreak => view! { <div class="doc-page-break"></div> }.into_any(),
    }
}

/// The document `doc` as a sheet with test id `testid`: its running header (the chart print's
/// banner), its blocks, its footer.
#[component]
pub fn PrintDocView(doc: PrintDoc, #[prop(into)] testid: String) -> impl IntoView {
    let header = (!doc.header.is_empty()).then(|| {
        view! { <p class="doc-banner" data-testid="print-banner">{doc.header.clone()}</p> }
    });
    let footer = doc.footer.clone();
    view! {
        <article class="print-doc generated" data-testid=testid aria-label=doc.title.clone()>
            {header}
            {doc.blocks.into_iter().map(block).collect_view()}
            <p class="doc-footer">{footer}</p>
        </article>
    }
}
