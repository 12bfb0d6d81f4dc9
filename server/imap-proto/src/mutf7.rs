//! Modified UTF-7 mailbox names for IMAP4rev1 clients (RFC 3501 §5.1.3).
//!
//! Printable US-ASCII (0x20-0x7e) stands for itself, except `&`, written
//! `&-`. Other characters are written as UTF-16 in a modified base64
//! (`,` instead of `/`, no padding) between `&` and `-`:
//! `~peter/mail/&U,BTFw-/&ZeVnLIqe-` is `~peter/mail/台北/日本語`.
//!
//! Decoding is strict, so each name has one spelling: printable ASCII must
//! not be base64-encoded, bits left over must be zero, and surrogates must
//! pair up.

/// Why a name is not valid modified UTF-7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Mutf7Error {
    /// A byte outside printable US-ASCII appears unencoded.
    #[error("mailbox name has a raw non-ASCII or control character")]
    RawCharacter,
    /// A base64 run is malformed, unterminated or has non-zero padding bits.
    #[error("mailbox name has malformed modified base64")]
    BadBase64,
    /// The UTF-16 inside a base64 run is not valid (lone surrogate, odd
    /// length) or encodes a printable ASCII character.
    #[error("mailbox name has invalid UTF-16 in modified base64")]
    BadUtf16,
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn is_direct(c: char) -> bool {
    (' '..='~').contains(&c)
}

/// Encodes a UTF-8 name in modified UTF-7.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if is_direct(c) {
            flush(&mut pending, &mut out);
            out.push(c);
            if c == '&' {
                out.push('-');
            }
        } else {
            let mut units = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush(&mut pending, &mut out);
    out
}

fn flush(pending: &mut Vec<u16>, out: &mut String) {
    if pending.is_empty() {
        return;
    }
    out.push('&');
    let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize]));
        }
    }
    out.push('-');
    pending.clear();
}

/// Decodes a modified UTF-7 name to UTF-8.
pub fn decode(name: &str) -> Result<String, Mutf7Error> {
    let mut out = String::with_capacity(name.len());
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(0x20..=0x7e).contains(&b) {
            return Err(Mutf7Error::RawCharacter);
        }
        if b != b'&' {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let end = bytes[i + 1..]
            .iter()
            .position(|&c| c == b'-')
            .map(|p| i + 1 + p)
            .ok_or(Mutf7Error::BadBase64)?;
        let run = &bytes[i + 1..end];
        if run.is_empty() {
            out.push('&');
        } else {
            decode_run(run, &mut out)?;
        }
        i = end + 1;
    }
    Ok(out)
}

fn decode_run(run: &[u8], out: &mut String) -> Result<(), Mutf7Error> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut bytes = Vec::with_capacity(run.len());
    for &c in run {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c)
            .ok_or(Mutf7Error::BadBase64)? as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    if nbits >= 6 || bits != 0 {
        return Err(Mutf7Error::BadBase64);
    }
    if bytes.len() % 2 != 0 {
        return Err(Mutf7Error::BadUtf16);
    }
    let units = bytes.chunks(2).map(|p| u16::from_be_bytes([p[0], p[1]]));
    for c in char::decode_utf16(units) {
        let c = c.map_err(|_| Mutf7Error::BadUtf16)?;
        if is_direct(c) {
            return Err(Mutf7Error::BadUtf16);
        }
        out.push(c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_3501_examples() {
        // RFC 3501 §5.1.3.
        let cases = [
            ("~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/台北/日本語"),
            ("&Jjo-!", "☺!"),
            ("Entw&APw-rfe", "Entwürfe"),
            ("Tom &- Jerry", "Tom & Jerry"),
            ("INBOX", "INBOX"),
            ("&AAA-", "\u{0}"),
            ("&2D3eAA-", "😀"),
            ("&AAo-", "\n"),
        ];
        for (wire, utf8) in cases {
            assert_eq!(decode(wire).as_deref(), Ok(utf8), "{wire}");
            assert_eq!(encode(utf8), wire, "{utf8}");
        }
    }

    #[test]
    fn refusals() {
        let cases = [
            ("日本語", Mutf7Error::RawCharacter),
            ("a\tb", Mutf7Error::RawCharacter),
            ("&U,BTFw", Mutf7Error::BadBase64),
            ("&", Mutf7Error::BadBase64),
            ("&U/BTFw-", Mutf7Error::BadBase64),
            ("&U,BTFx-", Mutf7Error::BadBase64),
            ("&AGE-", Mutf7Error::BadUtf16),
            ("&2D0-", Mutf7Error::BadUtf16),
            ("&U,-", Mutf7Error::BadBase64),
        ];
        for (wire, err) in cases {
            assert_eq!(decode(wire), Err(err), "{wire}");
        }
    }

    #[test]
    fn round_trip_many() {
        let samples = ["", "a&b&", "ñ", "€uro", "a😀b😀", "日本語/sub&", "x\u{7f}y"];
        for s in samples {
            assert_eq!(decode(&encode(s)).as_deref(), Ok(s), "{s}");
        }
    }
}
