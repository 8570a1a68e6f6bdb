"""`zhixian tickets draft [--json]` and `create` as a user runs them (DESIGN.md: one complaint per
stdin line).

Usage: tickets_draft_test.py BINARY SOURCE_DIR. A fresh data directory; no network.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/zhixian"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
KB = os.path.join(SOURCE, "kb")
KEYS = {"topic", "category", "departments", "department", "district", "place", "sla", "contact",
        "summary", "confidence"}


def draft(lines, kb=KB, json_flag=True):
    data = tempfile.mkdtemp(prefix="zx-draft-")
    try:
        args = [BINARY, "tickets", "draft", "--data", data, "--kb", kb]
        if json_flag:
            args.append("--json")
        return subprocess.run(args, input=("\n".join(lines) + "\n").encode(),
                              capture_output=True, timeout=240)
    finally:
        shutil.rmtree(data, ignore_errors=True)


class Draft(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lines = [
            "阳光花园小区门口的垃圾堆了好几天没人清运，我电话13912345678",
            "西城区文华路那个工地半夜还在打桩，吵得人睡不着",
            "人民路上井盖丢了，刚才有个老人摔倒了腿在流血",
            "人行道的地砖松了几块，还好没有人受伤",
            "臨河縣青石鎮柳樹村停電了，電話幺三八 一二三四 五六七八",
            "我想问一下明天会不会下雨",
        ]
        r = draft(cls.lines)
        assert r.returncode == 0, r.stderr.decode()
        cls.out = [json.loads(l) for l in r.stdout.decode().strip().split("\n")]

    def test_one_object_per_line_with_the_contract_keys(self):
        self.assertEqual(len(self.out), len(self.lines))
        for o in self.out:
            self.assertEqual(set(o), KEYS)
            self.assertIn(o["sla"], ("2h", "24h", "7d", "15d"))
            self.assertIsNone(o["category"])  # no history learned
            self.assertTrue(0 <= o["confidence"] <= 1)
            for d in o["departments"]:
                self.assertEqual(set(d), {"code", "role"})
                self.assertIn(d["role"], ("主办", "协办"))

    def test_fields(self):
        garbage, noise, manhole, calm, outage, weather = self.out
        self.assertEqual(garbage["topic"], "ts.garbage")
        self.assertEqual(garbage["department"], "cgj")
        self.assertEqual((garbage["district"], garbage["place"]), ("东城区", "阳光花园"))
        self.assertEqual(garbage["sla"], "24h")
        self.assertEqual(garbage["contact"], "139****5678")  # masked
        self.assertNotIn("13912345678", garbage["summary"])

        self.assertEqual(noise["departments"], [{"code": "cgj", "role": "主办"},
                                                {"code": "zjj", "role": "协办"}])
        self.assertEqual((noise["district"], noise["place"]), ("西城区", "文华路"))

        self.assertEqual((manhole["department"], manhole["sla"]), ("cgj", "2h"))
        self.assertIsNone(manhole["district"])  # 人民路 lies in two districts
        self.assertEqual(calm["sla"], "24h")   # 没有人受伤 raises nothing

        self.assertEqual((outage["department"], outage["sla"]), ("gd", "2h"))
        self.assertEqual((outage["district"], outage["place"]), ("临河县", "柳树村"))
        self.assertEqual(outage["contact"], "138****5678")

        self.assertIsNone(weather["department"])  # 待人工派单, not the nearest department
        self.assertEqual(weather["departments"], [])
        self.assertIn("待人工派单", weather["summary"])

    def test_plain_text(self):
        r = draft(["小区门口有车乱停堵住了路"], json_flag=False)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn("gaj(主办)", r.stdout.decode())

    def test_create_saves_the_orders_and_audits_each(self):
        work = tempfile.mkdtemp(prefix="zx-create-")
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"))
        data = os.path.join(work, "data")
        try:
            r = subprocess.run([BINARY, "tickets", "create", "--json", "--data", data, "--kb", KB],
                               input="\n".join(self.lines[:3]).encode() + b"\n",
                               capture_output=True, timeout=240, env=env)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            ids = [json.loads(l)["id"] for l in r.stdout.decode().strip().split("\n")]
            self.assertEqual(len(ids), 3)
            q = subprocess.run([BINARY, "audit", "query", "--data", data, "--kb", KB,
                                "--action", "ticket.create"],
                               capture_output=True, timeout=60, env=env)
            self.assertEqual(q.returncode, 0, q.stderr.decode())
            entries = [json.loads(l) for l in q.stdout.decode().strip().split("\n") if l]
            self.assertEqual(sorted(e["object_id"] for e in entries), sorted(ids))
            self.assertTrue(all(e["actor"].startswith("cli:") for e in entries), entries)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def test_malformed_catalogue_is_refused_with_file_line_and_reason(self):
        kb = tempfile.mkdtemp(prefix="zx-draft-kb-")
        try:
            shutil.copytree(KB, kb, dirs_exist_ok=True)
            path = os.path.join(kb, "tickets", "dispatch.toml")
            with open(path, encoding="utf-8") as f:
                tier_line = len(f.read().split("\n")) + 3  # the 1h below
            with open(path, "a", encoding="utf-8") as f:
                f.write('\n[[matter]]\nname = "x"\ntier = "1h"\n'
                        'departments = [{ code = "cgj", role = "主办" }]\ncues = ["x"]\n')
            r = draft(["垃圾没人收"], kb=kb)
            self.assertEqual(r.returncode, 2)
            err = r.stderr.decode()
            self.assertIn("dispatch.toml:%d:" % tier_line, err)
            self.assertIn("tier must be", err)
        finally:
            shutil.rmtree(kb, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
