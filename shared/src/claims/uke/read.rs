//! The reader: [`read_records`] (any UKE-shaped file, as raw records) and [`read_uke`] (a 医科
//! file, typed).
//!
//! Accepted beyond what the writer produces: UTF-8 as well as Shift_JIS (valid UTF-8 with
//! non-ASCII bytes is taken as UTF-8, anything else as Shift_JIS; UTF-8 text is read as its
//! Shift_JIS original would be, `crate::sjis::as_decoded`), LF as well as CR LF, with or
//! without the EOF byte, blank lines at the end; 和暦 dates; leading zeros in numbers; fewer
//! fields than the layout (the missing ones are empty) or more, as long as the extra ones are
//! empty; anything in a 予備 field (read past). Refused with the line, record and field: bytes that
//! are neither encoding, characters in a UTF-8 file that Shift_JIS (JIS X 0201/0208) has not
//! (emoji, bidi controls, the line separator …: no Shift_JIS original could have had them),
//! control characters in a field, letters in a 数字 field, too many digits, dates that do not
//! exist, records out of the file's structure (第1章 3(3)ア).
//!
//! The work and the memory are bounded, as this also runs in the browser: a file over
//! [`MAX_FILE_BYTES`], a line over [`MAX_LINE_BYTES`] or a record with more than
//! [`MAX_FIELDS_ANY`] fields ([`MAX_FIELDS`] in a 医科 file) is refused before anything else is
//! done with it; a record is kept as its decoded line and where its fields end ([`UkeLine`]),
//! not as a string per field; and every step is a single pass over the lines.

use super::error::{is_record_kind, UkeError, UkeErrorKind, UkeFieldRef};
use super::layout::{self, FieldSpec, Mode};
use super::values::{DayCounts, UkeDate, UkeDecimal, UkeMonth};
use super::write::zero_pad;
use super::{
    ClaimLine, ClaimRecords, CoRecord, Department, GoRecord, HoRecord, IrRecord, IyRecord,
    JdRecord, KoRecord, LineComment, MfRecord, RawRecord, ReRecord, SiRecord, SjRecord, SnRecord,
    SyRecord, ToRecord, UkeFile,
};
use crate::sjis::{decode_sjis, sjis_decoded};

/// The largest file read: 64 MB (64,000,000 bytes). A clinic's month is about 15 MB. The
/// records read take several times the file's size (more for a file of very short lines), and
/// this reader also runs in the browser: a larger file is refused rather than risk the tab.
pub const MAX_FILE_BYTES: usize = 64_000_000;

/// The longest line read. The longest 医科 record, an SJ with its 2400-byte 症状詳記データ, is
/// under 2.5 KB in Shift_JIS and under 4 KB in UTF-8.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// The most records a file may hold. The shortest records a real file holds in bulk are SI, IY
/// and TO lines with their 31 day columns (over 40 bytes each), so a file of [`MAX_FILE_BYTES`]
/// has at most about 1.6 million; a file of millions of tiny records is refused before it takes
/// gigabytes as records.
pub const MAX_RECORDS: usize = 2_000_000;

/// The most fields a 医科 record may have ([`read_uke`]), レコード識別情報 included. The longest
/// 医科 layout, TO, has 48; older layouts with a few more (empty) trailing fields are read,
/// anything past this is not.
pub const MAX_FIELDS: usize = 64;

/// The most fields a record of any 点数表 may have ([`read_records`]): the 歯科 sample's SS
/// records (`shika_shaho.csv`) have 109.
pub const MAX_FIELDS_ANY: usize = 128;

/// One record as read: its line (1-based) and its fields, the レコード識別情報 first. The decoded
/// line is kept once, with where each field ends, rather than a string per field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UkeLine {
    /// The line in the file (1-based).
    pub line: usize,
    /// The decoded line, without its line break.
    text: String,
    /// The byte offset in `text` where each field ends (at the comma after it, or at the end):
    /// never empty, at most [`MAX_FIELDS_ANY`] long, increasing, the last one `text.len()`.
    ends: Vec<u32>,
}

