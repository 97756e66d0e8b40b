"""End to end: no acknowledged message is lost when the server is stopped (SIGTERM drain) or
killed (SIGKILL) under load; the outbox survives a restart and delivers once; the WebSocket
stream shows each user exactly what they may see and replays what they missed."""
import json
import os
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import CallbackServer, Parley, WebSocket, sign, wait_for  # noqa: E402


def count_messages(parley, token, inbox_id):
    total = 0
    cursor = ""
    while True:
        _, page, _ = parley.request("GET", "/api/v1/conversations?inbox_id=%d&limit=100%s" % (inbox_id, cursor), token=token)
        for conversation in page["data"]:
            mcursor = ""
            while True:
                _, messages, _ = parley.request(
                    "GET", "/api/v1/conversations/%d/messages?limit=100%s" % (conversation["id"], mcursor), token=token)
                total += len([m for m in messages["data"] if m["direction"] == "incoming"])
                if not messages["next_cursor"]:
                    break
                mcursor = "&cursor=" + messages["next_cursor"]
        if not page["next_cursor"]:
            break
        cursor = "&cursor=" + page["next_cursor"]
    return total


class LoadUntilStopped:
    """Four client threads post signed inbound messages until the server goes away, counting
    the 2xx answers (each one is a promise that the message is stored)."""

    def __init__(self, parley, inbox, limit=4000):
        self.parley, self.inbox, self.limit = parley, inbox, limit
        self.acknowledged = 0
        self.lock = threading.Lock()
        self.next_id = 0
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(4)]
        for t in self.threads:
            t.start()

    def run(self):
        while True:
            with self.lock:
                if self.next_id >= self.limit:
                    return
                self.next_id += 1
                n = self.next_id
            raw = json.dumps({"id": "load-%d" % n, "contact": {"id": "c-%d" % (n % 50)}, "text": "Nachricht %d" % n}).encode()
            req = urllib.request.Request("%s/webhooks/api/%d" % (self.parley.base, self.inbox["id"]), data=raw,
                                         method="POST", headers={"Content-Type": "application/json",
                                                                 "X-Parley-Signature": sign(self.inbox["secret"], raw)})
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    if 200 <= resp.status < 300:
                        with self.lock:
                            self.acknowledged += 1
            except (urllib.error.URLError, ConnectionError, OSError):
                return  # the server is gone

    def join(self):
        for t in self.threads:
            t.join(timeout=30)


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.parley = Parley()
        self.token = self.parley.login()
        _, self.inbox, _ = self.parley.request("POST", "/api/v1/inboxes", {"name": "Load", "channel": "api",
                                                                           "callback_url": "http://127.0.0.1:9/none"},
                                               token=self.token)

    def tearDown(self):
        self.parley.close()

    def restart_and_count(self):
        self.parley.start()
        token = self.parley.login()
        return count_messages(self.parley, token, self.inbox["id"])

    def check_stop_under_load(self, signal_name):
        load = LoadUntilStopped(self.parley, self.inbox)
        wait_for(lambda: load.acknowledged >= 300, timeout=60)
        code = self.parley.stop(signal_name)
        load.join()
        if signal_name == "TERM":
            self.assertEqual(code, 0, "a drained server exits cleanly")
        stored = self.restart_and_count()
        self.assertGreaterEqual(load.acknowledged, 300)
        # Every acknowledged message is stored; at most the few in flight at the kill may be
        # stored without their answer having reached the client.
        self.assertGreaterEqual(stored, load.acknowledged)
        self.assertLessEqual(stored - load.acknowledged, 4)

    def test_sigterm_under_load_loses_no_acknowledged_message(self):
        self.check_stop_under_load("TERM")

    def test_sigkill_under_load_loses_no_acknowledged_message(self):
        self.check_stop_under_load("KILL")

    def test_a_reconnect_after_a_restart_is_told_events_may_be_missing(self):
        # The desk reconnects at once after a restart, before the new process has published
        # anything: the events the old process sent after the client's last one are gone, and
        # the client must hear so (replay.incomplete), not just "hello".
        ws = WebSocket(self.parley.port, "/api/v1/stream?token=" + self.token)
        ws.recv()
        raw = json.dumps({"id": "r-1", "contact": {"id": "restart-c"}, "text": "vorher"}).encode()
        self.parley.request("POST", "/webhooks/api/%d" % self.inbox["id"], raw=raw,
                            headers={"X-Parley-Signature": sign(self.inbox["secret"], raw)})
        last = ws.recv_until(lambda e: e["type"] == "message.created")
        ws.close()
        self.assertEqual(self.parley.stop("TERM"), 0)
        self.parley.start()
        token = self.parley.login()
        ws = WebSocket(self.parley.port, "/api/v1/stream?token=%s&last_event_id=%s" % (token, last["id"]))
        self.assertEqual(ws.recv()["type"], "replay.incomplete")
        self.assertEqual(ws.recv()["type"], "hello")
        ws.close()

    def test_outbox_survives_a_restart_and_delivers_once(self):
        raw = json.dumps({"id": "o-1", "contact": {"id": "outbox-c"}, "text": "Hallo"}).encode()
        _, inbound, _ = self.parley.request("POST", "/webhooks/api/%d" % self.inbox["id"], raw=raw,
                                            headers={"X-Parley-Signature": sign(self.inbox["secret"], raw)})
        callback = CallbackServer()
        try:
            # The callback is unreachable while the reply is written (port 9 refuses).
            status, reply, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % inbound["conversation_id"],
                                                   {"text": "Antwort"}, token=self.token)
            self.assertEqual(status, 201)
            time.sleep(0.3)
            self.assertEqual(self.parley.stop("TERM"), 0)
            self.parley.start()
            token = self.parley.login()
            self.parley.request("PATCH", "/api/v1/inboxes/%d" % self.inbox["id"], {"callback_url": callback.url}, token=token)
            wait_for(lambda: len(callback.received) >= 1, timeout=30)
            time.sleep(1.5)
            self.assertEqual(len(callback.received), 1)
            self.assertEqual(json.loads(callback.received[0][1])["message"]["id"], reply["id"])

            def sent():
                _, messages, _ = self.parley.request(
                    "GET", "/api/v1/conversations/%d/messages" % inbound["conversation_id"], token=token)
                return [m for m in messages["data"] if m["id"] == reply["id"] and m["delivery_status"] == "sent"]
            wait_for(sent)
        finally:
            callback.close()

    def test_reply_fails_visibly_when_the_callback_rejects_it(self):
        callback = CallbackServer(script=[400])
        try:
            self.parley.request("PATCH", "/api/v1/inboxes/%d" % self.inbox["id"], {"callback_url": callback.url},
                                token=self.token)
            raw = json.dumps({"id": "f-1", "contact": {"id": "fail-c"}, "text": "Hallo"}).encode()
            _, inbound, _ = self.parley.request("POST", "/webhooks/api/%d" % self.inbox["id"], raw=raw,
                                                headers={"X-Parley-Signature": sign(self.inbox["secret"], raw)})
            _, reply, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % inbound["conversation_id"],
                                              {"text": "Antwort"}, token=self.token)

            def failed():
                _, messages, _ = self.parley.request(
                    "GET", "/api/v1/conversations/%d/messages" % inbound["conversation_id"], token=self.token)
                return [m for m in messages["data"] if m["id"] == reply["id"] and m["delivery_status"] == "failed"]
            message = wait_for(failed)[0]
            self.assertIn("HTTP 400", message["delivery_error"])
        finally:
            callback.close()


class StreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parley = Parley()
        admin = cls.parley.login()
        p = cls.parley

        def post(path, body):
            status, out, _ = p.request("POST", path, body, token=admin)
            assert status == 201, (path, out)
            return out
        anna = post("/api/v1/users", {"email": "anna@parley.local", "password": "anna password", "role": "agent"})
        bert = post("/api/v1/users", {"email": "bert@parley.local", "password": "bert password", "role": "agent"})
        team_a = post("/api/v1/teams", {"name": "A", "member_ids": [anna["id"]]})
        team_b = post("/api/v1/teams", {"name": "B", "member_ids": [bert["id"]]})
        cls.inbox_a = post("/api/v1/inboxes", {"name": "A", "channel": "api", "callback_url": "http://127.0.0.1:9/",
                                               "team_ids": [team_a["id"]]})
        cls.inbox_b = post("/api/v1/inboxes", {"name": "B", "channel": "api", "callback_url": "http://127.0.0.1:9/",
                                               "team_ids": [team_b["id"]]})
        cls.anna = p.login("anna@parley.local", "anna password")
        cls.bert = p.login("bert@parley.local", "bert password")
        cls.admin = admin

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()

    def inbound(self, inbox, ext, text):
        raw = json.dumps({"id": ext, "contact": {"id": "k-" + ext}, "text": text}).encode()
        status, out, _ = self.parley.request("POST", "/webhooks/api/%d" % inbox["id"], raw=raw,
                                             headers={"X-Parley-Signature": sign(inbox["secret"], raw)})
        self.assertEqual(status, 201)
        return out

    def test_each_agent_sees_only_events_of_its_team_inboxes(self):
        ws_anna = WebSocket(self.parley.port, "/api/v1/stream?token=" + self.anna)
        ws_bert = WebSocket(self.parley.port, "/api/v1/stream?token=" + self.bert)
        for ws in (ws_anna, ws_bert):
            self.assertEqual(ws.recv()["type"], "hello")
        a = self.inbound(self.inbox_a, "vis-a", "für A")
        b = self.inbound(self.inbox_b, "vis-b", "für B")
        seen_anna = ws_anna.recv_until(lambda e: e["type"] == "message.created")
        seen_bert = ws_bert.recv_until(lambda e: e["type"] == "message.created")
        self.assertEqual(seen_anna["data"]["id"], a["message_id"])
        self.assertEqual(seen_bert["data"]["id"], b["message_id"])
        # Neither gets the other's message: the next message events are for their own inbox.
        a2 = self.inbound(self.inbox_a, "vis-a2", "noch mal A")
        self.assertEqual(ws_anna.recv_until(lambda e: e["type"] == "message.created")["data"]["id"], a2["message_id"])
        with self.assertRaises(Exception):
            ws_bert.recv_until(lambda e: e["type"] == "message.created", timeout=1)
        ws_anna.close()
        ws_bert.close()

    def test_reconnect_with_last_event_id_replays_missed_events(self):
        ws = WebSocket(self.parley.port, "/api/v1/stream?token=" + self.admin)
        ws.recv()
        first = self.inbound(self.inbox_a, "rep-1", "eins")
        last = ws.recv_until(lambda e: e["type"] == "message.created" and e["data"]["id"] == first["message_id"])
        ws.close()
        missed = [self.inbound(self.inbox_a, "rep-%d" % i, "verpasst %d" % i)["message_id"] for i in range(2, 5)]
        ws = WebSocket(self.parley.port, "/api/v1/stream?token=%s&last_event_id=%s" % (self.admin, last["id"]))
        replayed = []
        while len(replayed) < 3:
            event = ws.recv()
            if event["type"] == "message.created":
                replayed.append(event["data"]["id"])
        self.assertEqual(replayed, missed)
        ws.close()

    def test_stream_without_credentials_is_refused(self):
        ws = WebSocket(self.parley.port, "/api/v1/stream?token=nope")
        self.assertEqual(ws.status, 401)
        ws.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
