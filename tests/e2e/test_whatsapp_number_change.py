"""End to end: a WhatsApp customer who changes their number keeps their contact and their
conversation. Meta's documented system message (doc_system_user_changed_number.json: 16505551234
became 12195555358), signed and posted to the real binary, then a text from the new number."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import test_whatsapp as wa  # noqa: E402  (its helpers; its test class stays in its own module)
from fake_graph import FakeGraph  # noqa: E402
from harness import Desk, wait_for  # noqa: E402

OLD, NEW = "16505551234", "12195555358"


class WhatsAppNumberChangeTest(Desk, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.graph = FakeGraph()
        cls.start_with_inbox("WhatsApp DE", "whatsapp", wa.inbox_config(cls.graph))

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.graph.close()

    def webhook(self, raw):
        status, body, _ = wa.post_webhook(self.parley, raw)
        self.assertEqual(status, 200, body)
        return body

    def text_from(self, wa_id, wamid, text):
        return self.webhook(wa.customer_message(wa_id, wamid, lambda m: m["text"].update(body=text)))

    def test_the_next_message_from_the_new_number_continues_the_same_contact_and_conversation(self):
        self.text_from(OLD, "wamid.before-the-change", "Hallo, meine Bestellung 4711?")
        notice = wa.fixture("doc_system_user_changed_number.json")
        self.assertEqual(self.webhook(notice)["stored"], 1)
        again = self.webhook(notice)  # Meta redelivers: nothing changes twice
        self.assertEqual((again["stored"], again["duplicates"]), (0, 1), again)
        self.assertEqual(self.text_from(NEW, "wamid.after-the-change", "Neue Nummer, gleiche Frage")["stored"], 1)

        # One contact, found by either number, holding both.
        found_new, found_old = self.contacts("+" + NEW), self.contacts("+" + OLD)
        self.assertEqual(len(found_new), 1, found_new)
        self.assertEqual([c["id"] for c in found_old], [found_new[0]["id"]])
        _, contact, _ = self.parley.request("GET", "/api/v1/contacts/%d" % found_new[0]["id"], token=self.token)
        phones = sorted(i["value"] for i in contact["identities"] if i["kind"] == "phone")
        self.assertEqual(phones, ["+" + NEW, "+" + OLD])

        # One conversation: before, the line, after.
        _, conversations = self.conversations_of("+" + NEW, self.inbox["id"])
        self.assertEqual(len(conversations), 1, conversations)
        messages = self.messages(conversations[0]["id"])
        self.assertEqual([m["direction"] for m in messages], ["incoming", "activity", "incoming"])
        self.assertEqual([m["text"] for m in messages],
                         ["Hallo, meine Bestellung 4711?", "User Sheena Nelson changed from 16505551234 to 12195555358",
                          "Neue Nummer, gleiche Frage"])
        line = messages[1]["payload"]
        line = json.loads(line) if isinstance(line, str) else line
        self.assertEqual((line["activity"], line["from"], line["to"]), ("number_changed", "+" + OLD, "+" + NEW))

        # The agent's answer reaches the customer at the number they use now.
        before = len(self.graph.sent)
        status, reply, _ = self.send(conversations[0]["id"], {"text": "Wir sehen nach!"})
        self.assertEqual(status, 201, reply)
        wait_for(lambda: len(self.graph.sent) > before)
        self.assertEqual(self.graph.sent[-1][1]["to"].lstrip("+"), NEW)

    def test_a_changed_business_scoped_user_id_continues_the_same_contact(self):
        # A customer with a username (no number shared) writes; their BSUID changes
        # (user_changed_user_id, no `from`); the next message carries only the new id.
        old_id, new_id = "US.13491208655302741918", "US.20017359927731605123"

        def from_user_id(user_id, wamid, text):
            raw = json.loads(wa.fixture("bsuid_only.json"))
            value = raw["entry"][0]["changes"][0]["value"]
            value["contacts"][0]["user_id"] = user_id
            value["messages"][0].update({"from_user_id": user_id, "id": wamid, "text": {"body": text}})
            return self.webhook(json.dumps(raw).encode())

        from_user_id(old_id, "wamid.bsuid-before", "Hallo, ich bin es")
        notice = wa.fixture("doc_system_user_changed_user_id.json")
        self.assertEqual(self.webhook(notice)["stored"], 1)
        self.assertEqual(self.webhook(notice)["duplicates"], 1)  # redelivered: nothing twice
        from_user_id(new_id, "wamid.bsuid-after", "Immer noch ich")

        found = self.contacts(new_id)
        self.assertEqual(len(found), 1, found)
        self.assertEqual([c["id"] for c in self.contacts(old_id)], [found[0]["id"]])
        _, conversations = self.conversations_of(new_id, self.inbox["id"])
        self.assertEqual(len(conversations), 1, conversations)
        messages = self.messages(conversations[0]["id"])
        self.assertEqual([m["direction"] for m in messages], ["incoming", "activity", "incoming"])
        self.assertIn(new_id, messages[1]["text"])

    def test_an_account_id_that_differs_from_the_number_is_learnt_from_the_send_answer(self):
        # Meta: "a WhatsApp user's phone number and ID may not always match". The reply to
        # +5511987654321 is answered with wa_id 551187654321 (the account's id); the customer's
        # next message comes from that id and continues the same contact and conversation.
        number, account = "5511987654321", "551187654321"
        self.graph.wa_ids[number] = account
        self.text_from(number, "wamid.br-first", "Olá")
        contact, conversations = self.conversations_of("+" + number, self.inbox["id"])
        status, reply, _ = self.send(conversations[0]["id"], {"text": "Olá! Como posso ajudar?"})
        self.assertEqual(status, 201, reply)
        wait_for(lambda: any(m["id"] == reply["id"] and m["delivery_status"] == "sent"
                             for m in self.messages(conversations[0]["id"])))
        self.text_from(account, "wamid.br-second", "Meu pedido 4711")
        found = self.contacts(account)
        self.assertEqual([c["id"] for c in found], [contact["id"]])
        _, again = self.conversations_of(account, self.inbox["id"])
        self.assertEqual([c["id"] for c in again], [conversations[0]["id"]])
        self.assertEqual([m["text"] for m in self.messages(conversations[0]["id"])][-1], "Meu pedido 4711")

    def test_a_malformed_notice_is_refused_and_stores_nothing(self):
        notice = json.loads(wa.fixture("doc_system_user_changed_number.json"))
        message = notice["entry"][0]["changes"][0]["value"]["messages"][0]
        message["id"] = "wamid.malformed-notice"
        message["from"] = "4930111222333"
        del message["system"]["wa_id"]
        status, body, _ = wa.post_webhook(self.parley, json.dumps(notice).encode())
        self.assertEqual(status, 400, body)
        self.assertIn("system.wa_id", json.dumps(body))
        self.assertEqual(self.contacts("+4930111222333"), [])


if __name__ == "__main__":
    unittest.main()
