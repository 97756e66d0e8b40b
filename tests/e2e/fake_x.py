"""A local fake of the parts of X's API v2 that the X channel uses, as documented:
POST /2/dm_conversations/with/{participant_id}/messages -> {"data":{"dm_conversation_id","dm_event_id"}}
POST /2/tweets -> {"data":{"id","text"}}, both with the OAuth 2.0 user token as Bearer; errors as
problem JSON ({"title","detail","type","status"}) with x-rate-limit-* headers on 429. It also serves
DM media under /media/ only to a request signed with OAuth 1.0a in the account's user context, as
X documents ("must be accessed by signing a request with the user's access token using OAuth
1.0A", developer.x.com .../message-attachments/guides/retrieving-media); the signature is checked
as "Creating a signature" describes.

With `require_oauth1` the send endpoints take only requests signed so (X documents OAuth 1.0a user
context for both; the signature of a JSON-bodied POST covers no body parameters). Else they take
the current OAuth 2.0 access token while it lives (`token_lifetime` seconds, None: forever).
POST /2/oauth2/token implements the refresh as X documents it (docs.x.com, OAuth 2.0
Authorization Code Flow with PKCE): form-encoded grant_type=refresh_token&refresh_token=…; a
confidential client (`client_secret` set) authenticates with HTTP Basic client_id:client_secret,
a public one sends client_id in the body; the answer {"token_type","expires_in","access_token",
"scope","refresh_token"} carries a NEW refresh token, and the used one is refused from then on
with 400 {"error":"invalid_grant"}.

Media upload, as the v2 reference documents it (docs.x.com x-api/media: initialize, append,
finalize, get-media-upload-status; best practices): POST /2/media/upload/initialize takes JSON
{"media_type" (one of the documented types), "total_bytes", "media_category"} — a missing category
means a Post's (tweet_image / tweet_gif / tweet_video by the type), as the docs say — and answers
{"data":{"id","media_key","expires_after_secs"}}; POST /2/media/upload/{id}/append takes
multipart/form-data with `media` (at most 8 MB, the server's maximum) and `segment_index`, which
must come in order from 0, never beyond total_bytes; POST /2/media/upload/{id}/finalize is
refused before every byte arrived, and answers processing_info for a GIF or video when
`processing_polls` is set (pending, then succeeded after that many STATUS calls);
GET /2/media/upload?command=STATUS&media_id= tells the state. A DM's attachments[].media_id and a
post's media.media_ids must name media this fake issued, finalized and done processing, uploaded
for that use (dm_* for a DM, tweet_* for a post, as X refuses "a DM category on a Post").
A post's media.media_ids is a list of 1 to 4 id strings (TweetCreateRequest: minItems 1, maxItems
4, docs.x.com x-api/posts/creation-of-a-post), and "You may attach up to 4 photos, 1 animated GIF
or 1 video in a Post" (media Best practices): more ids, or a GIF or video together with anything
else, get X's invalid-request problem (400 "Invalid Request", "One or more parameters to your
request was invalid.", with errors[] naming media.media_ids; "Your media IDs are invalid." is what
X answers for media it will not attach). A DM carries one attachment. `tweets` records each
accepted post's body, media_ids list included."""
import base64
import hashlib
import hmac
import http.server
import json
import re
import threading
import time
import urllib.parse

from harness import SendHold

MEDIA_TYPES = {"video/mp4", "video/webm", "video/mp2t", "video/quicktime", "text/srt", "text/vtt", "image/jpeg",
               "image/gif", "image/bmp", "image/png", "image/webp", "image/pjpeg", "image/tiff", "model/gltf-binary",
               "model/vnd.usdz+zip"}
CATEGORIES = {"amplify_video", "tweet_gif", "tweet_image", "tweet_video", "dm_gif", "dm_image", "dm_video", "subtitles"}
MAX_SEGMENT = 8 * 1024 * 1024


def problem(status, title, detail):
    return {"title": title, "detail": detail, "type": "https://api.x.com/2/problems/invalid-request", "status": status}


def invalid_media_ids(media_ids, message):
    """X's answer to a post whose media.media_ids it will not take."""
    return {"errors": [{"parameters": {"media.media_ids": [str(i) for i in media_ids]}, "message": message}],
            "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request", "status": 400}


def multipart_fields(content_type, body):
    """The fields of a multipart/form-data body: name -> bytes."""
    m = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not content_type.startswith("multipart/form-data") or not m:
        return None
    boundary = b"--" + m.group(1).encode()
    fields = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            fields[name.group(1).decode()] = data[:-2] if data.endswith(b"\r\n") else data
    return fields


