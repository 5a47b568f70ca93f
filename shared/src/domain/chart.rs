//! The chart's (カルテ) value rules, used alike by the app as the user types and by the server
//! before it stores anything: note text, vital signs with their units and plausible ranges, lab
//! values with their H/L flag, the lab-result CSV format, and the line diff between two versions
//! of a note. No IO here.

use crate::domain::japanese::to_halfwidth_digits;
use crate::domain::FieldError;
use serde::{Deserialize, Serialize};

/// Longest section of a note (S, O, A or P), in characters.
pub const NOTE_SECTION_MAX: usize = 20_000;

/// A note in the 2号用紙 form: S and O on the left, A and P on the right.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Soap {
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
}

impl Soap {
    /// The four sections with their field names and labels, in the order of the form.
    pub fn sections(&self) -> [(&'static str, &'static str, &str); 4] {
        [
            ("subjective", "S（主訴・現病歴）", &self.subjective),
            ("objective", "O（所見・検査）", &self.objective),
            ("assessment", "A（評価）", &self.assessment),
            ("plan", "P（計画・処方）", &self.plan),
        ]
    }

    /// Line endings made `\n`; each section at most [`NOTE_SECTION_MAX`] characters and free of
    /// control characters other than newline and tab. Leading and trailing blank lines are kept:
    /// what the author typed is what is stored.
    pub fn validate(&self) -> Result<Soap, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut clean = |field: &str, text: &str| -> String {
            let text = text.replace("\r\n", "\n").replace('\r', "\n");
            if text.chars().count() > NOTE_SECTION_MAX {
                errors.push(FieldError::new(
                    field,
                    "too_long",
                    format!("{NOTE_SECTION_MAX}文字以内で入力してください"),
                ));
            } else if let Err(e) = super::text::check_text(field, &text, super::text::Lines::Multi)
            {
                errors.push(e);
            }
            text
        };
        let soap = Soap {
            subjective: clean("subjective", &self.subjective),
            objective: clean("objective", &self.objective),
            assessment: clean("assessment", &self.assessment),
            plan: clean("plan", &self.plan),
        };
        if errors.is_empty() {
            Ok(soap)
        } else {
            Err(errors)
        }
    }

    /// The section named by its field name (`subjective` …), as in the API and the errors.
    pub fn section(&self, field: &str) -> Option<&str> {
        self.sections()
            .into_iter()
            .find(|(f, _, _)| *f == field)
            .map(|(_, _, text)| text)
    }

    pub fn section_mut(&mut self, field: &str) -> Option<&mut String> {
        match field {
            "subjective" => Some(&mut self.subjective),
            "objective" => Some(&mut self.objective),
            "assessment" => Some(&mut self.assessment),
            "plan" => Some(&mut self.plan),
            _ => None,
        }
    }

    pub fn is_blank(&self) -> bool {
        self.sections().iter().all(|(_, _, t)| t.trim().is_empty())
    }

    /// A one-line summary for the timeline: the first non-blank line of A, else S, else P, else
    /// O, at most `max` characters.
    pub fn summary(&self, max: usize) -> String {
        [
            &self.assessment,
            &self.subjective,
            &self.plan,
            &self.objective,
        ]
        .iter()
        .find_map(|text| text.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(|line| {
            let mut s: String = line.chars().take(max).collect();
            if line.chars().count() > max {
                s.push('…');
            }
            s
        })
        .unwrap_or_default()
    }
}

/// One line of a diff between two texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffLine {
    Same(String),
    Removed(String),
    Added(String),
}

/// The line-by-line differences from `old` to `new` (longest common subsequence). Texts longer
/// than the table allows are compared by their common start and end, the middle shown as
/// removed and added.
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut out: Vec<DiffLine> = a[..prefix]
        .iter()
        .map(|l| DiffLine::Same((*l).to_string()))
        .collect();
    const TABLE_LIMIT: usize = 4_000_000;
    if ma.len().saturating_mul(mb.len()) > TABLE_LIMIT {
        out.extend(ma.iter().map(|l| DiffLine::Removed((*l).to_string())));
        out.extend(mb.iter().map(|l| DiffLine::Added((*l).to_string())));
    } else {
        // lcs[i][j]: the longest common subsequence of ma[i..] and mb[j..].
        let w = mb.len() + 1;
        let mut lcs = vec![0u32; (ma.len() + 1) * w];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                lcs[i * w + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() || j < mb.len() {
            if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
                out.push(DiffLine::Same(ma[i].to_string()));
                i += 1;
                j += 1;
            } else if i < ma.len() && (j == mb.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])
            {
                // Removed before added where either would do: reads as "was … became …".
                out.push(DiffLine::Removed(ma[i].to_string()));
                i += 1;
            } else {
                out.push(DiffLine::Added(mb[j].to_string()));
                j += 1;
            }
        }
    }
    out.extend(
        a[a.len() - suffix..]
            .iter()
            .map(|l| DiffLine::Same((*l).to_string())),
    );
    out
}

