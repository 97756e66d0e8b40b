"""End to end: buttons under an agent's reply in a WhatsApp Cloud API inbox, against the real
binary and the local fake of the Graph API (fake_graph.py, which checks interactive messages
against Meta's documented limits): sent as an interactive reply-buttons message, refused with a
clear 400 (and nothing stored) when WhatsApp's limits are broken, and the customer's tap shown
in the timeline as the button's label."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from fake_graph import FakeGraph  # noqa: E402
from harness import Desk, wait_for  # noqa: E402
from test_whatsapp import customer_message, inbox_config, post_webhook  # noqa: E402

WA_ID = "4915112360001"


class WhatsAppButtonsTest(Desk, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.graph = FakeGraph()
        cls.start_with_inbox("WhatsApp Buttons", "whatsapp", inbox_config(cls.graph))
        cls.conversation = cls.customer_sends("text.json", lambda m: m["text"].update(body="Passt der Termin?"))

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.graph.close()

    @classmethod
    def customer_sends(cls, name, change, wamid=None):
        status, body, _ = post_webhook(cls.parley, customer_message(WA_ID, wamid or "wamid.btn-%s" % name, change, name))
        assert status == 200, body
        return cls.conversation_of("+" + WA_ID)[1]

    def timeline(self):
        return self.messages(self.conversation["id"])

    def answer(self, body):
        return self.send(self.conversation["id"], body)

    def test_1_buttons_go_out_as_interactive_reply_buttons_and_the_tap_shows_its_label(self):
        before = len(self.graph.sent)
        status, message, _ = self.answer({"text": "Passt Ihnen Dienstag?", "buttons": [
            [{"text": "Ja, passt", "callback_data": "slot-tue"}, {"text": "Anderer Tag", "callback_data": "slot-other"}],
            [{"text": "Bitte anrufen", "callback_data": "call-me"}]]})
        self.assertEqual(status, 201, message)
        wait_for(lambda: len(self.graph.sent) > before)
        _, sent = self.graph.sent[-1]
        self.assertEqual(sent["type"], "interactive")
        self.assertEqual(sent["interactive"], {
            "type": "button", "body": {"text": "Passt Ihnen Dienstag?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "slot-tue", "title": "Ja, passt"}},
                                   {"type": "reply", "reply": {"id": "slot-other", "title": "Anderer Tag"}},
                                   {"type": "reply", "reply": {"id": "call-me", "title": "Bitte anrufen"}}]}})
        # The fake accepted it: the reply has its wamid.
        sent_message = wait_for(lambda: [m for m in self.timeline() if m["id"] == message["id"] and m["external_id"]])[0]
        self.assertEqual(sent_message["payload"]["inline_keyboard"][0][0]["text"], "Ja, passt")

        # The customer taps "Anderer Tag": the timeline shows the label, quoting the message.
        def tap(m):
            m.update(interactive={"type": "button_reply", "button_reply": {"id": "slot-other", "title": "Anderer Tag"}},
                     context={"from": "15550783881", "id": sent_message["external_id"]})
        self.customer_sends("interactive_button_reply.json", tap, wamid="wamid.btn-tap")
        tapped = [m for m in self.timeline() if m["external_id"] == "wamid.btn-tap"][0]
        self.assertEqual(tapped["text"], "Anderer Tag")
        self.assertEqual(tapped["direction"], "incoming")
        self.assertEqual(tapped["reply_to_id"], message["id"])

    def test_2_whatsapps_limits_are_refused_with_a_clear_400_and_nothing_is_stored(self):
        count = len(self.timeline())
        sent = len(self.graph.sent)
        b = lambda text, data="x": {"text": text, "callback_data": data}  # noqa: E731
        cases = [
            ([[b("1", "a"), b("2", "b")], [b("3", "c"), b("4", "d")]], "at most 3", "Text"),
            ([[b("Einundzwanzig Zeichen")]], "1 to 20 characters", "Text"),
            ([[{"text": "Shop", "url": "https://shop.example"}]], "links are not possible", "Text"),
            ([[b("Ja", "x" * 257)]], "1 to 256 characters", "Text"),
            ([[b("Ja", " padded")]], "without spaces at either end", "Text"),
            ([[b("Ja", "a"), b("Ja", "b")]], "different label", "Text"),
            ([[b("Ja")]], "needs text", ""),
            ([[b("Ja")]], "at most 1024 characters", "x" * 1025),
        ]
        for buttons, expected, text in cases:
            status, body, _ = self.answer({"text": text, "buttons": buttons})
            self.assertEqual(status, 400, (buttons, body))
            self.assertIn(expected, body["error"]["message"])
        self.assertEqual(len(self.timeline()), count)
        self.assertEqual(len(self.graph.sent), sent)


if __name__ == "__main__":
    unittest.main(verbosity=2)
