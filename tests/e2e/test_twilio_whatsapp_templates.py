"""End to end: WhatsApp templates and the 24-hour customer-service window on a Twilio inbox whose
number is a WhatsApp sender, against the real binary and the local fake of Twilio
(fake_twilio.py): templates synced from the Content API (ContentAndApprovals, two pages linked by
meta.next_page_url), only the WhatsApp-approved ones offered, sent as ContentSid +
ContentVariables, free-form replies refused once the customer's last message is more than 24 hours
old (409, nothing stored), and Twilio's own 63016 shown as a clear reason."""
import json
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from fake_twilio import FakeTwilio  # noqa: E402
from harness import Parley, wait_for  # noqa: E402
from test_twilio import SMS_NUMBER, WA_NUMBER, create_inbox, twilio_signature  # noqa: E402
from test_whatsapp_templates import TemplateConversations  # noqa: E402

SID = "HX%032x"

# As GET https://content.twilio.com/v1/ContentAndApprovals lists them (Content API resources).
CONTENTS = [
    {"sid": SID % 1, "friendly_name": "order_update", "language": "de", "variables": {"1": "Jana", "2": "4711"},
     "types": {"twilio/text": {"body": "Hallo {{1}}, Ihre Bestellung {{2}} ist unterwegs."}},
     "approval_requests": {"name": "order_update", "category": "UTILITY", "content_type": "twilio/text",
                           "status": "approved", "rejection_reason": "", "allow_category_change": True}},
    {"sid": SID % 2, "friendly_name": "appointment", "language": "en", "variables": {"name": "Jana", "time": "10:00"},
     "types": {"twilio/quick-reply": {"body": "Hi {{name}}, see you at {{time}}?",
                                      "actions": [{"title": "Yes", "id": "yes"}, {"title": "Later", "id": "later"}]},
               "twilio/text": {"body": "Hi {{name}}, see you at {{time}}?"}},
     "approval_requests": {"name": "appointment", "category": "UTILITY", "content_type": "twilio/quick-reply",
                           "status": "approved", "rejection_reason": ""}},
    {"sid": SID % 3, "friendly_name": "summer_sale", "language": "de", "variables": {},
     "types": {"twilio/text": {"body": "Sommer!"}},
     "approval_requests": {"name": "summer_sale", "category": "MARKETING", "content_type": "twilio/text",
                           "status": "rejected", "rejection_reason": "promotional"}},
    {"sid": SID % 4, "friendly_name": "sms_notice", "language": "en", "variables": {},
     "types": {"twilio/text": {"body": "Your code is ready."}}},
]


