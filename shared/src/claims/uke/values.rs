//! The UKE file's value types: dates and months (西暦 written, 和暦 also read), exact decimals
//! for 使用量 and 単価, and the 31 day columns.
//!
//! 記録条件仕様（医科）令和4年4月版 第1章 3(3)ウ(エ): "対象の年の記録に当たっては西暦を使用し" —
//! 年月 `YYYYMM` (6 bytes), 年月日 `YYYYMMDD` (8 bytes). Files made before that rule (the 2018–2019
//! samples) carry 和暦 `GYYMM` / `GYYMMDD` with the 年号区分 of the former 別表4 (now 削除):
//! 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和. The length tells them apart (5/7 digits 和暦, 6/8 西暦).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::{Date, Month};

/// The first Gregorian year of each 年号 (元年), indexed by the 年号区分 code 1–5.
const ERA_FIRST_YEAR: [(u8, i32); 5] = [(1, 1868), (2, 1912), (3, 1926), (4, 1989), (5, 2019)];

/// The Gregorian year of 和暦 `era` (年号区分 1–5) year `yy` (1 = 元年). The era's end is not
/// checked: a file saying 平成31年5月 is read as 2019-05, as the systems that wrote it meant.
fn era_year(era: u8, yy: i32) -> Option<i32> {
    let (_, first) = ERA_FIRST_YEAR.iter().find(|(code, _)| *code == era)?;
    (yy >= 1).then_some(first + yy - 1)
}

fn digits(text: &str) -> Option<i32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A 年月日 of the file (生年月日, 診療開始日, 入院年月日): a Gregorian date with a four-digit year
/// (1–9999). Written `YYYYMMDD`; read from `YYYYMMDD` or 和暦 `GYYMMDD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UkeDate(Date);

impl UkeDate {
    /// 1900-01-01: written where a date could not be read, beside a problem that says so.
    pub const PLACEHOLDER: UkeDate = match Date::from_ordinal_date(1900, 1) {
        Ok(d) => UkeDate(d),
        Err(_) => UkeDate(Date::MIN),
    };

    /// `None` when the year is outside 1–9999 (the file has four digits for it).
    pub fn from_date(date: Date) -> Option<Self> {
        (1..=9999).contains(&date.year()).then_some(Self(date))
    }

    /// `None` for a date that does not exist or a year outside 1–9999.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Self> {
        let month = Month::try_from(month).ok()?;
        Self::from_date(Date::from_calendar_date(year, month, day).ok()?)
    }

    pub fn date(self) -> Date {
        self.0
    }

    /// Reads `YYYYMMDD` (西暦) or `GYYMMDD` (和暦); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, rest) = match text.len() {
            8 => (digits(text.get(..4)?)?, text.get(4..)?),
            7 => {
                let era = u8::try_from(digits(text.get(..1)?)?).ok()?;
                (era_year(era, digits(text.get(1..3)?)?)?, text.get(3..)?)
            }
            _ => return None,
        };
        let month = u8::try_from(digits(rest.get(..2)?)?).ok()?;
        let day = u8::try_from(digits(rest.get(2..)?)?).ok()?;
        Self::from_ymd(year, month, day)
    }

    /// `YYYYMMDD`, as the file wants it.
    pub fn to_uke(self) -> String {
        format!(
            "{:04}{:02}{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl fmt::Display for UkeDate {
    /// ISO 8601 (`2018-11-27`), the form it has in JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl Serialize for UkeDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UkeDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut parts = text.split('-');
        let parsed = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), Some(day), None)
                if y.len() == 4 && m.len() == 2 && day.len() == 2 =>
            {
                match (digits(y), digits(m), digits(day)) {
                    (Some(y), Some(m), Some(day)) => Self::from_ymd(
                        y,
                        u8::try_from(m).unwrap_or(0),
                        u8::try_from(day).unwrap_or(0),
                    ),
                    _ => None,
                }
            }
            _ => None,
        };
        parsed.ok_or_else(|| serde::de::Error::custom("日付は YYYY-MM-DD です"))
    }
}

