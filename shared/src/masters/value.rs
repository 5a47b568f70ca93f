//! Value types read from master columns: fixed-point decimals, dates with their sentinels, age
//! limits, and the small column accessor the typed records use.

use super::error::{FieldError, ImportErrorCode};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month};

/// A fixed-point decimal with two places, as the masters write 点数 and 金額
/// (`"291.00"` → `Hundredths(29100)`; `"10.10"` 円 → 1010, i.e. sen for prices). Exact: the masters
/// never have more than two decimals (checked: every decimal column of the 2024 s/y/t files), and
/// a value with more is rejected rather than rounded.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Hundredths(pub i64);

impl Hundredths {
    /// `digits[.d[d]]`; no sign, no exponent, at most 15 integer digits.
    pub fn parse(s: &str) -> Option<Self> {
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if int.is_empty()
            || int.len() > 15
            || frac.len() > 2
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (s.contains('.') && frac.is_empty())
        {
            return None;
        }
        let whole: i64 = int.parse().ok()?;
        let mut cents: i64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            let digit = i64::from(b - b'0');
            cents += if i == 0 { digit * 10 } else { digit };
        }
        whole.checked_mul(100)?.checked_add(cents).map(Self)
    }

    /// The value in hundredths (点×100, or 銭 for 円 amounts).
    pub fn get(self) -> i64 {
        self.0
    }

    /// The whole number, if there is no fractional part (`291.00` → 291).
    pub fn whole(self) -> Option<i64> {
        (self.0 % 100 == 0).then_some(self.0 / 100)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Hundredths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// A date column as written. The masters use `99999999` for "not abolished", `0` or `00000000`
/// for "no 経過措置", and leave 変更年月日 / 収載年月日 of old 傷病名・修飾語 empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawDate {
    Empty,
    Zero,
    Open,
    Day(Date),
}

impl RawDate {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "" => return Some(Self::Empty),
            "0" | "00000000" => return Some(Self::Zero),
            "99999999" => return Some(Self::Open),
            _ => {}
        }
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = s[..4].parse().ok()?;
        let month: u8 = s[4..6].parse().ok()?;
        let day: u8 = s[6..].parse().ok()?;
        let month = Month::try_from(month).ok()?;
        Date::from_calendar_date(year, month, day)
            .ok()
            .map(Self::Day)
    }

    /// The date, with every sentinel as `None`.
    pub(crate) fn day(self) -> Option<Date> {
        match self {
            Self::Day(d) => Some(d),
            _ => None,
        }
    }
}

/// Parses a master date column: `Some(date)` for `YYYYMMDD`, `None` for the sentinels
/// (`99999999`, `0`, `00000000`, empty). `Err(())` for anything else.
#[allow(clippy::result_unit_err)]
pub fn parse_master_date(s: &str) -> Result<Option<Date>, ()> {
    RawDate::parse(s).map(RawDate::day).ok_or(())
}

/// 下限年齢 / 上限年齢 (医科 項番41/42, 100-110; 特定器材 項番15/16). For an upper limit the
/// master stores "上限値＋１": the item is billable while age < the limit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeLimit {
    /// `00`: no limit.
    Unrestricted,
    /// `01`-`99` years.
    Years(u8),
    /// `AA`: 生後28日.
    Days28,
    /// `AE`: 生後90日.
    Days90,
    /// `B3`, `B6`, `BF`, `BK`: the first day of the month after the N-th birthday (N = 3, 6, 15, 20).
    MonthAfterBirthday(u8),
    /// `MG`: 未就学児.
    Preschool,
    /// Another two-character code not in the 2022 spec; kept as written.
    Other(String),
}

impl AgeLimit {
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some(match s {
            "00" => Self::Unrestricted,
            "AA" => Self::Days28,
            "AE" => Self::Days90,
            "B3" => Self::MonthAfterBirthday(3),
            "B6" => Self::MonthAfterBirthday(6),
            "BF" => Self::MonthAfterBirthday(15),
            "BK" => Self::MonthAfterBirthday(20),
            "MG" => Self::Preschool,
            _ if s.bytes().all(|b| b.is_ascii_digit()) => Self::Years(s.parse().ok()?),
            _ => Self::Other(s.to_string()),
        })
    }
}

/// Read access to a row's fields by 項番 (1-based), producing [`FieldError`]s.
pub(crate) struct Cols<'a>(pub(crate) &'a [String]);

impl<'a> Cols<'a> {
    /// The raw field; `""` when the column is absent (older, shorter layouts).
    pub(crate) fn raw(&self, col: usize) -> &'a str {
        col.checked_sub(1)
            .and_then(|i| self.0.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub(crate) fn has(&self, col: usize) -> bool {
        col >= 1 && col <= self.0.len()
    }

    pub(crate) fn text(&self, col: usize) -> String {
        self.raw(col).to_string()
    }

    /// A non-empty field, else `MissingValue`.
    pub(crate) fn required(&self, col: usize) -> Result<&'a str, FieldError> {
        let v = self.raw(col);
        if v.is_empty() {
            return Err(FieldError::new(
                col,
                ImportErrorCode::MissingValue,
                "値がありません",
            ));
        }
        Ok(v)
    }

