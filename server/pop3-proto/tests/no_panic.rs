//! Robustness: the parsers and framers never panic, whatever the bytes.
//!
//! A tiny xorshift PRNG (no dependencies) makes a few hundred thousand byte
//! strings, biased towards what a POP3 peer sends (keywords, digits, spaces,
//! CR, LF, base64), and feeds them to every entry point.

use kantor_pop3_proto::{
    MAX_COMMAND_LINE, Reply, ResponseCode, decode_plain, encode_multiline_lines,
    encode_multiline_message, parse_command, skip_line, take_line,
};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: [&[u8]; 24] = [
    b"USER ",
    b"PASS ",
    b"APOP ",
    b"AUTH ",
    b"CAPA",
    b"STLS",
    b"STAT",
    b"LIST ",
    b"UIDL ",
    b"RETR ",
    b"TOP ",
    b"DELE ",
    b"RSET",
    b"NOOP",
    b"QUIT",
    b" ",
    b"\r\n",
    b"\n",
    b"\r",
    b".",
    b"0",
    b"4294967296",
    b"PLAIN ",
    b"=",
];

fn random_input(rng: &mut XorShift, out: &mut Vec<u8>) {
    out.clear();
    let parts = rng.below(8);
    for _ in 0..parts {
        match rng.below(4) {
            0 => out.extend_from_slice(PIECES[rng.below(PIECES.len())]),
            1 => out.push(b"0123456789 "[rng.below(11)]),
            2 => out.push(b"ABCDEFabcdef+/=\0"[rng.below(16)]),
            _ => {
                for _ in 0..rng.below(12) {
                    out.push(rng.next() as u8);
                }
            }
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut input = Vec::new();
    let mut out = Vec::new();
    let mut accepted = 0u32;
    for round in 0..300_000u32 {
        random_input(&mut rng, &mut input);
        if parse_command(&input).is_ok() {
            accepted += 1;
        }
        let max = rng.below(64);
        if let Ok(Some((line, used))) = take_line(&input, max) {
            assert!(line.len() <= max && used <= input.len() && used > line.len());
        }
        let _ = take_line(&input, MAX_COMMAND_LINE);
        let _ = skip_line(&input);
        let text = String::from_utf8_lossy(&input);
        let _ = decode_plain(&text);
        if round % 16 == 0 {
            out.clear();
            encode_multiline_message(&input, Some(rng.below(4) as u32), &mut out);
            assert!(out.ends_with(b".\r\n"));
            encode_multiline_message(&input, None, &mut out);
            encode_multiline_lines(text.split('\n'), &mut out);
            Reply::err_with(ResponseCode::SysTemp, text.as_ref()).encode(&mut out);
            Reply::Challenge(text.into_owned()).encode(&mut out);
        }
    }
    // The generator does reach valid commands, so the parser was exercised.
    assert!(accepted > 1_000, "only {accepted} inputs parsed");
}

#[test]
fn multiline_output_is_well_formed() {
    let mut rng = XorShift(42);
    let mut input = Vec::new();
    let mut out = Vec::new();
    for _ in 0..20_000 {
        random_input(&mut rng, &mut input);
        out.clear();
        encode_multiline_message(&input, None, &mut out);
        // Every LF is preceded by CR, and the only line that is exactly "."
        // is the terminator.
        for (i, &b) in out.iter().enumerate() {
            if b == b'\n' {
                assert!(i > 0 && out[i - 1] == b'\r', "{input:?}");
            }
        }
        let body = &out[..out.len() - 3];
        assert!(
            !body.split(|&b| b == b'\n').any(|l| l == b".\r"),
            "{input:?}"
        );
    }
}