/// A number with one decimal as tenths ("36.5" → 365, "170" → 1700), after full-width digits
/// are made half-width. More than one decimal is refused rather than rounded.
pub fn parse_tenths(input: &str) -> Option<i32> {
    let text = to_halfwidth_digits(input.trim()).replace('．', ".");
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text.as_str(), ""),
    };
    if whole.is_empty()
        || whole.len() > 5
        || frac.len() > 1
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (text.contains('.') && frac.is_empty())
    {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let frac: i32 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    Some(whole * 10 + frac)
}

/// A calendar day as a number of days (Julian day number), for charts over time.
pub fn day_number(date: time::Date) -> f64 {
    f64::from(date.to_julian_day())
}

/// `YYYY-MM-DDTHH:MM` as a day number with the fraction of the day, for charts over time.
pub fn instant_days(text: &str) -> Option<f64> {
    let date = crate::domain::japanese::parse_date(text.get(..10)?)?;
    let hours: f64 = text.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0.0);
    let minutes: f64 = text.get(14..16).and_then(|m| m.parse().ok()).unwrap_or(0.0);
    Some(day_number(date) + (hours * 60.0 + minutes) / 1440.0)
}

/// Tenths as text with one decimal (365 → "36.5").
pub fn format_tenths(tenths: i32) -> String {
    format!("{}.{}", tenths / 10, (tenths % 10).abs())
}

/// Vital signs as typed: each field may be empty. Units may be typed after the number
/// (`36.5℃`, `98.6°F`, `170cm`, `1.70m`, `62kg`, `120mmHg`, `98%`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VitalsInput {
    #[serde(default)]
    pub temperature: String,
    #[serde(default)]
    pub pulse: String,
    #[serde(default)]
    pub systolic: String,
    #[serde(default)]
    pub diastolic: String,
    #[serde(default)]
    pub respiration: String,
    #[serde(default)]
    pub spo2: String,
    #[serde(default)]
    pub height: String,
    #[serde(default)]
    pub weight: String,
}

/// Vital signs as stored. Tenths where a decimal is usual.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vitals {
    /// 体温, ℃ × 10.
    pub temperature_x10: Option<i32>,
    /// 脈拍, /分.
    pub pulse: Option<i32>,
    /// 血圧 (収縮期/拡張期), mmHg.
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    /// 呼吸数, /分.
    pub respiration: Option<i32>,
    /// SpO2, %.
    pub spo2: Option<i32>,
    /// 身長, cm × 10.
    pub height_x10: Option<i32>,
    /// 体重, kg × 10.
    pub weight_x10: Option<i32>,
}

/// A measured value outside the usual range: saved, but shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VitalWarning {
    pub field: String,
    pub message: String,
}

/// Each vital's name, unit, the range a measurement can have at all (outside it is refused as
/// a typing or unit error) and the range outside which it is shown as a warning.
struct Limits {
    field: &'static str,
    label: &'static str,
    unit: &'static str,
    possible: (i32, i32),
    usual: (i32, i32),
}

// Possible ranges are physiological extremes (refusing only what cannot be a measurement);
// usual ranges are adult reference values (日本高血圧学会 JSH2019 for blood pressure, 日本呼吸器学会
// for SpO2 < 90%). Both in the stored unit (tenths where stored as tenths).
const TEMPERATURE: Limits = Limits {
    field: "temperature",
    label: "体温",
    unit: "℃",
    possible: (250, 450),
    usual: (350, 380),
};
const PULSE: Limits = Limits {
    field: "pulse",
    label: "脈拍",
    unit: "/分",
    possible: (1, 300),
    usual: (50, 100),
};
const SYSTOLIC: Limits = Limits {
    field: "systolic",
    label: "収縮期血圧",
    unit: "mmHg",
    possible: (30, 300),
    usual: (90, 140),
};
const DIASTOLIC: Limits = Limits {
    field: "diastolic",
    label: "拡張期血圧",
    unit: "mmHg",
    possible: (10, 250),
    usual: (40, 90),
};
const RESPIRATION: Limits = Limits {
    field: "respiration",
    label: "呼吸数",
    unit: "/分",
    possible: (1, 100),
    usual: (10, 24),
};
const SPO2: Limits = Limits {
    field: "spo2",
    label: "SpO2",
    unit: "%",
    possible: (30, 100),
    usual: (90, 100),
};
const HEIGHT: Limits = Limits {
    field: "height",
    label: "身長",
    unit: "cm",
    possible: (200, 2600),
    usual: (400, 2100),
};
const WEIGHT: Limits = Limits {
    field: "weight",
    label: "体重",
    unit: "kg",
    possible: (3, 4000),
    usual: (20, 2000),
};

