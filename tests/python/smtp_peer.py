"""A remote SMTP server for the outbound tests, built on aiosmtpd (RFC 5321; PyPI, pinned in
tests/run.sh): it stores every message it accepts as DIR/N.json (envelope, MAIL parameters, the
client's address and port, so a test can tell which connection carried it, and the content) and
behaves as some real servers do when a test asks it to:

- a recipient whose local part starts with `refuse` gets 550, one starting with `later` gets 451;
- a message with an `X-Test: drop` header line has its connection cut before the reply to its
  DATA, the first time only (the message, known by its Subject, is not stored);
- a message with `X-Test: stall` is stored, then the reply waits `--stall` seconds (the first time
  only), as a server slow to answer after the message;
- `--no-8bitmime` leaves 8BITMIME out of the EHLO reply (RFC 6152), as older servers do;
- `--name NAME`: the name the server announces in its greeting and EHLO reply;
- `--refuse-starttls N`: the first N EHLO replies offer STARTTLS, which is then refused with
  aiosmtpd's `454 TLS not available` (RFC 3207 §4: it has no certificate), as a server whose
  TLS is broken does; the later ones do not offer it.

Usage: smtp_peer.py DIR PORT [--no-8bitmime] [--stall SECONDS] [--name NAME]
[--refuse-starttls N]; prints `listening PORT` once ready and runs until killed.
"""

import asyncio
import json
import os
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory, no_8bitmime, stall, refuse_starttls):
        self.directory = directory
        self.no_8bitmime = no_8bitmime
        self.stall = stall
        self.refuse_starttls = refuse_starttls
        self.count = 0
        self.seen = set()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.no_8bitmime:
            responses = [r for r in responses if "8BITMIME" not in r]
        if self.refuse_starttls > 0:
            self.refuse_starttls -= 1
            responses = responses[:1] + ["250-STARTTLS"] + responses[1:]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("refuse"):
            return "550 5.1.1 no such user here"
        if local.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def store(self, session, envelope):
        self.count += 1
        record = {
            "peer": list(session.peer),
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "content": envelope.original_content.decode("latin-1"),
        }
        path = os.path.join(self.directory, f"{self.count:05}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content
        # The same message on every attempt (its DKIM signatures change): its Subject.
        head = content.split(b"\r\n\r\n", 1)[0]
        key = [line for line in head.split(b"\r\n") if line.startswith(b"Subject:")]
        key = key[0] if key else head
        first = key not in self.seen
        self.seen.add(key)
        if first and b"\nX-Test: drop" in content:
            server.transport.abort()
            return "421 4.4.2 gone"
        self.store(session, envelope)
        if first and b"\nX-Test: stall" in content:
            await asyncio.sleep(self.stall)
        return "250 2.0.0 stored as %d" % self.count


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    no_8bitmime = "--no-8bitmime" in sys.argv
    stall = 30.0
    if "--stall" in sys.argv:
        stall = float(sys.argv[sys.argv.index("--stall") + 1])
    name = None
    if "--name" in sys.argv:
        name = sys.argv[sys.argv.index("--name") + 1]
    refuse_starttls = 0
    if "--refuse-starttls" in sys.argv:
        refuse_starttls = int(sys.argv[sys.argv.index("--refuse-starttls") + 1])
    handler = Handler(directory, no_8bitmime, stall, refuse_starttls)
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        decode_data=False,
        server_hostname=name,
        server_kwargs={"timeout": 120},
    )
    controller.start()
    print("listening", controller.port, flush=True)
    try:
        while True:
            asyncio.run(asyncio.sleep(3600))
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    main()
