//! The text of office documents that are zipped XML: Office Open XML (ECMA-376: DOCX, XLSX,
//! PPTX) and OpenDocument (ODF 1.2: ODT, ODS, ODP). Only the parts that hold the document's
//! text are read, each through a cap on the bytes it unpacks to, so that a zip bomb costs at
//! most [`AttachmentLimits::max_unpacked_bytes`]; the XML is read as a stream of events.

use super::{AttachmentLimits, Format};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::{Cursor, Read};
use std::time::Instant;
use zip::ZipArchive;

/// Most entries an archive may list (a real document has a few dozen to a few thousand).
const MAX_ENTRIES: usize = 20_000;

/// How one format's XML carries its text.
struct Layout {
    /// Only text inside elements of these local names counts; empty: all text does.
    text_in: &'static [&'static str],
    /// Elements whose end ends a line.
    line_after: &'static [&'static str],
    /// Elements whose end (or empty form) is a tab.
    tab_after: &'static [&'static str],
}

const WORD: Layout = Layout {
    text_in: &["t"],
    line_after: &["p", "br", "cr"],
    tab_after: &["tab"],
};
const SLIDES: Layout = Layout {
    text_in: &["t"],
    line_after: &["p", "br"],
    tab_after: &[],
};
const CELLS: Layout = Layout {
    text_in: &["t", "v"],
    line_after: &["si", "row"],
    tab_after: &["c"],
};
const OPEN_DOCUMENT: Layout = Layout {
    text_in: &[],
    line_after: &["p", "h", "line-break"],
    tab_after: &["tab", "table-cell", "s"],
};

/// The text of a document of `format` (a zip), within the limits.
pub(super) fn text(
    data: &[u8],
    format: Format,
    limits: &AttachmentLimits,
    deadline: Instant,
) -> Result<String, String> {
    let mut archive = ZipArchive::new(Cursor::new(data)).map_err(|e| format!("zip: {e}"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!("zip of {} entries", archive.len()));
    }
    let parts = parts(archive.file_names(), format);
    let mut out = String::new();
    let mut budget = limits.max_unpacked_bytes;
    for name in parts {
        let entry = archive.by_name(&name).map_err(|e| format!("{name}: {e}"))?;
        let mut xml = Vec::new();
        entry
            .take(budget + 1)
            .read_to_end(&mut xml)
            .map_err(|e| format!("{name}: {e}"))?;
        if xml.len() as u64 > budget {
            return Err(format!(
                "unpacks to more than {} bytes",
                limits.max_unpacked_bytes
            ));
        }
        budget -= xml.len() as u64;
        let layout = match format {
            Format::Docx => &WORD,
            Format::Pptx => &SLIDES,
            Format::Xlsx => &CELLS,
            Format::OpenDocument => &OPEN_DOCUMENT,
            Format::Pdf => unreachable!("PDF is not zipped"),
        };
        xml_text(&String::from_utf8_lossy(&xml), layout, &mut out, deadline)
            .map_err(|e| format!("{name}: {e}"))?;
        if out.len() >= limits.max_text_bytes || Instant::now() > deadline {
            break;
        }
    }
    Ok(out)
}

/// The archive's parts that hold text, in reading order (slide 2 before slide 10).
fn parts<'a>(names: impl Iterator<Item = &'a str>, format: Format) -> Vec<String> {
    let wanted = |n: &str| match format {
        Format::Docx => {
            n == "word/document.xml"
                || ["header", "footer", "footnotes", "endnotes", "comments"]
                    .iter()
                    .any(|p| n.starts_with(&format!("word/{p}")) && n.ends_with(".xml"))
        }
        Format::Pptx => {
            (n.starts_with("ppt/slides/slide") || n.starts_with("ppt/notesSlides/notesSlide"))
                && n.ends_with(".xml")
        }
        Format::Xlsx => {
            n == "xl/sharedStrings.xml" || (n.starts_with("xl/worksheets/") && n.ends_with(".xml"))
        }
        Format::OpenDocument => n == "content.xml",
        Format::Pdf => false,
    };
    let mut parts: Vec<String> = names.filter(|n| wanted(n)).map(str::to_string).collect();
    let order = |n: &str| {
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        let main = !n.contains("notesSlide") && !n.contains("header") && !n.contains("footer");
        (!main, digits.len(), digits, n.to_string())
    };
    parts.sort_by_key(|n| order(n));
    parts
}

/// Appends the text of one XML part to `out`.
fn xml_text(xml: &str, layout: &Layout, out: &mut String, deadline: Instant) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    // How deep inside text elements the reader is, and whether the current cell (XLSX) is a
    // shared-string index rather than a value.
    let (mut inside, mut shared_index) = (0usize, false);
    let mut events = 0u32;
    loop {
        events = events.wrapping_add(1);
        if events.is_multiple_of(4096) && Instant::now() > deadline {
            return Err("took too long".into());
        }
        let counts = layout.text_in.is_empty() || inside > 0;
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if name == "c" {
                    shared_index = matches!(e.try_get_attribute("t"), Ok(Some(a))
                        if a.value == "s");
                }
                if layout.text_in.contains(&name) && !(name == "v" && shared_index) {
                    inside += 1;
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if layout.text_in.contains(&name) && inside > 0 {
                    inside -= 1;
                }
                separate(name, layout, out);
            }
            Event::Empty(e) => separate(e.local_name().as_ref(), layout, out),
            Event::Text(t) if counts => out.push_str(&t.xml10_content()),
            Event::CData(t) if counts => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if counts => match r.resolve_char_ref() {
                Ok(Some(c)) => out.push(c),
                _ => out.push_str(match &*r {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn separate(name: &str, layout: &Layout, out: &mut String) {
    if layout.line_after.contains(&name) {
        out.push('\n');
    } else if layout.tab_after.contains(&name) {
        out.push('\t');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[test]
    fn word_text_skips_field_codes_and_keeps_entities() {
        let xml = r#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>Fish &amp; chips</w:t></w:r><w:r><w:instrText>PAGE</w:instrText><w:tab/><w:t xml:space="preserve"> &#x4E2D;</w:t></w:r></w:p><w:p><w:r><w:t>two</w:t></w:r></w:p></w:body></w:document>"#;
        let mut out = String::new();
        xml_text(xml, &WORD, &mut out, later()).unwrap();
        assert_eq!(out, "Fish & chips\t 中\ntwo\n");
    }

    #[test]
    fn sheet_values_skip_shared_string_indexes() {
        let xml = r#"<worksheet><sheetData><row><c r="A1" t="s"><v>7</v></c><c r="B1"><v>1234.5</v></c><c t="inlineStr"><is><t>inline</t></is></c></row></sheetData></worksheet>"#;
        let mut out = String::new();
        xml_text(xml, &CELLS, &mut out, later()).unwrap();
        assert_eq!(out, "\t1234.5\tinline\t\n");
    }

    #[test]
    fn slides_in_numeric_order() {
        let names = [
            "ppt/slides/slide10.xml",
            "ppt/notesSlides/notesSlide1.xml",
            "ppt/slides/slide2.xml",
            "ppt/slides/_rels/slide2.xml.rels",
            "ppt/presentation.xml",
        ];
        assert_eq!(
            parts(names.into_iter(), Format::Pptx),
            [
                "ppt/slides/slide2.xml",
                "ppt/slides/slide10.xml",
                "ppt/notesSlides/notesSlide1.xml"
            ]
        );
    }
}
