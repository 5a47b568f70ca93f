//! The writer: [`UkeFile::to_bytes`].
//!
//! 記録条件仕様（医科） 第1章 3(3)ウ–エ: Shift_JIS, CR LF after every record, EOF (0x1A) after the
//! last, comma-separated without quotes; every record carries all of its 項目 (the trailing
//! empty ones too, as the files the 審査支払機関 return do); 可変 数字 without leading zeros and
//! without trailing fraction zeros; no trailing spaces.
//!
//! The format cannot carry a comma or a line break inside a field. The writer never produces a
//! broken file: a half-width comma in text becomes a full-width `，`, a control character (CR,
//! LF, TAB, EOF …) a space, and a character outside JIS X 0201/0208 `■` (`crate::sjis::clean`,
//! shared with the JAHIS 2次元シンボル writer).
//! [`UkeFile::check`] reports each field this changes, and each field too long for its layout.

use super::layout::{self, FieldSpec};
use super::values::{day_total, DayCounts};
use super::{
    ClaimLine, ClaimRecords, CoRecord, GoRecord, HoRecord, IrRecord, IyRecord, JdRecord, KoRecord,
    LineComment, MfRecord, RawRecord, ReRecord, SiRecord, SjRecord, SnRecord, SyRecord, ToRecord,
    UkeFile,
};
use crate::sjis::{self, encode_sjis, Outside};

/// What [`UkeFile::check`] needs to know about a written record beyond its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Note {
    None,
    /// The IR record.
    Institution,
    /// The RE of `claims[i]`.
    ClaimStart(usize),
    /// An SI, IY or TO: its 回数 and the sum of its day columns.
    Times {
        times: Option<u16>,
        days: u32,
    },
    /// The GO record.
    Totals,
    /// A raw record, and where it sits in its claim.
    Raw(RawPlace),
}

/// Where in its claim a raw record is kept (see the module docs of `uke`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawPlace {
    Header,
    /// Among the lines; `after_body` when an SY or a typed line precedes it (else the reader
    /// would take it for a header record).
    Lines {
        after_body: bool,
    },
    /// In `other`: its index there, and whether an SJ record precedes it.
    Tail {
        index: usize,
        after_sj: bool,
    },
}

/// One record as the writer puts it: its fields (項目1 first, before cleaning), the layout
/// (`None` for a raw record) and notes for the checks.
pub(crate) struct Written {
    pub fields: Vec<String>,
    pub layout: Option<&'static [FieldSpec]>,
    pub note: Note,
    /// The fields written from a list of codes (病棟区分 …) with a code of the wrong width:
    /// `(項目 number, width)`.
    pub bad_widths: Vec<(usize, usize)>,
}

impl UkeFile {
    /// The file's bytes: Shift_JIS, CR LF after every record, EOF (0x1A) at the end.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = encode_sjis(&self.to_text());
        bytes.push(0x1A);
        bytes
    }

    /// The records as text (before encoding): one a line, CR LF after each, no EOF byte. Text
    /// the format cannot carry is already replaced (`■` for a character outside JIS X
    /// 0201/0208), so this is what the bytes say, apart from the JIS-mapping code points the
    /// encoder writes as their CP932 characters (− U+2212 as －).
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for record in self.written() {
            let typed = record.layout.is_some();
            for (i, field) in record.fields.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&clean(field, typed));
            }
            text.push_str("\r\n");
        }
        text
    }

    /// Every record in the order they are written.
    pub(crate) fn written(&self) -> Vec<Written> {
        let mut out = vec![Written::typed(
            ir_fields(&self.institution),
            &layout::IR,
            Note::Institution,
        )];
        for (i, claim) in self.claims.iter().enumerate() {
            claim_records(claim, i, &mut out);
        }
        out.push(Written::typed(
            go_fields(&self.totals),
            &layout::GO,
            Note::Totals,
        ));
        out
    }
}

impl Written {
    fn typed(fields: Vec<String>, layout: &'static [FieldSpec], note: Note) -> Self {
        Self {
            fields,
            layout: Some(layout),
            note,
            bad_widths: Vec::new(),
        }
    }

    fn raw(raw: &RawRecord, place: RawPlace) -> Self {
        let mut fields = Vec::with_capacity(raw.fields.len() + 1);
        fields.push(raw.kind.clone());
        fields.extend(raw.fields.iter().cloned());
        Self {
            fields,
            layout: None,
            note: Note::Raw(place),
            bad_widths: Vec::new(),
        }
    }

    /// Notes that the codes of `codes` (written as 項目 `number`) are not all `width` wide, or
    /// have a blank in them (trailing blanks are not written, so the reader would cut the codes
    /// elsewhere).
    fn widths(mut self, number: usize, codes: &[String], width: usize) -> Self {
        let bad = |c: &String| c.chars().count() != width || c.contains([' ', '\u{3000}']);
        if codes.iter().any(bad) {
            self.bad_widths.push((number, width));
        }
        self
    }
}