/// `text` (lower-cased) without a trailing unit among `units` (matched case-insensitively,
/// spaces allowed), and which unit it was.
fn strip_unit(text: &str, units: &[&str]) -> (String, Option<usize>) {
    let lower = text.trim().to_lowercase();
    for (i, unit) in units.iter().enumerate() {
        if let Some(number) = lower.strip_suffix(unit.to_lowercase().as_str()) {
            return (number.trim_end().to_string(), Some(i));
        }
    }
    (lower, None)
}

impl VitalsInput {
    /// The typed text of a field by its name (as in the errors: `temperature` …), for forms.
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "temperature" => Some(&self.temperature),
            "pulse" => Some(&self.pulse),
            "systolic" => Some(&self.systolic),
            "diastolic" => Some(&self.diastolic),
            "respiration" => Some(&self.respiration),
            "spo2" => Some(&self.spo2),
            "height" => Some(&self.height),
            "weight" => Some(&self.weight),
            _ => None,
        }
    }

    pub fn field_mut(&mut self, name: &str) -> Option<&mut String> {
        match name {
            "temperature" => Some(&mut self.temperature),
            "pulse" => Some(&mut self.pulse),
            "systolic" => Some(&mut self.systolic),
            "diastolic" => Some(&mut self.diastolic),
            "respiration" => Some(&mut self.respiration),
            "spo2" => Some(&mut self.spo2),
            "height" => Some(&mut self.height),
            "weight" => Some(&mut self.weight),
            _ => None,
        }
    }

    /// The values to store, with warnings for those outside the usual range; or what is wrong
    /// with each field. An entry with no value at all is refused.
    pub fn validate(&self) -> Result<(Vitals, Vec<VitalWarning>), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut check = |limits: &Limits, value: Option<i32>, tenths: bool| -> Option<i32> {
            let value = value?;
            let show = |v: i32| {
                if tenths {
                    format_tenths(v)
                } else {
                    v.to_string()
                }
            };
            if value < limits.possible.0 || value > limits.possible.1 {
                errors.push(FieldError::new(
                    limits.field,
                    "out_of_range",
                    format!(
                        "{}は{}〜{}{}で入力してください（単位を確認してください）",
                        limits.label,
                        show(limits.possible.0),
                        show(limits.possible.1),
                        limits.unit
                    ),
                ));
                return None;
            }
            if value < limits.usual.0 || value > limits.usual.1 {
                let side = if value < limits.usual.0 {
                    "低値"
                } else {
                    "高値"
                };
                warnings.push(VitalWarning {
                    field: limits.field.into(),
                    message: format!(
                        "{} {}{} は{}です（目安 {}〜{}{}）",
                        limits.label,
                        show(value),
                        limits.unit,
                        side,
                        show(limits.usual.0),
                        show(limits.usual.1),
                        limits.unit
                    ),
                });
            }
            Some(value)
        };
        let mut unreadable = Vec::new();
        let mut read = |field: &'static str, text: &str, parse: &dyn Fn(&str) -> Option<i32>| {
            if text.trim().is_empty() {
                None
            } else {
                let value = parse(text);
                if value.is_none() {
                    unreadable.push(field);
                }
                value
            }
        };
        let temperature = read("temperature", &self.temperature, &|t| {
            match strip_unit(t, &["℃", "°c", "度", "°f", "℉", "f"]) {
                (n, Some(3..)) => {
                    // Fahrenheit: (F − 32) × 5/9, in tenths, rounded half up.
                    let f = parse_tenths(&n)?;
                    Some(((f - 320) * 50 + 45) / 90)
                }
                (n, _) => parse_tenths(&n),
            }
        });
        let whole = |units: &'static [&'static str]| {
            move |t: &str| {
                let (n, _) = strip_unit(t, units);
                let n = to_halfwidth_digits(&n);
                if n.is_empty() || n.len() > 4 || !n.bytes().all(|b| b.is_ascii_digit()) {
                    None
                } else {
                    n.parse().ok()
                }
            }
        };
        let pulse = read("pulse", &self.pulse, &whole(&["/分", "回/分", "bpm", "回"]));
        let systolic = read("systolic", &self.systolic, &whole(&["mmhg"]));
        let diastolic = read("diastolic", &self.diastolic, &whole(&["mmhg"]));
        let respiration = read(
            "respiration",
            &self.respiration,
            &whole(&["/分", "回/分", "回"]),
        );
        let spo2 = read("spo2", &self.spo2, &whole(&["%", "％"]));
        let height = read("height", &self.height, &|t| {
            match strip_unit(t, &["cm", "ｃｍ", "m", "ｍ"]) {
                // Metres with a decimal (1.70 m): to tenths of a centimetre.
                (n, Some(2..)) => {
                    let n = to_halfwidth_digits(&n).replace('．', ".");
                    let (w, f) = n.split_once('.')?;
                    if w.len() != 1 || f.is_empty() || f.len() > 3 {
                        return None;
                    }
                    let digits = format!("{w}{f:0<3}");
                    digits.parse::<i32>().ok()
                }
                (n, _) => parse_tenths(&n),
            }
        });
        let weight = read("weight", &self.weight, &|t| {
            parse_tenths(&strip_unit(t, &["kg", "ｋｇ"]).0)
        });
        let mut errors_out: Vec<FieldError> = unreadable
            .into_iter()
            .map(|f| FieldError::new(f, "invalid", "数値で入力してください"))
            .collect();
        let vitals = Vitals {
            temperature_x10: check(&TEMPERATURE, temperature, true),
            pulse: check(&PULSE, pulse, false),
            systolic: check(&SYSTOLIC, systolic, false),
            diastolic: check(&DIASTOLIC, diastolic, false),
            respiration: check(&RESPIRATION, respiration, false),
            spo2: check(&SPO2, spo2, false),
            height_x10: check(&HEIGHT, height, true),
            weight_x10: check(&WEIGHT, weight, true),
        };
        errors_out.append(&mut errors);
        if let (Some(s), Some(d)) = (vitals.systolic, vitals.diastolic) {
            if d >= s {
                errors_out.push(FieldError::new(
                    "diastolic",
                    "inconsistent",
                    "拡張期血圧は収縮期血圧より低い値で入力してください",
                ));
            }
        }
        if vitals.systolic.is_some() != vitals.diastolic.is_some() && errors_out.is_empty() {
            let missing = if vitals.systolic.is_none() {
                "systolic"
            } else {
                "diastolic"
            };
            errors_out.push(FieldError::new(
                missing,
                "required",
                "血圧は収縮期と拡張期の両方を入力してください",
            ));
        }
        if errors_out.is_empty() && vitals == Vitals::default() {
            errors_out.push(FieldError::new(
                "form",
                "required",
                "いずれかの項目を入力してください",
            ));
        }
        if errors_out.is_empty() {
            Ok((vitals, warnings))
        } else {
            Err(errors_out)
        }
    }
}

