"""SMTP receiving and submission driven by Python's smtplib against a running Kantor.

Run by tests/external_clients.rs with KANTOR_SMTP, KANTOR_SUBMISSION, KANTOR_SUBMISSIONS,
KANTOR_POP3S, KANTOR_USER, KANTOR_OTHER and KANTOR_PASSWORD set; prints 'N passed, N failed'.
"""
import os
import poplib
import smtplib

import harness
from harness import CTX, HOST

SMTP, SUB, SUBS, POP3S = (int(os.environ[k]) for k in ("KANTOR_SMTP", "KANTOR_SUBMISSION", "KANTOR_SUBMISSIONS", "KANTOR_POP3S"))
USER, OTHER, PASSWORD = os.environ["KANTOR_USER"], os.environ["KANTOR_OTHER"], os.environ["KANTOR_PASSWORD"]


def subjects(user):
    pop = poplib.POP3_SSL(HOST, POP3S, context=CTX, timeout=30)
    pop.user(user)
    pop.pass_(PASSWORD)
    out = []
    for n in range(1, pop.stat()[0] + 1):
        lines = pop.top(n, 0)[1]
        out += [l[8:].strip().decode() for l in lines if l.lower().startswith(b"subject:")]
    pop.quit()
    return out


def test_ehlo_advertises_the_extensions():
    with smtplib.SMTP(HOST, SMTP, timeout=30) as s:
        s.ehlo("client.example")
        for ext in ["pipelining", "size", "8bitmime", "smtputf8", "enhancedstatuscodes", "starttls", "chunking", "dsn"]:
            assert s.has_extn(ext), ext
        assert not s.has_extn("auth")


def test_mx_delivery_with_8bit_and_utf8():
    body = "Subject: grüße\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHallo Jörg ☺\r\n"
    with smtplib.SMTP(HOST, SMTP, timeout=30) as s:
        s.sendmail("sender@remote.example", [USER], body.encode(), mail_options=["BODY=8BITMIME", "SMTPUTF8"])
    assert "grüße" in subjects(USER)


def test_submission_starttls_auth_login_and_plain():
    with smtplib.SMTP(HOST, SUB, timeout=30) as s:
        s.starttls(context=CTX)
        s.ehlo("client.example")
        assert "PLAIN" in s.esmtp_features["auth"] and "LOGIN" in s.esmtp_features["auth"]
        s.login(USER, PASSWORD)  # smtplib prefers CRAM-MD5, then PLAIN, then LOGIN
        s.sendmail(USER, [OTHER], f"From: {USER}\r\nTo: {OTHER}\r\nSubject: via smtplib\r\n\r\nhi\r\n")
    with smtplib.SMTP_SSL(HOST, SUBS, context=CTX, timeout=30) as s:
        s.ehlo("client.example")  # AUTH is an EHLO extension (RFC 4954 §3)
        s.user, s.password = USER, PASSWORD
        code, _ = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
        assert code == 235
        s.sendmail(USER, [OTHER], f"From: {USER}\r\nSubject: via smtplib 465\r\n\r\nhi\r\n")
    got = subjects(OTHER)
    assert "via smtplib" in got and "via smtplib 465" in got, got


def test_from_header_must_be_owned():
    with smtplib.SMTP_SSL(HOST, SUBS, context=CTX, timeout=30) as s:
        s.login(USER, PASSWORD)
        try:
            s.sendmail(USER, [OTHER], f"From: {OTHER}\r\nSubject: forged\r\n\r\nhi\r\n")
            raise AssertionError("forged From accepted")
        except smtplib.SMTPDataError as e:
            assert e.smtp_code == 550 and OTHER in e.smtp_error.decode(), e
    assert "forged" not in subjects(OTHER)


def test_wrong_password_is_535():
    with smtplib.SMTP_SSL(HOST, SUBS, context=CTX, timeout=30) as s:
        try:
            s.login(OTHER, "wrong")
            raise AssertionError("wrong password accepted")
        except smtplib.SMTPAuthenticationError as e:
            assert e.smtp_code == 535, e


def test_bdat_chunking():
    with smtplib.SMTP(HOST, SMTP, timeout=30) as s:
        s.ehlo("client.example")
        s.mail("sender@remote.example")
        s.rcpt(USER)
        first, last = b"Subject: chunked\r\n\r\npart one, ", b"part two\r\n"
        s.send(b"BDAT %d\r\n" % len(first) + first)
        assert s.getreply()[0] == 250
        s.send(b"BDAT %d LAST\r\n" % len(last) + last)
        assert s.getreply()[0] == 250
    assert "chunked" in subjects(USER)


def main():
    harness.run(globals())


if __name__ == "__main__":
    main()
