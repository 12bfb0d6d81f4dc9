//! The Date header (RFC 5322 §3.3, obsolete forms of §4.3), parsed by mail-parser, as
//! SENTBEFORE/SENTON/SENTSINCE (RFC 9051 §6.4.4: the date "disregarding time and timezone") and
//! SORT DATE (RFC 5256 §2.2: the sent date and time, compared in UTC) need it.
//!
//! Hand-written here: mail-parser accepts dates that do not exist (31 Feb, hour 25) and years
//! no protocol can write (past 9999); they are refused, as a Date header that does not parse.

use mail_parser::DateTime;

/// A parsed Date header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentDate {
    /// The calendar date as written, in the header's own zone: a day that exists, in the
    /// years 0 to 9999.
    pub date: Date,
    /// The instant, unix seconds.
    pub unix: i64,
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    /// 1 to 12.
    pub month: u8,
    /// 1 to the month's last day.
    pub day: u8,
}

impl Date {
    /// A date; `None` if the day does not exist or the year has more than four digits.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let last = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            1..=12 => 31,
            _ => 0,
        };
        (year <= 9999 && (1..=last).contains(&day)).then_some(Date { year, month, day })
    }
}

/// The first Date field of a header, parsed.
pub fn sent(fields: &[crate::header::Field<'_>]) -> Option<SentDate> {
    crate::header::text(fields, "Date").and_then(|d| parse(&d))
}

/// Parses a date-time; `None` when it is not one.
pub fn parse(value: &str) -> Option<SentDate> {
    let parsed = DateTime::parse_rfc822(value)?;
    // A leap second (60) is allowed, as RFC 5322 §3.3 does.
    if parsed.hour > 23 || parsed.minute > 59 || parsed.second > 60 {
        return None;
    }
    Some(SentDate {
        date: Date::new(parsed.year, parsed.month, parsed.day)?,
        unix: parsed.to_timestamp(),
    })
}

/// A date-time as RFC 3339 with the header's own offset (JMAP's `Date`, RFC 8621 §4.1.2.6);
/// `None` when it is not one.
pub fn rfc3339(value: &str) -> Option<String> {
    parse(value)?;
    let parsed = DateTime::parse_rfc822(value)?;
    Some(parsed.to_rfc3339())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc5322_and_obsolete_forms() {
        let d = parse("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)").unwrap();
        assert_eq!(d.date, Date::new(1996, 7, 17).unwrap());
        assert_eq!(d.unix, 837_595_405);
        let d = parse("1 Jan 2020 23:30 +0200").unwrap();
        assert_eq!(d.date, Date::new(2020, 1, 1).unwrap());
        assert_eq!(d.unix, 1_577_914_200);
        let d = parse("Mon, 2 Feb 99 10:00:00 EST").unwrap();
        assert_eq!(d.date, Date::new(1999, 2, 2).unwrap());
        assert_eq!(d.unix, 917_967_600);
        assert!(parse("not a date").is_none());
        assert_eq!(
            rfc3339("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)").as_deref(),
            Some("1996-07-17T02:23:25-07:00")
        );
        assert!(parse("31 Feb 2020 10:00:00 +0000").is_none());
        assert!(parse("").is_none());
        assert!(parse("29 Feb 2000 10:00:00 +0000").is_some());
        assert!(parse("29 Feb 1900 10:00:00 +0000").is_none());
    }
}
