"""`zhixian campaign create|start|pause|resume|cancel|status|report` end to end (docs/campaigns.md
"Running a campaign from the command line"): a campaign made from tests/campaigns/targets.csv
with its do-not-call list, moved through its states (a wrong move exits 1 naming the state),
its figures as text and JSON, its targets exported to CSV and XLSX (masked), every change and
export in the audit log as the command line records it (actor cli:<os user>, remote cli, the
permission), and no number, name or ID number of the file in anything printed or exported.

Usage: cli_test.py BINARY SOURCE_DIR. Never the network; no server (a serving process would
act on the state the commands write).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/zhixian"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
HERE = os.path.dirname(os.path.abspath(__file__))
KB = os.path.join(SOURCE, "kb")
TARGETS = os.path.join(HERE, "targets.csv")
DNC = os.path.join(HERE, "dnc.txt")
PERSONAL = ["13812345678", "13900001111", "13900008888", "13900009999", "张三", "李四", "郑一",
            "冯二", "110101199003078515", "44030419851231002", "330106199203150027",
            "51010719951001042"]


class CampaignCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="zx-campaign-cli-")
        self.data = os.path.join(self.tmp, "data")
        # security.key_file = "auto": the key file under $XDG_CONFIG_HOME, outside the data.
        self.env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(self.tmp, "config"),
                        HOME=self.tmp)
        self.printed = ""

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def zx(self, *args, code=0):
        r = subprocess.run([BINARY, *args, "--data", self.data, "--kb", KB], env=self.env,
                           capture_output=True, timeout=60)
        out, err = r.stdout.decode(), r.stderr.decode()
        self.printed += out + err
        self.assertEqual(r.returncode, code, f"{args}: {out} {err}")
        return out, err

    def test_a_campaign_from_create_to_cancel(self):
        out, _ = self.zx("campaign", "create", "--name", "十二月通知", TARGETS, "--dnc", DNC,
                         "--as-of", "2026-12-01", "--json")
        made = json.loads(out)
        cid = made["campaign"]["id"]
        self.assertRegex(cid, r"^CP\d{4}-\d{4}-\d{3}$")
        self.assertEqual(made["campaign"]["state"], "draft")
        self.assertEqual(made["campaign"]["file"], "targets.csv")
        self.assertEqual(made["import"]["calls"], 4)  # 吴十 is on the do-not-call list
        self.assertEqual(made["import"]["dnc_suppressed"], [{"lines": [13, 14]}])
        self.assertEqual(made["added"], 4)

        out, _ = self.zx("campaign", "status")
        self.assertIn(cid, out)
        self.assertIn("draft", out)
        _, err = self.zx("campaign", "pause", cid, code=1)
        self.assertIn("draft", err)
        out, _ = self.zx("campaign", "start", cid, "--json")
        self.assertEqual(json.loads(out)["state"], "running")
        out, _ = self.zx("campaign", "pause", cid)
        self.assertIn("paused", out)
        self.zx("campaign", "resume", cid)

        out, _ = self.zx("campaign", "report", cid, "--json")
        report = json.loads(out)
        self.assertEqual(report["campaign"]["state"], "running")
        self.assertEqual(report["figures"]["targets"], 4)
        self.assertEqual(report["figures"]["waiting"], 4)
        out, _ = self.zx("campaign", "status", cid)
        self.assertIn("targets 4", out)
        self.assertIn("success rate 0.0%", out)

        csv_path = os.path.join(self.tmp, "targets-out.csv")
        out, _ = self.zx("campaign", "report", cid, "--export", csv_path)
        self.assertIn("wrote 4 targets", out)
        with open(csv_path, encoding="utf-8-sig") as f:
            rows = [line.rstrip("\r\n") for line in f]
        self.assertEqual(rows[0], "序号,号码,称呼,场景,状态,尝试次数,结果,短信,更新时间")
        self.assertEqual(len(rows), 5)
        self.assertTrue(rows[1].startswith("1,138****5678,张*先生,"), rows[1])
        xlsx_path = os.path.join(self.tmp, "targets-out.xlsx")
        self.zx("campaign", "report", cid, "--export", xlsx_path)
        with zipfile.ZipFile(xlsx_path) as z:
            exported = b"".join(z.read(n) for n in z.namelist())
        self.zx("campaign", "report", cid, "--export", os.path.join(self.tmp, "x.pdf"), code=2)

        out, _ = self.zx("campaign", "cancel", cid)
        self.assertIn("cancelled", out)
        _, err = self.zx("campaign", "start", cid, code=1)
        self.assertIn("cancelled", err)
        self.zx("campaign", "report", "CP2000-0101-999", code=1)

        out, _ = self.zx("audit", "query", "--action", "campaign.", "--limit", "100")
        entries = [json.loads(line) for line in out.splitlines() if line.strip()]
        actions = sorted(e["action"] for e in entries)
        self.assertEqual(actions, sorted(["campaign.create", "campaign.pause", "campaign.start",
                                          "campaign.pause", "campaign.resume",
                                          "campaign.export", "campaign.export",
                                          "campaign.cancel", "campaign.start"]))
        for e in entries:
            self.assertTrue(e["actor"].startswith("cli:"), e)
            self.assertEqual(e["remote"], "cli")
            self.assertEqual(e["object_id"], cid)
            self.assertEqual(e["details"]["permission"],
                             "report.export" if e["action"] == "campaign.export"
                             else "campaign.manage")

        with open(csv_path, encoding="utf-8-sig") as f:
            written = f.read()
        for p in PERSONAL:
            self.assertNotIn(p, self.printed)
            self.assertNotIn(p, written)
            self.assertNotIn(p.encode(), exported)

    def test_create_with_its_own_rules(self):
        # Issue 16: a campaign's own windows, attempts, waits, concurrency and pace, inside the
        # configuration's; wider ones exit 2 naming the field and the hours allowed.
        out, _ = self.zx("campaign", "create", "--name", "规则", TARGETS, "--as-of",
                         "2026-12-01", "--hours", "10:00-11:30,14:00-16:00", "--max-attempts",
                         "2", "--retry-after-min", "60,90", "--concurrent", "2", "--pace", "0.5",
                         "--json")
        rules = json.loads(out)["campaign"]["rules"]
        self.assertEqual(rules, {"own": True, "hours": ["10:00-11:30", "14:00-16:00"],
                                 "working_days_only": True, "max_attempts": 2,
                                 "retry_after_min": [60, 90], "concurrent": 2,
                                 "pace_per_s": 0.5})
        cid = json.loads(out)["campaign"]["id"]
        out, _ = self.zx("campaign", "status", cid)
        self.assertIn("own rules: hours 10:00-11:30,14:00-16:00", out)
        _, err = self.zx("campaign", "create", "--name", "宽", TARGETS, "--hours",
                         "08:00-12:00", code=2)
        self.assertIn('"hours"', err)
        self.assertIn("09:00-12:00,14:00-20:00", err)
        _, err = self.zx("campaign", "create", "--name", "快", TARGETS, "--retry-after-min", "5",
                         code=2)
        self.assertIn("retry_after_min", err)
        out, _ = self.zx("campaign", "status", "--json")
        plain = [json.loads(line) for line in out.splitlines() if line.strip()]
        # The refused ones left nothing (the PostgreSQL twin shares one database: by name).
        self.assertEqual([c["name"] for c in plain if c["name"] in ("宽", "快")], [])
        self.assertIn(cid, [c["id"] for c in plain])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
