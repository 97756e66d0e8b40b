"""End to end: the WhatsApp Cloud API channel against the real binary and a local fake of the
Graph API. Webhook payloads are the fixtures written from Meta's documentation."""
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from fake_graph import DOCUMENTED_SEND_ERRORS, FakeGraph  # noqa: E402
from harness import Desk, jpeg, json_fixtures, sign, wait_for  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "channels", "whatsapp", "fixtures")
PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "test-app-secret"


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def inbox_config(graph, phone_number_id=PHONE_NUMBER_ID, **config):
    """A WhatsApp inbox's config talking to the fake Graph API; `config` adds keys (business_account_id)."""
    return {"phone_number_id": phone_number_id, "access_token": graph.token, "app_secret": APP_SECRET,
            "verify_token": "verify-me", "api_base_url": graph.api_base_url, **config}


def post_webhook(parley, raw, signature=None, content_type="application/json"):
    """`raw` posted to the webhook, signed with the app secret (or with `signature`)."""
    return parley.request("POST", "/webhooks/whatsapp", raw=raw, content_type=content_type,
                          headers={"X-Hub-Signature-256": signature or sign(APP_SECRET, raw)})


def customer_message(wa_id, wamid, change, name="text.json"):
    """The documented inbound fixture `name` as a message `wamid` from `wa_id`, changed by `change(message)`."""
    payload = json.loads(fixture(name))
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = wa_id
    value["messages"][0]["id"] = wamid
    change(value["messages"][0])
    return json.dumps(payload).encode()


