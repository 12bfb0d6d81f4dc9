"""POP3 (RFC 1939, 2449, 2595) driven by Python's poplib against a running Kantor.

Run by tests/pop3.rs with KANTOR_POP3, KANTOR_POP3S, KANTOR_SMTP (ports), KANTOR_USER,
KANTOR_USER2 and KANTOR_PASSWORD in the environment; prints 'N passed, N failed'.
"""
import os
import poplib
import time

import harness
from harness import CTX, HOST, deliver

POP3, POP3S = (int(os.environ[k]) for k in ("KANTOR_POP3", "KANTOR_POP3S"))
USER, USER2, PASSWORD = os.environ["KANTOR_USER"], os.environ["KANTOR_USER2"], os.environ["KANTOR_PASSWORD"]


def login(user=USER):
    pop = poplib.POP3_SSL(HOST, POP3S, context=CTX, timeout=30)
    pop.user(user)
    pop.pass_(PASSWORD)
    return pop


def test_plaintext_login_refused_before_stls_then_works_after():
    pop = poplib.POP3(HOST, POP3, timeout=30)
    caps = pop.capa()
    assert "STLS" in caps and "USER" not in caps, caps
    try:
        pop.user(USER)
        raise AssertionError("USER accepted before STLS")
    except poplib.error_proto as e:
        assert b"[AUTH]" in e.args[0], e
    pop.stls(context=CTX)
    assert "USER" in pop.capa()
    pop.user(USER)
    pop.pass_(PASSWORD)
    assert pop.stat()[0] == 3
    pop.quit()


def test_stat_list_uidl_retr_top():
    pop = login()
    count, size = pop.stat()
    assert count == 3, count
    _resp, listing, _ = pop.list()
    sizes = [int(line.split()[1]) for line in listing]
    assert sum(sizes) == size, (sizes, size)
    _resp, lines, octets = pop.retr(1)
    text = b"\r\n".join(lines)
    # Stuffed by smtplib, unstuffed by Kantor's DATA, stuffed by RETR, unstuffed by poplib.
    assert b"Subject: first" in text and b"\r\n.starts with a dot" in text and b"..starts" not in text
    _resp, top, _ = pop.top(2, 0)
    assert any(l.startswith(b"Subject: second") for l in top) and b"line 1" not in b"\n".join(top)
    _resp, top1, _ = pop.top(2, 1)
    assert b"line 1" in b"\n".join(top1) and b"line 2" not in b"\n".join(top1)
    try:
        pop.retr(99)
        raise AssertionError("RETR 99 accepted")
    except poplib.error_proto:
        pass
    pop.quit()


def test_uidl_is_stable_across_sessions():
    pop = login()
    first = pop.uidl()[1]
    pop.quit()
    pop = login()
    assert pop.uidl()[1] == first
    pop.quit()


def test_dele_only_at_quit_and_rset_undoes():
    pop = login()
    pop.dele(1)
    assert pop.stat()[0] == 2
    pop.rset()
    assert pop.stat()[0] == 3
    pop.dele(3)
    # Dropping the connection without QUIT: nothing is deleted (RFC 1939 §6).
    pop.close()  # drop the connection without QUIT
    time.sleep(0.5)  # let the server notice the dropped connection and release the lock
    pop = login()
    assert pop.stat()[0] == 3
    uids = pop.uidl()[1]
    pop.dele(3)
    pop.quit()
    pop = login()
    assert pop.stat()[0] == 2
    assert pop.uidl()[1] == uids[:2], "remaining messages keep their UIDLs"
    pop.quit()


def test_second_session_is_refused_while_locked():
    pop = login()
    try:
        login()
        raise AssertionError("second session got the locked maildrop")
    except poplib.error_proto as e:
        assert b"[IN-USE]" in e.args[0], e
    pop.quit()
    login().quit()


def test_the_lock_holds_across_ports():
    """A session on 995 holds the maildrop against one on 110 (after STLS), and back."""
    def plain():
        pop = poplib.POP3(HOST, POP3, timeout=30)
        pop.stls(context=CTX)
        pop.user(USER)
        pop.pass_(PASSWORD)
        return pop

    for first, second in ((login, plain), (plain, login)):
        pop = first()
        try:
            second()
            raise AssertionError("the other port got the locked maildrop")
        except poplib.error_proto as e:
            assert b"[IN-USE]" in e.args[0], e
        pop.quit()


def test_auth_plain_and_wrong_password():
    pop = poplib.POP3_SSL(HOST, POP3S, context=CTX, timeout=30)
    import base64
    token = base64.b64encode(f"\0{USER2}\0{PASSWORD}".encode()).decode()
    assert pop._shortcmd(f"AUTH PLAIN {token}").startswith(b"+OK")
    pop.quit()
    pop = poplib.POP3_SSL(HOST, POP3S, context=CTX, timeout=30)
    pop.user(USER2)
    try:
        pop.pass_("wrong")
        raise AssertionError("wrong password accepted")
    except poplib.error_proto as e:
        assert b"[AUTH]" in e.args[0], e


def test_bad_commands_get_err_and_session_goes_on():
    pop = login(USER2)
    for bad in ["FOO", "RETR", "RETR x", "TOP 1", "LIST 0", "DELE -1"]:
        try:
            pop._shortcmd(bad)
            raise AssertionError(f"{bad} accepted")
        except poplib.error_proto:
            pass
    assert pop.noop().startswith(b"+OK")
    pop.quit()


def main():
    deliver(USER, "first", ".starts with a dot\r\n")
    deliver(USER, "second", "line 1\r\nline 2\r\n")
    deliver(USER, "third")
    harness.run(globals())


if __name__ == "__main__":
    main()
