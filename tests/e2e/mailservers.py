"""Real mail servers for the e-mail channel e2e tests, each confined to a temp dir on loopback.

Dovecot: a private Dovecot IMAP server (own config, base_dir, state, log and Maildir; nothing under
/etc or /var is touched) with one passwd-file user; plaintext login allowed without TLS, optional
IMAPS listener with a self-signed certificate. As root, mail is accessed as the `mail` user (Dovecot
refuses UID 0); otherwise everything runs as the invoking user.

SmtpSink: an aiosmtpd server (tests/e2e/smtp_sink_server.py, run with Debian's /usr/bin/python3) that
stores every accepted message, with optional AUTH, STARTTLS and scripted failures.

Run this file directly for a self-check."""
import imaplib
import json
import os
import grp
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM_PYTHON = os.environ.get("PARLEY_SMTP_PYTHON", "/usr/bin/python3")
DOVECOT_BIN = os.environ.get("PARLEY_DOVECOT", shutil.which("dovecot") or "/usr/sbin/dovecot")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed_cert(directory):
    """Writes cert.pem/key.pem for 127.0.0.1/localhost into directory; returns (cert, key)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", key, "-out", cert,
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    os.chmod(key, 0o644)  # read by the server process, whichever user it runs as
    return cert, key


def _tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def _group_alive(pgid):
    """Whether any non-zombie process is left in process group pgid."""
    if not os.path.isdir("/proc/self"):
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _kill_group(proc, signals=(signal.SIGTERM, signal.SIGKILL), timeout=5):
    """Signals the process group that proc leads (members may outlive the leader) until it is gone."""
    for sig in signals:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.time() + timeout
        while _group_alive(proc.pid) and time.time() < deadline:
            proc.poll()
            time.sleep(0.02)
        if not _group_alive(proc.pid):
            break
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = parley-e2e-{port}
log_path = {dir}/dovecot.log
ssl = {ssl}
{ssl_files}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{dir}/mail/%u
{nonroot}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
{login_chroot}
}}
"""

NONROOT_CONF = """\
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
service anvil {{
  chroot =
}}"""