impl UkeLine {
    /// `text` (line `line`) split at its commas; `None` when it has more than
    /// [`MAX_FIELDS_ANY`] fields.
    fn new(line: usize, text: String) -> Option<Self> {
        let count = text.bytes().filter(|b| *b == b',').count() + 1;
        if count > MAX_FIELDS_ANY {
            return None;
        }
        let mut ends = Vec::with_capacity(count);
        for (at, _) in text.match_indices(',') {
            ends.push(u32::try_from(at).ok()?);
        }
        ends.push(u32::try_from(text.len()).ok()?);
        Some(Self { line, text, ends })
    }

    /// The レコード識別情報 ("RE").
    pub fn kind(&self) -> &str {
        self.field(0)
    }

    /// Field `i` (0-based: 0 is the レコード識別情報, `i` is 項目 `i + 1`); "" past the last.
    pub fn field(&self, i: usize) -> &str {
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = match i.checked_sub(1).and_then(|p| self.ends.get(p)) {
            Some(&previous) => previous as usize + 1,
            None => 0,
        };
        self.text.get(start..end as usize).unwrap_or("")
    }

    /// The fields in order, the レコード識別情報 first.
    pub fn fields(&self) -> impl Iterator<Item = &str> + '_ {
        self.text.split(',')
    }

    /// How many fields the record has (at least one).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Always `false`: a record has at least its レコード識別情報.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The whole line as decoded, fields joined by commas.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The records of any UKE-shaped file (医科, 歯科, 調剤 …), untyped: decoded, split into lines
/// and fields, each line's record kind checked for its shape (two upper-case letters or digits),
/// its number of fields against [`MAX_FIELDS_ANY`], and its fields for control characters and, in a
/// UTF-8 file, for characters Shift_JIS has not. Nothing about the order of the records is
/// checked.
pub fn read_records(bytes: &[u8]) -> Result<Vec<UkeLine>, UkeError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(UkeError::file(UkeErrorKind::TooLarge {
            limit: MAX_FILE_BYTES,
        }));
    }
    let mut bytes = bytes;
    while let Some(rest) = bytes.strip_suffix(&[0x1A]) {
        bytes = rest;
    }
    let utf8 = std::str::from_utf8(bytes).is_ok();
    if utf8 {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    let mut records = Vec::new();
    let mut blank: Option<usize> = None;
    // In Shift_JIS neither LF nor CR nor the comma is ever a trail byte, so splitting the bytes
    // is safe before decoding; it also names the line of a bad byte.
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.len() > MAX_LINE_BYTES {
            return Err(UkeError::line(
                line,
                None,
                UkeErrorKind::LineTooLong {
                    limit: MAX_LINE_BYTES,
                },
            ));
        }
        if raw.is_empty() {
            blank.get_or_insert(line);
            continue;
        }
        if records.len() >= MAX_RECORDS {
            return Err(UkeError::line(
                line,
                None,
                UkeErrorKind::TooManyRecords { limit: MAX_RECORDS },
            ));
        }
        if let Some(blank) = blank {
            return Err(UkeError::line(blank, None, UkeErrorKind::BlankLine));
        }
        // Where (in the decoded text) the first character Shift_JIS has not is, in a UTF-8 file.
        let mut outside: Option<usize> = None;
        let text = if utf8 {
            // As the Shift_JIS original would read (− U+2212 → － U+FF0D …), so that a UTF-8 file
            // and its rewrite read the same.
            std::str::from_utf8(raw).ok().map(|t| {
                let mut text = String::with_capacity(t.len());
                for c in t.chars() {
                    match sjis_decoded(c) {
                        Some(d) => text.push(d),
                        None => {
                            // Control characters are refused below, by field, as such.
                            if outside.is_none() && !c.is_control() {
                                outside = Some(text.len());
                            }
                            text.push(c);
                        }
                    }
                }
                text
            })
        } else {
            decode_sjis(raw)
        }
        .ok_or_else(|| UkeError::line(line, None, UkeErrorKind::Encoding))?;
        let kind = text.split(',').next().unwrap_or("");
        if !is_record_kind(kind) {
            return Err(UkeError::line(line, None, UkeErrorKind::BadRecordKind));
        }
        let kind = kind.to_string();
        let Some(record) = UkeLine::new(line, text) else {
            return Err(UkeError::line(
                line,
                Some(&kind),
                UkeErrorKind::TooManyFields {
                    limit: MAX_FIELDS_ANY,
                },
            ));
        };
        let field_error = |n: usize, error: UkeErrorKind| {
            let mut error = UkeError::line(line, Some(&kind), error);
            error.field = Some(field_ref(layout::layout(&kind), n + 1));
            error
        };
        if let Some(n) = record
            .fields()
            .position(|f| f.chars().any(|c| c.is_control()))
        {
            return Err(field_error(n, UkeErrorKind::ControlCharacter));
        }
        if let Some(at) = outside {
            let n = record
                .ends
                .iter()
                .position(|&end| end as usize >= at)
                .unwrap_or(0);
            return Err(field_error(n, UkeErrorKind::Encoding));
        }
        records.push(record);
    }
    if records.is_empty() {
        return Err(UkeError::file(UkeErrorKind::Empty));
    }
    Ok(records)
}

