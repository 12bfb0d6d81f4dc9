"""What the suites share: the server's address, a TLS context that accepts its self-signed
certificate, delivery over SMTP (port KANTOR_SMTP), and `run`, which runs every test_* function
of a suite module, prints each outcome and the closing line 'N passed, N failed', and exits
non-zero on any failure."""
import os
import smtplib
import ssl
import sys
import traceback

HOST = "127.0.0.1"
CTX = ssl._create_unverified_context()


def deliver(to, subject, body="hello\r\n"):
    """One message to `to` over SMTP on port KANTOR_SMTP."""
    with smtplib.SMTP(HOST, int(os.environ["KANTOR_SMTP"]), timeout=30) as smtp:
        smtp.sendmail("sender@remote.example", [to], f"Subject: {subject}\r\n\r\n{body}")


def run(namespace):
    tests = [v for k, v in namespace.items() if k.startswith("test_") and callable(v)]
    passed = failed = 0
    for test in tests:
        try:
            test()
            passed += 1
            print(f"ok {test.__name__}")
        except Exception:
            failed += 1
            print(f"FAILED {test.__name__}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
