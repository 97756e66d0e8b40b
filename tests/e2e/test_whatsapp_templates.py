"""End to end: WhatsApp message templates and the 24-hour customer-service window, against the
real binary and the local fake of the Graph API (tests/e2e/fake_graph.py): templates synced from
the WhatsApp Business Management API over two pages, listed for the desk, sent with parameters
as Meta's documented template JSON, refused before storing when they do not fit, and free-form
replies refused once the customer's last message is more than 24 hours old."""
import calendar
import copy
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from fake_graph import FakeGraph  # noqa: E402
from harness import Desk, wait_for  # noqa: E402
from test_whatsapp import customer_message, inbox_config, post_webhook  # noqa: E402

# Three templates as GET /{waba_id}/message_templates lists them (Meta's "Template management").
TEMPLATES = [
    {"id": "594425479261596", "name": "order_update", "language": "de", "status": "APPROVED", "category": "UTILITY",
     "parameter_format": "POSITIONAL",
     "components": [
         {"type": "HEADER", "format": "TEXT", "text": "Bestellung {{1}}", "example": {"header_text": ["4711"]}},
         {"type": "BODY", "text": "Hallo {{1}}, Ihre Bestellung {{2}} ist unterwegs.",
          "example": {"body_text": [["Jana", "4711"]]}},
         {"type": "FOOTER", "text": "Parley Shop"},
         {"type": "BUTTONS", "buttons": [
             {"type": "URL", "text": "Sendung verfolgen", "url": "https://shop.example/track/{{1}}",
              "example": ["https://shop.example/track/4711"]},
             {"type": "QUICK_REPLY", "text": "Danke"}]}]},
    {"id": "1077407316", "name": "welcome_back", "language": "en_US", "status": "APPROVED", "category": "MARKETING",
     "parameter_format": "NAMED",
     "components": [{"type": "BODY", "text": "Hi {{first_name}}, we kept your cart.",
                     "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Jana"}]}}]},
    {"id": "1077407317", "name": "summer_sale", "language": "de", "status": "REJECTED", "category": "MARKETING",
     "parameter_format": "POSITIONAL", "components": [{"type": "BODY", "text": "Sommer!"}]},
]



class TemplateConversations(Desk):
    """What the template tests of both providers do with a conversation, besides the desk's own."""

    def age_window(self, conversation_id, hours=25):
        """`hours` pass: the conversation's last customer message is moved back in the database."""
        earlier = int((time.time() - hours * 3600) * 1000)
        db = sqlite3.connect(os.path.join(self.parley.data_dir, "parley.db"), timeout=10)
        db.execute("UPDATE conversations SET last_incoming_at = ? WHERE id = ?", (earlier, conversation_id))
        db.commit()
        db.close()
        return earlier

    def wait_until_failed(self, conversation_id, message_id):
        return wait_for(lambda: self.message(conversation_id, message_id)["delivery_status"] == "failed"
                        and self.message(conversation_id, message_id), timeout=20)


