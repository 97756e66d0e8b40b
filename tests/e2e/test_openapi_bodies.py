"""End to end: the OpenAPI document's body schemas tell the truth. The main flows of an integrator
(log in, set up a team, a user, inboxes and a contact, a customer writing through the API channel
and WhatsApp, the desk listing, answering and noting, a file upload, canned responses, API tokens,
the error answers; then routing, staffing, spell check and the web chat widget) run against the
real binary, and every JSON answer is validated against the schema /api/openapi.json gives for
its route and status (JSON Schema 2020-12, as OpenAPI 3.1 uses), with no field of the answer
left undocumented; every JSON body sent is validated against the route's requestBody schema."""
import base64
import copy
import json
import os
import re
import sys
import unittest
import urllib.parse

import jsonschema
from jsonschema import Draft202012Validator

sys.path.insert(0, os.path.dirname(__file__))
from fake_graph import FakeGraph  # noqa: E402
from harness import CallbackServer, Parley, sign, wait_for  # noqa: E402

try:  # jsonschema 4.18 and later resolve references with `referencing`; Debian 12 has 4.10
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012
except ImportError:
    Registry = None

try:  # optional: where it is installed, the whole document is checked against the OpenAPI 3.1 schema
    import openapi_spec_validator
except ImportError:
    openapi_spec_validator = None

DOCUMENT_URI = "urn:parley:openapi"
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "channels", "whatsapp", "fixtures")


def strict(document):
    """The document with every described object closed: a property the server writes that the
    schema does not name is an error (unevaluatedProperties: false). A schema another extends
    with allOf stays open itself and is closed where it is used on its own."""
    doc = copy.deepcopy(document)
    schemas = doc["components"]["schemas"]
    extended = set()

    def find_extended(node):
        if isinstance(node, dict):
            for part in node.get("allOf", []):
                if "$ref" in part:
                    extended.add(part["$ref"])
            for v in node.values():
                find_extended(v)
        elif isinstance(node, list):
            for v in node:
                find_extended(v)

    find_extended(doc)

    def close(node, root_ref=None, in_all_of=False):
        if isinstance(node, list):
            return [close(v, in_all_of=in_all_of) for v in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node and node["$ref"] in extended and not in_all_of:
            return {"allOf": [node], "unevaluatedProperties": False}
        out = {}
        for k, v in node.items():
            if k in ("properties", "patternProperties", "$defs"):
                out[k] = {name: close(s) for name, s in v.items()}
            elif k == "allOf":
                out[k] = close(v, in_all_of=True)
            elif k in ("additionalProperties", "items", "unevaluatedProperties", "not", "contentSchema"):
                out[k] = close(v)
            elif k in ("oneOf", "anyOf", "prefixItems"):
                out[k] = close(v)
            else:
                out[k] = v
        opened = "additionalProperties" in out or "unevaluatedProperties" in out
        if ("properties" in out or "allOf" in out) and not opened and root_ref not in extended:
            out["unevaluatedProperties"] = False
        return out

    for name in list(schemas):
        schemas[name] = close(schemas[name], root_ref="#/components/schemas/" + name)
    return doc


class Contract:
    """The document's operations, matched to concrete requests, and validators for their bodies."""

    def __init__(self, document):
        self.document = document
        self.strict = strict(document)
        self.operations = []
        for pattern, item in document["paths"].items():
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(pattern)) + "$"
            literal = len(re.sub(r"\{[^}]+\}", "", pattern))
            self.operations.append((literal, pattern, re.compile(regex), item))
        self.operations.sort(key=lambda o: -o[0])  # /queues/stats before /queues/{id}
        self.checked = set()

    def operation(self, method, path):
        path = urllib.parse.urlsplit(path).path
        for _, pattern, regex, item in self.operations:
            if regex.match(path) and method.lower() in item:
                return pattern, item[method.lower()]
        raise AssertionError("%s %s: no operation in the OpenAPI document" % (method, path))

    def resolve(self, node, document=None):
        document = document or self.document
        while isinstance(node, dict) and "$ref" in node:
            target = document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def validator(self, schema, document):
        if Registry is not None:
            registry = Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(document))
            return Draft202012Validator(schema, registry=registry)
        return Draft202012Validator(schema, resolver=jsonschema.RefResolver(DOCUMENT_URI, document))

    def schema_errors(self, schema_ref, instance, document):
        """jsonschema's complaints about `instance` against the schema at `schema_ref` (a
        "#/components/..." reference or an inline schema) of `document`; against the strict
        document, no property may be left undescribed."""
        schema = {"$ref": DOCUMENT_URI + schema_ref} if isinstance(schema_ref, str) else schema_ref
        if document is self.strict:
            schema = {"allOf": [schema], "unevaluatedProperties": False}
        # The deepest complaint first: it names the field at fault (an object around it then also
        # counts the field's siblings as unevaluated).
        errors = sorted(self.validator(schema, document).iter_errors(instance), key=lambda e: -len(e.absolute_path))
        return ["%s at %s" % (e.message, "/".join(str(p) for p in e.absolute_path) or "(root)") for e in errors]

    def json_schema_of(self, media):
        schema = (media or {}).get("application/json", {}).get("schema")
        return schema["$ref"] if schema and "$ref" in schema else schema

    def check_request(self, method, path, body):
        pattern, op = self.operation(method, path)
        request = op.get("requestBody")
        assert request is not None, "%s %s: sends a body, but the document has no requestBody" % (method, pattern)
        schema = self.json_schema_of(request.get("content"))
        assert schema is not None, "%s %s: the requestBody has no application/json schema" % (method, pattern)
        errors = self.schema_errors(schema, body, self.document)
        assert not errors, "%s %s: the requestBody schema refuses the body sent: %s" % (method, pattern, "; ".join(errors))

    def check_response(self, method, path, status, body, content_type):
        pattern, op = self.operation(method, path)
        response = op["responses"].get(str(status))
        assert response is not None, "%s %s: answered %d, which the document does not list" % (method, pattern, status)
        response = self.resolve(response)
        if status == 204:
            assert not body and not response.get("content"), "%s %s 204: has a body" % (method, pattern)
            self.checked.add((method.upper(), pattern, status))
            return
        if not content_type.startswith("application/json"):
            return
        schema = self.json_schema_of(response.get("content"))
        assert schema is not None, "%s %s %d: a JSON answer without a schema in the document" % (method, pattern, status)
        errors = self.schema_errors(schema, body, self.strict)
        assert not errors, "%s %s %d: the answer does not match %s: %s\n%s" % (
            method, pattern, status, schema, "; ".join(errors), json.dumps(body)[:2000])
        self.checked.add((method.upper(), pattern, status))


class OpenApiBodiesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parley = Parley()
        cls.graph = FakeGraph()
        cls.callback = CallbackServer()
        status, document, _ = cls.parley.request("GET", "/api/openapi.json")
        assert status == 200
        cls.contract = Contract(document)
        cls.token = cls.parley.login()

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.graph.close()
        cls.callback.close()

    def call(self, method, path, body=None, token="admin", expect=None, raw=None, headers=None, content_type="application/json"):
        """One request, its JSON body checked against the requestBody schema and the answer
        against the schema of its route and status; `expect` the status it must have."""
        if body is not None:
            self.contract.check_request(method, path, body)
        if token == "admin":
            token = self.token
        status, answer, answer_headers = self.parley.request(method, path, body, token=token, raw=raw, headers=headers,
                                                             content_type=content_type)
        if expect is not None:
            self.assertEqual(status, expect, (method, path, answer))
        self.contract.check_response(method, path, status, answer, answer_headers.get("Content-Type", ""))
        return answer

    def api_inbound(self, inbox, message, expect=201):
        raw = json.dumps(message).encode()
        self.contract.check_request("POST", "/webhooks/api/%d" % inbox["id"], message)
        return self.call("POST", "/webhooks/api/%d" % inbox["id"], raw=raw, token=None, expect=expect,
                         headers={"X-Parley-Signature": sign(inbox["secret"], raw)})

    def test_every_operation_of_the_bodies_file_is_a_route(self):
        # A route renamed without its entry in openapi_bodies.json would lose its schemas unnoticed.
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "src", "http", "openapi_bodies.json")) as f:
            operations = json.load(f)["operations"]
        for key in operations:
            method, path = key.split(" ", 1)
            self.assertIn(method.lower(), self.contract.document["paths"].get(path, {}), key)

    def test_the_schemas_are_json_schema_2020_12(self):
        for name, schema in self.contract.document["components"]["schemas"].items():
            with self.subTest(schema=name):
                Draft202012Validator.check_schema(schema)

    @unittest.skipUnless(openapi_spec_validator, "openapi-spec-validator is not installed (it is optional)")
    def test_the_document_is_valid_openapi_3_1(self):
        openapi_spec_validator.validate(self.contract.document)

    def test_the_checker_refuses_what_the_document_does_not_describe(self):
        # Without this the test below could pass on schemas that accept anything.
        conversation = {"id": 1}
        with self.assertRaisesRegex(AssertionError, r"GET /api/v1/conversations/\{id\} 200: .*'inbox_id' is a required property"):
            self.contract.check_response("GET", "/api/v1/conversations/1", 200, conversation, "application/json")
        error = {"error": {"code": "not_found", "message": "gone", "hint": "undocumented"}}
        with self.assertRaisesRegex(AssertionError, r"Unevaluated properties are not allowed \('hint' was unexpected\) at error"):
            self.contract.check_response("GET", "/api/v1/conversations/1", 404, error, "application/json")
        with self.assertRaisesRegex(AssertionError, r"POST /api/v1/teams: the requestBody schema refuses the body sent"):
            self.contract.check_request("POST", "/api/v1/teams", {"name": "Support", "colour": "red"})

    def test_the_main_flows_answer_as_the_document_says(self):
        # ---- logging in, you ----------------------------------------------------------------------
        login = self.call("POST", "/api/v1/auth/login", {"email": "admin@parley.local", "password": self.parley.admin_password},
                          token=None, expect=200)
        me = self.call("GET", "/api/v1/auth/me", token=login["token"], expect=200)
        self.call("PUT", "/api/v1/auth/me/availability", {"availability": "available"}, expect=200)

        # ---- a team, a user, inboxes ------------------------------------------------------------
        team = self.call("POST", "/api/v1/teams", {"name": "Support", "description": "first line"}, expect=201)
        user = self.call("POST", "/api/v1/users", {"email": "agent@example.de", "password": "agent password 1", "name": "Anna",
                                                   "role": "agent", "language": "de"}, expect=201)
        self.call("PATCH", "/api/v1/teams/%d" % team["id"], {"member_ids": [user["id"], me["id"]]}, expect=200)
        self.call("GET", "/api/v1/teams", expect=200)
        self.call("GET", "/api/v1/teams/%d" % team["id"], expect=200)
        self.call("PATCH", "/api/v1/users/%d" % user["id"], {"name": "Anna Berg"}, expect=200)
        self.call("GET", "/api/v1/users", expect=200)
        self.call("GET", "/api/v1/users/%d" % user["id"], expect=200)
        api = self.call("POST", "/api/v1/inboxes", {"name": "CRM", "channel": "api", "callback_url": self.callback.url,
                                                    "team_ids": [team["id"]]}, expect=201)
        self.assertIn("secret", api)
        whatsapp = self.call("POST", "/api/v1/inboxes", {
            "name": "WhatsApp", "channel": "whatsapp",
            "config": {"phone_number_id": "106540352242922", "access_token": self.graph.token, "app_secret": "test-app-secret",
                       "verify_token": "verify-me", "api_base_url": self.graph.api_base_url}}, expect=201)
        self.assertEqual(whatsapp["config"]["access_token"], "********")  # what the schema says of secrets
        self.call("GET", "/api/v1/inboxes", expect=200)
        self.call("GET", "/api/v1/inboxes/%d" % api["id"], expect=200)
        self.call("PATCH", "/api/v1/inboxes/%d" % api["id"], {"name": "CRM (live)"}, expect=200)

        # ---- a contact with identities ----------------------------------------------------------
        contact = self.call("POST", "/api/v1/contacts", {"name": "Jana Müller", "phone": "+49 30 1234567",
                                                         "email": "Jana@Example.de", "attributes": {"plan": "pro"}}, expect=201)
        self.call("POST", "/api/v1/contacts/%d/identities" % contact["id"], {"kind": "external", "value": "crm-7", "scope": "crm"},
                  expect=201)
        self.call("GET", "/api/v1/contacts/%d" % contact["id"], expect=200)
        self.call("PATCH", "/api/v1/contacts/%d" % contact["id"], {"attributes": {"plan": "enterprise"}}, expect=200)
        self.call("GET", "/api/v1/contacts?q=Jana&limit=1", expect=200)

        # ---- a customer writes through the API channel and WhatsApp -----------------------------
        pdf = b"%PDF-1.4 invoice"
        first = self.api_inbound(api, {"id": "msg-1", "contact": {"id": "crm-42", "name": "Jana Müller", "phone": "+49 30 1234567"},
                                       "text": "Wo bleibt meine Rückerstattung?",
                                       "attachments": [{"data_base64": base64.b64encode(pdf).decode(), "filename": "rechnung.pdf",
                                                        "content_type": "application/pdf"}]})
        self.api_inbound(api, {"id": "msg-2", "contact": {"id": "crm-42"}, "text": "Hallo?", "reply_to_id": "msg-1"})
        again = self.api_inbound(api, {"id": "msg-2", "contact": {"id": "crm-42"}, "text": "Hallo?"}, expect=200)
        self.assertTrue(again["duplicate"])
        self.call("POST", "/webhooks/api/%d" % api["id"], raw=b'{"id":"x"}', token=None, expect=401,
                  headers={"X-Parley-Signature": "sha256=" + "0" * 64})
        with open(os.path.join(FIXTURES, "location.json"), "rb") as f:
            location = f.read()
        self.call("POST", "/webhooks/whatsapp", raw=location, token=None, expect=200,
                  headers={"X-Hub-Signature-256": sign("test-app-secret", location)})

        # ---- the desk: conversations, replies, notes, files -------------------------------------
        page = self.call("GET", "/api/v1/conversations?limit=1", expect=200)
        self.assertIsNotNone(page["next_cursor"])
        self.call("GET", "/api/v1/conversations?cursor=%s" % urllib.parse.quote(page["next_cursor"]), expect=200)
        conversation_id = first["conversation_id"]
        self.call("GET", "/api/v1/conversations/%d" % conversation_id, expect=200)
        self.call("GET", "/api/v1/contacts/%d/conversations" % first["contact_id"], expect=200)
        self.call("PATCH", "/api/v1/conversations/%d" % conversation_id, {"priority": "high", "labels": ["refund"]}, expect=200)
        self.call("POST", "/api/v1/conversations/%d/assign" % conversation_id, {"assignee_id": me["id"], "team_id": team["id"]},
                  expect=200)
        self.call("POST", "/api/v1/conversations/%d/labels" % conversation_id, {"labels": ["vip"]}, expect=200)
        self.call("DELETE", "/api/v1/conversations/%d/labels/vip" % conversation_id, expect=200)
        self.call("POST", "/api/v1/conversations/%d/status" % conversation_id,
                  {"status": "snoozed", "snoozed_until": "2030-01-01T08:00:00Z"}, expect=200)
        self.call("POST", "/api/v1/conversations/%d/status" % conversation_id, {"status": "open"}, expect=200)
        uploaded = self.call("POST", "/api/v1/attachments?filename=antwort.pdf", raw=b"%PDF-1.4 answer",
                             content_type="application/pdf", expect=201)
        self.assertIsNone(uploaded["message_id"])
        reply = self.call("POST", "/api/v1/conversations/%d/messages" % conversation_id,
                          {"text": "Die Erstattung ist unterwegs.", "attachment_ids": [uploaded["id"]], "reply_to_id": first["message_id"]},
                          expect=201)
        self.assertEqual(reply["attachments"][0]["id"], uploaded["id"])
        self.call("POST", "/api/v1/conversations/%d/messages" % conversation_id, {"text": "Kundin ist VIP", "private": True},
                  expect=201)
        messages = self.call("GET", "/api/v1/conversations/%d/messages?limit=100" % conversation_id, expect=200)["data"]
        self.assertTrue(any(m["attachments"] and m["direction"] == "incoming" for m in messages))
        self.assertTrue(any(m["reply_to_id"] for m in messages))
        self.call("GET", "/api/v1/conversations/%d/messages?limit=1" % conversation_id, expect=200)
        whatsapp_conversation = self.call("GET", "/api/v1/conversations?inbox_id=%d" % whatsapp["id"], expect=200)["data"][0]
        located = self.call("GET", "/api/v1/conversations/%d/messages" % whatsapp_conversation["id"], expect=200)["data"]
        self.assertTrue(located[0]["location"]["name"].startswith("Philz Coffee"))  # a location, as the schema gives it
        self.call("GET", "/api/v1/search?q=Erstattung", expect=200)
        self.call("POST", "/api/v1/conversations/%d/typing" % conversation_id, {"typing": True}, expect=200)
        # The reply reaches the integrator's callback_url in the documented webhook body.
        wait_for(lambda: self.callback.received, timeout=15)
        delivered = json.loads(self.callback.received[0][1])
        errors = self.contract.schema_errors("#/components/schemas/ApiChannelCallback", delivered, self.contract.strict)
        self.assertEqual([], errors, delivered)
        self.assertEqual(self.contract.document["webhooks"]["apiChannelReply"]["post"]["requestBody"]["content"]["application/json"]
                         ["schema"]["$ref"], "#/components/schemas/ApiChannelCallback")
        sent = wait_for(lambda: [m for m in self.call("GET", "/api/v1/conversations/%d/messages?limit=100" % conversation_id)["data"]
                                 if m["id"] == reply["id"] and m["delivery_status"] == "sent"], timeout=15)
        self.assertTrue(sent)
        # Retrying a message that did not fail is a conflict, answered as an Error.
        self.call("POST", "/api/v1/conversations/%d/messages/%d/retry" % (conversation_id, reply["id"]), expect=409)

        # ---- canned responses -------------------------------------------------------------------
        canned = self.call("POST", "/api/v1/canned_responses", {"short_code": "refund", "language": "de",
                                                                "content": "Hallo {{contact.first_name}}, hier ist {{agent.name}}."},
                           expect=201)
        self.call("GET", "/api/v1/canned_responses", expect=200)
        self.call("GET", "/api/v1/canned_responses/%d" % canned["id"], expect=200)
        self.call("PATCH", "/api/v1/canned_responses/%d" % canned["id"], {"content": "Hallo {{contact.first_name}}!"}, expect=200)
        rendered = self.call("POST", "/api/v1/canned_responses/%d/render" % canned["id"], {"conversation_id": conversation_id},
                             expect=200)
        self.assertEqual(rendered["text"], "Hallo Jana!")
        self.call("DELETE", "/api/v1/canned_responses/%d" % canned["id"], expect=200)

        # ---- API tokens -------------------------------------------------------------------------
        created = self.call("POST", "/api/v1/api_tokens", {"name": "CRM sync"}, expect=201)
        self.call("GET", "/api/v1/auth/me", token=created["token"], expect=200)
        self.call("GET", "/api/v1/api_tokens", expect=200)
        self.call("DELETE", "/api/v1/api_tokens/%d" % created["id"], expect=200)

        # ---- error answers ----------------------------------------------------------------------
        self.call("POST", "/api/v1/teams", {"description": "no name"}, expect=400)
        self.call("GET", "/api/v1/conversations?assignee=someone", expect=400)
        self.call("GET", "/api/v1/conversations", token=None, expect=401)
        self.call("POST", "/api/v1/auth/login", {"email": "admin@parley.local", "password": "wrong"}, token=None, expect=401)
        agent = self.parley.login("agent@example.de", "agent password 1")
        self.call("POST", "/api/v1/users", {"email": "x@example.de", "password": "password 12"}, token=agent, expect=403)
        self.call("GET", "/api/v1/conversations/999999", expect=404)
        self.call("POST", "/api/v1/teams", raw=b"name=x", content_type="application/x-www-form-urlencoded", expect=415)
        self.call("POST", "/api/v1/contacts", {"name": "Doppelt", "email": "jana@example.de"}, expect=409)

        # ---- the rest of the day ---------------------------------------------------------------------
        self.call("DELETE", "/api/v1/users/%d" % user["id"], expect=200)
        self.call("GET", "/healthz", token=None, expect=200)
        self.call("GET", "/readyz", token=None, expect=200)
        self.call("POST", "/api/v1/auth/logout", token=login["token"], expect=200)

        self.check_the_routes_met_first()

    def test_routing_staffing_spelling_and_the_web_chat_answer_as_the_document_says(self):
        skill = self.call("POST", "/api/v1/skills", {"name": "billing"}, expect=201)
        self.call("PATCH", "/api/v1/skills/%d" % skill["id"], {"name": "invoices"}, expect=200)
        self.call("GET", "/api/v1/skills", expect=200)
        queue = self.call("POST", "/api/v1/queues", {"name": "Billing", "required_skills": [{"skill_id": skill["id"], "level": 2}]},
                          expect=201)
        self.call("GET", "/api/v1/queues", expect=200)
        self.call("GET", "/api/v1/queues/%d" % queue["id"], expect=200)
        self.call("PATCH", "/api/v1/queues/%d" % queue["id"], {"offer_timeout_s": 30}, expect=200)
        self.call("GET", "/api/v1/queues/stats", expect=200)
        self.call("PUT", "/api/v1/routing_rules", {"rules": [{"channel": "webchat", "queue_id": queue["id"], "priority": 1}]},
                  expect=200)
        self.call("GET", "/api/v1/routing_rules", expect=200)
        self.call("PUT", "/api/v1/routing_rules", {"rules": []}, expect=200)
        self.call("GET", "/api/v1/offers", expect=200)
        self.call("PUT", "/api/v1/users/1/routing", {"skills": [{"skill_id": skill["id"], "level": 3}], "queue_ids": [queue["id"]]},
                  expect=200)
        self.call("GET", "/api/v1/users/1/routing", expect=200)
        team = self.call("POST", "/api/v1/teams", {"name": "Routing team"}, expect=201)
        capacity = self.call("GET", "/api/v1/teams/%d/routing" % team["id"], expect=200)["capacity"]
        self.call("PUT", "/api/v1/teams/%d/routing" % team["id"], {"capacity": dict(capacity, chat=2)}, expect=200)
        self.call("GET", "/api/v1/staffing?model=erlang-c&arrivals=100&interval_s=1800&aht_s=300&sl_target=0.8&sl_seconds=20",
                  expect=200)
        self.call("POST", "/api/v1/spellcheck", {"text": "Hallo Wellt", "language": "de"})  # 200, or 503 without dictionaries
        web = self.call("POST", "/api/v1/inboxes", {"name": "Shop", "channel": "webchat", "config": {"allowed_origins": ["*"]}},
                        expect=201)
        base = "/widget/v1/inboxes/%d" % web["id"]
        self.call("GET", base + "/config", token=None, expect=200)
        session = self.call("POST", base + "/session", {"name": "Vera", "email": "vera@example.de"}, token=None, expect=200)
        self.call("POST", base + "/messages", {"text": "Hallo, ist jemand da?", "client_id": "m-1"}, token=session["token"],
                  expect=201)
        self.call("POST", base + "/files?filename=foto.png", raw=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, token=session["token"],
                  content_type="image/png", expect=201)
        self.call("GET", base + "/messages", token=session["token"], expect=200)
        self.call("POST", base + "/typing", {"typing": True}, token=session["token"], expect=200)
        self.call("POST", base + "/read", {"message_ids": [1]}, token=session["token"], expect=200)
        self.call("GET", base + "/messages", token="not-a-session", expect=401)
        self.call("DELETE", "/api/v1/queues/%d" % queue["id"], expect=204)
        self.call("DELETE", "/api/v1/skills/%d" % skill["id"], expect=204)

    def check_the_routes_met_first(self):
        # Every answer above was checked; these are the routes and statuses an integrator meets first.
        for expected in [("POST", "/api/v1/auth/login", 200), ("GET", "/api/v1/conversations", 200),
                         ("GET", "/api/v1/conversations/{id}/messages", 200), ("POST", "/api/v1/conversations/{id}/messages", 201),
                         ("POST", "/webhooks/api/{inbox_id}", 201), ("POST", "/webhooks/api/{inbox_id}", 200),
                         ("POST", "/api/v1/attachments", 201), ("POST", "/api/v1/canned_responses/{id}/render", 200),
                         ("POST", "/api/v1/api_tokens", 201), ("GET", "/api/v1/conversations", 401),
                         ("POST", "/api/v1/users", 403), ("GET", "/api/v1/conversations/{id}", 404), ("POST", "/api/v1/teams", 400)]:
            self.assertIn(expected, self.contract.checked)


if __name__ == "__main__":
    unittest.main()
