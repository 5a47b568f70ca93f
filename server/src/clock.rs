//! The server's clock, as Japanese users read it. Times are stored in UTC; dates a user means
//! ("today", a birth date, an export's file name) are in JST.

use time::{Date, OffsetDateTime, UtcOffset};

/// Japan Standard Time, UTC+9 (no daylight saving).
pub fn jst() -> UtcOffset {
    UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// Now, in JST.
pub fn now_jst() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(jst())
}

/// Today's date in Japan.
pub fn today_jst() -> Date {
    now_jst().date()
}
