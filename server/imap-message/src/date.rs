//! The Date header (RFC 5322 §3.3, obsolete forms of §4.3), as SENTBEFORE/SENTON/SENTSINCE
//! (RFC 9051 §6.4.4: the date "disregarding time and timezone") and SORT DATE (RFC 5256 §2.2:
//! the sent date and time, compared in UTC) need it.

use kantor_imap_proto::datetime::Date;

/// A parsed Date header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SentDate {
    /// The calendar date as written, in the header's own zone.
    pub date: Date,
    /// The instant, unix seconds.
    pub unix: i64,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses a date-time; `None` when it is not one.
pub(crate) fn parse(value: &str) -> Option<SentDate> {
    let mut text = String::with_capacity(value.len());
    let mut depth = 0u32;
    for c in value.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => text.push(' '),
            c if depth == 0 => text.push(c),
            _ => {}
        }
    }
    let mut tokens = text.split_whitespace().peekable();
    // Optional day of week.
    if tokens
        .peek()
        .is_some_and(|t| t.chars().all(|c| c.is_ascii_alphabetic()))
    {
        tokens.next();
    }
    let day: u8 = number(tokens.next()?, 2)?.try_into().ok()?;
    let month_name = tokens.next()?.to_ascii_lowercase();
    let month = MONTHS
        .iter()
        .position(|m| month_name.starts_with(m))
        .map(|i| i as u8 + 1)?;
    let year_text = tokens.next()?;
    let year = number(year_text, 4)?;
    let year = match year_text.len() {
        1 | 2 if year < 50 => year + 2000,
        1 | 2 => year + 1900,
        3 => year + 1900,
        _ => year,
    };
    let date = Date::new(u16::try_from(year).ok()?, month, day)?;
    let mut time_text = tokens.next()?.to_string();
    let mut zone_text = tokens.next().map(str::to_string);
    if let Some(i) = time_text.find(['+', '-']) {
        zone_text = Some(time_text.split_off(i));
    }
    let mut hms = time_text.split(':');
    let hour = number(hms.next()?, 2)?;
    let minute = number(hms.next()?, 2)?;
    let second = hms.next().map_or(Some(0), |s| number(s, 2))?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset = zone_text.as_deref().map_or(0, zone_minutes);
    let local = date.days_since_epoch() * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(SentDate {
        date,
        unix: local - i64::from(offset) * 60,
    })
}

fn number(s: &str, max_len: usize) -> Option<u32> {
    (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Minutes east of UTC; unknown zones count as UTC (RFC 5322 §4.3).
fn zone_minutes(zone: &str) -> i32 {
    let sign = match zone.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => {
            let hours = match zone.to_ascii_uppercase().as_str() {
                "EDT" => -4,
                "EST" | "CDT" => -5,
                "CST" | "MDT" => -6,
                "MST" | "PDT" => -7,
                "PST" => -8,
                _ => 0,
            };
            return hours * 60;
        }
    };
    let digits = &zone[1..];
    match (number(digits, 4), digits.len()) {
        (Some(n), 4) => sign * ((n / 100) as i32 * 60 + (n % 100) as i32),
        _ => 0,
    }
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
        assert!(parse("31 Feb 2020 10:00:00 +0000").is_none());
        assert!(parse("").is_none());
    }
}