class WhatsAppTest(Desk, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.graph = FakeGraph()
        cls.start_with_inbox("WhatsApp DE", "whatsapp", inbox_config(cls.graph))

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.graph.close()

    def webhook(self, raw, signature=None, content_type="application/json"):
        return post_webhook(self.parley, raw, signature, content_type)

    def test_secrets_are_never_returned(self):
        _, inbox, _ = self.parley.request("GET", "/api/v1/inboxes/%d" % self.inbox["id"], token=self.token)
        self.assertEqual(inbox["config"]["phone_number_id"], PHONE_NUMBER_ID)
        self.assertEqual(inbox["config"]["access_token"], "********")
        self.assertNotIn(APP_SECRET, json.dumps(inbox))

    def test_incomplete_config_is_refused(self):
        self.assert_config_refused("whatsapp", {"phone_number_id": "1"}, "config.access_token")
        # A misspelt optional setting is refused with its name, not kept unused (templates would never sync).
        self.assert_config_refused("whatsapp", {"phone_number_id": "1", "access_token": "a", "app_secret": "b", "verify_token": "c",
                                                "business_acount_id": "102290129340398"}, "config.business_acount_id: unknown key")

    def test_a_second_inbox_for_the_same_number_is_refused(self):
        # Both would take every webhook of the number: the second is refused, naming the first.
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes", token=self.token,
                                              body={"name": "WhatsApp again", "channel": "whatsapp",
                                                    "config": inbox_config(self.graph)})
        self.assertEqual(status, 409, body)
        self.assertIn("config.phone_number_id: %s is already connected to inbox \"WhatsApp DE\"" % PHONE_NUMBER_ID,
                      body["error"]["message"])
        # Saving the inbox that has the number is not a conflict with itself.
        status, _, _ = self.parley.request("PATCH", "/api/v1/inboxes/%d" % self.inbox["id"], token=self.token,
                                           body={"name": "WhatsApp DE", "config": inbox_config(self.graph)})
        self.assertEqual(status, 200)

    def test_verification_handshake(self):
        status, body, _ = self.parley.request(
            "GET", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"1158201444")
        status, _, _ = self.parley.request(
            "GET", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444")
        self.assertEqual(status, 403)

    def test_a_changed_app_secret_takes_effect_at_once(self):
        # The webhook reuses parsed inbox configurations while they are unchanged: an update
        # must still count from the next request on.
        raw = customer_message("4915112345099", "wamid.ROTATE1", lambda m: None)
        status, _, _ = self.webhook(raw)
        self.assertEqual(status, 200)
        path = "/api/v1/inboxes/%d" % self.inbox["id"]
        status, _, _ = self.parley.request("PATCH", path, token=self.token,
                                           body={"config": {**inbox_config(self.graph), "app_secret": "rotated-secret"}})
        self.assertEqual(status, 200)
        try:
            raw = customer_message("4915112345099", "wamid.ROTATE2", lambda m: None)
            status, _, _ = self.webhook(raw)
            self.assertEqual(status, 401, "the old app secret no longer signs")
            status, _, _ = self.webhook(raw, signature=sign("rotated-secret", raw))
            self.assertEqual(status, 200)
        finally:
            status, _, _ = self.parley.request("PATCH", path, token=self.token, body={"config": inbox_config(self.graph)})
            self.assertEqual(status, 200)
        status, _, _ = self.webhook(customer_message("4915112345099", "wamid.ROTATE3", lambda m: None))
        self.assertEqual(status, 200, "and the restored one signs again")

    def test_text_message_is_stored_once_with_the_e164_contact(self):
        raw = fixture("text.json")
        status, body, _ = self.webhook(raw)
        self.assertEqual(status, 200, body)
        status, again, _ = self.webhook(raw)  # Meta redelivers
        self.assertEqual(again["stored"], 0)
        self.assertEqual(again["duplicates"], 1)
        wa_id = json.loads(raw)["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"]
        contact, conversation = self.conversation_of("+" + wa_id)
        _, full, _ = self.parley.request("GET", "/api/v1/contacts/%d" % contact["id"], token=self.token)
        self.assertIn({"kind": "phone", "value": "+" + wa_id},
                      [{"kind": i["kind"], "value": i["value"]} for i in full["identities"]])
        wamid = json.loads(raw)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        self.assertEqual(len([m for m in self.messages(conversation["id"]) if m["external_id"] == wamid]), 1)

    def test_bad_signature_stores_nothing_and_bad_input_is_refused(self):
        raw = fixture("location.json")
        status, body, _ = self.webhook(raw, signature="sha256=" + "0" * 64)
        self.assertEqual(status, 401)
        status, _, _ = self.webhook(raw, content_type="text/plain")
        self.assertEqual(status, 415)
        truncated = raw[: len(raw) // 2]
        status, body, _ = self.webhook(truncated)
        self.assertEqual(status, 400)
        deep = b"[" * 10000 + b"]" * 10000
        status, _, _ = self.webhook(deep)
        self.assertEqual(status, 400)
        self.assertEqual(self.parley.request("GET", "/healthz")[0], 200)

    def test_image_is_fetched_from_the_provider_byte_identical(self):
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(2000) + b"\xff\xd9"
        # The documented image payload, with ids of its own so no other test has seen it.
        payload = json.loads(fixture("image.json"))
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        message["id"] = "wamid.image-fetch-test"
        message["image"]["id"] = media_id = "2003383421387256"
        raw = json.dumps(payload).encode()
        self.graph.media[media_id] = (jpeg, "image/jpeg")
        status, _, _ = self.webhook(raw)
        self.assertEqual(status, 200)
        _, conversation = self.conversation_of("+16505551234")
        body, headers, message = self.downloaded_attachment(conversation["id"], "wamid.image-fetch-test")
        self.assertEqual(body, jpeg)
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertEqual(message["text"], "This is a caption")

    def test_reply_is_sent_through_the_graph_api_and_receipts_never_regress(self):
        raw = fixture("text.json")
        self.webhook(raw)
        _, conversation = self.conversation_of("+16505551234")
        statuses = json.loads(fixture("statuses_out_of_order.json"))
        wamid = statuses["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
        self.graph.next_wamids.append(wamid)
        before = len(self.graph.sent)
        status, reply, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % conversation["id"],
                                               {"text": "Hallo! Wie können wir helfen?"}, token=self.token)
        self.assertEqual(status, 201, reply)
        wait_for(lambda: len(self.graph.sent) > before)
        phone_id, sent = self.graph.sent[-1]
        self.assertEqual(phone_id, PHONE_NUMBER_ID)
        self.assertEqual(sent["messaging_product"], "whatsapp")
        self.assertEqual(sent["type"], "text")
        self.assertEqual(sent["text"]["body"], "Hallo! Wie können wir helfen?")
        # When Meta's documented number change (test_metas_documented_examples) ran first, this
        # customer moved to 12195555358: a reply goes to the number they use now.
        _, customer, _ = self.parley.request("GET", "/api/v1/contacts/%d" % conversation["contact_id"], token=self.token)
        moved = "+12195555358" in [i["value"] for i in customer["identities"]]
        self.assertEqual(sent["to"].lstrip("+"), "12195555358" if moved else "16505551234")

        def message_status():
            return [m for m in self.messages(conversation["id"]) if m["id"] == reply["id"]][0]
        wait_for(lambda: message_status()["external_id"] == wamid)
        # read, sent, delivered arrive in that order: the message ends "read".
        status, body, _ = self.webhook(fixture("statuses_out_of_order.json"))
        self.assertEqual(status, 200, body)
        self.assertEqual(message_status()["delivery_status"], "read")

    def test_a_status_that_overtakes_the_send_answer_is_not_lost(self):
        # Meta's "failed" status arrives while the send call still waits for its answer (no message
        # holds the wamid yet): it waits for the answer instead of being dropped after a 200.
        self.webhook(fixture("text.json"))
        _, conversation = self.conversation_of("+16505551234")
        wamid = "wamid.overtaken-by-its-status"
        self.graph.next_wamids.append(wamid)
        arrived = self.graph.hold_next()
        try:
            _, reply, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % conversation["id"],
                                              {"text": "Ihre Bestellung ist unterwegs"}, token=self.token)
            self.assertTrue(arrived.wait(10), "Meta received the send")
            failed = json.loads(fixture("doc_status_failed.json"))
            failed["entry"][0]["changes"][0]["value"]["statuses"][0].update(id=wamid, timestamp=str(int(time.time())))
            threading.Timer(0.3, self.graph.release).start()  # Meta answers the send while the status waits
            status, body, _ = self.webhook(json.dumps(failed).encode())
        finally:
            self.graph.release()
        self.assertEqual(status, 200, body)
        self.assertEqual(body["statuses"], 1, body)
        message = [m for m in self.messages(conversation["id"]) if m["id"] == reply["id"]][0]
        self.assertEqual((message["external_id"], message["delivery_status"]), (wamid, "failed"), message)
        self.assertIn("131049", message["delivery_error"])

    def test_permanent_send_error_shows_metas_reason(self):
        self.webhook(fixture("text.json"))
        _, conversation = self.conversation_of("+16505551234")
        self.graph.send_errors.append((400, {"error": {
            "message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047,
            "error_data": {"messaging_product": "whatsapp",
                           "details": "Message failed to send because more than 24 hours have passed since the "
                                      "customer last replied to this number."},
            "fbtrace_id": "fake"}}))
        _, reply, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % conversation["id"],
                                          {"text": "Sind Sie noch da?"}, token=self.token)

        def failed():
            return [m for m in self.messages(conversation["id"]) if m["id"] == reply["id"] and m["delivery_status"] == "failed"]
        message = wait_for(failed)[0]
        self.assertIn("131047", message["delivery_error"])

    def test_metas_documented_examples_show_what_the_customer_sent(self):
        """Meta's own examples (doc_*.json): the order, the changed number and a '+' sender land
        in the one contact of +16505551234, as the customer wrote them."""
        for name in ("doc_text.json", "doc_order.json", "doc_system_user_changed_number.json",
                     "doc_params_from_with_plus.json", "doc_unsupported.json"):
            status, body, _ = self.webhook(fixture(name))
            self.assertEqual(status, 200, (name, body))
        contacts = self.contacts("+16505551234")
        self.assertEqual(len(contacts), 1, contacts)
        _, conversation = self.conversation_of("+16505551234")
        texts = [m["text"] for m in self.messages(conversation["id"])]
        self.assertIn("Love these!\n2 x di9ozbzfi4 (30 USD)\n1 x nqryix03ez (25 USD)", texts)
        self.assertIn("User Sheena Nelson changed from 16505551234 to 12195555358", texts)
        self.assertIn("Hello from a number written with +", texts)

    def test_an_edit_changes_the_stored_text_and_a_deletion_adds_nothing(self):
        wa_id, wamid = "4915112345678", "wamid.edit-me"
        self.assertEqual(self.webhook(customer_message(wa_id, wamid, lambda m: m["text"].update(body="Termin am 12.")))[0], 200)
        edit = json.loads(fixture("realworld_edit.json"))
        value = edit["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = wa_id
        value["messages"][0]["edit"]["original_message_id"] = wamid
        value["messages"][0]["edit"]["message"]["text"]["body"] = "Termin am 21."
        status, body, _ = self.webhook(json.dumps(edit).encode())
        self.assertEqual((status, body["stored"]), (200, 0), body)
        revoke = json.loads(fixture("realworld_revoke.json"))
        value = revoke["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = wa_id
        value["messages"][0]["revoke"]["original_message_id"] = wamid
        status, body, _ = self.webhook(json.dumps(revoke).encode())
        self.assertEqual((status, body["stored"], body["ignored"]), (200, 0, 1), body)
        _, conversation = self.conversation_of("+" + wa_id)
        self.assertEqual([m["text"] for m in self.messages(conversation["id"]) if m["external_id"] == wamid], ["Termin am 21."])
        self.assertEqual(len(self.messages(conversation["id"])), 1)

    def test_what_the_business_wrote_from_the_whatsapp_business_app_is_outgoing(self):
        wa_id = "4915122223333"
        self.assertEqual(self.webhook(customer_message(wa_id, "wamid.coex-q", lambda m: None))[0], 200)
        echo = json.loads(fixture("doc_smb_message_echoes.json"))
        echo["entry"][0]["changes"][0]["value"]["message_echoes"][0]["to"] = wa_id
        echo["entry"][0]["changes"][0]["value"]["message_echoes"][0]["id"] = "wamid.coex-echo"
        status, body, _ = self.webhook(json.dumps(echo).encode())
        self.assertEqual((status, body["stored"]), (200, 1), body)
        _, conversation = self.conversation_of("+" + wa_id)
        echoed = [m for m in self.messages(conversation["id"]) if m["external_id"] == "wamid.coex-echo"]
        self.assertEqual([(m["direction"], m["text"]) for m in echoed],
                         [("outgoing", "Here's the info you requested! https://www.meta.com/quest/quest-3/")])
        # The business edits that message in the app, then deletes it: the text changes, the
        # deletion keeps it, and neither adds a message.
        edit = json.loads(fixture("doc_smb_echo_edit.json"))
        item = edit["entry"][0]["changes"][0]["value"]["message_echoes"][0]
        item["to"], item["edit"]["original_message_id"] = wa_id, "wamid.coex-echo"
        status, body, _ = self.webhook(json.dumps(edit).encode())
        self.assertEqual((status, body["stored"]), (200, 0), body)
        revoke = json.loads(fixture("doc_smb_echo_revoke.json"))
        item = revoke["entry"][0]["changes"][0]["value"]["message_echoes"][0]
        item["to"], item["revoke"]["original_message_id"] = wa_id, "wamid.coex-echo"
        status, body, _ = self.webhook(json.dumps(revoke).encode())
        self.assertEqual((status, body["stored"], body["ignored"]), (200, 0, 1), body)
        messages = self.messages(conversation["id"])
        self.assertEqual(len(messages), 2)  # the customer's question and the business's answer
        self.assertEqual([m["text"] for m in messages if m["external_id"] == "wamid.coex-echo"],
                         ["Here's the info you requested! https://www.meta.com/quest/quest-3s/"])

    def test_a_number_the_phone_library_does_not_know_is_still_stored(self):
        # +999 is no country code libphonenumber knows: the message is kept under the wa_id.
        raw = customer_message("999123456789", "wamid.unknown-range", lambda m: m["text"].update(body="Hallo?"))
        status, body, _ = self.webhook(raw)
        self.assertEqual((status, body["stored"]), (200, 1), body)
        _, conversation = self.conversation_of("999123456789")
        self.assertEqual([m["text"] for m in self.messages(conversation["id"])], ["Hallo?"])

    def test_an_audio_reply_with_text_sends_the_text_after_the_file(self):
        """Audio takes no caption (…/messages/audio-messages): the text follows as its own message."""
        self.assertEqual(self.webhook(customer_message("4915177778888", "wamid.audio-q", lambda m: None))[0], 200)
        _, conversation = self.conversation_of("+4915177778888")
        ogg = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1eOpusHead" + os.urandom(500)
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=gruss.ogg", raw=ogg,
                                                  token=self.token, content_type="audio/ogg")
        self.assertEqual(status, 201, uploaded)
        self.graph.next_wamids.extend(["wamid.audio-file", "wamid.audio-text"])
        before = len(self.graph.sent)
        reply = self.reply(conversation["id"], text="Hören Sie mal", attachment_ids=[uploaded["id"]])
        wait_for(lambda: self.message(conversation["id"], reply["id"])["external_id"] == "wamid.audio-text")
        audio, text = self.graph.sent[before][1], self.graph.sent[before + 1][1]
        self.assertEqual(audio["type"], "audio")
        self.assertNotIn("caption", audio["audio"])
        self.assertEqual((text["type"], text["text"]["body"]), ("text", "Hören Sie mal"))

    def test_a_reply_with_three_files_goes_as_three_messages_in_order(self):
        """A WhatsApp message carries one media object: the desk's reply with three files becomes
        three messages, the first with the text as its caption, each sent and tracked on its own."""
        self.assertEqual(self.webhook(customer_message("4915100000077", "wamid.files-q", lambda m: None))[0], 200)
        _, conversation = self.conversation_of("+4915100000077")
        files = [self.uploaded_file(name, jpeg(200 + i), "image/jpeg") for i, name in enumerate(["a.jpg", "b.jpg", "c.jpg"])]
        self.graph.next_wamids.extend(["wamid.file-1", "wamid.file-2", "wamid.file-3"])
        before = len(self.graph.sent)
        reply = self.reply(conversation["id"], text="Die Fotos vom Schaden", attachment_ids=files)
        self.assertEqual(reply["text"], "Die Fotos vom Schaden")
        self.assertEqual(reply["attachment_ids"], files[:1])
        further = reply["further_messages"]
        self.assertEqual([m["attachment_ids"] for m in further], [files[1:2], files[2:3]])
        self.assertEqual([m["text"] for m in further], ["", ""])
        ids = [reply["id"]] + [m["id"] for m in further]
        wait_for(lambda: [self.message(conversation["id"], i)["external_id"] for i in ids]
                 == ["wamid.file-1", "wamid.file-2", "wamid.file-3"])
        sent = [body for _, body in self.graph.sent[before:before + 3]]
        self.assertEqual([body["type"] for body in sent], ["image"] * 3)
        self.assertEqual(sent[0]["image"].get("caption"), "Die Fotos vom Schaden")
        self.assertNotIn("caption", sent[1]["image"])
        self.assertNotIn("caption", sent[2]["image"])
        # A reply without more files than a message carries has no further messages.
        self.assertNotIn("further_messages", self.reply(conversation["id"], text="Bitte sehr"))

    def test_a_file_whatsapp_does_not_take_is_refused_when_the_reply_is_posted(self):
        """Meta's "Supported media types": a GIF is no image WhatsApp takes (nor a document), a
        JPEG goes up to 5 MB. The reply API answers 400 naming the file and what WhatsApp takes;
        nothing is stored and nothing reaches Meta."""
        self.assertEqual(self.webhook(customer_message("4915100000055", "wamid.media-q", lambda m: None))[0], 200)
        _, conversation = self.conversation_of("+4915100000055")
        gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00," \
              b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
        cases = [("party.gif", gif, "image/gif", ['"party.gif" (image/gif, 43 bytes) cannot be sent on WhatsApp',
                                                 "images as JPEG or PNG (up to 5 MB)"]),
                 ("scan.jpg", jpeg(5 * 1024 * 1024), "image/jpeg",
                  ['"scan.jpg" (image/jpeg, 5.1 MB) is too large for WhatsApp', "images (JPEG, PNG) up to 5 MB"])]
        for filename, raw, content_type, expected in cases:
            self.assert_file_refused(conversation["id"], filename, raw, content_type, expected,
                                     lambda: (len(self.graph.sent), len(self.graph.uploads)))

    def test_a_played_voice_message_reads_as_read(self):
        self.assertEqual(self.webhook(customer_message("4915187654321", "wamid.voice-q", lambda m: None))[0], 200)
        _, conversation = self.conversation_of("+4915187654321")
        wamid = "wamid.voice-reply"
        self.graph.next_wamids.append(wamid)
        reply = self.reply(conversation["id"], text="Sprachnachricht folgt")
        wait_for(lambda: self.message(conversation["id"], reply["id"])["external_id"] == wamid)
        played = json.loads(fixture("doc_status_played_group.json"))
        played["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = wamid
        status, body, _ = self.webhook(json.dumps(played).encode())
        self.assertEqual((status, body["statuses"]), (200, 1), body)
        self.assertEqual(self.message(conversation["id"], reply["id"])["delivery_status"], "read")

    def test_documented_rate_limits_are_retried_and_undeliverable_is_shown(self):
        """130429 and 131056 come with HTTP 400 and mean "later"; 131026 means "never"."""
        self.assertEqual(self.webhook(customer_message("4915199990000", "wamid.limits", lambda m: None))[0], 200)
        _, conversation = self.conversation_of("+4915199990000")
        self.graph.send_errors.extend([DOCUMENTED_SEND_ERRORS[130429], DOCUMENTED_SEND_ERRORS[131056]])
        before = len(self.graph.sent)
        reply = self.reply(conversation["id"], text="Gleich da")
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent", timeout=30)
        self.assertGreaterEqual(len(self.graph.sent), before + 3)
        self.graph.send_errors.append(DOCUMENTED_SEND_ERRORS[131026])
        failing = self.reply(conversation["id"], text="Hallo?")
        message = wait_for(lambda: [m for m in self.messages(conversation["id"])
                                    if m["id"] == failing["id"] and m["delivery_status"] == "failed"], timeout=20)[0]
        self.assertIn("131026", message["delivery_error"])
        self.assertIn("Message Undeliverable", message["delivery_error"])

    def test_a_reply_goes_to_the_whatsapp_id_the_customer_wrote_from(self):
        """A phone number an agent adds to the contact later (a landline, an SMS number) does not
        take the WhatsApp reply; a customer who shares no number (a username) is answered by
        their business-scoped user id in "recipient", as Meta documents."""
        self.assertEqual(self.webhook(customer_message("4915100000077", "wamid.who1", lambda m: None))[0], 200)
        contact, conversation = self.conversation_of("+4915100000077")
        status, body, _ = self.parley.request("POST", "/api/v1/contacts/%d/identities" % contact["id"],
                                              {"kind": "phone", "value": "+49301234567"}, token=self.token)
        self.assertEqual(status, 201, body)
        before = len(self.graph.sent)
        reply = self.reply(conversation["id"], text="Wir melden uns auf WhatsApp")
        wait_for(lambda: len(self.graph.sent) > before)
        self.assertEqual(self.graph.sent[-1][1]["to"], "4915100000077")
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")

        raw = fixture("bsuid_only.json").replace(b"US.13491208655302741918", b"DE.77766655544433322211") \
            .replace(b"wamid.HBgLBSUIDONLY", b"wamid.who2")
        self.assertEqual(self.webhook(raw)[0], 200)
        _, conversation = self.conversation_of("DE.77766655544433322211")
        before = len(self.graph.sent)
        reply = self.reply(conversation["id"], text="Hallo Sheena")
        wait_for(lambda: len(self.graph.sent) > before)
        sent = self.graph.sent[-1][1]
        self.assertEqual(sent["recipient"], "DE.77766655544433322211")
        self.assertNotIn("to", sent)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")

    def test_a_group_is_one_conversation_answered_in_the_group(self):
        group = "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD"
        raw = fixture("doc_group_text.json").replace(b"16505551234", b"4915100000111")
        self.assertEqual(self.webhook(raw)[0], 200)
        second = json.loads(raw)
        message = second["entry"][0]["changes"][0]["value"]["messages"][0]
        message.update(id="wamid.group-2", **{"from": "4915100000112"})
        message["text"]["body"] = "Ab 9 Uhr, glaube ich"
        second["entry"][0]["changes"][0]["value"]["contacts"][0].update(wa_id="4915100000112", profile={"name": "Ben"})
        self.assertEqual(self.webhook(json.dumps(second).encode())[0], 200)
        contact, conversation = self.conversation_of(group)
        self.assertTrue(contact["name"].startswith("WhatsApp group"))
        messages = self.messages(conversation["id"])
        self.assertEqual([(m["text"], m["payload"]["group_participant"]["wa_id"]) for m in messages],
                         [("Does anyone know when the store opens tomorrow?", "4915100000111"),
                          ("Ab 9 Uhr, glaube ich", "4915100000112")])
        # The participants are not this contact (nor made contacts by a group message).
        self.assertEqual(self.contacts("4915100000111"), [])
        before = len(self.graph.sent)
        reply = self.reply(conversation["id"], text="Morgen ab 9 Uhr!")
        wait_for(lambda: len(self.graph.sent) > before)
        sent = self.graph.sent[-1][1]
        self.assertEqual((sent["recipient_type"], sent["to"]), ("group", group))
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")

    def test_a_customer_who_later_hides_their_number_stays_one_contact(self):
        # First with number and business-scoped user id, then (a username taken) with the id only.
        raw = fixture("bsuid_and_number.json").replace(b"16505551234", b"4915100000099") \
            .replace(b"US.13491208655302741918", b"DE.11122233344455566677").replace(b"wamid.HBgLBSUIDANDNUMBER", b"wamid.both1")
        self.assertEqual(self.webhook(raw)[0], 200)
        raw = fixture("bsuid_only.json").replace(b"US.13491208655302741918", b"DE.11122233344455566677") \
            .replace(b"wamid.HBgLBSUIDONLY", b"wamid.both2")
        self.assertEqual(self.webhook(raw)[0], 200)
        contact, conversation = self.conversation_of("+4915100000099")
        self.assertEqual([c["id"] for c in self.contacts("DE.11122233344455566677")], [contact["id"]])
        self.assertEqual([m["text"] for m in self.messages(conversation["id"])],
                         ["Hi, my number and my user id", "Hi from my username"])
        # The reply goes to the number the customer shared.
        before = len(self.graph.sent)
        reply = self.reply(conversation["id"], text="Wir haben beide Nachrichten")
        wait_for(lambda: len(self.graph.sent) > before)
        self.assertEqual(self.graph.sent[-1][1]["to"], "4915100000099")
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")

    def test_429_waits_for_retry_after_in_seconds_or_as_a_date(self):
        self.assertEqual(self.webhook(customer_message("4915100000088", "wamid.ra1", lambda m: None))[0], 200)
        _, conversation = self.conversation_of("+4915100000088")
        too_many = {"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429}}
        for retry_after in ("2", "date"):
            if retry_after == "date":  # 3 s from now, to the second (so at least 2 s after Parley reads it)
                retry_after = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(int(time.time()) + 3))
            self.graph.send_errors.append((429, too_many, {"Retry-After": retry_after}))
            before = len(self.graph.sent)
            reply = self.reply(conversation["id"], text="Moment, bitte (%s)" % retry_after)
            wait_for(lambda: len(self.graph.sent) >= before + 2, timeout=30)
            self.assertGreaterEqual(self.graph.sent_at[before + 1] - self.graph.sent_at[before], 1.9, retry_after)
            wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")

    def test_every_documented_fixture_is_accepted(self):
        for name, raw in json_fixtures(FIXTURES):
            status, body, _ = self.webhook(raw)
            self.assertEqual(status, 200, (name, body))
        # The App Dashboard's test notification names a number no inbox has: nothing is stored.
        status, body, _ = self.webhook(fixture("realworld_dashboard_test.json"))
        self.assertEqual((status, body["stored"], body["duplicates"], body["ignored"]), (200, 0, 0, 1), body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
