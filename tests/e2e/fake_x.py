"""A local fake of the parts of X's API v2 that the X channel uses, as documented:
POST /2/dm_conversations/with/{participant_id}/messages -> {"data":{"dm_conversation_id","dm_event_id"}}
POST /2/tweets -> {"data":{"id","text"}}, both with the OAuth 2.0 user token as Bearer; errors as
problem JSON ({"title","detail","type","status"}) with x-rate-limit-* headers on 429. It also serves
DM media under /media/ to the same bearer token (X serves DM media only to the participants)."""
import http.server
import json
import re
import threading


class FakeX:
    def __init__(self, token="test-user-token"):
        self.token = token
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

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                auth = self.headers.get("Authorization", "")
                if auth != "Bearer " + outer.token:
                    return self.unauthorized()
                dm = re.fullmatch(r"/2/dm_conversations/with/(\d+)/messages", self.path)
                if not dm and self.path != "/2/tweets":
                    return self.reply(404, {"title": "Not Found Error", "detail": "no such route", "status": 404,
                                            "type": "https://api.twitter.com/2/problems/resource-not-found"})
                sent = json.loads(body)
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
                outer.media_auth.append(self.headers.get("Authorization", ""))
                if self.headers.get("Authorization", "") != "Bearer " + outer.token:
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

    def media_url(self, name):
        return self.api_base_url + "/media/" + name

    def close(self):
        self.httpd.shutdown()