def oauth1_valid(header, method, url, consumer_key, consumer_secret, token, token_secret):
    """Whether `header` is an OAuth 1.0a HMAC-SHA1 Authorization for this request and these keys."""
    if not header.startswith("OAuth "):
        return False
    fields = {}
    for part in header[len("OAuth "):].split(","):
        k, _, v = part.strip().partition("=")
        fields[urllib.parse.unquote(k)] = urllib.parse.unquote(v.strip('"'))
    if fields.get("oauth_consumer_key") != consumer_key or fields.get("oauth_token") != token or \
            fields.get("oauth_signature_method") != "HMAC-SHA1" or not fields.get("oauth_nonce"):
        return False
    q = lambda s: urllib.parse.quote(s, safe="-._~")  # noqa: E731
    split = urllib.parse.urlsplit(url)
    params = [(k, v) for k, v in fields.items() if k != "oauth_signature"]
    params += urllib.parse.parse_qsl(split.query, keep_blank_values=True)
    joined = "&".join("%s=%s" % kv for kv in sorted((q(k), q(v)) for k, v in params))
    base = "&".join([method, q(urllib.parse.urlunsplit((split.scheme, split.netloc, split.path, "", ""))), q(joined)])
    key = q(consumer_secret) + "&" + q(token_secret)
    expected = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()
    return hmac.compare_digest(expected, fields.get("oauth_signature", ""))