fn claim_records(claim: &ClaimRecords, index: usize, out: &mut Vec<Written>) {
    let re = &claim.re;
    out.push(
        Written::typed(re_fields(re), &layout::RE, Note::ClaimStart(index))
            .widths(10, &re.wards, 2)
            .widths(12, &re.special_notes, 2)
            .widths(38, &re.patient_states, 3),
    );
    if let Some(ho) = &claim.ho {
        out.push(Written::typed(ho_fields(ho), &layout::HO, Note::None));
    }
    for ko in &claim.ko {
        out.push(Written::typed(ko_fields(ko), &layout::KO, Note::None));
    }
    for sn in &claim.sn {
        out.push(Written::typed(sn_fields(sn), &layout::SN, Note::None));
    }
    for jd in &claim.jd {
        out.push(Written::typed(jd_fields(jd), &layout::JD, Note::None));
    }
    for mf in &claim.mf {
        out.push(Written::typed(mf_fields(mf), &layout::MF, Note::None));
    }
    for raw in &claim.other_header {
        out.push(Written::raw(raw, RawPlace::Header));
    }
    for sy in &claim.sy {
        out.push(
            Written::typed(sy_fields(sy), &layout::SY, Note::None).widths(5, &sy.modifiers, 4),
        );
    }
    let mut after_body = !claim.sy.is_empty();
    for line in &claim.lines {
        out.push(line_written(line, after_body));
        after_body |= !matches!(line, ClaimLine::Other(_));
    }
    for sj in &claim.sj {
        out.push(Written::typed(sj_fields(sj), &layout::SJ, Note::None));
    }
    let after_sj = !claim.sj.is_empty();
    for (i, raw) in claim.other.iter().enumerate() {
        out.push(Written::raw(raw, RawPlace::Tail { index: i, after_sj }));
    }
}

fn line_written(line: &ClaimLine, after_body: bool) -> Written {
    let times = |times: Option<u16>, days: &DayCounts| Note::Times {
        times,
        days: day_total(days),
    };
    match line {
        ClaimLine::Si(r) => Written::typed(si_fields(r), &layout::SI, times(r.times, &r.days)),
        ClaimLine::Iy(r) => Written::typed(iy_fields(r), &layout::IY, times(r.times, &r.days)),
        ClaimLine::To(r) => Written::typed(to_fields(r), &layout::TO, times(r.times, &r.days)),
        ClaimLine::Co(r) => Written::typed(co_fields(r), &layout::CO, Note::None),
        ClaimLine::Other(raw) => Written::raw(raw, RawPlace::Lines { after_body }),
    }
}

/// A field as written ([`crate::sjis::clean`]): a comma becomes `，`, a control character a
/// space, a character outside JIS X 0201/0208 `■`; in a typed record's field, trailing spaces
/// (half and full width) are dropped (第1章 3(3)ウ(ウ): "有効桁（文字）以降に継続する“スペース”は記録
/// しない"). A raw record's fields keep their spaces.
pub(crate) fn clean(field: &str, trim: bool) -> String {
    let mut out = sjis::clean(field, Outside::Square);
    if trim {
        let kept = out.trim_end_matches([' ', '\u{3000}']).len();
        out.truncate(kept);
    }
    out
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(T::to_string).unwrap_or_default()
}

/// `text` right-aligned in `width` with leading `pad` when it is shorter and not empty.
fn pad_left(text: &str, width: usize, pad: char) -> String {
    let len = text.chars().count();
    if text.is_empty() || len >= width {
        return text.to_string();
    }
    let mut out: String = std::iter::repeat_n(pad, width - len).collect();
    out.push_str(text);
    out
}

/// A run of digits padded with leading zeros to `width` ("受給者番号が７桁に満たない場合は、先頭
/// から“0”を記録し、７桁で記録する"); anything else as it is.
pub(crate) fn zero_pad(text: &str, width: usize) -> String {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        pad_left(text, width, '0')
    } else {
        text.to_string()
    }
}

fn days<T: ToString + Copy>(days: &[Option<T>; 31]) -> impl Iterator<Item = String> + '_ {
    days.iter()
        .map(|d| d.map(|n| n.to_string()).unwrap_or_default())
}

fn comments(comments: &[LineComment; 3]) -> impl Iterator<Item = String> + '_ {
    comments
        .iter()
        .flat_map(|c| [c.code.clone(), c.text.clone()])
}

fn s(text: &str) -> String {
    text.to_string()
}

fn ir_fields(r: &IrRecord) -> Vec<String> {
    vec![
        s("IR"),
        s(&r.payer),
        s(&r.prefecture),
        s(&r.score_table),
        s(&r.institution_code),
        String::new(),
        s(&r.name),
        r.billing_month.to_uke(),
        s(&r.volume),
        s(&r.phone),
    ]
}