/// Reads a 医科 UKE file (Shift_JIS or UTF-8; see the module docs for what is accepted). The
/// first record must be IR, every other record before GO must follow an RE, GO must be last; no
/// record may have more than [`MAX_FIELDS`] fields.
pub fn read_uke(bytes: &[u8]) -> Result<UkeFile, UkeError> {
    let records = read_records(bytes)?;
    // 別表3 点数表: the typed layouts are 医科's. Another 点数表's file is named, not misread.
    if let Some(ir) = records.iter().find(|r| r.kind() == "IR") {
        let table = ir.field(3).trim_end();
        if !table.is_empty() && table != "1" {
            let shown = if table.len() <= 2 && table.bytes().all(|b| b.is_ascii_alphanumeric()) {
                table.to_string()
            } else {
                "?".to_string()
            };
            let mut error = UkeError::line(
                ir.line,
                Some("IR"),
                UkeErrorKind::NotMedical { table: shown },
            );
            error.field = Some(field_ref(Some(&layout::IR), 4));
            return Err(error);
        }
    }
    if let Some(long) = records.iter().find(|r| r.len() > MAX_FIELDS) {
        return Err(UkeError::line(
            long.line,
            Some(long.kind()),
            UkeErrorKind::TooManyFields { limit: MAX_FIELDS },
        ));
    }
    let mut records = records.iter();
    let Some(first) = records.next() else {
        return Err(UkeError::file(UkeErrorKind::Empty));
    };
    if first.kind() != "IR" {
        return Err(UkeError::line(
            first.line,
            Some(first.kind()),
            UkeErrorKind::FirstNotIr,
        ));
    }
    let institution = ir(&Fields::new(first, &layout::IR)?)?;
    let mut claims = Vec::new();
    let mut current: Option<ClaimBuilder> = None;
    let mut totals: Option<GoRecord> = None;
    for record in records {
        let kind = record.kind();
        if totals.is_some() {
            return Err(UkeError::line(
                record.line,
                Some(kind),
                UkeErrorKind::AfterGo,
            ));
        }
        match kind {
            "IR" => {
                return Err(UkeError::line(
                    record.line,
                    Some(kind),
                    UkeErrorKind::SecondIr,
                ))
            }
            "RE" => {
                claims.extend(current.take().map(|c| c.claim));
                current = Some(ClaimBuilder::new(re(&Fields::new(record, &layout::RE)?)?));
            }
            "GO" => {
                claims.extend(current.take().map(|c| c.claim));
                totals = Some(go(&Fields::new(record, &layout::GO)?)?);
            }
            _ => match current.as_mut() {
                Some(claim) => claim.push(record)?,
                None => {
                    return Err(UkeError::line(
                        record.line,
                        Some(kind),
                        UkeErrorKind::BeforeRe,
                    ))
                }
            },
        }
    }
    let Some(totals) = totals else {
        return Err(UkeError::file(UkeErrorKind::NoGo));
    };
    Ok(UkeFile {
        institution,
        claims,
        totals,
    })
}

