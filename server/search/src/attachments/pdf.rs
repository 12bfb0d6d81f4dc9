//! The text of a PDF (ISO 32000), through lopdf: every stream it unpacks, while loading and per
//! page's content, is capped at [`AttachmentLimits::max_unpacked_bytes`], and pages are read
//! until the text cap or the deadline.

use super::AttachmentLimits;
use lopdf::{Document, LoadOptions};
use std::time::Instant;

pub(super) fn text(
    data: &[u8],
    limits: &AttachmentLimits,
    deadline: Instant,
) -> Result<String, String> {
    let cap = usize::try_from(limits.max_unpacked_bytes).unwrap_or(usize::MAX);
    let options = LoadOptions {
        max_decompressed_size: Some(cap),
        ..LoadOptions::default()
    };
    let document = Document::load_mem_with_options(data, options).map_err(|e| e.to_string())?;
    if document.is_encrypted() {
        return Err("encrypted".into());
    }
    let mut out = String::new();
    for page in document.get_pages().into_keys() {
        match document.extract_text_with_limit(&[page], cap) {
            Ok(text) => out.push_str(&text),
            // A page lopdf cannot read (an unknown font encoding, say) loses only itself.
            Err(e) => tracing::debug!(page, error = %e, "search: a PDF page without text"),
        }
        out.push('\n');
        if out.len() >= limits.max_text_bytes {
            break;
        }
        if Instant::now() > deadline {
            return Err("took too long".into());
        }
    }
    Ok(out)
}