/// A 年月 of the file (請求年月, 診療年月). Written `YYYYMM`; read from `YYYYMM` or 和暦 `GYYMM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UkeMonth {
    year: u16,
    month: u8,
}

impl UkeMonth {
    /// `None` unless the year is 1–9999 and the month 1–12.
    pub fn new(year: u16, month: u8) -> Option<Self> {
        ((1..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// Reads `YYYYMM` (西暦) or `GYYMM` (和暦); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, rest) = match text.len() {
            6 => (digits(text.get(..4)?)?, text.get(4..)?),
            5 => {
                let era = u8::try_from(digits(text.get(..1)?)?).ok()?;
                (era_year(era, digits(text.get(1..3)?)?)?, text.get(3..)?)
            }
            _ => return None,
        };
        Self::new(u16::try_from(year).ok()?, u8::try_from(digits(rest)?).ok()?)
    }

    /// `YYYYMM`, as the file wants it.
    pub fn to_uke(self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }
}

impl fmt::Display for UkeMonth {
    /// `2018-11`, the form it has in JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for UkeMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UkeMonth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.split_once('-')
            .filter(|(y, m)| y.len() == 4 && m.len() == 2)
            .and_then(|(y, m)| {
                Self::new(
                    u16::try_from(digits(y)?).ok()?,
                    u8::try_from(digits(m)?).ok()?,
                )
            })
            .ok_or_else(|| serde::de::Error::custom("年月は YYYY-MM です"))
    }
}

/// An exact, non-negative decimal with at most `INT` integer and `FRAC` fraction digits, held as
/// a whole number of 10^-`FRAC` (never a float). Written as the spec's 可変 数字 wants it: no
/// leading zeros, no trailing fraction zeros, no point for a whole number (`1.5`, `3`, `0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UkeDecimal<const INT: u32, const FRAC: u32>(u64);

/// IY 使用量: 整数部5桁, 小数部5桁 (記録条件仕様 第1章 3(4)オ(イ) 医薬品レコード 項目5).
pub type DrugAmount = UkeDecimal<5, 5>;
/// TO 使用量: 整数部5桁, 小数部3桁 (同 オ(ウ) 特定器材レコード 項目5).
pub type DeviceAmount = UkeDecimal<5, 3>;
/// TO 単価 (円): 整数部8桁, 小数部2桁 (同 特定器材レコード 項目9).
pub type DevicePrice = UkeDecimal<8, 2>;

impl<const INT: u32, const FRAC: u32> UkeDecimal<INT, FRAC> {
    const SCALE: u64 = 10u64.pow(FRAC);
    const LIMIT: u64 = 10u64.pow(INT + FRAC);

    /// `units` of 10^-`FRAC` (for [`DrugAmount`], 1/100000); `None` past `INT` integer digits.
    pub fn from_units(units: u64) -> Option<Self> {
        (units < Self::LIMIT).then_some(Self(units))
    }

    /// A whole number; `None` past `INT` digits.
    pub fn whole(n: u64) -> Option<Self> {
        Self::from_units(n.checked_mul(Self::SCALE)?)
    }

    /// The value in units of 10^-`FRAC`.
    pub fn units(self) -> u64 {
        self.0
    }

    /// Reads `123`, `1.5`, `0.00125` (leading and trailing zeros accepted); `None` for anything
    /// else, or for more than `INT` integer or `FRAC` fraction digits.
    pub fn parse(text: &str) -> Option<Self> {
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty()
            || !all_digits(int)
            || !all_digits(frac)
            || (text.contains('.') && frac.is_empty())
            || frac.len() > FRAC as usize
        {
            return None;
        }
        let int = int.trim_start_matches('0');
        if int.len() > INT as usize {
            return None;
        }
        let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut units = whole.checked_mul(Self::SCALE)?;
        if !frac.is_empty() {
            let f: u64 = frac.parse().ok()?;
            units += f * 10u64.pow(FRAC - frac.len() as u32);
        }
        Self::from_units(units)
    }
}

