"""A local fake of the parts of Meta's Graph API that the WhatsApp channel uses, as documented:
POST /{version}/{phone_number_id}/messages, POST /{version}/{phone_number_id}/media,
GET /{version}/{media_id} (media URL) and the media download, all with a bearer token."""
import http.server
import json
import re
import threading


class FakeGraph:
    def __init__(self, token="test-access-token", version="v23.0"):
        self.token, self.version = token, version
        self.sent = []          # (phone_number_id, json body)
        self.uploads = []       # (phone_number_id, raw multipart body)
        self.media = {}         # media_id -> (bytes, mime type)
        self.next_wamids = []   # wamids to answer sends with, in turn
        self.send_errors = []   # (status, body) to answer sends with first
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, status, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def authorized(self):
                if self.headers.get("Authorization") != "Bearer " + outer.token:
                    self.reply(401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                               "code": 190, "fbtrace_id": "fake"}})
                    return False
                return True

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not self.authorized():
                    return
                m = re.fullmatch(r"/%s/(\d+)/(messages|media)" % outer.version, self.path)
                if not m:
                    return self.reply(404, {"error": {"message": "Unknown path", "code": 100}})
                if m.group(2) == "media":
                    outer.uploads.append((m.group(1), body))
                    return self.reply(200, {"id": "uploaded-%d" % len(outer.uploads)})
                outer.sent.append((m.group(1), json.loads(body)))
                if outer.send_errors:
                    status, error = outer.send_errors.pop(0)
                    return self.reply(status, error)
                wamid = outer.next_wamids.pop(0) if outer.next_wamids else "wamid.fake%d" % len(outer.sent)
                to = json.loads(body).get("to", "")
                self.reply(200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
                                 "messages": [{"id": wamid}]})

            def do_GET(self):
                if not self.authorized():
                    return
                m = re.fullmatch(r"/%s/(\w+)" % outer.version, self.path)
                if m and m.group(1) in outer.media:
                    data, mime = outer.media[m.group(1)]
                    return self.reply(200, {"messaging_product": "whatsapp", "url": outer.base + "/download/" + m.group(1),
                                            "mime_type": mime, "sha256": "unused", "file_size": len(data),
                                            "id": m.group(1)})
                m = re.fullmatch(r"/download/(\w+)", self.path)
                if m and m.group(1) in outer.media:
                    data, mime = outer.media[m.group(1)]
                    return self.reply(200, data, mime)
                self.reply(404, {"error": {"message": "Unsupported get request.", "code": 100}})

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.api_base_url = self.base + "/" + version
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
