//! The one PDF path: a [`PrintDoc`] (built by `shared` from a record) laid out on A4 and written
//! as PDF/A-2u with the fonts embedded as subsets (krilla, without its shaper: each character
//! is placed as its glyph with the font's advance), so that the letter opens and prints
//! the same anywhere, years later (見読性・保存性). The fonts are Debian's IPA fonts (IPA Font
//! License: embedding allowed): IPA明朝 for the text, IPAゴシック for headings.
//!
//! Layout: lines wrap at the text width by each glyph's advance; a line never starts with a
//! closing bracket or punctuation (行頭禁則: the character hangs at the end of the previous
//! line); a run of Latin letters or digits is not split where a space before it allows the
//! break. Pages break between lines; the footer and `page/pages` are on every page.
//! The same document gives the same bytes (no clock, no random ids).

use krilla::color::luma;
use krilla::configure::{Archival, ConfigurationBuilder, PdfVersion, Validator};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use shared::print::{Align, Block, PrintDoc, Symbol, Table};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the fonts are (`KARTE_PDF_FONT`, `KARTE_PDF_HEADING_FONT`); Debian's packages
/// fonts-ipafont-mincho and fonts-ipafont-gothic by default.
#[derive(Debug, Clone)]
pub struct FontFiles {
    pub body: PathBuf,
    pub heading: PathBuf,
}

impl Default for FontFiles {
    fn default() -> Self {
        Self {
            body: PathBuf::from("/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf"),
            heading: PathBuf::from("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
        }
    }
}

/// One font: krilla's handle (for drawing) and its bytes (for measuring).
#[derive(Clone)]
struct Face {
    font: Font,
    data: Arc<Vec<u8>>,
}

impl Face {
    fn load(path: &std::path::Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("reading the PDF font {}: {e}", path.display()))?;
        let data = Arc::new(bytes);
        FontRef::new(&data)
            .map_err(|e| anyhow::anyhow!("the PDF font {} is unreadable: {e}", path.display()))?;
        let font = Font::new(krilla::Data::from(data.clone()), 0)
            .ok_or_else(|| anyhow::anyhow!("the PDF font {} is unreadable", path.display()))?;
        Ok(Self { font, data })
    }

    /// A measurer for this font at `size` points.
    fn measure(&self, size: f32) -> Measure<'_> {
        // The bytes were read as a font in `load`.
        let font = FontRef::new(&self.data).ok();
        Measure { font, size }
    }
}

struct Measure<'a> {
    font: Option<FontRef<'a>>,
    size: f32,
}

impl Measure<'_> {
    /// The advance of `c` in points (a character the font lacks measures as one em, the width
    /// of the box it prints as).
    fn advance(&self, c: char) -> f32 {
        let Some(font) = &self.font else {
            return self.size;
        };
        let gid = font.charmap().map(c);
        gid.and_then(|g| {
            font.glyph_metrics(Size::new(self.size), LocationRef::default())
                .advance_width(g)
        })
        .unwrap_or(self.size)
    }

    /// The glyph of `c` in the font, if it has one.
    fn glyph(&self, c: char) -> Option<u32> {
        self.font.as_ref()?.charmap().map(c).map(|g| g.to_u32())
    }

    fn width(&self, text: &str) -> f32 {
        printable(text).map(|c| self.advance(c)).sum()
    }
}

/// The loaded fonts.
#[derive(Clone)]
pub struct Fonts {
    body: Face,
    heading: Face,
}

impl Fonts {
    pub fn load(files: &FontFiles) -> anyhow::Result<Self> {
        Ok(Self {
            body: Face::load(&files.body)?,
            heading: Face::load(&files.heading)?,
        })
    }

    /// The first character of `text` that the body font cannot print (it would print as an
    /// empty box): such a letter is refused, not printed wrong. Line feeds and tabs are layout,
    /// not glyphs; a carriage return is not (text is stored with `\n` only); variation
    /// selectors are dropped.
    pub fn missing(&self, text: &str) -> Option<char> {
        let font = FontRef::new(&self.body.data).ok()?;
        let map = font.charmap();
        printable(text)
            .filter(|c| !matches!(c, '\n' | '\t'))
            .find(|&c| map.map(c).is_none())
    }

    /// `doc` with every character the body font lacks replaced by 〓 (the 下駄記号 Japanese
    /// printing uses for a character it cannot set), and how many were replaced: for prints
    /// of stored records, which nobody can change to make them printable.
    pub fn substitute_missing(&self, mut doc: PrintDoc) -> (PrintDoc, usize) {
        let mut replaced = 0;
        for text in doc.texts_mut() {
            if self.missing(text).is_none() {
                continue;
            }
            let fixed: String = text
                .chars()
                .map(|c| {
                    let kept = matches!(c, '\n' | '\t')
                        || is_variation_selector(c)
                        || self.missing(c.encode_utf8(&mut [0; 4])).is_none();
                    if kept {
                        c
                    } else {
                        replaced += 1;
                        GETA
                    }
                })
                .collect();
            *text = fixed;
        }
        (doc, replaced)
    }
}