impl Vitals {
    /// BMI (体重 kg ÷ 身長 m²) in tenths, rounded half up, when both are known.
    pub fn bmi_x10(&self) -> Option<i32> {
        let (h, w) = (i64::from(self.height_x10?), i64::from(self.weight_x10?));
        if h == 0 {
            return None;
        }
        // (w/10) / (h/1000)² × 10 = w × 1 000 000 / h².
        let x10 = (w * 1_000_000 * 2 + h * h) / (2 * h * h);
        i32::try_from(x10).ok()
    }

    /// The values as the chart and the print show them ("36.5℃ 脈72 BP 128/76 …").
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.temperature_x10 {
            parts.push(format!("T {}℃", format_tenths(t)));
        }
        if let Some(p) = self.pulse {
            parts.push(format!("P {p}/分"));
        }
        if let (Some(s), Some(d)) = (self.systolic, self.diastolic) {
            parts.push(format!("BP {s}/{d}"));
        }
        if let Some(r) = self.respiration {
            parts.push(format!("R {r}/分"));
        }
        if let Some(s) = self.spo2 {
            parts.push(format!("SpO2 {s}%"));
        }
        if let Some(h) = self.height_x10 {
            parts.push(format!("身長 {}cm", format_tenths(h)));
        }
        if let Some(w) = self.weight_x10 {
            parts.push(format!("体重 {}kg", format_tenths(w)));
        }
        if let Some(b) = self.bmi_x10() {
            parts.push(format!("BMI {}", format_tenths(b)));
        }
        parts.join(" ")
    }
}

