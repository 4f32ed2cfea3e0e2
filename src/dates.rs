//! Dates as the PBX stores them: `YYYY-MM-DD HH:MM:SS`, local time, no
//! offset. The formats are ours; the calendar (month lengths, leap years,
//! day arithmetic, weekdays) is the `time` crate's.

use std::fmt;

use time::{Date, Month, PrimitiveDateTime, Time};

/// A calendar date and wall-clock time, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct DateTime(PrimitiveDateTime);

/// Which end of a day a bare date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayEdge {
    Start,
    End,
}

/// The formats a caller may use, for error messages.
pub(crate) const ACCEPTED_FORMATS: &str =
    "YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or YYYY-MM-DDTHH:MM[:SS]";

impl DateTime {
    /// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DDTHH:MM[:SS]`.
    /// A bare date is the start or the end (23:59:59) of that day.
    pub(crate) fn parse(text: &str, bare: DayEdge) -> Option<DateTime> {
        let b = text.as_bytes();
        let date = parse_date(b)?;
        let (hour, minute, second) = match b.len() {
            10 => match bare {
                DayEdge::Start => (0, 0, 0),
                DayEdge::End => (23, 59, 59),
            },
            16 | 19 => {
                if b[10] != b' ' && b[10] != b'T' || b[13] != b':' {
                    return None;
                }
                let second = if b.len() == 19 {
                    if b[16] != b':' {
                        return None;
                    }
                    digits(b, 17, 2)? as u8
                } else {
                    0
                };
                (digits(b, 11, 2)? as u8, digits(b, 14, 2)? as u8, second)
            }
            _ => return None,
        };
        let time = Time::from_hms(hour, minute, second).ok()?;
        Some(DateTime(PrimitiveDateTime::new(date, time)))
    }

    /// Seconds since 1970-01-01 00:00:00 of the same clock (no time zone):
    /// differences between two PBX times are exact.
    pub(crate) fn timestamp(&self) -> i64 {
        self.0.assume_utc().unix_timestamp()
    }
}

/// The PBX's own format, the one its range filters compare against.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, t) = (self.0.date(), self.0.time());
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            d.year(),
            u8::from(d.month()),
            d.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// `YYYY-MM-DD` plus `days`, with its weekday (`Mon`): the `wildix`
/// command's calendar. `None` for another string or past year 9999.
pub(crate) fn add_days(date: &str, days: i64) -> Option<(String, &'static str)> {
    let b = date.as_bytes();
    if b.len() != 10 {
        return None;
    }
    let day = parse_date(b)?.checked_add(time::Duration::days(days))?;
    if !(0..=9999).contains(&day.year()) {
        return None;
    }
    let name = match day.weekday() {
        time::Weekday::Monday => "Mon",
        time::Weekday::Tuesday => "Tue",
        time::Weekday::Wednesday => "Wed",
        time::Weekday::Thursday => "Thu",
        time::Weekday::Friday => "Fri",
        time::Weekday::Saturday => "Sat",
        time::Weekday::Sunday => "Sun",
    };
    let text = format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    Some((text, name))
}

/// The `YYYY-MM-DD` at the start of `b`.
fn parse_date(b: &[u8]) -> Option<Date> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(b, 0, 4)? as i32;
    let month = Month::try_from(digits(b, 5, 2)? as u8).ok()?;
    Date::from_calendar_date(year, month, digits(b, 8, 2)? as u8).ok()
}

fn digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let slice = b.get(at..at + len)?;
    slice.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod test {
    use super::*;

    fn parse(s: &str) -> Option<String> {
        DateTime::parse(s, DayEdge::Start).map(|d| d.to_string())
    }

    #[test]
    fn accepts_the_three_formats() {
        assert_eq!(parse("2026-01-31").as_deref(), Some("2026-01-31 00:00:00"));
        assert_eq!(
            parse("2026-01-31 08:30").as_deref(),
            Some("2026-01-31 08:30:00")
        );
        assert_eq!(
            parse("2026-01-31T08:30:15").as_deref(),
            Some("2026-01-31 08:30:15")
        );
        assert_eq!(
            parse("2026-01-31 08:30:15").as_deref(),
            Some("2026-01-31 08:30:15")
        );
    }

    #[test]
    fn days_are_added_on_one_calendar_for_every_year() {
        assert_eq!(
            add_days("2024-02-28", 1),
            Some(("2024-02-29".into(), "Thu"))
        );
        assert_eq!(
            add_days("2026-03-01", -1),
            Some(("2026-02-28".into(), "Sat"))
        );
        assert_eq!(
            add_days("0999-12-31", 1),
            Some(("1000-01-01".into(), "Wed"))
        );
        assert_eq!(
            add_days("0100-03-01", -1),
            Some(("0100-02-28".into(), "Sun"))
        );
        assert_eq!(add_days("9999-12-31", 1), None);
        assert_eq!(add_days("2026-02-30", 0), None);
        assert_eq!(add_days("2026-02-01 10:00", 0), None);
    }

    #[test]
    fn bare_end_date_is_end_of_day() {
        let d = DateTime::parse("2026-01-31", DayEdge::End).map(|d| d.to_string());
        assert_eq!(d.as_deref(), Some("2026-01-31 23:59:59"));
    }

    #[test]
    fn rejects_impossible_dates_and_other_formats() {
        for bad in [
            "",
            "2026",
            "2026-1-31",
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-01-01 24:00",
            "2026-01-01 12:60",
            "2026-01-01 12:00:60",
            "2026-01-01Z",
            "2026-01-01T10:00:00Z",
            "2026-01-01T10:00:00+01:00",
            "2026/01/01",
            "2026-01-01 1:00",
            "2026-01-01x10:00",
            "２０２６-01-01",
        ] {
            assert_eq!(parse(bad), None, "{bad:?} should be rejected");
        }
    }

    #[test]
    fn leap_years() {
        assert!(parse("2024-02-29").is_some());
        assert!(parse("2000-02-29").is_some());
        assert!(parse("1900-02-29").is_none());
    }

    #[test]
    fn ordering_and_timestamps() {
        let a = DateTime::parse("2026-01-31 23:59:59", DayEdge::Start).unwrap();
        let b = DateTime::parse("2026-02-01", DayEdge::Start).unwrap();
        assert!(a < b);
        assert_eq!(b.timestamp() - a.timestamp(), 1);
        let epoch = DateTime::parse("1970-01-01", DayEdge::Start).unwrap();
        assert_eq!(epoch.timestamp(), 0);
        let known = DateTime::parse("2015-03-11 13:32:36", DayEdge::Start).unwrap();
        assert_eq!(known.timestamp(), 1_426_080_756);
    }
}
