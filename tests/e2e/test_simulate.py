"""End to end: `parley simulate` on the scenarios in examples/, its JSON against Erlang C for the
plain M/M/N queue, the same figures for the same seed, and clear errors with exit status 2."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import PARLEY_BIN  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
MMN = os.path.join(EXAMPLES, "mmn_erlang_c.toml")
GERMAN = os.path.join(EXAMPLES, "german_contact_center.toml")
CHAT = os.path.join(EXAMPLES, "chat_erlang_a.toml")

FIGURES = ("offered", "answered", "answered_within_threshold", "abandoned", "abandoned_after_threshold",
           "unanswered", "service_level", "answered_within_of_offered", "asa_s", "abandon_rate",
           "mean_handle_s", "max_wait_s")


def simulate(*args):
    return subprocess.run([PARLEY_BIN, "simulate", *args], capture_output=True, text=True, timeout=120)


def simulate_json(*args):
    result = simulate(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class SimulateTest(unittest.TestCase):
    def test_mmn_example_is_close_to_erlang_c(self):
        # Call Centre Helper's queue (100 calls / 30 min, AHT 180 s) with 14 agents: Erlang C gives
        # 88.8% within 20 s, ASA 7.8 s, occupancy 71.4% (docs/STAFFING.md). 1,000 simulated hours.
        figures = simulate_json("--scenario", MMN, "--hours", "1000")
        self.assertEqual(figures["seed"], 1)
        self.assertEqual(figures["hours"], 1000)
        (queue,) = figures["queues"]
        self.assertEqual(queue["queue"], "hotline")
        self.assertEqual(queue["sl_seconds"], 20)
        for key in FIGURES + ("agent_occupancy", "meets_target"):
            self.assertIn(key, queue)
        self.assertAlmostEqual(queue["service_level"], 0.888, delta=0.02)
        self.assertAlmostEqual(queue["asa_s"], 7.84, delta=1.6)
        self.assertAlmostEqual(queue["agent_occupancy"], 0.714, delta=0.01)
        self.assertEqual(queue["abandoned"], 0)
        self.assertTrue(queue["meets_target"])
        self.assertAlmostEqual(queue["offered"], 200_000, delta=2_000)
        (channel,) = queue["channels"]
        self.assertEqual(channel["channel"], "voice")
        self.assertEqual(channel["offered"], queue["offered"])
        (group,) = figures["agent_groups"]
        self.assertAlmostEqual(group["agents_mean"], 14, places=6)
        self.assertEqual(group["answered"], {"hotline": queue["answered"]})
        self.assertEqual(figures["capacity_violations"], 0)
        self.assertEqual(figures["skill_violations"], 0)

    def test_fewer_agents_and_the_same_seed(self):
        fourteen = simulate_json("--scenario", MMN, "--hours", "100")
        self.assertEqual(fourteen, simulate_json("--scenario", MMN, "--hours", "100"))
        twelve = simulate_json("--scenario", MMN, "--hours", "100", "--agents", "12")
        self.assertEqual(twelve["queues"][0]["offered"], fourteen["queues"][0]["offered"])  # the same callers
        self.assertLess(twelve["queues"][0]["service_level"], fourteen["queues"][0]["service_level"])
        other = simulate_json("--scenario", MMN, "--hours", "100", "--seed", "7")
        self.assertEqual(other["seed"], 7)
        self.assertNotEqual(other["queues"][0]["offered"], fourteen["queues"][0]["offered"])

    def test_german_example_per_queue_channel_and_interval(self):
        figures = simulate_json("--scenario", GERMAN)
        self.assertEqual(figures["intervals"], 24)
        queues = {q["queue"]: q for q in figures["queues"]}
        self.assertEqual(set(queues), {"billing_de", "billing_mail_de", "tech_chat_de", "support_en"})
        self.assertEqual([c["channel"] for c in queues["support_en"]["channels"]], ["voice", "webchat"])
        mail = queues["billing_mail_de"]
        self.assertEqual(mail["abandoned"], 0)  # e-mails have no patience
        self.assertEqual(len(mail["intervals"]), 24)
        self.assertEqual(mail["intervals"][23]["start_minute"], 690)
        for q in queues.values():
            self.assertEqual(q["answered"] + q["abandoned"] + q["unanswered"], q["offered"])
            self.assertGreater(q["offered"], 0)
            self.assertGreater(q["agent_occupancy"], 0)
            self.assertLessEqual(q["agent_occupancy"], 1)
        groups = {g["group"]: g for g in figures["agent_groups"]}
        self.assertEqual(groups["english line"]["answered"]["billing_de"], 0)  # no German
        self.assertEqual(groups["tech chat"]["answered"]["billing_de"], 0)     # no billing

    def test_readable_table_without_json(self):
        result = simulate("--scenario", CHAT, "--hours", "10")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("service level", result.stdout)
        self.assertIn("chat team", result.stdout)
        self.assertIn("webchat", result.stdout)

    def test_errors_exit_2_with_a_message(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as bad:
            bad.write('[simulation]\nhours = 10\n\n[[queue]]\nname = "q"\ncolour = "blue"\n')
        with open(MMN) as example, tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as unknown_queue:
            unknown_queue.write(example.read().replace('queues = ["hotline"]', 'queues = ["hotlien"]'))
        try:
            cases = [
                ((), "--scenario FILE is required"),
                (("--scenario", "/nonexistent.toml"), "cannot read the scenario file"),
                (("--scenario", bad.name), ":6: queue[0].colour: unknown key"),
                (("--scenario", unknown_queue.name), 'queues names the unknown queue "hotlien"'),
                (("--scenario", MMN, "--colour", "blue"), "unknown option --colour"),
                (("--scenario", MMN, "--seed", "x"), "--seed"),
                (("--scenario", MMN, "--hours", "-1"), "--hours"),
                (("--scenario", GERMAN, "--agents", "5"), "--agents needs a scenario with one agent group"),
            ]
            for args, message in cases:
                result = simulate(*args, "--json")
                self.assertEqual(result.returncode, 2, (args, result.stdout))
                self.assertIn(message, result.stderr)
                self.assertEqual(result.stdout, "")
        finally:
            os.unlink(bad.name)
            os.unlink(unknown_queue.name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
