"""The knowledge base in the database from the command line (docs/knowledge.md).

`zhixian kb export`, `zhixian kb import` (new published versions by the operator, audited) and
`zhixian ask --as-of DATE`: each version's answer on its own dates (issue 14's bar).

Usage: kb_versions_test.py BINARY SOURCE_DIR. A fresh data directory; no network.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/zhixian"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
KB = os.path.join(SOURCE, "kb")
QUESTION = "社保卡丢了怎么办"
TOPIC = "sbk.loss"


def run(args, stdin="", timeout=180):
    return subprocess.run([BINARY] + args, input=stdin.encode(), capture_output=True,
                          timeout=timeout)


def set_entry(path, entry_id, answer, effective):
    """Rewrites one [[entry]] of an exported file: its answer and effective date."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.index('id = "%s"' % entry_id)
    end = text.find("[[entry]]", start)
    end = len(text) if end < 0 else end
    block = text[start:end]
    block = re.sub(r'effective = "[0-9-]+"', 'effective = "%s"' % effective, block)
    block = re.sub(r'answer = """\n.*?\n"""', 'answer = """\n%s\n"""' % answer, block,
                   flags=re.S)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[:start] + block + text[end:])


class KbVersions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="zx-kbv-")
        cls.data = os.path.join(cls.tmp, "data")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def common(self):
        return ["--data", self.data, "--kb", KB]

    def ask(self, as_of=None):
        args = ["ask", "--json"] + self.common() + [QUESTION]
        if as_of:
            args += ["--as-of", as_of]
        r = run(args)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return json.loads(r.stdout.decode().strip().split("\n")[-1])

    def export(self, name):
        out = os.path.join(self.tmp, name)
        r = run(["kb", "export", out] + self.common())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertTrue(os.path.exists(os.path.join(out, "entries", "sbk.toml")))
        return out

    def import_(self, path):
        r = run(["kb", "import", path] + self.common())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return r.stdout.decode().split()

    def test_each_version_answers_on_its_own_dates(self):
        first = self.ask()
        self.assertEqual(first["topic"], TOPIC)
        v1 = first["answer"]
        # Version 2 from 2030-01-01 and version 3 from 2031-01-01, imported by the operator.
        out = self.export("v2")
        set_entry(os.path.join(out, "entries", "sbk.toml"), TOPIC,
                  "第二版：社保卡挂失后到任一银行网点补卡，费用20元。", "2030-01-01")
        self.assertEqual(self.import_(out), [TOPIC, "v2"])
        out = self.export("v3")  # today's: still version 1
        set_entry(os.path.join(out, "entries", "sbk.toml"), TOPIC,
                  "第三版：社保卡挂失后在手机上申请补卡，邮寄到家，免费。", "2031-01-01")
        self.assertEqual(self.import_(out), [TOPIC, "v3"])

        self.assertEqual(self.ask()["answer"], v1)
        self.assertEqual(self.ask("2029-12-31")["answer"], v1)
        self.assertIn("第二版", self.ask("2030-01-01")["answer"])
        self.assertIn("第二版", self.ask("2030-12-31")["answer"])
        self.assertIn("第三版", self.ask("2031-01-01")["answer"])
        # Before the entry's first effective date it does not exist.
        self.assertNotEqual(self.ask("2024-06-01")["topic"], TOPIC)  # sbk.loss: 2025-01-01

        # Each import is in the audit log under the entry, by the operator.
        r = run(["audit", "query", "--action", "kb.import", "--object", TOPIC] + self.common())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        lines = [json.loads(l) for l in r.stdout.decode().strip().split("\n") if l]
        self.assertEqual(len(lines), 2, lines)

        # A restart (the seed runs again) keeps the operator's versions.
        self.assertIn("第三版", self.ask("2031-06-01")["answer"])

    def test_a_bad_date_is_a_usage_error(self):
        r = run(["ask", "--as-of", "2025-13-01"] + self.common() + [QUESTION])
        self.assertEqual(r.returncode, 2, r.stderr.decode())
        self.assertIn("YYYY-MM-DD", r.stderr.decode())

    def test_export_xlsx(self):
        out = os.path.join(self.tmp, "xlsx")
        r = run(["kb", "export", out, "--format", "xlsx"] + self.common())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        with open(os.path.join(out, "kb.xlsx"), "rb") as f:
            self.assertEqual(f.read(2), b"PK")
        r = run(["kb", "export", out, "--format", "pdf"] + self.common())
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