/// What a character the font lacks prints as in a print of stored records.
pub const GETA: char = '〓';

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the document holds a character the font lacks: U+{:04X}", *.0 as u32)]
    MissingGlyph(char),
    #[error("PDF writer: {0}")]
    Writer(String),
}

// A4 in points, and the margins (20 mm sides and top, 22 mm bottom for the footer).
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 56.7;
const MARGIN_TOP: f32 = 56.7;
const MARGIN_BOTTOM: f32 = 62.4;
const BODY: f32 = 10.5;
const LARGE: f32 = 14.0;
const HEADING: f32 = 20.0;
const FOOTER: f32 = 8.0;
const LEADING: f32 = 1.6;

/// Characters a line may not start with (JIS X 4051 行頭禁則, the common set).
const NO_LINE_START: &str = "、。，．,.：；:;？！?!）」』】〕〉》］｝)]}・ー～ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々〻";

/// Most characters of [`NO_LINE_START`] hung past the width at the end of one line; more than
/// that (a run of 。 or ー) breaks anyway.
const MAX_HANGING: usize = 2;

/// Variation selectors (異体字セレクタ, U+FE00–FE0F and U+E0100–E01EF, common in names): the
/// fonts have no glyphs for them, so the base character prints as it is.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// The characters of `text` that print (variation selectors dropped).
fn printable(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(|&c| !is_variation_selector(c))
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.' | '%' | '+' | '@')
}

/// `text` broken into lines no wider than `width` (each `\n` ends a line; an empty paragraph
/// is an empty line).
fn wrap(measure: &Measure<'_>, text: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line: Vec<char> = Vec::new();
        let mut line_width = 0.0;
        // Characters hung past the width on this line (at most [`MAX_HANGING`]).
        let mut hanging = 0;
        for c in printable(paragraph) {
            let c = if c == '\t' { ' ' } else { c };
            let w = measure.advance(c);
            if line_width + w > width && !line.is_empty() {
                if NO_LINE_START.contains(c) && hanging < MAX_HANGING {
                    hanging += 1;
                    line.push(c);
                    line_width += w;
                    continue;
                }
                // Keep a Latin word whole where a break before it exists on this line.
                let mut carry = Vec::new();
                if is_word_char(c) && line.last().is_some_and(|&l| is_word_char(l)) {
                    let at = line.iter().rposition(|&l| !is_word_char(l));
                    // Only where something but spaces stays on this line.
                    if let Some(at) =
                        at.filter(|&at| line[..=at].iter().any(|c| !c.is_whitespace()))
                    {
                        carry = line.split_off(at + 1);
                    }
                }
                let done: String = line.iter().collect();
                lines.push(done.trim_end().to_string());
                line = carry;
                line_width = line.iter().map(|&l| measure.advance(l)).sum();
                hanging = 0;
                // The space a line breaks at does not start the next one.
                if c == ' ' && line.is_empty() {
                    continue;
                }
            }
            line.push(c);
            line_width += w;
        }
        lines.push(line.iter().collect::<String>().trim_end().to_string());
    }
    lines
}

/// One thing drawn on a page, at a position relative to the top of its line.
#[derive(Clone)]
enum Op {
    /// Text on a baseline within the band `dy`..`dy + band` below the line's top (a line's
    /// text fills the whole line; a table cell's lines stack).
    Text {
        heading: bool,
        size: f32,
        x: f32,
        dy: f32,
        band: Option<f32>,
        text: String,
    },
    /// A horizontal rule at the bottom of the line.
    Rule,
    /// A table cell's frame over the whole height of the line, shaded for a heading row.
    Cell { x: f32, w: f32, shaded: bool },
    /// A symbol's dark modules, `module` points each, from `x` at the line's top.
    Symbol {
        x: f32,
        module: f32,
        symbol: Arc<Symbol>,
    },
}

/// A line of the layout: its height, what it draws, whether it must stay on the page of the
/// line after it (a section's heading, a table's heading row), whether it starts a page, and
/// the heading row of its table (repeated at the top of a page the table continues on).
#[derive(Clone)]
struct Line {
    height: f32,
    ops: Vec<Op>,
    keep_with_next: bool,
    page_break: bool,
    table_head: Option<usize>,
}

impl Line {
    fn new(height: f32, ops: Vec<Op>) -> Self {
        Self {
            height,
            ops,
            keep_with_next: false,
            page_break: false,
            table_head: None,
        }
    }
}

/// The room between the margins (and under the running header, when a document has one).
fn room(header: bool) -> f32 {
    PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - if header { HEADER_BAND } else { 0.0 }
}

/// Table text size, cell padding.
const TABLE: f32 = 9.5;
const CELL_PAD: f32 = 3.0;
/// The band the running header takes below the top margin.
const HEADER_BAND: f32 = 14.0;

struct Layout<'a> {
    fonts: &'a Fonts,
    lines: Vec<Line>,
    /// Tables' heading rows, by index.
    heads: Vec<Line>,
    /// The height a page holds.
    room: f32,
}

impl<'a> Layout<'a> {
    fn new(fonts: &'a Fonts, header: bool) -> Self {
        Self {
            fonts,
            lines: Vec::new(),
            heads: Vec::new(),
            room: room(header),
        }
    }

