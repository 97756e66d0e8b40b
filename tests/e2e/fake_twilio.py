"""A local fake of the parts of Twilio's REST API that the Twilio channel uses, as documented:
POST /2010-04-01/Accounts/{AccountSid}/Messages.json (form-encoded, basic auth AccountSid:AuthToken,
answers the Message resource or an error {code, message, more_info, status}), and the media of
inbound messages: GET .../Messages/{MessageSid}/Media/{MediaSid} needs basic auth and redirects
to a media host (here on the same loopback server) that serves the bytes without it.

WhatsApp senders: the Content API's GET /v1/ContentAndApprovals (basic auth, PageSize, pages
linked by meta.next_page_url) lists `contents`; a send with ContentSid must name a known content
and give ContentVariables as a JSON object of strings (else error 21656), and a free-form
WhatsApp send (Body) to a customer whose last message is older than 24 hours
(customer_last_message) is accepted as "queued" and fails later with error 63016, as Twilio
reports it in the status callback (window_failures lists those message SIDs)."""
import base64
import http.server
import json
import re
import threading
import time
import urllib.parse

from harness import SendHold


class FakeTwilio(SendHold):
    def __init__(self, account_sid="AC00000000000000000000000000000001", auth_token="test-auth-token"):
        SendHold.__init__(self)
        self.account_sid, self.auth_token = account_sid, auth_token
        self.sent = []          # (form as a list of (name, value), Authorization header)
        self.send_errors = []   # (status, body, headers) to answer sends with first
        self.media = {}         # media sid -> (bytes, mime type)
        self.media_requests = []  # (path, Authorization header) of every media GET
        self.contents = []        # Content API resources (ContentAndApprovals shape)
        self.content_page_size_max = None  # answer pages of at most this many, whatever PageSize says
        self.content_requests = []  # (path, Authorization header) of every Content API GET
        self.customer_last_message = {}  # "whatsapp:+49..." -> epoch seconds of their last message
        self.window_failures = []  # SIDs of free-form WhatsApp sends outside the 24-hour window
        self.count = 0
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

            def authorized(self):
                expected = "Basic " + base64.b64encode(("%s:%s" % (outer.account_sid, outer.auth_token)).encode()).decode()
                return self.headers.get("Authorization") == expected

            def unauthorized(self):
                self.reply(401, {"code": 20003, "message": "Authenticate",
                                 "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                m = re.fullmatch(r"/2010-04-01/Accounts/(\w+)/Messages\.json", self.path)
                if not m:
                    return self.reply(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
                if m.group(1) != outer.account_sid or not self.authorized():
                    return self.unauthorized()
                form = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True)
                outer.sent.append((form, self.headers.get("Authorization"), self.headers.get("Content-Type")))
                outer.held_here()  # hold_next(): got it; the answer waits until released
                if outer.send_errors:
                    status, error, headers = outer.send_errors.pop(0)
                    return self.reply(status, error, headers=headers)
                fields = dict(form)
                if not fields.get("To"):
                    return self.reply(400, {"code": 21604, "message": "A 'To' phone number is required.",
                                            "more_info": "https://www.twilio.com/docs/errors/21604", "status": 400})
                if not fields.get("From") and not fields.get("MessagingServiceSid"):
                    return self.reply(400, {"code": 21603, "message": "A 'From' phone number is required.",
                                            "more_info": "https://www.twilio.com/docs/errors/21603", "status": 400})
                if not fields.get("Body") and "MediaUrl" not in fields and "ContentSid" not in fields:
                    return self.reply(400, {"code": 21619, "message": "A text message body or media url must be specified.",
                                            "more_info": "https://www.twilio.com/docs/errors/21619", "status": 400})
                if "ContentSid" in fields:
                    known = [c for c in outer.contents if c["sid"] == fields["ContentSid"]]
                    try:
                        variables = json.loads(fields.get("ContentVariables", "{}"))
                        valid = isinstance(variables, dict) and all(isinstance(v, str) for v in variables.values())
                    except ValueError:
                        valid = False
                    if not known:
                        return self.reply(400, {"code": 21655, "message": "The ContentSid is Invalid", "status": 400})
                    if not valid or "Body" in fields:
                        return self.reply(400, {"code": 21656, "message": "The ContentVariables Parameter is invalid",
                                                "status": 400})
                outer.count += 1
                sid = "SM%032x" % outer.count
                last = outer.customer_last_message.get(fields.get("To", ""))
                if "Body" in fields and fields.get("To", "").startswith("whatsapp:") and last is not None \
                        and time.time() - last > 24 * 3600:
                    outer.window_failures.append(sid)
                self.reply(201, {"sid": sid, "account_sid": outer.account_sid, "to": fields.get("To"),
                                 "from": fields.get("From"), "body": fields.get("Body", ""), "status": "queued",
                                 "num_media": str(sum(1 for k, _ in form if k == "MediaUrl")),
                                 "error_code": None, "error_message": None, "api_version": "2010-04-01"})

            def content_page(self):
                outer.content_requests.append((self.path, self.headers.get("Authorization")))
                if not self.authorized():
                    return self.unauthorized()
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                size = max(1, min(int(query.get("PageSize", "50")), 1000, outer.content_page_size_max or 1000))
                page = int(query.get("Page", "0"))
                items = outer.contents[page * size:(page + 1) * size]
                more = (page + 1) * size < len(outer.contents)
                link = "%s/v1/ContentAndApprovals?PageSize=%d&Page=%%d" % (outer.api_base_url, size)
                next_url = (link % (page + 1)) + "&PageToken=PT%d" % (page + 1) if more else None
                self.reply(200, {"contents": items, "meta": {
                    "page": page, "page_size": size, "first_page_url": link % 0, "previous_page_url": None,
                    "url": link % page, "next_page_url": next_url, "key": "contents"}})

            def do_GET(self):
                if urllib.parse.urlsplit(self.path).path == "/v1/ContentAndApprovals":
                    return self.content_page()
                m = re.fullmatch(r"/2010-04-01/Accounts/(\w+)/Messages/(\w+)/Media/(\w+)", self.path)
                if m:
                    outer.media_requests.append((self.path, self.headers.get("Authorization")))
                    if m.group(1) != outer.account_sid or not self.authorized():
                        return self.unauthorized()
                    if m.group(3) not in outer.media:
                        return self.reply(404, {"code": 20404, "message": "not found", "status": 404})
                    # Twilio redirects to its media host with a pre-signed URL.
                    return self.reply(307, b"", "text/plain", {"Location": "/media-host/%s?Expires=1&Signature=x" % m.group(3)})
                m = re.fullmatch(r"/media-host/(\w+)\?.*", self.path)
                if m and m.group(1) in outer.media:
                    data, mime = outer.media[m.group(1)]
                    return self.reply(200, data, mime)
                self.reply(404, {"code": 20404, "message": "not found", "status": 404})

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_base_url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def media_url(self, message_sid, media_sid):
        return "%s/2010-04-01/Accounts/%s/Messages/%s/Media/%s" % (self.api_base_url, self.account_sid, message_sid, media_sid)

    def close(self):
        self.httpd.shutdown()
