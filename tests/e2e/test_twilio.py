"""End to end: the Twilio channel (SMS, MMS and WhatsApp through Twilio) against the real binary
and a local fake of Twilio's Messages API and media host (fake_twilio.py). Webhook bodies are
the fixtures written from Twilio's documentation (tests/channels/twilio/fixtures), signed as
Twilio signs them."""
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from fake_twilio import FakeTwilio  # noqa: E402
from harness import Parley, wait_for  # noqa: E402
from test_whatsapp_templates import TemplateConversations  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "channels", "twilio", "fixtures")
SMS_NUMBER = "+15017122661"
WA_NUMBER = "whatsapp:+14155238886"
TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def fixture(name, account_sid=None):
    with open(os.path.join(FIXTURES, name + ".txt")) as f:
        params = urllib.parse.parse_qsl(f.read(), keep_blank_values=True)
    # The fixtures' account is made up; the fake's stands in for it.
    return [(k, account_sid if k == "AccountSid" and account_sid else v) for k, v in params]


def twilio_signature(token, url, params):
    """As documented: the full URL, then every POST parameter sorted by name, name + value (a
    repeated name=value pair once, as Twilio's helper libraries sign it)."""
    data = url + "".join(k + v for k, v in sorted(set(params)))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def create_inbox(parley, token, twilio, name, number, **config):
    """A Twilio inbox talking to the fake (its Messages API and its Content API); `config` adds or
    overrides keys."""
    body = {"account_sid": twilio.account_sid, "auth_token": twilio.auth_token, "phone_number": number,
            "public_base_url": parley.base, "api_base_url": twilio.api_base_url,
            "content_api_base_url": twilio.api_base_url}
    body.update(config)
    status, inbox, _ = parley.request("POST", "/api/v1/inboxes", {"name": name, "channel": "twilio", "config": body},
                                      token=token)
    assert status == 201, inbox
    return inbox