/// A decimal as reported by a lab, kept exactly as text; `None` when it is not a plain number
/// (qualitative results such as `(+)`, or `<0.5`).
pub fn lab_number(value: &str) -> Option<f64> {
    let text = to_halfwidth_digits(value.trim()).replace('．', ".");
    let body = text.strip_prefix('-').unwrap_or(&text);
    if body.is_empty()
        || body.len() > 15
        || body.starts_with('.')
        || body.ends_with('.')
        || body.bytes().filter(|b| *b == b'.').count() > 1
        || !body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return None;
    }
    text.parse().ok()
}

/// H above the reference range, L below it; nothing when inside, not numeric or without range.
pub fn lab_flag(value: Option<f64>, low: Option<f64>, high: Option<f64>) -> Option<char> {
    let v = value?;
    match (low, high) {
        (_, Some(h)) if v > h => Some('H'),
        (Some(l), _) if v < l => Some('L'),
        _ => None,
    }
}

/// One lab result as entered or imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabInput {
    /// 採取日 (YYYY-MM-DD).
    pub collected_on: String,
    /// The lab's item code, if any (JLAC10 or the lab's own).
    #[serde(default)]
    pub item_code: String,
    pub item_name: String,
    pub value: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub reference_low: String,
    #[serde(default)]
    pub reference_high: String,
}

/// A lab result checked: the values to store.
#[derive(Debug, Clone, PartialEq)]
pub struct LabChecked {
    pub collected_on: time::Date,
    pub item_code: String,
    pub item_name: String,
    pub value: String,
    pub numeric_value: Option<f64>,
    pub unit: String,
    pub reference_low: Option<f64>,
    pub reference_high: Option<f64>,
    pub flag: Option<char>,
}

impl LabInput {
    /// The typed text of a field by its name (as in the errors: `item_name` …), for forms.
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "collected_on" => Some(&self.collected_on),
            "item_code" => Some(&self.item_code),
            "item_name" => Some(&self.item_name),
            "value" => Some(&self.value),
            "unit" => Some(&self.unit),
            "reference_low" => Some(&self.reference_low),
            "reference_high" => Some(&self.reference_high),
            _ => None,
        }
    }

    pub fn field_mut(&mut self, name: &str) -> Option<&mut String> {
        match name {
            "collected_on" => Some(&mut self.collected_on),
            "item_code" => Some(&mut self.item_code),
            "item_name" => Some(&mut self.item_name),
            "value" => Some(&mut self.value),
            "unit" => Some(&mut self.unit),
            "reference_low" => Some(&mut self.reference_low),
            "reference_high" => Some(&mut self.reference_high),
            _ => None,
        }
    }

    /// The result to store, or what is wrong with each field (field names as in the struct).
    pub fn validate(&self) -> Result<LabChecked, Vec<FieldError>> {
        let mut errors = Vec::new();
        let collected_on = crate::domain::japanese::parse_date(&self.collected_on);
        if collected_on.is_none() {
            errors.push(FieldError::new(
                "collected_on",
                "invalid",
                "採取日を正しく入力してください",
            ));
        }
        let mut text = |field: &str, value: &str, min: usize, max: usize| -> String {
            let value = value.trim();
            if value.chars().count() < min {
                errors.push(FieldError::new(field, "required", "入力してください"));
            } else if value.chars().count() > max {
                errors.push(FieldError::new(
                    field,
                    "too_long",
                    format!("{max}文字以内で入力してください"),
                ));
            } else if let Err(e) = super::text::check_text(field, value, super::text::Lines::Single)
            {
                errors.push(e);
            }
            value.to_string()
        };
        let item_code = text("item_code", &self.item_code, 0, 20);
        let item_name = text("item_name", &self.item_name, 1, 60);
        let value = text("value", &self.value, 1, 40);
        let unit = text("unit", &self.unit, 0, 20);
        let mut bound = |field: &str, raw: &str| -> Option<f64> {
            if raw.trim().is_empty() {
                return None;
            }
            let n = lab_number(raw);
            if n.is_none() {
                errors.push(FieldError::new(field, "invalid", "数値で入力してください"));
            }
            n
        };
        let reference_low = bound("reference_low", &self.reference_low);
        let reference_high = bound("reference_high", &self.reference_high);
        if let (Some(l), Some(h)) = (reference_low, reference_high) {
            if l > h {
                errors.push(FieldError::new(
                    "reference_high",
                    "inconsistent",
                    "基準値の上限は下限以上で入力してください",
                ));
            }
        }
        let numeric_value = lab_number(&value);
        match collected_on {
            Some(collected_on) if errors.is_empty() => Ok(LabChecked {
                collected_on,
                item_code,
                item_name,
                value: value.replace('．', "."),
                numeric_value,
                unit,
                reference_low,
                reference_high,
                flag: lab_flag(numeric_value, reference_low, reference_high),
            }),
            _ => Err(errors),
        }
    }
}

