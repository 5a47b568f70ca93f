//! The engine's reading of the masters' age limits ([`AgeLimit`]: 医科 項番41 下限年齢
//! "算定可能な年齢 ≧ 下限年齢", 項番42 上限年齢 "算定可能な年齢 ＜ 上限年齢"; マスターファイル仕様説明書
//! 令和4年4月). The codes are parsed by `masters`; what they mean for a patient on a date is here.

use crate::domain::insurance::{age_on, preschool_until};
use crate::masters::AgeLimit;
use time::{Date, Duration, Month};

/// Age checks on a master [`AgeLimit`].
pub(crate) trait AgeLimitExt {
    /// Has a person born on `birth` reached this limit on `on`? `None` when there is nothing to
    /// check: `00` (no limit) or a code outside the 2022 spec ([`AgeLimit::Other`]).
    fn reached(&self, birth: Date, on: Date) -> Option<bool>;

    /// The limit as a noun for messages ("6歳", "生後28日", "3歳に達した日の翌月" …), to be
    /// followed by 以上 / 未満.
    fn label_ja(&self) -> String;
}

impl AgeLimitExt for AgeLimit {
    fn reached(&self, birth: Date, on: Date) -> Option<bool> {
        Some(match self {
            AgeLimit::Unrestricted | AgeLimit::Other(_) => return None,
            AgeLimit::Years(n) => age_on(birth, on) >= i32::from(*n),
            AgeLimit::Days28 => on - birth >= Duration::days(28),
            AgeLimit::Days90 => on - birth >= Duration::days(90),
            AgeLimit::MonthAfterBirthday(n) => {
                month_after_reaching(birth, *n).is_some_and(|d| on >= d)
            }
            // 未就学児: until the first 31 March after reaching 6.
            AgeLimit::Preschool => preschool_until(birth).is_some_and(|end| on > end),
        })
    }

    fn label_ja(&self) -> String {
        match self {
            AgeLimit::Unrestricted => "年齢制限なし".to_string(),
            AgeLimit::Years(n) => format!("{n}歳"),
            AgeLimit::Days28 => "生後28日".to_string(),
            AgeLimit::Days90 => "生後90日".to_string(),
            AgeLimit::MonthAfterBirthday(n) => format!("{n}歳に達した日の翌月"),
            AgeLimit::Preschool => "就学".to_string(),
            AgeLimit::Other(code) => format!("年齢コード「{code}」"),
        }
    }
}

/// The 1st of the month after the day a person reaches `years` (the day before that birthday;
/// for 29 February births in common years, 28 February).
fn month_after_reaching(birth: Date, years: u8) -> Option<Date> {
    let year = birth.year() + i32::from(years);
    let birthday = Date::from_calendar_date(year, birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
        .ok()?;
    let reach = birthday.previous_day()?;
    let (y, m) = if reach.month() == Month::December {
        (reach.year() + 1, Month::January)
    } else {
        (reach.year(), reach.month().next())
    };
    Date::from_calendar_date(y, m, 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn age_limits_are_reached_as_the_master_codes_say() {
        let birth = date!(2018 - 07 - 10);
        let six = AgeLimit::Years(6);
        assert_eq!(six.reached(birth, date!(2024 - 07 - 09)), Some(false));
        assert_eq!(six.reached(birth, date!(2024 - 07 - 10)), Some(true));
        // Reaches 6 on 9 July 2024 → B6 from 1 August 2024.
        let b6 = AgeLimit::parse("B6").unwrap();
        assert_eq!(b6.reached(birth, date!(2024 - 07 - 31)), Some(false));
        assert_eq!(b6.reached(birth, date!(2024 - 08 - 01)), Some(true));
        let aa = AgeLimit::parse("AA").unwrap();
        assert_eq!(aa.reached(birth, date!(2018 - 08 - 06)), Some(false));
        assert_eq!(aa.reached(birth, date!(2018 - 08 - 07)), Some(true));
        let ae = AgeLimit::Days90;
        assert_eq!(ae.reached(birth, date!(2018 - 10 - 07)), Some(false));
        assert_eq!(ae.reached(birth, date!(2018 - 10 - 08)), Some(true));
        // Preschool until 31 March 2025 (reaches 6 on 9 July 2024).
        let mg = AgeLimit::parse("MG").unwrap();
        assert_eq!(mg.reached(birth, date!(2025 - 03 - 31)), Some(false));
        assert_eq!(mg.reached(birth, date!(2025 - 04 - 01)), Some(true));
        // Nothing to check.
        assert_eq!(AgeLimit::Unrestricted.reached(birth, birth), None);
        assert_eq!(AgeLimit::Other("ZZ".into()).reached(birth, birth), None);
    }

    #[test]
    fn a_29_february_birth_reaches_its_age_on_28_february() {
        let birth = date!(2020 - 02 - 29);
        // Reaches 3 on 28 Feb 2023 → B3 from 1 March 2023.
        let b3 = AgeLimit::MonthAfterBirthday(3);
        assert_eq!(b3.reached(birth, date!(2023 - 02 - 28)), Some(false));
        assert_eq!(b3.reached(birth, date!(2023 - 03 - 01)), Some(true));
        assert_eq!(
            month_after_reaching(date!(2019 - 01 - 01), 3),
            Some(date!(2022 - 01 - 01))
        );
    }
}
