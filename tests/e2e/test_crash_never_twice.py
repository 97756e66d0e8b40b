"""End to end: "never sent twice after a crash" on every provider, against the real binary and the
local fakes. The provider receives a reply but holds its answer (hold_next); Parley is killed with
SIGKILL before hearing it and restarted on the same data dir.

- WhatsApp, Messenger, Instagram, Twilio and X (no idempotency key): the reply is failed with the
  "check and resend" reason, the customer has it exactly once, and Resend sends it once more.
  (Telegram: tests/e2e/test_outbox.py.)
- The API channel (the receiver drops repeats by key): the reply is sent again once, with the same
  idempotency key and payload, and ends `sent`."""
import json
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from fake_graph import FakeGraph  # noqa: E402
from fake_meta_messaging import FakeMetaMessaging  # noqa: E402
from fake_twilio import FakeTwilio  # noqa: E402
from fake_x import FakeX  # noqa: E402
from harness import CallbackServer, Desk, Parley, sign, wait_for  # noqa: E402
import test_messenger  # noqa: E402
import test_twilio  # noqa: E402
import test_whatsapp  # noqa: E402
import test_x  # noqa: E402

INTERRUPTED = ("Parley stopped while this message was being sent; it may or may not have reached the customer"
               " — check and resend")
TEXT = "Ihr Paket kommt morgen"


class CrashNeverTwice(Desk):
    """One provider's crash test (a mixin; each subclass is one channel, with one Parley): `fake`
    is the provider's fake, started by make_fake(); config() the inbox's (or create_inbox() makes
    it); customer_writes() posts
    the provider's documented inbound webhook and returns the conversation's id; copies() counts
    the sends of TEXT the provider received."""
    channel = None

    @classmethod
    def setUpClass(cls):
        cls.fake = cls.make_fake()
        cls.parley = Parley()
        cls.token = cls.parley.login()
        cls.inbox = cls.create_inbox()

    @classmethod
    def create_inbox(cls):
        return cls.add_inbox(cls.__name__, cls.channel, cls.config())

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.fake.close()

    def conversation_with(self, customer):
        return self.conversation_of(customer, self.inbox["id"])[1]["id"]

    def status_of(self, conversation_id, message_id):
        return self.message(conversation_id, message_id)["delivery_status"]

    def reply_then_crash(self):
        """The customer writes, an agent replies, the provider receives the reply and Parley is
        killed before the provider's answer; Parley restarted on the same data dir. The ids of
        the conversation and the reply."""
        conversation = self.customer_writes()
        arrived = self.fake.hold_next()
        status, message, _ = self.send(conversation, {"text": TEXT})
        self.assertEqual(status, 201, message)
        self.assertTrue(arrived.wait(15), "the provider got the reply")
        self.parley.stop("KILL")  # before Parley heard the provider's answer
        self.fake.release()
        type(self).parley = Parley(data_dir=self.parley.data_dir)
        return conversation, message["id"]

    def test_a_crash_between_send_and_answer(self):
        """Never sent twice: failed with the reason, the customer has it once; Resend works."""
        conversation, message_id = self.reply_then_crash()
        failed = wait_for(lambda: (lambda m: m if m["delivery_status"] == "failed" else None)(
            self.message(conversation, message_id)), timeout=15)
        self.assertEqual(failed["delivery_error"], INTERRUPTED)
        time.sleep(1)  # a few outbox passes
        self.assertEqual(self.copies(), 1, "the customer got it once")

        status, resent, _ = self.parley.request(
            "POST", "/api/v1/conversations/%d/messages/%d/retry" % (conversation, message_id), {}, token=self.token)
        self.assertEqual(status, 200, resent)
        self.assertEqual(resent["delivery_status"], "pending")
        wait_for(lambda: self.status_of(conversation, message_id) == "sent", timeout=15)
        self.assertEqual(self.copies(), 2, "Resend sent it once more")


