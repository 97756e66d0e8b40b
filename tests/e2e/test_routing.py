"""End to end: routing (ACD) against the real binary. An admin configures skills, queues, agents'
profiles and a rule over REST; two agents go available; a customer writes through the API
channel; the offer travels over the WebSocket from one agent to the other, is accepted, the
figures show it, a transfer keeps the customer's place and resolving frees the agent. A team
member added to a queue's team is offered work at once, and a desk that reconnects is not
replayed offers that are gone. In a tenant without queues, the first queue takes in the
conversations already open (oldest first), and after a restart an offer still shows the
customer's last message. On SQLite, and on PostgreSQL when the harness started one."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CallbackServer, Parley, WebSocket, pg_url, sign, wait_for  # noqa: E402


def fresh_pg_database(base):
    """A database of its own on the harness's PostgreSQL cluster (its URL), or None without one."""
    if not base:
        return None
    import subprocess
    import uuid
    dbname = "e2e_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", base, "-qc", "CREATE DATABASE " + dbname], check=True)
    return base.rsplit("/", 1)[0] + "/" + dbname


class RoutingBase(unittest.TestCase):
    """A server of the class's own, and the helpers of both scenarios."""
    on_postgres = False  # True: a database of its own on the harness's PostgreSQL (else skipped)

    @classmethod
    def start_server(cls):
        database_url = None
        if cls.on_postgres:
            database_url = fresh_pg_database(pg_url())
            if not database_url:
                raise unittest.SkipTest("no PostgreSQL from the test harness")
        cls.parley = Parley(database_url=database_url)
        cls.admin = cls.parley.login()
        cls.callback = CallbackServer()

    @classmethod
    def tearDownClass(cls):
        cls.callback.close()
        cls.parley.close()

    def api(self, method, path, body=None, token=None, expected=(200, 201, 204)):
        status, out, _ = self.parley.request(method, path, body, token=token or self.admin)
        self.assertIn(status, expected, out)
        return out

    def customer_writes(self, who, text, inbox=None):
        inbox = inbox or self.inbox
        raw = json.dumps({"id": "%s-%f" % (who, time.time()), "contact": {"id": who, "name": who.title()}, "text": text}).encode()
        status, body, _ = self.parley.request("POST", "/webhooks/api/%d" % inbox["id"], raw=raw,
                                              headers={"X-Parley-Signature": sign(inbox["secret"], raw)})
        self.assertEqual(status, 201, body)
        return body["conversation_id"]

    def stream(self, token, last_event_id=None):
        path = "/api/v1/stream?token=" + token + ("&last_event_id=%s" % last_event_id if last_event_id else "")
        ws = WebSocket(self.parley.port, path)
        if last_event_id is None:
            self.assertEqual(ws.recv()["type"], "hello")
        return ws

    def available_in_order(self, *agents):
        """Each goes available a moment after the one before: the first has been idle longest."""
        for i, agent in enumerate(agents):
            if i:
                time.sleep(0.05)
            self.api("PUT", "/api/v1/auth/me/availability", {"availability": "available"}, token=agent["token"])

    def new_agent(self, name):
        user = self.api("POST", "/api/v1/users", {"email": name + "@routing.test", "password": "a long password",
                                                   "role": "agent", "name": name.title()})
        return {"id": user["id"], "token": self.parley.login(name + "@routing.test", "a long password")}


