//! Japanese text and dates as the front desk meets them: カナ in every width and size, and
//! 和暦 beside 西暦.

use time::{Date, Month};

/// Half-width katakana (U+FF66–U+FF9D) to full width, in table order.
const HALF: &str = "ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ";
const FULL: &str = "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";

fn voiced(c: char) -> Option<char> {
    // A kana and its dakuten form are adjacent code points for カ–ト and ハ–ホ; ウ→ヴ is separate.
    match c {
        'カ' | 'キ' | 'ク' | 'ケ' | 'コ' | 'サ' | 'シ' | 'ス' | 'セ' | 'ソ' | 'タ' | 'チ'
        | 'ツ' | 'テ' | 'ト' | 'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => {
            char::from_u32(c as u32 + 1)
        }
        'ウ' => Some('ヴ'),
        _ => None,
    }
}

fn semi_voiced(c: char) -> Option<char> {
    match c {
        'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => char::from_u32(c as u32 + 2),
        _ => None,
    }
}

fn large(c: char) -> char {
    match c {
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ッ' => 'ツ',
        'ャ' => 'ヤ',
        'ュ' => 'ユ',
        'ョ' => 'ヨ',
        'ヮ' => 'ワ',
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        other => other,
    }
}

/// The form カナ are compared in: katakana, full width, small kana made large, hiragana made
/// katakana, half-width voiced marks joined, spaces and separators removed. Other text passes
/// through (uppercased for Latin letters), so a search for a patient number still works.
pub fn normalize_kana(input: &str) -> String {
    convert(input, true)
}

/// Whether `text`, normalised as [`normalize_kana`] does, starts with `key` (already
/// normalised). Normalises only as much of `text` as the comparison needs, so a search over
/// every row of a master stays cheap.
pub fn normalized_starts_with(text: &str, key: &str) -> bool {
    let wanted = key.chars().count();
    let total = text.chars().count();
    // Normalising never lengthens text; one more character than the key settles a voiced mark
    // that would join the key's last character.
    let mut take = wanted + 2;
    loop {
        let prefix: String = text.chars().take(take).collect();
        let normalized = normalize_kana(&prefix);
        if take >= total || normalized.chars().count() > wanted {
            return normalized.starts_with(key);
        }
        take *= 2;
    }
}

/// The form カナ are stored and shown in: full-width katakana (hiragana and half-width kana
/// converted, voiced marks joined), small kana kept, one half-width space between words.
pub fn katakana(input: &str) -> String {
    convert(input, false)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn convert(input: &str, for_search: bool) -> String {
    let half: Vec<char> = HALF.chars().collect();
    let full: Vec<char> = FULL.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(input.len());
    for c in input.chars() {
        let c = match c {
            // hiragana ぁ–ゖ → katakana
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            'ﾞ' | '\u{3099}' | '゛' => {
                if let Some(v) = out.last().copied().and_then(voiced) {
                    out.pop();
                    out.push(v);
                }
                continue;
            }
            'ﾟ' | '\u{309A}' | '゜' => {
                if let Some(v) = out.last().copied().and_then(semi_voiced) {
                    out.pop();
                    out.push(v);
                }
                continue;
            }
            ' ' | '\u{3000}' if !for_search => ' ',
            ' ' | '\u{3000}' | '・' | '･' => continue,
            c if half.contains(&c) => full[half.iter().position(|h| *h == c).unwrap_or(0)],
            'ｰ' => 'ー',
            c if for_search => c.to_ascii_uppercase(),
            c => c,
        };
        out.push(if for_search { large(c) } else { c });
    }
    out.into_iter().collect()
}

/// Whether `text` looks like カナ (after normalisation, only katakana and the long-vowel mark).
pub fn is_kana(text: &str) -> bool {
    let n = normalize_kana(text);
    !n.is_empty()
        && n.chars()
            .all(|c| ('\u{30A1}'..='\u{30FA}').contains(&c) || c == 'ー')
}

/// 和暦 eras, newest first: name, the Gregorian year of its 元年, and the first day shown in it
/// (明治 from 1873, when Japan adopted the Gregorian calendar).
const ERAS: [(&str, i32, i32, Month, u8); 5] = [
    ("令和", 2019, 2019, Month::May, 1),
    ("平成", 1989, 1989, Month::January, 8),
    ("昭和", 1926, 1926, Month::December, 25),
    ("大正", 1912, 1912, Month::July, 30),
    ("明治", 1868, 1873, Month::January, 1),
];

/// `令和8年11月24日` (元年 for the first year). Dates before 1873 (the Gregorian calendar in
/// Japan) are shown in 西暦 only.
pub fn wareki(date: Date) -> String {
    for (name, first_year, y, m, d) in ERAS {
        let Ok(start) = Date::from_calendar_date(y, m, d) else {
            continue;
        };
        if date >= start {
            let year = date.year() - first_year + 1;
            let year = if year == 1 {
                "元".to_string()
            } else {
                year.to_string()
            };
            return format!("{name}{year}年{}月{}日", date.month() as u8, date.day());
        }
    }
    format!("{}年{}月{}日", date.year(), date.month() as u8, date.day())
}

/// A full-width digit (０–９) as its ASCII digit; any other character unchanged.
pub fn halfwidth_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        c => c,
    }
}

