//! The one model of a printed document: what Karte renders to PDF (the server's `pdf` module,
//! A4 with the IPA fonts embedded) is a [`PrintDoc`] built here, by pure code, from a record. A
//! document type (診療情報提供書 today; 領収証, 明細書, 処方箋 and the chart print as they move to
//! PDF) only says what its blocks are; page size, fonts, line breaking and page breaks belong to
//! the renderer, so every generated PDF looks and behaves alike. No IO.

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
    /// Vertical space, in lines of body text.
    Space(u8),
}

impl PrintDoc {
    /// Every piece of text the document prints (title, blocks and footer), for the checks that
    /// must see all of it (characters the font lacks).
    pub fn texts(&self) -> Vec<&str> {
        let mut out = vec![self.title.as_str(), self.footer.as_str()];
        for block in &self.blocks {
            match block {
                Block::Heading(t) | Block::Right(t) | Block::Text(t) | Block::Large(t) => {
                    out.push(t)
                }
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
                Block::Space(_) => {}
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
            ],
            footer: "脚注".into(),
        };
        assert_eq!(
            doc.texts(),
            vec!["題", "脚注", "見出し", "氏名", "見本 太郎", "経過", "本文"]
        );
    }
}