class RoutingTest(RoutingBase):
    @classmethod
    def setUpClass(cls):
        cls.start_server()
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
        self.available_in_order(anna, bert)

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

    def test_staff_changes_reach_routing_at_once_and_offers_are_not_replayed(self):
        # Its own agents, team, inbox, queue and rule (it runs after the test above, by name).
        cora, dirk = self.new_agent("cora"), self.new_agent("dirk")
        night = self.api("POST", "/api/v1/teams", {"name": "Night", "member_ids": [cora["id"]]})
        inbox = self.api("POST", "/api/v1/inboxes", {"name": "Night shop", "channel": "api", "callback_url": self.callback.url,
                                                     "team_ids": [night["id"]]})
        queue = self.api("POST", "/api/v1/queues", {"name": "Night", "team_ids": [night["id"]], "offer_timeout_s": 300})
        keys = ("inbox_id", "label", "language", "channel", "queue_id", "priority")
        rules = [{k: r[k] for k in keys if r.get(k) is not None} for r in self.api("GET", "/api/v1/routing_rules")["rules"]]
        self.api("PUT", "/api/v1/routing_rules", {"rules": [{"inbox_id": inbox["id"], "queue_id": queue["id"]}] + rules})

        ws = self.stream(dirk["token"])
        self.api("PUT", "/api/v1/auth/me/availability", {"availability": "available"}, token=dirk["token"])
        seen = ws.recv_until(lambda e: e["type"] == "user.availability" and e["data"]["id"] == dirk["id"])
        frank = self.customer_writes("frank", "Eine Frage in der Nacht", inbox=inbox)
        time.sleep(0.5)
        self.assertEqual(self.api("GET", "/api/v1/offers", token=dirk["token"])["offers"], [], "not in the queue's team")
        # Added to the team: offered at once, without a restart or a change of the queue.
        self.api("PATCH", "/api/v1/teams/%d" % night["id"], {"member_ids": [cora["id"], dirk["id"]]})
        offer = ws.recv_until(lambda e: e["type"] == "routing.offer", timeout=3)["data"]
        self.assertEqual(offer["conversation_id"], frank)
        self.assertIn("Nacht", offer["preview"])
        ws.close()

        # While his desk is away the offer goes (he leaves the team), and other news comes.
        self.api("PATCH", "/api/v1/teams/%d" % night["id"], {"member_ids": [cora["id"]]})
        self.assertEqual(self.api("GET", "/api/v1/offers", token=dirk["token"])["offers"], [])
        self.api("PUT", "/api/v1/auth/me/availability", {"availability": "away"}, token=cora["token"])
        # Reconnecting with his last event id replays that news, but neither the offer nor its
        # withdrawal: GET /offers (empty) is what the desk shows.
        ws = self.stream(dirk["token"], last_event_id=seen["id"])
        replayed = []
        while not replayed or replayed[-1] != ("user.availability", cora["id"]):
            e = ws.recv()
            replayed.append((e["type"], e["data"].get("id")))
        types = [t for t, _ in replayed]
        self.assertNotIn("routing.offer", types)
        self.assertNotIn("routing.offer_revoked", types)
        ws.close()
        conversation = "/api/v1/conversations/%d" % frank
        self.assertEqual(self.api("GET", conversation)["routing_state"], "waiting")

        # Back in the team he is offered it at once; deactivated, he is not any more.
        self.api("PATCH", "/api/v1/teams/%d" % night["id"], {"member_ids": [cora["id"], dirk["id"]]})
        self.assertEqual(self.api("GET", conversation)["routing_state"], "offered")
        self.api("PATCH", "/api/v1/users/%d" % dirk["id"], {"active": False})
        self.assertEqual(self.api("GET", conversation)["routing_state"], "waiting")


