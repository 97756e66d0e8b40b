"""End to end: `parley staffing` on published reference cases, and GET /api/v1/staffing giving
the same figures as the command line."""
import json
import os
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import PARLEY_BIN, Parley  # noqa: E402

# Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example"
# (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls per 30
# minutes, AHT 180 s, 80% within 20 s, maximum occupancy 85%, shrinkage 30%. pyworkforce's README
# (https://pypi.org/project/pyworkforce/0.1.0/) publishes the answer for it: 14 agents, 20 with
# shrinkage, service level 0.8883500191794669, occupancy 0.7142857142857143, probability of
# waiting 0.1741319335950498.
ERLANG_C_CASE = {"model": "erlang-c", "arrivals": "100", "interval_s": "1800", "aht_s": "180",
                 "sl_target": "0.8", "sl_seconds": "20", "max_occupancy": "0.85", "shrinkage": "0.3"}

# The same queue with customers who give up after 5 minutes on average: pyworkforce's Erlang A
# guide (https://pyworkforce.rodrigo-arenas.com/stable/guide/erlanga) publishes 13 agents, 19 with
# shrinkage, service level 0.858, occupancy 0.750, abandonment 0.025, probability of waiting 0.226.
ERLANG_A_CASE = dict(ERLANG_C_CASE, model="erlang-a", patience_s="300")


def cli(params, *extra):
    argv = [PARLEY_BIN, "staffing"]
    for key, value in params.items():
        argv += ["--" + key.replace("_", "-"), value]
    return subprocess.run(argv + list(extra), capture_output=True, text=True, timeout=60)


def cli_json(params):
    result = cli(params, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class StaffingCliTest(unittest.TestCase):
    def test_erlang_c_reference_case(self):
        figures = cli_json(ERLANG_C_CASE)
        self.assertEqual(figures["agents"], 14)
        self.assertEqual(figures["scheduled_agents"], 20)
        self.assertAlmostEqual(figures["service_level"], 0.8883500191794669, places=10)
        self.assertAlmostEqual(figures["occupancy"], 0.7142857142857143, places=12)
        self.assertAlmostEqual(figures["p_wait"], 0.1741319335950498, places=10)
        self.assertEqual(figures["p_abandon"], 0)
        self.assertAlmostEqual(figures["asa_s"], 0.1741319335950498 * 180 / 4, places=6)
        for key in ("agents", "service_level", "asa_s", "p_wait", "occupancy", "p_abandon"):
            self.assertIn(key, figures)

    def test_erlang_a_reference_case(self):
        figures = cli_json(ERLANG_A_CASE)
        self.assertEqual(figures["agents"], 13)
        self.assertEqual(figures["scheduled_agents"], 19)
        self.assertAlmostEqual(figures["service_level"], 0.858, delta=5e-4)
        self.assertAlmostEqual(figures["occupancy"], 0.750, delta=5e-4)
        self.assertAlmostEqual(figures["p_abandon"], 0.025, delta=5e-4)
        self.assertAlmostEqual(figures["p_wait"], 0.226, delta=5e-4)

    def test_figures_for_a_given_number_of_agents(self):
        figures = cli_json(dict(ERLANG_C_CASE, agents="13"))
        self.assertEqual(figures["agents"], 13)
        self.assertLess(figures["service_level"], 0.8)
        self.assertFalse(figures["meets_target"])

    def test_readable_table_without_json(self):
        result = cli(ERLANG_C_CASE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("agents needed", result.stdout)
        self.assertIn("88.8%", result.stdout)

    def test_bad_options_and_values_exit_2_with_a_message(self):
        cases = [
            (dict(ERLANG_C_CASE, sl_target="80"), "--sl-target"),
            (dict(ERLANG_C_CASE, arrivals="lots"), "--arrivals"),
            (dict(ERLANG_C_CASE, interval_s="0"), "--interval-s"),
            (dict(ERLANG_C_CASE, agents="9"), "cannot keep up"),
            (dict(ERLANG_C_CASE, model="erlang-b"), "--model"),
            (dict(ERLANG_C_CASE, colour="blue"), "unknown option --colour"),
            ({k: v for k, v in ERLANG_C_CASE.items() if k != "aht_s"}, "--aht-s"),
        ]
        for params, message in cases:
            result = cli(params, "--json")
            self.assertEqual(result.returncode, 2, (params, result.stdout))
            self.assertIn(message, result.stderr)
            self.assertEqual(result.stdout, "")


class StaffingApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parley = Parley()
        cls.token = cls.parley.login()

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()

    def get(self, params, token=True):
        return self.parley.request("GET", "/api/v1/staffing?" + urllib.parse.urlencode(params),
                                   token=self.token if token else None)

    def test_api_gives_the_same_figures_as_the_cli(self):
        for case in (ERLANG_C_CASE, ERLANG_A_CASE, dict(ERLANG_A_CASE, concurrency="3", agents="5")):
            status, body, _ = self.get(case)
            self.assertEqual(status, 200, body)
            self.assertEqual(body, cli_json(case))
        status, body, _ = self.get(ERLANG_C_CASE)
        self.assertEqual(body["agents"], 14)
        self.assertEqual(body["scheduled_agents"], 20)

    def test_bad_input_is_a_400_with_a_json_error(self):
        for params, field in ((dict(ERLANG_C_CASE, shrinkage="1"), "shrinkage"),
                              (dict(ERLANG_C_CASE, aht="180"), "aht"),
                              (dict(ERLANG_A_CASE, patience_s="-5"), "patience_s")):
            status, body, _ = self.get(params)
            self.assertEqual(status, 400, body)
            self.assertEqual(body["error"]["code"], "invalid_input")
            self.assertTrue(body["error"]["message"].startswith(field + ":"), body)
        # A repeated parameter is refused, as the CLI refuses a repeated option (it was the last value).
        query = urllib.parse.urlencode(ERLANG_C_CASE) + "&arrivals=5000"
        status, body, _ = self.parley.request("GET", "/api/v1/staffing?" + query, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["message"], "arrivals: is given twice")
        # A load beyond the calculator names the parameter that makes it.
        status, body, _ = self.get(dict(ERLANG_C_CASE, arrivals="1000000000"))
        self.assertEqual(status, 400, body)
        self.assertTrue(body["error"]["message"].startswith("arrivals:"), body)

    def test_needs_a_signed_in_user(self):
        status, body, _ = self.get(ERLANG_C_CASE, token=False)
        self.assertEqual(status, 401, body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