    fn text_width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN_X
    }

    fn push(&mut self, height: f32, ops: Vec<Op>) {
        self.lines.push(Line::new(height, ops));
    }

    fn space(&mut self, lines: u8) {
        for _ in 0..lines {
            self.push(BODY * LEADING, Vec::new());
        }
    }

    fn face(&self, heading: bool) -> &'a Face {
        let fonts: &'a Fonts = self.fonts;
        if heading {
            &fonts.heading
        } else {
            &fonts.body
        }
    }

    /// `text` wrapped at `width` from `x`, each line as `place` sets it.
    fn paragraph(&mut self, heading: bool, size: f32, x: f32, width: f32, text: &str, right: bool) {
        let measure = self.face(heading).measure(size);
        for line in wrap(&measure, text, width) {
            let x = if right {
                (x + width - measure.width(&line)).max(x)
            } else {
                x
            };
            self.push(
                size * LEADING,
                vec![Op::Text {
                    heading,
                    size,
                    x,
                    dy: 0.0,
                    band: None,
                    text: line,
                }],
            );
        }
    }

    /// A heading on a rule, kept with the line after it.
    fn subheading(&mut self, heading: &str) {
        self.space(1);
        self.push(
            BODY * LEADING,
            vec![
                Op::Text {
                    heading: true,
                    size: BODY,
                    x: MARGIN_X,
                    dy: 0.0,
                    band: None,
                    text: format!("【{heading}】"),
                },
                Op::Rule,
            ],
        );
        if let Some(heading) = self.lines.last_mut() {
            heading.keep_with_next = true;
        }
    }

    /// One row of a table as lines: every cell wrapped in its column, the row as high as its
    /// tallest cell; a row taller than a page is cut into pieces that each fit one.
    fn table_row(
        &self,
        columns: &[(f32, f32, Align)],
        cells: &[String],
        heading: bool,
        head_height: f32,
    ) -> Vec<Line> {
        let measure = self.face(heading).measure(TABLE);
        let band = TABLE * LEADING;
        let wrapped: Vec<Vec<String>> = columns
            .iter()
            .enumerate()
            .map(|(i, &(_, w, _))| {
                let text = cells.get(i).map(String::as_str).unwrap_or("");
                wrap(&measure, text, (w - 2.0 * CELL_PAD).max(TABLE))
            })
            .collect();
        let tallest = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        // What one page holds under the table's heading row (repeated on it).
        let per_piece =
            (((self.room - head_height - 2.0 * CELL_PAD) / band).floor() as usize).max(1);
        let mut pieces = Vec::new();
        let mut start = 0;
        while start < tallest {
            let end = (start + per_piece).min(tallest);
            let height = (end - start) as f32 * band + 2.0 * CELL_PAD;
            let mut ops = Vec::new();
            for (col, &(x, w, align)) in columns.iter().enumerate() {
                ops.push(Op::Cell {
                    x,
                    w,
                    shaded: heading,
                });
                for (k, text) in wrapped[col].iter().enumerate().take(end).skip(start) {
                    let tx = match align {
                        Align::Left => x + CELL_PAD,
                        Align::Right => (x + w - CELL_PAD - measure.width(text)).max(x + CELL_PAD),
                    };
                    ops.push(Op::Text {
                        heading,
                        size: TABLE,
                        x: tx,
                        dy: CELL_PAD + (k - start) as f32 * band,
                        band: Some(band),
                        text: text.clone(),
                    });
                }
            }
            pieces.push(Line::new(height, ops));
            start = end;
        }
        pieces
    }

    fn table(&mut self, table: &Table) {
        if table.columns.is_empty() {
            return;
        }
        let width = self.text_width();
        let shares: f32 = table
            .columns
            .iter()
            .map(|c| f32::from(c.share.max(1)))
            .sum();
        let mut x = MARGIN_X;
        let columns: Vec<(f32, f32, Align)> = table
            .columns
            .iter()
            .map(|c| {
                let w = width * f32::from(c.share.max(1)) / shares;
                let at = x;
                x += w;
                (at, w, c.align)
            })
            .collect();
        let head = if table.columns.iter().any(|c| !c.heading.is_empty()) {
            let headings: Vec<String> = table.columns.iter().map(|c| c.heading.clone()).collect();
            // A heading row is cut to half a page at most.
            let mut rows = self.table_row(&columns, &headings, true, self.room / 2.0);
            for row in &mut rows {
                row.keep_with_next = true;
            }
            // The first piece is what repeats.
            let index = self.heads.len();
            if let Some(first) = rows.first() {
                self.heads.push(first.clone());
            }
            self.lines.extend(rows);
            Some(index)
        } else {
            None
        };
        let head_height = head
            .and_then(|h| self.heads.get(h))
            .map_or(0.0, |h| h.height);
        for cells in &table.rows {
            for mut piece in self.table_row(&columns, cells, false, head_height) {
                piece.table_head = head;
                self.lines.push(piece);
            }
        }
    }

    fn symbol(&mut self, symbol: &Symbol) {
        let module = symbol.module_um as f32 / 1000.0 / 25.4 * 72.0;
        // At most the text width (a symbol wider than the page shrinks, modules and all).
        let side = (symbol.width as f32 * module)
            .min(self.text_width())
            .min(self.room);
        let module = side / symbol.width.max(1) as f32;
        let x = PAGE_W - MARGIN_X - side;
        let mut ops = vec![Op::Symbol {
            x,
            module,
            symbol: Arc::new(symbol.clone()),
        }];
        let measure = self.fonts.body.measure(FOOTER);
        let caption_width = (x - MARGIN_X - BODY).max(FOOTER);
        let band = FOOTER * LEADING;
        // Only the caption lines beside the symbol (set from its foot upwards).
        let fits = (side / band).floor() as usize;
        let mut caption = wrap(&measure, &symbol.caption, caption_width);
        if caption.len() > fits {
            // What does not fit ends the last line kept, cut with ….
            let rest = caption.split_off(fits.saturating_sub(1)).concat();
            if fits > 0 {
                caption.push(fit(&measure, &format!("{rest}…"), caption_width));
            }
        }
        for (k, line) in caption.into_iter().rev().enumerate() {
            let x = (x - BODY - measure.width(&line)).max(MARGIN_X);
            ops.push(Op::Text {
                heading: false,
                size: FOOTER,
                x,
                dy: side - band * (k as f32 + 1.0),
                band: Some(band),
                text: line,
            });
        }
        self.push(side, ops);
    }

    fn block(&mut self, block: &Block) {
        let width = self.text_width();
        match block {
            Block::Heading(text) => {
                let measure = self.fonts.heading.measure(HEADING);
                for line in wrap(&measure, text, width) {
                    let x = MARGIN_X + (width - measure.width(&line)).max(0.0) / 2.0;
                    self.push(
                        HEADING * 1.8,
                        vec![Op::Text {
                            heading: true,
                            size: HEADING,
                            x,
                            dy: 0.0,
                            band: None,
                            text: line,
                        }],
                    );
                }
            }
            Block::Right(text) => self.paragraph(false, BODY, MARGIN_X, width, text, true),
            Block::Text(text) => self.paragraph(false, BODY, MARGIN_X, width, text, false),
            Block::Large(text) => self.paragraph(false, LARGE, MARGIN_X, width, text, false),
            Block::Fields(rows) => {
                let measure = self.fonts.heading.measure(BODY);
                let label_width = rows
                    .iter()
                    .map(|(label, _)| measure.width(label))
                    .fold(0.0, f32::max)
                    .min(width / 3.0)
                    + 2.0 * BODY;
                let value_x = MARGIN_X + label_width;
                for (label, value) in rows {
                    let before = self.lines.len();
                    self.paragraph(false, BODY, value_x, width - label_width, value, false);
                    if self.lines.len() == before {
                        self.push(BODY * LEADING, Vec::new());
                    }
                    self.lines[before].ops.push(Op::Text {
                        heading: true,
                        size: BODY,
                        x: MARGIN_X,
                        dy: 0.0,
                        band: None,
                        text: label.clone(),
                    });
                }
            }
            Block::Section { heading, body } => {
                self.subheading(heading);
                let indent = BODY;
                self.paragraph(false, BODY, MARGIN_X + indent, width - indent, body, false);
            }
            Block::Subheading(heading) => self.subheading(heading),
            Block::Space(n) => self.space(*n),
            Block::Table(table) => self.table(table),
            Block::Symbol(symbol) => self.symbol(symbol),
            Block::PageBreak => {
                let mut line = Line::new(0.0, Vec::new());
                line.page_break = true;
                self.lines.push(line);
            }
        }
    }

    /// The lines cut into pages: a page holds what fits between the margins; a table that
    /// continues on a new page starts it with its heading row.
    fn pages(self) -> Vec<Vec<Line>> {
        let room = self.room;
        let heads = self.heads;
        let lines = self.lines;
        let mut pages: Vec<Vec<Line>> = vec![Vec::new()];
        let mut used = 0.0;
        for (i, line) in lines.iter().enumerate() {
            let page_has_lines = pages.last().is_some_and(|p| !p.is_empty());
            if line.page_break {
                if page_has_lines {
                    pages.push(Vec::new());
                    used = 0.0;
                }
                continue;
            }
            // A heading goes with the first line under it: a run of such lines (a section's
            // heading, then a table's heading row) with the line after the run.
            let needed = if line.keep_with_next {
                let mut run = 0.0;
                for next in &lines[i..] {
                    run += next.height;
                    if !next.keep_with_next || run > room {
                        break;
                    }
                }
                run.min(room)
            } else {
                line.height
            };
            if used + needed > room && page_has_lines {
                pages.push(Vec::new());
                used = 0.0;
                if let Some(head) = line.table_head.and_then(|h| heads.get(h)) {
                    used += head.height;
                    if let Some(page) = pages.last_mut() {
                        page.push(head.clone());
                    }
                }
            }
            used += line.height;
            if let Some(page) = pages.last_mut() {
                page.push(line.clone());
            }
        }
        // A page break at the end starts no page.
        if pages.len() > 1 && pages.last().is_some_and(Vec::is_empty) {
            pages.pop();
        }
        pages
    }
}