class TwilioTest(TemplateConversations, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.twilio = FakeTwilio()
        cls.parley = Parley()
        cls.token = cls.parley.login()
        cls.public = cls.parley.base  # Twilio would call https://parley.example.com; here loopback
        cls.inbox = cls.create_inbox("Twilio SMS", SMS_NUMBER)
        cls.wa_inbox = cls.create_inbox("Twilio WhatsApp", WA_NUMBER)

    @classmethod
    def create_inbox(cls, name, number):
        return create_inbox(cls.parley, cls.token, cls.twilio, name, number)

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.twilio.close()

    def post(self, path, params, signature=None, content_type="application/x-www-form-urlencoded", raw=None,
             token=None):
        body = raw if raw is not None else urllib.parse.urlencode(params).encode()
        sig = signature if signature is not None else twilio_signature(token or self.twilio.auth_token,
                                                                      self.public + path, params)
        return self.parley.request("POST", path, raw=body, content_type=content_type,
                                   headers={"X-Twilio-Signature": sig})

    def sms(self, params, **kw):
        return self.post("/webhooks/twilio/sms", params, **kw)

    def contacts(self, phone):
        _, contacts, _ = self.parley.request("GET", "/api/v1/contacts?q=" + urllib.parse.quote(phone), token=self.token)
        return contacts["data"]

    def conversation_of(self, phone, inbox_id):
        contact = self.contacts(phone)[0]
        _, conversations, _ = self.parley.request("GET", "/api/v1/contacts/%d/conversations" % contact["id"], token=self.token)
        return contact, [c for c in conversations["data"] if c["inbox_id"] == inbox_id][0]

    def reply(self, conversation_id, **body):
        status, message, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % conversation_id, body,
                                                 token=self.token)
        self.assertEqual(status, 201, message)
        return message

    def customer_writes(self, phone, sid, text="Hallo", to=SMS_NUMBER):
        params = [("MessageSid", sid), ("AccountSid", self.twilio.account_sid), ("From", phone), ("To", to),
                  ("Body", text), ("NumMedia", "0")]
        status, body, _ = self.sms(params)
        self.assertEqual(status, 200, body)
        return self.conversation_of(phone.replace("whatsapp:", ""),
                                    self.wa_inbox["id"] if to == WA_NUMBER else self.inbox["id"])[1]

    def status_callback(self, form, status, **extra):
        """Twilio's callback for a sent message, to the StatusCallback URL Parley gave it."""
        fields = dict(form)
        url = fields["StatusCallback"]
        self.assertTrue(url.startswith(self.public + "/webhooks/twilio/status?inbox="), url)
        path = url[len(self.public):]
        params = [("AccountSid", self.twilio.account_sid), ("ApiVersion", "2010-04-01"), ("From", fields["From"]),
                  ("To", fields["To"]), ("MessageSid", self.last_sid), ("SmsSid", self.last_sid),
                  ("MessageStatus", status), ("SmsStatus", status)] + list(extra.items())
        return self.post(path, params)

    # ---- set-up and authenticity ----

    def test_config_is_checked_and_the_token_never_returned(self):
        _, inbox, _ = self.parley.request("GET", "/api/v1/inboxes/%d" % self.inbox["id"], token=self.token)
        self.assertEqual(inbox["config"]["phone_number"], SMS_NUMBER)
        self.assertEqual(inbox["config"]["auth_token"], "********")
        self.assertNotIn(self.twilio.auth_token, json.dumps(inbox))
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes", {
            "name": "broken", "channel": "twilio", "config": {"account_sid": "AC1", "auth_token": "x",
                                                             "phone_number": "+15550001"}}, token=self.token)
        self.assertEqual(status, 400)
        self.assertIn("config.public_base_url", body["error"]["message"])
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes", {
            "name": "typo", "channel": "twilio", "config": {"account_sid": "AC1", "auth_token": "x", "phone_number": "+15550001",
                                                           "public_base_url": "https://p.example", "status_callback": "x"}},
            token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("config.status_callback: unknown key", body["error"]["message"])

    def test_bad_signature_stores_nothing_and_bad_input_is_refused(self):
        params = [("MessageSid", "SMforged0000000000000000000000001"), ("From", "+14155550101"), ("To", SMS_NUMBER),
                  ("Body", "forged"), ("NumMedia", "0")]
        self.assertEqual(self.sms(params, signature="0/KCTR6DLpKmkAf8muzZqo1nDgQ=")[0], 401)
        self.assertEqual(self.sms(params, signature="")[0], 401)
        self.assertEqual(self.sms(params, token="another-token")[0], 401)
        # Signed for another URL (e.g. public_base_url set to http while Twilio calls https).
        other = twilio_signature(self.twilio.auth_token, "https://elsewhere.example.com/webhooks/twilio/sms", params)
        self.assertEqual(self.sms(params, signature=other)[0], 401)
        # A parameter added after signing.
        sig = twilio_signature(self.twilio.auth_token, self.public + "/webhooks/twilio/sms", params)
        self.assertEqual(self.sms(params + [("Body2", "x")], signature=sig)[0], 401)
        # To a number no inbox has.
        self.assertEqual(self.sms([(k, "+15550009999" if k == "To" else v) for k, v in params])[0], 401)
        self.assertEqual(self.contacts("+14155550101"), [])

        self.assertEqual(self.sms(params, content_type="application/json")[0], 415)
        self.assertEqual(self.sms(params, raw=b"MessageSid=%zz&Body=%")[0], 400)
        invalid_utf8 = [("MessageSid", "SMbadutf8000000000000000000000001"), ("From", "+14155550101"),
                        ("To", SMS_NUMBER), ("NumMedia", "0")]
        raw = urllib.parse.urlencode(invalid_utf8).encode() + b"&Body=%C3%28"
        signed = (self.public + "/webhooks/twilio/sms").encode() + b"".join(
            k.encode() + v for k, v in sorted([(k, v.encode()) for k, v in invalid_utf8] + [("Body", b"\xc3(")]))
        sig = base64.b64encode(hmac.new(self.twilio.auth_token.encode(), signed, hashlib.sha1).digest()).decode()
        self.assertEqual(self.sms(invalid_utf8, raw=raw, signature=sig)[0], 400)  # signed, but not UTF-8
        status, _, _ = self.sms(params, raw=b"Body=" + b"a" * (5 * 1024 * 1024))
        self.assertIn(status, (400, 401, 413))
        self.assertEqual(self.contacts("+14155550101"), [])
        self.assertEqual(self.parley.request("GET", "/healthz")[0], 200)

    def test_signed_urls_as_twilio_signs_them_query_port_and_repeats(self):
        # A webhook URL configured in the console with its own query string, in its own order:
        # Twilio signs it exactly as written.
        params = [("MessageSid", "SMquery00000000000000000000000001"), ("AccountSid", self.twilio.account_sid),
                  ("From", "+14155550171"), ("To", SMS_NUMBER), ("Body", "with a query"), ("NumMedia", "0")]
        path = "/webhooks/twilio/sms?zeta=1&alpha=a%2Bb"
        sig = twilio_signature(self.twilio.auth_token, self.public + path, params)
        self.assertEqual(self.post(path, params, signature=sig)[0], 200)
        # Signed over the URL without its port (Twilio's libraries check with and without it).
        params2 = [(k, "SMport000000000000000000000000001" if k == "MessageSid" else v) for k, v in params]
        no_port = re.sub(r":\d+$", "", self.public)
        sig = twilio_signature(self.twilio.auth_token, no_port + "/webhooks/twilio/sms", params2)
        self.assertEqual(self.sms(params2, signature=sig)[0], 200)
        # A name given twice with the same value (signed once) is still accepted.
        params3 = [(k, "SMrepeat0000000000000000000000001" if k == "MessageSid" else v) for k, v in params]
        params3.append(("NumMedia", "0"))
        self.assertEqual(self.sms(params3)[0], 200)
        texts = [m["text"] for m in self.messages(self.conversation_of("+14155550171", self.inbox["id"])[1]["id"])]
        self.assertEqual(texts.count("with a query"), 3)

    # ---- inbound ----

    def test_a_sender_number_the_phone_library_does_not_know_is_still_stored(self):
        # Twilio delivers what the carrier gave it; +999 is no country code libphonenumber knows.
        params = [("MessageSid", "SMunknownrange0000000000000000001"), ("AccountSid", self.twilio.account_sid),
                  ("From", "+99912345678"), ("To", SMS_NUMBER), ("Body", "from a new range"), ("NumMedia", "0")]
        status, body, _ = self.sms(params)
        self.assertEqual((status, body), (200, TWIML))
        contact, conversation = self.conversation_of("+99912345678", self.inbox["id"])
        self.assertEqual([m["text"] for m in self.messages(conversation["id"])], ["from a new range"])

    def test_sms_is_stored_once_and_answered_with_empty_twiml(self):
        params = fixture("sms_text", self.twilio.account_sid)
        status, body, headers = self.sms(params)
        self.assertEqual((status, body), (200, TWIML))
        self.assertTrue(headers["Content-Type"].startswith("text/xml"))
        self.assertEqual(self.sms(params)[0], 200)  # Twilio retries: deduplicated by MessageSid
        contact, conversation = self.conversation_of("+14155552671", self.inbox["id"])
        texts = [m["text"] for m in self.messages(conversation["id"]) if m["external_id"] == dict(params)["MessageSid"]]
        self.assertEqual(texts, ["Hello! Is my order #42 shipped? Grüße 👋"])

    def test_mms_media_are_fetched_byte_identical_with_basic_auth(self):
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(5000) + b"\xff\xd9"
        png = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
        sid = "MM00000000000000000000000000000042"
        self.twilio.media["ME00000000000000000000000000000001"] = (jpeg, "image/jpeg")
        self.twilio.media["ME00000000000000000000000000000002"] = (png, "image/png")
        params = [("MessageSid", sid), ("AccountSid", self.twilio.account_sid), ("From", "+14155550142"),
                  ("To", SMS_NUMBER), ("Body", "Two photos"), ("NumMedia", "2"),
                  ("MediaUrl0", self.twilio.media_url(sid, "ME00000000000000000000000000000001")),
                  ("MediaContentType0", "image/jpeg"),
                  ("MediaUrl1", self.twilio.media_url(sid, "ME00000000000000000000000000000002")),
                  ("MediaContentType1", "image/png")]
        self.assertEqual(self.sms(params)[0], 200)
        _, conversation = self.conversation_of("+14155550142", self.inbox["id"])

        def fetched():
            for m in self.messages(conversation["id"]):
                if m["external_id"] == sid and len(m["attachment_ids"]) == 2:
                    files = []
                    for attachment_id in m["attachment_ids"]:
                        status, body, _ = self.parley.request("GET", "/api/v1/attachments/%d" % attachment_id, token=self.token)
                        if status != 200:
                            return None
                        files.append(body)
                    return m, files
            return None
        message, files = wait_for(fetched, timeout=20)
        self.assertEqual(message["kind"], "image")
        self.assertEqual(sorted(files), sorted([jpeg, png]))
        expected = "Basic " + base64.b64encode(("%s:%s" % (self.twilio.account_sid, self.twilio.auth_token)).encode()).decode()
        self.assertTrue(self.twilio.media_requests)
        self.assertTrue(all(auth == expected for _, auth in self.twilio.media_requests))

    def test_same_phone_on_whatsapp_cloud_and_twilio_is_one_contact(self):
        app_secret = "wa-app-secret"
        status, wa, _ = self.parley.request("POST", "/api/v1/inboxes", {
            "name": "WhatsApp Cloud", "channel": "whatsapp",
            "config": {"phone_number_id": "106540352242922", "access_token": "unused", "app_secret": app_secret,
                       "verify_token": "v", "api_base_url": self.twilio.api_base_url}}, token=self.token)
        self.assertEqual(status, 201, wa)
        cloud = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Grace Hopper"}, "wa_id": "14155550177"}],
            "messages": [{"from": "14155550177", "id": "wamid.cloud-1", "timestamp": str(int(time.time())), "type": "text",
                          "text": {"body": "on WhatsApp Cloud"}}]}}]}]}).encode()
        signature = "sha256=" + hmac.new(app_secret.encode(), cloud, hashlib.sha256).hexdigest()
        status, body, _ = self.parley.request("POST", "/webhooks/whatsapp", raw=cloud, headers={"X-Hub-Signature-256": signature})
        self.assertEqual(status, 200, body)
        self.customer_writes("+14155550177", "SM00000000000000000000000000000177", "by SMS")
        self.customer_writes("whatsapp:+14155550177", "SM00000000000000000000000000000178", "by Twilio WhatsApp", to=WA_NUMBER)
        contacts = self.contacts("+14155550177")
        self.assertEqual(len(contacts), 1, contacts)
        _, conversations, _ = self.parley.request("GET", "/api/v1/contacts/%d/conversations" % contacts[0]["id"], token=self.token)
        self.assertEqual({c["inbox_id"] for c in conversations["data"]}, {wa["id"], self.inbox["id"], self.wa_inbox["id"]})

    # ---- outbound ----

    def sent_reply(self, before):
        wait_for(lambda: len(self.twilio.sent) > before)
        form, auth, content_type = self.twilio.sent[-1]
        self.last_sid = "SM%032x" % self.twilio.count
        return form, auth, content_type

    def test_reply_is_delivered_and_statuses_only_move_forward(self):
        conversation = self.customer_writes("+14155550150", "SM00000000000000000000000000000150")
        before = len(self.twilio.sent)
        reply = self.reply(conversation["id"], text="Hallo! Wie können wir helfen?")
        form, auth, content_type = self.sent_reply(before)
        fields = dict(form)
        self.assertEqual(fields["To"], "+14155550150")
        self.assertEqual(fields["From"], SMS_NUMBER)
        self.assertEqual(fields["Body"], "Hallo! Wie können wir helfen?")
        self.assertEqual(fields["StatusCallback"], "%s/webhooks/twilio/status?inbox=%d" % (self.public, self.inbox["id"]))
        self.assertNotIn("MediaUrl", fields)
        self.assertEqual(content_type, "application/x-www-form-urlencoded")
        self.assertEqual(auth, "Basic " + base64.b64encode(
            ("%s:%s" % (self.twilio.account_sid, self.twilio.auth_token)).encode()).decode())
        wait_for(lambda: self.message(conversation["id"], reply["id"])["external_id"] == self.last_sid)
        self.assertEqual(self.message(conversation["id"], reply["id"])["delivery_status"], "sent")

        for status, expected in (("delivered", "delivered"), ("sent", "delivered"), ("queued", "delivered"),
                                 ("read", "read"), ("delivered", "read")):
            code, body, _ = self.status_callback(form, status)
            self.assertEqual((code, body), (200, TWIML), status)
            self.assertEqual(self.message(conversation["id"], reply["id"])["delivery_status"], expected, status)
        # A callback signed for another inbox's URL is refused.
        params = [("MessageSid", self.last_sid), ("MessageStatus", "failed"), ("From", SMS_NUMBER)]
        self.assertEqual(self.post("/webhooks/twilio/status?inbox=%d" % self.inbox["id"], params,
                                   signature=twilio_signature(self.twilio.auth_token, self.public + "/webhooks/twilio/status", params))[0], 401)

    def test_undelivered_shows_twilios_error(self):
        conversation = self.customer_writes("+14155550151", "SM00000000000000000000000000000151")
        before = len(self.twilio.sent)
        reply = self.reply(conversation["id"], text="Are you there?")
        form, _, _ = self.sent_reply(before)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["external_id"] == self.last_sid)
        self.assertEqual(self.status_callback(form, "undelivered", ErrorCode="30003")[0], 200)
        message = self.message(conversation["id"], reply["id"])
        self.assertEqual(message["delivery_status"], "failed")
        self.assertEqual(message["delivery_error"], "Twilio error 30003: Unreachable destination handset")

    def test_whatsapp_reply_uses_the_whatsapp_prefix(self):
        conversation = self.customer_writes("whatsapp:+14155550152", "SM00000000000000000000000000000152", to=WA_NUMBER)
        before = len(self.twilio.sent)
        self.reply(conversation["id"], text="Hi on WhatsApp")
        form, _, _ = self.sent_reply(before)
        fields = dict(form)
        self.assertEqual((fields["To"], fields["From"]), ("whatsapp:+14155550152", WA_NUMBER))

    def test_file_is_sent_as_a_signed_expiring_media_url(self):
        conversation = self.customer_writes("+14155550153", "SM00000000000000000000000000000153")
        pdf = b"%PDF-1.4\n" + os.urandom(4000) + b"\n%%EOF\n"
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=Rechnung.pdf", raw=pdf,
                                                  token=self.token, content_type="application/pdf")
        self.assertEqual(status, 201, uploaded)
        before = len(self.twilio.sent)
        self.reply(conversation["id"], text="Ihre Rechnung", attachment_ids=[uploaded["id"]])
        form, _, _ = self.sent_reply(before)
        urls = [v for k, v in form if k == "MediaUrl"]
        self.assertEqual(len(urls), 1)
        self.assertTrue(urls[0].startswith(self.public + "/webhooks/twilio/media/"), urls[0])
        with urllib.request.urlopen(urls[0], timeout=10) as resp:  # what Twilio does
            self.assertEqual(resp.read(), pdf)
            self.assertEqual(resp.headers["Content-Type"], "application/pdf")
        path = urls[0][len(self.public):]
        token = path.rsplit("/", 1)[1]
        inbox, attachment, expires, mac = token.split(".")
        for forged in ("%s.%s.%s.%s" % (inbox, attachment, int(expires) + 1, mac),
                       "%s.%d.%s.%s" % (inbox, int(attachment) + 1, expires, mac),
                       "%s.%s.%s.%s" % (inbox, attachment, expires, "0" * 64), "garbage"):
            self.assertEqual(self.parley.request("GET", "/webhooks/twilio/media/" + forged)[0], 404, forged)

    def test_rate_limit_is_retried_and_invalid_number_fails_with_twilios_message(self):
        conversation = self.customer_writes("+14155550154", "SM00000000000000000000000000000154")
        self.twilio.send_errors.append((429, {"code": 20429, "message": "Too Many Requests",
                                              "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429},
                                        {"Retry-After": "1"}))
        before = len(self.twilio.sent)
        reply = self.reply(conversation["id"], text="Einen Moment bitte")
        wait_for(lambda: len(self.twilio.sent) >= before + 2, timeout=20)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent", timeout=20)

        self.twilio.send_errors.append((400, {"code": 21211, "message": "The 'To' number +14155550154 is not a valid phone number.",
                                              "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}, {}))
        failing = self.reply(conversation["id"], text="Sind Sie noch da?")

        def failed():
            m = self.message(conversation["id"], failing["id"])
            return m if m["delivery_status"] == "failed" else None
        message = wait_for(failed, timeout=20)
        self.assertEqual(message["delivery_error"],
                         "Twilio error 21211: The 'To' number +14155550154 is not a valid phone number.")

    def test_replies_through_a_messaging_service_leave_the_sender_to_it(self):
        number = "+15017122699"
        inbox = create_inbox(self.parley, self.token, self.twilio, "Twilio Service", number,
                             messaging_service_sid="MG9752274e9e519418a7406176694466fa")
        params = [("MessageSid", "SMservice000000000000000000000001"), ("AccountSid", self.twilio.account_sid),
                  ("From", "+14155550181"), ("To", number), ("Body", "Hallo"), ("NumMedia", "0")]
        self.assertEqual(self.sms(params)[0], 200)
        _, conversation = self.conversation_of("+14155550181", inbox["id"])
        before = len(self.twilio.sent)
        reply = self.reply(conversation["id"], text="Gern")
        wait_for(lambda: len(self.twilio.sent) > before)
        fields = dict(self.twilio.sent[-1][0])
        self.assertEqual(fields["MessagingServiceSid"], "MG9752274e9e519418a7406176694466fa")
        self.assertNotIn("From", fields)
        self.assertEqual(fields["To"], "+14155550181")
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        # The service's pool sent it from another of its numbers; the customer answers that one,
        # and Twilio calls the service's webhook naming the service: same inbox, same conversation.
        params = [("MessageSid", "SMservice000000000000000000000002"), ("AccountSid", self.twilio.account_sid),
                  ("MessagingServiceSid", "MG9752274e9e519418a7406176694466fa"), ("From", "+14155550181"),
                  ("To", "+15017122700"), ("Body", "Danke, angekommen"), ("NumMedia", "0")]
        self.assertEqual(self.sms(params)[0], 200)
        self.assertEqual([m["text"] for m in self.messages(conversation["id"])], ["Hallo", "Gern", "Danke, angekommen"])
        # Another number naming no service (or another service) is not this inbox's.
        for extra in ([], [("MessagingServiceSid", "MG00000000000000000000000000000000")]):
            params = [("MessageSid", "SMservice000000000000000000000003"), ("AccountSid", self.twilio.account_sid),
                      ("From", "+14155550181"), ("To", "+15017122700"), ("Body", "?"), ("NumMedia", "0")] + extra
            self.assertEqual(self.sms(params)[0], 401)
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes", {"name": "bad", "channel": "twilio", "config": {
            "account_sid": self.twilio.account_sid, "auth_token": "x", "phone_number": "+15550002",
            "public_base_url": self.public, "messaging_service_sid": "MG-not-a-sid"}}, token=self.token)
        self.assertEqual(status, 400)
        self.assertIn("config.messaging_service_sid", body["error"]["message"])

    def test_every_documented_fixture_is_accepted(self):
        for name in sorted(os.listdir(FIXTURES)):
            if name.endswith(".txt") and not name.startswith("status_"):
                params = fixture(name[:-4], self.twilio.account_sid)
                status, body, _ = self.sms(params)
                self.assertEqual(status, 200, (name, body))
        # Status callbacks configured in the console (no ?inbox=): found by From, answered with
        # empty TwiML even for a message this server did not send.
        for name in sorted(os.listdir(FIXTURES)):
            if name.startswith("status_"):
                params = fixture(name[:-4], self.twilio.account_sid)
                status, body, _ = self.post("/webhooks/twilio/status", params)
                self.assertEqual((status, body), (200, TWIML), name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