class TwilioWhatsAppTemplatesTest(TemplateConversations, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.twilio = FakeTwilio()
        cls.twilio.contents = json.loads(json.dumps(CONTENTS))
        cls.twilio.content_page_size_max = 2  # four contents: two pages
        cls.parley = Parley()
        cls.token = cls.parley.login()
        cls.inbox = cls.create_inbox("Twilio WhatsApp", WA_NUMBER)
        cls.sms_inbox = cls.create_inbox("Twilio SMS", SMS_NUMBER)

    @classmethod
    def create_inbox(cls, name, number, **config):
        return create_inbox(cls.parley, cls.token, cls.twilio, name, number, **config)

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.twilio.close()

    def customer_writes(self, phone, text, to=WA_NUMBER):
        sid = "SM%032x" % int(time.time() * 1e6)
        params = [("MessageSid", sid), ("AccountSid", self.twilio.account_sid), ("From", phone), ("To", to),
                  ("Body", text), ("NumMedia", "0")]
        path = "/webhooks/twilio/sms"
        status, body, _ = self.parley.request("POST", path, raw=form_body(params), content_type="application/x-www-form-urlencoded",
                                              headers={"X-Twilio-Signature": twilio_signature(self.twilio.auth_token,
                                                                                              self.parley.base + path, params)})
        self.assertEqual(status, 200, body)
        inbox = self.inbox["id"] if to == WA_NUMBER else self.sms_inbox["id"]
        return self.conversation_of(phone.replace("whatsapp:", ""), inbox)[1]

    def sync(self, inbox=None):
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes/%d/templates/sync" % (inbox or self.inbox)["id"],
                                              token=self.token)
        return status, body

    def test_1_sync_reads_both_pages_and_lists_the_whatsapp_approved_templates(self):
        # Creating the inbox started a sync in the background already.
        def synced():
            _, listing, _ = self.parley.request("GET", "/api/v1/inboxes/%d/templates" % self.inbox["id"], token=self.token)
            return listing["synced_at"] and len(listing["data"]) == 2
        wait_for(synced, timeout=20)
        time.sleep(0.2)
        before = len(self.twilio.content_requests)
        status, body = self.sync()
        self.assertEqual(status, 200, body)
        self.assertEqual((body["count"], body["approved"]), (4, 2))
        requests = self.twilio.content_requests[before:]
        self.assertEqual(len(requests), 2)  # page one, then meta.next_page_url
        self.assertTrue(requests[0][0].startswith("/v1/ContentAndApprovals?PageSize="), requests)
        self.assertIn("PageToken=PT1", requests[1][0])
        self.assertTrue(requests[0][1].startswith("Basic "))

        status, listing, _ = self.parley.request("GET", "/api/v1/inboxes/%d/templates" % self.inbox["id"], token=self.token)
        self.assertEqual(status, 200, listing)
        self.assertEqual([(t["name"], t["language"]) for t in listing["data"]], [("appointment", "en"), ("order_update", "de")])
        appointment, order = listing["data"]
        self.assertEqual(order["id"], SID % 1)
        self.assertEqual(order["category"], "UTILITY")
        self.assertEqual(order["body"]["parameters"], ["1", "2"])
        self.assertEqual(appointment["body"]["parameters"], ["name", "time"])
        self.assertEqual([(b["type"], b["text"]) for b in appointment["buttons"]], [("QUICK_REPLY", "Yes"), ("QUICK_REPLY", "Later")])

        # An SMS number has no templates: the admin is told why.
        status, body = self.sync(self.sms_inbox)
        self.assertEqual(status, 400, body)
        self.assertIn("SMS", body["error"]["message"])

    def test_2_template_send_reaches_twilio_as_content_sid_and_variables(self):
        self.sync()
        conversation = self.customer_writes("whatsapp:+4915112350001", "Wo bleibt mein Paket?")
        self.assertIsNotNone(conversation["customer_window_expires_at"])
        before = len(self.twilio.sent)
        status, message, _ = self.send(conversation["id"], {"template": {
            "name": "order_update", "language": "de", "parameters": {"body": ["Jana", "4711"]}}})
        self.assertEqual(status, 201, message)
        self.assertEqual(message["kind"], "template")
        self.assertEqual(message["text"], "Hallo Jana, Ihre Bestellung 4711 ist unterwegs.")
        wait_for(lambda: len(self.twilio.sent) > before)
        form = dict(self.twilio.sent[-1][0])
        self.assertEqual(form["ContentSid"], SID % 1)
        self.assertEqual(json.loads(form["ContentVariables"]), {"1": "Jana", "2": "4711"})
        self.assertNotIn("Body", form)
        self.assertEqual((form["To"], form["From"]), ("whatsapp:+4915112350001", WA_NUMBER))
        # Twilio accepted it (a SID came back): sent, not failed.
        wait_for(lambda: [m for m in self.messages(conversation["id"]) if m["id"] == message["id"]][0]["external_id"])

        status, named, _ = self.send(conversation["id"], {"template": {
            "name": "appointment", "language": "en", "parameters": {"body": ["Jana", "10:30"]}}})
        self.assertEqual(status, 201, named)
        self.assertEqual(named["text"], "Hi Jana, see you at 10:30?")
        wait_for(lambda: dict(self.twilio.sent[-1][0]).get("ContentSid") == SID % 2)
        self.assertEqual(json.loads(dict(self.twilio.sent[-1][0])["ContentVariables"]), {"name": "Jana", "time": "10:30"})

    def test_3_free_form_after_24_hours_is_refused_and_a_template_still_goes(self):
        self.sync()
        conversation = self.customer_writes("whatsapp:+4915112350002", "Ich melde mich morgen")
        self.age_window(conversation["id"])
        count = len(self.messages(conversation["id"]))
        sent = len(self.twilio.sent)
        status, body, _ = self.send(conversation["id"], {"text": "Sind Sie noch da?"})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["code"], "customer_window_closed")
        self.assertEqual(len(self.messages(conversation["id"])), count)
        status, _, _ = self.send(conversation["id"], {"text": "Kunde anrufen", "private": True})
        self.assertEqual(status, 201)
        status, body, _ = self.send(conversation["id"], {"template": {
            "name": "order_update", "language": "de", "parameters": {"body": ["Jana", "4711"]}}})
        self.assertEqual(status, 201, body)
        wait_for(lambda: len(self.twilio.sent) > sent)
        self.assertEqual(dict(self.twilio.sent[-1][0])["ContentSid"], SID % 1)

        # SMS has no such window: a reply 25 hours later goes out as text.
        sms = self.customer_writes("+4915112350003", "Hallo", to=SMS_NUMBER)
        self.age_window(sms["id"])
        status, body, _ = self.send(sms["id"], {"text": "Guten Morgen"})
        self.assertEqual(status, 201, body)
        status, body, _ = self.send(sms["id"], {"template": {"name": "order_update", "language": "de",
                                                             "parameters": {"body": ["Jana", "4711"]}}})
        self.assertEqual(status, 400, body)

    def test_4_twilio_refusing_a_free_form_message_fails_it_with_63016_explained(self):
        # Parley's window is open (the message came just now) but WhatsApp counts from an older one.
        phone = "whatsapp:+4915112350004"
        conversation = self.customer_writes(phone, "Hallo?")
        self.twilio.customer_last_message[phone] = time.time() - 25 * 3600
        status, reply, _ = self.send(conversation["id"], {"text": "Wir sind da!"})
        self.assertEqual(status, 201, reply)
        wait_for(lambda: self.twilio.window_failures)
        form = dict([f for f in self.twilio.sent if dict(f[0]).get("To") == phone][-1][0])
        sid = self.twilio.window_failures[-1]
        # Twilio calls back once the message is queued: Parley has recorded its SID by then.
        wait_for(lambda: [m for m in self.messages(conversation["id"]) if m["id"] == reply["id"]][0]["external_id"] == sid)
        path = form["StatusCallback"][len(self.parley.base):]
        params = [("AccountSid", self.twilio.account_sid), ("From", WA_NUMBER), ("To", phone), ("MessageSid", sid),
                  ("MessageStatus", "failed"), ("ErrorCode", "63016"),
                  ("ErrorMessage", "Failed to send freeform message because you are outside the allowed window.")]
        status, body, _ = self.parley.request("POST", path, raw=form_body(params), content_type="application/x-www-form-urlencoded",
                                              headers={"X-Twilio-Signature": twilio_signature(self.twilio.auth_token,
                                                                                              self.parley.base + path, params)})
        self.assertEqual(status, 200, body)

        message = self.wait_until_failed(conversation["id"], reply["id"])
        self.assertIn("63016", message["delivery_error"])
        self.assertIn("24-hour", message["delivery_error"])
        self.assertIn("template", message["delivery_error"])

    def test_5_templates_that_do_not_fit_are_refused_and_sync_errors_are_clear(self):
        self.sync()
        conversation = self.customer_writes("whatsapp:+4915112350005", "Hallo")
        count = len(self.messages(conversation["id"]))
        sent = len(self.twilio.sent)
        status, body, _ = self.send(conversation["id"], {"template": {
            "name": "order_update", "language": "de", "parameters": {"body": ["Jana"]}}})
        self.assertEqual(status, 400, body)
        self.assertIn("expects 2 body parameters, 1 given", body["error"]["message"])
        status, body, _ = self.send(conversation["id"], {"template": {"name": "summer_sale", "language": "de"}})
        self.assertEqual(status, 400, body)
        self.assertIn("not approved", body["error"]["message"])
        status, body, _ = self.send(conversation["id"], {"template": {"name": "nope", "language": "de"}})
        self.assertEqual(status, 400, body)
        status, body, _ = self.send(conversation["id"], {"template": {
            "name": "appointment", "language": "en", "parameters": {"body": ["Jana", "10:30"], "quick_replies": ["x"]}}})
        self.assertEqual(status, 400, body)
        self.assertIn("quick_replies", body["error"]["message"])
        self.assertEqual(len(self.messages(conversation["id"])), count)
        time.sleep(0.3)
        self.assertEqual(len(self.twilio.sent), sent)

        # A wrong token: Twilio's own reason, 424, and the listing says it too.
        wrong = self.create_inbox("Twilio WhatsApp wrong token", "whatsapp:+14155238887", auth_token="wrong")
        status, body = self.sync(wrong)
        self.assertEqual(status, 424, body)
        self.assertIn("20003", body["error"]["message"])
        _, listing, _ = self.parley.request("GET", "/api/v1/inboxes/%d/templates" % wrong["id"], token=self.token)
        self.assertEqual(listing["data"], [])
        self.assertIn("20003", listing["last_error"])
        config = dict(wrong["config"], content_api_base_url="ftp://x")
        status, body, _ = self.parley.request("PATCH", "/api/v1/inboxes/%d" % wrong["id"], {"config": config},
                                              token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("content_api_base_url", body["error"]["message"])


def form_body(params):
    """The form body Twilio posts."""
    return urllib.parse.urlencode(params).encode()


if __name__ == "__main__":
    unittest.main(verbosity=2)
