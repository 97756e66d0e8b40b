"""End to end: Instagram's echo of a reply Parley is sending, delivered to the webhook before the
Send API has answered (the local Graph fake posts it from inside the send call), or after an
answer with a temporary error while the reply waits for its retry. The agent sees the reply once
and it ends sent, even when that answer is an error, and the retry never happens; what the
business typed in Instagram's own app meanwhile is stored as its own message. On SQLite, and on the harness's
PostgreSQL when there is one."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from fake_meta_messaging import FakeMetaMessaging  # noqa: E402
from harness import Desk, Parley, pg_url, sign, wait_for  # noqa: E402

IG_ID = "17841405822304914"
APP_SECRET = "test-app-secret"


def instagram_event(sender, recipient, body):
    """One Instagram messaging event ({"message": ...} or {"read": ...}) in the documented envelope."""
    at = int(time.time() * 1000)
    e = {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": at}
    e.update(body)
    return json.dumps({"object": "instagram", "entry": [{"id": IG_ID, "time": at, "messaging": [e]}]}).encode()


class EchoRaceTest(Desk, unittest.TestCase):
    database_url = None

    @classmethod
    def setUpClass(cls):
        cls.meta = FakeMetaMessaging()
        cls.meta.instagram_accounts.add(IG_ID)
        cls.parley = Parley(database_url=cls.database_url)
        cls.token = cls.parley.login()
        cls.inbox = cls.add_inbox("Instagram", "instagram", cls.meta.instagram_config(IG_ID, APP_SECRET))

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.meta.close()

    def tearDown(self):
        self.meta.before_answer = None

    def webhook(self, raw):
        return self.parley.request("POST", "/webhooks/instagram", raw=raw, headers={"X-Hub-Signature-256": sign(APP_SECRET, raw)})

    def customer_writes(self, igsid):
        status, body, _ = self.webhook(instagram_event(igsid, IG_ID, {"message": {"mid": "m_in-" + igsid, "text": "Wo ist mein Paket?"}}))
        self.assertEqual((status, body["stored"]), (200, 1), body)
        return self.conversation_of(igsid, self.inbox["id"])[1]

    def echo_from_the_send_call(self, answers, text=None):
        """Has the fake post the echo of what it is asked to send (or of `text`, typed in the app)
        to the webhook, and record the webhook's answer, before it answers the send call."""
        def post_echo(account, sent, mid):
            self.assertEqual(account, IG_ID)
            echoed = {"mid": mid if text is None else "m_app-" + mid, "is_echo": True,
                      "text": sent["message"]["text"] if text is None else text}
            status, body, _ = self.webhook(instagram_event(IG_ID, sent["recipient"]["id"], {"message": echoed}))
            answers.append((status, body))
        self.meta.before_answer = post_echo

    def outgoing(self, conversation):
        return [m for m in self.messages(conversation["id"]) if m["direction"] == "outgoing"]

    def test_an_echo_before_the_send_answer_shows_the_reply_once(self):
        conversation = self.customer_writes("7000000000000001")
        self.meta.next_mids.append("m_reply-race-1")
        answers = []
        self.echo_from_the_send_call(answers)
        reply = self.reply(conversation["id"], text="Es ist unterwegs.")
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        self.assertEqual(len(answers), 1)
        status, body = answers[0]
        self.assertEqual((status, body["stored"], body["duplicates"]), (200, 0, 1), body)
        outgoing = self.outgoing(conversation)
        self.assertEqual([(m["id"], m["text"], m["external_id"]) for m in outgoing],
                         [(reply["id"], "Es ist unterwegs.", "m_reply-race-1")])
        # Instagram's "seen" names the id: it finds the one reply.
        status, body, _ = self.webhook(instagram_event("7000000000000001", IG_ID, {"read": {"mid": "m_reply-race-1"}}))
        self.assertEqual((status, body["statuses"]), (200, 1), body)
        self.assertEqual(self.message(conversation["id"], reply["id"])["delivery_status"], "read")

    def test_a_send_answered_with_an_error_after_its_echo_came_is_sent_once(self):
        conversation = self.customer_writes("7000000000000002")
        self.meta.send_errors.append((500, {"error": {"message": "An unexpected error has occurred. Please retry your request later.",
                                                      "type": "OAuthException", "code": 2, "fbtrace_id": "fake"}}, {}))
        answers = []
        self.echo_from_the_send_call(answers)
        before = len(self.meta.sent)
        reply = self.reply(conversation["id"], text="Wir melden uns morgen.")
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        self.assertEqual(answers[0][1]["duplicates"], 1, answers)
        time.sleep(2.5)  # past the first retry's back-off (1 s): nothing is sent again
        self.assertEqual(len(self.meta.sent), before + 1)
        stored = self.message(conversation["id"], reply["id"])
        self.assertEqual(stored["delivery_status"], "sent")
        self.assertFalse(stored["delivery_error"])
        self.assertEqual(len(self.outgoing(conversation)), 1)

    def test_an_echo_after_a_5xx_while_the_reply_waits_for_its_retry_cancels_the_retry(self):
        conversation = self.customer_writes("7000000000000004")
        # Meta answers a temporary error (it sent the message all the same) and asks for 3 s.
        self.meta.send_errors.append((500, {"error": {"message": "An unexpected error has occurred. Please retry your request later.",
                                                      "type": "OAuthException", "code": 2, "fbtrace_id": "fake"}},
                                      {"Retry-After": "3"}))
        before = len(self.meta.sent)
        reply = self.reply(conversation["id"], text="Ihr Paket kommt morgen.")
        wait_for(lambda: len(self.meta.sent) == before + 1)
        time.sleep(0.5)  # the error is recorded: the reply waits for its retry
        stored = self.message(conversation["id"], reply["id"])
        self.assertEqual((stored["delivery_status"], stored["external_id"]), ("pending", None), stored)
        sent = self.meta.sent[-1][1]
        status, body, _ = self.webhook(instagram_event(IG_ID, sent["recipient"]["id"],
                                                       {"message": {"mid": "m_late-echo-4", "is_echo": True,
                                                                    "text": sent["message"]["text"]}}))
        self.assertEqual((status, body["stored"], body["duplicates"]), (200, 0, 1), body)
        stored = self.message(conversation["id"], reply["id"])
        self.assertEqual((stored["delivery_status"], stored["external_id"]), ("sent", "m_late-echo-4"), stored)
        self.assertFalse(stored["delivery_error"])
        time.sleep(4)  # past the retry it asked for: nothing is sent again
        self.assertEqual(len(self.meta.sent), before + 1)
        self.assertEqual([m["id"] for m in self.outgoing(conversation)], [reply["id"]])

    def test_what_the_business_typed_in_instagram_meanwhile_is_its_own_message(self):
        conversation = self.customer_writes("7000000000000003")
        self.meta.next_mids.append("m_reply-race-3")
        answers = []
        self.echo_from_the_send_call(answers, text="Wir haben heute bis 18 Uhr geöffnet.")
        reply = self.reply(conversation["id"], text="Es ist unterwegs.")
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        self.assertEqual(answers[0][1]["stored"], 1, answers)
        outgoing = self.outgoing(conversation)
        self.assertEqual(sorted((m["text"], m["external_id"]) for m in outgoing),
                         [("Es ist unterwegs.", "m_reply-race-3"),
                          ("Wir haben heute bis 18 Uhr geöffnet.", "m_app-m_reply-race-3")])


class EchoRacePostgresTest(EchoRaceTest):
    @classmethod
    def setUpClass(cls):
        base = pg_url()
        if not base:
            raise unittest.SkipTest("no PostgreSQL from the test harness")
        import subprocess
        import uuid
        dbname = "e2e_" + uuid.uuid4().hex[:12]
        subprocess.run(["psql", base, "-qc", "CREATE DATABASE " + dbname], check=True)
        cls.database_url = base.rsplit("/", 1)[0] + "/" + dbname
        super().setUpClass()


if __name__ == "__main__":
    unittest.main(verbosity=2)
