//! The text of attachments in office formats (PDF, DOCX, XLSX, PPTX, ODT/ODS/ODP), for the
//! index and for the exact check that confirms what the index found (JMAP `text` and `body`,
//! RFC 8621 §4.4.1: "SHOULD look inside any text/* or other body parts that may be converted
//! to text by the server").
//!
//! Each attachment is bounded ([`AttachmentLimits`]): one larger than `max_bytes` is skipped,
//! what it unpacks to is capped, its text is cut at `max_text_bytes`, and it is read on a
//! thread of its own that is given up after `timeout`. An attachment that fails any of these,
//! or cannot be read, keeps only its name in the index, and the failure is logged.

mod office;
mod pdf;

use kantor_message::decode::transfer_decode;
use kantor_message::mime::{Entity, Kind, slice};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Bounds on reading one attachment.
#[derive(Debug, Clone, Copy)]
pub struct AttachmentLimits {
    /// Attachments larger than this (decoded) are indexed by name only.
    pub max_bytes: usize,
    /// Most bytes one attachment may unpack to (zip entries, PDF streams): a zip bomb stops
    /// here.
    pub max_unpacked_bytes: u64,
    /// Most bytes of text kept of one attachment.
    pub max_text_bytes: usize,
    /// Longest one attachment is read for.
    pub timeout: Duration,
}

impl Default for AttachmentLimits {
    fn default() -> AttachmentLimits {
        AttachmentLimits {
            max_bytes: 32 << 20,
            max_unpacked_bytes: 64 << 20,
            max_text_bytes: 1 << 20,
            timeout: Duration::from_secs(10),
        }
    }
}

/// The formats whose text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    /// ODT, ODS, ODP and their templates: one `content.xml`.
    OpenDocument,
}

impl Format {
    /// The format of a part, by its media type, else (for `application/octet-stream` and the
    /// like) by its file name's extension.
    pub fn of(entity: &Entity, name: Option<&str>) -> Option<Format> {
        let m = &entity.mime;
        let by_type = match (m.media_type.as_str(), m.subtype.as_str()) {
            ("application", "pdf") => Some(Format::Pdf),
            ("application", s) if s.starts_with("vnd.openxmlformats-officedocument.") => match s {
                s if s.contains("wordprocessingml") => Some(Format::Docx),
                s if s.contains("spreadsheetml") => Some(Format::Xlsx),
                s if s.contains("presentationml") => Some(Format::Pptx),
                _ => None,
            },
            ("application", s) if s.starts_with("vnd.oasis.opendocument.") => {
                Some(Format::OpenDocument)
            }
            _ => None,
        };
        by_type.or_else(|| {
            let extension = name?.rsplit_once('.')?.1.to_ascii_lowercase();
            match extension.as_str() {
                "pdf" => Some(Format::Pdf),
                "docx" | "docm" | "dotx" => Some(Format::Docx),
                "xlsx" | "xlsm" | "xltx" => Some(Format::Xlsx),
                "pptx" | "pptm" | "potx" => Some(Format::Pptx),
                "odt" | "ods" | "odp" | "ott" | "ots" | "otp" => Some(Format::OpenDocument),
                _ => None,
            }
        })
    }
}

/// The file name of a part (Content-Disposition `filename`, else Content-Type `name`), as
/// written (RFC 2047 words still encoded).
pub fn file_name(entity: &Entity) -> Option<&str> {
    let filename = entity.mime.disposition.as_ref().and_then(|d| {
        d.params
            .iter()
            .find(|(n, _)| n == "filename")
            .map(|(_, v)| v.as_str())
    });
    filename.or_else(|| entity.mime.param("name"))
}

/// The text of every attachment of a known format in the message (attached messages
/// included), one line or more each; unreadable ones are left out and logged.
pub fn attachment_text(raw: &[u8], root: &Entity, limits: &AttachmentLimits) -> String {
    let mut out = String::new();
    let mut stack = vec![root];
    while let Some(entity) = stack.pop() {
        match &entity.kind {
            Kind::Leaf => {
                let name = file_name(entity);
                let Some(format) = Format::of(entity, name) else {
                    continue;
                };
                match read(raw, entity, format, limits) {
                    Ok(text) => {
                        out.push_str(&text);
                        out.push('\n');
                    }
                    Err(e) => tracing::info!(
                        name = name.unwrap_or(""),
                        format = ?format,
                        error = %e,
                        "search: attachment indexed by name only"
                    ),
                }
            }
            Kind::Multipart(children) => stack.extend(children.iter().rev()),
            Kind::Message(inner) => stack.push(inner),
        }
    }
    out
}

/// Whether the message has an attachment whose text [`attachment_text`] would read.
pub fn has_readable(root: &Entity) -> bool {
    match &root.kind {
        Kind::Leaf => Format::of(root, file_name(root)).is_some(),
        Kind::Multipart(children) => children.iter().any(has_readable),
        Kind::Message(inner) => has_readable(inner),
    }
}

/// Extractions given up on but still running (a PDF lopdf is slow to read): past this many,
/// further PDFs wait for them rather than pile up.
const MAX_STRAGGLERS: usize = 2;
static STRAGGLERS: AtomicUsize = AtomicUsize::new(0);

/// The text of one part, within the limits.
fn read(
    raw: &[u8],
    entity: &Entity,
    format: Format,
    limits: &AttachmentLimits,
) -> Result<String, String> {
    let encoded = slice(raw, &entity.body);
    let data = transfer_decode(encoded, entity.mime.encoding.as_deref())
        .map_err(|_| "unknown transfer encoding".to_string())?;
    if data.len() > limits.max_bytes {
        return Err(format!("larger than {} bytes", limits.max_bytes));
    }
    if STRAGGLERS.load(Ordering::Relaxed) >= MAX_STRAGGLERS {
        return Err("earlier attachments are still being read".into());
    }
    let data = data.into_owned();
    let limits = *limits;
    let deadline = Instant::now() + limits.timeout;
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("kantor-attachment".into())
        .spawn(move || {
            let text = match format {
                Format::Pdf => pdf::text(&data, &limits, deadline),
                _ => office::text(&data, format, &limits, deadline),
            };
            let _ = tx.send(text);
        })
        .map_err(|e| e.to_string())?;
    let mut text = match rx.recv_timeout(limits.timeout) {
        Ok(text) => text?,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // The thread ends by itself (every stream it unpacks is capped); until then it
            // counts against the stragglers.
            STRAGGLERS.fetch_add(1, Ordering::Relaxed);
            std::thread::spawn(move || {
                let _ = rx.recv();
                STRAGGLERS.fetch_sub(1, Ordering::Relaxed);
            });
            return Err(format!("not read within {:?}", limits.timeout));
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => return Err("the reader panicked".into()),
    };
    if text.len() > limits.max_text_bytes {
        let mut end = limits.max_text_bytes;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    Ok(text)
}
