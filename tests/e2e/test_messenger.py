"""End to end: the Facebook Messenger and Instagram channels against the real binary and a local
fake of the Graph API's Send and Attachment Upload APIs. Webhook payloads are the fixtures
written from Meta's documentation (tests/channels/{messenger,instagram}/fixtures)."""
import datetime
import hashlib
import json
import os
import struct
import sys
import time
import unittest
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from fake_meta_messaging import FakeMetaMessaging  # noqa: E402
from harness import Desk, json_fixtures, sign, wait_for  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "channels")
PAGE_ID = "682498302938465"
IG_ID = "17841405822304914"
APP_SECRET = "test-app-secret"
PSID = "1254459154682919"


def fixture(product, name):
    with open(os.path.join(FIXTURES, product, "fixtures", name), "rb") as f:
        return f.read()


def tiny_png():
    """A valid 1x1 PNG (the stored type is sniffed from the bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def event(sender, recipient, body, account=PAGE_ID, obj="page", timestamp_ms=None):
    """One messaging event in the documented envelope (written now unless timestamp_ms says when)."""
    e = {"sender": {"id": sender}, "recipient": {"id": recipient},
         "timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)}
    e.update(body)
    return json.dumps({"object": obj, "entry": [{"id": account, "time": e["timestamp"], "messaging": [e]}]}).encode()


def rate_limited(retry_after_s):
    """The Send API's documented rate-limit answer (#613), as a scripted send error."""
    return (429, {"error": {"message": "(#613) Calls to this api have exceeded the rate limit.",
                            "type": "OAuthException", "code": 613}}, {"Retry-After": str(retry_after_s)})


