"""End to end: routing (ACD) against the real binary. An admin configures skills, queues, agents'
profiles and a rule over REST; two agents go available; a customer writes through the API
channel; the offer travels over the WebSocket from one agent to the other, is accepted, the
figures show it, a transfer keeps the customer's place and resolving frees the agent. On
SQLite, and on PostgreSQL when the harness started one."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CallbackServer, Parley, WebSocket, pg_url, sign, wait_for  # noqa: E402


class RoutingTest(unittest.TestCase):
    database_url = None

    @classmethod
    def setUpClass(cls):
        cls.parley = Parley(database_url=cls.database_url)
        cls.admin = cls.parley.login()
        cls.callback = CallbackServer()
        p = cls.parley

        def ok(status, body, expected=(200, 201)):
            assert status in expected, (status, body)
            return body

        cls.ok = staticmethod(ok)
        cls.agents = {}
        for name in ("anna", "bert"):
            user = ok(*p.request("POST", "/api/v1/users", {"email": name + "@routing.test", "password": "a long password",
                                                           "role": "agent", "name": name.title()}, token=cls.admin)[:2])
            cls.agents[name] = {"id": user["id"], "token": p.login(name + "@routing.test", "a long password")}
        team = ok(*p.request("POST", "/api/v1/teams", {"name": "Support", "member_ids": [a["id"] for a in cls.agents.values()]},
                             token=cls.admin)[:2])
        cls.inbox = ok(*p.request("POST", "/api/v1/inboxes", {"name": "Shop", "channel": "api", "callback_url": cls.callback.url,
                                                              "team_ids": [team["id"]]}, token=cls.admin)[:2])

    @classmethod
    def tearDownClass(cls):
        cls.callback.close()
        cls.parley.close()

    def api(self, method, path, body=None, token=None, expected=(200, 201, 204)):
        status, out, _ = self.parley.request(method, path, body, token=token or self.admin)
        self.assertIn(status, expected, out)
        return out

    def customer_writes(self, who, text):
        raw = json.dumps({"id": "%s-%f" % (who, time.time()), "contact": {"id": who, "name": who.title()}, "text": text}).encode()
        status, body, _ = self.parley.request("POST", "/webhooks/api/%d" % self.inbox["id"], raw=raw,
                                              headers={"X-Parley-Signature": sign(self.inbox["secret"], raw)})
        self.assertEqual(status, 201, body)
        return body["conversation_id"]

    def stream(self, token):
        ws = WebSocket(self.parley.port, "/api/v1/stream?token=" + token)
        self.assertEqual(ws.recv()["type"], "hello")
        return ws

    def test_offers_travel_between_agents_and_routing_keeps_the_customers_place(self):
        anna, bert = self.agents["anna"], self.agents["bert"]
        # Configuration, with the clear 400s a typo gets.
        status, err, _ = self.parley.request("POST", "/api/v1/queues", {"name": "X", "strategy": "fastest"}, token=self.admin)
        self.assertEqual(status, 400)
        self.assertIn("strategy", err["error"]["message"])
        status, err, _ = self.parley.request("POST", "/api/v1/queues", {"name": "X"}, token=anna["token"])
        self.assertEqual(status, 403)
        german = self.api("POST", "/api/v1/skills", {"name": "language:de"})
        status, _, _ = self.parley.request("POST", "/api/v1/skills", {"name": "language:de"}, token=self.admin)
        self.assertEqual(status, 409)
        support = self.api("POST", "/api/v1/queues", {
            "name": "Support", "strategy": "longest_idle", "offer_timeout_s": 60,
            "required_skills": [{"skill_id": german["id"], "level": 2}],
            "agent_ids": [anna["id"], bert["id"]]})
        self.assertEqual(support["service_level"], {"threshold_s": 20, "target": 0.8})
        self.assertFalse(support["auto_accept"])
        billing = self.api("POST", "/api/v1/queues", {"name": "Billing", "agent_ids": [bert["id"]]})
        self.api("PUT", "/api/v1/users/%d/routing" % anna["id"],
                 {"skills": [{"skill_id": german["id"], "level": 3}], "capacity": {"messaging": 1}})
        profile = self.api("PUT", "/api/v1/users/%d/routing" % bert["id"], {"skills": [{"skill_id": german["id"], "level": 4}]})
        self.assertEqual(sorted(profile["queue_ids"]), sorted([support["id"], billing["id"]]))
        self.assertEqual(profile["capacity"]["messaging"], 8)
        rules = self.api("PUT", "/api/v1/routing_rules", {"rules": [{"inbox_id": self.inbox["id"], "queue_id": support["id"]}]})
        self.assertEqual(rules["rules"][0]["queue_id"], support["id"])

        ws_anna, ws_bert, ws_admin = self.stream(anna["token"]), self.stream(bert["token"]), self.stream(self.admin)
        # Anna goes available first: she has been idle longest and gets the first offer.
        self.api("PUT", "/api/v1/auth/me/availability", {"availability": "available"}, token=anna["token"])
        time.sleep(0.05)
        self.api("PUT", "/api/v1/auth/me/availability", {"availability": "available"}, token=bert["token"])

        carl = self.customer_writes("carl", "Hallo, wo ist meine Bestellung?")
        offer = ws_anna.recv_until(lambda e: e["type"] == "routing.offer")["data"]
        self.assertEqual(offer["conversation_id"], carl)
        self.assertEqual(offer["queue_name"], "Support")
        self.assertEqual(offer["channel"], "api")
        self.assertEqual(offer["contact_name"], "Carl")
        self.assertIn("Bestellung", offer["preview"])
        listed = self.api("GET", "/api/v1/offers", token=anna["token"])["offers"]
        self.assertEqual([o["conversation_id"] for o in listed], [carl])
        conversation = self.api("GET", "/api/v1/conversations/%d" % carl)
        self.assertEqual(conversation["routing_state"], "offered")
        self.assertEqual(conversation["queue_id"], support["id"])
        enqueued_at = conversation["enqueued_at"]
        self.assertTrue(enqueued_at)

        # Anna rejects: Bert is offered it; Anna's offer is gone.
        self.api("POST", "/api/v1/offers/%d/reject" % carl, token=anna["token"])
        offer = ws_bert.recv_until(lambda e: e["type"] == "routing.offer")["data"]
        self.assertEqual(offer["conversation_id"], carl)
        status, gone, _ = self.parley.request("POST", "/api/v1/offers/%d/accept" % carl, token=anna["token"])
        self.assertEqual(status, 409)
        self.assertEqual(gone["error"]["code"], "offer_gone")

        # Bert accepts: the conversation is his, and the desks hear of it.
        accepted = self.api("POST", "/api/v1/offers/%d/accept" % carl, token=bert["token"])
        self.assertEqual(accepted["assignee_id"], bert["id"])
        updated = ws_admin.recv_until(lambda e: e["type"] == "conversation.updated" and e["data"]["id"] == carl
                                      and e["data"]["assignee_id"] == bert["id"])
        self.assertEqual(updated["data"]["routing_state"], "assigned")

        # The figures (GET and the stream of supervisors and admins; agents get none).
        stats = self.api("GET", "/api/v1/queues/stats")
        self.assertRegex(stats["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        row = next(q for q in stats["queues"] if q["queue_id"] == support["id"])
        self.assertEqual(row["answered_today"], 1)
        self.assertEqual(row["agents_logged_in"], 2)
        self.assertEqual(row["waiting"], 0)
        self.assertEqual(row["target"], {"threshold_s": 20, "target": 0.8})
        self.assertIn("messaging", row["by_channel"])
        pushed = ws_admin.recv_until(lambda e: e["type"] == "queue.stats", timeout=8)
        self.assertIn(support["id"], [q["queue_id"] for q in pushed["data"]["queues"]])
        status, _, _ = self.parley.request("GET", "/api/v1/queues/stats", token=anna["token"])
        self.assertEqual(status, 403)

        # Transfer to Billing: the customer keeps his original enqueue time.
        moved = self.api("POST", "/api/v1/conversations/%d/transfer" % carl,
                         {"queue_id": billing["id"], "note": "Rechnungsfrage"}, token=bert["token"])
        self.assertEqual(moved["queue_id"], billing["id"])
        self.assertEqual(moved["enqueued_at"], enqueued_at)
        self.assertIsNone(moved["assignee_id"])
        messages = self.api("GET", "/api/v1/conversations/%d/messages" % carl)["data"]
        self.assertTrue(any(m["direction"] == "activity" and "Transferred" in m["text"] for m in messages))

        # Bert goes away; Anna (one messaging slot) takes Dora, so Emil waits for her ...
        self.api("PUT", "/api/v1/auth/me/availability", {"availability": "away"}, token=bert["token"])
        dora = self.customer_writes("dora", "Frage zur Lieferung")
        self.assertEqual(ws_anna.recv_until(lambda e: e["type"] == "routing.offer")["data"]["conversation_id"], dora)
        self.api("POST", "/api/v1/offers/%d/accept" % dora, token=anna["token"])
        emil = self.customer_writes("emil", "Noch eine Frage")
        time.sleep(0.5)
        self.assertEqual(self.api("GET", "/api/v1/offers", token=anna["token"])["offers"], [])
        self.assertEqual(self.api("GET", "/api/v1/conversations/%d" % emil)["routing_state"], "waiting")
        # ... and resolving Dora frees her for him.
        self.api("POST", "/api/v1/conversations/%d/status" % dora, {"status": "resolved"}, token=anna["token"])
        offer = ws_anna.recv_until(lambda e: e["type"] == "routing.offer" and e["data"]["conversation_id"] == emil)
        self.assertEqual(offer["data"]["queue_name"], "Support")
        for ws in (ws_anna, ws_bert, ws_admin):
            ws.close()


class RoutingPostgresTest(RoutingTest):
    database_url = pg_url()

    @classmethod
    def setUpClass(cls):
        if not cls.database_url:
            raise unittest.SkipTest("no PostgreSQL from the test harness")
        import subprocess
        import uuid
        dbname = "e2e_" + uuid.uuid4().hex[:12]
        base = cls.database_url
        subprocess.run(["psql", base, "-qc", "CREATE DATABASE " + dbname], check=True)
        cls.database_url = base.rsplit("/", 1)[0] + "/" + dbname
        super().setUpClass()


if __name__ == "__main__":
    unittest.main(verbosity=2)