    /// A code of exactly `len` digits.
    pub(crate) fn code(&self, col: usize, len: usize) -> Result<String, FieldError> {
        let v = self.required(col)?;
        if v.len() != len || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad_code(col, v, len));
        }
        Ok(v.to_string())
    }

    /// An optional code: empty → `None`, else exactly `len` digits.
    pub(crate) fn opt_code(&self, col: usize, len: usize) -> Result<Option<String>, FieldError> {
        if self.raw(col).is_empty() {
            return Ok(None);
        }
        self.code(col, len).map(Some)
    }

    /// A small unsigned integer (区分, 桁数, counts). Empty is an error.
    pub(crate) fn int<T: std::str::FromStr>(&self, col: usize) -> Result<T, FieldError> {
        let v = self.required(col)?;
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad_number(col, v));
        }
        v.parse().map_err(|_| bad_number(col, v))
    }

    pub(crate) fn fixed(&self, col: usize) -> Result<Hundredths, FieldError> {
        let v = self.required(col)?;
        Hundredths::parse(v).ok_or_else(|| bad_number(col, v))
    }

    /// Any date column: sentinels and empty → `None`.
    pub(crate) fn date(&self, col: usize) -> Result<Option<Date>, FieldError> {
        let v = self.raw(col);
        RawDate::parse(v)
            .map(RawDate::day)
            .ok_or_else(|| bad_date(col, v))
    }

    pub(crate) fn age(&self, col: usize) -> Result<AgeLimit, FieldError> {
        let v = self.required(col)?;
        AgeLimit::parse(v).ok_or_else(|| {
            FieldError::new(
                col,
                ImportErrorCode::BadValue,
                format!("年齢は2桁の英数字です（「{}」）", clip(v)),
            )
        })
    }
}

/// Shortens a value quoted in a message, so one bad row cannot make a megabyte-long error.
pub(crate) fn clip(v: &str) -> String {
    const MAX: usize = 40;
    if v.chars().count() <= MAX {
        v.to_string()
    } else {
        let mut s: String = v.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

pub(crate) fn bad_number(col: usize, v: &str) -> FieldError {
    FieldError::new(
        col,
        ImportErrorCode::BadNumber,
        format!("数値が正しくありません（「{}」）", clip(v)),
    )
}

pub(crate) fn bad_date(col: usize, v: &str) -> FieldError {
    FieldError::new(
        col,
        ImportErrorCode::BadDate,
        format!(
            "日付が正しくありません（「{}」）。YYYYMMDD または 99999999 で記録されている必要があります",
            clip(v)
        ),
    )
}

pub(crate) fn bad_code(col: usize, v: &str, len: usize) -> FieldError {
    FieldError::new(
        col,
        ImportErrorCode::BadCode,
        format!("コードは数字{len}桁です（「{}」）", clip(v)),
    )
}

pub(crate) fn bad_value(col: usize, v: &str, what: &str) -> FieldError {
    FieldError::new(
        col,
        ImportErrorCode::BadValue,
        format!("{what}の値が正しくありません（「{}」）", clip(v)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn hundredths_parse_exactly() {
        assert_eq!(Hundredths::parse("291.00"), Some(Hundredths(29100)));
        assert_eq!(Hundredths::parse("10.10"), Some(Hundredths(1010)));
        assert_eq!(Hundredths::parse("10.1"), Some(Hundredths(1010)));
        assert_eq!(Hundredths::parse("0"), Some(Hundredths(0)));
        assert_eq!(
            Hundredths::parse("123456789012.34"),
            Some(Hundredths(12345678901234))
        );
        for bad in [
            "",
            ".5",
            "1.",
            "1.234",
            "-1.00",
            "1,00",
            "１.00",
            "1e3",
            "9999999999999999",
        ] {
            assert_eq!(Hundredths::parse(bad), None, "{bad}");
        }
        assert_eq!(Hundredths(29100).to_string(), "291.00");
        assert_eq!(Hundredths(5).to_string(), "0.05");
        assert_eq!(Hundredths(29100).whole(), Some(291));
        assert_eq!(Hundredths(1010).whole(), None);
    }

    #[test]
    fn dates_and_sentinels() {
        assert_eq!(
            parse_master_date("20240601"),
            Ok(Some(date!(2024 - 06 - 01)))
        );
        for s in ["99999999", "0", "00000000", ""] {
            assert_eq!(parse_master_date(s), Ok(None), "{s}");
        }
        for s in [
            "20240231",
            "2024061",
            "202406011",
            "2024-6-1",
            "abcdefgh",
            "20241301",
        ] {
            assert_eq!(parse_master_date(s), Err(()), "{s}");
        }
    }

    #[test]
    fn age_limits() {
        assert_eq!(AgeLimit::parse("00"), Some(AgeLimit::Unrestricted));
        assert_eq!(AgeLimit::parse("06"), Some(AgeLimit::Years(6)));
        assert_eq!(AgeLimit::parse("AA"), Some(AgeLimit::Days28));
        assert_eq!(
            AgeLimit::parse("BK"),
            Some(AgeLimit::MonthAfterBirthday(20))
        );
        assert_eq!(AgeLimit::parse("MG"), Some(AgeLimit::Preschool));
        assert_eq!(AgeLimit::parse("ZZ"), Some(AgeLimit::Other("ZZ".into())));
        assert_eq!(AgeLimit::parse("6"), None);
        assert_eq!(AgeLimit::parse("ＡＡ"), None);
    }
}