/// `input` with full-width digits made ASCII (what people type with an IME on).
pub fn to_halfwidth_digits(input: &str) -> String {
    input.chars().map(halfwidth_digit).collect()
}

/// The years a date typed into Karte may have: from 明治 (1868, the first era a birth date or
/// 資格取得日 can be written in) to 2199. Anything outside is a typo (`0024-06-01`), never a
/// date of a record.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1868..=2199;

/// A date as people type it, within [`DATE_YEARS`]: `YYYY-MM-DD` (or with `/`), `YYYYMMDD`,
/// 和暦 with the era's letter (`S55.4.1`, `R2/4/1`, `h1-1-8`) or its name (`昭和55年4月1日`,
/// `令和元年5月1日`), and ORCA's era digits (`3550401`: 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和, then
/// YYMMDD); full-width digits and letters too. A 和暦 date must lie in its era (平成31年5月1日 is
/// 令和元年5月1日, and is refused as typed).
pub fn parse_date(input: &str) -> Option<Date> {
    let text: String = input
        .trim()
        .chars()
        .map(|c| match halfwidth_digit(c) {
            '／' | '/' | '－' | '.' | '．' | '-' => '-',
            c @ 'Ａ'..='Ｚ' | c @ 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 'Ａ' as u32 + 'A' as u32)
                    .map_or(c, |c| c.to_ascii_uppercase())
            }
            c => c.to_ascii_uppercase(),
        })
        .collect();
    if let Some(date) = parse_wareki(&text) {
        return Some(date);
    }
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (y, m, d) = if text.len() == 8 && digits(&text) {
        (&text[..4], &text[4..6], &text[6..])
    } else {
        let mut parts = text.split('-');
        let parts = (parts.next()?, parts.next()?, parts.next()?, parts.next());
        if parts.3.is_some() {
            return None;
        }
        (parts.0, parts.1, parts.2)
    };
    if y.len() != 4 || !digits(y) || !digits(m) || !digits(d) {
        return None;
    }
    let year: i32 = y.parse().ok().filter(|y| DATE_YEARS.contains(y))?;
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year, month, d.parse().ok()?).ok()
}

/// The era letters as ORCA and the 保険証 write them, and ORCA's era digits: (letter, digit,
/// name).
const ERA_KEYS: [(char, char, &str); 5] = [
    ('M', '1', "明治"),
    ('T', '2', "大正"),
    ('S', '3', "昭和"),
    ('H', '4', "平成"),
    ('R', '5', "令和"),
];

