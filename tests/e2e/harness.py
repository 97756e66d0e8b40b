"""Shared end-to-end harness: starts the real `parley` binary on a free loopback port with a
temporary data dir, and talks to it over HTTP and WebSocket with the standard library only."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

PARLEY_BIN = os.environ.get("PARLEY_BIN", "build/release/parley")


class Parley:
    def __init__(self, database_url=None, extra_env=None, data_dir=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="parley-e2e-")
        env = dict(os.environ)
        env.update({"PARLEY_PORT": "0", "PARLEY_DATA_DIR": self.data_dir, "PARLEY_HOST": "127.0.0.1"})
        if database_url:
            env["PARLEY_DATABASE_URL"] = database_url
        env.update(extra_env or {})
        self.env = env
        self.proc = None
        self.admin_password = None
        self.start()

    def start(self):
        self.log = open(os.path.join(self.data_dir, "server.log"), "ab")
        self.proc = subprocess.Popen([PARLEY_BIN, "serve"], env=self.env, stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                raise RuntimeError("parley exited early; see " + self.data_dir + "/server.log")
            m = re.search(r"password\s+(\S+)", line)
            if m:
                self.admin_password = m.group(1)
            m = re.search(r"serving on http://([\d.]+):(\d+)", line)
            if m:
                self.base = "http://%s:%s" % (m.group(1), m.group(2))
                self.port = int(m.group(2))
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                return
        raise RuntimeError("parley did not start in time")

    def stop(self, sig="TERM"):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(15 if sig == "TERM" else 9)
            self.proc.wait(timeout=30)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()
        return self.proc.returncode

    def close(self):
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def request(self, method, path, body=None, token=None, headers=None, raw=None, content_type="application/json"):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None and content_type:
            req.add_header("Content-Type", content_type)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                payload = resp.read()
                return resp.status, _decode(payload, resp.headers), resp.headers
        except urllib.error.HTTPError as e:
            payload = e.read()
            return e.code, _decode(payload, e.headers), e.headers

    def login(self, email="admin@parley.local", password=None):
        status, body, _ = self.request("POST", "/api/v1/auth/login",
                                       {"email": email, "password": password or self.admin_password})
        assert status == 200, (status, body)
        return body["token"]


class Desk:
    """What the channel tests do in the desk as the signed-in admin (`parley`, `token` and the
    inbox under test, `inbox`, are class attributes): create inboxes, find a customer's
    conversations, read and answer them, download what the customer sent."""

    @classmethod
    def start_with_inbox(cls, name, channel, config, extra_env=None):
        """Starts Parley (with `extra_env` settings), signs in as the admin and creates the inbox under test."""
        cls.parley = Parley(extra_env=extra_env)
        cls.token = cls.parley.login()
        cls.inbox = cls.add_inbox(name, channel, config)

    @classmethod
    def add_inbox(cls, name, channel, config):
        status, inbox, _ = cls.parley.request("POST", "/api/v1/inboxes", {"name": name, "channel": channel,
                                                                          "config": config}, token=cls.token)
        assert status == 201, inbox
        return inbox

    @classmethod
    def contacts(cls, query):
        _, found, _ = cls.parley.request("GET", "/api/v1/contacts?q=" + urllib.parse.quote(str(query)), token=cls.token)
        return found["data"]

    @classmethod
    def conversations_of(cls, query, inbox_id=None):
        """The first contact `query` finds (an external id, a phone number) and its conversations
        (those in `inbox_id` only, if given)."""
        contact = cls.contacts(query)[0]
        _, page, _ = cls.parley.request("GET", "/api/v1/contacts/%d/conversations" % contact["id"], token=cls.token)
        return contact, [c for c in page["data"] if inbox_id is None or c["inbox_id"] == inbox_id]

    @classmethod
    def conversation_of(cls, query, inbox_id=None):
        contact, conversations = cls.conversations_of(query, inbox_id)
        return contact, conversations[0]

    @classmethod
    def messages(cls, conversation_id):
        _, page, _ = cls.parley.request("GET", "/api/v1/conversations/%d/messages?limit=100" % conversation_id,
                                        token=cls.token)
        return page["data"]

    @classmethod
    def message(cls, conversation_id, message_id):
        return [m for m in cls.messages(conversation_id) if m["id"] == message_id][0]

    @classmethod
    def send(cls, conversation_id, body):
        return cls.parley.request("POST", "/api/v1/conversations/%d/messages" % conversation_id, body, token=cls.token)

    def assert_config_refused(self, channel, config, setting):
        """Creating an inbox with `config` is refused with a 400 that names `setting`."""
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes", {"name": "broken", "channel": channel,
                                                                          "config": config}, token=self.token)
        self.assertEqual(status, 400)
        self.assertIn(setting, body["error"]["message"])

    def reply(self, conversation_id, **body):
        status, message, _ = self.send(conversation_id, body)
        self.assertEqual(status, 201, message)
        return message

    def uploaded_file(self, filename, raw, content_type):
        """The id of `raw` uploaded as an attachment; the store must sniff it as `content_type`."""
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=" + filename, raw=raw,
                                                  token=self.token, content_type=content_type)
        self.assertEqual(status, 201, uploaded)
        self.assertEqual(uploaded["content_type"], content_type)
        return uploaded["id"]

    def assert_file_refused(self, conversation_id, filename, raw, content_type, expected, provider_calls):
        """A reply carrying this file is refused with 400 saying each text of `expected`; nothing
        is stored, and provider_calls() (what the provider's fake received) stays the same."""
        attachment = self.uploaded_file(filename, raw, content_type)
        before, count = provider_calls(), len(self.messages(conversation_id))
        status, body, _ = self.send(conversation_id, {"text": "Here you go", "attachment_ids": [attachment]})
        self.assertEqual(status, 400, body)
        for text in expected:
            self.assertIn(text, body["error"]["message"])
        self.assertEqual(len(self.messages(conversation_id)), count)
        time.sleep(0.5)  # the outbox worker would have picked up a stored reply by now
        self.assertEqual(provider_calls(), before)

    def downloaded_attachment(self, conversation_id, external_id=None, timeout=20):
        """Waits until a message of the conversation (the one with `external_id`, if given) has an
        attachment that downloads: (its bytes, the response's headers, the message)."""
        def stored():
            for m in self.messages(conversation_id):
                if (external_id is None or m["external_id"] == external_id) and m["attachment_ids"]:
                    status, body, headers = self.parley.request(
                        "GET", "/api/v1/attachments/%d" % m["attachment_ids"][0], token=self.token)
                    if status == 200:
                        return body, headers, m
            return None
        return wait_for(stored, timeout=timeout)


def _decode(payload, headers):
    if headers.get("Content-Type", "").startswith("application/json"):
        return json.loads(payload) if payload else None
    return payload


def sign(secret, raw):
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


class SendHold:
    """hold_next()/release() for a fake provider (a base class): the next send is received and
    recorded, but answered only after release(), which is what Parley sees when it dies between
    the provider's acceptance and its answer. The fake calls held_here() after recording a send."""

    def __init__(self):
        self._hold_lock = threading.Lock()
        self._held = None              # (arrived, release) events of the send to hold
        self._release = threading.Event()

    def hold_next(self):
        """The next send is received but answered only after release(); returns the event set when
        it has arrived."""
        arrived, release = threading.Event(), threading.Event()
        with self._hold_lock:
            self._held = (arrived, release)
        self._release = release
        return arrived

    def release(self):
        self._release.set()

    def held_here(self):
        with self._hold_lock:
            held, self._held = self._held, None
        if held:
            held[0].set()
            held[1].wait(60)


class CallbackServer(SendHold):
    """A local receiver for outbound API-channel deliveries. `script` is a list of statuses to
    answer in turn (then 200)."""

    def __init__(self, script=None):
        SendHold.__init__(self)
        self.received = []
        self.script = list(script or [])
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                outer.received.append((dict(self.headers), body))
                outer.held_here()
                status = outer.script.pop(0) if outer.script else 200
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


class WebSocket:
    """A minimal RFC 6455 client: text frames in, close out."""

    def __init__(self, port, path):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                break
            head += chunk
        self.status = int(head.split(b" ")[1]) if head else 0
        self.buffer = b""

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def recv(self, timeout=10):
        self.sock.settimeout(timeout)
        b1, b2 = self._read(2)
        length = b2 & 0x7F
        if length == 126:
            length = int.from_bytes(self._read(2), "big")
        elif length == 127:
            length = int.from_bytes(self._read(8), "big")
        payload = self._read(length)
        if b1 & 0x0F == 8:
            raise ConnectionError("closed by server")
        return json.loads(payload)

    def recv_until(self, predicate, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            event = self.recv(timeout=max(0.1, deadline - time.time()))
            if predicate(event):
                return event
        raise TimeoutError("no matching event")

    def close(self):
        self.sock.close()


def json_fixtures(folder):
    """The documented payloads in `folder` (its *.json files) by name: (name, bytes)."""
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            with open(os.path.join(folder, name), "rb") as f:
                yield name, f.read()


def jpeg(size):
    """A JPEG of `size` random bytes between its markers (the attachment store sniffs image/jpeg)."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(size) + b"\xff\xd9"


def wait_for(predicate, timeout=15, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met in %ss" % timeout)


def pg_url():
    path = os.environ.get("PARLEY_TEST_PG_DSN_FILE")
    if path and os.path.exists(path):
        return open(path).read().strip()
    return None