/// `text` on one line no wider than `width`: cut with … where it would run over.
fn fit(measure: &Measure<'_>, text: &str, width: f32) -> String {
    if measure.width(text) <= width {
        return text.replace(['\n', '\t'], " ");
    }
    let ellipsis = measure.advance('…');
    let mut out = String::new();
    let mut used = 0.0;
    for c in printable(text) {
        let c = if matches!(c, '\n' | '\t') { ' ' } else { c };
        let w = measure.advance(c);
        if used + w + ellipsis > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

fn draw_text(surface: &mut Surface<'_>, face: &Face, size: f32, x: f32, baseline: f32, text: &str) {
    if text.is_empty() {
        return;
    }
    let measure = face.measure(1.0);
    let glyphs: Vec<KrillaGlyph> = text
        .char_indices()
        .filter(|&(_, c)| !is_variation_selector(c))
        .map(|(at, c)| KrillaGlyph {
            glyph_id: GlyphId::new(measure.glyph(c).unwrap_or(0)),
            text_range: at..at + c.len_utf8(),
            x_advance: measure.advance(c),
            x_offset: 0.0,
            y_offset: 0.0,
            y_advance: 0.0,
            location: None,
        })
        .collect();
    surface.draw_glyphs(
        Point::from_xy(x, baseline),
        &glyphs,
        face.font.clone(),
        text,
        size,
        false,
    );
}

fn rule(surface: &mut Surface<'_>, y: f32) {
    let mut path = PathBuilder::new();
    path.move_to(MARGIN_X, y);
    path.line_to(PAGE_W - MARGIN_X, y);
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: luma::Color::black().into(),
            width: 0.6,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

fn stroke(surface: &mut Surface<'_>, path: &krilla::geom::Path) {
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: luma::Color::black().into(),
        width: 0.5,
        ..Stroke::default()
    }));
    surface.draw_path(path);
    surface.set_stroke(None);
}

