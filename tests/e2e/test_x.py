"""End to end: the X channel against the real binary and a local fake of X's API v2
(tests/e2e/fake_x.py). Webhook payloads are the fixtures written from the Account Activity API
documentation (tests/channels/x/fixtures), signed as X signs them."""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import unittest
import urllib.error
import urllib.request
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from fake_x import FakeX  # noqa: E402
from harness import Desk, jpeg, json_fixtures, wait_for  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "channels", "x", "fixtures")
BUSINESS = "2244994945"
CUSTOMER = "3001969357"
SECRET = "test-consumer-secret"


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def signed(raw, secret=SECRET):
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def dm_event(event_id, sender, text, recipient=BUSINESS, media=None, name="Customer", business=BUSINESS):
    data = {"text": text}
    if media:
        data["attachment"] = {"type": "media", "media": media}
    body = {"for_user_id": business,
            "direct_message_events": [{"type": "message_create", "id": event_id,
                                       "created_timestamp": str(int(time.time() * 1000)),
                                       "message_create": {"target": {"recipient_id": recipient}, "sender_id": sender,
                                                          "message_data": data}}],
            "users": {sender: {"id": sender, "name": name, "screen_name": "user" + sender}}}
    return json.dumps(body).encode()


def tweet_event(tweet_id, author, text, in_reply_to=None, name="Customer"):
    tweet = {"id_str": tweet_id, "text": text, "in_reply_to_status_id_str": in_reply_to,
             "in_reply_to_user_id_str": BUSINESS, "timestamp_ms": str(int(time.time() * 1000)),
             "user": {"id_str": author, "name": name, "screen_name": "user" + author}}
    return json.dumps({"for_user_id": BUSINESS, "tweet_create_events": [tweet]}).encode()


