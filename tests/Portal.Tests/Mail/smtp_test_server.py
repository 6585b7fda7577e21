#!/usr/bin/python3
"""A real SMTP server on loopback for the outbox tests (Debian's python3-aiosmtpd).

Every message accepted is written to FOLDER as NNNN.json (envelope, TLS, authentication) and NNNN.eml (the message as
received), the .eml last and by rename, so a complete pair is all a reader ever sees. Prints READY once it listens;
stops when its standard input closes.

  --refuse-recipient PREFIX  answers 550 to RCPT TO addresses starting with PREFIX
  --refuse-data              answers 554 after DATA
  --tls-cert/--tls-key       offers STARTTLS and requires it before MAIL
  SMTP_TEST_USER / SMTP_TEST_PASSWORD (environment)  require AUTH (over TLS) with these
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, folder, refuse_recipient, refuse_data, hold_data):
        self.folder = folder
        self.refuse_recipient = refuse_recipient
        self.refuse_data = refuse_data
        self.hold_data = hold_data
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_recipient and address.startswith(self.refuse_recipient):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return "554 5.6.0 Message refused"
        if self.hold_data:
            # Says it has the message (the file "holding") and answers only once the test creates the file "release".
            open(os.path.join(self.hold_data, "holding"), "w").close()
            while not os.path.exists(os.path.join(self.hold_data, "release")):
                await asyncio.sleep(0.05)
        self.count += 1
        base = os.path.join(self.folder, "%04d" % self.count)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with open(base + ".json", "w", encoding="utf-8") as facts:
            json.dump({"mailFrom": envelope.mail_from, "recipients": envelope.rcpt_tos, "tls": session.ssl is not None,
                       "authenticated": bool(session.authenticated), "login": login}, facts)
        with open(base + ".tmp", "wb") as content:
            content.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 Accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--refuse-recipient")
    parser.add_argument("--refuse-data", action="store_true")
    parser.add_argument("--hold-data")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    arguments = parser.parse_args()

    settings = {}
    if arguments.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
        settings.update(tls_context=context, require_starttls=True)
    user, password = os.environ.get("SMTP_TEST_USER"), os.environ.get("SMTP_TEST_PASSWORD")
    if user:
        def authenticate(server, session, envelope, mechanism, auth_data):
            accepted = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=accepted, handled=False, auth_data=auth_data)
        settings.update(authenticator=authenticate, auth_required=True, auth_require_tls=True)

    handler = Recorder(arguments.folder, arguments.refuse_recipient, arguments.refuse_data, arguments.hold_data)
    controller = Controller(handler, hostname="127.0.0.1", port=arguments.port, **settings)
    controller.start()
    print("READY", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