/// 和暦 input, normalised by [`parse_date`] (separators as `-`, letters upper case).
fn parse_wareki(text: &str) -> Option<Date> {
    let (name, rest): (&str, String) =
        if let Some((_, _, name)) = ERA_KEYS.iter().find(|(_, _, name)| text.starts_with(name)) {
            let rest = text[name.len()..]
                .replace(['年', '月'], "-")
                .replace('日', "");
            (name, rest)
        } else if let Some((_, _, name)) = ERA_KEYS
            .iter()
            .find(|(letter, _, _)| text.starts_with(*letter))
        {
            (name, text[1..].to_string())
        } else if text.len() == 7 && text.bytes().all(|b| b.is_ascii_digit()) {
            let (_, _, name) = ERA_KEYS
                .iter()
                .find(|(_, digit, _)| text.starts_with(*digit))?;
            (
                name,
                format!("{}-{}-{}", &text[1..3], &text[3..5], &text[5..]),
            )
        } else {
            return None;
        };
    let mut parts = rest.trim_end_matches('-').split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    // One or two digits each (元 for the first year): no sign, nothing that could overflow.
    let small = |t: &str| -> Option<u8> {
        (matches!(t.len(), 1 | 2) && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let year = i32::from(if y == "元" { 1 } else { small(y)? });
    let (_, first_year, ..) = ERAS.iter().find(|(n, ..)| *n == name)?;
    let date = Date::from_calendar_date(
        first_year + year - 1,
        Month::try_from(small(m)?).ok()?,
        small(d)?,
    )
    .ok()?;
    // Within its era: from its first day (明治: 1868) to the day before the next era.
    let index = ERAS.iter().position(|(n, ..)| *n == name)?;
    let (_, first, ..) = ERAS[index];
    let start = match name {
        "明治" => Date::from_calendar_date(first, Month::January, 1).ok()?,
        _ => {
            let (_, _, y, m, d) = ERAS[index];
            Date::from_calendar_date(y, m, d).ok()?
        }
    };
    let next = index
        .checked_sub(1)
        .and_then(|i| Date::from_calendar_date(ERAS[i].2, ERAS[i].3, ERAS[i].4).ok());
    (year >= 1
        && date >= start
        && next.is_none_or(|n| date < n)
        && DATE_YEARS.contains(&date.year()))
    .then_some(date)
}

/// A server timestamp (RFC 3339: `2026-11-24T05:06:07.123Z`, or with an offset) in Japan
/// Standard Time as `YYYY-MM-DD HH:MM:SS`; `None` when it is not such a timestamp. For printed
/// documents, which state the time in Japan whatever the machine that prints them.
pub fn jst_timestamp(rfc3339: &str) -> Option<String> {
    let b = rfc3339.as_bytes();
    if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = rfc3339.get(..10)?;
    if !day.bytes().enumerate().all(|(i, c)| match i {
        4 | 7 => c == b'-',
        _ => c.is_ascii_digit(),
    }) {
        return None;
    }
    let month = time::Month::try_from(day.get(5..7)?.parse::<u8>().ok()?).ok()?;
    let date = Date::from_calendar_date(
        day.get(..4)?.parse().ok()?,
        month,
        day.get(8..10)?.parse().ok()?,
    )
    .ok()?;
    let num = |at: usize| -> Option<u8> {
        let two = rfc3339.get(at..at + 2)?;
        two.bytes().all(|c| c.is_ascii_digit()).then_some(())?;
        two.parse().ok()
    };
    let at = date.with_hms(num(11)?, num(14)?, num(17)?).ok()?;
    let mut rest = rfc3339.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = frac.get(digits..)?;
    }
    let offset = if rest == "Z" {
        time::UtcOffset::UTC
    } else {
        let sign: i8 = match rest.as_bytes().first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let (h, m) = (rest.get(1..3)?, rest.get(4..6)?);
        if rest.len() != 6 || rest.as_bytes()[3] != b':' {
            return None;
        }
        if !h.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
        time::UtcOffset::from_hms(sign * h, sign * m, 0).ok()?
    };
    let jst = time::UtcOffset::from_hms(9, 0, 0).ok()?;
    let t = at.assume_offset(offset).checked_to_offset(jst)?;
    Some(format!(
        "{} {:02}:{:02}:{:02}",
        format_date(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// [`jst_timestamp`], or the text as given when it is not a server timestamp.
pub fn jst_or_raw(rfc3339: &str) -> String {
    jst_timestamp(rfc3339).unwrap_or_else(|| rfc3339.to_string())
}

/// `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month() as u8,
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_timestamps_read_in_japan_time() {
        assert_eq!(
            jst_timestamp("2026-11-24T05:06:07.123456Z").as_deref(),
            Some("2026-11-24 14:06:07")
        );
        assert_eq!(
            jst_timestamp("2026-12-31T20:00:00Z").as_deref(),
            Some("2027-01-01 05:00:00")
        );
        assert_eq!(
            jst_timestamp("2026-11-24T14:06:07+09:00").as_deref(),
            Some("2026-11-24 14:06:07")
        );
        for bad in [
            "",
            "2026-11-24",
            "2026-11-24T05:06:07",
            "2026-11-24T25:06:07Z",
            "2026-11-24T05:06:07.Z",
            "2026-11-24T05:06:07+9:00",
            "2026-02-30T05:06:07Z",
            "２０２６-11-24T05:06:07Z",
            // Past the last date the calendar type holds once in Japan time.
            "9999-12-31T20:00:00Z",
        ] {
            assert_eq!(jst_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_are_read_as_people_type_them() {
        let want = date!(1980 - 04 - 01);
        for input in [
            "1980-04-01",
            "1980/4/1",
            "19800401",
            "１９８０－０４－０１",
            "S55.4.1",
            "s55/4/1",
            "Ｓ５５．４．１",
            "昭和55年4月1日",
            "3550401",
        ] {
            assert_eq!(parse_date(input), Some(want), "{input}");
        }
        assert_eq!(parse_date("R2.4.1"), Some(date!(2020 - 04 - 01)));
        assert_eq!(parse_date("令和元年5月1日"), Some(date!(2019 - 05 - 01)));
        assert_eq!(parse_date("H1.1.8"), Some(date!(1989 - 01 - 08)));
        assert_eq!(parse_date("5010501"), Some(date!(2019 - 05 - 01)));
        assert_eq!(parse_date("M45.7.29"), Some(date!(1912 - 07 - 29)));
        for wrong in [
            "H31.5.1",  // 令和元年5月1日
            "R1.4.30",  // 平成31年
            "S64.1.8",  // 平成元年
            "S0.1.1",   // no year 0
            "X55.4.1",  // no such era
            "6550401",  // no such era digit
            "S55.13.1", // no 13th month
            "1980041",  // seven digits, not an era digit first… 1 is 明治: 明治98 is out of it
            "1980-04-01-01",
            "S55.4",
            "S2147483647.1.1",
            "S+55.+4.+1",
            "",
        ] {
            assert_eq!(parse_date(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn dates_outside_the_years_of_records_are_refused() {
        for (input, ok) in [
            ("1868-01-01", true),
            ("2199-12-31", true),
            ("1867-12-31", false),
            ("0000-01-01", false),
            ("2200-01-01", false),
            ("2024-02-29", true),
            ("2023-02-29", false),
            ("2024-13-01", false),
            ("+999-01-01", false),
        ] {
            assert_eq!(parse_date(input).is_some(), ok, "{input}");
        }
    }
    use time::macros::date;

    #[test]
    fn a_prefix_check_agrees_with_normalising_the_whole_text() {
        for (text, key, want) in [
            ("アムロジピン錠２．５ｍｇ", "アムロジ", true),
            ("ｱﾑﾛｼﾞﾋﾟﾝ", "アムロジピン", true),
            ("ﾊﾞﾙｻﾙﾀﾝ", "ハ", false),
            ("ﾊﾞﾙｻﾙﾀﾝ", "バ", true),
            ("ロキソ プロフェン", "ロキソプ", true),
            ("ア", "アム", false),
            ("", "ア", false),
        ] {
            assert_eq!(normalized_starts_with(text, key), want, "{text} {key}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_prefix_check_is_the_whole_comparison(
            text in "[ｱ-ﾝﾞﾟ ・アイウガパャッーａｍ]{0,12}",
            key in "[アイウガパヤツーＡＭ]{1,4}",
        ) {
            proptest::prop_assert_eq!(
                normalized_starts_with(&text, &key),
                normalize_kana(&text).starts_with(&key)
            );
        }
    }

    #[test]
    fn kana_of_every_width_and_size_compare_equal() {
        for (input, want) in [
            ("ヤマダ タロウ", "ヤマダタロウ"),
            ("やまだ　たろう", "ヤマダタロウ"),
            ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"),
            ("ｷｯﾄﾞ", "キツド"),
            ("キッド", "キツド"),
            ("ﾊﾟﾝ", "パン"),
            ("ｳﾞｨｰﾅｽ", "ヴイーナス"),
            ("ジョウ", "ジヨウ"),
            ("ｼﾞｮｳ", "ジヨウ"),
            ("p0001", "P0001"),
        ] {
            assert_eq!(normalize_kana(input), want, "{input}");
        }
        assert_eq!(katakana("ｶｸｳ　ﾊﾅｺ"), "カクウ ハナコ");
        assert_eq!(katakana("きっど  じょう"), "キッド ジョウ");
        assert!(is_kana("ﾔﾏﾀﾞ"));
        assert!(is_kana("やまだ"));
        assert!(!is_kana("山田"));
        assert!(!is_kana("1234"));
    }

    #[test]
    fn wareki_at_era_boundaries() {
        assert_eq!(wareki(date!(2026 - 11 - 24)), "令和8年11月24日");
        assert_eq!(wareki(date!(2019 - 05 - 01)), "令和元年5月1日");
        assert_eq!(wareki(date!(2019 - 04 - 30)), "平成31年4月30日");
        assert_eq!(wareki(date!(1989 - 01 - 07)), "昭和64年1月7日");
        assert_eq!(wareki(date!(1989 - 01 - 08)), "平成元年1月8日");
        assert_eq!(wareki(date!(1926 - 12 - 25)), "昭和元年12月25日");
        assert_eq!(wareki(date!(1912 - 07 - 29)), "明治45年7月29日");
    }

    #[test]
    fn dates_parse_in_either_width() {
        assert_eq!(parse_date("1980-06-15"), Some(date!(1980 - 06 - 15)));
        assert_eq!(
            parse_date("１９８０／０６／１５"),
            Some(date!(1980 - 06 - 15))
        );
        assert_eq!(parse_date("1980-02-30"), None);
        assert_eq!(parse_date("80-06-15"), None);
        assert_eq!(format_date(date!(2026 - 01 - 05)), "2026-01-05");
    }
}
