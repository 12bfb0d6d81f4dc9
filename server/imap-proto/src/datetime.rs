//! IMAP dates and times without a date crate (RFC 9051 §9).
//!
//! ```text
//! date-time      = DQUOTE date-day-fixed "-" date-month "-" date-year
//!                  SP time SP zone DQUOTE
//! date-day-fixed = (SP DIGIT) / 2DIGIT
//!                  ; Fixed-format version of date-day
//! date-month     = "Jan" / "Feb" / "Mar" / "Apr" / "May" / "Jun" /
//!                  "Jul" / "Aug" / "Sep" / "Oct" / "Nov" / "Dec"
//! date-year      = 4DIGIT
//! time           = 2DIGIT ":" 2DIGIT ":" 2DIGIT
//! zone           = ("+" / "-") 4DIGIT
//! date           = date-text / DQUOTE date-text DQUOTE
//! date-text      = date-day "-" date-month "-" date-year
//! date-day       = 1*2DIGIT
//! ```
//!
//! [`DateTime`] is an instant plus the zone it was written in (unix seconds,
//! offset minutes); [`Date`] is a civil date, as SEARCH uses them
//! (RFC 9051 §6.4.4: "disregarding time and timezone").

use crate::types::InvalidValue;
use std::fmt;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Largest zone offset `zone` can express: ±99:59.
const MAX_OFFSET: i16 = 99 * 60 + 59;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn month_from_name(s: &[u8]) -> Option<u8> {
    MONTHS
        .iter()
        .position(|m| m.as_bytes().eq_ignore_ascii_case(s))
        .map(|i| i as u8 + 1)
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

/// A civil date, years 0 to 9999 (`date-year = 4DIGIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A date; `None` if the day does not exist or the year has more than
    /// four digits.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let ok = year <= 9999
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day);
        ok.then_some(Date { year, month, day })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        days_from_civil(
            i64::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        )
    }

    /// Unix seconds of this date's midnight in a zone `offset_minutes` east
    /// of UTC, e.g. to compare against INTERNALDATE (RFC 9051 §6.4.4).
    pub fn midnight_unix(self, offset_minutes: i16) -> i64 {
        self.days_since_epoch() * 86_400 - i64::from(offset_minutes) * 60
    }

    /// The date `days` after 1970-01-01, if its year is 0 to 9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        if !(-719_528..=2_932_896).contains(&days) {
            return None;
        }
        let (y, m, d) = civil_from_days(days);
        Date::new(u16::try_from(y).ok()?, m as u8, d as u8)
    }

    /// Parses `date-text` (`1-Feb-1994`), without quotes; the month name is
    /// case-insensitive.
    pub fn parse(s: &[u8]) -> Result<Date, InvalidValue> {
        let err = InvalidValue("date");
        let mut parts = s.splitn(3, |&b| b == b'-');
        let (Some(d), Some(m), Some(y)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(err);
        };
        if !(1..=2).contains(&d.len()) || y.len() != 4 {
            return Err(err);
        }
        let day = digits(d).ok_or(err)?;
        let year = digits(y).ok_or(err)?;
        let month = month_from_name(m).ok_or(err)?;
        Date::new(year as u16, month, day as u8).ok_or(err)
    }
}

impl fmt::Display for Date {
    /// `date-text`: `1-Feb-1994`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:04}",
            self.day,
            MONTHS[usize::from(self.month - 1)],
            self.year
        )
    }
}

/// An instant and the zone it is shown in: INTERNALDATE, APPEND's date,
/// SAVEDATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    unix: i64,
    offset_minutes: i16,
}

impl DateTime {
    /// An instant shown `offset_minutes` east of UTC; `None` if the offset
    /// is beyond ±99:59 or the local year falls outside 0 to 9999.
    pub fn new(unix: i64, offset_minutes: i16) -> Option<DateTime> {
        if !(-MAX_OFFSET..=MAX_OFFSET).contains(&offset_minutes) {
            return None;
        }
        let local = unix.checked_add(i64::from(offset_minutes) * 60)?;
        Date::from_days_since_epoch(local.div_euclid(86_400))?;
        Some(DateTime {
            unix,
            offset_minutes,
        })
    }

    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub fn unix(self) -> i64 {
        self.unix
    }

    /// The zone offset, minutes east of UTC.
    pub fn offset_minutes(self) -> i16 {
        self.offset_minutes
    }

    /// The civil date in the value's own zone (what SEARCH BEFORE/ON/SINCE
    /// compare against when the session uses the message's zone).
    pub fn local_date(self) -> Date {
        let local = self.unix + i64::from(self.offset_minutes) * 60;
        // The constructor guarantees the year is in range.
        Date::from_days_since_epoch(local.div_euclid(86_400)).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// Parses a `date-time` without its quotes:
    /// `17-Jul-1996 02:44:25 -0700`. A one-digit day, with or without the
    /// leading space, is accepted.
    pub fn parse(s: &[u8]) -> Result<DateTime, InvalidValue> {
        let err = InvalidValue("date-time");
        let s = s.strip_prefix(b" ").unwrap_or(s);
        let mut parts = s.split(|&b| b == b' ');
        let (Some(date), Some(time), Some(zone), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err);
        };
        let date = Date::parse(date)?;
        let t: Vec<&[u8]> = time.split(|&b| b == b':').collect();
        if t.len() != 3 || t.iter().any(|p| p.len() != 2) {
            return Err(err);
        }
        let (h, m, sec) = (
            digits(t[0]).ok_or(err)?,
            digits(t[1]).ok_or(err)?,
            digits(t[2]).ok_or(err)?,
        );
        if h > 23 || m > 59 || sec > 60 {
            return Err(err);
        }
        let (sign, zone) = match zone.split_first() {
            Some((b'+', rest)) => (1, rest),
            Some((b'-', rest)) => (-1, rest),
            _ => return Err(err),
        };
        if zone.len() != 4 {
            return Err(err);
        }
        let (zh, zm) = (
            digits(&zone[..2]).ok_or(err)?,
            digits(&zone[2..]).ok_or(err)?,
        );
        if zm > 59 {
            return Err(err);
        }
        let offset = sign * (zh * 60 + zm) as i16;
        let local = date.days_since_epoch() * 86_400 + i64::from(h * 3600 + m * 60 + sec);
        DateTime::new(local - i64::from(offset) * 60, offset).ok_or(err)
    }
}

