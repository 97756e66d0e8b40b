"""A local fake of the parts of Meta's Graph API that the WhatsApp channel uses, as documented:
POST /{version}/{phone_number_id}/messages, POST /{version}/{phone_number_id}/media,
GET /{version}/{media_id} (media URL) and the media download, all with a bearer token; and the
WhatsApp Business Management API's GET /{version}/{waba_id}/message_templates with cursor paging.
Template sends are checked like Meta checks them: an unknown name/language answers 132001, a
wrong number of parameters 132000 (a location header's place needs latitude and longitude);
a free-form message to a customer whose last message
(customer_last_message[wa_id], Unix seconds) is more than 24 hours old answers 131047.
Interactive reply-buttons messages are checked against the documented limits (body 1-1024
characters, 1-3 buttons of type "reply", id 1-256 characters, title 1-20 characters and unique):
anything else answers 131009 "Parameter value is not valid". Every send must carry
messaging_product "whatsapp", recipient_type "individual", "to" (a phone number) or "recipient" (a
business-scoped user id) and the object its type names, and a media upload must be the documented
multipart form (file, type, messaging_product), else error 100. A scripted send error may carry
headers (Retry-After); `sent_at` records when each send arrived."""
import base64
import email.parser
import email.policy
import http.server
import json
import re
import threading
import time
import urllib.parse

from harness import SendHold


