"""A local fake of the parts of the Telegram Bot API that the Telegram channel uses, as documented
(https://core.telegram.org/bots/api): POST /bot<token>/sendMessage (JSON), sendPhoto and
sendDocument (multipart/form-data upload), sendMediaGroup (an album: "media" is a JSON list of
InputMedia whose "media" names a multipart part as "attach://<name>"), getFile, answerCallbackQuery,
and the file download
GET /file/bot<token>/<file_path>. Answers are {"ok": true, "result": ...} or
{"ok": false, "error_code", "description", "parameters"}; the scripted failures answer the next
send with 429 (parameters.retry_after) or 400 (a description)."""
import email.parser
import email.policy
import http.server
import json
import struct
import threading
import time
import urllib.parse

from harness import SendHold


def photo_dimensions_invalid(data):
    """sendPhoto's rule: "The photo's width and height must not exceed 10000 in total. Width and
    height ratio must be at most 20." Checked for PNGs (the IHDR chunk)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return False
    width, height = struct.unpack(">II", data[16:24])
    return width + height > 10000 or max(width, height) > 20 * max(1, min(width, height))


def keyboard_problem(markup):
    """What the Bot API refuses in an InlineKeyboardMarkup (its error descriptions), or None."""
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        return "field \"inline_keyboard\" must be an Array of Array"
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                return "BUTTON_TEXT_INVALID"
            kinds = [k for k in ("callback_data", "url") if k in button]
            if len(kinds) != 1:
                return "can't parse inline keyboard button: exactly one of the optional fields must be used"
            if "callback_data" in button and not 1 <= len(button["callback_data"].encode()) <= 64:
                return "BUTTON_DATA_INVALID"
            if "url" in button and not button["url"].split("://")[0].lower() in ("http", "https", "tg"):
                return "BUTTON_URL_INVALID"
    return None


class FakeTelegram(SendHold):
    def __init__(self, token="123456789:AAE-fake_bot_token"):
        SendHold.__init__(self)
        self.token = token
        self.sent = []        # (method, params dict, files {field: (filename, content_type, bytes)}, time)
        self.answered = []    # callback_query_ids answered
        self.files = {}       # file_id -> (file_path, bytes)
        self.send_errors = []  # (status, body) to answer the next sends with, in turn
        self.blocked = set()   # chat ids of users who blocked the bot: sends answer 403
        self.next_message_id = 5000
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, status, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def error(self, code, description, parameters=None):
                body = {"ok": False, "error_code": code, "description": description}
                if parameters:
                    body["parameters"] = parameters
                self.reply(code, body)

            def params(self, body):
                """The method's parameters, whichever of the documented ways they came in."""
                query = urllib.parse.urlsplit(self.path).query
                params = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
                files = {}
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("application/json"):
                    params.update(json.loads(body or b"{}"))
                elif ctype.startswith("application/x-www-form-urlencoded"):
                    params.update({k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()})
                elif ctype.startswith("multipart/form-data"):
                    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        data = part.get_payload(decode=True) or b""
                        filename = part.get_filename()
                        if filename is not None:
                            files[name] = (filename, part.get_content_type(), data)
                        else:
                            params[name] = data.decode()
                return params, files

            def do_GET(self):
                self.handle_call(b"")

            def do_POST(self):
                self.handle_call(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

            def handle_call(self, body):
                path = urllib.parse.urlsplit(self.path).path
                prefix_file = "/file/bot" + outer.token + "/"
                if path.startswith(prefix_file):
                    wanted = urllib.parse.unquote(path[len(prefix_file):])
                    for file_path, data in outer.files.values():
                        if file_path == wanted:
                            return self.reply(200, data, "application/octet-stream")
                    return self.error(404, "Not Found")
                prefix = "/bot" + outer.token + "/"
                if not path.startswith(prefix):
                    # A wrong or revoked token.
                    return self.error(401, "Unauthorized")
                method = path[len(prefix):]
                try:
                    params, files = self.params(body)
                except (ValueError, UnicodeDecodeError):
                    return self.error(400, "Bad Request: can't parse request")
                if method in ("sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"):
                    return self.send_method(method, params, files)
                if method == "getFile":
                    file_id = params.get("file_id", "")
                    if file_id not in outer.files:
                        return self.error(400, "Bad Request: invalid file_id")
                    file_path, data = outer.files[file_id]
                    return self.reply(200, {"ok": True, "result": {"file_id": file_id, "file_unique_id": "u" + file_id[-8:],
                                                                   "file_size": len(data), "file_path": file_path}})
                if method == "answerCallbackQuery":
                    outer.answered.append(params.get("callback_query_id"))
                    return self.reply(200, {"ok": True, "result": True})
                self.error(404, "Not Found: method not found")

            def send_method(self, method, params, files):
                with outer.lock:
                    outer.sent.append((method, params, files, time.time()))
                    scripted = outer.send_errors.pop(0) if outer.send_errors else None
                    outer.next_message_id += 1
                    message_id = outer.next_message_id
                outer.held_here()  # hold_next(): got it; the answer waits until released
                if scripted:
                    return self.reply(*scripted)
                if "chat_id" not in params:
                    return self.error(400, "Bad Request: chat_id is empty")
                if "reply_parameters" in params:  # a ReplyParameters object (JSON text in a multipart form)
                    reply = params["reply_parameters"]
                    try:
                        reply = json.loads(reply) if isinstance(reply, str) else reply
                    except ValueError:
                        reply = None
                    if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
                        return self.error(400, "Bad Request: can't parse reply parameters JSON object")
                if int(params["chat_id"]) in outer.blocked:
                    return self.error(403, "Forbidden: bot was blocked by the user")
                if method == "sendMessage" and not params.get("text"):
                    return self.error(400, "Bad Request: message text is empty")
                part = {"sendPhoto": "photo", "sendDocument": "document"}.get(method)
                if part and part not in files:
                    return self.error(400, "Bad Request: there is no %s in the request" % part)
                if method == "sendPhoto" and photo_dimensions_invalid(files["photo"][2]):
                    return self.error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
                if method == "sendMediaGroup":
                    return self.send_album(params, files, message_id)
                chat_id = int(params["chat_id"])
                result = {"message_id": message_id,
                          "from": {"id": int(outer.token.split(":")[0]), "is_bot": True, "first_name": "Parley Support"},
                          "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                          "date": int(time.time())}
                if "message_thread_id" in params:  # a forum topic: the sent message is in it
                    result["message_thread_id"] = int(params["message_thread_id"])
                    result["is_topic_message"] = True
                if method == "sendMessage":
                    result["text"] = params["text"]
                elif "caption" in params:
                    result["caption"] = params["caption"]
                if "reply_markup" in params:
                    markup = params["reply_markup"]
                    markup = json.loads(markup) if isinstance(markup, str) else markup  # a multipart field is JSON text
                    problem = keyboard_problem(markup)
                    if problem:
                        return self.error(400, "Bad Request: " + problem)
                    result["reply_markup"] = markup  # the sent Message carries its keyboard
                self.reply(200, {"ok": True, "result": result})

            def send_album(self, params, files, first_message_id):
                """sendMediaGroup: "media: A JSON-serialized array describing messages to be sent,
                must include 2-10 items"; "Documents and audio files can be only grouped in an album
                with messages of the same type"; no reply_markup. Answers the list of the sent
                Messages, one per file, the caption on the file that had one."""
                if "reply_markup" in params:
                    return self.error(400, "Bad Request: sendMediaGroup has no parameter reply_markup")
                try:
                    media = json.loads(params.get("media", ""))
                except ValueError:
                    return self.error(400, "Bad Request: can't parse media JSON object")
                if not isinstance(media, list) or not 2 <= len(media) <= 10:
                    return self.error(400, "Bad Request: wrong number of media in the album: must be 2-10")
                kinds = set()
                for item in media:
                    if not isinstance(item, dict) or item.get("type") not in ("photo", "video", "document", "audio"):
                        return self.error(400, "Bad Request: can't parse InputMedia: unknown type")
                    ref = item.get("media", "")
                    if not ref.startswith("attach://") or ref[len("attach://"):] not in files:
                        return self.error(400, "Bad Request: can't find attached file \"%s\"" % ref)
                    if item["type"] == "photo" and photo_dimensions_invalid(files[ref[len("attach://"):]][2]):
                        return self.error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
                    kinds.add({"video": "photo"}.get(item["type"], item["type"]))
                    if len(item.get("caption", "")) > 1024:
                        return self.error(400, "Bad Request: message caption is too long")
                if len(kinds) > 1:
                    return self.error(400, "Bad Request: MEDIA_INVALID: documents and audio files can be only grouped with their own type")
                chat_id = int(params["chat_id"])
                with outer.lock:
                    outer.next_message_id += len(media) - 1  # one message per file
                results = []
                for i, item in enumerate(media):
                    message = {"message_id": first_message_id + i, "media_group_id": "album%d" % first_message_id,
                               "from": {"id": int(outer.token.split(":")[0]), "is_bot": True, "first_name": "Parley Support"},
                               "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                               "date": int(time.time())}
                    if "caption" in item:
                        message["caption"] = item["caption"]
                    results.append(message)
                self.reply(200, {"ok": True, "result": results})

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    # ---- switches -------------------------------------------------------------------------------
    def flood_once(self, retry_after=1):
        """The next send answers 429 "Too Many Requests" with parameters.retry_after."""
        self.send_errors.append((429, {"ok": False, "error_code": 429,
                                       "description": "Too Many Requests: retry after %d" % retry_after,
                                       "parameters": {"retry_after": retry_after}}))

    def bad_request_once(self, description="Bad Request: chat not found"):
        """The next send answers 400 with this description."""
        self.send_errors.append((400, {"ok": False, "error_code": 400, "description": description}))

    def add_file(self, file_id, file_path, data):
        self.files[file_id] = (file_path, data)

    def close(self):
        self.httpd.shutdown()