def png(width=2, height=2, seed=b""):
    """A real (tiny) PNG, so the attachment store sniffs image/png."""
    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    rows = b"".join(b"\x00" + bytes([(x * 40 + y * 7 + len(seed)) % 256 for x in range(width * 3)]) for y in range(height))
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"tEXt", b"c\x00" + seed) + \
        chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class XTest(Desk, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.x = FakeX(consumer_secret=SECRET)  # the app's API secret: webhook signatures and OAuth 1.0a
        cls.x.require_oauth1 = True  # this inbox has the OAuth 1.0a keys: every send must be signed with them
        cls.start_with_inbox("X", "x", {"user_id": BUSINESS, "consumer_secret": SECRET, "access_token": cls.x.token,
                                        "consumer_key": cls.x.consumer_key, "oauth1_access_token": cls.x.oauth1_token,
                                        "oauth1_access_token_secret": cls.x.oauth1_token_secret,
                                        "api_base_url": cls.x.api_base_url})

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.x.close()

    def webhook(self, raw, signature=None):
        return self.parley.request("POST", "/webhooks/x", raw=raw,
                                   headers={"x-twitter-webhooks-signature": signed(raw) if signature is None else signature})

    # ---- set-up and authenticity ----

    def test_crc_answers_with_the_consumer_secret(self):
        status, body, headers = self.parley.request("GET", "/webhooks/x?crc_token=9b4507b3-9040-4669-9ca3-6b94edb50553")
        self.assertEqual(status, 200, body)
        expected = "sha256=" + base64.b64encode(hmac.new(SECRET.encode(), b"9b4507b3-9040-4669-9ca3-6b94edb50553",
                                                         hashlib.sha256).digest()).decode()
        self.assertEqual(body, {"response_token": expected})
        status, body, _ = self.parley.request("GET", "/webhooks/x?crc_token=abc&inbox=%d" % self.inbox["id"])
        self.assertEqual(status, 200)
        self.assertEqual(self.parley.request("GET", "/webhooks/x?crc_token=abc&inbox=999999")[0], 404)
        self.assertEqual(self.parley.request("GET", "/webhooks/x")[0], 400)

    def test_secrets_are_never_returned(self):
        _, inbox, _ = self.parley.request("GET", "/api/v1/inboxes/%d" % self.inbox["id"], token=self.token)
        text = json.dumps(inbox)
        self.assertNotIn(SECRET, text)
        self.assertNotIn(self.x.token, text)
        self.assertNotIn(self.x.oauth1_token, text)
        self.assertNotIn(self.x.oauth1_token_secret, text)
        self.assertEqual(inbox["config"]["oauth1_access_token_secret"], "********")
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes", {
            "name": "half", "channel": "x", "config": {"user_id": "1", "consumer_secret": "s", "access_token": "t",
                                                       "consumer_key": "k"}}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("config.consumer_key", body["error"]["message"])
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes", {
            "name": "bad", "channel": "x", "config": {"user_id": "@handle", "consumer_secret": "s", "access_token": "t"}},
            token=self.token)
        self.assertEqual(status, 400, body)
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes", {
            "name": "typo", "channel": "x", "config": {"user_id": "1", "consumer_secret": "s", "access_token": "t",
                                                       "bearer_token": "b"}}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("config.bearer_token: unknown key", body["error"]["message"])

    def test_bad_signature_is_401_and_nothing_is_stored(self):
        raw = dm_event("700000000000000001", "880000000000000001", "forged")
        status, body, _ = self.webhook(raw, signature=signed(raw, "wrong-secret"))
        self.assertEqual(status, 401, body)
        self.assertEqual(self.webhook(raw, signature="")[0], 401)
        self.assertEqual(self.webhook(raw + b" ", signature=signed(raw))[0], 401)
        _, contacts, _ = self.parley.request("GET", "/api/v1/contacts?q=880000000000000001", token=self.token)
        self.assertEqual(contacts["data"], [])

    def test_every_documented_fixture_is_accepted(self):
        for name, raw in json_fixtures(FIXTURES):
            status, body, _ = self.webhook(raw)
            self.assertEqual(status, 200, (name, body))

    def test_documented_examples_as_a_user_sees_them(self):
        """X's own example payloads (fixtures aaa_*, message_create_object_*, reference_*), with
        the subscribed account and the customer moved to ids of their own."""
        customer = "880000000000000020"

        def moved(name):
            return fixture(name).replace(CUSTOMER.encode(), customer.encode()).replace(b"3805104374", customer.encode())

        status, body, _ = self.webhook(moved("aaa_dm_message_create.json"))
        self.assertEqual((status, body["stored"]), (200, 1), body)
        status, body, _ = self.webhook(moved("message_create_object_quick_reply.json"))
        self.assertEqual((status, body["stored"]), (200, 1), body)
        contact, conversations = self.conversations_of(customer)
        self.assertEqual(contact["name"], "Jordan Brinks (@furiouscamper)")
        self.assertEqual(len(conversations), 1)
        messages = self.messages(conversations[0]["id"])
        self.assertEqual(sorted(m["text"] for m in messages), ["Blue Bird", "Hello World!"])
        quick = [m for m in messages if m["text"] == "Blue Bird"][0]
        self.assertEqual(quick["payload"]["quick_reply_metadata"], "external_id_2")
        # A quote of the account's post, a mention by a blocked user, the revoke user_event and the
        # read-receipt example without for_user_id: 200, nothing stored, no conversation opened.
        for name in ("quote_of_own_post.json", "aaa_mention_blocked_user.json", "aaa_user_event_revoke.json",
                     "reference_mark_read_no_for_user_id.json", "aaa_tweet_delete.json", "aaa_follow.json"):
            status, body, _ = self.webhook(moved(name))
            self.assertEqual((status, body["stored"]), (200, 0), (name, body))
        self.assertEqual(len(self.conversations_of(customer)[1]), 1)
        self.assertEqual(self.contacts("3001969358"), [])  # the blocked user

    # ---- direct messages ----

    def test_dm_in_reply_dm_out_duplicate_and_read(self):
        customer = "880000000000000002"
        raw = dm_event("710000000000000001", customer, "Where is my parcel?", name="Dana Doe")
        status, body, _ = self.webhook(raw)
        self.assertEqual((status, body["stored"]), (200, 1), body)
        self.assertEqual(self.webhook(raw)[1]["duplicates"], 1)  # X redelivers: stored once
        contact, conversations = self.conversations_of(customer)
        self.assertEqual(contact["name"], "Dana Doe (@user%s)" % customer)
        self.assertEqual(len(conversations), 1)
        conversation = conversations[0]
        self.assertFalse(conversation["public"])
        self.assertEqual([m["text"] for m in self.messages(conversation["id"])], ["Where is my parcel?"])

        before = len(self.x.dms)
        reply = self.reply(conversation["id"], text="It left our warehouse today.")
        wait_for(lambda: len(self.x.dms) > before)
        participant, sent, auth = self.x.dms[-1]
        self.assertEqual(participant, customer)
        self.assertEqual(sent, {"text": "It left our warehouse today."})
        self.assertTrue(auth.startswith("OAuth "), auth)  # signed with OAuth 1.0a (the fake checked it)
        self.assertNotIn(self.x.token, auth)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "sent")
        event_id = self.message(conversation["id"], reply["id"])["external_id"]
        self.assertTrue(event_id.isdigit())

        # The customer reads it; a late typing event changes nothing, statuses never go back.
        read = json.dumps({"for_user_id": BUSINESS, "direct_message_mark_read_events": [
            {"created_timestamp": str(int(time.time() * 1000) + 5000), "sender_id": customer,
             "target": {"recipient_id": BUSINESS}, "last_read_event_id": event_id}]}).encode()
        status, body, _ = self.webhook(read)
        self.assertEqual(status, 200, body)
        wait_for(lambda: self.message(conversation["id"], reply["id"])["delivery_status"] == "read")
        typing = json.dumps({"for_user_id": BUSINESS, "direct_message_indicate_typing_events": [
            {"created_timestamp": "1", "sender_id": customer, "target": {"recipient_id": BUSINESS}}]}).encode()
        self.assertEqual(self.webhook(typing)[0], 200)
        self.assertEqual(self.message(conversation["id"], reply["id"])["delivery_status"], "read")

    def test_own_dm_is_an_outgoing_echo(self):
        customer = "880000000000000003"
        self.webhook(dm_event("720000000000000001", customer, "Hi"))
        status, body, _ = self.webhook(dm_event("720000000000000002", BUSINESS, "Answered from the X app",
                                                recipient=customer))
        self.assertEqual((status, body["stored"]), (200, 1), body)
        contact, conversations = self.conversations_of(customer)
        self.assertEqual(len(conversations), 1)
        messages = self.messages(conversations[0]["id"])
        self.assertEqual([(m["direction"], m["text"]) for m in messages],
                         [("incoming", "Hi"), ("outgoing", "Answered from the X app")])

    def test_dm_media_is_fetched_byte_identical_with_the_token(self):
        customer = "880000000000000004"
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(3000) + b"\xff\xd9"
        self.x.files["box.jpg"] = (jpeg, "image/jpeg")
        media = {"id_str": "730000000000000009", "type": "photo", "media_url_https": self.x.media_url("box.jpg"),
                 "url": "https://t.co/abc"}
        self.assertEqual(self.webhook(dm_event("730000000000000001", customer, "see https://t.co/abc", media=media))[0], 200)
        _, conversations = self.conversations_of(customer)
        body, headers, message = self.downloaded_attachment(conversations[0]["id"])
        self.assertEqual(body, jpeg)
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertEqual((message["kind"], message["text"]), ("image", "see"))
        # Signed with OAuth 1.0a in the account's user context (the fake checks the signature).
        self.assertTrue(self.x.media_auth and all(a.startswith("OAuth ") for a in self.x.media_auth), self.x.media_auth)
        self.assertNotIn(self.x.token, " ".join(self.x.media_auth))

    def test_429_is_retried_and_403_fails_with_xs_detail(self):
        customer = "880000000000000005"
        self.webhook(dm_event("740000000000000001", customer, "hello"))
        _, conversations = self.conversations_of(customer)
        cid = conversations[0]["id"]
        self.x.errors.append((429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                                    "status": 429},
                              {"x-rate-limit-limit": "200", "x-rate-limit-remaining": "0",
                               "x-rate-limit-reset": str(int(time.time()) + 1)}))
        before = len(self.x.dms)
        retried = self.reply(cid, text="after the limit")
        wait_for(lambda: len(self.x.dms) >= before + 2, timeout=30)
        wait_for(lambda: self.message(cid, retried["id"])["delivery_status"] == "sent", timeout=30)

        self.x.errors.append((403, {"detail": "You cannot send messages to users who are not following you.",
                                    "type": "https://api.twitter.com/2/problems/dm-permission",
                                    "title": "Forbidden", "status": 403}, {}))
        refused = self.reply(cid, text="this one is refused")
        wait_for(lambda: self.message(cid, refused["id"])["delivery_status"] == "failed", timeout=30)
        self.assertIn("You cannot send messages to users who are not following you.",
                      self.message(cid, refused["id"])["delivery_error"])

    # ---- files: uploaded to X's media endpoints, then named by the DM or the post ----

    def steps(self, since):
        return [step for step, _, _ in self.x.upload_calls[since:]]

    def test_an_image_in_a_dm_reaches_x_byte_identical_and_the_dm_names_it(self):
        customer = "880000000000000201"
        self.webhook(dm_event("760000000000000001", customer, "Can you show me the label?"))
        _, conversations = self.conversations_of(customer)
        cid = conversations[0]["id"]
        image = png(seed=b"label")
        calls, dms = len(self.x.upload_calls), len(self.x.dms)
        reply = self.reply(cid, text="Here it is.", attachment_ids=[self.uploaded_file("label.png", image, "image/png")])
        wait_for(lambda: self.message(cid, reply["id"])["delivery_status"] == "sent")
        self.assertEqual(self.steps(calls), ["initialize", "append", "finalize"])
        media_id = self.x.upload_calls[-1][1]
        upload = self.x.uploads[media_id]
        self.assertEqual((upload["media_type"], upload["media_category"], upload["total_bytes"]),
                         ("image/png", "dm_image", len(image)))
        self.assertEqual(self.x.uploaded(media_id), image)
        # Every upload call signed with OAuth 1.0a in the account's user context (the fake checked).
        self.assertTrue(all(auth.startswith("OAuth ") for _, _, auth in self.x.upload_calls[calls:]))
        self.assertEqual(len(self.x.dms), dms + 1)
        participant, sent, _ = self.x.dms[-1]
        self.assertEqual((participant, sent), (customer, {"text": "Here it is.",
                                                          "attachments": [{"media_id": media_id}]}))
        # A file alone: the DM carries only the attachment (X's text is optional then).
        alone = self.reply(cid, text="", attachment_ids=[self.uploaded_file("label2.png", png(seed=b"2"), "image/png")])
        wait_for(lambda: self.message(cid, alone["id"])["delivery_status"] == "sent")
        self.assertEqual(list(self.x.dms[-1][1]), ["attachments"])

    def public_thread(self, customer, mention, text):
        """The public conversation a customer's mention opens."""
        self.webhook(tweet_event(mention, customer, text))
        _, conversations = self.conversations_of(customer)
        self.assertTrue(conversations[0]["public"])
        return conversations[0]

    def test_a_public_reply_with_a_gif_waits_for_xs_processing_and_posts_once(self):
        customer = "880000000000000202"
        mention = "9007199254740996001"
        thread = self.public_thread(customer, mention, "@XDevelopers does it work?")
        # Over one 4 MB segment: sent in two APPENDs, in order.
        gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + os.urandom(5 * 1024 * 1024)
        attachment = self.uploaded_file("demo.gif", gif, "image/gif")
        self.x.processing_polls = 2  # X answers the finalize with processing_info, done after two STATUS calls
        calls, tweets = len(self.x.upload_calls), len(self.x.tweets)
        try:
            reply = self.reply(thread["id"], text="@user%s Like this:" % customer, attachment_ids=[attachment])
            wait_for(lambda: self.message(thread["id"], reply["id"])["delivery_status"] == "sent", timeout=40)
        finally:
            self.x.processing_polls = 0
        self.assertEqual(self.steps(calls), ["initialize", "append", "append", "finalize", "status", "status"])
        media_id = self.x.upload_calls[calls + 1][1]
        self.assertEqual(self.x.uploads[media_id]["media_category"], "tweet_gif")
        self.assertEqual(self.x.uploaded(media_id), gif)
        self.assertEqual(len(self.x.tweets), tweets + 1)
        self.assertEqual(self.x.tweets[-1][0], {"text": "@user%s Like this:" % customer,
                                                "reply": {"in_reply_to_tweet_id": mention},
                                                "media": {"media_ids": [media_id]}})

    def photos(self, count, prefix):
        """`count` distinct PNGs uploaded as attachments: their ids and bytes, in order."""
        raws = [png(seed=(prefix + str(i)).encode()) for i in range(count)]
        return [self.uploaded_file("%s-%d.png" % (prefix, i), raw, "image/png") for i, raw in enumerate(raws)], raws

    def posted(self, thread_id, message_ids, tweets_before):
        """Waits until every message is sent; the posts X took since `tweets_before`, checked to
        be one per message, in order, each message holding its post's id."""
        wait_for(lambda: all(self.message(thread_id, i)["delivery_status"] == "sent" for i in message_ids), timeout=30)
        posts = [body for body, _ in self.x.tweets[tweets_before:]]
        self.assertEqual(len(posts), len(message_ids), posts)
        self.assertEqual([self.message(thread_id, i)["external_id"] for i in message_ids],
                         self.x.post_ids[tweets_before:])
        return posts

    def public_reply(self, customer, mention, text, files):
        """The agent answers a customer's new mention with `text` and `files`: the thread, how
        many posts X had before, and the answer of the reply API."""
        thread = self.public_thread(customer, mention, "@XDevelopers please show me")
        tweets = len(self.x.tweets)
        return thread, tweets, self.reply(thread["id"], text=text, attachment_ids=files)

    def assert_uploaded_as(self, media_ids, raws, category):
        self.assertEqual([self.x.uploaded(i) for i in media_ids], raws)  # byte-identical, in the reply's order
        self.assertEqual({self.x.uploads[i]["media_category"] for i in media_ids}, {category})

    def test_a_public_reply_with_three_photos_is_one_post_carrying_all_three(self):
        customer, mention = "880000000000000205", "9007199254740996005"
        files, raws = self.photos(3, "damage")
        thread, tweets, reply = self.public_reply(customer, mention, "@user%s We see it, sorry!" % customer, files)
        self.assertEqual(reply["attachment_ids"], files)  # one message holds all three
        self.assertNotIn("further_messages", reply)
        (post,) = self.posted(thread["id"], [reply["id"]], tweets)
        media_ids = post["media"]["media_ids"]
        self.assertEqual(post, {"text": "@user%s We see it, sorry!" % customer, "reply": {"in_reply_to_tweet_id": mention},
                                "media": {"media_ids": media_ids}})
        self.assertEqual(len(media_ids), 3)
        self.assert_uploaded_as(media_ids, raws, "tweet_image")
        self.assertEqual(len(self.message(thread["id"], reply["id"])["attachment_ids"]), 3)

    def test_five_photos_go_as_a_post_of_four_then_a_post_of_one(self):
        customer, mention = "880000000000000206", "9007199254740996006"
        files, raws = self.photos(5, "colour")
        thread, tweets, reply = self.public_reply(customer, mention, "@user%s All five:" % customer, files)
        self.assertEqual(reply["attachment_ids"], files[:4])
        further = reply["further_messages"]
        self.assertEqual([(m["attachment_ids"], m["text"]) for m in further], [(files[4:], "")])
        first, second = self.posted(thread["id"], [reply["id"], further[0]["id"]], tweets)
        self.assertEqual(first["text"], "@user%s All five:" % customer)
        self.assertEqual(len(first["media"]["media_ids"]), 4)
        self.assertEqual(second, {"reply": {"in_reply_to_tweet_id": mention}, "media": second["media"]})  # no text
        self.assertEqual(len(second["media"]["media_ids"]), 1)
        self.assert_uploaded_as(first["media"]["media_ids"] + second["media"]["media_ids"], raws, "tweet_image")

    def test_a_photo_and_a_gif_go_as_two_posts(self):
        customer = "880000000000000207"
        photo = png(seed=b"step-1")
        gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + os.urandom(2000)
        files = [self.uploaded_file("step1.png", photo, "image/png"), self.uploaded_file("steps.gif", gif, "image/gif")]
        thread, tweets, reply = self.public_reply(customer, "9007199254740996007", "@user%s Like this" % customer, files)
        self.assertEqual(reply["attachment_ids"], files[:1])
        self.assertEqual([m["attachment_ids"] for m in reply["further_messages"]], [files[1:]])
        first, second = self.posted(thread["id"], [reply["id"], reply["further_messages"][0]["id"]], tweets)
        self.assertEqual(first["text"], "@user%s Like this" % customer)
        self.assert_uploaded_as(first["media"]["media_ids"], [photo], "tweet_image")
        self.assertNotIn("text", second)
        self.assert_uploaded_as(second["media"]["media_ids"], [gif], "tweet_gif")

    def test_a_dm_reply_with_two_photos_goes_as_two_dms(self):
        customer = "880000000000000208"
        self.webhook(dm_event("760000000000000008", customer, "Photos of both sides please"))
        _, conversations = self.conversations_of(customer)
        cid = conversations[0]["id"]
        files, raws = self.photos(2, "side")
        dms = len(self.x.dms)
        reply = self.reply(cid, text="Front and back", attachment_ids=files)
        self.assertEqual(reply["attachment_ids"], files[:1])
        further = reply["further_messages"]
        self.assertEqual([(m["attachment_ids"], m["text"]) for m in further], [(files[1:], "")])
        ids = [reply["id"], further[0]["id"]]
        wait_for(lambda: all(self.message(cid, i)["delivery_status"] == "sent" for i in ids), timeout=30)
        sent = [body for participant, body, _ in self.x.dms[dms:]]
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[0]["text"], "Front and back")
        self.assertEqual(list(sent[1]), ["attachments"])
        media_ids = [body["attachments"][0]["media_id"] for body in sent]
        self.assertEqual([len(body["attachments"]) for body in sent], [1, 1])
        self.assert_uploaded_as(media_ids, raws, "dm_image")

    def test_a_file_x_does_not_take_is_refused_naming_it_and_nothing_is_sent(self):
        customer = "880000000000000203"
        self.webhook(dm_event("760000000000000003", customer, "Send me the invoice"))
        _, conversations = self.conversations_of(customer)
        cid = conversations[0]["id"]
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        cases = [("invoice.pdf", pdf, "application/pdf", ['"invoice.pdf" (application/pdf, 45 bytes) cannot be sent on X',
                                                         "images as JPEG, PNG or WebP (up to 5 MB)"]),
                 ("scan.jpg", jpeg(5 * 1024 * 1024), "image/jpeg",
                  ['"scan.jpg" (image/jpeg, 5.1 MB) is too large for X', "images (JPEG, PNG, WebP) up to 5 MB"])]
        for filename, raw, content_type, expected in cases:
            self.assert_file_refused(cid, filename, raw, content_type, expected,
                                     lambda: (len(self.x.upload_calls), len(self.x.dms)))

    def test_an_upload_429_is_retried_and_a_failed_send_reuses_the_upload_sending_once(self):
        customer = "880000000000000204"
        self.webhook(dm_event("760000000000000004", customer, "Photo please"))
        _, conversations = self.conversations_of(customer)
        cid = conversations[0]["id"]
        self.x.upload_errors.append((429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                           "type": "about:blank", "status": 429},
                                     {"x-rate-limit-limit": "500", "x-rate-limit-remaining": "0",
                                      "x-rate-limit-reset": str(int(time.time()) + 1)}))
        calls, dms = len(self.x.upload_calls), len(self.x.dms)
        reply = self.reply(cid, text="Photo attached", attachment_ids=[self.uploaded_file("p.png", png(seed=b"p"), "image/png")])
        wait_for(lambda: self.message(cid, reply["id"])["delivery_status"] == "sent", timeout=30)
        self.assertEqual(self.steps(calls), ["initialize", "initialize", "append", "finalize"])
        self.assertEqual(len(self.x.dms), dms + 1)  # the DM went once, after the upload
        # X takes the upload but the DM answers 503: the retry sends the DM once more with the
        # same media id, without uploading again.
        self.x.errors.append((503, {"title": "Service Unavailable", "detail": "Service Unavailable",
                                    "type": "about:blank", "status": 503}, {"Retry-After": "1"}))
        calls, dms = len(self.x.upload_calls), len(self.x.dms)
        again = self.reply(cid, text="Second photo", attachment_ids=[self.uploaded_file("q.png", png(seed=b"q"), "image/png")])
        wait_for(lambda: self.message(cid, again["id"])["delivery_status"] == "sent", timeout=30)
        self.assertEqual(self.steps(calls), ["initialize", "append", "finalize"])
        attempts = self.x.dms[dms:]
        self.assertEqual(len(attempts), 2)  # the refused one and the one X took
        self.assertEqual(attempts[0][1], attempts[1][1])

    def test_the_fake_refuses_what_x_refuses(self):
        """tests/e2e/fake_x.py holds Parley to X's upload rules: segments in order, every byte
        before the finalize, the documented types, and media ids it issued, done, for that use."""
        x = FakeX()
        self.addCleanup(x.close)

        def call(method, path, body=b"", content_type="application/json"):
            request = urllib.request.Request(x.api_base_url + path, data=body if method == "POST" else None, method=method,
                                             headers={"Authorization": "Bearer " + x.token, "Content-Type": content_type})
            try:
                with urllib.request.urlopen(request) as answer:
                    return answer.status, json.loads(answer.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())

        def append(media_id, index, data):
            boundary = "b0undary"
            body = ("--%s\r\nContent-Disposition: form-data; name=\"segment_index\"\r\n\r\n%d\r\n--%s\r\n"
                    "Content-Disposition: form-data; name=\"media\"; filename=\"blob\"\r\n\r\n" %
                    (boundary, index, boundary)).encode() + data + ("\r\n--%s--\r\n" % boundary).encode()
            return call("POST", "/2/media/upload/%s/append" % media_id, body, "multipart/form-data; boundary=" + boundary)[0]

        def init(**fields):
            return call("POST", "/2/media/upload/initialize", json.dumps(fields).encode())

        self.assertEqual(init(media_type="application/pdf", total_bytes=4, media_category="dm_image")[0], 400)
        self.assertEqual(init(media_type="image/png", total_bytes=0, media_category="dm_image")[0], 400)
        self.assertEqual(init(media_type="image/png", total_bytes=4, media_category="dm_sticker")[0], 400)
        status, started = init(media_type="image/png", total_bytes=4, media_category="dm_image")
        self.assertEqual(status, 200)
        media_id = started["data"]["id"]
        self.assertEqual(append(media_id, 1, b"ab"), 400)  # out of order
        self.assertEqual(append(media_id, 0, b"ab"), 200)
        self.assertEqual(call("POST", "/2/media/upload/%s/finalize" % media_id)[0], 400)  # bytes missing
        self.assertEqual(append(media_id, 1, b"cde"), 400)  # beyond total_bytes
        self.assertEqual(append(media_id, 1, b"cd"), 200)
        self.assertEqual(call("POST", "/2/media/upload/%s/finalize" % media_id)[0], 200)
        dm = "/2/dm_conversations/with/%s/messages" % CUSTOMER
        self.assertEqual(call("POST", dm, json.dumps({"attachments": [{"media_id": "1"}]}).encode())[0], 400)
        self.assertEqual(call("POST", "/2/tweets", json.dumps({"media": {"media_ids": [media_id]}}).encode())[0], 400)
        self.assertEqual(call("POST", dm, json.dumps({"attachments": [{"media_id": media_id}]}).encode())[0], 201)
        # Without a category the upload is a post's, as X's best practices say: no DM takes it.
        status, started = init(media_type="image/png", total_bytes=2)
        media_id = started["data"]["id"]
        self.assertEqual(append(media_id, 0, b"ab"), 200)
        self.assertEqual(call("POST", "/2/media/upload/%s/finalize" % media_id)[0], 200)
        self.assertEqual(x.uploads[media_id]["media_category"], "tweet_image")
        self.assertEqual(call("POST", dm, json.dumps({"attachments": [{"media_id": media_id}]}).encode())[0], 400)

        # A post takes 1 to 4 photos, or one GIF or video alone; a DM one attachment.
        def finished(media_type, category):
            _, started = init(media_type=media_type, total_bytes=2, media_category=category)
            append(started["data"]["id"], 0, b"ab")
            self.assertEqual(call("POST", "/2/media/upload/%s/finalize" % started["data"]["id"])[0], 200)
            return started["data"]["id"]

        photos = [media_id] + [finished("image/png", "tweet_image") for _ in range(4)]
        gif = finished("image/gif", "tweet_gif")

        def post(media_ids):
            return call("POST", "/2/tweets", json.dumps({"text": "t", "media": {"media_ids": media_ids}}).encode())

        status, refused = post(photos)
        self.assertEqual((status, refused["title"]), (400, "Invalid Request"))
        self.assertEqual(refused["errors"][0]["parameters"], {"media.media_ids": photos})
        self.assertEqual(post([])[0], 400)
        self.assertEqual(post([int(photos[0])])[0], 400)  # ids are strings
        status, refused = post([photos[0], gif])
        self.assertEqual((status, refused["errors"][0]["message"]), (400, "Your media IDs are invalid."))
        self.assertEqual(post([gif])[0], 201)
        self.assertEqual(post(photos[:4])[0], 201)
        self.assertEqual(x.tweets[-1][0]["media"]["media_ids"], photos[:4])
        two = [{"media_id": finished("image/png", "dm_image")}, {"media_id": finished("image/png", "dm_image")}]
        self.assertEqual(call("POST", dm, json.dumps({"attachments": two}).encode())[0], 400)

    # ---- mentions ----

    def test_mention_opens_a_public_thread_answered_by_a_reply_post(self):
        customer = "880000000000000006"
        first = "9007199254740993101"  # beyond 2^53: kept as a string
        status, body, _ = self.webhook(tweet_event(first, customer, "@XDevelopers my order never arrived"))
        self.assertEqual((status, body["stored"]), (200, 1), body)
        _, conversations = self.conversations_of(customer)
        self.assertEqual(len(conversations), 1)
        thread = conversations[0]
        self.assertTrue(thread["public"])
        self.assertEqual(self.messages(thread["id"])[0]["external_id"], first)

        before = len(self.x.tweets)
        answer = self.reply(thread["id"], text="@user%s Sorry! Which order number?" % customer)
        wait_for(lambda: len(self.x.tweets) > before)
        sent, auth = self.x.tweets[-1]
        self.assertEqual(sent, {"text": "@user%s Sorry! Which order number?" % customer,
                                "reply": {"in_reply_to_tweet_id": first}})
        self.assertTrue(auth.startswith("OAuth "), auth)
        wait_for(lambda: self.message(thread["id"], answer["id"])["external_id"])  # null until X accepted it
        our_post = self.message(thread["id"], answer["id"])["external_id"]

        # The customer answers our post: same thread, and our next reply answers that post.
        second = "9007199254740993102"
        self.webhook(tweet_event(second, customer, "@XDevelopers #1234", in_reply_to=our_post))
        _, conversations = self.conversations_of(customer)
        self.assertEqual(len(conversations), 1)
        self.assertEqual([m["external_id"] for m in self.messages(thread["id"]) if m["direction"] == "incoming"],
                         [first, second])
        self.reply(thread["id"], text="Thanks, checking.")
        wait_for(lambda: len(self.x.tweets) > before + 1)
        self.assertEqual(self.x.tweets[-1][0]["reply"], {"in_reply_to_tweet_id": second})

        # Too long for a post: refused at once with the reason, nothing cut.
        status, body, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % thread["id"],
                                              {"text": "x" * 281}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("280", json.dumps(body))

        # The agent moves the customer to a DM: direct: true.
        dms = len(self.x.dms)
        self.reply(thread["id"], text="Let us continue in private: long details follow. " + "x" * 300, direct=True)
        wait_for(lambda: len(self.x.dms) > dms)
        self.assertEqual(self.x.dms[-1][0], customer)

        # A DM from the same person is a private conversation, never joined to the public one.
        self.webhook(dm_event("750000000000000001", customer, "here are the details"))
        _, conversations = self.conversations_of(customer)
        self.assertEqual(sorted(c["public"] for c in conversations), [False, True])

    def test_a_post_the_customer_deleted_is_taken_back_but_never_our_reply(self):
        """X's developer policy: "when someone on X deletes a Post ... honor that person's
        expectations" (Compliance: "Delete associated Post"). tweet_delete_events takes the
        customer's stored post back, as an Instagram unsend; the account's own deletes and a
        delete by anyone but the author change nothing."""
        customer = "880000000000000031"
        mention = "9007199254740997001"
        thread = self.public_thread(customer, mention, "@XDevelopers my address is Gartenweg 12 kraxelhuber")
        status, found, _ = self.parley.request("GET", "/api/v1/search?q=kraxelhuber", token=self.token)
        self.assertEqual(len(found["data"]), 1, found)
        before = len(self.x.tweets)
        answer = self.reply(thread["id"], text="@user%s Thanks, noted." % customer)
        wait_for(lambda: len(self.x.tweets) > before)
        our_post = wait_for(lambda: self.message(thread["id"], answer["id"])["external_id"])

        def delete(tweet_id, user_id, business=BUSINESS):
            return json.dumps({"for_user_id": business, "tweet_delete_events": [
                {"status": {"id": tweet_id, "user_id": user_id}, "timestamp_ms": str(int(time.time() * 1000))}]}).encode()

        # Someone else "deleting" the customer's post, the account deleting its own reply, and a
        # post Parley never stored: 200, nothing changes.
        for raw in (delete(mention, "880000000000000032"), delete(our_post, BUSINESS), delete("9007199254740997999", customer)):
            status, body, _ = self.webhook(raw)
            self.assertEqual((status, body["deleted"], body["ignored"]), (200, 0, 1), body)
        self.assertEqual(self.message(thread["id"], answer["id"])["text"], "@user%s Thanks, noted." % customer)
        self.assertIn("kraxelhuber", [m for m in self.messages(thread["id"]) if m["external_id"] == mention][0]["text"])

        status, body, _ = self.webhook(delete(mention, customer))
        self.assertEqual((status, body["deleted"]), (200, 1), body)
        taken_back = [m for m in self.messages(thread["id"]) if m["external_id"] == mention][0]
        self.assertEqual(taken_back["text"], "")
        self.assertIn("unsent_at", taken_back["payload"])
        status, found, _ = self.parley.request("GET", "/api/v1/search?q=kraxelhuber", token=self.token)
        self.assertEqual(found["data"], [])
        self.assertEqual(self.message(thread["id"], answer["id"])["text"], "@user%s Thanks, noted." % customer)
        # X redelivers: still 200.
        self.assertEqual(self.webhook(delete(mention, customer))[0], 200)

    def test_public_replies_count_as_x_counts_and_the_timeline_says_which_way_each_went(self):
        customer = "880000000000000008"
        mention = "9007199254740995001"
        thread = self.public_thread(customer, mention, "@XDevelopers where is my parcel?")
        url = "/api/v1/conversations/%d/messages" % thread["id"]
        link = "https://example.com/track/" + "a" * 200  # counts 23, as every link on X
        # 256 + 1 + 23 = 280: a post, answering the mention.
        before = len(self.x.tweets)
        public = self.reply(thread["id"], text="x" * 256 + " " + link)
        wait_for(lambda: len(self.x.tweets) > before)
        self.assertEqual(self.x.tweets[-1][0]["text"], "x" * 256 + " " + link)
        self.assertEqual(self.x.tweets[-1][0]["reply"], {"in_reply_to_tweet_id": mention})
        # 257 + 1 + 23 = 281: refused with X's count, nothing stored, nothing sent.
        count = len(self.messages(thread["id"]))
        status, body, _ = self.parley.request("POST", url, {"text": "x" * 257 + " " + link}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("counts 281", body["error"]["message"])
        # An emoji counts two: 139 of them and two letters are 280, one more letter is 281.
        status, body, _ = self.parley.request("POST", url, {"text": "\U0001F600" * 139 + "abc"}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertEqual(len(self.messages(thread["id"])), count)
        # A direct message may be long (10 000 characters), and goes to the DM endpoint.
        dms, tweets = len(self.x.dms), len(self.x.tweets)
        direct = self.reply(thread["id"], text="y" * 10000, direct=True)
        wait_for(lambda: len(self.x.dms) > dms)
        self.assertEqual(self.x.dms[-1][0], customer)
        self.assertEqual(len(self.x.tweets), tweets)
        status, body, _ = self.parley.request("POST", url, {"text": "y" * 10001, "direct": True}, token=self.token)
        self.assertEqual(status, 400, body)
        # The timeline tells the two apart by the reply's payload.
        by_id = {m["id"]: m for m in self.messages(thread["id"])}
        self.assertTrue(by_id[direct["id"]]["payload"].get("direct"))
        self.assertFalse(by_id[public["id"]]["payload"].get("direct", False))
        # Buttons are Telegram's: an X reply with buttons is refused, saying so.
        status, body, _ = self.parley.request("POST", url, {"text": "Choose", "buttons": [[{"text": "A", "callback_data": "a"}]]},
                                              token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("only Telegram and WhatsApp inboxes", body["error"]["message"])

    def test_a_new_mention_opens_a_new_thread(self):
        customer = "880000000000000007"
        self.webhook(tweet_event("9007199254740994001", customer, "@XDevelopers one"))
        self.webhook(tweet_event("9007199254740994002", customer, "@XDevelopers another topic"))
        _, conversations = self.conversations_of(customer)
        self.assertEqual(len(conversations), 2)
        self.assertTrue(all(c["public"] for c in conversations))

    # ---- OAuth 2.0 inboxes: the access token is refreshed, the rotated refresh token kept ----

    def oauth2_inbox(self, business, client_secret=None):
        """A second X account of the same app connected with OAuth 2.0 only, on a fake of its own
        whose access tokens expire; the inbox and the fake."""
        x = FakeX(token="oauth2-token-0", consumer_secret=SECRET)
        x.refresh_token = "test-refresh-token-1"
        x.client_secret = client_secret
        config = {"user_id": business, "consumer_secret": SECRET, "access_token": x.token,
                  "refresh_token": x.refresh_token, "client_id": x.client_id, "api_base_url": x.api_base_url}
        if client_secret:
            config["client_secret"] = client_secret
        self.addCleanup(x.close)
        return self.add_inbox("X OAuth 2.0 " + business, "x", config), x

    def dm_conversation(self, business, customer, inbox):
        status, body, _ = self.webhook(dm_event(str(int(customer) + 1), customer, "Any news?", business=business))
        self.assertEqual((status, body["stored"]), (200, 1), body)
        return self.conversation_of(customer, inbox["id"])[1]["id"]

    def test_an_expired_access_token_is_refreshed_once_and_the_new_refresh_token_kept(self):
        business, customer = "2244994001", "880000000000000101"
        inbox, x = self.oauth2_inbox(business, client_secret="test-client-secret")  # confidential: Basic
        cid = self.dm_conversation(business, customer, inbox)
        x.expire_token()  # two hours have passed
        x.token_lifetime = 30  # what X issues now lives 30 s: inside Parley's one-minute margin
        first = self.reply(cid, text="It left our warehouse today.")
        wait_for(lambda: self.message(cid, first["id"])["delivery_status"] == "sent")
        self.assertEqual(len(x.refreshes), 1)
        form, auth = x.refreshes[0]
        self.assertEqual(form, {"grant_type": "refresh_token", "refresh_token": "test-refresh-token-1"})
        self.assertTrue(auth.startswith("Basic "), auth)
        self.assertEqual([(p, sent, a) for p, sent, a in x.dms],
                         [(customer, {"text": "It left our warehouse today."}, "Bearer test-user-token-1")])
        # Parley stored what X gave (sealed, never shown): the next send finds its token expiring
        # and refreshes first, with the NEW refresh token; the used one would be refused.
        _, stored, _ = self.parley.request("GET", "/api/v1/inboxes/%d" % inbox["id"], token=self.token)
        self.assertEqual(stored["config"]["refresh_token"], "********")
        self.assertEqual(stored["config"]["access_token"], "********")
        self.assertNotIn("test-refresh-token", json.dumps(stored))
        self.assertGreater(stored["config"]["oauth2_expires_at"], time.time())
        second = self.reply(cid, text="Delivery is due tomorrow.")
        wait_for(lambda: self.message(cid, second["id"])["delivery_status"] == "sent")
        self.assertEqual([f["refresh_token"] for f, _ in x.refreshes], ["test-refresh-token-1", "test-refresh-token-2"])
        self.assertEqual(x.dms[-1][2], "Bearer test-user-token-2")
        self.assertEqual(len(x.dms), 2)  # no send was refused on the way

    def test_a_refused_refresh_fails_the_reply_with_the_reason(self):
        business, customer = "2244994002", "880000000000000102"
        inbox, x = self.oauth2_inbox(business)  # a public client: client_id in the body
        cid = self.dm_conversation(business, customer, inbox)
        x.expire_token()
        x.refresh_token = "spent-elsewhere"  # the stored one was used by someone else
        reply = self.reply(cid, text="Sorry for the wait.")
        wait_for(lambda: self.message(cid, reply["id"])["delivery_status"] == "failed")
        error = self.message(cid, reply["id"])["delivery_error"]
        self.assertIn("X refused the refresh token: re-authorise the inbox", error)
        self.assertEqual(x.refreshes[0][0]["client_id"], x.client_id)
        time.sleep(1.5)  # not retried: one refresh, no send
        self.assertEqual(len(x.refreshes), 1)
        self.assertEqual(x.dms, [])


if __name__ == "__main__":
    unittest.main()