class WhatsAppCrash(CrashNeverTwice, unittest.TestCase):
    channel = "whatsapp"
    make_fake = FakeGraph

    @classmethod
    def config(cls):
        return test_whatsapp.inbox_config(cls.fake)

    def customer_writes(self):
        raw = test_whatsapp.customer_message("4915112340001", "wamid.CRASH1", lambda m: None)
        self.assertEqual(test_whatsapp.post_webhook(self.parley, raw)[0], 200)
        return self.conversation_with("4915112340001")

    def copies(self):
        return [(sent.get("text") or {}).get("body") for _, sent in list(self.fake.sent)].count(TEXT)


class MessengerCrash(CrashNeverTwice, unittest.TestCase):
    channel = "messenger"
    make_fake = FakeMetaMessaging
    account, customer, obj = test_messenger.PAGE_ID, "1254459150000001", "page"

    @classmethod
    def config(cls):
        return cls.fake.page_config(cls.account, test_messenger.APP_SECRET)

    def customer_writes(self):
        raw = test_messenger.event(self.customer, self.account, {"message": {"mid": "m_crash_" + self.obj, "text": "Hallo"}},
                                   account=self.account, obj=self.obj)
        status, body, _ = self.parley.request("POST", "/webhooks/" + self.channel, raw=raw,
                                              headers={"X-Hub-Signature-256": sign(test_messenger.APP_SECRET, raw)})
        self.assertEqual(status, 200, body)
        return self.conversation_with(self.customer)

    def copies(self):
        return [sent["message"].get("text") for _, sent in list(self.fake.sent)].count(TEXT)

    def test_the_echo_after_a_crash_shows_the_reply_sent(self):
        """The provider's echo, retried after the restart: the reply the crash left failed is
        sent, with the echo's id, shown once, and never sent again. Messenger's echo names the
        reply (metadata "parley:<id>"); Instagram's has no metadata and is matched by recipient
        and text."""
        conversation, message_id = self.reply_then_crash()
        wait_for(lambda: self.status_of(conversation, message_id) == "failed", timeout=15)
        sent = self.fake.sent[-1][1]
        echoed = {"mid": "m_echo_after_crash", "is_echo": True, "text": sent["message"]["text"]}
        if self.channel == "messenger":
            self.assertEqual(sent["message"]["metadata"], "parley:%d" % message_id)
            echoed["metadata"] = sent["message"]["metadata"]
        else:
            self.assertNotIn("metadata", sent["message"])
        sends = len(self.fake.sent)
        raw = test_messenger.event(self.account, self.customer, {"message": echoed}, account=self.account, obj=self.obj)
        status, body, _ = self.parley.request("POST", "/webhooks/" + self.channel, raw=raw,
                                              headers={"X-Hub-Signature-256": sign(test_messenger.APP_SECRET, raw)})
        self.assertEqual((status, body["stored"], body["duplicates"]), (200, 0, 1), body)
        reply = self.message(conversation, message_id)
        self.assertEqual((reply["delivery_status"], reply["external_id"], reply["delivery_error"] or None),
                         ("sent", "m_echo_after_crash", None), reply)
        self.assertEqual([m["id"] for m in self.messages(conversation) if m.get("external_id") == "m_echo_after_crash"],
                         [message_id], "the echo is no message of its own")
        time.sleep(1)  # a few outbox passes: nothing is sent again
        self.assertEqual(len(self.fake.sent), sends)


class InstagramCrash(MessengerCrash):
    channel = "instagram"
    account, customer, obj = test_messenger.IG_ID, "1254459150000002", "instagram"

    @classmethod
    def config(cls):
        cls.fake.instagram_accounts.add(cls.account)
        return cls.fake.instagram_config(cls.account, test_messenger.APP_SECRET)


