"""End to end: the Telegram Bot API channel against the real binary and a local fake of the Bot
API (fake_telegram.py). Webhook bodies are the fixtures written from the Bot API documentation,
given ids of their own where a test needs a chat nobody else writes in."""
import copy
import json
import os
import struct
import sys
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from fake_telegram import FakeTelegram  # noqa: E402
from harness import Desk, json_fixtures, wait_for  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "channels", "telegram", "fixtures")
SECRET = "e2e_secret-Token_42"


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def in_chat(name, chat_id, message_id=None, update_id=None, **message_fields):
    """A fixture moved into a private chat of its own (user id = chat id)."""
    update = json.loads(fixture(name))
    kind = next(k for k in update if k != "update_id")
    body = update[kind]
    if update_id is not None:
        update["update_id"] = update_id
    for holder in (body, body.get("message") or {}):
        if "chat" in holder:
            holder["chat"]["id"] = chat_id
    for key in ("from", "user"):
        if key in body:
            body[key]["id"] = chat_id
    if message_id is not None:
        body["message_id"] = message_id
    body.update(message_fields)
    return json.dumps(update).encode()


def strip_png(width, height):
    """A real PNG (8-bit grey) of width x height pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class TelegramTest(Desk, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bot = FakeTelegram()
        cls.start_with_inbox("Telegram Support", "telegram",
                             {"bot_token": cls.bot.token, "secret_token": SECRET, "api_base_url": cls.bot.base})
        cls.hook = "/webhooks/telegram/%d" % cls.inbox["id"]

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.bot.close()

    def webhook(self, raw, secret=SECRET, content_type="application/json", path=None):
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        return self.parley.request("POST", path or self.hook, raw=raw, content_type=content_type, headers=headers)

    def conversation_of(self, chat_id):
        """The one contact of a private chat and its one conversation."""
        contacts = self.contacts(chat_id)
        self.assertEqual(len(contacts), 1, contacts)
        contact, conversations = self.conversations_of(chat_id)
        self.assertEqual(len(conversations), 1, conversations)
        return contact, conversations[0]

    # ---- configuration ----------------------------------------------------------------------------

    def test_secrets_are_never_returned_and_config_is_checked(self):
        _, inbox, _ = self.parley.request("GET", "/api/v1/inboxes/%d" % self.inbox["id"], token=self.token)
        self.assertEqual(inbox["config"]["bot_token"], "********")
        self.assertEqual(inbox["config"]["secret_token"], "********")
        self.assertEqual(inbox["config"]["api_base_url"], self.bot.base)
        self.assertNotIn(self.bot.token, json.dumps(inbox))
        self.assertNotIn(SECRET, json.dumps(inbox))
        self.assert_config_refused("telegram", {"secret_token": "x"}, "config.bot_token")
        self.assert_config_refused("telegram", {"bot_token": "1:a", "secret_token": "no spaces"}, "config.secret_token")
        self.assert_config_refused("telegram", {"bot_token": "1:a", "secret_token": "abc", "webhook_url": "https://h/webhooks/telegram/1"},
                                   "config.webhook_url: unknown key")

    # ---- inbound ------------------------------------------------------------------------------------

    def test_text_is_stored_once_as_the_telegram_user(self):
        # A chat of its own: the webhook guide's examples (guide_*.json, posted by the
        # every-fixture test) use the same chat and message ids as text.json.
        chat = 1111119
        raw = in_chat("text.json", chat, update_id=60000)
        status, body, _ = self.webhook(raw)
        self.assertEqual(status, 200, body)
        status, again, _ = self.webhook(raw)  # Telegram redelivers an update it got no 200 for
        self.assertEqual(status, 200)
        self.assertEqual(again["stored"], 0)
        self.assertEqual(again["duplicates"], 1)
        contact, conversation = self.conversation_of(chat)
        self.assertEqual(contact["name"], "Anna Schmidt")
        _, full, _ = self.parley.request("GET", "/api/v1/contacts/%d" % contact["id"], token=self.token)
        self.assertIn({"kind": "external", "value": str(chat)},
                      [{"kind": i["kind"], "value": i["value"]} for i in full["identities"]])
        stored = [m for m in self.messages(conversation["id"]) if m["external_id"] == "%d:1365" % chat]
        self.assertEqual(len(stored), 1)
        self.assertEqual(stored[0]["payload"]["from"]["username"], "anna_s")

    def test_bad_secret_stores_nothing_and_bad_input_is_refused(self):
        raw = in_chat("text.json", 2000001, message_id=1)
        for secret in ("wrong", "", None, SECRET + "x", SECRET[:-1]):
            status, body, _ = self.webhook(raw, secret=secret)
            self.assertEqual(status, 401, (secret, body))
        # Another inbox id, or one that does not exist, does not know this token either.
        self.assertEqual(self.webhook(raw, path="/webhooks/telegram/999999")[0], 401)
        self.assertEqual(self.webhook(raw, path="/webhooks/telegram/abc")[0], 401)
        _, contacts, _ = self.parley.request("GET", "/api/v1/contacts?q=2000001", token=self.token)
        self.assertEqual(contacts["data"], [])
        self.assertEqual(self.webhook(raw, content_type="text/plain")[0], 415)
        self.assertEqual(self.webhook(raw[: len(raw) // 2])[0], 400)
        self.assertEqual(self.webhook(b"[" * 10000 + b"]" * 10000)[0], 400)
        self.assertEqual(self.webhook(b'{"update_id":1,"message":{"message_id":1,"chat":{"id":1.5},"date":1,"text":"x"}}')[0], 400)
        self.assertEqual(self.webhook(b'{"update_id":1,"message":{"message_id":1,"chat":{"id":1},"text":"\xff"}}')[0], 400)
        # Unknown update kinds are accepted and ignored.
        status, body, _ = self.webhook(fixture("unknown_kind.json"))
        self.assertEqual((status, body["ignored"], body["stored"]), (200, 1, 0))
        self.assertEqual(self.parley.request("GET", "/healthz")[0], 200)

    def test_photo_is_fetched_into_an_attachment_byte_identical(self):
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(3000) + b"\xff\xd9"
        update = json.loads(in_chat("photo.json", 2000002, message_id=7))
        sizes = update["message"]["photo"]
        for i, size in enumerate(sizes):
            size["file_id"] = "e2e-photo-%d" % i
            self.bot.add_file(size["file_id"], "photos/file_%d.jpg" % i, b"not the largest" if size["width"] < 1280 else jpeg)
        status, body, _ = self.webhook(json.dumps(update).encode())
        self.assertEqual(status, 200, body)
        _, conversation = self.conversation_of(2000002)
        data, headers, message = self.downloaded_attachment(conversation["id"], "2000002:7")
        self.assertEqual(data, jpeg)
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertEqual(message["kind"], "image")
        self.assertEqual(message["text"], "So sah das Paket aus")

    def test_an_edit_changes_the_stored_message_and_adds_none(self):
        chat = 2000003
        self.assertEqual(self.webhook(in_chat("text.json", chat, message_id=1365, update_id=30000))[0], 200)
        _, conversation = self.conversation_of(chat)
        before = self.messages(conversation["id"])
        status, body, _ = self.webhook(in_chat("edited_message.json", chat, update_id=30001))
        self.assertEqual(status, 200, body)
        self.assertEqual((body["edits"], body["stored"]), (1, 0))
        after = self.messages(conversation["id"])
        self.assertEqual(len(after), len(before))
        edited = [m for m in after if m["external_id"] == "%d:1365" % chat][0]
        self.assertEqual(edited["text"], "Hallo, meine Bestellung A-2025-0042 ist noch nicht angekommen.")
        # An edit of a message never stored (before the inbox existed) is accepted and ignored.
        status, body, _ = self.webhook(in_chat("edited_message.json", chat, message_id=1, update_id=30002))
        self.assertEqual((status, body["ignored"]), (200, 1))

    def test_a_text_link_shows_its_url_to_the_agent_also_after_an_edit(self):
        # MessageEntity text_link: the words are a link whose target is only in the entity's url.
        chat = 2000004
        status, body, _ = self.webhook(in_chat("text_link.json", chat, update_id=30100))
        self.assertEqual((status, body["stored"]), (200, 1), body)
        _, conversation = self.conversation_of(chat)
        stored = [m for m in self.messages(conversation["id"]) if m["external_id"] == "%d:40" % chat][0]
        self.assertEqual(stored["text"], "my order is here (https://shop.example/orders/42)")
        status, body, _ = self.webhook(in_chat("edited_text_link.json", chat, update_id=30101))
        self.assertEqual((status, body["edits"]), (200, 1), body)
        edited = [m for m in self.messages(conversation["id"]) if m["external_id"] == "%d:40" % chat][0]
        self.assertEqual(edited["text"], "my order is over here (https://shop.example/orders/42)")

    def test_button_press_is_stored_and_answered(self):
        chat = 2000004
        update = json.loads(in_chat("callback_query.json", chat))
        update["callback_query"]["id"] = "e2e-callback-1"
        raw = json.dumps(update).encode()
        status, body, _ = self.webhook(raw)
        # Answered in the webhook's response, which the Bot API runs: the client stops its spinner.
        self.assertEqual((status, body), (200, {"method": "answerCallbackQuery", "callback_query_id": "e2e-callback-1"}))
        status, body, _ = self.webhook(raw)  # a redelivery stores nothing new
        _, conversation = self.conversation_of(chat)
        pressed = [m for m in self.messages(conversation["id"]) if m["external_id"] == "callback:e2e-callback-1"]
        self.assertEqual(len(pressed), 1)
        self.assertEqual(pressed[0]["kind"], "interactive")
        self.assertEqual(pressed[0]["text"], "Ja, danke")
        self.assertEqual(pressed[0]["payload"]["data"], "solved:yes")

    def test_the_webhook_guides_example_updates_as_a_user_sees_them(self):
        """The example updates of https://core.telegram.org/bots/webhooks#testing-your-bot-with-updates
        (fixtures guide_*.json), moved into a chat of their own."""
        chat = 2000050
        status, body, _ = self.webhook(in_chat("guide_message_text.json", chat, message_id=1365, update_id=50000))
        self.assertEqual((status, body["stored"]), (200, 1), body)
        contact, conversation = self.conversation_of(chat)
        self.assertEqual(contact["name"], "Test Firstname Test Lastname")
        # The edit example edits that message: same count, new text.
        before = len(self.messages(conversation["id"]))
        status, body, _ = self.webhook(in_chat("guide_edited_message.json", chat, message_id=1365, update_id=50001))
        self.assertEqual((status, body["edits"], body["stored"]), (200, 1, 0), body)
        after = self.messages(conversation["id"])
        self.assertEqual(len(after), before)
        self.assertEqual([m["text"] for m in after if m["external_id"] == "%d:1365" % chat], ["Edited text"])
        # Forwarded (the pre-7.0 forward_from fields), a reply, a document with its name.
        self.assertEqual(self.webhook(in_chat("guide_forwarded_message.json", chat, message_id=1366, update_id=50002))[0], 200)
        self.assertEqual(self.webhook(in_chat("guide_message_with_reply.json", chat, message_id=1367, update_id=50003))[0], 200)
        update = json.loads(in_chat("guide_message_with_document.json", chat, message_id=1368, update_id=50004))
        update["message"]["document"]["file_id"] = "e2e-guide-doc"
        pdf = b"%PDF-1.4\n" + os.urandom(2000) + b"\n%%EOF"
        self.bot.add_file("e2e-guide-doc", "documents/file_9.pdf", pdf)
        self.assertEqual(self.webhook(json.dumps(update).encode())[0], 200)
        by_id = {m["external_id"]: m for m in self.messages(conversation["id"])}
        self.assertTrue(by_id["%d:1366" % chat]["payload"]["forwarded"])
        self.assertEqual(by_id["%d:1367" % chat]["reply_to_id"], None)  # message 1334 was never stored here
        data, headers, message = self.downloaded_attachment(conversation["id"], "%d:1368" % chat)
        self.assertEqual(data, pdf)
        self.assertEqual(message["kind"], "document")
        # The guide's callback query from an inline message: stored for the user, answered.
        update = json.loads(in_chat("guide_callback_query.json", chat, update_id=50005))
        update["callback_query"]["id"] = "e2e-guide-callback"
        status, body, _ = self.webhook(json.dumps(update).encode())
        self.assertEqual((status, body), (200, {"method": "answerCallbackQuery", "callback_query_id": "e2e-guide-callback"}))
        pressed = [m for m in self.messages(conversation["id"]) if m["external_id"] == "callback:e2e-guide-callback"]
        self.assertEqual([m["text"] for m in pressed], ["Data from button callback"])
        # Inline queries are not messages: accepted, nothing stored.
        for name in ("guide_inline_query.json", "guide_chosen_inline_query.json"):
            status, body, _ = self.webhook(in_chat(name, chat, update_id=50006))
            self.assertEqual((status, body["stored"], body["ignored"]), (200, 0, 1), (name, body))

    def test_every_documented_fixture_is_accepted(self):
        for name, raw in json_fixtures(FIXTURES):
            status, body, _ = self.webhook(raw)
            self.assertEqual(status, 200, (name, body))

    # ---- outbound -----------------------------------------------------------------------------------

    def test_reply_is_sent_and_quotes_the_customers_message(self):
        chat = 2000005
        self.webhook(in_chat("text.json", chat, message_id=44, update_id=50000))
        _, conversation = self.conversation_of(chat)
        incoming = [m for m in self.messages(conversation["id"]) if m["external_id"] == "%d:44" % chat][0]
        before = len(self.bot.sent)
        reply = self.reply(conversation["id"], text="Hallo! Wir schauen nach. *nicht fett*", reply_to_id=incoming["id"])
        wait_for(lambda: len(self.bot.sent) > before)
        method, params, _, _ = self.bot.sent[-1]
        self.assertEqual(method, "sendMessage")
        self.assertEqual(params["chat_id"], chat)
        self.assertEqual(params["text"], "Hallo! Wir schauen nach. *nicht fett*")
        self.assertNotIn("parse_mode", params)
        self.assertEqual(params["reply_parameters"]["message_id"], 44)
        sent = wait_for(lambda: (lambda m: m if m["external_id"] else None)(self.message(conversation["id"], reply["id"])))
        self.assertEqual(sent["delivery_status"], "sent")
        self.assertRegex(sent["external_id"], r"^%d:\d+$" % chat)
        # The customer reacts to the reply: the reaction points at it.
        reaction = json.loads(in_chat("message_reaction.json", chat, update_id=50001))
        reaction["message_reaction"]["message_id"] = int(sent["external_id"].split(":")[1])
        self.assertEqual(self.webhook(json.dumps(reaction).encode())[0], 200)
        stored = [m for m in self.messages(conversation["id"]) if m["kind"] == "reaction"][0]
        self.assertEqual(stored["reply_to_id"], reply["id"])
        self.assertEqual(stored["payload"]["emoji"], "❤")

    def test_reply_with_buttons_reaches_the_bot_api_and_a_tap_is_answered(self):
        chat = 2000011
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=61000))
        _, conversation = self.conversation_of(chat)
        buttons = [[{"text": "Ja, gelöst", "callback_data": "solved:yes"}, {"text": "Nein", "callback_data": "solved:no"}],
                   [{"text": "Hilfe-Center", "url": "https://example.com/hilfe"}]]
        before = len(self.bot.sent)
        reply = self.reply(conversation["id"], text="Ist Ihr Problem gelöst?", buttons=buttons)
        self.assertEqual(reply["payload"], {"inline_keyboard": buttons})  # the desk draws them from here
        wait_for(lambda: len(self.bot.sent) > before)
        method, params, _, _ = self.bot.sent[-1]
        self.assertEqual(method, "sendMessage")
        self.assertEqual(params["reply_markup"], {"inline_keyboard": buttons})
        sent = wait_for(lambda: (lambda m: m if m["external_id"] else None)(self.message(conversation["id"], reply["id"])))
        self.assertEqual(sent["delivery_status"], "sent")
        # The customer taps "Nein": the callback query carries the bot's message with its keyboard.
        tap = json.loads(in_chat("callback_query.json", chat, update_id=61001))
        tap["callback_query"]["id"] = "e2e-buttons-tap"
        tap["callback_query"]["data"] = "solved:no"
        tap["callback_query"]["message"]["message_id"] = int(sent["external_id"].split(":")[1])
        tap["callback_query"]["message"]["reply_markup"] = {"inline_keyboard": buttons}
        status, body, _ = self.webhook(json.dumps(tap).encode())
        # Answered in the webhook's response (the Bot API runs it): the customer's spinner stops.
        self.assertEqual((status, body), (200, {"method": "answerCallbackQuery", "callback_query_id": "e2e-buttons-tap"}))
        pressed = [m for m in self.messages(conversation["id"]) if m["external_id"] == "callback:e2e-buttons-tap"][0]
        self.assertEqual((pressed["direction"], pressed["kind"], pressed["text"]), ("incoming", "interactive", "Nein"))
        self.assertEqual(pressed["payload"]["data"], "solved:no")
        self.assertEqual(pressed["reply_to_id"], reply["id"])  # it answers the message with the buttons
        # Two days later Telegram sends the message without its keyboard (an inaccessible message,
        # date 0): the label comes from the keyboard Parley sent.
        late = json.loads(json.dumps(tap))
        late["update_id"] = 61002
        late["callback_query"]["id"] = "e2e-buttons-late"
        late["callback_query"]["data"] = "solved:yes"
        late["callback_query"]["message"] = {"chat": tap["callback_query"]["message"]["chat"],
                                             "message_id": tap["callback_query"]["message"]["message_id"], "date": 0}
        status, body, _ = self.webhook(json.dumps(late).encode())
        self.assertEqual((status, body["callback_query_id"]), (200, "e2e-buttons-late"))
        pressed = [m for m in self.messages(conversation["id"]) if m["external_id"] == "callback:e2e-buttons-late"][0]
        self.assertEqual((pressed["text"], pressed["payload"]["data"]), ("Ja, gelöst", "solved:yes"))

    def test_buttons_with_a_file_go_with_send_document(self):
        chat = 2000012
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=62000))
        _, conversation = self.conversation_of(chat)
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=Angebot.pdf",
                                                  raw=b"%PDF-1.4\nAngebot\n%%EOF\n", token=self.token,
                                                  content_type="application/pdf")
        self.assertEqual(status, 201, uploaded)
        before = len(self.bot.sent)
        buttons = [[{"text": "Annehmen", "callback_data": "offer:accept"}]]
        reply = self.reply(conversation["id"], text="Ihr Angebot", attachment_ids=[uploaded["id"]], buttons=buttons)
        wait_for(lambda: len(self.bot.sent) > before)
        method, params, _, _ = self.bot.sent[-1]
        self.assertEqual(method, "sendDocument")
        self.assertEqual(json.loads(params["reply_markup"]), {"inline_keyboard": buttons})
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")

    def test_buttons_that_break_telegrams_rules_are_refused_and_nothing_is_stored(self):
        chat = 2000013
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=63000))
        _, conversation = self.conversation_of(chat)
        count = len(self.messages(conversation["id"]))
        url = "/api/v1/conversations/%d/messages" % conversation["id"]
        for buttons, expected in [
            ([[{"text": "OK", "callback_data": "d" * 65}]], "buttons[0][0].callback_data: 1-64 bytes"),
            ([[{"text": "", "callback_data": "x"}]], "buttons[0][0].text"),
            ([[{"text": "Link", "url": "javascript:alert(1)"}]], "buttons[0][0].url"),
            ([[{"text": "Both", "callback_data": "x", "url": "https://example.com"}]], "exactly one of callback_data"),
            ([[{"text": "Hm", "callback_data": "x", "style": "red"}]], "buttons[0][0].style: unknown field"),
            ([[{"text": "a", "callback_data": "a"}] * 9], "at most 8 buttons in a row"),
            ([[]], "buttons[0]: a row needs at least one button"),
            ({"inline_keyboard": []}, "buttons: must be an array of rows"),
            ([[{"text": "OK", "callback_data": "ok"}]], "a private note has no buttons"),
        ]:
            body = {"text": "Bitte wählen", "buttons": buttons}
            if expected == "a private note has no buttons":
                body["private"] = True
            status, answer, _ = self.parley.request("POST", url, body, token=self.token)
            self.assertEqual(status, 400, (buttons, answer))
            self.assertIn(expected, answer["error"]["message"])
        self.assertEqual(len(self.messages(conversation["id"])), count)

    def test_reply_with_a_file_is_uploaded(self):
        chat = 2000006
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=60000))
        _, conversation = self.conversation_of(chat)
        pdf = b"%PDF-1.4\n" + os.urandom(4000) + b"\n%%EOF\n"
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=Rechnung.pdf", raw=pdf,
                                                  token=self.token, content_type="application/pdf")
        self.assertEqual(status, 201, uploaded)
        before = len(self.bot.sent)
        reply = self.reply(conversation["id"], text="Ihre Rechnung", attachment_ids=[uploaded["id"]])
        wait_for(lambda: len(self.bot.sent) > before)
        method, params, files, _ = self.bot.sent[-1]
        self.assertEqual(method, "sendDocument")
        self.assertEqual(params["chat_id"], str(chat))
        self.assertEqual(params["caption"], "Ihre Rechnung")
        filename, content_type, data = files["document"]
        self.assertEqual((filename, content_type), ("Rechnung.pdf", "application/pdf"))
        self.assertEqual(data, pdf)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")

    def test_a_picture_telegram_refuses_as_a_photo_goes_as_a_document(self):
        chat = 2000061
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=61000))
        _, conversation = self.conversation_of(chat)
        png = strip_png(1, 400)  # 1 x 400 pixels: a ratio Telegram does not make a photo of
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=panorama.png", raw=png,
                                                  token=self.token, content_type="image/png")
        self.assertEqual(status, 201, uploaded)
        before = len(self.bot.sent)
        reply = self.reply(conversation["id"], text="Der Grundriss", attachment_ids=[uploaded["id"]])
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        methods = [m for m, _, _, _ in self.bot.sent[before:]]
        self.assertEqual(methods, ["sendPhoto", "sendDocument"])
        _, params, files, _ = self.bot.sent[-1]
        self.assertEqual(params["caption"], "Der Grundriss")
        self.assertEqual(files["document"], ("panorama.png", "image/png", png))

    def upload(self, filename, data, content_type):
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=" + filename, raw=data,
                                                  token=self.token, content_type=content_type)
        self.assertEqual(status, 201, uploaded)
        return uploaded["id"]

    def test_several_photos_go_as_one_album_with_the_text_as_its_caption(self):
        chat = 2000071
        self.webhook(in_chat("text.json", chat, message_id=7, update_id=61100))
        contact, conversation = self.conversation_of(chat)
        quoted = self.messages(conversation["id"])[0]
        pngs = [strip_png(40 + i, 30) for i in range(3)]
        ids = [self.upload("foto%d.png" % i, png, "image/png") for i, png in enumerate(pngs)]
        before = len(self.bot.sent)
        reply = self.reply(conversation["id"], text="Die Fotos vom Schaden", attachment_ids=ids, reply_to_id=quoted["id"])
        self.assertNotIn("further_messages", reply)  # one message in the desk, as the customer sees it
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        sent = self.bot.sent[before:]
        self.assertEqual([m for m, _, _, _ in sent], ["sendMediaGroup"])
        _, params, files, _ = sent[0]
        self.assertEqual(params["chat_id"], str(chat))
        self.assertEqual(json.loads(params["reply_parameters"])["message_id"], 7)
        media = json.loads(params["media"])
        self.assertEqual([item["type"] for item in media], ["photo"] * 3)
        self.assertEqual(media[0]["caption"], "Die Fotos vom Schaden")
        self.assertTrue(all("caption" not in item for item in media[1:]))
        self.assertEqual([files[item["media"][len("attach://"):]] for item in media],
                         [("foto%d.png" % i, "image/png", png) for i, png in enumerate(pngs)])
        # The album's first message (the one with the caption) is the reply's id at Telegram.
        self.assertRegex(self.message(conversation["id"], reply["id"])["external_id"], r"^%d:\d+$" % chat)

    def test_documents_go_as_an_album_and_photos_mixed_with_documents_one_by_one(self):
        chat = 2000072
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=61200))
        _, conversation = self.conversation_of(chat)
        pdfs = [self.upload("Teil%d.pdf" % i, b"%PDF-1.4\nTeil " + bytes([48 + i]) + b"\n%%EOF\n", "application/pdf")
                for i in range(2)]
        before = len(self.bot.sent)
        reply = self.reply(conversation["id"], text="Beide Teile", attachment_ids=pdfs)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        self.assertEqual([m for m, _, _, _ in self.bot.sent[before:]], ["sendMediaGroup"])
        self.assertEqual([item["type"] for item in json.loads(self.bot.sent[-1][1]["media"])], ["document"] * 2)

        photo = self.upload("foto.png", strip_png(50, 40), "image/png")
        before = len(self.bot.sent)
        pdf = self.upload("Beleg.pdf", b"%PDF-1.4\nBeleg\n%%EOF\n", "application/pdf")
        reply = self.reply(conversation["id"], text="Foto und Beleg", attachment_ids=[photo, pdf])
        further = reply["further_messages"]
        self.assertEqual([m["attachment_ids"] for m in further], [[pdf]])
        for m in [reply] + further:
            wait_for(lambda m=m: self.message(conversation["id"], m["id"])["delivery_status"] == "sent")
        self.assertEqual(sorted(m for m, _, _, _ in self.bot.sent[before:]), ["sendDocument", "sendPhoto"])

    def test_photos_with_buttons_go_one_by_one_the_first_with_the_buttons(self):
        chat = 2000073
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=61300))
        _, conversation = self.conversation_of(chat)
        ids = [self.upload("f%d.png" % i, strip_png(30 + i, 20), "image/png") for i in range(2)]
        buttons = [[{"text": "Passt", "callback_data": "photo:ok"}]]
        before = len(self.bot.sent)
        reply = self.reply(conversation["id"], text="Welches?", attachment_ids=ids, buttons=buttons)
        self.assertEqual(len(reply["further_messages"]), 1)
        for m in [reply] + reply["further_messages"]:
            wait_for(lambda m=m: self.message(conversation["id"], m["id"])["delivery_status"] == "sent")
        sent = self.bot.sent[before:]
        self.assertEqual([m for m, _, _, _ in sent], ["sendPhoto", "sendPhoto"])
        with_buttons = [p for _, p, _, _ in sent if "reply_markup" in p]
        self.assertEqual(len(with_buttons), 1)
        self.assertEqual(with_buttons[0]["caption"], "Welches?")

    def test_an_album_with_a_picture_telegram_refuses_as_a_photo_goes_as_documents(self):
        chat = 2000074
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=61400))
        _, conversation = self.conversation_of(chat)
        ids = [self.upload("ok.png", strip_png(60, 40), "image/png"), self.upload("strip.png", strip_png(1, 400), "image/png")]
        before = len(self.bot.sent)
        reply = self.reply(conversation["id"], text="Zwei Pläne", attachment_ids=ids)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        sent = self.bot.sent[before:]
        self.assertEqual([m for m, _, _, _ in sent], ["sendMediaGroup", "sendMediaGroup"])
        self.assertEqual([item["type"] for item in json.loads(sent[1][1]["media"])], ["document", "document"])
        self.assertEqual(json.loads(sent[1][1]["media"])[0]["caption"], "Zwei Pläne")

    def test_flood_control_is_retried_after_retry_after(self):
        chat = 2000007
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=70000))
        _, conversation = self.conversation_of(chat)
        before = len(self.bot.sent)
        self.bot.flood_once(retry_after=1)
        reply = self.reply(conversation["id"], text="Einen Moment bitte")
        sent = wait_for(lambda: (lambda m: m if m["delivery_status"] == "sent" else None)(
            self.message(conversation["id"], reply["id"])), timeout=30)
        attempts = [s for s in self.bot.sent[before:] if s[1].get("text") == "Einen Moment bitte"]
        self.assertEqual(len(attempts), 2)
        self.assertGreaterEqual(attempts[1][3] - attempts[0][3], 0.9)  # waited retry_after
        self.assertIsNone(sent["delivery_error"])

    def test_bad_request_fails_with_telegrams_description(self):
        chat = 2000008
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=80000))
        _, conversation = self.conversation_of(chat)
        self.bot.bad_request_once("Bad Request: chat not found")
        reply = self.reply(conversation["id"], text="Sind Sie noch da?")
        failed = wait_for(lambda: (lambda m: m if m["delivery_status"] == "failed" else None)(
            self.message(conversation["id"], reply["id"])))
        self.assertIn("Bad Request: chat not found", failed["delivery_error"])

    def test_a_user_who_blocked_the_bot_fails_the_reply_once_with_telegrams_reason(self):
        chat = 2000062
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=62000))
        _, conversation = self.conversation_of(chat)
        # The user blocks the bot: Telegram says so with my_chat_member, and the agent sees it in
        # the conversation before writing (once, however often Telegram delivers it) ...
        status, body, _ = self.webhook(in_chat("my_chat_member.json", chat, update_id=62001))
        self.assertEqual((status, body["stored"], body["ignored"]), (200, 1, 0), body)
        status, body, _ = self.webhook(in_chat("my_chat_member.json", chat, update_id=62001))
        self.assertEqual((status, body["stored"], body["duplicates"]), (200, 0, 1), body)
        lines = [m["text"] for m in self.messages(conversation["id"]) if m["direction"] == "activity"]
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith("The customer blocked the bot"), lines)
        self.bot.blocked.add(chat)
        # ... and answers every send with 403, which no retry changes.
        before = len(self.bot.sent)
        reply = self.reply(conversation["id"], text="Sind Sie noch da?")
        failed = wait_for(lambda: (lambda m: m if m["delivery_status"] == "failed" else None)(
            self.message(conversation["id"], reply["id"])))
        self.assertEqual(failed["delivery_error"], "Telegram error 403: Forbidden: bot was blocked by the user")
        time.sleep(1.5)
        self.assertEqual(len([s for s in self.bot.sent[before:] if s[1].get("chat_id") == chat]), 1)

    def test_unblocking_the_bot_is_shown_and_a_stranger_blocking_it_creates_nobody(self):
        chat = 2000063
        self.webhook(in_chat("text.json", chat, message_id=1, update_id=63000))
        _, conversation = self.conversation_of(chat)
        self.assertEqual(self.webhook(in_chat("my_chat_member.json", chat, update_id=63001))[1]["stored"], 1)
        status, body, _ = self.webhook(in_chat("my_chat_member_unblocked.json", chat, update_id=63002))
        self.assertEqual((status, body["stored"]), (200, 1), body)
        lines = [m["text"] for m in self.messages(conversation["id"]) if m["direction"] == "activity"]
        self.assertEqual(lines[-1], "The customer unblocked the bot")
        _, after = self.conversation_of(chat)
        self.assertEqual(after["status"], conversation["status"])  # a notice opens nothing
        # Someone who never wrote to the bot: nothing to show, and no contact made for it.
        stranger = 2000064
        status, body, _ = self.webhook(in_chat("my_chat_member.json", stranger, update_id=63003))
        self.assertEqual((status, body["stored"], body["ignored"]), (200, 0, 1), body)
        self.assertEqual(self.contacts(stranger), [])

    def test_group_chat_is_one_conversation_answered_in_the_group(self):
        group = json.loads(fixture("group_message.json"))
        group["message"]["chat"]["id"] = -1002000000009
        group["message"]["chat"]["is_forum"] = True
        group["message"]["is_topic_message"] = True  # written in the forum's topic 12
        self.assertEqual(self.webhook(json.dumps(group).encode())[0], 200)
        second = copy.deepcopy(group)
        second["update_id"] += 1
        second["message"]["message_id"] += 1
        second["message"]["from"] = {"id": 3333334, "is_bot": False, "first_name": "Dieter"}
        second["message"]["text"] = "Und bitte an die neue Adresse"
        self.assertEqual(self.webhook(json.dumps(second).encode())[0], 200)
        contact, conversation = self.conversation_of(-1002000000009)
        self.assertEqual(contact["name"], "Einkauf Müller GmbH")
        senders = [m["payload"]["from"]["name"] for m in self.messages(conversation["id"]) if m["direction"] == "incoming"]
        self.assertEqual(senders, ["Carla", "Dieter"])
        before = len(self.bot.sent)
        self.reply(conversation["id"], text="Gern, die neue Rechnung kommt heute.")
        wait_for(lambda: len(self.bot.sent) > before)
        self.assertEqual(self.bot.sent[-1][1]["chat_id"], -1002000000009)
        # Into the customers' topic, not the forum's General topic.
        self.assertEqual(self.bot.sent[-1][1]["message_thread_id"], 12)


if __name__ == "__main__":
    unittest.main(verbosity=2)