/// Where a claim is in the record order of 第1章 3(3)ア(オ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// RE…MF (HO, KO, SN, JD, MF, GR).
    Header,
    /// SY and the 摘要 lines.
    Body,
    /// SJ.
    Sj,
    /// After a TI/TR/TS (臓器提供者レセプト情報) or an unknown record after SJ: everything is raw.
    Tail,
}

struct ClaimBuilder {
    claim: ClaimRecords,
    section: Section,
}

impl ClaimBuilder {
    fn new(re: ReRecord) -> Self {
        Self {
            claim: ClaimRecords::new(re),
            section: Section::Header,
        }
    }

    fn push(&mut self, record: &UkeLine) -> Result<(), UkeError> {
        let kind = record.kind();
        let claim = &mut self.claim;
        if self.section == Section::Tail {
            claim.other.push(raw(record));
            return Ok(());
        }
        let out_of_order = || UkeError::line(record.line, Some(kind), UkeErrorKind::OutOfOrder);
        match kind {
            "HO" | "KO" | "SN" | "JD" | "MF" => {
                if self.section != Section::Header {
                    return Err(out_of_order());
                }
                match kind {
                    "HO" => {
                        if claim.ho.is_some() {
                            return Err(UkeError::line(
                                record.line,
                                Some(kind),
                                UkeErrorKind::Duplicate,
                            ));
                        }
                        claim.ho = Some(ho(&Fields::new(record, &layout::HO)?)?);
                    }
                    "KO" => claim.ko.push(ko(&Fields::new(record, &layout::KO)?)?),
                    "SN" => claim.sn.push(sn(&Fields::new(record, &layout::SN)?)?),
                    "JD" => claim.jd.push(jd(&Fields::new(record, &layout::JD)?)?),
                    _ => claim.mf.push(mf(&Fields::new(record, &layout::MF)?)?),
                }
            }
            "SY" => {
                if self.section == Section::Sj {
                    return Err(out_of_order());
                }
                self.section = Section::Body;
                claim.sy.push(sy(&Fields::new(record, &layout::SY)?)?);
            }
            "SI" | "IY" | "TO" | "CO" => {
                if self.section == Section::Sj {
                    return Err(out_of_order());
                }
                self.section = Section::Body;
                let line = match kind {
                    "SI" => ClaimLine::Si(si(&Fields::new(record, &layout::SI)?)?),
                    "IY" => ClaimLine::Iy(iy(&Fields::new(record, &layout::IY)?)?),
                    "TO" => ClaimLine::To(to(&Fields::new(record, &layout::TO)?)?),
                    _ => ClaimLine::Co(co(&Fields::new(record, &layout::CO)?)?),
                };
                claim.lines.push(line);
            }
            "SJ" => {
                self.section = Section::Sj;
                claim.sj.push(sj(&Fields::new(record, &layout::SJ)?)?);
            }
            // 臓器提供者レセプト情報 (第1章 3(3)ア(キ)): the donor's records follow, SY…SJ included.
            "TI" | "TR" | "TS" => {
                self.section = Section::Tail;
                claim.other.push(raw(record));
            }
            _ => match self.section {
                Section::Header => claim.other_header.push(raw(record)),
                Section::Body => claim.lines.push(ClaimLine::Other(raw(record))),
                Section::Sj | Section::Tail => {
                    self.section = Section::Tail;
                    claim.other.push(raw(record));
                }
            },
        }
        Ok(())
    }
}

fn raw(record: &UkeLine) -> RawRecord {
    RawRecord {
        kind: record.kind().to_string(),
        fields: record.fields().skip(1).map(str::to_string).collect(),
    }
}

