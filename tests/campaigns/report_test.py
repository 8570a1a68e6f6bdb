"""The import report of a generated file, right to the line (issue 13's first bar): for a file of
tens of thousands of rows made by bench/campaigns/make_targets.py, in UTF-8 and in GBK, with its
do-not-call list, `zhixian campaign import --json` must give exactly the report the generator
wrote from what it knows it put in (make_targets.py --expect): every rejected line with its
reason and field, both kinds of duplicates with the line they repeat, notices by scenario,
merged calls, do-not-call suppressions, calls planned. Not merely UTF-8 against GBK.

Usage: report_test.py BINARY SOURCE_DIR [ROWS]. Never the network; a few seconds.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/zhixian"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
ROWS = int(sys.argv[3]) if len(sys.argv) > 3 else 40000
MAKE = os.path.join(SOURCE, "bench", "campaigns", "make_targets.py")


def first_difference(expected, got):
    """A short description of where two reports part."""
    for key in expected:
        a, b = expected[key], got.get(key)
        if a == b:
            continue
        if isinstance(a, list) and isinstance(b, list):
            for i, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    return "%s[%d]: expected %s, got %s" % (key, i, x, y)
            return "%s: expected %d entries, got %d" % (key, len(a), len(b))
        return "%s: expected %s, got %s" % (key, a, b)
    extra = sorted(set(got) - set(expected))
    return "keys not expected: %s" % extra if extra else None


class ReportToTheLine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        cls.dnc = os.path.join(d, "dnc.txt")
        cls.expected_path = os.path.join(d, "expected.json")
        cls.files = {}
        for gbk in (False, True):
            path = os.path.join(d, "targets-gbk.csv" if gbk else "targets.csv")
            cmd = [sys.executable, MAKE, str(ROWS), path]
            if gbk:
                cmd.append("--gbk")
            else:
                cmd += ["--dnc", cls.dnc, "--expect", cls.expected_path]
            subprocess.run(cmd, check=True)
            cls.files["GBK" if gbk else "UTF-8"] = path
        with open(cls.expected_path, encoding="utf-8") as f:
            cls.expected = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_the_file_has_every_kind_of_line(self):
        e = self.expected
        self.assertEqual(e["records"], ROWS)
        reasons = {(r["reason"], r["field"]) for r in e["rejected"]}
        for reason in ("missing_field", "unknown_scenario", "invalid_phone",
                       "invalid_id_checksum", "invalid_id_birth_date"):
            self.assertIn(reason, {r for r, _ in reasons})
        self.assertIn(("missing_field", "应缴金额"), reasons)  # a field the scenario needs
        for key in ("exact_duplicates", "normalized_duplicates", "merged", "dnc_suppressed"):
            self.assertGreater(len(e[key]), 50, key)
        # Some notices of a person far apart, some duplicates before their first in the file.
        self.assertTrue(any(g["lines"][-1] - g["lines"][0] > 1000 for g in e["merged"]))

    def check(self, encoding):
        out = subprocess.run(
            [BINARY, "campaign", "import", self.files[encoding], "--dnc", self.dnc,
             "--as-of", "2026-12-01", "--json", "--kb", os.path.join(SOURCE, "kb")],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        got = json.loads(out.stdout)
        self.assertIsNone(first_difference(self.expected, got))

    def test_utf8_report_is_the_generators(self):
        self.check("UTF-8")

    def test_gbk_report_is_the_generators(self):
        self.check("GBK")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
