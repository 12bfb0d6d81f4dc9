"""Mail with office attachments made by the formats' own Python libraries (python-docx,
openpyxl, python-pptx, odfpy, fpdf2), for tests/search_attachments.rs. Usage:

  office_mail.py SMTP_PORT TO DIR

Writes each document under DIR, attaches it (one message each, the format's MIME type) and
delivers the messages with smtplib, in this order:

  1 report.docx       "Lighthouse maintenance schedule" (+ a table cell "Keeper Okonkwo")
  2 figures.xlsx      shared strings "Revenue forecast", "Zanzibar branch", number 98765.25
  3 deck.pptx         slide titles "Quarterly kickoff", "Ptarmigan roadmap"
  4 letter.odt        "Gezeitenkraftwerk Planung", Chinese "北京开会通知"
  5 scan.pdf          "Invoice Marzipan Holdings total due"
  6 bomb.docx         a word/document.xml of 200 MiB of zeros deflated ("Bombastic" after it)
  7 broken.pdf        not a PDF: indexed by name only
  8 plain             no attachment, body "nothing attached here"
"""
import io
import smtplib
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import docx
import openpyxl
from fpdf import FPDF
from odf.opendocument import OpenDocumentText
from odf.text import P
from pptx import Presentation

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"


def make_docx(path):
    d = docx.Document()
    d.add_heading("Lighthouse maintenance schedule", 1)
    d.add_paragraph("The lamp is cleaned every Tuesday.")
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Keeper Okonkwo"
    table.rows[0].cells[1].text = "Night shift"
    d.save(path)


def make_xlsx(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Revenue forecast"
    ws["A2"] = "Zanzibar branch"
    ws["B2"] = 98765.25
    wb.save(path)


def make_pptx(path):
    p = Presentation()
    for title, body in [("Quarterly kickoff", "Welcome"), ("Ptarmigan roadmap", "Milestones")]:
        slide = p.slides.add_slide(p.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    p.save(path)


def make_odt(path):
    d = OpenDocumentText()
    d.text.addElement(P(text="Gezeitenkraftwerk Planung"))
    d.text.addElement(P(text="北京开会通知"))
    d.save(path)


def make_pdf(path):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(text="Invoice Marzipan Holdings total due")
    pdf.output(str(path))


def make_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>')
            chunk = b"0" * (1 << 20)
            for _ in range(200):
                f.write(chunk)
            f.write(b"Bombastic</w:t></w:r></w:p></w:body></w:document>")


def main(port, to, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = [
        ("report.docx", DOCX, make_docx),
        ("figures.xlsx", XLSX, make_xlsx),
        ("deck.pptx", PPTX, make_pptx),
        ("letter.odt", ODT, make_odt),
        ("scan.pdf", "application/pdf", make_pdf),
        ("bomb.docx", DOCX, make_bomb),
        ("broken.pdf", "application/pdf", lambda p: p.write_bytes(b"%PDF-1.4 not really")),
    ]
    messages = []
    for name, mime, make in files:
        path = out / name
        make(path)
        m = EmailMessage()
        m["From"] = "Office <office@corp.example>"
        m["To"] = to
        m["Subject"] = "Attached " + name
        m.set_content("Please find the file attached.")
        main_type, sub_type = mime.split("/")
        m.add_attachment(path.read_bytes(), maintype=main_type, subtype=sub_type, filename=name)
        messages.append(m)
    m = EmailMessage()
    m["From"] = "Office <office@corp.example>"
    m["To"] = to
    m["Subject"] = "Plain"
    m.set_content("nothing attached here")
    messages.append(m)
    with smtplib.SMTP("127.0.0.1", int(port), timeout=120) as smtp:
        for m in messages:
            smtp.send_message(m, from_addr="sender@remote.example", to_addrs=[to])


if __name__ == "__main__":
    main(*sys.argv[1:4])