class TwilioCrash(CrashNeverTwice, unittest.TestCase):
    channel = "twilio"
    make_fake = FakeTwilio
    customer = "+14155550123"

    @classmethod
    def config(cls):
        return {"account_sid": cls.fake.account_sid, "auth_token": cls.fake.auth_token,
                "phone_number": test_twilio.SMS_NUMBER, "public_base_url": cls.parley.base,
                "api_base_url": cls.fake.api_base_url, "content_api_base_url": cls.fake.api_base_url}

    def customer_writes(self):
        params = [("MessageSid", "SM" + "c" * 32), ("AccountSid", self.fake.account_sid), ("From", self.customer),
                  ("To", test_twilio.SMS_NUMBER), ("Body", "Hallo"), ("NumMedia", "0")]
        path = "/webhooks/twilio/sms"
        signature = test_twilio.twilio_signature(self.fake.auth_token, self.parley.base + path, params)
        status, body, _ = self.parley.request("POST", path, raw=urllib.parse.urlencode(params).encode(),
                                              content_type="application/x-www-form-urlencoded",
                                              headers={"X-Twilio-Signature": signature})
        self.assertEqual(status, 200, body)
        return self.conversation_with(self.customer)

    def copies(self):
        return [dict(form).get("Body") for form, _, _ in list(self.fake.sent)].count(TEXT)


class XCrash(CrashNeverTwice, unittest.TestCase):
    channel = "x"
    customer = "880000000000000901"

    @classmethod
    def make_fake(cls):
        return FakeX(consumer_secret=test_x.SECRET)

    @classmethod
    def config(cls):
        return {"user_id": test_x.BUSINESS, "consumer_secret": test_x.SECRET, "access_token": cls.fake.token,
                "api_base_url": cls.fake.api_base_url}

    def customer_writes(self):
        raw = test_x.dm_event("710000000000000901", self.customer, "Where is my parcel?")
        status, body, _ = self.parley.request("POST", "/webhooks/x", raw=raw,
                                              headers={"x-twitter-webhooks-signature": test_x.signed(raw)})
        self.assertEqual((status, body["stored"]), (200, 1), body)
        return self.conversation_with(self.customer)

    def copies(self):
        return [sent.get("text") for _, sent, _ in list(self.fake.dms)].count(TEXT)


class ApiChannelCrash(CrashNeverTwice, unittest.TestCase):
    """The API channel's callback carries an idempotency key: after the crash the reply is sent
    again once with the same key and payload (the receiver drops the repeat), not failed."""
    channel = "api"
    make_fake = CallbackServer

    @classmethod
    def create_inbox(cls):  # the callback URL is the inbox's, not in its config
        status, inbox, _ = cls.parley.request("POST", "/api/v1/inboxes", {"name": "CRM", "channel": "api",
                                                                          "callback_url": cls.fake.url}, token=cls.token)
        assert status == 201, inbox
        return inbox

    def customer_writes(self):
        raw = json.dumps({"id": "crash-1", "contact": {"id": "crm-crash"}, "text": "Hallo"}).encode()
        status, body, _ = self.parley.request("POST", "/webhooks/api/%d" % self.inbox["id"], raw=raw,
                                              headers={"X-Parley-Signature": sign(self.inbox["secret"], raw)})
        self.assertEqual(status, 201, body)
        return body["conversation_id"]

    def test_a_crash_between_send_and_answer(self):
        """Sent again once, with the same idempotency key and payload."""
        conversation, message_id = self.reply_then_crash()
        wait_for(lambda: self.status_of(conversation, message_id) == "sent", timeout=15)
        self.assertFalse(self.message(conversation, message_id)["delivery_error"])
        time.sleep(1)  # a few outbox passes: no third send
        calls = [(headers, json.loads(body)) for headers, body in list(self.fake.received)
                 if json.loads(body)["message"]["text"] == TEXT]
        self.assertEqual(len(calls), 2, "sent again once after the restart")
        key = "parley-msg-%d" % message_id
        for headers, body in calls:
            self.assertEqual({k.lower(): v for k, v in headers.items()}["x-parley-idempotency-key"], key)
            self.assertEqual(body["idempotency_key"], key)
        self.assertEqual(calls[0][1], calls[1][1], "the same payload")


if __name__ == "__main__":
    unittest.main()
