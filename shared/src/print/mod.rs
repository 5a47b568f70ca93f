//! The one model of a printed document: what Karte renders to PDF (the server's `pdf` module,
//! A4 with the IPA fonts embedded) is a [`PrintDoc`] built here, by pure code, from a record. A
//! document type (診療情報提供書, 領収証, 明細書, 処方箋, the chart print) only says what its
//! blocks are; page size, fonts, line breaking, tables and page breaks belong to the renderer,
//! so every generated PDF looks and behaves alike. No IO.

mod chart;
mod prescription;
mod receipt;

pub use chart::{
    chart_banner, chart_print, chart_printed_line, note_version_line, order_version_line,
    reference_range,
};
pub use prescription::{
    insured_label, leftover_line, prescription_print, qr_symbol, refill_line, rx_lines, rx_remarks,
    split_heading, RxLine, QR_MODULE_UM, QR_TOO_LONG,
};
pub use receipt::{
    japanese_date, points, receipt_print, statement_print, yen, BillPatient, NonInsuredCharge,
    ReceiptData, FREE_NOTE, TAX_NOTE,
};

use serde::{Deserialize, Serialize};

/// A document to print: a title (also the PDF's metadata title), its blocks top to bottom, and
/// a footer repeated on every page (with the page number added by the renderer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintDoc {
    pub title: String,
    /// The document's date (YYYY-MM-DD), the PDF's creation date: a document renders to the
    /// same bytes whenever it is rendered.
    pub date: String,
    pub blocks: Vec<Block>,
    pub footer: String,
    /// A line repeated at the top of every page (the chart print's patient banner); empty for
    /// none.
    pub header: String,
}

/// One block of a document. Text may hold line breaks (`\n`); the renderer wraps long lines at
/// the page width and breaks pages between lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    /// The document's heading, large and centred.
    Heading(String),
    /// A line set against the right margin (the date, the document number).
    Right(String),
    /// Text against the left margin, at the body size.
    Text(String),
    /// Text in the large size (the addressee of a letter).
    Large(String),
    /// Rows of a label and its value, the labels in one column.
    Fields(Vec<(String, String)>),
    /// A headed section: its heading on a rule, then its text (「特記事項なし」 when the
    /// builder says so; an empty body prints as an empty box of one line).
    Section { heading: String, body: String },
    /// A section's heading on a rule, kept on the page of what follows it (a table).
    Subheading(String),
    /// Vertical space, in lines of body text.
    Space(u8),
    /// A ruled table; its heading row (when a column has a heading) is repeated at the top of
    /// each page the table continues on. Long cells wrap inside their column.
    Table(Table),
    /// A two-dimensional symbol (the 処方箋's JAHIS QR code), drawn as dark modules.
    Symbol(Symbol),
    /// The next block starts a new page.
    PageBreak,
}

/// A table: its columns and its rows of cells (a row with fewer cells leaves the rest empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
}

/// A column: its heading, its share of the text width (relative to the other columns') and how
/// its cells are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub heading: String,
    pub share: u16,
    pub align: Align,
}

impl Column {
    pub fn left(heading: &str, share: u16) -> Self {
        Self {
            heading: heading.to_string(),
            share,
            align: Align::Left,
        }
    }

    /// A column of numbers, set against the right edge.
    pub fn right(heading: &str, share: u16) -> Self {
        Self {
            heading: heading.to_string(),
            share,
            align: Align::Right,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Align {
    Left,
    Right,
}

/// A square grid of modules (row by row, `true` dark), printed `module_um` micrometres a module,
/// set against the right margin with its caption beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    /// Modules per side, the quiet zone included.
    pub width: usize,
    pub modules: Vec<bool>,
    pub module_um: u32,
    pub caption: String,
}

impl Symbol {
    /// Whether the module at (`x`, `y`) is dark (outside the grid: light).
    pub fn dark(&self, x: usize, y: usize) -> bool {
        x < self.width
            && self
                .modules
                .get(y * self.width + x)
                .copied()
                .unwrap_or(false)
    }
}

impl PrintDoc {
    /// Every piece of text the document prints, to change in place (a character the font lacks
    /// replaced by 〓 in a print of stored records).
    pub fn texts_mut(&mut self) -> Vec<&mut String> {
        let mut out = vec![&mut self.title, &mut self.footer, &mut self.header];
        for block in &mut self.blocks {
            match block {
                Block::Heading(t)
                | Block::Right(t)
                | Block::Text(t)
                | Block::Large(t)
                | Block::Subheading(t) => out.push(t),
                Block::Fields(rows) => {
                    for (label, value) in rows {
                        out.push(label);
                        out.push(value);
                    }
                }
                Block::Section { heading, body } => {
                    out.push(heading);
                    out.push(body);
                }
                Block::Table(table) => {
                    out.extend(table.columns.iter_mut().map(|c| &mut c.heading));
                    out.extend(table.rows.iter_mut().flatten());
                }
                Block::Symbol(symbol) => out.push(&mut symbol.caption),
                Block::Space(_) | Block::PageBreak => {}
            }
        }
        out
    }

    /// Every piece of text the document prints (title, blocks and footer), for the checks that
    /// must see all of it (characters the font lacks).
    pub fn texts(&self) -> Vec<&str> {
        let mut out = vec![
            self.title.as_str(),
            self.footer.as_str(),
            self.header.as_str(),
        ];
        for block in &self.blocks {
            match block {
                Block::Heading(t)
                | Block::Right(t)
                | Block::Text(t)
                | Block::Large(t)
                | Block::Subheading(t) => out.push(t),
                Block::Fields(rows) => {
                    for (label, value) in rows {
                        out.push(label);
                        out.push(value);
                    }
                }
                Block::Section { heading, body } => {
                    out.push(heading);
                    out.push(body);
                }
                Block::Table(table) => {
                    out.extend(table.columns.iter().map(|c| c.heading.as_str()));
                    out.extend(table.rows.iter().flatten().map(String::as_str));
                }
                Block::Symbol(symbol) => out.push(&symbol.caption),
                Block::Space(_) | Block::PageBreak => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_lists_every_printed_string_once() {
        let doc = PrintDoc {
            title: "題".into(),
            date: "2026-12-04".into(),
            blocks: vec![
                Block::Heading("見出し".into()),
                Block::Fields(vec![("氏名".into(), "見本 太郎".into())]),
                Block::Section {
                    heading: "経過".into(),
                    body: "本文".into(),
                },
                Block::Space(1),
                Block::Table(Table {
                    columns: vec![Column::left("項目", 3), Column::right("点数", 1)],
                    rows: vec![vec!["再診料".into(), "75".into()]],
                }),
                Block::PageBreak,
                Block::Symbol(Symbol {
                    width: 1,
                    modules: vec![true],
                    module_um: 300,
                    caption: "記号".into(),
                }),
            ],
            footer: "脚注".into(),
            header: "頭書".into(),
        };
        assert_eq!(
            doc.texts(),
            vec![
                "題",
                "脚注",
                "頭書",
                "見出し",
                "氏名",
                "見本 太郎",
                "経過",
                "本文",
                "項目",
                "点数",
                "再診料",
                "75",
                "記号"
            ]
        );
    }
}