pub(super) fn field_ref(layout: Option<&'static [FieldSpec]>, number: usize) -> UkeFieldRef {
    let name = layout
        .and_then(|l| l.get(number.wrapping_sub(1)))
        .map(|f| f.name)
        .unwrap_or("（記録条件仕様にない項目）");
    UkeFieldRef { number, name }
}

/// A typed record's fields with its layout, for reading field by field (numbers are 項目
/// numbers, 1-based).
struct Fields<'a> {
    record: &'a UkeLine,
    layout: &'static [FieldSpec],
}

impl<'a> Fields<'a> {
    fn new(record: &'a UkeLine, layout: &'static [FieldSpec]) -> Result<Self, UkeError> {
        let fields = Self { record, layout };
        // Older layouts with more trailing fields are read as long as those are empty.
        if let Some(extra) = record
            .fields()
            .enumerate()
            .skip(layout.len())
            .find(|(_, f)| !f.trim_end_matches(' ').is_empty())
        {
            return Err(fields.error(extra.0 + 1, UkeErrorKind::ExtraField));
        }
        Ok(fields)
    }

    fn error(&self, number: usize, kind: UkeErrorKind) -> UkeError {
        let mut error = UkeError::line(self.record.line, Some(self.record.kind()), kind);
        error.field = Some(field_ref(Some(self.layout), number));
        error
    }

    fn spec(&self, number: usize) -> Option<&'static FieldSpec> {
        self.layout.get(number.wrapping_sub(1))
    }

    /// The field with trailing half-width spaces dropped ("" when the record is shorter).
    fn get(&self, number: usize) -> &'a str {
        self.record
            .field(number.wrapping_sub(1))
            .trim_end_matches(' ')
    }

    /// Text, trailing spaces of either width dropped.
    fn text(&self, number: usize) -> String {
        self.get(number)
            .trim_end_matches([' ', '\u{3000}'])
            .to_string()
    }

    /// A code: for a 数字 field, digits only and at most the field's bytes; otherwise as
    /// [`Fields::text`].
    fn code(&self, number: usize) -> Result<String, UkeError> {
        if self.spec(number).is_some_and(|s| s.mode == Mode::Digits) {
            let value = self.get(number);
            self.digits(number, value)?;
            return Ok(value.to_string());
        }
        Ok(self.text(number))
    }

    fn digits(&self, number: usize, value: &str) -> Result<(), UkeError> {
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(number, UkeErrorKind::NotNumeric));
        }
        let max = self.spec(number).map(|s| s.max).unwrap_or(0);
        if value.len() > max {
            return Err(self.error(number, UkeErrorKind::TooLong { max }));
        }
        Ok(())
    }

    /// A 可変 数字 number; `None` when empty. Leading zeros are accepted.
    fn num<T: TryFrom<u64>>(&self, number: usize) -> Result<Option<T>, UkeError> {
        let value = self.get(number);
        if value.is_empty() {
            return Ok(None);
        }
        self.digits(number, value)?;
        let max = self.spec(number).map(|s| s.max).unwrap_or(0);
        value
            .parse::<u64>()
            .ok()
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| self.error(number, UkeErrorKind::TooLong { max }))
    }

    fn required<T>(&self, number: usize, value: Option<T>) -> Result<T, UkeError> {
        value.ok_or_else(|| self.error(number, UkeErrorKind::Required))
    }

    fn opt_date(&self, number: usize) -> Result<Option<UkeDate>, UkeError> {
        let value = self.get(number);
        if value.is_empty() {
            return Ok(None);
        }
        UkeDate::parse(value)
            .map(Some)
            .ok_or_else(|| self.error(number, UkeErrorKind::BadDate))
    }

    fn date(&self, number: usize) -> Result<UkeDate, UkeError> {
        let date = self.opt_date(number)?;
        self.required(number, date)
    }

    fn month(&self, number: usize) -> Result<UkeMonth, UkeError> {
        let value = self.get(number);
        if value.is_empty() {
            return Err(self.error(number, UkeErrorKind::Required));
        }
        UkeMonth::parse(value).ok_or_else(|| self.error(number, UkeErrorKind::BadMonth))
    }

    fn decimal<const I: u32, const F: u32>(
        &self,
        number: usize,
    ) -> Result<Option<UkeDecimal<I, F>>, UkeError> {
        let value = self.get(number);
        if value.is_empty() {
            return Ok(None);
        }
        let max = self.spec(number).map(|s| s.max).unwrap_or(0);
        if value.len() > max {
            return Err(self.error(number, UkeErrorKind::TooLong { max }));
        }
        UkeDecimal::parse(value)
            .map(Some)
            .ok_or_else(|| self.error(number, UkeErrorKind::BadDecimal { int: I, frac: F }))
    }

    /// A run of `width`-character codes (病棟区分, レセプト特記事項, 修飾語コード, 患者の状態).
    fn codes(&self, number: usize, width: usize) -> Result<Vec<String>, UkeError> {
        let value = self.code(number)?;
        let chars: Vec<char> = value.chars().collect();
        if !chars.len().is_multiple_of(width) {
            return Err(self.error(number, UkeErrorKind::BadCodeWidth { width }));
        }
        Ok(chars.chunks(width).map(|c| c.iter().collect()).collect())
    }

    fn days(&self, first: usize) -> Result<DayCounts, UkeError> {
        let mut days = [None; 31];
        for (d, day) in days.iter_mut().enumerate() {
            *day = self.num(first + d)?;
        }
        Ok(days)
    }

    fn comments(&self, first: usize) -> Result<[LineComment; 3], UkeError> {
        let mut comments: [LineComment; 3] = Default::default();
        for (i, comment) in comments.iter_mut().enumerate() {
            comment.code = self.code(first + 2 * i)?;
            comment.text = self.text(first + 2 * i + 1);
        }
        Ok(comments)
    }
}

