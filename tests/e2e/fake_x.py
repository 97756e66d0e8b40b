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
with 400 {"error":"invalid_grant"}."""
import base64
import hashlib
import hmac
import http.server
import json
import re
import threading
import time
import urllib.parse


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


class FakeX:
    def __init__(self, token="test-user-token", consumer_key="test-consumer-key", consumer_secret="test-consumer-secret",
                 oauth1_token="2244994945-test-oauth1-token", oauth1_token_secret="test-oauth1-token-secret"):
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
        self.files = {}         # name under /media/ -> (bytes, mime type)
        self.media_auth = []    # authorization headers seen on media downloads
        self.errors = []        # (status, body, headers) to answer the next sends with
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
                url = "http://%s%s" % (self.headers.get("Host", ""), self.path)
                if outer.require_oauth1:
                    if not oauth1_valid(auth, "POST", url, outer.consumer_key, outer.consumer_secret, outer.oauth1_token,
                                        outer.oauth1_token_secret):
                        return self.unauthorized()
                elif auth != "Bearer " + outer.token or \
                        (outer.token_expires_at is not None and time.time() >= outer.token_expires_at):
                    return self.unauthorized()
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
                    outer.dms.append((dm.group(1), sent, auth))
                else:
                    outer.tweets.append((sent, auth))
                if outer.errors:
                    status, error, headers = outer.errors.pop(0)
                    return self.reply(status, error, headers=headers)
                outer.next_id += 1
                if dm:
                    return self.reply(201, {"data": {"dm_conversation_id": "2244994945-" + dm.group(1),
                                                     "dm_event_id": str(outer.next_id)}})
                self.reply(201, {"data": {"id": str(outer.next_id), "text": sent["text"],
                                          "edit_history_tweet_ids": [str(outer.next_id)]}})

            def do_GET(self):
                m = re.fullmatch(r"/media/([\w.-]+)", self.path)
                auth = self.headers.get("Authorization", "")
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

    def media_url(self, name):
        return self.api_base_url + "/media/" + name

    def close(self):
        self.httpd.shutdown()
