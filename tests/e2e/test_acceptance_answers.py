"""End to end: answers an integrator or admin meets first, found by an acceptance run against the
real binary — a refused login says when to retry, a conflict is worded for people on every
backend, edits of a contact reach the other desks, a phone number typed as people write it finds
its contact, an admin corrects a user's e-mail address, the CLI's --help and unknown options,
API-channel attachment errors name their fields, a mistyped conversation filter or stream
last_event_id is refused, and a callback's Retry-After given as an HTTP date is honoured like
one in seconds."""
import base64
import email.utils
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import PARLEY_BIN, Parley, WebSocket, pg_url, sign, wait_for  # noqa: E402


def fresh_pg_database(name):
    """A new empty database on the test cluster (None without one)."""
    url = pg_url()
    if not url:
        return None
    subprocess.run(["psql", url, "-qc", "DROP DATABASE IF EXISTS %s" % name, "-c", "CREATE DATABASE %s" % name],
                   check=True, capture_output=True)
    return url.rsplit("/", 1)[0] + "/" + name


class AcceptanceAnswersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parley = Parley(extra_env={"PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT": "2"})
        cls.token = cls.parley.login()

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()

    def call(self, method, path, body=None, token=None, **kw):
        return self.parley.request(method, path, body, token=token or self.token, **kw)

    def test_a_refused_login_says_when_to_try_again(self):
        self.call("POST", "/api/v1/users", {"email": "typo@example.de", "name": "Typo", "role": "agent",
                                            "password": "password1"})
        for _ in range(2):
            status, _, _ = self.parley.request("POST", "/api/v1/auth/login",
                                               {"email": "typo@example.de", "password": "wrong-password"})
            self.assertEqual(status, 401)
        status, body, headers = self.parley.request("POST", "/api/v1/auth/login",
                                                    {"email": "typo@example.de", "password": "password1"})
        self.assertEqual(status, 429)
        self.assertEqual(body["error"]["code"], "rate_limited")
        retry_after = int(headers["Retry-After"])
        self.assertTrue(1 <= retry_after <= 15 * 60, retry_after)

    def test_a_duplicate_canned_response_is_a_conflict_worded_for_people_on_every_backend(self):
        backends = [("sqlite", self.parley, self.token)]
        url = fresh_pg_database("parley_acceptance_canned")
        pg = Parley(database_url=url) if url else None
        try:
            if pg:
                backends.append(("postgresql", pg, pg.login()))
            for backend, parley, token in backends:
                with self.subTest(backend=backend):
                    canned = {"short_code": "gruss", "language": "de", "content": "Hallo {{contact.first_name}}"}
                    status, _, _ = parley.request("POST", "/api/v1/canned_responses", canned, token=token)
                    self.assertEqual(status, 201)
                    status, body, _ = parley.request("POST", "/api/v1/canned_responses", canned, token=token)
                    self.assertEqual(status, 409)
                    self.assertEqual(body["error"], {"code": "conflict", "message":
                                                     "a canned response with this short code and language already exists"})
        finally:
            if pg:
                pg.close()

    def test_edits_of_a_contact_reach_the_other_desks(self):
        stream = WebSocket(self.parley.port, "/api/v1/stream?token=" + self.token)
        try:
            self.assertEqual(stream.recv()["type"], "hello")
            _, contact, _ = self.call("POST", "/api/v1/contacts", {"name": "Ida Ingwer"})
            updated = lambda name: lambda e: e["type"] == "contact.updated" and e["data"]["id"] == contact["id"] \
                and e["data"]["name"] == name  # noqa: E731
            stream.recv_until(updated("Ida Ingwer"))
            status, _, _ = self.call("PATCH", "/api/v1/contacts/%d" % contact["id"], {"name": "Ida Ingwer-Lux"})
            self.assertEqual(status, 200)
            stream.recv_until(updated("Ida Ingwer-Lux"))
            status, identities, _ = self.call("POST", "/api/v1/contacts/%d/identities" % contact["id"],
                                              {"kind": "email", "value": "ida@example.de"})
            self.assertEqual(status, 201)
            stream.recv_until(updated("Ida Ingwer-Lux"))
            status, _, _ = self.call("DELETE", "/api/v1/contacts/%d/identities/%d" % (contact["id"],
                                                                                    identities["data"][0]["id"]))
            self.assertEqual(status, 200)
            stream.recv_until(updated("Ida Ingwer-Lux"))
        finally:
            stream.close()

    def test_a_broken_last_event_id_is_refused_instead_of_replaying_nothing(self):
        for broken in ["abc", "12x", "-1"]:
            stream = WebSocket(self.parley.port, "/api/v1/stream?token=%s&last_event_id=%s" % (self.token, broken))
            self.assertEqual(stream.status, 400, broken)
            stream.close()
        stream = WebSocket(self.parley.port, "/api/v1/stream?token=%s&last_event_id=1" % self.token)
        self.assertEqual(stream.status, 101)
        stream.close()

    def test_a_phone_number_typed_as_people_write_it_finds_the_contact(self):
        _, contact, _ = self.call("POST", "/api/v1/contacts", {"name": "Fritz Fremd", "phone": "+491719999999"})
        for typed in ["+491719999999", "+49 171 9999999", "0171 9999999", "0171/999 99 99", "+491719", "Fritz"]:
            _, found, _ = self.call("GET", "/api/v1/contacts?q=" + urllib.parse.quote(typed))
            self.assertEqual([c["id"] for c in found["data"]], [contact["id"]], typed)

    def test_an_admin_corrects_a_users_e_mail_address_and_the_user_logs_in_with_it(self):
        _, user, _ = self.call("POST", "/api/v1/users", {"email": "mia@exmaple.de", "name": "Mia", "role": "agent",
                                                         "password": "password1"})
        self.call("POST", "/api/v1/users", {"email": "taken@example.de", "name": "Tom", "role": "agent",
                                            "password": "password1"})
        status, body, _ = self.call("PATCH", "/api/v1/users/%d" % user["id"], {"email": "TAKEN@example.de"})
        self.assertEqual(status, 409, body)
        status, body, _ = self.call("PATCH", "/api/v1/users/%d" % user["id"], {"email": "not-an-address"})
        self.assertEqual(status, 400)
        self.assertIn("email", body["error"]["message"])
        status, body, _ = self.call("PATCH", "/api/v1/users/%d" % user["id"], {"email": "Mia@Example.de"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["email"], "mia@example.de")
        mia = self.parley.login("mia@example.de", "password1")
        status, body, _ = self.call("PATCH", "/api/v1/users/%d" % user["id"], {"email": "mia@elsewhere.de"}, token=mia)
        self.assertEqual(status, 403)
        _, me, _ = self.call("GET", "/api/v1/auth/me", token=mia)
        self.assertEqual(me["email"], "mia@example.de")

    def test_api_channel_attachment_errors_name_their_fields(self):
        _, inbox, _ = self.call("POST", "/api/v1/inboxes", {"name": "CRM", "channel": "api",
                                                           "callback_url": "http://127.0.0.1:9/parley"})
        data = base64.b64encode(b"%PDF-1.4 test").decode()
        for attachment in [{"filename": "x.pdf"}, {"url": "http://127.0.0.1:9/x.pdf", "data_base64": data}]:
            raw = json.dumps({"id": "att-%d" % len(attachment), "contact": {"id": "crm-1"}, "text": "Rechnung",
                              "attachments": [attachment]}).encode()
            status, body, _ = self.parley.request("POST", "/webhooks/api/%d" % inbox["id"], raw=raw,
                                                  headers={"X-Parley-Signature": sign(inbox["secret"], raw)})
            self.assertEqual(status, 400)
            self.assertEqual(body["error"]["message"],
                             "attachments[0].url, attachments[0].data_base64: give exactly one of them")

    def test_a_callback_retry_after_given_as_an_http_date_is_honoured(self):
        arrivals = []

        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrivals.append(time.time())
                if len(arrivals) == 1:
                    self.send_response(503)
                    self.send_header("Retry-After", email.utils.formatdate(time.time() + 5, usegmt=True))
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        try:
            _, inbox, _ = self.call("POST", "/api/v1/inboxes", {
                "name": "Shop", "channel": "api", "callback_url": "http://127.0.0.1:%d/parley" % receiver.server_address[1]})
            raw = json.dumps({"id": "date-1", "contact": {"id": "shop-1"}, "text": "Hallo"}).encode()
            _, ids, _ = self.parley.request("POST", "/webhooks/api/%d" % inbox["id"], raw=raw,
                                            headers={"X-Parley-Signature": sign(inbox["secret"], raw)})
            status, reply, _ = self.call("POST", "/api/v1/conversations/%d/messages" % ids["conversation_id"],
                                         {"text": "Guten Tag"})
            self.assertEqual(status, 201)
            wait_for(lambda: len(arrivals) >= 2, timeout=30)
            # The date has whole seconds: at least 4 of the 5 asked for, not the 1 s of the own back-off.
            self.assertGreaterEqual(arrivals[1] - arrivals[0], 3.9)
        finally:
            receiver.shutdown()
            receiver.server_close()

    def test_the_openapi_document_lists_the_error_statuses_a_client_must_handle(self):
        status, doc, _ = self.parley.request("GET", "/api/openapi.json")
        self.assertEqual(status, 200)
        statuses = lambda path, method: set(doc["paths"][path][method]["responses"])  # noqa: E731
        self.assertLessEqual({"200", "400", "401", "413", "415", "429", "503"},
                             statuses("/api/v1/auth/login", "post"))
        self.assertLessEqual({"201", "400", "401", "404", "413", "415", "503"},
                             statuses("/webhooks/api/{inbox_id}", "post"))
        self.assertLessEqual({"201", "400", "401", "403", "409", "413", "415", "503"},
                             statuses("/api/v1/inboxes", "post"))
        self.assertLessEqual({"200", "401", "403", "404", "503"}, statuses("/api/v1/conversations", "get"))
        self.assertNotIn("413", statuses("/api/v1/conversations", "get"))

    def test_a_mistyped_conversation_filter_is_refused_not_ignored(self):
        status, body, _ = self.call("GET", "/api/v1/conversations?asignee_id=me")
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "unknown query parameter: asignee_id")
        # The short names integrators write are the same filters as the _id forms.
        for short, full in (("assignee=me", "assignee_id=me"), ("assignee=none", "assignee_id=none"),
                            ("inbox=999999", "inbox_id=999999"), ("team=999999", "team_id=999999")):
            s1, b1, _ = self.call("GET", "/api/v1/conversations?" + short)
            s2, b2, _ = self.call("GET", "/api/v1/conversations?" + full)
            self.assertEqual((s1, s2), (200, 200), short)
            self.assertEqual(b1, b2, short)
        status, body, _ = self.call("GET", "/api/v1/conversations?inbox=1&inbox_id=2")
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "inbox_id, inbox: give one of them")
        status, body, _ = self.call("GET", "/api/v1/conversations?inbox=x")
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "inbox_id: must be a non-negative integer")
        status, body, _ = self.call("GET", "/api/v1/conversations?assignee_id=someone")
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"], "assignee_id: a user id, me or none")
        status, _, _ = self.call("GET", "/api/v1/conversations?assignee_id=me&status=open&limit=5")
        self.assertEqual(status, 200)


class CommandLineTest(unittest.TestCase):
    def run_parley(self, *args):
        with tempfile.TemporaryDirectory() as data_dir:
            env = dict(os.environ, PARLEY_DATA_DIR=data_dir, PARLEY_PORT="0")
            return subprocess.run([PARLEY_BIN, *args], env=env, capture_output=True, text=True, timeout=30)

    def test_help_prints_the_usage(self):
        for args in (["--help"], ["-h"], ["help"], ["serve", "--help"]):
            done = self.run_parley(*args)
            self.assertEqual(done.returncode, 0, (args, done.stderr))
            self.assertIn("usage: parley serve", done.stderr)

    def test_an_unknown_option_is_named_as_unknown_even_last(self):
        for args in (["serve", "--bogus"], ["serve", "--bogus", "1"], ["config-keys", "--bogus"]):
            done = self.run_parley(*args)
            self.assertEqual(done.returncode, 1, args)
            self.assertIn("unknown option --bogus", done.stderr)
        done = self.run_parley("serve", "--config")
        self.assertEqual(done.returncode, 1)
        self.assertIn("option --config needs a value", done.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
