"""Sends test mail to Kantor's port 25 for tests/smtp_auth_checks.rs, signed with dkimpy, and
parses Authentication-Results fields with authres (authheaders' parser), independently of the
server's own code.

  auth_mail.py send HOST PORT SOURCE_IP HELO MAIL_FROM RCPT FROM_HEADER SUBJECT [--sign DOMAIN SELECTOR KEYFILE] [--tamper] [--forge]
      prints the server's reply to the end of data: "CODE TEXT"
  auth_mail.py results
      reads a message's header from stdin; prints "authserv-id ID", then "METHOD RESULT" per result
"""
import smtplib
import sys
import time

import authres
import dkim


def build(from_header, rcpt, subject):
    return (
        f"From: {from_header}\r\n"
        f"To: {rcpt}\r\n"
        f"Subject: {subject}\r\n"
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
        f"Message-ID: <{time.time_ns()}@auth.test>\r\n"
        "\r\n"
        f"This is {subject}.\r\n"
    ).encode()


def send(args):
    host, port, source, helo, mail_from, rcpt, from_header, subject = args[:8]
    rest = args[8:]
    message = build(from_header, rcpt, subject)
    if "--sign" in rest:
        i = rest.index("--sign")
        domain, selector, keyfile = rest[i + 1 : i + 4]
        with open(keyfile, "rb") as f:
            key = f.read()
        signature = dkim.sign(
            message,
            selector.encode(),
            domain.encode(),
            key,
            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
        )
        message = signature + message
    if "--forge" in rest:
        # Claims the receiving server's verdicts (RFC 8601 §5 says the server removes these).
        message = b"Authentication-Results: mail.example.test; dmarc=pass header.from=pass.test\r\n" + message
    if "--tamper" in rest:
        message = message.replace(b"This is", b"This was")
    client = smtplib.SMTP(host, int(port), local_hostname=helo, source_address=(source, 0), timeout=60)
    try:
        client.ehlo()
        code, text = client.mail(mail_from)
        if code != 250:
            return f"{code} {text.decode()}"
        code, text = client.rcpt(rcpt)
        if code not in (250, 251):
            return f"{code} {text.decode()}"
        code, text = client.data(message)
        return f"{code} {text.decode()}"
    finally:
        try:
            client.quit()
        except smtplib.SMTPException:
            pass


def results():
    text = sys.stdin.read().replace("\r\n", "\n")
    header = None
    for field in text.split("\n\n", 1)[0].replace("\n\t", " ").replace("\n ", " ").split("\n"):
        if field.lower().startswith("authentication-results:"):
            header = field
            break
    if header is None:
        print("no Authentication-Results")
        return
    parsed = authres.AuthenticationResultsHeader.parse(header)
    print(f"authserv-id {parsed.authserv_id}")
    for result in parsed.results:
        print(f"{result.method} {result.result}")


if __name__ == "__main__":
    if sys.argv[1] == "send":
        print(send(sys.argv[2:]))
    elif sys.argv[1] == "results":
        results()
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