impl fmt::Display for DateTime {
    /// The `date-time` without quotes: `17-Jul-1996 02:44:25 -0700` (the
    /// day is written with two digits, `07-Jul-1996`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.unix + i64::from(self.offset_minutes) * 60;
        let date = self.local_date();
        let secs = local.rem_euclid(86_400);
        let off = self.offset_minutes.unsigned_abs();
        write!(
            f,
            "{:02}-{}-{:04} {:02}:{:02}:{:02} {}{:02}{:02}",
            date.day,
            MONTHS[usize::from(date.month - 1)],
            date.year,
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            if self.offset_minutes < 0 { '-' } else { '+' },
            off / 60,
            off % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for days in (-719_528..2_932_897).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(Date::from_days_since_epoch(-719_528), Date::new(0, 1, 1));
        assert_eq!(
            Date::from_days_since_epoch(2_932_896),
            Date::new(9999, 12, 31)
        );
        assert_eq!(Date::from_days_since_epoch(2_932_897), None);
    }

    #[test]
    fn date_time_examples() {
        // RFC 9051 §6.3.12 (APPEND) and §7.5.2 (INTERNALDATE).
        let cases: &[(&str, i64, i16, &str)] = &[
            (
                "17-Jul-1996 02:44:25 -0700",
                837_596_665,
                -420,
                "17-Jul-1996 02:44:25 -0700",
            ),
            (
                "7-Feb-1994 21:52:25 -0800",
                760_686_745,
                -480,
                "07-Feb-1994 21:52:25 -0800",
            ),
            (
                " 7-Feb-1994 21:52:25 -0800",
                760_686_745,
                -480,
                "07-Feb-1994 21:52:25 -0800",
            ),
            (
                "01-Jan-1970 00:00:00 +0000",
                0,
                0,
                "01-Jan-1970 00:00:00 +0000",
            ),
            (
                "31-dec-1969 23:59:59 +0000",
                -1,
                0,
                "31-Dec-1969 23:59:59 +0000",
            ),
            (
                "29-Feb-2024 12:00:00 +0530",
                1_709_188_200,
                330,
                "29-Feb-2024 12:00:00 +0530",
            ),
        ];
        for &(input, unix, offset, printed) in cases {
            let dt = DateTime::parse(input.as_bytes()).unwrap();
            assert_eq!((dt.unix(), dt.offset_minutes()), (unix, offset), "{input}");
            assert_eq!(dt.to_string(), printed);
            assert_eq!(DateTime::parse(printed.as_bytes()), Ok(dt));
        }
        let bad = [
            "",
            "17-Jul-1996",
            "17-Jul-1996 02:44:25",
            "32-Jul-1996 02:44:25 -0700",
            "29-Feb-2023 02:44:25 -0700",
            "17-Jux-1996 02:44:25 -0700",
            "17-Jul-96 02:44:25 -0700",
            "17-Jul-1996 24:00:00 -0700",
            "17-Jul-1996 02:44:25 0700",
            "17-Jul-1996 02:44:25 -07:0",
            "17-Jul-1996 2:44:25 -0700",
            "17-Jul-1996  02:44:25 -0700",
            "17-Jul-1996 02:44:25 -0760",
            "17-Jul-1996 02:44:25 -0700 x",
            "117-Jul-1996 02:44:25 -0700",
        ];
        for input in bad {
            assert!(DateTime::parse(input.as_bytes()).is_err(), "{input}");
        }
    }

    #[test]
    fn dates() {
        // RFC 9051 §6.4.4 example: "SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"".
        let d = Date::parse(b"1-Feb-1994").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (1994, 2, 1));
        assert_eq!(d.to_string(), "1-Feb-1994");
        assert_eq!(Date::parse(b"01-FEB-1994"), Ok(d));
        assert_eq!(d.midnight_unix(0), 760_060_800);
        assert_eq!(d.midnight_unix(60), 760_060_800 - 3600);
        for bad in [
            "1-Feb-94",
            "001-Feb-1994",
            "0-Feb-1994",
            "30-Feb-2000",
            "1-Feb",
            "1 Feb 1994",
            "a-Feb-1994",
        ] {
            assert!(Date::parse(bad.as_bytes()).is_err(), "{bad}");
        }
        let dt = DateTime::parse(b"01-Feb-1994 23:30:00 -0100").unwrap();
        assert_eq!(dt.local_date(), d);
    }

    #[test]
    fn range_limits() {
        assert!(DateTime::new(0, MAX_OFFSET).is_some());
        assert!(DateTime::new(0, MAX_OFFSET + 1).is_none());
        assert!(DateTime::new(i64::MAX, 0).is_none());
        assert!(DateTime::new(253_402_300_799, 0).is_some());
        assert!(DateTime::new(253_402_300_800, 0).is_none());
        assert_eq!(
            DateTime::new(-62_167_219_200, 0).unwrap().to_string(),
            "01-Jan-0000 00:00:00 +0000"
        );
    }
}
