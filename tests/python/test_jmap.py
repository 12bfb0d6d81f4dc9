"""JMAP (RFC 8620, RFC 8621) driven by the jmapc client against a running Kantor.

Run by tests/jmap_mail.rs with KANTOR_HTTPS, KANTOR_SMTP (ports), KANTOR_CA (the server's
certificate, which the client verifies), KANTOR_USER and KANTOR_PASSWORD in the environment;
prints 'N passed, N failed'.
"""
import os
import smtplib

os.environ["REQUESTS_CA_BUNDLE"] = os.environ["KANTOR_CA"]

from jmapc import Client, Comparator, EmailQueryFilterCondition, Ref  # noqa: E402
from jmapc.methods import (  # noqa: E402
    CoreEcho,
    CoreEchoResponse,
    EmailGet,
    EmailGetResponse,
    EmailQuery,
    MailboxGet,
    MailboxGetResponse,
    ThreadGet,
    ThreadGetResponse,
)

import harness  # noqa: E402
from harness import HOST  # noqa: E402

USER, PASSWORD = os.environ["KANTOR_USER"], os.environ["KANTOR_PASSWORD"]
CLIENT = Client.create_with_password(f"{HOST}:{os.environ['KANTOR_HTTPS']}", USER, PASSWORD)


def test_session_is_discovered_through_the_well_known_url():
    session = CLIENT.jmap_session
    assert session.username == USER, session
    assert session.api_url.endswith("/jmap/api"), session.api_url
    assert CLIENT.account_id.startswith("A"), CLIENT.account_id


def test_core_echo():
    response = CLIENT.request(CoreEcho(data={"hello": [1, 2, 3]}))
    assert isinstance(response, CoreEchoResponse), response
    assert response.data == {"hello": [1, 2, 3]}, response.data


def test_delivered_mail_is_queried_fetched_and_threaded():
    with smtplib.SMTP(HOST, int(os.environ["KANTOR_SMTP"]), timeout=30) as smtp:
        smtp.sendmail(
            "sender@remote.example",
            [USER],
            "From: Sam Sender <sender@remote.example>\r\nSubject: for jmapc\r\n\r\n"
            "hello from smtp\r\n",
        )
    mailboxes = CLIENT.request(MailboxGet(ids=None))
    assert isinstance(mailboxes, MailboxGetResponse), mailboxes
    inbox = next(m for m in mailboxes.data if m.role == "inbox")
    assert inbox.total_emails >= 1, inbox
    results = CLIENT.request(
        [
            EmailQuery(
                filter=EmailQueryFilterCondition(in_mailbox=inbox.id),
                sort=[Comparator(property="receivedAt", is_ascending=False)],
                limit=10,
            ),
            EmailGet(
                ids=Ref("/ids"),
                properties=["subject", "from", "threadId", "mailboxIds", "receivedAt", "preview"],
            ),
        ]
    )
    emails = results[1].response
    assert isinstance(emails, EmailGetResponse), emails
    email = next(e for e in emails.data if e.subject == "for jmapc")
    assert email.mail_from[0].email == "sender@remote.example", email.mail_from
    assert email.mail_from[0].name == "Sam Sender", email.mail_from
    assert email.mailbox_ids == {inbox.id: True}, email.mailbox_ids
    assert email.preview.startswith("hello from smtp"), email.preview
    threads = CLIENT.request(ThreadGet(ids=[email.thread_id]))
    assert isinstance(threads, ThreadGetResponse), threads
    assert email.id in threads.data[0].email_ids, threads.data


harness.run(globals())