class WhatsAppTemplatesTest(TemplateConversations, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.graph = FakeGraph()
        cls.graph.templates = copy.deepcopy(TEMPLATES)
        cls.graph.template_page_size = 2  # three templates: two pages
        cls.start_with_inbox("WhatsApp Shop", "whatsapp", inbox_config(cls.graph, business_account_id=cls.graph.waba_id))

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.graph.close()

    def customer_writes(self, wa_id, text, sent_at=None):
        def change(message):
            message["timestamp"] = str(int(sent_at or time.time()))
            message["text"]["body"] = text
        status, body, _ = post_webhook(self.parley, customer_message(wa_id, "wamid.tpl-%s-%f" % (wa_id, time.time()), change))
        self.assertEqual(status, 200, body)
        return self.conversation_of("+" + wa_id)[1]

    def sync(self):
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes/%d/templates/sync" % self.inbox["id"],
                                              token=self.token)
        self.assertEqual(status, 200, body)
        return body

    def test_1_sync_reads_both_pages_and_lists_the_approved_templates(self):
        # Creating the inbox started a sync in the background already.
        def synced():
            _, listing, _ = self.parley.request("GET", "/api/v1/inboxes/%d/templates" % self.inbox["id"], token=self.token)
            return listing["synced_at"] and len(listing["data"]) == 2
        wait_for(synced, timeout=20)
        time.sleep(0.2)
        before = len(self.graph.template_requests)
        body = self.sync()
        self.assertEqual(body["count"], 3)
        self.assertEqual(body["approved"], 2)
        requests = self.graph.template_requests[before:]
        self.assertEqual(len(requests), 2)  # page one, then page two by its "after" cursor
        self.assertNotIn("after", requests[0])
        self.assertIn("after", requests[1])
        self.assertIn("components", requests[0]["fields"][0])

        status, listing, _ = self.parley.request("GET", "/api/v1/inboxes/%d/templates" % self.inbox["id"],
                                                 token=self.token)
        self.assertEqual(status, 200, listing)
        self.assertIsNotNone(listing["synced_at"])
        self.assertEqual([(t["name"], t["language"]) for t in listing["data"]],
                         [("order_update", "de"), ("welcome_back", "en_US")])  # the rejected one is not offered
        order = listing["data"][0]
        self.assertEqual(order["category"], "UTILITY")
        self.assertEqual(order["header"], {"format": "TEXT", "text": "Bestellung {{1}}", "parameters": ["1"],
                                           "parameter_count": 1})
        self.assertEqual(order["body"]["parameter_count"], 2)
        self.assertEqual(order["footer"], "Parley Shop")
        self.assertEqual([(b["type"], b["parameter_count"]) for b in order["buttons"]], [("URL", 1), ("QUICK_REPLY", 0)])
        self.assertEqual(listing["data"][1]["body"]["parameters"], ["first_name"])

    def test_2_template_send_reaches_meta_as_documented(self):
        self.sync()
        conversation = self.customer_writes("4915112340001", "Wo bleibt mein Paket?")
        self.assertIsNotNone(conversation["customer_window_expires_at"])
        before = len(self.graph.sent)
        status, message, _ = self.send(conversation["id"], {"template": {
            "name": "order_update", "language": "de",
            "parameters": {"header": ["4711"], "body": ["Jana", "4711"], "buttons": ["4711"]}}})
        self.assertEqual(status, 201, message)
        self.assertEqual(message["text"], "Hallo Jana, Ihre Bestellung 4711 ist unterwegs.")
        self.assertEqual(message["kind"], "template")
        wait_for(lambda: len(self.graph.sent) > before)
        _, sent = self.graph.sent[-1]
        self.assertEqual(sent["type"], "template")
        self.assertEqual(sent["to"], "4915112340001")
        self.assertEqual(sent["template"]["name"], "order_update")
        self.assertEqual(sent["template"]["language"], {"code": "de"})
        self.assertEqual(sent["template"]["components"], [
            {"type": "header", "parameters": [{"type": "text", "text": "4711"}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Jana"}, {"type": "text", "text": "4711"}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "4711"}]}])
        # The fake accepted it (a wamid came back): the message is sent, not failed.
        wait_for(lambda: [m for m in self.messages(conversation["id"]) if m["id"] == message["id"]][0]["external_id"])

        # A named template sends each value with its parameter_name.
        status, named, _ = self.send(conversation["id"], {"template": {
            "name": "welcome_back", "language": "en_US", "parameters": {"body": ["Jana"]}}})
        self.assertEqual(status, 201, named)
        self.assertEqual(named["text"], "Hi Jana, we kept your cart.")
        wait_for(lambda: self.graph.sent[-1][1].get("template", {}).get("name") == "welcome_back")
        self.assertEqual(self.graph.sent[-1][1]["template"]["components"],
                         [{"type": "body", "parameters": [{"type": "text", "parameter_name": "first_name", "text": "Jana"}]}])

    def test_3_templates_that_do_not_fit_are_refused_and_nothing_is_stored(self):
        self.sync()
        conversation = self.customer_writes("4915112340002", "Hallo")
        count = len(self.messages(conversation["id"]))
        sent = len(self.graph.sent)
        status, body, _ = self.send(conversation["id"], {"template": {
            "name": "order_update", "language": "de", "parameters": {"header": ["4711"], "body": ["Jana"], "buttons": ["4711"]}}})
        self.assertEqual(status, 400, body)
        self.assertIn("expects 2 body parameters, 1 given", body["error"]["message"])
        status, body, _ = self.send(conversation["id"], {"template": {"name": "no_such_template", "language": "de"}})
        self.assertEqual(status, 400, body)
        self.assertIn("not among this inbox's synced templates", body["error"]["message"])
        status, body, _ = self.send(conversation["id"], {"template": {"name": "summer_sale", "language": "de"}})
        self.assertEqual(status, 400, body)
        self.assertIn("not approved", body["error"]["message"])
        status, body, _ = self.send(conversation["id"], {"template": {"name": "welcome_back"}})
        self.assertEqual(status, 400, body)
        status, body, _ = self.send(conversation["id"], {"text": "Hallo", "template": {
            "name": "welcome_back", "language": "en_US", "parameters": {"body": ["Jana"]}}})
        self.assertEqual(status, 400, body)
        self.assertEqual(len(self.messages(conversation["id"])), count)
        time.sleep(0.3)
        self.assertEqual(len(self.graph.sent), sent)

    def test_4_free_form_reply_25_hours_after_the_customer_is_refused(self):
        conversation = self.customer_writes("4915112340003", "Ich melde mich morgen")
        earlier = self.age_window(conversation["id"])
        _, fresh, _ = self.parley.request("GET", "/api/v1/conversations/%d" % conversation["id"], token=self.token)
        expires = calendar.timegm(time.strptime(fresh["customer_window_expires_at"][:19], "%Y-%m-%dT%H:%M:%S"))
        self.assertAlmostEqual(expires, earlier / 1000 + 24 * 3600, delta=2)
        self.assertLess(expires, time.time())

        count = len(self.messages(conversation["id"]))
        status, body, _ = self.send(conversation["id"], {"text": "Sind Sie noch da?"})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["code"], "customer_window_closed")
        self.assertIn("template", body["error"]["message"])
        self.assertEqual(len(self.messages(conversation["id"])), count)
        # A private note is still fine, and so is a template.
        status, _, _ = self.send(conversation["id"], {"text": "Kunde anrufen", "private": True})
        self.assertEqual(status, 201)
        self.sync()
        status, body, _ = self.send(conversation["id"], {"template": {
            "name": "welcome_back", "language": "en_US", "parameters": {"body": ["Jana"]}}})
        self.assertEqual(status, 201, body)

    def test_4b_meta_still_refusing_a_free_form_message_fails_it_with_131047(self):
        # Parley's window is open (it received the message just now) but Meta counts from an
        # older message: the send fails with Meta's reason instead of being retried.
        conversation = self.customer_writes("4915112340004", "Hallo?")
        self.graph.customer_last_message["4915112340004"] = time.time() - 25 * 3600
        status, reply, _ = self.send(conversation["id"], {"text": "Wir sind da!"})
        self.assertEqual(status, 201, reply)

        message = self.wait_until_failed(conversation["id"], reply["id"])
        self.assertIn("131047", message["delivery_error"])
        self.assertIn("24 hours", message["delivery_error"])

    def test_4c_a_late_webhook_counts_from_when_the_customer_wrote(self):
        # Meta redelivers a message written 23.5 hours ago (Parley was down): half an hour is left.
        wrote = int(time.time() - 23.5 * 3600)
        conversation = self.customer_writes("4915112340005", "Hallo, noch da?", sent_at=wrote)
        expires = calendar.timegm(time.strptime(conversation["customer_window_expires_at"][:19], "%Y-%m-%dT%H:%M:%S"))
        self.assertAlmostEqual(expires, wrote + 24 * 3600, delta=2)
        # Written 30 hours ago: closed on arrival, so a free-form reply is refused before Meta would.
        conversation = self.customer_writes("4915112340006", "Hallo?", sent_at=int(time.time() - 30 * 3600))
        status, body, _ = self.send(conversation["id"], {"text": "Wir sind da!"})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error"]["code"], "customer_window_closed")

    def test_5_sync_errors_are_clear(self):
        # Meta refuses: its reason comes back with 424, never a 5xx.
        wrong = self.add_inbox("WhatsApp other account", "whatsapp", inbox_config(
            self.graph, phone_number_id="106540352242923", business_account_id="999999999"))
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes/%d/templates/sync" % wrong["id"], token=self.token)
        self.assertEqual(status, 424, body)
        self.assertIn("WhatsApp error 100", body["error"]["message"])
        _, listing, _ = self.parley.request("GET", "/api/v1/inboxes/%d/templates" % wrong["id"], token=self.token)
        self.assertEqual(listing["data"], [])
        self.assertIn("WhatsApp error 100", listing["last_error"])
        # No WABA id: the admin is told which setting is missing.
        plain = self.add_inbox("WhatsApp without WABA", "whatsapp", inbox_config(self.graph, phone_number_id="106540352242924"))
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes/%d/templates/sync" % plain["id"], token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("config.business_account_id", body["error"]["message"])
        status, body, _ = self.parley.request("PATCH", "/api/v1/inboxes/%d" % plain["id"],
                                              {"config": {"business_account_id": "not-digits"}}, token=self.token)
        self.assertEqual(status, 400, body)

    def test_6_a_location_template_sends_the_place_on_its_map_header(self):
        self.graph.templates.append(
            {"id": "1077407318", "name": "pickup_point", "language": "de", "status": "APPROVED", "category": "UTILITY",
             "parameter_format": "NAMED",
             "components": [{"type": "HEADER", "format": "LOCATION"},
                            {"type": "BODY", "text": "Ihr Paket {{order}} liegt hier bereit.",
                             "example": {"body_text_named_params": [{"param_name": "order", "example": "4711"}]}}]})
        self.sync()
        _, listing, _ = self.parley.request("GET", "/api/v1/inboxes/%d/templates" % self.inbox["id"], token=self.token)
        pickup = [t for t in listing["data"] if t["name"] == "pickup_point"][0]
        self.assertEqual(pickup["header"]["format"], "LOCATION")
        self.assertEqual(pickup["header"]["parameters"], ["latitude", "longitude", "name", "address"])
        conversation = self.customer_writes("4915112340006", "Wo kann ich es abholen?")
        place = ["52.520008", "13.404954", "Paketshop Mitte", "Alexanderplatz 1, 10178 Berlin"]
        status, bad, _ = self.send(conversation["id"], {"template": {
            "name": "pickup_point", "language": "de", "parameters": {"header": ["95", "13.4", "x", "y"], "body": ["4711"]}}})
        self.assertEqual(status, 400, bad)
        self.assertIn("latitude", bad["error"]["message"])
        before = len(self.graph.sent)
        status, message, _ = self.send(conversation["id"], {"template": {
            "name": "pickup_point", "language": "de", "parameters": {"header": place, "body": ["4711"]}}})
        self.assertEqual(status, 201, message)
        self.assertEqual(message["text"], "Ihr Paket 4711 liegt hier bereit.")
        wait_for(lambda: len(self.graph.sent) > before)
        self.assertEqual(self.graph.sent[-1][1]["template"]["components"][0], {
            "type": "header", "parameters": [{"type": "location", "location": {
                "latitude": "52.520008", "longitude": "13.404954", "name": "Paketshop Mitte",
                "address": "Alexanderplatz 1, 10178 Berlin"}}]})
        wait_for(lambda: [m for m in self.messages(conversation["id"]) if m["id"] == message["id"]][0]["external_id"])

    def test_7_quick_reply_payloads_go_with_their_buttons(self):
        self.sync()
        conversation = self.customer_writes("4915112340007", "Danke!")
        before = len(self.graph.sent)
        status, message, _ = self.send(conversation["id"], {"template": {
            "name": "order_update", "language": "de",
            "parameters": {"header": ["4711"], "body": ["Jana", "4711"], "buttons": ["4711"], "quick_replies": ["thanks:4711"]}}})
        self.assertEqual(status, 201, message)
        wait_for(lambda: len(self.graph.sent) > before)
        self.assertEqual(self.graph.sent[-1][1]["template"]["components"][2:], [
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "4711"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "1", "parameters": [{"type": "payload", "payload": "thanks:4711"}]}])
        wait_for(lambda: [m for m in self.messages(conversation["id"]) if m["id"] == message["id"]][0]["external_id"])
        # More payloads than quick-reply buttons: refused before anything is stored.
        status, body, _ = self.send(conversation["id"], {"template": {
            "name": "order_update", "language": "de",
            "parameters": {"header": ["4711"], "body": ["Jana", "4711"], "buttons": ["4711"], "quick_replies": ["a", "b"]}}})
        self.assertEqual(status, 400, body)
        self.assertIn("has 1 quick-reply button, 2 payloads given", body["error"]["message"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
