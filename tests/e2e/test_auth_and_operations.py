"""End to end: sessions, cookies and CSRF, API tokens, login rate limits, the admin CLI,
configuration errors, body limits, health, metrics and the OpenAPI document."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import PARLEY_BIN, Parley  # noqa: E402


class AuthAndOperationsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parley = Parley(extra_env={"PARLEY_LOGIN_ATTEMPTS_PER_ACCOUNT": "4", "PARLEY_BODY_LIMIT_BYTES": "65536"})
        cls.token = cls.parley.login()

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()

    def test_a_new_password_needs_the_current_one_and_ends_the_other_sessions(self):
        status, user, _ = self.parley.request("POST", "/api/v1/users", {"email": "pw-change@parley.local", "password": "first password",
                                                                         "role": "agent"}, token=self.token)
        self.assertEqual(status, 201, user)
        desk, phone = self.parley.login("pw-change@parley.local", "first password"), self.parley.login("pw-change@parley.local", "first password")
        me = "/api/v1/users/%d" % user["id"]
        status, body, _ = self.parley.request("PATCH", me, {"password": "second password"}, token=desk)
        self.assertEqual(status, 400, body)
        self.assertIn("current_password", body["error"]["message"])
        status, body, _ = self.parley.request("PATCH", me, {"password": "second password", "current_password": "wrong"}, token=desk)
        self.assertEqual(status, 403, body)
        status, body, _ = self.parley.request("PATCH", me, {"password": "second password", "current_password": "first password"},
                                              token=desk)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.parley.request("GET", "/api/v1/auth/me", token=desk)[0], 200)   # the session that changed it
        self.assertEqual(self.parley.request("GET", "/api/v1/auth/me", token=phone)[0], 401)  # every other one ends
        again = self.parley.login("pw-change@parley.local", "second password")
        # An admin resetting it ends all of the user's sessions, with no current password needed.
        status, body, _ = self.parley.request("PATCH", me, {"password": "third password"}, token=self.token)
        self.assertEqual(status, 200, body)
        for session in (desk, again):
            self.assertEqual(self.parley.request("GET", "/api/v1/auth/me", token=session)[0], 401)

    def test_guessing_the_current_password_in_a_session_is_limited_like_logins(self):
        status, user, _ = self.parley.request("POST", "/api/v1/users", {"email": "pw-guess@parley.local", "password": "first password",
                                                                         "role": "agent"}, token=self.token)
        self.assertEqual(status, 201, user)
        session = self.parley.login("pw-guess@parley.local", "first password")
        me = "/api/v1/users/%d" % user["id"]
        codes = [self.parley.request("PATCH", me, {"password": "new password!", "current_password": "guess %d" % i}, token=session)[0]
                 for i in range(4)]
        self.assertEqual(codes, [403, 403, 403, 403])
        status, body, headers = self.parley.request("PATCH", me, {"password": "new password!", "current_password": "first password"},
                                                    token=session)
        self.assertEqual(status, 429, body)  # the account's limit (4 here), shared with the login
        self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        status, _, _ = self.parley.request("POST", "/api/v1/auth/login", {"email": "pw-guess@parley.local", "password": "first password"})
        self.assertEqual(status, 429)

    def test_a_typo_in_a_list_query_is_refused_naming_it(self):
        for path in ["/api/v1/search?q=x&fo=1", "/api/v1/contacts?qq=Jana", "/api/v1/conversations?stauts=open"]:
            status, body, _ = self.parley.request("GET", path, token=self.token)
            self.assertEqual(status, 400, (path, body))
            self.assertIn("unknown query parameter", body["error"]["message"])

    def test_the_web_apps_missing_files_are_404_and_its_routes_its_page(self):
        web = tempfile.mkdtemp(prefix="parley-web-")
        os.makedirs(os.path.join(web, "assets"))
        with open(os.path.join(web, "index.html"), "w") as f:
            f.write("<!doctype html><title>Parley</title>")
        with open(os.path.join(web, "assets", "app.js"), "w") as f:
            f.write("console.log(1)")
        parley = Parley(extra_env={"PARLEY_STATIC_DIR": web})
        try:
            for path in ["/", "/conversations/7", "/assets/app.js"]:
                self.assertEqual(parley.request("GET", path)[0], 200, path)
            for path in ["/assets/gone.js", "/favicon-32.png", "/img/logo.svg"]:
                status, body, _ = parley.request("GET", path)
                self.assertEqual(status, 404, path)
                self.assertEqual(body["error"]["code"], "not_found")
        finally:
            parley.close()

    def test_cookie_session_needs_the_csrf_token_for_writes(self):
        req = urllib.request.Request(self.parley.base + "/api/v1/auth/login", method="POST",
                                     data=json.dumps({"email": "admin@parley.local",
                                                      "password": self.parley.admin_password}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            cookie = resp.headers["Set-Cookie"]
            login = json.loads(resp.read())
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        session = cookie.split(";")[0]
        status, me, _ = self.parley.request("GET", "/api/v1/auth/me", headers={"Cookie": session})
        self.assertEqual(status, 200)
        self.assertEqual(me["email"], "admin@parley.local")
        status, body, _ = self.parley.request("POST", "/api/v1/teams", {"name": "Cookie team"}, headers={"Cookie": session})
        self.assertEqual(status, 403)
        self.assertEqual(body["error"]["code"], "csrf")
        status, _, _ = self.parley.request("POST", "/api/v1/teams", {"name": "Cookie team"},
                                           headers={"Cookie": session, "X-CSRF-Token": login["csrf_token"]})
        self.assertEqual(status, 201)

    def test_logout_ends_the_session_and_the_agent_is_offline(self):
        token = self.parley.login()
        status, me, _ = self.parley.request("PUT", "/api/v1/auth/me/availability", {"availability": "available"}, token=token)
        self.assertEqual((status, me["availability"]), (200, "available"))
        self.assertEqual(self.parley.request("POST", "/api/v1/auth/logout", token=token)[0], 200)
        status, body, _ = self.parley.request("GET", "/api/v1/auth/me", token=token)
        self.assertEqual(status, 401)
        _, users, _ = self.parley.request("GET", "/api/v1/users", token=self.token)
        admin = [u for u in users["data"] if u["id"] == me["id"]][0]
        self.assertEqual(admin["availability"], "offline", "routing must not offer work to someone who left")

    def test_api_token_works_until_revoked_and_is_shown_once(self):
        status, created, _ = self.parley.request("POST", "/api/v1/api_tokens", {"name": "CRM sync"}, token=self.token)
        self.assertEqual(status, 201)
        secret = created["token"]
        self.assertEqual(self.parley.request("GET", "/api/v1/conversations", token=secret)[0], 200)
        _, listed, _ = self.parley.request("GET", "/api/v1/api_tokens", token=self.token)
        self.assertNotIn("token", json.dumps(listed["data"]))
        self.assertEqual(self.parley.request("DELETE", "/api/v1/api_tokens/%d" % created["id"], token=self.token)[0], 200)
        status, body, _ = self.parley.request("GET", "/api/v1/conversations", token=secret)
        self.assertEqual(status, 401)
        self.assertIn("revoked", body["error"]["message"])

    def test_wrong_passwords_are_rate_limited_per_account(self):
        status, body, _ = self.parley.request("POST", "/api/v1/users", {"email": "limit@parley.local",
                                                                        "password": "right password", "role": "agent"},
                                              token=self.token)
        self.assertEqual(status, 201, body)
        codes = [self.parley.request("POST", "/api/v1/auth/login", {"email": "limit@parley.local", "password": "wrong!!!"})[0]
                 for _ in range(5)]
        self.assertEqual(codes[:4], [401, 401, 401, 401])
        self.assertEqual(codes[4], 429)
        # Even the right password waits until the window passes.
        status, body, _ = self.parley.request("POST", "/api/v1/auth/login",
                                              {"email": "limit@parley.local", "password": "right password"})
        self.assertEqual(status, 429)

    def test_agents_may_not_manage_inboxes(self):
        self.parley.request("POST", "/api/v1/users", {"email": "agent@parley.local", "password": "agent password",
                                                      "role": "agent"}, token=self.token)
        agent = self.parley.login("agent@parley.local", "agent password")
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes",
                                              {"name": "x", "channel": "api", "callback_url": "http://127.0.0.1:9/"},
                                              token=agent)
        self.assertEqual(status, 403)
        self.assertEqual(body["error"]["code"], "forbidden")

    def test_bad_requests_get_clear_json_errors(self):
        cases = [
            (dict(raw=b"{not json", token=self.token), 400, "malformed JSON"),
            (dict(raw=b'{"name":"x"}', content_type="text/plain", token=self.token), 415, "application/json"),
            (dict(raw=b'{"name":"x","colour":"red"}', token=self.token), 400, "unknown field: colour"),
            (dict(raw=b'{"name":"x"}'), 401, ""),
            (dict(raw=b"x" * 70000, token=self.token), 413, ""),
        ]
        for kwargs, expected, text in cases:
            status, body, _ = self.parley.request("POST", "/api/v1/teams", **kwargs)
            self.assertEqual(status, expected, body)
            self.assertIn(text, body["error"]["message"])
        status, body, _ = self.parley.request("GET", "/api/v1/nothing-here", token=self.token)
        self.assertEqual(status, 404)
        # A method the path does not take: 405 with the Allow header RFC 9110 requires.
        status, body, headers = self.parley.request("PUT", "/api/v1/teams", {"name": "x"}, token=self.token)
        self.assertEqual(status, 405, body)
        self.assertEqual(body["error"]["code"], "method_not_allowed")
        self.assertEqual(dict((k.lower(), v) for k, v in headers.items())["allow"], "GET, HEAD, POST")
        self.assertEqual(self.parley.request("GET", "/healthz")[0], 200)  # still up

    def test_health_readiness_and_metrics(self):
        self.assertEqual(self.parley.request("GET", "/healthz")[0], 200)
        self.assertEqual(self.parley.request("GET", "/readyz")[0], 200)
        self.parley.request("GET", "/api/v1/conversations", token=self.token)
        status, text, headers = self.parley.request("GET", "/metrics")
        self.assertEqual(status, 200)
        text = text.decode()
        self.assertRegex(text, r'parley_http_requests_total\{method="GET",route="/api/v1/conversations",status="200"\} \d+')
        self.assertIn("parley_http_request_duration_seconds_bucket", text)
        self.assertRegex(text, r"parley_outbox_depth \d+")
        self.assertRegex(text, r"parley_websocket_connections \d+")
        self.assertRegex(text, r"parley_messages_in_total \d+")
        # Every metric is documented (docs/API.md, "Operations").
        docs = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "API.md")).read()
        names = re.findall(r"^# HELP (\w+) ", text, re.M)
        self.assertGreater(len(names), 10)
        for name in names:
            self.assertIn("`%s`" % name, docs)

    def test_a_browser_at_the_root_learns_where_things_are(self):
        status, body, headers = self.parley.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn(b"/api/openapi.json", body)

    def test_answers_are_valid_utf8_whatever_bytes_the_request_had(self):
        status, body, _ = self.parley.request("POST", "/webhooks/%A0pi/1", raw=b"{}")
        self.assertEqual(status, 404)  # decoding body as JSON above would have failed on raw bytes
        self.assertIn("\ufffd", body["error"]["message"])
        status, uploaded, _ = self.parley.request("POST", "/api/v1/attachments?filename=Rechnung%FF.pdf", raw=b"%PDF-1.4 x",
                                                  token=self.token, content_type="application/pdf")
        self.assertEqual(status, 201)
        self.assertEqual(uploaded["filename"], "Rechnung\ufffd.pdf")

    def test_the_stream_without_a_websocket_upgrade_says_how_to_connect(self):
        status, body, _ = self.parley.request("GET", "/api/v1/stream", token=self.token)
        self.assertEqual(status, 426)
        self.assertEqual(body["error"]["code"], "upgrade_required")
        self.assertIn("Upgrade: websocket", body["error"]["message"])

    def test_request_id_is_echoed(self):
        _, _, headers = self.parley.request("GET", "/healthz", headers={"X-Request-Id": "abc-123"})
        self.assertEqual(headers["X-Request-Id"], "abc-123")

    def test_openapi_document_matches_the_real_routes(self):
        status, doc, _ = self.parley.request("GET", "/api/openapi.json")
        self.assertEqual(status, 200)
        self.assertEqual(doc["openapi"], "3.1.0")
        for name in ["/api/v1/auth/login", "/api/v1/conversations/{id}/messages", "/api/v1/contacts/{id}/merge",
                     "/webhooks/api/{inbox_id}", "/api/v1/canned_responses/{id}/render", "/api/v1/attachments"]:
            self.assertIn(name, doc["paths"])
        # Query parameters and typed path ids, as a generated client needs them.
        def query_of(path, method="get"):
            return {p["name"]: p for p in doc["paths"][path][method].get("parameters", []) if p["in"] == "query"}
        self.assertLessEqual({"status", "inbox_id", "assignee_id", "team_id", "label", "contact_id", "cursor", "limit"},
                             set(query_of("/api/v1/conversations")))
        self.assertTrue(query_of("/api/v1/search")["q"]["required"])
        self.assertIn("filename", query_of("/api/v1/attachments", "post"))
        self.assertTrue(query_of("/api/v1/staffing")["model"]["required"])
        # Documented and accepted agree, both ways: every documented query parameter of a list is
        # taken (not refused as unknown), and one that is not documented is refused naming it.
        for path, op in doc["paths"].items():
            params = query_of(path) if "get" in op and "{" not in path else {}
            if not params or not path.startswith("/api/v1/") or path == "/api/v1/stream":  # a WebSocket
                continue
            for name in list(params) + ["zz_undocumented"]:
                status, body, _ = self.parley.request("GET", "%s?%s=1" % (path, name), token=self.token)
                message = body["error"]["message"] if status >= 400 and isinstance(body, dict) else ""
                if name == "zz_undocumented":
                    self.assertEqual(status, 400, (path, body))
                    self.assertIn("zz_undocumented", message, path)
                else:
                    self.assertFalse(message.startswith(name + ": unknown") or "unknown query parameter: " + name in message,
                                     (path, name, message))
        path_id = [p for p in doc["paths"]["/api/v1/conversations/{id}"]["get"]["parameters"] if p["in"] == "path"][0]
        self.assertEqual(path_id["schema"]["type"], "integer")
        # What the server answers outside the route table is documented too.
        self.assertEqual({"last_event_id", "token"}, {p["name"] for p in doc["paths"]["/api/v1/stream"]["get"]["parameters"]})
        self.assertIn("101", doc["paths"]["/api/v1/stream"]["get"]["responses"])
        self.assertIn("101", doc["paths"]["/widget/v1/inboxes/{id}/stream"]["get"]["responses"])
        status, body, _ = self.parley.request("GET", "/widget/v1/inboxes/1/stream")
        self.assertEqual(status, 426, body)
        self.assertEqual(body["error"]["code"], "upgrade_required")
        for name in ["/healthz", "/readyz", "/metrics"]:
            self.assertEqual([], doc["paths"][name]["get"]["security"], name)
        # Bodies are described: every operation that takes a body has a requestBody, every 2xx
        # answer with a body a content schema (tests/e2e/test_openapi_bodies.py checks the real
        # answers against them), and every reference resolves.
        bodiless = {("post", "/api/v1/auth/logout"), ("post", "/api/v1/contacts/{id}/unmerge"),
                    ("post", "/api/v1/conversations/{id}/messages/{message_id}/retry"),
                    ("post", "/api/v1/inboxes/{id}/templates/sync"), ("post", "/api/v1/offers/{conversation_id}/accept"),
                    ("post", "/api/v1/offers/{conversation_id}/reject")}
        for path, operations in doc["paths"].items():
            for method, op in operations.items():
                if method in ("post", "patch", "put"):
                    self.assertEqual((method, path) not in bodiless, "requestBody" in op, (method, path))
                    for media in op.get("requestBody", {}).get("content", {}).values():
                        self.assertIn("schema", media, (method, path))
                successes = {status: r for status, r in op["responses"].items() if status.startswith("2")}
                self.assertTrue(successes or "101" in op["responses"], (method, path))
                for status, response in successes.items():
                    if status != "204":
                        self.assertTrue(response.get("content"), (method, path, status))
                        for media in response["content"].values():
                            self.assertIn("schema", media, (method, path, status))
        # Statuses only one route answers: a file still being fetched, a provider refusing a sync.
        self.assertIn("409", doc["paths"]["/api/v1/attachments/{id}"]["get"]["responses"])
        self.assertIn("424", doc["paths"]["/api/v1/inboxes/{id}/templates/sync"]["post"]["responses"])
        for name in ["User", "Team", "Inbox", "Contact", "ContactIdentity", "Conversation", "Message", "Attachment",
                     "CannedResponse", "ApiToken", "Error", "ConversationPage", "MessagePage", "ApiChannelInbound",
                     "ApiChannelAnswer", "ApiChannelCallback"]:
            self.assertIn(name, doc["components"]["schemas"])

        def refs(node):
            if isinstance(node, dict):
                if isinstance(node.get("$ref"), str):
                    yield node["$ref"]
                for v in node.values():
                    yield from refs(v)
            elif isinstance(node, list):
                for v in node:
                    yield from refs(v)
        for ref in set(refs(doc)):
            target = doc
            for part in ref.split("/")[1:]:
                self.assertIn(part, target, ref)
                target = target[part]
        # Every documented operation exists on the server: never "no such endpoint" nor 405.
        throwaway = self.parley.login()  # one of the operations is logout
        for path, operations in doc["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "999999", path)
            for method in operations:
                status, body, _ = self.parley.request(method.upper(), concrete, raw=b"{}", token=throwaway)
                self.assertNotIn(status, (405,), (method, path))
                if status == 404:
                    self.assertNotIn("no such endpoint", body["error"]["message"], (method, path))


class BehindAReverseProxyTest(unittest.TestCase):
    """Behind nginx every connection comes from the proxy: with trusted_proxies the login limit per
    address counts each client (from X-Forwarded-For) on its own; without it, the header is ignored."""

    def login_codes(self, parley, forwarded_for, n):
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        return [parley.request("POST", "/api/v1/auth/login", {"email": "nobody%d@parley.local" % i, "password": "wrong!!!"},
                               headers=headers)[0] for i in range(n)]

    def test_each_client_behind_a_trusted_proxy_has_its_own_login_limit(self):
        parley = Parley(extra_env={"PARLEY_LOGIN_ATTEMPTS_PER_ADDRESS": "3", "PARLEY_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"})
        try:
            # The visitor's own entry ("1.2.3.4, ...") is not believed: the proxy's last entry is.
            self.assertEqual(self.login_codes(parley, "1.2.3.4, 203.0.113.7", 4), [401, 401, 401, 429])
            self.assertEqual(self.login_codes(parley, "5.6.7.8, 203.0.113.7", 1), [429])
            self.assertEqual(self.login_codes(parley, "198.51.100.20", 1), [401])  # another customer, not locked out
            with open(os.path.join(parley.data_dir, "server.log")) as f:
                self.assertIn('"remote":"198.51.100.20"', f.read())
        finally:
            parley.close()

    def test_without_trusted_proxies_the_header_changes_nothing(self):
        parley = Parley(extra_env={"PARLEY_LOGIN_ATTEMPTS_PER_ADDRESS": "3"})
        try:
            codes = [self.login_codes(parley, "203.0.113.%d" % i, 1)[0] for i in range(4)]
            self.assertEqual(codes, [401, 401, 401, 429])  # a forged header does not get around the limit
        finally:
            parley.close()

    def test_a_bad_entry_stops_the_start_naming_it(self):
        with tempfile.TemporaryDirectory(prefix="parley-cli-") as data_dir:
            result = subprocess.run([PARLEY_BIN, "serve"], capture_output=True, text=True, timeout=30,
                                    env=dict(os.environ, PARLEY_PORT="0", PARLEY_DATA_DIR=data_dir,
                                             PARLEY_TRUSTED_PROXIES="10.0.0.0/8, proxy.internal"))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("trusted_proxies: 'proxy.internal'", result.stderr)


class CommandLineTest(unittest.TestCase):
    def test_unknown_config_key_is_an_error_naming_the_key(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write('port = 0\nportt = 9000\n')
        result = subprocess.run([PARLEY_BIN, "serve", "--config", f.name], capture_output=True, text=True, timeout=30)
        os.unlink(f.name)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("unknown config key: portt", result.stderr)

    def test_a_bad_secret_key_or_host_stops_the_start_before_anything_is_created(self):
        for env, message in (({"PARLEY_SECRET_KEY": "abc"}, "config secret_key: must be 64 hex characters"),
                             ({"PARLEY_HOST": "not-a-host"}, "config host: expected an IPv4 or IPv6 address")):
            with tempfile.TemporaryDirectory(prefix="parley-cli-") as data_dir:
                result = subprocess.run([PARLEY_BIN, "serve"], capture_output=True, text=True, timeout=30,
                                        env=dict(os.environ, PARLEY_PORT="0", PARLEY_DATA_DIR=data_dir, **env))
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)
                # No database, so no demo admin whose password (printed once) a later start would not show.
                self.assertNotIn("password", result.stdout)
                self.assertFalse(os.path.exists(os.path.join(data_dir, "parley.db")))

    def test_a_misspelt_environment_variable_is_warned_about(self):
        parley = Parley(extra_env={"PARLEY_PROT": "1234", "PARLEY_STATIC_DIR": "/nonexistent/desk",
                                   "PARLEY_DICTIONARIES_DIR": "/nonexistent/hunspell"})
        try:
            with open(os.path.join(parley.data_dir, "server.log")) as f:
                log = f.read()
            self.assertIn('"variable":"PARLEY_PROT"', log)
            self.assertIn("names no setting", log)
            self.assertIn("static_dir has no index.html", log)
            self.assertIn('"file":"de_DE.dic"', log)
        finally:
            parley.close()

    def test_admin_create_user_then_login(self):
        data_dir = tempfile.mkdtemp(prefix="parley-cli-")
        env = dict(os.environ, PARLEY_DATA_DIR=data_dir)
        result = subprocess.run([PARLEY_BIN, "admin", "create-user", "--email", "Sup@Example.org", "--password",
                                 "supervisor pw", "--role", "supervisor", "--name", "Sabine"],
                                capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("sup@example.org", result.stdout)
        parley = Parley(data_dir=data_dir)
        try:
            token = parley.login("sup@example.org", "supervisor pw")
            _, me, _ = parley.request("GET", "/api/v1/auth/me", token=token)
            self.assertEqual(me["role"], "supervisor")
            self.assertEqual(me["name"], "Sabine")
        finally:
            parley.close()

    def test_every_setting_is_documented(self):
        keys = subprocess.run([PARLEY_BIN, "config-keys"], capture_output=True, text=True, timeout=30).stdout
        docs = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "CONFIG.md")).read()
        names = re.findall(r"^(\w+)\s+PARLEY_", keys, re.M)
        self.assertGreater(len(names), 10)
        for name in names:
            self.assertIn("`%s`" % name, docs)

    def test_a_forgotten_password_is_reset_from_the_command_line(self):
        data_dir = tempfile.mkdtemp(prefix="parley-cli-")
        parley = Parley(data_dir=data_dir)
        try:
            parley.stop()
            env = dict(os.environ, PARLEY_DATA_DIR=data_dir)
            result = subprocess.run([PARLEY_BIN, "admin", "set-password", "--email", "Admin@Parley.local",
                                     "--password", "a new password"], capture_output=True, text=True, env=env, timeout=60)
            self.assertEqual(result.returncode, 0, result.stderr)
            parley.start()
            parley.login("admin@parley.local", "a new password")
            result = subprocess.run([PARLEY_BIN, "admin", "set-password", "--email", "nobody@parley.local",
                                     "--password", "whatever pw"], capture_output=True, text=True, env=env, timeout=60)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("no user with the e-mail", result.stderr)
        finally:
            parley.close()

    def test_bad_role_is_refused(self):
        result = subprocess.run([PARLEY_BIN, "admin", "create-user", "--email", "a@b.c", "--password", "12345678",
                                 "--role", "boss"], capture_output=True, text=True, timeout=30,
                                env=dict(os.environ, PARLEY_DATA_DIR=tempfile.mkdtemp()))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--role", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