fn ir(f: &Fields) -> Result<IrRecord, UkeError> {
    Ok(IrRecord {
        payer: f.code(2)?,
        prefecture: f.code(3)?,
        score_table: f.code(4)?,
        institution_code: f.code(5)?,
        name: f.text(7),
        billing_month: f.month(8)?,
        volume: f.code(9)?,
        phone: f.text(10),
    })
}

fn re(f: &Fields) -> Result<ReRecord, UkeError> {
    let claim_number = f.num(2)?;
    let mut departments: [Department; 3] = Default::default();
    for (i, d) in departments.iter_mut().enumerate() {
        let base = 22 + 5 * i;
        *d = Department {
            name: f.code(base)?,
            body_part: f.code(base + 1)?,
            sex: f.code(base + 2)?,
            treatment: f.code(base + 3)?,
            disease: f.code(base + 4)?,
        };
    }
    Ok(ReRecord {
        claim_number: f.required(2, claim_number)?,
        claim_kind: f.code(3)?,
        service_month: f.month(4)?,
        name: f.text(5),
        sex: f.code(6)?,
        birth_date: f.date(7)?,
        benefit_percent: f.num(8)?,
        admission_date: f.opt_date(9)?,
        wards: f.codes(10, 2)?,
        burden_class: f.code(11)?,
        special_notes: f.codes(12, 2)?,
        beds: f.num(13)?,
        chart_number: f.text(14),
        discount_unit_price: f.num(15)?,
        search_number: f.code(19)?,
        claim_info: f.text(21),
        departments,
        kana: f.text(37),
        patient_states: f.codes(38, 3)?,
    })
}

fn ho(f: &Fields) -> Result<HoRecord, UkeError> {
    Ok(HoRecord {
        insurer_number: f.text(2).trim_start_matches(' ').to_string(),
        card_symbol: f.text(3),
        card_number: f.text(4),
        days: f.num(5)?,
        points: f.num(6)?,
        meal_count: f.num(8)?,
        meal_yen: f.num(9)?,
        occupational: f.code(10)?,
        certificate_number: f.num(11)?,
        patient_share_yen: f.num(12)?,
        reduction_class: f.code(13)?,
        reduction_percent: f.num(14)?,
        reduction_yen: f.num(15)?,
    })
}

