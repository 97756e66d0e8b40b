"""End to end: the durable outbox against the real binary and two local fakes of the Telegram Bot
API (fake_telegram.py), one bot per inbox. A bot that answers 429 (flood control with
parameters.retry_after) pauses only its own inbox while the other keeps delivering; and a kill -9
after the provider received a message but before Parley recorded the answer leaves the customer
with one copy: on restart the message is failed with the reason, and the desk's Resend sends it."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from fake_telegram import FakeTelegram  # noqa: E402
from harness import Parley, wait_for  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "channels", "telegram", "fixtures")
SECRET = "e2e_outbox-Token_7"
INTERRUPTED = ("Parley stopped while this message was being sent; it may or may not have reached the customer"
               " — check and resend")


def text_update(chat_id, update_id, text="Hallo, wo bleibt meine Bestellung?"):
    """The documented text update (fixtures/text.json), moved into a private chat of its own."""
    with open(os.path.join(FIXTURES, "text.json"), "rb") as f:
        update = json.loads(f.read())
    update["update_id"] = update_id
    update["message"]["chat"]["id"] = chat_id
    update["message"]["from"]["id"] = chat_id
    update["message"]["message_id"] = update_id
    update["message"]["text"] = text
    return json.dumps(update).encode()


class OutboxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bot_a = FakeTelegram(token="111111111:AAE-bot_a_token")
        cls.bot_b = FakeTelegram(token="222222222:AAE-bot_b_token")
        cls.parley = Parley()
        cls.password = cls.parley.admin_password
        cls.token = cls.parley.login()
        cls.inbox_a = cls.create_inbox("Bot A", cls.bot_a)
        cls.inbox_b = cls.create_inbox("Bot B", cls.bot_b)

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.bot_a.close()
        cls.bot_b.close()

    @classmethod
    def create_inbox(cls, name, bot):
        status, inbox, _ = cls.parley.request("POST", "/api/v1/inboxes", {
            "name": name, "channel": "telegram",
            "config": {"bot_token": bot.token, "secret_token": SECRET, "api_base_url": bot.base}}, token=cls.token)
        assert status == 201, inbox
        return inbox

    def conversation(self, inbox, chat_id):
        """A customer writes to the inbox's bot; returns the conversation's id."""
        status, body, _ = self.parley.request("POST", "/webhooks/telegram/%d" % inbox["id"], raw=text_update(chat_id, chat_id),
                                              headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        self.assertEqual(status, 200, body)
        _, contacts, _ = self.parley.request("GET", "/api/v1/contacts?q=%d" % chat_id, token=self.token)
        contact = contacts["data"][0]
        _, conversations, _ = self.parley.request("GET", "/api/v1/contacts/%d/conversations" % contact["id"], token=self.token)
        return conversations["data"][0]["id"]

    def reply(self, conversation_id, text):
        status, message, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % conversation_id,
                                                 {"text": text}, token=self.token)
        self.assertEqual(status, 201, message)
        return message

    def message(self, conversation_id, message_id):
        _, page, _ = self.parley.request("GET", "/api/v1/conversations/%d/messages?limit=100" % conversation_id,
                                         token=self.token)
        return next(m for m in page["data"] if m["id"] == message_id)

    def status_of(self, conversation_id, message_id):
        return self.message(conversation_id, message_id)["delivery_status"]

    @staticmethod
    def texts(bot):
        return [params.get("text") for _, params, _, _ in list(bot.sent)]

    def test_flood_control_pauses_only_that_bot_and_spends_no_attempt(self):
        conv_a1 = self.conversation(self.inbox_a, 3100001)
        conv_a2 = self.conversation(self.inbox_a, 3100002)
        conv_b = self.conversation(self.inbox_b, 3200001)
        self.bot_a.flood_once(retry_after=3)
        started = time.time()
        a1 = self.reply(conv_a1, "Flut eins")
        wait_for(lambda: "Flut eins" in self.texts(self.bot_a))  # answered 429
        a2 = self.reply(conv_a2, "Flut zwei")
        b1 = self.reply(conv_b, "Anderer Bot")
        wait_for(lambda: self.status_of(conv_b, b1["id"]) == "sent", timeout=5)
        self.assertLess(time.time() - started, 2.5, "bot B delivered while bot A waits")
        self.assertEqual(self.status_of(conv_a1, a1["id"]), "pending")
        self.assertEqual(self.status_of(conv_a2, a2["id"]), "pending")
        self.assertNotIn("Flut zwei", self.texts(self.bot_a), "nothing goes to a paused bot")

        wait_for(lambda: self.status_of(conv_a2, a2["id"]) == "sent", timeout=15)
        self.assertEqual(self.status_of(conv_a1, a1["id"]), "sent")
        self.assertGreaterEqual(time.time() - started, 3.0, "Retry-After was honoured")
        texts = self.texts(self.bot_a)
        self.assertEqual(texts.count("Flut eins"), 2, "the flooded send was repeated once")
        self.assertEqual(texts.count("Flut zwei"), 1)
        self.assertLess(texts.index("Flut eins"), texts.index("Flut zwei"))

    def test_a_provider_that_answers_slowly_holds_up_only_its_own_inbox(self):
        # Bot A takes the reply but does not answer (as a CRM callback that runs into its time-out);
        # bot B's inbox belongs to another outbox worker (inbox ids in a row, 4 workers) and delivers.
        self.assertNotEqual(self.inbox_a["id"] % 4, self.inbox_b["id"] % 4)
        conv_a = self.conversation(self.inbox_a, 3300001)
        conv_b = self.conversation(self.inbox_b, 3400001)
        arrived = self.bot_a.hold_next()
        try:
            a = self.reply(conv_a, "Langsam")
            self.assertTrue(arrived.wait(10), "bot A received the reply")
            b = self.reply(conv_b, "Trotzdem schnell")
            wait_for(lambda: self.status_of(conv_b, b["id"]) == "sent", timeout=5)
            self.assertEqual(self.status_of(conv_a, a["id"]), "pending", "bot A has not answered yet")
        finally:
            self.bot_a.release()
        wait_for(lambda: self.status_of(conv_a, a["id"]) == "sent", timeout=10)
        self.assertEqual(self.texts(self.bot_a).count("Langsam"), 1)

    def test_a_crash_between_send_and_answer_never_sends_twice_and_resend_works(self):
        conv = self.conversation(self.inbox_a, 3300001)
        arrived = self.bot_a.hold_next()
        message = self.reply(conv, "Ihr Paket kommt morgen")
        self.assertTrue(arrived.wait(15), "the bot got the message")
        self.parley.stop("KILL")  # before Parley heard the bot's answer
        self.bot_a.release()
        self.parley = type(self).parley = Parley(data_dir=self.parley.data_dir)

        failed = wait_for(lambda: (lambda m: m if m["delivery_status"] == "failed" else None)(self.message(conv, message["id"])),
                          timeout=15)
        self.assertEqual(failed["delivery_error"], INTERRUPTED)
        time.sleep(1)  # a few outbox passes
        self.assertEqual(self.texts(self.bot_a).count("Ihr Paket kommt morgen"), 1, "the customer got it once")

        # Resend: the agent checked with the customer; only a failed outgoing message qualifies.
        status, resent, _ = self.parley.request(
            "POST", "/api/v1/conversations/%d/messages/%d/retry" % (conv, message["id"]), {}, token=self.token)
        self.assertEqual(status, 200, resent)
        self.assertEqual(resent["delivery_status"], "pending")
        self.assertFalse(resent["delivery_error"])  # no reason any more
        wait_for(lambda: self.status_of(conv, message["id"]) == "sent", timeout=15)
        self.assertEqual(self.texts(self.bot_a).count("Ihr Paket kommt morgen"), 2)
        status, body, _ = self.parley.request(
            "POST", "/api/v1/conversations/%d/messages/%d/retry" % (conv, message["id"]), {}, token=self.token)
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["code"], "conflict")
        other = self.conversation(self.inbox_b, 3300002)
        status, body, _ = self.parley.request(
            "POST", "/api/v1/conversations/%d/messages/%d/retry" % (other, message["id"]), {}, token=self.token)
        self.assertEqual(status, 404, body)
        status, body, _ = self.parley.request(
            "POST", "/api/v1/conversations/%d/messages/%d/retry" % (conv, message["id"]), {}, token="not-a-token")
        self.assertEqual(status, 401, body)

    def test_max_messages_per_second_is_checked(self):
        for bad in (0, -2, "fast", 20000):
            status, body, _ = self.parley.request("PATCH", "/api/v1/inboxes/%d" % self.inbox_b["id"], {
                "config": {"bot_token": "********", "secret_token": "********", "api_base_url": self.bot_b.base,
                           "max_messages_per_second": bad}}, token=self.token)
            self.assertEqual(status, 400, body)
            self.assertIn("max_messages_per_second", body["error"]["message"])
        status, body, _ = self.parley.request("PATCH", "/api/v1/inboxes/%d" % self.inbox_b["id"], {
            "config": {"bot_token": "********", "secret_token": "********", "api_base_url": self.bot_b.base,
                       "max_messages_per_second": 2}}, token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["config"]["max_messages_per_second"], 2)


if __name__ == "__main__":
    unittest.main()
