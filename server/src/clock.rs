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

/// `t` as RFC 3339 in UTC, as the API sends times.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `t` in UTC as `YYYYMMDDTHHMMSS.ffffffZ`: names of records kept outside the database (run
/// records, anchors), which sort in time order.
pub fn compact_utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// The instants of JST days `from..=to`, as a half-open range.
pub fn jst_days(from: Date, to: Date) -> (OffsetDateTime, OffsetDateTime) {
    let start = time::PrimitiveDateTime::new(from, time::Time::MIDNIGHT).assume_offset(jst());
    let end = time::PrimitiveDateTime::new(to, time::Time::MIDNIGHT).assume_offset(jst())
        + time::Duration::days(1);
    (start, end)
}

/// `t`'s time of day in JST as `HH:MM`, as a clerk reads it on the screen.
pub fn jst_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(jst());
    format!("{:02}:{:02}", t.hour(), t.minute())
}