class Dovecot:
    """IMAP on 127.0.0.1:port (imap_url()); with imaps=True also IMAPS on imaps_port (cert_path).
    Log: log_path. append()/uids()/uidvalidity()/recreate_mailbox() act as the mail system would."""
    mailbox = "INBOX"

    def __init__(self, user="agent@example.test", password="s3cret-imap", imaps=False, timeout=10):
        self.host, self.user, self.password = "127.0.0.1", user, password
        self.imaps_port = self.cert_path = None
        self.dir = tempfile.mkdtemp(prefix="parley-dovecot-")
        self.proc = None
        try:
            self._start(imaps, timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, imaps, timeout):
        os.chmod(self.dir, 0o711)
        if os.geteuid() == 0:
            account = pwd.getpwnam("mail" if "mail" in {p.pw_name for p in pwd.getpwall()} else "nobody")
            uid, gid = account.pw_uid, account.pw_gid
            nonroot = login_chroot = ""
        else:
            uid, gid = os.getuid(), os.getgid()
            nonroot = NONROOT_CONF.format(user=pwd.getpwuid(uid).pw_name, group=grp.getgrgid(gid).gr_name)
            login_chroot = "  chroot ="
        self.mail_uid = uid
        for sub in ("mail", "home"):
            os.mkdir(os.path.join(self.dir, sub))
            os.chown(os.path.join(self.dir, sub), uid, gid)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write("%s:{PLAIN}%s::::::\n" % (self.user, self.password))
        os.chmod(os.path.join(self.dir, "passwd"), 0o644)
        ssl_files = ""
        if imaps:
            self.cert_path, key = self_signed_cert(self.dir)
            ssl_files = "ssl_cert = <%s\nssl_key = <%s" % (self.cert_path, key)
        self.log_path = os.path.join(self.dir, "dovecot.log")
        self._conf = dict(dir=self.dir, ssl="yes" if imaps else "no", ssl_files=ssl_files, uid=uid, gid=gid,
                          nonroot=nonroot, login_chroot=login_chroot)
        self.timeout = timeout
        for attempt in range(3):  # a free port may be grabbed by someone else before Dovecot binds it
            self.port = free_port()
            self.imaps_port = free_port() if imaps else None
            if self._launch():
                return
            if attempt == 2 or "Address already in use" not in _tail(self.log_path) + _tail(self._stdout_log()):
                break
            self._stop_process()
        self._not_ready()

    def _launch(self):
        try:  # left by a killed predecessor, whose zombie may still hold the pid
            os.unlink(os.path.join(self.dir, "run", "master.pid"))
        except FileNotFoundError:
            pass
        conf = os.path.join(self.dir, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(DOVECOT_CONF.format(port=self.port, imaps_port=self.imaps_port or 0, **self._conf))
        # sh waits for dovecot; a subshell kills it once our stdin closes (even if this process is killed).
        with open(self._stdout_log(), "ab") as out:
            self.proc = subprocess.Popen(
                ["sh", "-c", 'exec 3<&0; "$0" -F -c "$1" </dev/null & pid=$!; '
                             '(cat <&3 >/dev/null; kill -9 $pid 2>/dev/null) & exec 3<&-; wait $pid',
                 DOVECOT_BIN, conf],
                stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self._wait_ready(self.timeout)

    def _not_ready(self):
        raise RuntimeError("dovecot did not become ready on port %d:\n%s%s"
                           % (self.port, _tail(self.log_path), _tail(self._stdout_log())))

    def _stdout_log(self):
        return os.path.join(self.dir, "stdout.log")

    def _wait_ready(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection((self.host, self.port), timeout=2) as s:
                    if s.recv(100).startswith(b"* OK"):
                        s.sendall(b"a LOGOUT\r\n")
                        s.recv(100)
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def imap_url(self):
        return "imap://%s:%d/%s" % (self.host, self.port, self.mailbox)

    def imaps_url(self):
        return "imaps://%s:%d/%s" % (self.host, self.imaps_port, self.mailbox)

    def connect(self):
        """A logged-in imaplib client; the caller logs out."""
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.user, self.password)
        return imap

    def append(self, raw, mailbox="INBOX"):
        """Delivers raw (bytes; imaplib normalizes line ends to CRLF) and returns its UID."""
        imap = self.connect()
        try:
            typ, data = imap.append(mailbox, None, None, raw)
            assert typ == "OK", (typ, data)
            m = re.search(rb"APPENDUID \d+ (\d+)", data[0])
            return int(m.group(1)) if m else None
        finally:
            imap.logout()

    def uids(self, mailbox="INBOX"):
        imap = self.connect()
        try:
            imap.select(mailbox, readonly=True)
            typ, data = imap.uid("SEARCH", "ALL")
            return [int(u) for u in data[0].split()]
        finally:
            imap.logout()

    def uidvalidity(self, mailbox="INBOX"):
        imap = self.connect()
        try:
            typ, data = imap.status(mailbox, "(UIDVALIDITY)")
            return int(re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1))
        finally:
            imap.logout()

    def recreate_mailbox(self):
        """Empties INBOX and gives it a new UIDVALIDITY, as if it had been deleted and recreated (IMAP
        cannot DELETE INBOX) by a server-side rebuild: Dovecot is stopped (open sessions drop), the
        Maildir's messages and indexes are removed (dovecot-uidvalidity stays, so the next UIDVALIDITY
        is higher) and Dovecot starts again on the same ports. Returns the new UIDVALIDITY."""
        before = self.uidvalidity()
        self._stop_process()
        root = os.path.join(self.dir, "mail", self.user)
        for name in os.listdir(root):
            if name in ("cur", "new", "tmp") or name.startswith(("dovecot-uidlist", "dovecot.index",
                                                                 "dovecot.list.index", "dovecot-keywords")):
                path = os.path.join(root, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
        if not self._launch():
            self._not_ready()
        after = self.uidvalidity()
        assert after != before, (before, after)
        return after

    def _stop_process(self):
        if self.proc:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            _kill_group(self.proc, signals=(signal.SIGKILL,))  # SIGTERM takes Dovecot over a second
            self.proc = None

    def stop(self):
        self._stop_process()
        shutil.rmtree(self.dir, ignore_errors=True)

    close = stop

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class SmtpSink:
    """Stores every accepted message. require_auth=(user, password) demands AUTH PLAIN/LOGIN (allowed
    without TLS); starttls=True offers STARTTLS with a self-signed cert (cert_path)."""

    def __init__(self, require_auth=None, starttls=False, timeout=10):
        self.host = "127.0.0.1"
        self.dir = tempfile.mkdtemp(prefix="parley-smtp-")
        self.msg_dir = os.path.join(self.dir, "spool")
        os.mkdir(self.msg_dir)
        self.cert_path = None
        cmd = [SYSTEM_PYTHON, os.path.join(HERE, "smtp_sink_server.py"), "--dir", self.msg_dir]
        if starttls:
            self.cert_path, key = self_signed_cert(self.dir)
            cmd += ["--cert", self.cert_path, "--key", key]
        if require_auth:
            cmd += ["--auth-user", require_auth[0], "--auth-password", require_auth[1]]
        self.log_path = os.path.join(self.dir, "server.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYENV"))}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                         env=env, start_new_session=True)
        os.set_blocking(self.proc.stdout.fileno(), False)
        line, deadline = b"", time.time() + timeout
        while b"\n" not in line and time.time() < deadline and self.proc.poll() is None:
            line += self.proc.stdout.read() or b""
            time.sleep(0.02)
        m = re.match(rb"PORT (\d+)", line)
        if not m:
            log = _tail(self.log_path)
            self.stop()
            raise RuntimeError("SMTP sink did not start:\n" + log)
        self.port = int(m.group(1))

    def url(self):
        return "smtp://%s:%d" % (self.host, self.port)

    def _set_control(self, **changes):
        """Updates spool/control.json, which the server reads on every command."""
        path = os.path.join(self.msg_dir, "control.json")
        try:
            with open(path) as f:
                control = json.load(f)
        except (OSError, ValueError):
            control = {}
        control.update({k: v(control) if callable(v) else v for k, v in changes.items()})
        with open(path + ".tmp", "w") as f:
            json.dump(control, f)
        os.replace(path + ".tmp", path)

    def fail_next(self, count=1, code=451, stage="MAIL"):
        """The next `count` transactions are answered `code` at stage MAIL, RCPT or DATA (end of data)."""
        self._set_control(fail={"count": count, "code": code, "stage": stage})

    def reject_rcpt(self, address, code=550):
        """RCPT TO:<address> is answered `code` from now on (code=None clears it)."""
        def update(control):
            reject = dict(control.get("reject", {}), **{address: code})
            return {k: v for k, v in reject.items() if v}
        self._set_control(reject=update)

    def messages(self):
        """[{mail_from, rcpt_tos, data (bytes), helo, tls, auth_user}] in arrival order."""
        out = []
        for name in sorted(os.listdir(self.msg_dir)):
            if name.startswith("msg-") and name.endswith(".json"):
                with open(os.path.join(self.msg_dir, name)) as f:
                    meta = json.load(f)
                with open(os.path.join(self.msg_dir, name[:-5] + ".eml"), "rb") as f:
                    meta["data"] = f.read()
                out.append(meta)
        return out

    def wait_for(self, count, timeout=10):
        deadline = time.time() + timeout
        while True:
            msgs = self.messages()
            if len(msgs) >= count or time.time() > deadline:
                if len(msgs) < count:
                    raise AssertionError("expected %d messages, got %d" % (count, len(msgs)))
                return msgs
            time.sleep(0.05)

    def stop(self):
        if self.proc:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            _kill_group(self.proc)
            self.proc.stdout.close()
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    close = stop

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _self_check():
    import smtplib
    import ssl

    def mail(subject):
        return ("From: Alice <alice@example.test>\r\nTo: agent@example.test\r\nSubject: %s\r\n"
                "Message-ID: <%s@example.test>\r\n\r\nHello,\r\n.dot line\r\nbye\r\n" % (subject, subject)).encode()

    with Dovecot(imaps=True) as dc:
        dc_dir, dc_instance = dc.dir, "dovecot-parley-e2e-%d/" % dc.port
        assert dc.uids() == []
        first = dc.uidvalidity()
        m1, m2 = mail("one"), mail("two")
        assert dc.append(m1) == 1 and dc.append(m2) == 2
        imap = dc.connect()
        typ, data = imap.select("INBOX")
        assert typ == "OK" and int(data[0]) == 2, data
        typ, data = imap.uid("SEARCH", "UID", "1:*")
        assert data[0].split() == [b"1", b"2"], data
        for uid, raw in ((b"1", m1), (b"2", m2)):
            typ, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            assert data[0][1] == raw, data
        imap.logout()
        ctx = ssl.create_default_context(cafile=dc.cert_path)
        imaps = imaplib.IMAP4_SSL(dc.host, dc.imaps_port, ssl_context=ctx, timeout=10)
        imaps.login(dc.user, dc.password)
        assert imaps.select("INBOX", readonly=True)[1] == [b"2"]
        imaps.logout()
        imap = dc.connect()
        imap.select("INBOX")
        second = dc.recreate_mailbox()
        try:
            imap.noop()
            raise AssertionError("session survived recreate_mailbox")
        except (imaplib.IMAP4.abort, OSError):
            pass
        assert second != first and dc.uids() == []
        assert dc.append(mail("three")) == 1 and dc.uidvalidity() == second
        print("dovecot ok: imap %d imaps %d uidvalidity %d -> %d" % (dc.port, dc.imaps_port, first, second))
    left = subprocess.run(["pgrep", "-af", "%s|%s" % (dc_dir, dc_instance)], capture_output=True, text=True).stdout
    assert not left and not os.path.exists(dc_dir), left

    with SmtpSink() as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as s:
            s.ehlo("client.example.test")
            assert not s.has_extn("auth") and not s.has_extn("starttls")
            s.sendmail("a@example.test", ["b@example.test", "c@example.test"], mail("plain"))
        got = sink.wait_for(1)[0]
        assert got["mail_from"] == "a@example.test" and got["rcpt_tos"] == ["b@example.test", "c@example.test"]
        assert got["data"] == mail("plain") and not got["tls"] and got["helo"] == "client.example.test", got
        sink.fail_next(1)
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as s:
            try:
                s.sendmail("a@example.test", ["b@example.test"], mail("x"))
                raise AssertionError("fail_next did not fail")
            except smtplib.SMTPSenderRefused as e:
                assert e.smtp_code == 451, e
            s.sendmail("a@example.test", ["b@example.test"], mail("retry"))
        sink.reject_rcpt("nobody@example.test")
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as s:
            try:
                s.sendmail("a@example.test", ["nobody@example.test"], mail("y"))
                raise AssertionError("reject_rcpt did not reject")
            except smtplib.SMTPRecipientsRefused as e:
                assert e.recipients["nobody@example.test"][0] == 550, e
        sink.fail_next(1, code=452, stage="DATA")
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as s:
            try:
                s.sendmail("a@example.test", ["b@example.test"], mail("z"))
                raise AssertionError("fail_next DATA did not fail")
            except smtplib.SMTPDataError as e:
                assert e.smtp_code == 452, e
        assert [m["data"] for m in sink.messages()] == [mail("plain"), mail("retry")]
        sink_dir, sink_pid = sink.dir, sink.proc.pid
    assert not os.path.exists(sink_dir)

    with SmtpSink(require_auth=("mailer", "pw"), starttls=True) as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as s:
            try:
                s.sendmail("a@example.test", ["b@example.test"], mail("noauth"))
                raise AssertionError("unauthenticated mail accepted")
            except smtplib.SMTPSenderRefused as e:
                assert e.smtp_code == 530, e
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as s:  # AUTH without TLS
            s.login("mailer", "pw")
            s.sendmail("a@example.test", ["b@example.test"], mail("auth"))
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as s:
            s.starttls(context=ssl.create_default_context(cafile=sink.cert_path))
            try:
                s.login("mailer", "wrong")
                raise AssertionError("bad password accepted")
            except smtplib.SMTPAuthenticationError:
                pass
            s.login("mailer", "pw")
            s.sendmail("a@example.test", ["b@example.test"], mail("tls"))
        msgs = sink.wait_for(2)
        assert [(m["tls"], m["auth_user"]) for m in msgs] == [(False, "mailer"), (True, "mailer")], msgs
        assert msgs[1]["data"] == mail("tls")
        print("smtp sink ok: port %d" % sink.port)
    try:
        os.kill(sink_pid, 0)
        raise AssertionError("smtp sink still running")
    except ProcessLookupError:
        pass
    print("all torn down")


if __name__ == "__main__":
    _self_check()
