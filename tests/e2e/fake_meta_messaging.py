"""A local fake of the parts of Meta's Graph API that the Messenger and Instagram channels use, as
documented: POST /{version}/{page_id or ig_id}/messages (Send API) and
POST /{version}/{page_id or me}/message_attachments (Attachment Upload API, multipart; Instagram's
to the linked Page with platform=instagram and an ASCII file name), with a
bearer token; GET /{version}/{PSID or IGSID}?fields=... (the User Profile APIs of Messenger:
first_name, last_name, profile_pic; and Instagram: name, username, profile_pic), with the same
token; plus a CDN that serves inbound attachment URLs without a token. A send must name its
messaging_type (RESPONSE, UPDATE or MESSAGE_TAG with a documented tag), a recipient id and a
message of text or one attachment, else error 100, as the Send API answers. A recipient is a
PSID/IGSID (`id`) or, for a private reply, a comment or visitor post (`comment_id` / `post_id`: one
private reply each, error 10900 after). POST /{version}/{comment-id}/comments answers a comment in its thread (Graph API
comments edge: `message` and/or a photo as the multipart field `source`) and POST
/{version}/{ig-comment-id}/replies (Instagram, `message`) with {"id": ...}."""
import email
import http.server
import json
import re
import threading
import time
import urllib.parse

from harness import SendHold