fn rect(x: f32, y: f32, w: f32, h: f32) -> Option<krilla::geom::Path> {
    let mut path = PathBuilder::new();
    path.push_rect(krilla::geom::Rect::from_xywh(x, y, w, h)?);
    path.finish()
}

fn fill(surface: &mut Surface<'_>, path: &krilla::geom::Path, gray: u8) {
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: luma::Color::new(gray).into(),
        ..Fill::default()
    }));
    surface.draw_path(path);
    surface.set_fill(None);
}

fn cell(surface: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, shaded: bool) {
    if let Some(path) = rect(x, y, w, h) {
        if shaded {
            fill(surface, &path, 230);
        }
        stroke(surface, &path);
    }
}

/// The dark modules of `symbol`, a rectangle per run of dark modules in a row.
fn draw_symbol(surface: &mut Surface<'_>, x: f32, y: f32, module: f32, symbol: &Symbol) {
    let mut path = PathBuilder::new();
    for row in 0..symbol.width {
        let mut col = 0;
        while col < symbol.width {
            if !symbol.dark(col, row) {
                col += 1;
                continue;
            }
            let start = col;
            while col < symbol.width && symbol.dark(col, row) {
                col += 1;
            }
            if let Some(r) = krilla::geom::Rect::from_xywh(
                x + start as f32 * module,
                y + row as f32 * module,
                (col - start) as f32 * module,
                module,
            ) {
                path.push_rect(r);
            }
        }
    }
    if let Some(path) = path.finish() {
        fill(surface, &path, 0);
    }
}

