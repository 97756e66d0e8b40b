"""SMTP sink for the e2e tests, started by mailservers.SmtpSink with Debian's /usr/bin/python3 (which
has aiosmtpd). Listens on 127.0.0.1 (port 0 = any free one), prints "PORT <n>" once listening, stores
each accepted message as <dir>/msg-NNNN.eml (raw DATA) plus msg-NNNN.json (envelope), and answers
failures as told by <dir>/control.json: {"fail": {"count", "code", "stage"}, "reject": {rcpt: code}}.
Exits when its stdin closes (the parent went away) or on SIGTERM."""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, auth):
        self.dir, self.auth = directory, auth
        self.count = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return responses if self.auth else [r for r in responses if not r.startswith("250-AUTH")]

    def _control(self):
        try:
            with open(os.path.join(self.dir, "control.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def _write_control(self, control):
        path = os.path.join(self.dir, "control.json")
        with open(path + ".srv", "w") as f:
            json.dump(control, f)
        os.replace(path + ".srv", path)

    def _failure(self, stage):
        control = self._control()
        fail = control.get("fail") or {}
        if fail.get("count", 0) <= 0 or fail.get("stage", "MAIL") != stage:
            return None
        fail["count"] -= 1
        self._write_control(control)
        code = int(fail.get("code", 451))
        if code < 500:
            return "%d 4.3.0 Try again later" % code
        return "%d 5.7.1 Rejected" % code

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        failure = self._failure("MAIL")
        if failure:
            return failure
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = {k.lower(): v for k, v in self._control().get("reject", {}).items()}.get(address.lower())
        if code:
            return "%d %s.1.1 <%s>: Recipient address rejected" % (code, str(code)[0], address)
        failure = self._failure("RCPT")
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        failure = self._failure("DATA")
        if failure:
            return failure
        self.count += 1
        base = os.path.join(self.dir, "msg-%04d" % self.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "helo": session.host_name,
                "tls": session.ssl is not None,
                "auth_user": session.auth_data.login.decode() if session.authenticated else None}
        with open(base + ".tmp", "w") as f:
            json.dump(meta, f)
        os.replace(base + ".tmp", base + ".json")  # the .json appearing marks the message complete
        return "250 2.0.0 OK queued as msg-%04d" % self.count


async def main(args):
    kwargs = {"hostname": "sink.parley.test", "enable_SMTPUTF8": True, "auth_require_tls": False}
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        kwargs["tls_context"] = ctx
    if args.auth_user is not None:
        def authenticator(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login == args.auth_user.encode() \
                and data.password == args.auth_password.encode()
            return AuthResult(success=ok, handled=False, auth_data=data if ok else None)
        kwargs.update(authenticator=authenticator, auth_required=True)
    sink = Sink(args.dir, args.auth_user is not None)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, **kwargs), "127.0.0.1", args.port)
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True).start()
    await stop.wait()
    server.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth-user")
    p.add_argument("--auth-password")
    asyncio.run(main(p.parse_args()))