class RoutingFromScratchTest(RoutingBase):
    """A tenant without queues: conversations are not routed; the first queue takes them in."""

    @classmethod
    def setUpClass(cls):
        cls.start_server()
        status, cls.inbox, _ = cls.parley.request("POST", "/api/v1/inboxes", {"name": "Shop", "channel": "api",
                                                                             "callback_url": cls.callback.url}, token=cls.admin)
        assert status == 201, cls.inbox

    def test_the_first_queue_takes_in_open_conversations_and_a_restart_keeps_the_preview(self):
        ida = self.new_agent("ida")
        # She works the shop's inbox (an agent is only offered conversations she may open).
        team = self.api("POST", "/api/v1/teams", {"name": "Shop", "member_ids": [ida["id"]]})
        self.api("PATCH", "/api/v1/inboxes/%d" % self.inbox["id"], {"team_ids": [team["id"]]})
        olga = self.customer_writes("olga", "Erste Frage")
        time.sleep(1.1)
        paul = self.customer_writes("paul", "Zweite Frage")
        self.assertEqual(self.api("GET", "/api/v1/conversations/%d" % olga)["routing_state"], "none")
        self.api("PUT", "/api/v1/users/%d/routing" % ida["id"], {"capacity": {"messaging": 1}})
        self.api("PUT", "/api/v1/auth/me/availability", {"availability": "available"}, token=ida["token"])
        ws = self.stream(ida["token"])
        queue = self.api("POST", "/api/v1/queues", {"name": "Support", "agent_ids": [ida["id"]], "offer_timeout_s": 600})
        offer = ws.recv_until(lambda e: e["type"] == "routing.offer", timeout=5)["data"]
        self.assertEqual(offer["conversation_id"], olga, "the customer who waited longest first")
        self.assertEqual(offer["preview"], "Erste Frage")
        conversation = self.api("GET", "/api/v1/conversations/%d" % olga)
        self.assertEqual(conversation["queue_id"], queue["id"])
        self.assertEqual(conversation["enqueued_at"], conversation["last_incoming_at"], "waiting since her message")
        self.assertEqual(wait_for(lambda: self.api("GET", "/api/v1/conversations/%d" % paul)["routing_state"] == "waiting"), True)
        ws.close()

        # She writes again; after a restart the offer is made again with her last message.
        self.customer_writes("olga", "Noch da?")
        self.parley.stop()
        self.parley.start()
        offers = wait_for(lambda: self.api("GET", "/api/v1/offers", token=ida["token"])["offers"])
        self.assertEqual([o["conversation_id"] for o in offers], [olga])
        self.assertEqual(offers[0]["preview"], "Noch da?")
        self.assertEqual(offers[0]["contact_name"], "Olga")

        # She takes it; the wallboard's "today" is still there after the next restart.
        self.api("POST", "/api/v1/offers/%d/accept" % olga, token=ida["token"])

        def today():
            row = next(q for q in self.api("GET", "/api/v1/queues/stats")["queues"] if q["queue_id"] == queue["id"])
            return {k: row[k] for k in ("answered_today", "abandoned_today", "service_level_today", "asa_today_s")}
        before = today()
        self.assertEqual(before["answered_today"], 1)
        self.parley.stop()
        self.parley.start()
        self.assertEqual(today(), before, "the day's figures survive a restart")


class RoutingPostgresTest(RoutingTest):
    on_postgres = True


class RoutingFromScratchPostgresTest(RoutingFromScratchTest):
    on_postgres = True


class RoutingVisibilityTest(RoutingBase):
    """A queue whose members include an agent who cannot see the inbox its rule sends there."""

    @classmethod
    def setUpClass(cls):
        cls.start_server()

    def test_an_agent_who_cannot_see_the_inbox_is_never_offered_its_conversations(self):
        carl = self.new_agent("carl")  # in no team: he sees no inbox
        anna = self.new_agent("anna")
        team = self.api("POST", "/api/v1/teams", {"name": "Shop", "member_ids": [anna["id"]]})
        self.inbox = self.api("POST", "/api/v1/inboxes", {"name": "Shop", "channel": "api", "callback_url": self.callback.url,
                                                          "team_ids": [team["id"]]})
        queue = self.api("POST", "/api/v1/queues", {"name": "Alle", "agent_ids": [carl["id"], anna["id"]]})
        self.api("PUT", "/api/v1/routing_rules", {"rules": [{"inbox_id": self.inbox["id"], "queue_id": queue["id"]}]})
        ws_carl, ws_anna = self.stream(carl["token"]), self.stream(anna["token"])
        # Carl is available first, so the engine would pick him (longest idle).
        self.available_in_order(carl, anna)
        conversation = self.customer_writes("dora", "Bonjour, secret order 123")
        offer = ws_anna.recv_until(lambda e: e["type"] == "routing.offer")["data"]
        self.assertEqual(offer["conversation_id"], conversation)
        with self.assertRaises(Exception):
            ws_carl.recv_until(lambda e: e["type"] == "routing.offer", timeout=1)
        self.assertEqual(self.api("GET", "/api/v1/offers", token=carl["token"])["offers"], [])
        self.api("POST", "/api/v1/offers/%d/accept" % conversation, token=anna["token"])
        ws_carl.close()
        ws_anna.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
