"""End to end: the API channel in and out, against the real binary on SQLite (and on
PostgreSQL when the harness started one)."""
import base64
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CallbackServer, Parley, WebSocket, pg_url, sign, wait_for  # noqa: E402


class ApiChannelTest(unittest.TestCase):
    database_url = None

    @classmethod
    def setUpClass(cls):
        cls.parley = Parley(database_url=cls.database_url)
        cls.token = cls.parley.login()
        cls.callback = CallbackServer(script=[503, 429])
        status, inbox, _ = cls.parley.request("POST", "/api/v1/inboxes",
                                              {"name": "CRM", "channel": "api", "callback_url": cls.callback.url},
                                              token=cls.token)
        assert status == 201, inbox
        cls.inbox = inbox

    @classmethod
    def tearDownClass(cls):
        cls.callback.close()
        cls.parley.close()

    def post_inbound(self, payload, secret=None, content_type="application/json"):
        raw = json.dumps(payload).encode()
        return self.parley.request("POST", "/webhooks/api/%d" % self.inbox["id"], raw=raw, content_type=content_type,
                                   headers={"X-Parley-Signature": sign(secret or self.inbox["secret"], raw)})

    def test_inbound_creates_contact_conversation_and_message_once(self):
        payload = {"id": "ext-1", "contact": {"id": "crm-42", "name": "Jana Müller", "phone": "+49 30 1234567"},
                   "text": "Wo bleibt meine Rückerstattung?"}
        status, first, _ = self.post_inbound(payload)
        self.assertEqual(status, 201, first)
        status, again, _ = self.post_inbound(payload)
        self.assertEqual(status, 200)
        self.assertEqual(again["message_id"], first["message_id"])
        self.assertTrue(again["duplicate"])
        status, messages, _ = self.parley.request(
            "GET", "/api/v1/conversations/%d/messages" % first["conversation_id"], token=self.token)
        self.assertEqual(status, 200)
        self.assertEqual([m["text"] for m in messages["data"]], ["Wo bleibt meine Rückerstattung?"])
        status, contact, _ = self.parley.request("GET", "/api/v1/contacts/%d" % first["contact_id"], token=self.token)
        values = {i["kind"]: i["value"] for i in contact["identities"]}
        self.assertEqual(values["phone"], "+49301234567")  # E.164
        # Full-text search finds it by a prefix with an umlaut.
        status, found, _ = self.parley.request("GET", "/api/v1/search?q=R%C3%BCckerst", token=self.token)
        self.assertEqual(status, 200)
        self.assertIn(first["message_id"], [m["id"] for m in found["data"]])

    def test_same_phone_from_another_contact_id_is_the_same_contact(self):
        _, a, _ = self.post_inbound({"id": "p-1", "contact": {"id": "a-1", "phone": "+4917612345678"}, "text": "hi"})
        _, b, _ = self.post_inbound({"id": "p-2", "contact": {"id": "a-2", "phone": "0049 176 12345678"}, "text": "again"})
        self.assertEqual(a["contact_id"], b["contact_id"])

    def test_bad_input_is_refused_and_stores_nothing(self):
        payload = {"id": "bad-1", "contact": {"id": "x"}, "text": "hello"}
        status, body, _ = self.post_inbound(payload, secret="wrong-secret")
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["code"], "bad_signature")
        status, _, _ = self.post_inbound(payload, content_type="text/plain")
        self.assertEqual(status, 415)
        raw = b'{"id": "bad-2", "contact": '
        status, body, _ = self.parley.request("POST", "/webhooks/api/%d" % self.inbox["id"], raw=raw,
                                              headers={"X-Parley-Signature": sign(self.inbox["secret"], raw)})
        self.assertEqual(status, 400)
        self.assertIn("malformed JSON", body["error"]["message"])
        status, body, _ = self.post_inbound({"id": "bad-3", "contact": {"phone": "not a phone"}, "text": "x"})
        self.assertEqual(status, 400)
        self.assertIn("contact.phone", body["error"]["message"])
        status, body, _ = self.post_inbound({"id": "bad-4", "text": "x"})
        self.assertEqual(status, 400)
        self.assertIn("contact: an object with an id, a phone number or an e-mail address", body["error"]["message"])
        status, found, _ = self.parley.request("GET", "/api/v1/contacts?q=x", token=self.token)
        self.assertEqual([c for c in found["data"] if c["name"] == "x"], [])

    def test_an_api_inbox_config_takes_only_its_own_keys(self):
        path = "/api/v1/inboxes/%d" % self.inbox["id"]
        status, body, _ = self.parley.request("PATCH", path, {"config": {"max_mesages_per_second": 5}}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("config.max_mesages_per_second: unknown key", body["error"]["message"])
        status, inbox, _ = self.parley.request("PATCH", path, {"config": {"max_messages_per_second": 50}}, token=self.token)
        self.assertEqual(status, 200, inbox)
        self.assertEqual(inbox["config"], {"max_messages_per_second": 50})
        # An inbox stored with a stray key before such keys were refused can still be renamed
        # (written into the SQLite file directly; the PostgreSQL run has checked the rest).
        if self.database_url:
            return
        with sqlite3.connect(os.path.join(self.parley.data_dir, "parley.db"), timeout=10) as db:
            db.execute("UPDATE inboxes SET config_json = ? WHERE id = ?", ('{"foo":1}', self.inbox["id"]))
        status, inbox, _ = self.parley.request("PATCH", path, {"name": self.inbox["name"]}, token=self.token)
        self.assertEqual(status, 200, inbox)
        status, inbox, _ = self.parley.request("PATCH", path, {"config": {}}, token=self.token)
        self.assertEqual(status, 200, inbox)

    def test_location_inbound_is_a_location_message(self):
        status, first, _ = self.post_inbound({
            "id": "loc-1", "contact": {"id": "crm-loc"},
            "location": {"latitude": 52.5163, "longitude": 13.3777, "name": "Filiale Mitte", "address": "Pariser Platz 1"}})
        self.assertEqual(status, 201, first)
        status, messages, _ = self.parley.request(
            "GET", "/api/v1/conversations/%d/messages" % first["conversation_id"], token=self.token)
        shown = messages["data"][-1]
        self.assertEqual(shown["kind"], "location")
        self.assertEqual(shown["location"],
                         {"latitude": 52.5163, "longitude": 13.3777, "name": "Filiale Mitte, Pariser Platz 1"})
        for bad in ({"latitude": 91, "longitude": 0}, {"latitude": "52.5", "longitude": 13.4}, {"longitude": 13.4}, "Berlin"):
            status, body, _ = self.post_inbound({"id": "loc-bad", "contact": {"id": "crm-loc"}, "location": bad})
            self.assertEqual(status, 400, body)
            self.assertIn("location", body["error"]["message"])
        status, body, _ = self.post_inbound({"id": "loc-bad", "contact": {"id": "crm-loc"}})
        self.assertEqual(status, 400, body)
        self.assertIn("text, attachments or a location", body["error"]["message"])

    def test_rotated_secret_takes_effect_on_the_next_message(self):
        # The server answers most messages of an inbox from a secret it checked before (without a
        # worker thread); a rotation still counts from the very next message.
        status, inbox, _ = self.parley.request("POST", "/api/v1/inboxes", {"name": "Rotating", "channel": "api",
                                                                           "callback_url": self.callback.url},
                                               token=self.token)
        self.assertEqual(status, 201, inbox)
        path = "/webhooks/api/%d" % inbox["id"]

        def post(message_id, secret):
            raw = json.dumps({"id": message_id, "contact": {"id": "rot-c"}, "text": "Nachricht " + message_id}).encode()
            return self.parley.request("POST", path, raw=raw, headers={"X-Parley-Signature": sign(secret, raw)})

        for n in ("r-1", "r-2", "r-3"):
            status, first, _ = post(n, inbox["secret"])
            self.assertEqual(status, 201, first)
        status, rotated, _ = self.parley.request("PATCH", "/api/v1/inboxes/%d" % inbox["id"], {"rotate_secret": True},
                                                 token=self.token)
        self.assertEqual(status, 200, rotated)
        self.assertNotEqual(rotated["secret"], inbox["secret"])
        status, body, _ = post("r-4", inbox["secret"])
        self.assertEqual(status, 401, body)
        self.assertEqual(body["error"]["code"], "bad_signature")
        status, again, _ = post("r-5", rotated["secret"])
        self.assertEqual(status, 201, again)
        _, messages, _ = self.parley.request("GET", "/api/v1/conversations/%d/messages" % first["conversation_id"],
                                             token=self.token)
        self.assertEqual([m["text"] for m in messages["data"]],
                         ["Nachricht r-1", "Nachricht r-2", "Nachricht r-3", "Nachricht r-5"])

    def test_attachment_inbound_is_stored_byte_identical(self):
        pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
        status, result, _ = self.post_inbound({"id": "att-1", "contact": {"id": "att-c"}, "text": "",
                                               "attachments": [{"data_base64": base64.b64encode(pdf).decode(),
                                                                "filename": "rechnung.pdf"}]})
        self.assertEqual(status, 201, result)
        _, messages, _ = self.parley.request(
            "GET", "/api/v1/conversations/%d/messages" % result["conversation_id"], token=self.token)
        attachment_id = messages["data"][0]["attachment_ids"][0]
        status, body, headers = self.parley.request("GET", "/api/v1/attachments/%d" % attachment_id, token=self.token)
        self.assertEqual(status, 200)
        self.assertEqual(body, pdf)
        self.assertEqual(headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", headers["Content-Disposition"])
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")

    def test_reply_is_delivered_signed_after_retries_and_marked_sent(self):
        _, inbound, _ = self.post_inbound({"id": "r-1", "contact": {"id": "reply-c", "name": "Ada"}, "text": "Hallo"})
        ws = WebSocket(self.parley.port, "/api/v1/stream?token=" + self.token)
        self.assertEqual(ws.status, 101)
        status, reply, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % inbound["conversation_id"],
                                               {"text": "Guten Tag, Ada!"}, token=self.token)
        self.assertEqual(status, 201, reply)
        self.assertEqual(reply["delivery_status"], "pending")
        # The callback answers 503, then 429 with Retry-After, then 200: three attempts, one message.
        wait_for(lambda: len(self.callback.received) >= 3, timeout=30)
        headers, body = self.callback.received[-1]
        self.assertEqual(headers["X-Parley-Signature"], sign(self.inbox["secret"], body))
        payload = json.loads(body)
        self.assertEqual(payload["message"]["text"], "Guten Tag, Ada!")
        self.assertEqual(payload["contact"]["id"], "reply-c")
        keys = {json.loads(b)["idempotency_key"] for _, b in self.callback.received}
        self.assertEqual(len(keys), 1)
        # The operator's log says why the first attempts did not go through.
        with open(os.path.join(self.parley.data_dir, "server.log")) as log:
            attempts = [json.loads(line) for line in log if '"component":"outbox"' in line]
        self.assertTrue(any(a["message_id"] == reply["id"] and "HTTP 503" in a["error"] for a in attempts), attempts)

        def sent():
            _, messages, _ = self.parley.request(
                "GET", "/api/v1/conversations/%d/messages" % inbound["conversation_id"], token=self.token)
            return [m for m in messages["data"] if m["id"] == reply["id"] and m["delivery_status"] == "sent"]
        wait_for(sent)
        event = ws.recv_until(lambda e: e.get("type") == "message.updated" and e["data"]["id"] == reply["id"])
        self.assertEqual(event["data"]["delivery_status"], "sent")
        ws.close()

    def test_a_replys_files_and_quote_reach_the_integration(self):
        receiver = CallbackServer()
        self.addCleanup(receiver.close)
        status, inbox, _ = self.parley.request("POST", "/api/v1/inboxes", {"name": "CRM files", "channel": "api",
                                                                           "callback_url": receiver.url}, token=self.token)
        self.assertEqual(status, 201, inbox)
        raw = json.dumps({"id": "crm-q-1", "contact": {"id": "files-c"}, "text": "Rechnung bitte"}).encode()
        _, inbound, _ = self.parley.request("POST", "/webhooks/api/%d" % inbox["id"], raw=raw,
                                            headers={"X-Parley-Signature": sign(inbox["secret"], raw)})
        _, messages, _ = self.parley.request("GET", "/api/v1/conversations/%d/messages" % inbound["conversation_id"],
                                             token=self.token)
        pdf = b"%PDF-1.4\nRechnung 4711\n%%EOF\n"
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=Rechnung.pdf", raw=pdf,
                                                  token=self.token, content_type="application/pdf")
        self.assertEqual(status, 201, uploaded)
        status, reply, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % inbound["conversation_id"],
                                               {"text": "Anbei", "attachment_ids": [uploaded["id"]],
                                                "reply_to_id": messages["data"][0]["id"]}, token=self.token)
        self.assertEqual(status, 201, reply)
        wait_for(lambda: receiver.received)
        payload = json.loads(receiver.received[0][1])
        self.assertEqual(payload["message"]["reply_to_id"], "crm-q-1")
        file = payload["message"]["attachments"][0]
        self.assertTrue(file["url"].startswith("/webhooks/api/files/"), file)
        # The integration fetches it with no login, byte for byte; a changed link is refused.
        status, body, headers = self.parley.request("GET", file["url"])
        self.assertEqual((status, body), (200, pdf))
        self.assertEqual(headers["Content-Type"], "application/pdf")
        self.assertEqual(self.parley.request("GET", file["url"][:-1] + ("0" if file["url"][-1] != "0" else "1"))[0], 404)

    def test_an_attachment_url_that_cannot_be_fetched_stores_nothing_and_says_whether_to_retry(self):
        # Nobody listens on port 9: the sender's file server is down, try again later (503).
        status, body, _ = self.post_inbound({"id": "f-down", "contact": {"id": "fetch-c"}, "text": "Foto",
                                             "attachments": [{"url": "http://127.0.0.1:9/foto.jpg"}]})
        self.assertEqual(status, 503, body)
        self.assertIn("try again later", body["error"]["message"])
        # The same id again, once the server is up, is a new message: nothing was stored.
        status, body, _ = self.post_inbound({"id": "f-down", "contact": {"id": "fetch-c"}, "text": "Foto"})
        self.assertEqual((status, body["duplicate"]), (201, False), body)
        # A URL the file server answers 404 for is the sender's to fix: 400.
        missing = "http://127.0.0.1:%d/webhooks/api/files/1.1.1.%s" % (self.parley.port, "0" * 64)
        status, body, _ = self.post_inbound({"id": "f-missing", "contact": {"id": "fetch-c"}, "text": "Foto",
                                             "attachments": [{"url": missing}]})
        self.assertEqual(status, 400, body)
        self.assertIn("HTTP 404", body["error"]["message"])

    def test_private_note_is_never_delivered(self):
        _, inbound, _ = self.post_inbound({"id": "n-1", "contact": {"id": "note-c"}, "text": "Frage"})
        before = len(self.callback.received)
        status, note, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % inbound["conversation_id"],
                                              {"text": "intern: Kunde ist VIP", "private": True}, token=self.token)
        self.assertEqual(status, 201)
        self.assertTrue(note["private"])
        self.assertEqual(note["delivery_status"], "none")
        import time
        time.sleep(0.5)
        self.assertEqual(len(self.callback.received), before)


class ApiChannelPostgresTest(ApiChannelTest):
    database_url = pg_url()

    @classmethod
    def setUpClass(cls):
        if not cls.database_url:
            raise unittest.SkipTest("no PostgreSQL from the test harness")
        import subprocess
        import uuid
        dbname = "e2e_" + uuid.uuid4().hex[:12]
        base = cls.database_url
        subprocess.run(["psql", base, "-qc", "CREATE DATABASE " + dbname], check=True)
        cls.database_url = base.rsplit("/", 1)[0] + "/" + dbname
        super().setUpClass()


if __name__ == "__main__":
    unittest.main(verbosity=2)