def _graph_error(code, message, details, status=400, subcode=None):
    error = {"message": message, "type": "OAuthException", "code": code,
             "error_data": {"messaging_product": "whatsapp", "details": details},
             "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return status, {"error": error}


# Meta's error-code reference (support/error-codes), as the Cloud API answers a send with them:
# (HTTP status, body). Throughput and pair rate limits come with HTTP 400, not 429.
DOCUMENTED_SEND_ERRORS = {
    131047: _graph_error(131047, "(#131047) Re-engagement message",
                         "Message failed to send because more than 24 hours have passed since the customer last "
                         "replied to this number.", subcode=2494010),
    131026: _graph_error(131026, "(#131026) Message undeliverable", "Message Undeliverable."),
    130429: _graph_error(130429, "(#130429) Rate limit hit",
                         "Cloud API message throughput has been reached."),
    131056: _graph_error(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                         "Too many messages sent from the sender phone number to the same recipient phone number "
                         "in a short period of time."),
}


def _placeholders(text):
    return list(dict.fromkeys(re.findall(r"{{\s*(\w+)\s*}}", text or "")))


def check_interactive_send(body):
    """None when Meta would accept this interactive reply-buttons message, else (status, error body)."""
    i = body.get("interactive", {})
    buttons = i.get("action", {}).get("buttons", [])
    text = i.get("body", {}).get("text", "")
    titles = [b.get("reply", {}).get("title", "") for b in buttons]
    problems = []
    if i.get("type") != "button":
        problems.append("interactive.type must be button")
    if not text.strip() or len(text) > 1024:
        problems.append("body.text must have 1-1024 characters")
    if not 1 <= len(buttons) <= 3:
        problems.append("action.buttons must have 1-3 buttons")
    for b in buttons:
        reply = b.get("reply", {})
        if b.get("type") != "reply" or not 1 <= len(reply.get("id", "")) <= 256 or not 1 <= len(reply.get("title", "")) <= 20:
            problems.append("each button is a reply with id (1-256) and title (1-20)")
    if len(set(titles)) != len(titles):
        problems.append("button titles must be unique")
    if problems:
        return _graph_error(131009, "(#131009) Parameter value is not valid", "; ".join(problems))
    return None


def check_envelope(body):
    """None when the send has the fields every Cloud API message needs (messages reference:
    messaging_product "whatsapp", recipient_type "individual" or "group", to, type and the object named by
    type), else Meta's 100 "Invalid parameter"."""
    problems = []
    if body.get("messaging_product") != "whatsapp":
        problems.append("messaging_product must be whatsapp")
    if body.get("recipient_type", "individual") not in ("individual", "group"):
        problems.append("recipient_type must be individual or group")
    # "to" takes a phone number, or a group id for recipient_type "group" (groups-messaging);
    # "recipient" a business-scoped user id (business-scoped-user-ids).
    if body.get("recipient_type") == "group":
        if not re.fullmatch(r"[A-Za-z0-9_=-]{1,256}", str(body.get("to", ""))):
            problems.append("to must be the group id")
    elif "to" in body and not str(body["to"]).lstrip("+").isdigit():
        problems.append("to must be a phone number")
    if "to" not in body and not re.fullmatch(r"[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}", str(body.get("recipient", ""))):
        problems.append("to (a phone number) or recipient (a business-scoped user id) is required")
    kind = body.get("type", "text")
    if not isinstance(body.get(kind), dict):
        problems.append("the %s object is required" % kind)
    if "context" in body and not (isinstance(body["context"], dict) and body["context"].get("message_id")):
        problems.append("context.message_id is required")
    if problems:
        return _graph_error(100, "(#100) Invalid parameter", "; ".join(problems))
    return None


def check_media_upload(content_type, raw):
    """None when a POST /{phone_number_id}/media is the documented multipart form (media
    reference: file, type = the file's MIME type, messaging_product = whatsapp), else error 100."""
    if not content_type.startswith("multipart/form-data"):
        return _graph_error(100, "(#100) Invalid parameter", "multipart/form-data expected")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
    problems = []
    if "file" not in parts or parts["file"].get_filename() is None:
        problems.append("file is required")
    if "type" not in parts or "/" not in (parts["type"].get_payload(decode=True) or b"").decode():
        problems.append("type (the MIME type) is required")
    if "messaging_product" not in parts or parts["messaging_product"].get_payload(decode=True) != b"whatsapp":
        problems.append("messaging_product must be whatsapp")
    if problems:
        return _graph_error(100, "(#100) Invalid parameter", "; ".join(problems))
    return None


def check_template_send(templates, body):
    """None when Meta would accept this template send, else (status, error body)."""
    t = body.get("template", {})
    name, code = t.get("name"), (t.get("language") or {}).get("code")
    found = [x for x in templates if x["name"] == name and x["language"] == code and x.get("status") == "APPROVED"]
    if not found:
        return _graph_error(132001, "(#132001) Template name does not exist in the translation",
                            "template name (%s) does not exist in %s" % (name, code), status=404)
    given = {c.get("type"): len(c.get("parameters", [])) for c in t.get("components", []) if c.get("type") != "button"}
    template_buttons = [b for c in found[0].get("components", []) if c["type"] == "BUTTONS" for b in c.get("buttons", [])]
    for c in t.get("components", []):
        if c.get("type") == "button" and c.get("sub_type") == "quick_reply":
            index = int(c.get("index", "-1"))
            payloads = [p for p in c.get("parameters", []) if p.get("type") == "payload" and p.get("payload")]
            if not 0 <= index < len(template_buttons) or template_buttons[index]["type"] != "QUICK_REPLY" or len(payloads) != 1:
                return _graph_error(131009, "(#131009) Parameter value is not valid",
                                    "button at index %d is not a quick reply with one payload" % index)
    for c in t.get("components", []):
        for p in c.get("parameters", []):
            place = p.get("location") if p.get("type") == "location" else None
            if place is not None and not ({"latitude", "longitude"} <= set(place) and
                                          -90 <= float(place["latitude"]) <= 90 and -180 <= float(place["longitude"]) <= 180):
                return _graph_error(131009, "(#131009) Parameter value is not valid", "location: latitude and longitude")
    for component in found[0].get("components", []):
        kind = component["type"].lower()
        if kind not in ("header", "body"):
            continue
        expected = len(_placeholders(component.get("text"))) if component.get("format", "TEXT") == "TEXT" else 1
        if given.get(kind, 0) != expected:
            return _graph_error(132000, "(#132000) Number of parameters does not match the expected number of params",
                                "%s: number of localizable_params (%d) does not match the expected number of params (%d)"
                                % (kind, given.get(kind, 0), expected))
    return None


class FakeGraph(SendHold):
    def __init__(self, token="test-access-token", version="v23.0"):
        SendHold.__init__(self)
        self.token, self.version = token, version
        self.sent = []          # (phone_number_id, json body)
        self.uploads = []       # (phone_number_id, raw multipart body)
        self.media = {}         # media_id -> (bytes, mime type)
        self.next_wamids = []   # wamids to answer sends with, in turn
        self.send_errors = []   # (status, body) or (status, body, headers) to answer sends with first
        self.sent_at = []       # when each send arrived (time.time()), in the order of `sent`
        self.waba_id = "102290129340398"
        self.templates = []     # message templates as the Business Management API lists them
        self.template_page_size = 100
        self.template_requests = []  # the query of each listing request, parsed
        self.customer_last_message = {}  # wa_id -> Unix seconds of the customer's last message
        # number -> the account's wa_id where they differ ("phone number and ID may not always match")
        self.wa_ids = {}
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
                if self.headers.get("Authorization") != "Bearer " + outer.token:
                    self.reply(401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                               "code": 190, "error_subcode": 463, "fbtrace_id": "AbCdEfGh"}})
                    return False
                return True

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not self.authorized():
                    return
                m = re.fullmatch(r"/%s/(\d+)/(messages|media)" % outer.version, self.path)
                if not m:
                    return self.reply(400, {"error": {"message": "Unknown path components: " + self.path,
                                                      "type": "OAuthException", "code": 2500, "fbtrace_id": "AbCdEfGh"}})
                if m.group(2) == "media":
                    outer.uploads.append((m.group(1), body))
                    refused = check_media_upload(self.headers.get("Content-Type", ""), body)
                    if refused:
                        return self.reply(*refused)
                    return self.reply(200, {"id": "uploaded-%d" % len(outer.uploads)})
                outer.sent.append((m.group(1), json.loads(body)))
                outer.sent_at.append(time.time())
                outer.held_here()  # hold_next(): got it; the answer waits until released
                if outer.send_errors:
                    status, error, *headers = outer.send_errors.pop(0)
                    return self.reply(status, error, headers=headers[0] if headers else None)
                message = json.loads(body)
                refused = check_envelope(message)
                if refused:
                    return self.reply(*refused)
                if message.get("type") == "template":
                    refused = check_template_send(outer.templates, message)
                    if refused:
                        return self.reply(*refused)
                else:
                    if message.get("type") == "interactive":
                        refused = check_interactive_send(message)
                        if refused:
                            return self.reply(*refused)
                    last = outer.customer_last_message.get(message.get("to", "").lstrip("+"))
                    if last is not None and time.time() - last > 24 * 3600:
                        return self.reply(*DOCUMENTED_SEND_ERRORS[131047])
                wamid = outer.next_wamids.pop(0) if outer.next_wamids else "wamid.fake%d" % len(outer.sent)
                to = json.loads(body).get("to", "")
                # The documented answer; message_status is "accepted" (or "held_for_quality_assessment").
                # A send to a BSUID answers user_id instead of wa_id.
                contact = {"input": to, "wa_id": outer.wa_ids.get(to.lstrip("+"), to.lstrip("+"))} if to else \
                    {"input": message["recipient"], "user_id": message["recipient"]}
                self.reply(200, {"messaging_product": "whatsapp", "contacts": [contact],
                                 "messages": [{"id": wamid, "message_status": "accepted"}]})

            def do_GET(self):
                if not self.authorized():
                    return
                url = urllib.parse.urlsplit(self.path)
                m = re.fullmatch(r"/%s/(\d+)/message_templates" % outer.version, url.path)
                if m:
                    return self.templates_page(m.group(1), urllib.parse.parse_qs(url.query))
                m = re.fullmatch(r"/%s/(\w+)" % outer.version, self.path)
                if m and m.group(1) in outer.media:
                    data, mime = outer.media[m.group(1)]
                    return self.reply(200, {"messaging_product": "whatsapp", "url": outer.base + "/download/" + m.group(1),
                                            "mime_type": mime, "sha256": "unused", "file_size": len(data),
                                            "id": m.group(1)})
                m = re.fullmatch(r"/download/(\w+)", self.path)
                if m and m.group(1) in outer.media:
                    # Meta's media host answers a download without a User-Agent with an error page
                    # (the Media API reference sends one; integrators report failures without).
                    if not self.headers.get("User-Agent"):
                        return self.reply(404, b"<html>Sorry, something went wrong.</html>", "text/html")
                    data, mime = outer.media[m.group(1)]
                    return self.reply(200, data, mime)
                self.reply(404, {"error": {"message": "Unsupported get request.", "code": 100}})

            def templates_page(self, waba_id, query):
                outer.template_requests.append(query)
                if waba_id != outer.waba_id:
                    return self.reply(400, {"error": {
                        "message": "Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due "
                                   "to missing permissions, or does not support this operation." % waba_id,
                        "type": "GraphMethodException", "code": 100, "error_subcode": 33, "fbtrace_id": "fake"}})
                limit = min(int(query.get("limit", ["25"])[0]), outer.template_page_size)
                start = int(base64.b64decode(query["after"][0]).decode()) if "after" in query else 0
                page = outer.templates[start:start + limit]
                fields = query.get("fields", ["name,language,status,category,components,id"])[0].split(",")
                data = [{k: v for k, v in t.items() if k in fields} for t in page]
                body = {"data": data, "paging": {"cursors": {
                    "before": base64.b64encode(str(start).encode()).decode(),
                    "after": base64.b64encode(str(start + len(page)).encode()).decode()}}}
                if start + len(page) < len(outer.templates):
                    body["paging"]["next"] = "%s/%s/%s/message_templates?limit=%d&after=%s" % (
                        outer.base, outer.version, waba_id, limit, body["paging"]["cursors"]["after"])
                self.reply(200, body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.api_base_url = self.base + "/" + version
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