fn re_fields(r: &ReRecord) -> Vec<String> {
    let mut f = vec![
        s("RE"),
        r.claim_number.to_string(),
        s(&r.claim_kind),
        r.service_month.to_uke(),
        s(&r.name),
        s(&r.sex),
        r.birth_date.to_uke(),
        opt(&r.benefit_percent),
        r.admission_date.map(|d| d.to_uke()).unwrap_or_default(),
        r.wards.concat(),
        s(&r.burden_class),
        r.special_notes.concat(),
        opt(&r.beds),
        s(&r.chart_number),
        opt(&r.discount_unit_price),
        String::new(),
        String::new(),
        String::new(),
        s(&r.search_number),
        String::new(),
        s(&r.claim_info),
    ];
    for d in &r.departments {
        f.extend([
            s(&d.name),
            s(&d.body_part),
            s(&d.sex),
            s(&d.treatment),
            s(&d.disease),
        ]);
    }
    f.push(s(&r.kana));
    f.push(r.patient_states.concat());
    f
}

fn ho_fields(r: &HoRecord) -> Vec<String> {
    vec![
        s("HO"),
        // 項目2: "保険者番号が８桁に満たない場合は、先頭から“スペース”を記録し、８桁で記録する".
        pad_left(&r.insurer_number, 8, ' '),
        s(&r.card_symbol),
        s(&r.card_number),
        opt(&r.days),
        opt(&r.points),
        String::new(),
        opt(&r.meal_count),
        opt(&r.meal_yen),
        s(&r.occupational),
        opt(&r.certificate_number),
        opt(&r.patient_share_yen),
        s(&r.reduction_class),
        opt(&r.reduction_percent),
        opt(&r.reduction_yen),
    ]
}

fn ko_fields(r: &KoRecord) -> Vec<String> {
    vec![
        s("KO"),
        s(&r.payer_number),
        // 項目3: seven digits, zero-padded.
        zero_pad(&r.recipient_number, 7),
        s(&r.optional_benefit),
        opt(&r.days),
        opt(&r.points),
        opt(&r.patient_share_yen),
        opt(&r.outpatient_covered_yen),
        opt(&r.inpatient_covered_yen),
        String::new(),
        opt(&r.meal_count),
        opt(&r.meal_yen),
    ]
}

fn sn_fields(r: &SnRecord) -> Vec<String> {
    vec![
        s("SN"),
        s(&r.payer_kind),
        s(&r.confirmation),
        s(&r.checked_insurer_number),
        s(&r.checked_card_symbol),
        s(&r.checked_card_number),
        // 項目7: "「枝番」が２桁に満たない場合は、先頭に“0”を記録し、２桁で記録する".
        zero_pad(&r.branch, 2),
        s(&r.checked_recipient_number),
        String::new(),
    ]
}

fn jd_fields(r: &JdRecord) -> Vec<String> {
    let mut f = vec![s("JD"), s(&r.payer_kind)];
    f.extend(days(&r.days));
    f
}

fn mf_fields(r: &MfRecord) -> Vec<String> {
    let mut f = vec![s("MF"), s(&r.window_class)];
    f.extend(std::iter::repeat_n(String::new(), 31));
    f
}

fn sy_fields(r: &SyRecord) -> Vec<String> {
    vec![
        s("SY"),
        s(&r.disease_code),
        r.start_date.to_uke(),
        s(&r.outcome),
        r.modifiers.concat(),
        s(&r.disease_name),
        s(&r.main),
        s(&r.note),
    ]
}

fn si_fields(r: &SiRecord) -> Vec<String> {
    let mut f = vec![
        s("SI"),
        s(&r.treatment_class),
        s(&r.burden),
        s(&r.code),
        opt(&r.quantity),
        opt(&r.points),
        opt(&r.times),
    ];
    f.extend(comments(&r.comments));
    f.extend(days(&r.days));
    f
}

fn iy_fields(r: &IyRecord) -> Vec<String> {
    let mut f = vec![
        s("IY"),
        s(&r.treatment_class),
        s(&r.burden),
        s(&r.code),
        opt(&r.amount),
        opt(&r.points),
        opt(&r.times),
    ];
    f.extend(comments(&r.comments));
    f.extend(days(&r.days));
    f
}

fn to_fields(r: &ToRecord) -> Vec<String> {
    let mut f = vec![
        s("TO"),
        s(&r.treatment_class),
        s(&r.burden),
        s(&r.code),
        opt(&r.amount),
        opt(&r.points),
        opt(&r.times),
        s(&r.unit_code),
        opt(&r.unit_price),
        String::new(),
        s(&r.product_name),
    ];
    f.extend(comments(&r.comments));
    f.extend(days(&r.days));
    f
}

fn co_fields(r: &CoRecord) -> Vec<String> {
    vec![
        s("CO"),
        s(&r.treatment_class),
        s(&r.burden),
        s(&r.code),
        s(&r.text),
    ]
}

fn sj_fields(r: &SjRecord) -> Vec<String> {
    vec![s("SJ"), s(&r.kind), s(&r.text)]
}

fn go_fields(r: &GoRecord) -> Vec<String> {
    vec![
        s("GO"),
        opt(&r.claim_count),
        opt(&r.total_points),
        s(&r.volume),
    ]
}
