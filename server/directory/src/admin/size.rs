//! Sizes as administrators write and read them. Units are binary whatever their spelling
//! (`M`, `MB` and `MiB` are all 2^20 bytes, as quotas are usually meant); a fraction is
//! allowed (`1.5G`), and so is a space before the unit (`1.0 MiB`, what [`format_size`]
//! prints, is read back as it was printed). `0` and `unlimited` mean no limit for a quota.

use crate::DirectoryError;

const UNITS: [(&str, u64); 4] = [
    ("TiB", 1 << 40),
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
];

/// Most digits after the point that are read (more would not change a byte count).
const MAX_FRACTION_DIGITS: usize = 12;

/// Parses a size such as `500M`, `1.5G`, `2 GiB`, `1.0 MiB`, `1048576`, `0` or `unlimited`
/// (= 0). A fraction of a byte is dropped.
pub fn parse_size(text: &str) -> Result<u64, DirectoryError> {
    let malformed = || {
        DirectoryError::Invalid(format!(
            "malformed size {text:?}: use e.g. 500M, 1.5G or 2 GiB"
        ))
    };
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("unlimited") {
        return Ok(0);
    }
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier = unit_multiplier(unit.trim_start()).ok_or_else(malformed)?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_only(fraction) || (number.contains('.') && fraction.is_empty()) {
        return Err(malformed());
    }
    let whole: u128 = whole.parse().map_err(|_| malformed())?;
    let fraction = &fraction[..fraction.len().min(MAX_FRACTION_DIGITS)];
    let fraction_bytes = match fraction {
        "" => 0,
        digits => {
            let numerator: u128 = digits.parse().map_err(|_| malformed())?;
            numerator * u128::from(multiplier) / 10u128.pow(digits.len() as u32)
        }
    };
    let bytes = whole
        .checked_mul(u128::from(multiplier))
        .and_then(|b| b.checked_add(fraction_bytes))
        .ok_or_else(malformed)?;
    u64::try_from(bytes).map_err(|_| malformed())
}

fn unit_multiplier(unit: &str) -> Option<u64> {
    Some(match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return None,
    })
}

/// `512 B`, `1.5 KiB`, `10.0 MiB`, `2.0 GiB`: one decimal in the largest unit that fits.
pub fn format_size(bytes: u64) -> String {
    for (name, unit) in UNITS {
        if bytes >= unit {
            return format!("{:.1} {name}", bytes as f64 / unit as f64);
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_every_spelling() {
        let cases: &[(&str, u64)] = &[
            ("0", 0),
            ("unlimited", 0),
            ("1048576", 1 << 20),
            ("500M", 500 << 20),
            ("2g", 2 << 30),
            ("1.5G", 3 << 29),
            ("1.0 MiB", 1 << 20),
            ("2 GB", 2 << 30),
            (" 10 kib ", 10 << 10),
            ("0.5K", 512),
            ("1.25T", 5 << 38),
            ("100 B", 100),
        ];
        for &(text, bytes) in cases {
            assert_eq!(parse_size(text).unwrap(), bytes, "{text}");
        }
        for bad in [
            "",
            "M",
            "2X",
            "1.",
            ".5M",
            "1.2.3G",
            "-1",
            "1 M B",
            "99999999999T",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn printed_sizes_read_back() {
        let cases: &[(u64, &str)] = &[
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (1536, "1.5 KiB"),
            (10 << 20, "10.0 MiB"),
            (3 << 29, "1.5 GiB"),
            (5 << 40, "5.0 TiB"),
        ];
        for &(bytes, text) in cases {
            assert_eq!(format_size(bytes), text);
            assert_eq!(parse_size(text).unwrap(), bytes, "{text} read back");
        }
    }
}
