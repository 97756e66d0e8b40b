"""End to end: comments on the Facebook Page (Page webhooks, field `feed`) in a Messenger inbox,
and on the Instagram account's media (field `comments`) in an Instagram inbox, against the real
binary and the local Graph fake. A customer's comment opens a public
conversation; the agent answers in the comment's thread (POST /{comment-id}/comments, text or a
photo) or privately (one Send API message to recipient.comment_id); answers in the thread join
the conversation, edits change the text, the Page's own comments and removals add nothing."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from fake_meta_messaging import FakeMetaMessaging  # noqa: E402
from harness import Desk, sign, wait_for  # noqa: E402
from test_messenger import APP_SECRET, IG_ID, PAGE_ID, event, tiny_png  # noqa: E402

POST_ID = PAGE_ID + "_778899001122"


def feed_change(value):
    """One `feed` change in the documented Page webhook envelope."""
    at = int(time.time())
    return json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "time": at,
                                                     "changes": [{"field": "feed", "value": value}]}]}).encode()


def comment(comment_id, author, name, text, parent_id=POST_ID, verb="add", **more):
    """A comment as Page webhooks describe it (item "comment": from, post_id, comment_id, parent_id,
    message, created_time in Unix seconds, verb; the post with its permalink)."""
    value = {"from": {"id": author, "name": name}, "item": "comment", "verb": verb, "comment_id": comment_id,
             "post_id": POST_ID, "parent_id": parent_id, "message": text, "created_time": int(time.time()),
             "post": {"status_type": "added_photos", "is_published": True, "updated_time": "2026-12-03T07:00:00+0000",
                      "permalink_url": "https://www.facebook.com/parley.demo/posts/778899001122",
                      "promotion_status": "inactive", "id": POST_ID}}
    value.update(more)
    return feed_change(value)


class CommentsDesk(Desk):
    """One Parley with one inbox of `channel` on the Graph fake; webhook() posts a signed body."""
    channel = None

    @classmethod
    def setUpClass(cls):
        cls.meta = FakeMetaMessaging()
        cls.meta.instagram_accounts.add(IG_ID)
        config = (cls.meta.instagram_config(IG_ID, APP_SECRET) if cls.channel == "instagram"
                  else cls.meta.page_config(PAGE_ID, APP_SECRET))
        cls.start_with_inbox(cls.channel, cls.channel, config)

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.meta.close()

    def webhook(self, raw):
        status, body, _ = self.parley.request("POST", "/webhooks/" + self.channel, raw=raw,
                                              headers={"X-Hub-Signature-256": sign(APP_SECRET, raw)})
        self.assertEqual(status, 200, body)
        return body


class PageCommentsTest(CommentsDesk, unittest.TestCase):
    channel = "messenger"

    def thread_of(self, author):
        _, conversation = self.conversation_of(author, self.inbox["id"])
        return conversation

    def test_a_comment_opens_a_public_conversation_answered_in_its_thread(self):
        author = "4100000000000001"
        body = self.webhook(comment(POST_ID.split("_")[1] + "_5001", author, "Erika Muster", "Habt ihr Sonntag offen?"))
        self.assertEqual(body["stored"], 1, body)
        conversation = self.thread_of(author)
        self.assertTrue(conversation["public"], conversation)
        contact, _ = self.conversation_of(author, self.inbox["id"])
        self.assertEqual(contact["name"], "Erika Muster")
        [first] = self.messages(conversation["id"])
        self.assertEqual((first["direction"], first["text"]), ("incoming", "Habt ihr Sonntag offen?"))

        reply = self.reply(conversation["id"], text="Ja, von 10 bis 16 Uhr.")
        sent = wait_for(lambda: (lambda m: m if m["delivery_status"] == "sent" else None)(
            self.message(conversation["id"], reply["id"])))
        answered, fields = self.meta.comments[-1]
        self.assertEqual((answered, fields), ("778899001122_5001", {"message": "Ja, von 10 bis 16 Uhr."}))
        self.assertTrue(sent["external_id"].startswith("778899001122_"), sent)
        self.assertEqual([s for _, s in self.meta.sent if s["message"].get("text") == "Ja, von 10 bis 16 Uhr."], [],
                         "a public reply is no Messenger message")

        # The customer answers in the thread: the same conversation, quoting the comment.
        self.webhook(comment("778899001122_5002", author, "Erika Muster", "Super, danke!", parent_id="778899001122_5001"))
        texts = [m["text"] for m in self.messages(conversation["id"])]
        self.assertEqual(texts, ["Habt ihr Sonntag offen?", "Ja, von 10 bis 16 Uhr.", "Super, danke!"])
        self.assertEqual(len(self.conversations_of(author, self.inbox["id"])[1]), 1)
        # A reply now still goes into the thread of the top comment (Facebook's threads are two deep).
        again = self.reply(conversation["id"], text="Gern!")
        wait_for(lambda: self.message(conversation["id"], again["id"])["delivery_status"] == "sent")
        self.assertEqual(self.meta.comments[-1], ("778899001122_5001", {"message": "Gern!"}))

        # An edit changes the text; the Page's own comment and a removal add nothing.
        self.webhook(comment("778899001122_5002", author, "Erika Muster", "Super, vielen Dank!", verb="edited",
                             parent_id="778899001122_5001"))
        body = self.webhook(comment("778899001122_5003", PAGE_ID, "Parley Demo", "Gern!", parent_id="778899001122_5001"))
        self.assertEqual(body["stored"], 0, body)
        body = self.webhook(comment("778899001122_5002", author, "Erika Muster", "", verb="remove"))
        self.assertEqual(body["stored"], 0, body)
        texts = [m["text"] for m in self.messages(conversation["id"])]
        self.assertEqual(texts, ["Habt ihr Sonntag offen?", "Ja, von 10 bis 16 Uhr.", "Super, vielen Dank!", "Gern!"])

    def test_a_photo_goes_into_the_thread_with_the_text(self):
        author = "4100000000000002"
        self.webhook(comment("778899001122_6001", author, "Max Muster", "Welche Farbe ist das?"))
        conversation = self.thread_of(author)
        png = tiny_png()
        photo = self.uploaded_file("farbe.png", png, "image/png")
        reply = self.reply(conversation["id"], text="Diese hier:", attachment_ids=[photo])
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        answered, fields = self.meta.comments[-1]
        self.assertEqual(answered, "778899001122_6001")
        self.assertEqual(fields["message"], "Diese hier:")
        self.assertEqual(fields["source"], ("farbe.png", "image/png", png))
        # A PDF cannot go into a comment: refused at once, nothing sent.
        self.assert_file_refused(conversation["id"], "preise.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf",
                                 ["preise.pdf", "photo"], lambda: len(self.meta.comments))

    def test_a_private_reply_goes_to_the_comments_author_once(self):
        author = "4100000000000003"
        psid = "7300000000000001"  # the author's id in Messenger, which Meta names in its answer
        self.meta.comment_psids["778899001122_7001"] = psid
        self.webhook(comment("778899001122_7001", author, "Lena Muster", "Meine Bestellung 4711 fehlt!"))
        conversation = self.thread_of(author)
        reply = self.reply(conversation["id"], text="Wir schauen nach – bitte schicken Sie uns Ihre Adresse.", direct=True)
        sent = wait_for(lambda: (lambda m: m if m["delivery_status"] == "sent" else None)(
            self.message(conversation["id"], reply["id"])))
        self.assertEqual(sent["payload"].get("direct"), True, sent)
        body = self.meta.sent[-1][1]
        self.assertEqual(body["recipient"], {"comment_id": "778899001122_7001"})
        self.assertEqual(body["messaging_type"], "RESPONSE")
        self.assertEqual(body["message"]["text"], "Wir schauen nach – bitte schicken Sie uns Ihre Adresse.")
        self.assertEqual(len([c for c in self.meta.comments if c[0] == "778899001122_7001"]), 0, "nothing public")

        # Its echo (metadata names the reply) adds nothing; the customer's answer in Messenger
        # comes from the same contact: one timeline, in a private conversation of its own.
        echo = {"mid": "m_private_echo", "is_echo": True, "text": body["message"]["text"], "metadata": body["message"]["metadata"]}
        self.assertEqual(self.webhook(event(PAGE_ID, psid, {"message": echo}))["stored"], 0)
        self.assertEqual(self.webhook(event(psid, PAGE_ID, {"message": {"mid": "m_answer_7001", "text": "Musterweg 1, Berlin"}}))["stored"], 1)
        contact, conversations = self.conversations_of(author, self.inbox["id"])
        self.assertEqual(contact["name"], "Lena Muster")
        self.assertEqual(sorted(c["public"] for c in conversations), [False, True])
        private = [c for c in conversations if not c["public"]][0]
        self.assertEqual([m["text"] for m in self.messages(private["id"])], ["Musterweg 1, Berlin"])
        # The agent answers there: to the PSID, not to the comment author's Facebook id.
        answer = self.reply(private["id"], text="Danke, wir schicken es heute los.")
        wait_for(lambda: self.message(private["id"], answer["id"])["delivery_status"] == "sent")
        self.assertEqual(self.meta.sent[-1][1]["recipient"], {"id": psid})

    def test_the_echo_of_a_private_reply_links_the_customer_when_the_answer_is_lost(self):
        author, psid = "4100000000000007", "7300000000000007"
        self.webhook(comment("778899001122_8201", author, "Kai Echo", "Hallo?"))
        conversation = self.thread_of(author)

        def post_echo(account, sent, mid):  # Meta sends the echo, then answers with an error
            echo = {"mid": mid, "is_echo": True, "text": sent["message"]["text"], "metadata": sent["message"]["metadata"]}
            self.webhook(event(PAGE_ID, psid, {"message": echo}))
        self.meta.before_answer = post_echo
        self.meta.send_errors.append((500, {"error": {"message": "An unexpected error has occurred. Please retry your request later.",
                                                      "type": "OAuthException", "code": 2, "fbtrace_id": "fake"}}, {}))
        try:
            reply = self.reply(conversation["id"], text="Wir melden uns per Messenger.", direct=True)
            wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        finally:
            self.meta.before_answer = None
        self.assertEqual(self.webhook(event(psid, PAGE_ID, {"message": {"mid": "m_answer_8201", "text": "Gern"}}))["stored"], 1)
        contact, conversations = self.conversations_of(author, self.inbox["id"])
        self.assertEqual(contact["name"], "Kai Echo")
        self.assertEqual(sorted(c["public"] for c in conversations), [False, True])

    def test_a_visitor_post_is_answered_under_it_or_privately(self):
        author, other = "4100000000000021", "4100000000000022"
        post = PAGE_ID + "_778899005555"
        self.webhook(feed_change({"from": {"id": author, "name": "Petra Besucher"}, "item": "status", "post_id": post,
                                  "verb": "add", "published": 1, "created_time": int(time.time()),
                                  "message": "Meine Bestellung 12345 ist nicht angekommen."}))
        conversation = self.thread_of(author)
        self.assertTrue(conversation["public"])
        # Someone comments on her post: it joins her conversation.
        self.webhook(comment("778899005555_6001", other, "Paul Nachbar", "Bei mir auch!", parent_id=post))
        self.assertEqual([m["text"] for m in self.messages(conversation["id"])],
                         ["Meine Bestellung 12345 ist nicht angekommen.", "Bei mir auch!"])
        # A public reply to her post is a comment on it.
        public = self.reply(conversation["id"], text="Wir prüfen das sofort.", reply_to_id=self.messages(conversation["id"])[0]["id"])
        wait_for(lambda: self.message(conversation["id"], public["id"])["delivery_status"] == "sent")
        self.assertEqual(self.meta.comments[-1], (post, {"message": "Wir prüfen das sofort."}))
        # A private reply goes to her post (recipient.post_id), not to Paul's comment.
        private = self.reply(conversation["id"], text="Bitte schicken Sie uns Ihre Adresse.", direct=True)
        wait_for(lambda: self.message(conversation["id"], private["id"])["delivery_status"] == "sent")
        self.assertEqual(self.meta.sent[-1][1]["recipient"], {"post_id": post})

    def test_a_private_reply_after_seven_days_is_refused_at_once(self):
        author = "4100000000000006"
        eight_days_ago = int(time.time()) - 8 * 24 * 3600
        self.webhook(comment("778899001122_8101", author, "Alt Kunde", "Noch da?", created_time=eight_days_ago))
        conversation = self.thread_of(author)
        before = len(self.meta.sent)
        status, refused, _ = self.send(conversation["id"], {"text": "Ja!", "direct": True})
        self.assertEqual(status, 400, refused)
        self.assertIn("within 7 days of the comment", refused["error"]["message"])
        self.assertEqual(len(self.meta.sent), before)
        # In public it can still be answered.
        public = self.reply(conversation["id"], text="Ja, wir sind da.")
        wait_for(lambda: self.message(conversation["id"], public["id"])["delivery_status"] == "sent")

    def test_a_private_reply_never_goes_to_someone_else_in_the_thread(self):
        author, other = "4100000000000004", "4100000000000005"
        self.webhook(comment("778899001122_8001", author, "Jana Muster", "Wo bleibt meine Lieferung?"))
        conversation = self.thread_of(author)
        # Someone else answers in Jana's thread: it joins her conversation ...
        self.webhook(comment("778899001122_8002", other, "Otto Normal", "Bei mir auch!", parent_id="778899001122_8001"))
        messages = self.messages(conversation["id"])
        self.assertEqual([m["text"] for m in messages], ["Wo bleibt meine Lieferung?", "Bei mir auch!"])
        # ... but a private reply goes to Jana's comment, never to Otto's,
        reply = self.reply(conversation["id"], text="Wir melden uns privat.", direct=True)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        self.assertEqual(self.meta.sent[-1][1]["recipient"], {"comment_id": "778899001122_8001"})
        # and quoting Otto's comment for a private reply is refused, naming why.
        status, refused, _ = self.send(conversation["id"], {"text": "Hallo Otto", "direct": True, "reply_to_id": messages[1]["id"]})
        self.assertEqual(status, 400, refused)
        self.assertIn("this conversation's customer", refused["error"]["message"])
        # A public answer to Otto goes into the thread of the top comment.
        public = self.reply(conversation["id"], text="Wir prüfen das für alle.", reply_to_id=messages[1]["id"])
        wait_for(lambda: self.message(conversation["id"], public["id"])["delivery_status"] == "sent")
        self.assertEqual(self.meta.comments[-1][0], "778899001122_8001")

        # Facebook takes one private reply per comment: a second one fails with Meta's reason.
        second = self.reply(conversation["id"], text="Noch eine Frage?", direct=True)
        failed = wait_for(lambda: (lambda m: m if m["delivery_status"] == "failed" else None)(
            self.message(conversation["id"], second["id"])))
        self.assertIn("Activity already replied to", failed["delivery_error"])

        # Files cannot go in a private reply: refused at once, naming the way.
        photo = self.uploaded_file("x.png", tiny_png(), "image/png")
        status, refused, _ = self.send(conversation["id"], {"text": "Hier", "attachment_ids": [photo], "direct": True})
        self.assertEqual(status, 400, refused)
        self.assertIn("private reply", refused["error"]["message"])


def instagram_comment(comment_id, author, username, text, parent_id=None):
    """A comment as Instagram webhooks send it (field `comments`: id, from {id: IGSID, username},
    text, media {id, media_product_type}; parent_id for an answer in a comment's thread)."""
    value = {"id": comment_id, "from": {"id": author, "username": username}, "text": text,
             "media": {"id": "18172143295349192", "media_product_type": "FEED"}}
    if parent_id:
        value["parent_id"] = parent_id
    return json.dumps({"object": "instagram", "entry": [{"id": IG_ID, "time": int(time.time()),
                                                          "changes": [{"field": "comments", "value": value}]}]}).encode()


class InstagramCommentsTest(CommentsDesk, unittest.TestCase):
    channel = "instagram"

    def test_a_comment_is_answered_in_its_thread_or_privately_in_direct(self):
        igsid = "1914016405541601"
        self.assertEqual(self.webhook(instagram_comment("17919697626110001", igsid, "erika.muster", "Gibt es das in Blau?"))["stored"], 1)
        contact, conversation = self.conversation_of(igsid, self.inbox["id"])
        self.assertTrue(conversation["public"])
        self.assertEqual(contact["name"], "@erika.muster")

        reply = self.reply(conversation["id"], text="Ja, ab Montag!")
        sent = wait_for(lambda: (lambda m: m if m["delivery_status"] == "sent" else None)(
            self.message(conversation["id"], reply["id"])))
        self.assertEqual(self.meta.comments[-1], ("17919697626110001", {"message": "Ja, ab Montag!"}))
        self.assertTrue(sent["external_id"].isdigit(), sent)
        # The customer answers in the thread: the same conversation; the account's own reply adds nothing.
        self.webhook(instagram_comment("17919697626110002", igsid, "erika.muster", "Super!", parent_id="17919697626110001"))
        self.assertEqual(self.webhook(instagram_comment("17919697626110003", IG_ID, "parley.demo", "Gern!",
                                                        parent_id="17919697626110001"))["stored"], 0)
        self.assertEqual([m["text"] for m in self.messages(conversation["id"])], ["Gibt es das in Blau?", "Ja, ab Montag!", "Super!"])
        # A file cannot go into a reply to an Instagram comment: refused at once, nothing sent.
        self.assert_file_refused(conversation["id"], "blau.png", tiny_png(), "image/png", ["blau.png", "text only"],
                                 lambda: len(self.meta.comments))

        # Privately: one Direct message to the comment, without metadata (Instagram has none).
        self.meta.comment_psids["17919697626110002"] = igsid
        private = self.reply(conversation["id"], text="Schreiben Sie uns Ihre Größe?", direct=True)
        wait_for(lambda: self.message(conversation["id"], private["id"])["delivery_status"] == "sent")
        account, body = self.meta.sent[-1]
        self.assertEqual((account, body["recipient"]), (IG_ID, {"comment_id": "17919697626110002"}))
        self.assertNotIn("metadata", body["message"])
        # The customer's answer in Direct: the same contact, a private conversation of its own.
        dm = json.dumps({"object": "instagram", "entry": [{"id": IG_ID, "time": int(time.time() * 1000), "messaging": [
            {"sender": {"id": igsid}, "recipient": {"id": IG_ID}, "timestamp": int(time.time() * 1000),
             "message": {"mid": "aWdfZAG1faXRlbToxOkRNMDAx", "text": "Größe M"}}]}]}).encode()
        self.assertEqual(self.webhook(dm)["stored"], 1)
        _, conversations = self.conversations_of(igsid, self.inbox["id"])
        self.assertEqual(sorted(c["public"] for c in conversations), [False, True])


if __name__ == "__main__":
    unittest.main(verbosity=2)
