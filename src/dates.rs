//! Dates as the PBX stores them: `YYYY-MM-DD HH:MM:SS`, local time, no offset.

use std::fmt;

/// A calendar date and wall-clock time, validated (month lengths, leap years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

/// Which end of a day a bare date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEdge {
    Start,
    End,
}

/// The formats a caller may use, for error messages.
pub const ACCEPTED_FORMATS: &str = "YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or YYYY-MM-DDTHH:MM[:SS]";

impl DateTime {
    /// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DDTHH:MM[:SS]`.
    /// A bare date is the start or the end (23:59:59) of that day.
    pub fn parse(text: &str, bare: DayEdge) -> Option<DateTime> {
        let b = text.as_bytes();
        if b.len() < 10 {
            return None;
        }
        let year = digits(b, 0, 4)? as u16;
        let month = digits(b, 5, 2)? as u8;
        let day = digits(b, 8, 2)? as u8;
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
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
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        Some(DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// Seconds since 1970-01-01 00:00:00 of the same clock (no time zone):
    /// differences between two PBX times are exact.
    pub fn timestamp(&self) -> i64 {
        let days = days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }
}

/// The PBX's own format, the one its range filters compare against.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

fn digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let slice = b.get(at..at + len)?;
    slice.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days_from_civil: days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