# Send API reference: messaging_type is RESPONSE, UPDATE or MESSAGE_TAG; a MESSAGE_TAG send names
# one of the documented tags (send-messages/message-tags).
MESSAGE_TAGS = {"ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "CUSTOMER_FEEDBACK", "HUMAN_AGENT", "POST_PURCHASE_UPDATE"}


def send_problem(sent):
    """What the Send API refuses in this request body (its error text), or None."""
    kind = sent.get("messaging_type")
    if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
        return "param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}"
    if kind == "MESSAGE_TAG" and sent.get("tag") not in MESSAGE_TAGS:
        return "param tag must be a supported message tag"
    if kind != "MESSAGE_TAG" and "tag" in sent:
        return "param tag is only allowed with messaging_type MESSAGE_TAG"
    recipient = sent.get("recipient")
    if not isinstance(recipient, dict) or len([k for k in ("id", "comment_id", "post_id") if recipient.get(k)]) != 1:
        return "param recipient must be non-empty"
    message = sent.get("message")
    if not isinstance(message, dict) or ("text" in message) == ("attachment" in message):
        return "param message must have either text or attachment"
    return None


class FakeMetaMessaging(SendHold):
    def __init__(self, token="test-page-token", version="v23.0"):
        SendHold.__init__(self)
        self.token, self.version = token, version
        self.sent = []          # (account id, json body)
        self.uploads = []       # (account id, raw multipart body, content type header)
        self.files = {}         # path under /cdn/ -> (bytes, mime type)
        self.send_errors = []   # (status, body, headers) to answer sends with first
        self.next_mids = []
        self.profiles = {}         # customer id -> profile object (only the asked fields are answered)
        self.profile_requests = []  # (customer id, fields)
        self.profile_errors = {}    # customer id -> [(status, body)] answered first, one per request
        self.profile_delay = 0.0    # seconds each profile answer takes
        self.instagram_accounts = set()  # account ids whose uploads must say platform=instagram
        # callable(account id, sent body, message id), run before a send is answered: a test posts
        # the echo webhook from it, as Meta may deliver the echo before the Send API's answer.
        self.before_answer = None
        self.comments = []          # (comment id answered, {"message": ..., "source": (filename, type, bytes)})
        self.private_replies = {}   # comment id -> the PSID its private reply went to
        self.comment_psids = {}     # comment id -> the author's PSID the Send API answers (else a made-up one)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, status, body, content_type="application/json", headers=None):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Authorization") != "Bearer " + outer.token:
                    return self.reply(401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                                      "code": 190, "fbtrace_id": "fake"}})
                c = re.fullmatch(r"/%s/([\d_]+)/(?:comments|replies)" % outer.version, self.path)
                if c:
                    return self.comment(c.group(1), body)
                m = re.fullmatch(r"/%s/(\d+|me)/(messages|message_attachments)" % outer.version, self.path)
                if not m:
                    return self.reply(400, {"error": {"message": "Unknown path components: " + self.path,
                                                      "type": "OAuthException", "code": 2500, "fbtrace_id": "AbCdEfGh"}})
                if m.group(2) == "message_attachments":
                    outer.uploads.append((m.group(1), body, self.headers.get("Content-Type", "")))
                    # Instagram's upload goes to the linked Page (`me` for a Page token) and names its
                    # platform; "Media file names containing non-ASCII characters ... are not
                    # supported" (instagram-messaging/features/attachment-upload).
                    instagram = b'name="platform"' in body
                    if m.group(1) in outer.instagram_accounts:
                        return self.reply(400, {"error": {"message": "(#100) Unsupported post request: use the Page ID "
                                                                     "for the Facebook Page linked to the Instagram account",
                                                          "type": "GraphMethodException", "code": 100,
                                                          "fbtrace_id": "AbCdEfGh"}})
                    filename = re.search(rb'name="filedata"; filename="([^"]*)"', body)
                    if instagram and filename and any(b >= 0x80 for b in filename.group(1)):
                        return self.reply(400, {"error": {"message": "(#100) Media file names containing non-ASCII "
                                                                     "characters are not supported",
                                                          "type": "OAuthException", "code": 100,
                                                          "fbtrace_id": "AbCdEfGh"}})
                    return self.reply(200, {"attachment_id": "90000%d" % len(outer.uploads)})
                sent = json.loads(body)
                outer.sent.append((m.group(1), sent))
                outer.held_here()  # hold_next(): got it; the answer waits until released
                refused = send_problem(sent)
                if refused:
                    return self.reply(400, {"error": {"message": "(#100) " + refused, "type": "OAuthException",
                                                      "code": 100, "fbtrace_id": "AbCdEfGh"}})
                if outer.send_errors:
                    status, error, headers = outer.send_errors.pop(0)
                    if outer.before_answer:  # sent after all, but the answer says otherwise (or never comes)
                        outer.before_answer(m.group(1), sent, "m_fake%d" % len(outer.sent))
                    return self.reply(status, error, headers=headers)
                recipient = sent["recipient"].get("id")
                comment = sent["recipient"].get("comment_id") or sent["recipient"].get("post_id")
                if comment:
                    # Private Replies: one message per comment; the answer names the author's PSID.
                    if comment in outer.private_replies:
                        return self.reply(400, {"error": {"message": "(#10900) Activity already replied to",
                                                          "type": "OAuthException", "code": 10900, "fbtrace_id": "AbCdEfGh"}})
                    recipient = outer.comment_psids.get(comment, "71000000000%05d" % len(outer.sent))
                    outer.private_replies[comment] = recipient
                mid = outer.next_mids.pop(0) if outer.next_mids else "m_fake%d" % len(outer.sent)
                if outer.before_answer:
                    outer.before_answer(m.group(1), sent, mid)
                self.reply(200, {"recipient_id": recipient, "message_id": mid})

            def comment(self, comment_id, body):
                """The comments edge: a JSON, form or multipart body with message and/or source."""
                content_type = self.headers.get("Content-Type", "")
                fields = {}
                if content_type.startswith("multipart/form-data"):
                    parsed = email.message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
                    for part in parsed.get_payload() if parsed.is_multipart() else []:
                        name = part.get_param("name", header="content-disposition")
                        data = part.get_payload(decode=True)
                        if name == "source":
                            fields["source"] = (part.get_filename(), part.get_content_type(), data)
                        elif name:
                            fields[name] = data.decode()
                elif content_type.startswith("application/json"):
                    fields = json.loads(body or b"{}")
                else:
                    fields = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
                if not fields.get("message") and "source" not in fields and not fields.get("attachment_url"):
                    return self.reply(400, {"error": {"message": "(#100) A comment needs a message or an attachment",
                                                      "type": "OAuthException", "code": 100, "fbtrace_id": "AbCdEfGh"}})
                outer.comments.append((comment_id, fields))
                outer.held_here()
                if outer.send_errors:
                    status, error, headers = outer.send_errors.pop(0)
                    return self.reply(status, error, headers=headers)
                if "_" in comment_id:  # Facebook: <post>_<comment>
                    return self.reply(200, {"id": "%s_%d" % (comment_id.split("_")[0], 900000 + len(outer.comments))})
                self.reply(200, {"id": str(18000000000000000 + len(outer.comments))})  # Instagram: digits

            def do_GET(self):
                m = re.fullmatch(r"/cdn/([\w.-]+)(\?.*)?", self.path)
                if m and m.group(1) in outer.files:
                    data, mime = outer.files[m.group(1)]
                    return self.reply(200, data, mime)
                if self.path.startswith("/cdn/"):  # an expired or unknown CDN link
                    return self.reply(404, b"", "text/plain")
                url = urllib.parse.urlsplit(self.path)
                m = re.fullmatch(r"/%s/(\d+)" % outer.version, url.path)
                if m:
                    return self.profile(m.group(1), urllib.parse.parse_qs(url.query).get("fields", [""])[0])
                self.reply(400, {"error": {"message": "Unsupported get request.", "type": "GraphMethodException",
                                           "code": 100, "error_subcode": 33, "fbtrace_id": "AbCdEfGh"}})

            def profile(self, user_id, fields):
                if self.headers.get("Authorization") != "Bearer " + outer.token:
                    return self.reply(401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                                      "code": 190, "fbtrace_id": "fake"}})
                outer.profile_requests.append((user_id, fields))
                time.sleep(outer.profile_delay)
                errors = outer.profile_errors.get(user_id)
                if errors:
                    status, body = errors.pop(0)
                    return self.reply(status, body)
                if user_id not in outer.profiles:
                    return self.reply(400, {"error": {"message": "Unsupported get request. Object with ID '%s' does not exist" % user_id,
                                                      "type": "GraphMethodException", "code": 100, "error_subcode": 33,
                                                      "fbtrace_id": "AbCdEfGh"}})
                known = outer.profiles[user_id]
                answer = {k: known[k] for k in fields.split(",") if k in known}
                answer["id"] = user_id
                self.reply(200, answer)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.api_base_url = self.base + "/" + version
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def page_config(self, page_id, app_secret, verify_token="verify-page"):
        """The config of a Messenger (Facebook Page) inbox that sends through this fake."""
        return {"page_id": page_id, "page_access_token": self.token, "app_secret": app_secret,
                "verify_token": verify_token, "api_base_url": self.api_base_url}

    def instagram_config(self, instagram_id, app_secret, verify_token="verify-ig"):
        """The config of an Instagram inbox that sends through this fake."""
        return {"instagram_id": instagram_id, "access_token": self.token, "app_secret": app_secret,
                "verify_token": verify_token, "api_base_url": self.api_base_url}

    def cdn_url(self, name):
        return self.base + "/cdn/" + name + "?_nc_cat=1&oh=signed"

    def close(self):
        self.httpd.shutdown()