class MessengerTest(Desk, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.meta = FakeMetaMessaging()
        # The attachment sweep runs every second here (default: hourly); it takes files unused for
        # at least an hour, so the unsend test makes its file look old. Every other test runs
        # with the sweep busy beside it.
        cls.start_with_inbox("Facebook Page", "messenger", cls.meta.page_config(PAGE_ID, APP_SECRET),
                             extra_env={"PARLEY_ATTACHMENT_SWEEP_SECONDS": "1"})
        cls.meta.instagram_accounts.add(IG_ID)
        cls.ig_inbox = cls.add_inbox("Instagram", "instagram", {
            "instagram_id": IG_ID, "access_token": cls.meta.token, "app_secret": APP_SECRET,
            "verify_token": "verify-ig", "api_base_url": cls.meta.api_base_url})

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.meta.close()

    def webhook(self, raw, signature=None, content_type="application/json", path="/webhooks/messenger"):
        return self.parley.request("POST", path, raw=raw, content_type=content_type,
                                   headers={"X-Hub-Signature-256": sign(APP_SECRET, raw) if signature is None else signature})

    # ---- set-up and authenticity ----

    def test_secrets_are_never_returned_and_config_is_checked(self):
        _, inbox, _ = self.parley.request("GET", "/api/v1/inboxes/%d" % self.inbox["id"], token=self.token)
        self.assertEqual(inbox["config"]["page_id"], PAGE_ID)
        self.assertEqual(inbox["config"]["page_access_token"], "********")
        self.assertNotIn(APP_SECRET, json.dumps(inbox))
        self.assert_config_refused("messenger", {"page_id": "1"}, "config.page_access_token")
        self.assert_config_refused("instagram", {"instagram_id": "1"}, "config.access_token")
        self.assert_config_refused("messenger", {"page_id": "1", "page_access_token": "a", "app_secret": "b", "verify_token": "c",
                                                 "access_token": "d"}, "config.access_token: unknown key")
        self.assert_config_refused("instagram", {"instagram_id": "1", "access_token": "a", "app_secret": "b", "verify_token": "c",
                                                 "page_access_token": "d"}, "config.page_access_token: unknown key")

    def test_verification_handshake_per_product(self):
        for path, token in (("/webhooks/messenger", "verify-page"), ("/webhooks/instagram", "verify-ig")):
            status, body, _ = self.parley.request(
                "GET", path + "?hub.mode=subscribe&hub.verify_token=%s&hub.challenge=1158201444" % token)
            self.assertEqual((status, body), (200, b"1158201444"), path)
            status, _, _ = self.parley.request(
                "GET", path + "?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444")
            self.assertEqual(status, 403, path)
        status, _, _ = self.parley.request(
            "GET", "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=verify-ig&hub.challenge=1")
        self.assertEqual(status, 403, "one product's token does not open the other's URL")

    def test_bad_signature_stores_nothing_and_bad_input_is_refused(self):
        raw = event("5550001", PAGE_ID, {"message": {"mid": "m_unsigned", "text": "forged"}})
        status, _, _ = self.webhook(raw, signature="sha256=" + "0" * 64)
        self.assertEqual(status, 401)
        self.assertEqual(self.webhook(raw, signature="")[0], 401)
        self.assertEqual(self.webhook(raw, signature=sign("another-apps-secret", raw))[0], 401)
        _, contacts, _ = self.parley.request("GET", "/api/v1/contacts?q=5550001", token=self.token)
        self.assertEqual(contacts["data"], [])
        self.assertEqual(self.webhook(raw, content_type="text/plain")[0], 415)
        self.assertEqual(self.webhook(raw[: len(raw) // 2])[0], 400)
        self.assertEqual(self.webhook(b"[" * 10000 + b"]" * 10000)[0], 400)
        self.assertEqual(self.webhook(b'{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"1"},'
                                      b'"recipient":{"id":"2"},"message":{"mid":"m","text":"\xff"}}]}]}')[0], 400)
        self.assertEqual(self.parley.request("GET", "/healthz")[0], 200)

    # ---- inbound ----

    def test_text_is_stored_once_and_named_by_the_psid(self):
        raw = fixture("messenger", "text.json")
        status, body, _ = self.webhook(raw)
        self.assertEqual(status, 200, body)
        status, again, _ = self.webhook(raw)  # Meta redelivers
        self.assertEqual((again["stored"], again["duplicates"]), (0, 1))
        contact, conversation = self.conversation_of(PSID, self.inbox["id"])
        self.assertEqual(contact["name"], PSID)
        texts = [m["text"] for m in self.messages(conversation["id"]) if m["text"] == "hello, world!"]
        self.assertEqual(len(texts), 1)

    def test_image_is_fetched_byte_identical(self):
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(3000) + b"\xff\xd9"
        self.meta.files["photo.jpg"] = (jpeg, "image/jpeg")
        raw = event("5550002", PAGE_ID, {"message": {"mid": "m_image-fetch", "attachments": [
            {"type": "image", "payload": {"url": self.meta.cdn_url("photo.jpg")}}]}})
        self.assertEqual(self.webhook(raw)[0], 200)
        _, conversation = self.conversation_of("5550002")
        body, headers, message = self.downloaded_attachment(conversation["id"], "m_image-fetch")
        self.assertEqual(body, jpeg)
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertEqual(message["kind"], "image")

    def test_a_sticker_in_metas_transition_is_one_sticker_with_one_file(self):
        # Messenger changelog, 1 June 2026: the sticker comes as an `image` and a `sticker`
        # attachment, both with the sticker_id and the same file.
        self.meta.files["sticker.png"] = (tiny_png(), "image/png")
        raw = json.loads(fixture("messenger", "sticker_transition.json"))
        e = raw["entry"][0]["messaging"][0]
        e["sender"]["id"] = "5550011"
        e["timestamp"] = int(time.time() * 1000)
        for attachment in e["message"]["attachments"]:
            attachment["payload"]["url"] = self.meta.cdn_url("sticker.png")
        status, body, _ = self.webhook(json.dumps(raw).encode())
        self.assertEqual((status, body["stored"]), (200, 1), body)
        _, conversation = self.conversation_of("5550011")
        body, _, message = self.downloaded_attachment(conversation["id"], "m_st1")
        self.assertEqual(body, tiny_png())
        self.assertEqual(message["kind"], "sticker")
        self.assertEqual(len(message["attachment_ids"]), 1)

    def test_postback_quick_reply_and_reaction(self):
        for name in ("postback.json", "quick_reply.json", "reaction.json"):
            status, body, _ = self.webhook(fixture("messenger", name))
            self.assertEqual(status, 200, (name, body))
        _, conversation = self.conversation_of(PSID, self.inbox["id"])
        by_kind = {}
        for m in self.messages(conversation["id"]):
            by_kind.setdefault(m["kind"], []).append(m)
        payloads = [json.loads(m["payload_json"]) if isinstance(m.get("payload_json"), str) else m.get("payload", {})
                    for m in by_kind.get("interactive", [])]
        self.assertTrue(any("GET_STARTED" in json.dumps(p) for p in payloads), by_kind.get("interactive"))
        self.assertTrue(any("COLOR_RED" in json.dumps(p) for p in payloads))
        self.assertIn("reaction", by_kind)

    def test_echo_is_stored_as_outgoing_and_parleys_own_is_skipped(self):
        raw = event(PAGE_ID, "5550003", {"message": {"mid": "m_echo-1", "is_echo": True, "app_id": 1517776481860111,
                                                     "text": "Answered from the Page inbox"}})
        status, body, _ = self.webhook(raw)
        self.assertEqual((status, body["stored"]), (200, 1), body)
        raw = event(PAGE_ID, "5550003", {"message": {"mid": "m_echo-2", "is_echo": True, "metadata": "parley",
                                                     "text": "sent by Parley"}})
        self.assertEqual(self.webhook(raw)[1]["stored"], 0)
        _, conversation = self.conversation_of("5550003")
        messages = self.messages(conversation["id"])
        self.assertEqual([(m["direction"], m["text"]) for m in messages if m["external_id"].startswith("m_echo")],
                         [("outgoing", "Answered from the Page inbox")])

    def test_every_documented_fixture_is_accepted(self):
        for product, path in (("messenger", "/webhooks/messenger"), ("instagram", "/webhooks/instagram")):
            folder = os.path.join(FIXTURES, product, "fixtures")
            for name, raw in json_fixtures(folder):
                status, body, _ = self.webhook(raw, path=path)
                self.assertEqual(status, 200, (product, name, body))

    def test_metas_documented_examples_postback_in_seconds_edit_and_user_ref(self):
        """Meta's own examples (doc_*.json): a postback notification in the changes form with a
        timestamp in seconds, an edit of a stored message, and a user_ref sender (nothing to answer)."""
        psid = "6875645092485937"
        status, body, _ = self.webhook(fixture("messenger", "doc_messages_text_quick_reply.json"))
        self.assertEqual(status, 200, body)
        status, body, _ = self.webhook(fixture("messenger", "doc_messaging_postbacks_psid.json"))
        self.assertEqual(status, 200, body)
        status, body, _ = self.webhook(fixture("messenger", "doc_message_edits.json"))
        self.assertEqual((status, body["stored"]), (200, 0), body)
        status, body, _ = self.webhook(fixture("messenger", "doc_messaging_postbacks_user_ref.json"))
        self.assertEqual((status, body["stored"], body["ignored"]), (200, 0, 1), body)
        _, conversation = self.conversation_of(psid, self.inbox["id"])
        messages = {m["external_id"]: m for m in self.messages(conversation["id"])}
        self.assertEqual(messages["mid.1457764197618:41d102a3e1ae206a38"]["text"], "hello, world! (edited)")
        self.assertEqual(messages["m_MESSAGE-ID"]["text"], "TITLE-FOR-THE-CTA")
        self.assertEqual(messages["m_MESSAGE-ID"]["kind"], "interactive")

    def test_instagram_documented_examples_self_test_and_edit(self):
        path = "/webhooks/instagram"
        status, body, _ = self.webhook(fixture("instagram", "doc_message_is_self.json"), path=path)
        self.assertEqual((status, body["stored"], body["ignored"]), (200, 0, 1), body)
        self.assertEqual(self.contacts(IG_ID), [])  # the account's own test never becomes a customer
        self.assertEqual(self.webhook(fixture("instagram", "doc_message_text.json"), path=path)[0], 200)
        self.assertEqual(self.webhook(fixture("instagram", "doc_message_edit.json"), path=path)[0], 200)
        _, conversation = self.conversation_of("1914016405541658", self.ig_inbox["id"])
        edited = [m["text"] for m in self.messages(conversation["id"])
                  if m["external_id"] == "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0"]
        self.assertEqual(edited, ["Hi! Is this still available in blue?"])

    def test_instagram_unsend_takes_back_text_and_photo(self):
        """Instagram's unsend ({"mid", "is_deleted": true}): the message stays in the timeline as
        'unsent', without its text (also in search) and without its file, whose bytes are removed
        from the disk by the next sweep."""
        igsid, path = "908765432100077", "/webhooks/instagram"
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(2000) + b"\xff\xd9"
        self.meta.files["unsend.jpg"] = (jpeg, "image/jpeg")
        for mid, body in (("aWdf_unsend_text", {"text": "Meine Adresse ist Gartenweg 12 zwergpinscher"}),
                          ("aWdf_unsend_photo", {"attachments": [{"type": "image", "payload": {"url": self.meta.cdn_url("unsend.jpg")}}]})):
            raw = event(igsid, IG_ID, {"message": dict(mid=mid, **body)}, account=IG_ID, obj="instagram")
            self.assertEqual(self.webhook(raw, path=path)[0], 200)
        _, conversation = self.conversation_of(igsid, self.ig_inbox["id"])
        self.downloaded_attachment(conversation["id"], "aWdf_unsend_photo")
        status, found, _ = self.parley.request("GET", "/api/v1/search?q=zwergpinscher", token=self.token)
        self.assertEqual(len(found["data"]), 1, found)
        digest = hashlib.sha256(jpeg).hexdigest()
        blob = os.path.join(self.parley.data_dir, "attachments", digest[:2], digest)
        two_hours_ago = time.time() - 7200
        os.utime(blob, (two_hours_ago, two_hours_ago))
        time.sleep(2.5)  # two sweeps: an old file a message shows stays
        self.assertTrue(os.path.exists(blob))
        for mid in ("aWdf_unsend_text", "aWdf_unsend_photo"):
            unsend = event(igsid, IG_ID, {"message": {"mid": mid, "is_deleted": True}}, account=IG_ID, obj="instagram")
            status, body, _ = self.webhook(unsend, path=path)
            self.assertEqual((status, body["stored"]), (200, 0), body)
        messages = {m["external_id"]: m for m in self.messages(conversation["id"])}
        self.assertEqual(len([m for m in messages if m.startswith("aWdf_unsend")]), 2, "nothing added")
        for mid in ("aWdf_unsend_text", "aWdf_unsend_photo"):
            self.assertEqual(messages[mid]["text"], "")
            self.assertIn("unsent_at", messages[mid]["payload"])
        photo = messages["aWdf_unsend_photo"]
        status, _, _ = self.parley.request("GET", "/api/v1/attachments/%d" % photo["attachment_ids"][0], token=self.token)
        self.assertEqual(status, 410, "the file is no longer served")
        status, found, _ = self.parley.request("GET", "/api/v1/search?q=zwergpinscher", token=self.token)
        self.assertEqual(found["data"], [], "nor found by search")
        two_hours_ago = time.time() - 7200
        os.utime(blob, (two_hours_ago, two_hours_ago))  # as if it arrived two hours ago
        wait_for(lambda: not os.path.exists(blob), timeout=10)
        # Meta redelivers: the second unsend changes nothing.
        again = event(igsid, IG_ID, {"message": {"mid": "aWdf_unsend_text", "is_deleted": True}}, account=IG_ID, obj="instagram")
        self.assertEqual(self.webhook(again, path=path)[0], 200)

    # ---- outbound ----

    def test_reply_text_and_file_then_read_receipt(self):
        psid = "5550004"
        self.webhook(event(psid, PAGE_ID, {"message": {"mid": "m_hello-4", "text": "Hallo?"}}))
        _, conversation = self.conversation_of(psid)
        self.meta.next_mids.append("m_reply-4")
        before = len(self.meta.sent)
        reply = self.reply(conversation["id"], text="Hallo! Wie können wir helfen?")
        wait_for(lambda: len(self.meta.sent) > before)
        account, sent = self.meta.sent[-1]
        self.assertEqual(account, PAGE_ID)
        self.assertEqual(sent["recipient"], {"id": psid})
        self.assertEqual(sent["messaging_type"], "RESPONSE")
        self.assertEqual(sent["message"]["text"], "Hallo! Wie können wir helfen?")
        self.assertNotIn("tag", sent)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["external_id"] == "m_reply-4")
        self.assertEqual(self.message(conversation["id"], reply["id"])["delivery_status"], "sent")

        pdf = b"%PDF-1.4\n" + os.urandom(4000) + b"\n%%EOF\n"
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=Rechnung.pdf", raw=pdf,
                                                  token=self.token, content_type="application/pdf")
        self.assertEqual(status, 201, uploaded)
        uploads, before = len(self.meta.uploads), len(self.meta.sent)
        with_file = self.reply(conversation["id"], text="Ihre Rechnung", attachment_ids=[uploaded["id"]])
        wait_for(lambda: len(self.meta.sent) >= before + 2)
        self.assertEqual(len(self.meta.uploads), uploads + 1)
        _, multipart, content_type = self.meta.uploads[-1]
        self.assertIn("multipart/form-data", content_type)
        self.assertIn(pdf, multipart)
        self.assertIn(b'name="filedata"', multipart)
        self.assertIn(b'"type":"file"', multipart)
        file_msg, text_msg = self.meta.sent[-2][1], self.meta.sent[-1][1]
        self.assertEqual(file_msg["message"]["attachment"]["type"], "file")
        self.assertTrue(file_msg["message"]["attachment"]["payload"]["attachment_id"].startswith("90000"))
        self.assertEqual(text_msg["message"]["text"], "Ihre Rechnung")
        wait_for(lambda: self.message(conversation["id"], with_file["id"])["delivery_status"] == "sent")

        # Messenger's read receipt names a watermark: both replies sent before it become read.
        time.sleep(0.01)
        read = event(psid, PAGE_ID, {"read": {"watermark": int(time.time() * 1000) + 1}})
        status, body, _ = self.webhook(read)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.message(conversation["id"], reply["id"])["delivery_status"], "read")
        self.assertEqual(self.message(conversation["id"], with_file["id"])["delivery_status"], "read")

    def test_outside_the_window_uses_the_human_agent_tag(self):
        # The page wrote first (an echo): no customer message, so no open window.
        psid = "5550005"
        self.webhook(event(PAGE_ID, psid, {"message": {"mid": "m_echo-5", "is_echo": True, "text": "Hi from us"}}))
        _, conversation = self.conversation_of(psid)
        before = len(self.meta.sent)
        self.reply(conversation["id"], text="Following up on your order")
        wait_for(lambda: len(self.meta.sent) > before)
        sent = self.meta.sent[-1][1]
        self.assertEqual(sent["messaging_type"], "MESSAGE_TAG")
        self.assertEqual(sent["tag"], "HUMAN_AGENT")

    def test_a_reply_held_in_the_outbox_past_the_window_goes_with_the_tag(self):
        # The customer wrote 24 hours minus 3 seconds ago (the webhook came late); Meta first
        # answers "rate limit, retry in 5 s": the retry goes after the window, so it is tagged.
        psid = "5550007"
        wrote = int((time.time() - 24 * 3600 + 3) * 1000)
        raw = event(psid, PAGE_ID, {"message": {"mid": "m_late-7", "text": "Hallo?"}}, timestamp_ms=wrote)
        self.assertEqual(self.webhook(raw)[0], 200)
        _, conversation = self.conversation_of(psid)
        self.meta.send_errors.append(rate_limited(5))
        before = len(self.meta.sent)
        reply = self.reply(conversation["id"], text="Entschuldigung, hier sind wir")
        wait_for(lambda: len(self.meta.sent) >= before + 2, timeout=30)
        first, retried = self.meta.sent[before][1], self.meta.sent[before + 1][1]
        self.assertEqual(first["messaging_type"], "RESPONSE")
        self.assertEqual((retried["messaging_type"], retried["tag"]), ("MESSAGE_TAG", "HUMAN_AGENT"))
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")

    def test_an_mme_link_on_an_existing_thread_reopens_the_window(self):
        # The customer wrote 6 days ago: a reply now would need the HUMAN_AGENT tag. Then they open
        # the chat again from an m.me link: Meta resets the 24-hour window and sends
        # messaging_referrals (no message). The agent sees a line, and the reply is a RESPONSE.
        psid = "5550012"
        six_days_ago = int((time.time() - 6 * 24 * 3600) * 1000)
        raw = event(psid, PAGE_ID, {"message": {"mid": "m_old-12", "text": "Wo bleibt meine Bestellung?"}},
                    timestamp_ms=six_days_ago)
        self.assertEqual(self.webhook(raw)[0], 200)
        _, conversation = self.conversation_of(psid)
        self.assertLess(self.window_ends_ms(conversation["id"]), time.time() * 1000)

        referral = json.loads(fixture("messenger", "referral_open_thread.json"))
        e = referral["entry"][0]["messaging"][0]
        e["sender"]["id"] = psid
        e["timestamp"] = referral["entry"][0]["time"] = int(time.time() * 1000)
        raw = json.dumps(referral).encode()
        status, body, _ = self.webhook(raw)
        self.assertEqual((status, body["stored"]), (200, 1), body)
        status, again, _ = self.webhook(raw)  # Meta redelivers
        self.assertEqual((again["stored"], again["duplicates"]), (0, 1), again)

        _, after = self.conversation_of(psid)
        self.assertEqual(after["id"], conversation["id"])
        self.assertGreater(self.window_ends_ms(after["id"]), time.time() * 1000 + 23 * 3600 * 1000)
        lines = [m for m in self.messages(conversation["id"]) if m["direction"] == "activity"]
        self.assertEqual([m["text"] for m in lines],
                         ["The customer opened the conversation from an m.me link (ref summer, SHORTLINK)"])

        before = len(self.meta.sent)
        self.reply(conversation["id"], text="Sie ist unterwegs!")
        wait_for(lambda: len(self.meta.sent) > before)
        sent = self.meta.sent[-1][1]
        self.assertEqual(sent["messaging_type"], "RESPONSE")
        self.assertNotIn("tag", sent)

        # A resolved conversation takes the next referral's line and stays resolved: a customer
        # tapping a link or an ad is no question for an agent's queue.
        status, body, _ = self.parley.request("PATCH", "/api/v1/conversations/%d" % conversation["id"],
                                              {"status": "resolved"}, token=self.token)
        self.assertEqual(status, 200, body)
        e["timestamp"] += 60_000
        self.assertEqual(self.webhook(json.dumps(referral).encode())[1]["stored"], 1)
        _, still = self.conversation_of(psid)
        self.assertEqual((still["id"], still["status"]), (conversation["id"], "resolved"))
        self.assertEqual(len([m for m in self.messages(conversation["id"]) if m["direction"] == "activity"]), 3)

        # Someone who never wrote to the Page: a contact and a conversation for the record, resolved.
        e["sender"]["id"] = "5550013"
        status, body, _ = self.webhook(json.dumps(referral).encode())
        self.assertEqual((status, body["stored"]), (200, 1), body)
        _, fresh = self.conversation_of("5550013")
        self.assertEqual(fresh["status"], "resolved")
        self.assertEqual([m["direction"] for m in self.messages(fresh["id"])], ["activity"])

    def window_ends_ms(self, conversation_id):
        """The conversation's customer_window_expires_at as the desk shows it, in Unix ms."""
        _, conversation, _ = self.parley.request("GET", "/api/v1/conversations/%d" % conversation_id, token=self.token)
        value = conversation["customer_window_expires_at"]
        return int(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)

    def test_rate_limit_is_retried_and_permanent_error_is_shown(self):
        psid = "5550006"
        self.webhook(event(psid, PAGE_ID, {"message": {"mid": "m_hello-6", "text": "Hallo"}}))
        _, conversation = self.conversation_of(psid)
        self.meta.send_errors.append(rate_limited(1))
        before = len(self.meta.sent)
        reply = self.reply(conversation["id"], text="Einen Moment bitte")
        wait_for(lambda: len(self.meta.sent) >= before + 2, timeout=20)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent", timeout=20)

        self.meta.send_errors.append((400, {"error": {
            "message": "(#10) This message is sent outside of allowed window.", "type": "OAuthException",
            "code": 10, "error_subcode": 2018278, "fbtrace_id": "fake"}}, {}))
        failing = self.reply(conversation["id"], text="Sind Sie noch da?")

        def failed():
            m = self.message(conversation["id"], failing["id"])
            return m if m["delivery_status"] == "failed" else None
        message = wait_for(failed, timeout=20)
        self.assertIn("2018278", message["delivery_error"])
        self.assertIn("outside of allowed window", message["delivery_error"])

    # ---- Instagram ----

    def test_instagram_inbound_reply_and_seen(self):
        igsid = "908765432123456"
        status, body, _ = self.webhook(fixture("instagram", "text.json"), path="/webhooks/instagram")
        self.assertEqual((status, body["stored"] + body["duplicates"]), (200, 1), body)
        # The Messenger URL ignores an Instagram body (another product), storing nothing.
        status, body, _ = self.webhook(fixture("instagram", "text.json"))
        self.assertEqual((status, body["stored"]), (200, 0))
        _, conversation = self.conversation_of(igsid, self.ig_inbox["id"])
        self.meta.next_mids.append("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjReply1")
        before = len(self.meta.sent)
        reply = self.reply(conversation["id"], text="Yes, it is!")
        wait_for(lambda: len(self.meta.sent) > before)
        account, sent = self.meta.sent[-1]
        self.assertEqual(account, IG_ID)
        self.assertEqual(sent["recipient"], {"id": igsid})
        self.assertEqual(sent["messaging_type"], "RESPONSE")
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        seen = event(igsid, IG_ID, {"read": {"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjReply1"}},
                     account=IG_ID, obj="instagram")
        status, body, _ = self.webhook(seen, path="/webhooks/instagram")
        self.assertEqual((status, body["statuses"]), (200, 1), body)
        self.assertEqual(self.message(conversation["id"], reply["id"])["delivery_status"], "read")

        # A photo goes through Instagram's Attachment Upload API: to the linked Page (`me` with the
        # Page token), platform=instagram, and a file name in ASCII (Meta refuses others).
        png = tiny_png()
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=" + urllib.parse.quote("Größe März.png"),
                                                  raw=png, token=self.token, content_type="image/png")
        self.assertEqual(status, 201, uploaded)
        photo = self.reply(conversation["id"], attachment_ids=[uploaded["id"]])
        wait_for(lambda: self.message(conversation["id"], photo["id"])["delivery_status"] == "sent")
        account, multipart, _ = self.meta.uploads[-1]
        self.assertEqual(account, "me")
        self.assertIn(b'name="platform"\r\n\r\ninstagram', multipart)
        self.assertIn(b'filename="Gr__e_M_rz.png"', multipart)
        self.assertEqual(self.meta.sent[-1][1]["message"]["attachment"]["type"], "image")

        # What Instagram does not take is refused when the reply is posted, nothing stored: a Word
        # file, and text over 1000 bytes (600 Cyrillic letters are 1200).
        count = len(self.messages(conversation["id"]))
        status, doc, _ = self.parley.request("POST", "/api/v1/attachments?filename=angebot.docx", raw=b"PK\x03\x04" + b"\x00" * 200,
                                             token=self.token, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        self.assertEqual(status, 201, doc)
        url = "/api/v1/conversations/%d/messages" % conversation["id"]
        status, body, _ = self.parley.request("POST", url, {"attachment_ids": [doc["id"]]}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("cannot be sent on Instagram", body["error"]["message"])
        status, body, _ = self.parley.request("POST", url, {"text": "ж" * 600}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("at most 1000 bytes", body["error"]["message"])
        self.assertEqual(len(self.messages(conversation["id"])), count)


    # ---- profile names (User Profile APIs), fetched after the webhook was answered ---------------------

    def contact_named(self, external_id, name):
        """The contact of this id once it has the name (found by the id or the name)."""
        def check():
            for q in (external_id, name):
                _, contacts, _ = self.parley.request("GET", "/api/v1/contacts?q=" + urllib.parse.quote(q), token=self.token)
                for c in contacts["data"]:
                    if c["name"] == name:
                        return c
            return None
        return wait_for(check, timeout=10)

    def test_a_new_messenger_customer_gets_the_name_from_the_profile_api(self):
        psid = "7000000000000001"
        self.meta.profiles[psid] = {"first_name": "Jana", "last_name": "Müller", "profile_pic": "https://cdn.example/p.jpg"}
        self.meta.profile_delay = 1.5  # a slow Graph API does not slow the webhook
        try:
            started = time.time()
            status, body, _ = self.webhook(event(psid, PAGE_ID, {"message": {"mid": "m_profile_1", "text": "Hallo"}}))
            self.assertEqual((status, body["stored"]), (200, 1), body)
            self.assertLess(time.time() - started, 1.0)
            contact = self.contact_named(psid, "Jana Müller")
        finally:
            self.meta.profile_delay = 0.0
        self.assertIn((psid, "first_name,last_name,profile_pic"), self.meta.profile_requests)
        _, contact, _ = self.parley.request("GET", "/api/v1/contacts/%d" % contact["id"], token=self.token)
        self.assertEqual([i["value"] for i in contact["identities"] if i["kind"] == "external"], [psid])
        # A second message of the same customer asks nothing more.
        asked = len(self.meta.profile_requests)
        self.webhook(event(psid, PAGE_ID, {"message": {"mid": "m_profile_2", "text": "Noch da?"}}))
        time.sleep(0.8)
        self.assertEqual(len(self.meta.profile_requests), asked)

    def test_an_instagram_customer_is_named_by_name_or_username(self):
        named, handle_only = "908700000000001", "908700000000002"
        self.meta.profiles[named] = {"name": "Peter Chang", "username": "peter.chang", "profile_pic": "https://cdn.example/q.jpg"}
        self.meta.profiles[handle_only] = {"username": "jana.m"}
        for igsid, mid in ((named, "ig_profile_1"), (handle_only, "ig_profile_2")):
            raw = event(igsid, IG_ID, {"message": {"mid": mid, "text": "Hi"}}, account=IG_ID, obj="instagram")
            status, body, _ = self.webhook(raw, path="/webhooks/instagram")
            self.assertEqual((status, body["stored"]), (200, 1), body)
        self.contact_named(named, "Peter Chang")
        self.contact_named(handle_only, "@jana.m")
        self.assertIn((named, "name,username,profile_pic"), self.meta.profile_requests)

    def test_a_missing_permission_is_asked_once_and_the_id_stays_the_name(self):
        psid = "7000000000000002"
        denied = {"error": {"message": "(#230) Requires pages_messaging permission to manage the object",
                            "type": "OAuthException", "code": 230, "fbtrace_id": "fake"}}
        self.meta.profile_errors[psid] = [(403, denied)] * 5
        self.meta.profiles[psid] = {"first_name": "Never", "last_name": "Asked"}
        status, body, _ = self.webhook(event(psid, PAGE_ID, {"message": {"mid": "m_profile_3", "text": "Hallo"}}))
        self.assertEqual(status, 200, body)
        wait_for(lambda: any(r[0] == psid for r in self.meta.profile_requests))
        time.sleep(2.5)  # past the first back-off: a final error is not tried again
        self.assertEqual(len([r for r in self.meta.profile_requests if r[0] == psid]), 1)
        contact, _ = self.conversation_of(psid, self.inbox["id"])
        self.assertEqual(contact["name"], psid)

    def test_a_name_the_agent_set_is_never_overwritten(self):
        psid = "7000000000000003"
        busy = {"error": {"message": "An unexpected error has occurred. Please retry your request later.",
                          "type": "OAuthException", "code": 2, "is_transient": True}}
        self.meta.profile_errors[psid] = [(503, busy)]
        self.meta.profiles[psid] = {"first_name": "Max", "last_name": "Mustermann"}
        self.webhook(event(psid, PAGE_ID, {"message": {"mid": "m_profile_4", "text": "Hallo"}}))
        wait_for(lambda: any(r[0] == psid for r in self.meta.profile_requests))  # the first try failed (503)
        contact, _ = self.conversation_of(psid, self.inbox["id"])
        status, renamed, _ = self.parley.request("PATCH", "/api/v1/contacts/%d" % contact["id"],
                                                 {"name": "Herr Mustermann (Stammkunde)"}, token=self.token)
        self.assertEqual(status, 200, renamed)
        time.sleep(3.5)  # the retry after 2 s finds the agent's name and leaves it
        _, after, _ = self.parley.request("GET", "/api/v1/contacts/%d" % contact["id"], token=self.token)
        self.assertEqual(after["name"], "Herr Mustermann (Stammkunde)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