/// Renders `doc` to PDF/A-2u bytes. A character the body font lacks is refused
/// ([`RenderError::MissingGlyph`]): check with [`Fonts::missing`] first to tell the user which.
pub fn render(doc: &PrintDoc, fonts: &Fonts) -> Result<Vec<u8>, RenderError> {
    for text in doc.texts() {
        if let Some(c) = fonts.missing(text) {
            return Err(RenderError::MissingGlyph(c));
        }
    }
    let header = !doc.header.is_empty();
    let mut layout = Layout::new(fonts, header);
    for block in &doc.blocks {
        layout.block(block);
    }
    let pages = layout.pages();
    let configuration = ConfigurationBuilder::new()
        .with_version(PdfVersion::Pdf17)
        .set_validator(Validator::A(Archival::A2_U))
        .finish()
        .map_err(|e| RenderError::Writer(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let mut metadata = Metadata::new()
        .title(doc.title.clone())
        .language("ja".to_string())
        .creator(format!("Karte {}", shared::VERSION))
        .producer("Karte (krilla)".to_string());
    // PDF/A needs a date: the document's own (never the clock, so the bytes stay the same).
    if let Some(date) = shared::domain::japanese::parse_date(&doc.date) {
        metadata = metadata.creation_date(
            DateTime::new(date.year().clamp(0, 9999) as u16)
                .month(u8::from(date.month()))
                .day(date.day()),
        );
    }
    document.set_metadata(metadata);
    let total = pages.len();
    let page_settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| RenderError::Writer("A4 page size".into()))?;
    for (index, lines) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        let mut top = MARGIN_TOP;
        if header {
            let banner = fit(
                &fonts.heading.measure(FOOTER),
                &doc.header,
                PAGE_W - 2.0 * MARGIN_X,
            );
            draw_text(
                &mut surface,
                &fonts.heading,
                FOOTER,
                MARGIN_X,
                MARGIN_TOP + FOOTER,
                &banner,
            );
            rule(&mut surface, MARGIN_TOP + HEADER_BAND - 4.0);
            top += HEADER_BAND;
        }
        for line in lines {
            for op in &line.ops {
                match op {
                    Op::Text {
                        heading,
                        size,
                        x,
                        dy,
                        band,
                        text,
                    } => {
                        let face = if *heading {
                            &fonts.heading
                        } else {
                            &fonts.body
                        };
                        // The baseline sits so the band's extra leading is shared above and
                        // below the glyphs (IPA fonts: ascent 0.88 em).
                        let band = band.unwrap_or(line.height);
                        let baseline = top + dy + (band - size) / 2.0 + size * 0.88;
                        draw_text(&mut surface, face, *size, *x, baseline, text);
                    }
                    Op::Rule => rule(&mut surface, top + line.height - 1.0),
                    Op::Cell { x, w, shaded } => {
                        cell(&mut surface, *x, top, *w, line.height, *shaded)
                    }
                    Op::Symbol { x, module, symbol } => {
                        draw_symbol(&mut surface, *x, top, *module, symbol)
                    }
                }
            }
            top += line.height;
        }
        let footer_y = PAGE_H - MARGIN_BOTTOM / 2.0;
        let number = format!("{}/{}", index + 1, total);
        let measure = fonts.body.measure(FOOTER);
        let width = measure.width(&number);
        let footer = fit(
            &measure,
            &doc.footer,
            PAGE_W - 2.0 * MARGIN_X - width - 2.0 * FOOTER,
        );
        draw_text(
            &mut surface,
            &fonts.body,
            FOOTER,
            MARGIN_X,
            footer_y,
            &footer,
        );
        draw_text(
            &mut surface,
            &fonts.body,
            FOOTER,
            PAGE_W - MARGIN_X - width,
            footer_y,
            &number,
        );
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| RenderError::Writer(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A measurer without a font: every character one em (as the fallback measures).
    fn em(size: f32) -> Measure<'static> {
        Measure { font: None, size }
    }

    #[test]
    fn lines_wrap_at_the_width_and_keep_paragraphs() {
        let m = em(10.0);
        assert_eq!(
            wrap(&m, "あいうえおかきく\n\nけこ", 30.0),
            vec!["あいう", "えおか", "きく", "", "けこ"]
        );
    }

    #[test]
    fn closing_punctuation_hangs_instead_of_starting_a_line() {
        let m = em(10.0);
        assert_eq!(wrap(&m, "あいう。えお", 30.0), vec!["あいう。", "えお"]);
        assert_eq!(wrap(&m, "あいう」」えお", 30.0), vec!["あいう」」", "えお"]);
    }

    #[test]
    fn a_latin_word_moves_whole_to_the_next_line_when_it_can() {
        let m = em(10.0);
        assert_eq!(wrap(&m, "ab HbA1c", 50.0), vec!["ab", "HbA1c"]);
        // A word longer than the line is cut where it must be.
        assert_eq!(wrap(&m, "abcdefgh", 30.0), vec!["abc", "def", "gh"]);
    }

    #[test]
    fn a_run_of_punctuation_hangs_two_at_most() {
        let m = em(10.0);
        assert_eq!(
            wrap(&m, "あいう。。。。。。", 30.0),
            vec!["あいう。。", "。。。。"]
        );
    }

    #[test]
    fn the_space_a_line_breaks_at_does_not_indent_the_next() {
        assert_eq!(wrap(&em(10.0), "あいう えお", 30.0), vec!["あいう", "えお"]);
    }

    #[test]
    fn variation_selectors_are_dropped_and_measure_nothing() {
        let m = em(10.0);
        assert_eq!(wrap(&m, "葛\u{E0100}城", 20.0), vec!["葛城"]);
        assert_eq!(m.width("葛\u{E0100}"), 10.0);
    }

    #[test]
    fn empty_text_is_one_empty_line() {
        assert_eq!(wrap(&em(10.0), "", 30.0), vec![String::new()]);
    }

    /// Over many generated texts (a fixed generator: the same cases every run): no character
    /// but spaces is lost or reordered, and a line is wider than the width only by the
    /// punctuation hanging at its end (or when one character is wider than the line).
    #[test]
    fn wrapping_keeps_every_character_and_the_width() {
        const CHARS: &[char] = &[
            'あ', '漢', 'ア', 'a', 'B', '1', ' ', '。', '、', '」', 'ー', '\n', '(', ')', '-', '%',
            '\t', '字',
        ];
        let m = em(10.0);
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for case in 0..2000 {
            let len = (case % 60) + 1;
            let text: String = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    CHARS[(seed >> 33) as usize % CHARS.len()]
                })
                .collect();
            let width = 10.0 * ((case % 7) + 1) as f32;
            let lines = wrap(&m, &text, width);
            let kept: String = lines
                .concat()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let sent: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(kept, sent, "{text:?} at {width}");
            for line in &lines {
                let body = line.trim_end_matches(|c| NO_LINE_START.contains(c));
                assert!(
                    m.width(body) <= width || body.chars().count() <= 1,
                    "{line:?} wider than {width} in {text:?}"
                );
            }
        }
    }

    fn fonts() -> Fonts {
        Fonts::load(&FontFiles::default()).expect(
            "the IPA fonts (Debian fonts-ipafont-mincho/-gothic; scripts/test installs them)",
        )
    }

    fn long_letter() -> PrintDoc {
        PrintDoc {
            title: "見本".into(),
            date: "2026-12-04".into(),
            blocks: vec![
                Block::Heading("診療情報提供書".into()),
                Block::Right("令和8年12月4日".into()),
                Block::Fields(vec![("患者氏名".into(), "見本 太郎".into())]),
                Block::Section {
                    heading: "症状経過及び検査結果".into(),
                    body: "経過は良好です。HbA1c 7.2 %。".repeat(400),
                },
            ],
            footer: "見本".into(),
            header: String::new(),
        }
    }

    #[test]
    fn a_long_letter_breaks_into_pages_that_fit() {
        let fonts = fonts();
        let doc = long_letter();
        let mut layout = Layout::new(&fonts, false);
        for block in &doc.blocks {
            layout.block(block);
        }
        let pages = layout.pages();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let room = room(false);
        for page in &pages {
            let used: f32 = page.iter().map(|l| l.height).sum();
            assert!(used <= room, "{used} > {room}");
        }
    }

    #[test]
    fn the_same_document_gives_the_same_bytes() {
        let fonts = fonts();
        let doc = long_letter();
        let a = render(&doc, &fonts).unwrap();
        let b = render(&doc, &fonts).unwrap();
        assert!(a.starts_with(b"%PDF-1.7"));
        assert_eq!(a, b);
        // Subsets, not whole fonts: the IPA fonts are megabytes each.
        assert!(a.len() < 400_000, "{} bytes", a.len());
    }

    #[test]
    fn a_character_the_font_lacks_is_refused() {
        let fonts = fonts();
        let mut doc = long_letter();
        doc.footer = "見本 🩺".into();
        assert_eq!(fonts.missing("見本 🩺"), Some('🩺'));
        assert!(matches!(
            render(&doc, &fonts),
            Err(RenderError::MissingGlyph('🩺'))
        ));
        assert_eq!(fonts.missing("見本\n太郎\t髙橋 葛\u{E0100}城"), None);
        // A carriage return is no glyph (letters are stored with line feeds only).
        assert_eq!(fonts.missing("見本\r太郎"), Some('\r'));
    }

    fn layout_of(fonts: &Fonts, doc: &PrintDoc) -> Vec<Vec<Line>> {
        let mut layout = Layout::new(fonts, !doc.header.is_empty());
        for block in &doc.blocks {
            layout.block(block);
        }
        layout.pages()
    }

    fn texts_of(line: &Line) -> Vec<&str> {
        line.ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn long_table(rows: usize, cell: &str) -> PrintDoc {
        PrintDoc {
            title: "表".into(),
            date: "2026-12-05".into(),
            blocks: vec![
                Block::Heading("診療明細書".into()),
                Block::Table(Table {
                    columns: vec![
                        shared::print::Column::left("項目名", 4),
                        shared::print::Column::right("点数", 1),
                    ],
                    rows: (0..rows)
                        .map(|i| vec![format!("{cell}{i}"), format!("{}", i * 10)])
                        .collect(),
                }),
            ],
            footer: "見本".into(),
            header: "見本 太郎 患者番号 000123".into(),
        }
    }

    #[test]
    fn a_table_repeats_its_heading_row_on_every_page_it_continues_on() {
        let fonts = fonts();
        let pages = layout_of(&fonts, &long_table(200, "再診料"));
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let room = room(true);
        for (n, page) in pages.iter().enumerate() {
            let used: f32 = page.iter().map(|l| l.height).sum();
            assert!(used <= room, "page {n}: {used} > {room}");
            let first_row = page
                .iter()
                .find(|l| l.ops.iter().any(|op| matches!(op, Op::Cell { .. })))
                .expect("every page holds part of the table");
            assert_eq!(texts_of(first_row), vec!["項目名", "点数"], "page {n}");
        }
        // Every row once, in order.
        let rows: Vec<String> = pages
            .iter()
            .flatten()
            .filter(|l| l.table_head.is_some())
            .map(|l| texts_of(l)[0].to_string())
            .collect();
        let expected: Vec<String> = (0..200).map(|i| format!("再診料{i}")).collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn a_cell_taller_than_a_page_is_cut_into_pieces_that_fit() {
        let fonts = fonts();
        let pages = layout_of(&fonts, &long_table(1, &"長い所見が続く。".repeat(900)));
        assert!(pages.len() >= 2, "{} pages", pages.len());
        for page in &pages {
            let used: f32 = page.iter().map(|l| l.height).sum();
            assert!(used <= room(true), "{used}");
        }
    }

    #[test]
    fn a_page_break_starts_a_new_page_and_a_symbol_fits_the_page() {
        let fonts = fonts();
        let symbol = shared::print::qr_symbol(&vec![b'a'; 2900], "記号").unwrap();
        let doc = PrintDoc {
            title: "処方箋".into(),
            date: "2026-12-05".into(),
            blocks: vec![
                Block::Text("一枚目".into()),
                Block::PageBreak,
                Block::PageBreak,
                Block::Text("二枚目".into()),
                Block::Symbol(symbol),
            ],
            footer: String::new(),
            header: String::new(),
        };
        let pages = layout_of(&fonts, &doc);
        assert_eq!(pages.len(), 2);
        assert_eq!(texts_of(&pages[1][0]), vec!["二枚目"]);
        let drawn = pages[1]
            .iter()
            .flat_map(|l| &l.ops)
            .find_map(|op| match op {
                Op::Symbol { x, module, symbol } => Some((*x, *module, symbol.width)),
                _ => None,
            })
            .expect("the symbol is drawn");
        // Version 40 at 0.3 mm: 185 modules, about 157 points, against the right margin.
        assert_eq!(drawn.2, 185);
        assert!((drawn.1 - 0.3 / 25.4 * 72.0).abs() < 1e-3);
        assert!((drawn.0 + 185.0 * drawn.1 - (PAGE_W - MARGIN_X)).abs() < 1e-2);
        let pdf = render(&doc, &fonts).unwrap();
        assert_eq!(pdf, render(&doc, &fonts).unwrap());
    }

    #[test]
    fn a_character_the_font_lacks_prints_as_geta_in_a_print_of_records() {
        let fonts = fonts();
        let mut doc = long_letter();
        doc.header = "見本 🩺 太郎".into();
        doc.blocks.push(Block::Table(Table {
            columns: vec![shared::print::Column::left("所見🩺", 1)],
            rows: vec![vec!["葛\u{E0100}城\n🩺🩺".into()]],
        }));
        let (fixed, n) = fonts.substitute_missing(doc);
        assert_eq!(n, 4);
        assert_eq!(fixed.header, "見本 〓 太郎");
        assert!(fixed.texts().contains(&"葛\u{E0100}城\n〓〓"));
        assert!(fixed.texts().iter().all(|t| fonts.missing(t).is_none()));
        assert!(render(&fixed, &fonts).is_ok());
        let (same, none) = fonts.substitute_missing(long_letter());
        assert_eq!((same, none), (long_letter(), 0));
    }

    #[test]
    fn a_running_line_too_long_is_cut_to_the_width() {
        let m = em(10.0);
        assert_eq!(fit(&m, "あいう", 30.0), "あいう");
        assert_eq!(fit(&m, "あいうえお", 30.0), "あい…");
        assert_eq!(fit(&m, "あ\nい", 30.0), "あ い");
    }

    #[test]
    fn a_heading_stays_with_what_follows_and_a_final_page_break_adds_no_page() {
        let fonts = fonts();
        for filler in 30..60 {
            let mut blocks: Vec<Block> =
                (0..filler).map(|i| Block::Text(format!("行{i}"))).collect();
            blocks.push(Block::Subheading("検査結果".into()));
            blocks.push(Block::Table(Table {
                columns: vec![
                    shared::print::Column::left("とても長い見出しが折り返して三行以上になる列", 1),
                    shared::print::Column::left("項目", 6),
                ],
                rows: vec![vec!["1".into(), "血糖".into()]; 3],
            }));
            blocks.push(Block::PageBreak);
            let doc = PrintDoc {
                title: "t".into(),
                date: "2026-12-05".into(),
                blocks,
                footer: String::new(),
                header: String::new(),
            };
            let pages = layout_of(&fonts, &doc);
            for page in &pages {
                assert!(!page.is_empty(), "{filler}: an empty page");
                let last = page.last().unwrap();
                assert!(!last.keep_with_next, "{filler}: a heading ends a page");
                let used: f32 = page.iter().map(|l| l.height).sum();
                assert!(used <= room(false), "{filler}: {used}");
            }
        }
    }

    #[test]
    fn a_wrapped_heading_row_and_a_tall_cell_still_fit_each_page() {
        let fonts = fonts();
        let doc = PrintDoc {
            title: "t".into(),
            date: "2026-12-05".into(),
            blocks: vec![Block::Table(Table {
                columns: vec![
                    shared::print::Column::left(&"見出しが長い".repeat(6), 1),
                    shared::print::Column::left("本文", 3),
                ],
                rows: vec![vec!["".into(), "長い所見。".repeat(3000)]],
            })],
            footer: String::new(),
            header: "見本 太郎".into(),
        };
        let pages = layout_of(&fonts, &doc);
        assert!(pages.len() >= 3);
        let mut text = String::new();
        for page in &pages {
            let used: f32 = page.iter().map(|l| l.height).sum();
            assert!(used <= room(true), "{used}");
            // The heading row first on every page.
            assert!(texts_of(&page[0])[0].starts_with("見出し"));
            for line in page.iter().filter(|l| l.table_head.is_some()) {
                text.extend(texts_of(line).into_iter().filter(|t| t.contains('長')));
            }
        }
        assert_eq!(
            text,
            "長い所見。".repeat(3000),
            "every character once, in order"
        );
    }
}