impl<const INT: u32, const FRAC: u32> fmt::Display for UkeDecimal<INT, FRAC> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / Self::SCALE;
        let frac = self.0 % Self::SCALE;
        if frac == 0 {
            return write!(f, "{whole}");
        }
        let digits = format!("{frac:0width$}", width = FRAC as usize);
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

impl<const INT: u32, const FRAC: u32> Serialize for UkeDecimal<INT, FRAC> {
    /// As a string (`"1.5"`), so JSON never turns it into a float.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de, const INT: u32, const FRAC: u32> Deserialize<'de> for UkeDecimal<INT, FRAC> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "整数部{INT}桁・小数部{FRAC}桁までの数を文字列で書きます"
            ))
        })
    }
}

/// 算定日情報 (SI/IY/TO): the 回数 on each day 1–31 of the month, `None` where the day is not
/// recorded. Index 0 is the 1st.
pub type DayCounts = [Option<u16>; 31];

/// The sum of the day columns, which must equal the record's 回数 (記録条件仕様 第1章 3(4)オ(ア)
/// 診療行為レコード 回数 備考: "算定日情報の１日の情報から３１日の情報の合計値と一致する").
pub fn day_total(days: &DayCounts) -> u32 {
    days.iter().flatten().map(|n| u32::from(*n)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wareki_and_seireki_read_to_the_same_date() {
        let d = UkeDate::parse("4301127").unwrap();
        assert_eq!(d, UkeDate::parse("20181127").unwrap());
        assert_eq!(d.to_uke(), "20181127");
        assert_eq!(UkeDate::parse("5010501").unwrap().to_uke(), "20190501");
        assert_eq!(UkeDate::parse("3640101").unwrap().to_uke(), "19890101");
        assert_eq!(UkeDate::parse("1450730").unwrap().to_uke(), "19120730");
        for bad in [
            "",
            "20180230",
            "6010101",
            "4000101",
            "430112",
            "2018112a",
            "０１２３４５６",
        ] {
            assert_eq!(UkeDate::parse(bad), None, "{bad}");
        }
        assert_eq!(UkeMonth::parse("43011").unwrap().to_uke(), "201811");
        assert_eq!(UkeMonth::parse("202404").unwrap().to_string(), "2024-04");
        for bad in ["", "201813", "4301", "43013", "000001", "2018-1"] {
            assert_eq!(UkeMonth::parse(bad), None, "{bad}");
        }
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, "\"2018-11-27\"");
        assert_eq!(serde_json::from_str::<UkeDate>(&json).unwrap(), d);
        let m = UkeMonth::new(2019, 1).unwrap();
        assert_eq!(serde_json::from_str::<UkeMonth>("\"2019-01\"").unwrap(), m);
    }

    #[test]
    fn decimals_are_exact_and_written_without_spare_zeros() {
        let a = DrugAmount::parse("1.50").unwrap();
        assert_eq!(a.units(), 150_000);
        assert_eq!(a.to_string(), "1.5");
        assert_eq!(DrugAmount::parse("003").unwrap().to_string(), "3");
        assert_eq!(DrugAmount::parse("0.00001").unwrap().units(), 1);
        assert_eq!(DrugAmount::parse("0").unwrap().to_string(), "0");
        assert_eq!(
            DrugAmount::parse("99999.99999").unwrap().units(),
            9_999_999_999
        );
        for bad in [
            "", ".5", "5.", "1.000001", "100000", "1,5", "-1", "1e3", "1.2.3",
        ] {
            assert_eq!(DrugAmount::parse(bad), None, "{bad}");
        }
        assert_eq!(DeviceAmount::parse("0.0001"), None);
        assert_eq!(
            DevicePrice::parse("12345678.9").unwrap().to_string(),
            "12345678.9"
        );
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"1.5\"");
        assert_eq!(DrugAmount::whole(100_000), None);
        assert_eq!(day_total(&[Some(2); 31]), 62);
    }
}
