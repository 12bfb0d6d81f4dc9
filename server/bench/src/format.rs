//! Number and text formatting shared by the reports of every subcommand (report.rs for `smtp`,
//! imap_report.rs for `imap` and `imap-idle`): table cells, JSON values, memory.

use std::fmt::Write;

use crate::memory::Memory;

/// A table cell: one decimal, or `-`.
pub fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}"))
        .unwrap_or_else(|| "-".to_owned())
}

/// A table cell: `v` relative to `base` (`1.00x`), or `-`.
pub fn ratio(v: Option<f64>, base: Option<f64>) -> String {
    match (v, base) {
        (Some(v), Some(b)) if b > 0.0 => format!("{:.2}x", v / b),
        _ => "-".to_owned(),
    }
}

/// A JSON number with three decimals, or `null`.
pub fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}"))
        .unwrap_or_else(|| "null".to_owned())
}

/// A JSON integer, or `null`.
pub fn int(v: Option<u64>) -> String {
    v.map(|v| v.to_string())
        .unwrap_or_else(|| "null".to_owned())
}

/// A JSON string literal (RFC 8259 §7).
pub fn json_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Memory as the blocks show it.
pub fn memory_text(m: Memory) -> String {
    format!(
        "VmRSS {:.1} MiB, VmHWM {:.1} MiB, Pss {:.1} MiB ({} process{})",
        mib(m.rss_kib),
        mib(m.hwm_kib),
        mib(m.pss_kib),
        m.processes,
        if m.processes == 1 { "" } else { "es" }
    )
}