fn ko(f: &Fields) -> Result<KoRecord, UkeError> {
    Ok(KoRecord {
        payer_number: f.text(2),
        recipient_number: zero_pad(&f.code(3)?, 7),
        optional_benefit: f.code(4)?,
        days: f.num(5)?,
        points: f.num(6)?,
        patient_share_yen: f.num(7)?,
        outpatient_covered_yen: f.num(8)?,
        inpatient_covered_yen: f.num(9)?,
        meal_count: f.num(11)?,
        meal_yen: f.num(12)?,
    })
}

fn sn(f: &Fields) -> Result<SnRecord, UkeError> {
    Ok(SnRecord {
        payer_kind: f.code(2)?,
        confirmation: f.code(3)?,
        checked_insurer_number: f.text(4),
        checked_card_symbol: f.text(5),
        checked_card_number: f.text(6),
        branch: zero_pad(&f.text(7), 2),
        checked_recipient_number: f.code(8)?,
    })
}

fn jd(f: &Fields) -> Result<JdRecord, UkeError> {
    let mut days = [None; 31];
    for (d, day) in days.iter_mut().enumerate() {
        *day = f.num(3 + d)?;
    }
    Ok(JdRecord {
        payer_kind: f.code(2)?,
        days,
    })
}

fn mf(f: &Fields) -> Result<MfRecord, UkeError> {
    Ok(MfRecord {
        window_class: f.code(2)?,
    })
}

fn sy(f: &Fields) -> Result<SyRecord, UkeError> {
    Ok(SyRecord {
        disease_code: f.code(2)?,
        start_date: f.date(3)?,
        outcome: f.code(4)?,
        modifiers: f.codes(5, 4)?,
        disease_name: f.text(6),
        main: f.code(7)?,
        note: f.text(8),
    })
}

fn si(f: &Fields) -> Result<SiRecord, UkeError> {
    Ok(SiRecord {
        treatment_class: f.code(2)?,
        burden: f.text(3),
        code: f.code(4)?,
        quantity: f.num(5)?,
        points: f.num(6)?,
        times: f.num(7)?,
        comments: f.comments(8)?,
        days: f.days(14)?,
    })
}

fn iy(f: &Fields) -> Result<IyRecord, UkeError> {
    Ok(IyRecord {
        treatment_class: f.code(2)?,
        burden: f.text(3),
        code: f.code(4)?,
        amount: f.decimal(5)?,
        points: f.num(6)?,
        times: f.num(7)?,
        comments: f.comments(8)?,
        days: f.days(14)?,
    })
}

fn to(f: &Fields) -> Result<ToRecord, UkeError> {
    Ok(ToRecord {
        treatment_class: f.code(2)?,
        burden: f.text(3),
        code: f.code(4)?,
        amount: f.decimal(5)?,
        points: f.num(6)?,
        times: f.num(7)?,
        unit_code: f.code(8)?,
        unit_price: f.decimal(9)?,
        product_name: f.text(11),
        comments: f.comments(12)?,
        days: f.days(18)?,
    })
}

fn co(f: &Fields) -> Result<CoRecord, UkeError> {
    Ok(CoRecord {
        treatment_class: f.code(2)?,
        burden: f.text(3),
        code: f.code(4)?,
        text: f.text(5),
    })
}

fn sj(f: &Fields) -> Result<SjRecord, UkeError> {
    Ok(SjRecord {
        kind: f.code(2)?,
        text: f.text(3),
    })
}

fn go(f: &Fields) -> Result<GoRecord, UkeError> {
    Ok(GoRecord {
        claim_count: f.num(2)?,
        total_points: f.num(3)?,
        volume: f.code(4)?,
    })
}