class FakeX(SendHold):
    def __init__(self, token="test-user-token", consumer_key="test-consumer-key", consumer_secret="test-consumer-secret",
                 oauth1_token="2244994945-test-oauth1-token", oauth1_token_secret="test-oauth1-token-secret"):
        SendHold.__init__(self)
        self.token = token
        self.token_lifetime = None  # seconds an issued access token lives (None: forever)
        self.token_expires_at = None  # when the current access token stops working (None: never)
        self.require_oauth1 = False  # the send endpoints take only OAuth 1.0a-signed requests
        self.refresh_token = None  # the one refresh token X takes now (None: no refresh possible)
        self.client_id, self.client_secret = "test-client-id", None  # None: a public client
        self.refreshes = []     # (form fields, authorization header) of every token request
        self.issued = 0
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.oauth1_token, self.oauth1_token_secret = oauth1_token, oauth1_token_secret
        self.dms = []           # (participant id, json body, authorization header)
        self.tweets = []        # (json body, authorization header)
        self.post_ids = []      # the id answered for each post in `tweets` (None: answered with an error)
        self.files = {}         # name under /media/ -> (bytes, mime type)
        self.media_auth = []    # authorization headers seen on media downloads
        self.errors = []        # (status, body, headers) to answer the next sends with
        self.upload_errors = []  # (status, body, headers) to answer the next media initialize calls with
        self.uploads = {}       # media id -> {"media_type","total_bytes","media_category","segments","finalized","polls"}
        self.upload_calls = []  # (step, media id or None, authorization header) in order
        self.processing_polls = 0  # STATUS calls a GIF or video stays "in_progress" (0: no processing_info)
        self.next_id = 1582838213000000000
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

            def unauthorized(self):
                return self.reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                        "detail": "Unauthorized"})

            def token_endpoint(self, body, auth):
                form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
                outer.refreshes.append((form, auth))
                if self.headers.get("Content-Type", "") != "application/x-www-form-urlencoded":
                    return self.reply(400, {"error": "invalid_request", "error_description": "form body expected"})
                if outer.client_secret is not None:
                    basic = base64.b64encode(("%s:%s" % (outer.client_id, outer.client_secret)).encode()).decode()
                    if auth != "Basic " + basic:
                        return self.reply(401, {"error": "unauthorized_client",
                                                "error_description": "Missing valid authorization header"})
                elif form.get("client_id") != outer.client_id:
                    return self.reply(400, {"error": "invalid_request", "error_description": "Missing required parameter [client_id]."})
                if form.get("grant_type") != "refresh_token" or outer.refresh_token is None or \
                        form.get("refresh_token") != outer.refresh_token:
                    return self.reply(400, {"error": "invalid_grant",
                                            "error_description": "Value passed for the token was invalid."})
                outer.issued += 1
                outer.token = "test-user-token-%d" % outer.issued
                outer.refresh_token = "test-refresh-token-%d" % (outer.issued + 1)
                lifetime = outer.token_lifetime or 7200
                outer.token_expires_at = time.time() + lifetime if outer.token_lifetime else None
                self.reply(200, {"token_type": "bearer", "expires_in": lifetime, "access_token": outer.token,
                                 "scope": "tweet.read tweet.write users.read dm.read dm.write offline.access",
                                 "refresh_token": outer.refresh_token})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                auth = self.headers.get("Authorization", "")
                if self.path == "/2/oauth2/token":
                    return self.token_endpoint(body, auth)
                if not self.authorized("POST", auth):
                    return self.unauthorized()
                if self.path.startswith("/2/media/upload"):
                    return self.media_upload(body, auth)
                dm = re.fullmatch(r"/2/dm_conversations/with/(\d+)/messages", self.path)
                if not dm and self.path != "/2/tweets":
                    return self.reply(404, {"title": "Not Found Error", "detail": "no such route", "status": 404,
                                            "type": "https://api.twitter.com/2/problems/resource-not-found"})
                sent = json.loads(body)
                # A DM needs text or attachments; a post text (or media); a reply names the post it answers.
                if not isinstance(sent, dict) or not (sent.get("text") or sent.get("attachments") or sent.get("media")) or \
                        ("reply" in sent and not str((sent["reply"] or {}).get("in_reply_to_tweet_id", "")).isdigit()):
                    return self.reply(400, {"title": "Invalid Request", "type": "https://api.twitter.com/2/problems/invalid-request",
                                            "detail": "One or more parameters to your request was invalid.", "status": 400})
                if dm:
                    media_ids = [a.get("media_id") for a in sent.get("attachments") or [] if isinstance(a, dict)]
                    if len(media_ids) > 1:
                        return self.reply(400, problem(400, "Invalid Request", "a Direct Message carries one attachment"))
                else:
                    media = sent.get("media")
                    media_ids = media.get("media_ids") if isinstance(media, dict) else [] if media is None else None
                    if not isinstance(media_ids, list) or (media is not None and not 1 <= len(media_ids) <= 4) or \
                            not all(isinstance(i, str) and re.fullmatch(r"[0-9]{1,19}", i) for i in media_ids):
                        return self.reply(400, invalid_media_ids(media_ids if isinstance(media_ids, list) else [],
                                                                 "$.media.media_ids: 1 to 4 media id strings expected"))
                for media_id in media_ids:
                    upload = outer.uploads.get(str(media_id))
                    use = "dm_" if dm else "tweet_"
                    if upload is None or not upload["finalized"] or upload["polls"] < upload["processing"]:
                        return self.reply(400, problem(400, "Invalid Request", "media id %s is not a finished upload" % media_id))
                    if not upload["media_category"].startswith(use):
                        return self.reply(400, problem(400, "Invalid Request", "media id %s was uploaded as %s" %
                                                       (media_id, upload["media_category"])))
                # Up to 4 photos, or one GIF or video alone.
                if len(media_ids) > 1 and any(outer.uploads[str(i)]["media_category"] != "tweet_image" for i in media_ids):
                    return self.reply(400, invalid_media_ids(media_ids, "Your media IDs are invalid."))
                if dm:
                    outer.dms.append((dm.group(1), sent, auth))
                else:
                    outer.tweets.append((sent, auth))
                outer.held_here()  # hold_next(): got it; the answer waits until released
                if outer.errors:
                    if not dm:
                        outer.post_ids.append(None)
                    status, error, headers = outer.errors.pop(0)
                    return self.reply(status, error, headers=headers)
                outer.next_id += 1
                if dm:
                    return self.reply(201, {"data": {"dm_conversation_id": "2244994945-" + dm.group(1),
                                                     "dm_event_id": str(outer.next_id)}})
                outer.post_ids.append(str(outer.next_id))
                self.reply(201, {"data": {"id": str(outer.next_id), "text": sent.get("text", ""),
                                          "edit_history_tweet_ids": [str(outer.next_id)]}})

            def authorized(self, method, auth):
                url = "http://%s%s" % (self.headers.get("Host", ""), self.path)
                if outer.require_oauth1:
                    return oauth1_valid(auth, method, url, outer.consumer_key, outer.consumer_secret, outer.oauth1_token,
                                        outer.oauth1_token_secret)
                return auth == "Bearer " + outer.token and \
                    (outer.token_expires_at is None or time.time() < outer.token_expires_at)

            def media_data(self, media_id, upload):
                data = {"id": media_id, "media_key": "3_" + media_id, "expires_after_secs": 86400}
                if upload["finalized"]:
                    data["size"] = upload["total_bytes"]
                    if upload["processing"]:
                        done = upload["polls"] >= upload["processing"]
                        data["processing_info"] = {"state": "succeeded" if done else "in_progress",
                                                   "check_after_secs": 1, "progress_percent": 100 if done else 50}
                return {"data": data}

            def media_upload(self, body, auth):
                if self.path == "/2/media/upload/initialize":
                    outer.upload_calls.append(("initialize", None, auth))
                    if outer.upload_errors:
                        status, error, headers = outer.upload_errors.pop(0)
                        return self.reply(status, error, headers=headers)
                    if self.headers.get("Content-Type", "") != "application/json":
                        return self.reply(400, problem(400, "Invalid Request", "a JSON body is expected"))
                    try:
                        sent = json.loads(body)
                    except ValueError:
                        return self.reply(400, problem(400, "Invalid Request", "not JSON"))
                    media_type, total = sent.get("media_type"), sent.get("total_bytes")
                    kind = "gif" if media_type == "image/gif" else "video" if str(media_type).startswith("video/") else "image"
                    category = sent.get("media_category", "tweet_" + kind)
                    if media_type not in MEDIA_TYPES or category not in CATEGORIES or \
                            not isinstance(total, int) or isinstance(total, bool) or not 0 < total <= 17179869184:
                        return self.reply(400, problem(400, "Invalid Request", "One or more parameters to your request was invalid."))
                    outer.next_id += 1
                    media_id = str(outer.next_id)
                    processing = outer.processing_polls if kind in ("gif", "video") and "media_category" in sent else 0
                    outer.uploads[media_id] = {"media_type": media_type, "total_bytes": total, "media_category": category,
                                               "segments": [], "finalized": False, "processing": processing, "polls": 0}
                    return self.reply(200, self.media_data(media_id, outer.uploads[media_id]))
                m = re.fullmatch(r"/2/media/upload/(\d+)/(append|finalize)", self.path)
                upload = outer.uploads.get(m.group(1)) if m else None
                if upload is None:
                    return self.reply(404, problem(404, "Not Found Error", "no such media upload"))
                media_id, step = m.group(1), m.group(2)
                outer.upload_calls.append((step, media_id, auth))
                if upload["finalized"]:
                    return self.reply(400, problem(400, "Invalid Request", "the upload is already finalized"))
                if step == "append":
                    fields = multipart_fields(self.headers.get("Content-Type", ""), body)
                    if fields is None or "media" not in fields or "segment_index" not in fields:
                        return self.reply(400, problem(400, "Invalid Request", "multipart media and segment_index expected"))
                    index, segment = fields["segment_index"].decode(), fields["media"]
                    if index != str(len(upload["segments"])):
                        return self.reply(400, problem(400, "Invalid Request", "segment_index %s out of order" % index))
                    received = sum(len(x) for x in upload["segments"]) + len(segment)
                    if len(segment) > MAX_SEGMENT or received > upload["total_bytes"]:
                        return self.reply(400, problem(400, "Invalid Request", "more bytes than total_bytes"))
                    upload["segments"].append(segment)
                    return self.reply(200, {"data": {"expires_at": int(time.time()) + 86400}})
                if sum(len(x) for x in upload["segments"]) != upload["total_bytes"]:
                    return self.reply(400, problem(400, "Invalid Request", "not every byte was appended"))
                upload["finalized"] = True
                return self.reply(200, self.media_data(media_id, upload))

            def do_GET(self):
                auth = self.headers.get("Authorization", "")
                split = urllib.parse.urlsplit(self.path)
                if split.path == "/2/media/upload":
                    if not self.authorized("GET", auth):
                        return self.unauthorized()
                    query = dict(urllib.parse.parse_qsl(split.query))
                    upload = outer.uploads.get(query.get("media_id", ""))
                    outer.upload_calls.append(("status", query.get("media_id"), auth))
                    if query.get("command") != "STATUS" or upload is None:
                        return self.reply(400, problem(400, "Invalid Request", "command=STATUS and a known media_id expected"))
                    if upload["finalized"]:
                        upload["polls"] += 1
                    return self.reply(200, self.media_data(query["media_id"], upload))
                m = re.fullmatch(r"/media/([\w.-]+)", self.path)
                outer.media_auth.append(auth)
                url = "http://%s%s" % (self.headers.get("Host", ""), self.path)
                if not oauth1_valid(auth, "GET", url, outer.consumer_key, outer.consumer_secret, outer.oauth1_token,
                                    outer.oauth1_token_secret):
                    return self.unauthorized()
                if m and m.group(1) in outer.files:
                    data, mime = outer.files[m.group(1)]
                    return self.reply(200, data, mime)
                self.reply(404, {"title": "Not Found Error", "status": 404})

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_base_url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def expire_token(self):
        """The current access token stops working now (as X's do after two hours)."""
        self.token_expires_at = time.time() - 1

    def uploaded(self, media_id):
        """The bytes appended under `media_id`, joined."""
        return b"".join(self.uploads[media_id]["segments"])

    def media_url(self, name):
        return self.api_base_url + "/media/" + name

    def close(self):
        self.httpd.shutdown()