/// A row of a lab-result file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabFileError {
    /// 1-based line in the file (0: the file as a whole).
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// The columns of a lab-result file, in this order, with this header line:
/// `採取日,項目コード,項目名,結果,単位,基準下限,基準上限`. UTF-8 (with or without BOM) or
/// Shift_JIS (CP932), comma-separated, fields optionally in double quotes.
pub const LAB_CSV_HEADER: [&str; 7] = [
    "採取日",
    "項目コード",
    "項目名",
    "結果",
    "単位",
    "基準下限",
    "基準上限",
];

/// Largest lab file accepted, in bytes, and most rows.
pub const LAB_FILE_MAX_BYTES: usize = 1024 * 1024;
pub const LAB_FILE_MAX_ROWS: usize = 10_000;

/// Reads a lab-result file: every row checked; all of them or, if any row is wrong, the list of
/// what is wrong (so an import is all-or-nothing).
pub fn parse_lab_csv(bytes: &[u8]) -> Result<Vec<LabChecked>, Vec<LabFileError>> {
    let whole = |message: &str| {
        vec![LabFileError {
            line: 0,
            field: "file".into(),
            message: message.into(),
        }]
    };
    if bytes.len() > LAB_FILE_MAX_BYTES {
        return Err(whole("ファイルが大きすぎます（1MBまで）"));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
            if had_errors {
                return Err(whole(
                    "文字コードを読み取れません（UTF-8 または Shift_JIS のCSV）",
                ));
            }
            decoded.into_owned()
        }
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(whole("ファイルが空です"));
    };
    let header = split_csv_line(header).map_err(|m| whole(&m))?;
    if header.iter().map(|h| h.trim()).ne(LAB_CSV_HEADER) {
        return Err(whole(&format!(
            "1行目は見出し「{}」にしてください",
            LAB_CSV_HEADER.join(",")
        )));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in lines {
        let number = index + 1;
        if rows.len() + errors.len() >= LAB_FILE_MAX_ROWS {
            return Err(whole("行が多すぎます（10,000行まで）"));
        }
        let fields = match split_csv_line(line) {
            Ok(f) if f.len() == LAB_CSV_HEADER.len() => f,
            Ok(f) => {
                errors.push(LabFileError {
                    line: number,
                    field: "row".into(),
                    message: format!("列が{}個あります（7列です）", f.len()),
                });
                continue;
            }
            Err(message) => {
                errors.push(LabFileError {
                    line: number,
                    field: "row".into(),
                    message,
                });
                continue;
            }
        };
        let input = LabInput {
            collected_on: fields[0].clone(),
            item_code: fields[1].clone(),
            item_name: fields[2].clone(),
            value: fields[3].clone(),
            unit: fields[4].clone(),
            reference_low: fields[5].clone(),
            reference_high: fields[6].clone(),
        };
        match input.validate() {
            Ok(row) => rows.push(row),
            Err(problems) => errors.extend(problems.into_iter().map(|p| LabFileError {
                line: number,
                field: p.field,
                message: p.message,
            })),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(whole("結果の行がありません"));
    }
    Ok(rows)
}

/// One CSV line into fields: commas, optional double quotes with `""` for a quote.
fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                if !matches!(chars.peek(), None | Some(',')) {
                    return Err("引用符の後に区切り以外の文字があります".into());
                }
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            (_, c) => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err("引用符が閉じられていません".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vitals(
        f: impl FnOnce(&mut VitalsInput),
    ) -> Result<(Vitals, Vec<VitalWarning>), Vec<FieldError>> {
        let mut input = VitalsInput::default();
        f(&mut input);
        input.validate()
    }

    #[test]
    fn vitals_read_units_and_full_width_digits() {
        let (v, w) = vitals(|v| {
            v.temperature = "36.5℃".into();
            v.pulse = "７２".into();
            v.systolic = "128mmHg".into();
            v.diastolic = "76".into();
            v.spo2 = "98%".into();
            v.height = "1.70m".into();
            v.weight = "62.5 kg".into();
        })
        .unwrap();
        assert_eq!(v.temperature_x10, Some(365));
        assert_eq!(v.pulse, Some(72));
        assert_eq!((v.systolic, v.diastolic), (Some(128), Some(76)));
        assert_eq!(v.spo2, Some(98));
        assert_eq!(v.height_x10, Some(1700));
        assert_eq!(v.weight_x10, Some(625));
        // 62.5 / 1.70² = 21.626… → 21.6
        assert_eq!(v.bmi_x10(), Some(216));
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            v.describe(),
            "T 36.5℃ P 72/分 BP 128/76 SpO2 98% 身長 170.0cm 体重 62.5kg BMI 21.6"
        );
    }

    #[test]
    fn fahrenheit_is_converted_and_celsius_typed_as_fahrenheit_is_refused() {
        let (v, _) = vitals(|v| v.temperature = "98.6°F".into()).unwrap();
        assert_eq!(v.temperature_x10, Some(370));
        // 98.6 with no unit is read as ℃ and cannot be a body temperature.
        let errors = vitals(|v| v.temperature = "98.6".into()).unwrap_err();
        assert_eq!(errors[0].field, "temperature");
        assert!(errors[0].message.contains("単位"), "{}", errors[0].message);
    }

    #[test]
    fn unusual_values_warn_and_impossible_ones_are_refused() {
        let (_, w) = vitals(|v| {
            v.temperature = "39.2".into();
            v.spo2 = "88".into();
        })
        .unwrap();
        let fields: Vec<_> = w.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(fields, ["temperature", "spo2"]);
        assert!(w[0].message.contains("高値") && w[1].message.contains("低値"));
        for (field, value) in [
            ("pulse", "0"),
            ("pulse", "301"),
            ("spo2", "101"),
            ("weight", "0.2"),
            ("height", "300"),
            ("temperature", "36.55"),
            ("pulse", "abc"),
        ] {
            let errors = vitals(|v| match field {
                "pulse" => v.pulse = value.into(),
                "spo2" => v.spo2 = value.into(),
                "weight" => v.weight = value.into(),
                "height" => v.height = value.into(),
                _ => v.temperature = value.into(),
            })
            .unwrap_err();
            assert_eq!(errors[0].field, field, "{field}={value}");
        }
    }

    #[test]
    fn blood_pressure_needs_both_and_diastolic_below_systolic() {
        assert_eq!(
            vitals(|v| v.systolic = "120".into()).unwrap_err()[0].field,
            "diastolic"
        );
        assert_eq!(
            vitals(|v| {
                v.systolic = "80".into();
                v.diastolic = "90".into();
            })
            .unwrap_err()[0]
                .code,
            "inconsistent"
        );
        assert_eq!(vitals(|_| {}).unwrap_err()[0].field, "form");
    }

    #[test]
    fn units_with_unusual_characters_are_refused_not_a_panic() {
        // U+212A KELVIN SIGN lower-cases to an ASCII k of another byte length.
        for text in ["62\u{212A}g", "\u{212A}", "İ", "36.5\u{212A}"] {
            let _ = vitals(|v| {
                v.weight = text.into();
                v.temperature = text.into();
                v.height = text.into();
                v.pulse = text.into();
            });
        }
        assert_eq!(
            vitals(|v| v.weight = "62\u{212A}g".into())
                .unwrap()
                .0
                .weight_x10,
            Some(620)
        );
    }

    #[test]
    fn instants_are_days_with_fractions() {
        let noon = instant_days("2026-11-25T12:00").unwrap();
        let midnight = instant_days("2026-11-25T00:00").unwrap();
        assert!((noon - midnight - 0.5).abs() < 1e-9);
        assert!((instant_days("2026-11-26").unwrap() - midnight - 1.0).abs() < 1e-9);
        assert!(instant_days("junk").is_none());
        assert!(
            instant_days("2026-11-25T1").is_some(),
            "a cut time is read as far as it goes"
        );
    }

    #[test]
    fn form_fields_are_reached_by_the_names_the_errors_use() {
        let mut v = VitalsInput::default();
        *v.field_mut("spo2").unwrap() = "97".into();
        assert_eq!((v.spo2.as_str(), v.field("spo2")), ("97", Some("97")));
        assert!(v.field("nope").is_none() && v.field_mut("nope").is_none());
        let mut l = LabInput::default();
        *l.field_mut("unit").unwrap() = "%".into();
        assert_eq!(l.field("unit"), Some("%"));
        let mut s = Soap::default();
        *s.section_mut("plan").unwrap() = "P".into();
        assert_eq!((s.plan.as_str(), s.section("plan")), ("P", Some("P")));
        assert!(s.section("x").is_none());
    }

    #[test]
    fn tenths_parse_exactly() {
        assert_eq!(parse_tenths("36.5"), Some(365));
        assert_eq!(parse_tenths("36"), Some(360));
        assert_eq!(parse_tenths("３６．５"), Some(365));
        assert_eq!(parse_tenths("36."), None);
        assert_eq!(parse_tenths("-1"), None);
        assert_eq!(parse_tenths(""), None);
        assert_eq!(format_tenths(365), "36.5");
    }

    #[test]
    fn lab_flags_follow_the_reference_range() {
        let checked = LabInput {
            collected_on: "2026-11-20".into(),
            item_name: "HbA1c".into(),
            value: "7.2".into(),
            unit: "%".into(),
            reference_low: "4.6".into(),
            reference_high: "6.2".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(checked.flag, Some('H'));
        assert_eq!(lab_flag(Some(3.0), Some(4.6), Some(6.2)), Some('L'));
        assert_eq!(lab_flag(Some(5.0), Some(4.6), Some(6.2)), None);
        assert_eq!(lab_flag(lab_number("(+)"), Some(0.0), Some(1.0)), None);
        assert_eq!(lab_number("<0.5"), None);
        assert_eq!(lab_number("-1.5"), Some(-1.5));
        let errors = LabInput {
            collected_on: "someday".into(),
            item_name: String::new(),
            value: "1".into(),
            reference_low: "5".into(),
            reference_high: "1".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["collected_on", "item_name", "reference_high"]);
    }

    #[test]
    fn lab_files_are_read_all_or_nothing() {
        let good = "採取日,項目コード,項目名,結果,単位,基準下限,基準上限\r\n\
                    2026-11-20,3D045,HbA1c,7.2,%,4.6,6.2\r\n\
                    2026-11-20,,\"CRP, 定量\",(+),mg/dL,,\r\n";
        let rows = parse_lab_csv(good.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].item_name, "CRP, 定量");
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(good);
        assert_eq!(parse_lab_csv(&sjis).unwrap(), rows);
        let bad = format!("{good}2026-13-01,,AST,abc,U/L,x,40\n2026-11-20,,ALT\n\"open,,,,,,\n");
        let errors = parse_lab_csv(bad.as_bytes()).unwrap_err();
        let at: Vec<_> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            at,
            [
                (4, "collected_on"),
                (4, "reference_low"),
                (5, "row"),
                (6, "row")
            ]
        );
        assert_eq!(parse_lab_csv(b"").unwrap_err()[0].line, 0);
        assert_eq!(parse_lab_csv(b"a,b\n").unwrap_err()[0].field, "file");
        assert!(parse_lab_csv(&[0xff, 0xfe, 0x00]).is_err());
    }

    #[test]
    fn notes_keep_what_was_typed_and_refuse_control_characters() {
        let soap = Soap {
            subjective: "咳が続く\r\n3日前から".into(),
            assessment: "\n急性上気道炎\n".into(),
            ..Default::default()
        };
        let clean = soap.validate().unwrap();
        assert_eq!(clean.subjective, "咳が続く\n3日前から");
        assert_eq!(clean.summary(80), "急性上気道炎");
        assert!(!clean.is_blank());
        let bad = Soap {
            plan: "a\u{7}b".into(),
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err()[0].field, "plan");
        let long = Soap {
            objective: "あ".repeat(NOTE_SECTION_MAX + 1),
            ..Default::default()
        };
        assert_eq!(long.validate().unwrap_err()[0].code, "too_long");
        assert_eq!(Soap::default().summary(10), "");
        assert_eq!(
            Soap {
                subjective: "一二三四五六".into(),
                ..Default::default()
            }
            .summary(3),
            "一二三…"
        );
    }

    #[test]
    fn diffs_show_removed_and_added_lines_in_order() {
        use DiffLine::*;
        assert_eq!(
            line_diff("a\nb\nc\nd", "a\nc\nx\nd"),
            vec![
                Same("a".into()),
                Removed("b".into()),
                Same("c".into()),
                Added("x".into()),
                Same("d".into())
            ]
        );
        assert_eq!(line_diff("", "new"), vec![Added("new".into())]);
        assert_eq!(line_diff("same", "same"), vec![Same("same".into())]);
        // Over the table limit: common ends kept, middle replaced.
        let old: String = (0..2100).map(|i| format!("o{i}\n")).collect();
        let new: String = (0..2100).map(|i| format!("n{i}\n")).collect();
        let diff = line_diff(&format!("top\n{old}end"), &format!("top\n{new}end"));
        assert_eq!(diff.first(), Some(&Same("top".into())));
        assert_eq!(diff.last(), Some(&Same("end".into())));
        assert_eq!(diff.len(), 2 + 4200);
    }
}
